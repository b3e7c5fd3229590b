//! Test harness: run the real `aspsp-server` binary on a loopback port.
//!
//! The database is a fresh SQLite file per server, or, when
//! `SETPOLL_TEST_POSTGRES` holds a `postgres://` URL (see
//! `scripts/examples/test.sh`), a fresh database created on that server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    dead_code,
    missing_docs
)]

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

pub const ADMIN: &str = "admin-secret";
pub const TOKEN_A: &str = "token-a";
pub const TOKEN_B: &str = "token-b";
pub const CLIENT_A: &str = "client-a";
pub const CLIENT_B: &str = "client-b";

/// A scratch directory removed on drop.
pub struct Scratch(pub PathBuf);

impl Scratch {
    pub fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("setpoll-{name}-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    pub fn path(&self, file: &str) -> PathBuf {
        self.0.join(file)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A database for one test: a SQLite file in `scratch`, or a fresh
/// PostgreSQL database.
pub async fn database(scratch: &Scratch) -> String {
    match std::env::var("SETPOLL_TEST_POSTGRES") {
        Ok(base) if base.starts_with("postgres") => {
            use sqlx::Executor as _;
            sqlx::any::install_default_drivers();
            let name = format!("t_{}", uuid::Uuid::new_v4().simple());
            let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&base)
                .await
                .unwrap();
            conn.execute(format!("CREATE DATABASE {name}").as_str())
                .await
                .unwrap();
            let (prefix, _) = base.rsplit_once('/').unwrap();
            format!("{prefix}/{name}")
        }
        _ => scratch.path("aspsp.sqlite3").display().to_string(),
    }
}

pub fn is_postgres() -> bool {
    std::env::var("SETPOLL_TEST_POSTGRES").is_ok_and(|v| v.starts_with("postgres"))
}

/// A running server process.
pub struct Server {
    child: Child,
    pub base: String,
    pub addr: String,
    args: Vec<String>,
}

pub fn server_binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_aspsp-server"))
}

/// The poller binary, built next to the server (`cargo build -p setpoll-tpp-poller`).
pub fn poller_binary() -> PathBuf {
    let path =
        server_binary().with_file_name(format!("tpp-poller{}", std::env::consts::EXE_SUFFIX));
    assert!(
        path.exists(),
        "{} is missing: build it first (cargo build -p setpoll-tpp-poller, or run scripts/examples/test.sh)",
        path.display()
    );
    path
}

