//! Conformance: IAM roles and managed policies, on moto. Out-of-band
//! changes are made with the SDK, as a person in the console would.

mod common;
use common::*;

const ROLE_STACK: &str = r#"
stack: conf-iam-role
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  managed:
    type: aws.iam.policy
    properties:
      name: conf-role-managed
      policy:
        Version: "2012-10-17"
        Statement: [{ Effect: Allow, Action: "s3:ListBucket", Resource: "*" }]
  subject:
    type: aws.iam.role
    properties:
      name: "conf-role-${var.suffix}"
      path: /stackr/
      description: conformance role
      max_session_duration: 7200
      assume_role_policy:
        Version: "2012-10-17"
        Statement:
          - Effect: Allow
            Principal: { Service: ecs-tasks.amazonaws.com }
            Action: "sts:AssumeRole"
      inline_policies:
        logs:
          Version: "2012-10-17"
          Statement:
            - { Effect: Allow, Action: ["logs:CreateLogStream", "logs:PutLogEvents"], Resource: "*" }
        ssm:
          Version: "2012-10-17"
          Statement: [{ Effect: Allow, Action: "ssm:GetParameters", Resource: "*" }]
      managed_policy_arns: ["${managed.arn}"]
      permissions_boundary: ${managed.arn}
  follower:
    type: aws.iam.policy
    properties:
      name: conf-role-follower
      policy:
        Version: "2012-10-17"
        Statement: [{ Effect: Allow, Action: "iam:PassRole", Resource: "${subject.arn}" }]
"#;

