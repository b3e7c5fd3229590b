//! A poll: `(client, OBEventPolling1, now)` to a response or a long-poll wait.
//!
//! Storage-neutral form, in three steps:
//! 1. [`Transmitter::plan_poll`] says which records to load;
//! 2. the host loads them (this client's rows only):
//!    - `named`: `WHERE client = :client AND jti IN (:plan.named)`;
//!    - `deliverable`: [`DeliverableQuery`], the first `limit` deliverable
//!      rows in `seq` order, leaving out the named `jti`s;
//! 3. [`Transmitter::decide_poll`] returns the [`PollOutcome`]: the changes to
//!    commit in one transaction, then the response (or a wait).
//!
//! Rules, in order:
//! 1. `setErrs` then `ack` are applied, before SETs are chosen. A `jti`
//!    that is unknown, another client's, already acknowledged or already
//!    dead-lettered changes nothing and the response does not reveal it. A
//!    `jti` in both `ack` and `setErrs` is treated as a `setErr` (the error
//!    is kept for audit; the more cautious reading of a contradiction).
//! 2. The deliverable SETs (see [`Transmitter::is_deliverable`]) not touched
//!    by step 1 are taken oldest first (by `seq`), up to the batch size
//!    ([`Transmitter::batch_size`]).
//! 3. `moreAvailable` is true iff a deliverable SET remains after the
//!    response (including one just reported in `setErrs` under
//!    [`SetErrPolicy::Redeliver`](super::SetErrPolicy::Redeliver)).
//! 4. With nothing to return, the request may wait (long poll) when the host
//!    enabled it, `returnImmediately` is not `true`, `maxEvents` is not `0`,
//!    and (under OBIE) the request carries no `ack`/`setErrs`.

use std::collections::{HashMap, HashSet};

use super::config::SetErrPolicy;
use super::record::{Change, DeleteReason, FailureReason, SetFailure, SetRecord, SetState};
use super::rules::{delete, Transmitter};
use crate::time::Timestamp;
use crate::wire::{EventPolling, EventPollingResponse, SetErr};

/// Which deliverable records to load: this client's rows for which
/// [`Transmitter::is_deliverable`] holds at `now`, other than those named in
/// the request, in ascending `seq`, at most `limit` of them. As SQL:
///
/// ```sql
/// SELECT * FROM sets
///  WHERE client = :client AND state IN ('pending', 'delivered')
///    AND visible_at <= :now AND expires_at > :now AND attempts < :max_attempts
///    AND jti NOT IN (:exclude)
///  ORDER BY seq LIMIT :limit
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeliverableQuery {
    /// The client.
    pub client: String,
    /// `visible_at <= now AND expires_at > now`.
    pub now: Timestamp,
    /// `attempts < max_attempts`.
    pub max_attempts: u32,
    /// The `jti`s to leave out: those named in `ack`/`setErrs` (step 1
    /// acknowledges or reports every awaiting one, so none of them can be
    /// chosen; leaving them out keeps `limit` small and `moreAvailable` exact).
    pub exclude: Vec<String>,
    /// Rows to load at most: the batch size, plus one to know whether more
    /// remain.
    pub limit: usize,
}

/// What to load for a poll, and what [`Transmitter::decide_poll`] needs back.
/// A host keeps it in memory between the two steps (the bindings hand it
/// out as an opaque object); `decide_poll` still keeps to what the
/// configuration allows whatever its fields say.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PollPlan {
    /// The polling client.
    pub client: String,
    /// The time of the poll.
    pub now: Timestamp,
    /// The `jti`s named in `ack`/`setErrs` that the rules act on: load this
    /// client's records with these `jti`s (`WHERE client = ? AND jti IN (...)`).
    pub named: Vec<String>,
    /// The deliverable records to load.
    pub deliverable: DeliverableQuery,
    /// How many SETs the response may carry.
    pub batch: u32,
    /// The request, as the rules apply it.
    pub request: EventPolling,
    /// The long-poll deadline carried over from a [`Wait`], if resuming.
    pub deadline: Option<Timestamp>,
}

