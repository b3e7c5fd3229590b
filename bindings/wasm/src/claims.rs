//! SET claims (`OBEventNotification2`): parse, write, build.
//!
//! Claims cross as plain objects in their wire shape (the JWS payload as
//! `JSON.parse` reads it), so `JSON.stringify(claims)` is always a valid
//! payload again.

use serde::Deserialize;
use serde_json::{Map, Value};
use setpoll_core::claims::{EventSubject, LinkedAccountReason, ResourceLink, SetClaims};
use wasm_bindgen::prelude::*;

use crate::error::js_error;
use crate::js::{from_js, json_text_to_js, stringify};

#[wasm_bindgen(typescript_custom_section)]
const TS_CLAIMS: &'static str = r#"
/** The claims of a Security Event Token, in their wire shape (`OBEventNotification2`). */
export interface SetClaims {
  iss: string;
  /** Issued at, seconds since the epoch. */
  iat: number;
  jti: string;
  sub?: string;
  /** One audience as a string, several as an array. */
  aud: string | string[];
  /** Event type URI -> event payload. */
  events: Record<string, Record<string, unknown>>;
  txn?: string;
  /** Time of the event, seconds since the epoch. */
  toe?: number;
}

/** A link to one version of a resource (`OBEventLink1`). */
export interface ResourceLinkSpec { version: string; link: string; }

/** The resource an event is about (`OBEventSubject1`). */
export interface SubjectSpec {
  /** `http://openbanking.org.uk/rid` */
  rid: string;
  /** `http://openbanking.org.uk/rty` */
  rty: string;
  /** `http://openbanking.org.uk/rlk` (at least one). */
  rlk: ResourceLinkSpec[];
  /** `subject_type`; defaults to the OBIE value. */
  subjectType?: string;
}

/** One event for {@link buildClaims}. */
export type EventSpec =
  | { type: "resourceUpdate"; subject: SubjectSpec }
  | { type: "consentAuthorizationRevoked"; reason?: string; subject?: SubjectSpec }
  | { type: "linkedAccountUpdate"; reason?: string; subject?: SubjectSpec }
  | { type: "custom"; uri: string; payload: Record<string, unknown> };

/** What {@link buildClaims} assembles. */
export interface ClaimsSpec {
  iss: string;
  jti: string;
  /** One audience, or several (RFC 8417 peers; OBIE expects one). */
  aud: string | string[];
  /** Issued at, seconds. */
  iat: number;
  sub?: string;
  txn?: string;
  /** Time of the event, seconds. */
  toe?: number;
  events: EventSpec[];
}
"#;

/// `aud`: one string or a list of them. Read by hand: serde's untagged
/// reader buffers the value into its private `Content` tree first, and that
/// machinery costs the package size (see `EventSpecRepr`).
enum Audience {
    One(String),
    Many(Vec<String>),
}

