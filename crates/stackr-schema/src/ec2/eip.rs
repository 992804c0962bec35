use crate::prelude::*;

pub const EIP: TypeSchema = TypeSchema {
    kind: "aws.ec2.eip",
    role: Role::Resource,
    doc: "An Elastic IP address (AllocateAddress).",
    properties: &[
        prop("domain", PropType::Enum(&["vpc", "standard"]))
            .replaces()
            .doc("`vpc` (default); `standard` was EC2-Classic and is retired."),
        prop("public_ipv4_pool", PropType::String)
            .replaces()
            .doc("An owned (BYOIP) address pool; default Amazon's pool."),
        prop("network_border_group", PropType::String)
            .replaces()
            .doc("Where AWS advertises the address; default the region."),
    ],
    attributes: &[
        attr("id", PropType::String, "The allocation ID (eipalloc-...)."),
        attr("arn", PropType::String, "The Elastic IP ARN."),
        attr("public_ip", PropType::String, "The public IPv4 address."),
    ],
    taggable: true,
    has_readiness: false,
};
