//! `setpoll conformance`: test a bank's `POST /events` (`aspsp`) or a
//! fintech's poller (`tpp`) against the published rules, with a scorecard,
//! a JSON report and JUnit XML.
//!
//! | file | concern |
//! |---|---|
//! | `mod.rs` | flags, wiring, exit codes |
//! | `profile.rs` | `--version`: what each version requires (from the core) |
//! | `http.rs` | the bounded HTTP/1.1 client and request reader |
//! | `enqueue.rs` | making the bank queue test SETs |
//! | `checks.rs` | the `aspsp` checks |
//! | `mock.rs` | the mock ASPSP of `tpp` mode |
//! | `scenarios.rs` | the `tpp` scenarios and their scoring |
//! | `report.rs` | scorecard, JSON and JUnit writers |
//!
//! Exit status: 0 every required check passed; 1 a required check failed;
//! 2 bad flags, an unreachable URL or an unusable JWKS.

mod checks;
mod enqueue;
mod http;
mod mock;
mod profile;
mod report;
mod scenarios;

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use clap::{Args, Subcommand};
use setpoll_core::jose::{JwkSet, Keyring, SigningKey};

use crate::Failure;
use checks::{Client, SetErrsPolicy, Target};
use enqueue::Enqueuer;
use http::{Request, Url};
pub use profile::Version;
use report::Scorecard;

/// `setpoll conformance MODE`.
#[derive(Subcommand)]
pub enum Mode {
    /// Black-box test of a bank's (ASPSP's) POST /events endpoint.
    Aspsp(AspspArgs),
    /// Run a mock ASPSP that scores the fintech (TPP) poller pointed at it.
    Tpp(TppArgs),
}

/// Report flags shared by both modes.
#[derive(Args)]
pub struct ReportArgs {
    /// Write the results as JSON.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Write the results as JUnit XML.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
}

/// Flags of `setpoll conformance aspsp`.
#[derive(Args)]
pub struct AspspArgs {
    /// The events endpoint, e.g. http://127.0.0.1:8080/open-banking/v3.1/events.
    #[arg(long, value_name = "URL")]
    events_url: String,
    /// A client's bearer token; give a second --token (and --client-id) for the cross-client checks.
    #[arg(long = "token", value_name = "T", required = true)]
    tokens: Vec<String>,
    /// The client id (the SETs' aud) of each --token, in the same order.
    #[arg(long = "client-id", value_name = "ID", required = true)]
    client_ids: Vec<String>,
    /// The bank's JWK Set.
    #[arg(long, value_name = "URL")]
    jwks_url: String,
    /// The bank's SET issuer (iss).
    #[arg(long)]
    issuer: String,
    /// The specification version the bank implements.
    #[arg(long, value_enum, default_value = "v3.1.11")]
    version: Version,
    /// setpoll's POST /admin/events contract, to queue test SETs.
    #[arg(
        long,
        value_name = "URL",
        requires = "enqueue_token",
        conflicts_with = "enqueue_cmd"
    )]
    enqueue_url: Option<String>,
    /// The admin token for --enqueue-url.
    #[arg(long, value_name = "T")]
    enqueue_token: Option<String>,
    /// Any other bank: a shell command queueing test SETs; it must contain the
    /// placeholders `{client}` and the count `{ n }` without the spaces.
    #[arg(long, value_name = "TEMPLATE")]
    enqueue_cmd: Option<String>,
    /// The bank's visibility timeout: enables the redelivery checks (at most 120000).
    #[arg(long, value_name = "MS")]
    visibility_timeout_ms: Option<u64>,
    /// What the bank documents for a SET reported in setErrs.
    #[arg(long, value_enum, default_value = "dead-letter")]
    set_errs: SetErrsPolicy,
    /// Deadline of each HTTP request.
    #[arg(long, value_name = "MS", default_value_t = 30_000)]
    timeout_ms: u64,
    #[command(flatten)]
    reports: ReportArgs,
}

