use crate::prelude::*;

pub const SUBNETS: TypeSchema = TypeSchema {
    kind: "aws.ec2.subnets",
    role: Role::Data,
    doc: "The existing subnets of a VPC and/or carrying given tags, optionally in some zones (DescribeSubnets); \
          may find none.",
    properties: &[
        prop("vpc_id", PropType::String).doc("Only subnets of this VPC."),
        prop("tags", STRING_MAP).doc("Only subnets carrying all these tags."),
        prop("availability_zones", STRINGS).doc("Only subnets in these zones (names, ap-northeast-1a)."),
    ],
    attributes: &[
        attr("ids", STRINGS, "Subnet IDs, sorted."),
        attr("cidr_blocks", STRINGS, "Their IPv4 CIDR blocks, in the same order."),
        attr("availability_zones", STRINGS, "Their zones, in the same order."),
    ],
    taggable: false,
    has_readiness: false,
};
