//! End to end with the real aspsp-server: the server restarts with a new
//! signing key mid-stream (the old one still published), and every event
//! reaches the poller, none rejected, none dead-lettered.
//!
//! Needs the `aspsp-server` binary next to the poller's (`cargo build -p
//! setpoll-aspsp-server`, as `scripts/examples/test.sh` does) and a server
//! that takes `--signing-key` several times (the first signs, all are
//! served in `GET /jwks`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

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
