//! The transmitter (ASPSP side of `POST /events`) with its queue in memory.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use crate::time::timestamp;
use crate::wire::parse_core;
use crate::SetpollError;
use setpoll_core::transmitter::{
    DeliveryMode, EnqueueOutcome, MemoryQueue, PollDecision, PollOutcome, Profile, SetErrPolicy,
    SetRecord, Transmitter as CoreTransmitter, TransmitterConfig as CoreConfig, Wait,
};
use setpoll_core::wire::RequestOptions;

/// JSON text of the core's serde form (changes, records): what a host
/// persists. Serialising these plain types cannot fail; if it ever did, the
/// failure is an error, not a panic.
pub(crate) fn json(text: serde_json::Result<String>) -> Result<String, SetpollError> {
    text.map_err(|e| SetpollError::argument("serialize", e.to_string()))
}

/// Host-supplied JSON text (records, plans) read into `T`; `what` names it
/// in the `Argument(bad_json)` error.
pub(crate) fn from_json<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &str,
) -> Result<T, SetpollError> {
    serde_json::from_str(text)
        .map_err(|e| SetpollError::argument("bad_json", format!("{what}: {e}")))
}

/// Which text the transmitter follows where OBIE and RFC 8936 differ.
#[derive(Copy, Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum TransmitterProfile {
    /// Open Banking UK Aggregated Polling.
    Obie,
    /// RFC 8936 (as OpenID SSF uses it).
    Rfc8936,
}

/// The delivery policy a bank documents to its TPPs (durations in ms).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct TransmitterConfig {
    /// Profile; `None` = OBIE.
    #[uniffi(default = None)]
    pub profile: Option<TransmitterProfile>,
    /// SETs per response when `maxEvents` is absent (RFC 8936 profile).
    #[uniffi(default = 100)]
    pub default_max_events: u32,
    /// Most SETs per response.
    #[uniffi(default = 1000)]
    pub max_events_limit: u32,
    /// How long a delivered SET waits for its ack before redelivery.
    #[uniffi(default = 600000)]
    pub visibility_timeout_ms: u64,
    /// Deliveries before a SET is dead-lettered.
    #[uniffi(default = 10)]
    pub max_attempts: u32,
    /// How long an undelivered SET is kept.
    #[uniffi(default = 604800000)]
    pub retention_ms: u64,
    /// How long a dead letter is kept.
    #[uniffi(default = 2592000000)]
    pub dead_letter_retention_ms: u64,
    /// Longest long-poll; `None` disables long polling.
    #[uniffi(default = None)]
    pub long_poll_max_wait_ms: Option<u64>,
    /// Redeliver (instead of dead-lettering) a SET the client reports in `setErrs`.
    #[uniffi(default = false)]
    pub redeliver_on_set_err: bool,
    /// Deliver each SET at most once (instead of at least once).
    #[uniffi(default = false)]
    pub deliver_once: bool,
}

impl From<TransmitterConfig> for CoreConfig {
    fn from(c: TransmitterConfig) -> Self {
        CoreConfig {
            profile: match c.profile {
                None | Some(TransmitterProfile::Obie) => Profile::Obie,
                Some(TransmitterProfile::Rfc8936) => Profile::Rfc8936,
            },
            default_max_events: c.default_max_events,
            max_events_limit: c.max_events_limit,
            visibility_timeout: Duration::from_millis(c.visibility_timeout_ms),
            max_attempts: c.max_attempts,
            retention: Duration::from_millis(c.retention_ms),
            dead_letter_retention: Duration::from_millis(c.dead_letter_retention_ms),
            long_poll_max_wait: c.long_poll_max_wait_ms.map(Duration::from_millis),
            on_set_err: if c.redeliver_on_set_err {
                SetErrPolicy::Redeliver
            } else {
                SetErrPolicy::DeadLetter
            },
            delivery: if c.deliver_once {
                DeliveryMode::DeliverOnce
            } else {
                DeliveryMode::AtLeastOnce
            },
        }
    }
}

/// A long poll to hold open: resume it when `enqueue` names its client or
/// at `untilMs`, whichever comes first.
#[derive(Debug, uniffi::Object)]
pub struct PollWait(pub(crate) Wait);

