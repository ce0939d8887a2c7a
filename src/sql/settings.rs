//! Session settings: `SET`, `SHOW`, `RESET` and the values PostgreSQL clients expect.
//!
//! Settings are a name → text map per session. SET is transactional: the session snapshots
//! the map at BEGIN and restores it on rollback; SET LOCAL records the previous value to undo
//! when the transaction ends. Names are case-insensitive; unknown names are 42704 as in
//! PostgreSQL, except names with a dot (custom settings).

use super::SqlError;
use super::binder::naming::ident;
use super::result::{Column, QueryResult};
use super::session::{Block, Level, Session, aborted, warning};
use super::types::{DataType, Value};
use sqlparser::ast;
use std::time::Duration;

pub(super) const SETTINGS: &[(&str, &str)] = &[
    ("application_name", ""),
    ("client_encoding", "UTF8"),
    ("client_min_messages", "notice"),
    ("datestyle", "ISO, MDY"),
    ("default_transaction_isolation", "read committed"),
    ("default_transaction_read_only", "off"),
    ("extra_float_digits", "1"),
    ("idle_in_transaction_session_timeout", "0"),
    ("integer_datetimes", "on"),
    ("intervalstyle", "postgres"),
    ("is_superuser", "on"),
    ("lock_timeout", "0"),
    ("search_path", "\"$user\", public"),
    ("serializable_mode", "ssi"),
    ("server_encoding", "UTF8"),
    ("server_version", "15.0 (isodb 0.1)"),
    ("server_version_num", "150000"),
    ("standard_conforming_strings", "on"),
    ("statement_timeout", "0"),
    ("synchronous_commit", "on"),
    ("timezone", "UTC"),
];

impl Session {
    pub(super) fn set(&mut self, set: &ast::Set) -> Result<QueryResult, SqlError> {
        match set {
            ast::Set::SingleAssignment {
                variable,
                values,
                scope,
                ..
            } => {
                let name = dotted_name(variable);
                let value = values
                    .iter()
                    .map(setting_text)
                    .collect::<Vec<_>>()
                    .join(", ");
                let local = matches!(scope, Some(ast::ContextModifier::Local));
                if self.block == Block::Implicit && self.settings_at_begin.is_none() {
                    self.settings_at_begin = Some(self.settings.clone());
                }
                let previous = self.setting(&name).map(str::to_string);
                self.assign(&name, &value)?;
                if local {
                    if self.block == Block::None {
                        let mut r = QueryResult::command("SET");
                        r.notices.push(warning(
                            "25P01",
                            "SET LOCAL can only be used in transaction blocks",
                        ));
                        if let Some(p) = previous {
                            self.settings.insert(name.to_ascii_lowercase(), p);
                        }
                        return Ok(r);
                    }
                    if let Some(p) = previous {
                        self.local_settings.push((name.to_ascii_lowercase(), p));
                    }
                }
                Ok(QueryResult::command("SET"))
            }
            ast::Set::SetTimeZone { value, .. } => {
                self.assign("timezone", &setting_text(value))?;
                Ok(QueryResult::command("SET"))
            }
            ast::Set::SetTransaction { modes, .. } => {
                let (level, read_only) = self.modes(modes);
                match self.block {
                    Block::None => {
                        let mut r = QueryResult::command("SET");
                        r.notices.push(warning(
                            "25P01",
                            "SET TRANSACTION can only be used in transaction blocks",
                        ));
                        Ok(r)
                    }
                    Block::Failed => Err(aborted()),
                    Block::Open | Block::Implicit => {
                        if self.open.as_ref().is_some_and(|o| o.used) {
                            return Err(SqlError::new(
                                "25001",
                                "SET TRANSACTION ISOLATION LEVEL must be called before any query",
                            ));
                        }
                        if let Some(o) = self.open.take() {
                            o.txn.rollback();
                        }
                        self.open = Some(self.new_txn(level, read_only));
                        Ok(QueryResult::command("SET"))
                    }
                }
            }
            _ => Err(SqlError::feature_not_supported(
                "this SET form is not supported",
            )),
        }
    }

    pub(super) fn assign(&mut self, name: &str, value: &str) -> Result<(), SqlError> {
        let name = name.to_ascii_lowercase();
        let lowered = value.to_ascii_lowercase();
        if lowered == "default" {
            if let Some((_, d)) = SETTINGS.iter().find(|(k, _)| *k == name) {
                self.settings.insert(name, d.to_string());
            }
            return Ok(());
        }
        let invalid = || {
            SqlError::new(
                "22023",
                format!("invalid value for parameter \"{name}\": \"{value}\""),
            )
        };
        let value = match name.as_str() {
            "default_transaction_isolation" | "transaction_isolation" => {
                let level = Level::parse(value).ok_or_else(invalid)?;
                if name == "transaction_isolation" {
                    return Err(SqlError::feature_not_supported(
                        "use SET TRANSACTION ISOLATION LEVEL",
                    ));
                }
                level.name().to_string()
            }
            "serializable_mode" => match lowered.as_str() {
                "ssi" | "2pl" => lowered,
                _ => return Err(invalid().with_hint("Available values: ssi, 2pl.")),
            },
            "server_version" | "server_encoding" | "integer_datetimes" | "is_superuser"
            | "server_version_num" => {
                return Err(SqlError::new(
                    "55P02",
                    format!("parameter \"{name}\" cannot be changed"),
                ));
            }
            _ if SETTINGS.iter().any(|(k, _)| *k == name) || name.contains('.') => {
                value.to_string()
            }
            _ => {
                return Err(SqlError::new(
                    "42704",
                    format!("unrecognized configuration parameter \"{name}\""),
                ));
            }
        };
        self.settings.insert(name, value);
        Ok(())
    }

