//! A private key that signs JWS, with its `kid` and algorithm.

use core::fmt;

use super::alg::Algorithm;
use super::jwk::{Jwk, JwkError};
use crate::crypto::{Backend, CryptoError, PrivateKey, PublicKey, Signer};

/// A private key prepared for signing, with its `kid` and algorithm
/// (`ES256` for EC P-256 keys; `PS256` for RSA keys unless the key's JWK
/// says `RS256` or [`SigningKey::with_algorithm`] chose it).
///
/// RSA signing on [`Backend::Portable`] (the `rsa` crate) is not
/// constant-time (RUSTSEC-2023-0071): keep it to tests and tools, and sign
/// PS256 or RS256 on [`Backend::Native`] anywhere timing can be measured.
///
/// When no `kid` is given it defaults to the RFC 7638 thumbprint of the
/// public key. `Debug` shows only the `kid`, algorithm and backend.
#[derive(Clone)]
pub struct SigningKey {
    kid: String,
    alg: Algorithm,
    key: PrivateKey,
    signer: Signer,
    /// 64 for P-256, the modulus length for RSA (computed once).
    signature_len: usize,
}

impl SigningKey {
    fn build(key: PrivateKey, kid: Option<String>, backend: Backend) -> Result<Self, CryptoError> {
        let alg = Algorithm::for_key_type(key.key_type());
        Self::build_for(key, alg, kid, backend)
    }

    fn build_for(
        key: PrivateKey,
        alg: Algorithm,
        kid: Option<String>,
        backend: Backend,
    ) -> Result<Self, CryptoError> {
        let signer = key.signer(alg.scheme(), backend)?;
        let public = key.public_key();
        let signature_len = public.rsa_components().map_or(64, |(n, _)| n.len());
        let kid = match kid {
            Some(k) => k,
            None => Jwk::from_public_key(public).thumbprint(),
        };
        Ok(SigningKey {
            kid,
            alg,
            key,
            signer,
            signature_len,
        })
    }

    /// From a private JWK. Its `kid` is kept (thumbprint when absent); its
    /// `alg`, when present, must be an algorithm for its key type and is
    /// the one it signs with (`ES256`; `PS256` or `RS256`), when absent the
    /// default for the key type (`ES256`, `PS256`); its `use`, when
    /// present, must be `sig`.
    ///
    /// # Errors
    /// [`JwkError::NotPrivate`], [`JwkError::AlgorithmMismatch`],
    /// [`JwkError::NotForSigning`], or [`JwkError::Key`].
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, JwkError> {
        let key = jwk.private_key().ok_or(JwkError::NotPrivate)?;
        let alg = match jwk.alg() {
            None => Algorithm::for_key_type(key.key_type()),
            Some(a) => Algorithm::all_for_key_type(key.key_type())
                .iter()
                .copied()
                .find(|usable| usable.name() == a)
                .ok_or_else(|| JwkError::AlgorithmMismatch(super::header::printable(a, 32)))?,
        };
        if jwk.key_use().is_some_and(|u| u != "sig") {
            return Err(JwkError::NotForSigning);
        }
        Ok(Self::build_for(
            key.clone(),
            alg,
            jwk.kid().map(str::to_owned),
            Backend::default(),
        )?)
    }

