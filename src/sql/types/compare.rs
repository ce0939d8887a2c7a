//! Cross-type comparison and hash keys.
//!
//! Design: [`compare`] resolves the operator PostgreSQL would pick for a pair
//! of types and compares in the promoted domain:
//! - integers among themselves exactly (cross-type int2/int4/int8 operators);
//! - anything involving float4/float8 as float8 (PostgreSQL resolves
//!   `int4 = float4`, `numeric = float8` to float8 operators), with NaN equal
//!   to NaN and greater than every other value;
//! - integers with numeric as numeric (exact), numeric NaN highest;
//! - text/varchar with char after stripping the char's trailing spaces, char
//!   with char ignoring trailing spaces, byte order (C collation);
//! - date/timestamp/timestamptz on a common microsecond scale (session time
//!   zone UTC; infinities at the ends);
//! - intervals by their 30-day-month span (`'1 mon' = '30 days'`).
//!
//! Incompatible types give 42883 `operator does not exist: integer = boolean`.
//!
//! [`hash_key`] writes a canonical encoding: a family tag, then for the
//! numeric family the exact decimal value normalised (so `Int4(1)`,
//! `Int8(1)`, `Numeric(1.00)` and `Float8(1.0)` agree), for char the
//! space-trimmed text, for date-likes micros, for intervals the span. Within
//! one type, equal keys ⇔ equal values. Across float and int/numeric the
//! keys agree only when the values are exactly equal as real numbers; a
//! hash join across such types must first cast both sides to the common
//! type (as PostgreSQL does), because float promotion is lossy.

use super::datetime::USECS_PER_DAY;
use super::numeric::Numeric;
use super::value::Value;
use crate::sql::error::SqlError;
use bigdecimal::num_bigint::BigInt;
use std::cmp::Ordering;

enum NumKind {
    Int(i64),
    Float(f64),
    Num(Numeric),
}

fn num_kind(v: &Value) -> Option<NumKind> {
    Some(match v {
        Value::Int2(i) => NumKind::Int(*i as i64),
        Value::Int4(i) => NumKind::Int(*i as i64),
        Value::Int8(i) => NumKind::Int(*i),
        Value::Float4(f) => NumKind::Float(*f as f64),
        Value::Float8(f) => NumKind::Float(*f),
        Value::Numeric(n) => NumKind::Num(n.clone()),
        _ => return None,
    })
}

/// float8 comparison with PostgreSQL's NaN rule.
pub fn float_cmp(a: f64, b: f64) -> Ordering {
    match (a.is_nan(), b.is_nan()) {
        (true, true) => Ordering::Equal,
        (true, false) => Ordering::Greater,
        (false, true) => Ordering::Less,
        _ => a.partial_cmp(&b).unwrap_or(Ordering::Equal),
    }
}

fn as_f64(k: &NumKind) -> f64 {
    match k {
        NumKind::Int(i) => *i as f64,
        NumKind::Float(f) => *f,
        NumKind::Num(n) => n.to_f64(),
    }
}

/// Micros on a common scale for date/timestamp/timestamptz.
fn datetime_key(v: &Value) -> Option<i128> {
    Some(match v {
        Value::Date(i32::MIN) | Value::Timestamp(i64::MIN) | Value::Timestamptz(i64::MIN) => {
            i128::MIN
        }
        Value::Date(i32::MAX) | Value::Timestamp(i64::MAX) | Value::Timestamptz(i64::MAX) => {
            i128::MAX
        }
        Value::Date(d) => *d as i128 * USECS_PER_DAY as i128,
        Value::Timestamp(t) | Value::Timestamptz(t) => *t as i128,
        _ => return None,
    })
}

fn text_of(v: &Value) -> Option<&str> {
    match v {
        Value::Text(s) => Some(s),
        Value::Bpchar(s) => Some(s.trim_end_matches(' ')),
        _ => None,
    }
}

