//! Lock manager: row locks (shared and exclusive) for every level's writers and for strict
//! two-phase locking's readers, and key-range locks against phantoms (`ranges`).
//!
//! # Design
//!
//! * **Lock table sharded by resource hash.** `SHARDS` mutex-protected hash
//!   maps `Resource -> Entry`; an acquire or release touches only the shard of
//!   its resource, so there is no global lock on the fast path. Per-transaction
//!   bookkeeping (locks held, resource waited on) lives in a second table
//!   sharded by transaction id. Lock order: resource shard(s), ascending, then
//!   at most one transaction shard, then a waiter's slot mutex. Only the
//!   deadlock detector ever holds more than one resource shard, and it takes
//!   all of them in ascending order, so lock-table locks cannot deadlock.
//! * **Compatibility.** S/S are compatible; S/X and X/X conflict. Re-acquiring
//!   a mode already held (or S while holding X) returns at once.
//! * **FIFO wait queues without starvation.** A request is granted at once
//!   only if it conflicts neither with the other holders nor with any queued
//!   request, so a stream of S requests cannot starve a queued X. Waiters are
//!   granted strictly from the front of the queue: granting stops at the first
//!   waiter that still conflicts with the holders.
//! * **Upgrade S→X.** A holder of S asking for X waits for the other holders.
//!   Its request goes ahead of ordinary waiters (behind earlier upgraders):
//!   they are waiting for its S lock anyway, and queueing it behind them would
//!   be a false deadlock. Two upgraders on one resource each wait for the
//!   other's S lock: a real deadlock, and one of them is chosen as victim.
//! * **Waiting holds no shard lock.** Each waiter blocks on its own slot
//!   (mutex + condvar); grants, cancellation, timeouts and `release_all` flip
//!   the slot's state and notify it.
//! * **Deadlock detection** over the waits-for graph: a waiter waits for each
//!   holder whose mode conflicts with its request and for each earlier waiter
//!   in the queue whose request conflicts (FIFO: it is queued behind them).
//!   The detector runs when a wait begins, with every shard locked so the
//!   graph is consistent, and looks for a cycle through the new waiter: a
//!   2-cycle is found at once, not after a timeout. The victim is the
//!   transaction whose wait closes the cycle (the one that just began
//!   waiting): it gets [`LockError::Deadlock`] with the cycle and is removed
//!   from the queue; locks it already holds stay until `release_all`, as in
//!   PostgreSQL where the caller then aborts the transaction. Each waiter also
//!   reruns the check every `deadlock_timeout` (default 1 s) while it waits,
//!   to catch a cycle that formed later; the waiter that finds it is the
//!   victim.
//! * **Release.** `release_all` (commit/abort) drops every lock of the
//!   transaction, withdraws a pending request of it, and grants the waiters
//!   it unblocks in FIFO order.
//! * **Timeout and cancel.** `lock_timeout` ends a wait with
//!   [`LockError::Timeout`]; [`CancelToken::cancel`] wakes the waiter at once
//!   and it returns [`LockError::Cancelled`]. Either way the request leaves
//!   the queue and the waiters behind it are re-examined. A grant that raced
//!   ahead of the timeout or cancel wins: the acquire then returns `Ok`.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, MutexGuard};

mod ranges;
pub use ranges::{KeyRange, MAX_RANGES_PER_SPACE};
use ranges::{RangeRequest, RangeTable};

/// Transaction identifier.
pub type TxnId = u64;

/// Number of shards of the lock table and of the transaction table.
const SHARDS: usize = 32;

/// A lockable thing: a key inside a space (e.g. table id and encoded row key).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Resource {
    pub space: u32,
    pub key: Vec<u8>,
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "(space {}, key 0x", self.space)?;
        for b in &self.key {
            write!(f, "{b:02x}")?;
        }
        write!(f, ")")
    }
}

/// Lock strength.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockMode {
    Shared,
    Exclusive,
}

fn conflicts(a: LockMode, b: LockMode) -> bool {
    !(a == LockMode::Shared && b == LockMode::Shared)
}

/// What a lock request is for: a row, or a range of keys (see `ranges`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockTarget {
    Row(Resource),
    Range(KeyRange),
}

