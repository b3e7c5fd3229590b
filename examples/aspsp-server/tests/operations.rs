//! What an operator relies on: the README's commands, logs, health and
//! metrics, secrets and keys, header profiles, the batch admin form, bad
//! strings and slow clients.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

fn base_args(scratch: &Scratch, db: &str) -> Vec<String> {
    let clients = scratch.path("clients.json");
    std::fs::write(
        &clients,
        json!({ TOKEN_A: CLIENT_A, TOKEN_B: { "clientId": CLIENT_B, "headerProfile": "rfc8417" } })
            .to_string(),
    )
    .unwrap();
    let token = scratch.path("admin-token");
    std::fs::write(&token, format!("{ADMIN}\n")).unwrap();
    [
        "--database",
        db,
        "--clients",
        &clients.display().to_string(),
        "--admin-token-file",
        &token.display().to_string(),
        "--key-alg",
        "es256",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect()
}

fn header_of(token: &str) -> Value {
    use base64::Engine as _;
    let head = token.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(head)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// `GET url`: (status, body), or (0, the error) when no answer came.
async fn get(url: &str) -> (u16, String) {
    match http().get(url).send().await {
        Ok(r) => (r.status().as_u16(), r.text().await.unwrap()),
        Err(e) => (0, e.to_string()),
    }
}

/// The shell blocks of the README, with the expected answer of each
/// `# NNN {...}` comment.
fn readme_blocks() -> Vec<String> {
    let text = include_str!("../README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```sh") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            _ => {}
        }
    }
    blocks
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[tokio::test]
async fn readme_commands_run_as_written() {
    let scratch = Scratch::new("readme");
    let blocks = readme_blocks();
    assert!(blocks.len() >= 5, "README shell blocks: {}", blocks.len());
    let port = free_port();
    let here = format!("127.0.0.1:{port}");
    let adapt = |block: &str| {
        block.replace("127.0.0.1:8080", &here).replace(
            "cargo run -p setpoll-aspsp-server --",
            &format!("exec {}", server_binary().display()),
        )
    };
    // The first block starts the server (in the foreground, as written).
    let start = adapt(&blocks[0]);
    assert!(start.contains("exec "), "first block starts the server");
    let mut server = Command::new("sh")
        .args(["-ec", &start])
        .current_dir(&scratch.0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while get(&format!("http://{here}/health")).await.0.ne(&200) {
        assert!(
            Instant::now() < deadline,
            "the README's server did not start"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let key = scratch.path("aspsp-data/signing-key.json");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "generated key mode");
    }
    let mut outputs = Vec::new();
    for block in &blocks[1..] {
        let script = adapt(block);
        let out = Command::new("sh")
            .args(["-ec", &script])
            .current_dir(&scratch.0)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "README block failed:\n{script}\nstdout: {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        // `# 201 {...}`: the answer has the same members.
        if let Some(expected) = script
            .lines()
            .filter_map(|l| l.trim().strip_prefix("# "))
            .find_map(|l| {
                l.split_once(' ')
                    .filter(|(code, _)| code.len() == 3 && code.parse::<u16>().is_ok())
            })
            .and_then(|(_, body)| serde_json::from_str::<Value>(&body.replace("...", "")).ok())
        {
            let got: Value = serde_json::from_str(stdout.trim()).unwrap();
            let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
            assert_eq!(
                keys(&got),
                keys(&expected),
                "README block answer:\n{script}\n{stdout}"
            );
        }
        outputs.push((block.clone(), stdout.into_owned()));
    }
    readme_claims_survive(&here, &outputs).await;
    let _ = server.kill();
    let _ = server.wait();
}

fn unix_now() -> setpoll_core::Timestamp {
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap();
    setpoll_core::Timestamp::from_millis(u64::try_from(since.as_millis()).unwrap())
}

/// The README's "every claim" item, as the TPP polls it (the README's own
/// poll block prints it): signature verified against `/jwks`, and every
/// member of the request but `clientId` is a claim of the SET, value for
/// value, in the signed payload and in the core's typed claims.
async fn readme_claims_survive(here: &str, outputs: &[(String, String)]) {
    let (request, _) = outputs
        .iter()
        .find(|(block, _)| block.contains("\"sub_id\""))
        .expect("the README's every-claim example");
    let body = request
        .split_once("-d '")
        .and_then(|(_, rest)| rest.rsplit_once('\''))
        .map(|(body, _)| body)
        .unwrap();
    let request: Value = serde_json::from_str(body).unwrap();
    let jti = request["jti"].as_str().unwrap();
    let (_, polled) = outputs
        .iter()
        .find(|(block, _)| block.contains("/open-banking/v4.0/events"))
        .expect("the README's poll block");
    let polled: Value = serde_json::from_str(polled.trim()).unwrap();
    let token = polled["sets"][jti]
        .as_str()
        .expect("the item was delivered");
    let (status, jwks) = get(&format!("http://{here}/jwks")).await;
    assert_eq!(status, 200);
    let jwks = setpoll_core::jose::JwkSet::from_json(jwks.as_bytes()).unwrap();
    let keys = setpoll_core::jose::Keyring::new(&jwks).unwrap();
    let mut policy = setpoll_core::set::VerifyPolicy::new("https://aspsp.example/", "fintech-a");
    policy.issuer = None;
    let verified = setpoll_core::set::verify_set(token, &keys, &policy, unix_now()).unwrap();
    let payload = payload_of(token);
    let typed: Value = serde_json::from_str(&verified.claims.to_json()).unwrap();
    let members = request.as_object().unwrap();
    for (name, value) in members.iter().filter(|(n, _)| *n != "clientId") {
        assert_eq!(&payload[name], value, "signed claim {name}");
        assert_eq!(&typed[name], value, "verified claim {name}");
    }
    assert_eq!(payload["aud"], request["clientId"]);
    let claims = &verified.claims;
    assert_eq!(
        claims.exp.as_ref().map(|d| d.secs()),
        request["exp"].as_i64()
    );
    assert_eq!(
        claims.nbf.as_ref().map(|d| d.secs()),
        request["nbf"].as_i64()
    );
    assert_eq!(
        claims
            .sub_id
            .as_ref()
            .map(|s| Value::Object(s.members().clone())),
        Some(request["sub_id"].clone())
    );
    let private = "https://aspsp.example/branch";
    assert_eq!(claims.other.get(private), Some(&request[private]));
}

#[tokio::test]
async fn health_ready_metrics_and_one_json_log_line_per_request() {
    let scratch = Scratch::new("observe");
    let db = database(&scratch).await;
    let log = scratch.path("server.log");
    let mut args = base_args(&scratch, &db);
    args.extend(
        [
            "--signing-key",
            &scratch.path("k.json").display().to_string(),
            "--log-format",
            "json",
        ]
        .map(str::to_owned),
    );
    let server = Server::start_raw(args, Some(&log));
    assert_eq!(get(&format!("{}/health", server.base)).await.0, 200);
    assert_eq!(get(&format!("{}/ready", server.base)).await.0, 200);
    enqueue(&server, CLIENT_A, 1).await;
    let second = enqueue(&server, CLIENT_A, 2).await;
    let (status, body) = poll(
        &server,
        "v4.0",
        TOKEN_A,
        json!({"maxEvents": 1, "returnImmediately": true}),
    )
    .await;
    assert_eq!(status, 200);
    let first = jtis(&body).pop().unwrap();
    let (status, _) = poll(
        &server,
        "v4.0",
        TOKEN_A,
        json!({"maxEvents": 0, "ack": [first], "returnImmediately": true}),
    )
    .await;
    assert_eq!(status, 200);
    let (status, text) = get(&format!("{}/metrics", server.base)).await;
    assert_eq!(status, 200);
    for line in [
        "setpoll_enqueued_total 2",
        "setpoll_delivered_total 1",
        "setpoll_acknowledged_total 1",
        "setpoll_sweep_errors_total 0",
        "setpoll_long_poll_waiters 0",
        "setpoll_poll_duration_seconds_count 2",
        "setpoll_database_up 1",
        "setpoll_queue_depth{client=\"client-a\",state=\"pending\"} 1",
    ] {
        assert!(
            text.lines().any(|l| l == line),
            "{line} missing from:\n{text}"
        );
    }
    let _ = second;
    // One JSON line per request, with what the poll did.
    let logged = std::fs::read_to_string(&log).unwrap();
    let lines: Vec<Value> = logged
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|_| panic!("not JSON: {l}")))
        .collect();
    let polls: Vec<&Value> = lines
        .iter()
        .filter(|l| l["path"] == "/open-banking/v4.0/events")
        .collect();
    assert_eq!(polls.len(), 2, "{logged}");
    assert_eq!(polls[0]["client"], CLIENT_A);
    assert_eq!(polls[0]["status"], 200);
    assert_eq!(polls[0]["delivered"], 1);
    assert_eq!(polls[1]["acked"], 1);
    assert!(polls[1]["latency_ms"].is_number());
    if is_postgres() {
        // A database that goes away: /ready says so, /health does not care.
        use sqlx::Executor as _;
        let (prefix, name) = db.rsplit_once('/').unwrap();
        let mut conn =
            <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{prefix}/postgres"))
                .await
                .unwrap();
        conn.execute(format!("DROP DATABASE {name} WITH (FORCE)").as_str())
            .await
            .unwrap();
        let (status, body) = get(&format!("{}/ready", server.base)).await;
        assert_eq!(status, 503, "{body}");
        assert!(body.contains("\"database\""), "{body}");
        assert_eq!(get(&format!("{}/health", server.base)).await.0, 200);
    }
}

