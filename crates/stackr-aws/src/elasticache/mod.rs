//! Amazon ElastiCache reconcilers: cache subnet groups and cache clusters,
//! one file per type; tags by ARN and the lower-case name check are in
//! `common`.

mod cache_cluster;
mod cache_subnet_group;
mod common;

pub use cache_cluster::CacheCluster;
pub use cache_subnet_group::CacheSubnetGroup;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(CacheSubnetGroup::new(clients.clone())));
    providers.register(Arc::new(CacheCluster::new(clients.clone())));
}
