use crate::prelude::*;

pub const VPC: TypeSchema = TypeSchema {
    kind: "aws.ec2.vpc",
    role: Role::Resource,
    doc: "A virtual private cloud (CreateVpc).",
    properties: &[
        prop("cidr_block", PropType::String)
            .required()
            .replaces()
            .cidr4(16, 28)
            .doc("Primary IPv4 CIDR block, /16 to /28, e.g. 10.0.0.0/16."),
        prop("ipv6", PropType::Bool)
            .doc("Associate an Amazon-provided IPv6 /56 (AssociateVpcCidrBlock); default false."),
        prop("enable_dns_hostnames", PropType::Bool)
            .doc("Give instances public DNS host names (ModifyVpcAttribute); default false."),
        prop("enable_dns_support", PropType::Bool)
            .doc("Resolve DNS through the Amazon-provided resolver; default true."),
        prop("instance_tenancy", PropType::Enum(&["default", "dedicated"]))
            .replaces()
            .doc("Tenancy of instances launched in the VPC; default `default`. AWS can only change dedicated to default in place."),
    ],
    attributes: &[
        attr("id", PropType::String, "The VPC ID (vpc-...)."),
        attr("arn", PropType::String, "The VPC ARN."),
        attr("ipv6_cidr_block", PropType::String, "The Amazon-provided IPv6 /56, when `ipv6` is true."),
        attr("main_route_table_id", PropType::String, "The route table AWS created with the VPC."),
        attr("default_security_group_id", PropType::String, "The security group AWS created with the VPC."),
        attr("default_network_acl_id", PropType::String, "The network ACL AWS created with the VPC."),
        attr("owner_id", PropType::String, "The account that owns the VPC."),
    ],
    taggable: true,
    has_readiness: false,
};
