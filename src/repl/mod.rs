//! The embedded REPL, `isodb repl`: a psql-like shell on a [`Database`] in this process.
//!
//! Design: one `Shell` holds the session, the query buffer (`input::Scanner`) and the
//! display settings, and is driven line by line from one of three sources, as psql is:
//!
//! - `-c SQL`: the whole string is run with `execute_all` (every statement's result is
//!   printed, stopping at the first error); exit code 1 if the last statement failed. A string
//!   starting with `\` is run as one backslash command instead.
//! - a terminal (stdin and stdout both ttys): rustyline with psql's prompts (`isodb=> `,
//!   `isodb-> ` for a continued statement, `isodb=*> ` / `isodb=!> ` inside a transaction
//!   block / a failed one), history in `$ISODB_HISTORY` or `~/.isodb_history`, Ctrl-C
//!   clearing the buffer, Ctrl-D leaving.
//! - anything else: a script, read line by line without prompts, continuing after errors (exit
//!   code 0, as psql without `ON_ERROR_STOP`); a last statement without `;` runs at the end.
//!
//! Statements run on a scoped worker thread while this thread waits, watching a SIGINT flag
//! (signal-hook): a Ctrl-C during a statement calls the session's cancel handle, and the
//! statement fails with 57014. While no statement runs, a terminal session ignores SIGINT
//! (rustyline reads Ctrl-C as a key anyway) and a script gets the default action. A script
//! whose statement was cancelled stops with exit code 3, like psql. A panicking statement is
//! reported as an error (XX000) rather than ending the shell.
//!
//! Output goes where psql sends it: results, command tags and `Time:` lines to stdout;
//! errors, notices and diagnostics to stderr. The layouts are in `format`, the backslash
//! commands in `meta`.

mod format;
mod input;
mod meta;

use crate::sql::error::SqlError;
use crate::sql::result::{QueryResult, TxnStatus};
use crate::{Database, Session};
use input::{Event, Scanner};
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

/// How `isodb repl` was started.
#[derive(Debug, Clone, Default)]
pub struct ReplOptions {
    /// `-c SQL`: run this and exit.
    pub command: Option<String>,
    /// The history file; `None` for `$ISODB_HISTORY`, else `~/.isodb_history`.
    pub history_file: Option<PathBuf>,
}

/// psql's EXIT_USER: a script stopped by Ctrl-C.
const EXIT_USER: u8 = 3;

/// Stack for the statement thread: as much as a Linux main thread gets.
const STATEMENT_STACK: usize = 8 << 20;

/// Run the REPL on `db` until `\q`, end of input, or the `-c` command is done.
pub fn run(db: Database, opts: ReplOptions) -> ExitCode {
    let interactive =
        opts.command.is_none() && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let interrupt = Interrupt::install(!interactive);
    let mut shell = Shell::new(db.session(), interactive, interrupt);
    let code = match &opts.command {
        Some(cmd) => shell.run_command(cmd),
        None if interactive => run_terminal(&mut shell, &opts),
        None => shell.run_script(std::io::stdin().lock()),
    };
    drop(shell);
    drop(db);
    ExitCode::from(code)
}

/// The history file: the option, else `$ISODB_HISTORY`, else `~/.isodb_history`.
fn history_path(opts: &ReplOptions) -> Option<PathBuf> {
    if let Some(p) = &opts.history_file {
        return Some(p.clone());
    }
    if let Some(p) = std::env::var_os("ISODB_HISTORY").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = std::env::var_os("HOME").or_else(|| std::env::var_os("USERPROFILE"))?;
    Some(PathBuf::from(home).join(".isodb_history"))
}

