//! stackr-state: the state document and where it is kept.
//!
//! - [`model`]: the JSON document (format version, lineage, serial,
//!   resources, outputs, pending operations).
//! - [`store`]: the [`StateStore`] contract every backend honours.
//! - [`local`]: the local-file backend (the default: `state/<stack>.json`).

pub mod local;
pub mod model;
pub mod store;

pub use model::{FORMAT_VERSION, OutputState, PendingKind, PendingOp, ResourceState, State};
pub use store::{LockInfo, StateError, StateStore, Versioned, check_compatible, parse_state, render_state};