#[tokio::test]
async fn keys_secrets_rotation_and_header_profiles() {
    let scratch = Scratch::new("keys");
    let db = database(&scratch).await;
    // No key location: refuses to start, writes nothing.
    let out = Command::new(server_binary())
        .args(base_args(&scratch, &db))
        .args(["--listen", "127.0.0.1:0"])
        .current_dir(&scratch.0)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--signing-key"), "{err}");
    assert!(std::fs::read_dir(&scratch.0).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains("key.json")));
    // The admin token on the command line works, with a warning.
    let log = scratch.path("argv.log");
    let old = scratch.path("old.json");
    let mut args = base_args(&scratch, &db);
    args.retain(|a| !a.contains("admin-token"));
    args.extend(
        [
            "--admin-token",
            ADMIN,
            "--signing-key",
            &old.display().to_string(),
        ]
        .map(str::to_owned),
    );
    let mut server = Server::start_raw(args, Some(&log));
    enqueue(&server, CLIENT_A, 1).await;
    server.kill9();
    assert!(std::fs::read_to_string(&log)
        .unwrap()
        .contains("--admin-token puts the token where"));
    // Rotation: a new key signs, both are served; rfc8417 for client-b.
    let new = scratch.path("new.json");
    let mut args = base_args(&scratch, &db);
    args.extend(
        [
            "--signing-key",
            &new.display().to_string(),
            "--signing-key",
            &old.display().to_string(),
        ]
        .map(str::to_owned),
    );
    let server = Server::start_raw(args, None);
    let jwks: Value = serde_json::from_str(&get(&format!("{}/jwks", server.base)).await.1).unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap())
        .collect();
    assert_eq!(kids.len(), 2, "{jwks}");
    enqueue(&server, CLIENT_A, 2).await;
    enqueue(&server, CLIENT_B, 3).await;
    let (_, a) = poll(&server, "v4.0", TOKEN_A, json!({"returnImmediately": true})).await;
    let sets = a["sets"].as_object().unwrap();
    assert_eq!(sets.len(), 2);
    let headers: Vec<Value> = sets
        .values()
        .map(|t| header_of(t.as_str().unwrap()))
        .collect();
    // The first SET was signed before the rotation (old key), the second after.
    let signed_kids: Vec<&str> = headers.iter().map(|h| h["kid"].as_str().unwrap()).collect();
    assert!(
        signed_kids.contains(&kids[0]) && signed_kids.contains(&kids[1]),
        "{headers:?}"
    );
    for h in &headers {
        assert_eq!(h["typ"], "JOSE");
        assert!(h["crit"].is_array());
    }
    let (_, b) = poll(&server, "v4.0", TOKEN_B, json!({"returnImmediately": true})).await;
    let token = b["sets"].as_object().unwrap().values().next().unwrap();
    let h = header_of(token.as_str().unwrap());
    assert_eq!(h["typ"], "secevent+jwt");
    assert!(h.get("crit").is_none(), "{h}");
    assert_eq!(h["kid"], kids[0]);
}

