//! The binder: turns a parsed query into a [`Plan`], resolving every name against the
//! catalog and the query's scopes and settling every type.
//!
//! A SELECT is bound in PostgreSQL's logical order: FROM (tables, views, derived tables,
//! CTEs, joins) → WHERE → GROUP BY / aggregates → HAVING → SELECT list → DISTINCT → ORDER BY
//! → LIMIT/OFFSET. The FROM clause and WHERE are handed to the optimizer as *units* (the
//! relations of an inner-join group, in FROM order) plus *conjuncts* (the AND-ed predicates),
//! so join order and access paths are chosen there, not here; outer joins keep their place.
//! Views and CTEs are bound by inlining their query where they are referenced.

pub mod expr;
pub mod from;
pub mod function;
pub mod naming;
pub mod predicate;
pub mod scope;
pub mod system_views;
pub mod typing;

use crate::sql::SqlError;
use crate::sql::optimizer;
use crate::sql::parser;
use crate::sql::plan::{Expr, Plan, SetOpKind, SortKey};
use crate::sql::result::Column;
use crate::sql::types::DataType;
use crate::txn::Transaction;
use expr::NEEDS_GROUPING;
use naming::{column_name, ident, object_name};
use scope::{Grouping, Scope, ScopeColumn};
use sqlparser::ast;

/// Binding state for one statement.
pub struct Binder<'a> {
    pub txn: &'a mut Transaction,
    /// Scopes of enclosing query levels, innermost last.
    pub outer: Vec<Scope>,
    /// Per open subquery level: whether it referred to an enclosing level.
    pub correlated: Vec<bool>,
    /// Parameter types (`$1` is index 0), given by the client or inferred.
    pub params: Vec<DataType>,
    pub next_subquery: usize,
    pub in_aggregate: bool,
    /// The clause being bound, for error messages ("WHERE", "JOIN conditions", ...).
    pub clause: &'static str,
    ctes: Vec<(String, ast::Query, Vec<String>)>,
    view_depth: usize,
    /// Counter naming each base-table occurrence in FROM clauses.
    next_base: usize,
}

fn not_supported(what: impl std::fmt::Display) -> SqlError {
    SqlError::feature_not_supported(format!("{what} is not supported"))
}

/// A `USING` column: left and right positions, common type, name.
type UsingColumn = (usize, usize, DataType, String);

/// Where a query level's LIMIT and ORDER BY come from.
struct Tail<'q> {
    order_by: Option<&'q ast::OrderBy>,
    limit: Option<&'q ast::LimitClause>,
}

