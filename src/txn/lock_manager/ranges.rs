//! Key-range locks: what strict two-phase locking uses against phantoms.
//!
//! A 2PL scan takes a shared lock on the key range it reads (`[lo, hi]` of one lock space,
//! gaps included; a scan without bounds locks the whole space, i.e. the relation). Every
//! exclusive row lock, at every isolation level, must not land inside a range another
//! transaction holds: an insert, update or delete of a key in a scanned range waits until the
//! scanner ends. Ranges are shared with each other and with shared row locks, so only two
//! conflicts exist: range vs exclusive row lock, in both directions.
//!
//! # Design
//!
//! * **One mutex, taken only when ranges exist.** Range locks are rare next to row locks (only
//!   2PL scans take them), so they live in one [`RangeTable`] behind one mutex, and a counter
//!   (`range_users`: ranges held plus range requests queued) tells an exclusive row request
//!   whether it must look at the table at all. With no ranges, row locking never touches it.
//! * **The counter is read under the row's shard lock, and raised before a range request looks
//!   at the shards.** So either the row's exclusive grant happened before the range request
//!   scanned that shard (the scan sees the holder and the range waits for it), or the row
//!   request sees the counter raised and goes through *admission*.
//! * **Admission.** An exclusive row request with ranges about checks, under the range mutex,
//!   that no other transaction's range covers the key (nor an earlier queued range request:
//!   FIFO, so a stream of writers cannot starve a scanner). Admitted, it records an *intent*
//!   `(space, key, txn)` that later range requests see; then it queues for the row lock as
//!   usual. Intents stay until the transaction ends (conservative: an exclusive request that
//!   then fails still counts as a writer of the key until its transaction ends).
//! * **A range request** waits for every other transaction holding an exclusive row lock in
//!   the range (found by scanning the shards) or an intent in it, and for earlier queued row
//!   requests in it. Requests of a transaction that an earlier waiter is waiting for go ahead
//!   of that waiter, as row-lock upgrades do, since queueing behind it would be a false
//!   deadlock.
//! * **Granularity promotion.** Past [`MAX_RANGES_PER_SPACE`] ranges in one space a transaction
//!   locks the whole space instead, and drops the finer ranges it covers, so a transaction's
//!   range locks stay few whatever it scans.
//! * **Lock order**: range mutex, then shards (ascending), then a transaction shard, then a
//!   waiter slot. The deadlock detector takes the range mutex and then every shard, so its
//!   waits-for graph includes range waits.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fmt;
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use parking_lot::MutexGuard;

use super::{
    CancelToken, LockError, LockManager, LockMode, LockOptions, LockTarget, Resource, Table, TxnId,
    WaitSlot, WaitState, Waiting, conflicts,
};
use crate::txn::transaction::{key_in_bounds, range_is_empty};

/// Ranges one transaction may hold in one space before it locks the whole space.
pub const MAX_RANGES_PER_SPACE: usize = 64;

/// A range of keys of one lock space. Both bounds unbounded: the whole space (relation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyRange {
    pub space: u32,
    pub lo: Bound<Vec<u8>>,
    pub hi: Bound<Vec<u8>>,
}

impl KeyRange {
    /// Every key of the space.
    pub fn relation(space: u32) -> KeyRange {
        KeyRange {
            space,
            lo: Bound::Unbounded,
            hi: Bound::Unbounded,
        }
    }

    /// Whether the range is the whole space.
    pub fn is_relation(&self) -> bool {
        matches!((&self.lo, &self.hi), (Bound::Unbounded, Bound::Unbounded))
    }

    /// Whether `key` of `space` lies in the range.
    pub fn contains(&self, space: u32, key: &[u8]) -> bool {
        self.space == space && key_in_bounds(key, &self.lo, &self.hi)
    }

