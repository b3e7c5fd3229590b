//! The transmitter (ASPSP side of `POST /events`) with its queue in memory.

use std::sync::{Arc, Mutex, MutexGuard};

use crate::time::num;
use crate::time::{timestamp, to_host};
use crate::wire::parse_core;
use crate::SetpollError;
use setpoll_core::transmitter::{
    DeliveryMode as CoreDeliveryMode, EnqueueOutcome, MemoryQueue, PollDecision, PollOutcome,
    Profile, SetErrPolicy as CoreSetErrPolicy, SetRecord, Transmitter as CoreTransmitter,
    TransmitterConfig as CoreConfig, Wait,
};
use setpoll_core::wire::RequestOptions;

/// JSON text of the core's serde form (changes, records): what a host
/// persists. Serialising these plain types cannot fail; if it ever did, the
/// failure is an error, not a panic.
pub(crate) fn json(text: serde_json::Result<String>) -> Result<String, SetpollError> {
    text.map_err(|e| SetpollError::argument("serialize", e.to_string()))
}

/// Host-supplied JSON text of records read by the core's record reader;
/// `what` names it in the `Argument(bad_json)` error.
pub(crate) fn records<T>(
    what: &str,
    text: &str,
    read: fn(&str) -> Result<T, setpoll_core::JsonError>,
) -> Result<T, SetpollError> {
    read(text).map_err(|e| SetpollError::argument("bad_json", format!("{what}: {e}")))
}

choice! {
    /// Which text the transmitter follows where OBIE and RFC 8936 differ.
    pub enum TransmitterProfile => Profile {
        /// Open Banking UK Aggregated Polling.
        Obie = "obie",
        /// RFC 8936 (as OpenID SSF uses it).
        Rfc8936 = "rfc8936",
    }
}

choice! {
    /// What a `setErrs` entry does to the SET it names.
    pub enum SetErrPolicy => CoreSetErrPolicy {
        /// Dead-letter it, never deliver it again.
        DeadLetter = "dead_letter",
        /// Record the error and deliver it again (attempts still count).
        Redeliver = "redeliver",
    }
}

choice! {
    /// When a delivered SET is finished with.
    pub enum DeliveryMode => CoreDeliveryMode {
        /// Until acknowledged, reported, out of attempts or expired.
        AtLeastOnce = "at_least_once",
        /// Removed as soon as delivered (`ack`/`setErrs` accepted and ignored).
        DeliverOnce = "deliver_once",
    }
}

settings! {
    /// The delivery policy a bank documents to its TPPs (durations in ms).
    /// Every field is optional: absent means the core's default
    /// (`setpoll_core::transmitter::TransmitterConfig::default`), which
    /// [`transmitter_defaults`] returns in full.
    #[derive(Default)]
    #[serde(default, deny_unknown_fields)]
    pub struct TransmitterConfig for CoreConfig {
        settings {
            /// Where OBIE and RFC 8936 differ (default OBIE).
            profile: TransmitterProfile => profile,
            /// SETs per response when `maxEvents` is absent.
            default_max_events: i32 => default_max_events,
            /// Most SETs per response.
            max_events_limit: i32 => max_events_limit,
            /// How long a delivered SET waits for its ack before redelivery.
            visibility_timeout_ms: i64 => visibility_timeout,
            /// Deliveries before a SET is dead-lettered.
            max_attempts: i32 => max_attempts,
            /// How long an unacknowledged SET is kept.
            retention_ms: i64 => retention,
            /// How long a dead letter is kept.
            dead_letter_retention_ms: i64 => dead_letter_retention,
            /// Longest long poll; `0` disables long polling (the core's default).
            long_poll_max_wait_ms: i64 => long_poll_max_wait,
            /// What a `setErrs` entry does (default dead-letter).
            on_set_err: SetErrPolicy => on_set_err,
            /// At-least-once (default) or deliver-once.
            delivery: DeliveryMode => delivery,
        }
    }
}

impl TransmitterConfig {
    /// The core configuration: the core's defaults, overridden by every
    /// field that is set, then validated by the core.
    ///
    /// # Errors
    /// `Argument(negative_value)` for a negative number, `Transmitter` when
    /// the core refuses the combination.
    pub fn to_core(&self) -> Result<CoreConfig, SetpollError> {
        let mut c = CoreConfig::default();
        self.apply(&mut c)?;
        c.validate()?;
        Ok(c)
    }

    /// Every field set, as the core holds it.
    #[must_use]
    pub fn of_core(c: &CoreConfig) -> Self {
        Self::settings_of(c)
    }
}

/// The core's transmitter defaults, every field set: what a
/// `TransmitterConfig` with no field set means.
#[cfg_attr(feature = "uniffi", uniffi::export)]
#[must_use]
pub fn transmitter_defaults() -> TransmitterConfig {
    TransmitterConfig::of_core(&CoreConfig::default())
}

/// A long poll to hold open: resume it when `enqueue` names its client or
/// at `untilMs`, whichever comes first.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct PollWait(pub(crate) Wait);

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl PollWait.0: Wait {
        /// The waiting client.
        client -> String = |w| w.client.clone();
        /// When to answer at the latest (ms since the epoch).
        until_ms -> i64 = |w| to_host(w.until);
        /// The request the resume will use (`ack`/`setErrs` already applied), canonical JSON.
        request_json -> String = |w| w.request.to_json();
    }
}

