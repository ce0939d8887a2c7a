//! Serializable snapshot isolation (SSI): snapshot isolation plus the detection of dangerous
//! structures of rw-antidependencies, after Cahill et al. (2008) and PostgreSQL's
//! implementation (Ports & Grittner, VLDB 2012; `README-SSI`). See `docs/ssi.md`.
//!
//! Every serializable transaction gets an [`Sxact`] when it takes its snapshot. What it reads
//! is recorded as SIREAD locks (a key, or a key range of a table or index storage tree; a full
//! scan is the unbounded range, a relation lock); what it writes is recorded as write
//! records. Both are kept after commit until no transaction that overlaps it is left.
//!
//! An rw-antidependency `R -rw-> W` (R read something W wrote, and R's snapshot does not see
//! W's write) is found from either side: when R reads, it looks for write records of
//! concurrent transactions in what it read (this covers writes not yet committed, which in
//! this engine live only in the writer's write set, and committed versions newer than R's
//! snapshot); when W writes, it looks for SIREAD locks of concurrent transactions covering
//! the key. Each new edge runs PostgreSQL's `OnConflict_CheckForSerializationFailure` rules,
//! and commit runs its pre-commit check, so failures happen at the same statements as in
//! PostgreSQL: the transaction that would complete a dangerous structure `T0 -rw-> T1 -rw->
//! T2` with T2 committed first is failed (or, if it is another transaction, doomed, so it
//! fails at its next statement or commit). The pivot is chosen as the victim wherever it can
//! still be aborted, so an immediate retry of the victim does not meet the same structure.
//!
//! Bounds: a transaction's SIREAD locks on one tree are promoted to a lock on the whole tree
//! past [`MAX_POINTS_PER_TREE`] keys or [`MAX_RANGES_PER_TREE`] ranges. Committed
//! transactions are dropped as soon as every live serializable snapshot sees them, and past
//! [`MAX_RETAINED_COMMITTED`] retained ones the oldest are summarised (`summary`).
//!
//! Safe snapshots (Ports & Grittner, section 4.3): a `READ ONLY DEFERRABLE` transaction takes
//! a snapshot and waits until every read-write serializable transaction that was running when
//! the snapshot was taken has ended. If none of them committed with an rw-conflict out to a
//! transaction committed before the snapshot, no dangerous structure can ever include the
//! read-only transaction: it runs as plain snapshot isolation, untracked, and can never fail.
//! Otherwise it takes a new snapshot and waits again.
//!
//! All state sits behind one mutex, taken once per read or write of a serializable
//! transaction; a safe-snapshot wait sleeps on a condition variable that commits and aborts
//! signal, holding nothing.

use super::error::{Result, TxnError};
use super::lock_manager::CancelToken;
use super::mvcc::Ts;
use super::transaction::{key_in_bounds, range_is_empty, show_key};
use parking_lot::{Condvar, Mutex};
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::time::Duration;

mod summary;

type TxnId = u64;

/// Past this many SIREAD keys on one tree, a transaction locks the whole tree instead.
pub const MAX_POINTS_PER_TREE: usize = 1024;
/// Past this many SIREAD ranges on one tree, likewise.
pub const MAX_RANGES_PER_TREE: usize = 64;
/// Committed transactions retained in full before the oldest are summarised (the default of
/// [`SsiManager::with_retained_limit`]).
pub const MAX_RETAINED_COMMITTED: usize = 1000;

/// What an edge is about, for error details: the tree and the key or range.
#[derive(Debug, Clone)]
struct Why {
    tree: String,
    what: String,
}

