//! The receiver (TPP side of `POST /events`): `setpoll_core::receiver::Receiver`.
//!
//! The core is sans-IO and draws no randomness itself; the backoff jitter
//! comes from a ChaCha20 generator this binding owns, seeded from the
//! caller's `seed` (an `int`, for reproducible tests) or else from
//! `os.urandom`.

use std::sync::Mutex;
use std::time::Duration;

use crate::errors::Error;
use crate::wire::Body;
use pyo3::prelude::*;
use pyo3::types::PyType;
use rand_chacha::rand_core::SeedableRng;
use rand_chacha::ChaCha20Rng;
use setpoll_core::codes::{SetErrCode, Vocabulary};
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    Backoff, Batch, DedupConfig, Delivery as CoreDelivery, DuplicateOf, HttpResponse, Jitter,
    Receiver as CoreReceiver, ReceiverConfig, ReceiverState, RequestId, RequestKind,
};
use setpoll_core::Timestamp;

/// One `POST /events` to send: `body` is the exact JSON text.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct ReceiverRequest {
    /// Pass back to `handle_response` / `handle_failure`.
    id: u64,
    /// `"poll"` or `"ack_only"`.
    kind: &'static str,
    body: String,
}

/// A verified SET for the application; `ack` or `reject` its `jti` once processed.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct Delivery {
    jti: String,
    iss: String,
    event_types: Vec<String>,
    /// The verified claims, canonical JSON text.
    claims_json: String,
    /// The compact JWS as received.
    token: String,
    delivered_at_ms: u64,
}

impl From<CoreDelivery> for Delivery {
    fn from(d: CoreDelivery) -> Self {
        Delivery {
            claims_json: d.claims.to_json(),
            jti: d.jti,
            iss: d.iss,
            event_types: d.event_types,
            token: d.token,
            delivered_at_ms: d.delivered_at.as_millis(),
        }
    }
}

#[pymethods]
impl Delivery {
    /// The verified claims as a `dict` (parsed from `claims_json`).
    #[getter]
    fn claims<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("json")?
            .call_method1("loads", (self.claims_json.as_str(),))
    }

    fn __repr__(&self) -> String {
        format!(
            "Delivery(jti={:?}, event_types={:?})",
            self.jti, self.event_types
        )
    }
}

/// A SET that was not delivered.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct Rejection {
    /// The key it came under in `sets`.
    jti: String,
    /// Why, as a stable machine code (`jws_signature`, `jti_mismatch`, ...).
    code: &'static str,
    /// The `setErrs` code queued for the ASPSP, `None` when nothing was queued.
    reported_err: Option<String>,
    /// The `setErrs` description queued with it.
    reported_description: Option<String>,
}

/// A SET received again within the dedup window.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct Duplicate {
    jti: String,
    /// `"acked"`, `"rejected"` or `"in_processing"`.
    of: &'static str,
}

/// The result of a successful round trip.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct ReceiverBatch {
    request_id: u64,
    deliveries: Vec<Py<Delivery>>,
    rejections: Vec<Py<Rejection>>,
    duplicates: Vec<Py<Duplicate>>,
    more_available: bool,
    acks_confirmed: usize,
    set_errs_confirmed: usize,
    /// The `ResponseError` code when the answer broke the schema inside
    /// `sets` and was read entry by entry.
    salvaged: Option<&'static str>,
}

impl ReceiverBatch {
    fn new(py: Python<'_>, b: Batch) -> PyResult<Self> {
        let deliveries = b
            .deliveries
            .into_iter()
            .map(|d| Py::new(py, Delivery::from(d)))
            .collect::<PyResult<_>>()?;
        let rejections = b
            .rejections
            .into_iter()
            .map(|r| {
                let (reported_err, reported_description) = match r.reported {
                    Some(s) => (Some(s.err.as_str().to_owned()), Some(s.description)),
                    None => (None, None),
                };
                Py::new(
                    py,
                    Rejection {
                        code: r.reason.code(),
                        jti: r.jti,
                        reported_err,
                        reported_description,
                    },
                )
            })
            .collect::<PyResult<_>>()?;
        let duplicates = b
            .duplicates
            .into_iter()
            .map(|d| {
                let of = match d.of {
                    DuplicateOf::Acked => "acked",
                    DuplicateOf::Rejected => "rejected",
                    DuplicateOf::InProcessing => "in_processing",
                    _ => "other",
                };
                Py::new(py, Duplicate { jti: d.jti, of })
            })
            .collect::<PyResult<_>>()?;
        Ok(ReceiverBatch {
            request_id: b.request.0,
            deliveries,
            rejections,
            duplicates,
            more_available: b.more_available,
            acks_confirmed: b.acks_confirmed,
            set_errs_confirmed: b.set_errs_confirmed,
            salvaged: b.salvaged.as_ref().map(|e| e.code()),
        })
    }
}

