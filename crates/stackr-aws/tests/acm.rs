//! Conformance: ACM certificates and their validation, on moto, with the
//! validation records in a Route 53 zone made first in the test's account
//! (the test bed issues a certificate once its records exist, as AWS
//! does). Out-of-band changes are made with the SDK.

mod common;
use common::*;
use std::sync::Arc;

/// A harness and a public hosted zone `domain` in its account (the zone id).
async fn with_zone(name: &str, domain: &str) -> (Arc<Harness>, String) {
    let h = Arc::new(harness(name));
    let zone = h
        .route53()
        .create_hosted_zone()
        .name(domain)
        .caller_reference(format!("{name}-{}", h.env.account().id()))
        .send()
        .await
        .expect("CreateHostedZone")
        .hosted_zone
        .expect("a zone")
        .id;
    (h, zone.trim_start_matches("/hostedzone/").to_string())
}

/// A certificate for `domain`, its validation record, and the validation.
fn validated(zone: &str, region: Option<&str>) -> String {
    validated_with(zone, region, "")
}

fn validated_with(zone: &str, region: Option<&str>, extra: &str) -> String {
    let region = region.map(|r| format!("\n    region: {r}")).unwrap_or_default();
    format!(
        r#"
  subject:
    type: aws.acm.certificate{region}
    properties: {{ domain_name: "${{var.domain}}", validation_method: DNS{extra} }}
  record:
    type: aws.route53.record
    properties:
      zone_id: "{zone}"
      name: ${{subject.validation_records[0].name}}
      type: CNAME
      ttl: 300
      records: ["${{subject.validation_records[0].value}}"]
  validation:
    type: aws.acm.certificate_validation{region}
    properties:
      certificate_arn: ${{subject.arn}}
      validation_record_fqdns: ["${{record.fqdn}}"]
"#
    )
}

