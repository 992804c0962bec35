//! Amazon ECS: clusters, task definitions and services.

mod cluster;
mod container_definition;
mod service;
mod task_definition;

pub use cluster::CLUSTER;
pub use service::SERVICE;
pub use task_definition::TASK_DEFINITION;

use crate::prelude::*;

/// One item of a capacity provider strategy (cluster default or service).
pub(crate) const STRATEGY_ITEM: PropType = PropType::Object(&[
    prop("capacity_provider", PropType::String)
        .required()
        .doc("FARGATE, FARGATE_SPOT, or a capacity provider of the cluster."),
    prop("weight", PropType::Int).range(0.0, 1000.0).doc("Relative share of tasks, 0 to 1000."),
    prop("base", PropType::Int).range(0.0, 100000.0).doc("Tasks placed here first, 0 to 100000; one item only."),
]);
