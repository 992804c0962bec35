//! Plans: what apply will do, step by step, computed from the stack, the
//! state and a refresh of what is live. Deciding is kept apart from doing
//! (the executor in [`crate::apply`]); a plan can be saved and applied
//! exactly later, and is refused if state moved on since.

use crate::diff::{Diff, FieldChange, diff_resetting, normalize};
use crate::reconciler::{Observed, Props, Providers};
use crate::refresh::Refreshed;
use serde::{Deserialize, Serialize};
use stackr_core::diag::Diagnostics;
use stackr_core::lang::check::planned_object;
use stackr_core::model::{NodeRef, Stack, StackScope};
use stackr_core::value::Value;
use stackr_state::State;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Version of the saved-plan and `diff --json` document.
pub const PLAN_FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Create,
    Update,
    /// Delete then create, or create then delete with `create_before_destroy`.
    Replace,
    Delete,
}

impl Action {
    pub fn symbol(self) -> &'static str {
        match self {
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

/// Why a step is needed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cause {
    /// New in the stack (not in state).
    Missing,
    /// In state, but deleted outside stackr: drift, made again.
    Deleted,
    /// The stack changed.
    Config,
    /// AWS changed outside stackr.
    Drift,
    /// Both.
    ConfigAndDrift,
    /// In state, no longer in the stack.
    Removed,
    /// Replaced because the user asked (`apply --replace`).
    Requested,
    /// Unchanged, but not seen ready yet: an earlier run stopped waiting
    /// for it (interrupted, timed out). An update step with no changes:
    /// apply reads it and waits until it is ready.
    Unready,
}

/// One field change as shown and saved; secrets are masked here already.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub field: String,
    /// The live value, as JSON; `null` when absent.
    pub before: serde_json::Value,
    /// The wanted value; the string "(known after apply)" when unknown.
    pub after: serde_json::Value,
    pub forces_replacement: bool,
    pub drift: bool,
    pub config: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub address: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub region: String,
    pub action: Action,
    pub cause: Cause,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub create_before_destroy: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub changes: Vec<Change>,
    /// The AWS id of what exists now (updated, replaced or deleted).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub format_version: u32,
    pub stack: String,
    /// The state this plan was made against (a state not stored yet has
    /// its lineage too; None in plans of older stackr versions).
    pub lineage: Option<String>,
    pub serial: u64,
    pub steps: Vec<Step>,
    /// Instances already matching the stack.
    pub unchanged: usize,
    /// True when the plan destroys the stack.
    #[serde(default)]
    pub destroy: bool,
    /// State entries renamed by the stack's `moved:` (kept, not remade).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved: Vec<crate::moves::Moved>,
    /// Outputs whose recorded value apply changes (added, changed,
    /// removed), even when no resource changes; sensitive ones masked.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outputs: Vec<OutputChange>,
    /// What may stop this plan halfway, with the fix (a replacement whose
    /// dependant stays).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Resources leaving the stack (or destroyed) with `lifecycle.retain`:
    /// removed from state, kept in AWS.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forget: Vec<String>,
    /// `lifecycle.retain` to record for resources that stay, where state
    /// says otherwise (so it holds once the definition is gone).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub retain: BTreeMap<String, bool>,
    /// stackr's own settings of a resource (its `local` properties, such
    /// as `force_destroy`) to record where state differs and nothing else
    /// changes: the delete that reads them must see what the stack says.
    /// A `null` value removes the setting.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub settings: BTreeMap<String, BTreeMap<String, serde_json::Value>>,
    /// The values of the stack's variables this plan was made with, but
    /// the sensitive ones (`diff --out`): `apply --plan` uses them, so only
    /// sensitive variables must be given again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<String, serde_json::Value>,
}

