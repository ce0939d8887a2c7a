//! Binding literals, IN lists, quantified subqueries (IN / ANY / ALL), CASE and LIKE.
//!
//! IN lists of constants become a hash set probed per row (`Expr::InSet`), which keeps the
//! SQLite corpus's long IN lists cheap; their values also feed index lookups.

use super::Binder;
use super::expr::{const_of, not_supported, number_literal};
use super::scope::Scope;
use super::typing::sample;
use crate::sql::SqlError;
use crate::sql::plan::{BinOp, Expr, Subquery, SubqueryKind};
use crate::sql::types::{self, DataType, Value, hash_key, parse_text};
use sqlparser::ast;
use std::collections::HashSet;
use std::sync::Arc;

impl Binder<'_> {
    pub(super) fn like(
        &mut self,
        expr: &ast::Expr,
        pattern: &ast::Expr,
        escape: Option<&ast::Expr>,
        case_insensitive: bool,
        negated: bool,
        scope: &mut Scope,
    ) -> Result<(Expr, DataType), SqlError> {
        let op = if case_insensitive { "~~*" } else { "~~" };
        let (x, xt) = self.expr(expr, scope)?;
        let x = self.text_arg(x, xt, op)?;
        let (p, pt) = self.expr(pattern, scope)?;
        let p = self.text_arg(p, pt, op)?;
        let escape = match escape {
            Some(esc) => {
                let (x, t) = self.expr(esc, scope)?;
                Some(self.text_arg(x, t, op)?.boxed())
            }
            None => None,
        };
        let like = Expr::Like {
            expr: x.boxed(),
            pattern: p.boxed(),
            escape,
            case_insensitive,
        };
        Ok((
            if negated {
                Expr::Not(like.boxed())
            } else {
                like
            },
            DataType::Bool,
        ))
    }

    pub(super) fn text_arg(&mut self, x: Expr, t: DataType, op: &str) -> Result<Expr, SqlError> {
        if t == DataType::Unknown {
            return self.coerce(x, t, DataType::Text);
        }
        if !t.is_text_family() {
            return Err(SqlError::undefined_operator(t.base_name(), op, "unknown"));
        }
        Ok(x)
    }

    pub(super) fn literal(&mut self, v: &ast::Value) -> Result<(Expr, DataType), SqlError> {
        use ast::Value as V;
        Ok(match v {
            V::Number(n, _) => {
                let (v, t) = number_literal(n)?;
                (Expr::Const(v), t)
            }
            V::SingleQuotedString(s)
            | V::EscapedStringLiteral(s)
            | V::NationalStringLiteral(s)
            | V::UnicodeStringLiteral(s)
            | V::TripleSingleQuotedString(s) => {
                (Expr::Const(Value::Text(s.clone())), DataType::Unknown)
            }
            V::DollarQuotedString(d) => {
                (Expr::Const(Value::Text(d.value.clone())), DataType::Unknown)
            }
            V::Boolean(b) => (Expr::Const(Value::Bool(*b)), DataType::Bool),
            V::Null => (Expr::Const(Value::Null), DataType::Unknown),
            V::Placeholder(p) => {
                let n: usize = p
                    .trim_start_matches('$')
                    .parse()
                    .map_err(|_| SqlError::new("42601", format!("invalid parameter {p}")))?;
                if n == 0 {
                    return Err(SqlError::new("42P02", format!("there is no parameter {p}")));
                }
                let i = n - 1;
                if self.params.len() <= i {
                    self.params.resize(i + 1, DataType::Unknown);
                }
                (Expr::Param(i), self.params[i])
            }
            V::HexStringLiteral(h) => (
                Expr::Const(parse_text(&format!("\\x{h}"), &DataType::Bytea)?),
                DataType::Bytea,
            ),
            other => return Err(not_supported(format!("literal {other}"))),
        })
    }

    pub(super) fn in_list(
        &mut self,
        expr: &ast::Expr,
        list: &[ast::Expr],
        scope: &mut Scope,
    ) -> Result<Expr, SqlError> {
        if list.is_empty() {
            return Err(SqlError::new("42601", "syntax error at or near \")\""));
        }
        let (x, xt) = self.expr(expr, scope)?;
        let mut items = Vec::with_capacity(list.len());
        let mut tys = vec![xt];
        for e in list {
            let (b, t) = self.expr(e, scope)?;
            tys.push(t);
            items.push((b, t));
        }
        let common = self.common_type(&tys, "IN")?;
        types::compare(&sample(&common), &sample(&common))?;
        let x = self.coerce(x, xt, common)?;
        let mut bound = Vec::with_capacity(items.len());
        for (b, t) in items {
            bound.push(self.coerce(b, t, common)?);
        }
        if bound.iter().all(|b| const_of(b).is_some()) {
            let mut set = HashSet::with_capacity(bound.len());
            let mut values = Vec::with_capacity(bound.len());
            let mut has_null = false;
            for b in &bound {
                let v = const_of(b).cloned().unwrap_or(Value::Null);
                if v.is_null() {
                    has_null = true;
                    continue;
                }
                let mut k = Vec::new();
                hash_key(&v, &mut k);
                if set.insert(k) {
                    values.push(v);
                }
            }
            return Ok(Expr::InSet {
                expr: x.boxed(),
                set: Arc::new(set),
                values: Arc::new(values),
                has_null,
            });
        }
        Ok(Expr::InList {
            expr: x.boxed(),
            list: bound,
        })
    }

    pub(super) fn quantified(
        &mut self,
        left: &ast::Expr,
        op: BinOp,
        all: bool,
        q: &ast::Query,
        scope: &mut Scope,
    ) -> Result<Expr, SqlError> {
        let (x, xt) = self.expr(left, scope)?;
        let (plan, tys, correlated) = self.subquery_plan(q, scope)?;
        if tys.len() != 1 {
            return Err(SqlError::new("42601", "subquery has too many columns"));
        }
        let st = if tys[0] == DataType::Unknown {
            DataType::Text
        } else {
            tys[0]
        };
        let x = self.coerce(x, xt, if xt == DataType::Unknown { st } else { xt })?;
        let xt = if xt == DataType::Unknown { st } else { xt };
        types::compare(&sample(&xt), &sample(&st)).map_err(|_| {
            SqlError::undefined_operator(xt.base_name(), op.symbol(), st.base_name())
        })?;
        self.next_subquery += 1;
        Ok(Expr::Subquery(Box::new(Subquery {
            plan,
            kind: SubqueryKind::Quantified {
                expr: x.boxed(),
                op,
                all,
            },
            correlated,
            id: self.next_subquery,
        })))
    }

    pub(super) fn case(
        &mut self,
        operand: Option<&ast::Expr>,
        conditions: &[ast::CaseWhen],
        otherwise: Option<&ast::Expr>,
        scope: &mut Scope,
    ) -> Result<(Expr, DataType), SqlError> {
        let mut whens = Vec::with_capacity(conditions.len());
        let mut results = Vec::with_capacity(conditions.len() + 1);
        for cw in conditions {
            let cond = match operand {
                Some(op) => self.binary(BinOp::Eq, op, &cw.condition, scope)?.0,
                None => self.condition(&cw.condition, scope, "CASE/WHEN")?,
            };
            whens.push(cond);
            results.push(self.expr(&cw.result, scope)?);
        }
        let other = match otherwise {
            Some(o) => Some(self.expr(o, scope)?),
            None => None,
        };
        // PostgreSQL considers the ELSE result first when resolving the type.
        let mut tys: Vec<DataType> = other.iter().map(|o| o.1).collect();
        tys.extend(results.iter().map(|r| r.1));
        let ty = self.common_type(&tys, "CASE")?;
        let mut pairs = Vec::with_capacity(whens.len());
        for (w, (r, rt)) in whens.into_iter().zip(results) {
            pairs.push((w, self.coerce(r, rt, ty)?));
        }
        let otherwise = match other {
            Some((o, ot)) => Some(self.coerce(o, ot, ty)?.boxed()),
            None => None,
        };
        // The operand form was expanded to `operand = value` per branch.
        Ok((
            Expr::Case {
                operand: None,
                whens: pairs,
                otherwise,
            },
            ty,
        ))
    }
}