#[derive(Debug)]
struct Sxact {
    snapshot: Ts,
    read_only: bool,
    /// A fresh clock value taken at pre-commit (PostgreSQL's prepareSeqNo).
    prepare: Option<Ts>,
    commit: Option<Ts>,
    doomed: Option<String>,
    /// Transactions that read what this one wrote: `t -rw-> self`.
    ins: Vec<(TxnId, Why)>,
    /// Transactions that wrote what this one read: `self -rw-> t`.
    outs: Vec<(TxnId, Why)>,
    /// Earliest prepare of an out-conflict partner that committed before this one
    /// (PostgreSQL's SXACT_FLAG_CONFLICT_OUT with earliestOutConflictCommit).
    conflict_out_commit: Option<Ts>,
    /// SIREAD locks: per tree, keys and ranges (a whole-tree lock is the unbounded range).
    points: HashMap<String, Vec<Vec<u8>>>,
    ranges: HashMap<String, Vec<Range>>,
    writes: Vec<(String, Vec<u8>)>,
    /// Waiting for its snapshot to become safe (`READ ONLY DEFERRABLE`).
    deferring: bool,
    /// Set while deferring when a transaction that could make the snapshot unsafe was
    /// summarised: decided then.
    deferring_unsafe: bool,
    /// Latest commit among summarised transactions with an rw-conflict in to this one.
    summary_in: Option<Ts>,
    /// Earliest prepare among summarised transactions with an rw-conflict out from this one.
    summary_out: Option<Ts>,
}

type Range = (Bound<Vec<u8>>, Bound<Vec<u8>>);
type PointLocks = HashMap<(String, Vec<u8>), Vec<TxnId>>;

impl Sxact {
    fn committed(&self) -> bool {
        self.commit.is_some()
    }
}

#[derive(Default)]
struct State {
    sxacts: HashMap<TxnId, Sxact>,
    /// SIREAD key locks: (tree, key) → holders.
    points: PointLocks,
    /// SIREAD range locks per tree: (holder, range).
    ranges: HashMap<String, Vec<(TxnId, Range)>>,
    /// Write records per tree: key → writers.
    writes: HashMap<String, BTreeMap<Vec<u8>, Vec<TxnId>>>,
    /// Summarised SIREAD locks: tree → latest commit of a summarised reader.
    summary_reads: HashMap<String, Ts>,
    /// Summarised writes per tree.
    summary_writes: HashMap<String, summary::SummaryWrite>,
    /// How many transactions were summarised, ever.
    summarised: u64,
}

/// What SSI holds right now, for memory figures and tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SsiStats {
    /// Registered transactions (live and retained committed).
    pub transactions: usize,
    /// Of those, committed.
    pub committed: usize,
    /// SIREAD key locks, range locks and write records.
    pub points: usize,
    pub ranges: usize,
    pub writes: usize,
    /// Trees with summarised reads or writes.
    pub summary_trees: usize,
    /// Transactions summarised since start.
    pub summarised: u64,
}

/// What the `isodb_conflicts` view shows: one rw-edge.
#[derive(Debug, Clone)]
pub struct ConflictInfo {
    pub reader: TxnId,
    pub writer: TxnId,
    pub tree: String,
    pub what: String,
    pub reader_committed: bool,
    pub writer_committed: bool,
}

/// See the module documentation.
pub struct SsiManager {
    state: Mutex<State>,
    /// Signalled when a transaction ends, for safe-snapshot waits.
    ended: Condvar,
    /// Committed transactions retained in full (see `summary`).
    retained_limit: usize,
}

impl Default for SsiManager {
    fn default() -> Self {
        SsiManager::with_retained_limit(MAX_RETAINED_COMMITTED)
    }
}

fn in_range(key: &[u8], (lo, hi): &Range) -> bool {
    key_in_bounds(key, lo, hi)
}

fn show_range((lo, hi): &Range) -> String {
    let end = |b: &Bound<Vec<u8>>, open: &str, closed: &str| match b {
        Bound::Included(k) => format!("{closed}{}", show_key(k)),
        Bound::Excluded(k) => format!("{open}{}", show_key(k)),
        Bound::Unbounded => String::new(),
    };
    match (lo, hi) {
        (Bound::Unbounded, Bound::Unbounded) => "all rows".to_string(),
        _ => format!("keys {}..{}", end(lo, "> ", ">= "), end(hi, " < ", " <= ")),
    }
}

fn failure(detail: String) -> TxnError {
    TxnError::SerializationFailure {
        detail,
        message: "could not serialize access due to read/write dependencies among transactions",
    }
}

impl SsiManager {
    pub fn new() -> SsiManager {
        SsiManager::default()
    }

