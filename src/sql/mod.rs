//! The SQL layer: parse (`sqlparser`, PostgreSQL dialect) → bind (names, types; see
//! `binder`) → optimize (access paths, join order; `optimizer`) → execute (`exec`) over the
//! transaction layer, driven per connection by a `session`. Values and types follow
//! PostgreSQL 15 (`types`); results are plain data (`result`).

pub mod binder;
pub mod error;
pub mod exec;
pub mod functions;
pub mod optimizer;
pub mod parser;
pub mod plan;
pub mod prepared;
pub mod result;
pub mod row;
pub mod session;
mod settings;
pub mod statement;
pub mod types;

pub use error::SqlError;