struct Inner {
    rx: CoreReceiver,
    rng: ChaCha20Rng,
}

/// The TPP side of `POST /events`: builds each request, digests each answer,
/// verifies every SET, dedups, and carries acks until a round trip confirms
/// them. Thread-safe: calls are serialised by an internal lock.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct Receiver {
    inner: Mutex<Inner>,
}

fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Every constructor argument, so `__new__` and `restore` share one builder.
struct Settings<'a> {
    issuer: &'a str,
    client_id: &'a str,
    jwks: &'a Body,
    max_skew_secs: u64,
    max_events: Option<u32>,
    return_immediately: Option<bool>,
    poll_interval_ms: u64,
    backoff_base_ms: u64,
    backoff_cap_ms: u64,
    jitter: &'a str,
    retry_after_cap_ms: u64,
    dedup_window_ms: u64,
    dedup_capacity: usize,
    max_unsettled: usize,
    vocabulary: &'a str,
    seed: Option<u64>,
}

impl Settings<'_> {
    fn build(&self, py: Python<'_>) -> Result<Receiver, Error> {
        let bad = |what: &str, v: &str| {
            Error::argument("unknown_option", format!("unknown {what} {v:?}"))
        };
        let keys = Keyring::new(&JwkSet::from_json(self.jwks)?)?;
        let mut config = ReceiverConfig::new(self.issuer, self.client_id, keys);
        config.policy.max_skew_secs = self.max_skew_secs;
        config.max_events = self.max_events;
        config.return_immediately = self.return_immediately;
        config.poll_interval = millis(self.poll_interval_ms);
        config.backoff = Backoff {
            base: millis(self.backoff_base_ms),
            cap: millis(self.backoff_cap_ms),
            jitter: match self.jitter {
                "none" => Jitter::None,
                "full" => Jitter::Full,
                "equal" => Jitter::Equal,
                v => return Err(bad("jitter", v)),
            },
            retry_after_cap: millis(self.retry_after_cap_ms),
        };
        config.dedup = DedupConfig {
            window: millis(self.dedup_window_ms),
            capacity: self.dedup_capacity,
        };
        config.max_unsettled = self.max_unsettled;
        config.vocabulary = match self.vocabulary {
            "obie" => Vocabulary::Obie,
            "rfc8935" => Vocabulary::Rfc8935,
            v => return Err(bad("vocabulary", v)),
        };
        let rng = match self.seed {
            Some(seed) => ChaCha20Rng::seed_from_u64(seed),
            None => {
                let bytes: Vec<u8> = py
                    .import("os")
                    .and_then(|os| os.call_method1("urandom", (32,)))
                    .and_then(|b| b.extract())
                    .map_err(Error::Python)?;
                let seed: [u8; 32] = bytes
                    .try_into()
                    .map_err(|_| Error::argument("bad_seed", "os.urandom gave a short read"))?;
                ChaCha20Rng::from_seed(seed)
            }
        };
        Ok(Receiver {
            inner: Mutex::new(Inner {
                rx: CoreReceiver::new(config)?,
                rng,
            }),
        })
    }
}

impl Receiver {
    fn with<T: Send>(
        &self,
        py: Python<'_>,
        f: impl FnOnce(&mut Inner) -> T + Send,
    ) -> Result<T, Error> {
        py.detach(|| {
            let mut inner = self
                .inner
                .lock()
                .map_err(|_| Error::argument("poisoned", "a previous call failed mid-way"))?;
            Ok(f(&mut inner))
        })
    }
}

