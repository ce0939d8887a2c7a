//! Arithmetic operators with PostgreSQL's operator resolution.
//!
//! Design: each operator classifies its operands the way PostgreSQL's
//! operator resolution would and computes in the resulting domain:
//! - integer op integer: the wider of the two (int2 < int4 < int8), checked,
//!   errors `smallint/integer/bigint out of range`; `/` truncates toward
//!   zero, `%` follows C (sign of the dividend), `x % -1 = 0`;
//! - integer op numeric → numeric (scale rules in [`Numeric`]);
//! - float4 op float4 → float4; anything else involving a float → float8
//!   (PostgreSQL picks `float8` operators for int/numeric with float);
//!   overflow/underflow raise `value out of range: overflow|underflow`, and
//!   `x / 0.0` raises `division by zero` (NaN / 0 is NaN); there is no float `%`;
//! - date ± int4 → date, date − date → int4, date ± interval → timestamp,
//!   date + time → timestamp, timestamp[tz] ± interval, timestamp − timestamp
//!   → interval (`justify_hours`), time ± interval → time, time − time →
//!   interval, interval ± interval, interval * / number (PostgreSQL 15's
//!   `interval_mul`/`interval_div` with TSROUND);
//! - NULL operands give NULL; unsupported pairs give 42883
//!   `operator does not exist: date + boolean`.

use super::cast::cast;
use super::datatype::DataType;
use super::datetime::{
    DATE_END, DATE_MIN, Interval, TS_END, TS_MIN, USECS_PER_DAY, timestamp_add_interval,
};
use super::numeric::Numeric;
use super::value::Value;
use crate::sql::error::SqlError;

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
}

impl Op {
    fn symbol(self) -> &'static str {
        match self {
            Op::Add => "+",
            Op::Sub => "-",
            Op::Mul => "*",
            Op::Div => "/",
            Op::Rem => "%",
        }
    }
}

fn int_of(v: &Value) -> Option<(i64, u8)> {
    match v {
        Value::Int2(i) => Some((*i as i64, 0)),
        Value::Int4(i) => Some((*i as i64, 1)),
        Value::Int8(i) => Some((*i, 2)),
        _ => None,
    }
}

fn float_of(v: &Value) -> Option<f64> {
    match v {
        Value::Int2(i) => Some(*i as f64),
        Value::Int4(i) => Some(*i as f64),
        Value::Int8(i) => Some(*i as f64),
        Value::Float4(f) => Some(*f as f64),
        Value::Float8(f) => Some(*f),
        Value::Numeric(n) => Some(n.to_f64()),
        _ => None,
    }
}

fn numeric_of(v: &Value) -> Option<Numeric> {
    match v {
        Value::Numeric(n) => Some(n.clone()),
        _ => int_of(v).map(|(i, _)| Numeric::from_i64(i)),
    }
}

fn undefined(a: &Value, op: Op, b: &Value) -> SqlError {
    SqlError::undefined_operator(
        a.data_type().base_name(),
        op.symbol(),
        b.data_type().base_name(),
    )
}

fn int_result(v: Option<i64>, rank: u8) -> Result<Value, SqlError> {
    match rank {
        0 => v
            .and_then(|x| i16::try_from(x).ok())
            .map(Value::Int2)
            .ok_or_else(SqlError::smallint_out_of_range),
        1 => v
            .and_then(|x| i32::try_from(x).ok())
            .map(Value::Int4)
            .ok_or_else(SqlError::integer_out_of_range),
        _ => v.map(Value::Int8).ok_or_else(SqlError::bigint_out_of_range),
    }
}

fn int_op(a: i64, b: i64, rank: u8, op: Op) -> Result<Value, SqlError> {
    let r = match op {
        Op::Add => a.checked_add(b),
        Op::Sub => a.checked_sub(b),
        Op::Mul => a.checked_mul(b),
        Op::Div => {
            if b == 0 {
                return Err(SqlError::division_by_zero());
            }
            a.checked_div(b)
        }
        Op::Rem => {
            if b == 0 {
                return Err(SqlError::division_by_zero());
            }
            if b == -1 { Some(0) } else { a.checked_rem(b) }
        }
    };
    int_result(r, rank)
}

