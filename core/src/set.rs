//! Security Event Tokens end to end: sign claims into a compact JWS
//! ([`sign_set`]), and verify a compact JWS into claims under a
//! [`VerifyPolicy`] ([`verify_set`]).
//!
//! [`verify_set`] runs the JWS checks of [`crate::jose::jws::verify_compact`]
//! (size limit before any decoding, structure, strict header, `alg`
//! allow-list, key lookup, signature) and only then reads the claims:
//! [`SetClaims::from_json`], `iss`, `aud`, `iat` (skew and optional maximum
//! age), `exp` and `nbf` when present. Every failure is a [`VerifyError`]
//! with a stable [`VerifyError::code`] and the `setErrs` code to report in
//! either vocabulary ([`VerifyError::set_err`]).

use core::fmt;

use crate::claims::{ClaimsError, NumericDate, SetClaims};
use crate::codes::{SetErrCode, Vocabulary};
use crate::crypto::CryptoError;
use crate::jose::jws::{self, JwsError};
use crate::jose::{Algorithm, HeaderProfile, JwsHeader, Keyring, SigningKey, TypPolicy};
use crate::time::Timestamp;

/// What a recipient accepts.
///
/// Build it with [`VerifyPolicy::new`], which sets the safe defaults, then
/// adjust fields as needed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifyPolicy {
    /// Allowed algorithms (never `none`, never HMAC: those cannot be named).
    /// Default `[PS256, ES256]`; add [`Algorithm::Rs256`] to accept RS256
    /// (OpenID SSF / CAEP transmitters).
    pub algorithms: Vec<Algorithm>,
    /// Which `typ` header values are accepted (see [`TypPolicy`] for the
    /// rule). Default: `JOSE` and `secevent+jwt`, or no `typ`; `JWT` only
    /// with [`TypPolicy::accept_jwt`].
    pub typ: TypPolicy,
    /// Expected `iss`; `None` skips the check.
    pub issuer: Option<String>,
    /// Expected `aud` (the recipient's client id): a string `aud` must equal
    /// it, an array `aud` must contain it. `None` skips the check.
    pub audience: Option<String>,
    /// Clock-skew allowance for `iat`, `exp` and `nbf`, seconds.
    pub max_skew_secs: u64,
    /// Largest compact JWS accepted, bytes (checked before any decoding).
    pub max_token_bytes: usize,
    /// When set, reject SETs whose `iat` is older than this many seconds
    /// (plus the skew). `None` (the default) accepts any age: SETs may wait
    /// in a poll queue for a long time.
    pub max_age_secs: Option<u64>,
}

impl VerifyPolicy {
    /// Default clock-skew allowance: 300 seconds.
    pub const DEFAULT_MAX_SKEW_SECS: u64 = 300;
    /// Default token size limit: 64 KiB (OBIE SETs are around 1-2 KiB).
    pub const DEFAULT_MAX_TOKEN_BYTES: usize = 64 * 1024;

    /// A policy expecting `issuer` and `audience`, with the defaults:
    /// algorithms `[PS256, ES256]`, the default [`TypPolicy`], skew 300 s,
    /// tokens up to 64 KiB, no maximum age.
    #[must_use]
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        VerifyPolicy {
            algorithms: Algorithm::DEFAULT_ALLOWED.to_vec(),
            typ: TypPolicy::default(),
            issuer: Some(issuer.into()),
            audience: Some(audience.into()),
            max_skew_secs: Self::DEFAULT_MAX_SKEW_SECS,
            max_token_bytes: Self::DEFAULT_MAX_TOKEN_BYTES,
            max_age_secs: None,
        }
    }
}

