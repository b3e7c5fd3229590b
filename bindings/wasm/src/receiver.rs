//! The receiver (the TPP side): a poller that builds each `POST /events`
//! body, digests each answer, verifies every SET and never loses an
//! acknowledgement. The host does the HTTP (e.g. `fetch`), the storage and
//! the clock; jitter randomness comes from `crypto.getRandomValues`.

use core::time::Duration;

use serde::Deserialize;
use setpoll_core::codes::Vocabulary;
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    Backoff, Batch, DedupConfig, DuplicateOf, HttpResponse, Jitter, Receiver as CoreReceiver,
    ReceiverConfig, ReceiverState, RequestId, RequestKind,
};
use setpoll_core::Timestamp;
use wasm_bindgen::prelude::*;

use crate::convert;
use crate::error::{js_error, InputError};
use crate::js::{from_js, to_js};

#[wasm_bindgen(typescript_custom_section)]
const TS_RECEIVER: &'static str = r#"
/** Receiver settings: who to expect SETs from and how to poll. */
export interface ReceiverConfig {
  /** The ASPSP's `iss`. */
  issuer: string;
  /** Your client id: the `aud` of your SETs. */
  clientId: string;
  /** The ASPSP's JWK Set (JSON text). */
  jwksJson: string;
  /** Clock-skew allowance for `iat`, seconds (default 300). */
  maxSkewSecs?: number;
  /** `maxEvents` of each poll; absent or `null` = the ASPSP's default. */
  maxEvents?: number | null;
  returnImmediately?: boolean | null;
  /** Pause between polls when nothing is pending (default 30 s). */
  pollIntervalMs?: number;
  backoff?: { baseMs?: number; capMs?: number; jitter?: "none" | "full" | "equal"; retryAfterCapMs?: number };
  dedup?: { windowMs?: number; capacity?: number };
  /** Most SETs handed out and not yet acked/rejected before polling pauses (default 1000). */
  maxUnsettled?: number;
  /** The `setErrs` vocabulary to report in (default `"obie"`). */
  vocabulary?: "obie" | "rfc8935";
}

/** The next `POST /events` to send. */
export interface OutgoingPoll {
  /** Pass it back to `handleResponse` / `handleFailure`. */
  id: number;
  kind: "poll" | "ack_only";
  /** The exact request body. */
  body: string;
}

/** A verified SET for the application: process it, then `ack` or `reject` it. */
export interface Delivery {
  jti: string;
  iss: string;
  eventTypes: string[];
  claims: SetClaims;
  claimsJson: string;
  token: string;
  deliveredAt: number;
}

/** What one answer brought. */
export interface Batch {
  deliveries: Delivery[];
  /** SETs that failed verification; `reported` is the `setErrs` entry the next poll sends. */
  rejections: { jti: string; code: string; reported: { err: string; description: string } | null }[];
  duplicates: { jti: string; of: "acked" | "rejected" | "in_processing" }[];
  moreAvailable: boolean;
  acksConfirmed: number;
  setErrsConfirmed: number;
  /** Code of a problem the lenient reader tolerated, or `null`. */
  salvaged: string | null;
}
"#;

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BackoffJs {
    base_ms: Option<u64>,
    cap_ms: Option<u64>,
    jitter: Option<String>,
    retry_after_cap_ms: Option<u64>,
}

#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct DedupJs {
    window_ms: Option<u64>,
    capacity: Option<usize>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigJs {
    issuer: String,
    client_id: String,
    jwks_json: String,
    max_skew_secs: Option<u64>,
    max_events: Option<u32>,
    return_immediately: Option<bool>,
    poll_interval_ms: Option<u64>,
    backoff: Option<BackoffJs>,
    dedup: Option<DedupJs>,
    max_unsettled: Option<usize>,
    vocabulary: Option<String>,
}

fn bad(what: &'static str, why: String) -> JsValue {
    js_error(InputError::Argument { what, why })
}

