//! Runs a `receiver` script: one `Receiver` driven through the sans-IO verbs.
//!
//! The step vocabulary (also in `tests/vectors/README.md`):
//!
//! | `op` | inputs | `expect.ok` |
//! |---|---|---|
//! | `pollRequest` | `now` | `null` or `{id, kind, body}` (`kind`: `poll` / `ack_only`) |
//! | `pollTimeout` | | `{at}` (`null`: not until something happens) |
//! | `handleReply` | `now`, `status`, `body`, `retryAfter` (string or null), `id` (optional) | `{batch: {...}}` or `{failed: {code, status, retryAt, failuresInARow, longPollRefused}}` |
//! | `handleNoReply` | `now`, `id` (optional) | `{failed: {...}}` |
//! | `ack` | `jti` | `{}` |
//! | `reject` | `jti`, `err`, `description` | `{}` |
//! | `keysStale` | | `null` or `{kids, held, refreshAt}` |
//! | `refreshKeys` | `now`, `jwksJson` | `{deliveries, rejections, duplicates}` |
//! | `refreshKeysFailed` | `now` | `{}` |
//! | `takeChanges` | | `{changes: [<ReceiverChange JSON text>]}` |
//! | `restart` | `jwksJson` (the new process's keys) | `{unsettled, changes}`: the saved state plus every change taken, applied, restored |
//!
//! A batch is `{deliveries, rejections, duplicates, moreAvailable,
//! acksConfirmed, setErrsConfirmed, salvaged, held, keysStale}`. `id`
//! defaults to the id of the most recent request. Errors are
//! `expect.error` {`code`} (`ReceiverError::code`).

use core::time::Duration;

use rand_chacha::rand_core::SeedableRng as _;
use rand_chacha::ChaCha20Rng;
use serde_json::{json, Value};
use setpoll_core::codes::{SetErrCode, Vocabulary};
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{
    Backoff, Batch, DedupConfig, Delivery, Duplicate, DuplicateOf, HttpResponse, Jitter,
    PollFailure, PollOutcome, PollRequest, Receiver, ReceiverChange, ReceiverConfig, ReceiverError,
    ReceiverState, Rejection, RequestId, RequestKind, StaleKeys,
};
use setpoll_core::Timestamp;

use crate::GenError;

fn bad(what: impl Into<String>) -> GenError {
    GenError(what.into())
}

fn u64_of(v: &Value, key: &str) -> Result<u64, GenError> {
    v.get(key)
        .and_then(Value::as_u64)
        .ok_or_else(|| bad(format!("{key}: expected an integer in {v}")))
}

fn str_of<'a>(v: &'a Value, key: &str) -> Result<&'a str, GenError> {
    v.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| bad(format!("{key}: expected a string in {v}")))
}

fn ms(v: &Value, key: &str) -> Result<Duration, GenError> {
    u64_of(v, key).map(Duration::from_millis)
}

/// `ReceiverConfig` from a script's `config`.
///
/// # Errors
/// When a member is missing or has an unknown value.
pub fn config_of(c: &Value) -> Result<ReceiverConfig, GenError> {
    let set = JwkSet::from_json(str_of(c, "jwksJson")?.as_bytes())
        .map_err(|e| bad(format!("jwksJson: {e}")))?;
    let keys = Keyring::new(&set).map_err(|e| bad(format!("keyring: {e}")))?;
    let mut cfg = ReceiverConfig::new(str_of(c, "issuer")?, str_of(c, "clientId")?, keys);
    cfg.policy.max_skew_secs = u64_of(c, "maxSkewSecs")?;
    cfg.max_events = match c.get("maxEvents") {
        Some(Value::Null) => None,
        _ => Some(u32::try_from(u64_of(c, "maxEvents")?).map_err(|_| bad("maxEvents"))?),
    };
    cfg.return_immediately = match c.get("returnImmediately") {
        Some(Value::Bool(b)) => Some(*b),
        Some(Value::Null) => None,
        _ => return Err(bad("returnImmediately")),
    };
    cfg.poll_interval = ms(c, "pollIntervalMs")?;
    let b = c.get("backoff").ok_or_else(|| bad("backoff"))?;
    cfg.backoff = Backoff {
        base: ms(b, "baseMs")?,
        cap: ms(b, "capMs")?,
        jitter: match str_of(b, "jitter")? {
            "none" => Jitter::None,
            "full" => Jitter::Full,
            "equal" => Jitter::Equal,
            other => return Err(bad(format!("jitter {other}"))),
        },
        retry_after_cap: ms(b, "retryAfterCapMs")?,
    };
    let d = c.get("dedup").ok_or_else(|| bad("dedup"))?;
    cfg.dedup = DedupConfig {
        window: ms(d, "windowMs")?,
        capacity: usize::try_from(u64_of(d, "capacity")?).map_err(|_| bad("capacity"))?,
    };
    cfg.max_unsettled =
        usize::try_from(u64_of(c, "maxUnsettled")?).map_err(|_| bad("maxUnsettled"))?;
    cfg.key_refresh_interval = ms(c, "keyRefreshIntervalMs")?;
    cfg.vocabulary = match str_of(c, "vocabulary")? {
        "obie" => Vocabulary::Obie,
        "rfc8935" => Vocabulary::Rfc8935,
        other => return Err(bad(format!("vocabulary {other}"))),
    };
    Ok(cfg)
}

