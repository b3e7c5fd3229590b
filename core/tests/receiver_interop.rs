//! The receiver against the official OpenAPI files and real signer profiles:
//! every body it writes fits `OBEventPolling1` of each version, every success
//! status the files list is accepted, every error status they list keeps the
//! acks and backs off, sloppy answers are read, and SETs signed under the
//! OBIE and the RFC 8417 header profiles (PS256 and ES256) are delivered.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::OnceLock;
use std::time::Duration;

use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Value};

use setpoll_core::claims::SetClaims;
use setpoll_core::codes::SetErrCode;
use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
use setpoll_core::receiver::{
    Batch, FailureReason, HttpResponse, PollOutcome, Receiver, ReceiverConfig, RequestKind,
};
use setpoll_core::set::sign_set;
use setpoll_core::wire::{EventPolling, RequestOptions};
use setpoll_core::Timestamp;

const ISS: &str = "https://aspsp.example/";
const AUD: &str = "7umx5nTR33811QyQfi";

struct Signers {
    es256: SigningKey,
    ps256: SigningKey,
    keyring: Keyring,
}

fn signers() -> &'static Signers {
    static S: OnceLock<Signers> = OnceLock::new();
    S.get_or_init(|| {
        let es256 = SigningKey::generate_es256(&mut ChaCha8Rng::seed_from_u64(11))
            .unwrap()
            .with_kid("es-1");
        let ps256 =
            SigningKey::from_pkcs8_pem(include_str!("../src/jose/testdata/rsa2048.pk8.pem"))
                .unwrap()
                .with_kid("ps-1");
        let jwks = JwkSet::new(vec![es256.to_public_jwk(), ps256.to_public_jwk()]).unwrap();
        Signers {
            keyring: Keyring::new(&jwks).unwrap(),
            es256,
            ps256,
        }
    })
}

fn now() -> Timestamp {
    Timestamp::from_secs(1_700_000_100)
}

fn subject() -> Value {
    json!({
        "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
        "http://openbanking.org.uk/rid": "aac-1234-007",
        "http://openbanking.org.uk/rty": "account-access-consent",
        "http://openbanking.org.uk/rlk": [{ "version": "v3.1",
            "link": "https://aspsp.example/open-banking/v3.1/aisp/account-access-consents/aac-1234-007" }]
    })
}

/// OBIE-shaped claims: every member `OBEventNotification1` requires.
fn obie_claims(jti: &str) -> Value {
    json!({
        "iss": ISS, "iat": 1_700_000_000, "jti": jti, "aud": AUD,
        "sub": "https://aspsp.example/open-banking/v3.1/aisp/account-access-consents/aac-1234-007",
        "txn": "dfc51628-3479-4b81-ad60-210b43d02306", "toe": 1_700_000_000,
        "events": { "urn:uk:org:openbanking:events:resource-update": { "subject": subject() } }
    })
}

/// RFC 8417-shaped claims: only `iss iat jti aud events`, `aud` an array,
/// and a namespaced event type of the ASPSP's own.
fn rfc8417_claims(jti: &str) -> Value {
    json!({
        "iss": ISS, "iat": 1_700_000_000, "jti": jti, "aud": ["other-client", AUD],
        "events": {
            "urn:uk:org:openbanking:events:consent-authorization-revoked": {
                "reason": "PSU revoked", "subject": subject()
            },
            "https://aspsp.example/events/statement-ready": { "month": "2023-11" }
        }
    })
}

fn sign(claims: &Value, key: &SigningKey, profile: &HeaderProfile) -> String {
    let claims = SetClaims::from_json(claims.to_string().as_bytes()).unwrap();
    sign_set(&claims, key, profile, now()).unwrap()
}

fn obie_profile() -> HeaderProfile {
    HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap()
}

fn receiver() -> Receiver {
    let mut c = ReceiverConfig::new(ISS, AUD, signers().keyring.clone());
    c.max_events = Some(50);
    c.return_immediately = Some(false);
    Receiver::new(c).unwrap()
}

