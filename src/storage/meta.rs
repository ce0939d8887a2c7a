//! The meta page, the persisted free list, and the double-write buffer.
//!
//! Page 0 of the data file is the meta page: which checkpoint the file holds (`seq`), the LSN
//! recovery replays from, how many pages the file has, and where the free list is stored.
//! Page 1 is the root of the tree directory (tree name → root page).
//!
//! The free list lives in memory between checkpoints; a checkpoint stores it in a chain of
//! free-list pages taken from the free pages themselves.
//!
//! The double-write buffer (`data.dwb`) makes a checkpoint atomic: every page image of the
//! checkpoint, the meta page included, is first written there and fsynced, and only then are the
//! pages written in place. A torn in-place write is repaired on open by copying the buffer
//! again; a torn buffer means the in-place writes never started, so the previous checkpoint is
//! intact. Its layout: a 32-byte header `[magic 8][seq u64][count u64][crc32c u32][pad]`, then
//! `count` entries of `[page id u64][page image]`; the checksum covers the header fields and all
//! entries.

use super::error::{Result, StorageError};
use super::page::{self, PAGE_SIZE, PageBuf, PageId, PageType, get_u64, put_u64};
use super::vfs::{VFile, read_exact_at};

const META_MAGIC: &[u8; 8] = b"ISODB\0v1";
const DWB_MAGIC: &[u8; 8] = b"ISODBDWB";
const DWB_HEADER: u64 = 32;
/// Page number of the tree directory's root.
pub const DIRECTORY_ROOT: PageId = 1;
const FREE_PER_PAGE: usize = (PAGE_SIZE - page::HEADER) / 8;

/// The contents of the meta page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Meta {
    /// Number of the checkpoint the data file holds.
    pub seq: u64,
    /// Recovery replays the WAL from here.
    pub checkpoint_lsn: u64,
    /// Pages in the file (the next new page gets this number).
    pub page_count: u64,
    /// First page of the stored free list (0: none).
    pub freelist_head: PageId,
    /// Entries in the stored free list.
    pub free_count: u64,
}

impl Meta {
    /// The sealed meta page image.
    pub fn to_page(&self) -> Box<PageBuf> {
        let mut b: Box<PageBuf> = Box::new([0u8; PAGE_SIZE]);
        page::init(&mut b, PageType::Meta);
        let h = page::HEADER;
        b[h..h + 8].copy_from_slice(META_MAGIC);
        put_u64(&mut b[..], h + 8, self.seq);
        put_u64(&mut b[..], h + 16, self.checkpoint_lsn);
        put_u64(&mut b[..], h + 24, self.page_count);
        put_u64(&mut b[..], h + 32, self.freelist_head);
        put_u64(&mut b[..], h + 40, self.free_count);
        page::seal(&mut b);
        b
    }

    /// Reads and checks the meta page.
    pub fn read(file: &dyn VFile) -> Result<Meta> {
        let mut b: Box<PageBuf> = Box::new([0u8; PAGE_SIZE]);
        read_exact_at(file, &mut b[..], 0)
            .map_err(|_| page::corrupt(0, "data file is shorter than one page"))?;
        page::verify(&b, 0)?;
        let h = page::HEADER;
        if page::page_type(&b) != Some(PageType::Meta) || &b[h..h + 8] != META_MAGIC {
            return Err(StorageError::BadFormat(
                "page 0 is not an isodb meta page".into(),
            ));
        }
        Ok(Meta {
            seq: get_u64(&b[..], h + 8),
            checkpoint_lsn: get_u64(&b[..], h + 16),
            page_count: get_u64(&b[..], h + 24),
            freelist_head: get_u64(&b[..], h + 32),
            free_count: get_u64(&b[..], h + 40),
        })
    }
}

/// Number of free-list pages needed to store `n` free pages, some of which they occupy.
pub fn freelist_pages_needed(n: usize) -> usize {
    n.div_ceil(FREE_PER_PAGE + 1)
}

/// Builds the sealed free-list page images storing `entries` on the pages `storage`.
pub fn freelist_images(storage: &[PageId], entries: &[PageId]) -> Vec<(PageId, Box<PageBuf>)> {
    let mut out = Vec::with_capacity(storage.len());
    for i in 0..storage.len() {
        let chunk = &entries
            [(i * FREE_PER_PAGE).min(entries.len())..((i + 1) * FREE_PER_PAGE).min(entries.len())];
        let mut b: Box<PageBuf> = Box::new([0u8; PAGE_SIZE]);
        page::init(&mut b, PageType::FreeList);
        page::set_link(&mut b, storage.get(i + 1).copied().unwrap_or(0));
        page::set_aux(&mut b, chunk.len() as u32);
        for (j, &pid) in chunk.iter().enumerate() {
            put_u64(&mut b[..], page::HEADER + 8 * j, pid);
        }
        page::seal(&mut b);
        out.push((storage[i], b));
    }
    out
}

