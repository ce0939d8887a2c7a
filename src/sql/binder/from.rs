//! Binding FROM clauses: tables, views and CTEs (inlined where referenced), derived tables,
//! and joins. Inner joins become *units* and *conjuncts* for the optimizer to order; outer joins
//! and joins with USING are planned where they stand. USING/NATURAL columns come first in the
//! join's row, merged with COALESCE, and the originals stay reachable by qualified name.

use super::naming::{ident, object_name};
use super::scope::{Scope, ScopeColumn};
use super::system_views;
use super::{Binder, UsingColumn};
use crate::catalog::{self, Relation};
use crate::sql::SqlError;
use crate::sql::optimizer::{self, Unit};
use crate::sql::parser;
use crate::sql::plan::{Access, Expr, JoinKind, Plan};
use crate::sql::types::DataType;
use sqlparser::ast;
use std::sync::Arc;

fn not_supported(what: impl std::fmt::Display) -> SqlError {
    SqlError::feature_not_supported(format!("{what} is not supported"))
}

impl Binder<'_> {
    /// Binds a FROM clause: the units of its inner-join group, the join conjuncts, and the
    /// scope of all its columns.
    pub(super) fn bind_from(
        &mut self,
        from: &[ast::TableWithJoins],
    ) -> Result<(Vec<Unit>, Vec<Expr>, Scope), SqlError> {
        if from.is_empty() {
            return Ok((
                vec![Unit::new(Plan::single_row(), 0)],
                Vec::new(),
                Scope::default(),
            ));
        }
        let mut units = Vec::new();
        let mut conjuncts = Vec::new();
        let mut columns = Vec::new();
        for twj in from {
            let (u, c, cols) = self.table_with_joins(twj)?;
            let offset = columns.len();
            for mut e in c {
                e.remap(&|i| i + offset);
                conjuncts.push(e);
            }
            units.extend(u);
            columns.extend(cols);
        }
        // One name per FROM item: a table appearing twice needs an alias.
        let mut seen: Vec<(&str, usize)> = Vec::new();
        for c in &columns {
            if let (Some(t), Some((base, _))) = (&c.table, c.base) {
                match seen.iter().find(|(n, _)| *n == t.as_str()) {
                    Some((_, b)) if *b != base => {
                        return Err(SqlError::new(
                            "42712",
                            format!("table name \"{t}\" specified more than once"),
                        ));
                    }
                    Some(_) => {}
                    None => seen.push((t, base)),
                }
            }
        }
        Ok((units, conjuncts, Scope::new(columns)))
    }

    /// One FROM item with its joins; positions in the returned conjuncts are local to it.
    #[allow(clippy::type_complexity)]
    fn table_with_joins(
        &mut self,
        twj: &ast::TableWithJoins,
    ) -> Result<(Vec<Unit>, Vec<Expr>, Vec<ScopeColumn>), SqlError> {
        let (plan, mut columns) = self.factor(&twj.relation)?;
        let mut units = vec![Unit::new(plan, columns.len())];
        let mut conjuncts: Vec<Expr> = Vec::new();
        for join in &twj.joins {
            use ast::JoinOperator as J;
            let (kind, constraint) = match &join.join_operator {
                J::Join(c) | J::Inner(c) => (JoinKind::Inner, Some(c)),
                J::Left(c) | J::LeftOuter(c) => (JoinKind::Left, Some(c)),
                J::Right(c) | J::RightOuter(c) => (JoinKind::Right, Some(c)),
                J::FullOuter(c) => (JoinKind::Full, Some(c)),
                J::CrossJoin(_) => (JoinKind::Inner, None),
                other => return Err(not_supported(format!("join {other:?}"))),
            };
            let (rplan, rcols) = self.factor(&join.relation)?;
            let left_width = columns.len();
            let mut all = columns.clone();
            all.extend(rcols.iter().cloned());
            let mut scope = Scope::new(all);
            let mut on = Vec::new();
            let mut using: Vec<UsingColumn> = Vec::new();
            match constraint {
                None | Some(ast::JoinConstraint::None) => {}
                Some(ast::JoinConstraint::On(e)) => {
                    self.clause = "JOIN conditions";
                    let c = self.qual(e, &mut scope, "JOIN/ON")?;
                    c.conjuncts(&mut on);
                }
                Some(ast::JoinConstraint::Using(names)) => {
                    for n in names {
                        let name = object_name(n);
                        let (cond, merged) = self.using_condition(&mut scope, left_width, &name)?;
                        on.push(cond);
                        using.push(merged);
                    }
                }
                Some(ast::JoinConstraint::Natural) => {
                    let lnames: Vec<String> = columns
                        .iter()
                        .filter(|c| !c.hidden)
                        .map(|c| c.name.clone())
                        .collect();
                    for c in &rcols {
                        if lnames.contains(&c.name) {
                            let (cond, merged) =
                                self.using_condition(&mut scope, left_width, &c.name)?;
                            on.push(cond);
                            using.push(merged);
                        }
                    }
                }
                Some(other) => return Err(not_supported(format!("join constraint {other:?}"))),
            }
            columns = scope.columns;
            if kind == JoinKind::Inner && using.is_empty() {
                units.push(Unit::new(rplan, rcols.len()));
                conjuncts.extend(on);
            } else {
                let left = optimizer::plan_joins(
                    std::mem::take(&mut units),
                    std::mem::take(&mut conjuncts),
                )?;
                let mut joined = optimizer::join(left, rplan, kind, on, left_width, rcols.len())?;
                if !using.is_empty() {
                    // USING columns come first, merged (COALESCE covers outer joins); the
                    // originals stay reachable by qualified name only.
                    let mut exprs = Vec::with_capacity(using.len() + columns.len());
                    let mut merged_cols = Vec::with_capacity(using.len());
                    for (l, r, ty, name) in using.drain(..) {
                        let a = self.coerce(Expr::Column(l), columns[l].ty, ty)?;
                        let b = self.coerce(Expr::Column(r), columns[r].ty, ty)?;
                        exprs.push(Expr::Coalesce(vec![a, b]));
                        columns[l].hidden = true;
                        merged_cols.push(ScopeColumn {
                            table: None,
                            name,
                            ty,
                            hidden: false,
                            base: None,
                        });
                    }
                    exprs.extend((0..columns.len()).map(Expr::Column));
                    merged_cols.append(&mut columns);
                    columns = merged_cols;
                    joined = Plan::Project {
                        input: Box::new(joined),
                        exprs,
                    };
                }
                units = vec![Unit::new(joined, columns.len())];
            }
        }
        Ok((units, conjuncts, columns))
    }

    /// `USING (name)`: the equality, and the right column hidden from unqualified lookup.
    fn using_condition(
        &mut self,
        scope: &mut Scope,
        left_width: usize,
        name: &str,
    ) -> Result<(Expr, UsingColumn), SqlError> {
        let find = |range: std::ops::Range<usize>, scope: &Scope| {
            range
                .into_iter()
                .find(|&i| scope.columns[i].name == name && !scope.columns[i].hidden)
        };
        let n = scope.columns.len();
        let (Some(l), Some(r)) = (find(0..left_width, scope), find(left_width..n, scope)) else {
            return Err(SqlError::new(
                "42703",
                format!("column \"{name}\" specified in USING clause does not exist in left table"),
            ));
        };
        scope.columns[r].hidden = true;
        let (lt, rt) = (scope.columns[l].ty, scope.columns[r].ty);
        let ty = self.common_type(&[lt, rt], "JOIN/USING")?;
        let a = self.coerce(Expr::Column(l), lt, ty)?;
        let b = self.coerce(Expr::Column(r), rt, ty)?;
        Ok((
            Expr::Binary(crate::sql::plan::BinOp::Eq, a.boxed(), b.boxed()),
            (l, r, ty, name.to_string()),
        ))
    }

    /// One relation in FROM: its plan and columns.
    fn factor(&mut self, f: &ast::TableFactor) -> Result<(Plan, Vec<ScopeColumn>), SqlError> {
        match f {
            ast::TableFactor::Table {
                name, alias, args, ..
            } => {
                if args.is_some() {
                    return Err(not_supported("table functions"));
                }
                let rel_name = object_name(name);
                let alias_name = alias
                    .as_ref()
                    .map(|a| ident(&a.name))
                    .unwrap_or_else(|| rel_name.clone());
                let renames: Vec<String> = alias
                    .as_ref()
                    .map(|a| a.columns.iter().map(|c| ident(&c.name)).collect())
                    .unwrap_or_default();
                if let Some(pos) = self.ctes.iter().rposition(|(n, _, _)| *n == rel_name) {
                    let (_, q, cols) = self.ctes[pos].clone();
                    // A CTE sees only the CTEs defined before it.
                    let hidden = self.ctes.split_off(pos);
                    let r = self.derived(&q, &alias_name, &cols);
                    self.ctes.extend(hidden);
                    let (p, c) = r?;
                    return Ok((p, rename(c, &renames)?));
                }
                match catalog::relation(self.txn, &rel_name)? {
                    Some(Relation::Table(t)) => {
                        self.next_base += 1;
                        let base = self.next_base;
                        let columns = t
                            .columns
                            .iter()
                            .enumerate()
                            .map(|(i, c)| ScopeColumn {
                                table: Some(alias_name.clone()),
                                name: c.name.clone(),
                                ty: c.ty,
                                hidden: c.dropped,
                                base: Some((base, t.primary_key.contains(&i))),
                            })
                            .collect();
                        let plan = Plan::Scan {
                            table: Arc::new(t),
                            alias: alias_name,
                            access: Access::Full { reverse: false },
                            filter: None,
                        };
                        Ok((plan, rename_live(columns, &renames)?))
                    }
                    Some(Relation::View(v)) => {
                        if self.view_depth > 32 {
                            return Err(SqlError::new(
                                "42P17",
                                format!("infinite recursion detected in view \"{}\"", v.name),
                            ));
                        }
                        let stmts = parser::parse(&v.sql)?;
                        let Some(ast::Statement::Query(q)) = stmts.first() else {
                            return Err(SqlError::new("XX000", "view definition is not a query"));
                        };
                        self.view_depth += 1;
                        let saved_ctes = std::mem::take(&mut self.ctes);
                        let r = self.derived(q, &alias_name, &v.columns);
                        self.ctes = saved_ctes;
                        self.view_depth -= 1;
                        let (p, c) = r?;
                        Ok((p, rename(c, &renames)?))
                    }
                    None => match system_views::read(self.txn, &rel_name)? {
                        Some((cols, rows)) => {
                            let width = cols.len();
                            let columns = cols
                                .into_iter()
                                .map(|(name, ty)| ScopeColumn {
                                    table: Some(alias_name.clone()),
                                    name: name.to_string(),
                                    ty,
                                    hidden: false,
                                    base: None,
                                })
                                .collect();
                            let rows = rows
                                .into_iter()
                                .map(|r| r.into_iter().map(Expr::Const).collect())
                                .collect();
                            Ok((
                                Plan::Values { rows, width },
                                rename_live(columns, &renames)?,
                            ))
                        }
                        None => Err(catalog::undefined_table(&rel_name)),
                    },
                }
            }
            ast::TableFactor::Derived {
                lateral,
                subquery,
                alias,
                ..
            } => {
                if *lateral {
                    return Err(not_supported("LATERAL"));
                }
                let alias_name = alias
                    .as_ref()
                    .map(|a| ident(&a.name))
                    .unwrap_or_else(|| "unnamed_subquery".into());
                let cols: Vec<String> = alias
                    .as_ref()
                    .map(|a| a.columns.iter().map(|c| ident(&c.name)).collect())
                    .unwrap_or_default();
                self.derived(subquery, &alias_name, &cols)
            }
            ast::TableFactor::NestedJoin {
                table_with_joins,
                alias,
            } => {
                let (units, conjuncts, mut cols) = self.table_with_joins(table_with_joins)?;
                let plan = optimizer::plan_joins(units, conjuncts)?;
                if let Some(a) = alias {
                    let name = ident(&a.name);
                    for c in &mut cols {
                        c.table = Some(name.clone());
                    }
                }
                Ok((plan, cols))
            }
            other => Err(not_supported(format!("FROM item {other}"))),
        }
    }

    /// A subquery in FROM (or an inlined view or CTE) under `alias`.
    pub(super) fn derived(
        &mut self,
        q: &ast::Query,
        alias: &str,
        names: &[String],
    ) -> Result<(Plan, Vec<ScopeColumn>), SqlError> {
        // A derived table cannot see its siblings in FROM; enclosing levels stay visible.
        let (plan, cols) = self.query(q)?;
        if names.len() > cols.len() {
            return Err(SqlError::new(
                "42P10",
                format!(
                    "table \"{alias}\" has {} columns available but {} columns specified",
                    cols.len(),
                    names.len()
                ),
            ));
        }
        let columns = cols
            .iter()
            .enumerate()
            .map(|(i, c)| ScopeColumn {
                table: Some(alias.to_string()),
                name: names.get(i).cloned().unwrap_or_else(|| c.name.clone()),
                ty: output_type(c.ty),
                hidden: false,
                base: None,
            })
            .collect();
        Ok((plan, columns))
    }
}

/// An untyped output column is text, as PostgreSQL resolves `SELECT 'a'`.
fn output_type(t: DataType) -> DataType {
    if t == DataType::Unknown {
        DataType::Text
    } else {
        t
    }
}

fn rename(mut cols: Vec<ScopeColumn>, names: &[String]) -> Result<Vec<ScopeColumn>, SqlError> {
    for (c, n) in cols.iter_mut().zip(names) {
        c.name = n.clone();
    }
    Ok(cols)
}

fn rename_live(mut cols: Vec<ScopeColumn>, names: &[String]) -> Result<Vec<ScopeColumn>, SqlError> {
    let mut it = names.iter();
    for c in cols.iter_mut().filter(|c| !c.hidden) {
        match it.next() {
            Some(n) => c.name = n.clone(),
            None => break,
        }
    }
    Ok(cols)
}
