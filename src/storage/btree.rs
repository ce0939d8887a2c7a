//! The B+tree over buffer-pool pages.
//!
//! Keys and values are byte strings; keys compare by `memcmp`. Leaves hold the entries;
//! internal pages hold separators and child pointers (see [`page`](super::page)). A tree's
//! root page number never changes: a root split moves the root's contents into two new
//! children, and a root left with a single child absorbs it.
//!
//! **Concurrency.** There is one writer at a time (the engine's writer lock), and any number
//! of readers. Readers descend with latch coupling: they latch a child shared before releasing
//! its parent, so they never hold more than two pages and never two on one level. The writer
//! finds its path with short shared latches (nothing else changes the tree meanwhile), and
//! changes pages under exclusive latches taken top-down: a leaf alone when the change fits,
//! else the path from the deepest ancestor that cannot split, down to the leaf. Because a
//! reader holds its parent while it moves to a child, it sees each structure change either
//! wholly before or wholly after. Scans copy one leaf at a time and then let go of it, seeking
//! the next leaf by key from the root, so a long scan never holds a latch between calls and
//! never blocks the writer for longer than one leaf copy.

use super::error::{Result, StorageError};
use super::page::{
    self, MAX_CELL, OVERFLOW_PAYLOAD, PAGE_SIZE, PageBuf, PageId, PageType, StoredValue,
};
use super::pool::{BufferPool, PageMut};
use std::ops::Bound;

/// Deepest tree we accept; deeper means a cycle in corrupt pages.
const MAX_DEPTH: usize = 48;
/// A leaf or internal page below this many used bytes is merged with a sibling if they fit.
const UNDERFULL: usize = (PAGE_SIZE - page::HEADER) / 4;

/// Reads the value of leaf cell `i`, following an overflow chain.
fn read_value(pool: &BufferPool, leaf: &PageBuf, i: usize, out: &mut Vec<u8>) -> Result<()> {
    match page::value(leaf, i) {
        StoredValue::Inline(v) => out.extend_from_slice(v),
        StoredValue::Overflow { len, first } => {
            let mut pid = first;
            let mut left = len as usize;
            out.reserve(left);
            let mut hops = 0usize;
            while left > 0 {
                let p = pool.read(pid)?;
                if page::page_type(&p) != Some(PageType::Overflow) {
                    return Err(page::corrupt(pid, "expected an overflow page"));
                }
                let n = page::aux(&p) as usize;
                if n > OVERFLOW_PAYLOAD || n > left {
                    return Err(page::corrupt(pid, "overflow page length out of range"));
                }
                out.extend_from_slice(&p[page::HEADER..page::HEADER + n]);
                left -= n;
                pid = page::link(&p);
                hops += 1;
                if left > 0 && (pid == 0 || hops > len as usize / OVERFLOW_PAYLOAD + 2) {
                    return Err(page::corrupt(pid, "overflow chain ends early"));
                }
            }
        }
    }
    Ok(())
}

fn descend_err(pid: PageId) -> StorageError {
    page::corrupt(pid, "tree is deeper than any valid tree (cycle?)")
}

/// Looks up `key` under `root`. `alive` is checked with the root latched, so a dropped tree is
/// reported instead of read.
pub(crate) fn get(
    pool: &BufferPool,
    root: PageId,
    alive: &dyn Fn() -> bool,
    key: &[u8],
) -> Result<Option<Vec<u8>>> {
    let mut g = pool.read(root)?;
    if !alive() {
        return Err(StorageError::NoSuchTree(String::new()));
    }
    let mut pid = root;
    for _ in 0..MAX_DEPTH {
        match page::page_type(&g) {
            Some(PageType::Internal) => {
                pid = page::child_for(&g, key).1;
                g = pool.read(pid)?;
            }
            Some(PageType::Leaf) => {
                return match page::search(&g, key) {
                    Ok(i) => {
                        let mut out = Vec::new();
                        read_value(pool, &g, i, &mut out)?;
                        Ok(Some(out))
                    }
                    Err(_) => Ok(None),
                };
            }
            _ => return Err(page::corrupt(pid, "expected a tree page")),
        }
    }
    Err(descend_err(pid))
}