    /// A manager that summarises committed transactions past `limit` retained ones.
    pub fn with_retained_limit(limit: usize) -> SsiManager {
        SsiManager {
            state: Mutex::new(State::default()),
            ended: Condvar::new(),
            retained_limit: limit,
        }
    }

    /// What is held right now.
    pub fn stats(&self) -> SsiStats {
        let st = self.state.lock();
        SsiStats {
            transactions: st.sxacts.len(),
            committed: st.sxacts.values().filter(|s| s.committed()).count(),
            points: st.points.len(),
            ranges: st.ranges.values().map(Vec::len).sum(),
            writes: st.writes.values().map(BTreeMap::len).sum(),
            summary_trees: st.summary_reads.len().max(st.summary_writes.len()),
            summarised: st.summarised,
        }
    }

    /// Registers a serializable transaction at the snapshot `take_snapshot` takes, which runs
    /// under this manager's lock so that no cleanup runs between the two (a transaction
    /// committing after the snapshot must stay tracked while this one lives). Returns the
    /// snapshot.
    pub fn register(&self, id: TxnId, read_only: bool, take_snapshot: impl FnOnce() -> Ts) -> Ts {
        let mut st = self.state.lock();
        let snapshot = take_snapshot();
        st.sxacts.insert(
            id,
            Sxact {
                snapshot,
                read_only,
                prepare: None,
                commit: None,
                doomed: None,
                ins: Vec::new(),
                outs: Vec::new(),
                conflict_out_commit: None,
                points: HashMap::new(),
                ranges: HashMap::new(),
                writes: Vec::new(),
                deferring: false,
                deferring_unsafe: false,
                summary_in: None,
                summary_out: None,
            },
        );
        snapshot
    }

    /// Waits until the snapshot of the read-only transaction `id` (registered) is safe (see
    /// the module docs). Returns `true` when it is safe and `false` when it proved unsafe; in
    /// both cases `id` is unregistered (a safe transaction needs no tracking; an unsafe one
    /// registers again with a new snapshot). A cancel ends the wait with 57014.
    pub fn wait_for_safe_snapshot(&self, id: TxnId, cancel: &CancelToken) -> Result<bool> {
        let mut st = self.state.lock();
        let Some(me) = st.sxacts.get_mut(&id) else {
            return Ok(true);
        };
        me.deferring = true;
        let snap = me.snapshot;
        loop {
            let mut running = false;
            let mut unsafe_ = st.sxacts.get(&id).is_some_and(|s| s.deferring_unsafe);
            // Read-write transactions that were running when the snapshot was taken.
            for (&t, sx) in &st.sxacts {
                if t == id || sx.read_only || sx.snapshot > snap {
                    continue;
                }
                match sx.commit {
                    None => running = true,
                    Some(c) if c > snap => {
                        unsafe_ |= sx.conflict_out_commit.is_some_and(|o| o <= snap);
                    }
                    Some(_) => {}
                }
            }
            let cancelled = cancel.is_cancelled();
            if unsafe_ || !running || cancelled {
                Self::remove(&mut st, id);
                self.cleanup(&mut st);
                if cancelled {
                    return Err(TxnError::Cancelled);
                }
                return Ok(!unsafe_);
            }
            // Woken by every commit and abort; the timeout bounds how late a cancel is seen.
            self.ended.wait_for(&mut st, Duration::from_millis(50));
        }
    }

    /// Whether `id` is waiting for a safe snapshot.
    pub fn is_deferring(&self, id: TxnId) -> bool {
        self.state
            .lock()
            .sxacts
            .get(&id)
            .is_some_and(|s| s.deferring)
    }

    fn check_doomed(st: &State, id: TxnId) -> Result<()> {
        match st.sxacts.get(&id).and_then(|s| s.doomed.as_ref()) {
            Some(d) => Err(failure(d.clone())),
            None => Ok(()),
        }
    }

    /// A read of one key of `tree`.
    pub fn read_key(&self, id: TxnId, tree: &str, key: &[u8]) -> Result<()> {
        let mut st = self.state.lock();
        Self::check_doomed(&st, id)?;
        let writers: Vec<TxnId> = st
            .writes
            .get(tree)
            .and_then(|w| w.get(key))
            .cloned()
            .unwrap_or_default();
        let why = Why {
            tree: tree.to_string(),
            what: format!("key {}", show_key(key)),
        };
        for w in writers {
            Self::reader_meets_writer(&mut st, id, w, &why)?;
        }
        summary::reader_meets_summary(&mut st, id, tree)?;
        Self::add_point(&mut st, id, tree, key);
        Ok(())
    }

