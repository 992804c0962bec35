//! Application Auto Scaling: scalable targets (e.g. an ECS service's
//! desired count) and their scaling policies.

mod scalable_target;
mod scaling_policy;

pub use scalable_target::SCALABLE_TARGET;
pub use scaling_policy::SCALING_POLICY;

use crate::prelude::*;

/// The services Application Auto Scaling can scale.
pub(crate) const SERVICE_NAMESPACE: PropType = PropType::Enum(&[
    "ecs",
    "elasticmapreduce",
    "ec2",
    "appstream",
    "dynamodb",
    "rds",
    "sagemaker",
    "custom-resource",
    "comprehend",
    "lambda",
    "cassandra",
    "kafka",
    "elasticache",
    "neptune",
    "workspaces",
]);
