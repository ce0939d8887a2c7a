use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use isodb::txn::lock_manager::{
    CancelToken, LockError, LockManager, LockMode, LockOptions, Resource, TxnId,
};
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use LockMode::{Exclusive as X, Shared as S};

/// Upper bound for anything that should happen "soon".
const SOON: Duration = Duration::from_secs(5);

type Outcome = Result<(), LockError>;

fn res(k: u8) -> Resource {
    Resource {
        space: 1,
        key: vec![k],
    }
}

fn lock(m: &LockManager, txn: TxnId, r: &Resource, mode: LockMode) {
    m.acquire(txn, r, mode, &LockOptions::default(), &CancelToken::new())
        .expect("uncontended acquire");
}

/// Runs an acquire on its own thread; the result (and when it came) arrives
/// on the returned channel.
fn spawn_acquire(
    m: &Arc<LockManager>,
    txn: TxnId,
    r: Resource,
    mode: LockMode,
    opts: LockOptions,
    cancel: CancelToken,
) -> Receiver<(Outcome, Instant)> {
    let (tx, rx) = mpsc::channel();
    let m = m.clone();
    thread::spawn(move || {
        let out = m.acquire(txn, &r, mode, &opts, &cancel);
        let _ = tx.send((out, Instant::now()));
    });
    rx
}

fn spawn_default(
    m: &Arc<LockManager>,
    txn: TxnId,
    r: Resource,
    mode: LockMode,
) -> Receiver<(Outcome, Instant)> {
    spawn_acquire(m, txn, r, mode, LockOptions::default(), CancelToken::new())
}

/// Polls until `txn` is blocked; returns whom it waits for.
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

fn expect_ok(rx: &Receiver<(Outcome, Instant)>) {
    let (out, _) = rx.recv_timeout(SOON).expect("acquire did not finish");
    out.expect("acquire failed");
}

fn expect_pending(rx: &Receiver<(Outcome, Instant)>) {
    assert!(
        matches!(rx.try_recv(), Err(mpsc::TryRecvError::Empty)),
        "acquire finished but should still wait"
    );
}

fn sorted_held(m: &LockManager) -> Vec<(Resource, TxnId, LockMode)> {
    let mut h = m.held();
    h.sort_by_key(|(r, t, _)| (r.clone(), *t));
    h
}

#[test]
fn shared_locks_are_compatible() {
    let m = LockManager::new();
    let r = res(1);
    lock(&m, 1, &r, S);
    lock(&m, 2, &r, S);
    assert!(m.try_acquire(3, &r, S));
    assert_eq!(sorted_held(&m).len(), 3);
    assert!(!m.try_acquire(4, &r, X));
    assert!(m.waits().is_empty(), "try_acquire never queues");
}

#[test]
fn reacquire_held_mode_returns_at_once() {
    let m = LockManager::new();
    let r = res(1);
    lock(&m, 1, &r, X);
    lock(&m, 1, &r, X);
    lock(&m, 1, &r, S); // S while X held: no downgrade
    assert_eq!(sorted_held(&m), vec![(r.clone(), 1, X)]);
    assert_eq!(m.locks_held_by(1), 1);
    lock(&m, 2, &res(2), S);
    assert!(
        m.try_acquire(2, &res(2), X),
        "sole S holder upgrades at once"
    );
    assert_eq!(m.locks_held_by(2), 1);
}

#[test]
fn shared_blocks_exclusive_and_release_wakes() {
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, S);
    let rx = spawn_default(&m, 2, r.clone(), X);
    assert_eq!(wait_blocked(&m, 2), vec![1]);
    expect_pending(&rx);
    m.release_all(1);
    expect_ok(&rx);
    assert_eq!(sorted_held(&m), vec![(r, 2, X)]);
    assert!(m.waiting_for(2).is_empty());
}

#[test]
fn exclusive_blocks_shared_and_release_wakes() {
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, X);
    let rx = spawn_default(&m, 2, r.clone(), S);
    assert_eq!(wait_blocked(&m, 2), vec![1]);
    let waits = m.waits();
    assert_eq!(waits, vec![(r.clone(), 2, S, vec![1])]);
    m.release_all(1);
    expect_ok(&rx);
    assert_eq!(sorted_held(&m), vec![(r, 2, S)]);
}

