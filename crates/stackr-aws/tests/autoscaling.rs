//! Conformance: Application Auto Scaling targets and policies on an ECS
//! service's desired count, on moto (with
//! testbed/stackr_moto/applicationautoscaling.py).

mod common;
use aws_sdk_applicationautoscaling::types::{
    PolicyType, ScalableDimension, ServiceNamespace, StepAdjustment, StepScalingPolicyConfiguration,
};
use common::*;

/// A service to scale, plus `extra` resources (the subject among them).
fn with_service(extra: &str) -> String {
    format!(
        r#"
stack: conf-scaling
region: ap-northeast-1
tags: {{ suite: conformance }}
vars:
  service: {{ type: string, default: one }}
  policy: {{ type: string, default: cpu }}
resources:
  vpc:
    type: aws.ec2.vpc
    properties: {{ cidr_block: 10.81.0.0/16 }}
  subnet:
    type: aws.ec2.subnet
    properties: {{ vpc_id: "${{vpc.id}}", availability_zone: ap-northeast-1a, cidr_block: 10.81.1.0/24 }}
  sg:
    type: aws.ec2.security_group
    properties: {{ name: conf-scaling, description: the tasks, vpc_id: "${{vpc.id}}" }}
  cluster:
    type: aws.ecs.cluster
    properties: {{ name: conf-scaling }}
  task:
    type: aws.ecs.task_definition
    properties:
      family: conf-scaling
      cpu: "256"
      memory: "512"
      network_mode: awsvpc
      requires_compatibilities: [FARGATE]
      container_definitions: [{{ name: web, image: "nginx:1.27" }}]
  service:
    type: aws.ecs.service
    lifecycle: {{ ignore_changes: [desired_count] }}
    properties:
      name: svc-${{var.service}}
      cluster: ${{cluster.arn}}
      task_definition: ${{task.arn}}
      desired_count: 1
      launch_type: FARGATE
      network_configuration: {{ subnets: ["${{subnet.id}}"], security_groups: ["${{sg.id}}"] }}
{extra}"#
    )
}

fn target_stack() -> String {
    with_service(
        r#"  subject:
    type: aws.applicationautoscaling.scalable_target
    properties:
      service_namespace: ecs
      resource_id: service/conf-scaling/${service.name}
      scalable_dimension: ecs:service:DesiredCount
      min_capacity: 1
      max_capacity: 4
  policy:
    type: aws.applicationautoscaling.scaling_policy
    properties:
      name: "cpu-of-${subject.id}"
      service_namespace: ecs
      resource_id: ${subject.resource_id}
      scalable_dimension: ecs:service:DesiredCount
      policy_type: TargetTrackingScaling
      target_tracking: { target_value: 60, predefined_metric_type: ECSServiceAverageCPUUtilization }
"#,
    )
}

