//! Binding expressions: names to positions, literals to typed values, operators to typed
//! operations with PostgreSQL's implicit casts made explicit.
//!
//! Type rules come from the type layer itself: the result type of `a op b` is the type of
//! the operator applied to representative values of the operand types (`sample`), so
//! operator resolution has one source of truth (`types::arith`, `types::compare`) and an
//! impossible combination fails at bind time with the same 42883 the executor would raise.
//! Untyped literals (`'abc'`, NULL, `$n` without a declared type) take the type their context
//! needs, as PostgreSQL's `unknown` does.

use super::Binder;
use super::naming::ident;
use super::scope::{Resolved, Scope, ungrouped};
use super::typing::{arith_type, sample, sql_type};
use crate::sql::SqlError;
use crate::sql::plan::{BinOp, Expr, Subquery, SubqueryKind};
use crate::sql::types::{self, DataType, Numeric, Value, implicit_cast_target, parse_text};
use sqlparser::ast;

/// Internal signal: an aggregate appeared where the query was not yet known to aggregate.
pub const NEEDS_GROUPING: &str = "XXAGG";

/// Simplifies a condition where NULL counts as false (WHERE, ON, HAVING): an AND with a
/// false or NULL constant is false, an OR drops such an operand. PostgreSQL's planner does the
/// same, so its other operands are never evaluated (and cannot raise errors).
fn simplify_qual(e: Expr) -> Expr {
    let falsy = |e: &Expr| matches!(e, Expr::Const(Value::Null | Value::Bool(false)));
    match e {
        Expr::And(a, b) => {
            let (a, b) = (simplify_qual(*a), simplify_qual(*b));
            if falsy(&a) || falsy(&b) {
                Expr::Const(Value::Bool(false))
            } else {
                Expr::And(a.boxed(), b.boxed())
            }
        }
        Expr::Or(a, b) => {
            let (a, b) = (simplify_qual(*a), simplify_qual(*b));
            match (falsy(&a), falsy(&b)) {
                (true, _) => b,
                (_, true) => a,
                _ => Expr::Or(a.boxed(), b.boxed()),
            }
        }
        Expr::Const(Value::Null) => Expr::Const(Value::Bool(false)),
        e => e,
    }
}

/// A type without its length or precision modifier.
fn unconstrained(t: &DataType) -> DataType {
    match t {
        DataType::Varchar(_) => DataType::Varchar(None),
        DataType::Char(_) => DataType::Char(None),
        DataType::Numeric { .. } => DataType::NUMERIC,
        t => *t,
    }
}

pub(super) fn not_supported(what: impl std::fmt::Display) -> SqlError {
    SqlError::feature_not_supported(format!("{what} is not supported"))
}

pub(super) fn const_of(e: &Expr) -> Option<&Value> {
    match e {
        Expr::Const(v) => Some(v),
        _ => None,
    }
}

pub(super) fn number_literal(s: &str) -> Result<(Value, DataType), SqlError> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let is_int = !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit());
    if is_int {
        if let Ok(i) = s.parse::<i32>() {
            return Ok((Value::Int4(i), DataType::Int4));
        }
        if let Ok(i) = s.parse::<i64>() {
            return Ok((Value::Int8(i), DataType::Int8));
        }
    }
    let n = Numeric::parse(s)?;
    Ok((Value::Numeric(n), DataType::NUMERIC))
}

