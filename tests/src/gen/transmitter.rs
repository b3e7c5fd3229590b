//! `transmitter`: scripts of enqueue / poll / resume / sweep against a
//! `MemoryQueue` (vocabulary in [`crate::script::transmitter`]).

use serde_json::{json, Value};

use super::keys::b64;
use super::{check_unique_names, vector_file};
use crate::script::transmitter::run;
use crate::GenError;

/// Start of every script's clock, ms.
const T0: u64 = 1_700_000_000_000;
const SEC: u64 = 1000;
const MIN: u64 = 60 * SEC;
const DAY: u64 = 24 * 3600 * SEC;

/// Client ids (the SETs' `aud`).
const A: &str = "7umx5nTR33811QyQfi";
const B: &str = "client-b";

/// A token as the transmitter sees it: it signed it itself and only reads
/// `jti` and `aud`, so the signature here is a placeholder.
fn tok(aud: &str, jti: &str) -> String {
    let claims =
        json!({ "iss": "https://examplebank.com/", "iat": 1_700_000_000, "jti": jti, "aud": aud });
    format!(
        "{}.{}.c2ln",
        b64(br#"{"alg":"ES256","kid":"es256-2026"}"#),
        b64(claims.to_string().as_bytes())
    )
}

fn config() -> Value {
    json!({
        "profile": "obie",
        "defaultMaxEvents": 100,
        "maxEventsLimit": 1000,
        "visibilityTimeoutMs": 10 * MIN,
        "maxAttempts": 10,
        "retentionMs": 7 * DAY,
        "deadLetterRetentionMs": 30 * DAY,
        "longPollMaxWaitMs": null,
        "onSetErr": "dead_letter",
        "delivery": "at_least_once",
    })
}

fn with(mut c: Value, edits: Value) -> Value {
    if let (Value::Object(m), Value::Object(e)) = (&mut c, edits) {
        for (k, v) in e {
            m.insert(k, v);
        }
    }
    c
}

fn enqueue(aud: &str, jti: &str, now: u64) -> Value {
    json!({ "op": "enqueue", "token": tok(aud, jti), "now": now })
}

fn enqueue_raw(token: &str, now: u64) -> Value {
    json!({ "op": "enqueue", "token": token, "now": now })
}

fn poll(client: &str, body: &str, now: u64) -> Value {
    json!({ "op": "poll", "client": client, "body": body, "now": now })
}

fn resume(now: u64) -> Value {
    json!({ "op": "resume", "now": now })
}

fn sweep(now: u64, budget: u64) -> Value {
    json!({ "op": "sweep", "now": now, "budget": budget })
}

fn records() -> Value {
    json!({ "op": "records" })
}

#[allow(clippy::too_many_lines)]
fn scripts() -> Vec<(&'static str, Value, Vec<Value>)> {
    let cfg = config();
    vec![
        (
            "queue, deliver oldest first, acknowledge",
            cfg.clone(),
            vec![
                enqueue(A, "a1", T0),
                enqueue(A, "a2", T0 + 1),
                enqueue(A, "a3", T0 + 2),
                enqueue(B, "b1", T0 + 3),
                records(),
                poll(A, r#"{"maxEvents":2}"#, T0 + SEC),
                poll(A, r#"{"maxEvents":0,"ack":["a1","a2"]}"#, T0 + 2 * SEC),
                poll(A, "{}", T0 + 3 * SEC),
                poll(A, r#"{"ack":["a3"]}"#, T0 + 4 * SEC),
                poll(B, r#"{"returnImmediately":true}"#, T0 + 5 * SEC),
                records(),
            ],
        ),
        (
            "enqueue: duplicates and refusals",
            cfg.clone(),
            vec![
                enqueue(A, "dup", T0),
                enqueue(A, "dup", T0 + SEC),
                enqueue_raw(&tok(A, "dup").replace("c2ln", "b3RoZXI"), T0 + SEC),
                enqueue(B, "dup", T0 + SEC),
                enqueue_raw("not-a-jws", T0),
                enqueue_raw(
                    &format!("{}.{}.c2ln", b64(b"{}"), b64(br#"{"jti":"x"}"#)),
                    T0,
                ),
                enqueue_raw(
                    &format!(
                        "{}.{}.c2ln",
                        b64(b"{}"),
                        b64(br#"{"jti":"x","aud":["a","b"]}"#)
                    ),
                    T0,
                ),
                enqueue_raw(
                    &format!("{}.{}.c2ln", b64(b"{}"), b64(br#"{"aud":"a"}"#)),
                    T0,
                ),
                enqueue(A, &"j".repeat(129), T0),
                enqueue(&"c".repeat(129), "x", T0),
                enqueue(A, &"j".repeat(128), T0),
                records(),
            ],
        ),
        (
            "batch size: maxEvents, default and limit",
            with(
                cfg.clone(),
                json!({ "defaultMaxEvents": 2, "maxEventsLimit": 3 }),
            ),
            vec![
                enqueue(A, "s1", T0),
                enqueue(A, "s2", T0),
                enqueue(A, "s3", T0),
                enqueue(A, "s4", T0),
                enqueue(A, "s5", T0),
                enqueue(A, "s6", T0),
                poll(A, "{}", T0 + SEC),
                poll(A, r#"{"maxEvents":100}"#, T0 + SEC),
                poll(A, r#"{"maxEvents":1}"#, T0 + SEC),
            ],
        ),
        (
            "redelivery after the visibility timeout",
            with(cfg.clone(), json!({ "visibilityTimeoutMs": 30 * SEC })),
            vec![
                enqueue(A, "r1", T0),
                poll(A, "{}", T0 + SEC),
                poll(A, "{}", T0 + 2 * SEC),
                poll(A, "{}", T0 + 31 * SEC - 1),
                poll(A, "{}", T0 + 31 * SEC),
                poll(A, r#"{"ack":["r1"],"maxEvents":0}"#, T0 + 32 * SEC),
                records(),
            ],
        ),
        (
            "out of attempts: dead letter, then purge",
            with(
                cfg.clone(),
                json!({ "visibilityTimeoutMs": 10 * SEC, "maxAttempts": 2, "deadLetterRetentionMs": DAY }),
            ),
            vec![
                enqueue(A, "m1", T0),
                poll(A, "{}", T0),
                poll(A, "{}", T0 + 10 * SEC),
                poll(A, "{}", T0 + 20 * SEC),
                sweep(T0 + 20 * SEC, 100),
                records(),
                poll(A, r#"{"ack":["m1"]}"#, T0 + 21 * SEC),
                sweep(T0 + 20 * SEC + DAY, 100),
                records(),
            ],
        ),
        (
            "retention: unacknowledged SETs expire",
            with(cfg.clone(), json!({ "retentionMs": 60 * MIN })),
            vec![
                enqueue(A, "e1", T0),
                enqueue(A, "e2", T0 + 30 * MIN),
                poll(A, r#"{"maxEvents":1}"#, T0 + MIN),
                sweep(T0 + 60 * MIN - 1, 100),
                sweep(T0 + 60 * MIN, 100),
                poll(A, "{}", T0 + 61 * MIN),
                records(),
            ],
        ),
        (
            "sweep budget resumes where it stopped",
            with(cfg.clone(), json!({ "retentionMs": MIN })),
            vec![
                enqueue(A, "w1", T0),
                enqueue(A, "w2", T0),
                enqueue(B, "w3", T0),
                sweep(T0 + MIN, 2),
                sweep(T0 + MIN, 2),
                records(),
            ],
        ),
        (
            "setErrs dead-letter the SET (default policy)",
            cfg.clone(),
            vec![
                enqueue(A, "x1", T0),
                enqueue(A, "x2", T0),
                poll(A, "{}", T0 + SEC),
                poll(
                    A,
                    r#"{"setErrs":{"x1":{"err":"jwtAud","description":"wrong audience"}},"ack":["x2"]}"#,
                    T0 + 2 * SEC,
                ),
                records(),
                poll(A, "{}", T0 + 20 * MIN),
            ],
        ),
        (
            "setErrs under the redeliver policy",
            with(cfg.clone(), json!({ "onSetErr": "redeliver" })),
            vec![
                enqueue(A, "y1", T0),
                poll(A, "{}", T0 + SEC),
                poll(
                    A,
                    r#"{"maxEvents":0,"setErrs":{"y1":{"err":"invalid_key","description":"kid unknown"}}}"#,
                    T0 + 2 * SEC,
                ),
                poll(A, "{}", T0 + 3 * SEC),
                records(),
            ],
        ),
        (
            "a jti both acknowledged and reported counts as reported",
            cfg.clone(),
            vec![
                enqueue(A, "z1", T0),
                poll(A, "{}", T0 + SEC),
                poll(
                    A,
                    r#"{"ack":["z1"],"setErrs":{"z1":{"err":"jws","description":"bad signature"}}}"#,
                    T0 + 2 * SEC,
                ),
                records(),
            ],
        ),
        (
            "feedback on unknown, foreign and finished jtis changes nothing",
            cfg.clone(),
            vec![
                enqueue(A, "k1", T0),
                enqueue(B, "k2", T0),
                poll(A, "{}", T0 + SEC),
                poll(A, r#"{"ack":["k1"]}"#, T0 + 2 * SEC),
                poll(
                    A,
                    r#"{"ack":["k1","k2","never"],"setErrs":{"k2":{"err":"dup","description":"d"}}}"#,
                    T0 + 3 * SEC,
                ),
                records(),
                poll(B, "{}", T0 + 4 * SEC),
            ],
        ),
        (
            "feedback is applied before SETs are chosen",
            cfg.clone(),
            vec![
                enqueue(A, "f1", T0),
                enqueue(A, "f2", T0),
                poll(A, r#"{"maxEvents":1}"#, T0 + SEC),
                poll(A, r#"{"maxEvents":1,"ack":["f1"]}"#, T0 + 2 * SEC),
                poll(A, r#"{"maxEvents":1,"ack":["f2"]}"#, T0 + 3 * SEC),
            ],
        ),
        (
            "replaying a request is harmless",
            cfg.clone(),
            vec![
                enqueue(A, "p1", T0),
                enqueue(A, "p2", T0),
                poll(A, r#"{"maxEvents":1}"#, T0 + SEC),
                poll(A, r#"{"maxEvents":1,"ack":["p1"]}"#, T0 + 2 * SEC),
                poll(A, r#"{"maxEvents":1,"ack":["p1"]}"#, T0 + 3 * SEC),
                records(),
            ],
        ),
        (
            "deliver once: deleted on delivery, feedback ignored",
            with(cfg.clone(), json!({ "delivery": "deliver_once" })),
            vec![
                enqueue(A, "o1", T0),
                enqueue(A, "o2", T0),
                poll(A, r#"{"maxEvents":1}"#, T0 + SEC),
                poll(
                    A,
                    r#"{"ack":["o1"],"setErrs":{"o2":{"err":"jws","description":"d"}}}"#,
                    T0 + 2 * SEC,
                ),
                records(),
            ],
        ),
        (
            "long poll (OBIE): wait, woken by an enqueue",
            with(cfg.clone(), json!({ "longPollMaxWaitMs": 30 * SEC })),
            vec![
                poll(A, "{}", T0),
                enqueue(A, "l1", T0 + 5 * SEC),
                resume(T0 + 5 * SEC),
                poll(A, r#"{"returnImmediately":true}"#, T0 + 6 * SEC),
                poll(
                    A,
                    r#"{"ack":["l1"],"returnImmediately":false}"#,
                    T0 + 7 * SEC,
                ),
                poll(A, r#"{"maxEvents":0}"#, T0 + 8 * SEC),
                poll(A, r#"{"maxEvents":3}"#, T0 + 9 * SEC),
                resume(T0 + 39 * SEC),
            ],
        ),
        (
            "long poll (RFC 8936): acknowledge and wait in one request",
            with(
                cfg.clone(),
                json!({ "profile": "rfc8936", "longPollMaxWaitMs": 30 * SEC }),
            ),
            vec![
                enqueue(A, "q1", T0),
                poll(A, r#"{"returnImmediately":true}"#, T0 + SEC),
                poll(
                    A,
                    r#"{"ack":["q1"],"returnImmediately":false}"#,
                    T0 + 2 * SEC,
                ),
                enqueue(A, "q2", T0 + 3 * SEC),
                resume(T0 + 3 * SEC),
            ],
        ),
        (
            "request bodies: OBIE refuses unknown members",
            cfg.clone(),
            vec![
                enqueue(A, "u1", T0),
                poll(A, r#"{"maxEvents":1,"extension":true}"#, T0 + SEC),
                poll(A, r#"{"maxEvents":-1}"#, T0 + SEC),
                records(),
            ],
        ),
        (
            "request bodies: RFC 8936 ignores unknown members",
            with(cfg.clone(), json!({ "profile": "rfc8936" })),
            vec![
                enqueue(A, "u1", T0),
                poll(A, r#"{"maxEvents":1,"extension":true}"#, T0 + SEC),
            ],
        ),
        (
            "a jti can be queued again after acknowledgement",
            cfg,
            vec![
                enqueue(A, "again", T0),
                poll(A, r#"{}"#, T0 + SEC),
                poll(A, r#"{"ack":["again"],"maxEvents":0}"#, T0 + 2 * SEC),
                enqueue(A, "again", T0 + 3 * SEC),
                poll(A, r#"{}"#, T0 + 4 * SEC),
            ],
        ),
    ]
}

/// The `transmitter` file.
///
/// # Errors
/// When a script is malformed.
pub fn file() -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for (name, config, steps) in scripts() {
        let results = run(&config, &steps)?;
        let steps: Vec<Value> = steps
            .into_iter()
            .zip(results)
            .map(|(mut step, expect)| {
                if let Value::Object(m) = &mut step {
                    m.insert("expect".into(), expect);
                }
                step
            })
            .collect();
        cases.push(json!({ "name": name, "config": config, "steps": steps }));
    }
    check_unique_names("transmitter", &cases)?;
    Ok(vector_file(
        "transmitter",
        "MemoryQueue::new(config), then each step in order (see the README for the \
         step vocabulary); changes and records are the core's serde form",
        cases,
    ))
}
