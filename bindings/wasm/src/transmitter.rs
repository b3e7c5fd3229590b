//! The transmitter (the bank's side of `POST /events`): [`MemoryQueue`] and
//! the storage-neutral [`Transmitter`] steps.
//!
//! Records and changes cross in the core's serde shape (`snake_case`
//! members, the columns of the SQL table in the core's TRANSMITTER.md), so a
//! host can store them as they are. Plans and waits are opaque handles: the
//! host reads what it needs from their getters and hands them back.

use serde::Serialize;
use setpoll_core::transmitter::{
    Change, EnqueueOutcome, EnqueuePlan, MemoryQueue as CoreQueue, PollDecision,
    PollOutcome as CoreOutcome, PollPlan as CorePlan, SetRecord, SweepOutcome,
    SweepPlan as CoreSweepPlan, Transmitter as CoreRules, Wait as CoreWait,
};
use setpoll_core::wire::EventPolling;
use wasm_bindgen::prelude::*;

use crate::convert::{self, request_to_value, response_to_value, TransmitterConfigJs};
use crate::error::{js_error, InputError, RequestFailure};
use crate::js::{from_js, from_js_or_default, to_js};

#[wasm_bindgen(typescript_custom_section)]
const TS_TRANSMITTER: &'static str = r#"
/** Transmitter settings; every member is optional (defaults in the core's TRANSMITTER.md). */
export interface TransmitterConfig {
  /** Where OBIE and RFC 8936 differ (default `"obie"`). */
  profile?: "obie" | "rfc8936";
  /** Batch when `maxEvents` is absent (default 100). */
  defaultMaxEvents?: number;
  /** Most SETs per response (default 1000). */
  maxEventsLimit?: number;
  /** A delivered, unacknowledged SET is delivered again after this (default 10 min). */
  visibilityTimeoutMs?: number;
  /** Deliveries per SET before it is dead-lettered (default 10). */
  maxAttempts?: number;
  /** An unacknowledged SET expires this long after enqueue (default 7 days). */
  retentionMs?: number;
  /** A dead letter is purged this long after it died (default 30 days). */
  deadLetterRetentionMs?: number;
  /** Longest a long poll waits; absent or `null` = long polling off. */
  longPollMaxWaitMs?: number | null;
  /** What a `setErrs` report does (default `"dead_letter"`). */
  onSetErr?: "dead_letter" | "redeliver";
  /** `"deliver_once"`: delete each SET when delivered (default `"at_least_once"`). */
  delivery?: "at_least_once" | "deliver_once";
}

/** Why a SET failed, as recorded. */
export type SetFailure = {
  reason: { kind: "set_err"; err: string; description: string } | { kind: "max_attempts"; attempts: number };
  /** When it was recorded, ms. */
  at: number;
};

/** One queued SET: the row a database host stores (times in ms). */
export interface SetRecord {
  seq: number;
  client: string;
  jti: string;
  token: string;
  state: "pending" | "delivered" | "dead_letter";
  attempts: number;
  visible_at: number;
  enqueued_at: number;
  expires_at: number;
  last_error: SetFailure | null;
}

/** One durable change; apply every change of a call, in order, in one transaction. */
export type Change =
  | ({ op: "insert" } & SetRecord)
  | { op: "update"; client: string; jti: string; seq: number; state: SetRecord["state"]; attempts: number; visible_at: number; expires_at: number; last_error: SetFailure | null }
  | { op: "delete"; client: string; jti: string; seq: number; reason: "acknowledged" | "delivered_once" | "expired" | "purged" };

/** What an enqueue decided: a new record, or the client already held this `jti`. */
export type EnqueueResult =
  | { outcome: "queued"; client: string; jti: string; seq: number;
      /** Persist these, then wake the long polls of `wake`. */
      changes: Change[]; wake: string }
  | { outcome: "already_queued"; client: string; jti: string; seq: number; state: SetRecord["state"];
      /** Whether the held token is byte-identical to the offered one (a reused `jti` is worth an alert). */
      sameToken: boolean; changes: []; wake: null };

/** What a sweep decided. */
export interface SweepResult {
  changes: Change[];
  /** Call again soon: the pass did not finish. */
  more: boolean;
}

/** The query a database host runs for a poll's deliverable SETs. */
export interface DeliverableQuery {
  client: string;
  now: number;
  maxAttempts: number;
  exclude: string[];
  limit: number;
}
"#;

