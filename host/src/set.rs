//! Security Event Tokens end to end: `setpoll_core::set`.

use std::sync::Arc;

use crate::claims::SetClaims;
use crate::jose::{Keyring, SigningKey};
use crate::time::timestamp;
use crate::SetpollError;
use setpoll_core::jose::HeaderProfile as CoreProfile;

record! {
    /// The routing facts of a signed SET, read without verification.
    pub struct SetEnvelope {
        /// `jti`: the queue key.
        pub jti: String,
        /// `aud`: each audience.
        pub aud: Vec<String>,
    }
}

/// Read `jti` and `aud` of a compact JWS without verifying it.
///
/// # Errors
/// `Verify` when the token is not a compact JWS whose payload is a JSON
/// object with a string `jti`.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn peek_envelope(token: String) -> Result<SetEnvelope, SetpollError> {
    let env = setpoll_core::set::peek_envelope(&token)?;
    Ok(SetEnvelope {
        jti: env.jti,
        aud: env.aud,
    })
}

settings! {
    /// What a recipient accepts.
    pub struct VerifyPolicy for setpoll_core::set::VerifyPolicy {
        /// Expected `iss`; `None` skips the check.
        pub issuer: Option<String>,
        /// Expected `aud` (the recipient's client id); `None` skips the check.
        pub audience: Option<String>,
        settings {
            /// Allowed algorithms (default: the core's, `PS256` and `ES256`).
            algorithms: Vec<String> => algorithms,
            /// Clock-skew allowance, seconds (default: the core's).
            max_skew_secs: i64 => max_skew_secs,
            /// Largest compact JWS accepted, bytes (default: the core's).
            max_token_bytes: i32 => max_token_bytes,
            /// Reject SETs older than this many seconds (default: any age).
            max_age_secs: i64 => max_age_secs,
            /// Also accept `typ: JWT` / `application/jwt` (default: the core's, no).
            accept_jwt_typ: bool => typ.accept_jwt,
            /// Refuse a header without `typ` (default: the core's, no).
            require_typ: bool => typ.require_typ,
        }
    }
}

impl TryFrom<&VerifyPolicy> for setpoll_core::set::VerifyPolicy {
    type Error = SetpollError;
    fn try_from(p: &VerifyPolicy) -> Result<Self, SetpollError> {
        let mut out = setpoll_core::set::VerifyPolicy::new("", "");
        out.issuer = p.issuer.clone();
        out.audience = p.audience.clone();
        p.apply(&mut out)?;
        Ok(out)
    }
}

/// A SET whose signature and claims checked out.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct VerifiedSet {
    /// The validated claims.
    pub claims: Arc<SetClaims>,
    /// The `kid` that selected the key.
    pub kid: Option<String>,
    /// `ES256` or `PS256`.
    pub alg: String,
}

impl From<setpoll_core::set::VerifiedSet> for VerifiedSet {
    fn from(v: setpoll_core::set::VerifiedSet) -> Self {
        VerifiedSet {
            claims: Arc::new(SetClaims(v.claims)),
            kid: v.kid,
            alg: v.alg.name().to_owned(),
        }
    }
}

/// Verify a compact-JWS SET at `now_ms`: signature first, then the claims.
///
/// # Errors
/// `Verify` with the `setErrs` code to report; `Argument` for a bad policy or time.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn verify_set(
    token: String,
    keyring: Arc<Keyring>,
    policy: VerifyPolicy,
    now_ms: i64,
) -> Result<VerifiedSet, SetpollError> {
    verify_set_compiled(&token, &keyring, &CompiledPolicy::new(&policy)?, now_ms)
}

/// A [`VerifyPolicy`] checked and converted once, for hosts that verify
/// many SETs under one policy: the conversion is a good part of a
/// verification's own time once the signature is the platform's.
#[derive(Clone, Debug)]
pub struct CompiledPolicy(Arc<setpoll_core::set::VerifyPolicy>);

impl CompiledPolicy {
    /// Check and convert `policy`.
    ///
    /// # Errors
    /// `Argument` for a bad policy, as [`verify_set`] reports it.
    pub fn new(policy: &VerifyPolicy) -> Result<Self, SetpollError> {
        Ok(Self(Arc::new(setpoll_core::set::VerifyPolicy::try_from(
            policy,
        )?)))
    }
}

/// [`verify_set`] under a [`CompiledPolicy`].
///
/// # Errors
/// As [`verify_set`].
pub fn verify_set_compiled(
    token: &str,
    keyring: &Keyring,
    policy: &CompiledPolicy,
    now_ms: i64,
) -> Result<VerifiedSet, SetpollError> {
    let v = setpoll_core::set::verify_set(token, &keyring.ring, &policy.0, timestamp(now_ms)?)?;
    Ok(v.into())
}

/// Which protected header a SET is signed with.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum HeaderProfile {
    /// RFC 8417 §2.3: `alg`, `kid`, `typ: secevent+jwt`.
    Rfc8417,
    /// OBIE message signing (`http://openbanking.org.uk/iat`, `iss`, `tan`).
    Obie {
        /// The ASPSP's organisation id.
        org_id: String,
        /// The trust anchor (`openbanking.org.uk`).
        trust_anchor: String,
    },
}

