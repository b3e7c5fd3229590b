//! The receiver state machine: requests out, answers in, acks never lost.

use core::time::Duration;
use std::collections::HashSet;

use rand_core::RngCore;

use super::config::{ConfigError, ReceiverConfig, MAX_JTI_CHARS};
use super::dedup::{Dedup, Settlement};
use super::error::ReceiverError;
use super::request::{PollRequest, RequestId, RequestKind};
use super::response::{
    read_sets, Batch, Delivery, Duplicate, DuplicateOf, HttpResponse, ReadSets, RejectReason,
    Rejection,
};
use super::schedule::{parse_retry_after, ScheduleState, Slot};
use super::state::{PendingSetErr, ReceiverState, StateError, UnsettledSet};
use super::verifier::SetVerifier;
use crate::codes::{SetErrCode, Vocabulary};
use crate::jose::Keyring;
use crate::set::verify_set;
use crate::time::Timestamp;
use crate::wire::{ErrorResponse, EventPolling, SetErr};

/// Longest `setErrs` description, in characters (OBIE schema).
const MAX_DESCRIPTION_CHARS: usize = 256;
/// Longest `setErrs` code, in characters (OBIE schema).
const MAX_CODE_CHARS: usize = 40;

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
    dedup: Dedup,
    in_flight: Option<InFlight>,
    next_id: u64,
    dirty: bool,
}

