//! Receiver behaviour, driven through its public API with real ES256 SETs
//! (the RFC 8417 header profile; `core/tests/receiver_interop.rs` covers
//! the OBIE profile and PS256).

// Many steps answer a request only to move the receiver on; their batches
// are not inspected.
#![allow(unused_must_use)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use core::time::Duration;
use std::sync::OnceLock;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;

use super::*;
use crate::claims::SetClaims;
use crate::codes::{SetErrCode, Vocabulary};
use crate::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
use crate::set::{sign_set, verify_set, VerifiedSet, VerifyError, VerifyPolicy};
use crate::time::Timestamp;

const ISS: &str = "https://bank.example/";
const AUD: &str = "tpp-1";
const RU: &str = "urn:uk:org:openbanking:events:resource-update";

fn events() -> serde_json::Value {
    serde_json::json!({ RU: { "subject": {
        "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
        "http://openbanking.org.uk/rid": "aac-1",
        "http://openbanking.org.uk/rty": "account-access-consent",
        "http://openbanking.org.uk/rlk": [
            { "version": "v3.1", "link": "https://bank.example/aisp/account-access-consents/aac-1" }
        ]
    } } })
}

fn claims_json(jti: &str, iss: &str, aud: &str) -> serde_json::Value {
    serde_json::json!({
        "iss": iss, "iat": 1_700_000_000, "jti": jti, "aud": aud,
        "sub": "https://bank.example/aisp/account-access-consents/aac-1",
        "txn": "t-1", "toe": 1_700_000_000, "events": events()
    })
}

struct Keys {
    bank: SigningKey,
    /// Same `kid`, different key: its signatures do not verify.
    forger: SigningKey,
    keyring: Keyring,
}

fn keys() -> &'static Keys {
    static KEYS: OnceLock<Keys> = OnceLock::new();
    KEYS.get_or_init(|| {
        let bank = SigningKey::from_pkcs8_pem(include_str!("../jose/testdata/p256.pk8.pem"))
            .unwrap()
            .with_kid("bank-1");
        let forger = SigningKey::generate_es256(&mut ChaCha8Rng::seed_from_u64(99))
            .unwrap()
            .with_kid("bank-1");
        let keyring = Keyring::new(&JwkSet::new(vec![bank.to_public_jwk()]).unwrap()).unwrap();
        Keys {
            bank,
            forger,
            keyring,
        }
    })
}

fn sign_with(claims: &serde_json::Value, key: &SigningKey) -> String {
    let claims = SetClaims::from_json(claims.to_string().as_bytes()).unwrap();
    sign_set(&claims, key, &HeaderProfile::rfc8417(), t(0)).unwrap()
}

/// Signed by the bank.
fn signed(claims: &serde_json::Value) -> String {
    sign_with(claims, &keys().bank)
}

/// Signed by someone else under the bank's `kid`.
fn forged(claims: &serde_json::Value) -> String {
    sign_with(claims, &keys().forger)
}

/// The bank's next key, `kid` `bank-2`, not in [`config`]'s keys.
fn rotated_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        SigningKey::generate_es256(&mut ChaCha8Rng::seed_from_u64(5))
            .unwrap()
            .with_kid("bank-2")
    })
}

/// Signed by the bank with its next key.
fn rotated(jti: &str) -> String {
    sign_with(&claims_json(jti, ISS, AUD), rotated_key())
}

/// The JWK Set after the rotation: both keys.
fn rotated_keyring() -> Keyring {
    let set = JwkSet::new(vec![
        keys().bank.to_public_jwk(),
        rotated_key().to_public_jwk(),
    ]);
    Keyring::new(&set.unwrap()).unwrap()
}

fn token(jti: &str) -> String {
    signed(&claims_json(jti, ISS, AUD))
}

fn config() -> ReceiverConfig {
    let mut c = ReceiverConfig::new(ISS, AUD, keys().keyring.clone());
    c.max_events = Some(10);
    c.return_immediately = Some(true);
    c.poll_interval = Duration::from_secs(30);
    c.backoff = Backoff {
        base: Duration::from_secs(1),
        cap: Duration::from_secs(60),
        jitter: Jitter::None,
        retry_after_cap: Duration::from_secs(600),
    };
    c
}

fn receiver_with(c: ReceiverConfig) -> Receiver {
    Receiver::new(c).unwrap()
}

fn receiver() -> Receiver {
    receiver_with(config())
}

fn rng() -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(7)
}

fn t(secs: u64) -> Timestamp {
    Timestamp::from_secs(1_700_000_000 + secs)
}

fn sets_body(sets: &[(&str, String)], more: bool) -> String {
    let sets: serde_json::Map<String, serde_json::Value> = sets
        .iter()
        .map(|(k, v)| ((*k).to_owned(), serde_json::Value::String(v.clone())))
        .collect();
    serde_json::json!({ "sets": sets, "moreAvailable": more }).to_string()
}

fn body_of(req: &PollRequest) -> serde_json::Value {
    serde_json::from_str(&req.body).unwrap()
}

/// Poll at `now` and answer 201 with `sets`.
fn poll(rx: &mut Receiver, now: Timestamp, sets: &[(&str, String)], more: bool) -> Batch {
    let req = rx.poll_request(now).unwrap();
    let body = sets_body(sets, more);
    rx.handle_reply(req.id, HttpResponse::new(201, &body), now, &mut rng())
        .batch()
}

/// The two sides of a [`PollOutcome`], for tests that know which to expect.
trait Outcome {
    fn batch(self) -> Batch;
    fn failed(self) -> PollFailure;
}

impl Outcome for Result<PollOutcome, ReceiverError> {
    fn batch(self) -> Batch {
        match self.unwrap() {
            PollOutcome::Batch(b) => b,
            PollOutcome::Failed(f) => unreachable!("failed: {f:?}"),
        }
    }
    fn failed(self) -> PollFailure {
        match self.unwrap() {
            PollOutcome::Failed(f) => f,
            PollOutcome::Batch(b) => unreachable!("a batch: {b:?}"),
        }
    }
}

fn jtis(deliveries: &[Delivery]) -> Vec<&str> {
    deliveries.iter().map(|d| d.jti.as_str()).collect()
}

