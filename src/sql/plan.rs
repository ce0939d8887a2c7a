//! Bound expressions and query plans: what the binder produces, the optimizer rewrites and
//! the executor runs.
//!
//! Design: every name is resolved before a plan exists. An [`Expr`] refers to the columns of
//! its input row by position ([`Expr::Column`]) and to the rows of enclosing queries by depth
//! and position ([`Expr::Outer`]), so evaluation never looks anything up by name. A [`Plan`]
//! is a tree of relational operators; every node's output is a row of values in a known
//! column order. Types were settled by the binder (with PostgreSQL's implicit casts made
//! explicit as [`Expr::Cast`]), so the executor only computes.

use crate::catalog::{IndexDef, TableDef};
use crate::sql::functions::ScalarFn;
use crate::sql::types::{DataType, Value};
use std::collections::HashSet;
use std::sync::Arc;

/// A row of values.
pub type Row = Vec<Value>;

/// Binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Concat,
    Eq,
    NotEq,
    Lt,
    LtEq,
    Gt,
    GtEq,
    BitAnd,
    BitOr,
    BitXor,
    ShiftLeft,
    ShiftRight,
}

impl BinOp {
    pub fn symbol(self) -> &'static str {
        match self {
            BinOp::Add => "+",
            BinOp::Sub => "-",
            BinOp::Mul => "*",
            BinOp::Div => "/",
            BinOp::Rem => "%",
            BinOp::Concat => "||",
            BinOp::Eq => "=",
            BinOp::NotEq => "<>",
            BinOp::Lt => "<",
            BinOp::LtEq => "<=",
            BinOp::Gt => ">",
            BinOp::GtEq => ">=",
            BinOp::BitAnd => "&",
            BinOp::BitOr => "|",
            BinOp::BitXor => "#",
            BinOp::ShiftLeft => "<<",
            BinOp::ShiftRight => ">>",
        }
    }

    pub fn is_bitwise(self) -> bool {
        matches!(
            self,
            BinOp::BitAnd | BinOp::BitOr | BinOp::BitXor | BinOp::ShiftLeft | BinOp::ShiftRight
        )
    }

    pub fn is_comparison(self) -> bool {
        matches!(
            self,
            BinOp::Eq | BinOp::NotEq | BinOp::Lt | BinOp::LtEq | BinOp::Gt | BinOp::GtEq
        )
    }

    /// The operator with its operands swapped (`a < b` ⇔ `b > a`).
    pub fn flip(self) -> BinOp {
        match self {
            BinOp::Lt => BinOp::Gt,
            BinOp::LtEq => BinOp::GtEq,
            BinOp::Gt => BinOp::Lt,
            BinOp::GtEq => BinOp::LtEq,
            o => o,
        }
    }
}

/// What a subquery expression asks of its subquery.
#[derive(Debug, Clone)]
pub enum SubqueryKind {
    /// `(SELECT x ...)`: one value, NULL for no rows, 21000 for more than one.
    Scalar,
    /// `EXISTS (...)`.
    Exists,
    /// `e IN (SELECT ...)` / `e op ANY|ALL (SELECT ...)`.
    Quantified {
        expr: Box<Expr>,
        op: BinOp,
        all: bool,
    },
}

/// A subquery inside an expression.
#[derive(Debug, Clone)]
pub struct Subquery {
    pub plan: Plan,
    pub kind: SubqueryKind,
    /// Refers to enclosing rows: evaluated per row instead of once per statement.
    pub correlated: bool,
    /// Statement-unique id, the key of the once-per-statement result cache.
    pub id: usize,
}

