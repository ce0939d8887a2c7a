//! The wire server through a real PostgreSQL driver (tokio-postgres): simple and extended
//! protocol, every type in text and binary, portals with row limits, errors, cancel,
//! timeouts, concurrent connections, disconnects, connection limits and SCRAM.
//!
//! Each test starts an in-memory server on an ephemeral loopback port. Waits on another
//! connection's lock are observed in the lock manager's wait table, never by sleeping.

use bytes::BytesMut;
use isodb::Database;
use isodb::server::{AuthMethod, Passwords, ServerConfig, ServerHandle, spawn};
use std::error::Error as StdError;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_postgres::types::{FromSql, IsNull, ToSql, Type, to_sql_checked};
use tokio_postgres::{Client, NoTls, SimpleQueryMessage};

fn start(config: ServerConfig) -> (Database, ServerHandle) {
    let db = Database::open_memory().unwrap();
    let config = ServerConfig {
        listen: "127.0.0.1:0".into(),
        ..config
    };
    let handle = spawn(db.clone(), config).unwrap();
    (db, handle)
}

fn server() -> (Database, ServerHandle) {
    start(ServerConfig::default())
}

async fn try_connect(h: &ServerHandle, extra: &str) -> Result<Client, tokio_postgres::Error> {
    let conf = format!(
        "host=127.0.0.1 port={} user=tester dbname=any {extra}",
        h.addr.port()
    );
    let (client, conn) = tokio_postgres::connect(&conf, NoTls).await?;
    tokio::spawn(conn);
    Ok(client)
}

async fn connect(h: &ServerHandle) -> Client {
    try_connect(h, "").await.unwrap()
}

fn code(e: &tokio_postgres::Error) -> String {
    e.as_db_error()
        .map(|d| d.code().code().to_string())
        .unwrap_or_else(|| format!("not a server error: {e}"))
}

/// Waits (bounded) until some transaction waits for a lock; panics after 10 s.
async fn until_lock_wait(db: &Database) {
    let t0 = Instant::now();
    while db.transactions().locks().waits().is_empty() {
        assert!(
            t0.elapsed() < Duration::from_secs(10),
            "no lock wait appeared"
        );
        tokio::task::yield_now().await;
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// A column's raw binary value, for comparing against PostgreSQL's send format byte by byte.
struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

/// A parameter sent as given bytes in binary format.
#[derive(Debug)]
struct RawParam(Vec<u8>);

impl ToSql for RawParam {
    fn to_sql(
        &self,
        _: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn StdError + Sync + Send>> {
        out.extend_from_slice(&self.0);
        Ok(IsNull::No)
    }
    fn accepts(_: &Type) -> bool {
        true
    }
    to_sql_checked!();
}

fn rows_of(msgs: &[SimpleQueryMessage]) -> Vec<Vec<Option<String>>> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::Row(r) => {
                Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
            }
            _ => None,
        })
        .collect()
}

