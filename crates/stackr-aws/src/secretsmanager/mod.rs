//! Secrets Manager.

mod secret;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

pub use secret::Secret;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Secret::new(clients.clone())));
}
