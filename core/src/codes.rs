//! Spec-defined code tables: the SET delivery error codes that travel in
//! `setErrs` (two vocabularies) and the OBIE `ErrorCode`s of `OBErrorResponse1`.
//!
//! Both tables keep unknown codes as `Other(String)` so that nothing a peer
//! sends is lost or rejected merely for being new.

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
    ///
    /// OBIE codes: the error-code table of draft-ietf-secevent-http-push
    /// (the draft OBIE cites). RFC 8935 codes: RFC 8935 §2.4 and the IANA
    /// "Security Event Token Error Codes" registry.
    #[must_use]
    pub fn description(&self) -> Option<&'static str> {
        Some(match self {
            SetErrCode::Json => "Invalid JSON object.",
            SetErrCode::JwtParse => "Invalid or unparsable JWT or JSON structure.",
            SetErrCode::JwtHdr => "An invalid JWT header was detected.",
            SetErrCode::JwtCrypto => "Unable to parse due to unsupported algorithm.",
            SetErrCode::Jws => "Signature was not validated.",
            SetErrCode::Jwe => "Unable to decrypt JWE encoded data.",
            SetErrCode::JwtAud => "Invalid audience value.",
            SetErrCode::JwtIss => "Issuer not recognized.",
            SetErrCode::SetType => "An unexpected Event type was received.",
            SetErrCode::SetParse => {
                "Invalid structure was encountered such as an inability to parse \
                 or an incomplete set of Event claims."
            }
            SetErrCode::SetData => "SET event claims incomplete or invalid.",
            SetErrCode::Dup => "A duplicate SET was received and has been ignored.",
            SetErrCode::InvalidRequest => {
                "The request body cannot be parsed as a SET, or the Event Payload \
                 within the SET does not conform to the event's definition."
            }
            SetErrCode::InvalidKey => {
                "One or more keys used to encrypt or sign the SET is invalid or \
                 otherwise unacceptable to the SET Recipient (expired, revoked, \
                 failed certificate validation, etc.)."
            }
            SetErrCode::InvalidIssuer => "The SET Issuer is invalid for the SET Recipient.",
            SetErrCode::InvalidAudience => {
                "The SET Audience does not correspond to the SET Recipient."
            }
            SetErrCode::AuthenticationFailed => {
                "The SET Recipient could not authenticate the SET Transmitter."
            }
            SetErrCode::AccessDenied => {
                "The SET Transmitter is not authorized to transmit the SET to the \
                 SET Recipient."
            }
            SetErrCode::Other(_) => return None,
        })
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

