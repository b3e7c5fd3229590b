//! The receiver (TPP side of `POST /events`): builds each request body,
//! digests each answer, verifies every SET and tracks acknowledgements.
//!
//! The host does the HTTP, the storage and the clock. The backoff jitter
//! draws from a generator the binding seeds from the caller's 32 bytes or,
//! when none are given, from the operating system; the core itself holds no
//! randomness.

use std::sync::{Mutex, MutexGuard};

use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use setpoll_core::codes::{SetErrCode, Vocabulary};
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    Batch, Delivery, DuplicateOf, HttpResponse, Jitter, Receiver as CoreReceiver,
    ReceiverConfig as CoreConfig, ReceiverError, ReceiverState, RequestId, RequestKind,
};
use setpoll_core::Timestamp;

use crate::jose::seeded;
use crate::time::{num, timestamp, to_host};
use crate::SetpollError;

/// How a backoff delay is randomised.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum BackoffJitter {
    /// The delay as computed.
    None,
    /// Anywhere between zero and the delay.
    Full,
    /// Half the delay plus up to half again.
    Equal,
}

/// Which `setErrs` code vocabulary the receiver speaks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum SetErrVocabulary {
    /// Open Banking UK (`jwtParse`, `jwtIss`, ...).
    Obie,
    /// RFC 8935 (`invalid_request`, `invalid_key`, ...).
    Rfc8935,
}

/// Everything a [`Receiver`] needs before its first poll (durations in ms).
/// Every optional field absent means the core's default
/// (`setpoll_core::receiver::ReceiverConfig::new`); [`Receiver::config`]
/// returns them all as in force.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
pub struct ReceiverConfig {
    /// The ASPSP's issuer URI: every SET's `iss` must equal it.
    pub issuer: String,
    /// The TPP's client id: every SET's `aud` must contain it.
    pub client_id: String,
    /// The ASPSP's public JWK Set (JSON text).
    pub jwks_json: String,
    /// Clock-skew allowance when verifying, seconds.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub max_skew_secs: Option<i64>,
    /// `maxEvents` sent with every poll (default: left to the ASPSP).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub max_events: Option<i32>,
    /// `returnImmediately` sent with every poll (default: left out).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub return_immediately: Option<bool>,
    /// Wait between polls when the ASPSP reports no more SETs waiting.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub poll_interval_ms: Option<i64>,
    /// First backoff delay after a failed poll.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub backoff_base_ms: Option<i64>,
    /// Longest backoff delay.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub backoff_cap_ms: Option<i64>,
    /// How backoff delays are randomised.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub backoff_jitter: Option<BackoffJitter>,
    /// Longest `Retry-After` honoured.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub retry_after_cap_ms: Option<i64>,
    /// How long processed `jti`s are remembered.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub dedup_window_ms: Option<i64>,
    /// How many processed `jti`s are remembered at most.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub dedup_capacity: Option<i32>,
    /// Most SETs delivered and not yet acknowledged or rejected.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub max_unsettled: Option<i32>,
    /// `setErrs` vocabulary.
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub vocabulary: Option<SetErrVocabulary>,
    /// 32 bytes seeding the backoff jitter (default: drawn from the OS).
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    #[cfg_attr(feature = "wasm", tsify(optional))]
    pub jitter_seed: Option<Vec<u8>>,
}

