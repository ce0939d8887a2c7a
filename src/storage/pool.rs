//! The buffer pool: a fixed set of in-memory frames caching pages of the data file.
//!
//! - **Lookup** goes through a page table split into shards, each behind its own small mutex,
//!   so there is no global lock on the hit path.
//! - **Pinning**: a frame in use is pinned (a counter); [`PageRef`] and [`PageMut`] are guards
//!   that hold a pin and the frame's latch (shared or exclusive) and release both on drop.
//! - **Frames are sized lazily**: a frame's buffer is allocated when it is first claimed, so an
//!   idle or half-used pool costs only the memory of the pages it holds.
//! - **Eviction** is a clock sweep over unpinned, clean frames. Dirty frames are never evicted:
//!   the data file holds exactly the last checkpoint (see `docs/wal-and-recovery.md`), so a
//!   dirty page may reach the file only through a checkpoint, which first makes the WAL durable
//!   up to the newest page LSN (the WAL rule). The engine keeps the dirty share of the pool
//!   bounded by checkpointing early.
//! - **Versions**: every exclusive latch, and every reuse of a frame, gives the frame a version
//!   from one pool-wide counter, so a checkpoint can tell whether the page it copied is still
//!   in that frame unchanged before it marks it clean (per-frame counters could coincide across
//!   frames when a page moves between frames, and mark a stale frame clean).

use super::error::{Result, StorageError};
use super::page::{self, PAGE_SIZE, PageBuf, PageId};
use super::vfs::{VFile, read_exact_at};
use parking_lot::{Mutex, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::collections::HashMap;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering};

const NO_PAGE: u64 = u64::MAX;
const SHARDS: usize = 64;

struct Frame {
    /// The page bytes; empty until the frame is first used, so an idle pool costs no memory.
    latch: RwLock<Vec<u8>>,
    pid: AtomicU64,
    pins: AtomicU32,
    dirty: AtomicBool,
    loaded: AtomicBool,
    referenced: AtomicBool,
    version: AtomicU64,
}

/// One shard of the page table, with its share of the hit and miss counts (counted under the
/// shard's lock: a pool-wide atomic counter would be one contended cache line for all readers).
#[derive(Default)]
struct Shard {
    table: HashMap<PageId, u32>,
    hits: u64,
    misses: u64,
}

/// Counters of pool activity.
#[derive(Debug, Default)]
pub struct PoolCounters {
    pub hits: u64,
    pub misses: u64,
    pub evictions: u64,
}

/// See the module documentation.
pub struct BufferPool {
    frames: Box<[Frame]>,
    shards: Box<[Mutex<Shard>]>,
    hand: AtomicUsize,
    dirty: AtomicUsize,
    /// Source of frame versions; unique across frames, so a version names one frame's state.
    versions: AtomicU64,
    file: Arc<dyn VFile>,
    evictions: AtomicU64,
}

/// A page copied out of the pool by a checkpoint.
pub(crate) struct DirtyPage {
    pub pid: PageId,
    pub version: u64,
    pub image: Box<PageBuf>,
}

fn new_buf() -> Box<PageBuf> {
    vec![0u8; PAGE_SIZE]
        .into_boxed_slice()
        .try_into()
        .unwrap_or_else(|_| Box::new([0u8; PAGE_SIZE]))
}

impl BufferPool {
    /// A pool of `frames` pages over the data file.
    pub fn new(file: Arc<dyn VFile>, frames: usize) -> BufferPool {
        let frames = frames.max(16);
        BufferPool {
            frames: (0..frames)
                .map(|_| Frame {
                    latch: RwLock::new(Vec::new()),
                    pid: AtomicU64::new(NO_PAGE),
                    pins: AtomicU32::new(0),
                    dirty: AtomicBool::new(false),
                    loaded: AtomicBool::new(false),
                    referenced: AtomicBool::new(false),
                    version: AtomicU64::new(0),
                })
                .collect(),
            shards: (0..SHARDS).map(|_| Mutex::new(Shard::default())).collect(),
            hand: AtomicUsize::new(0),
            dirty: AtomicUsize::new(0),
            versions: AtomicU64::new(1),
            file,
            evictions: AtomicU64::new(0),
        }
    }

    /// Number of frames.
    pub fn capacity(&self) -> usize {
        self.frames.len()
    }

    /// Number of dirty frames.
    pub fn dirty_count(&self) -> usize {
        self.dirty.load(Ordering::Relaxed)
    }

    /// Hits, misses and evictions so far.
    pub fn counters(&self) -> PoolCounters {
        let mut c = PoolCounters {
            evictions: self.evictions.load(Ordering::Relaxed),
            ..PoolCounters::default()
        };
        for s in self.shards.iter() {
            let s = s.lock();
            c.hits += s.hits;
            c.misses += s.misses;
        }
        c
    }

    fn shard(&self, pid: PageId) -> &Mutex<Shard> {
        &self.shards[(pid as usize) % SHARDS]
    }

