#![doc = include_str!("../README.md")]
#![deny(missing_docs)]

//! Binding rules: each export is one call into `setpoll_core` plus the shared
//! error mapper (`error::js_error`); names are camelCase through `js_name`;
//! times are JS numbers of milliseconds; nothing here unwraps or panics.

mod claims;
mod convert;
mod error;
mod jose;
mod js;
mod receiver;
mod transmitter;
mod wire;

use setpoll_core::codes::SetErrCode;
use wasm_bindgen::prelude::*;

use crate::error::js_error;

#[wasm_bindgen(typescript_custom_section)]
const TS_TYPES: &'static str = r#"
/** One entry of the `setErrs` code table. */
export interface SetErrCodeInfo {
  /** The code as it appears in `setErrs[jti].err`. */
  code: string;
  /** Which published list the code comes from; `null` for unknown codes. */
  vocabulary: "obie" | "rfc8935" | null;
  /** The specification's description; `null` when the core has none. */
  description: string | null;
}

/** The routing facts of a signed SET, read without verifying it. */
export interface SetEnvelope {
  /** `jti`: the identifier the transmitter queues the SET under. */
  jti: string;
  /** `aud`: each audience, whether the token carried a string or an array. */
  aud: string[];
}
"#;

/// The version of the `setpoll` package (and of the core it was built from).
#[wasm_bindgen(js_name = version)]
#[must_use]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

/// Every known `setErrs` error code: the OBIE list first, then the RFC 8935
/// registry.
///
/// # Errors
/// Only if a row cannot be converted to JS (never expected).
#[wasm_bindgen(js_name = setErrCodes, unchecked_return_type = "SetErrCodeInfo[]")]
pub fn set_err_codes() -> Result<JsValue, JsValue> {
    let rows: Vec<_> = SetErrCode::KNOWN
        .iter()
        .map(convert::set_err_code_info)
        .collect();
    js::to_js(&serde_json::Value::Array(rows))
}

/// Look up one `setErrs` code as found on the wire; unknown codes come back
/// unchanged with `vocabulary: null`.
///
/// # Errors
/// Only if the row cannot be converted to JS (never expected).
#[wasm_bindgen(js_name = setErrCode, unchecked_return_type = "SetErrCodeInfo")]
pub fn set_err_code(code: &str) -> Result<JsValue, JsValue> {
    js::to_js(&convert::set_err_code_info(&SetErrCode::from_code(code)))
}

/// Read `jti` and `aud` from a compact-JWS SET without verifying its
/// signature (a transmitter queues tokens it signed itself by these).
///
/// # Errors
/// A `VerifyError` (`code` = the core's code) when the token is not a
/// three-part compact JWS whose payload is a JSON object with a string `jti`.
#[wasm_bindgen(js_name = peekEnvelope, unchecked_return_type = "SetEnvelope")]
pub fn peek_envelope(token: &str) -> Result<JsValue, JsValue> {
    let env = setpoll_core::set::peek_envelope(token).map_err(js_error)?;
    js::to_js(&serde_json::json!({ "jti": env.jti, "aud": env.aud }))
}

/// Check a time in milliseconds since the epoch (e.g. `Date.now()`) the way
/// every time-taking function of this package does, and return it unchanged.
///
/// # Errors
/// An `InputError` with code `invalid_timestamp` for negative, fractional,
/// non-finite or larger-than-`Number.MAX_SAFE_INTEGER` values.
#[wasm_bindgen(js_name = checkTimestamp)]
pub fn check_timestamp(ms: f64) -> Result<f64, JsValue> {
    let ts = convert::timestamp(ms).map_err(js_error)?;
    // Exact: `timestamp` only accepts safe integers.
    #[allow(clippy::cast_precision_loss)]
    Ok(ts.as_millis() as f64)
}
