//! [`MemoryQueue`]: the queue held in memory, for embedded use and tests.
//!
//! It runs exactly the storage-neutral steps of [`Transmitter`]: it answers
//! each plan from its own indexes (the same rows the SQL in the plan docs
//! would return), lets the shared rules decide, then applies the returned
//! [`Change`]s to itself. A host that persists those changes can rebuild an
//! identical queue with [`MemoryQueue::from_records`].
//!
//! Costs: a poll is O(batch + acks) plus `log n` lookups, independent of
//! queue length; a waiting SET costs its token and `jti` bytes plus about
//! 75 bytes of bookkeeping (see the benchmark).

mod jti_index;
mod slots;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Bound;

use self::jti_index::JtiIndex;
use self::slots::Slots;
use super::config::{ConfigError, TransmitterConfig};
use super::enqueue::{EnqueueError, EnqueueOutcome, MAX_JTI_CHARS};
use super::poll::{PollOutcome, PollPlan, Wait};
use super::record::{Change, SetFailure, SetRecord, SetState, SetUpdate};
use super::rules::Transmitter;
use super::sweep::SweepOutcome;
use crate::time::Timestamp;
use crate::wire::EventPolling;

/// One record, compactly: `data` is the token followed by the `jti`.
struct Slot {
    data: Box<str>,
    visible_at: u64,
    enqueued_at: u64,
    expires_at: u64,
    error: Option<Box<SetFailure>>,
    attempts: u32,
    jti_len: u16,
    state: SetState,
}

impl Slot {
    fn from_record(record: &SetRecord) -> Result<Self, ApplyError> {
        let jti_len = u16::try_from(record.jti.len())
            .ok()
            .filter(|_| record.jti.chars().count() <= MAX_JTI_CHARS)
            .ok_or_else(|| ApplyError::JtiTooLong {
                client: record.client.clone(),
            })?;
        let mut data = String::with_capacity(record.token.len() + record.jti.len());
        data.push_str(&record.token);
        data.push_str(&record.jti);
        Ok(Slot {
            data: data.into_boxed_str(),
            visible_at: record.visible_at.as_millis(),
            enqueued_at: record.enqueued_at.as_millis(),
            expires_at: record.expires_at.as_millis(),
            error: record.last_error.clone().map(Box::new),
            attempts: record.attempts,
            jti_len,
            state: record.state,
        })
    }

    fn split(&self) -> usize {
        self.data.len().saturating_sub(usize::from(self.jti_len))
    }

    fn token(&self) -> &str {
        self.data.get(..self.split()).unwrap_or_default()
    }

    fn jti(&self) -> &str {
        self.data.get(self.split()..).unwrap_or_default()
    }

    fn apply(&mut self, update: &SetUpdate) {
        self.state = update.state;
        self.attempts = update.attempts;
        self.visible_at = update.visible_at.as_millis();
        self.expires_at = update.expires_at.as_millis();
        self.error = update.last_error.clone().map(Box::new);
    }

    fn to_record(&self, client: &str, seq: u64) -> SetRecord {
        SetRecord {
            seq,
            client: client.to_owned(),
            jti: self.jti().to_owned(),
            token: self.token().to_owned(),
            state: self.state,
            attempts: self.attempts,
            visible_at: Timestamp::from_millis(self.visible_at),
            enqueued_at: Timestamp::from_millis(self.enqueued_at),
            expires_at: Timestamp::from_millis(self.expires_at),
            last_error: self.error.as_deref().cloned(),
        }
    }

    /// [`Transmitter::is_deliverable`] on the compact form.
    fn deliverable(&self, now: u64, max_attempts: u32) -> bool {
        self.state.is_awaiting()
            && self.visible_at <= now
            && self.expires_at > now
            && self.attempts < max_attempts
    }

    /// Whether [`Transmitter::sweep_change`] acts on the record: the same
    /// predicate on the compact form.
    fn is_due(&self, now: u64, max_attempts: u32) -> bool {
        self.expires_at <= now
            || (self.state == SetState::Delivered
                && self.attempts >= max_attempts
                && self.visible_at <= now)
    }
}

