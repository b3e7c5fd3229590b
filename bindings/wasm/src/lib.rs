#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// `setpoll_host::SetpollError` is large by design (every field native), as in the host.
#![allow(clippy::result_large_err)]

//! Binding rules: each export is one call into `setpoll_host` plus the shared
//! error mapper (`error::js_error`); arguments are checked by `guard` before
//! they are copied into the wasm heap; records cross with
//! `serde-wasm-bindgen` in the shapes their Tsify derives declare; names are
//! camelCase; times are JS numbers of milliseconds; nothing here panics.

/// Getters of the host object's answer: one more `#[wasm_bindgen]` impl
/// block (wasm-bindgen and rustdoc see the methods as written out), each
/// line `#[doc = "..."]` then `jsName: fn rust_name -> Type;` for
/// `self.0.rust_name()` as it is, or `... -> Type = convert;` for
/// `convert(self.0.rust_name())` (times and counts as JS numbers: [`num`]).
/// Docs are `#[doc = "..."]`, not `///`: a `///` comment that passes
/// through `macro_rules!` becomes a raw string, which wasm-bindgen 0.2.130
/// copies into the `.d.ts` as `r" ...` (test/declarations.test.mjs).
macro_rules! getters {
    (impl $ty:ident { $($(#[doc = $doc:literal])* $js:ident: fn $name:ident -> $ret:ty $(= $conv:path)?;)* }) => {
        #[wasm_bindgen]
        impl $ty {
            $($(#[doc = $doc])*
            #[wasm_bindgen(js_name = $js)]
            #[must_use]
            pub fn $name(&self) -> $ret {
                getters!(@call [$($conv)?] self.0.$name())
            })*
        }
    };
    (@call [$conv:path] $e:expr) => { $conv($e) };
    (@call [] $e:expr) => { $e };
}

mod error;
mod guard;
mod keys;
mod platform;
mod receiver;
mod transmitter;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::error::OrThrow;
use crate::guard::{data, flag, int, opt_data, out, present, text, JsResult};

pub use error::{
    ArgumentError, ClaimsError, KeyError, ReceiverError, RequestError, ResponseError, SetpollError,
    SignError, TransmitterError, VerifyError,
};
pub use keys::{ClaimsBuilder, Jwk, JwkSet, Keyring, SetClaims, SigningKey, VerifiedSet};
pub use platform::{PlatformProvider, PreparedSet, PreparedSignature};
pub use receiver::Receiver;
pub use transmitter::{
    EnqueuePlan, MemoryTransmitter, PollAnswer, PollPlan, PollWait, StorageTransmitter, SweepPlan,
};

/// A host time or count as a JS number (exact up to 2^53).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn num(n: i64) -> f64 {
    n as f64
}

/// [`num`] of an optional time.
pub(crate) fn opt_num(n: Option<i64>) -> Option<f64> {
    n.map(num)
}

/// The version of the `setpoll` package.
#[wasm_bindgen]
#[must_use]
pub fn version() -> String {
    host::version()
}

/// Do nothing: measures the cost of one call across the boundary.
#[wasm_bindgen]
pub fn noop() {
    host::noop();
}

/// Every known `setErrs` code, OBIE vocabulary first.
///
/// # Errors
/// Never in practice (a row that cannot be converted).
#[wasm_bindgen(js_name = setErrCodes, unchecked_return_type = "SetErrCodeInfo[]")]
pub fn set_err_codes() -> JsResult<JsValue> {
    guard::outs(&host::set_err_codes())
}

/// Look a wire code up; unknown codes come back with no vocabulary.
///
/// # Errors
/// `TypeError` unless `code` is a string.
#[wasm_bindgen(js_name = setErrCode, unchecked_return_type = "SetErrCodeInfo")]
pub fn set_err_code(
    #[wasm_bindgen(unchecked_param_type = "string")] code: JsValue,
) -> JsResult<JsValue> {
    out(&host::set_err_code(text(&code, "code")?))
}

/// Milliseconds since the epoch for whole seconds.
///
/// # Errors
/// `ArgumentError` for negative or unsafe numbers, `TypeError` for a non-number.
#[wasm_bindgen(js_name = timestampFromSecs)]
pub fn timestamp_from_secs(
    #[wasm_bindgen(unchecked_param_type = "number")] secs: JsValue,
) -> JsResult<f64> {
    host::timestamp_from_secs(int(&secs, "secs")?)
        .or_throw()
        .map(num)
}

/// Whole seconds (the unit of JWT `iat`) of a millisecond time, rounded down.
///
/// # Errors
/// As [`timestamp_from_secs`].
#[wasm_bindgen(js_name = timestampAsSecs)]
pub fn timestamp_as_secs(
    #[wasm_bindgen(unchecked_param_type = "number")] ms: JsValue,
) -> JsResult<f64> {
    host::timestamp_as_secs(int(&ms, "ms")?).or_throw().map(num)
}

/// `rejectUnknownMembers` (default `true`), `interactionId` (default `""`).
fn request_options(
    reject_unknown_members: Option<JsValue>,
    interaction_id: Option<JsValue>,
) -> JsResult<(bool, String)> {
    Ok((
        present(reject_unknown_members).map_or(Ok(true), |v| flag(&v, "rejectUnknownMembers"))?,
        guard::opt_text(interaction_id, "interactionId")?.unwrap_or_default(),
    ))
}

/// Parse and validate a `POST /events` body (the transmitter's strict reader).
///
/// # Errors
/// `RequestError`, whose `errorResponse` (with `interactionId` as `Id`) is the 400 body.
#[wasm_bindgen(js_name = parseRequest, unchecked_return_type = "PollRequest")]
pub fn parse_request(
    #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
    #[wasm_bindgen(js_name = rejectUnknownMembers, unchecked_optional_param_type = "boolean")]
    reject_unknown_members: Option<JsValue>,
    #[wasm_bindgen(js_name = interactionId, unchecked_optional_param_type = "string")]
    interaction_id: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "RequestLimits")] limits: Option<JsValue>,
) -> JsResult<JsValue> {
    let body = text(&body, "body")?;
    let (reject, id) = request_options(reject_unknown_members, interaction_id)?;
    out(&host::parse_request(body, reject, id, opt_data(limits, "limits")?).or_throw()?)
}

/// [`parse_request`] with the body as the bytes received: a body that is not
/// UTF-8 gets the core's `not_utf8` error and its 400 body.
///
/// # Errors
/// As [`parse_request`].
#[wasm_bindgen(js_name = parseRequestBytes, unchecked_return_type = "PollRequest")]
pub fn parse_request_bytes(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] body: JsValue,
    #[wasm_bindgen(js_name = rejectUnknownMembers, unchecked_optional_param_type = "boolean")]
    reject_unknown_members: Option<JsValue>,
    #[wasm_bindgen(js_name = interactionId, unchecked_optional_param_type = "string")]
    interaction_id: Option<JsValue>,
    #[wasm_bindgen(unchecked_optional_param_type = "RequestLimits")] limits: Option<JsValue>,
) -> JsResult<JsValue> {
    let body = guard::bytes(&body, "body")?;
    let (reject, id) = request_options(reject_unknown_members, interaction_id)?;
    out(&host::parse_request_bytes(body, reject, id, opt_data(limits, "limits")?).or_throw()?)
}

