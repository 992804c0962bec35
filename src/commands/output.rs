//! `stackr output FILE [NAME] [--json]`: the outputs recorded by the last apply.

use super::Failure;
use super::run::{open, runtime};
use crate::cli::{ColorChoice, OutputArgs};

fn sensitive_value(stack: &stackr_core::Stack, state: &stackr_state::State, name: &str) -> serde_json::Value {
    let scope = stackr_engine::refresh::scope_from_state(stack, state);
    let mut diags = stackr_core::diag::Diagnostics::new();
    stack
        .outputs
        .iter()
        .find(|o| o.name == name)
        .map(|o| o.value.eval(&scope, &mut diags))
        .filter(|v| !v.contains_unknown())
        .map(|v| v.to_json())
        .unwrap_or(serde_json::Value::Null)
}

pub fn run(a: &OutputArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open(&a.stack, color, None).await?;
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
            let value = if out.sensitive { sensitive_value(&o.stack, &state, name) } else { out.value.clone() };
            match (&value, a.json) {
                (serde_json::Value::String(s), false) => println!("{s}"),
                (v, _) => println!("{v}"),
            }
            return Ok(0);
        }
        if a.json {
            let doc: serde_json::Map<String, serde_json::Value> = state
                .outputs
                .iter()
                .map(|(k, v)| (k.clone(), serde_json::json!({ "value": v.value, "sensitive": v.sensitive })))
                .collect();
            println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        } else if state.outputs.is_empty() {
            eprintln!("No outputs recorded in {} (apply the stack first).", o.session.store.location());
        } else {
            for (k, v) in &state.outputs {
                let shown = if v.sensitive { "(sensitive)".to_string() } else { v.value.to_string() };
                println!("{k} = {shown}");
            }
        }
        Ok(0)
    })
}
