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

/// "Not yet" refusals of Application Auto Scaling (see [`crate::transient`]):
/// a change while another to the same target is pending
/// (`ConcurrentUpdateException`,
/// <https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html>),
/// and a role or service made moments ago not yet visible to it
/// (`ValidationException` "Unable to assume IAM role" / "ECS service doesn't exist").
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::{for_minutes, until_timeout};
    const ALL: &[&str] =
        &["RegisterScalableTarget", "PutScalingPolicy", "DeleteScalingPolicy", "DeregisterScalableTarget"];
    &[
        until_timeout(ALL, "ConcurrentUpdateException", None),
        for_minutes(&["RegisterScalableTarget"], "ValidationException", Some("unable to assume"), 2),
        for_minutes(&["RegisterScalableTarget"], "ValidationException", Some("doesn't exist"), 2),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(ScalableTarget::new(clients.clone())));
    providers.register(Arc::new(ScalingPolicy::new(clients.clone())));
}
