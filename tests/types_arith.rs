//! Operators against results recorded from PostgreSQL 15.4
//! (`SELECT (a::t1 op b::t2), pg_typeof(...)`).

use isodb::sql::types::{DataType, Value, add, cast, concat_op, div, mul, neg, rem, sub};

type Row = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Result<(&'static str, &'static str), (&'static str, &'static str)>,
);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    (r#"integer"#, r#"2147483647"#, r#"+"#, r#"integer"#, r#"1"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"integer"#, r#"1"#, r#"+"#, r#"integer"#, r#"2"#, Ok((r#"integer"#, r#"3"#))),
    (r#"integer"#, r#"1"#, r#"+"#, r#"bigint"#, r#"2"#, Ok((r#"bigint"#, r#"3"#))),
    (r#"smallint"#, r#"32767"#, r#"+"#, r#"smallint"#, r#"1"#, Err((r#"22003"#, r#"smallint out of range"#))),
    (r#"smallint"#, r#"1"#, r#"+"#, r#"smallint"#, r#"2"#, Ok((r#"smallint"#, r#"3"#))),
    (r#"smallint"#, r#"1"#, r#"+"#, r#"integer"#, r#"2"#, Ok((r#"integer"#, r#"3"#))),
    (r#"bigint"#, r#"9223372036854775807"#, r#"+"#, r#"integer"#, r#"1"#, Err((r#"22003"#, r#"bigint out of range"#))),
    (r#"bigint"#, r#"-9223372036854775808"#, r#"-"#, r#"integer"#, r#"1"#, Err((r#"22003"#, r#"bigint out of range"#))),
    (r#"integer"#, r#"-7"#, r#"/"#, r#"integer"#, r#"2"#, Ok((r#"integer"#, r#"-3"#))),
    (r#"integer"#, r#"7"#, r#"/"#, r#"integer"#, r#"-2"#, Ok((r#"integer"#, r#"-3"#))),
    (r#"integer"#, r#"-2147483648"#, r#"/"#, r#"integer"#, r#"-1"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"integer"#, r#"1"#, r#"/"#, r#"integer"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"integer"#, r#"-7"#, r#"%"#, r#"integer"#, r#"3"#, Ok((r#"integer"#, r#"-1"#))),
    (r#"integer"#, r#"7"#, r#"%"#, r#"integer"#, r#"-3"#, Ok((r#"integer"#, r#"1"#))),
    (r#"integer"#, r#"-2147483648"#, r#"%"#, r#"integer"#, r#"-1"#, Ok((r#"integer"#, r#"0"#))),
    (r#"integer"#, r#"5"#, r#"%"#, r#"integer"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"integer"#, r#"100000"#, r#"*"#, r#"integer"#, r#"100000"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"bigint"#, r#"100000"#, r#"*"#, r#"integer"#, r#"100000"#, Ok((r#"bigint"#, r#"10000000000"#))),
    (r#"integer"#, r#"1"#, r#"+"#, r#"numeric"#, r#"2.5"#, Ok((r#"numeric"#, r#"3.5"#))),
    (r#"integer"#, r#"1"#, r#"/"#, r#"numeric"#, r#"3"#, Ok((r#"numeric"#, r#"0.33333333333333333333"#))),
    (r#"numeric"#, r#"1"#, r#"/"#, r#"numeric"#, r#"3"#, Ok((r#"numeric"#, r#"0.33333333333333333333"#))),
    (r#"numeric"#, r#"10"#, r#"/"#, r#"numeric"#, r#"4"#, Ok((r#"numeric"#, r#"2.5000000000000000"#))),
    (r#"numeric"#, r#"2"#, r#"/"#, r#"numeric"#, r#"3000000"#, Ok((r#"numeric"#, r#"0.000000666666666666666667"#))),
    (r#"numeric"#, r#"12345.678"#, r#"/"#, r#"numeric"#, r#"3.2"#, Ok((r#"numeric"#, r#"3858.0243750000000000"#))),
    (r#"numeric"#, r#"1.0"#, r#"/"#, r#"numeric"#, r#"3"#, Ok((r#"numeric"#, r#"0.33333333333333333333"#))),
    (r#"numeric"#, r#"0"#, r#"/"#, r#"numeric"#, r#"5"#, Ok((r#"numeric"#, r#"0.00000000000000000000"#))),
    (r#"numeric"#, r#"1"#, r#"/"#, r#"numeric"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"numeric"#, r#"NaN"#, r#"/"#, r#"numeric"#, r#"0"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"1.50"#, r#"+"#, r#"numeric"#, r#"2.250"#, Ok((r#"numeric"#, r#"3.750"#))),
    (r#"numeric"#, r#"1.50"#, r#"*"#, r#"numeric"#, r#"2.25"#, Ok((r#"numeric"#, r#"3.3750"#))),
    (r#"numeric"#, r#"1.5"#, r#"-"#, r#"numeric"#, r#"1.5"#, Ok((r#"numeric"#, r#"0.0"#))),
    (r#"numeric"#, r#"7.5"#, r#"%"#, r#"numeric"#, r#"2"#, Ok((r#"numeric"#, r#"1.5"#))),
    (r#"numeric"#, r#"-7.5"#, r#"%"#, r#"numeric"#, r#"2"#, Ok((r#"numeric"#, r#"-1.5"#))),
    (r#"numeric"#, r#"5"#, r#"%"#, r#"numeric"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"numeric"#, r#"NaN"#, r#"+"#, r#"numeric"#, r#"1"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"Infinity"#, r#"+"#, r#"numeric"#, r#"1"#, Ok((r#"numeric"#, r#"Infinity"#))),
    (r#"numeric"#, r#"Infinity"#, r#"-"#, r#"numeric"#, r#"Infinity"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"Infinity"#, r#"+"#, r#"numeric"#, r#"-Infinity"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"1.5"#, r#"-"#, r#"numeric"#, r#"Infinity"#, Ok((r#"numeric"#, r#"-Infinity"#))),
    (r#"numeric"#, r#"Infinity"#, r#"*"#, r#"numeric"#, r#"0"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"-Infinity"#, r#"*"#, r#"numeric"#, r#"-1.5"#, Ok((r#"numeric"#, r#"Infinity"#))),
    (r#"numeric"#, r#"Infinity"#, r#"*"#, r#"numeric"#, r#"Infinity"#, Ok((r#"numeric"#, r#"Infinity"#))),
    (r#"numeric"#, r#"1"#, r#"/"#, r#"numeric"#, r#"Infinity"#, Ok((r#"numeric"#, r#"0"#))),
    (r#"numeric"#, r#"1.5"#, r#"/"#, r#"numeric"#, r#"-Infinity"#, Ok((r#"numeric"#, r#"0"#))),
    (r#"numeric"#, r#"Infinity"#, r#"/"#, r#"numeric"#, r#"-2"#, Ok((r#"numeric"#, r#"-Infinity"#))),
    (r#"numeric"#, r#"Infinity"#, r#"/"#, r#"numeric"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"numeric"#, r#"Infinity"#, r#"/"#, r#"numeric"#, r#"Infinity"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"Infinity"#, r#"%"#, r#"numeric"#, r#"2"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"Infinity"#, r#"%"#, r#"numeric"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"numeric"#, r#"1.50"#, r#"%"#, r#"numeric"#, r#"Infinity"#, Ok((r#"numeric"#, r#"1.50"#))),
    (r#"integer"#, r#"5"#, r#"%"#, r#"numeric"#, r#"-Infinity"#, Ok((r#"numeric"#, r#"5"#))),
    (r#"numeric"#, r#"-Infinity"#, r#"+"#, r#"double precision"#, r#"1"#, Ok((r#"double precision"#, r#"-Infinity"#))),
    (r#"numeric"#, r#"NaN"#, r#"*"#, r#"numeric"#, r#"Infinity"#, Ok((r#"numeric"#, r#"NaN"#))),
    (r#"numeric"#, r#"123456789012345678901234567890"#, r#"*"#, r#"numeric"#, r#"987654321"#, Ok((r#"numeric"#, r#"121932631124828532112482853211126352690"#))),
    (r#"numeric"#, r#"1"#, r#"/"#, r#"numeric"#, r#"7"#, Ok((r#"numeric"#, r#"0.14285714285714285714"#))),
    (r#"numeric"#, r#"100000"#, r#"/"#, r#"numeric"#, r#"3"#, Ok((r#"numeric"#, r#"33333.333333333333"#))),
    (r#"numeric"#, r#"1"#, r#"/"#, r#"numeric"#, r#"0.0003"#, Ok((r#"numeric"#, r#"3333.3333333333333333"#))),
    (r#"numeric"#, r#"0.000001"#, r#"/"#, r#"numeric"#, r#"7"#, Ok((r#"numeric"#, r#"0.000000142857142857142857"#))),
    (r#"numeric"#, r#"99999999"#, r#"/"#, r#"numeric"#, r#"0.01"#, Ok((r#"numeric"#, r#"9999999900.00000000"#))),
    (r#"bigint"#, r#"7"#, r#"/"#, r#"numeric"#, r#"2"#, Ok((r#"numeric"#, r#"3.5000000000000000"#))),
    (r#"double precision"#, r#"1.0"#, r#"/"#, r#"double precision"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"double precision"#, r#"NaN"#, r#"/"#, r#"double precision"#, r#"0"#, Ok((r#"double precision"#, r#"NaN"#))),
    (r#"double precision"#, r#"1e308"#, r#"*"#, r#"double precision"#, r#"10"#, Err((r#"22003"#, r#"value out of range: overflow"#))),
    (r#"double precision"#, r#"1e-300"#, r#"*"#, r#"double precision"#, r#"1e-300"#, Err((r#"22003"#, r#"value out of range: underflow"#))),
    (r#"double precision"#, r#"0.1"#, r#"+"#, r#"double precision"#, r#"0.2"#, Ok((r#"double precision"#, r#"0.30000000000000004"#))),
    (r#"double precision"#, r#"1"#, r#"/"#, r#"double precision"#, r#"3"#, Ok((r#"double precision"#, r#"0.3333333333333333"#))),
    (r#"double precision"#, r#"Infinity"#, r#"+"#, r#"double precision"#, r#"1"#, Ok((r#"double precision"#, r#"Infinity"#))),
    (r#"double precision"#, r#"Infinity"#, r#"-"#, r#"double precision"#, r#"Infinity"#, Ok((r#"double precision"#, r#"NaN"#))),
    (r#"real"#, r#"1.5"#, r#"+"#, r#"real"#, r#"2.25"#, Ok((r#"real"#, r#"3.75"#))),
    (r#"real"#, r#"1"#, r#"/"#, r#"real"#, r#"3"#, Ok((r#"real"#, r#"0.33333334"#))),
    (r#"real"#, r#"1"#, r#"+"#, r#"integer"#, r#"1"#, Ok((r#"double precision"#, r#"2"#))),
    (r#"integer"#, r#"1"#, r#"+"#, r#"real"#, r#"0.1"#, Ok((r#"double precision"#, r#"1.1000000014901161"#))),
    (r#"numeric"#, r#"1.5"#, r#"+"#, r#"double precision"#, r#"0.1"#, Ok((r#"double precision"#, r#"1.6"#))),
    (r#"numeric"#, r#"1.5"#, r#"*"#, r#"real"#, r#"2"#, Ok((r#"double precision"#, r#"3"#))),
    (r#"integer"#, r#"7"#, r#"/"#, r#"double precision"#, r#"2"#, Ok((r#"double precision"#, r#"3.5"#))),
    (r#"real"#, r#"3.4e38"#, r#"*"#, r#"real"#, r#"10"#, Err((r#"22003"#, r#"value out of range: overflow"#))),
    (r#"real"#, r#"1"#, r#"/"#, r#"real"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"date"#, r#"2024-03-05"#, r#"+"#, r#"integer"#, r#"1"#, Ok((r#"date"#, r#"2024-03-06"#))),
    (r#"integer"#, r#"30"#, r#"+"#, r#"date"#, r#"2024-03-05"#, Ok((r#"date"#, r#"2024-04-04"#))),
    (r#"date"#, r#"2024-03-05"#, r#"-"#, r#"integer"#, r#"5"#, Ok((r#"date"#, r#"2024-02-29"#))),
    (r#"date"#, r#"2024-03-05"#, r#"-"#, r#"date"#, r#"2024-01-01"#, Ok((r#"integer"#, r#"64"#))),
    (r#"date"#, r#"2024-01-01"#, r#"-"#, r#"date"#, r#"2024-03-05"#, Ok((r#"integer"#, r#"-64"#))),
    (r#"date"#, r#"2024-01-31"#, r#"+"#, r#"interval"#, r#"1 month"#, Ok((r#"timestamp without time zone"#, r#"2024-02-29 00:00:00"#))),
    (r#"date"#, r#"2024-03-05"#, r#"-"#, r#"interval"#, r#"1 day 2 hours"#, Ok((r#"timestamp without time zone"#, r#"2024-03-03 22:00:00"#))),
    (r#"date"#, r#"2024-03-05"#, r#"+"#, r#"time"#, r#"12:34:56"#, Ok((r#"timestamp without time zone"#, r#"2024-03-05 12:34:56"#))),
    (r#"timestamp"#, r#"2024-01-31 10:00"#, r#"+"#, r#"interval"#, r#"1 month 1 day 1 hour"#, Ok((r#"timestamp without time zone"#, r#"2024-03-01 11:00:00"#))),
    (r#"timestamp"#, r#"2024-03-31 10:00"#, r#"-"#, r#"interval"#, r#"1 month"#, Ok((r#"timestamp without time zone"#, r#"2024-02-29 10:00:00"#))),
    (r#"timestamp"#, r#"2024-01-02 01:00"#, r#"-"#, r#"timestamp"#, r#"2024-01-01"#, Ok((r#"interval"#, r#"1 day 01:00:00"#))),
    (r#"timestamp"#, r#"2024-01-01"#, r#"-"#, r#"timestamp"#, r#"2024-03-05 12:00"#, Ok((r#"interval"#, r#"-64 days -12:00:00"#))),
    (r#"timestamptz"#, r#"2024-01-02 01:00+00"#, r#"-"#, r#"timestamptz"#, r#"2024-01-01 00:00+02"#, Ok((r#"interval"#, r#"1 day 03:00:00"#))),
    (r#"timestamptz"#, r#"2024-02-29 12:00+00"#, r#"+"#, r#"interval"#, r#"1 year"#, Ok((r#"timestamp with time zone"#, r#"2025-02-28 12:00:00+00"#))),
    (r#"interval"#, r#"1 day"#, r#"+"#, r#"timestamp"#, r#"2024-03-05"#, Ok((r#"timestamp without time zone"#, r#"2024-03-06 00:00:00"#))),
    (r#"timestamp"#, r#"2024-03-05 10:00"#, r#"-"#, r#"date"#, r#"2024-03-01"#, Ok((r#"interval"#, r#"4 days 10:00:00"#))),
    (r#"time"#, r#"10:00"#, r#"+"#, r#"interval"#, r#"3 hours"#, Ok((r#"time without time zone"#, r#"13:00:00"#))),
    (r#"time"#, r#"23:00"#, r#"+"#, r#"interval"#, r#"3 hours"#, Ok((r#"time without time zone"#, r#"02:00:00"#))),
    (r#"time"#, r#"01:00"#, r#"-"#, r#"interval"#, r#"3 hours"#, Ok((r#"time without time zone"#, r#"22:00:00"#))),
    (r#"time"#, r#"10:00"#, r#"-"#, r#"time"#, r#"12:00"#, Ok((r#"interval"#, r#"-02:00:00"#))),
    (r#"interval"#, r#"1 day"#, r#"+"#, r#"interval"#, r#"2 hours"#, Ok((r#"interval"#, r#"1 day 02:00:00"#))),
    (r#"interval"#, r#"1 mon"#, r#"-"#, r#"interval"#, r#"1 day"#, Ok((r#"interval"#, r#"1 mon -1 days"#))),
    (r#"interval"#, r#"1 mon 1 day"#, r#"*"#, r#"double precision"#, r#"1.5"#, Ok((r#"interval"#, r#"1 mon 16 days 12:00:00"#))),
    (r#"interval"#, r#"1 mon"#, r#"/"#, r#"double precision"#, r#"7"#, Ok((r#"interval"#, r#"4 days 06:51:25.6896"#))),
    (r#"interval"#, r#"1 hour"#, r#"*"#, r#"integer"#, r#"3"#, Ok((r#"interval"#, r#"03:00:00"#))),
    (r#"integer"#, r#"2"#, r#"*"#, r#"interval"#, r#"1 day 1 hour"#, Ok((r#"interval"#, r#"2 days 02:00:00"#))),
    (r#"interval"#, r#"1 day"#, r#"/"#, r#"integer"#, r#"0"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"interval"#, r#"3 days"#, r#"*"#, r#"numeric"#, r#"0.5"#, Ok((r#"interval"#, r#"1 day 12:00:00"#))),
    (r#"text"#, r#"abc"#, r#"||"#, r#"text"#, r#"def"#, Ok((r#"text"#, r#"abcdef"#))),
    (r#"character"#, r#"a"#, r#"||"#, r#"text"#, r#"b"#, Ok((r#"text"#, r#"ab"#))),
    (r#"text"#, r#"x"#, r#"||"#, r#"integer"#, r#"1"#, Ok((r#"text"#, r#"x1"#))),
    (r#"integer"#, r#"1"#, r#"||"#, r#"text"#, r#"x"#, Ok((r#"text"#, r#"1x"#))),
    (r#"boolean"#, r#"true"#, r#"||"#, r#"text"#, r#"x"#, Ok((r#"text"#, r#"truex"#))),
    (r#"bytea"#, r#"\x01"#, r#"||"#, r#"bytea"#, r#"\x02ff"#, Ok((r#"bytea"#, r#"\x0102ff"#))),
    (r#"date"#, r#"2024-03-05"#, r#"+"#, r#"boolean"#, r#"true"#, Err((r#"42883"#, r#"operator does not exist: date + boolean"#))),
    (r#"integer"#, r#"1"#, r#"+"#, r#"boolean"#, r#"true"#, Err((r#"42883"#, r#"operator does not exist: integer + boolean"#))),
    (r#"text"#, r#"a"#, r#"+"#, r#"integer"#, r#"1"#, Err((r#"42883"#, r#"operator does not exist: text + integer"#))),
    (r#"double precision"#, r#"5.5"#, r#"%"#, r#"integer"#, r#"2"#, Err((r#"42883"#, r#"operator does not exist: double precision % integer"#))),
    (r#"date"#, r#"5874897-12-31"#, r#"+"#, r#"integer"#, r#"1"#, Err((r#"22008"#, r#"date out of range"#))),
    (r#"timestamp"#, r#"294276-12-31"#, r#"+"#, r#"interval"#, r#"1 day"#, Err((r#"22008"#, r#"timestamp out of range"#))),
    (r#"date"#, r#"infinity"#, r#"-"#, r#"date"#, r#"2024-01-01"#, Err((r#"22008"#, r#"cannot subtract infinite dates"#))),
    (r#"date"#, r#"infinity"#, r#"+"#, r#"integer"#, r#"1"#, Ok((r#"date"#, r#"infinity"#))),
    (r#"timestamp"#, r#"infinity"#, r#"+"#, r#"interval"#, r#"1 day"#, Ok((r#"timestamp without time zone"#, r#"infinity"#))),
];

fn val(ty: &str, text: &str) -> Value {
    let t = DataType::from_sql_name(ty, &[]).expect("type");
    cast(Value::Text(text.to_string()), &t).expect("operand parses")
}

#[test]
fn operators_match_postgres() {
    let mut failures = Vec::new();
    for (lt, lv, op, rt, rv, expected) in ROWS {
        let a = val(lt, lv);
        let b = val(rt, rv);
        let r = match *op {
            "+" => add(&a, &b),
            "-" => sub(&a, &b),
            "*" => mul(&a, &b),
            "/" => div(&a, &b),
            "%" => rem(&a, &b),
            "||" => concat_op(&a, &b),
            _ => unreachable!(),
        };
        let got = match r {
            Ok(v) => Ok((v.data_type().name(), v.to_text().unwrap_or_default())),
            Err(e) => Err((e.code, e.message)),
        };
        let exp = match expected {
            Ok((t, v)) => Ok((t.to_string(), v.to_string())),
            Err((c, m)) => Err((*c, m.to_string())),
        };
        if got != exp {
            failures.push(format!(
                "{lv}::{lt} {op} {rv}::{rt}: got {got:?}, want {exp:?}"
            ));
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
fn null_propagates() {
    let one = Value::Int4(1);
    for f in [add, sub, mul, div, rem, concat_op] {
        assert_eq!(f(&Value::Null, &one).unwrap(), Value::Null);
        assert_eq!(f(&one, &Value::Null).unwrap(), Value::Null);
    }
    assert_eq!(neg(&Value::Null).unwrap(), Value::Null);
    assert_eq!(
        concat_op(&Value::Text("a".into()), &Value::Null).unwrap(),
        Value::Null
    );
}

#[test]
fn unary_minus() {
    let e = neg(&Value::Int4(i32::MIN)).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        ("22003", "integer out of range")
    );
    assert_eq!(
        neg(&Value::Int2(i16::MIN)).unwrap_err().message,
        "smallint out of range"
    );
    assert_eq!(
        neg(&Value::Int8(i64::MIN)).unwrap_err().message,
        "bigint out of range"
    );
    assert_eq!(neg(&Value::Int4(5)).unwrap(), Value::Int4(-5));
    assert_eq!(
        neg(&val("numeric", "1.50")).unwrap().to_text().unwrap(),
        "-1.50"
    );
    assert_eq!(
        neg(&val("interval", "1 day 2 hours"))
            .unwrap()
            .to_text()
            .unwrap(),
        "-1 days -02:00:00"
    );
    assert_eq!(neg(&Value::Float8(0.0)).unwrap().to_text().unwrap(), "-0");
    assert_eq!(neg(&Value::Bool(true)).unwrap_err().code, "42883");
}

#[test]
fn float_division_by_zero_and_nan() {
    let e = div(&Value::Float8(1.0), &Value::Float8(0.0)).unwrap_err();
    assert_eq!(e.code, "22012");
    let e = div(&Value::Float8(1.0), &Value::Int4(0)).unwrap_err();
    assert_eq!(e.code, "22012");
    let e = div(&val("numeric", "1"), &Value::Int4(0)).unwrap_err();
    assert_eq!(e.code, "22012");
}
