//! Amazon Route 53: records, and the hosted zone look-up.

mod hosted_zone;
mod record;

pub use hosted_zone::HOSTED_ZONE;
pub use record::RECORD;
