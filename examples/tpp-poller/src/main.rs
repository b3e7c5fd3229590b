#![doc = include_str!("../README.md")]

mod store;

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::{Parser, ValueEnum};
use rand_core::OsRng;
use serde_json::json;
use setpoll_core::codes::Vocabulary;
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    Delivery, FailureReason, HttpResponse, PollOutcome, Receiver, ReceiverChange, ReceiverConfig,
    ReceiverState,
};
use setpoll_core::Timestamp;

use crate::store::{ProcessedEvent, StateFile};

/// Poll an ASPSP's `POST /events`, verify each SET against its JWKS, print
/// each event, acknowledge it; state in a SQLite file.
#[derive(Debug, Parser)]
#[command(name = "tpp-poller", version, about)]
struct Args {
    /// The ASPSP's base URL, e.g. `http://127.0.0.1:8080` (events at
    /// SERVER/open-banking/API-VERSION/events, JWKS at SERVER/jwks).
    #[arg(long, required_unless_present = "events_url")]
    server: Option<String>,
    /// API version in the path: `v3.1` or `v4.0`.
    #[arg(long, default_value = "v4.0")]
    api_version: String,
    /// The whole events URL (overrides `--server` and `--api-version` for
    /// polling; then `--jwks-url` is needed unless `--server` is given).
    #[arg(long)]
    events_url: Option<String>,
    /// Bearer access token.
    #[arg(long)]
    token: String,
    /// This TPP's client id (every SET's `aud` must hold it).
    #[arg(long)]
    client_id: String,
    /// The ASPSP's issuer (every SET's `iss` must equal it).
    #[arg(long, default_value = "https://aspsp.example/")]
    issuer: String,
    /// Where the ASPSP publishes its JWKS (default: SERVER/jwks). Fetched at
    /// start and again when a SET names an unknown `kid` (rate-limited).
    #[arg(long)]
    jwks_url: Option<String>,
    /// Least time between two JWKS refreshes, ms.
    #[arg(long, default_value_t = 30_000)]
    jwks_refresh_interval_ms: u64,
    /// The `setErrs` code vocabulary: OBIE's or RFC 8935's.
    #[arg(long, value_enum, default_value_t = SetErrCodes::Obie)]
    set_err_codes: SetErrCodes,
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
    /// Exit (code 4) after this many `401`/`403` answers in a row.
    #[arg(long, default_value_t = 3)]
    max_auth_failures: u32,
    /// Stop once the state file holds this many events and every ack is sent.
    #[arg(long)]
    expect: Option<u64>,
    /// Stop after this long without a new event (acks sent first), ms.
    #[arg(long)]
    idle_exit_ms: Option<u64>,
    /// Give up after this many seconds (exit code 3).
    #[arg(long, default_value_t = 300)]
    max_run_secs: u64,
    /// Do not print events (each one's verified claims), only the summary.
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

/// `--set-err-codes`.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum SetErrCodes {
    /// OBIE's codes (`jws`, `jwtIss`, ...).
    Obie,
    /// RFC 8935's codes (`invalid_key`, `invalid_issuer`, ...).
    Rfc8935,
}

#[derive(Debug, Default)]
struct Summary {
    delivered: u64,
    duplicates: u64,
    rejected: u64,
    held: u64,
    acks_confirmed: u64,
    polls: u64,
    failures: u64,
    key_refreshes: u64,
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

// One task polls in sequence: one thread (no cross-thread wake-ups).
#[tokio::main(flavor = "current_thread")]
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
        .timeout(Duration::from_secs(10))
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

/// The progress line, on a terminal only.
struct Progress {
    on: bool,
    started: Instant,
    last: Instant,
    shown: bool,
}

impl Progress {
    fn new() -> Self {
        let now = Instant::now();
        Progress {
            on: std::io::stdout().is_terminal() && std::io::stderr().is_terminal(),
            started: now,
            last: now,
            shown: false,
        }
    }

    /// Redraw at most 4 times a second.
    fn show(&mut self, s: &Summary, backlog: impl FnOnce() -> String) {
        if !self.on || self.last.elapsed() < Duration::from_millis(250) {
            return;
        }
        self.last = Instant::now();
        let secs = self.started.elapsed().as_secs_f64().max(0.001);
        let received = s.delivered + s.duplicates + s.rejected + s.held;
        let mut line = format!(
            "received {received}  verified {}  acknowledged {}  {:.0}/s",
            s.delivered,
            s.acks_confirmed,
            s.acks_confirmed as f64 / secs
        );
        line.push_str("  backlog ");
        line.push_str(&backlog());
        let mut err = std::io::stderr().lock();
        let _ = write!(err, "\r\x1b[2K{line}");
        let _ = err.flush();
        self.shown = true;
    }

