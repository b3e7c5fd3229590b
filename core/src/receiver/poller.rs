//! The receiver state machine: requests out, answers in, acks never lost.

use std::collections::{BTreeSet, HashSet, VecDeque};

use rand_core::RngCore;

use super::changes::ReceiverChange;
use super::config::{ConfigError, ReceiverConfig, MAX_JTI_CHARS};
use super::dedup::{Dedup, Key, ProcessedSet, Settlement};
use super::error::ReceiverError;
use super::outcome::{FailureReason, Outstanding, PollFailure, PollOutcome, Recheck, StaleKeys};
use super::request::{PollRequest, RequestId, RequestKind};
use super::response::{
    read_sets, Batch, Delivery, Duplicate, DuplicateOf, HttpResponse, ReadSets, RejectReason,
    Rejection,
};
use super::schedule::{parse_retry_after, ScheduleState, Slot};
use super::state::{HeldSet, PendingSetErr, ReceiverState, StateError, UnsettledSet};
use super::verifier::SetVerifier;
use crate::codes::{SetErrCode, Vocabulary};
use crate::jose::{JwsError, Keyring};
use crate::set::{verify_set, VerifyError};
use crate::time::Timestamp;
use crate::wire::{ErrorResponse, EventPolling, SetErr};

/// Longest `setErrs` description, in characters (OBIE schema).
const MAX_DESCRIPTION_CHARS: usize = 256;
/// Longest `setErrs` code, in characters (OBIE schema).
const MAX_CODE_CHARS: usize = 40;
/// Changes buffered before they collapse into one snapshot change.
const MAX_BUFFERED_CHANGES: usize = 16_384;
/// Keys of rejected SETs remembered (in memory only) to tell a rejection
/// repeated by the ASPSP from a new one.
const RECENT_REJECTIONS: usize = 1024;

/// The TPP side of `POST /events`: a sans-IO poller.
///
/// See the [module documentation](super) for the run loop the host drives.
pub struct Receiver {
    config: ReceiverConfig,
    verifier: Box<dyn SetVerifier>,
    schedule: ScheduleState,
    /// Acks not yet confirmed by a successful round trip that carried them.
    pending_acks: Vec<String>,
    /// `setErrs` entries not yet confirmed likewise.
    pending_set_errs: Vec<(String, SetErr)>,
    /// SETs handed to the application, not yet acked or rejected.
    unsettled: Vec<Delivery>,
    /// SETs whose `kid` the keys lack, oldest first.
    held: Vec<HeldSet>,
    dedup: Dedup,
    in_flight: Option<InFlight>,
    next_id: u64,
    /// Durable changes not yet taken by the host.
    changes: Vec<ReceiverChange>,
    /// The last key refresh (or attempt) the host reported.
    keys_refreshed_at: Option<Timestamp>,
    /// A long poll was answered 404 or 501: polls ask for
    /// `returnImmediately: true` from now on.
    long_poll_refused: bool,
    recent_rejections: VecDeque<String>,
}

/// What the request in flight carried.
#[derive(Clone, Debug)]
struct InFlight {
    id: RequestId,
    kind: RequestKind,
    /// A poll without `returnImmediately: true`.
    long_poll: bool,
    acks: Vec<String>,
    set_errs: Vec<String>,
}

/// What a set of SETs came to.
#[derive(Default)]
struct Verdicts {
    deliveries: Vec<Delivery>,
    rejections: Vec<Rejection>,
    duplicates: Vec<Duplicate>,
    held: Vec<String>,
    /// Something new: a delivery, a newly held SET, a first rejection.
    progress: bool,
}

impl core::fmt::Debug for Receiver {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Receiver")
            .field("issuer", &self.config.issuer)
            .field("client_id", &self.config.client_id)
            .field("schedule", &self.schedule)
            .field("pending_acks", &self.pending_acks.len())
            .field("pending_set_errs", &self.pending_set_errs.len())
            .field("unsettled", &self.unsettled.len())
            .field("held", &self.held.len())
            .field("remembered", &self.dedup.len())
            .field("in_flight", &self.in_flight.as_ref().map(|f| f.id))
            .field("changes", &self.changes.len())
            .finish_non_exhaustive()
    }
}

impl Receiver {
    /// A fresh receiver that verifies SETs with
    /// [`verify_set`](crate::set::verify_set), the configured keys and policy.
    ///
    /// # Errors
    /// When the configuration is invalid.
    pub fn new(config: ReceiverConfig) -> Result<Self, ConfigError> {
        Self::with_verifier(config, verify_set)
    }

