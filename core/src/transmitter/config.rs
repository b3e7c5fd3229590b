//! Transmitter configuration: the delivery policy a bank documents to its TPPs.

use core::time::Duration;

use crate::wire::RequestOptions;

/// Which text the transmitter follows where OBIE and RFC 8936 differ.
///
/// | question | [`Profile::Obie`] | [`Profile::Rfc8936`] |
/// |---|---|---|
/// | `maxEvents` absent | [`TransmitterConfig::default_max_events`] | the same ("an implementation-specific default limit") |
/// | long poll on a request carrying `ack`/`setErrs` | never: answers at once | allowed (RFC 8936 §2.4.3) |
/// | unknown members in the request body | rejected | ignored |
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Profile {
    /// Open Banking UK Aggregated Polling (v3.1.2 to v4.0). The default.
    #[default]
    Obie,
    /// RFC 8936 (Poll-Based SET Delivery Using HTTP), as OpenID SSF uses it.
    Rfc8936,
}

impl Profile {
    /// Whether the request parser should reject members `OBEventPolling1`
    /// does not define (pass it as the wire parser's
    /// `RequestOptions.reject_unknown_members`).
    ///
    /// OBIE: yes. The v3.1.11 and v4.0 OpenAPI files declare
    /// `additionalProperties: false` on `OBEventPolling1` (v3.1.2 did not).
    /// RFC 8936: no. It defines no such rule, and SSF profiles extend the body.
    #[must_use]
    pub fn reject_unknown_members(self) -> bool {
        match self {
            Profile::Obie => true,
            Profile::Rfc8936 => false,
        }
    }

    /// Whether a request that carries `ack` or `setErrs` may be held open as
    /// a long poll. RFC 8936 §2.4.3 ("Poll with Acknowledgement") shows
    /// acknowledgements sent with `returnImmediately: false` to wait for the
    /// next SETs in the same request. OBIE does not describe that
    /// combination; setpoll answers such requests at once under OBIE so the
    /// TPP learns promptly that its acknowledgements were taken.
    #[must_use]
    pub fn long_poll_with_feedback(self) -> bool {
        match self {
            Profile::Obie => false,
            Profile::Rfc8936 => true,
        }
    }
}

/// What a `setErrs` entry does to the SET it names.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SetErrPolicy {
    /// The SET moves to the dead-letter state with the error recorded, and is
    /// never delivered again. The default: a SET the recipient could not
    /// process will usually fail again, and the bank needs the evidence.
    #[default]
    DeadLetter,
    /// The error is recorded and the SET is delivered again from the next
    /// poll on (OBIE v4 counts SETs "reported in setErrs" among those still
    /// awaiting). Attempts still count: at the attempt limit it dead-letters.
    Redeliver,
}

/// When a delivered SET is finished with.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeliveryMode {
    /// A SET stays until acknowledged, reported in `setErrs`, out of
    /// attempts or expired; unacknowledged SETs are delivered again after
    /// the visibility timeout. The default.
    #[default]
    AtLeastOnce,
    /// OBIE's "delivery without acknowledgement": a SET is removed as soon as
    /// it is delivered; `ack` and `setErrs` are accepted and ignored.
    DeliverOnce,
}

/// Stable names for the policy enums, as configuration files and the
/// bindings spell them (`"obie"`, `"dead_letter"`, `"deliver_once"`...).
macro_rules! named {
    ($ty:ident { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            /// Every accepted name, in declaration order.
            pub const NAMES: &'static [&'static str] = &[$($name),+];

            /// The stable name of this value.
            #[must_use]
            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name,)+
                }
            }

            /// Parse a stable name; `None` when unknown.
            #[must_use]
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $($name => Some($ty::$variant),)+
                    _ => None,
                }
            }
        }
    };
}

named!(Profile { Obie => "obie", Rfc8936 => "rfc8936" });
named!(SetErrPolicy { DeadLetter => "dead_letter", Redeliver => "redeliver" });
named!(DeliveryMode { AtLeastOnce => "at_least_once", DeliverOnce => "deliver_once" });

/// The transmitter's delivery policy. Every field has a documented default
/// ([`TransmitterConfig::default`]); [`TransmitterConfig::validate`] checks
/// the combination.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TransmitterConfig {
    /// Where OBIE and RFC 8936 differ. Default [`Profile::Obie`].
    pub profile: Profile,
    /// SETs returned when `maxEvents` is absent under [`Profile::Rfc8936`].
    /// Default 100.
    pub default_max_events: u32,
    /// Upper bound on SETs per response, always applied (the bound OBIE asks
    /// ASPSPs to document). Default 1000.
    pub max_events_limit: u32,
    /// How long a delivered, unacknowledged SET stays invisible before it
    /// can be delivered again. Default 10 minutes.
    pub visibility_timeout: Duration,
    /// Deliveries allowed per SET; a SET delivered this many times and still
    /// unacknowledged when its visibility timeout passes is dead-lettered.
    /// Default 10.
    pub max_attempts: u32,
    /// How long an unacknowledged SET is kept from enqueue; afterwards it is
    /// expired (deleted). Default 7 days.
    pub retention: Duration,
    /// How long a dead-lettered SET is kept for audit. Default 30 days.
    pub dead_letter_retention: Duration,
    /// Longest a long poll may wait; `None` disables long polling (every
    /// request is answered at once). Default `None`.
    pub long_poll_max_wait: Option<Duration>,
    /// What `setErrs` does. Default [`SetErrPolicy::DeadLetter`].
    pub on_set_err: SetErrPolicy,
    /// Acknowledged delivery or deliver-once. Default [`DeliveryMode::AtLeastOnce`].
    pub delivery: DeliveryMode,
}

