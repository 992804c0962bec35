//! Renames through `moved:`, and values whose type is only known at apply
//! time, against the fake cloud.

mod common;

use common::*;
use stackr_engine::plan::Action;

#[tokio::test]
async fn a_moved_resource_keeps_its_cloud_resource_and_the_move_is_saved() {
    let b = bed();
    b.apply(&stack(NETWORK)).await;
    let logs_id = b.store.state().resources["logs"].id.clone();
    let subnet_a = b.store.state().resources["subnet[a]"].id.clone();
    let renamed = NETWORK
        .replace("  logs:\n", "  app_logs:\n")
        .replace("  subnet:\n", "  private:\n")
        .replace("${subnet[*].id}", "${private[*].id}")
        + "moved:\n  - { from: logs, to: app_logs }\n  - { from: subnet, to: private }\n";
    let s = stack(&renamed);
    let plan = b.plan(&s).await;
    let moved: Vec<(&str, &str)> = plan.moved.iter().map(|m| (m.from.as_str(), m.to.as_str())).collect();
    assert_eq!(moved, [("logs", "app_logs"), ("subnet[a]", "private[a]"), ("subnet[c]", "private[c]")]);
    // Nothing is made or deleted; only stackr's own address tag follows.
    assert_eq!(plan.count(Action::Create) + plan.count(Action::Delete) + plan.count(Action::Replace), 0);
    assert!(plan.steps.iter().all(|s| s.changes.iter().all(|c| c.field == "tags")), "{:#?}", plan.steps);
    let applied = b.apply(&s).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let state = b.store.state();
    assert_eq!(state.resources["app_logs"].id, logs_id);
    assert_eq!(state.resources["private[a]"].id, subnet_a);
    assert!(!state.resources.contains_key("logs"));
    assert_eq!(b.cloud.by_address("app_logs").len(), 1, "the tag follows the move");
    assert!(b.plan(&s).await.is_empty(), "moved once, then settled");
}

#[tokio::test]
async fn moves_alone_are_saved_by_apply() {
    let b = bed();
    let one = "stack: spec\nregion: ap-northeast-1\nresources:\n  zone_a:\n    type: aws.route53.record\n    properties: { zone_id: Z1, name: a.example.com, type: A, ttl: 60, records: [192.0.2.1] }\n";
    b.apply(&stack(one)).await;
    let moved = one.replace("zone_a:", "record_a:") + "moved: [{ from: zone_a, to: record_a }]\n";
    let s = stack(&moved);
    let plan = b.plan(&s).await;
    assert!(plan.steps.is_empty() && plan.moved.len() == 1, "{plan:#?}");
    assert!(b.apply(&s).await.report.ok());
    assert!(b.store.state().resources.contains_key("record_a"), "written though no resource changed");
    assert!(b.plan(&s).await.is_empty());
}

#[tokio::test]
async fn a_value_of_the_wrong_type_known_only_at_apply_is_refused_before_any_call() {
    let b = bed();
    // `try` hides the reference's type from validate: the value is only
    // known once the cluster exists, and is a string.
    let text = r#"
stack: spec
region: ap-northeast-1
resources:
  cluster:
    type: aws.ecs.cluster
    properties: { name: c }
  service:
    type: aws.ecs.service
    properties:
      name: s
      cluster: ${cluster.arn}
      task_definition: arn:aws:ecs:ap-northeast-1:123456789012:task-definition/t:1
      desired_count: ${try(cluster.arn, 1)}
"#;
    let applied = b.apply(&stack(text)).await;
    let failed: Vec<&str> = applied.report.failed.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(failed, ["service"]);
    let why = format!("{:?}", applied.report.failed[0].2);
    assert!(why.contains("desired_count") && why.contains("nothing was sent"), "{why}");
    assert!(b.cloud.by_address("service").is_empty(), "no call made for it");
    // Now that the cluster exists, the plan itself refuses it, located.
    let s = stack(text);
    let e = b.session.prepare(&s).await.err().expect("refused at plan");
    assert!(format!("{e:?}").contains("desired_count"), "{e:?}");
}