    fn finish(&self) {
        if self.shown {
            eprintln!();
        }
    }
}

/// The same changes without each `Delivered` whose SET is `Settled` later
/// in the list: replayed, `Settled` takes the SET out of processing
/// whether or not it was in, so the pair leaves the same state as the
/// `Settled` alone, and the journal does not store every token twice.
fn squash(changes: Vec<ReceiverChange>) -> Vec<ReceiverChange> {
    let mut settled_after = std::collections::HashSet::new();
    let mut keep = vec![true; changes.len()];
    for (i, change) in changes.iter().enumerate().rev() {
        match change {
            ReceiverChange::Settled { set } => {
                settled_after.insert(set.jti.as_str());
            }
            ReceiverChange::Delivered { set } if settled_after.contains(set.jti.as_str()) => {
                if let Some(k) = keep.get_mut(i) {
                    *k = false;
                }
            }
            _ => {}
        }
    }
    changes
        .into_iter()
        .zip(keep)
        .filter_map(|(change, keep)| keep.then_some(change))
        .collect()
}

/// Where the receiver's changes go: the journal in the state file.
async fn save(
    receiver: &mut Receiver,
    state_file: &StateFile,
    events: &[ProcessedEvent],
) -> Result<Vec<String>, String> {
    let changes: Vec<String> = squash(receiver.take_changes())
        .iter()
        .map(ReceiverChange::to_json)
        .collect();
    if changes.is_empty() && events.is_empty() {
        return Ok(Vec::new());
    }
    let snapshot = || receiver.state().to_json();
    state_file
        .commit(&changes, snapshot, events, now_i64())
        .await
        .map_err(|e| format!("state file: {e}"))
}

#[allow(clippy::too_many_lines)]
async fn run(args: Args) -> Result<ExitCode, String> {
    let started = Instant::now();
    let base = args
        .server
        .as_deref()
        .map(|s| s.trim_end_matches('/').to_owned());
    let events_url = match (&args.events_url, &base) {
        (Some(url), _) => url.clone(),
        (None, Some(base)) => format!("{base}/open-banking/{}/events", args.api_version),
        (None, None) => return Err("give --server or --events-url".into()),
    };
    let jwks_url = match (&args.jwks_url, &base) {
        (Some(url), _) => url.clone(),
        (None, Some(base)) => format!("{base}/jwks"),
        (None, None) => return Err("--events-url without --server needs --jwks-url".into()),
    };
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
    config.key_refresh_interval = Duration::from_millis(args.jwks_refresh_interval_ms.max(1));
    config.vocabulary = match args.set_err_codes {
        SetErrCodes::Obie => Vocabulary::Obie,
        SetErrCodes::Rfc8935 => Vocabulary::Rfc8935,
    };
    let mut receiver = Receiver::new(config).map_err(|e| format!("receiver config: {e}"))?;
    let (snapshot, journal) = state_file.load().await.map_err(|e| format!("state: {e}"))?;
    if snapshot.is_some() || !journal.is_empty() {
        let mut state = match snapshot {
            Some(text) => {
                ReceiverState::from_json(&text).map_err(|e| format!("saved state: {e}"))?
            }
            None => ReceiverState::default(),
        };
        let changes = journal
            .iter()
            .map(|c| ReceiverChange::from_json(c))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("saved change: {e}"))?;
        state
            .apply(changes)
            .map_err(|e| format!("saved state: {e}"))?;
        receiver
            .restore(state)
            .map_err(|e| format!("saved state: {e}"))?;
        save(&mut receiver, &state_file, &[]).await?;
    }