/// Replacements made delete-first whose dependants stay (updated to the new
/// resource, not replaced with it): AWS refuses to delete some resources
/// while they are in use (a target group a listener forwards to, a security
/// group on a load balancer), and such a run waits until its timeout.
/// `create_before_destroy` makes the new one first and deletes the old one
/// once every dependant moved.
fn blocking_replacements(stack: &Stack, steps: &[Step], providers: &Providers) -> Vec<String> {
    let going: BTreeSet<&str> = steps
        .iter()
        .filter(|s| matches!(s.action, Action::Replace | Action::Delete) && !s.create_before_destroy)
        .map(|s| s.address.as_str())
        .collect();
    // Made in this run: not using the old one yet.
    let made: BTreeSet<&str> =
        steps.iter().filter(|s| s.action == Action::Create).map(|s| s.address.as_str()).collect();
    let mut out = Vec::new();
    for s in steps.iter().filter(|s| s.action == Action::Replace && !s.create_before_destroy) {
        if providers.get(&s.kind).is_some_and(|r| r.deleted_while_used()) {
            continue;
        }
        let Some(ii) = stackr_core::Address::parse(&s.address).and_then(|a| stack.instance_by_address(&a)) else {
            continue;
        };
        // Users name it (its id or ARN): an order alone (`depends_on`) is
        // no use AWS knows of.
        let staying: Vec<String> = stack
            .instances
            .iter()
            .filter(|i| i.deps.iter().any(|d| d.target == NodeRef::Instance(ii) && !d.explicit))
            .map(|i| i.address.to_string())
            .filter(|a| !going.contains(a.as_str()) && !made.contains(a.as_str()))
            .collect();
        if staying.is_empty() {
            continue;
        }
        out.push(format!(
            "`{}` is replaced by deleting it first, but {} use{} it and stay{}: if AWS refuses to delete it while in \
             use (a target group behind a listener, a security group on an interface), the run waits until its \
             timeout. Set `lifecycle: {{ create_before_destroy: true }}` on `{}`, with a name that changes with what \
             forces the replacement, since old and new exist together for a while",
            s.address,
            staying.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", "),
            if staying.len() == 1 { "s" } else { "" },
            if staying.len() == 1 { "s" } else { "" },
            s.address
        ));
    }
    out
}

/// An output as recorded (`before`) and as the stack gives it now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputChange {
    pub name: String,
    /// `null` when not recorded yet.
    pub before: serde_json::Value,
    /// `null` when removed from the stack; "(known after apply)" when unknown.
    pub after: serde_json::Value,
    pub sensitive: bool,
}

/// The outputs whose recorded value differs from what the stack gives
/// with `scope` (every instance as it will be after the plan).
fn output_changes(
    stack: &Stack,
    state: &State,
    scope: &StackScope,
    resources_change: bool,
    diags: &mut Diagnostics,
) -> Vec<OutputChange> {
    let mut out = Vec::new();
    for o in &stack.outputs {
        let v = o.value.eval(scope, diags);
        let recorded = state.outputs.get(&o.name);
        let known = !v.contains_unknown();
        let same = match recorded {
            None => false,
            Some(r) if o.sensitive => {
                r.sensitive && known && r.digest == Some(crate::secret::digest(&state.lineage, &v))
            }
            Some(r) => !r.sensitive && known && r.value == v.to_json(),
        };
        // Unknown with nothing changing: an attribute AWS does not show;
        // applying would record the same.
        if same || (!known && recorded.is_some() && !resources_change) {
            continue;
        }
        let before = match recorded {
            None => serde_json::Value::Null,
            Some(r) if r.sensitive => serde_json::json!(SECRET_TEXT),
            Some(r) => r.value.clone(),
        };
        out.push(OutputChange {
            name: o.name.clone(),
            before,
            after: show(Some(&v), o.sensitive),
            sensitive: o.sensitive,
        });
    }
    for (name, r) in &state.outputs {
        if !stack.outputs.iter().any(|o| o.name == *name) {
            let before = if r.sensitive { serde_json::json!(SECRET_TEXT) } else { r.value.clone() };
            out.push(OutputChange {
                name: name.clone(),
                before,
                after: serde_json::Value::Null,
                sensitive: r.sensitive,
            });
        }
    }
    out
}

