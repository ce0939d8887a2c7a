//! Running one statement inside a transaction: bind it, execute it, and shape its result
//! (columns, rows, command tag, notices). Transaction control and settings are the session's;
//! everything else comes here.

use super::SqlError;
use super::binder::Binder;
use super::exec::{self, ExecCtx, ddl, dml};
use super::functions::FnContext;
use super::plan::{Access, Expr, Plan};
use super::result::{Column, QueryResult};
use super::types::{DataType, Value};
use crate::catalog::TableDef;
use crate::txn::{Transaction, TxnManager};
use sqlparser::ast;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

fn scan_plan(table: &Arc<TableDef>, access: &Access, filter: &Option<Expr>) -> Plan {
    Plan::Scan {
        table: table.clone(),
        alias: table.name.clone(),
        access: access.clone(),
        filter: filter.clone(),
    }
}

/// Binds and runs one statement in `txn`.
pub fn run_statement(
    manager: &TxnManager,
    txn: &mut Transaction,
    stmt: &ast::Statement,
    param_types: &[DataType],
    params: &[Value],
    fnctx: FnContext,
    cancel: &AtomicBool,
) -> Result<QueryResult, SqlError> {
    if txn.is_read_only() {
        let what = match stmt {
            ast::Statement::Insert(_) => Some("INSERT"),
            ast::Statement::Update(_) => Some("UPDATE"),
            ast::Statement::Delete(_) => Some("DELETE"),
            ast::Statement::CreateTable(_) => Some("CREATE TABLE"),
            ast::Statement::CreateIndex(_) => Some("CREATE INDEX"),
            ast::Statement::CreateView(_) => Some("CREATE VIEW"),
            ast::Statement::Drop { .. } => Some("DROP"),
            ast::Statement::AlterTable(_) => Some("ALTER TABLE"),
            ast::Statement::CreateRole(_) => Some("CREATE ROLE"),
            ast::Statement::AlterRole { .. } => Some("ALTER ROLE"),
            _ => None,
        };
        if let Some(w) = what {
            return Err(SqlError::new(
                "25006",
                format!("cannot execute {w} in a read-only transaction"),
            ));
        }
    }
    match stmt {
        ast::Statement::Query(q) => {
            let (plan, mut columns) = Binder::new(txn, param_types.to_vec()).query(q)?;
            for c in &mut columns {
                if c.ty == DataType::Unknown {
                    c.ty = DataType::Text;
                }
            }
            let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
            let rows = exec::run(&plan, &mut ctx)?;
            let n = rows.len();
            Ok(QueryResult::rows(columns, rows, format!("SELECT {n}")))
        }
        ast::Statement::Insert(ins) => {
            let bound = dml::bind_insert(&mut Binder::new(txn, param_types.to_vec()), ins)?;
            let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
            let (n, rows) = dml::insert(&mut ctx, &bound)?;
            Ok(with_returning(
                format!("INSERT 0 {n}"),
                bound.returning,
                rows,
            ))
        }
        ast::Statement::Update(up) => {
            let bound = dml::bind_update(&mut Binder::new(txn, param_types.to_vec()), up)?;
            let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
            let (n, rows) = dml::update(&mut ctx, &bound)?;
            Ok(with_returning(format!("UPDATE {n}"), bound.returning, rows))
        }
        ast::Statement::Delete(del) => {
            let bound = dml::bind_delete(&mut Binder::new(txn, param_types.to_vec()), del)?;
            let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
            let (n, rows) = dml::delete(&mut ctx, &bound)?;
            Ok(with_returning(format!("DELETE {n}"), bound.returning, rows))
        }
        ast::Statement::CreateTable(ct) => {
            let out = ddl::create_table(&mut Binder::new(txn, param_types.to_vec()), manager, ct)?;
            Ok(ddl_result(out))
        }
        ast::Statement::CreateIndex(ci) => {
            let mut build = |txn: &mut Transaction, t: &TableDef, ix: &crate::catalog::IndexDef| {
                let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
                ddl::build_index(&mut ctx, t, ix)
            };
            let out = ddl::create_index(
                &mut Binder::new(txn, param_types.to_vec()),
                manager,
                ci,
                &mut build,
            )?;
            Ok(ddl_result(out))
        }
        ast::Statement::CreateView(cv) => {
            let out = ddl::create_view(&mut Binder::new(txn, param_types.to_vec()), cv)?;
            Ok(ddl_result(out))
        }
        ast::Statement::CreateRole(cr) => {
            exec::roles::create_role(txn, cr)?;
            Ok(QueryResult::command("CREATE ROLE"))
        }
        ast::Statement::AlterRole { name, operation } => {
            exec::roles::alter_role(txn, name, operation)?;
            Ok(QueryResult::command("ALTER ROLE"))
        }
        ast::Statement::Drop {
            object_type: ast::ObjectType::Role,
            if_exists,
            names,
            ..
        } => {
            let mut r = QueryResult::command("DROP ROLE");
            r.notices = exec::roles::drop_roles(txn, names, *if_exists)?;
            Ok(r)
        }
        ast::Statement::Drop {
            object_type,
            if_exists,
            names,
            ..
        } => {
            let out = ddl::drop(
                &mut Binder::new(txn, param_types.to_vec()),
                object_type,
                names,
                *if_exists,
            )?;
            Ok(ddl_result(out))
        }
        ast::Statement::AlterTable(at) => {
            let mut fill = |txn: &mut Transaction, t: &TableDef, pos: usize, d: &Expr| {
                let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
                ddl::fill_column(&mut ctx, t, pos, d)
            };
            let out = ddl::alter_table(&mut Binder::new(txn, param_types.to_vec()), at, &mut fill)?;
            Ok(ddl_result(out))
        }
        ast::Statement::Explain {
            analyze, statement, ..
        } => {
            let mut lines = Vec::new();
            let started = Instant::now();
            let rows = match statement.as_ref() {
                ast::Statement::Query(q) => {
                    let (plan, _) = Binder::new(txn, param_types.to_vec()).query(q)?;
                    plan.explain(&mut lines, 0);
                    if !*analyze {
                        return Ok(explain_result(lines));
                    }
                    let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
                    exec::run(&plan, &mut ctx)?.len() as u64
                }
                ast::Statement::Insert(ins) => {
                    let bound = dml::bind_insert(&mut Binder::new(txn, param_types.to_vec()), ins)?;
                    lines.push(format!("Insert on {}", bound.table.name));
                    bound.source.explain(&mut lines, 1);
                    if !*analyze {
                        return Ok(explain_result(lines));
                    }
                    let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
                    dml::insert(&mut ctx, &bound)?.0
                }
                ast::Statement::Update(up) => {
                    let bound = dml::bind_update(&mut Binder::new(txn, param_types.to_vec()), up)?;
                    lines.push(format!("Update on {}", bound.table.name));
                    scan_plan(&bound.table, &bound.access, &bound.filter).explain(&mut lines, 1);
                    if !*analyze {
                        return Ok(explain_result(lines));
                    }
                    let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
                    dml::update(&mut ctx, &bound)?.0
                }
                ast::Statement::Delete(del) => {
                    let bound = dml::bind_delete(&mut Binder::new(txn, param_types.to_vec()), del)?;
                    lines.push(format!("Delete on {}", bound.table.name));
                    scan_plan(&bound.table, &bound.access, &bound.filter).explain(&mut lines, 1);
                    if !*analyze {
                        return Ok(explain_result(lines));
                    }
                    let mut ctx = ExecCtx::new(txn, params, fnctx, cancel);
                    dml::delete(&mut ctx, &bound)?.0
                }
                _ => {
                    return Err(SqlError::feature_not_supported(
                        "EXPLAIN is supported for SELECT, INSERT, UPDATE and DELETE",
                    ));
                }
            };
            lines.push(format!("Rows: {rows}"));
            lines.push(format!(
                "Execution Time: {:.3} ms",
                started.elapsed().as_secs_f64() * 1000.0
            ));
            Ok(explain_result(lines))
        }
        other => Err(SqlError::feature_not_supported(format!(
            "statement is not supported: {}",
            first_words(&other.to_string())
        ))),
    }
}

