//! The `sqllogictest::DB` implementation over an isodb [`Session`], value rendering, and the
//! record loop that runs one parsed file.
//!
//! Two rendering modes:
//!
//! - [`Mode::Postgres`] (isodb's own `.slt` suites): PostgreSQL's text output
//!   ([`Value::to_text`]: `t`/`f`, shortest round-trip floats, numeric with its scale), NULL as
//!   `NULL`, the empty string as `(empty)`.
//! - [`Mode::Corpus`] (SQLite's `.test` corpus): each value is rendered as SQLite's C runner
//!   renders it, by the type letter the `query` record expects for its column (the C runner
//!   asks SQLite for `sqlite3_column_int`, `_double` or `_text`, which convert):
//!   `I` is the value converted to a 32-bit integer (floats and numerics truncate toward zero,
//!   text takes its leading integer, booleans are 1/0, and the result keeps the low 32 bits as
//!   `sqlite3_column_int` does), `R` is SQLite's `%.3f` of the value as a double (half-up
//!   rounding on at most 16 significant digits, as SQLite's printf does), `T` is the text
//!   (floats and numerics as SQLite prints a REAL, `%!.15g`; booleans 1/0; the empty string as
//!   `(empty)`; bytes outside printable ASCII as `@`). NULL is `NULL` under every letter. A
//!   result whose column count differs from the letters fails, as in the C runner.
//!
//! The `DB::run` call does not see the record's type letters, so the record loop
//! ([`run_records`]) stores them in a cell shared with every connection before each query.
//!
//! Errors display as `SQLSTATE: message`, then `DETAIL: ...` and `HINT: ...` lines when present,
//! so `statement error <regex>` can match the code, the message, or both
//! (`statement error 42P01: relation "t" does not exist`); an anchored regex must allow for the
//! prefix (`^42P01: `). `statement error (42P01)` checks the SQLSTATE alone.

use super::background::{Background, BlockedProbe, SltConnection};
use crate::sql::SqlError;
use crate::sql::types::{DataType, Value};
use crate::{Database, Session};
use sqllogictest::{
    DB, DBOutput, DefaultColumnType, QueryExpect, Record, RecordOutput, Runner, TestError,
};
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A parsed record.
pub type SltRecord = Record<DefaultColumnType>;

/// How values are rendered and checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// isodb's own suites: PostgreSQL's text output.
    Postgres,
    /// SQLite's corpus: the C runner's rendering by expected type letter.
    Corpus,
}

/// The type letters of the query about to run; empty for statements.
pub type TypeCell = Arc<Mutex<Vec<DefaultColumnType>>>;