#[pymethods]
impl Receiver {
    /// Durations in milliseconds. `jwks`: the ASPSP's JWK Set, JSON text.
    /// `jitter`: `"none"`, `"full"` or `"equal"`; `vocabulary`: `"obie"` or
    /// `"rfc8935"`; `seed`: seeds the backoff jitter (default: `os.urandom`).
    #[new]
    #[pyo3(signature = (*, issuer, client_id, jwks, max_skew_secs=300, max_events=None,
        return_immediately=None, poll_interval_ms=30_000, backoff_base_ms=1_000,
        backoff_cap_ms=300_000, jitter="equal", retry_after_cap_ms=3_600_000,
        dedup_window_ms=604_800_000, dedup_capacity=10_000, max_unsettled=1_000,
        vocabulary="obie", seed=None))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        issuer: &str,
        client_id: &str,
        jwks: Body,
        max_skew_secs: u64,
        max_events: Option<u32>,
        return_immediately: Option<bool>,
        poll_interval_ms: u64,
        backoff_base_ms: u64,
        backoff_cap_ms: u64,
        jitter: &str,
        retry_after_cap_ms: u64,
        dedup_window_ms: u64,
        dedup_capacity: usize,
        max_unsettled: usize,
        vocabulary: &str,
        seed: Option<u64>,
    ) -> Result<Self, Error> {
        Settings {
            issuer,
            client_id,
            jwks: &jwks,
            max_skew_secs,
            max_events,
            return_immediately,
            poll_interval_ms,
            backoff_base_ms,
            backoff_cap_ms,
            jitter,
            retry_after_cap_ms,
            dedup_window_ms,
            dedup_capacity,
            max_unsettled,
            vocabulary,
            seed,
        }
        .build(py)
    }

    /// A receiver configured as by the constructor (same keyword arguments)
    /// holding a saved `state` (JSON text from `take_state`/`state`). Hand
    /// `unsettled()` to the application again afterwards.
    #[classmethod]
    #[pyo3(signature = (state, *, issuer, client_id, jwks, max_skew_secs=300, max_events=None,
        return_immediately=None, poll_interval_ms=30_000, backoff_base_ms=1_000,
        backoff_cap_ms=300_000, jitter="equal", retry_after_cap_ms=3_600_000,
        dedup_window_ms=604_800_000, dedup_capacity=10_000, max_unsettled=1_000,
        vocabulary="obie", seed=None))]
    #[allow(clippy::too_many_arguments)]
    fn restore(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        state: &str,
        issuer: &str,
        client_id: &str,
        jwks: Body,
        max_skew_secs: u64,
        max_events: Option<u32>,
        return_immediately: Option<bool>,
        poll_interval_ms: u64,
        backoff_base_ms: u64,
        backoff_cap_ms: u64,
        jitter: &str,
        retry_after_cap_ms: u64,
        dedup_window_ms: u64,
        dedup_capacity: usize,
        max_unsettled: usize,
        vocabulary: &str,
        seed: Option<u64>,
    ) -> Result<Self, Error> {
        let state = ReceiverState::from_json(state)?;
        let receiver = Self::new(
            py,
            issuer,
            client_id,
            jwks,
            max_skew_secs,
            max_events,
            return_immediately,
            poll_interval_ms,
            backoff_base_ms,
            backoff_cap_ms,
            jitter,
            retry_after_cap_ms,
            dedup_window_ms,
            dedup_capacity,
            max_unsettled,
            vocabulary,
            seed,
        )?;
        receiver.with(py, |i| i.rx.restore(state))??;
        Ok(receiver)
    }

    /// The next request at `now_ms`; raises `ReceiverError` (`not_due` with
    /// `.at`, `backpressure`, `request_in_flight`) when none is due.
    fn next_request(&self, py: Python<'_>, now_ms: u64) -> Result<ReceiverRequest, Error> {
        let req = self.with(py, |i| i.rx.next_request(Timestamp::from_millis(now_ms)))??;
        Ok(ReceiverRequest {
            id: req.id.0,
            kind: match req.kind {
                RequestKind::Poll => "poll",
                RequestKind::AckOnly => "ack_only",
                _ => "other",
            },
            body: req.body,
        })
    }

    /// Digest the HTTP answer to request `id`. A failed round trip (429,
    /// 5xx, 401/403, unreadable 2xx, ...) raises `ReceiverError` with
    /// `.poll_failure` true: it is recorded and backed off, acks stay pending.
    #[pyo3(signature = (id, status, body, now_ms, retry_after=None))]
    fn handle_response(
        &self,
        py: Python<'_>,
        id: u64,
        status: u16,
        body: Body,
        now_ms: u64,
        retry_after: Option<&str>,
    ) -> Result<ReceiverBatch, Error> {
        let batch = self.with(py, |i| {
            let mut response = HttpResponse::new(status, &*body);
            if let Some(v) = retry_after {
                response = response.with_retry_after(v);
            }
            i.rx.handle_response(
                RequestId(id),
                response,
                Timestamp::from_millis(now_ms),
                &mut i.rng,
            )
        })??;
        ReceiverBatch::new(py, batch).map_err(Error::Python)
    }

    /// Request `id` got no answer (connection, TLS, timeout); returns when
    /// the next attempt is due (ms).
    fn handle_failure(&self, py: Python<'_>, id: u64, now_ms: u64) -> Result<u64, Error> {
        let at = self.with(py, |i| {
            i.rx.handle_failure(RequestId(id), Timestamp::from_millis(now_ms), &mut i.rng)
        })??;
        Ok(at.as_millis())
    }

    /// The application processed the SET `jti`.
    fn ack(&self, py: Python<'_>, jti: &str) -> Result<(), Error> {
        Ok(self.with(py, |i| i.rx.ack(jti))??)
    }

    /// The application refused the SET `jti`: report `err` (a `setErrs`
    /// code) with `description` to the ASPSP.
    #[pyo3(signature = (jti, err, description=""))]
    fn reject(&self, py: Python<'_>, jti: &str, err: &str, description: &str) -> Result<(), Error> {
        let code = SetErrCode::from_code(err);
        Ok(self.with(py, |i| i.rx.reject(jti, code, description))??)
    }

    /// When `next_request` will next produce a request (ms); `None` while
    /// nothing can go out until something changes (in flight, backpressure).
    fn next_poll_at(&self, py: Python<'_>) -> Result<Option<u64>, Error> {
        let at = self.with(py, |i| i.rx.next_poll_at())?;
        Ok((at != Timestamp::MAX).then(|| at.as_millis()))
    }

    /// The durable state as JSON text when it changed since the last call
    /// (persist it before acting on a batch), else `None`.
    fn take_state(&self, py: Python<'_>) -> Result<Option<String>, Error> {
        self.with(py, |i| i.rx.take_state().map(|s| s.to_json()))
    }

    /// The durable state as JSON text, changed or not.
    fn state(&self, py: Python<'_>) -> Result<String, Error> {
        self.with(py, |i| i.rx.state().to_json())
    }

    /// SETs handed to the application and not yet acked or rejected.
    fn unsettled(&self, py: Python<'_>) -> Result<Vec<Delivery>, Error> {
        let list = self.with(py, |i| i.rx.unsettled())?;
        Ok(list.into_iter().map(Delivery::from).collect())
    }

    /// How many acks wait for a round trip to confirm them.
    fn pending_acks(&self, py: Python<'_>) -> Result<usize, Error> {
        self.with(py, |i| i.rx.state().pending_acks.len())
    }

    /// The id of the request in flight, if any.
    fn in_flight(&self, py: Python<'_>) -> Result<Option<u64>, Error> {
        self.with(py, |i| i.rx.in_flight().map(|id| id.0))
    }

    /// Replace the ASPSP's JWK Set (JSON text), e.g. after key rotation.
    fn set_keys(&self, py: Python<'_>, jwks: Body) -> Result<(), Error> {
        let keys = Keyring::new(&JwkSet::from_json(&jwks)?)?;
        self.with(py, |i| i.rx.set_keys(keys))
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Receiver>()?;
    m.add_class::<ReceiverRequest>()?;
    m.add_class::<ReceiverBatch>()?;
    m.add_class::<Delivery>()?;
    m.add_class::<Rejection>()?;
    m.add_class::<Duplicate>()?;
    Ok(())
}
