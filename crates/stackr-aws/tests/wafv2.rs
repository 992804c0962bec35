//! Conformance: WAFv2 IP sets and web ACLs, on moto, plus the scope rules
//! (CLOUDFRONT only in us-east-1) and the refused delete of an IP set a web
//! ACL still uses. Out-of-band changes are made with the SDK, as a person
//! in the console would, with the lock token WAF hands out.

mod common;
use aws_sdk_wafv2::types::{AllowAction, BlockAction, DefaultAction, Scope, VisibilityConfig};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use common::*;
use stackr_engine::reconciler::{CreateRequest, DeleteRequest, ErrorKind, FindRequest, Target};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Changes an IP set out of band: `f` gets the live addresses and description.
async fn edit_ip_set(h: &Harness, region: &str, id: &str, f: impl FnOnce(&mut Vec<String>, &mut Option<String>)) {
    let waf = h.wafv2(region);
    let sets = waf.list_ip_sets().scope(Scope::Regional).send().await.unwrap();
    let name = sets.ip_sets().iter().find(|s| s.id() == Some(id)).and_then(|s| s.name()).unwrap().to_string();
    let cur = waf.get_ip_set().name(&name).scope(Scope::Regional).id(id).send().await.unwrap();
    let set = cur.ip_set.unwrap();
    let (mut addrs, mut desc) = (set.addresses, set.description);
    f(&mut addrs, &mut desc);
    waf.update_ip_set()
        .name(&name)
        .scope(Scope::Regional)
        .id(id)
        .set_addresses(Some(addrs))
        .set_description(desc)
        .lock_token(cur.lock_token.unwrap())
        .send()
        .await
        .unwrap();
}

/// Changes a web ACL out of band: `f` edits the live definition.
async fn edit_web_acl(h: &Harness, id: &str, f: impl FnOnce(&mut aws_sdk_wafv2::types::WebAcl)) {
    let waf = h.wafv2(REGION);
    let acls = waf.list_web_acls().scope(Scope::Regional).send().await.unwrap();
    let name = acls.web_acls().iter().find(|s| s.id() == Some(id)).and_then(|s| s.name()).unwrap().to_string();
    let cur = waf.get_web_acl().name(&name).scope(Scope::Regional).id(id).send().await.unwrap();
    let mut acl = cur.web_acl.unwrap();
    f(&mut acl);
    waf.update_web_acl()
        .name(&name)
        .scope(Scope::Regional)
        .id(id)
        .set_default_action(acl.default_action)
        .set_description(acl.description)
        .set_rules(Some(acl.rules.unwrap_or_default()))
        .set_visibility_config(acl.visibility_config)
        .lock_token(cur.lock_token.unwrap())
        .send()
        .await
        .unwrap();
}

async fn untag(h: &Harness, arn: String) {
    h.wafv2(REGION).untag_resource().resource_arn(arn).tag_keys("suite").send().await.unwrap();
}

/// The ARN of an IP set or web ACL from its id (both carry it at the end).
async fn arn_of(h: &Harness, id: &str) -> String {
    let waf = h.wafv2(REGION);
    let sets = waf.list_ip_sets().scope(Scope::Regional).send().await.unwrap();
    let acls = waf.list_web_acls().scope(Scope::Regional).send().await.unwrap();
    sets.ip_sets()
        .iter()
        .filter(|s| s.id() == Some(id))
        .filter_map(|s| s.arn())
        .chain(acls.web_acls().iter().filter(|s| s.id() == Some(id)).filter_map(|s| s.arn()))
        .next()
        .unwrap()
        .to_string()
}

const IP_SET_STACK: &str = r#"
stack: conf-waf-ipset
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.wafv2.ip_set
    # The web ACL uses the old set until it moves to the new one.
    lifecycle: { create_before_destroy: true }
    properties:
      name: "conf-office-${var.suffix}"
      scope: REGIONAL
      ip_address_version: IPV4
      addresses: [203.0.113.0/24, 198.51.100.7/32]
      description: office addresses
  acl:
    type: aws.wafv2.web_acl
    properties:
      name: conf-ipset-user
      scope: REGIONAL
      default_action: block
      visibility_config: { cloudwatch_metrics_enabled: false, metric_name: conf-ipset-user, sampled_requests_enabled: false }
      rules:
        - name: office
          priority: 1
          action: allow
          ip_set_arn: ${subject.arn}
          visibility_config: { cloudwatch_metrics_enabled: false, metric_name: office, sampled_requests_enabled: false }
