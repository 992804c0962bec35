//! AWS Secrets Manager.

mod secret;

pub use secret::SECRET;
