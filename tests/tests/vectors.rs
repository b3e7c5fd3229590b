//! The Rust runner of the golden vectors: every file in `tests/vectors/`
//! through the core's public API, results compared byte for byte.
//!
//! It reads the files the way a binding's runner does (only the JSON, no
//! generator code), so it doubles as the reference for the Node, Python
//! and Kotlin runners. Crypto cases run once per backend.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::PathBuf;
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{json, Value};
use setpoll_core::claims::SetClaims;
use setpoll_core::codes::Vocabulary;
use setpoll_core::crypto::Backend;
use setpoll_core::jose::{Algorithm, HeaderProfile, Jwk, JwkSet, Keyring, SigningKey, TypPolicy};
use setpoll_core::set::{sign_set, verify_set, VerifyPolicy};
use setpoll_core::wire::{
    EventPolling, EventPollingResponse, RequestLimits, RequestOptions, ResponseLimits,
};
use setpoll_core::Timestamp;
use setpoll_host as host;
use setpoll_tests::gen::jwk::RFC7638_THUMBPRINT;
use setpoll_tests::gen::request::ERROR_ID;

fn vector_files() -> Vec<(String, Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            let v: Value = serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{}: not JSON: {e}", p.display()));
            (p.file_name().unwrap().to_string_lossy().into_owned(), v)
        })
        .collect()
}

fn cases_of(kind: &str) -> Vec<Value> {
    let mut out = Vec::new();
    for (name, file) in vector_files() {
        if file["kind"] == kind {
            let cases = file["cases"]
                .as_array()
                .unwrap_or_else(|| panic!("{name}: no cases"));
            out.extend(cases.iter().cloned());
        }
    }
    assert!(!out.is_empty(), "no vectors of kind {kind}");
    out
}

/// The body of a case: `body` (text) or `bodyBase64` (bytes).
fn body(case: &Value) -> Vec<u8> {
    match (&case["body"], &case["bodyBase64"]) {
        (Value::String(s), Value::Null) => s.as_bytes().to_vec(),
        (Value::Null, Value::String(b)) => {
            base64::engine::general_purpose::STANDARD.decode(b).unwrap()
        }
        _ => panic!("case {}: exactly one of body, bodyBase64", case["name"]),
    }
}

fn usize_of(v: &Value) -> usize {
    usize::try_from(v.as_u64().unwrap()).unwrap()
}

/// Compare, and on mismatch name the case (so a failure is actionable).
fn check(case: &Value, actual: &Value) {
    assert_eq!(
        actual, &case["expect"],
        "vector {:?} gave a different result",
        case["name"]
    );
}

#[test]
fn every_file_has_a_known_kind_and_well_formed_cases() {
    let known = [
        "request_parse",
        "response_parse",
        "claims",
        "claims_build",
        "verify",
        "sign",
        "jwk",
        "jwks",
        "transmitter",
        "receiver",
        "defaults",
    ];
    let files = vector_files();
    assert!(files.len() >= known.len());
    for (name, file) in files {
        let kind = file["kind"].as_str().unwrap_or_default();
        assert!(known.contains(&kind), "{name}: unknown kind {kind:?}");
        assert!(file["description"].as_str().is_some_and(|d| !d.is_empty()));
        let mut names = std::collections::HashSet::new();
        for case in file["cases"].as_array().unwrap() {
            let case_name = case["name"].as_str().unwrap();
            assert!(names.insert(case_name), "{name}: duplicate {case_name:?}");
            // A script's expectations are per step.
            let expects: Vec<&Value> = match case["steps"].as_array() {
                Some(steps) => steps.iter().map(|s| &s["expect"]).collect(),
                None => vec![&case["expect"]],
            };
            assert!(!expects.is_empty(), "{name}/{case_name}");
            for expect in expects {
                let expect = expect.as_object().unwrap();
                assert_eq!(expect.len(), 1, "{name}/{case_name}");
                assert!(expect.contains_key("ok") || expect.contains_key("error"));
            }
        }
    }
}

#[test]
fn the_readme_table_lists_every_file_with_its_case_count() {
    let readme = std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("vectors/README.md"),
    )
    .unwrap();
    for (name, file) in vector_files() {
        let row = readme
            .lines()
            .find(|l| l.starts_with('|') && l.contains(&format!("`{name}`")))
            .unwrap_or_else(|| panic!("README table lacks {name}"));
        let count = file["cases"].as_array().unwrap().len();
        assert!(
            row.split(['|', ',', ' ']).any(|w| w == count.to_string()),
            "README row for {name} should say {count}: {row}"
        );
    }
}

