//! Conformance: `aws.ec2.security_group_rule`, and how it lives with the
//! groups it adds rules to, on moto. Out-of-band changes are made with the
//! SDK, as a person in the console would.

mod common;
use common::*;

/// Two groups, and a rule of `sg` from `peer` (port `${var.port}`).
const STACK: &str = r#"
stack: conf-sgr
region: ap-northeast-1
tags: { suite: conformance }
vars:
  port: { type: number, default: 5432 }
  direction: { type: string, default: ingress }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.73.0.0/16 }
  peer:
    type: aws.ec2.security_group
    properties: { name: sgr-peer, description: the app, vpc_id: "${vpc.id}" }
  sg:
    type: aws.ec2.security_group
    properties: { name: sgr-db, description: the database, vpc_id: "${vpc.id}" }
  subject:
    type: aws.ec2.security_group_rule
    properties:
      security_group_id: ${sg.id}
      type: ${var.direction}
      protocol: "6"
      from_port: ${var.port}
      to_port: ${var.port}
      referenced_security_group_id: ${peer.id}
      description: from the app
"#;

#[tokio::test]
async fn security_group_rule() {
    use aws_sdk_ec2::types::{SecurityGroupRuleRequest, SecurityGroupRuleUpdate};
    conformance(
        "ec2-sgr",
        Case {
            kind: "aws.ec2.security_group_rule",
            stack: STACK.into(),
            mutations: vec![
                // The description edited in the console.
                (
                    "description",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let rule = client.describe_security_group_rules().security_group_rule_ids(&id).send().await;
                        let rule = rule.unwrap().security_group_rules()[0].clone();
                        let group = rule.group_id().unwrap().to_string();
                        let peer = rule.referenced_group_info().and_then(|g| g.group_id()).unwrap().to_string();
                        let req = SecurityGroupRuleRequest::builder()
                            .ip_protocol("tcp")
                            .from_port(5432)
                            .to_port(5432)
                            .referenced_group_id(peer)
                            .description("edited")
                            .build();
                        let update = SecurityGroupRuleUpdate::builder()
                            .security_group_rule_id(&id)
                            .security_group_rule(req)
                            .build();
                        client
                            .modify_security_group_rules()
                            .group_id(group)
                            .security_group_rules(update)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        let tag = aws_sdk_ec2::types::Tag::builder().key("suite").build();
                        h.ec2().delete_tags().resources(&id).tags(tag).send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("direction", "egress", None)),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// Ports and protocol change in place (ModifySecurityGroupRules), keeping
/// the rule's id: no moment without the rule.
#[tokio::test]
async fn a_port_change_keeps_the_rule() {
    let h = harness("ec2-sgr-port");
    let first = h.apply(&stack(STACK, &[])).await;
    let id = h.id_of(&first, "subject");
    let moved = stack(STACK, &[("port", "6543")]);
    let plan = h.plan(&moved).await;
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert_eq!(plan.steps[0].action, stackr_engine::plan::Action::Update, "{:#?}", plan.steps);
    let second = h.apply(&moved).await;
    assert_eq!(h.id_of(&second, "subject"), id);
    let live = h.ec2().describe_security_group_rules().security_group_rule_ids(&id).send().await.unwrap();
    let rule = &live.security_group_rules()[0];
    assert_eq!((rule.from_port(), rule.to_port()), (Some(6543), Some(6543)));
    assert!(h.plan(&moved).await.is_empty());
}

/// Two groups that name each other (the app reaches the database on 5432,
/// the database admits only the app): a cycle with inline rules, none with
/// rule resources. Both groups omit `ingress`: the rule resources' rules
/// are neither drift nor revoked, and omitted `egress` keeps AWS's default.
#[tokio::test]
async fn groups_naming_each_other() {
    let text = r#"
stack: conf-sgr-cycle
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.74.0.0/16 }
  app:
    type: aws.ec2.security_group
    properties: { name: app, description: the app, vpc_id: "${vpc.id}" }
  db:
    type: aws.ec2.security_group
    properties: { name: db, description: the database, vpc_id: "${vpc.id}" }
  db_from_app:
    type: aws.ec2.security_group_rule
    properties:
      { security_group_id: "${db.id}", type: ingress, protocol: tcp, from_port: 5432, to_port: 5432,
        referenced_security_group_id: "${app.id}", description: from the app }
  app_to_db:
    type: aws.ec2.security_group_rule
    properties:
      { security_group_id: "${app.id}", type: egress, protocol: tcp, from_port: 5432, to_port: 5432,
        referenced_security_group_id: "${db.id}" }
  app_from_db:
    type: aws.ec2.security_group_rule
    properties:
      { security_group_id: "${app.id}", type: ingress, protocol: all, from_port: 0, to_port: 0,
        referenced_security_group_id: "${db.id}" }
  app_self:
    type: aws.ec2.security_group_rule
    properties: { security_group_id: "${app.id}", type: ingress, protocol: "-1", referenced_security_group_id: "${app.id}" }
"#;
    let h = harness("ec2-sgr-cycle");
    let s = stack(text, &[]);
    let applied = h.apply(&s).await;
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "settled: {:#?}", plan.steps);
    // Applied again: the groups revoke nothing.
    h.calls.reset();
    h.apply(&s).await;
    assert!(h.calls.writes().is_empty(), "no writes: {:?}", h.calls.writes());
    let (app, db) = (h.id_of(&applied, "app"), h.id_of(&applied, "db"));
    let client = h.ec2();
    let rules = |g: String| {
        let client = client.clone();
        async move {
            let f = aws_sdk_ec2::types::Filter::builder().name("group-id").values(g).build();
            client.describe_security_group_rules().filters(f).send().await.unwrap().security_group_rules().to_vec()
        }
    };
    let app_rules = rules(app.clone()).await;
    let db_rules = rules(db.clone()).await;
    // app: two ingress (from db, itself), two egress (to db, AWS's default).
    assert_eq!(app_rules.iter().filter(|r| r.is_egress() == Some(false)).count(), 2, "{app_rules:#?}");
    assert_eq!(app_rules.iter().filter(|r| r.is_egress() == Some(true)).count(), 2, "{app_rules:#?}");
    assert!(app_rules.iter().any(|r| r.is_egress() == Some(true) && r.cidr_ipv4() == Some("0.0.0.0/0")));
    let from_app: Vec<_> = db_rules.iter().filter(|r| r.is_egress() == Some(false)).collect();
    assert_eq!(from_app.len(), 1, "{db_rules:#?}");
    assert_eq!(from_app[0].referenced_group_info().and_then(|g| g.group_id()), Some(app.as_str()));
    assert_eq!(from_app[0].description(), Some("from the app"));
    h.destroy("conf-sgr-cycle").await;
    let gone = client.describe_security_groups().group_ids(&app).send().await;
    assert!(gone.is_err() || gone.unwrap().security_groups().is_empty(), "destroyed");
}

/// A rule that is already there (inline in its group) is not taken over:
/// an Invalid error that says so. A rule with no peer, or two, is Invalid
/// before any call.
#[tokio::test]
async fn an_existing_rule_and_a_rule_without_one_peer_are_refused() {
    use stackr_core::value::Value;
    use stackr_engine::reconciler::{CreateRequest, ErrorKind, Target};
    let text = r#"
stack: conf-sgr-dup
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.75.0.0/16 }
  sg:
    type: aws.ec2.security_group
    properties:
      name: inline
      description: an inline rule
      vpc_id: ${vpc.id}
      ingress:
        - { protocol: tcp, from_port: 443, to_port: 443, cidr_ipv4: 10.75.0.0/16 }
"#;
    let h = harness("ec2-sgr-dup");
    let applied = h.apply(&stack(text, &[])).await;
    let sg = h.id_of(&applied, "sg");
    let rec = h.providers.get("aws.ec2.security_group_rule").unwrap().clone();
    let props = |pairs: &[(&str, Value)]| -> stackr_engine::reconciler::Props {
        pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect()
    };
    let t = |v: &str| Value::String(v.into());
    let base = [
        ("security_group_id", t(&sg)),
        ("type", t("ingress")),
        ("protocol", t("tcp")),
        ("from_port", Value::Number(443.0)),
        ("to_port", Value::Number(443.0)),
    ];
    let req = |extra: &[(&str, Value)]| CreateRequest {
        target: Target { stack: "conf-sgr-dup".into(), address: "rule".into(), region: REGION.into() },
        properties: props(&[&base[..], extra].concat()),
        tags: [("stackr:stack", "conf-sgr-dup"), ("stackr:resource", "rule")]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let e = rec.create(&req(&[("cidr_ipv4", t("10.75.0.0/16"))])).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid, "{e:?}");
    assert!(e.message.contains("already exists"), "{}", e.message);
    let e = rec.create(&req(&[])).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("exactly one of") && e.message.contains("given: none"), "{}", e.message);
    let e = rec.create(&req(&[("cidr_ipv4", t("10.0.0.0/8")), ("cidr_ipv6", t("::/0"))])).await.unwrap_err();
    assert!(e.message.contains("given: cidr_ipv4, cidr_ipv6"), "{}", e.message);
    h.destroy("conf-sgr-dup").await;
}
