//! JWS Compact Serialization (RFC 7515 §7.1): sign, and verify under an
//! algorithm allow-list with a [`Keyring`].
//!
//! Verification order (cheap structural checks first, nothing trusted before
//! the signature is checked):
//! 1. token length against the limit, before any decoding;
//! 2. exactly three dot-separated parts, header non-empty (an empty
//!    signature, as `alg: none` tokens carry, fails at the `alg` check);
//! 3. strict base64url (no padding, no whitespace, canonical) for all parts;
//! 4. protected header ([`JwsHeader`]): JSON object, no duplicate members,
//!    size limit, member types, `alg` allowed, `b64`, `crit`, `typ` (as the
//!    [`TypPolicy`] says);
//! 5. key lookup by `kid` in the keyring, key type matches `alg`;
//! 6. the signature.

use core::fmt;

use super::alg::{Algorithm, UnsupportedAlgorithm};
use super::b64;
use super::header::{self, HeaderProblem, HeaderProfile, JwsHeader, TypPolicy, MAX_HEADER_BYTES};
use super::jwk::Jwk;
use super::keyring::Keyring;
use super::signing_key::SigningKey;
use crate::codes::{SetErrCode, Vocabulary};
use crate::crypto::{CryptoError, PublicKey, Verifier};
use crate::time::Timestamp;

/// A part of a compact JWS.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Part {
    /// The protected header.
    Header,
    /// The payload.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Part::Header => "header",
            Part::Payload => "payload",
            Part::Signature => "signature",
        })
    }
}

/// Why a token is not a well-formed compact JWS.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum MalformedReason {
    /// Not exactly three dot-separated parts.
    PartCount,
    /// A part that must not be empty is.
    EmptyPart(Part),
    /// A part is not strict unpadded base64url.
    Base64(Part),
}

impl fmt::Display for MalformedReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MalformedReason::PartCount => {
                f.write_str("not a compact JWS (three dot-separated parts)")
            }
            MalformedReason::EmptyPart(p) => write!(f, "the {p} part is empty"),
            MalformedReason::Base64(p) => write!(f, "the {p} part is not unpadded base64url"),
        }
    }
}

/// Why a compact JWS failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwsError {
    /// The token is longer than the limit (checked before any decoding).
    TokenTooLarge {
        /// Token length, bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not a well-formed compact JWS.
    Malformed(MalformedReason),
    /// The protected header breaks a rule.
    BadHeader(HeaderProblem),
    /// `alg` names an algorithm setpoll never accepts (`none`, `HS256`, `RS384`, ...).
    AlgNotAllowed(UnsupportedAlgorithm),
    /// `alg` is supported but not in the policy's allow-list.
    AlgNotAllowedByPolicy(Algorithm),
    /// `b64` is `false` (RFC 7797 unencoded payload), which is not supported.
    B64Unsupported,
    /// `crit` lists a header this implementation does not understand.
    CritUnsupported(String),
    /// No `kid`, and the keyring does not have exactly one key for `alg`.
    KidMissing,
    /// No usable verification key has this `kid`.
    UnknownKid(String),
    /// The key with this `kid` is of the wrong type for `alg`.
    KeyAlgMismatch {
        /// The `kid`.
        kid: String,
        /// The header's `alg`.
        alg: Algorithm,
    },
    /// The signature does not verify (including a wrong length, e.g. DER-encoded ECDSA).
    BadSignature,
}

