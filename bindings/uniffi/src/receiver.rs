//! The receiver (TPP side of `POST /events`): builds each request body,
//! digests each answer, verifies every SET and tracks acknowledgements.
//!
//! The host does the HTTP, the storage and the clock. The backoff jitter
//! draws from a generator the binding seeds from the caller's 32 bytes or,
//! when none are given, from the operating system; the core itself holds no
//! randomness.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rand_chacha::ChaCha20Rng;
use rand_core::{OsRng, SeedableRng};
use setpoll_core::codes::{SetErrCode, Vocabulary};
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    Backoff, Batch, DedupConfig, Delivery, DuplicateOf, HttpResponse, Jitter,
    Receiver as CoreReceiver, ReceiverConfig as CoreConfig, ReceiverState, RequestId, RequestKind,
};
use setpoll_core::Timestamp;

use crate::jose::seeded;
use crate::time::{timestamp, to_host};
use crate::SetpollError;

/// How a backoff delay is randomised.
#[derive(Copy, Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum BackoffJitter {
    /// The delay as computed.
    None,
    /// Anywhere between zero and the delay.
    Full,
    /// Half the delay plus up to half again.
    Equal,
}

/// Which `setErrs` code vocabulary the receiver speaks.
#[derive(Copy, Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum SetErrVocabulary {
    /// Open Banking UK (`jwtParse`, `jwtIss`, ...).
    Obie,
    /// RFC 8935 (`invalid_request`, `invalid_key`, ...).
    Rfc8935,
}

/// Everything a [`Receiver`] needs before its first poll (durations in ms).
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReceiverConfig {
    /// The ASPSP's issuer URI: every SET's `iss` must equal it.
    pub issuer: String,
    /// The TPP's client id: every SET's `aud` must contain it.
    pub client_id: String,
    /// The ASPSP's public JWK Set (JSON text).
    pub jwks_json: String,
    /// Clock-skew allowance when verifying, seconds.
    #[uniffi(default = 300)]
    pub max_skew_secs: u64,
    /// `maxEvents` sent with every poll; `None` leaves it to the ASPSP.
    #[uniffi(default = None)]
    pub max_events: Option<u32>,
    /// `returnImmediately` sent with every poll; `None` leaves it out.
    #[uniffi(default = None)]
    pub return_immediately: Option<bool>,
    /// Wait between polls when the ASPSP reports no more SETs waiting.
    #[uniffi(default = 30000)]
    pub poll_interval_ms: u64,
    /// First backoff delay after a failed poll.
    #[uniffi(default = 1000)]
    pub backoff_base_ms: u64,
    /// Longest backoff delay.
    #[uniffi(default = 300000)]
    pub backoff_cap_ms: u64,
    /// How backoff delays are randomised; `None` = `Equal`.
    #[uniffi(default = None)]
    pub backoff_jitter: Option<BackoffJitter>,
    /// Longest `Retry-After` honoured.
    #[uniffi(default = 3600000)]
    pub retry_after_cap_ms: u64,
    /// How long processed `jti`s are remembered.
    #[uniffi(default = 604800000)]
    pub dedup_window_ms: u64,
    /// How many processed `jti`s are remembered at most.
    #[uniffi(default = 10000)]
    pub dedup_capacity: u32,
    /// Most SETs delivered and not yet acknowledged or rejected.
    #[uniffi(default = 1000)]
    pub max_unsettled: u32,
    /// `setErrs` vocabulary; `None` = OBIE.
    #[uniffi(default = None)]
    pub vocabulary: Option<SetErrVocabulary>,
    /// 32 bytes seeding the backoff jitter; `None` draws them from the OS.
    #[uniffi(default = None)]
    pub jitter_seed: Option<Vec<u8>>,
}

