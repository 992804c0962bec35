//! The engine's specification, against the fake cloud.

mod common;

use common::*;
use stackr_core::value::Value;
use stackr_engine::events::Event;
use stackr_engine::plan::{Action, Cause};
use std::time::{Duration, Instant};

#[tokio::test]
async fn creates_everything_then_is_up_to_date() {
    let b = bed();
    let s = stack(NETWORK);
    let plan = b.plan(&s).await;
    assert_eq!(plan.count(Action::Create), 4);
    // Values unknown before apply are shown as such.
    let subnet = plan.steps.iter().find(|st| st.address == "subnet[a]").unwrap();
    let vpc_id = subnet.changes.iter().find(|c| c.field == "vpc_id").unwrap();
    assert_eq!(vpc_id.after, serde_json::json!("(known after apply)"));
    let cidr = subnet.changes.iter().find(|c| c.field == "cidr_block").unwrap();
    assert_eq!(cidr.after, serde_json::json!("10.0.0.0/24"), "known from the vpc's property");

    let applied = b.apply(&s).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let state = b.store.state();
    assert_eq!(state.resources.len(), 4);
    assert!(state.pending.is_empty());
    let vpc_id = state.resources["vpc"].id.clone();
    assert_eq!(state.resources["subnet[a]"].properties["vpc_id"], serde_json::json!(vpc_id));
    assert_eq!(state.outputs["vpc_id"].value, serde_json::json!(vpc_id));
    assert_eq!(b.cloud.all().len(), 4);
    let tags = &b.cloud.by_address("subnet[c]")[0].tags;
    assert_eq!(tags["stackr:stack"], "spec");
    assert_eq!(tags["stackr:resource"], "subnet[c]");
    assert_eq!(tags["stackr:lineage"], state.lineage, "the state that owns it");

    // Second run: nothing to do, and observation is batched per type.
    b.cloud.reset_calls();
    let plan = b.plan(&s).await;
    assert!(plan.is_empty(), "{:#?}", plan.steps);
    assert_eq!(plan.unchanged, 4);
    assert_eq!(b.cloud.calls("observe"), 3, "one call per (type, region)");
    let again = b.apply(&s).await;
    assert!(again.report.done.is_empty());
    assert_eq!(b.cloud.calls("create") + b.cloud.calls("update") + b.cloud.calls("delete"), 0);
    assert_eq!(b.cloud.all().len(), 4, "no duplicate");
}

#[tokio::test]
async fn config_change_is_an_update_and_drift_is_told_apart() {
    let b = bed();
    b.apply(&stack(NETWORK)).await;
    let changed = stack_with(NETWORK, &[("retention", "30")]);
    let plan = b.plan(&changed).await;
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.steps[0].action, Action::Update);
    assert_eq!(plan.steps[0].cause, Cause::Config);
    b.apply(&changed).await;
    let logs = &b.cloud.by_address("logs")[0];
    assert_eq!(logs.properties["retention_in_days"], Value::Number(30.0));

    // Out-of-band change: drift, repaired by apply.
    b.cloud.edit(&logs.id, "retention_in_days", Value::Number(1.0));
    let plan = b.plan(&changed).await;
    assert_eq!(plan.steps[0].cause, Cause::Drift);
    assert!(plan.has_drift());
    assert_eq!(plan.steps[0].changes[0].before, serde_json::json!(1));
    b.apply(&changed).await;
    assert_eq!(b.cloud.by_address("logs")[0].properties["retention_in_days"], Value::Number(30.0));
    assert!(b.plan(&changed).await.is_empty());
}

#[tokio::test]
async fn a_resource_deleted_outside_is_recreated() {
    let b = bed();
    let s = stack(NETWORK);
    b.apply(&s).await;
    let id = b.cloud.by_address("logs")[0].id.clone();
    b.cloud.remove(&id);
    let plan = b.plan(&s).await;
    assert_eq!(plan.steps.len(), 1);
    assert_eq!(plan.steps[0].action, Action::Create);
    // Drift, not a plain create: it was in state.
    assert_eq!(plan.steps[0].cause, Cause::Deleted);
    assert!(plan.has_drift());
    b.apply(&s).await;
    assert_eq!(b.cloud.by_address("logs").len(), 1);
    // The entry of the one deleted outside is replaced, not kept aside.
    assert!(!b.store.state().resources.contains_key("logs#deposed"));
    assert!(b.plan(&s).await.is_empty());
}

#[tokio::test]
async fn replacement_deletes_dependants_before_their_dependency() {
    let b = bed();
    b.apply(&stack(NETWORK)).await;
    b.events.take();
    let changed = stack_with(NETWORK, &[("cidr", "10.1.0.0/16")]);
    let plan = b.plan(&changed).await;
    let vpc = plan.steps.iter().find(|s| s.address == "vpc").unwrap();
    assert_eq!(vpc.action, Action::Replace);
    assert!(vpc.changes.iter().any(|c| c.field == "cidr_block" && c.forces_replacement));
    // Subnets move with it (their cidr and vpc change).
    assert_eq!(plan.count(Action::Replace), 3);
    let applied = b.apply(&changed).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let pos = |addr: &str, op: &str| {
        events
            .iter()
            .position(|e| matches!(e, Event::Done { address, operation, .. } if address == addr && *operation == op))
            .unwrap_or_else(|| panic!("no {op} of {addr} in {events:?}"))
    };
    assert!(pos("subnet[a]", "delete") < pos("vpc", "delete"), "old subnets go before the old vpc");
    assert!(pos("vpc", "create") < pos("subnet[a]", "create"), "the new vpc exists before new subnets");
    assert_eq!(b.cloud.all().len(), 4);
    assert_eq!(b.cloud.by_address("vpc")[0].properties["cidr_block"], Value::from("10.1.0.0/16"));
    assert!(b.plan(&changed).await.is_empty());
}

