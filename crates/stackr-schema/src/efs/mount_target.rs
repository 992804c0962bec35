use crate::prelude::*;

pub const MOUNT_TARGET: TypeSchema = TypeSchema {
    kind: "aws.efs.mount_target",
    role: Role::Resource,
    doc: "An EFS mount target in one subnet (CreateMountTarget); ready when `available`.",
    properties: &[
        prop("file_system_id", PropType::String).required().replaces().doc("The file system."),
        prop("subnet_id", PropType::String)
            .required()
            .replaces()
            .doc("The subnet; one mount target per availability zone."),
        prop("security_groups", STRINGS)
            .unordered()
            .doc("Up to 5 security groups (ModifyMountTargetSecurityGroups); default the VPC's default group."),
        prop("ip_address_type", PropType::Enum(&["IPV4_ONLY", "IPV6_ONLY", "DUAL_STACK"]))
            .replaces()
            .doc("Default IPV4_ONLY."),
        prop("ip_address", PropType::String).replaces().doc("The IPv4 address; AWS picks one if omitted."),
        prop("ipv6_address", PropType::String).replaces().doc("The IPv6 address; AWS picks one if omitted."),
    ],
    attributes: &[
        attr("id", PropType::String, "The mount target ID (fsmt-...)."),
        attr("ip_address", PropType::String, "The IPv4 address."),
        attr("ipv6_address", PropType::String, "The IPv6 address, when dual-stack or IPv6-only."),
        attr("network_interface_id", PropType::String, "The mount target's network interface."),
        attr("availability_zone_name", PropType::String, "The zone of the subnet."),
    ],
    taggable: false,
    has_readiness: true,
};
