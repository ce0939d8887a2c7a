//! The executor: runs a plan inside a transaction and returns its rows.
//!
//! Design: each plan node produces its whole output (a `Vec<Row>`) from its inputs'. That
//! keeps every operator a short function over vectors and makes re-execution (correlated
//! subqueries, nested-loop inner sides) trivial. Memory stays bounded by accounting: every
//! materialised row is charged against the statement's budget (`ExecCtx::mem_limit`), and
//! a statement that would pass it fails with 53200 instead of exhausting RAM. Long loops
//! poll the session's cancel flag (57014).
//!
//! Scans read through the transaction (snapshot plus own writes). Index scans read index
//! entries (whose value is the table key) and fetch the rows; the scan's filter is always
//! re-checked. The DML executors in [`dml`] reuse [`scan_with_keys`] to find their rows.

pub mod aggregate;
pub mod ddl;
pub mod dml;
pub mod eval;
pub mod roles;

use crate::catalog::{IndexDef, TableDef};
use crate::sql::SqlError;
use crate::sql::functions::FnContext;
use crate::sql::plan::{Access, Expr, JoinKind, Plan, Row, SetOpKind, SortKey};
use crate::sql::row::{decode_row, prefix_end, push_key};
use crate::sql::types::{DataType, Value, compare, hash_key};
use crate::txn::Transaction;
use eval::{eval, holds};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};
use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering as AtomicOrdering};

/// Default per-statement budget for materialised rows.
pub const DEFAULT_MEM_LIMIT: usize = 4 << 30;

/// Everything a running statement needs.
pub struct ExecCtx<'a> {
    pub txn: &'a mut Transaction,
    pub params: &'a [Value],
    /// Rows of enclosing query levels (correlated subqueries), innermost last.
    pub outer: Vec<Row>,
    pub subquery_cache: HashMap<usize, Arc<Vec<Row>>>,
    pub fnctx: FnContext,
    pub cancel: &'a AtomicBool,
    pub mem_used: usize,
    pub mem_limit: usize,
    ticks: u32,
}

impl<'a> ExecCtx<'a> {
    pub fn new(
        txn: &'a mut Transaction,
        params: &'a [Value],
        fnctx: FnContext,
        cancel: &'a AtomicBool,
    ) -> ExecCtx<'a> {
        ExecCtx {
            txn,
            params,
            outer: Vec::new(),
            subquery_cache: HashMap::new(),
            fnctx,
            cancel,
            mem_used: 0,
            mem_limit: DEFAULT_MEM_LIMIT,
            ticks: 0,
        }
    }

    /// Polls for cancellation every so many rows.
    pub fn tick(&mut self) -> Result<(), SqlError> {
        self.ticks = self.ticks.wrapping_add(1);
        if self.ticks.is_multiple_of(1024) && self.cancel.load(AtomicOrdering::Relaxed) {
            return Err(SqlError::new(
                "57014",
                "canceling statement due to user request",
            ));
        }
        Ok(())
    }

    /// Charges materialised rows against the budget.
    pub fn charge(&mut self, rows: usize, width: usize) -> Result<(), SqlError> {
        self.mem_used = self
            .mem_used
            .saturating_add(rows.saturating_mul(24 + 40 * width));
        if self.mem_used > self.mem_limit {
            return Err(SqlError::new("53200", "out of memory").with_detail(format!(
                "The statement needs more than its {} MiB budget for intermediate rows.",
                self.mem_limit >> 20
            )));
        }
        Ok(())
    }
}

/// Runs a plan to completion.
pub fn run(plan: &Plan, ctx: &mut ExecCtx) -> Result<Vec<Row>, SqlError> {
    let rows = stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || run_node(plan, ctx))?;
    let width = rows.first().map(|r| r.len()).unwrap_or(0);
    ctx.charge(rows.len(), width)?;
    Ok(rows)
}

