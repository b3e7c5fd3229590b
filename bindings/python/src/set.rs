//! Security Event Tokens end to end: `setpoll_core::set`.

use crate::claims::SetClaims;
use crate::errors::Error;
use crate::jose::{Keyring, SigningKey};
use pyo3::prelude::*;
use setpoll_core::jose::{Algorithm, HeaderProfile};
use setpoll_core::Timestamp;

/// The routing facts of a signed SET (`jti`, `aud`), read without verification.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct SetEnvelope {
    /// `jti`: the queue key.
    jti: String,
    /// `aud`: each audience.
    aud: Vec<String>,
}

#[pymethods]
impl SetEnvelope {
    fn __repr__(&self) -> String {
        format!("SetEnvelope(jti={:?}, aud={:?})", self.jti, self.aud)
    }
}

/// Read `jti` and `aud` of a compact JWS without verifying it.
#[pyfunction]
fn peek_envelope(py: Python<'_>, token: &str) -> Result<SetEnvelope, Error> {
    let env = py.detach(|| setpoll_core::set::peek_envelope(token))?;
    Ok(SetEnvelope {
        jti: env.jti,
        aud: env.aud,
    })
}

/// What a recipient accepts (`setpoll_core::set::VerifyPolicy`).
#[pyclass(module = "setpoll", frozen)]
#[derive(Clone)]
pub(crate) struct VerifyPolicy(pub(crate) setpoll_core::set::VerifyPolicy);

#[pymethods]
impl VerifyPolicy {
    /// `issuer`/`audience` `None` skip that check; `algorithms` defaults to
    /// `["PS256", "ES256"]`; skew and age in seconds; size in bytes.
    #[new]
    #[pyo3(signature = (issuer, audience, *, algorithms=None, max_skew_secs=300, max_token_bytes=65536, max_age_secs=None))]
    fn new(
        issuer: Option<String>,
        audience: Option<String>,
        algorithms: Option<Vec<String>>,
        max_skew_secs: u64,
        max_token_bytes: usize,
        max_age_secs: Option<u64>,
    ) -> Result<Self, Error> {
        let mut p = setpoll_core::set::VerifyPolicy::new("", "");
        p.issuer = issuer;
        p.audience = audience;
        if let Some(names) = algorithms {
            p.algorithms = names
                .iter()
                .map(|n| Algorithm::from_name(n))
                .collect::<Result<_, _>>()?;
        }
        p.max_skew_secs = max_skew_secs;
        p.max_token_bytes = max_token_bytes;
        p.max_age_secs = max_age_secs;
        Ok(VerifyPolicy(p))
    }

    #[getter]
    fn issuer(&self) -> Option<&str> {
        self.0.issuer.as_deref()
    }
    #[getter]
    fn audience(&self) -> Option<&str> {
        self.0.audience.as_deref()
    }
    #[getter]
    fn algorithms(&self) -> Vec<&'static str> {
        self.0.algorithms.iter().map(|a| a.name()).collect()
    }
}

/// A SET whose signature and claims checked out.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct VerifiedSet {
    /// The validated claims.
    claims: Py<SetClaims>,
    /// The `kid` that selected the key.
    kid: Option<String>,
    /// `"ES256"` or `"PS256"`.
    alg: &'static str,
}

/// Verify a compact-JWS SET at `now_ms`: signature first, then the claims.
#[pyfunction]
fn verify_set(
    py: Python<'_>,
    token: &str,
    keyring: &Keyring,
    policy: &VerifyPolicy,
    now_ms: u64,
) -> Result<VerifiedSet, Error> {
    let v = py.detach(|| {
        setpoll_core::set::verify_set(
            token,
            &keyring.ring,
            &policy.0,
            Timestamp::from_millis(now_ms),
        )
    })?;
    Ok(VerifiedSet {
        claims: Py::new(py, SetClaims(v.claims)).map_err(Error::Python)?,
        kid: v.kid,
        alg: v.alg.name(),
    })
}

/// Sign claims into a compact JWS. `profile` is `"obie"` (default, as in the
/// CLI: the OBIE message-signing header, needs `org_id`; `trust_anchor`
/// defaults to `openbanking.org.uk`; `now_ms` fills its `iat`) or
/// `"rfc8417"` (`typ: secevent+jwt`).
#[pyfunction]
#[pyo3(signature = (claims, key, now_ms, *, profile="obie", org_id=None, trust_anchor=None))]
fn sign_set(
    py: Python<'_>,
    claims: &SetClaims,
    key: &SigningKey,
    now_ms: u64,
    profile: &str,
    org_id: Option<String>,
    trust_anchor: Option<String>,
) -> Result<String, Error> {
    let profile = match profile {
        "rfc8417" => HeaderProfile::rfc8417(),
        "obie" => {
            let anchor = trust_anchor.unwrap_or_else(|| "openbanking.org.uk".to_owned());
            HeaderProfile::obie(org_id.unwrap_or_default(), anchor)?
        }
        other => {
            return Err(Error::argument(
                "unknown_profile",
                format!("unknown header profile {other:?} (rfc8417, obie)"),
            ))
        }
    };
    Ok(py.detach(|| {
        setpoll_core::set::sign_set(&claims.0, &key.0, &profile, Timestamp::from_millis(now_ms))
    })?)
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SetEnvelope>()?;
    m.add_class::<VerifyPolicy>()?;
    m.add_class::<VerifiedSet>()?;
    m.add_function(wrap_pyfunction!(peek_envelope, m)?)?;
    m.add_function(wrap_pyfunction!(verify_set, m)?)?;
    m.add_function(wrap_pyfunction!(sign_set, m)?)?;
    Ok(())
}
