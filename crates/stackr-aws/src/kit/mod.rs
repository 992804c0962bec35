//! The reconciler kit: what every resource type shares, whatever its
//! service. A type written on it supplies only what is its own (its calls
//! and the mapping between its schema names and the SDK's fields):
//!
//! - [`calls`]: typed errors for the usual refusals ([`invalid`],
//!   [`not_in_place`], [`vanished`]), "not found is fine" ([`tolerate`]),
//!   short in-call waits ([`poll`], [`eventually`]) and paginated listing
//!   ([`collect!`](crate::collect)).
//! - [`tags`]: one tag synchroniser over a per-service [`TagApi`] (two
//!   calls: tag, untag), instead of a copy per type.
//! - [`owned`]: stackr's ownership marks: a find that returns only what
//!   this stack made for this address, and the "already exists" answer of
//!   a create (ours: adopted; anyone else's: an error that names it).
//! - [`list`]: `observe` over one listing per region ([`Listed`]): a
//!   per-id read for a few ids, one paginated listing for many.
//! - [`fields`]: the property mapping table of each type: schema name
//!   beside AWS member, read and create in one row.
//! - [`names`]: naming rules several services share (FIFO names).
//! - [`num`]: checked number conversions between stack values (f64) and
//!   the SDK's integer fields.
//!
//! EC2's filter-based describe layer builds on the same pieces
//! (`ec2::common`).

pub mod calls;
pub mod fields;
pub mod list;
pub mod names;
pub mod num;
pub mod owned;
pub mod tags;

pub use calls::{
    PROPAGATION, done, eventually, invalid, known, not_in_place, partition, poll, same_fixed, tolerate, vanished,
    with_resets,
};
pub use fields::Field;
pub use list::{Listed, observe_listed};
pub use names::fifo_name;
pub use num::{int32, num};
pub use owned::{adopt_existing, is_ours, mine};
pub use tags::{TagApi, sync_tags};
