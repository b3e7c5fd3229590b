//! Everything a receiver call can answer besides success.

use core::time::Duration;

use super::outcome::FailureReason;
use super::request::RequestId;
use crate::time::Timestamp;
use crate::wire::{ErrorResponse, ResponseError};

/// Why a receiver call was refused: a call out of order or bad input. The
/// call changed nothing.
///
/// Normal states are not errors: "nothing due yet" and backpressure are a
/// `None` from [`poll_request`](super::Receiver::poll_request), a failed
/// round trip is a [`PollOutcome::Failed`](super::PollOutcome::Failed).
///
/// The variants marked hidden below are produced only by the deprecated
/// methods kept for the 0.1 bindings (`next_request`, `handle_response`).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReceiverError {
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
    #[doc(hidden)]
    Throttled { retry_after: Option<Duration> },
    #[doc(hidden)]
    ServerError {
        status: u16,
        error: Option<ErrorResponse>,
    },
    #[doc(hidden)]
    Unauthorized {
        status: u16,
        error: Option<ErrorResponse>,
    },
    #[doc(hidden)]
    RequestRejected {
        status: u16,
        error: Option<ErrorResponse>,
    },
    #[doc(hidden)]
    UnexpectedStatus { status: u16 },
    #[doc(hidden)]
    MalformedResponse { status: u16, error: ResponseError },
    #[doc(hidden)]
    RequestInFlight { id: RequestId },
    #[doc(hidden)]
    NotDue { at: Timestamp },
    #[doc(hidden)]
    Backpressure { unsettled: usize },
}

impl ReceiverError {
    /// The deprecated error form of a failed round trip.
    pub(crate) fn from_failure(reason: FailureReason) -> Self {
        match reason {
            FailureReason::Throttled { retry_after } => ReceiverError::Throttled { retry_after },
            FailureReason::ServerError { status, error } => {
                ReceiverError::ServerError { status, error }
            }
            FailureReason::Unauthorized { status, error } => {
                ReceiverError::Unauthorized { status, error }
            }
            FailureReason::RequestRejected { status, error } => {
                ReceiverError::RequestRejected { status, error }
            }
            FailureReason::MalformedResponse { status, error } => {
                ReceiverError::MalformedResponse { status, error }
            }
            // `handle_reply` never answers `NoAnswer`; a status of 0 says so.
            FailureReason::UnexpectedStatus { status } => {
                ReceiverError::UnexpectedStatus { status }
            }
            FailureReason::NoAnswer => ReceiverError::UnexpectedStatus { status: 0 },
        }
    }
}

impl ReceiverError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
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

    #[doc(hidden)]
    #[must_use]
    pub fn is_poll_failure(&self) -> bool {
        matches!(
            self,
            ReceiverError::Throttled { .. }
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
        match self {
            ReceiverError::Throttled { retry_after } => FailureReason::Throttled {
                retry_after: *retry_after,
            }
            .fmt(f),
            ReceiverError::ServerError { status, error } => FailureReason::ServerError {
                status: *status,
                error: error.clone(),
            }
            .fmt(f),
            ReceiverError::Unauthorized { status, error } => FailureReason::Unauthorized {
                status: *status,
                error: error.clone(),
            }
            .fmt(f),
            ReceiverError::RequestRejected { status, error } => FailureReason::RequestRejected {
                status: *status,
                error: error.clone(),
            }
            .fmt(f),
            ReceiverError::UnexpectedStatus { status } => {
                FailureReason::UnexpectedStatus { status: *status }.fmt(f)
            }
            ReceiverError::MalformedResponse { status, error } => {
                FailureReason::MalformedResponse {
                    status: *status,
                    error: error.clone(),
                }
                .fmt(f)
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
