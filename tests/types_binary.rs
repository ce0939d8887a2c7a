//! Binary wire format: fixed vectors recorded from PostgreSQL 15.4
//! (`SELECT numeric_send(...)`, `int4send(...)`, ...) and proptest round trips.

use isodb::sql::types::{DataType, Numeric, Value, cast, decode_binary, encode_binary};
use proptest::prelude::*;

#[rustfmt::skip]
const VECTORS: &[(&str, &str, &str)] = &[
    (r#"numeric"#, r#"0"#, r#"0000000000000000"#),
    (r#"numeric"#, r#"0.00"#, r#"0000000000000002"#),
    (r#"numeric"#, r#"1"#, r#"00010000000000000001"#),
    (r#"numeric"#, r#"1.50"#, r#"000200000000000200011388"#),
    (r#"numeric"#, r#"-1.50"#, r#"000200004000000200011388"#),
    (r#"numeric"#, r#"10000"#, r#"00010001000000000001"#),
    (r#"numeric"#, r#"12345.6789"#, r#"0003000100000004000109291a85"#),
    (r#"numeric"#, r#"0.0001"#, r#"0001ffff000000040001"#),
    (r#"numeric"#, r#"0.00001"#, r#"0001fffe0000000503e8"#),
    (r#"numeric"#, r#"-123456789.123456789"#, r#"0006000240000009000109291a8504d2162e2328"#),
    (r#"numeric"#, r#"NaN"#, r#"00000000c0000000"#),
    (r#"numeric"#, r#"99999999999999999999"#, r#"0005000400000000270f270f270f270f270f"#),
    (r#"numeric"#, r#"1e-20"#, r#"0001fffb000000140001"#),
    (r#"numeric"#, r#"123.4"#, r#"0002000000000001007b0fa0"#),
    (r#"numeric"#, r#"100000000"#, r#"00010002000000000001"#),
    (r#"numeric"#, r#"0.1"#, r#"0001ffff0000000103e8"#),
    (r#"numeric"#, r#"Infinity"#, r#"00000000d0000020"#),
    (r#"numeric"#, r#"-Infinity"#, r#"00000000f0000020"#),
    (r#"integer"#, r#"-2"#, r#"fffffffe"#),
    (r#"smallint"#, r#"258"#, r#"0102"#),
    (r#"bigint"#, r#"-1"#, r#"ffffffffffffffff"#),
    (r#"real"#, r#"1.5"#, r#"3fc00000"#),
    (r#"double precision"#, r#"-0.1"#, r#"bfb999999999999a"#),
    (r#"boolean"#, r#"true"#, r#"01"#),
    (r#"text"#, r#"héllo"#, r#"68c3a96c6c6f"#),
    (r#"bytea"#, r#"\x00ff"#, r#"00ff"#),
    (r#"date"#, r#"2024-03-05"#, r#"0000227e"#),
    (r#"date"#, r#"1999-12-31"#, r#"ffffffff"#),
    (r#"time"#, r#"12:34:56.789"#, r#"0000000a8be62608"#),
    (r#"timestamp"#, r#"2024-03-05 12:34:56"#, r#"0002b5e7d69b5c00"#),
    (r#"timestamptz"#, r#"2000-01-01 00:00:01+00"#, r#"00000000000f4240"#),
    (r#"interval"#, r#"1 year 2 mons 3 days 04:05:06.5"#, r#"000000036c9361a0000000030000000e"#),
    (r#"interval"#, r#"-1 days"#, r#"0000000000000000ffffffff00000000"#),
    (r#"date"#, r#"infinity"#, r#"7fffffff"#),
    (r#"timestamp"#, r#"-infinity"#, r#"8000000000000000"#),
];

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn send_matches_postgres() {
    for (ty, text, want) in VECTORS {
        let t = DataType::from_sql_name(ty, &[]).unwrap();
        let v = cast(Value::Text(text.to_string()), &t).unwrap();
        let mut out = Vec::new();
        encode_binary(&v, &mut out);
        assert_eq!(hex(&out), *want, "{ty} {text}");
    }
}

#[test]
fn recv_matches_postgres() {
    for (ty, text, bytes) in VECTORS {
        let t = DataType::from_sql_name(ty, &[]).unwrap();
        let want = cast(Value::Text(text.to_string()), &t).unwrap();
        let got = decode_binary(&unhex(bytes), &t).unwrap();
        assert_eq!(got.to_text(), want.to_text(), "{ty} {text}");
    }
}

#[test]
fn decode_errors() {
    let e = decode_binary(&[0, 1], &DataType::Int4).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        ("08P01", "insufficient data left in message")
    );
    let e = decode_binary(&[0, 0, 0, 1, 0], &DataType::Int4).unwrap_err();
    assert_eq!(e.code, "22P03");
    // bad numeric sign
    let e = decode_binary(&unhex("0000000012340000"), &DataType::NUMERIC).unwrap_err();
    assert_eq!(e.message, "invalid sign in external \"numeric\" value");
    // digit out of range
    let e = decode_binary(&unhex("000100000000000027ff"), &DataType::NUMERIC).unwrap_err();
    assert_eq!(e.message, "invalid digit in external \"numeric\" value");
    // invalid UTF-8 text
    let e = decode_binary(&[0x61, 0xff], &DataType::Text).unwrap_err();
    assert_eq!(e.code, "22021");
    assert_eq!(
        e.message,
        "invalid byte sequence for encoding \"UTF8\": 0xff"
    );
    // varchar(n) receive applies the length check
    let e = decode_binary(b"abcd", &DataType::Varchar(Some(3))).unwrap_err();
    assert_eq!(e.code, "22001");
    assert_eq!(
        decode_binary(b"a", &DataType::Char(Some(3))).unwrap(),
        Value::Bpchar("a  ".into())
    );
    // numeric(5,2) receive rounds / overflows
    let n52 = DataType::from_sql_name("numeric", &[5, 2]).unwrap();
    let v = decode_binary(&unhex("0003000100000004000109291a85"), &n52);
    assert_eq!(v.unwrap_err().message, "numeric field overflow");
    // dscale hides digits: truncated like numeric_recv (12345.6789 with dscale 2)
    let v = decode_binary(&unhex("0003000100000002000109291a85"), &DataType::NUMERIC).unwrap();
    assert_eq!(v.to_text().unwrap(), "12345.67");
}

#[test]
fn null_encodes_nothing() {
    let mut out = Vec::new();
    encode_binary(&Value::Null, &mut out);
    assert!(out.is_empty());
}

fn round_trip(v: &Value, t: &DataType) -> Value {
    let mut out = Vec::new();
    encode_binary(v, &mut out);
    decode_binary(&out, t).unwrap()
}

proptest! {
    #[test]
    fn ints_round_trip(a in any::<i16>(), b in any::<i32>(), c in any::<i64>()) {
        prop_assert_eq!(round_trip(&Value::Int2(a), &DataType::Int2), Value::Int2(a));
        prop_assert_eq!(round_trip(&Value::Int4(b), &DataType::Int4), Value::Int4(b));
        prop_assert_eq!(round_trip(&Value::Int8(c), &DataType::Int8), Value::Int8(c));
    }

    #[test]
    fn floats_round_trip(bits in any::<u64>(), bits32 in any::<u32>()) {
        let f = f64::from_bits(bits);
        match round_trip(&Value::Float8(f), &DataType::Float8) {
            Value::Float8(g) => prop_assert_eq!(g.to_bits(), bits),
            other => prop_assert!(false, "{:?}", other),
        }
        let f = f32::from_bits(bits32);
        match round_trip(&Value::Float4(f), &DataType::Float4) {
            Value::Float4(g) => prop_assert_eq!(g.to_bits(), bits32),
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn numerics_round_trip(int in any::<i128>(), scale in 0i64..40) {
        let n = Numeric::from_parts(int.into(), scale);
        let v = Value::Numeric(n);
        let back = round_trip(&v, &DataType::NUMERIC);
        // same value and same display scale
        prop_assert_eq!(back.to_text(), v.to_text());
    }

    #[test]
    fn datetimes_round_trip(d in -2_451_545i32..2_000_000_000, t in 0i64..=86_400_000_000,
                            ts in -211_813_488_000_000_000i64..9_223_371_331_200_000_000,
                            months in any::<i32>(), days in any::<i32>(), micros in any::<i64>()) {
        prop_assert_eq!(round_trip(&Value::Date(d), &DataType::Date), Value::Date(d));
        prop_assert_eq!(round_trip(&Value::Time(t), &DataType::Time), Value::Time(t));
        prop_assert_eq!(round_trip(&Value::Timestamp(ts), &DataType::Timestamp), Value::Timestamp(ts));
        prop_assert_eq!(round_trip(&Value::Timestamptz(ts), &DataType::Timestamptz), Value::Timestamptz(ts));
        let iv = Value::Interval { months, days, micros };
        prop_assert_eq!(round_trip(&iv, &DataType::Interval), iv);
    }

    #[test]
    fn decode_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..24)) {
        for t in [DataType::Bool, DataType::Int2, DataType::Int4, DataType::Int8, DataType::Float4,
                  DataType::Float8, DataType::NUMERIC, DataType::Text, DataType::Varchar(Some(2)),
                  DataType::Char(Some(2)), DataType::Bytea, DataType::Date, DataType::Time,
                  DataType::Timestamp, DataType::Timestamptz, DataType::Interval] {
            let _ = decode_binary(&bytes, &t);
        }
    }
}