/// An error as the runner shows it: `SQLSTATE: message`, then DETAIL and HINT lines.
#[derive(Debug, Clone)]
pub struct SltError {
    pub code: String,
    pub message: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

impl fmt::Display for SltError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(d) = &self.detail {
            write!(f, "\nDETAIL: {d}")?;
        }
        if let Some(h) = &self.hint {
            write!(f, "\nHINT: {h}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SltError {}

impl From<SqlError> for SltError {
    fn from(e: SqlError) -> Self {
        SltError {
            code: e.code.to_string(),
            message: e.message,
            detail: e.detail,
            hint: e.hint,
        }
    }
}

/// One connection of a test file: a session plus the rendering rules.
pub struct SltDb {
    session: Session,
    mode: Mode,
    types: TypeCell,
    db: Database,
}

impl SltDb {
    pub fn new(db: &Database, mode: Mode, types: TypeCell) -> Self {
        SltDb {
            session: db.session(),
            mode,
            types,
            db: db.clone(),
        }
    }
}

impl SltConnection for SltDb {
    fn blocked_probe(&self) -> Option<BlockedProbe> {
        let handle = self.session.cancel_handle();
        let db = self.db.clone();
        Some(Arc::new(move || {
            db.transactions().is_waiting(handle.current_txn())
        }))
    }
}

impl DB for SltDb {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let result = self.session.execute(sql)?;
        if !result.returns_rows() {
            let count = result
                .tag
                .rsplit(' ')
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
            return Ok(DBOutput::StatementComplete(count));
        }
        let letters = self.types.lock().map(|t| t.clone()).unwrap_or_default();
        let types: Vec<DefaultColumnType> = match self.mode {
            Mode::Corpus if !letters.is_empty() => {
                if letters.len() != result.columns.len() {
                    return Err(SltError {
                        code: "SLT01".into(),
                        message: format!(
                            "wrong number of result columns: expected {} but got {}",
                            letters.len(),
                            result.columns.len()
                        ),
                        detail: None,
                        hint: None,
                    });
                }
                letters
            }
            _ => result.columns.iter().map(|c| letter_of(&c.ty)).collect(),
        };
        let rows = result
            .rows
            .iter()
            .map(|row| {
                row.iter()
                    .zip(
                        types
                            .iter()
                            .chain(std::iter::repeat(&DefaultColumnType::Any)),
                    )
                    .map(|(v, t)| match self.mode {
                        Mode::Postgres => render_postgres(v),
                        Mode::Corpus => render_corpus(v, t),
                    })
                    .collect()
            })
            .collect();
        Ok(DBOutput::Rows { types, rows })
    }

    fn error_sql_state(err: &SltError) -> Option<String> {
        Some(err.code.clone())
    }
}

/// The sqllogictest letter for a column type (shown in mismatch reports; not validated).
fn letter_of(ty: &DataType) -> DefaultColumnType {
    match ty {
        DataType::Int2 | DataType::Int4 | DataType::Int8 => DefaultColumnType::Integer,
        DataType::Float4 | DataType::Float8 | DataType::Numeric { .. } => {
            DefaultColumnType::FloatingPoint
        }
        _ => DefaultColumnType::Text,
    }
}

/// PostgreSQL's text output, NULL as `NULL`, the empty string as `(empty)`.
pub fn render_postgres(v: &Value) -> String {
    match v.to_text() {
        None => "NULL".to_string(),
        Some(s) if s.is_empty() => "(empty)".to_string(),
        Some(s) => s,
    }
}

/// The C runner's rendering of `v` under type letter `t`.
pub fn render_corpus(v: &Value, t: &DefaultColumnType) -> String {
    if v.is_null() {
        return "NULL".to_string();
    }
    match t {
        DefaultColumnType::Integer => (as_i64(v) as i32).to_string(),
        DefaultColumnType::FloatingPoint => sqlite_f3(as_f64(v)),
        DefaultColumnType::Text | DefaultColumnType::Any => {
            let s = as_text(v);
            if s.is_empty() {
                return "(empty)".to_string();
            }
            s.bytes()
                .map(|b| {
                    if (b' '..=b'~').contains(&b) {
                        b as char
                    } else {
                        '@'
                    }
                })
                .collect()
        }
    }
}

/// `sqlite3_column_int64`-style conversion.
fn as_i64(v: &Value) -> i64 {
    match v {
        Value::Bool(b) => *b as i64,
        Value::Int2(i) => *i as i64,
        Value::Int4(i) => *i as i64,
        Value::Int8(i) => *i,
        Value::Float4(f) => *f as i64,
        Value::Float8(f) => *f as i64,
        Value::Numeric(n) => n.trunc_to(0).to_i64_rounded().unwrap_or(match n.signum() {
            -1 => i64::MIN,
            0 => 0,
            _ => i64::MAX,
        }),
        other => leading_int(&other.to_text().unwrap_or_default()),
    }
}

/// `sqlite3_column_double`-style conversion.
fn as_f64(v: &Value) -> f64 {
    match v {
        Value::Bool(b) => *b as i64 as f64,
        Value::Int2(i) => *i as f64,
        Value::Int4(i) => *i as f64,
        Value::Int8(i) => *i as f64,
        Value::Float4(f) => *f as f64,
        Value::Float8(f) => *f,
        Value::Numeric(n) => n.to_f64(),
        other => leading_real(&other.to_text().unwrap_or_default()),
    }
}

/// `sqlite3_column_text`-style conversion.
fn as_text(v: &Value) -> String {
    match v {
        Value::Bool(b) => (*b as i32).to_string(),
        Value::Float4(f) => sqlite_real_text(*f as f64),
        Value::Float8(f) => sqlite_real_text(*f),
        Value::Numeric(n) if !n.is_nan() && n.inf_sign().is_none() => sqlite_real_text(n.to_f64()),
        other => other.to_text().unwrap_or_default(),
    }
}

/// The integer prefix of `s` (SQLite's text-to-integer conversion); 0 if there is none.
fn leading_int(s: &str) -> i64 {
    let t = s.trim_start();
    let (neg, digits) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut v: i64 = 0;
    for b in digits.bytes().take_while(u8::is_ascii_digit) {
        v = v.saturating_mul(10).saturating_add((b - b'0') as i64);
    }
    if neg { -v } else { v }
}

/// The longest prefix of `s` that reads as a real number (SQLite's text-to-real); else 0.
fn leading_real(s: &str) -> f64 {
    let t = s.trim_start();
    (1..=t.len())
        .rev()
        .filter(|&i| t.is_char_boundary(i))
        .find_map(|i| {
            let p = &t[..i];
            let ok = p
                .bytes()
                .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b));
            if ok { p.parse::<f64>().ok() } else { None }
        })
        .unwrap_or(0.0)
}