/// One client's queue and its indexes.
///
/// Index invariants: no `Pending` record has `seq < cursor`; every
/// `Delivered` record with attempts left is in `timed` (keyed by its
/// `visible_at`) or in `due` (its `visible_at` passed at an earlier load);
/// `in_flight` maps the `jti` of every record in `timed` to its `seq`, so the
/// acknowledgements of a recent delivery hit a small, warm map instead of
/// the queue-wide index.
#[derive(Default)]
struct ClientQueue {
    slots: Slots<Slot>,
    jtis: JtiIndex,
    cursor: u64,
    timed: BTreeSet<(u64, u64)>,
    due: BTreeSet<u64>,
    in_flight: HashMap<Box<str>, u64>,
}

impl ClientQueue {
    fn find(&self, jti: &str) -> Option<u64> {
        if let Some(&seq) = self.in_flight.get(jti) {
            return Some(seq);
        }
        let slots = &self.slots;
        self.jtis.get(jti, |seq| slots.get(seq).map(Slot::jti))
    }

    /// The seq of `jti`, trying the `seq` a change carries before the index.
    fn locate(&self, jti: &str, seq_hint: u64) -> Option<u64> {
        match self.slots.get(seq_hint) {
            Some(slot) if slot.jti() == jti => Some(seq_hint),
            _ => self.find(jti),
        }
    }

    fn index(&mut self, jti: &str, seq: u64, state: SetState, visible_at: u64) {
        match state {
            SetState::Pending => self.cursor = self.cursor.min(seq),
            SetState::Delivered => {
                self.timed.insert((visible_at, seq));
                self.in_flight.insert(jti.into(), seq);
            }
            SetState::DeadLetter => {}
        }
    }

    fn unindex(&mut self, jti: &str, seq: u64, state: SetState, visible_at: u64) {
        if state == SetState::Delivered {
            self.timed.remove(&(visible_at, seq));
            self.due.remove(&seq);
            self.in_flight.remove(jti);
        }
    }

    fn insert(&mut self, record: &SetRecord) -> Result<(), ApplyError> {
        if self.find(&record.jti).is_some() {
            return Err(ApplyError::DuplicateJti {
                client: record.client.clone(),
                jti: record.jti.clone(),
            });
        }
        if self.slots.get(record.seq).is_some() {
            return Err(ApplyError::DuplicateSeq {
                client: record.client.clone(),
                seq: record.seq,
            });
        }
        let slot = Slot::from_record(record)?;
        self.index(&record.jti, record.seq, slot.state, slot.visible_at);
        self.slots.insert(record.seq, slot);
        self.jtis.insert(&record.jti, record.seq);
        Ok(())
    }

    fn update(&mut self, update: &SetUpdate) -> Result<(), ApplyError> {
        let unknown = || ApplyError::UnknownRecord {
            client: update.client.clone(),
            jti: update.jti.clone(),
        };
        let seq = self.locate(&update.jti, update.seq).ok_or_else(unknown)?;
        let (state, visible_at) = {
            let slot = self.slots.get(seq).ok_or_else(unknown)?;
            (slot.state, slot.visible_at)
        };
        self.unindex(&update.jti, seq, state, visible_at);
        let slot = self.slots.get_mut(seq).ok_or_else(unknown)?;
        slot.apply(update);
        let (state, visible_at) = (slot.state, slot.visible_at);
        self.index(&update.jti, seq, state, visible_at);
        Ok(())
    }

    fn delete(&mut self, jti: &str, seq_hint: u64) {
        let Some(seq) = self.locate(jti, seq_hint) else {
            return;
        };
        if let Some(slot) = self.slots.remove(seq) {
            self.unindex(slot.jti(), seq, slot.state, slot.visible_at);
            self.jtis.remove(jti, seq);
        }
    }