#[tokio::test]
async fn certificate() {
    let (h, zone) = with_zone("acm-certificate", "cert.example.com").await;
    let stack = format!(
        r#"
stack: conf-cert
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  domain: {{ type: string, default: www.cert.example.com }}
resources:{}"#,
        validated_with(&zone, None, ", certificate_transparency_logging: ENABLED")
    );
    conformance_in(
        h,
        Case {
            kind: "aws.acm.certificate",
            stack,
            mutations: vec![
                (
                    "certificate_transparency_logging",
                    mutation!(|h, id| {
                        #[allow(deprecated)]
                        let options = aws_sdk_acm::types::CertificateOptions::builder()
                            .certificate_transparency_logging_preference(
                                aws_sdk_acm::types::CertificateTransparencyLoggingPreference::Disabled,
                            )
                            .build();
                        h.acm(REGION)
                            .update_certificate_options()
                            .certificate_arn(&id)
                            .options(options)
                            .send()
                            .await
                            .expect("UpdateCertificateOptions");
                    }),
                ),
                (
                    "tags",
                    mutation!(|h, id| {
                        h.acm(REGION)
                            .remove_tags_from_certificate()
                            .certificate_arn(&id)
                            .tags(aws_sdk_acm::types::Tag::builder().key("suite").value("conformance").build().unwrap())
                            .send()
                            .await
                            .expect("RemoveTagsFromCertificate");
                    }),
                ),
            ],
            replace: Some(("domain", "www2.cert.example.com", Some("validation"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A stack in ap-northeast-1 whose certificate (and validation) is in
/// us-east-1, as CloudFront needs: made, read, validated and deleted
/// there, not in the stack's region.
#[tokio::test]
async fn certificate_in_another_region() {
    let (h, zone) = with_zone("acm-us-east-1", "edge.example.com").await;
    let text = format!(
        r#"
stack: edge-cert
region: ap-northeast-1
vars:
  domain: {{ type: string, default: cdn.edge.example.com }}
resources:{}"#,
        validated(&zone, Some("us-east-1"))
    );
    let s = stack(&text, &[]);
    let applied = h.apply(&s).await;
    let arn = h.id_of(&applied, "subject");
    assert!(arn.starts_with("arn:aws:acm:us-east-1:"), "made in us-east-1: {arn}");
    let cert = h.acm("us-east-1").describe_certificate().certificate_arn(&arn).send().await.expect("in us-east-1");
    let status = cert.certificate.and_then(|c| c.status).expect("a status");
    assert_eq!(status.as_str(), "ISSUED", "the validation waited for ISSUED");
    let here = h.acm(REGION).list_certificates().send().await.expect("list");
    assert!(here.certificate_summary_list().is_empty(), "nothing in the stack's region");
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "up to date: {:#?}", plan.steps);
    h.destroy("edge-cert").await;
    let gone = h.acm("us-east-1").describe_certificate().certificate_arn(&arn).send().await;
    assert!(gone.is_err(), "deleted in us-east-1");
}

/// Validation records missing from `validation_record_fqdns`: an error
/// naming them, at once, rather than a wait that can only time out.
#[tokio::test]
async fn validation_names_the_missing_record() {
    let h = harness("acm-missing-record");
    let s = stack(
        r#"
stack: missing-record
region: ap-northeast-1
resources:
  cert:
    type: aws.acm.certificate
    properties: { domain_name: app.missing.example.com }
  validation:
    type: aws.acm.certificate_validation
    properties: { certificate_arn: "${cert.arn}", validation_record_fqdns: [other.missing.example.com] }
"#,
        &[],
    );
    let lock = h.session.lock("test").await.expect("lock");
    let prepared = h.session.prepare(&s).await.expect("prepare");
    let mut o = stackr_engine::apply::Options::new(4);
    o.retry_for = std::time::Duration::from_secs(1);
    let applied = h.session.apply(Some(&s), prepared, o).await.expect("apply runs");
    h.session.unlock(&lock).await.expect("unlock");
    let failed = &applied.report.failed;
    assert!(
        failed.iter().any(|(a, _, m)| a == "validation" && m.to_string().contains("app.missing.example.com")),
        "the missing record is named: {failed:?}"
    );
}

#[tokio::test]
async fn certificate_validation() {
    let (h, zone) = with_zone("acm-validation", "valid.example.com").await;
    let stack = format!(
        r#"
stack: conf-validation
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  domain: {{ type: string, default: www.valid.example.com }}
resources:
  cert:
    type: aws.acm.certificate
    properties: {{ domain_name: "${{var.domain}}" }}
  record:
    type: aws.route53.record
    properties:
      zone_id: "{zone}"
      name: ${{cert.validation_records[0].name}}
      type: CNAME
      ttl: 300
      records: ["${{cert.validation_records[0].value}}"]
  subject:
    type: aws.acm.certificate_validation
    properties:
      certificate_arn: ${{cert.arn}}
      validation_record_fqdns: ["${{record.fqdn}}"]
  pointer:
    type: aws.route53.record
    properties: {{ zone_id: "{zone}", name: "issued.valid.example.com", type: TXT, ttl: 60, records: ['"${{subject.id}}"'] }}
"#
    );
    conformance_in(
        h,
        Case {
            kind: "aws.acm.certificate_validation",
            stack,
            mutations: vec![],
            replace: Some(("domain", "www2.valid.example.com", Some("pointer"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// Record names written as the record's `name` (with its trailing dot, in
/// any case) are the names the validation observes: no diff after apply.
#[tokio::test]
async fn record_names_with_a_trailing_dot_settle() {
    let (h, zone) = with_zone("acm-dots", "dots.example.com").await;
    let text = format!(
        r#"
stack: conf-cert-dots
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  domain: {{ type: string, default: www.dots.example.com }}
resources:{}"#,
        validated(&zone, None).replace("[\"${record.fqdn}\"]", "[\"${upper(record.name)}\"]")
    );
    assert!(text.contains("upper(record.name)"), "{text}");
    let s = stack(&text, &[]);
    h.apply(&s).await;
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    h.destroy("conf-cert-dots").await;
}
