//! The transmitter (ASPSP side): `setpoll_host::{MemoryTransmitter, StorageTransmitter}`.

use std::sync::Arc;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::num;

classes! {
    #[doc = "A long poll to hold open: resume it when `enqueue` names its client or at"]
    #[doc = "`untilMs()`, whichever comes first."]
    PollWait(Arc<host::PollWait>);
    #[doc = "The answer to one `POST /events`: `responseJson` (send it) or `wait`."]
    PollAnswer(host::PollAnswer);
    #[doc = "The transmitter with its queue in memory (embedded use, tests, demos)."]
    MemoryTransmitter(Arc<host::MemoryTransmitter>);
    #[doc = "Enqueue step 1 of a `StorageTransmitter`: the record to load."]
    EnqueuePlan(Arc<host::EnqueuePlan>);
    #[doc = "Poll (or resume) step 1 of a `StorageTransmitter`: the rows to load."]
    PollPlan(Arc<host::PollPlan>);
    #[doc = "Sweep step 1 of a `StorageTransmitter`: the bounds of the sweep queries."]
    SweepPlan(Arc<host::SweepPlan>);
    #[doc = "The transmitter rules without storage, for a host that keeps the queue in"]
    #[doc = "its own database: `plan*` (what to load), the host's load, `decide*`"]
    #[doc = "(the changes to commit, then what to answer)."]
    StorageTransmitter(host::StorageTransmitter);
}

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

getters! {
    props PollAnswer {
        #[doc = "The response body, when answering now."]
        responseJson: response_json -> Option<String>;
        #[doc = "The long poll to hold, when not."]
        wait: wait -> Option<PollWait>;
        #[doc = "How many durable changes the poll made."]
        changes: changes -> i32;
        #[doc = "Those changes, JSON array text: persist them before answering."]
        changesJson: changes_json -> String;
    }
}

getters! {
    impl EnqueuePlan {
        #[doc = "The recipient (the token's single `aud`)."]
        client: fn client -> String;
        #[doc = "The token's `jti`."]
        jti: fn jti -> String;
    }
}

getters! {
    impl PollPlan {
        #[doc = "The polling client."]
        client: fn client -> String;
        #[doc = "Load this client's records with these `jti`s, whatever their state."]
        named: fn named -> Vec<String>;
    }
}

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

