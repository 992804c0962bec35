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
//! - **No stuck lock.** A lock whose holder died is not held forever: the
//!   local backend's OS lock dies with its process; the S3 backend's lock
//!   is a lease its holder renews, taken over by
//!   [`StateStore::lock_or_take_over`] once stale ([`LockInfo::staleness`]).
//!   A holder that finds it lost its lock writes nothing more
//!   ([`StateError::LockLost`]).
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
///
/// `renewed_at` and `expires_at` are the holder's lease (S3 backend): a
/// holder that keeps running renews them; a lock whose `expires_at` has
/// passed is stale. They are optional in JSON, so lock objects written
/// before leases existed still parse (such a lock has no lease to expire).
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
    /// When the holder last renewed its lease (seconds since the Unix epoch).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub renewed_at: Option<u64>,
    /// When the lease ends unless renewed (seconds since the Unix epoch, by
    /// the holder's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<u64>,
    /// The process table `pid` belongs to ([`this_pid_table`]): a host name
    /// alone does not say that (containers sharing the host's name keep
    /// their own pids). Only a lock whose table is the judge's own can be
    /// found stale because its process is gone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pid_table: Option<String>,
}

/// Why a lock is stale: its holder can no longer be running.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Staleness {
    /// The holder stopped renewing its lease; it ended `ago` seconds ago.
    LeaseExpired { ago: u64 },
    /// The holder ran on this host and its process is gone.
    HolderGone,
}

impl std::fmt::Display for Staleness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Staleness::LeaseExpired { ago } => {
                write!(f, "its lease expired {} ago without being renewed", format_age(*ago))
            }
            Staleness::HolderGone => write!(f, "its process is no longer running on this host"),
        }
    }
}

/// A stale lock that was replaced by a new holder's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TakenOver {
    /// The stale lock as it was found.
    pub previous: LockInfo,
    pub reason: Staleness,
}

impl std::fmt::Display for TakenOver {
    /// "took over the lock of alice@ci-7 on ci-7 (pid 4242, `stackr apply
    /// stacks/dev.yaml`, since 3m12s ago): its process is no longer running
    /// on this host"
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let p = &self.previous;
        write!(
            f,
            "took over the lock of {} on {} (pid {}, `{}`, since {} ago): {}",
            p.who,
            p.host,
            p.pid,
            p.command,
            format_age(crate::model::now_unix().saturating_sub(p.started_at)),
            self.reason
        )
    }
}

/// A duration in seconds, compact: `45s`, `3m12s`, `2h05m`, `3d04h`.
pub fn format_age(secs: u64) -> String {
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => format!("{}m{:02}s", secs / 60, secs % 60),
        3600..86400 => format!("{}h{:02}m", secs / 3600, secs % 3600 / 60),
        _ => format!("{}d{:02}h", secs / 86400, secs % 86400 / 3600),
    }
}

/// This machine's name as lock records give it: the kernel's host name
/// where it can be read, else `HOSTNAME`, else `/etc/hostname`.
pub fn this_host() -> String {
    let read = |path: &str| std::fs::read_to_string(path).ok().map(|h| h.trim().to_string());
    read("/proc/sys/kernel/hostname")
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .filter(|h| !h.is_empty())
        .or_else(|| read("/etc/hostname"))
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| UNKNOWN_HOST.into())
}

/// Names the process table of this process: on Linux the boot id and the
/// pid namespace (`<boot_id>/pid:[<inode>]`), so a pid seen here means the
/// same process as one recorded here; `None` where that cannot be told.
pub fn this_pid_table() -> Option<String> {
    let boot = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    let ns = std::fs::read_link("/proc/self/ns/pid").ok()?;
    Some(format!("{}/{}", boot.trim(), ns.display()))
}

/// The host recorded when the host name cannot be read; never "this host".
pub const UNKNOWN_HOST: &str = "unknown-host";

impl LockInfo {
    /// Describes this process as a lock holder.
    pub fn for_this_process(command: &str) -> LockInfo {
        let host = this_host();
        let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
        let started_at = crate::model::now_unix();
        LockInfo {
            id: crate::model::new_lineage(command),
            who: format!("{user}@{host}"),
            host,
            pid: std::process::id(),
            command: command.to_string(),
            started_at,
            renewed_at: None,
            expires_at: None,
            pid_table: this_pid_table(),
        }
    }

    /// Whether this lock is stale at `now` (seconds since the Unix epoch),
    /// judged on host `here` with process table `pids` ([`this_pid_table`]),
    /// where `alive(pid)` tells whether a process runs. Stale means: its
    /// lease has expired (`now > expires_at`: a lease lasts at least its
    /// full length), or it was taken on this very host and process table by
    /// a process that is gone. A lock without a lease is never stale by the
    /// first rule; one of an unknown host, pid or process table never by
    /// the second.
    pub fn staleness(
        &self,
        now: u64,
        here: &str,
        pids: Option<&str>,
        alive: impl Fn(u32) -> bool,
    ) -> Option<Staleness> {
        if let Some(expires_at) = self.expires_at
            && now > expires_at
        {
            return Some(Staleness::LeaseExpired { ago: now - expires_at });
        }
        let same_table = pids.is_some() && self.pid_table.as_deref() == pids;
        let same_host = self.host == here && here != UNKNOWN_HOST && here != "unknown" && same_table;
        if same_host && self.pid != 0 && !alive(self.pid) {
            return Some(Staleness::HolderGone);
        }
        None
    }

