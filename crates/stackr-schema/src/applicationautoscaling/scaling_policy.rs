use super::SERVICE_NAMESPACE;
use crate::prelude::*;

const TARGET_TRACKING: PropType = PropType::Object(&[
    prop("target_value", PropType::Number).required().doc("Value of the metric to keep, e.g. 60 (%)."),
    prop("predefined_metric_type", PropType::String)
        .doc("e.g. ECSServiceAverageCPUUtilization, ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget."),
    prop("resource_label", PropType::String).doc("For ALBRequestCountPerTarget: app/<lb>/<id>/targetgroup/<tg>/<id>."),
    prop("customized_metric", PropType::Json)
        .doc("AWS's CustomizedMetricSpecification, instead of a predefined metric."),
    prop("scale_in_cooldown", PropType::Int).doc("Seconds after a scale-in before the next."),
    prop("scale_out_cooldown", PropType::Int).doc("Seconds after a scale-out before the next."),
    prop("disable_scale_in", PropType::Bool).doc("Only ever scale out; default false."),
]);

const STEP_ADJUSTMENT: PropType = PropType::Object(&[
    prop("metric_interval_lower_bound", PropType::Number)
        .doc("Lower bound of the step, relative to the alarm threshold; none is -infinity."),
    prop("metric_interval_upper_bound", PropType::Number)
        .doc("Upper bound of the step, relative to the alarm threshold; none is +infinity."),
    prop("scaling_adjustment", PropType::Int).required().doc("Change applied in this step."),
]);

const STEP_SCALING: PropType = PropType::Object(&[
    prop("adjustment_type", PropType::Enum(&["ChangeInCapacity", "ExactCapacity", "PercentChangeInCapacity"]))
        .required()
        .doc("How scaling_adjustment is read."),
    prop("step_adjustments", PropType::List(&STEP_ADJUSTMENT))
        .required()
        .doc("Steps by how far the metric is past the alarm threshold."),
    prop("cooldown", PropType::Int).doc("Seconds before another scaling activity."),
    prop("metric_aggregation_type", PropType::Enum(&["Average", "Minimum", "Maximum"])).doc("Default Average."),
    prop("min_adjustment_magnitude", PropType::Int).doc("Least change, for PercentChangeInCapacity."),
]);

pub const SCALING_POLICY: TypeSchema = TypeSchema {
    kind: "aws.applicationautoscaling.scaling_policy",
    role: Role::Resource,
    doc: "A scaling policy of a scalable target (PutScalingPolicy, which also updates it). \
          Step policies are run by CloudWatch alarms naming their ARN.",
    properties: &[
        prop("name", PropType::String).required().replaces().doc("Policy name, unique per target."),
        prop("service_namespace", SERVICE_NAMESPACE).required().replaces().doc("As the scalable target's."),
        prop("resource_id", PropType::String).required().replaces().doc("As the scalable target's."),
        prop("scalable_dimension", PropType::String).required().replaces().doc("As the scalable target's."),
        prop("policy_type", PropType::Enum(&["TargetTrackingScaling", "StepScaling", "PredictiveScaling"]))
            .required()
            .doc("Which configuration below applies."),
        prop("target_tracking", TARGET_TRACKING).doc("For TargetTrackingScaling."),
        prop("step_scaling", STEP_SCALING).doc("For StepScaling."),
        prop("predictive_scaling", PropType::Json)
            .doc("For PredictiveScaling: AWS's PredictiveScalingPolicyConfiguration."),
    ],
    attributes: &[
        attr("id", PropType::String, "The policy ARN."),
        attr("arn", PropType::String, "The policy ARN, for alarm actions."),
        attr("alarm_arns", STRINGS, "Alarms AWS created for a target tracking policy."),
    ],
    taggable: false,
    has_readiness: false,
};
