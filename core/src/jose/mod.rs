//! JOSE: JWK / JWK Set (RFC 7517), JWS compact serialisation (RFC 7515 §7.1)
//! and the algorithms setpoll allows (RFC 7518: ES256, PS256, and RS256
//! when the recipient opts in).
//!
//! - [`Algorithm`]: the supported `alg` values; everything else (`none`,
//!   `HS*`, `RS384`, ...) is rejected by name with an [`UnsupportedAlgorithm`].
//! - [`TypPolicy`]: which `typ` header values a recipient accepts.
//! - [`Jwk`] / [`JwkSet`]: strict parsing and serialisation of keys.
//! - [`Keyring`]: a JWK Set prepared once for a [`crate::crypto::Backend`],
//!   looked up by `kid` during verification.
//! - [`SigningKey`]: a private key with its `kid` and algorithm.
//! - [`jws`]: compact sign/verify with strict protected-header rules
//!   ([`JwsHeader`], [`HeaderProfile`]).

mod alg;
pub(crate) mod b64;
mod header;
mod jwk;
pub mod jws;
mod keyring;
mod signing_key;

pub use alg::{Algorithm, UnsupportedAlgorithm};
pub use header::{
    HeaderProblem, HeaderProfile, JwsHeader, ObieProfile, ProfileError, TypPolicy,
    MAX_HEADER_BYTES, OBIE_IAT, OBIE_ISS, OBIE_TAN,
};
pub use jwk::{Jwk, JwkError, JwkSet, SkippedKey};
pub use jws::{JwsError, MalformedReason, Part, VerifiedJws};
pub use keyring::Keyring;
pub use signing_key::SigningKey;

#[cfg(test)]
mod tests;

/// Attacker-supplied text cut to 64 printable characters, for messages.
pub(crate) fn header_printable(s: &str) -> String {
    header::printable(s, 64)
}
