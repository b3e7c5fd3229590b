//! Security Event Tokens end to end: sign claims into a compact JWS, and
//! verify a compact JWS into claims under a [`VerifyPolicy`].
//!
//! SKELETON: the contract other modules code against; completed by the JOSE work.

use crate::claims::SetClaims;
use crate::codes::{SetErrCode, Vocabulary};
use crate::jose::{Algorithm, Keyring, SigningKey};
use crate::time::Timestamp;

/// What a recipient accepts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Allowed algorithms (never `none`, never HMAC).
    pub algorithms: Vec<Algorithm>,
    /// Expected `iss`; `None` skips the check.
    pub issuer: Option<String>,
    /// Expected `aud` (the recipient's client id); `None` skips the check.
    pub audience: Option<String>,
    /// Clock-skew allowance for `iat`, seconds.
    pub max_skew_secs: u64,
    /// Largest compact JWS accepted, bytes.
    pub max_token_bytes: usize,
}

/// Why a SET failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// Placeholder until the JOSE work lands.
    Malformed(String),
}

impl VerifyError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "malformed"
    }
    /// The `setErrs` code a recipient should send, in the given vocabulary.
    #[must_use]
    pub fn set_err(&self, vocabulary: Vocabulary) -> SetErrCode {
        match vocabulary {
            Vocabulary::Obie => SetErrCode::JwtParse,
            Vocabulary::Rfc8935 => SetErrCode::InvalidRequest,
        }
    }
    /// A description fit for `setErrs[jti].description` (1..256 chars).
    #[must_use]
    pub fn description(&self) -> String {
        "malformed token".into()
    }
}

/// A SET whose signature and claims checked out.
#[derive(Clone, Debug, PartialEq)]
pub struct VerifiedSet {
    /// The validated claims.
    pub claims: SetClaims,
}

/// Verify a compact-JWS SET.
///
/// # Errors
/// The first check that failed.
pub fn verify_set(
    token: &str,
    keys: &Keyring,
    policy: &VerifyPolicy,
    now: Timestamp,
) -> Result<VerifiedSet, VerifyError> {
    let _ = (token, keys, policy, now);
    Err(VerifyError::Malformed("skeleton".into()))
}

/// The routing facts of a signed SET, read without verifying it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SetEnvelope {
    /// `jti`: the queue key.
    pub jti: String,
    /// `aud`: a single string, or each entry of an array.
    pub aud: Vec<String>,
}

/// Read `jti` and `aud` from a compact JWS without verifying it (the
/// transmitter keys its queue on them; it signed the token itself).
///
/// # Errors
/// When the token is not a three-part compact JWS whose payload is a JSON
/// object with a non-empty string `jti`.
pub fn peek_envelope(token: &str) -> Result<SetEnvelope, VerifyError> {
    use base64::Engine as _;
    let bad = |m: &str| VerifyError::Malformed(m.to_owned());
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a compact JWS (three dot-separated parts)"));
    };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| bad("payload is not base64url"))?;
    let value: serde_json::Value =
        serde_json::from_slice(&bytes).map_err(|_| bad("payload is not JSON"))?;
    let jti = match value.get("jti") {
        Some(serde_json::Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(bad("payload has no string jti")),
    };
    let aud = match value.get("aud") {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Ok(SetEnvelope { jti, aud })
}

/// Sign claims (placeholder signature; the JOSE work defines header profiles).
///
/// # Errors
/// When signing fails.
pub fn sign_set(claims: &SetClaims, key: &SigningKey) -> Result<String, VerifyError> {
    let _ = (claims, key);
    Err(VerifyError::Malformed("skeleton".into()))
}
