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

/// "Not yet" refusals of RDS (see [`crate::transient`]): a cluster or
/// instance that is not `available` refuses changes, new instances and
/// deletes until it is
/// (<https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html>,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html>,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html>:
/// `InvalidDBClusterStateFault`; `InvalidDBInstanceState` for instances);
/// a subnet group is in use until its clusters are gone
/// (`InvalidDBSubnetGroupStateFault`).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::until_timeout;
    &[
        until_timeout(
            &["ModifyDBCluster", "DeleteDBCluster", "CreateDBInstance", "AddTagsToResource", "RemoveTagsFromResource"],
            "InvalidDBClusterStateFault",
            None,
        ),
        until_timeout(&["ModifyDBInstance", "DeleteDBInstance"], "InvalidDBInstanceState", None),
        until_timeout(&["ModifyDBInstance", "DeleteDBInstance"], "InvalidDBInstanceStateFault", None),
        until_timeout(&["DeleteDBSubnetGroup", "ModifyDBSubnetGroup"], "InvalidDBSubnetGroupStateFault", None),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(DbSubnetGroup::new(clients.clone())));
    providers.register(Arc::new(DbCluster::new(clients.clone())));
    providers.register(Arc::new(DbInstance::new(clients.clone())));
}