/// The interactive loop on a terminal.
fn run_terminal(shell: &mut Shell, opts: &ReplOptions) -> u8 {
    use rustyline::error::ReadlineError;
    let config = rustyline::Config::builder()
        .max_history_size(500)
        .map(|b| b.auto_add_history(false).build())
        .unwrap_or_default();
    let mut editor = match rustyline::DefaultEditor::with_config(config) {
        Ok(e) => e,
        Err(e) => {
            shell.diag(&format!(
                "isodb: could not set up the terminal ({e}); reading a script"
            ));
            shell.interactive = false;
            return shell.run_script(std::io::stdin().lock());
        }
    };
    let history = history_path(opts);
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    shell.print(&format!(
        "isodb ({})\nType \"help\" for help.\n\n",
        env!("CARGO_PKG_VERSION")
    ));
    loop {
        let prompt = shell.prompt();
        match editor.readline(&prompt) {
            Ok(text) => {
                let mut quit = false;
                for line in text.split('\n') {
                    if shell.process_line(line) == Flow::Quit {
                        quit = true;
                        break;
                    }
                }
                for entry in shell.history.drain(..) {
                    let _ = editor.add_history_entry(entry);
                }
                if quit {
                    break;
                }
            }
            Err(ReadlineError::Interrupted) => {
                shell.scanner.reset();
                shell.pending_history.clear();
            }
            Err(ReadlineError::Eof) => {
                shell.print("\\q\n");
                break;
            }
            Err(e) => {
                shell.diag(&format!("isodb: could not read input: {e}"));
                break;
            }
        }
    }
    if let Some(path) = &history {
        let _ = editor.save_history(path);
    }
    0
}

/// SIGINT while a statement runs cancels it. Registered once: signal-hook cannot give the
/// default action back after unregistering, so outside statements the flag is simply ignored
/// (terminal) or the default action is emulated (script, `-c`).
struct Interrupt {
    pressed: Arc<AtomicBool>,
    /// While true, SIGINT gets its default action (terminate); only for scripts.
    idle: Option<Arc<AtomicBool>>,
}

impl Interrupt {
    fn install(default_when_idle: bool) -> Interrupt {
        let pressed = Arc::new(AtomicBool::new(false));
        let _ = signal_hook::flag::register(signal_hook::consts::SIGINT, pressed.clone());
        let idle = if default_when_idle {
            let idle = Arc::new(AtomicBool::new(true));
            match signal_hook::flag::register_conditional_default(
                signal_hook::consts::SIGINT,
                idle.clone(),
            ) {
                Ok(_) => Some(idle),
                Err(_) => None,
            }
        } else {
            None
        };
        Interrupt { pressed, idle }
    }

    /// A statement starts: forget earlier presses, catch the next one.
    fn begin(&self) {
        self.pressed.store(false, Ordering::SeqCst);
        if let Some(idle) = &self.idle {
            idle.store(false, Ordering::SeqCst);
        }
    }

    fn end(&self) {
        if let Some(idle) = &self.idle {
            idle.store(true, Ordering::SeqCst);
        }
    }

    fn take(&self) -> bool {
        self.pressed.swap(false, Ordering::SeqCst)
    }
}

/// Whether to keep reading input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    Quit,
}

/// The shell's state: the session, the query buffer and the `\x` / `\timing` settings.
pub(crate) struct Shell {
    pub(crate) session: Session,
    pub(crate) scanner: Scanner,
    /// The last buffer sent (psql's previous_buf), for `\g` and `\p` on an empty buffer.
    pub(crate) previous: String,
    pub(crate) expanded: bool,
    pub(crate) timing: bool,
    pub(crate) interactive: bool,
    out: Box<dyn Write>,
    err: Box<dyn Write>,
    interrupt: Interrupt,
    /// Whether the last statement or backslash command succeeded (for `-c`'s exit code).
    last_ok: bool,
    /// A script's statement was cancelled: stop reading.
    stopped: bool,
    /// Terminal only: lines typed since the last history entry, and finished entries (a
    /// statement with all its lines, or a backslash command's line), as psql groups them.
    pending_history: Vec<String>,
    history: Vec<String>,
}

impl Shell {
    fn new(session: Session, interactive: bool, interrupt: Interrupt) -> Shell {
        Shell {
            session,
            scanner: Scanner::new(),
            previous: String::new(),
            expanded: false,
            timing: false,
            interactive,
            out: Box::new(std::io::stdout()),
            err: Box::new(std::io::stderr()),
            interrupt,
            last_ok: true,
            stopped: false,
            pending_history: Vec::new(),
            history: Vec::new(),
        }
    }

    /// Write to stdout (results, tags, `Time:`, command messages).
    pub(crate) fn print(&mut self, s: &str) {
        let _ = self.out.write_all(s.as_bytes());
        let _ = self.out.flush();
    }

