//! Unit tests for `meta.rs`: the `\d` layouts are compared with psql 15's output for the
//! same catalog (created in PostgreSQL by role `isodb`, so the Owner column matches), and
//! the small parsers with psql's rules.

use super::*;
use crate::sql::result::ColumnInfo;

fn col(name: &str, ty: &str, not_null: bool, default: Option<&str>) -> ColumnInfo {
    ColumnInfo {
        name: name.to_string(),
        type_name: ty.to_string(),
        not_null,
        default: default.map(str::to_string),
    }
}

fn index(name: &str, table: &str, primary: bool, unique: bool, cols: &[&str]) -> IndexInfo {
    IndexInfo {
        name: name.to_string(),
        table: table.to_string(),
        primary,
        unique,
        columns: cols.iter().map(|c| c.to_string()).collect(),
    }
}

/// The catalog psql described:
/// ```sql
/// create table t (id int primary key, name text, score numeric(10,2), ok boolean);
/// create index t_name on t (name);
/// create table items (id bigint primary key, code varchar(10) not null unique,
///     price numeric default 0, qty int not null default 1 check (qty > 0),
///     note text check (length(note) < 100), created date default current_date);
/// create unique index items_price_qty on items (price desc, qty);
/// create view cheap as select id, code from items where price < 10;
/// ```
fn catalog() -> Vec<RelationInfo> {
    vec![
        RelationInfo {
            name: "items".to_string(),
            kind: RelationKind::Table,
            columns: vec![
                col("id", "bigint", true, None),
                col("code", "character varying(10)", true, None),
                col("price", "numeric", false, Some("0")),
                col("qty", "integer", true, Some("1")),
                col("note", "text", false, None),
                col("created", "date", false, Some("CURRENT_DATE")),
            ],
            indexes: vec![
                index(
                    "items_price_qty",
                    "items",
                    false,
                    true,
                    &["price DESC", "qty"],
                ),
                index("items_code_key", "items", false, true, &["code"]),
                index("items_pkey", "items", true, true, &["id"]),
            ],
            checks: vec![
                ("items_qty_check".to_string(), "qty > 0".to_string()),
                (
                    "items_note_check".to_string(),
                    "length(note) < 100".to_string(),
                ),
            ],
            view_sql: None,
        },
        RelationInfo {
            name: "cheap".to_string(),
            kind: RelationKind::View,
            columns: vec![
                col("id", "bigint", false, None),
                col("code", "character varying(10)", false, None),
            ],
            indexes: vec![],
            checks: vec![],
            view_sql: Some("SELECT id, code FROM items WHERE price < 10".to_string()),
        },
        RelationInfo {
            name: "t".to_string(),
            kind: RelationKind::Table,
            columns: vec![
                col("id", "integer", true, None),
                col("name", "text", false, None),
                col("score", "numeric(10,2)", false, None),
                col("ok", "boolean", false, None),
            ],
            indexes: vec![
                index("t_name", "t", false, false, &["name"]),
                index("t_pkey", "t", true, true, &["id"]),
            ],
            checks: vec![],
            view_sql: None,
        },
    ]
}

fn list(cmd: &str, pattern: Option<&str>, expanded: bool) -> String {
    let kinds = parse_describe(cmd).expect("a \\d command");
    let pat = pattern.map(|p| Pattern::parse(p).expect("pattern"));
    format::render(&list_relations(&catalog(), kinds, pat.as_ref()), expanded)
}

fn describe(pattern: &str) -> String {
    let pat = Pattern::parse(pattern).expect("pattern");
    describe_matching(&catalog(), &pat)
        .iter()
        .map(format::render_aligned)
        .collect()
}

#[test]
fn psql_list_relations() {
    assert_eq!(
        list("d", None, false),
        r#"       List of relations
 Schema | Name  | Type  | Owner 
--------+-------+-------+-------
 public | cheap | view  | isodb
 public | items | table | isodb
 public | t     | table | isodb
(3 rows)

"#
    );
}

#[test]
fn psql_list_tables() {
    assert_eq!(
        list("dt", None, false),
        r#"       List of relations
 Schema | Name  | Type  | Owner 
--------+-------+-------+-------
 public | items | table | isodb
 public | t     | table | isodb
(2 rows)

"#
    );
}

