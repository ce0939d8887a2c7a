//! The `isodb` command: `serve` (PostgreSQL wire protocol server) and `repl` (embedded shell).

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "isodb",
    version,
    about = "A SQL database with per-transaction isolation levels"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the PostgreSQL wire protocol.
    Serve {
        /// Directory holding the database.
        #[arg(long, default_value = "./isodb-data")]
        data_dir: PathBuf,
        /// Address to listen on (port 0: any free port; the address is printed).
        #[arg(long, default_value = "127.0.0.1:5433")]
        listen: String,
        /// Use a database that lives in memory only (for tests).
        #[arg(long, conflicts_with = "data_dir")]
        memory: bool,
        /// Connections beyond this many are refused (53300).
        #[arg(long, default_value_t = 100)]
        max_connections: usize,
        /// `trust` (anyone, the default) or `scram` (SCRAM-SHA-256, needs --password-file).
        #[arg(long, default_value = "trust", value_parser = ["trust", "scram"])]
        auth: String,
        /// `user:password` lines, for --auth scram (besides CREATE ROLE … LOGIN PASSWORD).
        #[arg(long)]
        password_file: Option<PathBuf>,
        /// Sessions' default isolation level (`read committed`, `repeatable read`,
        /// `snapshot`, `serializable`).
        #[arg(long)]
        default_isolation: Option<String>,
        /// Sessions' default serializable mode: `ssi` or `2pl`.
        #[arg(long, value_parser = ["ssi", "2pl"])]
        serializable_mode: Option<String>,
    },
    /// Open an interactive shell on a database.
    Repl {
        /// Directory holding the database.
        #[arg(long, conflicts_with = "memory")]
        data_dir: Option<PathBuf>,
        /// Use a database that lives in memory only.
        #[arg(long)]
        memory: bool,
        /// Run this SQL (or one backslash command) and exit, as `psql -c` does.
        #[arg(short = 'c', long = "command", value_name = "SQL")]
        command: Option<String>,
    },
    /// Run sqllogictest files (`*.slt`: PostgreSQL expectations; `*.test`: SQLite's corpus)
    /// or folders of them, a fresh database per file; exits 1 unless every file passes.
    Slt {
        /// Files, or folders searched recursively for `*.slt` and `*.test`.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Run each file on an on-disk database in a temporary directory (default: in memory).
        #[arg(long)]
        disk: bool,
        /// Files run at once.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u16).range(1..=2))]
        jobs: u16,
        /// Per-file time limit in seconds (0: none).
        #[arg(long, default_value_t = 600)]
        timeout: u64,
        /// Labels answered to by `skipif`/`onlyif`, comma-separated.
        #[arg(long, value_delimiter = ',', default_value = "postgresql,isodb")]
        label: Vec<String>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The shell's stderr carries its error lines: only warnings are logged there by default.
    let default_filter = match cli.command {
        Command::Repl { .. } => "warn",
        Command::Serve { .. } | Command::Slt { .. } => "info",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Serve {
            data_dir,
            listen,
            memory,
            max_connections,
            auth,
            password_file,
            default_isolation,
            serializable_mode,
        } => {
            let auth = match (auth.as_str(), password_file) {
                ("scram", Some(f)) => match isodb::server::Passwords::load(&f) {
                    Ok(p) => isodb::server::AuthMethod::Scram(std::sync::Arc::new(p)),
                    Err(e) => {
                        eprintln!("isodb: error: {e}");
                        return ExitCode::from(2);
                    }
                },
                // Without a file, logins come from CREATE ROLE … LOGIN PASSWORD only.
                ("scram", None) => isodb::server::AuthMethod::Scram(std::sync::Arc::new(
                    isodb::server::Passwords::none(),
                )),
                _ => isodb::server::AuthMethod::Trust,
            };
            let mut session_defaults = Vec::new();
            if let Some(l) = default_isolation {
                session_defaults.push(("default_transaction_isolation".to_string(), l));
            }
            if let Some(m) = serializable_mode {
                session_defaults.push(("serializable_mode".to_string(), m));
            }
            let opened = if memory {
                isodb::Database::open_memory()
            } else {
                isodb::Database::open(&data_dir)
            };
            let db = match opened {
                Ok(db) => db,
                Err(e) => {
                    eprintln!("isodb: error: could not open the database: {}", e.message);
                    return ExitCode::from(2);
                }
            };
            let config = isodb::server::ServerConfig {
                listen,
                max_connections,
                auth,
                session_defaults,
            };
            let ready = |addr: std::net::SocketAddr| {
                use std::io::Write;
                println!("isodb: listening on {addr}");
                let _ = std::io::stdout().flush();
            };
            match isodb::server::serve(db, config, ready) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("isodb: error: {e}");
                    ExitCode::from(1)
                }
            }
        }
        Command::Repl {
            data_dir,
            memory,
            command,
        } => {
            let opened = if memory {
                isodb::Database::open_memory()
            } else {
                isodb::Database::open(data_dir.unwrap_or_else(|| PathBuf::from("./isodb-data")))
            };
            match opened {
                Ok(db) => isodb::repl::run(
                    db,
                    isodb::repl::ReplOptions {
                        command,
                        history_file: None,
                    },
                ),
                Err(e) => {
                    eprintln!("isodb: error: could not open the database: {}", e.message);
                    ExitCode::from(2)
                }
            }
        }
        Command::Slt {
            paths,
            disk,
            jobs,
            timeout,
            label,
        } => {
            let opts = isodb::slt::SltOptions {
                disk,
                jobs: jobs.into(),
                time_limit: (timeout > 0).then(|| std::time::Duration::from_secs(timeout)),
                labels: label.iter().map(|l| l.to_ascii_lowercase()).collect(),
                ..Default::default()
            };
            if isodb::slt::run_paths(&paths, &opts).all_passed() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
    }
}
