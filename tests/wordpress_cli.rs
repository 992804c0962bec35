//! The WordPress stacks end to end, through the binary, against the local
//! AWS (a moto server of its own, with the state bucket and the hosted zone
//! a real account would already have):
//!
//! apply prod as defined before its alias records became a component, then
//! as defined now: the records move, nothing else changes → diff 0 →
//! out-of-band changes of several kinds → diff 2
//! naming each → apply repairs → diff 0; dev applied beside prod without
//! touching it; destroy refused for the protected database until allowed,
//! and, before anything is deleted, while its deletion protection is on
//! (AWS would refuse it); destroy leaves
//! no stack-tagged resource in either region.

mod common;
use common::plan_entry;
use common::wordpress::*;

use std::path::Path;

fn cloudfront(config: &aws_config::SdkConfig) -> aws_sdk_cloudfront::Client {
    aws_sdk_cloudfront::Client::from_conf(
        aws_sdk_cloudfront::config::Builder::from(config)
            .region(aws_sdk_cloudfront::config::Region::new("us-east-1"))
            .build(),
    )
}

/// Out-of-band changes of several kinds, as people in the console make
/// them; returns the addresses `diff` must name.
async fn tamper(cli: &Cli, config: &aws_config::SdkConfig) -> Vec<&'static str> {
    let f = "stacks/prod.yaml";
    let ec2 = aws_sdk_ec2::Client::new(config);
    // A rule added to the app's security group.
    let app_sg = cli.id(f, "app_sg");
    ec2.authorize_security_group_ingress()
        .group_id(&app_sg)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("tcp")
                .from_port(22)
                .to_port(22)
                .ip_ranges(aws_sdk_ec2::types::IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        )
        .send()
        .await
        .expect("rule added");
    // A tag removed from the VPC.
    let vpc = cli.id(f, "vpc");
    ec2.delete_tags()
        .resources(&vpc)
        .tags(aws_sdk_ec2::types::Tag::builder().key("project").build())
        .send()
        .await
        .expect("tag removed");
    // A whole NAT gateway deleted.
    let nat = cli.id(f, "nat[ap-northeast-1a]");
    ec2.delete_nat_gateway().nat_gateway_id(&nat).send().await.expect("NAT deleted");
    // The CloudFront comment edited.
    let cf = cloudfront(config);
    let cdn = cli.id(f, "cdn");
    let current = cf.get_distribution_config().id(&cdn).send().await.expect("distribution config");
    let etag = current.e_tag().expect("etag").to_string();
    let mut dc = current.distribution_config.expect("config");
    dc.comment = "edited in the console".into();
    cf.update_distribution().id(&cdn).if_match(etag).distribution_config(dc).send().await.expect("comment edited");
    // The site's A record deleted, with its exact current values.
    let r53 = route53(config);
    let zone_id = cli.state(f, "site_dns.a")["properties"]["zone_id"].as_str().expect("zone id").to_string();
    let records = r53.list_resource_record_sets().hosted_zone_id(&zone_id).send().await.expect("records");
    let site_a = records
        .resource_record_sets()
        .iter()
        .find(|r| r.name() == "www.training.example.io." && r.r#type().as_str() == "A")
        .expect("the site's A record")
        .clone();
    r53.change_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .change_batch(
            aws_sdk_route53::types::ChangeBatch::builder()
                .changes(
                    aws_sdk_route53::types::Change::builder()
                        .action(aws_sdk_route53::types::ChangeAction::Delete)
                        .resource_record_set(site_a)
                        .build()
                        .unwrap(),
                )
                .build()
                .unwrap(),
        )
        .send()
        .await
        .expect("record deleted");
    // The service's task count set by hand beyond the autoscaling range
    // (prod's maximum is 6): drift of the scalable target's bounds.
    let ecs = aws_sdk_ecs::Client::new(config);
    let service = cli.id(f, "service");
    let cluster = cli.state(f, "cluster")["attributes"]["arn"].as_str().expect("cluster arn").to_string();
    ecs.update_service().cluster(&cluster).service(&service).desired_count(12).send().await.expect("count set");
    // A mount target deleted: its file system's listing (the one read the
    // refresh makes for all of them) no longer has it.
    let mount = cli.id(f, "efs_mount[ap-northeast-1c]");
    aws_sdk_efs::Client::new(config).delete_mount_target().mount_target_id(&mount).send().await.expect("mount deleted");
    // The stack's tag removed from a listener and from a rule, whose tags
    // come from one DescribeTags for all the stack's ELB resources.
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(config);
    for address in ["http", "https_rule"] {
        let arn = cli.id(f, address);
        elb.remove_tags().resource_arns(arn).tag_keys("project").send().await.expect("tag removed");
    }
    vec![
        "app_sg",
        "vpc",
        "nat[ap-northeast-1a]",
        "cdn",
        "site_dns.a",
        "scaling",
        "efs_mount[ap-northeast-1c]",
        "http",
        "https_rule",
    ]
}