    /// Write a line to stderr (errors, notices, diagnostics).
    pub(crate) fn diag(&mut self, s: &str) {
        let _ = self.out.flush();
        let _ = self.err.write_all(s.as_bytes());
        if !s.ends_with('\n') {
            let _ = self.err.write_all(b"\n");
        }
        let _ = self.err.flush();
    }

    /// psql's PROMPT1/PROMPT2 `%/%R%x%# ` for database `isodb`, as a non-superuser.
    fn prompt(&self) -> String {
        let status = match self.session.status() {
            TxnStatus::Idle => "",
            TxnStatus::InBlock => "*",
            TxnStatus::Failed => "!",
        };
        format!("isodb{}{status}> ", self.scanner.prompt_char())
    }

    /// `-c`: SQL through `execute_all`, or backslash commands. Exit code 1 if the last failed.
    fn run_command(&mut self, cmd: &str) -> u8 {
        let trimmed = cmd.trim_start();
        if trimmed.starts_with('\\') {
            // psql runs just the one backslash command (anything after it is ignored).
            let (m, _) = input::lex_meta(trimmed);
            self.last_ok = meta::run(self, &m) != meta::Status::Error;
        } else if !input::is_blank(cmd) {
            self.send(cmd.to_string());
        }
        if self.stopped {
            EXIT_USER
        } else if self.last_ok {
            0
        } else {
            1
        }
    }

