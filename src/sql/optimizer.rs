//! The optimizer: predicate placement, access paths and join order.
//!
//! - **Predicate pushdown.** The WHERE and inner-join ON conjuncts of a FROM clause are
//!   sorted by the relations they read. A conjunct over one relation becomes that
//!   relation's scan filter; one over several is applied at the first join where all are
//!   present; one with a subquery stays above the joins (its correlated references index the
//!   full FROM row).
//! - **Access paths.** A scan's filter conjuncts are matched against the primary key and
//!   every secondary index: equalities on a key prefix, then a range or an IN list on the
//!   next key column. The best match (a full unique key beats a prefix, beats a range) turns
//!   the scan into an index scan. The filter itself is kept and re-checked on every row the
//!   index returns, so an index never changes an answer, only the rows examined.
//! - **Join order.** Greedy, which copes with SQLite's 64-table joins: start from the
//!   relation with the smallest estimate, then repeatedly add the cheapest relation that an
//!   equality connects to those joined so far (hash join on all connecting equalities), or
//!   the cheapest of all when none is connected (nested loop). Estimates are heuristic
//!   (there are no statistics yet): a unique-key lookup is 1 row, a prefix 10, a filtered
//!   scan 250, a scan 1,000. A final projection restores the FROM clause's column order, so
//!   the binder's positions stay valid whatever order was chosen. Outer joins are not
//!   reordered.

use crate::catalog::TableDef;
use crate::sql::SqlError;
use crate::sql::plan::{Access, BinOp, Expr, JoinKind, Plan};

/// One relation of an inner-join group.
pub struct Unit {
    pub plan: Plan,
    pub width: usize,
}

impl Unit {
    pub fn new(plan: Plan, width: usize) -> Unit {
        Unit { plan, width }
    }
}

/// Adds a filter to a plan: into a scan (choosing its access path) or as a Filter node.
pub fn push_filter(plan: Plan, preds: Vec<Expr>) -> Plan {
    if preds.is_empty() {
        return plan;
    }
    match plan {
        Plan::Scan {
            table,
            alias,
            access: Access::Full { .. },
            filter,
        } => {
            let mut all = Vec::new();
            if let Some(f) = filter {
                f.conjuncts(&mut all);
            }
            all.extend(preds);
            let access = choose_access(&table, &all);
            Plan::Scan {
                table,
                alias,
                access,
                filter: Expr::conjoin(all),
            }
        }
        other => Plan::Filter {
            input: Box::new(other),
            predicate: Expr::conjoin(preds)
                .unwrap_or(Expr::Const(crate::sql::types::Value::Bool(true))),
        },
    }
}

/// Rough row estimate for join ordering.
fn estimate(plan: &Plan) -> f64 {
    match plan {
        Plan::Scan {
            table,
            access,
            filter,
            ..
        } => match access {
            Access::Full { .. } => {
                if filter.is_some() {
                    250.0
                } else {
                    1000.0
                }
            }
            Access::Key { index, prefix, .. } => {
                let (cols, unique) = match index {
                    Some(ix) => (ix.columns.len(), ix.unique),
                    None => (table.primary_key.len(), true),
                };
                if unique && prefix.len() == cols {
                    1.0
                } else {
                    10.0
                }
            }
            Access::KeyIn { values, .. } => 2.0 * values.len() as f64,
        },
        Plan::Values { rows, .. } => rows.len() as f64,
        Plan::Filter { input, .. } => estimate(input) * 0.25,
        Plan::Limit { input, .. } => estimate(input).min(100.0),
        Plan::Aggregate { group, input, .. } => {
            if group.is_empty() {
                1.0
            } else {
                estimate(input) * 0.5
            }
        }
        _ => 1000.0,
    }
}

/// The units a conjunct reads, as a sorted list of unit indexes.
fn units_of(e: &Expr, offsets: &[usize], widths: &[usize]) -> Vec<usize> {
    let mut out = Vec::new();
    e.visit_columns(&mut |c| {
        if let Some(u) = (0..offsets.len()).find(|&u| c >= offsets[u] && c < offsets[u] + widths[u])
            && !out.contains(&u)
        {
            out.push(u);
        }
    });
    out.sort_unstable();
    out
}

/// `a = b` with one side reading only left-input columns and the other only right-input
/// columns: the (left, right) pair, usable as hash-join keys.
fn equi_sides(
    e: &Expr,
    is_left: &dyn Fn(usize) -> bool,
    is_right: &dyn Fn(usize) -> bool,
) -> Option<(Expr, Expr)> {
    let Expr::Binary(BinOp::Eq, a, b) = e else {
        return None;
    };
    let side = |x: &Expr| {
        let (mut l, mut r) = (false, false);
        x.visit_columns(&mut |c| {
            l |= is_left(c);
            r |= is_right(c);
        });
        (l, r)
    };
    match (side(a), side(b)) {
        ((true, false), (false, true)) => Some((a.as_ref().clone(), b.as_ref().clone())),
        ((false, true), (true, false)) => Some((b.as_ref().clone(), a.as_ref().clone())),
        _ => None,
    }
}

