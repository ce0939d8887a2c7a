//! The file layer under the engine.
//!
//! Everything the engine does to durable media goes through [`Vfs`] and [`VFile`]: positioned
//! reads and writes, `fsync`, truncation, and directory listing. Two implementations exist:
//!
//! - [`OsVfs`]: real files (`pread`/`pwrite`/`fdatasync`).
//! - [`MemVfs`]: files in memory. With durability tracking on it remembers what was synced, so a
//!   test can simulate a power cut ([`MemVfs::crash`]) that drops or tears the writes not yet
//!   synced, and it can inject faults ([`Faults`]): a failing fsync, or ENOSPC after a byte
//!   budget. With tracking off it is the backing store of an in-memory database.
//!
//! Directory operations (create, remove) are treated as durable at once by `MemVfs`; `OsVfs`
//! makes them durable with [`Vfs::sync_dir`], which the engine calls after each of them.

use parking_lot::Mutex;
use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// A file system the engine can live on.
pub trait Vfs: Send + Sync + 'static {
    /// Opens a file for reading and writing, creating it if `create` is set.
    fn open(&self, path: &Path, create: bool) -> io::Result<Arc<dyn VFile>>;
    /// Removes a file.
    fn remove(&self, path: &Path) -> io::Result<()>;
    /// Names of the files in a directory.
    fn list(&self, dir: &Path) -> io::Result<Vec<String>>;
    /// Creates a directory and its parents.
    fn create_dir_all(&self, dir: &Path) -> io::Result<()>;
    /// Makes creations and removals in a directory durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// Whether a file exists.
    fn exists(&self, path: &Path) -> bool;
}

/// An open file.
#[allow(clippy::len_without_is_empty)]
pub trait VFile: Send + Sync {
    /// Reads up to `buf.len()` bytes at `off`; returns how many were read (fewer only at the end).
    fn read_at(&self, buf: &mut [u8], off: u64) -> io::Result<usize>;
    /// Writes all of `buf` at `off`, extending the file if needed.
    fn write_at(&self, buf: &[u8], off: u64) -> io::Result<()>;
    /// Makes every write so far durable.
    fn sync(&self) -> io::Result<()>;
    /// The file's length.
    fn len(&self) -> io::Result<u64>;
    /// Truncates or extends the file.
    fn set_len(&self, len: u64) -> io::Result<()>;
}

/// Reads exactly `buf.len()` bytes, or fails with `UnexpectedEof`.
pub fn read_exact_at(file: &dyn VFile, buf: &mut [u8], off: u64) -> io::Result<()> {
    let mut done = 0;
    while done < buf.len() {
        let n = file.read_at(&mut buf[done..], off + done as u64)?;
        if n == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "short read"));
        }
        done += n;
    }
    Ok(())
}

/// Real files.
#[derive(Debug, Default, Clone, Copy)]
pub struct OsVfs;

struct OsFile(File);

impl Vfs for OsVfs {
    fn open(&self, path: &Path, create: bool) -> io::Result<Arc<dyn VFile>> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(create)
            .truncate(false)
            .open(path)?;
        Ok(Arc::new(OsFile(f)))
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        std::fs::remove_file(path)
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        for entry in std::fs::read_dir(dir)? {
            if let Some(name) = entry?.file_name().to_str() {
                names.push(name.to_string());
            }
        }
        Ok(names)
    }
    fn create_dir_all(&self, dir: &Path) -> io::Result<()> {
        std::fs::create_dir_all(dir)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        File::open(dir)?.sync_all()
    }
    fn exists(&self, path: &Path) -> bool {
        path.exists()
    }
}

impl VFile for OsFile {
    fn read_at(&self, buf: &mut [u8], off: u64) -> io::Result<usize> {
        loop {
            match self.0.read_at(buf, off) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                r => return r,
            }
        }
    }
    fn write_at(&self, buf: &[u8], off: u64) -> io::Result<()> {
        self.0.write_all_at(buf, off)
    }
    fn sync(&self) -> io::Result<()> {
        self.0.sync_data()
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.0.metadata()?.len())
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        self.0.set_len(len)
    }
}

/// Faults a [`MemVfs`] injects, shared by all its files. Settable at any time from a test.
#[derive(Debug)]
pub struct Faults {
    /// Every fsync fails while set.
    pub fail_sync: AtomicBool,
    /// Writes fail with ENOSPC once this many more bytes have been written (`u64::MAX`: never).
    pub space_left: AtomicU64,
    /// After this many more writes the power is cut (`u64::MAX`: never): from then on writes
    /// still change what the process reads back, but never reach the media, and syncs do
    /// nothing. [`MemVfs::crash`] then shows the media as of that instant.
    pub writes_until_power_cut: AtomicU64,
    /// Set once the power cut has happened.
    pub power_cut: AtomicBool,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            fail_sync: AtomicBool::new(false),
            space_left: AtomicU64::new(u64::MAX),
            writes_until_power_cut: AtomicU64::new(u64::MAX),
            power_cut: AtomicBool::new(false),
        }
    }
}