fn error_json(e: &ReceiverError) -> Value {
    json!({ "error": { "code": e.code() } })
}

/// The `receiver` kind's form of a batch.
#[must_use]
fn batch_json(b: &Batch) -> Value {
    let mut v = deliveries_json(&b.deliveries, &b.rejections, &b.duplicates);
    if let Value::Object(m) = &mut v {
        m.insert("moreAvailable".into(), json!(b.more_available));
        m.insert("acksConfirmed".into(), json!(b.acks_confirmed));
        m.insert("setErrsConfirmed".into(), json!(b.set_errs_confirmed));
        m.insert(
            "salvaged".into(),
            json!(b.salvaged.as_ref().map(|e| e.code())),
        );
    }
    json!({ "ok": v })
}

/// `{deliveries, rejections, duplicates}` as the `receiver` kinds write them.
#[must_use]
fn deliveries_json(
    deliveries: &[Delivery],
    rejections: &[Rejection],
    duplicates: &[Duplicate],
) -> Value {
    let deliveries: Vec<Value> = deliveries
        .iter()
        .map(|d| json!({ "jti": d.jti, "claimsJson": d.claims.to_json() }))
        .collect();
    let rejections: Vec<Value> = rejections
        .iter()
        .map(|r| {
            json!({
                "jti": r.jti,
                "code": r.reason.code(),
                "reported": r.reported.as_ref().map(|s| json!({
                    "err": s.err.as_str(),
                    "description": s.description,
                })),
            })
        })
        .collect();
    let duplicates: Vec<Value> = duplicates
        .iter()
        .map(|d| {
            let of = match d.of {
                DuplicateOf::Acked => "acked",
                DuplicateOf::Rejected => "rejected",
                DuplicateOf::InProcessing => "in_processing",
                DuplicateOf::Held => "held",
                _ => "other",
            };
            json!({ "jti": d.jti, "of": of })
        })
        .collect();
    json!({
        "deliveries": deliveries,
        "rejections": rejections,
        "duplicates": duplicates,
    })
}

/// `{ok: {id, kind, body}}` of a request.
fn request_json(req: &PollRequest) -> Value {
    let kind = match req.kind {
        RequestKind::Poll => "poll",
        RequestKind::AckOnly => "ack_only",
        _ => "other",
    };
    json!({ "ok": { "id": req.id.0, "kind": kind, "body": req.body } })
}

/// The `HttpResponse` of a `handleResponse` / `handleReply` step.
fn response_of(step: &Value) -> Result<HttpResponse<'_>, GenError> {
    let body = str_of(step, "body")?;
    let status = u16::try_from(u64_of(step, "status")?).map_err(|_| bad("status"))?;
    let mut response = HttpResponse::new(status, body);
    if let Some(v) = step.get("retryAfter").and_then(Value::as_str) {
        response = response.with_retry_after(v);
    }
    Ok(response)
}

/// An `ack` or `reject` step.
fn verdict(rx: &mut Receiver, op: &str, step: &Value) -> Result<Value, GenError> {
    let jti = str_of(step, "jti")?;
    let done = if op == "ack" {
        rx.ack(jti)
    } else {
        rx.reject(
            jti,
            SetErrCode::from_code(str_of(step, "err")?),
            str_of(step, "description")?,
        )
    };
    Ok(match done {
        Ok(()) => json!({ "ok": {} }),
        Err(e) => error_json(&e),
    })
}

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
    let cfg = config_of(config)?;
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
