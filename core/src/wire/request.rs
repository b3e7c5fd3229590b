//! `OBEventPolling1`: checked parsing and canonical serialisation.

use core::fmt;

use super::error::{ErrorDetail, ErrorResponse};
use super::{EventPolling, SetErr};
use crate::codes::{ObieErrorCode, SetErrCode};
use crate::json::{self, char_len, check_int, push_str_lit, render_path, IntCheck, Json, Seg};

/// Largest `maxEvents` accepted: `i32::MAX`.
///
/// The schema says only `type: integer`; OpenAPI code generators map that to
/// a 32-bit integer, so a larger value would be refused by many ASPSPs anyway.
pub const MAX_EVENTS_LIMIT: u32 = 2_147_483_647;

/// Length bounds from the schema, in Unicode scalar values.
const JTI_LEN: (usize, usize) = (1, 128);
const ERR_LEN: (usize, usize) = (1, 40);
const DESCRIPTION_LEN: (usize, usize) = (1, 256);

/// Resource limits applied by [`EventPolling::parse`] before and while parsing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestLimits {
    /// Largest body accepted, in bytes. Default 1 MiB: enough for
    /// `max_ack` acks and `max_set_errs` setErrs all at their longest
    /// (1000 × 131 + 1000 × ~450 bytes of ASCII), small enough to parse fast.
    pub max_body_bytes: usize,
    /// Most `ack` entries accepted (counted before de-duplication). Default 1000.
    pub max_ack: usize,
    /// Most `setErrs` members accepted. Default 1000.
    pub max_set_errs: usize,
}

impl Default for RequestLimits {
    fn default() -> Self {
        RequestLimits {
            max_body_bytes: 1024 * 1024,
            max_ack: 1000,
            max_set_errs: 1000,
        }
    }
}

/// How strictly [`EventPolling::parse`] reads a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RequestOptions {
    /// Resource limits.
    pub limits: RequestLimits,
    /// Refuse members the schema does not define. Default `true`.
    ///
    /// Applies at the top level (v3.1.11 and v4.0 say
    /// `additionalProperties: false`; v3.1.2 leaves it open) and inside each
    /// `setErrs` entry (no version closes it, but RFC 8936 defines only `err`
    /// and `description`, and a stray member there is almost always a typo).
    /// With `false`, unknown members at both levels are ignored.
    pub reject_unknown_members: bool,
}

impl Default for RequestOptions {
    fn default() -> Self {
        RequestOptions {
            limits: RequestLimits::default(),
            reject_unknown_members: true,
        }
    }
}

/// Why a `POST /events` body was refused.
///
/// `path` values use the form described in [`EventPolling::parse`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestError {
    /// The body is larger than [`RequestLimits::max_body_bytes`].
    BodyTooLarge {
        /// Body length, bytes.
        len: usize,
        /// The limit, bytes.
        max: usize,
    },
    /// The body is empty or only whitespace.
    EmptyBody,
    /// The body is not UTF-8.
    NotUtf8 {
        /// Bytes of valid UTF-8 before the first bad byte.
        offset: usize,
    },
    /// The body is not JSON (syntax error, nesting deeper than 128, lone surrogate…).
    MalformedJson {
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// The parser's description.
        detail: String,
    },
    /// The body is JSON but not an object.
    NotAnObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// A member name occurs twice in one object.
    DuplicateMember {
        /// Path of the second occurrence.
        path: String,
    },
    /// A member the schema does not define (see [`RequestOptions::reject_unknown_members`]).
    UnknownMember {
        /// Path of the member.
        path: String,
    },
    /// A required member is absent.
    MissingMember {
        /// Path the member should have.
        path: String,
    },
    /// A value has the wrong JSON type.
    WrongType {
        /// Path of the value.
        path: String,
        /// The schema type.
        expected: &'static str,
        /// The JSON type found.
        found: &'static str,
    },
    /// A number that must be an integer was written with a fraction or exponent.
    NotAnInteger {
        /// Path of the value.
        path: String,
    },
    /// An integer outside its allowed range.
    OutOfRange {
        /// Path of the value.
        path: String,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A string (or member name) outside its length bounds, in Unicode scalar values.
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
    /// A string (or member name) holds U+0000 (NUL), which no `jti`,
    /// error code or description carries and which databases such as
    /// PostgreSQL cannot store in text: refused on every host alike.
    ForbiddenCharacter {
        /// Path of the value.
        path: String,
    },
    /// More items than the configured limit.
    TooManyItems {
        /// Path of the array or object.
        path: String,
        /// The limit.
        max: usize,
        /// Items found.
        actual: usize,
    },
}

