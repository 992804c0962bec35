//! The dual-stack network of examples/network.yaml, end to end on moto:
//! apply, an empty plan, a route deleted out of band shown as drift of its
//! route table and restored, and a destroy that leaves no EC2 resource
//! tagged with the stack.

mod common;
use common::*;
use stackr_engine::plan::{Action, Cause};

const STACK: &str = include_str!("../../../examples/network.yaml");

fn ours(tags: &[aws_sdk_ec2::types::Tag]) -> bool {
    tags.iter().any(|t| t.key() == Some("stackr:stack") && t.value() == Some("network"))
}

/// Every EC2 resource still carrying the stack's tag, as "kind id".
async fn leftovers(client: &aws_sdk_ec2::Client) -> Vec<String> {
    let f = || aws_sdk_ec2::types::Filter::builder().name("tag:stackr:stack").values("network").build();
    let mut out = Vec::new();
    for v in client.describe_vpcs().filters(f()).send().await.unwrap().vpcs() {
        out.push(format!("vpc {}", v.vpc_id().unwrap_or_default()));
    }
    for s in client.describe_subnets().filters(f()).send().await.unwrap().subnets() {
        out.push(format!("subnet {}", s.subnet_id().unwrap_or_default()));
    }
    for g in client.describe_internet_gateways().filters(f()).send().await.unwrap().internet_gateways() {
        out.push(format!("internet gateway {}", g.internet_gateway_id().unwrap_or_default()));
    }
    // moto ignores filters here: the tags are checked on our side.
    let eigws = client.describe_egress_only_internet_gateways().send().await.unwrap();
    for g in eigws.egress_only_internet_gateways().iter().filter(|g| ours(g.tags())) {
        out.push(format!("egress-only gateway {}", g.egress_only_internet_gateway_id().unwrap_or_default()));
    }
    let nats = client.describe_nat_gateways().send().await.unwrap();
    for g in nats.nat_gateways().iter().filter(|g| ours(g.tags())) {
        if g.state() != Some(&aws_sdk_ec2::types::NatGatewayState::Deleted) {
            out.push(format!("NAT gateway {}", g.nat_gateway_id().unwrap_or_default()));
        }
    }
    for a in client.describe_addresses().filters(f()).send().await.unwrap().addresses() {
        out.push(format!("Elastic IP {}", a.allocation_id().unwrap_or_default()));
    }
    for t in client.describe_route_tables().filters(f()).send().await.unwrap().route_tables() {
        out.push(format!("route table {}", t.route_table_id().unwrap_or_default()));
    }
    for g in client.describe_security_groups().filters(f()).send().await.unwrap().security_groups() {
        out.push(format!("security group {}", g.group_id().unwrap_or_default()));
    }
    out
}

#[tokio::test]
async fn network() {
    let h = harness("network");
    let s = stack(STACK, &[]);
    let applied = h.apply(&s).await;
    assert_eq!(applied.state.resources.len(), 30, "every instance is in state");
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "not up to date right after apply: {:#?}", plan.steps);

    // Someone deletes the IPv6 default route of one private table.
    let table = "private_routes[ap-northeast-1a]";
    let rtb = h.id_of(&applied, table);
    let client = h.ec2();
    client.delete_route().route_table_id(&rtb).destination_ipv6_cidr_block("::/0").send().await.unwrap();
    let plan = h.plan(&s).await;
    assert_eq!(plan.steps.len(), 1, "only the route table changes: {:#?}", plan.steps);
    let step = &plan.steps[0];
    assert_eq!(step.address, table);
    assert_eq!(step.action, Action::Update);
    assert_eq!(step.cause, Cause::Drift);
    assert!(step.changes.iter().any(|c| c.field == "routes" && c.drift), "{step:?}");
    h.apply(&s).await;
    let live = client.describe_route_tables().route_table_ids(&rtb).send().await.unwrap();
    assert!(
        live.route_tables()[0].routes().iter().any(|r| r.destination_ipv6_cidr_block() == Some("::/0")),
        "the route is back"
    );
    assert!(h.plan(&s).await.is_empty(), "not up to date after repair");

    h.destroy("network").await;
    let left = leftovers(&client).await;
    assert!(left.is_empty(), "left behind after destroy: {left:?}");
}