fn check_float(r: f64, a: f64, b: f64, op: Op) -> Result<f64, SqlError> {
    if r.is_infinite() && !a.is_infinite() && !b.is_infinite() {
        return Err(SqlError::numeric_value_out_of_range(
            "value out of range: overflow",
        ));
    }
    let underflow = match op {
        Op::Mul => r == 0.0 && a != 0.0 && b != 0.0,
        Op::Div => r == 0.0 && a != 0.0 && !b.is_infinite(),
        _ => false,
    };
    if underflow {
        return Err(SqlError::numeric_value_out_of_range(
            "value out of range: underflow",
        ));
    }
    Ok(r)
}

/// One float operation, before the range checks.
fn raw_float_op(a: f64, b: f64, op: Op) -> Result<f64, SqlError> {
    Ok(match op {
        Op::Add => a + b,
        Op::Sub => a - b,
        Op::Mul => a * b,
        Op::Div => {
            if b == 0.0 && !a.is_nan() {
                return Err(SqlError::division_by_zero());
            }
            a / b
        }
        Op::Rem => f64::NAN,
    })
}

fn float_op(a: f64, b: f64, op: Op) -> Result<f64, SqlError> {
    check_float(raw_float_op(a, b, op)?, a, b, op)
}

fn float4_op(a: f32, b: f32, op: Op) -> Result<Value, SqlError> {
    // One f64 operation rounded to f32 is the correctly rounded f32 result (f64 carries more
    // than twice f32's precision), so float4 shares float8's arithmetic; the range checks look
    // at the f32 result.
    let r = raw_float_op(a as f64, b as f64, op)? as f32;
    check_float(r as f64, a as f64, b as f64, op)?;
    Ok(Value::Float4(r))
}

fn is_numeric_family(v: &Value) -> bool {
    matches!(
        v,
        Value::Int2(_)
            | Value::Int4(_)
            | Value::Int8(_)
            | Value::Float4(_)
            | Value::Float8(_)
            | Value::Numeric(_)
    )
}

fn is_float(v: &Value) -> bool {
    matches!(v, Value::Float4(_) | Value::Float8(_))
}

fn numeric_family_op(a: &Value, b: &Value, op: Op) -> Result<Value, SqlError> {
    if let (Some((x, ra)), Some((y, rb))) = (int_of(a), int_of(b)) {
        return int_op(x, y, ra.max(rb), op);
    }
    if is_float(a) || is_float(b) {
        if op == Op::Rem {
            return Err(undefined(a, op, b));
        }
        if let (Value::Float4(x), Value::Float4(y)) = (a, b) {
            return float4_op(*x, *y, op);
        }
        let (Some(x), Some(y)) = (float_of(a), float_of(b)) else {
            return Err(undefined(a, op, b));
        };
        return float_op(x, y, op).map(Value::Float8);
    }
    let (Some(x), Some(y)) = (numeric_of(a), numeric_of(b)) else {
        return Err(undefined(a, op, b));
    };
    let r = match op {
        Op::Add => x.add(&y)?,
        Op::Sub => x.sub(&y)?,
        Op::Mul => x.mul(&y)?,
        Op::Div => x.div(&y)?,
        Op::Rem => x.rem(&y)?,
    };
    Ok(Value::Numeric(r))
}

fn date_result(d: i64) -> Result<Value, SqlError> {
    if (DATE_MIN..DATE_END).contains(&d) {
        Ok(Value::Date(d as i32))
    } else {
        Err(SqlError::datetime_out_of_range("date out of range"))
    }
}

fn interval_overflow() -> SqlError {
    SqlError::datetime_out_of_range("interval out of range")
}

fn iv_value(iv: Interval) -> Value {
    Value::interval(iv)
}

