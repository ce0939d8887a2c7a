//! SSI's memory stays bounded under a long-running serializable transaction: without
//! summarising, every transaction committing after its snapshot would be retained (with its
//! SIREAD locks and write records) until it ends. With it, at most
//! `ssi::MAX_RETAINED_COMMITTED` committed transactions are kept in full, whatever the length
//! of the run; the rest live on as per-tree summaries. The figures printed are the memory
//! figure of the docs; `ISODB_SSI_BOUND_TXNS` runs longer (default 6,000 transactions).

use isodb::txn::ssi::MAX_RETAINED_COMMITTED;
use isodb::{Database, Session, SqlError};

const THREADS: usize = 4;
const KEYS: u64 = 200;

fn ok(s: &mut Session, sql: &str) {
    s.execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {} {}", e.code, e.message));
}

/// A statement of a short transaction: 40001 rolls the transaction back, anything else fails.
fn step(s: &mut Session, sql: &str) -> Result<(), SqlError> {
    match s.execute(sql) {
        Ok(_) => Ok(()),
        Err(e) if e.code == "40001" || e.code == "40P01" => {
            ok(s, "ROLLBACK");
            Err(e)
        }
        Err(e) => panic!("{sql}: {} {}", e.code, e.message),
    }
}

fn rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

#[test]
fn retained_transactions_stay_bounded_under_a_long_reader() {
    let total: u64 = std::env::var("ISODB_SSI_BOUND_TXNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(6_000);
    let db = Database::open_memory().unwrap();
    let mut setup = db.session();
    ok(&mut setup, "CREATE TABLE t (k int PRIMARY KEY, v int)");
    let rows: Vec<String> = (0..KEYS).map(|k| format!("({k}, 0)")).collect();
    ok(
        &mut setup,
        &format!("INSERT INTO t VALUES {}", rows.join(", ")),
    );

    // The long reader: its snapshot precedes every commit below.
    let mut long = db.session();
    ok(&mut long, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    ok(&mut long, "SELECT sum(v) FROM t");

    let rss_before = rss_kib();
    let per_thread = total / THREADS as u64;
    let peaks: Vec<usize> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..THREADS as u64)
            .map(|t| {
                let db = db.clone();
                scope.spawn(move || {
                    let mut s = db.session();
                    let mut peak = 0;
                    let mut x = t * 7919 + 1;
                    for i in 0..per_thread {
                        x = x
                            .wrapping_mul(6364136223846793005)
                            .wrapping_add(1442695040888963407);
                        let (a, b) = ((x >> 33) % KEYS, (x >> 17) % KEYS);
                        let _ = step(&mut s, "BEGIN ISOLATION LEVEL SERIALIZABLE")
                            .and_then(|()| step(&mut s, &format!("SELECT v FROM t WHERE k = {a}")))
                            .and_then(|()| {
                                step(&mut s, &format!("UPDATE t SET v = v + 1 WHERE k = {b}"))
                            })
                            .and_then(|()| step(&mut s, "COMMIT"));
                        if i % 100 == 0 {
                            peak = peak.max(db.ssi_stats().transactions);
                        }
                    }
                    peak
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let stats = db.ssi_stats();
    let peak = peaks.into_iter().max().unwrap_or(0).max(stats.transactions);
    eprintln!(
        "{total} transactions under a long reader: peak {peak} registered, now {stats:?}; \
         RSS {rss_before:?} KiB before, {:?} KiB after",
        rss_kib()
    );
    let bound = MAX_RETAINED_COMMITTED + THREADS + 1;
    assert!(
        peak <= bound,
        "{peak} registered transactions (bound {bound})"
    );
    assert!(
        stats.summarised > 0,
        "the long reader kept them all overlapping, so some must have been summarised"
    );
    // The long reader (read-only so far) still commits, and everything is released.
    ok(&mut long, "COMMIT");
    let after = db.ssi_stats();
    assert_eq!(
        (
            after.transactions,
            after.points,
            after.ranges,
            after.writes,
            after.summary_trees
        ),
        (0, 0, 0, 0, 0),
        "{after:?}"
    );
}
