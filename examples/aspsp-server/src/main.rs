#![doc = include_str!("../README.md")]

mod admin;
mod config;
mod http;
mod keys;
mod metrics;
mod poll;
mod signing;
mod store;
mod wake;

use std::io::Write as _;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser as _;

use crate::config::{ClientTable, Config, LogFormat};

/// Wall-clock milliseconds since the epoch (the host reads the clock; the core never does).
#[must_use]
pub fn now_millis() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The wall clock as the core's [`setpoll_core::Timestamp`].
#[must_use]
pub fn now() -> setpoll_core::Timestamp {
    setpoll_core::Timestamp::from_millis(now_millis())
}

/// [`now_millis`] as the SQL column type.
#[must_use]
pub fn now_millis_i64() -> i64 {
    i64::try_from(now_millis()).unwrap_or(i64::MAX)
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Config::parse();
    init_logging(config.log_format);
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            tracing::error!("{message}");
            eprintln!("aspsp-server: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Log lines on stderr (stdout carries only `listening on ...`).
fn init_logging(format: LogFormat) {
    let builder = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::INFO)
        .with_target(false);
    match format {
        LogFormat::Text => builder.with_ansi(false).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

async fn run(config: Config) -> Result<(), String> {
    let clients = ClientTable::load(config.clients.as_deref())?;
    let (admin_token, from_argv) = config::admin_token(&config)?;
    if from_argv {
        tracing::warn!(
            "--admin-token puts the token where every local user can read it (ps); \
             use --admin-token-file or ASPSP_ADMIN_TOKEN outside demos"
        );
    }
    let store = store::Store::open(&config.database, config.db_connections)
        .await
        .map_err(|e| format!("database {}: {e}", redact(&config.database)))?;
    let signer = keys::Signer::load_or_generate(&config)?;
    let transmitter = config.transmitter()?;
    let signing = signing::SigningPool::start(cores())
        .map_err(|e| format!("cannot start the signing threads: {e}"))?;
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .map_err(|e| format!("cannot listen on {}: {e}", config.listen))?;
    let local = listener
        .local_addr()
        .map_err(|e| format!("listener address: {e}"))?;
    let app = Arc::new(http::App {
        config,
        admin_token,
        clients,
        store,
        signer,
        transmitter,
        stats: poll::Stats::default(),
        metrics: metrics::Metrics::default(),
        wake: wake::Wakeups::default(),
        admin_slots: tokio::sync::Semaphore::new(2 * cores()),
        signing,
    });
    tokio::spawn(poll::sweeper(Arc::clone(&app)));
    tracing::info!(address = %local, "listening");
    // Scripts wait for this line to learn the port.
    println!("listening on http://{local}");
    let _ = std::io::stdout().flush();
    http::serve(listener, app, shutdown()).await;
    Ok(())
}

/// CPU cores this process may use (1 when unknown).
#[must_use]
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
}

/// Resolves on SIGINT or SIGTERM.
async fn shutdown() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// A database URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = url.get(scheme + 3..at).unwrap_or("");
            let user = creds.split(':').next().unwrap_or("");
            format!(
                "{}{user}:***{}",
                url.get(..scheme + 3).unwrap_or(""),
                url.get(at..).unwrap_or("")
            )
        }
        _ => url.to_owned(),
    }
}
