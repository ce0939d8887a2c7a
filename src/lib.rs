//! isodb: a SQL database that speaks the PostgreSQL wire protocol and lets every transaction
//! choose its isolation level (read committed, snapshot isolation, strict two-phase locking,
//! serializable snapshot isolation).
//!
//! The crate is built in layers, each talking only to the one below:
//!
//! - [`storage`]: an ordered, durable key-value engine (B+tree pages, buffer pool, WAL).
//!
//! The transaction, SQL, catalog and server layers build on it (see `docs/`).

pub mod sql;
pub mod storage;
pub mod txn;
