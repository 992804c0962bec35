//! The serverless example (bucket, queues with a dead-letter queue, topic
//! with subscriptions, table, function with a permission, KMS key and
//! alias) through the binary, against the local AWS: applied, diffed clean;
//! one field of every type changed out of band makes diff exit 2 naming
//! each; apply repairs them all and diff is clean again; destroy leaves
//! nothing of the stack (checked with the SDK).

mod common;
use common::*;

use std::path::Path;

const FILE: &str = "examples/serverless.yaml";
const CODE_BUCKET: &str = "serverless-cli-artifacts";
/// An empty zip archive (its end-of-central-directory record alone).
const EMPTY_ZIP: &[u8] = &[0x50, 0x4b, 0x05, 0x06, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];

fn state(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("state/serverless.json")).expect("state file")).expect("JSON")
}

fn id(state: &serde_json::Value, address: &str) -> String {
    state["resources"][address]["id"].as_str().unwrap_or_else(|| panic!("{address} not in state")).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn serverless_apply_drift_repair_destroy() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("serverless-cli", &["serverless.yaml"]);
    let url = moto.url().to_string();
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    let (kms, sqs, sns) =
        (aws_sdk_kms::Client::new(&config), aws_sdk_sqs::Client::new(&config), aws_sdk_sns::Client::new(&config));
    let (ddb, lambda, iam) = (
        aws_sdk_dynamodb::Client::new(&config),
        aws_sdk_lambda::Client::new(&config),
        aws_sdk_iam::Client::new(&config),
    );

    // CI's artifact bucket with the function's package, as an account has it.
    create_bucket(&s3, CODE_BUCKET, "ap-northeast-1").await;
    let zip = aws_sdk_s3::primitives::ByteStream::from_static(EMPTY_ZIP);
    s3.put_object().bucket(CODE_BUCKET).key("orders/handler.zip").body(zip).send().await.unwrap();
    let var = format!("code_bucket={CODE_BUCKET}");
    let with_var = |args: &[&'static str]| -> Vec<String> {
        args.iter().map(|a| a.to_string()).chain(["--var".to_string(), var.clone()]).collect()
    };
    let stackr = |args: &[&'static str], code: i32| {
        let args = with_var(args);
        run(&dir, &url, &args.iter().map(String::as_str).collect::<Vec<_>>(), code)
    };

    let out = stackr(&["apply", FILE, "--yes"], 0);
    assert!(out.contains("Done: 13 operations"), "{out}");
    stackr(&["diff", FILE], 0);

    // One field of every type changed by hand, as in the console.
    let s = state(&dir);
    let key = id(&s, "key");
    kms.update_key_description().key_id(&key).description("changed by hand").send().await.unwrap();
    let stray = kms.create_key().description("another key").send().await.unwrap();
    let stray = stray.key_metadata().map(|k| k.key_id().to_string()).unwrap();
    kms.update_alias().alias_name("alias/dev-orders").target_key_id(&stray).send().await.unwrap();
    let bucket = id(&s, "uploads");
    let suspended = aws_sdk_s3::types::VersioningConfiguration::builder()
        .status(aws_sdk_s3::types::BucketVersioningStatus::Suspended)
        .build();
    s3.put_bucket_versioning().bucket(&bucket).versioning_configuration(suspended).send().await.unwrap();
    let open = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Sid": "read", "Effect": "Allow",
        "Principal": "*", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::{bucket}/*")}]});
    s3.put_bucket_policy().bucket(&bucket).policy(open.to_string()).send().await.unwrap();
    let topic = id(&s, "events");
    sns.set_topic_attributes()
        .topic_arn(&topic)
        .attribute_name("DisplayName")
        .attribute_value("Hand")
        .send()
        .await
        .unwrap();
    let raw = id(&s, "events_to_orders");
    let call = sns.set_subscription_attributes().subscription_arn(&raw).attribute_name("RawMessageDelivery");
    call.attribute_value("false").send().await.unwrap();
    let queue = id(&s, "orders");
    let visibility = aws_sdk_sqs::types::QueueAttributeName::VisibilityTimeout;
    sqs.set_queue_attributes().queue_url(&queue).attributes(visibility.clone(), "5").send().await.unwrap();
    let table = id(&s, "table");
    let off = aws_sdk_dynamodb::types::PointInTimeRecoverySpecification::builder()
        .point_in_time_recovery_enabled(false)
        .build()
        .unwrap();
    ddb.update_continuous_backups().table_name(&table).point_in_time_recovery_specification(off).send().await.unwrap();
    iam.update_role().role_name(id(&s, "fn_role")).description("changed by hand").send().await.unwrap();
    let function = id(&s, "fn");
    lambda.update_function_configuration().function_name(&function).memory_size(1024).send().await.unwrap();
    // A statement cannot change: replaced by one with another source.
    lambda.remove_permission().function_name(&function).statement_id("from-order-events").send().await.unwrap();
    let call = lambda.add_permission().function_name(&function).statement_id("from-order-events");
    let call = call.action("lambda:InvokeFunction").principal("sns.amazonaws.com");
    call.source_arn("arn:aws:sns:ap-northeast-1:123456789012:someone-else").send().await.unwrap();

    let out = stackr(&["diff", FILE], 2);
    for (address, field) in [
        ("key", "description"),
        ("key_alias", "target_key_id"),
        ("uploads", "versioning"),
        ("uploads_tls_only", "policy"),
        ("events", "display_name"),
        ("events_to_orders", "raw_message_delivery"),
        ("orders", "visibility_timeout_seconds"),
        ("table", "point_in_time_recovery"),
        ("fn_role", "description"),
        ("fn", "memory_size"),
        ("fn_from_events", "source_arn"),
    ] {
        let changes = plan_entry(&out, address).unwrap_or_else(|| panic!("diff does not name {address}: {out}"));
        assert!(changes.contains(field), "diff of {address} does not name {field}: {changes}");
    }

    stackr(&["apply", FILE, "--yes"], 0);
    stackr(&["diff", FILE], 0);
    let live = kms.describe_key().key_id(&key).send().await.unwrap();
    assert_eq!(live.key_metadata().and_then(|k| k.description()), Some("dev orders data"));
    let live = kms.list_aliases().key_id(&key).send().await.unwrap();
    assert_eq!(live.aliases().iter().filter_map(|a| a.alias_name()).collect::<Vec<_>>(), ["alias/dev-orders"]);
    let live = s3.get_bucket_versioning().bucket(&bucket).send().await.unwrap();
    assert_eq!(live.status(), Some(&aws_sdk_s3::types::BucketVersioningStatus::Enabled));
    let live = sqs.get_queue_attributes().queue_url(&queue).attribute_names(visibility.clone()).send().await.unwrap();
    assert_eq!(live.attributes().and_then(|a| a.get(&visibility)).map(String::as_str), Some("60"));
    let live = lambda.get_function_configuration().function_name(&function).send().await.unwrap();
    assert_eq!(live.memory_size(), Some(256));
    let live = lambda.get_policy().function_name(&function).send().await.unwrap();
    assert!(live.policy().is_some_and(|p| p.contains(&topic) && !p.contains("someone-else")), "{live:?}");

    stackr(&["destroy", FILE, "--yes"], 0);
    let buckets = s3.list_buckets().send().await.unwrap();
    let names: Vec<&str> = buckets.buckets().iter().filter_map(|b| b.name()).collect();
    assert_eq!(names, [CODE_BUCKET]);
    assert!(sqs.list_queues().send().await.unwrap().queue_urls().is_empty());
    assert!(sns.list_topics().send().await.unwrap().topics().is_empty());
    assert!(sns.list_subscriptions().send().await.unwrap().subscriptions().is_empty());
    assert!(ddb.list_tables().send().await.unwrap().table_names().is_empty());
    assert!(lambda.list_functions().send().await.unwrap().functions().is_empty());
    assert!(iam.get_role().role_name("dev-orders-fn").send().await.is_err());
    let aliases = kms.list_aliases().send().await.unwrap();
    assert!(!aliases.aliases().iter().any(|a| a.alias_name() == Some("alias/dev-orders")));
    // A KMS key is never deleted at once: its deletion is scheduled.
    let live = kms.describe_key().key_id(&key).send().await.unwrap();
    assert_eq!(live.key_metadata().map(|k| k.key_state()), Some(Some(&aws_sdk_kms::types::KeyState::PendingDeletion)));
    assert_eq!(state(&dir)["resources"].as_object().map(|r| r.len()), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// At AWS's pace (the local AWS in realistic mode, 60 times faster): the
/// table is CREATING and the function Pending after their creates, an
/// update leaves the function InProgress, and a deleted table is DELETING
/// and a deleted queue's name refused for 60 seconds; stackr waits each
/// out: apply, change, destroy, and apply again at once, all converge.
#[tokio::test(flavor = "multi_thread")]
async fn serverless_at_aws_pace() {
    let scale = stackr_testkit::REALISTIC_SCALE;
    let moto = stackr_testkit::Moto::start_realistic(scale, "1").expect("realistic moto");
    let dir = workdir("serverless-realistic", &["serverless.yaml"]);
    let url = moto.url().to_string();
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(&config).force_path_style(true).build());
    create_bucket(&s3, CODE_BUCKET, "ap-northeast-1").await;
    let zip = aws_sdk_s3::primitives::ByteStream::from_static(EMPTY_ZIP);
    s3.put_object().bucket(CODE_BUCKET).key("orders/handler.zip").body(zip).send().await.unwrap();
    let env = [("STACKR_TIME_SCALE".to_string(), scale.to_string())];
    let var = format!("code_bucket={CODE_BUCKET}");
    let stackr = |args: &[&str], code: i32| {
        let args: Vec<&str> = args.iter().copied().chain(["--var", var.as_str()]).collect();
        run_with(&dir, &url, &args, &env, code)
    };

    stackr(&["apply", FILE, "--yes"], 0);
    stackr(&["diff", FILE], 0);
    let out = stackr(&["apply", FILE, "--yes", "--var", "memory=512"], 0);
    assert!(out.contains("fn: updated"), "{out}");
    stackr(&["diff", FILE, "--var", "memory=512"], 0);
    stackr(&["destroy", FILE, "--yes"], 0);
    // At once again: the table's name is taken until its deletion ends,
    // the queues' names for 60 seconds after theirs.
    let out = stackr(&["apply", FILE, "--yes"], 0);
    assert!(out.contains("table: created") && out.contains("orders: created"), "{out}");
    stackr(&["diff", FILE], 0);
    stackr(&["destroy", FILE, "--yes"], 0);
    let _ = std::fs::remove_dir_all(&dir);
}
