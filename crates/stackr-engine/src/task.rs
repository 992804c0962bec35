//! One operation of a run, in its own task: the AWS call, the retries AWS's
//! eventual consistency needs, and the wait until the resource is ready
//! (after a create or update) or gone (after a delete).
//!
//! - **One deadline per operation**, in AWS time ([`crate::clock`]): the
//!   resource's `lifecycle.timeouts` for this operation, else its type's
//!   default ([`Reconciler::timeouts`]). Retries and waits share it; when it
//!   passes, the error names the operation, the limit, where it came from,
//!   the last status AWS gave and the setting that raises it.
//! - **Retries by kind**: a call refused with a [`ErrorKind::Retryable`]
//!   error (a code the reconciler knows to mean "not yet" for this
//!   operation) is tried again after a growing pause, for creates, updates
//!   and deletes alike; [`ErrorKind::Invalid`] and [`ErrorKind::Other`] end
//!   the operation at once.
//! - **No slot while waiting**: the parallelism slot is given back during
//!   every retry pause and taken again for the next call; once the calls
//!   are over, polling for ready or gone holds none, so a distribution
//!   deploying for 15 minutes does not hold up other work.
//! - **Polling as AWS's own waiters do**: the pause between checks grows
//!   from `poll_initial` by half each time up to `poll_max`, and each pause
//!   is drawn at random between `poll_initial` and that ceiling (the
//!   jittered backoff of the AWS SDKs' waiters,
//!   https://smithy.io/2.0/additional-specs/waiters.html#waiter-retries),
//!   so that many resources waiting at once do not ask in step. The
//!   checks and the time spent waiting are counted ([`Polling`]).
//! - **Cancellable**: Ctrl-C ends every pause at once.

use crate::clock;
use crate::diff::{Diff, diff, diff_resetting};
use crate::events::{Event, EventSink};
use crate::failure::OpError;
use crate::persist::PersistHandle;
use crate::reconciler::{
    CreateRequest, DeleteRequest, ErrorKind, FindRequest, Observed, Props, ProviderError, Readiness, Reconciler,
    Target, UpdateRequest,
};
use stackr_state::ResourceState;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc, watch};

pub(crate) enum Msg {
    Done(usize, Result<Option<Observed>, OpError>),
    /// Ready (or gone); with the resource as read once ready, when its
    /// attributes may have changed meanwhile (an endpoint that appears
    /// when a database becomes available).
    Ready(usize, Result<Option<Observed>, OpError>),
    /// The operation's task ended without reporting (a panic).
    Crashed(usize, String),
}

pub(crate) struct ResourceRecord {
    pub properties: serde_json::Map<String, serde_json::Value>,
    pub secret_digests: BTreeMap<String, String>,
    pub dependencies: Vec<String>,
    pub protect: bool,
    pub retain: bool,
    /// The create of a create-before-destroy replacement: the old resource
    /// still at this address steps aside when this one is stored.
    pub depose_old: bool,
}

/// The digests of a resource's secrets: recorded at the last apply, and
/// of what AWS held at refresh (where the type can read them).
#[derive(Debug, Clone, Default)]
pub(crate) struct Digests {
    pub recorded: BTreeMap<String, String>,
    pub aws: Option<BTreeMap<String, String>>,
}

pub(crate) enum Work {
    Create {
        props: Props,
        tags: BTreeMap<String, String>,
        record: ResourceRecord,
        token: String,
        /// Ids in state at this address (a resource being replaced): never
        /// what a look-up after a failed create may adopt.
        known_ids: Vec<String>,
    },
    Update {
        digests: Box<Digests>,
        lineage: String,
        id: String,
        props: Props,
        tags: BTreeMap<String, String>,
        record: ResourceRecord,
        live: Option<Observed>,
        recorded: Option<Props>,
        ignore: Vec<String>,
        /// Every property the stack writes, `null` included (not managed:
        /// never reset when left out of the wanted properties).
        written: Vec<String>,
    },
    Delete {
        id: String,
        properties: Props,
    },
}

