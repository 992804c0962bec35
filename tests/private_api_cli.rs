//! The private-api example (a VPC without internet access, gateway and
//! interface VPC endpoints, security groups whose rules name each other,
//! an internal load balancer and a Redis replication group named in a
//! private hosted zone) through the binary, against the local AWS: applied,
//! diffed clean; one field of every type changed out of band makes diff
//! exit 2 naming each; apply repairs them all and diff is clean again;
//! destroy leaves nothing of the stack (checked with the SDK). The cache's
//! AUTH token, a sensitive variable, is in no state or output.

mod common;
use common::*;

use aws_sdk_ec2::types::{AttributeBooleanValue, Filter, IpPermission, UserIdGroupPair};
use std::path::Path;

const FILE: &str = "examples/private-api.yaml";
const TOKEN: &str = "private-api-cli-auth-token-42";

fn state(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join("state/private-api.json")).expect("state file")).expect("JSON")
}

fn id(state: &serde_json::Value, address: &str) -> String {
    state["resources"][address]["id"].as_str().unwrap_or_else(|| panic!("{address} not in state")).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn private_api_apply_drift_repair_destroy() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("private-api-cli", &["private-api.yaml"]);
    let url = moto.url().to_string();
    let env = [("STACKR_VAR_cache_auth_token".to_string(), TOKEN.to_string())];
    let stackr = |args: &[&str], code: i32| run_with(&dir, &url, args, &env, code);
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let elb = aws_sdk_elasticloadbalancingv2::Client::new(&config);
    let cache = aws_sdk_elasticache::Client::new(&config);
    let r53 = aws_sdk_route53::Client::new(&config);

    let out = stackr(&["apply", FILE, "--yes"], 0);
    assert!(out.contains("Done: 24 operations"), "{out}");
    assert!(!out.contains(TOKEN), "{out}");
    stackr(&["diff", FILE], 0);

    // One field of every type changed by hand, as in the console.
    let s = state(&dir);
    let vpc = id(&s, "vpc");
    let no = AttributeBooleanValue::builder().value(false).build();
    ec2.modify_vpc_attribute().vpc_id(&vpc).enable_dns_hostnames(no).send().await.unwrap();
    for resource in [id(&s, "private[ap-northeast-1c]"), id(&s, "routes")] {
        let name = aws_sdk_ec2::types::Tag::builder().key("Name").value("renamed by hand").build();
        ec2.create_tags().resources(resource).tags(name).send().await.unwrap();
    }
    let (api_sg, cache_sg) = (id(&s, "api_sg"), id(&s, "cache_sg"));
    let redis = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(6379)
        .to_port(6379)
        .user_id_group_pairs(UserIdGroupPair::builder().group_id(&cache_sg).build())
        .build();
    ec2.revoke_security_group_egress().group_id(&api_sg).ip_permissions(redis).send().await.unwrap();
    let rule = aws_sdk_ec2::types::SecurityGroupRuleRequest::builder()
        .ip_protocol("tcp")
        .from_port(6379)
        .to_port(6379)
        .referenced_group_id(&api_sg)
        .description("edited by hand")
        .build();
    let update = aws_sdk_ec2::types::SecurityGroupRuleUpdate::builder()
        .security_group_rule_id(id(&s, "cache_from_api"))
        .security_group_rule(rule)
        .build();
    ec2.modify_security_group_rules().group_id(&cache_sg).security_group_rules(update).send().await.unwrap();
    let (s3_endpoint, logs_endpoint) = (id(&s, "s3"), id(&s, "interface[logs]"));
    let call = ec2.modify_vpc_endpoint().vpc_endpoint_id(&s3_endpoint);
    call.remove_route_table_ids(id(&s, "routes")).send().await.unwrap();
    let call = ec2.modify_vpc_endpoint().vpc_endpoint_id(&logs_endpoint);
    call.add_security_group_ids(&api_sg).send().await.unwrap();
    let call = ec2.modify_vpc_endpoint().vpc_endpoint_id(id(&s, "interface[secretsmanager]"));
    call.private_dns_enabled(false).send().await.unwrap();
    let call = elb.set_security_groups().load_balancer_arn(id(&s, "lb"));
    call.security_groups(id(&s, "lb_sg")).security_groups(&api_sg).send().await.unwrap();
    let targets = id(&s, "api_targets");
    elb.modify_target_group().target_group_arn(&targets).health_check_path("/").send().await.unwrap();
    elb.modify_listener().listener_arn(id(&s, "http")).port(8081).send().await.unwrap();
    let call = cache.modify_cache_subnet_group().cache_subnet_group_name(id(&s, "cache_subnets"));
    call.cache_subnet_group_description("edited by hand").send().await.unwrap();
    let group = id(&s, "cache");
    let call = cache.modify_replication_group().replication_group_id(&group).snapshot_retention_limit(7);
    call.apply_immediately(true).send().await.unwrap();
    let zone = id(&s, "zone");
    r53.update_hosted_zone_comment().id(&zone).comment("edited by hand").send().await.unwrap();
    let primary = s["resources"]["cache"]["attributes"]["primary_endpoint_address"].as_str().unwrap().to_string();
    let record = aws_sdk_route53::types::ResourceRecordSet::builder()
        .name("cache.internal.example.")
        .r#type(aws_sdk_route53::types::RrType::Cname)
        .ttl(300)
        .resource_records(aws_sdk_route53::types::ResourceRecord::builder().value(&primary).build().unwrap())
        .build()
        .unwrap();
    let change = aws_sdk_route53::types::Change::builder()
        .action(aws_sdk_route53::types::ChangeAction::Upsert)
        .resource_record_set(record)
        .build()
        .unwrap();
    let batch = aws_sdk_route53::types::ChangeBatch::builder().changes(change).build().unwrap();
    r53.change_resource_record_sets().hosted_zone_id(&zone).change_batch(batch).send().await.unwrap();

    let out = stackr(&["diff", FILE], 2);
    for (address, field) in [
        ("vpc", "enable_dns_hostnames"),
        ("private[ap-northeast-1c]", "tags"),
        ("routes", "tags"),
        ("api_sg", "egress"),
        ("cache_from_api", "description"),
        ("s3", "route_table_ids"),
        ("interface[logs]", "security_group_ids"),
        ("interface[secretsmanager]", "private_dns_enabled"),
        ("lb", "security_groups"),
        ("api_targets", "health_check"),
        ("http", "port"),
        ("cache_subnets", "description"),
        ("cache", "snapshot_retention_limit"),
        ("zone", "comment"),
        ("cache_name", "ttl"),
    ] {
        let changes = plan_entry(&out, address).unwrap_or_else(|| panic!("diff does not name {address}: {out}"));
        assert!(changes.contains(field), "diff of {address} does not name {field}: {changes}");
    }
    assert!(!out.contains(TOKEN), "{out}");

    let out = stackr(&["apply", FILE, "--yes"], 0);
    assert!(!out.contains(TOKEN), "{out}");
    stackr(&["diff", FILE], 0);
    let live = ec2.describe_security_group_rules().security_group_rule_ids(id(&s, "cache_from_api")).send().await;
    assert_eq!(live.unwrap().security_group_rules()[0].description(), Some("the API"));
    let live = ec2.describe_vpc_endpoints().vpc_endpoint_ids(&s3_endpoint).send().await.unwrap();
    assert_eq!(live.vpc_endpoints()[0].route_table_ids(), [id(&s, "routes")]);
    let live = cache.describe_replication_groups().replication_group_id(&group).send().await.unwrap();
    assert_eq!(live.replication_groups()[0].snapshot_retention_limit(), Some(1));
    let live = r53.get_hosted_zone().id(&zone).send().await.unwrap();
    let comment = live.hosted_zone().and_then(|z| z.config()).and_then(|c| c.comment());
    assert_eq!(comment, Some("dev private API names"));
    let text = std::fs::read_to_string(dir.join("state/private-api.json")).unwrap();
    assert!(!text.contains(TOKEN), "the AUTH token is in the state");

    stackr(&["destroy", FILE, "--yes"], 0);
    let tagged = Filter::builder().name("tag:stackr:stack").values("private-api").build();
    let vpcs = ec2.describe_vpcs().filters(tagged.clone()).send().await.unwrap();
    assert!(vpcs.vpcs().is_empty(), "{vpcs:?}");
    let endpoints = ec2.describe_vpc_endpoints().filters(tagged).send().await.unwrap();
    assert!(
        endpoints.vpc_endpoints().iter().all(|e| e.state().is_some_and(|s| s.as_str().eq_ignore_ascii_case("deleted")))
    );
    assert!(elb.describe_load_balancers().send().await.unwrap().load_balancers().is_empty());
    assert!(elb.describe_target_groups().send().await.unwrap().target_groups().is_empty());
    assert!(cache.describe_replication_groups().send().await.unwrap().replication_groups().is_empty());
    assert!(cache.describe_cache_subnet_groups().send().await.unwrap().cache_subnet_groups().is_empty());
    assert!(r53.list_hosted_zones().send().await.unwrap().hosted_zones().is_empty());
    assert_eq!(state(&dir)["resources"].as_object().map(|r| r.len()), Some(0));
    let _ = std::fs::remove_dir_all(&dir);
}

