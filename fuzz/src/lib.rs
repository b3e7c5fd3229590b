//! Fixtures shared by the fuzz targets, all read from the golden vectors
//! (`tests/vectors/*.json`), so the targets use the same keys, policy and
//! tokens as every binding's test suite.

use std::sync::OnceLock;

use serde_json::Value;
use setpoll_core::jose::{Jwk, JwkSet, Keyring, SigningKey};
use setpoll_core::set::VerifyPolicy;
use setpoll_core::Timestamp;

/// The vector files, compiled in (the targets run from any directory).
pub const VECTOR_FILES: [(&str, &str); 9] = [
    (
        "request_parse",
        include_str!("../../tests/vectors/request_parse.json"),
    ),
    (
        "response_parse",
        include_str!("../../tests/vectors/response_parse.json"),
    ),
    ("claims", include_str!("../../tests/vectors/claims.json")),
    ("verify", include_str!("../../tests/vectors/verify.json")),
    ("sign", include_str!("../../tests/vectors/sign.json")),
    ("jwk", include_str!("../../tests/vectors/jwk.json")),
    ("jwks", include_str!("../../tests/vectors/jwks.json")),
    (
        "transmitter",
        include_str!("../../tests/vectors/transmitter.json"),
    ),
    (
        "receiver",
        include_str!("../../tests/vectors/receiver.json"),
    ),
];

/// The cases of one vector kind.
#[must_use]
pub fn cases(kind: &str) -> Vec<Value> {
    VECTOR_FILES
        .iter()
        .filter(|(k, _)| *k == kind)
        .filter_map(|(_, text)| serde_json::from_str::<Value>(text).ok())
        .filter_map(|v| v.get("cases").and_then(Value::as_array).cloned())
        .flatten()
        .collect()
}

fn first_string(kind: &str, member: &str) -> String {
    cases(kind)
        .iter()
        .find_map(|c| c.get(member).and_then(Value::as_str).map(str::to_owned))
        .unwrap_or_default()
}

/// The recipient's key set of the verify vectors (ES256 and PS256 public keys).
pub fn keyring() -> &'static Keyring {
    static KEYS: OnceLock<Keyring> = OnceLock::new();
    KEYS.get_or_init(|| {
        let set = JwkSet::from_json(first_string("verify", "jwksJson").as_bytes())
            .unwrap_or_else(|e| panic!("vector key set: {e}"));
        Keyring::new(&set).unwrap_or_else(|e| panic!("vector keyring: {e}"))
    })
}

/// [`keyring`] with its first key only: a receiver that starts with it
/// holds the SETs signed with the others until it gets [`keyring`].
pub fn first_key_only() -> &'static Keyring {
    static KEYS: OnceLock<Keyring> = OnceLock::new();
    KEYS.get_or_init(|| {
        let mut jwks: Value = serde_json::from_str(&first_string("verify", "jwksJson"))
            .unwrap_or_else(|e| panic!("vector key set: {e}"));
        if let Some(Value::Array(keys)) = jwks.get_mut("keys") {
            keys.truncate(1);
        }
        let set = JwkSet::from_json(jwks.to_string().as_bytes())
            .unwrap_or_else(|e| panic!("vector key set: {e}"));
        Keyring::new(&set).unwrap_or_else(|e| panic!("vector keyring: {e}"))
    })
}

/// The ES256 signing key of the sign vectors (its public JWK is in [`keyring`]).
pub fn signing_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| {
        let jwk = Jwk::from_json(first_string("sign", "privateJwkJson").as_bytes())
            .unwrap_or_else(|e| panic!("vector private key: {e}"));
        SigningKey::from_jwk(&jwk).unwrap_or_else(|e| panic!("vector signing key: {e}"))
    })
}

/// The issuer of every vector SET.
pub const ISSUER: &str = "https://examplebank.com/";
/// The audience (client id) of every vector SET.
pub const AUDIENCE: &str = "7umx5nTR33811QyQfi";

/// The default policy for [`ISSUER`] and [`AUDIENCE`].
#[must_use]
pub fn policy() -> VerifyPolicy {
    VerifyPolicy::new(ISSUER, AUDIENCE)
}

/// The time of the verify vectors (30 s after the SETs' `iat`).
#[must_use]
pub fn now() -> Timestamp {
    Timestamp::from_millis(1_516_239_052_250)
}

/// Tokens the verify vectors expect to verify, with their `jti`.
pub fn valid_tokens() -> &'static [(String, String)] {
    static TOKENS: OnceLock<Vec<(String, String)>> = OnceLock::new();
    TOKENS.get_or_init(|| {
        cases("verify")
            .iter()
            .filter(|c| c.pointer("/expect/ok").is_some())
            .filter_map(|c| {
                let token = c.get("token")?.as_str()?.to_owned();
                let claims = c.pointer("/expect/ok/claimsJson")?.as_str()?;
                let claims: Value = serde_json::from_str(claims).ok()?;
                Some((claims.get("jti")?.as_str()?.to_owned(), token))
            })
            .collect()
    })
}

/// A deterministic stand-in for a random source (backoff jitter only).
pub struct CountingRng(pub u64);

impl rand_core::RngCore for CountingRng {
    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    fn next_u64(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        self.0
    }
    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for b in dest {
            *b = (self.next_u64() >> 56) as u8;
        }
    }
    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}
