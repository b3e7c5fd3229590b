//! Crypto backends behind one small signing/verifying interface.
//!
//! The JWS layer ([`crate::jose`]) never touches a concrete key type. Key
//! material is imported once into a backend-independent, validated
//! [`PublicKey`] or [`PrivateKey`]; from it the caller asks for a prepared
//! [`Verifier`] or [`Signer`] on a [`Backend`] (again once: parsing an RSA key
//! per verification would be far too slow), and afterwards only calls
//! [`Verifier::verify`] and [`Signer::sign`] on bytes.
//!
//! Three backends:
//! - [`Backend::Portable`]: pure Rust (`p256` 0.14, `rsa` 0.9), feature
//!   `portable` (on by default, implied by `native`), builds for `wasm32`.
//!   Without it, keys are still validated field by field (lengths, ranges,
//!   RSA sizes and exponents, EC points on the curve), but key generation,
//!   PEM and the private-key pairing checks are left to the platform, and
//!   every signature goes to [`Backend::Platform`].
//! - [`Backend::Native`]: `aws-lc-rs` (feature `native`, on by default).
//! - [`Backend::Platform`]: a host runtime's crypto (`node:crypto`,
//!   WebCrypto) that the host installed with [`install_platform`]; the
//!   JavaScript package's only use.
//!
//! The backend is a value chosen per key set; the one process-wide setting
//! is the platform a host installs, and only [`Backend::default`] reads it. Naming a backend that was not compiled in is a typed error
//! ([`CryptoError::BackendUnavailable`]), never a panic, whatever features are
//! combined.
//!
//! Both backends accept exactly the same signatures: the length checks
//! (64-byte `r || s` for ECDSA P-256, modulus-length for RSA) happen here,
//! before either backend runs, and both fix the PSS salt length to 32 bytes.
//! Both accept ECDSA signatures with a "high" `s` (RFC 7518 does not require
//! low-S, and native signers produce either form).

#[cfg(any(test, not(feature = "portable")))]
mod curve;
mod keys;
#[cfg(feature = "native")]
mod native;
mod platform;
#[cfg(feature = "portable")]
mod portable;

pub use keys::{KeyType, PrivateKey, PublicKey, RsaPrivateComponents, MAX_RSA_BITS, MIN_RSA_BITS};
pub use platform::{install_platform, PlatformCrypto, PlatformSigner, PlatformVerifier};

use std::sync::Arc;

use core::fmt;

/// Which implementation performs the signature arithmetic.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Backend {
    /// Pure Rust (RustCrypto `p256`, `rsa`). Available with the `portable`
    /// feature (the default), including wasm32.
    Portable,
    /// `aws-lc-rs`. Available when the `native` feature is enabled.
    Native,
    /// The host runtime's crypto, once a host called [`install_platform`].
    Platform,
}

impl Backend {
    /// Every backend this build can use, the default first.
    #[must_use]
    pub fn available() -> Vec<Backend> {
        let mut all = Vec::with_capacity(3);
        if Backend::Native.is_available() {
            all.push(Backend::Native);
        }
        if Backend::Platform.is_available() {
            all.push(Backend::Platform);
        }
        if Backend::Portable.is_available() {
            all.push(Backend::Portable);
        }
        all
    }

    /// Whether this backend was compiled in (for [`Backend::Platform`]:
    /// whether a platform is installed now).
    #[must_use]
    pub fn is_available(self) -> bool {
        match self {
            Backend::Portable => cfg!(feature = "portable"),
            Backend::Native => cfg!(feature = "native"),
            Backend::Platform => platform::installed().is_some(),
        }
    }

    /// A short stable name (`portable`, `native`, `platform`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Backend::Portable => "portable",
            Backend::Native => "native",
            Backend::Platform => "platform",
        }
    }
}

