//! Built-in scalar functions: catalog, overload resolution and evaluation,
//! following PostgreSQL 15.
//!
//! Design: every family (`string`, `math`, `datetime`) declares a static
//! table of `Sig`s — name, declared argument types, result type,
//! strictness, volatility and the implementation tag — mirroring the rows
//! of `pg_proc` for the types this database has. A [`ScalarFn`] is an index
//! into those tables, so it is `Copy`, hashable and cheap to store in plans.
//!
//! [`resolve`] (in `resolve.rs`) runs PostgreSQL's `func_get_detail` over the candidates with
//! the right name and arity: an exact match wins; otherwise the candidates
//! every argument can be implicitly coerced to (unknown literals coerce to
//! anything) are narrowed by `func_select_candidate` — most exact matches,
//! then most preferred types within the argument's category, then category
//! resolution of unknown arguments (string category wins, preferred types
//! next), then the "all known arguments share one type" heuristic. This is
//! why `round(int)` resolves to `round(double precision)`, `date_trunc('day',
//! date)` to the `timestamptz` variant and `length('x')` to `length(text)`.
//! Overloads PostgreSQL has but this layer cannot evaluate (regular
//! expression `substring`, `to_char`, `to_timestamp(text, text)`, and
//! overloads on types this database lacks such as `age(xid)`) are still
//! catalogued, so resolution reaches the same decision as PostgreSQL (e.g.
//! `age(NULL)` is ambiguous); choosing one is a 0A000 error from `resolve`
//! rather than a silent switch to another overload.
//!
//! [`call`] receives arguments already cast to [`Resolved::arg_types`]. It
//! returns NULL for strict functions with a NULL argument and never panics:
//! argument access is checked and all arithmetic is checked.
//!
//! Parser-level mappings the binder performs: `EXTRACT(f FROM x)` →
//! `extract('f', x)`; `POSITION(a IN b)` → `position(b, a)`;
//! `SUBSTRING(s FROM a FOR b)` → `substring(s, a, b)`; `TRIM([BOTH] c FROM s)`
//! → `btrim(s, c)`, `LEADING` → `ltrim`, `TRAILING` → `rtrim`;
//! `CURRENT_TIMESTAMP`, `CURRENT_DATE`, `LOCALTIMESTAMP`, `LOCALTIME` →
//! zero-argument functions of those names; `x LIKE p ESCAPE e` →
//! [`like_match`] with the escape validated by [`like_escape`]. Pass the
//! special forms' names qualified (`pg_catalog.extract`, `pg_catalog.btrim`,
//! ...) to get PostgreSQL's exact error texts; `pg_catalog.` is accepted on
//! any name.
//!
//! Files: `resolve` (overload resolution); `string`, `format`, `like`, `md5`
//! (text); `math`, `float`, `numeric_math` (numbers); `datetime`, `extract`,
//! `make` (dates and times).

mod datetime;
mod extract;
mod float;
mod format;
mod like;
mod make;
mod math;
mod md5;
mod numeric_math;
mod resolve;
mod string;

use crate::sql::error::SqlError;
use crate::sql::types::{DataType, Value};

pub use like::{like_escape, like_match};
pub use resolve::{resolve, undefined_function};

/// Timestamps of the current statement and transaction, as `timestamptz`
/// microseconds since 2000-01-01 UTC. `now()`, `current_timestamp` and
/// `transaction_timestamp()` return `transaction_timestamp` (as in
/// PostgreSQL); `statement_timestamp()` returns `statement_timestamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FnContext {
    pub statement_timestamp: i64,
    pub transaction_timestamp: i64,
}

/// A resolved scalar function: which implementation, plus what the binder
/// must cast each argument to.
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub func: ScalarFn,
    pub arg_types: Vec<DataType>,
    pub ret: DataType,
}

/// A catalogued function implementation (an index into the family tables).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScalarFn {
    family: u8,
    index: u16,
}

/// Declared parameter type of a catalog entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum P {
    T(DataType),
    /// `anyelement`: any type, passed through unchanged.
    AnyElement,
    /// A type this database lacks (`xid`, `macaddr`), with its category:
    /// only unknown literals coerce to it. Such overloads take part in
    /// resolution (so `age(NULL)` is ambiguous, as in PostgreSQL) but are
    /// reported as unsupported when chosen.
    Foreign(char),
}

