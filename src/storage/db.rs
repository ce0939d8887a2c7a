//! The engine: named trees in one data file, a WAL, checkpoints and recovery.
//!
//! **Writes.** A [`WriteBatch`] is validated, appended to the WAL and applied to the trees
//! under the writer lock, which serialises structure changes (one writer, as in LMDB, redb
//! and SQLite); the fsync that makes it durable happens after the lock is released, so commits
//! of many threads share fsyncs (group commit, see [`wal`](super::wal)). Readers take no
//! engine lock at all, only page latches.
//!
//! **The data file holds the last checkpoint, exactly.** Pages change only in the buffer pool
//! between checkpoints. A checkpoint copies the dirty pages under the writer lock, then, with
//! writers running again, makes the WAL durable past every copied change, writes the copies to
//! the double-write buffer, fsyncs it, writes them in place and fsyncs again (see
//! [`meta`](super::meta)). So the file always opens as a consistent tree, and recovery redoes
//! the logical WAL records after the checkpoint's LSN on top of it. Replaying a record whose
//! effects are partly in the checkpoint is harmless, because every operation is a blind,
//! idempotent write (put, delete, create, drop). A checkpoint is due when the dirty share of the
//! pool or the WAL since the last one grows past a bound; a writer that finds the pool nearly
//! full of dirty pages checkpoints itself before going on.

use super::batch::{Durability, Op, OpIter, WriteBatch};
use super::btree::{self, Allocator, LeafBatch, TreeWriter};
use super::error::{Result, StorageError};
use super::meta::{self, DIRECTORY_ROOT, Meta};
use super::page::{self, PAGE_SIZE, PageBuf, PageId, PageType};
use super::pool::{BufferPool, DirtyPage};
use super::vfs::{MemVfs, OsVfs, VFile, Vfs};
use super::wal::Wal;
use super::{MAX_KEY_LEN, MAX_VALUE_LEN};
use parking_lot::{Condvar, Mutex, RwLock};
use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// Settings of an engine instance.
#[derive(Debug, Clone)]
pub struct Options {
    /// Size of the buffer pool in bytes (default 128 MiB).
    pub pool_bytes: usize,
    /// WAL segment size in bytes (default 16 MiB).
    pub wal_segment_bytes: u64,
    /// A checkpoint is due once this much WAL has been written since the last (default 64 MiB).
    pub checkpoint_wal_bytes: u64,
    /// ... or once this share of the pool is dirty (default 0.25).
    pub checkpoint_dirty_fraction: f64,
    /// ... or once this much time has passed with changes (default 30 s).
    pub checkpoint_interval: Duration,
    /// Run the background thread (WAL flush for async commits, checkpoints). Default on.
    pub background: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            pool_bytes: 128 << 20,
            wal_segment_bytes: 16 << 20,
            checkpoint_wal_bytes: 64 << 20,
            checkpoint_dirty_fraction: 0.25,
            checkpoint_interval: Duration::from_secs(30),
            background: true,
        }
    }
}

/// Figures about an engine instance.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Pages in the data file's address space (used and free).
    pub pages: u64,
    /// Pages on the free list.
    pub free_pages: u64,
    /// Dirty pages in the buffer pool.
    pub dirty_pages: u64,
    /// Frames in the buffer pool.
    pub pool_frames: u64,
    pub buffer_hits: u64,
    pub buffer_misses: u64,
    pub evictions: u64,
    /// WAL bytes appended since open.
    pub wal_bytes: u64,
    /// WAL bytes kept on disk.
    pub wal_retained_bytes: u64,
    /// Everything below this LSN is durable.
    pub durable_lsn: u64,
    /// Size of the data file in bytes.
    pub file_bytes: u64,
    /// Checkpoints completed since open.
    pub checkpoints: u64,
    /// Number of trees.
    pub trees: u64,
}

/// A tree's identity; handles keep one so a dropped tree is noticed.
pub(crate) struct TreeInfo {
    name: String,
    root: PageId,
    alive: AtomicBool,
}

/// What only the writer touches.
struct WriterState {
    page_count: u64,
    free: Vec<PageId>,
    freelist_pages: Vec<PageId>,
    pending_free: Vec<PageId>,
}

