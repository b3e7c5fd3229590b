//! What a receiver is told up front: who it trusts, what it asks for, and how
//! patiently it polls.

use core::time::Duration;

use crate::codes::Vocabulary;
use crate::jose::Keyring;
use crate::set::VerifyPolicy;

/// Longest `jti` (and `aud`) the OBIE schema allows, in characters.
pub(crate) const MAX_JTI_CHARS: usize = 128;

/// Everything a [`Receiver`](super::Receiver) needs to know before its first poll.
///
/// Build one with [`ReceiverConfig::new`] (OBIE-flavoured defaults) and adjust
/// the public fields; [`Receiver::new`](super::Receiver::new) validates it.
#[derive(Clone, Debug)]
pub struct ReceiverConfig {
    /// The ASPSP's issuer URI: every SET's `iss` must equal it.
    pub issuer: String,
    /// The TPP's own client id: every SET's `aud` must contain it.
    pub client_id: String,
    /// The ASPSP's public JWK Set, prepared for verification.
    pub keys: Keyring,
    /// How SETs are verified. `issuer` and `audience` may be left `None`: the
    /// receiver fills them from [`issuer`](Self::issuer) and
    /// [`client_id`](Self::client_id). Values that disagree with those are a
    /// [`ConfigError`].
    pub policy: VerifyPolicy,
    /// `maxEvents` sent with every poll: `None` leaves it out (the ASPSP's
    /// default applies). Acknowledgement-only requests always send `0`.
    pub max_events: Option<u32>,
    /// `returnImmediately` sent with every poll: `None` leaves it out.
    /// Acknowledgement-only requests always send `true`.
    pub return_immediately: Option<bool>,
    /// Wait between polls when the ASPSP reports no more SETs waiting.
    pub poll_interval: Duration,
    /// Retry timing after failed polls.
    pub backoff: Backoff,
    /// How long and how many processed `jti`s are remembered.
    pub dedup: DedupConfig,
    /// Most SETs handed to the application and not yet acknowledged or
    /// rejected. While this many are outstanding the receiver stops fetching
    /// new SETs (it still sends acknowledgements), and a poll's `maxEvents`
    /// never asks for more than the room left. With `max_events: None` the
    /// ASPSP chooses the batch size, so one batch may overshoot.
    pub max_unsettled: usize,
    /// Which `setErrs` code vocabulary to speak: OBIE's (default) or RFC 8935's.
    pub vocabulary: Vocabulary,
    /// Least time between two key refreshes the receiver asks for
    /// ([`StaleKeys::refresh_at`](super::StaleKeys::refresh_at)), so SETs
    /// with forged `kid`s cannot make the host hammer the ASPSP's JWKS URL.
    /// The first refresh a receiver value asks for is due at once.
    pub key_refresh_interval: Duration,
}

impl ReceiverConfig {
    /// A configuration with defaults: the policy of
    /// [`VerifyPolicy::new`] (PS256 and ES256, 5 minutes of clock skew,
    /// 64 KiB tokens at most, no maximum age), `maxEvents` left to the ASPSP, a
    /// 30 second poll interval, backoff from 1 second to 5 minutes with equal
    /// jitter, a 7 day / 10 000 entry dedup window, 1 000 unsettled SETs at
    /// most, the OBIE `setErrs` vocabulary, and key refreshes at most every
    /// 30 seconds.
    #[must_use]
    pub fn new(issuer: impl Into<String>, client_id: impl Into<String>, keys: Keyring) -> Self {
        let issuer = issuer.into();
        let client_id = client_id.into();
        ReceiverConfig {
            policy: VerifyPolicy::new(issuer.clone(), client_id.clone()),
            issuer,
            client_id,
            keys,
            max_events: None,
            return_immediately: None,
            poll_interval: Duration::from_secs(30),
            backoff: Backoff::default(),
            dedup: DedupConfig::default(),
            max_unsettled: 1000,
            vocabulary: Vocabulary::Obie,
            key_refresh_interval: Duration::from_secs(30),
        }
    }