impl LockTarget {
    /// The lock space of the target.
    pub fn space(&self) -> u32 {
        match self {
            LockTarget::Row(r) => r.space,
            LockTarget::Range(r) => r.space,
        }
    }
}

impl fmt::Display for LockTarget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockTarget::Row(r) => write!(f, "row {r}"),
            LockTarget::Range(r) => write!(f, "range {r}"),
        }
    }
}

/// One edge of a deadlock cycle: `txn` waits for `waits_for`, requesting `mode` on `target`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitStep {
    pub txn: TxnId,
    pub waits_for: TxnId,
    pub target: LockTarget,
    pub mode: LockMode,
}

/// Why an acquire failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LockError {
    #[error("deadlock detected: {cycle_text}")]
    Deadlock {
        cycle: Vec<TxnId>,
        steps: Vec<WaitStep>,
        cycle_text: String,
    },
    #[error("canceling statement due to lock timeout")]
    Timeout,
    #[error("canceling statement due to user request")]
    Cancelled,
}

/// Per-acquire wait options.
#[derive(Debug, Clone)]
pub struct LockOptions {
    /// Give up with [`LockError::Timeout`] after waiting this long.
    pub lock_timeout: Option<Duration>,
    /// How often a waiter reruns deadlock detection.
    pub deadlock_timeout: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            lock_timeout: None,
            deadlock_timeout: Duration::from_secs(1),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WaitState {
    Waiting,
    Granted,
    /// Withdrawn from the queue by someone else (`release_all`).
    Aborted,
}

/// What a blocked acquire sleeps on.
#[derive(Debug)]
struct WaitSlot {
    state: Mutex<WaitState>,
    cv: Condvar,
    /// When the request was queued (a lock-manager-wide counter): the latest waiter of a
    /// cycle is its victim.
    seq: u64,
}

impl WaitSlot {
    fn set(&self, state: WaitState) {
        *self.state.lock() = state;
        self.cv.notify_all();
    }

    /// Marks a waiting request withdrawn (its acquire returns an error) and wakes it; if it
    /// was no longer waiting, returns the state it was in instead.
    fn withdraw(&self) -> Option<WaitState> {
        let mut state = self.state.lock();
        if *state != WaitState::Waiting {
            return Some(*state);
        }
        *state = WaitState::Aborted;
        self.cv.notify_all();
        None
    }
}

#[derive(Debug, Default)]
struct CancelInner {
    cancelled: AtomicBool,
    /// Slots of acquires currently waiting with this token.
    slots: Mutex<Vec<Arc<WaitSlot>>>,
}

/// Cancels a waiting acquire (statement cancel). Cheap to clone; all clones
/// share one flag.
#[derive(Debug, Clone, Default)]
pub struct CancelToken(Arc<CancelInner>);

impl CancelToken {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the flag and wakes every acquire waiting with this token.
    pub fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        for slot in self.0.slots.lock().iter() {
            // Taking the slot mutex orders this notify after the waiter's
            // flag check, so the wake-up cannot be lost.
            let _guard = slot.state.lock();
            slot.cv.notify_all();
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Clears the flag (e.g. at the start of the next statement).
    pub fn reset(&self) {
        self.0.cancelled.store(false, Ordering::SeqCst);
    }

    fn register(&self, slot: &Arc<WaitSlot>) -> Registration<'_> {
        self.0.slots.lock().push(slot.clone());
        Registration {
            token: self,
            slot: slot.clone(),
        }
    }
}

/// Unregisters a waiter's slot from its cancel token when the wait ends.
struct Registration<'a> {
    token: &'a CancelToken,
    slot: Arc<WaitSlot>,
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        self.token
            .0
            .slots
            .lock()
            .retain(|s| !Arc::ptr_eq(s, &self.slot));
    }
}

#[derive(Debug)]
struct Waiter {
    txn: TxnId,
    mode: LockMode,
    slot: Arc<WaitSlot>,
}

#[derive(Debug, Default)]
struct Entry {
    holders: Vec<(TxnId, LockMode)>,
    queue: VecDeque<Waiter>,
}

