//! Keys (`setpoll_host::{SigningKey, Keyring, Jwk, JwkSet}`).

use std::sync::Arc;

use pyo3::prelude::*;
use setpoll_host as host;

use crate::convert::{argument, Body, Rec, Res, Text};

/// Longest seed accepted (the host wants exactly 32 bytes; anything far
/// larger is refused before it is copied).
const MAX_SEED: usize = 1024;
/// Most keys in one `jwks_from_keys` call.
const MAX_KEYS: usize = 4096;

fn seed(s: &[u8]) -> Res<Vec<u8>> {
    match s.len() {
        n if n > MAX_SEED => Err(argument(
            "too_large",
            format!("a seed of {n} bytes: it must be 32"),
        )),
        _ => Ok(s.to_vec()),
    }
}

/// An optional `backend` argument (`"native"` or `"portable"`).
type Backend = Option<Rec<host::CryptoBackend>>;

/// A private key that signs SETs.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct SigningKey(pub(crate) Arc<host::SigningKey>);

methods!(SigningKey {
    to_private_jwk -> String, to_public_jwk -> String, kid -> String, algorithm -> String;
    to_pkcs8_pem -> String,
}
    #[staticmethod]
    #[pyo3(signature = (seed, kid = None))]
    fn generate_es256(seed: &[u8], kid: Option<Text>) -> Res<Self> {
        Ok(Self(host::SigningKey::generate_es256(self::seed(seed)?, kid.map(|k| k.0))?))
    }
    #[staticmethod]
    #[pyo3(signature = (seed, bits, kid = None))]
    fn generate_ps256(py: Python<'_>, seed: &[u8], bits: i32, kid: Option<Text>) -> Res<Self> {
        let (seed, kid) = (self::seed(seed)?, kid.map(|k| k.0));
        Ok(Self(py.detach(|| host::SigningKey::generate_ps256(seed, bits, kid))?))
    }
    #[staticmethod]
    #[pyo3(signature = (jwk, backend = None))]
    fn from_jwk(jwk: Body, backend: Backend) -> Res<Self> {
        Ok(Self(host::SigningKey::from_jwk(jwk.text()?, backend.map(|b| b.0))?))
    }
    #[staticmethod]
    #[pyo3(signature = (pem, kid = None))]
    fn from_pkcs8_pem(pem: Text, kid: Option<Text>) -> Res<Self> {
        Ok(Self(host::SigningKey::from_pkcs8_pem(pem.0, kid.map(|k| k.0))?))
    }
);

/// A public JWK Set prepared for verification.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct Keyring(pub(crate) Arc<host::Keyring>);

methods!(Keyring { to_jwks -> String, kids -> Vec<String>, skipped -> Rec<Vec<host::SkippedKey>> }
    #[staticmethod]
    #[pyo3(signature = (jwks, backend = None))]
    fn from_jwks(jwks: Body, backend: Backend) -> Res<Self> {
        Ok(Self(host::Keyring::from_jwks(jwks.text()?, backend.map(|b| b.0))?))
    }
);

/// One JWK as parsed.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct Jwk(Arc<host::Jwk>);

methods!(Jwk {
    to_json -> String, to_public_json -> String, thumbprint -> String, is_private -> bool,
    kid -> Option<String>, verification_algorithm -> Option<String>,
}
    #[staticmethod]
    fn from_json(json: Body) -> Res<Self> {
        Ok(Self(host::Jwk::from_json(json.text()?)?))
    }
);

/// A JWK Set as parsed; unusable keys are skipped.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct JwkSet(Arc<host::JwkSet>);

methods!(JwkSet {
    to_json -> String, to_public_json -> String, kids -> Vec<Option<String>>,
    skipped -> Rec<Vec<host::SkippedKey>>,
}
    #[staticmethod]
    fn from_json(json: Body) -> Res<Self> {
        Ok(Self(host::JwkSet::from_json(json.text()?)?))
    }
);

module! {
    classes: SigningKey, Keyring, Jwk, JwkSet;

    /// The public JWK Set (JSON text) for these signing keys.
    fn jwks_from_keys(keys: &Bound<'_, PyAny>) -> Res<String> {
        if keys.len()? > MAX_KEYS {
            return Err(argument("too_large", format!("more than {MAX_KEYS} keys")));
        }
        let keys: Vec<PyRef<'_, SigningKey>> = keys.extract()?;
        Ok(host::jwks_from_keys(keys.iter().map(|k| k.0.clone()).collect())?)
    }

    /// The RFC 7638 thumbprint of a JWK.
    fn jwk_thumbprint(jwk: Body) -> Res<String> {
        Ok(host::jwk_thumbprint(jwk.text()?)?)
    }
}
