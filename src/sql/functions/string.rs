//! String functions (`length`, `substr`, `lpad`, `split_part`, `concat`,
//! `quote_ident`, ...) with PostgreSQL 15's semantics for a UTF-8 database.
//!
//! Design: every function works on characters (never byte offsets), so no
//! input can split a code point; positions and counts use `i64` arithmetic so
//! PostgreSQL's extreme arguments (`substr(s, -2147483648, 2147483647)`,
//! `right(s, -2147483648)`) cannot overflow. Rules followed:
//! - `length(bpchar)` ignores trailing spaces, `octet_length(bpchar)` counts
//!   them; text functions see char(n) values without their padding;
//! - `substr` uses PostgreSQL's window rule (start may be <= 0) and raises
//!   22011 for a negative length; `split_part` allows negative field numbers
//!   and raises 22023 for zero;
//! - `repeat`/`lpad`/`rpad`/`translate` check PostgreSQL's 1 GB allocation
//!   limit up front (54000 `requested length too large`);
//! - `lower`/`upper`/`initcap` map one character to one character, as
//!   `towlower`/`towupper` do (`upper('ß')` stays `ß`);
//! - `concat`/`concat_ws` skip NULLs and print values with their output
//!   function; `quote_literal(anyelement)` goes through the text cast;
//!   `format()` is in `format`.

use super::md5::md5_hex;
use super::{BPCHAR, BYTEA, INT4, INT8, Op, P, Sig, TEXT, i32_arg, i64_arg, text_arg, wrong_arg};
use crate::sql::error::SqlError;
use crate::sql::types::{DataType, Value, cast};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StrOp {
    CharLen,
    BpcharLen,
    OctetLen,
    ByteaLen,
    BitLen,
    ByteaBitLen,
    Lower,
    Upper,
    Initcap,
    Substr,
    ByteaSubstr,
    Format,
    Position,
    ByteaPosition,
    Left,
    Right,
    Repeat,
    Reverse,
    Lpad,
    Rpad,
    Ltrim,
    Rtrim,
    Btrim,
    ByteaLtrim,
    ByteaRtrim,
    ByteaBtrim,
    Replace,
    Translate,
    SplitPart,
    StartsWith,
    Concat,
    ConcatWs,
    Chr,
    Ascii,
    Md5,
    ByteaMd5,
    ToHex,
    QuoteLiteral,
    QuoteNullable,
    QuoteIdent,
    Version,
    CurrentSchema,
}

/// What `version()` answers: PostgreSQL's shape, which client libraries parse.
pub const VERSION: &str =
    "PostgreSQL 15.0 (isodb 0.1) on x86_64-pc-linux-gnu, compiled by rustc, 64-bit";

use StrOp::*;

const fn s(name: &'static str, args: &'static [P], ret: DataType, op: StrOp) -> Sig {
    Sig::new(name, args, ret, Op::Str(op))
}
const T: DataType = DataType::Text;
const I: DataType = DataType::Int4;
const ANY: P = P::AnyElement;