    /// A scan of a key range of `tree`.
    pub fn read_range(
        &self,
        id: TxnId,
        tree: &str,
        lo: Bound<&[u8]>,
        hi: Bound<&[u8]>,
    ) -> Result<()> {
        let range: Range = (lo.map(<[u8]>::to_vec), hi.map(<[u8]>::to_vec));
        let mut st = self.state.lock();
        Self::check_doomed(&st, id)?;
        let mut found: Vec<(TxnId, Vec<u8>)> = Vec::new();
        if let Some(w) = st.writes.get(tree)
            && !range_is_empty(&range.0, &range.1)
        {
            for (k, writers) in w.range::<Vec<u8>, _>((range.0.as_ref(), range.1.as_ref())) {
                for &t in writers {
                    if t != id && !found.iter().any(|(f, _)| *f == t) {
                        found.push((t, k.clone()));
                    }
                }
            }
        }
        for (w, key) in found {
            let why = Why {
                tree: tree.to_string(),
                what: format!(
                    "key {} (in a scan of {})",
                    show_key(&key),
                    show_range(&range)
                ),
            };
            Self::reader_meets_writer(&mut st, id, w, &why)?;
        }
        summary::reader_meets_summary(&mut st, id, tree)?;
        Self::add_range(&mut st, id, tree, range);
        Ok(())
    }

    /// A write of one key of `tree`.
    pub fn write_key(&self, id: TxnId, tree: &str, key: &[u8]) -> Result<()> {
        let mut st = self.state.lock();
        Self::check_doomed(&st, id)?;
        let Some(my_snapshot) = st.sxacts.get(&id).map(|s| s.snapshot) else {
            return Ok(());
        };
        let mut readers: Vec<TxnId> = st
            .points
            .get(&(tree.to_string(), key.to_vec()))
            .cloned()
            .unwrap_or_default();
        if let Some(rs) = st.ranges.get(tree) {
            for (t, r) in rs {
                if in_range(key, r) && !readers.contains(t) {
                    readers.push(*t);
                }
            }
        }
        let why = Why {
            tree: tree.to_string(),
            what: format!("key {}", show_key(key)),
        };
        for r in readers {
            if r == id {
                continue;
            }
            let concurrent = st.sxacts.get(&r).is_some_and(|reader| {
                reader.doomed.is_none() && reader.commit.is_none_or(|c| c > my_snapshot)
            });
            if concurrent && !Self::edge_exists(&st, r, id) {
                Self::flag(&mut st, r, id, id, &why)?;
            }
        }
        summary::writer_meets_summary(&mut st, id, tree)?;
        let entry = st
            .writes
            .entry(tree.to_string())
            .or_default()
            .entry(key.to_vec())
            .or_default();
        if !entry.contains(&id) {
            entry.push(id);
            if let Some(me) = st.sxacts.get_mut(&id) {
                me.writes.push((tree.to_string(), key.to_vec()));
            }
        }
        Ok(())
    }

    /// Reader `r` (the caller) found a write record of `w` in what it read.
    fn reader_meets_writer(st: &mut State, r: TxnId, w: TxnId, why: &Why) -> Result<()> {
        if r == w {
            return Ok(());
        }
        let (Some(reader), Some(writer)) = (st.sxacts.get(&r), st.sxacts.get(&w)) else {
            return Ok(());
        };
        // A read-only reader of a committed writer without an earlier-committed out-conflict
        // appears to run first: no conflict (PostgreSQL's read-only optimisation).
        if reader.read_only
            && writer.committed()
            && writer
                .conflict_out_commit
                .is_none_or(|c| reader.snapshot < c)
        {
            return Ok(());
        }
        let concurrent = writer.commit.is_none_or(|c| c > reader.snapshot);
        if !concurrent || writer.doomed.is_some() && !writer.committed() {
            return Ok(());
        }
        if Self::edge_exists(st, r, w) {
            return Ok(());
        }
        Self::flag(st, r, w, r, why)
    }