fn rules(config: Option<&JsValue>) -> Result<CoreRules, JsValue> {
    let config: TransmitterConfigJs = from_js_or_default(config, "transmitter config")?;
    let config = config.core().map_err(js_error)?;
    CoreRules::new(config).map_err(js_error)
}

/// Parse a `POST /events` body the way the configured profile reads it;
/// `error_id` is the `Id` of the `400` body when it is refused.
fn parse_body(
    rules: &CoreRules,
    body: &str,
    error_id: Option<String>,
) -> Result<EventPolling, JsValue> {
    EventPolling::parse(body.as_bytes(), &rules.config().request_options()).map_err(|error| {
        js_error(RequestFailure {
            error,
            id: error_id.unwrap_or_default(),
        })
    })
}

fn serde_to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    let value =
        serde_json::to_value(value).map_err(|e| js_error(InputError::Conversion(e.to_string())))?;
    to_js(&value)
}

fn enqueue_result(outcome: &EnqueueOutcome) -> Result<JsValue, JsValue> {
    let changes = serde_json::to_value(outcome.changes())
        .map_err(|e| js_error(InputError::Conversion(e.to_string())))?;
    let value = match outcome {
        EnqueueOutcome::Queued { record } => serde_json::json!({
            "outcome": "queued", "client": record.client, "jti": record.jti, "seq": record.seq,
            "changes": changes, "wake": outcome.wake(),
        }),
        EnqueueOutcome::AlreadyQueued {
            client,
            jti,
            seq,
            state,
            same_token,
        } => serde_json::json!({
            "outcome": "already_queued", "client": client, "jti": jti, "seq": seq,
            "state": state, "sameToken": same_token, "changes": changes, "wake": outcome.wake(),
        }),
        // `EnqueueOutcome` is non-exhaustive: a new kind must be mapped here.
        #[allow(unreachable_patterns)]
        _ => {
            return Err(js_error(InputError::Conversion(
                "unknown enqueue outcome".into(),
            )))
        }
    };
    to_js(&value)
}

fn sweep_result(outcome: &SweepOutcome) -> Result<JsValue, JsValue> {
    let changes = serde_json::to_value(&outcome.changes)
        .map_err(|e| js_error(InputError::Conversion(e.to_string())))?;
    to_js(&serde_json::json!({ "changes": changes, "more": outcome.more }))
}

fn records_from_js(records: &JsValue, what: &'static str) -> Result<Vec<SetRecord>, JsValue> {
    from_js(records, what)
}

/// A poll that has nothing to return yet: hold the request until its client
/// is woken ([`EnqueueResult`]`.wake`) or until `until`, then `resume` it.
#[wasm_bindgen]
pub struct Wait {
    inner: CoreWait,
}

#[wasm_bindgen]
impl Wait {
    /// The client whose enqueue should wake this request.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn client(&self) -> String {
        self.inner.client.clone()
    }

    /// The deadline, ms since the epoch: resume the request then at the latest.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn until(&self) -> f64 {
        convert::millis(self.inner.until)
    }

    /// The held request as canonical JSON (its `ack`/`setErrs` were already applied).
    #[wasm_bindgen(getter, js_name = requestJson)]
    #[must_use]
    pub fn request_json(&self) -> String {
        self.inner.request.to_json()
    }
}

/// What a poll decided: persist `changes`, **then** answer with
/// `responseJson` (HTTP 200) or hold the request (`wait`).
#[wasm_bindgen]
pub struct PollOutcome {
    inner: CoreOutcome,
}

#[wasm_bindgen]
impl PollOutcome {
    /// The durable changes, to commit in one transaction before answering.
    ///
    /// # Errors
    /// Only if a change cannot be converted to JS (never expected).
    #[wasm_bindgen(getter, unchecked_return_type = "Change[]")]
    pub fn changes(&self) -> Result<JsValue, JsValue> {
        serde_to_js(&self.inner.changes)
    }

    /// The response body (canonical `OBEventPollingResponse1`), unless waiting.
    #[wasm_bindgen(getter, js_name = responseJson)]
    #[must_use]
    pub fn response_json(&self) -> Option<String> {
        self.inner.response().map(|r| r.to_json())
    }

