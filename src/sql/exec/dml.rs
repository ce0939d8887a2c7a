//! INSERT, UPDATE and DELETE: binding and execution, with constraints and index upkeep.
//!
//! - **Keys.** A row's table key is its primary key (order-preserving encoding), or a hidden
//!   row id (inserting transaction's id, process-wide counter) for tables without one.
//! - **Uniqueness.** Each unique constraint owns a key slot: the table key for the primary
//!   key; for a unique index, the entry key made of the indexed values alone (when none is
//!   NULL: NULLs never conflict, so such entries get the table key appended). A writer locks
//!   the slot before looking at it, so two transactions inserting one value serialise on the
//!   lock; the second then sees the first's committed entry: 23505 under read committed,
//!   40001 under snapshot isolation (first-updater-wins on the slot).
//! - **Read committed re-check.** UPDATE and DELETE find rows through the snapshot, then lock
//!   each. If the locked row's newest committed version differs from the one read, the
//!   WHERE clause is re-evaluated on the newest version and the row skipped if it no longer
//!   matches (PostgreSQL's EvalPlanQual). Under snapshot isolation the lock itself fails with
//!   40001 when the row changed after the snapshot.
//! - **Errors** have PostgreSQL's shape: `duplicate key value violates unique constraint
//!   "t_pkey"` with `Key (id)=(1) already exists.`, not-null (23502) and check (23514)
//!   violations with `Failing row contains (...)`.

use super::eval::{eval, holds};
use super::{ExecCtx, ScannedRow, column_types, decode_table_row, scan_with_keys};
use crate::catalog::{self, IndexDef, TableDef};
use crate::sql::SqlError;
use crate::sql::binder::Binder;
use crate::sql::binder::naming::{column_name, ident, object_name};
use crate::sql::binder::scope::{Scope, ScopeColumn};
use crate::sql::optimizer::push_filter;
use crate::sql::plan::{Access, Expr, Plan, Row};
use crate::sql::result::Column;
use crate::sql::row::{encode_row, push_key};
use crate::sql::types::{DataType, Value};
use sqlparser::ast;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

static ROW_IDS: AtomicU64 = AtomicU64::new(0);

/// What ON CONFLICT does.
pub enum ConflictAction {
    Nothing,
    Update {
        /// (column, expression over existing row ++ proposed row).
        sets: Vec<(usize, Expr)>,
        filter: Option<Expr>,
    },
}

/// ON CONFLICT with its optional target (None: any constraint; Some(None): the primary key;
/// Some(Some(i)): unique index i).
pub struct OnConflict {
    pub target: Option<Option<usize>>,
    pub action: ConflictAction,
}

/// RETURNING: expressions over the written row, and their columns.
pub type Returning = Option<(Vec<Expr>, Vec<Column>)>;

pub struct BoundInsert {
    pub table: Arc<TableDef>,
    /// Produces full physical rows of the table.
    pub source: Plan,
    pub checks: Vec<(String, Expr)>,
    pub on_conflict: Option<OnConflict>,
    pub returning: Returning,
}

pub struct BoundUpdate {
    pub table: Arc<TableDef>,
    pub access: Access,
    pub filter: Option<Expr>,
    pub sets: Vec<(usize, Expr)>,
    pub checks: Vec<(String, Expr)>,
    pub returning: Returning,
}

pub struct BoundDelete {
    pub table: Arc<TableDef>,
    pub access: Access,
    pub filter: Option<Expr>,
    pub returning: Returning,
}

fn not_supported(what: &str) -> SqlError {
    SqlError::feature_not_supported(format!("{what} is not supported"))
}

/// The scope of a table's physical row under `alias`.
pub fn table_scope(table: &TableDef, alias: &str) -> Scope {
    Scope::new(
        table
            .columns
            .iter()
            .map(|c| ScopeColumn {
                table: Some(alias.to_string()),
                name: c.name.clone(),
                ty: c.ty,
                hidden: c.dropped,
                base: None,
            })
            .collect(),
    )
}