/// Why a SET failed verification.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum VerifyError {
    /// The token is not a readable compact JWS ([`peek_envelope`] only;
    /// [`verify_set`] reports structure problems as [`VerifyError::Jws`]).
    Malformed(String),
    /// A JWS-level check failed (structure, header, algorithm, key, signature).
    Jws(JwsError),
    /// `iss` is not the expected issuer.
    WrongIssuer {
        /// The `iss` found (truncated).
        found: String,
    },
    /// `aud` does not name the expected audience.
    WrongAudience,
    /// `iat` is later than now plus the skew.
    IatInFuture {
        /// The token's `iat`, seconds.
        iat: i64,
        /// Now, seconds.
        now: u64,
    },
    /// `iat` is older than the policy's maximum age.
    IatTooOld {
        /// The token's `iat`, seconds.
        iat: i64,
        /// Now, seconds.
        now: u64,
    },
    /// `exp` has passed (beyond the skew).
    Expired {
        /// The token's `exp`, seconds.
        exp: i64,
    },
    /// `nbf` is in the future (beyond the skew).
    NotYetValid {
        /// The token's `nbf`, seconds.
        nbf: i64,
    },
    /// `exp` or `nbf` is present but not a number. (No longer returned:
    /// the claims reader refuses such a value as [`VerifyError::Claims`].)
    #[doc(hidden)]
    BadTimeClaim(&'static str),
    /// The claims are invalid.
    Claims(ClaimsError),
}

impl From<JwsError> for VerifyError {
    fn from(e: JwsError) -> Self {
        VerifyError::Jws(e)
    }
}

impl VerifyError {
    /// Stable machine code: the JWS codes of [`JwsError::code`]
    /// (`token_too_large`, `malformed`, `bad_header`, `alg_not_allowed`,
    /// `b64_unsupported`, `crit_unsupported`, `kid_missing`, `unknown_kid`,
    /// `key_alg_mismatch`, `bad_signature`), then `wrong_issuer`,
    /// `wrong_audience`, `iat_in_future`, `iat_too_old`, `expired`,
    /// `not_yet_valid`, `claims_invalid`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            VerifyError::Malformed(_) => "malformed",
            VerifyError::Jws(e) => e.code(),
            VerifyError::WrongIssuer { .. } => "wrong_issuer",
            VerifyError::WrongAudience => "wrong_audience",
            VerifyError::IatInFuture { .. } => "iat_in_future",
            VerifyError::IatTooOld { .. } => "iat_too_old",
            VerifyError::Expired { .. } => "expired",
            VerifyError::NotYetValid { .. } => "not_yet_valid",
            VerifyError::BadTimeClaim(_) | VerifyError::Claims(_) => "claims_invalid",
        }
    }

    /// The `setErrs` code a recipient should send, in the given vocabulary.
    ///
    /// JWS failures map as [`JwsError::set_err`]; wrong issuer is `jwtIss` /
    /// `invalid_issuer`; wrong audience `jwtAud` / `invalid_audience`; time
    /// claims `setData` / `invalid_request`; other claim problems as
    /// the claims module decides.
    #[must_use]
    pub fn set_err(&self, vocabulary: Vocabulary) -> SetErrCode {
        let obie = vocabulary == Vocabulary::Obie;
        match self {
            VerifyError::Jws(e) => e.set_err(vocabulary),
            VerifyError::Claims(e) => e.set_err(vocabulary),
            VerifyError::Malformed(_) if obie => SetErrCode::JwtParse,
            VerifyError::WrongIssuer { .. } if obie => SetErrCode::JwtIss,
            VerifyError::WrongIssuer { .. } => SetErrCode::InvalidIssuer,
            VerifyError::WrongAudience if obie => SetErrCode::JwtAud,
            VerifyError::WrongAudience => SetErrCode::InvalidAudience,
            _ if obie => SetErrCode::SetData,
            _ => SetErrCode::InvalidRequest,
        }
    }

    /// A description fit for `setErrs[jti].description`: 1..=256 characters,
    /// never containing key material.
    #[must_use]
    pub fn description(&self) -> String {
        let text = self.to_string();
        let mut out: String = text.chars().take(256).collect();
        if out.is_empty() {
            out.push_str(self.code());
        }
        out
    }
}

impl fmt::Display for VerifyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            VerifyError::Malformed(m) => f.write_str(m),
            VerifyError::Jws(e) => e.fmt(f),
            VerifyError::WrongIssuer { found } => {
                write!(f, "issuer \"{found}\" is not the expected issuer")
            }
            VerifyError::WrongAudience => f.write_str("audience does not include this recipient"),
            VerifyError::IatInFuture { iat, now } => {
                write!(f, "iat {iat} is in the future (now {now})")
            }
            VerifyError::IatTooOld { iat, now } => {
                write!(f, "iat {iat} is older than allowed (now {now})")
            }
            VerifyError::Expired { exp } => write!(f, "token expired at {exp}"),
            VerifyError::NotYetValid { nbf } => write!(f, "token not valid before {nbf}"),
            VerifyError::BadTimeClaim(c) => write!(f, "claim \"{c}\" is not a number"),
            VerifyError::Claims(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for VerifyError {}

/// A SET whose signature and claims checked out.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct VerifiedSet {
    /// The validated claims.
    pub claims: SetClaims,
    /// The parsed protected header.
    pub header: JwsHeader,
    /// The `kid` that selected the key (`None` when the header had none).
    pub kid: Option<String>,
    /// The algorithm that verified.
    pub alg: Algorithm,
}

