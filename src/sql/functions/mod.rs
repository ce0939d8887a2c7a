//! Scalar functions (placeholder until the full library lands: a handful of functions with
//! the final interface).

use crate::sql::SqlError;
use crate::sql::types::{DataType, Value};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ScalarFn(u8);

pub struct Resolved {
    pub func: ScalarFn,
    pub arg_types: Vec<DataType>,
    pub ret: DataType,
}

pub struct FnContext {
    pub statement_timestamp: i64,
    pub transaction_timestamp: i64,
}

impl ScalarFn {
    pub fn name(&self) -> &'static str {
        match self.0 {
            0 => "abs",
            1 => "length",
            2 => "lower",
            _ => "upper",
        }
    }
    pub fn is_volatile(&self) -> bool {
        false
    }
    pub fn is_strict(&self) -> bool {
        true
    }
}

pub fn resolve(name: &str, args: &[DataType]) -> Result<Resolved, SqlError> {
    let arg = |t: DataType| {
        if t == DataType::Unknown {
            DataType::Text
        } else {
            t
        }
    };
    let (f, ret) = match (name, args) {
        ("abs", [t]) => (0, arg(*t)),
        ("length", [_]) => (1, DataType::Int4),
        ("lower", [_]) => (2, DataType::Text),
        ("upper", [_]) => (3, DataType::Text),
        _ => {
            let names: Vec<String> = args.iter().map(|t| t.name()).collect();
            return Err(SqlError::new(
                "42883",
                format!("function {name}({}) does not exist", names.join(", ")),
            ));
        }
    };
    let arg_types = match f {
        0 => args.iter().map(|t| arg(*t)).collect(),
        _ => vec![DataType::Text],
    };
    Ok(Resolved {
        func: ScalarFn(f),
        arg_types,
        ret,
    })
}

pub fn call(f: ScalarFn, args: &[Value], _ctx: &FnContext) -> Result<Value, SqlError> {
    if args.iter().any(Value::is_null) {
        return Ok(Value::Null);
    }
    Ok(match (f.0, &args[0]) {
        (0, v) => match v {
            Value::Int4(i) => {
                Value::Int4(i.checked_abs().ok_or_else(SqlError::integer_out_of_range)?)
            }
            Value::Int8(i) => {
                Value::Int8(i.checked_abs().ok_or_else(SqlError::bigint_out_of_range)?)
            }
            Value::Float8(x) => Value::Float8(x.abs()),
            other => other.clone(),
        },
        (1, Value::Text(s)) => Value::Int4(s.chars().count() as i32),
        (2, Value::Text(s)) => Value::Text(s.to_lowercase()),
        (3, Value::Text(s)) => Value::Text(s.to_uppercase()),
        _ => Value::Null,
    })
}

pub fn like_match(
    text: &str,
    pattern: &str,
    escape: Option<char>,
    ci: bool,
) -> Result<bool, SqlError> {
    fn m(t: &[char], p: &[char], esc: Option<char>) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some('%') => (0..=t.len()).any(|i| m(&t[i..], &p[1..], esc)),
            Some('_') => !t.is_empty() && m(&t[1..], &p[1..], esc),
            Some(c) if Some(*c) == esc && p.len() > 1 => {
                !t.is_empty() && t[0] == p[1] && m(&t[1..], &p[2..], esc)
            }
            Some(c) => !t.is_empty() && t[0] == *c && m(&t[1..], &p[1..], esc),
        }
    }
    let (t, p): (Vec<char>, Vec<char>) = if ci {
        (
            text.to_lowercase().chars().collect(),
            pattern.to_lowercase().chars().collect(),
        )
    } else {
        (text.chars().collect(), pattern.chars().collect())
    };
    Ok(m(&t, &p, escape))
}