fn iv_addsub(a: Interval, b: Interval, negate: bool) -> Result<Value, SqlError> {
    let (m, d, u) = if negate {
        (
            a.months.checked_sub(b.months),
            a.days.checked_sub(b.days),
            a.micros.checked_sub(b.micros),
        )
    } else {
        (
            a.months.checked_add(b.months),
            a.days.checked_add(b.days),
            a.micros.checked_add(b.micros),
        )
    };
    match (m, d, u) {
        (Some(months), Some(days), Some(micros)) => Ok(iv_value(Interval {
            months,
            days,
            micros,
        })),
        _ => Err(interval_overflow()),
    }
}

fn neg_interval(iv: Interval) -> Result<Interval, SqlError> {
    match (
        iv.months.checked_neg(),
        iv.days.checked_neg(),
        iv.micros.checked_neg(),
    ) {
        (Some(months), Some(days), Some(micros)) => Ok(Interval {
            months,
            days,
            micros,
        }),
        _ => Err(interval_overflow()),
    }
}

fn tsround(x: f64) -> f64 {
    (x * 1e6).round_ties_even() / 1e6
}

/// PostgreSQL 15 interval_mul / interval_div.
fn interval_scale(iv: Interval, factor: f64, divide: bool) -> Result<Value, SqlError> {
    if divide && factor == 0.0 {
        return Err(SqlError::division_by_zero());
    }
    let apply = |x: f64| if divide { x / factor } else { x * factor };
    let fits = |x: f64| !x.is_nan() && x >= i32::MIN as f64 && x <= i32::MAX as f64;
    let md = apply(iv.months as f64);
    let dd = apply(iv.days as f64);
    if !fits(md) || !fits(dd) {
        return Err(interval_overflow());
    }
    let months = md as i32;
    let mut days = dd as i32;
    let month_rem_days = tsround((md - months as f64) * 30.0);
    let mut sec_rem =
        tsround((dd - days as f64 + month_rem_days - month_rem_days.trunc()) * 86400.0);
    if sec_rem.abs() >= 86400.0 {
        let extra = (sec_rem / 86400.0).trunc();
        days = days.saturating_add(extra as i32);
        sec_rem -= extra * 86400.0;
    }
    days = days
        .checked_add(month_rem_days as i32)
        .ok_or_else(interval_overflow)?;
    let t = (apply(iv.micros as f64) + sec_rem * 1e6).round_ties_even();
    if !t.is_finite() || t.abs() >= 9.2e18 {
        return Err(interval_overflow());
    }
    Ok(iv_value(Interval {
        months,
        days,
        micros: t as i64,
    }))
}

fn ts_micros(v: &Value) -> Option<i64> {
    match v {
        Value::Timestamp(t) | Value::Timestamptz(t) => Some(*t),
        Value::Date(_) => match cast(v.clone(), &DataType::Timestamp) {
            Ok(Value::Timestamp(t)) => Some(t),
            _ => None,
        },
        _ => None,
    }
}

fn ts_diff(a: i64, b: i64) -> Result<Value, SqlError> {
    if [a, b].iter().any(|t| *t == i64::MIN || *t == i64::MAX) {
        return Err(SqlError::datetime_out_of_range(
            "cannot subtract infinite timestamps",
        ));
    }
    let diff = a.checked_sub(b).ok_or_else(interval_overflow)?;
    Ok(iv_value(Interval {
        months: 0,
        days: (diff / USECS_PER_DAY) as i32,
        micros: diff % USECS_PER_DAY,
    }))
}

fn ts_plus(v: &Value, iv: Interval) -> Result<Value, SqlError> {
    match v {
        Value::Timestamp(t) => Ok(Value::Timestamp(timestamp_add_interval(*t, &iv)?)),
        Value::Timestamptz(t) => Ok(Value::Timestamptz(timestamp_add_interval(*t, &iv)?)),
        Value::Date(_) => match ts_micros(v) {
            Some(t) => Ok(Value::Timestamp(timestamp_add_interval(t, &iv)?)),
            None => Err(SqlError::datetime_out_of_range(
                "date out of range for timestamp",
            )),
        },
        _ => Err(SqlError::datetime_out_of_range("timestamp out of range")),
    }
}