#[uniffi::export]
impl PollWait {
    /// The waiting client.
    #[must_use]
    pub fn client(&self) -> String {
        self.0.client.clone()
    }
    /// When to answer at the latest (ms since the epoch).
    #[must_use]
    pub fn until_ms(&self) -> i64 {
        i64::try_from(self.0.until.as_millis()).unwrap_or(i64::MAX)
    }
    /// The request the resume will use (`ack`/`setErrs` already applied), canonical JSON.
    #[must_use]
    pub fn request_json(&self) -> String {
        self.0.request.to_json()
    }
}

/// What `enqueue` did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct EnqueueResult {
    /// `true` when the SET was added; `false` when its `jti` was already queued.
    pub queued: bool,
    /// The client named in the SET's `aud`.
    pub client: String,
    /// The SET's `jti`.
    pub jti: String,
    /// The record's sequence number within its client's queue.
    pub seq: u64,
    /// The existing record's state when already queued (`pending`, `delivered`, `dead_letter`).
    pub state: Option<String>,
    /// When already queued: whether the queued token is the same one.
    pub same_token: Option<bool>,
    /// The durable changes to persist, JSON array text (the core's serde form).
    pub changes_json: String,
    /// The client whose long polls to wake (`None` if nothing was added).
    pub wake: Option<String>,
}

impl EnqueueResult {
    pub(crate) fn new(o: &EnqueueOutcome) -> Result<Self, SetpollError> {
        let changes_json = json(serde_json::to_string(&o.changes()))?;
        let wake = o.wake().map(str::to_owned);
        Ok(match o {
            EnqueueOutcome::Queued { record } => EnqueueResult {
                queued: true,
                client: record.client.clone(),
                jti: record.jti.clone(),
                seq: record.seq,
                state: None,
                same_token: None,
                changes_json,
                wake,
            },
            EnqueueOutcome::AlreadyQueued {
                client,
                jti,
                seq,
                state,
                same_token,
            } => EnqueueResult {
                queued: false,
                client: client.clone(),
                jti: jti.clone(),
                seq: *seq,
                state: Some(state.as_str().to_owned()),
                same_token: Some(*same_token),
                changes_json,
                wake,
            },
        })
    }
}

/// What `sweep` did.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SweepResult {
    /// The durable changes to persist, JSON array text (the core's serde form).
    pub changes_json: String,
    /// Whether more work remains (call again soon).
    pub more: bool,
}

/// The answer to one `POST /events`: `responseJson` (send with status 200) or `wait`.
#[derive(Debug, uniffi::Record)]
pub struct PollAnswer {
    /// The response body, when answering now.
    pub response_json: Option<String>,
    /// The long poll to hold, when not.
    pub wait: Option<Arc<PollWait>>,
    /// How many durable changes the poll made.
    pub changes: u32,
    /// Those changes, JSON array text (the core's serde form): persist them
    /// before answering.
    pub changes_json: String,
}

impl PollAnswer {
    pub(crate) fn new(o: PollOutcome) -> Result<Self, SetpollError> {
        let changes = u32::try_from(o.changes.len()).unwrap_or(u32::MAX);
        let changes_json = json(serde_json::to_string(&o.changes))?;
        Ok(match o.decision {
            PollDecision::Respond(r) => PollAnswer {
                response_json: Some(r.to_json()),
                wait: None,
                changes,
                changes_json,
            },
            PollDecision::Wait(w) => PollAnswer {
                response_json: None,
                wait: Some(Arc::new(PollWait(w))),
                changes,
                changes_json,
            },
        })
    }
}

/// The transmitter with its queue in memory (embedded use, tests, demos).
#[derive(Debug, uniffi::Object)]
pub struct MemoryTransmitter {
    queue: Mutex<MemoryQueue>,
    /// The queue's `config().request_options()`, kept outside the lock so a
    /// body is parsed without taking it.
    request_options: RequestOptions,
}

impl MemoryTransmitter {
    fn lock(&self) -> Result<MutexGuard<'_, MemoryQueue>, SetpollError> {
        self.queue
            .lock()
            .map_err(|_| SetpollError::argument("poisoned", "a previous call failed mid-way"))
    }

    fn poll(
        &self,
        client: &str,
        body: &[u8],
        now_ms: i64,
        interaction_id: &str,
    ) -> Result<PollAnswer, SetpollError> {
        let now = timestamp(now_ms)?;
        let request = parse_core(body, &self.request_options, interaction_id)?;
        let outcome = self.lock()?.poll(client, &request, now);
        PollAnswer::new(outcome)
    }
}