"#;

#[tokio::test]
async fn ip_set() {
    conformance(
        "wafv2-ip-set",
        Case {
            kind: "aws.wafv2.ip_set",
            stack: IP_SET_STACK.into(),
            mutations: vec![
                (
                    "addresses",
                    m(|h, id| async move {
                        edit_ip_set(&h, REGION, &id, |a, _| a.push("192.0.2.1/32".into())).await;
                    }),
                ),
                (
                    "addresses",
                    m(|h, id| async move {
                        edit_ip_set(&h, REGION, &id, |a, _| a.retain(|x| x != "198.51.100.7/32")).await;
                    }),
                ),
                (
                    "description",
                    m(|h, id| async move {
                        edit_ip_set(&h, REGION, &id, |_, d| *d = Some("changed by hand".into())).await;
                    }),
                ),
                ("tags", m(|h, id| async move { untag(&h, arn_of(&h, &id).await).await })),
            ],
            replace: Some(("suffix", "two", Some("acl"))),
            twice: Twice::Another,
        },
    )
    .await;
}

const WEB_ACL_STACK: &str = r#"
stack: conf-waf-acl
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  v4:
    type: aws.wafv2.ip_set
    properties: { name: conf-acl-v4, scope: REGIONAL, ip_address_version: IPV4, addresses: [203.0.113.0/24] }
  v6:
    type: aws.wafv2.ip_set
    properties: { name: conf-acl-v6, scope: REGIONAL, ip_address_version: IPV6, addresses: ["2001:db8::/32"] }
  subject:
    type: aws.wafv2.web_acl
    properties:
      name: "conf-acl-${var.suffix}"
      scope: REGIONAL
      description: allow-list
      default_action: block
      visibility_config: { cloudwatch_metrics_enabled: true, metric_name: conf-acl, sampled_requests_enabled: true }
      rules:
        # Written out of evaluation order: priorities decide it.
        - name: allow-v4
          priority: 3
          action: allow
          ip_set_arn: ${v4.arn}
          visibility_config: { cloudwatch_metrics_enabled: true, metric_name: allow-v4, sampled_requests_enabled: true }
        - name: allow-v6
          priority: 2
          action: allow
          ip_set_arn: ${v6.arn}
          visibility_config: { cloudwatch_metrics_enabled: true, metric_name: allow-v6, sampled_requests_enabled: true }
        - name: not-japan
          priority: 1
          action: count
          statement: { NotStatement: { Statement: { GeoMatchStatement: { CountryCodes: [JP] } } } }
          visibility_config: { cloudwatch_metrics_enabled: false, metric_name: not-japan, sampled_requests_enabled: false }
  user:
    type: aws.ssm.parameter
    properties: { name: /conf/waf/acl, type: String, value: acl, description: "${subject.arn}" }
"#;

#[tokio::test]
async fn web_acl() {
    conformance(
        "wafv2-web-acl",
        Case {
            kind: "aws.wafv2.web_acl",
            stack: WEB_ACL_STACK.into(),
            mutations: vec![
                (
                    "default_action",
                    m(|h, id| async move {
                        edit_web_acl(&h, &id, |a| {
                            a.default_action =
                                Some(DefaultAction::builder().allow(AllowAction::builder().build()).build())
                        })
                        .await;
                    }),
                ),
                (
                    "rules",
                    m(|h, id| async move {
                        edit_web_acl(&h, &id, |a| a.rules.as_mut().unwrap().retain(|r| r.name != "allow-v6")).await;
                    }),
                ),
                (
                    "rules",
                    m(|h, id| async move {
                        edit_web_acl(&h, &id, |a| {
                            let r = a.rules.as_mut().unwrap().iter_mut().find(|r| r.name == "allow-v4").unwrap();
                            r.action = Some(
                                aws_sdk_wafv2::types::RuleAction::builder()
                                    .block(BlockAction::builder().build())
                                    .build(),
                            );
                        })
                        .await;
                    }),
                ),
                (
                    "description",
                    m(|h, id| async move { edit_web_acl(&h, &id, |a| a.description = Some("by hand".into())).await }),
                ),
                (
                    "visibility_config",
                    m(|h, id| async move {
                        edit_web_acl(&h, &id, |a| {
                            a.visibility_config = Some(
                                VisibilityConfig::builder()
                                    .cloud_watch_metrics_enabled(false)
                                    .metric_name("conf-acl")
                                    .sampled_requests_enabled(true)
                                    .build()
                                    .unwrap(),
                            )
                        })
                        .await;
                    }),
                ),
                ("tags", m(|h, id| async move { untag(&h, arn_of(&h, &id).await).await })),
            ],
            replace: Some(("suffix", "two", Some("user"))),
            twice: Twice::Another,
        },
    )
    .await;
}

