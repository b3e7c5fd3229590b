//! The event payloads of `OBEventNotification2` and their subject.

use serde_json::{Map, Value};

/// `urn:uk:org:openbanking:events:resource-update`
pub const RESOURCE_UPDATE: &str = "urn:uk:org:openbanking:events:resource-update";
/// `urn:uk:org:openbanking:events:consent-authorization-revoked`
pub const CONSENT_AUTHORIZATION_REVOKED: &str =
    "urn:uk:org:openbanking:events:consent-authorization-revoked";
/// `urn:uk:org:openbanking:events:account-access-consent-linked-account-update`
pub const LINKED_ACCOUNT_UPDATE: &str =
    "urn:uk:org:openbanking:events:account-access-consent-linked-account-update";

/// The usual `subject_type` value.
pub const SUBJECT_TYPE: &str = "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty";
/// Member name of the resource id in a subject.
pub const RID: &str = "http://openbanking.org.uk/rid";
/// Member name of the resource type in a subject.
pub const RTY: &str = "http://openbanking.org.uk/rty";
/// Member name of the resource links in a subject.
pub const RLK: &str = "http://openbanking.org.uk/rlk";
/// The `rty` a linked-account-update subject must carry.
pub const ACCOUNT_ACCESS_CONSENT: &str = "account-access-consent";

/// One entry of a SET's `events` claim.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// [`RESOURCE_UPDATE`]: a resource changed (`OBEventResourceUpdate1`).
    ResourceUpdate {
        /// The resource (required).
        subject: EventSubject,
    },
    /// [`CONSENT_AUTHORIZATION_REVOKED`]: a consent's authorisation was revoked.
    ConsentAuthorizationRevoked {
        /// Why, free text (the spec gives no code list).
        reason: Option<String>,
        /// The consent; required unless the SET also has a resource-update event.
        subject: Option<EventSubject>,
    },
    /// [`LINKED_ACCOUNT_UPDATE`]: an account linked to a consent moved in or out of its scope.
    LinkedAccountUpdate {
        /// Why.
        reason: Option<LinkedAccountReason>,
        /// The consent (its `rty` must be `account-access-consent`).
        subject: Option<EventSubject>,
    },
    /// Any other (ASPSP-namespaced) event type: the payload object exactly as
    /// received, member order included.
    Custom(Map<String, Value>),
}

impl Event {
    /// The event type URI a typed event must be filed under; `None` for [`Event::Custom`].
    #[must_use]
    pub fn type_uri(&self) -> Option<&'static str> {
        match self {
            Event::ResourceUpdate { .. } => Some(RESOURCE_UPDATE),
            Event::ConsentAuthorizationRevoked { .. } => Some(CONSENT_AUTHORIZATION_REVOKED),
            Event::LinkedAccountUpdate { .. } => Some(LINKED_ACCOUNT_UPDATE),
            Event::Custom(_) => None,
        }
    }

    /// The subject, when the event has one.
    #[must_use]
    pub fn subject(&self) -> Option<&EventSubject> {
        match self {
            Event::ResourceUpdate { subject } => Some(subject),
            Event::ConsentAuthorizationRevoked { subject, .. }
            | Event::LinkedAccountUpdate { subject, .. } => subject.as_ref(),
            Event::Custom(_) => None,
        }
    }
}

/// The `reason` of a linked-account-update event (a namespaced enumeration).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum LinkedAccountReason {
    /// `UK.OBIE.AccountClosure`
    AccountClosure,
    /// `UK.OBIE.CASS` (Current Account Switch Service)
    Cass,
    /// An ASPSP extension. Accepted only in namespaced form
    /// (`CC.Name.Value`: two capital letters, a dot, a name, a dot, a value).
    Other(String),
}

impl LinkedAccountReason {
    /// The value as written in the claim.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            LinkedAccountReason::AccountClosure => "UK.OBIE.AccountClosure",
            LinkedAccountReason::Cass => "UK.OBIE.CASS",
            LinkedAccountReason::Other(s) => s,
        }
    }

    /// Parse a value; unknown values become [`LinkedAccountReason::Other`]
    /// (whose form is checked by validation).
    #[must_use]
    pub fn from_code(s: &str) -> Self {
        match s {
            "UK.OBIE.AccountClosure" => LinkedAccountReason::AccountClosure,
            "UK.OBIE.CASS" => LinkedAccountReason::Cass,
            other => LinkedAccountReason::Other(other.to_owned()),
        }
    }

    /// Whether the value is a known code or a well-formed namespaced extension.
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        match self {
            LinkedAccountReason::Other(s) => is_namespaced(s),
            _ => true,
        }
    }
}

/// `CC.Name.Value` per the OBIE rules for extending namespaced enumerations.
fn is_namespaced(s: &str) -> bool {
    let mut parts = s.splitn(3, '.');
    let (Some(cc), Some(name), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let ok = |p: &str| !p.is_empty() && !p.chars().any(|c| c.is_whitespace() || c.is_control());
    cc.len() == 2 && cc.chars().all(|c| c.is_ascii_uppercase()) && ok(name) && ok(value)
}

/// `OBEventSubject1`: the resource an event is about.
#[doc(alias = "OBEventSubject1")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventSubject {
    /// `subject_type` (1..128 chars), normally [`SUBJECT_TYPE`].
    pub subject_type: String,
    /// `http://openbanking.org.uk/rid`: resource id (1..128 chars).
    pub rid: String,
    /// `http://openbanking.org.uk/rty`: resource type (1..128 chars).
    pub rty: String,
    /// `http://openbanking.org.uk/rlk`: links to the resource's versions (at least one).
    pub rlk: Vec<ResourceLink>,
}

impl EventSubject {
    /// A subject with the standard `subject_type`.
    #[must_use]
    pub fn new(rid: impl Into<String>, rty: impl Into<String>, rlk: Vec<ResourceLink>) -> Self {
        EventSubject {
            subject_type: SUBJECT_TYPE.to_owned(),
            rid: rid.into(),
            rty: rty.into(),
            rlk,
        }
    }
}

/// `OBEventLink1`: one version of a resource.
#[doc(alias = "OBEventLink1")]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResourceLink {
    /// `version` (1..10 chars), e.g. `v3.1`.
    pub version: String,
    /// `link`: the resource URL.
    pub link: String,
}

impl ResourceLink {
    /// A link.
    #[must_use]
    pub fn new(version: impl Into<String>, link: impl Into<String>) -> Self {
        ResourceLink {
            version: version.into(),
            link: link.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn namespaced_reasons() {
        assert!(LinkedAccountReason::from_code("UK.OBIE.CASS").is_well_formed());
        assert_eq!(
            LinkedAccountReason::from_code("UK.OBIE.CASS"),
            LinkedAccountReason::Cass
        );
        assert!(LinkedAccountReason::from_code("UK.Barclays.Merged").is_well_formed());
        assert!(LinkedAccountReason::from_code("GB.Bank.a.b").is_well_formed());
        for bad in [
            "closed",
            "uk.bank.x",
            "UK.Bank",
            "UK..x",
            "UK.Bank. x",
            "UKX.Bank.x",
            "",
        ] {
            assert!(
                !LinkedAccountReason::from_code(bad).is_well_formed(),
                "{bad}"
            );
        }
    }
}
