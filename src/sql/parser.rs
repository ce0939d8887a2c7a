//! Parsing: `sqlparser` with PostgreSQL's dialect, errors in PostgreSQL's shape.
//!
//! - The recursion limit is raised to [`RECURSION_LIMIT`] so deep expressions (SQLite's
//!   corpus has them) parse; `sqlparser`'s `recursive-protection` feature grows the stack on
//!   demand, so even a small thread stack does not overflow. Deeper input fails with 54001
//!   (`stack depth limit exceeded`), as PostgreSQL does, instead of crashing.
//! - Left-deep chains (`1 + 1 + … + 1`) are parsed by a loop, not recursion, so the limit does
//!   not bound them, but the resulting tree is as deep as the chain, and dropping or walking it
//!   recurses about 300 bytes of stack per level. So the SQL layer runs statements on threads
//!   with [`SQL_STACK_BYTES`] of stack (reserved, not resident) and refuses statements longer
//!   than [`MAX_STATEMENT_BYTES`]: the longest chain that fits in that text needs far less stack.
//! - A syntax error is 42601 with PostgreSQL's message form (`syntax error at or near "x"`,
//!   or `syntax error at end of input`), `sqlparser`'s explanation as the DETAIL, and the
//!   1-based character position of the offending token, which clients use to point at it.
//! - `sqlparser` does not know PostgreSQL's `[NOT] DEFERRABLE` transaction mode. When a
//!   `BEGIN` or `START TRANSACTION` carries it, the word (and its comma) is taken out of the
//!   token stream before parsing and `DEFERRABLE` is recorded as the statement's
//!   `TransactionModifier::Deferred`, a modifier PostgreSQL's dialect never produces itself.
//!   Statements are then parsed one `;`-separated group at a time, so each flag lands on its
//!   own statement; the tokens keep their positions, so error positions stay right.

use super::error::SqlError;
use sqlparser::ast::{Statement, TransactionModifier};
use sqlparser::dialect::PostgreSqlDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::{Parser, ParserError};
use sqlparser::tokenizer::{Token, TokenWithSpan, Tokenizer};

/// Deepest nesting accepted.
pub const RECURSION_LIMIT: usize = 2000;
/// Stack size of the threads that run SQL statements.
pub const SQL_STACK_BYTES: usize = 256 << 20;
/// Longest statement text accepted.
pub const MAX_STATEMENT_BYTES: usize = 1 << 20;

/// Parses one or more `;`-separated statements.
pub fn parse(sql: &str) -> Result<Vec<Statement>, SqlError> {
    if sql.len() > MAX_STATEMENT_BYTES {
        return Err(SqlError::new(
            "54000",
            format!(
                "statement of {} bytes is longer than the maximum of {MAX_STATEMENT_BYTES}",
                sql.len()
            ),
        ));
    }
    let dialect = PostgreSqlDialect {};
    let tokens = Tokenizer::new(&dialect, sql)
        .tokenize_with_location()
        .map_err(|e| convert(e.into(), sql))?;
    if !tokens
        .iter()
        .any(|t| is_word(&t.token, Keyword::DEFERRABLE))
    {
        return parse_tokens(tokens, sql);
    }
    let mut out = Vec::new();
    for group in tokens.split(|t| t.token == Token::SemiColon) {
        let mut group = group.to_vec();
        let deferrable = strip_deferrable(&mut group)?;
        let mut stmts = parse_tokens(group, sql)?;
        if deferrable && let Some(Statement::StartTransaction { modifier, .. }) = stmts.first_mut()
        {
            *modifier = Some(TransactionModifier::Deferred);
        }
        out.append(&mut stmts);
    }
    Ok(out)
}

