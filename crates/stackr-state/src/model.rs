//! The state document: what stackr knows exists, written after every
//! completed operation.
//!
//! JSON, with a format version (a newer format is refused, never
//! overwritten), the stack name, a lineage fixed when the state is born (a
//! state from another stack or another birth is refused) and a serial that
//! grows with every write. Secrets never enter it: reconcilers drop secret
//! properties before they reach [`ResourceState::properties`].

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The format this build writes and the newest it reads.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct State {
    pub format_version: u32,
    /// The stackr version that last wrote this state.
    pub stackr_version: String,
    pub stack: String,
    /// Fixed at birth; identifies this state across writes.
    pub lineage: String,
    /// Grows by one with every write.
    pub serial: u64,
    /// Resource instances by address (`vpc`, `subnet[ap-northeast-1a]`).
    #[serde(default)]
    pub resources: BTreeMap<String, ResourceState>,
    #[serde(default)]
    pub outputs: BTreeMap<String, OutputState>,
    /// Operations started but not known to have finished, by address. A
    /// later run resolves each (finds and adopts, or forgets) before planning.
    #[serde(default)]
    pub pending: BTreeMap<String, PendingOp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ResourceState {
    /// `aws.ec2.vpc`
    #[serde(rename = "type")]
    pub kind: String,
    pub region: String,
    /// The AWS identifier the reconciler finds the resource by.
    pub id: String,
    /// The properties last applied (secrets removed).
    #[serde(default)]
    pub properties: serde_json::Map<String, serde_json::Value>,
    /// The attributes last observed.
    #[serde(default)]
    pub attributes: serde_json::Map<String, serde_json::Value>,
    /// Addresses this instance depends on (destroy runs in reverse).
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Destroy refuses it unless explicitly allowed. Kept in state so that
    /// removing `protect` from the stack file does not unprotect it.
    #[serde(default)]
    pub protect: bool,
    /// `lifecycle.retain` as last applied: when the resource leaves the
    /// stack (or the stack is destroyed) it is forgotten, not deleted.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub retain: bool,
    /// For secret properties, a digest (SHA-256 over the state's lineage
    /// and the value) instead of the value, so a changed secret is noticed
    /// without the secret ever being stored.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_digests: BTreeMap<String, String>,
    /// Made or changed, but not seen ready yet: the run stopped waiting
    /// (interrupted, killed, timed out) before AWS said so. The next apply
    /// waits for it, even with nothing else to do.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unready: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputState {
    pub value: serde_json::Value,
    #[serde(default)]
    pub sensitive: bool,
    /// A sensitive output's digest (salted by the lineage) as applied; its
    /// value is never stored. `stackr output NAME` prints the value only
    /// while the stack still gives this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PendingKind {
    Create,
    Update,
    Delete,
}

/// An operation journaled before its AWS call.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PendingOp {
    pub op: PendingKind,
    #[serde(rename = "type")]
    pub kind: String,
    pub region: String,
    /// The idempotency token / deterministic name used for the call, so a
    /// later run can find what it made.
    pub token: String,
    /// The AWS id when known (updates, deletes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Seconds since the Unix epoch.
    pub started_at: u64,
    /// What the resource will depend on and whether it is protected, so an
    /// adopted resource keeps its place in destroy order and its protection.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub protect: bool,
    /// The create's properties (secrets removed) once known, for finding a
    /// resource by its name.
    #[serde(default, skip_serializing_if = "serde_json::Map::is_empty")]
    pub properties: serde_json::Map<String, serde_json::Value>,
}

impl State {
    /// A new, empty state for a stack, with a fresh lineage.
    pub fn new(stack: &str, stackr_version: &str) -> State {
        State {
            format_version: FORMAT_VERSION,
            stackr_version: stackr_version.to_string(),
            stack: stack.to_string(),
            lineage: new_lineage(stack),
            serial: 0,
            resources: BTreeMap::new(),
            outputs: BTreeMap::new(),
            pending: BTreeMap::new(),
        }
    }
}

/// A lineage: unique enough to tell two births of a state apart.
pub fn new_lineage(stack: &str) -> String {
    use std::hash::{BuildHasher, Hasher};
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write(stack.as_bytes());
    h.write_u128(now.as_nanos());
    h.write_u32(std::process::id());
    format!("{:016x}-{:08x}", h.finish(), now.as_secs() as u32)
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}