impl ConfigJs {
    fn core(self) -> Result<ReceiverConfig, JsValue> {
        let set = JwkSet::from_json(self.jwks_json.as_bytes()).map_err(js_error)?;
        let keys = Keyring::new(&set).map_err(js_error)?;
        let mut c = ReceiverConfig::new(self.issuer, self.client_id, keys);
        if let Some(s) = self.max_skew_secs {
            c.policy.max_skew_secs = s;
        }
        c.max_events = self.max_events;
        c.return_immediately = self.return_immediately;
        if let Some(ms) = self.poll_interval_ms {
            c.poll_interval = Duration::from_millis(ms);
        }
        let b = self.backoff.unwrap_or_default();
        let d = Backoff::default();
        c.backoff = Backoff {
            base: b.base_ms.map_or(d.base, Duration::from_millis),
            cap: b.cap_ms.map_or(d.cap, Duration::from_millis),
            jitter: match b.jitter.as_deref() {
                None => d.jitter,
                Some("none") => Jitter::None,
                Some("full") => Jitter::Full,
                Some("equal") => Jitter::Equal,
                Some(other) => {
                    return Err(bad("backoff.jitter", format!("unknown value {other:?}")))
                }
            },
            retry_after_cap: b
                .retry_after_cap_ms
                .map_or(d.retry_after_cap, Duration::from_millis),
        };
        let dd = self.dedup.unwrap_or_default();
        let dflt = DedupConfig::default();
        c.dedup = DedupConfig {
            window: dd.window_ms.map_or(dflt.window, Duration::from_millis),
            capacity: dd.capacity.unwrap_or(dflt.capacity),
        };
        if let Some(n) = self.max_unsettled {
            c.max_unsettled = n;
        }
        c.vocabulary = match self.vocabulary.as_deref() {
            None | Some("obie") => Vocabulary::Obie,
            Some("rfc8935") => Vocabulary::Rfc8935,
            Some(other) => return Err(bad("vocabulary", format!("unknown value {other:?}"))),
        };
        Ok(c)
    }
}

fn request_id(id: f64) -> Result<RequestId, JsValue> {
    convert::seq(id).map(RequestId).map_err(js_error)
}

fn duplicate_of(of: DuplicateOf) -> &'static str {
    match of {
        DuplicateOf::Acked => "acked",
        DuplicateOf::Rejected => "rejected",
        _ => "in_processing",
    }
}

fn batch_to_js(batch: &Batch) -> Result<JsValue, JsValue> {
    let deliveries: Vec<_> = batch
        .deliveries
        .iter()
        .map(|d| {
            let claims_json = d.claims.to_json();
            let claims: serde_json::Value =
                serde_json::from_str(&claims_json).unwrap_or(serde_json::Value::Null);
            serde_json::json!({
                "jti": d.jti, "iss": d.iss, "eventTypes": d.event_types, "claims": claims,
                "claimsJson": claims_json, "token": d.token, "deliveredAt": d.delivered_at.as_millis(),
            })
        })
        .collect();
    let rejections: Vec<_> = batch
        .rejections
        .iter()
        .map(|r| {
            serde_json::json!({
                "jti": r.jti,
                "code": r.reason.code(),
                "reported": r.reported.as_ref().map(|e| serde_json::json!({
                    "err": e.err.as_str(), "description": e.description,
                })),
            })
        })
        .collect();
    let duplicates: Vec<_> = batch
        .duplicates
        .iter()
        .map(|d| serde_json::json!({ "jti": d.jti, "of": duplicate_of(d.of) }))
        .collect();
    to_js(&serde_json::json!({
        "deliveries": deliveries,
        "rejections": rejections,
        "duplicates": duplicates,
        "moreAvailable": batch.more_available,
        "acksConfirmed": batch.acks_confirmed,
        "setErrsConfirmed": batch.set_errs_confirmed,
        "salvaged": batch.salvaged.as_ref().map(|e| e.code()),
    }))
}

/// The TPP's poller. Run loop: `nextRequest` → POST its `body` →
/// `handleResponse` (or `handleFailure`) → persist `takeStateJson()` →
/// hand `deliveries` to the application, which calls `ack` / `reject` for
/// each (persisting state with its own effects).
#[wasm_bindgen]
pub struct Receiver {
    inner: CoreReceiver,
}