/// A long poll to hold open.
///
/// The host keeps the connection and calls [`Transmitter::plan_resume`] (or
/// `MemoryQueue::resume`) when a SET is enqueued for `client`
/// ([`EnqueueOutcome::wake`](super::EnqueueOutcome::wake)) or at `until`,
/// whichever comes first. The request's `ack`/`setErrs` were already applied.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct Wait {
    /// The waiting client.
    pub client: String,
    /// When to answer (with whatever is then deliverable, possibly nothing).
    pub until: Timestamp,
    /// The request to resume with: `maxEvents` and `returnImmediately` as
    /// sent, `ack` and `setErrs` emptied.
    pub request: EventPolling,
}

/// What to tell the client.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum PollDecision {
    /// Answer now with this body.
    Respond(EventPollingResponse),
    /// Hold the request open (after committing the changes).
    Wait(Wait),
}

/// The result of a poll: commit `changes` atomically, then act on `decision`.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PollOutcome {
    /// Durable changes, to apply in order in one transaction.
    pub changes: Vec<Change>,
    /// The answer.
    pub decision: PollDecision,
}

impl PollOutcome {
    /// The response body, when the decision is to respond.
    #[must_use]
    pub fn response(&self) -> Option<&EventPollingResponse> {
        match &self.decision {
            PollDecision::Respond(r) => Some(r),
            PollDecision::Wait(_) => None,
        }
    }
}

/// The `jti`s a request's feedback names, each once: `setErrs` first, then
/// `ack` (what [`PollPlan::named`] holds when feedback is acted on).
pub(super) fn feedback_jtis(request: &EventPolling) -> Vec<String> {
    let mut seen = HashSet::new();
    request
        .set_errs
        .iter()
        .map(|(jti, _)| jti)
        .chain(request.ack.iter())
        .filter(|jti| seen.insert(jti.as_str()))
        .cloned()
        .collect()
}

impl Transmitter {
    /// Step 1 of a poll: what to load. Call once per `POST /events` with the
    /// authenticated client id and the parsed body.
    pub fn plan_poll(&self, client: &str, request: &EventPolling, now: Timestamp) -> PollPlan {
        self.plan(client, request.clone(), now, None)
    }

    /// Step 1 of resuming a [`Wait`]: call when woken for `wait.client` or
    /// at `wait.until`. At or after `until` the decision is always to respond.
    pub fn plan_resume(&self, wait: &Wait, now: Timestamp) -> PollPlan {
        let mut request = wait.request.clone();
        request.ack.clear();
        request.set_errs.clear();
        self.plan(&wait.client, request, now, Some(wait.until))
    }

    fn plan(
        &self,
        client: &str,
        request: EventPolling,
        now: Timestamp,
        deadline: Option<Timestamp>,
    ) -> PollPlan {
        let named = if self.uses_feedback() {
            feedback_jtis(&request)
        } else {
            Vec::new()
        };
        let batch = self.batch_size(&request);
        let limit = usize::try_from(batch)
            .unwrap_or(usize::MAX)
            .saturating_add(1);
        PollPlan {
            client: client.to_owned(),
            now,
            deliverable: DeliverableQuery {
                client: client.to_owned(),
                now,
                max_attempts: self.config().max_attempts,
                exclude: named.clone(),
                limit,
            },
            named,
            batch,
            request,
            deadline,
        }
    }