/// Verify a compact-JWS SET.
///
/// The recipient builds a [`Keyring`] from the issuer's published JWK Set
/// and a [`VerifyPolicy`] naming the issuer it expects and itself as the
/// audience; a failure maps to the `setErrs` code to report.
///
/// ```
/// use setpoll_core::claims::{EventSubject, ResourceLink, SetClaims};
/// use setpoll_core::codes::Vocabulary;
/// use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
/// use setpoll_core::set::{sign_set, verify_set, VerifyPolicy};
/// use setpoll_core::Timestamp;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let key = SigningKey::generate_es256_from_seed([1; 32])?.with_kid("bank-key-1");
/// # let claims = SetClaims::builder("https://bank.example/", "jti-1", "tpp-client-1", 1_700_000_000)
/// #     .sub("https://bank.example/open-banking/v3.1/aisp/account-access-consents/aac-1")
/// #     .resource_update(EventSubject::new("aac-1", "account-access-consent", vec![
/// #         ResourceLink::new("v3.1", "https://bank.example/open-banking/v3.1/aisp/account-access-consents/aac-1"),
/// #     ]))
/// #     .build()?;
/// # let profile = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk")?;
/// # let token = sign_set(&claims, &key, &profile, Timestamp::from_secs(1_700_000_000))?;
/// # let published = JwkSet::new(vec![key.to_public_jwk()])?.to_json();
/// // `published`: the bank's JWK Set (GET /jwks); `token`: one SET from a poll.
/// let keyring = Keyring::new(&JwkSet::from_json(published.as_bytes())?)?;
/// let policy = VerifyPolicy::new("https://bank.example/", "tpp-client-1");
/// let now = Timestamp::from_secs(1_700_000_030);
/// let verified = verify_set(&token, &keyring, &policy, now)?;
/// assert_eq!(verified.claims.jti, "jti-1");
///
/// // A SET for another client: report it in `setErrs`, never process it.
/// let other = VerifyPolicy::new("https://bank.example/", "tpp-client-2");
/// let err = verify_set(&token, &keyring, &other, now).unwrap_err();
/// assert_eq!(err.code(), "wrong_audience");
/// assert_eq!(err.set_err(Vocabulary::Obie).as_str(), "jwtAud");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// The first check that failed (see the module docs for the order).
pub fn verify_set(
    token: &str,
    keys: &Keyring,
    policy: &VerifyPolicy,
    now: Timestamp,
) -> Result<VerifiedSet, VerifyError> {
    let verified = jws::verify_compact(
        token,
        keys,
        &policy.algorithms,
        policy.typ,
        policy.max_token_bytes,
    )?;
    check_claims(verified, policy, now)
}

/// A SET that passed every check of [`verify_set`] before the signature
/// (size, structure, header, `alg` allow-list, `crit`, key selection): the
/// signing input, signature, key and algorithm for a caller's own crypto
/// (`node:crypto`, WebCrypto). Its verdict goes to [`finish_set`], which
/// makes every remaining decision.
#[derive(Clone, Debug)]
pub struct PreparedSet(jws::PreparedJws);

impl PreparedSet {
    /// The bytes the signature covers.
    #[must_use]
    pub fn signing_input(&self) -> &[u8] {
        self.0.signing_input()
    }

    /// The signature: ES256 as the 64-byte IEEE P1363 `r || s`, PS256 and
    /// RS256 as the modulus-length RSA signature.
    #[must_use]
    pub fn signature(&self) -> &[u8] {
        self.0.signature()
    }

    /// The algorithm to verify with (in the policy's allow-list).
    #[must_use]
    pub fn algorithm(&self) -> Algorithm {
        self.0.algorithm()
    }