#[test]
fn first_request_is_a_poll_with_the_configured_members() {
    let mut rx = receiver();
    let req = rx.poll_request(t(0)).unwrap();
    assert_eq!(req.kind, RequestKind::Poll);
    assert_eq!(req.body, r#"{"maxEvents":10,"returnImmediately":true}"#);
    assert_eq!(rx.in_flight(), Some(req.id));
    assert!(!rx.has_changes(), "next_request changes no durable state");
}

#[test]
fn leaving_max_events_to_the_aspsp_omits_it() {
    let mut c = config();
    c.max_events = None;
    c.return_immediately = None;
    let mut rx = receiver_with(c);
    assert_eq!(rx.poll_request(t(0)).unwrap().body, "{}");
}

#[test]
fn delivers_verified_sets_then_flushes_acks_with_max_events_zero() {
    let mut rx = receiver();
    let a = token("a");
    let batch = poll(&mut rx, t(0), &[("a", a.clone()), ("b", token("b"))], false);
    assert_eq!(jtis(&batch.deliveries), ["a", "b"]);
    let d = &batch.deliveries[0];
    assert_eq!(d.iss, ISS);
    assert_eq!(d.event_types, [RU]);
    assert_eq!(d.claims.aud, [AUD]);
    assert_eq!(d.token, a);
    assert_eq!(d.delivered_at, t(0));
    assert!(!rx.take_changes().is_empty());

    rx.ack("a").unwrap();
    rx.ack("b").unwrap();
    assert_eq!(
        rx.poll_timeout(),
        Some(Timestamp::EPOCH),
        "a flush is due at once"
    );
    let req = rx.poll_request(t(1)).unwrap();
    assert_eq!(req.kind, RequestKind::AckOnly);
    assert_eq!(
        req.body,
        r#"{"maxEvents":0,"returnImmediately":true,"ack":["a","b"]}"#
    );
    let batch = rx
        .handle_reply(
            req.id,
            HttpResponse::new(200, r#"{"sets":{}}"#),
            t(1),
            &mut rng(),
        )
        .batch();
    assert_eq!(batch.acks_confirmed, 2);
    assert!(rx.state().pending_acks.is_empty());
    // Nothing pending: the next poll waits for the interval.
    assert_eq!(rx.poll_timeout(), Some(t(30)));
    assert_eq!(rx.poll_request(t(2)), None, "not yet");
    assert_eq!(rx.poll_request(t(30)).unwrap().kind, RequestKind::Poll);
}

#[test]
fn an_ack_made_while_a_request_is_in_flight_rides_the_next_one() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a")), ("b", token("b"))], true);
    rx.ack("a").unwrap();
    let req = rx.poll_request(t(0)).unwrap();
    assert_eq!(req.polling.ack, ["a"]);
    rx.ack("b").unwrap(); // while req is in flight
    assert_eq!(rx.poll_request(t(0)), None, "one request in flight");
    assert_eq!(rx.poll_timeout(), None);
    let batch = rx
        .handle_reply(
            req.id,
            HttpResponse::new(201, &sets_body(&[], false)),
            t(0),
            &mut rng(),
        )
        .batch();
    assert_eq!(batch.acks_confirmed, 1);
    assert_eq!(rx.state().pending_acks, ["b"]);
    let req = rx.poll_request(t(1)).unwrap();
    assert_eq!(req.polling.ack, ["b"]);
}

#[test]
fn failures_keep_every_ack_and_set_err_and_back_off() {
    let mut rx = receiver();
    poll(
        &mut rx,
        t(0),
        &[
            ("a", token("a")),
            ("x", forged(&claims_json("x", ISS, AUD))),
        ],
        true,
    );
    rx.ack("a").unwrap();
    let mut now = t(0);
    let mut expected_wait = 1;
    let mut failures = 0;
    for answer in [
        Some((503, "Service Unavailable")),
        None,
        Some((
            500,
            r#"{"Errors":[{"ErrorCode":"UK.OBIE.UnexpectedError"}]}"#,
        )),
        Some((200, "<html>proxy</html>")),
        Some((302, "")),
    ] {
        let req = rx.poll_request(now).unwrap();
        assert_eq!(req.polling.ack, ["a"]);
        assert_eq!(req.polling.set_errs.len(), 1);
        let retry_at = match answer {
            Some((status, body)) => {
                let f = rx
                    .handle_reply(req.id, HttpResponse::new(status, body), now, &mut rng())
                    .failed();
                assert_eq!(f.reason.status(), Some(status));
                assert_eq!(rx.poll_timeout(), Some(f.retry_at));
                f.retry_at
            }
            None => {
                let f = rx.handle_no_reply(req.id, now, &mut rng()).unwrap();
                assert_eq!(f.reason, FailureReason::NoAnswer);
                f.retry_at
            }
        };
        assert_eq!(
            retry_at,
            now.saturating_add(Duration::from_secs(expected_wait))
        );
        // Nothing goes out before the backoff expires, not even a flush.
        assert_eq!(rx.poll_request(now), None);
        assert_eq!(rx.state().pending_acks, ["a"]);
        failures += 1;
        assert_eq!(rx.state().schedule.consecutive_failures, failures);
        now = retry_at;
        expected_wait *= 2;
    }
    // Success clears them and resets the backoff.
    let req = rx.poll_request(now).unwrap();
    assert_eq!(req.kind, RequestKind::Poll);
    rx.handle_reply(
        req.id,
        HttpResponse::new(201, &sets_body(&[], false)),
        now,
        &mut rng(),
    )
    .batch();
    let s = rx.state();
    assert!(s.pending_acks.is_empty() && s.pending_set_errs.is_empty());
    assert_eq!(s.schedule.consecutive_failures, 0);
}

#[test]
fn error_statuses_are_typed_and_surface_the_ob_error_body() {
    let ob = r#"{"Code":"400 BadRequest","Id":"e-1","Message":"bad",
        "Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid","Message":"maxEvents"}]}"#;
    let cases: [(u16, &str, &str); 6] = [
        (400, ob, "request_rejected"),
        (401, "", "unauthorized"),
        (403, ob, "unauthorized"),
        (429, "", "throttled"),
        (503, ob, "server_error"),
        (101, "", "unexpected_status"),
    ];
    for (status, body, code) in cases {
        let mut rx = receiver();
        let req = rx.poll_request(t(0)).unwrap();
        let f = rx
            .handle_reply(req.id, HttpResponse::new(status, body), t(0), &mut rng())
            .failed();
        let e = f.reason;
        assert_eq!(e.code(), code);
        assert_eq!(f.failures_in_a_row, 1);
        assert!(!e.to_string().is_empty());
        if let FailureReason::RequestRejected { error, .. } = &e {
            let error = error.as_ref().unwrap();
            assert_eq!(error.errors[0].error_code.as_str(), "UK.OBIE.Field.Invalid");
            assert!(e.to_string().contains("UK.OBIE.Field.Invalid"));
        }
        assert_eq!(
            rx.state().schedule.consecutive_failures,
            1,
            "{status} backs off"
        );
    }
}