/// Binds a table's CHECK constraints over its physical row.
pub fn bind_checks(b: &mut Binder, table: &TableDef) -> Result<Vec<(String, Expr)>, SqlError> {
    let mut out = Vec::new();
    for c in &table.checks {
        let mut scope = table_scope(table, &table.name);
        let e = crate::sql::parser::parse_expr(&c.expr)?;
        out.push((c.name.clone(), b.condition(&e, &mut scope, "CHECK")?));
    }
    Ok(out)
}

/// Binds a column's DEFAULT (NULL when it has none).
pub fn bind_default(b: &mut Binder, table: &TableDef, col: usize) -> Result<Expr, SqlError> {
    let c = &table.columns[col];
    match &c.default {
        None => Ok(Expr::Const(Value::Null)),
        Some(text) => {
            let mut scope = Scope::default();
            let (x, t) = b.scalar(text, &mut scope)?;
            b.assign_to(x, t, c.ty, &c.name)
        }
    }
}

fn returning(
    b: &mut Binder,
    items: &Option<Vec<ast::SelectItem>>,
    scope: &mut Scope,
) -> Result<Returning, SqlError> {
    let Some(items) = items else {
        return Ok(None);
    };
    b.clause = "RETURNING";
    let mut exprs = Vec::new();
    let mut cols = Vec::new();
    for item in items {
        match item {
            ast::SelectItem::UnnamedExpr(e) => {
                let (x, t) = b.expr(e, scope)?;
                exprs.push(x);
                cols.push(Column {
                    name: column_name(e),
                    ty: if t == DataType::Unknown {
                        DataType::Text
                    } else {
                        t
                    },
                });
            }
            ast::SelectItem::ExprWithAlias { expr, alias } => {
                let (x, t) = b.expr(expr, scope)?;
                exprs.push(x);
                cols.push(Column {
                    name: ident(alias),
                    ty: if t == DataType::Unknown {
                        DataType::Text
                    } else {
                        t
                    },
                });
            }
            ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                for (i, c) in scope.columns.iter().enumerate() {
                    if !c.hidden {
                        exprs.push(Expr::Column(i));
                        cols.push(Column {
                            name: c.name.clone(),
                            ty: c.ty,
                        });
                    }
                }
            }
            _ => return Err(not_supported("this RETURNING item")),
        }
    }
    Ok(Some((exprs, cols)))
}

fn is_default_marker(e: &ast::Expr) -> bool {
    matches!(e, ast::Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("default"))
}

