//! Names as PostgreSQL folds them, and the output column names it gives expressions.

use super::typing::{sql_type, typname};
use sqlparser::ast;

/// The output column name PostgreSQL gives an expression.
pub fn column_name(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Identifier(i) => ident(i),
        ast::Expr::CompoundIdentifier(parts) => parts.last().map(ident).unwrap_or_default(),
        ast::Expr::Function(f) => object_name(&f.name),
        // PostgreSQL names a cast after its target type.
        ast::Expr::Cast { data_type, .. } => match sql_type(data_type) {
            Ok(t) => typname(&t).to_string(),
            Err(_) => "?column?".into(),
        },
        ast::Expr::Nested(inner) => column_name(inner),
        ast::Expr::Case { .. } => "case".into(),
        ast::Expr::Exists { .. } => "exists".into(),
        ast::Expr::Value(v) if matches!(v.value, ast::Value::Boolean(_)) => "bool".into(),
        ast::Expr::TypedString(t) => sql_type(&t.data_type)
            .map(|t| typname(&t).to_string())
            .unwrap_or_else(|_| "?column?".into()),
        ast::Expr::Extract { .. } => "extract".into(),
        ast::Expr::Substring { .. } => "substring".into(),
        ast::Expr::Trim { .. } => "btrim".into(),
        ast::Expr::Position { .. } => "position".into(),
        ast::Expr::Ceil { .. } => "ceil".into(),
        ast::Expr::Floor { .. } => "floor".into(),
        ast::Expr::Interval(_) => "interval".into(),
        _ => "?column?".into(),
    }
}

/// An identifier as PostgreSQL folds it: unquoted names are lower-cased.
pub fn ident(i: &ast::Ident) -> String {
    match i.quote_style {
        Some(_) => i.value.clone(),
        None => i.value.to_lowercase(),
    }
}

/// The last part of an object name, folded (schemas are ignored: there is one, `public`).
pub fn object_name(n: &ast::ObjectName) -> String {
    match n.0.last() {
        Some(ast::ObjectNamePart::Identifier(i)) => ident(i),
        Some(other) => other.to_string().to_lowercase(),
        None => String::new(),
    }
}
