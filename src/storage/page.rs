//! The page format.
//!
//! Every page is [`PAGE_SIZE`] bytes with a 32-byte header:
//!
//! ```text
//! 0..4    CRC32C of bytes 4..8192 (set when the page is written out, checked when read in)
//! 4..12   LSN of the last WAL record that changed the page
//! 12      page type (free, leaf, internal, overflow, meta, free-list)
//! 14..16  number of slots
//! 16..18  start of the cell area (cells grow down from the end of the page)
//! 18..20  fragmented bytes (space of removed cells not yet compacted)
//! 20..28  link: first child (internal), next page (overflow, free-list)
//! 28..32  aux: payload length (overflow), entry count (free-list)
//! ```
//!
//! B+tree pages are slotted: an array of 2-byte cell offsets after the header, kept in key
//! order, and the cells themselves packed at the end. Leaf cells are
//! `[key len u16][value len u32][key][value]`, where a value too large to keep inline is stored
//! on a chain of overflow pages and the cell holds `[total len u64][first page u64]` with the
//! top bit of the length field set. Internal cells are `[key len u16][child u64][key]`; the
//! child covers keys `>=` the cell's key, and the header's link is the child for keys below
//! the first cell. No cell exceeds [`MAX_CELL`], so any page holds at least three cells and a
//! split always yields two pages that fit.

use super::error::{Result, StorageError};

/// Size of every page in bytes.
pub const PAGE_SIZE: usize = 8192;
/// Size of the page header.
pub const HEADER: usize = 32;
/// Largest cell (including its slot) any page may hold.
pub const MAX_CELL: usize = 2700;
/// Bytes an overflow page carries.
pub const OVERFLOW_PAYLOAD: usize = PAGE_SIZE - HEADER;
/// A page number; page `n` lives at byte `n * PAGE_SIZE` of the data file.
pub type PageId = u64;
/// The bytes of a page.
pub type PageBuf = [u8; PAGE_SIZE];

const OFF_CRC: usize = 0;
const OFF_LSN: usize = 4;
const OFF_TYPE: usize = 12;
const OFF_NSLOTS: usize = 14;
const OFF_CELLS: usize = 16;
const OFF_FRAG: usize = 18;
const OFF_LINK: usize = 20;
const OFF_AUX: usize = 28;
const OVERFLOW_FLAG: u32 = 1 << 31;

/// What a page holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageType {
    Free = 0,
    Leaf = 1,
    Internal = 2,
    Overflow = 3,
    Meta = 4,
    FreeList = 5,
}

impl PageType {
    fn from_u8(b: u8) -> Option<PageType> {
        Some(match b {
            0 => PageType::Free,
            1 => PageType::Leaf,
            2 => PageType::Internal,
            3 => PageType::Overflow,
            4 => PageType::Meta,
            5 => PageType::FreeList,
            _ => return None,
        })
    }
}

fn get_u16(b: &[u8], off: usize) -> u16 {
    u16::from_le_bytes([b[off], b[off + 1]])
}
fn put_u16(b: &mut [u8], off: usize, v: u16) {
    b[off..off + 2].copy_from_slice(&v.to_le_bytes());
}
fn get_u32(b: &[u8], off: usize) -> u32 {
    u32::from_le_bytes(b[off..off + 4].try_into().unwrap_or([0; 4]))
}
fn put_u32(b: &mut [u8], off: usize, v: u32) {
    b[off..off + 4].copy_from_slice(&v.to_le_bytes());
}
pub(crate) fn get_u64(b: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(b[off..off + 8].try_into().unwrap_or([0; 8]))
}
pub(crate) fn put_u64(b: &mut [u8], off: usize, v: u64) {
    b[off..off + 8].copy_from_slice(&v.to_le_bytes());
}

/// Resets a page to an empty page of the given type.
pub fn init(b: &mut PageBuf, ty: PageType) {
    b[..HEADER].fill(0);
    b[OFF_TYPE] = ty as u8;
    set_cells_start(b, PAGE_SIZE);
}

fn cells_start(b: &[u8]) -> usize {
    get_u16(b, OFF_CELLS) as usize
}
fn set_cells_start(b: &mut [u8], v: usize) {
    put_u16(b, OFF_CELLS, v as u16);
}

