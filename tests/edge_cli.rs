//! The edge example through the binary, against the local AWS (a moto
//! server of its own, with the hosted zone a real account would already
//! have): apply, diff exit 0; three changes made out of band as a console
//! user would (the listener rule's host, a CloudFront behaviour's TTL, an
//! address added to the WAF's IPv4 set) make diff exit 2 naming each; apply
//! repairs them, diff exits 0; destroy leaves nothing of the stack in
//! either region (ap-northeast-1 and us-east-1).

mod common;
use common::*;

use std::path::Path;

const REGION: &str = "ap-northeast-1";
const ZONE: &str = "example.org.";

/// The id state records for `address`.
fn id(dir: &Path, address: &str) -> String {
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state/edge.json")).expect("state file")).expect("state json");
    state["resources"][address]["id"].as_str().unwrap_or_else(|| panic!("{address} not in state")).to_string()
}

#[tokio::test(flavor = "multi_thread")]
#[allow(deprecated)]
async fn edge_apply_drift_repair_destroy() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("edge-cli", &["edge.yaml"]);
    let f = "examples/edge.yaml";
    let url = moto.url().to_string();
    let config = stackr_testkit::sdk_config(&moto, REGION);
    let east = stackr_testkit::sdk_config(&moto, "us-east-1");

    // What the account already has: the site's public zone.
    let route53 = aws_sdk_route53::Client::new(&east);
    let zone = route53.create_hosted_zone().name(ZONE).caller_reference("edge-cli").send().await.unwrap();
    let zone_id = zone.hosted_zone.unwrap().id;

    let o = stackr(&dir, &url, &["apply", f, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = stackr(&dir, &url, &["diff", f]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // 1. The listener rule now forwards another host.
    let elbv2 = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let rule = id(&dir, "site_rule");
    elbv2
        .modify_rule()
        .rule_arn(&rule)
        .conditions(
            aws_sdk_elasticloadbalancingv2::types::RuleCondition::builder()
                .field("host-header")
                .host_header_config(
                    aws_sdk_elasticloadbalancingv2::types::HostHeaderConditionConfig::builder()
                        .values("evil.example.org")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap();

    // 2. wp-content/* is cached for a minute instead of a day.
    let cf = aws_sdk_cloudfront::Client::new(&east);
    let dist = id(&dir, "cdn");
    let out = cf.get_distribution_config().id(&dist).send().await.unwrap();
    let mut c = out.distribution_config.unwrap();
    let behaviours = c.cache_behaviors.as_mut().unwrap().items.as_mut().unwrap();
    behaviours.iter_mut().find(|b| b.path_pattern == "wp-content/*").unwrap().default_ttl = Some(60);
    cf.update_distribution().id(&dist).distribution_config(c).if_match(out.e_tag.unwrap()).send().await.unwrap();

    // 3. Someone allows one more address.
    let waf = aws_sdk_wafv2::Client::new(&east);
    let set = id(&dir, "allow_ipv4");
    let scope = aws_sdk_wafv2::types::Scope::Cloudfront;
    let cur = waf.get_ip_set().name("dev-edge-allow-ipv4").scope(scope.clone()).id(&set).send().await.unwrap();
    let mut addrs = cur.ip_set.unwrap().addresses;
    addrs.push("198.51.100.9/32".into());
    waf.update_ip_set()
        .name("dev-edge-allow-ipv4")
        .scope(scope.clone())
        .id(&set)
        .set_addresses(Some(addrs))
        .description("IPv4 sources always allowed")
        .lock_token(cur.lock_token.unwrap())
        .send()
        .await
        .unwrap();

    let o = stackr(&dir, &url, &["diff", f]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    let out = text(&o);
    for (address, field) in
        [("site_rule", "conditions"), ("cdn", "ordered_cache_behaviors"), ("allow_ipv4", "addresses")]
    {
        assert!(out.contains(address) && out.contains(field), "diff does not name {address}.{field}:\n{out}");
    }
    assert!(out.contains("drift"), "{out}");

    let o = stackr(&dir, &url, &["apply", f, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = stackr(&dir, &url, &["diff", f]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    // Repaired in AWS, not just in state.
    let rules = elbv2.describe_rules().rule_arns(&rule).send().await.unwrap();
    let hosts: Vec<&str> = rules.rules()[0]
        .conditions()
        .iter()
        .filter_map(|c| c.host_header_config())
        .flat_map(|h| h.values())
        .map(String::as_str)
        .collect();
    assert_eq!(hosts, ["www.example.org"]);
    let live = waf.get_ip_set().name("dev-edge-allow-ipv4").scope(scope.clone()).id(&set).send().await.unwrap();
    assert_eq!(live.ip_set.unwrap().addresses, ["203.0.113.0/24"]);
    let live = cf.get_distribution_config().id(&dist).send().await.unwrap().distribution_config.unwrap();
    let ttl = live.cache_behaviors.unwrap().items.unwrap().into_iter().find(|b| b.path_pattern == "wp-content/*");
    assert_eq!(ttl.and_then(|b| b.default_ttl), Some(86400));

    let o = stackr(&dir, &url, &["destroy", f, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Nothing of the stack is left, in either region.
    for conf in [&config, &east] {
        let tagging = aws_sdk_resourcegroupstagging::Client::new(conf);
        let left = tagging
            .get_resources()
            .tag_filters(
                aws_sdk_resourcegroupstagging::types::TagFilter::builder().key("stackr:stack").values("edge").build(),
            )
            .send()
            .await
            .unwrap();
        assert!(left.resource_tag_mapping_list().is_empty(), "left behind: {:?}", left.resource_tag_mapping_list());
        let certs = aws_sdk_acm::Client::new(conf).list_certificates().send().await.unwrap();
        assert!(certs.certificate_summary_list().is_empty(), "certificates left: {certs:?}");
    }
    let dists = cf.list_distributions().send().await.unwrap();
    assert!(dists.distribution_list.and_then(|l| l.items).unwrap_or_default().is_empty(), "distribution left");
    assert!(waf.list_web_acls().scope(scope.clone()).send().await.unwrap().web_acls().is_empty(), "web ACL left");
    assert!(waf.list_ip_sets().scope(scope).send().await.unwrap().ip_sets().is_empty(), "IP set left");
    let lbs = elbv2.describe_load_balancers().send().await.unwrap();
    assert!(lbs.load_balancers().is_empty(), "load balancer left");
    let tgs = elbv2.describe_target_groups().send().await.unwrap();
    assert!(tgs.target_groups().is_empty(), "target group left");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpcs = ec2
        .describe_vpcs()
        .filters(aws_sdk_ec2::types::Filter::builder().name("tag:stackr:stack").values("edge").build())
        .send()
        .await
        .unwrap();
    assert!(vpcs.vpcs().is_empty(), "VPC left");
    // The zone is the account's: only its own NS and SOA records remain.
    let records = route53.list_resource_record_sets().hosted_zone_id(&zone_id).send().await.unwrap();
    let kinds: Vec<&str> = records.resource_record_sets().iter().map(|r| r.r#type().as_str()).collect();
    assert!(kinds.iter().all(|k| *k == "NS" || *k == "SOA"), "records left: {kinds:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