    /// The header's `kid`, if any.
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.0.kid()
    }

    /// The key the keyring selected (validated: a point on P-256, or an
    /// RSA key within the size limits).
    #[must_use]
    pub fn public_key(&self) -> &crate::crypto::PublicKey {
        self.0.public_key()
    }

    /// The platform's name for the selected key (see
    /// [`crate::crypto::PlatformVerifier::key_id`]).
    #[must_use]
    pub fn platform_key_id(&self) -> Option<u64> {
        self.0.platform_key_id()
    }

    /// The selected key as a public JWK.
    #[must_use]
    pub fn public_jwk(&self) -> crate::jose::Jwk {
        self.0.public_jwk()
    }

    /// Whether the signature has the length the algorithm and key allow;
    /// [`finish_set`] refuses it otherwise, whatever the verdict (a caller
    /// may skip its crypto for such a signature).
    #[must_use]
    pub fn signature_len_ok(&self) -> bool {
        self.0.signature_len_ok()
    }
}

/// The first half of [`verify_set`]: every check before the signature, with
/// the same errors in the same order.
///
/// ```
/// use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
/// use setpoll_core::claims::SetClaims;
/// use setpoll_core::set::{finish_set, prepare_set, sign_set, VerifyPolicy};
/// use setpoll_core::Timestamp;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let key = SigningKey::generate_es256_from_seed([1; 32])?.with_kid("k1");
/// # let claims = SetClaims::builder("https://bank.example/", "jti-1", "tpp", 1_700_000_000)
/// #     .custom_event("https://schemas.example/ping", serde_json::Map::new())
/// #     .build()?;
/// # let token = sign_set(&claims, &key, &HeaderProfile::rfc8417(), Timestamp::from_secs(1_700_000_000))?;
/// # let keyring = Keyring::new(&JwkSet::new(vec![key.to_public_jwk()])?)?;
/// let policy = VerifyPolicy::new("https://bank.example/", "tpp");
/// let prepared = prepare_set(&token, &keyring, &policy)?;
/// // Your crypto checks prepared.signature() over prepared.signing_input()
/// // with prepared.public_jwk() under prepared.algorithm(); here, the core's.
/// let ok = prepared
///     .public_key()
///     .verifier(prepared.algorithm().scheme(), Default::default())?
///     .verify(prepared.signing_input(), prepared.signature())
///     .is_ok();
/// let verified = finish_set(prepared, ok, &policy, Timestamp::from_secs(1_700_000_030))?;
/// assert_eq!(verified.claims.jti, "jti-1");
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// The first check that failed, as [`verify_set`] reports it.
pub fn prepare_set(
    token: &str,
    keys: &Keyring,
    policy: &VerifyPolicy,
) -> Result<PreparedSet, VerifyError> {
    Ok(PreparedSet(jws::prepare_compact(
        token,
        keys,
        &policy.algorithms,
        policy.typ,
        policy.max_token_bytes,
    )?))
}

/// The second half of [`verify_set`]: takes the caller's verdict on the
/// signature (`true` only when it verified), then checks the claims under
/// `policy` at `now`.
///
/// # Errors
/// `bad_signature` for a `false` verdict or a signature of the wrong
/// length; then the claims checks of [`verify_set`].
pub fn finish_set(
    prepared: PreparedSet,
    signature_ok: bool,
    policy: &VerifyPolicy,
    now: Timestamp,
) -> Result<VerifiedSet, VerifyError> {
    let verified = prepared.0.finish(signature_ok)?;
    check_claims(verified, policy, now)
}

