use super::STRATEGY_ITEM;
use crate::prelude::*;

const NETWORK_CONFIGURATION: PropType = PropType::Object(&[
    prop("subnets", STRINGS).unordered().required().doc("Subnets of the tasks' network interfaces."),
    prop("security_groups", STRINGS).unordered().doc("Security groups of the tasks; default the VPC's default group."),
    prop("assign_public_ip", PropType::Bool).doc("Give tasks a public IPv4 address; default false."),
]);

const LOAD_BALANCER: PropType = PropType::Object(&[
    prop("target_group_arn", PropType::String).required().doc("The target group tasks register with."),
    prop("container_name", PropType::String).required().doc("The container that receives traffic."),
    prop("container_port", PropType::Int).required().doc("Its port."),
]);

const CIRCUIT_BREAKER: PropType = PropType::Object(&[
    prop("enable", PropType::Bool).required().doc("Stop a deployment whose tasks keep failing."),
    prop("rollback", PropType::Bool).required().doc("Roll back to the last completed deployment."),
]);

pub const SERVICE: TypeSchema = TypeSchema {
    kind: "aws.ecs.service",
    role: Role::Resource,
    doc: "An ECS service (CreateService); ready when its deployment is steady.",
    properties: &[
        prop("name", PropType::String)
            .required()
            .replaces()
            .unique_in("cluster")
            .doc("Service name, unique in the cluster."),
        prop("cluster", PropType::String)
            .required()
            .replaces()
            .doc("Cluster ARN, e.g. ${cluster.arn} (AWS reports ARNs; a name is refused)."),
        prop("task_definition", PropType::String)
            .required()
            .doc("Task definition revision ARN, e.g. ${task.arn}; a change starts a deployment."),
        prop("desired_count", PropType::Int).doc("Tasks to keep running; often left to auto scaling (ignore_changes)."),
        prop("launch_type", PropType::Enum(&["EC2", "FARGATE", "EXTERNAL"]))
            .replaces()
            .doc("Instead of a capacity provider strategy."),
        prop("capacity_provider_strategy", PropType::List(&STRATEGY_ITEM))
            .doc("Where tasks run; default the cluster's strategy (UpdateService)."),
        prop("platform_version", PropType::String).doc("Fargate platform version; default LATEST."),
        prop("network_configuration", NETWORK_CONFIGURATION).doc("Required with awsvpc networking."),
        prop("load_balancers", PropType::List(&LOAD_BALANCER))
            .doc("Target groups the tasks register with (UpdateService)."),
        prop("health_check_grace_period_seconds", PropType::Int)
            .doc("Seconds to ignore load balancer health checks after a task starts."),
        prop("deployment_circuit_breaker", CIRCUIT_BREAKER).doc("Rolling deployment failure handling."),
        prop("deployment_minimum_healthy_percent", PropType::Int)
            .range(0.0, 100.0)
            .doc("Lower bound of running tasks during a deployment, in percent of desired_count."),
        prop("deployment_maximum_percent", PropType::Int)
            .range(0.0, 2147483647.0)
            .doc("Upper bound of running tasks during a deployment, in percent of desired_count."),
        prop("enable_execute_command", PropType::Bool)
            .doc("Allow `aws ecs execute-command` into the tasks; default false."),
        prop("enable_ecs_managed_tags", PropType::Bool).doc("Tag tasks with the cluster and service names."),
        prop("propagate_tags", PropType::Enum(&["TASK_DEFINITION", "SERVICE", "NONE"]))
            .doc("Copy tags to tasks from the task definition or the service."),
        prop("availability_zone_rebalancing", PropType::Enum(&["ENABLED", "DISABLED"]))
            .doc("Move tasks to keep them balanced across zones."),
        prop("scheduling_strategy", PropType::Enum(&["REPLICA", "DAEMON"]))
            .replaces()
            .doc("Default REPLICA; Fargate supports only REPLICA."),
    ],
    attributes: &[attr("id", PropType::String, "The service ARN."), attr("arn", PropType::String, "The service ARN.")],
    taggable: true,
    has_readiness: true,
};