/// What `stmt` will take and return, without running it: parameter types (`declared`, with
/// the rest inferred from use, `text` where nothing says) and output columns (empty for
/// statements that return no rows). Binding reads only the catalog.
pub fn describe_statement(
    txn: &mut Transaction,
    stmt: &ast::Statement,
    declared: &[DataType],
) -> Result<(Vec<DataType>, Vec<Column>), SqlError> {
    let mut b = Binder::new(txn, declared.to_vec());
    let columns = match stmt {
        ast::Statement::Query(q) => b.query(q)?.1,
        ast::Statement::Insert(ins) => returning_columns(dml::bind_insert(&mut b, ins)?.returning),
        ast::Statement::Update(up) => returning_columns(dml::bind_update(&mut b, up)?.returning),
        ast::Statement::Delete(del) => returning_columns(dml::bind_delete(&mut b, del)?.returning),
        ast::Statement::Explain { .. } => explain_result(Vec::new()).columns,
        _ => Vec::new(),
    };
    let known = |t: DataType| {
        if t == DataType::Unknown {
            DataType::Text
        } else {
            t
        }
    };
    let params = b.params.into_iter().map(known).collect();
    let columns = columns
        .into_iter()
        .map(|c| Column {
            ty: known(c.ty),
            ..c
        })
        .collect();
    Ok((params, columns))
}

fn returning_columns(r: dml::Returning) -> Vec<Column> {
    r.map(|(_, cols)| cols).unwrap_or_default()
}

fn first_words(s: &str) -> String {
    s.split_whitespace().take(3).collect::<Vec<_>>().join(" ")
}

fn explain_result(lines: Vec<String>) -> QueryResult {
    QueryResult::rows(
        vec![Column {
            name: "QUERY PLAN".into(),
            ty: DataType::Text,
        }],
        lines.into_iter().map(|l| vec![Value::Text(l)]).collect(),
        "EXPLAIN",
    )
}

fn ddl_result(out: ddl::DdlOutcome) -> QueryResult {
    QueryResult {
        tag: out.tag.to_string(),
        notices: out.notices,
        ..Default::default()
    }
}

fn with_returning(tag: String, returning: dml::Returning, rows: Vec<Vec<Value>>) -> QueryResult {
    match returning {
        Some((_, cols)) => QueryResult::rows(cols, rows, tag),
        None => QueryResult::command(tag),
    }
}
