//! The poller's command line, run as a process.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand_core::OsRng;
use setpoll_core::claims::SetClaims;
use setpoll_core::jose::{HeaderProfile, JwkSet, SigningKey};
use setpoll_core::set::sign_set;
use setpoll_core::Timestamp;

fn poller() -> Command {
    Command::new(env!("CARGO_BIN_EXE_tpp-poller"))
}

#[test]
fn help_lists_the_documented_flags() {
    let out = poller().arg("--help").output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--server",
        "--token",
        "--client-id",
        "--state",
        "--expect",
        "--jwks-url",
        "--events-url",
        "--set-err-codes",
        "--max-auth-failures",
    ] {
        assert!(text.contains(flag), "--help lacks {flag}:\n{text}");
    }
}

#[test]
fn an_unreachable_server_is_an_error_after_the_time_budget() {
    let dir = std::env::temp_dir().join(format!("setpoll-poller-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let started = Instant::now();
    // Port 9 (discard) on loopback: nothing listens there in a test box.
    let out = poller()
        .args([
            "--server",
            "http://127.0.0.1:9",
            "--token",
            "t",
            "--client-id",
            "c",
        ])
        .args(["--max-run-secs", "1", "--state"])
        .arg(dir.join("state.sqlite3"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("JWKS"), "says what failed: {err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// One request the fake ASPSP saw: when, path, body.
type Seen = Arc<Mutex<Vec<(Instant, String, String)>>>;

/// A fake ASPSP on loopback: `answer(path, body)` gives (status, body) for
/// each HTTP/1.1 request (keep-alive honoured). Runs until the test ends.
fn fake_aspsp(
    answer: impl Fn(&str, &str) -> (u16, String) + Send + Sync + 'static,
) -> (String, Seen) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen: Seen = Arc::default();
    let log = seen.clone();
    let answer = Arc::new(answer);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let answer = answer.clone();
            let log = log.clone();
            std::thread::spawn(move || serve(stream, &*answer, &log));
        }
    });
    (base, seen)
}

fn serve(stream: TcpStream, answer: &dyn Fn(&str, &str) -> (u16, String), log: &Seen) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let path = line.split(' ').nth(1).unwrap_or("").to_owned();
        let mut length = 0usize;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
        }
        let mut body = vec![0u8; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let body = String::from_utf8_lossy(&body).into_owned();
        let (status, reply) = answer(&path, &body);
        log.lock().unwrap().push((Instant::now(), path, body));
        let head = format!(
            "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
            reply.len()
        );
        if writer.write_all(head.as_bytes()).is_err() || writer.write_all(reply.as_bytes()).is_err()
        {
            return;
        }
    }
}

/// The fake ASPSP's key, its JWKS, and a SET signed with it.
fn bank() -> (SigningKey, String) {
    let key = SigningKey::generate_es256(&mut OsRng)
        .unwrap()
        .with_kid("k1");
    let jwks = JwkSet::new(vec![key.to_public_jwk()]).unwrap().to_json();
    (key, jwks)
}

fn set(key: &SigningKey, jti: &str) -> String {
    let claims = SetClaims::from_json(
        format!(
            r#"{{"iss":"https://aspsp.example/","iat":{},"jti":"{jti}","aud":"c","events":{{"urn:example:ping":{{}}}}}}"#,
            Timestamp::from_millis(now_ms()).as_secs()
        )
        .as_bytes(),
    )
    .unwrap();
    sign_set(
        &claims,
        key,
        &HeaderProfile::rfc8417(),
        Timestamp::from_millis(now_ms()),
    )
    .unwrap()
}