/// Binds an INSERT.
pub fn bind_insert(b: &mut Binder, ins: &ast::Insert) -> Result<BoundInsert, SqlError> {
    if !ins.into {
        return Err(SqlError::new(
            "42601",
            format!("syntax error at or near \"{}\"", ins.table),
        ));
    }
    if ins.or.is_some() || ins.replace_into || ins.ignore {
        // SQLite's and MySQL's conflict clauses: PostgreSQL has no such syntax.
        return Err(SqlError::new("42601", "syntax error at or near \"OR\""));
    }
    let ast::TableObject::TableName(name) = &ins.table else {
        return Err(not_supported("INSERT into a table function"));
    };
    let name = object_name(name);
    let table = catalog::table(b.txn, &name)?;
    let alias = ins
        .table_alias
        .as_ref()
        .map(|a| ident(&a.alias))
        .unwrap_or_else(|| name.clone());
    let targets: Vec<usize> = if ins.columns.is_empty() {
        table.live_columns().map(|(i, _)| i).collect()
    } else {
        let mut t = Vec::new();
        for c in &ins.columns {
            let cname = object_name(c);
            let pos = table.column(&cname).ok_or_else(|| {
                SqlError::new(
                    "42703",
                    format!("column \"{cname}\" of relation \"{name}\" does not exist"),
                )
            })?;
            if t.contains(&pos) {
                return Err(SqlError::new(
                    "42701",
                    format!("column \"{cname}\" specified more than once"),
                ));
            }
            t.push(pos);
        }
        t
    };
    let width = table.columns.len();
    let mut defaults = Vec::with_capacity(width);
    for i in 0..width {
        defaults.push(if table.columns[i].dropped {
            Expr::Const(Value::Null)
        } else {
            bind_default(b, &table, i)?
        });
    }
    let too_many = || SqlError::new("42601", "INSERT has more expressions than target columns");
    let too_few = || SqlError::new("42601", "INSERT has more target columns than expressions");
    let explicit = !ins.columns.is_empty();
    b.clause = "VALUES";
    let source = match ins.source.as_deref() {
        None => Plan::Values {
            rows: vec![defaults.clone()],
            width,
        },
        Some(q) => match q.body.as_ref() {
            ast::SetExpr::Values(v) if q.order_by.is_none() && q.limit_clause.is_none() => {
                let mut rows = Vec::with_capacity(v.rows.len());
                let mut empty = Scope::default();
                let first = v.rows.first().map(|r| r.len()).unwrap_or(0);
                for r in &v.rows {
                    if r.len() != first {
                        return Err(SqlError::new(
                            "42601",
                            "VALUES lists must all be the same length",
                        ));
                    }
                    if r.len() > targets.len() {
                        return Err(too_many());
                    }
                    if explicit && r.len() < targets.len() {
                        return Err(too_few());
                    }
                    let mut row = defaults.clone();
                    for (j, e) in r.iter().enumerate() {
                        let col = targets[j];
                        if is_default_marker(e) {
                            continue;
                        }
                        let (x, t) = b.expr(e, &mut empty)?;
                        let c = &table.columns[col];
                        row[col] = b.assign_to(x, t, c.ty, &c.name)?;
                    }
                    rows.push(row);
                }
                Plan::Values { rows, width }
            }
            _ => {
                let (plan, cols) = b.query(q)?;
                if cols.len() > targets.len() {
                    return Err(too_many());
                }
                if explicit && cols.len() < targets.len() {
                    return Err(too_few());
                }
                let mut exprs = defaults.clone();
                for (j, c) in cols.iter().enumerate() {
                    let col = targets[j];
                    let tc = &table.columns[col];
                    exprs[col] = b.assign_to(Expr::Column(j), c.ty, tc.ty, &tc.name)?;
                }
                Plan::Project {
                    input: Box::new(plan),
                    exprs,
                }
            }
        },
    };
    let checks = bind_checks(b, &table)?;
    let on_conflict = match &ins.on {
        None => None,
        Some(ast::OnInsert::OnConflict(oc)) => {
            let target = match &oc.conflict_target {
                None => None,
                Some(ast::ConflictTarget::Columns { columns, .. }) => {
                    let mut cols = Vec::new();
                    for c in columns {
                        let cname = ident(c);
                        cols.push(table.column(&cname).ok_or_else(|| {
                            SqlError::new("42703", format!("column \"{cname}\" does not exist"))
                        })?);
                    }
                    let mut sorted = cols.clone();
                    sorted.sort_unstable();
                    let same = |k: &[usize]| {
                        let mut s = k.to_vec();
                        s.sort_unstable();
                        s == sorted
                    };
                    if same(&table.primary_key) {
                        Some(None)
                    } else if let Some(i) = table
                        .indexes
                        .iter()
                        .position(|ix| ix.unique && same(&ix.columns))
                    {
                        Some(Some(i))
                    } else {
                        return Err(SqlError::new(
                            "42P10",
                            "there is no unique or exclusion constraint matching the ON CONFLICT specification",
                        ));
                    }
                }
                Some(ast::ConflictTarget::OnConstraint(n)) => {
                    let cname = object_name(n);
                    if cname == table.pk_name {
                        Some(None)
                    } else if let Some(i) = table.indexes.iter().position(|ix| ix.name == cname) {
                        Some(Some(i))
                    } else {
                        return Err(SqlError::new(
                            "42704",
                            format!("constraint \"{cname}\" for table \"{name}\" does not exist"),
                        ));
                    }
                }
            };
            let action = match &oc.action {
                ast::OnConflictAction::DoNothing => ConflictAction::Nothing,
                ast::OnConflictAction::DoUpdate(du) => {
                    if target.is_none() {
                        return Err(SqlError::new(
                            "42601",
                            "ON CONFLICT DO UPDATE requires inference specification or constraint name",
                        ));
                    }
                    let mut scope = table_scope(&table, &alias);
                    let excluded = table_scope(&table, "excluded");
                    for c in excluded.columns.into_iter() {
                        scope.columns.push(ScopeColumn { hidden: true, ..c });
                    }
                    // `excluded.x` must resolve even though hidden from unqualified lookup.
                    let sets = bind_assignments(b, &du.assignments, &table, &mut scope)?;
                    let filter = match &du.selection {
                        Some(w) => Some(b.qual(w, &mut scope, "WHERE")?),
                        None => None,
                    };
                    ConflictAction::Update { sets, filter }
                }
            };
            Some(OnConflict { target, action })
        }
        Some(_) => return Err(not_supported("ON DUPLICATE KEY")),
    };
    let mut scope = table_scope(&table, &alias);
    let returning = returning(b, &ins.returning, &mut scope)?;
    Ok(BoundInsert {
        table: Arc::new(table),
        source,
        checks,
        on_conflict,
        returning,
    })
}

