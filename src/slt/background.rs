//! Records that block: the runner extension the isolation suites use.
//!
//! The sqllogictest crate runs records strictly in order, so a statement that waits for a lock
//! held by another of the file's sessions would hang the file. Two markers, written as the
//! first line of a record's SQL, get around it:
//!
//! - `-- blocks`: the rest of the SQL starts on the session's own thread, and the record
//!   passes once the transaction layer reports the session's transaction as waiting (a lock
//!   wait). It fails if the statement finishes instead, or if neither happens within
//!   [`WAIT_LIMIT`]. The record's type is `statement ok`.
//! - `-- await`: a record with only the marker; it waits for the session's background
//!   statement and checks that statement's outcome against the record's own expectation
//!   (`statement ok`, `statement error 40001`, `query … ----`, …).
//!
//! Any statement still waiting for a lock after [`WAIT_LIMIT`] fails its record, so a file
//! that forgot a marker (or an engine that blocks where it should not) cannot hang.
//!
//! "Is waiting" comes from the lock manager's wait table, never from a sleep. Any other record
//! on a session with an outcome not yet awaited fails. `sqllogic/check_pg.py` implements the
//! same markers against PostgreSQL with `pg_blocking_pids`.

use super::runner::SltError;
use sqllogictest::{DB, DBOutput, DefaultColumnType};
use std::sync::Arc;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How long a `-- blocks` record waits to see its statement block, and how long any statement
/// may wait for a lock before its record fails.
pub const WAIT_LIMIT: Duration = Duration::from_secs(10);

type Outcome = Result<DBOutput<DefaultColumnType>, SltError>;

/// Answers "is this session's transaction waiting right now?".
pub type BlockedProbe = Arc<dyn Fn() -> bool + Send + Sync>;

/// A connection the runner can drive; `blocked_probe` enables `-- blocks` records.
pub trait SltConnection:
    DB<Error = SltError, ColumnType = DefaultColumnType> + Send + 'static
{
    fn blocked_probe(&self) -> Option<BlockedProbe> {
        None
    }
}

/// A connection that runs its statements on a thread of its own.
pub struct Background {
    jobs: Option<Sender<String>>,
    results: Receiver<Outcome>,
    probe: Option<BlockedProbe>,
    /// A `-- blocks` statement whose outcome is not awaited yet.
    pending: bool,
    worker: Option<JoinHandle<()>>,
}

fn failure(message: String) -> SltError {
    SltError {
        code: "SLT02".into(),
        message,
        detail: None,
        hint: None,
    }
}

