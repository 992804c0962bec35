//! What the commands that touch state share: the runtime, the session over
//! the stack's state store and this build's reconcilers, the lock held for
//! the whole run, Ctrl-C handling, and the confirmation prompt.
//!
//! The lock: [`Opened::locked`] takes it (taking over a stale one, which
//! it says on stderr: "took over the lock of ..."), runs the command and
//! releases it on every path. A live lock is refused at once naming its
//! holder, with the `stackr unlock` command that would remove it.

use super::{Failure, load_stack};
use crate::backend::{Cloud, store_for};
use crate::cli::{ColorChoice, StackArgs};
use crate::progress::{JsonEvents, PlainEvents, TerminalEvents};
use stackr_core::model::Stack;
use stackr_engine::events::{EventSink, NoEvents};
use stackr_engine::session::Session;
use stackr_state::{LockInfo, StateError};
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
    /// `stackr unlock FILE [--var ...]` for this stack, as typed (the lock id follows).
    pub unlock_command: String,
    /// How long to wait for another run's lock (`--lock-timeout`).
    pub lock_timeout: Duration,
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| Failure::Message(format!("cannot start the async runtime: {e}")))
}

/// How progress is shown: NDJSON, live on a terminal, or plain lines on
/// standard output (like the plan; errors go to standard error).
pub fn events(json: bool, color: ColorChoice) -> Arc<dyn EventSink> {
    if json {
        Arc::new(JsonEvents)
    } else if std::io::stdout().is_terminal() && std::io::stderr().is_terminal() {
        Arc::new(TerminalEvents::new(crate::color::stderr(color)))
    } else {
        Arc::new(PlainEvents::new(crate::color::stdout(color)))
    }
}

pub async fn open(a: &StackArgs, color: ColorChoice, events: Option<Arc<dyn EventSink>>) -> Result<Opened, Failure> {
    open_as(a, color, events, false).await
}

/// [`open`] for commands that work from state (destroy, `state`, `output`,
/// `unlock`): a look-up a `for_each` iterates that cannot be read (what it
/// found is gone, another stack destroyed) is warned about, not fatal, so
/// what state holds can still be destroyed, listed and moved.
pub async fn open_from_state(
    a: &StackArgs,
    color: ColorChoice,
    events: Option<Arc<dyn EventSink>>,
) -> Result<Opened, Failure> {
    open_as(a, color, events, true).await
}

async fn open_as(
    a: &StackArgs,
    color: ColorChoice,
    events: Option<Arc<dyn EventSink>>,
    from_state: bool,
) -> Result<Opened, Failure> {
    let mut stack = load_stack(a, color)?;
    let mut cloud = Cloud::from_env(&stack.region).await.map_err(Failure::Message)?;
    let base = stack.path.parent().map(std::path::Path::to_path_buf).unwrap_or_default();
    cloud.lookups.register(Arc::new(crate::stack_outputs::StackOutputs { base }));
    if !stack.for_each_lookups.is_empty() {
        // A `for_each` iterates a look-up's result: read it, then load the
        // stack again with its value, so its instances are known to plan.
        match stackr_engine::refresh::read_for_each_lookups(&stack, &cloud.lookups).await {
            Ok(data) => {
                let mut inputs = super::var_inputs(a)?;
                inputs.data = data;
                match stackr_core::load(&a.file, &inputs, &stackr_schema::Types) {
                    Ok(s) => stack = s,
                    // What it found no longer gives instances (another
                    // stack's outputs gone).
                    Err(e) if from_state => {
                        let first = e.diagnostics.iter().next().map(|d| d.message.clone()).unwrap_or_default();
                        eprintln!(
                            "warning: a `for_each` over a look-up gives no instances now ({first}); the resources \
                             it made are taken as state has them, and this command works from state"
                        );
                    }
                    Err(e) => return Err(Failure::Stack(e, crate::color::stderr(color))),
                }
            }
            Err(e) if from_state => eprintln!(
                "warning: {e}; the resources whose `for_each` iterates it are taken as state has them, and this \
                 command works from state"
            ),
            Err(e) => return Err(Failure::Engine(e, Some(stack.sources.clone()), crate::color::stderr(color))),
        }
    }
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
        unlock_command: unlock_command(a),
        lock_timeout: a.lock_timeout,
    })
}

/// `stackr unlock` with the stack file and variables as given (they may
/// choose the state's location), quoted for a POSIX shell where needed.
fn unlock_command(a: &StackArgs) -> String {
    let mut parts = vec!["stackr".to_string(), "unlock".into(), shell_word(&a.file.to_string_lossy())];
    for v in &a.vars {
        parts.extend(["--var".into(), shell_word(v)]);
    }
    for f in &a.var_files {
        parts.extend(["--var-file".into(), shell_word(&f.to_string_lossy())]);
    }
    parts.join(" ")
}

