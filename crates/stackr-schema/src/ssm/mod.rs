//! AWS Systems Manager Parameter Store.

mod parameter;

pub use parameter::PARAMETER;
