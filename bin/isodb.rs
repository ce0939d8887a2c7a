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
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:5433")]
        listen: String,
    },
    /// Open an interactive shell on a database.
    Repl {
        /// Directory holding the database.
        #[arg(long, conflicts_with = "memory")]
        data_dir: Option<PathBuf>,
        /// Use a database that lives in memory only.
        #[arg(long)]
        memory: bool,
    },
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    match cli.command {
        Command::Serve { data_dir, listen } => {
            eprintln!(
                "isodb serve: the SQL layer and the wire protocol are not built yet \
                 (data dir {}, listen {listen}); see the open issues",
                data_dir.display()
            );
            ExitCode::from(2)
        }
        Command::Repl { data_dir, memory } => {
            let _ = (data_dir, memory);
            eprintln!("isodb repl: the SQL layer is not built yet; see the open issues");
            ExitCode::from(2)
        }
    }
}
