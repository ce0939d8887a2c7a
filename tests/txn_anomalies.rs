//! Anomalies at the transaction layer, for read committed and snapshot isolation, in the
//! manner of the Hermitage suite: each test asserts the values read and the final state, and
//! for what a level allows, that the anomaly does happen (as in PostgreSQL).

use isodb::storage::{Db, Options};
use isodb::txn::{IsolationLevel, Transaction, TxnError, TxnManager, TxnOptions};
use std::ops::Bound;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use IsolationLevel::{ReadCommitted as RC, Snapshot as SI};

fn setup() -> TxnManager {
    let db = Db::open_memory(Options::default()).unwrap();
    let m = TxnManager::new(db, TxnOptions::default()).unwrap();
    m.create_table("t").unwrap();
    let mut t = m.begin(RC, false);
    t.put("t", b"1", b"10").unwrap();
    t.put("t", b"2", b"20").unwrap();
    t.commit().unwrap();
    m
}

fn get(t: &mut Transaction, k: &[u8]) -> Option<String> {
    t.statement().unwrap();
    t.get("t", k)
        .unwrap()
        .map(|v| String::from_utf8(v).unwrap())
}

fn put(t: &mut Transaction, k: &[u8], v: &str) {
    t.statement().unwrap();
    t.put("t", k, v.as_bytes()).unwrap();
}

fn final_state(m: &TxnManager) -> Vec<(String, String)> {
    let mut t = m.begin(RC, true);
    t.scan("t", Bound::Unbounded, Bound::Unbounded, false)
        .unwrap()
        .map(|r| {
            let (k, v) = r.unwrap();
            (String::from_utf8(k).unwrap(), String::from_utf8(v).unwrap())
        })
        .collect()
}

fn state(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// Waits (bounded) until transaction `id` is blocked on a lock; no sleeping to synchronise.
fn wait_until_blocked(m: &TxnManager, id: u64) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while m.locks().waiting_for(id).is_empty() {
        assert!(Instant::now() < deadline, "transaction {id} never blocked");
        std::thread::yield_now();
    }
}

/// Runs `f` on `t` in a thread; the result arrives on the returned channel.
fn in_background<T: Send + 'static>(
    mut t: Transaction,
    f: impl FnOnce(&mut Transaction) -> Result<T, TxnError> + Send + 'static,
) -> mpsc::Receiver<(Transaction, Result<T, TxnError>)> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let r = f(&mut t);
        let _ = tx.send((t, r));
    });
    rx
}

fn recv<T>(rx: &mpsc::Receiver<T>) -> T {
    rx.recv_timeout(Duration::from_secs(10))
        .expect("background step did not finish")
}

/// G0, dirty write: two writers of the same rows never interleave.
#[test]
fn g0_dirty_write() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        put(&mut t1, b"1", "11");
        t2.statement().unwrap();
        let _ = t2.get("t", b"1").unwrap(); // T2's snapshot predates T1's commit
        let id2 = t2.id();
        let rx = in_background(t2, |t| t.put("t", b"1", b"12"));
        wait_until_blocked(&m, id2);
        put(&mut t1, b"2", "21");
        t1.commit().unwrap();
        let (mut t2, r) = recv(&rx);
        match level {
            RC => {
                r.unwrap();
                put(&mut t2, b"2", "22");
                t2.commit().unwrap();
                assert_eq!(final_state(&m), state(&[("1", "12"), ("2", "22")]));
            }
            _ => {
                let e = r.unwrap_err();
                assert_eq!(e.sqlstate(), "40001", "{e:?}");
                assert!(e.detail().unwrap().contains("first-updater-wins"));
                t2.rollback();
                assert_eq!(final_state(&m), state(&[("1", "11"), ("2", "21")]));
            }
        }
    }
}

/// Dirty read (P1): an uncommitted write is invisible to others, before and after it commits
/// (until the reader's next snapshot under read committed).
#[test]
fn dirty_read() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        put(&mut t1, b"1", "11");
        assert_eq!(
            get(&mut t1, b"1").as_deref(),
            Some("11"),
            "a transaction sees its own write"
        );
        assert_eq!(get(&mut t2, b"1").as_deref(), Some("10"));
        let mut t3 = m.begin(level, false);
        assert_eq!(get(&mut t3, b"1").as_deref(), Some("10"));
        t1.commit().unwrap();
        let want = if level == RC { "11" } else { "10" };
        assert_eq!(get(&mut t2, b"1").as_deref(), Some(want));
        t2.commit().unwrap();
        t3.commit().unwrap();
        assert_eq!(final_state(&m), state(&[("1", "11"), ("2", "20")]));
    }
}