fn run_node(plan: &Plan, ctx: &mut ExecCtx) -> Result<Vec<Row>, SqlError> {
    match plan {
        Plan::Scan {
            table,
            access,
            filter,
            ..
        } => Ok(scan_with_keys(ctx, table, access, filter.as_ref())?
            .into_iter()
            .map(|r| r.row)
            .collect()),
        Plan::Values { rows, .. } => {
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                let mut vals = Vec::with_capacity(r.len());
                for e in r {
                    vals.push(eval(e, &[], ctx)?);
                }
                out.push(vals);
            }
            Ok(out)
        }
        Plan::Filter { input, predicate } => {
            let rows = run(input, ctx)?;
            let mut out = Vec::new();
            for r in rows {
                ctx.tick()?;
                if holds(predicate, &r, ctx)? {
                    out.push(r);
                }
            }
            Ok(out)
        }
        Plan::Project { input, exprs } => {
            let rows = run(input, ctx)?;
            let mut out = Vec::with_capacity(rows.len());
            for r in rows {
                ctx.tick()?;
                let mut vals = Vec::with_capacity(exprs.len());
                for e in exprs {
                    vals.push(eval(e, &r, ctx)?);
                }
                out.push(vals);
            }
            Ok(out)
        }
        Plan::NestedLoopJoin {
            left,
            right,
            kind,
            on,
        } => {
            let l = run(left, ctx)?;
            let r = run(right, ctx)?;
            let (lw, rw) = (width_of(left, &l), width_of(right, &r));
            let pairs: Vec<(usize, Vec<usize>)> =
                (0..l.len()).map(|i| (i, (0..r.len()).collect())).collect();
            join_rows(ctx, &l, &r, lw, rw, *kind, on.as_ref(), pairs)
        }
        Plan::HashJoin {
            left,
            right,
            kind,
            left_keys,
            right_keys,
            on,
        } => {
            let l = run(left, ctx)?;
            let r = run(right, ctx)?;
            let (lw, rw) = (width_of(left, &l), width_of(right, &r));
            let mut table: HashMap<Vec<u8>, Vec<usize>> = HashMap::new();
            for (j, row) in r.iter().enumerate() {
                ctx.tick()?;
                if let Some(k) = join_key(right_keys, row, ctx)? {
                    table.entry(k).or_default().push(j);
                }
            }
            let mut pairs = Vec::with_capacity(l.len());
            for (i, row) in l.iter().enumerate() {
                ctx.tick()?;
                let matches = match join_key(left_keys, row, ctx)? {
                    Some(k) => table.get(&k).cloned().unwrap_or_default(),
                    None => Vec::new(),
                };
                pairs.push((i, matches));
            }
            join_rows(ctx, &l, &r, lw, rw, *kind, on.as_ref(), pairs)
        }
        Plan::Aggregate { input, group, aggs } => {
            let rows = run(input, ctx)?;
            aggregate::aggregate(ctx, rows, group, aggs)
        }
        Plan::Sort { input, keys } => {
            let rows = run(input, ctx)?;
            sort_rows(ctx, rows, keys)
        }
        Plan::Limit {
            input,
            limit,
            offset,
        } => {
            let rows = run(input, ctx)?;
            let count = |e: &Option<Expr>, ctx: &mut ExecCtx, what: (&str, &'static str)| match e {
                None => Ok(None),
                Some(e) => match eval(e, &[], ctx)? {
                    Value::Null => Ok(None),
                    Value::Int8(n) if n < 0 => Err(SqlError::new(
                        what.1,
                        format!("{} must not be negative", what.0),
                    )),
                    Value::Int8(n) => Ok(Some(n as usize)),
                    _ => Ok(None),
                },
            };
            let offset = count(offset, ctx, ("OFFSET", "2201X"))?.unwrap_or(0);
            let limit = count(limit, ctx, ("LIMIT", "2201W"))?;
            Ok(rows
                .into_iter()
                .skip(offset)
                .take(limit.unwrap_or(usize::MAX))
                .collect())
        }
        Plan::Distinct { input } => {
            let rows = run(input, ctx)?;
            let mut seen = HashSet::with_capacity(rows.len());
            Ok(rows
                .into_iter()
                .filter(|r| seen.insert(row_key(r)))
                .collect())
        }
        Plan::SetOp {
            op,
            all,
            left,
            right,
        } => {
            let l = run(left, ctx)?;
            let r = run(right, ctx)?;
            Ok(set_op(*op, *all, l, r))
        }
    }
}