    /// From a PKCS#8 PEM private key (EC P-256 or RSA >= 2048 bits);
    /// `kid` is the thumbprint (change it with [`SigningKey::with_kid`]).
    ///
    /// # Errors
    /// [`CryptoError::InvalidPem`] or the key checks.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        Self::build(PrivateKey::from_pkcs8_pem(pem)?, None, Backend::default())
    }

    /// A fresh ES256 key from the caller's random generator.
    ///
    /// # Errors
    /// [`CryptoError::KeyGenerationFailed`] when the generator is broken (64
    /// draws in a row out of range, e.g. stuck at zero); otherwise only if
    /// the default backend refuses the key (never in practice).
    pub fn generate_es256(rng: &mut impl rand_core::CryptoRngCore) -> Result<Self, CryptoError> {
        Self::build(PrivateKey::generate_ec_p256(rng)?, None, Backend::default())
    }

    /// A fresh PS256 key of `bits` bits (2048..=8192) from the caller's
    /// random generator.
    ///
    /// # Errors
    /// [`CryptoError::RsaKeyTooSmall`] and friends.
    pub fn generate_ps256(
        rng: &mut impl rand_core::CryptoRngCore,
        bits: usize,
    ) -> Result<Self, CryptoError> {
        Self::build(
            PrivateKey::generate_rsa(rng, bits)?,
            None,
            Backend::default(),
        )
    }

    /// A fresh ES256 key from 32 bytes of seed, for callers whose random
    /// generator is not a `rand_core` 0.6 one (rand 0.9's `rand::random()`,
    /// `getrandom::fill`, `os.urandom` behind an FFI...). The seed keys
    /// ChaCha20 (`rand_chacha`'s `ChaCha20Rng::from_seed`), which then feeds
    /// [`SigningKey::generate_es256`]: the same seed gives the same key, here
    /// and in every setpoll binding. The seed is the key's entropy: draw it
    /// from the operating system's CSPRNG and never reuse it.
    ///
    /// ```
    /// use setpoll_core::jose::SigningKey;
    ///
    /// # fn main() -> Result<(), setpoll_core::crypto::CryptoError> {
    /// let seed = [7u8; 32]; // e.g. `rand::random()` or `getrandom::fill(&mut seed)`
    /// let key = SigningKey::generate_es256_from_seed(seed)?.with_kid("bank-key-1");
    /// assert_eq!(key.to_public_jwk().kid(), Some("bank-key-1"));
    /// assert_eq!(
    ///     SigningKey::generate_es256_from_seed(seed)?.to_public_jwk().thumbprint(),
    ///     key.to_public_jwk().thumbprint(),
    /// );
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// # Errors
    /// As [`SigningKey::generate_es256`] (in practice none).
    pub fn generate_es256_from_seed(seed: [u8; 32]) -> Result<Self, CryptoError> {
        Self::generate_es256(&mut seeded(seed))
    }

    /// A fresh PS256 key of `bits` bits from 32 bytes of seed, the way
    /// [`SigningKey::generate_es256_from_seed`] does it.
    ///
    /// # Errors
    /// As [`SigningKey::generate_ps256`].
    pub fn generate_ps256_from_seed(seed: [u8; 32], bits: usize) -> Result<Self, CryptoError> {
        Self::generate_ps256(&mut seeded(seed), bits)
    }

    /// The same key with another `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = kid.into();
        self
    }

    /// The same key signing with another algorithm for its key type (an
    /// RSA key: `PS256` or `RS256`), on the same backend.
    ///
    /// # Errors
    /// [`CryptoError::WrongKeyType`] when `alg` needs another key type, or
    /// the backend's refusal.
    pub fn with_algorithm(self, alg: Algorithm) -> Result<Self, CryptoError> {
        let signer = self.key.signer(alg.scheme(), self.signer.backend())?;
        Ok(SigningKey {
            alg,
            signer,
            ..self
        })
    }

    /// The same key prepared on another backend.
    ///
    /// # Errors
    /// [`CryptoError::BackendUnavailable`] or [`CryptoError::BackendRejectedKey`].
    pub fn with_backend(self, backend: Backend) -> Result<Self, CryptoError> {
        let signer = self.key.signer(self.alg.scheme(), backend)?;
        Ok(SigningKey { signer, ..self })
    }

    /// The private JWK (`kid`, `use: sig`, `alg` set).
    #[must_use]
    pub fn to_private_jwk(&self) -> Jwk {
        Jwk::from_private_key(self.key.clone())
            .with_kid(self.kid.clone())
            .with_use("sig")
            .with_alg(self.alg.name())
    }

    /// The public JWK to publish (`kid`, `use: sig`, `alg` set).
    #[must_use]
    pub fn to_public_jwk(&self) -> Jwk {
        self.to_private_jwk().to_public()
    }

    /// The key as PKCS#8 PEM.
    ///
    /// # Errors
    /// Only if encoding fails.
    pub fn to_pkcs8_pem(&self) -> Result<zeroize::Zeroizing<String>, CryptoError> {
        self.key.to_pkcs8_pem()
    }

    /// `kid`.
    #[must_use]
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The signing algorithm.
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The backend that signs.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.signer.backend()
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        self.key.public_key()
    }

    #[cfg(test)]
    pub(crate) fn private(&self) -> &PrivateKey {
        &self.key
    }

    /// The length of every signature this key makes.
    pub(crate) fn signature_len(&self) -> usize {
        self.signature_len
    }

    /// Sign raw bytes (the JWS signing input).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.signer.sign(message)
    }
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .field("backend", &self.signer.backend())
            .finish_non_exhaustive()
    }
}

/// The generator behind the `*_from_seed` constructors: ChaCha20 keyed by the
/// seed (the bindings' `seed` arguments use the same one).
fn seeded(seed: [u8; 32]) -> rand_chacha::ChaCha20Rng {
    rand_core::SeedableRng::from_seed(seed)
}
