//! Scenario tests over real HTTP against the `aspsp-server` binary, on
//! SQLite (default) or PostgreSQL (`SETPOLL_TEST_POSTGRES`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use serde_json::{json, Value};

async fn setup(name: &str, extra: &[&str]) -> (Scratch, Server) {
    let scratch = Scratch::new(name);
    let db = database(&scratch).await;
    let server = Server::start(&scratch, &db, extra);
    (scratch, server)
}

const NOW: &[&str] = &["--long-poll-wait-ms", "0"];

#[tokio::test]
async fn two_clients_cannot_see_or_acknowledge_each_others_events() {
    let (_s, server) = setup("isolation", NOW).await;
    let a1 = enqueue(&server, CLIENT_A, 1).await;
    let b1 = enqueue(&server, CLIENT_B, 2).await;

    let (status, body) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 10})).await;
    assert_eq!(status, 200);
    assert_eq!(
        jtis(&body),
        vec![a1.clone()],
        "client A sees only its own SET"
    );

    // A acknowledges B's jti (and setErrs it): nothing changes for B.
    let (status, body) = poll(
        &server,
        "v4.0",
        TOKEN_A,
        json!({"maxEvents": 0, "ack": [b1], "setErrs": {b1.clone(): {"err": "jwtParse", "description": "x"}}}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"sets": {}, "moreAvailable": false}));

    let (status, body) = poll(&server, "v4.0", TOKEN_B, json!({"maxEvents": 10})).await;
    assert_eq!(status, 200);
    assert_eq!(jtis(&body), vec![b1.clone()], "B still gets its SET");
    assert_eq!(body["moreAvailable"], json!(false));

    // B acknowledging A's jti does not remove A's SET either.
    let (_, _) = poll(
        &server,
        "v4.0",
        TOKEN_B,
        json!({"maxEvents": 0, "ack": [a1.clone()]}),
    )
    .await;
    let s = stats(&server).await;
    assert_eq!(
        s["acknowledged"],
        json!(0),
        "no foreign ack was applied: {s}"
    );
    assert_eq!(s["byState"]["delivered"], json!(2), "{s}");
}

#[tokio::test]
async fn max_events_zero_one_absent_and_above_the_cap() {
    let (_s, server) = setup(
        "maxevents",
        &["--long-poll-wait-ms", "0", "--max-events-cap", "3"],
    )
    .await;
    let mut queued = Vec::new();
    for n in 0..5 {
        queued.push(enqueue(&server, CLIENT_A, n).await);
    }
    // 0: acknowledge only, no SETs even though five wait.
    let (status, body) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 0})).await;
    assert_eq!(status, 200);
    assert_eq!(jtis(&body).len(), 0);
    assert_eq!(body["moreAvailable"], json!(true), "five wait: {body}");

    // 1: exactly the oldest.
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 1})).await;
    assert_eq!(jtis(&body), vec![queued[0].clone()]);
    assert_eq!(body["moreAvailable"], json!(true));

    // Above the cap (3): three, in order, more available.
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 1000})).await;
    assert_eq!(jtis(&body), queued[1..4].to_vec());
    assert_eq!(body["moreAvailable"], json!(true));

    // Absent: the default batch (here capped to 3): the last one, nothing more.
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({})).await;
    assert_eq!(jtis(&body), vec![queued[4].clone()]);
    assert_eq!(body["moreAvailable"], json!(false));

    // Negative maxEvents is refused with OBErrorResponse1.
    let (status, body) = poll(&server, "v3.1", TOKEN_A, json!({"maxEvents": -1})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["Errors"][0]["ErrorCode"],
        json!("UK.OBIE.Field.Invalid"),
        "{body}"
    );
}

#[tokio::test]
async fn more_available_is_exact() {
    let (_s, server) = setup("moreavailable", NOW).await;
    let mut queued = Vec::new();
    for n in 0..4 {
        queued.push(enqueue(&server, CLIENT_A, n).await);
    }
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 3})).await;
    assert_eq!(jtis(&body), queued[..3].to_vec());
    assert_eq!(body["moreAvailable"], json!(true), "one more waits");

    let (_, body) = poll(
        &server,
        "v4.0",
        TOKEN_A,
        json!({"maxEvents": 1, "ack": queued[..3].to_vec()}),
    )
    .await;
    assert_eq!(jtis(&body), vec![queued[3].clone()]);
    assert_eq!(body["moreAvailable"], json!(false), "exactly the last one");

    let (_, body) = poll(
        &server,
        "v4.0",
        TOKEN_A,
        json!({"ack": [queued[3].clone()]}),
    )
    .await;
    assert_eq!(body, json!({"sets": {}, "moreAvailable": false}));
    let s = stats(&server).await;
    assert_eq!(s["acknowledged"], json!(4), "{s}");
    assert_eq!(s["byState"], json!({}), "queue empty: {s}");
}

