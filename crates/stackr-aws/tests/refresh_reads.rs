//! Reads during a refresh, on moto: identical reads of several types are
//! made once ([`stackr_aws::readcache`]), reads outside a refresh are not
//! shared, and drift is seen as before.

mod common;
use common::*;
use stackr_engine::plan::Cause;

const NETWORK: &str = r#"
stack: refresh-reads
region: ap-northeast-1
tags: { suite: refresh }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.30.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1a, cidr_block: 10.30.1.0/24 }
  igw:
    type: aws.ec2.internet_gateway
    properties: { vpc_id: "${vpc.id}" }
  routes:
    type: aws.ec2.route_table
    properties:
      vpc_id: ${vpc.id}
      routes: [{ destination_cidr_block: 0.0.0.0/0, gateway_id: "${igw.id}" }]
  assoc:
    type: aws.ec2.route_table_association
    properties: { subnet_id: "${subnet.id}", route_table_id: "${routes.id}" }
  web:
    type: aws.ec2.security_group
    properties:
      name: refresh-web
      description: web
      vpc_id: ${vpc.id}
      ingress: [{ protocol: tcp, from_port: 443, to_port: 443, cidr_ipv4: 0.0.0.0/0 }]
"#;

fn calls(h: &Harness, operation: &str) -> u64 {
    h.calls.rows().iter().filter(|r| r.operation == operation).map(|r| r.count.calls).sum()
}

#[tokio::test]
async fn a_refresh_reads_route_tables_and_security_groups_once_for_every_type() {
    let h = harness("refresh-ec2");
    let s = stack(NETWORK, &[]);
    let applied = h.apply(&s).await;

    // The VPC (main table, default group), the route table, the
    // association and the security group all need these two reads.
    h.calls.reset();
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    assert_eq!(calls(&h, "DescribeRouteTables"), 1, "{:?}", h.calls.rows());
    assert_eq!(calls(&h, "DescribeSecurityGroups"), 1, "{:?}", h.calls.rows());

    // Outside a refresh every observe reads AWS.
    h.calls.reset();
    let tables = h.providers.get("aws.ec2.route_table").expect("route table reconciler");
    let id = h.id_of(&applied, "routes");
    for _ in 0..2 {
        let seen = tables.observe(REGION, std::slice::from_ref(&id)).await.expect("observe");
        assert!(seen[0].is_some());
    }
    assert_eq!(calls(&h, "DescribeRouteTables"), 2, "{:?}", h.calls.rows());

    // What the shared reads show is what each type showed before: drift of
    // a group's rules, and an association moved to the main table.
    let group = h.id_of(&applied, "web");
    h.ec2()
        .authorize_security_group_ingress()
        .group_id(&group)
        .ip_protocol("tcp")
        .from_port(22)
        .to_port(22)
        .cidr_ip("10.0.0.0/8")
        .send()
        .await
        .expect("AuthorizeSecurityGroupIngress");
    let vpc = h.id_of(&applied, "vpc");
    let main = h
        .ec2()
        .describe_route_tables()
        .filters(aws_sdk_ec2::types::Filter::builder().name("vpc-id").values(&vpc).build())
        .filters(aws_sdk_ec2::types::Filter::builder().name("association.main").values("true").build())
        .send()
        .await
        .expect("DescribeRouteTables")
        .route_tables
        .unwrap_or_default()
        .into_iter()
        .find_map(|t| t.route_table_id)
        .expect("main route table");
    h.ec2()
        .replace_route_table_association()
        .association_id(h.id_of(&applied, "assoc"))
        .route_table_id(&main)
        .send()
        .await
        .expect("ReplaceRouteTableAssociation");
    h.calls.reset();
    let plan = h.plan(&s).await;
    assert_eq!(calls(&h, "DescribeRouteTables"), 1, "{:?}", h.calls.rows());
    let step = |address: &str| {
        plan.steps.iter().find(|st| st.address == address).unwrap_or_else(|| panic!("{address}: no drift in {plan:#?}"))
    };
    assert!(matches!(step("web").cause, Cause::Drift), "{:?}", step("web"));
    assert!(step("web").changes.iter().any(|c| c.field == "ingress"), "{:?}", step("web"));
    // The association's id changed with the move: it is gone as recorded.
    assert!(matches!(step("assoc").cause, Cause::Deleted | Cause::Drift), "{:?}", step("assoc"));
    h.apply(&s).await;
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    h.destroy("refresh-reads").await;
}