/// One round trip: the batch, or why it failed.
fn answer(rx: &mut Receiver, status: u16, body: &str) -> Result<Batch, FailureReason> {
    let req = rx.poll_request(now()).unwrap();
    let outcome = rx
        .handle_reply(
            req.id,
            HttpResponse::new(status, body),
            now(),
            &mut ChaCha8Rng::seed_from_u64(0),
        )
        .unwrap();
    match outcome {
        PollOutcome::Batch(b) => Ok(b),
        PollOutcome::Failed(f) => Err(f.reason),
    }
}

fn sets_body(sets: &[(&str, &str)]) -> Value {
    let sets: serde_json::Map<String, Value> = sets
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Value::String((*v).to_owned())))
        .collect();
    json!({ "sets": sets, "moreAvailable": false })
}

/// The `responses` of `POST /events` in an OpenAPI file.
fn event_responses(file: &str) -> Vec<u16> {
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&common::read_spec_file(&format!("openapi/{file}"))).unwrap();
    let responses = doc["paths"]["/events"]["post"]["responses"]
        .as_mapping()
        .unwrap_or_else(|| panic!("{file}: no responses for POST /events"));
    responses
        .keys()
        .map(|k| match k {
            serde_yaml::Value::String(s) => s.parse().unwrap(),
            serde_yaml::Value::Number(n) => u16::try_from(n.as_u64().unwrap()).unwrap(),
            other => panic!("{file}: status {other:?}"),
        })
        .collect()
}

/// Check a request body against `OBEventPolling1` as the file defines it.
fn assert_fits_schema(file: &str, body: &str) {
    let schema = common::schema(file, "OBEventPolling1");
    let props = schema["properties"].as_object().unwrap();
    let v: Value = serde_json::from_str(body).unwrap();
    for (name, value) in v.as_object().unwrap() {
        let prop = props
            .get(name)
            .unwrap_or_else(|| panic!("{file}: {name} is not a member of OBEventPolling1"));
        match prop["type"].as_str().unwrap() {
            "integer" => assert!(value.as_u64().is_some(), "{file}: {name} = {value}"),
            "boolean" => assert!(value.is_boolean(), "{file}: {name} = {value}"),
            "array" => {
                let items = &prop["items"];
                let (min, max) = (items["minLength"].as_u64(), items["maxLength"].as_u64());
                for jti in value.as_array().unwrap() {
                    let n = jti.as_str().unwrap().chars().count() as u64;
                    assert!(n >= min.unwrap() && n <= max.unwrap(), "{file}: ack {jti}");
                }
            }
            "object" => {
                let entry = &prop["additionalProperties"];
                for (jti, e) in value.as_object().unwrap() {
                    assert!(!jti.is_empty());
                    for required in entry["required"].as_array().unwrap() {
                        let field = required.as_str().unwrap();
                        let text = e[field].as_str().unwrap();
                        let n = text.chars().count() as u64;
                        let bounds = &entry["properties"][field];
                        assert!(
                            n >= bounds["minLength"].as_u64().unwrap()
                                && n <= bounds["maxLength"].as_u64().unwrap(),
                            "{file}: setErrs.{jti}.{field} has {n} characters"
                        );
                    }
                }
            }
            other => panic!("{file}: unexpected type {other}"),
        }
    }
    // And the strict reader a transmitter uses accepts it.
    EventPolling::parse(body.as_bytes(), &RequestOptions::default())
        .unwrap_or_else(|e| panic!("{file}: strict parse refused {body}: {e}"));
}