impl Allocator for WriterState {
    fn alloc(&mut self) -> PageId {
        self.free.pop().unwrap_or_else(|| {
            self.page_count += 1;
            self.page_count - 1
        })
    }
    fn free_later(&mut self, pid: PageId) {
        self.pending_free.push(pid);
    }
}

impl WriterState {
    fn release_pending(&mut self, pool: &BufferPool) {
        for pid in self.pending_free.drain(..) {
            pool.forget(pid);
            self.free.push(pid);
        }
    }
}

struct CheckpointState {
    busy: bool,
    seq: u64,
    lsn: u64,
    at: Instant,
}

struct CheckpointJob {
    pool_pages: Vec<DirtyPage>,
    extra: Vec<(PageId, Box<PageBuf>)>,
    lsn: u64,
    wal_end: u64,
    seq: u64,
}

struct Inner {
    data: Arc<dyn VFile>,
    dwb: Arc<dyn VFile>,
    pool: BufferPool,
    wal: Wal,
    writer: Mutex<WriterState>,
    trees: RwLock<HashMap<String, Arc<TreeInfo>>>,
    ckpt: Mutex<CheckpointState>,
    ckpt_done: Condvar,
    checkpoints: AtomicU64,
    poison: Mutex<Option<String>>,
    poisoned: AtomicBool,
    closed: AtomicBool,
    wake: (Mutex<bool>, Condvar),
    opts: Options,
}

/// An open database: many named trees. Cheap to share across threads (`&Db` is `Sync`).
pub struct Db {
    inner: Arc<Inner>,
    background: Mutex<Option<JoinHandle<()>>>,
    _lock: Option<std::fs::File>,
}

/// A handle on one tree.
#[derive(Clone)]
pub struct Tree {
    db: Arc<Inner>,
    info: Arc<TreeInfo>,
}

const DATA_FILE: &str = "data.db";
const DWB_FILE: &str = "data.dwb";
const WAL_DIR: &str = "wal";
const LOCK_FILE: &str = "LOCK";

impl Db {
    /// Opens (creating if needed) the database in directory `dir`.
    pub fn open(dir: impl AsRef<Path>, opts: Options) -> Result<Db> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        // An advisory lock: the kernel drops it when the process dies, so a crash never
        // leaves a stale lock behind.
        let lock = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(dir.join(LOCK_FILE))?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                return Err(StorageError::Locked(dir.display().to_string()));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(e.into()),
        }
        let mut db = Db::open_with_vfs(Arc::new(OsVfs), dir, opts)?;
        db._lock = Some(lock);
        Ok(db)
    }

    /// A database that lives in memory only.
    pub fn open_memory(opts: Options) -> Result<Db> {
        Db::open_with_vfs(MemVfs::new(), Path::new("/memory"), opts)
    }

    /// Opens the database in `dir` of the given file system (tests use a [`MemVfs`] to inject
    /// faults and simulate crashes).
    pub fn open_with_vfs(vfs: Arc<dyn Vfs>, dir: &Path, opts: Options) -> Result<Db> {
        let inner = Arc::new(Inner::open(vfs, dir, opts)?);
        let background = if inner.opts.background {
            let bg = inner.clone();
            Some(
                std::thread::Builder::new()
                    .name("isodb-storage".into())
                    .spawn(move || bg.background_loop())?,
            )
        } else {
            None
        };
        Ok(Db {
            inner,
            background: Mutex::new(background),
            _lock: None,
        })
    }

    /// Creates an empty tree.
    pub fn create_tree(&self, name: &str) -> Result<Tree> {
        let mut b = WriteBatch::new();
        b.create_tree(name);
        self.commit(b, Durability::Sync)?;
        self.tree(name)
    }

    /// Drops a tree and all it holds.
    pub fn drop_tree(&self, name: &str) -> Result<()> {
        let mut b = WriteBatch::new();
        b.drop_tree(name);
        self.commit(b, Durability::Sync)
    }

    /// A handle on an existing tree.
    pub fn tree(&self, name: &str) -> Result<Tree> {
        let info = self
            .inner
            .trees
            .read()
            .get(name)
            .cloned()
            .ok_or_else(|| StorageError::NoSuchTree(name.to_string()))?;
        Ok(Tree {
            db: self.inner.clone(),
            info,
        })
    }

    /// Names of all trees, sorted.
    pub fn tree_names(&self) -> Vec<String> {
        let mut v: Vec<String> = self.inner.trees.read().keys().cloned().collect();
        v.sort();
        v
    }

    /// Applies a batch atomically; see [`Durability`] for when it is durable.
    pub fn commit(&self, batch: WriteBatch, durability: Durability) -> Result<()> {
        self.inner.commit(&batch, durability)
    }

    /// Makes every batch committed so far durable (sharing the fsync with concurrent callers):
    /// `commit(batch, Durability::Async)` followed by `sync()` is `commit(batch, Sync)`, but
    /// lets a caller order commits under its own lock and wait for durability outside it.
    pub fn sync(&self) -> Result<()> {
        let end = self.inner.wal.end_lsn();
        self.inner
            .wal
            .flush(end)
            .inspect_err(|e| self.inner.poison_with(e))
    }

    /// Writes every change to the data file now, and lets old WAL segments go.
    pub fn checkpoint(&self) -> Result<()> {
        self.inner.checkpoint()
    }

    /// Current figures.
    pub fn stats(&self) -> Stats {
        self.inner.stats()
    }

    /// The error that stopped the engine from writing, if one did.
    pub fn failure(&self) -> Option<String> {
        self.inner.poison.lock().clone()
    }

    /// Checkpoints and closes. Dropping a `Db` does the same, ignoring errors.
    pub fn close(self) -> Result<()> {
        self.shutdown()
    }

    fn shutdown(&self) -> Result<()> {
        if self.inner.closed.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        self.inner.wake();
        if let Some(h) = self.background.lock().take() {
            let _ = h.join();
        }
        if self.inner.poisoned.load(Ordering::Acquire) {
            return Ok(());
        }
        self.inner.checkpoint()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        if let Err(e) = self.shutdown() {
            tracing::warn!(error = %e, "checkpoint at close failed; the WAL still has everything");
        }
    }
}