fn core_config(c: &ReceiverConfig) -> Result<CoreConfig, SetpollError> {
    let set = JwkSet::from_json(c.jwks_json.as_bytes())?;
    let mut cfg = CoreConfig::new(c.issuer.clone(), c.client_id.clone(), Keyring::new(&set)?);
    cfg.policy.max_skew_secs = c.max_skew_secs;
    cfg.max_events = c.max_events;
    cfg.return_immediately = c.return_immediately;
    cfg.poll_interval = Duration::from_millis(c.poll_interval_ms);
    cfg.backoff = Backoff {
        base: Duration::from_millis(c.backoff_base_ms),
        cap: Duration::from_millis(c.backoff_cap_ms),
        jitter: match c.backoff_jitter {
            Some(BackoffJitter::None) => Jitter::None,
            Some(BackoffJitter::Full) => Jitter::Full,
            None | Some(BackoffJitter::Equal) => Jitter::Equal,
        },
        retry_after_cap: Duration::from_millis(c.retry_after_cap_ms),
    };
    cfg.dedup = DedupConfig {
        window: Duration::from_millis(c.dedup_window_ms),
        capacity: usize::try_from(c.dedup_capacity).unwrap_or(usize::MAX),
    };
    cfg.max_unsettled = usize::try_from(c.max_unsettled).unwrap_or(usize::MAX);
    cfg.vocabulary = match c.vocabulary {
        None | Some(SetErrVocabulary::Obie) => Vocabulary::Obie,
        Some(SetErrVocabulary::Rfc8935) => Vocabulary::Rfc8935,
    };
    Ok(cfg)
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
#[derive(Copy, Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ReceiverRequestKind {
    /// A poll: fetch SETs, report acks and errors.
    Poll,
    /// Only report acks and errors (`maxEvents: 0`, `returnImmediately: true`).
    AckOnly,
}

/// One `POST /events` to send.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReceiverRequest {
    /// Pass back to `handleResponse` or `handleFailure`.
    pub id: u64,
    /// Poll or acknowledgement flush.
    pub kind: ReceiverRequestKind,
    /// The exact JSON body to send (`Content-Type: application/json`).
    pub body: String,
}

/// A verified SET for the application; settle it with `ack` or `reject`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
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
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
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
#[derive(Copy, Clone, Debug, PartialEq, Eq, uniffi::Enum)]
pub enum ReceiverDuplicateOf {
    /// A SET already acknowledged: the ack is queued again.
    Acked,
    /// A SET already rejected: its `setErrs` entry is queued again.
    Rejected,
    /// A SET the application still processes: nothing is queued.
    InProcessing,
}

/// A SET received again within the dedup window.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct ReceiverDuplicate {
    /// Its `jti`.
    pub jti: String,
    /// What it duplicates.
    pub of: ReceiverDuplicateOf,
}

/// The result of a successful round trip.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
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
    pub acks_confirmed: u32,
    /// `setErrs` entries this round trip confirmed.
    pub set_errs_confirmed: u32,
    /// The code of the parse error when the answer was read entry by entry.
    pub salvaged: Option<String>,
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
            acks_confirmed: count(b.acks_confirmed),
            set_errs_confirmed: count(b.set_errs_confirmed),
            salvaged: b.salvaged.map(|e| e.code().to_owned()),
        }
    }
}

#[derive(Debug)]
struct Inner {
    rx: CoreReceiver,
    rng: ChaCha20Rng,
}

/// The receiver: a sans-IO poller that never loses an acknowledgement.
///
/// The run loop: `nextRequest(now)` -> POST its body -> `handleResponse`
/// (or `handleFailure` when no answer came) -> persist `takeState()` ->
/// hand `deliveries` to the application -> `ack`/`reject` each -> persist
/// `takeState()` again. On `Receiver` errors with code `not_due`, sleep
/// until `atMs`.
#[derive(Debug, uniffi::Object)]
pub struct Receiver {
    inner: Mutex<Inner>,
}

impl Receiver {
    fn lock(&self) -> Result<MutexGuard<'_, Inner>, SetpollError> {
        self.inner
            .lock()
            .map_err(|_| SetpollError::argument("poisoned", "a previous call failed mid-way"))
    }

    fn respond(
        &self,
        id: u64,
        status: u16,
        body: &[u8],
        now_ms: i64,
        retry_after: Option<&str>,
    ) -> Result<ReceiverBatch, SetpollError> {
        let now = timestamp(now_ms)?;
        let mut response = HttpResponse::new(status, body);
        if let Some(v) = retry_after {
            response = response.with_retry_after(v);
        }
        let mut guard = self.lock()?;
        let Inner { rx, rng } = &mut *guard;
        Ok(rx
            .handle_response(RequestId(id), response, now, rng)?
            .into())
    }

    fn build(config: &ReceiverConfig) -> Result<Inner, SetpollError> {
        let rng = jitter_rng(config.jitter_seed.as_deref())?;
        let rx = CoreReceiver::new(core_config(config)?)?;
        Ok(Inner { rx, rng })
    }
}

#[uniffi::export]
impl Receiver {
    /// A fresh receiver.
    ///
    /// # Errors
    /// `Key` for a malformed JWK Set, `Receiver` for an invalid
    /// configuration, `Argument(bad_seed)` for a seed that is not 32 bytes.
    #[uniffi::constructor]
    pub fn new(config: ReceiverConfig) -> Result<Arc<Self>, SetpollError> {
        Ok(Arc::new(Receiver {
            inner: Mutex::new(Self::build(&config)?),
        }))
    }

