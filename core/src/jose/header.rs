//! The JWS protected header: strict parsing for verification, and the two
//! header profiles setpoll signs with.

use core::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::alg::Algorithm;
use super::jws::JwsError;
use crate::json::{self, decline, once, Checked, Name, ObjectError};
use crate::time::Timestamp;

/// OBIE private header: when the signature was made (integer seconds).
pub const OBIE_IAT: &str = "http://openbanking.org.uk/iat";
/// OBIE private header: the signer's organisation id.
pub const OBIE_ISS: &str = "http://openbanking.org.uk/iss";
/// OBIE private header: the trust anchor (e.g. `openbanking.org.uk`).
pub const OBIE_TAN: &str = "http://openbanking.org.uk/tan";

/// Largest decoded protected header accepted, bytes. Real headers are a few
/// hundred bytes; the limit bounds the JSON work done before the signature
/// is checked.
pub const MAX_HEADER_BYTES: usize = 4096;

/// Which `typ` header values a recipient accepts: the `typ` rule of SET
/// verification, as policy (RFC 7515 §4.1.9, RFC 8417 §2.3, RFC 8725
/// §3.11).
///
/// The rule, in order:
/// 1. The value is a media type: an `application/` prefix is removed when
///    present (RFC 7515 §4.1.9 says a `typ` without `/` means
///    `application/` + `typ`) and the rest is compared ignoring ASCII case.
/// 2. `JOSE` (the OBIE message-signing profile) and `secevent+jwt` (RFC
///    8417 §2.3, as OpenID SSF and RFC 8935/8936 transmitters send) are
///    always accepted.
/// 3. `JWT` (RFC 7519 §5.1) is accepted only when [`TypPolicy::accept_jwt`]
///    is set (default: refused), for transmitters that type their SETs as
///    plain JWTs. RFC 8417 §2.3 types SETs explicitly so that another kind
///    of JWT cannot be replayed as one; with `accept_jwt` that protection
///    rests on the other checks alone (a SET must carry `events`, `jti`,
///    the expected `iss` and `aud`, and be signed by the transmitter's key).
/// 4. Any other value (`at+jwt`, `JOSE+JSON`, ...) is refused.
/// 5. A header without `typ` is accepted (OBIE makes `typ` optional)
///    unless [`TypPolicy::require_typ`] is set.
///
/// A refusal is a [`HeaderProblem::UnsupportedTyp`] or
/// [`HeaderProblem::MissingTyp`]: code `bad_header`, reported as `jwtHdr`
/// (OBIE) or `invalid_request` (RFC 8935).
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct TypPolicy {
    /// Also accept `typ: JWT` (or `application/jwt`). Default `false`.
    pub accept_jwt: bool,
    /// Refuse a header without `typ`. Default `false`.
    pub require_typ: bool,
}

impl TypPolicy {
    /// The `typ` values always accepted, without the `application/` prefix.
    pub const ALWAYS_ACCEPTED: [&'static str; 2] = ["JOSE", "secevent+jwt"];

    /// This policy with `accept_jwt` set to `accept`.
    #[must_use]
    pub const fn with_accept_jwt(mut self, accept: bool) -> Self {
        self.accept_jwt = accept;
        self
    }

    /// This policy with `require_typ` set to `require`.
    #[must_use]
    pub const fn with_require_typ(mut self, require: bool) -> Self {
        self.require_typ = require;
        self
    }

    /// Whether a header with this `typ` (`None`: no `typ`) passes.
    #[must_use]
    pub fn accepts(&self, typ: Option<&str>) -> bool {
        self.check(typ).is_ok()
    }

    fn check(&self, typ: Option<&str>) -> Result<(), HeaderProblem> {
        let Some(t) = typ else {
            return if self.require_typ {
                Err(HeaderProblem::MissingTyp)
            } else {
                Ok(())
            };
        };
        let subtype = strip_prefix_ignore_case(t, "application/").unwrap_or(t);
        let known = Self::ALWAYS_ACCEPTED
            .iter()
            .any(|a| a.eq_ignore_ascii_case(subtype))
            || (self.accept_jwt && subtype.eq_ignore_ascii_case("JWT"));
        if known {
            Ok(())
        } else {
            Err(HeaderProblem::UnsupportedTyp(printable(t, NAME_MAX)))
        }
    }
}

fn strip_prefix_ignore_case<'a>(s: &'a str, prefix: &str) -> Option<&'a str> {
    let head = s.get(..prefix.len())?;
    if head.eq_ignore_ascii_case(prefix) {
        s.get(prefix.len()..)
    } else {
        None
    }
}