#[tokio::test]
async fn a_batch_is_all_or_nothing() {
    let (scratch, server) = {
        let scratch = Scratch::new("batch");
        let db = database(&scratch).await;
        let server = Server::start(&scratch, &db, &[]);
        (scratch, server)
    };
    let _ = &scratch;
    let mut items: Vec<Value> = (1..=3).map(|n| admin_item(CLIENT_A, n)).collect();
    items[2]["events"] = json!({});
    let (status, body) = post_admin(&server, &Value::Array(items)).await;
    assert_eq!(status, 400);
    assert_eq!(body["index"], 2, "{body}");
    assert_eq!(stats(&server).await["enqueued"], 0);
    // A batch is signed in jobs of a few items on several threads: the
    // index is still the first refused item of the whole batch, and nothing
    // of the batch is queued.
    let mut items: Vec<Value> = (1..=40).map(|n| admin_item(CLIENT_A, n)).collect();
    items[37]["events"] = json!({});
    items[21]["jti"] = json!(21);
    let (status, body) = post_admin(&server, &Value::Array(items)).await;
    assert_eq!(status, 400);
    assert_eq!(
        (body["index"].as_u64(), body["error"].as_str()),
        (Some(21), Some("bad_jti")),
        "{body}"
    );
    assert_eq!(stats(&server).await["enqueued"], 0);
    let jtis_queued = enqueue_batch(&server, CLIENT_A, 1, 3).await;
    assert_eq!(jtis_queued.len(), 3);
    let (_, polled) = poll(&server, "v4.0", TOKEN_A, json!({"returnImmediately": true})).await;
    assert_eq!(jtis(&polled).len(), 3);
}