#[test]
fn retry_after_is_a_floor_on_the_backoff() {
    let mut rx = receiver();
    let req = rx.poll_request(t(0)).unwrap();
    let e = rx
        .handle_reply(
            req.id,
            HttpResponse::new(429, "").with_retry_after("120"),
            t(0),
            &mut rng(),
        )
        .failed();
    assert_eq!(
        e.reason,
        FailureReason::Throttled {
            retry_after: Some(Duration::from_secs(120))
        }
    );
    assert_eq!((e.retry_at, rx.poll_timeout()), (t(120), Some(t(120))));
    // A 503 with an HTTP date works the same way.
    let req = rx.poll_request(t(120)).unwrap();
    let date = "Tue, 14 Nov 2023 22:18:20 GMT"; // t(0) + 300 s
    assert_eq!(t(0).as_secs(), 1_700_000_000);
    rx.handle_reply(
        req.id,
        HttpResponse::new(503, "").with_retry_after(date),
        t(120),
        &mut rng(),
    )
    .failed();
    assert_eq!(rx.poll_timeout(), Some(t(300)));
}

#[test]
fn jitter_comes_from_the_callers_randomness() {
    let mut c = config();
    c.backoff.jitter = Jitter::Full;
    c.backoff.base = Duration::from_secs(100);
    c.backoff.cap = Duration::from_secs(100);
    let waits: Vec<Timestamp> = (0..4u64)
        .map(|seed| {
            let mut rx = receiver_with(c.clone());
            let req = rx.poll_request(t(0)).unwrap();
            rx.handle_no_reply(req.id, t(0), &mut ChaCha8Rng::seed_from_u64(seed))
                .unwrap()
                .retry_at
        })
        .collect();
    assert!(waits.iter().all(|w| *w <= t(100)));
    assert!(waits.windows(2).any(|w| w[0] != w[1]), "{waits:?}");
}

#[test]
fn answers_to_requests_not_in_flight_change_nothing() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a"))], true);
    rx.ack("a").unwrap();
    let _ = rx.take_changes();
    let req = rx.poll_request(t(0)).unwrap();
    let before = rx.state();
    let body = sets_body(&[("z", token("z"))], false);
    for stale in [RequestId(req.id.0 + 1), RequestId(0)] {
        let e = rx
            .handle_reply(stale, HttpResponse::new(201, &body), t(0), &mut rng())
            .unwrap_err();
        assert_eq!(e, ReceiverError::UnknownRequest { id: stale });
        assert_eq!(
            rx.handle_no_reply(stale, t(0), &mut rng())
                .unwrap_err()
                .code(),
            "unknown_request"
        );
    }
    assert_eq!(rx.state(), before);
    assert!(!rx.has_changes());
    assert_eq!(rx.in_flight(), Some(req.id));
    // A duplicate of an answer already handled is refused the same way.
    rx.handle_reply(req.id, HttpResponse::new(201, &body), t(0), &mut rng())
        .batch();
    let e = rx
        .handle_reply(req.id, HttpResponse::new(201, &body), t(0), &mut rng())
        .unwrap_err();
    assert_eq!(e.code(), "unknown_request");
}

#[test]
fn sets_failing_verification_are_reported_in_the_configured_vocabulary() {
    for (vocabulary, bad_sig, garbage) in [
        (Vocabulary::Obie, SetErrCode::Jws, SetErrCode::JwtParse),
        (
            Vocabulary::Rfc8935,
            SetErrCode::InvalidKey,
            SetErrCode::InvalidRequest,
        ),
    ] {
        let mut c = config();
        c.vocabulary = vocabulary;
        let mut rx = receiver_with(c);
        let forged = forged(&claims_json("x", ISS, AUD));
        let batch = poll(
            &mut rx,
            t(0),
            &[("x", forged), ("y", "garbage".into())],
            false,
        );
        assert!(batch.deliveries.is_empty());
        assert_eq!(batch.rejections.len(), 2);
        let r = &batch.rejections[0];
        assert_eq!(r.jti, "x");
        let sent = r.reported.clone().unwrap();
        assert_eq!(sent.err, bad_sig);
        assert!((1..=256).contains(&sent.description.chars().count()));
        let req = rx.poll_request(t(1)).unwrap();
        assert_eq!(req.kind, RequestKind::AckOnly);
        let body = body_of(&req);
        assert_eq!(body["setErrs"]["x"]["err"], bad_sig.as_str());
        assert_eq!(body["setErrs"]["y"]["err"], garbage.as_str());
        assert!(body.get("ack").is_none());
    }
}

#[test]
fn a_set_under_the_wrong_key_is_rejected_not_delivered() {
    let mut rx = receiver();
    // A validly signed "b" spliced in under key "a".
    let batch = poll(&mut rx, t(0), &[("a", token("b"))], false);
    assert!(batch.deliveries.is_empty());
    let r = &batch.rejections[0];
    assert_eq!(r.jti, "a");
    assert_eq!(
        r.reason,
        RejectReason::JtiMismatch {
            token_jti: "b".into()
        }
    );
    assert_eq!(r.reported.as_ref().unwrap().err, SetErrCode::SetData);
    let s = rx.state();
    assert_eq!(s.pending_set_errs[0].jti, "a");
    assert!(s.pending_acks.is_empty());
}

#[test]
fn the_receiver_checks_iss_and_aud_even_when_the_verifier_does_not() {
    // A host's verifier that forgets the issuer and audience checks.
    let lax = |tok: &str, keys: &Keyring, p: &VerifyPolicy, now: Timestamp| {
        let mut p = p.clone();
        p.issuer = None;
        p.audience = None;
        verify_set(tok, keys, &p, now)
    };
    let mut rx = Receiver::with_verifier(config(), lax).unwrap();
    let other_iss = signed(&claims_json("i", "https://evil.example/", AUD));
    let other_aud = signed(&claims_json("u", ISS, "someone-else"));
    let many_aud = signed(
        &serde_json::json!({"iss": ISS, "iat": 1, "jti": "m", "aud": ["x", AUD], "events": events()}),
    );
    let batch = poll(
        &mut rx,
        t(0),
        &[("i", other_iss), ("u", other_aud), ("m", many_aud)],
        false,
    );
    assert_eq!(
        jtis(&batch.deliveries),
        ["m"],
        "an aud array containing us is fine"
    );
    let codes: Vec<_> = batch
        .rejections
        .iter()
        .map(|r| (r.reason.code(), r.reported.as_ref().unwrap().err.clone()))
        .collect();
    assert_eq!(
        codes,
        [
            ("issuer_mismatch", SetErrCode::JwtIss),
            ("audience_mismatch", SetErrCode::JwtAud)
        ]
    );
}

#[test]
fn keys_that_cannot_be_reported_are_dropped_unreported() {
    let mut rx = receiver();
    let long = "k".repeat(129);
    let batch = poll(
        &mut rx,
        t(0),
        &[("", token("x")), (&long, token("y"))],
        false,
    );
    assert!(batch.deliveries.is_empty());
    assert!(batch
        .rejections
        .iter()
        .all(|r| r.reason == RejectReason::UnreportableKey && r.reported.is_none()));
    let s = rx.state();
    assert!(s.pending_acks.is_empty() && s.pending_set_errs.is_empty());
}