/// Plans an inner-join group; the output row is the units' columns in their given order.
pub fn plan_joins(units: Vec<Unit>, conjuncts: Vec<Expr>) -> Result<Plan, SqlError> {
    let n = units.len();
    let widths: Vec<usize> = units.iter().map(|u| u.width).collect();
    let mut offsets = Vec::with_capacity(n);
    let mut total = 0;
    for w in &widths {
        offsets.push(total);
        total += w;
    }
    let mut local: Vec<Vec<Expr>> = (0..n).map(|_| Vec::new()).collect();
    let mut multi: Vec<(Expr, Vec<usize>)> = Vec::new();
    let mut late = Vec::new();
    for c in conjuncts {
        if c.has_subquery() {
            late.push(c);
            continue;
        }
        let us = units_of(&c, &offsets, &widths);
        match us.len() {
            0 => late.push(c),
            1 => {
                let u = us[0];
                let mut c = c;
                let off = offsets[u];
                c.remap(&|i| i - off);
                local[u].push(c);
            }
            _ => multi.push((c, us)),
        }
    }
    let mut plans: Vec<Option<Plan>> = units
        .into_iter()
        .zip(local)
        .map(|(u, preds)| Some(push_filter(u.plan, preds)))
        .collect();
    let top = |plan: Plan, late: Vec<Expr>| -> Plan {
        if late.is_empty() {
            plan
        } else {
            Plan::Filter {
                input: Box::new(plan),
                predicate: Expr::conjoin(late)
                    .unwrap_or(Expr::Const(crate::sql::types::Value::Bool(true))),
            }
        }
    };
    if n == 1 {
        let plan = plans[0].take().unwrap_or_else(Plan::single_row);
        return Ok(top(plan, late));
    }
    let est: Vec<f64> = plans
        .iter()
        .map(|p| p.as_ref().map(estimate).unwrap_or(1e9))
        .collect();
    // Greedy join order.
    let start = (0..n)
        .min_by(|&a, &b| est[a].total_cmp(&est[b]).then(a.cmp(&b)))
        .unwrap_or(0);
    let mut joined = vec![start];
    // layout[c] = position of canonical column c in the current plan's output.
    let mut layout: Vec<Option<usize>> = vec![None; total];
    for (k, slot) in layout[offsets[start]..offsets[start] + widths[start]]
        .iter_mut()
        .enumerate()
    {
        *slot = Some(k);
    }
    let mut width = widths[start];
    let mut current = plans[start].take().unwrap_or_else(Plan::single_row);
    let mut applied = vec![false; multi.len()];
    while joined.len() < n {
        let connected = |u: usize| {
            multi.iter().any(|(e, us)| {
                us.contains(&u)
                    && us.iter().all(|x| *x == u || joined.contains(x))
                    && matches!(e, Expr::Binary(BinOp::Eq, ..))
            })
        };
        let remaining: Vec<usize> = (0..n).filter(|u| !joined.contains(u)).collect();
        let pick = remaining
            .iter()
            .copied()
            .filter(|&u| connected(u))
            .min_by(|&a, &b| est[a].total_cmp(&est[b]).then(a.cmp(&b)))
            .or_else(|| {
                remaining
                    .iter()
                    .copied()
                    .min_by(|&a, &b| est[a].total_cmp(&est[b]).then(a.cmp(&b)))
            })
            .unwrap_or(remaining[0]);
        let right = plans[pick].take().unwrap_or_else(Plan::single_row);
        let (roff, rw) = (offsets[pick], widths[pick]);
        // Conjuncts now fully available.
        let mut left_keys = Vec::new();
        let mut right_keys = Vec::new();
        let mut residual = Vec::new();
        for (i, (e, us)) in multi.iter().enumerate() {
            if applied[i] || !us.iter().all(|x| *x == pick || joined.contains(x)) {
                continue;
            }
            applied[i] = true;
            let right_side = |c: usize| c >= roff && c < roff + rw;
            let left_side = |c: usize| !right_side(c) && layout[c].is_some();
            if let Some((mut l, mut r)) = equi_sides(e, &left_side, &right_side) {
                l.remap(&|c| layout[c].unwrap_or(0));
                r.remap(&|c| c - roff);
                left_keys.push(l);
                right_keys.push(r);
                continue;
            }
            let mut e = e.clone();
            e.remap(&|c| {
                if c >= roff && c < roff + rw {
                    width + (c - roff)
                } else {
                    layout[c].unwrap_or(0)
                }
            });
            residual.push(e);
        }
        let on = Expr::conjoin(residual);
        current = if left_keys.is_empty() {
            Plan::NestedLoopJoin {
                left: Box::new(current),
                right: Box::new(right),
                kind: JoinKind::Inner,
                on,
            }
        } else {
            Plan::HashJoin {
                left: Box::new(current),
                right: Box::new(right),
                kind: JoinKind::Inner,
                left_keys,
                right_keys,
                on,
            }
        };
        for (k, slot) in layout[roff..roff + rw].iter_mut().enumerate() {
            *slot = Some(width + k);
        }
        width += rw;
        joined.push(pick);
    }
    let identity = layout.iter().enumerate().all(|(c, p)| *p == Some(c));
    let plan = if identity {
        current
    } else {
        Plan::Project {
            input: Box::new(current),
            exprs: layout
                .iter()
                .map(|p| Expr::Column(p.unwrap_or(0)))
                .collect(),
        }
    };
    Ok(top(plan, late))
}