impl Entry {
    fn is_empty(&self) -> bool {
        self.holders.is_empty() && self.queue.is_empty()
    }

    /// Whom `txn`'s queued request waits for (empty if `txn` is not queued).
    fn blockers(&self, txn: TxnId) -> Vec<TxnId> {
        let Some(pos) = self.queue.iter().position(|w| w.txn == txn) else {
            return Vec::new();
        };
        let mode = self.queue[pos].mode;
        let mut out: Vec<TxnId> = self
            .holders
            .iter()
            .filter(|&&(t, m)| t != txn && conflicts(m, mode))
            .map(|&(t, _)| t)
            .collect();
        for w in self.queue.iter().take(pos) {
            if conflicts(w.mode, mode) && !out.contains(&w.txn) {
                out.push(w.txn);
            }
        }
        out
    }

    fn holder_conflict(&self, txn: TxnId, mode: LockMode) -> bool {
        self.holders
            .iter()
            .any(|&(t, m)| t != txn && conflicts(m, mode))
    }
}

type Table = HashMap<Resource, Entry>;

#[derive(Debug, Default)]
struct TxnState {
    held: Vec<Resource>,
    waiting: Option<Resource>,
    /// Has entries in the range table (ranges, intents or a queued request).
    in_ranges: bool,
    /// Waits in the range table's queue.
    range_wait: bool,
}

enum Request {
    Granted,
    WouldWait,
    Queued(Arc<WaitSlot>),
    /// An exclusive request while range locks exist: it must be admitted first (`ranges`).
    NeedsAdmission,
}

/// What a queued request waits in: a row's queue or the range table's.
#[derive(Debug, Clone, Copy)]
enum Waiting<'a> {
    Row(&'a Resource),
    Range,
}

/// The lock manager. Shared by all sessions (`Send + Sync`).
#[derive(Debug)]
pub struct LockManager {
    shards: Box<[Mutex<Table>]>,
    txns: Box<[Mutex<HashMap<TxnId, TxnState>>]>,
    ranges: Mutex<RangeTable>,
    /// Range locks held plus range requests queued: whether exclusive row requests must be
    /// admitted through the range table (read under the row's shard lock).
    range_users: AtomicUsize,
    /// Next [`WaitSlot::seq`].
    wait_seq: std::sync::atomic::AtomicU64,
}

impl Default for LockManager {
    fn default() -> Self {
        Self::new()
    }
}

fn shard_index(res: &Resource) -> usize {
    let mut h = DefaultHasher::new();
    res.hash(&mut h);
    (h.finish() % SHARDS as u64) as usize
}

impl LockManager {
    pub fn new() -> Self {
        LockManager {
            shards: (0..SHARDS).map(|_| Mutex::new(Table::new())).collect(),
            txns: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            ranges: Mutex::new(RangeTable::default()),
            range_users: AtomicUsize::new(0),
            wait_seq: std::sync::atomic::AtomicU64::new(0),
        }
    }

    fn new_slot(&self) -> Arc<WaitSlot> {
        Arc::new(WaitSlot {
            state: Mutex::new(WaitState::Waiting),
            cv: Condvar::new(),
            seq: self.wait_seq.fetch_add(1, Ordering::SeqCst),
        })
    }