#[test]
fn redelivered_sets_are_acked_again_but_delivered_once() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a")), ("b", token("b"))], true);
    rx.ack("a").unwrap();
    rx.reject("b", SetErrCode::SetData, "unknown consent")
        .unwrap();
    // Flush the verdicts.
    let req = rx.poll_request(t(0)).unwrap();
    rx.handle_reply(
        req.id,
        HttpResponse::new(201, &sets_body(&[], true)),
        t(0),
        &mut rng(),
    )
    .batch();
    assert!(rx.state().pending_acks.is_empty());
    // The ASPSP sends both again (and "c" twice in one answer is impossible
    // in JSON, so "c" comes again in the next one while still in processing).
    let batch = poll(
        &mut rx,
        t(5),
        &[("a", token("a")), ("b", token("b")), ("c", token("c"))],
        true,
    );
    assert_eq!(jtis(&batch.deliveries), ["c"]);
    let of: Vec<_> = batch
        .duplicates
        .iter()
        .map(|d| (d.jti.as_str(), d.of))
        .collect();
    assert_eq!(
        of,
        [("a", DuplicateOf::Acked), ("b", DuplicateOf::Rejected)]
    );
    let req = rx.poll_request(t(5)).unwrap();
    let body = body_of(&req);
    assert_eq!(body["ack"], serde_json::json!(["a"]));
    assert_eq!(body["setErrs"]["b"]["err"], "setData");
    assert_eq!(body["setErrs"]["b"]["description"], "unknown consent");
    let batch = rx
        .handle_reply(
            req.id,
            HttpResponse::new(201, &sets_body(&[("c", token("c"))], false)),
            t(6),
            &mut rng(),
        )
        .batch();
    assert!(batch.deliveries.is_empty());
    assert_eq!(batch.duplicates[0].of, DuplicateOf::InProcessing);
    assert!(
        rx.state().pending_acks.is_empty(),
        "in processing: not acked yet"
    );
}

#[test]
fn the_dedup_window_forgets_by_time_and_count() {
    let mut c = config();
    c.dedup = DedupConfig {
        window: Duration::from_secs(3600),
        capacity: 2,
    };
    let mut rx = receiver_with(c);
    let b = poll(&mut rx, t(0), &[("a", token("a"))], true);
    assert_eq!(b.deliveries.len(), 1);
    rx.ack("a").unwrap();
    // Within the window: a duplicate.
    let b = poll(&mut rx, t(10), &[("a", token("a"))], true);
    assert!(b.deliveries.is_empty());
    // After the window: OBIE allows jti reuse, so it is a new SET.
    let b = poll(&mut rx, t(3600), &[("a", token("a"))], true);
    assert_eq!(jtis(&b.deliveries), ["a"]);
    rx.ack("a").unwrap();
    // Capacity 2: settling "b" and "c" pushes "a" out.
    let b = poll(
        &mut rx,
        t(3601),
        &[("b", token("b")), ("c", token("c"))],
        true,
    );
    rx.ack("b").unwrap();
    rx.ack("c").unwrap();
    assert_eq!(b.deliveries.len(), 2);
    assert_eq!(rx.state().processed.len(), 2);
    let b = poll(&mut rx, t(3602), &[("a", token("a"))], true);
    assert_eq!(jtis(&b.deliveries), ["a"]);
}

#[test]
fn verdicts_are_checked() {
    let mut rx = receiver();
    poll(
        &mut rx,
        t(0),
        &[("a", token("a")), ("b", token("b"))],
        false,
    );
    assert_eq!(rx.ack("nope").unwrap_err().code(), "unknown_jti");
    assert_eq!(
        rx.reject("nope", SetErrCode::SetData, "x")
            .unwrap_err()
            .code(),
        "unknown_jti"
    );
    rx.ack("a").unwrap();
    rx.ack("a").unwrap(); // harmless
    assert_eq!(
        rx.reject("a", SetErrCode::SetData, "x").unwrap_err(),
        ReceiverError::AlreadySettled { jti: "a".into() }
    );
    assert_eq!(
        rx.reject("b", SetErrCode::Other(String::new()), "x")
            .unwrap_err()
            .code(),
        "invalid_err_code"
    );
    assert_eq!(
        rx.reject("b", SetErrCode::Other("c".repeat(41)), "x")
            .unwrap_err()
            .code(),
        "invalid_err_code"
    );
    // A long description is cut at 256 characters (not bytes).
    rx.reject("b", SetErrCode::Other("app_error".into()), &"é".repeat(300))
        .unwrap();
    let e = &rx.state().pending_set_errs[0];
    assert_eq!(e.err.as_str(), "app_error");
    assert_eq!(e.description.chars().count(), 256);
    // Rejecting again replaces the entry; an empty description falls back.
    rx.reject("b", SetErrCode::SetType, "").unwrap();
    let s = rx.state();
    assert_eq!(s.pending_set_errs.len(), 1);
    assert_eq!(s.pending_set_errs[0].err, SetErrCode::SetType);
    assert!(!s.pending_set_errs[0].description.is_empty());
    assert_eq!(rx.ack("b").unwrap_err().code(), "already_settled");
}

#[test]
fn backpressure_stops_polls_but_not_flushes() {
    let mut c = config();
    c.max_unsettled = 2;
    let mut rx = receiver_with(c);
    poll(&mut rx, t(0), &[("a", token("a")), ("b", token("b"))], true);
    assert_eq!(rx.poll_request(t(0)), None, "backpressure");
    assert_eq!(rx.poll_timeout(), None, "not until the application settles");
    rx.reject("a", SetErrCode::SetData, "no").unwrap();
    // One slot is free again: a poll for one SET, carrying the setErr.
    let req = rx.poll_request(t(0)).unwrap();
    assert_eq!(req.kind, RequestKind::Poll);
    assert_eq!(req.polling.set_errs.len(), 1);
    assert_eq!(req.polling.max_events, Some(1));
    let forged = forged(&claims_json("x", ISS, AUD));
    let body = sets_body(&[("c", token("c")), ("x", forged)], true);
    rx.handle_reply(req.id, HttpResponse::new(201, &body), t(0), &mut rng())
        .batch();
    // Full again ("b", "c") with a setErr pending: only a flush goes out.
    let req = rx.poll_request(t(0)).unwrap();
    assert_eq!(req.kind, RequestKind::AckOnly);
    assert_eq!(body_of(&req)["maxEvents"], 0);
    rx.handle_reply(
        req.id,
        HttpResponse::new(201, &sets_body(&[], true)),
        t(0),
        &mut rng(),
    )
    .batch();
    assert_eq!((rx.poll_request(t(0)), rx.poll_timeout()), (None, None));
    rx.ack("b").unwrap();
    let req = rx.poll_request(t(0)).unwrap();
    assert_eq!(req.kind, RequestKind::Poll, "a slot is free after acking b");
}

