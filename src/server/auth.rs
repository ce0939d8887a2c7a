//! Client authentication: trust, or SCRAM-SHA-256 against a password file.
//!
//! Users come from the password file and from `CREATE ROLE … LOGIN PASSWORD` (the catalog's
//! SCRAM verifiers, `catalog::roles`); the file wins where both name a user. The password
//! file holds `user:password` lines (blank lines and `#` comments ignored). At
//! load each password is salted and hashed once (4,096 PBKDF2 iterations, as PostgreSQL
//! does), so only the salted form is kept in memory. The SCRAM exchange itself is pgwire's
//! sans-I/O `ScramServerAuth`; an unknown user goes through the same exchange with a random
//! secret, so the client cannot tell unknown users from wrong passwords: both get 28P01.

use pgwire::api::auth::sasl::scram::{SCRAM_ITERATIONS, ScramSecret, gen_salted_password};
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

/// Salted passwords by user name.
pub struct Passwords {
    users: HashMap<String, (Vec<u8>, Vec<u8>)>,
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
            users.insert(user.to_string(), Passwords::salt(password));
        }
        Ok(Passwords { users })
    }

    fn salt(password: &str) -> (Vec<u8>, Vec<u8>) {
        let salt = random_bytes(16);
        let salted = gen_salted_password(password, &salt, SCRAM_ITERATIONS);
        (salt, salted)
    }

    /// The user's salted password, or a random one (and `false`) for an unknown user.
    pub fn secret(&self, user: &str) -> (ScramSecret, bool) {
        let (salt, salted_password, known) = match self.users.get(user) {
            Some((salt, salted)) => (salt.clone(), salted.clone(), true),
            None => (random_bytes(16), random_bytes(32), false),
        };
        let secret = ScramSecret::SaltedPassword {
            salt,
            salted_password,
        };
        (secret, known)
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
