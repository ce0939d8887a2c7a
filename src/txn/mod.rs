//! The transaction layer: multi-version concurrency control over the storage engine, with
//! read committed, snapshot isolation, serializable snapshot isolation and strict two-phase
//! locking, row and key-range locks with deadlock detection, and garbage collection of old
//! versions. See `docs/mvcc.md`, `docs/locking.md` and `docs/ssi.md`.
//!
//! - [`mvcc`]: how versions are stored and read through a snapshot.
//! - [`transaction`]: a transaction's reads, writes, savepoints, commit and rollback.
//! - [`manager`]: timestamps, the commit pipeline, snapshots, vacuum.
//! - [`lock_manager`]: row locks, key-range locks (2PL), FIFO waits, deadlock detection.
//! - [`ssi`]: serializable snapshot isolation: SIREAD locks, rw-antidependencies, dangerous
//!   structures, safe snapshots, summaries of old committed transactions.
//! - [`error`]: errors with their SQLSTATEs.

pub mod error;
pub mod lock_manager;
pub mod manager;
pub mod mvcc;
pub mod ssi;
pub mod transaction;

pub use error::{Result, TxnError};
pub use lock_manager::{CancelToken, LockManager, LockOptions};
pub use manager::{TxnInfo, TxnManager, TxnOptions};
pub use transaction::{IsolationLevel, Observer, Transaction, TxnScan};
pub(crate) use transaction::{show_key, show_range};