/// Header names `crit` may list: the three OBIE private headers, and `b64`
/// (RFC 7797; only its default value `true` is supported).
const UNDERSTOOD_CRIT: [&str; 4] = [OBIE_IAT, OBIE_ISS, OBIE_TAN, "b64"];

/// Names defined by RFC 7515/7518 that `crit` must not list (RFC 7515 §4.1.11).
const REGISTERED: [&str; 11] = [
    "alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit",
];

/// A parsed, checked JWS protected header.
///
/// `jku`, `jwk`, `x5u`, `x5c` and other members setpoll does not use are kept
/// in [`JwsHeader::other`] and never used to find a key: keys come only from
/// the recipient's [`super::Keyring`].
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct JwsHeader {
    /// `alg` (RFC 7515 §4.1.1).
    pub alg: Algorithm,
    /// `kid` (RFC 7515 §4.1.4).
    pub kid: Option<String>,
    /// `typ` (RFC 7515 §4.1.9), as sent.
    pub typ: Option<String>,
    /// `cty` (RFC 7515 §4.1.10).
    pub cty: Option<String>,
    /// `crit` (RFC 7515 §4.1.11); empty when absent.
    pub crit: Vec<String>,
    /// `http://openbanking.org.uk/iat`.
    pub obie_iat: Option<u64>,
    /// `http://openbanking.org.uk/iss`.
    pub obie_iss: Option<String>,
    /// `http://openbanking.org.uk/tan`.
    pub obie_tan: Option<String>,
    /// Every other member, in document order.
    pub other: Vec<(String, Value)>,
}

/// What is wrong with a protected header (detail of [`JwsError::BadHeader`]).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProblem {
    /// Larger than [`MAX_HEADER_BYTES`].
    TooLarge,
    /// Not valid JSON (or not UTF-8).
    NotJson,
    /// JSON, but not an object.
    NotObject,
    /// A member name appears twice.
    DuplicateMember(String),
    /// No `alg`.
    MissingAlg,
    /// A member has the wrong JSON type or an empty value.
    WrongType(String),
    /// `crit` is an empty array.
    EmptyCrit,
    /// `crit` lists a name twice.
    DuplicateCrit(String),
    /// `crit` lists a name RFC 7515/7518 define (which it must not).
    CritNamesRegistered(String),
    /// `crit` lists a header that is not present.
    CritNamesAbsent(String),
    /// `typ` is not one the [`TypPolicy`] accepts.
    UnsupportedTyp(String),
    /// No `typ`, and the [`TypPolicy`] requires one.
    MissingTyp,
}

impl fmt::Display for HeaderProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HeaderProblem::TooLarge => {
                write!(f, "protected header larger than {MAX_HEADER_BYTES} bytes")
            }
            HeaderProblem::NotJson => f.write_str("protected header is not valid JSON"),
            HeaderProblem::NotObject => f.write_str("protected header is not a JSON object"),
            HeaderProblem::DuplicateMember(n) => {
                write!(f, "protected header repeats member \"{n}\"")
            }
            HeaderProblem::MissingAlg => f.write_str("protected header has no \"alg\""),
            HeaderProblem::WrongType(n) => {
                write!(f, "protected header member \"{n}\" has the wrong type")
            }
            HeaderProblem::EmptyCrit => f.write_str("\"crit\" is empty"),
            HeaderProblem::DuplicateCrit(n) => write!(f, "\"crit\" lists \"{n}\" twice"),
            HeaderProblem::CritNamesRegistered(n) => {
                write!(f, "\"crit\" lists \"{n}\", a name defined by RFC 7515/7518")
            }
            HeaderProblem::CritNamesAbsent(n) => {
                write!(f, "\"crit\" lists \"{n}\" but the header lacks it")
            }
            HeaderProblem::UnsupportedTyp(t) => {
                write!(f, "\"typ\" \"{t}\" is not accepted for a SET")
            }
            HeaderProblem::MissingTyp => {
                f.write_str("protected header has no \"typ\" and the recipient requires one")
            }
        }
    }
}

