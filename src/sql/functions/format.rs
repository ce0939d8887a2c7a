//! `format(formatstr, VARIADIC "any")`, PostgreSQL's `text_format`.
//!
//! Design: a single left-to-right scan of the format string. A specifier is
//! `%[argpos$][-...][width | * | *argpos$](s|I|L)` or `%%`; arguments are
//! numbered from 1 and, without an explicit position, taken after the last
//! one used (an indirect width consumes one too). `%s` prints the value's
//! output text (NULL prints nothing), `%I` quotes it as an identifier (NULL
//! is 22004), `%L` as a literal (NULL prints `NULL`). Width counts
//! characters; a negative width (from `*`) left-aligns. Errors use
//! PostgreSQL's texts: `unterminated format() type specifier` and
//! `unrecognized format() type specifier "x"` (with the `%%` hint), `too few
//! arguments for format()`, `number is out of range` (22003) for positions
//! and widths beyond int4. Results are capped at 1 GB like a StringInfo.

use super::string::{quote_ident, quote_literal};
use crate::sql::error::SqlError;
use crate::sql::types::{DataType, Value, parse_text};

const HINT: &str = "For a single \"%\" use \"%%\".";
const MAX_ALLOC: usize = 0x3fff_ffff;

fn unterminated() -> SqlError {
    SqlError::invalid_parameter_value("unterminated format() type specifier").with_hint(HINT)
}

fn too_few() -> SqlError {
    SqlError::invalid_parameter_value("too few arguments for format()")
}

fn out_of_range() -> SqlError {
    SqlError::numeric_value_out_of_range("number is out of range")
}

/// Digits at `*i`, if any (`text_format_parse_digits`).
fn digits(f: &[char], i: &mut usize) -> Result<Option<i32>, SqlError> {
    let mut v: Option<i32> = None;
    while let Some(d) = f.get(*i).and_then(|c| c.to_digit(10)) {
        let cur = v.unwrap_or(0);
        v = Some(
            cur.checked_mul(10)
                .and_then(|x| x.checked_add(d as i32))
                .ok_or_else(out_of_range)?,
        );
        advance(f, i)?;
    }
    Ok(v)
}

/// ADVANCE_PARSE_POINTER: the specifier must not end here.
fn advance(f: &[char], i: &mut usize) -> Result<(), SqlError> {
    *i += 1;
    if *i >= f.len() {
        return Err(unterminated());
    }
    Ok(())
}

/// `format(fmt, args...)`; `args[0]` is the format string.
pub(crate) fn format(args: &[Value]) -> Result<Value, SqlError> {
    let fmt = match args.first() {
        Some(Value::Text(s) | Value::Bpchar(s)) => s,
        _ => return Ok(Value::Null),
    };
    let f: Vec<char> = fmt.chars().collect();
    let mut out = String::with_capacity(fmt.len());
    let mut arg = 1usize;
    let mut i = 0usize;
    while i < f.len() {
        if f[i] != '%' {
            out.push(f[i]);
            i += 1;
            continue;
        }
        advance(&f, &mut i)?;
        if f[i] == '%' {
            out.push('%');
            i += 1;
            continue;
        }
        // [argpos$] [-...] [width | * | *pos$]
        let mut argpos = None;
        let mut widthpos = None;
        let mut minus = false;
        let mut width: i64 = 0;
        let mut width_given = false;
        if let Some(n) = digits(&f, &mut i)? {
            if f[i] != '$' {
                width = n as i64;
                width_given = true;
            } else {
                if n == 0 {
                    return Err(arg_zero());
                }
                argpos = Some(n as usize);
                advance(&f, &mut i)?;
            }
        }
        if !width_given {
            while f[i] == '-' {
                minus = true;
                advance(&f, &mut i)?;
            }
            if f[i] == '*' {
                advance(&f, &mut i)?;
                match digits(&f, &mut i)? {
                    Some(n) => {
                        if f[i] != '$' {
                            return Err(SqlError::invalid_parameter_value(
                                "width argument position must be ended by \"$\"",
                            ));
                        }
                        if n == 0 {
                            return Err(arg_zero());
                        }
                        widthpos = Some(n as usize);
                        advance(&f, &mut i)?;
                    }
                    None => widthpos = Some(0),
                }
            } else if let Some(n) = digits(&f, &mut i)? {
                width = n as i64;
            }
        }
        let conv = f[i];
        if !matches!(conv, 's' | 'I' | 'L') {
            return Err(SqlError::invalid_parameter_value(format!(
                "unrecognized format() type specifier \"{conv}\""
            ))
            .with_hint(HINT));
        }
        i += 1;
        if let Some(wp) = widthpos {
            if wp > 0 {
                arg = wp;
            }
            let v = args.get(arg).ok_or_else(too_few)?;
            arg += 1;
            width = width_value(v)? as i64;
        }
        if let Some(ap) = argpos {
            arg = ap;
        }
        let v = args.get(arg).ok_or_else(too_few)?;
        arg += 1;
        let text = match (v, conv) {
            (Value::Null, 's') => String::new(),
            (Value::Null, 'L') => "NULL".to_string(),
            (Value::Null, _) => {
                return Err(SqlError::new(
                    "22004",
                    "null values cannot be formatted as an SQL identifier",
                ));
            }
            (v, c) => {
                let s = v.to_text().unwrap_or_default();
                match c {
                    'I' => quote_ident(&s),
                    'L' => quote_literal(&s),
                    _ => s,
                }
            }
        };
        append(&mut out, &text, width, minus)?;
    }
    Ok(Value::Text(out))
}

