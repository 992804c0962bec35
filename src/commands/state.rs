//! `stackr state list FILE` and `stackr state show FILE ADDRESS`.

use super::Failure;
use super::run::{open, runtime};
use crate::cli::{ColorChoice, StackArgs, StateShowArgs};

pub fn list(a: &StackArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open(a, color, None).await?;
        let (state, _) = o.session.load(&o.stack.name).await.map_err(|e| o.fail(e))?;
        let width = state.resources.keys().map(String::len).max().unwrap_or(0);
        for (addr, r) in &state.resources {
            let protect = if r.protect { "  protected" } else { "" };
            outln!("{addr:<width$}  {:<40} {:<16} {}{protect}", r.kind, r.region, r.id);
        }
        for (addr, p) in &state.pending {
            outln!("{addr:<width$}  {:<40} {:<16} (pending {:?})", p.kind, p.region, p.op);
        }
        eprintln!(
            "{} resources in {} (serial {}, lineage {})",
            state.resources.len(),
            o.session.store.location(),
            state.serial,
            state.lineage
        );
        Ok(0)
    })
}

pub fn show(a: &StateShowArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open(&a.stack, color, None).await?;
        let (state, _) = o.session.load(&o.stack.name).await.map_err(|e| o.fail(e))?;
        let Some(r) = state.resources.get(&a.address) else {
            let names: Vec<&str> = state.resources.keys().map(String::as_str).collect();
            return Err(Failure::Message(format!(
                "`{}` is not in state; {}",
                a.address,
                stackr_core::diag::suggest(&a.address, &names, "addresses")
            )));
        };
        outln!("{}", serde_json::to_string_pretty(r).unwrap_or_default());
        Ok(0)
    })
}
