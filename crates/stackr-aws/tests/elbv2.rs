//! Conformance: ALB load balancers, target groups, listeners and rules, on
//! moto. Out-of-band changes are made with the SDK, as a person in the
//! console would.

mod common;
use aws_sdk_elasticloadbalancingv2::types::{
    Action, ActionTypeEnum, FixedResponseActionConfig, HostHeaderConditionConfig, IpAddressType, LoadBalancerAttribute,
    PathPatternConditionConfig, RedirectActionConfig, RedirectActionStatusCodeEnum, RuleCondition, RulePriorityPair,
    TargetGroupAttribute,
};
use common::*;
use std::sync::Arc;

/// A dual-stack VPC with three public subnets and two security groups.
const NETWORK: &str = r#"
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.40.0.0/16, ipv6: true }
  subnet:
    type: aws.ec2.subnet
    for_each: [ap-northeast-1a, ap-northeast-1c, ap-northeast-1d]
    properties:
      vpc_id: ${vpc.id}
      availability_zone: ${each.value}
      cidr_block: ${cidrsubnet(vpc.cidr_block, 8, each.index)}
      ipv6_cidr_block: ${cidrsubnet(vpc.ipv6_cidr_block, 8, each.index)}
  sg:
    type: aws.ec2.security_group
    properties: { name: alb, description: load balancer, vpc_id: "${vpc.id}" }
  sg2:
    type: aws.ec2.security_group
    properties: { name: alb-other, description: another, vpc_id: "${vpc.id}" }
"#;

const LB: &str = r#"
  lb:
    type: aws.elbv2.load_balancer
    properties:
      name: ${var.lb}
      subnets: ['${subnet["ap-northeast-1a"].id}', '${subnet["ap-northeast-1c"].id}']
      security_groups: ["${sg.id}"]
      ip_address_type: dualstack
"#;

/// Removes the stack tag `suite` from an ELBv2 resource.
async fn untag(h: Arc<Harness>, arn: String) {
    h.elbv2().remove_tags().resource_arns(arn).tag_keys("suite").send().await.expect("RemoveTags");
}

/// The id of a resource of the harness's state.
async fn state_id(h: &Harness, stack: &str, address: &str) -> String {
    h.session.load(stack).await.expect("load").0.resources[address].id.clone()
}

#[tokio::test]
async fn load_balancer() {
    let stack = format!(
        r#"
stack: conf-alb
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  name: {{ type: string, default: conf-alb }}
resources:{NETWORK}
  subject:
    type: aws.elbv2.load_balancer
    properties:
      name: ${{var.name}}
      subnets: ['${{subnet["ap-northeast-1a"].id}}', '${{subnet["ap-northeast-1c"].id}}']
      security_groups: ["${{sg.id}}"]
      ip_address_type: dualstack
      attributes: {{ idle_timeout.timeout_seconds: 120, routing.http2.enabled: true }}
  listener:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${{subject.arn}}
      port: 80
      protocol: HTTP
      default_action: {{ type: fixed-response, fixed_response: {{ status_code: "404", content_type: text/plain }} }}
"#
    );
    conformance(
        "elbv2-lb",
        Case {
            kind: "aws.elbv2.load_balancer",
            stack,
            mutations: vec![
                (
                    "ip_address_type",
                    mutation!(|h, id| {
                        h.elbv2()
                            .set_ip_address_type()
                            .load_balancer_arn(&id)
                            .ip_address_type(IpAddressType::Ipv4)
                            .send()
                            .await
                            .expect("SetIpAddressType");
                    }),
                ),
                (
                    "security_groups",
                    mutation!(|h, id| {
                        let sg2 = state_id(&h, "conf-alb", "sg2").await;
                        h.elbv2()
                            .set_security_groups()
                            .load_balancer_arn(&id)
                            .security_groups(sg2)
                            .send()
                            .await
                            .expect("SetSecurityGroups");
                    }),
                ),
                (
                    "subnets",
                    mutation!(|h, id| {
                        let a = state_id(&h, "conf-alb", "subnet[ap-northeast-1a]").await;
                        let d = state_id(&h, "conf-alb", "subnet[ap-northeast-1d]").await;
                        h.elbv2()
                            .set_subnets()
                            .load_balancer_arn(&id)
                            .subnets(a)
                            .subnets(d)
                            .send()
                            .await
                            .expect("SetSubnets");
                    }),
                ),
                (
                    "attributes",
                    mutation!(|h, id| {
                        h.elbv2()
                            .modify_load_balancer_attributes()
                            .load_balancer_arn(&id)
                            .attributes(
                                LoadBalancerAttribute::builder()
                                    .key("idle_timeout.timeout_seconds")
                                    .value("60")
                                    .build(),
                            )
                            .send()
                            .await
                            .expect("ModifyLoadBalancerAttributes");
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h, id).await)),
            ],
            replace: Some(("name", "conf-alb-2", Some("listener"))),
            twice: Twice::Another,
        },
    )
    .await;
}

