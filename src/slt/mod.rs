//! The sqllogictest runner: runs `.slt` and `.test` files against isodb with the
//! [`sqllogictest`] crate.
//!
//! Two kinds of files:
//!
//! - isodb's own suites (`sqllogic/**/*.slt`), written with PostgreSQL 15's expectations:
//!   values in PostgreSQL's text output ([`runner::Mode::Postgres`]);
//! - SQLite's corpus (`*.test`, `sqllogic/sqlite/`), written for SQLite's C runner: fixed up
//!   by [`preprocess`] and rendered as the C runner renders ([`runner::Mode::Corpus`]).
//!
//! The mode follows the extension unless [`SltOptions::corpus`] says otherwise. Each file gets
//! a fresh database (in memory, or on disk in a temporary directory) and runs on its own thread
//! with a 256 MiB stack; a panic or a run past the time limit fails that file only. Records go
//! on after a failure, as in the C runner, and the first failure is reported.
//!
//! Labels: the engine answers `skipif`/`onlyif` to `postgresql`, and to `isodb`
//! ([`DEFAULT_LABELS`]). The corpus never says `isodb`; isodb's own suites mark the records
//! where isodb knowingly differs from PostgreSQL with `skipif isodb` (the PostgreSQL checker
//! runs them), so a suite keeps PostgreSQL's answer while CI stays meaningful. For the corpus
//! the engine answers to `postgresql` only in effect.
//! Evidence, from running the 28 corpus files that carry conditions against PostgreSQL 15.18
//! itself through this runner (files passed / record failures): `postgresql` 5 / 4,089; no
//! label 5 / 4,269 (the 2,275 `skipif postgresql` records, aliases without `AS`, mostly pass
//! on PostgreSQL 15, but 180 do not); adding `sqlite` 4 / 4,202 (`onlyif sqlite` records are
//! SQLite-only syntax: `x IN ()`, `x IN t1`, `INSERT OR REPLACE`, `CREATE TEMP VIEW`); adding
//! `mysql` 7 / 8,992 and `mssql` 13 / 11,300 (their `onlyif` records are those dialects, and
//! `mssql`'s extra passes are files cut short by `onlyif mssql` `halt`s); adding
//! `oracle` 9 / 4,068: `in2.test` then passes (its `skipif oracle` records are `x IN ()`,
//! which PostgreSQL rejects too), but `in1.test`, `slt_lang_replace.test` and
//! `slt_lang_reindex.test` "pass" only because `onlyif oracle` guards `halt`s that stop them
//! at or near their first record (146 records of coverage lost for 8 avoided failures). No
//! other label helps without hiding coverage; others can be given through
//! [`SltOptions::labels`].

pub mod background;
pub mod preprocess;
pub mod runner;

use crate::Database;
use runner::{Mode, Tally};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The labels isodb answers `skipif`/`onlyif` to.
pub const DEFAULT_LABELS: &[&str] = &["postgresql", "isodb"];

/// Stack size of a file's thread: deep expression trees and 64-way joins recurse deeply.
const STACK_SIZE: usize = 256 << 20;

/// How to run.
#[derive(Debug, Clone)]
pub struct SltOptions {
    /// Run on an on-disk database in a temporary directory instead of in memory.
    pub disk: bool,
    /// Force corpus rendering (`Some(true)`) or PostgreSQL rendering (`Some(false)`);
    /// `None` picks corpus mode for `.test` files.
    pub corpus: Option<bool>,
    /// Per-file time limit; records stop at it and the file fails.
    pub time_limit: Option<Duration>,
    /// Files run at once (1 or 2 on this project's machines).
    pub jobs: usize,
    /// Labels for `skipif`/`onlyif`, lowercase.
    pub labels: Vec<String>,
    /// Print per-file lines and the summary (`run_paths`).
    pub verbose: bool,
}

impl Default for SltOptions {
    fn default() -> Self {
        SltOptions {
            disk: false,
            corpus: None,
            time_limit: Some(Duration::from_secs(600)),
            jobs: 1,
            labels: DEFAULT_LABELS.iter().map(|s| s.to_string()).collect(),
            verbose: true,
        }
    }
}

