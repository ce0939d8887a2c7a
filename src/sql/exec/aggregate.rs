//! Hash aggregation.
//!
//! Rows are grouped by the hash key of their group values (NULLs form one group, as GROUP BY
//! requires); each group keeps one accumulator per aggregate. DISTINCT aggregates keep the
//! set of argument keys already seen in their group. Sums follow PostgreSQL's types: integer
//! sums in i128 then checked into int8 or numeric, float sums in f64, numeric exactly; `avg`
//! divides the numeric sum by the count as `numeric` division does. With no GROUP BY, an
//! empty input still yields one row (count 0, other aggregates NULL).

use super::ExecCtx;
use super::eval::eval;
use crate::sql::SqlError;
use crate::sql::plan::{AggCall, AggFunc, Expr, Row};
use crate::sql::types::{self, DataType, Numeric, Value, compare, hash_key};
use std::cmp::Ordering;
use std::collections::{HashMap, HashSet};

#[derive(Clone)]
enum Acc {
    Count(i64),
    SumInt(i128, bool),
    SumFloat(f64, bool),
    SumNumeric(Option<Numeric>),
    SumInterval(Option<Value>),
    AvgInt(i128, i64),
    AvgFloat(f64, i64),
    AvgNumeric(Option<Numeric>, i64),
    AvgInterval(Option<Value>, i64),
    Extreme(Option<Value>),
    Bool(Option<bool>),
    Str(Option<String>),
}

fn new_acc(call: &AggCall) -> Acc {
    let arg_ty = Some(call.arg_ty);
    let is_int = matches!(
        arg_ty,
        Some(DataType::Int2 | DataType::Int4 | DataType::Int8)
    );
    let is_float = matches!(arg_ty, Some(DataType::Float4 | DataType::Float8));
    let is_interval = matches!(arg_ty, Some(DataType::Interval));
    match call.func {
        AggFunc::CountStar | AggFunc::Count => Acc::Count(0),
        AggFunc::Sum if is_int => Acc::SumInt(0, false),
        AggFunc::Sum if is_float => Acc::SumFloat(0.0, false),
        AggFunc::Sum if is_interval => Acc::SumInterval(None),
        AggFunc::Sum => Acc::SumNumeric(None),
        AggFunc::Avg if is_int => Acc::AvgInt(0, 0),
        AggFunc::Avg if is_float => Acc::AvgFloat(0.0, 0),
        AggFunc::Avg if is_interval => Acc::AvgInterval(None, 0),
        AggFunc::Avg => Acc::AvgNumeric(None, 0),
        AggFunc::Min | AggFunc::Max => Acc::Extreme(None),
        AggFunc::BoolAnd | AggFunc::BoolOr => Acc::Bool(None),
        AggFunc::StringAgg => Acc::Str(None),
    }
}

fn int_of(v: &Value) -> Option<i128> {
    match v {
        Value::Int2(i) => Some(*i as i128),
        Value::Int4(i) => Some(*i as i128),
        Value::Int8(i) => Some(*i as i128),
        _ => None,
    }
}

fn float_of(v: &Value) -> f64 {
    match v {
        Value::Float4(f) => *f as f64,
        Value::Float8(f) => *f,
        _ => f64::NAN,
    }
}

fn numeric_of(v: &Value) -> Result<Numeric, SqlError> {
    match types::cast(v.clone(), &DataType::NUMERIC)? {
        Value::Numeric(n) => Ok(n),
        _ => Err(SqlError::new("XX000", "numeric expected")),
    }
}