/// Decimal digits of |v| (30 significant: enough that rounding at the 16th is never a double
/// rounding) and the decimal point position: the value is `0.d1d2d3... * 10^dp`.
fn digits(v: f64) -> (Vec<u8>, i32) {
    let s = format!("{:.29e}", v.abs());
    let (mant, exp) = s.split_once('e').unwrap_or((&s, "0"));
    let digits = mant
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(|b| b - b'0')
        .collect();
    (digits, exp.parse::<i32>().unwrap_or(0) + 1)
}

/// Round `d` (decimal point at `dp`) half-up to its first `n` digits, as SQLite's FpDecode.
fn round_digits(d: &mut Vec<u8>, dp: &mut i32, n: usize) {
    if n >= d.len() {
        return;
    }
    let up = d[n] >= 5;
    d.truncate(n);
    if up {
        let mut j = n;
        loop {
            if j == 0 {
                d.insert(0, 1);
                *dp += 1;
                break;
            }
            j -= 1;
            if d[j] == 9 {
                d[j] = 0;
            } else {
                d[j] += 1;
                break;
            }
        }
    }
}

/// SQLite's `printf('%.3f', v)`.
pub fn sqlite_f3(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-Inf" } else { "Inf" }.to_string();
    }
    let neg = v < 0.0;
    let (mut d, mut dp) = if v == 0.0 { (vec![0], 1) } else { digits(v) };
    let want = dp + 3;
    if want < 0 {
        d.clear();
    } else if want == 0 {
        if d.first().is_some_and(|&x| x >= 5) {
            d = vec![1];
            dp += 1;
        } else {
            d.clear();
        }
    } else {
        round_digits(&mut d, &mut dp, (want as usize).min(16));
    }
    let digit = |i: i32| -> char {
        if i < 0 || i as usize >= d.len() {
            '0'
        } else {
            (b'0' + d[i as usize]) as char
        }
    };
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if dp <= 0 {
        out.push('0');
    } else {
        (0..dp).for_each(|i| out.push(digit(i)));
    }
    out.push('.');
    (dp..dp + 3).for_each(|i| out.push(digit(i)));
    out
}

