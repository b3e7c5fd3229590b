//! The transmitter (ASPSP side): `setpoll_host::{MemoryTransmitter, StorageTransmitter}`.

use std::sync::Arc;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::error::OrThrow;
use crate::guard::{
    bytes, flag, int, int32, opt_data, opt_int, opt_text, out, present, text, JsResult,
};
use crate::num;

fn config(v: Option<JsValue>) -> JsResult<host::TransmitterConfig> {
    Ok(opt_data(v, "config")?.unwrap_or_default())
}

/// `(client, nowMs, interactionId)` of a poll.
fn poll_args(
    client: &JsValue,
    now_ms: &JsValue,
    interaction_id: Option<JsValue>,
) -> JsResult<(String, i64, String)> {
    Ok((
        text(client, "client")?,
        int(now_ms, "nowMs")?,
        opt_text(interaction_id, "interactionId")?.unwrap_or_default(),
    ))
}

/// A long poll to hold open: resume it when `enqueue` names its client or at
/// `untilMs()`, whichever comes first.
#[wasm_bindgen]
pub struct PollWait(Arc<host::PollWait>);

getters! {
    impl PollWait {
        #[doc = "The waiting client."]
        client: fn client -> String;
        #[doc = "The request the resume will use (`ack`/`setErrs` already applied), canonical JSON."]
        requestJson: fn request_json -> String;
        #[doc = "When to answer at the latest (ms since the epoch)."]
        untilMs: fn until_ms -> f64 = num;
    }
}

/// The answer to one `POST /events`: `responseJson` (send it) or `wait`.
#[wasm_bindgen]
pub struct PollAnswer(host::PollAnswer);

#[wasm_bindgen]
impl PollAnswer {
    /// The response body, when answering now.
    #[wasm_bindgen(getter, js_name = responseJson)]
    #[must_use]
    pub fn response_json(&self) -> Option<String> {
        self.0.response_json.clone()
    }
    /// The long poll to hold, when not.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn wait(&self) -> Option<PollWait> {
        self.0.wait.clone().map(PollWait)
    }
    /// How many durable changes the poll made.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn changes(&self) -> i32 {
        self.0.changes
    }
    /// Those changes, JSON array text: persist them before answering.
    #[wasm_bindgen(getter, js_name = changesJson)]
    #[must_use]
    pub fn changes_json(&self) -> String {
        self.0.changes_json.clone()
    }
}

/// The transmitter with its queue in memory (embedded use, tests, demos).
#[wasm_bindgen]
pub struct MemoryTransmitter(Arc<host::MemoryTransmitter>);

#[wasm_bindgen]
impl MemoryTransmitter {
    /// A transmitter with `config` (absent fields: the core's defaults).
    ///
    /// # Errors
    /// `TransmitterError` when the configuration is inconsistent.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "TransmitterConfig")] config: Option<
            JsValue,
        >,
    ) -> JsResult<MemoryTransmitter> {
        host::MemoryTransmitter::new(self::config(config)?)
            .or_throw()
            .map(MemoryTransmitter)
    }

    /// A transmitter holding `recordsJson` (a JSON array of records).
    ///
    /// # Errors
    /// `TransmitterError` for conflicting records, `ArgumentError` (`bad_json`).
    #[wasm_bindgen(js_name = fromRecords)]
    pub fn from_records(
        #[wasm_bindgen(unchecked_param_type = "TransmitterConfig")] config: JsValue,
        #[wasm_bindgen(js_name = recordsJson, unchecked_param_type = "string")]
        records_json: JsValue,
    ) -> JsResult<MemoryTransmitter> {
        let (config, records) = (
            self::config(Some(config))?,
            text(&records_json, "recordsJson")?,
        );
        host::MemoryTransmitter::from_records(config, records)
            .or_throw()
            .map(MemoryTransmitter)
    }

    /// Queue a signed SET for the client named in its `aud`.
    ///
    /// # Errors
    /// `TransmitterError` when the token cannot be queued.
    #[wasm_bindgen(unchecked_return_type = "EnqueueResult")]
    pub fn enqueue(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let (token, now) = (text(&token, "token")?, int(&now_ms, "nowMs")?);
        out(&self.0.enqueue(token, now).or_throw()?)
    }

    /// Handle `POST /events` from an authenticated `client`.
    ///
    /// # Errors
    /// `RequestError` (whose `errorResponse` is the 400 body) for a bad body.
    #[wasm_bindgen(js_name = handlePoll)]
    pub fn handle_poll(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] client: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(js_name = interactionId, unchecked_optional_param_type = "string")]
        interaction_id: Option<JsValue>,
    ) -> JsResult<PollAnswer> {
        let body = text(&body, "body")?;
        let (client, now, id) = poll_args(&client, &now_ms, interaction_id)?;
        self.0
            .handle_poll(client, body, now, id)
            .or_throw()
            .map(PollAnswer)
    }

    /// [`handle_poll`](Self::handle_poll) with the body as bytes.
    ///
    /// # Errors
    /// As [`handle_poll`](Self::handle_poll).
    #[wasm_bindgen(js_name = handlePollBytes)]
    pub fn handle_poll_bytes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] client: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] body: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(js_name = interactionId, unchecked_optional_param_type = "string")]
        interaction_id: Option<JsValue>,
    ) -> JsResult<PollAnswer> {
        let body = bytes(&body, "body")?;
        let (client, now, id) = poll_args(&client, &now_ms, interaction_id)?;
        self.0
            .handle_poll_bytes(client, body, now, id)
            .or_throw()
            .map(PollAnswer)
    }

    /// Resume a held long poll.
    ///
    /// # Errors
    /// `ArgumentError` for a bad time.
    pub fn resume(
        &self,
        wait: &PollWait,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<PollAnswer> {
        let now = int(&now_ms, "nowMs")?;
        self.0
            .resume(Arc::clone(&wait.0), now)
            .or_throw()
            .map(PollAnswer)
    }

    /// Expire, redeliver and dead-letter what is due (at most `budget`,
    /// default 1000); `more` while more remains.
    ///
    /// # Errors
    /// `ArgumentError` for a bad time or budget.
    #[wasm_bindgen(unchecked_return_type = "SweepResult")]
    pub fn sweep(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "number")] budget: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let now = int(&now_ms, "nowMs")?;
        let budget = present(budget).map_or(Ok(1000), |b| int32(&b, "budget"))?;
        out(&self.0.sweep(now, budget).or_throw()?)
    }

    /// Every record, JSON array text, ordered by client and seq.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(js_name = recordsJson)]
    pub fn records_json(&self) -> JsResult<String> {
        self.0.records_json().or_throw()
    }

    /// How many SETs the queue holds.
    ///
    /// # Errors
    /// Never in practice.
    pub fn size(&self) -> JsResult<f64> {
        self.0.size().or_throw().map(num)
    }
}

