//! Conformance: CloudWatch Logs.

mod common;
use common::*;

#[tokio::test]
async fn log_group() {
    let stack = r#"
stack: conf-logs
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.logs.log_group
    properties: { name: "/conformance/${var.suffix}", retention_in_days: 7 }
  param:
    type: aws.logs.log_group
    properties: { name: "/conformance/follows-${subject.name}" }
"#;
    conformance(
        "logs",
        Case {
            kind: "aws.logs.log_group",
            stack: stack.into(),
            mutations: vec![
                (
                    "retention_in_days",
                    mutation!(|h, id| {
                        let logs = h.logs();
                        logs.put_retention_policy().log_group_name(&id).retention_in_days(90).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let logs = h.logs();
                        let g = logs.describe_log_groups().log_group_name_prefix(&id).send().await.unwrap();
                        let arn = g.log_groups()[0].log_group_arn().unwrap().to_string();
                        logs.untag_resource().resource_arn(arn).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("param"))),
            twice: Twice::Another,
        },
    )
    .await;
}
