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

/// "Not yet" refusals of EFS (see [`crate::transient`]): a file system
/// that is not `available` refuses settings and mount targets
/// (`IncorrectFileSystemLifeCycleState`,
/// <https://docs.aws.amazon.com/efs/latest/ug/API_PutLifecycleConfiguration.html>,
/// <https://docs.aws.amazon.com/efs/latest/ug/API_CreateMountTarget.html>),
/// and cannot be deleted while mount targets remain (`FileSystemInUse`,
/// <https://docs.aws.amazon.com/efs/latest/ug/API_DeleteFileSystem.html>);
/// a zone whose mount target is still `deleting` refuses a new one
/// (`MountTargetConflict`,
/// <https://docs.aws.amazon.com/efs/latest/ug/API_CreateMountTarget.html>);
/// a mount target that is not `available` refuses changes
/// (`IncorrectMountTargetState`,
/// <https://docs.aws.amazon.com/efs/latest/ug/API_ModifyMountTargetSecurityGroups.html>).
pub const TRANSIENT: &[crate::transient::Transient] = {
    use crate::transient::{for_minutes, until_timeout};
    &[
        until_timeout(
            &[
                "PutLifecycleConfiguration",
                "PutBackupPolicy",
                "UpdateFileSystem",
                "CreateMountTarget",
                "CreateAccessPoint",
                "DeleteFileSystem",
                "TagResource",
                "UntagResource",
            ],
            "IncorrectFileSystemLifeCycleState",
            None,
        ),
        until_timeout(&["DeleteFileSystem"], "FileSystemInUse", None),
        until_timeout(&["ModifyMountTargetSecurityGroups", "DeleteMountTarget"], "IncorrectMountTargetState", None),
        // The zone's mount target is still `deleting` (a replacement, an
        // interrupted destroy); one made outside the stack stays, so minutes.
        for_minutes(&["CreateMountTarget"], "MountTargetConflict", None, 10),
    ]
};

/// Registers this service's reconcilers.
pub fn register(clients: &Arc<Clients>, providers: &mut Providers) {
    providers.register(Arc::new(FileSystem::new(clients.clone())));
    providers.register(Arc::new(MountTarget::new(clients.clone())));
    providers.register(Arc::new(AccessPoint::new(clients.clone())));
}