/// NETWORK with its log group replaced create-before-destroy, and named
/// after `retention` (so that changing it forces the replacement).
fn cbd_logs() -> String {
    NETWORK
        .replace(
            "  logs:\n    type: aws.logs.log_group\n",
            "  logs:\n    type: aws.logs.log_group\n    lifecycle: { create_before_destroy: true }\n",
        )
        .replace("name: /spec", "name: \"/spec/${var.retention}\"")
}

#[tokio::test]
async fn create_before_destroy_creates_the_new_one_first() {
    let text = cbd_logs();
    let b = bed();
    b.apply(&stack(&text)).await;
    b.events.take();
    // A log group's name forces replacement.
    let applied = b.apply(&stack_with(&text, &[("retention", "14")])).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let create =
        events.iter().position(|e| matches!(e, Event::Done { address, operation: "create", .. } if address == "logs"));
    let delete =
        events.iter().position(|e| matches!(e, Event::Done { address, operation: "delete", .. } if address == "logs"));
    assert!(create.unwrap() < delete.unwrap(), "{events:?}");
    assert_eq!(b.cloud.by_address("logs").len(), 1);
    // State tracks the new one, and nothing is left to do.
    let state = b.store.state();
    assert_eq!(state.resources["logs"].id, b.cloud.by_address("logs")[0].id);
    assert!(!state.resources.contains_key("logs#deposed"));
    assert!(b.plan(&stack_with(&text, &[("retention", "14")])).await.is_empty());
}

/// A create-before-destroy deletes the old resource only once the new one
/// is ready, not as soon as its create is accepted: a cluster still
/// `creating` serves nothing.
#[tokio::test]
async fn create_before_destroy_deletes_the_old_one_once_the_new_one_is_ready() {
    let text = r#"
stack: cbd-ready
region: ap-northeast-1
vars:
  gen: { type: string, default: a }
resources:
  cluster:
    type: aws.rds.db_cluster
    lifecycle: { create_before_destroy: true }
    properties: { cluster_identifier: "c-${var.gen}", engine: aurora-mysql, master_username: admin, database_name: "db${var.gen}", manage_master_user_password: true }
"#;
    let b = bed();
    b.apply(&stack(text)).await;
    b.events.take();
    b.cloud.set_ready_polls(3);
    let applied = b.apply(&stack_with(text, &[("gen", "b")])).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let ready = events.iter().position(|e| matches!(e, Event::Ready { address, .. } if address == "cluster"));
    let delete = events.iter().position(|e| matches!(e, Event::Started { operation: "delete", .. }));
    assert!(ready.is_some() && delete.is_some() && ready < delete, "{events:?}");
    assert_eq!(b.cloud.by_address("cluster").len(), 1);
}

/// The old half of a create-before-destroy waits for the users that reach
/// it through a resource replaced with it (a listener using a certificate
/// through its validation): they are on the old one until they move.
#[tokio::test]
async fn the_old_half_waits_for_users_reaching_it_through_a_replaced_resource() {
    let text = r#"
stack: cbd-chain
region: ap-northeast-1
vars:
  gen: { type: string, default: a }
resources:
  logs:
    type: aws.logs.log_group
    lifecycle: { create_before_destroy: true }
    properties: { name: "/chain/${var.gen}" }
  middle:
    type: aws.ssm.parameter
    properties: { name: "/middle${logs.name}", type: String, value: m }
  user:
    type: aws.ssm.parameter
    properties: { name: /user, type: String, value: "${middle.name}" }
"#;
    let b = bed();
    b.apply(&stack(text)).await;
    b.events.take();
    let applied = b.apply(&stack_with(text, &[("gen", "b")])).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let moved =
        events.iter().position(|e| matches!(e, Event::Done { address, operation: "update", .. } if address == "user"));
    let old_goes = events
        .iter()
        .position(|e| matches!(e, Event::Started { address, operation: "delete" } if address.starts_with("logs")));
    assert!(moved.is_some() && old_goes.is_some() && moved < old_goes, "{events:?}");
    assert!(b.plan(&stack_with(text, &[("gen", "b")])).await.is_empty());
}

/// A create-before-destroy replacement that keeps a name AWS allows once is
/// refused before any call, whether the stack asks for it or a dependant
/// replaced create-before-destroy makes it so: the create would meet the
/// old resource and replace nothing.
#[tokio::test]
async fn a_replacement_made_first_under_the_same_name_is_refused() {
    let text = r#"
stack: cbd-name
region: ap-northeast-1
vars:
  gen: { type: string, default: a }
resources:
  cluster:
    type: aws.rds.db_cluster
    properties: { cluster_identifier: c1, engine: aurora-mysql, master_username: admin, database_name: "db${var.gen}", manage_master_user_password: true }
  logs:
    type: aws.logs.log_group
    lifecycle: { create_before_destroy: true }
    properties: { name: "/db/${cluster.database_name}" }
"#;
    let b = bed();
    b.apply(&stack(text)).await;
    let message = refusal(&b, &stack_with(text, &[("gen", "b")])).await;
    assert!(message.contains("cluster must be replaced") && message.contains("`c1`"), "{message}");
    assert!(message.contains("cluster_identifier"), "{message}");
    assert_eq!(b.cloud.calls("create"), 2, "nothing more was sent");
}

