//! Summarising old committed transactions, so SSI's memory stays bounded when a long-running
//! serializable transaction keeps every later committed one "overlapping" (PostgreSQL's
//! `OldCommittedSxact` and `SXACT_FLAG_SUMMARY_CONFLICT_IN/OUT`).
//!
//! Past a limit of retained committed transactions, the oldest (by commit) is folded into a
//! per-tree summary and dropped:
//!
//! * its SIREAD locks become "some committed transaction read tree X, the latest committing
//!   at c" (`State::summary_reads`): a later writer of X whose snapshot precedes c gets an
//!   rw-conflict in from a committed transaction (`Sxact::summary_in`, the latest such c);
//! * its writes become "some committed transaction wrote tree X, the latest committing at c,
//!   the earliest preparing at p, with the earliest out-conflict commit o"
//!   (`State::summary_writes`): a later reader of X whose snapshot precedes c gets an
//!   rw-conflict out to a committed transaction (`Sxact::summary_out`, the earliest p);
//! * its edges with retained transactions become the same two flags on them.
//!
//! Coarsening keys to trees and many transactions to one only adds conflicts, so the rules
//! stay safe (no missed dangerous structure) at the price of false positives, and only for
//! transactions old enough to overlap summarised ones. A summary entry is dropped once every
//! live snapshot is past its latest commit.

use super::{State, Sxact, TxnId, failure};
use crate::txn::error::Result;
use crate::txn::mvcc::Ts;

/// What the summary keeps of the summarised writers of one tree.
#[derive(Debug, Clone, Copy)]
pub(super) struct SummaryWrite {
    /// Latest commit among them.
    pub(super) commit: Ts,
    /// Earliest prepare among them.
    pub(super) prepare: Ts,
    /// Earliest out-conflict commit among them (`Sxact::conflict_out_commit`).
    pub(super) conflict_out: Option<Ts>,
}

/// The smaller of two optional stamps (`None` is no stamp, not the smallest).
pub(super) fn min_opt(a: Option<Ts>, b: Option<Ts>) -> Option<Ts> {
    match (a, b) {
        (Some(x), Some(y)) => Some(x.min(y)),
        (x, None) => x,
        (None, y) => y,
    }
}

/// Folds committed transactions into the summary, oldest commit first, until at most `limit`
/// committed ones are retained.
pub(super) fn summarise_past(st: &mut State, limit: usize) {
    let mut committed: Vec<(Ts, TxnId)> = st
        .sxacts
        .iter()
        .filter_map(|(&id, s)| s.commit.map(|c| (c, id)))
        .collect();
    if committed.len() <= limit {
        return;
    }
    committed.sort_unstable();
    let excess = committed.len() - limit;
    for &(_, id) in &committed[..excess] {
        summarise(st, id);
    }
}

fn summarise(st: &mut State, id: TxnId) {
    let Some(sx) = st.sxacts.get(&id) else {
        return;
    };
    let (Some(commit), Some(prepare)) = (sx.commit, sx.prepare) else {
        return;
    };
    for tree in sx.points.keys().chain(sx.ranges.keys()) {
        let c = st.summary_reads.entry(tree.clone()).or_insert(commit);
        *c = (*c).max(commit);
    }
    for (tree, _) in &sx.writes {
        let e = st
            .summary_writes
            .entry(tree.clone())
            .or_insert(SummaryWrite {
                commit,
                prepare,
                conflict_out: sx.conflict_out_commit,
            });
        e.commit = e.commit.max(commit);
        e.prepare = e.prepare.min(prepare);
        e.conflict_out = min_opt(e.conflict_out, sx.conflict_out_commit);
    }
    let ins: Vec<TxnId> = sx.ins.iter().map(|(t, _)| *t).collect();
    let outs: Vec<TxnId> = sx.outs.iter().map(|(t, _)| *t).collect();
    let (snapshot, conflict_out) = (sx.snapshot, sx.conflict_out_commit);
    for t in ins {
        if let Some(x) = st.sxacts.get_mut(&t) {
            x.summary_out = min_opt(x.summary_out, Some(prepare));
        }
    }
    for t in outs {
        if let Some(x) = st.sxacts.get_mut(&t) {
            x.summary_in = Some(x.summary_in.map_or(commit, |c| c.max(commit)));
        }
    }
    // A deferrable transaction waiting on this one would lose sight of it: decide now.
    for x in st.sxacts.values_mut() {
        if x.deferring
            && snapshot <= x.snapshot
            && commit > x.snapshot
            && conflict_out.is_some_and(|o| o <= x.snapshot)
        {
            x.deferring_unsafe = true;
        }
    }
    super::SsiManager::remove(st, id);
    st.summarised += 1;
}

