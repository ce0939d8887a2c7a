//! sqllogictest suites, through `isodb::slt` (a `harness = false` test using libtest-mimic):
//!
//! - every `sqllogic/**/*.slt` file (isodb's own suites, PostgreSQL expectations) twice, as
//!   `memory/<path>` on an in-memory database and `disk/<path>` on an on-disk one in a
//!   temporary directory;
//! - every SQLite corpus file `sqllogic/sqlite/**/*.test`, as `sqlite/<path>`, checked against
//!   `sqllogic/sqlite-baseline.txt`: one line per file, `<path> pass` or `<path> fail <cause>`
//!   (`#` comments allowed). A `pass` file that fails is a regression (the trial fails); a
//!   `fail` file that still fails is shown as ignored with its cause; a `fail` file that passes
//!   passes and is listed at the end so the baseline can be updated. A file missing from the
//!   baseline must pass.
//!
//! `ISODB_SLT_BASELINE=write cargo test --test sqllogic` rewrites the baseline from this run's
//! results (files not run keep their line). `ISODB_SLT_TIME_LIMIT` sets the per-file time limit
//! in seconds (default 300).

use isodb::slt::{FileResult, SltOptions, collect_files, run_file};
use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const BASELINE: &str = "sqlite-baseline.txt";

/// What the baseline says about one corpus file.
#[derive(Debug, Clone, PartialEq)]
enum Expect {
    Pass,
    Fail(String),
}

fn parse_baseline(text: &str) -> BTreeMap<String, Expect> {
    let mut out = BTreeMap::new();
    for line in text.lines().map(str::trim) {
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let (Some(path), Some(word)) = (parts.next(), parts.next()) else {
            continue;
        };
        let cause = parts.next().unwrap_or("").trim().to_string();
        let e = if word == "pass" {
            Expect::Pass
        } else {
            Expect::Fail(cause)
        };
        out.insert(path.to_string(), e);
    }
    out
}

fn render_baseline(entries: &BTreeMap<String, Expect>) -> String {
    let mut s = String::from(
        "# SQLite corpus files (sqllogic/sqlite/) and whether isodb passes them: `pass` or\n\
         # `fail <cause>`. Checked by tests/sqllogic.rs; regenerate with\n\
         # `ISODB_SLT_BASELINE=write cargo test --test sqllogic` (the causes are for people:\n\
         # only `pass` and `fail` are checked).\n",
    );
    for (path, e) in entries {
        match e {
            Expect::Pass => s.push_str(&format!("{path} pass\n")),
            Expect::Fail(c) => s.push_str(&format!("{path} fail {c}\n")),
        }
    }
    s
}

fn options(disk: bool) -> SltOptions {
    let secs = std::env::var("ISODB_SLT_TIME_LIMIT")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(300);
    SltOptions {
        disk,
        time_limit: Some(Duration::from_secs(secs)),
        verbose: false,
        ..Default::default()
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

/// The one-line cause, with this checkout's path left off so the baseline is the same
/// everywhere.
fn cause(r: &FileResult) -> String {
    let prefix = format!("{}/", env!("CARGO_MANIFEST_DIR"));
    r.cause().unwrap_or_default().replace(&prefix, "")
}

fn failure_text(r: &FileResult) -> String {
    let mut s = cause(r);
    if let Some(d) = r.details() {
        for line in d.lines().skip(1).take(40) {
            s.push_str("\n    ");
            s.push_str(line);
        }
    }
    s
}

/// Results of corpus files whose line in the baseline is out of date, and all results (for
/// write mode).
#[derive(Default)]
struct Notes {
    now_passing: Vec<String>,
    results: BTreeMap<String, Expect>,
}

fn main() {
    let args = Arguments::from_args();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("sqllogic");
    let corpus_root = root.join("sqlite");
    let write_mode = std::env::var("ISODB_SLT_BASELINE").is_ok_and(|v| v == "write");
    let baseline_path = root.join(BASELINE);
    let baseline = parse_baseline(&std::fs::read_to_string(&baseline_path).unwrap_or_default());
    let notes = Arc::new(Mutex::new(Notes::default()));

    let mut trials = Vec::new();
    let own: Vec<PathBuf> = collect_files(std::slice::from_ref(&root))
        .into_iter()
        .filter(|p| !p.starts_with(&corpus_root) && p.extension().is_some_and(|e| e == "slt"))
        .collect();
    for disk in [false, true] {
        for path in &own {
            let name = format!(
                "{}/{}",
                if disk { "disk" } else { "memory" },
                relative(path, &root)
            );
            let path = path.clone();
            trials.push(Trial::test(name, move || {
                let r = run_file(&path, &options(disk));
                if r.passed() {
                    Ok(())
                } else {
                    Err(Failed::from(failure_text(&r)))
                }
            }));
        }
    }

    for path in collect_files(std::slice::from_ref(&corpus_root)) {
        if path.extension().is_none_or(|e| e != "test") {
            continue;
        }
        let rel = relative(&path, &corpus_root);
        let expect = baseline.get(&rel).cloned().unwrap_or(Expect::Pass);
        let notes = notes.clone();
        trials.push(Trial::ignorable_test(format!("sqlite/{rel}"), move || {
            let r = run_file(&path, &options(false));
            let got = if r.passed() {
                Expect::Pass
            } else {
                Expect::Fail(cause(&r))
            };
            let mut n = notes.lock().unwrap_or_else(|p| p.into_inner());
            n.results.insert(rel.clone(), got.clone());
            if write_mode {
                return Ok(Completion::Completed);
            }
            match (expect, got) {
                (Expect::Pass, Expect::Pass) => Ok(Completion::Completed),
                (Expect::Fail(_), Expect::Pass) => {
                    n.now_passing.push(rel);
                    Ok(Completion::Completed)
                }
                (Expect::Fail(cause), Expect::Fail(_)) => {
                    Ok(Completion::ignored_with(format!("known failure: {cause}")))
                }
                (Expect::Pass, Expect::Fail(_)) => Err(Failed::from(format!(
                    "regression (baseline says pass): {}",
                    failure_text(&r)
                ))),
            }
        }));
    }

    let conclusion = libtest_mimic::run(&args, trials);
    let n = notes.lock().unwrap_or_else(|p| p.into_inner());
    if write_mode && !n.results.is_empty() {
        let mut merged = baseline.clone();
        merged.extend(n.results.clone());
        match std::fs::write(&baseline_path, render_baseline(&merged)) {
            Ok(()) => eprintln!("wrote {} ({} files)", baseline_path.display(), merged.len()),
            Err(e) => eprintln!("cannot write {}: {e}", baseline_path.display()),
        }
    }
    if !n.now_passing.is_empty() {
        eprintln!(
            "these corpus files now pass; mark them `pass` in sqllogic/{BASELINE}: {}",
            n.now_passing.join(", ")
        );
    }
    for path in baseline.keys() {
        if !corpus_root.join(path).exists() {
            eprintln!("sqllogic/{BASELINE} lists {path}, which is not in sqllogic/sqlite/");
        }
    }
    conclusion.exit();
}