/// Why the plan of `s` is refused (it must be).
async fn refusal(b: &Bed, s: &stackr_core::model::Stack) -> String {
    match b.session.prepare(s).await {
        Err(e) => format!("{e:?}"),
        Ok(p) => panic!("planned: {:#?}", p.plan.steps),
    }
}

/// The same for a name AWS allows once among those naming the same parent
/// (`unique_in`): a security group's in its VPC.
#[tokio::test]
async fn a_replacement_made_first_under_the_same_name_in_its_parent_is_refused() {
    let text = r#"
stack: cbd-sg
region: ap-northeast-1
vars:
  text: { type: string, default: one }
resources:
  vpc:
    type: aws.ec2.vpc
    properties: { cidr_block: 10.0.0.0/16 }
  sg:
    type: aws.ec2.security_group
    lifecycle: { create_before_destroy: true }
    properties: { name: app, vpc_id: "${vpc.id}", description: "${var.text}" }
"#;
    let b = bed();
    b.apply(&stack(text)).await;
    let message = refusal(&b, &stack_with(text, &[("text", "two")])).await;
    assert!(message.contains("sg must be replaced") && message.contains("`app`"), "{message}");
}

/// A resource renamed in the stack without `moved:` is a delete and a
/// create of the same name: the create waits until the old one is gone
/// (AWS allows the name once), and what uses it follows, without a cycle.
#[tokio::test]
async fn a_create_taking_a_name_an_old_resource_holds_waits_for_it_to_go() {
    let text = |name: &str| {
        format!(
            "stack: rename\nregion: ap-northeast-1\nresources:\n  {name}:\n    type: aws.logs.log_group\n    properties: {{ name: /spec/same }}\n  param:\n    type: aws.ssm.parameter\n    properties: {{ name: /spec/logs, type: String, value: \"${{{name}.arn}}\" }}\n"
        )
    };
    let b = bed();
    b.apply(&stack(&text("old_logs"))).await;
    b.events.take();
    let applied = b.apply(&stack(&text("new_logs"))).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let gone = events
        .iter()
        .position(|e| matches!(e, Event::Done { address, operation: "delete", .. } if address == "old_logs"));
    let made = events
        .iter()
        .position(|e| matches!(e, Event::Started { address, operation: "create" } if address == "new_logs"));
    assert!(gone.is_some() && made.is_some() && gone < made, "{events:?}");
    assert!(b.plan(&stack(&text("new_logs"))).await.is_empty());
}

/// A create-before-destroy whose create comes back with the very resource
/// it replaces (one that adopts a matching resource, as an ECS task
/// definition revision is) keeps it: deleting "the old one" would delete
/// the new one, leaving state and its users on a resource that is gone.
#[tokio::test]
async fn a_replacement_that_is_the_old_resource_itself_is_not_deleted() {
    let text = cbd_logs();
    let b = bed();
    b.apply(&stack(&text)).await;
    let old_id = b.cloud.by_address("logs")[0].id.clone();
    b.cloud.adopting.lock().unwrap().insert("logs".into());
    let applied = b.apply(&stack_with(&text, &[("retention", "14")])).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert_eq!(b.cloud.calls("delete"), 0, "nothing deleted");
    let live = b.cloud.by_address("logs");
    assert_eq!((live.len(), live[0].id.as_str()), (1, old_id.as_str()));
    let state = b.store.state();
    assert_eq!(state.resources["logs"].id, old_id);
    assert!(!state.resources.contains_key("logs#deposed"));
}

/// The old half of a create-before-destroy that an earlier run left (its
/// user's update failed) goes in a later run only after that user has
/// moved to the new one, as it would have in the first run.
#[tokio::test]
async fn an_old_half_left_by_an_earlier_run_goes_after_its_users_have_moved() {
    let text = cbd_logs()
        .replace(
            "outputs:\n",
            "  param:\n    type: aws.ssm.parameter\n    properties: { name: /spec/logs, type: String, value: \"${logs.arn}\" }\noutputs:\n",
        );
    let b = bed();
    b.apply(&stack(&text)).await;
    b.cloud.fail("param:update");
    let changed = stack_with(&text, &[("retention", "14")]);
    let applied = b.apply(&changed).await;
    assert!(!applied.report.ok());
    assert!(b.store.state().resources.contains_key("logs#deposed"), "kept while its user has not moved");
    b.cloud.heal("param:update");
    // The user's update takes a while (AWS says "not yet" twice first).
    b.cloud.not_yet.lock().unwrap().insert("param:update".into(), 2);
    b.events.take();
    let applied = b.apply(&changed).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let done = |addr: &str, op: &str| {
        events
            .iter()
            .position(|e| matches!(e, Event::Done { address, operation, .. } if address == addr && *operation == op))
    };
    let (update, delete) = (done("param", "update"), done("logs#deposed", "delete"));
    assert!(update.is_some() && delete.is_some() && update < delete, "{events:?}");
    assert!(b.plan(&changed).await.is_empty());
}

