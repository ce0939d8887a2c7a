//! Comparisons across types and the hash_key equality property. Expected
//! orderings were checked against PostgreSQL 15.4 where marked.

use isodb::sql::types::{DataType, Numeric, Value, cast, compare, hash_key};
use proptest::prelude::*;
use std::cmp::Ordering::{self, *};

fn v(ty: &str, text: &str) -> Value {
    let t = DataType::from_sql_name(ty, &[]).unwrap();
    cast(Value::Text(text.into()), &t).unwrap()
}

fn key(v: &Value) -> Vec<u8> {
    let mut out = Vec::new();
    hash_key(v, &mut out);
    out
}

#[test]
fn cross_type_comparisons() {
    let cases: &[(Value, Value, Option<Ordering>)] = &[
        (Value::Int4(1), Value::Int8(1), Some(Equal)),
        (Value::Int2(2), Value::Int8(1), Some(Greater)),
        (Value::Int4(1), v("numeric", "1.0"), Some(Equal)),
        (Value::Int4(1), v("numeric", "1.01"), Some(Less)),
        (Value::Int4(1), Value::Float8(1.0), Some(Equal)), // PG: t
        (Value::Float4(0.1), Value::Float8(0.1), Some(Greater)), // float4 widened: 0.10000000149
        (v("numeric", "1.1"), Value::Float8(1.1), Some(Equal)), // numeric -> float8
        (
            Value::Float8(f64::NAN),
            Value::Float8(f64::INFINITY),
            Some(Greater),
        ), // PG: t
        (
            Value::Float8(f64::NAN),
            Value::Float8(f64::NAN),
            Some(Equal),
        ),
        (v("numeric", "NaN"), v("numeric", "1e100"), Some(Greater)), // PG: t
        (v("numeric", "NaN"), v("numeric", "NaN"), Some(Equal)),
        (v("numeric", "NaN"), v("numeric", "Infinity"), Some(Greater)), // PG: t
        (
            v("numeric", "-Infinity"),
            v("numeric", "-1e100"),
            Some(Less),
        ), // PG: t
        (
            v("numeric", "Infinity"),
            Value::Int8(i64::MAX),
            Some(Greater),
        ),
        (
            Value::Bpchar("a  ".into()),
            Value::Bpchar("a".into()),
            Some(Equal),
        ), // PG: t
        (
            Value::Text("a ".into()),
            Value::Bpchar("a  ".into()),
            Some(Greater),
        ), // PG: 'a '::text = 'a'::char(3) f
        (
            Value::Text("a".into()),
            Value::Bpchar("a  ".into()),
            Some(Equal),
        ), // PG: t
        (Value::Text("B".into()), Value::Text("a".into()), Some(Less)), // C collation
        (
            v("date", "2024-01-01"),
            v("timestamp", "2024-01-01 00:00"),
            Some(Equal),
        ), // PG: t
        (
            v("date", "2024-01-01"),
            v("timestamptz", "2024-01-01 00:00:01+00"),
            Some(Less),
        ),
        (
            v("timestamp", "2024-01-01 02:00"),
            v("timestamptz", "2024-01-01 03:00+02"),
            Some(Greater),
        ),
        (
            v("date", "infinity"),
            v("timestamp", "294276-01-01"),
            Some(Greater),
        ),
        (
            v("date", "5874897-12-31"),
            v("timestamp", "infinity"),
            Some(Less),
        ),
        (
            v("interval", "1 mon"),
            v("interval", "30 days"),
            Some(Equal),
        ), // PG: t
        (
            v("interval", "1 day"),
            v("interval", "23 hours"),
            Some(Greater),
        ),
        (
            v("time", "10:00"),
            v("time", "09:59:59.999999"),
            Some(Greater),
        ),
        (Value::Bool(false), Value::Bool(true), Some(Less)),
        (Value::Bytea(vec![1]), Value::Bytea(vec![1, 0]), Some(Less)),
        (Value::Null, Value::Int4(1), None),
        (Value::Int4(1), Value::Null, None),
    ];
    for (a, b, want) in cases {
        assert_eq!(compare(a, b).unwrap(), *want, "{a:?} vs {b:?}");
        if let Some(o) = want {
            assert_eq!(compare(b, a).unwrap(), Some(o.reverse()), "{b:?} vs {a:?}");
        }
    }
}

#[test]
fn incompatible_types_error() {
    let e = compare(&Value::Int4(1), &Value::Bool(true)).unwrap_err();
    assert_eq!(e.code, "42883");
    assert_eq!(e.message, "operator does not exist: integer = boolean");
    let e = compare(&Value::Date(0), &Value::Text("x".into())).unwrap_err();
    assert_eq!(e.message, "operator does not exist: date = text");
}

