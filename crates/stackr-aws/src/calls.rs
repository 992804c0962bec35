//! The AWS operations each resource type's reconciler (or look-up) calls,
//! found in its source when the crate is built (`build.rs`): what
//! `stackr schema` lists beside each type.

include!(concat!(env!("OUT_DIR"), "/calls.rs"));

/// The operations the resource type (or, with `lookup`, the look-up)
/// `kind` calls, sorted; empty for one this crate does not implement.
pub fn of(kind: &str, lookup: bool) -> &'static [&'static str] {
    CALLS.iter().find(|(k, l, _)| *k == kind && *l == lookup).map(|(_, _, ops)| *ops).unwrap_or(&[])
}
