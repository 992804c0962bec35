//! Conformance: RDS DB cluster parameter groups and DB parameter groups,
//! on moto (with the test bed's Reset*, 20-parameter limit and in-use
//! refusal); plus a cluster that uses a cluster parameter group, and a
//! group's delete refused while a cluster uses it. Out-of-band changes are
//! made with the SDK, as a person in the console would.

mod common;
use aws_sdk_rds::types::{ApplyMethod, Parameter};
use common::*;
use stackr_engine::reconciler::{DeleteRequest, ErrorKind, Props, Target};

fn param(name: &str, value: &str) -> Parameter {
    Parameter::builder().parameter_name(name).parameter_value(value).apply_method(ApplyMethod::Immediate).build()
}

async fn untag(h: &Harness, arn: &str, key: &str) {
    h.rds().remove_tags_from_resource().resource_name(arn).tag_keys(key).send().await.unwrap();
}

#[tokio::test]
async fn db_cluster_parameter_group() {
    let stack = r#"
stack: conf-cpg
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.rds.db_cluster_parameter_group
    properties:
      name: conf-cpg-${var.suffix}
      family: aurora-mysql8.0
      description: conformance
      parameters: { time_zone: UTC, character_set_server: utf8mb4, binlog_format: ROW }
      apply_method: { binlog_format: pending-reboot }
  param:
    type: aws.rds.db_parameter_group
    properties:
      name: conf-follows-cpg
      family: aurora-mysql8.0
      description: follows ${subject.name}
"#;
    conformance(
        "rds-cluster-parameter-group",
        Case {
            kind: "aws.rds.db_cluster_parameter_group",
            stack: stack.into(),
            mutations: vec![
                (
                    "parameters",
                    mutation!(|h, id| {
                        // One changed, one added: the first set back, the other reset.
                        h.rds()
                            .modify_db_cluster_parameter_group()
                            .db_cluster_parameter_group_name(&id)
                            .parameters(param("time_zone", "Asia/Tokyo"))
                            .parameters(param("max_connections", "500"))
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let g = h
                            .rds()
                            .describe_db_cluster_parameter_groups()
                            .db_cluster_parameter_group_name(&id)
                            .send()
                            .await
                            .unwrap();
                        let arn = g.db_cluster_parameter_groups()[0].db_cluster_parameter_group_arn().unwrap();
                        untag(&h, arn, "suite").await;
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("param"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// 22 parameters: more than one Modify call takes (20).
fn many(n: usize) -> String {
    (0..n).map(|i| format!("p{i:02}: \"{i}\"")).collect::<Vec<_>>().join(", ")
}

#[tokio::test]
async fn db_parameter_group() {
    let stack = format!(
        r#"
stack: conf-pg
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  suffix: {{ type: string, default: one }}
resources:
  subject:
    type: aws.rds.db_parameter_group
    properties:
      name: conf-pg-${{var.suffix}}
      family: aurora-mysql8.0
      description: conformance
      parameters: {{ {} }}
  param:
    type: aws.rds.db_cluster_parameter_group
    properties:
      name: conf-follows-pg
      family: aurora-mysql8.0
      description: follows ${{subject.name}}
"#,
        many(22)
    );
    conformance(
        "rds-parameter-group",
        Case {
            kind: "aws.rds.db_parameter_group",
            stack,
            mutations: vec![
                (
                    "parameters",
                    mutation!(|h, id| {
                        // 21 added out of band (two calls) and one changed:
                        // the repair resets 21, two calls again.
                        let extra: Vec<Parameter> = (0..21).map(|i| param(&format!("x{i:02}"), "1")).collect();
                        for chunk in extra.chunks(20) {
                            h.rds()
                                .modify_db_parameter_group()
                                .db_parameter_group_name(&id)
                                .set_parameters(Some(chunk.to_vec()))
                                .send()
                                .await
                                .unwrap();
                        }
                        h.rds()
                            .modify_db_parameter_group()
                            .db_parameter_group_name(&id)
                            .parameters(param("p03", "changed"))
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let g =
                            h.rds().describe_db_parameter_groups().db_parameter_group_name(&id).send().await.unwrap();
                        let arn = g.db_parameter_groups()[0].db_parameter_group_arn().unwrap();
                        untag(&h, arn, "suite").await;
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("param"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A cluster made with a cluster parameter group of the stack: it uses it,
/// the group cannot go while the cluster is there ("not yet"), and a
/// destroy deletes the cluster first, then the group.
#[tokio::test]
async fn a_parameter_group_used_by_a_cluster() {
    let h = harness("rds-params-used");
    let s = stack(
        r#"
stack: conf-cpg-used
region: ap-northeast-1
resources:
  params:
    type: aws.rds.db_cluster_parameter_group
    properties:
      name: conf-used
      family: aurora-mysql8.0
      description: used by a cluster
      parameters: { time_zone: UTC }
  cluster:
    type: aws.rds.db_cluster
    properties:
      cluster_identifier: conf-uses-params
      engine: aurora-mysql
      master_username: admin
      db_cluster_parameter_group_name: ${params.id}
      skip_final_snapshot: true
"#,
        &[],
    );
    let applied = h.apply(&s).await;
    let out = h.rds().describe_db_clusters().db_cluster_identifier("conf-uses-params").send().await.unwrap();
    assert_eq!(out.db_clusters()[0].db_cluster_parameter_group(), Some("conf-used"));
    assert!(h.plan(&s).await.is_empty(), "up to date");

    // The group's delete while the cluster uses it: a "not yet" refusal.
    let rec = h.providers.get("aws.rds.db_cluster_parameter_group").unwrap().clone();
    let req = DeleteRequest {
        target: Target { stack: "conf-cpg-used".into(), address: "params".into(), region: REGION.into() },
        id: h.id_of(&applied, "params"),
        properties: Props::new(),
    };
    let err = rec.delete(&req).await.expect_err("in use");
    assert_eq!(err.kind, ErrorKind::Retryable, "{err:?}");
    assert!(err.message.contains("InvalidDBParameterGroupState"), "{}", err.message);

    h.destroy("conf-cpg-used").await;
    let left = h.rds().describe_db_cluster_parameter_groups().db_cluster_parameter_group_name("conf-used").send().await;
    assert!(left.is_err(), "the group is gone");
}