/// An old half an earlier run left waits for the users that reach it
/// through a resource that run replaced already (an interrupted
/// certificate replacement resumed: the listener reaches the old
/// certificate through its validation, replaced before the interrupt).
#[tokio::test]
async fn a_resumed_old_half_waits_for_users_reaching_it_through_a_resource_replaced_before() {
    let text = r#"
stack: cbd-resume
region: ap-northeast-1
vars:
  gen: { type: string, default: a }
resources:
  logs:
    type: aws.logs.log_group
    lifecycle: { create_before_destroy: true }
    properties: { name: "/resume/${var.gen}" }
  middle:
    type: aws.ssm.parameter
    properties: { name: "/middle${logs.name}", type: String, value: m }
  user:
    type: aws.ssm.parameter
    properties: { name: /user, type: String, value: "${middle.name}" }
"#;
    let b = bed();
    b.apply(&stack(text)).await;
    b.cloud.fail("user:update");
    let changed = stack_with(text, &[("gen", "b")]);
    assert!(!b.apply(&changed).await.report.ok());
    assert!(b.store.state().resources.contains_key("logs#deposed"), "kept while its user has not moved");
    b.cloud.heal("user:update");
    b.cloud.not_yet.lock().unwrap().insert("user:update".into(), 2);
    b.events.take();
    let applied = b.apply(&changed).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let done = |addr: &str, op: &str| {
        events
            .iter()
            .position(|e| matches!(e, Event::Done { address, operation, .. } if address == addr && *operation == op))
    };
    let (update, delete) = (done("user", "update"), done("logs#deposed", "delete"));
    assert!(update.is_some() && delete.is_some() && update < delete, "{events:?}");
    assert!(b.plan(&changed).await.is_empty());
}

#[tokio::test]
async fn an_old_resource_whose_delete_fails_is_kept_as_deposed_and_deleted_later() {
    let text = cbd_logs();
    let b = bed();
    b.apply(&stack(&text)).await;
    let old_id = b.cloud.by_address("logs")[0].id.clone();
    b.cloud.fail("logs:delete");
    let changed = stack_with(&text, &[("retention", "14")]);
    let applied = b.apply(&changed).await;
    assert_eq!(applied.report.failed.len(), 1, "{:?}", applied.report);
    let state = b.store.state();
    assert_eq!(state.resources["logs#deposed"].id, old_id, "the old one is not lost track of");
    assert_ne!(state.resources["logs"].id, old_id);
    // The next plan deletes it.
    b.cloud.heal("logs:delete");
    let plan = b.plan(&changed).await;
    assert_eq!(plan.steps.len(), 1);
    assert_eq!((plan.steps[0].action, plan.steps[0].address.as_str()), (Action::Delete, "logs#deposed"));
    b.apply(&changed).await;
    assert_eq!(b.cloud.by_address("logs").len(), 1);
    assert!(b.plan(&changed).await.is_empty());
}

#[tokio::test]
async fn replacing_a_resource_that_an_updated_one_uses_completes() {
    let text = format!(
        "{NETWORK}\n  param:\n    type: aws.ssm.parameter\n    properties: {{ name: /p, type: String, value: \"${{logs.arn}}\" }}\n"
    )
    .replace("outputs:\n  vpc_id: ${vpc.id}\n  subnets: ${subnet[*].id}\n", "")
    .replace("name: /spec", "name: \"/spec/${var.retention}\"");
    let text = format!("{text}outputs:\n  vpc_id: ${{vpc.id}}\n");
    let b = bed();
    let applied = b.apply(&stack(&text)).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let changed = stack_with(&text, &[("retention", "30")]);
    let plan = b.plan(&changed).await;
    assert!(plan.steps.iter().any(|s| s.address == "logs" && s.action == Action::Replace));
    let applied = b.apply(&changed).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let logs_arn = format!("arn:fake:aws.logs.log_group:ap-northeast-1:{}", b.cloud.by_address("logs")[0].id);
    assert_eq!(b.cloud.by_address("param")[0].properties["value"], Value::String(logs_arn));
    assert!(b.plan(&changed).await.is_empty());
}

/// A resource that left the stack goes once the dependants that stop
/// using it are updated and ready, not just accepted: a service moving off
/// a subnet keeps its old tasks there until its deployment completes.
#[tokio::test]
async fn a_removed_resource_goes_after_its_users_updates_are_ready() {
    let text = format!(
        "{NETWORK}  svc:\n    type: aws.rds.db_cluster\n    properties:\n      cluster_identifier: c\n      \
         engine: aurora-mysql\n      master_username: admin\n      manage_master_user_password: true\n      \
         database_name: db\n      tags: {{ subnets: \"${{join(\\\"-\\\", subnet[*].id)}}\" }}\n"
    )
    .replace("outputs:\n  vpc_id: ${vpc.id}\n  subnets: ${subnet[*].id}\n", "");
    let b = bed();
    let applied = b.apply(&stack(&text)).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    b.events.take();
    b.cloud.ready_after("svc", 3);
    let fewer = stack_with(&text, &[("azs", "[a]")]);
    let applied = b.apply(&fewer).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let ready = events.iter().position(|e| matches!(e, Event::Ready { address, .. } if address == "svc"));
    let delete = events
        .iter()
        .position(|e| matches!(e, Event::Started { address, operation: "delete" } if address == "subnet[c]"));
    assert!(ready.is_some() && delete.is_some() && ready < delete, "{events:?}");
}

#[tokio::test]
async fn removed_from_the_stack_means_deleted() {
    let b = bed();
    b.apply(&stack(NETWORK)).await;
    let fewer = stack_with(NETWORK, &[("azs", "[a]")]);
    let plan = b.plan(&fewer).await;
    assert_eq!(plan.steps.len(), 1);
    assert_eq!((plan.steps[0].action, plan.steps[0].address.as_str()), (Action::Delete, "subnet[c]"));
    b.apply(&fewer).await;
    assert!(b.cloud.by_address("subnet[c]").is_empty());
    assert!(!b.store.state().resources.contains_key("subnet[c]"));
}