    fn edge_exists(st: &State, r: TxnId, w: TxnId) -> bool {
        st.sxacts
            .get(&r)
            .is_some_and(|s| s.outs.iter().any(|(t, _)| *t == w))
    }

    /// Records `r -rw-> w` after PostgreSQL's checks for a dangerous structure; `me` is the
    /// calling transaction.
    fn flag(st: &mut State, r: TxnId, w: TxnId, me: TxnId, why: &Why) -> Result<()> {
        if let Some(reason) = Self::dangerous(st, r, w, why) {
            let writer_prepared = st.sxacts[&w].prepare.is_some();
            if me == w || writer_prepared {
                return Err(failure(reason));
            }
            if let Some(wx) = st.sxacts.get_mut(&w) {
                wx.doomed = Some(reason);
            }
        }
        if let Some(rx) = st.sxacts.get_mut(&r) {
            rx.outs.push((w, why.clone()));
        }
        if let Some(wx) = st.sxacts.get_mut(&w) {
            wx.ins.push((r, why.clone()));
        }
        Ok(())
    }

    /// PostgreSQL's `OnConflict_CheckForSerializationFailure` for a new edge `r -rw-> w`:
    /// the reason text if the edge completes a dangerous structure.
    fn dangerous(st: &State, r: TxnId, w: TxnId, why: &Why) -> Option<String> {
        let reader = &st.sxacts[&r];
        let writer = &st.sxacts[&w];
        let edge = format!(
            "transaction {r} read {} of \"{}\" which transaction {w} wrote",
            why.what, why.tree
        );
        // r -> w -> t2, with w committed and t2 committed before w.
        if writer.committed() && writer.conflict_out_commit.is_some() {
            return Some(format!(
                "rw-conflict: {edge}; {w} committed with a conflict out to a transaction that \
                 committed before it; {w} is the pivot"
            ));
        }
        // r -> w -> t2 with t2 committed (or committing) first; t2 may be summarised.
        if let Some(p) = writer.summary_out
            && reader.commit.is_none_or(|c| p <= c)
            && writer.commit.is_none_or(|c| p <= c)
            && (!reader.read_only || p <= reader.snapshot)
        {
            return Some(format!(
                "rw-conflict: {edge}, and transaction {w} read what a summarised committed \
                 transaction wrote, which committed first; {w} is the pivot"
            ));
        }
        for (t2, why2) in &writer.outs {
            let Some(t2x) = st.sxacts.get(t2) else {
                continue;
            };
            let Some(p) = t2x.prepare else {
                continue;
            };
            if reader.commit.is_none_or(|c| p <= c)
                && writer.commit.is_none_or(|c| p <= c)
                && (!reader.read_only || p <= reader.snapshot)
            {
                return Some(format!(
                    "rw-conflict: {edge}, and transaction {w} read {} of \"{}\" which transaction \
                     {t2} wrote; {t2} committed first; {w} is the pivot",
                    why2.what, why2.tree
                ));
            }
        }
        // t0 -> r -> w with w committed (or committing) first.
        if let Some(p) = writer.prepare
            && !reader.read_only
        {
            if reader.summary_in.is_some_and(|c| c >= p) {
                return Some(format!(
                    "rw-conflict: a summarised committed transaction read what transaction {r} \
                     wrote, and {edge}; {w} committed first; {r} is the pivot"
                ));
            }
            for (t0, why0) in &reader.ins {
                let Some(t0x) = st.sxacts.get(t0) else {
                    continue;
                };
                if t0x.doomed.is_none()
                    && t0x.commit.is_none_or(|c| c >= p)
                    && (!t0x.read_only || t0x.snapshot >= p)
                {
                    return Some(format!(
                        "rw-conflict: transaction {t0} read {} of \"{}\" which transaction {r} \
                         wrote, and {edge}; {w} committed first; {r} is the pivot",
                        why0.what, why0.tree
                    ));
                }
            }
        }
        None
    }

