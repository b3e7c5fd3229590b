#![doc = include_str!("../README.md")]

mod store;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use rand_core::OsRng;
use serde_json::json;
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    HttpResponse, Receiver, ReceiverConfig, ReceiverError, ReceiverState,
};
use setpoll_core::Timestamp;

use crate::store::{ProcessedEvent, StateFile};

/// Poll an ASPSP's `POST /events`, verify each SET against its JWKS, print
/// each event, acknowledge it; state in a SQLite file.
#[derive(Debug, Parser)]
#[command(name = "tpp-poller", version, about)]
struct Args {
    /// The ASPSP's base URL, e.g. `http://127.0.0.1:8080`.
    #[arg(long)]
    server: String,
    /// API version in the path: `v3.1` or `v4.0`.
    #[arg(long, default_value = "v4.0")]
    api_version: String,
    /// Bearer access token.
    #[arg(long)]
    token: String,
    /// This TPP's client id (every SET's `aud` must hold it).
    #[arg(long)]
    client_id: String,
    /// The ASPSP's issuer (every SET's `iss` must equal it).
    #[arg(long, default_value = "https://aspsp.example/")]
    issuer: String,
    /// Where the ASPSP publishes its JWKS (default: SERVER/jwks).
    #[arg(long)]
    jwks_url: Option<String>,
    /// The state file (created if missing).
    #[arg(long, default_value = "tpp-poller.sqlite3")]
    state: PathBuf,
    /// `maxEvents` of each poll (absent: the ASPSP's default).
    #[arg(long)]
    max_events: Option<u32>,
    /// Send `returnImmediately: true` (default: leave it out, i.e. long poll).
    #[arg(long)]
    return_immediately: bool,
    /// Pause between polls when nothing more is waiting, ms.
    #[arg(long, default_value_t = 200)]
    poll_interval_ms: u64,
    /// Stop once the state file holds this many events and every ack is sent.
    #[arg(long)]
    expect: Option<u64>,
    /// Stop after this long without a new event (acks sent first), ms.
    #[arg(long)]
    idle_exit_ms: Option<u64>,
    /// Give up after this many seconds (exit code 3).
    #[arg(long, default_value_t = 300)]
    max_run_secs: u64,
    /// Do not print events, only the summary.
    #[arg(long)]
    quiet: bool,
    /// Write the run summary as JSON to this file.
    #[arg(long)]
    summary: Option<PathBuf>,
    /// Test hook: exit abruptly (status 137, no flush) on the first batch
    /// received after this many new events were processed in this run,
    /// before handling it. The server sends that batch again later.
    #[arg(long)]
    crash_after: Option<u64>,
}

#[derive(Debug, Default)]
struct Summary {
    delivered: u64,
    duplicates: u64,
    rejected: u64,
    acks_confirmed: u64,
    polls: u64,
    failures: u64,
    stored_twice: u64,
}

fn now() -> Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
    Timestamp::from_millis(ms)
}

