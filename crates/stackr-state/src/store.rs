//! The `StateStore` contract, implemented by the local-file backend here and
//! the S3 backend in `stackr-state-s3`.
//!
//! # Guarantees every backend gives
//!
//! - **Exclusive lock.** `lock` succeeds for one holder at a time; a refused
//!   lock returns [`StateError::Locked`] with the holder's [`LockInfo`]
//!   within 2 s (no waiting for the holder).
//! - **No lost update.** `save` writes only if the stored version is still
//!   `expected` (compare-and-swap); otherwise [`StateError::Conflict`].
//! - **Atomic writes.** A reader sees the old document or the new one, never
//!   a mix or a truncation.
//! - **Refusal, never overwrite.** A document that does not parse, has a
//!   newer format, or belongs to another stack or lineage is refused by
//!   `load` ([`check_compatible`]) and left untouched.
//!
//! # Assumptions
//!
//! Callers hold the lock around any `load`–`save` sequence, and save only
//! states whose `serial` is greater than the one loaded.

use crate::model::{FORMAT_VERSION, State};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};

/// Who holds a lock, shown when another run is refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockInfo {
    /// Random id; `stackr unlock ID` names it.
    pub id: String,
    /// user@host
    pub who: String,
    pub host: String,
    pub pid: u32,
    /// e.g. `stackr apply stacks/prod.yaml`
    pub command: String,
    /// Seconds since the Unix epoch.
    pub started_at: u64,
}

impl LockInfo {
    /// Describes this process as a lock holder.
    pub fn for_this_process(command: &str) -> LockInfo {
        let host = std::env::var("HOSTNAME")
            .ok()
            .or_else(|| std::fs::read_to_string("/etc/hostname").ok().map(|h| h.trim().to_string()))
            .filter(|h| !h.is_empty())
            .unwrap_or_else(|| "unknown-host".into());
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        let started_at = crate::model::now_unix();
        LockInfo {
            id: crate::model::new_lineage(command),
            who: format!("{user}@{host}"),
            host,
            pid: std::process::id(),
            command: command.to_string(),
            started_at,
        }
    }

    /// "held by alice@build-1 (pid 4242) running `stackr apply ...` since 2026-11-25T10:00:00Z (3m ago), lock id X"
    pub fn describe(&self) -> String {
        let since = std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.started_at);
        let age = crate::model::now_unix().saturating_sub(self.started_at);
        format!(
            "held by {} (pid {}) running `{}` since {} ({} ago), lock id {}",
            self.who,
            self.pid,
            self.command,
            humantime::format_rfc3339_seconds(since),
            humantime::format_duration(std::time::Duration::from_secs(age)),
            self.id
        )
    }
}

/// A state as stored, with the version a compare-and-swap write names.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    pub state: State,
    /// S3: the ETag. Local: the serial as text.
    pub version: String,
}

#[derive(Debug, thiserror::Error)]
pub enum StateError {
    #[error("the state at {location} is locked: {}", .holder.describe())]
    Locked { location: String, holder: Box<LockInfo> },
    #[error("the state at {location} changed since it was read (expected version {expected:?}); another run wrote it")]
    Conflict { location: String, expected: Option<String> },
    #[error("the state at {location} is not a valid state file: {reason}; it was left untouched")]
    Corrupt { location: String, reason: String },
    #[error(
        "the state at {location} has format version {found}, newer than this stackr reads ({FORMAT_VERSION}); upgrade stackr"
    )]
    NewerFormat { location: String, found: u32 },
    #[error("the state at {location} belongs to stack `{found}`, not `{expected}`; check the stack's `state` settings")]
    OtherStack { location: String, found: String, expected: String },
    #[error(
        "the state at {location} has lineage {found}, not {expected}: it is a different state, not a newer version of this one"
    )]
    OtherLineage { location: String, found: String, expected: String },
    #[error("no lock with id {id} at {location}{}", .held.as_ref().map(|h| format!(" (the current lock is {})", h.describe())).unwrap_or_default())]
    NoSuchLock { location: String, id: String, held: Option<Box<LockInfo>> },
    #[error("{location}: {message}")]
    Backend { location: String, message: String },
}

/// Where stackr keeps a stack's state.
#[async_trait]
pub trait StateStore: Send + Sync {
    /// `state/dev.json` or `s3://bucket/key`.
    fn location(&self) -> String;

    /// Takes the lock, or returns [`StateError::Locked`] naming the holder.
    async fn lock(&self, info: &LockInfo) -> Result<(), StateError>;

    /// Releases the lock this process holds with `id`.
    async fn unlock(&self, id: &str) -> Result<(), StateError>;

    /// The current lock holder, if any.
    async fn lock_holder(&self) -> Result<Option<LockInfo>, StateError>;

    /// Removes a lock left by a crashed run (`stackr unlock ID`); the id
    /// must match the lock's, so a live run's newer lock is never removed.
    async fn force_unlock(&self, id: &str) -> Result<LockInfo, StateError>;

    /// The stored state, or `None` when there is none yet.
    async fn load(&self) -> Result<Option<Versioned>, StateError>;

    /// Writes `state` if the stored version is still `expected` (`None`:
    /// nothing stored yet). Returns the new version.
    async fn save(&self, state: &State, expected: Option<&str>) -> Result<String, StateError>;
}

/// Parses a state document, refusing truncated, foreign-format and newer-format ones.
pub fn parse_state(bytes: &[u8], location: &str) -> Result<State, StateError> {
    let corrupt = |reason: String| StateError::Corrupt { location: location.to_string(), reason };
    let raw: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    let found = raw
        .get("format_version")
        .and_then(serde_json::Value::as_u64)
        .ok_or_else(|| corrupt("it has no format_version".into()))?;
    if found > FORMAT_VERSION as u64 {
        return Err(StateError::NewerFormat { location: location.to_string(), found: found as u32 });
    }
    serde_json::from_value(raw).map_err(|e| corrupt(e.to_string()))
}

/// Serializes a state (pretty, stable key order).
pub fn render_state(state: &State) -> Vec<u8> {
    let mut v = serde_json::to_vec_pretty(state).unwrap_or_default();
    v.push(b'\n');
    v
}

/// Refuses a state that belongs to another stack, or (when the caller knows
/// the lineage it expects) to another birth of the state.
pub fn check_compatible(state: &State, location: &str, stack: &str, lineage: Option<&str>) -> Result<(), StateError> {
    if state.stack != stack {
        return Err(StateError::OtherStack {
            location: location.to_string(),
            found: state.stack.clone(),
            expected: stack.to_string(),
        });
    }
    if let Some(expected) = lineage
        && state.lineage != expected
    {
        return Err(StateError::OtherLineage {
            location: location.to_string(),
            found: state.lineage.clone(),
            expected: expected.to_string(),
        });
    }
    Ok(())
}