/// Reads the stored free list: (the free pages, the pages storing them).
pub fn read_freelist(file: &dyn VFile, meta: &Meta) -> Result<(Vec<PageId>, Vec<PageId>)> {
    let mut free = Vec::with_capacity(meta.free_count as usize);
    let mut storage = Vec::new();
    let mut pid = meta.freelist_head;
    let mut b: Box<PageBuf> = Box::new([0u8; PAGE_SIZE]);
    while pid != 0 {
        if pid >= meta.page_count || storage.len() as u64 > meta.page_count {
            return Err(page::corrupt(pid, "free-list chain leaves the file"));
        }
        read_exact_at(file, &mut b[..], pid * PAGE_SIZE as u64)
            .map_err(|_| page::corrupt(pid, "free-list page beyond end of file"))?;
        page::verify(&b, pid)?;
        if page::page_type(&b) != Some(PageType::FreeList) {
            return Err(page::corrupt(pid, "expected a free-list page"));
        }
        let n = (page::aux(&b) as usize).min(FREE_PER_PAGE);
        for j in 0..n {
            free.push(get_u64(&b[..], page::HEADER + 8 * j));
        }
        storage.push(pid);
        pid = page::link(&b);
    }
    if free.len() as u64 != meta.free_count {
        return Err(page::corrupt(
            meta.freelist_head,
            "free-list length mismatch",
        ));
    }
    Ok((free, storage))
}

/// Writes a checkpoint's page images to the double-write buffer and syncs it.
pub fn write_dwb<'a>(
    dwb: &dyn VFile,
    seq: u64,
    images: impl Iterator<Item = (PageId, &'a PageBuf)> + Clone,
) -> Result<()> {
    let mut crc = 0u32;
    let mut off = DWB_HEADER;
    let mut count = 0u64;
    let mut entry = Vec::with_capacity(8 + PAGE_SIZE);
    for (pid, img) in images {
        entry.clear();
        entry.extend_from_slice(&pid.to_le_bytes());
        entry.extend_from_slice(&img[..]);
        crc = crc32c::crc32c_append(crc, &entry);
        dwb.write_at(&entry, off)
            .map_err(StorageError::from_write)?;
        off += entry.len() as u64;
        count += 1;
    }
    let mut hdr = [0u8; DWB_HEADER as usize];
    hdr[0..8].copy_from_slice(DWB_MAGIC);
    hdr[8..16].copy_from_slice(&seq.to_le_bytes());
    hdr[16..24].copy_from_slice(&count.to_le_bytes());
    let crc = crc32c::crc32c_append(crc, &hdr[8..24]);
    hdr[24..28].copy_from_slice(&crc.to_le_bytes());
    dwb.write_at(&hdr, 0).map_err(StorageError::from_write)?;
    dwb.sync().map_err(StorageError::from_sync)
}

/// A complete double-write buffer found on open.
pub struct Dwb {
    pub seq: u64,
    pub pages: Vec<(PageId, Box<PageBuf>)>,
}

/// Reads the double-write buffer; `None` when it is absent, torn or empty.
pub fn read_dwb(dwb: &dyn VFile) -> Result<Option<Dwb>> {
    let len = dwb.len()?;
    if len < DWB_HEADER {
        return Ok(None);
    }
    let mut hdr = [0u8; DWB_HEADER as usize];
    read_exact_at(dwb, &mut hdr, 0)?;
    if &hdr[0..8] != DWB_MAGIC {
        return Ok(None);
    }
    let seq = u64::from_le_bytes(hdr[8..16].try_into().unwrap_or([0; 8]));
    let count = u64::from_le_bytes(hdr[16..24].try_into().unwrap_or([0; 8]));
    let stored = u32::from_le_bytes(hdr[24..28].try_into().unwrap_or([0; 4]));
    let entry_len = 8 + PAGE_SIZE as u64;
    if count.saturating_mul(entry_len) > len - DWB_HEADER {
        return Ok(None);
    }
    let mut crc = 0u32;
    let mut pages = Vec::with_capacity(count as usize);
    let mut entry = vec![0u8; entry_len as usize];
    for i in 0..count {
        read_exact_at(dwb, &mut entry, DWB_HEADER + i * entry_len)?;
        crc = crc32c::crc32c_append(crc, &entry);
        let pid = u64::from_le_bytes(entry[0..8].try_into().unwrap_or([0; 8]));
        let mut img: Box<PageBuf> = Box::new([0u8; PAGE_SIZE]);
        img.copy_from_slice(&entry[8..]);
        pages.push((pid, img));
    }
    let crc = crc32c::crc32c_append(crc, &hdr[8..24]);
    if crc != stored {
        return Ok(None);
    }
    Ok(Some(Dwb { seq, pages }))
}
