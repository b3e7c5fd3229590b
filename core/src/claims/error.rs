//! [`ClaimsError`]: why a SET payload was refused.

use core::fmt;

use crate::codes::{SetErrCode, Vocabulary};
use crate::json::clamp_chars;

/// Why SET claims failed to parse or validate.
///
/// `path` values name the claim (`iat`) or a path into it
/// (`events['urn:uk:org:openbanking:events:resource-update'].subject`), in
/// the form used by [`crate::wire::RequestError`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsError {
    /// The payload is not UTF-8.
    NotUtf8 {
        /// Bytes of valid UTF-8 before the first bad byte.
        offset: usize,
    },
    /// The payload is empty or not JSON.
    Malformed {
        /// 1-based line (0 for an empty payload).
        line: usize,
        /// 1-based column (0 for an empty payload).
        column: usize,
        /// The parser's description.
        detail: String,
    },
    /// The payload is JSON but not an object.
    NotAnObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// A member name occurs twice in one object (RFC 7519 §4 allows refusing it; we do).
    DuplicateMember {
        /// Path of the second occurrence.
        path: String,
    },
    /// A required claim or member is absent.
    Missing {
        /// Path it should have.
        path: String,
    },
    /// A claim or member has the wrong JSON type (e.g. `"iat": "1516239022"`).
    WrongType {
        /// Path of the value.
        path: String,
        /// The expected type.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A member the event's schema does not define.
    UnknownMember {
        /// Path of the member.
        path: String,
    },
    /// A number that must be an integer has a fraction or exponent.
    NotAnInteger {
        /// Path of the value.
        path: String,
    },
    /// An integer out of range (negative times, values beyond i64).
    OutOfRange {
        /// Path of the value.
        path: String,
    },
    /// A string outside its length bounds (Unicode scalar values).
    InvalidLength {
        /// Path of the value.
        path: String,
        /// Smallest allowed length.
        min: usize,
        /// Largest allowed length.
        max: usize,
        /// Actual length.
        actual: usize,
    },
    /// An empty string or array where content is required (`iss`, `aud`, `rlk`, `reason`).
    Empty {
        /// Path of the value.
        path: String,
    },
    /// A value that must be a URI is not (`sub`).
    NotAUri {
        /// Path of the value.
        path: String,
    },
    /// `events` has no member.
    NoEvents,
    /// An event type key is empty or not a URI.
    InvalidEventType {
        /// Path of the key.
        path: String,
    },
    /// A typed event is filed under another type's key, or a custom payload
    /// under an OBIE type key (built by hand; the parser never does this).
    EventTypeMismatch {
        /// Path of the event.
        path: String,
    },
    /// The same event type twice in `events` (built by hand).
    DuplicateEventType {
        /// Path of the second occurrence.
        path: String,
    },
    /// A consent-authorization-revoked event without `subject` in a SET
    /// that has no resource-update event.
    MissingSubject {
        /// Path the subject should have.
        path: String,
    },
    /// A subject's `rty` is not what the event type requires.
    WrongResourceType {
        /// Path of the `rty`.
        path: String,
        /// The required value.
        expected: &'static str,
    },
    /// A `reason` outside the code list and not a namespaced extension.
    InvalidReason {
        /// Path of the reason.
        path: String,
    },
}