/// Entries copied out of one leaf, in one buffer (no allocation per entry).
#[derive(Default)]
pub(crate) struct LeafBatch {
    pub data: Vec<u8>,
    /// (key start, key end, value end) into `data`; the value starts at key end.
    pub entries: Vec<(usize, usize, usize)>,
}

impl LeafBatch {
    pub fn key(&self, i: usize) -> &[u8] {
        let (a, b, _) = self.entries[i];
        &self.data[a..b]
    }
    pub fn value(&self, i: usize) -> &[u8] {
        let (_, b, c) = self.entries[i];
        &self.data[b..c]
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// Copies the entries of the leaf where a scan positioned at `from` continues, keeping only
/// those past `from` in the scan's direction. Returns the bound to continue from after this
/// leaf, or `None` when this leaf is the last one in that direction.
pub(crate) fn read_leaf(
    pool: &BufferPool,
    root: PageId,
    alive: &dyn Fn() -> bool,
    from: Bound<&[u8]>,
    reverse: bool,
    out: &mut LeafBatch,
) -> Result<Option<Bound<Vec<u8>>>> {
    out.data.clear();
    out.entries.clear();
    let mut g = pool.read(root)?;
    if !alive() {
        return Err(StorageError::NoSuchTree(String::new()));
    }
    let mut pid = root;
    // Fences of the subtree we are in: its keys are >= lower and < upper.
    let mut lower: Option<Vec<u8>> = None;
    let mut upper: Option<Vec<u8>> = None;
    let mut depth = 0;
    while page::page_type(&g) == Some(PageType::Internal) {
        depth += 1;
        if depth > MAX_DEPTH {
            return Err(descend_err(pid));
        }
        let n = page::nslots(&g);
        let pos = match (from, reverse) {
            (Bound::Unbounded, false) => 0,
            (Bound::Unbounded, true) => n,
            (Bound::Included(k), _) | (Bound::Excluded(k), false) => page::child_for(&g, k).0,
            (Bound::Excluded(k), true) => match page::search(&g, k) {
                Ok(i) | Err(i) => i,
            },
        };
        if pos > 0 {
            lower = Some(page::key(&g, pos - 1).to_vec());
        }
        if pos < n {
            upper = Some(page::key(&g, pos).to_vec());
        }
        pid = page::child_at(&g, pos);
        g = pool.read(pid)?;
    }
    if page::page_type(&g) != Some(PageType::Leaf) {
        return Err(page::corrupt(pid, "expected a leaf page"));
    }
    let n = page::nslots(&g);
    let keep = |k: &[u8]| match (from, reverse) {
        (Bound::Unbounded, _) => true,
        (Bound::Included(b), false) => k >= b,
        (Bound::Excluded(b), false) => k > b,
        (Bound::Included(b), true) => k <= b,
        (Bound::Excluded(b), true) => k < b,
    };
    let push = |i: usize, out: &mut LeafBatch| -> Result<()> {
        let a = out.data.len();
        out.data.extend_from_slice(page::key(&g, i));
        let b = out.data.len();
        read_value(pool, &g, i, &mut out.data)?;
        out.entries.push((a, b, out.data.len()));
        Ok(())
    };
    if reverse {
        for i in (0..n).rev() {
            if keep(page::key(&g, i)) {
                push(i, out)?;
            }
        }
        Ok(lower.map(Bound::Excluded))
    } else {
        for i in 0..n {
            if keep(page::key(&g, i)) {
                push(i, out)?;
            }
        }
        Ok(upper.map(Bound::Included))
    }
}

/// Page allocation for the writer.
pub(crate) trait Allocator {
    fn alloc(&mut self) -> PageId;
    /// Frees a page once the current operation has released its latches.
    fn free_later(&mut self, pid: PageId);
}

/// The single writer's handle on one tree operation.
pub(crate) struct TreeWriter<'a, A: Allocator> {
    pub pool: &'a BufferPool,
    pub alloc: &'a mut A,
    pub lsn: u64,
}

impl<A: Allocator> TreeWriter<'_, A> {
    /// Makes a new empty tree and returns its root.
    pub fn create_root(&mut self) -> Result<PageId> {
        let pid = self.alloc.alloc();
        let mut p = self.pool.create(pid)?;
        page::init(&mut p, PageType::Leaf);
        page::set_lsn(&mut p, self.lsn);
        Ok(pid)
    }