/// G1a, aborted read: nobody sees the writes of a transaction that rolls back.
#[test]
fn g1a_aborted_read() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        put(&mut t1, b"1", "101");
        assert_eq!(get(&mut t2, b"1").as_deref(), Some("10"));
        t1.rollback();
        assert_eq!(get(&mut t2, b"1").as_deref(), Some("10"));
        t2.commit().unwrap();
        assert_eq!(final_state(&m), state(&[("1", "10"), ("2", "20")]));
    }
}

/// G1b, intermediate read: nobody sees a value a transaction later overwrote itself.
#[test]
fn g1b_intermediate_read() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        put(&mut t1, b"1", "101");
        assert_eq!(get(&mut t2, b"1").as_deref(), Some("10"));
        put(&mut t1, b"1", "11");
        t1.commit().unwrap();
        let want = if level == RC { "11" } else { "10" };
        assert_eq!(get(&mut t2, b"1").as_deref(), Some(want));
        t2.commit().unwrap();
        assert_eq!(final_state(&m), state(&[("1", "11"), ("2", "20")]));
    }
}

/// Non-repeatable read (P2 / OTV's core): read committed allows it, snapshot isolation does not.
#[test]
fn non_repeatable_read() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        assert_eq!(get(&mut t1, b"1").as_deref(), Some("10"));
        put(&mut t2, b"1", "11");
        t2.commit().unwrap();
        let second = get(&mut t1, b"1");
        match level {
            RC => assert_eq!(second.as_deref(), Some("11"), "RC shows the anomaly"),
            _ => assert_eq!(second.as_deref(), Some("10")),
        }
        t1.commit().unwrap();
        assert_eq!(final_state(&m), state(&[("1", "11"), ("2", "20")]));
    }
}

/// Read skew (G-single): T1 sees x before and y after T2's transfer under read committed.
#[test]
fn read_skew() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        assert_eq!(get(&mut t1, b"1").as_deref(), Some("10"));
        put(&mut t2, b"1", "12");
        put(&mut t2, b"2", "18");
        t2.commit().unwrap();
        let y = get(&mut t1, b"2").unwrap();
        match level {
            RC => assert_eq!(y, "18", "RC shows the skew: 10 + 18 != 30"),
            _ => assert_eq!(y, "20"),
        }
        t1.commit().unwrap();
        assert_eq!(final_state(&m), state(&[("1", "12"), ("2", "18")]));
    }
}

/// Lost update (P4): both read 10 and write 10 + 1. Read committed loses one increment;
/// snapshot isolation aborts the second writer with 40001.
#[test]
fn lost_update() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        let x1: i64 = get(&mut t1, b"1").unwrap().parse().unwrap();
        let x2: i64 = get(&mut t2, b"1").unwrap().parse().unwrap();
        assert_eq!((x1, x2), (10, 10));
        put(&mut t1, b"1", &(x1 + 1).to_string());
        let id2 = t2.id();
        let rx = in_background(t2, move |t| {
            t.statement()?;
            t.put("t", b"1", (x2 + 1).to_string().as_bytes())
        });
        wait_until_blocked(&m, id2);
        t1.commit().unwrap();
        let (t2, r) = recv(&rx);
        match level {
            RC => {
                r.unwrap();
                t2.commit().unwrap();
                assert_eq!(final_state(&m)[0].1, "11", "RC loses T1's increment");
            }
            _ => {
                assert_eq!(r.unwrap_err().sqlstate(), "40001");
                t2.rollback();
                assert_eq!(final_state(&m)[0].1, "11");
            }
        }
    }
}