/// A bound scalar expression.
#[derive(Debug, Clone)]
pub enum Expr {
    Const(Value),
    /// A column of the input row.
    Column(usize),
    /// A column of an enclosing query's current row: (depth ≥ 1, position).
    Outer(usize, usize),
    /// `$n` (0-based), for prepared statements.
    Param(usize),
    Binary(BinOp, Box<Expr>, Box<Expr>),
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Neg(Box<Expr>),
    IsNull(Box<Expr>),
    /// `a IS DISTINCT FROM b`.
    IsDistinct(Box<Expr>, Box<Expr>),
    /// `e IS TRUE` (true) / `e IS FALSE` (false); NULL gives false.
    IsBool(Box<Expr>, bool),
    Cast(Box<Expr>, DataType),
    Case {
        operand: Option<Box<Expr>>,
        whens: Vec<(Expr, Expr)>,
        otherwise: Option<Box<Expr>>,
    },
    InList {
        expr: Box<Expr>,
        list: Vec<Expr>,
    },
    /// `IN` over constants, as a hash set of [`hash_key`](crate::sql::types::hash_key)s.
    InSet {
        expr: Box<Expr>,
        set: Arc<HashSet<Vec<u8>>>,
        /// The distinct non-NULL values, for index lookups.
        values: Arc<Vec<Value>>,
        has_null: bool,
    },
    Like {
        expr: Box<Expr>,
        pattern: Box<Expr>,
        escape: Option<Box<Expr>>,
        case_insensitive: bool,
    },
    Func(ScalarFn, Vec<Expr>),
    Coalesce(Vec<Expr>),
    NullIf(Box<Expr>, Box<Expr>),
    /// GREATEST (true) / LEAST (false).
    Extreme(Vec<Expr>, bool),
    Subquery(Box<Subquery>),
}

impl Expr {
    pub fn boxed(self) -> Box<Expr> {
        Box::new(self)
    }

    /// Calls `f` on every column position this expression reads from its own input row
    /// (not inside subqueries, whose rows are their own).
    pub fn visit_columns(&self, f: &mut dyn FnMut(usize)) {
        self.walk(&mut |e| {
            if let Expr::Column(i) = e {
                f(*i)
            }
        });
    }

