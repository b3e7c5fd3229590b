//! What comes back: the host's HTTP answer going in, and the deliveries,
//! rejections and duplicates coming out.

use crate::claims::SetClaims;
use crate::codes::{SetErrCode, Vocabulary};
use crate::set::VerifyError;
use crate::time::Timestamp;
use crate::wire::json::{self, Json};
use crate::wire::{EventPollingResponse, ResponseError, ResponseLimits, SetErr};

use super::request::RequestId;

/// The HTTP answer to a [`PollRequest`](super::PollRequest), as the host got it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse<'a> {
    /// The status code.
    pub status: u16,
    /// The body as received (empty when there was none).
    pub body: &'a [u8],
    /// The `Retry-After` header, if present (seconds or an HTTP date).
    pub retry_after: Option<&'a str>,
}

impl<'a> HttpResponse<'a> {
    /// An answer without `Retry-After`; `body` is a `&str`, `&[u8]`, `&String`
    /// or `&Vec<u8>`.
    #[must_use]
    pub fn new<B: AsRef<[u8]> + ?Sized>(status: u16, body: &'a B) -> Self {
        HttpResponse {
            status,
            body: body.as_ref(),
            retry_after: None,
        }
    }

    /// The same answer with a `Retry-After` header value.
    #[must_use]
    pub fn with_retry_after(self, value: &'a str) -> Self {
        HttpResponse {
            retry_after: Some(value),
            ..self
        }
    }
}

/// A verified SET handed to the application.
///
/// The application processes it, then calls
/// [`ack`](super::Receiver::ack) or [`reject`](super::Receiver::reject)
/// with its `jti`.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Delivery {
    /// The SET's `jti` (equal to its key in `sets`).
    pub jti: String,
    /// The issuer (`iss`), equal to the configured issuer.
    pub iss: String,
    /// The event type URIs, in the token's order.
    pub event_types: Vec<String>,
    /// The verified claims.
    pub claims: SetClaims,
    /// The compact JWS as received, for audit and non-repudiation.
    pub token: String,
    /// When it was handed over.
    pub delivered_at: Timestamp,
}

/// Why a SET was not delivered.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum RejectReason {
    /// Parsing, signature or claim checks failed.
    Verify(VerifyError),
    /// The token verified but its `jti` is not the key it came under in
    /// `sets`: a transmitter bug or a splicing attempt. Reported under the
    /// key; the token's own `jti` is not acknowledged.
    JtiMismatch {
        /// The `jti` inside the token.
        token_jti: String,
    },
    /// The token verified but its `iss` is not the configured issuer (a
    /// custom verifier that does not check `iss`).
    IssuerMismatch {
        /// The `iss` inside the token.
        iss: String,
    },
    /// The token verified but its `aud` does not contain the client id (a
    /// custom verifier that does not check `aud`).
    AudienceMismatch,
    /// The key in `sets` is empty or longer than 128 characters: no
    /// schema-valid request can acknowledge or report it, so it is dropped
    /// unverified and unreported.
    UnreportableKey,
}

impl RejectReason {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::Verify(e) => e.code(),
            RejectReason::JtiMismatch { .. } => "jti_mismatch",
            RejectReason::IssuerMismatch { .. } => "issuer_mismatch",
            RejectReason::AudienceMismatch => "audience_mismatch",
            RejectReason::UnreportableKey => "unreportable_key",
        }
    }

    /// The `setErrs` code for this reason in `vocabulary`.
    #[must_use]
    pub fn set_err(&self, vocabulary: Vocabulary) -> SetErrCode {
        let obie = vocabulary == Vocabulary::Obie;
        match self {
            RejectReason::Verify(e) => e.set_err(vocabulary),
            RejectReason::JtiMismatch { .. } if obie => SetErrCode::SetData,
            RejectReason::UnreportableKey if obie => SetErrCode::SetParse,
            RejectReason::JtiMismatch { .. } | RejectReason::UnreportableKey => {
                SetErrCode::InvalidRequest
            }
            RejectReason::IssuerMismatch { .. } if obie => SetErrCode::JwtIss,
            RejectReason::IssuerMismatch { .. } => SetErrCode::InvalidIssuer,
            RejectReason::AudienceMismatch if obie => SetErrCode::JwtAud,
            RejectReason::AudienceMismatch => SetErrCode::InvalidAudience,
        }
    }

    /// A description for `setErrs[jti].description`.
    #[must_use]
    pub fn description(&self) -> String {
        match self {
            RejectReason::Verify(e) => e.description(),
            RejectReason::JtiMismatch { token_jti } => {
                format!("the SET's jti {token_jti:?} does not match its key in sets")
            }
            RejectReason::IssuerMismatch { iss } => format!("unexpected issuer {iss:?}"),
            RejectReason::AudienceMismatch => "the SET is not addressed to this client".into(),
            RejectReason::UnreportableKey => "the key in sets is not 1 to 128 characters".into(),
        }
    }
}

