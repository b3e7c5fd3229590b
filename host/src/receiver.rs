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
    Batch, Delivery, Duplicate, DuplicateOf, HttpResponse, Jitter, JournalError,
    PollFailure as CoreFailure, PollOutcome, Receiver as CoreReceiver, ReceiverChange,
    ReceiverConfig as CoreConfig, ReceiverState, Recheck, Rejection, RequestId, RequestKind,
    StaleKeys as CoreStale,
};

use crate::jose::seeded;
use crate::time::num::Setting;
use crate::time::{num, timestamp, to_host};
use crate::SetpollError;

choice! {
    /// How a backoff delay is randomised.
    pub enum BackoffJitter => Jitter {
        /// The delay as computed.
        None = "none",
        /// Anywhere between zero and the delay.
        Full = "full",
        /// Half the delay plus up to half again.
        Equal = "equal",
    }
}

choice! {
    /// Which `setErrs` code vocabulary the receiver speaks.
    pub enum SetErrVocabulary => Vocabulary {
        /// Open Banking UK (`jwtParse`, `jwtIss`, ...).
        Obie = "obie",
        /// RFC 8935 (`invalid_request`, `invalid_key`, ...).
        Rfc8935 = "rfc8935",
    }
}

settings! {
    /// Everything a [`Receiver`] needs before its first poll (durations in ms).
    /// Every optional field absent means the core's default
    /// (`setpoll_core::receiver::ReceiverConfig::new`); [`Receiver::config`]
    /// returns them all as in force.
    #[derive(Default)]
    #[serde(deny_unknown_fields)]
    pub struct ReceiverConfig for CoreConfig {
        /// The ASPSP's issuer URI: every SET's `iss` must equal it.
        pub issuer: String,
        /// The TPP's client id: every SET's `aud` must contain it.
        pub client_id: String,
        /// The ASPSP's public JWK Set (JSON text).
        pub jwks_json: String,
        settings {
            /// Clock-skew allowance when verifying, seconds.
            max_skew_secs: i64 => policy.max_skew_secs,
            /// `maxEvents` sent with every poll (default: left to the ASPSP).
            max_events: i32 => max_events,
            /// `returnImmediately` sent with every poll (default: left out).
            return_immediately: bool => return_immediately,
            /// Wait between polls when the ASPSP reports no more SETs waiting.
            poll_interval_ms: i64 => poll_interval,
            /// First backoff delay after a failed poll.
            backoff_base_ms: i64 => backoff.base,
            /// Longest backoff delay.
            backoff_cap_ms: i64 => backoff.cap,
            /// How backoff delays are randomised.
            backoff_jitter: BackoffJitter => backoff.jitter,
            /// Longest `Retry-After` honoured.
            retry_after_cap_ms: i64 => backoff.retry_after_cap,
            /// How long processed `jti`s are remembered.
            dedup_window_ms: i64 => dedup.window,
            /// How many processed `jti`s are remembered at most.
            dedup_capacity: i32 => dedup.capacity,
            /// Most SETs delivered and not yet acknowledged or rejected.
            max_unsettled: i32 => max_unsettled,
            /// Least time between two JWK Set refreshes the receiver asks for.
            key_refresh_interval_ms: i64 => key_refresh_interval,
            /// `setErrs` vocabulary.
            vocabulary: SetErrVocabulary => vocabulary,
        }
        /// 32 bytes seeding the backoff jitter (default: drawn from the OS).
        #[cfg_attr(feature = "uniffi", uniffi(default = None))]
        #[cfg_attr(feature = "wasm", tsify(optional))]
        pub jitter_seed: Option<Vec<u8>>,
    }
}

