//! `setpoll conformance` against deliberately broken peers: a fake ASPSP
//! (the core's `MemoryQueue` behind a tiny HTTP server, with one bug switched
//! on at a time) and a fake poller (`verify_set` in a loop, likewise). Each
//! correct peer must pass every check; each bug must fail exactly the checks
//! that test its rule, so no check passes vacuously.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{json, Value};
use setpoll_core::claims::SetClaims;
use setpoll_core::codes::Vocabulary;
use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
use setpoll_core::set::{sign_set, verify_set, VerifyPolicy};
use setpoll_core::transmitter::{MemoryQueue, TransmitterConfig};
use setpoll_core::wire::{EventPolling, RequestOptions};
use setpoll_core::Timestamp;

const BIN: &str = env!("CARGO_BIN_EXE_setpoll");
const ISS: &str = "https://aspsp.example/";

fn now() -> Timestamp {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    Timestamp::from_millis(d.as_millis() as u64)
}

fn temp(name: &str) -> std::path::PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    std::env::temp_dir().join(format!(
        "setpoll-conf-{}-{}-{name}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    ))
}

type Headers = Vec<(String, String)>;

/// Minimal request reading for the fakes (Content-Length bodies).
fn read_request(s: &mut TcpStream) -> Option<(String, String, Headers, Vec<u8>)> {
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut raw = Vec::new();
    let mut buf = [0u8; 8192];
    let end = loop {
        if let Some(i) = raw.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        raw.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let first: Vec<&str> = lines.next()?.split(' ').collect();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .map_or(0, |(_, v)| v.parse().unwrap());
    let mut body = raw[end + 4..].to_vec();
    while body.len() < len {
        let n = s.read(&mut buf).ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&buf[..n]);
    }
    Some((first[0].to_owned(), first[1].to_owned(), headers, body))
}

fn respond(s: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &str) {
    let mut out = format!(
        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (n, v) in headers {
        out.push_str(&format!("{n}: {v}\r\n"));
    }
    out.push_str("\r\n");
    out.push_str(body);
    let _ = s.write_all(out.as_bytes());
}

// ---------------------------------------------------------------- fake ASPSP

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum ServerBug {
    None,
    AckAcrossClients,
    MaxEventsZeroReturns,
    OmitMoreAvailable,
    ResignsEachDelivery,
}

fn fake_server(bug: ServerBug) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let key = SigningKey::generate_es256(&mut setpoll_core::rand_core::OsRng)
        .unwrap()
        .with_kid("fake-1");
    let jwks = JwkSet::new(vec![key.to_public_jwk()]).unwrap().to_json();
    let config = TransmitterConfig {
        visibility_timeout: Duration::from_millis(300),
        ..TransmitterConfig::default()
    };
    let queue = Arc::new(Mutex::new(MemoryQueue::new(config).unwrap()));
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (queue, key, jwks) = (Arc::clone(&queue), key.clone(), jwks.clone());
            std::thread::spawn(move || serve_fake(stream, bug, &queue, &key, &jwks));
        }
    });
    base
}