/// A SET that was not delivered, and what the ASPSP will be told.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Rejection {
    /// The key it came under in `sets`.
    pub jti: String,
    /// Why.
    pub reason: RejectReason,
    /// The `setErrs` entry queued for the next request; `None` when the key
    /// cannot be reported (not 1..128 characters) or a report for it is
    /// already queued.
    pub reported: Option<SetErr>,
}

/// What a redelivered SET was a duplicate of.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum DuplicateOf {
    /// A SET already acknowledged: the ack is queued again.
    Acked,
    /// A SET already rejected: the same `setErrs` entry is queued again.
    Rejected,
    /// A SET handed to the application and not yet settled: nothing is
    /// queued; the application's own ack or reject will answer it.
    InProcessing,
    /// A SET held for a key refresh: nothing is queued; it is judged when
    /// the keys are refreshed.
    Held,
}

/// A SET that was received again within the dedup window.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Duplicate {
    /// Its `jti`.
    pub jti: String,
    /// What it duplicates.
    pub of: DuplicateOf,
}

/// The result of a successful round trip.
#[derive(Clone, Debug, PartialEq)]
#[must_use]
pub struct Batch {
    /// The request this answers.
    pub request: RequestId,
    /// New SETs for the application, in the ASPSP's order.
    pub deliveries: Vec<Delivery>,
    /// SETs that failed checks, with the `setErrs` entries queued for them.
    pub rejections: Vec<Rejection>,
    /// SETs seen before.
    pub duplicates: Vec<Duplicate>,
    /// The ASPSP's `moreAvailable` (`false` when it left it out).
    pub more_available: bool,
    /// How many acks this round trip confirmed (now cleared).
    pub acks_confirmed: usize,
    /// How many `setErrs` entries this round trip confirmed (now cleared).
    pub set_errs_confirmed: usize,
    /// The ASPSP's answer broke the schema inside `sets` (a key that is not
    /// 1..128 characters, a key twice, a value that is not a non-empty
    /// string): what was wrong first. The answer was still read SET by SET,
    /// so one bad entry never blocks the others; log it for the ASPSP.
    pub salvaged: Option<ResponseError>,
    /// SETs newly held because their `kid` is not among the receiver's keys
    /// (their `jti`s): neither delivered nor reported until the keys are
    /// refreshed.
    pub held: Vec<String>,
    /// Set while any SET is held: refresh the keys
    /// ([`refresh_keys`](super::Receiver::refresh_keys)) at or after its
    /// `refresh_at`.
    pub keys_stale: Option<super::StaleKeys>,
}

/// The `sets` of a 2xx answer, read.
#[derive(Debug, PartialEq)]
pub(crate) struct ReadSets {
    pub(crate) sets: Vec<(String, String)>,
    pub(crate) more_available: bool,
    pub(crate) salvaged: Option<ResponseError>,
}

/// Read a 2xx body with [`EventPollingResponse::parse_lenient`] (missing
/// `moreAvailable` and `sets` tolerated, extra members ignored); a 204 may
/// have no body at all.
///
/// When the parser refuses the answer over one `sets` entry, the entries are
/// read one by one instead: a bad key or value then fails that SET alone
/// (a non-string or empty value becomes an empty token, which fails
/// verification and is reported).
pub(crate) fn read_sets(status: u16, body: &[u8]) -> Result<ReadSets, ResponseError> {
    if status == 204 && body.iter().all(u8::is_ascii_whitespace) {
        return Ok(ReadSets {
            sets: Vec::new(),
            more_available: false,
            salvaged: None,
        });
    }
    match EventPollingResponse::parse_lenient(body, &ResponseLimits::default()) {
        Ok(r) => Ok(ReadSets {
            sets: r.sets,
            more_available: r.more_available,
            salvaged: None,
        }),
        Err(e) if in_one_entry(&e) => match salvage(body) {
            Some((sets, more_available)) => Ok(ReadSets {
                sets,
                more_available,
                salvaged: Some(e),
            }),
            None => Err(e),
        },
        Err(e) => Err(e),
    }
}

