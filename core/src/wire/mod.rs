//! The wire model of `POST /events`: `OBEventPolling1` (request),
//! `OBEventPollingResponse1` (response) and `OBErrorResponse1`.
//!
//! - [`EventPolling::parse`] is the transmitter's strict reader of a request
//!   (every rule of the schema, duplicate names refused, bounded work);
//!   [`EventPolling::to_json`] is the receiver's canonical writer.
//! - [`EventPollingResponse::to_json`] is the transmitter's canonical writer;
//!   [`EventPollingResponse::parse_lenient`] the receiver's tolerant reader.
//! - [`RequestError::to_error_response`] turns a refused request into the
//!   `400` body; [`ErrorResponse::parse`] reads one back.
//!
//! String lengths are counted in Unicode scalar values throughout.

mod error;
mod obie;
mod request;
mod response;

pub use error::{ErrorDetail, ErrorResponse, MAX_ERROR_BODY_BYTES};
pub use obie::{v4_status_reason, ObieVersion};
pub use request::{RequestError, RequestLimits, RequestOptions, MAX_EVENTS_LIMIT};
pub use response::{ResponseError, ResponseLimits};

use crate::codes::SetErrCode;

/// One `setErrs` entry: why the recipient could not process a SET.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetErr {
    /// The error code (`err`, 1..40 chars).
    pub err: SetErrCode,
    /// Human-readable description (`description`, 1..256 chars).
    pub description: String,
}

/// `OBEventPolling1`: the body of `POST /events`.
#[doc(alias = "OBEventPolling1")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPolling {
    /// `maxEvents`: most SETs to return; `Some(0)` = acknowledge only; `None` = server default.
    pub max_events: Option<u32>,
    /// `returnImmediately`.
    pub return_immediately: Option<bool>,
    /// `ack`: `jti`s processed successfully, in request order (duplicates removed by the parser).
    pub ack: Vec<String>,
    /// `setErrs`: `jti` -> error, in request order.
    pub set_errs: Vec<(String, SetErr)>,
}

/// `OBEventPollingResponse1`: the answer to `POST /events`.
#[doc(alias = "OBEventPollingResponse1")]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EventPollingResponse {
    /// `sets`: `jti` -> compact JWS, oldest first (serialised in this order).
    pub sets: Vec<(String, String)>,
    /// `moreAvailable`: always serialised.
    pub more_available: bool,
}