pub(crate) const SIGS: &[Sig] = &[
    s("length", &[TEXT], I, CharLen),
    s("length", &[BPCHAR], I, BpcharLen),
    s("length", &[BYTEA], I, ByteaLen),
    s("char_length", &[TEXT], I, CharLen),
    s("char_length", &[BPCHAR], I, BpcharLen),
    s("character_length", &[TEXT], I, CharLen),
    s("character_length", &[BPCHAR], I, BpcharLen),
    s("octet_length", &[TEXT], I, OctetLen),
    s("octet_length", &[BPCHAR], I, OctetLen),
    s("octet_length", &[BYTEA], I, ByteaLen),
    s("bit_length", &[TEXT], I, BitLen),
    s("bit_length", &[BYTEA], I, ByteaBitLen),
    s("lower", &[TEXT], T, Lower),
    s("upper", &[TEXT], T, Upper),
    s("initcap", &[TEXT], T, Initcap),
    s("substr", &[TEXT, INT4], T, Substr),
    s("substr", &[TEXT, INT4, INT4], T, Substr),
    s("substr", &[BYTEA, INT4], DataType::Bytea, ByteaSubstr),
    s("substr", &[BYTEA, INT4, INT4], DataType::Bytea, ByteaSubstr),
    s("substring", &[TEXT, INT4], T, Substr),
    s("substring", &[TEXT, INT4, INT4], T, Substr),
    s("substring", &[BYTEA, INT4], DataType::Bytea, ByteaSubstr),
    s(
        "substring",
        &[BYTEA, INT4, INT4],
        DataType::Bytea,
        ByteaSubstr,
    ),
    s("position", &[TEXT, TEXT], I, Position),
    s("position", &[BYTEA, BYTEA], I, ByteaPosition),
    s("strpos", &[TEXT, TEXT], I, Position),
    s("left", &[TEXT, INT4], T, Left),
    s("right", &[TEXT, INT4], T, Right),
    s("repeat", &[TEXT, INT4], T, Repeat),
    s("reverse", &[TEXT], T, Reverse),
    s("lpad", &[TEXT, INT4], T, Lpad),
    s("lpad", &[TEXT, INT4, TEXT], T, Lpad),
    s("rpad", &[TEXT, INT4], T, Rpad),
    s("rpad", &[TEXT, INT4, TEXT], T, Rpad),
    s("ltrim", &[TEXT], T, Ltrim),
    s("ltrim", &[TEXT, TEXT], T, Ltrim),
    s("ltrim", &[BYTEA, BYTEA], DataType::Bytea, ByteaLtrim),
    s("rtrim", &[TEXT], T, Rtrim),
    s("rtrim", &[TEXT, TEXT], T, Rtrim),
    s("rtrim", &[BYTEA, BYTEA], DataType::Bytea, ByteaRtrim),
    s("btrim", &[TEXT], T, Btrim),
    s("btrim", &[TEXT, TEXT], T, Btrim),
    s("btrim", &[BYTEA, BYTEA], DataType::Bytea, ByteaBtrim),
    s("replace", &[TEXT, TEXT, TEXT], T, Replace),
    s("translate", &[TEXT, TEXT, TEXT], T, Translate),
    s("split_part", &[TEXT, TEXT, INT4], T, SplitPart),
    s("starts_with", &[TEXT, TEXT], DataType::Bool, StartsWith),
    s("concat", &[], T, Concat).variadic().non_strict(),
    s("concat_ws", &[TEXT], T, ConcatWs).variadic().non_strict(),
    s("chr", &[INT4], T, Chr),
    s("ascii", &[TEXT], I, Ascii),
    s("version", &[], T, Version),
    s("current_schema", &[], T, CurrentSchema),
    s("md5", &[TEXT], T, Md5),
    s("md5", &[BYTEA], T, ByteaMd5),
    s("to_hex", &[INT4], T, ToHex),
    s("to_hex", &[INT8], T, ToHex),
    s("quote_literal", &[TEXT], T, QuoteLiteral),
    s("quote_literal", &[ANY], T, QuoteLiteral),
    s("quote_nullable", &[TEXT], T, QuoteNullable).non_strict(),
    s("quote_nullable", &[ANY], T, QuoteNullable).non_strict(),
    s("quote_ident", &[TEXT], T, QuoteIdent),
    s("format", &[TEXT], T, Format).non_strict(),
    s("format", &[TEXT], T, Format).variadic().non_strict(),
];

/// MaxAllocSize: the largest result PostgreSQL will build.
const MAX_ALLOC: i64 = 0x3fff_ffff;

fn too_large() -> SqlError {
    SqlError::new("54000", "requested length too large")
}

fn text(s: impl Into<String>) -> Result<Value, SqlError> {
    Ok(Value::Text(s.into()))
}

fn int(n: usize) -> Result<Value, SqlError> {
    i32::try_from(n)
        .map(Value::Int4)
        .map_err(|_| SqlError::integer_out_of_range())
}

fn bytes_arg<'a>(args: &'a [Value], i: usize, f: &str) -> Result<&'a [u8], SqlError> {
    match args.get(i) {
        Some(Value::Bytea(b)) => Ok(b),
        _ => Err(wrong_arg(f)),
    }
}

