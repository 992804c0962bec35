//! `stackr state list|show|rm|mv FILE ...`: read the state, forget a
//! resource (kept in AWS), rename one (kept in AWS).

use super::Failure;
use super::run::{Opened, command_line, open_from_state, runtime};
use crate::cli::{ColorChoice, StackArgs, StateMvArgs, StateRmArgs, StateShowArgs};
use stackr_core::model::Address;

/// An address as typed, in either spelling (`subnet[a]`, `subnet["a"]`),
/// as state writes it.
fn canonical(address: &str) -> Result<Address, Failure> {
    Address::parse(address).ok_or_else(|| {
        Failure::Message(format!("`{address}` is not an address; addresses look like vpc, subnet[a] or api.task"))
    })
}

/// The state entries an address names: itself, or with no key every
/// instance of the name.
fn entries(state: &stackr_state::State, a: &Address) -> Vec<String> {
    let exact = a.to_string();
    if state.resources.contains_key(&exact) {
        return vec![exact];
    }
    if a.key.is_some() {
        return Vec::new();
    }
    state.resources.keys().filter(|k| Address::parse(k).is_some_and(|k| k.name == a.name)).cloned().collect()
}

fn not_in_state(state: &stackr_state::State, address: &str) -> Failure {
    let names: Vec<&str> = state.resources.keys().map(String::as_str).collect();
    Failure::Message(format!(
        "`{address}` is not in state; {}",
        stackr_core::diag::suggest(address, &names, "addresses")
    ))
}

pub fn rm(a: &StateRmArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open_from_state(&a.stack, color, None).await?;
        o.locked(&command_line(), async |o: &Opened| {
            let (mut state, version) = o.session.load(&o.stack.name).await.map_err(|e| o.fail(e))?;
            let mut removed = Vec::new();
            for given in &a.addresses {
                let addr = canonical(given)?;
                let found = entries(&state, &addr);
                if found.is_empty() {
                    return Err(not_in_state(&state, given));
                }
                for k in found {
                    if let Some(r) = state.resources.remove(&k) {
                        removed.push((k, r.id));
                    }
                }
            }
            state.serial += 1;
            o.session.store.save(&state, version.as_deref()).await.map_err(|e| o.fail(e.into()))?;
            for (k, id) in &removed {
                eprintln!("{k}: forgotten ({id} stays in AWS; stackr no longer manages it)");
                let still = Address::parse(k).is_some_and(|a| o.stack.by_name.contains_key(&a.name));
                if still {
                    eprintln!(
                        "  the stack still defines `{k}`: the next apply takes {id} back when it finds it by the \
                         stackr tags it still carries (most types do), and makes a new one otherwise; to stop \
                         managing it, remove it from the stack"
                    );
                }
            }
            Ok(0)
        })
        .await
    })
}

pub fn mv(a: &StateMvArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open_from_state(&a.stack, color, None).await?;
        o.locked(&command_line(), async |o: &Opened| {
            let (mut state, version) = o.session.load(&o.stack.name).await.map_err(|e| o.fail(e))?;
            let (from, to) = (canonical(&a.from)?, canonical(&a.to)?);
            // Into one instance (`a` to `b[x]`), `a` itself is moved.
            let single = from.key.is_none() && to.key.is_some();
            if entries(&state, &from).is_empty() || (single && !state.resources.contains_key(&from.to_string())) {
                return Err(not_in_state(&state, &a.from));
            }
            if from == to {
                return Err(Failure::Message(format!("`{from}` is already at that address: nothing to move")));
            }
            if !entries(&state, &to).is_empty() {
                return Err(Failure::Message(format!(
                    "`{to}` is already in state; `stackr state rm` it first if it should be forgotten"
                )));
            }
            let moves = [stackr_core::model::Move { from, to: to.clone(), span: Default::default() }];
            let done = stackr_engine::moves::apply(&mut state, &moves, &o.stack)
                .map_err(|d| Failure::Message(d.iter().map(|d| d.message.clone()).collect::<Vec<_>>().join("\n")))?;
            state.serial += 1;
            o.session.store.save(&state, version.as_deref()).await.map_err(|e| o.fail(e.into()))?;
            for m in &done {
                eprintln!("{}: moved to {} (kept in AWS)", m.from, m.to);
            }
            if !o.stack.by_name.contains_key(&to.name) {
                eprintln!("  the stack does not define `{}`: the next apply deletes it unless the stack does", to.name);
            }
            Ok(0)
        })
        .await
    })
}

pub fn list(a: &StackArgs, color: ColorChoice) -> Result<u8, Failure> {
    runtime()?.block_on(async {
        let o = open_from_state(a, color, None).await?;
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
        let o = open_from_state(&a.stack, color, None).await?;
        let (state, _) = o.session.load(&o.stack.name).await.map_err(|e| o.fail(e))?;
        let address = canonical(&a.address)?.to_string();
        let Some(r) = state.resources.get(&address) else {
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
