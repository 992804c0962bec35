//! Systems Manager Parameter Store.

mod parameter;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

pub use parameter::Parameter;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Parameter::new(clients.clone())));
}