pub(crate) fn eval(op: StrOp, args: &[Value]) -> Result<Value, SqlError> {
    let f = "string function";
    let t = |i: usize| text_arg(args, i, f);
    let n = |i: usize| i32_arg(args, i, f);
    let b = |i: usize| bytes_arg(args, i, f);
    match op {
        CharLen => int(t(0)?.chars().count()),
        BpcharLen => int(t(0)?.chars().count()),
        OctetLen => match args.first() {
            Some(Value::Text(s) | Value::Bpchar(s)) => int(s.len()),
            _ => Err(wrong_arg(f)),
        },
        ByteaLen => int(b(0)?.len()),
        BitLen => int(t(0)?.len().saturating_mul(8)),
        ByteaBitLen => int(b(0)?.len().saturating_mul(8)),
        Lower => text(t(0)?.chars().map(lower_char).collect::<String>()),
        Upper => text(t(0)?.chars().map(upper_char).collect::<String>()),
        Initcap => text(initcap(t(0)?)),
        Substr => {
            let s = t(0)?;
            let len = s.chars().count() as i64;
            let count = if args.len() > 2 { Some(n(2)?) } else { None };
            let (from, to) = substr_window(len, n(1)?, count)?;
            text(char_slice(s, from, to))
        }
        ByteaSubstr => {
            let v = b(0)?;
            let count = if args.len() > 2 { Some(n(2)?) } else { None };
            let (from, to) = substr_window(v.len() as i64, n(1)?, count)?;
            Ok(Value::Bytea(v[from..to].to_vec()))
        }
        Format => super::format::format(args),
        Position => {
            let (hay, needle) = (t(0)?, t(1)?);
            match hay.find(needle) {
                Some(at) => int(hay[..at].chars().count() + 1),
                None => int(0),
            }
        }
        ByteaPosition => {
            let (hay, needle) = (b(0)?, b(1)?);
            if needle.is_empty() {
                return int(1);
            }
            let pos = hay.windows(needle.len()).position(|w| w == needle);
            int(pos.map_or(0, |p| p + 1))
        }
        Left | Right => {
            let s = t(0)?;
            let len = s.chars().count() as i64;
            let k = n(1)? as i64;
            let (from, to) = match (op, k >= 0) {
                (Left, true) => (0, k.min(len)),
                (Left, false) => (0, (len + k).max(0)),
                (_, true) => ((len - k).max(0), len),
                (_, false) => ((-k).min(len), len),
            };
            text(char_slice(s, from as usize, to as usize))
        }
        Repeat => {
            let (s, count) = (t(0)?, n(1)?);
            if count <= 0 {
                return text("");
            }
            if count as i64 * s.len() as i64 + 4 > MAX_ALLOC {
                return Err(too_large());
            }
            text(s.repeat(count as usize))
        }
        Reverse => text(t(0)?.chars().rev().collect::<String>()),
        Lpad | Rpad => {
            let fill = if args.len() > 2 { t(2)? } else { " " };
            pad(t(0)?, n(1)?, fill, op == Lpad)
        }
        Ltrim | Rtrim | Btrim => {
            let set = if args.len() > 1 { t(1)? } else { " " };
            let s = t(0)?;
            let in_set = |c: char| set.contains(c);
            text(match op {
                Ltrim => s.trim_start_matches(in_set),
                Rtrim => s.trim_end_matches(in_set),
                _ => s.trim_matches(in_set),
            })
        }
        ByteaLtrim | ByteaRtrim | ByteaBtrim => {
            let (v, set) = (b(0)?, b(1)?);
            let start = if op == ByteaRtrim {
                0
            } else {
                v.iter().position(|x| !set.contains(x)).unwrap_or(v.len())
            };
            let end = if op == ByteaLtrim {
                v.len()
            } else {
                v.iter()
                    .rposition(|x| !set.contains(x))
                    .map_or(0, |p| p + 1)
            };
            Ok(Value::Bytea(v[start..end.max(start)].to_vec()))
        }
        Replace => {
            let (s, from, to) = (t(0)?, t(1)?, t(2)?);
            if from.is_empty() {
                return text(s);
            }
            text(s.replace(from, to))
        }
        Translate => translate(t(0)?, t(1)?, t(2)?),
        SplitPart => split_part(t(0)?, t(1)?, n(2)?),
        StartsWith => Ok(Value::Bool(t(0)?.starts_with(t(1)?))),
        Concat => text(concat_values(args, "")),
        ConcatWs => match args.first() {
            Some(Value::Null) | None => Ok(Value::Null),
            Some(_) => {
                let sep = t(0)?;
                text(concat_values(&args[1..], sep))
            }
        },
        Chr => chr(n(0)?),
        Ascii => int(t(0)?.chars().next().map_or(0, |c| c as usize)),
        Version => text(VERSION),
        // One schema, `public`, which every name lives in.
        CurrentSchema => text("public"),
        Md5 => text(md5_hex(t(0)?.as_bytes())),
        ByteaMd5 => text(md5_hex(b(0)?)),
        ToHex => match args.first() {
            Some(Value::Int4(v)) => text(format!("{:x}", *v as u32)),
            _ => text(format!("{:x}", i64_arg(args, 0, f)? as u64)),
        },
        QuoteLiteral => text(quote_literal(&as_text(args)?)),
        QuoteNullable => match args.first() {
            Some(Value::Null) | None => text("NULL"),
            Some(_) => text(quote_literal(&as_text(args)?)),
        },
        QuoteIdent => text(quote_ident(t(0)?)),
    }
}

