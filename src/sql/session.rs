//! A session: one connection's transaction state and settings, and the statement loop.
//!
//! Transactions follow PostgreSQL. Outside a block each statement runs in its own
//! transaction (autocommit) at `default_transaction_isolation`. BEGIN / START TRANSACTION
//! opens a block; an error inside it marks the block failed, after which every statement but
//! ROLLBACK (or ROLLBACK TO SAVEPOINT, or COMMIT, which then rolls back) fails with 25P02.
//! SET TRANSACTION changes the level of a block that has not run a query yet. The levels:
//! READ COMMITTED is read committed; REPEATABLE READ and SNAPSHOT are snapshot isolation;
//! SERIALIZABLE runs as snapshot isolation until SSI and 2PL land (issue 6), but is reported
//! as `serializable`.
//!
//! Statements bind and execute on the calling thread when its stack is ample for the
//! statement's length, otherwise on a helper thread with
//! [`SQL_STACK_BYTES`](crate::sql::parser::SQL_STACK_BYTES) of stack, because deep syntax
//! trees recurse when dropped.

use super::SqlError;
use super::binder::Binder;
use super::binder::naming::{ident, object_name};
use super::functions::FnContext;
use super::parser::{self, SQL_STACK_BYTES};
use super::result::{Column, Notice, QueryResult, RelationInfo, TxnStatus};
use super::types::{DataType, Value};
use crate::catalog::{self, Relation};
use crate::database::Database;
use crate::txn::{CancelToken, IsolationLevel, Transaction};
use parking_lot::Mutex;
use sqlparser::ast;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// A requested isolation level (what SHOW transaction_isolation reports).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    ReadCommitted,
    RepeatableRead,
    Serializable,
}

impl Level {
    pub fn name(self) -> &'static str {
        match self {
            Level::ReadCommitted => "read committed",
            Level::RepeatableRead => "repeatable read",
            Level::Serializable => "serializable",
        }
    }

    fn parse(s: &str) -> Option<Level> {
        match s
            .trim()
            .to_ascii_lowercase()
            .replace(['_', '-'], " ")
            .as_str()
        {
            "read committed" | "read uncommitted" => Some(Level::ReadCommitted),
            "repeatable read" | "snapshot" => Some(Level::RepeatableRead),
            "serializable" => Some(Level::Serializable),
            _ => None,
        }
    }

    fn from_ast(l: &ast::TransactionIsolationLevel) -> Level {
        match l {
            ast::TransactionIsolationLevel::ReadCommitted
            | ast::TransactionIsolationLevel::ReadUncommitted => Level::ReadCommitted,
            ast::TransactionIsolationLevel::RepeatableRead
            | ast::TransactionIsolationLevel::Snapshot => Level::RepeatableRead,
            ast::TransactionIsolationLevel::Serializable => Level::Serializable,
        }
    }

    fn engine(self) -> IsolationLevel {
        match self {
            Level::ReadCommitted => IsolationLevel::ReadCommitted,
            Level::RepeatableRead | Level::Serializable => IsolationLevel::Snapshot,
        }
    }
}

/// Cancels a session's running statement from another thread.
#[derive(Clone, Default)]
pub struct CancelHandle {
    flag: Arc<AtomicBool>,
    token: Arc<Mutex<Option<CancelToken>>>,
}