    let mut summary = Summary::default();
    let mut rng = OsRng;
    let mut out = std::io::stdout().lock();
    let mut progress = Progress::new();
    let mut last_new = Instant::now();
    let mut processed_this_run = 0u64;
    let mut auth_failures = 0u32;
    let mut more_available = false;

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
        // Counts only: `state()` would copy the dedup window every turn.
        let state = receiver.outstanding();
        progress.show(&summary, || {
            format!(
                "{}{} unacked{}",
                if more_available { "more waiting, " } else { "" },
                state.pending_acks + state.unsettled,
                match state.held {
                    0 => String::new(),
                    n => format!(", {n} held for keys"),
                }
            )
        });
        let nothing_pending = state.pending_acks == 0 && state.pending_set_errs == 0;
        if nothing_pending && state.held == 0 {
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
        // Keys first: SETs wait for them, rate-limited by the receiver.
        if let Some(stale) = receiver.keys_stale() {
            if stale.refresh_at <= now() {
                match fetch_keys(&http, &jwks_url).await {
                    Ok(keys) => {
                        summary.key_refreshes += 1;
                        let recheck = receiver.refresh_keys(keys, now());
                        summary.rejected += recheck.rejections.len() as u64;
                        summary.duplicates += recheck.duplicates.len() as u64;
                        for rejection in &recheck.rejections {
                            eprintln!(
                                "tpp-poller: rejected {} after a key refresh: {}",
                                rejection.jti,
                                rejection.reason.description()
                            );
                        }
                        save(&mut receiver, &state_file, &[]).await?;
                        if !recheck.deliveries.is_empty() {
                            last_new = Instant::now();
                            processed_this_run += process(
                                &mut receiver,
                                &state_file,
                                recheck.deliveries,
                                &mut summary,
                                &mut out,
                                args.quiet,
                            )
                            .await?;
                        }
                    }
                    Err(e) => {
                        eprintln!("tpp-poller: key refresh for {:?}: {e}", stale.kids);
                        receiver.refresh_keys_failed(now());
                    }
                }
                continue;
            }
        }
        let Some(request) = receiver.poll_request(now()) else {
            let wait = receiver
                .poll_timeout()
                .map_or(Duration::from_millis(250), |at| {
                    Duration::from_millis(at.as_millis().saturating_sub(now().as_millis()))
                });
            tokio::time::sleep(wait.min(Duration::from_millis(250))).await;
            continue;
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
            let _ = receiver.handle_no_reply(request.id, now(), &mut rng);
            save(&mut receiver, &state_file, &[]).await?;
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
        let outcome = receiver
            .handle_reply(request.id, response, now(), &mut rng)
            .map_err(|e| format!("receiver: {e}"))?;
        // A batch with deliveries is saved with its events and acks, in
        // one transaction (`process`); anything else is saved now. Until
        // that commit nothing of this answer is durable: after a crash the
        // ASPSP delivers the batch again (its acks were not sent yet).
        if !matches!(&outcome, PollOutcome::Batch(b) if !b.deliveries.is_empty()) {
            save(&mut receiver, &state_file, &[]).await?;
        }
        match outcome {
            PollOutcome::Batch(batch) => {
                auth_failures = 0;
                more_available = batch.more_available;
                summary.duplicates += batch.duplicates.len() as u64;
                summary.rejected += batch.rejections.len() as u64;
                summary.held += batch.held.len() as u64;
                summary.acks_confirmed += batch.acks_confirmed as u64;
                for rejection in &batch.rejections {
                    eprintln!(
                        "tpp-poller: rejected {}: {}",
                        rejection.jti,
                        rejection.reason.description()
                    );
                }
                if let Some(stale) = &batch.keys_stale {
                    if !batch.held.is_empty() {
                        eprintln!(
                            "tpp-poller: {} SET(s) held: unknown kid {:?}; JWKS refresh due",
                            batch.held.len(),
                            stale.kids
                        );
                    }
                }
                if !batch.deliveries.is_empty() {
                    last_new = Instant::now();
                    processed_this_run += process(
                        &mut receiver,
                        &state_file,
                        batch.deliveries,
                        &mut summary,
                        &mut out,
                        args.quiet,
                    )
                    .await?;
                }
            }
            PollOutcome::Failed(failure) => {
                summary.failures += 1;
                if failure.long_poll_refused {
                    eprintln!(
                        "tpp-poller: the ASPSP answered {status} to a long poll; \
                         polling with returnImmediately: true from now on"
                    );
                }
                if let FailureReason::Unauthorized { .. } = failure.reason {
                    auth_failures += 1;
                    if auth_failures >= args.max_auth_failures {
                        progress.finish();
                        eprintln!(
                            "tpp-poller: the ASPSP refused the access token {auth_failures} \
                             times in a row ({}); check --token and the client's scope",
                            failure.reason
                        );
                        return Ok(ExitCode::from(4));
                    }
                } else {
                    auth_failures = 0;
                }
                eprintln!("tpp-poller: poll failed: {}", failure.reason);
            }
        }
    };
    progress.finish();

    let held = state_file.event_count().await.map_err(|e| e.to_string())?;
    let report = json!({
        "clientId": args.client_id,
        "delivered": summary.delivered,
        "duplicates": summary.duplicates,
        "rejected": summary.rejected,
        "heldForKeys": summary.held,
        "keyRefreshes": summary.key_refreshes,
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
/// and append the receiver's changes in the same SQLite transaction.
/// Returns how many events were stored.
async fn process(
    receiver: &mut Receiver,
    state_file: &StateFile,
    deliveries: Vec<Delivery>,
    summary: &mut Summary,
    out: &mut impl std::io::Write,
    quiet: bool,
) -> Result<u64, String> {
    let processed_at = now_i64();
    let mut events = Vec::with_capacity(deliveries.len());
    for d in &deliveries {
        let claims = &d.claims;
        // Every verified claim, value for value: the line is the SET's claims.
        let text = claims.to_json();
        if !quiet {
            let _ = writeln!(out, "{text}");
        }
        events.push(ProcessedEvent {
            jti: d.jti.clone(),
            types: d.event_types.join(","),
            sub: claims.sub.clone(),
            claims: text,
            processed_at,
        });
        receiver
            .ack(&d.jti)
            .map_err(|e| format!("ack {}: {e}", d.jti))?;
    }
    let already = save(receiver, state_file, &events).await?;
    summary.delivered += deliveries.len() as u64;
    summary.stored_twice += already.len() as u64;
    if !already.is_empty() {
        eprintln!("tpp-poller: already stored (not applied again): {already:?}");
    }
    Ok((events.len() - already.len()) as u64)
}
