//! Runs SQL from stdin against an in-memory database, printing each result (a debugging aid).
use std::io::Read;
fn main() {
    let db = isodb::Database::open_memory().expect("open");
    let mut s = db.session();
    let mut sql = String::new();
    std::io::stdin().read_to_string(&mut sql).expect("stdin");
    for stmt in sql.split(";\n") {
        if stmt.trim().is_empty() { continue; }
        match s.execute(stmt) {
            Ok(r) => {
                println!("> {}", stmt.trim());
                for row in &r.rows {
                    let vals: Vec<String> = row.iter().map(|v| v.to_text().unwrap_or_else(|| "NULL".into())).collect();
                    println!("  {}", vals.join(" | "));
                }
                println!("  [{}] cols={:?}", r.tag, r.columns.iter().map(|c| format!("{}:{}", c.name, c.ty.name())).collect::<Vec<_>>());
                for n in &r.notices { println!("  {}: {}", n.severity, n.message); }
            }
            Err(e) => println!("> {}\n  ERR {} {}", stmt.trim(), e.code, e.message),
        }
    }
}
