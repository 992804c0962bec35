//! Amazon ElastiCache: cache clusters, replication groups and cache subnet groups.

mod cache_cluster;
mod cache_subnet_group;
mod replication_group;

pub use cache_cluster::CACHE_CLUSTER;
pub use cache_subnet_group::CACHE_SUBNET_GROUP;
pub use replication_group::REPLICATION_GROUP;
