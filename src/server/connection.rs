//! One client connection after startup: the simple and extended query protocols.
//!
//! The connection owns its [`Session`]. Every statement (and every Parse, which binds to
//! describe) runs on the blocking pool with the session moved in and handed back, while this
//! task keeps reading the socket: messages that arrive meanwhile are queued in order, and
//! end-of-file cancels the statement so its locks go at once.
//!
//! Extended protocol: like PostgreSQL, the statements between two Syncs share one implicit
//! transaction (`Session::begin_implicit`), committed at Sync; after an error every message
//! but Sync is discarded. Portals hold their statement's materialised result, so Execute
//! with a row limit sends a slice and PortalSuspended, and the next Execute resumes.
//! Portals live until their transaction ends (PostgreSQL's non-holdable portals), the
//! unnamed statement and portal until the next unnamed one or a simple Query.

mod extended;

use super::Shared;
use super::format::{data_row, error_response, notice_response, row_description};
use super::startup::{self, Client, Outcome, Wire};
use crate::sql::SqlError;
use crate::sql::prepared::Prepared;
use crate::sql::result::{QueryResult, TxnStatus};
use crate::sql::session::{CancelHandle, Session};
use extended::{Portal, Step};
use futures::{SinkExt, StreamExt};
use pgwire::error::PgWireError;
use pgwire::messages::response::{
    CommandComplete, EmptyQueryResponse, ReadyForQuery, TransactionStatus,
};
use pgwire::messages::startup::{Authentication, BackendKeyData, ParameterStatus, SecretKey};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage};
use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

/// Messages queued while a statement runs, at most; past it the socket is not read until
/// the statement ends (TCP backpressure then holds the client).
const MAX_QUEUED: usize = 1024;

/// Settings whose changes the server reports with ParameterStatus (PostgreSQL's GUC_REPORT).
const REPORTED: &[(&str, &str)] = &[
    ("application_name", "application_name"),
    ("client_encoding", "client_encoding"),
    ("DateStyle", "datestyle"),
    (
        "default_transaction_read_only",
        "default_transaction_read_only",
    ),
    ("integer_datetimes", "integer_datetimes"),
    ("IntervalStyle", "intervalstyle"),
    ("is_superuser", "is_superuser"),
    ("server_encoding", "server_encoding"),
    ("server_version", "server_version"),
    ("standard_conforming_strings", "standard_conforming_strings"),
    ("TimeZone", "timezone"),
];

/// Startup parameters applied as settings when a client sends them.
const STARTUP_SETTINGS: &[&str] = &[
    "application_name",
    "datestyle",
    "timezone",
    "intervalstyle",
    "extra_float_digits",
    "search_path",
    "default_transaction_isolation",
    "default_transaction_read_only",
    "statement_timeout",
    "lock_timeout",
    "idle_in_transaction_session_timeout",
    "serializable_mode",
    "client_min_messages",
];

/// Why the connection ends.
enum End {
    /// The client left (EOF, Terminate, I/O error).
    Gone,
    /// The server ends it with a FATAL error.
    Fatal(SqlError),
}

impl From<PgWireError> for End {
    fn from(e: PgWireError) -> End {
        match e {
            PgWireError::IoError(e) if e.kind() == std::io::ErrorKind::InvalidData => End::Fatal(
                SqlError::new("08P01", format!("invalid frontend message: {e}")),
            ),
            PgWireError::IoError(_) => End::Gone,
            other => End::Fatal(SqlError::new("08P01", other.to_string())),
        }
    }
}

/// What `on_session` waits for while a statement runs.
enum Event<R> {
    Done(Box<Result<(Session, std::thread::Result<R>), tokio::task::JoinError>>),
    Timeout,
    Message(Option<Result<PgWireFrontendMessage, PgWireError>>),
    Shutdown,
}

struct Connection {
    shared: Arc<Shared>,
    wire: Wire,
    session: Option<Session>,
    cancel: CancelHandle,
    statements: HashMap<String, Arc<Prepared>>,
    portals: HashMap<String, Portal>,
    queued: VecDeque<PgWireFrontendMessage>,
    /// After an extended-protocol error: discard until Sync.
    skipping: bool,
    /// Whether the current extended-protocol batch opened an implicit transaction.
    in_batch: bool,
    /// The socket hit EOF or an error while a statement ran.
    gone: bool,
    reported: Vec<String>,
    user: String,
    /// Rows are encoded through this buffer, reused across rows and values.
    scratch: Vec<u8>,
}

