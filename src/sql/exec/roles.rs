//! CREATE / ALTER / DROP ROLE: the roles SCRAM logins are checked against (besides the
//! server's password file). Only LOGIN and PASSWORD mean anything; privileges are not
//! modelled, so the other role options are accepted and ignored.

use crate::catalog::roles::{self, RoleDef, ScramVerifier};
use crate::sql::SqlError;
use crate::sql::binder::naming::{ident, object_name};
use crate::txn::Transaction;
use sqlparser::ast;

fn password_text(p: &ast::Password) -> Result<Option<String>, SqlError> {
    match p {
        ast::Password::NullPassword => Ok(None),
        ast::Password::Password(ast::Expr::Value(v)) => match &v.value {
            ast::Value::SingleQuotedString(s) => Ok(Some(s.clone())),
            ast::Value::Null => Ok(None),
            other => Err(SqlError::new(
                "42601",
                format!("syntax error at or near \"{other}\""),
            )),
        },
        ast::Password::Password(e) => Err(SqlError::new(
            "42601",
            format!("syntax error at or near \"{e}\""),
        )),
    }
}

fn not_found(name: &str) -> SqlError {
    SqlError::new("42704", format!("role \"{name}\" does not exist"))
}

pub fn create_role(txn: &mut Transaction, cr: &ast::CreateRole) -> Result<(), SqlError> {
    let password = match &cr.password {
        Some(p) => password_text(p)?,
        None => None,
    };
    for n in &cr.names {
        let name = object_name(n);
        if roles::lock_role(txn, &name)? {
            if cr.if_not_exists {
                continue;
            }
            return Err(SqlError::new(
                "42710",
                format!("role \"{name}\" already exists"),
            ));
        }
        let role = RoleDef {
            name,
            login: cr.login.unwrap_or(false),
            password: password.as_deref().map(ScramVerifier::new),
        };
        roles::put_role(txn, &role)?;
    }
    Ok(())
}

pub fn alter_role(
    txn: &mut Transaction,
    name: &ast::Ident,
    op: &ast::AlterRoleOperation,
) -> Result<(), SqlError> {
    let name = ident(name);
    roles::lock_role(txn, &name)?;
    let mut role = roles::role(txn, &name)?.ok_or_else(|| not_found(&name))?;
    match op {
        ast::AlterRoleOperation::WithOptions { options } => {
            for o in options {
                match o {
                    ast::RoleOption::Login(b) => role.login = *b,
                    ast::RoleOption::Password(p) => {
                        role.password = password_text(p)?.as_deref().map(ScramVerifier::new)
                    }
                    _ => {}
                }
            }
        }
        ast::AlterRoleOperation::RenameRole { role_name } => {
            let new = ident(role_name);
            if roles::lock_role(txn, &new)? {
                return Err(SqlError::new(
                    "42710",
                    format!("role \"{new}\" already exists"),
                ));
            }
            roles::delete_role(txn, &name)?;
            role.name = new;
            // PostgreSQL clears an MD5 password on rename; a SCRAM verifier does not depend
            // on the name, so it is kept.
        }
        _ => {
            return Err(SqlError::feature_not_supported(
                "this ALTER ROLE form is not supported",
            ));
        }
    }
    roles::put_role(txn, &role)
}

pub fn drop_roles(
    txn: &mut Transaction,
    names: &[ast::ObjectName],
    if_exists: bool,
) -> Result<Vec<crate::sql::result::Notice>, SqlError> {
    let mut notices = Vec::new();
    for n in names {
        let name = object_name(n);
        if !roles::lock_role(txn, &name)? {
            if if_exists {
                notices.push(crate::sql::result::Notice {
                    severity: "NOTICE",
                    code: "00000",
                    message: format!("role \"{name}\" does not exist, skipping"),
                });
                continue;
            }
            return Err(not_found(&name));
        }
        roles::delete_role(txn, &name)?;
    }
    Ok(notices)
}