    /// Whether every key of `other` lies in this range.
    pub fn covers(&self, other: &KeyRange) -> bool {
        use std::cmp::Ordering::*;
        let lo_ok = match (&self.lo, &other.lo) {
            (Bound::Unbounded, _) => true,
            (_, Bound::Unbounded) => false,
            (Bound::Included(a), Bound::Included(b) | Bound::Excluded(b)) => a <= b,
            (Bound::Excluded(a), Bound::Excluded(b)) => a <= b,
            (Bound::Excluded(a), Bound::Included(b)) => a < b,
        };
        let hi_ok = match (&self.hi, &other.hi) {
            (Bound::Unbounded, _) => true,
            (_, Bound::Unbounded) => false,
            (Bound::Included(a), Bound::Included(b) | Bound::Excluded(b)) => a >= b,
            (Bound::Excluded(a), Bound::Excluded(b)) => a >= b,
            (Bound::Excluded(a), Bound::Included(b)) => a.cmp(b) == Greater,
        };
        self.space == other.space && lo_ok && hi_ok
    }

    fn is_empty(&self) -> bool {
        range_is_empty(&self.lo, &self.hi)
    }
}

impl fmt::Display for KeyRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hex = |k: &[u8]| k.iter().map(|b| format!("{b:02x}")).collect::<String>();
        if self.is_relation() {
            return write!(f, "(space {}, every key)", self.space);
        }
        write!(f, "(space {}, keys ", self.space)?;
        match &self.lo {
            Bound::Included(k) => write!(f, "[0x{}", hex(k))?,
            Bound::Excluded(k) => write!(f, "(0x{}", hex(k))?,
            Bound::Unbounded => write!(f, "(-inf")?,
        }
        match &self.hi {
            Bound::Included(k) => write!(f, ", 0x{}])", hex(k)),
            Bound::Excluded(k) => write!(f, ", 0x{}))", hex(k)),
            Bound::Unbounded => write!(f, ", +inf))"),
        }
    }
}

/// A queued request of the range table.
#[derive(Debug, Clone)]
pub(super) enum RangeRequest {
    /// A shared range lock.
    Range(KeyRange),
    /// Admission of an exclusive row lock.
    Write(Resource),
}

impl RangeRequest {
    pub(super) fn mode(&self) -> LockMode {
        match self {
            RangeRequest::Range(_) => LockMode::Shared,
            RangeRequest::Write(_) => LockMode::Exclusive,
        }
    }
}

#[derive(Debug)]
pub(super) struct RangeWaiter {
    pub(super) txn: TxnId,
    pub(super) req: RangeRequest,
    slot: Arc<WaitSlot>,
}

/// Granted ranges, admitted writes and queued requests (see the module docs).
#[derive(Debug, Default)]
pub(super) struct RangeTable {
    held: Vec<(TxnId, KeyRange)>,
    intents: HashMap<u32, BTreeMap<Vec<u8>, Vec<TxnId>>>,
    pub(super) queue: VecDeque<RangeWaiter>,
}

impl RangeTable {
    fn add_intent(&mut self, txn: TxnId, res: &Resource) {
        let txns = self
            .intents
            .entry(res.space)
            .or_default()
            .entry(res.key.clone())
            .or_default();
        if !txns.contains(&txn) {
            txns.push(txn);
        }
    }

    fn has_intent(&self, txn: TxnId, res: &Resource) -> bool {
        self.intents
            .get(&res.space)
            .and_then(|m| m.get(&res.key))
            .is_some_and(|t| t.contains(&txn))
    }

    /// Other transactions with an intent in `range`.
    fn intents_in(&self, txn: TxnId, range: &KeyRange, out: &mut Vec<TxnId>) {
        if range.is_empty() {
            return;
        }
        let Some(keys) = self.intents.get(&range.space) else {
            return;
        };
        let bounds = (
            range.lo.as_ref().map(Vec::as_slice),
            range.hi.as_ref().map(Vec::as_slice),
        );
        for txns in keys.range::<[u8], _>(bounds).map(|(_, t)| t) {
            for &t in txns {
                if t != txn && !out.contains(&t) {
                    out.push(t);
                }
            }
        }
    }

