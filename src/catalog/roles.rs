//! Roles: `CREATE ROLE … LOGIN PASSWORD`, kept as catalog rows `role:<name>`.
//!
//! A password is never stored. What is kept is PostgreSQL's SCRAM-SHA-256 verifier: a random
//! salt, the iteration count, `StoredKey = SHA-256(HMAC(SaltedPassword, "Client Key"))` and
//! `ServerKey = HMAC(SaltedPassword, "Server Key")`, with `SaltedPassword` the PBKDF2 of the
//! password (RFC 5802, RFC 7677). That is enough to check a client's proof and to prove the
//! server to the client, and not enough to log in. Passwords are not SASLprep-normalised,
//! which differs from PostgreSQL only for non-ASCII passwords.

use super::CATALOG_TABLE;
use crate::codec;
use crate::sql::SqlError;
use crate::txn::Transaction;
use ring::{digest, hmac, pbkdf2};
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;

/// PostgreSQL's default `scram_iterations`.
pub const SCRAM_ITERATIONS: u32 = 4096;

/// A role as the catalog keeps it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoleDef {
    pub name: String,
    /// May the role log in (`LOGIN`)?
    pub login: bool,
    pub password: Option<ScramVerifier>,
}

/// A SCRAM-SHA-256 verifier; see the module documentation.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ScramVerifier {
    pub salt: Vec<u8>,
    pub iterations: u32,
    pub stored_key: Vec<u8>,
    pub server_key: Vec<u8>,
}

impl ScramVerifier {
    pub fn new(password: &str) -> ScramVerifier {
        let state = RandomState::new();
        let salt: Vec<u8> = (0..2u64)
            .flat_map(|i| {
                state
                    .hash_one((i, std::time::SystemTime::now()))
                    .to_le_bytes()
            })
            .collect();
        ScramVerifier::with_salt(password, salt, SCRAM_ITERATIONS)
    }

    pub fn with_salt(password: &str, salt: Vec<u8>, iterations: u32) -> ScramVerifier {
        let mut salted = [0u8; 32];
        pbkdf2::derive(
            pbkdf2::PBKDF2_HMAC_SHA256,
            NonZeroU32::new(iterations.max(1)).unwrap_or(NonZeroU32::MIN),
            &salt,
            password.as_bytes(),
            &mut salted,
        );
        let key = hmac::Key::new(hmac::HMAC_SHA256, &salted);
        let client_key = hmac::sign(&key, b"Client Key");
        let stored_key = digest::digest(&digest::SHA256, client_key.as_ref());
        let server_key = hmac::sign(&key, b"Server Key");
        ScramVerifier {
            salt,
            iterations,
            stored_key: stored_key.as_ref().to_vec(),
            server_key: server_key.as_ref().to_vec(),
        }
    }
}

fn role_key(name: &str) -> Vec<u8> {
    format!("role:{name}").into_bytes()
}

pub fn role(txn: &mut Transaction, name: &str) -> Result<Option<RoleDef>, SqlError> {
    match txn.get(CATALOG_TABLE, &role_key(name))? {
        Some(bytes) => Ok(Some(codec::decode(&bytes)?)),
        None => Ok(None),
    }
}

/// Locks the role's catalog row and reports whether the role exists (CREATE cannot race).
pub fn lock_role(txn: &mut Transaction, name: &str) -> Result<bool, SqlError> {
    Ok(txn.lock_row(CATALOG_TABLE, &role_key(name))?.is_some())
}

pub fn put_role(txn: &mut Transaction, role: &RoleDef) -> Result<(), SqlError> {
    let bytes = codec::encode(role)?;
    txn.put(CATALOG_TABLE, &role_key(&role.name), &bytes)?;
    Ok(())
}

pub fn delete_role(txn: &mut Transaction, name: &str) -> Result<(), SqlError> {
    txn.delete(CATALOG_TABLE, &role_key(name))?;
    Ok(())
}
