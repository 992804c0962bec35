//! The data-tier example (network + Aurora + EFS + memcached) through the
//! binary, against the local AWS (a moto server of its own per test):
//! apply, diff exit 0; the Aurora capacity ceiling, a mount target's
//! security groups and the cache's node count changed out of band make diff
//! exit 2 naming each, and apply repair them; destroy leaves nothing
//! (checked with the SDK). And the master password, which RDS keeps in
//! Secrets Manager, appears in no state, plan, output or event stream.

mod common;
use common::*;

use aws_sdk_rds::types::ServerlessV2ScalingConfiguration;
use std::path::Path;

const FILE: &str = "examples/data-tier.yaml";
const STATE: &str = "state/data-tier.json";

fn state(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(dir.join(STATE)).expect("state file")).expect("state JSON")
}

fn id(state: &serde_json::Value, address: &str) -> String {
    state["resources"][address]["id"].as_str().unwrap_or_else(|| panic!("{address} not in state")).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn data_tier_apply_drift_repair_destroy() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("data-tier-cli", &["network.yaml", "data-tier.yaml"]);
    let url = moto.url().to_string();

    run(&dir, &url, &["apply", FILE, "--yes"], 0);
    run(&dir, &url, &["diff", FILE], 0);

    // Changed by hand, as in the console.
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let rds = aws_sdk_rds::Client::new(&config);
    let efs = aws_sdk_efs::Client::new(&config);
    let cache = aws_sdk_elasticache::Client::new(&config);
    let s = state(&dir);
    let cluster = id(&s, "db");
    rds.modify_db_cluster()
        .db_cluster_identifier(&cluster)
        .serverless_v2_scaling_configuration(
            ServerlessV2ScalingConfiguration::builder().min_capacity(0.5).max_capacity(16.0).build(),
        )
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let mount = "efs_mount[ap-northeast-1c]";
    efs.modify_mount_target_security_groups()
        .mount_target_id(id(&s, mount))
        .security_groups(id(&s, "app_sg"))
        .send()
        .await
        .unwrap();
    let cache_id = id(&s, "cache");
    cache
        .modify_cache_cluster()
        .cache_cluster_id(&cache_id)
        .num_cache_nodes(3)
        .apply_immediately(true)
        .send()
        .await
        .unwrap();

    let out = run(&dir, &url, &["diff", FILE], 2);
    for named in ["db", "serverless_v2_scaling", mount, "security_groups", "cache", "num_cache_nodes", "drift"] {
        assert!(out.contains(named), "diff does not name {named}: {out}");
    }
    run(&dir, &url, &["apply", FILE, "--yes"], 0);
    run(&dir, &url, &["diff", FILE], 0);
    let live = rds.describe_db_clusters().db_cluster_identifier(&cluster).send().await.unwrap();
    assert_eq!(live.db_clusters()[0].serverless_v2_scaling_configuration().and_then(|c| c.max_capacity()), Some(4.0));
    let live = efs.describe_mount_target_security_groups().mount_target_id(id(&s, mount)).send().await.unwrap();
    assert_eq!(live.security_groups(), [id(&s, "efs_sg")]);
    let live = cache.describe_cache_clusters().cache_cluster_id(&cache_id).send().await.unwrap();
    assert_eq!(live.cache_clusters()[0].num_cache_nodes(), Some(2));

    run(&dir, &url, &["destroy", FILE, "--yes"], 0);

    // Nothing of the data tier is left.
    let clusters = rds.describe_db_clusters().send().await.unwrap();
    assert!(clusters.db_clusters().is_empty(), "clusters left: {clusters:?}");
    let instances = rds.describe_db_instances().send().await.unwrap();
    assert!(instances.db_instances().is_empty(), "instances left: {instances:?}");
    let groups = rds.describe_db_subnet_groups().send().await.unwrap();
    assert!(
        groups.db_subnet_groups().iter().all(|g| g.db_subnet_group_name() == Some("default")),
        "DB subnet groups left: {groups:?}"
    );
    let systems = efs.describe_file_systems().send().await.unwrap();
    assert!(systems.file_systems().is_empty(), "file systems left: {systems:?}");
    let points = efs.describe_access_points().send().await.unwrap();
    assert!(points.access_points().is_empty(), "access points left: {points:?}");
    let caches = cache.describe_cache_clusters().send().await.unwrap();
    assert!(caches.cache_clusters().is_empty(), "cache clusters left: {caches:?}");
    let groups = cache.describe_cache_subnet_groups().send().await.unwrap();
    assert!(
        groups.cache_subnet_groups().iter().all(|g| g.cache_subnet_group_name() == Some("default")),
        "cache subnet groups left: {groups:?}"
    );
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let vpcs = ec2
        .describe_vpcs()
        .filters(aws_sdk_ec2::types::Filter::builder().name("tag:stackr:stack").values("data-tier").build())
        .send()
        .await
        .unwrap();
    assert!(vpcs.vpcs().is_empty(), "VPC left");
    let left = state(&dir)["resources"].as_object().map_or(0, |r| r.len());
    assert_eq!(left, 0, "state still lists resources");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn master_password_is_never_written() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("data-tier-secret", &["network.yaml", "data-tier.yaml"]);
    let url = moto.url().to_string();
    let mut seen = Vec::new();

    seen.push(run(&dir, &url, &["apply", FILE, "--yes", "--json"], 0));
    let s = state(&dir);
    let arn = s["resources"]["db"]["attributes"]["master_user_secret_arn"]
        .as_str()
        .expect("the secret's ARN is an attribute")
        .to_string();
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let secret = aws_sdk_secretsmanager::Client::new(&config).get_secret_value().secret_id(&arn).send().await.unwrap();
    let doc: serde_json::Value = serde_json::from_str(secret.secret_string().expect("a secret string")).unwrap();
    let password = doc["password"].as_str().expect("a password").to_string();
    assert!(password.len() >= 8, "an implausible password");

    // A plan with the database in it: its capacity changed by hand.
    aws_sdk_rds::Client::new(&config)
        .modify_db_cluster()
        .db_cluster_identifier(id(&s, "db"))
        .serverless_v2_scaling_configuration(
            ServerlessV2ScalingConfiguration::builder().min_capacity(1.0).max_capacity(8.0).build(),
        )
        .apply_immediately(true)
        .send()
        .await
        .unwrap();
    let plan = run(&dir, &url, &["diff", FILE], 2);
    assert!(plan.contains("serverless_v2_scaling"), "{plan}");
    seen.push(plan);
    seen.push(run(&dir, &url, &["diff", FILE, "--json", "--out", "plan.json"], 2));
    seen.push(std::fs::read_to_string(dir.join("plan.json")).expect("saved plan"));
    seen.push(run(&dir, &url, &["apply", FILE, "--yes", "--json"], 0));
    seen.push(run(&dir, &url, &["output", FILE, "--json"], 0));
    let state_text = std::fs::read_to_string(dir.join(STATE)).unwrap();
    assert!(state_text.contains(&arn), "the secret's ARN is in state");
    seen.push(state_text);
    seen.push(run(&dir, &url, &["destroy", FILE, "--yes", "--json"], 0));

    for (i, written) in seen.iter().enumerate() {
        assert!(!written.contains(&password), "the master password is in written text #{i}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
