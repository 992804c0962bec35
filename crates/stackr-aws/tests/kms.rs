//! Conformance: KMS keys and aliases, plus what keys do differently: no
//! name and no token (a retried create finds its key by tags), deletion
//! scheduled (a key pending deletion is gone), rotation only for symmetric
//! encryption keys.

mod common;
use common::*;
use stackr_engine::reconciler::{CreateRequest, DeleteRequest, ErrorKind, FindRequest, Target};

#[tokio::test]
async fn key() {
    let stack = r#"
stack: conf-kms-key
region: ap-northeast-1
tags: { suite: conformance }
vars:
  multi: { type: bool, default: false }
resources:
  subject:
    type: aws.kms.key
    properties:
      description: conformance key
      enable_key_rotation: true
      rotation_period_in_days: 180
      multi_region: ${var.multi}
      deletion_window_in_days: 7
  param:
    type: aws.kms.alias
    properties: { name: alias/conformance-key, target_key_id: "${subject.id}" }
"#;
    conformance(
        "kms-key",
        Case {
            kind: "aws.kms.key",
            stack: stack.into(),
            mutations: vec![
                (
                    "description",
                    mutation!(|h, id| {
                        h.kms().update_key_description().key_id(&id).description("changed").send().await.unwrap();
                    }),
                ),
                (
                    "enable_key_rotation",
                    mutation!(|h, id| {
                        h.kms().disable_key_rotation().key_id(&id).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        h.kms().untag_resource().key_id(&id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
                // Left out of the stack, but enabled by default: a key
                // disabled outside stackr is drift.
                (
                    "enabled",
                    mutation!(|h, id| {
                        h.kms().disable_key().key_id(&id).send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("multi", "true", Some("param"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn alias() {
    let stack = r#"
stack: conf-kms-alias
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  key:
    type: aws.kms.key
    properties: { description: aliased, deletion_window_in_days: 7 }
  subject:
    type: aws.kms.alias
    properties: { name: "alias/conformance-${var.suffix}", target_key_id: "${key.arn}" }
"#;
    conformance(
        "kms-alias",
        Case {
            kind: "aws.kms.alias",
            stack: stack.into(),
            mutations: vec![(
                "target_key_id",
                mutation!(|h, id| {
                    let kms = h.kms();
                    let other = kms.create_key().send().await.unwrap().key_metadata.unwrap().key_id;
                    kms.update_alias().alias_name(&id).target_key_id(other).send().await.unwrap();
                }),
            )],
            replace: Some(("suffix", "two", None)),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A key whose usage changes is replaced: the old one is scheduled for
/// deletion (PendingDeletion), which observe reports as gone, and deleting
/// it again is fine.
#[tokio::test]
async fn a_replaced_key_is_pending_deletion_and_gone() {
    let h = harness("kms-replace");
    let text = r#"
stack: kms-replace
region: ap-northeast-1
vars:
  usage: { type: string, default: ENCRYPT_DECRYPT }
  spec: { type: string, default: SYMMETRIC_DEFAULT }
resources:
  key:
    type: aws.kms.key
    properties: { key_usage: "${var.usage}", key_spec: "${var.spec}", deletion_window_in_days: 7 }
"#;
    let applied = h.apply(&stack(text, &[])).await;
    let old = h.id_of(&applied, "key");
    let changed = stack(text, &[("usage", "SIGN_VERIFY"), ("spec", "RSA_2048")]);
    let applied = h.apply(&changed).await;
    let new = h.id_of(&applied, "key");
    assert_ne!(old, new, "replaced");
    let meta = h.kms().describe_key().key_id(&old).send().await.unwrap().key_metadata.unwrap();
    assert_eq!(meta.key_state().map(|s| s.as_str()), Some("PendingDeletion"));
    let rec = h.providers.get("aws.kms.key").unwrap().clone();
    let seen = rec.observe(REGION, &[old.clone(), new.clone()]).await.unwrap();
    assert!(seen[0].is_none(), "a key pending deletion is gone");
    let new_props = &seen[1].as_ref().expect("the new key").properties;
    assert_eq!(new_props["key_usage"], stackr_core::value::Value::String("SIGN_VERIFY".into()));
    assert_eq!(new_props["enable_key_rotation"], stackr_core::value::Value::Bool(false));
    let target = Target { stack: "kms-replace".into(), address: "key".into(), region: REGION.into() };
    rec.delete(&DeleteRequest { target, id: old, properties: Default::default() })
        .await
        .expect("deleting a key already pending deletion is fine");
    assert!(h.plan(&changed).await.is_empty());
    h.destroy("kms-replace").await;
}

/// `find` returns the key made for the address (by its tags), never one
/// state already knows; a retried create adopts it instead of making a
/// second key.
#[tokio::test]
async fn a_retried_create_finds_its_key_by_tags() {
    let h = harness("kms-find");
    let text = r#"
stack: kms-find
region: ap-northeast-1
resources:
  key:
    type: aws.kms.key
    properties: { description: found, deletion_window_in_days: 7 }
"#;
    let applied = h.apply(&stack(text, &[])).await;
    let id = h.id_of(&applied, "key");
    let rec = h.providers.get("aws.kms.key").unwrap().clone();
    let target = Target { stack: "kms-find".into(), address: "key".into(), region: REGION.into() };
    let req =
        FindRequest { target: target.clone(), token: "t".into(), properties: Default::default(), known_ids: vec![] };
    assert_eq!(rec.find(&req).await.unwrap().map(|o| o.id), Some(id.clone()));
    let known = FindRequest { known_ids: vec![id.clone()], ..req };
    assert!(rec.find(&known).await.unwrap().is_none(), "never one state knows");
    let live = rec.observe(REGION, std::slice::from_ref(&id)).await.unwrap()[0].clone().unwrap();
    let props = [("description".to_string(), stackr_core::value::Value::String("found again".into()))];
    let again = rec
        .create(&CreateRequest {
            target,
            properties: props.into_iter().collect(),
            tags: live.tags,
            token: "t2".into(),
            known_ids: Vec::new(),
        })
        .await
        .expect("retried create");
    assert_eq!(again.id, id, "the same key, not a second one");
    assert_eq!(
        again.properties["description"],
        stackr_core::value::Value::String("found again".into()),
        "brought to the wanted values"
    );
    let keys = h.kms().list_keys().send().await.unwrap();
    assert_eq!(keys.keys().len(), 1, "one key");
    // The new half of a replacement (state holds the old key, with the
    // same tags): a new key.
    let target = Target { stack: "kms-find".into(), address: "key".into(), region: REGION.into() };
    let replacing = rec
        .create(&CreateRequest {
            target,
            properties: [("description".to_string(), stackr_core::value::Value::String("new".into()))].into(),
            tags: again.tags.clone(),
            token: "t3".into(),
            known_ids: vec![id.clone()],
        })
        .await
        .expect("the replacement's create");
    assert_ne!(replacing.id, id, "a new key, not the one it replaces");
    rec.delete(&stackr_engine::reconciler::DeleteRequest {
        target: Target { stack: "kms-find".into(), address: "key".into(), region: REGION.into() },
        id: replacing.id,
        properties: [("deletion_window_in_days".to_string(), stackr_core::value::Value::Number(7.0))].into(),
    })
    .await
    .unwrap();
    h.destroy("kms-find").await;
}

/// What KMS would refuse is refused before any call, saying why.
#[tokio::test]
async fn invalid_settings_are_refused_clearly() {
    let h = harness("kms-invalid");
    let key = h.providers.get("aws.kms.key").unwrap().clone();
    let alias = h.providers.get("aws.kms.alias").unwrap().clone();
    let target = Target { stack: "kms-invalid".into(), address: "k".into(), region: REGION.into() };
    let req = |pairs: &[(&str, stackr_core::value::Value)]| CreateRequest {
        target: target.clone(),
        properties: pairs.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
        tags: [("stackr:stack".to_string(), "kms-invalid".to_string()), ("stackr:resource".into(), "k".into())]
            .into_iter()
            .collect(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    use stackr_core::value::Value::{Bool, Number, String as S};
    let e = key
        .create(&req(&[
            ("key_spec", S("RSA_2048".into())),
            ("key_usage", S("SIGN_VERIFY".into())),
            ("enable_key_rotation", Bool(true)),
        ]))
        .await
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("symmetric encryption key"), "{}", e.message);
    let e = key
        .create(&req(&[("enable_key_rotation", Bool(true)), ("rotation_period_in_days", Number(30.0))]))
        .await
        .unwrap_err();
    assert!(e.message.contains("90 to 2560"), "{}", e.message);
    let e = key.create(&req(&[("rotation_period_in_days", Number(100.0))])).await.unwrap_err();
    assert!(e.message.contains("needs `enable_key_rotation: true`"), "{}", e.message);
    let e = key.create(&req(&[("deletion_window_in_days", Number(3.0))])).await.unwrap_err();
    assert!(e.message.contains("7 to 30"), "{}", e.message);
    for (name, says) in [("app", "must start with `alias/`"), ("alias/aws/s3", "reserved")] {
        let e = alias.create(&req(&[("name", S(name.into())), ("target_key_id", S("k".into()))])).await.unwrap_err();
        assert_eq!(e.kind, ErrorKind::Invalid);
        assert!(e.message.contains(says), "{}", e.message);
    }
    assert!(h.kms().list_keys().send().await.unwrap().keys().is_empty(), "nothing made");
}

/// An alias made outside the stack is adopted only when it already names
/// the wanted key.
#[tokio::test]
async fn an_existing_alias_is_adopted_only_when_it_names_the_key() {
    let h = harness("kms-alias-taken");
    let kms = h.kms();
    let mine = kms.create_key().send().await.unwrap().key_metadata.unwrap().key_id;
    let other = kms.create_key().send().await.unwrap().key_metadata.unwrap().key_id;
    kms.create_alias().alias_name("alias/taken").target_key_id(&other).send().await.unwrap();
    let alias = h.providers.get("aws.kms.alias").unwrap().clone();
    use stackr_core::value::Value::String as S;
    let req = |target: &str| CreateRequest {
        target: Target { stack: "s".into(), address: "a".into(), region: REGION.into() },
        properties: [("name".to_string(), S("alias/taken".into())), ("target_key_id".into(), S(target.into()))]
            .into_iter()
            .collect(),
        tags: Default::default(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let e = alias.create(&req(&mine)).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("already exists and points at key") && e.message.contains(&other), "{}", e.message);
    let adopted = alias.create(&req(&other)).await.expect("names the wanted key: adopted");
    assert_eq!(adopted.id, "alias/taken");
}