const CLOUDFRONT_SCOPE_STACK: &str = r#"
stack: waf-cloudfront-scope
region: ap-northeast-1
resources:
  v4:
    type: aws.wafv2.ip_set
    region: us-east-1
    properties: { name: edge-v4, scope: CLOUDFRONT, ip_address_version: IPV4, addresses: [203.0.113.0/24] }
  v6:
    type: aws.wafv2.ip_set
    region: us-east-1
    properties: { name: edge-v6, scope: CLOUDFRONT, ip_address_version: IPV6, addresses: ["2001:db8:1::/48"] }
  acl:
    type: aws.wafv2.web_acl
    region: us-east-1
    properties:
      name: edge
      scope: CLOUDFRONT
      default_action: block
      visibility_config: { cloudwatch_metrics_enabled: false, metric_name: edge, sampled_requests_enabled: false }
      rules:
        - name: v4
          priority: 0
          action: allow
          ip_set_arn: ${v4.arn}
          visibility_config: { cloudwatch_metrics_enabled: false, metric_name: v4, sampled_requests_enabled: false }
        - name: v6
          priority: 1
          action: allow
          ip_set_arn: ${v6.arn}
          visibility_config: { cloudwatch_metrics_enabled: false, metric_name: v6, sampled_requests_enabled: false }
"#;

/// CLOUDFRONT-scoped sets and ACLs live in us-east-1 (global ARNs), are up
/// to date after apply, and go away on destroy.
#[tokio::test]
async fn cloudfront_scope_in_us_east_1() {
    let h = harness("wafv2-cloudfront-scope");
    let s = stack(CLOUDFRONT_SCOPE_STACK, &[]);
    let applied = h.apply(&s).await;
    let acl = &applied.state.resources["acl"];
    assert_eq!(acl.region, "us-east-1");
    let arn = acl.attributes["arn"].as_str().unwrap().to_string();
    assert!(arn.starts_with("arn:aws:wafv2:us-east-1:") && arn.contains(":global/webacl/edge/"), "{arn}");
    assert!(h.plan(&s).await.is_empty(), "not up to date after apply");
    // An interrupted create with nothing journaled is found by its tags.
    let rec = h.providers.get("aws.wafv2.ip_set").unwrap();
    let req = FindRequest {
        target: Target { stack: "waf-cloudfront-scope".into(), address: "v6".into(), region: "us-east-1".into() },
        token: "t".into(),
        properties: Default::default(),
        known_ids: vec![],
    };
    let found = rec.find(&req).await.unwrap().expect("found by tags");
    assert_eq!(found.id, h.id_of(&applied, "v6"));
    h.destroy("waf-cloudfront-scope").await;
    let left = h.wafv2("us-east-1").list_web_acls().scope(Scope::Cloudfront).send().await.unwrap();
    assert!(left.web_acls().is_empty(), "{left:?}");
    let left = h.wafv2("us-east-1").list_ip_sets().scope(Scope::Cloudfront).send().await.unwrap();
    assert!(left.ip_sets().is_empty(), "{left:?}");
}

fn props(j: serde_json::Value) -> stackr_engine::reconciler::Props {
    match stackr_core::value::Value::from_json(&j) {
        stackr_core::value::Value::Map(m) => m,
        _ => unreachable!(),
    }
}

