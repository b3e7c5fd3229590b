//! SET claims: `OBEventNotification2` (RFC 8417 §2.2 with the OBIE event types).
//!
//! [`SetClaims::from_json`] parses a JWS payload and validates it;
//! [`SetClaims::to_json`] writes it back deterministically;
//! [`SetClaims::builder`] is how a transmitter makes one.
//!
//! # What is checked
//! Against the OBIE schema (`OBEventNotification1` in
//! `event-notifications-v3.1.11.yaml`, extended by the v2 event types):
//! - `iss` a non-empty string; `jti` 1..128 characters; `aud` 1..128;
//!   `txn` 1..128; `sub` an absolute URI;
//! - `iat` and `toe` JSON integers of seconds, `>= 0`. A string such as
//!   `"1516239022"` (seen in an OBIE example) is a [`ClaimsError::WrongType`];
//!   `1.5` and `1.0` are [`ClaimsError::NotAnInteger`]. The schema's
//!   `format: int32` would overflow in January 2038, so any non-negative
//!   `i64` is accepted;
//! - `events` an object with at least one member; each key a non-empty
//!   absolute URI, each value a JSON object; the three OBIE types are read
//!   into typed [`Event`]s with their schemas enforced (required members,
//!   no unknown members, `subject` lengths, `rlk` non-empty, `version`
//!   1..10); any other type is kept verbatim as [`Event::Custom`];
//! - consent-authorization-revoked needs a `subject` unless the SET also
//!   carries a resource-update event; a linked-account-update subject must
//!   have `rty` = `account-access-consent`; a linked-account-update `reason`
//!   must be `UK.OBIE.AccountClosure`, `UK.OBIE.CASS` or a namespaced
//!   extension `CC.Name.Value` (the OBIE rule for extending namespaced
//!   enumerations); anything else is refused. The consent-revoked `reason`
//!   is free text (no code list is published) but must not be empty;
//! - no member name twice in any object.
//!
//! # Leniency for RFC 8417 peers
//! The OBIE schema requires all of `iss iat jti aud sub txn toe events`.
//! RFC 8417 requires only `iss`, `iat`, `jti` and `events`, so `sub`,
//! `txn` and `toe` may be absent here, and `aud` may be a non-empty array
//! of strings. `aud` itself stays required: a recipient must be able to
//! check it. [`SetClaims::check_obie_profile`] applies the OBIE rule on top.
//!
//! # Every claim survives
//! Claims outside the OBIE schema are kept, value for value: `exp` and
//! `nbf` as [`NumericDate`]s (a JSON number; `null` reads as absent), which
//! [`crate::set::verify_set`] enforces with the policy's skew; `sub_id` as a
//! [`SubjectId`] (RFC 9493, checked for its format's members); every other
//! top-level claim in [`SetClaims::other`], in document order. `to_json`
//! writes them after the OBIE claims.

mod builder;
mod error;
mod event;
pub(crate) mod fast;
mod subject_id;

pub use builder::SetClaimsBuilder;
pub use error::ClaimsError;
pub use event::{
    Event, EventSubject, LinkedAccountReason, ResourceLink, ACCOUNT_ACCESS_CONSENT,
    CONSENT_AUTHORIZATION_REVOKED, LINKED_ACCOUNT_UPDATE, RESOURCE_UPDATE, RID, RLK, RTY,
    SUBJECT_TYPE,
};
pub use subject_id::{SubjectId, SubjectIdKind};

use serde_json::{Map, Number, Value};

use crate::json::{
    self, char_len, check_int, into_map, push_str_lit, render_path, IntCheck, Json, Seg,
};

/// Length bounds from the schema, in Unicode scalar values.
const ID_LEN: (usize, usize) = (1, 128);
const VERSION_LEN: (usize, usize) = (1, 10);

