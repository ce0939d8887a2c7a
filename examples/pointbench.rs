//! Rough embedded timing: inserts and point selects through `Session::execute` (a sanity
//! check, not a benchmark; ratios against PostgreSQL belong to the wire benchmarks).
use std::time::Instant;
fn main() {
    let db = isodb::Database::open_memory().expect("open");
    let mut s = db.session();
    s.execute("CREATE TABLE kv (k int PRIMARY KEY, v text)")
        .expect("create");
    let n = 20_000;
    let t = Instant::now();
    for i in 0..n {
        s.execute(&format!("INSERT INTO kv VALUES ({i}, 'value {i}')"))
            .expect("insert");
    }
    let ins = t.elapsed();
    let t = Instant::now();
    for i in 0..n {
        let r = s
            .execute(&format!("SELECT v FROM kv WHERE k = {}", (i * 7919) % n))
            .expect("select");
        assert_eq!(r.rows.len(), 1);
    }
    let sel = t.elapsed();
    println!(
        "{n} autocommit inserts: {:.1} µs each; {n} point selects: {:.1} µs each",
        ins.as_secs_f64() * 1e6 / n as f64,
        sel.as_secs_f64() * 1e6 / n as f64
    );
}