impl Inner {
    fn open(vfs: Arc<dyn Vfs>, dir: &Path, opts: Options) -> Result<Inner> {
        vfs.create_dir_all(dir)?;
        let data_path = dir.join(DATA_FILE);
        let fresh_dir = !vfs.exists(&data_path);
        let data = vfs.open(&data_path, true)?;
        let dwb = vfs.open(&dir.join(DWB_FILE), true)?;
        if fresh_dir {
            vfs.sync_dir(dir)?;
        }
        // Finish a checkpoint whose in-place writes may have been cut short.
        let disk_meta = Meta::read(&*data).ok();
        if let Some(buf) = meta::read_dwb(&*dwb)?
            && disk_meta.is_none_or(|m| buf.seq >= m.seq)
        {
            for (pid, img) in &buf.pages {
                data.write_at(&img[..], pid * PAGE_SIZE as u64)?;
            }
            data.sync().map_err(StorageError::from_sync)?;
        }
        let meta = match Meta::read(&*data) {
            Ok(m) => m,
            // A new database: nothing was ever written in place.
            Err(_) if data.len()? == 0 => Self::initialize(&*data, &*dwb)?,
            Err(e) => return Err(e),
        };
        let (free, freelist_pages) = meta::read_freelist(&*data, &meta)?;
        let frames = (opts.pool_bytes / PAGE_SIZE).max(64);
        let pool = BufferPool::new(data.clone(), frames);
        let wal_dir = dir.join(WAL_DIR);
        let recovery = Wal::recover(&*vfs, &wal_dir, meta.checkpoint_lsn, &mut |_, _| Ok(()))?;
        let wal = Wal::open(vfs.clone(), &wal_dir, recovery.end, opts.wal_segment_bytes)?;
        let inner = Inner {
            data,
            dwb,
            pool,
            wal,
            writer: Mutex::new(WriterState {
                page_count: meta.page_count,
                free,
                freelist_pages,
                pending_free: Vec::new(),
            }),
            trees: RwLock::new(HashMap::new()),
            ckpt: Mutex::new(CheckpointState {
                busy: false,
                seq: meta.seq,
                lsn: meta.checkpoint_lsn,
                at: Instant::now(),
            }),
            ckpt_done: Condvar::new(),
            checkpoints: AtomicU64::new(0),
            poison: Mutex::new(None),
            poisoned: AtomicBool::new(false),
            closed: AtomicBool::new(false),
            wake: (Mutex::new(false), Condvar::new()),
            opts,
        };
        inner.load_directory()?;
        if recovery.records > 0 {
            let mut w = inner.writer.lock();
            inner
                .wal
                .replay(meta.checkpoint_lsn, recovery.end, &mut |lsn, payload| {
                    inner.apply(&mut w, payload, lsn, true)
                })?;
            drop(w);
            tracing::info!(
                records = recovery.records,
                from = meta.checkpoint_lsn,
                to = recovery.end,
                "recovered from the WAL"
            );
            // Bound the next recovery, and make this one final.
            inner.checkpoint()?;
        }
        Ok(inner)
    }

