//! `OBErrorResponse1` / `OBError1`: the body of a `400 Bad Request`.

use serde::Serialize;

use super::response::ResponseError;
use crate::codes::ObieErrorCode;
use crate::json::typed::read_struct;
use crate::json::{self, clamp_chars};

/// Schema bounds, in Unicode scalar values.
const CODE_MAX: usize = 40;
const ID_MAX: usize = 40;
const MESSAGE_MAX: usize = 500;
const PATH_MAX: usize = 500;

/// Largest error body [`ErrorResponse::parse`] reads, bytes.
pub const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// `OBError1`: one detailed error.
#[doc(alias = "OBError1")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorDetail {
    /// `ErrorCode`, e.g. `UK.OBIE.Field.Invalid` (v4.0: a four-character code).
    pub error_code: ObieErrorCode,
    /// `Message` (1..500 chars; required in v3.1.x, optional in v4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `Path`: where in the request the problem is (1..500 chars).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// `Url`: where to read more.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

impl ErrorDetail {
    /// A detail with `message` and `path` clamped to the schema bounds
    /// (an empty message becomes the code's description or the code itself;
    /// an empty path is left out).
    #[must_use]
    pub fn new(error_code: ObieErrorCode, message: &str, path: Option<&str>) -> Self {
        let message = if message.is_empty() {
            error_code
                .description()
                .map_or_else(|| error_code.as_str().to_owned(), str::to_owned)
        } else {
            message.to_owned()
        };
        let message =
            non_empty(clamp_chars(&message, MESSAGE_MAX)).unwrap_or_else(|| "error".into());
        ErrorDetail {
            error_code,
            message: Some(message),
            path: path.and_then(|p| non_empty(clamp_chars(p, PATH_MAX))),
            url: None,
        }
    }
}

/// `OBErrorResponse1`: the error body OBIE APIs return with 4xx/5xx.
///
/// `to_json` writes the members in the order `Code`, `Id`, `Message`,
/// `Errors`; absent optional members are left out.
#[doc(alias = "OBErrorResponse1")]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ErrorResponse {
    /// `Code`: high-level code such as `400 BadRequest` (1..40 chars;
    /// required in v3.1.x, deprecated and optional in v4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// `Id`: this error instance, for audit (1..40 chars, optional).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// `Message`: a brief message (1..500 chars; required in v3.1.x,
    /// deprecated and optional in v4.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    /// `Errors`: at least one detail.
    #[serde(default)]
    pub errors: Vec<ErrorDetail>,
}

// Read from the tree (crate::json::typed), with serde's derived rules.
read_struct!(ErrorDetail {
    error_code: req "ErrorCode",
    message: opt "Message",
    path: opt "Path",
    url: opt "Url",
});

read_struct!(ErrorResponse {
    code: opt "Code",
    id: opt "Id",
    message: opt "Message",
    errors: or_default "Errors",
});

fn non_empty(s: String) -> Option<String> {
    if s.is_empty() {
        None
    } else {
        Some(s)
    }
}

impl ErrorResponse {
    /// Build a response with every string clamped to its schema bounds on a
    /// character boundary; an empty `id` is left out, an empty `code` or
    /// `message` is replaced by a generic one so the v3.1.x required members
    /// are always present.
    #[must_use]
    pub fn new(code: &str, id: &str, message: &str, errors: Vec<ErrorDetail>) -> Self {
        ErrorResponse {
            code: Some(
                non_empty(clamp_chars(code, CODE_MAX)).unwrap_or_else(|| "400 BadRequest".into()),
            ),
            id: non_empty(clamp_chars(id, ID_MAX)),
            message: Some(
                non_empty(clamp_chars(message, MESSAGE_MAX))
                    .unwrap_or_else(|| "The request could not be processed.".into()),
            ),
            errors,
        }
    }

    /// Serialise to JSON (compact, members in the order above).
    #[must_use]
    pub fn to_json(&self) -> String {
        // Serialising plain strings and enums into a String cannot fail.
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{}"))
    }

    /// Read an error body, e.g. the `400` a receiver got back.
    ///
    /// Lenient, because its only use is diagnostics: unknown members are
    /// ignored, `Code`/`Message` may be absent (v4.0), `Errors` may be absent
    /// or empty, lengths are not enforced. Bodies over
    /// [`MAX_ERROR_BODY_BYTES`] are refused.
    ///
    /// # Errors
    /// [`ResponseError`] when the body is too large, not UTF-8, not JSON, a
    /// member has the wrong type, or a member name appears twice.
    pub fn parse(body: &[u8]) -> Result<ErrorResponse, ResponseError> {
        if body.len() > MAX_ERROR_BODY_BYTES {
            return Err(ResponseError::BodyTooLarge {
                len: body.len(),
                max: MAX_ERROR_BODY_BYTES,
            });
        }
        let text = core::str::from_utf8(body).map_err(|e| ResponseError::NotUtf8 {
            offset: e.valid_up_to(),
        })?;
        json::read(text).map_err(|e| match e {
            json::ReadError::Invalid {
                line,
                column,
                detail,
            } => ResponseError::MalformedJson {
                line,
                column,
                detail,
            },
            json::ReadError::Duplicate { .. } | json::ReadError::Shape { .. } => {
                ResponseError::MalformedJson {
                    line: 0,
                    column: 0,
                    detail: e.to_string(),
                }
            }
        })
    }
}
