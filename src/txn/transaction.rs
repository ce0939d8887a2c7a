//! A transaction: reads through its snapshot, writes into its write set under row locks,
//! savepoints, commit and rollback.
//!
//! - **Reads** look in the write set first (a transaction sees its own writes), then at the
//!   newest stored version at or below the snapshot. They take no locks, so readers never block
//!   writers and writers never block readers — except under strict two-phase locking, where a
//!   read first takes a shared lock (a row lock for a key lookup, a range lock for a scan, the
//!   whole table for an unbounded scan) held to the end, and then reads the newest committed
//!   data, which the lock keeps stable.
//! - **Writes** first take the row's exclusive lock, held to the end of the transaction (so
//!   two writers of one row serialise: no dirty writes). Holding it, the writer looks at the
//!   row's newest committed version. Under snapshot isolation, a version newer than the snapshot
//!   means a concurrent transaction updated the row first: 40001 (first-updater-wins). Under
//!   read committed the caller gets the newest committed value to re-check its condition
//!   against and goes on (PostgreSQL's behaviour, which allows lost updates).
//! - **Snapshots**: snapshot isolation takes one at the first read or write and keeps it;
//!   read committed takes a new one at each statement ([`Transaction::statement`]).
//! - **Commit** writes the whole write set as versions in one atomic batch (see the manager);
//!   rollback just forgets it. Nothing uncommitted is ever stored, so a crash aborts every
//!   transaction in flight without any undo.

use super::error::{Result, TxnError};
use super::lock_manager::{
    CancelToken, KeyRange, LockError, LockMode, LockOptions, LockTarget, Resource,
};
use super::manager::Shared;
use super::mvcc::{self, SnapshotScan, Ts};
use crate::storage::Durability;
use std::collections::BTreeMap;
use std::collections::btree_map;
use std::ops::Bound;
use std::sync::Arc;

/// How a transaction is isolated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IsolationLevel {
    /// A new snapshot per statement; row locks for writers.
    ReadCommitted,
    /// One snapshot per transaction; first-updater-wins (REPEATABLE READ, SNAPSHOT).
    Snapshot,
    /// Serializable snapshot isolation: snapshot isolation plus SSI's checks (see `ssi`).
    Serializable,
    /// Strict two-phase locking: shared locks on what is read (rows and key ranges), exclusive
    /// locks on what is written, all held to the end; reads see the newest committed data.
    TwoPhaseLocking,
}

impl IsolationLevel {
    /// PostgreSQL's name for the level.
    pub fn name(self) -> &'static str {
        match self {
            IsolationLevel::ReadCommitted => "read committed",
            IsolationLevel::Snapshot => "repeatable read",
            IsolationLevel::Serializable | IsolationLevel::TwoPhaseLocking => "serializable",
        }
    }

    /// For SERIALIZABLE, how it is implemented ("ssi" or "2pl").
    pub fn serializable_mode(self) -> Option<&'static str> {
        match self {
            IsolationLevel::Serializable => Some("ssi"),
            IsolationLevel::TwoPhaseLocking => Some("2pl"),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Active,
    Done,
}

type WriteKey = (String, Vec<u8>);

/// See the module documentation. Dropping an active transaction rolls it back.
pub struct Transaction {
    shared: Arc<Shared>,
    id: u64,
    level: IsolationLevel,
    read_only: bool,
    snapshot: Option<Ts>,
    writes: BTreeMap<WriteKey, Option<Vec<u8>>>,
    /// For savepoints: each write's previous write-set entry (`None`: there was none).
    undo: Vec<(WriteKey, Option<Option<Vec<u8>>>)>,
    savepoints: Vec<(String, usize)>,
    locked: std::collections::HashSet<WriteKey>,
    cancel: CancelToken,
    /// How long a lock wait may last: the manager's default until the session sets its own.
    lock_timeout: Option<std::time::Duration>,
    durability: Durability,
    state: State,
    /// Registered with the SSI manager, which must hear how the transaction ends.
    ssi_registered: bool,
    /// `READ ONLY DEFERRABLE`: a serializable transaction waits for a safe snapshot.
    deferrable: bool,
}