impl ReceiverConfig {
    /// The core configuration: the core's defaults, overridden by every
    /// field that is set.
    ///
    /// # Errors
    /// `Key` for a malformed JWK Set, `Argument(negative_value)` for a
    /// negative number.
    pub fn to_core(&self) -> Result<CoreConfig, SetpollError> {
        let set = JwkSet::from_json(self.jwks_json.as_bytes())?;
        let mut c = CoreConfig::new(
            self.issuer.clone(),
            self.client_id.clone(),
            Keyring::new(&set)?,
        );
        self.apply(&mut c)?;
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
            ..Self::settings_of(c)
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

choice! {
    /// Why a request is sent.
    pub enum ReceiverRequestKind => RequestKind {
        /// A poll: fetch SETs, report acks and errors.
        Poll = "poll",
        /// Only report acks and errors (`maxEvents: 0`, `returnImmediately: true`).
        AckOnly = "ack_only",
    }
}

record! {
    /// One `POST /events` to send.
    pub struct ReceiverRequest {
        /// Pass back to `handleResponse` or `handleFailure`.
        pub id: i64,
        /// Poll or acknowledgement flush.
        pub kind: ReceiverRequestKind,
        /// The exact JSON body to send (`Content-Type: application/json`).
        pub body: String,
    }
}

record! {
    /// A verified SET for the application; settle it with `ack` or `reject`.
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

record! {
    /// A SET that was not delivered, and what the ASPSP will be told.
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
}

choice! {
    /// What a redelivered SET duplicates.
    pub enum ReceiverDuplicateOf => DuplicateOf {
        /// A SET already acknowledged: the ack is queued again.
        Acked = "acked",
        /// A SET already rejected: its `setErrs` entry is queued again.
        Rejected = "rejected",
        /// A SET the application still processes: nothing is queued.
        InProcessing = "in_processing",
        /// A SET held for a key refresh: judged once, after `refreshKeys`.
        Held = "held",
    }
}

record! {
    /// A SET received again within the dedup window.
    pub struct ReceiverDuplicate {
        /// Its `jti`.
        pub jti: String,
        /// What it duplicates.
        pub of: ReceiverDuplicateOf,
    }
}

record! {
    /// Why a round trip failed. The receiver has already recorded it: every
    /// pending ack and `setErrs` entry is kept for the next request and the
    /// schedule backs off until `retryAtMs`. Log it and carry on.
    pub struct PollFailure {
        /// Stable machine code: `no_answer`, `throttled`, `server_error`,
        /// `unauthorized`, `request_rejected`, `unexpected_status`,
        /// `malformed_response`.
        pub code: String,
        /// What happened, for a log line.
        pub message: String,
        /// The HTTP status, when there was an answer.
        pub status: Option<i32>,
        /// The `OBErrorResponse1` body the ASPSP sent, canonical JSON, if any.
        pub error_response_json: Option<String>,
        /// When the next request may go out (ms since the epoch).
        pub retry_at_ms: i64,
        /// Failed round trips in a row, this one included (a host gives up on
        /// `unauthorized` after a few).
        pub failures_in_a_row: i32,
        /// This answer (404 or 501 to a long poll) made the receiver fall back
        /// to `returnImmediately: true`.
        pub long_poll_refused: bool,
    }
}

impl From<CoreFailure> for PollFailure {
    fn from(f: CoreFailure) -> Self {
        use setpoll_core::receiver::FailureReason as R;
        let error = match &f.reason {
            R::ServerError { error, .. }
            | R::Unauthorized { error, .. }
            | R::RequestRejected { error, .. } => error.as_ref().map(|e| e.to_json()),
            _ => None,
        };
        PollFailure {
            code: f.reason.code().to_owned(),
            message: f.reason.to_string(),
            status: f.reason.status().map(i32::from),
            error_response_json: error,
            retry_at_ms: to_host(f.retry_at),
            failures_in_a_row: num::i32_of(f.failures_in_a_row),
            long_poll_refused: f.long_poll_refused,
        }
    }
}

record! {
    /// SETs held because their `kid` is unknown: fetch the ASPSP's JWK Set at
    /// or after `refreshAtMs` and pass it to `refreshKeys` (or call
    /// `refreshKeysFailed`).
    pub struct StaleKeys {
        /// The unknown `kid`s, sorted.
        pub kids: Vec<String>,
        /// How many SETs are held.
        pub held: i32,
        /// The earliest time a refresh is allowed (the rate limit), ms since the epoch.
        pub refresh_at_ms: i64,
    }
}

impl From<CoreStale> for StaleKeys {
    fn from(k: CoreStale) -> Self {
        StaleKeys {
            kids: k.kids,
            held: num::i32_of(k.held),
            refresh_at_ms: to_host(k.refresh_at),
        }
    }
}

record! {
    /// What one round trip brought: SETs for the application, or a failure.
    #[derive(Default)]
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
        /// SETs held in this answer because their `kid` is unknown (`jti`s);
        /// they are judged after `refreshKeys`.
        pub held: Vec<String>,
        /// `Some` while SETs are held: refresh the keys (as `keysStale()`).
        pub keys_stale: Option<StaleKeys>,
        /// The round trip failed (nothing above is filled); `None` on success.
        pub failure: Option<PollFailure>,
    }
}

impl From<Recheck> for ReceiverBatch {
    fn from(r: Recheck) -> Self {
        ReceiverBatch::judged(r.deliveries, r.rejections, r.duplicates)
    }
}

fn rejection(r: Rejection) -> ReceiverRejection {
    ReceiverRejection {
        code: r.reason.code().to_owned(),
        reported_err: r.reported.as_ref().map(|s| s.err.as_str().to_owned()),
        reported_description: r.reported.map(|s| s.description),
        jti: r.jti,
    }
}

fn duplicate(d: Duplicate) -> ReceiverDuplicate {
    ReceiverDuplicate {
        of: Setting::of_core(&d.of).unwrap_or(ReceiverDuplicateOf::InProcessing),
        jti: d.jti,
    }
}

impl ReceiverBatch {
    /// The SETs judged: delivered, rejected, seen before; nothing else set.
    fn judged(d: Vec<Delivery>, r: Vec<Rejection>, dup: Vec<Duplicate>) -> Self {
        ReceiverBatch {
            deliveries: d.into_iter().map(Into::into).collect(),
            rejections: r.into_iter().map(rejection).collect(),
            duplicates: dup.into_iter().map(duplicate).collect(),
            ..ReceiverBatch::default()
        }
    }

    fn failed(failure: PollFailure) -> Self {
        ReceiverBatch {
            failure: Some(failure),
            ..ReceiverBatch::default()
        }
    }
}

impl From<Batch> for ReceiverBatch {
    fn from(b: Batch) -> Self {
        ReceiverBatch {
            more_available: b.more_available,
            acks_confirmed: num::i32_of(b.acks_confirmed),
            set_errs_confirmed: num::i32_of(b.set_errs_confirmed),
            salvaged: b.salvaged.map(|e| e.code().to_owned()),
            held: b.held,
            keys_stale: b.keys_stale.map(Into::into),
            ..ReceiverBatch::judged(b.deliveries, b.rejections, b.duplicates)
        }
    }
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
        crate::error::lock(&self.inner)
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
        Ok(match rx.handle_reply(id, response, now, rng)? {
            PollOutcome::Batch(batch) => batch.into(),
            PollOutcome::Failed(f) => ReceiverBatch::failed(f.into()),
        })
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

    /// When the receiver next wants the host (ms since the epoch): a
    /// request falls due or a key refresh is allowed; at or before now
    /// means at once. `None`: not until something happens (the request in
    /// flight is answered, or the application settles a SET).
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn poll_timeout(&self) -> Result<Option<i64>, SetpollError> {
        Ok(self.lock()?.rx.poll_timeout().map(to_host))
    }

    /// The request to send at `nowMs`, or `None` when none is due (not yet,
    /// a request in flight, or backpressure: settle deliveries first). Safe
    /// to call spuriously.
    ///
    /// # Errors
    /// `Argument(negative_time)` for a time before the epoch.
    pub fn next_request(&self, now_ms: i64) -> Result<Option<ReceiverRequest>, SetpollError> {
        let req = self.lock()?.rx.poll_request(timestamp(now_ms)?);
        Ok(req.map(|r| ReceiverRequest {
            id: num::i64_of(r.id.0),
            kind: Setting::of_core(&r.kind).unwrap_or(ReceiverRequestKind::Poll),
            body: r.body,
        }))
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
    /// `no_answer` failure, recorded and backed off.
    ///
    /// # Errors
    /// `Receiver(unknown_request)` when `id` is not in flight.
    pub fn handle_failure(&self, id: i64, now_ms: i64) -> Result<PollFailure, SetpollError> {
        let now = timestamp(now_ms)?;
        let id = RequestId(num::u64_of("id", id)?);
        let mut guard = self.lock()?;
        let Inner { rx, rng, .. } = &mut *guard;
        Ok(rx.handle_no_reply(id, now, rng)?.into())
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
    pub fn reject(
        &self,
        jti: String,
        err: String,
        description: String,
    ) -> Result<(), SetpollError> {
        let code = SetErrCode::from_code(&err);
        Ok(self.lock()?.rx.reject(&jti, code, &description)?)
    }

    /// The changes since the last call, as a JSON array text (`None` when
    /// nothing changed): append them to what the host persists, before
    /// handing deliveries over or sending the next request. Replay them onto
    /// the last snapshot with [`apply_receiver_changes`]; take a new
    /// snapshot with [`state`](Self::state) now and then.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn take_changes(&self) -> Result<Option<String>, SetpollError> {
        let changes = self.lock()?.rx.take_changes();
        if changes.is_empty() {
            return Ok(None);
        }
        let items: Vec<String> = changes.iter().map(ReceiverChange::to_json).collect();
        Ok(Some(format!("[{}]", items.join(","))))
    }

    /// The full durable state (a snapshot), as JSON.
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
        let unsettled = self.lock()?.rx.unsettled();
        Ok(unsettled.into_iter().map(Into::into).collect())
    }

    /// The request in flight, if any.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn in_flight(&self) -> Result<Option<i64>, SetpollError> {
        Ok(self.lock()?.rx.in_flight().map(|id| num::i64_of(id.0)))
    }

    /// `Some` while SETs are held because their `kid` is unknown: fetch
    /// the ASPSP's JWK Set at or after `refreshAtMs`, then `refreshKeys`.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn keys_stale(&self) -> Result<Option<StaleKeys>, SetpollError> {
        Ok(self.lock()?.rx.keys_stale().map(Into::into))
    }