pub fn page_type(b: &PageBuf) -> Option<PageType> {
    PageType::from_u8(b[OFF_TYPE])
}
pub fn set_page_type(b: &mut PageBuf, ty: PageType) {
    b[OFF_TYPE] = ty as u8;
}
pub fn lsn(b: &PageBuf) -> u64 {
    get_u64(b, OFF_LSN)
}
pub fn set_lsn(b: &mut PageBuf, lsn: u64) {
    put_u64(b, OFF_LSN, lsn);
}
pub fn link(b: &PageBuf) -> PageId {
    get_u64(b, OFF_LINK)
}
pub fn set_link(b: &mut PageBuf, v: PageId) {
    put_u64(b, OFF_LINK, v);
}
pub fn aux(b: &PageBuf) -> u32 {
    get_u32(b, OFF_AUX)
}
pub fn set_aux(b: &mut PageBuf, v: u32) {
    put_u32(b, OFF_AUX, v);
}
pub fn nslots(b: &PageBuf) -> usize {
    get_u16(b, OFF_NSLOTS) as usize
}
fn set_nslots(b: &mut PageBuf, n: usize) {
    put_u16(b, OFF_NSLOTS, n as u16);
}

/// Stamps the checksum into a page about to be written out.
pub fn seal(b: &mut PageBuf) {
    let crc = crc32c::crc32c(&b[4..]);
    put_u32(b, OFF_CRC, crc);
}

/// Checks a page read from disk: its checksum and its header's sanity.
pub fn verify(b: &PageBuf, pid: PageId) -> Result<()> {
    let stored = get_u32(b, OFF_CRC);
    let crc = crc32c::crc32c(&b[4..]);
    if stored != crc {
        if b.iter().all(|&x| x == 0) {
            return Err(corrupt(pid, "page is all zeroes (never written)"));
        }
        return Err(corrupt(
            pid,
            &format!("checksum mismatch (stored {stored:#010x}, computed {crc:#010x})"),
        ));
    }
    let ty = page_type(b).ok_or_else(|| corrupt(pid, "unknown page type"))?;
    if matches!(ty, PageType::Leaf | PageType::Internal) {
        let n = nslots(b);
        let cs = cells_start(b);
        if HEADER + 2 * n > cs || cs > PAGE_SIZE {
            return Err(corrupt(pid, "slot array overlaps the cell area"));
        }
        for i in 0..n {
            let off = slot(b, i);
            if off < cs || off + 6 > PAGE_SIZE {
                return Err(corrupt(pid, "slot points outside the cell area"));
            }
            let len = cell_len_at(b, ty, off);
            if off + len > PAGE_SIZE {
                return Err(corrupt(pid, "cell runs past the end of the page"));
            }
        }
    }
    Ok(())
}

pub(crate) fn corrupt(pid: PageId, reason: &str) -> StorageError {
    StorageError::CorruptPage {
        page: pid,
        reason: reason.to_string(),
    }
}

fn slot(b: &[u8], i: usize) -> usize {
    get_u16(b, HEADER + 2 * i) as usize
}

fn cell_len_at(b: &[u8], ty: PageType, off: usize) -> usize {
    let klen = get_u16(b, off) as usize;
    match ty {
        PageType::Internal => 10 + klen,
        _ => {
            let v = get_u32(b, off + 2);
            let vlen = if v & OVERFLOW_FLAG != 0 {
                16
            } else {
                v as usize
            };
            6 + klen + vlen
        }
    }
}

/// The bytes of cell `i`.
pub fn cell(b: &PageBuf, i: usize) -> &[u8] {
    let off = slot(b, i);
    let ty = page_type(b).unwrap_or(PageType::Leaf);
    &b[off..off + cell_len_at(b, ty, off)]
}

/// Free bytes, counting fragmented space that compaction would recover.
pub fn free_space(b: &PageBuf) -> usize {
    cells_start(b) - (HEADER + 2 * nslots(b)) + get_u16(b, OFF_FRAG) as usize
}

/// Bytes in use by cells and slots.
pub fn used_space(b: &PageBuf) -> usize {
    PAGE_SIZE - HEADER - free_space(b)
}

/// Whether a cell of `len` bytes (plus its slot) fits.
pub fn fits(b: &PageBuf, len: usize) -> bool {
    free_space(b) >= len + 2
}

/// Inserts a cell at slot `i`; returns false when it does not fit.
pub fn insert_cell(b: &mut PageBuf, i: usize, c: &[u8]) -> bool {
    if !fits(b, c.len()) {
        return false;
    }
    let n = nslots(b);
    if cells_start(b) < HEADER + 2 * (n + 1) + c.len() {
        compact(b);
    }
    let start = cells_start(b) - c.len();
    b[start..start + c.len()].copy_from_slice(c);
    set_cells_start(b, start);
    let slots = HEADER + 2 * i..HEADER + 2 * n;
    b.copy_within(slots, HEADER + 2 * i + 2);
    put_u16(b, HEADER + 2 * i, start as u16);
    set_nslots(b, n + 1);
    true
}

