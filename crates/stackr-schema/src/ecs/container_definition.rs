//! The shape of one container of a task definition: the commonly used
//! fields of AWS's ContainerDefinition, in snake_case.

use crate::prelude::*;

const PORT_MAPPING: PropType = PropType::Object(&[
    prop("container_port", PropType::Int).required().doc("Port the container listens on."),
    prop("host_port", PropType::Int).doc("Host port; with awsvpc, equal to container_port."),
    prop("protocol", PropType::Enum(&["tcp", "udp"])).doc("Default tcp."),
    prop("name", PropType::String).doc("Name for Service Connect."),
    prop("app_protocol", PropType::Enum(&["http", "http2", "grpc"])).doc("For Service Connect."),
]);

const MOUNT_POINT: PropType = PropType::Object(&[
    prop("source_volume", PropType::String).required().doc("A volume of the task definition."),
    prop("container_path", PropType::String).required().doc("Where it is mounted, e.g. /var/www/html."),
    prop("read_only", PropType::Bool).doc("Default false."),
]);

const LOG_CONFIGURATION: PropType = PropType::Object(&[
    prop(
        "log_driver",
        PropType::Enum(&["awslogs", "awsfirelens", "splunk", "fluentd", "gelf", "json-file", "journald", "syslog"]),
    )
    .required()
    .doc("Fargate supports awslogs, awsfirelens and splunk."),
    prop("options", STRING_MAP).doc("Driver options, e.g. awslogs-group, awslogs-region, awslogs-stream-prefix."),
    prop("secret_options", STRING_MAP).doc("Driver options read from SSM or Secrets Manager ARNs."),
]);

const HEALTH_CHECK: PropType = PropType::Object(&[
    prop("command", STRINGS).required().doc("e.g. [CMD-SHELL, \"curl -f http://localhost/ || exit 1\"]."),
    prop("interval", PropType::Int).doc("Seconds between checks, 5 to 300; default 30."),
    prop("timeout", PropType::Int).doc("Seconds before a check fails, 2 to 60; default 5."),
    prop("retries", PropType::Int).doc("Failures before unhealthy, 1 to 10; default 3."),
    prop("start_period", PropType::Int).doc("Grace seconds after start, 0 to 300."),
]);

const DEPENDENCY: PropType = PropType::Object(&[
    prop("container_name", PropType::String).required().doc("Another container of the task."),
    prop("condition", PropType::Enum(&["START", "COMPLETE", "SUCCESS", "HEALTHY"]))
        .required()
        .doc("What that container must reach first."),
]);

const LINUX_PARAMETERS: PropType = PropType::Object(&[
    prop("init_process_enabled", PropType::Bool).doc("Run an init process as PID 1 (recommended for ECS Exec)."),
    prop(
        "capabilities",
        PropType::Object(&[
            prop("add", STRINGS).doc("Capabilities to add (Fargate: SYS_PTRACE only)."),
            prop("drop", STRINGS).doc("Capabilities to drop, e.g. ALL."),
        ]),
    )
    .doc("Linux capabilities."),
]);

const ULIMIT: PropType = PropType::Object(&[
    prop("name", PropType::String).required().doc("e.g. nofile."),
    prop("soft_limit", PropType::Int).required().doc("Soft limit."),
    prop("hard_limit", PropType::Int).required().doc("Hard limit."),
]);

/// A container definition.
pub(crate) const CONTAINER: PropType = PropType::Object(&[
    prop("name", PropType::String).required().doc("Container name, unique in the task."),
    prop("image", PropType::String).required().doc("Image reference, e.g. wordpress:6-php8.3-apache."),
    prop("essential", PropType::Bool).doc("The task stops when this container stops; default true."),
    prop("cpu", PropType::Int).doc("CPU units reserved (1024 = 1 vCPU)."),
    prop("memory", PropType::Int).doc("Hard memory limit in MiB."),
    prop("memory_reservation", PropType::Int).doc("Soft memory limit in MiB."),
    prop("port_mappings", PropType::List(&PORT_MAPPING)).doc("Ports the container exposes."),
    prop("environment", STRING_MAP).doc("Environment variables by name."),
    prop("secrets", STRING_MAP)
        .doc("Environment variables by name, read at start from SSM parameter or Secrets Manager ARNs."),
    prop("mount_points", PropType::List(&MOUNT_POINT)).doc("Volumes mounted in the container."),
    prop("log_configuration", LOG_CONFIGURATION).doc("Where output goes."),
    prop("command", STRINGS).doc("Overrides the image's CMD."),
    prop("entry_point", STRINGS).doc("Overrides the image's ENTRYPOINT."),
    prop("working_dir", PropType::String).doc("Overrides the image's WORKDIR."),
    prop("user", PropType::String).doc("user, user:group, uid or uid:gid."),
    prop("health_check", HEALTH_CHECK).doc("Container health check."),
    prop("depends_on", PropType::List(&DEPENDENCY)).doc("Start order."),
    prop("readonly_root_filesystem", PropType::Bool).doc("Mount the root file system read-only."),
    prop("linux_parameters", LINUX_PARAMETERS).doc("Linux-specific settings."),
    prop("ulimits", PropType::List(&ULIMIT)).doc("Resource limits."),
    prop("docker_labels", STRING_MAP).doc("Labels on the container."),
    prop("stop_timeout", PropType::Int).doc("Seconds to wait after SIGTERM before SIGKILL; Fargate up to 120."),
    prop("start_timeout", PropType::Int).doc("Seconds to wait for dependencies to reach their condition."),
]);
