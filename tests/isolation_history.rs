//! Randomised isolation checking in the manner of Elle (Kingsbury & Alvaro, "Elle: Inferring
//! Isolation Anomalies from Experimental Observations", VLDB 2020), on list-append histories.
//!
//! Why list-append: every key holds a list that transactions only extend, by appending
//! globally unique integers (`UPDATE lists SET v = v || ' 17' WHERE k = 3`). A read returns
//! the whole list, a prefix of the key's version order, so the version order is *recovered*
//! from what was observed rather than guessed, and each dependency is inferred exactly:
//! ww: writer of element i → writer of element i+1 of a key's final list; wr: writer of the
//! newest element a read saw (other than the reader's own) → reader; rw: a reader whose list
//! ended at e (or was empty) → writer of the element after e.
//!
//! Eight threads, each with its own [`Session`], run transactions of 1–4 random reads and
//! appends at one level. A 40001 / 40P01 error (from any statement, COMMIT included) is rolled
//! back and the transaction recorded as aborted: its appends were attempted and must never be
//! observed. Any other error fails the test; `lock_timeout` turns a hang into such an error.
//! Six key slots are live at a time and a slot moves to a fresh row after
//! [`MAX_APPENDS_PER_KEY`] appends (Elle's max-writes-per-key), so lists stay short in long
//! runs. After the threads stop every key is read once more: that final state is the order.
//!
//! Every level forbids: garbage reads (elements nobody wrote), duplicate elements, reads that
//! are not prefixes of the key's order ("incompatible order"), committed appends missing from
//! the final state ("lost append"), internal inconsistency (a read after the transaction's own
//! appends must end with them), G1a (aborted read), G1b (a read ending between two appends of
//! one transaction), G0 (cycle of ww edges) and G1c (cycle of ww/wr edges). REPEATABLE READ
//! (snapshot isolation) also forbids G-single, a cycle with exactly one rw edge (read skew,
//! lost update); it allows cycles with two or more (write skew). SERIALIZABLE (SSI, and
//! strict 2PL after `SET serializable_mode = '2pl'`) forbids every cycle, G2 included. Cycles
//! come from Tarjan's SCCs plus a breadth-first search for a concrete one; G-single is looked
//! for precisely: for each rw edge a→b, a path b ⇝ a over ww/wr edges only.
//!
//! By default each level runs until 1500 transactions committed or 20 s passed. Long runs:
//!
//! ```text
//! ISODB_HISTORY_SECS=600 cargo test --release --test isolation_history -- --nocapture snapshot_history
//! ```
//!
//! run that many seconds with no transaction cap. `ISODB_HISTORY_SEED` fixes the seed of the
//! operation choices (it is printed; thread interleaving is not reproducible).

use isodb::txn::TxnOptions;
use isodb::{Database, QueryResult, Session, SqlError, Value};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::Ordering::SeqCst;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// Live keys at any moment: few, so that transactions contend.
const SLOTS: usize = 6;
const THREADS: usize = 8;
/// A slot moves to a fresh key after this many attempted appends.
const MAX_APPENDS_PER_KEY: u32 = 32;
const DEFAULT_TXN_CAP: u64 = 1500;
const DEFAULT_SECS: u64 = 20;

mod history;

use history::{History, Level, Op, Txn, check};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    ReadCommitted,
    Snapshot,
    Ssi,
    TwoPl,
}

impl Mode {
    fn begin_sql(self) -> &'static str {
        match self {
            Mode::ReadCommitted => "BEGIN ISOLATION LEVEL READ COMMITTED",
            Mode::Snapshot => "BEGIN ISOLATION LEVEL REPEATABLE READ",
            Mode::Ssi | Mode::TwoPl => "BEGIN ISOLATION LEVEL SERIALIZABLE",
        }
    }

    fn level(self) -> Level {
        match self {
            Mode::ReadCommitted => Level::ReadCommitted,
            Mode::Snapshot => Level::Snapshot,
            Mode::Ssi | Mode::TwoPl => Level::Serializable,
        }
    }
}

