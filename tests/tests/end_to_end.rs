//! Cross-cutting tests: the pieces of the core used together the way a bank
//! and a TPP use them, on both crypto backends.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;

use rand_chacha::rand_core::SeedableRng as _;
use rand_chacha::ChaCha20Rng;
use setpoll_core::claims::{EventSubject, ResourceLink, SetClaims};
use setpoll_core::codes::{SetErrCode, Vocabulary};
use setpoll_core::crypto::Backend;
use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
use setpoll_core::set::{sign_set, verify_set, VerifyPolicy};
use setpoll_core::transmitter::{MemoryQueue, PollDecision, SetState, TransmitterConfig};
use setpoll_core::wire::{
    EventPolling, EventPollingResponse, RequestOptions, ResponseLimits, SetErr,
};
use setpoll_core::Timestamp;
use setpoll_tests::gen::claims::OBIE_EXAMPLE;

const BACKENDS: [Backend; 2] = [Backend::Portable, Backend::Native];
const BANK: &str = "https://examplebank.com/";
const TPP: &str = "7umx5nTR33811QyQfi";

/// `shared/spec`: `$SETPOLL_SPEC_DIR`, else the first `shared/spec` above this crate.
fn spec_dir() -> PathBuf {
    if let Ok(dir) = std::env::var("SETPOLL_SPEC_DIR") {
        return PathBuf::from(dir);
    }
    let mut here = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    loop {
        let candidate = here.join("shared").join("spec");
        if candidate.join("README.md").is_file() {
            return candidate;
        }
        assert!(here.pop(), "shared/spec not found");
    }
}

/// The example payload as the protocol brief quotes it from the OBIE docs.
fn documented_example() -> String {
    let readme = std::fs::read_to_string(spec_dir().join("README.md")).unwrap();
    let start = readme.find("Example payload").expect("no example heading");
    let rest = &readme[start..];
    let open = rest.find("```json").unwrap() + "```json".len();
    let close = rest[open..].find("```").unwrap();
    rest[open..open + close].trim().to_owned()
}

fn keys() -> (SigningKey, SigningKey) {
    let mut rng = ChaCha20Rng::seed_from_u64(42);
    let es = SigningKey::generate_es256(&mut rng)
        .unwrap()
        .with_kid("bank-es");
    let ps = SigningKey::generate_ps256(&mut rng, 2048)
        .unwrap()
        .with_kid("bank-ps");
    (es, ps)
}

fn jwks(keys: &[&SigningKey]) -> JwkSet {
    JwkSet::from_json(
        JwkSet::new(keys.iter().map(|k| k.to_public_jwk()).collect())
            .unwrap()
            .to_json()
            .as_bytes(),
    )
    .unwrap()
}

#[test]
fn the_vector_example_is_the_documented_one() {
    assert_eq!(OBIE_EXAMPLE, documented_example());
}

#[test]
fn obie_documentation_payload_signed_and_verified_on_every_backend_pair() {
    let claims = SetClaims::from_json(documented_example().as_bytes()).unwrap();
    claims.check_obie_profile().unwrap();
    let (es, ps) = keys();
    let set = jwks(&[&es, &ps]);
    let now = Timestamp::from_secs(1_516_239_022 + 5);
    let profiles = [
        HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap(),
        HeaderProfile::rfc8417(),
    ];
    let mut verified = 0;
    for key in [&es, &ps] {
        for signer in BACKENDS {
            let key = key.clone().with_backend(signer).unwrap();
            for profile in &profiles {
                let token = sign_set(&claims, &key, profile, now).unwrap();
                for verifier in BACKENDS {
                    let ring = Keyring::with_backend(&set, verifier).unwrap();
                    let v = verify_set(&token, &ring, &VerifyPolicy::new(BANK, TPP), now)
                        .unwrap_or_else(|e| {
                            panic!(
                                "{} signed on {signer:?}, verified on {verifier:?}: {e}",
                                key.kid()
                            )
                        });
                    assert_eq!(v.claims, claims);
                    assert_eq!(v.kid.as_deref(), Some(key.kid()));
                    assert_eq!(v.alg, key.algorithm());
                    // The payload is the example, re-serialised byte for byte.
                    assert_eq!(v.claims.to_json(), claims.to_json());
                    verified += 1;
                }
            }
        }
    }
    assert_eq!(verified, 2 * 2 * 2 * 2);
}

