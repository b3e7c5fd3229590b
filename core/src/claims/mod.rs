//! SET claims: `OBEventNotification2` (RFC 8417 §2.2 with the OBIE event types).
//!
//! SKELETON: the contract other modules code against; completed by the
//! claims work.

/// Errors from parsing or validating SET claims.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ClaimsError {
    /// Placeholder until the claims work lands.
    Invalid(String),
}

impl ClaimsError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        "claims_invalid"
    }
}

/// The claims of one Security Event Token.
#[doc(alias = "OBEventNotification2")]
#[derive(Clone, Debug, PartialEq)]
pub struct SetClaims {
    /// `iss`
    pub iss: String,
    /// `iat` (seconds)
    pub iat: i64,
    /// `jti`
    pub jti: String,
    /// `aud` (a string, or several for RFC 8417 peers)
    pub aud: Vec<String>,
    /// `sub`
    pub sub: Option<String>,
    /// `txn`
    pub txn: Option<String>,
    /// `toe` (seconds)
    pub toe: Option<i64>,
    /// `events`: event type URI -> event payload object, in document order.
    pub events: Vec<(String, serde_json::Value)>,
}

impl SetClaims {
    /// Parse claims from the JWS payload bytes (JSON) and validate them.
    ///
    /// # Errors
    /// A [`ClaimsError`] naming the first problem.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ClaimsError> {
        let _ = bytes;
        Err(ClaimsError::Invalid("skeleton".into()))
    }

    /// Serialise to JSON (the JWS payload).
    #[must_use]
    pub fn to_json(&self) -> String {
        String::new()
    }
}