#[test]
fn fifo_queue_no_jumping_ahead() {
    let m = Arc::new(LockManager::new());
    let r = res(7);
    let (a, b, c, d) = (1, 2, 3, 4);
    lock(&m, a, &r, X);
    let rb = spawn_default(&m, b, r.clone(), S);
    wait_blocked(&m, b);
    let rc = spawn_default(&m, c, r.clone(), X);
    wait_blocked(&m, c);
    let rd = spawn_default(&m, d, r.clone(), S);
    assert_eq!(
        wait_blocked(&m, d),
        vec![a, c],
        "D waits for holder A and for C"
    );
    assert!(!m.try_acquire(5, &r, S), "a new S must not pass queued X");

    m.release_all(a);
    expect_ok(&rb);
    // Grants happen inside release_all, so the state is settled now.
    assert_eq!(sorted_held(&m), vec![(r.clone(), b, S)]);
    assert_eq!(m.waiting_for(c), vec![b]);
    assert_eq!(m.waiting_for(d), vec![c], "D stays behind C");
    expect_pending(&rd);

    m.release_all(b);
    expect_ok(&rc);
    assert_eq!(sorted_held(&m), vec![(r.clone(), c, X)]);
    assert_eq!(m.waiting_for(d), vec![c]);
    expect_pending(&rd);

    m.release_all(c);
    expect_ok(&rd);
    assert_eq!(sorted_held(&m), vec![(r, d, S)]);
    m.release_all(d);
    assert!(m.held().is_empty() && m.waits().is_empty());
}

#[test]
fn upgrade_waits_for_other_holders() {
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, S);
    lock(&m, 2, &r, S);
    let rx = spawn_default(&m, 1, r.clone(), X);
    assert_eq!(wait_blocked(&m, 1), vec![2]);
    expect_pending(&rx);
    m.release_all(2);
    expect_ok(&rx);
    assert_eq!(sorted_held(&m), vec![(r, 1, X)]);
    assert_eq!(m.locks_held_by(1), 1);
}

#[test]
fn upgrade_goes_ahead_of_ordinary_waiters() {
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, S);
    lock(&m, 2, &r, S);
    let r3 = spawn_default(&m, 3, r.clone(), X);
    assert_eq!(wait_blocked(&m, 3), vec![1, 2]);
    // 1 upgrades: it must not be queued behind 3 (that would be a false deadlock).
    let r1 = spawn_default(&m, 1, r.clone(), X);
    assert_eq!(wait_blocked(&m, 1), vec![2]);
    m.release_all(2);
    expect_ok(&r1);
    assert_eq!(m.waiting_for(3), vec![1]);
    m.release_all(1);
    expect_ok(&r3);
}

#[test]
fn two_upgraders_one_victim() {
    // Deterministic order: B's wait closes the cycle, so B is the victim.
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, S);
    lock(&m, 2, &r, S);
    let ra = spawn_default(&m, 1, r.clone(), X);
    wait_blocked(&m, 1);
    let rb = spawn_default(&m, 2, r.clone(), X);
    let (out, _) = rb.recv_timeout(SOON).expect("victim not chosen");
    match out {
        Err(LockError::Deadlock { cycle, .. }) => {
            let mut c = cycle.clone();
            c.sort_unstable();
            assert_eq!(c, vec![1, 2]);
        }
        other => panic!("expected deadlock, got {other:?}"),
    }
    expect_pending(&ra);
    assert_eq!(
        m.locks_held_by(2),
        1,
        "victim keeps its S lock until release_all"
    );
    m.release_all(2);
    expect_ok(&ra);
    assert_eq!(sorted_held(&m), vec![(r, 1, X)]);
}

#[test]
fn two_concurrent_upgraders_exactly_one_deadlock() {
    for _ in 0..20 {
        let m = Arc::new(LockManager::new());
        let r = res(1);
        lock(&m, 1, &r, S);
        lock(&m, 2, &r, S);
        let (tx, rx) = mpsc::channel();
        for txn in [1, 2] {
            let (m, r, tx) = (m.clone(), r.clone(), tx.clone());
            thread::spawn(move || {
                let out = m.acquire(txn, &r, X, &LockOptions::default(), &CancelToken::new());
                let _ = tx.send((txn, out));
            });
        }
        let (first, out) = rx.recv_timeout(SOON).expect("no victim chosen");
        assert!(
            matches!(out, Err(LockError::Deadlock { .. })),
            "first result must be the victim's deadlock, got {out:?}"
        );
        let survivor = 3 - first;
        assert!(rx.try_recv().is_err(), "survivor must still be waiting");
        m.release_all(first);
        let (who, out) = rx.recv_timeout(SOON).expect("survivor stuck");
        assert_eq!(who, survivor);
        assert_eq!(out, Ok(()));
        assert_eq!(sorted_held(&m), vec![(r, survivor, X)]);
    }
}

