//! The start of a connection: SSL/GSS negotiation (refused: the server speaks plain TCP on
//! loopback), the startup packet or a CancelRequest, and authentication.

use super::Shared;
use super::auth::AuthMethod;
use super::codec::{Phase, WireCodec};
use super::format::error_response;
use crate::catalog::roles::RoleDef;
use crate::sql::SqlError;
use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use pgwire::api::auth::sasl::scram::{ScramSecret, ScramServerAuth};
use pgwire::error::PgWireError;
use pgwire::messages::response::{GssEncResponse, SslResponse};
use pgwire::messages::startup::{Authentication, NegotiateProtocolVersion};
use pgwire::messages::{PgWireBackendMessage, PgWireFrontendMessage, SslNegotiationMetaMessage};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

pub type Wire = Framed<TcpStream, WireCodec>;

/// A client that finished startup and authentication.
pub struct Client {
    pub user: String,
    pub database: String,
    /// Startup parameters other than user and database (application_name, options, ...).
    pub params: BTreeMap<String, String>,
}

pub enum Outcome {
    Ready(Client),
    /// A CancelRequest was handled, or the client left or failed to authenticate.
    Done,
}

/// The startup phase must finish within this time, as PostgreSQL's `authentication_timeout`.
const STARTUP_TIMEOUT: Duration = Duration::from_secs(60);

pub async fn handshake(wire: &mut Wire, shared: &Shared) -> Result<Outcome, PgWireError> {
    match tokio::time::timeout(STARTUP_TIMEOUT, handshake_inner(wire, shared)).await {
        Ok(r) => r,
        Err(_) => Ok(Outcome::Done),
    }
}

async fn handshake_inner(wire: &mut Wire, shared: &Shared) -> Result<Outcome, PgWireError> {
    let startup = loop {
        let Some(msg) = wire.next().await else {
            return Ok(Outcome::Done);
        };
        match msg? {
            PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::PostgresSsl(_)) => {
                wire.send(PgWireBackendMessage::SslResponse(SslResponse::Refuse))
                    .await?;
            }
            PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::PostgresGss(_)) => {
                wire.send(PgWireBackendMessage::GssEncResponse(GssEncResponse::Refuse))
                    .await?;
            }
            PgWireFrontendMessage::SslNegotiation(SslNegotiationMetaMessage::None) => {
                wire.codec_mut().phase = Phase::Startup;
            }
            PgWireFrontendMessage::CancelRequest(c) => {
                if let Some(secret) = c.secret_key.as_i32() {
                    shared.cancel(c.pid, secret);
                }
                return Ok(Outcome::Done);
            }
            PgWireFrontendMessage::Startup(s) => break s,
            _ => {
                return fatal(
                    wire,
                    SqlError::new("08P01", "invalid startup packet layout"),
                )
                .await;
            }
        }
    };
    wire.codec_mut().phase = Phase::Typed;
    if startup.protocol_number_major != 3 {
        let e = SqlError::new(
            "0A000",
            format!(
                "unsupported frontend protocol {}.{}: server supports 3.0 to 3.0",
                startup.protocol_number_major, startup.protocol_number_minor
            ),
        );
        return fatal(wire, e).await;
    }
    let mut params = startup.parameters;
    if startup.protocol_number_minor > 0 {
        let unsupported = params
            .keys()
            .filter(|k| k.starts_with("_pq_."))
            .cloned()
            .collect();
        wire.feed(PgWireBackendMessage::NegotiateProtocolVersion(
            NegotiateProtocolVersion::new(0, unsupported),
        ))
        .await?;
    }
    let Some(user) = params.remove("user").filter(|u| !u.is_empty()) else {
        let e = SqlError::new(
            "28000",
            "no PostgreSQL user name specified in startup packet",
        );
        return fatal(wire, e).await;
    };
    let database = params
        .remove("database")
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| user.clone());
    if let AuthMethod::Scram(passwords) = &shared.config.auth
        && !scram(wire, shared, passwords, &user).await?
    {
        tracing::warn!(%user, "password authentication failed");
        let e = SqlError::new(
            "28P01",
            format!("password authentication failed for user \"{user}\""),
        );
        return fatal(wire, e).await;
    }
    Ok(Outcome::Ready(Client {
        user,
        database,
        params,
    }))
}

/// Runs a SCRAM-SHA-256 exchange; true when the client proved it knows the password.
/// The secret to check `user` against: the password file first, then `CREATE ROLE … LOGIN
/// PASSWORD`; a random one (and `false`) for a user with neither.
async fn secret_of(
    shared: &Shared,
    passwords: &super::Passwords,
    user: &str,
) -> (ScramSecret, bool) {
    let (file_secret, known) = passwords.secret(user);
    if known {
        return (file_secret, true);
    }
    let db = shared.db.clone();
    let name = user.to_string();
    let role = tokio::task::spawn_blocking(move || db.role(&name)).await;
    match role {
        Ok(Ok(Some(RoleDef {
            login: true,
            password: Some(v),
            ..
        }))) => (super::auth::verifier_secret(&v), true),
        _ => (file_secret, false),
    }
}

async fn scram(
    wire: &mut Wire,
    shared: &Shared,
    passwords: &super::Passwords,
    user: &str,
) -> Result<bool, PgWireError> {
    wire.send(PgWireBackendMessage::Authentication(Authentication::SASL(
        vec!["SCRAM-SHA-256".to_string()],
    )))
    .await?;
    let Some(PgWireFrontendMessage::PasswordMessageFamily(first)) =
        wire.next().await.transpose()?
    else {
        return Ok(false);
    };
    let first = first.into_sasl_initial_response()?;
    if first.auth_method != "SCRAM-SHA-256" {
        return Ok(false);
    }
    let (secret, known) = secret_of(shared, passwords, user).await;
    let server = ScramServerAuth::new();
    let data = first.data.unwrap_or_default();
    let Ok((server_first, waiting)) = server.on_client_first_message_with_secret(&data, secret)
    else {
        return Ok(false);
    };
    wire.send(PgWireBackendMessage::Authentication(
        Authentication::SASLContinue(Bytes::from(server_first)),
    ))
    .await?;
    let Some(PgWireFrontendMessage::PasswordMessageFamily(last)) = wire.next().await.transpose()?
    else {
        return Ok(false);
    };
    let last = last.into_sasl_response()?;
    match waiting.on_client_final_message(&last.data) {
        Ok(server_final) if known => {
            wire.feed(PgWireBackendMessage::Authentication(
                Authentication::SASLFinal(Bytes::from(server_final)),
            ))
            .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}

/// Sends a FATAL error; the connection then closes.
pub async fn fatal(wire: &mut Wire, e: SqlError) -> Result<Outcome, PgWireError> {
    wire.send(PgWireBackendMessage::ErrorResponse(error_response(
        &e, "FATAL",
    )))
    .await?;
    Ok(Outcome::Done)
}