#[tokio::test]
async fn target_group() {
    let stack = format!(
        r#"
stack: conf-tg
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  name: {{ type: string, default: conf-tg }}
  lb: {{ type: string, default: conf-tg-alb }}
resources:{NETWORK}{LB}
  subject:
    type: aws.elbv2.target_group
    # A listener forwards to it: AWS refuses to delete it before the
    # listener moves to the new group.
    lifecycle: {{ create_before_destroy: true }}
    properties:
      name: ${{var.name}}
      port: 80
      protocol: HTTP
      vpc_id: ${{vpc.id}}
      target_type: ip
      health_check: {{ path: /wp-login.php, matcher: "200-399", interval_seconds: 15 }}
      attributes: {{ deregistration_delay.timeout_seconds: "30" }}
  listener:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${{lb.arn}}
      port: 80
      protocol: HTTP
      default_action: {{ type: forward, target_group_arn: "${{subject.arn}}" }}
"#
    );
    conformance(
        "elbv2-tg",
        Case {
            kind: "aws.elbv2.target_group",
            stack,
            mutations: vec![
                (
                    "health_check",
                    mutation!(|h, id| {
                        h.elbv2()
                            .modify_target_group()
                            .target_group_arn(&id)
                            .health_check_path("/")
                            .send()
                            .await
                            .expect("ModifyTargetGroup");
                    }),
                ),
                (
                    "attributes",
                    mutation!(|h, id| {
                        h.elbv2()
                            .modify_target_group_attributes()
                            .target_group_arn(&id)
                            .attributes(
                                TargetGroupAttribute::builder()
                                    .key("deregistration_delay.timeout_seconds")
                                    .value("300")
                                    .build(),
                            )
                            .send()
                            .await
                            .expect("ModifyTargetGroupAttributes");
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h, id).await)),
            ],
            replace: Some(("name", "conf-tg-2", Some("listener"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// An HTTPS listener with a certificate validated in a zone of the test's
/// account (it waits for the validation), beside an HTTP listener that
/// redirects to HTTPS (its `#{...}` defaults are not drift), and A/AAAA
/// alias records to the load balancer (no false drift either).
#[tokio::test]
async fn listener() {
    let h = Arc::new(harness("elbv2-listener"));
    let zone = h
        .route53()
        .create_hosted_zone()
        .name("lb.example.com")
        .caller_reference(format!("elbv2-listener-{}", h.env.account().id()))
        .send()
        .await
        .expect("CreateHostedZone")
        .hosted_zone
        .expect("a zone")
        .id;
    let stack = format!(
        r#"
stack: conf-listener
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  lb: {{ type: string, default: conf-listener }}
resources:{NETWORK}{LB}
  cert:
    type: aws.acm.certificate
    properties: {{ domain_name: www.lb.example.com }}
  record:
    type: aws.route53.record
    properties:
      zone_id: "{zone}"
      name: ${{cert.validation_records[0].name}}
      type: CNAME
      ttl: 300
      records: ["${{cert.validation_records[0].value}}"]
  validation:
    type: aws.acm.certificate_validation
    properties: {{ certificate_arn: "${{cert.arn}}", validation_record_fqdns: ["${{record.fqdn}}"] }}
  tg:
    type: aws.elbv2.target_group
    properties: {{ name: conf-listener-tg, port: 80, protocol: HTTP, vpc_id: "${{vpc.id}}", target_type: ip }}
  subject:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${{lb.arn}}
      port: 443
      protocol: HTTPS
      certificate_arn: ${{validation.id}}
      ssl_policy: ELBSecurityPolicy-TLS13-1-2-2021-06
      default_action: {{ type: forward, target_group_arn: "${{tg.arn}}" }}
  http:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${{lb.arn}}
      port: 80
      protocol: HTTP
      default_action: {{ type: redirect, redirect: {{ status_code: HTTP_301, protocol: HTTPS, port: 443 }} }}
  alias:
    type: aws.route53.record
    for_each: [A, AAAA]
    properties:
      zone_id: "{zone}"
      name: www.lb.example.com
      type: ${{each.value}}
      alias: {{ name: "${{lb.dns_name}}", zone_id: "${{lb.hosted_zone_id}}", evaluate_target_health: true }}
  rule:
    type: aws.elbv2.listener_rule
    properties:
      listener_arn: ${{subject.arn}}
      priority: 10
      conditions: {{ host_header: [blog.lb.example.com] }}
      actions: [{{ type: forward, target_group_arn: "${{tg.arn}}" }}]
"#
    );
    conformance_in(
        h,
        Case {
            kind: "aws.elbv2.listener",
            stack,
            mutations: vec![
                (
                    "ssl_policy",
                    mutation!(|h, id| {
                        h.elbv2()
                            .modify_listener()
                            .listener_arn(&id)
                            .ssl_policy("ELBSecurityPolicy-TLS13-1-2-Res-2021-06")
                            .send()
                            .await
                            .expect("ModifyListener");
                    }),
                ),
                (
                    "default_action",
                    mutation!(|h, id| {
                        let fixed = FixedResponseActionConfig::builder().status_code("503").build();
                        let action = Action::builder()
                            .r#type(ActionTypeEnum::FixedResponse)
                            .fixed_response_config(fixed)
                            .build();
                        h.elbv2()
                            .modify_listener()
                            .listener_arn(&id)
                            .default_actions(action)
                            .send()
                            .await
                            .expect("ModifyListener");
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h, id).await)),
            ],
            replace: Some(("lb", "conf-listener-2", Some("rule"))),
            twice: Twice::Retry,
        },
    )
    .await;
}

#[tokio::test]
async fn listener_rule() {
    let stack = format!(
        r#"
stack: conf-rule
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  lb: {{ type: string, default: conf-rule }}
resources:{NETWORK}{LB}
  tg:
    type: aws.elbv2.target_group
    properties: {{ name: conf-rule-tg, port: 80, protocol: HTTP, vpc_id: "${{vpc.id}}", target_type: ip }}
  listener:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${{lb.arn}}
      port: 80
      protocol: HTTP
      default_action: {{ type: fixed-response, fixed_response: {{ status_code: "404" }} }}
  subject:
    type: aws.elbv2.listener_rule
    properties:
      listener_arn: ${{listener.arn}}
      priority: 10
      conditions: {{ host_header: [blog.example.com], path_pattern: ["/wp-admin/*"] }}
      actions: [{{ type: forward, target_group_arn: "${{tg.arn}}" }}]
"#
    );
    conformance(
        "elbv2-rule",
        Case {
            kind: "aws.elbv2.listener_rule",
            stack,
            mutations: vec![
                (
                    "priority",
                    mutation!(|h, id| {
                        h.elbv2()
                            .set_rule_priorities()
                            .rule_priorities(RulePriorityPair::builder().rule_arn(&id).priority(20).build())
                            .send()
                            .await
                            .expect("SetRulePriorities");
                    }),
                ),
                (
                    "conditions",
                    mutation!(|h, id| {
                        let host = HostHeaderConditionConfig::builder().values("shop.example.com").build();
                        h.elbv2()
                            .modify_rule()
                            .rule_arn(&id)
                            .conditions(RuleCondition::builder().field("host-header").host_header_config(host).build())
                            .send()
                            .await
                            .expect("ModifyRule");
                    }),
                ),
                (
                    "actions",
                    mutation!(|h, id| {
                        let fixed = FixedResponseActionConfig::builder().status_code("403").build();
                        let action = Action::builder()
                            .r#type(ActionTypeEnum::FixedResponse)
                            .fixed_response_config(fixed)
                            .build();
                        h.elbv2().modify_rule().rule_arn(&id).actions(action).send().await.expect("ModifyRule");
                    }),
                ),
                ("tags", mutation!(|h, id| untag(h, id).await)),
            ],
            replace: Some(("lb", "conf-rule-2", None)),
            twice: Twice::Retry,
        },
    )
    .await;
}

/// A stack named `name`: the network, a load balancer, a target group `tg`
/// and an HTTP listener `web` on port 80 answering 404, then `rest`.
fn web_stack(name: &str, rest: &str) -> String {
    format!(
        r#"
stack: {name}
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  lb: {{ type: string, default: {name} }}
resources:{NETWORK}{LB}
  tg:
    type: aws.elbv2.target_group
    properties: {{ name: {name}-tg, port: 80, protocol: HTTP, vpc_id: "${{vpc.id}}", target_type: ip }}
  web:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${{lb.arn}}
      port: 80
      protocol: HTTP
      default_action: {{ type: fixed-response, fixed_response: {{ status_code: "404" }} }}
{rest}"#
    )
}

/// A listener and a rule own their actions and conditions whole: a
/// redirect's host changed outside stackr (the stack leaves AWS's default
/// `#{host}`) and a condition added to a rule are drift, and repaired.
#[tokio::test]
async fn a_changed_redirect_host_and_an_added_condition_are_drift() {
    let text = web_stack(
        "conf-owned",
        r#"
  http:
    type: aws.elbv2.listener
    properties:
      load_balancer_arn: ${lb.arn}
      port: 8081
      protocol: HTTP
      default_action: { type: redirect, redirect: { status_code: HTTP_301, protocol: HTTPS, port: "443" } }
  rule:
    type: aws.elbv2.listener_rule
    properties:
      listener_arn: ${web.arn}
      priority: 10
      conditions: { host_header: [blog.example.com] }
      actions: [{ type: forward, target_group_arn: "${tg.arn}" }]
"#,
    );
    let h = harness("elbv2-owned");
    let s = stack(&text, &[]);
    let applied = h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    let redirect = RedirectActionConfig::builder()
        .status_code(RedirectActionStatusCodeEnum::Http301)
        .protocol("HTTPS")
        .port("443")
        .host("evil.example.com")
        .build();
    let action = Action::builder().r#type(ActionTypeEnum::Redirect).redirect_config(redirect).build();
    h.elbv2()
        .modify_listener()
        .listener_arn(h.id_of(&applied, "http"))
        .default_actions(action)
        .send()
        .await
        .expect("ModifyListener");
    let host = HostHeaderConditionConfig::builder().values("blog.example.com").build();
    let path = PathPatternConditionConfig::builder().values("/wp-admin/*").build();
    h.elbv2()
        .modify_rule()
        .rule_arn(h.id_of(&applied, "rule"))
        .conditions(RuleCondition::builder().field("host-header").host_header_config(host).build())
        .conditions(RuleCondition::builder().field("path-pattern").path_pattern_config(path).build())
        .send()
        .await
        .expect("ModifyRule");
    let plan = h.plan(&s).await;
    let changed = |address: &str, field: &str| {
        plan.steps.iter().any(|st| st.address == address && st.changes.iter().any(|c| c.field.starts_with(field)))
    };
    assert!(changed("http", "default_action"), "{:#?}", plan.steps);
    assert!(changed("rule", "conditions"), "{:#?}", plan.steps);
    h.apply(&s).await;
    assert!(h.plan(&s).await.is_empty());
    h.destroy("conf-owned").await;
}

/// Two rules of the stack that swap priorities (each updated on its own;
/// a priority is unique per listener) converge in one apply: the rule
/// whose new priority is still held steps aside and waits for the other.
#[tokio::test]
async fn two_rules_swap_priorities_in_one_apply() {
    let text = |a: u32, b: u32| {
        web_stack(
            "conf-swap",
            &format!(
                r#"
  api:
    type: aws.elbv2.listener_rule
    properties:
      listener_arn: ${{web.arn}}
      priority: {a}
      conditions: {{ path_pattern: ["/api/*"] }}
      actions: [{{ type: forward, target_group_arn: "${{tg.arn}}" }}]
  site:
    type: aws.elbv2.listener_rule
    properties:
      listener_arn: ${{web.arn}}
      priority: {b}
      conditions: {{ host_header: [swap.example.com] }}
      actions: [{{ type: forward, target_group_arn: "${{tg.arn}}" }}]
"#
            ),
        )
    };
    let h = harness("elbv2-swap");
    let applied = h.apply(&stack(&text(10, 20), &[])).await;
    let swapped = stack(&text(20, 10), &[]);
    h.apply(&swapped).await;
    assert!(h.plan(&swapped).await.is_empty());
    let rules = h.elbv2().describe_rules().listener_arn(h.id_of(&applied, "web")).send().await.expect("DescribeRules");
    let prio = |address: &str| {
        let arn = h.id_of(&applied, address);
        rules.rules().iter().find(|r| r.rule_arn() == Some(arn.as_str())).and_then(|r| r.priority()).map(str::to_string)
    };
    assert_eq!((prio("api").as_deref(), prio("site").as_deref()), (Some("20"), Some("10")));
    h.destroy("conf-swap").await;
}