#[test]
fn request_parse() {
    let cases = cases_of("request_parse");
    assert!(cases.len() > 100);
    for case in &cases {
        let mut opts = RequestOptions {
            reject_unknown_members: case["rejectUnknownMembers"].as_bool().unwrap(),
            ..RequestOptions::default()
        };
        if let Value::Object(l) = &case["limits"] {
            opts.limits = RequestLimits {
                max_body_bytes: usize_of(&l["maxBodyBytes"]),
                max_ack: usize_of(&l["maxAck"]),
                max_set_errs: usize_of(&l["maxSetErrs"]),
            };
        }
        let actual = match EventPolling::parse(&body(case), &opts) {
            Ok(r) => json!({ "ok": { "requestJson": r.to_json() } }),
            Err(e) => json!({ "error": {
                "code": e.code(),
                "errorCode": e.obie_code().as_str(),
                "path": e.path(),
                "errorResponseJson": e.to_error_response(ERROR_ID).to_json(),
            } }),
        };
        check(case, &actual);
    }
}

#[test]
fn response_parse() {
    let cases = cases_of("response_parse");
    assert!(cases.len() > 30);
    for case in &cases {
        let mut limits = ResponseLimits::default();
        if let Value::Object(l) = &case["limits"] {
            limits = ResponseLimits {
                max_body_bytes: usize_of(&l["maxBodyBytes"]),
                max_sets: usize_of(&l["maxSets"]),
            };
        }
        let actual = match EventPollingResponse::parse_lenient(&body(case), &limits) {
            Ok(r) => json!({ "ok": { "responseJson": r.to_json() } }),
            Err(e) => json!({ "error": { "code": e.code(), "path": e.path() } }),
        };
        check(case, &actual);
    }
}

/// `{ok: …}` of valid claims through the host's typed getters (what every
/// binding surfaces), from their canonical JSON.
fn typed(claims_json: &str) -> Value {
    let c = host::SetClaims::from_json(claims_json.to_owned()).unwrap();
    json!({ "ok": {
        "claimsJson": c.to_json(),
        "exp": c.exp(),
        "nbf": c.nbf(),
        "subIdJson": c.sub_id_json(),
        "otherClaimsJson": c.other_claims_json(),
    } })
}

/// One `claims_build` call on the host builder (the bindings' builder).
fn build_call(b: Arc<host::ClaimsBuilder>, c: &Value) -> Arc<host::ClaimsBuilder> {
    let s = |k: &str| c[k].as_str().unwrap().to_owned();
    let subject = || -> Option<host::EventSubject> {
        (!c["subject"].is_null()).then(|| serde_json::from_value(c["subject"].clone()).unwrap())
    };
    let reason = || c["reason"].as_str().map(str::to_owned);
    let done = match c["call"].as_str().unwrap() {
        "audience" => b.audience(s("value")),
        "sub" => b.sub(s("value")),
        "txn" => b.txn(s("value")),
        "toe" => b.toe(c["value"].as_i64().unwrap()),
        "exp" => b.exp(c["value"].as_i64().unwrap()),
        "nbf" => b.nbf(c["value"].as_i64().unwrap()),
        "subIdJson" => b.sub_id_json(s("value")),
        "claim" => b.claim(s("name"), s("valueJson")),
        "resourceUpdate" => b.resource_update(subject().unwrap()),
        "consentRevoked" => b.consent_revoked(reason(), subject()),
        "linkedAccountUpdate" => b.linked_account_update(reason(), subject()),
        "customEvent" => b.custom_event(s("uri"), s("payloadJson")),
        other => panic!("unknown call {other}"),
    };
    done.unwrap_or_else(|e| panic!("call {c}: {e:?}"))
}

#[test]
fn claims_build() {
    let cases = cases_of("claims_build");
    assert!(cases.len() >= 5);
    for case in &cases {
        let st = &case["start"];
        let mut b = host::ClaimsBuilder::new(
            st["iss"].as_str().unwrap().into(),
            st["jti"].as_str().unwrap().into(),
            st["aud"].as_str().unwrap().into(),
            st["iat"].as_i64().unwrap(),
        );
        for c in case["calls"].as_array().unwrap() {
            b = build_call(b, c);
        }
        let actual = match b.build() {
            Ok(c) => typed(&c.to_json()),
            Err(e) => json!({ "error": { "code": e.code() } }),
        };
        check(case, &actual);
    }
}

#[test]
fn claims() {
    let cases = cases_of("claims");
    assert!(cases.len() > 80);
    for case in &cases {
        let text = case["claimsJson"].as_str().unwrap();
        let obie = case["obieProfile"].as_bool().unwrap();
        let result = SetClaims::from_json(text.as_bytes()).and_then(|c| {
            if obie {
                c.check_obie_profile()?;
            }
            Ok(c)
        });
        let actual = match result {
            Ok(c) => typed(&c.to_json()),
            Err(e) => json!({ "error": {
                "code": e.code(),
                "path": e.path(),
                "setErrObie": e.set_err(Vocabulary::Obie).as_str(),
                "setErrRfc8935": e.set_err(Vocabulary::Rfc8935).as_str(),
            } }),
        };
        check(case, &actual);
    }
}

