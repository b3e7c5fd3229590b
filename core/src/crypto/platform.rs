//! The platform backend: the signature arithmetic of a host runtime
//! (`node:crypto`, WebCrypto) behind the core's [`super::Verifier`] and
//! [`super::Signer`].
//!
//! A host that has its own crypto installs one [`PlatformCrypto`] for the
//! process with [`install_platform`]; from then on [`super::Backend::Platform`]
//! is available and is the default wherever [`super::Backend::Native`] is not
//! compiled in. The core still does everything but the arithmetic: key
//! validation, parsing, header and algorithm rules, key selection, claims.
//!
//! A platform that cannot answer synchronously (WebCrypto is `async`) returns
//! `None` from [`PlatformVerifier::verify`]; the verifier then uses the
//! portable backend, so a result is never invented. Asynchronous hosts
//! instead use the prepare/finish split of [`crate::set::prepare_set`] and
//! [`crate::set::finish_set`].

use std::sync::{Arc, RwLock};

use super::{CryptoError, PrivateKey, PublicKey, Scheme};

/// A public key imported into the platform, for one scheme.
pub trait PlatformVerifier: Send + Sync {
    /// `Some(true)` when `signature` verifies over `message`, `Some(false)`
    /// when it does not (or the platform refused it), `None` when the
    /// platform cannot answer synchronously.
    fn verify(&self, message: &[u8], signature: &[u8]) -> Option<bool>;

    /// The platform's own name for this key, if it has one (a handle an
    /// asynchronous caller can use after [`crate::set::prepare_set`]).
    fn key_id(&self) -> Option<u64> {
        None
    }
}

/// A private key imported into the platform, for one scheme.
pub trait PlatformSigner: Send + Sync {
    /// The signature over `message` (ECDSA as the 64-byte `r || s`), or
    /// `None` when the platform cannot sign synchronously.
    ///
    /// # Errors
    /// [`CryptoError::SigningFailed`] when the platform fails.
    fn sign(&self, message: &[u8]) -> Result<Option<Vec<u8>>, CryptoError>;
}

/// A host runtime's crypto: imports keys, once each.
pub trait PlatformCrypto: Send + Sync {
    /// Import a validated public key for `scheme`.
    ///
    /// # Errors
    /// [`CryptoError::BackendRejectedKey`] when the platform refuses it.
    fn verifier(
        &self,
        key: &PublicKey,
        scheme: Scheme,
    ) -> Result<Arc<dyn PlatformVerifier>, CryptoError>;

    /// Import a validated private key for `scheme`.
    ///
    /// # Errors
    /// [`CryptoError::BackendRejectedKey`] when the platform refuses it.
    fn signer(
        &self,
        key: &PrivateKey,
        scheme: Scheme,
    ) -> Result<Arc<dyn PlatformSigner>, CryptoError>;
}

type Slot = RwLock<Option<Arc<dyn PlatformCrypto>>>;

static PLATFORM: Slot = RwLock::new(None);

/// Install (or with `None`, remove) the process's platform crypto. Keys
/// prepared before keep the backend they were prepared on.
pub fn install_platform(platform: Option<Arc<dyn PlatformCrypto>>) {
    let mut slot = match PLATFORM.write() {
        Ok(guard) => guard,
        Err(poisoned) => poisoned.into_inner(),
    };
    *slot = platform;
}

/// The installed platform crypto, if any.
pub(super) fn installed() -> Option<Arc<dyn PlatformCrypto>> {
    match PLATFORM.read() {
        Ok(guard) => guard.clone(),
        Err(poisoned) => poisoned.into_inner().clone(),
    }
}