impl RequestError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            RequestError::BodyTooLarge { .. } => "body_too_large",
            RequestError::EmptyBody => "empty_body",
            RequestError::NotUtf8 { .. } => "not_utf8",
            RequestError::MalformedJson { .. } => "malformed_json",
            RequestError::NotAnObject { .. } => "not_an_object",
            RequestError::DuplicateMember { .. } => "duplicate_member",
            RequestError::UnknownMember { .. } => "unknown_member",
            RequestError::MissingMember { .. } => "missing_member",
            RequestError::WrongType { .. } => "wrong_type",
            RequestError::NotAnInteger { .. } => "not_an_integer",
            RequestError::OutOfRange { .. } => "out_of_range",
            RequestError::InvalidLength { .. } => "invalid_length",
            RequestError::TooManyItems { .. } => "too_many_items",
            RequestError::ForbiddenCharacter { .. } => "forbidden_character",
        }
    }

    /// Path of the offending value; `None` when the body as a whole is bad.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            RequestError::BodyTooLarge { .. }
            | RequestError::EmptyBody
            | RequestError::NotUtf8 { .. }
            | RequestError::MalformedJson { .. }
            | RequestError::NotAnObject { .. } => None,
            RequestError::DuplicateMember { path }
            | RequestError::UnknownMember { path }
            | RequestError::MissingMember { path }
            | RequestError::WrongType { path, .. }
            | RequestError::NotAnInteger { path }
            | RequestError::OutOfRange { path, .. }
            | RequestError::InvalidLength { path, .. }
            | RequestError::TooManyItems { path, .. }
            | RequestError::ForbiddenCharacter { path } => Some(path),
        }
    }

    /// The OBIE `ErrorCode` for this error: `UK.OBIE.Resource.InvalidFormat`
    /// when the body as a whole is unusable, `UK.OBIE.Field.Missing` for an
    /// absent required member, `UK.OBIE.Field.Unexpected` for an unknown or
    /// repeated member, `UK.OBIE.Field.Invalid` for a bad value.
    #[must_use]
    pub fn obie_code(&self) -> ObieErrorCode {
        match self {
            RequestError::BodyTooLarge { .. }
            | RequestError::EmptyBody
            | RequestError::NotUtf8 { .. }
            | RequestError::MalformedJson { .. }
            | RequestError::NotAnObject { .. } => ObieErrorCode::ResourceInvalidFormat,
            RequestError::MissingMember { .. } => ObieErrorCode::FieldMissing,
            RequestError::UnknownMember { .. } | RequestError::DuplicateMember { .. } => {
                ObieErrorCode::FieldUnexpected
            }
            RequestError::WrongType { .. }
            | RequestError::NotAnInteger { .. }
            | RequestError::OutOfRange { .. }
            | RequestError::InvalidLength { .. }
            | RequestError::TooManyItems { .. }
            | RequestError::ForbiddenCharacter { .. } => ObieErrorCode::FieldInvalid,
        }
    }

    /// The `400 Bad Request` body (`OBErrorResponse1`) for this error.
    ///
    /// `id` is the error instance id (`Id`, e.g. the `x-fapi-interaction-id`);
    /// it is cut to 40 characters and left out when empty. Every string is
    /// clamped to its schema bounds on a character boundary, so the result is
    /// always schema-valid for v3.1.x. (v4.0 expects four-character external
    /// codes in `ErrorCode`; this crate emits the v3.1.x namespaced codes.)
    #[must_use]
    pub fn to_error_response(&self, id: &str) -> ErrorResponse {
        ErrorResponse::new(
            "400 BadRequest",
            id,
            "The request body is not a valid OBEventPolling1 object.",
            vec![ErrorDetail::new(
                self.obie_code(),
                &self.to_string(),
                self.path(),
            )],
        )
    }
}