    /// Path from the root to the leaf for `key`: (page, child position taken) per internal page,
    /// then the leaf with position 0.
    fn path(&self, root: PageId, key: &[u8]) -> Result<Vec<(PageId, usize)>> {
        let mut path = Vec::with_capacity(8);
        let mut pid = root;
        loop {
            if path.len() > MAX_DEPTH {
                return Err(descend_err(pid));
            }
            let g = self.pool.read(pid)?;
            match page::page_type(&g) {
                Some(PageType::Internal) => {
                    let (pos, child) = page::child_for(&g, key);
                    path.push((pid, pos));
                    pid = child;
                }
                Some(PageType::Leaf) => {
                    path.push((pid, 0));
                    return Ok(path);
                }
                _ => return Err(page::corrupt(pid, "expected a tree page")),
            }
        }
    }

    fn write_overflow(&mut self, v: &[u8]) -> Result<PageId> {
        let chunks: Vec<&[u8]> = v.chunks(OVERFLOW_PAYLOAD).collect();
        let pids: Vec<PageId> = chunks.iter().map(|_| self.alloc.alloc()).collect();
        for (i, c) in chunks.iter().enumerate() {
            let mut p = self.pool.create(pids[i])?;
            page::init(&mut p, PageType::Overflow);
            page::set_link(&mut p, pids.get(i + 1).copied().unwrap_or(0));
            page::set_aux(&mut p, c.len() as u32);
            page::set_lsn(&mut p, self.lsn);
            p[page::HEADER..page::HEADER + c.len()].copy_from_slice(c);
        }
        Ok(pids[0])
    }

    fn free_overflow(&mut self, len: u64, first: PageId) -> Result<()> {
        let mut pid = first;
        let mut left = len;
        while left > 0 && pid != 0 {
            let next = {
                let p = self.pool.read(pid)?;
                left = left.saturating_sub(page::aux(&p).max(1) as u64);
                page::link(&p)
            };
            self.alloc.free_later(pid);
            pid = next;
        }
        Ok(())
    }

    /// Inserts or replaces `key`.
    pub fn put(&mut self, root: PageId, key: &[u8], value: &[u8]) -> Result<()> {
        let mut cell = Vec::with_capacity(key.len() + value.len().min(MAX_CELL) + 22);
        if page::leaf_cell_len(key.len(), value.len()) + 2 <= MAX_CELL {
            page::make_leaf_cell(&mut cell, key, StoredValue::Inline(value));
        } else {
            let first = self.write_overflow(value)?;
            let len = value.len() as u64;
            page::make_leaf_cell(&mut cell, key, StoredValue::Overflow { len, first });
        }
        let path = self.path(root, key)?;
        let leaf_pid = path[path.len() - 1].0;
        let (found, idx) = {
            let mut leaf = self.pool.write(leaf_pid)?;
            let (found, idx) = match page::search(&leaf, key) {
                Ok(i) => (true, i),
                Err(i) => (false, i),
            };
            let old = if found {
                Some(page::value(&leaf, idx))
            } else {
                None
            };
            let old_overflow = match old {
                Some(StoredValue::Overflow { len, first }) => Some((len, first)),
                _ => None,
            };
            let done = if found {
                page::replace_cell(&mut leaf, idx, &cell)
            } else {
                page::insert_cell(&mut leaf, idx, &cell)
            };
            if done {
                page::set_lsn(&mut leaf, self.lsn);
                drop(leaf);
                if let Some((len, first)) = old_overflow {
                    self.free_overflow(len, first)?;
                }
                return Ok(());
            }
            if let Some((len, first)) = old_overflow {
                drop(leaf);
                self.free_overflow(len, first)?;
            }
            (found, idx)
        };
        self.split_insert(&path, found, idx, cell)
    }