const TAGGED: &str = r#"
stack: refresh-tags
region: ap-northeast-1
tags: { suite: refresh, team: web }
resources:
  logs:
    type: aws.logs.log_group
    properties: { name: /refresh/tags, retention_in_days: 7 }
  office:
    type: aws.wafv2.ip_set
    properties: { name: refresh-office, scope: REGIONAL, ip_address_version: IPV4, addresses: [203.0.113.0/24] }
"#;

/// The ARNs of the log group and the IP set.
fn arns(applied: &stackr_engine::session::Applied) -> (String, String) {
    let attr = |address: &str| {
        applied.state.resources[address].attributes.get("arn").and_then(|a| a.as_str()).map(str::to_string)
    };
    (attr("logs").expect("log group arn"), attr("office").expect("ip set arn"))
}

/// Whether the plan reports drift of the tags of `address`.
fn tag_drift(plan: &stackr_engine::plan::Plan, address: &str) -> bool {
    plan.steps.iter().any(|st| {
        st.address == address && matches!(st.cause, Cause::Drift) && st.changes.iter().any(|c| c.field == "tags")
    })
}

#[tokio::test]
async fn a_refresh_reads_tags_in_bulk_and_still_sees_every_tag_drift() {
    let h = harness("refresh-tags");
    let s = stack(TAGGED, &[]);
    let applied = h.apply(&s).await;
    let (log_arn, set_arn) = arns(&applied);

    // One GetResources for the region instead of one tag read per resource.
    h.calls.reset();
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    assert_eq!(calls(&h, "GetResources"), 1, "{:?}", h.calls.rows());
    assert_eq!(calls(&h, "ListTagsForResource"), 0, "{:?}", h.calls.rows());
    // The IP set's ARN there names it: no ListIPSets to find its name.
    assert_eq!(calls(&h, "ListIPSets"), 0, "{:?}", h.calls.rows());

    // A tag removed out of band: in the bulk read, so drift.
    h.logs().untag_resource().resource_arn(&log_arn).tag_keys("team").send().await.expect("UntagResource");
    h.wafv2(REGION).untag_resource().resource_arn(&set_arn).tag_keys("team").send().await.expect("UntagResource");
    let plan = h.plan(&s).await;
    assert!(tag_drift(&plan, "logs"), "{:#?}", plan.steps);
    assert!(tag_drift(&plan, "office"), "{:#?}", plan.steps);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());

    // The stack tag removed: absent from the bulk read, so each reads its
    // own tags, and the removal is drift too.
    h.logs().untag_resource().resource_arn(&log_arn).tag_keys("stackr:stack").send().await.expect("UntagResource");
    h.wafv2(REGION)
        .untag_resource()
        .resource_arn(&set_arn)
        .tag_keys("stackr:stack")
        .send()
        .await
        .expect("UntagResource");
    h.calls.reset();
    let plan = h.plan(&s).await;
    assert!(tag_drift(&plan, "logs"), "{:#?}", plan.steps);
    assert!(tag_drift(&plan, "office"), "{:#?}", plan.steps);
    assert_eq!(calls(&h, "ListTagsForResource"), 2, "{:?}", h.calls.rows());
    assert_eq!(calls(&h, "ListIPSets"), 1, "{:?}", h.calls.rows());
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());

    // Outside a refresh, no bulk read: each observe reads its own tags.
    h.calls.reset();
    let logs = h.providers.get("aws.logs.log_group").expect("log group reconciler");
    let seen = logs.observe(REGION, &["/refresh/tags".to_string()]).await.expect("observe");
    assert_eq!(seen[0].as_ref().map(|o| o.tags.get("team").cloned()), Some(Some("web".to_string())));
    assert_eq!(calls(&h, "GetResources"), 0, "{:?}", h.calls.rows());
    assert_eq!(calls(&h, "ListTagsForResource"), 1, "{:?}", h.calls.rows());
    h.destroy("refresh-tags").await;
}