/// `s` cut to `max` characters with control characters replaced, fit for
/// echoing attacker-supplied text in a description.
pub(crate) fn printable(s: &str, max: usize) -> String {
    let mut out: String = s
        .chars()
        .take(max)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    if s.chars().nth(max).is_some() {
        out.push('…');
    }
    out
}

const NAME_MAX: usize = 64;

fn bad(p: HeaderProblem) -> JwsError {
    JwsError::BadHeader(p)
}

fn wrong_type(name: &str) -> JwsError {
    bad(HeaderProblem::WrongType(printable(name, NAME_MAX)))
}

fn non_empty_string(name: &str, v: Value) -> Result<String, JwsError> {
    match v {
        Value::String(s) if !s.is_empty() => Ok(s),
        _ => Err(wrong_type(name)),
    }
}

/// The members of a protected header, read with their types checked but
/// not yet their values.
#[derive(Debug, Default, PartialEq)]
struct Members {
    alg: Option<String>,
    kid: Option<String>,
    typ: Option<String>,
    cty: Option<String>,
    crit: Option<Vec<String>>,
    b64: Option<bool>,
    obie_iat: Option<u64>,
    obie_iss: Option<String>,
    obie_tan: Option<String>,
    other: Vec<(String, Value)>,
}

/// Read the members: in one typed pass when the header is well formed,
/// otherwise through the careful reader, which names the first problem
/// (not JSON, not an object, a duplicate, then a wrong type in document
/// order). Both give the same members for a well-formed header.
fn read_members(bytes: &[u8]) -> Result<Members, JwsError> {
    let typed = core::str::from_utf8(bytes)
        .ok()
        .and_then(|text| crate::json::read_with(text, MembersVisitor));
    match typed {
        Some(members) => Ok(members),
        None => read_members_carefully(bytes),
    }
}

fn read_members_carefully(bytes: &[u8]) -> Result<Members, JwsError> {
    let members = json::parse_object(bytes).map_err(|e| match e {
        ObjectError::NotJson => bad(HeaderProblem::NotJson),
        ObjectError::NotObject => bad(HeaderProblem::NotObject),
        ObjectError::Duplicate(n) => bad(HeaderProblem::DuplicateMember(printable(&n, NAME_MAX))),
    })?;
    let mut m = Members::default();
    for (name, value) in members {
        match name.as_str() {
            "alg" => match value {
                Value::String(s) => m.alg = Some(s),
                _ => return Err(wrong_type("alg")),
            },
            "kid" => m.kid = Some(non_empty_string("kid", value)?),
            "typ" => m.typ = Some(non_empty_string("typ", value)?),
            "cty" => m.cty = Some(non_empty_string("cty", value)?),
            "crit" => match value {
                Value::Array(items) => {
                    let mut names = Vec::with_capacity(items.len());
                    for item in items {
                        names.push(non_empty_string("crit", item)?);
                    }
                    m.crit = Some(names);
                }
                _ => return Err(wrong_type("crit")),
            },
            "b64" => match value {
                Value::Bool(b) => m.b64 = Some(b),
                _ => return Err(wrong_type("b64")),
            },
            OBIE_IAT => match value.as_u64() {
                Some(n) => m.obie_iat = Some(n),
                None => return Err(wrong_type(OBIE_IAT)),
            },
            OBIE_ISS => m.obie_iss = Some(non_empty_string(OBIE_ISS, value)?),
            OBIE_TAN => m.obie_tan = Some(non_empty_string(OBIE_TAN, value)?),
            _ => m.other.push((name, value)),
        }
    }
    Ok(m)
}