    /// Check the configuration and fill the policy's issuer and audience.
    pub(crate) fn validated(mut self) -> Result<Self, ConfigError> {
        if self.issuer.is_empty() {
            return Err(ConfigError::EmptyIssuer);
        }
        if self.client_id.is_empty() || self.client_id.chars().count() > MAX_JTI_CHARS {
            return Err(ConfigError::ClientIdLength);
        }
        match &self.policy.issuer {
            Some(iss) if *iss != self.issuer => {
                return Err(ConfigError::PolicyIssuerMismatch {
                    policy: iss.clone(),
                    config: self.issuer.clone(),
                })
            }
            _ => self.policy.issuer = Some(self.issuer.clone()),
        }
        match &self.policy.audience {
            Some(aud) if *aud != self.client_id => {
                return Err(ConfigError::PolicyAudienceMismatch {
                    policy: aud.clone(),
                    config: self.client_id.clone(),
                })
            }
            _ => self.policy.audience = Some(self.client_id.clone()),
        }
        if self.policy.algorithms.is_empty() {
            return Err(ConfigError::NoAlgorithms);
        }
        if i64::from(self.max_events.unwrap_or(0)) > i64::from(i32::MAX) {
            // OpenAPI `integer` without a format is commonly mapped to int32
            // by ASPSP code generators; stay inside it.
            return Err(ConfigError::MaxEventsTooLarge {
                max_events: self.max_events.unwrap_or(0),
            });
        }
        if self.max_events == Some(0) {
            return Err(ConfigError::MaxEventsZero);
        }
        if self.poll_interval.is_zero() {
            return Err(ConfigError::ZeroPollInterval);
        }
        if self.backoff.base.is_zero() || self.backoff.cap < self.backoff.base {
            return Err(ConfigError::BackoffBounds);
        }
        if self.dedup.window.is_zero() || self.dedup.capacity == 0 {
            return Err(ConfigError::EmptyDedupWindow);
        }
        if self.max_unsettled == 0 {
            return Err(ConfigError::ZeroMaxUnsettled);
        }
        if self.key_refresh_interval.is_zero() {
            return Err(ConfigError::ZeroKeyRefreshInterval);
        }
        Ok(self)
    }
}

/// Retry timing after a failed poll: exponential, capped, jittered.
///
/// The `n`th consecutive failure waits `min(cap, base * 2^(n-1))`, jittered
/// per [`Jitter`], and never less than a server's `Retry-After` (itself
/// capped by [`retry_after_cap`](Self::retry_after_cap)).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Backoff {
    /// Delay after the first failure, before jitter.
    pub base: Duration,
    /// Largest delay before jitter.
    pub cap: Duration,
    /// How randomness spreads the delay.
    pub jitter: Jitter,
    /// Longest `Retry-After` honoured; longer values are cut to this.
    pub retry_after_cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(300),
            jitter: Jitter::Equal,
            retry_after_cap: Duration::from_secs(3600),
        }
    }
}

/// How a backoff delay `d` is randomised.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Jitter {
    /// Exactly `d`: deterministic, for tests and single-client setups.
    None,
    /// Uniform in `[0, d]`: spreads clients best, may retry almost at once.
    Full,
    /// Uniform in `[d/2, d]`: spreads clients and always waits at least half.
    Equal,
}

/// The dedup window: a `jti` processed within it is acknowledged again but
/// not handed to the application twice.
///
/// OBIE lets ASPSPs recycle `jti` values after a documented period, so the
/// window is bounded in time; it is bounded in entries to bound memory and
/// the size of the exported state. Size it to cover the ASPSP's redelivery
/// horizon.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct DedupConfig {
    /// How long after delivery a `jti` is remembered.
    pub window: Duration,
    /// Most `jti`s remembered; the oldest are forgotten first.
    pub capacity: usize,
}

impl Default for DedupConfig {
    fn default() -> Self {
        DedupConfig {
            window: Duration::from_secs(7 * 24 * 3600),
            capacity: 10_000,
        }
    }
}

/// Why a [`ReceiverConfig`] was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `issuer` is empty.
    EmptyIssuer,
    /// `client_id` is empty or longer than 128 characters (the `aud` limit).
    ClientIdLength,
    /// `policy.issuer` names a different issuer than `issuer`.
    PolicyIssuerMismatch {
        /// The policy's issuer.
        policy: String,
        /// The configured issuer.
        config: String,
    },
    /// `policy.audience` names a different audience than `client_id`.
    PolicyAudienceMismatch {
        /// The policy's audience.
        policy: String,
        /// The configured client id.
        config: String,
    },
    /// `policy.algorithms` is empty: nothing could ever verify.
    NoAlgorithms,
    /// `max_events` is `Some(0)`: the receiver would never fetch a SET.
    MaxEventsZero,
    /// `max_events` does not fit a 32-bit signed integer.
    MaxEventsTooLarge {
        /// The configured value.
        max_events: u32,
    },
    /// `poll_interval` is zero: the receiver would poll in a tight loop.
    ZeroPollInterval,
    /// `backoff.base` is zero or `backoff.cap` is below it.
    BackoffBounds,
    /// `dedup.window` or `dedup.capacity` is zero.
    EmptyDedupWindow,
    /// `max_unsettled` is zero: nothing could ever be delivered.
    ZeroMaxUnsettled,
    /// `key_refresh_interval` is zero: nothing would limit key refreshes.
    ZeroKeyRefreshInterval,
}

