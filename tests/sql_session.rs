//! Sessions through the embedded API: transaction blocks, failed blocks, savepoints,
//! transactional DDL, persistence across reopen, isolation settings, and constraint errors
//! with PostgreSQL's SQLSTATEs and message shapes.

use isodb::{Database, Session, TxnStatus, Value};

fn ok(s: &mut Session, sql: &str) -> isodb::QueryResult {
    s.execute(sql)
        .unwrap_or_else(|e| panic!("{sql}: {} {}", e.code, e.message))
}

fn err(s: &mut Session, sql: &str) -> isodb::SqlError {
    match s.execute(sql) {
        Ok(r) => panic!("{sql}: expected an error, got {:?}", r.tag),
        Err(e) => e,
    }
}

fn ints(s: &mut Session, sql: &str) -> Vec<i64> {
    ok(s, sql)
        .rows
        .iter()
        .map(|r| match &r[0] {
            Value::Int4(i) => *i as i64,
            Value::Int8(i) => *i,
            other => panic!("{sql}: not an integer: {other:?}"),
        })
        .collect()
}

#[test]
fn failed_block_rejects_until_rollback() {
    let db = Database::open_memory().unwrap();
    let mut s = db.session();
    ok(&mut s, "CREATE TABLE t (id int PRIMARY KEY)");
    assert_eq!(ok(&mut s, "BEGIN").tag, "BEGIN");
    assert_eq!(s.status(), TxnStatus::InBlock);
    ok(&mut s, "INSERT INTO t VALUES (1)");
    assert_eq!(err(&mut s, "INSERT INTO t VALUES (1)").code, "23505");
    assert_eq!(s.status(), TxnStatus::Failed);
    let e = err(&mut s, "SELECT 1");
    assert_eq!(e.code, "25P02");
    assert_eq!(
        e.message,
        "current transaction is aborted, commands ignored until end of transaction block"
    );
    // COMMIT of a failed block rolls back and says so.
    assert_eq!(ok(&mut s, "COMMIT").tag, "ROLLBACK");
    assert_eq!(s.status(), TxnStatus::Idle);
    assert_eq!(ints(&mut s, "SELECT count(*) FROM t"), vec![0]);
}

#[test]
fn savepoints_undo_part_of_a_block() {
    let db = Database::open_memory().unwrap();
    let mut s = db.session();
    ok(&mut s, "CREATE TABLE t (id int PRIMARY KEY)");
    ok(&mut s, "BEGIN");
    ok(&mut s, "INSERT INTO t VALUES (1)");
    ok(&mut s, "SAVEPOINT a");
    ok(&mut s, "INSERT INTO t VALUES (2)");
    assert_eq!(err(&mut s, "INSERT INTO t VALUES (2)").code, "23505");
    assert_eq!(ok(&mut s, "ROLLBACK TO SAVEPOINT a").tag, "ROLLBACK");
    assert_eq!(s.status(), TxnStatus::InBlock);
    ok(&mut s, "INSERT INTO t VALUES (3)");
    ok(&mut s, "COMMIT");
    assert_eq!(ints(&mut s, "SELECT id FROM t ORDER BY id"), vec![1, 3]);
}

#[test]
fn ddl_is_transactional() {
    let db = Database::open_memory().unwrap();
    let mut a = db.session();
    let mut b = db.session();
    ok(&mut a, "BEGIN");
    ok(&mut a, "CREATE TABLE t (id int)");
    ok(&mut a, "INSERT INTO t VALUES (1)");
    // Invisible to others until commit.
    assert_eq!(err(&mut b, "SELECT * FROM t").code, "42P01");
    ok(&mut a, "ROLLBACK");
    assert_eq!(err(&mut a, "SELECT * FROM t").code, "42P01");
    ok(&mut a, "BEGIN");
    ok(&mut a, "CREATE TABLE t (id int)");
    ok(&mut a, "COMMIT");
    assert_eq!(ints(&mut b, "SELECT count(*) FROM t"), vec![0]);
    ok(&mut a, "BEGIN");
    ok(&mut a, "DROP TABLE t");
    ok(&mut a, "ROLLBACK");
    assert_eq!(ints(&mut b, "SELECT count(*) FROM t"), vec![0]);
}

