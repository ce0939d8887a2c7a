//! The catalog: tables, columns, indexes, constraints and views.
//!
//! Design: the catalog is itself data in the transaction layer, in the table `__catalog`, so DDL
//! is transactional for free: a CREATE TABLE inside a transaction block is visible to that
//! transaction only, is undone by ROLLBACK (or ROLLBACK TO SAVEPOINT), survives restarts once
//! committed, and is isolated like any row (two sessions creating one name serialise on the
//! catalog row's lock). Keys:
//!
//! - `rel:<name>` → a [`Relation`] (a table or a view), encoded by [`crate::codec`];
//! - `idx:<name>` → the name of the table owning index `<name>` (index names share one
//!   namespace with relations in PostgreSQL; we keep them apart but unique).
//!
//! Each table's rows live in transaction-layer table `r<id>` and each secondary index in
//! `i<id>`, where ids come from the transaction clock (unique, never reused). Storage for a
//! table is created eagerly at CREATE TABLE (the storage layer's trees are not
//! transactional); trees no committed catalog entry refers to are dropped when the database
//! opens ([`orphan_trees`]), which is when no transaction can still see them.
//!
//! Columns are positional and never renumbered: DROP COLUMN marks a column dropped (as
//! PostgreSQL's `attisdropped` does), so stored rows never need rewriting for it.

pub mod roles;

use crate::codec;
use crate::sql::SqlError;
use crate::sql::result::{ColumnInfo, IndexInfo, RelationInfo, RelationKind};
use crate::sql::types::DataType;
use crate::txn::Transaction;
use serde::{Deserialize, Serialize};
use std::ops::Bound;

/// The transaction-layer table holding the catalog.
pub const CATALOG_TABLE: &str = "__catalog";

/// A column of a table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ColumnDef {
    pub name: String,
    pub ty: DataType,
    pub not_null: bool,
    /// The DEFAULT expression as SQL text (re-bound where used).
    pub default: Option<String>,
    pub dropped: bool,
}

/// A secondary index (the primary key is the table's own key order, not an index).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct IndexDef {
    pub id: u64,
    pub name: String,
    /// Column positions in the table.
    pub columns: Vec<usize>,
    /// Per column: descending.
    pub desc: Vec<bool>,
    pub unique: bool,
}

impl IndexDef {
    /// The transaction-layer table holding the index entries.
    pub fn storage(&self) -> String {
        format!("i{}", self.id)
    }
}

/// A CHECK constraint.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckDef {
    pub name: String,
    pub expr: String,
}

/// A table.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TableDef {
    pub id: u64,
    pub name: String,
    pub columns: Vec<ColumnDef>,
    /// Primary-key column positions; empty when the table has none (rows are then keyed by a
    /// hidden row id: the inserting transaction's id and a counter, unique without any shared
    /// state).
    pub primary_key: Vec<usize>,
    /// The primary key's constraint name (`<table>_pkey`).
    pub pk_name: String,
    pub indexes: Vec<IndexDef>,
    pub checks: Vec<CheckDef>,
}

impl TableDef {
    /// The transaction-layer table holding the rows.
    pub fn storage(&self) -> String {
        format!("r{}", self.id)
    }

    /// Position of a live column by name.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| !c.dropped && c.name == name)
    }

    /// Live columns with their positions.
    pub fn live_columns(&self) -> impl Iterator<Item = (usize, &ColumnDef)> {
        self.columns.iter().enumerate().filter(|(_, c)| !c.dropped)
    }
}

/// A view: its query text and output column names.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ViewDef {
    pub name: String,
    pub sql: String,
    /// Column names given with `CREATE VIEW v (a, b)`; empty to take the query's.
    pub columns: Vec<String>,
}

/// A named relation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub enum Relation {
    Table(TableDef),
    View(ViewDef),
}

impl Relation {
    pub fn name(&self) -> &str {
        match self {
            Relation::Table(t) => &t.name,
            Relation::View(v) => &v.name,
        }
    }
}

fn rel_key(name: &str) -> Vec<u8> {
    format!("rel:{name}").into_bytes()
}

fn idx_key(name: &str) -> Vec<u8> {
    format!("idx:{name}").into_bytes()
}

/// The relation called `name`, as the transaction sees the catalog.
pub fn relation(txn: &mut Transaction, name: &str) -> Result<Option<Relation>, SqlError> {
    match txn.get(CATALOG_TABLE, &rel_key(name))? {
        Some(bytes) => Ok(Some(codec::decode(&bytes)?)),
        None => Ok(None),
    }
}

/// The table called `name`: 42P01 if there is none, 42809 if it is a view.
pub fn table(txn: &mut Transaction, name: &str) -> Result<TableDef, SqlError> {
    match relation(txn, name)? {
        Some(Relation::Table(t)) => Ok(t),
        Some(Relation::View(_)) => {
            Err(SqlError::new("42809", format!("\"{name}\" is not a table")))
        }
        None => Err(undefined_table(name)),
    }
}

/// 42P01 `relation "x" does not exist`.
pub fn undefined_table(name: &str) -> SqlError {
    SqlError::new("42P01", format!("relation \"{name}\" does not exist"))
}