#[test]
fn two_cycle_detected_immediately() {
    let m = Arc::new(LockManager::new());
    let (r1, r2) = (res(1), res(2));
    let (a, b) = (10, 20);
    lock(&m, a, &r1, X);
    lock(&m, b, &r2, X);
    let slow = LockOptions {
        lock_timeout: None,
        deadlock_timeout: Duration::from_secs(10),
    };
    let ra = spawn_acquire(&m, a, r2.clone(), X, slow.clone(), CancelToken::new());
    assert_eq!(wait_blocked(&m, a), vec![b]);
    let start = Instant::now();
    let rb = spawn_acquire(&m, b, r1.clone(), S, slow, CancelToken::new());
    let (out, at) = rb
        .recv_timeout(Duration::from_secs(1))
        .expect("deadlock not detected within 1 s");
    assert!(at.duration_since(start) < Duration::from_secs(1));
    let err = out.expect_err("expected deadlock");
    let LockError::Deadlock {
        cycle,
        cycle_text,
        steps,
    } = &err
    else {
        panic!("expected deadlock, got {err:?}");
    };
    assert_eq!(cycle, &vec![b, a], "victim (closing waiter) first");
    assert!(
        cycle_text.contains("transaction 20 waits for 10"),
        "{cycle_text}"
    );
    assert!(
        cycle_text.contains("transaction 10 waits for 20"),
        "{cycle_text}"
    );
    assert!(err.to_string().starts_with("deadlock detected: "));
    assert_eq!(
        steps
            .iter()
            .map(|s| (s.txn, s.waits_for, s.mode))
            .collect::<Vec<_>>(),
        vec![(b, a, S), (a, b, X)],
        "each step names the waiter, whom it waits for, and the mode requested"
    );
    assert!(m.waiting_for(b).is_empty(), "victim left the queue");
    expect_pending(&ra);
    m.release_all(b);
    expect_ok(&ra);
    let mut held = sorted_held(&m);
    held.retain(|h| h.1 == a);
    assert_eq!(held, vec![(r1, a, X), (r2, a, X)]);
}

#[test]
fn three_cycle_detected() {
    let m = Arc::new(LockManager::new());
    let (r1, r2, r3) = (res(1), res(2), res(3));
    let (a, b, c) = (1, 2, 3);
    lock(&m, a, &r1, X);
    lock(&m, b, &r2, X);
    lock(&m, c, &r3, X);
    let ra = spawn_default(&m, a, r2.clone(), X);
    wait_blocked(&m, a);
    let rb = spawn_default(&m, b, r3.clone(), X);
    wait_blocked(&m, b);
    let start = Instant::now();
    let rc = spawn_default(&m, c, r1.clone(), X);
    let (out, at) = rc.recv_timeout(SOON).expect("no result for C");
    assert!(at.duration_since(start) < Duration::from_millis(900));
    match out {
        Err(LockError::Deadlock {
            cycle, cycle_text, ..
        }) => {
            assert_eq!(cycle, vec![c, a, b]);
            assert_eq!(cycle_text.matches("waits for").count(), 3, "{cycle_text}");
        }
        other => panic!("expected deadlock, got {other:?}"),
    }
    m.release_all(c);
    expect_ok(&rb);
    expect_pending(&ra);
    m.release_all(b);
    expect_ok(&ra);
}

#[test]
fn lock_timeout_and_others_proceed() {
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, S);
    let opts = LockOptions {
        lock_timeout: Some(Duration::from_millis(100)),
        ..LockOptions::default()
    };
    let start = Instant::now();
    let r2 = spawn_acquire(&m, 2, r.clone(), X, opts, CancelToken::new());
    wait_blocked(&m, 2);
    // 3 asks for S: queued behind 2's X (FIFO), not granted past it.
    let r3 = spawn_default(&m, 3, r.clone(), S);
    assert_eq!(wait_blocked(&m, 3), vec![2]);
    let (out, at) = r2.recv_timeout(SOON).expect("timeout never fired");
    assert_eq!(out, Err(LockError::Timeout));
    let waited = at.duration_since(start);
    assert!(waited >= Duration::from_millis(100), "{waited:?}");
    assert!(waited < Duration::from_secs(2), "{waited:?}");
    assert_eq!(
        LockError::Timeout.to_string(),
        "canceling statement due to lock timeout"
    );
    // Withdrawing 2 unblocked 3.
    expect_ok(&r3);
    assert!(m.waits().is_empty());
    assert!(m.waiting_for(2).is_empty());
    assert_eq!(sorted_held(&m), vec![(r.clone(), 1, S), (r, 3, S)]);
}