#[tokio::test]
async fn a_failure_skips_only_its_dependants() {
    let b = bed();
    b.cloud.fail("vpc");
    let applied = b.apply(&stack(NETWORK)).await;
    let r = &applied.report;
    assert_eq!(r.failed.len(), 1);
    assert_eq!(r.failed[0].0, "vpc");
    let mut skipped: Vec<&str> = r.skipped.iter().map(|(a, _)| a.as_str()).collect();
    skipped.sort();
    assert_eq!(skipped, ["subnet[a]", "subnet[c]"]);
    assert!(r.skipped.iter().all(|(_, why)| why == "vpc"), "root cause named");
    assert!(r.done.iter().any(|(a, _)| a == "logs"), "independent branch finished");
    assert!(b.store.state().resources.contains_key("logs"));
    // Only the attempted create stays journaled (it may have made something).
    let pending: Vec<String> = b.store.state().pending.keys().cloned().collect();
    assert_eq!(pending, ["vpc"]);
    // Fixed, the next apply completes the rest.
    b.cloud.heal("vpc");
    let applied = b.apply(&stack(NETWORK)).await;
    assert!(applied.report.ok());
    assert_eq!(b.cloud.all().len(), 4);
}

#[tokio::test]
async fn a_crash_between_create_and_state_write_is_resolved_by_adoption() {
    let b = bed();
    let s = stack(NETWORK);
    b.apply(&s).await;
    // A run that journaled a create, made the resource, and died before
    // recording it: the resource exists, state only has the intent.
    b.crash_after_create("logs").await;

    let prepared = b.session.prepare(&s).await.unwrap();
    assert_eq!(prepared.resolutions.len(), 1);
    assert!(
        matches!(&prepared.resolutions[0], stackr_engine::pending::Resolution::Adopted { address, .. } if address == "logs")
    );
    assert!(prepared.plan.is_empty(), "{:#?}", prepared.plan.steps);
    assert_eq!(b.cloud.by_address("logs").len(), 1, "adopted, not created twice");
    assert!(b.store.state().pending.is_empty());
}

#[tokio::test]
async fn a_create_whose_answer_was_lost_is_found_and_adopted_not_made_twice() {
    let b = bed();
    let s = stack(NETWORK);
    b.cloud.lose_next_create("vpc");
    b.cloud.lose_next_create("subnet[a]");
    let applied = b.apply(&s).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert_eq!(b.cloud.all().len(), 4, "one of each: nothing made twice");
    assert_eq!(b.cloud.calls("create"), 4, "adopted by find, not created again");
    assert_eq!(b.cloud.calls("find"), 2);
    let state = b.store.state();
    assert_eq!(state.resources["vpc"].id, b.cloud.by_address("vpc")[0].id);
    assert_eq!(state.resources["subnet[a]"].properties["vpc_id"], serde_json::json!(state.resources["vpc"].id));
    assert!(state.pending.is_empty());
    assert!(b.plan(&s).await.is_empty());
}

#[tokio::test]
async fn a_create_that_stopped_half_way_is_adopted_and_completed() {
    let b = bed();
    let s = stack(NETWORK);
    b.cloud.halt_next_create("logs", "retention_in_days");
    let applied = b.apply(&s).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert_eq!(b.cloud.by_address("logs").len(), 1, "adopted, not made twice");
    assert_eq!(b.cloud.calls("update"), 1, "the missing setting was applied to what was adopted");
    assert!(b.plan(&s).await.is_empty(), "nothing left to change: the apply converged");
}

#[tokio::test]
async fn a_create_that_failed_for_good_is_reported_after_one_look() {
    let b = bed();
    let s = stack(NETWORK);
    b.cloud.fail("logs");
    let applied = b.apply(&s).await;
    assert!(!applied.report.ok());
    assert_eq!(b.cloud.calls("create"), 4, "an error AWS will repeat is not retried");
    assert_eq!(b.cloud.calls("find"), 1, "one look for what the failed create may have made");
    assert!(b.cloud.by_address("logs").is_empty());
}

#[tokio::test]
async fn protect_is_kept_in_state_and_refuses_destroy_until_allowed() {
    let text = NETWORK.replace(
        "  vpc:\n    type: aws.ec2.vpc\n",
        "  vpc:\n    type: aws.ec2.vpc\n    lifecycle: { protect: true }\n",
    );
    let b = bed();
    b.apply(&stack(&text)).await;
    assert!(b.store.state().resources["vpc"].protect);
    let err = b.destroy("spec", &[]).await.err().expect("refused");
    assert!(err.to_string().contains("vpc"), "{err}");
    assert_eq!(b.cloud.all().len(), 4, "nothing destroyed");
    // Removing the block from the file and applying does not unprotect it.
    b.apply(&stack(NETWORK)).await;
    assert!(b.store.state().resources["vpc"].protect);
    assert!(b.destroy("spec", &[]).await.is_err());
    assert!(b.destroy("spec", &["subnet"]).await.is_err(), "allowing another name does not help");
    let applied = b.destroy("spec", &["vpc"]).await.unwrap();
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert!(b.cloud.all().is_empty());
    assert!(b.store.state().resources.is_empty());
}

#[tokio::test]
async fn ignore_changes_fields_are_never_diffed() {
    let text = NETWORK.replace(
        "  logs:\n    type: aws.logs.log_group\n",
        "  logs:\n    type: aws.logs.log_group\n    lifecycle: { ignore_changes: [retention_in_days] }\n",
    );
    let b = bed();
    let s = stack(&text);
    b.apply(&s).await;
    let id = b.cloud.by_address("logs")[0].id.clone();
    b.cloud.edit(&id, "retention_in_days", Value::Number(365.0));
    assert!(b.plan(&s).await.is_empty());
    assert!(b.plan(&stack_with(&text, &[("retention", "90")])).await.is_empty());
}