impl ClaimsError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ClaimsError::NotUtf8 { .. } => "not_utf8",
            ClaimsError::Malformed { .. } => "malformed_json",
            ClaimsError::NotAnObject { .. } => "not_an_object",
            ClaimsError::DuplicateMember { .. } => "duplicate_member",
            ClaimsError::Missing { .. } => "missing_claim",
            ClaimsError::WrongType { .. } => "wrong_type",
            ClaimsError::UnknownMember { .. } => "unknown_member",
            ClaimsError::NotAnInteger { .. } => "not_an_integer",
            ClaimsError::OutOfRange { .. } => "out_of_range",
            ClaimsError::InvalidLength { .. } => "invalid_length",
            ClaimsError::Empty { .. } => "empty",
            ClaimsError::NotAUri { .. } => "not_a_uri",
            ClaimsError::NoEvents => "no_events",
            ClaimsError::InvalidEventType { .. } => "invalid_event_type",
            ClaimsError::EventTypeMismatch { .. } => "event_type_mismatch",
            ClaimsError::DuplicateEventType { .. } => "duplicate_event_type",
            ClaimsError::MissingSubject { .. } => "missing_subject",
            ClaimsError::WrongResourceType { .. } => "wrong_resource_type",
            ClaimsError::InvalidReason { .. } => "invalid_reason",
        }
    }

    /// The claim or path at fault; `None` when the payload as a whole is bad.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            ClaimsError::NotUtf8 { .. }
            | ClaimsError::Malformed { .. }
            | ClaimsError::NotAnObject { .. } => None,
            ClaimsError::NoEvents => Some("events"),
            ClaimsError::DuplicateMember { path }
            | ClaimsError::Missing { path }
            | ClaimsError::WrongType { path, .. }
            | ClaimsError::UnknownMember { path }
            | ClaimsError::NotAnInteger { path }
            | ClaimsError::OutOfRange { path }
            | ClaimsError::InvalidLength { path, .. }
            | ClaimsError::Empty { path }
            | ClaimsError::NotAUri { path }
            | ClaimsError::InvalidEventType { path }
            | ClaimsError::EventTypeMismatch { path }
            | ClaimsError::DuplicateEventType { path }
            | ClaimsError::MissingSubject { path }
            | ClaimsError::WrongResourceType { path, .. }
            | ClaimsError::InvalidReason { path } => Some(path),
        }
    }

    /// The `setErrs` code a recipient should report.
    ///
    /// OBIE vocabulary: `setParse` when the structure is wrong (not JSON,
    /// not an object, duplicate or unknown members, missing claims, wrong
    /// JSON types), `setType` when the event types are (none, malformed,
    /// misfiled), `setData` when a value is (range, length, URI, subject
    /// rules, reason). RFC 8935 vocabulary: `invalid_request` for all.
    #[must_use]
    pub fn set_err(&self, v: Vocabulary) -> SetErrCode {
        if v == Vocabulary::Rfc8935 {
            return SetErrCode::InvalidRequest;
        }
        match self {
            ClaimsError::NotUtf8 { .. }
            | ClaimsError::Malformed { .. }
            | ClaimsError::NotAnObject { .. }
            | ClaimsError::DuplicateMember { .. }
            | ClaimsError::Missing { .. }
            | ClaimsError::WrongType { .. }
            | ClaimsError::UnknownMember { .. } => SetErrCode::SetParse,
            ClaimsError::NoEvents
            | ClaimsError::InvalidEventType { .. }
            | ClaimsError::EventTypeMismatch { .. }
            | ClaimsError::DuplicateEventType { .. } => SetErrCode::SetType,
            ClaimsError::NotAnInteger { .. }
            | ClaimsError::OutOfRange { .. }
            | ClaimsError::InvalidLength { .. }
            | ClaimsError::Empty { .. }
            | ClaimsError::NotAUri { .. }
            | ClaimsError::MissingSubject { .. }
            | ClaimsError::WrongResourceType { .. }
            | ClaimsError::InvalidReason { .. } => SetErrCode::SetData,
        }
    }

    /// A description fit for `setErrs[jti].description` (1..256 characters).
    #[must_use]
    pub fn description(&self) -> String {
        clamp_chars(&self.to_string(), 256)
    }
}

impl fmt::Display for ClaimsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ClaimsError::NotUtf8 { offset } => {
                write!(
                    f,
                    "SET payload is not UTF-8 (invalid byte at offset {offset})"
                )
            }
            ClaimsError::Malformed {
                line,
                column,
                detail,
            } => write!(
                f,
                "SET payload is not valid JSON at line {line} column {column}: {detail}"
            ),
            ClaimsError::NotAnObject { found } => {
                write!(f, "SET payload must be a JSON object, found {found}")
            }
            ClaimsError::DuplicateMember { path } => write!(f, "{path} occurs more than once"),
            ClaimsError::Missing { path } => write!(f, "{path} is required"),
            ClaimsError::WrongType {
                path,
                expected,
                found,
            } => write!(f, "{path} must be a JSON {expected}, found {found}"),
            ClaimsError::UnknownMember { path } => write!(f, "{path} is not allowed"),
            ClaimsError::NotAnInteger { path } => write!(
                f,
                "{path} must be a whole number of seconds written as a JSON integer"
            ),
            ClaimsError::OutOfRange { path } => {
                write!(f, "{path} must be between 0 and 9223372036854775807")
            }
            ClaimsError::InvalidLength {
                path,
                min,
                max,
                actual,
            } => write!(
                f,
                "{path} must be {min} to {max} characters long, found {actual}"
            ),
            ClaimsError::Empty { path } => write!(f, "{path} must not be empty"),
            ClaimsError::NotAUri { path } => write!(f, "{path} must be an absolute URI"),
            ClaimsError::NoEvents => f.write_str("events must hold at least one event"),
            ClaimsError::InvalidEventType { path } => {
                write!(f, "event type {path} must be a non-empty absolute URI")
            }
            ClaimsError::EventTypeMismatch { path } => {
                write!(f, "{path} holds a payload of another event type")
            }
            ClaimsError::DuplicateEventType { path } => {
                write!(f, "event type {path} occurs more than once")
            }
            ClaimsError::MissingSubject { path } => write!(
                f,
                "{path} is required when the SET has no resource-update event"
            ),
            ClaimsError::WrongResourceType { path, expected } => {
                write!(f, "{path} must be \"{expected}\"")
            }
            ClaimsError::InvalidReason { path } => write!(
                f,
                "{path} must be a known code or a namespaced extension (CC.Name.Value)"
            ),
        }
    }
}

impl std::error::Error for ClaimsError {}
