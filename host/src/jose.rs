//! Keys: JWK / JWK Set (RFC 7517) import and export, key generation.

use std::sync::Arc;

use crate::SetpollError;
use rand_chacha::rand_core::SeedableRng;
use setpoll_core::crypto::Backend;
use setpoll_core::jose::{Jwk as CoreJwk, JwkSet as CoreJwkSet};

choice! {
    /// Which crypto implementation to use.
    pub enum CryptoBackend => Backend {
        /// `aws-lc-rs` (the default): constant-time, fast.
        Native = "native",
        /// Pure Rust (RustCrypto); deterministic ES256 signatures (RFC 6979).
        Portable = "portable",
    }
}

fn backend(b: Option<CryptoBackend>) -> Backend {
    b.map_or_else(Backend::default, Into::into)
}

pub(crate) fn seeded(seed: &[u8]) -> Result<rand_chacha::ChaCha20Rng, SetpollError> {
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| SetpollError::argument("bad_seed", "seed must be exactly 32 bytes"))?;
    Ok(rand_chacha::ChaCha20Rng::from_seed(seed))
}

fn with_kid(key: setpoll_core::jose::SigningKey, kid: Option<String>) -> Arc<SigningKey> {
    Arc::new(SigningKey(match kid {
        Some(k) => key.with_kid(k),
        None => key,
    }))
}

/// A private key that signs SETs, with its `kid` and algorithm.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct SigningKey(pub(crate) setpoll_core::jose::SigningKey);

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl SigningKey {
    /// A new P-256 key for ES256 from 32 bytes of seed (e.g. `SecureRandom`).
    ///
    /// # Errors
    /// `Argument(bad_seed)` unless the seed is 32 bytes.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn generate_es256(seed: Vec<u8>, kid: Option<String>) -> Result<Arc<Self>, SetpollError> {
        let mut rng = seeded(&seed)?;
        Ok(with_kid(
            setpoll_core::jose::SigningKey::generate_es256(&mut rng)?,
            kid,
        ))
    }

    /// A new RSA key for PS256 from 32 bytes of seed; `bits` from 2048 to
    /// 4096 (larger keys take minutes to generate and cannot be interrupted).
    ///
    /// # Errors
    /// `Argument(bad_seed)`, `Argument(bad_key_size)` outside 2048..=4096.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn generate_ps256(
        seed: Vec<u8>,
        bits: i32,
        kid: Option<String>,
    ) -> Result<Arc<Self>, SetpollError> {
        let bits = usize::try_from(bits)
            .ok()
            .filter(|b| (2048..=4096).contains(b))
            .ok_or_else(|| {
                SetpollError::argument("bad_key_size", format!("{bits} bits: use 2048 to 4096"))
            })?;
        let mut rng = seeded(&seed)?;
        Ok(with_kid(
            setpoll_core::jose::SigningKey::generate_ps256(&mut rng, bits)?,
            kid,
        ))
    }

    /// Import a private JWK (JSON text).
    ///
    /// # Errors
    /// `Key` when the JWK is malformed, public, or not for signing.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_jwk(
        jwk: String,
        backend: Option<CryptoBackend>,
    ) -> Result<Arc<Self>, SetpollError> {
        let jwk = CoreJwk::from_json(jwk.as_bytes())?;
        let key =
            setpoll_core::jose::SigningKey::from_jwk(&jwk)?.with_backend(self::backend(backend))?;
        Ok(Arc::new(SigningKey(key)))
    }

    /// Import a PKCS#8 PEM private key; `kid` defaults to the JWK thumbprint.
    ///
    /// # Errors
    /// `Key` when the PEM is not a supported private key.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_pkcs8_pem(pem: String, kid: Option<String>) -> Result<Arc<Self>, SetpollError> {
        Ok(with_kid(
            setpoll_core::jose::SigningKey::from_pkcs8_pem(&pem)?,
            kid,
        ))
    }

    /// The PKCS#8 PEM text of the private key.
    ///
    /// # Errors
    /// `Key` if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<String, SetpollError> {
        Ok(self.0.to_pkcs8_pem()?.to_string())
    }
}

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl SigningKey.0: setpoll_core::jose::SigningKey {
        /// The private JWK (JSON text): keep it secret.
        to_private_jwk -> String = |k| k.to_private_jwk().to_json();
        /// The public JWK (JSON text) to publish.
        to_public_jwk -> String = |k| k.to_public_jwk().to_json();
        /// The `kid` put in the JWS header.
        kid -> String = |k| k.kid().to_owned();
        /// `ES256` or `PS256`.
        algorithm -> String = |k| k.algorithm().name().to_owned();
    }
}