#[test]
fn backpressure_lifts_when_the_application_settles() {
    let mut c = config();
    c.max_unsettled = 1;
    let mut rx = receiver_with(c);
    poll(&mut rx, t(0), &[("a", token("a"))], true);
    rx.ack("a").unwrap();
    poll(&mut rx, t(0), &[("b", token("b"))], true);
    // "b" fills the only slot and its ack is not in yet; nothing pending.
    assert_eq!((rx.poll_request(t(0)), rx.poll_timeout()), (None, None));
    rx.reject("b", SetErrCode::SetData, "no").unwrap();
    assert_eq!(rx.poll_request(t(0)).unwrap().kind, RequestKind::Poll);
}

#[test]
fn more_available_polls_again_at_once_and_flushes_do_not_postpone_polls() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a"))], true);
    assert_eq!(rx.poll_timeout().unwrap(), t(0));
    rx.ack("a").unwrap();
    let batch = poll(&mut rx, t(1), &[("b", token("b"))], false);
    assert_eq!(batch.acks_confirmed, 1);
    assert_eq!(rx.poll_timeout().unwrap(), t(31));
    rx.ack("b").unwrap();
    // A flush at t(10) that finds nothing more leaves the poll at t(31).
    let req = rx.poll_request(t(10)).unwrap();
    assert_eq!(req.kind, RequestKind::AckOnly);
    rx.handle_reply(
        req.id,
        HttpResponse::new(201, &sets_body(&[], false)),
        t(10),
        &mut rng(),
    )
    .batch();
    assert_eq!(rx.poll_timeout().unwrap(), t(31));
    assert_eq!(rx.poll_request(t(30)), None);
    assert_eq!(rx.poll_request(t(31)).unwrap().kind, RequestKind::Poll);
}

#[test]
fn an_ack_only_answer_that_carries_sets_anyway_is_handled() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a"))], false);
    rx.ack("a").unwrap();
    let req = rx.poll_request(t(1)).unwrap();
    assert_eq!(req.kind, RequestKind::AckOnly);
    let body = sets_body(&[("b", token("b"))], true);
    let batch = rx
        .handle_reply(req.id, HttpResponse::new(200, &body), t(1), &mut rng())
        .batch();
    assert_eq!(jtis(&batch.deliveries), ["b"]);
    assert_eq!(
        rx.poll_timeout().unwrap(),
        t(1),
        "moreAvailable brings the poll forward"
    );
}

