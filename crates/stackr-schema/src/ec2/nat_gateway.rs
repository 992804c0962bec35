use crate::prelude::*;

pub const NAT_GATEWAY: TypeSchema = TypeSchema {
    kind: "aws.ec2.nat_gateway",
    role: Role::Resource,
    doc: "A NAT gateway in a subnet (CreateNatGateway); ready when `available`.",
    properties: &[
        prop("subnet_id", PropType::String).required().replaces().doc("The (public) subnet the gateway lives in."),
        prop("allocation_id", PropType::String)
            .replaces()
            .unique_in("allocation_id")
            .doc("The Elastic IP's allocation ID (one gateway per address); required when public."),
        prop("connectivity_type", PropType::Enum(&["public", "private"])).replaces().doc("Default `public`."),
        prop("private_ip_address", PropType::String)
            .replaces()
            .doc("The private IPv4 address; AWS picks one if omitted."),
    ],
    attributes: &[
        attr("id", PropType::String, "The NAT gateway ID (nat-...)."),
        attr("public_ip", PropType::String, "The public IPv4 address."),
        attr("private_ip", PropType::String, "The private IPv4 address."),
        attr("network_interface_id", PropType::String, "The gateway's network interface."),
    ],
    taggable: true,
    has_readiness: true,
};