fn arg_zero() -> SqlError {
    SqlError::invalid_parameter_value(
        "format specifies argument 0, but arguments are numbered from 1",
    )
}

/// The value of a `*` width argument: NULL is 0, integers are used as is,
/// anything else goes through its text form and int4 input.
fn width_value(v: &Value) -> Result<i32, SqlError> {
    match v {
        Value::Null => Ok(0),
        Value::Int4(w) => Ok(*w),
        Value::Int2(w) => Ok(*w as i32),
        other => match parse_text(&other.to_text().unwrap_or_default(), &DataType::Int4)? {
            Value::Int4(w) => Ok(w),
            _ => Ok(0),
        },
    }
}

fn append(out: &mut String, s: &str, width: i64, minus: bool) -> Result<(), SqlError> {
    if width == 0 {
        out.push_str(s);
        return Ok(());
    }
    if width <= i32::MIN as i64 {
        return Err(SqlError::new("54000", "number is out of range"));
    }
    let left = minus || width < 0;
    let width = width.unsigned_abs() as usize;
    let pad = width.saturating_sub(s.chars().count());
    if out.len() + s.len() + pad > MAX_ALLOC {
        return Err(SqlError::new("54000", "out of memory").with_detail(format!(
            "Cannot enlarge string buffer containing {} bytes by {} more bytes.",
            out.len(),
            s.len() + pad
        )));
    }
    if left {
        out.push_str(s);
    }
    out.extend(std::iter::repeat_n(' ', pad));
    if !left {
        out.push_str(s);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(args: &[Value]) -> String {
        match format(args) {
            Ok(v) => v.to_text().unwrap_or_else(|| "NULL".into()),
            Err(e) => format!("{}: {}", e.code, e.message),
        }
    }
    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn specifiers() {
        assert_eq!(
            f(&[t("%s|%I|%L|%%"), t("a"), t("B c"), Value::Null]),
            "a|\"B c\"|NULL|%"
        );
        assert_eq!(f(&[t("%5s|%-5s|"), t("ab"), t("é")]), "   ab|é    |");
        assert_eq!(f(&[t("%*s|"), Value::Int4(-3), t("x")]), "x  |");
        assert_eq!(f(&[t("%1$s %1$I"), t("Ab")]), "Ab \"Ab\"");
        assert_eq!(f(&[t("%1$*s"), Value::Int4(1)]), "1");
        assert_eq!(
            f(&[t("%*2$s"), t("x"), Value::Int4(4)]),
            "22023: too few arguments for format()"
        );
        assert_eq!(
            f(&[t("abc%")]),
            "22023: unterminated format() type specifier"
        );
        assert_eq!(
            f(&[t("%-5-s"), Value::Int4(1)]),
            "22023: unrecognized format() type specifier \"-\""
        );
        assert_eq!(
            f(&[t("%2147483648$s"), Value::Int4(1)]),
            "22003: number is out of range"
        );
        assert_eq!(
            f(&[t("%*s"), Value::Int4(i32::MIN), t("x")]),
            "54000: number is out of range"
        );
        assert_eq!(
            f(&[t("%2000000000s"), t("x")]).split(':').next(),
            Some("54000")
        );
        assert_eq!(f(&[Value::Null, t("x")]), "NULL");
        assert_eq!(
            f(&[t("%0-s"), t("x")]),
            "22023: unrecognized format() type specifier \"-\""
        );
    }
}
