//! `OBEventPollingResponse1`: canonical serialisation and lenient parsing.

use core::fmt;

use super::EventPollingResponse;
use crate::json::{self, char_len, push_str_lit, render_path, Json, Seg};

/// Limits applied by [`EventPollingResponse::parse_lenient`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResponseLimits {
    /// Largest body accepted, bytes. Default 16 MiB (e.g. 1000 SETs of 16 KiB).
    pub max_body_bytes: usize,
    /// Most `sets` members accepted. Default 10 000.
    pub max_sets: usize,
}

impl Default for ResponseLimits {
    fn default() -> Self {
        ResponseLimits {
            max_body_bytes: 16 * 1024 * 1024,
            max_sets: 10_000,
        }
    }
}

/// Why a `POST /events` response (or an error body) could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseError {
    /// The body is larger than the limit.
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
    /// The body is not JSON; or (line 0, an error body only) JSON with a
    /// member name twice or a member of the wrong type, which `detail` names.
    MalformedJson {
        /// 1-based line (0: see above).
        line: usize,
        /// 1-based column.
        column: usize,
        /// The parser's description.
        detail: String,
    },
    /// The body is JSON but not an object.
    NotAnObject {
        /// The JSON type found.
        found: &'static str,
    },
    /// A member has the wrong JSON type.
    WrongType {
        /// Path of the value.
        path: String,
        /// Expected type.
        expected: &'static str,
        /// Type found.
        found: &'static str,
    },
    /// A `jti` occurs twice in `sets` (the recipient could not tell which SET to acknowledge).
    DuplicateSet {
        /// Path of the second occurrence.
        path: String,
    },
    /// A `sets` key is not a usable `jti` (must be 1..128 characters, so it can be acknowledged).
    InvalidJti {
        /// Path of the member.
        path: String,
    },
    /// A `sets` value is an empty string.
    EmptySet {
        /// Path of the value.
        path: String,
    },
    /// More SETs than [`ResponseLimits::max_sets`].
    TooManySets {
        /// The limit.
        max: usize,
        /// SETs found.
        actual: usize,
    },
}

impl ResponseError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ResponseError::BodyTooLarge { .. } => "body_too_large",
            ResponseError::EmptyBody => "empty_body",
            ResponseError::NotUtf8 { .. } => "not_utf8",
            ResponseError::MalformedJson { .. } => "malformed_json",
            ResponseError::NotAnObject { .. } => "not_an_object",
            ResponseError::WrongType { .. } => "wrong_type",
            ResponseError::DuplicateSet { .. } => "duplicate_set",
            ResponseError::InvalidJti { .. } => "invalid_jti",
            ResponseError::EmptySet { .. } => "empty_set",
            ResponseError::TooManySets { .. } => "too_many_sets",
        }
    }

    /// Path of the offending value, when there is one.
    #[must_use]
    pub fn path(&self) -> Option<&str> {
        match self {
            ResponseError::WrongType { path, .. }
            | ResponseError::DuplicateSet { path }
            | ResponseError::InvalidJti { path }
            | ResponseError::EmptySet { path } => Some(path),
            ResponseError::TooManySets { .. } => Some("sets"),
            _ => None,
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::BodyTooLarge { len, max } => {
                write!(
                    f,
                    "response body is {len} bytes, more than the {max} accepted"
                )
            }
            ResponseError::EmptyBody => f.write_str("response body is empty"),
            ResponseError::NotUtf8 { offset } => {
                write!(
                    f,
                    "response body is not UTF-8 (invalid byte at offset {offset})"
                )
            }
            // Line 0: JSON, but a member name twice or a member of the
            // wrong shape (the detail says where).
            ResponseError::MalformedJson {
                line: 0, detail, ..
            } => write!(f, "response body is not valid: {detail}"),
            ResponseError::MalformedJson {
                line,
                column,
                detail,
            } => write!(
                f,
                "response body is not valid JSON at line {line} column {column}: {detail}"
            ),
            ResponseError::NotAnObject { found } => {
                write!(f, "response body must be a JSON object, found {found}")
            }
            ResponseError::WrongType {
                path,
                expected,
                found,
            } => write!(f, "{path} must be of type {expected}, found {found}"),
            ResponseError::DuplicateSet { path } => {
                write!(f, "{path} occurs more than once in sets")
            }
            ResponseError::InvalidJti { path } => {
                write!(f, "{path}: a jti must be 1 to 128 characters long")
            }
            ResponseError::EmptySet { path } => write!(f, "{path} is an empty string"),
            ResponseError::TooManySets { max, actual } => {
                write!(f, "sets has {actual} members, more than the {max} accepted")
            }
        }
    }
}

