//! Runs `;`-newline-separated SQL from stdin against an in-memory database and prints each
//! result the way `psql -qAt` does (used to compare isodb with PostgreSQL by hand).
use std::io::Read;
fn main() {
    let db = isodb::Database::open_memory().expect("open");
    let mut s = db.session();
    let mut sql = String::new();
    std::io::stdin().read_to_string(&mut sql).expect("stdin");
    for stmt in sql.split(";\n") {
        if stmt.trim().is_empty() {
            continue;
        }
        println!("> {}", stmt.trim().replace('\n', " "));
        match s.execute(stmt) {
            Ok(r) => {
                for row in &r.rows {
                    let vals: Vec<String> = row
                        .iter()
                        .map(|v| v.to_text().unwrap_or_else(|| "NULL".into()))
                        .collect();
                    println!("{}", vals.join("|"));
                }
            }
            Err(e) => println!("ERROR:  {}", e.code),
        }
    }
}