fn parse_tokens(tokens: Vec<TokenWithSpan>, sql: &str) -> Result<Vec<Statement>, SqlError> {
    let dialect = PostgreSqlDialect {};
    Parser::new(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .with_tokens_with_locations(tokens)
        .parse_statements()
        .map_err(|e| convert(e, sql))
}

fn is_word(t: &Token, k: Keyword) -> bool {
    matches!(t, Token::Word(w) if w.keyword == k && w.quote_style.is_none())
}

/// Takes `[NOT] DEFERRABLE` (and a comma joining it to the other modes) out of one statement's
/// tokens if the statement is `BEGIN`, `START TRANSACTION` or `SET TRANSACTION`; returns
/// whether it said `DEFERRABLE`. Other statements (a constraint's `DEFERRABLE`) are left alone.
fn strip_deferrable(tokens: &mut Vec<TokenWithSpan>) -> Result<bool, SqlError> {
    let code: Vec<usize> = (0..tokens.len())
        .filter(|&i| !matches!(tokens[i].token, Token::Whitespace(_)))
        .collect();
    let word = |n: usize, k: Keyword| code.get(n).is_some_and(|&i| is_word(&tokens[i].token, k));
    let start =
        word(0, Keyword::BEGIN) || (word(0, Keyword::START) && word(1, Keyword::TRANSACTION));
    let set = word(0, Keyword::SET) && (word(1, Keyword::TRANSACTION) || word(1, Keyword::SESSION));
    if !start && !set {
        return Ok(false);
    }
    let mut deferrable = false;
    let mut remove = Vec::new();
    for (n, &i) in code.iter().enumerate() {
        if !is_word(&tokens[i].token, Keyword::DEFERRABLE) {
            continue;
        }
        let negated = n > 0 && word(n - 1, Keyword::NOT);
        let first = if negated { n - 1 } else { n };
        deferrable = !negated;
        remove.extend(first..=n);
        // The comma before it, or else the one after it.
        if first > 0
            && code
                .get(first - 1)
                .is_some_and(|&j| tokens[j].token == Token::Comma)
        {
            remove.push(first - 1);
        } else if code
            .get(n + 1)
            .is_some_and(|&j| tokens[j].token == Token::Comma)
        {
            remove.push(n + 1);
        }
    }
    if set && deferrable {
        return Err(SqlError::feature_not_supported(
            "SET TRANSACTION … DEFERRABLE is not supported; use BEGIN … READ ONLY, DEFERRABLE",
        ));
    }
    let drop: std::collections::HashSet<usize> = remove.into_iter().map(|n| code[n]).collect();
    let mut i = 0;
    tokens.retain(|_| {
        i += 1;
        !drop.contains(&(i - 1))
    });
    Ok(deferrable)
}

/// Parses one expression (stored DEFAULT and CHECK texts).
pub fn parse_expr(sql: &str) -> Result<sqlparser::ast::Expr, SqlError> {
    let dialect = PostgreSqlDialect {};
    Parser::new(&dialect)
        .with_recursion_limit(RECURSION_LIMIT)
        .try_with_sql(sql)
        .and_then(|mut p| p.parse_expr())
        .map_err(|e| convert(e, sql))
}

fn convert(e: ParserError, sql: &str) -> SqlError {
    match e {
        ParserError::RecursionLimitExceeded => SqlError::new("54001", "stack depth limit exceeded")
            .with_hint(format!(
                "The statement nests expressions deeper than {RECURSION_LIMIT} levels."
            )),
        ParserError::TokenizerError(msg) | ParserError::ParserError(msg) => {
            let position = position_of(&msg, sql);
            if msg.starts_with("Unterminated string literal") {
                // PostgreSQL quotes the rest of the input from the opening quote.
                let rest: String = position
                    .map(|p| sql.chars().skip(p as usize - 1).collect())
                    .unwrap_or_default();
                let mut err = SqlError::new(
                    "42601",
                    format!("unterminated quoted string at or near \"{rest}\""),
                );
                err.position = position;
                return err;
            }
            let message = match found_token(&msg) {
                Some(t) if t.eq_ignore_ascii_case("EOF") => "syntax error at end of input".into(),
                Some(t) => format!("syntax error at or near \"{t}\""),
                None => "syntax error".into(),
            };
            let mut err = SqlError::new("42601", message).with_detail(strip_location(&msg));
            err.position = position;
            err
        }
    }
}

/// The token `sqlparser` names after "found: ", if any.
fn found_token(msg: &str) -> Option<&str> {
    let rest = &msg[msg.find("found: ")? + 7..];
    let end = rest.find(" at Line:").unwrap_or(rest.len());
    Some(rest[..end].trim())
}

fn strip_location(msg: &str) -> String {
    match msg.find(" at Line:") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Converts "at Line: L, Column: C" into a 1-based character offset into `sql`.
fn position_of(msg: &str, sql: &str) -> Option<u32> {
    let rest = &msg[msg.rfind("Line: ")? + 6..];
    let line: usize = rest[..rest.find(',')?].trim().parse().ok()?;
    let rest = &rest[rest.find("Column: ")? + 8..];
    let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
    let column: usize = digits.parse().ok()?;
    let mut offset = 0usize;
    for (i, l) in sql.split('\n').enumerate() {
        if i + 1 == line {
            return u32::try_from(offset + column).ok();
        }
        offset += l.chars().count() + 1;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_parse() {
        let s = parse(
            "SELECT 1; CREATE TABLE t (a int PRIMARY KEY, b text); INSERT INTO t VALUES (1, 'x')",
        )
        .unwrap();
        assert_eq!(s.len(), 3);
        assert!(parse("").unwrap().is_empty());
    }

    #[test]
    fn syntax_errors_are_42601_with_a_position() {
        let e = parse("SELECT * FORM t").unwrap_err();
        assert_eq!(e.code, "42601");
        assert_eq!(e.message, "syntax error at or near \"t\"");
        assert_eq!(e.position, Some(15));
        let e = parse("SELECT (1").unwrap_err();
        assert_eq!(e.code, "42601");
        assert_eq!(e.message, "syntax error at end of input");
        let e = parse("SELECT 1;\nSELEC 2").unwrap_err();
        assert_eq!(e.code, "42601");
        assert_eq!(e.position, Some(11));
    }

    #[test]
    fn deep_nesting_neither_overflows_nor_crashes() {
        // Nesting, even on a small stack: recursion protection grows it as needed.
        let small = std::thread::Builder::new()
            .stack_size(256 << 10)
            .spawn(|| {
                let deep = format!("SELECT {}1{}", "(".repeat(500), ")".repeat(500));
                assert_eq!(parse(&deep).unwrap().len(), 1);
                let deeper = format!("SELECT {}1{}", "(".repeat(50_000), ")".repeat(50_000));
                assert_eq!(parse(&deeper).unwrap_err().code, "54001");
            })
            .unwrap();
        small.join().unwrap();
        // The longest left-deep chain the length limit lets through, on an SQL thread.
        let sql_thread = std::thread::Builder::new()
            .stack_size(SQL_STACK_BYTES)
            .spawn(|| {
                let terms = (MAX_STATEMENT_BYTES - 16) / 2;
                let sum = format!("SELECT 1{}", "+1".repeat(terms));
                assert_eq!(parse(&sum).unwrap().len(), 1);
                let too_long = format!("SELECT 1{}", "+1".repeat(terms + 16));
                assert_eq!(parse(&too_long).unwrap_err().code, "54000");
            })
            .unwrap();
        sql_thread.join().unwrap();
    }
}
