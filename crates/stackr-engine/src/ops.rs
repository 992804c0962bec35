//! From plan steps to the operations the executor runs, and the order
//! between them.
//!
//! - A create or update waits for the create/update of each dependency that
//!   has one: for its *done* milestone, or *ready* when the dependant's
//!   reconciler needs the dependency ready or the stack names it in
//!   `depends_on`.
//! - A replacement is a delete of the old resource and a create of the new
//!   one. Without `create_before_destroy` the create follows the delete, and
//!   the old resource's delete follows the deletes of its old dependants.
//!   With it, the create comes first and the old one (moved in state to
//!   `ADDRESS#deposed` so the new one can take its address) is deleted once
//!   the new one is ready and every dependant has moved on (and is ready).
//!   A resource a `create_before_destroy` dependant relies on is itself
//!   replaced create-before-destroy, as the dependant cannot be created
//!   before a dependency it needs exists (the plan marks these, see
//!   `replace_first.rs`; a plan read from a file is marked again here).
//! - Orphans (and destroys) are deleted after whatever depended on them is
//!   deleted (gone: a delete's *ready* milestone, see
//!   [`Reconciler::deleted`](crate::reconciler::Reconciler::deleted); only
//!   accepted where the type says AWS allows it, see
//!   [`Reconciler::delete_waits_for_gone`](crate::reconciler::Reconciler::delete_waits_for_gone)),
//!   or updated to stop using them.
//!
//! The result is checked for cycles before anything runs.

use crate::plan::{Action, Cause, Plan};
use crate::reconciler::Providers;
use stackr_core::model::{NodeRef, Stack};
use stackr_state::State;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OpKind {
    Create,
    Update,
    Delete,
}

impl OpKind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            OpKind::Create => "create",
            OpKind::Update => "update",
            OpKind::Delete => "delete",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Milestone {
    Done,
    Ready,
}

#[derive(Debug)]
pub(crate) struct Op {
    /// The address in the stack (what reconcilers and messages name).
    pub address: String,
    /// The key of the state entry this operation maintains: the address,
    /// or `ADDRESS#deposed` for the old half of a create-before-destroy.
    pub state_key: String,
    pub kind: OpKind,
    /// Index into `stack.instances` for creates and updates.
    pub instance: Option<usize>,
    pub type_kind: String,
    pub region: String,
    /// (op index, milestone) this op waits for.
    pub deps: Vec<(usize, Milestone)>,
    /// An update with nothing to change that waits for a resource an
    /// earlier run left unready (`Cause::Unready`).
    pub unready: bool,
}

impl Op {
    /// A create at `address` waiting for `deps`, for the schedule's tests.
    #[cfg(test)]
    pub(crate) fn create_for_test(address: &str, deps: &[(usize, Milestone)]) -> Op {
        Op {
            address: address.into(),
            state_key: address.into(),
            kind: OpKind::Create,
            instance: None,
            type_kind: String::new(),
            region: String::new(),
            deps: deps.to_vec(),
            unready: false,
        }
    }
}

/// The state key under which the old half of a create-before-destroy waits.
pub fn deposed_key(address: &str) -> String {
    format!("{address}{DEPOSED}")
}

/// The suffix of an old half's state key.
const DEPOSED: &str = "#deposed";

