//! How rows and index keys are stored.
//!
//! - **Rows** are the table's values in column order: a u16 count, then per value a u32
//!   length (`u32::MAX` for NULL) and the value's PostgreSQL binary (send) form. The column
//!   types come from the catalog, so the bytes carry no type tags. A stored row with fewer
//!   values than the table has columns (a column was added later) reads the rest as NULL.
//! - **Keys** (primary keys, index entries) use the storage layer's order-preserving
//!   [`keycode`](crate::storage::keycode), so byte order is SQL order: integers of every width
//!   as `Int`, floats as `Float`, text and char (trailing spaces stripped, as char compares) as
//!   `Text`, bytea as `Bytes`, date/time types as their integer micros or days, and numeric as
//!   its nearest float followed by its exact normalised text (so equal numerics give equal keys
//!   and order is right except between distinct values that share a float, past 15 digits).
//!   Plans always re-check predicates on the rows an index returns, so a key's approximation
//!   can cost a wasted fetch, never a wrong answer.

use crate::sql::SqlError;
use crate::sql::types::{DataType, Value, decode_binary, encode_binary};
use crate::storage::keycode::{KeyValue, SortOrder, encode_value};

/// Encodes a row.
pub fn encode_row(values: &[Value]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + values.len() * 12);
    out.extend_from_slice(&(values.len() as u16).to_be_bytes());
    for v in values {
        if v.is_null() {
            out.extend_from_slice(&u32::MAX.to_be_bytes());
            continue;
        }
        let at = out.len();
        out.extend_from_slice(&[0; 4]);
        encode_binary(v, &mut out);
        let len = (out.len() - at - 4) as u32;
        out[at..at + 4].copy_from_slice(&len.to_be_bytes());
    }
    out
}

fn corrupt() -> SqlError {
    SqlError::new("XX001", "stored row is corrupt")
}

/// Decodes a row of a table whose column types are `types`.
pub fn decode_row(bytes: &[u8], types: &[DataType]) -> Result<Vec<Value>, SqlError> {
    let n = u16::from_be_bytes(
        bytes
            .get(..2)
            .ok_or_else(corrupt)?
            .try_into()
            .map_err(|_| corrupt())?,
    ) as usize;
    let mut pos = 2;
    let mut out = Vec::with_capacity(types.len());
    for ty in types.iter().take(n) {
        let len_bytes: [u8; 4] = bytes
            .get(pos..pos + 4)
            .ok_or_else(corrupt)?
            .try_into()
            .map_err(|_| corrupt())?;
        pos += 4;
        let len = u32::from_be_bytes(len_bytes);
        if len == u32::MAX {
            out.push(Value::Null);
            continue;
        }
        let body = bytes.get(pos..pos + len as usize).ok_or_else(corrupt)?;
        pos += len as usize;
        // Stored values were already checked against their type modifiers.
        let ty = unconstrained(ty);
        out.push(decode_binary(body, &ty).map_err(|_| corrupt())?);
    }
    out.resize(types.len(), Value::Null);
    Ok(out)
}

fn unconstrained(ty: &DataType) -> DataType {
    match ty {
        DataType::Numeric { .. } => DataType::NUMERIC,
        DataType::Varchar(_) => DataType::Text,
        DataType::Char(_) => DataType::Char(None),
        t => *t,
    }
}

/// The key component of a value.
pub fn key_value(v: &Value) -> KeyValue {
    match v {
        Value::Null => KeyValue::Null,
        Value::Bool(b) => KeyValue::Bool(*b),
        Value::Int2(i) => KeyValue::Int(*i as i64),
        Value::Int4(i) => KeyValue::Int(*i as i64),
        Value::Int8(i) => KeyValue::Int(*i),
        Value::Float4(f) => KeyValue::Float(*f as f64),
        Value::Float8(f) => KeyValue::Float(*f),
        Value::Numeric(n) => KeyValue::Float(n.to_f64()),
        Value::Text(s) => KeyValue::Text(s.clone()),
        Value::Bpchar(s) => KeyValue::Text(s.trim_end_matches(' ').to_string()),
        Value::Bytea(b) => KeyValue::Bytes(b.clone()),
        Value::Date(d) => KeyValue::Int(*d as i64),
        Value::Time(t) | Value::Timestamp(t) | Value::Timestamptz(t) => KeyValue::Int(*t),
        Value::Interval { .. } => {
            let span = v.as_interval().map(|i| i.span()).unwrap_or(0);
            let biased = (span as u128) ^ (1u128 << 127);
            KeyValue::Bytes(biased.to_be_bytes().to_vec())
        }
    }
}

/// Appends one key component (with numeric's exact tail).
pub fn push_key(out: &mut Vec<u8>, v: &Value, desc: bool) {
    let order = if desc {
        SortOrder::Desc
    } else {
        SortOrder::Asc
    };
    encode_value(out, &key_value(v), order);
    if let Value::Numeric(n) = v {
        encode_value(out, &KeyValue::Text(n.normalized_string()), order);
    }
}

/// Encodes a composite key, all ascending.
pub fn encode_key(values: &[&Value]) -> Vec<u8> {
    let mut out = Vec::new();
    for v in values {
        push_key(&mut out, v, false);
    }
    out
}

/// The smallest byte string greater than every key that starts with `prefix`.
pub fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_round_trip_and_pad() {
        let types = [
            DataType::Int4,
            DataType::Text,
            DataType::Float8,
            DataType::Int8,
        ];
        let row = vec![Value::Int4(7), Value::Null, Value::Float8(1.5)];
        let back = decode_row(&encode_row(&row), &types).unwrap();
        assert_eq!(back[..3], row[..]);
        assert_eq!(back[3], Value::Null);
        assert!(decode_row(&[0, 5, 1], &types).is_err());
    }

    #[test]
    fn keys_order_like_values() {
        let a = encode_key(&[&Value::Int4(-3)]);
        let b = encode_key(&[&Value::Int8(2)]);
        assert!(a < b);
        let c = encode_key(&[&Value::Text("ab".into())]);
        let d = encode_key(&[&Value::Bpchar("ab  ".into())]);
        assert_eq!(c, d);
        assert_eq!(prefix_end(&[1, 0xff]), Some(vec![2]));
    }
}
