//! Explicit casts, assignment casts and common-type resolution.
//!
//! Design: [`cast`] implements `CAST(v AS t)` / `v::t` following pg_cast:
//! - integers between each other with range errors (`integer out of range`);
//! - float → integer rounds half to even (`rint`), numeric → integer rounds
//!   half away from zero; numeric NaN → integer is 0A000
//!   `cannot convert NaN to integer`;
//! - float → numeric goes through `%.15g` (`%.6g` for real) as PostgreSQL;
//! - numeric(p,s) targets round and may raise `numeric field overflow`;
//! - only int4 ↔ boolean among int/bool pairs;
//! - any type → text-like via its output function (boolean gives
//!   `true`/`false` as PostgreSQL's `bool::text`), char → text/varchar strips
//!   trailing spaces, and explicit casts to varchar(n)/char(n) truncate
//!   silently (char pads);
//! - text-like → any type via the target's input function;
//! - date ↔ timestamp ↔ timestamptz (UTC session zone), timestamp → time,
//!   time ↔ interval;
//! - everything else is 42846 `cannot cast type boolean to date`.
//!
//! [`assign`] is the INSERT/UPDATE coercion: string length violations raise
//! 22001 (except trailing spaces), numeric is rounded to the column scale,
//! explicit-only casts (int4 ↔ boolean) and impossible ones raise 42804.
//! [`implicit_cast_target`] is `select_common_type` for UNION/CASE.

use super::datatype::DataType;
use super::datetime::{TS_END, TS_MIN, USECS_PER_DAY};
use super::numeric::Numeric;
use super::value::{Value, apply_char_length, parse_text, split_chars};
use crate::sql::error::SqlError;

fn int_range_error(to: &DataType) -> SqlError {
    match to {
        DataType::Int2 => SqlError::smallint_out_of_range(),
        DataType::Int8 => SqlError::bigint_out_of_range(),
        _ => SqlError::integer_out_of_range(),
    }
}

fn make_int(v: i128, to: &DataType) -> Result<Value, SqlError> {
    let err = || int_range_error(to);
    Ok(match to {
        DataType::Int2 => Value::Int2(i16::try_from(v).map_err(|_| err())?),
        DataType::Int4 => Value::Int4(i32::try_from(v).map_err(|_| err())?),
        _ => Value::Int8(i64::try_from(v).map_err(|_| err())?),
    })
}

fn float_to_int(f: f64, to: &DataType) -> Result<Value, SqlError> {
    let r = f.round_ties_even();
    // PostgreSQL checks the range before converting (2^63 is exclusive).
    if !r.is_finite() || !(-9_223_372_036_854_775_808.0..9_223_372_036_854_775_808.0).contains(&r) {
        return Err(int_range_error(to));
    }
    make_int(r as i128, to)
}

fn numeric_to_int(n: &Numeric, to: &DataType) -> Result<Value, SqlError> {
    if n.is_nan() || n.inf_sign().is_some() {
        let t = match to {
            DataType::Int2 => "smallint",
            DataType::Int8 => "bigint",
            _ => "integer",
        };
        let what = if n.is_nan() { "NaN" } else { "infinity" };
        return Err(SqlError::feature_not_supported(format!(
            "cannot convert {what} to {t}"
        )));
    }
    match n.to_i64_rounded() {
        Some(i) => make_int(i as i128, to),
        None => Err(int_range_error(to)),
    }
}

fn numeric_to_float(n: &Numeric, to: &DataType) -> Result<Value, SqlError> {
    let f = n.to_f64();
    if n.inf_sign().is_some() || n.is_nan() {
        return Ok(if matches!(to, DataType::Float4) {
            Value::Float4(f as f32)
        } else {
            Value::Float8(f)
        });
    }
    if matches!(to, DataType::Float4) {
        let g = f as f32;
        if g.is_infinite() || (g == 0.0 && !n.is_zero() && !n.is_nan()) {
            return Err(SqlError::float_input_out_of_range(&n.to_string(), "real"));
        }
        return Ok(Value::Float4(g));
    }
    if f.is_infinite() {
        return Err(SqlError::float_input_out_of_range(
            &n.to_string(),
            "double precision",
        ));
    }
    Ok(Value::Float8(f))
}

fn to_numeric(n: Numeric, to: &DataType) -> Result<Value, SqlError> {
    match to {
        DataType::Numeric { precision, scale } => {
            Ok(Value::Numeric(n.apply_typmod(*precision, *scale)?))
        }
        _ => Ok(Value::Numeric(n)),
    }
}

fn float_to_numeric(f: f64, digits: usize, to: &DataType) -> Result<Value, SqlError> {
    match Numeric::from_float(f, digits) {
        Some(n) => to_numeric(n, to),
        None => Err(SqlError::feature_not_supported(
            "cannot convert infinity to numeric",
        )),
    }
}

/// The text a value yields when cast to a string type.
fn cast_text(v: &Value, keep_pad: bool) -> String {
    match v {
        Value::Bool(b) => if *b { "true" } else { "false" }.to_string(),
        Value::Bpchar(s) if !keep_pad => s.trim_end_matches(' ').to_string(),
        other => other.to_text().unwrap_or_default(),
    }
}