impl<'a> Binder<'a> {
    pub fn new(txn: &'a mut Transaction, params: Vec<DataType>) -> Binder<'a> {
        Binder {
            txn,
            outer: Vec::new(),
            correlated: Vec::new(),
            params,
            next_subquery: 0,
            in_aggregate: false,
            clause: "WHERE",
            ctes: Vec::new(),
            view_depth: 0,
            next_base: 0,
        }
    }

    /// Binds a query; returns its plan and output columns.
    pub fn query(&mut self, q: &ast::Query) -> Result<(Plan, Vec<Column>), SqlError> {
        // A nested query has clauses of its own; the enclosing clause resumes after it.
        let (clause, in_aggregate) = (self.clause, self.in_aggregate);
        self.in_aggregate = false;
        let r = stacker::maybe_grow(256 * 1024, 8 * 1024 * 1024, || self.query_inner(q));
        self.clause = clause;
        self.in_aggregate = in_aggregate;
        r
    }

    fn query_inner(&mut self, q: &ast::Query) -> Result<(Plan, Vec<Column>), SqlError> {
        if !q.locks.is_empty() {
            return Err(not_supported("FOR UPDATE / FOR SHARE"));
        }
        let fetch_limit;
        let limit = match (&q.fetch, &q.limit_clause) {
            (None, l) => l.as_ref(),
            (Some(f), None) => {
                if f.percent || f.with_ties {
                    return Err(not_supported("FETCH ... PERCENT / WITH TIES"));
                }
                fetch_limit = ast::LimitClause::LimitOffset {
                    limit: Some(
                        f.quantity
                            .clone()
                            .unwrap_or(ast::Expr::value(ast::Value::Number("1".into(), false))),
                    ),
                    offset: None,
                    limit_by: vec![],
                };
                Some(&fetch_limit)
            }
            (Some(_), Some(_)) => {
                return Err(SqlError::new("42601", "syntax error at or near \"FETCH\""));
            }
        };
        let pushed = match &q.with {
            Some(w) => {
                if w.recursive {
                    return Err(not_supported("WITH RECURSIVE"));
                }
                for cte in &w.cte_tables {
                    let name = ident(&cte.alias.name);
                    let cols = cte.alias.columns.iter().map(|c| ident(&c.name)).collect();
                    self.ctes.push((name, (*cte.query).clone(), cols));
                }
                w.cte_tables.len()
            }
            None => 0,
        };
        let tail = Tail {
            order_by: q.order_by.as_ref(),
            limit,
        };
        let r = self.set_expr(&q.body, Some(tail));
        let n = self.ctes.len();
        self.ctes.truncate(n - pushed);
        r
    }

    fn set_expr(
        &mut self,
        body: &ast::SetExpr,
        tail: Option<Tail<'_>>,
    ) -> Result<(Plan, Vec<Column>), SqlError> {
        match body {
            ast::SetExpr::Select(sel) => self.select(sel, tail),
            ast::SetExpr::Query(q) => {
                let r = self.query(q)?;
                self.finish_output(r, tail, false)
            }
            ast::SetExpr::Values(v) => {
                let r = self.values(v)?;
                self.finish_output(r, tail, false)
            }
            ast::SetExpr::SetOperation {
                left,
                op,
                set_quantifier,
                right,
            } => {
                let (lp, lc) = self.set_expr(left, None)?;
                let (rp, rc) = self.set_expr(right, None)?;
                let kind = match op {
                    ast::SetOperator::Union => SetOpKind::Union,
                    ast::SetOperator::Intersect => SetOpKind::Intersect,
                    ast::SetOperator::Except | ast::SetOperator::Minus => SetOpKind::Except,
                };
                let word = match kind {
                    SetOpKind::Union => "UNION",
                    SetOpKind::Intersect => "INTERSECT",
                    SetOpKind::Except => "EXCEPT",
                };
                if lc.len() != rc.len() {
                    return Err(SqlError::new(
                        "42601",
                        format!("each {word} query must have the same number of columns"),
                    ));
                }
                let mut types = Vec::with_capacity(lc.len());
                for (a, b) in lc.iter().zip(&rc) {
                    types.push(self.common_type(&[a.ty, b.ty], word)?);
                }
                let lp = self.cast_columns(lp, &lc, &types)?;
                let rp = self.cast_columns(rp, &rc, &types)?;
                let all = matches!(set_quantifier, ast::SetQuantifier::All);
                let cols = lc
                    .iter()
                    .zip(&types)
                    .map(|(c, t)| Column {
                        name: c.name.clone(),
                        ty: *t,
                    })
                    .collect();
                let plan = Plan::SetOp {
                    op: kind,
                    all,
                    left: Box::new(lp),
                    right: Box::new(rp),
                };
                self.finish_output((plan, cols), tail, true)
            }
            other => Err(not_supported(format!("query body {other}"))),
        }
    }

    /// Adds casts so the plan's columns have `types`.
    fn cast_columns(
        &mut self,
        plan: Plan,
        cols: &[Column],
        types: &[DataType],
    ) -> Result<Plan, SqlError> {
        if cols.iter().zip(types).all(|(c, t)| c.ty == *t) {
            return Ok(plan);
        }
        let mut exprs = Vec::with_capacity(cols.len());
        for (i, (c, t)) in cols.iter().zip(types).enumerate() {
            exprs.push(self.coerce(Expr::Column(i), c.ty, *t)?);
        }
        Ok(Plan::Project {
            input: Box::new(plan),
            exprs,
        })
    }

    /// ORDER BY / LIMIT over a query's output columns only (set operations, VALUES).
    fn finish_output(
        &mut self,
        (plan, cols): (Plan, Vec<Column>),
        tail: Option<Tail<'_>>,
        set_operation: bool,
    ) -> Result<(Plan, Vec<Column>), SqlError> {
        let Some(tail) = tail else {
            return Ok((plan, cols));
        };
        let mut scope = Scope::new(
            cols.iter()
                .map(|c| ScopeColumn {
                    table: None,
                    name: c.name.clone(),
                    ty: c.ty,
                    hidden: false,
                    base: None,
                })
                .collect(),
        );
        let mut plan = plan;
        if let Some(ob) = tail.order_by {
            let mut keys = Vec::new();
            for item in order_items(ob)? {
                let expr = match output_position(&item.expr, &cols)? {
                    Some(i) => Expr::Column(i),
                    None if set_operation => {
                        // Unknown names are reported as such; other expressions are refused.
                        self.expr(&item.expr, &mut scope)?;
                        return Err(SqlError::feature_not_supported(
                            "invalid UNION/INTERSECT/EXCEPT ORDER BY clause",
                        )
                        .with_detail(
                            "Only result column names can be used, not expressions or functions.",
                        ));
                    }
                    None => self.expr(&item.expr, &mut scope)?.0,
                };
                keys.push(sort_key(expr, item));
            }
            plan = Plan::Sort {
                input: Box::new(plan),
                keys,
            };
        }
        plan = self.limit(plan, tail.limit)?;
        Ok((plan, cols))
    }

    fn limit(&mut self, plan: Plan, limit: Option<&ast::LimitClause>) -> Result<Plan, SqlError> {
        let Some(limit) = limit else {
            return Ok(plan);
        };
        let (l, o) = match limit {
            ast::LimitClause::LimitOffset { limit, offset, .. } => {
                (limit.as_ref(), offset.as_ref().map(|o| &o.value))
            }
            ast::LimitClause::OffsetCommaLimit { offset, limit } => (Some(limit), Some(offset)),
        };
        let mut empty = Scope::default();
        let mut bind = |b: &mut Self, e: Option<&ast::Expr>| -> Result<Option<Expr>, SqlError> {
            match e {
                None => Ok(None),
                Some(e) => {
                    let (x, t) = b.expr(e, &mut empty)?;
                    Ok(Some(b.coerce(x, t, DataType::Int8)?))
                }
            }
        };
        let limit = bind(self, l)?;
        let offset = bind(self, o)?;
        Ok(Plan::Limit {
            input: Box::new(plan),
            limit,
            offset,
        })
    }

    fn values(&mut self, v: &ast::Values) -> Result<(Plan, Vec<Column>), SqlError> {
        let width = v.rows.first().map(|r| r.len()).unwrap_or(0);
        self.clause = "VALUES";
        let mut scope = Scope::default();
        let mut bound: Vec<Vec<(Expr, DataType)>> = Vec::with_capacity(v.rows.len());
        for row in &v.rows {
            if row.len() != width {
                return Err(SqlError::new(
                    "42601",
                    "VALUES lists must all be the same length",
                ));
            }
            let mut r = Vec::with_capacity(width);
            for e in row.iter() {
                r.push(self.expr(e, &mut scope)?);
            }
            bound.push(r);
        }
        let mut types = Vec::with_capacity(width);
        for c in 0..width {
            let tys: Vec<DataType> = bound.iter().map(|r| r[c].1).collect();
            types.push(self.common_type(&tys, "VALUES")?);
        }
        let mut rows = Vec::with_capacity(bound.len());
        for r in bound {
            let mut out = Vec::with_capacity(width);
            for (c, (x, t)) in r.into_iter().enumerate() {
                out.push(self.coerce(x, t, types[c])?);
            }
            rows.push(out);
        }
        let cols = types
            .iter()
            .enumerate()
            .map(|(i, t)| Column {
                name: format!("column{}", i + 1),
                ty: *t,
            })
            .collect();
        Ok((Plan::Values { rows, width }, cols))
    }

    fn select(
        &mut self,
        sel: &ast::Select,
        tail: Option<Tail<'_>>,
    ) -> Result<(Plan, Vec<Column>), SqlError> {
        if sel.into.is_some() || !sel.lateral_views.is_empty() || sel.top.is_some() {
            return Err(not_supported("this SELECT form"));
        }
        if matches!(sel.distinct, Some(ast::Distinct::On(_))) {
            return Err(not_supported("DISTINCT ON"));
        }
        let (units, mut conjuncts, mut scope) = self.bind_from(&sel.from)?;
        if let Some(w) = &sel.selection {
            self.clause = "WHERE";
            let c = self.qual(w, &mut scope, "WHERE")?;
            c.conjuncts(&mut conjuncts);
        }
        let plan = optimizer::plan_joins(units, conjuncts)?;
        let group_exprs: &[ast::Expr] = match &sel.group_by {
            ast::GroupByExpr::Expressions(e, _) => e,
            ast::GroupByExpr::All(_) => return Err(not_supported("GROUP BY ALL")),
        };
        let grouped = !group_exprs.is_empty() || sel.having.is_some();
        match self.select_rest(sel, tail.as_ref(), plan.clone(), scope.clone(), grouped) {
            Err(e) if e.code == NEEDS_GROUPING && !grouped => {
                self.select_rest(sel, tail.as_ref(), plan, scope, true)
            }
            r => r,
        }
    }

    fn select_rest(
        &mut self,
        sel: &ast::Select,
        tail: Option<&Tail<'_>>,
        mut plan: Plan,
        mut scope: Scope,
        grouped: bool,
    ) -> Result<(Plan, Vec<Column>), SqlError> {
        let group_exprs: &[ast::Expr] = match &sel.group_by {
            ast::GroupByExpr::Expressions(e, _) => e,
            ast::GroupByExpr::All(_) => &[],
        };
        if grouped {
            self.clause = "GROUP BY";
            scope.grouping = Some(Grouping::default());
            let mut groups = Vec::new();
            for g in group_exprs {
                let target = group_target(g, &sel.projection, &scope)?;
                let (x, _) = self.expr(target, &mut scope)?;
                groups.push(x);
            }
            add_dependent_columns(&scope, &mut groups);
            if let Some(gr) = scope.grouping.as_mut() {
                gr.groups = groups;
                gr.active = true;
            }
        }
        self.clause = "SELECT";
        // Select list.
        let mut exprs = Vec::new();
        let mut cols = Vec::new();
        for item in &sel.projection {
            match item {
                ast::SelectItem::UnnamedExpr(e) => {
                    let (x, t) = self.expr(e, &mut scope)?;
                    exprs.push(x);
                    cols.push(Column {
                        name: column_name(e),
                        ty: t,
                    });
                }
                ast::SelectItem::ExprWithAlias { expr, alias } => {
                    let (x, t) = self.expr(expr, &mut scope)?;
                    exprs.push(x);
                    cols.push(Column {
                        name: ident(alias),
                        ty: t,
                    });
                }
                ast::SelectItem::Wildcard(_) | ast::SelectItem::QualifiedWildcard(..) => {
                    let qualifier = match item {
                        ast::SelectItem::QualifiedWildcard(
                            ast::SelectItemQualifiedWildcardKind::ObjectName(n),
                            _,
                        ) => Some(object_name(n)),
                        ast::SelectItem::QualifiedWildcard(..) => {
                            return Err(not_supported("this wildcard"));
                        }
                        _ => None,
                    };
                    if let Some(q) = &qualifier
                        && !scope.has_table(q)
                    {
                        return Err(SqlError::new(
                            "42P01",
                            format!("missing FROM-clause entry for table \"{q}\""),
                        ));
                    }
                    if scope.columns.is_empty() && qualifier.is_none() {
                        return Err(SqlError::new(
                            "42601",
                            "SELECT * with no tables specified is not valid",
                        ));
                    }
                    let wanted: Vec<(usize, ScopeColumn)> = scope
                        .columns
                        .iter()
                        .enumerate()
                        .filter(|(_, c)| match &qualifier {
                            Some(q) => c.table.as_deref() == Some(q.as_str()),
                            None => !c.hidden,
                        })
                        .map(|(i, c)| (i, c.clone()))
                        .collect();
                    for (i, c) in wanted {
                        let x = if scope.is_grouped() {
                            match scope.grouped_position(i) {
                                Some(p) => Expr::Column(p),
                                None => {
                                    return Err(scope::ungrouped(c.table.as_deref(), &c.name));
                                }
                            }
                        } else {
                            Expr::Column(i)
                        };
                        exprs.push(x);
                        cols.push(Column {
                            name: c.name.clone(),
                            ty: c.ty,
                        });
                    }
                }
                ast::SelectItem::ExprWithAliases { .. } => {
                    return Err(not_supported("multiple aliases"));
                }
            }
        }
        // HAVING.
        let having = match &sel.having {
            Some(h) => {
                self.clause = "HAVING";
                Some(self.qual(h, &mut scope, "HAVING")?)
            }
            None => None,
        };
        // ORDER BY: output columns by position or name, else expressions over the input.
        let distinct = matches!(sel.distinct, Some(ast::Distinct::Distinct));
        let visible = exprs.len();
        let mut keys = Vec::new();
        if let Some(ob) = tail.and_then(|t| t.order_by) {
            self.clause = "ORDER BY";
            for item in order_items(ob)? {
                let pos = match output_position(&item.expr, &cols)? {
                    Some(i) => i,
                    None => {
                        let (x, _) = self.expr(&item.expr, &mut scope)?;
                        let key = format!("{x:?}");
                        match exprs.iter().position(|e| format!("{e:?}") == key) {
                            Some(i) => i,
                            None if distinct => {
                                return Err(SqlError::new(
                                    "42P10",
                                    "for SELECT DISTINCT, ORDER BY expressions must appear in select list",
                                ));
                            }
                            None => {
                                exprs.push(x);
                                exprs.len() - 1
                            }
                        }
                    }
                };
                keys.push(sort_key(Expr::Column(pos), item));
            }
        }
        if let Some(g) = scope.grouping.take() {
            plan = Plan::Aggregate {
                input: Box::new(plan),
                group: g.groups,
                aggs: g.aggs,
            };
            if let Some(h) = having {
                plan = Plan::Filter {
                    input: Box::new(plan),
                    predicate: h,
                };
            }
        }
        plan = Plan::Project {
            input: Box::new(plan),
            exprs,
        };
        if distinct {
            plan = Plan::Distinct {
                input: Box::new(plan),
            };
        }
        if !keys.is_empty() {
            plan = optimizer::use_index_order(Plan::Sort {
                input: Box::new(plan),
                keys,
            });
        }
        plan = self.limit(plan, tail.and_then(|t| t.limit))?;
        let width = match &plan {
            Plan::Project { exprs, .. } => exprs.len(),
            _ => visible,
        };
        if width > visible || has_hidden(&plan, visible) {
            plan = Plan::Project {
                input: Box::new(plan),
                exprs: (0..visible).map(Expr::Column).collect(),
            };
        }
        Ok((plan, cols))
    }

    /// Binds a standalone expression over `scope` (DEFAULT, CHECK, RETURNING, SET).
    pub fn scalar(&mut self, sql: &str, scope: &mut Scope) -> Result<(Expr, DataType), SqlError> {
        let e = parser::parse_expr(sql)?;
        self.expr(&e, scope)
    }
}

fn order_items(ob: &ast::OrderBy) -> Result<&[ast::OrderByExpr], SqlError> {
    match &ob.kind {
        ast::OrderByKind::Expressions(e) => Ok(e),
        ast::OrderByKind::All(_) => Err(not_supported("ORDER BY ALL")),
    }
}

fn sort_key(expr: Expr, item: &ast::OrderByExpr) -> SortKey {
    let desc = matches!(item.options.sort, Some(ast::OrderBySort::Desc));
    SortKey {
        expr,
        desc,
        nulls_first: item.options.nulls_first.unwrap_or(desc),
    }
}

/// `ORDER BY 2` or `ORDER BY alias`: an output column.
fn output_position(e: &ast::Expr, cols: &[Column]) -> Result<Option<usize>, SqlError> {
    match e {
        ast::Expr::Value(v) => {
            if let ast::Value::Number(n, _) = &v.value {
                let pos: usize = n.parse().unwrap_or(0);
                if pos == 0 || pos > cols.len() {
                    return Err(SqlError::new(
                        "42P10",
                        format!("ORDER BY position {n} is not in select list"),
                    ));
                }
                return Ok(Some(pos - 1));
            }
            Ok(None)
        }
        ast::Expr::Identifier(i) => {
            let name = ident(i);
            let mut found = cols.iter().enumerate().filter(|(_, c)| c.name == name);
            match (found.next(), found.next()) {
                (Some((i, _)), None) => Ok(Some(i)),
                (Some(_), Some(_)) => Err(SqlError::new(
                    "42702",
                    format!("ORDER BY \"{name}\" is ambiguous"),
                )),
                _ => Ok(None),
            }
        }
        _ => Ok(None),
    }
}

/// `GROUP BY 1` and `GROUP BY alias` name select-list expressions.
fn group_target<'e>(
    g: &'e ast::Expr,
    projection: &'e [ast::SelectItem],
    scope: &Scope,
) -> Result<&'e ast::Expr, SqlError> {
    let item_expr = |item: &'e ast::SelectItem| match item {
        ast::SelectItem::UnnamedExpr(e) => Some(e),
        ast::SelectItem::ExprWithAlias { expr, .. } => Some(expr),
        _ => None,
    };
    match g {
        ast::Expr::Value(v) => {
            if let ast::Value::Number(n, _) = &v.value {
                let pos: usize = n.parse().unwrap_or(0);
                return projection
                    .get(pos.wrapping_sub(1))
                    .and_then(item_expr)
                    .ok_or_else(|| {
                        SqlError::new(
                            "42P10",
                            format!("GROUP BY position {n} is not in select list"),
                        )
                    });
            }
            Ok(g)
        }
        ast::Expr::Identifier(i) => {
            let name = ident(i);
            if matches!(scope.lookup(None, &name)?, scope::Resolved::Found(..)) {
                return Ok(g);
            }
            for item in projection {
                if let ast::SelectItem::ExprWithAlias { expr, alias } = item
                    && ident(alias) == name
                {
                    return Ok(expr);
                }
            }
            Ok(g)
        }
        _ => Ok(g),
    }
}

