//! The list-append history checker of `isolation_history.rs` (after Elle, Kingsbury & Alvaro,
//! VLDB 2020): recovers each key's version order from the reads, infers ww, wr and rw
//! dependencies between committed transactions, and reports what a level forbids (see that
//! file's documentation). Unit tests at the end feed it hand-made histories with each anomaly.

use std::collections::{BTreeMap, HashMap, VecDeque};

/// `Append(key, element)` or `Read(key, list)`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Op {
    Append(u64, u64),
    Read(u64, Vec<u64>),
}

#[derive(Clone, Debug)]
pub struct Txn {
    pub thread: usize,
    pub committed: bool,
    /// What ran, in order; for an aborted transaction including the append that failed.
    pub ops: Vec<Op>,
}

pub struct History {
    pub txns: Vec<Txn>,
    /// Each key's list read after all transactions ended: the authoritative version order.
    pub final_state: BTreeMap<u64, Vec<u64>>,
}

/// What the checker holds a history to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    ReadCommitted,
    Snapshot,
    Serializable,
}

#[derive(Debug)]
pub struct Anomaly {
    pub name: &'static str,
    pub detail: String,
}

/// The verdict and figures; edge counts are ordered pairs of committed transactions.
#[derive(Debug)]
pub struct Report {
    pub anomalies: Vec<Anomaly>,
    pub committed: usize,
    pub aborted: usize,
    pub ops: usize,
    pub ww: usize,
    pub wr: usize,
    pub rw: usize,
}

pub const WW: u8 = 1;
pub const WR: u8 = 2;
pub const RW: u8 = 4;
pub const ALL: u8 = WW | WR | RW;

/// Per transaction, its outgoing edges: (to, kinds).
pub type Adj = [Vec<(usize, u8)>];
/// An edge of a reported cycle: (from, kind, to).
pub type Edge = (usize, u8, usize);

macro_rules! flag {
    ($found:expr, $name:expr, $($fmt:tt)+) => {
        $found.push(Anomaly { name: $name, detail: format!($($fmt)+) })
    };
}