    /// The pre-commit check; `prepare` is a fresh clock value.
    pub fn pre_commit(&self, id: TxnId, prepare: Ts) -> Result<()> {
        let mut st = self.state.lock();
        Self::check_doomed(&st, id)?;
        let Some(me) = st.sxacts.get(&id) else {
            return Ok(());
        };
        // far -rw-> near -rw-> me, with me committing first: near is the pivot. Every such
        // pivot is doomed, not just the first found (PostgreSQL's loop goes on after one).
        let mut doom: Vec<(TxnId, String)> = Vec::new();
        for (near, why_near) in &me.ins {
            let Some(nx) = st.sxacts.get(near) else {
                continue;
            };
            if nx.committed() || nx.doomed.is_some() {
                continue;
            }
            for (far, why_far) in &nx.ins {
                let far_live = st
                    .sxacts
                    .get(far)
                    .is_some_and(|f| !f.committed() && !f.read_only && f.doomed.is_none());
                if *far == id || far_live {
                    let reason = format!(
                        "rw-conflict: transaction {far} read {} of \"{}\" which transaction {near} \
                         wrote, and transaction {near} read {} of \"{}\" which transaction {id} \
                         wrote; {id} committed first; {near} is the pivot",
                        why_far.what, why_far.tree, why_near.what, why_near.tree
                    );
                    if nx.prepare.is_some() {
                        return Err(failure(reason));
                    }
                    doom.push((*near, reason));
                    break;
                }
            }
        }
        for (near, reason) in doom {
            if let Some(nx) = st.sxacts.get_mut(&near) {
                nx.doomed = Some(reason);
            }
        }
        if let Some(me) = st.sxacts.get_mut(&id) {
            me.prepare = Some(prepare);
        }
        Ok(())
    }

    /// The transaction committed at `ts`.
    pub fn committed(&self, id: TxnId, ts: Ts) {
        let mut st = self.state.lock();
        let Some(me) = st.sxacts.get(&id) else {
            self.cleanup(&mut st);
            self.ended.notify_all();
            return;
        };
        // Out-partners that committed before this one, by commit timestamp: the order in
        // which commits reach this call can differ from their timestamps' order.
        let retained = me
            .outs
            .iter()
            .filter_map(|(t, _)| st.sxacts.get(t))
            .filter(|t| t.commit.is_some_and(|c| c < ts))
            .filter_map(|t| t.prepare)
            .min();
        // Summarised out-partners committed before this one (they were summarised while it
        // was live).
        let earliest = summary::min_opt(retained, me.summary_out);
        let prepare = me.prepare;
        let ins: Vec<TxnId> = me.ins.iter().map(|(t, _)| *t).collect();
        if let Some(me) = st.sxacts.get_mut(&id) {
            me.commit = Some(ts);
            if !me.read_only {
                me.conflict_out_commit = earliest;
            }
        }
        // In-partners whose commit, with a later timestamp, was recorded first: this one
        // committed before them, so they have a conflict out to an earlier commit after all.
        // Without this, such a pivot looks clean once this transaction is cleaned up.
        for r in ins {
            if let Some(x) = st.sxacts.get_mut(&r)
                && !x.read_only
                && x.commit.is_some_and(|c| c > ts)
            {
                x.conflict_out_commit = summary::min_opt(x.conflict_out_commit, prepare);
            }
        }
        self.cleanup(&mut st);
        self.ended.notify_all();
    }

    /// The transaction rolled back (or its commit failed): it is forgotten.
    pub fn aborted(&self, id: TxnId) {
        let mut st = self.state.lock();
        Self::remove(&mut st, id);
        self.cleanup(&mut st);
        self.ended.notify_all();
    }

    /// Drops committed transactions that every live serializable snapshot sees, and
    /// summarises the oldest past the retained limit.
    fn cleanup(&self, st: &mut State) {
        let horizon = st
            .sxacts
            .values()
            .filter(|s| !s.committed())
            .map(|s| s.snapshot)
            .min();
        let old: Vec<TxnId> = st
            .sxacts
            .iter()
            .filter(|(_, s)| s.commit.is_some_and(|c| horizon.is_none_or(|h| c <= h)))
            .map(|(&id, _)| id)
            .collect();
        for id in old {
            Self::remove(st, id);
        }
        summary::summarise_past(st, self.retained_limit);
        summary::expire(st, horizon);
    }