#[uniffi::export]
impl MemoryTransmitter {
    /// A transmitter with `config`.
    ///
    /// # Errors
    /// `Transmitter` when the configuration is inconsistent.
    #[uniffi::constructor]
    pub fn new(config: TransmitterConfig) -> Result<Arc<Self>, SetpollError> {
        let config = CoreConfig::from(config);
        let request_options = config.request_options();
        Ok(Arc::new(MemoryTransmitter {
            queue: Mutex::new(MemoryQueue::new(config)?),
            request_options,
        }))
    }

    /// A transmitter with `config` holding `recordsJson` (a JSON array of
    /// records in the core's serde form, in any order: what `recordsJson()`
    /// returned, or the rows a host persisted from the changes).
    ///
    /// # Errors
    /// `Transmitter` for an inconsistent configuration or conflicting
    /// records (`duplicate_jti`, `duplicate_seq`, `jti_too_long`),
    /// `Argument(bad_json)` for text that is not such an array.
    #[uniffi::constructor]
    pub fn from_records(
        config: TransmitterConfig,
        records_json: String,
    ) -> Result<Arc<Self>, SetpollError> {
        let config = CoreConfig::from(config);
        let request_options = config.request_options();
        let rules = CoreTransmitter::new(config)?;
        let records: Vec<SetRecord> = from_json("records", &records_json)?;
        Ok(Arc::new(MemoryTransmitter {
            queue: Mutex::new(MemoryQueue::from_records(rules, records)?),
            request_options,
        }))
    }

    /// Queue a signed SET for the client named in its `aud`. The result's
    /// `wake` names the client whose long polls to wake (`None` if the `jti`
    /// was already queued).
    ///
    /// # Errors
    /// `Transmitter` when the token cannot be queued.
    pub fn enqueue(&self, token: String, now_ms: i64) -> Result<EnqueueResult, SetpollError> {
        let now = timestamp(now_ms)?;
        let outcome = self.lock()?.enqueue(token, now)?;
        EnqueueResult::new(&outcome)
    }

    /// Handle `POST /events` from an authenticated `client`.
    ///
    /// # Errors
    /// `Request` (whose `errorResponse` is the 400 body) for a bad body.
    #[uniffi::method(default(interaction_id = ""))]
    pub fn handle_poll(
        &self,
        client: String,
        body: String,
        now_ms: i64,
        interaction_id: String,
    ) -> Result<PollAnswer, SetpollError> {
        self.poll(&client, body.as_bytes(), now_ms, &interaction_id)
    }

    /// [`handle_poll`](Self::handle_poll) with the body as the bytes
    /// received (`ByteArray` / `Data`): a body that is not UTF-8 gets the
    /// core's `Request(not_utf8)` error and its 400 body.
    ///
    /// # Errors
    /// `Request` (whose `errorResponse` is the 400 body) for a bad body.
    #[uniffi::method(default(interaction_id = ""))]
    pub fn handle_poll_bytes(
        &self,
        client: String,
        body: Vec<u8>,
        now_ms: i64,
        interaction_id: String,
    ) -> Result<PollAnswer, SetpollError> {
        self.poll(&client, &body, now_ms, &interaction_id)
    }

    /// Resume a held long poll.
    ///
    /// # Errors
    /// `Argument` for a bad time.
    pub fn resume(&self, wait: Arc<PollWait>, now_ms: i64) -> Result<PollAnswer, SetpollError> {
        let now = timestamp(now_ms)?;
        let outcome = self.lock()?.resume(&wait.0, now);
        PollAnswer::new(outcome)
    }

    /// Expire, redeliver and dead-letter what is due; `more` while more remains.
    ///
    /// # Errors
    /// `Argument` for a bad time.
    #[uniffi::method(default(budget = 1000))]
    pub fn sweep(&self, now_ms: i64, budget: u32) -> Result<SweepResult, SetpollError> {
        let now = timestamp(now_ms)?;
        let budget = usize::try_from(budget).unwrap_or(usize::MAX);
        let outcome = self.lock()?.sweep(now, budget);
        Ok(SweepResult {
            changes_json: json(serde_json::to_string(&outcome.changes))?,
            more: outcome.more,
        })
    }

    /// Every record, JSON array text (the core's serde form), ordered by client and seq.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn records_json(&self) -> Result<String, SetpollError> {
        json(serde_json::to_string(&self.lock()?.records()))
    }

    /// How many SETs the queue holds.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn size(&self) -> Result<i64, SetpollError> {
        Ok(i64::try_from(self.lock()?.len()).unwrap_or(i64::MAX))
    }
}