/// Checks `h` against what `level` forbids (and what every level forbids).
pub fn check(h: &History, level: Level) -> Report {
    let txns = &h.txns;
    let show = |i: usize| show_txn(h, i);
    let mut found = Vec::new();

    // Who appended each element (unique by construction), and each txn's appends per key.
    let mut writer: HashMap<u64, usize> = HashMap::new();
    let mut appends: HashMap<(usize, u64), Vec<u64>> = HashMap::new();
    for (ti, t) in txns.iter().enumerate() {
        for op in &t.ops {
            if let Op::Append(k, e) = *op {
                writer.insert(e, ti);
                appends.entry((ti, k)).or_default().push(e);
            }
        }
    }
    // The transaction that appended `e` to key `k`, if one did.
    let author = |k: u64, e: u64| {
        let w = writer.get(&e).copied()?;
        appends
            .get(&(w, k))
            .is_some_and(|a| a.contains(&e))
            .then_some(w)
    };

    // Each key's version order: the final state, or failing that the longest committed read.
    let mut order = h.final_state.clone();
    for t in txns {
        for op in &t.ops {
            let (Op::Append(k, _) | Op::Read(k, _)) = op;
            let longest = order.entry(*k).or_default();
            if let Op::Read(_, l) = op
                && t.committed
                && !h.final_state.contains_key(k)
                && l.len() > longest.len()
            {
                longest.clone_from(l);
            }
        }
    }
    // Elements are unique across keys, so one position map serves every key.
    let mut pos: HashMap<u64, usize> = HashMap::new();
    for (&k, list) in &order {
        for (i, &e) in list.iter().enumerate() {
            if pos.insert(e, i).is_some() {
                flag!(found, "duplicate element", "key {k}: {e} twice in {list:?}");
            }
            match author(k, e) {
                None => flag!(
                    found,
                    "garbage read",
                    "key {k}: {e} in final state, not written"
                ),
                Some(w) if !txns[w].committed => {
                    flag!(
                        found,
                        "G1a",
                        "key {k}: final state holds {e} of aborted {}",
                        show(w)
                    )
                }
                _ => {}
            }
        }
    }
    for (&(ti, k), elems) in &appends {
        let Some(list) = h.final_state.get(&k).filter(|_| txns[ti].committed) else {
            continue;
        };
        for e in elems {
            if pos.get(e).is_none_or(|&i| list.get(i) != Some(e)) {
                flag!(
                    found,
                    "lost append",
                    "key {k}: {e} missing from {list:?}; {}",
                    show(ti)
                );
            }
        }
    }

    // Every read, aborted transactions' too (minus their own elements): internal consistency,
    // known and committed elements, a prefix of the key's order, no intermediate state.
    let mut valid_reads: Vec<(usize, u64, &[u64])> = Vec::new();
    for (ti, t) in txns.iter().enumerate() {
        let mut own: HashMap<u64, Vec<u64>> = HashMap::new();
        for op in &t.ops {
            let (k, list) = match op {
                Op::Append(k, e) => {
                    own.entry(*k).or_default().push(*e);
                    continue;
                }
                Op::Read(k, list) => (*k, list),
            };
            if let Some(mine) = own.get(&k)
                && !list.ends_with(mine)
            {
                flag!(
                    found,
                    "internal",
                    "key {k}: read {list:?} after appending {mine:?}; {}",
                    show(ti)
                );
            }
            let seen: Vec<u64> = list
                .iter()
                .copied()
                .filter(|e| t.committed || writer.get(e) != Some(&ti))
                .collect();
            let mut clean = true;
            for &e in &seen {
                match author(k, e) {
                    None => flag!(
                        found,
                        "garbage read",
                        "key {k}: {e} not written; {}",
                        show(ti)
                    ),
                    Some(w) if w != ti && !txns[w].committed => {
                        flag!(
                            found,
                            "G1a",
                            "key {k}: {} read {e} of aborted {}",
                            show(ti),
                            show(w)
                        )
                    }
                    _ => continue,
                }
                clean = false;
            }
            let ord = &order[&k];
            if clean && !ord.starts_with(&seen) {
                flag!(
                    found,
                    "incompatible order",
                    "key {k}: {seen:?} vs {ord:?}; {}",
                    show(ti)
                );
                clean = false;
            }
            if clean
                && let Some(&last) = seen.last()
                && let Some(w) = author(k, last)
                && w != ti
                && appends[&(w, k)].last() != Some(&last)
            {
                flag!(
                    found,
                    "G1b",
                    "key {k}: {} read {seen:?}, inside {}",
                    show(ti),
                    show(w)
                );
            }
            if clean && t.committed {
                valid_reads.push((ti, k, list.as_slice()));
            }
        }
    }

    // The dependency graph over committed transactions; parallel edges merge their kinds.
    let mut edges: BTreeMap<(usize, usize), u8> = BTreeMap::new();
    let committed = |e: &u64| writer.get(e).copied().filter(|&w| txns[w].committed);
    let mut add = |from: usize, to: usize, kind: u8| {
        if from != to {
            *edges.entry((from, to)).or_insert(0) |= kind;
        }
    };
    for list in order.values() {
        for pair in list.windows(2) {
            if let (Some(a), Some(b)) = (committed(&pair[0]), committed(&pair[1])) {
                add(a, b, WW);
            }
        }
    }
    for &(ti, k, list) in &valid_reads {
        // wr from the newest element someone else wrote; rw to the writer of the next one.
        if let Some(w) = list
            .iter()
            .rev()
            .filter_map(|e| writer.get(e).copied())
            .find(|&w| w != ti)
        {
            add(w, ti, WR);
        }
        let next = list.last().map_or(0, |e| pos[e] + 1);
        if let Some(w) = order[&k].get(next).and_then(committed) {
            add(ti, w, RW);
        }
    }
    let count = |kind: u8| edges.values().filter(|&&k| k & kind != 0).count();
    let mut adj: Vec<Vec<(usize, u8)>> = vec![Vec::new(); txns.len()];
    for (&(a, b), &kind) in &edges {
        adj[a].push((b, kind));
    }

    // Cycles, most severe first; one is reported, under the most specific name.
    let cycle = if let Some(c) = find_cycle(&adj, WW) {
        Some(("G0", c))
    } else if let Some(c) = find_cycle(&adj, WW | WR) {
        Some(("G1c", c))
    } else if level == Level::ReadCommitted {
        None
    } else if let Some(c) = find_g_single(&adj) {
        Some(("G-single", c))
    } else if level == Level::Serializable {
        find_cycle(&adj, ALL).map(|c| ("G2", c))
    } else {
        None
    };
    if let Some((name, c)) = cycle {
        found.push(Anomaly {
            name,
            detail: describe(h, &c),
        });
    }
    Report {
        committed: txns.iter().filter(|t| t.committed).count(),
        aborted: txns.iter().filter(|t| !t.committed).count(),
        ops: txns.iter().map(|t| t.ops.len()).sum(),
        ww: count(WW),
        wr: count(WR),
        rw: count(RW),
        anomalies: found,
    }
}

