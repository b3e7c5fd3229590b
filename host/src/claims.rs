//! SET claims (`OBEventNotification2`): `setpoll_core::claims`.

use std::sync::{Arc, Mutex};

use crate::SetpollError;
use serde_json::{Map, Value};
use setpoll_core::claims::{
    EventSubject as CoreSubject, LinkedAccountReason, NumericDate, ResourceLink, SetClaimsBuilder,
    SubjectId,
};

/// The validated claims of one Security Event Token.
#[derive(Debug, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
#[cfg_attr(feature = "uniffi", uniffi::export(Eq))]
pub struct SetClaims(pub(crate) setpoll_core::claims::SetClaims);

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl SetClaims {
    /// Parse and validate claims from JSON text (a JWS payload).
    ///
    /// # Errors
    /// `Claims` naming the first rule broken.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_json(json: String) -> Result<Arc<Self>, SetpollError> {
        Ok(Arc::new(SetClaims(
            setpoll_core::claims::SetClaims::from_json(json.as_bytes())?,
        )))
    }

    /// Check the OBIE profile on top (`sub`, `txn`, `toe` present, one `aud`).
    ///
    /// # Errors
    /// `Claims` when a rule is broken.
    pub fn check_obie_profile(&self) -> Result<(), SetpollError> {
        Ok(self.0.check_obie_profile()?)
    }
}

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl SetClaims.0: setpoll_core::claims::SetClaims {
        /// The canonical JSON text (the JWS payload setpoll signs).
        to_json -> String = |c| c.to_json();
        /// `iss`.
        iss -> String = |c| c.iss.clone();
        /// `iat`, seconds.
        iat -> i64 = |c| c.iat;
        /// `jti`.
        jti -> String = |c| c.jti.clone();
        /// `aud`, each audience.
        aud -> Vec<String> = |c| c.aud.clone();
        /// `sub`.
        sub -> Option<String> = |c| c.sub.clone();
        /// `txn`.
        txn -> Option<String> = |c| c.txn.clone();
        /// `toe`, seconds.
        toe -> Option<i64> = |c| c.toe;
        /// `exp`, whole seconds (a fraction is rounded down; `to_json` keeps it).
        exp -> Option<i64> = |c| c.exp.as_ref().map(NumericDate::secs);
        /// `nbf`, whole seconds (a fraction is rounded down; `to_json` keeps it).
        nbf -> Option<i64> = |c| c.nbf.as_ref().map(NumericDate::secs);
        /// `sub_id` (RFC 9493 Subject Identifier) as JSON object text, members
        /// as received.
        sub_id_json -> Option<String> = |c| c.sub_id.as_ref().map(|s| json_text(s.members()));
        /// Every other top-level claim (private claims), as JSON object text
        /// in document order (`{}` when there are none).
        other_claims_json -> String = |c| json_text(&c.other);
        /// The event type URIs, in document order.
        event_types -> Vec<String> = |c| c.event_types();
    }
}

fn json_text(members: &Map<String, Value>) -> String {
    // A map of JSON values always serialises.
    serde_json::to_string(members).unwrap_or_default()
}

/// JSON text, read as the core reads every document (a member name twice
/// is refused), else `Argument(code)` naming `what`.
fn parse(text: &str, code: &str, what: &str) -> Result<Value, SetpollError> {
    setpoll_core::parse_json(text).map_err(|e| SetpollError::argument(code, format!("{what}: {e}")))
}

/// A JSON object, else `Argument(code)` naming `what`.
fn parse_object(text: &str, code: &str, what: &str) -> Result<Map<String, Value>, SetpollError> {
    match parse(text, code, what)? {
        Value::Object(members) => Ok(members),
        _ => Err(SetpollError::argument(
            code,
            format!("{what}: not a JSON object"),
        )),
    }
}

record! {
    /// A resource link of an event subject.
    pub struct Link {
        /// API version (`v3.1.10`).
        pub version: String,
        /// The resource URL.
        pub link: String,
    }
}

record! {
    /// The subject of an OBIE event.
    pub struct EventSubject {
        /// Resource id.
        pub rid: String,
        /// Resource type.
        pub rty: String,
        /// Resource links.
        pub links: Vec<Link>,
    }
}

impl From<EventSubject> for CoreSubject {
    fn from(s: EventSubject) -> Self {
        CoreSubject::new(
            s.rid,
            s.rty,
            s.links
                .into_iter()
                .map(|l| ResourceLink::new(l.version, l.link))
                .collect(),
        )
    }
}

/// Builds [`SetClaims`] for a transmitter (methods chain); `build()` validates.
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct ClaimsBuilder(Mutex<Option<SetClaimsBuilder>>);

