//! stackr-core: the stack language and the dependency graph.
//!
//! No AWS SDK and no network: everything here is pure computation over
//! stack files, so its tests build and run in seconds.
//!
//! - [`source`], [`diag`]: locations and located errors.
//! - [`yaml`]: a YAML loader that keeps every value's location.
//! - [`value`]: runtime values, including "known after apply".
//! - [`expr`]: the `${...}` expression language.
//! - [`schema`]: resource type declarations (implemented in `stackr-schema`).
//! - [`lang`]: stack files → a resolved, checked [`model::Stack`] ([`lang::load`]).
//! - [`graph`], [`render`]: the dependency graph and its renderings.
//! - [`regions`]: the AWS regions a stack may name.

pub mod diag;
pub mod duration;
pub mod expr;
pub mod graph;
pub mod jsonschema;
pub mod lang;
pub mod model;
pub mod policy;
pub mod regions;
pub mod render;
pub mod schema;
pub mod source;
pub mod value;
pub mod yaml;

pub use lang::{LoadError, VarInputs, load, load_text};
pub use model::{Address, Stack};
