//! Text input/output against outputs recorded from PostgreSQL 15.4
//! (`SELECT 'input'::type` run through psql; errors with VERBOSITY=verbose).

use isodb::sql::types::{DataType, SqlError, Value, cast, parse_text};

type Row = (
    &'static str,
    &'static [u32],
    &'static str,
    Result<&'static str, (&'static str, &'static str)>,
);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    (r#"integer"#, &[], r#"42"#, Ok(r#"42"#)),
    (r#"integer"#, &[], r#"  12 "#, Ok(r#"12"#)),
    (r#"integer"#, &[], r#"-2147483648"#, Ok(r#"-2147483648"#)),
    (r#"integer"#, &[], r#"2147483648"#, Err((r#"22003"#, r#"value "2147483648" is out of range for type integer"#))),
    (r#"integer"#, &[], r#"abc"#, Err((r#"22P02"#, r#"invalid input syntax for type integer: "abc""#))),
    (r#"integer"#, &[], r#""#, Err((r#"22P02"#, r#"invalid input syntax for type integer: """#))),
    (r#"integer"#, &[], r#"1.5"#, Err((r#"22P02"#, r#"invalid input syntax for type integer: "1.5""#))),
    (r#"integer"#, &[], r#"+7"#, Ok(r#"7"#)),
    (r#"integer"#, &[], r#"- 1"#, Err((r#"22P02"#, r#"invalid input syntax for type integer: "- 1""#))),
    (r#"smallint"#, &[], r#"32767"#, Ok(r#"32767"#)),
    (r#"smallint"#, &[], r#"32768"#, Err((r#"22003"#, r#"value "32768" is out of range for type smallint"#))),
    (r#"smallint"#, &[], r#"-32768"#, Ok(r#"-32768"#)),
    (r#"bigint"#, &[], r#"9223372036854775807"#, Ok(r#"9223372036854775807"#)),
    (r#"bigint"#, &[], r#"9223372036854775808"#, Err((r#"22003"#, r#"value "9223372036854775808" is out of range for type bigint"#))),
    (r#"bigint"#, &[], r#"-9223372036854775808"#, Ok(r#"-9223372036854775808"#)),
    (r#"double precision"#, &[], r#"1.5"#, Ok(r#"1.5"#)),
    (r#"double precision"#, &[], r#"0.1"#, Ok(r#"0.1"#)),
    (r#"double precision"#, &[], r#"1e20"#, Ok(r#"1e+20"#)),
    (r#"double precision"#, &[], r#"100000"#, Ok(r#"100000"#)),
    (r#"double precision"#, &[], r#"1e16"#, Ok(r#"1e+16"#)),
    (r#"double precision"#, &[], r#"1e15"#, Ok(r#"1e+15"#)),
    (r#"double precision"#, &[], r#"1e14"#, Ok(r#"100000000000000"#)),
    (r#"double precision"#, &[], r#"123456789012345678"#, Ok(r#"1.2345678901234568e+17"#)),
    (r#"double precision"#, &[], r#"NaN"#, Ok(r#"NaN"#)),
    (r#"double precision"#, &[], r#"Infinity"#, Ok(r#"Infinity"#)),
    (r#"double precision"#, &[], r#"-inf"#, Ok(r#"-Infinity"#)),
    (r#"double precision"#, &[], r#"1e400"#, Err((r#"22003"#, r#""1e400" is out of range for type double precision"#))),
    (r#"double precision"#, &[], r#"1e-400"#, Err((r#"22003"#, r#""1e-400" is out of range for type double precision"#))),
    (r#"double precision"#, &[], r#"0.000012345678901234567"#, Ok(r#"1.2345678901234568e-05"#)),
    (r#"double precision"#, &[], r#"-0"#, Ok(r#"-0"#)),
    (r#"double precision"#, &[], r#"  3.25  "#, Ok(r#"3.25"#)),
    (r#"double precision"#, &[], r#"abc"#, Err((r#"22P02"#, r#"invalid input syntax for type double precision: "abc""#))),
    (r#"double precision"#, &[], r#"1e-5"#, Ok(r#"1e-05"#)),
    (r#"double precision"#, &[], r#"1.0e-4"#, Ok(r#"0.0001"#)),
    (r#"double precision"#, &[], r#"5e-324"#, Ok(r#"5e-324"#)),
    (r#"double precision"#, &[], r#"0.0001"#, Ok(r#"0.0001"#)),
    (r#"double precision"#, &[], r#"0.00001"#, Ok(r#"1e-05"#)),
    (r#"double precision"#, &[], r#"1.7976931348623157e308"#, Ok(r#"1.7976931348623157e+308"#)),
    (r#"double precision"#, &[], r#"-12.5e3"#, Ok(r#"-12500"#)),
    (r#"double precision"#, &[], r#".5"#, Ok(r#"0.5"#)),
    (r#"double precision"#, &[], r#"5."#, Ok(r#"5"#)),
    (r#"double precision"#, &[], r#"73223e16"#, Ok(r#"7.322300000000001e+20"#)),
    (r#"double precision"#, &[], r#"-31791776701218967"#, Ok(r#"-3.1791776701218968e+16"#)),
    (r#"double precision"#, &[], r#"824460568015160.2628252965"#, Ok(r#"824460568015160.2"#)),
    (r#"double precision"#, &[], r#"1e15"#, Ok(r#"1e+15"#)),
    (r#"double precision"#, &[], r#"123456789012345.6"#, Ok(r#"123456789012345.6"#)),
    (r#"double precision"#, &[], r#"0.30000000000000004"#, Ok(r#"0.30000000000000004"#)),
    (r#"real"#, &[], r#"1.5"#, Ok(r#"1.5"#)),
    (r#"real"#, &[], r#"0.1"#, Ok(r#"0.1"#)),
    (r#"real"#, &[], r#"1e6"#, Ok(r#"1e+06"#)),
    (r#"real"#, &[], r#"100000"#, Ok(r#"100000"#)),
    (r#"real"#, &[], r#"3.4e38"#, Ok(r#"3.4e+38"#)),
    (r#"real"#, &[], r#"1e39"#, Err((r#"22003"#, r#""1e39" is out of range for type real"#))),
    (r#"real"#, &[], r#"nan"#, Ok(r#"NaN"#)),
    (r#"real"#, &[], r#"-Infinity"#, Ok(r#"-Infinity"#)),
    (r#"real"#, &[], r#"123456.7"#, Ok(r#"123456.7"#)),
    (r#"real"#, &[], r#"1234567"#, Ok(r#"1.234567e+06"#)),
    (r#"real"#, &[], r#"1e-5"#, Ok(r#"1e-05"#)),
    (r#"real"#, &[], r#"0.3333333333"#, Ok(r#"0.33333334"#)),
    (r#"real"#, &[], r#"-334609.6292797418"#, Ok(r#"-334609.62"#)),
    (r#"real"#, &[], r#"519324.6248894443"#, Ok(r#"519324.62"#)),
    (r#"real"#, &[], r#"16777217"#, Ok(r#"1.6777216e+07"#)),
    (r#"real"#, &[], r#"1e-45"#, Ok(r#"1e-45"#)),
    (r#"real"#, &[], r#"3.4028235e38"#, Ok(r#"3.4028235e+38"#)),
    (r#"numeric"#, &[], r#"1.50"#, Ok(r#"1.50"#)),
    (r#"numeric"#, &[], r#"  -0.00 "#, Ok(r#"0.00"#)),
    (r#"numeric"#, &[], r#"NaN"#, Ok(r#"NaN"#)),
    (r#"numeric"#, &[], r#"nan"#, Ok(r#"NaN"#)),
    (r#"numeric"#, &[], r#"1e3"#, Ok(r#"1000"#)),
    (r#"numeric"#, &[], r#"1.5e-3"#, Ok(r#"0.0015"#)),
    (r#"numeric"#, &[], r#"abc"#, Err((r#"22P02"#, r#"invalid input syntax for type numeric: "abc""#))),
    (r#"numeric"#, &[], r#"00012.3400"#, Ok(r#"12.3400"#)),
    (r#"numeric"#, &[], r#".5"#, Ok(r#"0.5"#)),
    (r#"numeric"#, &[], r#"5."#, Ok(r#"5"#)),
    (r#"numeric"#, &[], r#"1e"#, Err((r#"22P02"#, r#"invalid input syntax for type numeric: "1e""#))),
    (r#"numeric"#, &[], r#"-.5e2"#, Ok(r#"-50"#)),
    (r#"numeric"#, &[], r#"123456789012345678901234567890.123456789"#, Ok(r#"123456789012345678901234567890.123456789"#)),
    (r#"numeric"#, &[], r#"inf"#, Ok(r#"Infinity"#)),
    (r#"numeric"#, &[], r#"-Infinity"#, Ok(r#"-Infinity"#)),
    (r#"numeric"#, &[], r#"+infinity"#, Ok(r#"Infinity"#)),
    (r#"numeric"#, &[], r#" Infinity "#, Ok(r#"Infinity"#)),
    (r#"numeric"#, &[], r#"infinityx"#, Err((r#"22P02"#, r#"invalid input syntax for type numeric: "infinityx""#))),
    (r#"numeric"#, &[5,2], r#"123.456"#, Ok(r#"123.46"#)),
    (r#"numeric"#, &[5,2], r#"999.995"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, &[5,2], r#"-999.994"#, Ok(r#"-999.99"#)),
    (r#"numeric"#, &[5,2], r#"1000"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, &[5,2], r#"0.001"#, Ok(r#"0.00"#)),
    (r#"numeric"#, &[5,2], r#"-0.005"#, Ok(r#"-0.01"#)),
    (r#"numeric"#, &[5,2], r#"Infinity"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, &[5,2], r#"NaN"#, Ok(r#"NaN"#)),
    (r#"numeric"#, &[2,2], r#"0.99"#, Ok(r#"0.99"#)),
    (r#"numeric"#, &[2,2], r#"1"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, &[2,2], r#"0.995"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, &[3], r#"999.5"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"numeric"#, &[3], r#"999.4"#, Ok(r#"999"#)),
    (r#"numeric"#, &[3], r#"-999.5"#, Err((r#"22003"#, r#"numeric field overflow"#))),
    (r#"boolean"#, &[], r#"t"#, Ok(r#"t"#)),
    (r#"boolean"#, &[], r#"TRUE"#, Ok(r#"t"#)),
    (r#"boolean"#, &[], r#" yes "#, Ok(r#"t"#)),
    (r#"boolean"#, &[], r#"on"#, Ok(r#"t"#)),
    (r#"boolean"#, &[], r#"1"#, Ok(r#"t"#)),
    (r#"boolean"#, &[], r#"f"#, Ok(r#"f"#)),
    (r#"boolean"#, &[], r#"false"#, Ok(r#"f"#)),
    (r#"boolean"#, &[], r#"no"#, Ok(r#"f"#)),
    (r#"boolean"#, &[], r#"off"#, Ok(r#"f"#)),
    (r#"boolean"#, &[], r#"0"#, Ok(r#"f"#)),
    (r#"boolean"#, &[], r#"of"#, Ok(r#"f"#)),
    (r#"boolean"#, &[], r#"o"#, Err((r#"22P02"#, r#"invalid input syntax for type boolean: "o""#))),
    (r#"boolean"#, &[], r#"tr"#, Ok(r#"t"#)),
    (r#"boolean"#, &[], r#"y"#, Ok(r#"t"#)),
    (r#"boolean"#, &[], r#"maybe"#, Err((r#"22P02"#, r#"invalid input syntax for type boolean: "maybe""#))),
    (r#"boolean"#, &[], r#""#, Err((r#"22P02"#, r#"invalid input syntax for type boolean: """#))),
    (r#"bytea"#, &[], r#"\x0102ff"#, Ok(r#"\x0102ff"#)),
    (r#"bytea"#, &[], r#"\xZZ"#, Err((r#"22023"#, r#"invalid hexadecimal digit: "Z""#))),
    (r#"bytea"#, &[], r#"\x012"#, Err((r#"22023"#, r#"invalid hexadecimal data: odd number of digits"#))),
    (r#"bytea"#, &[], r#"abc"#, Ok(r#"\x616263"#)),
    (r#"bytea"#, &[], r#"a\\b"#, Ok(r#"\x615c62"#)),
    (r#"bytea"#, &[], r#"\001\377"#, Ok(r#"\x01ff"#)),
    (r#"bytea"#, &[], r#"a\b"#, Err((r#"22P02"#, r#"invalid input syntax for type bytea"#))),
    (r#"bytea"#, &[], r#"\x01 02"#, Ok(r#"\x0102"#)),
    (r#"bytea"#, &[], r#"\X0A"#, Err((r#"22P02"#, r#"invalid input syntax for type bytea"#))),
    (r#"character varying"#, &[3], r#"abc"#, Ok(r#"abc"#)),
    (r#"character varying"#, &[3], r#"abcd"#, Ok(r#"abc"#)),
    (r#"character varying"#, &[3], r#"ab   "#, Ok(r#"ab "#)),
    (r#"character varying"#, &[3], r#"abc  "#, Ok(r#"abc"#)),
    (r#"character varying"#, &[3], r#"ab  d"#, Ok(r#"ab "#)),
    (r#"character varying"#, &[3], r#"héé"#, Ok(r#"héé"#)),
    (r#"character varying"#, &[3], r#"héél"#, Ok(r#"héé"#)),
    (r#"character"#, &[3], r#"a"#, Ok(r#"a  "#)),
    (r#"character"#, &[3], r#"abc"#, Ok(r#"abc"#)),
    (r#"character"#, &[3], r#"abcd"#, Ok(r#"abc"#)),
    (r#"character"#, &[3], r#"ab    "#, Ok(r#"ab "#)),
    (r#"character"#, &[3], r#"abc d"#, Ok(r#"abc"#)),
    (r#"character"#, &[], r#"ab"#, Ok(r#"a"#)),
    (r#"character"#, &[], r#"abc"#, Ok(r#"a"#)),
    (r#"text"#, &[], r#"  spaced  "#, Ok(r#"  spaced  "#)),
    (r#"text"#, &[], r#""#, Ok(r#""#)),
    (r#"date"#, &[], r#"2024-03-05"#, Ok(r#"2024-03-05"#)),
    (r#"date"#, &[], r#" 2024-03-05 "#, Ok(r#"2024-03-05"#)),
    (r#"date"#, &[], r#"2024-02-29"#, Ok(r#"2024-02-29"#)),
    (r#"date"#, &[], r#"2023-02-29"#, Err((r#"22008"#, r#"date/time field value out of range: "2023-02-29""#))),
    (r#"date"#, &[], r#"2024-13-01"#, Err((r#"22008"#, r#"date/time field value out of range: "2024-13-01""#))),
    (r#"date"#, &[], r#"2024-01-32"#, Err((r#"22008"#, r#"date/time field value out of range: "2024-01-32""#))),
    (r#"date"#, &[], r#"abc"#, Err((r#"22007"#, r#"invalid input syntax for type date: "abc""#))),
    (r#"date"#, &[], r#"0001-01-01 BC"#, Ok(r#"0001-01-01 BC"#)),
    (r#"date"#, &[], r#"20240305"#, Ok(r#"2024-03-05"#)),
    (r#"date"#, &[], r#"infinity"#, Ok(r#"infinity"#)),
    (r#"date"#, &[], r#"-infinity"#, Ok(r#"-infinity"#)),
    (r#"date"#, &[], r#"4714-11-24 BC"#, Ok(r#"4714-11-24 BC"#)),
    (r#"date"#, &[], r#"4714-11-23 BC"#, Err((r#"22008"#, r#"date out of range: "4714-11-23 BC""#))),
    (r#"date"#, &[], r#"5874897-12-31"#, Ok(r#"5874897-12-31"#)),
    (r#"date"#, &[], r#"epoch"#, Ok(r#"1970-01-01"#)),
    (r#"date"#, &[], r#"2024-00-10"#, Err((r#"22008"#, r#"date/time field value out of range: "2024-00-10""#))),
    (r#"date"#, &[], r#"0099-01-01"#, Ok(r#"0099-01-01"#)),
    (r#"date"#, &[], r#"12345-06-07"#, Ok(r#"12345-06-07"#)),
    (r#"time"#, &[], r#"12:34:56"#, Ok(r#"12:34:56"#)),
    (r#"time"#, &[], r#"12:34:56.123"#, Ok(r#"12:34:56.123"#)),
    (r#"time"#, &[], r#"12:34"#, Ok(r#"12:34:00"#)),
    (r#"time"#, &[], r#"24:00:00"#, Ok(r#"24:00:00"#)),
    (r#"time"#, &[], r#"24:00:01"#, Err((r#"22008"#, r#"date/time field value out of range: "24:00:01""#))),
    (r#"time"#, &[], r#"12:60:00"#, Err((r#"22008"#, r#"date/time field value out of range: "12:60:00""#))),
    (r#"time"#, &[], r#"12:00:60"#, Ok(r#"12:01:00"#)),
    (r#"time"#, &[], r#"12:34:56.1234567"#, Ok(r#"12:34:56.123457"#)),
    (r#"time"#, &[], r#"abc"#, Err((r#"22007"#, r#"invalid input syntax for type time: "abc""#))),
    (r#"time"#, &[], r#"00:00:00.000001"#, Ok(r#"00:00:00.000001"#)),
    (r#"time"#, &[], r#"23:59:59.9999999"#, Ok(r#"24:00:00"#)),
    (r#"timestamp"#, &[], r#"2024-03-05 12:34:56"#, Ok(r#"2024-03-05 12:34:56"#)),
    (r#"timestamp"#, &[], r#"2024-03-05T12:34:56.5"#, Ok(r#"2024-03-05 12:34:56.5"#)),
    (r#"timestamp"#, &[], r#"2024-03-05"#, Ok(r#"2024-03-05 00:00:00"#)),
    (r#"timestamp"#, &[], r#"2024-03-05 12:34:56+02"#, Ok(r#"2024-03-05 12:34:56"#)),
    (r#"timestamp"#, &[], r#"infinity"#, Ok(r#"infinity"#)),
    (r#"timestamp"#, &[], r#"294276-12-31 23:59:59.999999"#, Ok(r#"294276-12-31 23:59:59.999999"#)),
    (r#"timestamp"#, &[], r#"294277-01-01"#, Err((r#"22008"#, r#"timestamp out of range: "294277-01-01""#))),
    (r#"timestamp"#, &[], r#"0001-01-01 00:00:00 BC"#, Ok(r#"0001-01-01 00:00:00 BC"#)),
    (r#"timestamp"#, &[], r#"2024-03-05 25:00"#, Err((r#"22008"#, r#"date/time field value out of range: "2024-03-05 25:00""#))),
    (r#"timestamp"#, &[], r#"x"#, Err((r#"22007"#, r#"invalid input syntax for type timestamp: "x""#))),
    (r#"timestamp"#, &[], r#"2024-03-05 12:34:56.000001"#, Ok(r#"2024-03-05 12:34:56.000001"#)),
    (r#"timestamp"#, &[], r#"epoch"#, Ok(r#"1970-01-01 00:00:00"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05 12:34:56+02"#, Ok(r#"2024-03-05 10:34:56+00"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05 12:34:56+05:30"#, Ok(r#"2024-03-05 07:04:56+00"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05 12:34:56Z"#, Ok(r#"2024-03-05 12:34:56+00"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05 12:34:56-0800"#, Ok(r#"2024-03-05 20:34:56+00"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05 12:34:56 UTC"#, Ok(r#"2024-03-05 12:34:56+00"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05"#, Ok(r#"2024-03-05 00:00:00+00"#)),
    (r#"timestamptz"#, &[], r#"-infinity"#, Ok(r#"-infinity"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05 12:34:56 +02"#, Ok(r#"2024-03-05 10:34:56+00"#)),
    (r#"timestamptz"#, &[], r#"2024-03-05T00:00:00-01"#, Ok(r#"2024-03-05 01:00:00+00"#)),
    (r#"timestamptz"#, &[], r#"2000-01-01 00:00:00+14"#, Ok(r#"1999-12-31 10:00:00+00"#)),
    (r#"interval"#, &[], r#"1 day"#, Ok(r#"1 day"#)),
    (r#"interval"#, &[], r#"2 hours 30 minutes"#, Ok(r#"02:30:00"#)),
    (r#"interval"#, &[], r#"1 year 2 months"#, Ok(r#"1 year 2 mons"#)),
    (r#"interval"#, &[], r#"3 days 04:05:06"#, Ok(r#"3 days 04:05:06"#)),
    (r#"interval"#, &[], r#"-1 day"#, Ok(r#"-1 days"#)),
    (r#"interval"#, &[], r#"@ 1 minute ago"#, Ok(r#"-00:01:00"#)),
    (r#"interval"#, &[], r#"1.5 days"#, Ok(r#"1 day 12:00:00"#)),
    (r#"interval"#, &[], r#"1.5 months"#, Ok(r#"1 mon 15 days"#)),
    (r#"interval"#, &[], r#"1.5 years"#, Ok(r#"1 year 6 mons"#)),
    (r#"interval"#, &[], r#"-1 days 2 hours"#, Ok(r#"-1 days +02:00:00"#)),
    (r#"interval"#, &[], r#"1 day -2 hours"#, Ok(r#"1 day -02:00:00"#)),
    (r#"interval"#, &[], r#"5"#, Ok(r#"00:00:05"#)),
    (r#"interval"#, &[], r#"00:00:00"#, Ok(r#"00:00:00"#)),
    (r#"interval"#, &[], r#"0"#, Ok(r#"00:00:00"#)),
    (r#"interval"#, &[], r#"1 week"#, Ok(r#"7 days"#)),
    (r#"interval"#, &[], r#"1 mon -1 day"#, Ok(r#"1 mon -1 days"#)),
    (r#"interval"#, &[], r#"100 hours"#, Ok(r#"100:00:00"#)),
    (r#"interval"#, &[], r#"1 day 1 day"#, Err((r#"22007"#, r#"invalid input syntax for type interval: "1 day 1 day""#))),
    (r#"interval"#, &[], r#"xyz"#, Err((r#"22007"#, r#"invalid input syntax for type interval: "xyz""#))),
    (r#"interval"#, &[], r#"1 decade"#, Ok(r#"10 years"#)),
    (r#"interval"#, &[], r#"2 centuries"#, Ok(r#"200 years"#)),
    (r#"interval"#, &[], r#"1 millennium"#, Ok(r#"1000 years"#)),
    (r#"interval"#, &[], r#"1:30"#, Ok(r#"01:30:00"#)),
    (r#"interval"#, &[], r#"-1:30"#, Ok(r#"-01:30:00"#)),
    (r#"interval"#, &[], r#"1 day 1:30:15.5"#, Ok(r#"1 day 01:30:15.5"#)),
    (r#"interval"#, &[], r#"10 seconds ago"#, Ok(r#"-00:00:10"#)),
    (r#"interval"#, &[], r#"500 ms"#, Ok(r#"00:00:00.5"#)),
    (r#"interval"#, &[], r#"1.5 minutes"#, Ok(r#"00:01:30"#)),
    (r#"interval"#, &[], r#"1 year 13 months"#, Ok(r#"2 years 1 mon"#)),
    (r#"interval"#, &[], r#"-1 year -2 mons +3 days"#, Ok(r#"-1 years -2 mons +3 days"#)),
    (r#"interval"#, &[], r#"1 hour ago"#, Ok(r#"-01:00:00"#)),
    (r#"interval"#, &[], r#"2 weeks 3 days"#, Ok(r#"17 days"#)),
    (r#"interval"#, &[], r#"1 mon 30 days"#, Ok(r#"1 mon 30 days"#)),
    (r#"interval"#, &[], r#"@ 2 days 3 hours ago"#, Ok(r#"-2 days -03:00:00"#)),
    (r#"interval"#, &[], r#""#, Err((r#"22007"#, r#"invalid input syntax for type interval: """#))),
    (r#"interval"#, &[], r#"5 ago"#, Err((r#"22007"#, r#"invalid input syntax for type interval: "5 ago""#))),
    (r#"interval"#, &[], r#"1 day 5"#, Ok(r#"1 day 00:00:05"#)),
    (r#"interval"#, &[], r#"1:30:00 ago"#, Ok(r#"-01:30:00"#)),
    (r#"interval"#, &[], r#"1 day ago 2"#, Ok(r#"-1 days -00:00:02"#)),
    (r#"interval"#, &[], r#"ago"#, Err((r#"22007"#, r#"invalid input syntax for type interval: "ago""#))),
    (r#"interval"#, &[], r#"@ 1"#, Ok(r#"00:00:01"#)),
    (r#"interval"#, &[], r#"-1:30:00.5"#, Ok(r#"-01:30:00.5"#)),
    (r#"interval"#, &[], r#".5"#, Ok(r#"00:00:00.5"#)),
    (r#"interval"#, &[], r#"1. day"#, Ok(r#"1 day"#)),
    (r#"interval"#, &[], r#"+1 day"#, Ok(r#"1 day"#)),
    (r#"interval"#, &[], r#"1 d 2 h 3 m 4 s"#, Ok(r#"1 day 02:03:04"#)),
    (r#"interval"#, &[], r#"3 4:05"#, Ok(r#"3 days 04:05:00"#)),
    (r#"interval"#, &[], r#"1 hour 30"#, Ok(r#"01:00:30"#)),
    (r#"interval"#, &[], r#"1,5 days"#, Err((r#"22007"#, r#"invalid input syntax for type interval: "1,5 days""#))),
    (r#"interval"#, &[], r#"@ 0 ago"#, Err((r#"22007"#, r#"invalid input syntax for type interval: "@ 0 ago""#))),
    (r#"interval"#, &[], r#"2147483648 days"#, Err((r#"22015"#, r#"interval field value out of range: "2147483648 days""#))),
];

#[test]
fn text_io_matches_postgres() {
    let mut failures = Vec::new();
    for (name, mods, input, expected) in ROWS {
        let ty = DataType::from_sql_name(name, mods).expect("type name");
        // `'literal'::type` is an explicit cast of an unknown literal.
        let got = cast(Value::Text(input.to_string()), &ty);
        let got = match got {
            Ok(v) => Ok(v.to_text().unwrap_or_default()),
            Err(e) => Err((e.code, e.message)),
        };
        let exp = match expected {
            Ok(s) => Ok(s.to_string()),
            Err((c, m)) => Err((*c, m.to_string())),
        };
        if got != exp {
            failures.push(format!(
                "{name}{mods:?} {input:?}: got {got:?}, want {exp:?}"
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
fn text_output_round_trips() {
    // For every successful row, PostgreSQL's output text must parse back
    // (with the same type) to a value that prints identically.
    for (name, mods, input, expected) in ROWS {
        let Ok(out) = expected else { continue };
        let ty = DataType::from_sql_name(name, mods).expect("type name");
        let v = cast(Value::Text(input.to_string()), &ty).expect("row parses");
        let again = parse_text(out, &ty).expect("output re-parses");
        assert_eq!(again.to_text(), v.to_text(), "{name} {input}");
    }
}

#[test]
fn numeric_field_overflow_detail() {
    let ty = DataType::from_sql_name("numeric", &[5, 2]).unwrap();
    let e = parse_text("1000", &ty).unwrap_err();
    assert_eq!(e.code, "22003");
    assert_eq!(e.message, "numeric field overflow");
    assert_eq!(
        e.detail.as_deref(),
        Some("A field with precision 5, scale 2 must round to an absolute value less than 10^3.")
    );
    let ty = DataType::from_sql_name("numeric", &[2, 2]).unwrap();
    let e = parse_text("1", &ty).unwrap_err();
    assert_eq!(
        e.detail.as_deref(),
        Some("A field with precision 2, scale 2 must round to an absolute value less than 1.")
    );
}

#[test]
fn numeric_infinity_typmod_detail() {
    let ty = DataType::from_sql_name("numeric", &[5, 2]).unwrap();
    let e = parse_text("Infinity", &ty).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        ("22003", "numeric field overflow")
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("A field with precision 5, scale 2 cannot hold an infinite value.")
    );
}

#[test]
fn input_function_length_checks() {
    // The input function / assignment path errors where an explicit cast truncates.
    let vc3 = DataType::Varchar(Some(3));
    let e = parse_text("abcd", &vc3).unwrap_err();
    assert_eq!(
        (e.code, e.message.as_str()),
        ("22001", "value too long for type character varying(3)")
    );
    assert_eq!(
        parse_text("abc   ", &vc3).unwrap(),
        Value::Text("abc".into())
    );
    assert_eq!(parse_text("ab", &vc3).unwrap(), Value::Text("ab".into()));
    let c3 = DataType::Char(Some(3));
    let e = parse_text("abcd", &c3).unwrap_err();
    assert_eq!(e.message, "value too long for type character(3)");
    assert_eq!(parse_text("a", &c3).unwrap(), Value::Bpchar("a  ".into()));
    assert_eq!(
        parse_text("ab    ", &c3).unwrap(),
        Value::Bpchar("ab ".into())
    );
}

#[test]
fn datestyle_hint() {
    let e = parse_text("2024-13-01", &DataType::Date).unwrap_err();
    assert_eq!(
        e.hint.as_deref(),
        Some("Perhaps you need a different \"datestyle\" setting.")
    );
    let e = parse_text("2023-02-29", &DataType::Date).unwrap_err();
    assert_eq!(e.hint, None);
    let e = parse_text("2024-03-05 12:34:56+16", &DataType::Timestamptz).unwrap_err();
    assert_eq!(e.code, "22009");
}

#[test]
fn null_and_display() {
    assert_eq!(Value::Null.to_text(), None);
    assert!(Value::Null.is_null());
    let e = SqlError::division_by_zero();
    assert_eq!(e.to_string(), "ERROR:  division by zero");
    assert_eq!(Value::Bool(true).to_text().as_deref(), Some("t"));
    assert_eq!(
        Value::Bytea(vec![1, 2, 255]).to_text().as_deref(),
        Some("\\x0102ff")
    );
    assert_eq!(Value::Float8(1e20).to_text().as_deref(), Some("1e+20"));
    assert_eq!(
        Value::Float8(f64::NEG_INFINITY).to_text().as_deref(),
        Some("-Infinity")
    );
    assert_eq!(
        Value::Interval {
            months: 14,
            days: 3,
            micros: 14_706_000_000
        }
        .to_text()
        .as_deref(),
        Some("1 year 2 mons 3 days 04:05:06")
    );
    assert_eq!(
        Value::Interval {
            months: 0,
            days: 0,
            micros: 0
        }
        .to_text()
        .as_deref(),
        Some("00:00:00")
    );
    assert_eq!(Value::Date(0).to_text().as_deref(), Some("2000-01-01"));
    assert_eq!(
        Value::Timestamptz(0).to_text().as_deref(),
        Some("2000-01-01 00:00:00+00")
    );
    assert_eq!(
        Value::Time(45_296_123_000).to_text().as_deref(),
        Some("12:34:56.123")
    );
}
