//! Type facts the binder needs: representative values for operator resolution, type names
//! for output columns, and sqlparser's type syntax mapped to isodb's types.

use crate::sql::SqlError;
use crate::sql::plan::BinOp;
use crate::sql::types::{self, DataType, Numeric, Value};
use sqlparser::ast;

/// A representative value of a type, for operator resolution.
pub fn sample(ty: &DataType) -> Value {
    match ty {
        DataType::Bool => Value::Bool(true),
        DataType::Int2 => Value::Int2(1),
        DataType::Int4 => Value::Int4(1),
        DataType::Int8 => Value::Int8(1),
        DataType::Float4 => Value::Float4(1.0),
        DataType::Float8 => Value::Float8(1.0),
        DataType::Numeric { .. } => Value::Numeric(Numeric::from_i64(1)),
        DataType::Text | DataType::Varchar(_) | DataType::Unknown => Value::Text("1".into()),
        DataType::Char(_) => Value::Bpchar("1".into()),
        DataType::Bytea => Value::Bytea(vec![1]),
        DataType::Date => Value::Date(0),
        DataType::Time => Value::Time(0),
        DataType::Timestamp => Value::Timestamp(0),
        DataType::Timestamptz => Value::Timestamptz(0),
        DataType::Interval => Value::Interval {
            months: 0,
            days: 1,
            micros: 0,
        },
    }
}

/// The type of a value-producing arithmetic operator.
pub fn arith_type(op: BinOp, l: &DataType, r: &DataType) -> Result<DataType, SqlError> {
    if op.is_bitwise() {
        let rank = |t: &DataType| match t {
            DataType::Int2 => Some(0),
            DataType::Int4 => Some(1),
            DataType::Int8 => Some(2),
            _ => None,
        };
        return match (rank(l), rank(r)) {
            (Some(_), Some(_)) if matches!(op, BinOp::ShiftLeft | BinOp::ShiftRight) => Ok(*l),
            (Some(a), Some(b)) => Ok(if a >= b { *l } else { *r }),
            _ => Err(SqlError::undefined_operator(
                l.base_name(),
                op.symbol(),
                r.base_name(),
            )),
        };
    }
    let (a, b) = (sample(l), sample(r));
    let v = match op {
        BinOp::Add => types::add(&a, &b),
        BinOp::Sub => types::sub(&a, &b),
        BinOp::Mul => types::mul(&a, &b),
        BinOp::Div => types::div(&a, &b),
        BinOp::Rem => types::rem(&a, &b),
        BinOp::Concat => types::concat_op(&a, &b),
        _ => return Ok(DataType::Bool),
    }?;
    Ok(match v.data_type() {
        DataType::Numeric { .. } => DataType::NUMERIC,
        t => t,
    })
}

/// PostgreSQL's internal type name, used for output column names of casts (`int4`).
pub fn typname(ty: &DataType) -> &'static str {
    match ty {
        DataType::Bool => "bool",
        DataType::Int2 => "int2",
        DataType::Int4 => "int4",
        DataType::Int8 => "int8",
        DataType::Float4 => "float4",
        DataType::Float8 => "float8",
        DataType::Numeric { .. } => "numeric",
        DataType::Text => "text",
        DataType::Varchar(_) => "varchar",
        DataType::Char(_) => "bpchar",
        DataType::Bytea => "bytea",
        DataType::Date => "date",
        DataType::Time => "time",
        DataType::Timestamp => "timestamp",
        DataType::Timestamptz => "timestamptz",
        DataType::Interval => "interval",
        DataType::Unknown => "unknown",
    }
}

/// The type named by a sqlparser data type.
pub fn sql_type(dt: &ast::DataType) -> Result<DataType, SqlError> {
    let text = dt.to_string().to_ascii_lowercase();
    let (name, mods) = match (text.find('('), text.find(')')) {
        (Some(a), Some(b)) if b > a => {
            let mods: Result<Vec<u32>, _> = text[a + 1..b]
                .split(',')
                .map(|m| m.trim().parse::<u32>())
                .collect();
            let rest = format!("{} {}", &text[..a], &text[b + 1..]);
            let mods = mods.map_err(|_| {
                SqlError::new("22023", format!("invalid type modifier in \"{text}\""))
            })?;
            (rest, mods)
        }
        _ => (text.clone(), Vec::new()),
    };
    DataType::from_sql_name(&name, &mods)
}
