//! Conformance: CloudWatch metric alarms, on moto.

mod common;
use aws_sdk_cloudwatch::types::{ComparisonOperator, Statistic};
use common::*;

const STACK: &str = r#"
stack: conf-cloudwatch
region: ap-northeast-1
tags: { suite: conformance }
vars:
  name: { type: string, default: one }
resources:
  subject:
    type: aws.cloudwatch.metric_alarm
    properties:
      alarm_name: conf-cpu-${var.name}
      alarm_description: service CPU above 80%
      namespace: AWS/ECS
      metric_name: CPUUtilization
      dimensions: { ClusterName: web, ServiceName: wordpress }
      statistic: Average
      period: 60
      evaluation_periods: 3
      datapoints_to_alarm: 2
      threshold: 80
      comparison_operator: GreaterThanThreshold
      treat_missing_data: notBreaching
      alarm_actions: ["arn:aws:sns:ap-northeast-1:123456789012:ops"]
  follower:
    type: aws.cloudwatch.metric_alarm
    properties:
      alarm_name: conf-follower
      alarm_description: "follows ${subject.arn}"
      namespace: AWS/ECS
      metric_name: MemoryUtilization
      statistic: Average
      period: 60
      evaluation_periods: 1
      threshold: 90
      comparison_operator: GreaterThanThreshold
"#;

/// PutMetricAlarm as a person in the console would: the subject's alarm
/// with the given threshold, evaluation periods and description.
async fn put(h: &Harness, name: &str, threshold: f64, periods: i32, description: &str) {
    h.cloudwatch()
        .put_metric_alarm()
        .alarm_name(name)
        .alarm_description(description)
        .namespace("AWS/ECS")
        .metric_name("CPUUtilization")
        .dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name("ClusterName").value("web").build())
        .dimensions(aws_sdk_cloudwatch::types::Dimension::builder().name("ServiceName").value("wordpress").build())
        .statistic(Statistic::Average)
        .period(60)
        .evaluation_periods(periods)
        .datapoints_to_alarm(2)
        .threshold(threshold)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .alarm_actions("arn:aws:sns:ap-northeast-1:123456789012:ops")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn metric_alarm() {
    conformance(
        "cloudwatch",
        Case {
            kind: "aws.cloudwatch.metric_alarm",
            stack: STACK.into(),
            mutations: vec![
                ("threshold", m(|h, id| async move { put(&h, &id, 95.0, 3, "service CPU above 80%").await })),
                ("evaluation_periods", m(|h, id| async move { put(&h, &id, 80.0, 5, "service CPU above 80%").await })),
                ("alarm_description", m(|h, id| async move { put(&h, &id, 80.0, 3, "edited by hand").await })),
                // Left out of the stack, but on by default: actions turned
                // off outside stackr are drift.
                (
                    "actions_enabled",
                    m(|h, id| async move {
                        h.cloudwatch().disable_alarm_actions().alarm_names(&id).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        let cw = h.cloudwatch();
                        let a = cw.describe_alarms().alarm_names(&id).send().await.unwrap();
                        let arn = a.metric_alarms()[0].alarm_arn().unwrap().to_string();
                        cw.untag_resource().resource_arn(arn).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("name", "two", Some("follower"))),
            // Named by `alarm_name`: the subject's own create is retried.
            twice: Twice::Retry,
        },
    )
    .await;
}

/// An alarm on metric math reads back as written.
#[tokio::test]
async fn metric_math_alarm() {
    let h = harness("cloudwatch-math");
    let s = stack(
        r#"
stack: conf-cloudwatch-math
region: ap-northeast-1
resources:
  subject:
    type: aws.cloudwatch.metric_alarm
    properties:
      alarm_name: conf-error-rate
      evaluation_periods: 3
      threshold: 5
      comparison_operator: GreaterThanThreshold
      metrics:
        - { Id: rate, Expression: "errors / requests * 100", Label: error rate, ReturnData: true }
        - Id: errors
          ReturnData: false
          MetricStat:
            Metric: { Namespace: AWS/ApplicationELB, MetricName: HTTPCode_Target_5XX_Count }
            Period: 60
            Stat: Sum
        - Id: requests
          ReturnData: false
          MetricStat:
            Metric: { Namespace: AWS/ApplicationELB, MetricName: RequestCount }
            Period: 60
            Stat: Sum
"#,
        &[],
    );
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty(), "{:#?}", h.plan(&s).await.steps);
    h.destroy("conf-cloudwatch-math").await;
    let left = h.cloudwatch().describe_alarms().alarm_names("conf-error-rate").send().await.unwrap();
    assert!(left.metric_alarms().is_empty());
}
