//! The network example through the binary, against the local AWS (a moto
//! server of its own): apply, diff exit 0, a route deleted out of band makes
//! diff exit 2 and apply restore it, destroy leaves no stack-tagged
//! resource (checked with the Resource Groups Tagging API and Describe).

mod common;
use common::*;

#[tokio::test(flavor = "multi_thread")]
async fn network_apply_drift_repair_destroy() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("network-cli", &["network.yaml"]);
    let f = "examples/network.yaml";
    let url = moto.url().to_string();

    let o = stackr(&dir, &url, &["apply", f, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let o = stackr(&dir, &url, &["diff", f]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Delete the private IPv6 default route of one zone, as a console user would.
    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let ec2 = aws_sdk_ec2::Client::new(&config);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("state/network.json")).unwrap()).unwrap();
    let table = "private_routes[ap-northeast-1a]";
    let rtb = state["resources"][table]["id"].as_str().expect("route table in state").to_string();
    ec2.delete_route().route_table_id(&rtb).destination_ipv6_cidr_block("::/0").send().await.unwrap();

    let o = stackr(&dir, &url, &["diff", f]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains(table) && text(&o).contains("drift"), "{}", text(&o));
    let o = stackr(&dir, &url, &["apply", f, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let live = ec2.describe_route_tables().route_table_ids(&rtb).send().await.unwrap();
    assert!(
        live.route_tables()[0].routes().iter().any(|r| r.destination_ipv6_cidr_block() == Some("::/0")),
        "route restored"
    );
    let o = stackr(&dir, &url, &["diff", f]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    let o = stackr(&dir, &url, &["destroy", f, "--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));

    // Nothing tagged with the stack is left.
    let tagging = aws_sdk_resourcegroupstagging::Client::new(&config);
    let left = tagging
        .get_resources()
        .tag_filters(
            aws_sdk_resourcegroupstagging::types::TagFilter::builder().key("stackr:stack").values("network").build(),
        )
        .send()
        .await
        .unwrap();
    // A deleted NAT gateway stays listed (state `deleted`) for a while, in
    // AWS as in moto: it is gone, not left behind.
    let mut arns = Vec::new();
    for arn in left.resource_tag_mapping_list().iter().filter_map(|m| m.resource_arn()) {
        if let Some(id) = arn.strip_prefix("arn:aws:ec2:ap-northeast-1:").and_then(|r| r.split("natgateway/").nth(1)) {
            let nat = ec2.describe_nat_gateways().nat_gateway_ids(id).send().await.unwrap();
            if nat.nat_gateways().iter().all(|n| n.state().is_some_and(|s| s.as_str() == "deleted")) {
                continue;
            }
        }
        arns.push(arn.to_string());
    }
    assert!(arns.is_empty(), "left behind: {arns:?}");
    let vpcs = ec2
        .describe_vpcs()
        .filters(aws_sdk_ec2::types::Filter::builder().name("tag:stackr:stack").values("network").build())
        .send()
        .await
        .unwrap();
    assert!(vpcs.vpcs().is_empty());
    let _ = std::fs::remove_dir_all(&dir);
}
