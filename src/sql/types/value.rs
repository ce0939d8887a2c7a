//! Runtime SQL values, their text output and text input functions.
//!
//! Design: [`Value`] holds PostgreSQL's internal representation for each
//! type (days/micros since 2000-01-01, (months, days, micros) intervals,
//! [`Numeric`] with display scale). `text` and `varchar` values are both
//! `Value::Text`; `character(n)` values are `Value::Bpchar`, kept with their
//! pad spaces because PostgreSQL's char semantics (pad-insensitive
//! comparison, padding stripped on cast to text) need to know the type.
//!
//! [`Value::to_text`] is PostgreSQL's output function (`t`/`f`, shortest
//! round-trip floats, `\x` hex bytea, ISO dates, `postgres` interval style).
//! [`parse_text`] is the input function with the type's modifier applied:
//! integers allow surrounding whitespace and report `value "…" is out of
//! range for type integer`; booleans accept unique prefixes of
//! true/false/yes/no, `on`/`off`, `1`/`0`; varchar(n)/char(n) raise 22001
//! unless the excess is spaces (which are dropped); char(n) pads.

use super::datatype::DataType;
use super::datetime::{self, Interval};
use super::float;
use super::numeric::Numeric;
use crate::sql::error::SqlError;

/// A SQL value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int2(i16),
    Int4(i32),
    Int8(i64),
    Float4(f32),
    Float8(f64),
    Numeric(Numeric),
    /// text or varchar.
    Text(String),
    /// character(n) / bpchar, including its pad spaces.
    Bpchar(String),
    Bytea(Vec<u8>),
    /// Days since 2000-01-01.
    Date(i32),
    /// Microseconds since midnight.
    Time(i64),
    /// Microseconds since 2000-01-01 00:00.
    Timestamp(i64),
    /// Microseconds since 2000-01-01 00:00 UTC.
    Timestamptz(i64),
    Interval {
        months: i32,
        days: i32,
        micros: i64,
    },
}

impl Value {
    /// The value's type (without modifiers; `Null` is `Unknown`).
    pub fn data_type(&self) -> DataType {
        match self {
            Value::Null => DataType::Unknown,
            Value::Bool(_) => DataType::Bool,
            Value::Int2(_) => DataType::Int2,
            Value::Int4(_) => DataType::Int4,
            Value::Int8(_) => DataType::Int8,
            Value::Float4(_) => DataType::Float4,
            Value::Float8(_) => DataType::Float8,
            Value::Numeric(_) => DataType::NUMERIC,
            Value::Text(_) => DataType::Text,
            Value::Bpchar(_) => DataType::Char(None),
            Value::Bytea(_) => DataType::Bytea,
            Value::Date(_) => DataType::Date,
            Value::Time(_) => DataType::Time,
            Value::Timestamp(_) => DataType::Timestamp,
            Value::Timestamptz(_) => DataType::Timestamptz,
            Value::Interval { .. } => DataType::Interval,
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Build an interval value.
    pub fn interval(iv: Interval) -> Value {
        Value::Interval {
            months: iv.months,
            days: iv.days,
            micros: iv.micros,
        }
    }

    /// The interval payload, if this is an interval.
    pub fn as_interval(&self) -> Option<Interval> {
        match self {
            Value::Interval {
                months,
                days,
                micros,
            } => Some(Interval {
                months: *months,
                days: *days,
                micros: *micros,
            }),
            _ => None,
        }
    }

    /// PostgreSQL's text output; `None` for NULL.
    pub fn to_text(&self) -> Option<String> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(b) => if *b { "t" } else { "f" }.to_string(),
            Value::Int2(v) => v.to_string(),
            Value::Int4(v) => v.to_string(),
            Value::Int8(v) => v.to_string(),
            Value::Float4(v) => float::format_f32(*v),
            Value::Float8(v) => float::format_f64(*v),
            Value::Numeric(n) => n.to_string(),
            Value::Text(s) | Value::Bpchar(s) => s.clone(),
            Value::Bytea(b) => format_bytea(b),
            Value::Date(d) => datetime::format_date(*d),
            Value::Time(t) => datetime::format_time(*t),
            Value::Timestamp(t) => datetime::format_timestamp(*t, false),
            Value::Timestamptz(t) => datetime::format_timestamp(*t, true),
            Value::Interval { .. } => {
                datetime::format_interval(&self.as_interval().unwrap_or_default())
            }
        })
    }
}

/// byteaout, hex format.
pub fn format_bytea(b: &[u8]) -> String {
    let mut s = String::with_capacity(2 + b.len() * 2);
    s.push_str("\\x");
    for byte in b {
        s.push_str(&format!("{byte:02x}"));
    }
    s
}

fn parse_int(input: &str, type_name: &str, min: i64, max: i64) -> Result<i64, SqlError> {
    let s = input.trim_matches(|c: char| c.is_ascii_whitespace());
    let bad = || SqlError::invalid_text_representation(type_name, input);
    let (neg, digits) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let mut v: i128 = 0;
    for b in digits.bytes() {
        v = v * 10 + (b - b'0') as i128;
        if v > (i64::MAX as i128) + 1 {
            return Err(SqlError::input_out_of_range(input, type_name));
        }
    }
    let v = if neg { -v } else { v };
    if v < min as i128 || v > max as i128 {
        return Err(SqlError::input_out_of_range(input, type_name));
    }
    Ok(v as i64)
}