/// Enqueue step 1 of a `StorageTransmitter`: the record to load.
#[wasm_bindgen]
pub struct EnqueuePlan(Arc<host::EnqueuePlan>);

getters! {
    impl EnqueuePlan {
        #[doc = "The recipient (the token's single `aud`)."]
        client: fn client -> String;
        #[doc = "The token's `jti`."]
        jti: fn jti -> String;
    }
}

/// Poll (or resume) step 1 of a `StorageTransmitter`: the rows to load.
#[wasm_bindgen]
pub struct PollPlan(Arc<host::PollPlan>);

getters! {
    impl PollPlan {
        #[doc = "The polling client."]
        client: fn client -> String;
        #[doc = "Load this client's records with these `jti`s, whatever their state."]
        named: fn named -> Vec<String>;
    }
}

#[wasm_bindgen]
impl PollPlan {
    /// The deliverable records to load.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "DeliverableQuery")]
    pub fn deliverable(&self) -> JsResult<JsValue> {
        out(&self.0.deliverable())
    }
}

/// Sweep step 1 of a `StorageTransmitter`: the bounds of the sweep queries.
#[wasm_bindgen]
pub struct SweepPlan(Arc<host::SweepPlan>);

getters! {
    impl SweepPlan {
        #[doc = "Rows to load per query at most."]
        limit: fn limit -> i32;
        #[doc = "`attempts >= maxAttempts` selects exhausted SETs."]
        maxAttempts: fn max_attempts -> i32;
        #[doc = "The time of the sweep (ms since the epoch)."]
        nowMs: fn now_ms -> f64 = num;
    }
}

/// The transmitter rules without storage, for a host that keeps the queue in
/// its own database: `plan*` (what to load), the host's load, `decide*`
/// (the changes to commit, then what to answer).
#[wasm_bindgen]
pub struct StorageTransmitter(host::StorageTransmitter);