impl Plan {
    /// Nothing to do: no step, no state entry to rename or forget, no
    /// output or setting to record.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
            && self.moved.is_empty()
            && self.outputs.is_empty()
            && self.forget.is_empty()
            && self.retain.is_empty()
            && self.settings.is_empty()
    }

    /// Keeps only what `--target` names: the instances given (a name
    /// without a key: all its instances; an address only in state: its
    /// delete) and, for those in the stack, everything they depend on.
    /// Returns the addresses kept, and the steps left out that must follow
    /// a replacement kept (dependant, replaced): the caller refuses those.
    pub fn restrict_to(
        &mut self,
        stack: &Stack,
        targets: &[stackr_core::Address],
    ) -> (BTreeSet<String>, Vec<(String, String)>) {
        let mut keep: BTreeSet<String> = BTreeSet::new();
        let mut todo: Vec<usize> = Vec::new();
        for t in targets {
            for (i, inst) in stack.instances.iter().enumerate() {
                if inst.address == *t || (t.key.is_none() && inst.address.name == t.name) {
                    todo.push(i);
                }
            }
            keep.insert(t.to_string());
            if t.key.is_none() {
                let prefix = format!("{}[", t.name);
                keep.extend(self.steps.iter().filter(|s| s.address.starts_with(&prefix)).map(|s| s.address.clone()));
            }
        }
        let mut seen = BTreeSet::new();
        while let Some(i) = todo.pop() {
            if !seen.insert(i) {
                continue;
            }
            keep.insert(stack.instances[i].address.to_string());
            for d in &stack.instances[i].deps {
                if let NodeRef::Instance(j) = d.target {
                    todo.push(j);
                }
            }
        }
        // A replaced resource's dependants that follow it (their reference
        // to it changes) cannot be left out: the old one could not be
        // deleted while they use it, nor they keep using it once deleted.
        let replaced: BTreeSet<&str> = self
            .steps
            .iter()
            .filter(|s| s.action == Action::Replace && keep.contains(&s.address))
            .map(|s| s.address.as_str())
            .collect();
        let mut followers = Vec::new();
        for (i, inst) in stack.instances.iter().enumerate() {
            let address = inst.address.to_string();
            if keep.contains(&address) || !self.steps.iter().any(|s| s.address == address) {
                continue;
            }
            for d in &inst.deps {
                if let NodeRef::Instance(j) = d.target {
                    let dep = stack.instances[j].address.to_string();
                    if replaced.contains(dep.as_str()) {
                        followers.push((stack.instances[i].address.to_string(), dep));
                    }
                }
            }
        }
        self.steps.retain(|s| keep.contains(&s.address));
        self.forget.retain(|a| keep.contains(a));
        self.retain.retain(|a, _| keep.contains(a));
        self.settings.retain(|a, _| keep.contains(a));
        self.moved.retain(|m| keep.contains(&m.to));
        (keep, followers)
    }

    pub fn count(&self, a: Action) -> usize {
        self.steps.iter().filter(|s| s.action == a).count()
    }

    pub fn has_drift(&self) -> bool {
        self.steps.iter().any(|s| matches!(s.cause, Cause::Drift | Cause::ConfigAndDrift | Cause::Deleted))
    }
}

pub const SECRET_TEXT: &str = "(sensitive)";

/// A value as a plan shows it: secrets masked, and every unknown part
/// (a whole value, or one leaf of a structure whose other parts are known)
/// as "(known after apply)".
fn show(v: Option<&Value>, secret: bool) -> serde_json::Value {
    fn known_parts(v: &Value) -> serde_json::Value {
        match v {
            Value::Unknown => serde_json::Value::String(stackr_core::value::UNKNOWN_TEXT.into()),
            Value::List(l) => serde_json::Value::Array(l.iter().map(known_parts).collect()),
            Value::Map(m) => serde_json::Value::Object(m.iter().map(|(k, v)| (k.clone(), known_parts(v))).collect()),
            other => other.to_json(),
        }
    }
    match v {
        _ if secret => serde_json::Value::String(SECRET_TEXT.into()),
        None => serde_json::Value::Null,
        Some(v) => known_parts(v),
    }
}