const ROLES: &str = r#"
stack: refresh-roles
region: ap-northeast-1
tags: { suite: refresh }
resources:
  task:
    type: aws.iam.role
    for_each: [a, b]
    properties:
      name: "refresh-role-${each.value}"
      description: "role ${each.value}"
      max_session_duration: 7200
      assume_role_policy:
        Version: "2012-10-17"
        Statement: [{ Effect: Allow, Principal: { Service: ecs-tasks.amazonaws.com }, Action: "sts:AssumeRole" }]
      inline_policies:
        logs:
          Version: "2012-10-17"
          Statement: [{ Effect: Allow, Action: "logs:PutLogEvents", Resource: "*" }]
        ssm:
          Version: "2012-10-17"
          Statement: [{ Effect: Allow, Action: "ssm:GetParameters", Resource: "*" }]
      managed_policy_arns: [arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy]
"#;

#[tokio::test]
async fn a_refresh_reads_every_role_in_two_calls_and_still_sees_their_drift() {
    let h = harness("refresh-roles");
    let s = stack(ROLES, &[]);
    h.apply(&s).await;

    h.calls.reset();
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    assert_eq!(calls(&h, "GetAccountAuthorizationDetails"), 1, "{:?}", h.calls.rows());
    assert_eq!(calls(&h, "ListRoles"), 1, "{:?}", h.calls.rows());
    let per_role = ["GetRole", "ListRolePolicies", "GetRolePolicy", "ListAttachedRolePolicies"];
    assert!(per_role.iter().all(|op| calls(&h, op) == 0), "{:?}", h.calls.rows());

    // Out of band: a's description (ListRoles) and an inline policy removed;
    // b's managed policy detached and a tag removed (the account details).
    let iam = h.iam();
    iam.update_role().role_name("refresh-role-a").description("changed").send().await.expect("UpdateRole");
    iam.delete_role_policy().role_name("refresh-role-a").policy_name("ssm").send().await.expect("DeleteRolePolicy");
    iam.detach_role_policy()
        .role_name("refresh-role-b")
        .policy_arn("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
        .send()
        .await
        .expect("DetachRolePolicy");
    iam.untag_role().role_name("refresh-role-b").tag_keys("suite").send().await.expect("UntagRole");
    let plan = h.plan(&s).await;
    let fields = |address: &str| -> Vec<String> {
        let step = plan.steps.iter().find(|st| st.address == address);
        let step = step.unwrap_or_else(|| panic!("{address}: no drift in {:#?}", plan.steps));
        assert!(matches!(step.cause, Cause::Drift), "{step:?}");
        step.changes.iter().map(|c| c.field.clone()).collect()
    };
    let a = fields("task[a]");
    assert!(a.contains(&"description".to_string()) && a.contains(&"inline_policies".to_string()), "{a:?}");
    let b = fields("task[b]");
    assert!(b.contains(&"managed_policy_arns".to_string()) && b.contains(&"tags".to_string()), "{b:?}");
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());

    // A role deleted out of band is gone.
    iam.delete_role_policy().role_name("refresh-role-b").policy_name("logs").send().await.expect("DeleteRolePolicy");
    iam.delete_role_policy().role_name("refresh-role-b").policy_name("ssm").send().await.expect("DeleteRolePolicy");
    iam.detach_role_policy()
        .role_name("refresh-role-b")
        .policy_arn("arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy")
        .send()
        .await
        .expect("DetachRolePolicy");
    iam.delete_role().role_name("refresh-role-b").send().await.expect("DeleteRole");
    let plan = h.plan(&s).await;
    let step = plan.steps.iter().find(|st| st.address == "task[b]").expect("task[b] planned");
    assert!(matches!(step.cause, Cause::Deleted), "{step:?}");
    h.apply(&s).await;
    h.destroy("refresh-roles").await;
}

