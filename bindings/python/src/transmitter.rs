//! The transmitter (ASPSP side of `POST /events`) with its queue in memory:
//! `setpoll_core::transmitter::MemoryQueue`.

use std::sync::Mutex;
use std::time::Duration;

use crate::errors::Error;
use crate::wire::{parse_request_core, Body};
use pyo3::prelude::*;
use setpoll_core::transmitter::{
    DeliveryMode, MemoryQueue, PollDecision, PollOutcome, Profile, SetErrPolicy, TransmitterConfig,
    Wait,
};
use setpoll_core::Timestamp;

/// A long poll to hold open; pass it to `MemoryTransmitter.resume` when
/// `enqueue` names its client or at `until_ms`, whichever comes first.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct PollWait(Wait);

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
}

/// The answer to one `POST /events`: either `response_json` (send it with
/// status 200) or `wait` (hold the request open).
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct PollAnswer {
    response_json: Option<String>,
    wait: Option<Py<PollWait>>,
    /// How many durable changes the poll made (acks, deliveries, dead letters).
    changes: usize,
}

impl PollAnswer {
    fn new(py: Python<'_>, o: PollOutcome) -> PyResult<Self> {
        let changes = o.changes.len();
        Ok(match o.decision {
            PollDecision::Respond(r) => PollAnswer {
                response_json: Some(r.to_json()),
                wait: None,
                changes,
            },
            PollDecision::Wait(w) => PollAnswer {
                response_json: None,
                wait: Some(Py::new(py, PollWait(w))?),
                changes,
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
    reject_unknown_members: bool,
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
        let bad = |what: &str, v: &str| {
            Error::argument("unknown_option", format!("unknown {what} {v:?}"))
        };
        let config = TransmitterConfig {
            profile: match profile {
                "obie" => Profile::Obie,
                "rfc8936" => Profile::Rfc8936,
                v => return Err(bad("profile", v)),
            },
            default_max_events,
            max_events_limit,
            visibility_timeout: millis(visibility_timeout_ms),
            max_attempts,
            retention: millis(retention_ms),
            dead_letter_retention: millis(dead_letter_retention_ms),
            long_poll_max_wait: long_poll_max_wait_ms.map(millis),
            on_set_err: match on_set_err {
                "dead_letter" => SetErrPolicy::DeadLetter,
                "redeliver" => SetErrPolicy::Redeliver,
                v => return Err(bad("on_set_err policy", v)),
            },
            delivery: match delivery {
                "at_least_once" => DeliveryMode::AtLeastOnce,
                "deliver_once" => DeliveryMode::DeliverOnce,
                v => return Err(bad("delivery mode", v)),
            },
        };
        let reject_unknown_members = config.profile.reject_unknown_members();
        Ok(MemoryTransmitter {
            queue: Mutex::new(MemoryQueue::new(config)?),
            reject_unknown_members,
        })
    }

    /// Queue a signed SET for the client named in its `aud`. Returns the
    /// client whose long polls to wake, or `None` if the `jti` was already queued.
    fn enqueue(&self, py: Python<'_>, token: String, now_ms: u64) -> Result<Option<String>, Error> {
        let outcome = self.with(py, |q| q.enqueue(token, Timestamp::from_millis(now_ms)))??;
        Ok(outcome.wake().map(str::to_owned))
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
        let request = parse_request_core(&body, self.reject_unknown_members, interaction_id)?;
        let outcome = self.with(py, |q| {
            q.poll(client, &request, Timestamp::from_millis(now_ms))
        })?;
        PollAnswer::new(py, outcome).map_err(Error::Python)
    }

    /// Resume a held long poll.
    fn resume(&self, py: Python<'_>, wait: &PollWait, now_ms: u64) -> Result<PollAnswer, Error> {
        let outcome = self.with(py, |q| q.resume(&wait.0, Timestamp::from_millis(now_ms)))?;
        PollAnswer::new(py, outcome).map_err(Error::Python)
    }

    /// Expire, redeliver and dead-letter what is due; returns whether more
    /// work remains (call again soon).
    #[pyo3(signature = (now_ms, budget=1000))]
    fn sweep(&self, py: Python<'_>, now_ms: u64, budget: usize) -> Result<bool, Error> {
        self.with(py, |q| q.sweep(Timestamp::from_millis(now_ms), budget).more)
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
    Ok(())
}