fn datetime_op(a: &Value, b: &Value, op: Op) -> Result<Value, SqlError> {
    let day_int = |v: &Value| match v {
        Value::Int2(i) => Some(*i as i64),
        Value::Int4(i) => Some(*i as i64),
        _ => None,
    };
    match (a, b, op) {
        (Value::Date(d), x, Op::Add) | (x, Value::Date(d), Op::Add) if day_int(x).is_some() => {
            if *d == i32::MIN || *d == i32::MAX {
                return Ok(Value::Date(*d));
            }
            date_result(*d as i64 + day_int(x).unwrap_or(0))
        }
        (Value::Date(d), x, Op::Sub) if day_int(x).is_some() => {
            if *d == i32::MIN || *d == i32::MAX {
                return Ok(Value::Date(*d));
            }
            date_result(*d as i64 - day_int(x).unwrap_or(0))
        }
        (Value::Date(x), Value::Date(y), Op::Sub) => {
            if [*x, *y].iter().any(|d| *d == i32::MIN || *d == i32::MAX) {
                return Err(SqlError::datetime_out_of_range(
                    "cannot subtract infinite dates",
                ));
            }
            int_result(Some(*x as i64 - *y as i64), 1)
        }
        (Value::Date(d), Value::Time(t), Op::Add) | (Value::Time(t), Value::Date(d), Op::Add) => {
            let base = ts_micros(&Value::Date(*d)).ok_or_else(|| {
                SqlError::datetime_out_of_range("date out of range for timestamp")
            })?;
            if base == i64::MIN || base == i64::MAX {
                return Ok(Value::Timestamp(base));
            }
            let r = base as i128 + *t as i128;
            if r < TS_MIN as i128 || r >= TS_END as i128 {
                return Err(SqlError::datetime_out_of_range("timestamp out of range"));
            }
            Ok(Value::Timestamp(r as i64))
        }
        (
            x @ (Value::Date(_) | Value::Timestamp(_) | Value::Timestamptz(_)),
            Value::Interval { .. },
            Op::Add | Op::Sub,
        ) => {
            let iv = b.as_interval().unwrap_or_default();
            let iv = if op == Op::Sub { neg_interval(iv)? } else { iv };
            ts_plus(x, iv)
        }
        (
            Value::Interval { .. },
            x @ (Value::Date(_) | Value::Timestamp(_) | Value::Timestamptz(_)),
            Op::Add,
        ) => ts_plus(x, a.as_interval().unwrap_or_default()),
        (
            Value::Timestamp(_) | Value::Timestamptz(_) | Value::Date(_),
            Value::Timestamp(_) | Value::Timestamptz(_),
            Op::Sub,
        )
        | (Value::Timestamp(_) | Value::Timestamptz(_), Value::Date(_), Op::Sub) => {
            match (ts_micros(a), ts_micros(b)) {
                (Some(x), Some(y)) => ts_diff(x, y),
                _ => Err(SqlError::datetime_out_of_range("timestamp out of range")),
            }
        }
        (Value::Time(t), Value::Interval { micros, .. }, Op::Add | Op::Sub)
        | (Value::Interval { micros, .. }, Value::Time(t), Op::Add)
            if !(op == Op::Sub && matches!(a, Value::Interval { .. })) =>
        {
            let m = *micros as i128;
            let r = if op == Op::Sub {
                *t as i128 - m
            } else {
                *t as i128 + m
            };
            Ok(Value::Time(r.rem_euclid(USECS_PER_DAY as i128) as i64))
        }
        (Value::Time(x), Value::Time(y), Op::Sub) => Ok(iv_value(Interval {
            months: 0,
            days: 0,
            micros: x.checked_sub(*y).ok_or_else(interval_overflow)?,
        })),
        (Value::Interval { .. }, Value::Interval { .. }, Op::Add | Op::Sub) => iv_addsub(
            a.as_interval().unwrap_or_default(),
            b.as_interval().unwrap_or_default(),
            op == Op::Sub,
        ),
        (Value::Interval { .. }, n, Op::Mul | Op::Div) if is_numeric_family(n) => {
            let f = float_of(n).unwrap_or(f64::NAN);
            interval_scale(a.as_interval().unwrap_or_default(), f, op == Op::Div)
        }
        (n, Value::Interval { .. }, Op::Mul) if is_numeric_family(n) => {
            let f = float_of(n).unwrap_or(f64::NAN);
            interval_scale(b.as_interval().unwrap_or_default(), f, false)
        }
        _ => Err(undefined(a, op, b)),
    }
}