#[wasm_bindgen]
impl StorageTransmitter {
    /// The rules over `config` (absent fields: the core's defaults).
    ///
    /// # Errors
    /// `TransmitterError` when the configuration is inconsistent.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_optional_param_type = "TransmitterConfig")] config: Option<
            JsValue,
        >,
    ) -> JsResult<StorageTransmitter> {
        host::StorageTransmitter::new(self::config(config)?)
            .or_throw()
            .map(StorageTransmitter)
    }

    /// The configuration in force, every field set.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "TransmitterConfig")]
    pub fn config(&self) -> JsResult<JsValue> {
        out(&self.0.config())
    }

    /// Enqueue step 1: the token's recipient and `jti`.
    ///
    /// # Errors
    /// `TransmitterError` when the token cannot be queued.
    #[wasm_bindgen(js_name = planEnqueue)]
    pub fn plan_enqueue(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<EnqueuePlan> {
        let (token, now) = (text(&token, "token")?, int(&now_ms, "nowMs")?);
        self.0.plan_enqueue(token, now).or_throw().map(EnqueuePlan)
    }

    /// Enqueue step 3: given the existing record (JSON object text, or
    /// absent) and the client's highest `seq` (absent for none).
    ///
    /// # Errors
    /// `TransmitterError` (`load_mismatch`, `seq_exhausted`), `ArgumentError` (`bad_json`).
    #[wasm_bindgen(js_name = decideEnqueue, unchecked_return_type = "EnqueueResult")]
    pub fn decide_enqueue(
        &self,
        plan: &EnqueuePlan,
        #[wasm_bindgen(js_name = existingRecordJson, unchecked_optional_param_type = "string")]
        existing_record_json: Option<JsValue>,
        #[wasm_bindgen(js_name = newestSeq, unchecked_optional_param_type = "number")]
        newest_seq: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let existing = opt_text(existing_record_json, "existingRecordJson")?;
        let seq = opt_int(newest_seq, "newestSeq")?;
        out(&self
            .0
            .decide_enqueue(Arc::clone(&plan.0), existing, seq)
            .or_throw()?)
    }

    /// Poll step 1: parse `body` (once) and say which rows to load.
    ///
    /// # Errors
    /// `RequestError` (whose `errorResponse` is the 400 body) for a bad body.
    #[wasm_bindgen(js_name = planPoll)]
    pub fn plan_poll(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] client: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(js_name = interactionId, unchecked_optional_param_type = "string")]
        interaction_id: Option<JsValue>,
    ) -> JsResult<PollPlan> {
        let body = text(&body, "body")?;
        let (client, now, id) = poll_args(&client, &now_ms, interaction_id)?;
        self.0
            .plan_poll(client, body, now, id)
            .or_throw()
            .map(PollPlan)
    }

    /// [`plan_poll`](Self::plan_poll) with the body as bytes.
    ///
    /// # Errors
    /// As [`plan_poll`](Self::plan_poll).
    #[wasm_bindgen(js_name = planPollBytes)]
    pub fn plan_poll_bytes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] client: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] body: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(js_name = interactionId, unchecked_optional_param_type = "string")]
        interaction_id: Option<JsValue>,
    ) -> JsResult<PollPlan> {
        let body = bytes(&body, "body")?;
        let (client, now, id) = poll_args(&client, &now_ms, interaction_id)?;
        self.0
            .plan_poll_bytes(client, body, now, id)
            .or_throw()
            .map(PollPlan)
    }

    /// Resume step 1, for a held long poll.
    ///
    /// # Errors
    /// `ArgumentError` for a bad time.
    #[wasm_bindgen(js_name = planResume)]
    pub fn plan_resume(
        &self,
        wait: &PollWait,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<PollPlan> {
        let now = int(&now_ms, "nowMs")?;
        self.0
            .plan_resume(Arc::clone(&wait.0), now)
            .or_throw()
            .map(PollPlan)
    }

    /// Poll step 3: given the named and deliverable records (two JSON
    /// arrays), the changes to commit and the answer.
    ///
    /// # Errors
    /// `ArgumentError` (`bad_json`) for malformed records.
    #[wasm_bindgen(js_name = decidePoll)]
    pub fn decide_poll(
        &self,
        plan: &PollPlan,
        #[wasm_bindgen(js_name = namedRecordsJson, unchecked_param_type = "string")]
        named_records_json: JsValue,
        #[wasm_bindgen(js_name = deliverableRecordsJson, unchecked_param_type = "string")]
        deliverable_records_json: JsValue,
    ) -> JsResult<PollAnswer> {
        let named = text(&named_records_json, "namedRecordsJson")?;
        let deliverable = text(&deliverable_records_json, "deliverableRecordsJson")?;
        self.0
            .decide_poll(Arc::clone(&plan.0), named, deliverable)
            .or_throw()
            .map(PollAnswer)
    }

    /// Sweep step 1, for a call acting on at most `budget` due records.
    ///
    /// # Errors
    /// `ArgumentError` for a bad time or budget.
    #[wasm_bindgen(js_name = planSweep)]
    pub fn plan_sweep(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] budget: JsValue,
    ) -> JsResult<SweepPlan> {
        let (now, budget) = (int(&now_ms, "nowMs")?, int32(&budget, "budget")?);
        self.0.plan_sweep(now, budget).or_throw().map(SweepPlan)
    }

    /// Sweep step 3: the changes for the due rows (both queries' rows in one
    /// JSON array); `loadedFull` when either query returned `limit` rows.
    ///
    /// # Errors
    /// `ArgumentError` (`bad_json`) for malformed records.
    #[wasm_bindgen(js_name = decideSweep, unchecked_return_type = "SweepResult")]
    pub fn decide_sweep(
        &self,
        plan: &SweepPlan,
        #[wasm_bindgen(js_name = recordsJson, unchecked_param_type = "string")]
        records_json: JsValue,
        #[wasm_bindgen(js_name = loadedFull, unchecked_param_type = "boolean")]
        loaded_full: JsValue,
    ) -> JsResult<JsValue> {
        let (records, full) = (
            text(&records_json, "recordsJson")?,
            flag(&loaded_full, "loadedFull")?,
        );
        out(&self
            .0
            .decide_sweep(Arc::clone(&plan.0), records, full)
            .or_throw()?)
    }
}