    /// Removes everything of `txn`; returns how many ranges (held or queued) it had.
    fn remove_txn(&mut self, txn: TxnId) -> usize {
        let before = self.held.len();
        self.held.retain(|(t, _)| *t != txn);
        let mut removed = before - self.held.len();
        for keys in self.intents.values_mut() {
            keys.retain(|_, txns| {
                txns.retain(|&t| t != txn);
                !txns.is_empty()
            });
        }
        self.intents.retain(|_, keys| !keys.is_empty());
        while let Some(pos) = self.queue.iter().position(|w| w.txn == txn) {
            if let Some(w) = self.queue.remove(pos) {
                if matches!(w.req, RangeRequest::Range(_)) {
                    removed += 1;
                }
                w.slot.set(WaitState::Aborted);
            }
        }
        removed
    }

    /// Grants `range` to `txn`, dropping the finer ranges of `txn` it covers; returns how many
    /// were dropped.
    fn grant_range(&mut self, txn: TxnId, range: KeyRange) -> usize {
        let before = self.held.len();
        self.held.retain(|(t, r)| !(*t == txn && range.covers(r)));
        let dropped = before - self.held.len();
        self.held.push((txn, range));
        dropped
    }
}

impl LockManager {
    /// Takes a shared lock on `range` for `txn` until [`LockManager::release_all`], waiting
    /// while other transactions hold exclusive row locks in it.
    pub fn acquire_range(
        &self,
        txn: TxnId,
        range: KeyRange,
        opts: &LockOptions,
        cancel: &CancelToken,
    ) -> Result<(), LockError> {
        // Raised before the shards are scanned (see the module docs).
        self.range_users.fetch_add(1, Ordering::SeqCst);
        let mut rt = self.ranges.lock();
        if rt.held.iter().any(|(t, r)| *t == txn && r.covers(&range)) {
            self.range_users.fetch_sub(1, Ordering::SeqCst);
            return Ok(());
        }
        let in_space = rt
            .held
            .iter()
            .filter(|(t, r)| *t == txn && r.space == range.space)
            .count();
        let range = if in_space >= MAX_RANGES_PER_SPACE {
            KeyRange::relation(range.space)
        } else {
            range
        };
        let req = RangeRequest::Range(range);
        let n = rt.queue.len();
        if self.range_blockers(&rt, txn, &req, n, None).is_empty() {
            if let RangeRequest::Range(range) = req {
                let dropped = rt.grant_range(txn, range);
                self.range_users.fetch_sub(dropped, Ordering::SeqCst);
            }
            self.txn_shard(txn).entry(txn).or_default().in_ranges = true;
            return Ok(());
        }
        if cancel.is_cancelled() {
            self.range_users.fetch_sub(1, Ordering::SeqCst);
            return Err(LockError::Cancelled);
        }
        let slot = self.enqueue_range(&mut rt, txn, req);
        drop(rt);
        self.wait(txn, Waiting::Range, &slot, opts, cancel)
    }

    /// Admits an exclusive row request past the range locks (see the module docs), waiting
    /// while other transactions' ranges cover the row.
    pub(super) fn admit_write(
        &self,
        txn: TxnId,
        res: &Resource,
        opts: &LockOptions,
        cancel: &CancelToken,
    ) -> Result<(), LockError> {
        let mut rt = self.ranges.lock();
        if rt.has_intent(txn, res) {
            return Ok(());
        }
        let req = RangeRequest::Write(res.clone());
        let n = rt.queue.len();
        if self.range_blockers(&rt, txn, &req, n, None).is_empty() {
            rt.add_intent(txn, res);
            self.txn_shard(txn).entry(txn).or_default().in_ranges = true;
            return Ok(());
        }
        if cancel.is_cancelled() {
            return Err(LockError::Cancelled);
        }
        let slot = self.enqueue_range(&mut rt, txn, req);
        drop(rt);
        self.wait(txn, Waiting::Range, &slot, opts, cancel)
    }

