//! Elastic Load Balancing v2 reconcilers: load balancers, target groups,
//! listeners and listener rules. What they share (batched tags, actions,
//! ARN arithmetic) is in `common`.

mod common;
mod listener;
mod listener_rule;
mod load_balancer;
mod target_group;

pub use listener::Listener;
pub use listener_rule::ListenerRule;
pub use load_balancer::LoadBalancer;
pub use target_group::TargetGroup;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// "Not yet" refusals of ELBv2 (see [`crate::transient`]).
///
/// - An internet-facing load balancer in a VPC whose internet gateway is
///   not attached yet: `InvalidSubnet` "... has no internet gateway"
///   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html>).
/// - A certificate issued moments ago is not yet known to ELB:
///   `CertificateNotFound`
///   (<https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateListener.html>);
///   a wrong ARN gives the same code, so it is retried for minutes only.
/// - A target group still used by a listener or rule being replaced:
///   `ResourceInUse` (general list).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::for_minutes;
    &[
        for_minutes(&["CreateLoadBalancer", "SetSubnets"], "InvalidSubnet", Some("internet gateway"), 10),
        for_minutes(&["CreateListener", "ModifyListener", "AddListenerCertificates"], "CertificateNotFound", None, 5),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(LoadBalancer::new(clients.clone())));
    providers.register(Arc::new(TargetGroup::new(clients.clone())));
    providers.register(Arc::new(Listener::new(clients.clone())));
    providers.register(Arc::new(ListenerRule::new(clients.clone())));
}