fn update(acc: &mut Acc, func: AggFunc, args: &[Value]) -> Result<(), SqlError> {
    let v = args.first().cloned().unwrap_or(Value::Null);
    if func != AggFunc::CountStar && v.is_null() {
        return Ok(());
    }
    match acc {
        Acc::Count(n) => *n += 1,
        Acc::SumInt(s, seen) => {
            *s += int_of(&v).unwrap_or(0);
            *seen = true;
        }
        Acc::SumFloat(s, seen) => {
            *s += float_of(&v);
            *seen = true;
        }
        Acc::SumNumeric(s) => {
            let n = numeric_of(&v)?;
            *s = Some(match s.take() {
                Some(x) => x.add(&n)?,
                None => n,
            });
        }
        Acc::SumInterval(s) => {
            *s = Some(match s.take() {
                Some(x) => types::add(&x, &v)?,
                None => v,
            });
        }
        Acc::AvgInt(s, c) => {
            *s += int_of(&v).unwrap_or(0);
            *c += 1;
        }
        Acc::AvgFloat(s, c) => {
            *s += float_of(&v);
            *c += 1;
        }
        Acc::AvgNumeric(s, c) => {
            let n = numeric_of(&v)?;
            *s = Some(match s.take() {
                Some(x) => x.add(&n)?,
                None => n,
            });
            *c += 1;
        }
        Acc::AvgInterval(s, c) => {
            *s = Some(match s.take() {
                Some(x) => types::add(&x, &v)?,
                None => v,
            });
            *c += 1;
        }
        Acc::Extreme(best) => {
            let better = match best {
                None => true,
                Some(b) => {
                    let o = compare(&v, b)?;
                    match func {
                        AggFunc::Min => o == Some(Ordering::Less),
                        _ => o == Some(Ordering::Greater),
                    }
                }
            };
            if better {
                *best = Some(v);
            }
        }
        Acc::Bool(b) => {
            let x = v == Value::Bool(true);
            *b = Some(match (func, *b) {
                (AggFunc::BoolAnd, Some(p)) => p && x,
                (AggFunc::BoolOr, Some(p)) => p || x,
                _ => x,
            });
        }
        Acc::Str(s) => {
            let text = v.to_text().unwrap_or_default();
            let sep = args.get(1).and_then(Value::to_text);
            match s {
                None => *s = Some(text),
                Some(acc) => {
                    if let Some(sep) = sep {
                        acc.push_str(&sep);
                    }
                    acc.push_str(&text);
                }
            }
        }
    }
    Ok(())
}

fn finish(acc: Acc, ty: &DataType) -> Result<Value, SqlError> {
    Ok(match acc {
        Acc::Count(n) => Value::Int8(n),
        Acc::SumInt(_, false) | Acc::SumFloat(_, false) => Value::Null,
        Acc::SumInt(s, true) => match ty {
            DataType::Int8 => {
                Value::Int8(i64::try_from(s).map_err(|_| SqlError::bigint_out_of_range())?)
            }
            _ => Value::Numeric(Numeric::parse(&s.to_string())?),
        },
        Acc::SumFloat(s, true) => match ty {
            DataType::Float4 => Value::Float4(s as f32),
            _ => Value::Float8(s),
        },
        Acc::SumNumeric(s) => s.map(Value::Numeric).unwrap_or(Value::Null),
        Acc::SumInterval(s) => s.unwrap_or(Value::Null),
        Acc::AvgInt(_, 0)
        | Acc::AvgFloat(_, 0)
        | Acc::AvgNumeric(_, 0)
        | Acc::AvgInterval(_, 0) => Value::Null,
        Acc::AvgInt(s, c) => {
            let sum = Numeric::parse(&s.to_string())?;
            Value::Numeric(sum.div(&Numeric::from_i64(c))?)
        }
        Acc::AvgFloat(s, c) => Value::Float8(s / c as f64),
        Acc::AvgNumeric(s, c) => match s {
            Some(n) => Value::Numeric(n.div(&Numeric::from_i64(c))?),
            None => Value::Null,
        },
        Acc::AvgInterval(s, c) => match s {
            Some(v) => types::div(&v, &Value::Int8(c))?,
            None => Value::Null,
        },
        Acc::Extreme(v) => v.unwrap_or(Value::Null),
        Acc::Bool(b) => b.map(Value::Bool).unwrap_or(Value::Null),
        Acc::Str(s) => s.map(Value::Text).unwrap_or(Value::Null),
    })
}

