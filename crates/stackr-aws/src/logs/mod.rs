//! CloudWatch Logs.

mod log_group;

pub use log_group::LogGroup;
