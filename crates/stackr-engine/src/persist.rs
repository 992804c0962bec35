//! Persisting state during a run: every completed operation is recorded in
//! memory at once and written by a background writer that coalesces
//! bursts, so a large apply does not rewrite the whole document once per
//! resource, while nothing completed waits more than the write interval
//! (`min_interval`, stretched to 25 times the last write's duration, so
//! that writing stays ~4 % of a run) plus one write to reach the store; the
//! interval is capped so that this sum stays within [`MAX_LAG`] (1 s).
//!
//! [`Persister::update`] returns a generation; [`Persister::persisted`]
//! waits until a write including that generation has landed (used to make
//! a create's intent durable before the create call).

use stackr_state::{State, StateError, StateStore};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, watch};

/// The lost-work window writes are spaced to keep: a completed change is
/// in the store within this long, while one write takes well under it.
pub const MAX_LAG: Duration = Duration::from_secs(1);

/// Figures about the writes of a run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct WriteStats {
    pub writes: u64,
    /// Time spent writing, in total.
    pub time: Duration,
    /// The longest any change waited between being recorded and landing in
    /// the store: the run's lost-work window (a crash loses at most that).
    pub max_lag: Duration,
}

struct Shared {
    state: State,
    version: Option<String>,
    dirty: u64,
    closing: bool,
    stats: WriteStats,
    /// When the oldest change not yet in a write was made.
    unwritten_since: Option<Instant>,
}

/// The run's state and its background writer.
pub struct Persister {
    handle: PersistHandle,
    task: tokio::task::JoinHandle<Result<(), StateError>>,
}

/// A cheap, cloneable handle for tasks that record their results.
#[derive(Clone)]
pub struct PersistHandle {
    shared: Arc<Mutex<Shared>>,
    wake: Arc<Notify>,
    persisted: watch::Receiver<Result<u64, String>>,
}

impl Persister {
    pub fn start(store: Arc<dyn StateStore>, state: State, version: Option<String>, min_interval: Duration) -> Self {
        let shared = Arc::new(Mutex::new(Shared {
            state,
            version,
            dirty: 0,
            closing: false,
            stats: WriteStats::default(),
            unwritten_since: None,
        }));
        let wake = Arc::new(Notify::new());
        let (tx, rx) = watch::channel(Ok(0));
        let task = tokio::spawn(writer(store, shared.clone(), wake.clone(), tx, min_interval));
        Persister { handle: PersistHandle { shared, wake, persisted: rx }, task }
    }

    pub fn handle(&self) -> PersistHandle {
        self.handle.clone()
    }

    pub fn update(&self, f: impl FnOnce(&mut State)) -> u64 {
        self.handle.update(f)
    }

