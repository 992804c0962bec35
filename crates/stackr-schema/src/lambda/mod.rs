//! AWS Lambda: functions and their resource-based policy statements.

mod function;
mod permission;

pub use function::FUNCTION;
pub use permission::PERMISSION;