    /// Pre-order walk over this expression's nodes, not descending into subquery plans.
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::Const(_) | Expr::Column(_) | Expr::Outer(..) | Expr::Param(_) => {}
            Expr::Binary(_, a, b)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::IsDistinct(a, b)
            | Expr::NullIf(a, b) => {
                a.walk(f);
                b.walk(f);
            }
            Expr::Not(a)
            | Expr::Neg(a)
            | Expr::IsNull(a)
            | Expr::IsBool(a, _)
            | Expr::Cast(a, _) => a.walk(f),
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                if let Some(o) = operand {
                    o.walk(f);
                }
                for (w, t) in whens {
                    w.walk(f);
                    t.walk(f);
                }
                if let Some(o) = otherwise {
                    o.walk(f);
                }
            }
            Expr::InList { expr, list } => {
                expr.walk(f);
                list.iter().for_each(|e| e.walk(f));
            }
            Expr::InSet { expr, .. } => expr.walk(f),
            Expr::Like {
                expr,
                pattern,
                escape,
                ..
            } => {
                expr.walk(f);
                pattern.walk(f);
                if let Some(e) = escape {
                    e.walk(f);
                }
            }
            Expr::Func(_, args) | Expr::Coalesce(args) | Expr::Extreme(args, _) => {
                args.iter().for_each(|e| e.walk(f))
            }
            Expr::Subquery(s) => {
                if let SubqueryKind::Quantified { expr, .. } = &s.kind {
                    expr.walk(f);
                }
            }
        }
    }

    /// Whether the expression contains a subquery.
    pub fn has_subquery(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| found |= matches!(e, Expr::Subquery(_)));
        found
    }

    /// Whether the expression is free of columns of its own row (it may still read outer
    /// rows and parameters): constant for one execution of its plan.
    pub fn is_row_independent(&self) -> bool {
        let mut found = false;
        self.walk(&mut |e| {
            found |= matches!(e, Expr::Column(_) | Expr::Subquery(_))
                || matches!(e, Expr::Func(f, _) if f.is_volatile())
        });
        !found
    }

    /// Rewrites column positions through `map` (for moving a predicate onto another input).
    pub fn remap(&mut self, map: &dyn Fn(usize) -> usize) {
        self.walk_mut(&mut |e| {
            if let Expr::Column(i) = e {
                *i = map(*i)
            }
        });
    }

    fn walk_mut(&mut self, f: &mut dyn FnMut(&mut Expr)) {
        f(self);
        match self {
            Expr::Const(_) | Expr::Column(_) | Expr::Outer(..) | Expr::Param(_) => {}
            Expr::Binary(_, a, b)
            | Expr::And(a, b)
            | Expr::Or(a, b)
            | Expr::IsDistinct(a, b)
            | Expr::NullIf(a, b) => {
                a.walk_mut(f);
                b.walk_mut(f);
            }
            Expr::Not(a)
            | Expr::Neg(a)
            | Expr::IsNull(a)
            | Expr::IsBool(a, _)
            | Expr::Cast(a, _) => a.walk_mut(f),
            Expr::Case {
                operand,
                whens,
                otherwise,
            } => {
                if let Some(o) = operand {
                    o.walk_mut(f);
                }
                for (w, t) in whens {
                    w.walk_mut(f);
                    t.walk_mut(f);
                }
                if let Some(o) = otherwise {
                    o.walk_mut(f);
                }
            }
            Expr::InList { expr, list } => {
                expr.walk_mut(f);
                list.iter_mut().for_each(|e| e.walk_mut(f));
            }
            Expr::InSet { expr, .. } => expr.walk_mut(f),
            Expr::Like {
                expr,
                pattern,
                escape,
                ..
            } => {
                expr.walk_mut(f);
                pattern.walk_mut(f);
                if let Some(e) = escape {
                    e.walk_mut(f);
                }
            }
            Expr::Func(_, args) | Expr::Coalesce(args) | Expr::Extreme(args, _) => {
                args.iter_mut().for_each(|e| e.walk_mut(f))
            }
            Expr::Subquery(s) => {
                if let SubqueryKind::Quantified { expr, .. } = &mut s.kind {
                    expr.walk_mut(f);
                }
            }
        }
    }

    /// EXPLAIN's rendering, with `name` giving column names.
    pub fn display(&self, name: &dyn Fn(usize) -> String) -> String {
        let list = |es: &[Expr]| {
            es.iter()
                .map(|e| e.display(name))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            Expr::Const(v) => match v {
                Value::Null => "NULL".into(),
                Value::Text(s) | Value::Bpchar(s) => format!("'{}'", s.replace('\'', "''")),
                v => v.to_text().unwrap_or_default(),
            },
            Expr::Column(i) => name(*i),
            Expr::Outer(d, i) => format!("outer{d}.#{i}"),
            Expr::Param(i) => format!("${}", i + 1),
            Expr::Binary(op, a, b) => {
                format!("({} {} {})", a.display(name), op.symbol(), b.display(name))
            }
            Expr::And(a, b) => format!("({} AND {})", a.display(name), b.display(name)),
            Expr::Or(a, b) => format!("({} OR {})", a.display(name), b.display(name)),
            Expr::Not(a) => format!("(NOT {})", a.display(name)),
            Expr::Neg(a) => format!("(- {})", a.display(name)),
            Expr::IsNull(a) => format!("({} IS NULL)", a.display(name)),
            Expr::IsDistinct(a, b) => {
                format!("({} IS DISTINCT FROM {})", a.display(name), b.display(name))
            }
            Expr::IsBool(a, t) => format!(
                "({} IS {})",
                a.display(name),
                if *t { "TRUE" } else { "FALSE" }
            ),
            Expr::Cast(a, t) => format!("({})::{}", a.display(name), t.name()),
            Expr::Case { .. } => "CASE ... END".into(),
            Expr::InList { expr, list: l } => format!("({} IN ({}))", expr.display(name), list(l)),
            Expr::InSet { expr, values, .. } => {
                let vals: Vec<Expr> = values.iter().cloned().map(Expr::Const).collect();
                format!("({} IN ({}))", expr.display(name), list(&vals))
            }
            Expr::Like {
                expr,
                pattern,
                case_insensitive,
                ..
            } => format!(
                "({} {} {})",
                expr.display(name),
                if *case_insensitive { "~~*" } else { "~~" },
                pattern.display(name)
            ),
            Expr::Func(f, args) => format!("{}({})", f.name(), list(args)),
            Expr::Coalesce(args) => format!("COALESCE({})", list(args)),
            Expr::NullIf(a, b) => format!("NULLIF({}, {})", a.display(name), b.display(name)),
            Expr::Extreme(args, g) => {
                format!("{}({})", if *g { "GREATEST" } else { "LEAST" }, list(args))
            }
            Expr::Subquery(s) => format!("(SubPlan {})", s.id),
        }
    }

    /// Splits a conjunction into its conjuncts.
    pub fn conjuncts(self, out: &mut Vec<Expr>) {
        match self {
            Expr::And(a, b) => {
                a.conjuncts(out);
                b.conjuncts(out);
            }
            e => out.push(e),
        }
    }

    /// Joins conjuncts back with AND.
    pub fn conjoin(mut parts: Vec<Expr>) -> Option<Expr> {
        let first = if parts.is_empty() {
            return None;
        } else {
            parts.remove(0)
        };
        Some(
            parts
                .into_iter()
                .fold(first, |acc, e| Expr::And(acc.boxed(), e.boxed())),
        )
    }
}