/// The first argument as the `::text` cast renders it.
fn as_text(args: &[Value]) -> Result<String, SqlError> {
    match args.first() {
        Some(Value::Text(s)) => Ok(s.clone()),
        Some(v) => match cast(v.clone(), &DataType::Text)? {
            Value::Text(s) => Ok(s),
            _ => Err(wrong_arg("quote_literal")),
        },
        None => Err(wrong_arg("quote_literal")),
    }
}

/// `towlower`: one character in, one character out.
pub(crate) fn lower_char(c: char) -> char {
    let mut it = c.to_lowercase();
    it.next().unwrap_or(c)
}

/// `towupper`: one character in, one character out (multi-character
/// mappings such as `ß` → `SS` leave the character alone).
pub(crate) fn upper_char(c: char) -> char {
    let mut it = c.to_uppercase();
    match (it.next(), it.next()) {
        (Some(u), None) => u,
        _ => c,
    }
}

fn initcap(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut was_alnum = false;
    for c in s.chars() {
        let m = if was_alnum {
            lower_char(c)
        } else {
            upper_char(c)
        };
        was_alnum = m.is_alphanumeric();
        out.push(m);
    }
    out
}

/// The character (or byte) window `[from, to)` of `substr(s, start, count)`.
fn substr_window(len: i64, start: i32, count: Option<i32>) -> Result<(usize, usize), SqlError> {
    let start = start as i64;
    let end = match count {
        Some(c) if c < 0 => {
            return Err(SqlError::new(
                "22011",
                "negative substring length not allowed",
            ));
        }
        Some(c) => start + c as i64,
        None => i64::MAX,
    };
    let from = start.max(1).min(len + 1);
    let to = end.min(len + 1).max(from);
    Ok(((from - 1) as usize, (to - 1) as usize))
}

/// Characters `[from, to)` of `s`.
fn char_slice(s: &str, from: usize, to: usize) -> &str {
    let mut idx = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()));
    let start = idx.nth(from).unwrap_or(s.len());
    let end = if to > from {
        idx.nth(to - from - 1).unwrap_or(s.len())
    } else {
        start
    };
    &s[start..end]
}

fn pad(s: &str, len: i32, fill: &str, left: bool) -> Result<Value, SqlError> {
    let len = len.max(0) as i64;
    let slen = s.chars().count() as i64;
    let keep = slen.min(len);
    let total = if fill.is_empty() { keep } else { len };
    if total * 4 + 4 > MAX_ALLOC {
        return Err(too_large());
    }
    let body = char_slice(s, 0, keep as usize);
    let padding: String = fill.chars().cycle().take((total - keep) as usize).collect();
    text(if left {
        padding + body
    } else {
        body.to_string() + &padding
    })
}