fn serve_fake(
    mut s: TcpStream,
    bug: ServerBug,
    queue: &Mutex<MemoryQueue>,
    key: &SigningKey,
    jwks: &str,
) {
    let Some((method, path, headers, body)) = read_request(&mut s) else {
        return;
    };
    let h = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let json_ct = ("Content-Type", "application/json".to_owned());
    if method == "GET" && path == "/jwks" {
        return respond(&mut s, 200, &[json_ct], jwks);
    }
    if path == "/admin/events" {
        let v: Value = serde_json::from_slice(&body).unwrap();
        let iat = now().as_secs() as i64;
        let mut claims = v.clone();
        let obj = claims.as_object_mut().unwrap();
        let client = obj.remove("clientId").unwrap();
        obj.insert("aud".into(), client);
        obj.insert("iss".into(), json!(ISS));
        obj.insert("iat".into(), json!(iat));
        obj.insert("toe".into(), json!(iat));
        let claims = SetClaims::from_json(claims.to_string().as_bytes()).unwrap();
        let profile = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap();
        let token = sign_set(&claims, key, &profile, now()).unwrap();
        let _ = queue.lock().unwrap().enqueue(token, now()).unwrap();
        return respond(&mut s, 201, &[json_ct], "{}");
    }
    let id = h("x-fapi-interaction-id").unwrap_or_else(|| "fake-id".into());
    let echo = ("x-fapi-interaction-id", id.clone());
    let client = match h("authorization").as_deref() {
        Some("Bearer token-a") => "client-a",
        Some("Bearer token-b") => "client-b",
        _ => return respond(&mut s, 401, &[echo], ""),
    };
    if h("accept").is_some_and(|a| !a.contains("json") && !a.contains("*/*")) {
        return respond(&mut s, 406, &[echo], "");
    }
    if !h("content-type").is_some_and(|c| c.starts_with("application/json")) {
        return respond(&mut s, 415, &[echo], "");
    }
    let mut request = match EventPolling::parse(&body, &RequestOptions::default()) {
        Ok(r) => r,
        Err(e) => {
            return respond(
                &mut s,
                400,
                &[json_ct, echo],
                &e.to_error_response(&id).to_json(),
            )
        }
    };
    let mut q = queue.lock().unwrap();
    if bug == ServerBug::AckAcrossClients && !request.ack.is_empty() {
        let other = if client == "client-a" {
            "client-b"
        } else {
            "client-a"
        };
        let acks = EventPolling {
            max_events: Some(0),
            ack: request.ack.clone(),
            ..EventPolling::default()
        };
        let _ = q.poll(other, &acks, now());
    }
    if bug == ServerBug::MaxEventsZeroReturns && request.max_events == Some(0) {
        request.max_events = None;
    }
    let outcome = q.poll(client, &request, now());
    let mut out = outcome.response().unwrap().to_json();
    if bug == ServerBug::ResignsEachDelivery {
        use base64::Engine as _;
        let mut v: Value = serde_json::from_str(&out).unwrap();
        for token in v["sets"].as_object_mut().unwrap().values_mut() {
            let payload = token
                .as_str()
                .unwrap()
                .split('.')
                .nth(1)
                .unwrap()
                .to_owned();
            let claims = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap();
            let claims = SetClaims::from_json(&claims).unwrap();
            let profile = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap();
            *token = json!(sign_set(&claims, key, &profile, now()).unwrap());
        }
        out = v.to_string();
    }
    if bug == ServerBug::OmitMoreAvailable {
        let mut v: Value = serde_json::from_str(&out).unwrap();
        v.as_object_mut().unwrap().remove("moreAvailable");
        out = v.to_string();
    }
    drop(q);
    respond(&mut s, 200, &[json_ct, echo], &out);
}

/// Run `conformance aspsp` against a fake; return (exit code, failed ids, passed count).
fn run_aspsp(bug: ServerBug) -> (i32, BTreeSet<String>, usize) {
    let base = fake_server(bug);
    let report = temp("aspsp.json");
    let out = Command::new(BIN)
        .args(["conformance", "aspsp", "--events-url"])
        .arg(format!("{base}/events"))
        .args(["--token", "token-a", "--client-id", "client-a"])
        .args(["--token", "token-b", "--client-id", "client-b"])
        .args(["--jwks-url", &format!("{base}/jwks"), "--issuer", ISS])
        .args([
            "--enqueue-url",
            &format!("{base}/admin/events"),
            "--enqueue-token",
            "admin",
        ])
        .args(["--visibility-timeout-ms", "300", "--report"])
        .arg(&report)
        .output()
        .unwrap();
    failed_ids(out, &report)
}