    /// Replace the ASPSP's JWK Set with one fetched at `nowMs` and judge the
    /// held SETs again: their deliveries, rejections (a `kid` still
    /// unknown) and duplicates come back as a batch. Persist
    /// `takeChanges()` before handing the deliveries over.
    ///
    /// # Errors
    /// `Key` for a malformed JWK Set (nothing changes).
    pub fn refresh_keys(
        &self,
        jwks_json: String,
        now_ms: i64,
    ) -> Result<ReceiverBatch, SetpollError> {
        let now = timestamp(now_ms)?;
        let set = JwkSet::from_json(jwks_json.as_bytes())?;
        let keys = Keyring::new(&set)?;
        let mut g = self.lock()?;
        let recheck = g.rx.refresh_keys(keys, now);
        g.jwks_json = jwks_json;
        Ok(recheck.into())
    }

    /// The JWK Set could not be fetched at `nowMs`: held SETs keep waiting;
    /// the next attempt is allowed one refresh interval later.
    ///
    /// # Errors
    /// `Argument(negative_time)` for a time before the epoch.
    pub fn refresh_keys_failed(&self, now_ms: i64) -> Result<(), SetpollError> {
        let now = timestamp(now_ms)?;
        self.lock()?.rx.refresh_keys_failed(now);
        Ok(())
    }
}

