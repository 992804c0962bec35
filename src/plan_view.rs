//! The plan as people read it: `+` create, `~` update, `-/+` replace,
//! `-` delete, with field-level changes, drift marked, secrets masked.

use crate::color::paint;
use stackr_engine::plan::{Action, Cause, Change, Plan};
use std::fmt::Write as _;

fn value(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s)
            if s == stackr_core::value::UNKNOWN_TEXT || s == stackr_engine::plan::SECRET_TEXT =>
        {
            s.clone()
        }
        other => {
            let s = other.to_string();
            if s.len() > 120 { format!("{}…", &s[..s.floor_char_boundary(117)]) } else { s }
        }
    }
}

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
    }
    if !forced.is_empty() {
        parts.push(format!("{} forces replacement", forced.join(", ")));
    }
    if step.create_before_destroy {
        parts.push("new one created before the old is deleted".into());
    }
    if parts.is_empty() { String::new() } else { format!("  ({})", parts.join("; ")) }
}

fn change_line(out: &mut String, c: &Change, action: Action, on: bool) {
    let mut line = match action {
        Action::Create => format!("      {}: {}", c.field, value(&c.after)),
        _ => format!("      {}: {} -> {}", c.field, value(&c.before), value(&c.after)),
    };
    if c.forces_replacement {
        line.push_str("  # forces replacement");
    }
    if c.drift {
        line.push_str(&paint(on, "33", "  # drifted"));
    }
    let _ = writeln!(out, "{line}");
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
    for s in &plan.steps {
        let sym = format!("{:>3}", s.action.symbol());
        let _ = writeln!(
            out,
            "  {} {:<width$}  {}{}",
            paint(on, color_of(s.action), &sym),
            paint(on, "1", &s.address),
            s.kind,
            cause_text(s, plan.destroy),
        );
        if s.action != Action::Delete && !(s.action == Action::Create && plan.destroy) {
            for c in &s.changes {
                change_line(&mut out, c, s.action, on);
            }
        }
    }
    for o in &plan.outputs {
        let (sym, what) = match (&o.before, &o.after) {
            (serde_json::Value::Null, _) => ("  +", format!("= {}", o.after)),
            (_, serde_json::Value::Null) => ("  -", "removed".to_string()),
            _ => ("  ~", format!("{} -> {}", o.before, o.after)),
        };
        let _ = writeln!(out, "  {} output {}  {what}", paint(on, "36", sym), paint(on, "1", &o.name));
    }
    let _ = writeln!(out, "\n{}", summary(plan));
    out
}

pub fn summary(plan: &Plan) -> String {
    let mut moved = if plan.moved.is_empty() { String::new() } else { format!(", {} moved", plan.moved.len()) };
    if !plan.outputs.is_empty() {
        moved.push_str(&format!(
            ", {} output{} to record",
            plan.outputs.len(),
            if plan.outputs.len() == 1 { "" } else { "s" }
        ));
    }
    format!(
        "Plan: {} to create, {} to update, {} to replace, {} to delete{moved}; {} unchanged.",
        plan.count(Action::Create),
        plan.count(Action::Update),
        plan.count(Action::Replace),
        plan.count(Action::Delete),
        plan.unchanged
    )
}
