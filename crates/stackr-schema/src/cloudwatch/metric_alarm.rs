use crate::prelude::*;

pub const METRIC_ALARM: TypeSchema = TypeSchema {
    kind: "aws.cloudwatch.metric_alarm",
    role: Role::Resource,
    doc: "A metric alarm (PutMetricAlarm, which also updates it).",
    properties: &[
        prop("alarm_name", PropType::String)
            .unique(Unique::Region)
            .required()
            .replaces()
            .doc("Name, unique in the region."),
        prop("alarm_description", PropType::String).doc("Description."),
        prop("namespace", PropType::String).doc("Metric namespace, e.g. AWS/ECS; not with metrics."),
        prop("metric_name", PropType::String).doc("e.g. CPUUtilization; not with metrics."),
        prop("dimensions", STRING_MAP).doc("Metric dimensions, e.g. ClusterName, ServiceName."),
        prop("statistic", PropType::Enum(&["SampleCount", "Average", "Sum", "Minimum", "Maximum"]))
            .doc("Statistic of the metric; or extended_statistic."),
        prop("extended_statistic", PropType::String).doc("A percentile such as p99, instead of statistic."),
        prop("unit", PropType::String).doc("Unit of the metric, e.g. Percent; any if omitted."),
        prop("period", PropType::Int).doc("Seconds per datapoint: 10, 20, 30 or a multiple of 60."),
        prop("evaluation_periods", PropType::Int).required().doc("Periods compared with the threshold."),
        prop("datapoints_to_alarm", PropType::Int).doc("Breaching datapoints among them that trigger; default all."),
        prop("threshold", PropType::Number).doc("Value compared with; not with anomaly detection."),
        prop("threshold_metric_id", PropType::String)
            .doc("Anomaly detection band id in metrics, instead of threshold."),
        prop(
            "comparison_operator",
            PropType::Enum(&[
                "GreaterThanOrEqualToThreshold",
                "GreaterThanThreshold",
                "LessThanThreshold",
                "LessThanOrEqualToThreshold",
                "LessThanLowerOrGreaterThanUpperThreshold",
                "LessThanLowerThreshold",
                "GreaterThanUpperThreshold",
            ]),
        )
        .required()
        .doc("How the metric is compared with the threshold."),
        prop("treat_missing_data", PropType::Enum(&["breaching", "notBreaching", "ignore", "missing"]))
            .doc("Default missing."),
        prop("evaluate_low_sample_count_percentile", PropType::Enum(&["evaluate", "ignore"]))
            .doc("Percentile alarms only."),
        prop("metrics", PropType::Json).doc("AWS's MetricDataQuery list, for metric math, instead of one metric."),
        prop("actions_enabled", PropType::Bool)
            .default_bool(true)
            .doc("Run the actions; default true, also when left out: actions turned off outside stackr are drift."),
        prop("alarm_actions", STRINGS).doc("ARNs run on entering ALARM, e.g. a scaling policy or SNS topic."),
        prop("ok_actions", STRINGS).doc("ARNs run on entering OK."),
        prop("insufficient_data_actions", STRINGS).doc("ARNs run on entering INSUFFICIENT_DATA."),
    ],
    attributes: &[attr("id", PropType::String, "The alarm name."), attr("arn", PropType::String, "The alarm ARN.")],
    taggable: true,
    has_readiness: false,
};