impl<'de> Deserialize<'de> for Audience {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct AudienceVisitor;
        impl<'de> serde::de::Visitor<'de> for AudienceVisitor {
            type Value = Audience;
            fn expecting(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::One(v.to_owned()))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Audience, E> {
                Ok(Audience::One(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Audience, A::Error> {
                let mut all = Vec::new();
                while let Some(a) = seq.next_element::<String>()? {
                    all.push(a);
                }
                Ok(Audience::Many(all))
            }
        }
        d.deserialize_any(AudienceVisitor)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct LinkSpec {
    version: String,
    link: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct SubjectSpec {
    rid: String,
    rty: String,
    rlk: Vec<LinkSpec>,
    subject_type: Option<String>,
}

impl From<SubjectSpec> for EventSubject {
    fn from(s: SubjectSpec) -> Self {
        let links = s
            .rlk
            .into_iter()
            .map(|l| ResourceLink::new(l.version, l.link))
            .collect();
        let mut subject = EventSubject::new(s.rid, s.rty, links);
        if let Some(t) = s.subject_type {
            subject.subject_type = t;
        }
        subject
    }
}

#[derive(Deserialize)]
#[serde(try_from = "EventSpecRepr")]
enum EventSpec {
    ResourceUpdate {
        subject: SubjectSpec,
    },
    ConsentAuthorizationRevoked {
        reason: Option<String>,
        subject: Option<SubjectSpec>,
    },
    LinkedAccountUpdate {
        reason: Option<String>,
        subject: Option<SubjectSpec>,
    },
    Custom {
        uri: String,
        payload: Map<String, Value>,
    },
}

/// `EventSpec` tags.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum EventType {
    ResourceUpdate,
    ConsentAuthorizationRevoked,
    LinkedAccountUpdate,
    Custom,
}

/// How an `EventSpec` is read: every variant's fields in one plain struct,
/// then checked against the variant `type` names. serde's derived reader of
/// an internally tagged enum buffers the object into its private `Content`
/// tree and instantiates every nested reader twice; in the .wasm that cost
/// size for no behaviour.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct EventSpecRepr {
    #[serde(rename = "type")]
    kind: EventType,
    subject: Option<SubjectSpec>,
    reason: Option<String>,
    uri: Option<String>,
    payload: Option<Map<String, Value>>,
}

impl TryFrom<EventSpecRepr> for EventSpec {
    type Error = String;

    fn try_from(r: EventSpecRepr) -> Result<Self, String> {
        let refuse = |field: &str, present: bool| {
            if present {
                Err(format!("unknown field `{field}` for this event type"))
            } else {
                Ok(())
            }
        };
        match r.kind {
            EventType::Custom => {
                refuse("subject", r.subject.is_some())?;
                refuse("reason", r.reason.is_some())?;
            }
            _ => {
                refuse("uri", r.uri.is_some())?;
                refuse("payload", r.payload.is_some())?;
            }
        }
        Ok(match r.kind {
            EventType::ResourceUpdate => {
                refuse("reason", r.reason.is_some())?;
                EventSpec::ResourceUpdate {
                    subject: r.subject.ok_or("missing field `subject`")?,
                }
            }
            EventType::ConsentAuthorizationRevoked => EventSpec::ConsentAuthorizationRevoked {
                reason: r.reason,
                subject: r.subject,
            },
            EventType::LinkedAccountUpdate => EventSpec::LinkedAccountUpdate {
                reason: r.reason,
                subject: r.subject,
            },
            EventType::Custom => EventSpec::Custom {
                uri: r.uri.ok_or("missing field `uri`")?,
                payload: r.payload.ok_or("missing field `payload`")?,
            },
        })
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ClaimsSpec {
    iss: String,
    jti: String,
    aud: Audience,
    iat: i64,
    sub: Option<String>,
    txn: Option<String>,
    toe: Option<i64>,
    events: Vec<EventSpec>,
}

/// Parse the claims of a SET from JSON text (a JWS payload) and validate them
/// against the OBIE schema (RFC 8417 peers may leave out `sub`, `txn`, `toe`).
///
/// # Errors
/// A `ClaimsError` with `code`, `path`, and the `setErrObie` /
/// `setErrRfc8935` codes a recipient reports for such a SET.
#[wasm_bindgen(js_name = parseClaims, unchecked_return_type = "SetClaims")]
pub fn parse_claims(json: &str) -> Result<JsValue, JsValue> {
    let claims = SetClaims::from_json(json.as_bytes()).map_err(js_error)?;
    json_text_to_js(&claims.to_json())
}

/// Write claims as canonical JSON (the JWS payload): compact, claims in the
/// order of the OBIE example, byte for byte deterministic. The object is
/// validated first.
///
/// # Errors
/// A `ClaimsError` when the claims break a rule; an `InputError` when the
/// value is not JSON-serialisable.
#[wasm_bindgen(js_name = claimsToJson)]
pub fn claims_to_json(
    #[wasm_bindgen(unchecked_param_type = "SetClaims | string")] claims: JsValue,
) -> Result<String, JsValue> {
    Ok(claims_from_js(&claims)?.to_json())
}

/// Assemble and validate claims from a spec (the transmitter's side).
///
/// # Errors
/// An `InputError` for a spec of the wrong shape; a `ClaimsError` for
/// claims that break a rule.
#[wasm_bindgen(js_name = buildClaims, unchecked_return_type = "SetClaims")]
pub fn build_claims(
    #[wasm_bindgen(unchecked_param_type = "ClaimsSpec")] spec: JsValue,
) -> Result<JsValue, JsValue> {
    let spec: ClaimsSpec = from_js(&spec, "claims spec")?;
    let claims = build(spec).map_err(js_error)?;
    json_text_to_js(&claims.to_json())
}

/// Check the stricter OBIE profile on top of validation: `sub`, `txn` and
/// `toe` present and exactly one audience.
///
/// # Errors
/// A `ClaimsError` naming the first claim that is missing or wrong.
#[wasm_bindgen(js_name = checkObieProfile)]
pub fn check_obie_profile(
    #[wasm_bindgen(unchecked_param_type = "SetClaims | string")] claims: JsValue,
) -> Result<(), JsValue> {
    claims_from_js(&claims)?
        .check_obie_profile()
        .map_err(js_error)
}

/// JS claims (an object, or JSON text used as is) as core claims.
pub(crate) fn claims_from_js(claims: &JsValue) -> Result<SetClaims, JsValue> {
    let text = match claims.as_string() {
        Some(text) => text,
        None => stringify(claims, "claims")?.unwrap_or_default(),
    };
    SetClaims::from_json(text.as_bytes()).map_err(js_error)
}

fn build(spec: ClaimsSpec) -> Result<SetClaims, setpoll_core::claims::ClaimsError> {
    let mut audiences = match spec.aud {
        Audience::One(a) => vec![a],
        Audience::Many(all) => all,
    }
    .into_iter();
    // An empty list becomes an empty audience, which validation refuses.
    let first = audiences.next().unwrap_or_default();
    let rest = audiences;
    let mut b = SetClaims::builder(spec.iss, spec.jti, first, spec.iat);
    for aud in rest {
        b = b.audience(aud);
    }
    if let Some(sub) = spec.sub {
        b = b.sub(sub);
    }
    if let Some(txn) = spec.txn {
        b = b.txn(txn);
    }
    if let Some(toe) = spec.toe {
        b = b.toe(toe);
    }
    for event in spec.events {
        b = match event {
            EventSpec::ResourceUpdate { subject } => b.resource_update(subject.into()),
            EventSpec::ConsentAuthorizationRevoked { reason, subject } => {
                b.consent_revoked(reason, subject.map(Into::into))
            }
            EventSpec::LinkedAccountUpdate { reason, subject } => b.linked_account_update(
                reason.as_deref().map(LinkedAccountReason::from_code),
                subject.map(Into::into),
            ),
            EventSpec::Custom { uri, payload } => b.custom_event(uri, payload),
        };
    }
    b.build()
}
