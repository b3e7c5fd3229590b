//! Strict base64url without padding (RFC 7515 §2 "Base64url Encoding"):
//! no `=`, no whitespace, no `+`/`/`, no non-zero trailing bits.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Encode bytes as base64url without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decode strict base64url without padding; `None` on any deviation.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}