/// An OBIE `ErrorCode` of `OBError1` (the `x-namespaced-enum` of the
/// v3.1.x OpenAPI files).
///
/// Namespaced enumerations may be extended by ASPSPs (`UK.<Bank>.<Name>`),
/// and v4.0 replaced the list with four-character external codes (`AC17`):
/// anything not in the v3.1.x table is kept byte for byte in
/// [`ObieErrorCode::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ObieErrorCode {
    /// `UK.OBIE.Field.Expected`
    FieldExpected,
    /// `UK.OBIE.Field.Invalid`
    FieldInvalid,
    /// `UK.OBIE.Field.InvalidDate`
    FieldInvalidDate,
    /// `UK.OBIE.Field.Missing`
    FieldMissing,
    /// `UK.OBIE.Field.Unexpected`
    FieldUnexpected,
    /// `UK.OBIE.Header.Invalid`
    HeaderInvalid,
    /// `UK.OBIE.Header.Missing`
    HeaderMissing,
    /// `UK.OBIE.Reauthenticate`
    Reauthenticate,
    /// `UK.OBIE.Resource.ConsentMismatch`
    ResourceConsentMismatch,
    /// `UK.OBIE.Resource.InvalidConsentStatus`
    ResourceInvalidConsentStatus,
    /// `UK.OBIE.Resource.InvalidFormat`
    ResourceInvalidFormat,
    /// `UK.OBIE.Resource.NotFound`
    ResourceNotFound,
    /// `UK.OBIE.Rules.AfterCutOffDateTime`
    RulesAfterCutOffDateTime,
    /// `UK.OBIE.Rules.DuplicateReference`
    RulesDuplicateReference,
    /// `UK.OBIE.Signature.Invalid`
    SignatureInvalid,
    /// `UK.OBIE.Signature.InvalidClaim`
    SignatureInvalidClaim,
    /// `UK.OBIE.Signature.Malformed`
    SignatureMalformed,
    /// `UK.OBIE.Signature.Missing`
    SignatureMissing,
    /// `UK.OBIE.Signature.MissingClaim`
    SignatureMissingClaim,
    /// `UK.OBIE.Signature.Unexpected`
    SignatureUnexpected,
    /// `UK.OBIE.UnexpectedError`
    UnexpectedError,
    /// `UK.OBIE.Unsupported.AccountIdentifier`
    UnsupportedAccountIdentifier,
    /// `UK.OBIE.Unsupported.AccountSecondaryIdentifier`
    UnsupportedAccountSecondaryIdentifier,
    /// `UK.OBIE.Unsupported.Currency`
    UnsupportedCurrency,
    /// `UK.OBIE.Unsupported.Frequency`
    UnsupportedFrequency,
    /// `UK.OBIE.Unsupported.LocalInstrument`
    UnsupportedLocalInstrument,
    /// `UK.OBIE.Unsupported.Scheme`
    UnsupportedScheme,
    /// Any other code (an ASPSP extension, a v4.0 external code), unchanged.
    Other(String),
}

impl ObieErrorCode {
    /// Every code of the v3.1.x table, in the order of the OpenAPI files.
    pub const KNOWN: [ObieErrorCode; 27] = [
        ObieErrorCode::FieldExpected,
        ObieErrorCode::FieldInvalid,
        ObieErrorCode::FieldInvalidDate,
        ObieErrorCode::FieldMissing,
        ObieErrorCode::FieldUnexpected,
        ObieErrorCode::HeaderInvalid,
        ObieErrorCode::HeaderMissing,
        ObieErrorCode::Reauthenticate,
        ObieErrorCode::ResourceConsentMismatch,
        ObieErrorCode::ResourceInvalidConsentStatus,
        ObieErrorCode::ResourceInvalidFormat,
        ObieErrorCode::ResourceNotFound,
        ObieErrorCode::RulesAfterCutOffDateTime,
        ObieErrorCode::RulesDuplicateReference,
        ObieErrorCode::SignatureInvalid,
        ObieErrorCode::SignatureInvalidClaim,
        ObieErrorCode::SignatureMalformed,
        ObieErrorCode::SignatureMissing,
        ObieErrorCode::SignatureMissingClaim,
        ObieErrorCode::SignatureUnexpected,
        ObieErrorCode::UnexpectedError,
        ObieErrorCode::UnsupportedAccountIdentifier,
        ObieErrorCode::UnsupportedAccountSecondaryIdentifier,
        ObieErrorCode::UnsupportedCurrency,
        ObieErrorCode::UnsupportedFrequency,
        ObieErrorCode::UnsupportedLocalInstrument,
        ObieErrorCode::UnsupportedScheme,
    ];