/// The claims of one Security Event Token.
#[doc(alias = "OBEventNotification2")]
#[derive(Clone, Debug, PartialEq)]
pub struct SetClaims {
    /// `iss`
    pub iss: String,
    /// `iat` (seconds)
    pub iat: i64,
    /// `jti`
    pub jti: String,
    /// `aud` (a string, or several for RFC 8417 peers)
    pub aud: Vec<String>,
    /// `sub`
    pub sub: Option<String>,
    /// `txn`
    pub txn: Option<String>,
    /// `toe` (seconds)
    pub toe: Option<i64>,
    /// `events`: event type URI -> event, in document order.
    pub events: Vec<(String, Event)>,
    /// `exp` (RFC 7519 §4.1.4): not accepted at or after this time.
    pub exp: Option<NumericDate>,
    /// `nbf` (RFC 7519 §4.1.5): not accepted before this time.
    pub nbf: Option<NumericDate>,
    /// `sub_id` (RFC 8417 §2.2, OpenID SSF): the subject as a Subject Identifier.
    pub sub_id: Option<SubjectId>,
    /// Every other top-level claim (private or registered elsewhere), value
    /// for value, in document order. Must not repeat a claim above.
    pub other: Map<String, Value>,
}

/// The claims [`SetClaims`] holds in their own fields; [`SetClaims::other`]
/// may not use these names.
pub const CLAIM_NAMES: [&str; 11] = [
    "iss", "iat", "jti", "sub", "aud", "events", "txn", "toe", "exp", "nbf", "sub_id",
];

/// A NumericDate (RFC 7519 §2): seconds since the epoch as a JSON number.
/// Integers are the norm; a fraction is allowed and kept as written.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NumericDate(Number);

impl NumericDate {
    /// Whole seconds.
    #[must_use]
    pub fn from_secs(secs: i64) -> Self {
        NumericDate(secs.into())
    }

    /// The value in whole seconds, rounded down (saturating beyond `i64`).
    #[must_use]
    pub fn secs(&self) -> i64 {
        if let Some(i) = self.0.as_i64() {
            return i;
        }
        if self.0.is_u64() {
            return i64::MAX;
        }
        // Saturating float-to-int conversion is the intent here.
        #[allow(clippy::cast_possible_truncation)]
        let secs = self.0.as_f64().map_or(0, |f| f.floor() as i64);
        secs
    }

    /// The number as read.
    #[must_use]
    pub fn as_number(&self) -> &Number {
        &self.0
    }
}

impl From<i64> for NumericDate {
    fn from(secs: i64) -> Self {
        NumericDate::from_secs(secs)
    }
}

fn key_path(name: &str) -> String {
    render_path(&[Seg::Key(name)])
}