impl fmt::Display for RequestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RequestError::BodyTooLarge { len, max } => {
                write!(
                    f,
                    "request body is {len} bytes, more than the {max} accepted"
                )
            }
            RequestError::EmptyBody => f.write_str("request body is empty"),
            RequestError::NotUtf8 { offset } => {
                write!(
                    f,
                    "request body is not UTF-8 (invalid byte at offset {offset})"
                )
            }
            RequestError::MalformedJson {
                line,
                column,
                detail,
            } => write!(
                f,
                "request body is not valid JSON at line {line} column {column}: {detail}"
            ),
            RequestError::NotAnObject { found } => {
                write!(f, "request body must be a JSON object, found {found}")
            }
            RequestError::DuplicateMember { path } => {
                write!(f, "member {path} occurs more than once")
            }
            RequestError::UnknownMember { path } => write!(f, "member {path} is not allowed"),
            RequestError::MissingMember { path } => write!(f, "member {path} is required"),
            RequestError::WrongType {
                path,
                expected,
                found,
            } => write!(
                f,
                "{path} must be {} {expected}, found {found}",
                article(expected)
            ),
            RequestError::NotAnInteger { path } => write!(
                f,
                "{path} must be written as a JSON integer (no fraction or exponent)"
            ),
            RequestError::OutOfRange { path, min, max } => {
                write!(f, "{path} must be between {min} and {max}")
            }
            RequestError::InvalidLength {
                path,
                min,
                max,
                actual,
            } => write!(
                f,
                "{path} must be {min} to {max} characters long, found {actual}"
            ),
            RequestError::TooManyItems { path, max, actual } => {
                write!(f, "{path} has {actual} items, more than the {max} accepted")
            }
            RequestError::ForbiddenCharacter { path } => {
                write!(f, "{path} must not contain U+0000")
            }
        }
    }
}

fn article(word: &str) -> &'static str {
    if word.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