#[test]
fn sloppy_but_readable_answers_are_accepted() {
    let cases = [
        (200, r#"{"sets":{}}"#.to_owned(), 0, false),
        (
            201,
            r#"{"sets":{},"moreAvailable":false,"x-extra":{"a":1}}"#.to_owned(),
            0,
            false,
        ),
        (
            200,
            format!(r#"{{"sets":{{"a":"{}"}}}}"#, token("a")),
            1,
            false,
        ),
        (
            201,
            format!(
                r#"{{"moreAvailable":true,"sets":{{"a":"{}"}}}}"#,
                token("a")
            ),
            1,
            true,
        ),
        (204, String::new(), 0, false),
        (200, r#"{"moreAvailable":true}"#.to_owned(), 0, true),
    ];
    for (status, body, delivered, more) in cases {
        let mut rx = receiver();
        let req = rx.poll_request(t(0)).unwrap();
        let batch = rx
            .handle_reply(req.id, HttpResponse::new(status, &body), t(0), &mut rng())
            .batch();
        assert_eq!(batch.deliveries.len(), delivered, "{body}");
        assert_eq!(batch.more_available, more, "{body}");
    }
}

#[test]
fn a_malformed_success_keeps_the_acks() {
    for body in ["", "null", r#"{"sets":[]}"#, "{not json"] {
        let mut rx = receiver();
        poll(&mut rx, t(0), &[("a", token("a"))], true);
        rx.ack("a").unwrap();
        let req = rx.poll_request(t(0)).unwrap();
        let e = rx
            .handle_reply(req.id, HttpResponse::new(201, body), t(0), &mut rng())
            .failed();
        assert_eq!(e.reason.code(), "malformed_response", "{body}");
        assert_eq!(rx.state().pending_acks, ["a"]);
    }
}

#[test]
fn a_failed_verification_never_contradicts_a_pending_verdict() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a"))], true);
    // A tampered copy of "a" while "a" is in processing: not reported.
    let tampered = sets_body(&[("a", forged(&claims_json("a", ISS, AUD)))], true);
    let req = rx.poll_request(t(1)).unwrap();
    let batch = rx
        .handle_reply(req.id, HttpResponse::new(201, &tampered), t(1), &mut rng())
        .batch();
    assert!(batch.rejections[0].reported.is_none());
    // And while its ack is pending (made during the next request, so not
    // carried by it): not reported either.
    let req = rx.poll_request(t(2)).unwrap();
    rx.ack("a").unwrap();
    let batch = rx
        .handle_reply(req.id, HttpResponse::new(201, &tampered), t(2), &mut rng())
        .batch();
    assert!(batch.rejections[0].reported.is_none());
    let s = rx.state();
    assert!(s.pending_set_errs.is_empty(), "{s:?}");
    assert_eq!(s.pending_acks, ["a"]);
}

#[test]
fn changes_are_recorded_exactly_when_something_durable_changed() {
    let mut rx = receiver();
    assert!(rx.take_changes().is_empty());
    let req = rx.poll_request(t(0)).unwrap();
    assert!(rx.take_changes().is_empty());
    rx.handle_reply(
        req.id,
        HttpResponse::new(201, &sets_body(&[("a", token("a"))], false)),
        t(0),
        &mut rng(),
    )
    .batch();
    let changes = rx.take_changes();
    assert!(
        changes
            .iter()
            .any(|c| matches!(c, ReceiverChange::Delivered { set } if set.jti == "a")),
        "the hand-over is recorded: {changes:?}"
    );
    assert!(rx.take_changes().is_empty());
    rx.ack("a").unwrap();
    assert!(rx.has_changes());
    let changes = rx.take_changes();
    assert!(changes.contains(&ReceiverChange::AckQueued { jti: "a".into() }));
    assert!(changes
        .iter()
        .any(|c| matches!(c, ReceiverChange::Settled { set } if set.jti == "a")));
    rx.ack("a").unwrap();
    assert!(!rx.has_changes(), "a repeated ack changes nothing");
    assert!(rx.ack("zz").is_err());
    assert!(!rx.has_changes());
}

/// A host that saves only the changes rebuilds exactly the receiver's
/// state, dedup evictions, held SETs and failures included.
#[test]
fn the_change_journal_replays_to_the_same_state() {
    let mut c = config();
    c.dedup.capacity = 3;
    let mut rx = receiver_with(c);
    let mut saved = rx.state();
    let mut journal = Vec::new();
    let check = |rx: &mut Receiver, journal: &mut Vec<ReceiverChange>, saved: &ReceiverState| {
        journal.extend(rx.take_changes());
        let mut replayed = saved.clone();
        replayed.apply(journal.clone()).unwrap();
        assert_eq!(replayed, rx.state());
    };
    for round in 0..4u64 {
        let jti = |n: u64| format!("s{round}-{n}");
        let sets = [
            (jti(0), token(&jti(0))),
            (jti(1), token(&jti(1))),
            (jti(2), rotated(&jti(2))),
            (jti(3), forged(&claims_json(&jti(3), ISS, AUD))),
        ];
        let sets: Vec<(&str, String)> = sets.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
        let b = poll(&mut rx, t(round * 100), &sets, false);
        check(&mut rx, &mut journal, &saved);
        for d in &b.deliveries {
            if d.jti.ends_with('0') {
                rx.ack(&d.jti).unwrap();
            } else {
                rx.reject(&d.jti, SetErrCode::SetData, "no").unwrap();
            }
            check(&mut rx, &mut journal, &saved);
        }
        let req = rx.poll_request(t(round * 100 + 1)).unwrap();
        rx.handle_no_reply(req.id, t(round * 100 + 1), &mut rng())
            .unwrap();
        check(&mut rx, &mut journal, &saved);
        if round == 2 {
            let r = rx.refresh_keys(rotated_keyring(), t(round * 100 + 2));
            for d in r.deliveries {
                rx.ack(&d.jti).unwrap();
            }
            check(&mut rx, &mut journal, &saved);
            // Compaction: the snapshot replaces the saved state and journal.
            saved = rx.state();
            journal.clear();
        }
    }
    assert_eq!(rx.state().processed.len(), 3, "evictions replayed");
}

#[test]
fn an_undrained_journal_collapses_into_one_snapshot() {
    let mut c = config();
    c.max_unsettled = 100_000;
    c.max_events = None;
    let mut rx = receiver_with(c);
    // Each round trip records a few changes; never drained.
    // Each round trip records a few changes (delivered, settled, queued,
    // confirmed, schedule); never drained.
    for n in 0..4_000u64 {
        let jti = format!("j{n}");
        poll(&mut rx, t(n * 30), &[(&jti, token(&jti))], false);
        rx.ack(&jti).unwrap();
    }
    let changes = rx.take_changes();
    assert!(changes.len() < 8_192, "{}", changes.len());
    assert!(matches!(changes[0], ReceiverChange::Snapshot { .. }));
    let mut replayed = ReceiverState::default();
    replayed.apply(changes).unwrap();
    assert_eq!(replayed, rx.state());
}

#[test]
fn restore_brings_back_everything_but_the_request_in_flight() {
    let mut rx = receiver();
    poll(
        &mut rx,
        t(0),
        &[("a", token("a")), ("b", token("b")), ("c", token("c"))],
        true,
    );
    rx.ack("a").unwrap();
    rx.reject("b", SetErrCode::SetData, "bad").unwrap();
    let req = rx.poll_request(t(0)).unwrap();
    let _ = rx.take_changes();
    let saved = rx.state();
    let json = saved.to_json();

    // Crash. A new process restores from the saved JSON.
    let mut rx2 = receiver();
    rx2.restore(ReceiverState::from_json(&json).unwrap())
        .unwrap();
    assert!(!rx2.has_changes());
    assert_eq!(rx2.state(), saved);
    assert_eq!(rx2.in_flight(), None);
    let again = rx2.unsettled();
    assert_eq!(jtis(&again), ["c"]);
    assert_eq!(again[0].claims.jti, "c");
    assert_eq!(again[0].delivered_at, t(0));
    // The old request's answer cannot be matched; the next request carries
    // the verdicts again.
    let e = rx2
        .handle_reply(
            req.id,
            HttpResponse::new(201, &sets_body(&[], false)),
            t(1),
            &mut rng(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "unknown_request");
    let req = rx2.poll_request(t(1)).unwrap();
    assert_eq!(req.polling.ack, ["a"]);
    assert_eq!(req.polling.set_errs[0].0, "b");
    // Dedup survived: a redelivered "a" is not delivered again.
    let body = sets_body(&[("a", token("a")), ("c", token("c"))], false);
    let batch = rx2
        .handle_reply(req.id, HttpResponse::new(201, &body), t(1), &mut rng())
        .batch();
    assert!(batch.deliveries.is_empty());
    rx2.ack("c").unwrap();
}

#[test]
fn restore_drops_unsettled_sets_that_no_longer_verify() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a")), ("b", token("b"))], true);
    let mut saved = rx.state();
    saved.unsettled[0].token = forged(&claims_json("a", ISS, AUD));
    let mut rx2 = receiver();
    rx2.restore(saved).unwrap();
    assert_eq!(jtis(&rx2.unsettled()), ["b"]);
    assert!(rx2.has_changes());
    // "a" is judged afresh when the ASPSP sends it again.
    let batch = poll(&mut rx2, t(1), &[("a", token("a"))], false);
    assert_eq!(jtis(&batch.deliveries), ["a"]);
}

#[test]
fn restore_refuses_a_bad_state_and_changes_nothing() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a"))], true);
    let before = rx.state();
    let mut bad = before.clone();
    bad.pending_acks = vec!["x".into(), "x".into()];
    assert_eq!(rx.restore(bad).unwrap_err().code(), "state_duplicate_jti");
    assert_eq!(rx.state(), before);
}

#[test]
fn custom_verifiers_see_every_set_with_the_configured_policy() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let log = seen.clone();
    let verifier = move |tok: &str, keys: &Keyring, p: &VerifyPolicy, now: Timestamp| {
        log.lock()
            .unwrap()
            .push((p.issuer.clone(), p.audience.clone(), now));
        verify_set(tok, keys, p, now)
    };
    let mut rx = Receiver::with_verifier(config(), verifier).unwrap();
    let b = poll(
        &mut rx,
        t(3),
        &[("a", token("a")), ("b", token("b"))],
        false,
    );
    assert_eq!(b.deliveries.len(), 2);
    let seen = seen.lock().unwrap();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], (Some(ISS.to_owned()), Some(AUD.to_owned()), t(3)));
}

#[test]
fn deliveries_carry_the_verified_claims_and_token() {
    let mut rx = receiver();
    let b = poll(&mut rx, t(0), &[("a", token("a"))], false);
    let d = &b.deliveries[0];
    let expected: VerifiedSet =
        verify_set(&d.token, &keys().keyring, &rx.config().policy, t(0)).unwrap();
    assert_eq!(d.claims, expected.claims);
    assert_eq!(d.claims.txn.as_deref(), Some("t-1"));
    assert_eq!(
        d.claims.sub.as_deref(),
        Some("https://bank.example/aisp/account-access-consents/aac-1")
    );
    assert!(matches!(
        verify_set("x.y.z", &keys().keyring, &rx.config().policy, t(0)),
        Err(VerifyError::Jws(_))
    ));
}