record! {
    /// What `enqueue` did.
    pub struct EnqueueResult {
        /// `true` when the SET was added; `false` when its `jti` was already queued.
        pub queued: bool,
        /// The client named in the SET's `aud`.
        pub client: String,
        /// The SET's `jti`.
        pub jti: String,
        /// The record's sequence number within its client's queue.
        pub seq: i64,
        /// The existing record's state when already queued (`pending`, `delivered`, `dead_letter`).
        pub state: Option<String>,
        /// When already queued: whether the queued token is the same one.
        pub same_token: Option<bool>,
        /// The durable changes to persist, JSON array text (the core's serde form).
        pub changes_json: String,
        /// The client whose long polls to wake (`None` if nothing was added).
        pub wake: Option<String>,
    }
}

impl EnqueueResult {
    pub(crate) fn new(o: &EnqueueOutcome) -> Result<Self, SetpollError> {
        let (queued, client, jti, seq, state, same_token) = match o {
            EnqueueOutcome::Queued { record: r } => (true, &r.client, &r.jti, r.seq, None, None),
            EnqueueOutcome::AlreadyQueued {
                client,
                jti,
                seq,
                state,
                same_token,
            } => (
                false,
                client,
                jti,
                *seq,
                Some(state.as_str().to_owned()),
                Some(*same_token),
            ),
        };
        Ok(EnqueueResult {
            queued,
            client: client.clone(),
            jti: jti.clone(),
            seq: num::i64_of(seq),
            state,
            same_token,
            changes_json: json(serde_json::to_string(&o.changes()))?,
            wake: o.wake().map(str::to_owned),
        })
    }
}

record! {
    /// What `sweep` did.
    pub struct SweepResult {
        /// The durable changes to persist, JSON array text (the core's serde form).
        pub changes_json: String,
        /// Whether more work remains (call again soon).
        pub more: bool,
    }
}

/// The answer to one `POST /events`: `responseJson` (send with status 200) or `wait`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct PollAnswer {
    /// The response body, when answering now.
    pub response_json: Option<String>,
    /// The long poll to hold, when not.
    pub wait: Option<Arc<PollWait>>,
    /// How many durable changes the poll made.
    pub changes: i32,
    /// Those changes, JSON array text (the core's serde form): persist them
    /// before answering.
    pub changes_json: String,
}

impl PollAnswer {
    pub(crate) fn new(o: PollOutcome) -> Result<Self, SetpollError> {
        let (response_json, wait) = match o.decision {
            PollDecision::Respond(r) => (Some(r.to_json()), None),
            PollDecision::Wait(w) => (None, Some(Arc::new(PollWait(w)))),
        };
        Ok(PollAnswer {
            response_json,
            wait,
            changes: num::i32_of(o.changes.len()),
            changes_json: json(serde_json::to_string(&o.changes))?,
        })
    }
}

/// The transmitter with its queue in memory (embedded use, tests, demos).
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct MemoryTransmitter {
    queue: Mutex<MemoryQueue>,
    /// The queue's `config().request_options()`, kept outside the lock so a
    /// body is parsed without taking it.
    request_options: RequestOptions,
}

impl MemoryTransmitter {
    fn lock(&self) -> Result<MutexGuard<'_, MemoryQueue>, SetpollError> {
        crate::error::lock(&self.queue)
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl MemoryTransmitter {
    /// A transmitter with `config`.
    ///
    /// # Errors
    /// `Transmitter` when the configuration is inconsistent.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(config: TransmitterConfig) -> Result<Arc<Self>, SetpollError> {
        let config = config.to_core()?;
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
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn from_records(
        config: TransmitterConfig,
        records_json: String,
    ) -> Result<Arc<Self>, SetpollError> {
        let config = config.to_core()?;
        let request_options = config.request_options();
        let rules = CoreTransmitter::new(config)?;
        let records = records("records", &records_json, SetRecord::list_from_json)?;
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
    #[cfg_attr(feature = "uniffi", uniffi::method(default(interaction_id = "")))]
    pub fn handle_poll(
        &self,
        client: String,
        body: String,
        now_ms: i64,
        interaction_id: String,
    ) -> Result<PollAnswer, SetpollError> {
        self.handle_poll_bytes(client, body.into_bytes(), now_ms, interaction_id)
    }

    /// [`handle_poll`](Self::handle_poll) with the body as the bytes
    /// received (`ByteArray` / `Data`): a body that is not UTF-8 gets the
    /// core's `Request(not_utf8)` error and its 400 body.
    ///
    /// # Errors
    /// `Request` (whose `errorResponse` is the 400 body) for a bad body.
    #[cfg_attr(feature = "uniffi", uniffi::method(default(interaction_id = "")))]
    pub fn handle_poll_bytes(
        &self,
        client: String,
        body: Vec<u8>,
        now_ms: i64,
        interaction_id: String,
    ) -> Result<PollAnswer, SetpollError> {
        let now = timestamp(now_ms)?;
        let request = parse_core(&body, &self.request_options, &interaction_id)?;
        let outcome = self.lock()?.poll(&client, &request, now);
        PollAnswer::new(outcome)
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
    #[cfg_attr(feature = "uniffi", uniffi::method(default(budget = 1000)))]
    pub fn sweep(&self, now_ms: i64, budget: i32) -> Result<SweepResult, SetpollError> {
        let now = timestamp(now_ms)?;
        let budget = num::usize_of("budget", budget)?;
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