/// How long an operation may take, and who said so.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    pub timeout: Duration,
    /// Set by the resource's `lifecycle.timeouts` (else the type's default).
    pub from_stack: bool,
}

/// Readiness checks of a run and the time spent waiting on them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Polling {
    /// Calls asking whether a resource is ready (or gone).
    pub checks: u64,
    /// Time from each operation's first check to its last, summed, in AWS
    /// time ([`crate::clock`]).
    pub waited: Duration,
}

impl Polling {
    /// Checks per minute of waiting (0 when nothing waited).
    pub fn per_minute(&self) -> f64 {
        let minutes = self.waited.as_secs_f64() / 60.0;
        if minutes > 0.0 { self.checks as f64 / minutes } else { 0.0 }
    }
}

/// Counted by every operation of a run.
#[derive(Default)]
pub(crate) struct PollCounter {
    checks: AtomicU64,
    waited_ms: AtomicU64,
}

impl PollCounter {
    pub(crate) fn total(&self) -> Polling {
        Polling {
            checks: self.checks.load(Ordering::Relaxed),
            waited: Duration::from_millis(self.waited_ms.load(Ordering::Relaxed)),
        }
    }
}

/// The next pause of a poll: at random between `floor` and `ceiling`.
fn jittered(floor: Duration, ceiling: Duration) -> Duration {
    if ceiling <= floor {
        return floor;
    }
    floor + (ceiling - floor).mul_f64(fastrand::f64())
}

/// How an operation's pauses grow and when they stop.
#[derive(Clone)]
pub(crate) struct Pacing {
    pub poll_initial: Duration,
    pub poll_max: Duration,
    pub cancel: watch::Receiver<bool>,
    /// Keep the parallelism slot through retries and the wait for ready
    /// or gone, as Terraform does (its waiters run inside the resource's
    /// create or delete): the baseline schedule, for comparison.
    pub hold_slot: bool,
    pub polls: Arc<PollCounter>,
}

/// A dependency this run does not change that the operation needs ready
/// (`depends_on`, or its type needs it ready): an earlier run may have
/// stopped while it was still on its way (interrupted, or a wait that
/// timed out), so it is waited for before the operation's first call.
pub(crate) struct Awaited {
    pub address: String,
    pub rec: Arc<dyn Reconciler>,
    pub region: String,
    pub id: String,
}

pub(crate) struct TaskCtx {
    pub i: usize,
    pub rec: Arc<dyn Reconciler>,
    pub awaited: Vec<Awaited>,
    pub target: Target,
    /// The state entry this operation maintains (see [`crate::ops::Op::state_key`]).
    pub state_key: String,
    pub kind: String,
    /// The operation's name in events: its kind's, or `check` for an
    /// update with nothing to change that waits for ready (`Cause::Unready`).
    pub name: &'static str,
    pub events: Arc<dyn EventSink>,
    pub pacing: Pacing,
    pub limit: Limit,
    pub persister: PersistHandle,
    pub tx: mpsc::UnboundedSender<Msg>,
    pub slots: Arc<Semaphore>,
}

/// The running operation's clock and slot.
struct Running<'a> {
    ctx: &'a TaskCtx,
    started: Instant,
    deadline: Instant,
    slot: Mutex<Option<OwnedSemaphorePermit>>,
    /// The AWS calls are over (waiting for ready or gone): pauses no
    /// longer take the slot back, polling holds none.
    polling: AtomicBool,
    /// AWS's last word on the resource, for progress and timeout messages.
    last: Mutex<String>,
}

/// How an operation ended early.
enum Stop {
    Cancelled,
    TimedOut,
}

