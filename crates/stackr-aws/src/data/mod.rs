//! Data look-ups (`data:`): availability zones, caller identity, hosted
//! zone by name, current region.

mod availability_zones;
mod caller_identity;
mod hosted_zone;
mod region;

use crate::clients::Clients;
use stackr_engine::reconciler::Lookups;
use std::sync::Arc;

pub use availability_zones::AvailabilityZones;
pub use caller_identity::CallerIdentity;
pub use hosted_zone::HostedZone;
pub use region::Region;

/// Registers the look-ups.
pub fn register(clients: &Arc<Clients>, lookups: &mut Lookups) {
    lookups.register(Arc::new(AvailabilityZones::new(clients.clone())));
    lookups.register(Arc::new(CallerIdentity::new(clients.clone())));
    lookups.register(Arc::new(HostedZone::new(clients.clone())));
    lookups.register(Arc::new(Region));
}
