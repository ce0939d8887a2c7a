//! Unit tests for `format.rs`. Every expected string below is output recorded from psql 15
//! (`psql -X`, default aligned format, `\set VERBOSITY verbose` with its LOCATION lines
//! removed) for the query named in each test.

use super::*;
use crate::sql::result::{Column, Notice, QueryResult};
use crate::sql::types::{DataType, Value, parse_text};

const NUM: DataType = DataType::NUMERIC;

fn col(name: &str, ty: DataType) -> Column {
    Column {
        name: name.to_string(),
        ty,
    }
}

fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

fn num(s: &str) -> Value {
    parse_text(s, &NUM).expect("numeric literal")
}

fn qr(columns: Vec<Column>, rows: Vec<Vec<Value>>) -> QueryResult {
    QueryResult {
        tag: format!("SELECT {}", rows.len()),
        columns,
        rows,
        notices: Vec::new(),
    }
}

fn missing_column(position: u32) -> SqlError {
    let mut e = SqlError::new("42703", "column \"qqq\" does not exist");
    e.position = Some(position);
    e
}

#[test]
fn psql_basic() {
    let r = qr(
        vec![
            col("id", DataType::Int4),
            col("name", DataType::Text),
            col("score", NUM),
            col("ok", DataType::Bool),
        ],
        vec![
            vec![
                Value::Int4(1),
                text("alice"),
                num("3.50"),
                Value::Bool(true),
            ],
            vec![Value::Int4(2), Value::Null, Value::Null, Value::Null],
            vec![
                Value::Int4(10),
                text("a much longer name"),
                num("-12.25"),
                Value::Bool(false),
            ],
        ],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#" id |        name        | score  | ok 
----+--------------------+--------+----
  1 | alice              |   3.50 | t
  2 |                    |        | 
 10 | a much longer name | -12.25 | f
(3 rows)

"#
    );
}

#[test]
fn psql_empty() {
    let r = qr(vec![col("id", DataType::Int4)], vec![]);
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#" id 
----
(0 rows)

"#
    );
}

#[test]
fn psql_literals() {
    let r = qr(
        vec![
            col("a", DataType::Int4),
            col("bb", DataType::Text),
            col("ccc", DataType::Int4),
            col("d", DataType::Int4),
        ],
        vec![vec![
            Value::Int4(1),
            text("x"),
            Value::Null,
            Value::Int4(123456),
        ]],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#" a | bb | ccc |   d    
---+----+-----+--------
 1 | x  |     | 123456
(1 row)

"#
    );
}

#[test]
fn psql_multiline() {
    let r = qr(
        vec![col("ml", DataType::Text), col("n", DataType::Int4)],
        vec![vec![text("line1\nline2"), Value::Int4(2)]],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#"  ml   | n 
-------+---
 line1+| 2
 line2 | 
(1 row)

"#
    );
}

#[test]
fn psql_unicode() {
    let r = qr(
        vec![col("u", DataType::Text), col("w", DataType::Text)],
        vec![vec![text("é"), text("日本語")]],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#" u |   w    
---+--------
 é | 日本語
(1 row)

"#
    );
}

#[test]
fn psql_nocols() {
    let r = qr(vec![], vec![vec![]]);
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#"--
(1 row)

"#
    );
}

#[test]
fn psql_multihead() {
    let r = qr(
        vec![
            col("multi\nhead", DataType::Text),
            col("num", DataType::Int4),
            col("last", DataType::Text),
        ],
        vec![vec![text("a\nbb\nccc"), Value::Int4(12345), text("x")]],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#" multi+|  num  | last 
 head  |       |      
-------+-------+------
 a    +| 12345 | x
 bb   +|       | 
 ccc   |       | 
(1 row)

"#
    );
}

#[test]
fn psql_lastml() {
    let r = qr(
        vec![col("num", DataType::Int4), col("last", DataType::Text)],
        vec![vec![Value::Int4(1), text("a\nb")]],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#" num | last 
-----+------
   1 | a   +
     | b
(1 row)

"#
    );
}

#[test]
fn psql_nullwide() {
    let r = qr(
        vec![col("n", DataType::Int4), col("z", DataType::Text)],
        vec![
            vec![Value::Int4(123), Value::Null],
            vec![Value::Int4(1), text("wide\n  y")],
        ],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#"  n  |  z   
-----+------
 123 | 
   1 | wide+
     |   y
(2 rows)

"#
    );
}

#[test]
fn psql_control() {
    let r = qr(
        vec![
            col("tab", DataType::Text),
            col("cr", DataType::Text),
            col("ctl", DataType::Text),
            col("tab2", DataType::Text),
            col("c1", DataType::Text),
        ],
        vec![vec![
            text("x\ty"),
            text("a\rb"),
            text("\u{1}"),
            text("ab\tc"),
            text("\u{85}"),
        ]],
    );
    assert_eq!(
        render_aligned(&result_table(&r)),
        r#"    tab    |  cr  | ctl  |   tab2    |   c1   
-----------+------+------+-----------+--------
 x       y | a\rb | \x01 | ab      c | \u0085
(1 row)

"#
    );
}