impl Background {
    pub fn new<D: SltConnection>(mut conn: D) -> Background {
        let probe = conn.blocked_probe();
        let (job_tx, job_rx) = mpsc::channel::<String>();
        let (res_tx, res_rx) = mpsc::channel::<Outcome>();
        let worker = std::thread::Builder::new()
            .name("slt-session".into())
            .stack_size(crate::sql::parser::SQL_STACK_BYTES)
            .spawn(move || {
                while let Ok(sql) = job_rx.recv() {
                    let out =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| conn.run(&sql)))
                            .unwrap_or_else(|p| {
                                Err(failure(format!(
                                    "panicked: {}",
                                    super::runner::panic_message(p.as_ref())
                                )))
                            });
                    if res_tx.send(out).is_err() {
                        break;
                    }
                }
            })
            .ok();
        Background {
            jobs: Some(job_tx),
            results: res_rx,
            probe,
            pending: false,
            worker,
        }
    }

    fn send(&self, sql: &str) -> Result<(), SltError> {
        self.jobs
            .as_ref()
            .and_then(|j| j.send(sql.to_string()).ok())
            .ok_or_else(|| failure("the session's thread has ended".into()))
    }

    /// Waits for the running statement's outcome. Work takes as long as it takes (the file's
    /// deadline bounds it); a lock wait that lasts [`WAIT_LIMIT`] fails the record, since
    /// nothing in the file will end it (a statement that waits for another session needs the
    /// `-- blocks` marker). The statement then stays pending, so later records on the session
    /// fail too rather than race it.
    fn receive(&mut self, what: &str) -> Outcome {
        let mut waiting_since: Option<Instant> = None;
        loop {
            match self.results.recv_timeout(Duration::from_millis(50)) {
                Ok(out) => return out,
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(failure("the session's thread has ended".into()));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
            let waiting = self.probe.as_ref().is_some_and(|p| p());
            let since = match (waiting, waiting_since) {
                (false, _) => {
                    waiting_since = None;
                    continue;
                }
                (true, Some(t)) => t,
                (true, None) => *waiting_since.insert(Instant::now()),
            };
            if since.elapsed() >= WAIT_LIMIT {
                self.pending = true;
                return Err(failure(format!(
                    "{what} has waited for a lock for {WAIT_LIMIT:?} (a statement that waits \
                     for another session needs the `-- blocks` marker)"
                )));
            }
        }
    }

    fn start_blocking(&mut self, sql: &str) -> Outcome {
        let Some(probe) = self.probe.clone() else {
            return Err(failure(
                "`-- blocks` needs a connection that can tell whether it is waiting".into(),
            ));
        };
        self.send(sql)?;
        let deadline = Instant::now() + WAIT_LIMIT;
        loop {
            if probe() {
                self.pending = true;
                return Ok(DBOutput::StatementComplete(0));
            }
            // Waiting on the result channel doubles as the pause between looks at the wait
            // table: a statement that finishes ends the wait at once.
            match self.results.recv_timeout(Duration::from_millis(1)) {
                Ok(out) => {
                    let got = match out {
                        Ok(_) => "it completed".to_string(),
                        Err(e) => format!("it failed: {e}"),
                    };
                    return Err(failure(format!("expected to block, but {got}")));
                }
                Err(RecvTimeoutError::Disconnected) => {
                    return Err(failure("the session's thread has ended".into()));
                }
                Err(RecvTimeoutError::Timeout) if Instant::now() >= deadline => {
                    // Leave it pending so the file's later records report sensibly.
                    self.pending = true;
                    return Err(failure(format!(
                        "expected to block, but it neither blocked nor finished within {WAIT_LIMIT:?}"
                    )));
                }
                Err(RecvTimeoutError::Timeout) => {}
            }
        }
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        self.jobs = None;
        if !self.pending
            && let Some(w) = self.worker.take()
        {
            let _ = w.join();
        }
        // A statement still blocked is left to end with its database (the file's sessions
        // and transactions are dropped with it); joining would hang.
    }
}

/// Splits off a marker line: `("blocks", rest)` for `-- blocks\nSQL`.
fn marker(sql: &str) -> Option<(&str, &str)> {
    let trimmed = sql.trim_start();
    let first = trimmed.lines().next()?.trim();
    let word = first.strip_prefix("--")?.trim();
    match word {
        "blocks" | "await" => Some((word, trimmed[first.len()..].trim_start_matches('\n'))),
        _ => None,
    }
}

impl DB for Background {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Outcome {
        match marker(sql) {
            Some(("await", _)) => {
                if !self.pending {
                    return Err(failure("`-- await` without a blocked statement".into()));
                }
                self.pending = false;
                self.receive("the awaited statement")
            }
            _ if self.pending => Err(failure(
                "this session has a blocked statement: `-- await` it first".into(),
            )),
            Some((_, rest)) => self.start_blocking(rest),
            None => {
                self.send(sql)?;
                self.receive("the statement")
            }
        }
    }

    fn error_sql_state(err: &SltError) -> Option<String> {
        Some(err.code.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::marker;

    #[test]
    fn markers() {
        assert_eq!(marker("-- blocks\nupdate t"), Some(("blocks", "update t")));
        assert_eq!(marker("  --await"), Some(("await", "")));
        assert_eq!(marker("-- other\nselect 1"), None);
        assert_eq!(marker("select 1"), None);
    }
}
