//! Amazon EFS reconcilers: file systems, their mount targets and access
//! points, one file per type; tags, life-cycle states and the wait until a
//! deleted resource is gone are in `common`.
//!
//! Destroy order follows the graph: access points and mount targets go
//! first and their deletes wait until they are gone, then the file system.

mod access_point;
mod common;
mod file_system;
mod mount_target;

pub use access_point::AccessPoint;
pub use file_system::FileSystem;
pub use mount_target::MountTarget;

use crate::clients::Clients;
use stackr_engine::reconciler::Providers;
use std::sync::Arc;

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(FileSystem::new(clients.clone())));
    providers.register(Arc::new(MountTarget::new(clients.clone())));
    providers.register(Arc::new(AccessPoint::new(clients.clone())));
}