const RECORDED: &str = r#"
stack: refresh-recorded
region: ap-northeast-1
tags: { suite: refresh }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.31.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    for_each: [ap-northeast-1a, ap-northeast-1c]
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ${each.value}
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, each.index)}
  sg:
    type: aws.ec2.security_group
    properties: { name: refresh-recorded, description: clients, vpc_id: "${vpc.id}" }
  fs:
    type: aws.efs.file_system
    properties: { creation_token: refresh-recorded, encrypted: true }
  mount:
    type: aws.efs.mount_target
    for_each: [ap-northeast-1a, ap-northeast-1c]
    properties: { file_system_id: "${fs.id}", subnet_id: "${subnet[each.value].id}", security_groups: ["${sg.id}"] }
  lb:
    type: aws.elbv2.load_balancer
    properties:
      name: refresh-recorded
      subnets: ${subnet[*].id}
      security_groups: ["${sg.id}"]
  tg:
    type: aws.elbv2.target_group
    properties: { name: refresh-recorded, port: 80, protocol: HTTP, vpc_id: "${vpc.id}", target_type: ip }
  listener:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${lb.arn}
      port: 80
      protocol: HTTP
      default_action: { type: fixed-response, fixed_response: { status_code: "404", content_type: text/plain } }
  rule:
    type: aws.elbv2.listener_rule
    properties:
      listener_arn: ${listener.arn}
      priority: 10
      conditions: { host_header: [recorded.example.com] }
      actions: [{ type: forward, target_group_arn: "${tg.arn}" }]
"#;

/// What a refresh takes from the state's record (what AWS never changes)
/// saves reads, and drift is seen as before: the VPC's default network ACL
/// is not described, the mount targets are read with one call for their
/// file system, the ELB resources' tags with one DescribeTags for every
/// type; a mount target deleted and tags removed out of band still show.
#[tokio::test]
async fn a_refresh_takes_what_aws_never_changes_from_the_record_and_still_sees_drift() {
    let h = harness("refresh-recorded");
    let s = stack(RECORDED, &[]);
    let applied = h.apply(&s).await;

    h.calls.reset();
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    assert_eq!(calls(&h, "DescribeNetworkAcls"), 0, "{:?}", h.calls.rows());
    assert_eq!(calls(&h, "DescribeMountTargets"), 1, "{:?}", h.calls.rows());
    assert!(calls(&h, "DescribeTags") <= 1, "{:?}", h.calls.rows());

    // Outside a refresh the VPC reads its network ACL from AWS.
    h.calls.reset();
    let vpcs = h.providers.get("aws.ec2.vpc").expect("vpc reconciler");
    let seen = vpcs.observe(REGION, &[h.id_of(&applied, "vpc")]).await.expect("observe");
    let acl = seen[0].as_ref().expect("the vpc").attributes.get("default_network_acl_id").cloned();
    assert!(matches!(acl, Some(stackr_core::value::Value::String(_))), "{acl:?}");
    assert_eq!(calls(&h, "DescribeNetworkAcls"), 1, "{:?}", h.calls.rows());

    // Drift: a mount target deleted, the stack tag removed from the
    // listener and the rule.
    let mount = h.id_of(&applied, "mount[ap-northeast-1c]");
    h.efs().delete_mount_target().mount_target_id(&mount).send().await.expect("DeleteMountTarget");
    for address in ["listener", "rule"] {
        let arn = h.id_of(&applied, address);
        h.elbv2().remove_tags().resource_arns(arn).tag_keys("suite").send().await.expect("RemoveTags");
    }
    h.calls.reset();
    let plan = h.plan(&s).await;
    assert_eq!(calls(&h, "DescribeMountTargets"), 1, "{:?}", h.calls.rows());
    let gone = plan.steps.iter().find(|st| st.address == "mount[ap-northeast-1c]");
    assert!(gone.is_some_and(|st| matches!(st.cause, Cause::Deleted)), "{:#?}", plan.steps);
    assert!(!plan.steps.iter().any(|st| st.address == "mount[ap-northeast-1a]"), "{:#?}", plan.steps);
    assert!(tag_drift(&plan, "listener") && tag_drift(&plan, "rule"), "{:#?}", plan.steps);
    h.apply(&s).await;
    let plan = h.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    h.destroy("refresh-recorded").await;
}
