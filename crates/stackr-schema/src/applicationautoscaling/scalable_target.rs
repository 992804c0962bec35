use super::SERVICE_NAMESPACE;
use crate::prelude::*;

pub const SCALABLE_TARGET: TypeSchema = TypeSchema {
    kind: "aws.applicationautoscaling.scalable_target",
    role: Role::Resource,
    doc: "Registers something as scalable between bounds (RegisterScalableTarget).",
    properties: &[
        prop("service_namespace", SERVICE_NAMESPACE).required().replaces().doc("e.g. ecs."),
        prop("resource_id", PropType::String).required().replaces().doc("e.g. service/<cluster>/<service> for ECS."),
        prop("scalable_dimension", PropType::String).required().replaces().doc("e.g. ecs:service:DesiredCount."),
        prop("min_capacity", PropType::Int).required().doc("Lower bound (RegisterScalableTarget again)."),
        prop("max_capacity", PropType::Int).required().doc("Upper bound (RegisterScalableTarget again)."),
    ],
    attributes: &[
        attr("id", PropType::String, "NAMESPACE/RESOURCE_ID/DIMENSION, what names the target in every call."),
        attr("arn", PropType::String, "The scalable target ARN."),
    ],
    taggable: true,
    has_readiness: false,
};