#[test]
fn psql_expanded_basic() {
    let r = qr(
        vec![
            col("id", DataType::Int4),
            col("name", DataType::Text),
            col("score", NUM),
            col("ok", DataType::Bool),
        ],
        vec![
            vec![
                Value::Int4(1),
                text("alice"),
                num("3.50"),
                Value::Bool(true),
            ],
            vec![Value::Int4(2), Value::Null, Value::Null, Value::Null],
            vec![
                Value::Int4(10),
                text("a much longer name"),
                num("-12.25"),
                Value::Bool(false),
            ],
        ],
    );
    assert_eq!(
        render_expanded(&result_table(&r)),
        r#"-[ RECORD 1 ]-------------
id    | 1
name  | alice
score | 3.50
ok    | t
-[ RECORD 2 ]-------------
id    | 2
name  | 
score | 
ok    | 
-[ RECORD 3 ]-------------
id    | 10
name  | a much longer name
score | -12.25
ok    | f

"#
    );
}

#[test]
fn psql_expanded_empty() {
    let r = qr(vec![col("id", DataType::Int4)], vec![]);
    assert_eq!(
        render_expanded(&result_table(&r)),
        r#"(0 rows)

"#
    );
}

#[test]
fn psql_expanded_multi() {
    let r = qr(
        vec![
            col("ml", DataType::Text),
            col("n", DataType::Int4),
            col("z", DataType::Text),
        ],
        vec![vec![
            text("line1\nline2"),
            Value::Int4(2),
            text("averyveryverylongvaluehere"),
        ]],
    );
    assert_eq!(
        render_expanded(&result_table(&r)),
        r#"-[ RECORD 1 ]------------------
ml | line1                     +
   | line2
n  | 2
z  | averyveryverylongvaluehere

"#
    );
}

#[test]
fn psql_expanded_longhead() {
    let r = qr(
        vec![
            col("abcdefghijklmnopqrstuvwxyz", DataType::Text),
            col("b", DataType::Text),
        ],
        vec![vec![text("x"), text("y")]],
    );
    assert_eq!(
        render_expanded(&result_table(&r)),
        r#"-[ RECORD 1 ]--------------+--
abcdefghijklmnopqrstuvwxyz | x
b                          | y

"#
    );
}

#[test]
fn psql_expanded_nocols() {
    let r = qr(vec![], vec![vec![]]);
    assert_eq!(
        render_expanded(&result_table(&r)),
        r#"(1 row)

"#
    );
}

#[test]
fn psql_expanded_multihead() {
    let r = qr(
        vec![
            col("multi\nhead", DataType::Text),
            col("num", DataType::Int4),
            col("l\na\ns\nt", DataType::Text),
        ],
        vec![vec![text("a\nbb\nccc"), Value::Int4(12345), text("x")]],
    );
    assert_eq!(
        render_expanded(&result_table(&r)),
        r#"-[ RECORD 1 ]
multi+| a    +
head  | bb   +
      | ccc
num   | 12345
l    +| x
a    +|
s    +|
t     |

"#
    );
}

#[test]
fn psql_expanded_two() {
    let r = qr(
        vec![col("a", DataType::Int4), col("b", DataType::Text)],
        vec![
            vec![Value::Int4(1), text("p")],
            vec![Value::Int4(22), text("qq")],
        ],
    );
    assert_eq!(
        render_expanded(&result_table(&r)),
        r#"-[ RECORD 1 ]
a | 1
b | p
-[ RECORD 2 ]
a | 22
b | qq

"#
    );
}

#[test]
fn psql_insert_returning_prints_rows_then_tag() {
    let mut r = qr(
        vec![col("id", DataType::Int4), col("name", DataType::Text)],
        vec![vec![Value::Int4(3), text("c")]],
    );
    r.tag = "INSERT 0 1".to_string();
    assert_eq!(
        render_result(&r, false),
        r#" id | name 
----+------
  3 | c
(1 row)

INSERT 0 1
"#
    );
}

#[test]
fn psql_error_position_truncated_both_sides() {
    let e = missing_column(94);
    assert_eq!(
        format_error(
            &e,
            Some(
                "select 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', qqq, 'bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';"
            )
        ),
        r#"ERROR:  42703: column "qqq" does not exist
LINE 1: ...aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', qqq, 'bbbb...
                                                             ^
"#
    );
}

#[test]
fn psql_error_position_truncated_right() {
    let e = missing_column(8);
    assert_eq!(
        format_error(
            &e,
            Some(
                "select qqq, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' from t;"
            )
        ),
        r#"ERROR:  42703: column "qqq" does not exist
LINE 1: select qqq, 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...
               ^
"#
    );
}

#[test]
fn psql_error_position_truncated_left() {
    let e = missing_column(94);
    assert_eq!(
        format_error(
            &e,
            Some(
                "select 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', qqq;"
            )
        ),
        r#"ERROR:  42703: column "qqq" does not exist
LINE 1: ...aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa', qqq;
                                                                   ^
"#
    );
}