/// Aggregate functions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    CountStar,
    Count,
    Sum,
    Avg,
    Min,
    Max,
    BoolAnd,
    BoolOr,
    StringAgg,
}

/// One aggregate computed by an [`Plan::Aggregate`] node.
#[derive(Debug, Clone)]
pub struct AggCall {
    pub func: AggFunc,
    /// Arguments over the aggregate's input row (string_agg has two).
    pub args: Vec<Expr>,
    pub distinct: bool,
    /// FILTER (WHERE ...).
    pub filter: Option<Expr>,
    /// ORDER BY inside the call: the order values are fed in (matters for string_agg).
    pub order_by: Vec<SortKey>,
    /// The (first) argument's type.
    pub arg_ty: DataType,
    /// The result type.
    pub ty: DataType,
}

/// One end of a key range: the bound's expression and whether it is inclusive.
pub type KeyBound = Option<(Expr, bool)>;

/// How a scan finds its rows.
#[derive(Debug, Clone)]
pub enum Access {
    /// Every row, in primary-key order (reverse for `reverse`).
    Full { reverse: bool },
    /// Rows whose key (primary key when `index` is None) starts with the values of `prefix`
    /// and whose next key column lies in `range`.
    Key {
        index: Option<IndexDef>,
        prefix: Vec<Expr>,
        range: (KeyBound, KeyBound),
        reverse: bool,
    },
    /// Rows whose first key column equals one of `values`.
    KeyIn {
        index: Option<IndexDef>,
        values: Vec<Expr>,
    },
}

/// Join kinds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    Inner,
    Left,
    Right,
    Full,
}

/// Set operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetOpKind {
    Union,
    Intersect,
    Except,
}

/// A sort key.
#[derive(Debug, Clone)]
pub struct SortKey {
    pub expr: Expr,
    pub desc: bool,
    pub nulls_first: bool,
}

/// A query plan. Each node documents its output row.
#[derive(Debug, Clone)]
pub enum Plan {
    /// A table's rows (all physical columns, dropped ones as NULL), filtered.
    Scan {
        table: Arc<TableDef>,
        alias: String,
        access: Access,
        filter: Option<Expr>,
    },
    /// Literal rows.
    Values {
        rows: Vec<Vec<Expr>>,
        width: usize,
    },
    Filter {
        input: Box<Plan>,
        predicate: Expr,
    },
    Project {
        input: Box<Plan>,
        exprs: Vec<Expr>,
    },
    /// Left columns then right columns; `on` sees that concatenated row.
    NestedLoopJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        on: Option<Expr>,
    },
    /// Equi-join on `left_keys[i] = right_keys[i]` (each over its own side's row), then `on`
    /// over the concatenated row.
    HashJoin {
        left: Box<Plan>,
        right: Box<Plan>,
        kind: JoinKind,
        left_keys: Vec<Expr>,
        right_keys: Vec<Expr>,
        on: Option<Expr>,
    },
    /// Group values then aggregate values. With no group expressions there is exactly one
    /// output row, even for empty input.
    Aggregate {
        input: Box<Plan>,
        group: Vec<Expr>,
        aggs: Vec<AggCall>,
    },
    Sort {
        input: Box<Plan>,
        keys: Vec<SortKey>,
    },
    Limit {
        input: Box<Plan>,
        limit: Option<Expr>,
        offset: Option<Expr>,
    },
    /// Removes duplicate rows (NULLs equal), keeping the first.
    Distinct {
        input: Box<Plan>,
    },
    SetOp {
        op: SetOpKind,
        all: bool,
        left: Box<Plan>,
        right: Box<Plan>,
    },
}

impl Plan {
    /// A plan that yields one empty row (SELECT without FROM).
    pub fn single_row() -> Plan {
        Plan::Values {
            rows: vec![vec![]],
            width: 0,
        }
    }