impl JwsError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            JwsError::TokenTooLarge { .. } => "token_too_large",
            JwsError::Malformed(_) => "malformed",
            JwsError::BadHeader(_) => "bad_header",
            JwsError::AlgNotAllowed(_) | JwsError::AlgNotAllowedByPolicy(_) => "alg_not_allowed",
            JwsError::B64Unsupported => "b64_unsupported",
            JwsError::CritUnsupported(_) => "crit_unsupported",
            JwsError::KidMissing => "kid_missing",
            JwsError::UnknownKid(_) => "unknown_kid",
            JwsError::KeyAlgMismatch { .. } => "key_alg_mismatch",
            JwsError::BadSignature => "bad_signature",
        }
    }

    /// The `setErrs` code for this failure.
    ///
    /// | failure | OBIE | RFC 8935 |
    /// |---|---|---|
    /// | too large, malformed | `jwtParse` | `invalid_request` |
    /// | bad header, `b64`, `crit`, missing `kid` | `jwtHdr` | `invalid_request` |
    /// | `alg` not allowed | `jwtCrypto` | `invalid_request` |
    /// | unknown `kid`, key/alg mismatch, bad signature | `jws` | `invalid_key` |
    #[must_use]
    pub fn set_err(&self, vocabulary: Vocabulary) -> SetErrCode {
        let key_problem = matches!(
            self,
            JwsError::UnknownKid(_) | JwsError::KeyAlgMismatch { .. } | JwsError::BadSignature
        );
        match vocabulary {
            Vocabulary::Rfc8935 => {
                if key_problem {
                    SetErrCode::InvalidKey
                } else {
                    SetErrCode::InvalidRequest
                }
            }
            Vocabulary::Obie => match self {
                JwsError::TokenTooLarge { .. } | JwsError::Malformed(_) => SetErrCode::JwtParse,
                JwsError::AlgNotAllowed(_) | JwsError::AlgNotAllowedByPolicy(_) => {
                    SetErrCode::JwtCrypto
                }
                _ if key_problem => SetErrCode::Jws,
                _ => SetErrCode::JwtHdr,
            },
        }
    }
}

impl fmt::Display for JwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwsError::TokenTooLarge { len, max } => {
                write!(f, "token of {len} bytes exceeds the {max}-byte limit")
            }
            JwsError::Malformed(r) => r.fmt(f),
            JwsError::BadHeader(p) => p.fmt(f),
            JwsError::AlgNotAllowed(e) => e.fmt(f),
            JwsError::AlgNotAllowedByPolicy(a) => {
                write!(f, "algorithm {a} is not allowed by the recipient")
            }
            JwsError::B64Unsupported => {
                f.write_str("unencoded payloads (\"b64\": false) are not supported")
            }
            JwsError::CritUnsupported(n) => write!(f, "critical header \"{n}\" is not understood"),
            JwsError::KidMissing => {
                f.write_str("header has no \"kid\" and the key set has several candidate keys")
            }
            JwsError::UnknownKid(k) => write!(f, "no verification key with kid \"{k}\""),
            JwsError::KeyAlgMismatch { kid, alg } => write!(f, "key \"{kid}\" cannot verify {alg}"),
            JwsError::BadSignature => f.write_str("signature does not verify"),
        }
    }
}

impl std::error::Error for JwsError {}

/// A compact JWS whose signature checked out.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VerifiedJws {
    /// The parsed protected header.
    pub header: JwsHeader,
    /// The decoded payload (not yet interpreted).
    pub payload: Vec<u8>,
}

/// Largest base64url text that decodes to at most [`MAX_HEADER_BYTES`].
const MAX_HEADER_B64: usize = MAX_HEADER_BYTES.div_ceil(3) * 4;

/// A compact JWS that passed every check but the signature (steps 1-5 of
/// the module docs), borrowed from the token and the keyring.
struct Checked<'a> {
    header: JwsHeader,
    payload: Vec<u8>,
    signing_input: &'a str,
    signature: Vec<u8>,
    verifier: &'a Verifier,
}