impl ReceiverConfig {
    /// The core configuration: the core's defaults, overridden by every
    /// field that is set.
    ///
    /// # Errors
    /// `Key` for a malformed JWK Set, `Argument(negative_value)`.
    pub fn to_core(&self) -> Result<CoreConfig, SetpollError> {
        let set = JwkSet::from_json(self.jwks_json.as_bytes())?;
        let mut c = CoreConfig::new(self.issuer.clone(), self.client_id.clone(), Keyring::new(&set)?);
        if let Some(v) = self.max_skew_secs {
            c.policy.max_skew_secs = num::u64_of("max_skew_secs", v)?;
        }
        if let Some(v) = self.max_events {
            c.max_events = Some(num::u32_of("max_events", v)?);
        }
        if let Some(v) = self.return_immediately {
            c.return_immediately = Some(v);
        }
        if let Some(v) = self.poll_interval_ms {
            c.poll_interval = num::ms_of("poll_interval_ms", v)?;
        }
        if let Some(v) = self.backoff_base_ms {
            c.backoff.base = num::ms_of("backoff_base_ms", v)?;
        }
        if let Some(v) = self.backoff_cap_ms {
            c.backoff.cap = num::ms_of("backoff_cap_ms", v)?;
        }
        if let Some(j) = self.backoff_jitter {
            c.backoff.jitter = match j {
                BackoffJitter::None => Jitter::None,
                BackoffJitter::Full => Jitter::Full,
                BackoffJitter::Equal => Jitter::Equal,
            };
        }
        if let Some(v) = self.retry_after_cap_ms {
            c.backoff.retry_after_cap = num::ms_of("retry_after_cap_ms", v)?;
        }
        if let Some(v) = self.dedup_window_ms {
            c.dedup.window = num::ms_of("dedup_window_ms", v)?;
        }
        if let Some(v) = self.dedup_capacity {
            c.dedup.capacity = num::usize_of("dedup_capacity", v)?;
        }
        if let Some(v) = self.max_unsettled {
            c.max_unsettled = num::usize_of("max_unsettled", v)?;
        }
        if let Some(v) = self.vocabulary {
            c.vocabulary = match v {
                SetErrVocabulary::Obie => Vocabulary::Obie,
                SetErrVocabulary::Rfc8935 => Vocabulary::Rfc8935,
            };
        }
        Ok(c)
    }

    /// Every field set, as the core holds it, with the JWK Set text in use
    /// (`jitter_seed` is never reported).
    #[must_use]
    pub fn of_core(c: &CoreConfig, jwks_json: &str) -> Self {
        ReceiverConfig {
            issuer: c.issuer.clone(),
            client_id: c.client_id.clone(),
            jwks_json: jwks_json.to_owned(),
            max_skew_secs: Some(num::i64_of(c.policy.max_skew_secs)),
            max_events: c.max_events.map(num::i32_of),
            return_immediately: c.return_immediately,
            poll_interval_ms: Some(num::ms(c.poll_interval)),
            backoff_base_ms: Some(num::ms(c.backoff.base)),
            backoff_cap_ms: Some(num::ms(c.backoff.cap)),
            backoff_jitter: Some(match c.backoff.jitter {
                Jitter::None => BackoffJitter::None,
                Jitter::Full => BackoffJitter::Full,
                _ => BackoffJitter::Equal,
            }),
            retry_after_cap_ms: Some(num::ms(c.backoff.retry_after_cap)),
            dedup_window_ms: Some(num::ms(c.dedup.window)),
            dedup_capacity: Some(num::i32_of(c.dedup.capacity)),
            max_unsettled: Some(num::i32_of(c.max_unsettled)),
            vocabulary: Some(match c.vocabulary {
                Vocabulary::Rfc8935 => SetErrVocabulary::Rfc8935,
                _ => SetErrVocabulary::Obie,
            }),
            jitter_seed: None,
        }
    }
}

fn jitter_rng(seed: Option<&[u8]>) -> Result<ChaCha20Rng, SetpollError> {
    match seed {
        Some(seed) => seeded(seed),
        None => ChaCha20Rng::from_rng(OsRng).map_err(|e| {
            SetpollError::argument(
                "no_os_randomness",
                format!("the OS gave no randomness: {e}"),
            )
        }),
    }
}

/// Why a request is sent.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum ReceiverRequestKind {
    /// A poll: fetch SETs, report acks and errors.
    Poll,
    /// Only report acks and errors (`maxEvents: 0`, `returnImmediately: true`).
    AckOnly,
}

/// One `POST /events` to send.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
pub struct ReceiverRequest {
    /// Pass back to `handleResponse` or `handleFailure`.
    pub id: i64,
    /// Poll or acknowledgement flush.
    pub kind: ReceiverRequestKind,
    /// The exact JSON body to send (`Content-Type: application/json`).
    pub body: String,
}

/// A verified SET for the application; settle it with `ack` or `reject`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
pub struct ReceiverDelivery {
    /// Its `jti`.
    pub jti: String,
    /// Its `iss`.
    pub iss: String,
    /// The event type URIs in its `events` claim.
    pub event_types: Vec<String>,
    /// The verified claims as JSON.
    pub claims_json: String,
    /// The compact JWS as received.
    pub token: String,
    /// When it was handed over (ms since the epoch).
    pub delivered_at_ms: i64,
}