impl Default for Backend {
    /// [`Backend::Native`] when compiled in, else [`Backend::Platform`]
    /// when a platform is installed, else [`Backend::Portable`] (which
    /// names an unavailable backend in a build without `portable` and no
    /// platform installed: keys then fail with
    /// [`CryptoError::BackendUnavailable`]).
    fn default() -> Self {
        if cfg!(feature = "native") {
            Backend::Native
        } else if Backend::Platform.is_available() {
            Backend::Platform
        } else {
            Backend::Portable
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A signature scheme, independent of JOSE naming (the JWS layer maps
/// `ES256`, `PS256` and `RS256` onto these).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Scheme {
    /// ECDSA on P-256 with SHA-256; signatures are the fixed 64-byte `r || s`.
    EcdsaP256Sha256,
    /// RSASSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt.
    RsaPssSha256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2); deterministic.
    RsaPkcs1Sha256,
}

impl Scheme {
    /// The key type this scheme needs.
    #[must_use]
    pub const fn key_type(self) -> KeyType {
        match self {
            Scheme::EcdsaP256Sha256 => KeyType::EcP256,
            Scheme::RsaPssSha256 | Scheme::RsaPkcs1Sha256 => KeyType::Rsa,
        }
    }
}

/// Errors from importing, preparing or using keys.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum CryptoError {
    /// The EC public point is not a valid P-256 point (wrong length, not on the curve, identity).
    InvalidEcPoint,
    /// The EC private scalar is not in `1..n` or not 32 bytes.
    InvalidEcScalar,
    /// The RSA modulus has fewer than [`MIN_RSA_BITS`] bits.
    RsaKeyTooSmall {
        /// The modulus size found.
        bits: usize,
    },
    /// The RSA modulus has more than [`MAX_RSA_BITS`] bits.
    RsaKeyTooLarge {
        /// The modulus size found.
        bits: usize,
    },
    /// The RSA modulus is even or has a leading zero octet.
    InvalidRsaModulus,
    /// The RSA public exponent is even, below 3, above 2^33 - 1, or has a leading zero octet.
    InvalidRsaExponent,
    /// The RSA private components are inconsistent with each other or the public key.
    InconsistentRsaKey,
    /// A private key does not match the public key it was given with.
    KeyMismatch,
    /// The key type cannot be used with the requested scheme.
    WrongKeyType {
        /// The key's type.
        key: KeyType,
        /// The scheme asked for.
        scheme: Scheme,
    },
    /// The PEM text is not a PKCS#8 EC P-256 or RSA private key.
    InvalidPem,
    /// The backend was not compiled into this build.
    BackendUnavailable(Backend),
    /// The backend refused a key the portable validation accepted.
    BackendRejectedKey(Backend),
    /// Producing a signature failed.
    SigningFailed,
    /// Key generation failed (e.g. an RSA size out of range).
    KeyGenerationFailed,
}

impl CryptoError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            CryptoError::InvalidEcPoint => "invalid_ec_point",
            CryptoError::InvalidEcScalar => "invalid_ec_scalar",
            CryptoError::RsaKeyTooSmall { .. } => "rsa_key_too_small",
            CryptoError::RsaKeyTooLarge { .. } => "rsa_key_too_large",
            CryptoError::InvalidRsaModulus => "invalid_rsa_modulus",
            CryptoError::InvalidRsaExponent => "invalid_rsa_exponent",
            CryptoError::InconsistentRsaKey => "inconsistent_rsa_key",
            CryptoError::KeyMismatch => "key_mismatch",
            CryptoError::WrongKeyType { .. } => "wrong_key_type",
            CryptoError::InvalidPem => "invalid_pem",
            CryptoError::BackendUnavailable(_) => "backend_unavailable",
            CryptoError::BackendRejectedKey(_) => "backend_rejected_key",
            CryptoError::SigningFailed => "signing_failed",
            CryptoError::KeyGenerationFailed => "key_generation_failed",
        }
    }
}

