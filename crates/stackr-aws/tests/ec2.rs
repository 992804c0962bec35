//! Conformance: EC2 networking, on moto. Out-of-band changes are made with
//! the SDK, as a person in the console would.

mod common;
use common::*;

/// Removes the stack tag `suite` from a resource.
async fn untag(client: aws_sdk_ec2::Client, id: &str) {
    client
        .delete_tags()
        .resources(id)
        .tags(aws_sdk_ec2::types::Tag::builder().key("suite").build())
        .send()
        .await
        .expect("DeleteTags");
}

#[tokio::test]
async fn vpc() {
    let stack = r#"
stack: conf-vpc
region: ap-northeast-1
tags: { suite: conformance }
vars:
  cidr: { type: string, default: 10.10.0.0/16 }
resources:
  subject:
    type: aws.ec2.vpc
    properties: { cidr_block: "${var.cidr}", ipv6: true, enable_dns_hostnames: true, enable_dns_support: true }
  subnet:
    type: aws.ec2.subnet
    properties:
      vpc_id: ${subject.id}
      availability_zone: ap-northeast-1a
      cidr_block: ${cidrsubnet(subject.cidr_block, 8, 1)}
"#;
    conformance(
        "ec2-vpc",
        Case {
            kind: "aws.ec2.vpc",
            stack: stack.into(),
            mutations: vec![
                (
                    "enable_dns_hostnames",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        client
                            .modify_vpc_attribute()
                            .vpc_id(&id)
                            .enable_dns_hostnames(
                                aws_sdk_ec2::types::AttributeBooleanValue::builder().value(false).build(),
                            )
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "ipv6",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let vpcs = client.describe_vpcs().vpc_ids(&id).send().await.unwrap();
                        let assoc =
                            vpcs.vpcs()[0].ipv6_cidr_block_association_set()[0].association_id().unwrap().to_string();
                        client.disassociate_vpc_cidr_block().association_id(assoc).send().await.unwrap();
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h.ec2(), &id).await)),
            ],
            replace: Some(("cidr", "10.11.0.0/16", Some("subnet"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn subnet() {
    let stack = r#"
stack: conf-subnet
region: ap-northeast-1
tags: { suite: conformance }
vars:
  index: { type: number, default: 1 }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.20.0.0/16, ipv6: true }
  subject:
    type: aws.ec2.subnet
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ap-northeast-1c
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, var.index)}
      ipv6_cidr_block: ${cidrsubnet(vpc.ipv6_cidr_block, 8, var.index)}
      map_public_ip_on_launch: true
      assign_ipv6_address_on_creation: true
  rtb:
    type: aws.ec2.route_table
    properties: { vpc_id: "${vpc.id}" }
  assoc:
    type: aws.ec2.route_table_association
    properties: { subnet_id: "${subject.id}", route_table_id: "${rtb.id}" }
"#;
    conformance(
        "ec2-subnet",
        Case {
            kind: "aws.ec2.subnet",
            stack: stack.into(),
            mutations: vec![
                (
                    "map_public_ip_on_launch",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        client
                            .modify_subnet_attribute()
                            .subnet_id(&id)
                            .map_public_ip_on_launch(
                                aws_sdk_ec2::types::AttributeBooleanValue::builder().value(false).build(),
                            )
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "assign_ipv6_address_on_creation",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        client
                            .modify_subnet_attribute()
                            .subnet_id(&id)
                            .assign_ipv6_address_on_creation(
                                aws_sdk_ec2::types::AttributeBooleanValue::builder().value(false).build(),
                            )
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "ipv6_cidr_block",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let subnets = client.describe_subnets().subnet_ids(&id).send().await.unwrap();
                        let assoc = subnets.subnets()[0].ipv6_cidr_block_association_set()[0]
                            .association_id()
                            .unwrap()
                            .to_string();
                        client.disassociate_subnet_cidr_block().association_id(assoc).send().await.unwrap();
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h.ec2(), &id).await)),
            ],
            replace: Some(("index", "2", Some("assoc"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

#[tokio::test]
async fn internet_gateway() {
    let stack = r#"
stack: conf-igw
region: ap-northeast-1
tags: { suite: conformance }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.30.0.0/16 }
  subject:
    type: aws.ec2.internet_gateway
    properties: { vpc_id: "${vpc.id}" }
"#;
    conformance(
        "ec2-igw",
        Case {
            kind: "aws.ec2.internet_gateway",
            stack: stack.into(),
            mutations: vec![
                (
                    "vpc_id",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let igw = client.describe_internet_gateways().internet_gateway_ids(&id).send().await.unwrap();
                        let vpc = igw.internet_gateways()[0].attachments()[0].vpc_id().unwrap().to_string();
                        client.detach_internet_gateway().internet_gateway_id(&id).vpc_id(vpc).send().await.unwrap();
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h.ec2(), &id).await)),
            ],
            replace: None,
            twice: Twice::Another,
        },
    )
    .await;
}

/// Moving a gateway to another VPC detaches and attaches it, in place.
#[tokio::test]
async fn internet_gateway_moves() {
    let text = r#"
stack: conf-igw-move
region: ap-northeast-1
vars:
  to: { type: string, default: a }
resources:
  a:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.32.0.0/16 }
  b:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.33.0.0/16 }
  igw:
    type: aws.ec2.internet_gateway
    properties: { vpc_id: "${var.to == \"a\" ? a.id : b.id}" }
"#;
    let h = harness("ec2-igw-move");
    let applied = h.apply(&stack(text, &[])).await;
    let igw = h.id_of(&applied, "igw");
    let moved = stack(text, &[("to", "b")]);
    let plan = h.plan(&moved).await;
    let step = plan.steps.iter().find(|s| s.address == "igw").expect("a step for the gateway");
    assert_eq!(step.action, stackr_engine::plan::Action::Update, "{step:?}");
    let applied = h.apply(&moved).await;
    assert_eq!(h.id_of(&applied, "igw"), igw, "the gateway was replaced");
    let live = h.ec2().describe_internet_gateways().internet_gateway_ids(&igw).send().await.unwrap();
    let vpcs: Vec<&str> = live.internet_gateways()[0].attachments().iter().filter_map(|a| a.vpc_id()).collect();
    assert_eq!(vpcs, vec![h.id_of(&applied, "b").as_str()]);
    assert!(h.plan(&moved).await.is_empty());
    h.destroy("conf-igw-move").await;
}