fn translate(s: &str, from: &str, to: &str) -> Result<Value, SqlError> {
    if s.len() as i64 * 4 + 4 > MAX_ALLOC {
        return Err(too_large());
    }
    let from: Vec<char> = from.chars().collect();
    let to: Vec<char> = to.chars().collect();
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match from.iter().position(|f| *f == c) {
            Some(i) => {
                if let Some(r) = to.get(i) {
                    out.push(*r);
                }
            }
            None => out.push(c),
        }
    }
    text(out)
}

fn split_part(s: &str, delim: &str, field: i32) -> Result<Value, SqlError> {
    if field == 0 {
        return Err(SqlError::invalid_parameter_value(
            "field position must not be zero",
        ));
    }
    if s.is_empty() {
        return text("");
    }
    if delim.is_empty() {
        return text(if field == 1 || field == -1 { s } else { "" });
    }
    let parts: Vec<&str> = s.split(delim).collect();
    let idx = if field > 0 {
        field as i64 - 1
    } else {
        parts.len() as i64 + field as i64
    };
    text(
        usize::try_from(idx)
            .ok()
            .and_then(|i| parts.get(i))
            .copied()
            .unwrap_or(""),
    )
}

fn concat_values(args: &[Value], sep: &str) -> String {
    let parts: Vec<String> = args.iter().filter_map(Value::to_text).collect();
    parts.join(sep)
}

fn chr(code: i32) -> Result<Value, SqlError> {
    if code < 0 {
        return Err(SqlError::invalid_parameter_value(
            "character number must be positive",
        ));
    }
    if code == 0 {
        return Err(SqlError::new("54000", "null character not permitted"));
    }
    if code > 0x10ffff {
        return Err(SqlError::new(
            "54000",
            format!("requested character too large for encoding: {code}"),
        ));
    }
    match char::from_u32(code as u32) {
        Some(c) => text(c.to_string()),
        None => Err(SqlError::new(
            "54000",
            format!("requested character not valid for encoding: {code}"),
        )),
    }
}

