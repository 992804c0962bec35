//! Conformance: SSM parameters, on moto. Out-of-band changes are made with
//! the SDK, as a person in the console would. Values are secret: never in
//! state, never observed.

mod common;
use common::*;

const SECURE_VALUE: &str = "s3cr3t-Value-4711";
const PLAIN_VALUE: &str = "plain-but-secret-0815";

const STACK: &str = r#"
stack: conf-ssm
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
  password: { type: string, default: "s3cr3t-Value-4711", sensitive: true }
resources:
  subject:
    type: aws.ssm.parameter
    properties:
      name: "/conformance/${var.suffix}/db-password"
      type: SecureString
      value: ${var.password}
      description: conformance parameter
      tier: Standard
      allowed_pattern: "^[A-Za-z0-9-]+$"
  follower:
    type: aws.ssm.parameter
    properties:
      name: /conformance/follower
      type: String
      value: plain-but-secret-0815
      description: "follows ${subject.name}"
"#;

#[tokio::test]
async fn parameter() {
    conformance(
        "ssm",
        Case {
            kind: "aws.ssm.parameter",
            stack: STACK.into(),
            mutations: vec![
                (
                    "description",
                    m(|h, id| async move {
                        h.ssm()
                            .put_parameter()
                            .name(&id)
                            .value("overwritten-by-hand")
                            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                            .description("changed by hand")
                            .overwrite(true)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "type",
                    m(|h, id| async move {
                        h.ssm()
                            .put_parameter()
                            .name(&id)
                            .value("now-in-clear")
                            .r#type(aws_sdk_ssm::types::ParameterType::String)
                            .overwrite(true)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "allowed_pattern",
                    m(|h, id| async move {
                        h.ssm()
                            .put_parameter()
                            .name(&id)
                            .value("x")
                            .r#type(aws_sdk_ssm::types::ParameterType::SecureString)
                            .allowed_pattern(".*")
                            .overwrite(true)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        h.ssm()
                            .remove_tags_from_resource()
                            .resource_type(aws_sdk_ssm::types::ResourceTypeForTagging::Parameter)
                            .resource_id(&id)
                            .tag_keys("suite")
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

/// No parameter value reaches the state file, SecureString or not; AWS has
/// them, and an out-of-band value change is repaired by a changed stack value.
#[tokio::test]
async fn values_stay_out_of_state() {
    let h = harness("ssm-secret");
    let s = stack(STACK, &[]);
    h.apply(&s).await;
    let path = h.state_file();
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(text.contains("/conformance/one/db-password"), "not the state of this stack: {text}");
    assert!(!text.contains(SECURE_VALUE), "a SecureString value is in the state file");
    assert!(!text.contains(PLAIN_VALUE), "a String value (secret by schema) is in the state file");

    // Observe never returns a value.
    let rec = h.providers.get("aws.ssm.parameter").unwrap();
    let ids = vec!["/conformance/one/db-password".to_string(), "/conformance/follower".to_string()];
    for o in rec.observe(REGION, &ids).await.unwrap() {
        let o = o.expect("observed");
        assert!(!o.properties.contains_key("value"), "{o:?}");
        let shown = format!("{o:?}");
        assert!(!shown.contains(SECURE_VALUE) && !shown.contains(PLAIN_VALUE), "{shown}");
    }

    // AWS holds the wanted value.
    let ssm = h.ssm();
    let got = ssm.get_parameter().name("/conformance/one/db-password").with_decryption(true).send().await.unwrap();
    assert_eq!(got.parameter().and_then(|p| p.value()), Some(SECURE_VALUE));

    // A new value in the stack is a change (by digest), applied; still not stored.
    let changed = stack(STACK, &[("password", "an0ther-Value")]);
    let plan = h.plan(&changed).await;
    assert!(plan.steps.iter().any(|st| st.address == "subject" && st.changes.iter().any(|c| c.field == "value")));
    h.apply(&changed).await;
    assert!(h.plan(&changed).await.is_empty());
    let got = ssm.get_parameter().name("/conformance/one/db-password").with_decryption(true).send().await.unwrap();
    assert_eq!(got.parameter().and_then(|p| p.value()), Some("an0ther-Value"));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("an0ther-Value") && !text.contains(SECURE_VALUE));
    h.destroy("conf-ssm").await;
}

/// A value changed outside stackr is drift, SecureString or String: seen by
/// the digest of what AWS holds, shown masked, repaired by apply, and still
/// never stored.
#[tokio::test]
async fn a_value_changed_outside_is_drift() {
    let h = harness("ssm-value-drift");
    let s = stack(STACK, &[]);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty(), "settled after apply");
    let ssm = h.ssm();
    for (name, kind) in [
        ("/conformance/one/db-password", aws_sdk_ssm::types::ParameterType::SecureString),
        ("/conformance/follower", aws_sdk_ssm::types::ParameterType::String),
    ] {
        ssm.put_parameter().name(name).value("set-by-hand").r#type(kind).overwrite(true).send().await.unwrap();
    }
    let plan = h.plan(&s).await;
    // A SecureString is masked; a String is shown (its value wanted; what
    // AWS holds is known only by its digest).
    for (address, before, after) in
        [("subject", "(sensitive)", "(sensitive)"), ("follower", "(changed outside stackr)", PLAIN_VALUE)]
    {
        let step = plan.steps.iter().find(|st| st.address == address).unwrap_or_else(|| panic!("{address}: {plan:#?}"));
        assert_eq!(step.cause, stackr_engine::plan::Cause::Drift, "{step:?}");
        let value = step.changes.iter().find(|c| c.field == "value").expect("the value is named");
        assert_eq!((value.before.as_str(), value.after.as_str()), (Some(before), Some(after)), "{address}");
    }
    assert!(!format!("{plan:?}").contains("set-by-hand"));
    h.apply(&s).await;
    for (name, want) in [("/conformance/one/db-password", SECURE_VALUE), ("/conformance/follower", PLAIN_VALUE)] {
        let got = ssm.get_parameter().name(name).with_decryption(true).send().await.unwrap();
        assert_eq!(got.parameter().and_then(|p| p.value()), Some(want), "{name} repaired");
    }
    assert!(h.plan(&s).await.is_empty(), "settled after the repair");
    let text = std::fs::read_to_string(h.state_file()).unwrap();
    assert!(!text.contains(SECURE_VALUE) && !text.contains(PLAIN_VALUE) && !text.contains("set-by-hand"));
    h.destroy("conf-ssm").await;
}

/// Many parameters are read in batches (DescribeParameters takes 50 names).
#[tokio::test]
async fn observe_many() {
    let h = harness("ssm-many");
    let ssm = h.ssm();
    let mut ids = Vec::new();
    for i in 0..60 {
        let name = format!("/many/p{i:02}");
        ssm.put_parameter()
            .name(&name)
            .value("v")
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .send()
            .await
            .unwrap();
        ids.push(name);
    }
    ids.push("/many/missing".into());
    let rec = h.providers.get("aws.ssm.parameter").unwrap();
    let got = rec.observe(REGION, &ids).await.unwrap();
    assert_eq!(got.len(), 61);
    for (id, o) in ids.iter().zip(&got).take(60) {
        assert_eq!(o.as_ref().map(|o| o.id.as_str()), Some(id.as_str()));
    }
    assert!(got[60].is_none());
}

/// A parameter of the same name made outside the stack is not adopted.
#[tokio::test]
async fn foreign_parameter_is_not_adopted() {
    let h = harness("ssm-foreign");
    h.ssm()
        .put_parameter()
        .name("/foreign/p")
        .value("theirs")
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .send()
        .await
        .unwrap();
    let rec = h.providers.get("aws.ssm.parameter").unwrap();
    let mut props = stackr_engine::reconciler::Props::new();
    for (k, v) in [("name", "/foreign/p"), ("type", "String"), ("value", "ours")] {
        props.insert(k.into(), stackr_core::value::Value::String(v.into()));
    }
    let tags = [("stackr:stack", "s"), ("stackr:resource", "p")].map(|(k, v)| (k.to_string(), v.to_string())).into();
    let err = rec
        .create(&stackr_engine::reconciler::CreateRequest {
            target: stackr_engine::reconciler::Target { stack: "s".into(), address: "p".into(), region: REGION.into() },
            properties: props,
            tags,
            token: "t".into(),
            known_ids: Vec::new(),
        })
        .await
        .expect_err("adopted a foreign parameter");
    assert!(err.message.contains("/foreign/p") && err.message.contains("already exists"), "{}", err.message);
    let got = h.ssm().get_parameter().name("/foreign/p").send().await.unwrap();
    assert_eq!(got.parameter().and_then(|p| p.value()), Some("theirs"), "the foreign value was overwritten");
}

/// A String value changed in the stack reads as the stack's change: what
/// AWS holds is the value last applied, not a change made outside stackr.
#[tokio::test]
async fn a_value_changed_in_the_stack_is_not_called_drift() {
    let h = harness("ssm-value-config");
    h.apply(&stack(STACK, &[])).await;
    let changed = stack(&STACK.replace(PLAIN_VALUE, "plain-two"), &[]);
    let plan = h.plan(&changed).await;
    let step = plan.steps.iter().find(|st| st.address == "follower").unwrap_or_else(|| panic!("{plan:#?}"));
    assert_eq!(step.cause, stackr_engine::plan::Cause::Config, "{step:?}");
    let value = step.changes.iter().find(|c| c.field == "value").expect("the value is named");
    assert_eq!((value.before.as_str(), value.after.as_str()), (Some("(the value last applied)"), Some("plain-two")));
    h.destroy("conf-ssm").await;
}
