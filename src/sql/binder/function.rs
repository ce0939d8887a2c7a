//! Binding function calls: the scalar function library, the special forms (COALESCE,
//! NULLIF, GREATEST, LEAST) and aggregates.
//!
//! An aggregate is bound where it appears but computed by its query level's Aggregate node:
//! its arguments are bound over the level's input row (grouped mode switched off meanwhile, so
//! nesting is caught), the call is added to the level's list (identical calls are shared), and
//! the expression becomes a reference to its output column. An aggregate met before the level
//! is known to aggregate raises an internal signal that makes the SELECT rebind in grouped mode.

use super::Binder;
use super::expr::NEEDS_GROUPING;
use super::naming::object_name;
use super::scope::Scope;
use super::typing::sample;
use crate::sql::SqlError;
use crate::sql::functions;
use crate::sql::plan::{AggCall, AggFunc, Expr, SortKey};
use crate::sql::types::{self, DataType, Value};
use sqlparser::ast;

/// An aggregate call as written.
#[derive(Clone, Copy)]
struct AggSyntax<'a> {
    func: AggFunc,
    name: &'a str,
    args: &'a [&'a ast::Expr],
    star: bool,
    distinct: bool,
    filter: Option<&'a ast::Expr>,
    order_by: &'a [ast::OrderByExpr],
}

fn not_supported(what: impl std::fmt::Display) -> SqlError {
    SqlError::feature_not_supported(format!("{what} is not supported"))
}
fn agg_func(name: &str) -> Option<AggFunc> {
    Some(match name {
        "count" => AggFunc::Count,
        "sum" => AggFunc::Sum,
        "avg" => AggFunc::Avg,
        "min" => AggFunc::Min,
        "max" => AggFunc::Max,
        "bool_and" | "every" => AggFunc::BoolAnd,
        "bool_or" => AggFunc::BoolOr,
        "string_agg" => AggFunc::StringAgg,
        _ => return None,
    })
}

fn agg_type(func: AggFunc, arg: Option<&DataType>, name: &str) -> Result<DataType, SqlError> {
    let arg = arg.copied().unwrap_or(DataType::Int8);
    let bad = || {
        SqlError::new(
            "42883",
            format!("function {name}({}) does not exist", arg.name()),
        )
        .with_hint(
            "No function matches the given name and argument types. You might need to add explicit type casts.",
        )
    };
    Ok(match func {
        AggFunc::CountStar | AggFunc::Count => DataType::Int8,
        AggFunc::Sum => match arg {
            DataType::Int2 | DataType::Int4 => DataType::Int8,
            DataType::Int8 | DataType::Numeric { .. } => DataType::NUMERIC,
            DataType::Float4 => DataType::Float4,
            DataType::Float8 | DataType::Unknown => DataType::Float8,
            DataType::Interval => DataType::Interval,
            _ => return Err(bad()),
        },
        AggFunc::Avg => match arg {
            DataType::Int2 | DataType::Int4 | DataType::Int8 | DataType::Numeric { .. } => {
                DataType::NUMERIC
            }
            DataType::Float4 | DataType::Float8 | DataType::Unknown => DataType::Float8,
            DataType::Interval => DataType::Interval,
            _ => return Err(bad()),
        },
        AggFunc::Min | AggFunc::Max => match arg {
            DataType::Bool => return Err(bad()),
            DataType::Unknown => DataType::Text,
            DataType::Varchar(_) => DataType::Text,
            DataType::Numeric { .. } => DataType::NUMERIC,
            DataType::Char(_) => DataType::Char(None),
            t => t,
        },
        AggFunc::BoolAnd | AggFunc::BoolOr => match arg {
            DataType::Bool | DataType::Unknown => DataType::Bool,
            _ => return Err(bad()),
        },
        AggFunc::StringAgg => DataType::Text,
    })
}