/// quote_literal: `'...'` with quotes doubled; `E'...'` when a backslash
/// occurs (backslashes doubled too).
pub(crate) fn quote_literal(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 3);
    if s.contains('\\') {
        out.push('E');
    }
    out.push('\'');
    for c in s.chars() {
        if c == '\'' || c == '\\' {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

/// Keywords that are not UNRESERVED in PostgreSQL 15 (`pg_get_keywords()`
/// with `catcode <> 'U'`); `quote_ident` must quote them.
#[rustfmt::skip]
const KEYWORDS: &[&str] = &[
    "all", "analyse", "analyze", "and", "any", "array", "as", "asc", "asymmetric",
    "authorization", "between", "bigint", "binary", "bit", "boolean", "both", "case", "cast",
    "char", "character", "check", "coalesce", "collate", "collation", "column", "concurrently",
    "constraint", "create", "cross", "current_catalog", "current_date", "current_role",
    "current_schema", "current_time", "current_timestamp", "current_user", "dec", "decimal",
    "default", "deferrable", "desc", "distinct", "do", "else", "end", "except", "exists",
    "extract", "false", "fetch", "float", "for", "foreign", "freeze", "from", "full", "grant",
    "greatest", "group", "grouping", "having", "ilike", "in", "initially", "inner", "inout",
    "int", "integer", "intersect", "interval", "into", "is", "isnull", "join", "lateral",
    "leading", "least", "left", "like", "limit", "localtime", "localtimestamp", "national",
    "natural", "nchar", "none", "normalize", "not", "notnull", "null", "nullif", "numeric",
    "offset", "on", "only", "or", "order", "out", "outer", "overlaps", "overlay", "placing",
    "position", "precision", "primary", "real", "references", "returning", "right", "row",
    "select", "session_user", "setof", "similar", "smallint", "some", "substring", "symmetric",
    "table", "tablesample", "then", "time", "timestamp", "to", "trailing", "treat", "trim",
    "true", "union", "unique", "user", "using", "values", "varchar", "variadic", "verbose",
    "when", "where", "window", "with", "xmlattributes", "xmlconcat", "xmlelement", "xmlexists",
    "xmlforest", "xmlnamespaces", "xmlparse", "xmlpi", "xmlroot", "xmlserialize", "xmltable",
];

/// quote_ident: quote unless the name is a lower-case identifier that is not
/// a reserved (or column-name/type-function-name) keyword.
pub(crate) fn quote_ident(s: &str) -> String {
    let safe = s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && KEYWORDS.binary_search(&s).is_err();
    if safe {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(op: StrOp, args: &[Value]) -> String {
        match eval(op, args) {
            Ok(v) => v.to_text().unwrap_or_else(|| "NULL".into()),
            Err(e) => format!("{}: {}", e.code, e.message),
        }
    }
    fn t(s: &str) -> Value {
        Value::Text(s.into())
    }

    #[test]
    fn substr_windows() {
        let i = Value::Int4;
        assert_eq!(run(Substr, &[t("hello"), i(-1), i(3)]), "h");
        assert_eq!(run(Substr, &[t("hello"), i(2)]), "ello");
        assert_eq!(run(Substr, &[t("héllo"), i(2), i(2)]), "él");
        assert_eq!(run(Substr, &[t("hello"), i(i32::MIN), i(i32::MAX)]), "");
        assert_eq!(run(Substr, &[t("hello"), i(i32::MAX), i(i32::MAX)]), "");
        assert_eq!(
            run(Substr, &[t("hello"), i(1), i(-1)]),
            "22011: negative substring length not allowed"
        );
        assert_eq!(run(Left, &[t("hello"), i(i32::MIN)]), "");
        assert_eq!(run(Right, &[t("hello"), i(i32::MIN)]), "");
        assert_eq!(run(Right, &[t("héllo"), i(-1)]), "éllo");
    }

    #[test]
    fn padding_and_trimming() {
        let i = Value::Int4;
        assert_eq!(run(Lpad, &[t("hi"), i(5), t("xy")]), "xyxhi");
        assert_eq!(run(Rpad, &[t("hi"), i(5), t("xy")]), "hixyx");
        assert_eq!(run(Lpad, &[t("hello"), i(3)]), "hel");
        assert_eq!(run(Rpad, &[t("hi"), i(300_000_000), t("")]), "hi");
        assert_eq!(run(Btrim, &[t("xxhixx"), t("x")]), "hi");
        assert_eq!(run(Ltrim, &[t("  hi ")]), "hi ");
        let by = |b: &[u8]| Value::Bytea(b.to_vec());
        assert_eq!(
            run(ByteaBtrim, &[by(b"\x01\x02\x01"), by(b"\x01")]),
            "\\x02"
        );
        assert_eq!(run(ByteaRtrim, &[by(b"\x01\x01"), by(b"\x01")]), "\\x");
    }

    #[test]
    fn misc() {
        assert_eq!(
            run(Initcap, &[t("hello wORLD foo-bar 3am àb")]),
            "Hello World Foo-Bar 3am Àb"
        );
        assert_eq!(run(Upper, &[t("àß")]), "Àß");
        assert_eq!(run(Translate, &[t("12345"), t("143"), t("ax")]), "a2x5");
        assert_eq!(run(SplitPart, &[t("a,b,c"), t(","), Value::Int4(-3)]), "a");
        assert_eq!(run(SplitPart, &[t("a,b,c"), t(","), Value::Int4(-4)]), "");
        assert_eq!(run(Position, &[t("héllo"), t("l")]), "3");
        assert_eq!(quote_ident("Foo\"x"), "\"Foo\"\"x\"");
        assert_eq!(quote_ident("abc_1"), "abc_1");
        assert_eq!(quote_ident("user"), "\"user\"");
        assert!(KEYWORDS.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(run(Chr, &[Value::Int4(0x1F600)]), "😀");
        assert_eq!(run(ToHex, &[Value::Int8(-1)]), "ffffffffffffffff");
    }
}