fn width_of(plan: &Plan, rows: &[Row]) -> usize {
    if let Some(r) = rows.first() {
        return r.len();
    }
    match plan {
        Plan::Scan { table, .. } => table.columns.len(),
        Plan::Values { width, .. } => *width,
        Plan::Project { exprs, .. } => exprs.len(),
        Plan::Aggregate { group, aggs, .. } => group.len() + aggs.len(),
        Plan::NestedLoopJoin { left, right, .. } | Plan::HashJoin { left, right, .. } => {
            width_of(left, &[]) + width_of(right, &[])
        }
        Plan::SetOp { left, .. } => width_of(left, &[]),
        Plan::Filter { input, .. }
        | Plan::Sort { input, .. }
        | Plan::Limit { input, .. }
        | Plan::Distinct { input } => width_of(input, &[]),
    }
}

/// The hash key of a row (NULLs equal), for DISTINCT and set operations.
pub fn row_key(r: &[Value]) -> Vec<u8> {
    let mut k = Vec::with_capacity(r.len() * 8);
    for v in r {
        hash_key(v, &mut k);
    }
    k
}

fn join_key(keys: &[Expr], row: &[Value], ctx: &mut ExecCtx) -> Result<Option<Vec<u8>>, SqlError> {
    let mut k = Vec::new();
    for e in keys {
        let v = eval(e, row, ctx)?;
        if v.is_null() {
            return Ok(None);
        }
        hash_key(&v, &mut k);
    }
    Ok(Some(k))
}

#[allow(clippy::too_many_arguments)]
fn join_rows(
    ctx: &mut ExecCtx,
    l: &[Row],
    r: &[Row],
    lw: usize,
    rw: usize,
    kind: JoinKind,
    on: Option<&Expr>,
    pairs: Vec<(usize, Vec<usize>)>,
) -> Result<Vec<Row>, SqlError> {
    let mut out = Vec::new();
    let mut right_matched = vec![false; r.len()];
    let mut joined = Vec::with_capacity(lw + rw);
    for (i, candidates) in pairs {
        let mut matched = false;
        for j in candidates {
            ctx.tick()?;
            joined.clear();
            joined.extend_from_slice(&l[i]);
            joined.extend_from_slice(&r[j]);
            let ok = match on {
                Some(c) => holds(c, &joined, ctx)?,
                None => true,
            };
            if ok {
                matched = true;
                right_matched[j] = true;
                out.push(joined.clone());
                if out.len() % 4096 == 0 {
                    ctx.charge(4096, lw + rw)?;
                }
            }
        }
        if !matched && matches!(kind, JoinKind::Left | JoinKind::Full) {
            let mut row = l[i].clone();
            row.resize(lw + rw, Value::Null);
            out.push(row);
        }
    }
    if matches!(kind, JoinKind::Right | JoinKind::Full) {
        for (j, m) in right_matched.iter().enumerate() {
            if !m {
                let mut row = vec![Value::Null; lw];
                row.extend_from_slice(&r[j]);
                out.push(row);
            }
        }
    }
    Ok(out)
}

/// Sorts rows by keys (stable; NULLs placed per key).
pub fn sort_rows(
    ctx: &mut ExecCtx,
    rows: Vec<Row>,
    keys: &[SortKey],
) -> Result<Vec<Row>, SqlError> {
    let mut keyed = Vec::with_capacity(rows.len());
    for r in rows {
        ctx.tick()?;
        let mut k = Vec::with_capacity(keys.len());
        for key in keys {
            k.push(eval(&key.expr, &r, ctx)?);
        }
        keyed.push((k, r));
    }
    let mut failure = None;
    keyed.sort_by(|(a, _), (b, _)| compare_keys(a, b, keys, &mut failure));
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(keyed.into_iter().map(|(_, r)| r).collect())
}