/// The claims checks of [`verify_set`], after the signature.
fn check_claims(
    verified: jws::VerifiedJws,
    policy: &VerifyPolicy,
    now: Timestamp,
) -> Result<VerifiedSet, VerifyError> {
    let claims = SetClaims::from_json(&verified.payload).map_err(VerifyError::Claims)?;

    if let Some(issuer) = &policy.issuer {
        if claims.iss != *issuer {
            return Err(VerifyError::WrongIssuer {
                found: crate::jose::header_printable(&claims.iss),
            });
        }
    }
    if let Some(audience) = &policy.audience {
        if !claims.aud.iter().any(|a| a == audience) {
            return Err(VerifyError::WrongAudience);
        }
    }

    let now_secs = now.as_secs();
    let now_i = i64::try_from(now_secs).unwrap_or(i64::MAX);
    let skew = i64::try_from(policy.max_skew_secs).unwrap_or(i64::MAX);
    if claims.iat > now_i.saturating_add(skew) {
        return Err(VerifyError::IatInFuture {
            iat: claims.iat,
            now: now_secs,
        });
    }
    if let Some(max_age) = policy.max_age_secs {
        let max_age = i64::try_from(max_age).unwrap_or(i64::MAX);
        if now_i.saturating_sub(claims.iat) > max_age.saturating_add(skew) {
            return Err(VerifyError::IatTooOld {
                iat: claims.iat,
                now: now_secs,
            });
        }
    }

    if let Some(exp) = claims.exp.as_ref().map(NumericDate::secs) {
        if now_i >= exp.saturating_add(skew) {
            return Err(VerifyError::Expired { exp });
        }
    }
    if let Some(nbf) = claims.nbf.as_ref().map(NumericDate::secs) {
        if nbf > now_i.saturating_add(skew) {
            return Err(VerifyError::NotYetValid { nbf });
        }
    }

    let header = verified.header;
    Ok(VerifiedSet {
        kid: header.kid.clone(),
        alg: header.alg,
        header,
        claims,
    })
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
    use crate::json::{parse_object, ObjectError};
    use serde_json::Value;
    let bad = |m: &str| VerifyError::Malformed(m.to_owned());
    let mut parts = token.split('.');
    let (Some(_), Some(payload), Some(_), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("not a compact JWS (three dot-separated parts)"));
    };
    let bytes = crate::jose::b64::decode(payload).ok_or_else(|| bad("payload is not base64url"))?;
    let members = match parse_object(&bytes) {
        Ok(members) => members,
        Err(ObjectError::NotJson) => return Err(bad("payload is not JSON")),
        Err(ObjectError::Duplicate(_)) => return Err(bad("payload repeats a member name")),
        Err(ObjectError::NotObject) => Vec::new(),
    };
    let member = |name: &str| members.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let jti = match member("jti") {
        Some(Value::String(s)) if !s.is_empty() => s.clone(),
        _ => return Err(bad("payload has no string jti")),
    };
    let aud = match member("aud") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Ok(SetEnvelope { jti, aud })
}

/// Why a SET could not be signed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum SignError {
    /// The claims break a rule of [`SetClaims::validate`] (setpoll never
    /// signs what its own verifier would reject).
    Claims(ClaimsError),
    /// The crypto backend failed.
    Crypto(CryptoError),
}

impl SignError {
    /// Stable machine code: `claims_invalid`, or the crypto error's code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            SignError::Claims(_) => "claims_invalid",
            SignError::Crypto(e) => e.code(),
        }
    }
}

impl fmt::Display for SignError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SignError::Claims(e) => e.fmt(f),
            SignError::Crypto(e) => e.fmt(f),
        }
    }
}

impl std::error::Error for SignError {}

/// Sign claims into a compact JWS with the header `profile` prescribes
/// (`now` fills the OBIE `http://openbanking.org.uk/iat` header).
///
/// A bank signs each SET once, when the event happens, and serves the same
/// bytes on every delivery:
///
/// ```
/// use setpoll_core::claims::{EventSubject, ResourceLink, SetClaims};
/// use setpoll_core::jose::{HeaderProfile, SigningKey};
/// use setpoll_core::set::sign_set;
/// use setpoll_core::Timestamp;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let key = SigningKey::generate_es256_from_seed([1; 32])?.with_kid("bank-key-1");
/// let consent = "https://bank.example/open-banking/v3.1/aisp/account-access-consents/aac-1";
/// let claims = SetClaims::builder("https://bank.example/", "jti-1", "tpp-client-1", 1_700_000_000)
///     .sub(consent)
///     .txn("txn-1")
///     .toe(1_700_000_000)
///     .resource_update(EventSubject::new(
///         "aac-1",
///         "account-access-consent",
///         vec![ResourceLink::new("v3.1", consent)],
///     ))
///     .build()?;
/// // The OBIE message-signing header (the default of the CLI and bindings):
/// // the bank's organisation id and the trust anchor.
/// let profile = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk")?;
/// let token = sign_set(&claims, &key, &profile, Timestamp::from_secs(1_700_000_000))?;
/// assert_eq!(token.split('.').count(), 3); // compact JWS
/// # Ok(())
/// # }
/// ```
///
/// # Errors
/// [`SignError::Claims`] when the claims do not validate,
/// [`SignError::Crypto`] when the backend fails.
pub fn sign_set(
    claims: &SetClaims,
    key: &SigningKey,
    profile: &HeaderProfile,
    now: Timestamp,
) -> Result<String, SignError> {
    claims.validate().map_err(SignError::Claims)?;
    let payload = claims.to_json();
    jws::sign_compact(profile, payload.as_bytes(), key, now).map_err(SignError::Crypto)
}

