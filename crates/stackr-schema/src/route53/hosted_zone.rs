use crate::prelude::*;

pub const HOSTED_ZONE: TypeSchema = TypeSchema {
    kind: "aws.route53.hosted_zone",
    role: Role::Data,
    doc: "Finds an existing hosted zone by name (ListHostedZonesByName).",
    properties: &[
        prop("name", PropType::String).required().doc("Zone name, e.g. example.com; the trailing dot is optional."),
        prop("private_zone", PropType::Bool).doc("Look for a private zone; default false (public)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The zone ID (Z...), without the /hostedzone/ prefix."),
        attr("arn", PropType::String, "The zone ARN."),
        attr("name", PropType::String, "The zone name, with the trailing dot."),
        attr("name_servers", STRINGS, "The zone's delegation name servers."),
    ],
    taggable: false,
    has_readiness: false,
};
