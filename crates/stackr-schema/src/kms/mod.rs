//! AWS Key Management Service: customer managed keys and their aliases,
//! and the alias look-up.

mod alias;
mod alias_data;
mod key;

pub use alias::ALIAS;
pub use alias_data::ALIAS_DATA;
pub use key::KEY;
