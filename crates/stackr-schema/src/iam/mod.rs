//! AWS Identity and Access Management: roles and managed policies.

mod policy;
mod role;

pub use policy::POLICY;
pub use role::ROLE;