    /// The first `limit` deliverable records' seqs, ascending: the
    /// in-memory answer to a [`DeliverableQuery`](super::DeliverableQuery).
    fn deliverable(
        &mut self,
        now: u64,
        max_attempts: u32,
        limit: usize,
        exclude: &BTreeSet<u64>,
    ) -> Vec<u64> {
        while let Some(&(visible_at, seq)) = self.timed.first() {
            if visible_at > now {
                break;
            }
            self.timed.pop_first();
            self.due.insert(seq);
            if let Some(slot) = self.slots.get(seq) {
                self.in_flight.remove(slot.jti());
            }
        }
        // Redeliveries: delivered records whose visibility passed.
        let mut again = Vec::new();
        let mut spent = Vec::new();
        for &seq in &self.due {
            if again.len() >= limit {
                break;
            }
            match self.slots.get(seq) {
                Some(slot) if slot.attempts < max_attempts => {
                    if slot.deliverable(now, max_attempts) && !exclude.contains(&seq) {
                        again.push(seq);
                    }
                }
                // Out of attempts: never deliverable again; the sweep
                // dead-letters it by scanning.
                _ => spent.push(seq),
            }
        }
        for seq in spent {
            self.due.remove(&seq);
        }
        // First deliveries: pending records from the cursor on.
        let mut fresh = Vec::new();
        let mut first_pending = None;
        for (seq, slot) in self.slots.iter_from(self.cursor) {
            if slot.state != SetState::Pending {
                continue;
            }
            first_pending.get_or_insert(seq);
            if fresh.len() >= limit {
                break;
            }
            if slot.deliverable(now, max_attempts) && !exclude.contains(&seq) {
                fresh.push(seq);
            }
        }
        self.cursor = match first_pending {
            Some(seq) => seq,
            None => self.slots.last().map_or(0, |l| l.saturating_add(1)),
        };
        // Merge the two ascending lists.
        let mut out = Vec::with_capacity(limit.min(again.len() + fresh.len()));
        let (mut a, mut f) = (again.into_iter().peekable(), fresh.into_iter().peekable());
        while out.len() < limit {
            let next = match (a.peek(), f.peek()) {
                (Some(x), Some(y)) if x < y => a.next(),
                (Some(_), Some(_)) | (None, Some(_)) => f.next(),
                (Some(_), None) => a.next(),
                (None, None) => None,
            };
            match next {
                Some(seq) => out.push(seq),
                None => break,
            }
        }
        out
    }
}

/// Why a record or change could not be applied to a [`MemoryQueue`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApplyError {
    /// Two records for the same `(client, jti)`.
    DuplicateJti {
        /// The client.
        client: String,
        /// The `jti`.
        jti: String,
    },
    /// Two records for the same `(client, seq)`.
    DuplicateSeq {
        /// The client.
        client: String,
        /// The `seq`.
        seq: u64,
    },
    /// An update for a record that does not exist.
    UnknownRecord {
        /// The client.
        client: String,
        /// The `jti`.
        jti: String,
    },
    /// A `jti` longer than [`MAX_JTI_CHARS`].
    JtiTooLong {
        /// The client.
        client: String,
    },
}

impl ApplyError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            ApplyError::DuplicateJti { .. } => "duplicate_jti",
            ApplyError::DuplicateSeq { .. } => "duplicate_seq",
            ApplyError::UnknownRecord { .. } => "unknown_record",
            ApplyError::JtiTooLong { .. } => "jti_too_long",
        }
    }
}

impl core::fmt::Display for ApplyError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ApplyError::DuplicateJti { client, jti } => {
                write!(f, "client {client:?} has two records for jti {jti:?}")
            }
            ApplyError::DuplicateSeq { client, seq } => {
                write!(f, "client {client:?} has two records at seq {seq}")
            }
            ApplyError::UnknownRecord { client, jti } => {
                write!(f, "no record for client {client:?}, jti {jti:?}")
            }
            ApplyError::JtiTooLong { client } => write!(
                f,
                "a record of client {client:?} has a jti over {MAX_JTI_CHARS} characters"
            ),
        }
    }
}

impl std::error::Error for ApplyError {}