/// A field's change as shown and saved; `masked`: a secret shown as such.
fn change_view(c: &FieldChange, masked: bool) -> Change {
    Change {
        field: c.name.clone(),
        before: show(c.live.as_ref(), masked),
        after: show(Some(&c.desired), masked),
        forces_replacement: c.forces_replacement,
        drift: c.drift,
        config: c.config,
    }
}

/// Values of a state entry's properties as `Value`s.
pub fn props_of(m: &serde_json::Map<String, serde_json::Value>) -> Props {
    m.iter().map(|(k, v)| (k.clone(), Value::from_json(v))).collect()
}

/// The object references see for an instance that exists and stays: the
/// wanted properties over the live attributes.
pub fn live_object(schema: &stackr_core::schema::TypeSchema, desired: &Props, live: &Observed) -> Value {
    let mut obj = planned_object(schema, desired);
    if let Value::Map(m) = &mut obj {
        for (k, v) in &live.attributes {
            m.insert(k.clone(), v.clone());
        }
        for (k, v) in &live.properties {
            m.entry(k.clone()).and_modify(|cur| {
                if matches!(cur, Value::Null) {
                    *cur = v.clone();
                }
            });
        }
        m.insert("id".into(), Value::String(live.id.clone()));
    }
    obj
}

/// The desired properties of every instance plus its merged tags, as far
/// as they are known before apply.
#[derive(Debug, Clone, Default)]
pub struct Desired {
    pub props: BTreeMap<String, Props>,
}

/// The tags a resource gets: the stack's, its own, and stackr's: the
/// stack, the address, and the lineage of the state that owns it (so that
/// another state of the same stack never adopts it).
pub fn tags_for(stack: &Stack, address: &str, own: Option<&Value>, lineage: &str) -> BTreeMap<String, String> {
    let mut tags = stack.tags.clone();
    if let Some(Value::Map(m)) = own {
        for (k, v) in m {
            if let Some(s) = v.to_interpolated() {
                tags.insert(k.clone(), s);
            }
        }
    }
    tags.insert("stackr:stack".into(), stack.name.clone());
    tags.insert("stackr:resource".into(), address.to_string());
    tags.insert(LINEAGE_TAG.into(), lineage.to_string());
    tags
}

/// The tag naming the state (by lineage) a resource belongs to.
pub const LINEAGE_TAG: &str = "stackr:lineage";

/// Computes the plan. Evaluation errors (a function failing on a value
/// that only became known now) come back as diagnostics.
pub fn plan(
    stack: &Stack,
    state: &State,
    refreshed: &Refreshed,
    providers: &Providers,
) -> Result<(Plan, Desired), Diagnostics> {
    plan_replacing(stack, state, refreshed, providers, &BTreeSet::new())
}