#[tokio::test]
async fn a_drift_check_never_writes_state() {
    let b = bed();
    let s = stack(NETWORK);
    b.apply(&s).await;
    // A run journaled a create, made the resource and died before recording it.
    b.crash_after_create("logs").await;
    let writes = *b.store.writes.lock().unwrap();

    // The drift check sees the adoption to come, and writes nothing.
    let prepared = b.session.prepare_read_only(&s).await.expect("planned");
    assert_eq!(prepared.resolutions.len(), 1);
    assert!(prepared.plan.is_empty(), "the resource is found, not made again: {:#?}", prepared.plan);
    assert_eq!(*b.store.writes.lock().unwrap(), writes, "nothing written");
    assert_eq!(b.store.state().pending.len(), 1, "still pending, for apply to adopt");
    // Apply adopts it.
    assert!(b.session.prepare(&s).await.unwrap().plan.is_empty());
    assert!(b.store.state().pending.is_empty());
    assert!(b.store.state().resources.contains_key("logs"));
}

#[tokio::test]
async fn a_replacement_whose_dependant_stays_is_named_with_the_fix() {
    let b = bed();
    let text = |name: &str, cbd: bool| {
        format!(
            "stack: spec\nregion: ap-northeast-1\nresources:\n  logs:\n    type: aws.logs.log_group\n{}    properties: {{ name: {name} }}\n  pointer:\n    type: aws.ssm.parameter\n    properties: {{ name: /p, type: String, value: \"${{logs.arn}}\" }}\n",
            if cbd { "    lifecycle: { create_before_destroy: true }\n" } else { "" }
        )
    };
    b.apply(&stack(&text("/one", false))).await;
    let plan = b.plan(&stack(&text("/two", false))).await;
    assert_eq!(plan.warnings.len(), 1, "{plan:#?}");
    assert!(plan.warnings[0].contains("`logs`") && plan.warnings[0].contains("`pointer`"), "{}", plan.warnings[0]);
    assert!(plan.warnings[0].contains("create_before_destroy"));
    let plan = b.plan(&stack(&text("/two", true))).await;
    assert!(plan.warnings.is_empty(), "made first, deleted once moved: {:?}", plan.warnings);

    // Ordered after it only (`depends_on`), the dependant does not use it
    // in any way AWS knows of: nothing to warn about.
    let ordered = |name: &str| {
        format!(
            "stack: spec\nregion: ap-northeast-1\nresources:\n  logs:\n    type: aws.logs.log_group\n    properties: {{ name: {name} }}\n  pointer:\n    type: aws.ssm.parameter\n    depends_on: [logs]\n    properties: {{ name: /p, type: String, value: v }}\n"
        )
    };
    let b = bed();
    b.apply(&stack(&ordered("/one"))).await;
    let plan = b.plan(&stack(&ordered("/two"))).await;
    assert!(plan.steps.iter().any(|s| s.address == "logs" && s.action == Action::Replace), "{plan:#?}");
    assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
}

#[tokio::test]
async fn a_retained_resource_is_forgotten_not_deleted_on_removal_and_on_destroy() {
    let b = bed();
    let retained = NETWORK
        .replace("    type: aws.logs.log_group\n", "    type: aws.logs.log_group\n    lifecycle: { retain: true }\n");
    b.apply(&stack(NETWORK)).await;
    // Set on a resource that stays: recorded, nothing else.
    let s = stack(&retained);
    let plan = b.plan(&s).await;
    assert!(plan.steps.is_empty() && plan.retain.get("logs") == Some(&true), "{plan:#?}");
    b.apply(&s).await;
    assert!(b.store.state().resources["logs"].retain);
    let logs = b.store.state().resources["logs"].id.clone();

    // Gone from the stack file altogether: forgotten, still in the cloud.
    let without = NETWORK.replace("  logs:\n    type: aws.logs.log_group\n    properties: { name: /spec, retention_in_days: \"${var.retention}\" }\n", "");
    assert!(!without.contains("/spec"), "{without}");
    let s = stack(&without);
    let plan = b.plan(&s).await;
    assert_eq!(plan.forget, ["logs"]);
    assert!(plan.steps.iter().all(|st| st.address != "logs"), "{plan:#?}");
    b.apply(&s).await;
    assert!(!b.store.state().resources.contains_key("logs"));
    assert!(b.cloud.all().iter().any(|r| r.id == logs), "kept in the cloud");

    // On destroy too.
    let b = bed();
    b.apply(&stack(&retained)).await;
    let logs = b.store.state().resources["logs"].id.clone();
    let done = b.destroy("spec", &[]).await.expect("destroyed");
    assert!(done.report.ok());
    assert!(b.store.state().resources.is_empty());
    let left: Vec<String> = b.cloud.all().iter().map(|r| r.id.clone()).collect();
    assert_eq!(left, [logs], "only the retained log group is left");
}