impl Transaction {
    pub(crate) fn new(
        shared: Arc<Shared>,
        id: u64,
        level: IsolationLevel,
        read_only: bool,
        cancel: CancelToken,
    ) -> Transaction {
        Transaction {
            lock_timeout: shared.opts.locks.lock_timeout,
            shared,
            id,
            level,
            read_only,
            snapshot: None,
            writes: BTreeMap::new(),
            undo: Vec::new(),
            savepoints: Vec::new(),
            locked: Default::default(),
            cancel,
            durability: Durability::Sync,
            state: State::Active,
            ssi_registered: false,
            deferrable: false,
        }
    }

    /// `DEFERRABLE`: a SERIALIZABLE READ ONLY transaction then waits, at its first read, for a
    /// snapshot no serialization failure can involve, and runs untracked (see `ssi`). No
    /// effect on other transactions, as in PostgreSQL.
    pub fn set_deferrable(&mut self, deferrable: bool) {
        self.deferrable = deferrable;
    }

    /// The transaction layer's shared state, read by the system views.
    pub fn observe(&self) -> Observer<'_> {
        Observer(&self.shared)
    }

    /// Sets `lock_timeout` for this transaction's later lock waits (`None`: wait forever).
    pub fn set_lock_timeout(&mut self, timeout: Option<std::time::Duration>) {
        self.lock_timeout = timeout;
    }

    /// Whether the transaction has written anything (so its commit has work to make durable).
    pub fn has_writes(&self) -> bool {
        !self.writes.is_empty()
    }

    /// The transaction's id.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// Its isolation level.
    pub fn level(&self) -> IsolationLevel {
        self.level
    }

    /// Whether it was begun READ ONLY.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// A token that cancels this transaction's lock waits from another thread.
    pub fn cancel_token(&self) -> CancelToken {
        self.cancel.clone()
    }

    /// Whether the commit waits for durability (`synchronous_commit`); default yes.
    pub fn set_durability(&mut self, d: Durability) {
        self.durability = d;
    }

    fn check_active(&self) -> Result<()> {
        match self.state {
            State::Active => Ok(()),
            State::Done => Err(TxnError::NotActive),
        }
    }

    fn snapshot(&mut self) -> Result<Ts> {
        if let Some(s) = self.snapshot {
            return Ok(s);
        }
        let safe_wait =
            self.deferrable && self.read_only && self.level == IsolationLevel::Serializable;
        loop {
            let s = if self.level == IsolationLevel::Serializable {
                // Taken under SSI's lock: a transaction that commits after the snapshot cannot
                // be cleaned up before this one is registered (it would lose its SIREAD locks
                // and write records while still concurrent with this one).
                self.ssi_registered = true;
                let shared = &self.shared;
                shared
                    .ssi
                    .register(self.id, self.read_only, || shared.take_snapshot())
            } else {
                self.shared.take_snapshot()
            };
            self.snapshot = Some(s);
            if let Some(info) = self.shared.active.lock().get_mut(&self.id) {
                info.snapshot = Some(s);
            }
            if !safe_wait {
                return Ok(s);
            }
            // Unregistered either way: a safe snapshot needs no tracking.
            self.ssi_registered = false;
            if self
                .shared
                .ssi
                .wait_for_safe_snapshot(self.id, &self.cancel)?
            {
                return Ok(s);
            }
            self.snapshot = None;
            self.shared.release_snapshot(s);
        }
    }

    /// Marks the start of a statement: read committed (and 2PL, whose reads see the newest
    /// committed data anyway) takes a fresh snapshot.
    pub fn statement(&mut self) -> Result<()> {
        self.check_active()?;
        if matches!(
            self.level,
            IsolationLevel::ReadCommitted | IsolationLevel::TwoPhaseLocking
        ) && let Some(old) = self.snapshot.take()
        {
            self.shared.release_snapshot(old);
        }
        Ok(())
    }

    /// Whether strict 2PL locks this transaction's reads of `table` (system catalogs, named
    /// `__…`, are read through snapshots: DDL is serialised by the catalog's own row locks).
    fn read_locked(&self, table: &str) -> bool {
        self.level == IsolationLevel::TwoPhaseLocking && !table.starts_with("__")
    }

    fn lock_options(&self) -> LockOptions {
        LockOptions {
            lock_timeout: self.lock_timeout,
            deadlock_timeout: self.shared.opts.locks.deadlock_timeout,
        }
    }

    /// The value of `key` in `table` as this transaction sees it.
    pub fn get(&mut self, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.check_active()?;
        if let Some(v) = self.writes.get(&(table.to_string(), key.to_vec())) {
            return Ok(v.clone());
        }
        if self.read_locked(table) {
            // A missing key is locked too: an insert of it must wait (no phantom).
            let res = Resource {
                space: table_space(table),
                key: key.to_vec(),
            };
            self.shared
                .locks
                .acquire(
                    self.id,
                    &res,
                    LockMode::Shared,
                    &self.lock_options(),
                    &self.cancel,
                )
                .map_err(|e| self.lock_error(e))?;
            let tree = self.shared.tree(table)?;
            return Ok(mvcc::newest(&tree, key)?.and_then(|(_, v)| v));
        }
        let snap = self.snapshot()?;
        if self.tracked(table) {
            self.shared.ssi.read_key(self.id, table, key)?;
        }
        let tree = self.shared.tree(table)?;
        Ok(mvcc::read_at(&tree, key, snap)?.flatten())
    }

    /// The rows of `table` between the bounds as this transaction sees them, in key order (or
    /// reverse key order).
    pub fn scan(
        &mut self,
        table: &str,
        lo: Bound<&[u8]>,
        hi: Bound<&[u8]>,
        reverse: bool,
    ) -> Result<TxnScan> {
        self.check_active()?;
        if self.read_locked(table) {
            let range = KeyRange {
                space: table_space(table),
                lo: lo.map(<[u8]>::to_vec),
                hi: hi.map(<[u8]>::to_vec),
            };
            self.shared
                .locks
                .acquire_range(self.id, range, &self.lock_options(), &self.cancel)
                .map_err(|e| self.lock_error(e))?;
            // Read what is committed now that the range is locked, not an older snapshot.
            if let Some(old) = self.snapshot.take() {
                self.shared.release_snapshot(old);
            }
        }
        let snap = self.snapshot()?;
        if self.tracked(table) {
            self.shared.ssi.read_range(self.id, table, lo, hi)?;
        }
        let tree = self.shared.tree(table)?;
        let key_of = |b: Bound<&[u8]>| match b {
            Bound::Included(k) => Bound::Included((table.to_string(), k.to_vec())),
            Bound::Excluded(k) => Bound::Excluded((table.to_string(), k.to_vec())),
            Bound::Unbounded => Bound::Unbounded,
        };
        let (wlo, whi) = match (key_of(lo), key_of(hi)) {
            (Bound::Unbounded, h) => (Bound::Included((table.to_string(), Vec::new())), h),
            (l, h) => (l, h),
        };
        let whi = match whi {
            Bound::Unbounded => Bound::Excluded((format!("{table}\0"), Vec::new())),
            h => h,
        };
        let mut own: Vec<(Vec<u8>, Option<Vec<u8>>)> = match (&wlo, &whi) {
            (l, h) if range_is_empty(l, h) => Vec::new(),
            _ => range_of(&self.writes, wlo, whi)
                .map(|((_, k), v)| (k.clone(), v.clone()))
                .collect(),
        };
        if !reverse {
            own.reverse();
        }
        Ok(TxnScan {
            stored: SnapshotScan::new(&tree, lo, hi, reverse, snap),
            next_stored: None,
            own,
            reverse,
        })
    }

    /// Locks a row for writing and returns its newest committed value (or this transaction's
    /// own write). Under snapshot isolation, fails with 40001 if a transaction the snapshot does
    /// not see committed a version of the row.
    pub fn lock_row(&mut self, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.lock_key(table, key, false)
    }

    /// [`Transaction::lock_row`] for an insert's uniqueness check: under snapshot isolation a
    /// live row committed after the snapshot is returned (the caller reports a unique
    /// violation, 23505, as PostgreSQL does under REPEATABLE READ) instead of failing with
    /// 40001. Serializable transactions still get 40001, as in PostgreSQL.
    pub fn lock_row_for_insert(&mut self, table: &str, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.lock_key(table, key, true)
    }

    fn lock_key(&mut self, table: &str, key: &[u8], insert: bool) -> Result<Option<Vec<u8>>> {
        self.check_active()?;
        if self.read_only {
            return Err(TxnError::ReadOnly("UPDATE"));
        }
        let wk = (table.to_string(), key.to_vec());
        if let Some(v) = self.writes.get(&wk) {
            return Ok(v.clone());
        }
        let snap = self.snapshot()?;
        if !self.locked.contains(&wk) {
            let res = Resource {
                space: table_space(table),
                key: wk.1.clone(),
            };
            self.shared
                .locks
                .acquire(
                    self.id,
                    &res,
                    LockMode::Exclusive,
                    &self.lock_options(),
                    &self.cancel,
                )
                .map_err(|e| self.lock_error(e))?;
            self.locked.insert(wk.clone());
        }
        let tree = self.shared.tree(table)?;
        let newest = mvcc::newest(&tree, key)?;
        match newest {
            Some((ts, ref v))
                if ts > snap
                    && !matches!(
                        self.level,
                        IsolationLevel::ReadCommitted | IsolationLevel::TwoPhaseLocking
                    )
                    && !(insert && v.is_some() && self.level == IsolationLevel::Snapshot) =>
            {
                Err(TxnError::SerializationFailure {
                    message: "could not serialize access due to concurrent update",
                    detail: format!(
                        "first-updater-wins: transaction {} committed a new version of a row of \"{table}\" \
                         (key {}) after transaction {}'s snapshot {snap} was taken",
                        ts,
                        show_key(key),
                        self.id
                    ),
                })
            }
            Some((_, v)) => Ok(v),
            None => Ok(None),
        }
    }

    fn write(
        &mut self,
        table: &str,
        key: &[u8],
        value: Option<Vec<u8>>,
        what: &'static str,
    ) -> Result<()> {
        if self.read_only {
            return Err(TxnError::ReadOnly(what));
        }
        self.lock_row(table, key)?;
        if self.tracked(table) {
            self.shared.ssi.write_key(self.id, table, key)?;
        }
        let wk = (table.to_string(), key.to_vec());
        let prev = self.writes.insert(wk.clone(), value);
        if !self.savepoints.is_empty() {
            self.undo.push((wk, prev));
        }
        Ok(())
    }

    /// Sets a row (insert or update).
    pub fn put(&mut self, table: &str, key: &[u8], value: &[u8]) -> Result<()> {
        self.write(table, key, Some(value.to_vec()), "UPDATE")
    }

    /// Deletes a row.
    pub fn delete(&mut self, table: &str, key: &[u8]) -> Result<()> {
        self.write(table, key, None, "DELETE")
    }

    /// Sets a savepoint (a later one of the same name hides an earlier one).
    pub fn savepoint(&mut self, name: &str) -> Result<()> {
        self.check_active()?;
        self.savepoints.push((name.to_string(), self.undo.len()));
        Ok(())
    }

    fn find_savepoint(&self, name: &str) -> Result<usize> {
        self.savepoints
            .iter()
            .rposition(|(n, _)| n == name)
            .ok_or_else(|| TxnError::NoSuchSavepoint(name.to_string()))
    }

    /// Undoes every write since the savepoint, which stays set. Row locks taken since are kept
    /// until the transaction ends.
    pub fn rollback_to(&mut self, name: &str) -> Result<()> {
        self.check_active()?;
        let i = self.find_savepoint(name)?;
        let mark = self.savepoints[i].1;
        self.savepoints.truncate(i + 1);
        while self.undo.len() > mark {
            if let Some((wk, prev)) = self.undo.pop() {
                match prev {
                    Some(v) => self.writes.insert(wk, v),
                    None => self.writes.remove(&wk),
                };
            }
        }
        Ok(())
    }

    /// Forgets a savepoint (and the ones after it), keeping the writes.
    pub fn release(&mut self, name: &str) -> Result<()> {
        self.check_active()?;
        let i = self.find_savepoint(name)?;
        self.savepoints.truncate(i);
        if self.savepoints.is_empty() {
            self.undo.clear();
        }
        Ok(())
    }

    /// Commits: the writes become visible to later snapshots at once, and durable (unless the
    /// transaction asked for asynchronous commit).
    pub fn commit(mut self) -> Result<()> {
        self.check_active()?;
        if self.ssi_registered
            && let Err(e) = self.shared.ssi.pre_commit(self.id, self.shared.next_id())
        {
            self.finish();
            return Err(e);
        }
        let res = if self.writes.is_empty() {
            Ok(if self.ssi_registered {
                self.shared.next_id()
            } else {
                0
            })
        } else {
            self.shared.commit_writes(&self.writes, self.durability)
        };
        if self.ssi_registered
            && let Ok(ts) = res
        {
            self.shared.ssi.committed(self.id, ts);
            self.ssi_registered = false;
        }
        self.finish();
        res.map(|_| ())
    }

    /// Whether SSI tracks this transaction's reads and writes of `table` (system catalogs,
    /// named `__…`, are not tracked, as in PostgreSQL).
    fn tracked(&self, table: &str) -> bool {
        self.ssi_registered && !table.starts_with("__")
    }

    /// Rolls back: the writes are forgotten.
    pub fn rollback(mut self) {
        self.finish();
    }

    fn finish(&mut self) {
        if self.state == State::Done {
            return;
        }
        self.state = State::Done;
        if self.ssi_registered {
            self.ssi_registered = false;
            self.shared.ssi.aborted(self.id);
        }
        self.shared.locks.release_all(self.id);
        if let Some(s) = self.snapshot.take() {
            self.shared.release_snapshot(s);
        }
        self.shared.active.lock().remove(&self.id);
        self.writes.clear();
    }
}

