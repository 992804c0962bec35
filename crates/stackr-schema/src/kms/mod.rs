//! AWS Key Management Service: the alias look-up.

mod alias_data;

pub use alias_data::ALIAS_DATA;
