//! Security Event Tokens end to end: `setpoll_core::set`.

use std::sync::Arc;

use crate::claims::SetClaims;
use crate::jose::{Keyring, SigningKey};
use crate::time::timestamp;
use crate::SetpollError;
use setpoll_core::jose::{Algorithm, HeaderProfile as CoreProfile};

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

/// What a recipient accepts.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct VerifyPolicy {
    /// Expected `iss`; `None` skips the check.
    pub issuer: Option<String>,
    /// Expected `aud` (the recipient's client id); `None` skips the check.
    pub audience: Option<String>,
    /// Allowed algorithms; `None` = `PS256` and `ES256`.
    #[uniffi(default = None)]
    pub algorithms: Option<Vec<String>>,
    /// Clock-skew allowance, seconds.
    #[uniffi(default = 300)]
    pub max_skew_secs: u32,
    /// Largest compact JWS accepted, bytes.
    #[uniffi(default = 65536)]
    pub max_token_bytes: u32,
    /// Reject SETs older than this many seconds; `None` accepts any age.
    #[uniffi(default = None)]
    pub max_age_secs: Option<u32>,
}

impl TryFrom<&VerifyPolicy> for setpoll_core::set::VerifyPolicy {
    type Error = SetpollError;
    fn try_from(p: &VerifyPolicy) -> Result<Self, SetpollError> {
        let mut out = setpoll_core::set::VerifyPolicy::new("", "");
        out.issuer = p.issuer.clone();
        out.audience = p.audience.clone();
        if let Some(names) = &p.algorithms {
            out.algorithms = names
                .iter()
                .map(|n| Algorithm::from_name(n))
                .collect::<Result<_, _>>()?;
        }
        out.max_skew_secs = u64::from(p.max_skew_secs);
        out.max_token_bytes = usize::try_from(p.max_token_bytes).unwrap_or(usize::MAX);
        out.max_age_secs = p.max_age_secs.map(u64::from);
        Ok(out)
    }
}

/// A SET whose signature and claims checked out.
#[derive(Debug, uniffi::Record)]
pub struct VerifiedSet {
    /// The validated claims.
    pub claims: Arc<SetClaims>,
    /// The `kid` that selected the key.
    pub kid: Option<String>,
    /// `ES256` or `PS256`.
    pub alg: String,
}

/// Verify a compact-JWS SET at `now_ms`: signature first, then the claims.
///
/// # Errors
/// `Verify` with the `setErrs` code to report; `Argument` for a bad policy or time.
#[uniffi::export]
pub fn verify_set(
    token: String,
    keyring: Arc<Keyring>,
    policy: VerifyPolicy,
    now_ms: i64,
) -> Result<VerifiedSet, SetpollError> {
    let policy = setpoll_core::set::VerifyPolicy::try_from(&policy)?;
    let v = setpoll_core::set::verify_set(&token, &keyring.ring, &policy, timestamp(now_ms)?)?;
    Ok(VerifiedSet {
        claims: Arc::new(SetClaims(v.claims)),
        kid: v.kid,
        alg: v.alg.name().to_owned(),
    })
}

/// Which protected header a SET is signed with.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Enum)]
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
#[uniffi::export]
pub fn sign_set(
    claims: Arc<SetClaims>,
    key: Arc<SigningKey>,
    now_ms: i64,
    profile: HeaderProfile,
) -> Result<String, SetpollError> {
    let profile = match profile {
        HeaderProfile::Rfc8417 => CoreProfile::rfc8417(),
        HeaderProfile::Obie {
            org_id,
            trust_anchor,
        } => CoreProfile::obie(org_id, trust_anchor)?,
    };
    Ok(setpoll_core::set::sign_set(
        &claims.0,
        &key.0,
        &profile,
        timestamp(now_ms)?,
    )?)
}