impl Drop for Transaction {
    fn drop(&mut self) {
        self.finish();
    }
}

/// Whether `key` lies between the bounds.
pub(crate) fn key_in_bounds(key: &[u8], lo: &Bound<Vec<u8>>, hi: &Bound<Vec<u8>>) -> bool {
    (match lo {
        Bound::Included(l) => key >= l.as_slice(),
        Bound::Excluded(l) => key > l.as_slice(),
        Bound::Unbounded => true,
    }) && (match hi {
        Bound::Included(h) => key <= h.as_slice(),
        Bound::Excluded(h) => key < h.as_slice(),
        Bound::Unbounded => true,
    })
}

/// Whether no key lies between the bounds (`BTreeMap::range` panics on such bounds).
pub(crate) fn range_is_empty<T: Ord>(lo: &Bound<T>, hi: &Bound<T>) -> bool {
    match (lo, hi) {
        (Bound::Included(l) | Bound::Excluded(l), Bound::Included(h) | Bound::Excluded(h)) => {
            l > h
                || (l == h
                    && !(matches!(lo, Bound::Included(_)) && matches!(hi, Bound::Included(_))))
        }
        _ => false,
    }
}

fn range_of(
    writes: &BTreeMap<WriteKey, Option<Vec<u8>>>,
    lo: Bound<WriteKey>,
    hi: Bound<WriteKey>,
) -> btree_map::Range<'_, WriteKey, Option<Vec<u8>>> {
    writes.range((lo, hi))
}