fn wrong_type(segs: &[Seg<'_>], expected: &'static str, found: &Json) -> ClaimsError {
    ClaimsError::WrongType {
        path: render_path(segs),
        expected,
        found: found.type_name(),
    }
}

fn take_string(segs: &[Seg<'_>], v: Json) -> Result<String, ClaimsError> {
    match v {
        Json::String(s) => Ok(s),
        other => Err(wrong_type(segs, "string", &other)),
    }
}

/// Seconds: a JSON integer within i64 (sign is checked by validation).
fn take_seconds(name: &str, v: Json) -> Result<i64, ClaimsError> {
    match v {
        Json::Number(n) => match check_int(&n, i64::MIN, i64::MAX) {
            IntCheck::Ok(v) => Ok(v),
            IntCheck::NotInteger => Err(ClaimsError::NotAnInteger {
                path: key_path(name),
            }),
            IntCheck::OutOfRange => Err(ClaimsError::OutOfRange {
                path: key_path(name),
            }),
        },
        other => Err(wrong_type(&[Seg::Key(name)], "integer", &other)),
    }
}

/// `exp`/`nbf`: a JSON number; `null` reads as absent.
fn take_numeric_date(segs: &[Seg<'_>], v: Json) -> Result<Option<NumericDate>, ClaimsError> {
    match v {
        Json::Null => Ok(None),
        Json::Number(n) => Ok(Some(NumericDate(n))),
        other => Err(wrong_type(segs, "number", &other)),
    }
}

fn take_object(segs: &[Seg<'_>], v: Json) -> Result<Vec<(String, Json)>, ClaimsError> {
    match v {
        Json::Object(m) => Ok(m),
        other => Err(wrong_type(segs, "object", &other)),
    }
}

impl SetClaims {
    /// Start building claims for a transmitter; see [`SetClaimsBuilder`].
    pub fn builder(
        iss: impl Into<String>,
        jti: impl Into<String>,
        aud: impl Into<String>,
        iat: i64,
    ) -> SetClaimsBuilder {
        SetClaimsBuilder::new(iss.into(), jti.into(), aud.into(), iat)
    }

    /// Parse claims from the JWS payload bytes (JSON) and validate them
    /// (see the [module docs](self) for the rules).
    ///
    /// The payload size is bounded by the caller (the JOSE layer limits the
    /// token size); nesting deeper than 128 levels is refused.
    ///
    /// # Errors
    /// A [`ClaimsError`] naming the first problem.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ClaimsError> {
        match fast::parse(bytes) {
            Some(claims) => Ok(claims),
            None => Self::from_json_careful(bytes),
        }
    }

    /// [`SetClaims::from_json`] without the fast path: parse into a tree,
    /// find duplicates, read each claim, validate. Every error of
    /// [`SetClaims::from_json`] comes from here.
    pub(crate) fn from_json_careful(bytes: &[u8]) -> Result<Self, ClaimsError> {
        let root = json::parse(bytes).map_err(|e| match e {
            json::SyntaxError::NotUtf8 { offset } => ClaimsError::NotUtf8 { offset },
            json::SyntaxError::Empty => ClaimsError::Malformed {
                line: 0,
                column: 0,
                detail: "empty payload".into(),
            },
            json::SyntaxError::Malformed {
                line,
                column,
                detail,
            } => ClaimsError::Malformed {
                line,
                column,
                detail,
            },
        })?;
        if let Some(path) = json::find_duplicate(&root) {
            return Err(ClaimsError::DuplicateMember { path });
        }
        let Json::Object(members) = root else {
            return Err(ClaimsError::NotAnObject {
                found: root.type_name(),
            });
        };
        let mut iss = None;
        let mut iat = None;
        let mut jti = None;
        let mut aud = None;
        let mut sub = None;
        let mut txn = None;
        let mut toe = None;
        let mut events = None;
        let mut exp = None;
        let mut nbf = None;
        let mut sub_id = None;
        let mut other = Map::new();
        for (name, value) in members {
            let segs = [Seg::Key(name.as_str())];
            match name.as_str() {
                "exp" => exp = take_numeric_date(&segs, value)?,
                "nbf" => nbf = take_numeric_date(&segs, value)?,
                "sub_id" => {
                    sub_id = Some(SubjectId::from_members(into_map(take_object(
                        &segs, value,
                    )?)))
                }
                "iss" => iss = Some(take_string(&segs, value)?),
                "jti" => jti = Some(take_string(&segs, value)?),
                "sub" => sub = Some(take_string(&segs, value)?),
                "txn" => txn = Some(take_string(&segs, value)?),
                "iat" => iat = Some(take_seconds("iat", value)?),
                "toe" => toe = Some(take_seconds("toe", value)?),
                "aud" => aud = Some(parse_aud(value)?),
                "events" => events = Some(parse_events(value)?),
                _ => {
                    other.insert(name, value.into_value());
                }
            }
        }
        let missing = |name: &str| ClaimsError::Missing {
            path: key_path(name),
        };
        let claims = SetClaims {
            iss: iss.ok_or_else(|| missing("iss"))?,
            iat: iat.ok_or_else(|| missing("iat"))?,
            jti: jti.ok_or_else(|| missing("jti"))?,
            aud: aud.ok_or_else(|| missing("aud"))?,
            sub,
            txn,
            toe,
            events: events.ok_or_else(|| missing("events"))?,
            exp,
            nbf,
            sub_id,
            other,
        };
        claims.validate()?;
        Ok(claims)
    }

    /// Check every value rule (lengths, ranges, URIs, event rules) on
    /// claims however they were made. [`SetClaims::from_json`] and
    /// [`SetClaimsBuilder::build`] call it.
    ///
    /// # Errors
    /// The first rule broken, in claim order.
    pub fn validate(&self) -> Result<(), ClaimsError> {
        if self.iss.is_empty() {
            return Err(ClaimsError::Empty { path: "iss".into() });
        }
        check_seconds("iat", self.iat)?;
        check_len(&[Seg::Key("jti")], &self.jti, ID_LEN)?;
        if self.aud.is_empty() {
            return Err(ClaimsError::Empty { path: "aud".into() });
        }
        if let [one] = self.aud.as_slice() {
            check_len(&[Seg::Key("aud")], one, ID_LEN)?;
        } else {
            for (i, a) in self.aud.iter().enumerate() {
                check_len(&[Seg::Key("aud"), Seg::Index(i)], a, ID_LEN)?;
            }
        }
        if let Some(sub) = &self.sub {
            if !is_absolute_uri(sub) {
                return Err(ClaimsError::NotAUri { path: "sub".into() });
            }
        }
        if let Some(txn) = &self.txn {
            check_len(&[Seg::Key("txn")], txn, ID_LEN)?;
        }
        if let Some(toe) = self.toe {
            check_seconds("toe", toe)?;
        }
        self.validate_events()?;
        if let Some(sub_id) = &self.sub_id {
            sub_id.validate(&[Seg::Key("sub_id")], false)?;
        }
        if let Some(name) = self
            .other
            .keys()
            .find(|k| CLAIM_NAMES.contains(&k.as_str()))
        {
            return Err(ClaimsError::DuplicateMember {
                path: key_path(name),
            });
        }
        Ok(())
    }

    fn validate_events(&self) -> Result<(), ClaimsError> {
        if self.events.is_empty() {
            return Err(ClaimsError::NoEvents);
        }
        let has_resource_update = self
            .events
            .iter()
            .any(|(_, e)| matches!(e, Event::ResourceUpdate { .. }));
        // A scan of the earlier entries while there are few (the usual one
        // or two); a hash set once there are many (made only then: its
        // random state costs more than the scan of a token's one event).
        let mut seen = (self.events.len() > 16).then(std::collections::HashSet::new);
        for (i, (uri, event)) in self.events.iter().enumerate() {
            let base = [Seg::Key("events"), Seg::Key(uri.as_str())];
            if !is_absolute_uri(uri) {
                return Err(ClaimsError::InvalidEventType {
                    path: render_path(&base),
                });
            }
            let repeated = match seen.as_mut() {
                None => self.events.iter().take(i).any(|(u, _)| u == uri),
                Some(seen) => !seen.insert(uri.as_str()),
            };
            if repeated {
                return Err(ClaimsError::DuplicateEventType {
                    path: render_path(&base),
                });
            }
            let filed_right = match event.type_uri() {
                Some(expected) => expected == uri,
                None => ![
                    RESOURCE_UPDATE,
                    CONSENT_AUTHORIZATION_REVOKED,
                    LINKED_ACCOUNT_UPDATE,
                ]
                .contains(&uri.as_str()),
            };
            if !filed_right {
                return Err(ClaimsError::EventTypeMismatch {
                    path: render_path(&base),
                });
            }
            let sub_path = |extra: Option<&'static str>| {
                let mut segs = base.to_vec();
                segs.push(Seg::Key("subject"));
                segs.extend(extra.map(Seg::Key));
                segs
            };
            if let Some(subject) = event.subject() {
                validate_subject(&base, subject)?;
            }
            match event {
                Event::ConsentAuthorizationRevoked { reason, subject } => {
                    if reason.as_deref() == Some("") {
                        let mut segs = base.to_vec();
                        segs.push(Seg::Key("reason"));
                        return Err(ClaimsError::Empty {
                            path: render_path(&segs),
                        });
                    }
                    if subject.is_none() && !has_resource_update {
                        return Err(ClaimsError::MissingSubject {
                            path: render_path(&sub_path(None)),
                        });
                    }
                }
                Event::LinkedAccountUpdate { reason, subject } => {
                    if let Some(r) = reason {
                        if !r.is_well_formed() {
                            let mut segs = base.to_vec();
                            segs.push(Seg::Key("reason"));
                            return Err(ClaimsError::InvalidReason {
                                path: render_path(&segs),
                            });
                        }
                    }
                    if let Some(s) = subject {
                        if s.rty != ACCOUNT_ACCESS_CONSENT {
                            return Err(ClaimsError::WrongResourceType {
                                path: render_path(&sub_path(Some(RTY))),
                                expected: ACCOUNT_ACCESS_CONSENT,
                            });
                        }
                    }
                }
                Event::ResourceUpdate { .. } | Event::Custom(_) => {}
            }
        }
        Ok(())
    }

    /// The OBIE profile on top of [`SetClaims::validate`]: `sub`, `txn` and
    /// `toe` present and `aud` a single value, as `OBEventNotification1`
    /// requires. Use it where only OBIE peers are expected.
    ///
    /// # Errors
    /// [`ClaimsError::Missing`] for an absent claim, [`ClaimsError::WrongType`]
    /// for several audiences.
    pub fn check_obie_profile(&self) -> Result<(), ClaimsError> {
        self.validate()?;
        for (name, present) in [
            ("sub", self.sub.is_some()),
            ("txn", self.txn.is_some()),
            ("toe", self.toe.is_some()),
        ] {
            if !present {
                return Err(ClaimsError::Missing { path: name.into() });
            }
        }
        if self.aud.len() != 1 {
            return Err(ClaimsError::WrongType {
                path: "aud".into(),
                expected: "string",
                found: "array",
            });
        }
        Ok(())
    }

    /// The event type URIs, in document order.
    #[must_use]
    pub fn event_types(&self) -> Vec<String> {
        self.events.iter().map(|(uri, _)| uri.clone()).collect()
    }

    /// Serialise to JSON (the JWS payload): compact, claims in the order of
    /// the OBIE example (`iss iat jti sub aud events txn toe`), absent ones
    /// left out, `aud` a string when there is one audience and an array
    /// otherwise, events in vector order with their members in schema order
    /// (`reason` before `subject`; subject as `subject_type rid rty rlk`;
    /// links as `version link`), custom payloads exactly as held.
    /// Deterministic byte for byte.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"iss\":");
        push_str_lit(&mut out, &self.iss);
        out.push_str(",\"iat\":");
        out.push_str(&self.iat.to_string());
        out.push_str(",\"jti\":");
        push_str_lit(&mut out, &self.jti);
        if let Some(sub) = &self.sub {
            out.push_str(",\"sub\":");
            push_str_lit(&mut out, sub);
        }
        out.push_str(",\"aud\":");
        if let [one] = self.aud.as_slice() {
            push_str_lit(&mut out, one);
        } else {
            push_str_array(&mut out, &self.aud);
        }
        out.push_str(",\"events\":{");
        for (i, (uri, event)) in self.events.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_str_lit(&mut out, uri);
            out.push(':');
            write_event(&mut out, event);
        }
        out.push('}');
        if let Some(txn) = &self.txn {
            out.push_str(",\"txn\":");
            push_str_lit(&mut out, txn);
        }
        if let Some(toe) = self.toe {
            out.push_str(",\"toe\":");
            out.push_str(&toe.to_string());
        }
        for (name, date) in [("exp", &self.exp), ("nbf", &self.nbf)] {
            if let Some(date) = date {
                out.push_str(",\"");
                out.push_str(name);
                out.push_str("\":");
                out.push_str(&date.0.to_string());
            }
        }
        if let Some(sub_id) = &self.sub_id {
            out.push_str(",\"sub_id\":");
            push_value(&mut out, sub_id.members());
        }
        for (name, value) in &self.other {
            out.push(',');
            push_str_lit(&mut out, name);
            out.push(':');
            push_value(&mut out, value);
        }
        out.push('}');
        out
    }
}