impl Default for TransmitterConfig {
    fn default() -> Self {
        TransmitterConfig {
            profile: Profile::Obie,
            default_max_events: 100,
            max_events_limit: 1000,
            visibility_timeout: Duration::from_secs(10 * 60),
            max_attempts: 10,
            retention: Duration::from_secs(7 * 24 * 3600),
            dead_letter_retention: Duration::from_secs(30 * 24 * 3600),
            long_poll_max_wait: None,
            on_set_err: SetErrPolicy::DeadLetter,
            delivery: DeliveryMode::AtLeastOnce,
        }
    }
}

impl TransmitterConfig {
    /// How this transmitter reads `POST /events` bodies: the profile's rule
    /// for unknown members, the default size limits. Hosts parse with these
    /// before `poll`/`plan_poll`, so every host refuses the same bodies.
    #[must_use]
    pub fn request_options(&self) -> RequestOptions {
        RequestOptions {
            reject_unknown_members: self.profile.reject_unknown_members(),
            ..RequestOptions::default()
        }
    }

    /// Check the combination of settings.
    ///
    /// # Errors
    /// The first setting that cannot work.
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.max_events_limit == 0 {
            return Err(ConfigError::ZeroMaxEventsLimit);
        }
        if self.default_max_events == 0 {
            return Err(ConfigError::ZeroDefaultMaxEvents);
        }
        if self.default_max_events > self.max_events_limit {
            return Err(ConfigError::DefaultAboveLimit {
                default: self.default_max_events,
                limit: self.max_events_limit,
            });
        }
        if self.visibility_timeout.is_zero() {
            return Err(ConfigError::ZeroDuration {
                field: "visibility_timeout",
            });
        }
        if self.retention.is_zero() {
            return Err(ConfigError::ZeroDuration { field: "retention" });
        }
        if self.dead_letter_retention.is_zero() {
            return Err(ConfigError::ZeroDuration {
                field: "dead_letter_retention",
            });
        }
        if self.long_poll_max_wait.is_some_and(|d| d.is_zero()) {
            return Err(ConfigError::ZeroDuration {
                field: "long_poll_max_wait",
            });
        }
        if self.max_attempts == 0 {
            return Err(ConfigError::ZeroMaxAttempts);
        }
        Ok(())
    }
}

/// Why a [`TransmitterConfig`] was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// `max_events_limit` is 0: no poll could ever return a SET.
    ZeroMaxEventsLimit,
    /// `default_max_events` is 0: a poll without `maxEvents` would return nothing.
    ZeroDefaultMaxEvents,
    /// `default_max_events` exceeds `max_events_limit`.
    DefaultAboveLimit {
        /// The configured default.
        default: u32,
        /// The configured limit.
        limit: u32,
    },
    /// A duration that must be positive is zero (use `None` to disable long polling).
    ZeroDuration {
        /// The field's name.
        field: &'static str,
    },
    /// `max_attempts` is 0: no SET could ever be delivered.
    ZeroMaxAttempts,
}

impl ConfigError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ConfigError::ZeroMaxEventsLimit => "zero_max_events_limit",
            ConfigError::ZeroDefaultMaxEvents => "zero_default_max_events",
            ConfigError::DefaultAboveLimit { .. } => "default_above_limit",
            ConfigError::ZeroDuration { .. } => "zero_duration",
            ConfigError::ZeroMaxAttempts => "zero_max_attempts",
        }
    }
}

impl core::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ConfigError::ZeroMaxEventsLimit => f.write_str("max_events_limit must be at least 1"),
            ConfigError::ZeroDefaultMaxEvents => {
                f.write_str("default_max_events must be at least 1")
            }
            ConfigError::DefaultAboveLimit { default, limit } => write!(
                f,
                "default_max_events ({default}) exceeds max_events_limit ({limit})"
            ),
            ConfigError::ZeroDuration { field } => write!(f, "{field} must be longer than zero"),
            ConfigError::ZeroMaxAttempts => f.write_str("max_attempts must be at least 1"),
        }
    }
}

impl std::error::Error for ConfigError {}
