//! What comes back: the host's HTTP answer going in, and the deliveries,
//! rejections and duplicates coming out.

use crate::claims::SetClaims;
use crate::codes::{SetErrCode, Vocabulary};
use crate::set::VerifyError;
use crate::time::Timestamp;
use crate::wire::SetErr;

use super::request::RequestId;

/// The HTTP answer to a [`PollRequest`](super::PollRequest), as the host got it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct HttpResponse<'a> {
    /// The status code.
    pub status: u16,
    /// The body, as text (empty when there was none).
    pub body: &'a str,
    /// The `Retry-After` header, if present (seconds or an HTTP date).
    pub retry_after: Option<&'a str>,
}

impl<'a> HttpResponse<'a> {
    /// An answer without `Retry-After`.
    #[must_use]
    pub fn new(status: u16, body: &'a str) -> Self {
        HttpResponse {
            status,
            body,
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
}

/// An `OBErrorResponse1` body, read leniently from a non-2xx answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ServerError {
    /// `Code` (deprecated high-level code).
    pub code: Option<String>,
    /// `Id` (for the ASPSP's audit trail).
    pub id: Option<String>,
    /// `Message`.
    pub message: Option<String>,
    /// `Errors[].ErrorCode`, e.g. `UK.OBIE.Field.Invalid`.
    pub error_codes: Vec<String>,
    /// `Errors[].Message`.
    pub error_messages: Vec<String>,
}

impl ServerError {
    /// Read an `OBErrorResponse1`; `None` unless the body is a JSON object
    /// with at least one of its members.
    #[must_use]
    pub fn parse(body: &str) -> Option<Self> {
        let v: serde_json::Value = serde_json::from_str(body).ok()?;
        let obj = v.as_object()?;
        let text = |k: &str| obj.get(k).and_then(|v| v.as_str()).map(str::to_owned);
        let mut out = ServerError {
            code: text("Code"),
            id: text("Id"),
            message: text("Message"),
            ..ServerError::default()
        };
        if let Some(errors) = obj.get("Errors").and_then(|v| v.as_array()) {
            for e in errors {
                if let Some(c) = e.get("ErrorCode").and_then(|v| v.as_str()) {
                    out.error_codes.push(c.to_owned());
                }
                if let Some(m) = e.get("Message").and_then(|v| v.as_str()) {
                    out.error_messages.push(m.to_owned());
                }
            }
        }
        if out == ServerError::default() {
            return None;
        }
        Some(out)
    }
}

/// A 2xx body read leniently.
#[derive(Debug, PartialEq)]
pub(crate) struct Parsed {
    pub(crate) sets: Vec<(String, String)>,
    pub(crate) more_available: bool,
}

/// Read `OBEventPollingResponse1` the way real ASPSPs send it: extra members
/// ignored, `moreAvailable` missing means `false`, `sets` missing means none,
/// and an empty body is an empty answer only for 204. A `sets` value that is
/// not a string is kept as its JSON text, which then fails verification and
/// is reported.
pub(crate) fn parse_lenient(status: u16, body: &str) -> Result<Parsed, String> {
    if body.trim().is_empty() {
        return if status == 204 {
            Ok(Parsed {
                sets: Vec::new(),
                more_available: false,
            })
        } else {
            Err("empty body".into())
        };
    }
    let v: serde_json::Value =
        serde_json::from_str(body).map_err(|e| format!("body is not JSON: {e}"))?;
    let obj = v.as_object().ok_or("body is not a JSON object")?;
    let more_available = obj
        .get("moreAvailable")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let sets = match obj.get("sets") {
        None | Some(serde_json::Value::Null) => Vec::new(),
        Some(serde_json::Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                let token = match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), token)
            })
            .collect(),
        Some(_) => return Err("sets is not a JSON object".into()),
    };
    Ok(Parsed {
        sets,
        more_available,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn lenient_parse_tolerates_sloppy_servers() {
        let p = parse_lenient(201, r#"{"sets":{"a":"x.y.z"},"extra":1}"#).unwrap();
        assert_eq!(p.sets, [("a".to_owned(), "x.y.z".to_owned())]);
        assert!(!p.more_available);
        let p = parse_lenient(200, r#"{"moreAvailable":true}"#).unwrap();
        assert!(p.sets.is_empty());
        assert!(p.more_available);
        let p = parse_lenient(200, r#"{"sets":{"a":5}}"#).unwrap();
        assert_eq!(p.sets, [("a".to_owned(), "5".to_owned())]);
        assert!(parse_lenient(204, "").unwrap().sets.is_empty());
    }

    #[test]
    fn lenient_parse_still_refuses_garbage() {
        for (status, body) in [
            (200, ""),
            (200, "<html>"),
            (200, "[]"),
            (200, r#"{"sets":[]}"#),
        ] {
            assert!(parse_lenient(status, body).is_err(), "{body}");
        }
    }

    #[test]
    fn server_errors_are_read_when_present() {
        let e = ServerError::parse(
            r#"{"Code":"400 BadRequest","Id":"e1","Message":"bad",
                "Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid","Message":"maxEvents"}]}"#,
        )
        .unwrap();
        assert_eq!(e.code.as_deref(), Some("400 BadRequest"));
        assert_eq!(e.error_codes, ["UK.OBIE.Field.Invalid"]);
        assert_eq!(e.error_messages, ["maxEvents"]);
        assert_eq!(ServerError::parse("Service Unavailable"), None);
        assert_eq!(ServerError::parse("{}"), None);
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