impl ConfigError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::EmptyIssuer => "empty_issuer",
            ConfigError::ClientIdLength => "client_id_length",
            ConfigError::PolicyIssuerMismatch { .. } => "policy_issuer_mismatch",
            ConfigError::PolicyAudienceMismatch { .. } => "policy_audience_mismatch",
            ConfigError::NoAlgorithms => "no_algorithms",
            ConfigError::MaxEventsZero => "max_events_zero",
            ConfigError::MaxEventsTooLarge { .. } => "max_events_too_large",
            ConfigError::ZeroPollInterval => "zero_poll_interval",
            ConfigError::BackoffBounds => "backoff_bounds",
            ConfigError::EmptyDedupWindow => "empty_dedup_window",
            ConfigError::ZeroMaxUnsettled => "zero_max_unsettled",
            ConfigError::ZeroKeyRefreshInterval => "zero_key_refresh_interval",
        }
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::EmptyIssuer => f.write_str("the expected issuer is empty"),
            ConfigError::ClientIdLength => {
                f.write_str("the client id must be 1 to 128 characters long")
            }
            ConfigError::PolicyIssuerMismatch { policy, config } => write!(
                f,
                "the verify policy expects issuer {policy:?} but the receiver expects {config:?}"
            ),
            ConfigError::PolicyAudienceMismatch { policy, config } => write!(
                f,
                "the verify policy expects audience {policy:?} but the client id is {config:?}"
            ),
            ConfigError::NoAlgorithms => f.write_str("the verify policy allows no algorithm"),
            ConfigError::MaxEventsZero => f.write_str(
                "maxEvents 0 would never fetch a SET (acknowledgement-only requests send it by themselves)",
            ),
            ConfigError::MaxEventsTooLarge { max_events } => {
                write!(f, "maxEvents {max_events} does not fit a 32-bit integer")
            }
            ConfigError::ZeroPollInterval => f.write_str("the poll interval must be above zero"),
            ConfigError::BackoffBounds => {
                f.write_str("the backoff base must be above zero and at most the cap")
            }
            ConfigError::EmptyDedupWindow => {
                f.write_str("the dedup window and capacity must be above zero")
            }
            ConfigError::ZeroMaxUnsettled => f.write_str("max_unsettled must be above zero"),
            ConfigError::ZeroKeyRefreshInterval => {
                f.write_str("the key refresh interval must be above zero")
            }
        }
    }
}

impl std::error::Error for ConfigError {}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> ReceiverConfig {
        ReceiverConfig::new("https://bank.example/", "tpp-1", Keyring::default())
    }

    #[test]
    fn defaults_validate_and_fill_the_policy() -> Result<(), ConfigError> {
        let mut c = config();
        c.policy.issuer = None;
        c.policy.audience = None;
        let c = c.validated()?;
        assert_eq!(c.policy.issuer.as_deref(), Some("https://bank.example/"));
        assert_eq!(c.policy.audience.as_deref(), Some("tpp-1"));
        assert_eq!(c.vocabulary, Vocabulary::Obie);
        Ok(())
    }

    #[test]
    fn each_bad_setting_has_its_own_code() {
        type Tweak = fn(&mut ReceiverConfig);
        let cases: [(Tweak, &str); 13] = [
            (|c| c.issuer.clear(), "empty_issuer"),
            (|c| c.client_id.clear(), "client_id_length"),
            (|c| c.client_id = "x".repeat(129), "client_id_length"),
            (
                |c| c.policy.issuer = Some("https://other/".into()),
                "policy_issuer_mismatch",
            ),
            (
                |c| c.policy.audience = Some("someone-else".into()),
                "policy_audience_mismatch",
            ),
            (|c| c.policy.algorithms.clear(), "no_algorithms"),
            (|c| c.max_events = Some(0), "max_events_zero"),
            (|c| c.max_events = Some(u32::MAX), "max_events_too_large"),
            (|c| c.poll_interval = Duration::ZERO, "zero_poll_interval"),
            (
                |c| c.backoff.cap = Duration::from_millis(10),
                "backoff_bounds",
            ),
            (|c| c.dedup.capacity = 0, "empty_dedup_window"),
            (|c| c.max_unsettled = 0, "zero_max_unsettled"),
            (
                |c| c.key_refresh_interval = Duration::ZERO,
                "zero_key_refresh_interval",
            ),
        ];
        for (tweak, code) in cases {
            let mut c = config();
            tweak(&mut c);
            match c.validated() {
                Err(e) => {
                    assert_eq!(e.code(), code);
                    assert!(!e.to_string().is_empty());
                }
                Ok(_) => unreachable!("{code} accepted"),
            }
        }
    }

    #[test]
    fn a_client_id_of_128_multibyte_chars_is_fine() {
        let mut c = config();
        c.client_id = "é".repeat(128);
        c.policy.audience = None;
        assert!(c.validated().is_ok());
    }
}