fn shell_word(w: &str) -> String {
    let plain = !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric() || "_./=:@,+-".contains(c));
    if plain { w.to_string() } else { format!("'{}'", w.replace('\'', "'\\''")) }
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
        let lock = LockInfo::for_this_process(command);
        let deadline = tokio::time::Instant::now() + self.lock_timeout;
        let mut said = false;
        let mut taken = self.session.store.lock_or_take_over(&lock).await;
        // `--lock-timeout`: wait for the other run, checking every 2 s.
        while matches!(taken, Err(StateError::Locked { .. })) && tokio::time::Instant::now() < deadline {
            if let (false, Err(StateError::Locked { holder, .. })) = (said, &taken) {
                eprintln!("waiting up to {:?} for the lock, {}", self.lock_timeout, holder.describe());
                said = true;
            }
            tokio::time::sleep(Duration::from_secs(2).min(deadline - tokio::time::Instant::now())).await;
            taken = self.session.store.lock_or_take_over(&lock).await;
        }
        match taken {
            Ok(None) => {}
            Ok(Some(taken)) => eprintln!("{taken}"),
            // A local state's lock is the holding process's own (an OS
            // lock): it goes when that process exits, and only then.
            Err(StateError::Locked { location, holder }) if !location.starts_with("s3://") => {
                return Err(Failure::Message(format!(
                    "the state at {location} is locked: {}\n  The lock of a local state is held by a running \
                     process and goes when it exits; wait for that run to end (or use --lock-timeout), or stop \
                     it if it is stuck",
                    holder.describe(),
                )));
            }
            Err(StateError::Locked { location, holder }) => {
                return Err(Failure::Message(format!(
                    "the state at {location} is locked: {}\n  A run that stops renewing its lock loses it by itself \
                     once its lease ends (or at once when its process is gone from this host). If you are sure \
                     that run is dead, remove its lock with:\n    {} {}",
                    holder.describe(),
                    self.unlock_command,
                    shell_word(&holder.id)
                )));
            }
            Err(e) => return Err(self.fail(e.into())),
        }
        let result = f(self).await;
        let released = self.session.store.unlock(&lock.id).await.map_err(stackr_engine::EngineError::from);
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

/// Ctrl-C, or SIGTERM (what `kill`, CI cancellation and container
/// shutdown send): both ask stackr to stop the same way.
async fn interrupt() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// A cancellation signal set by the first interrupt (Ctrl-C or SIGTERM):
/// operations already sent finish, state is saved, the lock is released.
/// A second interrupt quits at once, saying what that may leave.
pub fn ctrl_c() -> watch::Receiver<bool> {
    let (tx, rx) = watch::channel(false);
    tokio::spawn(async move {
        // Told with errors ignored: stderr may be a pipe whose reader is
        // gone (a CI log, `| head`), where `eprintln!` would panic this
        // task and the interrupt would never be acted on.
        interrupt().await;
        let _ = tx.send(true);
        say("\ninterrupted: letting running operations finish and saving state (interrupt again to quit now)");
        interrupt().await;
        say("quitting now: operations already sent to AWS may finish without being recorded in state (each was \
             journaled first: the next apply finds and adopts what they made), and the state lock stays until its \
             lease ends or `stackr unlock` removes it");
        std::process::exit(130);
    });
    rx
}

/// A line on stderr, whether or not anyone still reads it.
fn say(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// Asks for confirmation on a terminal; without one, --yes is required.
pub async fn confirm(question: &str, yes: bool) -> Result<bool, Failure> {
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
    // Read on a thread of its own, so that an interrupt at the prompt is
    // an answer (no) and the run still releases its lock.
    let (tx, rx) = tokio::sync::oneshot::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let read = std::io::stdin().lock().read_line(&mut line).map(|_| line);
        let _ = tx.send(read);
    });
    tokio::select! {
        answer = rx => match answer {
            Ok(Ok(line)) => Ok(line.trim() == "yes"),
            Ok(Err(e)) => Err(Failure::Message(e.to_string())),
            Err(_) => Ok(false),
        },
        _ = interrupt() => {
            eprintln!("\ninterrupted at the prompt");
            Ok(false)
        }
    }
}

/// The command line as typed, for lock records.
pub fn command_line() -> String {
    let args: Vec<String> = std::env::args().collect();
    let mut parts = vec!["stackr".to_string()];
    parts.extend(args.into_iter().skip(1));
    parts.join(" ")
}
