//! Randomised concurrent transactions, and garbage collection figures.

use isodb::storage::{Db, Options};
use isodb::txn::{IsolationLevel, TxnError, TxnManager, TxnOptions};
use rand::{Rng, SeedableRng};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

const ACCOUNTS: u64 = 20;
const INITIAL: i64 = 1000;

fn balance(v: &[u8]) -> i64 {
    i64::from_be_bytes(v.try_into().unwrap())
}

/// Bank transfers under snapshot isolation from many threads: the total is conserved, and
/// readers that sum every balance under snapshot isolation always see the same total.
#[test]
fn bank_transfers_conserve_the_total() {
    let dir = tempfile::tempdir().unwrap();
    let db = Db::open(dir.path(), Options::default()).unwrap();
    let m = TxnManager::new(db, TxnOptions::default()).unwrap();
    m.create_table("accounts").unwrap();
    let mut t = m.begin(IsolationLevel::Snapshot, false);
    for a in 0..ACCOUNTS {
        t.put("accounts", &a.to_be_bytes(), &INITIAL.to_be_bytes())
            .unwrap();
    }
    t.commit().unwrap();
    let total = ACCOUNTS as i64 * INITIAL;
    let stop = Arc::new(AtomicBool::new(false));
    let committed = Arc::new(AtomicU64::new(0));
    let conflicts = Arc::new(AtomicU64::new(0));
    let sums = Arc::new(AtomicU64::new(0));
    std::thread::scope(|s| {
        let mut writers = Vec::new();
        for w in 0..6u64 {
            let (m, committed, conflicts) = (m.clone(), committed.clone(), conflicts.clone());
            writers.push(s.spawn(move || {
                let mut rng = rand::rngs::StdRng::seed_from_u64(w);
                for _ in 0..150 {
                    let from = rng.random_range(0..ACCOUNTS);
                    let to = (from + rng.random_range(1..ACCOUNTS)) % ACCOUNTS;
                    let amount: i64 = rng.random_range(1..50);
                    let mut t = m.begin(IsolationLevel::Snapshot, false);
                    let r = (|| -> Result<(), TxnError> {
                        let a = balance(&t.get("accounts", &from.to_be_bytes())?.unwrap());
                        let b = balance(&t.get("accounts", &to.to_be_bytes())?.unwrap());
                        t.put("accounts", &from.to_be_bytes(), &(a - amount).to_be_bytes())?;
                        t.put("accounts", &to.to_be_bytes(), &(b + amount).to_be_bytes())?;
                        Ok(())
                    })();
                    match r {
                        Ok(()) => {
                            t.commit().unwrap();
                            committed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(e) => {
                            assert!(matches!(e.sqlstate(), "40001" | "40P01"), "{e:?}");
                            conflicts.fetch_add(1, Ordering::Relaxed);
                            t.rollback();
                        }
                    }
                }
            }));
        }
        for _ in 0..2 {
            let (m, stop, sums) = (m.clone(), stop.clone(), sums.clone());
            s.spawn(move || {
                while !stop.load(Ordering::Acquire) {
                    let mut t = m.begin(IsolationLevel::Snapshot, true);
                    let first: i64 = t
                        .scan("accounts", Bound::Unbounded, Bound::Unbounded, false)
                        .unwrap()
                        .map(|r| balance(&r.unwrap().1))
                        .sum();
                    // The same snapshot again, key by key.
                    let second: i64 = (0..ACCOUNTS)
                        .map(|a| balance(&t.get("accounts", &a.to_be_bytes()).unwrap().unwrap()))
                        .sum();
                    assert_eq!(first, total, "a snapshot saw a partial transfer");
                    assert_eq!(second, total);
                    t.commit().unwrap();
                    sums.fetch_add(1, Ordering::Relaxed);
                }
            });
        }
        for w in writers {
            w.join().unwrap();
        }
        stop.store(true, Ordering::Release);
    });
    let mut t = m.begin(IsolationLevel::Snapshot, true);
    let end: i64 = t
        .scan("accounts", Bound::Unbounded, Bound::Unbounded, false)
        .unwrap()
        .map(|r| balance(&r.unwrap().1))
        .sum();
    assert_eq!(end, total);
    assert!(
        committed.load(Ordering::Relaxed) > 100,
        "too few transfers committed"
    );
    assert!(sums.load(Ordering::Relaxed) > 0);
    println!(
        "{} transfers committed, {} aborted by first-updater-wins or deadlock, {} consistent sums",
        committed.load(Ordering::Relaxed),
        conflicts.load(Ordering::Relaxed),
        sums.load(Ordering::Relaxed)
    );
}

/// A table of 1,000 rows updated many times stays within a small multiple of its live size,
/// and a long-running snapshot keeps what it needs without blocking writers.
#[test]
fn garbage_collection_bounds_versions() {
    let updates: u64 = std::env::var("ISODB_GC_UPDATES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(200_000);
    let db = Db::open_memory(Options::default()).unwrap();
    let m = TxnManager::new(db, TxnOptions::default()).unwrap();
    m.create_table("t").unwrap();
    let rows = 1000u64;
    let per_txn = 100;
    let mut t = m.begin(IsolationLevel::Snapshot, false);
    for r in 0..rows {
        t.put("t", &r.to_be_bytes(), &[0u8; 100]).unwrap();
    }
    t.commit().unwrap();
    // A long-running reader holds an old snapshot through the first half.
    let mut old = m.begin(IsolationLevel::Snapshot, true);
    assert_eq!(
        old.get("t", &7u64.to_be_bytes()).unwrap().unwrap(),
        vec![0u8; 100]
    );
    let mut rng = rand::rngs::StdRng::seed_from_u64(1);
    let mut n = 0u64;
    let mut peak_with_old = 0;
    while n < updates {
        let mut t = m.begin(IsolationLevel::Snapshot, false);
        for _ in 0..per_txn {
            let r = rng.random_range(0..rows);
            t.put("t", &r.to_be_bytes(), &[(n % 250) as u8 + 1; 100])
                .unwrap();
            n += 1;
        }
        t.commit().unwrap();
        if n == updates / 2 {
            // The old snapshot still reads its version, and every row has at most the versions
            // it needs (its own, the newest) plus garbage the pruning has not reached.
            assert_eq!(
                old.get("t", &7u64.to_be_bytes()).unwrap().unwrap(),
                vec![0u8; 100]
            );
            peak_with_old = m.version_count("t").unwrap();
            old.commit().unwrap();
            old = m.begin(IsolationLevel::Snapshot, true);
        }
    }
    old.commit().unwrap();
    m.vacuum_now().unwrap();
    let versions = m.version_count("t").unwrap();
    let stats = m.db().stats();
    println!(
        "{updates} updates of {rows} rows: {versions} versions after vacuum ({:.2} per row), \
         {peak_with_old} while an old snapshot was held; {} pages in use",
        versions as f64 / rows as f64,
        stats.pages - stats.free_pages
    );
    assert!(
        versions as u64 <= 2 * rows,
        "{versions} versions for {rows} rows"
    );
    assert!(
        peak_with_old as u64 <= 4 * rows,
        "{peak_with_old} versions with one old snapshot"
    );
}