/// xorshift64*: tiny and seedable, enough to pick operations. `state` must not be 0.
fn random(state: &mut u64) -> u64 {
    *state ^= *state >> 12;
    *state ^= *state << 25;
    *state ^= *state >> 27;
    state.wrapping_mul(0x2545_F491_4F6C_DD1D)
}

/// A live key and the appends planned on it so far.
struct Slot {
    key: u64,
    appends: u32,
}

/// What the worker threads share: the run's settings, the live keys and counters.
struct Shared {
    mode: Mode,
    deadline: Instant,
    cap: Option<u64>,
    slots: Vec<Mutex<Slot>>,
    next_key: AtomicU64,
    next_elem: AtomicU64,
    committed: AtomicU64,
    stop: AtomicBool,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
}

fn err_text(sql: &str, e: &SqlError) -> String {
    let detail = e
        .detail
        .as_deref()
        .map(|d| format!(" ({d})"))
        .unwrap_or_default();
    format!("{sql}: {} {}{detail}", e.code, e.message)
}

fn must(s: &mut Session, sql: &str) -> QueryResult {
    s.execute(sql)
        .unwrap_or_else(|e| panic!("{}", err_text(sql, &e)))
}

fn parse_list(sql: &str, r: &QueryResult) -> Result<Vec<u64>, String> {
    let [row] = r.rows.as_slice() else {
        return Err(format!("{sql}: expected one row, got {}", r.rows.len()));
    };
    match row.first() {
        Some(Value::Text(t)) => t
            .split_whitespace()
            .map(|x| {
                x.parse::<u64>()
                    .map_err(|_| format!("{sql}: not a list of integers: {t:?}"))
            })
            .collect(),
        other => Err(format!("{sql}: expected text, got {other:?}")),
    }
}

/// One statement of a transaction: `None` if a serialization failure or deadlock aborted it
/// (it is then rolled back); any other error is the test's failure.
fn step(s: &mut Session, sql: &str) -> Result<Option<QueryResult>, String> {
    match s.execute(sql) {
        Ok(r) => Ok(Some(r)),
        Err(e) if e.code == "40001" || e.code == "40P01" => match s.execute("ROLLBACK") {
            Ok(_) => Ok(None),
            Err(e2) => Err(format!(
                "{}, then {}",
                err_text(sql, &e),
                err_text("ROLLBACK", &e2)
            )),
        },
        Err(e) => {
            let _ = s.execute("ROLLBACK");
            Err(err_text(sql, &e))
        }
    }
}

/// Picks a transaction's operations (key, is_append) before it begins. A full slot moves to
/// a fresh key, whose row is inserted here, outside any transaction, before anyone uses it.
fn plan(s: &mut Session, rng: &mut u64, sh: &Shared) -> Result<Vec<(u64, bool)>, String> {
    let mut ops = Vec::new();
    for _ in 0..1 + random(rng) % 4 {
        let append = random(rng).is_multiple_of(2);
        let mut slot = sh.slots[(random(rng) % SLOTS as u64) as usize]
            .lock()
            .unwrap();
        if append && slot.appends >= MAX_APPENDS_PER_KEY {
            let key = sh.next_key.fetch_add(1, SeqCst);
            let sql = format!("INSERT INTO lists VALUES ({key}, '')");
            s.execute(&sql).map_err(|e| err_text(&sql, &e))?;
            *slot = Slot { key, appends: 0 };
        }
        slot.appends += u32::from(append);
        ops.push((slot.key, append));
    }
    Ok(ops)
}

