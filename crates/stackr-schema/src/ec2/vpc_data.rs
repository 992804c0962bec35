use crate::prelude::*;

/// The look-up of `aws.ec2.vpc` (the resource is [`super::VPC`]).
pub const VPC_DATA: TypeSchema = TypeSchema {
    kind: "aws.ec2.vpc",
    role: Role::Data,
    doc: "Finds one existing VPC by id, by tags or as the region's default VPC (DescribeVpcs); exactly one must \
          match.",
    properties: &[
        prop("id", PropType::String).doc("The VPC ID (vpc-...)."),
        prop("tags", STRING_MAP).doc("Tags the VPC carries, all of them (`Name: main`)."),
        prop("default", PropType::Bool).doc("`true`: the region's default VPC."),
    ],
    attributes: &[
        attr("arn", PropType::String, "The VPC ARN."),
        attr("cidr_block", PropType::String, "The primary IPv4 CIDR block."),
        attr("ipv6_cidr_block", PropType::String, "The first associated IPv6 CIDR block, if any."),
        attr("owner_id", PropType::String, "The account that owns the VPC."),
        attr("is_default", PropType::Bool, "Whether it is the region's default VPC."),
    ],
    taggable: false,
    has_readiness: false,
};
