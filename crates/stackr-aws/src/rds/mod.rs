//! rds reconcilers: Aurora clusters, their instances and DB subnet groups,
//! one file per type; what they share (tags by ARN, records of write-only
//! settings, batched reads by identifier, waits) is in `common`.

mod common;
mod db_cluster;
mod db_instance;
mod db_subnet_group;

pub use db_cluster::DbCluster;
pub use db_instance::DbInstance;
pub use db_subnet_group::DbSubnetGroup;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(DbSubnetGroup::new(clients.clone())));
    providers.register(Arc::new(DbCluster::new(clients.clone())));
    providers.register(Arc::new(DbInstance::new(clients.clone())));
}
