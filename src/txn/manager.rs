//! The transaction manager: begin, the commit pipeline, snapshots, row locks and garbage
//! collection.
//!
//! **Timestamps.** One counter hands out transaction ids at begin and commit timestamps at
//! commit. A commit is *pending* from the moment it takes its timestamp (under the commit lock,
//! where its versions are also applied, so storage order is timestamp order) until it is durable.
//! The *visible* timestamp is just below the oldest pending commit (or the newest timestamp when
//! none is pending); every snapshot is a visible timestamp, so a snapshot sees a commit only
//! once it is durable, and sees all earlier commits with it. A commit returns once it is
//! visible, so the next transaction of the same session sees it.
//!
//! **Group commit.** Under the commit lock a commit only appends and applies its batch; it
//! waits for the fsync after releasing the lock, so concurrent commits share fsyncs.
//!
//! **Garbage collection.** A version is needed only if it is the newest of its key at or below
//! some snapshot in use, or at or below the visible timestamp (future snapshots), or newer than
//! that; everything else is garbage, even between an old snapshot and the present, so one
//! long-running snapshot pins one version per row, not the whole history. A committing transaction prunes the garbage of the keys it writes in the same
//! batch, which keeps hot rows small without any scan; a background vacuum walks every table in
//! short steps for the rest, including deleted keys whose tombstone is below the horizon.

use super::error::{Result, TxnError};
use super::lock_manager::{CancelToken, LockManager, LockOptions};
use super::mvcc::{self, Ts};
use super::ssi::SsiManager;
use super::transaction::{IsolationLevel, Transaction};
use crate::storage::{Db, Durability, Tree, WriteBatch};
use parking_lot::{Condvar, Mutex};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

/// The storage tree of transaction-layer metadata.
const META_TREE: &str = "__txn";
const CLOCK_KEY: &[u8] = b"clock";
/// Tables are storage trees with this prefix, so they cannot clash with internal trees.
const TABLE_PREFIX: &str = "t:";

/// Settings of the transaction layer.
#[derive(Debug, Clone)]
pub struct TxnOptions {
    /// Row lock waits: `lock_timeout` (none by default) and `deadlock_timeout` (1 s).
    pub locks: LockOptions,
    /// Run the background vacuum (default on).
    pub vacuum: bool,
    /// Pause between vacuum steps.
    pub vacuum_interval: Duration,
    /// SSI: committed serializable transactions retained in full before the oldest are
    /// summarised (`ssi::MAX_RETAINED_COMMITTED` by default).
    pub ssi_retained_committed: usize,
}

impl Default for TxnOptions {
    fn default() -> Self {
        TxnOptions {
            locks: LockOptions::default(),
            vacuum: true,
            vacuum_interval: Duration::from_millis(50),
            ssi_retained_committed: super::ssi::MAX_RETAINED_COMMITTED,
        }
    }
}

struct Clock {
    next: Ts,
    pending: BTreeSet<Ts>,
}

/// What the system views show of a live transaction.
#[derive(Debug, Clone)]
pub struct TxnInfo {
    pub id: u64,
    pub level: IsolationLevel,
    pub read_only: bool,
    pub snapshot: Option<Ts>,
}

pub(crate) struct Shared {
    pub db: Db,
    pub locks: LockManager,
    pub ssi: SsiManager,
    pub opts: TxnOptions,
    commit_lock: Mutex<()>,
    clock: Mutex<Clock>,
    visible_changed: Condvar,
    /// Snapshots in use: timestamp → how many.
    snapshots: Mutex<BTreeMap<Ts, usize>>,
    pub active: Mutex<HashMap<u64, TxnInfo>>,
    trees: Mutex<HashMap<String, Tree>>,
    stop: AtomicBool,
    pub vacuumed: AtomicU64,
}

/// See the module documentation. Cheap to clone; shared by all sessions.
#[derive(Clone)]
pub struct TxnManager {
    pub(crate) shared: Arc<Shared>,
    vacuum: Option<Arc<VacuumHandle>>,
}

struct VacuumHandle {
    shared: Arc<Shared>,
    thread: Mutex<Option<std::thread::JoinHandle<()>>>,
}

impl Drop for VacuumHandle {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.lock().take() {
            let _ = t.join();
        }
    }
}