/// Append a JSON value or map (serde_json's writer; member order as held).
fn push_value<T: serde::Serialize + ?Sized>(out: &mut String, value: &T) {
    match serde_json::to_string(value) {
        Ok(s) => out.push_str(&s),
        // A Value always serialises; keep the output valid regardless.
        Err(_) => out.push_str("null"),
    }
}

fn push_str_array(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_str_lit(out, s);
    }
    out.push(']');
}

fn write_event(out: &mut String, event: &Event) {
    match event {
        Event::ResourceUpdate { subject } => {
            out.push_str("{\"subject\":");
            write_subject(out, subject);
            out.push('}');
        }
        Event::ConsentAuthorizationRevoked { reason, subject } => {
            write_reason_subject(out, reason.as_deref(), subject.as_ref());
        }
        Event::LinkedAccountUpdate { reason, subject } => {
            write_reason_subject(
                out,
                reason.as_ref().map(LinkedAccountReason::as_str),
                subject.as_ref(),
            );
        }
        Event::Custom(map) => push_value(out, map),
    }
}

fn write_reason_subject(out: &mut String, reason: Option<&str>, subject: Option<&EventSubject>) {
    out.push('{');
    if let Some(r) = reason {
        out.push_str("\"reason\":");
        push_str_lit(out, r);
    }
    if let Some(s) = subject {
        if reason.is_some() {
            out.push(',');
        }
        out.push_str("\"subject\":");
        write_subject(out, s);
    }
    out.push('}');
}