    /// Inserts `cell` at `idx` of the path's leaf (replacing the cell there if `replace`),
    /// splitting pages upward as needed.
    fn split_insert(
        &mut self,
        path: &[(PageId, usize)],
        replace: bool,
        idx: usize,
        cell: Vec<u8>,
    ) -> Result<()> {
        // The deepest internal page with room for any separator stops the cascade.
        let mut start = 0;
        for (lvl, &(pid, _)) in path[..path.len() - 1].iter().enumerate().rev() {
            let g = self.pool.read(pid)?;
            if page::free_space(&g) >= MAX_CELL + 2 {
                start = lvl;
                break;
            }
        }
        let mut guards: Vec<PageMut<'_>> = Vec::with_capacity(path.len() - start);
        for &(pid, _) in &path[start..] {
            guards.push(self.pool.write(pid)?);
        }
        let lsn = self.lsn;
        // Split the leaf.
        let mut pending: Option<(Vec<u8>, PageId)> = {
            let leaf = guards
                .last_mut()
                .ok_or_else(|| page::corrupt(0, "empty path"))?;
            let mut cells: Vec<Vec<u8>> = (0..page::nslots(leaf))
                .map(|i| page::cell(leaf, i).to_vec())
                .collect();
            if replace {
                cells[idx] = cell;
            } else {
                cells.insert(idx, cell);
            }
            self.split_page(leaf, cells, PageType::Leaf, path.len() == 1)?
        };
        // Insert separators upward.
        for g in (0..guards.len() - 1).rev() {
            let Some((sep, right)) = pending.take() else {
                break;
            };
            let pos = path[start + g].1;
            let node = &mut guards[g];
            let mut c = Vec::with_capacity(sep.len() + 10);
            page::make_internal_cell(&mut c, &sep, right);
            page::set_lsn(node, lsn);
            if page::insert_cell(node, pos, &c) {
                break;
            }
            let mut cells: Vec<Vec<u8>> = (0..page::nslots(node))
                .map(|i| page::cell(node, i).to_vec())
                .collect();
            cells.insert(pos, c);
            pending = self.split_page(node, cells, PageType::Internal, start + g == 0)?;
        }
        if pending.is_some() {
            return Err(page::corrupt(
                path[0].0,
                "split did not terminate at the root",
            ));
        }
        Ok(())
    }

