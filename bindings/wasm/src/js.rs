//! Moving values across the boundary as JSON.
//!
//! Plain data goes out as `JSON.parse` of what serde_json (or the core's
//! canonical writer) produced, and comes in as `JSON.stringify` of the JS
//! value read by serde into a binding-local struct. One code path, no
//! per-field glue, and the JS side gets ordinary objects.

use serde::de::DeserializeOwned;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::{js_error, InputError};

/// A JSON value as a plain JS value.
pub(crate) fn to_js(value: &serde_json::Value) -> Result<JsValue, JsValue> {
    let text = serde_json::to_string(value)
        .map_err(|e| js_error(InputError::Conversion(e.to_string())))?;
    json_text_to_js(&text)
}

/// JSON text (e.g. a canonical `to_json()`) as a plain JS value.
pub(crate) fn json_text_to_js(text: &str) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(text).map_err(|_| {
        js_error(InputError::Conversion(
            "JSON.parse refused core output".into(),
        ))
    })
}

/// The JSON text of a JS value (`JSON.stringify`); `None` for `undefined`.
pub(crate) fn stringify(value: &JsValue, what: &'static str) -> Result<Option<String>, JsValue> {
    if value.is_undefined() {
        return Ok(None);
    }
    let text = js_sys::JSON::stringify(value).map_err(|_| {
        js_error(InputError::Argument {
            what,
            why: "not JSON-serialisable".into(),
        })
    })?;
    Ok(text.as_string())
}

/// Read a JS value (an options or spec object) into `T`.
pub(crate) fn from_js<T: DeserializeOwned>(
    value: &JsValue,
    what: &'static str,
) -> Result<T, JsValue> {
    let text = stringify(value, what)?.ok_or_else(|| {
        js_error(InputError::Argument {
            what,
            why: "missing".into(),
        })
    })?;
    crate::convert::from_json_text(&text, what).map_err(js_error)
}

/// A body as bytes: a string (its UTF-8) or a `Uint8Array` (as is, so
/// bodies that are not valid UTF-8 reach the core unchanged).
pub(crate) fn body_bytes(body: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(text) = body.as_string() {
        return Ok(text.into_bytes());
    }
    if let Some(bytes) = body.dyn_ref::<js_sys::Uint8Array>() {
        return Ok(bytes.to_vec());
    }
    Err(js_error(InputError::Argument {
        what: "body",
        why: "expected a string or a Uint8Array".into(),
    }))
}

/// Read an optional JS value into `T`, `T::default()` when absent.
pub(crate) fn from_js_or_default<T: DeserializeOwned + Default>(
    value: Option<&JsValue>,
    what: &'static str,
) -> Result<T, JsValue> {
    match value {
        Some(v) if !v.is_undefined() && !v.is_null() => from_js(v, what),
        _ => Ok(T::default()),
    }
}