/// SQLite's text for a REAL (`%!.15g`): `1.0`, `0.1`, `1.0e+20`, `1.23456789012346e+17`.
pub fn sqlite_real_text(v: f64) -> String {
    if v.is_nan() {
        return "NaN".to_string();
    }
    if v.is_infinite() {
        return if v < 0.0 { "-Inf" } else { "Inf" }.to_string();
    }
    if v == 0.0 {
        return "0.0".to_string();
    }
    let (mut d, mut dp) = digits(v);
    round_digits(&mut d, &mut dp, 15);
    while d.len() > 1 && d.last() == Some(&0) {
        d.pop();
    }
    let ds: String = d.iter().map(|x| (b'0' + x) as char).collect();
    let exp = dp - 1;
    let mut out = String::from(if v < 0.0 { "-" } else { "" });
    if !(-4..15).contains(&exp) {
        out.push_str(&ds[..1]);
        out.push('.');
        out.push_str(if ds.len() > 1 { &ds[1..] } else { "0" });
        out.push_str(&format!(
            "e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        ));
    } else if exp < 0 {
        out.push_str("0.");
        out.push_str(&"0".repeat((-exp - 1) as usize));
        out.push_str(&ds);
    } else {
        let int_len = (exp + 1) as usize;
        let padded = format!("{ds:0<int_len$}");
        out.push_str(&padded[..int_len]);
        out.push('.');
        out.push_str(if padded.len() > int_len {
            &padded[int_len..]
        } else {
            "0"
        });
    }
    out
}

/// What happened to one file's records.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Statement and query records run (not skipped).
    pub run: usize,
    /// Records skipped by `skipif`/`onlyif`.
    pub skipped: usize,
    /// Records that failed.
    pub failed: usize,
    /// The first failure, as the crate reports it with its location.
    pub first_failure: Option<String>,
    /// The file stopped at its deadline.
    pub timed_out: bool,
    /// A record panicked; the file stopped there.
    pub panicked: bool,
}

/// Format a record failure: `file:line: what happened`, then the crate's details.
pub fn describe(e: &TestError) -> String {
    format!("{}: {}", e.location(), e.kind())
}

/// Run parsed `records` on `db`, one session per `connection` name, continuing past failures
/// (as the C runner does) until a `halt`, the end, or `deadline`.
pub fn run_records(
    db: &Database,
    records: Vec<SltRecord>,
    mode: Mode,
    labels: &[String],
    deadline: Option<Instant>,
) -> Tally {
    let types: TypeCell = Arc::default();
    let maker_db = db.clone();
    let maker_types = types.clone();
    let connect = move || Ok(SltDb::new(&maker_db, mode, maker_types.clone()));
    run_records_on(connect, types, records, mode, labels, deadline)
}

/// [`run_records`] over any connection kind (the wire tests run files through a PostgreSQL
/// driver): `connect` opens one connection per `connection` name; `types` is the cell the
/// connections read the current record's column letters from.
pub fn run_records_on<D>(
    connect: impl Fn() -> Result<D, SltError> + Send + 'static,
    types: TypeCell,
    records: Vec<SltRecord>,
    mode: Mode,
    labels: &[String],
    deadline: Option<Instant>,
) -> Tally
where
    D: SltConnection,
{
    let mut runner = Runner::new(move || std::future::ready(connect().map(Background::new)));
    for label in labels {
        runner.add_label(label);
    }
    if mode == Mode::Corpus {
        runner.with_hash_threshold(super::preprocess::CORPUS_HASH_THRESHOLD);
        let prelude = sqllogictest::parse_with_name(super::preprocess::CORPUS_PRELUDE, "prelude")
            .unwrap_or_default();
        for r in prelude {
            let _ = runner.run(r);
        }
    }
    let mut tally = Tally::default();
    // `ISODB_SLT_ALL_FAILURES=1` prints every failing record, not just the first per file.
    let log_all = std::env::var_os("ISODB_SLT_ALL_FAILURES").is_some();
    for record in records {
        let counted = match &record {
            Record::Halt { .. } => break,
            Record::Query { expected, .. } => {
                let letters = match expected {
                    QueryExpect::Results { types, .. } => types.clone(),
                    QueryExpect::Error(_) => Vec::new(),
                };
                *types.lock().unwrap_or_else(|p| p.into_inner()) = letters;
                true
            }
            Record::Statement { .. } => {
                types.lock().unwrap_or_else(|p| p.into_inner()).clear();
                true
            }
            _ => false,
        };
        if counted && deadline.is_some_and(|d| Instant::now() >= d) {
            tally.timed_out = true;
            break;
        }
        let loc = match &record {
            Record::Statement { loc, .. } | Record::Query { loc, .. } => loc.to_string(),
            _ => String::new(),
        };
        let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| runner.run(record)));
        let failure = match outcome {
            Ok(Ok(RecordOutput::Nothing)) if counted => {
                tally.skipped += 1;
                continue;
            }
            Ok(Ok(_)) => None,
            Ok(Err(e)) => Some(describe(&e)),
            Err(payload) => {
                // The engine's state is not to be trusted after a panic: stop the file here.
                tally.panicked = true;
                Some(format!("{loc}: {}", panic_message(payload.as_ref())))
            }
        };
        tally.run += counted as usize;
        if let Some(f) = failure {
            tally.failed += 1;
            if log_all {
                eprintln!("{f}");
            }
            tally.first_failure.get_or_insert(f);
        }
        if tally.panicked {
            break;
        }
    }
    tally
}