    /// Distributes `cells` over `node` and a new right sibling; returns the separator and the
    /// sibling for the parent. When `node` is the root, both halves go to new pages and the
    /// root becomes their parent, and nothing is returned.
    fn split_page(
        &mut self,
        node: &mut PageMut<'_>,
        cells: Vec<Vec<u8>>,
        ty: PageType,
        is_root: bool,
    ) -> Result<Option<(Vec<u8>, PageId)>> {
        let refs: Vec<&[u8]> = cells.iter().map(|c| c.as_slice()).collect();
        let m = page::split_point(&refs);
        let lsn = self.lsn;
        let key_of = |c: &[u8]| -> Vec<u8> {
            let klen = u16::from_le_bytes([c[0], c[1]]) as usize;
            let hdr = if ty == PageType::Internal { 10 } else { 6 };
            c[hdr..hdr + klen].to_vec()
        };
        // Left part, separator and right part. An internal split moves the middle cell up.
        type Parts<'c> = (&'c [&'c [u8]], Vec<u8>, PageId, &'c [&'c [u8]]);
        let (left, sep, right_link, right): Parts<'_> = if ty == PageType::Leaf {
            let last_left = key_of(refs[m - 1]);
            let first_right = key_of(refs[m]);
            // The shortest prefix of the right's first key that is above the left's last.
            let common = last_left
                .iter()
                .zip(&first_right)
                .take_while(|(a, b)| a == b)
                .count();
            let sep = first_right[..(common + 1).min(first_right.len())].to_vec();
            (&refs[..m], sep, 0, &refs[m..])
        } else {
            let c = refs[m];
            let child = page::get_u64(c, 2);
            (&refs[..m], key_of(c), child, &refs[m + 1..])
        };
        let right_pid = self.alloc.alloc();
        {
            let mut r = self.pool.create(right_pid)?;
            page::init(&mut r, ty);
            page::set_link(&mut r, right_link);
            page::rebuild(&mut r, right);
            page::set_lsn(&mut r, lsn);
        }
        if is_root {
            let left_pid = self.alloc.alloc();
            {
                let mut l = self.pool.create(left_pid)?;
                page::init(&mut l, ty);
                page::set_link(&mut l, page::link(node));
                page::rebuild(&mut l, left);
                page::set_lsn(&mut l, lsn);
            }
            page::init(node, PageType::Internal);
            page::set_link(node, left_pid);
            let mut c = Vec::new();
            page::make_internal_cell(&mut c, &sep, right_pid);
            page::rebuild(node, &[&c]);
            page::set_lsn(node, lsn);
            return Ok(None);
        }
        page::rebuild(node, left);
        page::set_lsn(node, lsn);
        Ok(Some((sep, right_pid)))
    }

    /// Removes `key`; returns whether it was there.
    pub fn delete(&mut self, root: PageId, key: &[u8]) -> Result<bool> {
        let path = self.path(root, key)?;
        let leaf_pid = path[path.len() - 1].0;
        let underfull = {
            let mut leaf = self.pool.write(leaf_pid)?;
            let Ok(i) = page::search(&leaf, key) else {
                return Ok(false);
            };
            let old = page::value(&leaf, i);
            let overflow = match old {
                StoredValue::Overflow { len, first } => Some((len, first)),
                StoredValue::Inline(_) => None,
            };
            page::remove_cell(&mut leaf, i);
            page::set_lsn(&mut leaf, self.lsn);
            let under = page::used_space(&leaf) < UNDERFULL;
            drop(leaf);
            if let Some((len, first)) = overflow {
                self.free_overflow(len, first)?;
            }
            under
        };
        if underfull && path.len() > 1 {
            self.rebalance(&path)?;
        }
        self.collapse_root(path[0].0)?;
        Ok(true)
    }

    /// Merges underfull pages on `path` with a sibling, bottom-up, while they fit in one page.
    fn rebalance(&mut self, path: &[(PageId, usize)]) -> Result<()> {
        let mut guards: Vec<PageMut<'_>> = Vec::with_capacity(path.len());
        for &(pid, _) in path {
            guards.push(self.pool.write(pid)?);
        }
        let lsn = self.lsn;
        let mut lvl = path.len() - 1;
        while lvl > 0 {
            let (upper, lower) = guards.split_at_mut(lvl);
            let parent = &mut upper[lvl - 1];
            let node = &mut lower[0];
            if page::used_space(node) >= UNDERFULL {
                break;
            }
            let pos = path[lvl - 1].1;
            let nchildren = page::nchildren(parent);
            let ty = page::page_type(node).unwrap_or(PageType::Leaf);
            // Merge the right one of (left, right) into the left; `right_pos` is its position.
            let (sib_pid, right_pos) = if pos > 0 {
                (page::child_at(parent, pos - 1), pos)
            } else if pos + 1 < nchildren {
                (page::child_at(parent, pos + 1), pos + 1)
            } else {
                break;
            };
            let mut sib = self.pool.write(sib_pid)?;
            let sep_key = page::key(parent, right_pos - 1).to_vec();
            let node_is_left = right_pos != pos;
            let (left, right): (&mut PageBuf, &mut PageBuf) = if node_is_left {
                (&mut *node, &mut *sib)
            } else {
                (&mut *sib, &mut *node)
            };
            let extra = if ty == PageType::Internal {
                sep_key.len() + 12
            } else {
                0
            };
            if page::used_space(left) + page::used_space(right) + extra > PAGE_SIZE - page::HEADER {
                break;
            }
            let mut cells: Vec<Vec<u8>> = (0..page::nslots(left))
                .map(|i| page::cell(left, i).to_vec())
                .collect();
            if ty == PageType::Internal {
                let mut c = Vec::new();
                page::make_internal_cell(&mut c, &sep_key, page::link(right));
                cells.push(c);
            }
            cells.extend((0..page::nslots(right)).map(|i| page::cell(right, i).to_vec()));
            let refs: Vec<&[u8]> = cells.iter().map(|c| c.as_slice()).collect();
            page::rebuild(left, &refs);
            page::set_lsn(left, lsn);
            // The emptied right page is unreachable once its separator leaves the parent.
            page::init(right, PageType::Free);
            let right_pid = if node_is_left { sib_pid } else { path[lvl].0 };
            page::remove_cell(parent, right_pos - 1);
            page::set_lsn(parent, lsn);
            self.alloc.free_later(right_pid);
            drop(sib);
            lvl -= 1;
        }
        Ok(())
    }

    /// While the root is an internal page with a single child, pulls the child up into it.
    fn collapse_root(&mut self, root: PageId) -> Result<()> {
        loop {
            let mut r = self.pool.write(root)?;
            if page::page_type(&r) != Some(PageType::Internal) || page::nslots(&r) > 0 {
                return Ok(());
            }
            let child = page::link(&r);
            let mut c = self.pool.write(child)?;
            r.copy_from_slice(&c[..]);
            page::set_lsn(&mut r, self.lsn);
            page::init(&mut c, PageType::Free);
            drop(c);
            drop(r);
            self.alloc.free_later(child);
        }
    }

    /// Frees every page of the tree at `root`, including the root. `kill` runs with the root
    /// latched exclusively, before anything is freed, so readers arriving later see the tree gone.
    pub fn destroy(&mut self, root: PageId, kill: &dyn Fn()) -> Result<()> {
        {
            let _r = self.pool.write(root)?;
            kill();
        }
        self.destroy_page(root, 0)
    }

    fn destroy_page(&mut self, pid: PageId, depth: usize) -> Result<()> {
        if depth > MAX_DEPTH {
            return Err(descend_err(pid));
        }
        let (children, overflows) = {
            let g = self.pool.write(pid)?;
            match page::page_type(&g) {
                Some(PageType::Internal) => (
                    (0..page::nchildren(&g))
                        .map(|i| page::child_at(&g, i))
                        .collect(),
                    vec![],
                ),
                Some(PageType::Leaf) => (
                    vec![],
                    (0..page::nslots(&g))
                        .filter_map(|i| match page::value(&g, i) {
                            StoredValue::Overflow { len, first } => Some((len, first)),
                            StoredValue::Inline(_) => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => return Err(page::corrupt(pid, "expected a tree page")),
            }
        };
        for c in children {
            self.destroy_page(c, depth + 1)?;
        }
        for (len, first) in overflows {
            self.free_overflow(len, first)?;
        }
        self.alloc.free_later(pid);
        Ok(())
    }
}

/// How many pages an insert of a value of `len` bytes may dirty at most (for pool budgeting).
pub(crate) fn pages_for_put(len: usize, depth: usize) -> usize {
    let overflow = if len + 8 > MAX_CELL {
        len / OVERFLOW_PAYLOAD + 1
    } else {
        0
    };
    overflow + 2 * depth + 4
}