/// An outer (or inner) join of two plans with ON conjuncts over the concatenated row:
/// equalities across the two sides become hash keys, the rest is the join condition.
pub fn join(
    left: Plan,
    right: Plan,
    kind: JoinKind,
    on: Vec<Expr>,
    left_width: usize,
    right_width: usize,
) -> Result<Plan, SqlError> {
    let mut left_keys = Vec::new();
    let mut right_keys = Vec::new();
    let mut residual = Vec::new();
    let left_side = |c: usize| c < left_width;
    let right_side = |c: usize| c >= left_width && c < left_width + right_width;
    for e in on {
        if !e.has_subquery()
            && let Some((l, mut r)) = equi_sides(&e, &left_side, &right_side)
        {
            r.remap(&|c| c - left_width);
            left_keys.push(l);
            right_keys.push(r);
            continue;
        }
        residual.push(e);
    }
    let on = Expr::conjoin(residual);
    Ok(if left_keys.is_empty() {
        Plan::NestedLoopJoin {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            on,
        }
    } else {
        Plan::HashJoin {
            left: Box::new(left),
            right: Box::new(right),
            kind,
            left_keys,
            right_keys,
            on,
        }
    })
}

/// Drops a sort that a scan's key order already gives: ORDER BY columns that are (a prefix
/// of) the primary key after its equality-bound columns, or of a secondary index read whole,
/// all ascending (NULLS LAST) or all descending (NULLS FIRST, read backwards), since keys
/// order NULL last. Only scans whose order cannot change at run time qualify.
pub fn use_index_order(plan: Plan) -> Plan {
    let Plan::Sort { input, keys } = plan else {
        return plan;
    };
    let Plan::Project { input: scan, exprs } = *input else {
        return Plan::Sort { input, keys };
    };
    let rebuild = |scan: Box<Plan>, exprs: Vec<Expr>, keys| Plan::Sort {
        input: Box::new(Plan::Project { input: scan, exprs }),
        keys,
    };
    let Plan::Scan {
        table,
        alias,
        access,
        filter,
    } = *scan
    else {
        return rebuild(scan, exprs, keys);
    };
    // The table columns sorted on, and the common direction.
    let desc = keys.first().is_some_and(|k| k.desc);
    let mut cols = Vec::with_capacity(keys.len());
    for k in &keys {
        let col = match &k.expr {
            Expr::Column(p) => match exprs.get(*p) {
                Some(Expr::Column(c)) => Some(*c),
                _ => None,
            },
            _ => None,
        };
        match col {
            Some(c) if k.desc == desc && k.nulls_first == desc => cols.push(c),
            _ => {
                let scan = Box::new(Plan::Scan {
                    table,
                    alias,
                    access,
                    filter,
                });
                return rebuild(scan, exprs, keys);
            }
        }
    }
    let starts = |key: &[usize], skip: usize| {
        key.len() >= skip + cols.len() && key[skip..skip + cols.len()] == cols[..]
    };
    let new_access = match &access {
        Access::Full { .. } if starts(&table.primary_key, 0) => {
            Some(Access::Full { reverse: desc })
        }
        Access::Full { .. } => table
            .indexes
            .iter()
            .find(|ix| starts(&ix.columns, 0) && ix.desc.iter().all(|d| !d))
            .map(|ix| Access::Key {
                index: Some(ix.clone()),
                prefix: Vec::new(),
                range: (None, None),
                reverse: desc,
            }),
        Access::Key {
            index: None,
            prefix,
            range,
            ..
        } if starts(&table.primary_key, prefix.len()) || starts(&table.primary_key, 0) => {
            Some(Access::Key {
                index: None,
                prefix: prefix.clone(),
                range: range.clone(),
                reverse: desc,
            })
        }
        _ => None,
    };
    let scan = |access| {
        Box::new(Plan::Scan {
            table: table.clone(),
            alias: alias.clone(),
            access,
            filter: filter.clone(),
        })
    };
    match new_access {
        Some(a) => Plan::Project {
            input: scan(a),
            exprs,
        },
        None => rebuild(scan(access.clone()), exprs, keys),
    }
}