#[test]
fn psql_list_indexes() {
    assert_eq!(
        list("di", None, false),
        r#"                List of relations
 Schema |      Name       | Type  | Owner | Table 
--------+-----------------+-------+-------+-------
 public | items_code_key  | index | isodb | items
 public | items_pkey      | index | isodb | items
 public | items_price_qty | index | isodb | items
 public | t_name          | index | isodb | t
 public | t_pkey          | index | isodb | t
(5 rows)

"#
    );
}

#[test]
fn psql_list_views() {
    assert_eq!(
        list("dv", None, false),
        r#"       List of relations
 Schema | Name  | Type | Owner 
--------+-------+------+-------
 public | cheap | view | isodb
(1 row)

"#
    );
}

#[test]
fn psql_list_tables_with_pattern() {
    assert_eq!(
        list("dt", Some("i?ems"), false),
        r#"       List of relations
 Schema | Name  | Type  | Owner 
--------+-------+-------+-------
 public | items | table | isodb
(1 row)

"#
    );
}

#[test]
fn psql_list_indexes_with_pattern() {
    assert_eq!(
        list("di", Some("*pkey"), false),
        r#"              List of relations
 Schema |    Name    | Type  | Owner | Table 
--------+------------+-------+-------+-------
 public | items_pkey | index | isodb | items
 public | t_pkey     | index | isodb | t
(2 rows)

"#
    );
}

#[test]
fn psql_list_tables_and_indexes() {
    assert_eq!(
        list("dti", None, false),
        r#"                List of relations
 Schema |      Name       | Type  | Owner | Table 
--------+-----------------+-------+-------+-------
 public | items           | table | isodb | 
 public | items_code_key  | index | isodb | items
 public | items_pkey      | index | isodb | items
 public | items_price_qty | index | isodb | items
 public | t               | table | isodb | 
 public | t_name          | index | isodb | t
 public | t_pkey          | index | isodb | t
(7 rows)

"#
    );
}

#[test]
fn psql_list_relations_expanded() {
    assert_eq!(
        list("d", None, true),
        r#"List of relations
-[ RECORD 1 ]--
Schema | public
Name   | cheap
Type   | view
Owner  | isodb
-[ RECORD 2 ]--
Schema | public
Name   | items
Type   | table
Owner  | isodb
-[ RECORD 3 ]--
Schema | public
Name   | t
Type   | table
Owner  | isodb

"#
    );
}

#[test]
fn psql_list_indexes_expanded() {
    assert_eq!(
        list("di", None, true),
        r#"List of relations
-[ RECORD 1 ]-----------
Schema | public
Name   | items_code_key
Type   | index
Owner  | isodb
Table  | items
-[ RECORD 2 ]-----------
Schema | public
Name   | items_pkey
Type   | index
Owner  | isodb
Table  | items
-[ RECORD 3 ]-----------
Schema | public
Name   | items_price_qty
Type   | index
Owner  | isodb
Table  | items
-[ RECORD 4 ]-----------
Schema | public
Name   | t_name
Type   | index
Owner  | isodb
Table  | t
-[ RECORD 5 ]-----------
Schema | public
Name   | t_pkey
Type   | index
Owner  | isodb
Table  | t

"#
    );
}

#[test]
fn psql_describe_table() {
    assert_eq!(
        describe("t"),
        r#"                    Table "public.t"
 Column |     Type      | Collation | Nullable | Default 
--------+---------------+-----------+----------+---------
 id     | integer       |           | not null | 
 name   | text          |           |          | 
 score  | numeric(10,2) |           |          | 
 ok     | boolean       |           |          | 
Indexes:
    "t_pkey" PRIMARY KEY, btree (id)
    "t_name" btree (name)

"#
    );
}

#[test]
fn psql_describe_table_with_checks_and_defaults() {
    assert_eq!(
        describe("items"),
        r#"                         Table "public.items"
 Column  |         Type          | Collation | Nullable |   Default    
---------+-----------------------+-----------+----------+--------------
 id      | bigint                |           | not null | 
 code    | character varying(10) |           | not null | 
 price   | numeric               |           |          | 0
 qty     | integer               |           | not null | 1
 note    | text                  |           |          | 
 created | date                  |           |          | CURRENT_DATE
Indexes:
    "items_pkey" PRIMARY KEY, btree (id)
    "items_code_key" UNIQUE CONSTRAINT, btree (code)
    "items_price_qty" UNIQUE, btree (price DESC, qty)
Check constraints:
    "items_note_check" CHECK (length(note) < 100)
    "items_qty_check" CHECK (qty > 0)

"#
    );
}