/// The canonical JSON text of a request (what a TPP sends).
///
/// # Errors
/// `RequestError` for a request the strict reader would refuse.
#[wasm_bindgen(js_name = requestToJson)]
pub fn request_to_json(
    #[wasm_bindgen(unchecked_param_type = "PollRequest")] request: JsValue,
) -> JsResult<String> {
    host::request_to_json(data(&request, "request")?).or_throw()
}

/// Read a `POST /events` response body (the receiver's tolerant reader).
///
/// # Errors
/// `ResponseError` naming the first problem.
#[wasm_bindgen(js_name = parseResponse, unchecked_return_type = "PollResponse")]
pub fn parse_response(
    #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ResponseLimits")] limits: Option<JsValue>,
) -> JsResult<JsValue> {
    let body = text(&body, "body")?;
    out(&host::parse_response(body, opt_data(limits, "limits")?).or_throw()?)
}

/// [`parse_response`] with the body as bytes.
///
/// # Errors
/// As [`parse_response`].
#[wasm_bindgen(js_name = parseResponseBytes, unchecked_return_type = "PollResponse")]
pub fn parse_response_bytes(
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] body: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ResponseLimits")] limits: Option<JsValue>,
) -> JsResult<JsValue> {
    let body = guard::bytes(&body, "body")?;
    out(&host::parse_response_bytes(body, opt_data(limits, "limits")?).or_throw()?)
}

/// The canonical JSON text of a response (what an ASPSP answers).
///
/// # Errors
/// `TypeError` for a value that is not a `PollResponse`.
#[wasm_bindgen(js_name = responseToJson)]
pub fn response_to_json(
    #[wasm_bindgen(unchecked_param_type = "PollResponse")] response: JsValue,
) -> JsResult<String> {
    Ok(host::response_to_json(data(&response, "response")?))
}

/// Read an `OBErrorResponse1` body; returns its canonical JSON text.
///
/// # Errors
/// `ResponseError` when the body is not an `OBErrorResponse1`.
#[wasm_bindgen(js_name = parseErrorResponse)]
pub fn parse_error_response(
    #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
) -> JsResult<String> {
    host::parse_error_response(text(&body, "body")?).or_throw()
}

/// The status of a successful `POST /events` answer on `version`'s path:
/// `201` for v3.1.2, `200` after.
///
/// # Errors
/// `TypeError` for an unknown version.
#[wasm_bindgen(js_name = obieSuccessStatus)]
pub fn obie_success_status(
    #[wasm_bindgen(unchecked_param_type = "ObieVersion")] version: JsValue,
) -> JsResult<i32> {
    Ok(host::obie_success_status(data(&version, "version")?))
}

/// An `OBErrorResponse1` body with every `ErrorCode` in `version`'s vocabulary.
///
/// # Errors
/// `ResponseError` when the body is not an `OBErrorResponse1`.
#[wasm_bindgen(js_name = obieErrorResponse)]
pub fn obie_error_response(
    #[wasm_bindgen(unchecked_param_type = "ObieVersion")] version: JsValue,
    #[wasm_bindgen(js_name = errorResponseJson, unchecked_param_type = "string")]
    error_response_json: JsValue,
) -> JsResult<String> {
    let version = data(&version, "version")?;
    host::obie_error_response(version, text(&error_response_json, "errorResponseJson")?).or_throw()
}

/// The answer when nothing is queued, `{"sets":{},"moreAvailable":false}`.
#[wasm_bindgen(js_name = emptyPollResponse)]
#[must_use]
pub fn empty_poll_response() -> String {
    host::empty_poll_response()
}

/// The core's transmitter defaults, every field set.
///
/// # Errors
/// Never in practice (a value that cannot be converted).
#[wasm_bindgen(js_name = transmitterDefaults, unchecked_return_type = "TransmitterConfig")]
pub fn transmitter_defaults() -> JsResult<JsValue> {
    out(&host::transmitter_defaults())
}
