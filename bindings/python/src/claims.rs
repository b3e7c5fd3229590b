//! SET claims (`OBEventNotification2`): `setpoll_core::claims`.

use crate::errors::Error;
use crate::wire::Body;
use pyo3::prelude::*;
use setpoll_core::claims::{
    EventSubject as CoreSubject, LinkedAccountReason, ResourceLink, SetClaimsBuilder,
};

/// The claims of one Security Event Token (validated).
#[pyclass(module = "setpoll", frozen, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct SetClaims(pub(crate) setpoll_core::claims::SetClaims);

#[pymethods]
impl SetClaims {
    /// Parse and validate claims from JSON text (a JWS payload).
    #[staticmethod]
    fn from_json(py: Python<'_>, json: Body) -> Result<SetClaims, Error> {
        Ok(SetClaims(py.detach(|| {
            setpoll_core::claims::SetClaims::from_json(&json)
        })?))
    }

    /// The canonical JSON text (the JWS payload setpoll signs).
    fn to_json(&self) -> String {
        self.0.to_json()
    }

    /// Check the OBIE profile on top (`sub`, `txn`, `toe` present, one `aud`).
    fn check_obie_profile(&self) -> Result<(), Error> {
        Ok(self.0.check_obie_profile()?)
    }

    #[getter]
    fn iss(&self) -> &str {
        &self.0.iss
    }
    #[getter]
    fn iat(&self) -> i64 {
        self.0.iat
    }
    #[getter]
    fn jti(&self) -> &str {
        &self.0.jti
    }
    #[getter]
    fn aud(&self) -> Vec<String> {
        self.0.aud.clone()
    }
    #[getter]
    fn sub(&self) -> Option<&str> {
        self.0.sub.as_deref()
    }
    #[getter]
    fn txn(&self) -> Option<&str> {
        self.0.txn.as_deref()
    }
    #[getter]
    fn toe(&self) -> Option<i64> {
        self.0.toe
    }
    /// The event type URIs, in document order.
    #[getter]
    fn event_types(&self) -> Vec<String> {
        self.0.event_types()
    }

    fn __repr__(&self) -> String {
        format!("SetClaims(jti={:?}, iss={:?})", self.0.jti, self.0.iss)
    }
}

/// The subject of an OBIE event: a resource id, its type and its links.
#[pyclass(module = "setpoll", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct EventSubject {
    rid: String,
    rty: String,
    /// `(version, link)` pairs.
    links: Vec<(String, String)>,
}

#[pymethods]
impl EventSubject {
    #[new]
    fn new(rid: String, rty: String, links: Vec<(String, String)>) -> Self {
        EventSubject { rid, rty, links }
    }
}

impl EventSubject {
    fn to_core(&self) -> CoreSubject {
        CoreSubject::new(
            self.rid.clone(),
            self.rty.clone(),
            self.links
                .iter()
                .map(|(v, l)| ResourceLink::new(v.clone(), l.clone()))
                .collect(),
        )
    }
}

/// Builds [`SetClaims`] for a transmitter; `build()` validates them.
#[pyclass(module = "setpoll")]
pub(crate) struct ClaimsBuilder(Option<SetClaimsBuilder>);

impl ClaimsBuilder {
    fn step(
        mut slf: PyRefMut<'_, Self>,
        f: impl FnOnce(SetClaimsBuilder) -> SetClaimsBuilder,
    ) -> Result<PyRefMut<'_, Self>, Error> {
        let b = slf
            .0
            .take()
            .ok_or_else(|| Error::argument("builder_used", "build() was already called"))?;
        slf.0 = Some(f(b));
        Ok(slf)
    }
}

#[pymethods]
impl ClaimsBuilder {
    /// Start claims with `iss`, `jti`, one `aud` and `iat` (seconds).
    #[new]
    fn new(iss: String, jti: String, aud: String, iat: i64) -> Self {
        ClaimsBuilder(Some(setpoll_core::claims::SetClaims::builder(
            iss, jti, aud, iat,
        )))
    }
    /// Add another audience (RFC 8417 peers; OBIE expects exactly one).
    fn audience(slf: PyRefMut<'_, Self>, aud: String) -> Result<PyRefMut<'_, Self>, Error> {
        Self::step(slf, |b| b.audience(aud))
    }
    /// Set `sub` (an absolute URI).
    fn sub(slf: PyRefMut<'_, Self>, sub: String) -> Result<PyRefMut<'_, Self>, Error> {
        Self::step(slf, |b| b.sub(sub))
    }
    /// Set `txn`.
    fn txn(slf: PyRefMut<'_, Self>, txn: String) -> Result<PyRefMut<'_, Self>, Error> {
        Self::step(slf, |b| b.txn(txn))
    }
    /// Set `toe` (seconds).
    fn toe(slf: PyRefMut<'_, Self>, toe: i64) -> Result<PyRefMut<'_, Self>, Error> {
        Self::step(slf, |b| b.toe(toe))
    }
    /// Add a resource-update event.
    fn resource_update<'py>(
        slf: PyRefMut<'py, Self>,
        subject: &EventSubject,
    ) -> Result<PyRefMut<'py, Self>, Error> {
        let s = subject.to_core();
        Self::step(slf, |b| b.resource_update(s))
    }
    /// Add a consent-authorization-revoked event.
    #[pyo3(signature = (reason=None, subject=None))]
    fn consent_revoked<'py>(
        slf: PyRefMut<'py, Self>,
        reason: Option<String>,
        subject: Option<PyRef<'py, EventSubject>>,
    ) -> Result<PyRefMut<'py, Self>, Error> {
        let s = subject.map(|s| s.to_core());
        Self::step(slf, |b| b.consent_revoked(reason, s))
    }
    /// Add an account-access-consent-linked-account-update event.
    #[pyo3(signature = (reason=None, subject=None))]
    fn linked_account_update<'py>(
        slf: PyRefMut<'py, Self>,
        reason: Option<String>,
        subject: Option<PyRef<'py, EventSubject>>,
    ) -> Result<PyRefMut<'py, Self>, Error> {
        let s = subject.map(|s| s.to_core());
        let r = reason.map(|r| LinkedAccountReason::from_code(&r));
        Self::step(slf, |b| b.linked_account_update(r, s))
    }
    /// Add an event of another (namespaced) type; `payload_json` is a JSON object.
    fn custom_event<'py>(
        slf: PyRefMut<'py, Self>,
        uri: String,
        payload_json: &str,
    ) -> Result<PyRefMut<'py, Self>, Error> {
        let payload: serde_json::Map<String, serde_json::Value> =
            serde_json::from_str(payload_json).map_err(|e| {
                Error::argument("invalid_event_payload", format!("payload_json: {e}"))
            })?;
        Self::step(slf, |b| b.custom_event(uri, payload))
    }
    /// Validate and return the claims (the builder can then not be reused).
    fn build(&mut self) -> Result<SetClaims, Error> {
        let b = self
            .0
            .take()
            .ok_or_else(|| Error::argument("builder_used", "build() was already called"))?;
        Ok(SetClaims(b.build()?))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SetClaims>()?;
    m.add_class::<EventSubject>()?;
    m.add_class::<ClaimsBuilder>()?;
    Ok(())
}