/// Runs one planned transaction, recording what ran into `ops`; true if it committed.
fn run_txn(
    s: &mut Session,
    sh: &Shared,
    planned: &[(u64, bool)],
    ops: &mut Vec<Op>,
) -> Result<bool, String> {
    if step(s, sh.mode.begin_sql())?.is_none() {
        return Ok(false);
    }
    for &(key, append) in planned {
        let sql = if append {
            let elem = sh.next_elem.fetch_add(1, SeqCst);
            // Recorded before it runs: a failed append was attempted and must never be seen.
            ops.push(Op::Append(key, elem));
            format!("UPDATE lists SET v = v || ' {elem}' WHERE k = {key}")
        } else {
            format!("SELECT v FROM lists WHERE k = {key}")
        };
        let Some(r) = step(s, &sql)? else {
            return Ok(false);
        };
        let checked = if !append {
            parse_list(&sql, &r).map(|list| ops.push(Op::Read(key, list)))
        } else if r.tag == "UPDATE 1" {
            Ok(())
        } else {
            Err(format!("{sql}: answered {:?}", r.tag))
        };
        if let Err(e) = checked {
            let _ = s.execute("ROLLBACK");
            return Err(e);
        }
    }
    match step(s, "COMMIT")? {
        None => Ok(false),
        Some(r) if r.tag == "COMMIT" => Ok(true),
        Some(r) => Err(format!("COMMIT answered {:?}", r.tag)),
    }
}

fn worker(db: &Database, sh: &Shared, thread: usize, seed: u64) -> Result<Vec<Txn>, String> {
    let mut s = db.session();
    // A lock wait this long is a hang: it fails the test (55P03) rather than stalling it.
    let mut setup = vec!["SET lock_timeout = '10s'"];
    if sh.mode == Mode::TwoPl {
        setup.push("SET serializable_mode = '2pl'");
    }
    for sql in setup {
        s.execute(sql).map_err(|e| err_text(sql, &e))?;
    }
    let mut rng = seed | 1;
    let mut txns = Vec::new();
    while !sh.stop.load(SeqCst)
        && Instant::now() < sh.deadline
        && sh.cap.is_none_or(|c| sh.committed.load(SeqCst) < c)
    {
        let planned = plan(&mut s, &mut rng, sh)?;
        let now = sh.in_flight.fetch_add(1, SeqCst) + 1;
        sh.max_in_flight.fetch_max(now, SeqCst);
        let mut ops = Vec::new();
        let outcome = run_txn(&mut s, sh, &planned, &mut ops);
        sh.in_flight.fetch_sub(1, SeqCst);
        let committed = outcome.map_err(|e| format!("thread {thread}: {e}"))?;
        if committed {
            sh.committed.fetch_add(1, SeqCst);
        }
        txns.push(Txn {
            thread,
            committed,
            ops,
        });
    }
    Ok(txns)
}