impl From<Delivery> for ReceiverDelivery {
    fn from(d: Delivery) -> Self {
        ReceiverDelivery {
            claims_json: d.claims.to_json(),
            jti: d.jti,
            iss: d.iss,
            event_types: d.event_types,
            token: d.token,
            delivered_at_ms: to_host(d.delivered_at),
        }
    }
}

/// A SET that was not delivered, and what the ASPSP will be told.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
pub struct ReceiverRejection {
    /// The key it came under in `sets`.
    pub jti: String,
    /// Stable machine code of the reason (`bad_signature`, `jti_mismatch`, ...).
    pub code: String,
    /// The queued `setErrs` code; `None` when nothing is reported.
    pub reported_err: Option<String>,
    /// The queued `setErrs` description; `None` when nothing is reported.
    pub reported_description: Option<String>,
}

/// What a redelivered SET duplicates.
#[derive(Copy, Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify))]
pub enum ReceiverDuplicateOf {
    /// A SET already acknowledged: the ack is queued again.
    Acked,
    /// A SET already rejected: its `setErrs` entry is queued again.
    Rejected,
    /// A SET the application still processes: nothing is queued.
    InProcessing,
}

/// A SET received again within the dedup window.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
pub struct ReceiverDuplicate {
    /// Its `jti`.
    pub jti: String,
    /// What it duplicates.
    pub of: ReceiverDuplicateOf,
}

/// Why a round trip failed. The receiver has already recorded it: every
/// pending ack and `setErrs` entry is kept for the next request and the
/// schedule backs off until `retryAtMs`. Log it and carry on.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
pub struct PollFailure {
    /// Stable machine code: `transport`, `throttled`, `server_error`,
    /// `unauthorized`, `request_rejected`, `unexpected_status`,
    /// `malformed_response`.
    pub code: String,
    /// What happened, for a log line.
    pub message: String,
    /// The HTTP status, when there was an answer.
    pub status: Option<i32>,
    /// The `OBErrorResponse1` body the ASPSP sent, canonical JSON, if any.
    pub error_response_json: Option<String>,
    /// When the next request is due (ms since the epoch).
    pub retry_at_ms: Option<i64>,
}

/// What one round trip brought: SETs for the application, or a failure.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
#[cfg_attr(feature = "wasm", derive(tsify::Tsify), serde(rename_all = "camelCase"))]
pub struct ReceiverBatch {
    /// New verified SETs for the application.
    pub deliveries: Vec<ReceiverDelivery>,
    /// SETs that failed verification (reported in `setErrs`).
    pub rejections: Vec<ReceiverRejection>,
    /// SETs seen before, acknowledged or rejected again.
    pub duplicates: Vec<ReceiverDuplicate>,
    /// The ASPSP has more SETs waiting.
    pub more_available: bool,
    /// Acks this round trip confirmed.
    pub acks_confirmed: i32,
    /// `setErrs` entries this round trip confirmed.
    pub set_errs_confirmed: i32,
    /// The code of the parse error when the answer was read entry by entry.
    pub salvaged: Option<String>,
    /// The round trip failed (nothing above is filled); `None` on success.
    pub failure: Option<PollFailure>,
}

impl ReceiverBatch {
    fn failed(failure: PollFailure) -> Self {
        ReceiverBatch {
            deliveries: Vec::new(),
            rejections: Vec::new(),
            duplicates: Vec::new(),
            more_available: false,
            acks_confirmed: 0,
            set_errs_confirmed: 0,
            salvaged: None,
            failure: Some(failure),
        }
    }
}

impl From<Batch> for ReceiverBatch {
    fn from(b: Batch) -> Self {
        ReceiverBatch {
            deliveries: b.deliveries.into_iter().map(Into::into).collect(),
            rejections: b
                .rejections
                .into_iter()
                .map(|r| ReceiverRejection {
                    code: r.reason.code().to_owned(),
                    reported_err: r.reported.as_ref().map(|s| s.err.as_str().to_owned()),
                    reported_description: r.reported.map(|s| s.description),
                    jti: r.jti,
                })
                .collect(),
            duplicates: b
                .duplicates
                .into_iter()
                .map(|d| ReceiverDuplicate {
                    of: match d.of {
                        DuplicateOf::Acked => ReceiverDuplicateOf::Acked,
                        DuplicateOf::Rejected => ReceiverDuplicateOf::Rejected,
                        _ => ReceiverDuplicateOf::InProcessing,
                    },
                    jti: d.jti,
                })
                .collect(),
            more_available: b.more_available,
            acks_confirmed: num::i32_of(b.acks_confirmed),
            set_errs_confirmed: num::i32_of(b.set_errs_confirmed),
            salvaged: b.salvaged.map(|e| e.code().to_owned()),
            failure: None,
        }
    }
}