    /// Writes the first checkpoint of a new database: an empty directory tree.
    fn initialize(data: &dyn VFile, dwb: &dyn VFile) -> Result<Meta> {
        let meta = Meta {
            seq: 1,
            checkpoint_lsn: 0,
            page_count: 2,
            freelist_head: 0,
            free_count: 0,
        };
        let mut root: Box<PageBuf> = Box::new([0u8; PAGE_SIZE]);
        page::init(&mut root, PageType::Leaf);
        page::seal(&mut root);
        let meta_page = meta.to_page();
        let images = [(0u64, &*meta_page), (DIRECTORY_ROOT, &*root)];
        meta::write_dwb(dwb, meta.seq, images.iter().map(|(p, i)| (*p, *i)))?;
        for (pid, img) in images {
            data.write_at(&img[..], pid * PAGE_SIZE as u64)?;
        }
        data.sync().map_err(StorageError::from_sync)?;
        Ok(meta)
    }

    fn load_directory(&self) -> Result<()> {
        let mut trees = self.trees.write();
        let alive = || true;
        let mut from: Option<Bound<Vec<u8>>> = Some(Bound::Unbounded);
        let mut batch = LeafBatch::default();
        while let Some(b) = from.take() {
            let b_ref = bound_ref(&b);
            from = btree::read_leaf(&self.pool, DIRECTORY_ROOT, &alive, b_ref, false, &mut batch)?;
            for i in 0..batch.len() {
                let name = String::from_utf8(batch.key(i).to_vec())
                    .map_err(|_| page::corrupt(DIRECTORY_ROOT, "tree name is not UTF-8"))?;
                let v = batch.value(i);
                if v.len() != 8 {
                    return Err(page::corrupt(DIRECTORY_ROOT, "bad directory entry"));
                }
                let root = u64::from_le_bytes(v.try_into().unwrap_or([0; 8]));
                trees.insert(
                    name.clone(),
                    Arc::new(TreeInfo {
                        name,
                        root,
                        alive: AtomicBool::new(true),
                    }),
                );
            }
        }
        Ok(())
    }

    fn check_writable(&self) -> Result<()> {
        if self.closed.load(Ordering::Acquire) {
            return Err(StorageError::Closed);
        }
        self.check_not_poisoned()
    }

    fn check_not_poisoned(&self) -> Result<()> {
        if self.poisoned.load(Ordering::Acquire) {
            let why = self.poison.lock().clone().unwrap_or_default();
            return Err(StorageError::Poisoned(why));
        }
        Ok(())
    }

    fn poison_with(&self, e: &StorageError) {
        let mut p = self.poison.lock();
        if p.is_none() {
            tracing::error!(error = %e, "storage engine stops accepting writes");
            *p = Some(e.to_string());
        }
        self.poisoned.store(true, Ordering::Release);
    }