/// Tarjan's strongly connected components over the edges whose kind meets `mask`, keeping
/// those of more than one transaction (there are no self-edges). Iterative: ww chains run
/// through the whole history, far deeper than a thread's stack allows recursion.
pub fn sccs(adj: &Adj, mask: u8) -> Vec<Vec<usize>> {
    const UNSEEN: usize = usize::MAX;
    let n = adj.len();
    let (mut index, mut low, mut on_stack) = (vec![UNSEEN; n], vec![0; n], vec![false; n]);
    let (mut stack, mut out, mut next) = (Vec::new(), Vec::new(), 0);
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        index[root] = next;
        low[root] = next;
        next += 1;
        stack.push(root);
        on_stack[root] = true;
        // (node, position of the next edge to look at)
        let mut call = vec![(root, 0)];
        while let Some(frame) = call.last_mut() {
            let v = frame.0;
            if frame.1 < adj[v].len() {
                let (w, kind) = adj[v][frame.1];
                frame.1 += 1;
                if kind & mask == 0 {
                    continue;
                }
                if index[w] == UNSEEN {
                    index[w] = next;
                    low[w] = next;
                    next += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    call.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            call.pop();
            if let Some(&(parent, _)) = call.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                let mut comp = Vec::new();
                loop {
                    let w = stack.pop().expect("Tarjan stack");
                    on_stack[w] = false;
                    comp.push(w);
                    if w == v {
                        break;
                    }
                }
                if comp.len() > 1 {
                    out.push(comp);
                }
            }
        }
    }
    out
}

/// A shortest path `from` ⇝ `to` over edges meeting `mask`, through `member`s only.
pub fn path(adj: &Adj, mask: u8, member: &[bool], from: usize, to: usize) -> Option<Vec<Edge>> {
    let mut prev: HashMap<usize, (usize, u8)> = HashMap::from([(from, (from, 0))]);
    let mut queue = VecDeque::from([from]);
    while let Some(v) = queue.pop_front() {
        if v == to {
            let (mut edges, mut cur) = (Vec::new(), to);
            while cur != from {
                let (p, kind) = prev[&cur];
                edges.push((p, kind, cur));
                cur = p;
            }
            edges.reverse();
            return Some(edges);
        }
        for &(w, kind) in &adj[v] {
            if kind & mask != 0 && member[w] && !prev.contains_key(&w) {
                prev.insert(w, (v, kind & mask));
                queue.push_back(w);
            }
        }
    }
    None
}

/// Some cycle over edges meeting `mask`, if there is one.
pub fn find_cycle(adj: &Adj, mask: u8) -> Option<Vec<Edge>> {
    let comp = sccs(adj, mask).into_iter().next()?;
    let mut member = vec![false; adj.len()];
    for &v in &comp {
        member[v] = true;
    }
    let a = comp[0];
    let &(b, kind) = adj[a]
        .iter()
        .find(|&&(b, kind)| kind & mask != 0 && member[b])?;
    let mut cycle = vec![(a, kind & mask, b)];
    cycle.extend(path(adj, mask, &member, b, a)?);
    Some(cycle)
}

