//! `stackr apply FILE`: plan, confirm, execute, report.

use super::Failure;
use super::run::{Opened, command_line, confirm, ctrl_c, events, open, runtime};
use crate::cli::{ApplyArgs, ColorChoice};
use crate::color::paint;
use stackr_engine::apply::{Options, Report};
use stackr_engine::plan::Plan;

pub fn run(a: &ApplyArgs, color: ColorChoice) -> Result<u8, Failure> {
    crate::progress::JSON_ERRORS.store(a.json, std::sync::atomic::Ordering::Relaxed);
    let stack_args = with_plan_vars(a)?;
    runtime()?.block_on(async {
        let mut opened = open(&stack_args, color, Some(events(a.json, color))).await?;
        opened.show_stats = a.stats;
        opened.locked(&command_line(), async |o: &Opened| apply(o, a).await).await
    })
}

/// The saved plan file.
fn read_plan(path: &std::path::Path) -> Result<Plan, Failure> {
    let text = std::fs::read(path).map_err(|e| Failure::Message(format!("cannot read {}: {e}", path.display())))?;
    serde_json::from_slice(&text)
        .map_err(|e| Failure::Message(format!("{} is not a saved stackr plan: {e}", path.display())))
}

/// With `--plan`, the variable values the plan was made with, before the
/// ones given now (which win): only sensitive variables need giving again.
fn with_plan_vars(a: &ApplyArgs) -> Result<crate::cli::StackArgs, Failure> {
    let mut args = a.stack.clone();
    let Some(path) = &a.plan else { return Ok(args) };
    let saved = read_plan(path)?;
    let mut vars: Vec<String> = saved
        .vars
        .iter()
        .map(|(k, v)| match v {
            serde_json::Value::String(s) => format!("{k}={s}"),
            other => format!("{k}={other}"),
        })
        .collect();
    vars.append(&mut args.vars);
    args.vars = vars;
    Ok(args)
}

/// What differs between a saved plan and the plan made now, by address.
fn plan_differences(saved: &Plan, now: &Plan) -> String {
    let mut out = Vec::new();
    for s in &saved.steps {
        match now.steps.iter().find(|n| n.address == s.address) {
            None => out.push(format!("{}: planned, now nothing to do", s.address)),
            Some(n) if n != s => {
                // The fields whose planned change is not the one now.
                let mut fields: Vec<&str> = s
                    .changes
                    .iter()
                    .filter(|c| !n.changes.contains(c))
                    .chain(n.changes.iter().filter(|c| !s.changes.contains(c)))
                    .map(|c| c.field.as_str())
                    .collect();
                fields.sort_unstable();
                fields.dedup();
                let what = if fields.is_empty() { String::new() } else { format!(" ({})", fields.join(", ")) };
                out.push(format!("{}: planned {:?}, now {:?}{what}", s.address, s.action, n.action));
            }
            Some(_) => {}
        }
    }
    for n in now.steps.iter().filter(|n| !saved.steps.iter().any(|s| s.address == n.address)) {
        out.push(format!("{}: not planned, now {:?}", n.address, n.action));
    }
    out.join("; ")
}

/// The end of the `--json` stream: what was done, and the outputs
/// (sensitive ones masked).
pub fn json_summary(r: &Report, state: &stackr_state::State) {
    let failed: Vec<serde_json::Value> = r
        .failed
        .iter()
        .map(|(a, op, e)| serde_json::json!({ "address": a, "operation": op, "error": e.to_string() }))
        .collect();
    crate::progress::json_line(
        "summary",
        serde_json::json!({
            "ok": r.ok(),
            "done": r.done.len(),
            "failed": failed,
            "skipped": r.skipped.iter().map(|(a, why)| serde_json::json!({ "address": a, "because": why })).collect::<Vec<_>>(),
            "elapsed_ms": r.elapsed.as_millis() as u64,
        }),
    );
    let outputs: serde_json::Map<String, serde_json::Value> = state
        .outputs
        .iter()
        .map(|(k, v)| {
            let value = if v.sensitive { serde_json::json!(stackr_engine::plan::SECRET_TEXT) } else { v.value.clone() };
            (k.clone(), serde_json::json!({ "value": value, "sensitive": v.sensitive }))
        })
        .collect();
    crate::progress::json_line("outputs", serde_json::json!({ "outputs": outputs }));
}

/// `--allow-protected` addresses as state writes them.
fn options_allow(a: &ApplyArgs) -> Vec<String> {
    a.allow_protected.iter().filter_map(|x| stackr_core::Address::parse(x)).map(|x| x.to_string()).collect()
}