/// Drops summary entries no live snapshot precedes.
pub(super) fn expire(st: &mut State, horizon: Option<Ts>) {
    let live = |c: &Ts| horizon.is_some_and(|h| *c > h);
    st.summary_reads.retain(|_, c| live(c));
    st.summary_writes.retain(|_, w| live(&w.commit));
}

/// Reader `r` read `tree`: an rw-conflict out to the summarised writers of it, if they are
/// concurrent with `r`, checked like an edge to a committed writer.
pub(super) fn reader_meets_summary(st: &mut State, r: TxnId, tree: &str) -> Result<()> {
    let Some(w) = st.summary_writes.get(tree).copied() else {
        return Ok(());
    };
    let Some(reader) = st.sxacts.get(&r) else {
        return Ok(());
    };
    if w.commit <= reader.snapshot {
        return Ok(());
    }
    // The read-only optimisation, as for a retained committed writer.
    if reader.read_only && w.conflict_out.is_none_or(|c| reader.snapshot < c) {
        return Ok(());
    }
    let edge = format!(
        "transaction {r} read \"{tree}\", which summarised committed transactions (the latest \
         committing at {}) wrote",
        w.commit
    );
    // The writer committed with a conflict out of its own: r -> w -> t2.
    if w.conflict_out.is_some() {
        return Err(failure(format!(
            "rw-conflict: {edge}, one of them with a conflict out to a transaction that \
             committed before it"
        )));
    }
    // t0 -> r -> w, w committed first (it prepared at or after w.prepare).
    if !reader.read_only && t0_after(st, reader, w.prepare) {
        return Err(failure(format!(
            "rw-conflict: {edge}, and transaction {r} has an rw-conflict in from a \
             transaction that had not committed when they prepared; {r} is the pivot"
        )));
    }
    if let Some(x) = st.sxacts.get_mut(&r) {
        x.summary_out = min_opt(x.summary_out, Some(w.prepare));
    }
    Ok(())
}

/// Whether `r` has an in-edge from a live or later-committed transaction (relative to a writer
/// prepared at `p`): rule 3 of the edge checks.
fn t0_after(st: &State, r: &Sxact, p: Ts) -> bool {
    r.summary_in.is_some_and(|c| c >= p)
        || r.ins.iter().any(|(t0, _)| {
            st.sxacts.get(t0).is_some_and(|x| {
                x.doomed.is_none()
                    && x.commit.is_none_or(|c| c >= p)
                    && (!x.read_only || x.snapshot >= p)
            })
        })
}

/// Writer `w` wrote `tree`: an rw-conflict in from the summarised readers of it, if they are
/// concurrent with `w`.
pub(super) fn writer_meets_summary(st: &mut State, w: TxnId, tree: &str) -> Result<()> {
    let Some(&c) = st.summary_reads.get(tree) else {
        return Ok(());
    };
    let Some(writer) = st.sxacts.get(&w) else {
        return Ok(());
    };
    if c <= writer.snapshot {
        return Ok(());
    }
    // r -> w -> t2 with t2 committed (or committing) before r committed.
    if let Some(p) = out_prepared(st, writer)
        && p <= c
    {
        return Err(failure(format!(
            "rw-conflict: summarised committed transactions (the latest committing at {c}) read \
             \"{tree}\", which transaction {w} wrote, and {w} has an rw-conflict out to a \
             transaction that committed first; {w} is the pivot"
        )));
    }
    if let Some(x) = st.sxacts.get_mut(&w) {
        x.summary_in = Some(x.summary_in.map_or(c, |old| old.max(c)));
    }
    Ok(())
}

/// The earliest prepare among `s`'s out-partners that are committing or committed, including
/// summarised ones.
pub(super) fn out_prepared(st: &State, s: &Sxact) -> Option<Ts> {
    let retained = s
        .outs
        .iter()
        .filter_map(|(t, _)| st.sxacts.get(t).and_then(|x| x.prepare))
        .min();
    min_opt(retained, s.summary_out)
}
