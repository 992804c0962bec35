//! Conformance: RDS DB subnet groups, Aurora Serverless v2 clusters and
//! their instances, on moto; plus what is particular to them: the final
//! snapshot policy and deletion protection on delete, the master password
//! kept out of state, lower-case identifiers. Out-of-band changes are made
//! with the SDK, as a person in the console would.

mod common;
use aws_sdk_rds::types::{CloudwatchLogsExportConfiguration, ServerlessV2ScalingConfiguration};
use common::*;
use stackr_core::value::Value;
use stackr_engine::reconciler::{DeleteRequest, ErrorKind, Props, Target};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A VPC with three subnets and a security group: what a database needs.
const NETWORK: &str = r#"
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.40.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    for_each: [a, c, d]
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ap-northeast-1${each.value}
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, each.index)}
  db_sg:
    type: aws.ec2.security_group
    properties: { name: conf-db, description: database, vpc_id: "${vpc.id}" }
"#;

/// The subnet group and cluster the instance tests build on.
const CLUSTER: &str = r#"
  subnets:
    type: aws.rds.db_subnet_group
    properties:
      name: conf-db-subnets
      description: database subnets
      subnet_ids: ["${subnet[\"a\"].id}", "${subnet[\"c\"].id}", "${subnet[\"d\"].id}"]
  cluster:
    type: aws.rds.db_cluster
    properties:
      cluster_identifier: conf-aurora
      engine: aurora-mysql
      engine_version: 8.0.mysql_aurora.3.08.0
      master_username: admin
      serverless_v2_scaling: { min_capacity: 0.5, max_capacity: 2 }
      db_subnet_group_name: ${subnets.id}
      vpc_security_group_ids: ["${db_sg.id}"]
      skip_final_snapshot: true
"#;

fn rds_stack(name: &str, vars: &str, resources: &str) -> String {
    format!(
        "stack: {name}\nregion: ap-northeast-1\ntags: {{ suite: conformance }}\nvars:\n{vars}resources:\n{NETWORK}{resources}"
    )
}

async fn arn_of_cluster(h: &Harness, id: &str) -> String {
    let out = h.rds().describe_db_clusters().db_cluster_identifier(id).send().await.unwrap();
    out.db_clusters()[0].db_cluster_arn().unwrap().to_string()
}

async fn arn_of_instance(h: &Harness, id: &str) -> String {
    let out = h.rds().describe_db_instances().db_instance_identifier(id).send().await.unwrap();
    out.db_instances()[0].db_instance_arn().unwrap().to_string()
}

async fn untag(h: &Harness, arn: &str, key: &str) {
    h.rds().remove_tags_from_resource().resource_name(arn).tag_keys(key).send().await.unwrap();
}

