//! Showing a run as it goes: live spinners on a terminal (indicatif), plain
//! lines elsewhere, NDJSON with `--json` (one event per line, for CI).

use crate::color::paint;
use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use stackr_engine::events::{Event, EventSink};
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// The version of the `--json` event stream. Every line is one JSON
/// object with `"version"`, `"time"` (Unix milliseconds) and `"event"`:
/// `plan` (the plan, as `diff --json` shows it), `started`, `waiting`,
/// `done`, `ready`, `failed`, `skipped`, `interrupted`, `summary`,
/// `outputs`, and `error` (with located `diagnostics` when the stack has
/// errors).
pub const EVENTS_VERSION: u32 = 1;

/// When set (`--json`), errors are also written as an `error` event.
pub static JSON_ERRORS: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Writes one line of the `--json` stream: `fields` with the version, the
/// time and the event's name.
pub fn json_line(event: &str, fields: serde_json::Value) {
    let mut obj = match fields {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let time = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    obj.insert("version".into(), serde_json::json!(EVENTS_VERSION));
    obj.insert("time".into(), serde_json::json!(time));
    obj.insert("event".into(), serde_json::json!(event));
    if let Ok(line) = serde_json::to_string(&obj) {
        let mut out = std::io::stdout().lock();
        let _ = writeln!(out, "{line}");
    }
}

/// NDJSON events on standard output.
pub struct JsonEvents;

impl EventSink for JsonEvents {
    fn emit(&self, e: Event) {
        if let Ok(serde_json::Value::Object(mut m)) = serde_json::to_value(&e) {
            let name = m.remove("event").and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            json_line(&name, serde_json::Value::Object(m));
        }
    }
}

/// One line per finished operation, for logs and pipes; while an operation
/// waits on AWS (a distribution deploying, a cluster being created), a line
/// every [`WAIT_LINE_EVERY`] of AWS time saying so, so that a CI log shows
/// the run is alive and what it waits for.
pub struct PlainEvents {
    color: bool,
    /// The elapsed time (ms) of the last waiting line printed, by address.
    waits: Mutex<HashMap<String, u64>>,
}

/// How often a waiting operation gets a line.
const WAIT_LINE_EVERY: Duration = Duration::from_secs(10);

impl PlainEvents {
    pub fn new(color: bool) -> Self {
        PlainEvents { color, waits: Mutex::new(HashMap::new()) }
    }

    fn waiting_line(&self, address: &str, operation: &str, status: &str, elapsed_ms: u64) -> Option<String> {
        let mut waits = self.waits.lock().unwrap_or_else(|p| p.into_inner());
        let last = waits.get(address).copied().unwrap_or(0);
        if elapsed_ms < last + WAIT_LINE_EVERY.as_millis() as u64 {
            return None;
        }
        waits.insert(address.to_string(), elapsed_ms);
        let elapsed = stackr_engine::clock::human(Duration::from_millis(elapsed_ms));
        Some(format!("  {address}: still {}, {elapsed}, {status}", ing(operation)))
    }
}

impl EventSink for PlainEvents {
    fn emit(&self, e: Event) {
        let line = match &e {
            Event::Waiting { address, operation, status, elapsed_ms } => {
                self.waiting_line(address, operation, status, *elapsed_ms)
            }
            _ => line_for(&e, self.color),
        };
        if let Some(line) = line {
            // Progress is output, like the plan: standard output.
            outln!("{line}");
        }
    }
}

fn line_for(e: &Event, on: bool) -> Option<String> {
    Some(match e {
        Event::Done { address, operation, elapsed_ms } => {
            format!("{} {address}: {} ({:.1}s)", paint(on, "32", "✓"), past(operation), *elapsed_ms as f64 / 1000.0)
        }
        Event::Ready { address, elapsed_ms } => {
            format!("{} {address}: ready ({:.1}s)", paint(on, "32", "✓"), *elapsed_ms as f64 / 1000.0)
        }
        Event::Failed { address, operation, error } => {
            format!("{} {address}: {operation} failed: {error}", paint(on, "31", "✗"))
        }
        Event::Skipped { address, because } => {
            format!("{} {address}: skipped, because {because} failed", paint(on, "33", "-"))
        }
        Event::Interrupted => "interrupted: no new operations start; running ones finish".into(),
        Event::Started { .. } | Event::Waiting { .. } => return None,
    })
}

fn past(op: &str) -> &'static str {
    match op {
        "create" => "created",
        "update" => "updated",
        "delete" => "deleted",
        "check" => "checked, unchanged",
        _ => "done",
    }
}

fn ing(op: &str) -> &'static str {
    match op {
        "create" => "creating",
        "update" => "updating",
        "delete" => "deleting",
        "check" => "checking",
        _ => "working",
    }
}

/// Live progress on a terminal: a spinner with elapsed time per running
/// operation, a line when each one ends.
pub struct TerminalEvents {
    multi: MultiProgress,
    bars: Mutex<HashMap<String, ProgressBar>>,
    color: bool,
}

impl TerminalEvents {
    pub fn new(color: bool) -> Self {
        TerminalEvents { multi: MultiProgress::new(), bars: Mutex::new(HashMap::new()), color }
    }

    fn bar(&self, address: &str, message: String) {
        let mut bars = self.bars.lock().unwrap_or_else(|p| p.into_inner());
        let bar = bars.entry(address.to_string()).or_insert_with(|| {
            let b = self.multi.add(ProgressBar::new_spinner());
            b.set_style(
                ProgressStyle::with_template("  {spinner} {msg} [{elapsed}]")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            b.enable_steady_tick(Duration::from_millis(120));
            b
        });
        bar.set_message(message);
    }

    fn finish(&self, address: &str, line: Option<String>) {
        if let Some(b) = self.bars.lock().unwrap_or_else(|p| p.into_inner()).remove(address) {
            b.finish_and_clear();
            self.multi.remove(&b);
        }
        if let Some(l) = line {
            let _ = self.multi.println(l);
        }
    }
}

impl EventSink for TerminalEvents {
    fn emit(&self, e: Event) {
        match &e {
            Event::Started { address, operation } => self.bar(address, format!("{address}: {}", ing(operation))),
            Event::Waiting { address, status, .. } => self.bar(address, format!("{address}: {status}")),
            Event::Done { address, .. } => {
                // Readiness may follow; the line is printed now.
                self.finish(address, line_for(&e, self.color));
            }
            Event::Ready { address, .. } | Event::Failed { address, .. } | Event::Skipped { address, .. } => {
                self.finish(address, line_for(&e, self.color))
            }
            Event::Interrupted => {
                let _ = self.multi.println(line_for(&e, self.color).unwrap_or_default());
            }
        }
    }
}