/// Whether the parser's complaint is about a single `sets` entry.
fn in_one_entry(e: &ResponseError) -> bool {
    match e {
        ResponseError::InvalidJti { .. }
        | ResponseError::DuplicateSet { .. }
        | ResponseError::EmptySet { .. } => true,
        ResponseError::WrongType { path, .. } => {
            path.starts_with("sets.") || path.starts_with("sets[")
        }
        _ => false,
    }
}

/// `sets` entry by entry, the first `sets` and `moreAvailable` counting (as
/// in the parser).
fn salvage(body: &[u8]) -> Option<(Vec<(String, String)>, bool)> {
    let Ok(Json::Object(members)) = json::parse(body) else {
        return None;
    };
    let mut sets = None;
    let mut more = None;
    for (name, value) in members {
        match (name.as_str(), value) {
            ("sets", Json::Object(entries)) if sets.is_none() => {
                let entries = entries
                    .into_iter()
                    .map(|(jti, v)| match v {
                        Json::String(token) => (jti, token),
                        _ => (jti, String::new()),
                    })
                    .collect::<Vec<_>>();
                sets = Some(entries);
            }
            ("moreAvailable", Json::Bool(b)) if more.is_none() => more = Some(b),
            _ => {}
        }
    }
    Some((sets?, more.unwrap_or(false)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn read(status: u16, body: &str) -> Result<ReadSets, ResponseError> {
        read_sets(status, body.as_bytes())
    }

    #[test]
    fn tolerates_sloppy_servers() {
        let r = read(201, r#"{"sets":{"a":"x.y.z"},"extra":1}"#).unwrap();
        assert_eq!(r.sets, [("a".to_owned(), "x.y.z".to_owned())]);
        assert!(!r.more_available);
        assert!(r.salvaged.is_none());
        let r = read(200, r#"{"moreAvailable":true}"#).unwrap();
        assert!(r.sets.is_empty());
        assert!(r.more_available);
        assert!(read(204, "").unwrap().sets.is_empty());
    }

    #[test]
    fn one_bad_entry_is_read_around() {
        let long = "k".repeat(129);
        for (body, code) in [
            (
                r#"{"sets":{"a":5,"b":"x.y.z"},"moreAvailable":true}"#.to_owned(),
                "wrong_type",
            ),
            (
                r#"{"sets":{"a":"","b":"x.y.z"},"moreAvailable":true}"#.to_owned(),
                "empty_set",
            ),
            (
                format!(r#"{{"sets":{{"{long}":"t","b":"x.y.z"}},"moreAvailable":true}}"#),
                "invalid_jti",
            ),
            (
                r#"{"sets":{"b":"x.y.z","b":"p.q.r"},"moreAvailable":true}"#.to_owned(),
                "duplicate_set",
            ),
        ] {
            let r = read(200, &body).unwrap();
            assert_eq!(r.salvaged.as_ref().map(ResponseError::code), Some(code));
            assert!(r.more_available);
            assert_eq!(r.sets.len(), 2, "{body}");
            assert!(
                r.sets.iter().any(|(k, t)| k == "b" && t == "x.y.z"),
                "{body}"
            );
        }
    }

    #[test]
    fn still_refuses_garbage() {
        for (status, body, code) in [
            (200, "", "empty_body"),
            (201, "<html>", "malformed_json"),
            (200, "[]", "not_an_object"),
            (200, r#"{"sets":[]}"#, "wrong_type"),
            (200, r#"{"sets":{},"moreAvailable":"yes"}"#, "wrong_type"),
        ] {
            assert_eq!(read(status, body).unwrap_err().code(), code, "{body}");
        }
    }

    #[test]
    fn reasons_map_to_both_vocabularies() {
        let r = RejectReason::JtiMismatch {
            token_jti: "b".into(),
        };
        assert_eq!(r.set_err(Vocabulary::Obie), SetErrCode::SetData);
        assert_eq!(r.set_err(Vocabulary::Rfc8935), SetErrCode::InvalidRequest);
        assert_eq!(
            RejectReason::AudienceMismatch.set_err(Vocabulary::Obie),
            SetErrCode::JwtAud
        );
        assert_eq!(
            RejectReason::AudienceMismatch.set_err(Vocabulary::Rfc8935),
            SetErrCode::InvalidAudience
        );
        let iss = RejectReason::IssuerMismatch { iss: "x".into() };
        assert_eq!(iss.set_err(Vocabulary::Obie), SetErrCode::JwtIss);
        assert_eq!(iss.set_err(Vocabulary::Rfc8935), SetErrCode::InvalidIssuer);
        assert!(r.description().contains("\"b\""));
        assert_eq!(r.code(), "jti_mismatch");
    }
}