/// Steps 1-5 of the module docs.
fn check<'a>(
    token: &'a str,
    keys: &'a Keyring,
    algorithms: &[Algorithm],
    typ: TypPolicy,
    max_token_bytes: usize,
) -> Result<Checked<'a>, JwsError> {
    if token.len() > max_token_bytes {
        return Err(JwsError::TokenTooLarge {
            len: token.len(),
            max: max_token_bytes,
        });
    }
    let mut parts = token.split('.');
    let (Some(h64), Some(p64), Some(s64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(JwsError::Malformed(MalformedReason::PartCount));
    };
    if h64.is_empty() {
        return Err(JwsError::Malformed(MalformedReason::EmptyPart(
            Part::Header,
        )));
    }
    if h64.len() > MAX_HEADER_B64 {
        return Err(JwsError::BadHeader(HeaderProblem::TooLarge));
    }
    let header_bytes =
        b64::decode(h64).ok_or(JwsError::Malformed(MalformedReason::Base64(Part::Header)))?;
    let payload =
        b64::decode(p64).ok_or(JwsError::Malformed(MalformedReason::Base64(Part::Payload)))?;
    let signature = b64::decode(s64).ok_or(JwsError::Malformed(MalformedReason::Base64(
        Part::Signature,
    )))?;

    let header = header::parse_protected(&header_bytes, algorithms, typ)?;
    let verifier = keys.find(header.kid.as_deref(), header.alg)?;

    let signing_input = token
        .get(..h64.len() + 1 + p64.len())
        .ok_or(JwsError::Malformed(MalformedReason::PartCount))?;
    Ok(Checked {
        header,
        payload,
        signing_input,
        signature,
        verifier,
    })
}

/// Verify a compact JWS (see the module docs for the order of checks):
/// `alg` must be in `algorithms`, `typ` pass `typ`.
///
/// # Errors
/// The first failed check, as a [`JwsError`].
pub fn verify_compact(
    token: &str,
    keys: &Keyring,
    algorithms: &[Algorithm],
    typ: TypPolicy,
    max_token_bytes: usize,
) -> Result<VerifiedJws, JwsError> {
    let checked = check(token, keys, algorithms, typ, max_token_bytes)?;
    checked
        .verifier
        .verify(checked.signing_input.as_bytes(), &checked.signature)
        .map_err(|_| JwsError::BadSignature)?;
    Ok(VerifiedJws {
        header: checked.header,
        payload: checked.payload,
    })
}

/// A compact JWS that passed every check of [`verify_compact`] but the
/// signature: what a caller with its own crypto (`node:crypto`, WebCrypto)
/// needs to check the signature, then hand the verdict back to
/// [`PreparedJws::finish`].
#[derive(Clone, Debug)]
pub struct PreparedJws {
    header: JwsHeader,
    payload: Vec<u8>,
    signing_input: Vec<u8>,
    signature: Vec<u8>,
    key: PublicKey,
    platform_key_id: Option<u64>,
    signature_len: usize,
}

impl PreparedJws {
    /// The bytes the signature covers (`header.payload`, ASCII).
    #[must_use]
    pub fn signing_input(&self) -> &[u8] {
        &self.signing_input
    }

    /// The decoded signature: ES256 as the 64-byte IEEE P1363 `r || s`;
    /// PS256 and RS256 as the modulus-length RSA signature.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        &self.signature
    }

    /// The header's algorithm (allowed, and matching [`PreparedJws::public_key`]).
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.header.alg
    }

    /// The `kid` of the header, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.header.kid.as_deref()
    }

    /// The parsed protected header.
    #[must_use]
    pub fn header(&self) -> &JwsHeader {
        &self.header
    }

    /// The validated key the keyring selected for `kid` and `alg`.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.key
    }

    /// The platform's name for the selected key, when the keyring was
    /// prepared on [`crate::crypto::Backend::Platform`] and the platform
    /// names its keys.
    #[must_use]
    pub fn platform_key_id(&self) -> Option<u64> {
        self.platform_key_id
    }

    /// The selected key as a public JWK (`kty` and its public members only).
    #[must_use]
    pub fn public_jwk(&self) -> Jwk {
        Jwk::from_public_key(self.key.clone())
    }

    /// Whether the signature has the only length [`PreparedJws::algorithm`]
    /// allows with this key (a DER-encoded ECDSA signature does not);
    /// [`PreparedJws::finish`] refuses any other whatever the verdict.
    #[must_use]
    pub fn signature_len_ok(&self) -> bool {
        self.signature.len() == self.signature_len
    }

    /// Take the caller's verdict on the signature: `true` only when its
    /// crypto verified [`PreparedJws::signature`] over
    /// [`PreparedJws::signing_input`] with [`PreparedJws::public_key`] under
    /// [`PreparedJws::algorithm`].
    ///
    /// # Errors
    /// [`JwsError::BadSignature`] when the verdict is `false` or the
    /// signature length is wrong, as [`verify_compact`] reports.
    pub fn finish(self, signature_ok: bool) -> Result<VerifiedJws, JwsError> {
        if !signature_ok || !self.signature_len_ok() {
            return Err(JwsError::BadSignature);
        }
        Ok(VerifiedJws {
            header: self.header,
            payload: self.payload,
        })
    }
}

