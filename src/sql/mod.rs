//! The SQL layer: parse (`sqlparser`, PostgreSQL dialect) → bind → plan → optimize → execute
//! over the transaction layer. Built so far: the parser front and SQL errors.

pub mod error;
pub mod parser;

pub use error::SqlError;