fn completions(msgs: &[SimpleQueryMessage]) -> Vec<u64> {
    msgs.iter()
        .filter_map(|m| match m {
            SimpleQueryMessage::CommandComplete(n) => Some(*n),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_protocol_runs_several_statements_in_one_implicit_transaction() {
    let (_db, h) = server();
    let c = connect(&h).await;
    let msgs = c
        .simple_query(
            "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t VALUES (1, 'a'), (2, NULL); \
             UPDATE t SET v = 'b' WHERE id = 2; SELECT id, v FROM t ORDER BY id",
        )
        .await
        .unwrap();
    assert_eq!(completions(&msgs), vec![0, 2, 1, 2]);
    assert_eq!(
        rows_of(&msgs),
        vec![
            vec![Some("1".into()), Some("a".into())],
            vec![Some("2".into()), Some("b".into())]
        ]
    );
    // An error in the middle rolls back the whole implicit transaction, and stops the rest.
    let e = c
        .simple_query("INSERT INTO t VALUES (3, 'c'); INSERT INTO t VALUES (1, 'dup'); INSERT INTO t VALUES (4, 'd')")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "23505");
    let msgs = c.simple_query("SELECT count(*) FROM t").await.unwrap();
    assert_eq!(rows_of(&msgs), vec![vec![Some("2".into())]]);
    // BEGIN inside the string makes a real block that stays open after the message.
    c.simple_query("INSERT INTO t VALUES (5, 'e'); BEGIN; INSERT INTO t VALUES (6, 'f')")
        .await
        .unwrap();
    c.simple_query("ROLLBACK").await.unwrap();
    let msgs = c
        .simple_query("SELECT id FROM t ORDER BY id")
        .await
        .unwrap();
    assert_eq!(
        rows_of(&msgs),
        vec![vec![Some("1".into())], vec![Some("2".into())]],
        "the rows before and after BEGIN rolled back together"
    );
    // The empty query.
    let msgs = c.simple_query("").await.unwrap();
    assert!(rows_of(&msgs).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_type_in_text_and_binary() {
    let (_db, h) = server();
    let c = connect(&h).await;
    let select = "SELECT true, 'x'::bytea, 9000000000::int8, 7::int2, 42::int4, 'héllo'::text, \
                  1.5::float4, -2.25::float8, 'ab'::char(3), 'vc'::varchar(5), DATE '2000-01-02', \
                  TIME '00:00:01.5', TIMESTAMP '2000-01-01 00:00:01', \
                  TIMESTAMPTZ '2000-01-01 00:00:00+00', INTERVAL '1 day 2 hours', 12.50::numeric, \
                  NULL::int4";
    let text = rows_of(&c.simple_query(select).await.unwrap());
    let expect_text = [
        "t",
        "\\x78",
        "9000000000",
        "7",
        "42",
        "héllo",
        "1.5",
        "-2.25",
        "ab ",
        "vc",
        "2000-01-02",
        "00:00:01.5",
        "2000-01-01 00:00:01",
        "2000-01-01 00:00:00+00",
        "1 day 02:00:00",
        "12.50",
    ];
    let mut want: Vec<Option<String>> = expect_text.iter().map(|s| Some(s.to_string())).collect();
    want.push(None);
    assert_eq!(text, vec![want]);

    // The extended protocol: tokio-postgres asks for binary results.
    let stmt = c.prepare(select).await.unwrap();
    let oids: Vec<u32> = stmt.columns().iter().map(|c| c.type_().oid()).collect();
    assert_eq!(
        oids,
        vec![
            16, 17, 20, 21, 23, 25, 700, 701, 1042, 1043, 1082, 1083, 1114, 1184, 1186, 1700, 23
        ]
    );
    let row = c.query_one(&stmt, &[]).await.unwrap();
    let raw: Vec<Option<Vec<u8>>> = (0..row.len())
        .map(|i| row.get::<_, Option<Raw>>(i).map(|r| r.0))
        .collect();
    let be = |v: &[&[u8]]| v.concat();
    let expect_binary: Vec<Option<Vec<u8>>> = vec![
        Some(vec![1]),
        Some(b"x".to_vec()),
        Some(9_000_000_000i64.to_be_bytes().to_vec()),
        Some(7i16.to_be_bytes().to_vec()),
        Some(42i32.to_be_bytes().to_vec()),
        Some("héllo".as_bytes().to_vec()),
        Some(1.5f32.to_be_bytes().to_vec()),
        Some((-2.25f64).to_be_bytes().to_vec()),
        Some(b"ab ".to_vec()),
        Some(b"vc".to_vec()),
        Some(1i32.to_be_bytes().to_vec()),
        Some(1_500_000i64.to_be_bytes().to_vec()),
        Some(1_000_000i64.to_be_bytes().to_vec()),
        Some(0i64.to_be_bytes().to_vec()),
        Some(be(&[
            &7_200_000_000i64.to_be_bytes(),
            &1i32.to_be_bytes(),
            &0i32.to_be_bytes(),
        ])),
        // numeric 12.50: 2 digits (base 10000: 12, 5000), weight 0, positive, dscale 2.
        Some(be(&[
            &2i16.to_be_bytes(),
            &0i16.to_be_bytes(),
            &0u16.to_be_bytes(),
            &2u16.to_be_bytes(),
            &12i16.to_be_bytes(),
            &5000i16.to_be_bytes(),
        ])),
        None,
    ];
    assert_eq!(raw, expect_binary);

    // Binary parameters of every type come back equal (as text, to check the decoding).
    let params: Vec<(Type, Vec<u8>, &str)> = vec![
        (Type::BOOL, vec![0], "false"),
        (Type::INT2, (-3i16).to_be_bytes().to_vec(), "-3"),
        (Type::INT4, 123456i32.to_be_bytes().to_vec(), "123456"),
        (Type::INT8, (-1i64).to_be_bytes().to_vec(), "-1"),
        (Type::FLOAT4, 0.25f32.to_be_bytes().to_vec(), "0.25"),
        (Type::FLOAT8, 1e100f64.to_be_bytes().to_vec(), "1e+100"),
        (Type::TEXT, b"tx".to_vec(), "tx"),
        (Type::BYTEA, vec![0, 255], "\\x00ff"),
        (Type::DATE, (-1i32).to_be_bytes().to_vec(), "1999-12-31"),
        (
            Type::TIMESTAMP,
            86_400_000_000i64.to_be_bytes().to_vec(),
            "2000-01-02 00:00:00",
        ),
    ];
    for (ty, bytes, text) in params {
        let stmt = c
            .prepare_typed("SELECT $1::text", std::slice::from_ref(&ty))
            .await
            .unwrap();
        let row = c.query_one(&stmt, &[&RawParam(bytes)]).await.unwrap();
        assert_eq!(row.get::<_, String>(0), text, "parameter of type {ty}");
    }
    // Text parameters (the type inferred) through the typed Rust API.
    let row = c
        .query_one(
            "SELECT $1::int8 + 1, $2 || '!', $3::float8 * 2",
            &[&41i64, &"hi", &1.25f64],
        )
        .await
        .unwrap();
    assert_eq!(row.get::<_, i64>(0), 42);
    assert_eq!(row.get::<_, String>(1), "hi!");
    assert_eq!(row.get::<_, f64>(2), 2.5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn describe_reports_what_execute_sends() {
    let (_db, h) = server();
    let c = connect(&h).await;
    c.batch_execute("CREATE TABLE acct (id int PRIMARY KEY, owner varchar(20), bal numeric(10,2))")
        .await
        .unwrap();
    let s = c
        .prepare("SELECT id, owner, bal * 2 AS twice FROM acct WHERE id = $1 AND owner = $2")
        .await
        .unwrap();
    assert_eq!(s.params(), &[Type::INT4, Type::VARCHAR]);
    let cols: Vec<(&str, Type)> = s
        .columns()
        .iter()
        .map(|c| (c.name(), c.type_().clone()))
        .collect();
    assert_eq!(
        cols,
        vec![
            ("id", Type::INT4),
            ("owner", Type::VARCHAR),
            ("twice", Type::NUMERIC)
        ]
    );
    let ins = c
        .prepare("INSERT INTO acct VALUES ($1, $2, 10) RETURNING id, owner")
        .await
        .unwrap();
    assert_eq!(ins.params(), &[Type::INT4, Type::VARCHAR]);
    assert_eq!(ins.columns().len(), 2);
    let row = c.query_one(&ins, &[&7i32, &"ann"]).await.unwrap();
    assert_eq!(row.get::<_, i32>(0), 7);
    assert_eq!(row.get::<_, String>(1), "ann");
    let upd = c
        .prepare("UPDATE acct SET bal = bal + 1 WHERE id = $1")
        .await
        .unwrap();
    assert!(upd.columns().is_empty());
    assert_eq!(c.execute(&upd, &[&7i32]).await.unwrap(), 1);
    assert_eq!(c.execute(&upd, &[&8i32]).await.unwrap(), 0);
    // A prepared statement is reused many times.
    let get = c
        .prepare("SELECT owner FROM acct WHERE id = $1")
        .await
        .unwrap();
    for _ in 0..50 {
        let r = c.query_one(&get, &[&7i32]).await.unwrap();
        assert_eq!(r.get::<_, String>(0), "ann");
    }
    // Declared types win over inference.
    let s = c.prepare_typed("SELECT $1", &[Type::INT8]).await.unwrap();
    assert_eq!(s.params(), &[Type::INT8]);
    assert_eq!(s.columns()[0].type_(), &Type::INT8);
    // An unknown parameter with nothing to infer from is text, as in PostgreSQL.
    let s = c.prepare("SELECT $1").await.unwrap();
    assert_eq!(s.params(), &[Type::TEXT]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portals_with_row_limits_suspend_and_resume() {
    let (_db, h) = server();
    let mut c = connect(&h).await;
    c.batch_execute("CREATE TABLE n (i int PRIMARY KEY); INSERT INTO n VALUES (1),(2),(3),(4),(5)")
        .await
        .unwrap();
    let tx = c.transaction().await.unwrap();
    let stmt = tx.prepare("SELECT i FROM n ORDER BY i").await.unwrap();
    let portal = tx.bind(&stmt, &[]).await.unwrap();
    let mut seen = Vec::new();
    let mut batches = Vec::new();
    loop {
        let rows = tx.query_portal(&portal, 2).await.unwrap();
        batches.push(rows.len());
        seen.extend(rows.iter().map(|r| r.get::<_, i32>(0)));
        if rows.len() < 2 {
            break;
        }
    }
    assert_eq!(seen, vec![1, 2, 3, 4, 5]);
    assert_eq!(batches, vec![2, 2, 1]);
    tx.commit().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn errors_carry_sqlstate_position_and_failed_blocks() {
    let (_db, h) = server();
    let c = connect(&h).await;
    let e = c.simple_query("SELEC 1").await.unwrap_err();
    let db = e.as_db_error().unwrap();
    assert_eq!(db.code().code(), "42601");
    assert_eq!(db.severity(), "ERROR");
    assert!(matches!(
        db.position(),
        Some(tokio_postgres::error::ErrorPosition::Original(1))
    ));
    let e = c.query("SELECT * FROM nowhere", &[]).await.unwrap_err();
    assert_eq!(code(&e), "42P01");
    // An error in the extended protocol leaves the connection usable.
    let r = c.query_one("SELECT 1::int4", &[]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), 1);
    // A failed block rejects statements (simple and extended) until ROLLBACK.
    c.batch_execute("CREATE TABLE u (k int PRIMARY KEY)")
        .await
        .unwrap();
    c.batch_execute("BEGIN; INSERT INTO u VALUES (1)")
        .await
        .unwrap();
    let e = c
        .batch_execute("INSERT INTO u VALUES (1)")
        .await
        .unwrap_err();
    assert_eq!(code(&e), "23505");
    let e = c.query("SELECT 1", &[]).await.unwrap_err();
    assert_eq!(code(&e), "25P02");
    let e = c.simple_query("SELECT 1").await.unwrap_err();
    assert_eq!(code(&e), "25P02");
    c.batch_execute("ROLLBACK").await.unwrap();
    let r = c.query_one("SELECT count(*) FROM u", &[]).await.unwrap();
    assert_eq!(r.get::<_, i64>(0), 0);
    // Bind errors: wrong parameter count, bad text input.
    let s = c.prepare("SELECT $1::int4").await.unwrap();
    let e = c.query(&s, &[]).await.unwrap_err();
    assert!(e.to_string().contains("expected 1 parameters") || code(&e) == "08P01");
    let e = c
        .query("SELECT $1::int4", &[&RawParam(b"x".to_vec())])
        .await
        .unwrap_err();
    assert_eq!(
        code(&e),
        "08P01",
        "4-byte int with 1 byte: insufficient data"
    );
}

type Pending = tokio::task::JoinHandle<Result<u64, tokio_postgres::Error>>;

/// Connection A holds a row lock; B (after `setup_b`) runs an UPDATE of the row, which
/// waits for it. Returns once the wait shows in the lock manager.
async fn blocked_update(
    db: &Database,
    h: &ServerHandle,
    setup_b: &str,
) -> (Client, Arc<Client>, Pending) {
    let a = connect(h).await;
    a.batch_execute(
        "CREATE TABLE IF NOT EXISTS r (id int PRIMARY KEY, v int); INSERT INTO r VALUES (1, 0) ON CONFLICT DO NOTHING",
    )
    .await
    .unwrap();
    a.batch_execute("BEGIN; UPDATE r SET v = v + 1 WHERE id = 1")
        .await
        .unwrap();
    let b = Arc::new(connect(h).await);
    if !setup_b.is_empty() {
        b.batch_execute(setup_b).await.unwrap();
    }
    let runner = b.clone();
    let task = tokio::spawn(async move {
        runner
            .execute("UPDATE r SET v = v + 10 WHERE id = 1", &[])
            .await
    });
    until_lock_wait(db).await;
    // Other connections are served while one statement waits.
    let other = connect(h).await;
    let r = other.query_one("SELECT 1 + 1", &[]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), 2);
    (a, b, task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_request_cancels_a_lock_wait() {
    let (db, h) = server();
    let (a, b, task) = blocked_update(&db, &h, "").await;
    b.cancel_token().cancel_query(NoTls).await.unwrap();
    let e = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("the cancel ended the wait")
        .unwrap()
        .unwrap_err();
    assert_eq!(code(&e), "57014");
    assert!(e.as_db_error().unwrap().message().contains("user request"));
    a.batch_execute("COMMIT").await.unwrap();
    let r = b
        .query_one("SELECT v FROM r WHERE id = 1", &[])
        .await
        .unwrap();
    assert_eq!(r.get::<_, i32>(0), 1, "only A's update happened");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statement_and_lock_timeouts() {
    let (db, h) = server();
    let (a, b, task) = blocked_update(&db, &h, "SET statement_timeout = '150ms'").await;
    let e = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(code(&e), "57014");
    assert_eq!(
        e.as_db_error().unwrap().message(),
        "canceling statement due to statement timeout"
    );
    drop(b);
    a.batch_execute("ROLLBACK").await.unwrap();
    let (a, b, task) = blocked_update(&db, &h, "SET lock_timeout = 150").await;
    let e = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert_eq!(code(&e), "55P03");
    drop(b);
    a.batch_execute("ROLLBACK").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_disconnects_mid_transaction_releases_its_locks() {
    let (db, h) = server();
    let (a, b, task) = blocked_update(&db, &h, "").await;
    drop(a); // closes A's socket: its transaction rolls back and its lock goes
    let n = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .expect("B got the lock")
        .unwrap()
        .unwrap();
    assert_eq!(n, 1);
    let r = b
        .query_one("SELECT v FROM r WHERE id = 1", &[])
        .await
        .unwrap();
    assert_eq!(r.get::<_, i32>(0), 10, "A's uncommitted +1 was rolled back");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_connections_count_exactly() {
    let (_db, h) = server();
    let c = connect(&h).await;
    c.batch_execute("CREATE TABLE ctr (id int PRIMARY KEY, n int); INSERT INTO ctr VALUES (1, 0)")
        .await
        .unwrap();
    let clients = 12;
    let per = 25;
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let client = connect(&h).await;
        tasks.push(tokio::spawn(async move {
            let stmt = client
                .prepare("UPDATE ctr SET n = n + 1 WHERE id = 1")
                .await
                .unwrap();
            for _ in 0..per {
                assert_eq!(client.execute(&stmt, &[]).await.unwrap(), 1);
            }
        }));
    }
    for t in tasks {
        tokio::time::timeout(Duration::from_secs(60), t)
            .await
            .unwrap()
            .unwrap();
    }
    let r = c.query_one("SELECT n FROM ctr", &[]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), clients * per);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_connections_refuses_extras_with_53300() {
    let (_db, h) = start(ServerConfig {
        max_connections: 2,
        ..Default::default()
    });
    let c1 = connect(&h).await;
    let _c2 = connect(&h).await;
    let Err(e) = try_connect(&h, "").await else {
        panic!("the third connection was accepted")
    };
    assert_eq!(code(&e), "53300");
    drop(c1);
    // The slot frees when the connection ends (bounded retry: the server notices the close).
    let t0 = Instant::now();
    loop {
        match try_connect(&h, "").await {
            Ok(_) => break,
            Err(e) => {
                assert_eq!(code(&e), "53300");
                assert!(t0.elapsed() < Duration::from_secs(10));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn scram_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("passwords");
    std::fs::write(&file, "# users\nalice:s3cret\nbob:other\n").unwrap();
    let passwords = Passwords::load(&file).unwrap();
    let (_db, h) = start(ServerConfig {
        auth: AuthMethod::Scram(Arc::new(passwords)),
        ..Default::default()
    });
    let port = h.addr.port();
    let conf = |user: &str, pw: &str| {
        format!("host=127.0.0.1 port={port} user={user} password={pw} dbname=x")
    };
    let (c, conn) = tokio_postgres::connect(&conf("alice", "s3cret"), NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    let r = c.query_one("SELECT 1::int4", &[]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), 1);
    let refused = |user: &'static str, pw: &'static str| {
        let conf = conf(user, pw);
        async move {
            match tokio_postgres::connect(&conf, NoTls).await {
                Ok(_) => panic!("{user}/{pw} was let in"),
                Err(e) => assert_eq!(code(&e), "28P01", "{user}/{pw}"),
            }
        }
    };
    let admitted = |user: &'static str, pw: &'static str| {
        let conf = conf(user, pw);
        async move {
            let (c, conn) = tokio_postgres::connect(&conf, NoTls)
                .await
                .unwrap_or_else(|e| panic!("{user}/{pw}: {e}"));
            tokio::spawn(conn);
            let r = c.query_one("SELECT 'in'::text", &[]).await.unwrap();
            assert_eq!(r.get::<_, String>(0), "in");
        }
    };
    refused("alice", "wrong").await;
    refused("nobody", "s3cret").await;
    // Roles made with SQL log in too; a role without LOGIN, or a dropped one, does not.
    c.batch_execute("CREATE ROLE carol LOGIN PASSWORD 'pw1'; CREATE ROLE dave PASSWORD 'x'")
        .await
        .unwrap();
    admitted("carol", "pw1").await;
    refused("carol", "wrong").await;
    refused("dave", "x").await;
    c.batch_execute("ALTER ROLE carol WITH PASSWORD 'pw2'")
        .await
        .unwrap();
    admitted("carol", "pw2").await;
    refused("carol", "pw1").await;
    let e = c.batch_execute("CREATE ROLE carol").await.unwrap_err();
    assert_eq!(code(&e), "42710");
    // Role DDL is transactional.
    c.batch_execute("BEGIN; DROP ROLE carol; ROLLBACK")
        .await
        .unwrap();
    admitted("carol", "pw2").await;
    c.batch_execute("DROP ROLE carol").await.unwrap();
    refused("carol", "pw2").await;
    let e = c.batch_execute("DROP ROLE carol").await.unwrap_err();
    assert_eq!(code(&e), "42704");
    c.batch_execute("DROP ROLE IF EXISTS carol").await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_in_transaction_timeout_ends_the_session() {
    let (db, h) = server();
    let c = connect(&h).await;
    c.batch_execute("CREATE TABLE k (id int PRIMARY KEY)")
        .await
        .unwrap();
    c.batch_execute(
        "SET idle_in_transaction_session_timeout = '100ms'; BEGIN; INSERT INTO k VALUES (1)",
    )
    .await
    .unwrap();
    // The timeout is the thing under test, so this waits past it.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(c.simple_query("SELECT 1").await.is_err());
    let d = connect(&h).await;
    let r = d.query_one("SELECT count(*) FROM k", &[]).await.unwrap();
    assert_eq!(r.get::<_, i64>(0), 0, "the idle transaction rolled back");
    assert!(db.transactions().locks().held().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn startup_settings_and_parameter_status() {
    let (_db, h) = server();
    let c = try_connect(
        &h,
        "application_name=wiretest options='-c default_transaction_isolation=serializable'",
    )
    .await
    .unwrap();
    let msgs = c
        .simple_query("SHOW application_name; SHOW transaction_isolation; SHOW server_version")
        .await
        .unwrap();
    assert_eq!(
        rows_of(&msgs),
        vec![
            vec![Some("wiretest".into())],
            vec![Some("serializable".into())],
            vec![Some("15.0 (isodb 0.1)".into())]
        ]
    );
    // What client libraries ask for at connect (SQLAlchemy: pg_catalog.version(),
    // current_schema()).
    let r = c
        .query_one("SELECT pg_catalog.version(), current_schema()", &[])
        .await
        .unwrap();
    assert!(
        r.get::<_, String>(0)
            .starts_with("PostgreSQL 15.0 (isodb 0.1) on ")
    );
    assert_eq!(r.get::<_, String>(1), "public");
}

/// Startup on a raw socket; returns once ReadyForQuery arrived.
async fn raw_session(h: &ServerHandle) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut s = tokio::net::TcpStream::connect(h.addr).await.unwrap();
    let params = b"user\0u\0database\0d\0\0";
    let mut msg = Vec::new();
    msg.extend_from_slice(&((8 + params.len()) as i32).to_be_bytes());
    msg.extend_from_slice(&196608i32.to_be_bytes());
    msg.extend_from_slice(params);
    s.write_all(&msg).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while !seen.windows(6).any(|w| w == b"Z\0\0\0\x05I") {
        let n = s.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed during startup");
        seen.extend_from_slice(&buf[..n]);
    }
    s
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_end_only_their_connection() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (_db, h) = server();
    let c = connect(&h).await;
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let kinds = b"QPBDESCHFXpd";
    for _ in 0..150 {
        let mut s = raw_session(&h).await;
        let kind = kinds[(next() % kinds.len() as u64) as usize];
        let len = (next() % 40) as usize;
        let body: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        let declared: i32 = if next() % 4 == 0 {
            (next() % 100) as i32 - 5
        } else {
            body.len() as i32 + 4
        };
        let mut msg = vec![kind];
        msg.extend_from_slice(&declared.to_be_bytes());
        msg.extend_from_slice(&body);
        msg.extend_from_slice(b"S\0\0\0\x04");
        let _ = s.write_all(&msg).await;
        let mut buf = [0u8; 4096];
        // Whatever the answer (an error, results, silence until the rest arrives), the
        // connection must not take the server down; give it a moment and move on.
        let _ = tokio::time::timeout(Duration::from_millis(20), s.read(&mut buf)).await;
    }
    let r = c.query_one("SELECT 41 + 1", &[]).await.unwrap();
    assert_eq!(r.get::<_, i32>(0), 42);
    // A Bind that claims parameters it does not carry gets a protocol-violation error.
    let mut s = raw_session(&h).await;
    let mut body = b"\0\0".to_vec(); // portal "", statement ""
    body.extend_from_slice(&0i16.to_be_bytes());
    body.extend_from_slice(&7i16.to_be_bytes()); // 7 parameters, none present
    let mut msg = vec![b'B'];
    msg.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    msg.extend_from_slice(&body);
    s.write_all(&msg).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
            Err(_) => panic!("no answer to a malformed Bind"),
        }
    }
    assert!(
        got.windows(6).any(|w| w == b"C08P01"),
        "08P01 in {:?}",
        String::from_utf8_lossy(&got)
    );
}

/// Reads backend messages until ReadyForQuery; returns their type bytes (bounded by 10 s).
async fn message_types(s: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut types = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let mut at = 0;
        types.clear();
        while buf.len() >= at + 5 {
            let len = i32::from_be_bytes(buf[at + 1..at + 5].try_into().unwrap()) as usize;
            if buf.len() < at + 1 + len {
                break;
            }
            types.push(buf[at]);
            at += 1 + len;
        }
        if types.last() == Some(&b'Z') {
            return types;
        }
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
            .await
            .expect("an answer")
            .unwrap();
        assert!(n > 0, "closed");
        buf.extend_from_slice(&chunk[..n]);
    }
}

fn frontend(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut m = vec![kind];
    m.extend_from_slice(&(body.len() as i32 + 4).to_be_bytes());
    m.extend_from_slice(body);
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execute_with_a_row_limit_sends_portal_suspended() {
    use tokio::io::AsyncWriteExt;
    let (_db, h) = server();
    let mut s = raw_session(&h).await;
    let sql = b"SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3\0";
    let mut parse = b"\0".to_vec();
    parse.extend_from_slice(sql);
    parse.extend_from_slice(&0i16.to_be_bytes());
    let mut bind = b"\0\0".to_vec();
    bind.extend_from_slice(&[0, 0, 0, 0, 0, 0]); // no formats, no parameters, no result formats
    let mut execute = b"\0".to_vec();
    execute.extend_from_slice(&2i32.to_be_bytes());
    let mut msg = Vec::new();
    msg.extend(frontend(b'P', &parse));
    msg.extend(frontend(b'B', &bind));
    msg.extend(frontend(b'E', &execute));
    msg.extend(frontend(b'E', &execute));
    msg.extend(frontend(b'E', &execute));
    msg.extend(frontend(b'S', b""));
    s.write_all(&msg).await.unwrap();
    // Parse, Bind, two rows and PortalSuspended, the last row and CommandComplete, then an
    // Execute of the finished portal (CommandComplete, no rows), ReadyForQuery.
    assert_eq!(
        String::from_utf8(message_types(&mut s).await).unwrap(),
        "12DDsDCCZ"
    );
}