impl Faults {
    /// Counts one write towards the power cut; true once the power is off.
    fn cut_power_now(&self) -> bool {
        if self.power_cut.load(Ordering::SeqCst) {
            return true;
        }
        let left = self.writes_until_power_cut.load(Ordering::SeqCst);
        if left == u64::MAX {
            return false;
        }
        if left == 0 {
            self.power_cut.store(true, Ordering::SeqCst);
            return true;
        }
        self.writes_until_power_cut
            .store(left - 1, Ordering::SeqCst);
        false
    }
}

/// How [`MemVfs::crash`] treats writes that were not synced.
#[derive(Debug, Clone, Copy)]
pub enum CrashMode {
    /// All unsynced writes are lost.
    DropUnsynced,
    /// Each unsynced write independently survives whole, survives torn (only a prefix of its
    /// 512-byte sectors reached the media), or is lost; chosen by a seeded generator.
    Scramble { seed: u64 },
}

enum PendingOp {
    Write(u64, Vec<u8>),
    SetLen(u64),
}

#[derive(Default)]
struct MemFileState {
    data: Vec<u8>,
    /// The content as of the last sync (only kept when tracking durability).
    durable: Vec<u8>,
    pending: Vec<PendingOp>,
}

struct MemFile {
    state: Mutex<MemFileState>,
    faults: Arc<Faults>,
    track: bool,
}

/// Files removed after a power cut (still on the media), and files created after it (not).
type AfterCut = (Vec<(PathBuf, Arc<MemFile>)>, Vec<PathBuf>);

/// Files in memory; see the module documentation.
pub struct MemVfs {
    files: Mutex<HashMap<PathBuf, Arc<MemFile>>>,
    /// Directory changes after a power cut, which the media never saw: files removed since
    /// (still on the media) and files created since (not on it).
    after_cut: Mutex<AfterCut>,
    faults: Arc<Faults>,
    track: bool,
}

impl MemVfs {
    /// A memory file system without durability tracking (the store of an in-memory database).
    pub fn new() -> Arc<MemVfs> {
        Arc::new(MemVfs {
            files: Mutex::new(HashMap::new()),
            after_cut: Mutex::new((Vec::new(), Vec::new())),
            faults: Arc::new(Faults::default()),
            track: false,
        })
    }

    /// A memory file system that tracks what was synced, for crash and fault tests.
    pub fn with_durability() -> Arc<MemVfs> {
        Arc::new(MemVfs {
            files: Mutex::new(HashMap::new()),
            after_cut: Mutex::new((Vec::new(), Vec::new())),
            faults: Arc::new(Faults::default()),
            track: true,
        })
    }

    /// The faults this file system injects.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// What the media would hold after a power cut now: a new file system with the durable
    /// content of each file, plus whatever of the unsynced writes `mode` lets through. The
    /// original is left as it is (it can go on being used by a process that "did not notice").
    pub fn crash(&self, mode: CrashMode) -> Arc<MemVfs> {
        let mut rng = match mode {
            CrashMode::DropUnsynced => None,
            CrashMode::Scramble { seed } => Some(XorShift(seed | 1)),
        };
        let files = self.files.lock();
        let after_cut = self.after_cut.lock();
        let faults = Arc::new(Faults::default());
        let mut out = HashMap::new();
        let on_media = files
            .iter()
            .filter(|(p, _)| !after_cut.1.contains(p))
            .chain(after_cut.0.iter().map(|(p, f)| (p, f)));
        for (path, file) in on_media {
            let st = file.state.lock();
            let mut data = if self.track {
                st.durable.clone()
            } else {
                st.data.clone()
            };
            if let Some(rng) = rng.as_mut() {
                for op in &st.pending {
                    match op {
                        PendingOp::Write(off, buf) => match rng.next() % 3 {
                            0 => {}
                            1 => apply_write(&mut data, *off, buf),
                            _ => {
                                let sectors = buf.len().div_ceil(512);
                                let keep = (rng.next() as usize % sectors.max(1)) * 512;
                                apply_write(&mut data, *off, &buf[..keep.min(buf.len())]);
                            }
                        },
                        PendingOp::SetLen(len) => {
                            if rng.next() % 2 == 0 {
                                data.resize(*len as usize, 0);
                            }
                        }
                    }
                }
            }
            let state = MemFileState {
                durable: if self.track { data.clone() } else { Vec::new() },
                data,
                pending: Vec::new(),
            };
            out.insert(
                path.clone(),
                Arc::new(MemFile {
                    state: Mutex::new(state),
                    faults: faults.clone(),
                    track: self.track,
                }),
            );
        }
        Arc::new(MemVfs {
            files: Mutex::new(out),
            after_cut: Mutex::new((Vec::new(), Vec::new())),
            faults,
            track: self.track,
        })
    }

