//! Security Event Tokens: `setpoll_core::set`.

use crate::SetpollError;

/// The routing facts of a signed SET, read without verification.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SetEnvelope {
    /// `jti`: the queue key.
    pub jti: String,
    /// `aud`: each audience.
    pub aud: Vec<String>,
}

/// Read `jti` and `aud` of a compact JWS without verifying it.
///
/// # Errors
/// `Verify` when the token is not a compact JWS whose payload is a JSON
/// object with a string `jti`.
#[uniffi::export]
pub fn peek_envelope(token: String) -> Result<SetEnvelope, SetpollError> {
    let env = setpoll_core::set::peek_envelope(&token)?;
    Ok(SetEnvelope {
        jti: env.jti,
        aud: env.aud,
    })
}