fn now_i64() -> i64 {
    i64::try_from(now().as_millis()).unwrap_or(i64::MAX)
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match run(args).await {
        Ok(code) => code,
        Err(message) => {
            eprintln!("tpp-poller: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn fetch_keys(http: &reqwest::Client, url: &str) -> Result<Keyring, String> {
    let text = http
        .get(url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("cannot fetch JWKS {url}: {e}"))?
        .text()
        .await
        .map_err(|e| format!("cannot read JWKS {url}: {e}"))?;
    let set = JwkSet::from_json(text.as_bytes()).map_err(|e| format!("JWKS {url}: {e}"))?;
    Keyring::new(&set).map_err(|e| format!("JWKS {url}: {e}"))
}

async fn run(args: Args) -> Result<ExitCode, String> {
    let started = Instant::now();
    let base = args.server.trim_end_matches('/').to_owned();
    let events_url = format!("{base}/open-banking/{}/events", args.api_version);
    let jwks_url = args
        .jwks_url
        .clone()
        .unwrap_or_else(|| format!("{base}/jwks"));
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| format!("http client: {e}"))?;
    let state_file = StateFile::open(&args.state)
        .await
        .map_err(|e| format!("state file {}: {e}", args.state.display()))?;

    // The JWKS: retried while the ASPSP is not up yet.
    let deadline = started + Duration::from_secs(args.max_run_secs);
    let keys = loop {
        match fetch_keys(&http, &jwks_url).await {
            Ok(keys) => break keys,
            Err(e) if Instant::now() < deadline => {
                eprintln!("tpp-poller: {e}; retrying");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(e) => return Err(e),
        }
    };

    let mut config = ReceiverConfig::new(args.issuer.clone(), args.client_id.clone(), keys);
    config.max_events = args.max_events;
    config.return_immediately = args.return_immediately.then_some(true);
    config.poll_interval = Duration::from_millis(args.poll_interval_ms.max(1));
    let mut receiver = Receiver::new(config).map_err(|e| format!("receiver config: {e}"))?;
    if let Some(saved) = state_file
        .load_state()
        .await
        .map_err(|e| format!("state: {e}"))?
    {
        let state = ReceiverState::from_json(&saved).map_err(|e| format!("saved state: {e}"))?;
        receiver
            .restore(state)
            .map_err(|e| format!("saved state: {e}"))?;
    }

    let mut summary = Summary::default();
    let mut rng = OsRng;
    let mut out = std::io::stdout().lock();
    let mut last_new = Instant::now();
    let mut processed_this_run = 0u64;

    // SETs handed over before a crash and not settled: process them first.
    let unsettled = receiver.unsettled();
    if !unsettled.is_empty() {
        let stored = process(
            &mut receiver,
            &state_file,
            unsettled,
            &mut summary,
            &mut out,
            args.quiet,
        )
        .await?;
        processed_this_run += stored;
    }

    let code = loop {
        if Instant::now() >= deadline {
            break 3;
        }
        let state = receiver.state();
        let nothing_pending = state.pending_acks.is_empty() && state.pending_set_errs.is_empty();
        if nothing_pending {
            if let Some(expect) = args.expect {
                let held = state_file.event_count().await.map_err(|e| e.to_string())?;
                if u64::try_from(held).unwrap_or(0) >= expect {
                    break 0;
                }
            }
            if let Some(idle) = args.idle_exit_ms {
                if last_new.elapsed() >= Duration::from_millis(idle) {
                    break 0;
                }
            }
        }
        let request = match receiver.next_request(now()) {
            Ok(request) => request,
            Err(ReceiverError::NotDue { at }) => {
                let wait = Duration::from_millis(at.as_millis().saturating_sub(now().as_millis()));
                tokio::time::sleep(wait.min(Duration::from_millis(250))).await;
                continue;
            }
            Err(e) => return Err(format!("receiver: {e}")),
        };
        summary.polls += 1;
        let sent = http
            .post(&events_url)
            .bearer_auth(&args.token)
            .header("content-type", "application/json; charset=utf-8")
            .header("x-fapi-interaction-id", uuid::Uuid::new_v4().to_string())
            .timeout(Duration::from_secs(60))
            .body(request.body.clone())
            .send()
            .await;
        let answer = match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let retry_after = response
                    .headers()
                    .get("retry-after")
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned);
                match response.text().await {
                    Ok(body) => Some((status, body, retry_after)),
                    Err(_) => None,
                }
            }
            Err(_) => None,
        };
        let Some((status, body, retry_after)) = answer else {
            summary.failures += 1;
            let _ = receiver.handle_failure(request.id, now(), &mut rng);
            save(&mut receiver, &state_file).await?;
            continue;
        };
        if let Some(n) = args.crash_after {
            if processed_this_run >= n && body.contains("\"sets\":{\"") {
                eprintln!("tpp-poller: --crash-after {n}: exiting without handling a batch");
                std::process::exit(137);
            }
        }
        let mut response = HttpResponse::new(status, &body);
        if let Some(v) = retry_after.as_deref() {
            response = response.with_retry_after(v);
        }
        match receiver.handle_response(request.id, response, now(), &mut rng) {
            Ok(batch) => {
                summary.duplicates += batch.duplicates.len() as u64;
                summary.rejected += batch.rejections.len() as u64;
                summary.acks_confirmed += batch.acks_confirmed as u64;
                for rejection in &batch.rejections {
                    eprintln!(
                        "tpp-poller: rejected {}: {}",
                        rejection.jti,
                        rejection.reason.description()
                    );
                }
                // Save first (the deliveries are now "in processing").
                save(&mut receiver, &state_file).await?;
                if !batch.deliveries.is_empty() {
                    last_new = Instant::now();
                    let stored = process(
                        &mut receiver,
                        &state_file,
                        batch.deliveries,
                        &mut summary,
                        &mut out,
                        args.quiet,
                    )
                    .await?;
                    processed_this_run += stored;
                }
            }
            Err(e) => {
                summary.failures += 1;
                eprintln!("tpp-poller: poll failed ({status}): {e}");
                save(&mut receiver, &state_file).await?;
            }
        }
    };

    let held = state_file.event_count().await.map_err(|e| e.to_string())?;
    let report = json!({
        "clientId": args.client_id,
        "delivered": summary.delivered,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected,
        "acksConfirmed": summary.acks_confirmed,
        "polls": summary.polls,
        "failures": summary.failures,
        "storedTwice": summary.stored_twice,
        "eventsHeld": held,
        "elapsedMs": u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        "exit": if code == 0 { "done" } else { "timed out" },
    });
    if let Some(path) = &args.summary {
        std::fs::write(path, report.to_string())
            .map_err(|e| format!("summary {}: {e}", path.display()))?;
    }
    eprintln!("tpp-poller: {report}");
    Ok(ExitCode::from(code))
}

