//! The reconciler contract: what each resource type implements, and all
//! the engine relies on.
//!
//! The engine owns every decision (what to create, update, replace, delete,
//! and in which order); a reconciler only talks to AWS. Its operations are:
//!
//! - [`Reconciler::observe`]: read-only; many instances of one type in one
//!   region at once, so a reconciler can use one paginated call (one
//!   DescribeSubnets for every subnet) instead of one call each.
//! - [`Reconciler::find`]: look up what a previous, interrupted run created
//!   (by the `stackr:stack` / `stackr:resource` tags, a deterministic name
//!   or a client token), so the engine adopts it rather than creating twice.
//! - [`Reconciler::create`], [`Reconciler::update`], [`Reconciler::delete`]:
//!   each idempotent; delete of something already gone succeeds.
//! - [`Reconciler::readiness`]: whether a created resource has reached its
//!   ready state (an Aurora cluster "available").
//!
//! # Guarantees a reconciler gives
//! - `observe` and `find` change nothing.
//! - `create` called twice with the same token makes one resource.
//! - `delete` of a missing resource returns `Ok`.
//! - Observed properties use the same names and shapes as the type's
//!   schema, so the engine's generic diff compares like with like; secret
//!   properties are never returned.
//!
//! # Assumptions it may make
//! - Requests carry fully known property values (no "known after apply").
//! - The engine serializes operations on one address.

use async_trait::async_trait;
use stackr_core::schema::TypeSchema;
use stackr_core::value::Value;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

/// Property or attribute values by name.
pub type Props = BTreeMap<String, Value>;

/// What a reconciler reports about a live resource.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed {
    /// The identifier recorded in state.
    pub id: String,
    /// The live values of the type's properties (schema names).
    pub properties: Props,
    /// The type's attributes (`arn`, `dns_name`, ...), `id` included.
    pub attributes: Props,
    /// Tags as AWS reports them.
    pub tags: BTreeMap<String, String>,
}

impl Observed {
    /// The live properties as the diff compares them: with the tags (AWS's
    /// own `aws:*` left out) as the `tags` property of taggable types.
    pub fn comparable(&self, schema: &TypeSchema) -> Props {
        let mut props = self.properties.clone();
        if schema.taggable {
            let tags = self
                .tags
                .iter()
                .filter(|(k, _)| !k.starts_with("aws:"))
                .map(|(k, v)| (k.clone(), Value::String(v.clone())))
                .collect();
            props.insert("tags".into(), Value::Map(tags));
        }
        props
    }

    /// The attributes as state records them (`id` included).
    pub fn attributes_json(&self) -> serde_json::Map<String, serde_json::Value> {
        let mut m: serde_json::Map<String, serde_json::Value> =
            self.attributes.iter().map(|(k, v)| (k.clone(), v.to_json())).collect();
        m.insert("id".into(), serde_json::Value::String(self.id.clone()));
        m
    }

    /// The properties as state may record them: secrets left out.
    pub fn properties_json(&self, schema: &TypeSchema) -> serde_json::Map<String, serde_json::Value> {
        self.properties
            .iter()
            .filter(|(k, _)| !schema.property(k).is_some_and(|p| p.secret))
            .map(|(k, v)| (k.clone(), v.to_json()))
            .collect()
    }
}

/// A readiness poll result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Readiness {
    Ready,
    /// Not yet; the status as AWS names it ("creating").
    Pending(String),
    /// Will never become ready ("failed"); the status and why.
    Failed(String),
}