impl TaskCtx {
    pub(crate) async fn run(self, work: Work, permit: OwnedSemaphorePermit) {
        let run = Running {
            ctx: &self,
            started: Instant::now(),
            deadline: clock::deadline(self.limit.timeout),
            slot: Mutex::new(Some(permit)),
            polling: AtomicBool::new(false),
            last: Mutex::new(String::new()),
        };
        let address = self.target.address.clone();
        let deleting = match &work {
            Work::Delete { id, .. } => Some(id.clone()),
            _ => None,
        };
        self.events.emit(Event::Started { address: address.clone(), operation: self.name });
        let result = async {
            for a in &self.awaited {
                let doing = format!("waiting for {} to be ready", a.address);
                run.poll(&doing, || a.rec.readiness(&a.region, &a.id)).await?;
            }
            run.call(work).await
        }
        .await;
        run.polling.store(true, Ordering::Relaxed);
        run.release();
        match result {
            Ok(obs) => {
                self.events.emit(Event::Done {
                    address: address.clone(),
                    operation: self.name,
                    elapsed_ms: clock::since(run.started).as_millis() as u64,
                });
                let id = obs.as_ref().map(|o| o.id.clone());
                let _ = self.tx.send(Msg::Done(self.i, Ok(obs)));
                let ready = match (deleting, id) {
                    (Some(gone), _) => run.wait_gone(&gone).await.map(|_| None),
                    (None, Some(id)) if self.rec.schema().has_readiness => match run.wait_ready(&id).await {
                        Ok(()) => Ok(run.read_when_ready(&id).await),
                        Err(e) => Err(e),
                    },
                    _ => Ok(None),
                };
                let _ = self.tx.send(Msg::Ready(self.i, ready));
            }
            Err(e) => {
                let _ = self.tx.send(Msg::Done(self.i, Err(e)));
            }
        }
    }
}

