//! Amazon ECS: clusters, task definitions (container definitions in
//! `container`) and services. What they share is in `common`.

mod cluster;
pub(crate) mod common;
mod container;
mod fargate;
mod service;
mod task_definition;

pub use cluster::Cluster;
pub use service::Service;
pub use task_definition::TaskDefinition;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// "Not yet" refusals of ECS (see [`crate::transient`]).
///
/// - A role made seconds ago cannot be assumed yet: IAM is eventually
///   consistent (<https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency>);
///   ECS answers `InvalidParameterException` "Unable to assume role" or
///   "Unable to assume the service linked role" (on an account new to ECS,
///   <https://docs.aws.amazon.com/AmazonECS/latest/developerguide/using-service-linked-roles.html>).
/// - A target group whose listener rule was just made "does not have an
///   associated load balancer" until ELB has propagated the rule
///   (<https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_CreateService.html>).
/// - A cluster cannot be deleted while services drain
///   (`ClusterContainsServicesException`, `ClusterContainsTasksException`,
///   <https://docs.aws.amazon.com/AmazonECS/latest/APIReference/API_DeleteCluster.html>),
///   nor changed while an update is under way (`UpdateInProgressException`).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::{for_minutes, until_timeout};
    const SERVICE: &[&str] = &["CreateService", "UpdateService"];
    &[
        for_minutes(SERVICE, "InvalidParameterException", Some("unable to assume"), 5),
        for_minutes(SERVICE, "InvalidParameterException", Some("does not have an associated load balancer"), 5),
        for_minutes(
            &["CreateCluster", "PutClusterCapacityProviders"],
            "InvalidParameterException",
            Some("service linked role"),
            5,
        ),
        until_timeout(&["DeleteCluster"], "ClusterContainsServicesException", None),
        until_timeout(&["DeleteCluster"], "ClusterContainsTasksException", None),
        until_timeout(
            &["PutClusterCapacityProviders", "UpdateCluster", "DeleteCluster"],
            "UpdateInProgressException",
            None,
        ),
        until_timeout(&["PutClusterCapacityProviders"], "ResourceInUseException", None),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Cluster::new(clients.clone())));
    providers.register(Arc::new(TaskDefinition::new(clients.clone())));
    providers.register(Arc::new(Service::new(clients.clone())));
}
