//! SETs (claims, builder, sign, verify), the `POST /events` bodies, the
//! OBIE rules, `setErrs` codes and time: `setpoll_host`'s free functions.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::PyDict;
use setpoll_host as host;

use crate::convert::{rec, Body, Rec, Res, Text};
use crate::keys::{Keyring, SigningKey};

/// The validated claims of one Security Event Token.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct SetClaims(Arc<host::SetClaims>);

methods!(SetClaims {
    to_json -> String, iss -> String, iat -> i64, jti -> String, aud -> Vec<String>,
    sub -> Option<String>, txn -> Option<String>, toe -> Option<i64>, event_types -> Vec<String>,
    exp -> Option<i64>, nbf -> Option<i64>, sub_id_json -> Option<String>, other_claims_json -> String,
}
    #[staticmethod]
    fn from_json(json: Body) -> Res<Self> {
        Ok(Self(host::SetClaims::from_json(json.text()?)?))
    }
    fn check_obie_profile(&self) -> Res<()> {
        Ok(self.0.check_obie_profile()?)
    }
    fn __eq__(&self, other: PyRef<'_, Self>) -> bool {
        self.0 == other.0
    }
);

/// Builds [`SetClaims`]; every method returns the builder, `build()` validates.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct ClaimsBuilder(Arc<host::ClaimsBuilder>);

type Chain<'py> = Res<PyRef<'py, ClaimsBuilder>>;
type Step = Result<Arc<host::ClaimsBuilder>, setpoll_host::SetpollError>;

/// One builder step on the shared host builder; returns the builder.
fn chain(
    slf: PyRef<'_, ClaimsBuilder>,
    step: impl FnOnce(Arc<host::ClaimsBuilder>) -> Step,
) -> Chain<'_> {
    step(slf.0.clone())?;
    Ok(slf)
}