/// Who is asking: the stack and the instance, for tags, names and messages.
#[derive(Debug, Clone, PartialEq)]
pub struct Target {
    pub stack: String,
    /// `subnet[ap-northeast-1a]`
    pub address: String,
    pub region: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CreateRequest {
    pub target: Target,
    pub properties: Props,
    /// The stack's tags, the resource's own, `stackr:stack` and `stackr:resource`.
    pub tags: BTreeMap<String, String>,
    /// Idempotency token, stable across retries of this create (journaled
    /// in state before the call).
    pub token: String,
    /// The ids state holds at this address (the resource being replaced,
    /// an old half an earlier run left): never what a create adopts, even
    /// when its tags and fixed properties match (a replacement on request,
    /// a move back to what the old one had).
    pub known_ids: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct UpdateRequest {
    pub target: Target,
    pub id: String,
    pub desired: Props,
    pub observed: Observed,
    /// The top-level properties that differ.
    pub changed: Vec<String>,
    pub tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DeleteRequest {
    pub target: Target,
    pub id: String,
    /// The properties last applied (from state).
    pub properties: Props,
}

#[derive(Debug, Clone, PartialEq)]
pub struct FindRequest {
    pub target: Target,
    pub token: String,
    /// The create's properties when they were journaled (may be empty).
    pub properties: Props,
    /// Ids already in state for this address (an old resource being
    /// replaced): never the answer.
    pub known_ids: Vec<String>,
}

/// A failure talking to AWS, classified for the engine.
#[derive(Debug, Clone, thiserror::Error, PartialEq)]
#[error("{message}")]
pub struct ProviderError {
    pub kind: ErrorKind,
    /// What happened, with the AWS error code when there is one.
    pub message: String,
    /// For a [`ErrorKind::Retryable`] error that may also be a real
    /// mistake (a certificate ARN that will never exist): retried only this
    /// long (AWS time) from the operation's start, then final.
    pub retry_within: Option<Duration>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input AWS refused (will fail again as is).
    Invalid,
    /// Not possible yet: a dependency still in use or not yet released, a
    /// resource still changing state, something just made not yet visible
    /// to another service (eventual consistency). Retried after a pause,
    /// for creates, updates and deletes alike, until the operation's timeout.
    Retryable,
    /// The call may or may not have taken effect: its response was lost
    /// (connection reset, timeout) or AWS failed with a 5xx. After a failed
    /// create the engine asks `find` before trying again.
    Unsure,
    /// Anything else.
    Other,
}

impl ProviderError {
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        ProviderError { kind, message: message.into(), retry_within: None }
    }

    /// A "not yet" refusal worth retrying, for at most `window` when given.
    pub fn not_yet(message: impl Into<String>, window: Option<Duration>) -> Self {
        ProviderError { kind: ErrorKind::Retryable, message: message.into(), retry_within: window }
    }
}

/// One resource type's implementation.
#[async_trait]
pub trait Reconciler: Send + Sync {
    fn schema(&self) -> &'static TypeSchema;

    /// Observes instances by id, all in one region; one entry per id, in
    /// order (`None`: gone).
    async fn observe(&self, region: &str, ids: &[String]) -> Result<Vec<Option<Observed>>, ProviderError>;

    /// Finds what an interrupted create of `target` made, if anything.
    async fn find(&self, req: &FindRequest) -> Result<Option<Observed>, ProviderError>;

    async fn create(&self, req: &CreateRequest) -> Result<Observed, ProviderError>;

    async fn update(&self, req: &UpdateRequest) -> Result<Observed, ProviderError>;

    async fn delete(&self, req: &DeleteRequest) -> Result<(), ProviderError>;

    /// Why AWS (or this type's policy) would refuse to delete the resource
    /// as it was last applied, e.g. "deletion protection is on"; `None`
    /// when it can be deleted. Checked for every delete and replacement of
    /// a plan before the run starts, so that a destroy that would stop at
    /// this resource deletes nothing on its way there.
    fn undeletable(&self, _id: &str, _properties: &Props) -> Option<String> {
        None
    }

    /// [`Reconciler::undeletable`] for what only AWS can tell, asked with
    /// a cheap read (a bucket that still holds objects while
    /// `force_destroy` is off): checked, like it, before a run that
    /// deletes or replaces the resource starts. Types that need no read
    /// keep the default (no call).
    async fn undeletable_now(
        &self,
        _region: &str,
        _id: &str,
        _properties: &Props,
    ) -> Result<Option<String>, ProviderError> {
        Ok(None)
    }

    /// Digests of the secret properties AWS holds for `ids`, each made with
    /// [`crate::secret::digest`] salted with `salt`, for types that can
    /// read their secrets back (an SSM parameter's value): a secret changed
    /// outside stackr is then drift. One map (property to digest) per id,
    /// in order; a property left out is compared as before (by the digest
    /// recorded at apply). The secrets never leave the reconciler.
    async fn secret_digests(
        &self,
        _region: &str,
        ids: &[String],
        _salt: &str,
    ) -> Result<Vec<BTreeMap<String, String>>, ProviderError> {
        Ok(vec![BTreeMap::new(); ids.len()])
    }

    /// What AWS would refuse in the wanted properties as a whole: fields
    /// that contradict each other (a FIFO queue whose name lacks `.fifo`),
    /// a combination the API reference rules out. Called for every create,
    /// update and replacement when the plan is made, so that an apply stops
    /// before its first call instead of at this resource. Values not yet
    /// known are `Value::Unknown`: a check that needs one passes.
    fn check(&self, _props: &Props) -> Result<(), ProviderError> {
        Ok(())
    }

    /// [`Reconciler::check`], for a resource made in `region`: what AWS
    /// refuses there (a WAF scope CLOUDFRONT outside us-east-1, a zone of
    /// another region). What callers call.
    fn check_in(&self, _region: &str, props: &Props) -> Result<(), ProviderError> {
        self.check(props)
    }

    /// Whether a replacement always makes the new resource before deleting
    /// the old one, whatever the stack's `lifecycle` says: for types AWS
    /// will not delete while in use and that have no name AWS allows once
    /// (an ACM certificate on a listener), where deleting first could only
    /// wait out the timeout.
    fn replaced_first(&self) -> bool {
        false
    }

    /// Whether this replacement, with these `changes` (those forcing it
    /// among them), makes the new resource first: where the new one cannot
    /// meet the old one (a DNS record moved to another name), so nothing
    /// need go missing in between. [`Reconciler::replaced_first`] by
    /// default.
    fn replaced_first_for(&self, changes: &[crate::plan::Change]) -> bool {
        let _ = changes;
        self.replaced_first()
    }

    /// Whether a property the stack set and no longer writes is put back
    /// to AWS's default: `update` is then called with the field in
    /// `changed` and absent from `desired` (a queue's redrive policy
    /// removed, a log group's retention back to "never expire"). Fields it
    /// does not name keep what AWS has when they leave the stack.
    fn resets(&self, field: &str) -> bool {
        let _ = field;
        false
    }

    /// Whether AWS deletes it whatever uses it (a DNS record, a Lambda
    /// permission): a delete-first replacement then never waits on a user,
    /// and the plan does not warn about one.
    fn deleted_while_used(&self) -> bool {
        false
    }

    /// Whether a change of a property AWS changes in place only between
    /// some values forces a replacement here (a hosted zone's VPCs:
    /// changed in place, but never from none to some); `live` is `None`
    /// when AWS reports nothing for it. The plan then shows a replacement
    /// instead of an update that AWS would refuse.
    fn replaces(&self, _field: &str, _live: Option<&Value>, _desired: &Value) -> bool {
        false
    }

    /// Puts the stack's values in the form AWS reports them, where one
    /// setting has several spellings (a security group rule for all traffic
    /// written with `from_port: 0, to_port: 0`, ports AWS drops): applied
    /// to the wanted properties before they are compared or sent.
    fn normalize_desired(&self, _props: &mut Props) {}

    /// Polled after create/update for types with readiness.
    async fn readiness(&self, _region: &str, _id: &str) -> Result<Readiness, ProviderError> {
        Ok(Readiness::Ready)
    }

    /// Whether this type needs a dependency of type `kind` to be ready
    /// (not just created) before it is created: an RDS instance needs its
    /// cluster available; a record that only names an endpoint does not.
    fn needs_ready(&self, _kind: &str) -> bool {
        false
    }

    /// Whether deleting this resource waits until a dependant of type
    /// `kind` is gone (the default: a subnet cannot go while a load
    /// balancer's interfaces are in it), or only until the dependant's
    /// delete was accepted, where AWS takes a dependant that is being
    /// deleted as gone enough: an Aurora cluster can be deleted once its
    /// instances are `deleting`, and both deletions then run at once.
    fn delete_waits_for_gone(&self, _kind: &str) -> bool {
        true
    }

    /// Polled after a successful `delete` until it answers `Ready` (gone):
    /// for types whose deletion AWS finishes later (a CloudFront
    /// distribution, an Aurora cluster, a NAT gateway holding its address
    /// while `deleting`). The engine polls it like readiness: within the
    /// delete's timeout, cancellable, holding no parallelism slot, so that
    /// what depends on the resource being gone (a subnet, an internet
    /// gateway's detach) starts only then. `Pending` carries AWS's status.
    async fn deleted(&self, _region: &str, _id: &str) -> Result<Readiness, ProviderError> {
        Ok(Readiness::Ready)
    }

    /// How long each operation may take by default, in AWS time, waits and
    /// retries included; a stack overrides it per resource with
    /// `lifecycle: { timeouts: { create, update, delete } }`.
    fn timeouts(&self) -> Timeouts {
        Timeouts::default()
    }
}

/// How long each operation on a resource may take (AWS time).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    pub create: Duration,
    pub update: Duration,
    pub delete: Duration,
}

impl Timeouts {
    /// The same limit for every operation.
    pub const fn all(d: Duration) -> Self {
        Timeouts { create: d, update: d, delete: d }
    }