fn write_subject(out: &mut String, s: &EventSubject) {
    out.push_str("{\"subject_type\":");
    push_str_lit(out, &s.subject_type);
    out.push(',');
    push_str_lit(out, RID);
    out.push(':');
    push_str_lit(out, &s.rid);
    out.push(',');
    push_str_lit(out, RTY);
    out.push(':');
    push_str_lit(out, &s.rty);
    out.push(',');
    push_str_lit(out, RLK);
    out.push_str(":[");
    for (i, l) in s.rlk.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"version\":");
        push_str_lit(out, &l.version);
        out.push_str(",\"link\":");
        push_str_lit(out, &l.link);
        out.push('}');
    }
    out.push_str("]}");
}

fn check_seconds(name: &str, v: i64) -> Result<(), ClaimsError> {
    if v < 0 {
        return Err(ClaimsError::OutOfRange {
            path: key_path(name),
        });
    }
    Ok(())
}

fn check_len(segs: &[Seg<'_>], s: &str, bounds: (usize, usize)) -> Result<(), ClaimsError> {
    check_len_at(segs, &[], s, bounds)
}

/// [`check_len`] for the path `base` + `tail`, joined only for an error.
fn check_len_at(
    base: &[Seg<'_>],
    tail: &[Seg<'_>],
    s: &str,
    bounds: (usize, usize),
) -> Result<(), ClaimsError> {
    // A string of n bytes has between n/4 and n characters: most strings
    // are settled by their byte length without counting.
    if s.len() <= bounds.1 && s.len().div_ceil(4) >= bounds.0 {
        return Ok(());
    }
    let actual = char_len(s);
    if actual < bounds.0 || actual > bounds.1 {
        return Err(ClaimsError::InvalidLength {
            path: render_path(&[base, tail].concat()),
            min: bounds.0,
            max: bounds.1,
            actual,
        });
    }
    Ok(())
}

/// An absolute URI as far as a SET needs: an RFC 3986 scheme
/// (`ALPHA *( ALPHA / DIGIT / "+" / "-" / "." )`), a colon, at least one
/// more character, and no whitespace or control characters.
fn is_absolute_uri(s: &str) -> bool {
    let Some((scheme, rest)) = s.split_once(':') else {
        return false;
    };
    let mut chars = scheme.chars();
    let scheme_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    // Printable ASCII (`!` to `~`) has no whitespace or control character;
    // only other text needs the Unicode check. (A fold, not `all`, so the
    // byte test runs without a branch per byte.)
    let printable_ascii = s
        .bytes()
        .fold(true, |ok, b| ok & (b.wrapping_sub(b'!') <= b'~' - b'!'));
    let clean = printable_ascii || !s.chars().any(|c| c.is_whitespace() || c.is_control());
    scheme_ok && !rest.is_empty() && clean
}

/// `segs` is the path of the event holding the subject.
fn validate_subject(segs: &[Seg<'_>], s: &EventSubject) -> Result<(), ClaimsError> {
    let subject = Seg::Key("subject");
    let at = |name| [subject.clone(), Seg::Key(name)];
    check_len_at(segs, &at("subject_type"), &s.subject_type, ID_LEN)?;
    check_len_at(segs, &at(RID), &s.rid, ID_LEN)?;
    check_len_at(segs, &at(RTY), &s.rty, ID_LEN)?;
    if s.rlk.is_empty() {
        return Err(ClaimsError::Empty {
            path: render_path(&[segs, &at(RLK)].concat()),
        });
    }
    for (i, link) in s.rlk.iter().enumerate() {
        let [subject, rlk] = at(RLK);
        let tail = [subject, rlk, Seg::Index(i), Seg::Key("version")];
        check_len_at(segs, &tail, &link.version, VERSION_LEN)?;
    }
    Ok(())
}

fn parse_aud(value: Json) -> Result<Vec<String>, ClaimsError> {
    match value {
        Json::String(s) => Ok(vec![s]),
        Json::Array(items) => items
            .into_iter()
            .enumerate()
            .map(|(i, v)| take_string(&[Seg::Key("aud"), Seg::Index(i)], v))
            .collect(),
        other => Err(wrong_type(&[Seg::Key("aud")], "string", &other)),
    }
}

fn parse_events(value: Json) -> Result<Vec<(String, Event)>, ClaimsError> {
    let members = take_object(&[Seg::Key("events")], value)?;
    let mut out = Vec::with_capacity(members.len());
    for (uri, payload) in members {
        let base = [Seg::Key("events"), Seg::Key(uri.as_str())];
        if !is_absolute_uri(&uri) {
            return Err(ClaimsError::InvalidEventType {
                path: render_path(&base),
            });
        }
        let fields = take_object(&base, payload)?;
        let event = match uri.as_str() {
            RESOURCE_UPDATE => {
                let mut subject = None;
                for (name, v) in fields {
                    let segs = [base[0].clone(), base[1].clone(), Seg::Key(name.as_str())];
                    match name.as_str() {
                        "subject" => subject = Some(parse_subject(&segs, v)?),
                        _ => return Err(unknown(&segs)),
                    }
                }
                let subject = subject.ok_or_else(|| ClaimsError::Missing {
                    path: render_path(&[base[0].clone(), base[1].clone(), Seg::Key("subject")]),
                })?;
                Event::ResourceUpdate { subject }
            }
            CONSENT_AUTHORIZATION_REVOKED | LINKED_ACCOUNT_UPDATE => {
                let mut reason = None;
                let mut subject = None;
                for (name, v) in fields {
                    let segs = [base[0].clone(), base[1].clone(), Seg::Key(name.as_str())];
                    match name.as_str() {
                        "reason" => reason = Some(take_string(&segs, v)?),
                        "subject" => subject = Some(parse_subject(&segs, v)?),
                        _ => return Err(unknown(&segs)),
                    }
                }
                if uri == CONSENT_AUTHORIZATION_REVOKED {
                    Event::ConsentAuthorizationRevoked { reason, subject }
                } else {
                    Event::LinkedAccountUpdate {
                        reason: reason.as_deref().map(LinkedAccountReason::from_code),
                        subject,
                    }
                }
            }
            _ => Event::Custom(into_map(fields)),
        };
        out.push((uri, event));
    }
    Ok(out)
}

fn unknown(segs: &[Seg<'_>]) -> ClaimsError {
    ClaimsError::UnknownMember {
        path: render_path(segs),
    }
}

fn parse_subject(segs: &[Seg<'_>], value: Json) -> Result<EventSubject, ClaimsError> {
    let fields = take_object(segs, value)?;
    let at = |name: &str| {
        let mut v = segs.to_vec();
        v.push(Seg::Key(name));
        render_path(&v)
    };
    let mut subject_type = None;
    let mut rid = None;
    let mut rty = None;
    let mut rlk = None;
    for (name, v) in fields {
        let mut here = segs.to_vec();
        here.push(Seg::Key(name.as_str()));
        match name.as_str() {
            "subject_type" => subject_type = Some(take_string(&here, v)?),
            RID => rid = Some(take_string(&here, v)?),
            RTY => rty = Some(take_string(&here, v)?),
            RLK => {
                let Json::Array(items) = v else {
                    return Err(wrong_type(&here, "array", &v));
                };
                let mut links = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let mut item_segs = here.clone();
                    item_segs.push(Seg::Index(i));
                    links.push(parse_link(&item_segs, item)?);
                }
                rlk = Some(links);
            }
            _ => return Err(unknown(&here)),
        }
    }
    Ok(EventSubject {
        subject_type: subject_type.ok_or_else(|| ClaimsError::Missing {
            path: at("subject_type"),
        })?,
        rid: rid.ok_or_else(|| ClaimsError::Missing { path: at(RID) })?,
        rty: rty.ok_or_else(|| ClaimsError::Missing { path: at(RTY) })?,
        rlk: rlk.ok_or_else(|| ClaimsError::Missing { path: at(RLK) })?,
    })
}

fn parse_link(segs: &[Seg<'_>], value: Json) -> Result<ResourceLink, ClaimsError> {
    let fields = take_object(segs, value)?;
    let mut version = None;
    let mut link = None;
    for (name, v) in fields {
        let mut here = segs.to_vec();
        here.push(Seg::Key(name.as_str()));
        match name.as_str() {
            "version" => version = Some(take_string(&here, v)?),
            "link" => link = Some(take_string(&here, v)?),
            _ => return Err(unknown(&here)),
        }
    }
    let missing = |name: &str| {
        let mut v = segs.to_vec();
        v.push(Seg::Key(name));
        ClaimsError::Missing {
            path: render_path(&v),
        }
    };
    Ok(ResourceLink {
        version: version.ok_or_else(|| missing("version"))?,
        link: link.ok_or_else(|| missing("link"))?,
    })
}
