//! Expression evaluation with SQL's three-valued logic.
//!
//! NULL propagates through operators and strict functions; AND/OR follow Kleene logic
//! (`false AND NULL` is false, `true OR NULL` is true) and short-circuit; a comparison with
//! NULL is NULL, and a WHERE keeps a row only when its condition is true. Subqueries run
//! through the executor: uncorrelated ones once per statement (cached by id), correlated ones
//! once per row with that row pushed as the enclosing row.

use super::{ExecCtx, run};
use crate::sql::SqlError;
use crate::sql::functions;
use crate::sql::plan::{BinOp, Expr, Row, Subquery, SubqueryKind};
use crate::sql::types::{self, Value, compare, hash_key};
use std::cmp::Ordering;
use std::sync::Arc;

fn truth(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        _ => None,
    }
}

/// Compares two values under a comparison operator (NULL when either is NULL).
pub fn compare_op(op: BinOp, a: &Value, b: &Value) -> Result<Value, SqlError> {
    let Some(ord) = compare(a, b)? else {
        return Ok(Value::Null);
    };
    Ok(Value::Bool(match op {
        BinOp::Eq => ord == Ordering::Equal,
        BinOp::NotEq => ord != Ordering::Equal,
        BinOp::Lt => ord == Ordering::Less,
        BinOp::LtEq => ord != Ordering::Greater,
        BinOp::Gt => ord == Ordering::Greater,
        BinOp::GtEq => ord != Ordering::Less,
        _ => return Err(SqlError::new("XX000", "not a comparison")),
    }))
}

/// Integer bitwise operators: the wider operand's type (shifts keep the left's), as in
/// PostgreSQL; shift counts are taken modulo the width like C on x86 (PostgreSQL's behaviour).
fn bitwise(op: BinOp, a: &Value, b: &Value) -> Result<Value, SqlError> {
    let int = |v: &Value| match v {
        Value::Int2(i) => Some((*i as i64, 0)),
        Value::Int4(i) => Some((*i as i64, 1)),
        Value::Int8(i) => Some((*i, 2)),
        _ => None,
    };
    let (Some((x, wx)), Some((y, wy))) = (int(a), int(b)) else {
        return Ok(Value::Null);
    };
    let width = if matches!(op, BinOp::ShiftLeft | BinOp::ShiftRight) {
        wx
    } else {
        wx.max(wy)
    };
    let bits = [16u32, 32, 64][width];
    let shift = (y as u32) % bits;
    let r = match op {
        BinOp::BitAnd => x & y,
        BinOp::BitOr => x | y,
        BinOp::BitXor => x ^ y,
        BinOp::ShiftLeft => match width {
            0 => ((x as i16).wrapping_shl(shift)) as i64,
            1 => ((x as i32).wrapping_shl(shift)) as i64,
            _ => x.wrapping_shl(shift),
        },
        _ => match width {
            0 => ((x as i16).wrapping_shr(shift)) as i64,
            1 => ((x as i32).wrapping_shr(shift)) as i64,
            _ => x.wrapping_shr(shift),
        },
    };
    Ok(match width {
        0 => Value::Int2(r as i16),
        1 => Value::Int4(r as i32),
        _ => Value::Int8(r),
    })
}

/// Whether a condition holds (true, not false or NULL).
pub fn holds(e: &Expr, row: &[Value], ctx: &mut ExecCtx) -> Result<bool, SqlError> {
    Ok(eval(e, row, ctx)? == Value::Bool(true))
}

/// Evaluates an expression over a row.
pub fn eval(e: &Expr, row: &[Value], ctx: &mut ExecCtx) -> Result<Value, SqlError> {
    match e {
        Expr::Const(v) => Ok(v.clone()),
        Expr::Column(i) => Ok(row.get(*i).cloned().unwrap_or(Value::Null)),
        _ => stacker::maybe_grow(64 * 1024, 4 * 1024 * 1024, || eval_inner(e, row, ctx)),
    }
}