impl fmt::Display for CryptoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CryptoError::InvalidEcPoint => f.write_str("EC public key is not a valid P-256 point"),
            CryptoError::InvalidEcScalar => {
                f.write_str("EC private key is not a valid P-256 scalar")
            }
            CryptoError::RsaKeyTooSmall { bits } => {
                write!(
                    f,
                    "RSA key has {bits} bits; at least {MIN_RSA_BITS} required"
                )
            }
            CryptoError::RsaKeyTooLarge { bits } => {
                write!(
                    f,
                    "RSA key has {bits} bits; at most {MAX_RSA_BITS} supported"
                )
            }
            CryptoError::InvalidRsaModulus => f.write_str("RSA modulus is invalid"),
            CryptoError::InvalidRsaExponent => f.write_str("RSA public exponent is invalid"),
            CryptoError::InconsistentRsaKey => {
                f.write_str("RSA private key components are inconsistent")
            }
            CryptoError::KeyMismatch => f.write_str("private key does not match the public key"),
            CryptoError::WrongKeyType { key, scheme } => {
                write!(f, "a {key} key cannot be used with {scheme:?}")
            }
            CryptoError::InvalidPem => f.write_str("not a PKCS#8 PEM EC P-256 or RSA private key"),
            CryptoError::BackendUnavailable(b) => {
                write!(f, "crypto backend `{b}` is not compiled into this build")
            }
            CryptoError::BackendRejectedKey(b) => {
                write!(f, "crypto backend `{b}` rejected the key")
            }
            CryptoError::SigningFailed => f.write_str("signing failed"),
            CryptoError::KeyGenerationFailed => f.write_str("key generation failed"),
        }
    }
}

impl std::error::Error for CryptoError {}

/// A signature did not verify (deliberately carries no detail).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct InvalidSignature;

impl fmt::Display for InvalidSignature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid signature")
    }
}

impl std::error::Error for InvalidSignature {}

#[derive(Clone)]
enum VerifierInner {
    #[cfg(feature = "portable")]
    Portable(portable::Verifier),
    #[cfg(feature = "native")]
    Native(native::Verifier),
    /// The platform's key; the portable one answers when the platform
    /// cannot synchronously (without `portable`: no signature verifies).
    Platform(
        Arc<dyn PlatformVerifier>,
        #[cfg(feature = "portable")] portable::Verifier,
    ),
}

/// A public key prepared once for one scheme on one backend.
#[derive(Clone)]
pub struct Verifier {
    scheme: Scheme,
    backend: Backend,
    signature_len: usize,
    key: PublicKey,
    inner: VerifierInner,
}

impl Verifier {
    pub(crate) fn new(
        key: &PublicKey,
        scheme: Scheme,
        backend: Backend,
    ) -> Result<Self, CryptoError> {
        if key.key_type() != scheme.key_type() {
            return Err(CryptoError::WrongKeyType {
                key: key.key_type(),
                scheme,
            });
        }
        let signature_len = match scheme {
            Scheme::EcdsaP256Sha256 => 64,
            Scheme::RsaPssSha256 | Scheme::RsaPkcs1Sha256 => key.rsa_modulus_len().unwrap_or(0),
        };
        let inner = match backend {
            #[cfg(feature = "portable")]
            Backend::Portable => VerifierInner::Portable(portable::Verifier::new(key, scheme)?),
            #[cfg(not(feature = "portable"))]
            Backend::Portable => return Err(CryptoError::BackendUnavailable(backend)),
            #[cfg(feature = "native")]
            Backend::Native => VerifierInner::Native(native::Verifier::new(key, scheme)?),
            #[cfg(not(feature = "native"))]
            Backend::Native => return Err(CryptoError::BackendUnavailable(backend)),
            Backend::Platform => {
                let platform =
                    platform::installed().ok_or(CryptoError::BackendUnavailable(backend))?;
                VerifierInner::Platform(
                    platform.verifier(key, scheme)?,
                    #[cfg(feature = "portable")]
                    portable::Verifier::new(key, scheme)?,
                )
            }
        };
        Ok(Verifier {
            scheme,
            backend,
            signature_len,
            key: key.clone(),
            inner,
        })
    }

    /// The scheme this key verifies.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The backend doing the work.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The public key it verifies with (what a caller hands to its own
    /// crypto after [`crate::set::prepare_set`]).
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The platform's name for this key ([`PlatformVerifier::key_id`]), on
    /// [`Backend::Platform`].
    #[must_use]
    pub fn platform_key_id(&self) -> Option<u64> {
        match &self.inner {
            VerifierInner::Platform(p, ..) => p.key_id(),
            #[allow(unreachable_patterns)]
            _ => None,
        }
    }

    /// The exact signature length this key accepts (64 for ECDSA P-256, the
    /// modulus length for RSA).
    #[must_use]
    pub fn signature_len(&self) -> usize {
        self.signature_len
    }

