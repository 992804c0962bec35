//! `stackr destroy FILE`: delete everything in state, dependants first.

use super::Failure;
use super::run::{Opened, command_line, confirm, ctrl_c, events, open_from_state, runtime};
use crate::cli::{ColorChoice, DestroyArgs};
use stackr_engine::apply::Options;

pub fn run(a: &DestroyArgs, color: ColorChoice) -> Result<u8, Failure> {
    crate::progress::JSON_ERRORS.store(a.json, std::sync::atomic::Ordering::Relaxed);
    runtime()?.block_on(async {
        let mut opened = open_from_state(&a.stack, color, Some(events(a.json, color))).await?;
        opened.show_stats = a.stats;
        opened.locked(&command_line(), async |o: &Opened| destroy(o, a).await).await
    })
}

async fn destroy(o: &Opened, a: &DestroyArgs) -> Result<u8, Failure> {
    let prepared = o.session.prepare_destroy(&o.stack.name).await.map_err(|e| o.fail(e))?;
    super::apply::check_allowed(&a.allow_protected, &prepared.state)?;
    super::apply::report_resolutions(&prepared.resolutions, true);
    let location = o.session.store.location();
    if a.json {
        crate::progress::json_line("plan", serde_json::json!({ "state": location, "plan": prepared.plan }));
    } else {
        out!("{}", crate::plan_view::render(&prepared.plan, &location, o.color_out));
    }
    if prepared.plan.is_empty() {
        return Ok(0);
    }
    let protected =
        stackr_engine::apply::protected_in(&prepared.plan, Some(&o.stack), &prepared.state, &a.allow_protected);
    if !protected.is_empty() {
        return Err(o.fail(stackr_engine::EngineError::Protected(protected)));
    }
    // Run from state alone (below): its settings, not the stack's, decide.
    let undeletable = stackr_engine::apply::undeletable_now(
        &prepared.plan,
        &prepared.state,
        &prepared.refreshed,
        &o.session.providers,
        None,
    )
    .await;
    if !undeletable.is_empty() {
        return Err(o.fail(stackr_engine::EngineError::Undeletable(undeletable)));
    }
    if !confirm("\nDestroy these resources? This cannot be undone.", a.yes).await? {
        outln!("Nothing destroyed.");
        return Ok(1);
    }
    let mut options = Options::new(a.parallelism as usize);
    options.cancel = ctrl_c();
    options.allow_protected = a.allow_protected.clone();
    options.wait_for_ready = a.wait_for_ready;
    // The stack's own `lifecycle.timeouts` still bound each delete.
    options.timeouts = o
        .stack
        .instances
        .iter()
        .map(|i| (i.address.to_string(), o.stack.resource_of(i).lifecycle.timeouts))
        .filter(|(_, t)| *t != Default::default())
        .collect();
    // Executed from state alone: the stack's expressions play no part.
    let applied = o.session.apply(None, prepared, options).await.map_err(|e| o.fail(e))?;
    if a.json {
        super::apply::json_summary(&applied.report, &applied.state);
    } else {
        outln!("{}", super::apply::summary(&applied.report, o.color_out));
    }
    if a.stats {
        eprintln!("{}", super::apply::run_figures(&applied));
    }
    Ok(if applied.report.ok() { 0 } else { 1 })
}
