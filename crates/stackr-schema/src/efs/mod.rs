//! Amazon EFS: file systems, mount targets and access points.

mod access_point;
mod file_system;
mod mount_target;

pub use access_point::ACCESS_POINT;
pub use file_system::FILE_SYSTEM;
pub use mount_target::MOUNT_TARGET;
