//! Conformance: CloudFront distributions, on moto (with the test bed's
//! ETags, stale If-Match refusals, InProgress after updates and refused
//! deletes of enabled distributions). Out-of-band changes are made with the
//! SDK as a person in the console would: read the configuration and its
//! ETag, change it, update with If-Match.

mod common;
use aws_sdk_cloudfront::types::{DistributionConfig, HttpVersion, MinimumProtocolVersion, PriceClass};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut;
use aws_smithy_runtime_api::client::interceptors::{Intercept, SharedInterceptor};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;
use common::*;
use stackr_engine::reconciler::{FindRequest, Readiness, Target};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

/// Changes a distribution out of band: `f` edits the live configuration.
#[allow(deprecated)]
async fn edit(h: &Harness, id: &str, f: impl FnOnce(&mut DistributionConfig)) {
    let cf = h.cloudfront();
    let out = cf.get_distribution_config().id(id).send().await.unwrap();
    let mut c = out.distribution_config.unwrap();
    f(&mut c);
    cf.update_distribution().id(id).distribution_config(c).if_match(out.e_tag.unwrap()).send().await.unwrap();
}

const STACK: &str = r#"
stack: conf-cdn
region: ap-northeast-1
tags: { suite: conformance }
vars:
  ttl: { type: number, default: 86400 }