#[tokio::test]
async fn scalable_target() {
    conformance(
        "scaling-target",
        Case {
            kind: "aws.applicationautoscaling.scalable_target",
            stack: target_stack(),
            mutations: vec![
                (
                    "max_capacity",
                    m(|h, _id| async move {
                        h.autoscaling()
                            .register_scalable_target()
                            .service_namespace(ServiceNamespace::Ecs)
                            .resource_id("service/conf-scaling/svc-one")
                            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                            .max_capacity(10)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "min_capacity",
                    m(|h, _id| async move {
                        h.autoscaling()
                            .register_scalable_target()
                            .service_namespace(ServiceNamespace::Ecs)
                            .resource_id("service/conf-scaling/svc-one")
                            .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                            .min_capacity(2)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, _id| async move {
                        let c = h.autoscaling();
                        let t = c
                            .describe_scalable_targets()
                            .service_namespace(ServiceNamespace::Ecs)
                            .resource_ids("service/conf-scaling/svc-one")
                            .send()
                            .await
                            .unwrap();
                        let arn = t.scalable_targets()[0].scalable_target_arn().unwrap().to_string();
                        c.untag_resource().resource_arn(arn).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("service", "two", Some("policy"))),
            // The resource id is fixed by the service: one target per service.
            twice: Twice::Retry,
        },
    )
    .await;
}

fn policy_stack() -> String {
    with_service(
        r#"  target:
    type: aws.applicationautoscaling.scalable_target
    properties:
      service_namespace: ecs
      resource_id: service/conf-scaling/${service.name}
      scalable_dimension: ecs:service:DesiredCount
      min_capacity: 1
      max_capacity: 4
  subject:
    type: aws.applicationautoscaling.scaling_policy
    properties:
      name: scale-out-${var.policy}
      service_namespace: ecs
      resource_id: ${target.resource_id}
      scalable_dimension: ecs:service:DesiredCount
      policy_type: StepScaling
      step_scaling:
        adjustment_type: ChangeInCapacity
        cooldown: 120
        metric_aggregation_type: Average
        step_adjustments:
          - { metric_interval_lower_bound: 0, metric_interval_upper_bound: 20, scaling_adjustment: 1 }
          - { metric_interval_lower_bound: 20, scaling_adjustment: 2 }
  alarm:
    type: aws.cloudwatch.metric_alarm
    properties:
      alarm_name: conf-scaling-cpu-high
      namespace: AWS/ECS
      metric_name: CPUUtilization
      dimensions: { ClusterName: conf-scaling, ServiceName: "${service.name}" }
      statistic: Average
      period: 60
      evaluation_periods: 2
      threshold: 75
      comparison_operator: GreaterThanOrEqualToThreshold
      alarm_actions: ["${subject.arn}"]
"#,
    )
}

#[tokio::test]
async fn scaling_policy() {
    conformance(
        "scaling-policy",
        Case {
            kind: "aws.applicationautoscaling.scaling_policy",
            stack: policy_stack(),
            mutations: vec![(
                "step_scaling",
                m(|h, _id| async move {
                    let step = StepAdjustment::builder()
                        .metric_interval_lower_bound(0.0)
                        .scaling_adjustment(5)
                        .build()
                        .unwrap();
                    let config = StepScalingPolicyConfiguration::builder()
                        .adjustment_type(aws_sdk_applicationautoscaling::types::AdjustmentType::ExactCapacity)
                        .step_adjustments(step)
                        .build();
                    h.autoscaling()
                        .put_scaling_policy()
                        .policy_name("scale-out-cpu")
                        .service_namespace(ServiceNamespace::Ecs)
                        .resource_id("service/conf-scaling/svc-one")
                        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
                        .policy_type(PolicyType::StepScaling)
                        .step_scaling_policy_configuration(config)
                        .send()
                        .await
                        .unwrap();
                }),
            )],
            replace: Some(("policy", "memory", Some("alarm"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// An update keeps the policy's ARN, so alarms naming it keep working; a
/// target tracking policy reports the alarms AWS made for it.
#[tokio::test]
async fn policy_update_keeps_its_arn() {
    let h = harness("scaling-arn");
    let s = stack(&target_stack(), &[]);
    let applied = h.apply(&s).await;
    let arn = h.id_of(&applied, "policy");
    let alarms = &applied.state.resources["policy"].attributes["alarm_arns"];
    assert!(alarms.as_array().is_some_and(|a| !a.is_empty()), "no target tracking alarms: {alarms}");
    let changed = stack(&target_stack().replace("target_value: 60", "target_value: 45"), &[]);
    let plan = h.plan(&changed).await;
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert_eq!(plan.steps[0].action, stackr_engine::plan::Action::Update);
    let applied = h.apply(&changed).await;
    assert_eq!(h.id_of(&applied, "policy"), arn);
    assert!(h.plan(&changed).await.is_empty());
    h.destroy("conf-scaling").await;
    let left =
        h.autoscaling().describe_scaling_policies().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    assert!(left.scaling_policies().is_empty(), "policies left: {:?}", left.scaling_policies());
}

/// A target registered outside the stack is not taken over.
#[tokio::test]
async fn foreign_target_is_not_adopted() {
    let h = harness("scaling-foreign");
    let s = stack(&with_service(""), &[]);
    h.apply(&s).await;
    h.autoscaling()
        .register_scalable_target()
        .service_namespace(ServiceNamespace::Ecs)
        .resource_id("service/conf-scaling/svc-one")
        .scalable_dimension(ScalableDimension::EcsServiceDesiredCount)
        .min_capacity(3)
        .max_capacity(3)
        .send()
        .await
        .unwrap();
    let rec = h.providers.get("aws.applicationautoscaling.scalable_target").unwrap();
    let mut props = stackr_engine::reconciler::Props::new();
    for (k, v) in [
        ("service_namespace", "ecs"),
        ("resource_id", "service/conf-scaling/svc-one"),
        ("scalable_dimension", "ecs:service:DesiredCount"),
    ] {
        props.insert(k.into(), stackr_core::value::Value::String(v.into()));
    }
    props.insert("min_capacity".into(), stackr_core::value::Value::Number(1.0));
    props.insert("max_capacity".into(), stackr_core::value::Value::Number(4.0));
    let tags = [("stackr:stack", "s"), ("stackr:resource", "t")].map(|(k, v)| (k.to_string(), v.to_string())).into();
    let err = rec
        .create(&stackr_engine::reconciler::CreateRequest {
            target: stackr_engine::reconciler::Target { stack: "s".into(), address: "t".into(), region: REGION.into() },
            properties: props,
            tags,
            token: "t".into(),
            known_ids: Vec::new(),
        })
        .await
        .expect_err("a foreign target was adopted");
    assert!(err.message.contains("already registered"), "{}", err.message);
    h.destroy("conf-scaling").await;
}

/// The service's count is auto scaling's (`ignore_changes`): a count set by
/// hand inside the bounds is no change; outside them it is drift of the
/// target, and the repair brings the count back inside.
#[tokio::test]
async fn count_outside_the_bounds_is_drift() {
    let h = harness("scaling-bounds");
    let s = stack(&target_stack(), &[]);
    h.apply(&s).await;
    let set = |n: i32| {
        let ecs = h.ecs();
        async move {
            ecs.update_service().cluster("conf-scaling").service("svc-one").desired_count(n).send().await.unwrap();
        }
    };
    set(3).await;
    assert!(h.plan(&s).await.is_empty(), "a count inside the bounds shows a change");
    set(9).await;
    let plan = h.plan(&s).await;
    let step = plan.steps.iter().find(|st| st.address == "subject").expect("the target drifted");
    assert!(step.changes.iter().any(|c| c.field == "max_capacity" && c.drift), "{step:?}");
    assert!(plan.steps.iter().all(|st| st.address != "service"), "{:#?}", plan.steps);
    h.apply(&s).await;
    let live = h.ecs().describe_services().cluster("conf-scaling").services("svc-one").send().await.unwrap();
    assert_eq!(live.services()[0].desired_count(), 4);
    assert!(h.plan(&s).await.is_empty());
    h.destroy("conf-scaling").await;
}
