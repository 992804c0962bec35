//! A property the stack set and then leaves out goes back to AWS's
//! default where the type can put it back (`Reconciler::resets`): the plan
//! says so, apply does it, and diff is clean after. Checked with the SDK
//! on the local AWS.

mod common;
use common::*;

const SET: &str = r#"
stack: removed
region: ap-northeast-1
resources:
  dlq: { type: aws.sqs.queue, properties: { name: removed-dlq } }
  queue:
    type: aws.sqs.queue
    properties:
      name: removed-q
      delay_seconds: 5
      redrive_policy: { dead_letter_target_arn: "${dlq.arn}", max_receive_count: 5 }
  logs: { type: aws.logs.log_group, properties: { name: /removed/app, retention_in_days: 7 } }
  kept: { type: aws.logs.log_group, properties: { name: /removed/kept, retention_in_days: 7 } }
  topic: { type: aws.sns.topic, properties: { name: removed-t, display_name: Orders } }
  sub:
    type: aws.sns.subscription
    properties:
      topic_arn: ${topic.arn}
      protocol: sqs
      endpoint: ${queue.arn}
      raw_message_delivery: true
      filter_policy: { kind: [order] }
  repo: { type: aws.ecr.repository, properties: { name: removed-r, image_tag_mutability: IMMUTABLE, scan_on_push: true } }
  table:
    type: aws.dynamodb.table
    properties:
      name: removed-t
      billing_mode: PAY_PER_REQUEST
      hash_key: id
      attributes: [{ name: id, type: S }]
      stream_enabled: true
      stream_view_type: NEW_IMAGE
      point_in_time_recovery: true
  bucket:
    type: aws.s3.bucket
    properties:
      name: removed-b-1234
      public_access_block: { block_public_acls: false, ignore_public_acls: false, block_public_policy: false, restrict_public_buckets: false }
      lifecycle_rules: [{ id: old, enabled: true, expiration_days: 30 }]
"#;

const LEFT_OUT: &str = r#"
stack: removed
region: ap-northeast-1
resources:
  dlq: { type: aws.sqs.queue, properties: { name: removed-dlq } }
  queue: { type: aws.sqs.queue, properties: { name: removed-q } }
  logs: { type: aws.logs.log_group, properties: { name: /removed/app } }
  kept: { type: aws.logs.log_group, properties: { name: /removed/kept, retention_in_days: null } }
  topic: { type: aws.sns.topic, properties: { name: removed-t } }
  sub: { type: aws.sns.subscription, properties: { topic_arn: "${topic.arn}", protocol: sqs, endpoint: "${queue.arn}" } }
  repo: { type: aws.ecr.repository, properties: { name: removed-r } }
  table:
    type: aws.dynamodb.table
    properties: { name: removed-t, billing_mode: PAY_PER_REQUEST, hash_key: id, attributes: [{ name: id, type: S }] }
  bucket: { type: aws.s3.bucket, properties: { name: removed-b-1234 } }
"#;