/// [`plan`], replacing the instances named in `replace` even where nothing
/// asks for it (`apply --replace`); their dependants see them as new.
pub fn plan_replacing(
    stack: &Stack,
    state: &State,
    refreshed: &Refreshed,
    providers: &Providers,
    replace: &BTreeSet<String>,
) -> Result<(Plan, Desired), Diagnostics> {
    let mut diags = Diagnostics::new();
    let mut scope = stack.scope();
    for (name, v) in &refreshed.data {
        scope.set_data(name, v.clone());
    }
    for r in &stack.resources {
        if r.for_each {
            scope.resources.insert(r.name.clone(), Value::Map(BTreeMap::new()));
        }
    }
    let Some(order) = stack.graph.topo_order() else {
        // Loading rejects cycles; never plan from a partial order (it
        // would take every resource for an orphan).
        diags.push(stackr_core::diag::Diagnostic::unlocated("the dependency graph has a cycle"));
        return Err(diags);
    };
    let mut steps = Vec::new();
    let mut desired_all = Desired::default();
    let mut unchanged = 0;
    let mut in_stack: BTreeSet<String> = BTreeSet::new();
    for node in order {
        let NodeRef::Instance(ii) = node else { continue };
        let inst = &stack.instances[ii];
        let res = stack.resource_of(inst);
        let address = inst.address.to_string();
        in_stack.insert(address.clone());
        scope.each = inst.each.as_ref().map(|e| e.to_value());
        let mut props: Props = res.eval_properties(&scope, &mut diags);
        res.type_errors(&props, &mut diags);
        normalize(res.schema, &mut props);
        if let Some(rec) = providers.get(res.schema.kind) {
            rec.normalize_desired(&mut props);
        }
        if res.schema.taggable {
            // Tags known only after apply make the whole map unknown (shown
            // as such), rather than silently dropping them.
            let tags = if props.get("tags").is_some_and(Value::contains_unknown) {
                Value::Unknown
            } else {
                let tags = tags_for(stack, &address, props.get("tags"), &state.lineage);
                Value::Map(tags.into_iter().map(|(k, v)| (k, Value::String(v))).collect())
            };
            props.insert("tags".into(), tags);
        }
        let prior = state.resources.get(&address);
        let live = refreshed.resources.get(&address).and_then(|o| o.as_ref());
        let step = match (prior, live) {
            (Some(p), Some(live)) if p.kind == res.schema.kind && p.region == inst.region => {
                let mut live_props = live.comparable(res.schema);
                let aws = refreshed.secret_digests.get(&address);
                crate::secret::fill_live(res.schema, &props, &mut live_props, aws, &p.secret_digests, &state.lineage);
                let recorded = props_of(&p.properties);
                let ignore: Vec<String> = res.lifecycle.ignore_changes.iter().map(|s| s.value.clone()).collect();
                let rec = providers.get(res.schema.kind);
                let resets = |f: &str| !res.writes(f) && rec.is_some_and(|r| r.resets(f));
                let mut d = diff_resetting(res.schema, &props, &live_props, Some(&recorded), &ignore, resets);
                if let (Diff::Update(ch), Some(rec)) = (&mut d, providers.get(res.schema.kind)) {
                    let mut forced = false;
                    for c in ch.iter_mut().filter(|c| !c.forces_replacement) {
                        if !c.desired.contains_unknown() && rec.replaces(&c.name, c.live.as_ref(), &c.desired) {
                            c.forces_replacement = true;
                            forced = true;
                        }
                    }
                    if forced {
                        d = Diff::Replace(std::mem::take(ch));
                    }
                }
                if let Diff::Update(ch) | Diff::Replace(ch) = &mut d {
                    crate::secret::classify(ch, aws, &p.secret_digests, &state.lineage);
                }
                let requested = replace.contains(&address);
                if requested {
                    d = match d {
                        Diff::UpToDate => Diff::Replace(Vec::new()),
                        Diff::Update(ch) | Diff::Replace(ch) => Diff::Replace(ch),
                    };
                }
                let obj = match &d {
                    Diff::Replace(_) => planned_object(res.schema, &props),
                    _ => live_object(res.schema, &props, live),
                };
                scope.set_instance(&inst.address, obj);
                match d {
                    Diff::UpToDate if p.unready && res.schema.has_readiness => Some(Step {
                        address: address.clone(),
                        kind: res.schema.kind.to_string(),
                        region: inst.region.clone(),
                        action: Action::Update,
                        cause: Cause::Unready,
                        create_before_destroy: false,
                        changes: Vec::new(),
                        id: Some(p.id.clone()),
                    }),
                    Diff::UpToDate => {
                        unchanged += 1;
                        None
                    }
                    Diff::Update(ch) | Diff::Replace(ch) => {
                        let replace = requested || ch.iter().any(|c| c.forces_replacement);
                        let config = ch.iter().any(|c| c.config);
                        let drift = ch.iter().any(|c| c.drift);
                        Some(Step {
                            address: address.clone(),
                            kind: res.schema.kind.to_string(),
                            region: inst.region.clone(),
                            action: if replace { Action::Replace } else { Action::Update },
                            cause: match (config, drift) {
                                _ if requested => Cause::Requested,
                                (true, true) => Cause::ConfigAndDrift,
                                (false, true) => Cause::Drift,
                                _ => Cause::Config,
                            },
                            create_before_destroy: replace && res.lifecycle.create_before_destroy,
                            changes: ch
                                .iter()
                                .map(|c| change_view(c, res.schema.property(&c.name).is_some_and(|p| p.masked(&props))))
                                .collect(),
                            id: Some(p.id.clone()),
                        })
                    }
                }
            }
            (prior, _) => {
                // Not in state, gone from AWS, or moved (type/region): (re)create.
                scope.set_instance(&inst.address, planned_object(res.schema, &props));
                let moved = prior.is_some_and(|p| p.kind != res.schema.kind || p.region != inst.region);
                let changes = props
                    .iter()
                    .filter(|(_, v)| !matches!(v, Value::Null))
                    .map(|(k, v)| Change {
                        field: k.clone(),
                        before: serde_json::Value::Null,
                        after: show(Some(v), res.schema.property(k).is_some_and(|p| p.masked(&props))),
                        forces_replacement: false,
                        drift: false,
                        config: true,
                    })
                    .collect();
                Some(Step {
                    address: address.clone(),
                    kind: res.schema.kind.to_string(),
                    region: inst.region.clone(),
                    action: if moved { Action::Replace } else { Action::Create },
                    // Moved to another type or region: the stack changed. In
                    // state but not live: deleted outside stackr. Not in
                    // state: new.
                    cause: match prior {
                        _ if moved => Cause::Config,
                        Some(_) => Cause::Deleted,
                        None => Cause::Missing,
                    },
                    create_before_destroy: moved && res.lifecycle.create_before_destroy,
                    changes,
                    id: prior.filter(|_| moved).map(|p| p.id.clone()),
                })
            }
        };
        if let Some(s) = step {
            // What AWS would refuse of the wanted properties as a whole, told
            // now rather than after what precedes it was made.
            if let Some(d) = type_check(providers, res, &address, &inst.region, &props) {
                diags.push(d);
            }
            if !providers_has(providers, &s.kind) {
                diags.push(stackr_core::diag::Diagnostic::new(
                    res.type_span,
                    format!("no reconciler for `{}` in this build", s.kind),
                ));
            }
            steps.push(s);
        }
        desired_all.props.insert(address, props);
    }
    // `lifecycle.retain` of what stays, recorded where state differs.
    let mut retain = BTreeMap::new();
    for inst in &stack.instances {
        let address = inst.address.to_string();
        let wanted = stack.resource_of(inst).lifecycle.retain;
        if state.resources.get(&address).is_some_and(|p| p.retain != wanted) {
            retain.insert(address, wanted);
        }
    }
    // stackr's own settings of resources with no step, recorded where
    // state differs (an update or a create records them with the rest).
    let stepped: HashSet<&str> = steps.iter().map(|s| s.address.as_str()).collect();
    let mut settings = BTreeMap::new();
    for inst in &stack.instances {
        let address = inst.address.to_string();
        let (Some(record), Some(props)) = (state.resources.get(&address), desired_all.props.get(&address)) else {
            continue;
        };
        if stepped.contains(address.as_str()) {
            continue;
        }
        let changed: BTreeMap<String, serde_json::Value> = stack
            .resource_of(inst)
            .schema
            .properties
            .iter()
            .filter(|p| p.local)
            .filter_map(|p| {
                let want = props.get(p.name).map(Value::to_json).unwrap_or(serde_json::Value::Null);
                let have = record.properties.get(p.name).cloned().unwrap_or(serde_json::Value::Null);
                (want != have).then(|| (p.name.to_string(), want))
            })
            .collect();
        if !changed.is_empty() {
            settings.insert(address, changed);
        }
    }
    // Orphans: in state, not in the stack. Deleted dependants first; a
    // retained one is forgotten instead.
    let mut orphans: Vec<&String> = state.resources.keys().filter(|a| !in_stack.contains(*a)).collect();
    orphans.sort();
    let mut forget = Vec::new();
    for addr in orphans {
        let p = &state.resources[addr];
        if p.retain {
            forget.push(addr.clone());
            continue;
        }
        steps.push(Step {
            address: addr.clone(),
            kind: p.kind.clone(),
            region: p.region.clone(),
            action: Action::Delete,
            cause: Cause::Removed,
            create_before_destroy: false,
            changes: Vec::new(),
            id: Some(p.id.clone()),
        });
    }
    scope.each = None;
    crate::replace_first::mark(stack, providers, &mut steps);
    for d in crate::replace_first::name_clashes(stack, &steps, &desired_all) {
        diags.push(d);
    }
    let outputs = output_changes(stack, state, &scope, !steps.is_empty(), &mut diags);
    let warnings = blocking_replacements(stack, &steps, providers);
    if !diags.is_empty() {
        diags.sort();
        return Err(diags);
    }
    let plan = Plan {
        format_version: PLAN_FORMAT_VERSION,
        stack: stack.name.clone(),
        // Also for a state not stored yet: its lineage tags the creates, and
        // a saved plan's apply makes the new state with it.
        lineage: Some(state.lineage.clone()),
        serial: state.serial,
        steps,
        unchanged,
        destroy: false,
        moved: Vec::new(),
        outputs,
        warnings,
        forget,
        retain,
        settings,
        vars: stack.vars.iter().filter(|(_, v)| !v.sensitive).map(|(k, v)| (k.clone(), v.value.to_json())).collect(),
    };
    Ok((plan, desired_all))
}