    /// Checks a batch against the current trees before anything is logged.
    fn validate(&self, batch: &WriteBatch) -> Result<()> {
        let trees = self.trees.read();
        let mut created: HashMap<&str, bool> = HashMap::new();
        let exists = |created: &HashMap<&str, bool>, t: &str| {
            created
                .get(t)
                .copied()
                .unwrap_or_else(|| trees.contains_key(t))
        };
        for op in OpIter::new(&batch.buf, 0) {
            match op? {
                Op::Put { tree, key, value } => {
                    check_key(key)?;
                    if value.len() > MAX_VALUE_LEN {
                        return Err(StorageError::ValueTooLarge {
                            len: value.len(),
                            max: MAX_VALUE_LEN,
                        });
                    }
                    if !exists(&created, tree) {
                        return Err(StorageError::NoSuchTree(tree.into()));
                    }
                }
                Op::Delete { tree, key } => {
                    check_key(key)?;
                    if !exists(&created, tree) {
                        return Err(StorageError::NoSuchTree(tree.into()));
                    }
                }
                Op::CreateTree { tree } => {
                    if tree.is_empty() || tree.len() > MAX_KEY_LEN {
                        return Err(StorageError::KeyTooLarge {
                            len: tree.len(),
                            max: MAX_KEY_LEN,
                        });
                    }
                    if exists(&created, tree) {
                        return Err(StorageError::TreeExists(tree.into()));
                    }
                    created.insert(tree, true);
                }
                Op::DropTree { tree } => {
                    if !exists(&created, tree) {
                        return Err(StorageError::NoSuchTree(tree.into()));
                    }
                    created.insert(tree, false);
                }
            }
        }
        let budget = self.pool.capacity() / 2;
        if btree::pages_for_put(batch.max_value, 8) > budget {
            return Err(StorageError::ValueTooLarge {
                len: batch.max_value,
                max: budget.saturating_sub(24) * page::OVERFLOW_PAYLOAD,
            });
        }
        Ok(())
    }

    fn commit(&self, batch: &WriteBatch, durability: Durability) -> Result<()> {
        self.check_writable()?;
        if batch.is_empty() {
            return Ok(());
        }
        let end = {
            let mut w = self.writer.lock();
            self.check_writable()?;
            self.validate(batch)?;
            let (lsn, end) = self.wal.append(&batch.buf).inspect_err(|e| {
                if e.is_fatal() {
                    self.poison_with(e)
                }
            })?;
            if let Err(e) = self.apply(&mut w, &batch.buf, lsn, false) {
                // The record is logged but only partly applied: the in-memory state can no
                // longer be trusted. Reopening replays the record.
                self.poison_with(&e);
                return Err(e);
            }
            end
        };
        match durability {
            Durability::Sync => self.wal.flush(end).inspect_err(|e| self.poison_with(e))?,
            Durability::Async => {}
        }
        if self.checkpoint_due() {
            self.wake();
        }
        Ok(())
    }

    /// Applies an encoded batch whose WAL record starts at `lsn`.
    fn apply(&self, w: &mut WriterState, payload: &[u8], lsn: u64, replay: bool) -> Result<()> {
        // Batches mostly write one tree: remember the last one looked up (tree creation and
        // drops clear it).
        let mut last_tree: Option<(&str, PageId)> = None;
        for op in OpIter::new(payload, lsn) {
            let op = op?;
            // Keep room in the pool: checkpoint first if dirty pages crowd it. The checkpoint
            // covers a prefix of this batch, and recovery replays the whole batch from `lsn`.
            let need = match op {
                Op::Put { value, .. } => btree::pages_for_put(value.len(), 8),
                _ => 24,
            };
            if self.pool.dirty_count() + need > self.pool.capacity() * 3 / 4 {
                self.checkpoint_locked(w, lsn)?;
            }
            let missing = |t: &str| {
                if replay {
                    StorageError::CorruptWal {
                        lsn,
                        reason: format!("record names missing tree {t:?}"),
                    }
                } else {
                    StorageError::NoSuchTree(t.into())
                }
            };
            match op {
                Op::Put { tree, key, value } => {
                    let root = self
                        .root_of(tree, &mut last_tree)
                        .ok_or_else(|| missing(tree))?;
                    TreeWriter {
                        pool: &self.pool,
                        alloc: &mut *w,
                        lsn,
                    }
                    .put(root, key, value)?;
                }
                Op::Delete { tree, key } => {
                    let root = self
                        .root_of(tree, &mut last_tree)
                        .ok_or_else(|| missing(tree))?;
                    TreeWriter {
                        pool: &self.pool,
                        alloc: &mut *w,
                        lsn,
                    }
                    .delete(root, key)?;
                }
                Op::CreateTree { tree } => {
                    last_tree = None;
                    if self.trees.read().contains_key(tree) {
                        if replay {
                            continue;
                        }
                        return Err(StorageError::TreeExists(tree.into()));
                    }
                    let mut tw = TreeWriter {
                        pool: &self.pool,
                        alloc: &mut *w,
                        lsn,
                    };
                    let root = tw.create_root()?;
                    tw.put(DIRECTORY_ROOT, tree.as_bytes(), &root.to_le_bytes())?;
                    self.trees.write().insert(
                        tree.to_string(),
                        Arc::new(TreeInfo {
                            name: tree.to_string(),
                            root,
                            alive: AtomicBool::new(true),
                        }),
                    );
                }
                Op::DropTree { tree } => {
                    last_tree = None;
                    let Some(info) = self.trees.read().get(tree).cloned() else {
                        if replay {
                            continue;
                        }
                        return Err(StorageError::NoSuchTree(tree.into()));
                    };
                    let mut tw = TreeWriter {
                        pool: &self.pool,
                        alloc: &mut *w,
                        lsn,
                    };
                    tw.delete(DIRECTORY_ROOT, tree.as_bytes())?;
                    self.trees.write().remove(tree);
                    tw.destroy(info.root, &|| info.alive.store(false, Ordering::Release))?;
                }
            }
            w.release_pending(&self.pool);
        }
        Ok(())
    }