#[test]
fn portable_signatures_are_reproducible_and_native_ones_verify() {
    let claims = SetClaims::from_json(OBIE_EXAMPLE.as_bytes()).unwrap();
    let (es, ps) = keys();
    let now = Timestamp::from_secs(1_516_239_030);
    let profile = HeaderProfile::rfc8417();
    for key in [es, ps] {
        let portable = key.clone().with_backend(Backend::Portable).unwrap();
        let a = sign_set(&claims, &portable, &profile, now).unwrap();
        let b = sign_set(&claims, &portable, &profile, now).unwrap();
        assert_eq!(a, b, "{}: portable signing is deterministic", key.kid());
        let native = key.clone().with_backend(Backend::Native).unwrap();
        let n = sign_set(&claims, &native, &profile, now).unwrap();
        let (input_a, _) = a.rsplit_once('.').unwrap();
        let (input_n, _) = n.rsplit_once('.').unwrap();
        assert_eq!(input_a, input_n, "same header and payload on both backends");
    }
}

/// The bank signs and queues SETs, the TPP polls over the wire format,
/// verifies each SET, acknowledges the good ones and reports the bad one;
/// the bank's queue ends empty except for the reported SET (dead letter).
#[test]
fn bank_and_tpp_round_trip_through_the_wire_format() {
    let (es, ps) = keys();
    let set = jwks(&[&es, &ps]);
    let bank_profile = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap();
    let t0 = Timestamp::from_secs(1_700_000_000);
    let mut queue = MemoryQueue::new(TransmitterConfig::default()).unwrap();

    // Three good SETs (both algorithms) and one signed by a key the TPP does not know.
    let rogue = SigningKey::generate_es256(&mut ChaCha20Rng::seed_from_u64(7))
        .unwrap()
        .with_kid("rogue");
    let mut jtis = Vec::new();
    for (i, key) in [&es, &ps, &es, &rogue].into_iter().enumerate() {
        let jti = format!("jti-{i}");
        let claims = SetClaims::builder(BANK, &jti, TPP, 1_700_000_000)
            .sub(format!(
                "{BANK}api/open-banking/v3.1/aisp/account-access-consents/aac-{i}"
            ))
            .txn(format!("txn-{i}"))
            .toe(1_700_000_000)
            .resource_update(EventSubject::new(
                format!("aac-{i}"),
                "account-access-consent",
                vec![ResourceLink::new("v3.1", format!("{BANK}aac-{i}"))],
            ))
            .build()
            .unwrap();
        let token = sign_set(&claims, key, &bank_profile, t0).unwrap();
        let outcome = queue.enqueue(token, t0).unwrap();
        assert_eq!(outcome.wake(), Some(TPP));
        jtis.push(jti);
    }

    // TPP: first poll, as bytes on the wire both ways.
    let request = EventPolling {
        max_events: Some(10),
        return_immediately: Some(true),
        ..EventPolling::default()
    };
    let body = request.to_json();
    let parsed = EventPolling::parse(body.as_bytes(), &RequestOptions::default()).unwrap();
    let poll = queue.poll(
        TPP,
        &parsed,
        t0.saturating_add(std::time::Duration::from_secs(1)),
    );
    let PollDecision::Respond(response) = poll.decision else {
        panic!("expected an answer");
    };
    let wire = response.to_json();
    let received =
        EventPollingResponse::parse_lenient(wire.as_bytes(), &ResponseLimits::default()).unwrap();
    assert_eq!(received.sets.len(), 4);
    assert!(!received.more_available);

    // TPP verifies each SET and prepares its feedback.
    let ring = Keyring::new(&set).unwrap();
    let policy = VerifyPolicy::new(BANK, TPP);
    let now = t0.saturating_add(std::time::Duration::from_secs(2));
    let mut next = EventPolling {
        max_events: Some(0),
        ..EventPolling::default()
    };
    for (jti, token) in &received.sets {
        match verify_set(token, &ring, &policy, now) {
            Ok(v) => {
                assert_eq!(&v.claims.jti, jti);
                next.ack.push(jti.clone());
            }
            Err(e) => next.set_errs.push((
                jti.clone(),
                SetErr {
                    err: e.set_err(Vocabulary::Obie),
                    description: e.description(),
                },
            )),
        }
    }
    assert_eq!(next.ack, jtis[..3]);
    assert_eq!(next.set_errs.len(), 1);
    assert_eq!(next.set_errs[0].0, "jti-3");
    assert_eq!(next.set_errs[0].1.err, SetErrCode::Jws);

    // Second poll carries the feedback over the wire.
    let body = next.to_json();
    let parsed = EventPolling::parse(body.as_bytes(), &RequestOptions::default()).unwrap();
    assert_eq!(parsed, next);
    let poll = queue.poll(TPP, &parsed, now);
    assert_eq!(poll.changes.len(), 4, "three deletes and one dead letter");
    let response = poll.response().unwrap();
    assert!(response.sets.is_empty());
    let left = queue.records();
    assert_eq!(left.len(), 1);
    assert_eq!(left[0].jti, "jti-3");
    assert_eq!(left[0].state, SetState::DeadLetter);
}

