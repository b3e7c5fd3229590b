//! What a round trip or a key refresh comes to: outcomes, never errors.

use core::time::Duration;

use super::request::RequestId;
use super::response::{Batch, Delivery, Duplicate, Rejection};
use crate::time::Timestamp;
use crate::wire::{ErrorResponse, ResponseError};

/// The result of one round trip
/// ([`handle_reply`](super::Receiver::handle_reply)).
#[derive(Clone, Debug, PartialEq)]
#[must_use]
#[allow(clippy::large_enum_variant)]
pub enum PollOutcome {
    /// A 2xx with a readable body: the SETs it carried, judged.
    Batch(Batch),
    /// Any other answer: recorded, nothing cleared, the schedule backs off.
    Failed(PollFailure),
}

/// A round trip that failed. The receiver has recorded it: every ack and
/// `setErrs` entry the request carried is still pending, and nothing goes
/// out before [`retry_at`](Self::retry_at).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PollFailure {
    /// The request that failed.
    pub request: RequestId,
    /// What went wrong.
    pub reason: FailureReason,
    /// When the next request may go out (backoff, at least `Retry-After`).
    pub retry_at: Timestamp,
    /// Failed round trips in a row, this one included. A host that gives up
    /// on [`Unauthorized`](FailureReason::Unauthorized) after a few uses its
    /// own count of those.
    pub failures_in_a_row: u32,
    /// `true` when this answer (a 404 or 501 to a long-poll request) made
    /// the receiver fall back to `returnImmediately: true` for every later
    /// poll of this receiver value.
    pub long_poll_refused: bool,
}

/// Why a round trip failed.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum FailureReason {
    /// No HTTP answer at all (connection, TLS, timeout):
    /// [`handle_no_reply`](super::Receiver::handle_no_reply).
    NoAnswer,
    /// 429: the ASPSP asks the receiver to slow down.
    Throttled {
        /// `Retry-After`, when the ASPSP sent a readable one.
        retry_after: Option<Duration>,
    },
    /// 5xx.
    ServerError {
        /// The status code.
        status: u16,
        /// The `OBErrorResponse1` body, if there was one.
        error: Option<ErrorResponse>,
    },
    /// 401 or 403: the access token is missing, expired or lacks the scope.
    Unauthorized {
        /// The status code.
        status: u16,
        /// The `OBErrorResponse1` body, if there was one.
        error: Option<ErrorResponse>,
    },
    /// Another 4xx. The receiver only sends schema-valid bodies, so this
    /// points at the ASPSP or a proxy; it is retried with backoff rather
    /// than dropping the acks it carried.
    RequestRejected {
        /// The status code.
        status: u16,
        /// The `OBErrorResponse1` body, if there was one.
        error: Option<ErrorResponse>,
    },
    /// A 1xx or 3xx status (the host should follow redirects itself).
    UnexpectedStatus {
        /// The status code.
        status: u16,
    },
    /// A 2xx whose body is not an `OBEventPollingResponse1`, even read
    /// leniently. Nothing proves the ASPSP saw the acks.
    MalformedResponse {
        /// The status code.
        status: u16,
        /// What was wrong.
        error: ResponseError,
    },
}

impl FailureReason {
    /// Stable machine code: `no_answer`, `throttled`, `server_error`,
    /// `unauthorized`, `request_rejected`, `unexpected_status`,
    /// `malformed_response`.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            FailureReason::NoAnswer => "no_answer",
            FailureReason::Throttled { .. } => "throttled",
            FailureReason::ServerError { .. } => "server_error",
            FailureReason::Unauthorized { .. } => "unauthorized",
            FailureReason::RequestRejected { .. } => "request_rejected",
            FailureReason::UnexpectedStatus { .. } => "unexpected_status",
            FailureReason::MalformedResponse { .. } => "malformed_response",
        }
    }

    /// The HTTP status, when there was an answer.
    #[must_use]
    pub fn status(&self) -> Option<u16> {
        match self {
            FailureReason::NoAnswer => None,
            FailureReason::Throttled { .. } => Some(429),
            FailureReason::ServerError { status, .. }
            | FailureReason::Unauthorized { status, .. }
            | FailureReason::RequestRejected { status, .. }
            | FailureReason::UnexpectedStatus { status }
            | FailureReason::MalformedResponse { status, .. } => Some(*status),
        }
    }
}

impl core::fmt::Display for FailureReason {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let detail = |e: &Option<ErrorResponse>| {
            let Some(e) = e else {
                return String::new();
            };
            let mut parts: Vec<&str> = e.errors.iter().map(|d| d.error_code.as_str()).collect();
            parts.extend(e.message.as_deref());
            if parts.is_empty() {
                String::new()
            } else {
                format!(" ({})", parts.join(", "))
            }
        };
        match self {
            FailureReason::NoAnswer => f.write_str("the request got no HTTP answer"),
            FailureReason::Throttled { retry_after } => match retry_after {
                Some(d) => write!(f, "throttled (429), retry after {} s", d.as_secs()),
                None => f.write_str("throttled (429)"),
            },
            FailureReason::ServerError { status, error } => {
                write!(f, "the ASPSP failed with {status}{}", detail(error))
            }
            FailureReason::Unauthorized { status, error } => write!(
                f,
                "the ASPSP refused the access token with {status}{}",
                detail(error)
            ),
            FailureReason::RequestRejected { status, error } => write!(
                f,
                "the ASPSP rejected the request with {status}{}",
                detail(error)
            ),
            FailureReason::UnexpectedStatus { status } => {
                write!(f, "unexpected HTTP status {status}")
            }
            FailureReason::MalformedResponse { status, error } => {
                write!(f, "unreadable {status} answer: {error}")
            }
        }
    }
}

/// The receiver holds SETs signed with keys it does not know: the host
/// should fetch the ASPSP's JWK Set again and give it to
/// [`refresh_keys`](super::Receiver::refresh_keys), at or after
/// [`refresh_at`](Self::refresh_at) (the rate limit).
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct StaleKeys {
    /// The unknown `kid`s, sorted, each once.
    pub kids: Vec<String>,
    /// How many SETs are held.
    pub held: usize,
    /// The earliest time a refresh is allowed:
    /// [`key_refresh_interval`](super::ReceiverConfig::key_refresh_interval)
    /// after the previous refresh or attempt.
    pub refresh_at: Timestamp,
}

/// What the receiver still owes or holds, counted without copying its
/// state ([`Receiver::outstanding`](super::Receiver::outstanding)): for a
/// host's loop, every turn.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Outstanding {
    /// Acks not yet confirmed sent.
    pub pending_acks: usize,
    /// `setErrs` entries not yet confirmed sent.
    pub pending_set_errs: usize,
    /// SETs handed to the application and not yet acked or rejected.
    pub unsettled: usize,
    /// SETs held until the keys are refreshed.
    pub held: usize,
}

/// The held SETs, judged again with refreshed keys
/// ([`refresh_keys`](super::Receiver::refresh_keys)). A `kid` still unknown
/// is now a rejection (`jws` / `invalid_key`).
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct Recheck {
    /// New SETs for the application, oldest first.
    pub deliveries: Vec<Delivery>,
    /// SETs that failed checks, with the `setErrs` entries queued for them.
    pub rejections: Vec<Rejection>,
    /// SETs the application already has or settled.
    pub duplicates: Vec<Duplicate>,
}