/// Read committed's UPDATE re-checks the newest committed version after waiting, so an
/// in-statement increment (`SET x = x + 1`) is not lost (PostgreSQL's behaviour).
#[test]
fn read_committed_update_rereads_after_wait() {
    let m = setup();
    let mut t1 = m.begin(RC, false);
    let t2 = m.begin(RC, false);
    put(&mut t1, b"1", "11");
    let id2 = t2.id();
    let rx = in_background(t2, |t| {
        t.statement()?;
        let current: i64 = String::from_utf8(t.lock_row("t", b"1")?.unwrap())
            .unwrap()
            .parse()
            .unwrap();
        t.put("t", b"1", (current + 1).to_string().as_bytes())
    });
    wait_until_blocked(&m, id2);
    t1.commit().unwrap();
    let (t2, r) = recv(&rx);
    r.unwrap();
    t2.commit().unwrap();
    assert_eq!(final_state(&m)[0].1, "12");
}

/// A writer whose blocker rolls back goes on with the old version, at both levels.
#[test]
fn writer_proceeds_after_blocker_aborts() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let t2 = m.begin(level, false);
        put(&mut t1, b"1", "11");
        let id2 = t2.id();
        let rx = in_background(t2, |t| {
            t.statement()?;
            let v = t.lock_row("t", b"1")?;
            t.put("t", b"1", b"12")?;
            Ok(v)
        });
        wait_until_blocked(&m, id2);
        t1.rollback();
        let (t2, r) = recv(&rx);
        assert_eq!(r.unwrap().as_deref(), Some(&b"10"[..]));
        t2.commit().unwrap();
        assert_eq!(final_state(&m)[0].1, "12");
    }
}

/// Phantom: a predicate read repeated after a concurrent insert. Read committed sees the new
/// row; snapshot isolation does not.
#[test]
fn phantom() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        let scan = |t: &mut Transaction| {
            t.statement().unwrap();
            t.scan("t", Bound::Included(b"1"), Bound::Included(b"9"), false)
                .unwrap()
                .count()
        };
        assert_eq!(scan(&mut t1), 2);
        put(&mut t2, b"3", "30");
        t2.commit().unwrap();
        let again = scan(&mut t1);
        assert_eq!(again, if level == RC { 3 } else { 2 });
        t1.commit().unwrap();
        assert_eq!(final_state(&m).len(), 3);
    }
}

/// Write skew (G2-item): each reads both rows and writes the other; both commit at both levels
/// (only serializable levels prevent it), breaking "x + y >= 0".
#[test]
fn write_skew() {
    for level in [RC, SI] {
        let m = setup();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        let sum = |t: &mut Transaction| -> i64 {
            t.statement().unwrap();
            t.scan("t", Bound::Unbounded, Bound::Unbounded, false)
                .unwrap()
                .map(|r| {
                    String::from_utf8(r.unwrap().1)
                        .unwrap()
                        .parse::<i64>()
                        .unwrap()
                })
                .sum()
        };
        assert_eq!(sum(&mut t1), 30);
        assert_eq!(sum(&mut t2), 30);
        // Each withdraws 30 from a different row, believing the total stays >= 0.
        put(&mut t1, b"1", "-20");
        put(&mut t2, b"2", "-10");
        t1.commit().unwrap();
        t2.commit().unwrap();
        assert_eq!(final_state(&m), state(&[("1", "-20"), ("2", "-10")]));
    }
}

/// A transaction sees its own writes, in gets and scans, merged in order.
#[test]
fn own_writes_and_scans() {
    let m = setup();
    let mut t = m.begin(SI, false);
    t.put("t", b"0", b"0").unwrap();
    t.delete("t", b"1").unwrap();
    t.put("t", b"2", b"22").unwrap();
    t.put("t", b"3", b"30").unwrap();
    let rows = |t: &mut Transaction, reverse| -> Vec<String> {
        t.scan("t", Bound::Unbounded, Bound::Unbounded, reverse)
            .unwrap()
            .map(|r| {
                let (k, v) = r.unwrap();
                format!(
                    "{}={}",
                    String::from_utf8(k).unwrap(),
                    String::from_utf8(v).unwrap()
                )
            })
            .collect()
    };
    assert_eq!(rows(&mut t, false), ["0=0", "2=22", "3=30"]);
    assert_eq!(rows(&mut t, true), ["3=30", "2=22", "0=0"]);
    assert_eq!(t.get("t", b"1").unwrap(), None);
    t.commit().unwrap();
    assert_eq!(
        final_state(&m),
        state(&[("0", "0"), ("2", "22"), ("3", "30")])
    );
}