    /// EXPLAIN's text: one line per node, children indented as PostgreSQL does.
    pub fn explain(&self, out: &mut Vec<String>, depth: usize) {
        let pad = if depth == 0 {
            String::new()
        } else {
            format!("{}->  ", " ".repeat(depth * 6 - 6 + 2))
        };
        let line = match self {
            Plan::Scan {
                table,
                alias,
                access,
                filter,
            } => {
                let on = if *alias == table.name {
                    table.name.clone()
                } else {
                    format!("{} {alias}", table.name)
                };
                let head = match access {
                    Access::Full { .. } => format!("Seq Scan on {on}"),
                    Access::Key { index, .. } | Access::KeyIn { index, .. } => {
                        let ix = index
                            .as_ref()
                            .map(|i| i.name.clone())
                            .unwrap_or_else(|| table.pk_name.clone());
                        let backward = matches!(access, Access::Key { reverse: true, .. });
                        let dir = if backward { " Backward" } else { "" };
                        format!("Index Scan{dir} using {ix} on {on}")
                    }
                };
                out.push(format!("{pad}{head}"));
                let names = |i: usize| {
                    table
                        .columns
                        .get(i)
                        .map(|c| c.name.clone())
                        .unwrap_or_else(|| format!("#{i}"))
                };
                let indent = " ".repeat(pad.len() + 2);
                match access {
                    Access::Key { prefix, range, .. } => {
                        let mut conds: Vec<String> = prefix
                            .iter()
                            .map(|e| format!("= {}", e.display(&names)))
                            .collect();
                        if let Some((e, inc)) = &range.0 {
                            conds.push(format!(
                                "{} {}",
                                if *inc { ">=" } else { ">" },
                                e.display(&names)
                            ));
                        }
                        if let Some((e, inc)) = &range.1 {
                            conds.push(format!(
                                "{} {}",
                                if *inc { "<=" } else { "<" },
                                e.display(&names)
                            ));
                        }
                        if !conds.is_empty() {
                            out.push(format!("{indent}Index Cond: {}", conds.join(", ")));
                        }
                    }
                    Access::KeyIn { values, .. } => {
                        let vals: Vec<String> = values.iter().map(|e| e.display(&names)).collect();
                        out.push(format!("{indent}Index Cond: IN ({})", vals.join(", ")));
                    }
                    Access::Full { .. } => {}
                }
                if let Some(f) = filter {
                    out.push(format!("{indent}Filter: {}", f.display(&names)));
                }
                return;
            }
            Plan::Values { rows, .. } => {
                if rows.len() == 1 && rows[0].is_empty() {
                    "Result".to_string()
                } else {
                    format!("Values Scan ({} rows)", rows.len())
                }
            }
            Plan::Filter { .. } => "Filter".into(),
            Plan::Project { .. } => "Project".into(),
            Plan::NestedLoopJoin { kind, .. } => format!("Nested Loop{}", kind_name(*kind)),
            Plan::HashJoin { kind, .. } => format!("Hash{} Join", kind_name(*kind)),
            Plan::Aggregate { group, .. } => {
                if group.is_empty() {
                    "Aggregate".into()
                } else {
                    "HashAggregate".into()
                }
            }
            Plan::Sort { .. } => "Sort".into(),
            Plan::Limit { .. } => "Limit".into(),
            Plan::Distinct { .. } => "HashAggregate (distinct)".into(),
            Plan::SetOp { op, all, .. } => format!(
                "{}{}",
                match op {
                    SetOpKind::Union => "Append (union",
                    SetOpKind::Intersect => "HashSetOp Intersect (",
                    SetOpKind::Except => "HashSetOp Except (",
                },
                if *all { " all)" } else { ")" }
            ),
        };
        out.push(format!("{pad}{line}"));
        for child in self.children() {
            child.explain(out, depth + 1);
        }
    }

    /// Direct inputs.
    pub fn children(&self) -> Vec<&Plan> {
        match self {
            Plan::Scan { .. } | Plan::Values { .. } => vec![],
            Plan::Filter { input, .. }
            | Plan::Project { input, .. }
            | Plan::Aggregate { input, .. }
            | Plan::Sort { input, .. }
            | Plan::Limit { input, .. }
            | Plan::Distinct { input } => vec![input],
            Plan::NestedLoopJoin { left, right, .. }
            | Plan::HashJoin { left, right, .. }
            | Plan::SetOp { left, right, .. } => vec![left, right],
        }
    }
}

fn kind_name(kind: JoinKind) -> &'static str {
    match kind {
        JoinKind::Inner => "",
        JoinKind::Left => " Left",
        JoinKind::Right => " Right",
        JoinKind::Full => " Full",
    }
}