    /// Step 3 of a poll: decide, given the records the plan asked for.
    ///
    /// `named` are the client's records whose `jti` is in `plan.named`;
    /// `deliverable` the result of `plan.deliverable`. Records of another
    /// client, or that are not deliverable, are ignored, so a loader bug
    /// cannot leak one client's SETs to another; a `plan.batch` above what
    /// the request and the configuration allow is capped.
    pub fn decide_poll(
        &self,
        plan: &PollPlan,
        named: Vec<SetRecord>,
        deliverable: Vec<SetRecord>,
    ) -> PollOutcome {
        let now = plan.now;
        let mut changes = Vec::new();
        // jti -> record, this client's only.
        let mut by_jti: HashMap<String, SetRecord> = named
            .into_iter()
            .filter(|r| r.client == plan.client)
            .map(|r| (r.jti.clone(), r))
            .collect();
        let mut touched: HashSet<String> = HashSet::new();
        let mut redelivered_now = 0usize;

        if self.uses_feedback() {
            let errs: HashSet<&str> = plan
                .request
                .set_errs
                .iter()
                .map(|(j, _)| j.as_str())
                .collect();
            for (jti, err) in &plan.request.set_errs {
                let Some(mut record) = by_jti.remove(jti.as_str()) else {
                    continue;
                };
                if !record.state.is_awaiting() {
                    continue;
                }
                if self.apply_set_err(&mut record, err, now) {
                    redelivered_now += 1;
                }
                changes.push(Change::Update(record.update()));
                touched.insert(record.jti);
            }
            for jti in &plan.request.ack {
                if errs.contains(jti.as_str()) {
                    continue; // setErr wins over ack for the same jti
                }
                let Some(record) = by_jti.remove(jti.as_str()) else {
                    continue;
                };
                if !record.state.is_awaiting() {
                    continue;
                }
                changes.push(delete(&record, DeleteReason::Acknowledged));
                touched.insert(record.jti);
            }
        }

        let mut candidates: Vec<SetRecord> = deliverable
            .into_iter()
            .filter(|r| {
                r.client == plan.client && self.is_deliverable(r, now) && !touched.contains(&r.jti)
            })
            .collect();
        candidates.sort_by_key(|r| r.seq);
        candidates.dedup_by_key(|r| r.seq);

        let batch = plan.batch.min(self.batch_size(&plan.request));
        let batch = usize::try_from(batch).unwrap_or(usize::MAX);
        let more_available = candidates.len() > batch || redelivered_now > 0;
        candidates.truncate(batch);

        if candidates.is_empty() && !more_available && batch > 0 && self.may_wait(plan) {
            let until = plan.deadline.unwrap_or_else(|| {
                now.saturating_add(self.config().long_poll_max_wait.unwrap_or_default())
            });
            if now < until {
                let mut request = plan.request.clone();
                request.ack.clear();
                request.set_errs.clear();
                return PollOutcome {
                    changes,
                    decision: PollDecision::Wait(Wait {
                        client: plan.client.clone(),
                        until,
                        request,
                    }),
                };
            }
        }

        let mut sets = Vec::with_capacity(candidates.len());
        for mut record in candidates {
            if self.uses_feedback() {
                record.state = SetState::Delivered;
                record.attempts = record.attempts.saturating_add(1);
                record.visible_at = now.saturating_add(self.config().visibility_timeout);
                changes.push(Change::Update(record.update()));
            } else {
                changes.push(delete(&record, DeleteReason::DeliveredOnce));
            }
            sets.push((record.jti, record.token));
        }
        PollOutcome {
            changes,
            decision: PollDecision::Respond(EventPollingResponse {
                sets,
                more_available,
            }),
        }
    }

    /// Apply one `setErrs` entry to an awaiting record. Returns whether the
    /// record is deliverable again right away (redeliver policy).
    fn apply_set_err(&self, record: &mut SetRecord, err: &SetErr, now: Timestamp) -> bool {
        let reason = FailureReason::SetErr {
            err: err.err.clone(),
            description: err.description.clone(),
        };
        let config = self.config();
        if config.on_set_err == SetErrPolicy::Redeliver && record.attempts < config.max_attempts {
            record.last_error = Some(SetFailure { reason, at: now });
            record.visible_at = now;
            self.is_deliverable(record, now)
        } else {
            self.dead_letter(record, reason, now);
            false
        }
    }

    fn may_wait(&self, plan: &PollPlan) -> bool {
        let request = &plan.request;
        let has_feedback = !request.ack.is_empty() || !request.set_errs.is_empty();
        self.config().long_poll_max_wait.is_some()
            && request.return_immediately != Some(true)
            && (!has_feedback || self.config().profile.long_poll_with_feedback())
    }
}
