//! The plan as people read it: `+` create, `~` update, `-/+` replace,
//! `-` delete, with field-level changes, drift marked, secrets masked.

use crate::color::paint;
use stackr_engine::plan::{Action, Cause, Change, Plan};
use std::fmt::Write as _;

fn color_of(a: Action) -> &'static str {
    match a {
        Action::Create => "32",
        Action::Update => "33",
        Action::Replace => "35",
        Action::Delete => "31",
    }
}

fn cause_text(step: &stackr_engine::plan::Step, destroying: bool) -> String {
    if destroying {
        return String::new();
    }
    let forced: Vec<&str> = step.changes.iter().filter(|c| c.forces_replacement).map(|c| c.field.as_str()).collect();
    let mut parts = Vec::new();
    match step.cause {
        Cause::Missing if step.action == Action::Create => {}
        Cause::Missing => parts.push("gone from AWS".to_string()),
        Cause::Deleted => parts.push("drift: deleted outside stackr".into()),
        Cause::Config => {}
        Cause::Drift => parts.push("drift: changed outside stackr".into()),
        Cause::ConfigAndDrift => parts.push("stack changed, and drift outside stackr".into()),
        Cause::Removed => parts.push("no longer in the stack".into()),
        Cause::Requested => parts.push("replacement asked for with --replace".into()),
        Cause::Unready => parts.push("not seen ready yet: an earlier run stopped waiting for it; apply waits".into()),
    }
    if !forced.is_empty() {
        parts.push(format!("{} forces replacement", forced.join(", ")));
    }
    if step.create_before_destroy {
        parts.push("new one created before the old is deleted".into());
    }
    if parts.is_empty() { String::new() } else { format!("  ({})", parts.join("; ")) }
}

/// A field's change: for a create, its value; else each leaf that
/// differs, in full (see `plan_leaves`).
fn change_line(out: &mut String, kind: &str, c: &Change, action: Action, on: bool) {
    let mut note = String::new();
    if c.forces_replacement {
        note.push_str("  # forces replacement");
    }
    if c.drift {
        note.push_str(&paint(on, "33", "  # drifted"));
    }
    if c.after.is_null() && c.config && action != Action::Create {
        note.push_str("  # no longer in the stack: back to AWS's default");
    }
    if action == Action::Create {
        let shown = crate::plan_leaves::show(&c.field, &c.after);
        // Only stackr's own tags: nothing to show.
        if c.field == "tags" && shown == "{}" {
            return;
        }
        let _ = writeln!(out, "      {}: {shown}{note}", c.field);
        return;
    }
    let prop = stackr_schema::get_role(kind, stackr_core::schema::Role::Resource).and_then(|t| t.property(&c.field));
    let unordered = prop.is_some_and(|p| p.unordered);
    let owned_map = prop.is_some_and(|p| matches!(p.ty, stackr_core::schema::PropType::Map(_)) && !p.partial);
    let lines = if unordered {
        crate::plan_leaves::set_changes(&c.field, &c.before, &c.after)
    } else if owned_map {
        crate::plan_leaves::map_changes(&c.field, &c.before, &c.after)
    } else if let Some(prop) = prop {
        crate::plan_leaves::changes_of(prop, &c.before, &c.after)
    } else {
        crate::plan_leaves::changes(&c.field, &c.before, &c.after)
    };
    if lines.is_empty() && c.field == "tags" {
        let _ = writeln!(out, "      tags: stackr's own tags (stackr:*) brought up to date{note}");
        return;
    }
    if lines.is_empty() {
        // Equal as shown (a secret on both sides): the field still changes.
        let (b, a) = (crate::plan_leaves::show(&c.field, &c.before), crate::plan_leaves::show(&c.field, &c.after));
        let _ = writeln!(out, "      {}: {b} -> {a}{note}", c.field);
        return;
    }
    for (path, what) in lines {
        let _ = writeln!(out, "      {path}: {what}{note}");
    }
}