/// Compare two values; `Ok(None)` when either is NULL.
pub fn compare(a: &Value, b: &Value) -> Result<Option<Ordering>, SqlError> {
    if a.is_null() || b.is_null() {
        return Ok(None);
    }
    if let (Some(x), Some(y)) = (num_kind(a), num_kind(b)) {
        let ord = match (&x, &y) {
            (NumKind::Int(i), NumKind::Int(j)) => i.cmp(j),
            (NumKind::Float(_), _) | (_, NumKind::Float(_)) => float_cmp(as_f64(&x), as_f64(&y)),
            (NumKind::Int(i), NumKind::Num(n)) => Numeric::from_i64(*i).total_cmp(n),
            (NumKind::Num(n), NumKind::Int(i)) => n.total_cmp(&Numeric::from_i64(*i)),
            (NumKind::Num(n), NumKind::Num(m)) => n.total_cmp(m),
        };
        return Ok(Some(ord));
    }
    if let (Some(x), Some(y)) = (text_of(a), text_of(b)) {
        return Ok(Some(x.as_bytes().cmp(y.as_bytes())));
    }
    if let (Some(x), Some(y)) = (datetime_key(a), datetime_key(b)) {
        return Ok(Some(x.cmp(&y)));
    }
    let ord = match (a, b) {
        (Value::Bool(x), Value::Bool(y)) => x.cmp(y),
        (Value::Bytea(x), Value::Bytea(y)) => x.cmp(y),
        (Value::Time(x), Value::Time(y)) => x.cmp(y),
        (Value::Interval { .. }, Value::Interval { .. }) => {
            let (Some(x), Some(y)) = (a.as_interval(), b.as_interval()) else {
                return Ok(None);
            };
            x.span().cmp(&y.span())
        }
        _ => {
            return Err(SqlError::undefined_operator(
                a.data_type().base_name(),
                "=",
                b.data_type().base_name(),
            ));
        }
    };
    Ok(Some(ord))
}

/// Exact decimal expansion of a finite f64, normalised.
fn exact_f64(f: f64) -> String {
    if f == 0.0 {
        return "0".into();
    }
    let bits = f.to_bits();
    let neg = bits >> 63 == 1;
    let exp = ((bits >> 52) & 0x7ff) as i64;
    let frac = bits & ((1u64 << 52) - 1);
    let (mant, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | (1u64 << 52), exp - 1075)
    };
    let mut int = BigInt::from(mant);
    if neg {
        int = -int;
    }
    let n = if e >= 0 {
        Numeric::from_parts(int << (e as usize), 0)
    } else {
        let p = BigInt::from(5u32).pow((-e) as u32);
        Numeric::from_parts(int * p, -e)
    };
    n.normalized_string()
}

fn put_bytes(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
    out.extend_from_slice(bytes);
}

/// Append a canonical hash key for `v` (see module docs).
pub fn hash_key(v: &Value, out: &mut Vec<u8>) {
    if let Some(k) = num_kind(v) {
        let s = match k {
            NumKind::Int(i) => i.to_string(),
            NumKind::Float(f) if f.is_nan() => "NaN".into(),
            NumKind::Float(f) if f.is_infinite() => if f > 0.0 { "inf" } else { "-inf" }.into(),
            NumKind::Float(f) => exact_f64(f),
            NumKind::Num(n) => n.normalized_string(),
        };
        put_bytes(out, b'N', s.as_bytes());
        return;
    }
    if let Some(s) = text_of(v) {
        put_bytes(out, b'S', s.as_bytes());
        return;
    }
    if let Some(k) = datetime_key(v) {
        put_bytes(out, b'D', &k.to_be_bytes());
        return;
    }
    match v {
        Value::Null => out.push(0),
        Value::Bool(b) => put_bytes(out, b'B', &[*b as u8]),
        Value::Bytea(b) => put_bytes(out, b'X', b),
        Value::Time(t) => put_bytes(out, b'T', &t.to_be_bytes()),
        Value::Interval { .. } => {
            let span = v.as_interval().map(|i| i.span()).unwrap_or(0);
            put_bytes(out, b'V', &span.to_be_bytes());
        }
        _ => out.push(0xff),
    }
}