/// Every check of [`verify_compact`] but the signature, in the same order
/// and with the same errors; the signature check is the caller's, its
/// verdict goes to [`PreparedJws::finish`].
///
/// # Errors
/// The first failed check, as a [`JwsError`].
pub fn prepare_compact(
    token: &str,
    keys: &Keyring,
    algorithms: &[Algorithm],
    typ: TypPolicy,
    max_token_bytes: usize,
) -> Result<PreparedJws, JwsError> {
    let checked = check(token, keys, algorithms, typ, max_token_bytes)?;
    Ok(PreparedJws {
        header: checked.header,
        payload: checked.payload,
        signing_input: checked.signing_input.as_bytes().to_vec(),
        signature: checked.signature,
        key: checked.verifier.public_key().clone(),
        platform_key_id: checked.verifier.platform_key_id(),
        signature_len: checked.verifier.signature_len(),
    })
}

/// Sign `payload` into a compact JWS with the header `profile` prescribes
/// (`now` fills the OBIE `iat` header).
///
/// # Errors
/// [`CryptoError::SigningFailed`] if the backend fails.
pub fn sign_compact(
    profile: &HeaderProfile,
    payload: &[u8],
    key: &SigningKey,
    now: Timestamp,
) -> Result<String, CryptoError> {
    let prepared = prepare_sign_compact(profile, payload, key, now);
    let signature = key.sign(prepared.signing_input())?;
    prepared.assemble(&signature)
}

/// A compact JWS before its signature: the header and payload the core
/// built, for a caller that signs with its own crypto and hands the
/// signature to [`PreparedSignature::assemble`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PreparedSignature {
    token: String,
    alg: Algorithm,
    signature_len: usize,
}

impl PreparedSignature {
    /// The bytes to sign (`header.payload`, ASCII).
    #[must_use]
    pub fn signing_input(&self) -> &[u8] {
        self.token.as_bytes()
    }

    /// The algorithm the header names (the key's).
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The compact JWS with `signature` appended (ES256: the 64-byte IEEE
    /// P1363 `r || s`; RSA: modulus length).
    ///
    /// # Errors
    /// [`CryptoError::SigningFailed`] when the signature has the wrong length.
    pub fn assemble(mut self, signature: &[u8]) -> Result<String, CryptoError> {
        if signature.len() != self.signature_len {
            return Err(CryptoError::SigningFailed);
        }
        self.token.push('.');
        self.token.push_str(&b64::encode(signature));
        Ok(self.token)
    }
}

/// The first half of [`sign_compact`]: the header `profile` prescribes for
/// `key` and the payload, encoded; the key itself is not used to sign.
#[must_use]
pub fn prepare_sign_compact(
    profile: &HeaderProfile,
    payload: &[u8],
    key: &SigningKey,
    now: Timestamp,
) -> PreparedSignature {
    let header = profile.header_json(key.algorithm(), key.kid(), now);
    let mut token = b64::encode(header.as_bytes());
    token.push('.');
    token.push_str(&b64::encode(payload));
    PreparedSignature {
        token,
        alg: key.algorithm(),
        signature_len: key.signature_len(),
    }
}