#[test]
fn psql_describe_view_adds_its_definition() {
    assert_eq!(
        describe("cheap"),
        r#"                       View "public.cheap"
 Column |         Type          | Collation | Nullable | Default 
--------+-----------------------+-----------+----------+---------
 id     | bigint                |           |          | 
 code   | character varying(10) |           |          | 
View definition:
 SELECT id, code FROM items WHERE price < 10;

"#
    );
}

#[test]
fn psql_describe_plain_index() {
    assert_eq!(
        describe("t_name"),
        r#"       Index "public.t_name"
 Column | Type | Key? | Definition 
--------+------+------+------------
 name   | text | yes  | name
btree, for table "public.t"

"#
    );
}

#[test]
fn psql_describe_primary_key() {
    assert_eq!(
        describe("t_pkey"),
        r#"        Index "public.t_pkey"
 Column |  Type   | Key? | Definition 
--------+---------+------+------------
 id     | integer | yes  | id
primary key, btree, for table "public.t"

"#
    );
}

#[test]
fn psql_describe_unique_index() {
    assert_eq!(
        describe("items_price_qty"),
        r#"    Index "public.items_price_qty"
 Column |  Type   | Key? | Definition 
--------+---------+------+------------
 price  | numeric | yes  | price
 qty    | integer | yes  | qty
unique, btree, for table "public.items"

"#
    );
}

#[test]
fn psql_describe_unique_constraint_index() {
    assert_eq!(
        describe("items_code_key"),
        r#"           Index "public.items_code_key"
 Column |         Type          | Key? | Definition 
--------+-----------------------+------+------------
 code   | character varying(10) | yes  | code
unique, btree, for table "public.items"

"#
    );
}

#[test]
fn psql_describe_pattern_covers_tables_and_indexes() {
    assert_eq!(
        describe("i*"),
        r#"                         Table "public.items"
 Column  |         Type          | Collation | Nullable |   Default    
---------+-----------------------+-----------+----------+--------------
 id      | bigint                |           | not null | 
 code    | character varying(10) |           | not null | 
 price   | numeric               |           |          | 0
 qty     | integer               |           | not null | 1
 note    | text                  |           |          | 
 created | date                  |           |          | CURRENT_DATE
Indexes:
    "items_pkey" PRIMARY KEY, btree (id)
    "items_code_key" UNIQUE CONSTRAINT, btree (code)
    "items_price_qty" UNIQUE, btree (price DESC, qty)
Check constraints:
    "items_note_check" CHECK (length(note) < 100)
    "items_qty_check" CHECK (qty > 0)

           Index "public.items_code_key"
 Column |         Type          | Key? | Definition 
--------+-----------------------+------+------------
 code   | character varying(10) | yes  | code
unique, btree, for table "public.items"

      Index "public.items_pkey"
 Column |  Type  | Key? | Definition 
--------+--------+------+------------
 id     | bigint | yes  | id
primary key, btree, for table "public.items"

    Index "public.items_price_qty"
 Column |  Type   | Key? | Definition 
--------+---------+------+------------
 price  | numeric | yes  | price
 qty    | integer | yes  | qty
unique, btree, for table "public.items"

"#
    );
}

#[test]
fn psql_describe_folds_case() {
    assert_eq!(
        describe("T"),
        r#"                    Table "public.t"
 Column |     Type      | Collation | Nullable | Default 
--------+---------------+-----------+----------+---------
 id     | integer       |           | not null | 
 name   | text          |           |          | 
 score  | numeric(10,2) |           |          | 
 ok     | boolean       |           |          | 
Indexes:
    "t_pkey" PRIMARY KEY, btree (id)
    "t_name" btree (name)

"#
    );
}