    pub const fn minutes(create: u64, update: u64, delete: u64) -> Self {
        Timeouts {
            create: Duration::from_secs(create * 60),
            update: Duration::from_secs(update * 60),
            delete: Duration::from_secs(delete * 60),
        }
    }
}

impl Default for Timeouts {
    /// 20 minutes each: seconds-scale resources with room for AWS's
    /// eventual consistency (IAM propagation, interfaces draining).
    fn default() -> Self {
        Timeouts::minutes(20, 20, 20)
    }
}

/// Told when a refresh (the observation of everything in state at the
/// start of plan, diff and apply) starts and ends, so that reconcilers may
/// share identical reads among types within it. Nothing is written during a
/// refresh, so a read made once there holds for all of it; outside a
/// refresh a reconciler must read AWS as it is.
pub trait RefreshHook: Send + Sync {
    /// A refresh of `stack` starts; `recorded` is what its state holds of
    /// the resources observed (see [`crate::recorded`]).
    fn refresh_begins(&self, stack: &str, recorded: Arc<crate::recorded::Recorded>);
    /// The refresh ends (also when it failed or was cancelled).
    fn refresh_ends(&self);
}

/// A refresh under way, ended when dropped (see [`Providers::refresh_scope`]).
#[must_use = "the refresh ends when this is dropped"]
pub struct RefreshScope {
    hook: Option<Arc<dyn RefreshHook>>,
}

impl Drop for RefreshScope {
    fn drop(&mut self) {
        if let Some(h) = &self.hook {
            h.refresh_ends();
        }
    }
}

/// Reconcilers by type kind.
#[derive(Clone, Default)]
pub struct Providers {
    by_kind: BTreeMap<&'static str, Arc<dyn Reconciler>>,
    refresh_hook: Option<Arc<dyn RefreshHook>>,
}

impl Providers {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn register(&mut self, r: Arc<dyn Reconciler>) {
        self.by_kind.insert(r.schema().kind, r);
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Reconciler>> {
        self.by_kind.get(kind)
    }