/// Sign claims into a compact JWS (`now_ms` fills the OBIE header `iat`).
///
/// # Errors
/// `Sign` when the claims do not validate or the backend fails; `Argument`
/// for a bad profile or time.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn sign_set(
    claims: Arc<SetClaims>,
    key: Arc<SigningKey>,
    now_ms: i64,
    profile: HeaderProfile,
) -> Result<String, SetpollError> {
    let profile = core_profile(profile)?;
    Ok(setpoll_core::set::sign_set(
        &claims.0,
        &key.0,
        &profile,
        timestamp(now_ms)?,
    )?)
}

/// A SET checked up to its signature ([`prepare_set`]): the signature is
/// the caller's to check with its own crypto (`node:crypto`, WebCrypto);
/// [`finish_set`] takes the verdict and checks the claims.
#[derive(Debug)]
pub struct PreparedSet {
    inner: setpoll_core::set::PreparedSet,
    policy: Arc<setpoll_core::set::VerifyPolicy>,
}

getters! {
    impl PreparedSet.inner: setpoll_core::set::PreparedSet {
        /// The bytes the signature covers.
        signing_input -> Vec<u8> = |p| p.signing_input().to_vec();
        /// The signature (ES256: 64-byte IEEE P1363 `r || s`).
        signature -> Vec<u8> = |p| p.signature().to_vec();
        /// `ES256`, `PS256` or `RS256`.
        alg -> String = |p| p.algorithm().name().to_owned();
        /// The header's `kid`.
        kid -> Option<String> = |p| p.kid().map(str::to_owned);
        /// The platform's handle of the selected key, when it has one.
        platform_key_id -> Option<u64> = setpoll_core::set::PreparedSet::platform_key_id;
        /// The selected key as a public JWK (JSON text).
        public_jwk_json -> String = |p| p.public_jwk().to_json();
        /// Whether the signature has the one length the algorithm and key allow.
        signature_len_ok -> bool = setpoll_core::set::PreparedSet::signature_len_ok;
    }
}

/// Every check of [`verify_set`] before the signature, with its errors.
///
/// # Errors
/// `Verify` as [`verify_set`]; `Argument` for a bad policy.
pub fn prepare_set(
    token: &str,
    keyring: &Keyring,
    policy: VerifyPolicy,
) -> Result<PreparedSet, SetpollError> {
    prepare_set_compiled(token, keyring, &CompiledPolicy::new(&policy)?)
}

/// [`prepare_set`] under a [`CompiledPolicy`] (shared, not copied).
///
/// # Errors
/// `Verify` as [`verify_set`].
pub fn prepare_set_compiled(
    token: &str,
    keyring: &Keyring,
    policy: &CompiledPolicy,
) -> Result<PreparedSet, SetpollError> {
    let inner = setpoll_core::set::prepare_set(token, &keyring.ring, &policy.0)?;
    Ok(PreparedSet {
        inner,
        policy: Arc::clone(&policy.0),
    })
}

/// The rest of [`verify_set`]: the caller's verdict on the signature, then
/// the claims at `now_ms`.
///
/// # Errors
/// `Verify` (`bad_signature` for a `false` verdict); `Argument` for a bad time.
pub fn finish_set(
    prepared: PreparedSet,
    signature_ok: bool,
    now_ms: i64,
) -> Result<VerifiedSet, SetpollError> {
    let v = setpoll_core::set::finish_set(
        prepared.inner,
        signature_ok,
        &prepared.policy,
        timestamp(now_ms)?,
    )?;
    Ok(v.into())
}

fn core_profile(profile: HeaderProfile) -> Result<CoreProfile, SetpollError> {
    Ok(match profile {
        HeaderProfile::Rfc8417 => CoreProfile::rfc8417(),
        HeaderProfile::Obie {
            org_id,
            trust_anchor,
        } => CoreProfile::obie(org_id, trust_anchor)?,
    })
}

/// A SET before its signature ([`prepare_sign_set`]).
#[derive(Debug)]
pub struct PreparedSignature(setpoll_core::jose::jws::PreparedSignature);

getters! {
    impl PreparedSignature.0: setpoll_core::jose::jws::PreparedSignature {
        /// The bytes to sign.
        signing_input -> Vec<u8> = |p| p.signing_input().to_vec();
        /// `ES256`, `PS256` or `RS256`.
        alg -> String = |p| p.algorithm().name().to_owned();
    }
}

impl PreparedSignature {
    /// The compact JWS with `signature` appended.
    ///
    /// # Errors
    /// `Sign` (`signing_failed`) for a signature of the wrong length.
    pub fn assemble(&self, signature: &[u8]) -> Result<String, SetpollError> {
        Ok(self.0.clone().assemble(signature)?)
    }
}

/// The first half of [`sign_set`]: the claims validated, the header built.
///
/// # Errors
/// `Sign` when the claims do not validate; `Argument` for a bad profile or time.
pub fn prepare_sign_set(
    claims: &SetClaims,
    key: &SigningKey,
    now_ms: i64,
    profile: HeaderProfile,
) -> Result<PreparedSignature, SetpollError> {
    let profile = core_profile(profile)?;
    let prepared =
        setpoll_core::set::prepare_sign_set(&claims.0, &key.0, &profile, timestamp(now_ms)?)
            .map_err(SetpollError::from)?;
    Ok(PreparedSignature(prepared))
}
