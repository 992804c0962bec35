//! Conformance: SNS topics and subscriptions.

mod common;
use common::*;

#[tokio::test]
async fn topic() {
    let stack = r#"
stack: conf-sns
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.sns.topic
    properties:
      name: "conformance-${var.suffix}"
      display_name: Conformance
  queue:
    type: aws.sqs.queue
    properties: { name: conformance-topic-queue }
  sub:
    type: aws.sns.subscription
    properties: { topic_arn: "${subject.arn}", protocol: sqs, endpoint: "${queue.arn}" }
"#;
    conformance(
        "sns",
        Case {
            kind: "aws.sns.topic",
            stack: stack.into(),
            mutations: vec![
                (
                    "display_name",
                    mutation!(|h, id| {
                        let call = h.sns().set_topic_attributes().topic_arn(&id).attribute_name("DisplayName");
                        call.attribute_value("Changed").send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        h.sns().untag_resource().resource_arn(&id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("sub"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn subscription() {
    let stack = r#"
stack: conf-sns-sub
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  topic:
    type: aws.sns.topic
    properties: { name: conformance-events }
  queue:
    type: aws.sqs.queue
    properties: { name: "conformance-sub-${var.suffix}" }
  subject:
    type: aws.sns.subscription
    properties:
      topic_arn: "${topic.arn}"
      protocol: sqs
      endpoint: "${queue.arn}"
      raw_message_delivery: true
      filter_policy: { kind: [order] }
"#;
    conformance(
        "sns-sub",
        Case {
            kind: "aws.sns.subscription",
            stack: stack.into(),
            mutations: vec![
                (
                    "raw_message_delivery",
                    mutation!(|h, id| {
                        let call = h.sns().set_subscription_attributes().subscription_arn(&id);
                        call.attribute_name("RawMessageDelivery").attribute_value("false").send().await.unwrap();
                    }),
                ),
                (
                    "filter_policy",
                    mutation!(|h, id| {
                        let call = h.sns().set_subscription_attributes().subscription_arn(&id);
                        let policy = r#"{"kind":["refund"]}"#;
                        call.attribute_name("FilterPolicy").attribute_value(policy).send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", None)),
            twice: Twice::Retry,
        },
    )
    .await;
}