/// Flags of `setpoll conformance tpp`.
#[derive(Args)]
pub struct TppArgs {
    /// Where the mock ASPSP listens (127.0.0.1:0 picks a free port).
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8088")]
    listen: String,
    /// List the scenarios and exit.
    #[arg(long)]
    list: bool,
    /// Run only this scenario (repeatable; default: all, in --list order).
    #[arg(long = "scenario", value_name = "NAME")]
    scenarios: Vec<String>,
    /// The SETs' iss; configure the poller to expect it.
    #[arg(long, default_value = "https://aspsp.example/")]
    issuer: String,
    /// The poller's client id (the SETs' aud).
    #[arg(long, default_value = "conformance-tpp")]
    client_id: String,
    /// The bearer token the poller must send (default: any non-empty token).
    #[arg(long, value_name = "T")]
    token: Option<String>,
    /// The profile the mock follows (JOSE header, setErrs vocabulary).
    #[arg(long, value_enum, default_value = "v3.1.11")]
    version: Version,
    /// Start the poller with this shell command ({url} is the mock's base URL); stopped at the end.
    #[arg(long, value_name = "TEMPLATE")]
    poller_cmd: Option<String>,
    /// Longest a scenario may take (key-rotation: 30 s more, for a poller's JWKS refresh rate limit).
    #[arg(long, value_name = "MS", default_value_t = 20_000)]
    scenario_timeout_ms: u64,
    /// How long to wait for the poller's first request.
    #[arg(long, value_name = "MS", default_value_t = 60_000)]
    wait_ms: u64,
    #[command(flatten)]
    reports: ReportArgs,
}

/// Run a conformance mode; returns the exit code (the scorecard is printed as it runs).
///
/// # Errors
/// [`Failure`] (exit 2) for bad flags, an unreachable URL or unusable keys.
pub fn run(mode: Mode) -> Result<u8, Failure> {
    match mode {
        Mode::Aspsp(a) => aspsp(a),
        Mode::Tpp(t) => tpp(t),
    }
}

/// The system clock as the core's timestamp (the kit's only clock read).
fn now() -> setpoll_core::Timestamp {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0);
    setpoll_core::Timestamp::from_millis(ms)
}

fn run_id() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("conf{ms:x}p{}", std::process::id())
}

fn aspsp(a: AspspArgs) -> Result<u8, Failure> {
    let events =
        Url::parse(&a.events_url).map_err(|e| Failure::input(format!("--events-url {e}")))?;
    let jwks_url =
        Url::parse(&a.jwks_url).map_err(|e| Failure::input(format!("--jwks-url {e}")))?;
    if a.tokens.len() != a.client_ids.len() {
        return Err(Failure::input(format!(
            "{} --token but {} --client-id: give one client id per token, in the same order",
            a.tokens.len(),
            a.client_ids.len()
        )));
    }
    let enqueue = match (&a.enqueue_url, &a.enqueue_token, &a.enqueue_cmd) {
        (Some(url), Some(token), None) => Enqueuer::Admin {
            url: Url::parse(url).map_err(|e| Failure::input(format!("--enqueue-url {e}")))?,
            token: token.clone(),
        },
        (None, None, Some(cmd)) => {
            if !cmd.contains("{client}") || !cmd.contains("{n}") {
                return Err(Failure::input("--enqueue-cmd must contain {client} and {n}"));
            }
            Enqueuer::Command(cmd.clone())
        }
        (None, Some(_), _) => return Err(Failure::input("--enqueue-token needs --enqueue-url")),
        _ => {
            return Err(Failure::input(
                "the bank must queue test SETs: give --enqueue-url URL --enqueue-token T, or --enqueue-cmd 'TEMPLATE {client} {n}'",
            ))
        }
    };
    let visibility = a.visibility_timeout_ms.map(Duration::from_millis);
    if visibility.is_some_and(|v| v > checks::MAX_VISIBILITY || v.is_zero()) {
        return Err(Failure::input("--visibility-timeout-ms must be 1..=120000"));
    }
    if a.timeout_ms == 0 || a.timeout_ms > 600_000 {
        return Err(Failure::input("--timeout-ms must be 1..=600000"));
    }
    let timeout = Duration::from_millis(a.timeout_ms);

    // Reachability and keys first: an unusable setup is exit 2, not a score.
    let jwks = http::send(
        &Request {
            method: "GET",
            url: jwks_url.clone(),
            headers: vec![("Accept".into(), "application/json".into())],
            body: Vec::new(),
        },
        timeout,
    )
    .map_err(|e| Failure::input(format!("--jwks-url {jwks_url}: {e}")))?;
    if jwks.status != 200 {
        return Err(Failure::input(format!(
            "--jwks-url {jwks_url}: status {}",
            jwks.status
        )));
    }
    let set = JwkSet::from_json(&jwks.body)
        .map_err(|e| Failure::input(format!("--jwks-url {jwks_url}: not a usable JWK Set: {e}")))?;
    let keys =
        Keyring::new(&set).map_err(|e| Failure::input(format!("--jwks-url {jwks_url}: {e}")))?;
    let probe = Request::post_json(&events, None, "{}");
    http::send(&probe, timeout)
        .map_err(|e| Failure::input(format!("--events-url {events}: {e}")))?;

    let target = Target {
        events: events.clone(),
        clients: a
            .tokens
            .iter()
            .zip(&a.client_ids)
            .map(|(t, c)| Client {
                token: t.clone(),
                id: c.clone(),
            })
            .collect(),
        keys,
        issuer: a.issuer,
        version: a.version,
        enqueue,
        visibility,
        set_errs: a.set_errs,
        timeout,
        run_id: run_id(),
    };
    let planned = checks::plan(a.version);
    let mut card = Scorecard::new(
        "aspsp",
        events.to_string(),
        planned.len(),
        Box::new(std::io::stdout()),
    );
    card.note(&format!(
        "setpoll conformance aspsp: {events} as {} ({} checks, {} client(s))\n",
        a.version.name(),
        planned.len(),
        target.clients.len()
    ));
    checks::run(&target, &mut card);
    finish(&mut card, &a.reports)
}