/// The whole plan, or "No changes." when there is nothing to do.
pub fn render(plan: &Plan, location: &str, on: bool) -> String {
    let mut out = String::new();
    if plan.is_empty() {
        let _ = writeln!(out, "No changes: {} resources match the stack (state: {location}).", plan.unchanged);
        return out;
    }
    let verb = if plan.destroy { "destroy" } else { "change" };
    let _ = writeln!(out, "stackr will {verb} stack {} (state: {location}):\n", plan.stack);
    let width = plan.steps.iter().map(|s| s.address.len()).max().unwrap_or(0).min(48);
    for m in &plan.moved {
        let _ =
            writeln!(out, "  {} {}  moved to {} (kept in AWS)", paint(on, "36", " ->"), paint(on, "1", &m.from), m.to);
    }
    // By address, as people look things up (the run follows dependencies).
    let mut steps: Vec<&stackr_engine::plan::Step> = plan.steps.iter().collect();
    steps.sort_by(|a, b| a.address.cmp(&b.address));
    for s in steps {
        let sym = format!("{:>3}", s.action.symbol());
        let id = s.id.as_deref().map(|i| format!("  {i}")).unwrap_or_default();
        let _ = writeln!(
            out,
            "  {} {:<width$}  {}{id}{}",
            paint(on, color_of(s.action), &sym),
            paint(on, "1", &s.address),
            s.kind,
            cause_text(s, plan.destroy),
        );
        if s.action != Action::Delete && !(s.action == Action::Create && plan.destroy) {
            for c in &s.changes {
                change_line(&mut out, &s.kind, c, s.action, on);
            }
        }
    }
    for a in &plan.forget {
        let _ = writeln!(out, "  {} {a}  forgotten: stays in AWS (lifecycle.retain)", paint(on, "36", "  -"));
    }
    for (a, keep) in &plan.retain {
        let what = if *keep { "kept in AWS when it leaves the stack" } else { "deleted when it leaves the stack" };
        let _ = writeln!(out, "  {} {a}  lifecycle.retain recorded: {what}", paint(on, "36", "  ~"));
    }
    for (a, values) in &plan.settings {
        let shown: Vec<String> = values.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        let _ = writeln!(out, "  {} {a}  stackr setting recorded: {}", paint(on, "36", "  ~"), shown.join(", "));
    }
    for o in &plan.outputs {
        let show = |v| crate::plan_leaves::show("", v);
        let (sym, what) = match (&o.before, &o.after) {
            (serde_json::Value::Null, _) => ("  +", format!("= {}", show(&o.after))),
            (_, serde_json::Value::Null) => ("  -", "removed".to_string()),
            _ => ("  ~", format!("{} -> {}", show(&o.before), show(&o.after))),
        };
        let _ = writeln!(out, "  {} output {}  {what}", paint(on, "36", sym), paint(on, "1", &o.name));
    }
    for w in &plan.warnings {
        let _ = writeln!(out, "\n{} {w}", paint(on, "33", "warning:"));
    }
    let _ = writeln!(out, "\n{}", summary(plan));
    let by_type = by_type(plan);
    if by_type.lines().count() > 1 {
        out.push_str(&by_type);
    }
    out
}

/// One line per resource type: what the plan does to it.
fn by_type(plan: &Plan) -> String {
    let mut counts: std::collections::BTreeMap<&str, [usize; 5]> = std::collections::BTreeMap::new();
    for s in &plan.steps {
        let i = match s.action {
            _ if s.cause == Cause::Unready => 4,
            Action::Create => 0,
            Action::Update => 1,
            Action::Replace => 2,
            Action::Delete => 3,
        };
        counts.entry(s.kind.as_str()).or_default()[i] += 1;
    }
    let mut out = String::new();
    for (kind, c) in counts {
        let parts: Vec<String> = ["to create", "to update", "to replace", "to delete", "to wait for"]
            .iter()
            .zip(c)
            .filter(|(_, n)| *n > 0)
            .map(|(what, n)| format!("{n} {what}"))
            .collect();
        let _ = writeln!(out, "  {kind}: {}", parts.join(", "));
    }
    out
}

pub fn summary(plan: &Plan) -> String {
    let mut moved = if plan.moved.is_empty() { String::new() } else { format!(", {} moved", plan.moved.len()) };
    if !plan.forget.is_empty() {
        moved.push_str(&format!(", {} forgotten (kept in AWS)", plan.forget.len()));
    }
    if !plan.outputs.is_empty() {
        moved.push_str(&format!(
            ", {} output{} to record",
            plan.outputs.len(),
            if plan.outputs.len() == 1 { "" } else { "s" }
        ));
    }
    let waiting = plan.steps.iter().filter(|s| s.cause == Cause::Unready).count();
    if waiting > 0 {
        moved.push_str(&format!(", {waiting} to wait for (not seen ready yet)"));
    }
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete{moved}; {} unchanged.",
        plan.count(Action::Create),
        plan.count(Action::Update) - waiting,
        plan.count(Action::Replace),
        plan.count(Action::Delete),
        plan.unchanged
    )
}
