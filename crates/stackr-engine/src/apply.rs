//! The executor: runs a plan's steps in parallel, in dependency order.
//!
//! - A step starts as soon as the values it needs exist: it waits for a
//!   dependency's *creation* (attributes known), and for its *readiness*
//!   only when its reconciler says it needs it ([`Reconciler::needs_ready`]).
//! - At most `parallelism` AWS operations run at once; readiness polling
//!   does not hold a slot.
//! - A failure skips only its dependants (transitively); independent
//!   branches finish. The report names root causes.
//! - Before each create, the intent (address, token) is journaled in state
//!   and made durable; after every completed operation state is updated
//!   (and written by the coalescing [`Persister`]).
//! - Cancellation stops new operations from starting; running ones finish.
//! - Each operation's stage is kept by [`crate::schedule`]; each runs in a
//!   task of one `JoinSet` ([`crate::task`]), so a task that panics is
//!   reported as that operation's failure.
//!
//! A replacement is two operations: delete of the old resource and create
//! of the new one (in the other order with `create_before_destroy`, the
//! delete then also waiting for the dependants to move to the new one).

use crate::diff::normalize;
use crate::events::{Event, EventSink};
pub use crate::failure::OpError;
use crate::ops::{Milestone, Op, OpKind, build_ops};
use crate::persist::Persister;
use crate::plan::{Action, Plan, live_object, props_of, tags_for};
use crate::reconciler::{Observed, Props, Providers, Reconciler, Target};
use crate::refresh::Refreshed;
use crate::schedule::{Schedule, Stage};
use crate::task::{Limit, Msg, Pacing, ResourceRecord, TaskCtx, Work};
use stackr_core::lang::check::planned_object;
use stackr_core::model::{Address, NodeRef, Stack, StackScope};
use stackr_core::value::Value;
use stackr_state::{PendingKind, PendingOp, State};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc, watch};
use tokio::task::JoinSet;

/// How the executor runs.
#[derive(Clone)]
pub struct Options {
    pub parallelism: usize,
    /// Addresses (or resource names) whose protection is lifted for this run.
    pub allow_protected: Vec<String>,
    /// First pause between readiness polls; grows to `poll_max`.
    pub poll_initial: Duration,
    pub poll_max: Duration,
    /// An upper bound on every operation's timeout (tests shorten it); the
    /// timeouts themselves come from the resource's `lifecycle.timeouts` or
    /// its type's defaults ([`Reconciler::timeouts`]), in AWS time.
    pub retry_for: Duration,
    /// Set to true to stop starting operations (Ctrl-C).
    pub cancel: watch::Receiver<bool>,
    /// Schedule as Terraform does: every dependant waits until its
    /// dependencies are fully ready, not only those whose reconciler needs
    /// it, and an operation keeps its parallelism slot while it waits for
    /// ready or gone. Slower; kept to measure what readiness-aware
    /// scheduling saves.
    pub wait_for_ready: bool,
    /// `lifecycle.timeouts` by address, for a run without the stack (a
    /// destroy runs from state alone): the stack file's, when it was read.
    pub timeouts: BTreeMap<String, stackr_core::lang::ast::Timeouts>,
}

impl Options {
    pub fn new(parallelism: usize) -> Self {
        let (_tx, rx) = watch::channel(false);
        Options {
            parallelism,
            allow_protected: Vec::new(),
            poll_initial: Duration::from_secs(2),
            poll_max: Duration::from_secs(20),
            retry_for: Duration::from_secs(400 * 24 * 3600),
            cancel: rx,
            wait_for_ready: false,
            timeouts: BTreeMap::new(),
        }
    }
}

