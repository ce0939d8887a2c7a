//! Storage benchmark: the same workloads on isodb's engine, redb and SQLite (bundled, WAL mode,
//! `synchronous = FULL`) in one run, reported as throughput and as ratios.
//!
//! `cargo bench --bench storage` (set `ISODB_BENCH_N` for fewer rows; default 1,000,000).
//! Workloads: N random inserts (16-byte keys, 100-byte values) in batches of 1,000, each batch
//! one durable commit; N point gets in random order; a full scan; durable single-row commits
//! from 1 and from 8 threads. The raw fsync rate of the same directory is measured too, since
//! group commit is judged against it.

use isodb::storage::{Db, Durability, Options, WriteBatch};
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::fs::OpenOptions;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const VALUE_LEN: usize = 100;
const BATCH: usize = 1000;
const COMMITS_1: usize = 400;
const COMMITS_8: usize = 200;
use redb::ReadableTable;

const TABLE: redb::TableDefinition<&[u8], &[u8]> = redb::TableDefinition::new("t");

#[derive(Default, Clone, Copy)]
struct Figures {
    insert: f64,
    get: f64,
    scan: f64,
    commit1: f64,
    commit8: f64,
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn keys(n: usize) -> Vec<[u8; 16]> {
    let mut rng = rand::rngs::StdRng::seed_from_u64(42);
    (0..n).map(|_| rng.random()).collect()
}

fn shuffled(keys: &[[u8; 16]]) -> Vec<[u8; 16]> {
    let mut k = keys.to_vec();
    k.shuffle(&mut rand::rngs::StdRng::seed_from_u64(7));
    k
}

fn fsync_rate(dir: &Path) -> f64 {
    let mut f = OpenOptions::new()
        .create(true)
        .write(true)
        .truncate(true)
        .open(dir.join("fsync"))
        .unwrap();
    let n = 300;
    let t = Instant::now();
    for _ in 0..n {
        f.write_all(&[1u8; 128]).unwrap();
        f.sync_data().unwrap();
    }
    rate(n, t.elapsed())
}

fn bench_isodb(dir: &Path, keys: &[[u8; 16]], order: &[[u8; 16]], pool: usize) -> Figures {
    // The same memory budget as redb's default cache (1 GiB); see the second isodb column for the default
    // 128 MiB pool.
    let db = Arc::new(
        Db::open(
            dir,
            Options {
                pool_bytes: pool,
                ..Options::default()
            },
        )
        .unwrap(),
    );
    let tree = db.create_tree("t").unwrap();
    let value = [7u8; VALUE_LEN];
    let mut f = Figures::default();
    let t = Instant::now();
    for chunk in keys.chunks(BATCH) {
        let mut b = WriteBatch::new();
        for k in chunk {
            b.put("t", k, &value);
        }
        db.commit(b, Durability::Sync).unwrap();
    }
    // Counted in the insert time: redb and SQLite have written their files by now too.
    db.checkpoint().unwrap();
    f.insert = rate(keys.len(), t.elapsed());
    let t = Instant::now();
    let mut found = 0;
    for k in order {
        found += tree.get(k).unwrap().is_some() as usize;
    }
    f.get = rate(order.len(), t.elapsed());
    assert_eq!(found, order.len());
    let t = Instant::now();
    let mut scan = tree.iter();
    let mut n = 0;
    while let Some((_, v)) = scan.next_entry().unwrap() {
        n += (v.len() == VALUE_LEN) as usize;
    }
    f.scan = rate(n, t.elapsed());
    assert_eq!(n, keys.len());
    let c = db.create_tree("c").unwrap();
    let t = Instant::now();
    for i in 0..COMMITS_1 {
        c.put(&(i as u64).to_be_bytes(), &value).unwrap();
    }
    f.commit1 = rate(COMMITS_1, t.elapsed());
    let t = Instant::now();
    std::thread::scope(|s| {
        for th in 0..8u64 {
            let c = c.clone();
            s.spawn(move || {
                for i in 0..COMMITS_8 as u64 {
                    c.put(&(1_000_000 * (th + 1) + i).to_be_bytes(), &value)
                        .unwrap();
                }
            });
        }
    });
    f.commit8 = rate(8 * COMMITS_8, t.elapsed());
    f
}

fn bench_redb(dir: &Path, keys: &[[u8; 16]], order: &[[u8; 16]]) -> Figures {
    let db = Arc::new(redb::Database::create(dir.join("redb")).unwrap());
    let value = [7u8; VALUE_LEN];
    let mut f = Figures::default();
    let t = Instant::now();
    for chunk in keys.chunks(BATCH) {
        let tx = db.begin_write().unwrap();
        {
            let mut table = tx.open_table(TABLE).unwrap();
            for k in chunk {
                table.insert(k.as_slice(), value.as_slice()).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    f.insert = rate(keys.len(), t.elapsed());
    let tx = db.begin_read().unwrap();
    let table = tx.open_table(TABLE).unwrap();
    let t = Instant::now();
    let mut found = 0;
    for k in order {
        found += table.get(k.as_slice()).unwrap().is_some() as usize;
    }
    f.get = rate(order.len(), t.elapsed());
    assert_eq!(found, order.len());
    let t = Instant::now();
    let mut n = 0;
    for e in table.iter().unwrap() {
        let (_, v) = e.unwrap();
        n += (v.value().len() == VALUE_LEN) as usize;
    }
    f.scan = rate(n, t.elapsed());
    drop(table);
    drop(tx);
    let commit = |k: u64| {
        let tx = db.begin_write().unwrap();
        {
            let mut table = tx.open_table(TABLE).unwrap();
            table
                .insert(k.to_be_bytes().as_slice(), value.as_slice())
                .unwrap();
        }
        tx.commit().unwrap();
    };
    let t = Instant::now();
    for i in 0..COMMITS_1 as u64 {
        commit(i);
    }
    f.commit1 = rate(COMMITS_1, t.elapsed());
    let t = Instant::now();
    std::thread::scope(|s| {
        for th in 0..8u64 {
            let commit = &commit;
            s.spawn(move || {
                for i in 0..COMMITS_8 as u64 {
                    commit(1_000_000 * (th + 1) + i);
                }
            });
        }
    });
    f.commit8 = rate(8 * COMMITS_8, t.elapsed());
    f
}

fn sqlite_conn(path: &Path) -> rusqlite::Connection {
    let c = rusqlite::Connection::open(path).unwrap();
    c.pragma_update(None, "journal_mode", "WAL").unwrap();
    c.pragma_update(None, "synchronous", "FULL").unwrap();
    c.busy_timeout(Duration::from_secs(60)).unwrap();
    c
}

fn bench_sqlite(dir: &Path, keys: &[[u8; 16]], order: &[[u8; 16]]) -> Figures {
    let path = dir.join("sqlite.db");
    let mut c = sqlite_conn(&path);
    c.execute(
        "CREATE TABLE kv (k BLOB PRIMARY KEY, v BLOB) WITHOUT ROWID",
        [],
    )
    .unwrap();
    let value = [7u8; VALUE_LEN];
    let mut f = Figures::default();
    let t = Instant::now();
    for chunk in keys.chunks(BATCH) {
        let tx = c.transaction().unwrap();
        {
            let mut st = tx
                .prepare_cached("INSERT OR REPLACE INTO kv VALUES (?1, ?2)")
                .unwrap();
            for k in chunk {
                st.execute((k.as_slice(), value.as_slice())).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    f.insert = rate(keys.len(), t.elapsed());
    {
        let mut st = c
            .prepare_cached("SELECT length(v) FROM kv WHERE k = ?1")
            .unwrap();
        let t = Instant::now();
        let mut found = 0;
        for k in order {
            let n: Option<i64> = st
                .query_row([k.as_slice()], |r| r.get(0))
                .map(Some)
                .unwrap_or(None);
            found += n.is_some() as usize;
        }
        f.get = rate(order.len(), t.elapsed());
        assert_eq!(found, order.len());
        let mut st = c.prepare("SELECT k, v FROM kv ORDER BY k").unwrap();
        let t = Instant::now();
        let mut rows = st.query([]).unwrap();
        let mut n = 0;
        while let Some(r) = rows.next().unwrap() {
            let v = r.get_ref(1).unwrap().as_blob().unwrap();
            n += (v.len() == VALUE_LEN) as usize;
        }
        f.scan = rate(n, t.elapsed());
    }
    let t = Instant::now();
    for i in 0..COMMITS_1 as u64 {
        c.execute(
            "INSERT OR REPLACE INTO kv VALUES (?1, ?2)",
            (i.to_be_bytes().as_slice(), value.as_slice()),
        )
        .unwrap();
    }
    f.commit1 = rate(COMMITS_1, t.elapsed());
    let t = Instant::now();
    std::thread::scope(|s| {
        for th in 0..8u64 {
            let path = &path;
            s.spawn(move || {
                let c = sqlite_conn(path);
                for i in 0..COMMITS_8 as u64 {
                    let k = (1_000_000 * (th + 1) + i).to_be_bytes();
                    c.execute(
                        "INSERT OR REPLACE INTO kv VALUES (?1, ?2)",
                        (k.as_slice(), value.as_slice()),
                    )
                    .unwrap();
                }
            });
        }
    });
    f.commit8 = rate(8 * COMMITS_8, t.elapsed());
    f
}

fn main() {
    if std::env::args().any(|a| a == "--list") {
        println!("storage: bench");
        return;
    }
    let n: usize = std::env::var("ISODB_BENCH_N")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1_000_000);
    let base = std::env::var("ISODB_BENCH_DIR").unwrap_or_else(|_| "target/bench-storage".into());
    let _ = std::fs::remove_dir_all(&base);
    let dir = |name: &str| {
        let d = Path::new(&base).join(name);
        std::fs::create_dir_all(&d).unwrap();
        d
    };
    let keys = keys(n);
    let order = shuffled(&keys);
    let fsync = fsync_rate(&dir("fsync"));
    eprintln!("fsync rate {fsync:.0}/s; running isodb");
    let iso = bench_isodb(&dir("isodb"), &keys, &order, 1 << 30);
    eprintln!("running isodb with the default 128 MiB pool");
    let iso_small = bench_isodb(&dir("isodb-128m"), &keys, &order, 128 << 20);
    eprintln!("running redb");
    let red = bench_redb(&dir("redb"), &keys, &order);
    eprintln!("running sqlite");
    let sql = bench_sqlite(&dir("sqlite"), &keys, &order);
    type Row = (&'static str, fn(&Figures) -> f64);
    let rows: [Row; 5] = [
        ("random inserts, batches of 1,000 (rows/s)", |f| f.insert),
        ("random point gets (gets/s)", |f| f.get),
        ("full scan (rows/s)", |f| f.scan),
        ("single-row durable commits, 1 thread (commits/s)", |f| {
            f.commit1
        }),
        ("single-row durable commits, 8 threads (commits/s)", |f| {
            f.commit8
        }),
    ];
    println!("N = {n}; raw fsync rate of this directory: {fsync:.0}/s\n");
    println!(
        "isodb with a 1 GiB pool (redb's default cache size), and with its default 128 MiB pool\n"
    );
    println!(
        "| workload | isodb | isodb, 128 MiB pool | redb | SQLite | isodb/redb | isodb/SQLite |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for (name, get) in rows {
        let (a, p, b, c) = (get(&iso), get(&iso_small), get(&red), get(&sql));
        println!(
            "| {name} | {a:.0} | {p:.0} | {b:.0} | {c:.0} | {:.2} | {:.2} |",
            a / b,
            a / c
        );
    }
    println!(
        "\n8-thread commits/s over the single-thread fsync rate: isodb {:.2}, redb {:.2}, SQLite {:.2}",
        iso.commit8 / fsync,
        red.commit8 / fsync,
        sql.commit8 / fsync
    );
    let _ = std::fs::remove_dir_all(&base);
}
