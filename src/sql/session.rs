//! A session: one connection's transaction state and settings, and the statement loop.
//!
//! Transactions follow PostgreSQL. Outside a block each statement runs in its own
//! transaction (autocommit) at `default_transaction_isolation`, except that the statements of
//! one multi-statement string, or of one extended-protocol batch up to Sync, share an
//! implicit transaction (`begin_implicit` / `end_implicit`). BEGIN / START TRANSACTION
//! opens a block; an error inside it marks the block failed, after which every statement but
//! ROLLBACK (or ROLLBACK TO SAVEPOINT, or COMMIT, which then rolls back) fails with 25P02.
//! SET TRANSACTION changes the level of a block that has not run a query yet. The levels:
//! READ COMMITTED is read committed; REPEATABLE READ and SNAPSHOT are snapshot isolation;
//! SERIALIZABLE is serializable snapshot isolation (`txn::ssi`), or strict two-phase locking
//! when `serializable_mode = '2pl'` (read when the transaction begins).
//!
//! Statements bind and execute on the calling thread when its stack is ample for the
//! statement's length, otherwise on a helper thread with
//! [`SQL_STACK_BYTES`](crate::sql::parser::SQL_STACK_BYTES) of stack, because deep syntax
//! trees recurse when dropped.

use super::SqlError;
use super::binder::Binder;
use super::binder::naming::ident;
use super::functions::FnContext;
use super::parser::{self, SQL_STACK_BYTES};
use super::result::{Notice, QueryResult, RelationInfo, TxnStatus};
use super::settings::SETTINGS;
use super::types::{DataType, Value};
use crate::catalog::{self, Relation};
use crate::database::Database;
use crate::txn::{CancelToken, IsolationLevel, Transaction};
use parking_lot::Mutex;
use sqlparser::ast;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
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

    pub(super) fn parse(s: &str) -> Option<Level> {
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

    /// The engine's level; `two_pl`: `serializable_mode = '2pl'`.
    fn engine(self, two_pl: bool) -> IsolationLevel {
        match self {
            Level::ReadCommitted => IsolationLevel::ReadCommitted,
            Level::RepeatableRead => IsolationLevel::Snapshot,
            Level::Serializable if two_pl => IsolationLevel::TwoPhaseLocking,
            Level::Serializable => IsolationLevel::Serializable,
        }
    }
}

/// Cancels a session's running statement from another thread.
#[derive(Clone, Default)]
pub struct CancelHandle {
    flag: Arc<AtomicBool>,
    token: Arc<Mutex<Option<CancelToken>>>,
    /// The id of the session's newest transaction (0 before the first), so that tests and
    /// system views can ask the transaction layer whether the session is waiting.
    txn: Arc<AtomicU64>,
}

