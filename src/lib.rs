//! isodb: a SQL database that speaks the PostgreSQL wire protocol and lets every transaction
//! choose its isolation level (read committed, snapshot isolation, strict two-phase locking,
//! serializable snapshot isolation).
//!
//! The crate is built in layers, each talking only to the one below:
//!
//! - [`storage`]: an ordered, durable key-value engine (B+tree pages, buffer pool, WAL).
//! - [`txn`]: transactions over it (MVCC, isolation levels, row locks).
//! - [`catalog`]: tables, indexes and views, stored as transactional data.
//! - [`sql`]: parser, binder, optimizer, executor and sessions.
//! - [`Database`] / [`Session`]: the embedded API; [`repl`]: the interactive shell on it;
//!   [`server`]: the PostgreSQL wire-protocol server.
//!
//! ```
//! let db = isodb::Database::open_memory().unwrap();
//! let mut s = db.session();
//! s.execute("CREATE TABLE t (id int PRIMARY KEY, v text)").unwrap();
//! s.execute("INSERT INTO t VALUES (1, 'one'), (2, 'two')").unwrap();
//! let r = s.execute("SELECT v FROM t WHERE id = 2").unwrap();
//! assert_eq!(r.rows[0][0], isodb::Value::Text("two".into()));
//! ```

pub mod catalog;
pub mod codec;
mod database;
pub mod repl;
pub mod server;
pub mod slt;
pub mod sql;
pub mod storage;
pub mod txn;

pub use database::Database;
pub use sql::SqlError;
pub use sql::result::{
    Column, ColumnInfo, IndexInfo, Notice, QueryResult, RelationInfo, RelationKind, TxnStatus,
};
pub use sql::session::{CancelHandle, Session};
pub use sql::types::{DataType, Value};