#[tokio::test]
async fn role() {
    conformance(
        "iam-role",
        Case {
            kind: "aws.iam.role",
            stack: ROLE_STACK.into(),
            mutations: vec![
                (
                    "inline_policies",
                    m(|h, id| async move {
                        h.iam()
                            .put_role_policy()
                            .role_name(&id)
                            .policy_name("logs")
                            .policy_document(
                                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"logs:*","Resource":"*"}]}"#,
                            )
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "inline_policies",
                    m(|h, id| async move {
                        h.iam().delete_role_policy().role_name(&id).policy_name("ssm").send().await.unwrap();
                    }),
                ),
                (
                    "managed_policy_arns",
                    m(|h, id| async move {
                        let iam = h.iam();
                        let attached = iam.list_attached_role_policies().role_name(&id).send().await.unwrap();
                        for p in attached.attached_policies() {
                            iam.detach_role_policy().role_name(&id).policy_arn(p.policy_arn().unwrap()).send().await.unwrap();
                        }
                    }),
                ),
                (
                    "assume_role_policy",
                    m(|h, id| async move {
                        h.iam()
                            .update_assume_role_policy()
                            .role_name(&id)
                            .policy_document(
                                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#,
                            )
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "description",
                    m(|h, id| async move {
                        h.iam().update_role_description().role_name(&id).description("changed by hand").send().await.unwrap();
                    }),
                ),
                (
                    "max_session_duration",
                    m(|h, id| async move {
                        h.iam()
                            .update_role()
                            .role_name(&id)
                            .description("conformance role")
                            .max_session_duration(3600)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "permissions_boundary",
                    m(|h, id| async move {
                        h.iam().delete_role_permissions_boundary().role_name(&id).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        h.iam().untag_role().role_name(&id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("follower"))),
            twice: Twice::Another,
        },
    )
    .await;
}

const POLICY_STACK: &str = r#"
stack: conf-iam-policy
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.iam.policy
    # The role keeps the old policy attached until it moves to the new one.
    lifecycle: { create_before_destroy: true }
    properties:
      name: "conf-policy-${var.suffix}"
      path: /stackr/
      description: conformance policy
      policy:
        Version: "2012-10-17"
        Statement: [{ Effect: Allow, Action: ["s3:GetObject"], Resource: "arn:aws:s3:::bucket/*" }]
  user:
    type: aws.iam.role
    properties:
      name: conf-policy-user
      assume_role_policy:
        Version: "2012-10-17"
        Statement: [{ Effect: Allow, Principal: { Service: ec2.amazonaws.com }, Action: "sts:AssumeRole" }]
      managed_policy_arns: ["${subject.arn}"]
"#;

/// A policy document allowing `action` on everything.
fn doc(action: &str) -> String {
    format!(r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"{action}","Resource":"*"}}]}}"#)
}

#[tokio::test]
async fn policy() {
    conformance(
        "iam-policy",
        Case {
            kind: "aws.iam.policy",
            stack: POLICY_STACK.into(),
            mutations: vec![
                (
                    "policy",
                    m(|h, id| async move {
                        h.iam()
                            .create_policy_version()
                            .policy_arn(&id)
                            .policy_document(doc("s3:*"))
                            .set_as_default(true)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        h.iam().untag_policy().policy_arn(&id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("user"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A document changed again and again: IAM's 5-version limit is handled by
/// deleting the oldest non-default version; the default always is the
/// stack's document.
#[tokio::test]
async fn policy_versions_rotate() {
    let h = harness("iam-versions");
    let text = |action: &str| {
        format!(
            r#"
stack: conf-iam-versions
region: ap-northeast-1
resources:
  subject:
    type: aws.iam.policy
    properties:
      name: conf-versions
      policy: '{}'
"#,
            doc(action)
        )
    };
    let mut arn = String::new();
    for (i, action) in ["s3:A", "s3:B", "s3:C", "s3:D", "s3:E", "s3:F", "s3:G"].iter().enumerate() {
        let s = stack(&text(action), &[]);
        let applied = h.apply(&s).await;
        arn = h.id_of(&applied, "subject");
        assert!(h.plan(&s).await.is_empty(), "not up to date after change {i}");
    }
    let iam = h.iam();
    let versions = iam.list_policy_versions().policy_arn(&arn).send().await.unwrap();
    assert!(versions.versions().len() <= 5, "{:?}", versions.versions());
    let default = versions.versions().iter().find(|v| v.is_default_version()).unwrap();
    let got = iam.get_policy_version().policy_arn(&arn).version_id(default.version_id().unwrap()).send().await.unwrap();
    assert!(got.policy_version().unwrap().document().unwrap().contains("s3:G"));
    h.destroy("conf-iam-versions").await;
    assert!(iam.get_policy().policy_arn(&arn).send().await.is_err(), "policy left after destroy");
}

/// A role or policy of the same name made outside the stack is not adopted.
#[tokio::test]
async fn foreign_role_is_not_adopted() {
    let h = harness("iam-foreign");
    let iam = h.iam();
    iam.create_role()
        .role_name("conf-foreign")
        .assume_role_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#)
        .send()
        .await
        .unwrap();
    let s = stack(
        r#"
stack: conf-iam-foreign
region: ap-northeast-1
resources:
  subject:
    type: aws.iam.role
    properties:
      name: conf-foreign
      assume_role_policy: { Version: "2012-10-17", Statement: [] }
"#,
        &[],
    );
    let lock = h.session.lock("test").await.unwrap();
    let prepared = h.session.prepare(&s).await.unwrap();
    let mut o = stackr_engine::apply::Options::new(2);
    o.retry_for = std::time::Duration::from_secs(1);
    let applied = h.session.apply(Some(&s), prepared, o).await.unwrap();
    h.session.unlock(&lock).await.unwrap();
    assert!(!applied.report.ok(), "a foreign role was adopted");
    let text = format!("{:?}", applied.report);
    assert!(text.contains("conf-foreign") && text.contains("already exists"), "{text}");
}

/// An inline policy written as a JSON string compares equal to the same
/// document read back (the engine parses JSON strings inside `Map(Json)`
/// properties too).
#[tokio::test]
async fn inline_policy_as_json_string() {
    let h = harness("iam-json-string");
    let s = stack(
        r#"
stack: conf-iam-json
region: ap-northeast-1
resources:
  subject:
    type: aws.iam.role
    properties:
      name: conf-json
      assume_role_policy: '{"Version": "2012-10-17", "Statement": []}'
      inline_policies:
        ssm: '{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "ssm:GetParameters", "Resource": "*"}]}'
"#,
        &[],
    );
    h.apply(&s).await;
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    h.destroy("conf-iam-json").await;
}

/// A role whose stack leaves its policies out keeps none: a managed policy
/// attached and an inline one put outside stackr are drift, and apply takes
/// them off again.
#[tokio::test]
async fn policies_added_to_a_role_that_has_none_are_drift() {
    let h = harness("iam-none");
    let s = stack(
        r#"
stack: conf-iam-none
region: ap-northeast-1
resources:
  subject:
    type: aws.iam.role
    properties:
      name: conf-none
      assume_role_policy: '{"Version": "2012-10-17", "Statement": []}'
"#,
        &[],
    );
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    let iam = h.iam();
    let doc = r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}"#;
    let arn = iam.create_policy().policy_name("conf-admin").policy_document(doc).send().await.unwrap();
    let arn = arn.policy().and_then(|p| p.arn()).unwrap().to_string();
    iam.attach_role_policy().role_name("conf-none").policy_arn(&arn).send().await.unwrap();
    iam.put_role_policy().role_name("conf-none").policy_name("extra").policy_document(doc).send().await.unwrap();
    let plan = h.plan(&s).await;
    let fields: Vec<&str> = plan.steps.iter().flat_map(|st| st.changes.iter().map(|c| c.field.as_str())).collect();
    assert_eq!(fields, ["inline_policies", "managed_policy_arns"], "{:#?}", plan.steps);
    assert!(plan.steps[0].changes.iter().all(|c| c.drift), "{:#?}", plan.steps);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    let attached = iam.list_attached_role_policies().role_name("conf-none").send().await.unwrap();
    assert!(attached.attached_policies().is_empty());
    h.destroy("conf-iam-none").await;
}

/// `find` adopts what an interrupted create made (by name, with this
/// stack's and address's tags), never an id already in state.
#[tokio::test]
async fn find_after_interrupted_create() {
    use stackr_engine::reconciler::{CreateRequest, FindRequest, Props, Target};
    let h = harness("iam-find");
    let rec = h.providers.get("aws.iam.role").unwrap();
    let target = Target { stack: "s".into(), address: "r".into(), region: REGION.into() };
    let mut props = Props::new();
    props.insert("name".into(), stackr_core::value::Value::String("conf-find".into()));
    let assume = serde_json::json!({"Version": "2012-10-17", "Statement": []});
    props.insert("assume_role_policy".into(), stackr_core::value::Value::from_json(&assume));
    let tags = [("stackr:stack", "s"), ("stackr:resource", "r")].map(|(k, v)| (k.to_string(), v.to_string())).into();
    let made = rec
        .create(&CreateRequest {
            target: target.clone(),
            properties: props.clone(),
            tags,
            token: "t".into(),
            known_ids: Vec::new(),
        })
        .await
        .unwrap();
    let req = FindRequest { target: target.clone(), token: "t".into(), properties: props.clone(), known_ids: vec![] };
    assert_eq!(rec.find(&req).await.unwrap().map(|o| o.id), Some(made.id.clone()));
    let known = FindRequest { known_ids: vec![made.id.clone()], ..req.clone() };
    assert!(rec.find(&known).await.unwrap().is_none());
    let other = FindRequest { target: Target { address: "other".into(), ..target }, ..req };
    assert!(rec.find(&other).await.unwrap().is_none(), "found another address's role");
}

/// A policy re-saved in another spelling that means the same (the console's
/// JSON editor: actions in another order, a lone statement without its
/// list, a service principal as a one-element list) is not drift; a policy
/// that means something else still is.
#[tokio::test]
async fn policies_spelled_otherwise_are_not_drift() {
    let h = harness("iam-spelling");
    let s = stack(ROLE_STACK, &[]);
    h.apply(&s).await;
    let role = "conf-role-one";
    let inline = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":["*"],"Action":["logs:PutLogEvents","logs:CreateLogStream"]}}"#;
    h.iam()
        .put_role_policy()
        .role_name(role)
        .policy_name("logs")
        .policy_document(inline)
        .send()
        .await
        .expect("PutRolePolicy");
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":["ecs-tasks.amazonaws.com"]},"Action":["sts:AssumeRole"]}]}"#;
    h.iam()
        .update_assume_role_policy()
        .role_name(role)
        .policy_document(trust)
        .send()
        .await
        .expect("UpdateAssumeRolePolicy");
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    let widened = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Resource":"*","Action":["logs:PutLogEvents","logs:CreateLogStream","logs:DeleteLogGroup"]}}"#;
    h.iam()
        .put_role_policy()
        .role_name(role)
        .policy_name("logs")
        .policy_document(widened)
        .send()
        .await
        .expect("PutRolePolicy");
    let plan = h.plan(&s).await;
    assert!(plan.steps.iter().any(|st| st.address == "subject"), "{:#?}", plan.steps);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    h.destroy("conf-iam-role").await;
}
