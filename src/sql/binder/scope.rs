//! Name scopes: which columns a name can mean at a point of a query.
//!
//! A [`Scope`] is the row layout of one query level (its FROM clause, or a DML target): each
//! column with the alias of the relation it came from. Enclosing query levels stay on the
//! binder's stack, so a name not found here resolves to an outer column (a correlated
//! reference). Once a query level aggregates, its scope switches to *grouped* mode: a column
//! may then be used only as (part of) a GROUP BY expression, and resolves to that group
//! value's position in the aggregate's output row.

use crate::sql::SqlError;
use crate::sql::plan::{AggCall, Expr};
use crate::sql::types::DataType;

/// One column visible in a scope.
#[derive(Debug, Clone)]
pub struct ScopeColumn {
    /// The relation alias it belongs to (None for derived expressions).
    pub table: Option<String>,
    pub name: String,
    pub ty: DataType,
    /// Hidden from `*` and from unqualified lookup (the right side of `JOIN ... USING`).
    pub hidden: bool,
    /// For a base table's columns: which occurrence of a table in FROM (nonzero) and whether
    /// the column is part of its primary key. Grouping by a table's whole primary key makes
    /// its other columns usable too (functional dependency, as in PostgreSQL).
    pub base: Option<(usize, bool)>,
}

/// Aggregation state of a query level.
#[derive(Debug, Clone, Default)]
pub struct Grouping {
    /// GROUP BY expressions over the pre-aggregation row.
    pub groups: Vec<Expr>,
    /// Aggregates found so far; output position = groups.len() + index.
    pub aggs: Vec<AggCall>,
    /// True while binding expressions evaluated after aggregation (SELECT list, HAVING,
    /// ORDER BY of a grouped query).
    pub active: bool,
}

/// The columns of one query level.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    pub columns: Vec<ScopeColumn>,
    pub grouping: Option<Grouping>,
}

/// A resolved name.
pub enum Resolved {
    Found(usize, DataType),
    NotFound,
}

impl Scope {
    pub fn new(columns: Vec<ScopeColumn>) -> Scope {
        Scope {
            columns,
            grouping: None,
        }
    }

    /// Finds `table.name` (or unqualified `name`); 42702 when ambiguous.
    pub fn lookup(&self, table: Option<&str>, name: &str) -> Result<Resolved, SqlError> {
        let mut found: Option<usize> = None;
        for (i, c) in self.columns.iter().enumerate() {
            let matches = match table {
                Some(t) => c.table.as_deref() == Some(t) && c.name == name,
                None => !c.hidden && c.name == name,
            };
            if matches {
                if found.is_some() {
                    let shown = match table {
                        Some(t) => format!("{t}.{name}"),
                        None => name.to_string(),
                    };
                    return Err(SqlError::new(
                        "42702",
                        format!("column reference \"{shown}\" is ambiguous"),
                    ));
                }
                found = Some(i);
            }
        }
        Ok(match found {
            Some(i) => Resolved::Found(i, self.columns[i].ty),
            None => Resolved::NotFound,
        })
    }

    /// Whether a relation alias is visible here.
    pub fn has_table(&self, table: &str) -> bool {
        self.columns
            .iter()
            .any(|c| c.table.as_deref() == Some(table))
    }

    /// In grouped mode, the output position of a pre-aggregation column, if it is grouped.
    pub fn grouped_position(&self, column: usize) -> Option<usize> {
        let g = self.grouping.as_ref()?;
        g.groups
            .iter()
            .position(|e| matches!(e, Expr::Column(c) if *c == column))
    }

    /// Whether expressions are being bound after aggregation.
    pub fn is_grouped(&self) -> bool {
        self.grouping.as_ref().is_some_and(|g| g.active)
    }
}

/// 42803 for a column used outside GROUP BY and aggregates.
pub fn ungrouped(table: Option<&str>, name: &str) -> SqlError {
    let shown = match table {
        Some(t) => format!("{t}.{name}"),
        None => name.to_string(),
    };
    SqlError::new(
        "42803",
        format!(
            "column \"{shown}\" must appear in the GROUP BY clause or be used in an aggregate function"
        ),
    )
}