#[test]
fn cancel_wakes_waiter_promptly_and_others_proceed() {
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, S);
    let token = CancelToken::new();
    let r2 = spawn_acquire(&m, 2, r.clone(), X, LockOptions::default(), token.clone());
    wait_blocked(&m, 2);
    let r3 = spawn_default(&m, 3, r.clone(), S);
    wait_blocked(&m, 3);
    let start = Instant::now();
    token.cancel();
    assert!(token.is_cancelled());
    let (out, at) = r2.recv_timeout(SOON).expect("cancel did not wake waiter");
    assert_eq!(out, Err(LockError::Cancelled));
    let took = at.duration_since(start);
    eprintln!("cancel latency {took:?}");
    // ~10 ms is the target; be lenient for a loaded 2-core machine.
    assert!(took < Duration::from_millis(250), "cancel took {took:?}");
    expect_ok(&r3);
    assert!(m.waits().is_empty());
    assert!(m.waiting_for(2).is_empty());

    // A cancelled token refuses to wait; reset makes it usable again.
    lock(&m, 4, &res(2), X);
    let o = LockOptions::default();
    assert_eq!(
        m.acquire(5, &res(2), S, &o, &token),
        Err(LockError::Cancelled)
    );
    assert!(m.waits().is_empty());
    token.reset();
    assert!(!token.is_cancelled());
    let r5 = spawn_acquire(&m, 5, res(2), S, o, token);
    wait_blocked(&m, 5);
    m.release_all(4);
    expect_ok(&r5);
}

#[test]
fn release_all_of_waiting_txn_withdraws_it() {
    let m = Arc::new(LockManager::new());
    let r = res(1);
    lock(&m, 1, &r, X);
    lock(&m, 2, &res(2), X);
    let r2 = spawn_default(&m, 2, r.clone(), S);
    wait_blocked(&m, 2);
    m.release_all(2);
    let (out, _) = r2.recv_timeout(SOON).expect("withdrawn waiter not woken");
    assert_eq!(out, Err(LockError::Cancelled));
    assert_eq!(m.locks_held_by(2), 0);
    assert!(m.waits().is_empty());
    assert_eq!(sorted_held(&m), vec![(r, 1, X)]);
}

#[test]
fn release_all_without_locks_is_noop() {
    let m = LockManager::new();
    m.release_all(42);
    assert!(m.waiting_for(42).is_empty());
    assert_eq!(m.locks_held_by(42), 0);
    lock(&m, 1, &res(1), X);
    m.release_all(42);
    assert!(m.waiting_for(1).is_empty(), "holders are not waiters");
    assert_eq!(sorted_held(&m), vec![(res(1), 1, X)]);
    m.release_all(1);
    m.release_all(1);
    assert!(m.held().is_empty());
}

#[test]
fn many_resources_release_all() {
    let m = LockManager::new();
    for k in 0..=200u8 {
        lock(&m, 1, &res(k), if k % 2 == 0 { X } else { S });
    }
    assert_eq!(m.locks_held_by(1), 201);
    assert!(m.try_acquire(2, &res(1), S));
    assert!(!m.try_acquire(2, &res(0), S));
    m.release_all(1);
    assert_eq!(m.locks_held_by(1), 0);
    assert_eq!(sorted_held(&m), vec![(res(1), 2, S)]);
    assert!(m.try_acquire(2, &res(0), X));
}

/// Per resource: number of S holders and X holders we have recorded.
struct Counters {
    shared: AtomicUsize,
    excl: AtomicUsize,
}

fn record(c: &Counters, mode: LockMode, upgrade: bool) {
    match mode {
        X => {
            assert_eq!(c.excl.fetch_add(1, Ordering::SeqCst), 0, "two X holders");
            if upgrade {
                c.shared.fetch_sub(1, Ordering::SeqCst);
            }
            assert_eq!(
                c.shared.load(Ordering::SeqCst),
                0,
                "X holder with S holders"
            );
        }
        S => {
            c.shared.fetch_add(1, Ordering::SeqCst);
            assert_eq!(c.excl.load(Ordering::SeqCst), 0, "S holder with X holder");
        }
    }
}

fn unrecord(c: &Counters, mode: LockMode) {
    match mode {
        X => c.excl.fetch_sub(1, Ordering::SeqCst),
        S => c.shared.fetch_sub(1, Ordering::SeqCst),
    };
}

