//! Client authentication: trust, or SCRAM-SHA-256 against a password file.
//!
//! Users come from the password file and from `CREATE ROLE … LOGIN PASSWORD` (the catalog's
//! SCRAM verifiers, `catalog::roles`); the file wins where both name a user. The password
//! file holds `user:password` lines (blank lines and `#` comments ignored). At
//! load each password becomes a SCRAM verifier (4,096 PBKDF2 iterations, as PostgreSQL
//! does), so no password is kept in memory. The SCRAM exchange itself is pgwire's
//! sans-I/O `ScramServerAuth`; an unknown user goes through the same exchange with a random
//! secret, so the client cannot tell unknown users from wrong passwords: both get 28P01.

use crate::catalog::roles::ScramVerifier;
use pgwire::api::auth::sasl::scram::ScramSecret;
use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::path::Path;

/// How clients prove who they are.
#[derive(Clone)]
pub enum AuthMethod {
    /// Anyone may connect as anyone (the default; loopback only).
    Trust,
    /// SCRAM-SHA-256 with the given users.
    Scram(std::sync::Arc<Passwords>),
}

/// SCRAM verifiers by user name (the same form `CREATE ROLE` stores).
pub struct Passwords {
    users: HashMap<String, ScramVerifier>,
}

/// Bytes that are unpredictable enough for salts and cancel keys (not for key material).
pub fn random_bytes(n: usize) -> Vec<u8> {
    let state = RandomState::new();
    let mut out = Vec::with_capacity(n + 8);
    let mut i = 0u64;
    while out.len() < n {
        out.extend_from_slice(&state.hash_one((i, std::time::Instant::now())).to_le_bytes());
        i += 1;
    }
    out.truncate(n);
    out
}

impl Passwords {
    /// Reads a `user:password` file.
    pub fn load(path: &Path) -> Result<Passwords, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read password file {}: {e}", path.display()))?;
        let mut users = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let Some((user, password)) = line.split_once(':') else {
                return Err(format!(
                    "{}:{}: expected user:password",
                    path.display(),
                    n + 1
                ));
            };
            users.insert(user.to_string(), ScramVerifier::new(password));
        }
        Ok(Passwords { users })
    }

    /// The user's verifier, or a random secret (and `false`) for an unknown user.
    pub fn secret(&self, user: &str) -> (ScramSecret, bool) {
        match self.users.get(user) {
            Some(v) => (verifier_secret(v), true),
            None => {
                let secret = ScramSecret::SaltedPassword {
                    salt: random_bytes(16),
                    salted_password: random_bytes(32),
                };
                (secret, false)
            }
        }
    }

    /// No users: logins can still come from `CREATE ROLE … LOGIN PASSWORD`.
    pub fn none() -> Passwords {
        Passwords {
            users: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.users.len()
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }
}

/// pgwire's form of a stored verifier.
pub fn verifier_secret(v: &ScramVerifier) -> ScramSecret {
    ScramSecret::Verifier {
        salt: v.salt.clone(),
        iterations: v.iterations as usize,
        stored_key: v.stored_key.clone(),
        server_key: v.server_key.clone(),
    }
}