#[test]
fn receiver_debug_does_not_dump_tokens() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("a", token("a"))], false);
    let dbg = format!("{rx:?}");
    assert!(dbg.contains("unsettled: 1"), "{dbg}");
    assert!(!dbg.contains("fake."), "{dbg}");
}

#[test]
fn one_broken_entry_in_sets_does_not_block_the_others() {
    let mut rx = receiver();
    let req = rx.poll_request(t(0)).unwrap();
    let body = format!(
        r#"{{"sets":{{"a":"{}","b":{{"not":"a string"}},"c":""}},"moreAvailable":false}}"#,
        token("a")
    );
    let batch = rx
        .handle_reply(req.id, HttpResponse::new(200, &body), t(0), &mut rng())
        .batch();
    assert_eq!(
        batch.salvaged.as_ref().map(|e| e.code()),
        Some("wrong_type")
    );
    assert_eq!(jtis(&batch.deliveries), ["a"]);
    let reported: Vec<&str> = batch
        .rejections
        .iter()
        .filter(|r| r.reported.is_some())
        .map(|r| r.jti.as_str())
        .collect();
    assert_eq!(reported, ["b", "c"]);
}

#[test]
fn a_receiver_can_move_between_threads() {
    // Bindings hold receivers behind Send + Sync handles.
    fn send_sync<T: Send + Sync>() {}
    send_sync::<Receiver>();
    send_sync::<ReceiverState>();
    send_sync::<ReceiverError>();
    let mut rx = receiver();
    let req = std::thread::spawn(move || {
        let req = rx.poll_request(t(0)).unwrap();
        (rx, req)
    })
    .join()
    .unwrap();
    assert_eq!(req.0.in_flight(), Some(req.1.id));
}

// --------------------------------------------------------------------------
// Key rotation: SETs under an unknown kid are held, never lost
// --------------------------------------------------------------------------

#[test]
fn a_set_under_an_unknown_kid_is_held_until_the_keys_are_refreshed() {
    let mut rx = receiver();
    let b = poll(
        &mut rx,
        t(0),
        &[("a", token("a")), ("r", rotated("r"))],
        false,
    );
    assert_eq!(jtis(&b.deliveries), ["a"]);
    assert_eq!(b.held, ["r"]);
    assert!(b.rejections.is_empty(), "not reported: {:?}", b.rejections);
    let stale = b.keys_stale.unwrap();
    assert_eq!(
        (stale.kids, stale.held, stale.refresh_at),
        (vec!["bank-2".to_owned()], 1, t(0))
    );
    assert_eq!(
        rx.poll_timeout(),
        Some(t(0)),
        "the first refresh is due at once"
    );
    rx.ack("a").unwrap();
    // The hold sends neither an ack nor a setErrs entry for "r".
    let req = rx.poll_request(t(1)).unwrap();
    assert_eq!(req.polling.ack, ["a"]);
    assert!(req.polling.set_errs.is_empty());
    // The ASPSP sends "r" again before the refresh: still held, once.
    let b = rx
        .handle_reply(
            req.id,
            HttpResponse::new(200, &sets_body(&[("r", rotated("r"))], false)),
            t(1),
            &mut rng(),
        )
        .batch();
    assert_eq!(
        b.duplicates,
        [Duplicate {
            jti: "r".into(),
            of: DuplicateOf::Held
        }]
    );
    // The host refreshes: "r" is delivered, stamped now.
    let r = rx.refresh_keys(rotated_keyring(), t(2));
    assert_eq!(jtis(&r.deliveries), ["r"]);
    assert_eq!(r.deliveries[0].delivered_at, t(2));
    assert!(rx.keys_stale().is_none());
    rx.ack("r").unwrap();
    assert_eq!(rx.poll_request(t(2)).unwrap().polling.ack, ["r"]);
}

#[test]
fn a_kid_still_unknown_after_a_refresh_is_reported_and_refreshes_are_rate_limited() {
    for (vocabulary, code) in [
        (Vocabulary::Obie, SetErrCode::Jws),
        (Vocabulary::Rfc8935, SetErrCode::InvalidKey),
    ] {
        let mut c = config();
        c.vocabulary = vocabulary;
        c.key_refresh_interval = Duration::from_secs(60);
        let mut rx = receiver_with(c);
        let forger = SigningKey::generate_es256(&mut ChaCha8Rng::seed_from_u64(6))
            .unwrap()
            .with_kid("made-up");
        let fake = |jti: &str| sign_with(&claims_json(jti, ISS, AUD), &forger);
        let b = poll(&mut rx, t(0), &[("f1", fake("f1"))], false);
        assert_eq!(b.held, ["f1"]);
        // The refresh does not know "made-up" either: reported now.
        let r = rx.refresh_keys(keys().keyring.clone(), t(1));
        assert_eq!(r.rejections.len(), 1);
        assert_eq!(r.rejections[0].reported.as_ref().unwrap().err, code);
        assert_eq!(r.rejections[0].reason.code(), "unknown_kid");
        // The next forged kid waits for the rate limit: no refresh before t(61).
        let b = poll(&mut rx, t(30), &[("f2", fake("f2"))], false);
        assert_eq!(b.keys_stale.unwrap().refresh_at, t(61));
        assert_eq!(rx.poll_timeout(), Some(t(60)), "the next poll comes first");
        // A refresh that fails counts as an attempt too.
        rx.refresh_keys_failed(t(61));
        assert_eq!(rx.keys_stale().unwrap().refresh_at, t(121));
        assert_eq!(rx.state().held.len(), 1, "still held, nothing reported");
        assert!(rx.state().pending_set_errs.iter().all(|e| e.jti != "f2"));
    }
}

#[test]
fn held_sets_survive_a_restart_and_are_judged_with_the_keys_of_the_new_process() {
    let mut rx = receiver();
    poll(&mut rx, t(0), &[("r", rotated("r"))], false);
    let saved = ReceiverState::from_json(&rx.state().to_json()).unwrap();
    assert_eq!(saved.held.len(), 1);
    // A process that still has the old keys keeps holding it ...
    let mut same = receiver();
    same.restore(saved.clone()).unwrap();
    assert_eq!(same.keys_stale().unwrap().kids, ["bank-2"]);
    assert!(same.unsettled().is_empty());
    // ... one that fetched the new JWK Set at start hands it over.
    let mut c = config();
    c.keys = rotated_keyring();
    let mut fresh = receiver_with(c);
    fresh.restore(saved.clone()).unwrap();
    assert_eq!(jtis(&fresh.unsettled()), ["r"]);
    assert!(fresh.keys_stale().is_none());
    let mut replayed = saved;
    replayed.apply(fresh.take_changes()).unwrap();
    assert_eq!(replayed, fresh.state());
}