    pub(super) fn show(&mut self, variable: &[ast::Ident]) -> Result<QueryResult, SqlError> {
        let words: Vec<String> = variable.iter().map(ident).collect();
        let spaced = words.join(" ").to_ascii_lowercase();
        // SHOW's multi-word names; otherwise the words are a dotted custom name (`my.opt`).
        let name = match spaced.as_str() {
            "all" | "time zone" | "transaction isolation level" | "session authorization" => spaced,
            _ => words.join(".").to_ascii_lowercase(),
        };
        let text_col = |n: &str| Column {
            name: n.to_string(),
            ty: DataType::Text,
        };
        if name == "all" {
            let rows = self
                .settings
                .iter()
                .map(|(k, v)| vec![Value::Text(k.clone()), Value::Text(v.clone())])
                .collect();
            return Ok(QueryResult::rows(
                vec![text_col("name"), text_col("setting")],
                rows,
                "SHOW",
            ));
        }
        let value = match name.as_str() {
            "transaction_isolation" | "transaction isolation level" => match &self.open {
                Some(o) => o.level.name().to_string(),
                None => self.default_level().name().to_string(),
            },
            "transaction_read_only" => {
                let ro = match &self.open {
                    Some(o) => o.read_only,
                    None => self.setting("default_transaction_read_only") == Some("on"),
                };
                if ro { "on" } else { "off" }.to_string()
            }
            "time zone" => self.setting("timezone").unwrap_or("UTC").to_string(),
            _ => self.setting(&name).map(str::to_string).ok_or_else(|| {
                SqlError::new(
                    "42704",
                    format!("unrecognized configuration parameter \"{name}\""),
                )
            })?,
        };
        // PostgreSQL names the column by the setting's canonical spelling.
        let col = match name.as_str() {
            "transaction isolation level" => "transaction_isolation".to_string(),
            "datestyle" => "DateStyle".to_string(),
            "timezone" | "time zone" => "TimeZone".to_string(),
            "intervalstyle" => "IntervalStyle".to_string(),
            _ => name,
        };
        Ok(QueryResult::rows(
            vec![text_col(&col)],
            vec![vec![Value::Text(value)]],
            "SHOW",
        ))
    }

    pub(super) fn reset(&mut self, r: &ast::ResetStatement) -> Result<QueryResult, SqlError> {
        match &r.reset {
            ast::Reset::ALL => {
                for (k, v) in SETTINGS {
                    self.settings.insert(k.to_string(), v.to_string());
                }
            }
            ast::Reset::ConfigurationParameter(n) => self.assign(&dotted_name(n), "default")?,
            ast::Reset::SessionAuthorization => {}
        }
        Ok(QueryResult::command("RESET"))
    }

    /// A duration setting (`lock_timeout`, `statement_timeout`, ...) in PostgreSQL's units:
    /// a bare number is milliseconds; `us`, `ms`, `s`, `min`, `h`, `d` suffixes. Zero (or a
    /// value that does not parse) means none.
    pub fn duration_setting(&self, name: &str) -> Option<Duration> {
        let v = self.setting(name)?.trim();
        let split = v
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(v.len());
        let n: f64 = v[..split].parse().ok()?;
        let ms = match v[split..].trim() {
            "" | "ms" => n,
            "us" => n / 1000.0,
            "s" => n * 1000.0,
            "min" => n * 60_000.0,
            "h" => n * 3_600_000.0,
            "d" => n * 86_400_000.0,
            _ => return None,
        };
        (ms > 0.0).then(|| Duration::from_secs_f64(ms / 1000.0))
    }
}

/// A setting's name as written, dots kept (`SET my.opt = 1` names `my.opt`).
fn dotted_name(n: &ast::ObjectName) -> String {
    n.0.iter()
        .map(|p| match p {
            ast::ObjectNamePart::Identifier(i) => ident(i),
            other => other.to_string().to_lowercase(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn setting_text(e: &ast::Expr) -> String {
    match e {
        ast::Expr::Value(v) => match &v.value {
            ast::Value::SingleQuotedString(s) => s.clone(),
            ast::Value::Number(n, _) => n.clone(),
            ast::Value::Boolean(b) => if *b { "on" } else { "off" }.to_string(),
            other => other.to_string(),
        },
        ast::Expr::Identifier(i) => i.value.clone(),
        other => other.to_string(),
    }
}