fn bind_assignments(
    b: &mut Binder,
    assignments: &[ast::Assignment],
    table: &TableDef,
    scope: &mut Scope,
) -> Result<Vec<(usize, Expr)>, SqlError> {
    let mut sets = Vec::new();
    for a in assignments {
        let ast::AssignmentTarget::ColumnName(cn) = &a.target else {
            return Err(not_supported("tuple assignment"));
        };
        let cname = object_name(cn);
        let col = table.column(&cname).ok_or_else(|| {
            SqlError::new(
                "42703",
                format!(
                    "column \"{cname}\" of relation \"{}\" does not exist",
                    table.name
                ),
            )
        })?;
        if sets.iter().any(|(c, _)| *c == col) {
            return Err(SqlError::new(
                "42601",
                format!("multiple assignments to same column \"{cname}\""),
            ));
        }
        let c = &table.columns[col];
        let x = if is_default_marker(&a.value) {
            bind_default(b, table, col)?
        } else {
            let (x, t) = b.expr(&a.value, scope)?;
            b.assign_to(x, t, c.ty, &c.name)?
        };
        sets.push((col, x));
    }
    Ok(sets)
}

fn single_table(twj: &ast::TableWithJoins) -> Result<(String, String), SqlError> {
    if !twj.joins.is_empty() {
        return Err(not_supported("joins in UPDATE/DELETE"));
    }
    match &twj.relation {
        ast::TableFactor::Table { name, alias, .. } => {
            let n = object_name(name);
            let a = alias
                .as_ref()
                .map(|a| ident(&a.name))
                .unwrap_or_else(|| n.clone());
            Ok((n, a))
        }
        _ => Err(not_supported("this UPDATE/DELETE target")),
    }
}

fn bind_where(
    b: &mut Binder,
    table: &TableDef,
    alias: &str,
    selection: &Option<ast::Expr>,
    scope: &mut Scope,
) -> Result<(Access, Option<Expr>), SqlError> {
    let mut preds = Vec::new();
    if let Some(w) = selection {
        b.qual(w, scope, "WHERE")?.conjuncts(&mut preds);
    }
    let plan = push_filter(
        Plan::Scan {
            table: Arc::new(table.clone()),
            alias: alias.to_string(),
            access: Access::Full { reverse: false },
            filter: None,
        },
        preds,
    );
    match plan {
        Plan::Scan { access, filter, .. } => Ok((access, filter)),
        _ => Ok((Access::Full { reverse: false }, None)),
    }
}

/// Binds an UPDATE.
pub fn bind_update(b: &mut Binder, up: &ast::Update) -> Result<BoundUpdate, SqlError> {
    if up.from.is_some() {
        return Err(not_supported("UPDATE ... FROM"));
    }
    let (name, alias) = single_table(&up.table)?;
    let table = catalog::table(b.txn, &name)?;
    let mut scope = table_scope(&table, &alias);
    let sets = bind_assignments(b, &up.assignments, &table, &mut scope)?;
    let (access, filter) = bind_where(b, &table, &alias, &up.selection, &mut scope)?;
    let checks = bind_checks(b, &table)?;
    let returning = returning(b, &up.returning, &mut scope)?;
    Ok(BoundUpdate {
        table: Arc::new(table),
        access,
        filter,
        sets,
        checks,
        returning,
    })
}