    /// A script from a pipe or file: psql's non-interactive main loop.
    fn run_script(&mut self, mut input: impl BufRead) -> u8 {
        let mut raw = Vec::new();
        let mut first = true;
        loop {
            raw.clear();
            match input.read_until(b'\n', &mut raw) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.diag(&format!("isodb: could not read input: {e}"));
                    break;
                }
            }
            if raw.last() == Some(&b'\n') {
                raw.pop();
            }
            let mut line = String::from_utf8_lossy(&raw).into_owned();
            if std::mem::take(&mut first) && line.starts_with('\u{feff}') {
                // psql skips a UTF-8 byte-order mark on the first line.
                line.drain(..'\u{feff}'.len_utf8());
            }
            if self.process_line(&line) == Flow::Quit {
                return if self.stopped { EXIT_USER } else { 0 };
            }
        }
        self.flush_buffer();
        if self.stopped { EXIT_USER } else { 0 }
    }

    /// End of input in a script: psql sends a last statement that lacks its `;`.
    fn flush_buffer(&mut self) {
        if !self.scanner.buffer().is_empty() && !self.stopped {
            let (sql, blank) = self.scanner.take();
            self.previous = sql.clone();
            if !blank {
                self.send(sql);
            }
        }
    }

    /// psql's "help" / "quit" / "exit" words on a terminal: only alone on a line (an optional
    /// `;` and whitespace may follow), without leading whitespace.
    fn assistance(&mut self, line: &str) -> Option<Flow> {
        if let Some(rest) = line.strip_prefix("\\q")
            && rest.trim().is_empty()
            && !self.scanner.buffer().is_empty()
            && self.scanner.in_quote()
        {
            // Inside a string or comment `\q` is just text; psql says how to leave.
            self.print("Use control-D to quit.\n");
            return None;
        }
        let word = line.get(..4)?.to_ascii_lowercase();
        let rest = line[4..].trim_start();
        let rest = rest.strip_prefix(';').unwrap_or(rest);
        if !rest.trim().is_empty() {
            return None;
        }
        let empty = self.scanner.buffer().is_empty();
        match word.as_str() {
            "help" if empty => {
                self.print(
                    "You are using isodb, the interactive shell of the isodb database.\n\
                     Type:  \\? for help with isodb commands\n       \
                     \\g or terminate with semicolon to execute query\n       \
                     \\q to quit\n",
                );
                Some(Flow::Continue)
            }
            "help" => {
                self.print("Use \\? for help or press control-C to clear the input buffer.\n");
                None
            }
            "quit" | "exit" if empty => Some(Flow::Quit),
            "quit" | "exit" => {
                if matches!(self.scanner.prompt_char(), '-' | '(' | '=') {
                    self.print("Use \\q to quit.\n");
                } else {
                    self.print("Use control-D to quit.\n");
                }
                None
            }
            _ => None,
        }
    }

    /// Feed one input line: run each statement it completes and each backslash command in it.
    pub(crate) fn process_line(&mut self, line: &str) -> Flow {
        if self.interactive
            && let Some(flow) = self.assistance(line)
        {
            return flow;
        }
        if !self.scanner.start_line(line) {
            return Flow::Continue;
        }
        let mut pos = 0;
        let mut saved = false;
        while let Some(event) = self.scanner.scan(line, &mut pos) {
            if self.interactive {
                if let Event::Meta(m) = &event
                    && m.line_start
                {
                    self.flush_history();
                }
                if !saved {
                    self.pending_history.push(line.to_string());
                    self.flush_history();
                    saved = true;
                }
            }
            match event {
                Event::Statement { sql, blank } => {
                    self.previous = sql.clone();
                    if !blank {
                        self.send(sql);
                    }
                }
                Event::Meta(m) => match meta::run(self, &m) {
                    meta::Status::Ok => self.last_ok = true,
                    meta::Status::Error => self.last_ok = false,
                    meta::Status::Quit => return Flow::Quit,
                    meta::Status::Send { expanded } => {
                        let (sql, blank) = if self.scanner.buffer().is_empty() {
                            let prev = self.previous.clone();
                            let blank = input::is_blank(&prev);
                            self.scanner.reset();
                            (prev, blank)
                        } else {
                            self.scanner.take()
                        };
                        self.previous = sql.clone();
                        if !blank {
                            let was_expanded = self.expanded;
                            self.expanded = expanded || was_expanded;
                            self.send(sql);
                            self.expanded = was_expanded;
                        }
                    }
                },
            }
            if self.stopped {
                return Flow::Quit;
            }
        }
        if self.interactive && !saved {
            self.pending_history.push(line.to_string());
        }
        Flow::Continue
    }

    /// Turn the pending lines into one history entry.
    fn flush_history(&mut self) {
        if !self.pending_history.is_empty() {
            let entry = self.pending_history.join("\n");
            self.pending_history.clear();
            if !entry.trim().is_empty() {
                self.history.push(entry);
            }
        }
    }

    /// Run `sql` and print every result as psql does.
    fn send(&mut self, sql: String) {
        let (results, elapsed) = self.execute(&sql);
        let mut ok = true;
        for r in &results {
            match r {
                Ok(res) => {
                    for n in &res.notices {
                        self.diag(&format::format_notice(n));
                    }
                    self.print(&format::render_result(res, self.expanded));
                    ok = true;
                }
                Err(e) => {
                    self.diag(&format::format_error(e, Some(&sql)));
                    ok = false;
                }
            }
        }
        self.last_ok = ok;
        if self.timing {
            self.print(&format::format_timing(elapsed.as_secs_f64() * 1000.0));
        }
    }

    /// Run `sql` on a worker thread, cancelling it on Ctrl-C.
    fn execute(&mut self, sql: &str) -> (Vec<Result<QueryResult, SqlError>>, Duration) {
        let cancel = self.session.cancel_handle();
        let Shell {
            session,
            interrupt,
            err,
            interactive,
            stopped,
            ..
        } = self;
        interrupt.begin();
        let start = Instant::now();
        let (results, elapsed) = std::thread::scope(|scope| {
            let (tx, rx) = mpsc::channel();
            let worker = std::thread::Builder::new()
                .name("isodb-statement".to_string())
                .stack_size(STATEMENT_STACK)
                .spawn_scoped(scope, move || {
                    let _ = tx.send(session.execute_all(sql));
                });
            let worker = match worker {
                Ok(w) => w,
                Err(e) => {
                    let msg = format!("could not start a thread for the statement: {e}");
                    return (vec![Err(SqlError::new("XX000", msg))], start.elapsed());
                }
            };
            let results = loop {
                match rx.recv_timeout(Duration::from_millis(20)) {
                    Ok(r) => break r,
                    Err(RecvTimeoutError::Timeout) => {
                        if interrupt.take() {
                            cancel.cancel();
                            let _ = err.write_all(b"Cancel request sent\n");
                            let _ = err.flush();
                            if !*interactive {
                                *stopped = true;
                            }
                        }
                    }
                    Err(RecvTimeoutError::Disconnected) => {
                        break vec![Err(SqlError::new(
                            "XX000",
                            "internal error: the statement panicked",
                        ))];
                    }
                }
            };
            let elapsed = start.elapsed();
            let _ = worker.join();
            (results, elapsed)
        });
        interrupt.end();
        (results, elapsed)
    }
}
