//! Conformance: ECS clusters, task definitions and services, on moto (with
//! testbed/stackr_moto/ecs.py). Out-of-band changes are made with the SDK,
//! as a person in the console would.

mod common;
use aws_sdk_ecs::types::{
    AssignPublicIp, AwsVpcConfiguration, CapacityProviderStrategyItem, ClusterSetting, ClusterSettingName,
    DeploymentCircuitBreaker, DeploymentConfiguration, NetworkConfiguration,
};
use common::*;

fn strategy(provider: &str) -> CapacityProviderStrategyItem {
    CapacityProviderStrategyItem::builder().capacity_provider(provider).weight(1).build().unwrap()
}

#[tokio::test]
async fn cluster() {
    let stack = r#"
stack: conf-ecs-cluster
region: ap-northeast-1
tags: { suite: conformance }
vars:
  name: { type: string, default: one }
resources:
  subject:
    type: aws.ecs.cluster
    properties:
      name: conf-${var.name}
      container_insights: enabled
      capacity_providers: [FARGATE_SPOT, FARGATE]
      default_capacity_provider_strategy:
        - { capacity_provider: FARGATE_SPOT, weight: 1 }
  alarm:
    type: aws.cloudwatch.metric_alarm
    properties:
      alarm_name: conf-cluster-cpu
      alarm_description: "CPU of ${subject.arn}"
      namespace: AWS/ECS
      metric_name: CPUUtilization
      dimensions: { ClusterName: "${subject.name}" }
      statistic: Average
      period: 60
      evaluation_periods: 3
      threshold: 80
      comparison_operator: GreaterThanThreshold
"#;
    conformance(
        "ecs-cluster",
        Case {
            kind: "aws.ecs.cluster",
            stack: stack.into(),
            mutations: vec![
                (
                    "container_insights",
                    m(|h, id| async move {
                        let setting = ClusterSetting::builder()
                            .name(ClusterSettingName::ContainerInsights)
                            .value("disabled")
                            .build();
                        h.ecs().update_cluster().cluster(id).settings(setting).send().await.unwrap();
                    }),
                ),
                (
                    "default_capacity_provider_strategy",
                    m(|h, id| async move {
                        h.ecs()
                            .put_cluster_capacity_providers()
                            .cluster(id)
                            .capacity_providers("FARGATE_SPOT")
                            .capacity_providers("FARGATE")
                            .default_capacity_provider_strategy(strategy("FARGATE"))
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "capacity_providers",
                    m(|h, id| async move {
                        h.ecs()
                            .put_cluster_capacity_providers()
                            .cluster(id)
                            .capacity_providers("FARGATE_SPOT")
                            .default_capacity_provider_strategy(strategy("FARGATE_SPOT"))
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        h.ecs().untag_resource().resource_arn(id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("name", "two", Some("alarm"))),
            twice: Twice::Another,
        },
    )
    .await;
}

const TASK_STACK: &str = r#"
stack: conf-ecs-task
region: ap-northeast-1
tags: { suite: conformance }
vars:
  tag: { type: string, default: "6.8" }
resources:
  subject:
    type: aws.ecs.task_definition
    lifecycle: { create_before_destroy: true }
    properties:
      family: conf-wordpress
      cpu: "512"
      memory: "1024"
      network_mode: awsvpc
      requires_compatibilities: [FARGATE]
      runtime_platform: { cpu_architecture: ARM64, operating_system_family: LINUX }
      execution_role_arn: arn:aws:iam::123456789012:role/conf-exec
      task_role_arn: arn:aws:iam::123456789012:role/conf-task
      volumes:
        - name: wp-content
          efs_volume_configuration:
            file_system_id: fs-0123456789abcdef0
            transit_encryption: ENABLED
            authorization_config: { access_point_id: fsap-0123456789abcdef0, iam: ENABLED }
      container_definitions:
        - name: wordpress
          image: "wordpress:${var.tag}-php8.3-apache"
          port_mappings: [{ container_port: 80 }]
          environment: { WORDPRESS_DB_HOST: db.example.internal, WORDPRESS_DB_NAME: wordpress }
          secrets:
            WORDPRESS_DB_PASSWORD: arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:db-AbCdEf
            WORDPRESS_AUTH_KEY: arn:aws:ssm:ap-northeast-1:123456789012:parameter/wp/auth-key
          mount_points: [{ source_volume: wp-content, container_path: /var/www/html/wp-content }]
          log_configuration:
            log_driver: awslogs
            options: { awslogs-group: /ecs/conf, awslogs-region: ap-northeast-1, awslogs-stream-prefix: wp }
          health_check: { command: [CMD-SHELL, "curl -f http://localhost/ || exit 1"], interval: 30 }
          linux_parameters: { init_process_enabled: true }
  alarm:
    type: aws.cloudwatch.metric_alarm
    properties:
      alarm_name: conf-task-memory
      alarm_description: "memory of ${subject.arn}"
      namespace: AWS/ECS
      metric_name: MemoryUtilization
      statistic: Average
      period: 60
      evaluation_periods: 3
      threshold: 80
      comparison_operator: GreaterThanThreshold
"#;

#[tokio::test]
async fn task_definition() {
    conformance(
        "ecs-task",
        Case {
            kind: "aws.ecs.task_definition",
            stack: TASK_STACK.into(),
            mutations: vec![
                (
                    "tags",
                    m(|h, id| async move {
                        h.ecs().untag_resource().resource_arn(id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
                // A revision deregistered by hand is gone: registered again.
                (
                    "container_definitions",
                    m(|h, id| async move {
                        h.ecs().deregister_task_definition().task_definition(id).send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("tag", "6.9", Some("alarm"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// What AWS adds to a container (essential, cpu 0, protocol, host port) is
/// no change, and the revision the stack wrote reads back as written.
#[tokio::test]
async fn task_definition_defaults_are_not_drift() {
    let h = harness("ecs-task-defaults");
    let s = stack(TASK_STACK, &[]);
    let applied = h.apply(&s).await;
    let arn = h.id_of(&applied, "subject");
    let td = h.ecs().describe_task_definition().task_definition(&arn).send().await.unwrap();
    let c = &td.task_definition().unwrap().container_definitions()[0];
    assert_eq!(c.port_mappings()[0].container_port(), Some(80));
    assert!(h.plan(&s).await.is_empty());
    let rec = h.providers.get("aws.ecs.task_definition").unwrap();
    let live = rec.observe(REGION, std::slice::from_ref(&arn)).await.unwrap()[0].clone().unwrap();
    let shown = format!("{:?}", live.properties["container_definitions"]);
    assert!(shown.contains("WORDPRESS_DB_PASSWORD") && shown.contains("wp-content"), "{shown}");
    assert_eq!(live.attributes["revision"], stackr_core::value::Value::Number(1.0));
    h.destroy("conf-ecs-task").await;
    assert!(!active(&h, &arn).await, "the revision is still active after destroy");
}

/// Whether a task definition revision is still ACTIVE (deleted ones may
/// not be described at all).
async fn active(h: &Harness, arn: &str) -> bool {
    match h.ecs().describe_task_definition().task_definition(arn).send().await {
        Ok(out) => {
            out.task_definition().and_then(|t| t.status()) == Some(&aws_sdk_ecs::types::TaskDefinitionStatus::Active)
        }
        Err(_) => false,
    }
}

const SERVICE_STACK: &str = r#"
stack: conf-ecs-service
region: ap-northeast-1
tags: { suite: conformance }
vars:
  name: { type: string, default: one }
  tag: { type: string, default: "6.8" }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.80.0.0/16 }
  subnet:
    type: aws.ec2.subnet
    properties: { vpc_id: "${vpc.id}", availability_zone: ap-northeast-1a, cidr_block: 10.80.1.0/24 }
  sg:
    type: aws.ec2.security_group
    properties: { name: conf-tasks, description: the tasks, vpc_id: "${vpc.id}" }
  tg:
    type: aws.elbv2.target_group
    properties: { name: conf-wp, port: 80, protocol: HTTP, vpc_id: "${vpc.id}", target_type: ip }
  cluster:
    type: aws.ecs.cluster
    properties:
      name: conf-svc
      capacity_providers: [FARGATE, FARGATE_SPOT]
      default_capacity_provider_strategy: [{ capacity_provider: FARGATE_SPOT, weight: 1 }]
  task:
    type: aws.ecs.task_definition
    lifecycle: { create_before_destroy: true }
    properties:
      family: conf-svc
      cpu: "256"
      memory: "512"
      network_mode: awsvpc
      requires_compatibilities: [FARGATE]
      container_definitions:
        - { name: web, image: "nginx:${var.tag}", port_mappings: [{ container_port: 80 }] }
  subject:
    type: aws.ecs.service
    properties:
      name: conf-${var.name}
      cluster: ${cluster.arn}
      task_definition: ${task.arn}
      desired_count: 2
      capacity_provider_strategy: [{ capacity_provider: FARGATE_SPOT, weight: 1 }]
      network_configuration: { subnets: ["${subnet.id}"], security_groups: ["${sg.id}"], assign_public_ip: false }
      load_balancers: [{ target_group_arn: "${tg.arn}", container_name: web, container_port: 80 }]
      health_check_grace_period_seconds: 60
      deployment_circuit_breaker: { enable: true, rollback: true }
      deployment_minimum_healthy_percent: 100
      deployment_maximum_percent: 200
      enable_execute_command: true
      propagate_tags: SERVICE
  alarm:
    type: aws.cloudwatch.metric_alarm
    properties:
      alarm_name: conf-svc-cpu
      alarm_description: "CPU of ${subject.arn}"
      namespace: AWS/ECS
      metric_name: CPUUtilization
      dimensions: { ClusterName: conf-svc, ServiceName: "${subject.name}" }
      statistic: Average
      period: 60
      evaluation_periods: 3
      threshold: 80
      comparison_operator: GreaterThanThreshold
"#;

/// (cluster ARN, service name) of a service ARN.
fn split(id: &str) -> (String, String) {
    let (head, name) = id.rsplit_once('/').unwrap();
    let (prefix, cluster) = head.rsplit_once('/').unwrap();
    (format!("{}/{cluster}", prefix.replace(":service", ":cluster")), name.to_string())
}

#[tokio::test]
async fn service() {
    conformance(
        "ecs-service",
        Case {
            kind: "aws.ecs.service",
            stack: SERVICE_STACK.into(),
            mutations: vec![
                (
                    "desired_count",
                    m(|h, id| async move {
                        let (c, n) = split(&id);
                        h.ecs().update_service().cluster(c).service(n).desired_count(5).send().await.unwrap();
                    }),
                ),
                (
                    "enable_execute_command",
                    m(|h, id| async move {
                        let (c, n) = split(&id);
                        h.ecs()
                            .update_service()
                            .cluster(c)
                            .service(n)
                            .enable_execute_command(false)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "health_check_grace_period_seconds",
                    m(|h, id| async move {
                        let (c, n) = split(&id);
                        let call = h.ecs().update_service().cluster(c).service(n);
                        call.health_check_grace_period_seconds(0).send().await.unwrap();
                    }),
                ),
                (
                    "deployment_circuit_breaker",
                    m(|h, id| async move {
                        let (c, n) = split(&id);
                        let off = DeploymentCircuitBreaker::builder().enable(false).rollback(false).build();
                        let dc = DeploymentConfiguration::builder()
                            .deployment_circuit_breaker(off)
                            .minimum_healthy_percent(100)
                            .maximum_percent(200)
                            .build();
                        h.ecs()
                            .update_service()
                            .cluster(c)
                            .service(n)
                            .deployment_configuration(dc)
                            .send()
                            .await
                            .unwrap();
                    }),
                ),
                (
                    "capacity_provider_strategy",
                    m(|h, id| async move {
                        let (c, n) = split(&id);
                        let call = h.ecs().update_service().cluster(c).service(n);
                        call.capacity_provider_strategy(strategy("FARGATE")).send().await.unwrap();
                    }),
                ),
                (
                    "network_configuration",
                    m(|h, id| async move {
                        let (c, n) = split(&id);
                        let live = h.ecs().describe_services().cluster(&c).services(&n).send().await.unwrap();
                        let vpc = live.services()[0].network_configuration().unwrap().awsvpc_configuration().unwrap();
                        let public = AwsVpcConfiguration::builder()
                            .set_subnets(Some(vpc.subnets().to_vec()))
                            .set_security_groups(Some(vpc.security_groups().to_vec()))
                            .assign_public_ip(AssignPublicIp::Enabled)
                            .build()
                            .unwrap();
                        let nc = NetworkConfiguration::builder().awsvpc_configuration(public).build();
                        h.ecs().update_service().cluster(c).service(n).network_configuration(nc).send().await.unwrap();
                    }),
                ),
                (
                    "load_balancers",
                    m(|h, id| async move {
                        let (c, n) = split(&id);
                        let call = h.ecs().update_service().cluster(c).service(n);
                        call.set_load_balancers(Some(Vec::new())).send().await.unwrap();
                    }),
                ),
                (
                    "tags",
                    m(|h, id| async move {
                        h.ecs().untag_resource().resource_arn(id).tag_keys("suite").send().await.unwrap();
                    }),
                ),
            ],
            replace: Some(("name", "two", Some("alarm"))),
            twice: Twice::Another,
        },
    )
    .await;
}

/// A new container image registers a new revision; the service moves to
/// it in place, and only then is the old revision deregistered.
#[tokio::test]
async fn new_revision_moves_the_service() {
    let h = harness("ecs-revision");
    let applied = h.apply(&stack(SERVICE_STACK, &[])).await;
    let (old_task, svc) = (h.id_of(&applied, "task"), h.id_of(&applied, "subject"));
    let changed = stack(SERVICE_STACK, &[("tag", "1.27")]);
    let plan = h.plan(&changed).await;
    let action = |a: &str| plan.steps.iter().find(|s| s.address == a).map(|s| s.action);
    assert_eq!(action("task"), Some(stackr_engine::plan::Action::Replace));
    assert_eq!(action("subject"), Some(stackr_engine::plan::Action::Update), "{:#?}", plan.steps);
    let applied = h.apply(&changed).await;
    let new_task = h.id_of(&applied, "task");
    assert_ne!(new_task, old_task);
    assert!(new_task.ends_with(":2"), "{new_task}");
    assert_eq!(h.id_of(&applied, "subject"), svc, "the service was replaced");
    let (c, n) = split(&svc);
    let live = h.ecs().describe_services().cluster(c).services(n).send().await.unwrap();
    assert_eq!(live.services()[0].task_definition(), Some(new_task.as_str()));
    assert!(!active(&h, &old_task).await, "the old revision is still active");
    assert!(h.plan(&changed).await.is_empty());
    h.destroy("conf-ecs-service").await;
}

/// A desired count left to auto scaling (`ignore_changes`) is never a change.
#[tokio::test]
async fn desired_count_left_to_autoscaling() {
    let h = harness("ecs-ignore");
    let text = SERVICE_STACK.replace(
        "  subject:\n    type: aws.ecs.service\n",
        "  subject:\n    type: aws.ecs.service\n    lifecycle: { ignore_changes: [desired_count] }\n",
    );
    let s = stack(&text, &[]);
    let applied = h.apply(&s).await;
    let (c, n) = split(&h.id_of(&applied, "subject"));
    h.ecs().update_service().cluster(c).service(n).desired_count(7).send().await.unwrap();
    assert!(h.plan(&s).await.is_empty(), "a scaled service shows a change");
    h.destroy("conf-ecs-service").await;
}

/// A cluster or task definition given by name instead of ARN is refused
/// before anything is made (it would differ on every run).
#[tokio::test]
async fn names_instead_of_arns_are_refused() {
    let h = harness("ecs-names");
    let rec = h.providers.get("aws.ecs.service").unwrap();
    let mut props = stackr_engine::reconciler::Props::new();
    for (k, v) in [("name", "x"), ("cluster", "default"), ("task_definition", "web:1")] {
        props.insert(k.into(), stackr_core::value::Value::String(v.into()));
    }
    let err = rec
        .create(&stackr_engine::reconciler::CreateRequest {
            target: stackr_engine::reconciler::Target {
                stack: "s".into(),
                address: "svc".into(),
                region: REGION.into(),
            },
            properties: props,
            tags: Default::default(),
            token: "t".into(),
            known_ids: Vec::new(),
        })
        .await
        .expect_err("a cluster name was taken");
    assert!(err.message.contains("${cluster.arn}"), "{}", err.message);
}

/// Calls of one operation the harness's reconcilers made since the last reset.
fn calls(h: &Harness, operation: &str) -> u64 {
    h.calls.rows().iter().filter(|r| r.operation == operation).map(|r| r.count.calls).sum()
}

/// Services are read 10 a call per cluster, clusters 100 a call; missing
/// ones come back as gone, in order.
#[tokio::test]
async fn observe_reads_in_batches() {
    let h = harness("ecs-batches");
    let ecs = h.ecs();
    let mut clusters = Vec::new();
    for i in 0..3 {
        let c = ecs.create_cluster().cluster_name(format!("batch-{i}")).send().await.unwrap();
        clusters.push(c.cluster().unwrap().cluster_arn().unwrap().to_string());
    }
    let td = ecs
        .register_task_definition()
        .family("batch")
        .container_definitions(
            aws_sdk_ecs::types::ContainerDefinition::builder().name("web").image("nginx").memory(128).build(),
        )
        .send()
        .await
        .unwrap();
    let td = td.task_definition().unwrap().task_definition_arn().unwrap().to_string();
    let mut services = Vec::new();
    for i in 0..12 {
        let s = ecs.create_service().cluster("batch-0").service_name(format!("s{i:02}")).task_definition(&td);
        services.push(s.send().await.unwrap().service().unwrap().service_arn().unwrap().to_string());
    }
    let missing_service = services[0].replace("/s00", "/gone");
    services.insert(5, missing_service);
    let missing_cluster = clusters[0].replace("batch-0", "gone");
    clusters.insert(1, missing_cluster);

    h.calls.reset();
    let got = h.providers.get("aws.ecs.service").unwrap().observe(REGION, &services).await.unwrap();
    assert_eq!(calls(&h, "DescribeServices"), 2, "{:?}", h.calls.rows());
    for (id, o) in services.iter().zip(&got) {
        assert_eq!(o.as_ref().map(|o| o.id.as_str()), (!id.ends_with("/gone")).then_some(id.as_str()));
    }
    h.calls.reset();
    let got = h.providers.get("aws.ecs.cluster").unwrap().observe(REGION, &clusters).await.unwrap();
    assert_eq!(calls(&h, "DescribeClusters"), 1, "{:?}", h.calls.rows());
    assert_eq!(got.iter().map(Option::is_some).collect::<Vec<_>>(), [true, false, true, true]);
}