fn path_of(segs: &[Seg<'_>]) -> String {
    render_path(segs)
}

fn wrong_type(segs: &[Seg<'_>], expected: &'static str, found: &Json) -> RequestError {
    RequestError::WrongType {
        path: path_of(segs),
        expected,
        found: found.type_name(),
    }
}

fn check_len(segs: &[Seg<'_>], s: &str, bounds: (usize, usize)) -> Result<(), RequestError> {
    if s.contains('\0') {
        return Err(RequestError::ForbiddenCharacter {
            path: path_of(segs),
        });
    }
    let actual = char_len(s);
    if actual < bounds.0 || actual > bounds.1 {
        return Err(RequestError::InvalidLength {
            path: path_of(segs),
            min: bounds.0,
            max: bounds.1,
            actual,
        });
    }
    Ok(())
}

fn string_in<'a>(
    segs: &[Seg<'_>],
    v: &'a Json,
    bounds: (usize, usize),
) -> Result<&'a str, RequestError> {
    match v {
        Json::String(s) => {
            check_len(segs, s, bounds)?;
            Ok(s)
        }
        other => Err(wrong_type(segs, "string", other)),
    }
}

impl EventPolling {
    /// Parse and validate a `POST /events` body against `OBEventPolling1`.
    ///
    /// Checks, in this order, stopping at the first failure:
    /// 1. size (`limits.max_body_bytes`), UTF-8, non-empty, JSON syntax
    ///    (nesting deeper than 127 levels inside the top-level object is
    ///    refused), a JSON object at the top;
    /// 2. no member name occurs twice in any object, anywhere in the body;
    /// 3. each member in document order: `maxEvents` is a JSON integer in
    ///    `0..=`[`MAX_EVENTS_LIMIT`] (`1.0`, `1e2`, `-0` (which serde_json
    ///    reads as a float), `-1`, `"5"` and values
    ///    beyond the range are refused: a whole number written as a float is
    ///    a client bug worth surfacing); `returnImmediately` is a boolean;
    ///    `ack` is an array of at most `limits.max_ack` strings of 1..128
    ///    characters; `setErrs` is an object of at most
    ///    `limits.max_set_errs` members, each keyed by a `jti` of 1..128
    ///    characters (the `jti` rule of `OBEventNotification1`, which the
    ///    polling schema leaves implicit) whose value is an object with a
    ///    string `err` (1..40) and a string `description` (1..256), both
    ///    required; unknown members follow
    ///    [`RequestOptions::reject_unknown_members`]. No string (`jti`,
    ///    `err`, `description`, `setErrs` key) may hold U+0000
    ///    ([`RequestError::ForbiddenCharacter`], checked before its length).
    ///
    /// `null` is a wrong type everywhere (the schema has no nullable member).
    /// Lengths count Unicode scalar values (Rust `char`s), not bytes or
    /// UTF-16 units. Repeated `ack` entries are dropped, keeping the first
    /// occurrence, so the result lists each `jti` once. A `jti` that is both
    /// acknowledged and in `setErrs` is returned as sent: what it means is the
    /// transmitter's decision.
    ///
    /// Error paths: the top-level member bare (`maxEvents`), then `.name` for
    /// names of ASCII letters, digits, `_` and `-`, `['name']` for any other
    /// name (`'` and `\` escaped, names cut at 128 characters), and `[i]` for
    /// array items: `ack[3]`, `setErrs.4d35.err`, `setErrs['a.b'].description`.
    ///
    /// # Errors
    /// The first [`RequestError`] found.
    pub fn parse(body: &[u8], opts: &RequestOptions) -> Result<EventPolling, RequestError> {
        if body.len() > opts.limits.max_body_bytes {
            return Err(RequestError::BodyTooLarge {
                len: body.len(),
                max: opts.limits.max_body_bytes,
            });
        }
        let root = json::parse(body).map_err(|e| match e {
            json::SyntaxError::NotUtf8 { offset } => RequestError::NotUtf8 { offset },
            json::SyntaxError::Empty => RequestError::EmptyBody,
            json::SyntaxError::Malformed {
                line,
                column,
                detail,
            } => RequestError::MalformedJson {
                line,
                column,
                detail,
            },
        })?;
        let Json::Object(members) = &root else {
            return Err(RequestError::NotAnObject {
                found: root.type_name(),
            });
        };
        if let Some(path) = json::find_duplicate(&root) {
            return Err(RequestError::DuplicateMember { path });
        }
        let mut out = EventPolling::default();
        for (name, value) in members {
            let segs = [Seg::Key(name.as_str())];
            match name.as_str() {
                "maxEvents" => {
                    let Json::Number(n) = value else {
                        return Err(wrong_type(&segs, "integer", value));
                    };
                    match check_int(n, 0, i64::from(MAX_EVENTS_LIMIT)) {
                        IntCheck::Ok(v) => {
                            out.max_events = Some(u32::try_from(v).unwrap_or(MAX_EVENTS_LIMIT));
                        }
                        IntCheck::NotInteger => {
                            return Err(RequestError::NotAnInteger {
                                path: path_of(&segs),
                            })
                        }
                        IntCheck::OutOfRange => {
                            return Err(RequestError::OutOfRange {
                                path: path_of(&segs),
                                min: 0,
                                max: i64::from(MAX_EVENTS_LIMIT),
                            })
                        }
                    }
                }
                "returnImmediately" => match value {
                    Json::Bool(b) => out.return_immediately = Some(*b),
                    other => return Err(wrong_type(&segs, "boolean", other)),
                },
                "ack" => out.ack = parse_ack(value, &opts.limits)?,
                "setErrs" => out.set_errs = parse_set_errs(value, opts)?,
                _ => {
                    if opts.reject_unknown_members {
                        return Err(RequestError::UnknownMember {
                            path: path_of(&segs),
                        });
                    }
                }
            }
        }
        Ok(out)
    }

    /// Canonical JSON: no whitespace, members in the order `maxEvents`,
    /// `returnImmediately`, `ack`, `setErrs`; `maxEvents` and
    /// `returnImmediately` written whenever `Some` (`maxEvents: 0` included),
    /// `ack` and `setErrs` only when non-empty; items and entries in vector
    /// order. Deterministic byte for byte. The values are written as they
    /// are: [`EventPolling::parse`] refuses what breaks the schema.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::from("{");
        let mut first = true;
        let mut sep = |out: &mut String| {
            if !first {
                out.push(',');
            }
            first = false;
        };
        if let Some(n) = self.max_events {
            sep(&mut out);
            out.push_str("\"maxEvents\":");
            out.push_str(&n.to_string());
        }
        if let Some(b) = self.return_immediately {
            sep(&mut out);
            out.push_str("\"returnImmediately\":");
            out.push_str(if b { "true" } else { "false" });
        }
        if !self.ack.is_empty() {
            sep(&mut out);
            out.push_str("\"ack\":[");
            for (i, jti) in self.ack.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str_lit(&mut out, jti);
            }
            out.push(']');
        }
        if !self.set_errs.is_empty() {
            sep(&mut out);
            out.push_str("\"setErrs\":{");
            for (i, (jti, e)) in self.set_errs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str_lit(&mut out, jti);
                out.push_str(":{\"err\":");
                push_str_lit(&mut out, e.err.as_str());
                out.push_str(",\"description\":");
                push_str_lit(&mut out, &e.description);
                out.push('}');
            }
            out.push('}');
        }
        out.push('}');
        out
    }
}

