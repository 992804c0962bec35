//! Route 53 reconcilers: record sets. (Hosted zones are looked up, not
//! managed: see `data::hosted_zone`.)

mod record;

pub use record::{Record, normalise};

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Record::new(clients.clone())));
}
