use crate::prelude::*;

pub const AVAILABILITY_ZONES: TypeSchema = TypeSchema {
    kind: "aws.ec2.availability_zones",
    role: Role::Data,
    doc: "The availability zones of the region (DescribeAvailabilityZones).",
    properties: &[prop(
        "state",
        PropType::Enum(&["available", "information", "impaired", "unavailable", "constrained"]),
    )
    .doc("Only zones in this state; default `available`.")],
    attributes: &[
        attr("names", STRINGS, "Zone names, sorted (ap-northeast-1a, ...)."),
        attr("zone_ids", STRINGS, "Zone IDs in the same order (apne1-az4, ...)."),
    ],
    taggable: false,
    has_readiness: false,
};
