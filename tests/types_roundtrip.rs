//! Property tests: text output re-parses to the same value, and no input
//! function panics on arbitrary input.

use isodb::sql::types::{DataType, Numeric, Value, cast, parse_text};
use proptest::prelude::*;

fn text_round_trip(v: &Value, t: &DataType) -> Value {
    let s = v.to_text().unwrap();
    parse_text(&s, t).unwrap_or_else(|e| panic!("{s:?} as {t:?}: {e}"))
}

proptest! {
    #[test]
    fn ints(a in any::<i16>(), b in any::<i32>(), c in any::<i64>()) {
        prop_assert_eq!(text_round_trip(&Value::Int2(a), &DataType::Int2), Value::Int2(a));
        prop_assert_eq!(text_round_trip(&Value::Int4(b), &DataType::Int4), Value::Int4(b));
        prop_assert_eq!(text_round_trip(&Value::Int8(c), &DataType::Int8), Value::Int8(c));
    }

    #[test]
    fn floats_round_trip_exactly(bits in any::<u64>(), bits32 in any::<u32>()) {
        let f = f64::from_bits(bits);
        match text_round_trip(&Value::Float8(f), &DataType::Float8) {
            Value::Float8(g) if f.is_nan() => prop_assert!(g.is_nan()),
            Value::Float8(g) => prop_assert_eq!(g.to_bits(), f.to_bits()),
            other => prop_assert!(false, "{:?}", other),
        }
        let f = f32::from_bits(bits32);
        match text_round_trip(&Value::Float4(f), &DataType::Float4) {
            Value::Float4(g) if f.is_nan() => prop_assert!(g.is_nan()),
            Value::Float4(g) => prop_assert_eq!(g.to_bits(), f.to_bits()),
            other => prop_assert!(false, "{:?}", other),
        }
    }

    #[test]
    fn numerics_keep_scale(int in any::<i128>(), scale in 0i64..30) {
        let v = Value::Numeric(Numeric::from_parts(int.into(), scale));
        let back = text_round_trip(&v, &DataType::NUMERIC);
        prop_assert_eq!(back.to_text(), v.to_text());
    }

    #[test]
    fn dates(d in -2_451_545i32..2_147_483_494 - 2_451_545) {
        prop_assert_eq!(text_round_trip(&Value::Date(d), &DataType::Date), Value::Date(d));
    }

    #[test]
    fn times(t in 0i64..=86_400_000_000) {
        prop_assert_eq!(text_round_trip(&Value::Time(t), &DataType::Time), Value::Time(t));
    }

    #[test]
    fn timestamps(ts in -211_813_488_000_000_000i64..9_223_371_331_200_000_000) {
        prop_assert_eq!(text_round_trip(&Value::Timestamp(ts), &DataType::Timestamp), Value::Timestamp(ts));
        prop_assert_eq!(text_round_trip(&Value::Timestamptz(ts), &DataType::Timestamptz), Value::Timestamptz(ts));
    }

    #[test]
    fn intervals(months in any::<i32>(), days in any::<i32>(), micros in any::<i64>()) {
        let v = Value::Interval { months, days, micros };
        prop_assert_eq!(text_round_trip(&v, &DataType::Interval), v);
    }

    #[test]
    fn small_intervals(months in -30i32..30, days in -40i32..40, micros in -200_000_000_000i64..200_000_000_000) {
        let v = Value::Interval { months, days, micros };
        prop_assert_eq!(text_round_trip(&v, &DataType::Interval), v);
    }

    #[test]
    fn bytea(b in proptest::collection::vec(any::<u8>(), 0..40)) {
        prop_assert_eq!(text_round_trip(&Value::Bytea(b.clone()), &DataType::Bytea), Value::Bytea(b));
    }

    #[test]
    fn input_functions_never_panic(s in "\\PC{0,24}", t in "[-+0-9.eE:@ xXa-zT\\\\]{0,24}") {
        let types = [
            DataType::Bool, DataType::Int2, DataType::Int4, DataType::Int8, DataType::Float4,
            DataType::Float8, DataType::NUMERIC,
            DataType::Numeric { precision: Some(5), scale: Some(2) }, DataType::Text,
            DataType::Varchar(Some(3)), DataType::Char(Some(3)), DataType::Bytea, DataType::Date,
            DataType::Time, DataType::Timestamp, DataType::Timestamptz, DataType::Interval,
        ];
        for ty in &types {
            for input in [&s, &t] {
                if let Ok(v) = parse_text(input, ty) {
                    let _ = v.to_text();
                    for to in &types {
                        let _ = cast(v.clone(), to);
                    }
                }
            }
        }
    }
}
