//! `isodb serve` as a process: real clients (psql scripts compared with PostgreSQL's output,
//! psycopg2, pgbench), SIGTERM shutdown, and restart after SIGKILL on the same directory.
//!
//! The client tools come from Debian's `postgresql` packages and PyPI's `psycopg2-binary`,
//! which `.ci/run` installs. A test whose tool is missing fails, unless
//! `ISODB_SKIP_CLIENT_TOOLS=1` is set (for machines without them).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};
use tokio_postgres::NoTls;

struct Server {
    child: Child,
    port: u16,
}

impl Server {
    /// Starts `isodb serve` on `dir` and an ephemeral port; returns once it listens.
    fn start(dir: &Path) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_isodb"))
            .args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
            .arg(dir)
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start isodb serve");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(addr) = line.strip_prefix("isodb: listening on ") {
                    let _ = tx.send(addr.to_string());
                }
            }
        });
        let addr = rx
            .recv_timeout(Duration::from_secs(20))
            .expect("the server answers within seconds");
        let port = addr.rsplit(':').next().unwrap().parse().unwrap();
        Server { child, port }
    }

    fn signal(&self, sig: &str) {
        let ok = Command::new("kill")
            .args([sig, &self.child.id().to_string()])
            .status()
            .unwrap()
            .success();
        assert!(ok, "kill {sig}");
    }

    /// Waits for the process to exit, at most `limit`.
    fn wait(&mut self, limit: Duration) -> std::process::ExitStatus {
        let t0 = Instant::now();
        loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                return s;
            }
            assert!(t0.elapsed() < limit, "server still running after {limit:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn have(tool: &str) -> bool {
    let found = Command::new("sh")
        .args(["-c", &format!("command -v {tool}")])
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found {
        assert!(
            std::env::var_os("ISODB_SKIP_CLIENT_TOOLS").is_some(),
            "{tool} is not installed (set ISODB_SKIP_CLIENT_TOOLS=1 to skip)"
        );
        eprintln!("skipping: {tool} is not installed");
    }
    found
}

fn psycopg2_installed() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import psycopg2"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var_os("ISODB_SKIP_CLIENT_TOOLS").is_some(),
            "psycopg2 is not installed (pip install psycopg2-binary)"
        );
    }
    ok
}

fn run_script(cmd: &mut Command) {
    let out = cmd.output().expect("run script");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    eprintln!("{text}");
    assert!(out.status.success(), "script failed:\n{text}");
}

#[test]
fn psql_scripts_match_postgresql_output() {
    if !have("psql") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    run_script(
        Command::new("bash")
            .arg("tests/wire/run_psql.sh")
            .args(["127.0.0.1", &s.port.to_string()]),
    );
}

#[test]
fn psycopg2_suite() {
    if !psycopg2_installed() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    run_script(
        Command::new("python3")
            .arg("tests/wire/psycopg2_test.py")
            .env("ISODB_HOST", "127.0.0.1")
            .env("ISODB_PORT", s.port.to_string()),
    );
}

#[test]
fn pgbench_point_select_and_tpcb_with_8_clients() {
    if !have("pgbench") || !have("psql") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(dir.path());
    run_script(
        Command::new("bash")
            .arg("tests/wire/run_pgbench.sh")
            .args(["127.0.0.1", &s.port.to_string()])
            .env("PGBENCH_TIME", "3"),
    );
}

async fn client(port: u16) -> tokio_postgres::Client {
    let conf = format!("host=127.0.0.1 port={port} user=u dbname=d");
    let (c, conn) = tokio_postgres::connect(&conf, NoTls).await.unwrap();
    tokio::spawn(conn);
    c
}

#[tokio::test]
async fn sigterm_ends_sessions_and_exits_cleanly_then_data_survives() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path());
    let c = client(s.port).await;
    c.batch_execute("CREATE TABLE kept (id int PRIMARY KEY); INSERT INTO kept VALUES (1), (2)")
        .await
        .unwrap();
    // An open transaction does not hold the shutdown up; its insert is rolled back.
    c.batch_execute("BEGIN; INSERT INTO kept VALUES (3)")
        .await
        .unwrap();
    s.signal("-TERM");
    let status = s.wait(Duration::from_secs(10));
    assert!(status.success(), "clean exit, got {status:?}");
    let e = c.simple_query("SELECT 1").await.unwrap_err();
    if let Some(db) = e.as_db_error() {
        assert_eq!(db.code().code(), "57P01");
    }
    let s = Server::start(dir.path());
    let c = client(s.port).await;
    let rows = c
        .query("SELECT id FROM kept ORDER BY id", &[])
        .await
        .unwrap();
    let ids: Vec<i32> = rows.iter().map(|r| r.get(0)).collect();
    assert_eq!(ids, vec![1, 2]);
}

#[tokio::test]
async fn restarts_after_sigkill_with_every_acknowledged_commit() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Server::start(dir.path());
    let c = client(s.port).await;
    c.batch_execute("CREATE TABLE acked (id int PRIMARY KEY)")
        .await
        .unwrap();
    let ins = c.prepare("INSERT INTO acked VALUES ($1)").await.unwrap();
    for i in 0..200 {
        c.execute(&ins, &[&i]).await.unwrap();
    }
    s.child.kill().unwrap();
    s.wait(Duration::from_secs(10));
    // No stale lock file: the same directory opens at once.
    let s = Server::start(dir.path());
    let c = client(s.port).await;
    let r = c
        .query_one("SELECT count(*), min(id), max(id) FROM acked", &[])
        .await
        .unwrap();
    assert_eq!(r.get::<_, i64>(0), 200);
    assert_eq!(r.get::<_, i32>(1), 0);
    assert_eq!(r.get::<_, i32>(2), 199);
}
