//! The vector generators, one module per `kind`.
//!
//! Each module lists its cases as inputs and asks the core for the expected
//! result, so a vector records what the core does today; a reviewer reads the
//! diff of the JSON files when behaviour changes on purpose.

pub mod claims;
pub mod defaults;
pub mod jwk;
pub mod keys;
pub mod receiver;
pub mod request;
pub mod response;
pub mod sign;
pub mod transmitter;
pub mod verify;

use base64::Engine as _;
use serde_json::{json, Map, Value};

/// The top-level object of a vector file.
#[must_use]
pub fn vector_file(kind: &str, description: &str, cases: Vec<Value>) -> Value {
    json!({ "kind": kind, "description": description, "cases": cases })
}

/// Insert a body: as text under `body` when it is UTF-8, else as standard
/// padded base64 under `bodyBase64`.
pub fn put_body(case: &mut Map<String, Value>, body: &[u8]) {
    match std::str::from_utf8(body) {
        Ok(text) => {
            case.insert("body".into(), Value::String(text.to_owned()));
        }
        Err(_) => {
            case.insert(
                "bodyBase64".into(),
                Value::String(base64::engine::general_purpose::STANDARD.encode(body)),
            );
        }
    }
}

/// `{"ok": value}`.
#[must_use]
pub fn ok(value: Value) -> Value {
    json!({ "ok": value })
}

/// `{"error": value}`.
#[must_use]
pub fn error(value: Value) -> Value {
    json!({ "error": value })
}

/// A string of `n` copies of `s`.
#[must_use]
pub fn rep(s: &str, n: usize) -> String {
    s.repeat(n)
}

/// Fail generation when two cases of one file share a name.
///
/// # Errors
/// Names the first duplicate.
pub fn check_unique_names(kind: &str, cases: &[Value]) -> Result<(), crate::GenError> {
    let mut seen = std::collections::HashSet::new();
    for c in cases {
        let name = c.get("name").and_then(Value::as_str).unwrap_or_default();
        if !seen.insert(name.to_owned()) {
            return Err(crate::GenError(format!("{kind}: duplicate case {name:?}")));
        }
    }
    Ok(())
}
