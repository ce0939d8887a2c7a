//! Crash tests with a real process: a child commits numbered batches from several threads and
//! reports each one acknowledged; the parent SIGKILLs it at a random moment, reopens the
//! database and checks that every acknowledged batch is there whole, that the batch each thread
//! had in flight is there whole or not at all, and that nothing else is.
//!
//! `ISODB_CRASH_KILLS` sets the number of kills (default 50).

mod common;

use isodb::storage::{Db, Durability, Options, WriteBatch};
use rand::{Rng, SeedableRng};
use std::collections::HashMap;
use std::io::Write;
use std::time::{Duration, Instant};

const THREADS: u64 = 4;

fn options() -> Options {
    Options {
        pool_bytes: 1 << 20,
        wal_segment_bytes: 128 << 10,
        checkpoint_wal_bytes: 512 << 10,
        checkpoint_interval: Duration::from_millis(20),
        ..Options::default()
    }
}

fn key(base: u64, t: u64, n: u64, i: u64) -> Vec<u8> {
    format!("{base:04}-{t}-{n:07}-{i:02}").into_bytes()
}

fn keys_in(n: u64) -> u64 {
    1 + n % 7
}

fn value(base: u64, t: u64, n: u64, i: u64) -> Vec<u8> {
    let len = if (n + i).is_multiple_of(23) {
        20_000
    } else {
        1 + ((n * 31 + i * 7) % 900) as usize
    };
    let seed = (base * 1_000_003 + t * 10_007 + n * 101 + i) as u8;
    (0..len).map(|j| seed.wrapping_add(j as u8)).collect()
}

/// Batch `n` of thread `t` deletes the keys of batch `n - 2` when `n % 3 == 0`.
fn deletes_previous(n: u64) -> bool {
    n >= 2 && n.is_multiple_of(3)
}

fn last_key(base: u64, t: u64) -> Vec<u8> {
    format!("last-{base:04}-{t}").into_bytes()
}

/// The child: commits batches until killed, printing `ACK t n` after each acknowledged one.
#[test]
#[ignore = "run by crash_test_kills as a child process"]
fn crash_child() {
    let Ok(dir) = std::env::var("ISODB_CRASH_DIR") else {
        return;
    };
    let base: u64 = std::env::var("ISODB_CRASH_BASE").unwrap().parse().unwrap();
    let db = Db::open(&dir, options()).unwrap();
    std::thread::scope(|s| {
        for t in 0..THREADS {
            let db = &db;
            s.spawn(move || {
                for n in 0.. {
                    let mut b = WriteBatch::new();
                    for i in 0..keys_in(n) {
                        b.put("t", &key(base, t, n, i), &value(base, t, n, i));
                    }
                    if deletes_previous(n) {
                        for i in 0..keys_in(n - 2) {
                            b.delete("t", &key(base, t, n - 2, i));
                        }
                    }
                    b.put("t", &last_key(base, t), &n.to_be_bytes());
                    db.commit(b, Durability::Sync).unwrap();
                    let mut out = std::io::stdout().lock();
                    // A marker, since libtest may print its own text on the same line.
                    writeln!(out, "\nACK {t} {n}").unwrap();
                    out.flush().unwrap();
                }
            });
        }
    });
}

/// Checks one child run: `acked[t]` is the highest acknowledged batch of thread `t`.
fn verify(db: &Db, base: u64, acked: &HashMap<u64, u64>) -> Result<(), String> {
    let tree = db.tree("t").map_err(|e| e.to_string())?;
    for t in 0..THREADS {
        let last = tree
            .get(&last_key(base, t))
            .map_err(|e| e.to_string())?
            .map(|v| u64::from_be_bytes(v.try_into().unwrap()));
        let acked = acked.get(&t).copied();
        match (acked, last) {
            (Some(a), Some(l)) if l == a || l == a + 1 => {}
            (None, None) | (None, Some(0)) => {}
            (a, l) => {
                return Err(format!(
                    "thread {t}: acknowledged up to {a:?}, but {l:?} survived"
                ));
            }
        }
        let applied = last.map(|l| l + 1).unwrap_or(0);
        for n in 0..applied + 3 {
            let deleted = n + 2 < applied && deletes_previous(n + 2);
            for i in 0..keys_in(n) {
                let got = tree.get(&key(base, t, n, i)).map_err(|e| e.to_string())?;
                let want = (n < applied && !deleted).then(|| value(base, t, n, i));
                if got != want {
                    return Err(format!(
                        "thread {t} batch {n} key {i}: present {} expected {} (applied up to {last:?})",
                        got.is_some(),
                        want.is_some()
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn crash_test_kills() {
    let kills: u64 = std::env::var("ISODB_CRASH_KILLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let dir = tempfile::tempdir().unwrap();
    Db::open(dir.path(), options())
        .unwrap()
        .create_tree("t")
        .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(
        std::env::var("ISODB_CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(7),
    );
    let started = Instant::now();
    let mut all_acked = Vec::new();
    let mut total_acks = 0;
    for base in 0..kills {
        // Kill after a random number of acknowledgements (sometimes before the first), at a
        // random instant in between.
        let target = rng.random_range(0..400u32);
        let env = [
            ("ISODB_CRASH_DIR", dir.path().display().to_string()),
            ("ISODB_CRASH_BASE", base.to_string()),
        ];
        let (acked, seen) = common::run_and_kill("crash_child", &env, target, 3000, &mut rng);
        total_acks += seen;
        let db = Db::open(dir.path(), options()).unwrap();
        if let Err(e) = verify(&db, base, &acked) {
            panic!("after kill {base}: {e}");
        }
        drop(db);
        all_acked.push(acked);
    }
    // Every earlier run's batches are still whole after all the later crashes.
    let db = Db::open(dir.path(), options()).unwrap();
    for (base, acked) in all_acked.iter().enumerate() {
        verify(&db, base as u64, acked).unwrap_or_else(|e| panic!("final check, run {base}: {e}"));
    }
    println!(
        "{kills} kills, {total_acks} acknowledged batches, all present after recovery ({:.1?})",
        started.elapsed()
    );
}
