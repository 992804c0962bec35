//! The service example (ECS on Fargate behind the ALB, auto scaling and
//! alarms, over the network and data tier) through the binary, against the
//! local AWS (a moto server of its own): apply, diff exit 0; an alarm
//! threshold edited by hand and the service scaled by hand beyond its
//! auto scaling maximum make diff exit 2 naming each (a count inside the
//! bounds is auto scaling's and no change); apply repairs both; destroy
//! leaves nothing (checked with the SDK).

mod common;
use common::*;

use aws_sdk_applicationautoscaling::types::ServiceNamespace;
use aws_sdk_cloudwatch::types::ComparisonOperator;

const FILE: &str = "examples/service.yaml";
const STATE: &str = "state/service.json";
const CLUSTER: &str = "dev-wordpress";
const ALARM: &str = "dev-wordpress-cpu-high";

/// The service's desired count.
async fn desired(ecs: &aws_sdk_ecs::Client) -> i32 {
    let live = ecs.describe_services().cluster(CLUSTER).services("wordpress").send().await.unwrap();
    live.services()[0].desired_count()
}

#[tokio::test(flavor = "multi_thread")]
async fn service_apply_drift_repair_destroy() {
    let moto = stackr_testkit::Moto::start().expect("moto");
    let dir = workdir("service-cli", &["network.yaml", "data-tier.yaml", "service.yaml"]);
    let url = moto.url().to_string();
    run(&dir, &url, &["apply", FILE, "--yes"], 0);
    run(&dir, &url, &["diff", FILE], 0);

    let config = stackr_testkit::sdk_config(&moto, "ap-northeast-1");
    let ecs = aws_sdk_ecs::Client::new(&config);
    let cw = aws_sdk_cloudwatch::Client::new(&config);
    let scaling = aws_sdk_applicationautoscaling::Client::new(&config);
    assert_eq!(desired(&ecs).await, 1);

    // Auto scaling's business: a count inside [1, 6] is no change.
    ecs.update_service().cluster(CLUSTER).service("wordpress").desired_count(4).send().await.unwrap();
    run(&dir, &url, &["diff", FILE], 0);

    // By hand, as in the console: the alarm's threshold raised, and the
    // service scaled beyond the maximum of 6.
    let alarm = cw.describe_alarms().alarm_names(ALARM).send().await.unwrap().metric_alarms()[0].clone();
    cw.put_metric_alarm()
        .alarm_name(ALARM)
        .set_alarm_description(alarm.alarm_description().map(str::to_string))
        .set_namespace(alarm.namespace().map(str::to_string))
        .set_metric_name(alarm.metric_name().map(str::to_string))
        .set_dimensions(Some(alarm.dimensions().to_vec()))
        .set_statistic(alarm.statistic().cloned())
        .set_unit(alarm.unit().cloned())
        .set_period(alarm.period())
        .set_evaluation_periods(alarm.evaluation_periods())
        .threshold(95.0)
        .comparison_operator(ComparisonOperator::GreaterThanOrEqualToThreshold)
        .set_alarm_actions(Some(alarm.alarm_actions().to_vec()))
        .send()
        .await
        .unwrap();
    ecs.update_service().cluster(CLUSTER).service("wordpress").desired_count(12).send().await.unwrap();

    let out = run(&dir, &url, &["diff", FILE], 2);
    for named in ["cpu_high", "threshold", "scaling", "max_capacity"] {
        assert!(out.contains(named), "diff does not name {named}: {out}");
    }
    assert!(!out.contains("desired_count"), "the count auto scaling owns is shown: {out}");

    run(&dir, &url, &["apply", FILE, "--yes"], 0);
    let alarm = cw.describe_alarms().alarm_names(ALARM).send().await.unwrap();
    assert_eq!(alarm.metric_alarms()[0].threshold(), Some(70.0));
    assert_eq!(desired(&ecs).await, 6, "the count is not back inside the bounds");
    run(&dir, &url, &["diff", FILE], 0);

    run(&dir, &url, &["destroy", FILE, "--yes"], 0);

    // Nothing of the service tier is left.
    let services = ecs.list_services().cluster(CLUSTER).send().await;
    if let Ok(services) = services {
        let arns = services.service_arns().to_vec();
        if !arns.is_empty() {
            let live = ecs.describe_services().cluster(CLUSTER).set_services(Some(arns)).send().await.unwrap();
            assert!(live.services().iter().all(|s| s.status() == Some("INACTIVE")), "services left: {live:?}");
        }
    }
    let clusters = ecs.describe_clusters().clusters(CLUSTER).send().await.unwrap();
    assert!(clusters.clusters().iter().all(|c| c.status() == Some("INACTIVE")), "cluster left: {clusters:?}");
    let tasks = ecs.list_task_definitions().family_prefix(CLUSTER).send().await.unwrap();
    assert!(tasks.task_definition_arns().is_empty(), "task definitions left: {tasks:?}");
    let targets = scaling.describe_scalable_targets().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    assert!(targets.scalable_targets().is_empty(), "scalable targets left: {targets:?}");
    let policies = scaling.describe_scaling_policies().service_namespace(ServiceNamespace::Ecs).send().await.unwrap();
    assert!(policies.scaling_policies().is_empty(), "scaling policies left: {policies:?}");
    let alarms = cw.describe_alarms().alarm_name_prefix(CLUSTER).send().await.unwrap();
    assert!(alarms.metric_alarms().is_empty(), "alarms left: {alarms:?}");
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.join(STATE)).unwrap()).unwrap();
    assert_eq!(state["resources"].as_object().map_or(0, |r| r.len()), 0, "state still lists resources");
    let _ = std::fs::remove_dir_all(&dir);
}