/// Replay `changes` (a JSON array text from `takeChanges`, or several
/// concatenated as one array) onto a `state` snapshot; returns the new
/// snapshot, which `Receiver.restore` accepts.
///
/// # Errors
/// `Receiver` (`state_*`) when the snapshot or a change is malformed or the
/// result is not a valid state; `Argument(bad_json)` when `changes` is not
/// a JSON array.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn apply_receiver_changes(state: String, changes: String) -> Result<String, SetpollError> {
    let mut snapshot = ReceiverState::from_json(&state)?;
    snapshot.apply(read_changes(&changes)?)?;
    Ok(snapshot.to_json())
}

/// The changes of a journal: text that is not a JSON array is
/// `Argument(bad_json)`; an element that is not a change is `Receiver`
/// with the core's `StateError` code (`state_json`) and the journal's
/// message ("not a receiver change: ..."), its path starting at the element
/// (`[3].ackQueued`).
fn read_changes(text: &str) -> Result<Vec<ReceiverChange>, SetpollError> {
    ReceiverChange::list_from_json(text).map_err(|e| match &e {
        JournalError::Change(_, state) => SetpollError::Receiver {
            code: state.code().to_owned(),
            detail: crate::error::bounded(e.to_string()),
        },
        JournalError::NotJson(e) => SetpollError::argument("bad_json", format!("changes: {e}")),
        other => SetpollError::argument("bad_json", format!("changes: {other}")),
    })
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
            max_events: Some(5),
            return_immediately: Some(true),
            backoff_jitter: Some(BackoffJitter::None),
            max_unsettled: Some(10),
            ..ReceiverConfig::default()
        }
    }

    #[test]
    fn nothing_due_is_none_and_failures_are_data() {
        let rx = Receiver::new(config()).unwrap();
        assert_eq!(rx.poll_timeout().unwrap(), Some(0));
        let req = rx.next_request(1_000).unwrap().unwrap();
        assert_eq!(req.kind, ReceiverRequestKind::Poll);
        assert_eq!(req.body, r#"{"maxEvents":5,"returnImmediately":true}"#);
        assert_eq!(rx.poll_timeout().unwrap(), None, "in flight");
        assert_eq!(rx.next_request(1_000).unwrap(), None, "in flight");
        let batch = rx
            .handle_response(req.id, 502, String::new(), 1_000, None)
            .unwrap();
        let failure = batch.failure.unwrap();
        assert_eq!(failure.code, "server_error");
        assert_eq!(failure.status, Some(502));
        assert_eq!(failure.failures_in_a_row, 1);
        assert!(failure.retry_at_ms > 1_000);
        assert_eq!(rx.next_request(failure.retry_at_ms - 1).unwrap(), None);
        assert_eq!(rx.poll_timeout().unwrap(), Some(failure.retry_at_ms));
        let again = rx.next_request(failure.retry_at_ms).unwrap().unwrap();
        let f = rx.handle_failure(again.id, failure.retry_at_ms).unwrap();
        assert_eq!((f.code.as_str(), f.status), ("no_answer", None));
        let e = rx
            .handle_failure(again.id, failure.retry_at_ms)
            .unwrap_err();
        assert_eq!(e.code(), "unknown_request");
        assert!(rx.take_changes().unwrap().is_some());
        assert_eq!(rx.take_changes().unwrap(), None);
    }

    #[test]
    fn defaults_come_from_the_core() {
        let minimal = ReceiverConfig {
            issuer: "https://bank.example/".into(),
            client_id: "tpp-1".into(),
            jwks_json: r#"{"keys":[]}"#.into(),
            ..ReceiverConfig::default()
        };
        let got = Receiver::new(minimal.clone()).unwrap().config().unwrap();
        let core = minimal.to_core().unwrap();
        assert_eq!(got, ReceiverConfig::of_core(&core, r#"{"keys":[]}"#));
        assert_eq!(
            got.max_unsettled,
            Some(i32::try_from(core.max_unsettled).unwrap())
        );
        assert_eq!(got.dedup_window_ms, Some(num::ms(core.dedup.window)));
    }

    #[test]
    fn changes_replay_onto_a_snapshot() {
        let rx = Receiver::new(config()).unwrap();
        let snapshot = rx.state().unwrap();
        let req = rx.next_request(1_000).unwrap().unwrap();
        let body = r#"{"sets":{},"moreAvailable":false}"#;
        let batch = rx
            .handle_response(req.id, 200, body.into(), 1_000, None)
            .unwrap();
        assert_eq!(batch.failure, None);
        let changes = rx.take_changes().unwrap().unwrap();
        let replayed = apply_receiver_changes(snapshot, changes).unwrap();
        assert_eq!(replayed, rx.state().unwrap());
        let e = apply_receiver_changes("{".into(), "[]".into()).unwrap_err();
        assert!(matches!(e, SetpollError::Receiver { .. }), "{e:?}");
        let snapshot = rx.state().unwrap();
        for (changes, code) in [
            ("{}", "bad_json"),
            ("[", "bad_json"),
            ("[{\"ackQueued\":{\"jti\":\"a\"}}] x", "bad_json"),
            ("[{\"ackQueued\":{\"jti\":\"a\"}},", "bad_json"),
            ("[{\"noSuchChange\":{}}]", "state_json"),
            ("[{\"ackQueued\":{\"jti\":7}}]", "state_json"),
        ] {
            let e = apply_receiver_changes(snapshot.clone(), changes.into()).unwrap_err();
            assert_eq!(e.code(), code, "{changes}: {e:?}");
        }
        let one = apply_receiver_changes(snapshot, "[{\"ackQueued\":{\"jti\":\"a\"}}]".into());
        assert!(one.unwrap().contains("\"a\""));
    }

    #[test]
    fn config_and_state_refusals_are_typed() {
        let mut bad = config();
        bad.max_unsettled = Some(0);
        assert_eq!(Receiver::new(bad).unwrap_err().code(), "zero_max_unsettled");
        let mut neg = config();
        neg.poll_interval_ms = Some(-1);
        assert_eq!(Receiver::new(neg).unwrap_err().code(), "negative_value");
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
        let rx = Receiver::new(config()).unwrap();
        assert_eq!(rx.next_request(-1).unwrap_err().code(), "negative_time");
        let req = rx.next_request(1).unwrap().unwrap();
        let e = rx.handle_response(req.id, 70_000, String::new(), 1, None);
        assert_eq!(e.unwrap_err().code(), "bad_status");
        assert!(rx
            .handle_response(req.id, 200, "{}".into(), 1, None)
            .is_ok());
    }
}