/// Records that these resources are no longer protected: the stack stopped
/// protecting them and `--allow-protected` names them.
async fn lift_protection(o: &Opened, lifts: &[String]) -> Result<(), Failure> {
    let (mut state, version) = o.session.load(&o.stack.name).await.map_err(|e| o.fail(e))?;
    for addr in lifts {
        if let Some(r) = state.resources.get_mut(addr) {
            r.protect = false;
            eprintln!("{addr}: protection lifted");
        }
    }
    state.serial += 1;
    o.session.store.save(&state, version.as_deref()).await.map_err(|e| o.fail(e.into()))?;
    Ok(())
}

/// `--allow-protected` names resources in state (an address, or a
/// resource name for all its instances); a name that is not would
/// silently allow nothing.
pub fn check_allowed(given: &[String], state: &stackr_state::State) -> Result<(), Failure> {
    // Nothing in state (a stack not applied, or destroyed): nothing to allow.
    if state.resources.is_empty() {
        return Ok(());
    }
    for g in given {
        let known = stackr_core::Address::parse(g).is_some_and(|a| {
            let canonical = a.to_string();
            state.resources.contains_key(&canonical)
                || (a.key.is_none() && state.resources.keys().any(|k| k.starts_with(&format!("{}[", a.name))))
        });
        if !known {
            let names: Vec<&str> = state.resources.iter().filter(|(_, r)| r.protect).map(|(k, _)| k.as_str()).collect();
            let names = if names.is_empty() { state.resources.keys().map(String::as_str).collect() } else { names };
            return Err(Failure::Message(format!(
                "--allow-protected {g}: not a resource in the stack's state; {}",
                stackr_core::diag::suggest(g, &names, "addresses")
            )));
        }
    }
    Ok(())
}

/// An address given on the command line, as state writes it, checked
/// against the stack's instances.
fn stack_address(o: &Opened, given: &str, flag: &str) -> Result<String, Failure> {
    let a =
        stackr_core::Address::parse(given).filter(|a| o.stack.instance_by_address(a).is_some()).ok_or_else(|| {
            let names: Vec<String> = o.stack.instances.iter().map(|i| i.address.to_string()).collect();
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            Failure::Message(format!(
                "{flag} {given}: not a resource of the stack; {}",
                stackr_core::diag::suggest(given, &names, "addresses")
            ))
        })?;
    Ok(a.to_string())
}