    /// The root of a tree, through the caller's one-entry cache.
    fn root_of<'p>(&self, tree: &'p str, last: &mut Option<(&'p str, PageId)>) -> Option<PageId> {
        if let Some((name, root)) = *last
            && name == tree
        {
            return Some(root);
        }
        let root = self.trees.read().get(tree)?.root;
        *last = Some((tree, root));
        Some(root)
    }

    fn checkpoint_due(&self) -> bool {
        let st = self.ckpt.lock();
        if st.busy {
            return false;
        }
        let dirty = self.pool.dirty_count();
        let limit = (self.pool.capacity() as f64 * self.opts.checkpoint_dirty_fraction) as usize;
        dirty > limit.max(1)
            || self.wal.end_lsn() - st.lsn > self.opts.checkpoint_wal_bytes
            || (dirty > 0 && st.at.elapsed() >= self.opts.checkpoint_interval)
    }

    fn wake(&self) {
        let (m, cv) = &self.wake;
        *m.lock() = true;
        cv.notify_one();
    }

    fn checkpoint(&self) -> Result<()> {
        let job = {
            let mut w = self.writer.lock();
            self.check_not_poisoned()?;
            let Some(job) = self.begin_checkpoint(&mut w, self.wal.end_lsn()) else {
                return Ok(());
            };
            job
        };
        self.finish_checkpoint(job)
    }

    /// A checkpoint by the writer itself, holding the writer lock throughout.
    fn checkpoint_locked(&self, w: &mut WriterState, lsn: u64) -> Result<()> {
        match self.begin_checkpoint(w, lsn) {
            Some(job) => self.finish_checkpoint(job),
            None => Ok(()),
        }
    }

    /// Copies what the checkpoint will write. Runs under the writer lock, so the copies are a
    /// consistent state covering every record before the WAL's current end.
    fn begin_checkpoint(&self, w: &mut WriterState, lsn: u64) -> Option<CheckpointJob> {
        let mut st = self.ckpt.lock();
        while st.busy {
            self.ckpt_done.wait(&mut st);
        }
        let wal_end = self.wal.end_lsn();
        if self.pool.dirty_count() == 0 && wal_end == st.lsn {
            return None;
        }
        st.busy = true;
        let seq = st.seq + 1;
        drop(st);
        let pool_pages = self.pool.dirty_snapshot();
        // Store the free list on pages taken from it.
        w.free.append(&mut w.freelist_pages);
        w.free.sort_unstable_by(|a, b| b.cmp(a));
        let k = meta::freelist_pages_needed(w.free.len());
        let storage: Vec<PageId> = (0..k).filter_map(|_| w.free.pop()).collect();
        for &pid in &storage {
            self.pool.forget(pid);
        }
        let mut extra = meta::freelist_images(&storage, &w.free);
        w.freelist_pages = storage;
        let m = Meta {
            seq,
            checkpoint_lsn: lsn,
            page_count: w.page_count,
            freelist_head: w.freelist_pages.first().copied().unwrap_or(0),
            free_count: w.free.len() as u64,
        };
        extra.push((0, m.to_page()));
        Some(CheckpointJob {
            pool_pages,
            extra,
            lsn,
            wal_end,
            seq,
        })
    }