/// What happened.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Report {
    /// (address, operation) in completion order.
    pub done: Vec<(String, &'static str)>,
    /// Root causes: (address, operation, error).
    pub failed: Vec<(String, &'static str, OpError)>,
    /// (address, the failed address it depended on).
    pub skipped: Vec<(String, String)>,
    pub interrupted: bool,
    pub elapsed: Duration,
    /// The critical-path bound of this run: the longest chain of
    /// operations through the dependencies, each taking as long as it took
    /// here (to done, plus to ready where a dependant waited for that), as
    /// if slots were unlimited. `None` when nothing ran. `elapsed` over this
    /// is how close scheduling came to the best possible; the chain says
    /// which operations (and which waits) make it.
    pub critical_path: Option<crate::critical::CriticalPath>,
    /// How often the run asked AWS whether a resource was ready (or gone),
    /// over how much waiting.
    pub polling: crate::Polling,
}

impl Report {
    pub fn ok(&self) -> bool {
        self.failed.is_empty() && self.skipped.is_empty() && !self.interrupted
    }
}

/// Everything the executor needs.
pub struct Run<'a> {
    pub stack: Option<&'a Stack>,
    pub plan: &'a Plan,
    pub refreshed: &'a Refreshed,
    pub providers: &'a Providers,
    pub persister: &'a Persister,
    pub events: Arc<dyn EventSink>,
    pub options: Options,
    /// Idempotency tokens of this run's creates, by address.
    pub tokens: HashMap<String, String>,
}

/// Protected resources the plan would delete or replace, unless allowed.
pub fn protected_in(plan: &Plan, stack: Option<&Stack>, state: &State, allow: &[String]) -> Vec<String> {
    let allowed = |addr: &str| {
        let name = Address::parse(addr).map(|a| a.name).unwrap_or_default();
        allow.iter().any(|a| a == addr || *a == name)
    };
    plan.steps
        .iter()
        .filter(|s| matches!(s.action, Action::Delete | Action::Replace))
        .filter(|s| {
            let in_state = state.resources.get(&s.address).is_some_and(|r| r.protect);
            let in_stack = stack.is_some_and(|st| {
                Address::parse(&s.address)
                    .and_then(|a| st.by_name.get(&a.name))
                    .is_some_and(|&ri| st.resources[ri].lifecycle.protect)
            });
            (in_state || in_stack) && state.resources.contains_key(&s.address)
        })
        .filter(|s| !allowed(&s.address))
        .map(|s| s.address.clone())
        .collect()
}