async fn apply(o: &Opened, a: &ApplyArgs) -> Result<u8, Failure> {
    let replace = a.replace.iter().map(|r| stack_address(o, r, "--replace")).collect::<Result<_, _>>()?;
    let saved = a.plan.as_deref().map(read_plan).transpose()?;
    let lineage = saved.as_ref().and_then(|s| s.lineage.as_deref());
    let mut prepared = o.session.prepare_saved(&o.stack, &replace, lineage).await.map_err(|e| o.fail(e))?;
    check_allowed(&a.allow_protected, &prepared.state)?;
    if !a.target.is_empty() {
        let mut targets = Vec::new();
        for t in &a.target {
            // A resource by name, or one instance (`c[x]`) the stack makes or
            // state holds: an instance that is neither would apply nothing.
            let addr = stackr_core::Address::parse(t)
                .filter(|x| match x.key {
                    Some(_) => {
                        o.stack.instance_by_address(x).is_some()
                            || prepared.state.resources.contains_key(&x.to_string())
                    }
                    None => {
                        o.stack.by_name.contains_key(&x.name)
                            || prepared.state.resources.contains_key(&x.to_string())
                            || prepared.state.resources.keys().any(|k| k.starts_with(&format!("{}[", x.name)))
                    }
                })
                .ok_or_else(|| {
                    let mut names: Vec<String> = o.stack.by_name.keys().cloned().collect();
                    names.extend(
                        o.stack.instances.iter().filter(|i| i.address.key.is_some()).map(|i| i.address.to_string()),
                    );
                    let names: Vec<&str> = names.iter().map(String::as_str).collect();
                    Failure::Message(format!(
                        "--target {t}: not a resource of the stack or of its state; {}",
                        stackr_core::diag::suggest(t, &names, "addresses")
                    ))
                })?;
            targets.push(addr);
        }
        let (kept, followers) = prepared.plan.restrict_to(&o.stack, &targets);
        if let Some((dependant, replaced)) = followers.first() {
            let all: std::collections::BTreeSet<&str> = followers.iter().map(|(d, _)| d.as_str()).collect();
            let flags: Vec<String> = all.iter().map(|d| format!("--target {d}")).collect();
            return Err(Failure::Message(format!(
                "--target: `{replaced}` is replaced, and `{dependant}` uses it and must follow it in the same run \
                 (the old one cannot be deleted while in use); add {}, or apply without --target",
                flags.join(" ")
            )));
        }
        // A replacement asked for outside what --target applies would
        // silently not happen.
        let replace: &std::collections::BTreeSet<String> = &replace;
        if let Some(r) = replace.iter().find(|r| !kept.contains(r.as_str())) {
            return Err(Failure::Message(format!(
                "--replace {r}: not among what --target applies (the targets and what they depend on); add \
                 `--target {r}`, or leave --replace out"
            )));
        }
        eprintln!(
            "warning: --target applies part of the stack (the targets and what they depend on); run a full apply \
             afterwards to bring the rest in line"
        );
    }
    report_resolutions(&prepared.resolutions, true);
    if let (Some(path), Some(saved)) = (&a.plan, saved) {
        o.session.check_saved(&saved, &o.stack.name, &prepared.state).map_err(|e| o.fail(e))?;
        // Exactly: the stack, its variables and what is live must still
        // give the plan that was reviewed.
        if saved.steps != prepared.plan.steps {
            return Err(Failure::Message(format!(
                "{} no longer matches what the stack and AWS give now (the stack, a variable or a resource changed \
                 since it was saved): {}; make a new plan",
                path.display(),
                plan_differences(&saved, &prepared.plan)
            )));
        }
        if saved.format_version != stackr_engine::plan::PLAN_FORMAT_VERSION {
            return Err(Failure::Message(format!(
                "{} has plan format {}, this stackr reads {}",
                path.display(),
                saved.format_version,
                stackr_engine::plan::PLAN_FORMAT_VERSION
            )));
        }
        prepared.plan = saved;
    }
    let location = o.session.store.location();
    if a.json {
        crate::progress::json_line("plan", serde_json::json!({ "state": location, "plan": prepared.plan }));
    } else {
        out!("{}", crate::plan_view::render(&prepared.plan, &location, o.color_out));
    }
    // Protection the stack no longer asks for, lifted on purpose.
    let lifts: Vec<String> = options_allow(a)
        .into_iter()
        .filter(|addr| prepared.state.resources.get(addr).is_some_and(|r| r.protect))
        .filter(|addr| {
            stackr_core::Address::parse(addr)
                .and_then(|x| o.stack.instance_by_address(&x))
                .is_some_and(|i| !o.stack.resource_of(&o.stack.instances[i]).lifecycle.protect)
        })
        .collect();
    if prepared.plan.is_empty() {
        if !lifts.is_empty() {
            lift_protection(o, &lifts).await?;
        }
        if a.json {
            json_summary(&Report::default(), &prepared.state);
        } else {
            print_outputs(o, &prepared.state);
        }
        return Ok(0);
    }
    if !confirm("\nApply these changes?", a.yes || a.plan.is_some()).await? {
        outln!("Nothing applied.");
        return Ok(1);
    }
    let mut options = Options::new(a.parallelism as usize);
    options.allow_protected = options_allow(a);
    options.cancel = ctrl_c();
    options.wait_for_ready = a.wait_for_ready;
    let applied = o.session.apply(Some(&o.stack), prepared, options).await.map_err(|e| o.fail(e))?;
    if applied.report.ok() && !lifts.is_empty() {
        lift_protection(o, &lifts).await?;
    }
    if a.json {
        json_summary(&applied.report, &applied.state);
    } else {
        outln!("{}", summary(&applied.report, o.color_out));
        print_outputs(o, &applied.state);
    }
    if a.stats {
        eprintln!("{}", run_figures(&applied));
    }
    Ok(if applied.report.ok() { 0 } else { 1 })
}

/// The critical path, one operation per line: its calls, then the wait
/// for ready (or gone) that the next one needed.
fn chain_lines(chain: &[stackr_engine::critical::Link], scale: f64) -> String {
    let aws = |d: std::time::Duration| {
        let s = d.as_secs_f64() * scale;
        if s >= 120.0 { format!("{:.1} min", s / 60.0) } else { format!("{s:.1}s") }
    };
    let unit = if scale != 1.0 { " (AWS time)" } else { "" };
    let mut out = format!("\nThe chain that makes it{unit}:");
    for l in chain {
        out.push_str(&format!("\n  {} {}: calls {}", l.operation, l.address, aws(l.call)));
        if !l.wait.is_zero() {
            out.push_str(&format!(
                ", then {} until {}",
                aws(l.wait),
                if l.operation == "delete" { "gone" } else { "ready" }
            ));
        }
    }
    out
}

