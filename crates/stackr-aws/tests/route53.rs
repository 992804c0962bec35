//! Conformance: Route 53 records, on moto, in a hosted zone made first in
//! the test's account. Out-of-band changes are made with the SDK, as a
//! person in the console would.

mod common;
use aws_sdk_route53::types::{Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType};
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

/// The record (name, type) of a zone, as Route 53 lists it.
async fn live(h: &Harness, zone: &str, name: &str, kind: RrType) -> Option<ResourceRecordSet> {
    let out = h.route53().list_resource_record_sets().hosted_zone_id(zone).send().await.expect("list");
    out.resource_record_sets.into_iter().find(|r| r.name().trim_end_matches('.') == name && r.r#type() == &kind)
}

/// UPSERTs a CNAME out of band.
async fn upsert(h: &Harness, zone: &str, name: &str, ttl: i64, value: &str) {
    let rrs = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::Cname)
        .ttl(ttl)
        .resource_records(ResourceRecord::builder().value(value).build().expect("record"))
        .build()
        .expect("record set");
    let change = Change::builder().action(ChangeAction::Upsert).resource_record_set(rrs).build().expect("change");
    h.route53()
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(ChangeBatch::builder().changes(change).build().expect("batch"))
        .send()
        .await
        .expect("ChangeResourceRecordSets");
}

#[tokio::test]
async fn record() {
    let (h, zone) = with_zone("route53-record", "conf.example.com").await;
    let stack = format!(
        r#"
stack: conf-record
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  name: {{ type: string, default: www.conf.example.com }}
resources:
  subject:
    type: aws.route53.record
    properties: {{ zone_id: "{zone}", name: "${{var.name}}", type: CNAME, ttl: 300, records: [origin.example.net] }}
  pointer:
    type: aws.route53.record
    properties: {{ zone_id: "{zone}", name: "pointer.conf.example.com", type: TXT, ttl: 60, records: ['"${{subject.id}}"'] }}
"#
    );
    let z = zone.clone();
    let z2 = zone.clone();
    conformance_in(
        h,
        Case {
            kind: "aws.route53.record",
            stack,
            mutations: vec![
                (
                    "ttl",
                    common::m(move |h, _id| {
                        let z = z.clone();
                        async move { upsert(&h, &z, "www.conf.example.com", 60, "origin.example.net").await }
                    }),
                ),
                (
                    "records",
                    common::m(move |h, _id| {
                        let z = z2.clone();
                        async move { upsert(&h, &z, "www.conf.example.com", 300, "elsewhere.example.net").await }
                    }),
                ),
            ],
            replace: Some(("name", "web.conf.example.com", Some("pointer"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// An alias A record whose name the stack spells with capitals and a
/// trailing dot: up to date after create (no false drift), `fqdn`
/// normalised; deleted even after its target changed out of band (the
/// DELETE carries the live values).
#[tokio::test]
async fn alias_spelling_and_delete_with_live_values() {
    let (h, zone) = with_zone("route53-alias", "alias.example.com").await;
    let text = format!(
        r#"
stack: alias-record
region: ap-northeast-1
resources:
  apex:
    type: aws.route53.record
    properties:
      zone_id: "/hostedzone/{zone}"
      name: Site.Alias.Example.com.
      type: A
      alias: {{ name: d111111abcdef8.cloudfront.net, zone_id: Z2FDTNDATAQYW2 }}
outputs:
  fqdn: ${{apex.fqdn}}
"#
    );
    let s = stack(&text, &[]);
    let applied = h.apply(&s).await;
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "drift reported right after create: {:#?}", plan.steps);
    let rec = applied.state.resources.get("apex").expect("in state");
    assert_eq!(rec.attributes.get("fqdn").and_then(|v| v.as_str()), Some("site.alias.example.com"));
    let got = live(&h, &zone, "site.alias.example.com", RrType::A).await.expect("record made");
    assert_eq!(got.alias_target().map(|a| a.hosted_zone_id()), Some("Z2FDTNDATAQYW2"));

    // Someone points it elsewhere; destroy still removes it.
    let rrs = ResourceRecordSet::builder()
        .name("site.alias.example.com")
        .r#type(RrType::A)
        .alias_target(
            aws_sdk_route53::types::AliasTarget::builder()
                .dns_name("d222222abcdef8.cloudfront.net")
                .hosted_zone_id("Z2FDTNDATAQYW2")
                .evaluate_target_health(false)
                .build()
                .expect("alias"),
        )
        .build()
        .expect("record set");
    let change = Change::builder().action(ChangeAction::Upsert).resource_record_set(rrs).build().expect("change");
    h.route53()
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(ChangeBatch::builder().changes(change).build().expect("batch"))
        .send()
        .await
        .expect("UPSERT");
    let plan = h.plan(&s).await;
    assert!(plan.steps.iter().any(|st| st.changes.iter().any(|c| c.field == "alias")), "alias drift: {plan:?}");
    h.destroy("alias-record").await;
    assert!(live(&h, &zone, "site.alias.example.com", RrType::A).await.is_none(), "still there after destroy");
}

/// A record set made outside the stack is never taken over silently: the
/// create is refused naming the `stackr import` that adopts it; with
/// `allow_overwrite: true` it is overwritten with the stack's values.
#[tokio::test]
async fn an_existing_record_set_is_refused_unless_overwrite_is_allowed() {
    let (h, zone) = with_zone("route53-taken", "taken.example.com").await;
    upsert(&h, &zone, "www.taken.example.com", 60, "someone-else.example.net").await;
    let text = |overwrite: bool| {
        format!(
            r#"
stack: conf-taken
region: ap-northeast-1
resources:
  www:
    type: aws.route53.record
    properties:
      zone_id: {zone}
      name: www.taken.example.com
      type: CNAME
      ttl: 300
      records: [origin.taken.example.com]
      allow_overwrite: {overwrite}
"#
        )
    };
    let s = stack(&text(false), &[]);
    let lock = h.session.lock("test").await.expect("lock");
    let prepared = h.session.prepare(&s).await.expect("prepare");
    let applied = h.session.apply(Some(&s), prepared, options()).await.expect("apply runs");
    h.session.unlock(&lock).await.expect("unlock");
    let failed = &applied.report.failed;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let message = failed[0].2.to_string();
    assert!(message.contains("stackr import www") && message.contains("allow_overwrite"), "{message}");
    let kept = live(&h, &zone, "www.taken.example.com", RrType::Cname).await.expect("still there");
    assert_eq!(kept.resource_records()[0].value(), "someone-else.example.net", "left as it was");

    let s = stack(&text(true), &[]);
    h.apply(&s).await;
    let taken = live(&h, &zone, "www.taken.example.com", RrType::Cname).await.expect("the record");
    assert_eq!(taken.resource_records()[0].value(), "origin.taken.example.com");
    assert_eq!(taken.ttl(), Some(300));
    assert!(h.plan(&s).await.is_empty(), "allow_overwrite is never a diff");
    h.destroy("conf-taken").await;
}