#[test]
fn every_request_body_fits_obeventpolling1_in_every_version() {
    let mut rx = receiver();
    let mut bodies = Vec::new();
    // A poll, then an ack-only flush carrying an ack and setErrs with long
    // descriptions and the app's own code.
    let first = rx.poll_request(now()).unwrap();
    bodies.push(first.body.clone());
    let good = sign(&obie_claims("good"), &signers().ps256, &obie_profile());
    let bad = sign(&obie_claims("bad"), &signers().es256, &obie_profile()).replace('.', ".x");
    let app_rejected = sign(&obie_claims("mine"), &signers().es256, &obie_profile());
    let body = sets_body(&[("good", &good), ("bad", &bad), ("mine", &app_rejected)]).to_string();
    let PollOutcome::Batch(batch) = rx
        .handle_reply(
            first.id,
            HttpResponse::new(201, &body),
            now(),
            &mut ChaCha8Rng::seed_from_u64(0),
        )
        .unwrap()
    else {
        panic!("the answer failed");
    };
    assert_eq!(batch.deliveries.len(), 2);
    rx.ack("good").unwrap();
    rx.reject(
        "mine",
        SetErrCode::Other("tpp.unknownConsent".into()),
        &"x".repeat(900),
    )
    .unwrap();
    let flush = rx.poll_request(now()).unwrap();
    assert_eq!(flush.kind, RequestKind::AckOnly);
    bodies.push(flush.body.clone());
    for file in common::POLLING_FILES {
        for body in &bodies {
            assert_fits_schema(file, body);
        }
    }
    let v: Value = serde_json::from_str(&flush.body).unwrap();
    assert_eq!(v["maxEvents"], 0, "written explicitly");
    assert_eq!(v["returnImmediately"], true);
    assert!(v.get("max_events").is_none());
    assert_eq!(v["ack"], json!(["good"]));
    assert_eq!(
        v["setErrs"]["mine"]["description"].as_str().unwrap().len(),
        256
    );
    assert!(v["setErrs"]["bad"]["err"].is_string());
}

#[test]
fn every_success_status_the_files_list_is_accepted() {
    for file in common::POLLING_FILES {
        let statuses: Vec<u16> = event_responses(file)
            .into_iter()
            .filter(|s| (200..300).contains(s))
            .collect();
        assert!(!statuses.is_empty(), "{file}");
        for status in statuses {
            let mut rx = receiver();
            let tok = sign(&obie_claims("a"), &signers().ps256, &obie_profile());
            let batch = answer(&mut rx, status, &sets_body(&[("a", &tok)]).to_string())
                .unwrap_or_else(|e| panic!("{file}: {status}: {e}"));
            assert_eq!(batch.deliveries.len(), 1, "{file}: {status}");
        }
    }
}

#[test]
fn every_error_status_the_files_list_keeps_the_acks_and_backs_off() {
    let ob_error = json!({
        "Code": "400 BadRequest", "Id": "e-1", "Message": "bad",
        "Errors": [{ "ErrorCode": "UK.OBIE.Field.Invalid", "Message": "x", "Path": "maxEvents" }]
    })
    .to_string();
    for file in common::POLLING_FILES {
        let errors: Vec<u16> = event_responses(file)
            .into_iter()
            .filter(|s| *s >= 400)
            .collect();
        assert!(
            errors.contains(&429) && errors.contains(&400),
            "{file}: {errors:?}"
        );
        for status in errors {
            let mut rx = receiver();
            let tok = sign(&obie_claims("a"), &signers().es256, &obie_profile());
            let _ = answer(&mut rx, 201, &sets_body(&[("a", &tok)]).to_string()).unwrap();
            rx.ack("a").unwrap();
            let e = answer(&mut rx, status, &ob_error).unwrap_err();
            let code = match status {
                401 | 403 => "unauthorized",
                429 => "throttled",
                500..=599 => "server_error",
                _ => "request_rejected",
            };
            assert_eq!(e.code(), code, "{file}: {status}");
            assert_eq!(rx.state().pending_acks, ["a"], "{file}: {status}");
            assert_eq!(rx.poll_request(now()), None, "{file}: {status}: no backoff");
            assert!(rx.poll_timeout().unwrap() > now(), "{file}: {status}");
            // After the backoff, the ack goes out again.
            let later = now().saturating_add(Duration::from_secs(3600));
            assert_eq!(rx.poll_request(later).unwrap().polling.ack, ["a"]);
        }
    }
}