fn payload_of(token: &str) -> Value {
    use base64::Engine as _;
    let part = token.split('.').nth(1).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[tokio::test]
async fn the_batch_form_keeps_every_claim_and_refuses_the_servers_own() {
    let scratch = Scratch::new("claims");
    let db = database(&scratch).await;
    let server = Server::start(&scratch, &db, &[]);
    let extra = [
        json!({"exp": 4_102_444_800_i64, "nbf": 1_700_000_000}),
        json!({"sub_id": {"format": "email", "email": "user@example.com"}, "txn": "t-2"}),
        json!({"x-private": [1, "two", null, {"three": 3.5}], "urn:example:flag": false}),
    ];
    let items: Vec<Value> = extra
        .iter()
        .enumerate()
        .map(|(i, claims)| {
            let mut item = admin_item(CLIENT_A, i);
            for (k, v) in claims.as_object().unwrap() {
                item[k] = v.clone();
            }
            item
        })
        .collect();
    for name in ["iss", "iat", "aud"] {
        let mut refused = items.clone();
        refused[1][name] = json!(if name == "iat" { json!(1) } else { json!("x") });
        let (status, body) = post_admin(&server, &Value::Array(refused)).await;
        assert_eq!(status, 400, "{body}");
        assert_eq!(body["error"], "reserved_claim", "{body}");
        assert_eq!(body["index"], 1, "{body}");
    }
    let (status, single) = post_admin(&server, &items[0]).await;
    assert_eq!(status, 201, "{single}");
    let (status, body) = post_admin(&server, &Value::Array(items[1..].to_vec())).await;
    assert_eq!(status, 201, "{body}");
    let mut jtis_queued = vec![single["jti"].as_str().unwrap().to_owned()];
    for r in body["results"].as_array().unwrap() {
        jtis_queued.push(r["jti"].as_str().unwrap().to_owned());
    }
    let (_, polled) = poll(&server, "v4.0", TOKEN_A, json!({"returnImmediately": true})).await;
    for (jti, claims) in jtis_queued.iter().zip(&extra) {
        let payload = payload_of(polled["sets"][jti].as_str().unwrap());
        for (name, value) in claims.as_object().unwrap() {
            assert_eq!(&payload[name], value, "{jti}: {name}");
        }
    }
}

#[tokio::test]
async fn u0000_in_acks_and_set_errs_is_a_400_with_its_path_on_every_database() {
    let scratch = Scratch::new("nul");
    let db = database(&scratch).await;
    let server = Server::start(&scratch, &db, &[]);
    enqueue(&server, CLIENT_A, 1).await;
    let (_, body) = poll(&server, "v3.1", TOKEN_A, json!({"returnImmediately": true})).await;
    let jti = jtis(&body).pop().unwrap();
    let (status, body) = poll(
        &server,
        "v3.1",
        TOKEN_A,
        json!({"returnImmediately": true, "maxEvents": 0, "ack": [jti, "a\u{0}b"]}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["Errors"][0]["Path"], "ack[1]", "{body}");
    assert_eq!(body["Errors"][0]["ErrorCode"], "UK.OBIE.Field.Invalid");
    let (status, body) = poll(
        &server,
        "v4.0",
        TOKEN_A,
        json!({"returnImmediately": true, "setErrs": {"x\u{0}": {"err": "jws", "description": "d"}}}),
    )
    .await;
    assert_eq!(status, 400, "{body}");
    // The valid ack, sent alone, is accepted: nothing was lost.
    let (status, _) = poll(
        &server,
        "v3.1",
        TOKEN_A,
        json!({"returnImmediately": true, "maxEvents": 0, "ack": [jti]}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(stats(&server).await["acknowledged"], 1);
}

#[tokio::test]
async fn slow_clients_are_cut_off_and_connections_are_limited() {
    let scratch = Scratch::new("slow");
    let db = database(&scratch).await;
    let server = Server::start(
        &scratch,
        &db,
        &[
            "--header-read-timeout-ms",
            "600",
            "--body-read-timeout-ms",
            "600",
            "--max-connections",
            "3",
        ],
    );
    let addr = server.addr.clone();
    tokio::task::spawn_blocking(move || {
        // Headers one byte every 200 ms: closed after about 600 ms.
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        let request = b"POST /open-banking/v4.0/events HTTP/1.1\r\nHost: x\r\n";
        let mut closed = false;
        for b in request.iter() {
            if s.write_all(&[*b]).is_err() {
                closed = true;
                break;
            }
            std::thread::sleep(Duration::from_millis(200));
            if started.elapsed() > Duration::from_secs(5) {
                break;
            }
        }
        if !closed {
            let mut buf = [0u8; 512];
            closed = matches!(s.read(&mut buf), Ok(0) | Err(_)) || buf.starts_with(b"HTTP/1.1 408");
        }
        assert!(closed, "a trickling header was not cut off");
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());

        // A body that trickles: 408.
        let mut s = TcpStream::connect(&addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let started = Instant::now();
        s.write_all(
            format!(
                "POST /open-banking/v4.0/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN_A}\r\n\
                 Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
            )
            .as_bytes(),
        )
        .unwrap();
        let mut answer = Vec::new();
        let mut buf = [0u8; 1024];
        for _ in 0..20 {
            let _ = s.write_all(b" ");
            std::thread::sleep(Duration::from_millis(100));
            s.set_nonblocking(true).unwrap();
            if let Ok(n) = s.read(&mut buf) {
                answer.extend_from_slice(&buf[..n]);
            }
            s.set_nonblocking(false).unwrap();
            if !answer.is_empty() {
                break;
            }
        }
        let answer = String::from_utf8_lossy(&answer);
        assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
        assert!(started.elapsed() < Duration::from_secs(3));
    })
    .await
    .unwrap();
    // Three idle connections fill the limit: a fourth request waits until
    // one of them is closed (here by the header timeout).
    let idle: Vec<TcpStream> = (0..3)
        .map(|_| TcpStream::connect(&server.addr).unwrap())
        .collect();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    let (status, _) = get(&format!("{}/health", server.base)).await;
    assert_eq!(status, 200);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "served at once despite the connection limit: {:?}",
        started.elapsed()
    );
    drop(idle);
}