    pub fn kinds(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.by_kind.keys().copied()
    }

    /// Sets what is told of refreshes (none by default).
    pub fn set_refresh_hook(&mut self, hook: Arc<dyn RefreshHook>) {
        self.refresh_hook = Some(hook);
    }

    /// Tells the hook a refresh of `stack` starts, with what its state
    /// recorded; it ends when the returned scope is dropped.
    pub fn refresh_scope(&self, stack: &str, recorded: Arc<crate::recorded::Recorded>) -> RefreshScope {
        if let Some(h) = &self.refresh_hook {
            h.refresh_begins(stack, recorded);
        }
        RefreshScope { hook: self.refresh_hook.clone() }
    }
}

/// A data look-up type's implementation (`data:` entries).
#[async_trait]
pub trait Lookup: Send + Sync {
    fn schema(&self) -> &'static TypeSchema;

    /// Reads the look-up's attributes for the given arguments.
    async fn read(&self, region: &str, args: &Props) -> Result<Props, ProviderError>;
}

/// Look-ups by type kind.
#[derive(Clone, Default)]
pub struct Lookups {
    by_kind: BTreeMap<&'static str, Arc<dyn Lookup>>,
}

impl Lookups {
    pub fn register(&mut self, l: Arc<dyn Lookup>) {
        self.by_kind.insert(l.schema().kind, l);
    }

    pub fn get(&self, kind: &str) -> Option<&Arc<dyn Lookup>> {
        self.by_kind.get(kind)
    }
}