#[wasm_bindgen]
impl Receiver {
    /// A receiver with no history (then `restore` a saved state, if any).
    ///
    /// # Errors
    /// `ReceiverConfigError`, `JwkError` or `InputError` for bad settings.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ReceiverConfig")] config: JsValue,
    ) -> Result<Receiver, JsValue> {
        let config = from_js::<ConfigJs>(&config, "receiver config")?.core()?;
        Ok(Receiver {
            inner: CoreReceiver::new(config).map_err(js_error)?,
        })
    }

    /// The next request to send, at `now` (ms).
    ///
    /// # Errors
    /// `ReceiverError`: `not_due` (with `at`, ms: sleep until then),
    /// `backpressure` (wait for acks), `request_in_flight`.
    #[wasm_bindgen(js_name = nextRequest, unchecked_return_type = "OutgoingPoll")]
    pub fn next_request(&mut self, now: f64) -> Result<JsValue, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let req = self.inner.next_request(now).map_err(js_error)?;
        let kind = match req.kind {
            RequestKind::Poll => "poll",
            _ => "ack_only",
        };
        to_js(&serde_json::json!({ "id": req.id.0, "kind": kind, "body": req.body }))
    }

    /// Digest the HTTP answer to request `id`: status, body text, and the
    /// `Retry-After` header (or `null`).
    ///
    /// # Errors
    /// `ReceiverError` for a failed poll (throttled, server error, ...: the
    /// schedule already backs off) or an unknown `id`.
    #[wasm_bindgen(js_name = handleResponse, unchecked_return_type = "Batch")]
    pub fn handle_response(
        &mut self,
        id: f64,
        status: u16,
        body: &str,
        #[wasm_bindgen(js_name = retryAfter)] retry_after: Option<String>,
        now: f64,
    ) -> Result<JsValue, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let mut response = HttpResponse::new(status, body);
        if let Some(value) = retry_after.as_deref() {
            response = response.with_retry_after(value);
        }
        let batch = self
            .inner
            .handle_response(request_id(id)?, response, now, &mut rand_core::OsRng)
            .map_err(js_error)?;
        batch_to_js(&batch)
    }

    /// Request `id` got no answer (network error, timeout); returns when
    /// the next attempt is due (ms).
    ///
    /// # Errors
    /// `ReceiverError` for an unknown `id`.
    #[wasm_bindgen(js_name = handleFailure)]
    pub fn handle_failure(&mut self, id: f64, now: f64) -> Result<f64, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let at = self
            .inner
            .handle_failure(request_id(id)?, now, &mut rand_core::OsRng)
            .map_err(js_error)?;
        Ok(convert::millis(at))
    }

    /// The application processed `jti`: acknowledge it in the next request.
    ///
    /// # Errors
    /// `ReceiverError` for an unknown or already settled `jti`.
    pub fn ack(&mut self, jti: &str) -> Result<(), JsValue> {
        self.inner.ack(jti).map_err(js_error)
    }

    /// The application could not process `jti`: report it in `setErrs`.
    ///
    /// # Errors
    /// `ReceiverError` for an unknown `jti` or an invalid `err`.
    pub fn reject(&mut self, jti: &str, err: &str, description: &str) -> Result<(), JsValue> {
        self.inner
            .reject(
                jti,
                setpoll_core::codes::SetErrCode::from_code(err),
                description,
            )
            .map_err(js_error)
    }

    /// When the next poll is due (ms), or `null` when nothing is scheduled
    /// until something changes.
    #[wasm_bindgen(js_name = nextPollAt)]
    #[must_use]
    pub fn next_poll_at(&self) -> Option<f64> {
        let at = self.inner.next_poll_at();
        (at != Timestamp::MAX).then(|| convert::millis(at))
    }

    /// The whole state as JSON text, to persist.
    #[wasm_bindgen(js_name = stateJson)]
    #[must_use]
    pub fn state_json(&self) -> String {
        self.inner.state().to_json()
    }

    /// The state as JSON text if it changed since last taken, else `undefined`.
    #[wasm_bindgen(js_name = takeStateJson)]
    pub fn take_state_json(&mut self) -> Option<String> {
        self.inner.take_state().map(|s| s.to_json())
    }

    /// Restore a state saved with `stateJson` (after a restart).
    ///
    /// # Errors
    /// `StateError` for a state that is not valid.
    pub fn restore(&mut self, state: &str) -> Result<(), JsValue> {
        let state = ReceiverState::from_json(state).map_err(js_error)?;
        self.inner.restore(state).map_err(js_error)
    }

    /// SETs handed out but not yet acked or rejected (after a restore: hand
    /// them to the application again).
    ///
    /// # Errors
    /// Only if they cannot be converted to JS (never expected).
    #[wasm_bindgen(unchecked_return_type = "Delivery[]")]
    pub fn unsettled(&self) -> Result<JsValue, JsValue> {
        let deliveries: Vec<_> = self
            .inner
            .unsettled()
            .iter()
            .map(|d| {
                let claims_json = d.claims.to_json();
                let claims: serde_json::Value =
                    serde_json::from_str(&claims_json).unwrap_or(serde_json::Value::Null);
                serde_json::json!({
                    "jti": d.jti, "iss": d.iss, "eventTypes": d.event_types, "claims": claims,
                    "claimsJson": claims_json, "token": d.token,
                    "deliveredAt": d.delivered_at.as_millis(),
                })
            })
            .collect();
        to_js(&serde_json::Value::Array(deliveries))
    }
}