/// One attempt: lock the planned resources, hold briefly, release.
fn run_txn(
    m: &LockManager,
    counters: &[Counters],
    txn: TxnId,
    plan: &[(usize, LockMode)],
    hold: Duration,
) -> Outcome {
    let opts = LockOptions::default();
    let cancel = CancelToken::new();
    let mut mine: Vec<(usize, LockMode)> = Vec::new();
    let mut result = Ok(());
    for &(k, mode) in plan {
        let r = Resource {
            space: 9,
            key: vec![k as u8],
        };
        if let Err(e) = m.acquire(txn, &r, mode, &opts, &cancel) {
            result = Err(e);
            break;
        }
        match mine.iter_mut().find(|(kk, _)| *kk == k) {
            Some(entry) if entry.1 == S && mode == X => {
                record(&counters[k], X, true);
                entry.1 = X;
            }
            Some(_) => {}
            None => {
                record(&counters[k], mode, false);
                mine.push((k, mode));
            }
        }
    }
    if result.is_ok() {
        thread::sleep(hold);
    }
    for &(k, mode) in &mine {
        unrecord(&counters[k], mode);
    }
    m.release_all(txn);
    assert_eq!(m.locks_held_by(txn), 0);
    result
}

#[test]
fn randomized_stress() {
    const THREADS: u64 = 8;
    const TXNS: usize = 200;
    const RESOURCES: usize = 10;
    const MAX_ATTEMPTS: usize = 500;
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64;
    eprintln!("stress seed {seed}");
    let m = Arc::new(LockManager::new());
    let counters: Arc<Vec<Counters>> = Arc::new(
        (0..RESOURCES)
            .map(|_| Counters {
                shared: AtomicUsize::new(0),
                excl: AtomicUsize::new(0),
            })
            .collect(),
    );
    let next_txn = Arc::new(AtomicU64::new(1));
    let (tx, rx) = mpsc::channel();
    let start = Instant::now();
    for t in 0..THREADS {
        let (m, counters, next_txn, tx) =
            (m.clone(), counters.clone(), next_txn.clone(), tx.clone());
        thread::spawn(move || {
            let mut rng = StdRng::seed_from_u64(seed.wrapping_add(t));
            let (mut done, mut deadlocks) = (0usize, 0usize);
            for _ in 0..TXNS {
                let mut keys: Vec<usize> = (0..RESOURCES).collect();
                keys.shuffle(&mut rng);
                let n = rng.random_range(1..=4);
                let mut plan: Vec<(usize, LockMode)> = keys[..n]
                    .iter()
                    .map(|&k| (k, if rng.random_bool(0.5) { S } else { X }))
                    .collect();
                // Sometimes upgrade an S lock at the end.
                if let Some(&(k, _)) = plan.iter().find(|p| p.1 == S)
                    && rng.random_bool(0.25)
                {
                    plan.push((k, X));
                }
                let hold = Duration::from_micros(rng.random_range(0..200));
                let mut attempts = 0;
                loop {
                    attempts += 1;
                    assert!(attempts <= MAX_ATTEMPTS, "transaction starved");
                    let txn = next_txn.fetch_add(1, Ordering::SeqCst);
                    match run_txn(&m, &counters, txn, &plan, hold) {
                        Ok(()) => break,
                        Err(LockError::Deadlock { .. }) => deadlocks += 1,
                        Err(e) => panic!("unexpected error {e:?}"),
                    }
                }
                done += 1;
            }
            let _ = tx.send((t, done, deadlocks));
        });
    }
    drop(tx);
    let deadline = start + Duration::from_secs(20);
    let (mut total, mut deadlocks) = (0, 0);
    for _ in 0..THREADS {
        let left = deadline.saturating_duration_since(Instant::now());
        match rx.recv_timeout(left) {
            Ok((_, done, d)) => {
                total += done;
                deadlocks += d;
            }
            Err(RecvTimeoutError::Timeout) => panic!("stress test exceeded 20 s (seed {seed})"),
            Err(RecvTimeoutError::Disconnected) => panic!("a worker panicked (seed {seed})"),
        }
    }
    assert_eq!(total, THREADS as usize * TXNS);
    assert!(m.held().is_empty(), "locks leaked: {:?}", m.held());
    assert!(m.waits().is_empty(), "waiters leaked: {:?}", m.waits());
    eprintln!(
        "stress: {total} txns, {deadlocks} deadlock retries, {:?}",
        start.elapsed()
    );
}