impl TxnManager {
    /// The transaction layer over an open storage engine.
    pub fn new(db: Db, opts: TxnOptions) -> Result<TxnManager> {
        if db.tree(META_TREE).is_err() {
            db.create_tree(META_TREE)?;
        }
        let next = db
            .tree(META_TREE)?
            .get(CLOCK_KEY)?
            .map(|v| u64::from_be_bytes(v.try_into().unwrap_or([0; 8])) + 1)
            .unwrap_or(1);
        let vacuum = opts.vacuum;
        let shared = Arc::new(Shared {
            db,
            locks: LockManager::new(),
            ssi: SsiManager::with_retained_limit(opts.ssi_retained_committed),
            opts,
            commit_lock: Mutex::new(()),
            clock: Mutex::new(Clock {
                next,
                pending: BTreeSet::new(),
            }),
            visible_changed: Condvar::new(),
            snapshots: Mutex::new(BTreeMap::new()),
            active: Mutex::new(HashMap::new()),
            trees: Mutex::new(HashMap::new()),
            stop: AtomicBool::new(false),
            vacuumed: AtomicU64::new(0),
        });
        let vacuum = vacuum.then(|| {
            let s = shared.clone();
            let handle = std::thread::Builder::new()
                .name("isodb-vacuum".into())
                .spawn(move || s.vacuum_loop())
                .ok();
            Arc::new(VacuumHandle {
                shared: shared.clone(),
                thread: Mutex::new(handle),
            })
        });
        Ok(TxnManager { shared, vacuum })
    }

    /// Begins a transaction. Its snapshot is taken at its first read or write (as in
    /// PostgreSQL, where it is taken at the first statement, not at BEGIN).
    pub fn begin(&self, level: IsolationLevel, read_only: bool) -> Transaction {
        let id = self.shared.next_id();
        self.shared.active.lock().insert(
            id,
            TxnInfo {
                id,
                level,
                read_only,
                snapshot: None,
            },
        );
        Transaction::new(
            self.shared.clone(),
            id,
            level,
            read_only,
            CancelToken::new(),
        )
    }

    /// Creates an (empty) table. Not transactional at this layer; the catalog makes DDL
    /// transactional above it.
    pub fn create_table(&self, name: &str) -> Result<()> {
        self.shared
            .db
            .create_tree(&format!("{TABLE_PREFIX}{name}"))?;
        Ok(())
    }

    /// Drops a table and all its versions.
    pub fn drop_table(&self, name: &str) -> Result<()> {
        self.shared.trees.lock().remove(name);
        self.shared.db.drop_tree(&format!("{TABLE_PREFIX}{name}"))?;
        Ok(())
    }

    /// A fresh id from the transaction clock (unique, never reused once a later commit is
    /// durable): the catalog names storage with it.
    pub fn next_id(&self) -> u64 {
        self.shared.next_id()
    }

    /// The names of all tables.
    pub fn table_names(&self) -> Vec<String> {
        self.shared.table_names()
    }

    /// Live transactions, for system views.
    pub fn transactions(&self) -> Vec<TxnInfo> {
        self.shared.live_transactions()
    }

    /// Whether transaction `id` is blocked right now, waiting for a lock or for a safe
    /// snapshot. Tests use it to know deterministically that a statement is blocked.
    pub fn is_waiting(&self, id: u64) -> bool {
        !self.shared.locks.waiting_for(id).is_empty() || self.shared.ssi.is_deferring(id)
    }

    /// What SSI holds right now (memory figures, tests).
    pub fn ssi_stats(&self) -> super::ssi::SsiStats {
        self.shared.ssi.stats()
    }

    /// The lock manager (for system views and tests that wait for a blocked transaction).
    pub fn locks(&self) -> &LockManager {
        &self.shared.locks
    }

    /// The storage engine underneath.
    pub fn db(&self) -> &Db {
        &self.shared.db
    }

    /// Number of stored versions of a table (all keys, all versions), for GC figures.
    pub fn version_count(&self, table: &str) -> Result<usize> {
        let tree = self.shared.tree(table)?;
        let mut c = tree.iter();
        let mut n = 0;
        while c.next_entry()?.is_some() {
            n += 1;
        }
        Ok(n)
    }

