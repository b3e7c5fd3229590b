//! `POST /events` bodies: `OBEventPolling1`, `OBEventPollingResponse1`,
//! `OBErrorResponse1`.

use setpoll_core::wire::{
    ErrorResponse, EventPolling, EventPollingResponse, RequestLimits, RequestOptions,
};
use wasm_bindgen::prelude::*;

use crate::convert::{
    request_to_value, response_to_value, ParseRequestOptions, ParseResponseOptions, PollRequestJs,
    PollResponseJs,
};
use crate::error::{js_error, RequestFailure};
use crate::js::{body_bytes, from_js, from_js_or_default, json_text_to_js, to_js};

#[wasm_bindgen(typescript_custom_section)]
const TS_WIRE: &'static str = r#"
/** Options of {@link parseRequest}. */
export interface ParseRequestOptions {
  /** Refuse members the schema does not define (default `true`). */
  rejectUnknownMembers?: boolean;
  /** Largest body accepted, bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most `ack` entries accepted (default 1000). */
  maxAck?: number;
  /** Most `setErrs` members accepted (default 1000). */
  maxSetErrs?: number;
  /** `Id` of the `400` body in `errorResponseJson` (e.g. the x-fapi-interaction-id). */
  errorId?: string;
}

/** Options of {@link parseResponse}. */
export interface ParseResponseOptions {
  /** Largest body accepted, bytes (default 16 MiB). */
  maxBodyBytes?: number;
  /** Most `sets` members accepted (default 10 000). */
  maxSets?: number;
}

/** One `setErrs` entry, with its `jti`. */
export interface SetErrEntry {
  jti: string;
  /** The `err` code (see {@link setErrCodes}). */
  err: string;
  description: string;
}

/** `OBEventPolling1`, the body of `POST /events`; maps are arrays so order survives. */
export interface PollRequest {
  /** Most SETs to return; `0` acknowledges only; absent = server default. */
  maxEvents?: number;
  returnImmediately?: boolean;
  /** `jti`s processed successfully. */
  ack?: string[];
  /** SETs that could not be processed. */
  setErrs?: SetErrEntry[];
}

/** One SET of a response. */
export interface SetEntry {
  jti: string;
  /** The compact JWS. */
  token: string;
}

/** `OBEventPollingResponse1`; `sets` is an array, oldest first. */
export interface PollResponse {
  sets: SetEntry[];
  moreAvailable: boolean;
}
"#;

/// Parse and validate a `POST /events` request body (the transmitter's side):
/// every schema rule, duplicate member names refused, bounded work.
///
/// # Errors
/// A `RequestError` with `code`, `path`, `errorCode` (the OBIE `ErrorCode`)
/// and `errorResponseJson`: the `OBErrorResponse1` body to answer `400` with.
#[wasm_bindgen(js_name = parseRequest, unchecked_return_type = "PollRequest")]
pub fn parse_request(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] body: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ParseRequestOptions")] options: Option<
        js_sys::Object,
    >,
) -> Result<JsValue, JsValue> {
    let options: ParseRequestOptions = from_js_or_default(options.as_deref(), "options")?;
    let body = body_bytes(&body)?;
    let request = EventPolling::parse(&body, &options.core()).map_err(|error| {
        js_error(RequestFailure {
            error,
            id: options.error_id.clone().unwrap_or_default(),
        })
    })?;
    to_js(&request_to_value(&request))
}

/// Write a request as canonical JSON (the receiver's side): no whitespace,
/// members in schema order. The result is checked with the strict parser, so
/// what this returns any transmitter following the schema accepts.
///
/// # Errors
/// `InputError` for an object of the wrong shape; `RequestError` when a
/// value breaks the schema (e.g. an empty `jti`).
#[wasm_bindgen(js_name = requestToJson)]
pub fn request_to_json(
    #[wasm_bindgen(unchecked_param_type = "PollRequest")] request: JsValue,
) -> Result<String, JsValue> {
    let request: EventPolling = from_js::<PollRequestJs>(&request, "request")?.into();
    let json = request.to_json();
    // Check the schema only: the limits guard against hostile input, and
    // this is our own output.
    let schema_only = RequestOptions {
        limits: RequestLimits {
            max_body_bytes: usize::MAX,
            max_ack: usize::MAX,
            max_set_errs: usize::MAX,
        },
        reject_unknown_members: true,
    };
    EventPolling::parse(json.as_bytes(), &schema_only).map_err(|error| {
        js_error(RequestFailure {
            error,
            id: String::new(),
        })
    })?;
    Ok(json)
}

/// Read a `POST /events` response body (the receiver's side), tolerating
/// what real ASPSPs send: a missing `moreAvailable` or `sets`, unknown members.
///
/// # Errors
/// A `ResponseError` with `code` and `path` for what cannot be read.
#[wasm_bindgen(js_name = parseResponse, unchecked_return_type = "PollResponse")]
pub fn parse_response(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] body: JsValue,
    #[wasm_bindgen(unchecked_optional_param_type = "ParseResponseOptions")] options: Option<
        js_sys::Object,
    >,
) -> Result<JsValue, JsValue> {
    let options: ParseResponseOptions = from_js_or_default(options.as_deref(), "options")?;
    let response = EventPollingResponse::parse_lenient(&body_bytes(&body)?, &options.core())
        .map_err(js_error)?;
    to_js(&response_to_value(&response))
}

/// Write a response as canonical JSON (the transmitter's side):
/// `{"sets":{…},"moreAvailable":…}`, SETs in array order.
///
/// # Errors
/// `InputError` for an object of the wrong shape.
#[wasm_bindgen(js_name = responseToJson)]
pub fn response_to_json(
    #[wasm_bindgen(unchecked_param_type = "PollResponse")] response: JsValue,
) -> Result<String, JsValue> {
    let response: EventPollingResponse = from_js::<PollResponseJs>(&response, "response")?.into();
    Ok(response.to_json())
}

/// Read an `OBErrorResponse1` body (e.g. the `400` a receiver got back),
/// leniently: it is for diagnostics. Members keep their wire names
/// (`Code`, `Id`, `Message`, `Errors[].ErrorCode`, ...).
///
/// # Errors
/// A `ResponseError` when the body is too large, not JSON, or mistyped.
#[wasm_bindgen(js_name = parseErrorResponse)]
pub fn parse_error_response(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] body: JsValue,
) -> Result<JsValue, JsValue> {
    let response = ErrorResponse::parse(&body_bytes(&body)?).map_err(js_error)?;
    json_text_to_js(&response.to_json())
}