/// Writes (creates or replaces) a relation. The catalog row is locked first, so concurrent
/// DDL on one name serialises.
pub fn put_relation(txn: &mut Transaction, rel: &Relation) -> Result<(), SqlError> {
    let bytes = codec::encode(rel)?;
    txn.put(CATALOG_TABLE, &rel_key(rel.name()), &bytes)?;
    Ok(())
}

/// Locks the catalog row of `name` and reports whether a committed or own relation exists
/// there now (for CREATE: the check that cannot race).
pub fn lock_name(txn: &mut Transaction, name: &str) -> Result<bool, SqlError> {
    Ok(txn.lock_row(CATALOG_TABLE, &rel_key(name))?.is_some())
}

/// Removes a relation's catalog entry.
pub fn delete_relation(txn: &mut Transaction, name: &str) -> Result<(), SqlError> {
    txn.delete(CATALOG_TABLE, &rel_key(name))?;
    Ok(())
}

/// The table that owns index `name`.
pub fn index_owner(txn: &mut Transaction, name: &str) -> Result<Option<String>, SqlError> {
    Ok(txn
        .get(CATALOG_TABLE, &idx_key(name))?
        .map(|b| String::from_utf8_lossy(&b).into_owned()))
}

/// Locks an index name and reports whether it is taken.
pub fn lock_index_name(txn: &mut Transaction, name: &str) -> Result<bool, SqlError> {
    Ok(txn.lock_row(CATALOG_TABLE, &idx_key(name))?.is_some())
}

/// Records that index `name` belongs to `table`.
pub fn put_index_name(txn: &mut Transaction, name: &str, table: &str) -> Result<(), SqlError> {
    txn.put(CATALOG_TABLE, &idx_key(name), table.as_bytes())?;
    Ok(())
}

/// Forgets index name `name`.
pub fn delete_index_name(txn: &mut Transaction, name: &str) -> Result<(), SqlError> {
    txn.delete(CATALOG_TABLE, &idx_key(name))?;
    Ok(())
}

/// Every relation, by name.
pub fn relations(txn: &mut Transaction) -> Result<Vec<Relation>, SqlError> {
    let lo = b"rel:".to_vec();
    let hi = b"rel;".to_vec();
    let mut scan = txn.scan(
        CATALOG_TABLE,
        Bound::Included(&lo[..]),
        Bound::Excluded(&hi[..]),
        false,
    )?;
    let mut out = Vec::new();
    while let Some((_, v)) = scan.next_row()? {
        out.push(codec::decode(&v)?);
    }
    Ok(out)
}

/// The storage tables (transaction-layer names) the committed catalog refers to, so the
/// database can drop the rest when it opens.
pub fn live_storage(txn: &mut Transaction) -> Result<Vec<String>, SqlError> {
    let mut out = Vec::new();
    for rel in relations(txn)? {
        if let Relation::Table(t) = rel {
            out.push(t.storage());
            out.extend(t.indexes.iter().map(IndexDef::storage));
        }
    }
    Ok(out)
}

/// Storage tables with a catalog-managed name (`r<id>`, `i<id>`) that are not in `live`.
pub fn orphan_trees(all: &[String], live: &[String]) -> Vec<String> {
    all.iter()
        .filter(|n| {
            let managed = (n.starts_with('r') || n.starts_with('i'))
                && n.len() > 1
                && n[1..].bytes().all(|b| b.is_ascii_digit());
            managed && !live.contains(n)
        })
        .cloned()
        .collect()
}

/// What `\d NAME` shows of a relation.
pub fn describe(rel: &Relation, view_columns: Vec<ColumnInfo>) -> RelationInfo {
    match rel {
        Relation::Table(t) => {
            let columns = t
                .live_columns()
                .map(|(_, c)| ColumnInfo {
                    name: c.name.clone(),
                    type_name: c.ty.name(),
                    not_null: c.not_null,
                    default: c.default.clone(),
                })
                .collect();
            let mut indexes = Vec::new();
            if !t.primary_key.is_empty() {
                indexes.push(IndexInfo {
                    name: t.pk_name.clone(),
                    table: t.name.clone(),
                    primary: true,
                    unique: true,
                    columns: t
                        .primary_key
                        .iter()
                        .map(|&i| t.columns[i].name.clone())
                        .collect(),
                });
            }
            for ix in &t.indexes {
                indexes.push(IndexInfo {
                    name: ix.name.clone(),
                    table: t.name.clone(),
                    primary: false,
                    unique: ix.unique,
                    columns: ix
                        .columns
                        .iter()
                        .zip(&ix.desc)
                        .map(|(&i, &d)| {
                            let n = t.columns[i].name.clone();
                            if d { format!("{n} DESC") } else { n }
                        })
                        .collect(),
                });
            }
            RelationInfo {
                name: t.name.clone(),
                kind: RelationKind::Table,
                columns,
                indexes,
                checks: t
                    .checks
                    .iter()
                    .map(|c| (c.name.clone(), c.expr.clone()))
                    .collect(),
                view_sql: None,
            }
        }
        Relation::View(v) => RelationInfo {
            name: v.name.clone(),
            kind: RelationKind::View,
            columns: view_columns,
            indexes: Vec::new(),
            checks: Vec::new(),
            view_sql: Some(v.sql.clone()),
        },
    }
}