    /// A receiver resumed from a state saved with `takeState`/`stateJson`.
    /// Hand `unsettled()` to the application again afterwards.
    ///
    /// # Errors
    /// As [`new`](Self::new), and `Receiver` for a malformed state.
    #[uniffi::constructor]
    pub fn restore(config: ReceiverConfig, state_json: String) -> Result<Arc<Self>, SetpollError> {
        let mut inner = Self::build(&config)?;
        inner.rx.restore(ReceiverState::from_json(&state_json)?)?;
        Ok(Arc::new(Receiver {
            inner: Mutex::new(inner),
        }))
    }

    /// The next request to send at `nowMs`.
    ///
    /// # Errors
    /// `Receiver` with code `not_due` (sleep until `atMs`), `backpressure`
    /// (settle deliveries first) or `request_in_flight`.
    pub fn next_request(&self, now_ms: i64) -> Result<ReceiverRequest, SetpollError> {
        let now = timestamp(now_ms)?;
        let req = self.lock()?.rx.next_request(now)?;
        Ok(ReceiverRequest {
            id: req.id.0,
            kind: match req.kind {
                RequestKind::AckOnly => ReceiverRequestKind::AckOnly,
                _ => ReceiverRequestKind::Poll,
            },
            body: req.body,
        })
    }

    /// The HTTP answer to request `id`: any status, the body, and the
    /// `Retry-After` header if there was one.
    ///
    /// # Errors
    /// `Receiver` with `pollFailure = true` for a failed round trip (already
    /// recorded: log it and carry on), or `unknown_request`.
    #[uniffi::method(default(retry_after = None))]
    pub fn handle_response(
        &self,
        id: u64,
        status: u16,
        body: String,
        now_ms: i64,
        retry_after: Option<String>,
    ) -> Result<ReceiverBatch, SetpollError> {
        self.respond(id, status, body.as_bytes(), now_ms, retry_after.as_deref())
    }

    /// [`handle_response`](Self::handle_response) with the body as the
    /// bytes received (`ByteArray` / `Data`, e.g. what `URLSession` returns):
    /// a body that is not UTF-8 is a `malformed_response` poll failure, as
    /// the core reads it.
    ///
    /// # Errors
    /// As [`handle_response`](Self::handle_response).
    #[uniffi::method(default(retry_after = None))]
    pub fn handle_response_bytes(
        &self,
        id: u64,
        status: u16,
        body: Vec<u8>,
        now_ms: i64,
        retry_after: Option<String>,
    ) -> Result<ReceiverBatch, SetpollError> {
        self.respond(id, status, &body, now_ms, retry_after.as_deref())
    }

    /// Request `id` got no HTTP answer. Returns when the next attempt is due.
    ///
    /// # Errors
    /// `Receiver(unknown_request)` when `id` is not in flight.
    pub fn handle_failure(&self, id: u64, now_ms: i64) -> Result<i64, SetpollError> {
        let now = timestamp(now_ms)?;
        let mut guard = self.lock()?;
        let Inner { rx, rng } = &mut *guard;
        Ok(to_host(rx.handle_failure(RequestId(id), now, rng)?))
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
        Ok(self
            .lock()?
            .rx
            .reject(&jti, SetErrCode::from_code(&err), &description)?)
    }

    /// When the next poll is due (ms since the epoch); `None` while a
    /// request is in flight.
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn next_poll_at(&self) -> Result<Option<i64>, SetpollError> {
        let at = self.lock()?.rx.next_poll_at();
        Ok((at != Timestamp::MAX).then(|| to_host(at)))
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
    pub fn state_json(&self) -> Result<String, SetpollError> {
        Ok(self.lock()?.rx.state().to_json())
    }

    /// The SETs delivered and not yet settled (after `restore`: hand them over again).
    ///
    /// # Errors
    /// Never in practice (a poisoned lock).
    pub fn unsettled(&self) -> Result<Vec<ReceiverDelivery>, SetpollError> {
        Ok(self
            .lock()?
            .rx
            .unsettled()
            .into_iter()
            .map(Into::into)
            .collect())
    }

    /// Replace the ASPSP's JWK Set (after a key rotation).
    ///
    /// # Errors
    /// `Key` for a malformed JWK Set.
    pub fn set_jwks(&self, jwks_json: String) -> Result<(), SetpollError> {
        let set = JwkSet::from_json(jwks_json.as_bytes())?;
        let keys = Keyring::new(&set)?;
        self.lock()?.rx.set_keys(keys);
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