/// stacks/wordpress.yaml as it was before its alias records became the
/// `alias-records` component: the four records written out, no
/// `components:` or `moved:`.
fn definition_before_components(today: &str) -> String {
    // site_a, site_aaaa, alb_a, alb_aaaa, as they were written.
    let mut records = String::from("\n");
    for (name, domain, target, health) in
        [("site", "var.site_domain", "cdn", false), ("alb", "var.alb_domain", "alb", true)]
    {
        let dns = if target == "cdn" { "domain_name" } else { "dns_name" };
        for kind in ["A", "AAAA"] {
            records.push_str(&format!(
                "  {name}_{}:\n    type: aws.route53.record\n    properties:\n      zone_id: ${{data.zone.id}}\n      \
                 name: ${{{domain}}}\n      type: {kind}\n      alias: {{ name: \"${{{target}.{dns}}}\", zone_id: \
                 \"${{{target}.hosted_zone_id}}\", evaluate_target_health: {health} }}\n",
                kind.to_lowercase()
            ));
        }
    }
    // `components:` and `moved:` follow the last resource and come before
    // `outputs:`; the records take their place at the end of `resources:`.
    let start = today.find("\ncomponents:\n").expect("components: in wordpress.yaml");
    let end = today.find("\noutputs:\n").expect("outputs: in wordpress.yaml");
    let comment = today[..start].rfind("\n\n").expect("a blank line before components:");
    assert!(today.contains("${alb_dns.fqdn}"), "the distribution's origin names the component's output");
    let before = format!("{}{records}{}", &today[..comment], &today[end..]);
    before.replace("${alb_dns.fqdn}", "${alb_a.fqdn}")
}

#[tokio::test(flavor = "multi_thread")]
async fn wordpress_prod_and_dev_end_to_end() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = std::env::temp_dir().join(format!("stackr-wordpress-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    copy_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/stacks")), &dir.join("stacks"));
    let cli = Cli { dir: dir.clone(), endpoint: moto.url().to_string(), env: Vec::new() };
    let config = stackr_testkit::sdk_config(&moto, REGION);
    account(&config).await;
    let (prod, dev) = ("stacks/prod.yaml", "stacks/dev.yaml");

    // Applied as defined before the A/AAAA pairs were a component; the
    // definition of today keeps every record (`moved:`) and changes nothing.
    let definition = dir.join("stacks/wordpress.yaml");
    let today = std::fs::read_to_string(&definition).unwrap();
    std::fs::write(&definition, definition_before_components(&today)).unwrap();
    cli.expect(0, &["apply", prod, "--yes"]);
    let records: Vec<String> = ["site_a", "site_aaaa", "alb_a", "alb_aaaa"].iter().map(|a| cli.id(prod, a)).collect();
    std::fs::write(&definition, &today).unwrap();
    let out = cli.expect(2, &["diff", prod]);
    assert!(out.contains("0 to create, 0 to update, 0 to replace, 0 to delete, 4 moved"), "{out}");
    let out = cli.expect(0, &["apply", prod, "--yes"]);
    assert!(out.contains("site_a  moved to site_dns.a"), "{out}");
    let now: Vec<String> =
        ["site_dns.a", "site_dns.aaaa", "alb_dns.a", "alb_dns.aaaa"].iter().map(|a| cli.id(prod, a)).collect();
    assert_eq!(records, now, "the same records, at their new addresses");
    cli.expect(0, &["diff", prod]);
    let out = cli.expect(0, &["output", prod]);
    for name in ["site_url", "cloudfront_domain", "alb_dns_name", "db_endpoint"] {
        assert!(out.contains(name), "output {name}: {out}");
    }

    // Changes made outside stackr: each named by diff, all repaired by apply.
    let changed = tamper(&cli, &config).await;
    let out = cli.expect(2, &["diff", prod]);
    for address in &changed {
        assert!(plan_entry(&out, address).is_some(), "diff does not name {address}:\n{out}");
    }
    cli.expect(0, &["apply", prod, "--yes"]);
    cli.expect(0, &["diff", prod]);
    let services = aws_sdk_ecs::Client::new(&config)
        .describe_services()
        .cluster(cli.state(prod, "cluster")["attributes"]["arn"].as_str().expect("cluster arn"))
        .services(cli.id(prod, "service"))
        .send()
        .await
        .expect("service");
    let count = services.services()[0].desired_count();
    assert!((2..=6).contains(&count), "the task count is back within the autoscaling range: {count}");

    // dev beside prod in the same account: neither touches the other.
    cli.expect(0, &["apply", dev, "--yes"]);
    cli.expect(0, &["diff", prod]);
    cli.expect(0, &["destroy", dev, "--yes"]);
    for region in [REGION, "us-east-1"] {
        let left = leftovers(&config, region, "wordpress-dev").await;
        assert!(left.is_empty(), "dev left behind in {region}: {left:?}");
    }
    cli.expect(0, &["diff", prod]);

    // The protected database and file system: refused by stackr until
    // allowed, then by AWS while deletion protection is on.
    let out = cli.expect(1, &["destroy", prod, "--yes"]);
    assert!(out.contains("protect"), "{out}");
    let out = cli.expect(1, &["destroy", prod, "--yes", "--allow-protected", "db", "efs"]);
    assert!(out.contains("nothing was changed") && out.contains("deletion protection"), "{out}");
    // Refused before anything was deleted: prod is still whole.
    cli.expect(0, &["diff", prod]);
    cli.expect(0, &["apply", prod, "--yes", "--var", "deletion_protection=false"]);
    cli.expect(0, &["destroy", prod, "--yes", "--allow-protected", "db", "efs"]);
    // The database's named final snapshot is kept, by design; nothing else.
    let mut left = leftovers(&config, REGION, "wordpress-prod").await;
    let snapshot = left.iter().position(|a| a.ends_with(":cluster-snapshot:prod-wordpress-final"));
    assert!(snapshot.is_some(), "the final snapshot was taken: {left:?}");
    left.remove(snapshot.unwrap_or_default());
    left.extend(leftovers(&config, "us-east-1", "wordpress-prod").await);
    assert!(left.is_empty(), "left behind: {left:?}");
    let records = route53(&config)
        .list_hosted_zones_by_name()
        .dns_name(ZONE)
        .send()
        .await
        .expect("zones")
        .hosted_zones()
        .first()
        .map(|z| z.resource_record_set_count().unwrap_or_default());
    assert_eq!(records, Some(2), "only the zone's NS and SOA records are left");
    let _ = std::fs::remove_dir_all(&dir);
}
