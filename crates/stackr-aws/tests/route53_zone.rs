//! Conformance: Route 53 hosted zones as resources, public and private (a
//! VPC association removed out of band is drift), on moto; plus the
//! destroy of a zone holding a record: refused clearly without
//! `force_destroy`, done with it. Out-of-band changes are made with the
//! SDK, as a person in the console would.

mod common;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet, RrType, TagResourceType, Vpc, VpcRegion,
};
use common::*;

async fn untag(h: &Harness, id: &str) {
    h.route53()
        .change_tags_for_resource()
        .resource_type(TagResourceType::Hostedzone)
        .resource_id(id)
        .remove_tag_keys("suite")
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn public_zone() {
    let stack = r#"
stack: conf-zone
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  subject:
    type: aws.route53.hosted_zone
    properties: { name: "conf-${var.suffix}.example.com", comment: made by stackr }
  param:
    type: aws.route53.record
    properties:
      zone_id: ${subject.id}
      name: www.conf-${var.suffix}.example.com
      type: CNAME
      ttl: 300
      records: [origin.example.com]
"#;
    conformance(
        "route53-zone",
        Case {
            kind: "aws.route53.hosted_zone",
            stack: stack.into(),
            mutations: vec![
                (
                    "comment",
                    mutation!(|h, id| {
                        h.route53().update_hosted_zone_comment().id(&id).comment("by hand").send().await.unwrap();
                    }),
                ),
                ("tags", mutation!(|h, id| untag(&h, &id).await)),
            ],
            replace: Some(("suffix", "two", Some("param"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn private_zone_with_two_vpcs() {
    let stack = r#"
stack: conf-private-zone
region: ap-northeast-1
tags: { suite: conformance }
vars:
  suffix: { type: string, default: one }
resources:
  vpc_a:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.50.0.0/16 }
  vpc_b:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.51.0.0/16 }
  subject:
    type: aws.route53.hosted_zone
    properties:
      name: "${var.suffix}.internal.example"
      comment: private
      vpcs:
        - { vpc_id: "${vpc_a.id}" } # in the stack's region
        - { vpc_id: "${vpc_b.id}", vpc_region: ap-northeast-1 }
"#;
    conformance(
        "route53-private-zone",
        Case {
            kind: "aws.route53.hosted_zone",
            stack: stack.into(),
            mutations: vec![
                (
                    "vpcs",
                    mutation!(|h, id| {
                        let zone = h.route53().get_hosted_zone().id(&id).send().await.unwrap();
                        let vpcs = zone.vpcs.unwrap_or_default();
                        assert_eq!(vpcs.len(), 2, "both VPCs associated: {vpcs:?}");
                        let last = vpcs[1].vpc_id().unwrap().to_string();
                        let vpc = Vpc::builder().vpc_id(last).vpc_region(VpcRegion::ApNortheast1).build();
                        h.route53()
                            .disassociate_vpc_from_hosted_zone()
                            .hosted_zone_id(&id)
                            .vpc(vpc)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                ("tags", mutation!(|h, id| untag(&h, &id).await)),
            ],
            replace: Some(("suffix", "two", None)),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A record made out of band in a zone of the stack.
async fn add_record(h: &Harness, zone: &str, name: &str) {
    let rrs = ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value("192.0.2.10").build().unwrap())
        .build()
        .unwrap();
    let change = Change::builder().action(ChangeAction::Create).resource_record_set(rrs).build().unwrap();
    h.route53()
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(ChangeBatch::builder().changes(change).build().unwrap())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn destroy_of_a_zone_with_records_needs_force_destroy() {
    let h = harness("route53-zone-force");
    let text = |force: bool| {
        format!(
            "stack: conf-zone-force\nregion: ap-northeast-1\nresources:\n  zone:\n    type: aws.route53.hosted_zone\n    \
             properties: {{ name: force.example.com, force_destroy: {force} }}\n"
        )
    };
    let s = stack(&text(false), &[]);
    let applied = h.apply(&s).await;
    let zone = h.id_of(&applied, "zone");
    add_record(&h, &zone, "app.force.example.com").await;

    let prepared = h.session.prepare_destroy("conf-zone-force").await.expect("prepare destroy");
    let refused = h.session.apply(None, prepared, options()).await.expect("destroy runs");
    let failed = &refused.report.failed;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let message = failed[0].2.to_string();
    assert!(
        message.contains("force.example.com") && message.contains("force_destroy") && message.contains("app.force"),
        "{message}"
    );
    assert!(h.route53().get_hosted_zone().id(&zone).send().await.is_ok(), "the zone is still there");

    // With force_destroy (an update: recorded on the zone), the destroy
    // deletes the record, then the zone.
    let s = stack(&text(true), &[]);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty(), "force_destroy recorded");
    h.destroy("conf-zone-force").await;
    let gone = h.route53().get_hosted_zone().id(&zone).send().await;
    assert!(gone.is_err(), "the zone is gone");
}

/// A public zone given VPCs cannot become private in place: the plan says
/// replace (and the apply does it), not an update AWS would refuse.
#[tokio::test]
async fn a_public_zone_given_vpcs_is_replaced() {
    let text = |vpcs: &str| {
        format!(
            r#"
stack: zone-kind
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: {{ cidr_block: 10.61.0.0/16, enable_dns_support: true, enable_dns_hostnames: true }}
  zone:
    type: aws.route53.hosted_zone
    properties: {{ name: kind.example.com, {vpcs} }}
"#
        )
    };
    let h = harness("zone-kind");
    // `vpcs: []` says public, as leaving it out does.
    let public = stack(&text("comment: public, vpcs: []"), &[]);
    h.apply(&public).await;
    assert!(h.plan(&public).await.is_empty());
    let private = stack(&text("comment: private, vpcs: [{ vpc_id: \"${vpc.id}\" }]"), &[]);
    let plan = h.plan(&private).await;
    let step = plan.steps.iter().find(|s| s.address == "zone").expect("a step for the zone");
    assert_eq!(step.action, stackr_engine::plan::Action::Replace, "{:#?}", plan.steps);
    assert!(step.changes.iter().any(|c| c.field == "vpcs" && c.forces_replacement), "{:#?}", step.changes);
    let applied = h.apply(&private).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert!(h.plan(&private).await.is_empty());
    // And back: a new public zone, never a zone deleted and not made again.
    let applied = h.apply(&public).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert!(applied.state.resources.contains_key("zone"));
    assert!(h.plan(&public).await.is_empty());
}
