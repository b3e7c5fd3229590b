//! The receiver (TPP side): `setpoll_host::Receiver`.

use setpoll_host as host;
use wasm_bindgen::prelude::*;

classes! {
    #[doc = "The receiver: a sans-IO poller that never loses an acknowledgement."]
    #[doc = ""]
    #[doc = "The run loop: `nextRequest(now)` gives the request to send, or"]
    #[doc = "`undefined` when nothing is due (sleep until `pollTimeout()`). POST its"]
    #[doc = "body, then `handleResponse` (or `handleFailure` when no answer came);"]
    #[doc = "persist `takeChanges()`; hand `deliveries` over; `ack`/`reject` each."]
    #[doc = "A failed round trip is the batch's `failure`, not an exception."]
    Receiver(host::Receiver);
}

js! {
    impl Receiver {
        #[doc = "A fresh receiver."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`KeyError` for a malformed JWK Set, `ReceiverError` for an invalid"]
        #[doc = "configuration, `ArgumentError` (`bad_seed`)."]
        #[wasm_bindgen(constructor)]
        fn new(config: "ReceiverConfig") -> Receiver { host::Receiver::new(config) }

        #[doc = "A receiver resumed from a snapshot (`state()` with the changes replayed)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "As the constructor, and `ReceiverError` for a malformed state."]
        #[wasm_bindgen]
        fn restore(config: "ReceiverConfig", state: "string") -> Receiver { host::Receiver::restore(config, state) }

        #[doc = "The configuration in force, every field set."]
        #[wasm_bindgen(unchecked_return_type = "ReceiverConfig")]
        fn config(&self) -> JsValue { self.0.config() }

        #[doc = "When the receiver next wants the host (ms since the epoch); `undefined`"]
        #[doc = "while a request is in flight or the application holds `maxUnsettled` SETs."]
        #[wasm_bindgen(js_name = pollTimeout)]
        fn poll_timeout(&self) -> Option<f64> { self.0.poll_timeout() }

        #[doc = "The request to send at `nowMs`, or `undefined` when none is due."]
        #[wasm_bindgen(js_name = nextRequest, unchecked_return_type = "ReceiverRequest | undefined")]
        fn next_request(&self, nowMs: "number") -> JsValue { self.0.next_request(nowMs) }

        #[doc = "The HTTP answer to request `id`: any status, the body, the time, and"]
        #[doc = "the `Retry-After` header if there was one."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ReceiverError` (`unknown_request`), `ArgumentError` (`bad_status`;"]
        #[doc = "`async_only` for a `200` in the `web/` build: `handleResponseAsync`)."]
        #[wasm_bindgen(js_name = handleResponse, unchecked_return_type = "ReceiverBatch")]
        fn handle_response(&self, id: "number", status: "number", body: "string", nowMs: "number", retryAfter?: "string") -> JsValue {
            crate::platform::needs_portable_for(status, "Receiver#handleResponse")?;
            self.0.handle_response(id, status, body, nowMs, retryAfter)
        }

        #[doc = "`handleResponse` with the body as bytes."]
        #[wasm_bindgen(js_name = handleResponseBytes, unchecked_return_type = "ReceiverBatch")]
        fn handle_response_bytes(&self, id: "number", status: "number", body: "Uint8Array", nowMs: "number", retryAfter?: "string") -> JsValue {
            crate::platform::needs_portable_for(status, "Receiver#handleResponseBytes")?;
            self.0.handle_response_bytes(id, status, body, nowMs, retryAfter)
        }

        #[doc = "Request `id` got no HTTP answer (connection, TLS, timeout)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ReceiverError` (`unknown_request`)."]
        #[wasm_bindgen(js_name = handleFailure, unchecked_return_type = "PollFailure")]
        fn handle_failure(&self, id: "number", nowMs: "number") -> JsValue { self.0.handle_failure(id, nowMs) }

        #[doc = "The application processed the SET `jti`."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ReceiverError` (`unknown_jti`, `already_settled`)."]
        #[wasm_bindgen]
        fn ack(&self, jti: "string") -> () { self.0.ack(jti) }

        #[doc = "The application refused the SET `jti`: report `err` with `description`."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ReceiverError` (`unknown_jti`, `already_settled`, `invalid_err_code`)."]
        #[wasm_bindgen]
        fn reject(&self, jti: "string", err: "string", description: "string") -> () { self.0.reject(jti, err, description) }

        #[doc = "The changes since the last call (JSON array text) to append to the"]
        #[doc = "store before acting on a batch; `undefined` when none."]
        #[wasm_bindgen(js_name = takeChanges)]
        fn take_changes(&self) -> Option<String> { self.0.take_changes() }

        #[doc = "The full state (a snapshot) as JSON."]
        #[wasm_bindgen]
        fn state(&self) -> String { self.0.state() }

        #[doc = "The SETs delivered and not yet settled (after `restore`: hand them over again)."]
        #[wasm_bindgen(unchecked_return_type = "ReceiverDelivery[]")]
        fn unsettled(&self) -> JsValue { self.0.unsettled() }

        #[doc = "The request in flight, if any."]
        #[wasm_bindgen(js_name = inFlight)]
        fn in_flight(&self) -> Option<f64> { self.0.in_flight() }

        #[doc = "SETs held because their `kid` is unknown: fetch the JWK Set at or"]
        #[doc = "after `refreshAtMs`, then `refreshKeys`; `undefined` when none."]
        #[wasm_bindgen(js_name = keysStale, unchecked_return_type = "StaleKeys | undefined")]
        fn keys_stale(&self) -> JsValue { self.0.keys_stale() }

        #[doc = "New keys fetched at `nowMs`: the held SETs judged again, as a batch."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`KeyError` for a malformed JWK Set (nothing changes)."]
        #[wasm_bindgen(js_name = refreshKeys, unchecked_return_type = "ReceiverBatch")]
        fn refresh_keys(&self, jwksJson: "string", nowMs: "number") -> JsValue { self.0.refresh_keys(jwksJson, nowMs) }

        #[doc = "The JWK Set could not be fetched at `nowMs`: held SETs keep waiting."]
        #[wasm_bindgen(js_name = refreshKeysFailed)]
        fn refresh_keys_failed(&self, nowMs: "number") -> () { self.0.refresh_keys_failed(nowMs) }
    }

    #[doc = "Replay `changes` (from `takeChanges`) onto a `state()` snapshot."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`ReceiverError` (`state_*`) or `ArgumentError` (`bad_json`)."]
    #[wasm_bindgen(js_name = applyReceiverChanges)]
    fn apply_receiver_changes(state: "string", changes: "string") -> String { host::apply_receiver_changes(state, changes) }
}
