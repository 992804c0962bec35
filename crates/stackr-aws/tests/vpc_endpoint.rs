//! Conformance of `aws.ec2.vpc_endpoint` on the local AWS: a Gateway
//! endpoint (a route table removed and tags dropped out of band) and an
//! Interface endpoint (its security group swapped out of band), plus the
//! behaviours the reconciler relies on (DeleteVpcEndpoints' Unsuccessful
//! items, the default policy not being drift).

mod common;
use common::*;

async fn untag(client: aws_sdk_ec2::Client, id: &str) {
    let tag = aws_sdk_ec2::types::Tag::builder().key("suite").build();
    client.delete_tags().resources(id).tags(tag).send().await.expect("DeleteTags");
}

async fn endpoint(h: &Harness, id: &str) -> aws_sdk_ec2::types::VpcEndpoint {
    let filter = aws_sdk_ec2::types::Filter::builder().name("vpc-endpoint-id").values(id).build();
    let out = h.ec2().describe_vpc_endpoints().filters(filter).send().await.expect("DescribeVpcEndpoints");
    out.vpc_endpoints().first().cloned().expect("the endpoint")
}

#[tokio::test]
async fn gateway_endpoint() {
    let stack = r#"
stack: conf-vpce-gw
region: ap-northeast-1
tags: { suite: conformance }
vars:
  service: { type: string, default: s3 }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.90.0.0/16 }
  rt_a:
    type: aws.ec2.route_table
    properties: { vpc_id: "${vpc.id}" }
  rt_b:
    type: aws.ec2.route_table
    properties: { vpc_id: "${vpc.id}" }
  subject:
    type: aws.ec2.vpc_endpoint
    properties:
      vpc_id: ${vpc.id}
      service_name: com.amazonaws.ap-northeast-1.${var.service}
      vpc_endpoint_type: Gateway
      route_table_ids: ["${rt_a.id}", "${rt_b.id}"]
      policy:
        Version: "2012-10-17"
        Statement:
          - { Effect: Allow, Principal: "*", Action: "s3:GetObject", Resource: "*" }
  # Follows the endpoint (a log group named after it: an SSM value is
  # never kept in state, where the suite checks the dependant).
  twice_dependant:
    type: aws.logs.log_group
    properties: { name: "/vpce/${subject.id}" }
"#;
    conformance(
        "vpce-gw",
        Case {
            kind: "aws.ec2.vpc_endpoint",
            stack: stack.into(),
            mutations: vec![
                (
                    "route_table_ids",
                    mutation!(|h, id| {
                        let table = endpoint(&h, &id).await.route_table_ids()[0].clone();
                        let call = h.ec2().modify_vpc_endpoint().vpc_endpoint_id(&id).remove_route_table_ids(table);
                        call.send().await.expect("ModifyVpcEndpoint");
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h.ec2(), &id).await)),
            ],
            replace: Some(("service", "dynamodb", Some("twice_dependant"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

#[tokio::test]
async fn interface_endpoint() {
    let stack = r#"
stack: conf-vpce-if
region: ap-northeast-1
tags: { suite: conformance }
vars:
  service: { type: string, default: sqs }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.91.0.0/16, enable_dns_support: true, enable_dns_hostnames: true }
  subnet_a:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", cidr_block: 10.91.0.0/24, availability_zone: ap-northeast-1a }
  sg:
    type: aws.ec2.security_group
    properties: { name: vpce, description: endpoint, vpc_id: "${vpc.id}" }
  subject:
    type: aws.ec2.vpc_endpoint
    properties:
      vpc_id: ${vpc.id}
      service_name: com.amazonaws.ap-northeast-1.${var.service}
      vpc_endpoint_type: Interface
      subnet_ids: ["${subnet_a.id}"]
      security_group_ids: ["${sg.id}"]
      private_dns_enabled: true
"#;
    conformance(
        "vpce-if",
        Case {
            kind: "aws.ec2.vpc_endpoint",
            stack: stack.into(),
            mutations: vec![(
                "security_group_ids",
                mutation!(|h, id| {
                    // The VPC's default group (one made here would be left
                    // in the VPC, and AWS refuses to delete a VPC that
                    // still holds a group of its own).
                    let e = endpoint(&h, &id).await;
                    let vpc = e.vpc_id().unwrap().to_string();
                    let filter = |k: &str, v: &str| aws_sdk_ec2::types::Filter::builder().name(k).values(v).build();
                    let groups = h
                        .ec2()
                        .describe_security_groups()
                        .filters(filter("vpc-id", &vpc))
                        .filters(filter("group-name", "default"))
                        .send()
                        .await
                        .expect("DescribeSecurityGroups");
                    let other = groups.security_groups()[0].group_id().unwrap().to_string();
                    let old = e.groups()[0].group_id().unwrap().to_string();
                    let call = h
                        .ec2()
                        .modify_vpc_endpoint()
                        .vpc_endpoint_id(&id)
                        .add_security_group_ids(other)
                        .remove_security_group_ids(old);
                    call.send().await.expect("ModifyVpcEndpoint");
                }),
            )],
            replace: None,
            twice: Twice::Retry,
        },
    )
    .await;
}

/// No `policy` in the stack: AWS's default full-access policy is not drift.
#[tokio::test]
async fn default_policy_is_not_drift_and_delete_of_a_missing_endpoint_is_ok() {
    let text = r#"
stack: vpce-default
region: ap-northeast-1
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.92.0.0/16 }
  ep:
    type: aws.ec2.vpc_endpoint
    properties: { vpc_id: "${vpc.id}", service_name: com.amazonaws.ap-northeast-1.s3 }
"#;
    let h = harness("vpce-default");
    let s = stack(text, &[]);
    let applied = h.apply(&s).await;
    let id = h.id_of(&applied, "ep");
    assert!(endpoint(&h, &id).await.policy_document().is_some(), "AWS holds its default policy");
    assert!(h.plan(&s).await.is_empty(), "the default policy shows as drift");
    assert_eq!(applied.state.resources["ep"].attributes["state"], serde_json::json!("available"));
    h.destroy("vpce-default").await;
    let rec = h.providers.get("aws.ec2.vpc_endpoint").unwrap().clone();
    let req = stackr_engine::reconciler::DeleteRequest {
        target: stackr_engine::reconciler::Target {
            stack: "vpce-default".into(),
            address: "ep".into(),
            region: REGION.into(),
        },
        id,
        properties: Default::default(),
    };
    rec.delete(&req).await.expect("delete of a deleted endpoint");
}