/// Removes cell `i`.
pub fn remove_cell(b: &mut PageBuf, i: usize) {
    let n = nslots(b);
    let len = cell(b, i).len();
    let frag = get_u16(b, OFF_FRAG) as usize + len;
    put_u16(b, OFF_FRAG, frag as u16);
    b.copy_within(HEADER + 2 * (i + 1)..HEADER + 2 * n, HEADER + 2 * i);
    set_nslots(b, n - 1);
    if n == 1 {
        set_cells_start(b, PAGE_SIZE);
        put_u16(b, OFF_FRAG, 0);
    }
}

/// Replaces cell `i`; returns false (leaving the page unchanged) when the new cell does not fit.
pub fn replace_cell(b: &mut PageBuf, i: usize, c: &[u8]) -> bool {
    let old = cell(b, i).len();
    if free_space(b) + old < c.len() {
        return false;
    }
    remove_cell(b, i);
    insert_cell(b, i, c)
}

/// Rewrites the cell area without gaps.
pub fn compact(b: &mut PageBuf) {
    let n = nslots(b);
    let cells: Vec<Vec<u8>> = (0..n).map(|i| cell(b, i).to_vec()).collect();
    let refs: Vec<&[u8]> = cells.iter().map(|c| c.as_slice()).collect();
    rebuild(b, &refs);
}

/// Replaces all cells of a page (keeping its header fields but the slot bookkeeping).
pub fn rebuild(b: &mut PageBuf, cells: &[&[u8]]) {
    set_nslots(b, 0);
    set_cells_start(b, PAGE_SIZE);
    put_u16(b, OFF_FRAG, 0);
    let mut start = PAGE_SIZE;
    for (i, c) in cells.iter().enumerate() {
        start -= c.len();
        b[start..start + c.len()].copy_from_slice(c);
        put_u16(b, HEADER + 2 * i, start as u16);
    }
    set_cells_start(b, start);
    set_nslots(b, cells.len());
}

/// The key of cell `i` (leaf or internal).
pub fn key(b: &PageBuf, i: usize) -> &[u8] {
    let off = slot(b, i);
    let klen = get_u16(b, off) as usize;
    let hdr = if b[OFF_TYPE] == PageType::Internal as u8 {
        10
    } else {
        6
    };
    &b[off + hdr..off + hdr + klen]
}

/// The child pointer of internal cell `i`.
pub fn child(b: &PageBuf, i: usize) -> PageId {
    get_u64(b, slot(b, i) + 2)
}

/// Binary search for `k` among the cells' keys.
pub fn search(b: &PageBuf, k: &[u8]) -> std::result::Result<usize, usize> {
    // The hot loop of every lookup: read the cell header once per probe, nothing else.
    let hdr = if b[OFF_TYPE] == PageType::Internal as u8 {
        10
    } else {
        6
    };
    let (mut lo, mut hi) = (0, nslots(b));
    while lo < hi {
        let mid = (lo + hi) / 2;
        let off = get_u16(b, HEADER + 2 * mid) as usize;
        let klen = get_u16(b, off) as usize;
        let probe = b.get(off + hdr..off + hdr + klen).unwrap_or(&[]);
        match compare_keys(probe, k) {
            std::cmp::Ordering::Less => lo = mid + 1,
            std::cmp::Ordering::Greater => hi = mid,
            std::cmp::Ordering::Equal => return Ok(mid),
        }
    }
    Err(lo)
}

/// `memcmp` order, eight bytes at a time: keys are short, and a call into libc's `memcmp` per
/// probe cost more than the comparison itself.
#[inline]
pub fn compare_keys(a: &[u8], b: &[u8]) -> std::cmp::Ordering {
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + 8 <= n {
        let x = u64::from_be_bytes(a[i..i + 8].try_into().unwrap_or([0; 8]));
        let y = u64::from_be_bytes(b[i..i + 8].try_into().unwrap_or([0; 8]));
        if x != y {
            return x.cmp(&y);
        }
        i += 8;
    }
    while i < n {
        if a[i] != b[i] {
            return a[i].cmp(&b[i]);
        }
        i += 1;
    }
    a.len().cmp(&b.len())
}

/// The child of an internal page to follow for key `k`.
pub fn child_for(b: &PageBuf, k: &[u8]) -> (usize, PageId) {
    match search(b, k) {
        Ok(i) => (i + 1, child(b, i)),
        Err(0) => (0, link(b)),
        Err(i) => (i, child(b, i - 1)),
    }
}

/// The child at position `pos` (0 is the header's link, `i + 1` is cell `i`'s child).
pub fn child_at(b: &PageBuf, pos: usize) -> PageId {
    if pos == 0 { link(b) } else { child(b, pos - 1) }
}

/// Number of children of an internal page.
pub fn nchildren(b: &PageBuf) -> usize {
    nslots(b) + 1
}

/// A leaf cell's value as stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StoredValue<'a> {
    Inline(&'a [u8]),
    Overflow { len: u64, first: PageId },
}

