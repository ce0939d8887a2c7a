//! Key-range locks of the lock manager (strict 2PL's phantom protection): a range excludes
//! exclusive row locks of other transactions inside it and nowhere else, in both orders;
//! FIFO between ranges and writers; no false deadlock for a writer a range already waits
//! for; real deadlocks through ranges found at once; timeout and cancel; promotion to the
//! whole space; and a randomised run checking mutual exclusion against a model.

use std::ops::Bound;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use isodb::txn::lock_manager::{
    CancelToken, KeyRange, LockError, LockManager, LockMode, LockOptions, LockTarget,
    MAX_RANGES_PER_SPACE, Resource, TxnId,
};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use LockMode::{Exclusive as X, Shared as S};

const SOON: Duration = Duration::from_secs(5);

type Outcome = Result<(), LockError>;

fn row(k: u8) -> Resource {
    Resource {
        space: 1,
        key: vec![k],
    }
}

/// Keys `lo..=hi` of space 1.
fn range(lo: u8, hi: u8) -> KeyRange {
    KeyRange {
        space: 1,
        lo: Bound::Included(vec![lo]),
        hi: Bound::Included(vec![hi]),
    }
}

fn spawn_row(m: &Arc<LockManager>, txn: TxnId, r: Resource, mode: LockMode) -> Receiver<Outcome> {
    let (tx, rx) = mpsc::channel();
    let m = m.clone();
    thread::spawn(move || {
        let _ = tx.send(m.acquire(txn, &r, mode, &LockOptions::default(), &CancelToken::new()));
    });
    rx
}

fn spawn_range(
    m: &Arc<LockManager>,
    txn: TxnId,
    r: KeyRange,
    opts: LockOptions,
    cancel: CancelToken,
) -> Receiver<Outcome> {
    let (tx, rx) = mpsc::channel();
    let m = m.clone();
    thread::spawn(move || {
        let _ = tx.send(m.acquire_range(txn, r, &opts, &cancel));
    });
    rx
}

fn lock_range(m: &LockManager, txn: TxnId, r: KeyRange) {
    m.acquire_range(txn, r, &LockOptions::default(), &CancelToken::new())
        .expect("uncontended range");
}

/// Polls the lock manager's wait state (not a sleep standing in for synchronisation) until
/// `txn` waits; returns whom for, sorted.
fn wait_blocked(m: &LockManager, txn: TxnId) -> Vec<TxnId> {
    let deadline = Instant::now() + SOON;
    loop {
        let mut w = m.waiting_for(txn);
        if !w.is_empty() {
            w.sort_unstable();
            return w;
        }
        assert!(Instant::now() < deadline, "txn {txn} never blocked");
        thread::sleep(Duration::from_millis(1));
    }
}

fn done(rx: &Receiver<Outcome>) -> Outcome {
    rx.recv_timeout(SOON).expect("request did not finish")
}

fn pending(rx: &Receiver<Outcome>) {
    assert!(
        matches!(rx.try_recv(), Err(mpsc::TryRecvError::Empty)),
        "request finished but should still wait"
    );
}

#[test]
fn range_blocks_writes_inside_it_only() {
    let m = Arc::new(LockManager::new());
    lock_range(&m, 1, range(2, 5));
    assert!(m.try_acquire(2, &row(7), X), "outside the range");
    assert!(m.try_acquire(2, &row(3), S), "shared row locks pass ranges");
    assert!(!m.try_acquire(3, &row(2), X), "lower bound is inclusive");
    let rx = spawn_row(&m, 3, row(4), X);
    assert_eq!(wait_blocked(&m, 3), vec![1]);
    assert!(
        m.try_acquire(1, &row(4), X),
        "a range's own writes go ahead"
    );
    m.release_all(1);
    done(&rx).expect("granted after the range's release");
    assert!(m.held_ranges().is_empty());
}

