//! The seam between the receiver and SET verification.
//!
//! The receiver verifies every SET through a [`SetVerifier`]. By default that
//! is [`verify_set`](crate::set::verify_set) with the configured JWK Set and
//! policy; hosts and tests can plug in their own (a key store behind an HSM, a
//! keyring refreshed elsewhere, a fake in a unit test).

use crate::jose::Keyring;
use crate::set::{VerifiedSet, VerifyError, VerifyPolicy};
use crate::time::Timestamp;

/// Verifies one compact-JWS SET.
///
/// Implemented for every `Fn(&str, &Keyring, &VerifyPolicy, Timestamp) ->
/// Result<VerifiedSet, VerifyError>`, so [`verify_set`](crate::set::verify_set)
/// itself and closures qualify.
pub trait SetVerifier: Send + Sync {
    /// Verify `token` as of `now` against `keys` under `policy` (both from the
    /// receiver's [`ReceiverConfig`](super::ReceiverConfig)).
    ///
    /// # Errors
    /// The first check that failed; its
    /// [`set_err`](VerifyError::set_err) code is reported to the ASPSP.
    fn verify(
        &self,
        token: &str,
        keys: &Keyring,
        policy: &VerifyPolicy,
        now: Timestamp,
    ) -> Result<VerifiedSet, VerifyError>;
}

impl<F> SetVerifier for F
where
    F: Fn(&str, &Keyring, &VerifyPolicy, Timestamp) -> Result<VerifiedSet, VerifyError>
        + Send
        + Sync,
{
    fn verify(
        &self,
        token: &str,
        keys: &Keyring,
        policy: &VerifyPolicy,
        now: Timestamp,
    ) -> Result<VerifiedSet, VerifyError> {
        self(token, keys, policy, now)
    }
}
