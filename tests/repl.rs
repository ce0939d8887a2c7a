//! End-to-end tests of `isodb repl`: the built binary runs on an in-memory database with a
//! script on stdin or `-c`, and what it prints is compared with what psql 15 prints for the
//! same input (recorded with `\set VERBOSITY verbose`, whose error and notice lines carry the
//! SQLSTATE; psql's LOCATION lines have no counterpart here).

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn repl(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_isodb"))
        .arg("repl")
        .arg("--memory")
        .args(args)
        .env(
            "ISODB_HISTORY",
            std::env::temp_dir().join("isodb-repl-test-history"),
        )
        .env("RUST_LOG", "off")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start isodb repl");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write the script");
    child.wait_with_output().expect("isodb repl finishes")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SCRIPT: &str = "\
create table t (id int primary key, name text, score numeric(10,2));
insert into t values (1, 'alice', 3.5), (2, NULL, NULL), (10, 'bob', -12.25);
select * from t order by id;
select * from nosuch;
\\d t
commit;
\\x
select 1 as a, 'x' as b;
";

/// psql 15's stdout for SCRIPT.
const SCRIPT_STDOUT: &str = r#"CREATE TABLE
INSERT 0 3
 id | name  | score  
----+-------+--------
  1 | alice |   3.50
  2 |       |       
 10 | bob   | -12.25
(3 rows)

                    Table "public.t"
 Column |     Type      | Collation | Nullable | Default 
--------+---------------+-----------+----------+---------
 id     | integer       |           | not null | 
 name   | text          |           |          | 
 score  | numeric(10,2) |           |          | 
Indexes:
    "t_pkey" PRIMARY KEY, btree (id)

COMMIT
Expanded display is on.
-[ RECORD 1 ]
a | 1
b | x

"#;

#[test]
fn script_on_stdin_prints_like_psql() {
    let out = repl(&[], SCRIPT);
    assert_eq!(text(&out.stdout), SCRIPT_STDOUT);
    let err = text(&out.stderr);
    assert!(
        err.starts_with("ERROR:  42P01: relation \"nosuch\" does not exist\n"),
        "stderr: {err}"
    );
    // With an error position, the statement's line and a caret under `nosuch`.
    if err.contains("LINE ") {
        assert!(
            err.contains("LINE 1: select * from nosuch;\n                      ^\n"),
            "stderr: {err}"
        );
    }
    assert!(
        err.contains("WARNING:  25P01: there is no transaction in progress\n"),
        "stderr: {err}"
    );
    // A script goes on after errors and exits 0, as psql does without ON_ERROR_STOP.
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn script_runs_a_last_statement_without_semicolon_and_stops_at_quit() {
    let out = repl(&[], "select 1 as a;\n\\q\nselect 2 as b;\n");
    assert_eq!(text(&out.stdout), " a \n---\n 1\n(1 row)\n\n");
    let out = repl(&[], "-- comment\nselect 'x;y' as s\n");
    assert_eq!(text(&out.stdout), "  s  \n-----\n x;y\n(1 row)\n\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn command_prints_every_result_and_fails_with_the_last_statement() {
    let out = repl(&["-c", "select 1 as a; select 1/0"], "");
    assert_eq!(text(&out.stdout), " a \n---\n 1\n(1 row)\n\n");
    assert!(
        text(&out.stderr).starts_with("ERROR:  22012: division by zero\n"),
        "stderr: {}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));

    let out = repl(&["-c", "select 2 as b"], "");
    assert_eq!(text(&out.stdout), " b \n---\n 2\n(1 row)\n\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn command_runs_a_backslash_command() {
    let out = repl(&["-c", "\\d nosuch"], "");
    assert_eq!(text(&out.stdout), "");
    assert_eq!(
        text(&out.stderr),
        "Did not find any relation named \"nosuch\".\n"
    );
    assert_eq!(out.status.code(), Some(1));

    let out = repl(&["-c", "\\d"], "");
    assert_eq!(text(&out.stderr), "Did not find any relations.\n");
    assert_eq!(out.status.code(), Some(0));
}

#[test]
fn list_of_relations_and_timing() {
    let out = repl(
        &[],
        "create table t (id int primary key);\n\\dt\n\\timing on\nselect 1 as a;\n",
    );
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with(
            "CREATE TABLE\n       List of relations\n Schema | Name | Type  | Owner \n\
             --------+------+-------+-------\n public | t    | table | isodb\n(1 row)\n\n\
             Timing is on.\n a \n---\n 1\n(1 row)\n\nTime: "
        ),
        "stdout: {stdout}"
    );
    assert!(stdout.ends_with(" ms\n"), "stdout: {stdout}");
}
