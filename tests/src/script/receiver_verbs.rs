//! Runs a `receiver_verbs` script: one `Receiver` driven through the sans-IO
//! verbs (the API the bindings move to; `receiver` keeps the 0.1 calls).
//!
//! The configuration is the `receiver` kind's, plus `keyRefreshIntervalMs`.
//! The step vocabulary (also in `tests/vectors/README.md`):
//!
//! | `op` | inputs | `expect.ok` |
//! |---|---|---|
//! | `pollRequest` | `now` | `null` or `{id, kind, body}` |
//! | `pollTimeout` | | `{at}` (`null`: not until something happens) |
//! | `handleReply` | `now`, `status`, `body`, `retryAfter`, `id` (optional) | `{batch: {...}}` or `{failed: {code, status, retryAt, failuresInARow, longPollRefused}}` |
//! | `handleNoReply` | `now`, `id` (optional) | `{failed: {...}}` |
//! | `ack`, `reject` | as `receiver` | `{}` |
//! | `keysStale` | | `null` or `{kids, held, refreshAt}` |
//! | `refreshKeys` | `now`, `jwksJson` | `{deliveries, rejections, duplicates}` |
//! | `refreshKeysFailed` | `now` | `{}` |
//! | `takeChanges` | | `{changes: [<ReceiverChange JSON text>]}` |
//! | `restart` | `jwksJson` (the new process's keys) | `{unsettled, changes}`: the saved state plus every change taken, applied, restored |
//!
//! A batch is the `receiver` kind's plus `held` (`jti`s) and `keysStale`.

use rand_chacha::rand_core::SeedableRng as _;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    PollFailure, PollOutcome, Receiver, ReceiverChange, ReceiverState, RequestId, StaleKeys,
};
use setpoll_core::Timestamp;

use super::receiver::{
    bad, batch_json, config_of, deliveries_json, request_json, response_of, str_of, u64_of, verdict,
};
use crate::GenError;

fn keyring(jwks: &str) -> Result<Keyring, GenError> {
    let set = JwkSet::from_json(jwks.as_bytes()).map_err(|e| bad(format!("jwksJson: {e}")))?;
    Keyring::new(&set).map_err(|e| bad(format!("keyring: {e}")))
}

fn failed_json(f: &PollFailure) -> Value {
    json!({ "ok": { "failed": {
        "code": f.reason.code(),
        "status": f.reason.status(),
        "retryAt": f.retry_at.as_millis(),
        "failuresInARow": f.failures_in_a_row,
        "longPollRefused": f.long_poll_refused,
    } } })
}

fn stale_json(s: Option<StaleKeys>) -> Value {
    s.map_or(
        Value::Null,
        |s| json!({ "kids": s.kids, "held": s.held, "refreshAt": s.refresh_at.as_millis() }),
    )
}

/// Run `steps` and return what each produced, in the shape of its `expect`.
///
/// # Errors
/// On a malformed script, never on a refusal by the core (a result).
pub fn run(config: &Value, steps: &[Value]) -> Result<Vec<Value>, GenError> {
    let mut cfg = config_of(config)?;
    cfg.key_refresh_interval =
        core::time::Duration::from_millis(u64_of(config, "keyRefreshIntervalMs")?);
    let mut rx = Receiver::new(cfg.clone()).map_err(|e| bad(format!("config: {e}")))?;
    let mut rng = ChaCha20Rng::seed_from_u64(0);
    let mut last_id: Option<RequestId> = None;
    // What a host saved: the initial state and every change taken since.
    let saved = rx.state();
    let mut journal: Vec<ReceiverChange> = Vec::new();
    let mut out = Vec::with_capacity(steps.len());
    for step in steps {
        let now = || u64_of(step, "now").map(Timestamp::from_millis);
        let id = || match step.get("id").and_then(Value::as_u64) {
            Some(n) => Ok(RequestId(n)),
            None => last_id.ok_or_else(|| bad("no request made yet")),
        };
        let result = match str_of(step, "op")? {
            "pollRequest" => match rx.poll_request(now()?) {
                Some(req) => {
                    last_id = Some(req.id);
                    request_json(&req)
                }
                None => json!({ "ok": null }),
            },
            "pollTimeout" => {
                json!({ "ok": { "at": rx.poll_timeout().map(Timestamp::as_millis) } })
            }
            "handleReply" => {
                let response = response_of(step)?;
                match rx.handle_reply(id()?, response, now()?, &mut rng) {
                    Ok(PollOutcome::Batch(b)) => {
                        let mut v = batch_json(&b);
                        if let Some(Value::Object(m)) = v.get_mut("ok") {
                            m.insert("held".into(), json!(b.held));
                            m.insert("keysStale".into(), stale_json(b.keys_stale));
                        }
                        let batch = v.get("ok").cloned().unwrap_or(Value::Null);
                        json!({ "ok": { "batch": batch } })
                    }
                    Ok(PollOutcome::Failed(f)) => failed_json(&f),
                    Err(e) => json!({ "error": { "code": e.code() } }),
                }
            }
            "handleNoReply" => match rx.handle_no_reply(id()?, now()?, &mut rng) {
                Ok(f) => failed_json(&f),
                Err(e) => json!({ "error": { "code": e.code() } }),
            },
            op @ ("ack" | "reject") => verdict(&mut rx, op, step)?,
            "keysStale" => json!({ "ok": stale_json(rx.keys_stale()) }),
            "refreshKeys" => {
                let r = rx.refresh_keys(keyring(str_of(step, "jwksJson")?)?, now()?);
                let v = deliveries_json(&r.deliveries, &r.rejections, &r.duplicates);
                json!({ "ok": v })
            }
            "refreshKeysFailed" => {
                rx.refresh_keys_failed(now()?);
                json!({ "ok": {} })
            }
            "takeChanges" => {
                let changes = rx.take_changes();
                let text: Vec<String> = changes.iter().map(ReceiverChange::to_json).collect();
                journal.extend(changes);
                json!({ "ok": { "changes": text } })
            }
            "restart" => {
                let mut state: ReceiverState = saved.clone();
                state
                    .apply(journal.clone())
                    .map_err(|e| bad(format!("replay: {e}")))?;
                let mut c = cfg.clone();
                c.keys = keyring(str_of(step, "jwksJson")?)?;
                rx = Receiver::new(c).map_err(|e| bad(format!("config: {e}")))?;
                match rx.restore(state) {
                    Ok(()) => {
                        let jtis: Vec<String> = rx.unsettled().into_iter().map(|d| d.jti).collect();
                        let changes = rx.take_changes();
                        let text: Vec<String> =
                            changes.iter().map(ReceiverChange::to_json).collect();
                        journal.extend(changes);
                        json!({ "ok": { "unsettled": jtis, "changes": text } })
                    }
                    Err(e) => json!({ "error": { "code": e.code() } }),
                }
            }
            other => return Err(bad(format!("unknown op {other}"))),
        };
        out.push(result);
    }
    Ok(out)
}