#[test]
fn psql_describe_schema_qualified() {
    assert_eq!(
        describe("public.t"),
        r#"                    Table "public.t"
 Column |     Type      | Collation | Nullable | Default 
--------+---------------+-----------+----------+---------
 id     | integer       |           | not null | 
 name   | text          |           |          | 
 score  | numeric(10,2) |           |          | 
 ok     | boolean       |           |          | 
Indexes:
    "t_pkey" PRIMARY KEY, btree (id)
    "t_name" btree (name)

"#
    );
}

#[test]
fn view_definition_without_the_extra_footer_matches_psql() {
    // psql prints the definition only for \d+; the columns part is byte for byte psql's.
    let d = describe("cheap");
    let psql = r#"                       View "public.cheap"
 Column |         Type          | Collation | Nullable | Default 
--------+-----------------------+-----------+----------+---------
 id     | bigint                |           |          | 
 code   | character varying(10) |           |          | 

"#;
    assert_eq!(
        d.replace(
            "View definition:\n SELECT id, code FROM items WHERE price < 10;\n",
            ""
        ),
        psql
    );
}

#[test]
fn patterns_follow_psql() {
    let p = |s: &str| Pattern::parse(s).expect("pattern");
    assert!(p("T").matches("t"));
    assert!(!p("\"T\"").matches("t"));
    assert!(p("\"T\"").matches("T"));
    assert!(p("\"a*\"").matches("a*"));
    assert!(!p("\"a*\"").matches("ab"));
    assert!(p("a*").matches("ab"));
    assert!(p("a*").matches("a"));
    assert!(p("*").matches(""));
    assert!(p("?b").matches("ab"));
    assert!(!p("?b").matches("b"));
    assert!(p("public.*").matches("x"));
    assert!(p("pub*.x").matches("x"));
    assert!(!p("other.x").matches("x"));
    assert!(p("isodb.public.x").matches("x"));
    assert!(p("\"x\"\"y\"").matches("x\"y"));
    assert!(p("public.").matches("anything"));
    assert!(Pattern::parse("other.public.x").is_err());
    assert_eq!(
        Pattern::parse("a.b.c.d"),
        Err("improper qualified name (too many dotted names): a.b.c.d".to_string())
    );
}

#[test]
fn no_match_gives_an_empty_list() {
    let kinds = parse_describe("dt").expect("dt");
    let pat = Pattern::parse("nosuch").expect("pattern");
    assert!(
        list_relations(&catalog(), kinds, Some(&pat))
            .rows
            .is_empty()
    );
    assert!(describe_matching(&catalog(), &pat).is_empty());
    assert!(
        list_relations(&[], parse_describe("d").expect("d"), None)
            .rows
            .is_empty()
    );
}

#[test]
fn describe_command_names() {
    let k = parse_describe("d").expect("d");
    assert!(k.plain && k.tables && k.views && !k.indexes);
    let k = parse_describe("dS+").expect("dS+");
    assert!(k.plain);
    let k = parse_describe("dti+").expect("dti+");
    assert!(!k.plain && k.tables && k.indexes && !k.views);
    let k = parse_describe("ds").expect("ds");
    assert!(!k.plain && !k.tables && !k.views && !k.indexes);
    assert_eq!(parse_describe("df"), None);
    assert_eq!(parse_describe("dx+"), None);
    assert_eq!(parse_describe("x"), None);
}

#[test]
fn booleans_follow_psql() {
    for yes in ["on", "ON", "t", "tr", "true", "y", "yes", "1"] {
        assert_eq!(parse_bool(yes), Some(true), "{yes}");
    }
    for no in ["off", "of", "f", "false", "n", "no", "0", "FALSE"] {
        assert_eq!(parse_bool(no), Some(false), "{no}");
    }
    for bad in ["o", "", "2", "truex", "onn", "auto"] {
        assert_eq!(parse_bool(bad), None, "{bad}");
    }
}

#[test]
fn help_lists_the_commands_and_settings() {
    let h = help_text(true, false);
    for cmd in [
        "\\d[S+]",
        "\\dt",
        "\\di",
        "\\x",
        "\\timing",
        "\\q",
        "\\?",
        "\\conninfo",
    ] {
        assert!(h.contains(cmd), "{cmd}");
    }
    assert!(h.contains("toggle expanded output (currently on)"));
    assert!(h.contains("toggle timing of commands (currently off)"));
    assert!(h.contains("  \\q                     quit isodb\n"));
}