#[test]
fn write_blocks_range_over_it() {
    let m = Arc::new(LockManager::new());
    assert!(m.try_acquire(1, &row(3), X));
    let rx = spawn_range(
        &m,
        2,
        range(1, 4),
        LockOptions::default(),
        CancelToken::new(),
    );
    assert_eq!(wait_blocked(&m, 2), vec![1]);
    lock_range(&m, 3, range(4, 9));
    pending(&rx);
    m.release_all(1);
    done(&rx).expect("granted after the writer's release");
}

#[test]
fn open_ended_and_whole_space_ranges() {
    let m = Arc::new(LockManager::new());
    // The gap past the last key: everything above 5.
    m.acquire_range(
        1,
        KeyRange {
            space: 1,
            lo: Bound::Excluded(vec![5]),
            hi: Bound::Unbounded,
        },
        &LockOptions::default(),
        &CancelToken::new(),
    )
    .unwrap();
    assert!(m.try_acquire(2, &row(5), X), "5 itself is excluded");
    assert!(!m.try_acquire(2, &row(200), X));
    lock_range(&m, 3, KeyRange::relation(2));
    assert!(!m.try_acquire(
        2,
        &Resource {
            space: 2,
            key: vec![]
        },
        X
    ));
    assert!(m.try_acquire(
        2,
        &Resource {
            space: 3,
            key: vec![1]
        },
        X
    ));
}

#[test]
fn ranges_share() {
    let m = Arc::new(LockManager::new());
    lock_range(&m, 1, range(1, 9));
    lock_range(&m, 2, range(3, 4));
    lock_range(&m, 3, KeyRange::relation(1));
    assert_eq!(m.held_ranges().len(), 3);
}

#[test]
fn writers_queue_behind_a_waiting_range() {
    let m = Arc::new(LockManager::new());
    assert!(m.try_acquire(1, &row(3), X));
    let scan = spawn_range(
        &m,
        2,
        range(1, 5),
        LockOptions::default(),
        CancelToken::new(),
    );
    assert_eq!(wait_blocked(&m, 2), vec![1]);
    // A new writer in the range must not overtake the queued scanner (no starvation)...
    let late = spawn_row(&m, 3, row(4), X);
    assert_eq!(wait_blocked(&m, 3), vec![2]);
    // ...but the writer the scanner waits for goes ahead: queueing it would be a false
    // deadlock.
    assert!(m.try_acquire(1, &row(4), X));
    m.release_all(1);
    done(&scan).unwrap();
    pending(&late);
    assert_eq!(wait_blocked(&m, 3), vec![2]);
    m.release_all(2);
    done(&late).unwrap();
}

#[test]
fn deadlock_through_ranges_found_at_once() {
    let m = Arc::new(LockManager::new());
    lock_range(&m, 1, range(1, 5));
    lock_range(&m, 2, range(1, 5));
    let first = spawn_row(&m, 1, row(3), X);
    assert_eq!(wait_blocked(&m, 1), vec![2]);
    let start = Instant::now();
    let err = m
        .acquire(2, &row(4), X, &LockOptions::default(), &CancelToken::new())
        .expect_err("the second writer closes the cycle");
    assert!(
        start.elapsed() < Duration::from_millis(500),
        "found at once"
    );
    let LockError::Deadlock { cycle, steps, .. } = err else {
        panic!("expected a deadlock, got {err:?}");
    };
    let mut c = cycle.clone();
    c.sort_unstable();
    assert_eq!(c, vec![1, 2]);
    assert_eq!(steps.len(), 2);
    assert!(
        steps
            .iter()
            .all(|s| s.mode == X && matches!(&s.target, LockTarget::Row(r) if r.space == 1)),
        "{steps:?}"
    );
    m.release_all(2);
    done(&first).expect("the survivor gets its lock");
}

#[test]
fn range_wait_timeout_and_cancel() {
    let m = Arc::new(LockManager::new());
    assert!(m.try_acquire(1, &row(3), X));
    let opts = LockOptions {
        lock_timeout: Some(Duration::from_millis(50)),
        ..LockOptions::default()
    };
    let rx = spawn_range(&m, 2, range(1, 5), opts, CancelToken::new());
    assert_eq!(done(&rx), Err(LockError::Timeout));
    let token = CancelToken::new();
    let rx = spawn_range(&m, 3, range(1, 5), LockOptions::default(), token.clone());
    wait_blocked(&m, 3);
    token.cancel();
    assert_eq!(done(&rx), Err(LockError::Cancelled));
    assert!(m.range_waits().is_empty() && m.held_ranges().is_empty());
    // Nothing of the withdrawn requests is left to block writers.
    m.release_all(1);
    assert!(m.try_acquire(4, &row(3), X));
}