#[tokio::test]
async fn unacknowledged_sets_come_back_after_the_visibility_timeout() {
    let (_s, server) = setup(
        "redelivery",
        &["--long-poll-wait-ms", "0", "--visibility-timeout-ms", "700"],
    )
    .await;
    let jti = enqueue(&server, CLIENT_A, 1).await;
    let (_, first) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 5})).await;
    assert_eq!(jtis(&first), vec![jti.clone()]);

    // Invisible while the timeout runs.
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 5})).await;
    assert_eq!(jtis(&body).len(), 0);
    assert_eq!(body["moreAvailable"], json!(false));

    tokio::time::sleep(Duration::from_millis(900)).await;
    let (_, again) = poll(&server, "v4.0", TOKEN_A, json!({"maxEvents": 5})).await;
    assert_eq!(jtis(&again), vec![jti.clone()], "delivered again");
    assert_eq!(
        again["sets"][&jti], first["sets"][&jti],
        "byte-identical token"
    );
    let s = stats(&server).await;
    assert_eq!(s["redelivered"], json!(1), "{s}");
}

#[tokio::test]
async fn max_attempts_then_dead_letter() {
    let (_s, server) = setup(
        "attempts",
        &[
            "--long-poll-wait-ms",
            "0",
            "--visibility-timeout-ms",
            "200",
            "--max-attempts",
            "2",
            "--sweep-interval-ms",
            "100",
        ],
    )
    .await;
    let jti = enqueue(&server, CLIENT_A, 1).await;
    for _ in 0..2 {
        let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({})).await;
        assert_eq!(jtis(&body), vec![jti.clone()]);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({})).await;
    assert_eq!(jtis(&body).len(), 0, "out of attempts: {body}");
    let s = stats(&server).await;
    assert_eq!(s["byState"]["dead_letter"], json!(1), "{s}");
}

#[tokio::test]
async fn set_errs_dead_letter_the_set() {
    let (_s, server) = setup(
        "seterrs",
        &["--long-poll-wait-ms", "0", "--visibility-timeout-ms", "200"],
    )
    .await;
    let bad = enqueue(&server, CLIENT_A, 1).await;
    let good = enqueue(&server, CLIENT_A, 2).await;
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({})).await;
    assert_eq!(jtis(&body), vec![bad.clone(), good.clone()]);

    let (status, body) = poll(
        &server,
        "v4.0",
        TOKEN_A,
        json!({
            "returnImmediately": true,
            "ack": [good.clone()],
            "setErrs": { bad.clone(): { "err": "jwtIss", "description": "Issuer is not recognised" } }
        }),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body, json!({"sets": {}, "moreAvailable": false}));

    tokio::time::sleep(Duration::from_millis(400)).await;
    let (_, body) = poll(&server, "v4.0", TOKEN_A, json!({})).await;
    assert_eq!(
        jtis(&body).len(),
        0,
        "a dead letter is never delivered again"
    );
    let s = stats(&server).await;
    assert_eq!(s["deadLettered"], json!(1), "{s}");
    assert_eq!(s["byState"], json!({"dead_letter": 1}), "{s}");
    assert_eq!(s["acknowledged"], json!(1), "{s}");
}

#[tokio::test]
async fn a_long_poll_wakes_as_soon_as_an_event_arrives() {
    let (_s, server) = setup(
        "longpoll",
        &[
            "--long-poll-wait-ms",
            "10000",
            "--long-poll-recheck-ms",
            "60000",
        ],
    )
    .await;
    let started = Instant::now();
    let waiter = {
        let url = server.events_url("v4.0");
        tokio::spawn(async move {
            let r = http()
                .post(url)
                .bearer_auth(TOKEN_A)
                .header("content-type", "application/json")
                .body("{}")
                .send()
                .await
                .unwrap();
            (Instant::now(), r.json::<Value>().await.unwrap())
        })
    };
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!waiter.is_finished(), "held open while nothing is queued");
    // Another client's event does not wake A with anything.
    let _ = enqueue(&server, CLIENT_B, 0).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!waiter.is_finished(), "B's event does not answer A's poll");
    let enqueued_at = Instant::now();
    let jti = enqueue(&server, CLIENT_A, 1).await;
    let (answered, body) = waiter.await.unwrap();
    assert_eq!(jtis(&body), vec![jti]);
    let latency = answered.duration_since(enqueued_at);
    assert!(latency < Duration::from_secs(2), "woken after {latency:?}");
    assert!(started.elapsed() < Duration::from_secs(9), "not a timeout");

    // With nothing queued the wait ends at the configured maximum.
    let (_s2, short) = setup("longpoll-timeout", &["--long-poll-wait-ms", "600"]).await;
    let t = Instant::now();
    let (status, body) = poll(&short, "v4.0", TOKEN_A, json!({})).await;
    assert_eq!(
        (status, body),
        (200, json!({"sets": {}, "moreAvailable": false}))
    );
    let took = t.elapsed();
    assert!(
        took >= Duration::from_millis(550) && took < Duration::from_secs(3),
        "{took:?}"
    );
    // returnImmediately: true answers at once.
    let t = Instant::now();
    let (_, _) = poll(&short, "v4.0", TOKEN_A, json!({"returnImmediately": true})).await;
    assert!(t.elapsed() < Duration::from_millis(500));
}

