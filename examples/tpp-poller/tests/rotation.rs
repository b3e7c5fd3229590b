//! End to end with the real aspsp-server: the server restarts with a new
//! signing key mid-stream (the old one still published), and every event
//! reaches the poller, none rejected, none dead-lettered; and an event
//! queued with every kind of claim is printed by the poller value for value.
//!
//! Needs the `aspsp-server` binary next to the poller's (`cargo build -p
//! setpoll-aspsp-server`, as `scripts/examples/test.sh` does) and a server
//! that takes `--signing-key` several times (the first signs, all are
//! served in `GET /jwks`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const ADMIN: &str = "admin-secret";

fn server_binary() -> PathBuf {
    let poller = PathBuf::from(env!("CARGO_BIN_EXE_tpp-poller"));
    let path = poller.with_file_name(format!("aspsp-server{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it first (cargo build -p setpoll-aspsp-server, or run scripts/examples/test.sh)",
        path.display()
    );
    path
}

struct Server {
    child: Child,
    base: String,
}

impl Server {
    /// Start on `listen` with the given signing keys (the first signs).
    fn start(dir: &Path, listen: &str, keys: &[&str]) -> Server {
        let clients = dir.join("clients.json");
        std::fs::write(&clients, json!({ "token-a": "client-a" }).to_string()).unwrap();
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let mut cmd = Command::new(server_binary());
            cmd.arg("--database")
                .arg(dir.join("aspsp.sqlite3"))
                .arg("--clients")
                .arg(&clients)
                .args(["--admin-token", ADMIN, "--key-alg", "es256"])
                .args([
                    "--visibility-timeout-ms",
                    "2000",
                    "--long-poll-wait-ms",
                    "300",
                ])
                .args(["--listen", listen]);
            for key in keys {
                cmd.arg("--signing-key").arg(dir.join(key));
            }
            let mut child = cmd
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .unwrap();
            let mut line = String::new();
            let _ = BufReader::new(child.stdout.take().unwrap()).read_line(&mut line);
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                return Server {
                    child,
                    base: url.to_owned(),
                };
            }
            let _ = child.kill();
            let _ = child.wait();
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    async fn enqueue(&self, n: usize) -> String {
        let body = json!({
            "clientId": "client-a",
            "sub": format!("https://aspsp.example/open-banking/v4.0/aisp/account-access-consents/aac-{n}"),
            "events": { "urn:uk:org:openbanking:events:resource-update": { "subject": {
                "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
                "http://openbanking.org.uk/rid": format!("aac-{n}"),
                "http://openbanking.org.uk/rty": "account-access-consent",
                "http://openbanking.org.uk/rlk": [{ "version": "v4.0",
                    "link": format!("https://aspsp.example/open-banking/v4.0/aisp/account-access-consents/aac-{n}") }]
            } } }
        });
        self.enqueue_body(&body).await
    }

    async fn enqueue_body(&self, body: &Value) -> String {
        let response = reqwest::Client::new()
            .post(format!("{}/admin/events", self.base))
            .bearer_auth(ADMIN)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        assert!(status.is_success(), "enqueue answered {status}: {text}");
        let v: Value = serde_json::from_str(&text).unwrap();
        v["jti"].as_str().unwrap().to_owned()
    }

    async fn stats(&self) -> Value {
        let text = reqwest::Client::new()
            .get(format!("{}/admin/stats", self.base))
            .bearer_auth(ADMIN)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        serde_json::from_str(&text).unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_new_signing_key_mid_stream_loses_no_event() {
    const N: usize = 40;
    let dir = std::env::temp_dir().join(format!("setpoll-rotation-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut server = Server::start(&dir, "127.0.0.1:0", &["k1.json"]);
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut want = Vec::new();
    for n in 0..N / 2 {
        want.push(server.enqueue(n).await);
    }

    // The poller fetches the JWKS (k1 only) once at start.
    let mut poller = Command::new(env!("CARGO_BIN_EXE_tpp-poller"))
        .args([
            "--server",
            &server.base,
            "--token",
            "token-a",
            "--client-id",
            "client-a",
        ])
        .args([
            "--max-events",
            "5",
            "--jwks-refresh-interval-ms",
            "500",
            "--quiet",
        ])
        .args([
            "--expect",
            &N.to_string(),
            "--max-run-secs",
            "90",
            "--state",
        ])
        .arg(dir.join("poller.sqlite3"))
        .arg("--summary")
        .arg(dir.join("summary.json"))
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();

    // Rotation: the server comes back signing with k2, still publishing k1.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    server.stop();
    let server = Server::start(&dir, &addr, &["k2.json", "k1.json"]);
    for n in N / 2..N {
        want.push(server.enqueue(n).await);
    }

    let status = tokio::task::spawn_blocking(move || poller.wait().unwrap())
        .await
        .unwrap();
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("summary.json")).unwrap()).unwrap();
    assert!(status.success(), "poller exit {status}: {summary}");
    assert_eq!(summary["eventsHeld"], json!(N), "{summary}");
    assert_eq!(summary["rejected"], json!(0), "none rejected: {summary}");
    assert_eq!(summary["storedTwice"], json!(0), "{summary}");
    assert!(
        summary["heldForKeys"].as_u64().unwrap() > 0,
        "the k2 SETs waited for a key refresh: {summary}"
    );
    assert!(summary["keyRefreshes"].as_u64().unwrap() >= 1, "{summary}");

    // Nothing dead-lettered, nothing left: every SET was acknowledged.
    let stats = server.stats().await;
    assert_eq!(stats["byState"], json!({}), "{stats}");
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(want.len(), N);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_claim_queued_reaches_the_printed_event() {
    let dir = std::env::temp_dir().join(format!("setpoll-claims-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let server = Server::start(&dir, "127.0.0.1:0", &["k1.json"]);
    let link = "https://aspsp.example/open-banking/v4.0/aisp/account-access-consents/aac-4";
    let event = json!({ "subject": {
        "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
        "http://openbanking.org.uk/rid": "aac-4",
        "http://openbanking.org.uk/rty": "account-access-consent",
        "http://openbanking.org.uk/rlk": [{ "version": "v4.0", "link": link }]
    } });
    let custom = json!({ "reason": "test", "n": [1, 2.5, null, true], "deep": { "a": "b" } });
    let queued = json!({
        "clientId": "client-a", "jti": "claims-1", "txn": "txn-7", "toe": 1_767_225_600,
        "exp": 4_102_444_800_u64, "nbf": 1_767_225_600, "sub": link,
        "sub_id": { "format": "opaque", "id": "customer-42" },
        "https://aspsp.example/branch": { "code": "LDN-01", "open": true, "rank": 2.5 },
        "events": {
            "urn:uk:org:openbanking:events:resource-update": event,
            "urn:example:custom": custom,
        }
    });
    assert_eq!(server.enqueue_body(&queued).await, "claims-1");

    let out = Command::new(env!("CARGO_BIN_EXE_tpp-poller"))
        .args(["--server", &server.base, "--token", "token-a"])
        .args(["--client-id", "client-a", "--expect", "1", "--state"])
        .arg(dir.join("claims-poller.sqlite3"))
        .args(["--return-immediately", "--max-run-secs", "60"])
        .stderr(Stdio::inherit())
        .output()
        .unwrap();
    assert!(out.status.success(), "poller exit {}", out.status);
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{text}");
    let got = &lines[0];
    // Every claim queued, value for value; the server's own iss, iat, aud added.
    for (name, value) in queued.as_object().unwrap() {
        if name != "clientId" {
            assert_eq!(&got[name], value, "{name} in {text}");
        }
    }
    assert_eq!(got["iss"], json!("https://aspsp.example/"), "{text}");
    assert_eq!(got["aud"], json!("client-a"), "{text}");
    assert!(got["iat"].as_i64().unwrap() > 1_700_000_000, "{text}");
    assert_eq!(
        got.as_object().unwrap().len(),
        queued.as_object().unwrap().len() - 1 + 3
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
