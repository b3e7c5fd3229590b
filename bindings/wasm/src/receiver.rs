//! The receiver (TPP side): `setpoll_host::Receiver`.

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::error::OrThrow;
use crate::guard::{bytes, data, int, int32, opt_text, out, outs, text, JsResult};
use crate::num;

/// `(id, status, nowMs, retryAfter)` of an answer.
fn answer_args(
    id: &JsValue,
    status: &JsValue,
    now_ms: &JsValue,
    retry_after: Option<JsValue>,
) -> JsResult<(i64, i32, i64, Option<String>)> {
    Ok((
        int(id, "id")?,
        int32(status, "status")?,
        int(now_ms, "nowMs")?,
        opt_text(retry_after, "retryAfter")?,
    ))
}

/// The receiver: a sans-IO poller that never loses an acknowledgement.
///
/// The run loop: `nextRequest(now)` gives the request to send, or
/// `undefined` when nothing is due (sleep until `pollTimeout()`). POST its
/// body, then `handleResponse` (or `handleFailure` when no answer came);
/// persist `takeState()`; hand `deliveries` over; `ack`/`reject` each.
/// A failed round trip is the batch's `failure`, not an exception.
#[wasm_bindgen]
pub struct Receiver(pub(crate) host::Receiver);

#[wasm_bindgen]
impl Receiver {
    /// A fresh receiver.
    ///
    /// # Errors
    /// `KeyError` for a malformed JWK Set, `ReceiverError` for an invalid
    /// configuration, `ArgumentError` (`bad_seed`).
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "ReceiverConfig")] config: JsValue,
    ) -> JsResult<Receiver> {
        host::Receiver::new(data(&config, "config")?)
            .or_throw()
            .map(Receiver)
    }

    /// A receiver resumed from a state saved with `takeState`/`state`.
    ///
    /// # Errors
    /// As the constructor, and `ReceiverError` for a malformed state.
    pub fn restore(
        #[wasm_bindgen(unchecked_param_type = "ReceiverConfig")] config: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] state: JsValue,
    ) -> JsResult<Receiver> {
        let (config, state) = (data(&config, "config")?, text(&state, "state")?);
        host::Receiver::restore(config, state)
            .or_throw()
            .map(Receiver)
    }

    /// The configuration in force, every field set.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "ReceiverConfig")]
    pub fn config(&self) -> JsResult<JsValue> {
        out(&self.0.config().or_throw()?)
    }

    /// When the next request is due (ms since the epoch); `undefined` while
    /// a request is in flight or the application holds `maxUnsettled` SETs.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(js_name = pollTimeout)]
    pub fn poll_timeout(&self) -> JsResult<Option<f64>> {
        Ok(self.0.poll_timeout().or_throw()?.map(num))
    }

    /// The request to send at `nowMs`, or `undefined` when none is due.
    ///
    /// # Errors
    /// `ReceiverError` (`request_in_flight`) while a request awaits its answer.
    #[wasm_bindgen(js_name = nextRequest, unchecked_return_type = "ReceiverRequest | undefined")]
    pub fn next_request(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        match self.0.next_request(int(&now_ms, "nowMs")?).or_throw()? {
            Some(req) => out(&req),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// The HTTP answer to request `id`: any status, the body, the time, and
    /// the `Retry-After` header if there was one.
    ///
    /// # Errors
    /// `ReceiverError` (`unknown_request`), `ArgumentError` (`bad_status`;
    /// `async_only` for a `200` in the `web/` build: `handleResponseAsync`).
    #[wasm_bindgen(js_name = handleResponse, unchecked_return_type = "ReceiverBatch")]
    pub fn handle_response(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] status: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(js_name = retryAfter, unchecked_optional_param_type = "string")] retry_after: Option<JsValue>,
    ) -> JsResult<JsValue> {
        crate::platform::needs_portable_for(&status, "Receiver#handleResponse")?;
        let body = text(&body, "body")?;
        let (id, status, now, retry_after) = answer_args(&id, &status, &now_ms, retry_after)?;
        out(&self
            .0
            .handle_response(id, status, body, now, retry_after)
            .or_throw()?)
    }

    /// [`handle_response`](Self::handle_response) with the body as bytes.
    ///
    /// # Errors
    /// As [`handle_response`](Self::handle_response).
    #[wasm_bindgen(js_name = handleResponseBytes, unchecked_return_type = "ReceiverBatch")]
    pub fn handle_response_bytes(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] status: JsValue,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] body: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
        #[wasm_bindgen(js_name = retryAfter, unchecked_optional_param_type = "string")] retry_after: Option<JsValue>,
    ) -> JsResult<JsValue> {
        crate::platform::needs_portable_for(&status, "Receiver#handleResponseBytes")?;
        let body = bytes(&body, "body")?;
        let (id, status, now, retry_after) = answer_args(&id, &status, &now_ms, retry_after)?;
        out(&self
            .0
            .handle_response_bytes(id, status, body, now, retry_after)
            .or_throw()?)
    }

    /// Request `id` got no HTTP answer (connection, TLS, timeout).
    ///
    /// # Errors
    /// `ReceiverError` (`unknown_request`).
    #[wasm_bindgen(js_name = handleFailure, unchecked_return_type = "PollFailure")]
    pub fn handle_failure(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] id: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let (id, now) = (int(&id, "id")?, int(&now_ms, "nowMs")?);
        out(&self.0.handle_failure(id, now).or_throw()?)
    }

    /// The application processed the SET `jti`.
    ///
    /// # Errors
    /// `ReceiverError` (`unknown_jti`, `already_settled`).
    pub fn ack(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] jti: JsValue,
    ) -> JsResult<()> {
        self.0.ack(text(&jti, "jti")?).or_throw()
    }

    /// The application refused the SET `jti`: report `err` with `description`.
    ///
    /// # Errors
    /// `ReceiverError` (`unknown_jti`, `already_settled`, `invalid_err_code`).
    pub fn reject(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] jti: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] err: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] description: JsValue,
    ) -> JsResult<()> {
        let (jti, err) = (text(&jti, "jti")?, text(&err, "err")?);
        self.0
            .reject(jti, err, text(&description, "description")?)
            .or_throw()
    }

    /// The changes since the last call (JSON array text) to append to the
    /// store before acting on a batch; `undefined` when none.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(js_name = takeChanges)]
    pub fn take_changes(&self) -> JsResult<Option<String>> {
        self.0.take_changes().or_throw()
    }

    /// The full state as JSON, changed or not.
    ///
    /// # Errors
    /// Never in practice.
    pub fn state(&self) -> JsResult<String> {
        self.0.state().or_throw()
    }

    /// The SETs delivered and not yet settled (after `restore`: hand them over again).
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(unchecked_return_type = "ReceiverDelivery[]")]
    pub fn unsettled(&self) -> JsResult<JsValue> {
        outs(&self.0.unsettled().or_throw()?)
    }

    /// The request in flight, if any.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(js_name = inFlight)]
    pub fn in_flight(&self) -> JsResult<Option<f64>> {
        Ok(self.0.in_flight().or_throw()?.map(num))
    }

    /// SETs held because their `kid` is unknown: fetch the JWK Set at or
    /// after `refreshAtMs`, then `refreshKeys`; `undefined` when none.
    ///
    /// # Errors
    /// Never in practice.
    #[wasm_bindgen(js_name = keysStale, unchecked_return_type = "StaleKeys | undefined")]
    pub fn keys_stale(&self) -> JsResult<JsValue> {
        match self.0.keys_stale().or_throw()? {
            Some(k) => out(&k),
            None => Ok(JsValue::UNDEFINED),
        }
    }

    /// New keys fetched at `nowMs`: the held SETs judged again, as a batch.
    ///
    /// # Errors
    /// `KeyError` for a malformed JWK Set (nothing changes).
    #[wasm_bindgen(js_name = refreshKeys, unchecked_return_type = "ReceiverBatch")]
    pub fn refresh_keys(
        &self,
        #[wasm_bindgen(js_name = jwksJson, unchecked_param_type = "string")] jwks_json: JsValue,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<JsValue> {
        let jwks = text(&jwks_json, "jwksJson")?;
        out(&self
            .0
            .refresh_keys(jwks, int(&now_ms, "nowMs")?)
            .or_throw()?)
    }

    /// The JWK Set could not be fetched at `nowMs`: held SETs keep waiting.
    ///
    /// # Errors
    /// A `TypeError` for a bad time.
    #[wasm_bindgen(js_name = refreshKeysFailed)]
    pub fn refresh_keys_failed(
        &self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<()> {
        self.0
            .refresh_keys_failed(int(&now_ms, "nowMs")?)
            .or_throw()
    }
}

/// Replay `changes` (from `takeChanges`) onto a `state()` snapshot.
///
/// # Errors
/// `ReceiverError` (`state_*`) or `ArgumentError` (`bad_json`).
#[wasm_bindgen(js_name = applyReceiverChanges)]
pub fn apply_receiver_changes(
    #[wasm_bindgen(unchecked_param_type = "string")] state: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] changes: JsValue,
) -> JsResult<String> {
    let state = text(&state, "state")?;
    setpoll_host::apply_receiver_changes(state, text(&changes, "changes")?).or_throw()
}
