//! The WordPress stacks' surroundings for end-to-end tests: what a real
//! account already has (state buckets, the hosted zone), the binary run on
//! a copy of `stacks/`, and what a stack left behind.

use super::*;
use std::path::{Path, PathBuf};

pub const REGION: &str = "ap-northeast-1";
pub const ZONE: &str = "training.example.io.";

pub struct Cli {
    pub dir: PathBuf,
    pub endpoint: String,
    /// Extra environment for every run (`STACKR_TIME_SCALE` in realistic mode).
    pub env: Vec<(String, String)>,
}

impl Cli {
    /// Runs and checks the exit code; returns stdout and stderr.
    pub fn expect(&self, code: i32, args: &[&str]) -> String {
        run_with(&self.dir, &self.endpoint, args, &self.env, code)
    }

    /// An attribute of a resource in the stack's state.
    pub fn state(&self, stack: &str, address: &str) -> serde_json::Value {
        let out = self.expect(0, &["state", "show", stack, address]);
        let json = out.split("stdout:\n").nth(1).and_then(|s| s.split("\nstderr:").next()).unwrap_or_default();
        serde_json::from_str(json).unwrap_or_else(|e| panic!("state show {address}: {e}: {out}"))
    }

    pub fn id(&self, stack: &str, address: &str) -> String {
        self.state(stack, address)["id"].as_str().expect("an id").to_string()
    }
}

/// Copies a folder with its subfolders (the stacks' components).
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let kind = e.file_type().unwrap();
        if kind.is_file() {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        } else if kind.is_dir() {
            copy_dir(&e.path(), &to.join(e.file_name()));
        }
    }
}

/// What a real account already has: the state buckets and the zone.
pub async fn account(config: &aws_config::SdkConfig) {
    let s3 = aws_sdk_s3::Client::from_conf(aws_sdk_s3::config::Builder::from(config).force_path_style(true).build());
    for env in ["dev", "prod"] {
        create_bucket(&s3, &format!("training-example-stackr-state-{env}"), REGION).await;
    }
    route53(config).create_hosted_zone().name(ZONE).caller_reference("wordpress-cli").send().await.expect("zone");
}

pub fn route53(config: &aws_config::SdkConfig) -> aws_sdk_route53::Client {
    aws_sdk_route53::Client::from_conf(
        aws_sdk_route53::config::Builder::from(config)
            .region(aws_sdk_route53::config::Region::new("us-east-1"))
            .build(),
    )
}

/// Resources still tagged with `stack` in `region`. A deleted NAT gateway
/// stays listed as `deleted`, and deleted ECS clusters and services as
/// `INACTIVE`, for a while, in AWS as in moto: they are not left over.
pub async fn leftovers(config: &aws_config::SdkConfig, region: &str, stack: &str) -> Vec<String> {
    let conf = aws_sdk_resourcegroupstagging::config::Builder::from(config)
        .region(aws_sdk_resourcegroupstagging::config::Region::new(region.to_string()))
        .build();
    let tagging = aws_sdk_resourcegroupstagging::Client::from_conf(conf);
    let ec2 = aws_sdk_ec2::Client::from_conf(
        aws_sdk_ec2::config::Builder::from(config).region(aws_sdk_ec2::config::Region::new(region.to_string())).build(),
    );
    let left = tagging
        .get_resources()
        .tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder().key("stackr:stack").values(stack).build(),
        )
        .send()
        .await
        .expect("tagging");
    let mut arns = Vec::new();
    for arn in left.resource_tag_mapping_list().iter().filter_map(|m| m.resource_arn()) {
        if let Some(id) = arn.split("natgateway/").nth(1) {
            let nat = ec2.describe_nat_gateways().nat_gateway_ids(id).send().await.expect("NAT");
            if nat.nat_gateways().iter().all(|n| n.state().is_some_and(|s| s.as_str() == "deleted")) {
                continue;
            }
        }
        if arn.contains(":ecs:") && ecs_inactive(config, region, arn).await {
            continue;
        }
        arns.push(arn.to_string());
    }
    arns
}

pub async fn ecs_inactive(config: &aws_config::SdkConfig, region: &str, arn: &str) -> bool {
    let ecs = aws_sdk_ecs::Client::from_conf(
        aws_sdk_ecs::config::Builder::from(config).region(aws_sdk_ecs::config::Region::new(region.to_string())).build(),
    );
    if arn.contains(":cluster/") {
        let out = ecs.describe_clusters().clusters(arn).send().await.expect("clusters");
        return out.clusters().iter().all(|c| c.status() == Some("INACTIVE"));
    }
    if let Some(rest) = arn.split(":service/").nth(1) {
        let cluster = rest.split('/').next().unwrap_or_default();
        let out = ecs.describe_services().cluster(cluster).services(arn).send().await;
        return out.map(|o| o.services().iter().all(|s| s.status() == Some("INACTIVE"))).unwrap_or(true);
    }
    false
}
