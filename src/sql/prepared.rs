//! Prepared statements, for the extended query protocol: parse once, describe once
//! (parameter types and result columns, without running anything), execute many times.
//!
//! A [`Prepared`] holds the parsed statement and the types its parameters resolved to: the
//! client's declared types, the rest inferred from how the statement uses them, `text` where
//! nothing says. Each execution binds and plans the statement afresh in the executing
//! transaction with those same parameter types, so a prepared statement always sees the
//! current catalog and its result columns match what Describe reported as long as the
//! tables it reads keep their shape.

use super::SqlError;
use super::parser;
use super::result::{Column, QueryResult};
use super::session::{Block, Session, aborted};
use super::statement::describe_statement;
use super::types::{DataType, Value};
use sqlparser::ast;
use std::sync::Arc;

/// A parsed and described statement.
#[derive(Debug, Clone)]
pub struct Prepared {
    /// `None` for an empty query string (Execute answers EmptyQueryResponse).
    pub statement: Option<Arc<ast::Statement>>,
    /// Parameter types, `$1` first.
    pub params: Vec<DataType>,
    /// Output columns; empty when the statement returns no rows.
    pub columns: Vec<Column>,
    /// The statement's source length, to size the stack it needs.
    len: usize,
}

/// Statements that end a transaction block, which a failed block still accepts.
fn ends_block(stmt: &ast::Statement) -> bool {
    matches!(
        stmt,
        ast::Statement::Commit { .. } | ast::Statement::Rollback { .. }
    )
}

impl Prepared {
    /// Whether the statement ends a transaction block (accepted in a failed block).
    pub fn ends_block(&self) -> bool {
        self.statement.as_deref().is_some_and(ends_block)
    }
}

impl Session {
    /// Parses and describes one statement. `declared` gives parameter types the client fixed
    /// (`Unknown` to infer). Fails as PostgreSQL's Parse does: 42601 for several statements,
    /// 25P02 in a failed block unless the statement ends it.
    pub fn prepare(&mut self, sql: &str, declared: &[DataType]) -> Result<Prepared, SqlError> {
        let r = self
            .on_ample_stack(sql.len(), |s| s.prepare_here(sql, declared))
            .and_then(|r| r);
        if r.is_err() && self.block != Block::Failed {
            self.fail_block();
        }
        r
    }

    fn prepare_here(&mut self, sql: &str, declared: &[DataType]) -> Result<Prepared, SqlError> {
        let mut stmts = parser::parse(sql)?;
        if stmts.len() > 1 {
            return Err(SqlError::new(
                "42601",
                "cannot insert multiple commands into a prepared statement",
            ));
        }
        let text = |t: &DataType| {
            if *t == DataType::Unknown {
                DataType::Text
            } else {
                *t
            }
        };
        let Some(stmt) = stmts.pop() else {
            return Ok(Prepared {
                statement: None,
                params: declared.iter().map(text).collect(),
                columns: Vec::new(),
                len: 0,
            });
        };
        if self.block == Block::Failed && !ends_block(&stmt) {
            return Err(aborted());
        }
        let (params, columns) = match &stmt {
            ast::Statement::Query(_)
            | ast::Statement::Insert(_)
            | ast::Statement::Update(_)
            | ast::Statement::Delete(_)
            | ast::Statement::Explain { .. } => {
                self.with_read_txn(|txn| describe_statement(txn, &stmt, declared))?
            }
            ast::Statement::ShowVariable { variable } => (
                declared.iter().map(text).collect(),
                self.show(variable)?.columns,
            ),
            _ => (declared.iter().map(text).collect(), Vec::new()),
        };
        Ok(Prepared {
            statement: Some(Arc::new(stmt)),
            params,
            columns,
            len: sql.len(),
        })
    }

    /// Runs a prepared statement with parameter values of its parameter types.
    pub fn execute_prepared(
        &mut self,
        p: &Prepared,
        values: &[Value],
    ) -> Result<QueryResult, SqlError> {
        let Some(stmt) = &p.statement else {
            return Ok(QueryResult::command(""));
        };
        self.on_ample_stack(p.len, |s| s.run(stmt, &p.params, values))
            .and_then(|r| r)
    }
}
