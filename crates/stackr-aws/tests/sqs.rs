//! Conformance: SQS queues, a FIFO queue with its dead-letter queue, and a
//! replacement that meets AWS's QueueDeletedRecently refusal.

mod common;
use aws_sdk_sqs::types::QueueAttributeName as Name;
use common::*;
use stackr_engine::reconciler::{CreateRequest, ErrorKind, Target};

#[tokio::test]
async fn queue() {
    let stack = r#"
stack: conf-sqs
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  dlq:
    type: aws.sqs.queue
    properties: { name: conformance-dlq }
  subject:
    type: aws.sqs.queue
    properties:
      name: "conformance-${var.suffix}"
      visibility_timeout_seconds: 45
      message_retention_seconds: 86400
      redrive_policy: { dead_letter_target_arn: "${dlq.arn}", max_receive_count: 5 }
      policy:
        Version: "2012-10-17"
        Statement:
          - { Sid: self, Effect: Allow, Principal: { AWS: "*" }, Action: "sqs:SendMessage", Resource: "*" }
"#;
    conformance(
        "sqs",
        Case {
            kind: "aws.sqs.queue",
            stack: stack.into(),
            mutations: vec![
                (
                    "visibility_timeout_seconds",
                    mutation!(|h, id| {
                        let call = h.sqs().set_queue_attributes().queue_url(&id);
                        call.attributes(Name::VisibilityTimeout, "90").send().await.unwrap();
                    }),
                ),
                (
                    "redrive_policy",
                    mutation!(|h, id| {
                        let sqs = h.sqs();
                        let got = sqs.get_queue_attributes().queue_url(&id).attribute_names(Name::RedrivePolicy);
                        let raw = got.send().await.unwrap().attributes.unwrap()[&Name::RedrivePolicy].clone();
                        let mut j: serde_json::Value = serde_json::from_str(&raw).unwrap();
                        j["maxReceiveCount"] = serde_json::json!(9);
                        let call = sqs.set_queue_attributes().queue_url(&id);
                        call.attributes(Name::RedrivePolicy, j.to_string()).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        h.sqs().untag_queue().queue_url(&id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            // No dependant: what would name a queue URL (an SSM parameter's
            // value) is not kept in state, where the suite looks.
            replace: Some(("suffix", "two", None)),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A FIFO queue whose dead-letter queue is FIFO too; a FIFO queue's name
/// must end in `.fifo`, told before any call.
#[tokio::test]
async fn fifo_queue_with_a_dead_letter_queue() {
    let h = harness("sqs-fifo");
    let s = stack(
        r#"
stack: sqs-fifo
region: ap-northeast-1
resources:
  dlq:
    type: aws.sqs.queue
    properties: { name: orders-dlq.fifo, fifo_queue: true }
  orders:
    type: aws.sqs.queue
    properties:
      name: orders.fifo
      fifo_queue: true
      content_based_deduplication: true
      redrive_policy: { dead_letter_target_arn: "${dlq.arn}", max_receive_count: 3 }
"#,
        &[],
    );
    let applied = h.apply(&s).await;
    let url = h.id_of(&applied, "orders");
    let attrs = h.sqs().get_queue_attributes().queue_url(&url).attribute_names(Name::All).send().await.unwrap();
    let attrs = attrs.attributes.unwrap();
    assert_eq!(attrs[&Name::FifoQueue], "true");
    assert_eq!(attrs[&Name::ContentBasedDeduplication], "true");
    let redrive: serde_json::Value = serde_json::from_str(&attrs[&Name::RedrivePolicy]).unwrap();
    assert!(redrive["deadLetterTargetArn"].as_str().unwrap().ends_with(":orders-dlq.fifo"), "{redrive}");
    assert!(h.plan(&s).await.is_empty(), "a FIFO queue is up to date after create");

    let rec = h.providers.get("aws.sqs.queue").unwrap();
    let req = CreateRequest {
        target: Target { stack: "sqs-fifo".into(), address: "bad".into(), region: REGION.into() },
        properties: [
            ("name".to_string(), stackr_core::value::Value::String("orders".into())),
            ("fifo_queue".to_string(), stackr_core::value::Value::Bool(true)),
        ]
        .into_iter()
        .collect(),
        tags: Default::default(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let e = rec.create(&req).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("must end in `.fifo`"), "{}", e.message);
    h.destroy("sqs-fifo").await;
}

/// A queue renamed and then given its old name back within AWS's 60
/// seconds: CreateQueue is refused QueueDeletedRecently (the test bed's
/// short window), retried, and succeeds once the window has passed.
#[tokio::test]
async fn replacement_waits_out_queue_deleted_recently() {
    let h = harness("sqs-recent");
    let text = r#"
stack: sqs-recent
region: ap-northeast-1
vars:
  name: { type: string, default: first }
resources:
  q:
    type: aws.sqs.queue
    properties: { name: "${var.name}", delay_seconds: 5 }
"#;
    let first = h.apply(&stack(text, &[])).await;
    let old = h.id_of(&first, "q");
    h.apply(&stack(text, &[("name", "second")])).await;
    // The name `first` was deleted a moment ago.
    let refused = h.sqs().create_queue().queue_name("first").send().await.unwrap_err();
    let code = aws_smithy_types::error::metadata::ProvideErrorMetadata::code(&refused).unwrap_or_default().to_string();
    assert!(code.contains("QueueDeletedRecently"), "the test bed refuses the name: {code}");
    h.calls.reset();
    let back = h.apply(&stack(text, &[])).await;
    let creates = h.calls.rows().into_iter().find(|r| r.operation == "CreateQueue").map(|r| r.count.calls);
    assert!(creates.is_some_and(|n| n >= 2), "CreateQueue was refused, then retried: {creates:?}");
    let url = h.id_of(&back, "q");
    assert!(url.ends_with("/first"), "{url}");
    assert_eq!(url, old, "the same name gives the same URL");
    assert!(h.plan(&stack(text, &[])).await.is_empty());
    h.destroy("sqs-recent").await;
}