    /// Pins the frame holding `pid`, reading it from the file if `load` (else zero-filling it).
    fn pin(&self, pid: PageId, load: bool) -> Result<&Frame> {
        let shard_idx = (pid as usize) % SHARDS;
        let mut shard = self.shards[shard_idx].lock();
        if let Some(&fi) = shard.table.get(&pid) {
            let f = &self.frames[fi as usize];
            f.pins.fetch_add(1, Ordering::AcqRel);
            f.referenced.store(true, Ordering::Relaxed);
            shard.hits += 1;
            drop(shard);
            return Ok(f);
        }
        shard.misses += 1;
        let map = &mut shard.table;
        let fi = self.find_victim(shard_idx, map)?;
        let f = &self.frames[fi];
        f.pid.store(pid, Ordering::Release);
        f.loaded.store(false, Ordering::Release);
        f.version.store(
            self.versions.fetch_add(1, Ordering::Relaxed),
            Ordering::Release,
        );
        f.referenced.store(true, Ordering::Relaxed);
        map.insert(pid, fi as u32);
        // Take the latch before others can find the frame, so they wait until it is loaded.
        let mut g = f.latch.write();
        drop(shard);
        if g.len() != PAGE_SIZE {
            g.resize(PAGE_SIZE, 0);
        }
        let res = if load {
            read_exact_at(&*self.file, &mut g[..], pid * PAGE_SIZE as u64)
                .map_err(|e| {
                    page::corrupt(pid, &format!("cannot read page beyond end of file ({e})"))
                })
                .and_then(|()| page::verify(as_page(&g), pid))
        } else {
            g.fill(0);
            Ok(())
        };
        match res {
            Ok(()) => {
                f.loaded.store(true, Ordering::Release);
                drop(g);
                Ok(f)
            }
            Err(e) => {
                drop(g);
                self.shard(pid).lock().table.remove(&pid);
                f.pid.store(NO_PAGE, Ordering::Release);
                f.pins.fetch_sub(1, Ordering::AcqRel);
                Err(e)
            }
        }
    }

    /// Finds an unpinned clean frame, unmaps it and returns it pinned once.
    fn find_victim(&self, cur: usize, cur_map: &mut HashMap<PageId, u32>) -> Result<usize> {
        let n = self.frames.len();
        for _ in 0..3 * n {
            let i = self.hand.fetch_add(1, Ordering::Relaxed) % n;
            let f = &self.frames[i];
            if f.pins.load(Ordering::Acquire) != 0 || f.dirty.load(Ordering::Acquire) {
                continue;
            }
            if f.referenced.swap(false, Ordering::Relaxed) {
                continue;
            }
            let old = f.pid.load(Ordering::Acquire);
            if old == NO_PAGE {
                if f.pins
                    .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_ok()
                {
                    if f.pid.load(Ordering::Acquire) == NO_PAGE {
                        return Ok(i);
                    }
                    f.pins.fetch_sub(1, Ordering::AcqRel);
                }
                continue;
            }
            let os = (old as usize) % SHARDS;
            let claim = |map: &mut HashMap<PageId, u32>| -> bool {
                if map.get(&old) != Some(&(i as u32)) || f.dirty.load(Ordering::Acquire) {
                    return false;
                }
                if f.pins
                    .compare_exchange(0, 1, Ordering::AcqRel, Ordering::Acquire)
                    .is_err()
                {
                    return false;
                }
                map.remove(&old);
                true
            };
            let claimed = if os == cur {
                claim(cur_map)
            } else if let Some(mut m) = self.shards[os].try_lock() {
                claim(&mut m.table)
            } else {
                false
            };
            if claimed {
                self.evictions.fetch_add(1, Ordering::Relaxed);
                return Ok(i);
            }
        }
        Err(StorageError::Io(format!(
            "buffer pool exhausted: all {n} frames are pinned or dirty"
        )))
    }

    fn check_loaded(&self, f: &Frame, pid: PageId) -> Result<()> {
        if f.loaded.load(Ordering::Acquire) && f.pid.load(Ordering::Acquire) == pid {
            Ok(())
        } else {
            Err(page::corrupt(pid, "page could not be loaded"))
        }
    }

