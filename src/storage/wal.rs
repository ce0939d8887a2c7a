//! The write-ahead log.
//!
//! The WAL is a sequence of records in segment files `wal/<16 hex digits>.wal`, each named by
//! the LSN of its first byte; an LSN is a byte position in the endless concatenation of all
//! segments. A record is `[payload len u32][crc32c u32][payload]`, the checksum covering the
//! record's LSN and payload, so a stale or torn record never passes for a live one. Records
//! never straddle segments: a record that does not fit in the current segment starts a new one.
//!
//! **Group commit.** Appending only copies the record into a pending buffer under a short
//! lock. [`Wal::flush`] writes and fsyncs everything pending; flushers queue on one flush lock,
//! and a committer that gets the lock after another flusher finds its record already durable
//! and returns at once. So while one fsync runs, every commit that arrives meanwhile is covered
//! by the next single fsync.
//!
//! **Failure.** A failed write or fsync is never retried: the WAL records the error and fails
//! every later append and flush, because after a failed fsync the kernel may have thrown the
//! dirty data away. Reopening the database recovers from what is on disk.
//!
//! **Recovery** ([`Wal::recover`]) reads from the checkpoint's LSN to the first record that is
//! truncated or fails its checksum, which is the torn tail of the last write before a crash; it
//! truncates the log there. A bad record followed by a valid segment is corruption, not a
//! torn tail, and is reported as [`StorageError::CorruptWal`].

use super::error::{Result, StorageError};
use super::vfs::{VFile, Vfs, read_exact_at};
use parking_lot::Mutex;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

const RECORD_HEADER: u64 = 8;

fn segment_name(lsn: u64) -> String {
    format!("{lsn:016x}.wal")
}

fn parse_segment_name(name: &str) -> Option<u64> {
    let hex = name.strip_suffix(".wal")?;
    if hex.len() != 16 {
        return None;
    }
    u64::from_str_radix(hex, 16).ok()
}

fn record_crc(lsn: u64, payload: &[u8]) -> u32 {
    crc32c::crc32c_append(crc32c::crc32c(&lsn.to_le_bytes()), payload)
}

struct PendingWrite {
    file: Arc<dyn VFile>,
    off: u64,
    data: Vec<u8>,
}

struct WalState {
    /// The LSN the next record gets.
    end: u64,
    seg: Arc<dyn VFile>,
    seg_start: u64,
    /// Start LSNs of the segments on disk, oldest first.
    segments: Vec<u64>,
    pending: Vec<PendingWrite>,
}

/// See the module documentation.
pub struct Wal {
    vfs: Arc<dyn Vfs>,
    dir: PathBuf,
    segment_size: u64,
    state: Mutex<WalState>,
    flush_lock: Mutex<()>,
    durable: AtomicU64,
    appended_bytes: AtomicU64,
    failed: Mutex<Option<StorageError>>,
}

/// What recovery found in the log.
#[derive(Debug, Clone, Default)]
pub struct WalRecovery {
    /// Where the log ends (the LSN the next record gets).
    pub end: u64,
    /// Number of records from the checkpoint on.
    pub records: u64,
    /// Where a torn tail was cut off, if there was one.
    pub torn_at: Option<u64>,
}

fn read_file(file: &dyn VFile) -> Result<Vec<u8>> {
    let len = file.len()? as usize;
    let mut buf = vec![0u8; len];
    read_exact_at(file, &mut buf, 0)?;
    Ok(buf)
}

/// Parses the record at `off` of a segment's bytes, whose LSN is `lsn`.
fn parse_record(data: &[u8], off: usize, lsn: u64) -> Option<&[u8]> {
    let hdr = data.get(off..off + RECORD_HEADER as usize)?;
    let len = u32::from_le_bytes(hdr[0..4].try_into().ok()?) as usize;
    let crc = u32::from_le_bytes(hdr[4..8].try_into().ok()?);
    if len == 0 {
        return None;
    }
    let payload = data.get(off + 8..off + 8 + len)?;
    (record_crc(lsn, payload) == crc).then_some(payload)
}

