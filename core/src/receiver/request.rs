//! What the receiver asks the host to send: one `POST /events` body.

use serde::{Deserialize, Serialize};

use crate::wire::EventPolling;

/// Names one request so its answer can be matched to it.
///
/// Ids increase within one [`Receiver`](super::Receiver) and are not
/// persisted: an answer to a request made before a restart cannot be matched
/// and must be dropped by the host.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

impl core::fmt::Display for RequestId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Why a request is being sent.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestKind {
    /// A poll: fetch SETs (configured `maxEvents`), report acks and errors.
    Poll,
    /// Only report acks and errors: `maxEvents: 0`, `returnImmediately: true`.
    AckOnly,
}

/// One `POST /events` to send.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PollRequest {
    /// Pass back to [`handle_reply`](super::Receiver::handle_reply) or
    /// [`handle_no_reply`](super::Receiver::handle_no_reply).
    pub id: RequestId,
    /// Poll or acknowledgement flush.
    pub kind: RequestKind,
    /// The request as a value.
    pub polling: EventPolling,
    /// The exact JSON body to send (`Content-Type: application/json`).
    pub body: String,
}