#[test]
fn catalog_and_rows_survive_reopen() {
    let dir = tempfile::tempdir().unwrap();
    {
        let db = Database::open(dir.path()).unwrap();
        let mut s = db.session();
        ok(
            &mut s,
            "CREATE TABLE t (id int PRIMARY KEY, v varchar(5) NOT NULL DEFAULT 'x')",
        );
        ok(&mut s, "CREATE INDEX t_v ON t (v)");
        ok(&mut s, "INSERT INTO t (id) VALUES (1), (2)");
        ok(&mut s, "CREATE VIEW w AS SELECT id FROM t WHERE id > 1");
        ok(&mut s, "BEGIN");
        ok(&mut s, "CREATE TABLE gone (a int)");
        ok(&mut s, "ROLLBACK");
    }
    let db = Database::open(dir.path()).unwrap();
    let mut s = db.session();
    assert_eq!(
        ints(&mut s, "SELECT id FROM t WHERE v = 'x' ORDER BY id"),
        vec![1, 2]
    );
    assert_eq!(ints(&mut s, "SELECT * FROM w"), vec![2]);
    assert_eq!(err(&mut s, "SELECT * FROM gone").code, "42P01");
    let info = s.relation("t").unwrap().unwrap();
    assert_eq!(info.columns[1].type_name, "character varying(5)");
    assert_eq!(info.columns[1].default.as_deref(), Some("'x'"));
    assert_eq!(info.indexes.len(), 2);
    assert_eq!(
        err(&mut s, "INSERT INTO t VALUES (3, 'toolong')").code,
        "22001"
    );
}

#[test]
fn isolation_levels_by_syntax() {
    let db = Database::open_memory().unwrap();
    let mut s = db.session();
    let show = |s: &mut Session| match &ok(s, "SHOW transaction_isolation").rows[0][0] {
        Value::Text(t) => t.clone(),
        other => panic!("{other:?}"),
    };
    assert_eq!(show(&mut s), "read committed");
    ok(&mut s, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    assert_eq!(show(&mut s), "repeatable read");
    ok(&mut s, "COMMIT");
    ok(&mut s, "START TRANSACTION ISOLATION LEVEL SERIALIZABLE");
    assert_eq!(show(&mut s), "serializable");
    ok(&mut s, "ROLLBACK");
    ok(&mut s, "BEGIN");
    ok(&mut s, "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ");
    assert_eq!(show(&mut s), "repeatable read");
    ok(&mut s, "SELECT 1");
    assert_eq!(
        err(&mut s, "SET TRANSACTION ISOLATION LEVEL READ COMMITTED").code,
        "25001"
    );
    ok(&mut s, "ROLLBACK");
    ok(
        &mut s,
        "SET default_transaction_isolation = 'repeatable read'",
    );
    assert_eq!(show(&mut s), "repeatable read");
    assert_eq!(
        err(&mut s, "SET default_transaction_isolation = 'bogus'").code,
        "22023"
    );
    ok(&mut s, "SET serializable_mode = '2pl'");
    assert_eq!(err(&mut s, "SET serializable_mode = 'x'").code, "22023");
    assert_eq!(err(&mut s, "SET no_such_setting = 1").code, "42704");
    // Warnings where PostgreSQL warns.
    let r = ok(&mut s, "COMMIT");
    assert_eq!(r.notices[0].code, "25P01");
}

#[test]
fn snapshot_isolation_through_sql() {
    let db = Database::open_memory().unwrap();
    let mut a = db.session();
    let mut b = db.session();
    ok(&mut a, "CREATE TABLE acct (id int PRIMARY KEY, bal int)");
    ok(&mut a, "INSERT INTO acct VALUES (1, 100)");
    ok(&mut a, "BEGIN ISOLATION LEVEL REPEATABLE READ");
    assert_eq!(ints(&mut a, "SELECT bal FROM acct WHERE id = 1"), vec![100]);
    ok(&mut b, "UPDATE acct SET bal = bal + 1 WHERE id = 1");
    // The snapshot keeps the old value; writing the row fails first-updater-wins.
    assert_eq!(ints(&mut a, "SELECT bal FROM acct WHERE id = 1"), vec![100]);
    let e = err(&mut a, "UPDATE acct SET bal = bal - 10 WHERE id = 1");
    assert_eq!(e.code, "40001");
    assert!(e.detail.is_some());
    ok(&mut a, "ROLLBACK");
    // Read committed re-reads the newest value and applies the update to it.
    ok(&mut a, "BEGIN ISOLATION LEVEL READ COMMITTED");
    assert_eq!(ints(&mut a, "SELECT bal FROM acct"), vec![101]);
    ok(&mut b, "UPDATE acct SET bal = 200 WHERE id = 1");
    ok(&mut a, "UPDATE acct SET bal = bal + 1 WHERE id = 1");
    ok(&mut a, "COMMIT");
    assert_eq!(ints(&mut b, "SELECT bal FROM acct"), vec![201]);
}

#[test]
fn constraint_errors_have_postgres_shape() {
    let db = Database::open_memory().unwrap();
    let mut s = db.session();
    ok(
        &mut s,
        "CREATE TABLE t (id int PRIMARY KEY, email text UNIQUE, age int CHECK (age >= 0), name text NOT NULL)",
    );
    ok(&mut s, "INSERT INTO t VALUES (1, 'a@x', 3, 'a')");
    let e = err(&mut s, "INSERT INTO t VALUES (1, 'b@x', 3, 'b')");
    assert_eq!(e.code, "23505");
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"t_pkey\""
    );
    assert_eq!(e.detail.as_deref(), Some("Key (id)=(1) already exists."));
    let e = err(&mut s, "INSERT INTO t VALUES (2, 'a@x', 3, 'b')");
    assert_eq!(
        e.message,
        "duplicate key value violates unique constraint \"t_email_key\""
    );
    let e = err(&mut s, "INSERT INTO t VALUES (2, 'b@x', -1, 'b')");
    assert_eq!(e.code, "23514");
    assert_eq!(
        e.message,
        "new row for relation \"t\" violates check constraint \"t_age_check\""
    );
    assert_eq!(
        e.detail.as_deref(),
        Some("Failing row contains (2, b@x, -1, b).")
    );
    let e = err(&mut s, "INSERT INTO t (id) VALUES (2)");
    assert_eq!(e.code, "23502");
    assert_eq!(
        e.message,
        "null value in column \"name\" of relation \"t\" violates not-null constraint"
    );
    // NULLs never conflict in a unique index.
    ok(
        &mut s,
        "INSERT INTO t VALUES (2, NULL, 1, 'b'), (3, NULL, 1, 'c')",
    );
    // Updating into a taken unique value fails; moving the key works.
    assert_eq!(
        err(&mut s, "UPDATE t SET email = 'a@x' WHERE id = 2").code,
        "23505"
    );
    ok(&mut s, "UPDATE t SET id = 10 WHERE id = 1");
    assert_eq!(
        ints(&mut s, "SELECT id FROM t WHERE email = 'a@x'"),
        vec![10]
    );
    assert_eq!(err(&mut s, "SELECT 1/0").code, "22012");
    assert_eq!(err(&mut s, "SELECT 'abc'::int").code, "22P02");
    assert_eq!(err(&mut s, "SELECT 2147483647 + 1").code, "22003");
    assert_eq!(err(&mut s, "SELEC 1").code, "42601");
    assert_eq!(err(&mut s, "SELECT * FROM nope").code, "42P01");
    assert_eq!(err(&mut s, "SELECT nope FROM t").code, "42703");
}

