//! Cost of SET verification in CPU instructions, for callgrind.
//!
//! Runs one kind of verification `n` times over the same token inside
//! `measured`, so `valgrind --tool=callgrind --toggle-collect='*measured*'`
//! counts only that loop; divide by `n` for the cost of one verification.
//! Wall-clock figures on a shared machine are noise; instruction counts are
//! not, and their ratios are what the targets are written in.
//!
//! ```text
//! cargo build --release -p setpoll-core --example verify_cost
//! valgrind --tool=callgrind --toggle-collect='*verify_cost*measured*' \
//!     target/release/examples/verify_cost native es256 full 200
//! ```
//!
//! Modes: `raw` (the backend's signature check of the signing input),
//! `jws` (`jws::verify_compact`), `claims` (`SetClaims::from_json` of the
//! payload), `full` (`set::verify_set`). `scripts/bench-core.sh` runs them all.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::hint::black_box;
use std::process::ExitCode;

use base64::Engine as _;
use setpoll_core::claims::SetClaims;
use setpoll_core::crypto::{Backend, PrivateKey, Scheme, Verifier};
use setpoll_core::jose::jws::{sign_compact, verify_compact};
use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
use setpoll_core::set::{verify_set, VerifyPolicy};
use setpoll_core::Timestamp;

const RSA_PEM: &str = include_str!("../src/jose/testdata/rsa2048.pk8.pem");
const EC_PEM: &str = include_str!("../src/jose/testdata/p256.pk8.pem");

/// The OBIE documentation's example notification (as in `benches/jose.rs`).
const PAYLOAD: &str = r#"{"iss":"https://examplebank.com/","iat":1516239022,"jti":"b460a07c-4962-43d1-85ee-9dc10fbb8f6c","sub":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007","aud":"7umx5nTR33811QyQfi","events":{"urn:uk:org:openbanking:events:resource-update":{"subject":{"subject_type":"http://openbanking.org.uk/rid_http://openbanking.org.uk/rty","http://openbanking.org.uk/rid":"aac-1234-007","http://openbanking.org.uk/rty":"account-access-consent","http://openbanking.org.uk/rlk":[{"version":"v3.1","link":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007"}]}}},"txn":"dfc51628-3479-4b81-ad60-210b43d02306","toe":1516239022}"#;

#[derive(Clone, Copy)]
enum Mode {
    Raw,
    Jws,
    Claims,
    Full,
}

struct Fixture {
    token: String,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
    verifier: Verifier,
    keyring: Keyring,
    policy: VerifyPolicy,
    now: Timestamp,
}

fn fixture(backend: Backend, pem: &str, scheme: Scheme) -> Fixture {
    let now = Timestamp::from_secs(1_516_239_022);
    let profile = HeaderProfile::obie("0015800001041REAAY", "openbanking.org.uk").unwrap();
    let key = SigningKey::from_pkcs8_pem(pem)
        .unwrap()
        .with_kid("k1")
        .with_backend(backend)
        .unwrap();
    let token = sign_compact(&profile, PAYLOAD.as_bytes(), &key, now).unwrap();
    let (input, sig64) = token.rsplit_once('.').unwrap();
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(sig64)
        .unwrap();
    let verifier = PrivateKey::from_pkcs8_pem(pem)
        .unwrap()
        .public_key()
        .verifier(scheme, backend)
        .unwrap();
    let keyring =
        Keyring::with_backend(&JwkSet::new(vec![key.to_public_jwk()]).unwrap(), backend).unwrap();
    Fixture {
        signing_input: input.as_bytes().to_vec(),
        token,
        signature,
        verifier,
        keyring,
        policy: VerifyPolicy::new("https://examplebank.com/", "7umx5nTR33811QyQfi"),
        now,
    }
}

/// One verification of the given kind; `true` when it succeeded.
#[inline(never)]
fn once(f: &Fixture, mode: Mode) -> bool {
    match mode {
        Mode::Raw => f
            .verifier
            .verify(black_box(&f.signing_input), black_box(&f.signature))
            .is_ok(),
        Mode::Jws => verify_compact(
            black_box(&f.token),
            &f.keyring,
            &f.policy.algorithms,
            f.policy.typ,
            f.policy.max_token_bytes,
        )
        .is_ok(),
        Mode::Claims => SetClaims::from_json(black_box(PAYLOAD.as_bytes())).is_ok(),
        Mode::Full => verify_set(black_box(&f.token), &f.keyring, &f.policy, f.now).is_ok(),
    }
}

/// The measured loop; callgrind collects only while this is on the stack.
#[inline(never)]
fn measured(f: &Fixture, mode: Mode, n: u32) -> u32 {
    (0..n).map(|_| u32::from(once(f, mode))).sum()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: verify_cost native|portable es256|ps256 raw|jws|claims|full N";
    let [backend, alg, mode, n] = args.as_slice() else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    let backend = match backend.as_str() {
        "native" => Backend::Native,
        "portable" => Backend::Portable,
        _ => {
            eprintln!("{usage}");
            return ExitCode::FAILURE;
        }
    };
    let (pem, scheme) = match alg.as_str() {
        "es256" => (EC_PEM, Scheme::EcdsaP256Sha256),
        "ps256" => (RSA_PEM, Scheme::RsaPssSha256),
        _ => {
            eprintln!("{usage}");
            return ExitCode::FAILURE;
        }
    };
    let mode = match mode.as_str() {
        "raw" => Mode::Raw,
        "jws" => Mode::Jws,
        "claims" => Mode::Claims,
        "full" => Mode::Full,
        _ => {
            eprintln!("{usage}");
            return ExitCode::FAILURE;
        }
    };
    let Ok(n) = n.parse::<u32>() else {
        eprintln!("{usage}");
        return ExitCode::FAILURE;
    };
    if !backend.is_available() {
        eprintln!("backend {} is not compiled in", backend.name());
        return ExitCode::FAILURE;
    }
    let f = fixture(backend, pem, scheme);
    // Warm up outside the measured loop (lazy initialisation in the backends).
    if !once(&f, mode) {
        eprintln!("verification failed");
        return ExitCode::FAILURE;
    }
    let start = std::time::Instant::now();
    let ok = measured(&f, mode, n);
    let elapsed = start.elapsed();
    if ok != n {
        eprintln!("only {ok} of {n} verifications succeeded");
        return ExitCode::FAILURE;
    }
    println!(
        "{} {} {} n={n} wall={:.1}us/op",
        backend.name(),
        alg,
        args.get(2).map_or("", String::as_str),
        elapsed.as_secs_f64() * 1e6 / f64::from(n.max(1))
    );
    ExitCode::SUCCESS
}