fn used() -> SetpollError {
    SetpollError::argument("builder_used", "build() was already called")
}

impl ClaimsBuilder {
    fn step(
        self: Arc<Self>,
        f: impl FnOnce(SetClaimsBuilder) -> SetClaimsBuilder,
    ) -> Result<Arc<Self>, SetpollError> {
        let mut slot = crate::error::lock(&self.0)?;
        let b = slot.take().ok_or_else(used)?;
        *slot = Some(f(b));
        drop(slot);
        Ok(self)
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl ClaimsBuilder {
    /// Start claims with `iss`, `jti`, one `aud` and `iat` (seconds).
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    #[must_use]
    pub fn new(iss: String, jti: String, aud: String, iat: i64) -> Arc<Self> {
        Arc::new(ClaimsBuilder(Mutex::new(Some(
            setpoll_core::claims::SetClaims::builder(iss, jti, aud, iat),
        ))))
    }
    /// Add another audience.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn audience(self: Arc<Self>, aud: String) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.audience(aud))
    }
    /// Set `sub`.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    #[allow(clippy::should_implement_trait)] // named after the JWT claim, as in the core
    pub fn sub(self: Arc<Self>, sub: String) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.sub(sub))
    }
    /// Set `txn`.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn txn(self: Arc<Self>, txn: String) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.txn(txn))
    }
    /// Set `toe` (seconds).
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn toe(self: Arc<Self>, toe: i64) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.toe(toe))
    }
    /// Add a resource-update event.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn resource_update(
        self: Arc<Self>,
        subject: EventSubject,
    ) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.resource_update(subject.into()))
    }
    /// Add a consent-authorization-revoked event.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn consent_revoked(
        self: Arc<Self>,
        reason: Option<String>,
        subject: Option<EventSubject>,
    ) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.consent_revoked(reason, subject.map(Into::into)))
    }
    /// Add an account-access-consent-linked-account-update event.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn linked_account_update(
        self: Arc<Self>,
        reason: Option<String>,
        subject: Option<EventSubject>,
    ) -> Result<Arc<Self>, SetpollError> {
        let reason = reason.map(|r| LinkedAccountReason::from_code(&r));
        self.step(|b| b.linked_account_update(reason, subject.map(Into::into)))
    }
    /// Add an event of another (namespaced) type; `payload_json` is a JSON object.
    ///
    /// # Errors
    /// `Argument(invalid_event_payload)` when it is not a JSON object.
    pub fn custom_event(
        self: Arc<Self>,
        uri: String,
        payload_json: String,
    ) -> Result<Arc<Self>, SetpollError> {
        let payload = parse_object(&payload_json, "invalid_event_payload", "payloadJson")?;
        self.step(|b| b.custom_event(uri, payload))
    }
    /// Set `exp` (seconds): verifiers refuse the SET from then on.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn exp(self: Arc<Self>, exp: i64) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.exp(NumericDate::from_secs(exp)))
    }
    /// Set `nbf` (seconds): verifiers refuse the SET before then.
    ///
    /// # Errors
    /// `Argument(builder_used)` after `build()`.
    pub fn nbf(self: Arc<Self>, nbf: i64) -> Result<Arc<Self>, SetpollError> {
        self.step(|b| b.nbf(NumericDate::from_secs(nbf)))
    }
    /// Set `sub_id`, an RFC 9493 Subject Identifier given as JSON object
    /// text (`{"format":"email","email":"…"}`); `build()` checks its format.
    ///
    /// # Errors
    /// `Argument(invalid_sub_id)` when it is not a JSON object.
    pub fn sub_id_json(self: Arc<Self>, sub_id_json: String) -> Result<Arc<Self>, SetpollError> {
        let members = parse_object(&sub_id_json, "invalid_sub_id", "subIdJson")?;
        self.step(|b| b.sub_id(SubjectId::from_members(members)))
    }
    /// Add a top-level claim of another name (a private claim), its value
    /// as JSON text; `build()` refuses the names of the claims above.
    ///
    /// # Errors
    /// `Argument(invalid_claim_value)` when the value is not JSON.
    pub fn claim(
        self: Arc<Self>,
        name: String,
        value_json: String,
    ) -> Result<Arc<Self>, SetpollError> {
        let value = parse(&value_json, "invalid_claim_value", "valueJson")?;
        self.step(|b| b.claim(name, value))
    }
    /// Validate and return the claims (the builder can then not be reused).
    ///
    /// # Errors
    /// `Claims` naming the first rule broken.
    pub fn build(&self) -> Result<Arc<SetClaims>, SetpollError> {
        let b = crate::error::lock(&self.0)?.take().ok_or_else(used)?;
        Ok(Arc::new(SetClaims(b.build()?)))
    }
}
