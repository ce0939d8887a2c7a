//! Values on the wire: type OIDs, text and binary formats, RowDescription, and errors and
//! notices as ErrorResponse/NoticeResponse fields.
//!
//! Text format is PostgreSQL's output function (`Value::to_text`), binary its send/receive
//! functions (`types::binary`). Format codes follow the protocol: none means text for all,
//! one applies to all, otherwise one per column or parameter.

use crate::sql::SqlError;
use crate::sql::result::{Column, Notice};
use crate::sql::types::{self, DataType, Value};
use bytes::{BufMut, BytesMut};
use pgwire::messages::data::{DataRow, FieldDescription, RowDescription};
use pgwire::messages::response::{ErrorResponse, NoticeResponse};

/// The type a client names by OID in Parse (0: let the server infer it).
pub fn type_from_oid(oid: u32) -> Result<DataType, SqlError> {
    Ok(match oid {
        0 | 705 => DataType::Unknown,
        16 => DataType::Bool,
        17 => DataType::Bytea,
        20 => DataType::Int8,
        21 => DataType::Int2,
        23 => DataType::Int4,
        25 => DataType::Text,
        700 => DataType::Float4,
        701 => DataType::Float8,
        1042 => DataType::Char(None),
        1043 => DataType::Varchar(None),
        1082 => DataType::Date,
        1083 => DataType::Time,
        1114 => DataType::Timestamp,
        1184 => DataType::Timestamptz,
        1186 => DataType::Interval,
        1700 => DataType::NUMERIC,
        _ => {
            return Err(SqlError::feature_not_supported(format!(
                "parameters of the type with OID {oid} are not supported"
            )));
        }
    })
}

/// The format code of position `i` among `n`, per the protocol's rules.
pub fn format_at(codes: &[i16], i: usize) -> i16 {
    match codes {
        [] => 0,
        [one] => *one,
        many => many.get(i).copied().unwrap_or(0),
    }
}

/// Checks a format-code list against the number of columns or parameters it applies to.
pub fn check_formats(codes: &[i16], n: usize, what: &str) -> Result<(), SqlError> {
    if codes.len() > 1 && codes.len() != n {
        return Err(SqlError::new(
            "08P01",
            format!(
                "bind message has {} {what} formats but {n} {what}s",
                codes.len()
            ),
        ));
    }
    if let Some(c) = codes.iter().find(|c| !matches!(c, 0 | 1)) {
        return Err(SqlError::new(
            "22P02",
            format!("unsupported format code: {c}"),
        ));
    }
    Ok(())
}

pub fn row_description(columns: &[Column], formats: &[i16]) -> RowDescription {
    let fields = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            FieldDescription::new(
                c.name.clone(),
                0,
                0,
                c.ty.oid(),
                c.ty.typlen(),
                c.ty.typmod(),
                format_at(formats, i),
            )
        })
        .collect();
    RowDescription::new(fields)
}

/// Encodes one row; `scratch` is reused between rows for binary values, and the common text
/// forms are written in place, to avoid an allocation per value.
pub fn data_row(row: &[Value], formats: &[i16], scratch: &mut Vec<u8>) -> DataRow {
    let mut data = BytesMut::with_capacity(row.len() * 8);
    for (i, v) in row.iter().enumerate() {
        if v.is_null() {
            data.put_i32(-1);
            continue;
        }
        if format_at(formats, i) == 1 {
            scratch.clear();
            types::encode_binary(v, scratch);
            data.put_i32(scratch.len() as i32);
            data.put_slice(scratch);
        } else {
            put_text(v, &mut data);
        }
    }
    DataRow::new(data, row.len() as i16)
}

/// Appends a non-NULL value's text form with its length word. The commonest types are
/// written straight into the row buffer; the rest go through `Value::to_text`.
fn put_text(v: &Value, data: &mut BytesMut) {
    use std::fmt::Write;
    let digits = |data: &mut BytesMut, n: &dyn std::fmt::Display| {
        let at = data.len();
        data.put_i32(0);
        let _ = write!(data, "{n}");
        let len = (data.len() - at - 4) as i32;
        data[at..at + 4].copy_from_slice(&len.to_be_bytes());
    };
    match v {
        Value::Text(s) | Value::Bpchar(s) => {
            data.put_i32(s.len() as i32);
            data.put_slice(s.as_bytes());
        }
        Value::Bool(b) => {
            data.put_i32(1);
            data.put_u8(if *b { b't' } else { b'f' });
        }
        Value::Int2(n) => digits(data, n),
        Value::Int4(n) => digits(data, n),
        Value::Int8(n) => digits(data, n),
        other => {
            let text = other.to_text().unwrap_or_default();
            data.put_i32(text.len() as i32);
            data.put_slice(text.as_bytes());
        }
    }
}

/// Decodes one Bind parameter of type `ty` in format `format`.
pub fn decode_param(bytes: Option<&[u8]>, ty: &DataType, format: i16) -> Result<Value, SqlError> {
    let Some(bytes) = bytes else {
        return Ok(Value::Null);
    };
    if format == 1 {
        return types::decode_binary(bytes, ty);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| SqlError::new("22021", "invalid byte sequence for encoding \"UTF8\""))?;
    let ty = if *ty == DataType::Unknown {
        DataType::Text
    } else {
        *ty
    };
    types::parse_text(text, &ty)
}

/// ErrorResponse fields for `e` at `severity` (`ERROR` or `FATAL`).
pub fn error_response(e: &SqlError, severity: &str) -> ErrorResponse {
    let mut fields = vec![
        (b'S', severity.to_string()),
        (b'V', severity.to_string()),
        (b'C', e.code.to_string()),
        (b'M', e.message.clone()),
    ];
    if let Some(d) = &e.detail {
        fields.push((b'D', d.clone()));
    }
    if let Some(h) = &e.hint {
        fields.push((b'H', h.clone()));
    }
    if let Some(p) = e.position {
        fields.push((b'P', p.to_string()));
    }
    ErrorResponse::new(fields)
}

pub fn notice_response(n: &Notice) -> NoticeResponse {
    NoticeResponse::new(vec![
        (b'S', n.severity.to_string()),
        (b'V', n.severity.to_string()),
        (b'C', n.code.to_string()),
        (b'M', n.message.clone()),
    ])
}
