//! What a statement returns to its caller (the REPL, the wire server, the sqllogictest runner,
//! an embedding program), and the catalog facts the REPL's `\d` commands show.
//!
//! Results are plain data: typed rows, column names and types, and PostgreSQL's command tag.
//! Nothing here borrows the session, so a result can be sent to another thread or kept.

use crate::sql::types::{DataType, Value};

/// One output column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub name: String,
    pub ty: DataType,
}

/// The outcome of one statement.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QueryResult {
    /// Output columns; empty for statements that return no rows (INSERT without RETURNING,
    /// DDL, BEGIN...).
    pub columns: Vec<Column>,
    pub rows: Vec<Vec<Value>>,
    /// PostgreSQL's command tag: `SELECT 3`, `INSERT 0 1`, `UPDATE 2`, `CREATE TABLE`, ...
    pub tag: String,
    /// Warnings and notices raised by the statement (e.g. COMMIT outside a transaction).
    pub notices: Vec<Notice>,
}

impl QueryResult {
    /// A result with only a command tag (`CREATE TABLE`, `BEGIN`, ...).
    pub fn command(tag: impl Into<String>) -> QueryResult {
        QueryResult {
            tag: tag.into(),
            ..Default::default()
        }
    }

    /// A row set with its tag.
    pub fn rows(
        columns: Vec<Column>,
        rows: Vec<Vec<Value>>,
        tag: impl Into<String>,
    ) -> QueryResult {
        QueryResult {
            columns,
            rows,
            tag: tag.into(),
            notices: Vec::new(),
        }
    }

    /// Whether the statement produces a row set (even an empty one), as SELECT does.
    pub fn returns_rows(&self) -> bool {
        !self.columns.is_empty()
    }
}

/// A NoticeResponse: severity (`WARNING`, `NOTICE`), SQLSTATE and message.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub severity: &'static str,
    pub code: &'static str,
    pub message: String,
}

/// Where the session stands with respect to transaction blocks (ReadyForQuery's I/T/E).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TxnStatus {
    /// Not in a transaction block.
    Idle,
    /// In a transaction block.
    InBlock,
    /// In a failed transaction block: everything but ROLLBACK fails with 25P02.
    Failed,
}

/// A table or view, as `\d NAME` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RelationInfo {
    pub name: String,
    pub kind: RelationKind,
    pub columns: Vec<ColumnInfo>,
    pub indexes: Vec<IndexInfo>,
    /// CHECK constraints: (name, expression text).
    pub checks: Vec<(String, String)>,
    /// A view's defining query.
    pub view_sql: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RelationKind {
    Table,
    View,
}

impl RelationKind {
    /// psql's word for it (`\d`'s "Type" column).
    pub fn name(self) -> &'static str {
        match self {
            RelationKind::Table => "table",
            RelationKind::View => "view",
        }
    }
}

/// A column as `\d` shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnInfo {
    pub name: String,
    /// `format_type` spelling: `integer`, `character varying(10)`, `numeric(10,2)`.
    pub type_name: String,
    pub not_null: bool,
    /// The DEFAULT expression's text.
    pub default: Option<String>,
}

/// An index as `\d` and `\di` show it.
#[derive(Debug, Clone, PartialEq)]
pub struct IndexInfo {
    pub name: String,
    pub table: String,
    pub primary: bool,
    pub unique: bool,
    /// Column names, with ` DESC` appended for descending columns.
    pub columns: Vec<String>,
}
