//! PostgreSQL binary wire format (`typsend` / `typreceive`).
//!
//! Design: [`encode_binary`] appends the send representation of a non-NULL
//! value (the caller writes the length word; NULL writes nothing), and
//! [`decode_binary`] parses one parameter/column of a given type, applying
//! the type modifier as PostgreSQL's receive functions do (varchar(n)/char(n)
//! length checks, numeric(p,s) rounding). Formats: bool 1 byte; int2/4/8 and
//! float4/8 big-endian; text UTF-8 (validated, NUL rejected); bytea raw; date
//! i32 days and time/timestamp/timestamptz i64 µs since 2000-01-01; interval
//! i64 µs, i32 days, i32 months; numeric as ndigits i16, weight i16, sign
//! u16 (0x0000, 0x4000, 0xC000 NaN, 0xD000 +Inf, 0xF000 -Inf), dscale u16, then base-10000 digits.
//! Received numerics are truncated to their dscale, like `numeric_recv`.
//! Wrong lengths raise 08P01 `insufficient data left in message` or 22P03
//! `incorrect binary data format`.

use super::datatype::DataType;
use super::numeric::Numeric;
use super::value::{Value, apply_char_length};
use crate::sql::error::SqlError;
use bigdecimal::num_bigint::BigInt;

const NUMERIC_POS: u16 = 0x0000;
const NUMERIC_NEG: u16 = 0x4000;
const NUMERIC_NAN: u16 = 0xC000;
const NUMERIC_PINF: u16 = 0xD000;
const NUMERIC_NINF: u16 = 0xF000;

/// Append the binary representation of `v` (nothing for NULL).
pub fn encode_binary(v: &Value, out: &mut Vec<u8>) {
    match v {
        Value::Null => {}
        Value::Bool(b) => out.push(*b as u8),
        Value::Int2(i) => out.extend_from_slice(&i.to_be_bytes()),
        Value::Int4(i) => out.extend_from_slice(&i.to_be_bytes()),
        Value::Int8(i) => out.extend_from_slice(&i.to_be_bytes()),
        Value::Float4(f) => out.extend_from_slice(&f.to_bits().to_be_bytes()),
        Value::Float8(f) => out.extend_from_slice(&f.to_bits().to_be_bytes()),
        Value::Numeric(n) => encode_numeric(n, out),
        Value::Text(s) | Value::Bpchar(s) => out.extend_from_slice(s.as_bytes()),
        Value::Bytea(b) => out.extend_from_slice(b),
        Value::Date(d) => out.extend_from_slice(&d.to_be_bytes()),
        Value::Time(t) | Value::Timestamp(t) | Value::Timestamptz(t) => {
            out.extend_from_slice(&t.to_be_bytes())
        }
        Value::Interval {
            months,
            days,
            micros,
        } => {
            out.extend_from_slice(&micros.to_be_bytes());
            out.extend_from_slice(&days.to_be_bytes());
            out.extend_from_slice(&months.to_be_bytes());
        }
    }
}

fn encode_numeric(n: &Numeric, out: &mut Vec<u8>) {
    // PostgreSQL sends dscale 0x20 for infinities (an artefact of reading
    // the short header's dscale bits) and 0 for NaN; we match it exactly.
    let special = match n {
        Numeric::NaN => Some((NUMERIC_NAN, 0u16)),
        Numeric::PosInf => Some((NUMERIC_PINF, 0x20)),
        Numeric::NegInf => Some((NUMERIC_NINF, 0x20)),
        Numeric::Finite(_) => None,
    };
    if let Some((sign, dscale)) = special {
        out.extend_from_slice(&0i16.to_be_bytes());
        out.extend_from_slice(&0i16.to_be_bytes());
        out.extend_from_slice(&sign.to_be_bytes());
        out.extend_from_slice(&dscale.to_be_bytes());
        return;
    }
    let (digits, weight) = n.base10000();
    let sign = if n.is_negative() {
        NUMERIC_NEG
    } else {
        NUMERIC_POS
    };
    out.extend_from_slice(&(digits.len() as i16).to_be_bytes());
    out.extend_from_slice(&weight.to_be_bytes());
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&(n.scale().clamp(0, 0x3FFF) as u16).to_be_bytes());
    for d in digits {
        out.extend_from_slice(&d.to_be_bytes());
    }
}

struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], SqlError> {
        let end = self
            .pos
            .checked_add(N)
            .ok_or_else(SqlError::insufficient_data)?;
        let slice = self
            .buf
            .get(self.pos..end)
            .ok_or_else(SqlError::insufficient_data)?;
        self.pos = end;
        let mut a = [0u8; N];
        a.copy_from_slice(slice);
        Ok(a)
    }

    fn i16(&mut self) -> Result<i16, SqlError> {
        Ok(i16::from_be_bytes(self.take::<2>()?))
    }

    fn u16(&mut self) -> Result<u16, SqlError> {
        Ok(u16::from_be_bytes(self.take::<2>()?))
    }

    fn i32(&mut self) -> Result<i32, SqlError> {
        Ok(i32::from_be_bytes(self.take::<4>()?))
    }

    fn i64(&mut self) -> Result<i64, SqlError> {
        Ok(i64::from_be_bytes(self.take::<8>()?))
    }

    fn finish(&self) -> Result<(), SqlError> {
        if self.pos == self.buf.len() {
            Ok(())
        } else {
            Err(SqlError::invalid_binary_representation(
                "incorrect binary data format",
            ))
        }
    }
}

fn decode_text(bytes: &[u8]) -> Result<String, SqlError> {
    if let Some(p) = bytes.iter().position(|b| *b == 0) {
        return Err(SqlError::character_not_in_repertoire(&bytes[p..]));
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => Err(SqlError::character_not_in_repertoire(
            &bytes[e.valid_up_to()..],
        )),
    }
}

fn decode_numeric(r: &mut Reader<'_>) -> Result<Numeric, SqlError> {
    let ndigits = r.i16()?;
    if ndigits < 0 {
        return Err(SqlError::invalid_binary_representation(
            "invalid length in external \"numeric\" value",
        ));
    }
    let weight = r.i16()? as i64;
    let sign = r.u16()?;
    let dscale = r.u16()?;
    match sign {
        NUMERIC_POS | NUMERIC_NEG => {}
        NUMERIC_NAN | NUMERIC_PINF | NUMERIC_NINF => {
            for _ in 0..ndigits {
                r.i16()?;
            }
            return Ok(match sign {
                NUMERIC_NAN => Numeric::NaN,
                NUMERIC_PINF => Numeric::PosInf,
                _ => Numeric::NegInf,
            });
        }
        _ => {
            return Err(SqlError::invalid_binary_representation(
                "invalid sign in external \"numeric\" value",
            ));
        }
    }
    if dscale > 0x3FFF {
        return Err(SqlError::invalid_binary_representation(
            "invalid scale in external \"numeric\" value",
        ));
    }
    let mut int = BigInt::from(0u32);
    for _ in 0..ndigits {
        let d = r.i16()?;
        if !(0..10000).contains(&d) {
            return Err(SqlError::invalid_binary_representation(
                "invalid digit in external \"numeric\" value",
            ));
        }
        int = int * 10000u32 + d as u32;
    }
    if sign == NUMERIC_NEG {
        int = -int;
    }
    // value = int * 10000^(weight - ndigits + 1)
    let scale = -4 * (weight - ndigits as i64 + 1);
    let n = Numeric::from_parts(int, scale);
    n.trunc_to(dscale as i64).check_overflow()
}

/// Decode one binary value of type `ty`.
pub fn decode_binary(bytes: &[u8], ty: &DataType) -> Result<Value, SqlError> {
    let mut r = Reader { buf: bytes, pos: 0 };
    let v = match ty {
        DataType::Bool => Value::Bool(r.take::<1>()?[0] != 0),
        DataType::Int2 => Value::Int2(r.i16()?),
        DataType::Int4 => Value::Int4(r.i32()?),
        DataType::Int8 => Value::Int8(r.i64()?),
        DataType::Float4 => Value::Float4(f32::from_bits(r.i32()? as u32)),
        DataType::Float8 => Value::Float8(f64::from_bits(r.i64()? as u64)),
        DataType::Numeric { precision, scale } => {
            Value::Numeric(decode_numeric(&mut r)?.apply_typmod(*precision, *scale)?)
        }
        DataType::Text | DataType::Unknown => return Ok(Value::Text(decode_text(bytes)?)),
        DataType::Varchar(_) | DataType::Char(_) => {
            return apply_char_length(&decode_text(bytes)?, ty);
        }
        DataType::Bytea => return Ok(Value::Bytea(bytes.to_vec())),
        DataType::Date => Value::Date(r.i32()?),
        DataType::Time => {
            let t = r.i64()?;
            if !(0..=super::datetime::USECS_PER_DAY).contains(&t) {
                return Err(SqlError::datetime_out_of_range("time out of range"));
            }
            Value::Time(t)
        }
        DataType::Timestamp | DataType::Timestamptz => {
            let t = r.i64()?;
            let finite = (super::datetime::TS_MIN..super::datetime::TS_END).contains(&t);
            if !finite && t != i64::MIN && t != i64::MAX {
                return Err(SqlError::datetime_out_of_range("timestamp out of range"));
            }
            if matches!(ty, DataType::Timestamp) {
                Value::Timestamp(t)
            } else {
                Value::Timestamptz(t)
            }
        }
        DataType::Interval => {
            let micros = r.i64()?;
            let days = r.i32()?;
            let months = r.i32()?;
            Value::Interval {
                months,
                days,
                micros,
            }
        }
    };
    r.finish()?;
    Ok(v)
}
