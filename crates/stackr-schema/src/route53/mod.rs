//! Amazon Route 53: records and hosted zones (made, or found by a look-up).

mod hosted_zone;
mod record;
mod zone;

pub use hosted_zone::HOSTED_ZONE;
pub use record::RECORD;
pub use zone::HOSTED_ZONE_RESOURCE;