#[pymethods]
impl ClaimsBuilder {
    #[new]
    fn new(iss: Text, jti: Text, aud: Text, iat: i64) -> Self {
        Self(host::ClaimsBuilder::new(iss.0, jti.0, aud.0, iat))
    }
    fn audience(slf: PyRef<'_, Self>, aud: Text) -> Chain<'_> {
        chain(slf, |b| b.audience(aud.0))
    }
    fn sub(slf: PyRef<'_, Self>, sub: Text) -> Chain<'_> {
        chain(slf, |b| b.sub(sub.0))
    }
    fn txn(slf: PyRef<'_, Self>, txn: Text) -> Chain<'_> {
        chain(slf, |b| b.txn(txn.0))
    }
    fn toe(slf: PyRef<'_, Self>, toe: i64) -> Chain<'_> {
        chain(slf, |b| b.toe(toe))
    }
    fn exp(slf: PyRef<'_, Self>, exp: i64) -> Chain<'_> {
        chain(slf, |b| b.exp(exp))
    }
    fn nbf(slf: PyRef<'_, Self>, nbf: i64) -> Chain<'_> {
        chain(slf, |b| b.nbf(nbf))
    }
    fn sub_id_json(slf: PyRef<'_, Self>, sub_id_json: Body) -> Chain<'_> {
        let text = sub_id_json.text()?;
        chain(slf, |b| b.sub_id_json(text))
    }
    fn claim(slf: PyRef<'_, Self>, name: Text, value_json: Body) -> Chain<'_> {
        let text = value_json.text()?;
        chain(slf, |b| b.claim(name.0, text))
    }
    fn resource_update(slf: PyRef<'_, Self>, subject: Rec<host::EventSubject>) -> Chain<'_> {
        chain(slf, |b| b.resource_update(subject.0))
    }
    #[pyo3(signature = (reason = None, subject = None))]
    fn consent_revoked(
        slf: PyRef<'_, Self>,
        reason: Option<Text>,
        subject: Option<Rec<host::EventSubject>>,
    ) -> Chain<'_> {
        chain(slf, |b| {
            b.consent_revoked(reason.map(|r| r.0), subject.map(|s| s.0))
        })
    }
    #[pyo3(signature = (reason = None, subject = None))]
    fn linked_account_update(
        slf: PyRef<'_, Self>,
        reason: Option<Text>,
        subject: Option<Rec<host::EventSubject>>,
    ) -> Chain<'_> {
        chain(slf, |b| {
            b.linked_account_update(reason.map(|r| r.0), subject.map(|s| s.0))
        })
    }
    fn custom_event(slf: PyRef<'_, Self>, uri: Text, payload_json: Body) -> Chain<'_> {
        let payload = payload_json.text()?;
        chain(slf, |b| b.custom_event(uri.0, payload))
    }
    fn build(&self) -> Res<SetClaims> {
        Ok(SetClaims(self.0.build()?))
    }
}

module! {
    classes: SetClaims, ClaimsBuilder;

    /// `jti` and `aud` of a compact JWS, read without verifying it.
    fn peek_envelope(token: Text) -> Res<Rec<host::SetEnvelope>> {
        rec(host::peek_envelope(token.0))
    }

    /// Verify a compact-JWS SET: a dict with `claims` (a [`SetClaims`]), `kid`, `alg`.
    fn verify_set<'py>(py: Python<'py>, token: Text, keyring: &Keyring, policy: Rec<host::VerifyPolicy>, now_ms: i64) -> Res<Bound<'py, PyDict>> {
        let ring = keyring.0.clone();
        let v = py.detach(|| host::verify_set(token.0, ring, policy.0, now_ms))?;
        let d = PyDict::new(py);
        d.set_item("claims", SetClaims(v.claims))?;
        d.set_item("kid", v.kid)?;
        d.set_item("alg", v.alg)?;
        Ok(d)
    }

    /// Sign claims into a compact JWS with the header `profile`.
    fn sign_set(py: Python<'_>, claims: &SetClaims, key: &SigningKey, now_ms: i64, profile: Rec<host::HeaderProfile>) -> Res<String> {
        let (claims, key) = (claims.0.clone(), key.0.clone());
        Ok(py.detach(|| host::sign_set(claims, key, now_ms, profile.0))?)
    }

    /// Parse and validate a `POST /events` body (the transmitter's strict reader).
    #[pyo3(signature = (body, reject_unknown_members = true, interaction_id = Text(String::new()), limits = None),
        text_signature = "(body, reject_unknown_members=True, interaction_id='', limits=None)")]
    fn parse_request(body: Body, reject_unknown_members: bool, interaction_id: Text, limits: Option<Rec<host::RequestLimits>>) -> Res<Rec<host::PollRequest>> {
        rec(host::parse_request_bytes(body.0, reject_unknown_members, interaction_id.0, limits.map(|l| l.0)))
    }

    /// The canonical JSON text of a request (refused as `parse_request` would).
    fn request_to_json(request: Rec<host::PollRequest>) -> Res<String> {
        Ok(host::request_to_json(request.0)?)
    }

    /// Read a `POST /events` response body (the receiver's tolerant reader).
    #[pyo3(signature = (body, limits = None))]
    fn parse_response(body: Body, limits: Option<Rec<host::ResponseLimits>>) -> Res<Rec<host::PollResponse>> {
        rec(host::parse_response_bytes(body.0, limits.map(|l| l.0)))
    }

    /// The canonical JSON text of a response.
    fn response_to_json(response: Rec<host::PollResponse>) -> String {
        host::response_to_json(response.0)
    }

    /// An `OBErrorResponse1` body as canonical JSON text.
    fn parse_error_response(body: Body) -> Res<String> {
        Ok(host::parse_error_response(body.text()?)?)
    }

    /// The status of a successful `POST /events` answer on `version`'s path.
    fn obie_success_status(version: Rec<host::ObieVersion>) -> i32 {
        host::obie_success_status(version.0)
    }

    /// An `OBErrorResponse1` body with its codes in `version`'s vocabulary.
    fn obie_error_response(version: Rec<host::ObieVersion>, error_response_json: Body) -> Res<String> {
        Ok(host::obie_error_response(version.0, error_response_json.text()?)?)
    }

    /// `{"sets":{},"moreAvailable":false}`.
    fn empty_poll_response() -> String {
        host::empty_poll_response()
    }

    /// Every known `setErrs` code, OBIE vocabulary first.
    fn set_err_codes() -> Rec<Vec<host::SetErrCodeInfo>> {
        Rec(host::set_err_codes())
    }

    /// One `setErrs` code looked up (unknown codes have no vocabulary).
    fn set_err_code(code: Text) -> Rec<host::SetErrCodeInfo> {
        Rec(host::set_err_code(code.0))
    }

    /// Milliseconds since the epoch for whole seconds.
    fn timestamp_from_secs(secs: i64) -> Res<i64> {
        Ok(host::timestamp_from_secs(secs)?)
    }

    /// Whole seconds of a millisecond timestamp, rounded down.
    fn timestamp_as_secs(ms: i64) -> Res<i64> {
        Ok(host::timestamp_as_secs(ms)?)
    }

    /// The version of the setpoll library.
    fn version() -> String {
        host::version()
    }

    /// Do nothing: measures the cost of one call into the extension.
    fn noop() {
        host::noop();
    }
}
