//! [`SetClaimsBuilder`]: how a transmitter assembles claims.

use serde_json::{Map, Value};

use super::{
    ClaimsError, Event, EventSubject, LinkedAccountReason, NumericDate, SetClaims, SubjectId,
    CONSENT_AUTHORIZATION_REVOKED, LINKED_ACCOUNT_UPDATE, RESOURCE_UPDATE,
};

/// Builds [`SetClaims`]; [`SetClaimsBuilder::build`] validates them with
/// [`SetClaims::validate`]. Events keep the order they were added in.
///
/// An OBIE transmitter should also set `sub`, `txn` and `toe`
/// ([`SetClaims::check_obie_profile`] checks that).
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct SetClaimsBuilder {
    claims: SetClaims,
}

impl SetClaimsBuilder {
    pub(super) fn new(iss: String, jti: String, aud: String, iat: i64) -> Self {
        SetClaimsBuilder {
            claims: SetClaims {
                iss,
                iat,
                jti,
                aud: vec![aud],
                sub: None,
                txn: None,
                toe: None,
                events: Vec::new(),
                exp: None,
                nbf: None,
                sub_id: None,
                other: Map::new(),
            },
        }
    }

    /// Add another audience (RFC 8417 peers; OBIE expects exactly one).
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.claims.aud.push(aud.into());
        self
    }

    /// `sub`: the URI of the resource concerned.
    #[allow(clippy::should_implement_trait)]
    pub fn sub(mut self, sub: impl Into<String>) -> Self {
        self.claims.sub = Some(sub.into());
        self
    }

    /// `txn`: transaction identifier (e.g. the `x-fapi-interaction-id`).
    pub fn txn(mut self, txn: impl Into<String>) -> Self {
        self.claims.txn = Some(txn.into());
        self
    }

    /// `toe`: time of the event, seconds.
    pub fn toe(mut self, toe: i64) -> Self {
        self.claims.toe = Some(toe);
        self
    }

    /// `exp`: the SET is not accepted at or after this time, seconds.
    pub fn exp(mut self, exp: impl Into<NumericDate>) -> Self {
        self.claims.exp = Some(exp.into());
        self
    }

    /// `nbf`: the SET is not accepted before this time, seconds.
    pub fn nbf(mut self, nbf: impl Into<NumericDate>) -> Self {
        self.claims.nbf = Some(nbf.into());
        self
    }

    /// `sub_id`: the subject as a Subject Identifier (RFC 9493, OpenID SSF).
    pub fn sub_id(mut self, sub_id: SubjectId) -> Self {
        self.claims.sub_id = Some(sub_id);
        self
    }

    /// Any other top-level claim (a private claim, or one registered
    /// elsewhere); a later call with the same name replaces the value.
    /// [`build`](Self::build) refuses the names of the claims above
    /// ([`super::CLAIM_NAMES`]).
    pub fn claim(mut self, name: impl Into<String>, value: Value) -> Self {
        self.claims.other.insert(name.into(), value);
        self
    }

    /// Add a resource-update event.
    pub fn resource_update(mut self, subject: EventSubject) -> Self {
        self.claims.events.push((
            RESOURCE_UPDATE.to_owned(),
            Event::ResourceUpdate { subject },
        ));
        self
    }

    /// Add a consent-authorization-revoked event.
    pub fn consent_revoked(
        mut self,
        reason: Option<String>,
        subject: Option<EventSubject>,
    ) -> Self {
        self.claims.events.push((
            CONSENT_AUTHORIZATION_REVOKED.to_owned(),
            Event::ConsentAuthorizationRevoked { reason, subject },
        ));
        self
    }

    /// Add an account-access-consent-linked-account-update event.
    pub fn linked_account_update(
        mut self,
        reason: Option<LinkedAccountReason>,
        subject: Option<EventSubject>,
    ) -> Self {
        self.claims.events.push((
            LINKED_ACCOUNT_UPDATE.to_owned(),
            Event::LinkedAccountUpdate { reason, subject },
        ));
        self
    }

    /// Add an event of another (namespaced) type with its payload object.
    pub fn custom_event(mut self, uri: impl Into<String>, payload: Map<String, Value>) -> Self {
        self.claims
            .events
            .push((uri.into(), Event::Custom(payload)));
        self
    }

    /// Validate and return the claims.
    ///
    /// # Errors
    /// The first rule broken (see [`SetClaims::validate`]).
    pub fn build(self) -> Result<SetClaims, ClaimsError> {
        self.claims.validate()?;
        Ok(self.claims)
    }
}