    /// Writes a checkpoint's copies: WAL first, then the double-write buffer, then in place.
    fn finish_checkpoint(&self, mut job: CheckpointJob) -> Result<()> {
        let result = self.write_checkpoint(&mut job);
        let mut st = self.ckpt.lock();
        st.busy = false;
        if result.is_ok() {
            st.seq = job.seq;
            st.lsn = job.lsn;
            st.at = Instant::now();
            self.checkpoints.fetch_add(1, Ordering::Relaxed);
        }
        drop(st);
        self.ckpt_done.notify_all();
        if let Err(e) = &result {
            self.poison_with(e);
        }
        result
    }

    fn write_checkpoint(&self, job: &mut CheckpointJob) -> Result<()> {
        // The WAL rule: no page reaches the file before the log records that changed it.
        self.wal.flush(job.wal_end)?;
        for p in job.pool_pages.iter_mut() {
            page::seal(&mut p.image);
        }
        let images = job
            .pool_pages
            .iter()
            .map(|p| (p.pid, &*p.image))
            .chain(job.extra.iter().map(|(pid, img)| (*pid, &**img)));
        meta::write_dwb(&*self.dwb, job.seq, images.clone())?;
        for (pid, img) in images {
            self.data
                .write_at(&img[..], pid * PAGE_SIZE as u64)
                .map_err(StorageError::from_write)?;
        }
        self.data.sync().map_err(StorageError::from_sync)?;
        self.pool.mark_clean(&job.pool_pages);
        self.wal.recycle(job.lsn)?;
        Ok(())
    }

    fn background_loop(&self) {
        let (m, cv) = &self.wake;
        loop {
            {
                let mut woken = m.lock();
                if !*woken {
                    cv.wait_for(&mut woken, Duration::from_millis(5));
                }
                *woken = false;
            }
            if self.closed.load(Ordering::Acquire) {
                return;
            }
            if self.poisoned.load(Ordering::Acquire) {
                continue;
            }
            // Async commits become durable here.
            let end = self.wal.end_lsn();
            if self.wal.durable_lsn() < end
                && let Err(e) = self.wal.flush(end)
            {
                self.poison_with(&e);
                continue;
            }
            if self.checkpoint_due()
                && let Err(e) = self.checkpoint()
            {
                tracing::error!(error = %e, "background checkpoint failed");
            }
        }
    }

    fn stats(&self) -> Stats {
        let (pages, free_pages) = {
            let w = self.writer.lock();
            (w.page_count, w.free.len() as u64)
        };
        let c = self.pool.counters();
        Stats {
            pages,
            free_pages,
            dirty_pages: self.pool.dirty_count() as u64,
            pool_frames: self.pool.capacity() as u64,
            buffer_hits: c.hits,
            buffer_misses: c.misses,
            evictions: c.evictions,
            wal_bytes: self.wal.appended_bytes(),
            wal_retained_bytes: self.wal.retained_bytes(),
            durable_lsn: self.wal.durable_lsn(),
            file_bytes: self.data.len().unwrap_or(0),
            checkpoints: self.checkpoints.load(Ordering::Relaxed),
            trees: self.trees.read().len() as u64,
        }
    }
}

fn check_key(key: &[u8]) -> Result<()> {
    if key.len() > MAX_KEY_LEN {
        return Err(StorageError::KeyTooLarge {
            len: key.len(),
            max: MAX_KEY_LEN,
        });
    }
    Ok(())
}

fn bound_ref(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    b.as_ref().map(Vec::as_slice)
}

fn bound_owned(b: Bound<&[u8]>) -> Bound<Vec<u8>> {
    b.map(<[u8]>::to_vec)
}

impl Tree {
    /// The tree's name.
    pub fn name(&self) -> &str {
        &self.info.name
    }