/// A cycle with exactly one rw edge: an rw edge a→b and a ww/wr path b ⇝ a.
pub fn find_g_single(adj: &Adj) -> Option<Vec<Edge>> {
    let mut member = vec![false; adj.len()];
    for comp in sccs(adj, ALL) {
        comp.iter().for_each(|&v| member[v] = true);
        for &a in &comp {
            for &(b, kind) in &adj[a] {
                if kind & RW != 0
                    && member[b]
                    && let Some(rest) = path(adj, WW | WR, &member, b, a)
                {
                    let mut cycle = vec![(a, RW, b)];
                    cycle.extend(rest);
                    return Some(cycle);
                }
            }
        }
        comp.iter().for_each(|&v| member[v] = false);
    }
    None
}

pub fn show_txn(h: &History, i: usize) -> String {
    let t = &h.txns[i];
    let ops: Vec<String> = t
        .ops
        .iter()
        .map(|op| match op {
            Op::Append(k, e) => format!("append({k}, {e})"),
            Op::Read(k, l) => format!("read({k}) = {l:?}"),
        })
        .collect();
    let state = if t.committed { "committed" } else { "aborted" };
    format!("T{i} (thread {}, {state}) [{}]", t.thread, ops.join(", "))
}

/// `T3 -rw-> T7 -wr-> T3`, then each transaction of the cycle with its operations.
pub fn describe(h: &History, cycle: &[Edge]) -> String {
    let mut s = format!("T{}", cycle[0].0);
    for &(_, kind, to) in cycle {
        // The lowest bit names an edge of several kinds: ww, then wr, then rw.
        let name = ["ww", "wr", "rw"][kind.trailing_zeros() as usize];
        s.push_str(&format!(" -{name}-> T{to}"));
    }
    for &(from, _, _) in cycle {
        s.push_str(&format!("\n    {}", show_txn(h, from)));
    }
    s
}

// --- Workload --------------------------------------------------------------------------------

// --- The checker on hand-made histories ------------------------------------------------------

fn txn(committed: bool, ops: Vec<Op>) -> Txn {
    Txn {
        thread: 0,
        committed,
        ops,
    }
}

fn a(k: u64, e: u64) -> Op {
    Op::Append(k, e)
}

fn r(k: u64, list: &[u64]) -> Op {
    Op::Read(k, list.to_vec())
}

fn names(txns: Vec<Txn>, final_state: Vec<(u64, Vec<u64>)>, level: Level) -> Vec<&'static str> {
    let h = History {
        txns,
        final_state: final_state.into_iter().collect(),
    };
    check(&h, level).anomalies.iter().map(|a| a.name).collect()
}

#[test]
fn checker_passes_a_serial_history() {
    let h = History {
        txns: vec![
            txn(true, vec![a(0, 1), a(1, 2)]),
            txn(true, vec![r(0, &[1]), a(0, 3), r(0, &[1, 3])]),
            txn(true, vec![r(1, &[2]), r(0, &[1, 3])]),
            txn(true, vec![a(1, 4)]),
            // Aborted, reading its own (never committed) element: allowed.
            txn(false, vec![a(0, 5), r(0, &[1, 3, 5])]),
        ],
        final_state: BTreeMap::from([(0, vec![1, 3]), (1, vec![2, 4])]),
    };
    for level in [Level::ReadCommitted, Level::Snapshot, Level::Serializable] {
        let rep = check(&h, level);
        assert!(rep.anomalies.is_empty(), "{level:?}: {:?}", rep.anomalies);
        assert_eq!(
            (rep.ww, rep.wr, rep.rw, rep.committed, rep.aborted),
            (2, 3, 1, 4, 1)
        );
    }
}

#[test]
fn checker_finds_g0_with_its_cycle() {
    let h = History {
        txns: vec![
            txn(true, vec![a(0, 1), a(1, 4)]),
            txn(true, vec![a(0, 2), a(1, 3)]),
        ],
        final_state: BTreeMap::from([(0, vec![1, 2]), (1, vec![3, 4])]),
    };
    let rep = check(&h, Level::ReadCommitted);
    assert_eq!(
        rep.anomalies.iter().map(|a| a.name).collect::<Vec<_>>(),
        ["G0"]
    );
    let detail = &rep.anomalies[0].detail;
    assert!(
        detail.starts_with("T1 -ww-> T0 -ww-> T1") || detail.starts_with("T0 -ww-> T1 -ww-> T0"),
        "{detail}"
    );
    assert!(detail.contains("append(1, 4)"), "{detail}");
}