#[test]
fn psql_error_position_wide_chars() {
    let e = missing_column(18);
    assert_eq!(
        format_error(&e, Some("select '日本語日本語', qqq;")),
        r#"ERROR:  42703: column "qqq" does not exist
LINE 1: select '日本語日本語', qqq;
                               ^
"#
    );
}

#[test]
fn psql_error_position_second_line_with_tab() {
    let e = missing_column(15);
    assert_eq!(
        format_error(&e, Some("select 1,\n\t2, qqq;")),
        r#"ERROR:  42703: column "qqq" does not exist
LINE 2:  2, qqq;
            ^
"#
    );
}

#[test]
fn psql_error_with_hint_and_detail() {
    let mut e = SqlError::undefined_operator("integer", "=", "boolean");
    e.position = Some(10);
    assert_eq!(
        format_error(&e, Some("select 1 = true;")),
        "ERROR:  42883: operator does not exist: integer = boolean\nLINE 1: select 1 = true;\n                 ^\nHINT:  No operator matches the given name and argument types. You might need to add explicit type casts.\n"
    );
    let e = SqlError::numeric_field_overflow(5, 2);
    assert_eq!(
        format_error(&e, Some("select '999.995'::numeric(5,2);")),
        "ERROR:  22003: numeric field overflow\nDETAIL:  A field with precision 5, scale 2 must round to an absolute value less than 10^3.\n"
    );
    let e = missing_column(17);
    assert_eq!(
        format_error(&e, Some("select 'é日本' || qqq;")),
        "ERROR:  42703: column \"qqq\" does not exist\nLINE 1: select 'é日本' || qqq;\n                          ^\n"
    );
}

#[test]
fn psql_notice_line() {
    let n = Notice {
        severity: "WARNING",
        code: "25P01",
        message: "there is no transaction in progress".to_string(),
    };
    assert_eq!(
        format_notice(&n),
        "WARNING:  25P01: there is no transaction in progress\n"
    );
}

#[test]
fn command_tags_print_alone() {
    let r = QueryResult {
        tag: "CREATE TABLE".to_string(),
        ..QueryResult::default()
    };
    assert_eq!(render_result(&r, false), "CREATE TABLE\n");
    assert_eq!(render_result(&QueryResult::default(), true), "");
    let select = qr(vec![col("a", DataType::Int4)], vec![vec![Value::Int4(1)]]);
    assert_eq!(render_result(&select, false), " a \n---\n 1\n(1 row)\n\n");
}

#[test]
fn timing_lines() {
    assert_eq!(format_timing(0.1234), "Time: 0.123 ms\n");
    assert_eq!(format_timing(999.9994), "Time: 999.999 ms\n");
    assert_eq!(format_timing(61250.0), "Time: 61250.000 ms (01:01.250)\n");
    assert_eq!(
        format_timing(3_723_000.0),
        "Time: 3723000.000 ms (01:02:03.000)\n"
    );
    assert_eq!(
        format_timing(90_061_000.0),
        "Time: 90061000.000 ms (1 d 01:01:01.000)\n"
    );
}

#[test]
fn error_position_out_of_range_prints_no_line() {
    assert_eq!(error_position("select 1;", 0), "");
    assert_eq!(error_position("select 1;", 11), "");
    // One past the end is allowed (syntax error at end of input).
    assert_eq!(
        error_position("select 1 as ", 13),
        "LINE 1: select 1 as \n                    ^\n"
    );
    assert_eq!(
        error_position("select (1;\n);", 8),
        "LINE 1: select (1;\n               ^\n"
    );
    assert_eq!(error_position("a\r\nb x", 6), "LINE 2: b x\n          ^\n");
}

#[test]
fn error_without_query_has_no_line() {
    let e = missing_column(3);
    assert_eq!(
        format_error(&e, None),
        "ERROR:  42703: column \"qqq\" does not exist\n"
    );
}

#[test]
fn short_rows_and_odd_input_do_not_panic() {
    let mut t = Table::new(&["a", "b"]);
    t.right_align = vec![true];
    t.rows = vec![
        vec!["1".to_string()],
        vec![],
        vec!["x\n\n".into(), "\u{0}\u{7f}\u{200b}".into()],
    ];
    let s = render_aligned(&t);
    assert!(s.ends_with("(3 rows)\n\n"));
    let _ = render_expanded(&t);
    t.title = Some("a title much wider than the table".to_string());
    assert!(render_aligned(&t).starts_with("a title much wider than the table\n"));
    assert!(!render_expanded(&t).is_empty());
}

#[test]
fn title_is_centered_over_the_table() {
    let mut t = Table::new(&["Schema", "Name", "Type", "Owner"]);
    t.title = Some("List of relations".to_string());
    t.rows = vec![vec![
        "public".into(),
        "t".into(),
        "table".into(),
        "isodb".into(),
    ]];
    assert_eq!(
        render_aligned(&t),
        "       List of relations\n Schema | Name | Type  | Owner \n--------+------+-------+-------\n public | t    | table | isodb\n(1 row)\n\n"
    );
}
