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

/// Read `jti` and `aud` from a compact JWS without verifying it (the
/// transmitter keys its queue on them; it signed the token itself).
///
/// # Errors
/// When the token is not a compact JWS with a JSON payload holding a string `jti`.
pub fn peek_jti(token: &str) -> Result<String, VerifyError> {
    let _ = token;
    Err(VerifyError::Malformed("skeleton".into()))
}

/// Sign claims (placeholder signature; the JOSE work defines header profiles).
///
/// # Errors
/// When signing fails.
pub fn sign_set(claims: &SetClaims, key: &SigningKey) -> Result<String, VerifyError> {
    let _ = (claims, key);
    Err(VerifyError::Malformed("skeleton".into()))
}
