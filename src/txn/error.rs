//! Transaction errors, each carrying the PostgreSQL SQLSTATE the SQL and wire layers pass on.

use crate::storage::StorageError;

/// What can go wrong in a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TxnError {
    /// A concurrent transaction's write conflicts with this one (first-updater-wins under
    /// snapshot isolation; later, SSI's dangerous structures).
    #[error("{message}")]
    SerializationFailure {
        message: &'static str,
        detail: String,
    },
    /// This transaction was chosen to break a deadlock.
    #[error("deadlock detected")]
    Deadlock { detail: String },
    /// A lock wait outlasted `lock_timeout`.
    #[error("canceling statement due to lock timeout")]
    LockTimeout,
    /// The statement was cancelled while it waited.
    #[error("canceling statement due to user request")]
    Cancelled,
    /// A write in a read-only transaction.
    #[error("cannot execute {0} in a read-only transaction")]
    ReadOnly(&'static str),
    /// The transaction already committed or rolled back.
    #[error("transaction is no longer active")]
    NotActive,
    /// No savepoint of that name.
    #[error("savepoint \"{0}\" does not exist")]
    NoSuchSavepoint(String),
    /// No table (storage tree) of that name.
    #[error("relation \"{0}\" does not exist")]
    NoSuchTable(String),
    /// A table of that name exists.
    #[error("relation \"{0}\" already exists")]
    TableExists(String),
    /// The storage engine failed.
    #[error("{0}")]
    Storage(StorageError),
}

impl TxnError {
    /// The PostgreSQL SQLSTATE of this error.
    pub fn sqlstate(&self) -> &'static str {
        match self {
            TxnError::SerializationFailure { .. } => "40001",
            TxnError::Deadlock { .. } => "40P01",
            TxnError::LockTimeout => "55P03",
            TxnError::Cancelled => "57014",
            TxnError::ReadOnly(_) => "25006",
            TxnError::NotActive => "25P01",
            TxnError::NoSuchSavepoint(_) => "3B001",
            TxnError::NoSuchTable(_) => "42P01",
            TxnError::TableExists(_) => "42P07",
            TxnError::Storage(e) => match e {
                StorageError::DiskFull(_) => "53100",
                StorageError::CorruptPage { .. } | StorageError::CorruptWal { .. } => "XX001",
                StorageError::KeyTooLarge { .. } | StorageError::ValueTooLarge { .. } => "54000",
                StorageError::Io(_) | StorageError::SyncFailed(_) => "58030",
                _ => "XX000",
            },
        }
    }

    /// Text for the error's DETAIL field, where there is one.
    pub fn detail(&self) -> Option<&str> {
        match self {
            TxnError::SerializationFailure { detail, .. } | TxnError::Deadlock { detail } => {
                Some(detail)
            }
            _ => None,
        }
    }
}

impl From<StorageError> for TxnError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NoSuchTree(t) => TxnError::NoSuchTable(t),
            StorageError::TreeExists(t) => TxnError::TableExists(t),
            e => TxnError::Storage(e),
        }
    }
}

/// A transaction-layer result.
pub type Result<T, E = TxnError> = std::result::Result<T, E>;