#[test]
fn held_sets_count_against_max_unsettled() {
    let mut c = config();
    c.max_unsettled = 2;
    let mut rx = receiver_with(c);
    poll(
        &mut rx,
        t(0),
        &[("a", token("a")), ("r", rotated("r"))],
        true,
    );
    assert_eq!(rx.poll_request(t(0)), None, "backpressure");
    // Only the key refresh is due.
    assert_eq!(rx.poll_timeout(), Some(t(0)));
    let r = rx.refresh_keys(rotated_keyring(), t(0));
    assert_eq!(jtis(&r.deliveries), ["r"]);
    rx.ack("r").unwrap();
    assert_eq!(rx.poll_request(t(0)).unwrap().polling.max_events, Some(1));
}

// --------------------------------------------------------------------------
// No spinning
// --------------------------------------------------------------------------

/// A transmitter that ignores `ack`: every poll gets the same SETs back
/// (`moreAvailable: true`), every flush gets nothing. The receiver acks
/// them each time; after a few seconds it sends at most 2 requests a second.
#[test]
fn a_transmitter_that_ignores_acks_does_not_make_the_receiver_spin() {
    let mut c = config();
    c.max_events = Some(2);
    c.return_immediately = Some(true);
    c.poll_interval = Duration::from_millis(200);
    c.backoff.base = Duration::from_secs(1);
    c.backoff.cap = Duration::from_secs(300);
    c.backoff.jitter = Jitter::Equal;
    let mut rx = receiver_with(c);
    let same = sets_body(&[("a", token("a")), ("b", token("b"))], true);
    let empty = sets_body(&[], true);
    let mut now = t(0);
    let end = t(120);
    let mut sent = Vec::new();
    let mut random = rng();
    while now < end {
        match rx.poll_request(now) {
            Some(req) => {
                sent.push(now);
                let body = if req.kind == RequestKind::Poll {
                    &same
                } else {
                    &empty
                };
                // 5 ms round trip.
                now = now.saturating_add(Duration::from_millis(5));
                let out = rx.handle_reply(req.id, HttpResponse::new(200, body), now, &mut random);
                if let Ok(PollOutcome::Batch(b)) = out {
                    for d in b.deliveries {
                        rx.ack(&d.jti).unwrap();
                    }
                }
            }
            None => {
                let at = rx.poll_timeout().unwrap();
                now = at.max(now.saturating_add(Duration::from_millis(1)));
            }
        }
    }
    let after = |secs: u64| sent.iter().filter(|s| **s >= t(secs)).count();
    assert!(sent.len() < 40, "{} requests in 120 s", sent.len());
    // From second 5 on: at most about 2 a second in any 10 s window.
    for from in (5..110).step_by(5) {
        let n = after(from) - after(from + 10);
        assert!(n <= 20, "{n} requests in [{from}, {}) s", from + 10);
    }
    // The acks still ride every poll.
    let req = loop {
        if let Some(req) = rx.poll_request(now) {
            break req;
        }
        now = rx.poll_timeout().unwrap();
    };
    assert_eq!(req.polling.ack, ["a", "b"]);
    // New SETs end the stall at once.
    let body = sets_body(&[("c", token("c"))], true);
    rx.handle_reply(req.id, HttpResponse::new(200, &body), now, &mut random)
        .batch();
    assert_eq!(rx.state().schedule.stalled_polls, 0);
    assert!(rx.poll_request(now).is_some());
}

#[test]
fn a_set_rejected_again_and_again_is_no_progress() {
    let mut rx = receiver();
    let bad = sets_body(&[("x", forged(&claims_json("x", ISS, AUD)))], true);
    let mut now = t(0);
    for _ in 0..6 {
        let req = loop {
            if let Some(req) = rx.poll_request(now) {
                break req;
            }
            now = rx.poll_timeout().unwrap();
        };
        rx.handle_reply(req.id, HttpResponse::new(200, &bad), now, &mut rng())
            .batch();
    }
    assert!(
        rx.state().schedule.stalled_polls >= 4,
        "{:?}",
        rx.state().schedule
    );
    assert!(now >= t(2), "backed off: {}", now.as_millis());
}

#[test]
fn a_404_or_501_to_a_long_poll_falls_back_to_return_immediately() {
    for status in [404, 501] {
        let mut c = config();
        c.return_immediately = None;
        let mut rx = receiver_with(c);
        let req = rx.poll_request(t(0)).unwrap();
        assert_eq!(req.body, r#"{"maxEvents":10}"#);
        let f = rx
            .handle_reply(req.id, HttpResponse::new(status, ""), t(0), &mut rng())
            .failed();
        assert!(f.long_poll_refused);
        let req = rx.poll_request(f.retry_at).unwrap();
        assert_eq!(req.body, r#"{"maxEvents":10,"returnImmediately":true}"#);
        // A 404 to a short poll is an ordinary failure.
        let f = rx
            .handle_reply(req.id, HttpResponse::new(404, ""), f.retry_at, &mut rng())
            .failed();
        assert!(!f.long_poll_refused);
    }
    // An explicit long poll (returnImmediately: false) falls back too.
    let mut c = config();
    c.return_immediately = Some(false);
    let mut rx = receiver_with(c);
    let req = rx.poll_request(t(0)).unwrap();
    let f = rx
        .handle_reply(req.id, HttpResponse::new(501, ""), t(0), &mut rng())
        .failed();
    assert!(f.long_poll_refused);
    assert_eq!(
        rx.poll_request(f.retry_at)
            .unwrap()
            .polling
            .return_immediately,
        Some(true)
    );
}

#[test]
fn outstanding_counts_what_the_state_holds() {
    let mut rx = receiver();
    assert_eq!(rx.outstanding(), Outstanding::default());
    let forged_b = forged(&claims_json("f", ISS, AUD));
    let b = poll(
        &mut rx,
        t(0),
        &[
            ("a", token("a")),
            ("b", token("b")),
            ("r", rotated("r")),
            ("f", forged_b),
        ],
        false,
    );
    assert_eq!(jtis(&b.deliveries), ["a", "b"]);
    rx.ack("a").unwrap();
    let state = rx.state();
    let want = Outstanding {
        pending_acks: 1,
        pending_set_errs: 1,
        unsettled: 1,
        held: 1,
    };
    assert_eq!(rx.outstanding(), want);
    assert_eq!(
        (
            state.pending_acks.len(),
            state.pending_set_errs.len(),
            state.unsettled.len(),
            state.held.len()
        ),
        (1, 1, 1, 1)
    );
}
