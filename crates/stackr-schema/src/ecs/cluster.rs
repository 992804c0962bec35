use super::STRATEGY_ITEM;
use crate::prelude::*;

pub const CLUSTER: TypeSchema = TypeSchema {
    kind: "aws.ecs.cluster",
    role: Role::Resource,
    doc: "An ECS cluster (CreateCluster).",
    properties: &[
        prop("name", PropType::String).unique(Unique::Region).required().replaces().doc("Cluster name."),
        prop("container_insights", PropType::Enum(&["enabled", "disabled", "enhanced"]))
            .doc("CloudWatch Container Insights (UpdateClusterSettings); default the account setting."),
        prop("capacity_providers", STRINGS)
            .unordered()
            .doc("Capacity providers the cluster may use, e.g. [FARGATE, FARGATE_SPOT] (PutClusterCapacityProviders)."),
        prop("default_capacity_provider_strategy", PropType::List(&STRATEGY_ITEM))
            .doc("Strategy for services and tasks that name none (PutClusterCapacityProviders)."),
    ],
    attributes: &[attr("id", PropType::String, "The cluster ARN."), attr("arn", PropType::String, "The cluster ARN.")],
    taggable: true,
    has_readiness: false,
};
