//! Amazon DynamoDB tables.

mod table;

pub use table::TABLE;
