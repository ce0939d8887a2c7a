//! isodb's own sqllogictest suites (`sqllogic/sql/*.slt`) over the wire, through a
//! PostgreSQL driver (tokio-postgres), once with the simple query protocol
//! (`wire-simple/...`) and once with the extended one (`wire-extended/...`: Parse, Describe,
//! Bind, Execute, with binary results decoded by the types' receive functions). The
//! expectations are the same files the embedded run checks, recorded from PostgreSQL 15.

use isodb::Database;
use isodb::server::{ServerConfig, ServerHandle, spawn, type_from_oid};
use isodb::slt::runner::{Mode, SltError, TypeCell, render_postgres, run_records_on};
use isodb::slt::{DEFAULT_LABELS, collect_files, load};
use libtest_mimic::{Arguments, Failed, Trial};
use sqllogictest::{DB, DBOutput, DefaultColumnType};
use std::error::Error as StdError;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::runtime::Runtime;
use tokio_postgres::types::{FromSql, Type};
use tokio_postgres::{Client, SimpleQueryMessage};

#[derive(Clone, Copy, PartialEq)]
enum Protocol {
    Simple,
    Extended,
}

struct WireDb {
    rt: Arc<Runtime>,
    client: Client,
    protocol: Protocol,
}

fn slt_error(e: tokio_postgres::Error) -> SltError {
    match e.as_db_error() {
        Some(d) => SltError {
            code: d.code().code().to_string(),
            message: d.message().to_string(),
            detail: d.detail().map(str::to_string),
            hint: d.hint().map(str::to_string),
        },
        None => SltError {
            code: "08006".into(),
            message: e.to_string(),
            detail: None,
            hint: None,
        },
    }
}

struct Raw(Vec<u8>);

impl<'a> FromSql<'a> for Raw {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, Box<dyn StdError + Sync + Send>> {
        Ok(Raw(raw.to_vec()))
    }
    fn accepts(_: &Type) -> bool {
        true
    }
}

fn rows_output(rows: Vec<Vec<String>>, n: usize) -> DBOutput<DefaultColumnType> {
    DBOutput::Rows {
        types: vec![DefaultColumnType::Text; n],
        rows,
    }
}

impl WireDb {
    async fn simple(&self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let msgs = self.client.simple_query(sql).await.map_err(slt_error)?;
        let mut last = DBOutput::StatementComplete(0);
        let mut rows: Option<(Vec<Vec<String>>, usize)> = None;
        for m in msgs {
            match m {
                SimpleQueryMessage::RowDescription(cols) => rows = Some((Vec::new(), cols.len())),
                SimpleQueryMessage::Row(r) => {
                    let row = (0..r.len())
                        .map(|i| match r.get(i) {
                            None => "NULL".to_string(),
                            Some("") => "(empty)".to_string(),
                            Some(s) => s.to_string(),
                        })
                        .collect();
                    if let Some((rs, _)) = rows.as_mut() {
                        rs.push(row);
                    }
                }
                SimpleQueryMessage::CommandComplete(n) => {
                    last = match rows.take() {
                        Some((rs, width)) => rows_output(rs, width),
                        None => DBOutput::StatementComplete(n),
                    };
                }
                _ => {}
            }
        }
        Ok(last)
    }

    async fn extended(&self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let stmt = match self.client.prepare(sql).await {
            Ok(s) => s,
            // Drivers send several statements as one simple query; so does this runner.
            Err(e) if slt_error_is_multi(&e) => return self.simple(sql).await,
            Err(e) => return Err(slt_error(e)),
        };
        if stmt.columns().is_empty() {
            let n = self.client.execute(&stmt, &[]).await.map_err(slt_error)?;
            return Ok(DBOutput::StatementComplete(n));
        }
        let types: Vec<_> = stmt
            .columns()
            .iter()
            .map(|c| type_from_oid(c.type_().oid()).expect("a type isodb sends"))
            .collect();
        let rows = self.client.query(&stmt, &[]).await.map_err(slt_error)?;
        let mut out = Vec::with_capacity(rows.len());
        for r in &rows {
            let mut row = Vec::with_capacity(types.len());
            for (i, ty) in types.iter().enumerate() {
                let v = match r.get::<_, Option<Raw>>(i) {
                    None => isodb::Value::Null,
                    Some(raw) => {
                        isodb::sql::types::decode_binary(&raw.0, ty).map_err(|e| SltError {
                            code: "XX000".into(),
                            message: format!("column {i} does not decode: {}", e.message),
                            detail: None,
                            hint: None,
                        })?
                    }
                };
                row.push(render_postgres(&v));
            }
            out.push(row);
        }
        Ok(rows_output(out, types.len()))
    }
}

fn slt_error_is_multi(e: &tokio_postgres::Error) -> bool {
    e.as_db_error()
        .is_some_and(|d| d.message().contains("cannot insert multiple commands"))
}

impl isodb::slt::background::SltConnection for WireDb {}

impl DB for WireDb {
    type Error = SltError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SltError> {
        let rt = self.rt.clone();
        match self.protocol {
            Protocol::Simple => rt.block_on(self.simple(sql)),
            Protocol::Extended => rt.block_on(self.extended(sql)),
        }
    }

    fn error_sql_state(err: &SltError) -> Option<String> {
        Some(err.code.clone())
    }
}

fn run_file(path: PathBuf, protocol: Protocol, rt: Arc<Runtime>) -> Result<(), Failed> {
    let labels: Vec<String> = DEFAULT_LABELS.iter().map(|s| s.to_string()).collect();
    let records = load(&path, &labels, 0)?;
    let server: ServerHandle = spawn(
        Database::open_memory().map_err(|e| e.to_string())?,
        ServerConfig {
            listen: "127.0.0.1:0".into(),
            ..Default::default()
        },
    )?;
    let port = server.addr.port();
    let connect_rt = rt.clone();
    let connect = move || {
        let conf = format!("host=127.0.0.1 port={port} user=slt dbname=slt");
        let (client, conn) = connect_rt
            .block_on(tokio_postgres::connect(&conf, tokio_postgres::NoTls))
            .map_err(slt_error)?;
        connect_rt.spawn(conn);
        Ok(WireDb {
            rt: connect_rt.clone(),
            client,
            protocol,
        })
    };
    let types: TypeCell = Arc::default();
    let deadline = Some(Instant::now() + Duration::from_secs(300));
    let tally = run_records_on(connect, types, records, Mode::Postgres, &labels, deadline);
    drop(server);
    match tally.first_failure {
        None if !tally.timed_out => Ok(()),
        None => Err("time limit reached".into()),
        Some(f) => Err(format!(
            "{} of {} records failed; first: {f}",
            tally.failed, tally.run
        )
        .into()),
    }
}

fn main() {
    let args = Arguments::from_args();
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sqllogic");
    let rt = Arc::new(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap(),
    );
    let mut trials = Vec::new();
    for file in collect_files(&[root.join("sql")]) {
        let rel = file
            .strip_prefix(&root)
            .unwrap_or(&file)
            .display()
            .to_string();
        for (protocol, name) in [
            (Protocol::Simple, "wire-simple"),
            (Protocol::Extended, "wire-extended"),
        ] {
            let (f, rt) = (file.clone(), rt.clone());
            trials.push(Trial::test(format!("{name}/{rel}"), move || {
                run_file(f, protocol, rt)
            }));
        }
    }
    libtest_mimic::run(&args, trials).exit();
}