/// Implementation tag, one enum per family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Str(string::StrOp),
    Math(math::MathOp),
    Time(datetime::TimeOp),
    /// Catalogued so resolution matches PostgreSQL; rejected by `resolve`.
    Unsupported,
}

/// One `pg_proc`-like catalog row.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sig {
    pub name: &'static str,
    pub args: &'static [P],
    /// Trailing `VARIADIC "any"` (at least one argument).
    pub variadic_any: bool,
    pub ret: DataType,
    pub op: Op,
    pub strict: bool,
    pub volatile: bool,
}

impl Sig {
    pub(crate) const fn new(name: &'static str, args: &'static [P], ret: DataType, op: Op) -> Sig {
        Sig {
            name,
            args,
            variadic_any: false,
            ret,
            op,
            strict: true,
            volatile: false,
        }
    }
    pub(crate) const fn variadic(mut self) -> Sig {
        self.variadic_any = true;
        self
    }
    pub(crate) const fn non_strict(mut self) -> Sig {
        self.strict = false;
        self
    }
    pub(crate) const fn volatile(mut self) -> Sig {
        self.volatile = true;
        self
    }
}

// Short names for catalog tables.
pub(crate) const TEXT: P = P::T(DataType::Text);
pub(crate) const BPCHAR: P = P::T(DataType::Char(None));
pub(crate) const BYTEA: P = P::T(DataType::Bytea);
pub(crate) const INT2: P = P::T(DataType::Int2);
pub(crate) const INT4: P = P::T(DataType::Int4);
pub(crate) const INT8: P = P::T(DataType::Int8);
pub(crate) const F4: P = P::T(DataType::Float4);
pub(crate) const F8: P = P::T(DataType::Float8);
pub(crate) const NUM: P = P::T(DataType::NUMERIC);
pub(crate) const DATE: P = P::T(DataType::Date);
pub(crate) const TIME: P = P::T(DataType::Time);
pub(crate) const TS: P = P::T(DataType::Timestamp);
pub(crate) const TSTZ: P = P::T(DataType::Timestamptz);
pub(crate) const IV: P = P::T(DataType::Interval);

const fn unsupported(name: &'static str, args: &'static [P], ret: DataType) -> Sig {
    Sig::new(name, args, ret, Op::Unsupported)
}

/// Overloads PostgreSQL has that this layer does not evaluate.
const UNSUPPORTED: &[Sig] = &[
    unsupported("substring", &[TEXT, TEXT], DataType::Text),
    unsupported("substring", &[TEXT, TEXT, TEXT], DataType::Text),
    unsupported("to_char", &[INT8, TEXT], DataType::Text),
    unsupported("to_char", &[F8, TEXT], DataType::Text),
    unsupported("to_char", &[INT4, TEXT], DataType::Text),
    unsupported("to_char", &[IV, TEXT], DataType::Text),
    unsupported("to_char", &[NUM, TEXT], DataType::Text),
    unsupported("to_char", &[F4, TEXT], DataType::Text),
    unsupported("to_char", &[TSTZ, TEXT], DataType::Text),
    unsupported("to_char", &[TS, TEXT], DataType::Text),
    unsupported("to_timestamp", &[TEXT, TEXT], DataType::Timestamptz),
    unsupported("to_date", &[TEXT, TEXT], DataType::Date),
    unsupported("to_number", &[TEXT, TEXT], DataType::NUMERIC),
    unsupported("age", &[P::Foreign('U')], DataType::Int4),
    unsupported("trunc", &[P::Foreign('U')], DataType::Unknown),
    unsupported("trunc", &[P::Foreign('U')], DataType::Unknown),
];

const FAMILIES: [&[Sig]; 4] = [string::SIGS, math::SIGS, datetime::SIGS, UNSUPPORTED];

impl ScalarFn {
    fn sig(&self) -> &'static Sig {
        // Indices are only ever created by `resolve`, so they are in range;
        // fall back to the first entry rather than panic.
        let fam = FAMILIES[(self.family as usize).min(FAMILIES.len() - 1)];
        fam.get(self.index as usize).unwrap_or(&fam[0])
    }

    /// The SQL name (`length`, `date_trunc`, ...).
    pub fn name(&self) -> &'static str {
        self.sig().name
    }

    /// True for volatile functions (`random()`, `clock_timestamp()`).
    pub fn is_volatile(&self) -> bool {
        self.sig().volatile
    }

    /// True when any NULL argument makes the result NULL.
    pub fn is_strict(&self) -> bool {
        self.sig().strict
    }
}