/// Orders two rows of sort-key values (NULLs placed per key); a comparison error is kept in
/// `failure` (sort comparators cannot fail).
pub fn compare_keys(
    a: &[Value],
    b: &[Value],
    keys: &[SortKey],
    failure: &mut Option<SqlError>,
) -> Ordering {
    for (i, key) in keys.iter().enumerate() {
        let ord = match (a[i].is_null(), b[i].is_null()) {
            (true, true) => Ordering::Equal,
            (true, false) if key.nulls_first => Ordering::Less,
            (true, false) => Ordering::Greater,
            (false, true) if key.nulls_first => Ordering::Greater,
            (false, true) => Ordering::Less,
            _ => {
                let o = match compare(&a[i], &b[i]) {
                    Ok(o) => o.unwrap_or(Ordering::Equal),
                    Err(e) => {
                        failure.get_or_insert(e);
                        Ordering::Equal
                    }
                };
                if key.desc { o.reverse() } else { o }
            }
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

fn set_op(op: SetOpKind, all: bool, l: Vec<Row>, r: Vec<Row>) -> Vec<Row> {
    match (op, all) {
        (SetOpKind::Union, true) => {
            let mut out = l;
            out.extend(r);
            out
        }
        (SetOpKind::Union, false) => {
            let mut seen = HashSet::new();
            l.into_iter()
                .chain(r)
                .filter(|row| seen.insert(row_key(row)))
                .collect()
        }
        (SetOpKind::Intersect | SetOpKind::Except, _) => {
            let mut counts: HashMap<Vec<u8>, usize> = HashMap::new();
            for row in &r {
                *counts.entry(row_key(row)).or_default() += 1;
            }
            let mut seen = HashSet::new();
            let mut out = Vec::new();
            for row in l {
                let k = row_key(&row);
                let in_right = counts.get_mut(&k);
                let keep = match (op, all) {
                    (SetOpKind::Intersect, true) => match in_right {
                        Some(c) if *c > 0 => {
                            *c -= 1;
                            true
                        }
                        _ => false,
                    },
                    (SetOpKind::Intersect, false) => in_right.is_some() && seen.insert(k),
                    (_, true) => match in_right {
                        Some(c) if *c > 0 => {
                            *c -= 1;
                            false
                        }
                        _ => true,
                    },
                    (_, false) => in_right.is_none() && seen.insert(k),
                };
                if keep {
                    out.push(row);
                }
            }
            out
        }
    }
}

/// A row found by a scan, with its table key and stored bytes.
pub struct ScannedRow {
    pub key: Vec<u8>,
    pub raw: Vec<u8>,
    pub row: Row,
}

/// The column types used to decode a table's rows.
pub fn column_types(table: &TableDef) -> Vec<DataType> {
    table.columns.iter().map(|c| c.ty).collect()
}

/// Decodes a stored row, with dropped columns as NULL.
pub fn decode_table_row(table: &TableDef, types: &[DataType], raw: &[u8]) -> Result<Row, SqlError> {
    let mut row = decode_row(raw, types)?;
    for (i, c) in table.columns.iter().enumerate() {
        if c.dropped {
            row[i] = Value::Null;
        }
    }
    Ok(row)
}

/// Which comparison family a type's keys are encoded in: a lookup value of another family
/// cannot be encoded as this column's key, and the scan falls back to reading everything.
fn key_family(ty: &DataType) -> u8 {
    match ty {
        DataType::Int2 | DataType::Int4 | DataType::Int8 => 0,
        DataType::Float4 | DataType::Float8 => 1,
        DataType::Numeric { .. } => 2,
        DataType::Text | DataType::Varchar(_) | DataType::Char(_) | DataType::Unknown => 3,
        DataType::Bool => 4,
        DataType::Bytea => 5,
        DataType::Date => 6,
        DataType::Time => 7,
        DataType::Timestamp => 8,
        DataType::Timestamptz => 9,
        DataType::Interval => 10,
    }
}

enum KeyPart {
    Bytes(Vec<u8>),
    /// No row can match (a NULL lookup value).
    Empty,
    /// The value cannot be encoded for this column.
    Unusable,
}

fn encode_part(v: &Value, ty: &DataType, desc: bool, exact: bool) -> KeyPart {
    if v.is_null() {
        return KeyPart::Empty;
    }
    if key_family(&v.data_type()) != key_family(ty) {
        return KeyPart::Unusable;
    }
    let mut out = Vec::new();
    if !exact && let Value::Numeric(n) = v {
        // Range bounds on numeric use only the float part, inclusively (see `sql::row`).
        crate::storage::keycode::encode_value(
            &mut out,
            &crate::storage::keycode::KeyValue::Float(n.to_f64()),
            crate::storage::keycode::SortOrder::Asc,
        );
        return KeyPart::Bytes(out);
    }
    push_key(&mut out, v, desc);
    KeyPart::Bytes(out)
}

/// A byte range of keys.
type ByteRange = (Bound<Vec<u8>>, Bound<Vec<u8>>);
/// The index (None: the table itself) and key ranges a scan reads.
type KeyRanges = (Option<IndexDef>, Vec<ByteRange>);

/// Key byte ranges an access path reads, or None when it must fall back to a full scan.
fn key_ranges(
    ctx: &mut ExecCtx,
    table: &TableDef,
    access: &Access,
) -> Result<Option<KeyRanges>, SqlError> {
    let key_cols = |index: &Option<IndexDef>| -> (Vec<usize>, Vec<bool>) {
        match index {
            Some(ix) => (ix.columns.clone(), ix.desc.clone()),
            None => (
                table.primary_key.clone(),
                vec![false; table.primary_key.len()],
            ),
        }
    };
    match access {
        Access::Full { .. } => Ok(None),
        Access::Key {
            index,
            prefix,
            range,
            ..
        } => {
            let (cols, desc) = key_cols(index);
            let mut pre = Vec::new();
            for (i, e) in prefix.iter().enumerate() {
                let v = eval(e, &[], ctx)?;
                match encode_part(&v, &table.columns[cols[i]].ty, desc[i], true) {
                    KeyPart::Bytes(b) => pre.extend(b),
                    KeyPart::Empty => return Ok(Some((index.clone(), vec![]))),
                    KeyPart::Unusable => return Ok(None),
                }
            }
            let next = prefix.len();
            let mut lo = Bound::Included(pre.clone());
            let mut hi = match prefix_end(&pre) {
                Some(e) if !pre.is_empty() => Bound::Excluded(e),
                _ => Bound::Unbounded,
            };
            if let (Some((e, inc)), true) = (&range.0, next < cols.len()) {
                let v = eval(e, &[], ctx)?;
                let ty = table.columns[cols[next]].ty;
                match encode_part(&v, &ty, false, !matches!(ty, DataType::Numeric { .. })) {
                    KeyPart::Bytes(b) => {
                        let mut k = pre.clone();
                        k.extend(b);
                        let exact = !matches!(ty, DataType::Numeric { .. });
                        lo = if *inc || !exact {
                            Bound::Included(k)
                        } else {
                            match prefix_end(&k) {
                                Some(e) => Bound::Included(e),
                                None => return Ok(Some((index.clone(), vec![]))),
                            }
                        };
                    }
                    KeyPart::Empty => return Ok(Some((index.clone(), vec![]))),
                    KeyPart::Unusable => return Ok(None),
                }
            }
            if let (Some((e, inc)), true) = (&range.1, next < cols.len()) {
                let v = eval(e, &[], ctx)?;
                let ty = table.columns[cols[next]].ty;
                let exact = !matches!(ty, DataType::Numeric { .. });
                match encode_part(&v, &ty, false, exact) {
                    KeyPart::Bytes(b) => {
                        let mut k = pre.clone();
                        k.extend(b);
                        hi = if *inc || !exact {
                            match prefix_end(&k) {
                                Some(e) => Bound::Excluded(e),
                                None => Bound::Unbounded,
                            }
                        } else {
                            Bound::Excluded(k)
                        };
                    }
                    KeyPart::Empty => return Ok(Some((index.clone(), vec![]))),
                    KeyPart::Unusable => return Ok(None),
                }
            }
            Ok(Some((index.clone(), vec![(lo, hi)])))
        }
        Access::KeyIn { index, values } => {
            let (cols, desc) = key_cols(index);
            let mut ranges = Vec::new();
            let mut seen = HashSet::new();
            for e in values {
                let v = eval(e, &[], ctx)?;
                match encode_part(&v, &table.columns[cols[0]].ty, desc[0], true) {
                    KeyPart::Bytes(b) => {
                        if !seen.insert(b.clone()) {
                            continue;
                        }
                        let hi = match prefix_end(&b) {
                            Some(e) => Bound::Excluded(e),
                            None => Bound::Unbounded,
                        };
                        ranges.push((Bound::Included(b), hi));
                    }
                    KeyPart::Empty => {}
                    KeyPart::Unusable => return Ok(None),
                }
            }
            Ok(Some((index.clone(), ranges)))
        }
    }
}

fn as_ref_bound(b: &Bound<Vec<u8>>) -> Bound<&[u8]> {
    match b {
        Bound::Included(k) => Bound::Included(k.as_slice()),
        Bound::Excluded(k) => Bound::Excluded(k.as_slice()),
        Bound::Unbounded => Bound::Unbounded,
    }
}

/// The rows of `table` that `access` finds and `filter` keeps, with their keys.
pub fn scan_with_keys(
    ctx: &mut ExecCtx,
    table: &TableDef,
    access: &Access,
    filter: Option<&Expr>,
) -> Result<Vec<ScannedRow>, SqlError> {
    let types = column_types(table);
    let storage = table.storage();
    let mut out = Vec::new();
    let keep = |ctx: &mut ExecCtx,
                key: Vec<u8>,
                raw: Vec<u8>,
                out: &mut Vec<ScannedRow>|
     -> Result<(), SqlError> {
        ctx.tick()?;
        let row = decode_table_row(table, &types, &raw)?;
        let ok = match filter {
            Some(f) => holds(f, &row, ctx)?,
            None => true,
        };
        if ok {
            out.push(ScannedRow { key, raw, row });
        }
        Ok(())
    };
    match key_ranges(ctx, table, access)? {
        None => {
            // Also the fallback of a primary-key access, which keeps its order.
            let reverse = matches!(
                access,
                Access::Full { reverse: true }
                    | Access::Key {
                        index: None,
                        reverse: true,
                        ..
                    }
            );
            let mut scan = ctx
                .txn
                .scan(&storage, Bound::Unbounded, Bound::Unbounded, reverse)?;
            while let Some((k, v)) = scan.next_row()? {
                keep(ctx, k, v, &mut out)?;
            }
        }
        Some((None, ranges)) => {
            let reverse = matches!(access, Access::Key { reverse: true, .. });
            for (lo, hi) in ranges {
                let mut scan =
                    ctx.txn
                        .scan(&storage, as_ref_bound(&lo), as_ref_bound(&hi), reverse)?;
                while let Some((k, v)) = scan.next_row()? {
                    keep(ctx, k, v, &mut out)?;
                }
            }
        }
        Some((Some(ix), ranges)) => {
            let ix_storage = ix.storage();
            let reverse = matches!(access, Access::Key { reverse: true, .. });
            for (lo, hi) in ranges {
                let mut scan =
                    ctx.txn
                        .scan(&ix_storage, as_ref_bound(&lo), as_ref_bound(&hi), reverse)?;
                while let Some((_, table_key)) = scan.next_row()? {
                    if let Some(raw) = ctx.txn.get(&storage, &table_key)? {
                        keep(ctx, table_key, raw, &mut out)?;
                    }
                }
            }
        }
    }
    Ok(out)
}
