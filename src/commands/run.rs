//! What the commands that touch state share: the runtime, the session over
//! the stack's state store and this build's reconcilers, the lock held for
//! the whole run, Ctrl-C handling, and the confirmation prompt.

use super::{Failure, load_stack};
use crate::backend::{Cloud, store_for};
use crate::cli::{ColorChoice, StackArgs};
use crate::progress::{JsonEvents, PlainEvents, TerminalEvents};
use stackr_core::model::Stack;
use stackr_engine::events::{EventSink, NoEvents};
use stackr_engine::session::Session;
use std::io::{BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A stack opened for a run.
pub struct Opened {
    pub stack: Stack,
    pub cloud: Cloud,
    pub session: Session,
    pub color_out: bool,
    pub color_err: bool,
    /// Print the AWS calls made when the run ends (`--stats`).
    pub show_stats: bool,
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Message(format!("cannot start the async runtime: {e}")))
}

/// How progress is shown: NDJSON, live on a terminal, or plain lines.
pub fn events(json: bool, color: ColorChoice) -> Arc<dyn EventSink> {
    if json {
        Arc::new(JsonEvents)
    } else if std::io::stderr().is_terminal() {
        Arc::new(TerminalEvents::new(crate::color::stderr(color)))
    } else {
        Arc::new(PlainEvents { color: crate::color::stderr(color) })
    }
}

pub async fn open(a: &StackArgs, color: ColorChoice, events: Option<Arc<dyn EventSink>>) -> Result<Opened, Failure> {
    let stack = load_stack(a, color)?;
    let cloud = Cloud::from_env(&stack.region).await.map_err(Failure::Message)?;
    let store = store_for(&stack.state).await;
    let session = Session {
        store,
        providers: cloud.providers.clone(),
        lookups: cloud.lookups.clone(),
        events: events.unwrap_or_else(|| Arc::new(NoEvents)),
        version: env!("CARGO_PKG_VERSION").to_string(),
        write_interval: Duration::from_millis(200),
    };
    Ok(Opened {
        stack,
        cloud,
        session,
        color_out: crate::color::stdout(color),
        color_err: crate::color::stderr(color),
        show_stats: false,
    })
}

impl Opened {
    /// Engine failures rendered with the stack's sources.
    pub fn fail(&self, e: stackr_engine::EngineError) -> Failure {
        Failure::Engine(e, Some(self.stack.sources.clone()), self.color_err)
    }

    /// Runs `f` holding the state lock; the lock is released on every path.
    pub async fn locked<T>(
        &self,
        command: &str,
        f: impl AsyncFnOnce(&Self) -> Result<T, Failure>,
    ) -> Result<T, Failure> {
        let lock = self.session.lock(command).await.map_err(|e| self.fail(e))?;
        let result = f(self).await;
        let released = self.session.unlock(&lock).await;
        let saved = self.cloud.save();
        if self.show_stats {
            eprint!("{}", crate::stats_view::render(&self.cloud.stats.rows()));
        }
        let value = result?;
        released.map_err(|e| self.fail(e))?;
        saved.map_err(Failure::Message)?;
        Ok(value)
    }
}

/// A cancellation signal set by the first Ctrl-C.
pub fn ctrl_c() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("\ninterrupted: letting running operations finish and saving state (Ctrl-C again to quit now)");
            let _ = tx.send(true);
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    rx
}

/// Asks for confirmation on a terminal; without one, --yes is required.
pub fn confirm(question: &str, yes: bool) -> Result<bool, Failure> {
    if yes {
        return Ok(true);
    }
    if !std::io::stdin().is_terminal() {
        return Err(Failure::Message(
            "standard input is not a terminal, so stackr cannot ask for confirmation: pass --yes".into(),
        ));
    }
    eprint!("{question} Only 'yes' is accepted: ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    std::io::stdin().lock().read_line(&mut line).map_err(|e| Failure::Message(e.to_string()))?;
    Ok(line.trim() == "yes")
}

/// The command line as typed, for lock records.
pub fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    let mut parts = vec!["stackr".to_string()];
    parts.extend(args.into_iter().skip(1));
    parts.join(" ")
}