    pub fn with<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        self.handle.with(f)
    }

    pub async fn persisted(&self, gen_: u64) -> Result<(), StateError> {
        self.handle.persisted(gen_).await
    }

    /// Writes whatever is pending and stops the writer. The state comes
    /// back even when the last write failed (with the error), so what the
    /// run did is never thrown away.
    pub async fn finish(self) -> Finished {
        {
            let mut s = self.handle.shared.lock().unwrap_or_else(|p| p.into_inner());
            s.closing = true;
        }
        self.handle.wake.notify_one();
        let error = match self.task.await {
            Ok(Ok(())) => None,
            Ok(Err(e)) => Some(e),
            Err(e) => Some(StateError::Backend { location: "state".into(), message: e.to_string() }),
        };
        let s = self.handle.shared.lock().unwrap_or_else(|p| p.into_inner());
        Finished { state: s.state.clone(), version: s.version.clone(), stats: s.stats, error }
    }

    /// The error that stopped the writer, if any.
    pub fn write_error(&self) -> Option<String> {
        self.handle.write_error()
    }

    /// Resolves when the writer has failed (never, while it works).
    pub async fn write_failed(&self) {
        let mut rx = self.handle.persisted.clone();
        loop {
            if rx.borrow_and_update().is_err() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// What [`Persister::finish`] returns.
pub struct Finished {
    pub state: State,
    pub version: Option<String>,
    pub stats: WriteStats,
    /// Set when the state could not be saved: `state` then holds what the
    /// run did that is not in the store.
    pub error: Option<StateError>,
}

impl PersistHandle {
    pub fn write_error(&self) -> Option<String> {
        self.persisted.borrow().as_ref().err().cloned()
    }

    /// Changes the state; returns the generation that includes the change.
    pub fn update(&self, f: impl FnOnce(&mut State)) -> u64 {
        let gen_ = {
            let mut s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut s.state);
            s.dirty += 1;
            s.unwritten_since.get_or_insert_with(Instant::now);
            s.dirty
        };
        self.wake.notify_one();
        gen_
    }

    /// Reads the state.
    pub fn with<R>(&self, f: impl FnOnce(&State) -> R) -> R {
        let s = self.shared.lock().unwrap_or_else(|p| p.into_inner());
        f(&s.state)
    }

    /// Waits until generation `gen_` is in the store.
    pub async fn persisted(&self, gen_: u64) -> Result<(), StateError> {
        let mut rx = self.persisted.clone();
        loop {
            match &*rx.borrow_and_update() {
                Ok(done) if *done >= gen_ => return Ok(()),
                Ok(_) => {}
                Err(msg) => return Err(StateError::Backend { location: "state".into(), message: msg.clone() }),
            }
            if rx.changed().await.is_err() {
                return Err(StateError::Backend {
                    location: "state".into(),
                    message: "the state writer stopped".into(),
                });
            }
        }
    }
}

async fn writer(
    store: Arc<dyn StateStore>,
    shared: Arc<Mutex<Shared>>,
    wake: Arc<Notify>,
    tx: watch::Sender<Result<u64, String>>,
    min_interval: Duration,
) -> Result<(), StateError> {
    let mut written = 0u64;
    loop {
        let (snapshot, gen_, version, closing, oldest) = {
            let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
            if s.dirty == written {
                if s.closing {
                    return Ok(());
                }
                (None, written, None, false, None)
            } else {
                s.state.serial += 1;
                (Some(s.state.clone()), s.dirty, s.version.clone(), s.closing, s.unwritten_since.take())
            }
        };
        let Some(snapshot) = snapshot else {
            wake.notified().await;
            continue;
        };
        let started = Instant::now();
        // Transient failures (network, throttling) are retried a few times;
        // a conflict or a refused document is not.
        let mut attempt = 0;
        let saved = loop {
            match store.save(&snapshot, version.as_deref()).await {
                Err(StateError::Backend { .. }) if attempt < 3 => {
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(200 << attempt)).await;
                }
                other => break other,
            }
        };
        match saved {
            Ok(v) => {
                let took = started.elapsed();
                {
                    let mut s = shared.lock().unwrap_or_else(|p| p.into_inner());
                    s.version = Some(v);
                    s.stats.writes += 1;
                    s.stats.time += took;
                    if let Some(oldest) = oldest {
                        s.stats.max_lag = s.stats.max_lag.max(oldest.elapsed());
                    }
                }
                written = gen_;
                let _ = tx.send(Ok(written));
            }
            Err(e) => {
                let _ = tx.send(Err(e.to_string()));
                return Err(e);
            }
        }
        if !closing {
            // Writing a large state takes time: space writes so that they
            // stay a small share of the run (~4 %), but so that a change
            // made just after this write began is saved by the next one
            // within a second (the next write, a little larger, takes up to
            // about half as long again).
            let took = started.elapsed();
            let ceiling = MAX_LAG.saturating_sub(took * 3 / 2).max(min_interval);
            let interval = (took * 25).clamp(min_interval, ceiling);
            // Wait out the interval, unless the run is finishing.
            let until = tokio::time::Instant::now() + interval.saturating_sub(took);
            loop {
                tokio::select! {
                    _ = tokio::time::sleep_until(until) => break,
                    _ = wake.notified() => {
                        if shared.lock().unwrap_or_else(|p| p.into_inner()).closing {
                            break;
                        }
                    }
                }
            }
        }
    }
}