    /// [`LockManager::admit_write`] without waiting: whether the row may be locked now.
    pub(super) fn try_admit_write(&self, txn: TxnId, res: &Resource) -> bool {
        let mut rt = self.ranges.lock();
        if rt.has_intent(txn, res) {
            return true;
        }
        let n = rt.queue.len();
        if !self
            .range_blockers(&rt, txn, &RangeRequest::Write(res.clone()), n, None)
            .is_empty()
        {
            return false;
        }
        rt.add_intent(txn, res);
        self.txn_shard(txn).entry(txn).or_default().in_ranges = true;
        true
    }

    fn enqueue_range(&self, rt: &mut RangeTable, txn: TxnId, req: RangeRequest) -> Arc<WaitSlot> {
        let slot = self.new_slot();
        rt.queue.push_back(RangeWaiter {
            txn,
            req,
            slot: slot.clone(),
        });
        let mut txns = self.txn_shard(txn);
        let st = txns.entry(txn).or_default();
        st.in_ranges = true;
        st.range_wait = true;
        slot
    }

    /// Whom `txn`'s range-table request `req` waits for, if it were at position `pos` of the
    /// queue (the queue's length for a new request). `guards`: every shard, when the caller
    /// holds them all (the deadlock detector); otherwise shards are locked one at a time.
    pub(super) fn range_blockers(
        &self,
        rt: &RangeTable,
        txn: TxnId,
        req: &RangeRequest,
        pos: usize,
        guards: Option<&[MutexGuard<'_, Table>]>,
    ) -> Vec<TxnId> {
        let mut out = Vec::new();
        match req {
            RangeRequest::Range(range) => {
                self.writers_in(rt, txn, range, guards, &mut out);
                for w in rt.queue.iter().take(pos) {
                    if let RangeRequest::Write(res) = &w.req
                        && w.txn != txn
                        && range.contains(res.space, &res.key)
                        && !out.contains(&w.txn)
                        && !self.holds_range_over(rt, txn, res)
                    {
                        out.push(w.txn);
                    }
                }
            }
            RangeRequest::Write(res) => {
                for (t, r) in &rt.held {
                    if *t != txn && r.contains(res.space, &res.key) && !out.contains(t) {
                        out.push(*t);
                    }
                }
                for w in rt.queue.iter().take(pos) {
                    if let RangeRequest::Range(range) = &w.req
                        && w.txn != txn
                        && range.contains(res.space, &res.key)
                        && !out.contains(&w.txn)
                    {
                        let mut theirs = Vec::new();
                        self.writers_in(rt, w.txn, range, guards, &mut theirs);
                        if !theirs.contains(&txn) {
                            out.push(w.txn);
                        }
                    }
                }
            }
        }
        out
    }

    fn holds_range_over(&self, rt: &RangeTable, txn: TxnId, res: &Resource) -> bool {
        rt.held
            .iter()
            .any(|(t, r)| *t == txn && r.contains(res.space, &res.key))
    }

    /// Transactions other than `txn` that hold an exclusive row lock or an intent in `range`.
    fn writers_in(
        &self,
        rt: &RangeTable,
        txn: TxnId,
        range: &KeyRange,
        guards: Option<&[MutexGuard<'_, Table>]>,
        out: &mut Vec<TxnId>,
    ) {
        rt.intents_in(txn, range, out);
        let mut scan = |table: &Table| {
            for (res, entry) in table {
                if !range.contains(res.space, &res.key) {
                    continue;
                }
                for &(t, m) in &entry.holders {
                    if t != txn && conflicts(m, LockMode::Shared) && !out.contains(&t) {
                        out.push(t);
                    }
                }
            }
        };
        match guards {
            Some(guards) => guards.iter().for_each(|g| scan(g)),
            None => self.shards.iter().for_each(|s| scan(&s.lock())),
        }
    }

    /// Grants queued range-table requests that no longer conflict, in queue order.
    pub(super) fn grant_range_waiters(&self, rt: &mut RangeTable) {
        let mut i = 0;
        while i < rt.queue.len() {
            let (txn, req) = (rt.queue[i].txn, rt.queue[i].req.clone());
            if !self.range_blockers(rt, txn, &req, i, None).is_empty() {
                i += 1;
                continue;
            }
            let Some(w) = rt.queue.remove(i) else {
                break;
            };
            match w.req {
                RangeRequest::Range(range) => {
                    let dropped = rt.grant_range(txn, range);
                    self.range_users.fetch_sub(dropped, Ordering::SeqCst);
                }
                RangeRequest::Write(res) => rt.add_intent(txn, &res),
            }
            if let Some(st) = self.txn_shard(txn).get_mut(&txn) {
                st.range_wait = false;
            }
            w.slot.set(WaitState::Granted);
        }
    }

    /// Takes `txn`'s queued range-table request (`slot`) off the queue if it is still waiting.
    /// Returns the state the slot was in (`Waiting` means this call withdrew it).
    pub(super) fn withdraw_range(
        &self,
        rt: &mut RangeTable,
        txn: TxnId,
        slot: &Arc<WaitSlot>,
    ) -> WaitState {
        if let Some(was) = slot.withdraw() {
            return was;
        }
        if let Some(pos) = rt.queue.iter().position(|w| Arc::ptr_eq(&w.slot, slot))
            && let Some(w) = rt.queue.remove(pos)
            && matches!(w.req, RangeRequest::Range(_))
        {
            self.range_users.fetch_sub(1, Ordering::SeqCst);
        }
        if let Some(st) = self.txn_shard(txn).get_mut(&txn) {
            st.range_wait = false;
        }
        self.grant_range_waiters(rt);
        WaitState::Waiting
    }

    /// Drops every range lock, intent and queued range request of `txn`.
    pub(super) fn release_ranges(&self, rt: &mut RangeTable, txn: TxnId) {
        let removed = rt.remove_txn(txn);
        self.range_users.fetch_sub(removed, Ordering::SeqCst);
    }

    /// Granted range locks: (holder, range).
    pub fn held_ranges(&self) -> Vec<(TxnId, KeyRange)> {
        self.ranges.lock().held.clone()
    }

    /// Queued range-table requests: (waiter, what, mode, blockers); a queued exclusive row
    /// request is a row target.
    pub fn range_waits(&self) -> Vec<(TxnId, LockTarget, LockMode, Vec<TxnId>)> {
        let rt = self.ranges.lock();
        rt.queue
            .iter()
            .enumerate()
            .map(|(i, w)| {
                let target = match &w.req {
                    RangeRequest::Range(r) => LockTarget::Range(r.clone()),
                    RangeRequest::Write(res) => LockTarget::Row(res.clone()),
                };
                let blockers = self.range_blockers(&rt, w.txn, &w.req, i, None);
                (w.txn, target, w.req.mode(), blockers)
            })
            .collect()
    }

    /// The range-table request `txn` waits on, its wait sequence number and its blockers (for
    /// the deadlock detector, which holds every shard).
    pub(super) fn range_node(
        &self,
        rt: &RangeTable,
        txn: TxnId,
        guards: &[MutexGuard<'_, Table>],
    ) -> Option<(RangeRequest, u64, Vec<TxnId>)> {
        let pos = rt.queue.iter().position(|w| w.txn == txn)?;
        let req = rt.queue[pos].req.clone();
        let blockers = self.range_blockers(rt, txn, &req, pos, Some(guards));
        Some((req, rt.queue[pos].slot.seq, blockers))
    }
}
