//! A JWK Set prepared for verification on one backend.

use core::fmt;

use super::alg::Algorithm;
use super::jwk::{JwkError, JwkSet};
use super::jws::JwsError;
use crate::crypto::{Backend, Verifier};

/// One usable key, prepared once for each algorithm it may verify.
#[derive(Clone)]
struct Entry {
    kid: Option<String>,
    verifiers: Vec<(Algorithm, Verifier)>,
}

impl Entry {
    fn verifier(&self, alg: Algorithm) -> Option<&Verifier> {
        self.verifiers
            .iter()
            .find_map(|(a, v)| (*a == alg).then_some(v))
    }
}

/// A public JWK Set prepared for verification: every usable key is parsed
/// and prepared for the backend once, then looked up by `kid`.
///
/// A key is usable for the algorithms [`super::Jwk::verification_algorithms`]
/// names: its `use` must be absent or `sig` and its `key_ops` (if any)
/// include `verify`; a key with `alg` verifies that algorithm only (`ES256`
/// for EC P-256, `PS256` or `RS256` for RSA); an RSA key without `alg`
/// verifies PS256 and RS256, of which the policy's allow-list (checked
/// first, on the header) admits only those the recipient allows. Keys with
/// no usable algorithm are left out, so a token naming them fails with
/// `unknown_kid`; a token whose `alg` its key is not for fails with
/// `key_alg_mismatch`.
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
            let algs = jwk.verification_algorithms();
            if algs.is_empty() {
                continue;
            }
            let mut verifiers = Vec::with_capacity(algs.len());
            for alg in algs {
                verifiers.push((alg, jwk.public_key().verifier(alg.scheme(), backend)?));
            }
            entries.push(Entry {
                kid: jwk.kid().map(str::to_owned),
                verifiers,
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
                    if let Some(v) = e.verifier(alg) {
                        return Ok(v);
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
                let mut candidates = self.entries.iter().filter_map(|e| e.verifier(alg));
                match (candidates.next(), candidates.next()) {
                    (Some(v), None) => Ok(v),
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
                    .map(|e| {
                        let algs: Vec<Algorithm> = e.verifiers.iter().map(|(a, _)| *a).collect();
                        (e.kid.as_deref(), algs)
                    })
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}
