//! The transmitter (ASPSP side of `POST /events`) with its queue in memory:
//! `setpoll_core::transmitter::MemoryQueue`.

use std::sync::Mutex;
use std::time::Duration;

use crate::errors::Error;
use crate::wire::{parse_request_core, Body};
use pyo3::prelude::*;
use setpoll_core::transmitter::{
    DeliveryMode, EnqueueOutcome, MemoryQueue, PollDecision, PollOutcome, Profile, SetErrPolicy,
    TransmitterConfig, Wait,
};
use setpoll_core::wire::RequestOptions;
use setpoll_core::Timestamp;

/// JSON text of the core's serde form (changes, records): what a host
/// persists. Serialising these plain types cannot fail; if it ever did, the
/// failure is an error, not a panic.
pub(crate) fn to_json<T: serde::Serialize>(v: &T) -> Result<String, Error> {
    serde_json::to_string(v).map_err(|e| Error::argument("serialize", e.to_string()))
}

/// A long poll to hold open; pass it to `MemoryTransmitter.resume` when
/// `enqueue` names its client or at `until_ms`, whichever comes first.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct PollWait(pub(crate) Wait);

#[pymethods]
impl PollWait {
    #[getter]
    fn client(&self) -> &str {
        &self.0.client
    }
    #[getter]
    fn until_ms(&self) -> u64 {
        self.0.until.as_millis()
    }
    /// The request the resume will use (`ack`/`setErrs` already applied), canonical JSON.
    #[getter]
    fn request_json(&self) -> String {
        self.0.request.to_json()
    }
}

/// What `enqueue` did.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct EnqueueResult {
    /// `True` when the SET was added; `False` when its `jti` was already queued.
    queued: bool,
    client: String,
    jti: String,
    seq: u64,
    /// The existing record's state when already queued (`pending`, `delivered`, `dead_letter`).
    state: Option<&'static str>,
    /// When already queued: whether the queued token is the same one.
    same_token: Option<bool>,
    /// The durable changes to persist, JSON array text (the core's serde form).
    changes_json: String,
    /// The client whose long polls to wake (`None` if nothing was added).
    wake: Option<String>,
}

impl EnqueueResult {
    pub(crate) fn new(o: &EnqueueOutcome) -> Result<Self, Error> {
        let changes_json = to_json(&o.changes())?;
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
                state: Some(state.as_str()),
                same_token: Some(*same_token),
                changes_json,
                wake,
            },
        })
    }
}

/// What `sweep` did.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct SweepResult {
    /// The durable changes to persist, JSON array text.
    pub(crate) changes_json: String,
    /// Whether more work remains (call again soon).
    pub(crate) more: bool,
}

/// The answer to one `POST /events`: either `response_json` (send it with
/// status 200) or `wait` (hold the request open).
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct PollAnswer {
    response_json: Option<String>,
    wait: Option<Py<PollWait>>,
    /// How many durable changes the poll made (acks, deliveries, dead letters).
    changes: usize,
    /// Those changes, JSON array text (the core's serde form): persist them
    /// before answering.
    changes_json: String,
}

impl PollAnswer {
    pub(crate) fn new(py: Python<'_>, o: PollOutcome) -> Result<Self, Error> {
        let changes = o.changes.len();
        let changes_json = to_json(&o.changes)?;
        Ok(match o.decision {
            PollDecision::Respond(r) => PollAnswer {
                response_json: Some(r.to_json()),
                wait: None,
                changes,
                changes_json,
            },
            PollDecision::Wait(w) => PollAnswer {
                response_json: None,
                wait: Some(Py::new(py, PollWait(w)).map_err(Error::Python)?),
                changes,
                changes_json,
            },
        })
    }
}

/// The transmitter with its queue in memory (embedded use, tests, demos).
/// Thread-safe: calls are serialised by an internal lock, taken with the GIL
/// released.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct MemoryTransmitter {
    queue: Mutex<MemoryQueue>,
    /// The queue's `config().request_options()`, kept outside the lock so a
    /// body is parsed without taking it.
    request_options: RequestOptions,
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

impl MemoryTransmitter {
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut MemoryQueue) -> T + Send,
    ) -> Result<T, Error> {
        py.detach(|| {
            let mut q = self
                .queue
                .lock()
                .map_err(|_| Error::argument("poisoned", "a previous call failed mid-way"))?;
            Ok(f(&mut q))
        })
    }
}

