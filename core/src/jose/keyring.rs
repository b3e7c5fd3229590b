//! A JWK Set prepared for verification on one backend.

use core::fmt;

use super::alg::Algorithm;
use super::jwk::{JwkError, JwkSet};
use super::jws::JwsError;
use crate::crypto::{Backend, Verifier};

#[derive(Clone)]
struct Entry {
    kid: Option<String>,
    alg: Algorithm,
    verifier: Verifier,
}

/// A public JWK Set prepared for verification: every usable key is parsed
/// and prepared for the backend once, then looked up by `kid`.
///
/// A key is usable when [`super::Jwk::verification_algorithm`] says so: its
/// `use` is absent or `sig`, its `key_ops` (if any) include `verify`, and its
/// `alg` (if any) is the algorithm setpoll uses with its key type (`ES256`
/// for EC P-256, `PS256` for RSA). Other keys are left out, so a token
/// naming them fails with `unknown_kid`.
///
/// A token without `kid` is accepted only when the keyring holds exactly
/// one usable key for the token's `alg` (the unambiguous case); otherwise
/// it fails with `kid_missing`.
#[derive(Clone)]
pub struct Keyring {
    backend: Backend,
    entries: Vec<Entry>,
}

impl Default for Keyring {
    /// An empty keyring on [`Backend::default`].
    fn default() -> Self {
        Keyring {
            backend: Backend::default(),
            entries: Vec::new(),
        }
    }
}

impl Keyring {
    /// Prepare `set` on [`Backend::default`].
    ///
    /// # Errors
    /// [`JwkError::Key`] if the backend refuses a key.
    pub fn new(set: &JwkSet) -> Result<Self, JwkError> {
        Self::with_backend(set, Backend::default())
    }

    /// Prepare `set` on `backend`.
    ///
    /// # Errors
    /// [`JwkError::Key`] with [`crate::crypto::CryptoError::BackendUnavailable`]
    /// when the backend is not compiled in, or when it refuses a key.
    pub fn with_backend(set: &JwkSet, backend: Backend) -> Result<Self, JwkError> {
        let mut entries = Vec::with_capacity(set.keys().len());
        for jwk in set.keys() {
            let Some(alg) = jwk.verification_algorithm() else {
                continue;
            };
            let verifier = jwk.public_key().verifier(alg.scheme(), backend)?;
            entries.push(Entry {
                kid: jwk.kid().map(str::to_owned),
                alg,
                verifier,
            });
        }
        if entries.is_empty() && !backend.is_available() {
            return Err(JwkError::Key(
                crate::crypto::CryptoError::BackendUnavailable(backend),
            ));
        }
        Ok(Keyring { backend, entries })
    }

    /// The backend the keys were prepared for.
    #[must_use]
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// How many usable keys it holds.
    #[must_use]
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether it holds no usable key.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The `kid`s of the usable keys.
    #[must_use]
    pub fn kids(&self) -> Vec<String> {
        self.entries.iter().filter_map(|e| e.kid.clone()).collect()
    }

    /// The prepared key for a header's `kid` and `alg`.
    pub(crate) fn find(&self, kid: Option<&str>, alg: Algorithm) -> Result<&Verifier, JwsError> {
        match kid {
            Some(kid) => {
                let mut found = false;
                for e in self
                    .entries
                    .iter()
                    .filter(|e| e.kid.as_deref() == Some(kid))
                {
                    if e.alg == alg {
                        return Ok(&e.verifier);
                    }
                    found = true;
                }
                let kid = super::header::printable(kid, 64);
                if found {
                    Err(JwsError::KeyAlgMismatch { kid, alg })
                } else {
                    Err(JwsError::UnknownKid(kid))
                }
            }
            None => {
                let mut candidates = self.entries.iter().filter(|e| e.alg == alg);
                match (candidates.next(), candidates.next()) {
                    (Some(e), None) => Ok(&e.verifier),
                    _ => Err(JwsError::KidMissing),
                }
            }
        }
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("backend", &self.backend)
            .field(
                "kids",
                &self
                    .entries
                    .iter()
                    .map(|e| (e.kid.as_deref(), e.alg))
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}