/// The outcome of one file.
#[derive(Debug, Clone)]
pub struct FileResult {
    pub path: PathBuf,
    /// Records run, skipped and failed, and the first failure.
    pub tally: Tally,
    /// Set when the file could not run at all (unreadable, parse error, panic, engine failed to
    /// open, hard timeout).
    pub error: Option<String>,
    pub elapsed: Duration,
}

impl FileResult {
    pub fn passed(&self) -> bool {
        self.error.is_none() && self.tally.failed == 0 && !self.tally.timed_out
    }

    /// One-line cause of failure (`None` if passed).
    pub fn cause(&self) -> Option<String> {
        if let Some(e) = &self.error {
            return Some(e.lines().next().unwrap_or("").to_string());
        }
        let first = self.tally.first_failure.as_deref().map(first_line);
        if self.tally.timed_out {
            return Some(format!(
                "time limit reached after {} records{}",
                self.tally.run,
                first
                    .map(|f| format!("; first failure at {f}"))
                    .unwrap_or_default()
            ));
        }
        first.map(|f| {
            format!(
                "{} of {} records failed; first at {f}",
                self.tally.failed, self.tally.run
            )
        })
    }

    /// Full report of the first failure (multi-line), if any.
    pub fn details(&self) -> Option<&str> {
        self.error
            .as_deref()
            .or(self.tally.first_failure.as_deref())
    }
}

fn first_line(s: &str) -> String {
    s.lines()
        .next()
        .unwrap_or("")
        .trim_end_matches(':')
        .to_string()
}

/// Totals over a run, counted in files and in records.
#[derive(Debug, Clone, Default)]
pub struct SltSummary {
    pub files: Vec<FileResult>,
    pub passed: usize,
    pub failed: usize,
    pub records_run: usize,
    pub records_failed: usize,
    pub records_skipped: usize,
}

impl SltSummary {
    pub fn all_passed(&self) -> bool {
        self.failed == 0
    }
}

/// Whether `path` is run in corpus mode under `opts`.
pub fn is_corpus(path: &Path, opts: &SltOptions) -> bool {
    opts.corpus
        .unwrap_or_else(|| path.extension().is_some_and(|e| e == "test"))
}

/// The test files under `paths` (files as given, folders searched recursively for `*.slt` and
/// `*.test`), sorted within each folder.
pub fn collect_files(paths: &[PathBuf]) -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(&p, out);
            } else if p.extension().is_some_and(|e| e == "slt" || e == "test") {
                out.push(p);
            }
        }
    }
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            walk(p, &mut out);
        } else {
            out.push(p.clone());
        }
    }
    out
}

static TEMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A temporary directory removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<TempDir> {
        let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("isodb-slt-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir)?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Read, preprocess and parse `path`, splicing in `include`d files (plain paths, relative to
/// the including file).
/// Reads and parses a file's records (with `include`s, at most a few levels deep).
pub fn load(
    path: &Path,
    labels: &[String],
    depth: usize,
) -> Result<Vec<runner::SltRecord>, String> {
    use sqllogictest::Record;
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let text = preprocess::preprocess(&String::from_utf8_lossy(&bytes), labels);
    let name = path.display().to_string();
    let records = sqllogictest::parse_with_name(&text, name)
        .map_err(|e| format!("parse error at {}: {}", e.location(), e.kind()))?;
    let mut out = Vec::with_capacity(records.len());
    for r in records {
        match r {
            Record::Include { filename, .. } if depth < 16 => {
                let inc = path.parent().unwrap_or(Path::new(".")).join(filename);
                out.extend(load(&inc, labels, depth + 1)?);
            }
            Record::Include { filename, .. } => {
                return Err(format!("include nested too deep at {filename}"));
            }
            r => out.push(r),
        }
    }
    Ok(out)
}

/// Run one file (on its own large-stack thread, with panics and the time limit contained).
pub fn run_file(path: &Path, opts: &SltOptions) -> FileResult {
    let start = Instant::now();
    let mode = if is_corpus(path, opts) {
        Mode::Corpus
    } else {
        Mode::Postgres
    };
    let fail = |msg: String| FileResult {
        path: path.to_path_buf(),
        tally: Tally::default(),
        error: Some(msg),
        elapsed: start.elapsed(),
    };
    let records = match load(path, &opts.labels, 0) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let (tx, rx) = mpsc::channel();
    let labels = opts.labels.clone();
    let disk = opts.disk;
    let deadline = opts.time_limit.map(|t| start + t);
    let name = format!(
        "slt:{}",
        path.file_name().unwrap_or_default().to_string_lossy()
    );
    let spawned = std::thread::Builder::new()
        .name(name)
        .stack_size(STACK_SIZE)
        .spawn(move || {
            let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let (db, _dir) = if disk {
                    let dir = TempDir::new().map_err(|e| format!("temp dir: {e}"))?;
                    let db = Database::open(&dir.0).map_err(|e| format!("open: {e}"))?;
                    (db, Some(dir))
                } else {
                    let db = Database::open_memory().map_err(|e| format!("open: {e}"))?;
                    (db, None)
                };
                Ok::<Tally, String>(runner::run_records(&db, records, mode, &labels, deadline))
            }));
            let _ = tx.send(out.unwrap_or_else(|p| Err(runner::panic_message(p.as_ref()))));
        });
    if let Err(e) = spawned {
        return fail(format!("cannot start thread: {e}"));
    }
    // Records stop at the deadline; a single record that runs on is abandoned after a grace
    // (its thread finishes that record, sees the deadline and ends).
    let received = match opts.time_limit {
        Some(limit) => rx
            .recv_timeout(limit + limit.min(Duration::from_secs(30)))
            .map_err(|e| match e {
                mpsc::RecvTimeoutError::Timeout => {
                    format!("time limit {limit:?} exceeded inside one record (abandoned)")
                }
                mpsc::RecvTimeoutError::Disconnected => "runner thread vanished".to_string(),
            }),
        None => rx.recv().map_err(|_| "runner thread vanished".to_string()),
    };
    match received.and_then(|r| r) {
        Ok(tally) => FileResult {
            path: path.to_path_buf(),
            tally,
            error: None,
            elapsed: start.elapsed(),
        },
        Err(e) => fail(e),
    }
}

/// Print one file's line: `PASS file (n records)` or `FAIL file: cause`, then details.
fn report(out: &mut impl Write, r: &FileResult) {
    let secs = r.elapsed.as_secs_f64();
    if r.passed() {
        let _ = writeln!(
            out,
            "PASS {} ({} records, {} skipped, {secs:.1}s)",
            r.path.display(),
            r.tally.run,
            r.tally.skipped
        );
        return;
    }
    let _ = writeln!(
        out,
        "FAIL {}: {} ({secs:.1}s)",
        r.path.display(),
        r.cause().unwrap_or_default()
    );
    if let Some(d) = r.details() {
        for line in d.lines().skip(1).take(30) {
            let _ = writeln!(out, "    {line}");
        }
    }
}

/// Run every test file under `paths`, printing a line per file and, last, exactly one line
/// `N passed, M failed` counted in files (the record totals come on the line before).
pub fn run_paths(paths: &[PathBuf], opts: &SltOptions) -> SltSummary {
    let files = collect_files(paths);
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<(usize, FileResult)>> = Mutex::new(Vec::new());
    std::thread::scope(|s| {
        for _ in 0..opts.jobs.max(1) {
            s.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(path) = files.get(i) else { break };
                    let r = run_file(path, opts);
                    if opts.verbose {
                        report(&mut std::io::stdout().lock(), &r);
                    }
                    results
                        .lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((i, r));
                }
            });
        }
    });
    let mut results = results.into_inner().unwrap_or_else(|p| p.into_inner());
    results.sort_by_key(|(i, _)| *i);
    let mut summary = SltSummary::default();
    for (_, r) in results {
        if r.passed() {
            summary.passed += 1;
        } else {
            summary.failed += 1;
        }
        summary.records_run += r.tally.run;
        summary.records_failed += r.tally.failed;
        summary.records_skipped += r.tally.skipped;
        summary.files.push(r);
    }
    if opts.verbose {
        println!(
            "records: {} run, {} failed, {} skipped",
            summary.records_run, summary.records_failed, summary.records_skipped
        );
        println!("{} passed, {} failed", summary.passed, summary.failed);
    }
    summary
}
