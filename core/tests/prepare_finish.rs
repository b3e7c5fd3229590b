//! The prepare/finish split of SET verification and signing gives exactly
//! what the one-shot `verify_set` / `sign_set` give, on every shared verify
//! vector, and the platform backend (a host's own crypto, here a stand-in
//! that counts its calls) is used when installed.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::Value;
use setpoll_core::claims::SetClaims;
use setpoll_core::crypto::{
    install_platform, Backend, CryptoError, PlatformCrypto, PlatformSigner, PlatformVerifier,
    PrivateKey, PublicKey, Scheme, Signer, Verifier,
};
use setpoll_core::jose::{Algorithm, HeaderProfile, JwkSet, Keyring, SigningKey, TypPolicy};
use setpoll_core::set::{
    finish_set, prepare_set, prepare_sign_set, sign_set, verify_set, VerifiedSet, VerifyError,
    VerifyPolicy,
};
use setpoll_core::Timestamp;

fn policy(p: &Value) -> VerifyPolicy {
    let mut out = VerifyPolicy::new("", "");
    out.issuer = p["issuer"].as_str().map(str::to_owned);
    out.audience = p["audience"].as_str().map(str::to_owned);
    out.algorithms = p["algorithms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| Algorithm::from_name(a.as_str().unwrap()).unwrap())
        .collect();
    out.max_skew_secs = p["maxSkewSecs"].as_u64().unwrap();
    out.max_token_bytes = usize::try_from(p["maxTokenBytes"].as_u64().unwrap()).unwrap();
    out.max_age_secs = p["maxAgeSecs"].as_u64();
    if let Some(t) = p.get("typ").filter(|t| !t.is_null()) {
        out.typ = TypPolicy::default()
            .with_accept_jwt(t["acceptJwt"].as_bool().unwrap())
            .with_require_typ(t["requireTyp"].as_bool().unwrap());
    }
    out
}

/// The split path with the portable backend's verdict.
fn split(
    token: &str,
    ring: &Keyring,
    policy: &VerifyPolicy,
    now: Timestamp,
) -> Result<VerifiedSet, VerifyError> {
    let prepared = prepare_set(token, ring, policy)?;
    let jwk = prepared.public_jwk();
    assert!(!jwk.is_private());
    let ok = prepared
        .public_key()
        .verifier(prepared.algorithm().scheme(), Backend::Portable)
        .unwrap()
        .verify(prepared.signing_input(), prepared.signature())
        .is_ok();
    finish_set(prepared, ok, policy, now)
}

fn cases() -> Vec<Value> {
    let text = include_str!("../../tests/vectors/verify.json");
    let file: Value = serde_json::from_str(text).unwrap();
    file["cases"].as_array().unwrap().clone()
}

fn outcome(r: &Result<VerifiedSet, VerifyError>) -> String {
    match r {
        Ok(v) => format!("ok {} {:?} {}", v.claims.to_json(), v.kid, v.alg),
        Err(e) => format!("err {} {}", e.code(), e.description()),
    }
}

#[test]
fn split_verification_agrees_with_verify_set_on_every_vector() {
    let cases = cases();
    assert!(cases.len() > 50);
    let (mut oks, mut errs) = (0, 0);
    for case in &cases {
        let name = case["name"].as_str().unwrap();
        let token = case["token"].as_str().unwrap();
        let set = match JwkSet::from_json(case["jwksJson"].as_str().unwrap().as_bytes()) {
            Ok(set) => set,
            Err(_) => continue, // a key-set case: no token is verified
        };
        let ring = Keyring::with_backend(&set, Backend::Portable).unwrap();
        let policy = policy(&case["policy"]);
        let now = Timestamp::from_millis(case["now"].as_u64().unwrap());
        let one_shot = verify_set(token, &ring, &policy, now);
        let two_step = split(token, &ring, &policy, now);
        assert_eq!(outcome(&one_shot), outcome(&two_step), "{name}");
        if one_shot.is_ok() {
            oks += 1;
            // A false verdict on a good token is bad_signature, nothing else.
            let prepared = prepare_set(token, &ring, &policy).unwrap();
            let err = finish_set(prepared, false, &policy, now).unwrap_err();
            assert_eq!(err.code(), "bad_signature", "{name}");
        } else {
            errs += 1;
        }
    }
    assert!(oks > 5 && errs > 30, "{oks} ok, {errs} errors");
}

#[test]
fn a_wrong_length_signature_fails_whatever_the_verdict() {
    let key = SigningKey::generate_es256_from_seed([7; 32])
        .unwrap()
        .with_kid("k");
    let claims = SetClaims::builder("https://bank.example/", "j", "tpp", 1_700_000_000)
        .custom_event("https://schemas.example/e", serde_json::Map::new())
        .build()
        .unwrap();
    let now = Timestamp::from_secs(1_700_000_000);
    let token = sign_set(&claims, &key, &HeaderProfile::rfc8417(), now).unwrap();
    // A 65-byte signature (one byte appended).
    let long = format!("{token}AA");
    let ring = Keyring::with_backend(
        &JwkSet::new(vec![key.to_public_jwk()]).unwrap(),
        Backend::Portable,
    )
    .unwrap();
    let policy = VerifyPolicy::new("https://bank.example/", "tpp");
    let prepared = prepare_set(&long, &ring, &policy).unwrap();
    assert!(!prepared.signature_len_ok());
    let err = finish_set(prepared, true, &policy, now).unwrap_err();
    assert_eq!(err.code(), "bad_signature");
    assert_eq!(
        verify_set(&long, &ring, &policy, now).unwrap_err().code(),
        "bad_signature"
    );
}

#[test]
fn split_signing_gives_the_one_shot_bytes() {
    let key = SigningKey::generate_es256_from_seed([3; 32])
        .unwrap()
        .with_kid("k")
        .with_backend(Backend::Portable)
        .unwrap();
    let claims = SetClaims::builder("https://bank.example/", "j", "tpp", 1_700_000_000)
        .custom_event("https://schemas.example/e", serde_json::Map::new())
        .build()
        .unwrap();
    let now = Timestamp::from_secs(1_700_000_000);
    let profile = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap();
    let one_shot = sign_set(&claims, &key, &profile, now).unwrap();
    let prepared = prepare_sign_set(&claims, &key, &profile, now).unwrap();
    assert_eq!(prepared.algorithm(), Algorithm::Es256);
    let dot = one_shot.rfind('.').unwrap();
    assert_eq!(prepared.signing_input(), &one_shot.as_bytes()[..dot]);
    let signature = base64_decode(&one_shot[dot + 1..]);
    assert_eq!(prepared.clone().assemble(&signature).unwrap(), one_shot);
    assert_eq!(
        prepared.assemble(&signature[..63]).unwrap_err(),
        CryptoError::SigningFailed
    );
    // Invalid claims are refused before anything is signed.
    let mut bad = claims.clone();
    bad.jti = String::new();
    assert!(prepare_sign_set(&bad, &key, &profile, now).is_err());
}

fn base64_decode(s: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap()
}

/// A platform stand-in: the portable arithmetic, counting calls, and able
/// to answer "cannot answer synchronously".
struct Counting {
    calls: Arc<AtomicUsize>,
    answer: Arc<Mutex<bool>>,
}
struct CountingVerifier(Verifier, Arc<AtomicUsize>, Arc<Mutex<bool>>);
struct CountingSigner(Signer, Arc<AtomicUsize>);

impl PlatformVerifier for CountingVerifier {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Option<bool> {
        self.1.fetch_add(1, Ordering::SeqCst);
        let answers = *self.2.lock().unwrap();
        answers.then(|| self.0.verify(message, signature).is_ok())
    }
    fn key_id(&self) -> Option<u64> {
        Some(7)
    }
}
impl PlatformSigner for CountingSigner {
    fn sign(&self, message: &[u8]) -> Result<Option<Vec<u8>>, CryptoError> {
        self.1.fetch_add(1, Ordering::SeqCst);
        self.0.sign(message).map(Some)
    }
}
impl PlatformCrypto for Counting {
    fn verifier(
        &self,
        key: &PublicKey,
        scheme: Scheme,
    ) -> Result<Arc<dyn PlatformVerifier>, CryptoError> {
        Ok(Arc::new(CountingVerifier(
            key.verifier(scheme, Backend::Portable)?,
            Arc::clone(&self.calls),
            Arc::clone(&self.answer),
        )))
    }
    fn signer(
        &self,
        key: &PrivateKey,
        scheme: Scheme,
    ) -> Result<Arc<dyn PlatformSigner>, CryptoError> {
        Ok(Arc::new(CountingSigner(
            key.signer(scheme, Backend::Portable)?,
            Arc::clone(&self.calls),
        )))
    }
}

#[test]
fn the_platform_backend_runs_the_installed_crypto() {
    // The only test in this file that installs a platform.
    let calls = Arc::new(AtomicUsize::new(0));
    let answer = Arc::new(Mutex::new(true));
    install_platform(Some(Arc::new(Counting {
        calls: Arc::clone(&calls),
        answer: Arc::clone(&answer),
    })));
    assert!(Backend::Platform.is_available());
    assert!(Backend::available().contains(&Backend::Platform));
    let key = SigningKey::generate_es256_from_seed([5; 32])
        .unwrap()
        .with_kid("k")
        .with_backend(Backend::Platform)
        .unwrap();
    assert_eq!(key.backend(), Backend::Platform);
    let claims = SetClaims::builder("https://bank.example/", "j", "tpp", 1_700_000_000)
        .custom_event("https://schemas.example/e", serde_json::Map::new())
        .build()
        .unwrap();
    let now = Timestamp::from_secs(1_700_000_000);
    let token = sign_set(&claims, &key, &HeaderProfile::rfc8417(), now).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let ring = Keyring::with_backend(
        &JwkSet::new(vec![key.to_public_jwk()]).unwrap(),
        Backend::Platform,
    )
    .unwrap();
    let policy = VerifyPolicy::new("https://bank.example/", "tpp");
    verify_set(&token, &ring, &policy, now).unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
    // The prepared SET names the platform's key; a portable keyring has none.
    let prepared = prepare_set(&token, &ring, &policy).unwrap();
    assert_eq!(prepared.platform_key_id(), Some(7));
    let portable = Keyring::with_backend(
        &JwkSet::new(vec![key.to_public_jwk()]).unwrap(),
        Backend::Portable,
    )
    .unwrap();
    let prepared = prepare_set(&token, &portable, &policy).unwrap();
    assert_eq!(prepared.platform_key_id(), None);
    let mut tampered = token.clone();
    tampered.replace_range(tampered.len() - 2.., "AA");
    assert_eq!(
        verify_set(&tampered, &ring, &policy, now)
            .unwrap_err()
            .code(),
        "bad_signature"
    );
    // A platform that cannot answer synchronously: the portable fallback does.
    *answer.lock().unwrap() = false;
    verify_set(&token, &ring, &policy, now).unwrap();
    assert_eq!(
        verify_set(&tampered, &ring, &policy, now)
            .unwrap_err()
            .code(),
        "bad_signature"
    );
    assert_eq!(calls.load(Ordering::SeqCst), 5);
    install_platform(None);
    assert!(!Backend::Platform.is_available());
    let err = Keyring::with_backend(
        &JwkSet::new(vec![key.to_public_jwk()]).unwrap(),
        Backend::Platform,
    )
    .unwrap_err();
    assert!(err.to_string().contains("platform"), "{err}");
}