#[tokio::test]
async fn a_plan_made_against_an_older_state_is_refused() {
    let b = bed();
    let s = stack(NETWORK);
    let stale = b.session.prepare(&s).await.unwrap();
    b.apply(&s).await; // state moves on
    let err = b.session.apply(Some(&s), stale, options()).await.err().expect("refused");
    assert!(matches!(err, stackr_engine::EngineError::StalePlan { .. }), "{err}");
    let current = b.store.state();
    let saved = b.plan(&s).await;
    assert!(b.session.check_saved(&saved, "spec", &current).is_ok());
    let mut old = saved.clone();
    old.serial -= 1;
    assert!(b.session.check_saved(&old, "spec", &current).is_err());
}

#[tokio::test]
async fn destroy_goes_in_reverse_dependency_order() {
    let b = bed();
    b.apply(&stack(NETWORK)).await;
    b.events.take();
    let applied = b.destroy("spec", &[]).await.unwrap();
    assert!(applied.report.ok());
    let events = b.events.take();
    let pos =
        |addr: &str| events.iter().position(|e| matches!(e, Event::Done { address, .. } if address == addr)).unwrap();
    assert!(pos("subnet[a]") < pos("vpc"));
    assert!(pos("subnet[c]") < pos("vpc"));
    assert!(b.cloud.all().is_empty());
    assert!(b.store.state().resources.is_empty());
    // Destroying again is fine: nothing to do.
    assert!(b.destroy("spec", &[]).await.unwrap().report.done.is_empty());
}

#[tokio::test]
async fn independent_operations_run_in_parallel() {
    let mut text = String::from("stack: wide\nregion: ap-northeast-1\nresources:\n");
    for i in 0..20 {
        text.push_str(&format!("  lg{i}:\n    type: aws.logs.log_group\n    properties: {{ name: /wide/{i} }}\n"));
    }
    let b = bed();
    b.cloud.set_latency(Duration::from_millis(50));
    let t = Instant::now();
    let applied = b.apply(&stack(&text)).await;
    assert!(applied.report.ok());
    let took = t.elapsed();
    // 20 creates at 50 ms with parallelism 16: two waves, not twenty.
    assert!(took < Duration::from_millis(20 * 50 / 2), "took {took:?}");
}

#[tokio::test]
async fn dependants_wait_for_readiness_only_when_they_need_it() {
    use stackr_engine::fake::FakeReconciler;
    use std::sync::Arc;
    let text = r#"
stack: ready
region: ap-northeast-1
resources:
  cluster:
    type: aws.rds.db_cluster
    properties: { cluster_identifier: c1, engine: aurora-mysql, master_username: admin, manage_master_user_password: true }
  instance:
    type: aws.rds.db_instance
    properties: { identifier: i1, cluster_identifier: "${cluster.id}", instance_class: db.serverless, engine: aurora-mysql }
  param:
    type: aws.ssm.parameter
    properties: { name: /db/endpoint, type: String, value: "${cluster.endpoint}" }
"#;
    let mut b = bed();
    b.cloud.set_ready_polls(3);
    // The instance needs its cluster available; the parameter only needs the endpoint.
    let schema = stackr_schema::rds::DB_INSTANCE;
    let _ = &schema;
    b.session.providers.register(Arc::new(FakeReconciler {
        cloud: b.cloud.clone(),
        schema: &stackr_schema::rds::DB_INSTANCE,
        needs_ready: vec!["aws.rds.db_cluster"],
    }));
    let applied = b.apply(&stack(text)).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    let events = b.events.take();
    let ready = events.iter().position(|e| matches!(e, Event::Ready { address, .. } if address == "cluster")).unwrap();
    let inst =
        events.iter().position(|e| matches!(e, Event::Started { address, .. } if address == "instance")).unwrap();
    let param = events.iter().position(|e| matches!(e, Event::Started { address, .. } if address == "param")).unwrap();
    assert!(inst > ready, "the instance waited for the cluster to be available");
    assert!(param < ready, "the parameter did not wait");
}

#[tokio::test]
async fn the_report_gives_the_critical_path_bound_and_waiting_for_all_readiness_is_slower() {
    use stackr_engine::fake::FakeReconciler;
    use std::sync::Arc;
    let text = r#"
stack: ready
region: ap-northeast-1
resources:
  cluster:
    type: aws.rds.db_cluster
    properties: { cluster_identifier: c1, engine: aurora-mysql, master_username: admin, manage_master_user_password: true }
  param:
    type: aws.ssm.parameter
    properties: { name: /db/endpoint, type: String, value: "${cluster.endpoint}" }
  next:
    type: aws.ssm.parameter
    properties: { name: /db/next, type: String, value: "${param.name}" }
"#;
    let run = |wait_for_ready: bool| async move {
        let mut b = bed();
        b.cloud.set_latency(Duration::from_millis(40));
        b.cloud.set_ready_polls(2);
        b.session.providers.register(Arc::new(FakeReconciler {
            cloud: b.cloud.clone(),
            schema: &stackr_schema::ssm::PARAMETER,
            needs_ready: Vec::new(),
        }));
        let mut o = options();
        o.wait_for_ready = wait_for_ready;
        let applied = b.apply_with(&stack(text), o).await;
        assert!(applied.report.ok(), "{:?}", applied.report);
        applied.report
    };
    let aware = run(false).await;
    let cp = aware.critical_path.expect("a bound");
    let bound = cp.bound;
    let chain: Vec<&str> = cp.chain.iter().map(|l| l.address.as_str()).collect();
    assert_eq!(chain.first(), Some(&"cluster"), "the chain starts with the cluster: {chain:?}");
    // Three creates in a chain, at 40 ms each, plus the cluster's readiness
    // polls, which nothing waits for here but which end the run.
    assert!(bound >= Duration::from_millis(120), "{bound:?}");
    assert!(bound <= aware.elapsed, "{bound:?} > {:?}", aware.elapsed);
    let conservative = run(true).await;
    assert!(
        conservative.elapsed > aware.elapsed,
        "waiting for every dependency's readiness is slower: {:?} vs {:?}",
        conservative.elapsed,
        aware.elapsed
    );
    assert!(conservative.critical_path.expect("a bound").bound <= conservative.elapsed);
}

