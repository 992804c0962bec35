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

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(LoadBalancer::new(clients.clone())));
    providers.register(Arc::new(TargetGroup::new(clients.clone())));
    providers.register(Arc::new(Listener::new(clients.clone())));
    providers.register(Arc::new(ListenerRule::new(clients.clone())));
}