fn binary(a: &Value, b: &Value, op: Op) -> Result<Value, SqlError> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    if is_numeric_family(a) && is_numeric_family(b) {
        return numeric_family_op(a, b, op);
    }
    datetime_op(a, b, op)
}

/// `a + b`.
pub fn add(a: &Value, b: &Value) -> Result<Value, SqlError> {
    binary(a, b, Op::Add)
}

/// `a - b`.
pub fn sub(a: &Value, b: &Value) -> Result<Value, SqlError> {
    binary(a, b, Op::Sub)
}

/// `a * b`.
pub fn mul(a: &Value, b: &Value) -> Result<Value, SqlError> {
    binary(a, b, Op::Mul)
}

/// `a / b`.
pub fn div(a: &Value, b: &Value) -> Result<Value, SqlError> {
    binary(a, b, Op::Div)
}

/// `a % b`.
pub fn rem(a: &Value, b: &Value) -> Result<Value, SqlError> {
    binary(a, b, Op::Rem)
}

/// Unary minus.
pub fn neg(a: &Value) -> Result<Value, SqlError> {
    Ok(match a {
        Value::Null => Value::Null,
        Value::Int2(i) => Value::Int2(
            i.checked_neg()
                .ok_or_else(SqlError::smallint_out_of_range)?,
        ),
        Value::Int4(i) => Value::Int4(i.checked_neg().ok_or_else(SqlError::integer_out_of_range)?),
        Value::Int8(i) => Value::Int8(i.checked_neg().ok_or_else(SqlError::bigint_out_of_range)?),
        Value::Float4(f) => Value::Float4(-f),
        Value::Float8(f) => Value::Float8(-f),
        Value::Numeric(n) => Value::Numeric(n.neg()),
        Value::Interval { .. } => iv_value(neg_interval(a.as_interval().unwrap_or_default())?),
        other => {
            return Err(SqlError::new(
                "42883",
                format!(
                    "operator does not exist: - {}",
                    other.data_type().base_name()
                ),
            )
            .with_hint(
                "No operator matches the given name and argument type. You might need to add an explicit type cast.",
            ));
        }
    })
}

fn concat_text(v: &Value) -> Option<String> {
    match v {
        Value::Bpchar(s) => Some(s.trim_end_matches(' ').to_string()),
        Value::Bool(b) => Some(if *b { "true" } else { "false" }.to_string()),
        other => other.to_text(),
    }
}

/// `a || b`: text concatenation (either side text-like; the other side is
/// cast to text) or bytea concatenation. NULL in, NULL out.
pub fn concat_op(a: &Value, b: &Value) -> Result<Value, SqlError> {
    if a.is_null() || b.is_null() {
        return Ok(Value::Null);
    }
    if let (Value::Bytea(x), Value::Bytea(y)) = (a, b) {
        let mut out = x.clone();
        out.extend_from_slice(y);
        return Ok(Value::Bytea(out));
    }
    let is_text = |v: &Value| matches!(v, Value::Text(_) | Value::Bpchar(_));
    if !is_text(a) && !is_text(b) {
        return Err(SqlError::undefined_operator(
            a.data_type().base_name(),
            "||",
            b.data_type().base_name(),
        ));
    }
    let mut s = concat_text(a).unwrap_or_default();
    s.push_str(&concat_text(b).unwrap_or_default());
    Ok(Value::Text(s))
}
