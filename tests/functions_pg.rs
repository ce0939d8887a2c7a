//! Scalar functions against results recorded from PostgreSQL 15.18 with
//! `TimeZone = UTC` (`SELECT expr, pg_typeof(expr)`; errors as SQLSTATE and
//! message).
//!
//! Each expression is evaluated the way the binder will: a small parser
//! handles literals (integer literals are int4/int8/numeric by size, quoted
//! strings and NULL are `unknown`), `::` casts (binding tighter than unary
//! minus, as in PostgreSQL), `/`, nested calls and the special forms
//! `EXTRACT(f FROM x)`, `POSITION(a IN b)`, `SUBSTRING(s FROM a FOR b)` and
//! `TRIM([BOTH|LEADING|TRAILING] c FROM s)`; arguments are resolved with
//! `functions::resolve`, cast to the resolved types and passed to
//! `functions::call`; the output is `Value::to_text` and the resolved type.

use isodb::sql::error::SqlError;
use isodb::sql::functions::{FnContext, call, like_escape, like_match, resolve};
use isodb::sql::types::{DataType, Value, cast, div, neg, parse_text};

type Row = (
    &'static str,
    Result<(&'static str, Option<&'static str>), (&'static str, &'static str)>,
);

#[rustfmt::skip]
const ROWS: &[Row] = &[
    (r#"length('abc')"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"length('héllo')"#, Ok((r#"integer"#, Some(r#"5"#)))),
    (r#"length('ab  '::char(4))"#, Ok((r#"integer"#, Some(r#"2"#)))),
    (r#"length('abc'::varchar(5))"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"length('\x0102'::bytea)"#, Ok((r#"integer"#, Some(r#"2"#)))),
    (r#"char_length('ab  '::char(4))"#, Ok((r#"integer"#, Some(r#"2"#)))),
    (r#"character_length('abc')"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"octet_length('héllo')"#, Ok((r#"integer"#, Some(r#"6"#)))),
    (r#"octet_length('ab'::char(4))"#, Ok((r#"integer"#, Some(r#"4"#)))),
    (r#"bit_length('ab'::char(4))"#, Ok((r#"integer"#, Some(r#"16"#)))),
    (r#"bit_length('héllo')"#, Ok((r#"integer"#, Some(r#"48"#)))),
    (r#"lower('ÀÉÎ İ ABC')"#, Ok((r#"text"#, Some(r#"àéî i abc"#)))),
    (r#"upper('àéî ß ﬁ abc')"#, Ok((r#"text"#, Some(r#"ÀÉÎ ß ﬁ ABC"#)))),
    (r#"initcap('hello wORLD foo-bar 3am àb')"#, Ok((r#"text"#, Some(r#"Hello World Foo-Bar 3am Àb"#)))),
    (r#"substr('hello', 2)"#, Ok((r#"text"#, Some(r#"ello"#)))),
    (r#"substr('hello', 2, 3)"#, Ok((r#"text"#, Some(r#"ell"#)))),
    (r#"substr('hello', -1, 3)"#, Ok((r#"text"#, Some(r#"h"#)))),
    (r#"substr('hello', 0)"#, Ok((r#"text"#, Some(r#"hello"#)))),
    (r#"substr('hello', 1, -1)"#, Err((r#"22011"#, r#"negative substring length not allowed"#))),
    (r#"substr('hello', 10)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"substr('héllo', 2, 2)"#, Ok((r#"text"#, Some(r#"él"#)))),
    (r#"substring('hello', 2, 2)"#, Ok((r#"text"#, Some(r#"el"#)))),
    (r#"substring('hello' from 2 for 3)"#, Ok((r#"text"#, Some(r#"ell"#)))),
    (r#"substring('\x01020304'::bytea, 2, 2)"#, Ok((r#"bytea"#, Some(r#"\x0203"#)))),
    (r#"position('lo' in 'hello')"#, Ok((r#"integer"#, Some(r#"4"#)))),
    (r#"position('x' in 'hello')"#, Ok((r#"integer"#, Some(r#"0"#)))),
    (r#"position('' in 'hello')"#, Ok((r#"integer"#, Some(r#"1"#)))),
    (r#"strpos('héllo', 'l')"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"position('\x03'::bytea in '\x01020304'::bytea)"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"left('hello', 2)"#, Ok((r#"text"#, Some(r#"he"#)))),
    (r#"left('hello', -2)"#, Ok((r#"text"#, Some(r#"hel"#)))),
    (r#"left('hello', -10)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"right('hello', 2)"#, Ok((r#"text"#, Some(r#"lo"#)))),
    (r#"right('hello', -2)"#, Ok((r#"text"#, Some(r#"llo"#)))),
    (r#"right('héllo', 10)"#, Ok((r#"text"#, Some(r#"héllo"#)))),
    (r#"repeat('ab', 3)"#, Ok((r#"text"#, Some(r#"ababab"#)))),
    (r#"repeat('ab', -1)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"repeat('ab', 1000000000)"#, Err((r#"54000"#, r#"requested length too large"#))),
    (r#"reverse('héllo')"#, Ok((r#"text"#, Some(r#"olléh"#)))),
    (r#"lpad('hi', 5, 'xy')"#, Ok((r#"text"#, Some(r#"xyxhi"#)))),
    (r#"lpad('hi', 5)"#, Ok((r#"text"#, Some(r#"   hi"#)))),
    (r#"lpad('hello', 3)"#, Ok((r#"text"#, Some(r#"hel"#)))),
    (r#"lpad('hi', -5)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"rpad('hi', 5, 'xy')"#, Ok((r#"text"#, Some(r#"hixyx"#)))),
    (r#"rpad('hi', 5, '')"#, Ok((r#"text"#, Some(r#"hi"#)))),
    (r#"lpad('hi', 300000000)"#, Err((r#"54000"#, r#"requested length too large"#))),
    (r#"ltrim('  hi  ')"#, Ok((r#"text"#, Some(r#"hi  "#)))),
    (r#"rtrim('  hi  ')"#, Ok((r#"text"#, Some(r#"  hi"#)))),
    (r#"btrim('  hi  ')"#, Ok((r#"text"#, Some(r#"hi"#)))),
    (r#"btrim('xxhixx', 'x')"#, Ok((r#"text"#, Some(r#"hi"#)))),
    (r#"ltrim('zzyhi', 'yz')"#, Ok((r#"text"#, Some(r#"hi"#)))),
    (r#"rtrim('hixyxy', 'xy')"#, Ok((r#"text"#, Some(r#"hi"#)))),
    (r#"btrim('\x010201'::bytea, '\x01'::bytea)"#, Ok((r#"bytea"#, Some(r#"\x02"#)))),
    (r#"trim(both 'x' from 'xxhixx')"#, Ok((r#"text"#, Some(r#"hi"#)))),
    (r#"trim(leading 'x' from 'xxhixx')"#, Ok((r#"text"#, Some(r#"hixx"#)))),
    (r#"trim(trailing 'x' from 'xxhixx')"#, Ok((r#"text"#, Some(r#"xxhi"#)))),
    (r#"replace('hello world', 'o', '0')"#, Ok((r#"text"#, Some(r#"hell0 w0rld"#)))),
    (r#"replace('hello', '', 'x')"#, Ok((r#"text"#, Some(r#"hello"#)))),
    (r#"replace('aaa', 'aa', 'b')"#, Ok((r#"text"#, Some(r#"ba"#)))),
    (r#"translate('12345', '143', 'ax')"#, Ok((r#"text"#, Some(r#"a2x5"#)))),
    (r#"translate('héllo', 'él', 'EL')"#, Ok((r#"text"#, Some(r#"hELLo"#)))),
    (r#"split_part('a,b,c', ',', 2)"#, Ok((r#"text"#, Some(r#"b"#)))),
    (r#"split_part('a,b,c', ',', 4)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"split_part('a,b,c', ',', -1)"#, Ok((r#"text"#, Some(r#"c"#)))),
    (r#"split_part('a,b,c', ',', -4)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"split_part('a,b,c', ',', 0)"#, Err((r#"22023"#, r#"field position must not be zero"#))),
    (r#"split_part('a,b,c', '', 1)"#, Ok((r#"text"#, Some(r#"a,b,c"#)))),
    (r#"split_part('', ',', 1)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"split_part('a::b::c', '::', 3)"#, Ok((r#"text"#, Some(r#"c"#)))),
    (r#"starts_with('hello', 'he')"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"starts_with('hello', 'lo')"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"concat('a', NULL, 'b', 1, true, 1.50)"#, Ok((r#"text"#, Some(r#"ab1t1.50"#)))),
    (r#"concat('a'::char(3), 'b')"#, Ok((r#"text"#, Some(r#"a  b"#)))),
    (r#"concat(NULL)"#, Ok((r#"text"#, Some(r#""#)))),
    (r#"concat()"#, Err((r#"42883"#, r#"function concat() does not exist"#))),
    (r#"concat_ws(',', 'a', NULL, 'b')"#, Ok((r#"text"#, Some(r#"a,b"#)))),
    (r#"concat_ws(NULL, 'a')"#, Ok((r#"text"#, None))),
    (r#"concat_ws(',')"#, Err((r#"42883"#, r#"function concat_ws(unknown) does not exist"#))),
    (r#"chr(65)"#, Ok((r#"text"#, Some(r#"A"#)))),
    (r#"chr(233)"#, Ok((r#"text"#, Some(r#"é"#)))),
    (r#"chr(0)"#, Err((r#"54000"#, r#"null character not permitted"#))),
    (r#"chr(-1)"#, Err((r#"22023"#, r#"character number must be positive"#))),
    (r#"chr(1114112)"#, Err((r#"54000"#, r#"requested character too large for encoding: 1114112"#))),
    (r#"chr(55296)"#, Err((r#"54000"#, r#"requested character not valid for encoding: 55296"#))),
    (r#"ascii('A')"#, Ok((r#"integer"#, Some(r#"65"#)))),
    (r#"ascii('é')"#, Ok((r#"integer"#, Some(r#"233"#)))),
    (r#"ascii('')"#, Ok((r#"integer"#, Some(r#"0"#)))),
    (r#"md5('abc')"#, Ok((r#"text"#, Some(r#"900150983cd24fb0d6963f7d28e17f72"#)))),
    (r#"md5('')"#, Ok((r#"text"#, Some(r#"d41d8cd98f00b204e9800998ecf8427e"#)))),
    (r#"md5('\x00ff'::bytea)"#, Ok((r#"text"#, Some(r#"d07d34efac6328007ad67c7e0a985e00"#)))),
    (r#"to_hex(255)"#, Ok((r#"text"#, Some(r#"ff"#)))),
    (r#"to_hex(-1)"#, Ok((r#"text"#, Some(r#"ffffffff"#)))),
    (r#"to_hex(-1::int8)"#, Ok((r#"text"#, Some(r#"ffffffffffffffff"#)))),
    (r#"to_hex(9223372036854775807)"#, Ok((r#"text"#, Some(r#"7fffffffffffffff"#)))),
    (r#"quote_literal('a''b')"#, Ok((r#"text"#, Some(r#"'a''b'"#)))),
    (r#"quote_literal('a\b')"#, Ok((r#"text"#, Some(r#"E'a\\b'"#)))),
    (r#"quote_literal(42)"#, Ok((r#"text"#, Some(r#"'42'"#)))),
    (r#"quote_literal(true)"#, Ok((r#"text"#, Some(r#"'true'"#)))),
    (r#"quote_nullable(NULL)"#, Ok((r#"text"#, Some(r#"NULL"#)))),
    (r#"quote_nullable('x')"#, Ok((r#"text"#, Some(r#"'x'"#)))),
    (r#"quote_ident('foo')"#, Ok((r#"text"#, Some(r#"foo"#)))),
    (r#"quote_ident('Foo bar')"#, Ok((r#"text"#, Some(r#""Foo bar""#)))),
    (r#"quote_ident('select')"#, Ok((r#"text"#, Some(r#""select""#)))),
    (r#"quote_ident('left')"#, Ok((r#"text"#, Some(r#""left""#)))),
    (r#"quote_ident('abc$')"#, Ok((r#"text"#, Some(r#""abc$""#)))),
    (r#"quote_ident('a"b')"#, Ok((r#"text"#, Some(r#""a""b""#)))),
    (r#"quote_ident('_x1')"#, Ok((r#"text"#, Some(r#"_x1"#)))),
    (r#"length(1)"#, Err((r#"42883"#, r#"function length(integer) does not exist"#))),
    (r#"abs(-5)"#, Ok((r#"integer"#, Some(r#"5"#)))),
    (r#"abs((-32768)::int2)"#, Err((r#"22003"#, r#"smallint out of range"#))),
    (r#"abs((-2147483648)::int4)"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"abs((-9223372036854775808)::int8)"#, Err((r#"22003"#, r#"bigint out of range"#))),
    (r#"abs(-2.5)"#, Ok((r#"numeric"#, Some(r#"2.5"#)))),
    (r#"abs(-2.5::float4)"#, Ok((r#"real"#, Some(r#"2.5"#)))),
    (r#"abs('-Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"abs('1')"#, Ok((r#"double precision"#, Some(r#"1"#)))),
    (r#"ceil(1.2)"#, Ok((r#"numeric"#, Some(r#"2"#)))),
    (r#"ceil(-1.2)"#, Ok((r#"numeric"#, Some(r#"-1"#)))),
    (r#"ceil(-0.5::float8)"#, Ok((r#"double precision"#, Some(r#"-0"#)))),
    (r#"ceiling(1.5::float8)"#, Ok((r#"double precision"#, Some(r#"2"#)))),
    (r#"floor(-1.5)"#, Ok((r#"numeric"#, Some(r#"-2"#)))),
    (r#"floor(1.5::float8)"#, Ok((r#"double precision"#, Some(r#"1"#)))),
    (r#"round(2.5)"#, Ok((r#"numeric"#, Some(r#"3"#)))),
    (r#"round(-2.5)"#, Ok((r#"numeric"#, Some(r#"-3"#)))),
    (r#"round(2.5::float8)"#, Ok((r#"double precision"#, Some(r#"2"#)))),
    (r#"round(3.5::float8)"#, Ok((r#"double precision"#, Some(r#"4"#)))),
    (r#"round(1)"#, Ok((r#"double precision"#, Some(r#"1"#)))),
    (r#"round('1.5')"#, Ok((r#"double precision"#, Some(r#"2"#)))),
    (r#"round(1234.5678, 2)"#, Ok((r#"numeric"#, Some(r#"1234.57"#)))),
    (r#"round(1234.5678, -2)"#, Ok((r#"numeric"#, Some(r#"1200"#)))),
    (r#"round(1250, -2)"#, Ok((r#"numeric"#, Some(r#"1300"#)))),
    (r#"round('Infinity'::numeric, 2)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"round('NaN'::numeric)"#, Ok((r#"numeric"#, Some(r#"NaN"#)))),
    (r#"trunc(1234.5678, 2)"#, Ok((r#"numeric"#, Some(r#"1234.56"#)))),
    (r#"trunc(-1234.5678, -2)"#, Ok((r#"numeric"#, Some(r#"-1200"#)))),
    (r#"trunc(-0.5::float8)"#, Ok((r#"double precision"#, Some(r#"-0"#)))),
    (r#"trunc(5)"#, Ok((r#"double precision"#, Some(r#"5"#)))),
    (r#"sign(-3)"#, Ok((r#"double precision"#, Some(r#"-1"#)))),
    (r#"sign(-0.0)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"sign('NaN'::float8)"#, Ok((r#"double precision"#, Some(r#"0"#)))),
    (r#"sign('-Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"-1"#)))),
    (r#"sqrt(2)"#, Ok((r#"double precision"#, Some(r#"1.4142135623730951"#)))),
    (r#"sqrt(2::numeric)"#, Ok((r#"numeric"#, Some(r#"1.414213562373095"#)))),
    (r#"sqrt(0::numeric)"#, Ok((r#"numeric"#, Some(r#"0.000000000000000"#)))),
    (r#"sqrt(1e-10)"#, Ok((r#"numeric"#, Some(r#"0.000010000000000000000"#)))),
    (r#"sqrt(100::numeric)"#, Ok((r#"numeric"#, Some(r#"10.000000000000000"#)))),
    (r#"sqrt(-1)"#, Err((r#"2201F"#, r#"cannot take square root of a negative number"#))),
    (r#"sqrt(-1::numeric)"#, Err((r#"2201F"#, r#"cannot take square root of a negative number"#))),
    (r#"cbrt(27)"#, Ok((r#"double precision"#, Some(r#"3.0000000000000004"#)))),
    (r#"cbrt(-8)"#, Ok((r#"double precision"#, Some(r#"-2"#)))),
    (r#"power(2, 3)"#, Ok((r#"double precision"#, Some(r#"8"#)))),
    (r#"power(2::numeric, 3)"#, Ok((r#"numeric"#, Some(r#"8.0000000000000000"#)))),
    (r#"power(2::numeric, -3)"#, Ok((r#"numeric"#, Some(r#"0.1250000000000000"#)))),
    (r#"power(2.5, 2.5)"#, Ok((r#"numeric"#, Some(r#"9.8821176880261854"#)))),
    (r#"power(-8, 1.0/3)"#, Err((r#"2201F"#, r#"a negative number raised to a non-integer power yields a complex result"#))),
    (r#"power(0, -1)"#, Err((r#"2201F"#, r#"zero raised to a negative power is undefined"#))),
    (r#"power(0::numeric, 0)"#, Ok((r#"numeric"#, Some(r#"1.0000000000000000"#)))),
    (r#"power(10::float8, 400)"#, Err((r#"22003"#, r#"value out of range: overflow"#))),
    (r#"power(10::float8, -310)"#, Ok((r#"double precision"#, Some(r#"1e-310"#)))),
    (r#"power(10::float8, -330)"#, Err((r#"22003"#, r#"value out of range: underflow"#))),
    (r#"power('NaN'::float8, 0)"#, Ok((r#"double precision"#, Some(r#"1"#)))),
    (r#"power(1::float8, 'NaN')"#, Ok((r#"double precision"#, Some(r#"1"#)))),
    (r#"power('-Infinity'::float8, 3)"#, Ok((r#"double precision"#, Some(r#"-Infinity"#)))),
    (r#"power(1.0000001, 1000000000)"#, Ok((r#"numeric"#, Some(r#"26881037012649238105056003014775037465638377.7515747256270721"#)))),
    (r#"power(2::numeric, 1000000)"#, Err((r#"22003"#, r#"value overflows numeric format"#))),
    (r#"power(0.5, 100)"#, Ok((r#"numeric"#, Some(r#"0.0000000000000000"#)))),
    (r#"pow(2, 0.5)"#, Ok((r#"numeric"#, Some(r#"1.4142135623730950"#)))),
    (r#"exp(1)"#, Ok((r#"double precision"#, Some(r#"2.718281828459045"#)))),
    (r#"exp(1::numeric)"#, Ok((r#"numeric"#, Some(r#"2.7182818284590452"#)))),
    (r#"exp(100::numeric)"#, Ok((r#"numeric"#, Some(r#"26881171418161354484126255515800135873611119"#)))),
    (r#"exp(-100::numeric)"#, Ok((r#"numeric"#, Some(r#"0.00000000000000000000000000000000000000000003720075976020836"#)))),
    (r#"exp(6000::numeric)"#, Err((r#"22003"#, r#"value overflows numeric format"#))),
    (r#"exp(-740::float8)"#, Ok((r#"double precision"#, Some(r#"4.2e-322"#)))),
    (r#"exp(-746::float8)"#, Err((r#"22003"#, r#"value out of range: underflow"#))),
    (r#"exp(710::float8)"#, Err((r#"22003"#, r#"value out of range: overflow"#))),
    (r#"ln(2)"#, Ok((r#"double precision"#, Some(r#"0.6931471805599453"#)))),
    (r#"ln(2::numeric)"#, Ok((r#"numeric"#, Some(r#"0.6931471805599453"#)))),
    (r#"ln(1e-20)"#, Ok((r#"numeric"#, Some(r#"-46.05170185988091368036"#)))),
    (r#"ln(0)"#, Err((r#"2201E"#, r#"cannot take logarithm of zero"#))),
    (r#"ln(-1::numeric)"#, Err((r#"2201E"#, r#"cannot take logarithm of a negative number"#))),
    (r#"log(100)"#, Ok((r#"double precision"#, Some(r#"2"#)))),
    (r#"log(100::numeric)"#, Ok((r#"numeric"#, Some(r#"2.0000000000000000"#)))),
    (r#"log(2, 8)"#, Ok((r#"numeric"#, Some(r#"3.0000000000000000"#)))),
    (r#"log(1, 10)"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"log(10, 1e-100)"#, Ok((r#"numeric"#, Some(r#"-100.0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"#)))),
    (r#"log10(1000)"#, Ok((r#"double precision"#, Some(r#"3"#)))),
    (r#"log10(0.001)"#, Ok((r#"numeric"#, Some(r#"-3.0000000000000000"#)))),
    (r#"mod(-7, 3)"#, Ok((r#"integer"#, Some(r#"-1"#)))),
    (r#"mod(7, -3)"#, Ok((r#"integer"#, Some(r#"1"#)))),
    (r#"mod(5::int2, 0::int2)"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"mod(-7.5, 2)"#, Ok((r#"numeric"#, Some(r#"-1.5"#)))),
    (r#"mod(9223372036854775807, -1)"#, Ok((r#"bigint"#, Some(r#"0"#)))),
    (r#"mod(5, 3::int8)"#, Ok((r#"bigint"#, Some(r#"2"#)))),
    (r#"div(-7, 2)"#, Ok((r#"numeric"#, Some(r#"-3"#)))),
    (r#"div(7.5, 2)"#, Ok((r#"numeric"#, Some(r#"3"#)))),
    (r#"div(1, 0)"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"div('Infinity'::numeric, 2)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"pi()"#, Ok((r#"double precision"#, Some(r#"3.141592653589793"#)))),
    (r#"degrees(1)"#, Ok((r#"double precision"#, Some(r#"57.29577951308232"#)))),
    (r#"degrees(pi())"#, Ok((r#"double precision"#, Some(r#"180"#)))),
    (r#"radians(180)"#, Ok((r#"double precision"#, Some(r#"3.141592653589793"#)))),
    (r#"radians(1e-320::float8)"#, Ok((r#"double precision"#, Some(r#"1.73e-322"#)))),
    (r#"sin(1)"#, Ok((r#"double precision"#, Some(r#"0.8414709848078965"#)))),
    (r#"cos(0)"#, Ok((r#"double precision"#, Some(r#"1"#)))),
    (r#"tan(1)"#, Ok((r#"double precision"#, Some(r#"1.5574077246549023"#)))),
    (r#"cot(1)"#, Ok((r#"double precision"#, Some(r#"0.6420926159343306"#)))),
    (r#"cot(0)"#, Ok((r#"double precision"#, Some(r#"Infinity"#)))),
    (r#"sin('infinity'::float8)"#, Err((r#"22003"#, r#"input is out of range"#))),
    (r#"asin(1)"#, Ok((r#"double precision"#, Some(r#"1.5707963267948966"#)))),
    (r#"acos(2)"#, Err((r#"22003"#, r#"input is out of range"#))),
    (r#"atan(1)"#, Ok((r#"double precision"#, Some(r#"0.7853981633974483"#)))),
    (r#"atan2(1, 0)"#, Ok((r#"double precision"#, Some(r#"1.5707963267948966"#)))),
    (r#"atan2(-1, -1)"#, Ok((r#"double precision"#, Some(r#"-2.356194490192345"#)))),
    (r#"gcd(12, 18)"#, Ok((r#"integer"#, Some(r#"6"#)))),
    (r#"gcd(-12, 18)"#, Ok((r#"integer"#, Some(r#"6"#)))),
    (r#"gcd(0, 0)"#, Ok((r#"integer"#, Some(r#"0"#)))),
    (r#"gcd(-2147483648, 0)"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"gcd(1.5, 2.25)"#, Ok((r#"numeric"#, Some(r#"0.75"#)))),
    (r#"gcd((-9223372036854775808)::int8, 0::int8)"#, Err((r#"22003"#, r#"bigint out of range"#))),
    (r#"lcm(4, 6)"#, Ok((r#"integer"#, Some(r#"12"#)))),
    (r#"lcm(0, 5)"#, Ok((r#"integer"#, Some(r#"0"#)))),
    (r#"lcm(2147483647, 2)"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"lcm(1.5, 2.25)"#, Ok((r#"numeric"#, Some(r#"4.50"#)))),
    (r#"width_bucket(5.35, 0.024, 10.06, 5)"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"width_bucket(5::float8, 0, 10, 5)"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"width_bucket(-1::float8, 0, 10, 5)"#, Ok((r#"integer"#, Some(r#"0"#)))),
    (r#"width_bucket(10::float8, 0, 10, 5)"#, Ok((r#"integer"#, Some(r#"6"#)))),
    (r#"width_bucket(5::float8, 10, 0, 5)"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"width_bucket(5::float8, 0, 10, 0)"#, Err((r#"2201G"#, r#"count must be greater than zero"#))),
    (r#"width_bucket(5::float8, 1, 1, 3)"#, Err((r#"2201G"#, r#"lower bound cannot equal upper bound"#))),
    (r#"width_bucket('NaN'::float8, 1, 2, 3)"#, Err((r#"2201G"#, r#"operand, lower bound, and upper bound cannot be NaN"#))),
    (r#"scale(1.50)"#, Ok((r#"integer"#, Some(r#"2"#)))),
    (r#"min_scale(1.500)"#, Ok((r#"integer"#, Some(r#"1"#)))),
    (r#"trim_scale(1.500)"#, Ok((r#"numeric"#, Some(r#"1.5"#)))),
    (r#"date_trunc('month', '2024-03-15 12:34:56.789'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-03-01 00:00:00"#)))),
    (r#"date_trunc('week', '2024-03-15 12:34:56'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-03-11 00:00:00"#)))),
    (r#"date_trunc('quarter', '2024-05-15'::timestamptz)"#, Ok((r#"timestamp with time zone"#, Some(r#"2024-04-01 00:00:00+00"#)))),
    (r#"date_trunc('year', '2024-05-15 10:00'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-01-01 00:00:00"#)))),
    (r#"date_trunc('decade', '2024-05-15'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2020-01-01 00:00:00"#)))),
    (r#"date_trunc('century', '2024-05-15'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2001-01-01 00:00:00"#)))),
    (r#"date_trunc('millennium', '2024-05-15'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2001-01-01 00:00:00"#)))),
    (r#"date_trunc('century', '0050-05-15 BC'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"0100-01-01 00:00:00 BC"#)))),
    (r#"date_trunc('decade', '0005-05-15 BC'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"0011-01-01 00:00:00 BC"#)))),
    (r#"date_trunc('MilliSeconds', '2024-05-15 1:2:3.456789'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-05-15 01:02:03.456"#)))),
    (r#"date_trunc('microseconds', '2024-05-15 1:2:3.456789'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-05-15 01:02:03.456789"#)))),
    (r#"date_trunc('second', '2024-05-15 1:2:3.456789'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-05-15 01:02:03"#)))),
    (r#"date_trunc('hour', 'infinity'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"infinity"#)))),
    (r#"date_trunc('day', '2024-05-15'::date)"#, Ok((r#"timestamp with time zone"#, Some(r#"2024-05-15 00:00:00+00"#)))),
    (r#"date_trunc('day', '2024-01-01 10:00'::timestamptz, 'UTC')"#, Ok((r#"timestamp with time zone"#, Some(r#"2024-01-01 00:00:00+00"#)))),
    (r#"date_trunc('foo', '2024-05-15'::timestamp)"#, Err((r#"22023"#, r#"unit "foo" not recognized for type timestamp without time zone"#))),
    (r#"date_trunc('epoch', '2024-05-15'::timestamp)"#, Err((r#"22023"#, r#"unit "epoch" not recognized for type timestamp without time zone"#))),
    (r#"date_trunc('timezone', '2024-05-15'::timestamptz)"#, Err((r#"0A000"#, r#"unit "timezone" not supported for type timestamp with time zone"#))),
    (r#"date_trunc('hour', '1 year 2 mons 3 days 04:05:06.7'::interval)"#, Ok((r#"interval"#, Some(r#"1 year 2 mons 3 days 04:00:00"#)))),
    (r#"date_trunc('quarter', '1 year 5 mons'::interval)"#, Ok((r#"interval"#, Some(r#"1 year 3 mons"#)))),
    (r#"date_trunc('week', '1 year'::interval)"#, Err((r#"0A000"#, r#"unit "week" not supported for type interval"#))),
    (r#"date_trunc('milliseconds', '1.23456 seconds'::interval)"#, Ok((r#"interval"#, Some(r#"00:00:01.234"#)))),
    (r#"date_part('year', '2024-05-15'::date)"#, Ok((r#"double precision"#, Some(r#"2024"#)))),
    (r#"date_part('second', '2024-05-15'::date)"#, Ok((r#"double precision"#, Some(r#"0"#)))),
    (r#"date_part('epoch', '2024-05-15 12:00:00.5'::timestamp)"#, Ok((r#"double precision"#, Some(r#"1715774400.5"#)))),
    (r#"date_part('julian', '2024-05-15 12:00:00'::timestamp)"#, Ok((r#"double precision"#, Some(r#"2460446.5"#)))),
    (r#"date_part('second', '12:34:56.789'::time)"#, Ok((r#"double precision"#, Some(r#"56.789"#)))),
    (r#"date_part('epoch', '1 year 2 mons 3 days 04:05:06.7'::interval)"#, Ok((r#"double precision"#, Some(r#"37015506.7"#)))),
    (r#"date_part('dow', 'infinity'::date)"#, Ok((r#"double precision"#, None))),
    (r#"date_part('now', 'infinity'::timestamp)"#, Err((r#"0A000"#, r#"unit "now" not supported for type timestamp without time zone"#))),
    (r#"extract(year from '2024-05-15'::date)"#, Ok((r#"numeric"#, Some(r#"2024"#)))),
    (r#"extract(second from '2024-05-15'::date)"#, Err((r#"0A000"#, r#"unit "second" not supported for type date"#))),
    (r#"extract(epoch from '2024-05-15'::date)"#, Ok((r#"numeric"#, Some(r#"1715731200"#)))),
    (r#"extract(week from '2024-05-15'::date)"#, Ok((r#"numeric"#, Some(r#"20"#)))),
    (r#"extract(year from 'infinity'::date)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"extract(hour from 'infinity'::date)"#, Err((r#"0A000"#, r#"unit "hour" not supported for type date"#))),
    (r#"extract(epoch from '2024-05-15 12:00:00.5'::timestamp)"#, Ok((r#"numeric"#, Some(r#"1715774400.500000"#)))),
    (r#"extract(second from '2024-05-15 12:00:07.5'::timestamp)"#, Ok((r#"numeric"#, Some(r#"7.500000"#)))),
    (r#"extract(millisecond from '2024-05-15 12:00:07.5'::timestamp)"#, Ok((r#"numeric"#, Some(r#"7500.000"#)))),
    (r#"extract(microseconds from '2024-05-15 12:00:07.5'::timestamp)"#, Ok((r#"numeric"#, Some(r#"7500000"#)))),
    (r#"extract(julian from '2024-05-15 12:00:00'::timestamp)"#, Ok((r#"numeric"#, Some(r#"2460446.50000000000000000000"#)))),
    (r#"extract(j from '2024-01-01 10:11:12'::timestamp)"#, Ok((r#"numeric"#, Some(r#"2460311.42444444444444444444"#)))),
    (r#"extract(dow from '2024-05-19'::timestamp)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"extract(isodow from '2024-05-19'::timestamp)"#, Ok((r#"numeric"#, Some(r#"7"#)))),
    (r#"extract(doy from '2024-05-19'::timestamp)"#, Ok((r#"numeric"#, Some(r#"140"#)))),
    (r#"extract(week from '2021-01-01'::timestamp)"#, Ok((r#"numeric"#, Some(r#"53"#)))),
    (r#"extract(isoyear from '2021-01-01'::timestamp)"#, Ok((r#"numeric"#, Some(r#"2020"#)))),
    (r#"extract(century from '2000-01-01'::timestamp)"#, Ok((r#"numeric"#, Some(r#"20"#)))),
    (r#"extract(decade from '0002-01-01 BC'::timestamp)"#, Ok((r#"numeric"#, Some(r#"-1"#)))),
    (r#"extract(year from '0001-01-01 BC'::timestamp)"#, Ok((r#"numeric"#, Some(r#"-1"#)))),
    (r#"extract(millennium from '2001-01-01'::timestamp)"#, Ok((r#"numeric"#, Some(r#"3"#)))),
    (r#"extract(quarter from '2024-05-15'::timestamp)"#, Ok((r#"numeric"#, Some(r#"2"#)))),
    (r#"extract(mm from '2024-01-01 10:11:12'::timestamp)"#, Ok((r#"numeric"#, Some(r#"11"#)))),
    (r#"extract(timezone from '2024-05-15'::timestamptz)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"extract(timezone from '2024-05-15'::timestamp)"#, Err((r#"0A000"#, r#"unit "timezone" not supported for type timestamp without time zone"#))),
    (r#"extract(year from 'infinity'::timestamp)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"extract(hour from 'infinity'::timestamp)"#, Ok((r#"numeric"#, None))),
    (r#"extract(epoch from '-infinity'::timestamptz)"#, Ok((r#"numeric"#, Some(r#"-Infinity"#)))),
    (r#"extract(foo from '2024-05-15'::timestamp)"#, Err((r#"22023"#, r#"unit "foo" not recognized for type timestamp without time zone"#))),
    (r#"extract(now from '2024-05-15'::timestamp)"#, Err((r#"0A000"#, r#"unit "now" not supported for type timestamp without time zone"#))),
    (r#"extract(allballs from '2024-05-15'::timestamp)"#, Err((r#"0A000"#, r#"unit "allballs" not supported for type timestamp without time zone"#))),
    (r#"extract(zulu from '2024-05-15'::timestamp)"#, Err((r#"22023"#, r#"unit "zulu" not recognized for type timestamp without time zone"#))),
    (r#"extract(hour from '12:34:56.789'::time)"#, Ok((r#"numeric"#, Some(r#"12"#)))),
    (r#"extract(second from '12:34:56.789'::time)"#, Ok((r#"numeric"#, Some(r#"56.789000"#)))),
    (r#"extract(epoch from '12:34:56.789'::time)"#, Ok((r#"numeric"#, Some(r#"45296.789000"#)))),
    (r#"extract(day from '12:34:56'::time)"#, Err((r#"0A000"#, r#"unit "day" not supported for type time without time zone"#))),
    (r#"extract(epoch from '1 year 2 mons 3 days 04:05:06.7'::interval)"#, Ok((r#"numeric"#, Some(r#"37015506.700000"#)))),
    (r#"extract(month from '1 year 14 mons'::interval)"#, Ok((r#"numeric"#, Some(r#"2"#)))),
    (r#"extract(year from '-1 year -14 mons'::interval)"#, Ok((r#"numeric"#, Some(r#"-2"#)))),
    (r#"extract(hour from '-25:30:00'::interval)"#, Ok((r#"numeric"#, Some(r#"-25"#)))),
    (r#"extract(week from '10 days'::interval)"#, Err((r#"0A000"#, r#"unit "week" not supported for type interval"#))),
    (r#"extract(now from '1 day'::interval)"#, Err((r#"22023"#, r#"unit "now" not recognized for type interval"#))),
    (r#"extract(century from '250 years'::interval)"#, Ok((r#"numeric"#, Some(r#"2"#)))),
    (r#"extract(quarter from '5 mons'::interval)"#, Ok((r#"numeric"#, Some(r#"2"#)))),
    (r#"extract(millisecond from '1.5 seconds'::interval)"#, Ok((r#"numeric"#, Some(r#"1500.000"#)))),
    (r#"extract(epoch from '2147483647 days 2562047788:00:54.775807'::interval)"#, Ok((r#"numeric"#, Some(r#"194765959137654.775807"#)))),
    (r#"age('2024-03-31'::timestamp, '2024-02-29 12:00'::timestamp)"#, Ok((r#"interval"#, Some(r#"1 mon 1 day 12:00:00"#)))),
    (r#"age('2024-01-01'::timestamp, '2024-03-31'::timestamp)"#, Ok((r#"interval"#, Some(r#"-2 mons -30 days"#)))),
    (r#"age('2001-04-10'::timestamp, '1957-06-13'::timestamp)"#, Ok((r#"interval"#, Some(r#"43 years 9 mons 27 days"#)))),
    (r#"age('2024-02-29'::timestamp, '2023-03-31'::timestamp)"#, Ok((r#"interval"#, Some(r#"10 mons 29 days"#)))),
    (r#"age('2023-03-31'::timestamp, '2024-02-29'::timestamp)"#, Ok((r#"interval"#, Some(r#"-10 mons -29 days"#)))),
    (r#"age('2024-01-01 00:00:00.5'::timestamp, '2024-01-01 00:00:01'::timestamp)"#, Ok((r#"interval"#, Some(r#"-00:00:00.5"#)))),
    (r#"age('infinity'::timestamp, '2020-01-01'::timestamp)"#, Ok((r#"interval"#, Some(r#"292257 years 8 days 04:00:54.775807"#)))),
    (r#"age('-infinity'::timestamp, '2020-01-01'::timestamp)"#, Err((r#"22008"#, r#"timestamp out of range"#))),
    (r#"age('2024-01-31'::timestamptz, '2023-12-31 23:00'::timestamptz)"#, Ok((r#"interval"#, Some(r#"30 days 01:00:00"#)))),
    (r#"make_date(2024, 2, 29)"#, Ok((r#"date"#, Some(r#"2024-02-29"#)))),
    (r#"make_date(2023, 2, 29)"#, Err((r#"22008"#, r#"date field value out of range: 2023-02-29"#))),
    (r#"make_date(-44, 3, 15)"#, Ok((r#"date"#, Some(r#"0044-03-15 BC"#)))),
    (r#"make_date(-44, 2, 30)"#, Err((r#"22008"#, r#"date field value out of range: -43-02-30"#))),
    (r#"make_date(0, 1, 1)"#, Err((r#"22008"#, r#"date field value out of range: 0-01-01"#))),
    (r#"make_date(2024, 13, 1)"#, Err((r#"22008"#, r#"date field value out of range: 2024-13-01"#))),
    (r#"make_date(5874898, 1, 1)"#, Err((r#"22008"#, r#"date out of range: 5874898-01-01"#))),
    (r#"make_time(12, 30, 45.5)"#, Ok((r#"time without time zone"#, Some(r#"12:30:45.5"#)))),
    (r#"make_time(24, 0, 0)"#, Ok((r#"time without time zone"#, Some(r#"24:00:00"#)))),
    (r#"make_time(24, 0, 0.5)"#, Err((r#"22008"#, r#"time field value out of range: 24:00:0.5"#))),
    (r#"make_time(12, 60, 0)"#, Err((r#"22008"#, r#"time field value out of range: 12:60:00"#))),
    (r#"make_time(12, 0, 60.0000001)"#, Ok((r#"time without time zone"#, Some(r#"12:01:00"#)))),
    (r#"make_time(12, 0, 'NaN')"#, Err((r#"22008"#, r#"time field value out of range: 12:00:NaN"#))),
    (r#"make_time(1, 1, 'infinity')"#, Err((r#"22008"#, r#"time field value out of range: 1:01:Infinity"#))),
    (r#"make_time(1, 1, 123456789.5)"#, Err((r#"22008"#, r#"time field value out of range: 1:01:1.23457e+08"#))),
    (r#"make_timestamp(2024, 1, 1, 12, 30, 45.123456789)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-01-01 12:30:45.123457"#)))),
    (r#"make_timestamp(-2024, 1, 1, 0, 0, 0)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-01-01 00:00:00 BC"#)))),
    (r#"make_timestamp(-44, 2, 30, 0, 0, 0)"#, Err((r#"22008"#, r#"date field value out of range: -44-02-30"#))),
    (r#"make_timestamp(294277, 1, 1, 0, 0, 0)"#, Err((r#"22008"#, r#"timestamp out of range: 294277-01-01 0:00:00"#))),
    (r#"make_timestamp(2024, 1, 1, 23, 59, 59.9999999)"#, Ok((r#"timestamp without time zone"#, Some(r#"2024-01-02 00:00:00"#)))),
    (r#"make_timestamptz(2024, 1, 1, 12, 30, 45)"#, Ok((r#"timestamp with time zone"#, Some(r#"2024-01-01 12:30:45+00"#)))),
    (r#"make_timestamptz(2024, 1, 1, 12, 30, 45, 'UTC')"#, Ok((r#"timestamp with time zone"#, Some(r#"2024-01-01 12:30:45+00"#)))),
    (r#"make_interval(1, 2, 3, 4, 5, 6, 7.5)"#, Ok((r#"interval"#, Some(r#"1 year 2 mons 25 days 05:06:07.5"#)))),
    (r#"make_interval(2147483647, 1)"#, Ok((r#"interval"#, Some(r#"-11 mons"#)))),
    (r#"make_interval(0, 0, 0, 0, 0, 0, 'infinity')"#, Err((r#"22008"#, r#"interval out of range"#))),
    (r#"make_interval(1)"#, Ok((r#"interval"#, Some(r#"1 year"#)))),
    (r#"isfinite('infinity'::date)"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"isfinite('2024-01-01'::timestamp)"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"isfinite('-infinity'::timestamptz)"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"isfinite('1 day'::interval)"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"justify_days('35 days'::interval)"#, Ok((r#"interval"#, Some(r#"1 mon 5 days"#)))),
    (r#"justify_days('-35 days'::interval)"#, Ok((r#"interval"#, Some(r#"-1 mons -5 days"#)))),
    (r#"justify_hours('27 hours'::interval)"#, Ok((r#"interval"#, Some(r#"1 day 03:00:00"#)))),
    (r#"justify_hours('-27 hours'::interval)"#, Ok((r#"interval"#, Some(r#"-1 days -03:00:00"#)))),
    (r#"justify_interval('1 mon -1 hour'::interval)"#, Ok((r#"interval"#, Some(r#"29 days 23:00:00"#)))),
    (r#"justify_interval('-1 mon 35 days 27 hours'::interval)"#, Ok((r#"interval"#, Some(r#"6 days 03:00:00"#)))),
    (r#"to_timestamp(1700000000.5)"#, Ok((r#"timestamp with time zone"#, Some(r#"2023-11-14 22:13:20.5+00"#)))),
    (r#"to_timestamp(0)"#, Ok((r#"timestamp with time zone"#, Some(r#"1970-01-01 00:00:00+00"#)))),
    (r#"to_timestamp('NaN'::float8)"#, Err((r#"22008"#, r#"timestamp cannot be NaN"#))),
    (r#"to_timestamp('infinity'::float8)"#, Ok((r#"timestamp with time zone"#, Some(r#"infinity"#)))),
    (r#"to_timestamp(1e20)"#, Err((r#"22008"#, r#"timestamp out of range: "1e+20""#))),
    (r#"foo(1)"#, Err((r#"42883"#, r#"function foo(integer) does not exist"#))),
    (r#"abs(true)"#, Err((r#"42883"#, r#"function abs(boolean) does not exist"#))),
    // LIKE, and extreme arguments
    (r#"'bé' ilike '' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'\_Bb\a_' like 'a#\' escape 'a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'%' like ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'' like 'B_a' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'\#B%BB\' like 'a_'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'b%#_' ilike 'B\\#' escape 'a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'' like 'B__' escape '#'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'b\#bA' ilike '_%#a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'_AA#' like 'a' escape 'a'"#, Err((r#"22025"#, r#"LIKE pattern must not end with escape character"#))),
    (r#"'_#%' like '%#\éa_' escape 'a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'_a\' ilike '%éBé_#' escape ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'a##%\' like 'aBAé' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'#' like '\abba#' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'BébA' like '\b'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'#Aéé' like '%##'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'_%_B' like 'b\' escape 'a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'aBa_Aa' like 'A#é_é' escape '%'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'B#a_%_a' like '\ABa\' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'é' ilike 'A_'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'' like 'aB#A' escape ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'%bB' ilike '_B#b' escape '#'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'a%_éaAB' like '%A%_B\' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'#%#\#B' like ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'AA' ilike 'B\%é' escape '#'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'%béB\' like 'é' escape '#'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'' like 'b_A' escape '#'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'_' like '' escape 'a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'é' like '\é' escape ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'baéa' like 'ab_b'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'_Ab' like 'ABA' escape ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'#é#é\%' like '' escape '%'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'aaaé%' like '_%_'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'\béB#' ilike '#%\AéB'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'%bé' ilike ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'B_éa%' ilike '%'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'b#bBB' like '' escape ''"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'é' ilike 'bbaa' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'\\Ab#' like '%béAAA' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'éb#éA' like 'A' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'#BAé_' like 'AaB\' escape '%'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'_#é#\#\' ilike '' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'Aé\a_' like 'aa%A'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'é__A' like 'bB#a' escape 'a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'#\BB%' ilike '#B_' escape 'a'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'Bab#' ilike '%AéB\' escape '%'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'abc' like 'x\'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'abc' like 'abc\'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"'ab\' like 'ab\'"#, Err((r#"22025"#, r#"LIKE pattern must not end with escape character"#))),
    (r#"'ab#' like 'ab#' escape '#'"#, Err((r#"22025"#, r#"LIKE pattern must not end with escape character"#))),
    (r#"'a\b' like 'a\b' escape ''"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'a%' like 'a#%' escape '#'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'ABC' ilike 'a_c'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'ÀB' ilike 'àb'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'a' like 'a' escape 'xy'"#, Err((r#"22025"#, r#"invalid escape string"#))),
    (r#"'mississippi' like '%iss%ppi'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'' like '%'"#, Ok((r#"boolean"#, Some(r#"t"#)))),
    (r#"'' like '_'"#, Ok((r#"boolean"#, Some(r#"f"#)))),
    (r#"md5(exp(5999.9)::text)"#, Ok((r#"text"#, Some(r#"ebe710386865e37666e8c210d07e9e35"#)))),
    (r#"exp(0.000000000000000000001)"#, Ok((r#"numeric"#, Some(r#"1.000000000000000000001"#)))),
    (r#"md5(power(2::numeric, 400000)::text)"#, Ok((r#"text"#, Some(r#"3257dc71b460d4c5cb4b7aa97ffb09c7"#)))),
    (r#"md5(power(0.5, -400000)::text)"#, Ok((r#"text"#, Some(r#"3257dc71b460d4c5cb4b7aa97ffb09c7"#)))),
    (r#"power(0.5, 400000)"#, Ok((r#"numeric"#, Some(r#"0.0000000000000000"#)))),
    (r#"md5(power(10::numeric, 131071)::text)"#, Ok((r#"text"#, Some(r#"40346b64a9cfb1b02a7873216b5b2d36"#)))),
    (r#"power(10::numeric, 131072)"#, Err((r#"22003"#, r#"value overflows numeric format"#))),
    (r#"power(9.99, 100000.5)"#, Err((r#"22003"#, r#"value overflows numeric format"#))),
    (r#"power(1.0000000000000000000000000001, 12345678901)"#, Ok((r#"numeric"#, Some(r#"1.0000000000000000012345678901"#)))),
    (r#"power(-2::numeric, 3.0)"#, Ok((r#"numeric"#, Some(r#"-8.0000000000000000"#)))),
    (r#"power(-2::numeric, 1e10)"#, Err((r#"22003"#, r#"value overflows numeric format"#))),
    (r#"power('Infinity'::numeric, -2)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"power('-Infinity'::numeric, 3)"#, Ok((r#"numeric"#, Some(r#"-Infinity"#)))),
    (r#"power('-Infinity'::numeric, 2)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"power(-1::numeric, 'Infinity')"#, Ok((r#"numeric"#, Some(r#"1"#)))),
    (r#"power(0.5, '-Infinity')"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"power('NaN'::numeric, 0)"#, Ok((r#"numeric"#, Some(r#"1"#)))),
    (r#"power(1::numeric, 'NaN')"#, Ok((r#"numeric"#, Some(r#"1"#)))),
    (r#"ln(9e131071)"#, Ok((r#"numeric"#, Some(r#"301804.32794839990"#)))),
    (r#"md5(ln(1e-16383)::text)"#, Ok((r#"text"#, Some(r#"d285b9467129e6679ca8558d89d9e860"#)))),
    (r#"log(1.0000000000000000000000000001, 2)"#, Ok((r#"numeric"#, Some(r#"6931471805599453094172321214.9283392710349739983111686019"#)))),
    (r#"log(2, 1.0000000000000000000000000001)"#, Ok((r#"numeric"#, Some(r#"0.00000000000000000000000000014426950408889634"#)))),
    (r#"md5(log10(1e-1000)::text)"#, Ok((r#"text"#, Some(r#"62fcdf72eb69a8fa70b406ed7fa7ce5d"#)))),
    (r#"md5(sqrt(9e131071)::text)"#, Ok((r#"text"#, Some(r#"d4693a62c34475190a4056c16d628037"#)))),
    (r#"md5(sqrt(1e-16383)::text)"#, Ok((r#"text"#, Some(r#"1a5a255cc4b0646f8cb27448a2df2310"#)))),
    (r#"sqrt('Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"sqrt('-Infinity'::numeric)"#, Err((r#"2201F"#, r#"cannot take square root of a negative number"#))),
    (r#"round(1.5, -2000)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"trunc(123.456, -2147483648)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"exp('Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"exp('-Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"ln('Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"log('Infinity'::numeric, 'Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"NaN"#)))),
    (r#"log(2, 'Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"Infinity"#)))),
    (r#"log('Infinity'::numeric, 2)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"gcd('NaN'::numeric, 1)"#, Ok((r#"numeric"#, Some(r#"NaN"#)))),
    (r#"gcd(0.0, 0.00)"#, Ok((r#"numeric"#, Some(r#"0.00"#)))),
    (r#"lcm(0.5, 0.25)"#, Ok((r#"numeric"#, Some(r#"0.50"#)))),
    (r#"mod('Infinity'::numeric, 2)"#, Ok((r#"numeric"#, Some(r#"NaN"#)))),
    (r#"mod(5, 'Infinity'::numeric)"#, Ok((r#"numeric"#, Some(r#"5"#)))),
    (r#"div('Infinity'::numeric, 0)"#, Err((r#"22012"#, r#"division by zero"#))),
    (r#"div('NaN'::numeric, 0)"#, Ok((r#"numeric"#, Some(r#"NaN"#)))),
    (r#"width_bucket('Infinity'::numeric, 1, 2, 3)"#, Ok((r#"integer"#, Some(r#"4"#)))),
    (r#"width_bucket(1.5, 'Infinity'::numeric, 2, 3)"#, Err((r#"2201G"#, r#"lower and upper bounds must be finite"#))),
    (r#"width_bucket(1.5, 1, 2, 2147483647)"#, Ok((r#"integer"#, Some(r#"1073741824"#)))),
    (r#"width_bucket(5, 1, 2, 2147483647)"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"abs((-32768)::int2)"#, Err((r#"22003"#, r#"smallint out of range"#))),
    (r#"lcm((-2147483648)::int4, 1)"#, Err((r#"22003"#, r#"integer out of range"#))),
    (r#"lcm((-2147483648)::int4, 0)"#, Ok((r#"integer"#, Some(r#"0"#)))),
    (r#"gcd((-2147483648)::int4, -1)"#, Ok((r#"integer"#, Some(r#"1"#)))),
    (r#"extract(hour from '2147483647 hours'::interval)"#, Ok((r#"numeric"#, Some(r#"2147483647"#)))),
    (r#"extract(hour from '2147483648 hours'::interval)"#, Ok((r#"numeric"#, Some(r#"2147483648"#)))),
    (r#"date_trunc('hour', '2147483648 hours'::interval)"#, Ok((r#"interval"#, Some(r#"2147483648:00:00"#)))),
    (r#"date_trunc('year', '-178000000 years'::interval)"#, Ok((r#"interval"#, Some(r#"-178000000 years"#)))),
    (r#"date_trunc('day', '294276-12-31 23:59:59'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"294276-12-31 00:00:00"#)))),
    (r#"date_trunc('week', '294276-12-31'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"294276-12-25 00:00:00"#)))),
    (r#"date_trunc('millennium', '294276-12-31'::timestamp)"#, Ok((r#"timestamp without time zone"#, Some(r#"294001-01-01 00:00:00"#)))),
    (r#"date_trunc('millennium', '4713-01-01 BC'::timestamp)"#, Err((r#"22008"#, r#"timestamp out of range"#))),
    (r#"extract(julian from '4713-11-24 BC'::timestamp)"#, Ok((r#"numeric"#, Some(r#"366.0000000000000000000000000000"#)))),
    (r#"extract(epoch from '294276-12-31 23:59:59.999999'::timestamp)"#, Ok((r#"numeric"#, Some(r#"9224318016000.000000"#)))),
    (r#"date_part('epoch', '294276-12-31 23:59:59.999999'::timestamp)"#, Ok((r#"double precision"#, Some(r#"9224318016000"#)))),
    (r#"age('294276-12-31'::timestamp, '4713-11-24 BC'::timestamp)"#, Ok((r#"interval"#, Some(r#"298988 years 1 mon 7 days"#)))),
    (r#"make_interval(0, 0, 0, 0, 0, 0, 1e300)"#, Ok((r#"interval"#, Some(r#"-2562047788:00:54.775808"#)))),
    (r#"make_interval(0, 0, 0, 0, 2147483647, 2147483647, 0)"#, Ok((r#"interval"#, Some(r#"2183275041:07:00"#)))),
    (r#"justify_hours('2147483647 days 48:00:00'::interval)"#, Err((r#"22008"#, r#"interval out of range"#))),
    (r#"justify_days('2147483647 mons 60 days'::interval)"#, Err((r#"22008"#, r#"interval out of range"#))),
    (r#"justify_interval('-2147483648 mons -60 days'::interval)"#, Err((r#"22008"#, r#"interval out of range"#))),
    (r#"to_timestamp(-210866803200)"#, Ok((r#"timestamp with time zone"#, Some(r#"4714-11-24 00:00:00+00 BC"#)))),
    (r#"to_timestamp(-210866803201)"#, Err((r#"22008"#, r#"timestamp out of range: "-2.10867e+11""#))),
    (r#"to_timestamp(9224318016000)"#, Err((r#"22008"#, r#"timestamp out of range: "9.22432e+12""#))),
    (r#"make_date(-4714, 11, 24)"#, Ok((r#"date"#, Some(r#"4714-11-24 BC"#)))),
    (r#"make_date(-4714, 11, 23)"#, Err((r#"22008"#, r#"date out of range: -4713-11-23"#))),
    (r#"make_date(-2147483648, 1, 1)"#, Err((r#"22008"#, r#"date field value out of range: -2147483648-01-01"#))),
    (r#"make_timestamp(-2147483648, 1, 1, 0, 0, 0)"#, Err((r#"22008"#, r#"date field value out of range: -2147483648-01-01"#))),
    (r#"make_time(2147483647, 0, 0)"#, Err((r#"22008"#, r#"time field value out of range: 2147483647:00:00"#))),
    (r#"lpad('x', 268435455, 'y')"#, Err((r#"54000"#, r#"requested length too large"#))),
    (r#"md5(round(12345e2396, -2400)::text)"#, Ok((r#"text"#, Some(r#"8265f030af20516c2f5a1e98c70f9f6e"#)))),
    (r#"round(12345e131068, -131072)"#, Err((r#"22003"#, r#"value overflows numeric format"#))),
    (r#"round(98765e131067, -131072)"#, Err((r#"22003"#, r#"value overflows numeric format"#))),
    (r#"round(98765e131067, -131073)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"round(98765e131067, -131074)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"trunc(98765e131067, -131072)"#, Ok((r#"numeric"#, Some(r#"0"#)))),
    (r#"length(repeat('x', 1073741820))"#, Err((r#"54000"#, r#"requested length too large"#))),
    (r#"length(round(123.456, 2147483647)::text)"#, Ok((r#"integer"#, Some(r#"16387"#)))),
    (r#"length(round(1, 2000)::text)"#, Ok((r#"integer"#, Some(r#"2002"#)))),
    (r#"length(exp(-5999.9)::text)"#, Ok((r#"integer"#, Some(r#"1002"#)))),

    // resolution of unknown arguments, qualified names, format()
    (r#"to_hex(NULL)"#, Err((r#"42725"#, r#"function to_hex(unknown) is not unique"#))),
    (r#"gcd(NULL, NULL)"#, Err((r#"42725"#, r#"function gcd(unknown, unknown) is not unique"#))),
    (r#"md5(NULL)"#, Ok((r#"text"#, None))),
    (r#"mod(NULL, NULL)"#, Err((r#"42725"#, r#"function mod(unknown, unknown) is not unique"#))),
    (r#"mod(NULL, 5)"#, Ok((r#"integer"#, None))),
    (r#"position(NULL in NULL)"#, Ok((r#"integer"#, None))),
    (r#"age(NULL)"#, Err((r#"42725"#, r#"function age(unknown) is not unique"#))),
    (r#"isfinite(NULL)"#, Err((r#"42725"#, r#"function isfinite(unknown) is not unique"#))),
    (r#"date_part('year', NULL)"#, Err((r#"42725"#, r#"function date_part(unknown, unknown) is not unique"#))),
    (r#"extract(year from NULL)"#, Err((r#"42725"#, r#"function pg_catalog.extract(unknown, unknown) is not unique"#))),
    (r#"quote_literal(NULL)"#, Ok((r#"text"#, None))),
    (r#"substr(NULL, 1)"#, Ok((r#"text"#, None))),
    (r#"width_bucket(NULL, 1, 2, 3)"#, Ok((r#"integer"#, None))),
    (r#"round(NULL, 2)"#, Ok((r#"numeric"#, None))),
    (r#"log(NULL, NULL)"#, Ok((r#"numeric"#, None))),
    (r#"trunc('1.5')"#, Err((r#"42725"#, r#"function trunc(unknown) is not unique"#))),
    (r#"pg_catalog.length(1)"#, Err((r#"42883"#, r#"function pg_catalog.length(integer) does not exist"#))),
    (r#"pg_catalog.length('abc')"#, Ok((r#"integer"#, Some(r#"3"#)))),
    (r#"position(1 in 2)"#, Err((r#"42883"#, r#"function pg_catalog.position(integer, integer) does not exist"#))),
    (r#"substring(1 from 2)"#, Err((r#"42883"#, r#"function pg_catalog.substring(integer, integer) does not exist"#))),
    (r#"trim(both 1 from 2)"#, Err((r#"42883"#, r#"function pg_catalog.btrim(integer, integer) does not exist"#))),
    (r#"format('%s|%I|%L|%%|%5s|%-5s|%2$s', 'a', 'B c', NULL)"#, Err((r#"22023"#, r#"too few arguments for format()"#))),
    (r#"format(NULL)"#, Ok((r#"text"#, None))),
    (r#"format('%s')"#, Err((r#"22023"#, r#"too few arguments for format()"#))),
    (r#"format('%x', 1)"#, Err((r#"22023"#, r#"unrecognized format() type specifier "x""#))),
    (r#"format('abc%')"#, Err((r#"22023"#, r#"unterminated format() type specifier"#))),
    (r#"format('%0$s', 1)"#, Err((r#"22023"#, r#"format specifies argument 0, but arguments are numbered from 1"#))),
    (r#"format('%*s', 5, 'x')"#, Ok((r#"text"#, Some(r#"    x"#)))),
    (r#"format('%*s', -5, 'x')"#, Ok((r#"text"#, Some(r#"x    "#)))),
    (r#"format('%-*s|', 3, 'ab')"#, Ok((r#"text"#, Some(r#"ab |"#)))),
    (r#"format('%1$s %1$I', 'Ab')"#, Ok((r#"text"#, Some(r#"Ab "Ab""#)))),
    (r#"format('%I', NULL)"#, Err((r#"22004"#, r#"null values cannot be formatted as an SQL identifier"#))),
    (r#"format('%L', true)"#, Ok((r#"text"#, Some(r#"'t'"#)))),
    (r#"format('%s', true)"#, Ok((r#"text"#, Some(r#"t"#)))),
    (r#"format('%s %s', 1)"#, Err((r#"22023"#, r#"too few arguments for format()"#))),
    (r#"format('%3$s', 1)"#, Err((r#"22023"#, r#"too few arguments for format()"#))),
    (r#"format('%s', 'a'::char(3))"#, Ok((r#"text"#, Some(r#"a  "#)))),
    (r#"format('%*2$s', 'x', 4)"#, Err((r#"22023"#, r#"too few arguments for format()"#))),
    (r#"format('%2147483648$s', 1)"#, Err((r#"22003"#, r#"number is out of range"#))),
    (r#"format('%99999999999s', 1)"#, Err((r#"22003"#, r#"number is out of range"#))),
    (r#"format('%*s', NULL, 'x')"#, Ok((r#"text"#, Some(r#"x"#)))),
    (r#"format('%-5-s', 1)"#, Err((r#"22023"#, r#"unrecognized format() type specifier "-""#))),
    (r#"format('%1$*s', 1)"#, Ok((r#"text"#, Some(r#"1"#)))),

];

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Str(String),
    Num(String),
    Ident(String),
    Punct(&'static str),
}

fn lex(s: &str) -> Vec<Tok> {
    let c: Vec<char> = s.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < c.len() {
        let ch = c[i];
        if ch.is_whitespace() {
            i += 1;
        } else if ch == '\'' {
            let mut v = String::new();
            i += 1;
            while i < c.len() {
                if c[i] == '\'' {
                    if c.get(i + 1) == Some(&'\'') {
                        v.push('\'');
                        i += 2;
                        continue;
                    }
                    break;
                }
                v.push(c[i]);
                i += 1;
            }
            i += 1;
            out.push(Tok::Str(v));
        } else if ch.is_ascii_digit()
            || (ch == '.' && c.get(i + 1).is_some_and(|d| d.is_ascii_digit()))
        {
            let start = i;
            while i < c.len() && (c[i].is_ascii_digit() || c[i] == '.') {
                i += 1;
            }
            if i < c.len() && (c[i] == 'e' || c[i] == 'E') {
                i += 1;
                if i < c.len() && (c[i] == '-' || c[i] == '+') {
                    i += 1;
                }
                while i < c.len() && c[i].is_ascii_digit() {
                    i += 1;
                }
            }
            out.push(Tok::Num(c[start..i].iter().collect()));
        } else if ch.is_alphabetic() || ch == '_' {
            let start = i;
            while i < c.len() && (c[i].is_alphanumeric() || c[i] == '_' || c[i] == '.') {
                i += 1;
            }
            out.push(Tok::Ident(
                c[start..i].iter().collect::<String>().to_lowercase(),
            ));
        } else if ch == ':' && c.get(i + 1) == Some(&':') {
            out.push(Tok::Punct("::"));
            i += 2;
        } else {
            out.push(Tok::Punct(match ch {
                '(' => "(",
                ')' => ")",
                ',' => ",",
                '-' => "-",
                '/' => "/",
                _ => panic!("unexpected character {ch:?} in {s}"),
            }));
            i += 1;
        }
    }
    out
}

#[derive(Debug)]
enum Expr {
    Str(String),
    Num(String),
    Null,
    Bool(bool),
    Cast(Box<Expr>, DataType),
    Neg(Box<Expr>),
    Div(Box<Expr>, Box<Expr>),
    Call(String, Vec<Expr>),
}

struct Parser {
    toks: Vec<Tok>,
    pos: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Tok> {
        self.toks.get(self.pos)
    }
    fn next(&mut self) -> Tok {
        let t = self.toks[self.pos].clone();
        self.pos += 1;
        t
    }
    fn eat(&mut self, p: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Punct(x)) if *x == p) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn eat_word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Ident(x)) if x == w) {
            self.pos += 1;
            true
        } else {
            false
        }
    }
    fn expr(&mut self) -> Expr {
        let mut e = self.unary();
        while self.eat("/") {
            e = Expr::Div(Box::new(e), Box::new(self.unary()));
        }
        e
    }
    fn unary(&mut self) -> Expr {
        if self.eat("-") {
            let folds = matches!(self.peek(), Some(Tok::Num(_)))
                && !matches!(self.toks.get(self.pos + 1), Some(Tok::Punct("::")));
            if folds {
                let Tok::Num(n) = self.next() else {
                    unreachable!()
                };
                return Expr::Num(format!("-{n}"));
            }
            return Expr::Neg(Box::new(self.unary()));
        }
        self.postfix()
    }
    fn postfix(&mut self) -> Expr {
        let mut e = self.primary();
        while self.eat("::") {
            let Tok::Ident(name) = self.next() else {
                panic!("type name expected")
            };
            let mut mods = Vec::new();
            if self.eat("(") {
                loop {
                    let Tok::Num(n) = self.next() else {
                        panic!("modifier expected")
                    };
                    mods.push(n.parse().unwrap());
                    if !self.eat(",") {
                        break;
                    }
                }
                assert!(self.eat(")"));
            }
            e = Expr::Cast(Box::new(e), DataType::from_sql_name(&name, &mods).unwrap());
        }
        e
    }
    fn primary(&mut self) -> Expr {
        match self.next() {
            Tok::Str(s) => Expr::Str(s),
            Tok::Num(n) => Expr::Num(n),
            Tok::Punct("(") => {
                let e = self.expr();
                assert!(self.eat(")"));
                e
            }
            Tok::Ident(w) if !matches!(self.peek(), Some(Tok::Punct("("))) => match w.as_str() {
                "null" => Expr::Null,
                "true" => Expr::Bool(true),
                "false" => Expr::Bool(false),
                _ => panic!("unknown word {w}"),
            },
            Tok::Ident(name) => {
                assert!(self.eat("("));
                let args = self.args(&name);
                assert!(self.eat(")"), "missing ) after {name}");
                let name = match (name.as_str(), args.0) {
                    (_, Some(n)) => n.to_string(),
                    (n, None) => n.to_string(),
                };
                Expr::Call(name, args.1)
            }
            t => panic!("unexpected token {t:?}"),
        }
    }
    fn args(&mut self, name: &str) -> (Option<&'static str>, Vec<Expr>) {
        if self.eat_word("") || matches!(self.peek(), Some(Tok::Punct(")"))) {
            return (None, Vec::new());
        }
        if name == "extract" {
            let Tok::Ident(field) = self.next() else {
                panic!("field expected")
            };
            assert!(self.eat_word("from"));
            return (
                Some("pg_catalog.extract"),
                vec![Expr::Str(field), self.expr()],
            );
        }
        if name == "trim" {
            let f = if self.eat_word("leading") {
                "pg_catalog.ltrim"
            } else if self.eat_word("trailing") {
                "pg_catalog.rtrim"
            } else {
                self.eat_word("both");
                "pg_catalog.btrim"
            };
            let chars = self.expr();
            assert!(self.eat_word("from"));
            return (Some(f), vec![self.expr(), chars]);
        }
        let first = self.expr();
        if name == "position" && self.eat_word("in") {
            return (Some("pg_catalog.position"), vec![self.expr(), first]);
        }
        if name == "substring" && self.eat_word("from") {
            let mut v = vec![first, self.expr()];
            if self.eat_word("for") {
                v.push(self.expr());
            }
            return (Some("pg_catalog.substring"), v);
        }
        let mut v = vec![first];
        while self.eat(",") {
            v.push(self.expr());
        }
        (None, v)
    }
}

const CTX: FnContext = FnContext {
    statement_timestamp: 0,
    transaction_timestamp: 0,
};

fn eval(e: &Expr) -> Result<(Value, DataType), SqlError> {
    Ok(match e {
        Expr::Str(s) => (Value::Text(s.clone()), DataType::Unknown),
        Expr::Null => (Value::Null, DataType::Unknown),
        Expr::Bool(b) => (Value::Bool(*b), DataType::Bool),
        Expr::Num(n) if n.contains(['.', 'e', 'E']) => {
            (parse_text(n, &DataType::NUMERIC)?, DataType::NUMERIC)
        }
        Expr::Num(n) => match (n.parse::<i32>(), n.parse::<i64>()) {
            (Ok(v), _) => (Value::Int4(v), DataType::Int4),
            (_, Ok(v)) => (Value::Int8(v), DataType::Int8),
            _ => (parse_text(n, &DataType::NUMERIC)?, DataType::NUMERIC),
        },
        Expr::Cast(inner, t) => {
            // An explicit cast of a literal runs the input function without
            // the modifier, then the (truncating) explicit length coercion.
            let (v, vt) = eval(inner)?;
            let v = match (&v, vt) {
                (Value::Text(s), DataType::Unknown) => parse_text(s, &unmodified(t))?,
                _ => v,
            };
            (cast(v, t)?, *t)
        }
        Expr::Neg(inner) => {
            let (v, t) = eval(inner)?;
            (neg(&v)?, t)
        }
        Expr::Div(a, b) => {
            let r = div(&eval(a)?.0, &eval(b)?.0)?;
            let t = r.data_type();
            (r, t)
        }
        Expr::Call(name, args) => {
            let vals = args.iter().map(eval).collect::<Result<Vec<_>, _>>()?;
            let types: Vec<DataType> = vals.iter().map(|v| v.1).collect();
            let r = resolve(name, &types)?;
            let cast_args = vals
                .into_iter()
                .zip(&r.arg_types)
                .map(|((v, vt), t)| coerce(v, vt, t))
                .collect::<Result<Vec<_>, _>>()?;
            (call(r.func, &cast_args, &CTX)?, r.ret)
        }
    })
}

fn unmodified(t: &DataType) -> DataType {
    match t {
        DataType::Varchar(_) => DataType::Varchar(None),
        DataType::Char(_) => DataType::Char(None),
        DataType::Numeric { .. } => DataType::NUMERIC,
        other => *other,
    }
}

fn coerce(v: Value, from: DataType, to: &DataType) -> Result<Value, SqlError> {
    match (&v, from) {
        (Value::Null, _) => Ok(Value::Null),
        (Value::Text(s), DataType::Unknown) => parse_text(s, to),
        _ => cast(v, to),
    }
}

/// `'text' [I]LIKE 'pattern' [ESCAPE 'e']` (operands without quotes).
fn like(expr: &str) -> Option<Result<bool, SqlError>> {
    let parts: Vec<&str> = expr.split('\'').collect();
    let ci = match parts.get(2) {
        Some(&" like ") => false,
        Some(&" ilike ") => true,
        _ => return None,
    };
    let escape = match parts.get(5) {
        Some(e) => match like_escape(e) {
            Ok(e) => e,
            Err(e) => return Some(Err(e)),
        },
        None => Some('\\'),
    };
    Some(like_match(parts[1], parts[3], escape, ci))
}

fn run(expr: &str) -> Result<(String, Option<String>), (String, String)> {
    if let Some(r) = like(expr) {
        return match r {
            Ok(b) => Ok(("boolean".into(), Some(if b { "t" } else { "f" }.into()))),
            Err(e) => Err((e.code.to_string(), e.message)),
        };
    }
    let mut p = Parser {
        toks: lex(expr),
        pos: 0,
    };
    let e = p.expr();
    assert_eq!(p.pos, p.toks.len(), "trailing tokens in {expr}");
    match eval(&e) {
        Ok((v, t)) => Ok((t.name(), v.to_text())),
        Err(e) => Err((e.code.to_string(), e.message)),
    }
}

/// Overloads PostgreSQL evaluates but this layer does not: rejected at
/// resolution time with 0A000 instead of picking another overload.
#[test]
fn unsupported_overloads_are_rejected() {
    for expr in [
        "substring('abc', '2')",
        "to_char(1, '999')",
        "to_timestamp('2024', 'YYYY')",
    ] {
        let got = run(expr);
        assert!(
            matches!(&got, Err((c, _)) if c == "0A000"),
            "{expr}: {got:?}"
        );
    }
}

#[test]
fn functions_match_postgres_15() {
    let mut failures = Vec::new();
    for (expr, want) in ROWS {
        let got = run(expr);
        let want = match want {
            Ok((t, v)) => Ok((t.to_string(), v.map(str::to_string))),
            Err((c, m)) => Err((c.to_string(), m.to_string())),
        };
        if got != want {
            failures.push(format!("{expr}\n   want {want:?}\n    got {got:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases differ:\n{}",
        failures.len(),
        ROWS.len(),
        failures.join("\n")
    );
}