/// Evaluate `f` on arguments already cast to its `arg_types`.
pub fn call(f: ScalarFn, args: &[Value], ctx: &FnContext) -> Result<Value, SqlError> {
    let sig = f.sig();
    let want = sig.args.len();
    if (sig.variadic_any && args.len() <= want) || (!sig.variadic_any && args.len() != want) {
        return Err(wrong_arg(sig.name));
    }
    if sig.strict && args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    match sig.op {
        Op::Str(op) => string::eval(op, args),
        Op::Math(op) => math::eval(op, args),
        Op::Time(op) => datetime::eval(op, args, ctx),
        Op::Unsupported => Err(SqlError::feature_not_supported(format!(
            "function {} is not supported",
            sig.name
        ))),
    }
}

/// Internal error for a call whose arguments do not match the catalog entry
/// (a binder bug, reported instead of panicking).
pub(crate) fn wrong_arg(name: &str) -> SqlError {
    SqlError::new(
        "XX000",
        format!("function {name} called with arguments of the wrong type"),
    )
}

// ---- argument access shared by the families ----

/// Text of a string argument (bpchar values lose their pad spaces, as the
/// bpchar → text cast does).
pub(crate) fn text_arg<'a>(args: &'a [Value], i: usize, f: &str) -> Result<&'a str, SqlError> {
    match args.get(i) {
        Some(Value::Text(s)) => Ok(s),
        Some(Value::Bpchar(s)) => Ok(s.trim_end_matches(' ')),
        _ => Err(wrong_arg(f)),
    }
}

pub(crate) fn i32_arg(args: &[Value], i: usize, f: &str) -> Result<i32, SqlError> {
    match args.get(i) {
        Some(Value::Int4(v)) => Ok(*v),
        Some(Value::Int2(v)) => Ok(*v as i32),
        _ => Err(wrong_arg(f)),
    }
}

pub(crate) fn i64_arg(args: &[Value], i: usize, f: &str) -> Result<i64, SqlError> {
    match args.get(i) {
        Some(Value::Int8(v)) => Ok(*v),
        Some(Value::Int4(v)) => Ok(*v as i64),
        Some(Value::Int2(v)) => Ok(*v as i64),
        _ => Err(wrong_arg(f)),
    }
}