fn providers_has(p: &Providers, kind: &str) -> bool {
    p.get(kind).is_some()
}

/// The plan that destroys everything in state.
pub fn plan_destroy(state: &State) -> Plan {
    // Retained resources are forgotten, kept in AWS.
    let forget: Vec<String> = state.resources.iter().filter(|(_, r)| r.retain).map(|(a, _)| a.clone()).collect();
    let steps = state
        .resources
        .iter()
        .filter(|(_, r)| !r.retain)
        .map(|(addr, r)| Step {
            address: addr.clone(),
            kind: r.kind.clone(),
            region: r.region.clone(),
            action: Action::Delete,
            cause: Cause::Removed,
            create_before_destroy: false,
            changes: Vec::new(),
            id: Some(r.id.clone()),
        })
        .collect();
    Plan {
        format_version: PLAN_FORMAT_VERSION,
        stack: state.stack.clone(),
        lineage: Some(state.lineage.clone()),
        serial: state.serial,
        steps,
        unchanged: 0,
        destroy: true,
        moved: Vec::new(),
        // Outputs go with the stack: a consumer reading them
        // (`stackr.stack_outputs`) must not keep finding them.
        outputs: state
            .outputs
            .iter()
            .map(|(name, r)| OutputChange {
                name: name.clone(),
                before: if r.sensitive { serde_json::json!(SECRET_TEXT) } else { r.value.clone() },
                after: serde_json::Value::Null,
                sensitive: r.sensitive,
            })
            .collect(),
        warnings: Vec::new(),
        forget,
        retain: BTreeMap::new(),
        settings: BTreeMap::new(),
        vars: BTreeMap::new(),
    }
}

/// The reconciler's [`Reconciler::check`] of a resource's wanted
/// properties (normalized), as a diagnostic at its properties.
pub fn type_check(
    providers: &Providers,
    res: &stackr_core::model::Resource,
    address: &str,
    region: &str,
    props: &Props,
) -> Option<stackr_core::diag::Diagnostic> {
    let e = providers.get(res.schema.kind)?.check_in(region, props).err()?;
    Some(stackr_core::diag::Diagnostic::new(
        named_span(res, &e.message),
        format!("{} {address}: {}", res.schema.kind, e.message),
    ))
}

/// Where a check's message points: the value at the path it opens with
/// (`` `hash_key` names ... ``, `` `ingress[1]`: ... ``) when the resource
/// writes it (else the nearest enclosing value), else the resource's
/// properties.
fn named_span(res: &stackr_core::model::Resource, message: &str) -> stackr_core::source::Span {
    let Some(path) = message.strip_prefix('`').and_then(|m| m.split('`').next()) else {
        return res.properties_span;
    };
    let end = path.find(['.', '[']).unwrap_or(path.len());
    let (name, rest) = path.split_at(end);
    res.properties.iter().find(|(k, _)| k.name == name).map_or(res.properties_span, |(_, t)| t.span_of(rest))
}
