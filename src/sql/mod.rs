//! The SQL layer: parse (`sqlparser`, PostgreSQL dialect) → bind → plan → optimize → execute
//! over the transaction layer. Built so far: the parser front, SQL errors, and the type system
//! (`types`: PostgreSQL 15's types, text and binary I/O, casts, comparison and arithmetic).

pub mod error;
pub mod parser;
pub mod types;

pub use error::SqlError;
