//! AWS Key Management Service: customer managed keys and their aliases.

mod alias;
mod key;

pub use alias::ALIAS;
pub use key::KEY;
//! AWS Key Management Service: the alias look-up.
mod alias_data;
pub use alias_data::ALIAS_DATA;