#[tokio::test]
async fn db_subnet_group() {
    let stack = rds_stack(
        "conf-dbsubnets",
        "  name: { type: string, default: conf-subnets }\n",
        r#"
  subject:
    type: aws.rds.db_subnet_group
    properties:
      name: ${var.name}
      description: database subnets
      subnet_ids: ["${subnet[\"a\"].id}", "${subnet[\"c\"].id}"]
  cluster:
    type: aws.rds.db_cluster
    properties:
      cluster_identifier: conf-subnets-db
      engine: aurora-mysql
      master_username: admin
      db_subnet_group_name: ${subject.id}
      skip_final_snapshot: true
"#,
    );
    conformance(
        "rds-subnet-group",
        Case {
            kind: "aws.rds.db_subnet_group",
            stack,
            mutations: vec![
                (
                    "description",
                    mutation!(|h, id| {
                        let rds = h.rds();
                        let g = rds.describe_db_subnet_groups().db_subnet_group_name(&id).send().await.unwrap();
                        let subnets: Vec<String> = g.db_subnet_groups()[0]
                            .subnets()
                            .iter()
                            .map(|s| s.subnet_identifier().unwrap().to_string())
                            .collect();
                        rds.modify_db_subnet_group()
                            .db_subnet_group_name(&id)
                            .db_subnet_group_description("changed by hand")
                            .set_subnet_ids(Some(subnets))
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "subnet_ids",
                    mutation!(|h, id| {
                        let rds = h.rds();
                        let g = rds.describe_db_subnet_groups().db_subnet_group_name(&id).send().await.unwrap();
                        let first = g.db_subnet_groups()[0].subnets()[0].subnet_identifier().unwrap().to_string();
                        let vpc = g.db_subnet_groups()[0].vpc_id().unwrap().to_string();
                        let all = h
                            .ec2()
                            .describe_subnets()
                            .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(vpc).build())
                            .send()
                            .await
                            .unwrap();
                        let d = all
                            .subnets()
                            .iter()
                            .find(|s| s.availability_zone() == Some("ap-northeast-1d"))
                            .and_then(|s| s.subnet_id())
                            .unwrap()
                            .to_string();
                        rds.modify_db_subnet_group()
                            .db_subnet_group_name(&id)
                            .subnet_ids(first)
                            .subnet_ids(d)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let rds = h.rds();
                        let g = rds.describe_db_subnet_groups().db_subnet_group_name(&id).send().await.unwrap();
                        let arn = g.db_subnet_groups()[0].db_subnet_group_arn().unwrap().to_string();
                        untag(&h, &arn, "suite").await;
                    }),
                ),
            ],
            replace: Some(("name", "conf-subnets-2", Some("cluster"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn db_cluster() {
    let stack = rds_stack(
        "conf-aurora",
        "  db: { type: string, default: wordpress }\n",
        r#"
  subnets:
    type: aws.rds.db_subnet_group
    properties:
      name: conf-aurora-subnets
      description: database subnets
      subnet_ids: ["${subnet[\"a\"].id}", "${subnet[\"c\"].id}", "${subnet[\"d\"].id}"]
  subject:
    type: aws.rds.db_cluster
    properties:
      cluster_identifier: conf-aurora-${var.db}
      engine: aurora-mysql
      engine_version: 8.0.mysql_aurora.3.08.0
      database_name: ${var.db}
      master_username: admin
      manage_master_user_password: true
      serverless_v2_scaling: { min_capacity: 0.5, max_capacity: 4 }
      storage_encrypted: true
      backup_retention_period: 7
      preferred_backup_window: "18:00-19:00"
      preferred_maintenance_window: "sun:19:30-sun:20:00"
      enabled_cloudwatch_logs_exports: [slowquery, error]
      vpc_security_group_ids: ["${db_sg.id}"]
      db_subnet_group_name: ${subnets.id}
      port: 3306
      iam_database_authentication_enabled: false
      copy_tags_to_snapshot: true
      deletion_protection: false
      skip_final_snapshot: true
      apply_immediately: true
  writer:
    type: aws.rds.db_instance
    properties:
      identifier: conf-aurora-writer
      cluster_identifier: ${subject.id}
      instance_class: db.serverless
      engine: aurora-mysql
"#,
    );
    fn modify(
        f: impl Fn(
            aws_sdk_rds::operation::modify_db_cluster::builders::ModifyDBClusterFluentBuilder,
        ) -> aws_sdk_rds::operation::modify_db_cluster::builders::ModifyDBClusterFluentBuilder
        + Send
        + Sync
        + 'static,
    ) -> Mutation {
        let f = Arc::new(f);
        m(move |h, id| {
            let f = f.clone();
            async move {
                let call = h.rds().modify_db_cluster().db_cluster_identifier(&id).apply_immediately(true);
                f(call).send().await.unwrap();
            }
        })
    }
    conformance(
        "rds-cluster",
        Case {
            kind: "aws.rds.db_cluster",
            stack,
            mutations: vec![
                (
                    "serverless_v2_scaling",
                    modify(|c| {
                        c.serverless_v2_scaling_configuration(
                            ServerlessV2ScalingConfiguration::builder().min_capacity(0.5).max_capacity(16.0).build(),
                        )
                    }),
                ),
                ("engine_version", modify(|c| c.engine_version("8.0.mysql_aurora.3.09.0"))),
                ("backup_retention_period", modify(|c| c.backup_retention_period(1))),
                ("preferred_backup_window", modify(|c| c.preferred_backup_window("03:00-04:00"))),
                ("preferred_maintenance_window", modify(|c| c.preferred_maintenance_window("mon:01:00-mon:01:30"))),
                (
                    "enabled_cloudwatch_logs_exports",
                    modify(|c| {
                        c.cloudwatch_logs_export_configuration(
                            CloudwatchLogsExportConfiguration::builder()
                                .enable_log_types("audit")
                                .disable_log_types("slowquery")
                                .build(),
                        )
                    }),
                ),
                ("vpc_security_group_ids", modify(|c| c.vpc_security_group_ids("sg-0000000000000000f"))),
                ("port", modify(|c| c.port(3307))),
                ("iam_database_authentication_enabled", modify(|c| c.enable_iam_database_authentication(true))),
                ("copy_tags_to_snapshot", modify(|c| c.copy_tags_to_snapshot(false))),
                ("deletion_protection", modify(|c| c.deletion_protection(true))),
                (
                    "skip_final_snapshot",
                    mutation!(|h, id| {
                        let arn = arn_of_cluster(&h, &id).await;
                        untag(&h, &arn, "stackr:skip-final-snapshot").await;
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let arn = arn_of_cluster(&h, &id).await;
                        untag(&h, &arn, "suite").await;
                    }),
                ),
            ],
            replace: Some(("db", "blog", Some("writer"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

#[tokio::test]
async fn db_instance() {
    let stack = rds_stack(
        "conf-aurora-instance",
        "  az: { type: string, default: a }\n",
        &format!(
            r#"{CLUSTER}
  subject:
    type: aws.rds.db_instance
    properties:
      identifier: conf-aurora-${{var.az}}
      cluster_identifier: ${{cluster.id}}
      instance_class: db.serverless
      engine: aurora-mysql
      availability_zone: ap-northeast-1${{var.az}}
      promotion_tier: 1
      publicly_accessible: false
      performance_insights_enabled: true
      performance_insights_retention_period: 7
      auto_minor_version_upgrade: true
      ca_certificate_identifier: rds-ca-rsa2048-g1
      apply_immediately: true
  note:
    type: aws.ssm.parameter
    properties: {{ name: /conf/aurora-writer, type: String, value: writer, description: "${{subject.id}}" }}
"#
        ),
    );
    fn modify(
        f: impl Fn(
            aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder,
        ) -> aws_sdk_rds::operation::modify_db_instance::builders::ModifyDBInstanceFluentBuilder
        + Send
        + Sync
        + 'static,
    ) -> Mutation {
        let f = Arc::new(f);
        m(move |h, id| {
            let f = f.clone();
            async move {
                let call = h.rds().modify_db_instance().db_instance_identifier(&id).apply_immediately(true);
                f(call).send().await.unwrap();
            }
        })
    }
    conformance(
        "rds-instance",
        Case {
            kind: "aws.rds.db_instance",
            stack,
            mutations: vec![
                ("instance_class", modify(|c| c.db_instance_class("db.r7g.large"))),
                ("promotion_tier", modify(|c| c.promotion_tier(4))),
                ("publicly_accessible", modify(|c| c.publicly_accessible(true))),
                ("performance_insights_enabled", modify(|c| c.enable_performance_insights(false))),
                ("auto_minor_version_upgrade", modify(|c| c.auto_minor_version_upgrade(false))),
                ("ca_certificate_identifier", modify(|c| c.ca_certificate_identifier("rds-ca-ecc384-g1"))),
                (
                    "apply_immediately",
                    mutation!(|h, id| {
                        let arn = arn_of_instance(&h, &id).await;
                        untag(&h, &arn, "stackr:apply-immediately").await;
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let arn = arn_of_instance(&h, &id).await;
                        untag(&h, &arn, "suite").await;
                    }),
                ),
            ],
            replace: Some(("az", "c", Some("note"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// Counts the calls the reconcilers make.
#[derive(Debug, Default, Clone)]
struct Calls(Arc<AtomicUsize>);

impl aws_sdk_rds::config::Intercept for Calls {
    fn name(&self) -> &'static str {
        "Calls"
    }

    fn read_before_execution(
        &self,
        _: &aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef<'_>,
        _: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

fn props(pairs: &[(&str, Value)]) -> Props {
    pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
}

/// The final snapshot policy is explicit: without one, a delete is refused
/// before any call, naming both fields; with a name, the snapshot is taken.
/// A protected cluster's delete is refused and it stays protected.
#[tokio::test]
async fn cluster_delete_needs_a_snapshot_policy_and_honours_protection() {
    let calls = Calls::default();
    let h = harness_with(
        "rds-delete-policy",
        vec![aws_smithy_runtime_api::client::interceptors::SharedInterceptor::new(calls.clone())],
    );
    let text = rds_stack(
        "rds-delete-policy",
        "  protect: { type: bool, default: true }\n",
        r#"
  subnets:
    type: aws.rds.db_subnet_group
    properties:
      name: policy-subnets
      description: database subnets
      subnet_ids: ["${subnet[\"a\"].id}", "${subnet[\"c\"].id}"]
  cluster:
    type: aws.rds.db_cluster
    properties:
      cluster_identifier: policy-db
      engine: aurora-mysql
      master_username: admin
      db_subnet_group_name: ${subnets.id}
      deletion_protection: ${var.protect}
      final_snapshot_identifier: policy-db-final
"#,
    );
    h.apply(&stack(&text, &[])).await;
    let rec = h.providers.get("aws.rds.db_cluster").unwrap().clone();
    let target = Target { stack: "rds-delete-policy".into(), address: "cluster".into(), region: REGION.into() };
    let recorded = props(&[
        ("cluster_identifier", Value::String("policy-db".into())),
        ("engine", Value::String("aurora-mysql".into())),
        ("master_username", Value::String("admin".into())),
    ]);

    // No policy: refused before any call.
    let before = calls.0.load(Ordering::SeqCst);
    let err = rec
        .delete(&DeleteRequest { target: target.clone(), id: "policy-db".into(), properties: recorded.clone() })
        .await
        .unwrap_err();
    assert_eq!(calls.0.load(Ordering::SeqCst), before, "a call was made before refusing");
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(
        err.message.contains("skip_final_snapshot") && err.message.contains("final_snapshot_identifier"),
        "{}",
        err.message
    );

    // Protected: refused, and left protected.
    let mut with_policy = recorded.clone();
    with_policy.insert("skip_final_snapshot".into(), Value::Bool(true));
    let err = rec
        .delete(&DeleteRequest { target: target.clone(), id: "policy-db".into(), properties: with_policy })
        .await
        .unwrap_err();
    assert!(err.message.contains("deletion protection"), "{}", err.message);
    let live = h.rds().describe_db_clusters().db_cluster_identifier("policy-db").send().await.unwrap();
    assert_eq!(live.db_clusters()[0].deletion_protection(), Some(true));

    // Unprotected through the stack, then destroyed: the named final
    // snapshot is taken and the cluster is gone.
    h.apply(&stack(&text, &[("protect", "false")])).await;
    // Protection turned on outside stackr stops a destroy before it starts:
    // the live value counts, not only the one last applied.
    h.rds().modify_db_cluster().db_cluster_identifier("policy-db").deletion_protection(true).send().await.unwrap();
    let refused = match h.session.prepare_destroy("rds-delete-policy").await {
        Err(e) => e.to_string(),
        Ok(p) => match h.session.apply(None, p, options()).await {
            Err(e) => e.to_string(),
            Ok(a) => format!("ran: {:?}", a.report),
        },
    };
    assert!(refused.contains("deletion protection"), "{refused}");
    let live = h.rds().describe_db_clusters().db_cluster_identifier("policy-db").send().await.unwrap();
    assert_eq!(live.db_clusters().len(), 1, "nothing deleted");
    h.rds().modify_db_cluster().db_cluster_identifier("policy-db").deletion_protection(false).send().await.unwrap();
    h.destroy("rds-delete-policy").await;
    let snaps =
        h.rds().describe_db_cluster_snapshots().db_cluster_snapshot_identifier("policy-db-final").send().await.unwrap();
    assert_eq!(snaps.db_cluster_snapshots().len(), 1, "no final snapshot");
    let gone = h.rds().describe_db_clusters().db_cluster_identifier("policy-db").send().await;
    assert!(gone.is_err(), "the cluster is still there");
}

/// The master password is RDS's, in Secrets Manager: its ARN is an
/// attribute, and the password is nowhere in state.
#[tokio::test]
async fn master_password_stays_in_secrets_manager() {
    let h = harness("rds-secret");
    let text = rds_stack("rds-secret", "", CLUSTER);
    let applied = h.apply(&stack(&text, &[])).await;
    let cluster = &applied.state.resources["cluster"];
    let arn = cluster.attributes["master_user_secret_arn"].as_str().expect("secret arn").to_string();
    assert!(cluster.attributes["endpoint"].as_str().is_some_and(|e| e.starts_with("conf-aurora.")));
    let secret = h.secrets().get_secret_value().secret_id(&arn).send().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(secret.secret_string().unwrap()).unwrap();
    let password = doc["password"].as_str().unwrap().to_string();
    assert!(password.len() >= 8);
    let state = std::fs::read_to_string(h.state_file()).unwrap();
    assert!(!state.contains(&password), "the master password is in state");
    h.destroy("rds-secret").await;
}

/// RDS stores identifiers in lower case: one written otherwise is refused
/// rather than compared unequal forever.
#[tokio::test]
async fn upper_case_identifiers_are_refused() {
    let h = harness("rds-case");
    let rec = h.providers.get("aws.rds.db_subnet_group").unwrap().clone();
    let req = stackr_engine::reconciler::CreateRequest {
        target: Target { stack: "rds-case".into(), address: "g".into(), region: REGION.into() },
        properties: props(&[
            ("name", Value::String("Mixed-Case".into())),
            ("description", Value::String("d".into())),
            ("subnet_ids", Value::List(vec![])),
        ]),
        tags: Default::default(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let err = rec.create(&req).await.unwrap_err();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("lower case"), "{}", err.message);
}

/// An instance waits for its cluster to be available; nothing else does.
#[test]
fn only_instances_wait_for_their_cluster() {
    let (p, _) = stackr_aws::providers(&aws_config::SdkConfig::builder().build(), Vec::new());
    assert!(p.get("aws.rds.db_instance").unwrap().needs_ready("aws.rds.db_cluster"));
    assert!(!p.get("aws.rds.db_cluster").unwrap().needs_ready("aws.rds.db_subnet_group"));
    assert!(!p.get("aws.rds.db_instance").unwrap().needs_ready("aws.ec2.security_group"));
}