/// At AWS's pace (the local AWS in realistic mode, 60 times faster): the
/// replication group is `creating` for many minutes, the endpoints
/// `pending`, the zone's changes PENDING, the load balancer
/// `provisioning`; stackr waits for each where a dependant needs it (the
/// cache's name needs the group's endpoint) and the stack converges, then
/// is destroyed with nothing left.
#[tokio::test(flavor = "multi_thread")]
async fn private_api_at_aws_pace() {
    let scale = stackr_testkit::REALISTIC_SCALE;
    let moto = stackr_testkit::Moto::start_realistic(scale, "1").expect("realistic moto");
    let dir = workdir("private-api-realistic", &["private-api.yaml"]);
    let url = moto.url().to_string();
    let env = [
        ("STACKR_VAR_cache_auth_token".to_string(), TOKEN.to_string()),
        ("STACKR_TIME_SCALE".to_string(), scale.to_string()),
    ];
    let out = run_with(&dir, &url, &["apply", FILE, "--yes", "--stats"], &env, 0);
    let line = out.lines().find(|l| l.starts_with("In AWS time")).unwrap_or("(no AWS-time figures)");
    println!("realistic apply of private-api: {line}");
    let s = state(&dir);
    let primary = s["resources"]["cache"]["attributes"]["primary_endpoint_address"].as_str().unwrap_or_default();
    assert!(!primary.is_empty(), "the group's endpoint is recorded: {}", s["resources"]["cache"]);
    run_with(&dir, &url, &["diff", FILE], &env, 0);
    run_with(&dir, &url, &["destroy", FILE, "--yes"], &env, 0);
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let cache = aws_sdk_elasticache::Client::new(&config);
    assert!(cache.describe_replication_groups().send().await.unwrap().replication_groups().is_empty());
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let tagged = Filter::builder().name("tag:stackr:stack").values("private-api").build();
    assert!(ec2.describe_vpcs().filters(tagged).send().await.unwrap().vpcs().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