record! {
    /// A key skipped when a JWK Set was imported.
    pub struct SkippedKey {
        /// Its position in the set's `keys` array.
        pub index: i32,
        /// Its `kid`, when it had one.
        pub kid: Option<String>,
        /// Why (stable code).
        pub code: String,
    }
}

fn skipped_keys(set: &CoreJwkSet) -> Vec<SkippedKey> {
    set.skipped()
        .iter()
        .map(|s| SkippedKey {
            index: crate::time::num::i32_of(s.index),
            kid: s.kid.clone(),
            code: s.error.code().to_owned(),
        })
        .collect()
}

/// A public JWK Set prepared for verification.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Keyring {
    pub(crate) ring: setpoll_core::jose::Keyring,
    jwks_json: String,
    skipped: Vec<SkippedKey>,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Keyring {
    /// Import a JWK Set (JSON text); keys setpoll cannot use are skipped.
    ///
    /// # Errors
    /// `Key` when the set itself is malformed.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_jwks(
        jwks: String,
        backend: Option<CryptoBackend>,
    ) -> Result<Arc<Self>, SetpollError> {
        let set = CoreJwkSet::from_json(jwks.as_bytes())?;
        Ok(Arc::new(Keyring {
            ring: setpoll_core::jose::Keyring::with_backend(&set, self::backend(backend))?,
            jwks_json: set.to_public().to_json(),
            skipped: skipped_keys(&set),
        }))
    }

    /// The public JWK Set (canonical JSON text).
    #[must_use]
    pub fn to_jwks(&self) -> String {
        self.jwks_json.clone()
    }

    /// The `kid`s of the usable keys.
    #[must_use]
    pub fn kids(&self) -> Vec<String> {
        self.ring.kids()
    }

    /// Keys skipped on import.
    #[must_use]
    pub fn skipped(&self) -> Vec<SkippedKey> {
        self.skipped.clone()
    }
}

/// The public JWK Set (JSON text) for these signing keys.
///
/// # Errors
/// `Key` when two keys share a `kid` or there are too many.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn jwks_from_keys(keys: Vec<Arc<SigningKey>>) -> Result<String, SetpollError> {
    Ok(CoreJwkSet::new(keys.iter().map(|k| k.0.to_public_jwk()).collect())?.to_json())
}

/// The RFC 7638 thumbprint of a JWK (JSON text).
///
/// # Errors
/// `Key` when the JWK is malformed.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn jwk_thumbprint(jwk: String) -> Result<String, SetpollError> {
    Ok(CoreJwk::from_json(jwk.as_bytes())?.thumbprint())
}

/// One JWK as parsed (RFC 7517 §4): inspect it, export it.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Jwk(CoreJwk);

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Jwk {
    /// Parse a JWK (JSON text).
    ///
    /// # Errors
    /// `Key` when the JWK is malformed or unsupported.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_json(json: String) -> Result<Arc<Self>, SetpollError> {
        Ok(Arc::new(Jwk(CoreJwk::from_json(json.as_bytes())?)))
    }
}

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl Jwk.0: CoreJwk {
        /// Canonical JSON text (private members included when present).
        to_json -> String = CoreJwk::to_json;
        /// Canonical JSON text of the public part.
        to_public_json -> String = |k| k.to_public().to_json();
        /// The RFC 7638 thumbprint.
        thumbprint -> String = CoreJwk::thumbprint;
        /// Whether the JWK holds private key material.
        is_private -> bool = CoreJwk::is_private;
        /// Its `kid`, when present.
        kid -> Option<String> = |k| k.kid().map(str::to_owned);
        /// The algorithm this key verifies with; `None` when `use`, `key_ops` or `alg` forbid it.
        verification_algorithm -> Option<String> = |k| k.verification_algorithm().map(|a| a.name().to_owned());
    }
}

/// A JWK Set as parsed (RFC 7517 §5): unusable keys are skipped, not fatal.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct JwkSet(CoreJwkSet);

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl JwkSet {
    /// Parse a JWK Set (JSON text).
    ///
    /// # Errors
    /// `Key` when the set itself is malformed.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_json(json: String) -> Result<Arc<Self>, SetpollError> {
        Ok(Arc::new(JwkSet(CoreJwkSet::from_json(json.as_bytes())?)))
    }
}

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl JwkSet.0: CoreJwkSet {
        /// Canonical JSON text.
        to_json -> String = CoreJwkSet::to_json;
        /// Canonical JSON text of the public keys.
        to_public_json -> String = |s| s.to_public().to_json();
        /// The `kid` of each key kept (`None` for a key without one).
        kids -> Vec<Option<String>> = |s| s.keys().iter().map(|k| k.kid().map(str::to_owned)).collect();
        /// The keys skipped on import.
        skipped -> Vec<SkippedKey> = skipped_keys;
    }
}