impl Running<'_> {
    fn release(&self) {
        if self.ctx.pacing.hold_slot {
            return;
        }
        if let Ok(mut s) = self.slot.lock() {
            s.take();
        }
    }

    async fn reacquire(&self) {
        let held = self.slot.lock().map(|s| s.is_some()).unwrap_or(true);
        if !held
            && !self.polling.load(Ordering::Relaxed)
            && let Ok(p) = self.ctx.slots.clone().acquire_owned().await
            && let Ok(mut s) = self.slot.lock()
        {
            *s = Some(p);
        }
    }

    fn note(&self, status: &str) {
        if let Ok(mut l) = self.last.lock() {
            *l = status.to_string();
        }
        self.ctx.events.emit(Event::Waiting {
            address: self.ctx.target.address.clone(),
            operation: self.ctx.name,
            status: status.to_string(),
            elapsed_ms: clock::since(self.started).as_millis() as u64,
        });
    }

    fn last(&self) -> String {
        self.last.lock().map(|l| l.clone()).unwrap_or_default()
    }

    /// Pauses for `pause` of AWS time without holding a slot; stops early
    /// when the run is cancelled or the deadline would pass.
    async fn pause(&self, pause: Duration) -> Result<(), Stop> {
        if Instant::now() >= self.deadline {
            return Err(Stop::TimedOut);
        }
        self.release();
        let left = self.deadline.saturating_duration_since(Instant::now());
        let wall = clock::wall(pause).min(left);
        let mut cancel = self.ctx.pacing.cancel.clone();
        if *cancel.borrow() {
            return Err(Stop::Cancelled);
        }
        let sleep = tokio::time::sleep(wall.max(Duration::from_millis(1)));
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                _ = &mut sleep => break,
                changed = cancel.changed() => match changed {
                    Ok(()) if *cancel.borrow() => return Err(Stop::Cancelled),
                    Ok(()) => {}
                    // Nobody can cancel any more: just wait.
                    Err(_) => {
                        sleep.as_mut().await;
                        break;
                    }
                },
            }
        }
        self.reacquire().await;
        Ok(())
    }

    /// The error for an operation that stopped early.
    fn stopped(&self, stop: Stop, doing: &str) -> OpError {
        let (doing, last) = (doing.to_string(), self.last());
        match stop {
            Stop::Cancelled => OpError::Interrupted { doing, last },
            Stop::TimedOut => OpError::TimedOut {
                address: self.ctx.target.address.clone(),
                operation: self.ctx.name,
                limit: self.ctx.limit.timeout,
                from_stack: self.ctx.limit.from_stack,
                doing,
                last,
            },
        }
    }

    /// Whether a failed call is tried again: "not yet" refusals (within
    /// their window) and calls whose outcome was lost.
    fn worth_retrying(&self, e: &ProviderError) -> bool {
        match e.kind {
            ErrorKind::Unsure => true,
            ErrorKind::Retryable => e.retry_within.is_none_or(|w| clock::since(self.started) < w),
            ErrorKind::Invalid | ErrorKind::Other => false,
        }
    }

    fn next_pause(&self, pause: Duration) -> Duration {
        (pause * 2).min(self.ctx.pacing.poll_max)
    }

    async fn call(&self, work: Work) -> Result<Option<Observed>, OpError> {
        let ctx = self.ctx;
        match work {
            Work::Create { props, tags, record, token, known_ids } => {
                // The intent (with this token) was journaled durably before
                // the run started any operation: see `journal_creates`. Its
                // now-known properties join it (not waited for), so a later
                // run can find a resource by its name.
                let a = ctx.target.address.clone();
                let known = record.properties.clone();
                ctx.persister.update(move |s| {
                    if let Some(p) = s.pending.get_mut(&a) {
                        p.properties = known;
                    }
                });
                let req = CreateRequest {
                    target: ctx.target.clone(),
                    properties: props,
                    tags,
                    token,
                    known_ids: known_ids.clone(),
                };
                let obs = self.create_once(&req, known_ids).await?;
                self.store(&obs, record);
                Ok(Some(obs))
            }
            Work::Update { digests, lineage, id, props, tags, record, live, recorded, ignore, written } => {
                let live = match live {
                    Some(l) => l,
                    None => {
                        return Err(OpError::Stack(
                            "the resource is gone from AWS; run apply again to recreate it".into(),
                        ));
                    }
                };
                let mut live_props = live.comparable(ctx.rec.schema());
                let schema = ctx.rec.schema();
                crate::secret::fill_live(
                    schema,
                    &props,
                    &mut live_props,
                    digests.aws.as_ref(),
                    &digests.recorded,
                    &lineage,
                );
                let resets = |f: &str| !written.iter().any(|w| w == f) && ctx.rec.resets(f);
                let d = diff_resetting(schema, &props, &live_props, recorded.as_ref(), &ignore, resets);
                let changed = match d {
                    Diff::UpToDate => {
                        self.store(&live, record);
                        return Ok(Some(live));
                    }
                    Diff::Update(ch) => ch.into_iter().map(|c| c.name).collect(),
                    Diff::Replace(ch) => {
                        let fields: Vec<String> =
                            ch.into_iter().filter(|c| c.forces_replacement).map(|c| c.name).collect();
                        return Err(OpError::Stack(format!(
                            "{} now differ(s) and can only change by replacement; run apply again to plan it",
                            fields.join(", ")
                        )));
                    }
                };
                let req =
                    UpdateRequest { target: ctx.target.clone(), id, desired: props, observed: live, changed, tags };
                let obs = self.retrying("updating", || ctx.rec.update(&req)).await?;
                self.store(&obs, record);
                Ok(Some(obs))
            }
            Work::Delete { id, properties } => {
                let req = DeleteRequest { target: ctx.target.clone(), id, properties };
                self.retrying("deleting", || ctx.rec.delete(&req)).await?;
                // Only the entry of the resource deleted goes (never a new
                // one that took its address); journal entries are for creates.
                let key = ctx.state_key.clone();
                let id = req.id.clone();
                ctx.persister.update(move |s| {
                    if s.resources.get(&key).is_some_and(|r| r.id == id) {
                        s.resources.remove(&key);
                    }
                });
                Ok(None)
            }
        }
    }

    /// Runs `call` until it succeeds, retrying what AWS says is not yet
    /// possible ([`ErrorKind::Retryable`]) and calls whose outcome was lost
    /// ([`ErrorKind::Unsure`]: updates and deletes are idempotent).
    async fn retrying<T, F, Fut>(&self, doing: &str, mut call: F) -> Result<T, OpError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<T, ProviderError>>,
    {
        let mut pause = self.ctx.pacing.poll_initial;
        loop {
            match call().await {
                Ok(v) => return Ok(v),
                Err(e) if self.worth_retrying(&e) => {
                    self.note(&format!("retrying: {}", e.message));
                    self.pause(pause).await.map_err(|stop| self.stopped(stop, doing))?;
                    pause = self.next_pause(pause);
                }
                Err(e) => return Err(OpError::Aws(e)),
            }
        }
    }

    /// Creates the resource exactly once. A create that fails, other than
    /// as invalid input, may still have made it (its response was lost, or
    /// AWS refuses a retry with "already exists"): before reporting a
    /// failure or trying again, the reconciler's `find` looks for it by
    /// token, tags or name, as after a crash, and adopts what it finds. Only
    /// calls whose outcome was unknown or that AWS asked to retry are tried
    /// again, until the deadline.
    async fn create_once(&self, req: &CreateRequest, known_ids: Vec<String>) -> Result<Observed, OpError> {
        let rec = &self.ctx.rec;
        let mut pause = self.ctx.pacing.poll_initial;
        loop {
            let err = match rec.create(req).await {
                Ok(obs) => return Ok(obs),
                // Refused as is: AWS made nothing (duplicates are not `Invalid`).
                Err(e) if e.kind == ErrorKind::Invalid => return Err(OpError::Aws(e)),
                Err(e) => e,
            };
            let find = FindRequest {
                target: req.target.clone(),
                token: req.token.clone(),
                properties: req.properties.clone(),
                known_ids: known_ids.clone(),
            };
            match rec.find(&find).await {
                Ok(Some(obs)) => {
                    self.note(&format!("adopted {} made by a create that reported: {}", obs.id, err.message));
                    // A create of several steps may have stopped after the
                    // first (a file system made, its lifecycle refused while
                    // it is still `creating`): what was adopted is brought
                    // to the stack's values, retried while AWS says "not yet".
                    return self.retrying("creating", || self.converge(req, obs.clone())).await;
                }
                Ok(None) => {}
                // Unknown whether it exists: a retry could duplicate it.
                Err(find) => return Err(OpError::FindFailed { error: err, find }),
            }
            if !self.worth_retrying(&err) {
                return Err(OpError::Aws(err));
            }
            self.note(&format!("retrying: {}", err.message));
            self.pause(pause).await.map_err(|stop| self.stopped(stop, "creating"))?;
            pause = self.next_pause(pause);
        }
    }

    /// Brings a resource adopted after a failed create to the stack's
    /// values: the in-place fields that differ are updated; a difference in
    /// a replace-only field is an error (it is not what this create made).
    async fn converge(&self, req: &CreateRequest, obs: Observed) -> Result<Observed, ProviderError> {
        let rec = &self.ctx.rec;
        let live = obs.comparable(rec.schema());
        match diff(rec.schema(), &req.properties, &live, None, &[]) {
            Diff::UpToDate => Ok(obs),
            Diff::Update(ch) => {
                let changed = ch.into_iter().map(|c| c.name).collect();
                let update = UpdateRequest {
                    target: req.target.clone(),
                    id: obs.id.clone(),
                    desired: req.properties.clone(),
                    observed: obs,
                    changed,
                    tags: req.tags.clone(),
                };
                rec.update(&update).await
            }
            Diff::Replace(ch) => {
                let fields: Vec<String> = ch.into_iter().filter(|c| c.forces_replacement).map(|c| c.name).collect();
                Err(ProviderError::new(
                    ErrorKind::Other,
                    format!(
                        "found {} after a failed create, but its {} differ(s) from the stack",
                        obs.id,
                        fields.join(", ")
                    ),
                ))
            }
        }
    }

    fn store(&self, obs: &Observed, record: ResourceRecord) {
        let ctx = self.ctx;
        let attributes = obs.attributes_json();
        let entry = ResourceState {
            kind: ctx.kind.clone(),
            region: ctx.target.region.clone(),
            id: obs.id.clone(),
            properties: record.properties,
            attributes,
            dependencies: record.dependencies,
            protect: record.protect,
            retain: record.retain,
            secret_digests: record.secret_digests,
            // Until the wait for ready that follows ends.
            unready: ctx.rec.schema().has_readiness,
        };
        let a = ctx.target.address.clone();
        let depose_old = record.depose_old;
        ctx.persister.update(move |s| {
            // Protection is only ever lifted by destroying with
            // --allow-protected: dropping `protect` from the file keeps it.
            let mut entry = entry;
            entry.protect |= s.resources.get(&a).is_some_and(|r| r.protect);
            // Another resource still at this address (the old half of a
            // create-before-destroy) steps aside now, once its replacement
            // exists, to be deleted as `ADDRESS#deposed`: never before, so a
            // run that fails first leaves it where it was.
            if let Some(old) = s.resources.get(&a).filter(|r| depose_old && r.id != entry.id).cloned() {
                s.resources.entry(crate::ops::deposed_key(&a)).or_insert(old);
            }
            s.resources.insert(a.clone(), entry);
            s.pending.remove(&a);
        });
    }

    /// Polls readiness (no slot held) until ready, failed or the deadline.
    async fn wait_ready(&self, id: &str) -> Result<(), OpError> {
        let ctx = self.ctx;
        self.poll("waiting to be ready", || ctx.rec.readiness(&ctx.target.region, id)).await?;
        ctx.events.emit(Event::Ready {
            address: ctx.target.address.clone(),
            elapsed_ms: clock::since(self.started).as_millis() as u64,
        });
        Ok(())
    }

    /// The resource read again once ready, its new attributes recorded in
    /// state, and its `unready` mark cleared; `None` when the read fails
    /// (the attributes known at *done* stand, the next refresh reads them).
    async fn read_when_ready(&self, id: &str) -> Option<Observed> {
        let ctx = self.ctx;
        let obs = ctx.rec.observe(&ctx.target.region, &[id.to_string()]).await.ok().and_then(|mut o| o.pop().flatten());
        let (key, attributes) = (ctx.state_key.clone(), obs.as_ref().map(Observed::attributes_json));
        let id = id.to_string();
        ctx.persister.update(move |s| {
            if let Some(r) = s.resources.get_mut(&key).filter(|r| r.id == id) {
                r.unready = false;
                if let Some(attributes) = attributes {
                    r.attributes = attributes;
                }
            }
        });
        obs
    }

    /// After a delete: polls until the resource is gone.
    async fn wait_gone(&self, id: &str) -> Result<(), OpError> {
        let ctx = self.ctx;
        if id.is_empty() {
            return Ok(());
        }
        self.poll("waiting for it to be gone", || ctx.rec.deleted(&ctx.target.region, id)).await
    }

    async fn poll<F, Fut>(&self, doing: &str, mut check: F) -> Result<(), OpError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Readiness, ProviderError>>,
    {
        let pacing = &self.ctx.pacing;
        let mut ceiling = pacing.poll_initial;
        let first = Instant::now();
        let count = || {
            pacing.polls.checks.fetch_add(1, Ordering::Relaxed);
        };
        let waited = || {
            let ms = clock::since(first).as_millis() as u64;
            pacing.polls.waited_ms.fetch_add(ms, Ordering::Relaxed);
        };
        let result = loop {
            count();
            match check().await {
                Ok(Readiness::Ready) => break Ok(()),
                Ok(Readiness::Failed(status)) => {
                    break Err(OpError::Stack(format!("became `{status}` while {doing}")));
                }
                Ok(Readiness::Pending(status)) => self.note(&status),
                Err(e) if matches!(e.kind, ErrorKind::Retryable | ErrorKind::Unsure) => self.note(&e.message),
                Err(e) => break Err(OpError::Aws(e)),
            }
            if let Err(stop) = self.pause(jittered(pacing.poll_initial, ceiling)).await {
                break Err(self.stopped(stop, doing));
            }
            ceiling = (ceiling * 3 / 2).min(pacing.poll_max);
        };
        waited();
        result
    }
}