js! {
    impl PollPlan {
        #[doc = "The deliverable records to load."]
        #[wasm_bindgen(unchecked_return_type = "DeliverableQuery")]
        fn deliverable(&self) -> JsValue { self.0.deliverable() }
    }

    impl MemoryTransmitter {
        #[doc = "A transmitter with `config` (absent fields: the core's defaults)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`TransmitterError` when the configuration is inconsistent."]
        #[wasm_bindgen(constructor)]
        fn new(config?: "TransmitterConfig") -> MemoryTransmitter { host::MemoryTransmitter::new(config.unwrap_or_default()) }

        #[doc = "A transmitter holding `recordsJson` (a JSON array of records)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`TransmitterError` for conflicting records, `ArgumentError` (`bad_json`)."]
        #[wasm_bindgen(js_name = fromRecords)]
        fn from_records(config: "TransmitterConfig", recordsJson: "string") -> MemoryTransmitter {
            host::MemoryTransmitter::from_records(config, recordsJson)
        }

        #[doc = "Queue a signed SET for the client named in its `aud`."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`TransmitterError` when the token cannot be queued."]
        #[wasm_bindgen(unchecked_return_type = "EnqueueResult")]
        fn enqueue(&self, token: "string", nowMs: "number") -> JsValue { self.0.enqueue(token, nowMs) }

        #[doc = "Handle `POST /events` from an authenticated `client`."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`RequestError` (whose `errorResponse` is the 400 body) for a bad body."]
        #[wasm_bindgen(js_name = handlePoll)]
        fn handle_poll(&self, client: "string", body: "string", nowMs: "number", interactionId?: "string") -> PollAnswer {
            self.0.handle_poll(client, body, nowMs, interactionId.unwrap_or_default())
        }

        #[doc = "`handlePoll` with the body as bytes."]
        #[wasm_bindgen(js_name = handlePollBytes)]
        fn handle_poll_bytes(&self, client: "string", body: "Uint8Array", nowMs: "number", interactionId?: "string") -> PollAnswer {
            self.0.handle_poll_bytes(client, body, nowMs, interactionId.unwrap_or_default())
        }

        #[doc = "Resume a held long poll."]
        #[wasm_bindgen]
        fn resume(&self, wait: &PollWait, nowMs: "number") -> PollAnswer { self.0.resume(wait, nowMs) }

        #[doc = "Expire, redeliver and dead-letter what is due (at most `budget`,"]
        #[doc = "default 1000); `more` while more remains."]
        #[wasm_bindgen(unchecked_return_type = "SweepResult")]
        fn sweep(&self, nowMs: "number", budget?: "number") -> JsValue { self.0.sweep(nowMs, budget.unwrap_or(1000)) }

        #[doc = "Every record, JSON array text, ordered by client and seq."]
        #[wasm_bindgen(js_name = recordsJson)]
        fn records_json(&self) -> String { self.0.records_json() }

        #[doc = "How many SETs the queue holds."]
        #[wasm_bindgen]
        fn size(&self) -> f64 { self.0.size() }
    }

    impl StorageTransmitter {
        #[doc = "The rules over `config` (absent fields: the core's defaults)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`TransmitterError` when the configuration is inconsistent."]
        #[wasm_bindgen(constructor)]
        fn new(config?: "TransmitterConfig") -> StorageTransmitter { host::StorageTransmitter::new(config.unwrap_or_default()) }

        #[doc = "The configuration in force, every field set."]
        #[wasm_bindgen(unchecked_return_type = "TransmitterConfig")]
        fn config(&self) -> JsValue { self.0.config() }

        #[doc = "Enqueue step 1: the token's recipient and `jti`."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`TransmitterError` when the token cannot be queued."]
        #[wasm_bindgen(js_name = planEnqueue)]
        fn plan_enqueue(&self, token: "string", nowMs: "number") -> EnqueuePlan { self.0.plan_enqueue(token, nowMs) }

        #[doc = "Enqueue step 3: given the existing record (JSON object text, or"]
        #[doc = "absent) and the client's highest `seq` (absent for none)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`TransmitterError` (`load_mismatch`, `seq_exhausted`), `ArgumentError` (`bad_json`)."]
        #[wasm_bindgen(js_name = decideEnqueue, unchecked_return_type = "EnqueueResult")]
        fn decide_enqueue(&self, plan: &EnqueuePlan, existingRecordJson?: "string", newestSeq?: "number") -> JsValue {
            self.0.decide_enqueue(plan, existingRecordJson, newestSeq)
        }

        #[doc = "Poll step 1: parse `body` (once) and say which rows to load."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`RequestError` (whose `errorResponse` is the 400 body) for a bad body."]
        #[wasm_bindgen(js_name = planPoll)]
        fn plan_poll(&self, client: "string", body: "string", nowMs: "number", interactionId?: "string") -> PollPlan {
            self.0.plan_poll(client, body, nowMs, interactionId.unwrap_or_default())
        }

        #[doc = "`planPoll` with the body as bytes."]
        #[wasm_bindgen(js_name = planPollBytes)]
        fn plan_poll_bytes(&self, client: "string", body: "Uint8Array", nowMs: "number", interactionId?: "string") -> PollPlan {
            self.0.plan_poll_bytes(client, body, nowMs, interactionId.unwrap_or_default())
        }

        #[doc = "Resume step 1, for a held long poll."]
        #[wasm_bindgen(js_name = planResume)]
        fn plan_resume(&self, wait: &PollWait, nowMs: "number") -> PollPlan { self.0.plan_resume(wait, nowMs) }

        #[doc = "Poll step 3: given the named and deliverable records (two JSON"]
        #[doc = "arrays), the changes to commit and the answer."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ArgumentError` (`bad_json`) for malformed records."]
        #[wasm_bindgen(js_name = decidePoll)]
        fn decide_poll(&self, plan: &PollPlan, namedRecordsJson: "string", deliverableRecordsJson: "string") -> PollAnswer {
            self.0.decide_poll(plan, namedRecordsJson, deliverableRecordsJson)
        }

        #[doc = "Sweep step 1, for a call acting on at most `budget` due records."]
        #[wasm_bindgen(js_name = planSweep)]
        fn plan_sweep(&self, nowMs: "number", budget: "number") -> SweepPlan { self.0.plan_sweep(nowMs, budget) }

        #[doc = "Sweep step 3: the changes for the due rows (both queries' rows in one"]
        #[doc = "JSON array); `loadedFull` when either query returned `limit` rows."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ArgumentError` (`bad_json`) for malformed records."]
        #[wasm_bindgen(js_name = decideSweep, unchecked_return_type = "SweepResult")]
        fn decide_sweep(&self, plan: &SweepPlan, recordsJson: "string", loadedFull: "boolean") -> JsValue {
            self.0.decide_sweep(plan, recordsJson, loadedFull)
        }
    }
}

