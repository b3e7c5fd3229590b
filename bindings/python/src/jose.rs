//! Keys: JWK / JWK Set (RFC 7517) import and export, key generation,
//! `setpoll_core::jose`.

use crate::errors::Error;
use crate::wire::Body;
use pyo3::prelude::*;
use rand_chacha::rand_core::SeedableRng;
use setpoll_core::crypto::Backend;
use setpoll_core::jose::{Jwk, JwkSet};

pub(crate) fn backend(name: Option<&str>) -> Result<Backend, Error> {
    match name {
        None => Ok(Backend::default()),
        Some("native") => Ok(Backend::Native),
        Some("portable") => Ok(Backend::Portable),
        Some(other) => Err(Error::argument(
            "unknown_backend",
            format!("unknown crypto backend {other:?} (native, portable)"),
        )),
    }
}

fn seeded(seed: &[u8]) -> Result<rand_chacha::ChaCha20Rng, Error> {
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| Error::argument("bad_seed", "seed must be exactly 32 bytes"))?;
    Ok(rand_chacha::ChaCha20Rng::from_seed(seed))
}

/// A private key that signs SETs, with its `kid` and algorithm.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct SigningKey(pub(crate) setpoll_core::jose::SigningKey);

#[pymethods]
impl SigningKey {
    /// A new P-256 key for ES256 from 32 bytes of seed (pass `os.urandom(32)`;
    /// `setpoll.generate_es256()` does).
    #[staticmethod]
    #[pyo3(signature = (seed, kid=None))]
    fn generate_es256(py: Python<'_>, seed: &[u8], kid: Option<String>) -> Result<Self, Error> {
        let mut rng = seeded(seed)?;
        let key = py.detach(|| setpoll_core::jose::SigningKey::generate_es256(&mut rng))?;
        Ok(SigningKey(match kid {
            Some(k) => key.with_kid(k),
            None => key,
        }))
    }

    /// A new RSA key for PS256 (`bits` >= 2048) from 32 bytes of seed.
    #[staticmethod]
    #[pyo3(signature = (seed, bits=2048, kid=None))]
    fn generate_ps256(
        py: Python<'_>,
        seed: &[u8],
        bits: usize,
        kid: Option<String>,
    ) -> Result<Self, Error> {
        let mut rng = seeded(seed)?;
        let key = py.detach(|| setpoll_core::jose::SigningKey::generate_ps256(&mut rng, bits))?;
        Ok(SigningKey(match kid {
            Some(k) => key.with_kid(k),
            None => key,
        }))
    }

    /// Import a private JWK (JSON text). `backend`: `"native"` (default) or `"portable"`.
    #[staticmethod]
    #[pyo3(signature = (jwk, backend=None))]
    fn from_jwk(py: Python<'_>, jwk: Body, backend: Option<&str>) -> Result<Self, Error> {
        let backend = self::backend(backend)?;
        let key = py.detach(|| {
            let jwk = Jwk::from_json(&jwk)?;
            setpoll_core::jose::SigningKey::from_jwk(&jwk).map_err(Error::from)
        })?;
        Ok(SigningKey(key.with_backend(backend)?))
    }

    /// Import a PKCS#8 PEM private key; `kid` defaults to the JWK thumbprint.
    #[staticmethod]
    #[pyo3(signature = (pem, kid=None))]
    fn from_pkcs8_pem(py: Python<'_>, pem: &str, kid: Option<String>) -> Result<Self, Error> {
        let key = py.detach(|| setpoll_core::jose::SigningKey::from_pkcs8_pem(pem))?;
        Ok(SigningKey(match kid {
            Some(k) => key.with_kid(k),
            None => key,
        }))
    }

    /// The PKCS#8 PEM text of the private key.
    fn to_pkcs8_pem(&self) -> Result<String, Error> {
        Ok(self.0.to_pkcs8_pem()?.to_string())
    }

    /// The private JWK (JSON text): keep it secret.
    fn to_private_jwk(&self) -> String {
        self.0.to_private_jwk().to_json()
    }

    /// The public JWK (JSON text) to publish in the JWKS.
    fn to_public_jwk(&self) -> String {
        self.0.to_public_jwk().to_json()
    }

    /// The `kid` put in the JWS header.
    #[getter]
    fn kid(&self) -> &str {
        self.0.kid()
    }

    /// `"ES256"` or `"PS256"`.
    #[getter]
    fn algorithm(&self) -> &'static str {
        self.0.algorithm().name()
    }

    fn __repr__(&self) -> String {
        format!(
            "SigningKey(kid={:?}, algorithm={:?})",
            self.0.kid(),
            self.0.algorithm().name()
        )
    }
}

/// A public JWK Set prepared for verification (keys parsed once, looked up by `kid`).
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct Keyring {
    pub(crate) ring: setpoll_core::jose::Keyring,
    /// The public JWKS the ring was made from, canonical JSON.
    jwks_json: String,
    /// `(kid, code)` of each key skipped on import.
    skipped: Vec<(Option<String>, String)>,
}