/// Scope CLOUDFRONT elsewhere than us-east-1 is refused before any call,
/// with an error naming the resource and the region to use.
#[tokio::test]
async fn cloudfront_scope_elsewhere_is_refused() {
    let h = harness("wafv2-scope-refused");
    let rec = h.providers.get("aws.wafv2.ip_set").unwrap();
    let req = CreateRequest {
        target: Target { stack: "s".into(), address: "office".into(), region: REGION.into() },
        properties: props(serde_json::json!({
            "name": "office", "scope": "CLOUDFRONT", "ip_address_version": "IPV4", "addresses": []
        })),
        tags: Default::default(),
        token: "t".into(),
        known_ids: Vec::new(),
    };
    let e = rec.create(&req).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Invalid);
    assert!(e.message.contains("us-east-1") && e.message.contains("office"), "{}", e.message);
    // Nothing was made, in either region.
    for region in [REGION, "us-east-1"] {
        let sets = h.wafv2(region).list_ip_sets().scope(Scope::Cloudfront).send().await.unwrap();
        assert!(sets.ip_sets().is_empty());
    }
}

/// An IP set a web ACL still uses cannot be deleted: retryable, so the
/// engine tries again once the ACL is gone; then the delete succeeds.
#[tokio::test]
async fn ip_set_in_use_is_retryable() {
    let h = harness("wafv2-in-use");
    let s = stack(&WEB_ACL_STACK.replace("conf-waf-acl", "waf-in-use"), &[]);
    let applied = h.apply(&s).await;
    let set_id = h.id_of(&applied, "v4");
    let rec = h.providers.get("aws.wafv2.ip_set").unwrap().clone();
    let req = DeleteRequest {
        target: Target { stack: "waf-in-use".into(), address: "v4".into(), region: REGION.into() },
        id: set_id.clone(),
        properties: Default::default(),
    };
    let e = rec.delete(&req).await.unwrap_err();
    assert_eq!(e.kind, ErrorKind::Retryable, "{}", e.message);
    assert!(e.message.contains("WAFAssociatedItemException"), "{}", e.message);
    assert!(rec.observe(REGION, std::slice::from_ref(&set_id)).await.unwrap()[0].is_some());
    h.destroy("waf-in-use").await;
    assert!(rec.observe(REGION, &[set_id]).await.unwrap()[0].is_none());
}

/// Gives the first `stale` UpdateIPSet calls an outdated lock token, as if
/// someone had changed the set between our read and write; counts every
/// UpdateIPSet.
#[derive(Debug, Default)]
struct StaleLockToken {
    stale: AtomicU32,
    updates: AtomicU32,
}

#[derive(Debug)]
struct Shared(Arc<StaleLockToken>);

impl Intercept for Shared {
    fn name(&self) -> &'static str {
        "stackr-test-stale-lock-token"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Metadata>().is_none_or(|m| m.name() != "UpdateIPSet") {
            return Ok(());
        }
        self.0.updates.fetch_add(1, Ordering::SeqCst);
        if self.0.stale.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_err() {
            return Ok(());
        }
        let req = ctx.request_mut();
        let mut body: serde_json::Value = serde_json::from_slice(req.body().bytes().unwrap_or_default())?;
        body["LockToken"] = serde_json::Value::String("stale0".into());
        let text = body.to_string();
        req.headers_mut().insert("content-length", text.len().to_string());
        *req.body_mut() = SdkBody::from(text);
        Ok(())
    }
}

/// A change whose lock token went stale meanwhile
/// (WAFOptimisticLockException) reads the token again and succeeds.
#[tokio::test]
async fn stale_lock_token_is_retried() {
    let probe = Arc::new(StaleLockToken::default());
    let h = harness_with("wafv2-stale-lock", vec![SharedInterceptor::new(Shared(probe.clone()))]);
    let text = |addr: &str| {
        format!(
            "stack: waf-stale\nregion: ap-northeast-1\nresources:\n  set:\n    type: aws.wafv2.ip_set\n    properties: {{ name: stale, scope: REGIONAL, ip_address_version: IPV4, addresses: [{addr}] }}\n"
        )
    };
    h.apply(&stack(&text("192.0.2.0/24"), &[])).await;
    probe.stale.store(1, Ordering::SeqCst);
    let changed = stack(&text("198.51.100.0/24"), &[]);
    h.apply(&changed).await;
    assert_eq!(probe.updates.load(Ordering::SeqCst), 2, "one refused (stale token), one accepted");
    assert!(h.plan(&changed).await.is_empty(), "not up to date after the retried update");
    h.apply(&changed).await;
    assert_eq!(probe.updates.load(Ordering::SeqCst), 2, "an unchanged stack rewrote the IP set");
    h.destroy("waf-stale").await;
}