    /// The code as it appears in `ErrorCode`.
    #[must_use]
    pub fn as_str(&self) -> &str {
        match self {
            ObieErrorCode::FieldExpected => "UK.OBIE.Field.Expected",
            ObieErrorCode::FieldInvalid => "UK.OBIE.Field.Invalid",
            ObieErrorCode::FieldInvalidDate => "UK.OBIE.Field.InvalidDate",
            ObieErrorCode::FieldMissing => "UK.OBIE.Field.Missing",
            ObieErrorCode::FieldUnexpected => "UK.OBIE.Field.Unexpected",
            ObieErrorCode::HeaderInvalid => "UK.OBIE.Header.Invalid",
            ObieErrorCode::HeaderMissing => "UK.OBIE.Header.Missing",
            ObieErrorCode::Reauthenticate => "UK.OBIE.Reauthenticate",
            ObieErrorCode::ResourceConsentMismatch => "UK.OBIE.Resource.ConsentMismatch",
            ObieErrorCode::ResourceInvalidConsentStatus => "UK.OBIE.Resource.InvalidConsentStatus",
            ObieErrorCode::ResourceInvalidFormat => "UK.OBIE.Resource.InvalidFormat",
            ObieErrorCode::ResourceNotFound => "UK.OBIE.Resource.NotFound",
            ObieErrorCode::RulesAfterCutOffDateTime => "UK.OBIE.Rules.AfterCutOffDateTime",
            ObieErrorCode::RulesDuplicateReference => "UK.OBIE.Rules.DuplicateReference",
            ObieErrorCode::SignatureInvalid => "UK.OBIE.Signature.Invalid",
            ObieErrorCode::SignatureInvalidClaim => "UK.OBIE.Signature.InvalidClaim",
            ObieErrorCode::SignatureMalformed => "UK.OBIE.Signature.Malformed",
            ObieErrorCode::SignatureMissing => "UK.OBIE.Signature.Missing",
            ObieErrorCode::SignatureMissingClaim => "UK.OBIE.Signature.MissingClaim",
            ObieErrorCode::SignatureUnexpected => "UK.OBIE.Signature.Unexpected",
            ObieErrorCode::UnexpectedError => "UK.OBIE.UnexpectedError",
            ObieErrorCode::UnsupportedAccountIdentifier => "UK.OBIE.Unsupported.AccountIdentifier",
            ObieErrorCode::UnsupportedAccountSecondaryIdentifier => {
                "UK.OBIE.Unsupported.AccountSecondaryIdentifier"
            }
            ObieErrorCode::UnsupportedCurrency => "UK.OBIE.Unsupported.Currency",
            ObieErrorCode::UnsupportedFrequency => "UK.OBIE.Unsupported.Frequency",
            ObieErrorCode::UnsupportedLocalInstrument => "UK.OBIE.Unsupported.LocalInstrument",
            ObieErrorCode::UnsupportedScheme => "UK.OBIE.Unsupported.Scheme",
            ObieErrorCode::Other(s) => s,
        }
    }

    /// Parse a code; anything outside the table becomes [`ObieErrorCode::Other`].
    #[must_use]
    pub fn from_code(code: &str) -> Self {
        Self::KNOWN
            .iter()
            .find(|k| k.as_str() == code)
            .cloned()
            .unwrap_or_else(|| ObieErrorCode::Other(code.to_owned()))
    }