impl CancelHandle {
    /// Makes the running statement (or lock wait) fail with 57014.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Some(t) = self.token.lock().as_ref() {
            t.cancel();
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Block {
    None,
    Open,
    Failed,
}

struct Open {
    txn: Transaction,
    level: Level,
    read_only: bool,
    used: bool,
    started: i64,
}

/// One connection's worth of state; see the module documentation.
pub struct Session {
    db: Database,
    open: Option<Open>,
    block: Block,
    settings: BTreeMap<String, String>,
    /// Settings as they were at BEGIN: SET is transactional, so ROLLBACK restores them.
    settings_at_begin: Option<BTreeMap<String, String>>,
    /// SET LOCAL values to undo when the transaction ends: (name, previous value).
    local_settings: Vec<(String, String)>,
    cancel: CancelHandle,
}

const SETTINGS: &[(&str, &str)] = &[
    ("application_name", ""),
    ("client_encoding", "UTF8"),
    ("client_min_messages", "notice"),
    ("datestyle", "ISO, MDY"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("extra_float_digits", "1"),
    ("idle_in_transaction_session_timeout", "0"),
    ("integer_datetimes", "on"),
    ("intervalstyle", "postgres"),
    ("is_superuser", "on"),
    ("lock_timeout", "0"),
    ("search_path", "\"$user\", public"),
    ("serializable_mode", "ssi"),
    ("server_encoding", "UTF8"),
    ("server_version", "15.0 (isodb 0.1)"),
    ("server_version_num", "150000"),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("synchronous_commit", "on"),
    ("timezone", "UTC"),
];

fn now_micros() -> i64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    d.as_micros() as i64 - 946_684_800_000_000
}

fn aborted() -> SqlError {
    SqlError::new(
        "25P02",
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

fn warning(code: &'static str, message: &str) -> Notice {
    Notice {
        severity: "WARNING",
        code,
        message: message.to_string(),
    }
}

impl Session {
    pub(crate) fn new(db: Database) -> Session {
        let settings = SETTINGS
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Session {
            db,
            open: None,
            block: Block::None,
            settings,
            settings_at_begin: None,
            local_settings: Vec::new(),
            cancel: CancelHandle::default(),
        }
    }

    /// A handle that cancels this session's running statement.
    pub fn cancel_handle(&self) -> CancelHandle {
        self.cancel.clone()
    }

    /// Transaction-block status (ReadyForQuery's I/T/E).
    pub fn status(&self) -> TxnStatus {
        match self.block {
            Block::None => TxnStatus::Idle,
            Block::Open => TxnStatus::InBlock,
            Block::Failed => TxnStatus::Failed,
        }
    }

    /// A setting's current value.
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.settings
            .get(&name.to_ascii_lowercase())
            .map(String::as_str)
    }

    /// Runs every statement in `sql` and returns the last one's result.
    pub fn execute(&mut self, sql: &str) -> Result<QueryResult, SqlError> {
        let mut results = self.execute_all(sql);
        match results.pop() {
            Some(r) => r,
            None => Ok(QueryResult::command("")),
        }
    }

    /// Runs every statement in `sql`: one result per statement, stopping after the first
    /// error (which is then the last element).
    pub fn execute_all(&mut self, sql: &str) -> Vec<Result<QueryResult, SqlError>> {
        // Deep syntax trees recurse when walked and dropped (~300 bytes of stack per level, at
        // most one level per 2 bytes of text); binding and execution grow their stack on
        // demand. So a statement runs here when this thread's stack is ample for its length,
        // which is nearly always, and on a big-stack helper thread otherwise.
        let needed = (256 << 10) + sql.len() * 200;
        let enough = stacker::remaining_stack().is_some_and(|s| s > needed);
        if enough {
            return self.execute_all_here(sql);
        }
        std::thread::scope(|s| {
            match std::thread::Builder::new()
                .name("isodb-sql".into())
                .stack_size(SQL_STACK_BYTES)
                .spawn_scoped(s, || self.execute_all_here(sql))
            {
                Ok(h) => h.join().unwrap_or_else(|_| {
                    vec![Err(SqlError::new(
                        "XX000",
                        "internal error: statement panicked",
                    ))]
                }),
                Err(e) => vec![Err(SqlError::new(
                    "53000",
                    format!("could not start a statement thread: {e}"),
                ))],
            }
        })
    }

    fn execute_all_here(&mut self, sql: &str) -> Vec<Result<QueryResult, SqlError>> {
        let stmts = match parser::parse(sql) {
            Ok(s) => s,
            Err(e) => {
                if self.block == Block::Open {
                    self.block = Block::Failed;
                }
                return vec![Err(e)];
            }
        };
        let mut out = Vec::with_capacity(stmts.len());
        for stmt in &stmts {
            let r = self.statement(stmt, &[]);
            let failed = r.is_err();
            out.push(r);
            if failed {
                break;
            }
        }
        out
    }

    /// Runs one parsed statement with parameter values.
    pub fn statement(
        &mut self,
        stmt: &ast::Statement,
        params: &[Value],
    ) -> Result<QueryResult, SqlError> {
        self.cancel.flag.store(false, Ordering::SeqCst);
        if let Some(t) = self.cancel.token.lock().as_ref() {
            t.reset();
        }
        match stmt {
            ast::Statement::StartTransaction { modes, .. } => return self.begin(modes),
            ast::Statement::Commit { .. } => return self.commit(),
            ast::Statement::Rollback {
                savepoint: None, ..
            } => return Ok(self.rollback()),
            ast::Statement::Rollback {
                savepoint: Some(name),
                ..
            } => return self.rollback_to(&ident(name)),
            _ => {}
        }
        if self.block == Block::Failed {
            return Err(aborted());
        }
        match stmt {
            ast::Statement::Savepoint { name } => {
                let Some(open) = self.open.as_mut().filter(|_| self.block == Block::Open) else {
                    return Err(SqlError::new(
                        "25P01",
                        "SAVEPOINT can only be used in transaction blocks",
                    ));
                };
                open.txn.savepoint(&ident(name))?;
                return Ok(QueryResult::command("SAVEPOINT"));
            }
            ast::Statement::ReleaseSavepoint { name } => {
                let Some(open) = self.open.as_mut().filter(|_| self.block == Block::Open) else {
                    return Err(SqlError::new(
                        "25P01",
                        "RELEASE SAVEPOINT can only be used in transaction blocks",
                    ));
                };
                let r = open.txn.release(&ident(name));
                if let Err(e) = r {
                    self.block = Block::Failed;
                    return Err(e.into());
                }
                return Ok(QueryResult::command("RELEASE"));
            }
            ast::Statement::Set(set) => return self.set(set),
            ast::Statement::ShowVariable { variable } => return self.show(variable),
            ast::Statement::Reset(r) => return self.reset(r),
            _ => {}
        }
        let autocommit = self.block == Block::None;
        if autocommit {
            let level = self.default_level();
            self.open = Some(self.new_txn(level, false));
        }
        let r = self.run_in_txn(stmt, params);
        if autocommit {
            let open = self.open.take();
            *self.cancel.token.lock() = None;
            match (r, open) {
                (Ok(res), Some(open)) => {
                    open.txn.commit()?;
                    Ok(res)
                }
                (Err(e), Some(open)) => {
                    open.txn.rollback();
                    Err(e)
                }
                (r, None) => r,
            }
        } else {
            if r.is_err() {
                self.block = Block::Failed;
            }
            r
        }
    }

    fn default_level(&self) -> Level {
        self.setting("default_transaction_isolation")
            .and_then(Level::parse)
            .unwrap_or(Level::ReadCommitted)
    }

    fn new_txn(&self, level: Level, read_only: bool) -> Open {
        let txn = self.db.manager.begin(level.engine(), read_only);
        *self.cancel.token.lock() = Some(txn.cancel_token());
        Open {
            txn,
            level,
            read_only,
            used: false,
            started: now_micros(),
        }
    }

    fn modes(&self, modes: &[ast::TransactionMode]) -> (Level, bool) {
        let mut level = self.default_level();
        let mut read_only = self.setting("default_transaction_read_only") == Some("on");
        for m in modes {
            match m {
                ast::TransactionMode::IsolationLevel(l) => level = Level::from_ast(l),
                ast::TransactionMode::AccessMode(a) => {
                    read_only = matches!(a, ast::TransactionAccessMode::ReadOnly)
                }
            }
        }
        (level, read_only)
    }

    fn begin(&mut self, modes: &[ast::TransactionMode]) -> Result<QueryResult, SqlError> {
        if self.block != Block::None {
            if self.block == Block::Failed {
                return Err(aborted());
            }
            let mut r = QueryResult::command("BEGIN");
            r.notices.push(warning(
                "25001",
                "there is already a transaction in progress",
            ));
            return Ok(r);
        }
        let (level, read_only) = self.modes(modes);
        self.open = Some(self.new_txn(level, read_only));
        self.block = Block::Open;
        self.settings_at_begin = Some(self.settings.clone());
        Ok(QueryResult::command("BEGIN"))
    }

    /// Ends a block's settings: kept on commit, restored on rollback; SET LOCAL undone.
    fn end_settings(&mut self, committed: bool) {
        let at_begin = self.settings_at_begin.take();
        if !committed && let Some(s) = at_begin {
            self.settings = s;
        }
        for (name, old) in std::mem::take(&mut self.local_settings).into_iter().rev() {
            self.settings.insert(name, old);
        }
    }

    fn commit(&mut self) -> Result<QueryResult, SqlError> {
        let block = std::mem::replace(&mut self.block, Block::None);
        self.end_settings(block == Block::Open);
        let open = self.open.take();
        *self.cancel.token.lock() = None;
        match (block, open) {
            (Block::None, _) => {
                let mut r = QueryResult::command("COMMIT");
                r.notices
                    .push(warning("25P01", "there is no transaction in progress"));
                Ok(r)
            }
            (Block::Failed, open) => {
                if let Some(o) = open {
                    o.txn.rollback();
                }
                Ok(QueryResult::command("ROLLBACK"))
            }
            (Block::Open, Some(o)) => {
                o.txn.commit()?;
                Ok(QueryResult::command("COMMIT"))
            }
            (Block::Open, None) => Ok(QueryResult::command("COMMIT")),
        }
    }

    fn rollback(&mut self) -> QueryResult {
        let block = std::mem::replace(&mut self.block, Block::None);
        self.end_settings(false);
        *self.cancel.token.lock() = None;
        if let Some(o) = self.open.take() {
            o.txn.rollback();
        }
        let mut r = QueryResult::command("ROLLBACK");
        if block == Block::None {
            r.notices
                .push(warning("25P01", "there is no transaction in progress"));
        }
        r
    }

    fn rollback_to(&mut self, name: &str) -> Result<QueryResult, SqlError> {
        let Some(open) = self.open.as_mut().filter(|_| self.block != Block::None) else {
            return Err(SqlError::new(
                "25P01",
                "ROLLBACK TO SAVEPOINT can only be used in transaction blocks",
            ));
        };
        match open.txn.rollback_to(name) {
            Ok(()) => {
                self.block = Block::Open;
                Ok(QueryResult::command("ROLLBACK"))
            }
            Err(e) => {
                self.block = Block::Failed;
                Err(e.into())
            }
        }
    }

    fn run_in_txn(
        &mut self,
        stmt: &ast::Statement,
        params: &[Value],
    ) -> Result<QueryResult, SqlError> {
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| SqlError::new("XX000", "no transaction"))?;
        open.txn.statement()?;
        open.used = true;
        let fnctx = FnContext {
            statement_timestamp: now_micros(),
            transaction_timestamp: open.started,
        };
        let manager = self.db.manager.clone();
        let cancel = self.cancel.flag.clone();
        super::statement::run_statement(&manager, &mut open.txn, stmt, params, fnctx, &cancel)
    }

    fn set(&mut self, set: &ast::Set) -> Result<QueryResult, SqlError> {
        match set {
            ast::Set::SingleAssignment {
                variable,
                values,
                scope,
                ..
            } => {
                let name = object_name(variable);
                let value = values
                    .iter()
                    .map(setting_text)
                    .collect::<Vec<_>>()
                    .join(", ");
                let local = matches!(scope, Some(ast::ContextModifier::Local));
                let previous = self.setting(&name).map(str::to_string);
                self.assign(&name, &value)?;
                if local {
                    if self.block == Block::None {
                        let mut r = QueryResult::command("SET");
                        r.notices.push(warning(
                            "25P01",
                            "SET LOCAL can only be used in transaction blocks",
                        ));
                        if let Some(p) = previous {
                            self.settings.insert(name.to_ascii_lowercase(), p);
                        }
                        return Ok(r);
                    }
                    if let Some(p) = previous {
                        self.local_settings.push((name.to_ascii_lowercase(), p));
                    }
                }
                Ok(QueryResult::command("SET"))
            }
            ast::Set::SetTimeZone { value, .. } => {
                self.assign("timezone", &setting_text(value))?;
                Ok(QueryResult::command("SET"))
            }
            ast::Set::SetTransaction { modes, .. } => {
                let (level, read_only) = self.modes(modes);
                match self.block {
                    Block::None => {
                        let mut r = QueryResult::command("SET");
                        r.notices.push(warning(
                            "25P01",
                            "SET TRANSACTION can only be used in transaction blocks",
                        ));
                        Ok(r)
                    }
                    Block::Failed => Err(aborted()),
                    Block::Open => {
                        if self.open.as_ref().is_some_and(|o| o.used) {
                            return Err(SqlError::new(
                                "25001",
                                "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                            ));
                        }
                        if let Some(o) = self.open.take() {
                            o.txn.rollback();
                        }
                        self.open = Some(self.new_txn(level, read_only));
                        Ok(QueryResult::command("SET"))
                    }
                }
            }
            _ => Err(SqlError::feature_not_supported(
                "this SET form is not supported",
            )),
        }
    }

    fn assign(&mut self, name: &str, value: &str) -> Result<(), SqlError> {
        let name = name.to_ascii_lowercase();
        let lowered = value.to_ascii_lowercase();
        if lowered == "default" {
            if let Some((_, d)) = SETTINGS.iter().find(|(k, _)| *k == name) {
                self.settings.insert(name, d.to_string());
            }
            return Ok(());
        }
        let invalid = || {
            SqlError::new(
                "22023",
                format!("invalid value for parameter \"{name}\": \"{value}\""),
            )
        };
        let value = match name.as_str() {
            "default_transaction_isolation" | "transaction_isolation" => {
                let level = Level::parse(value).ok_or_else(invalid)?;
                if name == "transaction_isolation" {
                    return Err(SqlError::feature_not_supported(
                        "use SET TRANSACTION ISOLATION LEVEL",
                    ));
                }
                level.name().to_string()
            }
            "serializable_mode" => match lowered.as_str() {
                "ssi" | "2pl" => lowered,
                _ => return Err(invalid().with_hint("Available values: ssi, 2pl.")),
            },
            "server_version" | "server_encoding" | "integer_datetimes" | "is_superuser"
            | "server_version_num" => {
                return Err(SqlError::new(
                    "55P02",
                    format!("parameter \"{name}\" cannot be changed"),
                ));
            }
            _ if SETTINGS.iter().any(|(k, _)| *k == name) || name.contains('.') => {
                value.to_string()
            }
            _ => {
                return Err(SqlError::new(
                    "42704",
                    format!("unrecognized configuration parameter \"{name}\""),
                ));
            }
        };
        self.settings.insert(name, value);
        Ok(())
    }

    fn show(&mut self, variable: &[ast::Ident]) -> Result<QueryResult, SqlError> {
        let name = variable
            .iter()
            .map(ident)
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_lowercase();
        let text_col = |n: &str| Column {
            name: n.to_string(),
            ty: DataType::Text,
        };
        if name == "all" {
            let rows = self
                .settings
                .iter()
                .map(|(k, v)| vec![Value::Text(k.clone()), Value::Text(v.clone())])
                .collect();
            return Ok(QueryResult::rows(
                vec![text_col("name"), text_col("setting")],
                rows,
                "SHOW",
            ));
        }
        let value = match name.as_str() {
            "transaction_isolation" | "transaction isolation level" => match &self.open {
                Some(o) => o.level.name().to_string(),
                None => self.default_level().name().to_string(),
            },
            "transaction_read_only" => {
                let ro = match &self.open {
                    Some(o) => o.read_only,
                    None => self.setting("default_transaction_read_only") == Some("on"),
                };
                if ro { "on" } else { "off" }.to_string()
            }
            "time zone" => self.setting("timezone").unwrap_or("UTC").to_string(),
            _ => self.setting(&name).map(str::to_string).ok_or_else(|| {
                SqlError::new(
                    "42704",
                    format!("unrecognized configuration parameter \"{name}\""),
                )
            })?,
        };
        let col = if name == "transaction isolation level" {
            "transaction_isolation".to_string()
        } else {
            name
        };
        Ok(QueryResult::rows(
            vec![text_col(&col)],
            vec![vec![Value::Text(value)]],
            "SHOW",
        ))
    }

    fn reset(&mut self, r: &ast::ResetStatement) -> Result<QueryResult, SqlError> {
        match &r.reset {
            ast::Reset::ALL => {
                for (k, v) in SETTINGS {
                    self.settings.insert(k.to_string(), v.to_string());
                }
            }
            ast::Reset::ConfigurationParameter(n) => self.assign(&object_name(n), "default")?,
            ast::Reset::SessionAuthorization => {}
        }
        Ok(QueryResult::command("RESET"))
    }

    /// Every table and view, by name, for `\d`.
    pub fn relations(&mut self) -> Result<Vec<RelationInfo>, SqlError> {
        self.with_read_txn(|txn| {
            let rels = catalog::relations(txn)?;
            let mut out = Vec::with_capacity(rels.len());
            for r in &rels {
                out.push(describe(txn, r)?);
            }
            Ok(out)
        })
    }

    /// One relation, for `\d NAME`.
    pub fn relation(&mut self, name: &str) -> Result<Option<RelationInfo>, SqlError> {
        let name = name.to_string();
        self.with_read_txn(move |txn| match catalog::relation(txn, &name)? {
            Some(r) => Ok(Some(describe(txn, &r)?)),
            None => Ok(None),
        })
    }

    fn with_read_txn<T>(
        &mut self,
        f: impl FnOnce(&mut Transaction) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        match self.open.as_mut() {
            Some(o) if self.block == Block::Open => f(&mut o.txn),
            _ => {
                let mut txn = self.db.manager.begin(IsolationLevel::Snapshot, true);
                let r = f(&mut txn);
                txn.rollback();
                r
            }
        }
    }
}

fn describe(txn: &mut Transaction, r: &Relation) -> Result<RelationInfo, SqlError> {
    let view_columns = match r {
        Relation::View(v) => {
            let stmts = parser::parse(&v.sql)?;
            let Some(ast::Statement::Query(q)) = stmts.first() else {
                return Ok(catalog::describe(r, Vec::new()));
            };
            let mut b = Binder::new(txn, Vec::new());
            let (_, cols) = b.query(q)?;
            cols.iter()
                .enumerate()
                .map(|(i, c)| crate::sql::result::ColumnInfo {
                    name: v.columns.get(i).cloned().unwrap_or_else(|| c.name.clone()),
                    type_name: c.ty.name(),
                    not_null: false,
                    default: None,
                })
                .collect()
        }
        Relation::Table(_) => Vec::new(),
    };
    Ok(catalog::describe(r, view_columns))
}

fn setting_text(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
            other => other.to_string(),
        },
        ast::Expr::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}