    /// Check `signature` over `message`.
    ///
    /// # Errors
    /// [`InvalidSignature`] for a wrong length or a signature that does not verify.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        if signature.len() != self.signature_len {
            return Err(InvalidSignature);
        }
        match &self.inner {
            #[cfg(feature = "portable")]
            VerifierInner::Portable(v) => v.verify(message, signature),
            #[cfg(feature = "native")]
            VerifierInner::Native(v) => v.verify(message, signature),
            #[cfg(feature = "portable")]
            VerifierInner::Platform(p, fallback) => match p.verify(message, signature) {
                Some(true) => Ok(()),
                Some(false) => Err(InvalidSignature),
                None => fallback.verify(message, signature),
            },
            // No verdict and no code of our own: never a pass.
            #[cfg(not(feature = "portable"))]
            VerifierInner::Platform(p) => match p.verify(message, signature) {
                Some(true) => Ok(()),
                Some(false) | None => Err(InvalidSignature),
            },
        }
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("scheme", &self.scheme)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
enum SignerInner {
    #[cfg(feature = "portable")]
    Portable(portable::Signer),
    #[cfg(feature = "native")]
    Native(native::Signer),
    /// The platform's key; the portable one signs when the platform cannot
    /// synchronously (without `portable`: [`CryptoError::BackendUnavailable`]).
    Platform(
        Arc<dyn PlatformSigner>,
        #[cfg(feature = "portable")] portable::Signer,
    ),
}

/// A private key prepared once for one scheme on one backend.
///
/// Randomness: the core draws none of its own. Portable ES256 signatures are
/// deterministic (RFC 6979). Portable PS256 derives its salt and blinding
/// factor from a keyed hash of the private key and the message (so the same
/// key and message give the same signature); portable RS256 derives its
/// blinding factor the same way (PKCS#1 v1.5 signatures are deterministic
/// on every backend). The native backend uses
/// AWS-LC's internal DRBG for the ECDSA nonce and the PSS salt, as AWS-LC
/// offers no way to supply them.
#[derive(Clone)]
pub struct Signer {
    scheme: Scheme,
    backend: Backend,
    inner: SignerInner,
}

impl Signer {
    pub(crate) fn new(
        key: &PrivateKey,
        scheme: Scheme,
        backend: Backend,
    ) -> Result<Self, CryptoError> {
        if key.key_type() != scheme.key_type() {
            return Err(CryptoError::WrongKeyType {
                key: key.key_type(),
                scheme,
            });
        }
        let inner = match backend {
            #[cfg(feature = "portable")]
            Backend::Portable => SignerInner::Portable(portable::Signer::new(key, scheme)?),
            #[cfg(not(feature = "portable"))]
            Backend::Portable => return Err(CryptoError::BackendUnavailable(backend)),
            #[cfg(feature = "native")]
            Backend::Native => SignerInner::Native(native::Signer::new(key, scheme)?),
            #[cfg(not(feature = "native"))]
            Backend::Native => return Err(CryptoError::BackendUnavailable(backend)),
            Backend::Platform => {
                let platform =
                    platform::installed().ok_or(CryptoError::BackendUnavailable(backend))?;
                SignerInner::Platform(
                    platform.signer(key, scheme)?,
                    #[cfg(feature = "portable")]
                    portable::Signer::new(key, scheme)?,
                )
            }
        };
        Ok(Signer {
            scheme,
            backend,
            inner,
        })
    }

    /// The scheme this key signs with.
    #[must_use]
    pub fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The backend doing the work.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Sign `message`. ECDSA signatures are the 64-byte `r || s`.
    ///
    /// # Errors
    /// [`CryptoError::SigningFailed`] if the backend fails.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match &self.inner {
            #[cfg(feature = "portable")]
            SignerInner::Portable(s) => s.sign(message),
            #[cfg(feature = "native")]
            SignerInner::Native(s) => s.sign(message),
            #[cfg(feature = "portable")]
            SignerInner::Platform(p, fallback) => match p.sign(message)? {
                Some(signature) => Ok(signature),
                None => fallback.sign(message),
            },
            #[cfg(not(feature = "portable"))]
            SignerInner::Platform(p) => p
                .sign(message)?
                .ok_or(CryptoError::BackendUnavailable(Backend::Portable)),
        }
    }
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("scheme", &self.scheme)
            .field("backend", &self.backend)
            .finish_non_exhaustive()
    }
}
