use crate::prelude::*;

pub const SUBNET: TypeSchema = TypeSchema {
    kind: "aws.ec2.subnet",
    role: Role::Resource,
    doc: "A subnet of a VPC in one availability zone (CreateSubnet).",
    properties: &[
        prop("vpc_id", PropType::String).required().replaces().doc("The VPC."),
        prop("availability_zone", PropType::String)
            .replaces()
            .doc("Zone name, e.g. ap-northeast-1a; AWS picks one if neither zone property is set."),
        prop("availability_zone_id", PropType::String)
            .replaces()
            .doc("Zone ID (apne1-az4), instead of `availability_zone`."),
        prop("cidr_block", PropType::String)
            .required()
            .replaces()
            .cidr4(16, 28)
            .within("vpc_id")
            .doc("IPv4 CIDR block inside the VPC's, /16 to /28, apart from the VPC's other subnets."),
        prop("ipv6_cidr_block", PropType::String)
            .doc("An IPv6 /64 inside the VPC's /56; associated and disassociated in place."),
        prop("map_public_ip_on_launch", PropType::Bool).default_bool(false).doc(
            "Give network interfaces a public IPv4 address; default false, also when left out: turned on outside \
             stackr, it is drift.",
        ),
        prop("assign_ipv6_address_on_creation", PropType::Bool)
            .doc("Give network interfaces an IPv6 address; default false."),
    ],
    attributes: &[
        attr("id", PropType::String, "The subnet ID (subnet-...)."),
        attr("arn", PropType::String, "The subnet ARN."),
        attr("availability_zone_id", PropType::String, "The zone ID the subnet is in."),
        attr("owner_id", PropType::String, "The account that owns the subnet."),
    ],
    taggable: true,
    has_readiness: false,
};
