//! stackr against the local AWS in realistic mode (`stackr_moto
//! --realistic`, 60 times AWS's pace): every resource takes AWS's time to
//! be ready or gone and is refused what AWS refuses meanwhile, and stackr
//! is told the same scale (`STACKR_TIME_SCALE`) so its waits and timeouts
//! keep AWS's time.
//!
//! - The WordPress prod stack: apply, diff (exit 0), destroy with nothing
//!   left; the run's wall time in AWS minutes is printed beside its
//!   critical-path bound; attributes AWS gives only once a resource is
//!   ready (an Aurora instance's endpoint) are in state after apply.
//! - A 1-minute create timeout on an Aurora cluster (which takes minutes)
//!   fails with the message naming the resource, its last status and the
//!   setting to raise.

mod common;
use common::wordpress::*;

use std::path::Path;

const SCALE: f64 = stackr_testkit::REALISTIC_SCALE;

fn realistic_cli(moto: &stackr_testkit::Moto, name: &str) -> Cli {
    let dir = std::env::temp_dir().join(format!("stackr-realistic-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    Cli { dir, endpoint: moto.url().to_string(), env: vec![("STACKR_TIME_SCALE".into(), SCALE.to_string())] }
}

/// The line `--stats` prints in realistic mode: the run and its
/// critical-path bound in AWS minutes.
fn report(what: &str, out: &str) {
    let line = out.lines().find(|l| l.starts_with("In AWS time")).unwrap_or("(no AWS-time figures printed)");
    println!("realistic {what}: {line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wordpress_prod_in_aws_time() {
    let moto = stackr_testkit::Moto::start_realistic(SCALE, "1").expect("realistic moto");
    let cli = realistic_cli(&moto, "prod");
    copy_dir(Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/stacks")), &cli.dir.join("stacks"));
    let config = stackr_testkit::sdk_config(&moto, REGION);
    account(&config).await;
    let prod = "stacks/prod.yaml";

    let out = cli.expect(0, &["apply", prod, "--yes", "--stats", "--var", "deletion_protection=false"]);
    report("apply of prod", &out);
    cli.expect(0, &["diff", prod, "--var", "deletion_protection=false"]);
    // An instance has its endpoint only once available: state has it from
    // the read made when it became ready, not only after a refresh.
    let writer = cli.state(prod, "db_instance[0]");
    let endpoint = writer["attributes"]["endpoint"].as_str().unwrap_or_default();
    assert!(!endpoint.is_empty(), "the writer's endpoint is recorded: {writer}");

    let out = cli.expect(
        0,
        &["destroy", prod, "--yes", "--stats", "--allow-protected", "db", "efs", "--var", "deletion_protection=false"],
    );
    report("destroy of prod", &out);
    let mut left = leftovers(&config, REGION, "wordpress-prod").await;
    left.retain(|a| !a.ends_with(":cluster-snapshot:prod-wordpress-final"));
    left.extend(leftovers(&config, "us-east-1", "wordpress-prod").await);
    assert!(left.is_empty(), "left behind: {left:?}");
    let _ = std::fs::remove_dir_all(&cli.dir);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_short_create_timeout_names_the_resource_status_and_setting() {
    let moto = stackr_testkit::Moto::start_realistic(SCALE, "2").expect("realistic moto");
    let cli = realistic_cli(&moto, "timeout");
    std::fs::write(
        cli.dir.join("db.yaml"),
        r#"
stack: realistic-timeout
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.9.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    for_each: [ap-northeast-1a, ap-northeast-1c]
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ${each.value}
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, each.index)}
  db_subnets:
    type: aws.rds.db_subnet_group
    properties: { name: timeout-db, description: timeout test, subnet_ids: "${subnet[*].id}" }
  db:
    type: aws.rds.db_cluster
    properties:
      cluster_identifier: timeout-db
      engine: aurora-mysql
      master_username: admin
      manage_master_user_password: true
      db_subnet_group_name: ${db_subnets.id}
      skip_final_snapshot: true
    lifecycle: { timeouts: { create: 1m } }
"#,
    )
    .unwrap();
    let out = cli.expect(1, &["apply", "db.yaml", "--yes"]);
    for part in ["db", "create timed out after 1m (its lifecycle.timeouts)", "creating", "timeouts: { create:"] {
        assert!(out.contains(part), "the timeout message says `{part}`:\n{out}");
    }
    // What was made is in state: a longer timeout picks it up, no duplicate.
    std::fs::write(
        cli.dir.join("db.yaml"),
        std::fs::read_to_string(cli.dir.join("db.yaml")).unwrap().replace("create: 1m", "create: 60m"),
    )
    .unwrap();
    cli.expect(0, &["apply", "db.yaml", "--yes"]);
    cli.expect(0, &["diff", "db.yaml"]);
    // A destroy (run from state) keeps to the stack's delete timeout too.
    let text = std::fs::read_to_string(cli.dir.join("db.yaml")).unwrap();
    std::fs::write(cli.dir.join("db.yaml"), text.replace("create: 60m", "create: 60m, delete: 1m")).unwrap();
    let out = cli.expect(1, &["destroy", "db.yaml", "--yes"]);
    assert!(out.contains("delete timed out after 1m (its lifecycle.timeouts)"), "{out}");
    std::fs::write(cli.dir.join("db.yaml"), text).unwrap();
    cli.expect(0, &["destroy", "db.yaml", "--yes"]);
    let _ = std::fs::remove_dir_all(&cli.dir);
}
