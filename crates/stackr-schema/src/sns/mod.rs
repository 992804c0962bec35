//! Amazon Simple Notification Service.

mod subscription;
mod topic;

pub use subscription::SUBSCRIPTION;
pub use topic::TOPIC;
