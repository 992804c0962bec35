//! Amazon CloudWatch Logs.

mod log_group;

pub use log_group::LOG_GROUP;