/// The value of leaf cell `i`.
pub fn value(b: &PageBuf, i: usize) -> StoredValue<'_> {
    let off = slot(b, i);
    let klen = get_u16(b, off) as usize;
    let v = get_u32(b, off + 2);
    let data = off + 6 + klen;
    if v & OVERFLOW_FLAG != 0 {
        StoredValue::Overflow {
            len: get_u64(b, data),
            first: get_u64(b, data + 8),
        }
    } else {
        StoredValue::Inline(&b[data..data + v as usize])
    }
}

/// Builds a leaf cell into `out`.
pub fn make_leaf_cell(out: &mut Vec<u8>, k: &[u8], v: StoredValue<'_>) {
    out.clear();
    out.extend_from_slice(&(k.len() as u16).to_le_bytes());
    match v {
        StoredValue::Inline(v) => {
            out.extend_from_slice(&(v.len() as u32).to_le_bytes());
            out.extend_from_slice(k);
            out.extend_from_slice(v);
        }
        StoredValue::Overflow { len, first } => {
            out.extend_from_slice(&(16 | OVERFLOW_FLAG).to_le_bytes());
            out.extend_from_slice(k);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&first.to_le_bytes());
        }
    }
}

/// Builds an internal cell into `out`.
pub fn make_internal_cell(out: &mut Vec<u8>, k: &[u8], child: PageId) {
    out.clear();
    out.extend_from_slice(&(k.len() as u16).to_le_bytes());
    out.extend_from_slice(&child.to_le_bytes());
    out.extend_from_slice(k);
}

/// Size of a leaf cell for a key and inline value of these lengths.
pub fn leaf_cell_len(klen: usize, vlen: usize) -> usize {
    6 + klen + vlen
}

/// Where to split a run of cells into two pages: the index of the first cell of the right page.
/// Each side gets at least one cell and at most a page's worth.
pub fn split_point(cells: &[&[u8]]) -> usize {
    let total: usize = cells.iter().map(|c| c.len() + 2).sum();
    let mut acc = 0;
    for (i, c) in cells.iter().enumerate() {
        acc += c.len() + 2;
        if acc * 2 >= total {
            // Put the cell that crosses the middle on the side that keeps the halves closer.
            let before = acc - (c.len() + 2);
            let idx = if i > 0 && (total - 2 * before) < (2 * acc - total) {
                i
            } else {
                i + 1
            };
            return idx.clamp(1, cells.len() - 1);
        }
    }
    cells.len() / 2
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf() -> Box<PageBuf> {
        let mut b = Box::new([0u8; PAGE_SIZE]);
        init(&mut b, PageType::Leaf);
        b
    }

    #[test]
    fn compare_keys_is_memcmp_order() {
        let keys: [&[u8]; 9] = [
            b"",
            b"\0",
            b"a",
            b"ab",
            b"abcdefgh",
            b"abcdefgh\0",
            b"abcdefgi",
            b"abcdefghijklmnop",
            b"\xff",
        ];
        for a in keys {
            for b in keys {
                assert_eq!(compare_keys(a, b), a.cmp(b), "{a:?} vs {b:?}");
            }
        }
    }

    #[test]
    fn insert_search_remove() {
        let mut b = leaf();
        let mut c = Vec::new();
        for k in [b"b".as_slice(), b"a", b"c"] {
            make_leaf_cell(&mut c, k, StoredValue::Inline(b"v"));
            let i = search(&b, k).unwrap_err();
            assert!(insert_cell(&mut b, i, &c));
        }
        assert_eq!(key(&b, 0), b"a");
        assert_eq!(key(&b, 2), b"c");
        remove_cell(&mut b, 1);
        assert_eq!(search(&b, b"b"), Err(1));
        seal(&mut b);
        verify(&b, 7).unwrap();
        b[100] ^= 1;
        assert!(matches!(
            verify(&b, 7),
            Err(StorageError::CorruptPage { page: 7, .. })
        ));
    }

    #[test]
    fn fills_and_compacts() {
        let mut b = leaf();
        let mut c = Vec::new();
        let mut n = 0u32;
        loop {
            make_leaf_cell(&mut c, &n.to_be_bytes(), StoredValue::Inline(&[7; 100]));
            if !insert_cell(&mut b, n as usize, &c) {
                break;
            }
            n += 1;
        }
        assert!(n > 70);
        for _ in 0..n / 2 {
            remove_cell(&mut b, 0);
        }
        // The freed space is fragmented; inserts must still succeed via compaction.
        for i in 0..n / 2 {
            make_leaf_cell(
                &mut c,
                &(1000 + i).to_be_bytes(),
                StoredValue::Inline(&[7; 100]),
            );
            let at = nslots(&b);
            assert!(insert_cell(&mut b, at, &c));
        }
        seal(&mut b);
        verify(&b, 1).unwrap();
    }
}