/// `panicked: <message>` from a panic payload.
pub fn panic_message(p: &(dyn std::any::Any + Send)) -> String {
    let msg = p
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| p.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "non-string payload".to_string());
    format!("panicked: {msg}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded from SQLite 3.46's `printf('%.3f', x)` (3.43 and later round the decimal
    /// expansion; older versions added 0.0005 first and gave 0.124 for 0.1235).
    #[test]
    fn f3_matches_sqlite_printf() {
        let cases = [
            (37.0625, "37.063"),
            (0.1235, "0.123"),
            (2.0005, "2.001"),
            (-0.0, "0.000"),
            (-0.0004, "-0.000"),
            (0.0005, "0.001"),
            (2.5, "2.500"),
            (1e20, "100000000000000000000.000"),
            (-12.3456, "-12.346"),
            (999.9996, "1000.000"),
        ];
        for (v, want) in cases {
            assert_eq!(sqlite_f3(v), want, "{v}");
        }
    }

    #[test]
    fn real_text_matches_sqlite() {
        let cases = [
            (1.0, "1.0"),
            (0.1, "0.1"),
            (1e20, "1.0e+20"),
            (123456789012345678.0, "1.23456789012346e+17"),
            (-2.5, "-2.5"),
            (0.0001, "0.0001"),
            (0.00001, "1.0e-05"),
            (100000.0, "100000.0"),
            (1e15, "1.0e+15"),
        ];
        for (v, want) in cases {
            assert_eq!(sqlite_real_text(v), want, "{v}");
        }
    }

    #[test]
    fn corpus_integer_and_text() {
        let i = DefaultColumnType::Integer;
        assert_eq!(render_corpus(&Value::Float8(-2.7), &i), "-2");
        assert_eq!(render_corpus(&Value::Text("12abc".into()), &i), "12");
        assert_eq!(render_corpus(&Value::Bool(true), &i), "1");
        assert_eq!(render_corpus(&Value::Int8(5_000_000_000), &i), "705032704");
        let t = DefaultColumnType::Text;
        assert_eq!(render_corpus(&Value::Text(String::new()), &t), "(empty)");
        assert_eq!(render_corpus(&Value::Text("a\tb".into()), &t), "a@b");
        assert_eq!(render_corpus(&Value::Null, &t), "NULL");
    }
}