#[test]
fn hash_keys_agree_for_equal_values() {
    let groups: Vec<Vec<Value>> = vec![
        vec![
            Value::Int2(1),
            Value::Int4(1),
            Value::Int8(1),
            v("numeric", "1.0"),
            v("numeric", "1.000"),
            Value::Float8(1.0),
            Value::Float4(1.0),
        ],
        vec![v("numeric", "0.5"), Value::Float8(0.5), Value::Float4(0.5)],
        vec![
            Value::Float8(0.0),
            Value::Float8(-0.0),
            Value::Int4(0),
            v("numeric", "0.00"),
        ],
        vec![Value::Float8(f64::NAN), v("numeric", "NaN")],
        vec![
            Value::Float8(f64::INFINITY),
            v("numeric", "Infinity"),
            Value::Float4(f32::INFINITY),
        ],
        vec![Value::Float8(f64::NEG_INFINITY), v("numeric", "-inf")],
        vec![
            Value::Bpchar("ab  ".into()),
            Value::Bpchar("ab".into()),
            Value::Text("ab".into()),
        ],
        vec![
            v("date", "2024-01-01"),
            v("timestamp", "2024-01-01"),
            v("timestamptz", "2024-01-01 00:00+00"),
        ],
        vec![
            v("interval", "1 mon"),
            v("interval", "30 days"),
            v("interval", "720 hours"),
        ],
    ];
    for g in &groups {
        for a in g {
            for b in g {
                assert_eq!(compare(a, b).unwrap(), Some(Equal), "{a:?} {b:?}");
                assert_eq!(key(a), key(b), "{a:?} {b:?}");
            }
        }
    }
    // distinct values get distinct keys
    assert_ne!(key(&Value::Int4(1)), key(&Value::Int4(2)));
    assert_ne!(
        key(&Value::Text("ab ".into())),
        key(&Value::Text("ab".into()))
    );
    assert_ne!(key(&v("numeric", "0.1")), key(&Value::Float8(0.1)));
    assert_ne!(key(&Value::Int8(1 << 53)), key(&Value::Int8((1 << 53) + 1)));
    assert_ne!(key(&Value::Null), key(&Value::Int4(0)));
}

fn numeric_family() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-300i16..300).prop_map(Value::Int2),
        (-300i32..300).prop_map(Value::Int4),
        (-300i64..300).prop_map(Value::Int8),
        any::<i64>().prop_map(Value::Int8),
        (-1200i32..1200).prop_map(|i| Value::Float8(i as f64 / 4.0)),
        (-1200i32..1200).prop_map(|i| Value::Float4(i as f32 / 4.0)),
        prop::sample::select(vec![f64::NAN, f64::INFINITY, f64::NEG_INFINITY, -0.0, 0.1])
            .prop_map(Value::Float8),
        (-120_000i64..120_000, 0i64..4)
            .prop_map(|(i, s)| Value::Numeric(Numeric::from_parts(i.into(), s))),
        Just(Value::Numeric(Numeric::NaN)),
        Just(Value::Numeric(Numeric::PosInf)),
        Just(Value::Numeric(Numeric::NegInf)),
    ]
}

proptest! {
    #[test]
    fn equal_implies_same_hash(a in numeric_family(), b in numeric_family()) {
        let ord = compare(&a, &b).unwrap();
        prop_assert!(ord.is_some());
        if ord == Some(Equal) {
            prop_assert_eq!(key(&a), key(&b), "{:?} {:?}", a, b);
        }
        // antisymmetry
        prop_assert_eq!(compare(&b, &a).unwrap(), ord.map(Ordering::reverse));
    }

    #[test]
    fn int_numeric_hash_is_exact(x in any::<i64>(), y in any::<i64>(), s in 0i64..5) {
        let a = Value::Int8(x);
        let n = Value::Numeric(Numeric::from_parts(y.into(), 0).round_to(s));
        let eq = compare(&a, &n).unwrap() == Some(Equal);
        prop_assert_eq!(eq, key(&a) == key(&n));
        prop_assert_eq!(key(&a), key(&Value::Numeric(Numeric::from_i64(x).round_to(s))));
    }

    #[test]
    fn char_padding_ignored(s in "[a-z]{0,5}", pad in 0usize..4) {
        let a = Value::Bpchar(s.clone());
        let b = Value::Bpchar(format!("{s}{}", " ".repeat(pad)));
        prop_assert_eq!(compare(&a, &b).unwrap(), Some(Equal));
        prop_assert_eq!(key(&a), key(&b));
        prop_assert_eq!(key(&Value::Text(s)), key(&b));
    }
}