#[tokio::test(flavor = "multi_thread")]
async fn properties_left_out_go_back_to_aws_defaults() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("removed-cli", &[]);
    let url = moto.url().to_string();
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let (sqs, sns) = (aws_sdk_sqs::Client::new(&config), aws_sdk_sns::Client::new(&config));
    let (logs, ecr) = (aws_sdk_cloudwatchlogs::Client::new(&config), aws_sdk_ecr::Client::new(&config));
    let file = dir.join("examples/removed.yaml");
    std::fs::write(&file, SET).unwrap();
    run(&dir, &url, &["apply", "examples/removed.yaml", "--yes"], 0);
    run(&dir, &url, &["diff", "examples/removed.yaml"], 0);

    std::fs::write(&file, LEFT_OUT).unwrap();
    let plan = run(&dir, &url, &["diff", "examples/removed.yaml"], 2);
    for field in [
        "delay_seconds",
        "redrive_policy",
        "retention_in_days",
        "display_name",
        "filter_policy",
        "scan_on_push",
        "stream_enabled",
        "point_in_time_recovery",
        "public_access_block",
        "lifecycle_rules",
    ] {
        assert!(plan.contains(field), "{field}: {plan}");
    }
    assert!(plan.contains("no longer in the stack: back to AWS's default"), "{plan}");
    assert!(!plan.contains("-/+"), "nothing is replaced: {plan}");
    run(&dir, &url, &["apply", "examples/removed.yaml", "--yes"], 0);
    run(&dir, &url, &["diff", "examples/removed.yaml"], 0);

    let url_of = sqs.get_queue_url().queue_name("removed-q").send().await.unwrap().queue_url.unwrap();
    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url_of)
        .attribute_names(aws_sdk_sqs::types::QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    let attr = |n: &str| attrs.get(&aws_sdk_sqs::types::QueueAttributeName::from(n)).cloned().unwrap_or_default();
    assert_eq!(attr("DelaySeconds"), "0");
    assert_eq!(attr("RedrivePolicy"), "", "{attrs:?}");

    let groups = logs.describe_log_groups().log_group_name_prefix("/removed/app").send().await.unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days, None);
    // Written as null: not managed, so AWS keeps it.
    let groups = logs.describe_log_groups().log_group_name_prefix("/removed/kept").send().await.unwrap();
    assert_eq!(groups.log_groups()[0].retention_in_days, Some(7));

    let topics = sns.list_topics().send().await.unwrap();
    let topic = topics.topics()[0].topic_arn.clone().unwrap();
    let t = sns.get_topic_attributes().topic_arn(&topic).send().await.unwrap().attributes.unwrap_or_default();
    assert_eq!(t.get("DisplayName").cloned().unwrap_or_default(), "");
    let subs = sns.list_subscriptions_by_topic().topic_arn(&topic).send().await.unwrap();
    let sub = subs.subscriptions()[0].subscription_arn.clone().unwrap();
    let a =
        sns.get_subscription_attributes().subscription_arn(&sub).send().await.unwrap().attributes.unwrap_or_default();
    assert_eq!(a.get("FilterPolicy").cloned().unwrap_or_default(), "", "{a:?}");
    assert_eq!(a.get("RawMessageDelivery").map(String::as_str), Some("false"));

    let repo = ecr.describe_repositories().repository_names("removed-r").send().await.unwrap();
    let repo = &repo.repositories()[0];
    assert_eq!(repo.image_tag_mutability.as_ref().map(|m| m.as_str()), Some("MUTABLE"));
    assert_eq!(repo.image_scanning_configuration.as_ref().map(|c| c.scan_on_push), Some(false));

    let ddb = aws_sdk_dynamodb::Client::new(&config);
    let table = ddb.describe_table().table_name("removed-t").send().await.unwrap().table.unwrap();
    assert!(table.stream_specification.is_none_or(|s| !s.stream_enabled), "the stream is off");
    let backups = ddb.describe_continuous_backups().table_name("removed-t").send().await.unwrap();
    let pitr = backups.continuous_backups_description.and_then(|d| d.point_in_time_recovery_description);
    assert_eq!(
        pitr.and_then(|p| p.point_in_time_recovery_status).map(|s| s.as_str().to_string()),
        Some("DISABLED".into())
    );

    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let pab = s3.get_public_access_block().bucket("removed-b-1234").send().await.unwrap();
    let pab = pab.public_access_block_configuration.unwrap();
    assert_eq!(pab.block_public_acls, Some(true), "a new bucket's default: {pab:?}");
    assert!(s3.get_bucket_lifecycle_configuration().bucket("removed-b-1234").send().await.is_err(), "no rules left");

    // A topic replaced on request comes back under its name (its ARN is
    // the old one's): adopted as the new one, not refused as the old.
    let out = run(&dir, &url, &["apply", "examples/removed.yaml", "--yes", "--replace", "topic"], 0);
    assert!(out.contains("topic: created"), "{out}");
    run(&dir, &url, &["diff", "examples/removed.yaml"], 0);

    run(&dir, &url, &["destroy", "examples/removed.yaml", "--yes"], 0);
}