/// Explicit string-length coercion: truncate silently, pad char(n).
fn truncate_to(s: String, to: &DataType) -> Value {
    match to {
        DataType::Varchar(Some(n)) => Value::Text(split_chars(&s, *n as usize).0.to_string()),
        DataType::Char(Some(n)) => {
            let (cut, _) = split_chars(&s, *n as usize);
            let mut out = cut.to_string();
            let len = cut.chars().count();
            out.extend(std::iter::repeat_n(' ', *n as usize - len));
            Value::Bpchar(out)
        }
        DataType::Char(None) => Value::Bpchar(s),
        _ => Value::Text(s),
    }
}

fn date_to_ts(d: i32) -> Result<i64, SqlError> {
    match d {
        i32::MIN => Ok(i64::MIN),
        i32::MAX => Ok(i64::MAX),
        _ => {
            let t = d as i128 * USECS_PER_DAY as i128;
            if t < TS_MIN as i128 || t >= TS_END as i128 {
                Err(SqlError::datetime_out_of_range(
                    "date out of range for timestamp",
                ))
            } else {
                Ok(t as i64)
            }
        }
    }
}

fn ts_to_date(t: i64) -> i32 {
    match t {
        i64::MIN => i32::MIN,
        i64::MAX => i32::MAX,
        _ => t.div_euclid(USECS_PER_DAY) as i32,
    }
}

/// Core cast; `explicit` selects explicit (truncating) string semantics.
fn convert(v: Value, to: &DataType, explicit: bool) -> Result<Value, SqlError> {
    if v.is_null() {
        return Ok(Value::Null);
    }
    if to.is_text_family() || matches!(to, DataType::Unknown) {
        let keep_pad = matches!(to, DataType::Char(_));
        let s = cast_text(&v, keep_pad);
        return if explicit {
            Ok(truncate_to(s, to))
        } else {
            apply_char_length(&s, to)
        };
    }
    let from = v.data_type();
    let cannot = || SqlError::cannot_coerce(from.base_name(), to.base_name());
    match (v, to) {
        (Value::Text(s) | Value::Bpchar(s), _) => parse_text(&s, to),
        (Value::Int2(i), DataType::Int2 | DataType::Int4 | DataType::Int8) => {
            make_int(i as i128, to)
        }
        (Value::Int4(i), DataType::Int2 | DataType::Int4 | DataType::Int8) => {
            make_int(i as i128, to)
        }
        (Value::Int8(i), DataType::Int2 | DataType::Int4 | DataType::Int8) => {
            make_int(i as i128, to)
        }
        (Value::Int2(i), DataType::Float4) => Ok(Value::Float4(i as f32)),
        (Value::Int4(i), DataType::Float4) => Ok(Value::Float4(i as f32)),
        (Value::Int8(i), DataType::Float4) => Ok(Value::Float4(i as f32)),
        (Value::Int2(i), DataType::Float8) => Ok(Value::Float8(i as f64)),
        (Value::Int4(i), DataType::Float8) => Ok(Value::Float8(i as f64)),
        (Value::Int8(i), DataType::Float8) => Ok(Value::Float8(i as f64)),
        (Value::Int2(i), DataType::Numeric { .. }) => to_numeric(Numeric::from_i64(i as i64), to),
        (Value::Int4(i), DataType::Numeric { .. }) => to_numeric(Numeric::from_i64(i as i64), to),
        (Value::Int8(i), DataType::Numeric { .. }) => to_numeric(Numeric::from_i64(i), to),
        (Value::Float4(f), DataType::Int2 | DataType::Int4 | DataType::Int8) => {
            float_to_int(f as f64, to)
        }
        (Value::Float8(f), DataType::Int2 | DataType::Int4 | DataType::Int8) => float_to_int(f, to),
        (Value::Float4(f), DataType::Float4) => Ok(Value::Float4(f)),
        (Value::Float4(f), DataType::Float8) => Ok(Value::Float8(f as f64)),
        (Value::Float8(f), DataType::Float8) => Ok(Value::Float8(f)),
        (Value::Float8(f), DataType::Float4) => {
            let g = f as f32;
            if g.is_infinite() && f.is_finite() {
                Err(SqlError::numeric_value_out_of_range(
                    "value out of range: overflow",
                ))
            } else if g == 0.0 && f != 0.0 {
                Err(SqlError::numeric_value_out_of_range(
                    "value out of range: underflow",
                ))
            } else {
                Ok(Value::Float4(g))
            }
        }
        (Value::Float4(f), DataType::Numeric { .. }) => float_to_numeric(f as f64, 6, to),
        (Value::Float8(f), DataType::Numeric { .. }) => float_to_numeric(f, 15, to),
        (Value::Numeric(n), DataType::Int2 | DataType::Int4 | DataType::Int8) => {
            numeric_to_int(&n, to)
        }
        (Value::Numeric(n), DataType::Float4 | DataType::Float8) => numeric_to_float(&n, to),
        (Value::Numeric(n), DataType::Numeric { .. }) => to_numeric(n, to),
        (Value::Int4(i), DataType::Bool) if explicit => Ok(Value::Bool(i != 0)),
        (Value::Bool(b), DataType::Int4) if explicit => Ok(Value::Int4(b as i32)),
        (Value::Bool(b), DataType::Bool) => Ok(Value::Bool(b)),
        (Value::Bytea(b), DataType::Bytea) => Ok(Value::Bytea(b)),
        (Value::Date(d), DataType::Date) => Ok(Value::Date(d)),
        (Value::Date(d), DataType::Timestamp) => Ok(Value::Timestamp(date_to_ts(d)?)),
        (Value::Date(d), DataType::Timestamptz) => Ok(Value::Timestamptz(date_to_ts(d)?)),
        (Value::Timestamp(t) | Value::Timestamptz(t), DataType::Date) => {
            Ok(Value::Date(ts_to_date(t)))
        }
        (Value::Timestamp(t) | Value::Timestamptz(t), DataType::Timestamp) => {
            Ok(Value::Timestamp(t))
        }
        (Value::Timestamp(t) | Value::Timestamptz(t), DataType::Timestamptz) => {
            Ok(Value::Timestamptz(t))
        }
        (Value::Timestamp(t) | Value::Timestamptz(t), DataType::Time) => {
            if t == i64::MIN || t == i64::MAX {
                Ok(Value::Null)
            } else {
                Ok(Value::Time(t.rem_euclid(USECS_PER_DAY)))
            }
        }
        (Value::Time(t), DataType::Time) => Ok(Value::Time(t)),
        (Value::Time(t), DataType::Interval) => Ok(Value::Interval {
            months: 0,
            days: 0,
            micros: t,
        }),
        (Value::Interval { micros, .. }, DataType::Time) => {
            Ok(Value::Time(micros.rem_euclid(USECS_PER_DAY)))
        }
        (iv @ Value::Interval { .. }, DataType::Interval) => Ok(iv),
        _ => Err(cannot()),
    }
}