    fn remove(st: &mut State, id: TxnId) {
        let Some(sx) = st.sxacts.remove(&id) else {
            return;
        };
        for (tree, keys) in sx.points {
            Self::drop_points(&mut st.points, id, &tree, keys);
        }
        for tree in sx.ranges.keys() {
            if let Some(rs) = st.ranges.get_mut(tree) {
                rs.retain(|(t, _)| *t != id);
                if rs.is_empty() {
                    st.ranges.remove(tree);
                }
            }
        }
        for (tree, key) in sx.writes {
            if let Some(w) = st.writes.get_mut(&tree) {
                if let Some(ws) = w.get_mut(&key) {
                    ws.retain(|&t| t != id);
                    if ws.is_empty() {
                        w.remove(&key);
                    }
                }
                if w.is_empty() {
                    st.writes.remove(&tree);
                }
            }
        }
        for (t, _) in sx.ins.iter().chain(sx.outs.iter()) {
            if let Some(other) = st.sxacts.get_mut(t) {
                other.ins.retain(|(x, _)| *x != id);
                other.outs.retain(|(x, _)| *x != id);
            }
        }
    }

    /// Takes `id` off the holders of its SIREAD locks on `keys` of `tree`.
    fn drop_points(points: &mut PointLocks, id: TxnId, tree: &str, keys: Vec<Vec<u8>>) {
        for key in keys {
            let k = (tree.to_string(), key);
            if let Some(h) = points.get_mut(&k) {
                h.retain(|&t| t != id);
                if h.is_empty() {
                    points.remove(&k);
                }
            }
        }
    }

    fn add_point(st: &mut State, id: TxnId, tree: &str, key: &[u8]) {
        let Some(me) = st.sxacts.get_mut(&id) else {
            return;
        };
        if me
            .ranges
            .get(tree)
            .is_some_and(|rs| rs.iter().any(|r| in_range(key, r)))
        {
            return;
        }
        let keys = me.points.entry(tree.to_string()).or_default();
        if keys.iter().any(|k| k == key) {
            return;
        }
        if keys.len() >= MAX_POINTS_PER_TREE {
            Self::add_range(st, id, tree, (Bound::Unbounded, Bound::Unbounded));
            return;
        }
        keys.push(key.to_vec());
        st.points
            .entry((tree.to_string(), key.to_vec()))
            .or_default()
            .push(id);
    }

    fn add_range(st: &mut State, id: TxnId, tree: &str, range: Range) {
        let Some(me) = st.sxacts.get_mut(&id) else {
            return;
        };
        let mine = me.ranges.entry(tree.to_string()).or_default();
        let range = if mine.len() >= MAX_RANGES_PER_TREE {
            (Bound::Unbounded, Bound::Unbounded)
        } else {
            range
        };
        let whole = matches!(range, (Bound::Unbounded, Bound::Unbounded));
        if mine
            .iter()
            .any(|r| matches!(r, (Bound::Unbounded, Bound::Unbounded)))
        {
            return;
        }
        if whole {
            mine.clear();
            if let Some(rs) = st.ranges.get_mut(tree) {
                rs.retain(|(t, _)| *t != id);
            }
            // The whole-tree lock covers the keys too.
            if let Some(keys) = me.points.remove(tree) {
                Self::drop_points(&mut st.points, id, tree, keys);
            }
        }
        mine.push(range.clone());
        st.ranges
            .entry(tree.to_string())
            .or_default()
            .push((id, range));
    }

    /// The rw-edges among live and retained transactions, for the `isodb_conflicts` view.
    pub fn conflicts(&self) -> Vec<ConflictInfo> {
        let st = self.state.lock();
        let mut out = Vec::new();
        for (&r, sx) in &st.sxacts {
            for (w, why) in &sx.outs {
                out.push(ConflictInfo {
                    reader: r,
                    writer: *w,
                    tree: why.tree.clone(),
                    what: why.what.clone(),
                    reader_committed: sx.committed(),
                    writer_committed: st.sxacts.get(w).is_some_and(Sxact::committed),
                });
            }
        }
        out.sort_by_key(|c| (c.reader, c.writer));
        out
    }
}