/// A conjunct's use for a key column: `col = e`, `col op e`, or `col IN (...)`.
enum KeyUse {
    Eq(Expr),
    Lower(Expr, bool),
    Upper(Expr, bool),
    In(Vec<Expr>),
}

fn key_use(pred: &Expr, column: usize) -> Option<KeyUse> {
    match pred {
        Expr::Binary(op, a, b) if op.is_comparison() && *op != BinOp::NotEq => {
            let (op, other) = match (a.as_ref(), b.as_ref()) {
                (Expr::Column(c), e) if *c == column && e.is_row_independent() => (*op, e),
                (e, Expr::Column(c)) if *c == column && e.is_row_independent() => (op.flip(), e),
                _ => return None,
            };
            let e = other.clone();
            Some(match op {
                BinOp::Eq => KeyUse::Eq(e),
                BinOp::Gt => KeyUse::Lower(e, false),
                BinOp::GtEq => KeyUse::Lower(e, true),
                BinOp::Lt => KeyUse::Upper(e, false),
                BinOp::LtEq => KeyUse::Upper(e, true),
                _ => return None,
            })
        }
        Expr::InSet { expr, values, .. } if matches!(expr.as_ref(), Expr::Column(c) if *c == column) => {
            Some(KeyUse::In(
                values.iter().cloned().map(Expr::Const).collect(),
            ))
        }
        Expr::InList { expr, list }
            if matches!(expr.as_ref(), Expr::Column(c) if *c == column)
                && list.iter().all(Expr::is_row_independent) =>
        {
            Some(KeyUse::In(list.clone()))
        }
        _ => None,
    }
}

/// The best index access for a scan of `table` filtered by `preds`.
pub fn choose_access(table: &TableDef, preds: &[Expr]) -> Access {
    // (index or None for the primary key, key columns, per-column descending, unique)
    type KeyPath<'t> = (
        Option<&'t crate::catalog::IndexDef>,
        &'t [usize],
        Vec<bool>,
        bool,
    );
    let mut paths: Vec<KeyPath> = Vec::new();
    if !table.primary_key.is_empty() {
        paths.push((
            None,
            &table.primary_key,
            vec![false; table.primary_key.len()],
            true,
        ));
    }
    for ix in &table.indexes {
        paths.push((Some(ix), &ix.columns, ix.desc.clone(), ix.unique));
    }
    let mut best: Option<(u32, Access)> = None;
    for (index, cols, desc, unique) in paths {
        let mut prefix = Vec::new();
        for &c in cols {
            match preds.iter().find_map(|p| match key_use(p, c) {
                Some(KeyUse::Eq(e)) => Some(e),
                _ => None,
            }) {
                Some(e) => prefix.push(e),
                None => break,
            }
        }
        let k = prefix.len();
        let mut score = k as u32 * 10;
        if k == cols.len() && unique {
            score = 1000;
        }
        let mut lower = None;
        let mut upper = None;
        let mut in_list = None;
        if k < cols.len() && !desc[k] {
            for p in preds {
                match key_use(p, cols[k]) {
                    Some(KeyUse::Lower(e, inc)) if lower.is_none() => lower = Some((e, inc)),
                    Some(KeyUse::Upper(e, inc)) if upper.is_none() => upper = Some((e, inc)),
                    Some(KeyUse::In(list)) if k == 0 && in_list.is_none() => in_list = Some(list),
                    _ => {}
                }
            }
        }
        if lower.is_some() || upper.is_some() {
            score += 5;
        }
        let access = if k == 0 && lower.is_none() && upper.is_none() {
            match in_list {
                Some(values) => {
                    score = 8;
                    Access::KeyIn {
                        index: index.cloned(),
                        values,
                    }
                }
                None => continue,
            }
        } else {
            Access::Key {
                index: index.cloned(),
                prefix,
                range: (lower, upper),
                reverse: false,
            }
        };
        if best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((score, access));
        }
    }
    best.map(|(_, a)| a)
        .unwrap_or(Access::Full { reverse: false })
}
