//! Spec-defined code tables: the SET delivery error codes that travel in
//! `setErrs` (two vocabularies) and the OBIE `ErrorCode`s of `OBErrorResponse1`.
//!
//! SKELETON: the enums are the contract other modules code against; the
//! descriptions and the OBIE table are completed by the wire-model work.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Which published vocabulary a [`SetErrCode`] belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Vocabulary {
    /// The codes OBIE cites from draft-ietf-secevent-http-push (`jws`, `jwtAud`, ...).
    Obie,
    /// RFC 8935 §2.4 / IANA "Security Event Token Error Codes" (`invalid_key`, ...).
    Rfc8935,
}

/// A SET delivery error code as carried in `setErrs[jti].err`.
///
/// Unknown codes are preserved byte for byte in [`SetErrCode::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SetErrCode {
    /// `json`
    Json,
    /// `jwtParse`
    JwtParse,
    /// `jwtHdr`
    JwtHdr,
    /// `jwtCrypto`
    JwtCrypto,
    /// `jws`
    Jws,
    /// `jwe`
    Jwe,
    /// `jwtAud`
    JwtAud,
    /// `jwtIss`
    JwtIss,
    /// `setType`
    SetType,
    /// `setParse`
    SetParse,
    /// `setData`
    SetData,
    /// `dup`
    Dup,
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_key`
    InvalidKey,
    /// `invalid_issuer`
    InvalidIssuer,
    /// `invalid_audience`
    InvalidAudience,
    /// `authentication_failed`
    AuthenticationFailed,
    /// `access_denied`
    AccessDenied,
    /// Any other code, carried through unchanged.
    Other(String),
}

impl SetErrCode {
    /// Every known code, OBIE vocabulary first.
    pub const KNOWN: [SetErrCode; 18] = [
        SetErrCode::Json,
        SetErrCode::JwtParse,
        SetErrCode::JwtHdr,
        SetErrCode::JwtCrypto,
        SetErrCode::Jws,
        SetErrCode::Jwe,
        SetErrCode::JwtAud,
        SetErrCode::JwtIss,
        SetErrCode::SetType,
        SetErrCode::SetParse,
        SetErrCode::SetData,
        SetErrCode::Dup,
        SetErrCode::InvalidRequest,
        SetErrCode::InvalidKey,
        SetErrCode::InvalidIssuer,
        SetErrCode::InvalidAudience,
        SetErrCode::AuthenticationFailed,
        SetErrCode::AccessDenied,
    ];

    /// The code as it appears on the wire.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            SetErrCode::Json => "json",
            SetErrCode::JwtParse => "jwtParse",
            SetErrCode::JwtHdr => "jwtHdr",
            SetErrCode::JwtCrypto => "jwtCrypto",
            SetErrCode::Jws => "jws",
            SetErrCode::Jwe => "jwe",
            SetErrCode::JwtAud => "jwtAud",
            SetErrCode::JwtIss => "jwtIss",
            SetErrCode::SetType => "setType",
            SetErrCode::SetParse => "setParse",
            SetErrCode::SetData => "setData",
            SetErrCode::Dup => "dup",
            SetErrCode::InvalidRequest => "invalid_request",
            SetErrCode::InvalidKey => "invalid_key",
            SetErrCode::InvalidIssuer => "invalid_issuer",
            SetErrCode::InvalidAudience => "invalid_audience",
            SetErrCode::AuthenticationFailed => "authentication_failed",
            SetErrCode::AccessDenied => "access_denied",
            SetErrCode::Other(s) => s,
        }
    }

    /// Parse a wire code; unknown codes become [`SetErrCode::Other`].
    #[must_use]
    pub fn from_code(code: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|k| k.as_str() == code)
            .cloned()
            .unwrap_or_else(|| SetErrCode::Other(code.to_owned()))
    }

    /// The vocabulary the code belongs to, `None` for [`SetErrCode::Other`].
    #[must_use]
    pub fn vocabulary(&self) -> Option<Vocabulary> {
        match self {
            SetErrCode::InvalidRequest
            | SetErrCode::InvalidKey
            | SetErrCode::InvalidIssuer
            | SetErrCode::InvalidAudience
            | SetErrCode::AuthenticationFailed
            | SetErrCode::AccessDenied => Some(Vocabulary::Rfc8935),
            SetErrCode::Other(_) => None,
            _ => Some(Vocabulary::Obie),
        }
    }

    /// The specification's description of the code, `None` when unknown.
    #[must_use]
    pub fn description(&self) -> Option<&'static str> {
        None // SKELETON: filled in by the wire-model work.
    }
}

impl core::fmt::Display for SetErrCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for SetErrCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SetErrCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(SetErrCode::from_code(&s))
    }
}