    fn txn_shard(&self, txn: TxnId) -> MutexGuard<'_, HashMap<TxnId, TxnState>> {
        self.txns[(txn.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 59) as usize % SHARDS].lock()
    }

    /// Blocks until granted. Re-acquiring a mode already held (or Shared when
    /// Exclusive is held) returns at once. Shared held + Exclusive requested
    /// is an upgrade.
    pub fn acquire(
        &self,
        txn: TxnId,
        res: &Resource,
        mode: LockMode,
        opts: &LockOptions,
        cancel: &CancelToken,
    ) -> Result<(), LockError> {
        let mut admitted = false;
        loop {
            return match self.request(txn, res, mode, Some(cancel), admitted)? {
                Request::Granted => Ok(()),
                Request::WouldWait => unreachable!("request with enqueue never says WouldWait"),
                Request::Queued(slot) => self.wait(txn, Waiting::Row(res), &slot, opts, cancel),
                Request::NeedsAdmission => {
                    self.admit_write(txn, res, opts, cancel)?;
                    admitted = true;
                    continue;
                }
            };
        }
    }

    /// Non-blocking: `true` granted, `false` it would have to wait.
    pub fn try_acquire(&self, txn: TxnId, res: &Resource, mode: LockMode) -> bool {
        match self.request(txn, res, mode, None, false) {
            Ok(Request::Granted) => true,
            Ok(Request::NeedsAdmission) => {
                self.try_admit_write(txn, res)
                    && matches!(
                        self.request(txn, res, mode, None, true),
                        Ok(Request::Granted)
                    )
            }
            _ => false,
        }
    }

    /// Grants at once if possible; otherwise queues (when `enqueue` is given).
    fn request(
        &self,
        txn: TxnId,
        res: &Resource,
        mode: LockMode,
        enqueue: Option<&CancelToken>,
        admitted: bool,
    ) -> Result<Request, LockError> {
        let mut table = self.shards[shard_index(res)].lock();
        let entry = table.entry(res.clone()).or_default();
        let own = entry.holders.iter().position(|&(t, _)| t == txn);
        if let Some(i) = own
            && (entry.holders[i].1 == LockMode::Exclusive || mode == LockMode::Shared)
        {
            return Ok(Request::Granted);
        }
        // Read under the shard lock: see `ranges` for why that makes the check race-free.
        if mode == LockMode::Exclusive && !admitted && self.range_users.load(Ordering::SeqCst) > 0 {
            if entry.is_empty() {
                table.remove(res);
            }
            return Ok(Request::NeedsAdmission);
        }
        // An upgrader only waits for other holders (see module docs); a new
        // request also queues behind any conflicting queued request (FIFO).
        let blocked = entry.holder_conflict(txn, mode)
            || (own.is_none() && entry.queue.iter().any(|w| conflicts(w.mode, mode)));
        if !blocked {
            match own {
                Some(i) => entry.holders[i].1 = mode,
                None => {
                    entry.holders.push((txn, mode));
                    let mut txns = self.txn_shard(txn);
                    txns.entry(txn).or_default().held.push(res.clone());
                }
            }
            return Ok(Request::Granted);
        }
        // `blocked` implies the entry is non-empty, so nothing to clean up.
        let Some(cancel) = enqueue else {
            return Ok(Request::WouldWait);
        };
        if cancel.is_cancelled() {
            return Err(LockError::Cancelled);
        }
        let slot = self.new_slot();
        let waiter = Waiter {
            txn,
            mode,
            slot: slot.clone(),
        };
        if own.is_some() {
            // Upgrade: ahead of ordinary waiters, behind earlier upgraders.
            let holders = &entry.holders;
            let pos = entry
                .queue
                .iter()
                .position(|w| !holders.iter().any(|&(t, _)| t == w.txn))
                .unwrap_or(entry.queue.len());
            entry.queue.insert(pos, waiter);
        } else {
            entry.queue.push_back(waiter);
        }
        self.txn_shard(txn).entry(txn).or_default().waiting = Some(res.clone());
        Ok(Request::Queued(slot))
    }

    /// Blocks (holding no shard lock) until the queued request is granted or
    /// ends in deadlock, timeout or cancel.
    fn wait(
        &self,
        txn: TxnId,
        target: Waiting<'_>,
        slot: &Arc<WaitSlot>,
        opts: &LockOptions,
        cancel: &CancelToken,
    ) -> Result<(), LockError> {
        let deadline = opts.lock_timeout.map(|d| Instant::now() + d);
        let period = opts.deadlock_timeout.max(Duration::from_millis(1));
        let _registration = cancel.register(slot);
        if let Some(err) = self.check_deadlock(txn, slot, target, true) {
            return Err(err);
        }
        let mut next_check = Instant::now() + period;
        loop {
            let mut state = slot.state.lock();
            match *state {
                WaitState::Granted => return Ok(()),
                WaitState::Aborted => return Err(LockError::Cancelled),
                WaitState::Waiting => {}
            }
            let now = Instant::now();
            let failure = if cancel.is_cancelled() {
                Some(LockError::Cancelled)
            } else if deadline.is_some_and(|d| now >= d) {
                Some(LockError::Timeout)
            } else {
                None
            };
            if let Some(err) = failure {
                drop(state);
                let was = match target {
                    Waiting::Row(res) => {
                        let mut table = self.shards[shard_index(res)].lock();
                        self.withdraw(&mut table, res, txn, slot)
                    }
                    Waiting::Range => self.withdraw_range(&mut self.ranges.lock(), txn, slot),
                };
                return match was {
                    WaitState::Granted => Ok(()),
                    _ => Err(err),
                };
            }
            if now >= next_check {
                drop(state);
                if let Some(err) = self.check_deadlock(txn, slot, target, false) {
                    return Err(err);
                }
                next_check = Instant::now() + period;
                continue;
            }
            let wake = deadline.map_or(next_check, |d| d.min(next_check));
            slot.cv.wait_until(&mut state, wake);
        }
    }

    /// Takes `txn`'s request (`slot`) off the queue of `res` if it is still
    /// waiting, and grants whoever that unblocks. Returns the state the slot
    /// was in (`Waiting` means this call withdrew it).
    fn withdraw(
        &self,
        table: &mut Table,
        res: &Resource,
        txn: TxnId,
        slot: &Arc<WaitSlot>,
    ) -> WaitState {
        if let Some(was) = slot.withdraw() {
            return was;
        }
        if let Some(entry) = table.get_mut(res) {
            entry.queue.retain(|w| !Arc::ptr_eq(&w.slot, slot));
            if let Some(st) = self.txn_shard(txn).get_mut(&txn) {
                st.waiting = None;
            }
            self.grant_waiters(entry, res);
            if entry.is_empty() {
                table.remove(res);
            }
        }
        WaitState::Waiting
    }

    /// Grants queued requests from the front while they fit the holders.
    fn grant_waiters(&self, entry: &mut Entry, res: &Resource) {
        while let Some(front) = entry.queue.front() {
            if entry.holder_conflict(front.txn, front.mode) {
                break;
            }
            let Some(w) = entry.queue.pop_front() else {
                break;
            };
            let upgrade = match entry.holders.iter_mut().find(|h| h.0 == w.txn) {
                Some(h) => {
                    h.1 = w.mode;
                    true
                }
                None => {
                    entry.holders.push((w.txn, w.mode));
                    false
                }
            };
            {
                let mut txns = self.txn_shard(w.txn);
                let st = txns.entry(w.txn).or_default();
                st.waiting = None;
                if !upgrade {
                    st.held.push(res.clone());
                }
            }
            w.slot.set(WaitState::Granted);
        }
    }

    /// Runs deadlock detection for `txn`, whose request is `slot`. On a cycle
    /// through `txn`, withdraws the request and returns the error.
    /// `starting`: the check as the wait begins. Then a cycle whose latest waiter is another
    /// transaction is left to that one (it queued after us, so its own starting check has not
    /// run yet or will find the cycle too): the victim is always the wait that closed the
    /// cycle, however the threads' checks interleave. A periodic check takes the victim's
    /// role itself, for cycles no starting check saw.
    fn check_deadlock(
        &self,
        txn: TxnId,
        slot: &Arc<WaitSlot>,
        target: Waiting<'_>,
        starting: bool,
    ) -> Option<LockError> {
        let mut rt = self.ranges.lock();
        let mut guards: Vec<MutexGuard<'_, Table>> = self.shards.iter().map(|s| s.lock()).collect();
        if *slot.state.lock() != WaitState::Waiting {
            return None;
        }
        let cycle = self.find_cycle(&rt, &guards, txn)?;
        if starting && cycle.iter().any(|c| c.3 > slot.seq) {
            return None;
        }
        let n = cycle.len();
        let steps: Vec<WaitStep> = (0..n)
            .map(|i| WaitStep {
                txn: cycle[i].0,
                waits_for: cycle[(i + 1) % n].0,
                target: cycle[i].1.clone(),
                mode: cycle[i].2,
            })
            .collect();
        let cycle_text = steps
            .iter()
            .map(|s| {
                format!(
                    "transaction {} waits for {} on {} ({:?} requested)",
                    s.txn, s.waits_for, s.target, s.mode
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        let was = match target {
            Waiting::Row(res) => self.withdraw(&mut guards[shard_index(res)], res, txn, slot),
            Waiting::Range => {
                // Granting range waiters scans the shards: release them first.
                drop(guards);
                self.withdraw_range(&mut rt, txn, slot)
            }
        };
        if was != WaitState::Waiting {
            return None;
        }
        Some(LockError::Deadlock {
            cycle: cycle.into_iter().map(|c| c.0).collect(),
            steps,
            cycle_text,
        })
    }

    /// Depth-first search of the waits-for graph for a path from `me` back to
    /// `me`. Returns the cycle as (txn, resource it waits on, mode requested),
    /// starting at `me`. Needs every shard locked (`guards`).
    fn find_cycle(
        &self,
        rt: &RangeTable,
        guards: &[MutexGuard<'_, Table>],
        me: TxnId,
    ) -> Option<Vec<(TxnId, LockTarget, LockMode, u64)>> {
        // (waiter, target, mode, wait seq, blockers, next blocker to try)
        type Frame = (TxnId, LockTarget, LockMode, u64, Vec<TxnId>, usize);
        let node = |t: TxnId| -> Option<Frame> {
            let (row, range_wait) = {
                let txns = self.txn_shard(t);
                let st = txns.get(&t)?;
                (st.waiting.clone(), st.range_wait)
            };
            if let Some(res) = row {
                let entry = guards[shard_index(&res)].get(&res)?;
                let w = entry.queue.iter().find(|w| w.txn == t)?;
                let (mode, seq) = (w.mode, w.slot.seq);
                let edges = entry.blockers(t);
                return Some((t, LockTarget::Row(res), mode, seq, edges, 0));
            }
            if !range_wait {
                return None;
            }
            let (req, seq, edges) = self.range_node(rt, t, guards)?;
            let mode = req.mode();
            let target = match req {
                RangeRequest::Range(r) => LockTarget::Range(r),
                RangeRequest::Write(res) => LockTarget::Row(res),
            };
            Some((t, target, mode, seq, edges, 0))
        };
        let mut visited = HashSet::from([me]);
        let mut stack = vec![node(me)?];
        while let Some(top) = stack.last_mut() {
            let Some(&next) = top.4.get(top.5) else {
                stack.pop();
                continue;
            };
            top.5 += 1;
            if next == me {
                return Some(stack.into_iter().map(|f| (f.0, f.1, f.2, f.3)).collect());
            }
            if visited.insert(next)
                && let Some(frame) = node(next)
            {
                stack.push(frame);
            }
        }
        None
    }

    /// Releases every lock of `txn` and withdraws any pending request of it
    /// (that acquire returns [`LockError::Cancelled`]); wakes waiters.
    pub fn release_all(&self, txn: TxnId) {
        let in_ranges = self.txn_shard(txn).get(&txn).is_some_and(|s| s.in_ranges);
        if in_ranges {
            self.release_ranges(&mut self.ranges.lock(), txn);
        }
        let waiting = self
            .txn_shard(txn)
            .get(&txn)
            .and_then(|s| s.waiting.clone());
        let state = match waiting {
            Some(res) => {
                let mut table = self.shards[shard_index(&res)].lock();
                let slot = table
                    .get(&res)
                    .and_then(|e| e.queue.iter().find(|w| w.txn == txn))
                    .map(|w| w.slot.clone());
                if let Some(slot) = slot {
                    self.withdraw(&mut table, &res, txn, &slot);
                }
                // Taken under the shard lock: a grant racing with us is either
                // already in `held` or was withdrawn above.
                self.txn_shard(txn).remove(&txn)
            }
            None => self.txn_shard(txn).remove(&txn),
        };
        let Some(state) = state else {
            if in_ranges || self.range_users.load(Ordering::SeqCst) > 0 {
                self.grant_range_waiters(&mut self.ranges.lock());
            }
            return;
        };
        let mut held: Vec<(usize, Resource)> = state
            .held
            .into_iter()
            .map(|r| (shard_index(&r), r))
            .collect();
        held.sort_unstable_by_key(|(i, _)| *i);
        for group in held.chunk_by(|a, b| a.0 == b.0) {
            let mut table = self.shards[group[0].0].lock();
            for (_, res) in group {
                let Some(entry) = table.get_mut(res) else {
                    continue;
                };
                entry.holders.retain(|&(t, _)| t != txn);
                self.grant_waiters(entry, res);
                if entry.is_empty() {
                    table.remove(res);
                }
            }
        }
        // Range requests may have waited for this transaction's exclusive row locks.
        if in_ranges || self.range_users.load(Ordering::SeqCst) > 0 {
            self.grant_range_waiters(&mut self.ranges.lock());
        }
    }

    /// The transactions `txn` is waiting for right now (empty if not waiting).
    pub fn waiting_for(&self, txn: TxnId) -> Vec<TxnId> {
        let (row, range_wait) = match self.txn_shard(txn).get(&txn) {
            Some(s) => (s.waiting.clone(), s.range_wait),
            None => return Vec::new(),
        };
        let Some(res) = row else {
            if !range_wait {
                return Vec::new();
            }
            let rt = self.ranges.lock();
            return match rt.queue.iter().position(|w| w.txn == txn) {
                Some(pos) => self.range_blockers(&rt, txn, &rt.queue[pos].req, pos, None),
                None => Vec::new(),
            };
        };
        let table = self.shards[shard_index(&res)].lock();
        table.get(&res).map_or_else(Vec::new, |e| e.blockers(txn))
    }

    /// Snapshot of granted locks: (resource, holder, mode).
    pub fn held(&self) -> Vec<(Resource, TxnId, LockMode)> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            for (res, entry) in shard.lock().iter() {
                out.extend(entry.holders.iter().map(|&(t, m)| (res.clone(), t, m)));
            }
        }
        out
    }

    /// Snapshot of pending requests: (resource, waiter, mode, blockers).
    pub fn waits(&self) -> Vec<(Resource, TxnId, LockMode, Vec<TxnId>)> {
        let mut out = Vec::new();
        for shard in self.shards.iter() {
            for (res, entry) in shard.lock().iter() {
                for w in &entry.queue {
                    out.push((res.clone(), w.txn, w.mode, entry.blockers(w.txn)));
                }
            }
        }
        out
    }

    /// Number of resources `txn` holds a lock on.
    pub fn locks_held_by(&self, txn: TxnId) -> usize {
        self.txn_shard(txn).get(&txn).map_or(0, |s| s.held.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cycle that forms without a wait beginning (here: txn 2 is queued
    /// behind the detector's back) is found by the older waiter's periodic
    /// check, and that waiter is the victim.
    #[test]
    fn periodic_check_finds_later_cycle() {
        let m = Arc::new(LockManager::new());
        let r = |k| Resource {
            space: 0,
            key: vec![k],
        };
        assert!(m.try_acquire(1, &r(1), LockMode::Exclusive));
        assert!(m.try_acquire(2, &r(2), LockMode::Exclusive));
        let opts = LockOptions {
            lock_timeout: Some(Duration::from_secs(5)),
            deadlock_timeout: Duration::from_millis(50),
        };
        let m2 = m.clone();
        let h = std::thread::spawn(move || {
            m2.acquire(1, &r(2), LockMode::Exclusive, &opts, &CancelToken::new())
        });
        let deadline = Instant::now() + Duration::from_secs(5);
        while m.waiting_for(1).is_empty() {
            assert!(Instant::now() < deadline, "txn 1 never blocked");
            std::thread::sleep(Duration::from_millis(1));
        }
        let token = CancelToken::new();
        let Ok(Request::Queued(_slot)) =
            m.request(2, &r(1), LockMode::Exclusive, Some(&token), false)
        else {
            panic!("txn 2 should have been queued");
        };
        let start = Instant::now();
        let out = h.join().expect("waiter panicked");
        assert!(matches!(out, Err(LockError::Deadlock { .. })), "{out:?}");
        assert!(start.elapsed() < Duration::from_secs(2));
        assert_eq!(m.waiting_for(2), vec![1]);
    }
}