resources:
  acl:
    type: aws.wafv2.web_acl
    region: us-east-1
    properties:
      name: conf-cdn
      scope: CLOUDFRONT
      default_action: allow
      visibility_config: { cloudwatch_metrics_enabled: false, metric_name: conf-cdn, sampled_requests_enabled: false }
  subject:
    type: aws.cloudfront.distribution
    properties:
      enabled: true
      comment: conformance distribution
      aliases: [www.example.com, example.com]
      default_root_object: index.php
      price_class: PriceClass_100
      http_version: http2and3
      is_ipv6_enabled: true
      web_acl_id: ${acl.arn}
      origins:
        - id: alb
          domain_name: alb-123.ap-northeast-1.elb.amazonaws.com
          custom_headers: { X-Origin: cdn }
          custom_origin_config:
            origin_protocol_policy: https-only
            origin_ssl_protocols: [TLSv1.2]
            origin_read_timeout: 60
      default_cache_behavior:
        target_origin_id: alb
        viewer_protocol_policy: redirect-to-https
        allowed_methods: [GET, HEAD, OPTIONS, PUT, PATCH, POST, DELETE]
        cached_methods: [GET, HEAD]
        compress: true
        forwarded_values: { query_string: true, cookies: { forward: all }, headers: ["*"] }
        min_ttl: 0
        default_ttl: 0
        max_ttl: 0
      ordered_cache_behaviors:
        - path_pattern: wp-content/*
          target_origin_id: alb
          viewer_protocol_policy: redirect-to-https
          compress: true
          forwarded_values: { query_string: false, cookies: { forward: none } }
          min_ttl: 0
          default_ttl: ${var.ttl}
          max_ttl: 31536000
        - path_pattern: wp-includes/*
          target_origin_id: alb
          viewer_protocol_policy: redirect-to-https
          compress: true
          forwarded_values: { query_string: false, cookies: { forward: none } }
          min_ttl: 0
          default_ttl: ${var.ttl}
          max_ttl: 31536000
      custom_error_responses:
        - { error_code: 500, error_caching_min_ttl: 10 }
        - { error_code: 503, error_caching_min_ttl: 5, response_code: "503", response_page_path: /503.html }
      viewer_certificate:
        acm_certificate_arn: arn:aws:acm:us-east-1:123456789012:certificate/conformance
        ssl_support_method: sni-only
        minimum_protocol_version: TLSv1.2_2021
      restrictions: { geo_restriction: { restriction_type: none } }
"#;

#[tokio::test]
#[allow(deprecated)]
async fn distribution() {
    conformance(
        "cloudfront-distribution",
        Case {
            kind: "aws.cloudfront.distribution",
            stack: STACK.into(),
            mutations: vec![
                (
                    "ordered_cache_behaviors",
                    m(|h, id| async move {
                        edit(&h, &id, |c| {
                            let items = c.cache_behaviors.as_mut().unwrap().items.as_mut().unwrap();
                            items.iter_mut().find(|b| b.path_pattern == "wp-content/*").unwrap().default_ttl = Some(60);
                        })
                        .await
                    }),
                ),
                (
                    "default_cache_behavior",
                    m(|h, id| async move {
                        edit(&h, &id, |c| {
                            let fv = c.default_cache_behavior.as_mut().unwrap().forwarded_values.as_mut().unwrap();
                            fv.headers = Some(
                                aws_sdk_cloudfront::types::Headers::builder()
                                    .quantity(1)
                                    .items("Host")
                                    .build()
                                    .unwrap(),
                            );
                        })
                        .await
                    }),
                ),
                (
                    "custom_error_responses",
                    m(|h, id| async move {
                        edit(&h, &id, |c| {
                            let e = c.custom_error_responses.as_mut().unwrap();
                            e.items.as_mut().unwrap().retain(|r| r.error_code != 500);
                            e.quantity = 1;
                        })
                        .await
                    }),
                ),
                (
                    "origins",
                    m(|h, id| async move {
                        edit(&h, &id, |c| {
                            let o = &mut c.origins.as_mut().unwrap().items[0];
                            o.custom_origin_config.as_mut().unwrap().origin_read_timeout = Some(30);
                        })
                        .await
                    }),
                ),
                (
                    "viewer_certificate",
                    m(|h, id| async move {
                        edit(&h, &id, |c| {
                            c.viewer_certificate.as_mut().unwrap().minimum_protocol_version =
                                Some(MinimumProtocolVersion::TlSv122019);
                        })
                        .await
                    }),
                ),
                (
                    "aliases",
                    m(|h, id| async move {
                        edit(&h, &id, |c| {
                            c.aliases = Some(
                                aws_sdk_cloudfront::types::Aliases::builder()
                                    .quantity(1)
                                    .items("www.example.com")
                                    .build()
                                    .unwrap(),
                            )
                        })
                        .await
                    }),
                ),
                (
                    "price_class",
                    m(|h, id| async move { edit(&h, &id, |c| c.price_class = Some(PriceClass::PriceClassAll)).await }),
                ),
                (
                    "http_version",
                    m(|h, id| async move { edit(&h, &id, |c| c.http_version = Some(HttpVersion::Http2)).await }),
                ),
                ("is_ipv6_enabled", m(|h, id| async move { edit(&h, &id, |c| c.is_ipv6_enabled = Some(false)).await })),
                ("web_acl_id", m(|h, id| async move { edit(&h, &id, |c| c.web_acl_id = Some(String::new())).await })),
                ("comment", m(|h, id| async move { edit(&h, &id, |c| c.comment = "by hand".into()).await })),
                ("enabled", m(|h, id| async move { edit(&h, &id, |c| c.enabled = false).await })),
                (
                    "default_root_object",
                    m(|h, id| async move { edit(&h, &id, |c| c.default_root_object = Some("index.html".into())).await }),
                ),
                (
                    "restrictions",
                    m(|h, id| async move {
                        edit(&h, &id, |c| {
                            c.restrictions = Some(
                                aws_sdk_cloudfront::types::Restrictions::builder()
                                    .geo_restriction(
                                        aws_sdk_cloudfront::types::GeoRestriction::builder()
                                            .restriction_type(aws_sdk_cloudfront::types::GeoRestrictionType::Blacklist)
                                            .quantity(1)
                                            .items("KP")
                                            .build()
                                            .unwrap(),
                                    )
                                    .build(),
                            )
                        })
                        .await
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        let cf = h.cloudfront();
                        let arn = cf.get_distribution().id(&id).send().await.unwrap().distribution.unwrap().arn;
                        cf.untag_resource()
                            .resource(arn)
                            .tag_keys(aws_sdk_cloudfront::types::TagKeys::builder().items("suite").build())
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
            ],
            // Every property of a distribution changes in place.
            replace: None,
            twice: Twice::Another,
        },
    )
    .await;
}

/// Gives the first `stale` UpdateDistribution calls an outdated If-Match,
/// as if someone had changed the distribution between our read and write;
/// counts every UpdateDistribution.
#[derive(Debug, Default)]
struct StaleIfMatch {
    stale: AtomicU32,
    updates: AtomicU32,
}

#[derive(Debug)]
struct Shared(Arc<StaleIfMatch>);

impl Intercept for Shared {
    fn name(&self) -> &'static str {
        "stackr-test-stale-if-match"
    }

    fn modify_before_transmit(
        &self,
        ctx: &mut BeforeTransmitInterceptorContextMut<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg.load::<Metadata>().is_some_and(|m| m.name() == "UpdateDistribution") {
            self.0.updates.fetch_add(1, Ordering::SeqCst);
            if self.0.stale.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1)).is_ok() {
                ctx.request_mut().headers_mut().insert("If-Match", "E2STALEETAG");
            }
        }
        Ok(())
    }
}

/// An update whose ETag went stale meanwhile (PreconditionFailed) reads
/// the configuration again and succeeds; a second apply of the same stack
/// makes no UpdateDistribution at all; after a change the distribution is
/// InProgress, then Deployed.
#[tokio::test]
async fn stale_etag_is_retried_and_nothing_is_rewritten() {
    let probe = Arc::new(StaleIfMatch::default());
    let h = harness_with("cloudfront-stale", vec![SharedInterceptor::new(Shared(probe.clone()))]);
    let text = STACK.replace("conf-cdn", "cdn-stale");
    let applied = h.apply(&stack(&text, &[])).await;
    let id = h.id_of(&applied, "subject");
    assert_eq!(probe.updates.load(Ordering::SeqCst), 0, "a create needs no update");

    probe.stale.store(1, Ordering::SeqCst);
    let changed = stack(&text, &[("ttl", "3600")]);
    h.apply(&changed).await;
    assert_eq!(probe.updates.load(Ordering::SeqCst), 2, "one refused (stale ETag), one accepted");
    assert!(h.plan(&changed).await.is_empty(), "not up to date after the retried update");

    h.apply(&changed).await;
    assert_eq!(probe.updates.load(Ordering::SeqCst), 2, "an unchanged stack rewrote the distribution");

    // Any change puts the distribution back to InProgress until deployed.
    edit(&h, &id, |c| c.comment = "by hand".into()).await;
    let rec = h.providers.get("aws.cloudfront.distribution").unwrap().clone();
    assert_eq!(rec.readiness(REGION, &id).await.unwrap(), Readiness::Pending("InProgress".into()));
    assert_eq!(rec.readiness(REGION, &id).await.unwrap(), Readiness::Ready);
    h.destroy("cdn-stale").await;
    let left = h.cloudfront().list_distributions().send().await.unwrap();
    assert!(left.distribution_list.and_then(|l| l.items).unwrap_or_default().is_empty(), "left behind");
}

/// What an interrupted create made is found by its tags (and only for its
/// own address), so the engine adopts it.
#[tokio::test]
async fn interrupted_create_is_found() {
    let h = harness("cloudfront-find");
    let text = STACK.replace("conf-cdn", "cdn-find");
    let applied = h.apply(&stack(&text, &[])).await;
    let id = h.id_of(&applied, "subject");
    let rec = h.providers.get("aws.cloudfront.distribution").unwrap().clone();
    let target = |address: &str| Target { stack: "cdn-find".into(), address: address.into(), region: REGION.into() };
    let req = |address: &str, known: Vec<String>| FindRequest {
        target: target(address),
        token: "t".into(),
        properties: Default::default(),
        known_ids: known,
    };
    assert_eq!(rec.find(&req("subject", vec![])).await.unwrap().map(|o| o.id), Some(id.clone()));
    assert!(rec.find(&req("other", vec![])).await.unwrap().is_none());
    assert!(rec.find(&req("subject", vec![id])).await.unwrap().is_none(), "a known id is never the answer");
    h.destroy("cdn-find").await;
}

/// A distribution given a certificate of another region (CloudFront takes
/// ACM certificates from us-east-1 only) is refused before its create is
/// sent, once the certificate made in the same run gives its ARN; what was
/// made before stays recorded.
#[tokio::test]
async fn a_certificate_outside_us_east_1_is_refused_before_the_create() {
    let text = r#"
stack: conf-cdn-region
region: ap-northeast-1
tags: { suite: conformance }
resources:
  cert:
    type: aws.acm.certificate
    properties: { domain_name: cdn.example.com, validation_method: DNS }
  subject:
    type: aws.cloudfront.distribution
    properties:
      enabled: true
      origins: [{ id: alb, domain_name: alb-1.ap-northeast-1.elb.amazonaws.com, custom_origin_config: { origin_protocol_policy: https-only } }]
      default_cache_behavior:
        target_origin_id: alb
        viewer_protocol_policy: redirect-to-https
        forwarded_values: { query_string: false, cookies: { forward: none } }
      viewer_certificate: { acm_certificate_arn: "${cert.arn}", ssl_support_method: sni-only }
"#;
    let h = harness("cdn-region");
    let s = stack(text, &[]);
    let lock = h.session.lock("conformance").await.expect("lock");
    let prepared = h.session.prepare(&s).await.expect("prepare");
    let applied = h.session.apply(Some(&s), prepared, options()).await.expect("apply");
    h.session.unlock(&lock).await.expect("unlock");
    let failed: Vec<String> = applied.report.failed.iter().map(|(a, _, e)| format!("{a}: {e}")).collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert!(
        failed[0].contains("a certificate in ap-northeast-1; CloudFront takes ACM certificates from us-east-1 only"),
        "{failed:?}"
    );
    assert!(failed[0].contains("nothing was sent to AWS"), "{failed:?}");
    assert!(applied.state.resources.contains_key("cert") && !applied.state.resources.contains_key("subject"));
    assert!(
        h.cloudfront()
            .list_distributions()
            .send()
            .await
            .expect("ListDistributions")
            .distribution_list
            .and_then(|l| l.items)
            .unwrap_or_default()
            .is_empty()
    );
    h.destroy("conf-cdn-region").await;
}
