use super::SCOPE;
use crate::prelude::*;

pub const IP_SET: TypeSchema = TypeSchema {
    kind: "aws.wafv2.ip_set",
    role: Role::Resource,
    doc: "A WAF IP set of one address family (CreateIPSet).",
    properties: &[
        prop("name", PropType::String).required().replaces().doc("Name, unique per scope."),
        prop("scope", SCOPE).required().replaces().doc("CLOUDFRONT (in us-east-1) or REGIONAL."),
        prop("ip_address_version", PropType::Enum(&["IPV4", "IPV6"]))
            .required()
            .replaces()
            .doc("Address family of every entry."),
        prop("addresses", STRINGS)
            .unordered()
            .required()
            .doc("CIDR blocks (/1 to /32 or /1 to /128); may be empty (UpdateIPSet)."),
        prop("description", PropType::String).doc("Description (UpdateIPSet)."),
    ],
    attributes: &[
        attr("id", PropType::String, "The IP set ID (a UUID)."),
        attr("arn", PropType::String, "The IP set ARN, for rules."),
    ],
    taggable: true,
    has_readiness: false,
};
