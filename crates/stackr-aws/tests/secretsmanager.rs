//! Conformance: Secrets Manager secrets, on moto. Out-of-band changes are
//! made with the SDK, as a person in the console would. The generated value
//! never reaches stackr's state.

mod common;
use common::*;

const STACK: &str = r#"
stack: conf-secrets
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.secretsmanager.secret
    properties:
      name: "conformance/${var.suffix}/auth-key"
      description: conformance secret
      generate: { length: 48, exclude_punctuation: true, exclude_characters: "\"'@/\\" }
      recovery_window_in_days: 0
  follower:
    type: aws.ssm.parameter
    properties:
      name: /conformance/secret-arn
      type: String
      value: ${subject.arn}
      description: ${subject.arn}
"#;

#[tokio::test]
async fn secret() {
    conformance(
        "secrets",
        Case {
            kind: "aws.secretsmanager.secret",
            stack: STACK.into(),
            mutations: vec![
                (
                    "description",
                    m(|h, id| async move {
                        h.secrets().update_secret().secret_id(&id).description("changed by hand").send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        h.secrets().untag_resource().secret_id(&id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("suffix", "two", Some("follower"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// AWS generated a value with the options; stackr's state never holds it;
/// changing `generate` later records the options without regenerating.
#[tokio::test]
async fn generated_value_stays_out_of_state() {
    let h = harness("secrets-value");
    let applied = h.apply(&stack(STACK, &[])).await;
    let arn = h.id_of(&applied, "subject");
    let sm = h.secrets();
    let value = sm.get_secret_value().secret_id(&arn).send().await.unwrap().secret_string().unwrap().to_string();
    assert_eq!(value.len(), 48);
    assert!(value.chars().all(|c| c.is_ascii_alphanumeric()), "punctuation in {value}");
    let text = std::fs::read_to_string(h.state_file()).unwrap();
    assert!(text.contains(&arn), "not this stack's state");
    assert!(!text.contains(&value), "the secret value is in the state file");

    let longer = STACK.replace("length: 48", "length: 20");
    let s = stack(&longer, &[]);
    let plan = h.plan(&s).await;
    assert!(plan.steps.iter().any(|st| st.changes.iter().any(|c| c.field == "generate")), "{:#?}", plan.steps);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    let again = sm.get_secret_value().secret_id(&arn).send().await.unwrap().secret_string().unwrap().to_string();
    assert_eq!(again, value, "the value was regenerated");
    h.destroy("conf-secrets").await;
}

/// With a recovery window, destroy schedules the deletion (the secret is
/// gone for stackr); applying the stack again restores that same secret.
#[tokio::test]
async fn recovery_window() {
    let h = harness("secrets-window");
    let text = r#"
stack: conf-secrets-window
region: ap-northeast-1
resources:
  subject:
    type: aws.secretsmanager.secret
    properties:
      name: conformance/windowed
      recovery_window_in_days: 7
"#;
    let s = stack(text, &[]);
    let applied = h.apply(&s).await;
    let arn = h.id_of(&applied, "subject");
    // Destroyed under the lock, as the CLI does: the harness's unlocked
    // destroy leaves the local store's record of its own last write stale,
    // and the next locked apply then sees a spurious conflict.
    let lock = h.session.lock("destroy").await.unwrap();
    h.destroy("conf-secrets-window").await;
    h.session.unlock(&lock).await.unwrap();
    let sm = h.secrets();
    let d = sm.describe_secret().secret_id(&arn).send().await.unwrap();
    assert!(d.deleted_date().is_some(), "not scheduled for deletion");
    let rec = h.providers.get("aws.secretsmanager.secret").unwrap();
    assert!(rec.observe(REGION, std::slice::from_ref(&arn)).await.unwrap()[0].is_none());

    let applied = h.apply(&s).await;
    assert_eq!(h.id_of(&applied, "subject"), arn, "not the restored secret");
    assert!(sm.describe_secret().secret_id(&arn).send().await.unwrap().deleted_date().is_none());
    assert!(h.plan(&s).await.is_empty());
}

/// A secret of the same name made outside the stack is not adopted.
#[tokio::test]
async fn foreign_secret_is_not_adopted() {
    let h = harness("secrets-foreign");
    h.secrets().create_secret().name("foreign/secret").secret_string("theirs").send().await.unwrap();
    let s = stack(
        r#"
stack: conf-secrets-foreign
region: ap-northeast-1
resources:
  subject:
    type: aws.secretsmanager.secret
    properties: { name: foreign/secret }
"#,
        &[],
    );
    let lock = h.session.lock("test").await.unwrap();
    let prepared = h.session.prepare(&s).await.unwrap();
    let applied = h.session.apply(Some(&s), prepared, stackr_engine::apply::Options::new(2)).await.unwrap();
    h.session.unlock(&lock).await.unwrap();
    assert!(!applied.report.ok(), "a foreign secret was adopted");
    let text = format!("{:?}", applied.report);
    assert!(text.contains("foreign/secret") && text.contains("already exists"), "{text}");
    let v = h.secrets().get_secret_value().secret_id("foreign/secret").send().await.unwrap();
    assert_eq!(v.secret_string(), Some("theirs"));
}

/// Many secrets are read with one listing.
#[tokio::test]
async fn observe_many() {
    let h = harness("secrets-many");
    let sm = h.secrets();
    let mut ids = Vec::new();
    for i in 0..5 {
        let out = sm.create_secret().name(format!("many/s{i}")).secret_string("v").send().await.unwrap();
        ids.push(out.arn().unwrap().to_string());
    }
    sm.delete_secret().secret_id(&ids[4]).send().await.unwrap();
    let rec = h.providers.get("aws.secretsmanager.secret").unwrap();
    let got = rec.observe(REGION, &ids).await.unwrap();
    for (id, o) in ids.iter().zip(&got).take(4) {
        assert_eq!(o.as_ref().map(|o| o.id.as_str()), Some(id.as_str()));
    }
    assert!(got[4].is_none(), "a secret scheduled for deletion is gone");
}

/// `find` adopts what an interrupted create made (by name, with this
/// stack's and address's tags), never an id already in state.
#[tokio::test]
async fn find_after_interrupted_create() {
    use stackr_engine::reconciler::{CreateRequest, FindRequest, Props, Target};
    let h = harness("secrets-find");
    let rec = h.providers.get("aws.secretsmanager.secret").unwrap();
    let target = Target { stack: "s".into(), address: "r".into(), region: REGION.into() };
    let mut props = Props::new();
    props.insert("name".into(), stackr_core::value::Value::String("conf/find".into()));
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
    assert!(rec.find(&other).await.unwrap().is_none(), "found another address's secret");
}