/// The transmitter with its queue in memory.
///
/// Every mutating call returns the [`Change`]s it made: a host that wants
/// durability persists them before answering (or ignores them for a purely
/// in-memory deployment).
///
/// The bank enqueues each signed SET once; each `POST /events` is one
/// [`MemoryQueue::poll`], which also takes the client's acknowledgements
/// (`ack`) and error reports (`setErrs`) for earlier deliveries:
///
/// ```
/// use setpoll_core::claims::{EventSubject, ResourceLink, SetClaims};
/// use setpoll_core::jose::{HeaderProfile, SigningKey};
/// use setpoll_core::set::sign_set;
/// use setpoll_core::transmitter::{MemoryQueue, PollDecision, TransmitterConfig};
/// use setpoll_core::wire::{EventPolling, RequestOptions};
/// use setpoll_core::Timestamp;
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let key = SigningKey::generate_es256_from_seed([1; 32])?;
/// # let profile = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk")?;
/// # let claims = SetClaims::builder("https://bank.example/", "jti-1", "tpp-client-1", 1_700_000_000)
/// #     .sub("https://bank.example/open-banking/v3.1/aisp/account-access-consents/aac-1")
/// #     .resource_update(EventSubject::new("aac-1", "account-access-consent", vec![
/// #         ResourceLink::new("v3.1", "https://bank.example/open-banking/v3.1/aisp/account-access-consents/aac-1"),
/// #     ]))
/// #     .build()?;
/// let now = Timestamp::from_secs(1_700_000_000);
/// let mut queue = MemoryQueue::new(TransmitterConfig::default())?;
///
/// // The event: sign once, enqueue for the client named in `aud`.
/// let token = sign_set(&claims, &key, &profile, now)?;
/// let queued = queue.enqueue(token, now)?;
/// let _persist_first = queued.changes(); // the rows to commit before answering
///
/// // POST /events from the authenticated client "tpp-client-1".
/// let body = EventPolling::parse(br#"{"returnImmediately":true}"#, &RequestOptions::default())?;
/// let outcome = queue.poll("tpp-client-1", &body, now);
/// let PollDecision::Respond(response) = outcome.decision else {
///     return Err("an immediate answer was asked for".into());
/// };
/// assert_eq!(response.sets.len(), 1);
/// let http_body = response.to_json(); // commit outcome.changes, then send this
/// # assert!(http_body.contains("jti-1"));
///
/// // The next poll acknowledges it: the SET leaves the queue.
/// let ack = EventPolling { ack: vec!["jti-1".into()], max_events: Some(0), ..EventPolling::default() };
/// let _outcome = queue.poll("tpp-client-1", &ack, now);
/// assert!(queue.is_empty());
/// # Ok(())
/// # }
/// ```
pub struct MemoryQueue {
    rules: Transmitter,
    clients: BTreeMap<Box<str>, ClientQueue>,
    sweep_resume: Option<SweepResume>,
}

/// Where the next sweep may start: the first record a sweep at `now` left
/// due. Cleared by every change, so it is only used by a sweep that follows
/// another directly.
struct SweepResume {
    now: u64,
    client: Box<str>,
    seq: u64,
}

impl core::fmt::Debug for MemoryQueue {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("MemoryQueue")
            .field("clients", &self.clients.len())
            .field("records", &self.len())
            .finish_non_exhaustive()
    }
}

impl MemoryQueue {
    /// An empty queue.
    ///
    /// # Errors
    /// When the configuration is invalid.
    pub fn new(config: TransmitterConfig) -> Result<Self, ConfigError> {
        Ok(MemoryQueue {
            rules: Transmitter::new(config)?,
            clients: BTreeMap::new(),
            sweep_resume: None,
        })
    }

    /// Rebuild a queue from persisted records (in any order).
    ///
    /// # Errors
    /// When records conflict (same `(client, jti)` or `(client, seq)`) or a
    /// `jti` is too long.
    pub fn from_records(
        rules: Transmitter,
        records: impl IntoIterator<Item = SetRecord>,
    ) -> Result<Self, ApplyError> {
        let mut queue = MemoryQueue {
            rules,
            clients: BTreeMap::new(),
            sweep_resume: None,
        };
        for record in records {
            queue.apply(&Change::Insert(record))?;
        }
        Ok(queue)
    }

