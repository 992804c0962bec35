//! Systems Manager Parameter Store.

mod parameter;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

pub use parameter::Parameter;

/// Registers this service's reconcilers.
/// "Not yet" refusals of SSM ([`crate::transient`]): `TooManyUpdates`,
/// "there are concurrent updates for a resource that supports one update
/// at a time"
/// (<https://docs.aws.amazon.com/systems-manager/latest/APIReference/API_PutParameter.html>).
pub const TRANSIENT: &[crate::transient::Transient] = &[crate::transient::until_timeout(
    &["PutParameter", "AddTagsToResource", "RemoveTagsFromResource", "DeleteParameter"],
    "TooManyUpdates",
    None,
)];

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(Parameter::new(clients.clone())));
}
