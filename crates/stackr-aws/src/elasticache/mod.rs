//! Amazon ElastiCache reconcilers: cache subnet groups, cache clusters and
//! replication groups, one file per type; tags by ARN and the lower-case name check are in
//! `common`.

mod cache_cluster;
mod cache_subnet_group;
mod common;
mod replication_group;

pub use cache_cluster::CacheCluster;
pub use cache_subnet_group::CacheSubnetGroup;
pub use replication_group::ReplicationGroup;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// "Not yet" refusals of ElastiCache (see [`crate::transient`]): a cache
/// cluster that is not `available` refuses changes and deletes
/// (`InvalidCacheClusterState`,
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyCacheCluster.html>,
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheCluster.html>);
/// a subnet group is in use until its clusters are gone
/// (`CacheSubnetGroupInUse`,
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteCacheSubnetGroup.html>);
/// a replication group that is not `available` (`creating`, `modifying`,
/// `snapshotting`) refuses changes, replica counts and deletes
/// (`InvalidReplicationGroupState`, and `InvalidCacheClusterState` while a
/// member cluster is busy,
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyReplicationGroup.html>,
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_IncreaseReplicaCount.html>,
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DecreaseReplicaCount.html>,
/// <https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html>).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::until_timeout;
    &[
        until_timeout(
            &["ModifyCacheCluster", "DeleteCacheCluster", "AddTagsToResource", "RemoveTagsFromResource"],
            "InvalidCacheClusterState",
            None,
        ),
        until_timeout(&["DeleteCacheSubnetGroup", "ModifyCacheSubnetGroup"], "CacheSubnetGroupInUse", None),
        until_timeout(REPLICATION_GROUP_CHANGES, "InvalidReplicationGroupState", None),
        until_timeout(REPLICATION_GROUP_CHANGES, "InvalidCacheClusterState", None),
    ]
};

/// The calls a replication group refuses while it is not `available`.
const REPLICATION_GROUP_CHANGES: &[&str] = &[
    "ModifyReplicationGroup",
    "IncreaseReplicaCount",
    "DecreaseReplicaCount",
    "DeleteReplicationGroup",
    "AddTagsToResource",
    "RemoveTagsFromResource",
];

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(CacheSubnetGroup::new(clients.clone())));
    providers.register(Arc::new(CacheCluster::new(clients.clone())));
    providers.register(Arc::new(ReplicationGroup::new(clients.clone())));
}
