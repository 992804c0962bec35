use super::container_definition::CONTAINER;
use crate::prelude::*;

const EFS_VOLUME: PropType = PropType::Object(&[
    prop("file_system_id", PropType::String).required().doc("The EFS file system."),
    prop("root_directory", PropType::String)
        .doc("Directory mounted as the root; must be / (the default) with an access point."),
    prop("transit_encryption", PropType::Enum(&["ENABLED", "DISABLED"]))
        .doc("TLS to EFS; required ENABLED with IAM authorization."),
    prop("transit_encryption_port", PropType::Int).doc("Port of the EFS mount helper's TLS tunnel."),
    prop(
        "authorization_config",
        PropType::Object(&[
            prop("access_point_id", PropType::String).doc("Mount through this access point (fsap-...)."),
            prop("iam", PropType::Enum(&["ENABLED", "DISABLED"])).doc("Authorize with the task role."),
        ]),
    )
    .doc("Access point and IAM authorization."),
]);

const VOLUME: PropType = PropType::Object(&[
    prop("name", PropType::String).required().doc("Name mount points refer to."),
    prop("efs_volume_configuration", EFS_VOLUME).doc("An EFS volume; a task-scoped bind mount if omitted."),
]);

const RUNTIME_PLATFORM: PropType = PropType::Object(&[
    prop("cpu_architecture", PropType::Enum(&["X86_64", "ARM64"])).doc("Default X86_64."),
    prop(
        "operating_system_family",
        PropType::Enum(&[
            "LINUX",
            "WINDOWS_SERVER_2025_CORE",
            "WINDOWS_SERVER_2025_FULL",
            "WINDOWS_SERVER_2022_CORE",
            "WINDOWS_SERVER_2022_FULL",
            "WINDOWS_SERVER_2019_CORE",
            "WINDOWS_SERVER_2019_FULL",
            "WINDOWS_SERVER_2016_FULL",
            "WINDOWS_SERVER_2004_CORE",
            "WINDOWS_SERVER_20H2_CORE",
        ]),
    )
    .doc("Default LINUX."),
]);

pub const TASK_DEFINITION: TypeSchema = TypeSchema {
    kind: "aws.ecs.task_definition",
    role: Role::Resource,
    doc: "An ECS task definition revision (RegisterTaskDefinition). Revisions are immutable: \
          any change registers a new one and deregisters the old.",
    properties: &[
        prop("family", PropType::String).required().replaces().doc("Family name; revisions are numbered within it."),
        prop("cpu", PropType::String)
            .replaces()
            .doc("Task CPU units (\"1024\") or vCPUs (\"1 vCPU\"); required on Fargate."),
        prop("memory", PropType::String)
            .replaces()
            .doc("Task memory in MiB (\"2048\") or GB (\"2 GB\"); required on Fargate."),
        prop("network_mode", PropType::Enum(&["awsvpc", "bridge", "host", "none"]))
            .replaces()
            .doc("Fargate requires awsvpc."),
        prop(
            "requires_compatibilities",
            PropType::List(&PropType::Enum(&["EC2", "FARGATE", "EXTERNAL", "MANAGED_INSTANCES"])),
        )
        .replaces()
        .doc("Launch types the definition is validated against."),
        prop("runtime_platform", RUNTIME_PLATFORM).replaces().doc("CPU architecture and OS."),
        prop("execution_role_arn", PropType::String)
            .replaces()
            .doc("Role ECS uses to pull images, write logs and read secrets."),
        prop("task_role_arn", PropType::String).replaces().doc("Role the containers' code runs as."),
        prop("container_definitions", PropType::List(&CONTAINER))
            .required()
            .replaces()
            .doc("The containers of the task."),
        prop("volumes", PropType::List(&VOLUME)).replaces().doc("Volumes containers may mount."),
        prop(
            "ephemeral_storage",
            PropType::Object(&[prop("size_in_gib", PropType::Int).required().doc("21 to 200 GiB; default 20.")]),
        )
        .replaces()
        .doc("Fargate task storage."),
        prop("pid_mode", PropType::Enum(&["host", "task"])).replaces().doc("Process namespace sharing."),
    ],
    attributes: &[
        attr("id", PropType::String, "The revision's ARN (arn:...:task-definition/family:revision)."),
        attr("arn", PropType::String, "The revision's ARN."),
        attr("revision", PropType::Int, "The revision number."),
    ],
    taggable: true,
    has_readiness: false,
};
