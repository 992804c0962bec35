//! Application Auto Scaling: scalable targets (an ECS service's desired
//! count between bounds) and their scaling policies (target tracking and
//! step). What they share is in `common`.

pub(crate) mod common;
mod scalable_target;
mod scaling_policy;

pub use scalable_target::ScalableTarget;
pub use scaling_policy::ScalingPolicy;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(ScalableTarget::new(clients.clone())));
    providers.register(Arc::new(ScalingPolicy::new(clients.clone())));
}