fn finish(card: &mut Scorecard, reports: &ReportArgs) -> Result<u8, Failure> {
    card.summary();
    card.write_files(reports.report.as_deref(), reports.junit.as_deref())
        .map_err(Failure::input)?;
    Ok(if card.ok() { 0 } else { 1 })
}

/// A child process started by `--poller-cmd`, stopped (by its own pid) on drop.
struct Poller(Child);

impl Drop for Poller {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn tpp(t: TppArgs) -> Result<u8, Failure> {
    if t.list {
        let mut text = String::new();
        for (name, what) in scenarios::SCENARIOS {
            text.push_str(&format!("{name:<22} {what}\n"));
        }
        print!("{text}");
        return Ok(0);
    }
    let mut names: Vec<&'static str> = Vec::new();
    for wanted in &t.scenarios {
        let found = scenarios::SCENARIOS
            .iter()
            .find(|(n, _)| n == wanted)
            .ok_or_else(|| {
                Failure::input(format!(
                    "--scenario {wanted}: no such scenario (see --list)"
                ))
            })?;
        names.push(found.0);
    }
    if names.is_empty() {
        names = scenarios::SCENARIOS.iter().map(|(n, _)| *n).collect();
    }
    if t.scenario_timeout_ms == 0 || t.scenario_timeout_ms > 600_000 {
        return Err(Failure::input("--scenario-timeout-ms must be 1..=600000"));
    }
    if t.wait_ms > 600_000 {
        return Err(Failure::input("--wait-ms must be at most 600000"));
    }
    let mut rng = setpoll_core::rand_core::OsRng;
    let mut key = |kid: &str| {
        SigningKey::generate_es256(&mut rng)
            .map(|k| k.with_kid(kid))
            .map_err(|e| Failure::input(format!("cannot generate a key: {e}")))
    };
    let signer = scenarios::Signer {
        main: key("conformance-1")?,
        rotated: key("conformance-2")?,
        unpublished: key("conformance-unpublished")?,
        issuer: t.issuer.clone(),
        client_id: t.client_id.clone(),
        version: t.version,
        run_id: run_id(),
    };
    let jwks = signer.jwks(false).map_err(Failure::input)?;
    let mock = mock::Mock::start(&t.listen, jwks, t.token.clone()).map_err(Failure::input)?;
    let planned = scenarios::plan(&names);
    let mut card = Scorecard::new(
        "tpp",
        mock.base.clone(),
        planned.len(),
        Box::new(std::io::stdout()),
    );
    card.note(&format!(
        "listening on {base}\n\
         point the poller at: events {base}/events (also {base}/open-banking/v3.1/events and /v4.0/events), \
         JWKS {base}/jwks, issuer {iss}, client id {cid}, version {v}\n",
        base = mock.base,
        iss = t.issuer,
        cid = t.client_id,
        v = t.version.name()
    ));
    let _poller = match &t.poller_cmd {
        Some(template) => Some(Poller(
            Command::new("sh")
                .arg("-c")
                .arg(template.replace("{url}", &mock.base))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .spawn()
                .map_err(|e| Failure::input(format!("--poller-cmd: {e}")))?,
        )),
        None => None,
    };
    scenarios::run(
        &mock,
        &signer,
        &names,
        Duration::from_millis(t.scenario_timeout_ms),
        Duration::from_millis(t.wait_ms),
        &mut card,
    )
    .map_err(Failure::input)?;
    finish(&mut card, &t.reports)
}