#[tokio::test]
async fn egress_only_internet_gateway() {
    let stack = r#"
stack: conf-eigw
region: ap-northeast-1
tags: { suite: conformance }
vars:
  cidr: { type: string, default: 10.40.0.0/16 }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: "${var.cidr}", ipv6: true }
  subject:
    type: aws.ec2.egress_only_internet_gateway
    properties: { vpc_id: "${vpc.id}" }
  private:
    type: aws.ec2.route_table
    properties:
      vpc_id: ${vpc.id}
      routes:
        - { destination_ipv6_cidr_block: "::/0", egress_only_gateway_id: "${subject.id}" }
"#;
    conformance(
        "ec2-eigw",
        Case {
            kind: "aws.ec2.egress_only_internet_gateway",
            stack: stack.into(),
            mutations: vec![("tags", mutation!(|h, id| untag(h.ec2(), &id).await))],
            replace: Some(("cidr", "10.41.0.0/16", Some("private"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// Two VPCs, each with an internet gateway, an egress-only gateway and a
/// subnet; `which` picks the one the table under test lives in.
const TWO_VPCS: &str = r#"
  vpc_a:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.50.0.0/16, ipv6: true }
  vpc_b:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.51.0.0/16, ipv6: true }
  igw_a:
    type: aws.ec2.internet_gateway
    properties: { vpc_id: "${vpc_a.id}" }
  igw_b:
    type: aws.ec2.internet_gateway
    properties: { vpc_id: "${vpc_b.id}" }
  eigw_a:
    type: aws.ec2.egress_only_internet_gateway
    properties: { vpc_id: "${vpc_a.id}" }
  eigw_b:
    type: aws.ec2.egress_only_internet_gateway
    properties: { vpc_id: "${vpc_b.id}" }
  subnet_a:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc_a.id}", cidr_block: 10.50.1.0/24, availability_zone: ap-northeast-1a }
  subnet_b:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc_b.id}", cidr_block: 10.51.1.0/24, availability_zone: ap-northeast-1a }
"#;

#[tokio::test]
async fn route_table() {
    let stack = format!(
        r#"
stack: conf-rtb
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  which: {{ type: string, default: a }}
resources:{TWO_VPCS}
  subject:
    type: aws.ec2.route_table
    properties:
      vpc_id: '${{var.which == "a" ? vpc_a.id : vpc_b.id}}'
      routes:
        - destination_cidr_block: 0.0.0.0/0
          gateway_id: '${{var.which == "a" ? igw_a.id : igw_b.id}}'
        - destination_cidr_block: 192.168.0.0/16
          gateway_id: '${{var.which == "a" ? igw_a.id : igw_b.id}}'
        - destination_ipv6_cidr_block: "::/0"
          egress_only_gateway_id: '${{var.which == "a" ? eigw_a.id : eigw_b.id}}'
  assoc:
    type: aws.ec2.route_table_association
    properties:
      subnet_id: '${{var.which == "a" ? subnet_a.id : subnet_b.id}}'
      route_table_id: ${{subject.id}}
"#
    );
    conformance(
        "ec2-rtb",
        Case {
            kind: "aws.ec2.route_table",
            stack,
            mutations: vec![
                // A route deleted in the console.
                (
                    "routes",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        client
                            .delete_route()
                            .route_table_id(&id)
                            .destination_ipv6_cidr_block("::/0")
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                // A route added in the console.
                (
                    "routes",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let t = client.describe_route_tables().route_table_ids(&id).send().await.unwrap();
                        let igw = t.route_tables()[0]
                            .routes()
                            .iter()
                            .find_map(|r| r.gateway_id().filter(|g| g.starts_with("igw-")))
                            .unwrap()
                            .to_string();
                        client
                            .create_route()
                            .route_table_id(&id)
                            .destination_cidr_block("172.16.0.0/12")
                            .gateway_id(igw)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                // An IPv4 route deleted in the console.
                (
                    "routes",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        client
                            .delete_route()
                            .route_table_id(&id)
                            .destination_cidr_block("192.168.0.0/16")
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h.ec2(), &id).await)),
            ],
            replace: Some(("which", "b", Some("assoc"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn route_table_association() {
    let text = r#"
stack: conf-rtbassoc
region: ap-northeast-1
tags: { suite: conformance }
vars:
  which: { type: string, default: a }
  table: { type: string, default: a }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.60.0.0/16 }
  subnet_a:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", cidr_block: 10.60.1.0/24, availability_zone: ap-northeast-1a }
  subnet_b:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", cidr_block: 10.60.2.0/24, availability_zone: ap-northeast-1c }
  rtb_a:
    type: aws.ec2.route_table
    properties: { vpc_id: "${vpc.id}" }
  rtb_b:
    type: aws.ec2.route_table
    properties: { vpc_id: "${vpc.id}" }
  subject:
    type: aws.ec2.route_table_association
    properties:
      subnet_id: '${var.which == "a" ? subnet_a.id : subnet_b.id}'
      route_table_id: '${var.table == "a" ? rtb_a.id : rtb_b.id}'
"#;
    conformance(
        "ec2-rtbassoc",
        Case {
            kind: "aws.ec2.route_table_association",
            stack: text.into(),
            mutations: vec![(
                // The subnet moved to the other table in the console (the
                // association gets a new id; stackr moves it back).
                "route_table_id",
                mutation!(|h, id| {
                    let client = h.ec2();
                    let tables = client.describe_route_tables().send().await.unwrap();
                    let mine = tables
                        .route_tables()
                        .iter()
                        .find(|t| t.associations().iter().any(|a| a.route_table_association_id() == Some(id.as_str())))
                        .unwrap();
                    let other = tables
                        .route_tables()
                        .iter()
                        .find(|t| {
                            t.vpc_id() == mine.vpc_id()
                                && t.route_table_id() != mine.route_table_id()
                                && !t.associations().iter().any(|a| a.main() == Some(true))
                        })
                        .unwrap();
                    client
                        .replace_route_table_association()
                        .association_id(&id)
                        .route_table_id(other.route_table_id().unwrap())
                        .send()
                        .await
                        .unwrap();
                }),
            )],
            replace: Some(("which", "b", None)),
            twice: Twice::Retry,
        },
    )
    .await;

    // A new table for the same subnet: in place, with a new association id.
    let h = harness("ec2-rtbassoc-move");
    let text = text.replace("conf-rtbassoc", "conf-rtbassoc-move");
    let applied = h.apply(&stack(&text, &[])).await;
    let before = h.id_of(&applied, "subject");
    let moved = stack(&text, &[("table", "b")]);
    let plan = h.plan(&moved).await;
    let step = plan.steps.iter().find(|s| s.address == "subject").expect("a step");
    assert_eq!(step.action, stackr_engine::plan::Action::Update, "{step:?}");
    let applied = h.apply(&moved).await;
    let after = h.id_of(&applied, "subject");
    assert_ne!(before, after, "ReplaceRouteTableAssociation gives a new id");
    assert_eq!(applied.state.resources["subject"].properties["route_table_id"], h.id_of(&applied, "rtb_b").as_str());
    assert!(h.plan(&moved).await.is_empty());
    h.destroy("conf-rtbassoc-move").await;
}

#[tokio::test]
async fn security_group() {
    let stack = r#"
stack: conf-sg
region: ap-northeast-1
tags: { suite: conformance }
vars:
  name: { type: string, default: web }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.70.0.0/16, ipv6: true }
  peer:
    type: aws.ec2.security_group
    properties: { name: conf-peer, description: a peer, vpc_id: "${vpc.id}" }
  subject:
    type: aws.ec2.security_group
    lifecycle: { create_before_destroy: true }
    properties:
      name: conf-${var.name}
      description: the web tier
      vpc_id: ${vpc.id}
      ingress:
        - { protocol: "-1", self: true }
        - { protocol: tcp, from_port: 80, to_port: 80, source_security_group_id: "${peer.id}" }
        - { protocol: tcp, from_port: 443, to_port: 443, cidr_ipv4: 0.0.0.0/0, description: https over IPv4 }
        - { protocol: tcp, from_port: 443, to_port: 443, cidr_ipv6: "::/0" }
      egress:
        - { protocol: tcp, from_port: 443, to_port: 443, cidr_ipv4: 0.0.0.0/0 }
        - { protocol: tcp, from_port: 443, to_port: 443, cidr_ipv6: "::/0" }
  app:
    type: aws.ec2.security_group
    properties:
      name: conf-app
      description: the app tier
      vpc_id: ${vpc.id}
      ingress:
        - { protocol: tcp, from_port: 8080, to_port: 8080, source_security_group_id: "${subject.id}" }
"#;
    use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range};
    conformance(
        "ec2-sg",
        Case {
            kind: "aws.ec2.security_group",
            stack: stack.into(),
            mutations: vec![
                // A rule revoked in the console.
                (
                    "ingress",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let p = IpPermission::builder()
                            .ip_protocol("tcp")
                            .from_port(443)
                            .to_port(443)
                            .ipv6_ranges(Ipv6Range::builder().cidr_ipv6("::/0").build())
                            .build();
                        client.revoke_security_group_ingress().group_id(&id).ip_permissions(p).send().await.unwrap();
                    }),
                ),
                // A rule added in the console.
                (
                    "ingress",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let p = IpPermission::builder()
                            .ip_protocol("tcp")
                            .from_port(22)
                            .to_port(22)
                            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                            .build();
                        client.authorize_security_group_ingress().group_id(&id).ip_permissions(p).send().await.unwrap();
                    }),
                ),
                // A rule's description edited in the console.
                (
                    "ingress",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let p = IpPermission::builder()
                            .ip_protocol("tcp")
                            .from_port(443)
                            .to_port(443)
                            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").description("edited").build())
                            .build();
                        client
                            .update_security_group_rule_descriptions_ingress()
                            .group_id(&id)
                            .ip_permissions(p)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                // AWS's default allow-all egress put back in the console.
                (
                    "egress",
                    mutation!(|h, id| {
                        let client = h.ec2();
                        let p = IpPermission::builder()
                            .ip_protocol("-1")
                            .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                            .build();
                        client.authorize_security_group_egress().group_id(&id).ip_permissions(p).send().await.unwrap();
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h.ec2(), &id).await)),
            ],
            replace: Some(("name", "web2", Some("app"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn eip() {
    // Every replace-only property of an address (domain, pool, border
    // group) has one possible value on moto: no replacement case.
    let stack = r#"
stack: conf-eip
region: ap-northeast-1
tags: { suite: conformance }
resources:
  subject:
    type: aws.ec2.eip
    properties: { domain: vpc }
"#;
    conformance(
        "ec2-eip",
        Case {
            kind: "aws.ec2.eip",
            stack: stack.into(),
            mutations: vec![("tags", mutation!(|h, id| untag(h.ec2(), &id).await))],
            replace: None,
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn nat_gateway() {
    let stack = r#"
stack: conf-nat
region: ap-northeast-1
tags: { suite: conformance }
vars:
  which: { type: string, default: a }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.80.0.0/16 }
  igw:
    type: aws.ec2.internet_gateway
    properties: { vpc_id: "${vpc.id}" }
  subnet_a:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", cidr_block: 10.80.0.0/24, availability_zone: ap-northeast-1a }
  subnet_b:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", cidr_block: 10.80.1.0/24, availability_zone: ap-northeast-1c }
  eip_a:
    type: aws.ec2.eip
    properties: { domain: vpc }
  eip_b:
    type: aws.ec2.eip
    properties: { domain: vpc }
  subject:
    type: aws.ec2.nat_gateway
    properties:
      subnet_id: '${var.which == "a" ? subnet_a.id : subnet_b.id}'
      allocation_id: '${var.which == "a" ? eip_a.id : eip_b.id}'
      connectivity_type: public
  private:
    type: aws.ec2.route_table
    properties:
      vpc_id: ${vpc.id}
      routes:
        - { destination_cidr_block: 0.0.0.0/0, nat_gateway_id: "${subject.id}" }
"#;
    conformance(
        "ec2-nat",
        Case {
            kind: "aws.ec2.nat_gateway",
            stack: stack.into(),
            mutations: vec![("tags", mutation!(|h, id| untag(h.ec2(), &id).await))],
            replace: Some(("which", "b", Some("private"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// Without `egress`, a group's outbound rules are AWS's and the console's:
/// the default allow-all stays, and a rule added out of band is not drift.
#[tokio::test]
async fn security_group_egress_left_alone() {
    let text = r#"
stack: conf-sg-egress
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.71.0.0/16 }
  sg:
    type: aws.ec2.security_group
    properties:
      name: no-egress-given
      description: ingress only
      vpc_id: ${vpc.id}
      ingress:
        - { protocol: tcp, from_port: 443, to_port: 443, cidr_ipv4: 0.0.0.0/0 }
"#;
    use aws_sdk_ec2::types::{IpPermission, IpRange};
    let h = harness("ec2-sg-egress");
    let s = stack(text, &[]);
    let applied = h.apply(&s).await;
    let id = h.id_of(&applied, "sg");
    let client = h.ec2();
    let egress = |g: &aws_sdk_ec2::operation::describe_security_groups::DescribeSecurityGroupsOutput| {
        g.security_groups()[0].ip_permissions_egress().to_vec()
    };
    let live = client.describe_security_groups().group_ids(&id).send().await.unwrap();
    assert!(
        egress(&live)
            .iter()
            .any(|p| p.ip_protocol() == Some("-1") && p.ip_ranges().iter().any(|r| r.cidr_ip() == Some("0.0.0.0/0"))),
        "AWS's default allow-all egress is kept: {:?}",
        egress(&live)
    );
    let p = IpPermission::builder()
        .ip_protocol("tcp")
        .from_port(5432)
        .to_port(5432)
        .ip_ranges(IpRange::builder().cidr_ip("10.71.0.0/16").build())
        .build();
    client.authorize_security_group_egress().group_id(&id).ip_permissions(p).send().await.unwrap();
    assert!(h.plan(&s).await.is_empty(), "egress the stack does not set is not compared");
    h.destroy("conf-sg-egress").await;
}

/// After a crash between create and state write, `find` adopts what the
/// create made (by the stackr tags), never an id already in state, and a
/// create retried with a new token returns it rather than making another.
#[tokio::test]
async fn find_adopts_by_tags() {
    use stackr_core::value::Value;
    use stackr_engine::reconciler::{CreateRequest, DeleteRequest, FindRequest, Target};
    let h = harness("ec2-find");
    let vpcs = h.providers.get("aws.ec2.vpc").unwrap().clone();
    let eigws = h.providers.get("aws.ec2.egress_only_internet_gateway").unwrap().clone();
    let target = |address: &str| Target { stack: "conf-find".into(), address: address.into(), region: REGION.into() };
    let tags = |address: &str| {
        [("stackr:stack", "conf-find"), ("stackr:resource", address)]
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let vpc_props: stackr_engine::reconciler::Props =
        [("cidr_block".to_string(), Value::String("10.90.0.0/16".into()))].into();
    let vpc = vpcs
        .create(&CreateRequest {
            target: target("vpc"),
            properties: vpc_props.clone(),
            tags: tags("vpc"),
            token: "t1".into(),
            known_ids: Vec::new(),
        })
        .await
        .unwrap();
    let eigw_props: stackr_engine::reconciler::Props = [("vpc_id".to_string(), Value::String(vpc.id.clone()))].into();
    let create = |token: &str| CreateRequest {
        target: target("eigw"),
        properties: eigw_props.clone(),
        tags: tags("eigw"),
        token: token.into(),
        known_ids: Vec::new(),
    };
    let made = eigws.create(&create("t2")).await.unwrap();
    // Another resource of the stack with tags of its own is never the answer.
    let other =
        eigws.create(&CreateRequest { target: target("other"), tags: tags("other"), ..create("t3") }).await.unwrap();
    assert_ne!(made.id, other.id);
    let find = |known: Vec<String>| FindRequest {
        target: target("eigw"),
        token: "t2".into(),
        properties: eigw_props.clone(),
        known_ids: known,
    };
    assert_eq!(eigws.find(&find(vec![])).await.unwrap().map(|o| o.id), Some(made.id.clone()));
    assert_eq!(eigws.find(&find(vec![made.id.clone()])).await.unwrap(), None);
    // The retried create (a new run, a new token) adopts it.
    assert_eq!(eigws.create(&create("t4")).await.unwrap().id, made.id);
    // Not when state holds it (the new half of a replacement: the old one
    // carries the same tags and fixed properties), nor when another state
    // of the stack made it (its lineage tag): a new one is made.
    let replacing = eigws.create(&CreateRequest { known_ids: vec![made.id.clone()], ..create("t5") }).await.unwrap();
    assert_ne!(replacing.id, made.id);
    let lineage = |l: &str| {
        let mut t: std::collections::BTreeMap<String, String> = tags("eigw2");
        t.insert("stackr:lineage".into(), l.into());
        t
    };
    let first =
        eigws.create(&CreateRequest { target: target("eigw2"), tags: lineage("L1"), ..create("t6") }).await.unwrap();
    let second =
        eigws.create(&CreateRequest { target: target("eigw2"), tags: lineage("L2"), ..create("t7") }).await.unwrap();
    assert_ne!(first.id, second.id, "another state's gateway is not adopted");
    for id in [replacing.id, first.id, second.id] {
        eigws.delete(&DeleteRequest { target: target("x"), id, properties: Default::default() }).await.unwrap();
    }
    assert_eq!(
        vpcs.find(&FindRequest { target: target("vpc"), token: "t1".into(), properties: vpc_props, known_ids: vec![] })
            .await
            .unwrap()
            .map(|o| o.id),
        Some(vpc.id.clone())
    );
    for (rec, id) in [(&eigws, made.id), (&eigws, other.id), (&vpcs, vpc.id)] {
        rec.delete(&DeleteRequest { target: target("x"), id, properties: Default::default() }).await.unwrap();
    }
}

/// Rules written in the other spellings AWS accepts (Terraform's all-traffic
/// `from_port: 0, to_port: 0`, protocol numbers, `all`) settle after apply:
/// no perpetual drift.
#[tokio::test]
async fn security_group_rules_in_other_spellings_settle() {
    let text = r#"
stack: conf-sg-spellings
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.34.0.0/16 }
  sg:
    type: aws.ec2.security_group
    properties:
      name: spellings
      description: rules as Terraform users write them
      vpc_id: ${vpc.id}
      ingress:
        - { protocol: "6", from_port: 443, to_port: 443, cidr_ipv4: 10.34.0.0/16 }
        - { protocol: all, from_port: 0, to_port: 0, self: true }
      egress:
        - { protocol: "-1", from_port: 0, to_port: 0, cidr_ipv4: 0.0.0.0/0 }
"#;
    let h = harness("ec2-sg-spellings");
    let s = stack(text, &[]);
    h.apply(&s).await;
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "settled: {:#?}", plan.steps);
    h.destroy("conf-sg-spellings").await;
}

/// A changed inline rule naming a source group (and one naming the group
/// itself) is revoked, whatever its description: revoked by its security
/// group rule id, so the next plan is empty and only the new rules are live.
#[tokio::test]
async fn security_group_rule_naming_a_group_changes_and_settles() {
    let text = |port: u16| {
        format!(
            r#"
stack: conf-sg-peer-change
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: {{ cidr_block: 10.72.0.0/16 }}
  peer:
    type: aws.ec2.security_group
    properties: {{ name: peer, description: a peer, vpc_id: "${{vpc.id}}" }}
  sg:
    type: aws.ec2.security_group
    properties:
      name: changing
      description: rules naming groups
      vpc_id: ${{vpc.id}}
      ingress:
        - {{ protocol: tcp, from_port: {port}, to_port: {port}, source_security_group_id: "${{peer.id}}", description: from the peer }}
        - {{ protocol: tcp, from_port: {port}, to_port: {port}, self: true, description: from itself }}
"#
        )
    };
    let h = harness("ec2-sg-peer-change");
    let applied = h.apply(&stack(&text(5432), &[])).await;
    let id = h.id_of(&applied, "sg");
    let changed = stack(&text(3306), &[]);
    h.apply(&changed).await;
    let plan = h.plan(&changed).await;
    assert!(plan.is_empty(), "settled: {:#?}", plan.steps);
    let live = h.ec2().describe_security_groups().group_ids(&id).send().await.unwrap();
    let ports: Vec<_> = live.security_groups()[0].ip_permissions().iter().map(|p| p.from_port()).collect();
    assert_eq!(ports, vec![Some(3306)], "only the new rules are live");
    assert_eq!(live.security_groups()[0].ip_permissions()[0].user_id_group_pairs().len(), 2);
    h.destroy("conf-sg-peer-change").await;
}

/// What a stack leaves out but wants as AWS's default: no routes besides
/// the local ones, no public IPs on launch. A route to the internet added,
/// or public IPs turned on, outside stackr is drift, undone by apply.
#[tokio::test]
async fn a_route_or_public_ips_added_outside_stackr_are_drift() {
    let h = harness("ec2-left-out");
    let s = stack(
        r#"
stack: conf-left-out
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.42.0.0/16 }
  igw:
    type: aws.ec2.internet_gateway
    properties: { vpc_id: "${vpc.id}" }
  private:
    type: aws.ec2.route_table
    properties: { vpc_id: "${vpc.id}" }
  subnet:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", cidr_block: 10.42.1.0/24, availability_zone: ap-northeast-1a }
"#,
        &[],
    );
    let applied = h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    let (table, igw, subnet) = (h.id_of(&applied, "private"), h.id_of(&applied, "igw"), h.id_of(&applied, "subnet"));
    let ec2 = h.ec2();
    ec2.create_route()
        .route_table_id(&table)
        .destination_cidr_block("0.0.0.0/0")
        .gateway_id(&igw)
        .send()
        .await
        .unwrap();
    let on = aws_sdk_ec2::types::AttributeBooleanValue::builder().value(true).build();
    ec2.modify_subnet_attribute().subnet_id(&subnet).map_public_ip_on_launch(on).send().await.unwrap();
    let plan = h.plan(&s).await;
    let mut fields: Vec<(&str, &str)> = plan
        .steps
        .iter()
        .flat_map(|st| st.changes.iter().filter(|c| c.drift).map(|c| (st.address.as_str(), c.field.as_str())))
        .collect();
    fields.sort();
    assert_eq!(fields, [("private", "routes"), ("subnet", "map_public_ip_on_launch")], "{:#?}", plan.steps);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    let tables = ec2.describe_route_tables().route_table_ids(&table).send().await.unwrap();
    let routes = tables.route_tables()[0].routes();
    assert!(routes.iter().all(|r| r.gateway_id() == Some("local")), "{routes:?}");
    h.destroy("conf-left-out").await;
}