    /// A fresh receiver that verifies SETs with `verifier`.
    ///
    /// # Errors
    /// When the configuration is invalid.
    pub fn with_verifier(
        config: ReceiverConfig,
        verifier: impl SetVerifier + 'static,
    ) -> Result<Self, ConfigError> {
        Ok(Receiver {
            config: config.validated()?,
            verifier: Box::new(verifier),
            schedule: ScheduleState::default(),
            pending_acks: Vec::new(),
            pending_set_errs: Vec::new(),
            unsettled: Vec::new(),
            held: Vec::new(),
            dedup: Dedup::default(),
            in_flight: None,
            next_id: 1,
            changes: Vec::new(),
            keys_refreshed_at: None,
            long_poll_refused: false,
            recent_rejections: VecDeque::new(),
        })
    }

    /// The validated configuration.
    #[must_use]
    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    // ----------------------------------------------------------------------
    // Timing
    // ----------------------------------------------------------------------

    /// When the receiver next wants the host: the earlier of when
    /// [`poll_request`](Self::poll_request) will give a request and when a
    /// key refresh falls due ([`keys_stale`](Self::keys_stale)). A time at or
    /// before now means at once. `None`: not until something happens (the
    /// request in flight is answered, the application settles a SET while
    /// backpressure holds). Pure.
    #[must_use]
    pub fn poll_timeout(&self) -> Option<Timestamp> {
        let request = self.request_due();
        let keys = self.keys_stale().map(|s| s.refresh_at);
        match (request, keys) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn request_due(&self) -> Option<Timestamp> {
        if self.in_flight.is_some() {
            return None;
        }
        if self.schedule.consecutive_failures > 0 {
            return Some(self.schedule.next_poll_at);
        }
        let reports = self.has_reports();
        if reports && self.schedule.flushes_allowed() {
            return Some(Timestamp::EPOCH);
        }
        if self.backpressured() && !reports {
            return None;
        }
        Some(self.schedule.next_poll_at)
    }

    // ----------------------------------------------------------------------
    // Requests
    // ----------------------------------------------------------------------

    /// The request to send at `now`, if one is due; `None` means not yet
    /// (sleep until [`poll_timeout`](Self::poll_timeout)), backpressure, or
    /// a request already in flight.
    ///
    /// - A **poll** when the schedule says so: the configured `maxEvents`
    ///   (never more than the room left under
    ///   [`max_unsettled`](ReceiverConfig::max_unsettled)) and
    ///   `returnImmediately`, plus every pending ack and `setErrs` entry.
    /// - Otherwise, when acks or `setErrs` entries are pending, an
    ///   **acknowledgement flush**: the same with `maxEvents: 0` and
    ///   `returnImmediately: true` (while answers make no progress, acks wait
    ///   for the next poll instead).
    /// - After a failure nothing goes out before the backoff expires.
    ///
    /// One request is in flight at a time: answer it with
    /// [`handle_reply`](Self::handle_reply) or
    /// [`handle_no_reply`](Self::handle_no_reply) before the next. Changes
    /// no durable state.
    pub fn poll_request(&mut self, now: Timestamp) -> Option<PollRequest> {
        if self.in_flight.is_some() {
            return None;
        }
        let reports = self.has_reports();
        let kind = match self.schedule.slot(now) {
            Slot::Wait(_) => return None,
            Slot::Poll if !self.backpressured() => RequestKind::Poll,
            Slot::Poll if reports => RequestKind::AckOnly,
            Slot::FlushOnly if reports && self.schedule.flushes_allowed() => RequestKind::AckOnly,
            _ => return None,
        };
        Some(self.build(kind))
    }

    fn build(&mut self, kind: RequestKind) -> PollRequest {
        let (max_events, return_immediately) = match kind {
            RequestKind::Poll => {
                // Ask for no more than the application has room for.
                let room = self
                    .config
                    .max_unsettled
                    .saturating_sub(self.unsettled.len() + self.held.len());
                let room = u32::try_from(room).unwrap_or(u32::MAX);
                let max = self.config.max_events.map(|m| m.min(room));
                let immediately = if self.long_poll_refused {
                    Some(true)
                } else {
                    self.config.return_immediately
                };
                (max, immediately)
            }
            RequestKind::AckOnly => (Some(0), Some(true)),
        };
        let polling = EventPolling {
            max_events,
            return_immediately,
            ack: self.pending_acks.clone(),
            set_errs: self.pending_set_errs.clone(),
        };
        let id = RequestId(self.next_id);
        self.next_id = self.next_id.wrapping_add(1);
        self.in_flight = Some(InFlight {
            id,
            kind,
            long_poll: kind == RequestKind::Poll && return_immediately != Some(true),
            acks: polling.ack.clone(),
            set_errs: polling.set_errs.iter().map(|(j, _)| j.clone()).collect(),
        });
        PollRequest {
            id,
            kind,
            body: polling.to_json(),
            polling,
        }
    }

    /// The request in flight, if any.
    #[must_use]
    pub fn in_flight(&self) -> Option<RequestId> {
        self.in_flight.as_ref().map(|f| f.id)
    }

    // ----------------------------------------------------------------------
    // Answers
    // ----------------------------------------------------------------------

    /// Digest the HTTP answer to request `id`, received at `now`.
    ///
    /// On a 2xx with a readable body (200, 201 or 204; missing
    /// `moreAvailable` and extra members tolerated) the acks and `setErrs`
    /// entries the request carried are confirmed and cleared, and every SET is
    /// verified: new ones are returned as deliveries (and remembered as
    /// unsettled), failures queue a `setErrs` entry, SETs already processed
    /// within the dedup window queue their ack (or `setErrs` entry) again
    /// without being delivered twice, and SETs signed with a `kid` the keys
    /// lack are held ([`Batch::keys_stale`]).
    ///
    /// Any other answer is [`PollOutcome::Failed`]: nothing is cleared, the
    /// schedule backs off (at least as long as a `Retry-After`). A 404 or 501
    /// to a long poll also makes later polls ask for
    /// `returnImmediately: true`. `rng` draws the backoff jitter.
    ///
    /// Either way the durable state changed: persist
    /// [`take_changes`](Self::take_changes) before handing deliveries to the
    /// application or sending the next request.
    ///
    /// # Errors
    /// [`UnknownRequest`](ReceiverError::UnknownRequest) when `id` is not in
    /// flight; that answer is ignored entirely.
    pub fn handle_reply<R: RngCore + ?Sized>(
        &mut self,
        id: RequestId,
        response: HttpResponse<'_>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<PollOutcome, ReceiverError> {
        let flight = self.take_flight(id)?;
        let status = response.status;
        let retry_after = response.retry_after.and_then(|v| parse_retry_after(v, now));
        let error = || {
            ErrorResponse::parse(response.body)
                .ok()
                .filter(|e| e.code.is_some() || e.message.is_some() || !e.errors.is_empty())
        };
        let reason = match status {
            200..=299 => match read_sets(status, response.body) {
                Ok(read) => return Ok(PollOutcome::Batch(self.succeeded(flight, read, now, rng))),
                Err(error) => FailureReason::MalformedResponse { status, error },
            },
            429 => FailureReason::Throttled { retry_after },
            401 | 403 => FailureReason::Unauthorized {
                status,
                error: error(),
            },
            400..=499 => FailureReason::RequestRejected {
                status,
                error: error(),
            },
            500..=599 => FailureReason::ServerError {
                status,
                error: error(),
            },
            _ => FailureReason::UnexpectedStatus { status },
        };
        let refused = flight.long_poll && matches!(status, 404 | 501) && !self.long_poll_refused;
        self.long_poll_refused |= refused;
        let mut failure = self.failed(flight.id, reason, retry_after, now, rng);
        failure.long_poll_refused = refused;
        Ok(PollOutcome::Failed(failure))
    }

    /// Request `id` got no HTTP answer (connection refused, TLS failure,
    /// timeout, cancelled). Every ack and `setErrs` entry it carried stays
    /// pending; the schedule backs off with jitter from `rng`.
    ///
    /// # Errors
    /// [`UnknownRequest`](ReceiverError::UnknownRequest) when `id` is not in
    /// flight (nothing changes).
    pub fn handle_no_reply<R: RngCore + ?Sized>(
        &mut self,
        id: RequestId,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<PollFailure, ReceiverError> {
        let flight = self.take_flight(id)?;
        Ok(self.failed(flight.id, FailureReason::NoAnswer, None, now, rng))
    }

    fn failed<R: RngCore + ?Sized>(
        &mut self,
        request: RequestId,
        reason: FailureReason,
        retry_after: Option<core::time::Duration>,
        now: Timestamp,
        rng: &mut R,
    ) -> PollFailure {
        let retry_at = self
            .schedule
            .failed(now, &self.config.backoff, retry_after, rng.next_u64());
        self.record_schedule();
        PollFailure {
            request,
            reason,
            retry_at,
            failures_in_a_row: self.schedule.consecutive_failures,
            long_poll_refused: false,
        }
    }

    fn take_flight(&mut self, id: RequestId) -> Result<InFlight, ReceiverError> {
        match self.in_flight.take() {
            Some(f) if f.id == id => Ok(f),
            other => {
                self.in_flight = other;
                Err(ReceiverError::UnknownRequest { id })
            }
        }
    }

    fn succeeded<R: RngCore + ?Sized>(
        &mut self,
        flight: InFlight,
        read: ReadSets,
        now: Timestamp,
        rng: &mut R,
    ) -> Batch {
        let more_available = read.more_available;
        // Confirm what the request carried, before anything below may queue
        // the same jti again.
        let carried: HashSet<&str> = flight.acks.iter().map(String::as_str).collect();
        let mut acks = Vec::new();
        self.pending_acks.retain(|j| {
            let keep = !carried.contains(j.as_str());
            if !keep {
                acks.push(j.clone());
            }
            keep
        });
        let carried: HashSet<&str> = flight.set_errs.iter().map(String::as_str).collect();
        let mut set_errs = Vec::new();
        self.pending_set_errs.retain(|(j, _)| {
            let keep = !carried.contains(j.as_str());
            if !keep {
                set_errs.push(j.clone());
            }
            keep
        });
        let (acks_confirmed, set_errs_confirmed) = (acks.len(), set_errs.len());
        if !acks.is_empty() || !set_errs.is_empty() {
            self.record(ReceiverChange::Confirmed { acks, set_errs });
        }
        let forgotten = self.dedup.expire(now, self.config.dedup.window);
        self.record_forgotten(forgotten);

        let had_sets = !read.sets.is_empty();
        let mut v = Verdicts::default();
        for (key, token) in read.sets {
            self.receive(key, token, now, now, true, &mut v);
        }
        let stalled =
            !v.progress && (had_sets || (more_available && flight.kind == RequestKind::Poll));
        let random = if stalled { rng.next_u64() } else { 0 };
        let stall = stalled.then_some((&self.config.backoff, random));
        match flight.kind {
            RequestKind::Poll => {
                self.schedule
                    .poll_succeeded(now, more_available, self.config.poll_interval, stall)
            }
            RequestKind::AckOnly => self.schedule.flush_succeeded(now, more_available, stall),
        }
        self.record_schedule();
        Batch {
            request: flight.id,
            deliveries: v.deliveries,
            rejections: v.rejections,
            duplicates: v.duplicates,
            more_available,
            acks_confirmed,
            set_errs_confirmed,
            salvaged: read.salvaged,
            held: v.held,
            keys_stale: self.keys_stale(),
        }
    }

    /// Verify one SET (as of `verify_at`) and decide its fate; a delivery
    /// is stamped `now`. `hold`: a SET whose `kid` the keys lack is held
    /// rather than rejected.
    fn receive(
        &mut self,
        key: String,
        token: String,
        verify_at: Timestamp,
        now: Timestamp,
        hold: bool,
        v: &mut Verdicts,
    ) {
        if !jti_ok(&key) {
            // Cannot be acknowledged or reported in a schema-valid request.
            v.rejections.push(Rejection {
                jti: key,
                reason: RejectReason::UnreportableKey,
                reported: None,
            });
            return;
        }
        if self.held.iter().any(|h| h.jti == key) {
            v.duplicates.push(Duplicate {
                jti: key,
                of: DuplicateOf::Held,
            });
            return;
        }
        let delivery = match self.check(&key, &token, verify_at, now) {
            Ok(d) => d,
            Err(RejectReason::Verify(VerifyError::Jws(JwsError::UnknownKid(kid))))
                if hold && self.unsettled_position(&key).is_none() =>
            {
                let set = HeldSet {
                    jti: key.clone(),
                    kid,
                    token,
                    received_at: verify_at,
                };
                self.held.push(set.clone());
                self.record(ReceiverChange::Held { set });
                v.held.push(key);
                v.progress = true;
                return;
            }
            Err(reason) => {
                let err = self.set_err_for(&reason);
                let reported = self.report_if_absent(&key, err);
                if reported.is_some() && self.first_rejection(&key) {
                    v.progress = true;
                }
                v.rejections.push(Rejection {
                    jti: key,
                    reason,
                    reported,
                });
                return;
            }
        };
        if self.unsettled_position(&delivery.jti).is_some() {
            v.duplicates.push(Duplicate {
                jti: delivery.jti,
                of: DuplicateOf::InProcessing,
            });
            return;
        }
        match self
            .dedup
            .get(&delivery.iss, &delivery.jti)
            .map(|(_, s)| s.clone())
        {
            Some(Settlement::Acked) => {
                self.report_ack(&delivery.jti);
                v.duplicates.push(Duplicate {
                    jti: delivery.jti,
                    of: DuplicateOf::Acked,
                });
            }
            Some(Settlement::Rejected { err, description }) => {
                self.report_set_err(&delivery.jti, SetErr { err, description });
                v.duplicates.push(Duplicate {
                    jti: delivery.jti,
                    of: DuplicateOf::Rejected,
                });
            }
            None => {
                self.record(ReceiverChange::Delivered {
                    set: unsettled_set(&delivery),
                });
                self.unsettled.push(delivery.clone());
                v.deliveries.push(delivery);
                v.progress = true;
            }
        }
    }

    /// `true` the first time (within the memory) `key` is rejected.
    fn first_rejection(&mut self, key: &str) -> bool {
        if self.recent_rejections.iter().any(|k| k == key) {
            return false;
        }
        if self.recent_rejections.len() >= RECENT_REJECTIONS {
            self.recent_rejections.pop_front();
        }
        self.recent_rejections.push_back(key.to_owned());
        true
    }

    /// Verification as of `verify_at` plus the receiver's own checks.
    fn check(
        &self,
        key: &str,
        token: &str,
        verify_at: Timestamp,
        delivered_at: Timestamp,
    ) -> Result<Delivery, RejectReason> {
        let verified = self
            .verifier
            .verify(token, &self.config.keys, &self.config.policy, verify_at)
            .map_err(RejectReason::Verify)?;
        let claims = verified.claims;
        if claims.jti != key {
            return Err(RejectReason::JtiMismatch {
                token_jti: claims.jti,
            });
        }
        if claims.iss != self.config.issuer {
            return Err(RejectReason::IssuerMismatch { iss: claims.iss });
        }
        if !claims.aud.contains(&self.config.client_id) {
            return Err(RejectReason::AudienceMismatch);
        }
        Ok(Delivery {
            jti: claims.jti.clone(),
            iss: claims.iss.clone(),
            event_types: claims.event_types(),
            claims,
            token: token.to_owned(),
            delivered_at,
        })
    }

    fn set_err_for(&self, reason: &RejectReason) -> SetErr {
        let mut err = reason.set_err(self.config.vocabulary);
        if !(1..=MAX_CODE_CHARS).contains(&err.as_str().chars().count()) {
            err = match self.config.vocabulary {
                Vocabulary::Rfc8935 => SetErrCode::InvalidRequest,
                _ => SetErrCode::SetParse,
            };
        }
        let description = clamp_description(&reason.description(), &err);
        SetErr { err, description }
    }

    // ----------------------------------------------------------------------
    // Keys
    // ----------------------------------------------------------------------

    /// `Some` while SETs are held because their `kid` is not among the keys:
    /// fetch the ASPSP's JWK Set at or after
    /// [`refresh_at`](StaleKeys::refresh_at) and give it to
    /// [`refresh_keys`](Self::refresh_keys) (or report
    /// [`refresh_keys_failed`](Self::refresh_keys_failed)). Held SETs are
    /// neither delivered nor acknowledged nor reported meanwhile. Pure.
    #[must_use]
    pub fn keys_stale(&self) -> Option<StaleKeys> {
        let first = self.held.iter().map(|h| h.received_at).min()?;
        let kids: BTreeSet<&str> = self.held.iter().map(|h| h.kid.as_str()).collect();
        let refresh_at = match self.keys_refreshed_at {
            Some(at) => at.saturating_add(self.config.key_refresh_interval),
            None => first,
        };
        Some(StaleKeys {
            kids: kids.into_iter().map(str::to_owned).collect(),
            held: self.held.len(),
            refresh_at,
        })
    }

    /// Replace the ASPSP's keys with a JWK Set the host fetched at `now`, and
    /// judge every held SET again (as of when it arrived): a `kid` still
    /// unknown is now rejected (`jws` / `invalid_key`). Hand the deliveries
    /// to the application like a batch's, after persisting
    /// [`take_changes`](Self::take_changes). Starts the rate limit: the next
    /// refresh the receiver asks for is due
    /// [`key_refresh_interval`](ReceiverConfig::key_refresh_interval) later.
    pub fn refresh_keys(&mut self, keys: Keyring, now: Timestamp) -> Recheck {
        self.config.keys = keys;
        self.keys_refreshed_at = Some(now);
        let held = core::mem::take(&mut self.held);
        let mut v = Verdicts::default();
        for h in held {
            self.record(ReceiverChange::Released { jti: h.jti.clone() });
            self.receive(h.jti, h.token, h.received_at, now, false, &mut v);
        }
        if v.progress && self.schedule.stalled_polls > 0 {
            self.schedule.stalled_polls = 0;
            self.record_schedule();
        }
        Recheck {
            deliveries: v.deliveries,
            rejections: v.rejections,
            duplicates: v.duplicates,
        }
    }

    /// The host could not fetch the JWK Set at `now`: held SETs keep
    /// waiting, and the next attempt is due
    /// [`key_refresh_interval`](ReceiverConfig::key_refresh_interval) later.
    pub fn refresh_keys_failed(&mut self, now: Timestamp) {
        self.keys_refreshed_at = Some(now);
    }

    // ----------------------------------------------------------------------
    // Application verdicts
    // ----------------------------------------------------------------------

    /// The application processed the SET `jti`: acknowledge it in the next
    /// request. Repeating an ack is harmless.
    ///
    /// Persist [`take_changes`](Self::take_changes) in the same transaction
    /// as the application's own effects of processing the SET: then a crash
    /// either loses both (the SET is handed over again) or neither.
    ///
    /// # Errors
    /// [`UnknownJti`](ReceiverError::UnknownJti) when no delivered SET has
    /// that `jti`; [`AlreadySettled`](ReceiverError::AlreadySettled) when it
    /// was rejected.
    pub fn ack(&mut self, jti: &str) -> Result<(), ReceiverError> {
        if let Some(pos) = self.unsettled_position(jti) {
            let d = self.unsettled.remove(pos);
            self.settle(d.iss, d.jti, d.delivered_at, Settlement::Acked);
            self.report_ack(jti);
            return Ok(());
        }
        match self.dedup.get(&self.config.issuer, jti) {
            Some((_, Settlement::Acked)) => Ok(()),
            Some((_, Settlement::Rejected { .. })) => Err(ReceiverError::AlreadySettled {
                jti: jti.to_owned(),
            }),
            None => Err(ReceiverError::UnknownJti {
                jti: jti.to_owned(),
            }),
        }
    }

    /// The application could not process the SET `jti` (its payload failed
    /// the application's own parsing or validation): report `code` with
    /// `description` in `setErrs`. The description is cut to 256 characters
    /// (an empty one becomes the code's own description). Repeating a
    /// rejection replaces the queued entry.
    ///
    /// # Errors
    /// [`InvalidErrCode`](ReceiverError::InvalidErrCode) when `code` is not
    /// 1..40 characters; [`UnknownJti`](ReceiverError::UnknownJti) and
    /// [`AlreadySettled`](ReceiverError::AlreadySettled) as for
    /// [`ack`](Self::ack).
    pub fn reject(
        &mut self,
        jti: &str,
        code: SetErrCode,
        description: &str,
    ) -> Result<(), ReceiverError> {
        if !(1..=MAX_CODE_CHARS).contains(&code.as_str().chars().count()) {
            return Err(ReceiverError::InvalidErrCode {
                code: code.as_str().to_owned(),
            });
        }
        let description = clamp_description(description, &code);
        let err = SetErr {
            err: code,
            description,
        };
        let settlement = Settlement::Rejected {
            err: err.err.clone(),
            description: err.description.clone(),
        };
        let (iss, delivered_at) = if let Some(pos) = self.unsettled_position(jti) {
            let d = self.unsettled.remove(pos);
            (d.iss, d.delivered_at)
        } else {
            match self.dedup.get(&self.config.issuer, jti) {
                Some((at, Settlement::Rejected { .. })) => (self.config.issuer.clone(), at),
                Some((_, Settlement::Acked)) => {
                    return Err(ReceiverError::AlreadySettled {
                        jti: jti.to_owned(),
                    })
                }
                None => {
                    return Err(ReceiverError::UnknownJti {
                        jti: jti.to_owned(),
                    })
                }
            }
        };
        self.settle(iss, jti.to_owned(), delivered_at, settlement);
        self.report_set_err(jti, err);
        Ok(())
    }

    /// Move a SET into the dedup window.
    fn settle(&mut self, iss: String, jti: String, delivered_at: Timestamp, s: Settlement) {
        let set = ProcessedSet {
            iss,
            jti,
            delivered_at,
            settlement: s,
        };
        let forgotten = self.dedup.insert(
            set.iss.clone(),
            set.jti.clone(),
            set.delivered_at,
            set.settlement.clone(),
            self.config.dedup.capacity,
        );
        self.record(ReceiverChange::Settled { set });
        self.record_forgotten(forgotten);
    }

    /// SETs handed to the application and not yet acked or rejected, oldest
    /// first. After [`restore`](Self::restore), hand these to the
    /// application again: its earlier attempt did not commit.
    #[must_use]
    pub fn unsettled(&self) -> Vec<Delivery> {
        self.unsettled.clone()
    }

    // ----------------------------------------------------------------------
    // Pending reports: at most one per jti
    // ----------------------------------------------------------------------

    fn has_reports(&self) -> bool {
        !self.pending_acks.is_empty() || !self.pending_set_errs.is_empty()
    }

    fn backpressured(&self) -> bool {
        self.unsettled.len() + self.held.len() >= self.config.max_unsettled
    }

    fn unsettled_position(&self, jti: &str) -> Option<usize> {
        self.unsettled.iter().position(|d| d.jti == jti)
    }

    fn forget_report(&mut self, jti: &str) {
        self.pending_acks.retain(|j| j != jti);
        self.pending_set_errs.retain(|(j, _)| j != jti);
    }

    /// Queue an ack, replacing any other report for `jti`.
    fn report_ack(&mut self, jti: &str) {
        if self.pending_acks.iter().any(|j| j == jti) {
            return;
        }
        self.forget_report(jti);
        self.pending_acks.push(jti.to_owned());
        self.record(ReceiverChange::AckQueued {
            jti: jti.to_owned(),
        });
    }

    /// Queue a `setErrs` entry, replacing any other report for `jti`.
    fn report_set_err(&mut self, jti: &str, err: SetErr) {
        self.forget_report(jti);
        self.record(ReceiverChange::SetErrQueued {
            entry: PendingSetErr {
                jti: jti.to_owned(),
                err: err.err.clone(),
                description: err.description.clone(),
            },
        });
        self.pending_set_errs.push((jti.to_owned(), err));
    }

    /// Queue a `setErrs` entry for a SET that failed checks, unless `jti`
    /// already has a report queued or is in the application's hands (its
    /// verdict answers the ASPSP).
    fn report_if_absent(&mut self, jti: &str, err: SetErr) -> Option<SetErr> {
        let taken = self.pending_acks.iter().any(|j| j == jti)
            || self.pending_set_errs.iter().any(|(j, _)| j == jti)
            || self.unsettled_position(jti).is_some();
        if taken {
            return None;
        }
        self.report_set_err(jti, err.clone());
        Some(err)
    }

    // ----------------------------------------------------------------------
    // Durable state
    // ----------------------------------------------------------------------

    fn record(&mut self, change: ReceiverChange) {
        self.changes.push(change);
        if self.changes.len() > MAX_BUFFERED_CHANGES {
            // Never drained: one snapshot says it all, in bounded memory.
            let state = Box::new(self.state());
            self.changes = vec![ReceiverChange::Snapshot { state }];
        }
    }

    fn record_schedule(&mut self) {
        let schedule = self.schedule;
        self.record(ReceiverChange::Schedule { schedule });
    }

    fn record_forgotten(&mut self, forgotten: Vec<Key>) {
        for (iss, jti) in forgotten {
            self.record(ReceiverChange::Forgotten { iss, jti });
        }
    }

    /// `true` when the durable state changed since the last
    /// [`take_changes`](Self::take_changes).
    #[must_use]
    pub fn has_changes(&self) -> bool {
        !self.changes.is_empty()
    }

    /// The durable changes since the last call, oldest first. Persist them
    /// (append to the journal; [`ReceiverState::apply`] replays them) after
    /// every `handle_*`, `refresh_keys`, `ack`, `reject` and `restore`,
    /// before sending the next request and before handing deliveries to
    /// the application.
    pub fn take_changes(&mut self) -> Vec<ReceiverChange> {
        core::mem::take(&mut self.changes)
    }

    /// How many acks, `setErrs` entries, unsettled and held SETs are
    /// outstanding: the counts of [`state`](Self::state) without copying it
    /// (the dedup window included), cheap enough for every turn of a loop.
    pub fn outstanding(&self) -> Outstanding {
        Outstanding {
            pending_acks: self.pending_acks.len(),
            pending_set_errs: self.pending_set_errs.len(),
            unsettled: self.unsettled.len(),
            held: self.held.len(),
        }
    }

    /// A snapshot of the durable state (for compaction: save it in place of
    /// the saved state and the journal). Changes not yet taken are in it;
    /// applying them to it again is harmless.
    pub fn state(&self) -> ReceiverState {
        ReceiverState {
            schedule: self.schedule,
            pending_acks: self.pending_acks.clone(),
            pending_set_errs: self
                .pending_set_errs
                .iter()
                .map(|(jti, e)| PendingSetErr {
                    jti: jti.clone(),
                    err: e.err.clone(),
                    description: e.description.clone(),
                })
                .collect(),
            unsettled: self.unsettled.iter().map(unsettled_set).collect(),
            processed: self.dedup.export(),
            held: self.held.clone(),
            ..ReceiverState::default()
        }
    }

    /// Replace this receiver's state with a saved one (after a restart).
    /// Any request in flight is forgotten, and so are changes not taken.
    ///
    /// Unsettled SETs are verified again as of their delivery time, so
    /// [`unsettled`](Self::unsettled) can hand them over with their claims.
    /// One that no longer verifies (its key was removed from the JWK Set) is
    /// dropped: it was never acknowledged, so the ASPSP sends it again and it
    /// is judged afresh. Held SETs whose `kid` the current keys know are
    /// judged again: deliveries join [`unsettled`](Self::unsettled). What
    /// this changed is in [`take_changes`](Self::take_changes).
    ///
    /// # Errors
    /// When the state fails [`ReceiverState::validate`]; nothing changes.
    pub fn restore(&mut self, state: ReceiverState) -> Result<(), StateError> {
        state.validate()?;
        self.changes.clear();
        let mut unsettled = Vec::with_capacity(state.unsettled.len());
        for u in state.unsettled {
            match self.check(&u.jti, &u.token, u.delivered_at, u.delivered_at) {
                Ok(d) => unsettled.push(d),
                Err(_) => self.record(ReceiverChange::Dropped { jti: u.jti }),
            }
        }
        let mut dedup = Dedup::default();
        let mut forgotten = Vec::new();
        for p in state.processed {
            forgotten.extend(dedup.insert(
                p.iss,
                p.jti,
                p.delivered_at,
                p.settlement,
                self.config.dedup.capacity,
            ));
        }
        self.record_forgotten(forgotten);
        self.schedule = state.schedule;
        self.pending_acks = state.pending_acks;
        self.pending_set_errs = state
            .pending_set_errs
            .into_iter()
            .map(|e| {
                (
                    e.jti,
                    SetErr {
                        err: e.err,
                        description: e.description,
                    },
                )
            })
            .collect();
        self.unsettled = unsettled;
        self.dedup = dedup;
        self.in_flight = None;
        // Held SETs the current keys can judge now are judged now.
        let known: HashSet<String> = self.config.keys.kids().into_iter().collect();
        let (judge, keep): (Vec<HeldSet>, Vec<HeldSet>) =
            state.held.into_iter().partition(|h| known.contains(&h.kid));
        self.held = keep;
        let mut v = Verdicts::default();
        for h in judge {
            self.record(ReceiverChange::Released { jti: h.jti.clone() });
            self.receive(h.jti, h.token, h.received_at, h.received_at, true, &mut v);
        }
        Ok(())
    }
}

fn unsettled_set(d: &Delivery) -> UnsettledSet {
    UnsettledSet {
        iss: d.iss.clone(),
        jti: d.jti.clone(),
        token: d.token.clone(),
        delivered_at: d.delivered_at,
    }
}

fn jti_ok(jti: &str) -> bool {
    !jti.is_empty() && jti.chars().count() <= MAX_JTI_CHARS
}

/// Cut to 256 characters; an empty description becomes the code's own.
fn clamp_description(description: &str, code: &SetErrCode) -> String {
    let cut: String = description.chars().take(MAX_DESCRIPTION_CHARS).collect();
    if !cut.is_empty() {
        return cut;
    }
    match code.description() {
        Some(d) if !d.is_empty() => d.chars().take(MAX_DESCRIPTION_CHARS).collect(),
        _ => code.as_str().chars().take(MAX_DESCRIPTION_CHARS).collect(),
    }
}