/// Binds a DELETE.
pub fn bind_delete(b: &mut Binder, del: &ast::Delete) -> Result<BoundDelete, SqlError> {
    if del.using.is_some() || !del.tables.is_empty() {
        return Err(not_supported("DELETE ... USING"));
    }
    let from = match &del.from {
        ast::FromTable::WithFromKeyword(f) | ast::FromTable::WithoutKeyword(f) => f,
    };
    let [twj] = from.as_slice() else {
        return Err(not_supported("DELETE from several tables"));
    };
    let (name, alias) = single_table(twj)?;
    let table = catalog::table(b.txn, &name)?;
    let mut scope = table_scope(&table, &alias);
    let (access, filter) = bind_where(b, &table, &alias, &del.selection, &mut scope)?;
    let returning = returning(b, &del.returning, &mut scope)?;
    Ok(BoundDelete {
        table: Arc::new(table),
        access,
        filter,
        returning,
    })
}

/// The table key of a row.
pub fn table_key(ctx: &ExecCtx, table: &TableDef, row: &Row) -> Vec<u8> {
    let mut k = Vec::new();
    if table.primary_key.is_empty() {
        let id = ROW_IDS.fetch_add(1, Ordering::Relaxed);
        push_key(&mut k, &Value::Int8(ctx.txn.id() as i64), false);
        push_key(&mut k, &Value::Int8(id as i64), false);
    } else {
        for &c in &table.primary_key {
            push_key(&mut k, &row[c], false);
        }
    }
    k
}

/// An index entry: its key and whether that key is the unique slot.
pub fn index_entry(ix: &IndexDef, row: &Row, table_key: &[u8]) -> (Vec<u8>, bool) {
    let mut k = Vec::new();
    for (&c, &d) in ix.columns.iter().zip(&ix.desc) {
        push_key(&mut k, &row[c], d);
    }
    let slot = ix.unique && ix.columns.iter().all(|&c| !row[c].is_null());
    if !slot {
        k.extend_from_slice(table_key);
    }
    (k, slot)
}

fn row_text(row: &Row, table: &TableDef) -> String {
    let vals: Vec<String> = row
        .iter()
        .zip(&table.columns)
        .filter(|(_, c)| !c.dropped)
        .map(|(v, _)| v.to_text().unwrap_or_else(|| "null".into()))
        .collect();
    vals.join(", ")
}

fn key_text(cols: &[usize], row: &Row, table: &TableDef) -> String {
    let names: Vec<&str> = cols
        .iter()
        .map(|&c| table.columns[c].name.as_str())
        .collect();
    let vals: Vec<String> = cols
        .iter()
        .map(|&c| row[c].to_text().unwrap_or_else(|| "null".into()))
        .collect();
    format!(
        "Key ({})=({}) already exists.",
        names.join(", "),
        vals.join(", ")
    )
}

fn check_row(
    ctx: &mut ExecCtx,
    table: &TableDef,
    row: &Row,
    checks: &[(String, Expr)],
) -> Result<(), SqlError> {
    for (i, c) in table.columns.iter().enumerate() {
        if !c.dropped && (c.not_null || table.primary_key.contains(&i)) && row[i].is_null() {
            return Err(SqlError::new(
                "23502",
                format!(
                    "null value in column \"{}\" of relation \"{}\" violates not-null constraint",
                    c.name, table.name
                ),
            )
            .with_detail(format!("Failing row contains ({}).", row_text(row, table))));
        }
    }
    for (name, e) in checks {
        if eval(e, row, ctx)? == Value::Bool(false) {
            return Err(SqlError::new(
                "23514",
                format!(
                    "new row for relation \"{}\" violates check constraint \"{name}\"",
                    table.name
                ),
            )
            .with_detail(format!("Failing row contains ({}).", row_text(row, table))));
        }
    }
    Ok(())
}

/// A unique constraint a row would violate: (constraint index: None = primary key, existing
/// row's table key).
type Conflict = (Option<usize>, Vec<u8>);

