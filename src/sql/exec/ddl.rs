//! DDL: CREATE/DROP TABLE, INDEX and VIEW, ALTER TABLE.
//!
//! Every change is a write to the catalog table inside the statement's transaction (see
//! `catalog`), so DDL commits, rolls back and is isolated like data. New storage for a table
//! or index is created eagerly under a fresh id; if the transaction rolls back, the orphan is
//! dropped at the next open. Index builds read the table through the transaction and report
//! duplicates as PostgreSQL does (`could not create unique index`).

use super::ExecCtx;
use super::dml::{bind_default, index_entry};
use super::eval::eval;
use crate::catalog::{self, CheckDef, ColumnDef, IndexDef, Relation, TableDef, ViewDef};
use crate::sql::SqlError;
use crate::sql::binder::Binder;
use crate::sql::binder::{
    naming::{ident, object_name},
    typing::sql_type,
};
use crate::sql::plan::Access;
use crate::sql::result::Notice;
use crate::txn::TxnManager;
use sqlparser::ast;

/// Fills a new column of every row with its default (run by the session with an executor).
pub type ColumnFill<'a> = dyn FnMut(
        &mut crate::txn::Transaction,
        &TableDef,
        usize,
        &crate::sql::plan::Expr,
    ) -> Result<(), SqlError>
    + 'a;

/// Builds a new index from the table's rows.
pub type IndexBuild<'a> =
    dyn FnMut(&mut crate::txn::Transaction, &TableDef, &IndexDef) -> Result<(), SqlError> + 'a;

/// What a DDL statement reports.
pub struct DdlOutcome {
    pub tag: &'static str,
    pub notices: Vec<Notice>,
}

fn done(tag: &'static str) -> DdlOutcome {
    DdlOutcome {
        tag,
        notices: Vec::new(),
    }
}

fn skipping(tag: &'static str, message: String) -> DdlOutcome {
    DdlOutcome {
        tag,
        notices: vec![Notice {
            severity: "NOTICE",
            code: "00000",
            message,
        }],
    }
}

fn not_supported(what: impl std::fmt::Display) -> SqlError {
    SqlError::feature_not_supported(format!("{what} is not supported"))
}

fn new_storage(mgr: &TxnManager, name: &str) -> Result<(), SqlError> {
    mgr.create_table(name)?;
    Ok(())
}

fn index_columns(
    table: &TableDef,
    cols: &[ast::IndexColumn],
    constraint: bool,
) -> Result<(Vec<usize>, Vec<bool>), SqlError> {
    let mut out = Vec::new();
    let mut desc = Vec::new();
    for c in cols {
        let name = match &c.column.expr {
            ast::Expr::Identifier(i) => ident(i),
            other => return Err(not_supported(format!("index expression {other}"))),
        };
        let pos = table.column(&name).ok_or_else(|| {
            let what = if constraint { " named in key" } else { "" };
            SqlError::new("42703", format!("column \"{name}\"{what} does not exist"))
        })?;
        out.push(pos);
        desc.push(matches!(
            c.column.options.sort,
            Some(ast::OrderBySort::Desc)
        ));
    }
    Ok((out, desc))
}