struct Group {
    values: Row,
    accs: Vec<Acc>,
    seen: Vec<HashSet<Vec<u8>>>,
    /// For aggregates with ORDER BY: (sort values, arguments), fed in order at the end.
    ordered: Vec<Vec<(Row, Row)>>,
}

fn feed(g: &mut Group, i: usize, call: &AggCall, args: &[Value]) -> Result<(), SqlError> {
    if call.distinct {
        if args.first().is_some_and(Value::is_null) {
            return Ok(());
        }
        let mut k = Vec::new();
        for v in args {
            hash_key(v, &mut k);
        }
        if !g.seen[i].insert(k) {
            return Ok(());
        }
    }
    update(&mut g.accs[i], call.func, args)
}

/// Groups and aggregates `rows`: output rows are group values then aggregate values.
pub fn aggregate(
    ctx: &mut ExecCtx,
    rows: Vec<Row>,
    group: &[Expr],
    aggs: &[AggCall],
) -> Result<Vec<Row>, SqlError> {
    let mut groups: Vec<Group> = Vec::new();
    let mut index: HashMap<Vec<u8>, usize> = HashMap::new();
    let fresh = || -> Vec<Acc> { aggs.iter().map(new_acc).collect() };
    let mut key = Vec::new();
    let mut args: Vec<Vec<Value>> = vec![Vec::new(); aggs.len()];
    for r in rows {
        ctx.tick()?;
        key.clear();
        let mut values = Vec::with_capacity(group.len());
        for g in group {
            let v = eval(g, &r, ctx)?;
            hash_key(&v, &mut key);
            values.push(v);
        }
        let mut skip = vec![false; aggs.len()];
        for (i, a) in aggs.iter().enumerate() {
            args[i].clear();
            if let Some(f) = &a.filter
                && eval(f, &r, ctx)? != Value::Bool(true)
            {
                skip[i] = true;
                continue;
            }
            for e in &a.args {
                args[i].push(eval(e, &r, ctx)?);
            }
        }
        let gi = match index.get(&key) {
            Some(&i) => i,
            None => {
                groups.push(Group {
                    values,
                    accs: fresh(),
                    seen: vec![HashSet::new(); aggs.len()],
                    ordered: vec![Vec::new(); aggs.len()],
                });
                index.insert(key.clone(), groups.len() - 1);
                groups.len() - 1
            }
        };
        let g = &mut groups[gi];
        for (i, call) in aggs.iter().enumerate() {
            if skip[i] {
                continue;
            }
            if call.order_by.is_empty() {
                feed(g, i, call, &args[i])?;
            } else {
                let mut keys = Vec::with_capacity(call.order_by.len());
                for k in &call.order_by {
                    keys.push(eval(&k.expr, &r, ctx)?);
                }
                g.ordered[i].push((keys, args[i].clone()));
            }
        }
    }
    if groups.is_empty() && group.is_empty() {
        groups.push(Group {
            values: Vec::new(),
            accs: fresh(),
            seen: vec![HashSet::new(); aggs.len()],
            ordered: vec![Vec::new(); aggs.len()],
        });
    }
    let mut out = Vec::with_capacity(groups.len());
    for mut g in groups {
        for (i, call) in aggs.iter().enumerate() {
            if call.order_by.is_empty() {
                continue;
            }
            let mut rows = std::mem::take(&mut g.ordered[i]);
            let mut failure = None;
            rows.sort_by(|a, b| super::compare_keys(&a.0, &b.0, &call.order_by, &mut failure));
            if let Some(e) = failure {
                return Err(e);
            }
            for (_, args) in rows {
                feed(&mut g, i, call, &args)?;
            }
        }
        let mut row = g.values;
        for (acc, call) in g.accs.into_iter().zip(aggs) {
            row.push(finish(acc, &call.ty)?);
        }
        out.push(row);
    }
    Ok(out)
}