/// A core poll failure as host data, or the refusal it really is.
fn poll_failure(e: ReceiverError, next: Timestamp) -> Result<PollFailure, SetpollError> {
    use setpoll_core::receiver::ReceiverError as E;
    if !e.is_poll_failure() {
        return Err(e.into());
    }
    let (status, error) = match &e {
        E::Throttled { .. } => (Some(429), None),
        E::ServerError { status, error }
        | E::Unauthorized { status, error }
        | E::RequestRejected { status, error } => (Some(*status), error.as_ref()),
        E::UnexpectedStatus { status } | E::MalformedResponse { status, .. } => {
            (Some(*status), None)
        }
        _ => (None, None),
    };
    Ok(PollFailure {
        code: e.code().to_owned(),
        message: e.to_string(),
        status: status.map(i32::from),
        error_response_json: error.map(|r| r.to_json()),
        retry_at_ms: (next != Timestamp::MAX).then(|| to_host(next)),
    })
}

#[derive(Debug)]
struct Inner {
    rx: CoreReceiver,
    rng: ChaCha20Rng,
    jwks_json: String,
}

/// The receiver: a sans-IO poller that never loses an acknowledgement.
///
/// The run loop: `nextRequest(now)` gives the request to send, or `None`
/// when nothing is due (sleep until `pollTimeout()`, or until the
/// application settles a SET). POST its body, then `handleResponse` (or
/// `handleFailure` when no answer came); persist `takeState()`; hand
/// `deliveries` to the application; `ack`/`reject` each; persist
/// `takeState()` again. A failed round trip is not an error: the batch's
/// `failure` says what happened and the receiver has already backed off.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct Receiver {
    inner: Mutex<Inner>,
}

