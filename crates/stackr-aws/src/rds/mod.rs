//! rds reconcilers: Aurora clusters, their instances, DB subnet groups and
//! parameter groups, one file per type; what they share (tags by ARN,
//! records of write-only settings, batched reads by identifier, waits) is
//! in `common`, what the two parameter group types share in
//! `parameter_group`.

mod common;
mod db_cluster;
mod db_cluster_parameter_group;
mod db_instance;
mod db_parameter_group;
mod db_subnet_group;
mod parameter_group;

pub use db_cluster::DbCluster;
pub use db_cluster_parameter_group::DbClusterParameterGroup;
pub use db_instance::DbInstance;
pub use db_parameter_group::DbParameterGroup;
pub use db_subnet_group::DbSubnetGroup;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// "Not yet" refusals of RDS (see [`crate::transient`]): a cluster or
/// instance that is not `available` refuses changes, new instances and
/// deletes until it is
/// (<https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBCluster.html>,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_CreateDBInstance.html>,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBCluster.html>,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBInstance.html>,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_ModifyDBInstance.html>:
/// `InvalidDBClusterStateFault`; `InvalidDBInstanceState` for instances);
/// a subnet group is in use until its clusters are gone
/// (`InvalidDBSubnetGroupStateFault`), a parameter group until its clusters
/// or instances are (`InvalidDBParameterGroupState`,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBParameterGroup.html>,
/// <https://docs.aws.amazon.com/AmazonRDS/latest/APIReference/API_DeleteDBClusterParameterGroup.html>).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::until_timeout;
    &[
        until_timeout(
            &[
                "ModifyDBCluster",
                "DeleteDBCluster",
                "CreateDBInstance",
                "ModifyDBInstance",
                "DeleteDBInstance",
                "AddTagsToResource",
                "RemoveTagsFromResource",
            ],
            "InvalidDBClusterStateFault",
            None,
        ),
        // A cluster's change waits for its instances to leave a transient
        // state (ModifyDBCluster lists InvalidDBInstanceState).
        until_timeout(&["ModifyDBCluster"], "InvalidDBInstanceState", None),
        until_timeout(&["ModifyDBCluster"], "InvalidDBInstanceStateFault", None),
        until_timeout(&["ModifyDBInstance", "DeleteDBInstance"], "InvalidDBInstanceState", None),
        until_timeout(&["ModifyDBInstance", "DeleteDBInstance"], "InvalidDBInstanceStateFault", None),
        until_timeout(&["DeleteDBSubnetGroup", "ModifyDBSubnetGroup"], "InvalidDBSubnetGroupStateFault", None),
        until_timeout(
            &["DeleteDBParameterGroup", "DeleteDBClusterParameterGroup"],
            "InvalidDBParameterGroupState",
            None,
        ),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(DbSubnetGroup::new(clients.clone())));
    providers.register(Arc::new(DbClusterParameterGroup::new(clients.clone())));
    providers.register(Arc::new(DbParameterGroup::new(clients.clone())));
    providers.register(Arc::new(DbCluster::new(clients.clone())));
    providers.register(Arc::new(DbInstance::new(clients.clone())));
}