/// What a killed run had left pending; `recorded`: written to state now
/// (apply), or only seen (diff, which never writes).
pub fn report_resolutions(r: &[stackr_engine::pending::Resolution], recorded: bool) {
    use stackr_engine::pending::Resolution::*;
    let adopted = if recorded { "adopted into state" } else { "apply adopts it into state" };
    for x in r {
        match x {
            Adopted { address, id } => eprintln!("{address}: an interrupted run had created {id}; {adopted}"),
            NothingMade { address } => {
                eprintln!("{address}: the create an earlier run did not finish (failed or interrupted) made nothing")
            }
            Deleted { address } => eprintln!("{address}: an interrupted delete had finished"),
            Cleared { .. } => {}
        }
    }
}

/// The run against its critical-path bound (see [`Report::critical_path`]),
/// the chain of operations that makes the bound, and what its state writes
/// cost. Against the local AWS in realistic mode, also in AWS time.
pub fn run_figures(applied: &stackr_engine::session::Applied) -> String {
    let r = &applied.report;
    let wall = r.elapsed.as_secs_f64();
    let scale = stackr_engine::clock::scale();
    let critical = match &r.critical_path {
        Some(cp) if !cp.bound.is_zero() => {
            let mut s = format!(
                "Critical path: {:.2}s; the run took {wall:.2}s, {:.2}x the bound.",
                cp.bound.as_secs_f64(),
                wall / cp.bound.as_secs_f64()
            );
            if scale != 1.0 {
                s.push_str(&format!(
                    "\nIn AWS time ({scale}x): the run took {:.1} AWS min; its critical-path bound is {:.1} AWS min.",
                    wall * scale / 60.0,
                    cp.bound.as_secs_f64() * scale / 60.0
                ));
            }
            s.push_str(&chain_lines(&cp.chain, scale));
            s
        }
        _ => "Critical path: none (nothing ran, or not every operation finished).".into(),
    };
    let p = r.polling;
    let critical = if p.checks > 0 {
        format!(
            "{critical}\nPolling: {} readiness checks over {:.1} min of waiting{}, {:.1} per minute.",
            p.checks,
            p.waited.as_secs_f64() / 60.0,
            if scale != 1.0 { " (AWS time)" } else { "" },
            p.per_minute()
        )
    } else {
        critical
    };
    let w = &applied.writes;
    let share = if wall > 0.0 { 100.0 * w.time.as_secs_f64() / wall } else { 0.0 };
    format!(
        "{critical}\nState: {} writes taking {:.2}s ({share:.1}% of the run); a change waited at most {:.2}s to be saved.",
        w.writes,
        w.time.as_secs_f64(),
        w.max_lag.as_secs_f64()
    )
}

pub fn summary(r: &Report, on: bool) -> String {
    let mut out = String::new();
    if r.ok() {
        out.push_str(&paint(
            on,
            "32",
            &format!("Done: {} operations in {:.1}s.", r.done.len(), r.elapsed.as_secs_f64()),
        ));
        return out;
    }
    out.push_str(&format!("{} operations done in {:.1}s.\n", r.done.len(), r.elapsed.as_secs_f64()));
    let unsaved = r.failed.iter().any(|(a, op, _)| a == "state" && *op == "save");
    if r.interrupted && unsaved {
        out.push_str(
            "Interrupted: the state could not be saved (below), so what finished since the last save is not \
             recorded; once the state can be written, run the command again: it finds what it made by its tags.\n",
        );
    } else if r.interrupted {
        out.push_str("Interrupted: what finished is saved in state; run the command again to continue.\n");
    }
    for (addr, op, err) in &r.failed {
        out.push_str(&paint(on, "31", &format!("{addr}: {op} failed: {err}\n")));
    }
    if !r.skipped.is_empty() {
        out.push_str(&format!("{} skipped because of the failures above.", r.skipped.len()));
    }
    out
}

pub fn print_outputs(o: &Opened, state: &stackr_state::State) {
    if state.outputs.is_empty() {
        return;
    }
    outln!("\nOutputs:");
    for (name, out) in &state.outputs {
        let v = if out.sensitive { "(sensitive)".to_string() } else { out.value.to_string() };
        outln!("  {} = {v}", paint(o.color_out, "1", name));
    }
}