/// The first half of [`sign_set`]: validates the claims and builds the
/// header `profile` prescribes for `key` and the payload; the caller signs
/// [`jws::PreparedSignature::signing_input`] with its own crypto and
/// [`jws::PreparedSignature::assemble`]s the compact JWS.
///
/// # Errors
/// [`SignError::Claims`] when the claims do not validate.
pub fn prepare_sign_set(
    claims: &SetClaims,
    key: &SigningKey,
    profile: &HeaderProfile,
    now: Timestamp,
) -> Result<jws::PreparedSignature, SignError> {
    claims.validate().map_err(SignError::Claims)?;
    let payload = claims.to_json();
    Ok(jws::prepare_sign_compact(
        profile,
        payload.as_bytes(),
        key,
        now,
    ))
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )]

    use super::*;
    use crate::crypto::Backend;
    use crate::jose::{JwkSet, OBIE_IAT};

    const EC_PEM: &str = include_str!("jose/testdata/p256.pk8.pem");
    const RSA_PEM: &str = include_str!("jose/testdata/rsa2048.pk8.pem");
    const ISS: &str = "https://examplebank.com/";
    const AUD: &str = "7umx5nTR33811QyQfi";
    const IAT: i64 = 1_516_239_022;

    fn keys() -> Vec<SigningKey> {
        vec![
            SigningKey::from_pkcs8_pem(EC_PEM).unwrap().with_kid("ec-1"),
            SigningKey::from_pkcs8_pem(RSA_PEM)
                .unwrap()
                .with_kid("rsa-1"),
        ]
    }

    fn keyring(b: Backend) -> Keyring {
        let set = JwkSet::new(keys().iter().map(SigningKey::to_public_jwk).collect()).unwrap();
        Keyring::with_backend(&set, b).unwrap()
    }

    /// The OBIE documentation's example notification, with `extra` members.
    fn payload(extra: &str) -> String {
        format!(
            r#"{{"iss":"{ISS}","iat":{IAT},"jti":"b460a07c-4962-43d1-85ee-9dc10fbb8f6c","sub":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007","aud":"{AUD}","events":{{"urn:uk:org:openbanking:events:resource-update":{{"subject":{{"subject_type":"http://openbanking.org.uk/rid_http://openbanking.org.uk/rty","http://openbanking.org.uk/rid":"aac-1234-007","http://openbanking.org.uk/rty":"account-access-consent","http://openbanking.org.uk/rlk":[{{"version":"v3.1","link":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007"}}]}}}}}},"txn":"dfc51628-3479-4b81-ad60-210b43d02306","toe":{IAT}{extra}}}"#
        )
    }

    fn now() -> Timestamp {
        Timestamp::from_secs(IAT as u64 + 10)
    }

    fn token(payload: &str, key: &SigningKey) -> String {
        jws::sign_compact(&HeaderProfile::rfc8417(), payload.as_bytes(), key, now()).unwrap()
    }

    fn check(
        token: &str,
        policy: &VerifyPolicy,
        at: Timestamp,
        code: &str,
        obie: SetErrCode,
        rfc: SetErrCode,
    ) {
        for b in Backend::available() {
            let err = verify_set(token, &keyring(b), policy, at).unwrap_err();
            assert_eq!(err.code(), code, "{err:?}");
            assert_eq!(err.set_err(Vocabulary::Obie), obie);
            assert_eq!(err.set_err(Vocabulary::Rfc8935), rfc);
            let d = err.description();
            assert!(!d.is_empty() && d.chars().count() <= 256, "{d}");
        }
    }

    #[test]
    fn policy_defaults() {
        let p = VerifyPolicy::new(ISS, AUD);
        assert_eq!(p.algorithms, vec![Algorithm::Ps256, Algorithm::Es256]);
        assert_eq!(p.max_skew_secs, 300);
        assert_eq!(p.max_token_bytes, 65_536);
        assert_eq!(p.max_age_secs, None);
        assert_eq!(p.issuer.as_deref(), Some(ISS));
        assert_eq!(p.audience.as_deref(), Some(AUD));
    }

    #[test]
    fn sign_then_verify_with_both_profiles_on_every_backend() {
        let claims = SetClaims::from_json(payload("").as_bytes()).unwrap();
        let obie = HeaderProfile::obie("0015800001041REAAY", "openbanking.org.uk").unwrap();
        for signer in Backend::available() {
            for key in keys() {
                let key = key.with_backend(signer).unwrap();
                for profile in [&obie, &HeaderProfile::rfc8417()] {
                    let t = sign_set(&claims, &key, profile, now()).unwrap();
                    for verifier in Backend::available() {
                        let v =
                            verify_set(&t, &keyring(verifier), &VerifyPolicy::new(ISS, AUD), now())
                                .unwrap();
                        assert_eq!(v.claims, claims);
                        assert_eq!(v.alg, key.algorithm());
                        assert_eq!(v.kid.as_deref(), Some(key.kid()));
                        if profile == &obie {
                            assert_eq!(v.header.obie_iat, Some(now().as_secs()));
                            assert_eq!(v.header.crit.first().map(String::as_str), Some(OBIE_IAT));
                        } else {
                            assert_eq!(v.header.typ.as_deref(), Some("secevent+jwt"));
                        }
                    }
                }
            }
        }
        // The envelope reader agrees with the verifier.
        let t = sign_set(&claims, &keys()[0], &obie, now()).unwrap();
        let env = peek_envelope(&t).unwrap();
        assert_eq!(env.jti, claims.jti);
        assert_eq!(env.aud, vec![AUD.to_owned()]);
    }

    #[test]
    fn portable_es256_sets_are_byte_identical() {
        let claims = SetClaims::from_json(payload("").as_bytes()).unwrap();
        let key = keys().remove(0).with_backend(Backend::Portable).unwrap();
        let a = sign_set(&claims, &key, &HeaderProfile::rfc8417(), now()).unwrap();
        let b = sign_set(&claims, &key, &HeaderProfile::rfc8417(), now()).unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn wrong_issuer_and_audience() {
        let key = &keys()[1];
        let mut p = VerifyPolicy::new("https://otherbank.com/", AUD);
        check(
            &token(&payload(""), key),
            &p,
            now(),
            "wrong_issuer",
            SetErrCode::JwtIss,
            SetErrCode::InvalidIssuer,
        );
        p = VerifyPolicy::new(ISS, "someone-else");
        check(
            &token(&payload(""), key),
            &p,
            now(),
            "wrong_audience",
            SetErrCode::JwtAud,
            SetErrCode::InvalidAudience,
        );
        // An aud array must contain the expected audience.
        let multi = payload("").replace(
            &format!("\"aud\":\"{AUD}\""),
            &format!("\"aud\":[\"x\",\"{AUD}\"]"),
        );
        let t = token(&multi, key);
        let v = verify_set(
            &t,
            &keyring(Backend::Portable),
            &VerifyPolicy::new(ISS, AUD),
            now(),
        )
        .unwrap();
        assert_eq!(v.claims.aud, vec!["x".to_owned(), AUD.to_owned()]);
        let none = multi.replace(&format!(",\"{AUD}\"]"), "]");
        let t = token(&none, key);
        let p = VerifyPolicy::new(ISS, AUD);
        check(
            &t,
            &p,
            now(),
            "wrong_audience",
            SetErrCode::JwtAud,
            SetErrCode::InvalidAudience,
        );
        // With no expectations both checks are skipped.
        let mut open = VerifyPolicy::new("x", "y");
        open.issuer = None;
        open.audience = None;
        assert!(verify_set(
            &token(&payload(""), key),
            &keyring(Backend::Portable),
            &open,
            now()
        )
        .is_ok());
    }

    #[test]
    fn time_claims() {
        let key = &keys()[0];
        let p = VerifyPolicy::new(ISS, AUD);
        let t = token(&payload(""), key);
        let early = Timestamp::from_secs(IAT as u64 - 301);
        check(
            &t,
            &p,
            early,
            "iat_in_future",
            SetErrCode::SetData,
            SetErrCode::InvalidRequest,
        );
        // Within the skew: fine.
        assert!(verify_set(
            &t,
            &keyring(Backend::Portable),
            &p,
            Timestamp::from_secs(IAT as u64 - 299)
        )
        .is_ok());
        // Maximum age.
        let mut aged = p.clone();
        aged.max_age_secs = Some(3600);
        let late = Timestamp::from_secs(IAT as u64 + 3600 + 301);
        check(
            &t,
            &aged,
            late,
            "iat_too_old",
            SetErrCode::SetData,
            SetErrCode::InvalidRequest,
        );
        assert!(verify_set(&t, &keyring(Backend::Portable), &p, late).is_ok());
        // exp in the past, nbf in the future, exp of the wrong type.
        let exp = token(&payload(&format!(",\"exp\":{}", IAT - 1000)), key);
        check(
            &exp,
            &p,
            now(),
            "expired",
            SetErrCode::SetData,
            SetErrCode::InvalidRequest,
        );
        // An escaped member name is still `exp`.
        let escaped = token(&payload(&format!(",\"\\u0065xp\":{}", IAT - 1000)), key);
        check(
            &escaped,
            &p,
            now(),
            "expired",
            SetErrCode::SetData,
            SetErrCode::InvalidRequest,
        );
        let ok_exp = token(&payload(&format!(",\"exp\":{}", IAT + 1000)), key);
        assert!(verify_set(&ok_exp, &keyring(Backend::Portable), &p, now()).is_ok());
        let nbf = token(&payload(&format!(",\"nbf\":{}", IAT + 1000)), key);
        check(
            &nbf,
            &p,
            now(),
            "not_yet_valid",
            SetErrCode::SetData,
            SetErrCode::InvalidRequest,
        );
        // A time claim that is not a number is a claims error, as `iat` is.
        let bad = token(&payload(",\"exp\":\"soon\""), key);
        check(
            &bad,
            &p,
            now(),
            "claims_invalid",
            SetErrCode::SetParse,
            SetErrCode::InvalidRequest,
        );
        // A fractional exp is kept as written and compared rounded down.
        let frac = token(&payload(&format!(",\"exp\":{}.5", IAT + 1000)), key);
        let v = verify_set(&frac, &keyring(Backend::Portable), &p, now()).unwrap();
        assert_eq!(
            v.claims.exp.as_ref().map(NumericDate::secs),
            Some(IAT + 1000)
        );
        assert!(v
            .claims
            .to_json()
            .contains(&format!("\"exp\":{}.5", IAT + 1000)));
    }

    #[test]
    fn invalid_claims_delegate_to_the_claims_error() {
        let key = &keys()[0];
        let p = VerifyPolicy::new(ISS, AUD);
        // iat as a string, as one OBIE example has it.
        let t = token(
            &payload("").replace(&format!("\"iat\":{IAT}"), &format!("\"iat\":\"{IAT}\"")),
            key,
        );
        let err = verify_set(&t, &keyring(Backend::Portable), &p, now()).unwrap_err();
        assert_eq!(err.code(), "claims_invalid");
        let VerifyError::Claims(inner) = &err else {
            panic!("{err:?}")
        };
        assert_eq!(
            err.set_err(Vocabulary::Obie),
            inner.set_err(Vocabulary::Obie)
        );
        assert_eq!(err.set_err(Vocabulary::Rfc8935), SetErrCode::InvalidRequest);
        // Not JSON at all.
        let t = token("not json", key);
        check(
            &t,
            &p,
            now(),
            "claims_invalid",
            SetErrCode::SetParse,
            SetErrCode::InvalidRequest,
        );
    }

    #[test]
    fn signature_is_checked_before_claims_are_read() {
        // A forged token with bad claims AND a bad signature reports the signature.
        let key = &keys()[0];
        let t = token("not json", key);
        let (input, _) = t.rsplit_once('.').unwrap();
        let forged = format!("{input}.{}", crate::jose::b64::encode(&[7u8; 64]));
        check(
            &forged,
            &VerifyPolicy::new(ISS, AUD),
            now(),
            "bad_signature",
            SetErrCode::Jws,
            SetErrCode::InvalidKey,
        );
    }

    #[test]
    fn sign_set_refuses_invalid_claims() {
        let mut claims = SetClaims::from_json(payload("").as_bytes()).unwrap();
        claims.jti = String::new();
        let err = sign_set(&claims, &keys()[0], &HeaderProfile::rfc8417(), now()).unwrap_err();
        assert_eq!(err.code(), "claims_invalid");
    }
}