    /// The response as an object, unless waiting.
    ///
    /// # Errors
    /// Only if it cannot be converted to JS (never expected).
    #[wasm_bindgen(getter, unchecked_return_type = "PollResponse | undefined")]
    pub fn response(&self) -> Result<JsValue, JsValue> {
        match self.inner.response() {
            Some(r) => to_js(&response_to_value(r)),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The wait, when the request is to be held (long polling).
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn wait(&self) -> Option<Wait> {
        match &self.inner.decision {
            PollDecision::Wait(w) => Some(Wait { inner: w.clone() }),
            _ => None,
        }
    }
}

/// The transmitter's queue held in memory (embedded use, tests, small banks).
///
/// Each call returns the changes it made; persist them for durability and
/// rebuild with `MemoryQueue.fromRecords` after a restart.
#[wasm_bindgen]
pub struct MemoryQueue {
    inner: CoreQueue,
}

#[wasm_bindgen]
impl MemoryQueue {
    /// An empty queue with the given settings (defaults for absent members).
    ///
    /// # Errors
    /// `ConfigError` for settings that cannot work; `InputError` for a
    /// config object of the wrong shape.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "TransmitterConfig")] config: Option<
            js_sys::Object,
        >,
    ) -> Result<MemoryQueue, JsValue> {
        let rules = rules(config.as_deref())?;
        Ok(MemoryQueue {
            inner: CoreQueue::from_records(rules, Vec::new()).map_err(js_error)?,
        })
    }

    /// A queue rebuilt from persisted records (in any order).
    ///
    /// # Errors
    /// `ApplyError` when records conflict; `ConfigError` / `InputError` as
    /// for the constructor.
    #[wasm_bindgen(js_name = fromRecords)]
    pub fn from_records(
        #[wasm_bindgen(unchecked_param_type = "TransmitterConfig | undefined")] config: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SetRecord[]")] records: JsValue,
    ) -> Result<MemoryQueue, JsValue> {
        let rules = rules(Some(&config))?;
        let records = records_from_js(&records, "records")?;
        Ok(MemoryQueue {
            inner: CoreQueue::from_records(rules, records).map_err(js_error)?,
        })
    }

    /// Enqueue a signed SET for the client named in its `aud`; call when the
    /// bank has an event to notify, then wake long polls of `wake`.
    ///
    /// # Errors
    /// `EnqueueError` for a token without a single audience or `jti`;
    /// `InputError` for a bad time.
    #[wasm_bindgen(unchecked_return_type = "EnqueueResult")]
    pub fn enqueue(&mut self, token: String, now: f64) -> Result<JsValue, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let outcome = self.inner.enqueue(token, now).map_err(js_error)?;
        enqueue_result(&outcome)
    }

    /// Handle `POST /events` from `client` (authenticated by the host) with
    /// its raw body, at `now`. Persist `changes`, then answer or wait.
    /// `errorId` (e.g. the x-fapi-interaction-id) goes into the `400` body.
    ///
    /// # Errors
    /// `RequestError` (with `errorResponseJson`, the `400` body) for a body
    /// the profile refuses (the queue is not touched); `InputError` for a bad time.
    pub fn poll(
        &mut self,
        client: &str,
        body: &str,
        now: f64,
        #[wasm_bindgen(js_name = errorId)] error_id: Option<String>,
    ) -> Result<PollOutcome, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let request = parse_body(self.inner.rules(), body, error_id)?;
        Ok(PollOutcome {
            inner: self.inner.poll(client, &request, now),
        })
    }

    /// Resume a held poll, when its client was woken or at `wait.until`.
    ///
    /// # Errors
    /// `InputError` for a bad time.
    pub fn resume(&mut self, wait: &Wait, now: f64) -> Result<PollOutcome, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        Ok(PollOutcome {
            inner: self.inner.resume(&wait.inner, now),
        })
    }

    /// Expire, dead-letter and purge, touching at most `budget` records;
    /// call periodically, and again soon while `more`.
    ///
    /// # Errors
    /// `InputError` for a bad time.
    #[wasm_bindgen(unchecked_return_type = "SweepResult")]
    pub fn sweep(&mut self, now: f64, budget: u32) -> Result<JsValue, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let budget = usize::try_from(budget).unwrap_or(usize::MAX);
        sweep_result(&self.inner.sweep(now, budget))
    }

    /// Apply a change (e.g. replaying a log of changes into a fresh queue).
    ///
    /// # Errors
    /// `ApplyError` when the change conflicts with the queue.
    pub fn apply(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Change")] change: JsValue,
    ) -> Result<(), JsValue> {
        let change: Change = from_js(&change, "change")?;
        self.inner.apply(&change).map_err(js_error)
    }

    /// Every record, ordered by client then `seq`.
    ///
    /// # Errors
    /// Only if a record cannot be converted to JS (never expected).
    #[wasm_bindgen(unchecked_return_type = "SetRecord[]")]
    pub fn records(&self) -> Result<JsValue, JsValue> {
        serde_to_js(&self.inner.records())
    }

    /// The record of `jti` in `client`'s queue, or `undefined`.
    ///
    /// # Errors
    /// Only if the record cannot be converted to JS (never expected).
    #[wasm_bindgen(unchecked_return_type = "SetRecord | undefined")]
    pub fn get(&self, client: &str, jti: &str) -> Result<JsValue, JsValue> {
        match self.inner.get(client, jti) {
            Some(r) => serde_to_js(&r),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// How many SETs are held (any state).
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn length(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }
}

/// Step handle of a storage-neutral enqueue (see [`Transmitter`]).
#[wasm_bindgen]
pub struct EnqueueStep {
    inner: EnqueuePlan,
}

#[wasm_bindgen]
impl EnqueueStep {
    /// Load the record with this client...
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn client(&self) -> String {
        self.inner.client.clone()
    }
    /// ...and this `jti` (if any), and the client's highest `seq`.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn jti(&self) -> String {
        self.inner.jti.clone()
    }
}