/// The typed pass of [`read_members`]: declines (with any error) on a
/// duplicate name, a wrong type or an empty string where one is refused.
struct MembersVisitor;

/// A string that must not be empty.
struct NonEmpty(String);

impl<'de> Deserialize<'de> for NonEmpty {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        if s.is_empty() {
            return Err(decline());
        }
        Ok(NonEmpty(s))
    }
}

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JWS protected header")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members, A::Error> {
        let mut m = Members::default();
        while let Some(Name(name)) = map.next_key()? {
            match &*name {
                "alg" => once(&mut m.alg, map.next_value::<String>()?)?,
                "kid" => once(&mut m.kid, map.next_value::<NonEmpty>()?.0)?,
                "typ" => once(&mut m.typ, map.next_value::<NonEmpty>()?.0)?,
                "cty" => once(&mut m.cty, map.next_value::<NonEmpty>()?.0)?,
                "crit" => {
                    let names = map.next_value::<Vec<NonEmpty>>()?;
                    once(&mut m.crit, names.into_iter().map(|n| n.0).collect())?;
                }
                "b64" => once(&mut m.b64, map.next_value::<bool>()?)?,
                OBIE_IAT => once(&mut m.obie_iat, map.next_value::<u64>()?)?,
                OBIE_ISS => once(&mut m.obie_iss, map.next_value::<NonEmpty>()?.0)?,
                OBIE_TAN => once(&mut m.obie_tan, map.next_value::<NonEmpty>()?.0)?,
                other => {
                    if m.other.iter().any(|(n, _)| n == other) {
                        return Err(decline());
                    }
                    let Checked(value) = map.next_value()?;
                    m.other.push((name.into_owned(), value));
                }
            }
        }
        Ok(m)
    }
}

/// Parse and check a decoded protected header against the allow-list and
/// the `typ` policy.
///
/// Order: JSON object without duplicates; member types; `alg` allowed; `b64`;
/// `crit`; `typ`.
pub(crate) fn parse_protected(
    bytes: &[u8],
    allowed: &[Algorithm],
    typ_policy: TypPolicy,
) -> Result<JwsHeader, JwsError> {
    if bytes.len() > MAX_HEADER_BYTES {
        return Err(bad(HeaderProblem::TooLarge));
    }
    let Members {
        alg,
        kid,
        typ,
        cty,
        crit,
        b64,
        obie_iat,
        obie_iss,
        obie_tan,
        other,
    } = read_members(bytes)?;

    let alg_name = alg.ok_or(bad(HeaderProblem::MissingAlg))?;
    let alg = Algorithm::from_name(&alg_name).map_err(JwsError::AlgNotAllowed)?;
    if !allowed.contains(&alg) {
        return Err(JwsError::AlgNotAllowedByPolicy(alg));
    }

    // RFC 7797: only the default (`b64` absent or `true`) is supported.
    if b64 == Some(false) {
        return Err(JwsError::B64Unsupported);
    }

    let crit = match crit {
        None => Vec::new(),
        Some(names) => {
            if names.is_empty() {
                return Err(bad(HeaderProblem::EmptyCrit));
            }
            for (i, n) in names.iter().enumerate() {
                if names.iter().take(i).any(|m| m == n) {
                    return Err(bad(HeaderProblem::DuplicateCrit(printable(n, NAME_MAX))));
                }
                if REGISTERED.contains(&n.as_str()) {
                    return Err(bad(HeaderProblem::CritNamesRegistered(printable(
                        n, NAME_MAX,
                    ))));
                }
                if !UNDERSTOOD_CRIT.contains(&n.as_str()) {
                    return Err(JwsError::CritUnsupported(printable(n, NAME_MAX)));
                }
                // Only the understood names get here; each is present when
                // its member was read.
                let present = match n.as_str() {
                    OBIE_IAT => obie_iat.is_some(),
                    OBIE_ISS => obie_iss.is_some(),
                    OBIE_TAN => obie_tan.is_some(),
                    "b64" => b64.is_some(),
                    _ => false,
                };
                if !present {
                    return Err(bad(HeaderProblem::CritNamesAbsent(printable(n, NAME_MAX))));
                }
            }
            names
        }
    };

    typ_policy.check(typ.as_deref()).map_err(bad)?;

    Ok(JwsHeader {
        alg,
        kid,
        typ,
        cty,
        crit,
        obie_iat,
        obie_iss,
        obie_tan,
        other,
    })
}