#[test]
fn answers_missing_a_required_member_or_carrying_extra_ones_are_read() {
    for file in common::POLLING_FILES {
        let schema = common::schema(file, "OBEventPollingResponse1");
        let required: Vec<&str> = schema["required"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r.as_str().unwrap())
            .collect();
        assert!(required.contains(&"moreAvailable") && required.contains(&"sets"));
        let tok = sign(&obie_claims("a"), &signers().es256, &obie_profile());
        for missing in &required {
            let mut body = sets_body(&[("a", &tok)]);
            body.as_object_mut().unwrap().remove(*missing);
            body["x-aspsp-trace"] = json!({ "id": 7 });
            let mut rx = receiver();
            let batch = answer(&mut rx, 200, &body.to_string())
                .unwrap_or_else(|e| panic!("{file}: without {missing}: {e}"));
            assert!(!batch.more_available);
            let expected = usize::from(*missing != "sets");
            assert_eq!(
                batch.deliveries.len(),
                expected,
                "{file}: without {missing}"
            );
        }
    }
}

#[test]
fn an_empty_sets_is_an_empty_batch() {
    let mut rx = receiver();
    let batch = answer(&mut rx, 201, r#"{"sets":{},"moreAvailable":false}"#).unwrap();
    assert!(batch.deliveries.is_empty() && batch.rejections.is_empty());
    assert_eq!(rx.poll_request(now()), None);
    assert!(rx.poll_timeout().unwrap() > now());
}

#[test]
fn sets_from_obie_and_rfc8417_signers_are_delivered() {
    let s = signers();
    let cases = [
        (
            "obie-ps256",
            sign(&obie_claims("obie-ps256"), &s.ps256, &obie_profile()),
        ),
        (
            "obie-es256",
            sign(&obie_claims("obie-es256"), &s.es256, &obie_profile()),
        ),
        (
            "rfc-es256",
            sign(
                &rfc8417_claims("rfc-es256"),
                &s.es256,
                &HeaderProfile::rfc8417(),
            ),
        ),
        (
            "rfc-ps256",
            sign(
                &rfc8417_claims("rfc-ps256"),
                &s.ps256,
                &HeaderProfile::rfc8417(),
            ),
        ),
    ];
    let sets: Vec<(&str, &str)> = cases.iter().map(|(k, t)| (*k, t.as_str())).collect();
    let mut rx = receiver();
    let batch = answer(&mut rx, 201, &sets_body(&sets).to_string()).unwrap();
    assert!(batch.rejections.is_empty(), "{:?}", batch.rejections);
    let got: Vec<(&str, Vec<String>)> = batch
        .deliveries
        .iter()
        .map(|d| (d.jti.as_str(), d.event_types.clone()))
        .collect();
    assert_eq!(got.len(), 4);
    assert_eq!(got[0].1, ["urn:uk:org:openbanking:events:resource-update"]);
    assert_eq!(
        got[2].1,
        [
            "urn:uk:org:openbanking:events:consent-authorization-revoked",
            "https://aspsp.example/events/statement-ready"
        ]
    );
    assert_eq!(batch.deliveries[2].claims.aud, ["other-client", AUD]);
    assert_eq!(batch.deliveries[2].claims.txn, None);
    for d in &batch.deliveries {
        rx.ack(&d.jti).unwrap();
    }
    let flush = rx.poll_request(now()).unwrap();
    assert_eq!(
        flush.polling.ack,
        ["obie-ps256", "obie-es256", "rfc-es256", "rfc-ps256"]
    );
}

#[test]
fn a_set_spliced_under_another_key_is_reported_not_delivered() {
    let tok = sign(&obie_claims("real-jti"), &signers().es256, &obie_profile());
    let mut rx = receiver();
    let batch = answer(
        &mut rx,
        201,
        &sets_body(&[("claimed-jti", &tok)]).to_string(),
    )
    .unwrap();
    assert!(batch.deliveries.is_empty());
    assert_eq!(batch.rejections[0].jti, "claimed-jti");
    let flush = rx.poll_request(now()).unwrap();
    let v: Value = serde_json::from_str(&flush.body).unwrap();
    assert_eq!(v["setErrs"]["claimed-jti"]["err"], "setData");
    assert!(v["setErrs"].get("real-jti").is_none());
    assert!(v.get("ack").is_none());
}
