//! Conformance: ElastiCache cache subnet groups and memcached clusters, on
//! moto with the test bed's nodes, endpoints, ModifyCacheCluster, cluster
//! deletion and subnet group modify/delete. Out-of-band changes are made
//! with the SDK, as a person in the console would.

mod common;
use common::*;
use stackr_engine::reconciler::{DeleteRequest, ErrorKind, Target};
use std::time::Duration;

const NETWORK: &str = r#"
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.40.0.0/16 }
  subnet_a:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1a, cidr_block: 10.40.1.0/24 }
  subnet_c:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1c, cidr_block: 10.40.2.0/24 }
"#;

async fn untag(h: &Harness, arn: &str) {
    h.elasticache().remove_tags_from_resource().resource_name(arn).tag_keys("suite").send().await.expect("untag");
}

/// A cluster's ARN in the test's account.
fn cluster_arn(h: &Harness, id: &str) -> String {
    format!("arn:aws:elasticache:{REGION}:{}:cluster:{id}", h.env.account().id())
}

/// Waits until an out-of-band change has finished (the cluster is
/// `available` again), as a person would before the next step.
async fn settle(h: &Harness, id: &str) {
    for _ in 0..100 {
        let out = h.elasticache().describe_cache_clusters().cache_cluster_id(id).send().await.expect("describe");
        if out.cache_clusters()[0].cache_cluster_status() == Some("available") {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("cache cluster {id} did not settle");
}

#[tokio::test]
async fn cache_subnet_group() {
    let stack = format!(
        r#"
stack: conf-ec-sng
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  name: {{ type: string, default: conf-cache }}
resources:
{NETWORK}
  subject:
    type: aws.elasticache.cache_subnet_group
    properties:
      name: ${{var.name}}
      description: cache subnets
      subnet_ids: ["${{subnet_a.id}}", "${{subnet_c.id}}"]
  cache:
    type: aws.elasticache.cache_cluster
    properties:
      cluster_id: conf-sng-mc
      engine: memcached
      node_type: cache.t4g.small
      num_cache_nodes: 1
      subnet_group_name: ${{subject.id}}
"#
    );
    conformance(
        "ec-sng",
        Case {
            kind: "aws.elasticache.cache_subnet_group",
            stack,
            mutations: vec![
                (
                    "description",
                    m(|h, id| async move {
                        h.elasticache()
                            .modify_cache_subnet_group()
                            .cache_subnet_group_name(&id)
                            .cache_subnet_group_description("changed by hand")
                            .send()
                            .await
                            .expect("ModifyCacheSubnetGroup");
                    }),
                ),
                (
                    "subnet_ids",
                    m(|h, id| async move {
                        let g = h
                            .elasticache()
                            .describe_cache_subnet_groups()
                            .cache_subnet_group_name(&id)
                            .send()
                            .await
                            .expect("describe");
                        let first = g.cache_subnet_groups()[0].subnets()[0].subnet_identifier().unwrap().to_string();
                        h.elasticache()
                            .modify_cache_subnet_group()
                            .cache_subnet_group_name(&id)
                            .subnet_ids(first)
                            .send()
                            .await
                            .expect("ModifyCacheSubnetGroup");
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        let arn = format!("arn:aws:elasticache:{REGION}:{}:subnetgroup:{id}", h.env.account().id());
                        untag(&h, &arn).await
                    }),
                ),
            ],
            replace: Some(("name", "conf-cache-b", Some("cache"))),
            twice: Twice::Another,
        },
    )
    .await;
}

const CLUSTER: &str = r#"
  nfs:
    type: aws.ec2.security_group
    properties: { name: cache, description: cache clients, vpc_id: "${vpc.id}" }
  other:
    type: aws.ec2.security_group
    properties: { name: cache-other, description: other cache clients, vpc_id: "${vpc.id}" }
  subnets:
    type: aws.elasticache.cache_subnet_group
    properties: { name: conf-mc, description: cache subnets, subnet_ids: ["${subnet_a.id}", "${subnet_c.id}"] }
"#;

/// The id of a security group of the test's account, by name.
async fn group_id(h: &Harness, name: &str) -> String {
    let out = h
        .ec2()
        .describe_security_groups()
        .filters(aws_sdk_ec2::types::Filter::builder().name("group-name").values(name).build())
        .send()
        .await
        .expect("DescribeSecurityGroups");
    out.security_groups()[0].group_id().expect("group id").to_string()
}

#[tokio::test]
async fn cache_cluster() {
    let stack = format!(
        r#"
stack: conf-ec-mc
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  id: {{ type: string, default: conf-mc }}
resources:
{NETWORK}
{CLUSTER}
  subject:
    type: aws.elasticache.cache_cluster
    properties:
      cluster_id: ${{var.id}}
      engine: memcached
      engine_version: 1.6.22
      node_type: cache.t4g.small
      num_cache_nodes: 2
      az_mode: cross-az
      preferred_availability_zones: [ap-northeast-1a, ap-northeast-1c]
      security_group_ids: ["${{nfs.id}}"]
      parameter_group_name: default.memcached1.6
      port: 11211
      subnet_group_name: ${{subnets.id}}
      preferred_maintenance_window: sun:05:00-sun:06:00
      apply_immediately: true
  endpoint:
    type: aws.ssm.parameter
    properties:
      name: /conformance/cache-endpoint
      type: String
      value: ${{subject.configuration_endpoint}}
      description: "cache at ${{subject.configuration_endpoint}}"
"#
    );
    let modify = |f: fn(
        aws_sdk_elasticache::operation::modify_cache_cluster::builders::ModifyCacheClusterFluentBuilder,
        String,
    ) -> aws_sdk_elasticache::operation::modify_cache_cluster::builders::ModifyCacheClusterFluentBuilder| {
        m(move |h: std::sync::Arc<Harness>, id: String| async move {
            let other = group_id(&h, "cache-other").await;
            let call = h.elasticache().modify_cache_cluster().cache_cluster_id(&id).apply_immediately(true);
            f(call, other).send().await.expect("ModifyCacheCluster");
            settle(&h, &id).await;
        })
    };
    conformance(
        "ec-mc",
        Case {
            kind: "aws.elasticache.cache_cluster",
            stack,
            mutations: vec![
                ("num_cache_nodes", modify(|c, _| c.num_cache_nodes(3).new_availability_zones("ap-northeast-1a"))),
                ("security_group_ids", modify(|c, other| c.security_group_ids(other))),
                ("node_type", modify(|c, _| c.cache_node_type("cache.t4g.medium"))),
                ("parameter_group_name", modify(|c, _| c.cache_parameter_group_name("wordpress-memcached"))),
                ("preferred_maintenance_window", modify(|c, _| c.preferred_maintenance_window("mon:03:00-mon:04:00"))),
                (
                    "tags",
                    m(|h, id| async move {
                        let arn = cluster_arn(&h, &id);
                        untag(&h, &arn).await
                    }),
                ),
            ],
            replace: Some(("id", "conf-mc-b", Some("endpoint"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// Nodes are added and removed in place: growing adds the next node ids in
/// the zones listed for them, shrinking removes the highest-numbered nodes
/// (AWS needs them named); the endpoints follow, in node order. An engine
/// upgrade applies in place too.
#[tokio::test]
async fn nodes_grow_and_shrink_in_place() {
    let text = |nodes: &str, zones: &str, version: &str| {
        format!(
            r#"
stack: ec-nodes
region: ap-northeast-1
resources:
{NETWORK}
{CLUSTER}
  mc:
    type: aws.elasticache.cache_cluster
    properties:
      cluster_id: nodes-mc
      engine: memcached
      engine_version: {version}
      node_type: cache.t4g.small
      num_cache_nodes: {nodes}
      az_mode: cross-az
      preferred_availability_zones: {zones}
      subnet_group_name: ${{subnets.id}}
"#
        )
    };
    let h = harness("ec-nodes");
    let node_ids = |h: &Harness| {
        let client = h.elasticache();
        async move {
            let out = client
                .describe_cache_clusters()
                .cache_cluster_id("nodes-mc")
                .show_cache_node_info(true)
                .send()
                .await
                .expect("describe");
            let c = &out.cache_clusters()[0];
            c.cache_nodes()
                .iter()
                .map(|n| format!("{}@{}", n.cache_node_id().unwrap(), n.customer_availability_zone().unwrap()))
                .collect::<Vec<_>>()
        }
    };

    let two = stack(&text("2", "[ap-northeast-1a, ap-northeast-1c]", "1.6.22"), &[]);
    let applied = h.apply(&two).await;
    let mc = &applied.state.resources["mc"];
    let cfg = mc.attributes["configuration_endpoint"].as_str().unwrap().to_string();
    assert!(
        cfg.starts_with("nodes-mc.") && cfg.ends_with(".cfg.apne1.cache.amazonaws.com:11211"),
        "configuration endpoint: {cfg}"
    );
    let nodes = mc.attributes["node_endpoints"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    assert!(nodes[1].as_str().unwrap().contains(".0002.apne1.cache.amazonaws.com:11211"), "{nodes:?}");
    assert_eq!(mc.attributes["cluster_address"].as_str().unwrap(), cfg.trim_end_matches(":11211"));
    assert_eq!(node_ids(&h).await, ["0001@ap-northeast-1a", "0002@ap-northeast-1c"]);

    let three = stack(&text("3", "[ap-northeast-1a, ap-northeast-1c, ap-northeast-1c]", "1.6.23"), &[]);
    let plan = h.plan(&three).await;
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert_eq!(plan.steps[0].action, stackr_engine::plan::Action::Update, "{:#?}", plan.steps);
    let applied = h.apply(&three).await;
    assert_eq!(node_ids(&h).await, ["0001@ap-northeast-1a", "0002@ap-northeast-1c", "0003@ap-northeast-1c"]);
    assert_eq!(applied.state.resources["mc"].attributes["node_endpoints"].as_array().unwrap().len(), 3);
    assert!(h.plan(&three).await.is_empty());

    let one = stack(&text("1", "[ap-northeast-1a]", "1.6.23"), &[]);
    h.apply(&one).await;
    assert_eq!(node_ids(&h).await, ["0001@ap-northeast-1a"], "the highest-numbered nodes went");
    assert!(h.plan(&one).await.is_empty());

    // A subnet group still used by a cluster is refused as retryable.
    let sng = h.providers.get("aws.elasticache.cache_subnet_group").expect("reconciler");
    let err = sng
        .delete(&DeleteRequest {
            target: Target { stack: "ec-nodes".into(), address: "subnets".into(), region: REGION.into() },
            id: "conf-mc".into(),
            properties: Default::default(),
        })
        .await
        .expect_err("in use");
    assert_eq!(err.kind, ErrorKind::Retryable, "{err:?}");

    h.destroy("ec-nodes").await;
    let left = h.elasticache().describe_cache_clusters().send().await.expect("describe");
    assert!(left.cache_clusters().is_empty(), "the cluster is gone after destroy");
}

/// Names AWS would store in lower case, and changes held for the
/// maintenance window, are refused before any call.
#[tokio::test]
async fn refused_before_any_call() {
    let h = harness("ec-case");
    let rec = h.providers.get("aws.elasticache.cache_cluster").expect("reconciler");
    let req = stackr_engine::reconciler::CreateRequest {
        target: Target { stack: "ec-case".into(), address: "mc".into(), region: REGION.into() },
        properties: [("cluster_id", "WordPress"), ("engine", "memcached"), ("node_type", "cache.t4g.small")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), stackr_core::value::Value::String(v.into())))
            .chain([("num_cache_nodes".to_string(), stackr_core::value::Value::Number(1.0))])
            .collect(),
        tags: Default::default(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let err = rec.create(&req).await.expect_err("upper case");
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("wordpress"), "{err:?}");

    let mut deferred = req.clone();
    deferred.properties.insert("cluster_id".into(), stackr_core::value::Value::String("wordpress".into()));
    deferred.properties.insert("apply_immediately".into(), stackr_core::value::Value::Bool(false));
    let err = rec.create(&deferred).await.expect_err("apply_immediately: false");
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("apply_immediately"), "{err:?}");
    assert!(h.elasticache().describe_cache_clusters().send().await.expect("describe").cache_clusters().is_empty());
}

/// A memcached cluster grown from one node in one zone to two across
/// zones changes in place (ModifyCacheCluster `AZMode`), keeping its
/// endpoint: the dev stack's `cache_nodes` 1 → 2.
#[tokio::test]
async fn single_az_to_cross_az_in_place() {
    let text = |nodes: &str, mode: &str| {
        format!(
            r#"
stack: ec-azmode
region: ap-northeast-1
resources:
{NETWORK}
{CLUSTER}
  mc:
    type: aws.elasticache.cache_cluster
    properties:
      cluster_id: azmode-mc
      engine: memcached
      node_type: cache.t4g.small
      num_cache_nodes: {nodes}
      az_mode: {mode}
      subnet_group_name: ${{subnets.id}}
"#
        )
    };
    let h = harness("ec-azmode");
    let one = h.apply(&stack(&text("1", "single-az"), &[])).await;
    let two = stack(&text("2", "cross-az"), &[]);
    let plan = h.plan(&two).await;
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert_eq!(plan.steps[0].action, stackr_engine::plan::Action::Update, "{:#?}", plan.steps);
    let applied = h.apply(&two).await;
    assert_eq!(applied.state.resources["mc"].id, one.state.resources["mc"].id);
    let out = h
        .elasticache()
        .describe_cache_clusters()
        .cache_cluster_id("azmode-mc")
        .show_cache_node_info(true)
        .send()
        .await
        .expect("describe");
    let zones: std::collections::BTreeSet<_> =
        out.cache_clusters()[0].cache_nodes().iter().filter_map(|n| n.customer_availability_zone()).collect();
    assert_eq!(zones.len(), 2, "{zones:?}");
    assert!(h.plan(&two).await.is_empty());
    // And back to one node in one zone: converged, not a drift forever.
    let back = stack(&text("1", "single-az"), &[]);
    let applied = h.apply(&back).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert!(h.plan(&back).await.is_empty(), "{:#?}", h.plan(&back).await.steps);
}
