//! JOSE benchmarks, per crypto backend: raw ES256/PS256 sign and verify, and
//! full SET verification (`verify_set`: size check, parse, header rules, key
//! lookup, signature, claims) over the same bytes, so the overhead of
//! everything but the signature is visible; and `POST /events` request parsing.
//!
//! Run briefly: `cargo bench -p setpoll-core --bench jose -- --warm-up-time 1 --measurement-time 2`,
//! or `scripts/bench-core.sh`, which also counts instructions per
//! verification with callgrind (`core/examples/verify_cost.rs`): on a shared
//! machine those counts, not these times, are the figures to compare.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use setpoll_core::crypto::{Backend, PrivateKey, Scheme};
use setpoll_core::jose::jws::{sign_compact, verify_compact};
use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
use setpoll_core::set::{verify_set, VerifyPolicy};
use setpoll_core::wire::{EventPolling, RequestOptions};
use setpoll_core::Timestamp;

const RSA_PEM: &str = include_str!("../src/jose/testdata/rsa2048.pk8.pem");
const EC_PEM: &str = include_str!("../src/jose/testdata/p256.pk8.pem");

/// The OBIE documentation's example notification.
const PAYLOAD: &str = r#"{"iss":"https://examplebank.com/","iat":1516239022,"jti":"b460a07c-4962-43d1-85ee-9dc10fbb8f6c","sub":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007","aud":"7umx5nTR33811QyQfi","events":{"urn:uk:org:openbanking:events:resource-update":{"subject":{"subject_type":"http://openbanking.org.uk/rid_http://openbanking.org.uk/rty","http://openbanking.org.uk/rid":"aac-1234-007","http://openbanking.org.uk/rty":"account-access-consent","http://openbanking.org.uk/rlk":[{"version":"v3.1","link":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007"}]}}},"txn":"dfc51628-3479-4b81-ad60-210b43d02306","toe":1516239022}"#;

fn bench_backend(c: &mut Criterion, backend: Backend) {
    let now = Timestamp::from_secs(1_516_239_022);
    let policy = VerifyPolicy::new("https://examplebank.com/", "7umx5nTR33811QyQfi");
    let profile = HeaderProfile::obie("0015800001041REAAY", "openbanking.org.uk").unwrap();
    for (name, pem, scheme) in [
        ("es256", EC_PEM, Scheme::EcdsaP256Sha256),
        ("ps256", RSA_PEM, Scheme::RsaPssSha256),
    ] {
        let private = PrivateKey::from_pkcs8_pem(pem).unwrap();
        let signer = private.signer(scheme, backend).unwrap();
        let verifier = private.public_key().verifier(scheme, backend).unwrap();
        let key = SigningKey::from_pkcs8_pem(pem)
            .unwrap()
            .with_kid("k1")
            .with_backend(backend)
            .unwrap();
        let token = sign_compact(&profile, PAYLOAD.as_bytes(), &key, now).unwrap();
        let (input, sig64) = token.rsplit_once('.').unwrap();
        let sig = {
            use base64::Engine as _;
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(sig64)
                .unwrap()
        };
        let keyring =
            Keyring::with_backend(&JwkSet::new(vec![key.to_public_jwk()]).unwrap(), backend)
                .unwrap();

        let id = backend.name();
        c.bench_function(&format!("{id}/{name}_sign"), |b| {
            b.iter(|| signer.sign(black_box(input.as_bytes())).unwrap())
        });
        c.bench_function(&format!("{id}/{name}_verify"), |b| {
            b.iter(|| {
                verifier
                    .verify(black_box(input.as_bytes()), black_box(&sig))
                    .unwrap()
            })
        });
        c.bench_function(&format!("{id}/{name}_verify_compact"), |b| {
            b.iter(|| {
                verify_compact(
                    black_box(&token),
                    &keyring,
                    &policy.algorithms,
                    policy.typ,
                    policy.max_token_bytes,
                )
                .unwrap()
            })
        });
        verify_set(&token, &keyring, &policy, now).unwrap();
        c.bench_function(&format!("{id}/{name}_verify_set"), |b| {
            b.iter(|| verify_set(black_box(&token), &keyring, &policy, now).unwrap())
        });
    }
}

fn backends(c: &mut Criterion) {
    for backend in Backend::available() {
        bench_backend(c, backend);
    }
}

/// A typical poll: acknowledge three SETs, report one error, ask for more.
const REQUEST: &str = r#"{"maxEvents":10,"returnImmediately":true,"ack":["4d3559ec67504aaba65d40b0363faad8","3d0c3d7e-6c1b-4cfa-9a71-1f0e8f2f6d11","b460a07c-4962-43d1-85ee-9dc10fbb8f6c"],"setErrs":{"5f8d3b5e-1a2b-4c3d-8e9f-0a1b2c3d4e5f":{"err":"jwtAud","description":"The audience value was incorrect"}}}"#;

fn claims_parsing(c: &mut Criterion) {
    c.bench_function("claims/from_json", |b| {
        b.iter(|| {
            setpoll_core::claims::SetClaims::from_json(black_box(PAYLOAD.as_bytes())).unwrap()
        })
    });
}

fn request_parsing(c: &mut Criterion) {
    let opts = RequestOptions::default();
    assert!(EventPolling::parse(REQUEST.as_bytes(), &opts).is_ok());
    c.bench_function("wire/event_polling_parse", |b| {
        b.iter(|| EventPolling::parse(black_box(REQUEST.as_bytes()), &opts).unwrap())
    });
}

/// Numbers with a fraction or an exponent: short ones (the exact path of
/// `json::float`), then long and extreme ones (its big-integer path), read
/// by the core's reader and by serde_json's (a table of powers of five).
fn float_reading(c: &mut Criterion) {
    let short = "[1.5,0.25,1700000000.125,-3e10,6.25e-3,12345.678,0.1,99.99]";
    let long = "[6.02214076e23,1.602176634e-19,2.2250738585072011e-308,1.7976931348623157e308,\
                0.30000000000000004,123456789012345678901234567890.5,5e-324,9007199254740993.5]";
    for (name, text) in [("short", short), ("long", long)] {
        let ours = setpoll_core::parse_json(text).unwrap();
        assert_eq!(
            ours,
            serde_json::from_str::<serde_json::Value>(text).unwrap()
        );
        c.bench_function(&format!("json/floats_{name}/core"), |b| {
            b.iter(|| setpoll_core::parse_json(black_box(text)).unwrap())
        });
        c.bench_function(&format!("json/floats_{name}/serde_json"), |b| {
            b.iter(|| serde_json::from_str::<serde_json::Value>(black_box(text)).unwrap())
        });
    }
}

criterion_group!(
    benches,
    backends,
    claims_parsing,
    request_parsing,
    float_reading
);
criterion_main!(benches);
