//! The JWS algorithms setpoll accepts (RFC 7518 §3.1).

use core::fmt;
use core::str::FromStr;

use crate::crypto::{KeyType, Scheme};

/// A JWS algorithm setpoll can sign and verify with (RFC 7518 §3.1).
///
/// Which of them a recipient accepts is its policy's allow-list
/// ([`crate::set::VerifyPolicy::algorithms`]): `ES256` and `PS256` by
/// default; `RS256` only when the recipient opts in.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Algorithm {
    /// ECDSA P-256 with SHA-256 (RFC 7518 §3.4); signature is the 64-byte `r || s`.
    Es256,
    /// RSASSA-PSS with SHA-256 and MGF1-SHA-256, 32-byte salt (RFC 7518 §3.5).
    Ps256,
    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 7518 §3.3). Opt-in: not in the
    /// default allow-list. OBIE requires PS256 (or ES256); OpenID SSF's
    /// CAEP interoperability profile requires RS256.
    Rs256,
}

impl Algorithm {
    /// Every supported algorithm.
    pub const ALL: [Algorithm; 3] = [Algorithm::Ps256, Algorithm::Es256, Algorithm::Rs256];

    /// The allow-list a recipient uses unless it says otherwise: `PS256`, `ES256`.
    pub const DEFAULT_ALLOWED: [Algorithm; 2] = [Algorithm::Ps256, Algorithm::Es256];

    /// The registered `alg` name (`ES256`, `PS256`, `RS256`).
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Algorithm::Es256 => "ES256",
            Algorithm::Ps256 => "PS256",
            Algorithm::Rs256 => "RS256",
        }
    }

    /// Parse an `alg` value (case-sensitive, RFC 7515 §4.1.1).
    ///
    /// # Errors
    /// [`UnsupportedAlgorithm`] for anything but `ES256`, `PS256` and
    /// `RS256`, classified so that `none` and HMAC stand out.
    pub fn from_name(name: &str) -> Result<Self, UnsupportedAlgorithm> {
        match name {
            "ES256" => Ok(Algorithm::Es256),
            "PS256" => Ok(Algorithm::Ps256),
            "RS256" => Ok(Algorithm::Rs256),
            other => Err(UnsupportedAlgorithm::new(other)),
        }
    }

    /// The key type the algorithm needs.
    #[must_use]
    pub const fn key_type(self) -> KeyType {
        match self {
            Algorithm::Es256 => KeyType::EcP256,
            Algorithm::Ps256 | Algorithm::Rs256 => KeyType::Rsa,
        }
    }

    /// The algorithm a key of this type signs with in setpoll unless told
    /// otherwise (`ES256` for EC P-256, `PS256` for RSA).
    #[must_use]
    pub const fn for_key_type(key: KeyType) -> Algorithm {
        match key {
            KeyType::EcP256 => Algorithm::Es256,
            KeyType::Rsa => Algorithm::Ps256,
        }
    }

    /// Every algorithm a key of this type can be used with (`ES256` for EC
    /// P-256; `PS256` and `RS256` for RSA), the default first.
    #[must_use]
    pub fn all_for_key_type(key: KeyType) -> &'static [Algorithm] {
        match key {
            KeyType::EcP256 => &[Algorithm::Es256],
            KeyType::Rsa => &[Algorithm::Ps256, Algorithm::Rs256],
        }
    }

    /// The signature scheme this algorithm names.
    #[must_use]
    pub const fn scheme(self) -> Scheme {
        match self {
            Algorithm::Es256 => Scheme::EcdsaP256Sha256,
            Algorithm::Ps256 => Scheme::RsaPssSha256,
            Algorithm::Rs256 => Scheme::RsaPkcs1Sha256,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Algorithm {
    type Err = UnsupportedAlgorithm;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Algorithm::from_name(s)
    }
}

/// An `alg` value setpoll refuses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnsupportedAlgorithm {
    name: String,
}

/// Longest algorithm name kept for messages.
const MAX_NAME: usize = 32;

impl UnsupportedAlgorithm {
    fn new(name: &str) -> Self {
        UnsupportedAlgorithm {
            name: crate::jose::header::printable(name, MAX_NAME),
        }
    }

    /// The refused name (truncated to 32 characters, control characters replaced).
    #[must_use]
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Stable machine code: `alg_none`, `alg_hmac` or `alg_unsupported`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        if self.name.eq_ignore_ascii_case("none") {
            "alg_none"
        } else if self.name.starts_with("HS") {
            "alg_hmac"
        } else {
            "alg_unsupported"
        }
    }
}

impl fmt::Display for UnsupportedAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code() {
            "alg_none" => f.write_str("unsigned tokens (alg \"none\") are never accepted"),
            "alg_hmac" => write!(f, "HMAC algorithm \"{}\" is never accepted", self.name),
            _ => write!(
                f,
                "algorithm \"{}\" is not supported (only ES256, PS256, RS256)",
                self.name
            ),
        }
    }
}

impl std::error::Error for UnsupportedAlgorithm {}