    /// The page, latched shared.
    pub fn read(&self, pid: PageId) -> Result<PageRef<'_>> {
        let f = self.pin(pid, true)?;
        let guard = f.latch.read();
        if let Err(e) = self.check_loaded(f, pid) {
            drop(guard);
            f.pins.fetch_sub(1, Ordering::AcqRel);
            return Err(e);
        }
        Ok(PageRef {
            frame: f,
            guard: Some(guard),
        })
    }

    /// The page, latched exclusively and marked dirty.
    pub fn write(&self, pid: PageId) -> Result<PageMut<'_>> {
        let f = self.pin(pid, true)?;
        self.latch_mut(f, pid)
    }

    /// A newly allocated page: not read from the file, zero-filled, latched exclusively, dirty.
    pub fn create(&self, pid: PageId) -> Result<PageMut<'_>> {
        let f = self.pin(pid, false)?;
        let mut g = self.latch_mut(f, pid)?;
        g.fill(0);
        Ok(g)
    }

    fn latch_mut<'a>(&'a self, f: &'a Frame, pid: PageId) -> Result<PageMut<'a>> {
        let guard = f.latch.write();
        if let Err(e) = self.check_loaded(f, pid) {
            drop(guard);
            f.pins.fetch_sub(1, Ordering::AcqRel);
            return Err(e);
        }
        f.version.store(
            self.versions.fetch_add(1, Ordering::Relaxed),
            Ordering::Release,
        );
        if !f.dirty.swap(true, Ordering::AcqRel) {
            self.dirty.fetch_add(1, Ordering::Relaxed);
        }
        Ok(PageMut {
            frame: f,
            guard: Some(guard),
        })
    }

    /// Drops a freed page's pending changes so no checkpoint writes it.
    pub fn forget(&self, pid: PageId) {
        let map = self.shard(pid).lock();
        if let Some(&fi) = map.table.get(&pid) {
            // No latch: the page is unreachable, so nobody changes it any more.
            if self.frames[fi as usize].dirty.swap(false, Ordering::AcqRel) {
                self.dirty.fetch_sub(1, Ordering::Relaxed);
            }
        }
    }

    /// Pins the frame caching `pid`, if any, without loading anything. Shard locks are never
    /// held while waiting for a latch (a latch holder may be waiting for the shard lock).
    fn pin_cached(&self, pid: PageId) -> Option<&Frame> {
        let map = self.shard(pid).lock();
        let &fi = map.table.get(&pid)?;
        let f = &self.frames[fi as usize];
        f.pins.fetch_add(1, Ordering::AcqRel);
        Some(f)
    }

    /// Copies every dirty page. The caller keeps writers out while this runs.
    pub(crate) fn dirty_snapshot(&self) -> Vec<DirtyPage> {
        let mut out = Vec::new();
        for f in self.frames.iter() {
            if !f.dirty.load(Ordering::Acquire) {
                continue;
            }
            let g = f.latch.read();
            let pid = f.pid.load(Ordering::Acquire);
            if pid == NO_PAGE || !f.dirty.load(Ordering::Acquire) {
                continue;
            }
            let mut image = new_buf();
            image.copy_from_slice(&g[..]);
            out.push(DirtyPage {
                pid,
                version: f.version.load(Ordering::Acquire),
                image,
            });
        }
        out
    }

    /// Marks pages clean whose frames were not changed since they were copied.
    pub(crate) fn mark_clean(&self, pages: &[DirtyPage]) {
        for p in pages {
            let Some(f) = self.pin_cached(p.pid) else {
                continue;
            };
            {
                // The shared latch keeps the writer (who bumps the version under an exclusive
                // latch) out between the comparison and the clearing.
                let _g = f.latch.read();
                if f.pid.load(Ordering::Acquire) == p.pid
                    && f.version.load(Ordering::Acquire) == p.version
                    && f.dirty.swap(false, Ordering::AcqRel)
                {
                    self.dirty.fetch_sub(1, Ordering::Relaxed);
                }
            }
            f.pins.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

fn as_page(v: &[u8]) -> &PageBuf {
    <&PageBuf>::try_from(v).unwrap_or(&EMPTY)
}

/// A pinned page latched shared.
pub struct PageRef<'a> {
    frame: &'a Frame,
    guard: Option<RwLockReadGuard<'a, Vec<u8>>>,
}

impl Deref for PageRef<'_> {
    type Target = PageBuf;
    fn deref(&self) -> &PageBuf {
        self.guard.as_ref().map(|g| as_page(g)).unwrap_or(&EMPTY)
    }
}

impl Drop for PageRef<'_> {
    fn drop(&mut self) {
        // Release the latch before the pin, so an evictor never reuses a latched frame.
        self.guard.take();
        self.frame.pins.fetch_sub(1, Ordering::AcqRel);
    }
}

static EMPTY: PageBuf = [0u8; PAGE_SIZE];

/// A pinned page latched exclusively (and so dirty).
pub struct PageMut<'a> {
    frame: &'a Frame,
    guard: Option<RwLockWriteGuard<'a, Vec<u8>>>,
}

impl PageMut<'_> {
    /// The page's id.
    pub fn pid(&self) -> PageId {
        self.frame.pid.load(Ordering::Acquire)
    }
}

impl Deref for PageMut<'_> {
    type Target = PageBuf;
    fn deref(&self) -> &PageBuf {
        self.guard.as_ref().map(|g| as_page(g)).unwrap_or(&EMPTY)
    }
}

impl DerefMut for PageMut<'_> {
    fn deref_mut(&mut self) -> &mut PageBuf {
        match self
            .guard
            .as_mut()
            .and_then(|g| <&mut PageBuf>::try_from(g.as_mut_slice()).ok())
        {
            Some(p) => p,
            None => unreachable_guard(),
        }
    }
}

#[cold]
fn unreachable_guard() -> ! {
    // A latched frame always holds a full page (it is sized when first claimed) and the guard
    // is only taken in Drop, so this cannot run; there is no safe value to return.
    std::process::abort()
}

impl Drop for PageMut<'_> {
    fn drop(&mut self) {
        self.guard.take();
        self.frame.pins.fetch_sub(1, Ordering::AcqRel);
    }
}
