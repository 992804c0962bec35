//! AWS Systems Manager Parameter Store.

mod parameter;
mod parameter_data;

pub use parameter::PARAMETER;
pub use parameter_data::PARAMETER_DATA;