/// Serves one accepted socket until the client leaves or the server shuts down.
pub async fn run(shared: Arc<Shared>, socket: TcpStream, peer: SocketAddr) {
    let mut wire = Framed::new(socket, super::codec::WireCodec::new());
    let client = match startup::handshake(&mut wire, &shared).await {
        Ok(Outcome::Ready(c)) => c,
        Ok(Outcome::Done) => return,
        Err(e) => {
            tracing::debug!(%peer, error = %e, "startup failed");
            return;
        }
    };
    let count = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
    let _count = CountGuard(shared.clone());
    if count > shared.config.max_connections {
        tracing::warn!(%peer, "too many connections");
        let _ = startup::fatal(
            &mut wire,
            SqlError::new("53300", "sorry, too many clients already"),
        )
        .await;
        return;
    }
    let session = shared.db.session();
    let cancel = session.cancel_handle();
    let (pid, secret) = shared.register(cancel.clone());
    tracing::info!(%peer, pid, user = %client.user, database = %client.database, "connection");
    let mut conn = Connection {
        shared: shared.clone(),
        wire,
        session: Some(session),
        cancel,
        statements: HashMap::new(),
        portals: HashMap::new(),
        queued: VecDeque::new(),
        skipping: false,
        in_batch: false,
        gone: false,
        reported: Vec::new(),
        user: client.user.clone(),
        scratch: Vec::new(),
    };
    let end = match conn.start(&client, pid, secret).await {
        Ok(()) => conn.serve().await.err().unwrap_or(End::Gone),
        Err(e) => e,
    };
    if let End::Fatal(e) = &end {
        tracing::info!(pid, code = e.code, message = %e.message, "connection ended");
        let _ = conn
            .wire
            .send(PgWireBackendMessage::ErrorResponse(error_response(
                e, "FATAL",
            )))
            .await;
    } else {
        tracing::info!(pid, "disconnected");
    }
    shared.unregister(pid);
    // Dropping the session rolls back its open transaction and releases its locks; that
    // may wait on storage, so it happens off the runtime's threads.
    if let Some(session) = conn.session.take() {
        let _ = tokio::task::spawn_blocking(move || drop(session)).await;
    }
}

struct CountGuard(Arc<Shared>);

impl Drop for CountGuard {
    fn drop(&mut self) {
        self.0.connections.fetch_sub(1, Ordering::SeqCst);
    }
}

fn status_byte(s: TxnStatus) -> TransactionStatus {
    match s {
        TxnStatus::Idle => TransactionStatus::Idle,
        TxnStatus::InBlock => TransactionStatus::Transaction,
        TxnStatus::Failed => TransactionStatus::Error,
    }
}