    fn alive_check(&self) -> impl Fn() -> bool + '_ {
        || self.info.alive.load(Ordering::Acquire)
    }

    fn gone(&self, e: StorageError) -> StorageError {
        match e {
            StorageError::NoSuchTree(_) => StorageError::NoSuchTree(self.info.name.clone()),
            e => e,
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if self.db.closed.load(Ordering::Acquire) {
            return Err(StorageError::Closed);
        }
        btree::get(&self.db.pool, self.info.root, &self.alive_check(), key)
            .map_err(|e| self.gone(e))
    }

    /// Sets `key` to `value`, durably.
    pub fn put(&self, key: &[u8], value: &[u8]) -> Result<()> {
        let mut b = WriteBatch::new();
        b.put(&self.info.name, key, value);
        self.db.commit(&b, Durability::Sync)
    }

    /// Removes `key`, durably.
    pub fn delete(&self, key: &[u8]) -> Result<()> {
        let mut b = WriteBatch::new();
        b.delete(&self.info.name, key);
        self.db.commit(&b, Durability::Sync)
    }

    /// Entries with keys between the bounds, in key order (or reverse key order).
    pub fn range(&self, lower: Bound<&[u8]>, upper: Bound<&[u8]>, reverse: bool) -> Cursor {
        let start = if reverse { upper } else { lower };
        Cursor {
            tree: self.clone(),
            lower: bound_owned(lower),
            upper: bound_owned(upper),
            reverse,
            next_from: Some(bound_owned(start)),
            batch: LeafBatch::default(),
            pos: 0,
            done: false,
        }
    }

    /// Every entry in key order.
    pub fn iter(&self) -> Cursor {
        self.range(Bound::Unbounded, Bound::Unbounded, false)
    }

    /// Every entry whose key starts with `prefix`, in key order.
    pub fn prefix(&self, prefix: &[u8]) -> Cursor {
        let upper = prefix_successor(prefix);
        match &upper {
            Some(u) => self.range(Bound::Included(prefix), Bound::Excluded(u), false),
            None => self.range(Bound::Included(prefix), Bound::Unbounded, false),
        }
    }
}

/// The smallest key greater than every key with this prefix, if there is one.
pub fn prefix_successor(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut p = prefix.to_vec();
    while let Some(last) = p.pop() {
        if last < 0xff {
            p.push(last + 1);
            return Some(p);
        }
    }
    None
}

/// A scan over a tree. It copies one leaf at a time and holds no latch between calls, so it
/// never blocks writers; it sees each leaf as of the moment it copies it.
pub struct Cursor {
    tree: Tree,
    lower: Bound<Vec<u8>>,
    upper: Bound<Vec<u8>>,
    reverse: bool,
    next_from: Option<Bound<Vec<u8>>>,
    batch: LeafBatch,
    pos: usize,
    done: bool,
}

impl Cursor {
    fn in_range(&self, k: &[u8]) -> bool {
        if self.reverse {
            match &self.lower {
                Bound::Included(l) => k >= l.as_slice(),
                Bound::Excluded(l) => k > l.as_slice(),
                Bound::Unbounded => true,
            }
        } else {
            match &self.upper {
                Bound::Included(u) => k <= u.as_slice(),
                Bound::Excluded(u) => k < u.as_slice(),
                Bound::Unbounded => true,
            }
        }
    }

    /// The next entry, borrowed until the following call (no allocation per entry).
    pub fn next_entry(&mut self) -> Result<Option<(&[u8], &[u8])>> {
        loop {
            if self.done {
                return Ok(None);
            }
            if self.pos < self.batch.len() {
                let i = self.pos;
                if !self.in_range(self.batch.key(i)) {
                    self.done = true;
                    return Ok(None);
                }
                self.pos += 1;
                return Ok(Some((self.batch.key(i), self.batch.value(i))));
            }
            let Some(from) = self.next_from.take() else {
                self.done = true;
                return Ok(None);
            };
            let t = &self.tree;
            let alive = || t.info.alive.load(Ordering::Acquire);
            let r = btree::read_leaf(
                &t.db.pool,
                t.info.root,
                &alive,
                bound_ref(&from),
                self.reverse,
                &mut self.batch,
            );
            match r {
                Ok(next) => {
                    self.next_from = next;
                    self.pos = 0;
                }
                Err(e) => {
                    self.done = true;
                    return Err(self.tree.gone(e));
                }
            }
        }
    }
}

impl Iterator for Cursor {
    type Item = Result<(Vec<u8>, Vec<u8>)>;
    fn next(&mut self) -> Option<Self::Item> {
        match self.next_entry() {
            Ok(Some((k, v))) => Some(Ok((k.to_vec(), v.to_vec()))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }
    }
}

impl std::fmt::Debug for Db {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Db").field("stats", &self.stats()).finish()
    }
}