/// Both backends: every crypto vector runs on each.
const BACKENDS: [Backend; 2] = [Backend::Portable, Backend::Native];

fn str_of<'a>(case: &'a Value, key: &str) -> &'a str {
    case[key]
        .as_str()
        .unwrap_or_else(|| panic!("case {}: {key} is not a string", case["name"]))
}

fn now_of(case: &Value) -> Timestamp {
    Timestamp::from_millis(case["now"].as_u64().unwrap())
}

fn policy_of(p: &Value) -> VerifyPolicy {
    let mut policy = VerifyPolicy::new("", "");
    policy.issuer = p["issuer"].as_str().map(str::to_owned);
    policy.audience = p["audience"].as_str().map(str::to_owned);
    policy.algorithms = p["algorithms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| Algorithm::from_name(a.as_str().unwrap()).unwrap())
        .collect();
    if let Some(typ) = p.get("typ") {
        policy.typ = TypPolicy::default()
            .with_accept_jwt(typ["acceptJwt"].as_bool().unwrap())
            .with_require_typ(typ["requireTyp"].as_bool().unwrap());
    }
    policy.max_skew_secs = p["maxSkewSecs"].as_u64().unwrap();
    policy.max_token_bytes = usize_of(&p["maxTokenBytes"]);
    policy.max_age_secs = p["maxAgeSecs"].as_u64();
    policy
}

#[test]
fn verify() {
    let cases = cases_of("verify");
    assert!(cases.len() > 60);
    let mut ok = 0;
    for backend in BACKENDS {
        for case in &cases {
            let set = JwkSet::from_json(str_of(case, "jwksJson").as_bytes()).unwrap();
            let keyring = Keyring::with_backend(&set, backend).unwrap();
            assert_eq!(keyring.backend(), backend);
            let actual = match verify_set(
                str_of(case, "token"),
                &keyring,
                &policy_of(&case["policy"]),
                now_of(case),
            ) {
                Ok(v) => {
                    ok += 1;
                    json!({ "ok": {
                        "claimsJson": v.claims.to_json(),
                        "alg": v.alg.name(),
                        "kid": v.kid,
                    } })
                }
                Err(e) => json!({ "error": {
                    "code": e.code(),
                    "setErrObie": e.set_err(Vocabulary::Obie).as_str(),
                    "setErrRfc8935": e.set_err(Vocabulary::Rfc8935).as_str(),
                    "description": e.description(),
                } }),
            };
            check(case, &actual);
        }
    }
    assert!(ok >= 2 * 10, "too few valid tokens: {ok}");
}

fn sign_case(case: &Value, backend: Backend) -> Result<String, &'static str> {
    let jwk = Jwk::from_json(str_of(case, "privateJwkJson").as_bytes()).map_err(|e| e.code())?;
    let key = SigningKey::from_jwk(&jwk)
        .map_err(|e| e.code())?
        .with_backend(backend)
        .map_err(|e| e.code())?;
    assert_eq!(key.backend(), backend);
    let claims =
        SetClaims::from_json(str_of(case, "claimsJson").as_bytes()).map_err(|e| e.code())?;
    let p = &case["profile"];
    let profile = match p["kind"].as_str().unwrap() {
        "obie" => HeaderProfile::obie(
            p["orgId"].as_str().unwrap(),
            p["trustAnchor"].as_str().unwrap(),
        )
        .map_err(|e| e.code())?,
        "rfc8417" => HeaderProfile::rfc8417(),
        other => panic!("unknown profile {other}"),
    };
    sign_set(&claims, &key, &profile, now_of(case)).map_err(|e| e.code())
}

/// Verify with the public half of the case's key, on `backend`, no iss/aud check.
fn verify_own(case: &Value, token: &str, backend: Backend) {
    let jwk = Jwk::from_json(str_of(case, "privateJwkJson").as_bytes()).unwrap();
    let public = jwk.to_public();
    let public = match public.kid() {
        Some(_) => public,
        None => {
            let t = public.thumbprint();
            public.with_kid(t)
        }
    };
    let ring = Keyring::with_backend(&JwkSet::new(vec![public]).unwrap(), backend).unwrap();
    let mut policy = VerifyPolicy::new("", "");
    policy.issuer = None;
    policy.audience = None;
    policy.algorithms = Algorithm::ALL.to_vec();
    let v = verify_set(token, &ring, &policy, now_of(case))
        .unwrap_or_else(|e| panic!("vector {:?}: own token does not verify: {e}", case["name"]));
    assert_eq!(
        v.claims,
        SetClaims::from_json(str_of(case, "claimsJson").as_bytes()).unwrap()
    );
}