fn quote_literal(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

impl Connection {
    fn session(&mut self) -> &mut Session {
        self.session
            .as_mut()
            .expect("the session is here between statements")
    }

    async fn send(&mut self, m: PgWireBackendMessage) -> Result<(), End> {
        self.wire.feed(m).await.map_err(End::from)
    }

    /// Applies startup parameters and server defaults, then AuthenticationOk,
    /// ParameterStatus, BackendKeyData and ReadyForQuery.
    async fn start(&mut self, client: &Client, pid: i32, secret: i32) -> Result<(), End> {
        let mut settings: Vec<(String, String)> = self.shared.config.session_defaults.clone();
        for (k, v) in &client.params {
            let k = k.to_ascii_lowercase();
            if STARTUP_SETTINGS.contains(&k.as_str()) {
                settings.push((k, v.clone()));
            } else if k == "options" {
                // `-c name=value` pairs, as libpq's PGOPTIONS.
                let mut words = v.split_whitespace();
                while let Some(w) = words.next() {
                    let pair = match w.strip_prefix("-c") {
                        Some("") => words.next().unwrap_or(""),
                        Some(rest) => rest,
                        None => w.strip_prefix("--").unwrap_or(""),
                    };
                    if let Some((n, val)) = pair.split_once('=') {
                        settings.push((n.replace('-', "_"), val.to_string()));
                    }
                }
            }
        }
        let session = self.session();
        for (name, value) in &settings {
            if let Err(e) = session.execute(&format!("SET {name} = {}", quote_literal(value))) {
                return Err(End::Fatal(e));
            }
        }
        self.send(PgWireBackendMessage::Authentication(Authentication::Ok))
            .await?;
        self.reported = vec![String::new(); REPORTED.len()];
        self.report_settings(true).await?;
        for (name, value) in [
            ("in_hot_standby", "off"),
            ("session_authorization", self.user.clone().as_str()),
        ] {
            self.send(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                name.to_string(),
                value.to_string(),
            )))
            .await?;
        }
        self.send(PgWireBackendMessage::BackendKeyData(BackendKeyData::new(
            pid,
            SecretKey::I32(secret),
        )))
        .await?;
        self.ready().await
    }

    /// ParameterStatus for every reported setting that changed (all of them at startup).
    async fn report_settings(&mut self, all: bool) -> Result<(), End> {
        for (i, (name, key)) in REPORTED.iter().enumerate() {
            let session = self.session.as_ref().expect("the session is here");
            let value = session.setting(key).unwrap_or("");
            // Compared in place: nothing is allocated unless the setting changed.
            if !all && self.reported[i] == value {
                continue;
            }
            let value = value.to_string();
            self.reported[i].clone_from(&value);
            self.send(PgWireBackendMessage::ParameterStatus(ParameterStatus::new(
                name.to_string(),
                value,
            )))
            .await?;
        }
        Ok(())
    }

    async fn ready(&mut self) -> Result<(), End> {
        let status = status_byte(self.session().status());
        self.send(PgWireBackendMessage::ReadyForQuery(ReadyForQuery::new(
            status,
        )))
        .await?;
        self.wire.flush().await.map_err(End::from)
    }

    async fn serve(&mut self) -> Result<(), End> {
        loop {
            let msg = self.next_message().await?;
            match msg {
                PgWireFrontendMessage::Query(q) => self.simple_query(q.query).await?,
                PgWireFrontendMessage::Sync(_) => self.sync().await?,
                PgWireFrontendMessage::Terminate(_) => return Err(End::Gone),
                PgWireFrontendMessage::Flush(_) => {
                    self.wire.flush().await.map_err(End::from)?;
                }
                _ if self.skipping => {}
                PgWireFrontendMessage::Parse(m) => self.extended(Step::Parse(m)).await?,
                PgWireFrontendMessage::Bind(m) => self.extended(Step::Bind(m)).await?,
                PgWireFrontendMessage::Describe(m) => self.extended(Step::Describe(m)).await?,
                PgWireFrontendMessage::Execute(m) => self.extended(Step::Execute(m)).await?,
                PgWireFrontendMessage::Close(m) => self.extended(Step::Close(m)).await?,
                PgWireFrontendMessage::CopyData(_)
                | PgWireFrontendMessage::CopyDone(_)
                | PgWireFrontendMessage::CopyFail(_) => {}
                other => {
                    return Err(End::Fatal(SqlError::new(
                        "08P01",
                        format!("unexpected message: {other:?}"),
                    )));
                }
            }
        }
    }

    /// The next message: a queued one, else one from the socket. Ends the connection when
    /// the server shuts down or `idle_in_transaction_session_timeout` passes.
    async fn next_message(&mut self) -> Result<PgWireFrontendMessage, End> {
        if let Some(m) = self.queued.pop_front() {
            return Ok(m);
        }
        if self.gone {
            return Err(End::Gone);
        }
        let idle_limit = match self.session().status() {
            TxnStatus::Idle => None,
            _ => self
                .session()
                .duration_setting("idle_in_transaction_session_timeout"),
        };
        let mut shutdown = self.shared.shutdown.clone();
        let idle = async {
            match idle_limit {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            m = self.wire.next() => match m {
                Some(Ok(m)) => Ok(m),
                Some(Err(e)) => Err(End::from(e)),
                None => Err(End::Gone),
            },
            _ = idle => Err(End::Fatal(SqlError::new(
                "25P03",
                "terminating connection due to idle-in-transaction timeout",
            ))),
            _ = shutdown.wait_for(|stop| *stop) => Err(End::Fatal(SqlError::new(
                "57P01",
                "terminating connection due to administrator command",
            ))),
        }
    }

    /// Runs `f` on the session on the blocking pool (see the module documentation), under
    /// `statement_timeout`. A statement the timeout cancelled fails with 57014 and
    /// PostgreSQL's message for it.
    async fn on_session<R: Send + 'static>(
        &mut self,
        f: impl FnOnce(&mut Session) -> R + Send + 'static,
    ) -> Result<(R, bool), End> {
        let mut session = self.session.take().expect("session present");
        let timeout = session.duration_setting("statement_timeout");
        let mut task = tokio::task::spawn_blocking(move || {
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(&mut session)));
            (session, r)
        });
        let timer = async {
            match timeout {
                Some(d) => tokio::time::sleep(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::pin!(timer);
        let mut timed_out = false;
        let mut shutdown = self.shared.shutdown.clone();
        let mut stopping = false;
        loop {
            let reading = !self.gone && self.queued.len() < MAX_QUEUED;
            let event = tokio::select! {
                r = &mut task => Event::Done(Box::new(r)),
                _ = &mut timer, if !timed_out => Event::Timeout,
                m = self.wire.next(), if reading => Event::Message(m),
                _ = shutdown.wait_for(|s| *s), if !stopping => Event::Shutdown,
            };
            match event {
                Event::Done(done) => match *done {
                    Ok((session, Ok(r))) => {
                        self.session = Some(session);
                        return Ok((r, timed_out));
                    }
                    Ok((session, Err(_))) => {
                        self.session = Some(session);
                        return Err(End::Fatal(SqlError::new(
                            "XX000",
                            "internal error: the statement panicked; the connection must close",
                        )));
                    }
                    Err(_) => {
                        return Err(End::Fatal(SqlError::new(
                            "XX000",
                            "internal error: the statement's task failed",
                        )));
                    }
                },
                Event::Timeout => {
                    timed_out = true;
                    self.cancel.cancel();
                }
                Event::Message(Some(Ok(m))) => self.queued.push_back(m),
                Event::Message(_) => {
                    // The client is gone: cancel so its locks go now, not when it ends.
                    self.gone = true;
                    self.cancel.cancel();
                }
                Event::Shutdown => {
                    stopping = true;
                    self.cancel.cancel();
                }
            }
        }
    }

    async fn send_error(&mut self, mut e: SqlError, timed_out: bool) -> Result<(), End> {
        if timed_out && e.code == "57014" {
            e.message = "canceling statement due to statement timeout".into();
        }
        tracing::info!(code = e.code, message = %e.message, "statement error");
        self.send(PgWireBackendMessage::ErrorResponse(error_response(
            &e, "ERROR",
        )))
        .await
    }

    async fn send_notices(&mut self, r: &QueryResult) -> Result<(), End> {
        let min = self
            .session()
            .setting("client_min_messages")
            .unwrap_or("notice");
        let min_rank = severity_rank(min);
        for n in &r.notices {
            if severity_rank(&n.severity.to_ascii_lowercase()) >= min_rank {
                self.send(PgWireBackendMessage::NoticeResponse(notice_response(n)))
                    .await?;
            }
        }
        Ok(())
    }

    /// Sends rows `from..to` of `r` in `formats`.
    async fn send_rows(
        &mut self,
        r: &QueryResult,
        from: usize,
        to: usize,
        formats: &[i16],
    ) -> Result<(), End> {
        let mut scratch = std::mem::take(&mut self.scratch);
        for row in &r.rows[from..to] {
            let dr = data_row(row, formats, &mut scratch);
            if let Err(e) = self.send(PgWireBackendMessage::DataRow(dr)).await {
                self.scratch = scratch;
                return Err(e);
            }
        }
        self.scratch = scratch;
        Ok(())
    }

    async fn complete(&mut self, tag: &str) -> Result<(), End> {
        if tag.is_empty() {
            return self
                .send(PgWireBackendMessage::EmptyQueryResponse(
                    EmptyQueryResponse::new(),
                ))
                .await;
        }
        self.send(PgWireBackendMessage::CommandComplete(CommandComplete::new(
            tag.to_string(),
        )))
        .await
    }

    async fn simple_query(&mut self, sql: String) -> Result<(), End> {
        self.statements.remove("");
        self.portals.remove("");
        let (results, timed_out) = self.on_session(move |s| s.execute_all(&sql)).await?;
        if results.is_empty() {
            self.complete("").await?;
        }
        for r in results {
            match r {
                Ok(r) => {
                    self.send_notices(&r).await?;
                    if r.returns_rows() {
                        self.send(PgWireBackendMessage::RowDescription(row_description(
                            &r.columns,
                            &[],
                        )))
                        .await?;
                        self.send_rows(&r, 0, r.rows.len(), &[]).await?;
                    }
                    self.complete(&r.tag).await?;
                }
                Err(e) => self.send_error(e, timed_out).await?,
            }
        }
        self.after_transaction();
        self.report_settings(false).await?;
        self.ready().await
    }

    async fn sync(&mut self) -> Result<(), End> {
        self.skipping = false;
        if self.in_batch {
            self.in_batch = false;
            // A read-only commit is in-memory work: no need for the blocking pool.
            let r = if self.session().end_implicit_is_cheap() {
                self.session().end_implicit()
            } else {
                self.on_session(|s| s.end_implicit()).await?.0
            };
            if let Err(e) = r {
                self.send_error(e, false).await?;
            }
        }
        self.after_transaction();
        self.report_settings(false).await?;
        self.ready().await
    }

    /// Portals end with their transaction.
    fn after_transaction(&mut self) {
        if self.session().status() == TxnStatus::Idle && !self.in_batch {
            self.portals.clear();
        }
    }
}

fn severity_rank(s: &str) -> u8 {
    match s {
        "debug" | "debug1" | "debug2" | "debug3" | "debug4" | "debug5" | "log" => 0,
        "info" => 1,
        "notice" => 2,
        "warning" => 3,
        "error" => 4,
        _ => 2,
    }
}
