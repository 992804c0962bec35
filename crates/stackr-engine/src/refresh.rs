//! Refresh: observe every resource in state (batched: one call per type and
//! region) and read every data look-up.

use crate::error::EngineError;
use crate::reconciler::{Lookups, Observed, Props, Providers};
use crate::recorded::Recorded;
use stackr_core::model::{NodeRef, Stack, StackScope};
use stackr_core::value::Value;
use stackr_state::State;
use std::collections::BTreeMap;
use std::sync::Arc;
use tokio::task::JoinSet;

/// What is live now.
#[derive(Debug, Clone, Default)]
pub struct Refreshed {
    /// By address; `None` when the resource is gone from AWS.
    pub resources: BTreeMap<String, Option<Observed>>,
    /// Data look-up values by name.
    pub data: BTreeMap<String, Value>,
    /// Digests of the secrets AWS holds, by address then property, for the
    /// types that can read them back ([`crate::reconciler::Reconciler::secret_digests`]).
    pub secret_digests: BTreeMap<String, BTreeMap<String, String>>,
}

/// What a refresh observed of the resources in state.
#[derive(Debug, Default)]
pub struct Observations {
    pub resources: BTreeMap<String, Option<Observed>>,
    pub secret_digests: BTreeMap<String, BTreeMap<String, String>>,
}

/// Observes everything in `state`, grouped by (type, region).
pub async fn observe_state(state: &State, providers: &Providers) -> Result<Observations, EngineError> {
    // Reconcilers may share identical reads until this is dropped.
    let _refresh = providers.refresh_scope(&state.stack, Arc::new(Recorded::from_state(state)));
    let mut groups: BTreeMap<(String, String), Vec<(String, String)>> = BTreeMap::new();
    for (addr, r) in &state.resources {
        groups.entry((r.kind.clone(), r.region.clone())).or_default().push((addr.clone(), r.id.clone()));
    }
    let mut tasks = JoinSet::new();
    for ((kind, region), members) in groups {
        let rec = providers.get(&kind).cloned().ok_or_else(|| EngineError::NoReconciler(kind.clone()))?;
        let salt = state.lineage.clone();
        tasks.spawn(async move {
            let ids: Vec<String> = members.iter().map(|(_, id)| id.clone()).collect();
            let out = rec.observe(&region, &ids).await;
            // Only for types with secrets: one more read of what AWS holds.
            let digests = match &out {
                Ok(_) if rec.schema().properties.iter().any(|p| p.secret) => {
                    Some(rec.secret_digests(&region, &ids, &salt).await)
                }
                _ => None,
            };
            (kind, region, members, out, digests)
        });
    }
    let mut result = Observations::default();
    while let Some(joined) = tasks.join_next().await {
        let (kind, region, members, out, digests) = joined.map_err(|e| EngineError::Internal(e.to_string()))?;
        let fail = |e| EngineError::Observe { kind: kind.clone(), region: region.clone(), source: e };
        let observed = out.map_err(fail)?;
        let digests = digests.transpose().map_err(fail)?;
        if observed.len() != members.len() || digests.as_ref().is_some_and(|d| d.len() != members.len()) {
            return Err(EngineError::Internal(format!(
                "{kind} observe returned {} results for {} ids",
                observed.len(),
                members.len()
            )));
        }
        for (i, ((addr, _), o)) in members.into_iter().zip(observed).enumerate() {
            if let Some(d) = digests.as_ref().map(|d| &d[i]).filter(|d| !d.is_empty()) {
                result.secret_digests.insert(addr.clone(), d.clone());
            }
            result.resources.insert(addr, o);
        }
    }
    Ok(result)
}

/// A scope where each resource in state shows its recorded properties and
/// attributes (data look-ups are not read).
pub fn scope_from_state(stack: &Stack, state: &State) -> StackScope {
    let mut scope = stack.scope();
    for r in &stack.resources {
        if r.for_each {
            scope.resources.insert(r.name.clone(), Value::Map(BTreeMap::new()));
        }
    }
    for (addr, r) in &state.resources {
        let mut obj: Props = crate::plan::props_of(&r.properties);
        obj.extend(crate::plan::props_of(&r.attributes));
        obj.insert("id".into(), Value::String(r.id.clone()));
        if let Some(a) = stackr_core::Address::parse(addr) {
            scope.set_instance(&a, Value::Map(obj));
        }
    }
    scope
}

/// Reads the stack's data look-ups, in dependency order.
pub async fn read_data(
    stack: &Stack,
    state: &State,
    lookups: &Lookups,
) -> Result<BTreeMap<String, Value>, EngineError> {
    read_lookups(stack, state, lookups, None).await
}

/// Reads the look-ups that `for_each`s iterate ([`Stack::for_each_lookups`])
/// and those their arguments read, before the stack is loaded again with
/// their values. Nothing else is known yet, so their arguments may use
/// variables and other look-ups only.
pub async fn read_for_each_lookups(stack: &Stack, lookups: &Lookups) -> Result<BTreeMap<String, Value>, EngineError> {
    let mut wanted: std::collections::BTreeSet<usize> = stack
        .data
        .iter()
        .enumerate()
        .filter(|(_, d)| stack.for_each_lookups.contains(&d.name))
        .map(|(i, _)| i)
        .collect();
    let mut todo: Vec<usize> = wanted.iter().copied().collect();
    while let Some(i) = todo.pop() {
        for dep in &stack.data[i].deps {
            if let NodeRef::Data(j) = dep.target
                && wanted.insert(j)
            {
                todo.push(j);
            }
        }
    }
    read_lookups(stack, &State::new(&stack.name, ""), lookups, Some(&wanted)).await
}

async fn read_lookups(
    stack: &Stack,
    state: &State,
    lookups: &Lookups,
    only: Option<&std::collections::BTreeSet<usize>>,
) -> Result<BTreeMap<String, Value>, EngineError> {
    let mut out = BTreeMap::new();
    if stack.data.is_empty() {
        return Ok(out);
    }
    // Arguments may name resources already in state: use their attributes.
    let mut scope = scope_from_state(stack, state);
    for node in stack.graph.topo_order().unwrap_or_default() {
        let NodeRef::Data(di) = node else { continue };
        if only.is_some_and(|o| !o.contains(&di)) {
            continue;
        }
        let d = &stack.data[di];
        let mut diags = stackr_core::diag::Diagnostics::new();
        let args: Props = d.args.iter().map(|(k, t)| (k.name.clone(), t.eval(&scope, &mut diags))).collect();
        if !diags.is_empty() || args.values().any(Value::contains_unknown) {
            return Err(EngineError::Data {
                name: d.name.clone(),
                message: "its arguments are not known before apply; look-ups may use variables, other look-ups and resources that already exist".into(),
            });
        }
        let l = lookups.get(d.schema.kind).ok_or_else(|| EngineError::NoReconciler(d.schema.kind.to_string()))?;
        let attrs = l
            .read(&d.region, &args)
            .await
            .map_err(|e| EngineError::Data { name: d.name.clone(), message: e.message })?;
        let mut obj = args;
        obj.extend(attrs);
        let v = Value::Map(obj);
        scope.set_data(&d.name, v.clone());
        out.insert(d.name.clone(), v);
    }
    Ok(out)
}
