//! The receiver: the TPP side, a sans-IO poller that never loses an
//! acknowledgement.
//!
//! A [`Receiver`] builds each `POST /events` body, digests each answer,
//! verifies every SET and tells the application what to do. The host does
//! the HTTP, the storage, the clock and the randomness.
//!
//! # The run loop
//!
//! ```text
//! restore the saved ReceiverState, if any      Receiver::restore
//! hand Receiver::unsettled() to the application (they did not commit)
//! loop {
//!     match receiver.next_request(now) {
//!         Ok(req)                => send req.body as POST /events
//!         Err(NotDue { at })     => sleep until `at` (or until the app acks), continue
//!         Err(Backpressure { .. }) => wait for the application to ack or reject, continue
//!         Err(RequestInFlight { .. }) => a bug in the host loop
//!     }
//!     HTTP answer  -> receiver.handle_response(req.id, HttpResponse::new(status, body), now, rng)
//!     no answer    -> receiver.handle_failure(req.id, now, rng)
//!     persist receiver.take_state()                       (before anything else)
//!     for each delivery in batch.deliveries {
//!         the application processes it, then
//!         receiver.ack(jti) or receiver.reject(jti, code, description)
//!         persist receiver.take_state() in the same transaction as the
//!         application's own effects
//!     }
//! }
//! ```
//!
//! The contract, call by call:
//!
//! - [`next_request`](Receiver::next_request)`(now)` returns the next request
//!   when one is due: a **poll** (configured `maxEvents` and
//!   `returnImmediately`) when the schedule says so, otherwise an
//!   **acknowledgement flush** (`maxEvents: 0`, `returnImmediately: true`)
//!   when acks or `setErrs` entries are pending. Both carry every pending ack
//!   and `setErrs` entry. It is safe to call at any time and changes no
//!   durable state. **One request is in flight at a time**: until its answer
//!   is handled, `next_request` refuses with `RequestInFlight`. If the host
//!   gives up on a request (timeout, cancellation) it calls `handle_failure`.
//! - [`handle_response`](Receiver::handle_response)`(id, response, now, rng)`
//!   takes any HTTP answer. A 2xx with a readable body (200 or 201, or 204
//!   empty) confirms the acks and `setErrs` entries **that request carried**,
//!   and only those: an ack made while the request was in flight goes in the
//!   next one. Every SET is verified; new ones come back as
//!   [`Delivery`]s, failures queue a `setErrs` entry whose code comes from
//!   the configured [`Vocabulary`](crate::codes::Vocabulary), and SETs seen
//!   within the dedup window are acknowledged (or rejected) again without
//!   reaching the application twice. Every other answer (429, 5xx, 401/403,
//!   other 4xx, unreadable 2xx) is a poll failure: nothing is cleared, the
//!   schedule backs off, the typed error comes back.
//! - [`handle_failure`](Receiver::handle_failure)`(id, now, rng)` is for no
//!   answer at all (connection, TLS, timeout). Nothing is cleared; the
//!   schedule backs off.
//! - An answer for an `id` that is not in flight (a late duplicate, an answer
//!   after `handle_failure`, one from before a restart) is refused with
//!   `UnknownRequest` and changes nothing: its SETs are not verified or
//!   delivered. The ASPSP counts them as delivered but unacknowledged and
//!   sends them again later (RFC 8936 §2.4), when they are handled normally.
//! - [`ack`](Receiver::ack)`(jti)` after the application processed a
//!   delivery; [`reject`](Receiver::reject)`(jti, code, description)` when
//!   its payload failed the application's own checks. Each settles the SET
//!   once: repeating the same verdict is harmless, switching verdicts is
//!   refused.
//! - A SET handed to the application and not yet settled is **in
//!   processing**: if the ASPSP sends it again meanwhile, it is neither
//!   delivered again nor acknowledged (the application's verdict will be).
//!   While [`max_unsettled`](ReceiverConfig::max_unsettled) SETs are in
//!   processing, polls stop (acknowledgement flushes continue).
//!
//! # Never losing an acknowledgement
//!
//! The host persists [`take_state`](Receiver::take_state) after every
//! `handle_*`, `ack` and `reject`, before its next request and before handing
//! deliveries over. The state ([`ReceiverState`]) is plain data: pending acks
//! and `setErrs` entries, SETs in processing (with their tokens), the dedup
//! window and the schedule. A crash at any point then loses nothing:
//!
//! - acks and `setErrs` entries leave the state only when a round trip that
//!   carried them succeeded; a lost request or answer keeps them pending;
//! - a delivered SET is recorded as in processing **before** the application
//!   sees it (the state returned with the batch), so it is never handed over
//!   twice in one run. After a restart, [`unsettled`](Receiver::unsettled)
//!   hands over again exactly those the application did not settle: saving
//!   the state in the same transaction as the application's effects makes
//!   delivery exactly once, otherwise the application must tolerate seeing
//!   a SET again after a crash mid-processing;
//! - dedup entries are `(iss, jti)` pairs, kept for the configured window
//!   (OBIE lets ASPSPs recycle `jti`s) and at most the configured number.
//!
//! # Scheduling
//!
//! [`next_poll_at`](Receiver::next_poll_at) and
//! [`poll_timeout`](Receiver::poll_timeout) are pure: poll again at once
//! while the ASPSP reports `moreAvailable`, otherwise after the poll
//! interval; after `n` failures in a row, wait
//! [`Backoff::delay`]`(n, random)` (exponential, capped, jittered with the
//! caller's randomness) and at least the server's `Retry-After`; nothing,
//! not even an acknowledgement flush, goes out before then. A 401/403 is
//! surfaced as [`ReceiverError::Unauthorized`] and backed off like any
//! failure, so a broken token never makes the receiver spin.
//!
//! # Interoperability
//!
//! Answers are read leniently: a missing `moreAvailable` means `false`,
//! extra members are ignored, 200, 201 and 204 all count as success, and an
//! empty `sets` is fine. A SET whose `jti` differs from its key in `sets` is
//! rejected under the key (`setData` / `invalid_request`): a transmitter bug
//! or a splicing attempt, never delivered. A SET under a key that is not
//! 1..128 characters cannot be reported in a schema-valid request, so it is
//! dropped unreported. Requests always use the schema's member names
//! (`maxEvents`, `returnImmediately`, `ack`, `setErrs`) and write
//! `maxEvents: 0` explicitly.

mod config;
mod dedup;
mod error;
mod poller;
mod request;
mod response;
mod schedule;
mod state;
#[cfg(test)]
mod tests;
mod verifier;

pub use config::{Backoff, ConfigError, DedupConfig, Jitter, ReceiverConfig};
pub use dedup::{ProcessedSet, Settlement};
pub use error::ReceiverError;
pub use poller::Receiver;
pub use request::{PollRequest, RequestId, RequestKind};
pub use response::{
    Batch, Delivery, Duplicate, DuplicateOf, HttpResponse, RejectReason, Rejection,
};
pub use schedule::{parse_retry_after, ScheduleState};
pub use state::{PendingSetErr, ReceiverState, StateError, UnsettledSet, STATE_FORMAT};
pub use verifier::SetVerifier;
