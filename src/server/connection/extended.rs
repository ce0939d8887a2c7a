//! The extended query protocol's messages: Parse, Bind, Describe, Execute, Close (Sync is
//! the connection's, since it also ends the simple protocol's implicit transactions). See the
//! parent module for the lifetimes of statements and portals.

use super::{Connection, End};
use crate::server::format::{
    check_formats, decode_param, format_at, row_description, type_from_oid,
};
use crate::sql::SqlError;
use crate::sql::prepared::Prepared;
use crate::sql::result::{QueryResult, TxnStatus};
use crate::sql::types::Value;
use pgwire::messages::PgWireBackendMessage;
use pgwire::messages::data::{NoData, ParameterDescription};
use pgwire::messages::extendedquery::{
    Bind, BindComplete, Close, CloseComplete, Describe, Execute, Parse, ParseComplete,
    PortalSuspended,
};
use std::sync::Arc;

/// A bound statement: its parameters, result formats, and once executed its result and how
/// many rows have been sent.
pub(super) struct Portal {
    pub(super) statement: Arc<Prepared>,
    params: Vec<Value>,
    formats: Vec<i16>,
    /// The result once executed, and how many rows have been sent.
    result: Option<(QueryResult, usize)>,
}

/// Result of one step: `Ok(Err((error, timed_out)))` is an error to report and then skip to
/// Sync; `Err` ends the connection.
type StepResult = Result<Result<(), (SqlError, bool)>, End>;

impl Connection {
    pub(super) async fn extended(&mut self, step: Step) -> Result<(), End> {
        if !self.in_batch {
            self.in_batch = true;
            self.session().begin_implicit();
        }
        let r = match step {
            Step::Parse(m) => self.parse(m).await,
            Step::Bind(m) => self.bind(m).await,
            Step::Describe(m) => self.describe(m).await,
            Step::Execute(m) => self.execute(m).await,
            Step::Close(m) => self.close(m).await,
        };
        match r {
            Ok(Ok(())) => Ok(()),
            Ok(Err((e, timed_out))) => {
                self.skipping = true;
                self.session().fail_block();
                self.send_error(e, timed_out).await
            }
            Err(end) => Err(end),
        }
    }

    async fn parse(&mut self, m: Parse) -> StepResult {
        let name = m.name.unwrap_or_default();
        if !name.is_empty() && self.statements.contains_key(&name) {
            let e = SqlError::new(
                "42P05",
                format!("prepared statement \"{name}\" already exists"),
            );
            return Ok(Err((e, false)));
        }
        let declared: Result<Vec<_>, _> = m.type_oids.iter().map(|o| type_from_oid(*o)).collect();
        let declared = match declared {
            Ok(d) => d,
            Err(e) => return Ok(Err((e, false))),
        };
        let query = m.query;
        let (r, timed_out) = self
            .on_session(move |s| s.prepare(&query, &declared))
            .await?;
        match r {
            Ok(p) => {
                self.statements.insert(name, Arc::new(p));
                self.send(PgWireBackendMessage::ParseComplete(ParseComplete::new()))
                    .await?;
                Ok(Ok(()))
            }
            Err(e) => Ok(Err((e, timed_out))),
        }
    }

    async fn bind(&mut self, m: Bind) -> StepResult {
        let r = self.bind_portal(m);
        if r.is_ok() {
            self.send(PgWireBackendMessage::BindComplete(BindComplete::new()))
                .await?;
        }
        Ok(r.map_err(|e| (e, false)))
    }