fn failed_ids(
    out: std::process::Output,
    report: &std::path::Path,
) -> (i32, BTreeSet<String>, usize) {
    let text = std::fs::read_to_string(report).unwrap_or_else(|_| {
        panic!(
            "no report; stdout {}\nstderr {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let _ = std::fs::remove_file(report);
    let v: Value = serde_json::from_str(&text).unwrap();
    let checks = v["checks"].as_array().unwrap();
    let failed = checks
        .iter()
        .filter(|c| c["outcome"] == "fail")
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect();
    let passed = checks.iter().filter(|c| c["outcome"] == "pass").count();
    (out.status.code().unwrap(), failed, passed)
}

fn set(ids: &[&str]) -> BTreeSet<String> {
    ids.iter().map(|s| (*s).to_owned()).collect()
}

/// Exactly `ids` failed, and the exit code says so.
fn expect_failures((code, failed, _): (i32, BTreeSet<String>, usize), ids: &[&str]) {
    assert_eq!(failed, set(ids));
    assert_eq!(code, if ids.is_empty() { 0 } else { 1 });
}

#[test]
fn aspsp_correct_fake_passes_every_check() {
    let (code, failed, passed) = run_aspsp(ServerBug::None);
    assert_eq!(failed, set(&[]));
    assert_eq!(code, 0);
    assert!(passed >= 30, "{passed}");
}

#[test]
fn aspsp_acks_across_clients_fails_only_the_cross_client_ack_check() {
    expect_failures(
        run_aspsp(ServerBug::AckAcrossClients),
        &["ack-cross-client"],
    );
}

#[test]
fn aspsp_events_for_max_events_zero_fail_the_checks_that_send_it() {
    // Every check whose request says maxEvents 0 while SETs wait.
    expect_failures(
        run_aspsp(ServerBug::MaxEventsZeroReturns),
        &["max-events-zero", "ack-unknown-jti", "set-errs-unknown-jti"],
    );
}

#[test]
fn aspsp_missing_more_available_fails_the_checks_that_read_it() {
    expect_failures(
        run_aspsp(ServerBug::OmitMoreAvailable),
        &[
            "empty-response",
            "max-events-zero",
            "max-events-absent",
            "max-events-over-cap",
            "more-available-exact",
            "ack-unknown-jti",
            "set-errs-unknown-jti",
        ],
    );
}

#[test]
fn aspsp_resigning_on_redelivery_fails_only_the_byte_identical_check() {
    expect_failures(
        run_aspsp(ServerBug::ResignsEachDelivery),
        &["redelivery-byte-identical"],
    );
}

// ---------------------------------------------------------------- fake poller

#[derive(Copy, Clone, PartialEq, Eq, Debug)]
enum PollerBug {
    None,
    DropsAcks,
    Spins,
    SnakeCase,
    /// Fetches the JWKS once and never again.
    FetchesKeysOnce,
}

fn http(base: &str, method: &str, path: &str, body: &str) -> Option<(u16, Headers, String)> {
    let addr = base.strip_prefix("http://").unwrap();
    let mut s = TcpStream::connect(addr).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nAuthorization: Bearer token-t\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).ok()?;
    let mut raw = String::new();
    s.read_to_string(&mut raw).ok()?;
    let (head, body) = raw.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Some((status, headers, body.to_owned()))
}

fn fake_poller(base: String, bug: PollerBug, stop: Arc<AtomicBool>) {
    let keyring = |base: &str| {
        let (_, _, jwks) = http(base, "GET", "/jwks", "")?;
        Keyring::new(&JwkSet::from_json(jwks.as_bytes()).ok()?).ok()
    };
    let mut keys = None;
    let mut acks: Vec<String> = Vec::new();
    let mut errs = serde_json::Map::new();
    let mut failures = 0u32;
    let mut more = false;
    let pause = |d: Duration| {
        if bug != PollerBug::Spins {
            std::thread::sleep(d);
        }
    };
    let max_key = if bug == PollerBug::SnakeCase {
        "max_events"
    } else {
        "maxEvents"
    };
    while !stop.load(Ordering::SeqCst) {
        if keys.is_none() {
            keys = keyring(&base);
            if keys.is_none() {
                std::thread::sleep(Duration::from_millis(100));
                continue;
            }
        }
        let flush = !(acks.is_empty() && errs.is_empty());
        let mut body = json!({ "returnImmediately": true });
        body[max_key] = json!(if flush { 0 } else { 10 });
        if !acks.is_empty() {
            body["ack"] = json!(acks);
        }
        if !errs.is_empty() {
            body["setErrs"] = Value::Object(errs.clone());
        }
        let answer = http(&base, "POST", "/events", &body.to_string());
        let Some((200, _, text)) = answer.clone() else {
            if bug == PollerBug::DropsAcks {
                acks.clear();
                errs.clear();
            }
            failures += 1;
            let retry = answer
                .as_ref()
                .and_then(|(_, h, _)| {
                    h.iter()
                        .find(|(n, _)| n == "retry-after")
                        .map(|(_, v)| v.clone())
                })
                .and_then(|v| v.parse::<u64>().ok())
                .map(Duration::from_secs);
            let backoff = Duration::from_millis(250 * u64::from(failures.min(4)));
            pause(retry.map_or(backoff, |r| r.max(backoff)));
            continue;
        };
        failures = 0;
        acks.clear();
        errs.clear();
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        more = v["moreAvailable"].as_bool().unwrap_or(false);
        let policy = VerifyPolicy::new(ISS, "client-t");
        for (jti, token) in v["sets"].as_object().cloned().unwrap_or_default() {
            let token = token.as_str().unwrap_or_default();
            let mut result = verify_set(token, keys.as_ref().unwrap(), &policy, now());
            if result
                .as_ref()
                .err()
                .is_some_and(|e| e.code() == "unknown_kid")
                && bug != PollerBug::FetchesKeysOnce
            {
                keys = keyring(&base).or(keys);
                result = verify_set(token, keys.as_ref().unwrap(), &policy, now());
            }
            match result {
                Ok(_) => acks.push(jti),
                Err(e) => {
                    errs.insert(
                        jti,
                        json!({"err": e.set_err(Vocabulary::Obie).as_str(), "description": "rejected"}),
                    );
                }
            }
        }
        if acks.is_empty() && errs.is_empty() && !more {
            pause(Duration::from_millis(150));
        }
    }
    let _ = more;
}

/// Run `conformance tpp` with the fake poller; return (exit code, failed ids, passed).
fn run_tpp(bug: PollerBug) -> (i32, BTreeSet<String>, usize) {
    let report = temp("tpp.json");
    let mut child = Command::new(BIN)
        .args(["conformance", "tpp", "--listen", "127.0.0.1:0"])
        .args(["--client-id", "client-t", "--token", "token-t"])
        .args([
            "--scenario-timeout-ms",
            "8000",
            "--wait-ms",
            "10000",
            "--report",
        ])
        .arg(&report)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base = first.strip_prefix("listening on ").unwrap().to_owned();
    let stop = Arc::new(AtomicBool::new(false));
    let poller = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || fake_poller(base, bug, stop))
    };
    let mut stdout = first;
    for line in lines {
        stdout.push('\n');
        stdout.push_str(&line.unwrap());
    }
    let status = child.wait().unwrap();
    stop.store(true, Ordering::SeqCst);
    poller.join().unwrap();
    let out = std::process::Output {
        status,
        stdout: stdout.into_bytes(),
        stderr: Vec::new(),
    };
    failed_ids(out, &report)
}