#[test]
fn sign() {
    let cases = cases_of("sign");
    assert!(cases.len() > 10);
    for backend in BACKENDS {
        for case in &cases {
            let name = &case["name"];
            match (sign_case(case, backend), &case["expect"]) {
                (Ok(token), Value::Object(e)) if e.contains_key("ok") => {
                    let want = &e["ok"];
                    let (input, _) = token.rsplit_once('.').unwrap();
                    assert_eq!(input, want["signingInput"], "vector {name}: signing input");
                    let header = token.split('.').next().unwrap();
                    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
                        .decode(header)
                        .unwrap();
                    assert_eq!(
                        String::from_utf8(header).unwrap(),
                        want["headerJson"],
                        "vector {name}: header"
                    );
                    if backend == Backend::Portable {
                        assert_eq!(token, want["token"], "vector {name}: portable token");
                    }
                    // Whatever signed it, both backends accept it, and the
                    // expected token verifies too.
                    for b in BACKENDS {
                        verify_own(case, &token, b);
                        verify_own(case, str_of(want, "token"), b);
                    }
                }
                (Err(code), Value::Object(e)) if e.contains_key("error") => {
                    assert_eq!(code, e["error"]["code"], "vector {name}: error code");
                }
                (got, want) => panic!("vector {name} on {backend:?}: got {got:?}, want {want}"),
            }
        }
    }
}

#[test]
fn jwk() {
    let cases = cases_of("jwk");
    assert!(cases.len() > 25);
    let mut rfc7638 = 0;
    for case in &cases {
        let actual = match Jwk::from_json(str_of(case, "jwkJson").as_bytes()) {
            Ok(k) => {
                if k.thumbprint() == RFC7638_THUMBPRINT {
                    rfc7638 += 1;
                }
                json!({ "ok": {
                    "jwkJson": k.to_json(),
                    "publicJwkJson": k.to_public().to_json(),
                    "thumbprint": k.thumbprint(),
                    "isPrivate": k.is_private(),
                    "verificationAlgorithm": k.verification_algorithm().map(|a| a.name()),
                } })
            }
            Err(e) => json!({ "error": { "code": e.code() } }),
        };
        check(case, &actual);
    }
    // The RFC's own example thumbprint is among the expectations.
    assert_eq!(rfc7638, 2);
}

#[test]
fn jwks() {
    let cases = cases_of("jwks");
    assert!(cases.len() > 10);
    for case in &cases {
        let actual = match JwkSet::from_json(str_of(case, "jwksJson").as_bytes()) {
            Ok(set) => json!({ "ok": {
                "jwksJson": set.to_json(),
                "publicJwksJson": set.to_public().to_json(),
                "kids": set.keys().iter().map(Jwk::kid).collect::<Vec<_>>(),
                "skipped": set.skipped().iter().map(|s| json!({
                    "index": s.index,
                    "kid": s.kid,
                    "code": s.error.code(),
                })).collect::<Vec<_>>(),
            } }),
            Err(e) => json!({ "error": { "code": e.code() } }),
        };
        check(case, &actual);
    }
}

/// Run each script and compare every step's result with its `expect`.
fn scripts(kind: &str, run: fn(&Value, &[Value]) -> Result<Vec<Value>, setpoll_tests::GenError>) {
    let cases = cases_of(kind);
    for case in &cases {
        let steps = case["steps"].as_array().unwrap();
        let results = run(&case["config"], steps)
            .unwrap_or_else(|e| panic!("script {:?}: {e}", case["name"]));
        assert_eq!(results.len(), steps.len());
        for (i, (step, actual)) in steps.iter().zip(&results).enumerate() {
            assert_eq!(
                actual, &step["expect"],
                "script {:?}, step {i} ({})",
                case["name"], step["op"]
            );
        }
    }
}

#[test]
fn transmitter() {
    assert!(cases_of("transmitter").len() >= 15);
    scripts("transmitter", setpoll_tests::script::transmitter::run);
}

#[test]
fn receiver() {
    assert!(cases_of("receiver").len() >= 15);
    scripts("receiver", setpoll_tests::script::receiver::run);
}

#[test]
fn committed_vectors_are_what_the_generator_writes() {
    let stale = setpoll_tests::stale_files(&setpoll_tests::vectors_dir()).unwrap();
    assert!(
        stale.is_empty(),
        "stale vectors (run `cargo run -p setpoll-tests --bin gen-vectors`): {stale:?}"
    );
}
