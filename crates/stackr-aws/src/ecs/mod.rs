//! Amazon ECS: clusters, task definitions (container definitions in
//! `container`) and services. What they share is in `common`.

mod cluster;
pub(crate) mod common;
mod container;
mod service;
mod task_definition;

pub use cluster::Cluster;
pub use service::Service;
pub use task_definition::TaskDefinition;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Cluster::new(clients.clone())));
    providers.register(Arc::new(TaskDefinition::new(clients.clone())));
    providers.register(Arc::new(Service::new(clients.clone())));
}