#[tokio::test]
async fn state_writes_are_coalesced() {
    let mut text = String::from("stack: many\nregion: ap-northeast-1\nresources:\n");
    for i in 0..200 {
        text.push_str(&format!("  lg{i}:\n    type: aws.logs.log_group\n    properties: {{ name: /many/{i} }}\n"));
    }
    let b = bed();
    b.cloud.set_latency(Duration::from_millis(2));
    let applied = b.apply(&stack(&text)).await;
    assert!(applied.report.ok());
    assert_eq!(b.store.state().resources.len(), 200);
    let writes = *b.store.writes.lock().unwrap();
    assert!(writes < 200, "200 creates took {writes} writes");
    // The lost-work window: no completed operation waited a second to be saved.
    let lag = applied.writes.max_lag;
    assert!(lag > Duration::ZERO && lag < Duration::from_secs(1), "{lag:?}");
    assert!(applied.writes.writes >= 2 && applied.writes.time > Duration::ZERO);
}

#[tokio::test]
async fn losing_the_state_store_mid_apply_stops_the_run_and_keeps_what_was_saved_consistent() {
    let mut text = String::from("stack: lossy\nregion: ap-northeast-1\nresources:\n");
    for i in 0..40 {
        text.push_str(&format!("  lg{i}:\n    type: aws.logs.log_group\n    properties: {{ name: /lossy/{i} }}\n"));
    }
    let b = bed();
    // Long enough that the writer gives up (after its retries) mid-run.
    b.cloud.set_latency(Duration::from_millis(200));
    let mut o = options();
    o.parallelism = 2;
    // The journal write and one more succeed; then the store is gone.
    *b.store.fail_after.lock().unwrap() = Some(2);
    let s = stack(&text);
    let lock = b.session.lock("test").await.unwrap();
    let prepared = b.session.prepare(&s).await.unwrap();
    let applied = b.session.apply(Some(&s), prepared, o).await.unwrap();
    assert!(applied.report.failed.iter().any(|(a, op, _)| a == "state" && *op == "save"), "{:?}", applied.report);
    assert!(applied.report.interrupted);
    assert!(applied.report.done.len() < 40, "the run stopped early: {}", applied.report.done.len());
    // What was saved is consistent: every resource in state exists, and
    // every live resource is either in state or journaled for adoption.
    let saved = b.store.state();
    for (addr, r) in &saved.resources {
        assert!(b.cloud.all().iter().any(|c| c.id == r.id), "{addr} in state but not live");
    }
    for live in b.cloud.all() {
        let addr = &live.tags["stackr:resource"];
        assert!(saved.resources.contains_key(addr) || saved.pending.contains_key(addr), "{addr} lost track of");
    }
    // With the store back, the next run adopts and completes: no duplicates.
    *b.store.fail_after.lock().unwrap() = None;
    b.session.unlock(&lock).await.unwrap();
    let applied = b.apply(&s).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert_eq!(b.cloud.all().len(), 40);
    assert!(b.plan(&s).await.is_empty());
}

#[tokio::test]
async fn ctrl_c_stops_new_operations_lets_running_ones_finish_and_saves_state() {
    let mut text = String::from("stack: cancel\nregion: ap-northeast-1\nresources:\n");
    for i in 0..30 {
        text.push_str(&format!("  lg{i}:\n    type: aws.logs.log_group\n    properties: {{ name: /cancel/{i} }}\n"));
    }
    let b = bed();
    b.cloud.set_latency(Duration::from_millis(100));
    let s = stack(&text);
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut o = options();
    o.parallelism = 3;
    o.cancel = rx;
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let _ = tx.send(true);
    });
    let lock = b.session.lock("test").await.unwrap();
    let prepared = b.session.prepare(&s).await.unwrap();
    let applied = b.session.apply(Some(&s), prepared, o).await.unwrap();
    b.session.unlock(&lock).await.unwrap();
    let r = &applied.report;
    assert!(r.interrupted);
    assert!(r.failed.is_empty(), "running operations finished: {:?}", r.failed);
    let done = r.done.len();
    assert!((3..30).contains(&done), "some but not all ran: {done}");
    // Everything that ran is in the saved state; nothing else was made.
    let saved = b.store.state();
    assert_eq!(saved.resources.len(), done);
    assert_eq!(b.cloud.all().len(), done);
    assert!(saved.pending.is_empty(), "creates that never started are not left journaled");
    // The next apply does the rest.
    assert!(b.apply(&s).await.report.ok());
    assert_eq!(b.cloud.all().len(), 30);
}

