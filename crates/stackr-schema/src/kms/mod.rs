//! AWS Key Management Service: customer managed keys and their aliases.

mod alias;
mod key;

pub use alias::ALIAS;
pub use key::KEY;