pub(crate) fn build_ops(
    stack: Option<&Stack>,
    plan: &Plan,
    state: &State,
    providers: &Providers,
    wait_for_ready: bool,
) -> Result<Vec<Op>, String> {
    let instance_index: HashMap<String, usize> = stack
        .map(|st| st.instances.iter().enumerate().map(|(i, inst)| (inst.address.to_string(), i)).collect())
        .unwrap_or_default();
    // Which replacements run create-before-destroy (as the plan marks
    // them; a plan read from a file is marked again).
    let cbd: HashSet<&str> = crate::replace_first::create_first(stack, providers, &plan.steps)
        .into_iter()
        .map(|i| plan.steps[i].address.as_str())
        .collect();
    let replaced: HashSet<&str> =
        plan.steps.iter().filter(|s| s.action == Action::Replace).map(|s| s.address.as_str()).collect();

    let mut ops: Vec<Op> = Vec::new();
    let mut forward: HashMap<String, usize> = HashMap::new();
    let mut backward: HashMap<String, usize> = HashMap::new();
    for s in &plan.steps {
        let inst = instance_index.get(&s.address).copied();
        let prior = state.resources.get(&s.address);
        let mk = |kind, key: String, from_state: bool| Op {
            address: s.address.clone(),
            state_key: key,
            kind,
            instance: inst,
            type_kind: if from_state { prior.map_or(s.kind.clone(), |p| p.kind.clone()) } else { s.kind.clone() },
            region: if from_state { prior.map_or(s.region.clone(), |p| p.region.clone()) } else { s.region.clone() },
            deps: Vec::new(),
            unready: s.cause == Cause::Unready,
        };
        match s.action {
            Action::Create | Action::Update => {
                let kind = if s.action == Action::Create { OpKind::Create } else { OpKind::Update };
                forward.insert(s.address.clone(), ops.len());
                ops.push(mk(kind, s.address.clone(), false));
            }
            Action::Delete => {
                backward.insert(s.address.clone(), ops.len());
                ops.push(mk(OpKind::Delete, s.address.clone(), true));
            }
            Action::Replace => {
                let key = if cbd.contains(s.address.as_str()) { deposed_key(&s.address) } else { s.address.clone() };
                backward.insert(s.address.clone(), ops.len());
                ops.push(mk(OpKind::Delete, key, true));
                forward.insert(s.address.clone(), ops.len());
                ops.push(mk(OpKind::Create, s.address.clone(), false));
            }
        }
    }

    // Forward operations wait for their dependencies' forward operations;
    // a replacement's create follows its delete unless create-before-destroy.
    if let Some(st) = stack {
        for (addr, &i) in &forward {
            let Some(ii) = ops[i].instance else { continue };
            let me = providers.get(&ops[i].type_kind).cloned();
            for d in &st.instances[ii].deps {
                let NodeRef::Instance(j) = d.target else { continue };
                let dep_addr = st.instances[j].address.to_string();
                if let Some(&k) = forward.get(&dep_addr) {
                    let dep_kind = st.resource_of(&st.instances[j]).schema.kind;
                    // `depends_on` says "after it", which for a resource
                    // that becomes ready later means after it is ready.
                    let m = if wait_for_ready || d.explicit || me.as_ref().is_some_and(|r| r.needs_ready(dep_kind)) {
                        Milestone::Ready
                    } else {
                        Milestone::Done
                    };
                    ops[i].deps.push((k, m));
                }
            }
            if let Some(&del) = backward.get(addr)
                && !cbd.contains(addr.as_str())
            {
                // A delete is *ready* when the resource is gone.
                ops[i].deps.push((del, Milestone::Ready));
            }
        }
    }
    // A create that takes a name an old resource of this run still holds
    // (renamed in the stack without `moved:`, or removed and added back
    // under another address) goes once that one is gone: AWS allows the
    // name once. The old one is then deleted first, as in a delete-first
    // replacement.
    let mut taken: HashSet<usize> = HashSet::new();
    for s in plan.steps.iter().filter(|s| s.action == Action::Create) {
        let (Some(&i), Some(rec)) = (forward.get(&s.address), providers.get(&s.kind)) else { continue };
        for p in rec.schema().properties.iter().filter(|p| p.unique.is_some()) {
            let Some(name) = s.changes.iter().find(|c| c.field == p.name).map(|c| &c.after) else { continue };
            for (addr, &del) in &backward {
                let holds = state.resources.get(addr).is_some_and(|r| {
                    r.kind == s.kind
                        && (r.region == s.region || p.unique != Some(stackr_core::schema::Unique::Region))
                        && r.properties.get(p.name) == Some(name)
                });
                if holds && del != i && ops[del].kind == OpKind::Delete && !cbd.contains(addr.as_str()) {
                    ops[i].deps.push((del, Milestone::Ready));
                    taken.insert(del);
                }
            }
        }
    }
    // Old resources go after what depended on them: their deletes first;
    // their updates too (which stop using them), unless the old resource
    // is replaced delete-first, where the dependant's update needs the new
    // one, which needs the old one gone.
    let mut dependants_in_state: HashMap<&str, Vec<&str>> = HashMap::new();
    for (addr, r) in &state.resources {
        for dep in &r.dependencies {
            dependants_in_state.entry(dep.as_str()).or_default().push(addr.as_str());
        }
    }
    for (addr, &del) in &backward {
        let delete_first = (replaced.contains(addr.as_str()) && !cbd.contains(addr.as_str())) || taken.contains(&del);
        // The old half of a create-before-destroy an earlier run left
        // (`ADDRESS#deposed`): its users are those of ADDRESS, and it goes
        // only once they and its replacement have moved on.
        let base = addr.strip_suffix(DEPOSED).unwrap_or(addr);
        let old_half = base != addr;
        let replaced_first = cbd.contains(addr.as_str()) || old_half;
        for user in dependants_in_state.get(base).into_iter().flatten() {
            // Gone, not just asked to go: a subnet waits until the load
            // balancer in it is deleted, not until its delete was accepted;
            // unless AWS takes a dependant being deleted as enough.
            if let Some(&d2) = backward.get(*user) {
                let gone =
                    providers.get(&ops[del].type_kind).is_none_or(|r| r.delete_waits_for_gone(&ops[d2].type_kind));
                ops[del].deps.push((d2, if gone { Milestone::Ready } else { Milestone::Done }));
            }
            // A dependant's update that stops using it: done and ready,
            // not just accepted (a service moving off a subnet keeps its
            // old tasks there, on the mount target and NAT path of that
            // zone, until its deployment completes).
            if let Some(&f) = forward.get(*user)
                && ops[f].kind == OpKind::Update
                && !delete_first
            {
                ops[del].deps.push((f, Milestone::Ready));
            }
            // With create-before-destroy the old one also waits for the
            // dependants' new instances, ready: until then the old one is
            // what serves (a service still rolling onto the new revision).
            if replaced_first && let Some(&f) = forward.get(*user) {
                ops[del].deps.push((f, Milestone::Ready));
            }
        }
        // Users that reach it through a resource replaced with it (a
        // listener using a certificate through its validation) move off
        // it too, when they move to that resource's new instance.
        // An old half an earlier run left: the resources between may have
        // been replaced by that run, so every user reached through state
        // is followed (an interrupted certificate replacement resumed: the
        // listener and distribution reach the old certificate through its
        // validation, replaced before the interrupt).
        if replaced_first {
            let through = |u: &str| old_half || replaced.contains(u);
            let mut seen: HashSet<&str> = HashSet::new();
            let mut queue: Vec<&str> =
                dependants_in_state.get(base).into_iter().flatten().copied().filter(|u| through(u)).collect();
            while let Some(u) = queue.pop() {
                if !seen.insert(u) {
                    continue;
                }
                for w in dependants_in_state.get(u).into_iter().flatten() {
                    if let Some(&f) = forward.get(*w) {
                        ops[del].deps.push((f, Milestone::Ready));
                    }
                    if through(w) {
                        queue.push(w);
                    }
                }
            }
        }
        // And for its replacement to be ready, not just accepted: a cache
        // still `creating` serves nothing, and the point of creating first
        // is that something always does.
        if replaced_first && let Some(&new) = forward.get(base) {
            ops[del].deps.push((new, Milestone::Ready));
        }
    }
    // One edge per dependency, the stronger milestone kept.
    for op in &mut ops {
        op.deps.sort_unstable_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
        op.deps.dedup_by_key(|(i, _)| *i);
    }
    check_acyclic(&ops)?;
    Ok(ops)
}

/// Refuses an order that could never complete.
fn check_acyclic(ops: &[Op]) -> Result<(), String> {
    let n = ops.len();
    let mut indegree: Vec<usize> = ops.iter().map(|o| o.deps.len()).collect();
    let mut users: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, op) in ops.iter().enumerate() {
        for &(d, _) in &op.deps {
            users[d].push(i);
        }
    }
    let mut queue: Vec<usize> = (0..n).filter(|&i| indegree[i] == 0).collect();
    let mut seen = 0;
    while let Some(i) = queue.pop() {
        seen += 1;
        for &u in &users[i] {
            indegree[u] -= 1;
            if indegree[u] == 0 {
                queue.push(u);
            }
        }
    }
    if seen == n {
        return Ok(());
    }
    let stuck: Vec<String> =
        (0..n).filter(|&i| indegree[i] > 0).map(|i| format!("{} of {}", ops[i].kind.name(), ops[i].address)).collect();
    Err(format!(
        "these operations wait on each other and could never run: {}; replace the resources in two applies \
         or set `create_before_destroy` on them",
        stuck.join(", ")
    ))
}
