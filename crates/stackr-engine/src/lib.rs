//! stackr-engine: from a resolved stack and its state to AWS matching it.
//!
//! - [`reconciler`]: the contract each resource type implements.
//! - [`refresh`]: batched observation of everything in state; data look-ups.
//! - [`diff`]: the pure, generic field-by-field diff.
//! - [`plan`]: steps (create, update, replace, delete) with causes (config
//!   change, drift, removal), savable and applied exactly.
//! - [`apply`]: the parallel executor with readiness-aware scheduling.
//! - [`persist`]: coalesced state writes during a run.
//! - [`pending`]: resolving operations an interrupted run left journaled.
//! - [`events`]: progress events for the terminal and `--json`.
//! - [`fake`]: an in-memory cloud implementing the contract for any type
//!   (engine tests, benchmarks).
//!
//! No AWS SDK here: reconcilers live in `stackr-aws`.

pub mod apply;
pub mod clock;
pub mod critical;
pub mod diff;
pub mod error;
pub mod events;
pub mod failure;
pub mod fake;
pub mod moves;
pub mod ops;
pub mod pending;
pub mod persist;
pub mod plan;
pub mod reconciler;
pub mod recorded;
pub mod refresh;
mod replace_first;
mod schedule;
pub mod secret;
pub mod session;
mod task;

pub use error::EngineError;
pub use task::Polling;
