//! Errors of the storage engine.
//!
//! Every failure the engine can meet is a variant here, so callers can tell a full disk from a
//! corrupt page from a misuse. Nothing in the engine panics on bad input or bad media: the worst
//! outcome is [`StorageError::Poisoned`], after which the engine refuses writes until it is
//! reopened and recovers from its WAL.

use std::io;

/// A storage engine result.
pub type Result<T, E = StorageError> = std::result::Result<T, E>;

/// What went wrong in the storage engine.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum StorageError {
    /// An I/O error other than the ones below.
    #[error("I/O error: {0}")]
    Io(String),
    /// The device is full (ENOSPC). Nothing acknowledged is lost; the engine stops writing.
    #[error("disk full: {0}")]
    DiskFull(String),
    /// An fsync failed. It is never retried: the kernel may have dropped the dirty pages, so the
    /// only safe way on is to reopen and recover from the WAL.
    #[error("fsync failed: {0}")]
    SyncFailed(String),
    /// A page failed its checksum or is otherwise malformed.
    #[error("page {page} is corrupt: {reason}")]
    CorruptPage { page: u64, reason: String },
    /// The WAL is damaged before its end (a torn tail is not an error: it is where the log ends).
    #[error("WAL is corrupt at LSN {lsn}: {reason}")]
    CorruptWal { lsn: u64, reason: String },
    /// The database files are not an isodb database, or of a format this build cannot read.
    #[error("not a valid database: {0}")]
    BadFormat(String),
    /// An earlier failure stopped the engine from accepting writes; reopen to recover.
    #[error(
        "the storage engine stopped accepting writes after an earlier failure ({0}); reopen the database to recover"
    )]
    Poisoned(String),
    /// Another process has the database open.
    #[error("database directory {0} is in use by another process")]
    Locked(String),
    /// The named tree does not exist.
    #[error("tree {0:?} does not exist")]
    NoSuchTree(String),
    /// A tree of that name exists already.
    #[error("tree {0:?} already exists")]
    TreeExists(String),
    /// A key longer than [`MAX_KEY_LEN`](super::MAX_KEY_LEN).
    #[error("key of {len} bytes exceeds the maximum of {max}")]
    KeyTooLarge { len: usize, max: usize },
    /// A value longer than the engine (or its buffer pool) can hold.
    #[error("value of {len} bytes exceeds the maximum of {max}")]
    ValueTooLarge { len: usize, max: usize },
    /// The engine has been closed.
    #[error("database is closed")]
    Closed,
}

impl StorageError {
    /// Classifies an I/O error from a write (ENOSPC is reported as a full disk).
    pub(crate) fn from_write(e: io::Error) -> StorageError {
        if e.raw_os_error() == Some(libc_enospc()) || e.kind() == io::ErrorKind::StorageFull {
            StorageError::DiskFull(e.to_string())
        } else {
            StorageError::Io(e.to_string())
        }
    }

    /// Classifies an I/O error from an fsync.
    pub(crate) fn from_sync(e: io::Error) -> StorageError {
        StorageError::SyncFailed(e.to_string())
    }

    /// Whether this error means the engine must stop accepting writes.
    pub(crate) fn is_fatal(&self) -> bool {
        matches!(
            self,
            StorageError::Io(_) | StorageError::DiskFull(_) | StorageError::SyncFailed(_)
        )
    }
}

impl From<io::Error> for StorageError {
    fn from(e: io::Error) -> Self {
        StorageError::from_write(e)
    }
}

const fn libc_enospc() -> i32 {
    28
}