/// Why a [`HeaderProfile`] could not be built.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileError {
    /// The OBIE organisation id is empty or contains control characters.
    InvalidOrgId,
    /// The OBIE trust anchor is empty or contains control characters.
    InvalidTrustAnchor,
}

impl ProfileError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::InvalidOrgId => "invalid_org_id",
            ProfileError::InvalidTrustAnchor => "invalid_trust_anchor",
        }
    }
}

impl fmt::Display for ProfileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProfileError::InvalidOrgId => {
                f.write_str("OBIE organisation id must be non-empty printable text")
            }
            ProfileError::InvalidTrustAnchor => {
                f.write_str("OBIE trust anchor must be non-empty printable text")
            }
        }
    }
}

impl std::error::Error for ProfileError {}

/// The OBIE message-signing header: `alg`, `kid`, `typ` (`JOSE` by default),
/// `crit` listing exactly the three OBIE private headers, and those headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObieProfile {
    org_id: String,
    trust_anchor: String,
    typ: bool,
}

fn printable_non_empty(s: &str) -> bool {
    !s.is_empty() && !s.chars().any(char::is_control)
}

impl ObieProfile {
    /// A profile for signer organisation `org_id` under `trust_anchor` (e.g.
    /// `openbanking.org.uk`). `typ: "JOSE"` is included by default: OBIE
    /// makes `typ` optional but, when present, requires `JOSE`, so including
    /// it satisfies both readings and makes the token's type explicit.
    ///
    /// # Errors
    /// When either value is empty or contains control characters.
    pub fn new(
        org_id: impl Into<String>,
        trust_anchor: impl Into<String>,
    ) -> Result<Self, ProfileError> {
        let org_id = org_id.into();
        let trust_anchor = trust_anchor.into();
        if !printable_non_empty(&org_id) {
            return Err(ProfileError::InvalidOrgId);
        }
        if !printable_non_empty(&trust_anchor) {
            return Err(ProfileError::InvalidTrustAnchor);
        }
        Ok(ObieProfile {
            org_id,
            trust_anchor,
            typ: true,
        })
    }

    /// Leave `typ` out of the header.
    #[must_use]
    pub fn without_typ(mut self) -> Self {
        self.typ = false;
        self
    }

    /// The signer organisation id (`http://openbanking.org.uk/iss`).
    #[must_use]
    pub fn org_id(&self) -> &str {
        &self.org_id
    }

    /// The trust anchor (`http://openbanking.org.uk/tan`).
    #[must_use]
    pub fn trust_anchor(&self) -> &str {
        &self.trust_anchor
    }
}

/// Which protected header a SET is signed with.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderProfile {
    /// OBIE message signing (see [`ObieProfile`]).
    Obie(ObieProfile),
    /// RFC 8417 §2.3: `alg`, `kid`, `typ: secevent+jwt`.
    Rfc8417,
}

impl HeaderProfile {
    /// The OBIE profile; see [`ObieProfile::new`].
    ///
    /// # Errors
    /// As [`ObieProfile::new`].
    pub fn obie(
        org_id: impl Into<String>,
        trust_anchor: impl Into<String>,
    ) -> Result<Self, ProfileError> {
        ObieProfile::new(org_id, trust_anchor).map(HeaderProfile::Obie)
    }