#[test]
fn unique_insert_race_serialises_on_the_key() {
    let db = Database::open_memory().unwrap();
    let mut a = db.session();
    let mut b = db.session();
    ok(&mut a, "CREATE TABLE t (id int PRIMARY KEY, u int UNIQUE)");
    ok(&mut a, "BEGIN");
    ok(&mut a, "INSERT INTO t VALUES (1, 7)");
    let handle = std::thread::spawn(move || {
        let r = b.execute("INSERT INTO t VALUES (2, 7)");
        (b, r)
    });
    // b waits for a's lock on the unique slot; wait until it is queued, then commit.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while db.transactions().locks().waits().is_empty() {
        assert!(std::time::Instant::now() < deadline, "b never waited");
        std::thread::yield_now();
    }
    ok(&mut a, "COMMIT");
    let (_b, r) = handle.join().unwrap();
    assert_eq!(r.unwrap_err().code, "23505");
    assert_eq!(ints(&mut a, "SELECT count(*) FROM t"), vec![1]);
}

#[test]
fn deep_statements_on_a_small_stack() {
    // A 2 MiB thread (tokio's default) runs a long left-deep chain and deep nesting: the
    // session moves such statements to a big-stack thread instead of overflowing.
    let handle = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(|| {
            let db = Database::open_memory().unwrap();
            let mut s = db.session();
            let chain = format!("SELECT 1{}", " + 1".repeat(50_000));
            assert_eq!(ints(&mut s, &chain), vec![50_001]);
            let nested = format!("SELECT {}1{}", "(".repeat(1500), ")".repeat(1500));
            assert_eq!(ints(&mut s, &nested), vec![1]);
            let too_deep = format!("SELECT {}1{}", "(".repeat(5000), ")".repeat(5000));
            assert_eq!(err(&mut s, &too_deep).code, "54001");
        })
        .unwrap();
    handle.join().unwrap();
}
