//! ElastiCache replication groups (Redis OSS / Valkey) on moto with the test
//! bed's member clusters, states, replica counts and AUTH token rules:
//! conformance with cluster mode disabled, cluster mode enabled with a
//! replica count changed in place, an AUTH token that never reaches state,
//! and, in realistic mode, an update that meets the group `modifying` and
//! is retried until it converges.

mod common;
use common::*;
use stackr_engine::plan::Action;
use std::sync::Arc;
use std::time::Duration;

const NETWORK: &str = r#"
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.41.0.0/16 }
  subnet_a:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1a, cidr_block: 10.41.1.0/24 }
  subnet_c:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1c, cidr_block: 10.41.2.0/24 }
  subnets:
    type: aws.elasticache.cache_subnet_group
    properties: { name: conf-rg, description: cache subnets, subnet_ids: ["${subnet_a.id}", "${subnet_c.id}"] }
"#;

/// Waits until an out-of-band change has finished (the group is
/// `available` again), as a person would before the next step.
async fn settle(client: &aws_sdk_elasticache::Client, id: &str) {
    for _ in 0..300 {
        let out = client.describe_replication_groups().replication_group_id(id).send().await.expect("describe");
        if out.replication_groups()[0].status() == Some("available") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("replication group {id} did not settle");
}

fn rg_arn(h: &Harness, id: &str) -> String {
    format!("arn:aws:elasticache:{REGION}:{}:replicationgroup:{id}", h.env.account().id())
}

#[tokio::test]
async fn replication_group() {
    let stack = format!(
        r#"
stack: conf-ec-rg
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  id: {{ type: string, default: conf-rg }}
resources:
{NETWORK}
  subject:
    type: aws.elasticache.replication_group
    properties:
      replication_group_id: ${{var.id}}
      description: sessions
      engine: redis
      engine_version: "7.1"
      node_type: cache.t4g.small
      num_cache_clusters: 2
      automatic_failover_enabled: true
      multi_az_enabled: true
      port: 6379
      cache_subnet_group_name: ${{subnets.id}}
      parameter_group_name: default.redis7
      snapshot_retention_limit: 1
      snapshot_window: "03:00-04:00"
      maintenance_window: sun:05:00-sun:06:00
      at_rest_encryption_enabled: true
  # Follows the group (an SSM value would do too, but it is never kept in
  # state, where the suite checks the dependant).
  endpoint:
    type: aws.logs.log_group
    properties:
      name: /conformance/${{subject.id}}
"#
    );
    conformance(
        "ec-rg",
        Case {
            kind: "aws.elasticache.replication_group",
            stack,
            mutations: vec![
                (
                    "description",
                    m(|h, id| async move {
                        let c = h.elasticache();
                        let r = c
                            .modify_replication_group()
                            .replication_group_id(&id)
                            .replication_group_description("by hand");
                        r.apply_immediately(true).send().await.expect("ModifyReplicationGroup");
                        settle(&c, &id).await;
                    }),
                ),
                (
                    "snapshot_retention_limit",
                    m(|h, id| async move {
                        let c = h.elasticache();
                        let r = c.modify_replication_group().replication_group_id(&id).snapshot_retention_limit(7);
                        r.apply_immediately(true).send().await.expect("ModifyReplicationGroup");
                        settle(&c, &id).await;
                    }),
                ),
                (
                    "num_cache_clusters",
                    m(|h, id| async move {
                        let c = h.elasticache();
                        let r = c.increase_replica_count().replication_group_id(&id).new_replica_count(2);
                        r.apply_immediately(true).send().await.expect("IncreaseReplicaCount");
                        settle(&c, &id).await;
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        let arn = rg_arn(&h, &id);
                        h.elasticache()
                            .remove_tags_from_resource()
                            .resource_name(arn)
                            .tag_keys("suite")
                            .send()
                            .await
                            .expect("untag");
                    }),
                ),
            ],
            replace: Some(("id", "conf-rg-b", Some("endpoint"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// Cluster mode enabled: shards with a configuration endpoint; the replicas
/// per shard change in place (IncreaseReplicaCount); rules AWS would refuse
/// are refused before any call.
#[tokio::test]
async fn cluster_mode_enabled_and_replicas_in_place() {
    let text = |replicas: u32| {
        format!(
            r#"
stack: ec-rg-cluster
region: ap-northeast-1
resources:
{NETWORK}
  rg:
    type: aws.elasticache.replication_group
    properties:
      replication_group_id: shards
      description: sharded
      node_type: cache.t4g.small
      num_node_groups: 2
      replicas_per_node_group: {replicas}
      cache_subnet_group_name: ${{subnets.id}}
"#
        )
    };
    let h = harness("ec-rg-cluster");
    let one = stack(&text(1), &[]);
    let applied = h.apply(&one).await;
    let rg = &applied.state.resources["rg"];
    let cfg = rg.attributes["configuration_endpoint_address"].as_str().expect("configuration endpoint");
    assert!(cfg.starts_with("clustercfg.shards."), "{cfg}");
    assert!(rg.attributes.get("primary_endpoint_address").is_none(), "{:?}", rg.attributes);
    assert_eq!(rg.attributes["port"], serde_json::json!(6379));
    assert!(h.plan(&one).await.is_empty());
    let members = |h: &Harness| {
        let c = h.elasticache();
        async move {
            let out = c.describe_replication_groups().replication_group_id("shards").send().await.expect("describe");
            let g = &out.replication_groups()[0];
            assert_eq!(g.cluster_enabled(), Some(true));
            g.member_clusters().len()
        }
    };
    assert_eq!(members(&h).await, 4);

    let two = stack(&text(2), &[]);
    let plan = h.plan(&two).await;
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert_eq!(plan.steps[0].action, Action::Update, "{:#?}", plan.steps);
    h.apply(&two).await;
    assert_eq!(members(&h).await, 6);
    assert!(h.plan(&two).await.is_empty());

    // Refused before any call: AWS's rules for cluster mode and Multi-AZ.
    let rec = h.providers.get("aws.elasticache.replication_group").expect("reconciler");
    let base = stack(&text(1), &[]);
    let mut props = h.session.prepare(&base).await.expect("prepare").desired.props["rg"].clone();
    props.insert("replication_group_id".into(), stackr_core::value::Value::String("other".into()));
    props.insert("automatic_failover_enabled".into(), stackr_core::value::Value::Bool(false));
    let req = stackr_engine::reconciler::CreateRequest {
        target: stackr_engine::reconciler::Target { stack: "x".into(), address: "rg".into(), region: REGION.into() },
        properties: props,
        tags: Default::default(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let err = rec.create(&req).await.expect_err("cluster mode without failover");
    assert_eq!(err.kind, stackr_engine::reconciler::ErrorKind::Invalid, "{err:?}");
    assert!(err.message.contains("automatic_failover_enabled"), "{err:?}");

    h.destroy("ec-rg-cluster").await;
    let left = h.elasticache().describe_replication_groups().send().await.expect("describe");
    assert!(left.replication_groups().is_empty(), "gone after destroy");
}

/// An AUTH token is sent to AWS but never recorded: not in state, not in
/// the plan; a new token is an in-place update (ModifyReplicationGroup with
/// AuthTokenUpdateStrategy), and a token without transit encryption is
/// refused before any call, without the token in the message.
#[tokio::test]
async fn auth_token_is_never_in_state() {
    let text = |token: &str, transit: bool| {
        format!(
            r#"
stack: ec-rg-auth
region: ap-northeast-1
resources:
{NETWORK}
  rg:
    type: aws.elasticache.replication_group
    properties:
      replication_group_id: authed
      description: with a password
      node_type: cache.t4g.small
      num_cache_clusters: 1
      transit_encryption_enabled: {transit}
      auth_token: {token}
      auth_token_update_strategy: rotate
      cache_subnet_group_name: ${{subnets.id}}
"#
        )
    };
    let h = harness("ec-rg-auth");
    let first = "first-secret-token-0123456789";
    let second = "second-secret-token-9876543210";
    let s1 = stack(&text(first, true), &[]);
    h.apply(&s1).await;
    let saved = std::fs::read_to_string(h.state_file()).expect("state file");
    assert!(!saved.contains(first), "the AUTH token is in the state file");
    assert!(h.plan(&s1).await.is_empty());
    let out =
        h.elasticache().describe_replication_groups().replication_group_id("authed").send().await.expect("describe");
    assert_eq!(out.replication_groups()[0].auth_token_enabled(), Some(true));

    let s2 = stack(&text(second, true), &[]);
    let plan = h.plan(&s2).await;
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert_eq!(plan.steps[0].action, Action::Update, "{:#?}", plan.steps);
    let shown = format!("{:?}", plan.steps);
    assert!(!shown.contains(second), "the plan shows the token");
    h.calls.reset();
    h.apply(&s2).await;
    let modifies: u64 =
        h.calls.rows().iter().filter(|r| r.operation == "ModifyReplicationGroup").map(|r| r.count.calls).sum();
    assert_eq!(modifies, 1, "{:?}", h.calls.rows());
    let saved = std::fs::read_to_string(h.state_file()).expect("state file");
    assert!(!saved.contains(first) && !saved.contains(second), "an AUTH token is in the state file");
    assert!(h.plan(&s2).await.is_empty());

    // Refused when planned, before any call, and again by create itself.
    let bad = stack(&text(second, false), &[]);
    let refused = h.session.prepare(&bad).await.err().map(|e| format!("{e:?}")).expect("refused when planned");
    assert!(refused.contains("`auth_token` requires `transit_encryption_enabled: true`"), "{refused}");
    assert!(!refused.contains(second), "the plan's refusal shows the token");
    let rec = h.providers.get("aws.elasticache.replication_group").expect("reconciler");
    let mut props = h.session.prepare(&s2).await.expect("prepare").desired.props["rg"].clone();
    props.insert("transit_encryption_enabled".into(), stackr_core::value::Value::Bool(false));
    props.insert("replication_group_id".into(), stackr_core::value::Value::String("plain".into()));
    let req = stackr_engine::reconciler::CreateRequest {
        target: stackr_engine::reconciler::Target { stack: "x".into(), address: "rg".into(), region: REGION.into() },
        properties: props,
        tags: Default::default(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let err = rec.create(&req).await.expect_err("token without transit encryption");
    assert_eq!(err.kind, stackr_engine::reconciler::ErrorKind::Invalid, "{err:?}");
    assert!(err.message.contains("transit_encryption_enabled") && !err.message.contains(second), "{err:?}");

    h.destroy("ec-rg-auth").await;
}

/// Realistic mode (AWS's pace, 300 times faster): a change made while the
/// group is `modifying` (after a change by hand) is refused by AWS with
/// InvalidReplicationGroupState; stackr retries it until the group is
/// `available`, applies it, waits for `available` again, and the stack
/// converges.
#[tokio::test(flavor = "multi_thread")]
async fn update_while_modifying_is_retried_and_converges() {
    use stackr_engine::reconciler::{Lookups, Providers};
    let moto = stackr_testkit::Moto::start_realistic(300.0, "rg").expect("realistic moto");
    let config = stackr_testkit::sdk_config(&moto, REGION);
    let account = stackr_testkit::MotoAccount::fresh();
    let calls = stackr_aws::stats::CallStats::new();
    let interceptors = vec![
        aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(account.clone()),
        calls.interceptor(),
    ];
    let (providers, lookups): (Providers, Lookups) = stackr_aws::providers(&config, interceptors);
    let dir = std::env::temp_dir().join(format!("stackr-aws-rg-realistic-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let session = stackr_engine::session::Session {
        store: Arc::new(stackr_state::local::LocalStore::new(dir.join("state.json"))),
        providers,
        lookups,
        events: Arc::new(stackr_engine::events::NoEvents),
        version: "test".into(),
        write_interval: Duration::from_millis(20),
    };
    let client = aws_sdk_elasticache::Client::from_conf(
        aws_sdk_elasticache::config::Builder::from(&config).interceptor(account.clone()).build(),
    );
    let text = |retention: u32| {
        format!(
            r#"
stack: ec-rg-realistic
region: ap-northeast-1
resources:
{NETWORK}
  rg:
    type: aws.elasticache.replication_group
    properties:
      replication_group_id: paced
      description: sessions
      node_type: cache.t4g.small
      num_cache_clusters: 2
      snapshot_retention_limit: {retention}
      cache_subnet_group_name: ${{subnets.id}}
"#
        )
    };
    let apply = |s: stackr_core::model::Stack| {
        let session = &session;
        async move {
            let prepared = session.prepare(&s).await.expect("prepare");
            let applied = session.apply(Some(&s), prepared, options()).await.expect("apply");
            assert!(applied.report.ok(), "apply failed: {:?}", applied.report);
            applied
        }
    };
    apply(stack(&text(1), &[])).await;
    let status = |c: aws_sdk_elasticache::Client| async move {
        let out = c.describe_replication_groups().replication_group_id("paced").send().await.expect("describe");
        out.replication_groups()[0].status().unwrap_or_default().to_string()
    };
    assert_eq!(status(client.clone()).await, "available", "apply waited for the group");

    // By hand: the group is `modifying` for a while.
    client
        .modify_replication_group()
        .replication_group_id("paced")
        .replication_group_description("by hand")
        .apply_immediately(true)
        .send()
        .await
        .expect("ModifyReplicationGroup");
    assert_eq!(status(client.clone()).await, "modifying");

    calls.reset();
    let two = stack(&text(2), &[]);
    apply(two.clone()).await;
    let tries: u64 =
        calls.rows().iter().filter(|r| r.operation == "ModifyReplicationGroup").map(|r| r.count.calls).sum();
    assert!(tries >= 2, "the modify was refused while `modifying` and tried again: {:?}", calls.rows());
    assert_eq!(status(client.clone()).await, "available", "apply waited for the change to finish");
    let out = client.describe_replication_groups().replication_group_id("paced").send().await.expect("describe");
    assert_eq!(out.replication_groups()[0].snapshot_retention_limit(), Some(2));
    // Converged: the description is repaired too (drift), nothing left.
    let plan = session.prepare(&two).await.expect("prepare").plan;
    assert!(plan.is_empty(), "{:#?}", plan.steps);

    let prepared = session.prepare_destroy("ec-rg-realistic").await.expect("prepare destroy");
    let destroyed = session.apply(None, prepared, options()).await.expect("destroy");
    assert!(destroyed.report.ok(), "destroy failed: {:?}", destroyed.report);
    let _ = std::fs::remove_dir_all(&dir);
}
