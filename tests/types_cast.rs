//! Casts and assignment rules; the table was recorded from PostgreSQL 15.4
//! (`SELECT (v::from)::to, pg_typeof(...)`).

use isodb::sql::types::{DataType, Value, assign, cast, implicit_cast_target};

type Row = (
    &'static str,
    &'static str,
    &'static str,
    Result<(&'static str, &'static str), (&'static str, &'static str)>,
);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    (r#"numeric"#, r#"2.5"#, r#"integer"#, Ok((r#"integer"#, r#"3"#))),
    (r#"numeric"#, r#"-2.5"#, r#"integer"#, Ok((r#"integer"#, r#"-3"#))),
    (r#"numeric"#, r#"3.5"#, r#"integer"#, Ok((r#"integer"#, r#"4"#))),
    (r#"numeric"#, r#"2.4999"#, r#"integer"#, Ok((r#"integer"#, r#"2"#))),
    (r#"double precision"#, r#"2.5"#, r#"integer"#, Ok((r#"integer"#, r#"2"#))),
    (r#"double precision"#, r#"3.5"#, r#"integer"#, Ok((r#"integer"#, r#"4"#))),
    (r#"double precision"#, r#"-2.5"#, r#"integer"#, Ok((r#"integer"#, r#"-2"#))),
    (r#"double precision"#, r#"-0.5"#, r#"integer"#, Ok((r#"integer"#, r#"0"#))),
    (r#"real"#, r#"2.5"#, r#"integer"#, Ok((r#"integer"#, r#"2"#))),
    (r#"double precision"#, r#"2147483647.4"#, r#"integer"#, Ok((r#"integer"#, r#"2147483647"#))),
    (r#"double precision"#, r#"2147483647.5"#, r#"integer"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"double precision"#, r#"NaN"#, r#"integer"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"double precision"#, r#"Infinity"#, r#"bigint"#, Err((r#"22003"#, r#"bigint out of range"#))),
    (r#"double precision"#, r#"9223372036854775807"#, r#"bigint"#, Err((r#"22003"#, r#"bigint out of range"#))),
    (r#"double precision"#, r#"-9223372036854775808"#, r#"bigint"#, Ok((r#"bigint"#, r#"-9223372036854775808"#))),
    (r#"numeric"#, r#"NaN"#, r#"integer"#, Err((r#"0A000"#, r#"cannot convert NaN to integer"#))),
    (r#"numeric"#, r#"NaN"#, r#"smallint"#, Err((r#"0A000"#, r#"cannot convert NaN to smallint"#))),
    (r#"numeric"#, r#"NaN"#, r#"bigint"#, Err((r#"0A000"#, r#"cannot convert NaN to bigint"#))),
    (r#"numeric"#, r#"32767.5"#, r#"smallint"#, Err((r#"22003"#, r#"smallint out of range"#))),
    (r#"numeric"#, r#"-32768.4"#, r#"smallint"#, Ok((r#"smallint"#, r#"-32768"#))),
    (r#"numeric"#, r#"9223372036854775807.5"#, r#"bigint"#, Err((r#"22003"#, r#"bigint out of range"#))),
    (r#"bigint"#, r#"2147483648"#, r#"integer"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"bigint"#, r#"-32769"#, r#"smallint"#, Err((r#"22003"#, r#"smallint out of range"#))),
    (r#"integer"#, r#"70000"#, r#"smallint"#, Err((r#"22003"#, r#"smallint out of range"#))),
    (r#"smallint"#, r#"5"#, r#"bigint"#, Ok((r#"bigint"#, r#"5"#))),
    (r#"integer"#, r#"5"#, r#"boolean"#, Ok((r#"boolean"#, r#"t"#))),
    (r#"integer"#, r#"0"#, r#"boolean"#, Ok((r#"boolean"#, r#"f"#))),
    (r#"boolean"#, r#"true"#, r#"integer"#, Ok((r#"integer"#, r#"1"#))),
    (r#"boolean"#, r#"false"#, r#"integer"#, Ok((r#"integer"#, r#"0"#))),
    (r#"bigint"#, r#"5"#, r#"boolean"#, Err((r#"42846"#, r#"cannot cast type bigint to boolean"#))),
    (r#"boolean"#, r#"true"#, r#"bigint"#, Err((r#"42846"#, r#"cannot cast type boolean to bigint"#))),
    (r#"smallint"#, r#"1"#, r#"boolean"#, Err((r#"42846"#, r#"cannot cast type smallint to boolean"#))),
    (r#"integer"#, r#"42"#, r#"text"#, Ok((r#"text"#, r#"42"#))),
    (r#"boolean"#, r#"true"#, r#"text"#, Ok((r#"text"#, r#"true"#))),
    (r#"boolean"#, r#"false"#, r#"character varying"#, Ok((r#"character varying"#, r#"false"#))),
    (r#"boolean"#, r#"true"#, r#"character(3)"#, Ok((r#"character"#, r#"tru"#))),
    (r#"double precision"#, r#"0.1"#, r#"text"#, Ok((r#"text"#, r#"0.1"#))),
    (r#"numeric"#, r#"1.50"#, r#"text"#, Ok((r#"text"#, r#"1.50"#))),
    (r#"date"#, r#"2024-03-05"#, r#"text"#, Ok((r#"text"#, r#"2024-03-05"#))),
    (r#"text"#, r#"abcd"#, r#"character varying(3)"#, Ok((r#"character varying"#, r#"abc"#))),
    (r#"character varying"#, r#"abcd"#, r#"character(2)"#, Ok((r#"character"#, r#"ab"#))),
    (r#"character"#, r#"ab"#, r#"text"#, Ok((r#"text"#, r#"a"#))),
    (r#"character(4)"#, r#"ab"#, r#"character varying"#, Ok((r#"character varying"#, r#"ab"#))),
    (r#"character(4)"#, r#"ab"#, r#"character varying(3)"#, Ok((r#"character varying"#, r#"ab"#))),
    (r#"text"#, r#"a"#, r#"character(3)"#, Ok((r#"character"#, r#"a  "#))),
    (r#"text"#, r#"42"#, r#"integer"#, Ok((r#"integer"#, r#"42"#))),
    (r#"text"#, r#" 42 "#, r#"integer"#, Ok((r#"integer"#, r#"42"#))),
    (r#"text"#, r#"abc"#, r#"integer"#, Err((r#"22P02"#, r#"invalid input syntax for type integer: "abc""#))),
    (r#"text"#, r#"2024-03-05"#, r#"date"#, Ok((r#"date"#, r#"2024-03-05"#))),
    (r#"boolean"#, r#"true"#, r#"date"#, Err((r#"42846"#, r#"cannot cast type boolean to date"#))),
    (r#"date"#, r#"2024-03-05"#, r#"integer"#, Err((r#"42846"#, r#"cannot cast type date to integer"#))),
    (r#"integer"#, r#"1"#, r#"date"#, Err((r#"42846"#, r#"cannot cast type integer to date"#))),
    (r#"bytea"#, r#"\x01"#, r#"integer"#, Err((r#"42846"#, r#"cannot cast type bytea to integer"#))),
    (r#"interval"#, r#"1 day"#, r#"integer"#, Err((r#"42846"#, r#"cannot cast type interval to integer"#))),
    (r#"date"#, r#"2024-03-05"#, r#"timestamp"#, Ok((r#"timestamp without time zone"#, r#"2024-03-05 00:00:00"#))),
    (r#"date"#, r#"2024-03-05"#, r#"timestamptz"#, Ok((r#"timestamp with time zone"#, r#"2024-03-05 00:00:00+00"#))),
    (r#"timestamp"#, r#"2024-03-05 12:34:56"#, r#"date"#, Ok((r#"date"#, r#"2024-03-05"#))),
    (r#"timestamp"#, r#"2024-03-05 12:34:56"#, r#"timestamptz"#, Ok((r#"timestamp with time zone"#, r#"2024-03-05 12:34:56+00"#))),
    (r#"timestamptz"#, r#"2024-03-05 12:34:56+02"#, r#"timestamp"#, Ok((r#"timestamp without time zone"#, r#"2024-03-05 10:34:56"#))),
    (r#"timestamptz"#, r#"2024-03-05 12:34:56+02"#, r#"date"#, Ok((r#"date"#, r#"2024-03-05"#))),
    (r#"timestamp"#, r#"2024-03-05 12:34:56.5"#, r#"time"#, Ok((r#"time without time zone"#, r#"12:34:56.5"#))),
    (r#"time"#, r#"12:34:56"#, r#"interval"#, Ok((r#"interval"#, r#"12:34:56"#))),
    (r#"interval"#, r#"1 day 02:03:04"#, r#"time"#, Ok((r#"time without time zone"#, r#"02:03:04"#))),
    (r#"interval"#, r#"-1 hour"#, r#"time"#, Ok((r#"time without time zone"#, r#"23:00:00"#))),
    (r#"date"#, r#"infinity"#, r#"timestamp"#, Ok((r#"timestamp without time zone"#, r#"infinity"#))),
    (r#"timestamp"#, r#"-infinity"#, r#"date"#, Ok((r#"date"#, r#"-infinity"#))),
    (r#"date"#, r#"5874897-12-31"#, r#"timestamp"#, Err((r#"22008"#, r#"date out of range for timestamp"#))),
    (r#"date"#, r#"2024-03-05"#, r#"time"#, Err((r#"42846"#, r#"cannot cast type date to time without time zone"#))),
    (r#"time"#, r#"12:00"#, r#"date"#, Err((r#"42846"#, r#"cannot cast type time without time zone to date"#))),
    (r#"time"#, r#"12:00"#, r#"timestamp"#, Err((r#"42846"#, r#"cannot cast type time without time zone to timestamp without time zone"#))),
    (r#"double precision"#, r#"0.1"#, r#"numeric"#, Ok((r#"numeric"#, r#"0.1"#))),
    (r#"double precision"#, r#"1e20"#, r#"numeric"#, Ok((r#"numeric"#, r#"100000000000000000000"#))),
    (r#"double precision"#, r#"1.5e-7"#, r#"numeric"#, Ok((r#"numeric"#, r#"0.00000015"#))),
    (r#"double precision"#, r#"0.3333333333333333"#, r#"numeric"#, Ok((r#"numeric"#, r#"0.333333333333333"#))),
    (r#"real"#, r#"0.1"#, r#"numeric"#, Ok((r#"numeric"#, r#"0.1"#))),
    (r#"double precision"#, r#"NaN"#, r#"numeric"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"double precision"#, r#"Infinity"#, r#"numeric"#, Ok((r#"numeric"#, r#"Infinity"#))),
    (r#"real"#, r#"-Infinity"#, r#"numeric"#, Ok((r#"numeric"#, r#"-Infinity"#))),
    (r#"numeric"#, r#"Infinity"#, r#"double precision"#, Ok((r#"double precision"#, r#"Infinity"#))),
    (r#"numeric"#, r#"-Infinity"#, r#"real"#, Ok((r#"real"#, r#"-Infinity"#))),
    (r#"numeric"#, r#"Infinity"#, r#"integer"#, Err((r#"0A000"#, r#"cannot convert infinity to integer"#))),
    (r#"numeric"#, r#"-Infinity"#, r#"smallint"#, Err((r#"0A000"#, r#"cannot convert infinity to smallint"#))),
    (r#"numeric"#, r#"Infinity"#, r#"numeric(5,2)"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, r#"NaN"#, r#"numeric(5,2)"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"Infinity"#, r#"text"#, Ok((r#"text"#, r#"Infinity"#))),
    (r#"double precision"#, r#"123.456"#, r#"numeric(5,2)"#, Ok((r#"numeric"#, r#"123.46"#))),
    (r#"numeric"#, r#"1e50"#, r#"real"#, Err((r#"22003"#, r#""100000000000000000000000000000000000000000000000000" is out of range for type real"#))),
    (r#"numeric"#, r#"1.5"#, r#"double precision"#, Ok((r#"double precision"#, r#"1.5"#))),
    (r#"numeric"#, r#"NaN"#, r#"double precision"#, Ok((r#"double precision"#, r#"NaN"#))),
    (r#"numeric"#, r#"0.1"#, r#"real"#, Ok((r#"real"#, r#"0.1"#))),
    (r#"double precision"#, r#"1e300"#, r#"real"#, Err((r#"22003"#, r#"value out of range: overflow"#))),
    (r#"double precision"#, r#"1e-300"#, r#"real"#, Err((r#"22003"#, r#"value out of range: underflow"#))),
    (r#"real"#, r#"0.1"#, r#"double precision"#, Ok((r#"double precision"#, r#"0.10000000149011612"#))),
    (r#"integer"#, r#"123"#, r#"numeric(5,2)"#, Ok((r#"numeric"#, r#"123.00"#))),
    (r#"integer"#, r#"1234"#, r#"numeric(5,2)"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, r#"1.005"#, r#"numeric(4,2)"#, Ok((r#"numeric"#, r#"1.01"#))),
    (r#"bigint"#, r#"9223372036854775807"#, r#"double precision"#, Ok((r#"double precision"#, r#"9.223372036854776e+18"#))),
    (r#"integer"#, r#"16777217"#, r#"real"#, Ok((r#"real"#, r#"1.6777216e+07"#))),
    (r#"bigint"#, r#"9223372036854775807"#, r#"real"#, Ok((r#"real"#, r#"9.223372e+18"#))),
    (r#"text"#, r#"\x0102"#, r#"bytea"#, Ok((r#"bytea"#, r#"\x0102"#))),
    (r#"bytea"#, r#"\x0102"#, r#"text"#, Ok((r#"text"#, r#"\x0102"#))),
    (r#"text"#, r#"1 day"#, r#"interval"#, Ok((r#"interval"#, r#"1 day"#))),
    (r#"integer"#, r#"1"#, r#"interval"#, Err((r#"42846"#, r#"cannot cast type integer to interval"#))),
    (r#"numeric"#, r#"12.345"#, r#"numeric(4,1)"#, Ok((r#"numeric"#, r#"12.3"#))),
    (r#"numeric"#, r#"-12.35"#, r#"numeric(4,1)"#, Ok((r#"numeric"#, r#"-12.4"#))),
];

/// Parse `name` or `name(a,b)`.
fn ty(spec: &str) -> DataType {
    match spec.split_once('(') {
        Some((name, mods)) => {
            let mods: Vec<u32> = mods
                .trim_end_matches(')')
                .split(',')
                .map(|m| m.trim().parse().unwrap())
                .collect();
            DataType::from_sql_name(name, &mods).unwrap()
        }
        None => DataType::from_sql_name(spec, &[]).unwrap(),
    }
}

#[test]
fn casts_match_postgres() {
    let mut failures = Vec::new();
    for (from, text, to, expected) in ROWS {
        let v = cast(Value::Text(text.to_string()), &ty(from)).expect("source parses");
        let got = match cast(v, &ty(to)) {
            Ok(v) => Ok((
                v.data_type().base_name().to_string(),
                v.to_text().unwrap_or_default(),
            )),
            Err(e) => Err((e.code, e.message)),
        };
        let exp = match expected {
            // varchar values are represented as Value::Text
            Ok((t, v)) => Ok((t.replace("character varying", "text"), v.to_string())),
            Err((c, m)) => Err((*c, m.to_string())),
        };
        if got != exp {
            failures.push(format!("{text}::{from}::{to}: got {got:?}, want {exp:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn null_casts_to_null() {
    assert_eq!(cast(Value::Null, &DataType::Int4).unwrap(), Value::Null);
    assert_eq!(assign(Value::Null, &DataType::Date).unwrap(), Value::Null);
}

#[test]
fn assignment_rules() {
    let vc3 = DataType::Varchar(Some(3));
    let e = assign(Value::Text("abcd".into()), &vc3).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        ("22001", "value too long for type character varying(3)")
    );
    // trailing spaces beyond n are silently dropped
    assert_eq!(
        assign(Value::Text("abc  ".into()), &vc3).unwrap(),
        Value::Text("abc".into())
    );
    let c2 = DataType::Char(Some(2));
    assert_eq!(
        assign(Value::Text("a".into()), &c2).unwrap(),
        Value::Bpchar("a ".into())
    );
    assert_eq!(
        assign(Value::Text("abc".into()), &c2).unwrap_err().message,
        "value too long for type character(2)"
    );
    // char(4) -> varchar(3): pad spaces are stripped first
    assert_eq!(
        assign(Value::Bpchar("ab  ".into()), &vc3).unwrap(),
        Value::Text("ab".into())
    );
    // numeric is rounded to the column's scale, or overflows
    let n52 = DataType::from_sql_name("numeric", &[5, 2]).unwrap();
    let v = assign(Value::Float8(1.005), &n52).unwrap();
    assert_eq!(v.to_text().unwrap(), "1.01");
    let e = assign(Value::Int4(1000), &n52).unwrap_err();
    assert_eq!(e.message, "numeric field overflow");
    assert_eq!(
        e.detail.as_deref(),
        Some("A field with precision 5, scale 2 must round to an absolute value less than 10^3.")
    );
    // numeric family conversions are assignment casts
    assert_eq!(
        assign(Value::Int8(5), &DataType::Int4).unwrap(),
        Value::Int4(5)
    );
    assert_eq!(
        assign(Value::Float8(2.5), &DataType::Int4).unwrap(),
        Value::Int4(2)
    );
    assert_eq!(
        assign(Value::Int8(1 << 40), &DataType::Int4)
            .unwrap_err()
            .message,
        "integer out of range"
    );
    // int4 <-> bool is explicit only
    let e = assign(Value::Int4(1), &DataType::Bool).unwrap_err();
    assert_eq!(e.code, "42804");
    assert_eq!(
        e.message,
        "column is of type boolean but expression is of type integer"
    );
    let e = assign(Value::Bool(true), &DataType::Date).unwrap_err();
    assert_eq!(e.code, "42804");
    // any type can be assigned to text
    assert_eq!(
        assign(Value::Bool(true), &DataType::Text).unwrap(),
        Value::Text("true".into())
    );
    assert_eq!(
        assign(Value::Date(0), &DataType::Timestamp).unwrap(),
        Value::Timestamp(0)
    );
}

#[test]
fn explicit_casts_truncate() {
    let vc3 = DataType::Varchar(Some(3));
    assert_eq!(
        cast(Value::Text("abcdef".into()), &vc3).unwrap(),
        Value::Text("abc".into())
    );
    assert_eq!(
        cast(Value::Text("héllo".into()), &vc3).unwrap(),
        Value::Text("hél".into())
    );
    assert_eq!(
        cast(Value::Text("abcdef".into()), &DataType::Char(Some(2))).unwrap(),
        Value::Bpchar("ab".into())
    );
}

#[test]
fn common_types() {
    use DataType::*;
    let n = DataType::NUMERIC;
    let cases = [
        (Int2, Int4, Some(Int4)),
        (Int4, Int8, Some(Int8)),
        (Int8, n, Some(n)),
        (n, Float4, Some(Float4)),
        (Float4, Float8, Some(Float8)),
        (Int4, Float8, Some(Float8)),
        (Unknown, Int4, Some(Int4)),
        (Date, Unknown, Some(Date)),
        (Unknown, Unknown, Some(Text)),
        (Text, Varchar(Some(3)), Some(Text)),
        (Varchar(Some(3)), Char(Some(2)), Some(Varchar(None))),
        (Char(Some(2)), Varchar(Some(3)), Some(Char(None))),
        (Varchar(Some(3)), Varchar(Some(3)), Some(Varchar(Some(3)))),
        (Varchar(Some(3)), Varchar(Some(5)), Some(Varchar(None))),
        (Date, Timestamp, Some(Timestamp)),
        (Timestamptz, Date, Some(Timestamptz)),
        (Timestamp, Timestamptz, Some(Timestamptz)),
        (Int4, Bool, None),
        (Int4, Text, None),
        (Date, Interval, None),
        (Bool, Bool, Some(Bool)),
    ];
    for (a, b, want) in cases {
        assert_eq!(implicit_cast_target(&a, &b), want, "{a:?} vs {b:?}");
    }
    let n1 = DataType::from_sql_name("numeric", &[10, 2]).unwrap();
    let n2 = DataType::from_sql_name("numeric", &[12, 4]).unwrap();
    assert_eq!(implicit_cast_target(&n1, &n2), Some(DataType::NUMERIC));
}