impl EventPollingResponse {
    /// Canonical JSON: `{"sets":{…},"moreAvailable":…}` with no whitespace,
    /// SETs in vector order, `moreAvailable` always written. Deterministic
    /// byte for byte. Duplicate `jti`s in `sets` are the caller's bug and
    /// are written as given.
    #[must_use]
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"sets\":{");
        for (i, (jti, set)) in self.sets.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_str_lit(&mut out, jti);
            out.push(':');
            push_str_lit(&mut out, set);
        }
        out.push_str("},\"moreAvailable\":");
        out.push_str(if self.more_available { "true" } else { "false" });
        out.push('}');
        out
    }

    /// Read a `POST /events` response, tolerating what real ASPSPs send.
    ///
    /// Lenient on: a missing (or `null`) `moreAvailable`, read as `false`
    /// (the spec's own "acknowledge only" example omits it); a missing (or
    /// `null`) `sets`, read as no SETs (nothing is lost: unacknowledged SETs
    /// are delivered again); unknown members, ignored; duplicate names among
    /// the ignored members.
    ///
    /// Strict on: body size and `limits.max_sets`; UTF-8 and JSON syntax; a
    /// top-level object; `moreAvailable` a boolean and `sets` an object when
    /// present; each `sets` key 1..128 characters (otherwise the recipient
    /// could not acknowledge it) and unique; each value a non-empty string
    /// (the compact JWS is checked later, per SET, by the JOSE layer, so one
    /// bad token never blocks the others).
    ///
    /// # Errors
    /// The first [`ResponseError`] found.
    pub fn parse_lenient(
        body: &[u8],
        limits: &ResponseLimits,
    ) -> Result<EventPollingResponse, ResponseError> {
        if body.len() > limits.max_body_bytes {
            return Err(ResponseError::BodyTooLarge {
                len: body.len(),
                max: limits.max_body_bytes,
            });
        }
        let root = json::parse(body).map_err(|e| match e {
            json::SyntaxError::NotUtf8 { offset } => ResponseError::NotUtf8 { offset },
            json::SyntaxError::Empty => ResponseError::EmptyBody,
            json::SyntaxError::Malformed {
                line,
                column,
                detail,
            } => ResponseError::MalformedJson {
                line,
                column,
                detail,
            },
        })?;
        let Json::Object(members) = root else {
            return Err(ResponseError::NotAnObject {
                found: root.type_name(),
            });
        };
        let mut out = EventPollingResponse::default();
        // With duplicate top-level names, the first occurrence counts.
        let mut seen_more = false;
        let mut seen_sets = false;
        for (name, value) in members {
            match name.as_str() {
                "moreAvailable" if !seen_more => {
                    seen_more = true;
                    match value {
                        Json::Bool(b) => out.more_available = b,
                        Json::Null => {}
                        other => {
                            return Err(ResponseError::WrongType {
                                path: "moreAvailable".into(),
                                expected: "boolean",
                                found: other.type_name(),
                            })
                        }
                    }
                }
                "sets" if !seen_sets => {
                    seen_sets = true;
                    match value {
                        Json::Object(sets) => out.sets = read_sets(sets, limits)?,
                        Json::Null => {}
                        other => {
                            return Err(ResponseError::WrongType {
                                path: "sets".into(),
                                expected: "object",
                                found: other.type_name(),
                            })
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }
}

fn read_sets(
    sets: Vec<(String, Json)>,
    limits: &ResponseLimits,
) -> Result<Vec<(String, String)>, ResponseError> {
    if sets.len() > limits.max_sets {
        return Err(ResponseError::TooManySets {
            max: limits.max_sets,
            actual: sets.len(),
        });
    }
    let mut seen = std::collections::HashSet::with_capacity(sets.len());
    let mut out = Vec::with_capacity(sets.len());
    for (jti, value) in sets {
        let path = render_path(&[Seg::Key("sets"), Seg::Key(&jti)]);
        let len = char_len(&jti);
        if len == 0 || len > 128 {
            return Err(ResponseError::InvalidJti { path });
        }
        if !seen.insert(jti.clone()) {
            return Err(ResponseError::DuplicateSet { path });
        }
        match value {
            Json::String(s) if s.is_empty() => return Err(ResponseError::EmptySet { path }),
            Json::String(s) => out.push((jti, s)),
            other => {
                return Err(ResponseError::WrongType {
                    path,
                    expected: "string",
                    found: other.type_name(),
                })
            }
        }
    }
    Ok(out)
}

impl std::error::Error for ResponseError {}