impl Wal {
    /// Scans the log from `from` (a checkpoint's LSN), calling `each(lsn, payload)` for every
    /// valid record, and cuts off a torn tail. Returns what it found.
    pub fn recover(
        vfs: &dyn Vfs,
        dir: &Path,
        from: u64,
        each: &mut dyn FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<WalRecovery> {
        vfs.create_dir_all(dir)?;
        let mut segs: Vec<u64> = vfs
            .list(dir)?
            .iter()
            .filter_map(|n| parse_segment_name(n))
            .collect();
        segs.sort_unstable();
        let mut rec = WalRecovery {
            end: from,
            ..Default::default()
        };
        let Some(first) = segs.iter().rposition(|&s| s <= from) else {
            if let Some(&s) = segs.first() {
                return Err(StorageError::CorruptWal {
                    lsn: from,
                    reason: format!("the checkpoint's segment is missing (oldest starts at {s})"),
                });
            }
            return Ok(rec);
        };
        let mut lsn = from;
        let mut i = first;
        loop {
            let start = segs[i];
            let path = dir.join(segment_name(start));
            let file = vfs.open(&path, false)?;
            let data = read_file(&*file)?;
            let mut off = (lsn - start) as usize;
            while off < data.len() {
                let Some(payload) = parse_record(&data, off, lsn) else {
                    break;
                };
                each(lsn, payload)?;
                rec.records += 1;
                let n = RECORD_HEADER as usize + payload.len();
                off += n;
                lsn += n as u64;
            }
            if off == data.len() && segs.get(i + 1) == Some(&lsn) {
                i += 1;
                continue;
            }
            // The end of the log. Segments are synced in order, so a later segment with a valid
            // record means this one was complete: what stopped us is corruption.
            for &later in &segs[i + 1..] {
                let f = vfs.open(&dir.join(segment_name(later)), false)?;
                let d = read_file(&*f)?;
                if parse_record(&d, 0, later).is_some() {
                    return Err(StorageError::CorruptWal {
                        lsn,
                        reason: format!(
                            "the log breaks off here, but segment {later:016x} holds records"
                        ),
                    });
                }
            }
            if off < data.len() {
                tracing::warn!(lsn, "WAL ends in a torn record; discarding it");
                rec.torn_at = Some(lsn);
                file.set_len(off as u64)?;
                file.sync().map_err(StorageError::from_sync)?;
            }
            if i + 1 < segs.len() {
                rec.torn_at.get_or_insert(lsn);
                for &later in &segs[i + 1..] {
                    vfs.remove(&dir.join(segment_name(later)))?;
                }
                vfs.sync_dir(dir)?;
            }
            break;
        }
        rec.end = lsn;
        Ok(rec)
    }

    /// Opens the log for appending at `end` (as found by [`Wal::recover`]).
    pub fn open(vfs: Arc<dyn Vfs>, dir: &Path, end: u64, segment_size: u64) -> Result<Wal> {
        vfs.create_dir_all(dir)?;
        let mut segments: Vec<u64> = vfs
            .list(dir)?
            .iter()
            .filter_map(|n| parse_segment_name(n))
            .filter(|&s| s <= end)
            .collect();
        segments.sort_unstable();
        let (seg, seg_start) = match segments.last() {
            Some(&s) => (vfs.open(&dir.join(segment_name(s)), false)?, s),
            None => {
                let f = vfs.open(&dir.join(segment_name(end)), true)?;
                vfs.sync_dir(dir)?;
                segments.push(end);
                (f, end)
            }
        };
        Ok(Wal {
            vfs,
            dir: dir.to_path_buf(),
            segment_size: segment_size.max(4096),
            state: Mutex::new(WalState {
                end,
                seg,
                seg_start,
                segments,
                pending: Vec::new(),
            }),
            flush_lock: Mutex::new(()),
            durable: AtomicU64::new(end),
            appended_bytes: AtomicU64::new(0),
            failed: Mutex::new(None),
        })
    }

    fn check(&self) -> Result<()> {
        match &*self.failed.lock() {
            Some(e) => Err(StorageError::Poisoned(e.to_string())),
            None => Ok(()),
        }
    }

    fn fail(&self, e: StorageError) -> StorageError {
        let mut f = self.failed.lock();
        if f.is_none() {
            tracing::error!(error = %e, "WAL failed; refusing further writes");
            *f = Some(e.clone());
        }
        e
    }

    /// Appends a record; returns its LSN and the LSN just past it. Not yet durable.
    pub fn append(&self, payload: &[u8]) -> Result<(u64, u64)> {
        self.check()?;
        if payload.is_empty() || payload.len() > u32::MAX as usize {
            return Err(StorageError::ValueTooLarge {
                len: payload.len(),
                max: u32::MAX as usize,
            });
        }
        let mut st = self.state.lock();
        let len = RECORD_HEADER + payload.len() as u64;
        if st.end > st.seg_start && st.end - st.seg_start + len > self.segment_size {
            let start = st.end;
            let f = self
                .vfs
                .open(&self.dir.join(segment_name(start)), true)
                .map_err(|e| self.fail(StorageError::from_write(e)))?;
            self.vfs
                .sync_dir(&self.dir)
                .map_err(|e| self.fail(StorageError::from_sync(e)))?;
            st.seg = f;
            st.seg_start = start;
            st.segments.push(start);
        }
        let lsn = st.end;
        let off = lsn - st.seg_start;
        let crc = record_crc(lsn, payload);
        let seg = st.seg.clone();
        let contiguous = matches!(st.pending.last(),
            Some(p) if Arc::ptr_eq(&p.file, &seg) && p.off + p.data.len() as u64 == off);
        if !contiguous {
            st.pending.push(PendingWrite {
                file: seg,
                off,
                data: Vec::with_capacity(len as usize),
            });
        }
        if let Some(p) = st.pending.last_mut() {
            p.data
                .extend_from_slice(&(payload.len() as u32).to_le_bytes());
            p.data.extend_from_slice(&crc.to_le_bytes());
            p.data.extend_from_slice(payload);
        }
        st.end = lsn + len;
        self.appended_bytes.fetch_add(len, Ordering::Relaxed);
        Ok((lsn, lsn + len))
    }

    /// Makes the log durable at least up to `lsn`, sharing the fsync with concurrent callers.
    pub fn flush(&self, lsn: u64) -> Result<()> {
        if self.durable.load(Ordering::Acquire) >= lsn {
            return self.check();
        }
        let _f = self.flush_lock.lock();
        self.check()?;
        if self.durable.load(Ordering::Acquire) >= lsn {
            return Ok(());
        }
        let (pending, end) = {
            let mut st = self.state.lock();
            (std::mem::take(&mut st.pending), st.end)
        };
        // Write and sync segments in order, so a later segment is never durable before an
        // earlier one is complete.
        for (i, p) in pending.iter().enumerate() {
            p.file
                .write_at(&p.data, p.off)
                .map_err(|e| self.fail(StorageError::from_write(e)))?;
            let last_for_file = pending[i + 1..]
                .iter()
                .all(|q| !Arc::ptr_eq(&q.file, &p.file));
            if last_for_file {
                p.file
                    .sync()
                    .map_err(|e| self.fail(StorageError::from_sync(e)))?;
            }
        }
        self.durable.store(end, Ordering::Release);
        Ok(())
    }

    /// The LSN the next record gets.
    pub fn end_lsn(&self) -> u64 {
        self.state.lock().end
    }

    /// Everything before this LSN is durable.
    pub fn durable_lsn(&self) -> u64 {
        self.durable.load(Ordering::Acquire)
    }

    /// Bytes appended since open.
    pub fn appended_bytes(&self) -> u64 {
        self.appended_bytes.load(Ordering::Relaxed)
    }

    /// Bytes of log kept on disk (from the oldest segment on).
    pub fn retained_bytes(&self) -> u64 {
        let st = self.state.lock();
        st.end - st.segments.first().copied().unwrap_or(st.end)
    }

    /// Whether the log has failed.
    pub fn failure(&self) -> Option<StorageError> {
        self.failed.lock().clone()
    }

    /// Deletes segments holding only records before `lsn` (a durable checkpoint's LSN).
    pub fn recycle(&self, lsn: u64) -> Result<()> {
        let doomed: Vec<u64> = {
            let mut st = self.state.lock();
            let keep_from = st.segments.iter().rposition(|&s| s <= lsn).unwrap_or(0);
            st.segments.drain(..keep_from).collect()
        };
        if doomed.is_empty() {
            return Ok(());
        }
        for s in doomed {
            if let Err(e) = self.vfs.remove(&self.dir.join(segment_name(s))) {
                tracing::warn!(segment = s, error = %e, "could not remove old WAL segment");
            }
        }
        self.vfs.sync_dir(&self.dir)?;
        Ok(())
    }

    /// Calls `each(lsn, payload)` for the records from `from` to `to` (both record boundaries
    /// already validated by [`Wal::recover`]).
    pub fn replay(
        &self,
        from: u64,
        to: u64,
        each: &mut dyn FnMut(u64, &[u8]) -> Result<()>,
    ) -> Result<()> {
        let segments = self.state.lock().segments.clone();
        let mut lsn = from;
        for (i, &start) in segments.iter().enumerate() {
            let next = segments.get(i + 1).copied().unwrap_or(u64::MAX);
            if next <= lsn || lsn >= to {
                continue;
            }
            let file = self.vfs.open(&self.dir.join(segment_name(start)), false)?;
            let data = read_file(&*file)?;
            let mut off = (lsn - start) as usize;
            while lsn < to && off < data.len() {
                let payload = parse_record(&data, off, lsn).ok_or(StorageError::CorruptWal {
                    lsn,
                    reason: "record changed since recovery scanned it".into(),
                })?;
                each(lsn, payload)?;
                let n = RECORD_HEADER as usize + payload.len();
                off += n;
                lsn += n as u64;
            }
        }
        Ok(())
    }
}
