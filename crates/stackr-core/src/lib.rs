//! stackr-core: the stack language and the dependency graph.
//!
//! No AWS SDK and no network: everything here is pure computation over
//! stack files, so its tests build and run in seconds.
//!
//! - [`source`], [`diag`]: locations and located errors.
//! - [`yaml`]: a YAML loader that keeps every value's location.
//! - [`value`]: runtime values, including "known after apply".
//! - [`schema`]: resource type declarations (implemented in `stackr-schema`).

pub mod diag;
pub mod schema;
pub mod source;
pub mod value;
pub mod yaml;
