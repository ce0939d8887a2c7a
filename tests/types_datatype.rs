//! DataType catalog facts (OIDs, names, typlen, typmod) and name parsing.

use isodb::sql::types::{
    DataType, Interval, Numeric, Value, add, cast, compare, concat_op, div, mul, neg, rem, sub,
};
use proptest::prelude::*;

fn t(name: &str, mods: &[u32]) -> DataType {
    DataType::from_sql_name(name, mods).unwrap()
}

#[test]
fn names_and_aliases() {
    use DataType::*;
    let cases: &[(&str, &[u32], DataType, &str)] = &[
        ("int", &[], Int4, "integer"),
        ("INT4", &[], Int4, "integer"),
        ("integer", &[], Int4, "integer"),
        ("int2", &[], Int2, "smallint"),
        ("smallint", &[], Int2, "smallint"),
        ("int8", &[], Int8, "bigint"),
        ("bigint", &[], Int8, "bigint"),
        ("float4", &[], Float4, "real"),
        ("real", &[], Float4, "real"),
        ("float8", &[], Float8, "double precision"),
        ("double   precision", &[], Float8, "double precision"),
        ("float", &[], Float8, "double precision"),
        ("float", &[24], Float4, "real"),
        ("float", &[25], Float8, "double precision"),
        ("numeric", &[], DataType::NUMERIC, "numeric"),
        (
            "decimal",
            &[10, 2],
            Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            "numeric(10,2)",
        ),
        (
            "numeric",
            &[7],
            Numeric {
                precision: Some(7),
                scale: Some(0),
            },
            "numeric(7,0)",
        ),
        ("text", &[], Text, "text"),
        ("varchar", &[3], Varchar(Some(3)), "character varying(3)"),
        ("character varying", &[], Varchar(None), "character varying"),
        ("char", &[], Char(Some(1)), "character(1)"),
        ("character", &[5], Char(Some(5)), "character(5)"),
        ("bpchar", &[], Char(None), "bpchar"),
        ("bool", &[], Bool, "boolean"),
        ("boolean", &[], Bool, "boolean"),
        ("bytea", &[], Bytea, "bytea"),
        ("date", &[], Date, "date"),
        ("time", &[], Time, "time without time zone"),
        ("timestamp", &[], Timestamp, "timestamp without time zone"),
        ("timestamptz", &[], Timestamptz, "timestamp with time zone"),
        (
            "timestamp with time zone",
            &[],
            Timestamptz,
            "timestamp with time zone",
        ),
        ("interval", &[], Interval, "interval"),
    ];
    for (name, mods, want, printed) in cases {
        let got = t(name, mods);
        assert_eq!(got, *want, "{name}");
        assert_eq!(got.name(), *printed, "{name}");
    }
}

#[test]
fn name_errors() {
    let e = DataType::from_sql_name("foo", &[]).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        ("42704", "type \"foo\" does not exist")
    );
    let e = DataType::from_sql_name("varchar", &[0]).unwrap_err();
    assert_eq!(e.message, "length for type varchar must be at least 1");
    let e = DataType::from_sql_name("numeric", &[0]).unwrap_err();
    assert_eq!(e.message, "NUMERIC precision 0 must be between 1 and 1000");
    let e = DataType::from_sql_name("float", &[0]).unwrap_err();
    assert_eq!(e.message, "precision for type float must be at least 1 bit");
    let e = DataType::from_sql_name("float", &[54]).unwrap_err();
    assert_eq!(
        e.message,
        "precision for type float must be less than 54 bits"
    );
}

#[test]
fn oids_typlen_typmod() {
    let cases: &[(DataType, u32, i16, i32)] = &[
        (DataType::Bool, 16, 1, -1),
        (DataType::Bytea, 17, -1, -1),
        (DataType::Int8, 20, 8, -1),
        (DataType::Int2, 21, 2, -1),
        (DataType::Int4, 23, 4, -1),
        (DataType::Text, 25, -1, -1),
        (DataType::Float4, 700, 4, -1),
        (DataType::Float8, 701, 8, -1),
        (DataType::Unknown, 705, -2, -1),
        (DataType::Char(Some(1)), 1042, -1, 5),
        (DataType::Varchar(Some(3)), 1043, -1, 7),
        (DataType::Varchar(None), 1043, -1, -1),
        (DataType::Date, 1082, 4, -1),
        (DataType::Time, 1083, 8, -1),
        (DataType::Timestamp, 1114, 8, -1),
        (DataType::Timestamptz, 1184, 8, -1),
        (DataType::Interval, 1186, 16, -1),
        (DataType::NUMERIC, 1700, -1, -1),
        (
            DataType::Numeric {
                precision: Some(10),
                scale: Some(2),
            },
            1700,
            -1,
            (10 << 16 | 2) + 4,
        ),
    ];
    for (ty, oid, len, typmod) in cases {
        assert_eq!(ty.oid(), *oid, "{ty:?}");
        assert_eq!(ty.typlen(), *len, "{ty:?}");
        assert_eq!(ty.typmod(), *typmod, "{ty:?}");
    }
}

#[test]
fn value_types() {
    assert_eq!(Value::Int4(1).data_type(), DataType::Int4);
    assert_eq!(Value::Bpchar("a".into()).data_type().oid(), 1042);
    assert_eq!(Value::Numeric(Numeric::NaN).data_type().oid(), 1700);
    let iv = Interval {
        months: 1,
        days: 2,
        micros: 3,
    };
    assert_eq!(Value::interval(iv).as_interval(), Some(iv));
}

fn any_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i16>().prop_map(Value::Int2),
        any::<i32>().prop_map(Value::Int4),
        any::<i64>().prop_map(Value::Int8),
        any::<f32>().prop_map(Value::Float4),
        any::<f64>().prop_map(Value::Float8),
        (any::<i64>(), 0i64..30)
            .prop_map(|(i, s)| Value::Numeric(Numeric::from_parts(i.into(), s))),
        Just(Value::Numeric(Numeric::NaN)),
        "[a-c ]{0,4}".prop_map(Value::Text),
        "[a-c ]{0,4}".prop_map(Value::Bpchar),
        proptest::collection::vec(any::<u8>(), 0..4).prop_map(Value::Bytea),
        any::<i32>().prop_map(Value::Date),
        any::<i64>().prop_map(Value::Time),
        any::<i64>().prop_map(Value::Timestamp),
        any::<i64>().prop_map(Value::Timestamptz),
        (any::<i32>(), any::<i32>(), any::<i64>()).prop_map(|(months, days, micros)| {
            Value::Interval {
                months,
                days,
                micros,
            }
        }),
    ]
}

proptest! {
    #[test]
    fn operators_never_panic(a in any_value(), b in any_value()) {
        for f in [add, sub, mul, div, rem, concat_op] {
            let _ = f(&a, &b);
        }
        let _ = neg(&a);
        let _ = compare(&a, &b);
        let _ = a.to_text();
        for ty in [DataType::Int2, DataType::Int4, DataType::Int8, DataType::Float4, DataType::Float8,
                   DataType::NUMERIC, DataType::Text, DataType::Varchar(Some(2)), DataType::Date,
                   DataType::Timestamp, DataType::Time, DataType::Interval, DataType::Bool] {
            let _ = cast(a.clone(), &ty);
        }
    }
}