    fn bind_portal(&mut self, m: Bind) -> Result<(), SqlError> {
        let stmt_name = m.statement_name.unwrap_or_default();
        let statement = self
            .statements
            .get(&stmt_name)
            .cloned()
            .ok_or_else(|| missing_statement(&stmt_name))?;
        if self.session().status() == TxnStatus::Failed && !statement.ends_block() {
            return Err(SqlError::new(
                "25P02",
                "current transaction is aborted, commands ignored until end of transaction block",
            ));
        }
        let portal_name = m.portal_name.unwrap_or_default();
        if !portal_name.is_empty() && self.portals.contains_key(&portal_name) {
            return Err(SqlError::new(
                "42P03",
                format!("cursor \"{portal_name}\" already exists"),
            ));
        }
        let n = statement.params.len();
        if m.parameters.len() != n {
            return Err(SqlError::new(
                "08P01",
                format!(
                    "bind message supplies {} parameters, but prepared statement \"{stmt_name}\" requires {n}",
                    m.parameters.len()
                ),
            ));
        }
        check_formats(&m.parameter_format_codes, n, "parameter")?;
        check_formats(
            &m.result_column_format_codes,
            statement.columns.len(),
            "result",
        )?;
        let params = m
            .parameters
            .iter()
            .zip(&statement.params)
            .enumerate()
            .map(|(i, (bytes, ty))| {
                decode_param(
                    bytes.as_deref(),
                    ty,
                    format_at(&m.parameter_format_codes, i),
                )
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.portals.insert(
            portal_name,
            Portal {
                statement,
                params,
                formats: m.result_column_format_codes,
                result: None,
            },
        );
        Ok(())
    }

    async fn describe(&mut self, m: Describe) -> StepResult {
        let name = m.name.unwrap_or_default();
        let (columns, formats) = if m.target_type == b'S' {
            let Some(st) = self.statements.get(&name).cloned() else {
                return Ok(Err((missing_statement(&name), false)));
            };
            let oids = st.params.iter().map(|t| t.oid()).collect();
            self.send(PgWireBackendMessage::ParameterDescription(
                ParameterDescription::new(oids),
            ))
            .await?;
            (st.columns.clone(), Vec::new())
        } else {
            let Some(p) = self.portals.get(&name) else {
                return Ok(Err((missing_portal(&name), false)));
            };
            (p.statement.columns.clone(), p.formats.clone())
        };
        if columns.is_empty() {
            self.send(PgWireBackendMessage::NoData(NoData::new()))
                .await?;
        } else {
            self.send(PgWireBackendMessage::RowDescription(row_description(
                &columns, &formats,
            )))
            .await?;
        }
        Ok(Ok(()))
    }

    async fn execute(&mut self, m: Execute) -> StepResult {
        let name = m.name.unwrap_or_default();
        let Some(mut portal) = self.portals.remove(&name) else {
            return Ok(Err((missing_portal(&name), false)));
        };
        if portal.result.is_none() {
            let statement = portal.statement.clone();
            let params = std::mem::take(&mut portal.params);
            let (r, timed_out) = self
                .on_session(move |s| s.execute_prepared(&statement, &params))
                .await?;
            match r {
                Ok(r) => {
                    self.send_notices(&r).await?;
                    portal.result = Some((r, 0));
                }
                Err(e) => return Ok(Err((e, timed_out))),
            }
        }
        let Some((result, sent)) = portal.result.as_mut() else {
            return Ok(Ok(()));
        };
        let total = result.rows.len();
        let limit = if m.max_rows > 0 {
            m.max_rows as usize
        } else {
            usize::MAX
        };
        let from = *sent;
        let to = from.saturating_add(limit).min(total);
        let result = std::mem::take(result);
        self.send_rows(&result, from, to, &portal.formats).await?;
        let suspended = to < total;
        if suspended {
            self.send(PgWireBackendMessage::PortalSuspended(PortalSuspended::new()))
                .await?;
        } else if result.returns_rows() && result.tag.starts_with("SELECT") {
            self.complete(&format!("SELECT {}", to - from)).await?;
        } else {
            self.complete(&result.tag).await?;
        }
        portal.result = Some((result, to));
        self.portals.insert(name, portal);
        Ok(Ok(()))
    }

    async fn close(&mut self, m: Close) -> StepResult {
        let name = m.name.unwrap_or_default();
        if m.target_type == b'S' {
            self.statements.remove(&name);
        } else {
            self.portals.remove(&name);
        }
        self.send(PgWireBackendMessage::CloseComplete(CloseComplete::new()))
            .await?;
        Ok(Ok(()))
    }
}

pub(super) enum Step {
    Parse(Parse),
    Bind(Bind),
    Describe(Describe),
    Execute(Execute),
    Close(Close),
}

fn missing_statement(name: &str) -> SqlError {
    if name.is_empty() {
        SqlError::new("26000", "unnamed prepared statement does not exist")
    } else {
        SqlError::new(
            "26000",
            format!("prepared statement \"{name}\" does not exist"),
        )
    }
}

fn missing_portal(name: &str) -> SqlError {
    SqlError::new("34000", format!("portal \"{name}\" does not exist"))
}
