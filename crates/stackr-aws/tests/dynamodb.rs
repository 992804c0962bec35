//! Conformance: DynamoDB tables (TTL, point-in-time recovery, tags and a
//! global secondary index changed out of band), and a table with deletion
//! protection refused before a destroy starts.

mod common;
use common::*;

const STACK: &str = r#"
stack: conf-dynamodb
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.dynamodb.table
    properties:
      name: "conf-table-${var.suffix}"
      hash_key: pk
      range_key: sk
      billing_mode: PAY_PER_REQUEST
      attributes:
        - { name: sk, type: S }
        - { name: pk, type: S }
        - { name: email, type: S }
      global_secondary_indexes:
        - { name: by-email, hash_key: email }
      ttl: { attribute_name: expires, enabled: true }
      point_in_time_recovery: true
      table_class: STANDARD_INFREQUENT_ACCESS
      stream_enabled: true
      stream_view_type: NEW_IMAGE
  follower:
    type: aws.logs.log_group
    properties: { name: "/conf/follows-${subject.name}" }
"#;

#[tokio::test]
async fn table() {
    conformance(
        "dynamodb",
        Case {
            kind: "aws.dynamodb.table",
            stack: STACK.into(),
            mutations: vec![
                (
                    "ttl",
                    mutation!(|h, id| {
                        let spec = aws_sdk_dynamodb::types::TimeToLiveSpecification::builder()
                            .enabled(false)
                            .attribute_name("expires")
                            .build()
                            .unwrap();
                        let call = h.dynamodb().update_time_to_live().table_name(&id).time_to_live_specification(spec);
                        call.send().await.unwrap();
                    }),
                ),
                (
                    "point_in_time_recovery",
                    mutation!(|h, id| {
                        let spec = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
                            .point_in_time_recovery_enabled(false)
                            .build()
                            .unwrap();
                        let call = h
                            .dynamodb()
                            .update_continuous_backups()
                            .table_name(&id)
                            .point_in_time_recovery_specification(spec);
                        call.send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let d = h.dynamodb();
                        let t = d.describe_table().table_name(&id).send().await.unwrap();
                        let arn = t.table().and_then(|t| t.table_arn()).unwrap().to_string();
                        d.untag_resource().resource_arn(arn).tag_keys("suite").send().await.unwrap();
                    }),
                ),
                (
                    "global_secondary_indexes",
                    mutation!(|h, id| {
                        use aws_sdk_dynamodb::types::*;
                        // The index deleted by hand: the repair adds it again.
                        let del = DeleteGlobalSecondaryIndexAction::builder().index_name("by-email").build().unwrap();
                        let upd = GlobalSecondaryIndexUpdate::builder().delete(del).build();
                        h.dynamodb()
                            .update_table()
                            .table_name(&id)
                            .global_secondary_index_updates(upd)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("follower"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// An index added to the stack is created on the live table (one
/// UpdateTable), and one removed is deleted.
#[tokio::test]
async fn an_index_is_added_then_removed() {
    let h = harness("dynamodb-gsi");
    let one = stack(STACK, &[]);
    h.apply(&one).await;
    let two_indexes = STACK.replace(
        "        - { name: by-email, hash_key: email }\n",
        "        - { name: by-email, hash_key: email }\n        - { name: by-sk, hash_key: sk, projection_type: KEYS_ONLY }\n",
    );
    let two = stack(&two_indexes, &[]);
    h.apply(&two).await;
    let live = h.dynamodb().describe_table().table_name("conf-table-one").send().await.unwrap();
    let mut names: Vec<String> = live
        .table()
        .map(|t| t.global_secondary_indexes().iter().filter_map(|g| g.index_name.clone()).collect())
        .unwrap_or_default();
    names.sort();
    assert_eq!(names, ["by-email", "by-sk"]);
    assert!(h.plan(&two).await.is_empty(), "in sync with two indexes");
    h.apply(&one).await;
    assert!(h.plan(&one).await.is_empty(), "in sync with one index again");
    h.destroy("conf-dynamodb").await;
}

/// A table with deletion protection on stops a destroy before it starts.
#[tokio::test]
async fn deletion_protection_is_refused_before_the_run() {
    let h = harness("dynamodb-protected");
    let text = STACK.replace(
        "      stream_enabled: true\n",
        "      deletion_protection_enabled: true\n      stream_enabled: true\n",
    );
    let s = stack(&text, &[]);
    h.apply(&s).await;
    let refused = h.session.prepare_destroy("conf-dynamodb").await;
    let message = match refused {
        Err(e) => e.to_string(),
        Ok(p) => {
            let applied = h.session.apply(None, p, options()).await.map(|a| format!("{:?}", a.report));
            format!("{applied:?}")
        }
    };
    assert!(message.contains("deletion protection"), "{message}");
    let live = h.dynamodb().describe_table().table_name("conf-table-one").send().await;
    assert!(live.is_ok(), "the table is still there");
}

/// A table deleted out of band reads as gone while still `DELETING`
/// (DescribeTable answers, its other reads say ResourceNotFoundException),
/// never as a failed read.
#[tokio::test(flavor = "multi_thread")]
async fn a_table_being_deleted_reads_as_gone() {
    use aws_sdk_dynamodb::types::{AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType};
    let moto = stackr_testkit::Moto::start_realistic(2.0, "ddb-deleting").expect("realistic moto");
    let config = stackr_testkit::sdk_config(&moto, REGION);
    let account = stackr_testkit::MotoAccount::fresh();
    let interceptors = vec![aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(account.clone())];
    let (providers, _) = stackr_aws::providers(&config, interceptors);
    let client = aws_sdk_dynamodb::Client::from_conf(
        aws_sdk_dynamodb::config::Builder::from(&config).interceptor(account.clone()).build(),
    );
    let key = |t| KeySchemaElement::builder().attribute_name("pk").key_type(t).build().unwrap();
    let attr = AttributeDefinition::builder().attribute_name("pk").attribute_type(ScalarAttributeType::S).build();
    client
        .create_table()
        .table_name("leaving")
        .key_schema(key(KeyType::Hash))
        .attribute_definitions(attr.unwrap())
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .expect("create");
    let table = providers.get("aws.dynamodb.table").expect("registered");
    for _ in 0..200 {
        if table.readiness(REGION, "leaving").await.is_ok_and(|r| r == stackr_engine::reconciler::Readiness::Ready) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(table.observe(REGION, &["leaving".into()]).await.expect("read")[0].is_some(), "active");
    client.delete_table().table_name("leaving").send().await.expect("delete");
    let status = client.describe_table().table_name("leaving").send().await.expect("still listed");
    assert_eq!(status.table().and_then(|t| t.table_status()).map(|s| s.as_str()), Some("DELETING"));
    let seen = table.observe(REGION, &["leaving".into()]).await.expect("a table on its way out is no error");
    assert!(seen[0].is_none(), "{:?}", seen[0]);
}
