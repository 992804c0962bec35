//! `stackr output FILE [NAME] [--json]`: the outputs recorded by the last apply.

use super::Failure;
use super::run::{open_from_state, runtime};
use crate::cli::{ColorChoice, OutputArgs};

/// A sensitive output's value, evaluated from the stack and state now
/// (it is never stored), and printed only if it is the value applied:
/// today's variables may give another.
fn sensitive_value(
    stack: &stackr_core::Stack,
    state: &stackr_state::State,
    name: &str,
    recorded: Option<&str>,
) -> Result<serde_json::Value, Failure> {
    let scope = stackr_engine::refresh::scope_from_state(stack, state);
    let mut diags = stackr_core::diag::Diagnostics::new();
    let Some(v) = stack.outputs.iter().find(|o| o.name == name).map(|o| o.value.eval(&scope, &mut diags)) else {
        return Err(Failure::Message(format!(
            "output `{name}` is no longer in the stack, and a sensitive value is not kept in state"
        )));
    };
    if v.contains_unknown() || !diags.is_empty() {
        return Err(Failure::Message(format!("output `{name}` cannot be evaluated from the stack and state now")));
    }
    if let Some(d) = recorded
        && stackr_engine::secret::digest(&state.lineage, &v) != d
    {
        return Err(Failure::Message(format!(
            "output `{name}` is sensitive and the stack now gives a value other than the one applied (a variable \
             or a file it reads changed); give the variables of the last apply, or apply, to print it"
        )));
    }
    Ok(v.to_json())
}

pub fn run(a: &OutputArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open_from_state(&a.stack, color, None).await?;
        let (state, _) = o.session.load(&o.stack.name).await.map_err(|e| o.fail(e))?;
        if let Some(name) = &a.name {
            let Some(out) = state.outputs.get(name) else {
                let names: Vec<&str> = state.outputs.keys().map(String::as_str).collect();
                return Err(Failure::Message(format!(
                    "no output `{name}` in state; {}",
                    stackr_core::diag::suggest(name, &names, "outputs")
                )));
            };
            // Asked for by name: printed, sensitive or not. A sensitive
            // value is not in state; it is evaluated from the stack now.
            let value = if out.sensitive {
                sensitive_value(&o.stack, &state, name, out.digest.as_deref())?
            } else {
                out.value.clone()
            };
            match (&value, a.json) {
                (serde_json::Value::String(s), false) => outln!("{s}"),
                (v, _) => outln!("{v}"),
            }
            return Ok(0);
        }
        if a.json {
            let doc: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!({ "value": v.value, "sensitive": v.sensitive })))
                .collect();
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        } else if state.outputs.is_empty() {
            eprintln!("No outputs recorded in {} (apply the stack first).", o.session.store.location());
        } else {
            for (k, v) in &state.outputs {
                let shown = if v.sensitive { "(sensitive)".to_string() } else { v.value.to_string() };
                outln!("{k} = {shown}");
            }
        }
        Ok(0)
    })
}
