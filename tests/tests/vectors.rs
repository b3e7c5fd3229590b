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

use base64::Engine as _;
use serde_json::{json, Value};
use setpoll_core::claims::SetClaims;
use setpoll_core::codes::Vocabulary;
use setpoll_core::wire::{
    EventPolling, EventPollingResponse, RequestLimits, RequestOptions, ResponseLimits,
};

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
    let known = ["request_parse", "response_parse", "claims"];
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
            let expect = case["expect"].as_object().unwrap();
            assert_eq!(expect.len(), 1, "{name}/{case_name}");
            assert!(expect.contains_key("ok") || expect.contains_key("error"));
        }
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
            Ok(c) => json!({ "ok": { "claimsJson": c.to_json() } }),
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

#[test]
fn committed_vectors_are_what_the_generator_writes() {
    let stale = setpoll_tests::stale_files(&setpoll_tests::vectors_dir()).unwrap();
    assert!(
        stale.is_empty(),
        "stale vectors (run `cargo run -p setpoll-tests --bin gen-vectors`): {stale:?}"
    );
}