/// The application's work for a batch: store each event, acknowledge it,
/// and save the receiver state in the same SQLite transaction. Returns how
/// many events were stored.
async fn process(
    receiver: &mut Receiver,
    state_file: &StateFile,
    deliveries: Vec<setpoll_core::receiver::Delivery>,
    summary: &mut Summary,
    out: &mut impl std::io::Write,
    quiet: bool,
) -> Result<u64, String> {
    let processed_at = now_i64();
    let mut events = Vec::with_capacity(deliveries.len());
    for d in &deliveries {
        let claims = &d.claims;
        let line = json!({
            "jti": d.jti,
            "types": d.event_types,
            "sub": claims.sub,
            "txn": claims.txn,
            "toe": claims.toe,
        });
        if !quiet {
            let _ = writeln!(out, "{line}");
        }
        events.push(ProcessedEvent {
            jti: d.jti.clone(),
            types: d.event_types.join(","),
            sub: claims.sub.clone(),
            claims: claims.to_json(),
            processed_at,
        });
        receiver
            .ack(&d.jti)
            .map_err(|e| format!("ack {}: {e}", d.jti))?;
    }
    let state = receiver.state();
    let _ = receiver.take_state();
    let already = state_file
        .commit(&state.to_json(), &events, processed_at)
        .await
        .map_err(|e| format!("state file: {e}"))?;
    summary.delivered += deliveries.len() as u64;
    summary.stored_twice += already.len() as u64;
    if !already.is_empty() {
        eprintln!("tpp-poller: already stored (not applied again): {already:?}");
    }
    Ok((events.len() - already.len()) as u64)
}

/// Persist the receiver state if it changed.
async fn save(receiver: &mut Receiver, state_file: &StateFile) -> Result<(), String> {
    if let Some(state) = receiver.take_state() {
        state_file
            .commit(&state.to_json(), &[], now_i64())
            .await
            .map_err(|e| format!("state file: {e}"))?;
    }
    Ok(())
}