#[pymethods]
impl Keyring {
    /// Import a JWK Set (JSON text); keys that setpoll cannot use are skipped
    /// and listed in `skipped`. `backend`: `"native"` (default) or `"portable"`.
    #[staticmethod]
    #[pyo3(signature = (jwks, backend=None))]
    fn from_jwks(py: Python<'_>, jwks: Body, backend: Option<&str>) -> Result<Self, Error> {
        let backend = self::backend(backend)?;
        py.detach(|| {
            let set = JwkSet::from_json(&jwks)?;
            Ok(Keyring {
                ring: setpoll_core::jose::Keyring::with_backend(&set, backend)?,
                jwks_json: set.to_public().to_json(),
                skipped: set
                    .skipped()
                    .iter()
                    .map(|s| (s.kid.clone(), s.error.code().to_owned()))
                    .collect(),
            })
        })
    }

    /// The public JWK Set (canonical JSON text).
    fn to_jwks(&self) -> String {
        self.jwks_json.clone()
    }

    /// The `kid`s of the usable keys.
    #[getter]
    fn kids(&self) -> Vec<String> {
        self.ring.kids()
    }

    /// `(kid, code)` for each key skipped on import.
    #[getter]
    fn skipped(&self) -> Vec<(Option<String>, String)> {
        self.skipped.clone()
    }

    fn __len__(&self) -> usize {
        self.ring.len()
    }

    fn __repr__(&self) -> String {
        format!("Keyring(kids={:?})", self.ring.kids())
    }
}

/// The public JWK Set (JSON text) for these signing keys: what a transmitter publishes.
#[pyfunction]
fn jwks_from_keys(keys: Vec<PyRef<'_, SigningKey>>) -> Result<String, Error> {
    let set = JwkSet::new(keys.iter().map(|k| k.0.to_public_jwk()).collect())?;
    Ok(set.to_json())
}

/// The RFC 7638 thumbprint (base64url SHA-256) of a JWK given as JSON text.
#[pyfunction]
fn jwk_thumbprint(py: Python<'_>, jwk: Body) -> Result<String, Error> {
    Ok(py.detach(|| Jwk::from_json(&jwk))?.thumbprint())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SigningKey>()?;
    m.add_class::<Keyring>()?;
    m.add_class::<PyJwk>()?;
    m.add_class::<PyJwkSet>()?;
    m.add_function(wrap_pyfunction!(jwks_from_keys, m)?)?;
    m.add_function(wrap_pyfunction!(jwk_thumbprint, m)?)?;
    Ok(())
}

/// One JWK as parsed (RFC 7517 §4): inspect it, export it.
#[pyclass(module = "setpoll", frozen, name = "Jwk")]
pub(crate) struct PyJwk(Jwk);

#[pymethods]
impl PyJwk {
    /// Parse a JWK (JSON text).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: Body) -> Result<Self, Error> {
        Ok(PyJwk(py.detach(|| Jwk::from_json(&json))?))
    }
    /// Canonical JSON text (private members included when present).
    fn to_json(&self) -> String {
        self.0.to_json()
    }
    /// Canonical JSON text of the public part.
    fn to_public_json(&self) -> String {
        self.0.to_public().to_json()
    }
    /// RFC 7638 thumbprint.
    #[getter]
    fn thumbprint(&self) -> String {
        self.0.thumbprint()
    }
    /// Whether the JWK holds private key material.
    #[getter]
    fn is_private(&self) -> bool {
        self.0.is_private()
    }
    /// `kid`, when present.
    #[getter]
    fn kid(&self) -> Option<&str> {
        self.0.kid()
    }
    /// The algorithm this key verifies with; `None` when `use`, `key_ops` or `alg` forbid it.
    #[getter]
    fn verification_algorithm(&self) -> Option<&'static str> {
        self.0.verification_algorithm().map(|a| a.name())
    }
}

/// A JWK Set as parsed (RFC 7517 §5): unusable keys are skipped, not fatal.
#[pyclass(module = "setpoll", frozen, name = "JwkSet")]
pub(crate) struct PyJwkSet(JwkSet);

#[pymethods]
impl PyJwkSet {
    /// Parse a JWK Set (JSON text).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: Body) -> Result<Self, Error> {
        Ok(PyJwkSet(py.detach(|| JwkSet::from_json(&json))?))
    }
    /// Canonical JSON text.
    fn to_json(&self) -> String {
        self.0.to_json()
    }
    /// Canonical JSON text of the public keys.
    fn to_public_json(&self) -> String {
        self.0.to_public().to_json()
    }
    /// The `kid` of each key kept (`None` for a key without one).
    #[getter]
    fn kids(&self) -> Vec<Option<String>> {
        self.0
            .keys()
            .iter()
            .map(|k| k.kid().map(str::to_owned))
            .collect()
    }
    /// `(index, kid, code)` of each key skipped.
    #[getter]
    fn skipped(&self) -> Vec<(usize, Option<String>, &'static str)> {
        self.0
            .skipped()
            .iter()
            .map(|s| (s.index, s.kid.clone(), s.error.code()))
            .collect()
    }
}