    /// The RFC 8417 profile.
    #[must_use]
    pub fn rfc8417() -> Self {
        HeaderProfile::Rfc8417
    }

    /// The protected header JSON, members in a fixed order (so signing with a
    /// deterministic algorithm gives byte-identical tokens).
    pub(crate) fn header_json(&self, alg: Algorithm, kid: &str, now: Timestamp) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("{\"alg\":");
        json::push_str_lit(&mut out, alg.name());
        out.push_str(",\"kid\":");
        json::push_str_lit(&mut out, kid);
        match self {
            HeaderProfile::Rfc8417 => out.push_str(",\"typ\":\"secevent+jwt\"}"),
            HeaderProfile::Obie(p) => {
                if p.typ {
                    out.push_str(",\"typ\":\"JOSE\"");
                }
                out.push_str(",\"crit\":[");
                json::push_str_lit(&mut out, OBIE_IAT);
                out.push(',');
                json::push_str_lit(&mut out, OBIE_ISS);
                out.push(',');
                json::push_str_lit(&mut out, OBIE_TAN);
                out.push_str("],");
                json::push_str_lit(&mut out, OBIE_IAT);
                out.push(':');
                out.push_str(&now.as_secs().to_string());
                out.push(',');
                json::push_str_lit(&mut out, OBIE_ISS);
                out.push(':');
                json::push_str_lit(&mut out, &p.org_id);
                out.push(',');
                json::push_str_lit(&mut out, OBIE_TAN);
                out.push(':');
                json::push_str_lit(&mut out, &p.trust_anchor);
                out.push('}');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    /// The typed pass reads exactly what the careful reader reads, and
    /// declines (leaving the careful reader to name the problem) otherwise.
    #[test]
    fn typed_and_careful_readers_agree() {
        let read_typed = |text: &str| {
            let mut de = serde_json::Deserializer::from_slice(text.as_bytes());
            serde::Deserializer::deserialize_map(&mut de, MembersVisitor)
                .and_then(|m| de.end().map(|()| m))
                .ok()
        };
        for text in [
            r#"{"alg":"ES256","kid":"k1","typ":"JOSE","crit":["http://openbanking.org.uk/iat","http://openbanking.org.uk/iss","http://openbanking.org.uk/tan"],"http://openbanking.org.uk/iat":1516239022,"http://openbanking.org.uk/iss":"0015800001041REAAY","http://openbanking.org.uk/tan":"openbanking.org.uk"}"#,
            r#"{"alg":"PS256","cty":"x","b64":true,"jwk":{"kty":"EC","a":[1,{"b":null}]},"x5c":["a"],"\u0061pp":1.5}"#,
            r#"{"alg":""}"#,
            r#" { "alg" : "none" , "crit" : [ ] } "#,
        ] {
            let typed = read_typed(text).unwrap();
            assert_eq!(
                typed,
                read_members_carefully(text.as_bytes()).unwrap(),
                "{text}"
            );
        }
        for text in [
            "",
            "[]",
            "{",
            r#"{"alg":"ES256"} x"#,
            r#"{"alg":"ES256","alg":"ES256"}"#,
            r#"{"alg":"ES256","x":1,"\u0078":2}"#,
            r#"{"alg":1}"#,
            r#"{"alg":"ES256","kid":""}"#,
            r#"{"alg":"ES256","crit":["a",""]}"#,
            r#"{"alg":"ES256","crit":"a"}"#,
            r#"{"alg":"ES256","b64":"false"}"#,
            r#"{"alg":"ES256","http://openbanking.org.uk/iat":-1}"#,
            r#"{"alg":"ES256","http://openbanking.org.uk/iat":1.0}"#,
            r#"{"alg":"ES256","http://openbanking.org.uk/tan":null}"#,
        ] {
            assert_eq!(read_typed(text), None, "{text}");
            assert!(read_members_carefully(text.as_bytes()).is_err(), "{text}");
        }
    }
}