fn find_conflict(
    ctx: &mut ExecCtx,
    table: &TableDef,
    row: &Row,
    key: &[u8],
    skip_pk: bool,
    own_key: Option<&[u8]>,
) -> Result<Option<Conflict>, SqlError> {
    if !table.primary_key.is_empty()
        && !skip_pk
        && ctx
            .txn
            .lock_row_for_insert(&table.storage(), key)?
            .is_some()
    {
        return Ok(Some((None, key.to_vec())));
    }
    for (i, ix) in table.indexes.iter().enumerate() {
        let (entry, slot) = index_entry(ix, row, key);
        if slot
            && let Some(other) = ctx.txn.lock_row_for_insert(&ix.storage(), &entry)?
            && Some(other.as_slice()) != own_key
        {
            return Ok(Some((Some(i), other)));
        }
    }
    Ok(None)
}

fn conflict_error(table: &TableDef, row: &Row, c: &Conflict) -> SqlError {
    let (name, cols) = match c.0 {
        None => (table.pk_name.clone(), table.primary_key.clone()),
        Some(i) => (
            table.indexes[i].name.clone(),
            table.indexes[i].columns.clone(),
        ),
    };
    SqlError::new(
        "23505",
        format!("duplicate key value violates unique constraint \"{name}\""),
    )
    .with_detail(key_text(&cols, row, table))
}

fn put_row(ctx: &mut ExecCtx, table: &TableDef, key: &[u8], row: &Row) -> Result<(), SqlError> {
    ctx.txn.put(&table.storage(), key, &encode_row(row))?;
    Ok(())
}

/// Runs an INSERT; returns the row count and RETURNING rows.
pub fn insert(ctx: &mut ExecCtx, ins: &BoundInsert) -> Result<(u64, Vec<Row>), SqlError> {
    let table = &ins.table;
    let rows = super::run(&ins.source, ctx)?;
    let mut count = 0;
    let mut out = Vec::new();
    // Table keys this statement wrote: DO UPDATE may not touch one twice.
    let mut touched: std::collections::HashSet<Vec<u8>> = std::collections::HashSet::new();
    for row in rows {
        ctx.tick()?;
        check_row(ctx, table, &row, &ins.checks)?;
        let key = table_key(ctx, table, &row);
        if let Some(conflict) = find_conflict(ctx, table, &row, &key, false, None)? {
            let Some(oc) = &ins.on_conflict else {
                return Err(conflict_error(table, &row, &conflict));
            };
            if let Some(target) = oc.target
                && target != conflict.0
            {
                return Err(conflict_error(table, &row, &conflict));
            }
            match &oc.action {
                ConflictAction::Nothing => continue,
                ConflictAction::Update { sets, filter } => {
                    let existing_key = conflict.1;
                    if touched.contains(&existing_key) {
                        return Err(SqlError::new(
                            "21000",
                            "ON CONFLICT DO UPDATE command cannot affect row a second time",
                        )
                        .with_hint(
                            "Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
                        ));
                    }
                    let Some(raw) = ctx.txn.lock_row(&table.storage(), &existing_key)? else {
                        continue;
                    };
                    let types = column_types(table);
                    let old = decode_table_row(table, &types, &raw)?;
                    let mut both = old.clone();
                    both.extend(row.iter().cloned());
                    if let Some(f) = filter
                        && !holds(f, &both, ctx)?
                    {
                        continue;
                    }
                    let mut new = old.clone();
                    for (c, e) in sets {
                        new[*c] = eval(e, &both, ctx)?;
                    }
                    let new_key =
                        write_update(ctx, table, &existing_key, &old, new.clone(), &ins.checks)?;
                    touched.insert(new_key);
                    count += 1;
                    if let Some((exprs, _)) = &ins.returning {
                        out.push(project(ctx, exprs, &new)?);
                    }
                    continue;
                }
            }
        }
        put_row(ctx, table, &key, &row)?;
        for ix in &table.indexes {
            let (entry, _) = index_entry(ix, &row, &key);
            ctx.txn.put(&ix.storage(), &entry, &key)?;
        }
        if ins.on_conflict.is_some() {
            touched.insert(key);
        }
        count += 1;
        if let Some((exprs, _)) = &ins.returning {
            out.push(project(ctx, exprs, &row)?);
        }
    }
    Ok((count, out))
}

fn project(ctx: &mut ExecCtx, exprs: &[Expr], row: &Row) -> Result<Row, SqlError> {
    let mut out = Vec::with_capacity(exprs.len());
    for e in exprs {
        out.push(eval(e, row, ctx)?);
    }
    Ok(out)
}