// The ASPSP side of the wire format: the strict request reader, the
// response writer and the OBIE answers.
js! {
    #[doc = "Parse and validate a `POST /events` body (the transmitter's strict reader)."]
    #[doc = "`rejectUnknownMembers` defaults to `true`, `interactionId` to `\"\"`."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`RequestError`, whose `errorResponse` (with `interactionId` as `Id`) is the 400 body."]
    #[wasm_bindgen(js_name = parseRequest, unchecked_return_type = "PollRequest")]
    fn parse_request(body: "string", rejectUnknownMembers?: "boolean", interactionId?: "string", limits?: "RequestLimits") -> JsValue {
        host::parse_request(body, rejectUnknownMembers.unwrap_or(true), interactionId.unwrap_or_default(), limits)
    }

    #[doc = "`parseRequest` with the body as the bytes received: a body that is not"]
    #[doc = "UTF-8 gets the core's `not_utf8` error and its 400 body."]
    #[wasm_bindgen(js_name = parseRequestBytes, unchecked_return_type = "PollRequest")]
    fn parse_request_bytes(body: "Uint8Array", rejectUnknownMembers?: "boolean", interactionId?: "string", limits?: "RequestLimits") -> JsValue {
        host::parse_request_bytes(body, rejectUnknownMembers.unwrap_or(true), interactionId.unwrap_or_default(), limits)
    }

    #[doc = "The canonical JSON text of a response (what an ASPSP answers)."]
    #[wasm_bindgen(js_name = responseToJson)]
    fn response_to_json(response: "PollResponse") -> String { host::response_to_json(response) }

    #[doc = "The status of a successful `POST /events` answer on `version`'s path:"]
    #[doc = "`201` for v3.1.2, `200` after."]
    #[wasm_bindgen(js_name = obieSuccessStatus)]
    fn obie_success_status(version: "ObieVersion") -> i32 { host::obie_success_status(version) }

    #[doc = "An `OBErrorResponse1` body with every `ErrorCode` in `version`'s vocabulary."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`ResponseError` when the body is not an `OBErrorResponse1`."]
    #[wasm_bindgen(js_name = obieErrorResponse)]
    fn obie_error_response(version: "ObieVersion", errorResponseJson: "string") -> String {
        host::obie_error_response(version, errorResponseJson)
    }

    #[doc = "The core's transmitter defaults, every field set."]
    #[wasm_bindgen(js_name = transmitterDefaults, unchecked_return_type = "TransmitterConfig")]
    fn transmitter_defaults() -> JsValue { host::transmitter_defaults() }
}