#[test]
fn checker_finds_g1a_and_garbage() {
    let aborted = || txn(false, vec![a(0, 1)]);
    let rc = Level::ReadCommitted;
    assert_eq!(
        names(
            vec![aborted(), txn(true, vec![r(0, &[1])])],
            vec![(0, vec![])],
            rc
        ),
        ["G1a"]
    );
    assert_eq!(names(vec![aborted()], vec![(0, vec![1])], rc), ["G1a"]);
    assert_eq!(
        names(vec![txn(true, vec![r(0, &[7])])], vec![(0, vec![])], rc),
        ["garbage read"]
    );
}

#[test]
fn checker_finds_g1b() {
    let txns = vec![
        txn(true, vec![a(0, 1), a(0, 2)]),
        txn(true, vec![r(0, &[1])]),
    ];
    assert_eq!(
        names(txns, vec![(0, vec![1, 2])], Level::ReadCommitted),
        ["G1b"]
    );
}

#[test]
fn checker_finds_g1c() {
    // Each reads the other's write: wr both ways.
    let txns = vec![
        txn(true, vec![a(0, 1), r(1, &[2])]),
        txn(true, vec![a(1, 2), r(0, &[1])]),
    ];
    let fin = vec![(0, vec![1]), (1, vec![2])];
    assert_eq!(names(txns, fin, Level::ReadCommitted), ["G1c"]);
}

#[test]
fn checker_finds_g_single_only_above_read_committed() {
    // Lost update: both read the empty list, both append.
    let txns = || {
        vec![
            txn(true, vec![r(0, &[]), a(0, 1)]),
            txn(true, vec![r(0, &[]), a(0, 2)]),
        ]
    };
    let fin = || vec![(0, vec![1, 2])];
    assert!(names(txns(), fin(), Level::ReadCommitted).is_empty());
    assert_eq!(names(txns(), fin(), Level::Snapshot), ["G-single"]);
    assert_eq!(names(txns(), fin(), Level::Serializable), ["G-single"]);
    // T0 → T1 is both ww and rw, T1 → T0 is rw: T1 -rw-> T0 -ww-> T1 has a single rw edge.
    let t0 = txn(true, vec![r(1, &[]), a(0, 1)]);
    let t1 = txn(true, vec![r(0, &[]), a(1, 2), a(0, 3)]);
    let fin = vec![(0, vec![1, 3]), (1, vec![2])];
    assert_eq!(names(vec![t0, t1], fin, Level::Snapshot), ["G-single"]);
}

#[test]
fn checker_finds_g2_only_at_serializable() {
    // Write skew: each reads both keys empty and appends to a different one.
    let txns = || {
        vec![
            txn(true, vec![r(0, &[]), r(1, &[]), a(0, 1)]),
            txn(true, vec![r(0, &[]), r(1, &[]), a(1, 2)]),
        ]
    };
    let fin = || vec![(0, vec![1]), (1, vec![2])];
    assert!(names(txns(), fin(), Level::ReadCommitted).is_empty());
    assert!(names(txns(), fin(), Level::Snapshot).is_empty());
    assert_eq!(names(txns(), fin(), Level::Serializable), ["G2"]);
}

#[test]
fn checker_finds_order_internal_and_lost_append_violations() {
    let rc = Level::ReadCommitted;
    let txns = vec![
        txn(true, vec![a(0, 1)]),
        txn(true, vec![a(0, 2)]),
        txn(true, vec![r(0, &[2])]),
    ];
    assert_eq!(
        names(txns, vec![(0, vec![1, 2])], rc),
        ["incompatible order"]
    );
    let own_write_unseen = vec![txn(true, vec![a(0, 1), r(0, &[])])];
    assert_eq!(
        names(own_write_unseen, vec![(0, vec![1])], rc),
        ["internal"]
    );
    assert_eq!(
        names(vec![txn(true, vec![a(0, 1)])], vec![(0, vec![])], rc),
        ["lost append"]
    );
}
