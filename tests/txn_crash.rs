//! Crash tests with transactions in flight: a child runs bank transfers from several threads,
//! each a multi-statement snapshot-isolation transaction, and reports each commit; the parent
//! SIGKILLs it at random moments (transactions are in flight at every instant). After reopen,
//! the total is conserved (no transfer is half there), every acknowledged transfer is there, and
//! in-flight ones are not. `ISODB_TXN_CRASH_KILLS` sets the number of kills (default 20).

mod common;

use isodb::storage::{Db, Options};
use isodb::txn::{IsolationLevel, TxnError, TxnManager, TxnOptions};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::io::Write;
use std::ops::Bound;
use std::time::Instant;

const ACCOUNTS: u64 = 30;
const INITIAL: i64 = 1000;
const THREADS: u64 = 4;

fn opts() -> Options {
    Options {
        pool_bytes: 2 << 20,
        checkpoint_wal_bytes: 1 << 20,
        wal_segment_bytes: 256 << 10,
        ..Options::default()
    }
}

fn num(v: &[u8]) -> i64 {
    i64::from_be_bytes(v.try_into().unwrap())
}

fn progress_key(t: u64) -> Vec<u8> {
    format!("progress-{t}").into_bytes()
}

#[test]
#[ignore = "run by txn_crash_kills as a child process"]
fn txn_crash_child() {
    let Ok(dir) = std::env::var("ISODB_TXN_CRASH_DIR") else {
        return;
    };
    let m = TxnManager::new(Db::open(&dir, opts()).unwrap(), TxnOptions::default()).unwrap();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let m = m.clone();
            s.spawn(move || {
                let mut rng = rand::rngs::StdRng::seed_from_u64(t + std::process::id() as u64);
                let mut tx = m.begin(IsolationLevel::Snapshot, false);
                let done = tx
                    .get("bank", &progress_key(t))
                    .unwrap()
                    .map(|v| num(&v))
                    .unwrap_or(0);
                tx.rollback();
                for n in done + 1.. {
                    let from = rng.random_range(0..ACCOUNTS);
                    let to = (from + rng.random_range(1..ACCOUNTS)) % ACCOUNTS;
                    let amount: i64 = rng.random_range(1..100);
                    loop {
                        let mut tx = m.begin(IsolationLevel::Snapshot, false);
                        let r = (|| -> Result<(), TxnError> {
                            let a = num(&tx.get("bank", &from.to_be_bytes())?.unwrap());
                            tx.put("bank", &from.to_be_bytes(), &(a - amount).to_be_bytes())?;
                            let b = num(&tx.get("bank", &to.to_be_bytes())?.unwrap());
                            tx.put("bank", &to.to_be_bytes(), &(b + amount).to_be_bytes())?;
                            tx.put("bank", &progress_key(t), &n.to_be_bytes())?;
                            Ok(())
                        })();
                        match r {
                            Ok(()) => {
                                tx.commit().unwrap();
                                break;
                            }
                            Err(_) => tx.rollback(),
                        }
                    }
                    let mut out = std::io::stdout().lock();
                    writeln!(out, "\nACK {t} {n}").unwrap();
                    out.flush().unwrap();
                }
            });
        }
    });
}

fn check(dir: &std::path::Path, acked: &HashMap<u64, i64>) {
    let m = TxnManager::new(Db::open(dir, opts()).unwrap(), TxnOptions::default()).unwrap();
    let mut tx = m.begin(IsolationLevel::Snapshot, true);
    let mut total = 0;
    let mut accounts = 0;
    for r in tx
        .scan("bank", Bound::Unbounded, Bound::Excluded(b"p"), false)
        .unwrap()
    {
        let (k, v) = r.unwrap();
        if k.len() == 8 {
            total += num(&v);
            accounts += 1;
        }
    }
    assert_eq!(accounts, ACCOUNTS);
    assert_eq!(
        total,
        ACCOUNTS as i64 * INITIAL,
        "a transfer is partly present"
    );
    for t in 0..THREADS {
        let p = tx
            .get("bank", &progress_key(t))
            .unwrap()
            .map(|v| num(&v))
            .unwrap_or(0);
        let a = acked.get(&t).copied().unwrap_or(0);
        assert!(
            p == a || p == a + 1,
            "thread {t}: acknowledged {a}, found {p}"
        );
    }
}

#[test]
fn txn_crash_kills() {
    let kills: u32 = std::env::var("ISODB_TXN_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(20);
    let dir = tempfile::tempdir().unwrap();
    {
        let m =
            TxnManager::new(Db::open(dir.path(), opts()).unwrap(), TxnOptions::default()).unwrap();
        m.create_table("bank").unwrap();
        let mut tx = m.begin(IsolationLevel::Snapshot, false);
        for a in 0..ACCOUNTS {
            tx.put("bank", &a.to_be_bytes(), &INITIAL.to_be_bytes())
                .unwrap();
        }
        tx.commit().unwrap();
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let mut acked: HashMap<u64, i64> = HashMap::new();
    let mut total_acks = 0;
    let started = Instant::now();
    for _ in 0..kills {
        let target = rng.random_range(1..300u32);
        let env = [("ISODB_TXN_CRASH_DIR", dir.path().display().to_string())];
        let (acks, seen) = common::run_and_kill("txn_crash_child", &env, target, 2000, &mut rng);
        for (t, n) in acks {
            let e = acked.entry(t).or_insert(0);
            *e = (*e).max(n as i64);
        }
        total_acks += seen;
        check(dir.path(), &acked);
    }
    println!(
        "{kills} kills, {total_acks} acknowledged transfers, totals conserved ({:.1?})",
        started.elapsed()
    );
}