/// Step handle of a storage-neutral poll: the rows to load.
#[wasm_bindgen]
pub struct PollPlan {
    inner: CorePlan,
}

#[wasm_bindgen]
impl PollPlan {
    /// The polling client.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn client(&self) -> String {
        self.inner.client.clone()
    }

    /// Load the client's records with these `jti`s (named in `ack`/`setErrs`).
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn named(&self) -> Vec<String> {
        self.inner.named.clone()
    }

    /// Then load the deliverable records this query selects, oldest first.
    ///
    /// # Errors
    /// Only if the query cannot be converted to JS (never expected).
    #[wasm_bindgen(getter, unchecked_return_type = "DeliverableQuery")]
    pub fn deliverable(&self) -> Result<JsValue, JsValue> {
        let q = &self.inner.deliverable;
        to_js(&serde_json::json!({
            "client": q.client,
            "now": q.now.as_millis(),
            "maxAttempts": q.max_attempts,
            "exclude": q.exclude,
            "limit": q.limit,
        }))
    }

    /// The request being answered.
    ///
    /// # Errors
    /// Only if it cannot be converted to JS (never expected).
    #[wasm_bindgen(getter, unchecked_return_type = "PollRequest")]
    pub fn request(&self) -> Result<JsValue, JsValue> {
        to_js(&request_to_value(&self.inner.request))
    }
}

/// Step handle of a storage-neutral sweep.
#[wasm_bindgen]
pub struct SweepPlan {
    inner: CoreSweepPlan,
}

#[wasm_bindgen]
impl SweepPlan {
    /// Load up to this many rows that are expired, purgeable, or out of attempts.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn limit(&self) -> f64 {
        #[allow(clippy::cast_precision_loss)]
        let limit = self.inner.limit as f64;
        limit
    }
    /// The `attempts` bound rows are dead-lettered at.
    #[wasm_bindgen(getter, js_name = maxAttempts)]
    #[must_use]
    pub fn max_attempts(&self) -> u32 {
        self.inner.max_attempts
    }
    /// The time the sweep runs at, ms.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn now(&self) -> f64 {
        convert::millis(self.inner.now)
    }
}

/// The transmitter's rules for a database host: `plan*` says which rows to
/// load, the host loads them, `decide*` returns the decision and the changes
/// to commit (in one transaction, before answering).
#[wasm_bindgen]
pub struct Transmitter {
    inner: CoreRules,
}