#[tokio::test]
async fn not_yet_refusals_are_retried_for_creates_updates_and_deletes() {
    let b = bed();
    b.cloud.refuse_not_yet("vpc", "create", 3);
    let applied = b.apply(&stack(NETWORK)).await;
    assert!(applied.report.ok(), "{:?}", applied.report);
    assert_eq!(b.cloud.by_address("vpc").len(), 1, "one VPC, however often it was refused");

    b.cloud.refuse_not_yet("logs", "update", 2);
    let applied = b.apply(&stack_with(NETWORK, &[("retention", "30")])).await;
    assert!(applied.report.ok(), "an update refused as not yet is retried: {:?}", applied.report);
    assert_eq!(b.cloud.by_address("logs")[0].properties.get("retention_in_days"), Some(&Value::Number(30.0)));

    b.cloud.refuse_not_yet("subnet[a]", "delete", 2);
    let destroyed = b.destroy("spec", &[]).await.expect("destroy");
    assert!(destroyed.report.ok(), "{:?}", destroyed.report);
    assert!(b.cloud.all().is_empty());
}

#[tokio::test]
async fn an_operation_still_refused_at_its_timeout_names_it_and_the_setting() {
    let b = bed();
    b.cloud.refuse_not_yet("logs", "create", u32::MAX);
    let mut o = options();
    o.retry_for = Duration::from_millis(100);
    let applied = b.apply_with(&stack(NETWORK), o).await;
    let failed = &applied.report.failed;
    assert_eq!(failed.len(), 1, "{failed:?}");
    let (address, op, error) = &failed[0];
    assert_eq!((address.as_str(), *op), ("logs", "create"));
    assert!(
        matches!(error, stackr_engine::failure::OpError::TimedOut { operation: "create", from_stack: false, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    for part in ["create timed out", "not yet (injected)", "lifecycle: { timeouts: { create: ... } }", "`logs`"] {
        assert!(message.contains(part), "`{part}` in: {message}");
    }
}

#[tokio::test]
async fn a_refusal_that_is_not_not_yet_is_not_retried() {
    let b = bed();
    b.cloud.fail("logs:create");
    let applied = b.apply(&stack(NETWORK)).await;
    assert_eq!(applied.report.failed.len(), 1);
    assert_eq!(b.cloud.calls("create"), 4, "vpc, two subnets, and one attempt at logs");
}

/// A resource an earlier run made but stopped waiting for (its create
/// timed out) is not "in sync": the next plan has it to wait for, and the
/// apply waits until it is ready, even with nothing else to do.
#[tokio::test]
async fn a_resource_left_unready_is_waited_for_by_the_next_apply() {
    let text = r#"
stack: unready
region: ap-northeast-1
resources:
  cluster:
    type: aws.rds.db_cluster
    lifecycle: { timeouts: { create: 1s } }
    properties: { cluster_identifier: c1, engine: aurora-mysql, master_username: admin, manage_master_user_password: true }
"#;
    let b = bed();
    b.cloud.set_ready_polls(100_000);
    let first = b.apply(&stack(text)).await;
    assert!(!first.report.ok(), "{:?}", first.report);
    assert!(b.store.state().resources["cluster"].unready, "recorded, not seen ready");
    let plan = b.plan(&stack(text)).await;
    assert_eq!(plan.steps.len(), 1, "{:#?}", plan.steps);
    assert_eq!((plan.steps[0].action, plan.steps[0].cause), (Action::Update, stackr_engine::plan::Cause::Unready));
    b.cloud.ready_after("cluster", 2);
    b.cloud.reset_calls();
    let second = b.apply(&stack(text)).await;
    assert!(second.report.ok(), "{:?}", second.report);
    assert!(b.cloud.calls("readiness") >= 2);
    assert_eq!((b.cloud.calls("create"), b.cloud.calls("update")), (0, 0), "nothing sent but reads");
    let events = b.events.take();
    assert!(
        events.iter().any(|e| matches!(e, Event::Done { address, operation: "check", .. } if address == "cluster")),
        "told as a check, not an update: {events:?}"
    );
    assert!(!b.store.state().resources["cluster"].unready);
    assert!(b.plan(&stack(text)).await.is_empty());
}

/// A dependency an earlier run recorded before it was ready (its wait
/// interrupted or timed out) is waited for by a dependant that names it in
/// `depends_on`, though this run does not change it.
#[tokio::test]
async fn a_recorded_dependency_not_yet_ready_is_waited_for_by_what_depends_on_it() {
    let text = r#"
stack: late
region: ap-northeast-1
resources:
  cluster:
    type: aws.rds.db_cluster
    lifecycle: { timeouts: { create: 1s } }
    properties: { cluster_identifier: c1, engine: aurora-mysql, master_username: admin, manage_master_user_password: true }
  param:
    type: aws.ssm.parameter
    depends_on: [cluster]
    properties: { name: /db/ready, type: String, value: "yes" }
"#;
    let b = bed();
    // Far more polls than the 1 s create allows: the first run stops
    // waiting, with the cluster recorded but not available.
    b.cloud.set_ready_polls(100_000);
    let first = b.apply(&stack(text)).await;
    assert!(!first.report.ok(), "{:?}", first.report);
    assert!(b.store.state().resources.contains_key("cluster"));
    assert!(!b.store.state().resources.contains_key("param"));
    b.events.take();
    b.cloud.reset_calls();
    b.cloud.ready_after("cluster", 3);
    let second = b.apply(&stack(text)).await;
    assert!(second.report.ok(), "{:?}", second.report);
    let events = b.events.take();
    // Its create came only after the cluster's three more checks.
    assert!(b.cloud.calls("readiness") >= 3, "{events:?}");
    assert!(b.cloud.by_address("param").len() == 1);
}