/// What the system views read: live transactions, the lock table, SSI's edges.
pub struct Observer<'a>(&'a Shared);

impl Observer<'_> {
    /// Live transactions, by id.
    pub fn transactions(&self) -> Vec<super::TxnInfo> {
        self.0.live_transactions()
    }

    /// The lock manager.
    pub fn locks(&self) -> &super::LockManager {
        &self.0.locks
    }

    /// SSI's rw-edges.
    pub fn conflicts(&self) -> Vec<super::ssi::ConflictInfo> {
        self.0.ssi.conflicts()
    }

    /// The lock-table space of a storage tree (to name the targets of locks).
    pub fn space_of(&self, tree: &str) -> u32 {
        table_space(tree)
    }
}

/// Lock-table space of a table: a hash of its name.
pub(crate) fn table_space(table: &str) -> u32 {
    table.bytes().fold(0x811c_9dc5u32, |h, b| {
        (h ^ b as u32).wrapping_mul(0x0100_0193)
    })
}

pub(crate) fn show_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => format!("'{s}'"),
        _ => key.iter().map(|b| format!("{b:02x}")).collect::<String>(),
    }
}

impl Transaction {
    /// A lock error as the transaction's error; a deadlock's DETAIL names each wait of the
    /// cycle with its table, row or range, and lock mode.
    fn lock_error(&self, e: LockError) -> TxnError {
        match e {
            LockError::Deadlock { steps, .. } => {
                let names = self.shared.space_names();
                let table = |space: u32| {
                    names
                        .get(&space)
                        .map_or_else(|| format!("space {space}"), |n| format!("\"{n}\""))
                };
                let waits: Vec<String> = steps
                    .iter()
                    .map(|s| {
                        let mode = match s.mode {
                            LockMode::Shared => "ShareLock",
                            LockMode::Exclusive => "ExclusiveLock",
                        };
                        let what = match &s.target {
                            LockTarget::Row(r) => {
                                format!("row (key {}) of {}", show_key(&r.key), table(r.space))
                            }
                            LockTarget::Range(r) if r.is_relation() => {
                                format!("every row of {}", table(r.space))
                            }
                            LockTarget::Range(r) => {
                                format!("key range {} of {}", show_range(r), table(r.space))
                            }
                        };
                        format!(
                            "Process {} waits for {mode} on {what}; blocked by process {}.",
                            s.txn, s.waits_for
                        )
                    })
                    .collect();
                TxnError::Deadlock {
                    detail: waits.join("\n"),
                }
            }
            LockError::Timeout => TxnError::LockTimeout,
            LockError::Cancelled => TxnError::Cancelled,
        }
    }
}