#[wasm_bindgen]
impl Transmitter {
    /// The rules with the given settings (defaults for absent members).
    ///
    /// # Errors
    /// `ConfigError` / `InputError` as for `MemoryQueue`.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "TransmitterConfig")] config: Option<
            js_sys::Object,
        >,
    ) -> Result<Transmitter, JsValue> {
        Ok(Transmitter {
            inner: rules(config.as_deref())?,
        })
    }

    /// Enqueue, step 1: read the token's client and `jti`.
    ///
    /// # Errors
    /// `EnqueueError` for a token without a single audience or `jti`.
    #[wasm_bindgen(js_name = planEnqueue)]
    pub fn plan_enqueue(&self, token: String, now: f64) -> Result<EnqueueStep, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        Ok(EnqueueStep {
            inner: self.inner.plan_enqueue(token, now).map_err(js_error)?,
        })
    }

    /// Enqueue, step 3: decide given the record the client holds under this
    /// `jti` (or `null`) and the client's highest `seq` (or `null`).
    ///
    /// # Errors
    /// `EnqueueError` (`load_mismatch` when `existing` is another key's record).
    #[wasm_bindgen(js_name = decideEnqueue, unchecked_return_type = "EnqueueResult")]
    pub fn decide_enqueue(
        &self,
        plan: &EnqueueStep,
        #[wasm_bindgen(unchecked_param_type = "SetRecord | null")] existing: JsValue,
        newest_seq: Option<f64>,
    ) -> Result<JsValue, JsValue> {
        let existing: Option<SetRecord> = if existing.is_null() || existing.is_undefined() {
            None
        } else {
            Some(from_js(&existing, "existing record")?)
        };
        let newest_seq = newest_seq
            .map(|s| convert::seq(s).map_err(js_error))
            .transpose()?;
        let outcome = self
            .inner
            .decide_enqueue(plan.inner.clone(), existing.as_ref(), newest_seq)
            .map_err(js_error)?;
        enqueue_result(&outcome)
    }

    /// Poll, step 1: parse the body and say which rows to load.
    ///
    /// # Errors
    /// `RequestError` (with `errorResponseJson`) for a body the profile refuses.
    #[wasm_bindgen(js_name = planPoll)]
    pub fn plan_poll(
        &self,
        client: &str,
        body: &str,
        now: f64,
        #[wasm_bindgen(js_name = errorId)] error_id: Option<String>,
    ) -> Result<PollPlan, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let request = parse_body(&self.inner, body, error_id)?;
        Ok(PollPlan {
            inner: self.inner.plan_poll(client, &request, now),
        })
    }

    /// Resume a held poll, step 1 (then `decidePoll` as for a poll).
    ///
    /// # Errors
    /// `InputError` for a bad time.
    #[wasm_bindgen(js_name = planResume)]
    pub fn plan_resume(&self, wait: &Wait, now: f64) -> Result<PollPlan, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        Ok(PollPlan {
            inner: self.inner.plan_resume(&wait.inner, now),
        })
    }

    /// Poll, step 3: decide given the loaded rows.
    ///
    /// # Errors
    /// `InputError` for rows of the wrong shape.
    #[wasm_bindgen(js_name = decidePoll)]
    pub fn decide_poll(
        &self,
        plan: &PollPlan,
        #[wasm_bindgen(unchecked_param_type = "SetRecord[]")] named: JsValue,
        #[wasm_bindgen(unchecked_param_type = "SetRecord[]")] deliverable: JsValue,
    ) -> Result<PollOutcome, JsValue> {
        let named = records_from_js(&named, "named records")?;
        let deliverable = records_from_js(&deliverable, "deliverable records")?;
        Ok(PollOutcome {
            inner: self.inner.decide_poll(&plan.inner, named, deliverable),
        })
    }

    /// Sweep, step 1.
    ///
    /// # Errors
    /// `InputError` for a bad time.
    #[wasm_bindgen(js_name = planSweep)]
    pub fn plan_sweep(&self, now: f64, limit: u32) -> Result<SweepPlan, JsValue> {
        let now = convert::timestamp(now).map_err(js_error)?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        Ok(SweepPlan {
            inner: self.inner.plan_sweep(now, limit),
        })
    }

    /// Sweep, step 3: the changes for the loaded rows; `loadedFull` is
    /// whether a query returned `limit` rows.
    ///
    /// # Errors
    /// `InputError` for rows of the wrong shape.
    #[wasm_bindgen(js_name = decideSweep, unchecked_return_type = "SweepResult")]
    pub fn decide_sweep(
        &self,
        plan: &SweepPlan,
        #[wasm_bindgen(unchecked_param_type = "SetRecord[]")] records: JsValue,
        #[wasm_bindgen(js_name = loadedFull)] loaded_full: bool,
    ) -> Result<JsValue, JsValue> {
        let records = records_from_js(&records, "records")?;
        sweep_result(&self.inner.decide_sweep(&plan.inner, &records, loaded_full))
    }
}
