//! The system views that show isolation at work: `isodb_transactions` (live transactions),
//! `isodb_locks` (granted and awaited locks of the lock manager) and `isodb_conflicts` (SSI's
//! rw-antidependencies among live and retained serializable transactions).
//!
//! A view is read when the statement is bound, as a constant set of rows, so a query sees one
//! consistent picture of the transaction layer. A table of the same name hides the view.

use crate::catalog::{self, Relation};
use crate::sql::SqlError;
use crate::sql::types::{DataType, Value};
use crate::txn::Transaction;
use crate::txn::lock_manager::{KeyRange, LockMode, LockTarget, Resource};
use std::collections::HashMap;

/// The names of the system views.
pub const NAMES: [&str; 3] = ["isodb_transactions", "isodb_locks", "isodb_conflicts"];

/// A view's columns and rows, or `None` if `name` is not a system view.
#[allow(clippy::type_complexity)]
pub fn read(
    txn: &mut Transaction,
    name: &str,
) -> Result<Option<(Vec<(&'static str, DataType)>, Vec<Vec<Value>>)>, SqlError> {
    use DataType::{Bool, Int8, Text};
    let int = |v: u64| Value::Int8(v as i64);
    let text = |s: &str| Value::Text(s.to_string());
    match name {
        "isodb_transactions" => {
            let obs = txn.observe();
            let rows = obs
                .transactions()
                .into_iter()
                .map(|t| {
                    let waiting = !obs.locks().waiting_for(t.id).is_empty();
                    vec![
                        int(t.id),
                        text(t.level.name()),
                        t.level.serializable_mode().map_or(Value::Null, text),
                        text(if waiting { "waiting" } else { "active" }),
                        t.snapshot.map_or(Value::Null, int),
                        Value::Bool(t.read_only),
                    ]
                })
                .collect();
            Ok(Some((
                vec![
                    ("id", Int8),
                    ("level", Text),
                    ("serializable_mode", Text),
                    ("state", Text),
                    ("snapshot", Int8),
                    ("read_only", Bool),
                ],
                rows,
            )))
        }
        "isodb_locks" => {
            let names = tree_names(txn)?;
            let obs = txn.observe();
            let spaces: HashMap<u32, String> = names
                .iter()
                .map(|(tree, rel)| (obs.space_of(tree), rel.clone()))
                .collect();
            let target = |space: u32, key: &[u8]| {
                let rel = spaces
                    .get(&space)
                    .cloned()
                    .unwrap_or_else(|| format!("space {space}"));
                format!("{rel} key {}", crate::txn::show_key(key))
            };
            let mode = |m: LockMode| match m {
                LockMode::Shared => "shared",
                LockMode::Exclusive => "exclusive",
            };
            let row = |txn: u64, m: LockMode, res: &Resource, granted: bool, waits: Value| {
                vec![
                    int(txn),
                    text(mode(m)),
                    text("row"),
                    text(&target(res.space, &res.key)),
                    Value::Bool(granted),
                    waits,
                ]
            };
            let mut rows: Vec<Vec<Value>> = obs
                .locks()
                .held()
                .into_iter()
                .map(|(res, holder, m)| row(holder, m, &res, true, Value::Null))
                .collect();
            for (res, waiter, m, blockers) in obs.locks().waits() {
                let list: Vec<String> = blockers.iter().map(u64::to_string).collect();
                rows.push(row(waiter, m, &res, false, text(&list.join(","))));
            }
            let range_row = |txn: u64, m: LockMode, r: &KeyRange, granted: bool, waits: Value| {
                let rel = spaces
                    .get(&r.space)
                    .cloned()
                    .unwrap_or_else(|| format!("space {}", r.space));
                let (granularity, target) = if r.is_relation() {
                    ("relation", rel)
                } else {
                    ("range", format!("{rel} keys {}", crate::txn::show_range(r)))
                };
                vec![
                    int(txn),
                    text(mode(m)),
                    text(granularity),
                    text(&target),
                    Value::Bool(granted),
                    waits,
                ]
            };
            for (holder, r) in obs.locks().held_ranges() {
                rows.push(range_row(holder, LockMode::Shared, &r, true, Value::Null));
            }
            for (waiter, target, m, blockers) in obs.locks().range_waits() {
                let list = text(
                    &blockers
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(","),
                );
                rows.push(match target {
                    LockTarget::Row(res) => row(waiter, m, &res, false, list),
                    LockTarget::Range(r) => range_row(waiter, m, &r, false, list),
                });
            }
            Ok(Some((
                vec![
                    ("transaction", Int8),
                    ("mode", Text),
                    ("granularity", Text),
                    ("target", Text),
                    ("granted", Bool),
                    ("waiting_for", Text),
                ],
                rows,
            )))
        }
        "isodb_conflicts" => {
            let names = tree_names(txn)?;
            let rows = txn
                .observe()
                .conflicts()
                .into_iter()
                .map(|c| {
                    vec![
                        int(c.reader),
                        int(c.writer),
                        text(names.get(&c.tree).unwrap_or(&c.tree)),
                        text(&c.what),
                        Value::Bool(c.reader_committed),
                        Value::Bool(c.writer_committed),
                    ]
                })
                .collect();
            Ok(Some((
                vec![
                    ("reader", Int8),
                    ("writer", Int8),
                    ("relation", Text),
                    ("target", Text),
                    ("reader_committed", Bool),
                    ("writer_committed", Bool),
                ],
                rows,
            )))
        }
        _ => Ok(None),
    }
}

/// Storage tree → the table or index it holds.
/// Storage tree name → table name (or "table (index name)").
pub(crate) fn tree_names(txn: &mut Transaction) -> Result<HashMap<String, String>, SqlError> {
    let mut out = HashMap::new();
    for rel in catalog::relations(txn)? {
        if let Relation::Table(t) = rel {
            for ix in &t.indexes {
                out.insert(ix.storage(), format!("{} (index {})", t.name, ix.name));
            }
            out.insert(t.storage(), t.name.clone());
        }
    }
    Ok(out)
}
