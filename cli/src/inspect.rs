//! `setpoll inspect`: decode a compact JWS without verifying it.

use base64::Engine as _;
use serde_json::{json, Value};

use crate::io::read_stdin;
use crate::Failure;

/// Decode one base64url part into JSON, naming the part in errors.
fn decode_json(part: &str, what: &str) -> Result<Value, Failure> {
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|e| Failure::input(format!("the {what} is not base64url: {e}")))?;
    serde_json::from_slice(&bytes)
        .map_err(|e| Failure::input(format!("the {what} is not JSON: {e}")))
}

/// Print `{"header": ..., "claims": ..., "signatureBytes": n}` pretty.
pub(crate) fn run() -> Result<String, Failure> {
    let text = read_stdin("the token")?;
    let token = text.trim();
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(Failure::input(
            "stdin is not a compact JWS (three base64url parts separated by dots)",
        ));
    };
    let header = decode_json(h, "header")?;
    let claims = decode_json(p, "payload")?;
    let signature = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| Failure::input(format!("the signature is not base64url: {e}")))?;
    let out = json!({
        "verified": false,
        "header": header,
        "claims": claims,
        "signatureBytes": signature.len(),
    });
    serde_json::to_string_pretty(&out).map_err(|e| Failure::input(e.to_string()))
}