    /// The rules in force.
    #[must_use]
    pub fn rules(&self) -> &Transmitter {
        &self.rules
    }

    /// Records held (every state).
    #[must_use]
    pub fn len(&self) -> usize {
        self.clients.values().map(|c| c.slots.len()).sum()
    }

    /// Whether no record is held.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.clients.is_empty()
    }

    /// Every record, ordered by `(client, seq)`: the state to compare with
    /// what the host persisted.
    #[must_use]
    pub fn records(&self) -> Vec<SetRecord> {
        self.clients
            .iter()
            .flat_map(|(client, q)| {
                q.slots
                    .iter_from(0)
                    .map(move |(seq, slot)| slot.to_record(client, seq))
            })
            .collect()
    }

    /// The record of `client` for `jti`, if held.
    #[must_use]
    pub fn get(&self, client: &str, jti: &str) -> Option<SetRecord> {
        let q = self.clients.get(client)?;
        let seq = q.find(jti)?;
        q.slots.get(seq).map(|s| s.to_record(client, seq))
    }

    /// Enqueue a signed SET for the client named in its `aud`. Call when the
    /// bank has an event to notify; wake long polls for
    /// [`EnqueueOutcome::wake`].
    ///
    /// # Errors
    /// See [`Transmitter::plan_enqueue`].
    pub fn enqueue(
        &mut self,
        token: String,
        now: Timestamp,
    ) -> Result<EnqueueOutcome, EnqueueError> {
        let plan = self.rules.plan_enqueue(token, now)?;
        let (existing, newest) = match self.clients.get(plan.client.as_str()) {
            Some(q) => (
                q.find(&plan.jti)
                    .and_then(|seq| q.slots.get(seq).map(|s| s.to_record(&plan.client, seq))),
                q.slots.last(),
            ),
            None => (None, None),
        };
        let outcome = self.rules.decide_enqueue(plan, existing.as_ref(), newest)?;
        if let EnqueueOutcome::Queued { record } = &outcome {
            self.sweep_resume = None;
            let client = self
                .clients
                .entry(record.client.as_str().into())
                .or_default();
            client
                .insert(record)
                .map_err(|_| EnqueueError::LoadMismatch)?;
        }
        Ok(outcome)
    }

    /// Handle `POST /events` from `client` (authenticated by the host) with
    /// the parsed body, at `now`. Persist `changes`, then answer or wait.
    pub fn poll(&mut self, client: &str, request: &EventPolling, now: Timestamp) -> PollOutcome {
        let plan = self.rules.plan_poll(client, request, now);
        self.run(&plan)
    }

    /// Resume a long poll, when woken for `wait.client` or at `wait.until`.
    pub fn resume(&mut self, wait: &Wait, now: Timestamp) -> PollOutcome {
        let plan = self.rules.plan_resume(wait, now);
        self.run(&plan)
    }

    /// Load what `plan` asks for, as a database host would.
    fn load(&mut self, plan: &PollPlan) -> (Vec<SetRecord>, Vec<SetRecord>) {
        let Some(q) = self.clients.get_mut(plan.client.as_str()) else {
            return (Vec::new(), Vec::new());
        };
        let named_seqs: BTreeSet<u64> = plan.named.iter().filter_map(|jti| q.find(jti)).collect();
        let named = named_seqs
            .iter()
            .filter_map(|&seq| q.slots.get(seq).map(|s| s.to_record(&plan.client, seq)))
            .collect();
        let query = &plan.deliverable;
        let exclude: BTreeSet<u64> = if query.exclude == plan.named {
            named_seqs
        } else {
            query.exclude.iter().filter_map(|jti| q.find(jti)).collect()
        };
        let seqs = q.deliverable(
            query.now.as_millis(),
            query.max_attempts,
            query.limit,
            &exclude,
        );
        let deliverable = seqs
            .into_iter()
            .filter_map(|seq| q.slots.get(seq).map(|s| s.to_record(&plan.client, seq)))
            .collect();
        (named, deliverable)
    }

    fn run(&mut self, plan: &PollPlan) -> PollOutcome {
        let (named, deliverable) = self.load(plan);
        let outcome = self.rules.decide_poll(plan, named, deliverable);
        self.apply_own(&outcome.changes);
        outcome
    }

    /// Expire, dead-letter and purge: act on the first `budget` due records
    /// in `(client, seq)` order (0 counts as 1); `more` while more were due.
    /// Exactly the changes and `more` of [`Transmitter::plan_sweep`] +
    /// [`Transmitter::decide_sweep`] over the same records (see the `sweep`
    /// module docs for the contract).
    ///
    /// Cost: a scan in `(client, seq)` order until `budget + 1` due records
    /// are found. A call with the same `now` right after one that returned
    /// `more` (no other call in between) resumes where it stopped, so a
    /// `while more` loop makes one pass over the queue in all.
    pub fn sweep(&mut self, now: Timestamp, budget: usize) -> SweepOutcome {
        let plan = self.rules.plan_sweep(now, budget);
        let max_attempts = self.rules.config().max_attempts;
        let now_ms = now.as_millis();
        // Valid only at the same `now` with nothing changed since: then no
        // record before it is due (the previous call acted on all of them).
        let resume = self.sweep_resume.take().filter(|r| r.now == now_ms);
        let mut due = Vec::new();
        {
            let (from_client, from_seq) = match &resume {
                Some(r) => (Some(r.client.as_ref()), r.seq),
                None => (None, 0),
            };
            let rows = self
                .clients
                .range::<str, _>((
                    from_client.map_or(Bound::Unbounded, Bound::Included),
                    Bound::Unbounded,
                ))
                .flat_map(|(client, q)| {
                    let from = if Some(client.as_ref()) == from_client {
                        from_seq
                    } else {
                        0
                    };
                    q.slots
                        .iter_from(from)
                        .map(move |(seq, s)| (client, seq, s))
                });
            for (client, seq, slot) in rows {
                if due.len() >= plan.limit {
                    break;
                }
                if slot.is_due(now_ms, max_attempts) {
                    due.push(slot.to_record(client, seq));
                }
            }
        }
        let outcome = self.rules.decide_sweep(&plan, &due, false);
        self.apply_own(&outcome.changes);
        // A change that leaves its record due (a dead letter whose retention
        // saturates at `Timestamp::MAX`) puts it before the resume point:
        // then the next call scans from the start.
        let settled = outcome
            .changes
            .iter()
            .all(|c| !matches!(c, Change::Update(u) if u.expires_at <= now));
        if outcome.more && settled {
            self.sweep_resume = due.get(plan.budget()).map(|next| SweepResume {
                now: now_ms,
                client: next.client.as_str().into(),
                seq: next.seq,
            });
        }
        outcome
    }

    /// Apply one change (from this queue's own decisions, or replayed from a
    /// log to a replica).
    ///
    /// # Errors
    /// When the change conflicts with the records held.
    pub fn apply(&mut self, change: &Change) -> Result<(), ApplyError> {
        self.sweep_resume = None;
        match change {
            Change::Insert(record) => {
                let q = self
                    .clients
                    .entry(record.client.as_str().into())
                    .or_default();
                let result = q.insert(record);
                if q.slots.len() == 0 {
                    self.clients.remove(record.client.as_str());
                }
                result
            }
            Change::Update(update) => self
                .clients
                .get_mut(update.client.as_str())
                .ok_or_else(|| ApplyError::UnknownRecord {
                    client: update.client.clone(),
                    jti: update.jti.clone(),
                })?
                .update(update),
            Change::Delete {
                client, jti, seq, ..
            } => {
                if let Some(q) = self.clients.get_mut(client.as_str()) {
                    q.delete(jti, *seq);
                    if q.slots.len() == 0 {
                        self.clients.remove(client.as_str());
                    }
                }
                Ok(())
            }
        }
    }

    /// Apply changes this queue's rules just decided over its own records:
    /// they cannot conflict, so an error here would be a bug, caught by the
    /// property test comparing this queue with a rebuild from the changes.
    fn apply_own(&mut self, changes: &[Change]) {
        for change in changes {
            let _ = self.apply(change);
        }
    }
}
