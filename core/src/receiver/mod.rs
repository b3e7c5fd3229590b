//! The receiver: the TPP side, a sans-IO poller that never loses an
//! acknowledgement or an event.
//!
//! A [`Receiver`] builds each `POST /events` body, digests each answer,
//! verifies every SET and tells the application what to do. The host does
//! the HTTP, the storage, the clock, the randomness and the JWKS fetch.
//! Modelled on quinn-proto: normal states are values, not errors.
//! "Nothing due yet", backpressure and a request in flight are a `None` from
//! [`poll_request`](Receiver::poll_request); when to call again is
//! [`poll_timeout`](Receiver::poll_timeout); a failed round trip is
//! [`PollOutcome::Failed`]; keys that must be refreshed are
//! [`keys_stale`](Receiver::keys_stale). [`ReceiverError`] is only for calls
//! out of order (an answer to a request not in flight) and bad input (an
//! unknown `jti`, a bad error code).
//!
//! # The run loop
//!
//! ```text
//! load the snapshot and journal, if any:    state.apply(journal); rx.restore(state)
//! append rx.take_changes() to the journal
//! hand rx.unsettled() to the application (they did not commit)
//! loop {
//!     if let Some(stale) = rx.keys_stale() && stale.refresh_at <= now {
//!         match fetch the JWK Set {
//!             Ok(keys) => recheck = rx.refresh_keys(keys, now)   -> deliveries as below
//!             Err(_)   => rx.refresh_keys_failed(now)
//!         }
//!     }
//!     let Some(req) = rx.poll_request(now) else {
//!         sleep until rx.poll_timeout()   (None: until the application settles a SET)
//!         continue
//!     };
//!     send req.body as POST /events
//!     HTTP answer -> rx.handle_reply(req.id, HttpResponse::new(status, body), now, rng)
//!                    PollOutcome::Batch(batch)  -> deliveries, rejections, held, keys_stale
//!                    PollOutcome::Failed(f)     -> log f.reason; nothing due before f.retry_at
//!     no answer   -> rx.handle_no_reply(req.id, now, rng)
//!     append rx.take_changes() to the journal          (before anything else)
//!     for each delivery {
//!         the application processes it, then
//!         rx.ack(jti) or rx.reject(jti, code, description)
//!         append rx.take_changes() in the same transaction as the
//!         application's own effects
//!     }
//!     now and then: save rx.state() as the snapshot and empty the journal
//! }
//! ```
//!
//! One round trip in code, the ASPSP's answer made up:
//!
//! ```
//! # use rand_chacha::{rand_core::SeedableRng, ChaCha8Rng};
//! use setpoll_core::claims::SetClaims;
//! use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
//! use setpoll_core::receiver::{
//!     HttpResponse, PollOutcome, Receiver, ReceiverConfig, ReceiverState, RequestKind,
//! };
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
//! let mut journal = Vec::new(); // the host's storage
//!
//! let req = rx.poll_request(now).ok_or("a first poll is due at once")?;
//! assert_eq!(req.kind, RequestKind::Poll);
//! // ... POST req.body to /events; the ASPSP answers with one SET:
//! let claims = SetClaims::from_json(br#"{"iss":"https://bank.example/","iat":1700000000,
//!     "jti":"evt-1","aud":"tpp-1","events":{"https://bank.example/events/ping":{}}}"#)
//!     .map_err(|e| e.to_string())?;
//! let set = sign_set(&claims, &bank, &HeaderProfile::rfc8417(), now)?;
//! let body = format!(r#"{{"sets":{{"evt-1":"{set}"}},"moreAvailable":false}}"#);
//! let PollOutcome::Batch(batch) =
//!     rx.handle_reply(req.id, HttpResponse::new(201, &body), now, &mut rng)?
//! else {
//!     return Err("the poll failed".into());
//! };
//! journal.extend(rx.take_changes()); // persist before handing anything over
//!
//! for delivery in batch.deliveries {
//!     // ... the application processes delivery.claims, then:
//!     rx.ack(&delivery.jti)?;
//!     journal.extend(rx.take_changes()); // persist with the application's effects
//! }
//! // The ack goes out at once, in an acknowledgement-only request.
//! let flush = rx.poll_request(now).ok_or("a flush is due")?;
//! assert_eq!(flush.body, r#"{"maxEvents":0,"returnImmediately":true,"ack":["evt-1"]}"#);
//!
//! // After a restart: the snapshot with the journal replayed.
//! let mut saved = ReceiverState::default();
//! saved.apply(journal)?;
//! assert_eq!(saved.pending_acks, ["evt-1"]);
//! # Ok(())
//! # }
//! ```
//!
//! The contract, call by call:
//!
//! - [`poll_request`](Receiver::poll_request)`(now)` returns the next request
//!   when one is due: a **poll** (configured `maxEvents` and
//!   `returnImmediately`) when the schedule says so, otherwise an
//!   **acknowledgement flush** (`maxEvents: 0`, `returnImmediately: true`)
//!   when acks or `setErrs` entries are pending. Both carry every pending ack
//!   and `setErrs` entry. It changes no durable state. **One request is in
//!   flight at a time**: until its answer is handled it returns `None`. If
//!   the host gives up on a request (timeout, cancellation) it calls
//!   `handle_no_reply`. Request ids are unique within one `Receiver` value
//!   and are not persisted: an answer never crosses a restart.
//! - [`poll_timeout`](Receiver::poll_timeout)`()` is when the receiver next
//!   wants the host (a request or a key refresh); a time at or before now
//!   means at once, `None` means not until an answer or a settlement.
//! - [`handle_reply`](Receiver::handle_reply)`(id, response, now, rng)`
//!   takes any HTTP answer. A 2xx with a readable body (200 or 201; a 204
//!   may have none) confirms the acks and `setErrs` entries **that request
//!   carried**, and only those: an ack made while the request was in flight
//!   goes in the next one. Every SET is verified; new ones come back as
//!   [`Delivery`]s, failures queue a `setErrs` entry whose code comes from
//!   the configured [`Vocabulary`](crate::codes::Vocabulary), SETs seen
//!   within the dedup window are acknowledged (or rejected) again without
//!   reaching the application twice, and SETs whose `kid` the keys lack are
//!   **held**. Every other answer (429, 5xx, 401/403, other 4xx, unreadable
//!   2xx) is [`PollOutcome::Failed`]: nothing is cleared, the schedule backs
//!   off.
//! - [`handle_no_reply`](Receiver::handle_no_reply)`(id, now, rng)` is for no
//!   answer at all (connection, TLS, timeout): a [`PollFailure`], nothing
//!   cleared, the schedule backs off.
//! - An answer for an `id` that is not in flight (a late duplicate, an answer
//!   after `handle_no_reply`, one from before a restart) is refused with
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
//!   processing or held, polls stop (acknowledgement flushes continue).
//!
//! # Key rotation
//!
//! A SET whose `kid` is not among the keys is not reported: it is held, the
//! batch says so ([`Batch::held`], [`Batch::keys_stale`]) and
//! [`keys_stale`](Receiver::keys_stale) names the unknown `kid`s and when a
//! refresh is allowed ([`StaleKeys::refresh_at`]: at once the first time,
//! then at most every
//! [`key_refresh_interval`](ReceiverConfig::key_refresh_interval), 30 s by
//! default, so forged `kid`s cannot make the host hammer the JWKS URL). The
//! host fetches the JWK Set and calls
//! [`refresh_keys`](Receiver::refresh_keys)`(keys, now)`: every held SET is
//! judged again as of its arrival and comes out in the [`Recheck`] as a
//! delivery, a duplicate or a rejection; only a `kid` still unknown after a
//! refresh is reported (`jws` in OBIE's vocabulary, `invalid_key` in
//! RFC 8935's). A failed fetch is
//! [`refresh_keys_failed`](Receiver::refresh_keys_failed)`(now)`: the held
//! SETs wait. A held SET is never acknowledged or reported, so nothing can
//! lose it: held SETs are in the durable state (judged again by
//! [`restore`](Receiver::restore) with the new process's keys), and even a
//! host that lost them gets them again from the ASPSP, which redelivers
//! every unacknowledged SET.
//!
//! # Never losing an acknowledgement
//!
//! The host appends [`take_changes`](Receiver::take_changes) to its journal
//! after every `handle_*`, `refresh_keys`, `ack`, `reject` and `restore`,
//! before its next request and before handing deliveries over, and now and
//! then replaces snapshot and journal with [`state`](Receiver::state)
//! ([`ReceiverChange`] explains why that is safe). The state
//! ([`ReceiverState`]) is plain data: pending acks and `setErrs` entries, SETs
//! in processing (with their tokens), held SETs, the dedup window and the
//! schedule. A crash at any point then loses nothing:
//!
//! - acks and `setErrs` entries leave the state only when a round trip that
//!   carried them succeeded; a lost request or answer keeps them pending;
//! - a delivered SET is recorded as in processing **before** the application
//!   sees it (in the changes taken after the batch), so it is never handed
//!   over twice in one run. After a restart,
//!   [`unsettled`](Receiver::unsettled) hands over again exactly those the
//!   application did not settle: saving the changes in the same transaction
//!   as the application's effects makes delivery exactly once, otherwise the
//!   application must tolerate seeing a SET again after a crash
//!   mid-processing;
//! - dedup entries are `(iss, jti)` pairs, recorded when the application
//!   settles a SET and kept for the configured window (OBIE lets ASPSPs
//!   recycle `jti`s) and at most the configured number. An ASPSP that
//!   applies acks before choosing SETs only sends an acknowledged SET again
//!   if it lost the ack (answered before committing, restored a backup): the
//!   window turns that into a repeated ack instead of a second delivery.
//!
//! # Scheduling
//!
//! [`poll_timeout`](Receiver::poll_timeout) is pure: poll again at once
//! while the ASPSP reports `moreAvailable`, otherwise after the poll
//! interval; after `n` failures in a row, wait
//! [`Backoff::delay`]`(n, random)` (exponential, capped, jittered with the
//! caller's randomness) and at least the server's `Retry-After` (seconds or
//! an HTTP-date in any of RFC 9110's three formats); nothing, not even an
//! acknowledgement flush, goes out before then. A 401/403 is
//! [`FailureReason::Unauthorized`] and backed off like any failure, so a
//! broken token never makes the receiver spin (the host decides when to
//! give up). Answers that make **no progress** (only duplicates of SETs
//! already settled, held or in processing, rejections already reported, or
//! `moreAvailable` with no SETs: a transmitter that ignores `ack`) are polled
//! again as usual [`STALL_GRACE`] times, then with the same backoff, and
//! acknowledgements ride those polls instead of flushes of their own: a few
//! requests in the first seconds, then at most a couple a second and fewer.
//! A `404` or `501` to a long poll makes every later poll of this receiver
//! value ask for `returnImmediately: true`
//! ([`PollFailure::long_poll_refused`]).
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

pub use changes::{JournalError, ReceiverChange};
pub use config::{Backoff, ConfigError, DedupConfig, Jitter, ReceiverConfig};
pub use dedup::{ProcessedSet, Settlement};
pub use error::ReceiverError;
pub use outcome::{FailureReason, Outstanding, PollFailure, PollOutcome, Recheck, StaleKeys};
pub use poller::Receiver;
pub use request::{PollRequest, RequestId, RequestKind};
pub use response::{
    Batch, Delivery, Duplicate, DuplicateOf, HttpResponse, RejectReason, Rejection,
};
pub use schedule::{parse_retry_after, ScheduleState, STALL_GRACE};
pub use state::{HeldSet, PendingSetErr, ReceiverState, StateError, UnsettledSet, STATE_FORMAT};
pub use verifier::SetVerifier;