impl Server {
    /// Start on a free port with `extra` flags.
    pub fn start(scratch: &Scratch, database: &str, extra: &[&str]) -> Server {
        let clients = scratch.path("clients.json");
        std::fs::write(
            &clients,
            json!({ TOKEN_A: CLIENT_A, TOKEN_B: CLIENT_B }).to_string(),
        )
        .unwrap();
        let mut args: Vec<String> = vec![
            "--database".into(),
            database.into(),
            "--clients".into(),
            clients.display().to_string(),
            "--admin-token".into(),
            ADMIN.into(),
            "--signing-key".into(),
            scratch.path("signing-key.json").display().to_string(),
            "--key-alg".into(),
            "es256".into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        Self::spawn(args, "127.0.0.1:0")
    }

    /// Start with exactly `args` (no defaults), stderr into `log` when given.
    pub fn start_raw(args: Vec<String>, log: Option<&Path>) -> Server {
        Self::spawn_with(args, "127.0.0.1:0", log)
    }

    fn spawn(args: Vec<String>, listen: &str) -> Server {
        Self::spawn_with(args, listen, None)
    }

    fn spawn_with(args: Vec<String>, listen: &str, log: Option<&Path>) -> Server {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let stderr = match log {
                Some(path) => Stdio::from(
                    std::fs::OpenOptions::new()
                        .create(true)
                        .append(true)
                        .open(path)
                        .unwrap(),
                ),
                // One log line per request is a lot of test output: shown
                // only when asked for.
                None if std::env::var_os("SETPOLL_TEST_SERVER_LOGS").is_some() => Stdio::inherit(),
                None => Stdio::null(),
            };
            let mut child = Command::new(server_binary())
                .args(&args)
                .args(["--listen", listen])
                .stdout(Stdio::piped())
                .stderr(stderr)
                .spawn()
                .unwrap();
            let stdout = child.stdout.take().unwrap();
            let mut line = String::new();
            let _ = BufReader::new(stdout).read_line(&mut line);
            if let Some(url) = line.trim().strip_prefix("listening on ") {
                let addr = url.trim_start_matches("http://").to_owned();
                return Server {
                    child,
                    base: url.to_owned(),
                    addr,
                    args,
                };
            }
            // The port may still be held briefly after a kill: retry.
            let _ = child.kill();
            let _ = child.wait();
            assert!(Instant::now() < deadline, "server did not start");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// SIGKILL the process (no graceful shutdown).
    pub fn kill9(&mut self) {
        let _ = self.child.kill(); // SIGKILL on Unix
        let _ = self.child.wait();
    }

    /// Start again on the same address and database.
    pub fn restart(&mut self) {
        self.kill9();
        let again = Self::spawn(self.args.clone(), &self.addr.clone());
        *self = again;
    }

    pub fn events_url(&self, version: &str) -> String {
        format!("{}/open-banking/{version}/events", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill9();
    }
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// `POST /admin/events` with `body`; returns (status, answer).
pub async fn post_admin(server: &Server, body: &Value) -> (u16, Value) {
    let response = http()
        .post(format!("{}/admin/events", server.base))
        .bearer_auth(ADMIN)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

/// Enqueue one resource-update SET for `client`; returns its `jti`.
pub async fn enqueue(server: &Server, client: &str, n: usize) -> String {
    let (status, v) = post_admin(server, &admin_item(client, n)).await;
    assert!(
        (200..300).contains(&status),
        "enqueue answered {status}: {v}"
    );
    v["jti"].as_str().unwrap().to_owned()
}

/// Enqueue `count` SETs for `client` through the batch form, numbered from
/// `first`; returns their `jti`s.
pub async fn enqueue_batch(
    server: &Server,
    client: &str,
    first: usize,
    count: usize,
) -> Vec<String> {
    let mut out = Vec::with_capacity(count);
    let mut n = first;
    while out.len() < count {
        let take = (count - out.len()).min(500);
        let items: Vec<Value> = (n..n + take).map(|i| admin_item(client, i)).collect();
        n += take;
        let (status, v) = post_admin(server, &Value::Array(items)).await;
        assert_eq!(status, 201, "{v}");
        for r in v["results"].as_array().unwrap() {
            out.push(r["jti"].as_str().unwrap().to_owned());
        }
    }
    out
}

/// One admin `POST /admin/events` item: a resource-update SET.
pub fn admin_item(client: &str, n: usize) -> Value {
    json!({
        "clientId": client,
        "sub": format!("https://aspsp.example/open-banking/v4.0/aisp/account-access-consents/aac-{n}"),
        "events": {
            "urn:uk:org:openbanking:events:resource-update": {
                "subject": {
                    "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
                    "http://openbanking.org.uk/rid": format!("aac-{n}"),
                    "http://openbanking.org.uk/rty": "account-access-consent",
                    "http://openbanking.org.uk/rlk": [{
                        "version": "v4.0",
                        "link": format!("https://aspsp.example/open-banking/v4.0/aisp/account-access-consents/aac-{n}")
                    }]
                }
            }
        }
    })
}

/// `POST /events` as `token` with a JSON body; returns (status, body).
pub async fn poll(server: &Server, version: &str, token: &str, body: Value) -> (u16, Value) {
    let response = http()
        .post(server.events_url(version))
        .bearer_auth(token)
        .header("content-type", "application/json; charset=utf-8")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    let text = response.text().await.unwrap();
    let value = if text.is_empty() {
        Value::Null
    } else {
        serde_json::from_str(&text).unwrap_or(Value::String(text))
    };
    (status, value)
}

/// The `jti`s of a response's `sets`, in order.
pub fn jtis(body: &Value) -> Vec<String> {
    body["sets"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

pub async fn stats(server: &Server) -> Value {
    http()
        .get(format!("{}/admin/stats", server.base))
        .bearer_auth(ADMIN)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Read a poller's processed `jti`s from its state file.
pub async fn poller_events(state: &Path) -> Vec<String> {
    use sqlx::Row as _;
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", state.display());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
        .await
        .unwrap();
    sqlx::query("SELECT jti FROM events ORDER BY jti")
        .fetch_all(&mut conn)
        .await
        .unwrap()
        .iter()
        .map(|r| r.get::<String, _>("jti"))
        .collect()
}