    /// Overwrites bytes of a file directly (to simulate media corruption in tests), durably.
    pub fn corrupt(&self, path: &Path, off: u64, bytes: &[u8]) -> io::Result<()> {
        let files = self.files.lock();
        let f = files
            .get(path)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such file"))?;
        let mut st = f.state.lock();
        apply_write(&mut st.data, off, bytes);
        if self.track {
            apply_write(&mut st.durable, off, bytes);
        }
        Ok(())
    }

    /// The current length of a file, if it exists.
    pub fn file_len(&self, path: &Path) -> Option<u64> {
        let files = self.files.lock();
        files.get(path).map(|f| f.state.lock().data.len() as u64)
    }
}

fn apply_write(data: &mut Vec<u8>, off: u64, buf: &[u8]) {
    let off = off as usize;
    if data.len() < off + buf.len() {
        data.resize(off + buf.len(), 0);
    }
    data[off..off + buf.len()].copy_from_slice(buf);
}

impl Vfs for MemVfs {
    fn open(&self, path: &Path, create: bool) -> io::Result<Arc<dyn VFile>> {
        let mut files = self.files.lock();
        if let Some(f) = files.get(path) {
            return Ok(f.clone());
        }
        if !create {
            return Err(io::Error::new(io::ErrorKind::NotFound, "no such file"));
        }
        let f = Arc::new(MemFile {
            state: Mutex::new(MemFileState::default()),
            faults: self.faults.clone(),
            track: self.track,
        });
        files.insert(path.to_path_buf(), f.clone());
        if self.faults.power_cut.load(Ordering::SeqCst) {
            self.after_cut.lock().1.push(path.to_path_buf());
        }
        Ok(f)
    }
    fn remove(&self, path: &Path) -> io::Result<()> {
        match self.files.lock().remove(path) {
            Some(f) => {
                if self.faults.power_cut.load(Ordering::SeqCst) {
                    self.after_cut.lock().0.push((path.to_path_buf(), f));
                }
                Ok(())
            }
            None => Err(io::Error::new(io::ErrorKind::NotFound, "no such file")),
        }
    }
    fn list(&self, dir: &Path) -> io::Result<Vec<String>> {
        let files = self.files.lock();
        Ok(files
            .keys()
            .filter(|p| p.parent() == Some(dir))
            .filter_map(|p| p.file_name().and_then(|n| n.to_str()).map(str::to_string))
            .collect())
    }
    fn create_dir_all(&self, _dir: &Path) -> io::Result<()> {
        Ok(())
    }
    fn sync_dir(&self, _dir: &Path) -> io::Result<()> {
        Ok(())
    }
    fn exists(&self, path: &Path) -> bool {
        self.files.lock().contains_key(path)
    }
}

impl VFile for MemFile {
    fn read_at(&self, buf: &mut [u8], off: u64) -> io::Result<usize> {
        let st = self.state.lock();
        let off = off as usize;
        if off >= st.data.len() {
            return Ok(0);
        }
        let n = buf.len().min(st.data.len() - off);
        buf[..n].copy_from_slice(&st.data[off..off + n]);
        Ok(n)
    }
    fn write_at(&self, buf: &[u8], off: u64) -> io::Result<()> {
        let budget = self.faults.space_left.load(Ordering::SeqCst);
        if budget != u64::MAX {
            if (buf.len() as u64) > budget {
                self.faults.space_left.store(0, Ordering::SeqCst);
                return Err(io::Error::from_raw_os_error(28));
            }
            self.faults
                .space_left
                .store(budget - buf.len() as u64, Ordering::SeqCst);
        }
        let mut st = self.state.lock();
        apply_write(&mut st.data, off, buf);
        if self.track && !self.faults.cut_power_now() {
            st.pending.push(PendingOp::Write(off, buf.to_vec()));
        }
        Ok(())
    }
    fn sync(&self) -> io::Result<()> {
        if self.faults.fail_sync.load(Ordering::SeqCst) {
            return Err(io::Error::from_raw_os_error(5));
        }
        if self.track && !self.faults.power_cut.load(Ordering::SeqCst) {
            let mut st = self.state.lock();
            let pending = std::mem::take(&mut st.pending);
            for op in pending {
                match op {
                    PendingOp::Write(off, buf) => apply_write(&mut st.durable, off, &buf),
                    PendingOp::SetLen(len) => st.durable.resize(len as usize, 0),
                }
            }
        }
        Ok(())
    }
    fn len(&self) -> io::Result<u64> {
        Ok(self.state.lock().data.len() as u64)
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut st = self.state.lock();
        st.data.resize(len as usize, 0);
        if self.track && !self.faults.cut_power_now() {
            st.pending.push(PendingOp::SetLen(len));
        }
        Ok(())
    }
}

/// A small deterministic generator, so crash simulation needs no dependency.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }
}