/// Runs one level; `ssi_retained`: SSI's limit of committed transactions kept in full (a small
/// one makes it summarise nearly every committed transaction, to check the summary's rules).
fn run_level(name: &str, mode: Mode, ssi_retained: Option<usize>) {
    let (duration, cap) = match std::env::var("ISODB_HISTORY_SECS") {
        Ok(v) => (
            Duration::from_secs(v.parse().expect("ISODB_HISTORY_SECS: seconds")),
            None,
        ),
        Err(_) => (Duration::from_secs(DEFAULT_SECS), Some(DEFAULT_TXN_CAP)),
    };
    let seed = std::env::var("ISODB_HISTORY_SEED")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or_else(|| {
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(1, |d| d.as_nanos() as u64)
        });
    eprintln!("{name}: ISODB_HISTORY_SEED={seed}, for {duration:?}, txn cap {cap:?}");

    let mut opts = TxnOptions::default();
    if let Some(n) = ssi_retained {
        opts.ssi_retained_committed = n;
    }
    let db = Database::open_memory_with(opts).unwrap();
    let mut s = db.session();
    must(
        &mut s,
        "CREATE TABLE lists (k int PRIMARY KEY, v text NOT NULL)",
    );
    let rows: Vec<String> = (0..SLOTS).map(|k| format!("({k}, '')")).collect();
    must(
        &mut s,
        &format!("INSERT INTO lists VALUES {}", rows.join(", ")),
    );
    let start = Instant::now();
    let sh = Shared {
        mode,
        deadline: start + duration,
        cap,
        slots: (0..SLOTS as u64)
            .map(|key| Mutex::new(Slot { key, appends: 0 }))
            .collect(),
        next_key: AtomicU64::new(SLOTS as u64),
        next_elem: AtomicU64::new(1),
        committed: AtomicU64::new(0),
        stop: AtomicBool::new(false),
        in_flight: AtomicUsize::new(0),
        max_in_flight: AtomicUsize::new(0),
    };
    let results: Vec<Result<Vec<Txn>, String>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS)
            .map(|t| {
                let (db, sh) = (db.clone(), &sh);
                let thread_seed = seed ^ (t as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
                scope.spawn(move || {
                    let r = worker(&db, sh, t, thread_seed);
                    if r.is_err() {
                        sh.stop.store(true, SeqCst);
                    }
                    r
                })
            })
            .collect();
        let panicked = || Err("worker thread panicked".to_string());
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|_| panicked()))
            .collect()
    });
    let elapsed = start.elapsed();
    let mut txns = Vec::new();
    for r in results {
        txns.extend(r.unwrap_or_else(|e| panic!("{name} (seed {seed}): {e}")));
    }

    // The final state of every key ever used, in one snapshot.
    let mut final_state = BTreeMap::new();
    must(&mut s, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    for k in 0..sh.next_key.load(SeqCst) {
        let sql = format!("SELECT v FROM lists WHERE k = {k}");
        final_state.insert(k, parse_list(&sql, &must(&mut s, &sql)).unwrap());
    }
    must(&mut s, "COMMIT");

    let history = History { txns, final_state };
    let rep = check(&history, mode.level());
    let max_in_flight = sh.max_in_flight.load(SeqCst);
    let stats = format!(
        "{} committed, {} aborted, {} ops, edges ww {} wr {} rw {}, {} keys, \
         at most {max_in_flight} in flight, {elapsed:.1?}",
        rep.committed,
        rep.aborted,
        rep.ops,
        rep.ww,
        rep.wr,
        rep.rw,
        history.final_state.len(),
    );
    eprintln!("{name}: {stats}");
    if !rep.anomalies.is_empty() {
        let first: Vec<String> = rep
            .anomalies
            .iter()
            .take(5)
            .map(|a| format!("{}: {}", a.name, a.detail))
            .collect();
        let n = rep.anomalies.len();
        panic!(
            "{name} (seed {seed}): {n} anomalies ({stats}); first:\n{}",
            first.join("\n\n")
        );
    }
    // Not vacuous: there were dependencies of every kind to check, and transactions overlapped.
    assert!(
        rep.committed > 0 && rep.ww > 0 && rep.wr > 0 && rep.rw > 0,
        "{name}: {stats}"
    );
    assert!(
        max_in_flight >= 2,
        "{name}: transactions never overlapped ({stats})"
    );
    if matches!(mode, Mode::Snapshot | Mode::Ssi) && rep.committed >= 200 {
        assert!(
            rep.aborted > 0,
            "{name}: no conflict ever aborted a transaction ({stats})"
        );
    }
    if ssi_retained.is_some() {
        let ssi = db.ssi_stats();
        eprintln!("{name}: {ssi:?}");
        assert!(
            ssi.summarised > 0,
            "{name}: nothing was summarised ({ssi:?})"
        );
    }
}

#[test]
fn read_committed_history() {
    run_level("read_committed_history", Mode::ReadCommitted, None);
}

#[test]
fn snapshot_history() {
    run_level("snapshot_history", Mode::Snapshot, None);
}

#[test]
fn serializable_ssi_history() {
    run_level("serializable_ssi_history", Mode::Ssi, None);
}

#[test]
fn serializable_2pl_history() {
    run_level("serializable_2pl_history", Mode::TwoPl, None);
}

/// SSI keeping a single committed transaction in full: nearly every committed one is
/// summarised while others still overlap it, so the summary's conservative rules carry the
/// checking; still no cycle may get through.
#[test]
fn serializable_ssi_summarised_history() {
    run_level("serializable_ssi_summarised_history", Mode::Ssi, Some(1));
}

// --- The checker on hand-made histories: each anomaly is found, under its name, exactly where
// --- the level forbids it.
