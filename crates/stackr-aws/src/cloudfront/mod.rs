//! CloudFront reconcilers: web distributions. CloudFront is global; every
//! call goes to its one endpoint (signed for us-east-1) whatever the
//! stack's region.

mod config;
mod distribution;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

pub use distribution::Distribution;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Distribution::new(clients.clone())));
}