/// The documented payload, signed by the bank (PS256, OBIE header), queued
/// by the transmitter, fetched and verified by the receiver over the wire
/// format, acknowledged, and deleted from the bank's queue; on both backends
/// for the receiver's keyring.
#[test]
fn documented_payload_from_transmitter_to_receiver_and_back() {
    use setpoll_core::receiver::{
        HttpResponse, PollOutcome, Receiver, ReceiverConfig, RequestKind,
    };

    let (_, ps) = keys();
    let claims = SetClaims::from_json(documented_example().as_bytes()).unwrap();
    let t0 = Timestamp::from_secs(1_516_239_022);
    let token = sign_set(
        &claims,
        &ps,
        &HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap(),
        t0,
    )
    .unwrap();
    let later = |ms: u64| t0.saturating_add(std::time::Duration::from_millis(ms));

    for backend in BACKENDS {
        let mut queue = MemoryQueue::new(TransmitterConfig::default()).unwrap();
        let queued = queue.enqueue(token.clone(), t0).unwrap();
        assert_eq!(queued.wake(), Some(TPP));
        let ring = Keyring::with_backend(&jwks(&[&ps]), backend).unwrap();
        let mut config = ReceiverConfig::new(BANK, TPP, ring);
        config.max_events = Some(5);
        let mut rx = Receiver::new(config).unwrap();
        let mut rng = ChaCha20Rng::seed_from_u64(1);

        // TPP -> bank: the body crosses as text.
        let req = rx.poll_request(later(10)).unwrap();
        assert_eq!(req.kind, RequestKind::Poll);
        let opts = RequestOptions::default();
        let request = EventPolling::parse(req.body.as_bytes(), &opts).unwrap();
        let answer = queue.poll(TPP, &request, later(20));
        let body = answer.response().unwrap().to_json();

        // bank -> TPP.
        let PollOutcome::Batch(batch) = rx
            .handle_reply(req.id, HttpResponse::new(200, &body), later(30), &mut rng)
            .unwrap()
        else {
            panic!("{backend:?}: the answer failed");
        };
        assert_eq!(batch.deliveries.len(), 1, "{backend:?}");
        let delivery = &batch.deliveries[0];
        assert_eq!(delivery.claims, claims);
        assert_eq!(delivery.token, token, "the token arrives byte for byte");
        assert!(batch.rejections.is_empty());
        rx.ack(&delivery.jti).unwrap();

        // The acknowledgement goes out with the next request and empties the queue.
        let req = rx.poll_request(later(40)).unwrap();
        let request = EventPolling::parse(req.body.as_bytes(), &opts).unwrap();
        assert_eq!(request.ack, std::slice::from_ref(&claims.jti));
        let answer = queue.poll(TPP, &request, later(50));
        assert!(queue.is_empty(), "{backend:?}: acknowledged SET deleted");
        let body = answer.response().unwrap().to_json();
        let PollOutcome::Batch(batch) = rx
            .handle_reply(req.id, HttpResponse::new(200, &body), later(60), &mut rng)
            .unwrap()
        else {
            panic!("{backend:?}: the answer failed");
        };
        assert_eq!(batch.acks_confirmed, 1);
        assert!(rx.state().pending_acks.is_empty());
    }
}