    /// "held by alice@build-1 on build-1 (pid 4242, `stackr apply ...`) for 3m12s
    /// (since 2026-11-25T10:00:00Z; lease renewed 4s ago), lock id X"
    pub fn describe(&self) -> String {
        let since = std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.started_at);
        let now = crate::model::now_unix();
        let lease = self
            .renewed_at
            .map(|r| format!("; lease renewed {} ago", format_age(now.saturating_sub(r))))
            .unwrap_or_default();
        format!(
            "held by {} on {} (pid {}, `{}`) for {} (since {}{lease}), lock id {}",
            self.who,
            self.host,
            self.pid,
            self.command,
            format_age(now.saturating_sub(self.started_at)),
            humantime::format_rfc3339_seconds(since),
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
    #[error(
        "the state at {location} is no longer the version this run read{}: another run wrote it, or it was deleted or \
         restored meanwhile",
        .expected.as_deref().map(|v| format!(" ({})", v.trim_matches('"'))).unwrap_or_default()
    )]
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
    #[error(
        "this run no longer holds the lock of {location}: {reason}; nothing more was written to the state, \
         run the command again"
    )]
    LockLost { location: String, reason: String },
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

    /// Takes the lock like [`lock`](StateStore::lock); a backend whose locks
    /// can go stale (see [`LockInfo::staleness`]) also takes over a stale
    /// one, atomically, and says whose it replaced. The default suits
    /// backends whose locks cannot go stale (the local `flock`).
    async fn lock_or_take_over(&self, info: &LockInfo) -> Result<Option<TakenOver>, StateError> {
        self.lock(info).await.map(|()| None)
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(host: &str, pid: u32, expires_at: Option<u64>) -> LockInfo {
        LockInfo {
            id: "run-1".into(),
            who: format!("alice@{host}"),
            host: host.into(),
            pid,
            command: "stackr apply stacks/dev.yaml".into(),
            started_at: 1_000,
            renewed_at: expires_at.map(|e| e - 60),
            expires_at,
            pid_table: Some(format!("boot-{host}/pid:[1]")),
        }
    }

    #[test]
    fn a_lock_is_stale_when_its_lease_ended_or_its_local_process_is_gone() {
        const T: Option<&str> = Some("boot-laptop/pid:[1]");
        let alive = |_| true;
        let dead = |_| false;
        // A live lease on another host: held, whatever its pid.
        assert_eq!(holder("ci-7", 42, Some(2_000)).staleness(1_990, "laptop", T, dead), None);
        // A lease lasts its full length: stale only once `now` is past it.
        assert_eq!(holder("ci-7", 42, Some(2_000)).staleness(2_000, "laptop", T, dead), None);
        assert_eq!(
            holder("ci-7", 42, Some(2_000)).staleness(2_012, "laptop", T, alive),
            Some(Staleness::LeaseExpired { ago: 12 })
        );
        // Same host: the process decides, before the lease ends.
        assert_eq!(holder("laptop", 42, Some(2_000)).staleness(1_990, "laptop", T, dead), Some(Staleness::HolderGone));
        assert_eq!(holder("laptop", 42, Some(2_000)).staleness(1_990, "laptop", T, alive), None);
        // No lease (an older stackr's lock): only a gone local process makes it stale.
        assert_eq!(holder("ci-7", 42, None).staleness(u64::MAX, "laptop", T, dead), None);
        assert_eq!(holder("laptop", 42, None).staleness(u64::MAX, "laptop", T, dead), Some(Staleness::HolderGone));
        // Same name, another process table (a container, a reboot): only the lease counts.
        for other in [Some("boot-laptop/pid:[2]"), Some("boot-2/pid:[1]"), None] {
            assert_eq!(holder("laptop", 42, Some(2_000)).staleness(1_990, "laptop", other, dead), None);
        }
        let mut untabled = holder("laptop", 42, None);
        untabled.pid_table = None;
        assert_eq!(untabled.staleness(u64::MAX, "laptop", T, dead), None);
        // Unknown hosts and pids never match "this host".
        assert_eq!(
            holder(UNKNOWN_HOST, 42, None).staleness(0, UNKNOWN_HOST, Some("boot-unknown-host/pid:[1]"), dead),
            None
        );
        assert_eq!(holder("laptop", 0, None).staleness(0, "laptop", T, dead), None);
    }

    #[test]
    fn lock_records_without_a_lease_still_parse_and_leases_round_trip() {
        let old = br#"{"id":"x","who":"a@b","host":"b","pid":1,"command":"stackr apply","started_at":5}"#;
        let info: LockInfo = serde_json::from_slice(old).expect("an older lock record parses");
        assert_eq!((info.renewed_at, info.expires_at), (None, None));
        let text = serde_json::to_string(&info).unwrap();
        assert!(!text.contains("expires_at"), "no lease, no field: {text}");
        let leased = holder("ci-7", 42, Some(2_000));
        let back: LockInfo = serde_json::from_str(&serde_json::to_string(&leased).unwrap()).unwrap();
        assert_eq!(back, leased);
    }

    #[test]
    fn ages_are_compact_and_messages_name_the_holder() {
        assert_eq!(format_age(0), "0s");
        assert_eq!(format_age(59), "59s");
        assert_eq!(format_age(192), "3m12s");
        assert_eq!(format_age(7_500), "2h05m");
        assert_eq!(format_age(3 * 86_400 + 4 * 3600 + 5), "3d04h");
        let h = holder("ci-7", 42, Some(2_000));
        let d = h.describe();
        for part in ["held by alice@ci-7 on ci-7", "pid 42", "`stackr apply stacks/dev.yaml`", "lock id run-1"] {
            assert!(d.contains(part), "{d}");
        }
        let t = TakenOver { previous: h, reason: Staleness::HolderGone }.to_string();
        assert!(t.starts_with("took over the lock of alice@ci-7 on ci-7 (pid 42, `stackr apply"), "{t}");
        assert!(t.ends_with("its process is no longer running on this host"), "{t}");
    }
}
