//! `LIKE` / `ILIKE` matching with PostgreSQL's rules.
//!
//! Design: the pattern is first compiled into tokens — literal character,
//! `_` (one character), `%` (any run) — applying the escape character the
//! way `like_escape()` does (escape, then any character, is that character
//! taken literally; `ESCAPE ''` makes every character but `%`/`_` literal).
//! A trailing lone escape becomes a token that raises 22025 *only when the
//! matcher reaches it*, exactly like PostgreSQL's `MatchText` (so
//! `'abc' LIKE 'x\'` is false, while `'ab\' LIKE 'ab\'` is an error).
//!
//! The matcher is an iterative port of `MatchText`: a `%` run is collapsed
//! (its `_`s consume characters up front), then the rest of the pattern is
//! tried at each text position whose character equals the next literal.
//! Because PostgreSQL's recursion returns "abort" once a later `%` has been
//! reached, only the innermost `%` ever needs retrying, so one saved
//! position replaces the recursion: no stack growth and O(n·m) worst case.
//! `ILIKE` lower-cases both sides per character, as PostgreSQL does for
//! UTF-8 with a deterministic collation.

use super::string::lower_char;
use crate::sql::error::SqlError;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tok {
    Lit(char),
    One,
    Many,
    /// An escape character with nothing after it.
    DanglingEscape,
}

fn escape_error() -> SqlError {
    SqlError::new("22025", "LIKE pattern must not end with escape character")
}

/// Validate the string of an `ESCAPE` clause: empty disables escaping, one
/// character is the escape, anything longer is 22025.
pub fn like_escape(escape: &str) -> Result<Option<char>, SqlError> {
    let mut it = escape.chars();
    match (it.next(), it.next()) {
        (None, _) => Ok(None),
        (Some(c), None) => Ok(Some(c)),
        _ => Err(SqlError::new("22025", "invalid escape string")
            .with_hint("Escape string must be empty or one character.")),
    }
}

fn compile(pattern: &str, escape: Option<char>, fold: bool) -> Vec<Tok> {
    let mut toks = Vec::with_capacity(pattern.len());
    let mut it = pattern.chars();
    let lit = |c: char| Tok::Lit(if fold { lower_char(c) } else { c });
    while let Some(c) = it.next() {
        if Some(c) == escape {
            match it.next() {
                Some(n) => toks.push(lit(n)),
                None => toks.push(Tok::DanglingEscape),
            }
        } else if c == '%' {
            toks.push(Tok::Many);
        } else if c == '_' {
            toks.push(Tok::One);
        } else {
            toks.push(lit(c));
        }
    }
    toks
}

/// LIKE / ILIKE with PostgreSQL's rules (`%`, `_`, default escape `\`,
/// `ESCAPE ''` as `None`).
pub fn like_match(
    text: &str,
    pattern: &str,
    escape: Option<char>,
    case_insensitive: bool,
) -> Result<bool, SqlError> {
    let toks = compile(pattern, escape, case_insensitive);
    let t: Vec<char> = if case_insensitive {
        text.chars().map(lower_char).collect()
    } else {
        text.chars().collect()
    };
    match_tokens(&t, &toks)
}

fn match_tokens(t: &[char], p: &[Tok]) -> Result<bool, SqlError> {
    let (mut ti, mut pi) = (0usize, 0usize);
    // Innermost `%`: pattern position after it, its first literal, and the
    // next text position to try.
    let mut star: Option<(usize, char, usize)> = None;
    loop {
        let mut failed = false;
        while ti < t.len() && pi < p.len() {
            match p[pi] {
                Tok::DanglingEscape => return Err(escape_error()),
                Tok::Lit(c) => {
                    if c != t[ti] {
                        failed = true;
                        break;
                    }
                    ti += 1;
                    pi += 1;
                }
                Tok::One => {
                    ti += 1;
                    pi += 1;
                }
                Tok::Many => {
                    pi += 1;
                    while pi < p.len() {
                        match p[pi] {
                            Tok::Many => pi += 1,
                            Tok::One => {
                                if ti >= t.len() {
                                    return Ok(false);
                                }
                                ti += 1;
                                pi += 1;
                            }
                            _ => break,
                        }
                    }
                    let first = match p.get(pi) {
                        None => return Ok(true),
                        Some(Tok::DanglingEscape) => return Err(escape_error()),
                        Some(Tok::Lit(c)) => *c,
                        Some(_) => return Ok(false),
                    };
                    match (ti..t.len()).find(|&i| t[i] == first) {
                        Some(i) => {
                            star = Some((pi, first, i + 1));
                            ti = i;
                        }
                        None => return Ok(false),
                    }
                }
            }
        }
        if !failed {
            if ti < t.len() {
                failed = true;
            } else {
                // End of text: only `%`s may remain.
                let rest_is_many = p[pi..].iter().all(|x| *x == Tok::Many);
                return Ok(rest_is_many);
            }
        }
        debug_assert!(failed);
        // Retry the innermost `%` at its next candidate position.
        let Some((sp, first, next)) = star else {
            return Ok(false);
        };
        match (next..t.len()).find(|&i| t[i] == first) {
            Some(i) => {
                star = Some((sp, first, i + 1));
                ti = i;
                pi = sp;
            }
            None => return Ok(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(t: &str, p: &str) -> Result<bool, SqlError> {
        like_match(t, p, Some('\\'), false)
    }

    #[test]
    fn wildcards() {
        assert_eq!(m("abc", "a%"), Ok(true));
        assert_eq!(m("abc", "%c"), Ok(true));
        assert_eq!(m("abc", "a_c"), Ok(true));
        assert_eq!(m("abc", "a_"), Ok(false));
        assert_eq!(m("", "%"), Ok(true));
        assert_eq!(m("", "_"), Ok(false));
        assert_eq!(m("aXbXc", "%b%c"), Ok(true));
        assert_eq!(m("mississippi", "%iss%pi"), Ok(true));
        assert_eq!(m("mississippi", "%iss%ppa"), Ok(false));
        assert_eq!(m("ab", "%_%_%"), Ok(true));
        assert_eq!(m("a", "%_%_%"), Ok(false));
        assert_eq!(m("héllo", "h_llo"), Ok(true));
        assert_eq!(m("a%", "a\\%"), Ok(true));
        assert_eq!(m("ab", "a\\%"), Ok(false));
    }

    #[test]
    fn escapes_are_lazy_errors() {
        assert_eq!(m("abc", "x\\"), Ok(false));
        assert_eq!(m("abc", "abc\\"), Ok(false));
        assert!(m("ab\\", "ab\\").is_err());
        assert!(like_match("x", "%#", Some('#'), false).is_err());
        assert_eq!(like_match("a\\b", "a\\b", None, false), Ok(true));
        assert_eq!(like_match("a\\b", "a\\b", Some('#'), false), Ok(true));
        assert_eq!(like_match("a%", "a#%", Some('#'), false), Ok(true));
        assert!(like_escape("xy").is_err());
        assert_eq!(like_escape(""), Ok(None));
    }

    #[test]
    fn case_insensitive() {
        assert_eq!(like_match("ABC", "a_c", Some('\\'), true), Ok(true));
        assert_eq!(like_match("ÀB", "àb", Some('\\'), true), Ok(true));
        assert_eq!(like_match("ab", "A%", Some('A'), true), Ok(false));
    }

    #[test]
    fn long_patterns_do_not_recurse() {
        let p = "%a".repeat(50_000);
        let t = "a".repeat(50_000);
        assert_eq!(m(&t, &p), Ok(true));
        assert_eq!(m(&t[1..], &p), Ok(false));
    }
}