pub(crate) fn show_range(r: &KeyRange) -> String {
    let lo = match &r.lo {
        Bound::Included(k) => format!("[{}", show_key(k)),
        Bound::Excluded(k) => format!("({}", show_key(k)),
        Bound::Unbounded => "(-inf".to_string(),
    };
    let hi = match &r.hi {
        Bound::Included(k) => format!("{}]", show_key(k)),
        Bound::Excluded(k) => format!("{})", show_key(k)),
        Bound::Unbounded => "+inf)".to_string(),
    };
    format!("{lo}, {hi}")
}

/// A scan through a transaction: stored rows at its snapshot merged with its own writes.
pub struct TxnScan {
    stored: SnapshotScan,
    next_stored: Option<(Vec<u8>, Vec<u8>)>,
    /// Own writes in the range, next one last.
    own: Vec<(Vec<u8>, Option<Vec<u8>>)>,
    reverse: bool,
}

impl TxnScan {
    /// The next row.
    pub fn next_row(&mut self) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        loop {
            if self.next_stored.is_none() {
                self.next_stored = self.stored.next_row()?;
            }
            let take_own = match (&self.next_stored, self.own.last()) {
                (_, None) => false,
                (None, Some(_)) => true,
                (Some((sk, _)), Some((ok, _))) => {
                    if ok == sk {
                        // Our write replaces the stored row.
                        self.next_stored = None;
                        true
                    } else {
                        (ok < sk) != self.reverse
                    }
                }
            };
            if take_own {
                let (k, v) = self.own.pop().unwrap_or_default();
                match v {
                    Some(v) => return Ok(Some((k, v))),
                    None => continue,
                }
            }
            return Ok(self.next_stored.take());
        }
    }
}

impl Iterator for TxnScan {
    type Item = Result<(Vec<u8>, Vec<u8>)>;
    fn next(&mut self) -> Option<Self::Item> {
        self.next_row().transpose()
    }
}