impl Binder<'_> {
    /// Calls a library function on bound arguments.
    pub fn call_function(
        &mut self,
        name: &str,
        args: Vec<(Expr, DataType)>,
    ) -> Result<(Expr, DataType), SqlError> {
        let tys: Vec<DataType> = args.iter().map(|a| a.1).collect();
        let r = functions::resolve(name, &tys)?;
        let mut bound = Vec::with_capacity(args.len());
        for ((x, t), want) in args.into_iter().zip(r.arg_types.iter()) {
            bound.push(self.coerce(x, t, *want)?);
        }
        Ok((Expr::Func(r.func, bound), r.ret))
    }

    pub fn function(
        &mut self,
        f: &ast::Function,
        scope: &mut Scope,
    ) -> Result<(Expr, DataType), SqlError> {
        let name = object_name(&f.name);
        if f.over.is_some() {
            return Err(not_supported("window functions"));
        }
        let (list, distinct, clauses): (
            Vec<&ast::FunctionArg>,
            bool,
            Vec<&ast::FunctionArgumentClause>,
        ) = match &f.args {
            ast::FunctionArguments::None => (vec![], false, vec![]),
            ast::FunctionArguments::List(l) => (
                l.args.iter().collect(),
                matches!(
                    l.duplicate_treatment,
                    Some(ast::DuplicateTreatment::Distinct)
                ),
                l.clauses.iter().collect(),
            ),
            ast::FunctionArguments::Subquery(_) => {
                return Err(not_supported("a subquery as a function argument"));
            }
        };
        let mut order_by: &[ast::OrderByExpr] = &[];
        for c in &clauses {
            match c {
                ast::FunctionArgumentClause::OrderBy(o) => order_by = o,
                other => return Err(not_supported(format!("{other} in a function call"))),
            }
        }
        let star = matches!(
            list.as_slice(),
            [ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Wildcard)]
        );
        let arg_exprs: Vec<&ast::Expr> = list
            .iter()
            .filter_map(|a| match a {
                ast::FunctionArg::Unnamed(ast::FunctionArgExpr::Expr(e)) => Some(e),
                ast::FunctionArg::Named {
                    arg: ast::FunctionArgExpr::Expr(e),
                    ..
                } => Some(e),
                _ => None,
            })
            .collect();
        if !star && arg_exprs.len() != list.len() {
            return Err(not_supported(format!("arguments of {name}")));
        }
        if let Some(func) = agg_func(&name) {
            let call = AggSyntax {
                func,
                name: &name,
                args: &arg_exprs,
                star,
                distinct,
                filter: f.filter.as_deref(),
                order_by,
            };
            return self.aggregate(&call, scope);
        }
        if !order_by.is_empty() {
            return Err(SqlError::new(
                "42809",
                format!("ORDER BY specified, but {name} is not an aggregate function"),
            ));
        }
        if f.filter.is_some() {
            return Err(SqlError::new(
                "42809",
                format!("FILTER specified, but {name} is not an aggregate function"),
            ));
        }
        let mut args = Vec::with_capacity(arg_exprs.len());
        for a in &arg_exprs {
            args.push(self.expr(a, scope)?);
        }
        match name.as_str() {
            "coalesce" | "greatest" | "least" => {
                let tys: Vec<DataType> = args.iter().map(|a| a.1).collect();
                let ty = self.common_type(&tys, &name.to_uppercase())?;
                let mut bound = Vec::with_capacity(args.len());
                for (x, t) in args {
                    bound.push(self.coerce(x, t, ty)?);
                }
                let e = match name.as_str() {
                    "coalesce" => Expr::Coalesce(bound),
                    "greatest" => Expr::Extreme(bound, true),
                    _ => Expr::Extreme(bound, false),
                };
                Ok((e, ty))
            }
            "nullif" if args.len() == 2 => {
                let (b, bt) = args.pop_last();
                let (a, at) = args.pop_last();
                let ty = self.common_type(&[at, bt], "NULLIF")?;
                let a = self.coerce(a, at, ty)?;
                let b = self.coerce(b, bt, ty)?;
                Ok((
                    Expr::NullIf(a.boxed(), b.boxed()),
                    if at == DataType::Unknown { ty } else { at },
                ))
            }
            _ => self.call_function(&name, args),
        }
    }

    fn aggregate(
        &mut self,
        call: &AggSyntax,
        scope: &mut Scope,
    ) -> Result<(Expr, DataType), SqlError> {
        let Some(g) = scope.grouping.as_mut() else {
            // In the SELECT list, HAVING or ORDER BY an aggregate makes the query grouped;
            // elsewhere it is an error.
            if matches!(self.clause, "SELECT" | "ORDER BY" | "HAVING") {
                return Err(SqlError::new(
                    NEEDS_GROUPING,
                    "aggregate outside a grouped query",
                ));
            }
            return Err(SqlError::new(
                "42803",
                format!("aggregate functions are not allowed in {}", self.clause),
            ));
        };
        if !g.active {
            return Err(SqlError::new(
                "42803",
                if self.in_aggregate {
                    "aggregate function calls cannot be nested".to_string()
                } else {
                    format!("aggregate functions are not allowed in {}", self.clause)
                },
            ));
        }
        g.active = false;
        self.in_aggregate = true;
        let result = self.aggregate_call(call, scope);
        self.in_aggregate = false;
        if let Some(g) = scope.grouping.as_mut() {
            g.active = true;
        }
        let call = result?;
        let ty = call.ty;
        let g = scope
            .grouping
            .as_mut()
            .ok_or_else(|| SqlError::new("XX000", "grouping vanished"))?;
        let key = format!("{call:?}");
        let pos = match g.aggs.iter().position(|a| format!("{a:?}") == key) {
            Some(p) => p,
            None => {
                g.aggs.push(call);
                g.aggs.len() - 1
            }
        };
        Ok((Expr::Column(g.groups.len() + pos), ty))
    }

    fn aggregate_call(&mut self, call: &AggSyntax, scope: &mut Scope) -> Result<AggCall, SqlError> {
        let AggSyntax {
            func,
            name,
            args,
            star,
            distinct,
            filter,
            order_by,
        } = *call;
        let filter = match filter {
            Some(f) => Some(self.condition(f, scope, "FILTER")?),
            None => None,
        };
        let mut order = Vec::with_capacity(order_by.len());
        for o in order_by {
            let (x, _) = self.expr(&o.expr, scope)?;
            let desc = matches!(o.options.sort, Some(ast::OrderBySort::Desc));
            order.push(SortKey {
                expr: x,
                desc,
                nulls_first: o.options.nulls_first.unwrap_or(desc),
            });
        }
        if star {
            if func != AggFunc::Count {
                return Err(SqlError::new(
                    "42809",
                    format!(
                        "{name}(*) specified, but {name} is not an aggregate function that takes *"
                    ),
                ));
            }
            return Ok(AggCall {
                func: AggFunc::CountStar,
                args: vec![],
                distinct: false,
                filter,
                order_by: order,
                arg_ty: DataType::Int8,
                ty: DataType::Int8,
            });
        }
        let want = if func == AggFunc::StringAgg { 2 } else { 1 };
        if args.len() != want {
            return Err(SqlError::new(
                "42883",
                format!(
                    "function {name} with {} arguments does not exist",
                    args.len()
                ),
            ));
        }
        let mut bound = Vec::with_capacity(args.len());
        let mut first_ty = DataType::Unknown;
        for (i, a) in args.iter().enumerate() {
            let (x, t) = self.expr(a, scope)?;
            let target = match func {
                AggFunc::StringAgg => DataType::Text,
                AggFunc::BoolAnd | AggFunc::BoolOr => DataType::Bool,
                AggFunc::Sum | AggFunc::Avg if t == DataType::Unknown => DataType::Float8,
                _ if t == DataType::Unknown => DataType::Text,
                _ => t,
            };
            if i == 0 {
                first_ty = target;
            }
            bound.push(self.coerce(x, t, target)?);
        }
        let ty = agg_type(func, Some(&first_ty), name)?;
        if matches!(func, AggFunc::Min | AggFunc::Max) {
            types::compare(&sample(&first_ty), &sample(&first_ty))?;
        }
        Ok(AggCall {
            func,
            args: bound,
            distinct,
            filter,
            order_by: order,
            arg_ty: first_ty,
            ty,
        })
    }
}

trait PopLast<T> {
    fn pop_last(&mut self) -> T;
}

impl PopLast<(Expr, DataType)> for Vec<(Expr, DataType)> {
    fn pop_last(&mut self) -> (Expr, DataType) {
        self.pop()
            .unwrap_or((Expr::Const(Value::Null), DataType::Unknown))
    }
}