#[test]
fn savepoints() {
    let m = setup();
    let mut t = m.begin(SI, false);
    t.put("t", b"1", b"11").unwrap();
    t.savepoint("a").unwrap();
    t.put("t", b"1", b"12").unwrap();
    t.put("t", b"3", b"30").unwrap();
    t.savepoint("b").unwrap();
    t.delete("t", b"2").unwrap();
    t.rollback_to("b").unwrap();
    assert_eq!(t.get("t", b"2").unwrap().as_deref(), Some(&b"20"[..]));
    t.rollback_to("a").unwrap();
    assert_eq!(t.get("t", b"1").unwrap().as_deref(), Some(&b"11"[..]));
    assert_eq!(t.get("t", b"3").unwrap(), None);
    assert!(matches!(
        t.rollback_to("b"),
        Err(TxnError::NoSuchSavepoint(_))
    ));
    t.put("t", b"4", b"40").unwrap();
    t.release("a").unwrap();
    t.commit().unwrap();
    assert_eq!(
        final_state(&m),
        state(&[("1", "11"), ("2", "20"), ("4", "40")])
    );
}

#[test]
fn deadlock_is_detected_with_a_detail() {
    for level in [RC, SI] {
        // A long deadlock_timeout: the periodic recheck cannot fire during the test, so the
        // cycle must be found when T2's wait begins, and T2 (whose wait closes it) is the victim.
        let db = Db::open_memory(Options::default()).unwrap();
        let mut opts = TxnOptions::default();
        opts.locks.deadlock_timeout = Duration::from_secs(10);
        let m = TxnManager::new(db, opts).unwrap();
        m.create_table("t").unwrap();
        let mut t0 = m.begin(RC, false);
        t0.put("t", b"1", b"10").unwrap();
        t0.put("t", b"2", b"20").unwrap();
        t0.commit().unwrap();
        let mut t1 = m.begin(level, false);
        let mut t2 = m.begin(level, false);
        put(&mut t1, b"1", "11");
        put(&mut t2, b"2", "21");
        let id1 = t1.id();
        let rx = in_background(t1, |t| t.put("t", b"2", b"12"));
        wait_until_blocked(&m, id1);
        let started = Instant::now();
        let e = t2.put("t", b"1", b"22").unwrap_err();
        assert!(
            started.elapsed() < Duration::from_millis(900),
            "found only after a timeout"
        );
        assert_eq!(e.sqlstate(), "40P01");
        let detail = e.detail().unwrap().to_string();
        assert!(
            detail.contains(&id1.to_string()) && detail.contains(&t2.id().to_string()),
            "{detail}"
        );
        t2.rollback();
        let (t1, r) = recv(&rx);
        r.unwrap();
        t1.commit().unwrap();
        assert_eq!(final_state(&m), state(&[("1", "11"), ("2", "12")]));
    }
}

#[test]
fn lock_timeout_cancel_and_read_only() {
    let db = Db::open_memory(Options::default()).unwrap();
    let mut opts = TxnOptions::default();
    opts.locks.lock_timeout = Some(Duration::from_millis(100));
    let m = TxnManager::new(db, opts).unwrap();
    m.create_table("t").unwrap();
    let mut t1 = m.begin(RC, false);
    t1.put("t", b"1", b"1").unwrap();
    let mut t2 = m.begin(RC, false);
    assert_eq!(t2.put("t", b"1", b"2").unwrap_err().sqlstate(), "55P03");
    t2.rollback();
    // Cancel, on a manager without a lock timeout, so only the cancel can end the wait.
    let m2 = setup();
    let mut holder = m2.begin(RC, false);
    holder.put("t", b"1", b"1").unwrap();
    let t3 = m2.begin(RC, false);
    let cancel = t3.cancel_token();
    let id3 = t3.id();
    let rx = in_background(t3, |t| t.put("t", b"1", b"3"));
    wait_until_blocked(&m2, id3);
    cancel.cancel();
    let (_, r) = recv(&rx);
    assert_eq!(r.unwrap_err().sqlstate(), "57014");
    assert!(m2.locks().waiting_for(id3).is_empty());
    holder.commit().unwrap();
    let mut ro = m.begin(SI, true);
    assert_eq!(ro.put("t", b"9", b"9").unwrap_err().sqlstate(), "25006");
    t1.commit().unwrap();
}