impl Binder<'_> {
    /// Binds an expression in `scope`.
    pub fn expr(&mut self, e: &ast::Expr, scope: &mut Scope) -> Result<(Expr, DataType), SqlError> {
        stacker::maybe_grow(128 * 1024, 8 * 1024 * 1024, || self.expr_inner(e, scope))
    }

    /// Binds a boolean condition (WHERE, ON, HAVING, CHECK): 42804 if it is not boolean.
    pub fn condition(
        &mut self,
        e: &ast::Expr,
        scope: &mut Scope,
        clause: &str,
    ) -> Result<Expr, SqlError> {
        let (x, ty) = self.expr(e, scope)?;
        self.bool_condition(x, ty, clause)
    }

    /// Binds a whole WHERE / ON / HAVING clause, where NULL counts as false.
    pub fn qual(
        &mut self,
        e: &ast::Expr,
        scope: &mut Scope,
        clause: &str,
    ) -> Result<Expr, SqlError> {
        Ok(simplify_qual(self.condition(e, scope, clause)?))
    }

    fn bool_condition(&mut self, x: Expr, ty: DataType, what: &str) -> Result<Expr, SqlError> {
        match ty {
            DataType::Bool => Ok(x),
            DataType::Unknown => self.coerce(x, ty, DataType::Bool),
            other => Err(SqlError::datatype_mismatch(format!(
                "argument of {what} must be type boolean, not type {}",
                other.base_name()
            ))),
        }
    }

    /// Converts `e` of type `from` to `to` as an implicit cast: untyped literals are parsed
    /// as `to`'s input, parameters take the type.
    pub fn coerce(&mut self, e: Expr, from: DataType, to: DataType) -> Result<Expr, SqlError> {
        if from == to || to == DataType::Unknown {
            return Ok(e);
        }
        if from == DataType::Unknown {
            match e {
                Expr::Const(Value::Text(s)) => {
                    let target = if to == DataType::Unknown {
                        DataType::Text
                    } else {
                        to
                    };
                    return Ok(Expr::Const(parse_text(&s, &target)?));
                }
                Expr::Const(Value::Null) => return Ok(Expr::Const(Value::Null)),
                Expr::Param(i) => {
                    if self.params.len() <= i {
                        self.params.resize(i + 1, DataType::Unknown);
                    }
                    if self.params[i] == DataType::Unknown {
                        self.params[i] = to;
                        return Ok(Expr::Param(i));
                    }
                    return Ok(Expr::Cast(Box::new(Expr::Param(i)), to));
                }
                e => return Ok(Expr::Cast(e.boxed(), to)),
            }
        }
        if let Expr::Const(v) = &e {
            return Ok(Expr::Const(types::cast(v.clone(), &to)?));
        }
        Ok(Expr::Cast(e.boxed(), to))
    }

    /// Assignment coercion (INSERT/UPDATE values into a column): 42804 when PostgreSQL has
    /// no assignment cast.
    pub fn assign_to(
        &mut self,
        e: Expr,
        from: DataType,
        to: DataType,
        column: &str,
    ) -> Result<Expr, SqlError> {
        if from != DataType::Unknown
            && from != to
            && let Err(e) = types::assign(sample(&from), &to)
            && (e.code == "42804" || e.code == "42846")
        {
            return Err(SqlError::datatype_mismatch(format!(
                "column \"{column}\" is of type {} but expression is of type {}",
                to.name(),
                from.name()
            ))
            .with_hint("You will need to rewrite or cast the expression."));
        }
        self.coerce(e, from, to)
    }

    /// The common type of several inputs (CASE, COALESCE, UNION, IN), 42804 if none.
    pub fn common_type(&self, tys: &[DataType], what: &str) -> Result<DataType, SqlError> {
        let mut acc = DataType::Unknown;
        for t in tys.iter().filter(|t| **t != DataType::Unknown) {
            if acc == DataType::Unknown {
                acc = *t;
                continue;
            }
            acc = implicit_cast_target(&acc, t).ok_or_else(|| {
                SqlError::datatype_mismatch(format!(
                    "{what} types {} and {} cannot be matched",
                    acc.base_name(),
                    t.base_name()
                ))
            })?;
        }
        if acc == DataType::Unknown {
            return Ok(DataType::Text);
        }
        // A length or precision survives only if every input has exactly this type.
        if tys.iter().any(|t| *t != acc) {
            acc = unconstrained(&acc);
        }
        Ok(acc)
    }

    /// Binds and types the operands of a binary operator; returns them with the result type.
    fn binary_operands(
        &mut self,
        op: BinOp,
        l: &ast::Expr,
        r: &ast::Expr,
        scope: &mut Scope,
    ) -> Result<(Expr, Expr, DataType), SqlError> {
        let (mut a, mut at) = self.expr(l, scope)?;
        let (mut b, mut bt) = self.expr(r, scope)?;
        if op == BinOp::Concat {
            // `unknown || x` is text concatenation whatever x is (anynonarray || text).
            if at == DataType::Unknown {
                a = self.coerce(a, at, DataType::Text)?;
                at = DataType::Text;
            }
            if bt == DataType::Unknown {
                b = self.coerce(b, bt, DataType::Text)?;
                bt = DataType::Text;
            }
        }
        if at == DataType::Unknown && bt != DataType::Unknown {
            a = self.coerce(a, at, bt)?;
            at = bt;
        } else if bt == DataType::Unknown && at != DataType::Unknown {
            b = self.coerce(b, bt, at)?;
            bt = at;
        } else if at == DataType::Unknown && bt == DataType::Unknown {
            a = self.coerce(a, at, DataType::Text)?;
            b = self.coerce(b, bt, DataType::Text)?;
            at = DataType::Text;
            bt = DataType::Text;
        }
        let ty = if op.is_comparison() {
            types::compare(&sample(&at), &sample(&bt)).map_err(|_| {
                SqlError::undefined_operator(at.base_name(), op.symbol(), bt.base_name())
            })?;
            DataType::Bool
        } else {
            arith_type(op, &at, &bt).map_err(|e| {
                if e.code == "42883" {
                    SqlError::undefined_operator(at.base_name(), op.symbol(), bt.base_name())
                } else {
                    e
                }
            })?
        };
        Ok((a, b, ty))
    }

    pub(super) fn binary(
        &mut self,
        op: BinOp,
        l: &ast::Expr,
        r: &ast::Expr,
        scope: &mut Scope,
    ) -> Result<(Expr, DataType), SqlError> {
        let (a, b, ty) = self.binary_operands(op, l, r, scope)?;
        // A strict operator with a NULL constant operand is NULL, folded before evaluation as
        // PostgreSQL's planner does (so `x / 0 > NULL` never divides).
        if matches!(a, Expr::Const(Value::Null)) || matches!(b, Expr::Const(Value::Null)) {
            return Ok((Expr::Const(Value::Null), ty));
        }
        Ok((Expr::Binary(op, a.boxed(), b.boxed()), ty))
    }

    fn column_ref(
        &mut self,
        table: Option<&str>,
        name: &str,
        scope: &Scope,
    ) -> Result<(Expr, DataType), SqlError> {
        if let Resolved::Found(i, ty) = scope.lookup(table, name)? {
            if scope.is_grouped() {
                return match scope.grouped_position(i) {
                    Some(p) => Ok((Expr::Column(p), ty)),
                    None => Err(ungrouped(scope.columns[i].table.as_deref(), name)),
                };
            }
            return Ok((Expr::Column(i), ty));
        }
        for depth in 1..=self.outer.len() {
            let s = &self.outer[self.outer.len() - depth];
            if let Resolved::Found(i, ty) = s.lookup(table, name)? {
                let n = self.correlated.len();
                for flag in &mut self.correlated[n.saturating_sub(depth)..] {
                    *flag = true;
                }
                if s.is_grouped() {
                    return match s.grouped_position(i) {
                        Some(p) => Ok((Expr::Outer(depth, p), ty)),
                        None => Err(ungrouped(s.columns[i].table.as_deref(), name)),
                    };
                }
                return Ok((Expr::Outer(depth, i), ty));
            }
        }
        if let Some(t) = table
            && !scope.has_table(t)
            && !self.outer.iter().any(|s| s.has_table(t))
        {
            return Err(SqlError::new(
                "42P01",
                format!("missing FROM-clause entry for table \"{t}\""),
            ));
        }
        let message = match table {
            Some(t) => format!("column {t}.{name} does not exist"),
            None => format!("column \"{name}\" does not exist"),
        };
        Err(SqlError::new("42703", message))
    }

    /// Binds a subquery as a nested query level.
    pub fn subquery_plan(
        &mut self,
        q: &ast::Query,
        scope: &mut Scope,
    ) -> Result<(crate::sql::plan::Plan, Vec<DataType>, bool), SqlError> {
        let saved = std::mem::take(scope);
        self.outer.push(saved);
        self.correlated.push(false);
        let r = self.query(q);
        let correlated = self.correlated.pop().unwrap_or(false);
        *scope = self.outer.pop().unwrap_or_default();
        let (plan, cols) = r?;
        Ok((plan, cols.iter().map(|c| c.ty).collect(), correlated))
    }

    fn subquery_expr(
        &mut self,
        q: &ast::Query,
        kind: SubqueryKind,
        scope: &mut Scope,
    ) -> Result<(Expr, Vec<DataType>), SqlError> {
        let (plan, tys, correlated) = self.subquery_plan(q, scope)?;
        self.next_subquery += 1;
        let id = self.next_subquery;
        Ok((
            Expr::Subquery(Box::new(Subquery {
                plan,
                kind,
                correlated,
                id,
            })),
            tys,
        ))
    }

    /// In grouped mode, an expression equal to a GROUP BY expression is that group value.
    fn match_group(&mut self, e: &ast::Expr, scope: &mut Scope) -> Option<(Expr, DataType)> {
        let groups = scope.grouping.as_ref()?;
        if groups.groups.is_empty() {
            return None;
        }
        let mut plain = scope.clone();
        if let Some(g) = plain.grouping.as_mut() {
            g.active = false;
        }
        let saved_params = self.params.clone();
        let bound = self.expr(e, &mut plain);
        self.params = saved_params;
        let (x, ty) = bound.ok()?;
        let key = format!("{x:?}");
        let g = scope.grouping.as_ref()?;
        g.groups
            .iter()
            .position(|ge| format!("{ge:?}") == key)
            .map(|p| (Expr::Column(p), ty))
    }

    fn expr_inner(
        &mut self,
        e: &ast::Expr,
        scope: &mut Scope,
    ) -> Result<(Expr, DataType), SqlError> {
        use ast::Expr as A;
        if scope.is_grouped()
            && !matches!(
                e,
                A::Value(_) | A::Identifier(_) | A::CompoundIdentifier(_) | A::Nested(_)
            )
            && let Some(found) = self.match_group(e, scope)
        {
            return Ok(found);
        }
        match e {
            A::Identifier(i) => self.column_ref(None, &ident(i), scope),
            A::CompoundIdentifier(parts) => match parts.as_slice() {
                [t, c] => self.column_ref(Some(&ident(t)), &ident(c), scope),
                [_, t, c] => self.column_ref(Some(&ident(t)), &ident(c), scope),
                _ => Err(not_supported(format!("name {e}"))),
            },
            A::Value(v) => self.literal(&v.value),
            A::Nested(inner) => self.expr(inner, scope),
            A::BinaryOp { left, op, right } => {
                use ast::BinaryOperator as O;
                let bop = match op {
                    O::And | O::Or => {
                        let a = self.condition(left, scope, &op.to_string())?;
                        let b = self.condition(right, scope, &op.to_string())?;
                        return Ok((
                            if matches!(op, O::And) {
                                Expr::And(a.boxed(), b.boxed())
                            } else {
                                Expr::Or(a.boxed(), b.boxed())
                            },
                            DataType::Bool,
                        ));
                    }
                    O::Plus => BinOp::Add,
                    O::Minus => BinOp::Sub,
                    O::Multiply => BinOp::Mul,
                    O::Divide => BinOp::Div,
                    O::Modulo => BinOp::Rem,
                    O::StringConcat => BinOp::Concat,
                    O::Eq => BinOp::Eq,
                    O::NotEq => BinOp::NotEq,
                    O::Lt => BinOp::Lt,
                    O::LtEq => BinOp::LtEq,
                    O::Gt => BinOp::Gt,
                    O::GtEq => BinOp::GtEq,
                    O::BitwiseAnd => BinOp::BitAnd,
                    O::BitwiseOr => BinOp::BitOr,
                    O::PGBitwiseXor => BinOp::BitXor,
                    O::PGBitwiseShiftLeft => BinOp::ShiftLeft,
                    O::PGBitwiseShiftRight => BinOp::ShiftRight,
                    O::PGExp => {
                        let args = vec![self.expr(left, scope)?, self.expr(right, scope)?];
                        return self.call_function("power", args);
                    }
                    O::PGLikeMatch | O::PGILikeMatch | O::PGNotLikeMatch | O::PGNotILikeMatch => {
                        let ci = matches!(op, O::PGILikeMatch | O::PGNotILikeMatch);
                        let negated = matches!(op, O::PGNotLikeMatch | O::PGNotILikeMatch);
                        return self.like(left, right, None, ci, negated, scope);
                    }
                    other => return Err(not_supported(format!("operator {other}"))),
                };
                self.binary(bop, left, right, scope)
            }
            A::UnaryOp { op, expr } => match op {
                ast::UnaryOperator::Not => {
                    let x = self.condition(expr, scope, "NOT")?;
                    Ok((Expr::Not(x.boxed()), DataType::Bool))
                }
                ast::UnaryOperator::Minus => {
                    if let A::Value(v) = expr.as_ref()
                        && let ast::Value::Number(n, _) = &v.value
                    {
                        let (v, t) = number_literal(&format!("-{n}"))?;
                        return Ok((Expr::Const(v), t));
                    }
                    let (x, t) = self.expr(expr, scope)?;
                    let (x, t) = if t == DataType::Unknown {
                        (self.coerce(x, t, DataType::Float8)?, DataType::Float8)
                    } else {
                        (x, t)
                    };
                    types::neg(&sample(&t))?;
                    Ok((Expr::Neg(x.boxed()), t))
                }
                ast::UnaryOperator::PGAbs => {
                    let a = self.expr(expr, scope)?;
                    self.call_function("abs", vec![a])
                }
                ast::UnaryOperator::PGSquareRoot => {
                    let a = self.expr(expr, scope)?;
                    self.call_function("sqrt", vec![a])
                }
                ast::UnaryOperator::PGCubeRoot => {
                    let a = self.expr(expr, scope)?;
                    self.call_function("cbrt", vec![a])
                }
                ast::UnaryOperator::Plus => {
                    let (x, t) = self.expr(expr, scope)?;
                    if !t.is_numeric_family() && t != DataType::Interval {
                        return Err(SqlError::new(
                            "42883",
                            format!("operator does not exist: + {}", t.base_name()),
                        ));
                    }
                    Ok((x, t))
                }
                other => Err(not_supported(format!("operator {other}"))),
            },
            A::IsNull(x) | A::IsNotNull(x) => {
                let (b, _) = self.expr(x, scope)?;
                let t = Expr::IsNull(b.boxed());
                Ok((
                    if matches!(e, A::IsNull(_)) {
                        t
                    } else {
                        Expr::Not(t.boxed())
                    },
                    DataType::Bool,
                ))
            }
            A::IsTrue(x) | A::IsNotTrue(x) | A::IsFalse(x) | A::IsNotFalse(x) => {
                let b = self.condition(x, scope, "IS TRUE")?;
                let target = matches!(e, A::IsTrue(_) | A::IsNotTrue(_));
                let t = Expr::IsBool(b.boxed(), target);
                let negated = matches!(e, A::IsNotTrue(_) | A::IsNotFalse(_));
                Ok((
                    if negated { Expr::Not(t.boxed()) } else { t },
                    DataType::Bool,
                ))
            }
            A::IsUnknown(x) | A::IsNotUnknown(x) => {
                let b = self.condition(x, scope, "IS UNKNOWN")?;
                let t = Expr::IsNull(b.boxed());
                Ok((
                    if matches!(e, A::IsUnknown(_)) {
                        t
                    } else {
                        Expr::Not(t.boxed())
                    },
                    DataType::Bool,
                ))
            }
            A::IsDistinctFrom(a, b) | A::IsNotDistinctFrom(a, b) => {
                let (l, r, _) = self.binary_operands(BinOp::Eq, a, b, scope)?;
                let d = Expr::IsDistinct(l.boxed(), r.boxed());
                Ok((
                    if matches!(e, A::IsDistinctFrom(..)) {
                        d
                    } else {
                        Expr::Not(d.boxed())
                    },
                    DataType::Bool,
                ))
            }
            A::Between {
                expr,
                negated,
                low,
                high,
            } => {
                let (ge, _) = self.binary(BinOp::GtEq, expr, low, scope)?;
                let (le, _) = self.binary(BinOp::LtEq, expr, high, scope)?;
                let both = Expr::And(ge.boxed(), le.boxed());
                Ok((
                    if *negated {
                        Expr::Not(both.boxed())
                    } else {
                        both
                    },
                    DataType::Bool,
                ))
            }
            A::In {
                expr,
                target,
                negated,
                ..
            } => {
                let bound = match target {
                    ast::InTarget::List(list) => self.in_list(expr, list, scope)?,
                    ast::InTarget::Subquery(q) => {
                        self.quantified(expr, BinOp::Eq, false, q, scope)?
                    }
                    _ => return Err(not_supported("this IN form")),
                };
                Ok((
                    if *negated {
                        Expr::Not(bound.boxed())
                    } else {
                        bound
                    },
                    DataType::Bool,
                ))
            }
            A::AnyOp {
                left,
                compare_op,
                right,
                ..
            }
            | A::AllOp {
                left,
                compare_op,
                right,
            } => {
                let all = matches!(e, A::AllOp { .. });
                let op = match compare_op {
                    ast::BinaryOperator::Eq => BinOp::Eq,
                    ast::BinaryOperator::NotEq => BinOp::NotEq,
                    ast::BinaryOperator::Lt => BinOp::Lt,
                    ast::BinaryOperator::LtEq => BinOp::LtEq,
                    ast::BinaryOperator::Gt => BinOp::Gt,
                    ast::BinaryOperator::GtEq => BinOp::GtEq,
                    o => return Err(not_supported(format!("operator {o} with ANY/ALL"))),
                };
                let q = match right.as_ref() {
                    A::Subquery(q) => q,
                    A::Nested(inner) => match inner.as_ref() {
                        A::Subquery(q) => q,
                        _ => return Err(not_supported("ANY/ALL over a non-subquery")),
                    },
                    _ => return Err(not_supported("ANY/ALL over a non-subquery")),
                };
                Ok((self.quantified(left, op, all, q, scope)?, DataType::Bool))
            }
            A::Like {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            } => self.like(
                expr,
                pattern,
                escape_char.as_deref(),
                false,
                *negated,
                scope,
            ),
            A::ILike {
                negated,
                expr,
                pattern,
                escape_char,
                any: false,
            } => self.like(expr, pattern, escape_char.as_deref(), true, *negated, scope),
            A::Case {
                operand,
                conditions,
                else_result,
                ..
            } => self.case(
                operand.as_deref(),
                conditions,
                else_result.as_deref(),
                scope,
            ),
            A::Cast {
                expr, data_type, ..
            } => {
                let to = sql_type(data_type)?;
                let (x, from) = self.expr(expr, scope)?;
                if from == DataType::Unknown {
                    // An explicit cast of a literal reads it as the base type, then applies the
                    // cast (which truncates varchar(n) and char(n) silently).
                    if let Expr::Const(Value::Text(s)) = &x {
                        let v = parse_text(s, &unconstrained(&to))?;
                        return Ok((Expr::Const(types::cast(v, &to)?), to));
                    }
                    return Ok((self.coerce(x, from, to)?, to));
                }
                if let Expr::Const(v) = &x {
                    return Ok((Expr::Const(types::cast(v.clone(), &to)?), to));
                }
                if let Err(e) = types::cast(sample(&from), &to)
                    && e.code == "42846"
                {
                    return Err(e);
                }
                Ok((Expr::Cast(x.boxed(), to), to))
            }
            A::TypedString(t) => {
                let to = sql_type(&t.data_type)?;
                let s = match &t.value.value {
                    ast::Value::SingleQuotedString(s) => s.clone(),
                    other => other.to_string(),
                };
                Ok((Expr::Const(parse_text(&s, &to)?), to))
            }
            A::Interval(iv) => {
                let (x, t) = self.expr(&iv.value, scope)?;
                let text = match (&x, t) {
                    (Expr::Const(Value::Text(s)), DataType::Unknown) => s.clone(),
                    (Expr::Const(v), _) => v.to_text().unwrap_or_default(),
                    _ => return Err(not_supported("a non-constant INTERVAL")),
                };
                let text = match &iv.leading_field {
                    Some(f) if !text.chars().any(|c| c.is_ascii_alphabetic()) => {
                        format!("{text} {}", f.to_string().to_lowercase())
                    }
                    _ => text,
                };
                Ok((
                    Expr::Const(parse_text(&text, &DataType::Interval)?),
                    DataType::Interval,
                ))
            }
            A::Function(f) => self.function(f, scope),
            A::Exists { subquery, negated } => {
                let (x, _) = self.subquery_expr(subquery, SubqueryKind::Exists, scope)?;
                Ok((
                    if *negated { Expr::Not(x.boxed()) } else { x },
                    DataType::Bool,
                ))
            }
            A::Subquery(q) => {
                let (x, tys) = self.subquery_expr(q, SubqueryKind::Scalar, scope)?;
                if tys.len() != 1 {
                    return Err(SqlError::new(
                        "42601",
                        "subquery must return only one column",
                    ));
                }
                let ty = if tys[0] == DataType::Unknown {
                    DataType::Text
                } else {
                    tys[0]
                };
                Ok((x, ty))
            }
            A::Extract { field, expr, .. } => {
                let field = field.to_string().to_lowercase();
                let arg = self.expr(expr, scope)?;
                self.call_function(
                    "extract",
                    vec![(Expr::Const(Value::Text(field)), DataType::Text), arg],
                )
            }
            A::Position { expr, r#in } => {
                let needle = self.expr(expr, scope)?;
                let hay = self.expr(r#in, scope)?;
                self.call_function("strpos", vec![hay, needle])
            }
            A::Substring {
                expr,
                substring_from,
                substring_for,
                ..
            } => {
                let mut args = vec![self.expr(expr, scope)?];
                match substring_from {
                    Some(f) => args.push(self.expr(f, scope)?),
                    None => args.push((Expr::Const(Value::Int4(1)), DataType::Int4)),
                }
                if let Some(f) = substring_for {
                    args.push(self.expr(f, scope)?);
                }
                self.call_function("substring", args)
            }
            A::Trim {
                trim_where,
                trim_what,
                expr,
                ..
            } => {
                let name = match trim_where {
                    Some(ast::TrimWhereField::Leading) => "ltrim",
                    Some(ast::TrimWhereField::Trailing) => "rtrim",
                    _ => "btrim",
                };
                let mut args = vec![self.expr(expr, scope)?];
                if let Some(w) = trim_what {
                    args.push(self.expr(w, scope)?);
                }
                self.call_function(name, args)
            }
            A::Ceil { expr, .. } => {
                let a = self.expr(expr, scope)?;
                self.call_function("ceil", vec![a])
            }
            A::Floor { expr, .. } => {
                let a = self.expr(expr, scope)?;
                self.call_function("floor", vec![a])
            }
            A::Collate { expr, .. } => self.expr(expr, scope),
            other => Err(not_supported(format!("expression {other}"))),
        }
    }
}