fn parse_ack(value: &Json, limits: &RequestLimits) -> Result<Vec<String>, RequestError> {
    let Json::Array(items) = value else {
        return Err(wrong_type(&[Seg::Key("ack")], "array", value));
    };
    if items.len() > limits.max_ack {
        return Err(RequestError::TooManyItems {
            path: "ack".into(),
            max: limits.max_ack,
            actual: items.len(),
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(items.len());
    let mut out = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let jti = string_in(&[Seg::Key("ack"), Seg::Index(i)], item, JTI_LEN)?;
        if seen.insert(jti) {
            out.push(jti.to_owned());
        }
    }
    Ok(out)
}

fn parse_set_errs(
    value: &Json,
    opts: &RequestOptions,
) -> Result<Vec<(String, SetErr)>, RequestError> {
    let Json::Object(entries) = value else {
        return Err(wrong_type(&[Seg::Key("setErrs")], "object", value));
    };
    if entries.len() > opts.limits.max_set_errs {
        return Err(RequestError::TooManyItems {
            path: "setErrs".into(),
            max: opts.limits.max_set_errs,
            actual: entries.len(),
        });
    }
    let mut out = Vec::with_capacity(entries.len());
    for (jti, entry) in entries {
        let base = [Seg::Key("setErrs"), Seg::Key(jti.as_str())];
        check_len(&base, jti, JTI_LEN)?;
        let Json::Object(fields) = entry else {
            return Err(wrong_type(&base, "object", entry));
        };
        let mut err = None;
        let mut description = None;
        for (name, v) in fields {
            let segs = [base[0].clone(), base[1].clone(), Seg::Key(name.as_str())];
            match name.as_str() {
                "err" => err = Some(string_in(&segs, v, ERR_LEN)?),
                "description" => description = Some(string_in(&segs, v, DESCRIPTION_LEN)?),
                _ => {
                    if opts.reject_unknown_members {
                        return Err(RequestError::UnknownMember {
                            path: path_of(&segs),
                        });
                    }
                }
            }
        }
        let missing = |name: &'static str| RequestError::MissingMember {
            path: path_of(&[base[0].clone(), base[1].clone(), Seg::Key(name)]),
        };
        let err = err.ok_or_else(|| missing("err"))?;
        let description = description.ok_or_else(|| missing("description"))?;
        out.push((
            jti.clone(),
            SetErr {
                err: SetErrCode::from_code(err),
                description: description.to_owned(),
            },
        ));
    }
    Ok(out)
}

impl std::error::Error for RequestError {}