/// Explicit cast (`CAST(v AS to)`).
pub fn cast(v: Value, to: &DataType) -> Result<Value, SqlError> {
    convert(v, to, true)
}

/// Assignment coercion for INSERT/UPDATE into a column of type `to`.
pub fn assign(v: Value, to: &DataType) -> Result<Value, SqlError> {
    let from = v.data_type();
    convert(v, to, false).map_err(|e| {
        if e.code == "42846" {
            SqlError::datatype_mismatch(format!(
                "column is of type {} but expression is of type {}",
                to.base_name(),
                from.base_name()
            ))
            .with_hint("You will need to rewrite or cast the expression.")
        } else {
            e
        }
    })
}

fn numeric_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Int2 => 0,
        DataType::Int4 => 1,
        DataType::Int8 => 2,
        DataType::Numeric { .. } => 3,
        DataType::Float4 => 4,
        DataType::Float8 => 5,
        _ => return None,
    })
}

fn datetime_rank(t: &DataType) -> Option<u8> {
    Some(match t {
        DataType::Date => 0,
        DataType::Timestamp => 1,
        DataType::Timestamptz => 2,
        _ => return None,
    })
}

/// The common type of two inputs (UNION/CASE/operator resolution), or None
/// when PostgreSQL would report that the types cannot be matched.
pub fn implicit_cast_target(a: &DataType, b: &DataType) -> Option<DataType> {
    if a == b {
        return Some(if *a == DataType::Unknown {
            DataType::Text
        } else {
            *a
        });
    }
    match (a, b) {
        (DataType::Unknown, t) | (t, DataType::Unknown) => return Some(*t),
        (DataType::Numeric { .. }, DataType::Numeric { .. }) => return Some(DataType::NUMERIC),
        (DataType::Varchar(_), DataType::Varchar(_)) => return Some(DataType::Varchar(None)),
        (DataType::Char(_), DataType::Char(_)) => return Some(DataType::Char(None)),
        _ => {}
    }
    if let (Some(x), Some(y)) = (numeric_rank(a), numeric_rank(b)) {
        let t = if x >= y { a } else { b };
        return Some(match t {
            DataType::Numeric { .. } => DataType::NUMERIC,
            other => *other,
        });
    }
    if a.is_text_family() && b.is_text_family() {
        // text is the preferred type; between varchar and char both
        // directions are implicit, so the first input's type wins.
        if matches!(a, DataType::Text) || matches!(b, DataType::Text) {
            return Some(DataType::Text);
        }
        return Some(match a {
            DataType::Varchar(_) => DataType::Varchar(None),
            _ => DataType::Char(None),
        });
    }
    if let (Some(x), Some(y)) = (datetime_rank(a), datetime_rank(b)) {
        return Some(if x >= y { *a } else { *b });
    }
    None
}

/// The cast a value needs to reach `to`, used by callers that hold both.
pub fn cast_to_common(v: Value, other: &DataType) -> Result<Value, SqlError> {
    match implicit_cast_target(&v.data_type(), other) {
        Some(t) => convert(v, &t, false),
        None => Err(SqlError::cannot_coerce(
            v.data_type().base_name(),
            other.base_name(),
        )),
    }
}