fn eval_inner(e: &Expr, row: &[Value], ctx: &mut ExecCtx) -> Result<Value, SqlError> {
    Ok(match e {
        Expr::Const(v) => v.clone(),
        Expr::Column(i) => row.get(*i).cloned().unwrap_or(Value::Null),
        Expr::Outer(depth, i) => {
            let n = ctx.outer.len();
            ctx.outer
                .get(n.wrapping_sub(*depth))
                .and_then(|r| r.get(*i))
                .cloned()
                .unwrap_or(Value::Null)
        }
        Expr::Param(i) => ctx.params.get(*i).cloned().ok_or_else(|| {
            SqlError::new("08P01", format!("no value given for parameter ${}", i + 1))
        })?,
        Expr::Binary(op, a, b) => {
            let x = eval(a, row, ctx)?;
            let y = eval(b, row, ctx)?;
            match op {
                BinOp::Add => types::add(&x, &y)?,
                BinOp::Sub => types::sub(&x, &y)?,
                BinOp::Mul => types::mul(&x, &y)?,
                BinOp::Div => types::div(&x, &y)?,
                BinOp::Rem => types::rem(&x, &y)?,
                BinOp::Concat => types::concat_op(&x, &y)?,
                op if op.is_bitwise() => bitwise(*op, &x, &y)?,
                op => compare_op(*op, &x, &y)?,
            }
        }
        Expr::And(a, b) => {
            let x = truth(&eval(a, row, ctx)?);
            if x == Some(false) {
                return Ok(Value::Bool(false));
            }
            let y = truth(&eval(b, row, ctx)?);
            match (x, y) {
                (_, Some(false)) => Value::Bool(false),
                (Some(true), Some(true)) => Value::Bool(true),
                _ => Value::Null,
            }
        }
        Expr::Or(a, b) => {
            let x = truth(&eval(a, row, ctx)?);
            if x == Some(true) {
                return Ok(Value::Bool(true));
            }
            let y = truth(&eval(b, row, ctx)?);
            match (x, y) {
                (_, Some(true)) => Value::Bool(true),
                (Some(false), Some(false)) => Value::Bool(false),
                _ => Value::Null,
            }
        }
        Expr::Not(a) => match truth(&eval(a, row, ctx)?) {
            Some(b) => Value::Bool(!b),
            None => Value::Null,
        },
        Expr::Neg(a) => types::neg(&eval(a, row, ctx)?)?,
        Expr::IsNull(a) => Value::Bool(eval(a, row, ctx)?.is_null()),
        Expr::IsDistinct(a, b) => {
            let x = eval(a, row, ctx)?;
            let y = eval(b, row, ctx)?;
            Value::Bool(match (x.is_null(), y.is_null()) {
                (true, true) => false,
                (true, false) | (false, true) => true,
                _ => compare(&x, &y)? != Some(Ordering::Equal),
            })
        }
        Expr::IsBool(a, target) => Value::Bool(truth(&eval(a, row, ctx)?) == Some(*target)),
        Expr::Cast(a, ty) => types::cast(eval(a, row, ctx)?, ty)?,
        Expr::Case {
            operand: _,
            whens,
            otherwise,
        } => {
            for (w, t) in whens {
                if holds(w, row, ctx)? {
                    return eval(t, row, ctx);
                }
            }
            match otherwise {
                Some(o) => eval(o, row, ctx)?,
                None => Value::Null,
            }
        }
        Expr::InList { expr, list } => {
            let x = eval(expr, row, ctx)?;
            if x.is_null() {
                return Ok(Value::Null);
            }
            let mut saw_null = false;
            for item in list {
                match compare_op(BinOp::Eq, &x, &eval(item, row, ctx)?)? {
                    Value::Bool(true) => return Ok(Value::Bool(true)),
                    Value::Null => saw_null = true,
                    _ => {}
                }
            }
            if saw_null {
                Value::Null
            } else {
                Value::Bool(false)
            }
        }
        Expr::InSet {
            expr,
            set,
            has_null,
            ..
        } => {
            let x = eval(expr, row, ctx)?;
            if x.is_null() {
                return Ok(Value::Null);
            }
            let mut k = Vec::new();
            hash_key(&x, &mut k);
            if set.contains(&k) {
                Value::Bool(true)
            } else if *has_null {
                Value::Null
            } else {
                Value::Bool(false)
            }
        }
        Expr::Like {
            expr,
            pattern,
            escape,
            case_insensitive,
        } => {
            let x = eval(expr, row, ctx)?;
            let p = eval(pattern, row, ctx)?;
            let esc = match escape {
                Some(e) => Some(eval(e, row, ctx)?),
                None => None,
            };
            let text = |v: &Value| match v {
                Value::Text(s) => Some(s.clone()),
                Value::Bpchar(s) => Some(s.trim_end_matches(' ').to_string()),
                _ => None,
            };
            let (Some(x), Some(p)) = (text(&x), text(&p)) else {
                return Ok(Value::Null);
            };
            let escape_char = match &esc {
                None => Some('\\'),
                Some(Value::Null) => return Ok(Value::Null),
                Some(v) => {
                    let s = text(v).unwrap_or_default();
                    let mut chars = s.chars();
                    match (chars.next(), chars.next()) {
                        (None, _) => None,
                        (Some(c), None) => Some(c),
                        _ => {
                            return Err(SqlError::new("22019", "invalid escape string")
                                .with_hint("Escape string must be empty or one character."));
                        }
                    }
                }
            };
            Value::Bool(functions::like_match(
                &x,
                &p,
                escape_char,
                *case_insensitive,
            )?)
        }
        Expr::Func(f, args) => {
            let mut vals = Vec::with_capacity(args.len());
            for a in args {
                vals.push(eval(a, row, ctx)?);
            }
            if f.is_strict() && vals.iter().any(Value::is_null) {
                return Ok(Value::Null);
            }
            functions::call(*f, &vals, &ctx.fnctx)?
        }
        Expr::Coalesce(args) => {
            for a in args {
                let v = eval(a, row, ctx)?;
                if !v.is_null() {
                    return Ok(v);
                }
            }
            Value::Null
        }
        Expr::NullIf(a, b) => {
            let x = eval(a, row, ctx)?;
            let y = eval(b, row, ctx)?;
            if compare(&x, &y)? == Some(Ordering::Equal) {
                Value::Null
            } else {
                x
            }
        }
        Expr::Extreme(args, greatest) => {
            let mut best = Value::Null;
            for a in args {
                let v = eval(a, row, ctx)?;
                if v.is_null() {
                    continue;
                }
                let better = best.is_null()
                    || match compare(&v, &best)? {
                        Some(Ordering::Greater) => *greatest,
                        Some(Ordering::Less) => !*greatest,
                        _ => false,
                    };
                if better {
                    best = v;
                }
            }
            best
        }
        Expr::Subquery(s) => subquery(s, row, ctx)?,
    })
}