impl Receiver {
    fn lock(&self) -> Result<MutexGuard<'_, Inner>, SetpollError> {
        self.inner
            .lock()
            .map_err(|_| SetpollError::argument("poisoned", "a previous call failed mid-way"))
    }

    /// [`handle_response`](Self::handle_response) with the body as bytes.
    ///
    /// # Errors
    /// As [`handle_response`](Self::handle_response).
    pub fn handle_response_body(
        &self,
        id: i64,
        status: i32,
        body: &[u8],
        now_ms: i64,
        retry_after: Option<&str>,
    ) -> Result<ReceiverBatch, SetpollError> {
        let now = timestamp(now_ms)?;
        let id = RequestId(num::u64_of("id", id)?);
        let status = u16::try_from(status).map_err(|_| {
            SetpollError::argument("bad_status", format!("{status} is not an HTTP status"))
        })?;
        let mut response = HttpResponse::new(status, body);
        if let Some(v) = retry_after {
            response = response.with_retry_after(v);
        }
        let mut guard = self.lock()?;
        let Inner { rx, rng, .. } = &mut *guard;
        match rx.handle_response(id, response, now, rng) {
            Ok(batch) => Ok(batch.into()),
            Err(e) => Ok(ReceiverBatch::failed(poll_failure(e, rx.next_poll_at())?)),
        }
    }

    fn build(config: &ReceiverConfig) -> Result<Inner, SetpollError> {
        let rng = jitter_rng(config.jitter_seed.as_deref())?;
        let rx = CoreReceiver::new(config.to_core()?)?;
        Ok(Inner {
            rx,
            rng,
            jwks_json: config.jwks_json.clone(),
        })
    }
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl Receiver {
    /// A fresh receiver.
    ///
    /// # Errors
    /// `Key` for a malformed JWK Set, `Receiver` for an invalid
    /// configuration, `Argument(bad_seed)` for a seed that is not 32 bytes.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(config: ReceiverConfig) -> Result<Self, SetpollError> {
        Ok(Receiver {
            inner: Mutex::new(Self::build(&config)?),
        })
    }

    /// A receiver resumed from a state saved with `takeState`/`state`.
    /// Hand `unsettled()` to the application again afterwards.
    ///
    /// # Errors
    /// As [`new`](Self::new), and `Receiver` for a malformed state.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn restore(config: ReceiverConfig, state: String) -> Result<Self, SetpollError> {
        let mut inner = Self::build(&config)?;
        inner.rx.restore(ReceiverState::from_json(&state)?)?;
        Ok(Receiver {
            inner: Mutex::new(inner),
        })
    }

    /// The configuration in force, every field set.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn config(&self) -> Result<ReceiverConfig, SetpollError> {
        let g = self.lock()?;
        Ok(ReceiverConfig::of_core(g.rx.config(), &g.jwks_json))
    }

    /// When the next request is due (ms since the epoch); `None` while a
    /// request is in flight or the application holds `maxUnsettled` SETs
    /// (nothing is due until something happens).
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn poll_timeout(&self) -> Result<Option<i64>, SetpollError> {
        let g = self.lock()?;
        let at = g.rx.next_poll_at();
        Ok((at != Timestamp::MAX).then(|| to_host(at)))
    }

    /// The request to send at `nowMs`, or `None` when none is due (not yet,
    /// or backpressure: settle deliveries first). Safe to call spuriously.
    ///
    /// # Errors
    /// `Receiver(request_in_flight)` while a request awaits its answer.
    pub fn next_request(&self, now_ms: i64) -> Result<Option<ReceiverRequest>, SetpollError> {
        use setpoll_core::receiver::ReceiverError as E;
        let now = timestamp(now_ms)?;
        match self.lock()?.rx.next_request(now) {
            Ok(req) => Ok(Some(ReceiverRequest {
                id: num::i64_of(req.id.0),
                kind: match req.kind {
                    RequestKind::AckOnly => ReceiverRequestKind::AckOnly,
                    _ => ReceiverRequestKind::Poll,
                },
                body: req.body,
            })),
            Err(E::NotDue { .. } | E::Backpressure { .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// The HTTP answer to request `id`: any status, the body, and the
    /// `Retry-After` header if there was one. A failed round trip comes
    /// back as the batch's `failure`, already recorded.
    ///
    /// # Errors
    /// `Receiver(unknown_request)` when `id` is not in flight,
    /// `Argument(bad_status)`.
    #[cfg_attr(feature = "uniffi", uniffi::method(default(retry_after = None)))]
    pub fn handle_response(
        &self,
        id: i64,
        status: i32,
        body: String,
        now_ms: i64,
        retry_after: Option<String>,
    ) -> Result<ReceiverBatch, SetpollError> {
        self.handle_response_body(id, status, body.as_bytes(), now_ms, retry_after.as_deref())
    }

    /// [`handle_response`](Self::handle_response) with the body as the
    /// bytes received (`ByteArray` / `Data`): a body that is not UTF-8 is a
    /// `malformed_response` failure, as the core reads it.
    ///
    /// # Errors
    /// As [`handle_response`](Self::handle_response).
    #[cfg_attr(feature = "uniffi", uniffi::method(default(retry_after = None)))]
    pub fn handle_response_bytes(
        &self,
        id: i64,
        status: i32,
        body: Vec<u8>,
        now_ms: i64,
        retry_after: Option<String>,
    ) -> Result<ReceiverBatch, SetpollError> {
        self.handle_response_body(id, status, &body, now_ms, retry_after.as_deref())
    }

    /// Request `id` got no HTTP answer (connection, TLS, timeout): the
    /// `transport` failure, recorded and backed off.
    ///
    /// # Errors
    /// `Receiver(unknown_request)` when `id` is not in flight.
    pub fn handle_failure(&self, id: i64, now_ms: i64) -> Result<PollFailure, SetpollError> {
        let now = timestamp(now_ms)?;
        let id = RequestId(num::u64_of("id", id)?);
        let mut guard = self.lock()?;
        let Inner { rx, rng, .. } = &mut *guard;
        let next = rx.handle_failure(id, now, rng)?;
        Ok(PollFailure {
            code: "transport".to_owned(),
            message: "no HTTP answer".to_owned(),
            status: None,
            error_response_json: None,
            retry_at_ms: Some(to_host(next)),
        })
    }

    /// The application processed the SET `jti`.
    ///
    /// # Errors
    /// `Receiver` with code `unknown_jti` or `already_settled`.
    pub fn ack(&self, jti: String) -> Result<(), SetpollError> {
        Ok(self.lock()?.rx.ack(&jti)?)
    }

    /// The application refused the SET `jti`: report `err` (a `setErrs`
    /// code, 1..40 characters) with `description`.
    ///
    /// # Errors
    /// `Receiver` with code `unknown_jti`, `already_settled` or `invalid_err_code`.
    pub fn reject(&self, jti: String, err: String, description: String) -> Result<(), SetpollError> {
        Ok(self
            .lock()?
            .rx
            .reject(&jti, SetErrCode::from_code(&err), &description)?)
    }

    /// The state to persist when it changed since the last call, else `None`.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn take_state(&self) -> Result<Option<String>, SetpollError> {
        Ok(self.lock()?.rx.take_state().map(|s| s.to_json()))
    }

    /// The full state as JSON, changed or not.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn state(&self) -> Result<String, SetpollError> {
        Ok(self.lock()?.rx.state().to_json())
    }

    /// The SETs delivered and not yet settled (after `restore`: hand them over again).
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn unsettled(&self) -> Result<Vec<ReceiverDelivery>, SetpollError> {
        Ok(self.lock()?.rx.unsettled().into_iter().map(Into::into).collect())
    }

    /// The request in flight, if any.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn in_flight(&self) -> Result<Option<i64>, SetpollError> {
        Ok(self.lock()?.rx.in_flight().map(|id| num::i64_of(id.0)))
    }

    /// Replace the ASPSP's JWK Set (after a key rotation).
    ///
    /// # Errors
    /// `Key` for a malformed JWK Set.
    pub fn set_jwks(&self, jwks_json: String) -> Result<(), SetpollError> {
        let set = JwkSet::from_json(jwks_json.as_bytes())?;
        let keys = Keyring::new(&set)?;
        let mut g = self.lock()?;
        g.rx.set_keys(keys);
        g.jwks_json = jwks_json;
        Ok(())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use super::*;

    fn config() -> ReceiverConfig {
        ReceiverConfig {
            issuer: "https://bank.example/".into(),
            client_id: "tpp-1".into(),
            jwks_json: r#"{"keys":[]}"#.into(),
            max_skew_secs: 300,
            max_events: Some(5),
            return_immediately: Some(true),
            poll_interval_ms: 30_000,
            backoff_base_ms: 1000,
            backoff_cap_ms: 60_000,
            backoff_jitter: Some(BackoffJitter::None),
            retry_after_cap_ms: 3_600_000,
            dedup_window_ms: 1000,
            dedup_capacity: 10,
            max_unsettled: 10,
            vocabulary: None,
            jitter_seed: None,
        }
    }

    #[test]
    fn not_due_carries_at_and_failures_carry_status() {
        let rx = Receiver::new(config()).unwrap();
        let req = rx.next_request(1_000).unwrap();
        assert_eq!(req.kind, ReceiverRequestKind::Poll);
        assert_eq!(req.body, r#"{"maxEvents":5,"returnImmediately":true}"#);
        match rx.handle_response(req.id, 502, String::new(), 1_000, None) {
            Err(SetpollError::Receiver {
                code,
                poll_failure,
                status,
                at_ms,
                ..
            }) => {
                assert_eq!(code, "server_error");
                assert!(poll_failure);
                assert_eq!(status, Some(502));
                assert_eq!(at_ms, None);
            }
            other => panic!("{other:?}"),
        }
        match rx.next_request(1_500) {
            Err(SetpollError::Receiver {
                code,
                at_ms,
                poll_failure,
                ..
            }) => {
                assert_eq!(code, "not_due");
                assert_eq!(at_ms, Some(2_000));
                assert!(!poll_failure);
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(rx.next_poll_at().unwrap(), Some(2_000));
    }

    #[test]
    fn config_and_state_refusals_are_receiver_errors() {
        let mut bad = config();
        bad.max_unsettled = 0;
        assert_eq!(Receiver::new(bad).unwrap_err().code(), "zero_max_unsettled");
        let mut seeded = config();
        seeded.jitter_seed = Some(vec![0; 31]);
        assert_eq!(Receiver::new(seeded).unwrap_err().code(), "bad_seed");
        let err = Receiver::restore(config(), "{".into()).unwrap_err();
        assert!(matches!(err, SetpollError::Receiver { .. }), "{err:?}");
        let mut jwks = config();
        jwks.jwks_json = "[".into();
        assert!(matches!(
            Receiver::new(jwks).unwrap_err(),
            SetpollError::Key { .. }
        ));
    }
}
