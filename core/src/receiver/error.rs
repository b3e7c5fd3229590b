//! Everything a receiver call can answer besides success.

use super::request::RequestId;

/// Why a receiver call was refused: a call out of order or bad input. The
/// call changed nothing.
///
/// Normal states are not errors: "nothing due yet" and backpressure are a
/// `None` from [`poll_request`](super::Receiver::poll_request), a failed
/// round trip is a [`PollOutcome::Failed`](super::PollOutcome::Failed).
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
}

impl ReceiverError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ReceiverError::UnknownRequest { .. } => "unknown_request",
            ReceiverError::UnknownJti { .. } => "unknown_jti",
            ReceiverError::AlreadySettled { .. } => "already_settled",
            ReceiverError::InvalidErrCode { .. } => "invalid_err_code",
        }
    }
}

impl core::fmt::Display for ReceiverError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
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