fn now_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("setpoll-poller-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A transmitter that ignores `ack` (it reads `acks`, say): every poll
/// gets the same SETs back. The poller acknowledges them over and over but
/// backs off instead of spinning: at most about 2 requests a second after
/// the first few seconds.
#[test]
fn a_transmitter_that_ignores_acks_is_not_hammered() {
    let (key, jwks) = bank();
    let same = format!(
        r#"{{"sets":{{"a":"{}","b":"{}"}},"moreAvailable":true}}"#,
        set(&key, "a"),
        set(&key, "b")
    );
    let (base, seen) = fake_aspsp(move |path, body| match path {
        "/jwks" => (200, jwks.clone()),
        _ if body.contains(r#""maxEvents":0"#) => {
            (200, r#"{"sets":{},"moreAvailable":true}"#.into())
        }
        _ => (200, same.clone()),
    });
    let dir = scratch("spin");
    let started = Instant::now();
    let out = poller()
        .args([
            "--server",
            &base,
            "--token",
            "t",
            "--client-id",
            "c",
            "--quiet",
        ])
        .args(["--return-immediately", "--max-run-secs", "10", "--state"])
        .arg(dir.join("state.sqlite3"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(3), "runs to its time budget");
    let seen = seen.lock().unwrap();
    let polls: Vec<Instant> = seen
        .iter()
        .filter(|(_, p, _)| p.ends_with("/events"))
        .map(|(at, _, _)| *at)
        .collect();
    let late = polls
        .iter()
        .filter(|at| at.duration_since(started) >= Duration::from_secs(4))
        .count();
    eprintln!(
        "{} requests in 10 s, {late} after the first 4 s",
        polls.len()
    );
    assert!(late <= 12, "{late} requests in the last 6 s");
    assert!(polls.len() < 40, "{} requests", polls.len());
    // Every poll still carried the acks.
    let last = &seen
        .iter()
        .rev()
        .find(|(_, p, _)| p.ends_with("/events"))
        .unwrap()
        .2;
    assert!(last.contains(r#""ack":["a","b"]"#), "{last}");
}

#[test]
fn a_refused_token_ends_the_run_with_a_message() {
    let (_, jwks) = bank();
    let (base, _) = fake_aspsp(move |path, _| match path {
        "/jwks" => (200, jwks.clone()),
        _ => (401, r#"{"Code":"401","Message":"token expired"}"#.into()),
    });
    let dir = scratch("auth");
    let started = Instant::now();
    let out = poller()
        .args(["--server", &base, "--token", "t", "--client-id", "c"])
        .args(["--max-run-secs", "60", "--state"])
        .arg(dir.join("state.sqlite3"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(out.status.code(), Some(4));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refused the access token 3 times"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// `--events-url` names the whole URL; a 404 to the long poll makes the
/// poller ask for `returnImmediately: true` instead.
#[test]
fn events_url_and_the_long_poll_fallback() {
    let (key, jwks) = bank();
    let one = format!(
        r#"{{"sets":{{"e1":"{}"}},"moreAvailable":false}}"#,
        set(&key, "e1")
    );
    let (base, seen) = fake_aspsp(move |path, body| match path {
        "/keys" => (200, jwks.clone()),
        "/custom/events" if !body.contains(r#""returnImmediately":true"#) => (404, String::new()),
        "/custom/events" if body.contains(r#""maxEvents":0"#) => (200, r#"{"sets":{}}"#.into()),
        "/custom/events" => (200, one.clone()),
        _ => (500, String::new()),
    });
    let dir = scratch("url");
    let out = poller()
        .args(["--events-url", &format!("{base}/custom/events")])
        .args(["--jwks-url", &format!("{base}/keys")])
        .args([
            "--token",
            "t",
            "--client-id",
            "c",
            "--set-err-codes",
            "rfc8935",
        ])
        .args(["--expect", "1", "--max-run-secs", "30", "--state"])
        .arg(dir.join("state.sqlite3"))
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{err}");
    assert!(err.contains("returnImmediately: true from now on"), "{err}");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains(r#""jti":"e1""#), "{stdout}");
    let seen = seen.lock().unwrap();
    let bodies: Vec<&str> = seen
        .iter()
        .filter(|(_, p, _)| p == "/custom/events")
        .map(|(_, _, b)| b.as_str())
        .collect();
    assert!(!bodies[0].contains("returnImmediately"), "{bodies:?}");
    assert!(
        bodies[1].contains(r#""returnImmediately":true"#),
        "{bodies:?}"
    );
    assert!(
        bodies.iter().any(|b| b.contains(r#""ack":["e1"]"#)),
        "{bodies:?}"
    );
}