/// Resources the plan would delete or replace that their reconciler says
/// AWS would refuse to delete, with the reason: as last applied, with what
/// the refresh read live over it (deletion protection turned on outside
/// stackr stops a destroy before it deletes the cluster's instances).
pub fn undeletable_in(
    plan: &Plan,
    state: &State,
    refreshed: &crate::refresh::Refreshed,
    providers: &Providers,
) -> Vec<(String, String)> {
    plan.steps
        .iter()
        .filter(|s| matches!(s.action, Action::Delete | Action::Replace))
        .filter_map(|s| {
            let r = state.resources.get(&s.address)?;
            let rec = providers.get(&r.kind)?;
            let recorded = crate::plan::props_of(&r.properties);
            let mut props = recorded.clone();
            if let Some(Some(live)) = refreshed.resources.get(&s.address) {
                props.extend(live.properties.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            let mut why = rec.undeletable(&r.id, &props)?;
            // What the stack last applied allows it: AWS was changed since.
            if !recorded.is_empty() && rec.undeletable(&r.id, &recorded).is_none() {
                why.push_str(
                    " (changed outside stackr: as the stack was last applied, AWS would delete it; an apply of the \
                     stack puts its setting back)",
                );
            }
            Some((s.address.clone(), why))
        })
        .collect()
}

/// [`undeletable_in`], and what AWS tells of each delete and replacement
/// ([`Reconciler::undeletable_now`]), with stackr's own settings
/// (`force_destroy`) as `stack` has them now for the resources it still
/// defines: the delete will follow those. A read that fails refuses
/// nothing (the delete itself will tell).
pub async fn undeletable_now(
    plan: &Plan,
    state: &State,
    refreshed: &crate::refresh::Refreshed,
    providers: &Providers,
    stack: Option<&Stack>,
) -> Vec<(String, String)> {
    let mut out = undeletable_in(plan, state, refreshed, providers);
    let mut scope = stack.map(Stack::scope);
    for s in plan.steps.iter().filter(|s| matches!(s.action, Action::Delete | Action::Replace)) {
        if out.iter().any(|(a, _)| *a == s.address) {
            continue;
        }
        let (Some(r), Some(rec)) =
            (state.resources.get(&s.address), state.resources.get(&s.address).and_then(|r| providers.get(&r.kind)))
        else {
            continue;
        };
        let mut props = crate::plan::props_of(&r.properties);
        if let Some(Some(live)) = refreshed.resources.get(&s.address) {
            props.extend(live.properties.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        if let (Some(stack), Some(scope)) = (stack, scope.as_mut())
            && let Some(ii) = stack.instances.iter().position(|i| i.address.to_string() == s.address)
        {
            props.extend(local_settings(stack, ii, scope, &r.kind));
        }
        if let Ok(Some(why)) = rec.undeletable_now(&r.region, &r.id, &props).await {
            out.push((s.address.clone(), why));
        }
    }
    out
}

/// The values of stackr's own settings (`local` properties) that `stack`
/// gives its instance `ii`, when it is of type `kind`, where `scope` knows
/// them (its `each` is set for the instance, then cleared).
fn local_settings(stack: &Stack, ii: usize, scope: &mut StackScope, kind: &str) -> Props {
    let inst = &stack.instances[ii];
    let res = stack.resource_of(inst);
    if res.schema.kind != kind || !res.schema.properties.iter().any(|p| p.local) {
        return Props::new();
    }
    scope.each = inst.each.as_ref().map(|e| e.to_value());
    let now = res.eval_properties(scope, &mut stackr_core::diag::Diagnostics::new());
    scope.each = None;
    res.schema
        .properties
        .iter()
        .filter(|p| p.local)
        .filter_map(|p| now.get(p.name).filter(|v| !v.contains_unknown()).map(|v| (p.name.to_string(), v.clone())))
        .collect()
}

impl Run<'_> {
    pub async fn execute(mut self) -> Report {
        let started = Instant::now();
        let mut report = Report::default();
        let state0 = self.persister.with(|s| s.clone());
        let ops = match build_ops(self.stack, self.plan, &state0, self.providers, self.options.wait_for_ready) {
            Ok(ops) => ops,
            Err(e) => {
                report.failed.push(("plan".into(), "order", OpError::Run(e)));
                report.elapsed = started.elapsed();
                return report;
            }
        };
        let mut scope = self.initial_scope(&state0);
        if let Err(e) = self.journal_creates(&ops, &mut scope).await {
            report.failed.push(("state".into(), "journal", OpError::Run(e)));
            report.elapsed = started.elapsed();
            return report;
        }

        let n = ops.len();
        let mut sched = Schedule::new(&ops);
        let sem = Arc::new(Semaphore::new(self.options.parallelism.max(1)));
        let polls = Arc::new(crate::task::PollCounter::default());
        let (tx, mut rx) = mpsc::unbounded_channel::<Msg>();
        // Every operation's task; a task that ends without reporting (a
        // panic) is found here.
        let mut tasks: JoinSet<()> = JoinSet::new();
        let mut task_of: HashMap<tokio::task::Id, usize> = HashMap::new();
        let mut cancel = self.options.cancel.clone();
        // A cancel channel whose sender is gone can never fire.
        let mut cancel_open = true;
        // When each operation started, was done and was ready.
        let mut times = crate::critical::Times::new(n);

        loop {
            if *cancel.borrow() && !report.interrupted {
                report.interrupted = true;
                self.events.emit(Event::Interrupted);
            }
            // State that cannot be saved stops the run like Ctrl-C: nothing
            // more is done in AWS that could not be recorded.
            if let Some(e) = self.persister.write_error()
                && !report.interrupted
            {
                report.interrupted = true;
                report.failed.push(("state".into(), "save", OpError::Run(e)));
                self.events.emit(Event::Interrupted);
            }
            if !report.interrupted {
                while let Some(i) = sched.next_queued() {
                    // Only as many operations start as there are slots, so
                    // an interruption stops everything not yet started.
                    let Ok(permit) = sem.clone().try_acquire_owned() else {
                        sched.requeue(i);
                        break;
                    };
                    sched.launched(i);
                    times.started(i);
                    if let Some(task) =
                        self.launch(i, &ops, &mut scope, &state0, permit, (sem.clone(), polls.clone()), tx.clone())
                    {
                        let handle = tasks.spawn(task);
                        task_of.insert(handle.id(), i);
                    }
                }
            }
            if sched.running() == 0 {
                break;
            }
            let msg = tokio::select! {
                m = rx.recv() => m,
                Some(joined) = tasks.join_next_with_id() => match joined {
                    Err(e) => match task_of.get(&e.id()) {
                        Some(&i) => Some(Msg::Crashed(i, e.to_string())),
                        None => continue,
                    },
                    Ok(_) => continue,
                },
                changed = cancel.changed(), if cancel_open && !report.interrupted => {
                    cancel_open = changed.is_ok();
                    continue;
                }
                _ = self.persister.write_failed(), if !report.interrupted => continue,
            };
            let Some(msg) = msg else { break };
            let (i, milestone, result) = match msg {
                Msg::Done(i, r) => (i, Milestone::Done, r.map(Some)),
                Msg::Ready(i, r) => (i, Milestone::Ready, r.map(|o| o.map(Some))),
                Msg::Crashed(i, e) => (i, sched.failing_milestone(i), Err(OpError::Crashed(e))),
            };
            if sched.settled(i) {
                continue;
            }
            times.reached(i, milestone);
            match result {
                Ok(observed) => {
                    // At done, and again at ready when read then.
                    if let Some(Some(obs)) = observed {
                        self.record_value(&ops[i], &obs, &mut scope);
                    }
                    if milestone == Milestone::Done {
                        report.done.push((ops[i].address.clone(), ops[i].kind.name()));
                    }
                    sched.reached(i, milestone);
                }
                Err(e) => {
                    self.events.emit(Event::Failed {
                        address: ops[i].address.clone(),
                        operation: ops[i].kind.name(),
                        error: e.to_string(),
                    });
                    report.failed.push((ops[i].address.clone(), ops[i].kind.name(), e));
                    let cause = ops[i].address.clone();
                    for d in sched.failed(i, &cause) {
                        report.skipped.push((ops[d].address.clone(), cause.clone()));
                        self.events.emit(Event::Skipped { address: ops[d].address.clone(), because: cause.clone() });
                    }
                }
            }
        }
        // Creates that never started made nothing: their journal entries go.
        let unstarted: Vec<String> =
            sched.never_started().filter(|&i| ops[i].kind == OpKind::Create).map(|i| ops[i].address.clone()).collect();
        if !unstarted.is_empty() {
            self.persister.update(move |s| {
                for a in &unstarted {
                    s.pending.remove(a);
                }
            });
        }
        // Whatever never started (interrupted) is neither done nor failed.
        if !report.interrupted {
            for (i, op) in ops.iter().enumerate() {
                if matches!(sched.stage(i), Stage::Waiting(_) | Stage::Queued) {
                    let because = "a dependency that did not finish".to_string();
                    self.events.emit(Event::Skipped { address: op.address.clone(), because: because.clone() });
                    report.skipped.push((op.address.clone(), because));
                }
            }
        }
        if self.plan.destroy {
            self.persister.update(|s| s.outputs.clear());
        } else if let Some(stack) = self.stack {
            self.record_outputs(stack, &scope);
        }
        report.elapsed = started.elapsed();
        report.critical_path = if report.ok() { times.critical_path(&ops) } else { None };
        report.polling = polls.total();
        report
    }

    /// Journals every create of the run (address, token) in one durable
    /// write before any operation starts. If the run dies, the next one
    /// asks each reconciler to find what a journaled create made, and
    /// adopts it; creates that never started are found to have made nothing.
    ///
    /// Each entry also carries the create's properties already known now
    /// (a name from a literal or a variable), so that a run killed before
    /// the operation's own journal update was saved still leaves enough to
    /// find the resource by.
    async fn journal_creates(&mut self, ops: &[Op], scope: &mut StackScope) -> Result<(), String> {
        let now = stackr_state::model::now_unix();
        let mut entries = Vec::new();
        for op in ops.iter().filter(|o| o.kind == OpKind::Create) {
            let token = new_token(&self.plan.stack, &op.address);
            self.tokens.insert(op.address.clone(), token.clone());
            let (dependencies, protect) = match (self.stack, op.instance) {
                (Some(st), Some(ii)) => {
                    (dependency_addresses(st, ii), st.resource_of(&st.instances[ii]).lifecycle.protect)
                }
                _ => (Vec::new(), false),
            };
            let properties = match (self.stack, op.instance) {
                (Some(st), Some(ii)) => {
                    let inst = &st.instances[ii];
                    let res = st.resource_of(inst);
                    scope.each = inst.each.as_ref().map(|e| e.to_value());
                    let mut ignored = stackr_core::diag::Diagnostics::new();
                    let mut props = res.eval_properties(scope, &mut ignored);
                    scope.each = None;
                    props.retain(|_, v| !v.contains_unknown());
                    normalize(res.schema, &mut props);
                    strip_secrets(res.schema, &props)
                }
                _ => Default::default(),
            };
            entries.push((
                op.address.clone(),
                PendingOp {
                    op: PendingKind::Create,
                    kind: op.type_kind.clone(),
                    region: op.region.clone(),
                    token,
                    id: None,
                    started_at: now,
                    dependencies,
                    protect,
                    properties,
                },
            ));
        }
        // The old halves of create-before-destroy replacements keep their
        // address until their replacement exists (`Task::store`).
        if entries.is_empty() {
            return Ok(());
        }
        let gen_ = self.persister.update(move |s| s.pending.extend(entries));
        self.persister.persisted(gen_).await.map_err(|e| format!("journaling the creates: {e}"))
    }

    /// The values references see before any operation: live objects for
    /// what stays, planned objects (attributes unknown) for what changes.
    fn initial_scope(&self, state: &State) -> StackScope {
        let Some(stack) = self.stack else { return StackScope::default() };
        let mut scope = stack.scope();
        for (name, v) in &self.refreshed.data {
            scope.set_data(name, v.clone());
        }
        for r in &stack.resources {
            if r.for_each {
                scope.resources.insert(r.name.clone(), Value::Map(BTreeMap::new()));
            }
        }
        let replaced: HashSet<&str> = self
            .plan
            .steps
            .iter()
            .filter(|s| matches!(s.action, Action::Create | Action::Replace))
            .map(|s| s.address.as_str())
            .collect();
        // Evaluate in dependency order so properties referencing others resolve.
        for node in stack.graph.topo_order().unwrap_or_default() {
            let NodeRef::Instance(ii) = node else { continue };
            let inst = &stack.instances[ii];
            let res = stack.resource_of(inst);
            let addr = inst.address.to_string();
            scope.each = inst.each.as_ref().map(|e| e.to_value());
            let mut diags = stackr_core::diag::Diagnostics::new();
            let props: Props = res.eval_properties(&scope, &mut diags);
            let live = self.refreshed.resources.get(&addr).and_then(|o| o.as_ref());
            let obj = match (live, replaced.contains(addr.as_str())) {
                (Some(live), false) if state.resources.contains_key(&addr) => live_object(res.schema, &props, live),
                _ => planned_object(res.schema, &props),
            };
            scope.set_instance(&inst.address, obj);
        }
        scope.each = None;
        scope
    }

    fn record_value(&self, op: &Op, obs: &Observed, scope: &mut StackScope) {
        let (Some(stack), Some(ii)) = (self.stack, op.instance) else { return };
        let inst = &stack.instances[ii];
        let res = stack.resource_of(inst);
        // `each` is set for this evaluation only; the scope is never copied
        // (it holds every resource: copying it per operation is quadratic).
        scope.each = inst.each.as_ref().map(|e| e.to_value());
        let mut diags = stackr_core::diag::Diagnostics::new();
        let props: Props = res.eval_properties(scope, &mut diags);
        scope.each = None;
        scope.set_instance(&inst.address, live_object(res.schema, &props, obs));
    }

    fn record_outputs(&self, stack: &Stack, scope: &StackScope) {
        let mut diags = stackr_core::diag::Diagnostics::new();
        let lineage = self.persister.with(|s| s.lineage.clone());
        let outputs: BTreeMap<String, stackr_state::OutputState> = stack
            .outputs
            .iter()
            .map(|o| {
                let v = o.value.eval(scope, &mut diags);
                let known = !v.contains_unknown();
                // A sensitive output is never stored, only its digest:
                // `stackr output NAME` evaluates it from the stack and
                // state when asked, and prints it only if it is this one.
                let json = if !known || o.sensitive { serde_json::Value::Null } else { v.to_json() };
                let digest = (o.sensitive && known).then(|| crate::secret::digest(&lineage, &v));
                (o.name.clone(), stackr_state::OutputState { value: json, sensitive: o.sensitive, digest })
            })
            .collect();
        self.persister.update(|s| s.outputs = outputs);
    }

    /// How long `op` may take: the resource's `lifecycle.timeouts`, else
    /// its type's default; never more than `Options::retry_for`.
    fn limit(&self, op: &Op, rec: &dyn Reconciler) -> Limit {
        let defaults = rec.timeouts();
        let set = self
            .stack
            .and_then(|st| {
                let ii =
                    op.instance.or_else(|| st.instances.iter().position(|i| i.address.to_string() == op.address))?;
                Some(st.resource_of(&st.instances[ii]).lifecycle.timeouts)
            })
            .or_else(|| self.options.timeouts.get(&op.address).copied())
            .unwrap_or_default();
        let (own, default) = match op.kind {
            OpKind::Create => (set.create, defaults.create),
            OpKind::Update => (set.update, defaults.update),
            OpKind::Delete => (set.delete, defaults.delete),
        };
        Limit { timeout: own.unwrap_or(default).min(self.options.retry_for), from_stack: own.is_some() }
    }

    /// The dependencies of a create or update that this run leaves as
    /// they are but that it needs ready (`depends_on`, its type's
    /// `needs_ready`, or `--wait-for-ready`), for it to wait for first: an
    /// earlier run that stopped during their wait left them recorded but
    /// perhaps not ready yet (an Aurora writer still `creating`).
    fn awaited(&self, op: &Op, ops: &[Op], rec: &dyn Reconciler, state0: &State) -> Vec<crate::task::Awaited> {
        let (Some(stack), Some(ii), OpKind::Create | OpKind::Update) = (self.stack, op.instance, op.kind) else {
            return Vec::new();
        };
        // Made or changed in this run: the op already waits for it.
        let changing = |a: &str| op.deps.iter().any(|&(k, _)| ops[k].kind != OpKind::Delete && ops[k].address == a);
        let mut out = Vec::new();
        for d in &stack.instances[ii].deps {
            let NodeRef::Instance(j) = d.target else { continue };
            let inst = &stack.instances[j];
            let kind = stack.resource_of(inst).schema;
            let address = inst.address.to_string();
            let wanted = d.explicit || self.options.wait_for_ready || rec.needs_ready(kind.kind);
            if !kind.has_readiness || !wanted || changing(&address) {
                continue;
            }
            let (Some(r), Some(dep)) = (state0.resources.get(&address), self.providers.get(kind.kind)) else {
                continue;
            };
            out.push(crate::task::Awaited { address, rec: dep.clone(), region: r.region.clone(), id: r.id.clone() });
        }
        out
    }

    /// Starts one operation in its own task.
    #[allow(clippy::too_many_arguments)]
    fn launch(
        &self,
        i: usize,
        ops: &[Op],
        scope: &mut StackScope,
        state0: &State,
        permit: tokio::sync::OwnedSemaphorePermit,
        (slots, polls): (Arc<Semaphore>, Arc<crate::task::PollCounter>),
        tx: mpsc::UnboundedSender<Msg>,
    ) -> Option<impl std::future::Future<Output = ()> + Send + 'static> {
        let op = &ops[i];
        let address = op.address.clone();
        let Some(rec) = self.providers.get(&op.type_kind).cloned() else {
            let _ = tx.send(Msg::Done(i, Err(OpError::Stack(format!("no reconciler for `{}`", op.type_kind)))));
            return None;
        };
        let target = Target { stack: self.plan.stack.clone(), address: address.clone(), region: op.region.clone() };
        let events = self.events.clone();
        let options = self.options.clone();
        let work: Work = match op.kind {
            OpKind::Delete => {
                let prior = state0.resources.get(&address);
                // The old half of a create-before-destroy whose new half came
                // back as the very same resource (a create that found and
                // adopted it): it did not step aside, and deleting it would
                // delete the replacement.
                let old_id = prior.map(|p| p.id.clone()).unwrap_or_default();
                let same = op.state_key != address
                    && self.persister.with(|s| {
                        !s.resources.contains_key(&op.state_key)
                            && s.resources.get(&address).is_some_and(|r| r.id == old_id)
                    });
                if same {
                    let _ = tx.send(Msg::Done(i, Ok(None)));
                    let _ = tx.send(Msg::Ready(i, Ok(None)));
                    return None;
                }
                let mut properties = prior.map(|p| props_of(&p.properties)).unwrap_or_default();
                // stackr's own settings (`force_destroy`) as the stack has them
                // now, when it still defines the resource: a replacement's or
                // a destroy's delete follows what the user just set, not only
                // what the last apply recorded.
                if let (Some(stack), Some(ii)) = (self.stack, op.instance) {
                    properties.extend(local_settings(stack, ii, scope, &op.type_kind));
                }
                Work::Delete { id: old_id, properties }
            }
            OpKind::Create | OpKind::Update => {
                let (Some(stack), Some(ii)) = (self.stack, op.instance) else {
                    let _ = tx.send(Msg::Done(i, Err(OpError::Run("internal: no instance for the operation".into()))));
                    return None;
                };
                let inst = &stack.instances[ii];
                let res = stack.resource_of(inst);
                scope.each = inst.each.as_ref().map(|e| e.to_value());
                let mut diags = stackr_core::diag::Diagnostics::new();
                let mut props: Props = res.eval_properties(scope, &mut diags);
                scope.each = None;
                if let Some(d) = diags.iter().next() {
                    let _ = tx.send(Msg::Done(i, Err(OpError::Stack(format!("evaluating properties: {d}")))));
                    return None;
                }
                if let Some((k, _)) = props.iter().find(|(_, v)| v.contains_unknown()) {
                    let _ = tx.send(Msg::Done(
                        i,
                        Err(OpError::Stack(format!("property `{k}` is still unknown at apply time"))),
                    ));
                    return None;
                }
                // A value only known now (from a resource made in this run)
                // is checked before any call, as validate checks literals.
                res.type_errors(&props, &mut diags);
                if let Some(d) = diags.iter().next() {
                    let at = d.span.map(|s| format!(" ({})", stack.sources.location(s))).unwrap_or_default();
                    let msg = format!("{}{at}; nothing was sent to AWS", d.message);
                    let _ = tx.send(Msg::Done(i, Err(OpError::Stack(msg))));
                    return None;
                }
                normalize(res.schema, &mut props);
                rec.normalize_desired(&mut props);
                // The type's own checks again, now that every value is known
                // (a certificate ARN made earlier in this run).
                if let Err(e) = rec.check_in(&inst.region, &props) {
                    let at = format!(" ({})", stack.sources.location(res.properties_span));
                    let msg = format!("{}{at}; nothing was sent to AWS", e.message);
                    // Nothing was sent: the create's journal entry goes.
                    if op.kind == OpKind::Create {
                        let key = op.state_key.clone();
                        self.persister.update(move |s| {
                            s.pending.remove(&key);
                        });
                    }
                    let _ = tx.send(Msg::Done(i, Err(OpError::Stack(msg))));
                    return None;
                }
                let tags = tags_for(stack, &address, props.get("tags"), &state0.lineage);
                if res.schema.taggable {
                    props.insert(
                        "tags".into(),
                        Value::Map(tags.iter().map(|(k, v)| (k.clone(), Value::String(v.clone()))).collect()),
                    );
                }
                let dependencies = dependency_addresses(stack, ii);
                let record =
                    ResourceRecord {
                        retain: res.lifecycle.retain,
                        depose_old: op.kind == OpKind::Create
                            && self.plan.steps.iter().any(|s| {
                                s.address == address && s.action == Action::Replace && s.create_before_destroy
                            }),
                        properties: strip_secrets(res.schema, &props),
                        secret_digests: crate::secret::digests(res.schema, &props, &state0.lineage),
                        dependencies,
                        // Protection recorded stays until lifted on purpose
                        // (`--allow-protected` naming it), whatever the file says.
                        protect: res.lifecycle.protect
                            || state0
                                .resources
                                .get(&address)
                                .is_some_and(|p| p.protect && !self.options.allow_protected.contains(&address)),
                    };
                let ignore: Vec<String> = res.lifecycle.ignore_changes.iter().map(|s| s.value.clone()).collect();
                if op.kind == OpKind::Create {
                    let token =
                        self.tokens.get(&address).cloned().unwrap_or_else(|| new_token(&self.plan.stack, &address));
                    let known_ids = [address.clone(), crate::ops::deposed_key(&address)]
                        .iter()
                        .filter_map(|k| state0.resources.get(k).map(|r| r.id.clone()))
                        .collect();
                    Work::Create { props, tags, record, token, known_ids }
                } else {
                    let live = self.refreshed.resources.get(&address).cloned().flatten();
                    let prior = state0.resources.get(&address);
                    Work::Update {
                        digests: Box::new(crate::task::Digests {
                            recorded: prior.map(|p| p.secret_digests.clone()).unwrap_or_default(),
                            aws: self.refreshed.secret_digests.get(&address).cloned(),
                        }),
                        lineage: state0.lineage.clone(),
                        id: prior.map(|p| p.id.clone()).unwrap_or_default(),
                        props,
                        tags,
                        record,
                        live,
                        recorded: prior.map(|p| props_of(&p.properties)),
                        ignore,
                        written: res.properties.iter().map(|(k, _)| k.name.clone()).collect(),
                    }
                }
            }
        };
        let limit = self.limit(op, rec.as_ref());
        let awaited = self.awaited(op, ops, rec.as_ref(), state0);
        let ctx = TaskCtx {
            i,
            rec,
            awaited,
            target,
            state_key: op.state_key.clone(),
            kind: op.type_kind.clone(),
            name: if op.unready { "check" } else { op.kind.name() },
            events,
            pacing: Pacing {
                poll_initial: options.poll_initial,
                poll_max: options.poll_max,
                cancel: options.cancel.clone(),
                hold_slot: options.wait_for_ready,
                polls,
            },
            limit,
            persister: self.persister.handle(),
            tx,
            slots,
        };
        Some(async move { ctx.run(work, permit).await })
    }
}

fn strip_secrets(
    schema: &stackr_core::schema::TypeSchema,
    props: &Props,
) -> serde_json::Map<String, serde_json::Value> {
    props
        .iter()
        .filter(|(k, v)| !matches!(v, Value::Null) && !schema.property(k).is_some_and(|p| p.secret))
        .map(|(k, v)| (k.clone(), v.to_json()))
        .collect()
}

/// The addresses an instance depends on (what destroy must wait for).
pub fn dependency_addresses(stack: &Stack, ii: usize) -> Vec<String> {
    stack.instances[ii]
        .deps
        .iter()
        .filter_map(|d| match d.target {
            NodeRef::Instance(j) => Some(stack.instances[j].address.to_string()),
            NodeRef::Data(_) => None,
        })
        .collect()
}

/// A fresh idempotency token for one create.
pub fn new_token(stack: &str, address: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(stack.as_bytes());
    h.write(address.as_bytes());
    h.write_u128(std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default().as_nanos());
    format!("stackr-{:016x}", h.finish())
}