/// What the request in flight carried.
#[derive(Clone, Debug)]
struct InFlight {
    id: RequestId,
    kind: RequestKind,
    acks: Vec<String>,
    set_errs: Vec<String>,
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
            .field("remembered", &self.dedup.len())
            .field("in_flight", &self.in_flight.as_ref().map(|f| f.id))
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
            dedup: Dedup::default(),
            in_flight: None,
            next_id: 1,
            dirty: false,
        })
    }

    /// The validated configuration.
    #[must_use]
    pub fn config(&self) -> &ReceiverConfig {
        &self.config
    }

    /// Replace the ASPSP's JWK Set (after the host refetched it, e.g. on key
    /// rotation). Takes effect for the next answer handled.
    pub fn set_keys(&mut self, keys: Keyring) {
        self.config.keys = keys;
    }

    // ----------------------------------------------------------------------
    // Requests
    // ----------------------------------------------------------------------

    /// The next request to send at `now`, if one is due.
    ///
    /// - A **poll** when the schedule says so: the configured `maxEvents` and
    ///   `returnImmediately`, plus every pending ack and `setErrs` entry.
    /// - Otherwise, when acks or `setErrs` entries are pending, an
    ///   **acknowledgement flush**: the same with `maxEvents: 0` and
    ///   `returnImmediately: true`.
    /// - After a failure nothing goes out before the backoff expires.
    ///
    /// One request is in flight at a time: answer it with
    /// [`handle_response`](Self::handle_response) or
    /// [`handle_failure`](Self::handle_failure) before asking for another.
    /// Calling this changes no durable state.
    ///
    /// # Errors
    /// [`RequestInFlight`](ReceiverError::RequestInFlight),
    /// [`NotDue`](ReceiverError::NotDue) (sleep until its `at`), or
    /// [`Backpressure`](ReceiverError::Backpressure) (settle deliveries first).
    pub fn next_request(&mut self, now: Timestamp) -> Result<PollRequest, ReceiverError> {
        if let Some(f) = &self.in_flight {
            return Err(ReceiverError::RequestInFlight { id: f.id });
        }
        let has_reports = self.has_reports();
        let backpressured = self.backpressured();
        let kind = match self.schedule.slot(now) {
            Slot::Wait(at) => return Err(ReceiverError::NotDue { at }),
            Slot::Poll if !backpressured => RequestKind::Poll,
            _ if has_reports => RequestKind::AckOnly,
            Slot::Poll => {
                return Err(ReceiverError::Backpressure {
                    unsettled: self.unsettled.len(),
                })
            }
            Slot::FlushOnly => {
                return Err(ReceiverError::NotDue {
                    at: self.schedule.next_poll_at,
                })
            }
        };
        let (max_events, return_immediately) = match kind {
            RequestKind::Poll => {
                // Ask for no more than the application has room for.
                let room = self
                    .config
                    .max_unsettled
                    .saturating_sub(self.unsettled.len());
                let room = u32::try_from(room).unwrap_or(u32::MAX);
                let max = self.config.max_events.map(|m| m.min(room));
                (max, self.config.return_immediately)
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
            acks: polling.ack.clone(),
            set_errs: polling.set_errs.iter().map(|(j, _)| j.clone()).collect(),
        });
        Ok(PollRequest {
            id,
            kind,
            body: polling.to_json(),
            polling,
        })
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
    /// unsettled), failures queue a `setErrs` entry, and SETs already
    /// processed within the dedup window queue their ack (or `setErrs` entry)
    /// again without being delivered twice.
    ///
    /// Any other answer is a failure: nothing is cleared, the schedule backs
    /// off (at least as long as a `Retry-After`), and the typed error is
    /// returned. `rng` draws the backoff jitter.
    ///
    /// Either way the durable state changed: persist it
    /// ([`take_state`](Self::take_state)) before handing deliveries to the
    /// application or sending the next request.
    ///
    /// # Errors
    /// A poll failure (see [`ReceiverError::is_poll_failure`]), or
    /// [`UnknownRequest`](ReceiverError::UnknownRequest) when `id` is not in
    /// flight; that answer is ignored entirely.
    pub fn handle_response<R: RngCore + ?Sized>(
        &mut self,
        id: RequestId,
        response: HttpResponse<'_>,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Batch, ReceiverError> {
        let flight = self.take_flight(id)?;
        let status = response.status;
        let retry_after = response.retry_after.and_then(|v| parse_retry_after(v, now));
        let error = || {
            ErrorResponse::parse(response.body)
                .ok()
                .filter(|e| e.code.is_some() || e.message.is_some() || !e.errors.is_empty())
        };
        let failure = match status {
            200..=299 => match read_sets(status, response.body) {
                Ok(read) => return Ok(self.succeeded(flight, read, now)),
                Err(error) => ReceiverError::MalformedResponse { status, error },
            },
            429 => ReceiverError::Throttled { retry_after },
            401 | 403 => ReceiverError::Unauthorized {
                status,
                error: error(),
            },
            400..=499 => ReceiverError::RequestRejected {
                status,
                error: error(),
            },
            500..=599 => ReceiverError::ServerError {
                status,
                error: error(),
            },
            _ => ReceiverError::UnexpectedStatus { status },
        };
        self.schedule
            .failed(now, &self.config.backoff, retry_after, rng.next_u64());
        self.dirty = true;
        Err(failure)
    }

    /// Request `id` got no HTTP answer (connection refused, TLS failure,
    /// timeout). Every ack and `setErrs` entry it carried stays pending; the
    /// schedule backs off with jitter from `rng`. Returns when the next
    /// attempt is due.
    ///
    /// # Errors
    /// [`UnknownRequest`](ReceiverError::UnknownRequest) when `id` is not in
    /// flight (nothing changes).
    pub fn handle_failure<R: RngCore + ?Sized>(
        &mut self,
        id: RequestId,
        now: Timestamp,
        rng: &mut R,
    ) -> Result<Timestamp, ReceiverError> {
        self.take_flight(id)?;
        self.dirty = true;
        Ok(self
            .schedule
            .failed(now, &self.config.backoff, None, rng.next_u64()))
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

    fn succeeded(&mut self, flight: InFlight, read: ReadSets, now: Timestamp) -> Batch {
        let more_available = read.more_available;
        // Confirm what the request carried, before anything below may queue
        // the same jti again.
        let carried: HashSet<&str> = flight.acks.iter().map(String::as_str).collect();
        let before = self.pending_acks.len();
        self.pending_acks.retain(|j| !carried.contains(j.as_str()));
        let acks_confirmed = before - self.pending_acks.len();
        let carried: HashSet<&str> = flight.set_errs.iter().map(String::as_str).collect();
        let before = self.pending_set_errs.len();
        self.pending_set_errs
            .retain(|(j, _)| !carried.contains(j.as_str()));
        let set_errs_confirmed = before - self.pending_set_errs.len();

        match flight.kind {
            RequestKind::Poll => {
                self.schedule
                    .poll_succeeded(now, more_available, self.config.poll_interval);
            }
            RequestKind::AckOnly => self.schedule.flush_succeeded(now, more_available),
        }
        self.dedup.expire(now, self.config.dedup.window);

        let mut batch = Batch {
            request: flight.id,
            deliveries: Vec::new(),
            rejections: Vec::new(),
            duplicates: Vec::new(),
            more_available,
            acks_confirmed,
            set_errs_confirmed,
            salvaged: read.salvaged,
        };
        for (key, token) in read.sets {
            self.receive(key, token, now, &mut batch);
        }
        self.dirty = true;
        batch
    }

    /// Verify one SET and decide its fate.
    fn receive(&mut self, key: String, token: String, now: Timestamp, batch: &mut Batch) {
        if !jti_ok(&key) {
            // Cannot be acknowledged or reported in a schema-valid request.
            batch.rejections.push(Rejection {
                jti: key,
                reason: RejectReason::UnreportableKey,
                reported: None,
            });
            return;
        }
        let delivery = match self.check(&key, token, now) {
            Ok(d) => d,
            Err(reason) => {
                let err = self.set_err_for(&reason);
                let reported = self.report_if_absent(&key, err);
                batch.rejections.push(Rejection {
                    jti: key,
                    reason,
                    reported,
                });
                return;
            }
        };
        if self.unsettled_position(&delivery.jti).is_some() {
            batch.duplicates.push(Duplicate {
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
                batch.duplicates.push(Duplicate {
                    jti: delivery.jti,
                    of: DuplicateOf::Acked,
                });
            }
            Some(Settlement::Rejected { err, description }) => {
                self.report_set_err(&delivery.jti, SetErr { err, description });
                batch.duplicates.push(Duplicate {
                    jti: delivery.jti,
                    of: DuplicateOf::Rejected,
                });
            }
            None => {
                self.unsettled.push(delivery.clone());
                batch.deliveries.push(delivery);
            }
        }
    }

    /// Verification plus the receiver's own checks.
    fn check(&self, key: &str, token: String, now: Timestamp) -> Result<Delivery, RejectReason> {
        let verified = self
            .verifier
            .verify(&token, &self.config.keys, &self.config.policy, now)
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
            token,
            delivered_at: now,
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
    // Application verdicts
    // ----------------------------------------------------------------------

    /// The application processed the SET `jti`: acknowledge it in the next
    /// request. Repeating an ack is harmless.
    ///
    /// Persist the state ([`take_state`](Self::take_state)) in the same
    /// transaction as the application's own effects of processing the SET:
    /// then a crash either loses both (the SET is handed over again) or
    /// neither.
    ///
    /// # Errors
    /// [`UnknownJti`](ReceiverError::UnknownJti) when no delivered SET has
    /// that `jti`; [`AlreadySettled`](ReceiverError::AlreadySettled) when it
    /// was rejected.
    pub fn ack(&mut self, jti: &str) -> Result<(), ReceiverError> {
        if let Some(pos) = self.unsettled_position(jti) {
            let d = self.unsettled.remove(pos);
            self.dedup.insert(
                d.iss,
                d.jti,
                d.delivered_at,
                Settlement::Acked,
                self.config.dedup.capacity,
            );
            self.report_ack(jti);
            self.dirty = true;
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
        self.dedup.insert(
            iss,
            jti.to_owned(),
            delivered_at,
            settlement,
            self.config.dedup.capacity,
        );
        self.report_set_err(jti, err);
        self.dirty = true;
        Ok(())
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
        self.unsettled.len() >= self.config.max_unsettled
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
        self.dirty = true;
    }

    /// Queue a `setErrs` entry, replacing any other report for `jti`.
    fn report_set_err(&mut self, jti: &str, err: SetErr) {
        self.forget_report(jti);
        self.pending_set_errs.push((jti.to_owned(), err));
        self.dirty = true;
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
        self.pending_set_errs.push((jti.to_owned(), err.clone()));
        self.dirty = true;
        Some(err)
    }

    // ----------------------------------------------------------------------
    // Schedule
    // ----------------------------------------------------------------------

    /// When [`next_request`](Self::next_request) will next produce a request:
    /// the epoch when an acknowledgement flush is possible at once,
    /// [`Timestamp::MAX`] while a request is in flight or while
    /// backpressure holds and nothing is pending (an ack or reject changes
    /// that). Pure.
    #[must_use]
    pub fn next_poll_at(&self) -> Timestamp {
        if self.in_flight.is_some() {
            return Timestamp::MAX;
        }
        if self.schedule.consecutive_failures > 0 {
            return self.schedule.next_poll_at;
        }
        if self.has_reports() {
            return Timestamp::EPOCH;
        }
        if self.backpressured() {
            return Timestamp::MAX;
        }
        self.schedule.next_poll_at
    }

    /// How long to sleep from `now` before calling
    /// [`next_request`](Self::next_request) (zero: call it now).
    #[must_use]
    pub fn poll_timeout(&self, now: Timestamp) -> Duration {
        self.next_poll_at().saturating_duration_since(now)
    }

    // ----------------------------------------------------------------------
    // Durable state
    // ----------------------------------------------------------------------

    /// `true` when durable state changed since the last
    /// [`take_state`](Self::take_state).
    #[must_use]
    pub fn is_dirty(&self) -> bool {
        self.dirty
    }

    /// The state to persist, when it changed since the last call (then
    /// clears the flag). Call after every `handle_*`, `ack` and `reject`, and
    /// save the result before sending the next request or handing deliveries
    /// to the application.
    pub fn take_state(&mut self) -> Option<ReceiverState> {
        if !self.dirty {
            return None;
        }
        self.dirty = false;
        Some(self.state())
    }

    /// A snapshot of the durable state, whether or not it changed.
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
            unsettled: self
                .unsettled
                .iter()
                .map(|d| UnsettledSet {
                    iss: d.iss.clone(),
                    jti: d.jti.clone(),
                    token: d.token.clone(),
                    delivered_at: d.delivered_at,
                })
                .collect(),
            processed: self.dedup.export(),
            ..ReceiverState::default()
        }
    }

    /// Replace this receiver's state with a saved one (after a restart).
    /// Any request in flight is forgotten.
    ///
    /// Unsettled SETs are verified again as of their delivery time, so
    /// [`unsettled`](Self::unsettled) can hand them over with their claims.
    /// One that no longer verifies (its key was removed from the JWK Set) is
    /// dropped: it was never acknowledged, so the ASPSP sends it again and it
    /// is judged afresh. The state is then marked changed.
    ///
    /// # Errors
    /// When the state fails [`ReceiverState::validate`]; nothing changes.
    pub fn restore(&mut self, state: ReceiverState) -> Result<(), StateError> {
        state.validate()?;
        let mut dropped = false;
        let mut unsettled = Vec::with_capacity(state.unsettled.len());
        for u in state.unsettled {
            match self.check(&u.jti, u.token, u.delivered_at) {
                Ok(d) => unsettled.push(d),
                Err(_) => dropped = true,
            }
        }
        let mut dedup = Dedup::default();
        for p in state.processed {
            dedup.insert(
                p.iss,
                p.jti,
                p.delivered_at,
                p.settlement,
                self.config.dedup.capacity,
            );
        }
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
        self.dirty = dropped;
        Ok(())
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