/// The config keyword arguments of `MemoryTransmitter` and `Transmitter`
/// as a [`TransmitterConfig`] (validated later by the core's constructor).
#[allow(clippy::too_many_arguments)]
pub(crate) fn config_from(
    profile: &str,
    default_max_events: u32,
    max_events_limit: u32,
    visibility_timeout_ms: u64,
    max_attempts: u32,
    retention_ms: u64,
    dead_letter_retention_ms: u64,
    long_poll_max_wait_ms: Option<u64>,
    on_set_err: &str,
    delivery: &str,
) -> Result<TransmitterConfig, Error> {
    let bad =
        |what: &str, v: &str| Error::argument("unknown_option", format!("unknown {what} {v:?}"));
    Ok(TransmitterConfig {
        profile: Profile::from_name(profile).ok_or_else(|| bad("profile", profile))?,
        default_max_events,
        max_events_limit,
        visibility_timeout: millis(visibility_timeout_ms),
        max_attempts,
        retention: millis(retention_ms),
        dead_letter_retention: millis(dead_letter_retention_ms),
        long_poll_max_wait: long_poll_max_wait_ms.map(millis),
        on_set_err: SetErrPolicy::from_name(on_set_err)
            .ok_or_else(|| bad("on_set_err policy", on_set_err))?,
        delivery: DeliveryMode::from_name(delivery)
            .ok_or_else(|| bad("delivery mode", delivery))?,
    })
}

#[pymethods]
impl MemoryTransmitter {
    /// Durations in milliseconds. `profile`: `"obie"` or `"rfc8936"`;
    /// `on_set_err`: `"dead_letter"` or `"redeliver"`; `delivery`:
    /// `"at_least_once"` or `"deliver_once"`.
    #[new]
    #[pyo3(signature = (*, profile="obie", default_max_events=100, max_events_limit=1000,
        visibility_timeout_ms=600_000, max_attempts=10, retention_ms=604_800_000,
        dead_letter_retention_ms=2_592_000_000, long_poll_max_wait_ms=None,
        on_set_err="dead_letter", delivery="at_least_once"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        profile: &str,
        default_max_events: u32,
        max_events_limit: u32,
        visibility_timeout_ms: u64,
        max_attempts: u32,
        retention_ms: u64,
        dead_letter_retention_ms: u64,
        long_poll_max_wait_ms: Option<u64>,
        on_set_err: &str,
        delivery: &str,
    ) -> Result<Self, Error> {
        let config = config_from(
            profile,
            default_max_events,
            max_events_limit,
            visibility_timeout_ms,
            max_attempts,
            retention_ms,
            dead_letter_retention_ms,
            long_poll_max_wait_ms,
            on_set_err,
            delivery,
        )?;
        let request_options = config.request_options();
        Ok(MemoryTransmitter {
            queue: Mutex::new(MemoryQueue::new(config)?),
            request_options,
        })
    }

    /// Queue a signed SET for the client named in its `aud`.
    fn enqueue(&self, py: Python<'_>, token: String, now_ms: u64) -> Result<EnqueueResult, Error> {
        let outcome = self.with(py, |q| q.enqueue(token, Timestamp::from_millis(now_ms)))??;
        EnqueueResult::new(&outcome)
    }

    /// Handle `POST /events` from an authenticated `client`: parse `body`
    /// (raises `RequestError` with `.error_response` for a 400), apply its
    /// acks and errors, and decide the answer.
    #[pyo3(signature = (client, body, now_ms, *, interaction_id=String::new()))]
    fn handle_poll(
        &self,
        py: Python<'_>,
        client: &str,
        body: Body,
        now_ms: u64,
        interaction_id: String,
    ) -> Result<PollAnswer, Error> {
        let request = parse_request_core(&body, &self.request_options, interaction_id)?;
        let outcome = self.with(py, |q| {
            q.poll(client, &request, Timestamp::from_millis(now_ms))
        })?;
        PollAnswer::new(py, outcome)
    }

    /// Resume a held long poll.
    fn resume(&self, py: Python<'_>, wait: &PollWait, now_ms: u64) -> Result<PollAnswer, Error> {
        let outcome = self.with(py, |q| q.resume(&wait.0, Timestamp::from_millis(now_ms)))?;
        PollAnswer::new(py, outcome)
    }

    /// Expire, redeliver and dead-letter what is due.
    #[pyo3(signature = (now_ms, budget=1000))]
    fn sweep(&self, py: Python<'_>, now_ms: u64, budget: usize) -> Result<SweepResult, Error> {
        let o = self.with(py, |q| q.sweep(Timestamp::from_millis(now_ms), budget))?;
        Ok(SweepResult {
            changes_json: to_json(&o.changes)?,
            more: o.more,
        })
    }

    /// Every record, JSON array text (the core's serde form), ordered by client and seq.
    fn records_json(&self, py: Python<'_>) -> Result<String, Error> {
        to_json(&self.with(py, |q| q.records())?)
    }

    /// `(client, jti, state)` of every record, oldest first per client.
    fn records(&self, py: Python<'_>) -> Result<Vec<(String, String, &'static str)>, Error> {
        self.with(py, |q| {
            q.records()
                .into_iter()
                .map(|r| (r.client, r.jti, r.state.as_str()))
                .collect()
        })
    }

    fn __len__(&self, py: Python<'_>) -> Result<usize, Error> {
        self.with(py, |q| q.len())
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MemoryTransmitter>()?;
    m.add_class::<PollAnswer>()?;
    m.add_class::<PollWait>()?;
    m.add_class::<EnqueueResult>()?;
    m.add_class::<SweepResult>()?;
    Ok(())
}