#[test]
fn tpp_correct_fake_poller_passes_every_check() {
    let (code, failed, passed) = run_tpp(PollerBug::None);
    assert_eq!(failed, set(&[]));
    assert_eq!(code, 0);
    assert_eq!(passed, 17);
}

#[test]
fn tpp_poller_that_never_refetches_its_jwks_fails_only_the_recommended_key_rotation() {
    // The 30 s allowance for a refresh rate limit does not pass a poller
    // that rejects the rotated key's SET outright; the check is recommended,
    // so the run still passes.
    let (code, failed, passed) = run_tpp(PollerBug::FetchesKeysOnce);
    assert_eq!(failed, set(&["key-rotation"]));
    assert_eq!(code, 0);
    assert_eq!(passed, 16);
}

#[test]
fn tpp_poller_that_drops_acks_on_failure_fails_the_failure_scenarios() {
    expect_failures(
        run_tpp(PollerBug::DropsAcks),
        &["rate-limited", "unavailable", "dropped-response"],
    );
}

#[test]
fn tpp_poller_that_spins_fails_idle_and_backoff() {
    expect_failures(
        run_tpp(PollerBug::Spins),
        &["idle", "rate-limited", "unavailable"],
    );
}

#[test]
fn tpp_poller_that_sends_max_events_fails_the_body_checks() {
    expect_failures(
        run_tpp(PollerBug::SnakeCase),
        &[
            "request-bodies-valid",
            "max-events-camel-case",
            "ack-only-flush",
        ],
    );
}

#[test]
fn bad_flags_and_unreachable_urls_exit_2() {
    let free = TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", free.local_addr().unwrap());
    drop(free);
    let base = [
        "conformance",
        "aspsp",
        "--token",
        "t",
        "--client-id",
        "c",
        "--issuer",
        "i",
    ];
    let cases: Vec<Vec<String>> = vec![
        // unreachable JWKS URL
        vec![
            "--events-url".into(),
            format!("{dead}/events"),
            "--jwks-url".into(),
            format!("{dead}/jwks"),
            "--enqueue-cmd".into(),
            "true {client} {n}".into(),
        ],
        // https is refused with a message
        vec![
            "--events-url".into(),
            "https://bank.example/events".into(),
            "--jwks-url".into(),
            format!("{dead}/jwks"),
            "--enqueue-cmd".into(),
            "true {client} {n}".into(),
        ],
        // no way to queue SETs
        vec![
            "--events-url".into(),
            format!("{dead}/events"),
            "--jwks-url".into(),
            format!("{dead}/jwks"),
        ],
        // unknown version
        vec![
            "--events-url".into(),
            format!("{dead}/events"),
            "--jwks-url".into(),
            format!("{dead}/jwks"),
            "--version".into(),
            "v9".into(),
        ],
    ];
    for extra in cases {
        let out = Command::new(BIN).args(base).args(&extra).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {stderr}");
        assert!(!stderr.trim().is_empty(), "{extra:?}: no message");
    }
    // no poller ever polls the mock
    let out = Command::new(BIN)
        .args([
            "conformance",
            "tpp",
            "--listen",
            "127.0.0.1:0",
            "--wait-ms",
            "200",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no poller sent POST /events"));
    let out = Command::new(BIN)
        .args(["conformance", "tpp", "--scenario", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(BIN)
        .args(["conformance", "tpp", "--list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 12);
}