    /// Runs one full vacuum pass over every table now; returns versions removed.
    pub fn vacuum_now(&self) -> Result<u64> {
        let mut total = 0;
        for name in self.shared.table_names() {
            let mut from: Option<Vec<u8>> = None;
            loop {
                let (removed, next) =
                    self.shared
                        .vacuum_step(&name, from.as_deref(), usize::MAX)?;
                total += removed;
                match next {
                    Some(n) => from = Some(n),
                    None => break,
                }
            }
        }
        Ok(total)
    }

    /// Whether the background vacuum runs.
    pub fn has_vacuum(&self) -> bool {
        self.vacuum.is_some()
    }
}

impl Shared {
    /// Live transactions, by id.
    pub fn live_transactions(&self) -> Vec<TxnInfo> {
        let mut v: Vec<TxnInfo> = self.active.lock().values().cloned().collect();
        v.sort_by_key(|t| t.id);
        v
    }

    pub fn next_id(&self) -> Ts {
        let mut c = self.clock.lock();
        let id = c.next;
        c.next += 1;
        id
    }

    /// The newest timestamp below which every commit is durable and applied.
    pub fn visible(&self) -> Ts {
        let c = self.clock.lock();
        match c.pending.first() {
            Some(&p) => p - 1,
            None => c.next - 1,
        }
    }

    /// Takes and registers a snapshot (a GC horizon holder) at the visible timestamp.
    pub fn take_snapshot(&self) -> Ts {
        let mut snaps = self.snapshots.lock();
        let ts = self.visible();
        *snaps.entry(ts).or_insert(0) += 1;
        ts
    }

    pub fn release_snapshot(&self, ts: Ts) {
        let mut snaps = self.snapshots.lock();
        if let Some(n) = snaps.get_mut(&ts) {
            *n -= 1;
            if *n == 0 {
                snaps.remove(&ts);
            }
        }
    }

    /// What garbage collection must respect: the snapshots in use, ascending, and the visible
    /// timestamp (no future snapshot is below it).
    pub fn gc_view(&self) -> (Vec<Ts>, Ts) {
        let snaps = self.snapshots.lock();
        let visible = self.visible();
        (snaps.keys().copied().collect(), visible)
    }

    pub fn tree(&self, table: &str) -> Result<Tree> {
        let mut trees = self.trees.lock();
        if let Some(t) = trees.get(table) {
            return Ok(t.clone());
        }
        let t = self
            .db
            .tree(&format!("{TABLE_PREFIX}{table}"))
            .map_err(|_| TxnError::NoSuchTable(table.to_string()))?;
        trees.insert(table.to_string(), t.clone());
        Ok(t)
    }

    /// Lock-table spaces of the stored tables, to name them in errors.
    pub fn space_names(&self) -> std::collections::HashMap<u32, String> {
        self.table_names()
            .into_iter()
            .map(|n| (super::transaction::table_space(&n), n))
            .collect()
    }

    fn table_names(&self) -> Vec<String> {
        self.db
            .tree_names()
            .into_iter()
            .filter_map(|n| n.strip_prefix(TABLE_PREFIX).map(str::to_string))
            .collect()
    }

    /// Commits a write set: versions stamped with a new timestamp, garbage of the written keys
    /// pruned, all in one atomic batch. Returns the commit timestamp once it is visible.
    pub fn commit_writes(
        &self,
        writes: &BTreeMap<(String, Vec<u8>), Option<Vec<u8>>>,
        durability: Durability,
    ) -> Result<Ts> {
        let view = self.gc_view();
        let ts = {
            let _g = self.commit_lock.lock();
            let ts = {
                let mut c = self.clock.lock();
                let ts = c.next;
                c.next += 1;
                c.pending.insert(ts);
                ts
            };
            let res = self.build_and_apply(writes, ts, &view);
            if let Err(e) = res {
                self.finish_pending(ts);
                return Err(e);
            }
            ts
        };
        let durable = match durability {
            Durability::Sync => self.db.sync().map_err(TxnError::from),
            Durability::Async => Ok(()),
        };
        self.finish_pending(ts);
        durable?;
        // Return only once the commit is visible, so the session's next snapshot sees it.
        let mut c = self.clock.lock();
        while c.pending.first().is_some_and(|&p| p < ts) {
            self.visible_changed.wait(&mut c);
        }
        Ok(ts)
    }

