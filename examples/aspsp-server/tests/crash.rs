//! End to end with the real poller: signatures verified against the served
//! JWKS, and a SIGKILL of the server in the middle of a polling run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::Value;

fn poller(server: &Server, scratch: &Scratch, token: &str, client: &str, expect: usize) -> Command {
    let mut cmd = Command::new(poller_binary());
    cmd.args([
        "--server",
        &server.base,
        "--token",
        token,
        "--client-id",
        client,
        "--state",
        &scratch
            .path(&format!("{client}.sqlite3"))
            .display()
            .to_string(),
        "--summary",
        &scratch
            .path(&format!("{client}.summary.json"))
            .display()
            .to_string(),
        "--expect",
        &expect.to_string(),
        "--max-events",
        "7",
        "--max-run-secs",
        "120",
        "--quiet",
    ])
    .stdout(Stdio::null())
    .stderr(Stdio::inherit());
    cmd
}

fn summary(scratch: &Scratch, client: &str) -> Value {
    let text = std::fs::read_to_string(scratch.path(&format!("{client}.summary.json"))).unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn every_event_reaches_the_poller_exactly_once_across_a_server_sigkill() {
    const N: usize = 240;
    let scratch = Scratch::new("crash");
    let db = database(&scratch).await;
    let mut server = Server::start(
        &scratch,
        &db,
        &[
            "--long-poll-wait-ms",
            "300",
            "--visibility-timeout-ms",
            "1500",
        ],
    );
    let mut queued = Vec::new();
    for n in 0..N {
        queued.push(enqueue(&server, CLIENT_A, n).await);
    }
    let mut child = poller(&server, &scratch, TOKEN_A, CLIENT_A, N)
        .spawn()
        .unwrap();

    // Kill the server once the poller is well into the run.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let s = stats(&server).await;
        if s["delivered"].as_u64().unwrap_or(0) >= (N / 3) as u64 {
            break;
        }
        assert!(Instant::now() < deadline, "poller made no progress: {s}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill9();
    tokio::time::sleep(Duration::from_millis(400)).await;
    server.restart();
    // Enqueue more after the restart: they must arrive too.
    for n in N..N + 10 {
        queued.push(enqueue(&server, CLIENT_A, n).await);
    }
    let status = tokio::task::spawn_blocking(move || {
        // The poller was told N; it keeps going until it holds N events, so
        // the 10 late ones are fetched by a second run below.
        child.wait().unwrap()
    })
    .await
    .unwrap();
    assert!(status.success(), "poller exit: {status}");
    let first = summary(&scratch, CLIENT_A);
    assert_eq!(first["storedTwice"], Value::from(0), "first run: {first}");
    assert_eq!(first["rejected"], Value::from(0), "first run: {first}");

    // A second run (same state file) picks up the rest.
    let status = poller(&server, &scratch, TOKEN_A, CLIENT_A, N + 10)
        .status()
        .unwrap();
    assert!(status.success(), "second poller run: {status}");

    let mut got = poller_events(&scratch.path(&format!("{CLIENT_A}.sqlite3"))).await;
    got.sort();
    let mut want = queued.clone();
    want.sort();
    assert_eq!(got, want, "every event processed, none missing, none extra");
    let s = summary(&scratch, CLIENT_A);
    assert_eq!(
        s["storedTwice"],
        Value::from(0),
        "no event applied twice: {s}"
    );

    // The server holds nothing for A any more: all acknowledged.
    let mut left = Value::Null;
    for _ in 0..50 {
        left = stats(&server).await;
        if left["byState"].as_object().is_some_and(|m| m.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(left["byState"], serde_json::json!({}), "{left}");
}

#[tokio::test]
async fn two_pollers_each_get_their_own_events_verified() {
    const N: usize = 60;
    let scratch = Scratch::new("two-pollers");
    let db = database(&scratch).await;
    let server = Server::start(&scratch, &db, &["--long-poll-wait-ms", "300"]);
    let mut a = Vec::new();
    let mut b = Vec::new();
    for n in 0..N {
        a.push(enqueue(&server, CLIENT_A, n).await);
        b.push(enqueue(&server, CLIENT_B, n).await);
    }
    let mut pa = poller(&server, &scratch, TOKEN_A, CLIENT_A, N)
        .spawn()
        .unwrap();
    let mut pb = poller(&server, &scratch, TOKEN_B, CLIENT_B, N)
        .spawn()
        .unwrap();
    let (sa, sb) = tokio::task::spawn_blocking(move || (pa.wait().unwrap(), pb.wait().unwrap()))
        .await
        .unwrap();
    assert!(sa.success() && sb.success(), "{sa} {sb}");
    for (client, want) in [(CLIENT_A, &mut a), (CLIENT_B, &mut b)] {
        let mut got = poller_events(&scratch.path(&format!("{client}.sqlite3"))).await;
        got.sort();
        want.sort();
        assert_eq!(&got, want, "{client} got exactly its own events");
        let s = summary(&scratch, client);
        assert_eq!(
            s["rejected"],
            Value::from(0),
            "every signature verified: {s}"
        );
    }
}