impl CancelHandle {
    /// Makes the running statement (or lock wait) fail with 57014.
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::SeqCst);
        if let Some(t) = self.token.lock().as_ref() {
            t.cancel();
        }
    }

    /// The id of the session's current (or last) transaction; 0 before the first.
    pub fn current_txn(&self) -> u64 {
        self.txn.load(Ordering::SeqCst)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Block {
    None,
    Open,
    Failed,
    /// PostgreSQL's implicit transaction block: the statements of one multi-statement query
    /// string, or of the extended protocol's messages up to Sync, share one transaction that
    /// commits at the end (or when an error rolls it back). BEGIN turns it into a real block.
    Implicit,
}

pub(super) struct Open {
    pub(super) txn: Transaction,
    pub(super) level: Level,
    pub(super) read_only: bool,
    pub(super) used: bool,
    started: i64,
}

/// One connection's worth of state; see the module documentation.
pub struct Session {
    db: Database,
    pub(super) open: Option<Open>,
    pub(super) block: Block,
    /// The next statement outside a block opens an implicit block rather than autocommitting.
    implicit_pending: bool,
    pub(super) settings: BTreeMap<String, String>,
    /// Settings as they were at BEGIN: SET is transactional, so ROLLBACK restores them.
    pub(super) settings_at_begin: Option<BTreeMap<String, String>>,
    /// SET LOCAL values to undo when the transaction ends: (name, previous value).
    pub(super) local_settings: Vec<(String, String)>,
    cancel: CancelHandle,
}

fn now_micros() -> i64 {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    d.as_micros() as i64 - 946_684_800_000_000
}

pub(super) fn aborted() -> SqlError {
    SqlError::new(
        "25P02",
        "current transaction is aborted, commands ignored until end of transaction block",
    )
}

pub(super) fn warning(code: &'static str, message: &str) -> Notice {
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
            implicit_pending: false,
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
            Block::None | Block::Implicit => TxnStatus::Idle,
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
    /// error (which is then the last element). Several statements share one implicit
    /// transaction, as PostgreSQL runs a multi-statement query string, unless they contain
    /// their own BEGIN/COMMIT; a failure to commit it is one more (last) element.
    pub fn execute_all(&mut self, sql: &str) -> Vec<Result<QueryResult, SqlError>> {
        self.on_ample_stack(sql.len(), |s| s.execute_all_here(sql))
            .unwrap_or_else(|e| vec![Err(e)])
    }

    /// Runs `f` here when this thread's stack is ample for a statement of `len` bytes, which
    /// is nearly always, and on a big-stack helper thread otherwise: deep syntax trees recurse
    /// when walked and dropped (~300 bytes of stack per level, at most one level per 2 bytes
    /// of text); binding and execution grow their stack on demand.
    pub(super) fn on_ample_stack<R: Send>(
        &mut self,
        len: usize,
        f: impl FnOnce(&mut Session) -> R + Send,
    ) -> Result<R, SqlError> {
        let needed = (256 << 10) + len * 200;
        if stacker::remaining_stack().is_some_and(|s| s > needed) {
            return Ok(f(self));
        }
        std::thread::scope(|s| {
            match std::thread::Builder::new()
                .name("isodb-sql".into())
                .stack_size(SQL_STACK_BYTES)
                .spawn_scoped(s, || f(self))
            {
                Ok(h) => h
                    .join()
                    .map_err(|_| SqlError::new("XX000", "internal error: statement panicked")),
                Err(e) => Err(SqlError::new(
                    "53000",
                    format!("could not start a statement thread: {e}"),
                )),
            }
        })
    }

    fn execute_all_here(&mut self, sql: &str) -> Vec<Result<QueryResult, SqlError>> {
        let stmts = match parser::parse(sql) {
            Ok(s) => s,
            Err(e) => {
                self.fail_block();
                return vec![Err(e)];
            }
        };
        let implicit = stmts.len() > 1;
        if implicit {
            self.begin_implicit();
        }
        let mut out = Vec::with_capacity(stmts.len());
        for stmt in &stmts {
            let r = self.statement(stmt, &[]);
            let failed = r.is_err();
            out.push(r);
            if failed {
                break;
            }
        }
        if implicit && let Err(e) = self.end_implicit() {
            out.push(Err(e));
        }
        out
    }

    /// Starts an implicit transaction block: statements from now until [`end_implicit`]
    /// share one transaction (see [`Block::Implicit`]). A no-op inside a block.
    ///
    /// [`end_implicit`]: Session::end_implicit
    pub fn begin_implicit(&mut self) {
        self.implicit_pending = self.block == Block::None;
    }

    /// Whether [`end_implicit`](Session::end_implicit) is in-memory work only (no writes to
    /// make durable), so a caller may run it where blocking I/O is not allowed.
    pub fn end_implicit_is_cheap(&self) -> bool {
        self.block != Block::Implicit || self.open.as_ref().is_none_or(|o| !o.txn.has_writes())
    }

    /// Ends an implicit block: commits its transaction if one was opened and is still live.
    pub fn end_implicit(&mut self) -> Result<(), SqlError> {
        self.implicit_pending = false;
        if self.block != Block::Implicit {
            return Ok(());
        }
        self.block = Block::None;
        self.end_settings(true);
        *self.cancel.token.lock() = None;
        match self.open.take() {
            Some(o) => Ok(o.txn.commit()?),
            None => Ok(()),
        }
    }

    /// An error outside statement execution (parsing, describing, a protocol message): an
    /// explicit block fails, an implicit one rolls back.
    pub fn fail_block(&mut self) {
        match self.block {
            Block::Open => self.block = Block::Failed,
            Block::Implicit => {
                self.rollback();
            }
            Block::None | Block::Failed => {}
        }
        self.implicit_pending = false;
    }

    /// Runs one parsed statement with parameter values.
    pub fn statement(
        &mut self,
        stmt: &ast::Statement,
        params: &[Value],
    ) -> Result<QueryResult, SqlError> {
        self.run(stmt, &[], params)
    }

    /// Runs one parsed statement whose parameters have the given types (a prepared
    /// statement's, from [`Session::prepare`]).
    pub(super) fn run(
        &mut self,
        stmt: &ast::Statement,
        param_types: &[DataType],
        params: &[Value],
    ) -> Result<QueryResult, SqlError> {
        self.run_statement(stmt, param_types, params)
            .map_err(|e| self.name_relations(e))
    }

    /// A serialization failure's or deadlock's DETAIL, which the transaction layer writes with
    /// storage names ("r12"), with the tables' and indexes' names instead.
    fn name_relations(&self, mut e: SqlError) -> SqlError {
        let Some(detail) = e
            .detail
            .as_ref()
            .filter(|_| matches!(e.code, "40001" | "40P01"))
        else {
            return e;
        };
        // A fresh transaction: the failed one may be doomed or gone.
        let mut txn = self.db.manager.begin(IsolationLevel::Snapshot, true);
        if let Ok(names) = super::binder::system_views::tree_names(&mut txn) {
            let mut out = detail.clone();
            for (tree, name) in &names {
                out = out.replace(&format!("\"{tree}\""), &format!("\"{name}\""));
            }
            e.detail = Some(out);
        }
        txn.rollback();
        e
    }

    fn run_statement(
        &mut self,
        stmt: &ast::Statement,
        param_types: &[DataType],
        params: &[Value],
    ) -> Result<QueryResult, SqlError> {
        self.cancel.flag.store(false, Ordering::SeqCst);
        if let Some(t) = self.cancel.token.lock().as_ref() {
            t.reset();
        }
        match stmt {
            ast::Statement::StartTransaction {
                modes,
                begin,
                modifier,
                ..
            } => {
                // The parser marks PostgreSQL's DEFERRABLE as this modifier.
                let deferrable = matches!(modifier, Some(ast::TransactionModifier::Deferred));
                let tag = if *begin { "BEGIN" } else { "START TRANSACTION" };
                return self.begin(modes, deferrable, tag);
            }
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
        if self.block == Block::None && self.implicit_pending {
            self.implicit_pending = false;
            let level = self.default_level();
            let read_only = self.setting("default_transaction_read_only") == Some("on");
            self.open = Some(self.new_txn(level, read_only));
            self.block = Block::Implicit;
        }
        let autocommit = self.block == Block::None;
        if autocommit {
            let level = self.default_level();
            self.open = Some(self.new_txn(level, false));
        }
        let r = self.run_in_txn(stmt, param_types, params);
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
                self.fail_block();
            }
            r
        }
    }

    pub(super) fn default_level(&self) -> Level {
        self.setting("default_transaction_isolation")
            .and_then(Level::parse)
            .unwrap_or(Level::ReadCommitted)
    }

    pub(super) fn new_txn(&self, level: Level, read_only: bool) -> Open {
        let two_pl = self.setting("serializable_mode") == Some("2pl");
        let txn = self.db.manager.begin(level.engine(two_pl), read_only);
        *self.cancel.token.lock() = Some(txn.cancel_token());
        self.cancel.txn.store(txn.id(), Ordering::SeqCst);
        Open {
            txn,
            level,
            read_only,
            used: false,
            started: now_micros(),
        }
    }

    pub(super) fn modes(&self, modes: &[ast::TransactionMode]) -> (Level, bool) {
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

    fn begin(
        &mut self,
        modes: &[ast::TransactionMode],
        deferrable: bool,
        tag: &'static str,
    ) -> Result<QueryResult, SqlError> {
        self.implicit_pending = false;
        if self.block == Block::Implicit {
            // The implicit block becomes a real one, keeping what ran before BEGIN.
            self.block = Block::Open;
            if !modes.is_empty() && self.open.as_ref().is_some_and(|o| !o.used) {
                let (level, read_only) = self.modes(modes);
                if let Some(o) = self.open.take() {
                    o.txn.rollback();
                }
                let mut open = self.new_txn(level, read_only);
                open.txn.set_deferrable(deferrable);
                self.open = Some(open);
            }
            if self.settings_at_begin.is_none() {
                self.settings_at_begin = Some(self.settings.clone());
            }
            return Ok(QueryResult::command(tag));
        }
        if self.block != Block::None {
            if self.block == Block::Failed {
                return Err(aborted());
            }
            let mut r = QueryResult::command(tag);
            r.notices.push(warning(
                "25001",
                "there is already a transaction in progress",
            ));
            return Ok(r);
        }
        let (level, read_only) = self.modes(modes);
        let mut open = self.new_txn(level, read_only);
        open.txn.set_deferrable(deferrable);
        self.open = Some(open);
        self.block = Block::Open;
        self.settings_at_begin = Some(self.settings.clone());
        Ok(QueryResult::command(tag))
    }

    /// Ends a block's settings: kept on commit, restored on rollback; SET LOCAL undone.
    pub(super) fn end_settings(&mut self, committed: bool) {
        let at_begin = self.settings_at_begin.take();
        if !committed && let Some(s) = at_begin {
            self.settings = s;
        }
        for (name, old) in std::mem::take(&mut self.local_settings).into_iter().rev() {
            self.settings.insert(name, old);
        }
    }

    fn commit(&mut self) -> Result<QueryResult, SqlError> {
        self.implicit_pending = false;
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
            (Block::Open | Block::Implicit, Some(o)) => {
                o.txn.commit()?;
                Ok(QueryResult::command("COMMIT"))
            }
            (Block::Open | Block::Implicit, None) => Ok(QueryResult::command("COMMIT")),
        }
    }

    fn rollback(&mut self) -> QueryResult {
        self.implicit_pending = false;
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
        param_types: &[DataType],
        params: &[Value],
    ) -> Result<QueryResult, SqlError> {
        let lock_timeout = self.duration_setting("lock_timeout");
        let open = self
            .open
            .as_mut()
            .ok_or_else(|| SqlError::new("XX000", "no transaction"))?;
        open.txn.set_lock_timeout(lock_timeout);
        open.txn.statement()?;
        open.used = true;
        let fnctx = FnContext {
            statement_timestamp: now_micros(),
            transaction_timestamp: open.started,
        };
        let manager = self.db.manager.clone();
        let cancel = self.cancel.flag.clone();
        super::statement::run_statement(
            &manager,
            &mut open.txn,
            stmt,
            param_types,
            params,
            fnctx,
            &cancel,
        )
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

    pub(super) fn with_read_txn<T>(
        &mut self,
        f: impl FnOnce(&mut Transaction) -> Result<T, SqlError>,
    ) -> Result<T, SqlError> {
        match self.open.as_mut() {
            Some(o) if matches!(self.block, Block::Open | Block::Implicit) => f(&mut o.txn),
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