/// boolin.
pub fn parse_bool(input: &str) -> Result<bool, SqlError> {
    let s = input
        .trim_matches(|c: char| c.is_ascii_whitespace())
        .to_ascii_lowercase();
    let prefix_of = |word: &str, min: usize| s.len() >= min && word.starts_with(s.as_str());
    if prefix_of("true", 1) || prefix_of("yes", 1) || prefix_of("on", 2) || s == "1" {
        Ok(true)
    } else if prefix_of("false", 1) || prefix_of("no", 1) || prefix_of("off", 2) || s == "0" {
        Ok(false)
    } else {
        Err(SqlError::invalid_text_representation("boolean", input))
    }
}

fn hex_val(c: u8) -> Option<u8> {
    match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        b'A'..=b'F' => Some(c - b'A' + 10),
        _ => None,
    }
}

/// byteain: `\x` hex format or the traditional escape format.
pub fn parse_bytea(input: &str) -> Result<Vec<u8>, SqlError> {
    let b = input.as_bytes();
    let mut out = Vec::new();
    if b.len() >= 2 && b[0] == b'\\' && b[1] == b'x' {
        let mut i = 2;
        while i < b.len() {
            if b[i].is_ascii_whitespace() {
                i += 1;
                continue;
            }
            let hi = hex_val(b[i]).ok_or_else(|| bad_hex(input, i))?;
            let Some(&lo_c) = b.get(i + 1) else {
                return Err(SqlError::invalid_parameter_value(
                    "invalid hexadecimal data: odd number of digits",
                ));
            };
            let lo = hex_val(lo_c).ok_or_else(|| bad_hex(input, i + 1))?;
            out.push(hi << 4 | lo);
            i += 2;
        }
        return Ok(out);
    }
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' {
            out.push(b[i]);
            i += 1;
        } else if b.get(i + 1) == Some(&b'\\') {
            out.push(b'\\');
            i += 2;
        } else if i + 3 < b.len()
            && (b'0'..=b'3').contains(&b[i + 1])
            && (b'0'..=b'7').contains(&b[i + 2])
            && (b'0'..=b'7').contains(&b[i + 3])
        {
            out.push((b[i + 1] - b'0') << 6 | (b[i + 2] - b'0') << 3 | (b[i + 3] - b'0'));
            i += 4;
        } else {
            return Err(SqlError::new(
                "22P02",
                "invalid input syntax for type bytea",
            ));
        }
    }
    Ok(out)
}

fn bad_hex(input: &str, pos: usize) -> SqlError {
    let c = input[pos..].chars().next().unwrap_or(' ');
    SqlError::invalid_parameter_value(format!("invalid hexadecimal digit: \"{c}\""))
}

/// Apply a varchar(n)/char(n) length rule as PostgreSQL's input and
/// assignment do: excess characters must all be spaces (they are dropped),
/// otherwise 22001. char(n) pads to n.
pub fn apply_char_length(s: &str, ty: &DataType) -> Result<Value, SqlError> {
    match ty {
        DataType::Varchar(Some(n)) | DataType::Char(Some(n)) => {
            let n = *n as usize;
            let len = s.chars().count();
            let mut out: String = if len > n {
                let (cut, rest) = split_chars(s, n);
                if !rest.chars().all(|c| c == ' ') {
                    return Err(SqlError::string_data_right_truncation(&ty.name()));
                }
                cut.to_string()
            } else {
                s.to_string()
            };
            if let DataType::Char(_) = ty {
                let cur = len.min(n);
                out.extend(std::iter::repeat_n(' ', n - cur));
                Ok(Value::Bpchar(out))
            } else {
                Ok(Value::Text(out))
            }
        }
        DataType::Char(None) => Ok(Value::Bpchar(s.to_string())),
        _ => Ok(Value::Text(s.to_string())),
    }
}

/// Split after `n` characters.
pub fn split_chars(s: &str, n: usize) -> (&str, &str) {
    match s.char_indices().nth(n) {
        Some((idx, _)) => s.split_at(idx),
        None => (s, ""),
    }
}

/// Run the type's input function on `s`, applying the type modifier.
pub fn parse_text(s: &str, ty: &DataType) -> Result<Value, SqlError> {
    Ok(match ty {
        DataType::Bool => Value::Bool(parse_bool(s)?),
        DataType::Int2 => {
            Value::Int2(parse_int(s, "smallint", i16::MIN as i64, i16::MAX as i64)? as i16)
        }
        DataType::Int4 => {
            Value::Int4(parse_int(s, "integer", i32::MIN as i64, i32::MAX as i64)? as i32)
        }
        DataType::Int8 => Value::Int8(parse_int(s, "bigint", i64::MIN, i64::MAX)?),
        DataType::Float4 => Value::Float4(float::parse_f32(s)?),
        DataType::Float8 => Value::Float8(float::parse_f64(s)?),
        DataType::Numeric { precision, scale } => {
            Value::Numeric(Numeric::parse(s)?.apply_typmod(*precision, *scale)?)
        }
        DataType::Text | DataType::Unknown => Value::Text(s.to_string()),
        DataType::Varchar(_) | DataType::Char(_) => apply_char_length(s, ty)?,
        DataType::Bytea => Value::Bytea(parse_bytea(s)?),
        DataType::Date => Value::Date(datetime::parse_date(s)?),
        DataType::Time => Value::Time(datetime::parse_time(s)?),
        DataType::Timestamp => Value::Timestamp(datetime::parse_timestamp(s, false)?),
        DataType::Timestamptz => Value::Timestamptz(datetime::parse_timestamp(s, true)?),
        DataType::Interval => Value::interval(datetime::parse_interval(s)?),
    })
}