/// Grouping by every primary-key column of a table determines its other columns: add them as
/// (redundant) group values so the SELECT list may use them.
fn add_dependent_columns(scope: &Scope, groups: &mut Vec<Expr>) {
    let grouped = |groups: &[Expr], i: usize| {
        groups
            .iter()
            .any(|g| matches!(g, Expr::Column(c) if *c == i))
    };
    let mut bases: Vec<usize> = scope
        .columns
        .iter()
        .filter_map(|c| c.base.map(|b| b.0))
        .collect();
    bases.dedup();
    for b in bases {
        let cols: Vec<usize> = (0..scope.columns.len())
            .filter(|&i| scope.columns[i].base.is_some_and(|x| x.0 == b))
            .collect();
        let keys: Vec<usize> = cols
            .iter()
            .copied()
            .filter(|&i| scope.columns[i].base.is_some_and(|x| x.1))
            .collect();
        if keys.is_empty() || !keys.iter().all(|&k| grouped(groups, k)) {
            continue;
        }
        for i in cols {
            if !grouped(groups, i) {
                groups.push(Expr::Column(i));
            }
        }
    }
}

fn has_hidden(plan: &Plan, visible: usize) -> bool {
    match plan {
        Plan::Project { exprs, .. } => exprs.len() > visible,
        Plan::Sort { input, .. } | Plan::Limit { input, .. } | Plan::Distinct { input } => {
            has_hidden(input, visible)
        }
        _ => false,
    }
}
