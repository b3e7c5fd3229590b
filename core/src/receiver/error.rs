//! Everything a receiver call can answer besides success.

use core::time::Duration;

use super::request::RequestId;
use crate::time::Timestamp;
use crate::wire::{ErrorResponse, ResponseError};

/// Why a receiver call did not succeed.
///
/// Two families, told apart by [`is_poll_failure`](Self::is_poll_failure):
///
/// - **Poll failures** (`transport`, `throttled`, `server_error`,
///   `unauthorized`, `request_rejected`, `unexpected_status`,
///   `malformed_response`): the round trip failed. The receiver has already
///   recorded it: every pending ack and `setErrs` entry is kept for the next
///   request, and the schedule backs off. Log it and carry on with the run
///   loop; [`unauthorized`](Self::Unauthorized) usually means the host's
///   access token needs refreshing.
/// - **Call errors** (the rest): the call was refused and changed nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceiverError {
    /// No HTTP answer at all (connection, TLS, timeout).
    Transport,
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
    /// Another 4xx (e.g. 400 with `UK.OBIE.Field.Invalid`). The receiver only
    /// sends schema-valid bodies, so this points at the ASPSP or a proxy; it
    /// is retried with backoff rather than dropping the acks it carried.
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
    /// leniently. Pending acks are kept: nothing proves the ASPSP saw them.
    MalformedResponse {
        /// The status code.
        status: u16,
        /// What was wrong.
        error: ResponseError,
    },
    /// `next_request` while a request is in flight: answer it first.
    RequestInFlight {
        /// The request in flight.
        id: RequestId,
    },
    /// `next_request` before anything is due; call again at `at`.
    NotDue {
        /// When a request will be due.
        at: Timestamp,
    },
    /// `next_request` while the application holds
    /// [`max_unsettled`](super::ReceiverConfig::max_unsettled) SETs and
    /// there is nothing to acknowledge: ack or reject some first.
    Backpressure {
        /// SETs delivered and not yet settled.
        unsettled: usize,
    },
    /// An answer to a request that is not in flight (already answered, given
    /// up on, or made before a restart). Nothing changed: its acks stay
    /// pending and its SETs are neither verified nor delivered (the ASPSP
    /// will send them again).
    UnknownRequest {
        /// The id given.
        id: RequestId,
    },
    /// `ack` or `reject` of a `jti` that was never delivered (or was
    /// forgotten by the dedup window).
    UnknownJti {
        /// The `jti` given.
        jti: String,
    },
    /// `ack` after `reject`, or `reject` after `ack`, of the same `jti`.
    AlreadySettled {
        /// The `jti` given.
        jti: String,
    },
    /// `reject` with an error code that is not 1..40 characters.
    InvalidErrCode {
        /// The code given.
        code: String,
    },
}

impl ReceiverError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ReceiverError::Transport => "transport",
            ReceiverError::Throttled { .. } => "throttled",
            ReceiverError::ServerError { .. } => "server_error",
            ReceiverError::Unauthorized { .. } => "unauthorized",
            ReceiverError::RequestRejected { .. } => "request_rejected",
            ReceiverError::UnexpectedStatus { .. } => "unexpected_status",
            ReceiverError::MalformedResponse { .. } => "malformed_response",
            ReceiverError::RequestInFlight { .. } => "request_in_flight",
            ReceiverError::NotDue { .. } => "not_due",
            ReceiverError::Backpressure { .. } => "backpressure",
            ReceiverError::UnknownRequest { .. } => "unknown_request",
            ReceiverError::UnknownJti { .. } => "unknown_jti",
            ReceiverError::AlreadySettled { .. } => "already_settled",
            ReceiverError::InvalidErrCode { .. } => "invalid_err_code",
        }
    }

    /// `true` for a failed round trip the receiver has recorded (and will
    /// retry); `false` for a refused call that changed nothing.
    #[must_use]
    pub fn is_poll_failure(&self) -> bool {
        matches!(
            self,
            ReceiverError::Transport
                | ReceiverError::Throttled { .. }
                | ReceiverError::ServerError { .. }
                | ReceiverError::Unauthorized { .. }
                | ReceiverError::RequestRejected { .. }
                | ReceiverError::UnexpectedStatus { .. }
                | ReceiverError::MalformedResponse { .. }
        )
    }
}

impl core::fmt::Display for ReceiverError {
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
            ReceiverError::Transport => f.write_str("the request got no HTTP answer"),
            ReceiverError::Throttled { retry_after } => match retry_after {
                Some(d) => write!(f, "throttled (429), retry after {} s", d.as_secs()),
                None => f.write_str("throttled (429)"),
            },
            ReceiverError::ServerError { status, error } => {
                write!(f, "the ASPSP failed with {status}{}", detail(error))
            }
            ReceiverError::Unauthorized { status, error } => write!(
                f,
                "the ASPSP refused the access token with {status}{}",
                detail(error)
            ),
            ReceiverError::RequestRejected { status, error } => write!(
                f,
                "the ASPSP rejected the request with {status}{}",
                detail(error)
            ),
            ReceiverError::UnexpectedStatus { status } => {
                write!(f, "unexpected HTTP status {status}")
            }
            ReceiverError::MalformedResponse { status, error } => {
                write!(f, "unreadable {status} answer: {error}")
            }
            ReceiverError::RequestInFlight { id } => {
                write!(f, "request {id} is still in flight")
            }
            ReceiverError::NotDue { at } => {
                write!(f, "nothing is due before {} ms", at.as_millis())
            }
            ReceiverError::Backpressure { unsettled } => write!(
                f,
                "{unsettled} delivered SETs await ack or reject before more are fetched"
            ),
            ReceiverError::UnknownRequest { id } => {
                write!(f, "request {id} is not in flight; its answer was ignored")
            }
            ReceiverError::UnknownJti { jti } => {
                write!(f, "no delivered SET has jti {jti:?}")
            }
            ReceiverError::AlreadySettled { jti } => {
                write!(f, "the SET {jti:?} was already settled the other way")
            }
            ReceiverError::InvalidErrCode { code } => {
                write!(f, "error code {code:?} is not 1 to 40 characters")
            }
        }
    }
}

impl std::error::Error for ReceiverError {}