fn subquery_rows(
    s: &Subquery,
    row: &[Value],
    ctx: &mut ExecCtx,
) -> Result<Arc<Vec<Row>>, SqlError> {
    if !s.correlated
        && let Some(rows) = ctx.subquery_cache.get(&s.id)
    {
        return Ok(rows.clone());
    }
    ctx.outer.push(row.to_vec());
    let r = run(&s.plan, ctx);
    ctx.outer.pop();
    let rows = Arc::new(r?);
    if !s.correlated {
        ctx.subquery_cache.insert(s.id, rows.clone());
    }
    Ok(rows)
}

fn subquery(s: &Subquery, row: &[Value], ctx: &mut ExecCtx) -> Result<Value, SqlError> {
    match &s.kind {
        SubqueryKind::Scalar => {
            let rows = subquery_rows(s, row, ctx)?;
            match rows.len() {
                0 => Ok(Value::Null),
                1 => Ok(rows[0].first().cloned().unwrap_or(Value::Null)),
                _ => Err(SqlError::new(
                    "21000",
                    "more than one row returned by a subquery used as an expression",
                )),
            }
        }
        SubqueryKind::Exists => Ok(Value::Bool(!subquery_rows(s, row, ctx)?.is_empty())),
        SubqueryKind::Quantified { expr, op, all } => {
            let x = eval(expr, row, ctx)?;
            let rows = subquery_rows(s, row, ctx)?;
            let mut saw_null = false;
            for r in rows.iter() {
                let v = r.first().cloned().unwrap_or(Value::Null);
                match compare_op(*op, &x, &v)? {
                    Value::Bool(b) if b != *all => return Ok(Value::Bool(b)),
                    Value::Null => saw_null = true,
                    _ => {}
                }
            }
            Ok(if saw_null {
                Value::Null
            } else {
                Value::Bool(*all)
            })
        }
    }
}