pub(crate) fn f64_arg(args: &[Value], i: usize, f: &str) -> Result<f64, SqlError> {
    match args.get(i) {
        Some(Value::Float8(v)) => Ok(*v),
        Some(Value::Float4(v)) => Ok(*v as f64),
        Some(Value::Int4(v)) => Ok(*v as f64),
        Some(Value::Int2(v)) => Ok(*v as f64),
        Some(Value::Int8(v)) => Ok(*v as f64),
        _ => Err(wrong_arg(f)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(p: &P) -> Vec<Value> {
        use crate::sql::types::Numeric;
        use crate::sql::types::datetime::{DATE_END, DATE_MIN, TS_END, TS_MIN};
        let num = |s: &str| Value::Numeric(Numeric::parse(s).unwrap_or(Numeric::NaN));
        let text = |v: &[&str]| {
            v.iter()
                .map(|s| Value::Text(s.to_string()))
                .collect::<Vec<_>>()
        };
        let iv = |months, days, micros| Value::Interval {
            months,
            days,
            micros,
        };
        let mut v = match p {
            P::Foreign(_) => vec![Value::Text("1".into())],
            P::AnyElement => vec![
                Value::Int4(5),
                Value::Bool(true),
                Value::Text("x'\\".into()),
            ],
            P::T(t) => match t {
                DataType::Text => text(&[
                    "",
                    "a",
                    "héllo wörld",
                    "%_\\",
                    " x ",
                    "ß😀",
                    "hour",
                    "week",
                    "epoch",
                    "julian",
                    "MILLENNIUM",
                    "tz",
                    "utc",
                ]),
                DataType::Char(_) => {
                    vec![Value::Bpchar("ab  ".into()), Value::Bpchar(String::new())]
                }
                DataType::Bytea => vec![Value::Bytea(vec![]), Value::Bytea(vec![0, 255, 1])],
                DataType::Int2 => [0, 1, -1, i16::MIN, i16::MAX].map(Value::Int2).to_vec(),
                DataType::Int4 => [0, 1, -1, 2, 7, 1000, i32::MIN, i32::MAX]
                    .map(Value::Int4)
                    .to_vec(),
                DataType::Int8 => [0, -1, 3, i64::MIN, i64::MAX].map(Value::Int8).to_vec(),
                DataType::Float4 => [0.0, -0.5, f32::NAN, f32::INFINITY]
                    .map(Value::Float4)
                    .to_vec(),
                DataType::Float8 => [
                    0.0,
                    -0.0,
                    1.0,
                    -1.5,
                    0.5,
                    60.0,
                    1e308,
                    -1e-320,
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                ]
                .map(Value::Float8)
                .to_vec(),
                DataType::Numeric { .. } => [
                    "0",
                    "1",
                    "-1",
                    "0.5",
                    "12345.6789",
                    "1e100",
                    "-1e-100",
                    "NaN",
                    "Infinity",
                    "-Infinity",
                    "1.0000001",
                    "-7",
                ]
                .map(num)
                .to_vec(),
                DataType::Date => [
                    0,
                    -1_000_000,
                    DATE_MIN as i32,
                    DATE_END as i32 - 1,
                    i32::MIN,
                    i32::MAX,
                ]
                .map(Value::Date)
                .to_vec(),
                DataType::Time => [0, 86_400_000_000, 12_345_678].map(Value::Time).to_vec(),
                DataType::Timestamp => [0, -1, TS_MIN, TS_END - 1, i64::MIN, i64::MAX]
                    .map(Value::Timestamp)
                    .to_vec(),
                DataType::Timestamptz => [0, TS_MIN, TS_END - 1, i64::MIN, i64::MAX]
                    .map(Value::Timestamptz)
                    .to_vec(),
                DataType::Interval => vec![
                    iv(0, 0, 0),
                    iv(i32::MAX, i32::MAX, i64::MAX),
                    iv(i32::MIN, i32::MIN, i64::MIN),
                    iv(1, -35, -3_600_000_000),
                ],
                _ => vec![],
            },
        };
        v.push(Value::Null);
        v
    }

    /// Every catalog entry, with many combinations of extreme arguments:
    /// errors are fine, panics are not.
    #[test]
    fn no_panics_on_edge_arguments() {
        let ctx = FnContext {
            statement_timestamp: i64::MAX,
            transaction_timestamp: i64::MIN,
        };
        let mut calls = 0usize;
        for (f, fam) in FAMILIES.iter().enumerate() {
            for (i, sig) in fam.iter().enumerate() {
                let mut params = sig.args.to_vec();
                if sig.variadic_any {
                    params.extend([P::AnyElement, TEXT]);
                }
                let lists: Vec<Vec<Value>> = params.iter().map(samples).collect();
                let total: usize = lists.iter().map(Vec::len).product();
                let mut state = 0x9E37_79B9_7F4A_7C15u64 ^ (i as u64);
                for n in 0..total.min(600) {
                    let args: Vec<Value> = lists
                        .iter()
                        .enumerate()
                        .map(|(j, l)| {
                            state = state
                                .wrapping_mul(6364136223846793005)
                                .wrapping_add(1442695040888963407);
                            let k = if total <= 600 {
                                n / lists[..j].iter().map(Vec::len).product::<usize>() % l.len()
                            } else {
                                (state >> 33) as usize % l.len()
                            };
                            l[k].clone()
                        })
                        .collect();
                    let func = ScalarFn {
                        family: f as u8,
                        index: i as u16,
                    };
                    let _ = call(func, &args, &ctx);
                    calls += 1;
                }
                // Wrong arity and wrong types are errors, not panics.
                let func = ScalarFn {
                    family: f as u8,
                    index: i as u16,
                };
                if !sig.variadic_any {
                    assert!(call(func, &vec![Value::Bool(true); 9], &ctx).is_err());
                }
                let _ = call(
                    func,
                    &vec![Value::Bool(true); sig.args.len() + usize::from(sig.variadic_any)],
                    &ctx,
                );
            }
        }
        assert!(calls > 10_000);
    }
}