    fn build_and_apply(
        &self,
        writes: &BTreeMap<(String, Vec<u8>), Option<Vec<u8>>>,
        ts: Ts,
        (snapshots, visible): &(Vec<Ts>, Ts),
    ) -> Result<()> {
        let mut batch = WriteBatch::new();
        let mut tree_name = String::new();
        for ((table, key), value) in writes {
            tree_name.clear();
            tree_name.push_str(TABLE_PREFIX);
            tree_name.push_str(table);
            let tree = self.tree(table)?;
            // Prune the key's versions no snapshot in use or to come can reach.
            let versions = mvcc::versions_of(&tree, key)?;
            for i in mvcc::garbage(&versions, snapshots, *visible) {
                batch.delete(&tree_name, &mvcc::version_key(key, versions[i].0));
            }
            batch.put(
                &tree_name,
                &mvcc::version_key(key, ts),
                &mvcc::encode_value(value.as_deref()),
            );
        }
        batch.put(META_TREE, CLOCK_KEY, &ts.to_be_bytes());
        self.db.commit(batch, Durability::Async)?;
        Ok(())
    }

    fn finish_pending(&self, ts: Ts) {
        self.clock.lock().pending.remove(&ts);
        self.visible_changed.notify_all();
    }

    /// Removes garbage versions in `table` from key `from` on, looking at up to `limit` stored
    /// versions; returns how many it removed and where to go on.
    fn vacuum_step(
        &self,
        table: &str,
        from: Option<&[u8]>,
        limit: usize,
    ) -> Result<(u64, Option<Vec<u8>>)> {
        let tree = self.tree(table)?;
        let (snapshots, visible) = self.gc_view();
        let mut cursor = match from {
            Some(f) => tree.range(Bound::Included(f), Bound::Unbounded, false),
            None => tree.iter(),
        };
        let tree_name = format!("{TABLE_PREFIX}{table}");
        let mut batch = WriteBatch::new();
        let mut key = Vec::new();
        // The versions of the current key so far: (storage key, ts, tombstone).
        let mut group: Vec<(Vec<u8>, Ts, bool)> = Vec::new();
        let mut group_key: Vec<u8> = Vec::new();
        let mut seen = 0usize;
        let mut removed = 0u64;
        let mut versions: Vec<(Ts, bool)> = Vec::new();
        let mut flush = |group: &mut Vec<(Vec<u8>, Ts, bool)>, batch: &mut WriteBatch| {
            versions.clear();
            versions.extend(group.iter().map(|&(_, ts, t)| (ts, t)));
            for i in mvcc::garbage(&versions, &snapshots, visible) {
                batch.delete(&tree_name, &group[i].0);
                removed += 1;
            }
            group.clear();
        };
        let mut resume = None;
        while let Some((vk, v)) = cursor.next_entry()? {
            let Some(ts) = mvcc::split_version_key(vk, &mut key) else {
                continue;
            };
            if key != group_key {
                flush(&mut group, &mut batch);
                if seen >= limit {
                    resume = Some(vk.to_vec());
                    break;
                }
                group_key.clone_from(&key);
            }
            group.push((vk.to_vec(), ts, v.first() != Some(&0)));
            seen += 1;
        }
        if resume.is_none() {
            flush(&mut group, &mut batch);
        }
        if !batch.is_empty() {
            // Under the commit lock, so no commit's pruning of the same keys interleaves.
            let _g = self.commit_lock.lock();
            self.db.commit(batch, Durability::Async)?;
        }
        self.vacuumed.fetch_add(removed, Ordering::Relaxed);
        Ok((removed, resume))
    }

    fn vacuum_loop(&self) {
        let mut position: HashMap<String, Vec<u8>> = HashMap::new();
        while !self.stop.load(Ordering::Acquire) {
            for table in self.table_names() {
                if self.stop.load(Ordering::Acquire) {
                    return;
                }
                let from = position.remove(&table);
                match self.vacuum_step(&table, from.as_deref(), 2000) {
                    Ok((_, Some(next))) => {
                        position.insert(table, next);
                    }
                    Ok((_, None)) => {}
                    Err(e) => tracing::debug!(table, error = %e, "vacuum step skipped"),
                }
            }
            std::thread::sleep(self.opts.vacuum_interval);
        }
    }
}
