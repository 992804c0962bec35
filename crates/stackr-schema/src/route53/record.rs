use crate::prelude::*;

const ALIAS: PropType = PropType::Object(&[
    prop("name", PropType::String).required().doc("The target's DNS name, e.g. a CloudFront domain_name."),
    prop("zone_id", PropType::String).required().doc("The target's hosted zone, e.g. a distribution's hosted_zone_id."),
    prop("evaluate_target_health", PropType::Bool).doc("Answer only while the target is healthy; default false."),
]);

pub const RECORD: TypeSchema = TypeSchema {
    kind: "aws.route53.record",
    role: Role::Resource,
    doc: "A record set in a hosted zone (ChangeResourceRecordSets CREATE, UPSERT, DELETE).",
    properties: &[
        prop("zone_id", PropType::String).required().replaces().doc("The hosted zone ID."),
        prop("name", PropType::String)
            .required()
            .replaces()
            .doc("Fully qualified name, e.g. www.example.com; the trailing dot is optional."),
        prop(
            "type",
            PropType::Enum(&[
                "A", "AAAA", "CAA", "CNAME", "DS", "HTTPS", "MX", "NAPTR", "NS", "PTR", "SOA", "SPF", "SRV", "SSHFP",
                "SVCB", "TLSA", "TXT",
            ]),
        )
        .required()
        .replaces()
        .doc("Record type."),
        prop("ttl", PropType::Int).doc("Seconds; required unless alias."),
        prop("records", STRINGS).unordered().doc("Values; TXT values in double quotes. Required unless alias."),
        prop("alias", ALIAS).doc("Alias to an AWS resource, instead of ttl and records."),
        prop("set_identifier", PropType::String)
            .replaces()
            .doc("Distinguishes records of one name and type under a routing policy."),
        prop("allow_overwrite", PropType::Bool).local().doc(
            "Take over a record set of this name and type that already exists (made outside this stack) by \
             overwriting it; default false: such a record set is refused, and `stackr import` adopts it.",
        ),
    ],
    attributes: &[
        attr("id", PropType::String, "<zone_id>_<name>_<type>[_<set_identifier>]."),
        attr("fqdn", PropType::String, "The record's name, fully qualified, without the trailing dot."),
    ],
    taggable: false,
    // Its change INSYNC (on every Route 53 server).
    has_readiness: true,
};
