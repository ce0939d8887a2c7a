//! The PostgreSQL wire-protocol server (`isodb serve`).
//!
//! One tokio task per connection does the socket I/O; statements run on tokio's blocking
//! pool (`spawn_blocking`), because a statement may wait on a row lock for as long as another
//! transaction holds it, and that must not stall the runtime's worker threads or any other
//! connection. While a statement runs, its connection task keeps reading the socket, so a
//! client that goes away cancels its statement at once, and messages pipelined behind the
//! statement are queued, not lost. See `docs/wire.md` for what the server supports.
//!
//! Shutdown (SIGTERM or SIGINT): stop accepting, tell every connection to end (idle ones
//! end at once with 57P01; running statements are cancelled), wait up to five seconds for
//! them, checkpoint, exit. A second signal exits at once; the WAL keeps that crash-safe.

mod auth;
mod codec;
mod connection;
mod format;
mod startup;

pub use auth::{AuthMethod, Passwords};
pub use format::type_from_oid;

use crate::database::Database;
use crate::sql::session::CancelHandle;
use parking_lot::Mutex;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio::task::JoinSet;

/// How the server runs.
#[derive(Clone)]
pub struct ServerConfig {
    /// `host:port` to listen on; port 0 picks a free one (the address is printed).
    pub listen: String,
    /// Connections beyond this many are refused with 53300.
    pub max_connections: usize,
    pub auth: AuthMethod,
    /// Session defaults set at connect, e.g. `default_transaction_isolation`,
    /// `serializable_mode`.
    pub session_defaults: Vec<(String, String)>,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:5433".into(),
            max_connections: 100,
            auth: AuthMethod::Trust,
            session_defaults: Vec::new(),
        }
    }
}

/// What every connection task shares.
pub(crate) struct Shared {
    pub db: Database,
    pub config: ServerConfig,
    /// Live connections by backend pid: their cancel secret and handle.
    pub backends: Mutex<HashMap<i32, (i32, CancelHandle)>>,
    pub next_pid: AtomicI32,
    pub connections: AtomicUsize,
    /// Becomes true when the server is shutting down.
    pub shutdown: watch::Receiver<bool>,
}

/// Runs the server until SIGTERM/SIGINT, then shuts down as the module documentation says.
/// `ready` receives the bound address once the server accepts connections.
pub fn serve(
    db: Database,
    config: ServerConfig,
    ready: impl FnOnce(SocketAddr),
) -> Result<(), String> {
    let runtime = runtime()?;
    let (stop, stopped) = watch::channel(false);
    let result = runtime.block_on(async {
        let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
        let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
        tokio::spawn(async move {
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
            let _ = stop.send(true);
            // A second signal exits at once; the WAL keeps that crash-safe.
            tokio::select! { _ = term.recv() => {}, _ = int.recv() => {} }
            std::process::exit(1);
        });
        run(db.clone(), config, ready, stopped).await
    });
    // Statements still running after the grace period are abandoned with the runtime.
    runtime.shutdown_timeout(Duration::from_millis(500));
    result?;
    db.checkpoint()
        .map_err(|e| format!("checkpoint at shutdown failed: {e}"))
}

/// A server running on its own threads, for embedding and tests; it stops (as at SIGTERM)
/// when [`ServerHandle::stop`] is called or the handle is dropped.
pub struct ServerHandle {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    thread: Option<std::thread::JoinHandle<Result<(), String>>>,
}

impl ServerHandle {
    /// Shuts the server down and waits for it.
    pub fn stop(mut self) -> Result<(), String> {
        self.stop_inner()
    }

    fn stop_inner(&mut self) -> Result<(), String> {
        let _ = self.stop.send(true);
        match self.thread.take() {
            Some(t) => t.join().map_err(|_| "server thread panicked".to_string())?,
            None => Ok(()),
        }
    }
}

impl Drop for ServerHandle {
    fn drop(&mut self) {
        let _ = self.stop_inner();
    }
}

/// Starts a server on background threads and returns once it accepts connections.
pub fn spawn(db: Database, config: ServerConfig) -> Result<ServerHandle, String> {
    let (stop, stopped) = watch::channel(false);
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::Builder::new()
        .name("isodb-server".into())
        .spawn(move || {
            let runtime = runtime()?;
            let failed = tx.clone();
            let r = runtime.block_on(run(
                db,
                config,
                move |addr| {
                    let _ = tx.send(Ok(addr));
                },
                stopped,
            ));
            if let Err(e) = &r {
                let _ = failed.send(Err(e.clone()));
            }
            runtime.shutdown_timeout(Duration::from_millis(500));
            r
        })
        .map_err(|e| format!("cannot start the server thread: {e}"))?;
    let addr = rx
        .recv()
        .map_err(|_| "the server thread ended before listening".to_string())??;
    Ok(ServerHandle {
        addr,
        stop,
        thread: Some(thread),
    })
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("isodb-io")
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))
}

async fn run(
    db: Database,
    config: ServerConfig,
    ready: impl FnOnce(SocketAddr),
    mut stopped: watch::Receiver<bool>,
) -> Result<(), String> {
    codec::quiet_decode_panics();
    let listener = TcpListener::bind(&config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let addr = listener
        .local_addr()
        .map_err(|e| format!("cannot read the listening address: {e}"))?;
    let shared = Arc::new(Shared {
        db,
        config,
        backends: Mutex::new(HashMap::new()),
        next_pid: AtomicI32::new(std::process::id() as i32 % 100_000 * 1000 + 1),
        connections: AtomicUsize::new(0),
        shutdown: stopped.clone(),
    });
    tracing::info!(%addr, "listening");
    ready(addr);
    let mut tasks = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((socket, peer)) => {
                    let _ = socket.set_nodelay(true);
                    tasks.spawn(connection::run(shared.clone(), socket, peer));
                }
                Err(e) => {
                    // Out of file descriptors and the like: wait a moment rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            _ = stopped.wait_for(|s| *s) => break,
        }
    }
    drop(listener);
    tracing::info!(connections = tasks.len(), "shutting down");
    let drain = async { while tasks.join_next().await.is_some() {} };
    if tokio::time::timeout(Duration::from_secs(5), drain)
        .await
        .is_err()
    {
        tracing::warn!("connections still busy after 5 s; closing them");
    }
    Ok(())
}

impl Shared {
    pub fn register(&self, cancel: CancelHandle) -> (i32, i32) {
        let pid = self.next_pid.fetch_add(1, Ordering::Relaxed);
        let secret = i32::from_le_bytes(auth::random_bytes(4).try_into().unwrap_or([7; 4]));
        self.backends.lock().insert(pid, (secret, cancel));
        (pid, secret)
    }

    pub fn unregister(&self, pid: i32) {
        self.backends.lock().remove(&pid);
    }

    /// A CancelRequest: cancels the backend's running statement if the secret matches.
    pub fn cancel(&self, pid: i32, secret: i32) {
        let handle = match self.backends.lock().get(&pid) {
            Some((s, h)) if *s == secret => Some(h.clone()),
            _ => None,
        };
        match handle {
            Some(h) => {
                tracing::info!(pid, "cancel request");
                h.cancel();
            }
            None => tracing::warn!(pid, "cancel request with no matching backend"),
        }
    }
}