fn write_update(
    ctx: &mut ExecCtx,
    table: &TableDef,
    old_key: &[u8],
    old: &Row,
    new: Row,
    checks: &[(String, Expr)],
) -> Result<Vec<u8>, SqlError> {
    check_row(ctx, table, &new, checks)?;
    // Equal key values encode to equal bytes, so comparing encodings tells a key change.
    let new_key = if table.primary_key.is_empty() {
        old_key.to_vec()
    } else {
        table_key(ctx, table, &new)
    };
    let key_changed = new_key != old_key;
    if key_changed && ctx.txn.lock_row(&table.storage(), &new_key)?.is_some() {
        return Err(conflict_error(table, &new, &(None, new_key)));
    }
    for ix in table.indexes.iter() {
        let (old_entry, _) = index_entry(ix, old, old_key);
        let (new_entry, slot) = index_entry(ix, &new, &new_key);
        if old_entry == new_entry && !key_changed {
            continue;
        }
        ctx.txn.delete(&ix.storage(), &old_entry)?;
        if slot
            && let Some(other) = ctx.txn.lock_row(&ix.storage(), &new_entry)?
            && other != old_key
        {
            let i = table.indexes.iter().position(|x| x.id == ix.id);
            return Err(conflict_error(table, &new, &(i, other)));
        }
        ctx.txn.put(&ix.storage(), &new_entry, &new_key)?;
    }
    if key_changed {
        ctx.txn.delete(&table.storage(), old_key)?;
    }
    put_row(ctx, table, &new_key, &new)?;
    Ok(new_key)
}

/// Locks a row found by a scan; under read committed, re-checks it against the newest
/// version. Returns the row to act on, or None to skip it.
fn lock_found(
    ctx: &mut ExecCtx,
    table: &TableDef,
    found: ScannedRow,
    filter: Option<&Expr>,
) -> Result<Option<Row>, SqlError> {
    let current = ctx.txn.lock_row(&table.storage(), &found.key)?;
    match current {
        None => Ok(None),
        Some(raw) if raw == found.raw => Ok(Some(found.row)),
        Some(raw) => {
            let types = column_types(table);
            let row = decode_table_row(table, &types, &raw)?;
            let ok = match filter {
                Some(f) => holds(f, &row, ctx)?,
                None => true,
            };
            Ok(ok.then_some(row))
        }
    }
}

/// Runs an UPDATE.
pub fn update(ctx: &mut ExecCtx, up: &BoundUpdate) -> Result<(u64, Vec<Row>), SqlError> {
    let table = &up.table;
    let found = scan_with_keys(ctx, table, &up.access, up.filter.as_ref())?;
    let mut count = 0;
    let mut out = Vec::new();
    for f in found {
        ctx.tick()?;
        let key = f.key.clone();
        let Some(old) = lock_found(ctx, table, f, up.filter.as_ref())? else {
            continue;
        };
        let mut new = old.clone();
        for (c, e) in &up.sets {
            new[*c] = eval(e, &old, ctx)?;
        }
        write_update(ctx, table, &key, &old, new.clone(), &up.checks)?;
        count += 1;
        if let Some((exprs, _)) = &up.returning {
            out.push(project(ctx, exprs, &new)?);
        }
    }
    Ok((count, out))
}

/// Runs a DELETE.
pub fn delete(ctx: &mut ExecCtx, del: &BoundDelete) -> Result<(u64, Vec<Row>), SqlError> {
    let table = &del.table;
    let found = scan_with_keys(ctx, table, &del.access, del.filter.as_ref())?;
    let mut count = 0;
    let mut out = Vec::new();
    for f in found {
        ctx.tick()?;
        let key = f.key.clone();
        let Some(old) = lock_found(ctx, table, f, del.filter.as_ref())? else {
            continue;
        };
        for ix in &table.indexes {
            let (entry, _) = index_entry(ix, &old, &key);
            ctx.txn.delete(&ix.storage(), &entry)?;
        }
        ctx.txn.delete(&table.storage(), &key)?;
        count += 1;
        if let Some((exprs, _)) = &del.returning {
            out.push(project(ctx, exprs, &old)?);
        }
    }
    Ok((count, out))
}
