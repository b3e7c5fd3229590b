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
//! One round trip in code, the ASPSP's answer made up:
//!
//! ```
//! # use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
//! use setpoll_core::claims::SetClaims;
//! use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
//! use setpoll_core::receiver::{HttpResponse, Receiver, ReceiverConfig, RequestKind};
//! use setpoll_core::{set::sign_set, Timestamp};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let mut rng = ChaCha8Rng::seed_from_u64(1);
//! // The ASPSP's key, as its JWK Set publishes it.
//! let bank = SigningKey::generate_es256(&mut rng)?.with_kid("k1");
//! let jwks = JwkSet::from_json(JwkSet::new(vec![bank.to_public_jwk()])?.to_json().as_bytes())?;
//! let now = Timestamp::from_secs(1_700_000_000);
//!
//! let config = ReceiverConfig::new("https://bank.example/", "tpp-1", Keyring::new(&jwks)?);
//! let mut rx = Receiver::new(config)?;
//!
//! let req = rx.next_request(now)?;
//! assert_eq!(req.kind, RequestKind::Poll);
//! // ... POST req.body to /events; the ASPSP answers with one SET:
//! let claims = SetClaims::from_json(br#"{"iss":"https://bank.example/","iat":1700000000,
//!     "jti":"evt-1","aud":"tpp-1","events":{"https://bank.example/events/ping":{}}}"#)
//!     .map_err(|e| e.to_string())?;
//! let set = sign_set(&claims, &bank, &HeaderProfile::rfc8417(), now)?;
//! let body = format!(r#"{{"sets":{{"evt-1":"{set}"}},"moreAvailable":false}}"#);
//! let batch = rx.handle_response(req.id, HttpResponse::new(201, &body), now, &mut rng)?;
//! let saved = rx.take_state(); // persist before handing anything over
//! # assert!(saved.is_some());
//!
//! for delivery in batch.deliveries {
//!     // ... the application processes delivery.claims, then:
//!     rx.ack(&delivery.jti)?;
//!     let saved = rx.take_state(); // persist with the application's effects
//! #   assert!(saved.is_some());
//! }
//! // The ack goes out at once, in an acknowledgement-only request.
//! let flush = rx.next_request(now)?;
//! assert_eq!(flush.body, r#"{"maxEvents":0,"returnImmediately":true,"ack":["evt-1"]}"#);
//! # Ok(())
//! # }
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
//!   Request ids are unique within one `Receiver` value and are not
//!   persisted: an answer never crosses a restart.
//! - [`handle_response`](Receiver::handle_response)`(id, response, now, rng)`
//!   takes any HTTP answer. A 2xx with a readable body (200 or 201; a 204
//!   may have none) confirms the acks and `setErrs` entries **that request carried**,
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
//!   sees it (in the state `take_state` returns after the batch), so it is
//!   never handed over
//!   twice in one run. After a restart, [`unsettled`](Receiver::unsettled)
//!   hands over again exactly those the application did not settle: saving
//!   the state in the same transaction as the application's effects makes
//!   delivery exactly once, otherwise the application must tolerate seeing
//!   a SET again after a crash mid-processing;
//! - dedup entries are `(iss, jti)` pairs, recorded when the application
//!   settles a SET and kept for the configured window (OBIE lets ASPSPs
//!   recycle `jti`s) and at most the configured number. An ASPSP that
//!   applies acks before choosing SETs only sends an acknowledged SET again
//!   if it lost the ack (answered before committing, restored a backup): the
//!   window turns that into a repeated ack instead of a second delivery.
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
//! Answers are read with
//! [`EventPollingResponse::parse_lenient`](crate::wire::EventPollingResponse::parse_lenient):
//! a missing `moreAvailable` means `false`, a missing `sets` means none,
//! extra members are ignored, 200, 201 and 204 all count as success, and an
//! empty `sets` is fine. When the parser refuses an answer over a single
//! `sets` entry (a value that is not a non-empty string, a key twice, a key
//! that is not 1..128 characters), the answer is read entry by entry instead
//! ([`Batch::salvaged`] says so), so one broken entry never blocks the
//! others: a bad value fails verification and is reported, a bad key cannot
//! be reported in a schema-valid request and is dropped. A SET whose `jti`
//! differs from its key in `sets` is rejected under the key (`setData` /
//! `invalid_request`): a transmitter bug or a splicing attempt, never
//! delivered, and the token's own `jti` is not acknowledged. Requests are
//! written by [`EventPolling::to_json`](crate::wire::EventPolling::to_json)
//! with the schema's member names (`maxEvents`, `returnImmediately`, `ack`,
//! `setErrs`, never `max_events`) and `maxEvents: 0` written explicitly;
//! `setErrs` descriptions are cut to 256 characters and codes checked for
//! 1..40.

mod changes;
mod config;
mod dedup;
mod error;
mod outcome;
mod poller;
mod request;
mod response;
mod schedule;
mod state;
#[cfg(test)]
mod tests;
mod verifier;

pub use changes::ReceiverChange;
pub use config::{Backoff, ConfigError, DedupConfig, Jitter, ReceiverConfig};
pub use dedup::{ProcessedSet, Settlement};
pub use error::ReceiverError;
pub use outcome::{FailureReason, PollFailure, PollOutcome, Recheck, StaleKeys};
pub use poller::Receiver;
pub use request::{PollRequest, RequestId, RequestKind};
pub use response::{
    Batch, Delivery, Duplicate, DuplicateOf, HttpResponse, RejectReason, Rejection,
};
pub use schedule::{parse_retry_after, ScheduleState, STALL_GRACE};
pub use state::{HeldSet, PendingSetErr, ReceiverState, StateError, UnsettledSet, STATE_FORMAT};
pub use verifier::SetVerifier;