    /// A short description of when the code applies, `None` for
    /// [`ObieErrorCode::Other`]. OBIE does not standardise this text.
    #[must_use]
    pub fn description(&self) -> Option<&'static str> {
        Some(match self {
            ObieErrorCode::FieldExpected => {
                "A field that is conditionally required in this context was not supplied."
            }
            ObieErrorCode::FieldInvalid => "A field has an invalid value or the wrong type.",
            ObieErrorCode::FieldInvalidDate => "A date field holds an unacceptable date.",
            ObieErrorCode::FieldMissing => "A mandatory field was not supplied.",
            ObieErrorCode::FieldUnexpected => "A field was supplied that is not expected here.",
            ObieErrorCode::HeaderInvalid => "An HTTP header has an invalid value.",
            ObieErrorCode::HeaderMissing => "A required HTTP header was not supplied.",
            ObieErrorCode::Reauthenticate => "The PSU must authenticate again.",
            ObieErrorCode::ResourceConsentMismatch => {
                "The request does not match the consent it refers to."
            }
            ObieErrorCode::ResourceInvalidConsentStatus => {
                "The consent is not in a status that allows this operation."
            }
            ObieErrorCode::ResourceInvalidFormat => {
                "The request body is not in the expected format."
            }
            ObieErrorCode::ResourceNotFound => "The referenced resource does not exist.",
            ObieErrorCode::RulesAfterCutOffDateTime => {
                "The request arrived after the applicable cut-off time."
            }
            ObieErrorCode::RulesDuplicateReference => "A reference has already been used.",
            ObieErrorCode::SignatureInvalid => "The message signature did not verify.",
            ObieErrorCode::SignatureInvalidClaim => {
                "A claim in the message signature header is invalid."
            }
            ObieErrorCode::SignatureMalformed => "The message signature is malformed.",
            ObieErrorCode::SignatureMissing => "The message signature was not supplied.",
            ObieErrorCode::SignatureMissingClaim => {
                "A required claim is absent from the message signature header."
            }
            ObieErrorCode::SignatureUnexpected => {
                "A message signature was supplied where none is expected."
            }
            ObieErrorCode::UnexpectedError => "An unexpected error occurred at the server.",
            ObieErrorCode::UnsupportedAccountIdentifier => {
                "The account identification scheme is not supported."
            }
            ObieErrorCode::UnsupportedAccountSecondaryIdentifier => {
                "The secondary account identification is not supported."
            }
            ObieErrorCode::UnsupportedCurrency => "The currency is not supported.",
            ObieErrorCode::UnsupportedFrequency => "The frequency is not supported.",
            ObieErrorCode::UnsupportedLocalInstrument => "The local instrument is not supported.",
            ObieErrorCode::UnsupportedScheme => "The scheme is not supported.",
            ObieErrorCode::Other(_) => return None,
        })
    }
}

impl core::fmt::Display for ObieErrorCode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ObieErrorCode {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ObieErrorCode {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Ok(ObieErrorCode::from_code(&s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_err_codes_round_trip_and_have_descriptions() {
        for code in SetErrCode::KNOWN {
            assert_eq!(SetErrCode::from_code(code.as_str()), code);
            let d = code.description();
            assert!(
                d.is_some_and(|d| !d.is_empty() && d.chars().count() <= 256),
                "{code}"
            );
            assert!(code.vocabulary().is_some());
        }
        assert_eq!(
            SetErrCode::from_code("brandNew"),
            SetErrCode::Other("brandNew".into())
        );
        assert_eq!(SetErrCode::Other("x".into()).description(), None);
        assert_eq!(SetErrCode::Other("x".into()).vocabulary(), None);
        assert_eq!(
            SetErrCode::InvalidKey.vocabulary(),
            Some(Vocabulary::Rfc8935)
        );
        assert_eq!(SetErrCode::Dup.vocabulary(), Some(Vocabulary::Obie));
    }

    #[test]
    fn obie_codes_round_trip_and_have_descriptions() {
        for code in ObieErrorCode::KNOWN {
            assert_eq!(ObieErrorCode::from_code(code.as_str()), code);
            assert!(code.as_str().starts_with("UK.OBIE."));
            assert!(code.description().is_some_and(|d| !d.is_empty()));
        }
        let other = ObieErrorCode::from_code("AC17");
        assert_eq!(other, ObieErrorCode::Other("AC17".into()));
        assert_eq!(other.description(), None);
        assert_eq!(other.to_string(), "AC17");
    }

    #[test]
    fn serde_is_the_wire_string() {
        #[allow(clippy::unwrap_used)]
        let s = serde_json::to_string(&ObieErrorCode::FieldMissing).unwrap();
        assert_eq!(s, "\"UK.OBIE.Field.Missing\"");
        #[allow(clippy::unwrap_used)]
        let c: SetErrCode = serde_json::from_str("\"jwtAud\"").unwrap();
        assert_eq!(c, SetErrCode::JwtAud);
    }
}
