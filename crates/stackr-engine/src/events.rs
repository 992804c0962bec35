//! Progress events: what the executor reports as it goes. The CLI turns
//! them into live progress on a terminal or NDJSON (`--json`) for CI.

use serde::Serialize;
use std::sync::Mutex;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// An operation started.
    Started {
        address: String,
        operation: &'static str,
    },
    /// A long wait goes on; `status` is AWS's word for it. `elapsed_ms`
    /// is AWS time since the operation started.
    Waiting {
        address: String,
        operation: &'static str,
        status: String,
        elapsed_ms: u64,
    },
    /// The operation's AWS call succeeded (attributes known).
    Done {
        address: String,
        operation: &'static str,
        elapsed_ms: u64,
    },
    /// The resource reached its ready state.
    Ready {
        address: String,
        elapsed_ms: u64,
    },
    Failed {
        address: String,
        operation: &'static str,
        error: String,
    },
    /// Not attempted because something it needs failed.
    Skipped {
        address: String,
        because: String,
    },
    /// Ctrl-C: no new operations start.
    Interrupted,
}

/// Receives events. Called from many tasks; must not block for long.
pub trait EventSink: Send + Sync {
    fn emit(&self, e: Event);
}

/// Discards events.
pub struct NoEvents;

impl EventSink for NoEvents {
    fn emit(&self, _: Event) {}
}

/// Keeps events (tests).
#[derive(Default)]
pub struct Recorded(pub Mutex<Vec<Event>>);

impl EventSink for Recorded {
    fn emit(&self, e: Event) {
        self.0.lock().unwrap_or_else(|p| p.into_inner()).push(e);
    }
}

impl Recorded {
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}
