//! The storage engine: an ordered, durable key-value store of named trees.
//!
//! Layers, bottom up (each file opens with its own design note; `docs/storage.md` and
//! `docs/wal-and-recovery.md` give the whole picture):
//!
//! - [`vfs`]: the file layer, real or in memory with fault injection.
//! - [`page`]: 8 KiB pages with LSN and CRC32C; slotted B+tree pages.
//! - [`pool`]: the buffer pool (sharded page table, pins, latches, clock eviction).
//! - [`btree`]: B+trees with overflow values, splits and merges, latch-coupled readers.
//! - [`wal`]: the write-ahead log with group commit.
//! - [`meta`]: the meta page, the free list and the double-write buffer.
//! - [`db`]: the engine that ties them together: batches, checkpoints, recovery.
//! - [`keycode`]: order-preserving encoding of typed keys, for the layers above.
//!
//! ```
//! use isodb::storage::{Db, Durability, Options, WriteBatch};
//! use std::ops::Bound;
//!
//! let db = Db::open_memory(Options::default())?;
//! let accounts = db.create_tree("accounts")?;
//! let mut batch = WriteBatch::new();
//! batch.put("accounts", b"alice", b"100").put("accounts", b"bob", b"50");
//! db.commit(batch, Durability::Sync)?; // atomic, and durable when it returns
//! assert_eq!(accounts.get(b"bob")?.as_deref(), Some(&b"50"[..]));
//! let names: Vec<Vec<u8>> = accounts
//!     .range(Bound::Excluded(b"alice"), Bound::Unbounded, false)
//!     .map(|e| e.map(|(k, _)| k))
//!     .collect::<Result<_, _>>()?;
//! assert_eq!(names, vec![b"bob".to_vec()]);
//! # Ok::<(), isodb::storage::StorageError>(())
//! ```

pub mod batch;
pub mod btree;
pub mod db;
pub mod error;
pub mod keycode;
pub mod meta;
pub mod page;
pub mod pool;
pub mod vfs;
pub mod wal;

pub use batch::{Durability, WriteBatch};
pub use db::{Cursor, Db, Options, Stats, Tree, prefix_successor};
pub use error::{Result, StorageError};
pub use vfs::{CrashMode, MemVfs, OsVfs, Vfs};

/// Longest key the engine accepts.
pub const MAX_KEY_LEN: usize = 2048;
/// Longest value the engine accepts (values past a few KiB live on overflow pages).
pub const MAX_VALUE_LEN: usize = 64 << 20;