#[test]
fn many_ranges_promote_to_the_whole_space() {
    let m = Arc::new(LockManager::new());
    for k in 0..(MAX_RANGES_PER_SPACE as u8 + 6) {
        lock_range(&m, 1, range(2 * k, 2 * k));
    }
    let held = m.held_ranges();
    assert!(held.len() <= MAX_RANGES_PER_SPACE, "{} ranges", held.len());
    assert!(held.iter().any(|(_, r)| r.is_relation()));
    assert!(
        !m.try_acquire(2, &row(255), X),
        "the whole space is locked now"
    );
    m.release_all(1);
    assert!(m.try_acquire(2, &row(255), X));
}

/// Eight threads take random ranges and exclusive rows; a model records every grant and
/// checks no other transaction's range covers a granted exclusive row (and vice versa).
#[test]
fn randomised_ranges_and_writers_exclude_each_other() {
    let m = Arc::new(LockManager::new());
    type Model = Mutex<(Vec<(TxnId, KeyRange)>, Vec<(TxnId, u8)>)>;
    let model: Arc<Model> = Arc::new(Mutex::new((Vec::new(), Vec::new())));
    let next = Arc::new(AtomicUsize::new(1));
    let deadlocks = Arc::new(AtomicUsize::new(0));
    let seed: u64 = rand::random();
    eprintln!("seed {seed}");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let (m, model, next, deadlocks) =
                (m.clone(), model.clone(), next.clone(), deadlocks.clone());
            thread::spawn(move || {
                let mut rng = StdRng::seed_from_u64(seed ^ t);
                let opts = LockOptions {
                    lock_timeout: Some(SOON),
                    deadlock_timeout: Duration::from_millis(20),
                };
                for _ in 0..150 {
                    let txn = next.fetch_add(1, Ordering::SeqCst) as TxnId;
                    for _ in 0..rng.random_range(1..4) {
                        let a: u8 = rng.random_range(0..20);
                        let out = if rng.random_bool(0.4) {
                            let r = range(a, a + rng.random_range(0..4));
                            m.acquire_range(txn, r.clone(), &opts, &CancelToken::new())
                                .map(|()| {
                                    let mut g = model.lock().unwrap();
                                    for &(w, k) in &g.1 {
                                        assert!(
                                            w == txn || !r.contains(1, &[k]),
                                            "range {r} granted to {txn} over {w}'s write of {k}"
                                        );
                                    }
                                    g.0.push((txn, r));
                                })
                        } else {
                            m.acquire(txn, &row(a), X, &opts, &CancelToken::new())
                                .map(|()| {
                                    let mut g = model.lock().unwrap();
                                    for (h, r) in &g.0 {
                                        assert!(
                                            *h == txn || !r.contains(1, &[a]),
                                            "write of {a} granted to {txn} inside {h}'s range {r}"
                                        );
                                    }
                                    g.1.push((txn, a));
                                })
                        };
                        match out {
                            Ok(()) => {}
                            Err(LockError::Deadlock { .. }) => {
                                deadlocks.fetch_add(1, Ordering::SeqCst);
                                break;
                            }
                            Err(e) => panic!("txn {txn}: {e}"),
                        }
                    }
                    {
                        let mut g = model.lock().unwrap();
                        g.0.retain(|(h, _)| *h != txn);
                        g.1.retain(|(w, _)| *w != txn);
                    }
                    m.release_all(txn);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("worker panicked");
    }
    assert!(m.held_ranges().is_empty() && m.range_waits().is_empty());
    assert!(m.held().is_empty() && m.waits().is_empty());
    eprintln!("deadlocks: {}", deadlocks.load(Ordering::SeqCst));
}