/// CREATE TABLE.
pub fn create_table(
    b: &mut Binder,
    mgr: &TxnManager,
    ct: &ast::CreateTable,
) -> Result<DdlOutcome, SqlError> {
    if ct.query.is_some() || ct.like.is_some() {
        return Err(not_supported("CREATE TABLE AS / LIKE"));
    }
    let name = object_name(&ct.name);
    if catalog::lock_name(b.txn, &name)? {
        if ct.if_not_exists {
            return Ok(skipping(
                "CREATE TABLE",
                format!("relation \"{name}\" already exists, skipping"),
            ));
        }
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let id = mgr.next_id();
    let mut table = TableDef {
        id,
        name: name.clone(),
        columns: Vec::new(),
        primary_key: Vec::new(),
        pk_name: format!("{name}_pkey"),
        indexes: Vec::new(),
        checks: Vec::new(),
    };
    let mut uniques: Vec<(Option<String>, Vec<usize>)> = Vec::new();
    let mut checks: Vec<(Option<String>, String)> = Vec::new();
    let mut pk: Option<Vec<usize>> = None;
    let set_pk = |cols: Vec<usize>, pk: &mut Option<Vec<usize>>| {
        if pk.is_some() {
            return Err(SqlError::new(
                "42P16",
                format!("multiple primary keys for table \"{name}\" are not allowed"),
            ));
        }
        *pk = Some(cols);
        Ok(())
    };
    for (i, c) in ct.columns.iter().enumerate() {
        let cname = ident(&c.name);
        if table.columns.iter().any(|x| x.name == cname) {
            return Err(SqlError::new(
                "42701",
                format!("column \"{cname}\" specified more than once"),
            ));
        }
        let ty = sql_type(&c.data_type)?;
        let mut col = ColumnDef {
            name: cname.clone(),
            ty,
            not_null: false,
            default: None,
            dropped: false,
        };
        for opt in &c.options {
            match &opt.option {
                ast::ColumnOption::Null => {}
                ast::ColumnOption::NotNull => col.not_null = true,
                ast::ColumnOption::Default(e) => col.default = Some(e.to_string()),
                ast::ColumnOption::PrimaryKey(_) => {
                    set_pk(vec![i], &mut pk)?;
                    if let Some(n) = &opt.name {
                        table.pk_name = ident(n);
                    }
                }
                ast::ColumnOption::Unique(_) => {
                    uniques.push((opt.name.as_ref().map(ident), vec![i]))
                }
                ast::ColumnOption::Check(ch) => {
                    checks.push((opt.name.as_ref().map(ident), ch.expr.to_string()))
                }
                ast::ColumnOption::Collation(_) | ast::ColumnOption::Comment(_) => {}
                other => return Err(not_supported(format!("column option {other}"))),
            }
        }
        table.columns.push(col);
    }
    for c in &ct.constraints {
        match c {
            ast::TableConstraint::PrimaryKey(p) => {
                let (cols, _) = index_columns(&table, &p.columns, true)?;
                set_pk(cols, &mut pk)?;
                if let Some(n) = &p.name {
                    table.pk_name = ident(n);
                }
            }
            ast::TableConstraint::Unique(u) => {
                let (cols, _) = index_columns(&table, &u.columns, true)?;
                uniques.push((u.name.as_ref().map(ident), cols));
            }
            ast::TableConstraint::Check(ch) => {
                checks.push((ch.name.as_ref().map(ident), ch.expr.to_string()))
            }
            other => return Err(not_supported(format!("constraint {other}"))),
        }
    }
    for (given, expr) in checks {
        let cname = match given {
            Some(n) => n,
            None => check_name(b, &table, &expr)?,
        };
        table.checks.push(CheckDef { name: cname, expr });
    }
    if let Some(cols) = pk {
        for &c in &cols {
            table.columns[c].not_null = true;
        }
        table.primary_key = cols;
    }
    for (n, cols) in uniques {
        let iname = n.unwrap_or_else(|| {
            let names: Vec<&str> = cols
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            format!("{name}_{}_key", names.join("_"))
        });
        add_index_def(
            b,
            mgr,
            &mut table,
            iname,
            cols.clone(),
            vec![false; cols.len()],
            true,
        )?;
    }
    // Validate DEFAULT and CHECK expressions now, not at first use.
    for i in 0..table.columns.len() {
        bind_default(b, &table, i)?;
    }
    super::dml::bind_checks(b, &table)?;
    new_storage(mgr, &table.storage())?;
    catalog::put_relation(b.txn, &Relation::Table(table))?;
    Ok(done("CREATE TABLE"))
}

/// PostgreSQL's default CHECK name: `<table>_<column>_check` when the expression reads one
/// column, else `<table>_check`, with 1, 2, ... appended until unused.
fn check_name(b: &mut Binder, table: &TableDef, expr: &str) -> Result<String, SqlError> {
    let mut scope = super::dml::table_scope(table, &table.name);
    let e = crate::sql::parser::parse_expr(expr)?;
    let bound = b.condition(&e, &mut scope, "CHECK")?;
    let mut cols = Vec::new();
    bound.visit_columns(&mut |c| {
        if !cols.contains(&c) {
            cols.push(c)
        }
    });
    let base = match cols.as_slice() {
        [c] => format!("{}_{}_check", table.name, table.columns[*c].name),
        _ => format!("{}_check", table.name),
    };
    let taken = |n: &str| table.checks.iter().any(|c| c.name == n);
    if !taken(&base) {
        return Ok(base);
    }
    let mut i = 1;
    while taken(&format!("{base}{i}")) {
        i += 1;
    }
    Ok(format!("{base}{i}"))
}

#[allow(clippy::too_many_arguments)]
fn add_index_def(
    b: &mut Binder,
    mgr: &TxnManager,
    table: &mut TableDef,
    name: String,
    columns: Vec<usize>,
    desc: Vec<bool>,
    unique: bool,
) -> Result<IndexDef, SqlError> {
    if catalog::lock_index_name(b.txn, &name)? || name == table.pk_name {
        return Err(SqlError::new(
            "42P07",
            format!("relation \"{name}\" already exists"),
        ));
    }
    let ix = IndexDef {
        id: mgr.next_id(),
        name: name.clone(),
        columns,
        desc,
        unique,
    };
    new_storage(mgr, &ix.storage())?;
    catalog::put_index_name(b.txn, &name, &table.name)?;
    table.indexes.push(ix.clone());
    Ok(ix)
}

/// CREATE INDEX (builds it from the table's rows).
pub fn create_index(
    ctx_txn: &mut Binder,
    mgr: &TxnManager,
    ci: &ast::CreateIndex,
    exec: &mut IndexBuild,
) -> Result<DdlOutcome, SqlError> {
    let tname = object_name(&ci.table_name);
    let mut table = catalog::table(ctx_txn.txn, &tname)?;
    let (cols, desc) = index_columns(&table, &ci.columns, false)?;
    let name = match &ci.name {
        Some(n) => object_name(n),
        None => {
            let names: Vec<&str> = cols
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            format!("{tname}_{}_idx", names.join("_"))
        }
    };
    if ci.if_not_exists && catalog::index_owner(ctx_txn.txn, &name)?.is_some() {
        return Ok(skipping(
            "CREATE INDEX",
            format!("relation \"{name}\" already exists, skipping"),
        ));
    }
    let ix = add_index_def(ctx_txn, mgr, &mut table, name, cols, desc, ci.unique)?;
    exec(ctx_txn.txn, &table, &ix)?;
    catalog::put_relation(ctx_txn.txn, &Relation::Table(table))?;
    Ok(done("CREATE INDEX"))
}

/// Fills a new index from the table's rows.
pub fn build_index(ctx: &mut ExecCtx, table: &TableDef, ix: &IndexDef) -> Result<(), SqlError> {
    let rows = super::scan_with_keys(ctx, table, &Access::Full { reverse: false }, None)?;
    for r in rows {
        let (entry, slot) = index_entry(ix, &r.row, &r.key);
        if slot && ctx.txn.lock_row(&ix.storage(), &entry)?.is_some() {
            let names: Vec<&str> = ix
                .columns
                .iter()
                .map(|&c| table.columns[c].name.as_str())
                .collect();
            let vals: Vec<String> = ix
                .columns
                .iter()
                .map(|&c| r.row[c].to_text().unwrap_or_else(|| "null".into()))
                .collect();
            return Err(SqlError::new(
                "23505",
                format!("could not create unique index \"{}\"", ix.name),
            )
            .with_detail(format!(
                "Key ({})=({}) is duplicated.",
                names.join(", "),
                vals.join(", ")
            )));
        }
        ctx.txn.put(&ix.storage(), &entry, &r.key)?;
    }
    Ok(())
}

/// DROP TABLE / VIEW / INDEX.
pub fn drop(
    b: &mut Binder,
    object_type: &ast::ObjectType,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> Result<DdlOutcome, SqlError> {
    let (tag, kind) = match object_type {
        ast::ObjectType::Table => ("DROP TABLE", "table"),
        ast::ObjectType::View => ("DROP VIEW", "view"),
        ast::ObjectType::Index => ("DROP INDEX", "index"),
        other => return Err(not_supported(format!("DROP {other}"))),
    };
    let mut out = done(tag);
    for n in names {
        let name = object_name(n);
        let missing = || {
            SqlError::new(
                if kind == "index" { "42704" } else { "42P01" },
                format!("{kind} \"{name}\" does not exist"),
            )
        };
        if kind == "index" {
            let Some(owner) = catalog::index_owner(b.txn, &name)? else {
                if if_exists {
                    out.notices.push(Notice {
                        severity: "NOTICE",
                        code: "00000",
                        message: format!("index \"{name}\" does not exist, skipping"),
                    });
                    continue;
                }
                return Err(missing());
            };
            let mut table = catalog::table(b.txn, &owner)?;
            table.indexes.retain(|ix| ix.name != name);
            catalog::delete_index_name(b.txn, &name)?;
            catalog::put_relation(b.txn, &Relation::Table(table))?;
            continue;
        }
        catalog::lock_name(b.txn, &name)?;
        match catalog::relation(b.txn, &name)? {
            Some(Relation::Table(t)) if kind == "table" => {
                for ix in &t.indexes {
                    catalog::delete_index_name(b.txn, &ix.name)?;
                }
                catalog::delete_relation(b.txn, &name)?;
            }
            Some(Relation::View(_)) if kind == "view" => catalog::delete_relation(b.txn, &name)?,
            Some(_) => {
                return Err(
                    SqlError::new("42809", format!("\"{name}\" is not a {kind}")).with_hint(
                        format!(
                            "Use DROP {} to remove it.",
                            if kind == "table" { "VIEW" } else { "TABLE" }
                        ),
                    ),
                );
            }
            None if if_exists => out.notices.push(Notice {
                severity: "NOTICE",
                code: "00000",
                message: format!("{kind} \"{name}\" does not exist, skipping"),
            }),
            None => return Err(missing()),
        }
    }
    Ok(out)
}

/// CREATE [OR REPLACE] VIEW.
pub fn create_view(b: &mut Binder, cv: &ast::CreateView) -> Result<DdlOutcome, SqlError> {
    if cv.materialized {
        return Err(not_supported("materialized views"));
    }
    let name = object_name(&cv.name);
    let columns: Vec<String> = cv.columns.iter().map(|c| ident(&c.name)).collect();
    let (_, cols) = b.query(&cv.query)?;
    if columns.len() > cols.len() {
        return Err(SqlError::new(
            "42601",
            "CREATE VIEW specifies more column names than columns",
        ));
    }
    let exists = catalog::lock_name(b.txn, &name)?;
    if exists {
        match catalog::relation(b.txn, &name)? {
            Some(Relation::View(_)) if cv.or_replace => {}
            Some(Relation::View(_)) if cv.if_not_exists => {
                return Ok(skipping(
                    "CREATE VIEW",
                    format!("relation \"{name}\" already exists, skipping"),
                ));
            }
            _ => {
                return Err(SqlError::new(
                    "42P07",
                    format!("relation \"{name}\" already exists"),
                ));
            }
        }
    }
    catalog::put_relation(
        b.txn,
        &Relation::View(ViewDef {
            name,
            sql: cv.query.to_string(),
            columns,
        }),
    )?;
    Ok(done("CREATE VIEW"))
}

/// ALTER TABLE: ADD/DROP/RENAME COLUMN, RENAME TO.
pub fn alter_table(
    b: &mut Binder,
    at: &ast::AlterTable,
    rewrite: &mut ColumnFill,
) -> Result<DdlOutcome, SqlError> {
    let name = object_name(&at.name);
    catalog::lock_name(b.txn, &name)?;
    let mut table = match catalog::relation(b.txn, &name)? {
        Some(Relation::Table(t)) => t,
        Some(Relation::View(_)) => {
            return Err(SqlError::new("42809", format!("\"{name}\" is not a table")));
        }
        None if at.if_exists => {
            return Ok(skipping(
                "ALTER TABLE",
                format!("relation \"{name}\" does not exist, skipping"),
            ));
        }
        None => return Err(catalog::undefined_table(&name)),
    };
    for op in &at.operations {
        match op {
            ast::AlterTableOperation::AddColumn {
                if_not_exists,
                column_def,
                ..
            } => {
                let cname = ident(&column_def.name);
                if table.column(&cname).is_some() {
                    if *if_not_exists {
                        continue;
                    }
                    return Err(SqlError::new(
                        "42701",
                        format!("column \"{cname}\" of relation \"{name}\" already exists"),
                    ));
                }
                let mut col = ColumnDef {
                    name: cname,
                    ty: sql_type(&column_def.data_type)?,
                    not_null: false,
                    default: None,
                    dropped: false,
                };
                for o in &column_def.options {
                    match &o.option {
                        ast::ColumnOption::NotNull => col.not_null = true,
                        ast::ColumnOption::Null => {}
                        ast::ColumnOption::Default(e) => col.default = Some(e.to_string()),
                        other => return Err(not_supported(format!("ADD COLUMN option {other}"))),
                    }
                }
                table.columns.push(col);
                let pos = table.columns.len() - 1;
                let default = bind_default(b, &table, pos)?;
                rewrite(b.txn, &table, pos, &default)?;
            }
            ast::AlterTableOperation::DropColumn {
                column_names,
                if_exists,
                ..
            } => {
                for c in column_names {
                    let cname = ident(c);
                    let Some(pos) = table.column(&cname) else {
                        if *if_exists {
                            continue;
                        }
                        return Err(SqlError::new(
                            "42703",
                            format!("column \"{cname}\" of relation \"{name}\" does not exist"),
                        ));
                    };
                    if table.primary_key.contains(&pos) {
                        return Err(not_supported("dropping a primary-key column"));
                    }
                    let dropped: Vec<String> = table
                        .indexes
                        .iter()
                        .filter(|ix| ix.columns.contains(&pos))
                        .map(|ix| ix.name.clone())
                        .collect();
                    for ixn in &dropped {
                        catalog::delete_index_name(b.txn, ixn)?;
                    }
                    table.indexes.retain(|ix| !ix.columns.contains(&pos));
                    table.columns[pos].dropped = true;
                    table.columns[pos].name = format!("........pg.dropped.{}........", pos + 1);
                }
            }
            ast::AlterTableOperation::RenameColumn {
                old_column_name,
                new_column_name,
            } => {
                let (old, new) = (ident(old_column_name), ident(new_column_name));
                let pos = table.column(&old).ok_or_else(|| {
                    SqlError::new("42703", format!("column \"{old}\" does not exist"))
                })?;
                if table.column(&new).is_some() {
                    return Err(SqlError::new(
                        "42701",
                        format!("column \"{new}\" of relation \"{name}\" already exists"),
                    ));
                }
                table.columns[pos].name = new;
            }
            ast::AlterTableOperation::RenameTable { table_name } => {
                let new = match table_name {
                    ast::RenameTableNameKind::As(n) | ast::RenameTableNameKind::To(n) => {
                        object_name(n)
                    }
                };
                if catalog::lock_name(b.txn, &new)? {
                    return Err(SqlError::new(
                        "42P07",
                        format!("relation \"{new}\" already exists"),
                    ));
                }
                catalog::delete_relation(b.txn, &table.name)?;
                for ix in &table.indexes {
                    catalog::put_index_name(b.txn, &ix.name, &new)?;
                }
                table.name = new;
            }
            other => return Err(not_supported(format!("ALTER TABLE {other}"))),
        }
    }
    catalog::put_relation(b.txn, &Relation::Table(table))?;
    Ok(done("ALTER TABLE"))
}

/// Fills a just-added column of every row with its default (NOT NULL checked).
pub fn fill_column(
    ctx: &mut ExecCtx,
    table: &TableDef,
    pos: usize,
    default: &crate::sql::plan::Expr,
) -> Result<(), SqlError> {
    let value = eval(default, &[], ctx)?;
    let col = &table.columns[pos];
    if value.is_null() && !col.not_null {
        return Ok(());
    }
    let rows = super::scan_with_keys(ctx, table, &Access::Full { reverse: false }, None)?;
    if value.is_null() && !rows.is_empty() {
        return Err(SqlError::new(
            "23502",
            format!(
                "column \"{}\" of relation \"{}\" contains null values",
                col.name, table.name
            ),
        ));
    }
    for mut r in rows {
        r.row[pos] = value.clone();
        ctx.txn.put(
            &table.storage(),
            &r.key,
            &crate::sql::row::encode_row(&r.row),
        )?;
    }
    Ok(())
}
