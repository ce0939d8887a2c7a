//! The embedded entry point: a [`Database`] opened on a directory (or in memory) hands out
//! [`Session`]s, each of which runs SQL like one PostgreSQL connection.
//!
//! Opening creates the catalog on first use and drops storage that no committed catalog entry
//! refers to (tables or indexes created by transactions that rolled back or crashed, and
//! those dropped since): at open no transaction can still read them.

use crate::catalog;
use crate::sql::SqlError;
use crate::sql::session::Session;
use crate::storage::{Db, Options};
use crate::txn::{IsolationLevel, TxnManager, TxnOptions};
use std::path::Path;
use std::sync::Arc;

/// An open database; cheap to clone and share between threads.
#[derive(Clone)]
pub struct Database {
    pub(crate) manager: Arc<TxnManager>,
}

impl Database {
    /// Opens (creating if needed) the database stored in `dir`.
    pub fn open(dir: impl AsRef<Path>) -> Result<Database, SqlError> {
        let db = Db::open(dir.as_ref(), Options::default()).map_err(storage_error)?;
        Database::with_db(db, TxnOptions::default())
    }

    /// A database that lives in memory only.
    pub fn open_memory() -> Result<Database, SqlError> {
        Database::open_memory_with(TxnOptions::default())
    }

    /// An in-memory database with the given transaction-layer options (tests use it to make
    /// SSI summarise early, for example).
    pub fn open_memory_with(opts: TxnOptions) -> Result<Database, SqlError> {
        let db = Db::open_memory(Options::default()).map_err(storage_error)?;
        Database::with_db(db, opts)
    }

    fn with_db(db: Db, opts: TxnOptions) -> Result<Database, SqlError> {
        let manager = TxnManager::new(db, opts)?;
        let names = manager.table_names();
        if !names.iter().any(|n| n == catalog::CATALOG_TABLE) {
            manager.create_table(catalog::CATALOG_TABLE)?;
        }
        let live = {
            let mut txn = manager.begin(IsolationLevel::Snapshot, true);
            catalog::live_storage(&mut txn)?
        };
        for orphan in catalog::orphan_trees(&names, &live) {
            manager.drop_table(&orphan)?;
        }
        Ok(Database {
            manager: Arc::new(manager),
        })
    }

    /// What serializable snapshot isolation holds right now (memory figures, tests).
    pub fn ssi_stats(&self) -> crate::txn::ssi::SsiStats {
        self.manager.ssi_stats()
    }

    /// A new session (one client connection's worth of state).
    pub fn session(&self) -> Session {
        Session::new(self.clone())
    }

    /// The committed role `name` (`CREATE ROLE`), for authentication.
    pub fn role(&self, name: &str) -> Result<Option<catalog::roles::RoleDef>, SqlError> {
        let mut txn = self.manager.begin(IsolationLevel::Snapshot, true);
        let r = catalog::roles::role(&mut txn, name);
        txn.rollback();
        r
    }

    /// Writes every committed change to the data file (as at a clean shutdown).
    pub fn checkpoint(&self) -> Result<(), SqlError> {
        self.manager.db().checkpoint().map_err(storage_error)
    }

    /// The transaction layer, for system views and tests.
    pub fn transactions(&self) -> &TxnManager {
        &self.manager
    }
}

fn storage_error(e: crate::storage::StorageError) -> SqlError {
    SqlError::from(crate::txn::TxnError::Storage(e))
}
