//! The transaction layer: multi-version concurrency control over the storage engine, with
//! read committed and snapshot isolation, row write locks and deadlock detection, and garbage
//! collection of old versions. See `docs/mvcc.md` and `docs/locking.md`.
//!
//! - [`mvcc`]: how versions are stored and read through a snapshot.
//! - [`transaction`]: a transaction's reads, writes, savepoints, commit and rollback.
//! - [`manager`]: timestamps, the commit pipeline, snapshots, vacuum.
//! - [`lock_manager`]: row locks, FIFO waits, deadlock detection.
//! - [`ssi`]: serializable snapshot isolation: SIREAD locks, rw-antidependencies, dangerous
//!   structures.
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