#[tokio::test]
async fn http_contract_auth_content_type_errors_and_interaction_id() {
    let (_s, server) = setup("http", NOW).await;
    let client = http();
    let url = server.events_url("v4.0");

    // No token, unknown token: 401 with a challenge, interaction id generated.
    for auth in [None, Some("Bearer nope"), Some("Basic dG9rZW4tYTo=")] {
        let mut rb = client
            .post(&url)
            .header("content-type", "application/json")
            .body("{}");
        if let Some(a) = auth {
            rb = rb.header("authorization", a);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), 401);
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        assert!(!r.headers()["x-fapi-interaction-id"].is_empty());
    }
    // Wrong content type: 415.
    let r = client
        .post(&url)
        .bearer_auth(TOKEN_A)
        .header("content-type", "text/plain")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 415);
    // Interaction id echoed; bad JSON: 400 with a v4.0 four-character code.
    let r = client
        .post(&url)
        .bearer_auth(TOKEN_A)
        .header("content-type", "application/json")
        .header(
            "x-fapi-interaction-id",
            "93bac548-d2de-4546-b106-880a5018460d",
        )
        .body("{\"maxEvents\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(
        r.headers()["x-fapi-interaction-id"],
        "93bac548-d2de-4546-b106-880a5018460d"
    );
    let body: Value = r.json().await.unwrap();
    let code = body["Errors"][0]["ErrorCode"].as_str().unwrap();
    assert_eq!(code.chars().count(), 4, "v4.0 ErrorCode: {body}");
    assert_eq!(body["Id"], json!("93bac548-d2de-4546-b106-880a5018460d"));
    // Unknown member: v3.1 names the field.
    let (status, body) = poll(&server, "v3.1", TOKEN_A, json!({"maxEvent": 1})).await;
    assert_eq!(status, 400);
    assert_eq!(
        body["Errors"][0]["ErrorCode"],
        json!("UK.OBIE.Field.Unexpected"),
        "{body}"
    );
    // Wrong method: 405; unknown path: 404.
    let r = client.get(&url).bearer_auth(TOKEN_A).send().await.unwrap();
    assert_eq!(r.status(), 405);
    let r = client
        .post(format!("{}/open-banking/v9/events", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 404);
    // Admin needs its own token.
    let r = client
        .post(format!("{}/admin/events", server.base))
        .bearer_auth(TOKEN_A)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    // JWKS: public keys only.
    let jwks: Value = client
        .get(format!("{}/jwks", server.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let key = &jwks["keys"][0];
    assert!(key["kid"].is_string() && key.get("d").is_none(), "{jwks}");
}

#[tokio::test]
async fn the_v3_1_2_profile_answers_201() {
    let (_s, server) = setup("v312", &["--long-poll-wait-ms", "0", "--profile", "v3.1.2"]).await;
    let (status, body) = poll(&server, "v3.1", TOKEN_A, json!({})).await;
    assert_eq!(
        (status, body),
        (201, json!({"sets": {}, "moreAvailable": false}))
    );
    let (status, _) = poll(&server, "v4.0", TOKEN_A, json!({})).await;
    assert_eq!(status, 200, "v4.0 paths always answer 200");
}

#[tokio::test]
async fn two_server_processes_on_one_database_hand_out_disjoint_batches() {
    let scratch = Scratch::new("two-servers");
    let db = database(&scratch).await;
    let flags = [
        "--long-poll-wait-ms",
        "0",
        "--visibility-timeout-ms",
        "60000",
    ];
    let one = Server::start(&scratch, &db, &flags);
    let two = Server::start(&scratch, &db, &flags);
    let mut queued = Vec::new();
    for n in 0..60 {
        let server = if n % 2 == 0 { &one } else { &two };
        queued.push(enqueue(server, CLIENT_A, n).await);
    }
    // Twelve concurrent polls of the same client, split over both servers.
    let mut tasks = Vec::new();
    for i in 0..12 {
        let url = if i % 2 == 0 {
            one.events_url("v4.0")
        } else {
            two.events_url("v4.0")
        };
        tasks.push(tokio::spawn(async move {
            let r = http()
                .post(url)
                .bearer_auth(TOKEN_A)
                .header("content-type", "application/json")
                .body(r#"{"maxEvents": 5, "returnImmediately": true}"#)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            jtis(&r.json::<Value>().await.unwrap())
        }));
    }
    let mut seen = Vec::new();
    for t in tasks {
        seen.extend(t.await.unwrap());
    }
    assert!(
        seen.len() >= 30,
        "concurrent polls made progress: {}",
        seen.len()
    );
    // Rows one poll had locked (its look-ahead row included) are skipped,
    // not waited for, by the others: collect what is left one poll at a time.
    loop {
        let (_, body) = poll(&one, "v4.0", TOKEN_A, json!({"maxEvents": 5})).await;
        let got = jtis(&body);
        if got.is_empty() {
            break;
        }
        seen.extend(got);
    }
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no SET was delivered twice");
    queued.sort();
    assert_eq!(seen, queued, "every SET delivered");
}
