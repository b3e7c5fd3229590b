//! JOSE: JWK / JWK Set (RFC 7517), JWS compact serialisation (RFC 7515) and
//! the algorithms setpoll allows (RFC 7518: ES256, PS256).
//!
//! SKELETON: names other modules code against; completed by the JOSE work.

/// A JWS algorithm setpoll can sign and verify with (RFC 7518 §3.1).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (RFC 7518 §3.4).
    Es256,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256 (RFC 7518 §3.5).
    Ps256,
}

/// A public JWK Set prepared for verification (keys parsed once, looked up by `kid`).
#[derive(Clone, Debug, Default)]
pub struct Keyring {}

/// A private key that signs JWS, with its `kid` and algorithm.
#[derive(Clone, Debug)]
pub struct SigningKey {}