#[tokio::test]
async fn a_create_before_destroy_whose_new_one_never_starts_deposes_nothing() {
    // The log group's replacement needs the VPC... which fails to update.
    let text = NETWORK
        .replace(
            "  logs:\n    type: aws.logs.log_group\n",
            "  logs:\n    type: aws.logs.log_group\n    lifecycle: { create_before_destroy: true }\n    depends_on: [vpc]\n",
        )
        .replace("name: /spec", "name: \"/spec/${var.retention}\"")
        .replace("enable_dns_hostnames: true", "enable_dns_hostnames: \"${var.retention > 10}\"");
    let b = bed();
    b.apply(&stack(&text)).await;
    let old = b.store.state().resources["logs"].id.clone();
    b.cloud.fail("vpc");
    let changed = stack_with(&text, &[("retention", "14")]);
    let applied = b.apply(&changed).await;
    assert!(!applied.report.ok());
    let state = b.store.state();
    assert_eq!(state.resources["logs"].id, old, "the old one keeps its address: its replacement never started");
    assert!(!state.resources.contains_key("logs#deposed"), "{:?}", state.resources.keys().collect::<Vec<_>>());
    // Fixed, the replacement happens as planned, the new one first.
    b.cloud.heal("vpc");
    assert!(b.apply(&changed).await.report.ok());
    let state = b.store.state();
    assert_ne!(state.resources["logs"].id, old);
    assert!(!state.resources.contains_key("logs#deposed"));
    assert_eq!(b.cloud.by_address("logs").len(), 1);
}

#[tokio::test]
async fn a_resource_of_another_state_of_the_stack_is_never_adopted() {
    let b = bed();
    let s = stack(NETWORK);
    b.apply(&s).await;
    let theirs = b.store.state().resources["logs"].id.clone();
    // Another state of the same stack (another lineage) journaled a create
    // of `logs` and died: what it finds is the first state's log group.
    let mut other = stackr_state::State::new("spec", "test");
    other.serial = 1;
    other.pending.insert(
        "logs".into(),
        stackr_state::PendingOp {
            op: stackr_state::PendingKind::Create,
            kind: "aws.logs.log_group".into(),
            region: "ap-northeast-1".into(),
            token: "another-token".into(),
            id: None,
            started_at: 0,
            dependencies: Vec::new(),
            protect: false,
            properties: Default::default(),
        },
    );
    *b.store.doc.lock().unwrap() = Some((stackr_state::render_state(&other), 100));
    let prepared = b.session.prepare(&s).await.expect("planned");
    assert!(!prepared.state.resources.values().any(|r| r.id == theirs), "adopted another state's resource");
    assert!(prepared.plan.steps.iter().any(|st| st.address == "logs" && st.action == Action::Create));
}

/// A resource given a `for_each` keeps its AWS resource as one instance
/// (`moved: { from: logs, to: "logs[app]" }`), and back.
#[tokio::test]
async fn a_resource_moves_into_an_instance_of_a_for_each_and_back() {
    let single = "stack: spec\nregion: ap-northeast-1\nresources:\n  logs:\n    type: aws.logs.log_group\n    properties: { name: /app }\n";
    let each = "stack: spec\nregion: ap-northeast-1\nresources:\n  logs:\n    type: aws.logs.log_group\n    for_each: [app]\n    properties: { name: \"/${each.key}\" }\nmoved:\n  - { from: logs, to: \"logs[app]\" }\n";
    let back = "stack: spec\nregion: ap-northeast-1\nresources:\n  logs:\n    type: aws.logs.log_group\n    properties: { name: /app }\nmoved:\n  - { from: \"logs[app]\", to: logs }\n";
    let b = bed();
    b.apply(&stack(single)).await;
    let id = b.cloud.by_address("logs")[0].id.clone();
    let plan = b.plan(&stack(each)).await;
    assert!(plan.steps.iter().all(|s| s.action != Action::Create && s.action != Action::Delete), "{plan:#?}");
    b.apply(&stack(each)).await;
    assert_eq!(b.store.state().resources["logs[app]"].id, id);
    assert!(!b.store.state().resources.contains_key("logs"));
    let plan = b.plan(&stack(back)).await;
    assert!(plan.steps.iter().all(|s| s.action != Action::Create && s.action != Action::Delete), "{plan:#?}");
    b.apply(&stack(back)).await;
    assert_eq!(b.store.state().resources["logs"].id, id);
}
