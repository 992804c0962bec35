//! AWS Security Token Service: who the credentials belong to.

mod caller_identity;

pub use caller_identity::CALLER_IDENTITY;
