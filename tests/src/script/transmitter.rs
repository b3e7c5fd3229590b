//! Runs a `transmitter` script: a `MemoryQueue` driven step by step.
//!
//! The step vocabulary (also in `tests/vectors/README.md`):
//!
//! | `op` | inputs | `expect.ok` |
//! |---|---|---|
//! | `enqueue` | `token`, `now` | `outcome` (`queued` / `already_queued`), `client`, `jti`, `seq`, `state` and `sameToken` (already queued only), `changes` |
//! | `poll` | `client`, `body` (request text), `now` | `changes`, then `responseJson` or `wait` {`client`, `until`, `requestJson`} |
//! | `resume` | `now` | as `poll`: resumes the last `wait` returned |
//! | `sweep` | `now`, `budget` | `changes`, `more` |
//! | `records` | | `records`: every record, by (client, seq) |
//!
//! `enqueue` fails with `expect.error` {`code`} (an `EnqueueError` code);
//! `poll` with `expect.error` {`code`, `errorCode`, `path`, `errorResponseJson`} when the body is
//! refused by `EventPolling::parse` (options: `rejectUnknownMembers` from the
//! profile, default limits).

use std::time::Duration;

use serde_json::{json, Value};
use setpoll_core::transmitter::{
    DeliveryMode, EnqueueOutcome, MemoryQueue, PollDecision, PollOutcome, Profile, SetErrPolicy,
    TransmitterConfig, Wait,
};
use setpoll_core::wire::{EventPolling, RequestOptions};
use setpoll_core::Timestamp;

use crate::gen::request::ERROR_ID;
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

/// `TransmitterConfig` from a script's `config`.
///
/// # Errors
/// When a member is missing or has an unknown value.
pub fn config_of(c: &Value) -> Result<TransmitterConfig, GenError> {
    let mut cfg = TransmitterConfig {
        profile: {
            let name = str_of(c, "profile")?;
            Profile::from_name(name).ok_or_else(|| bad(format!("profile {name}")))?
        },
        ..TransmitterConfig::default()
    };
    cfg.default_max_events =
        u32::try_from(u64_of(c, "defaultMaxEvents")?).map_err(|_| bad("defaultMaxEvents"))?;
    cfg.max_events_limit =
        u32::try_from(u64_of(c, "maxEventsLimit")?).map_err(|_| bad("maxEventsLimit"))?;
    cfg.visibility_timeout = ms(c, "visibilityTimeoutMs")?;
    cfg.max_attempts = u32::try_from(u64_of(c, "maxAttempts")?).map_err(|_| bad("maxAttempts"))?;
    cfg.retention = ms(c, "retentionMs")?;
    cfg.dead_letter_retention = ms(c, "deadLetterRetentionMs")?;
    cfg.long_poll_max_wait = match c.get("longPollMaxWaitMs") {
        Some(Value::Null) => None,
        Some(_) => Some(ms(c, "longPollMaxWaitMs")?),
        None => return Err(bad("longPollMaxWaitMs missing")),
    };
    let name = str_of(c, "onSetErr")?;
    cfg.on_set_err =
        SetErrPolicy::from_name(name).ok_or_else(|| bad(format!("onSetErr {name}")))?;
    let name = str_of(c, "delivery")?;
    cfg.delivery = DeliveryMode::from_name(name).ok_or_else(|| bad(format!("delivery {name}")))?;
    Ok(cfg)
}

fn changes_json(changes: &[setpoll_core::transmitter::Change]) -> Result<Value, GenError> {
    Ok(serde_json::to_value(changes)?)
}

fn poll_json(outcome: &PollOutcome, last_wait: &mut Option<Wait>) -> Result<Value, GenError> {
    let changes = changes_json(&outcome.changes)?;
    Ok(match &outcome.decision {
        PollDecision::Respond(r) => {
            *last_wait = None;
            json!({ "ok": { "changes": changes, "responseJson": r.to_json() } })
        }
        PollDecision::Wait(w) => {
            *last_wait = Some(w.clone());
            json!({ "ok": { "changes": changes, "wait": {
                "client": w.client,
                "until": w.until.as_millis(),
                "requestJson": w.request.to_json(),
            } } })
        }
    })
}

/// Run `steps` (their `expect` members ignored) and return what each step
/// produced, in the shape of its `expect`.
///
/// # Errors
/// On a malformed script (unknown `op`, missing input, `resume` without a
/// wait), never on a refusal by the core, which is a result.
pub fn run(config: &Value, steps: &[Value]) -> Result<Vec<Value>, GenError> {
    let cfg = config_of(config)?;
    let reject_unknown = cfg.profile.reject_unknown_members();
    let mut queue = MemoryQueue::new(cfg).map_err(|e| bad(format!("config: {e}")))?;
    let mut last_wait: Option<Wait> = None;
    let mut out = Vec::with_capacity(steps.len());
    for step in steps {
        let now = || u64_of(step, "now").map(Timestamp::from_millis);
        let result = match str_of(step, "op")? {
            "enqueue" => match queue.enqueue(str_of(step, "token")?.to_owned(), now()?) {
                Ok(outcome) => {
                    let changes = changes_json(&outcome.changes())?;
                    match outcome {
                        EnqueueOutcome::Queued { record } => json!({ "ok": {
                            "outcome": "queued",
                            "client": record.client,
                            "jti": record.jti,
                            "seq": record.seq,
                            "changes": changes,
                        } }),
                        EnqueueOutcome::AlreadyQueued {
                            client,
                            jti,
                            seq,
                            state,
                            same_token,
                        } => json!({ "ok": {
                            "outcome": "already_queued",
                            "client": client,
                            "jti": jti,
                            "seq": seq,
                            "state": state.as_str(),
                            "sameToken": same_token,
                            "changes": changes,
                        } }),
                    }
                }
                Err(e) => json!({ "error": { "code": e.code() } }),
            },
            "poll" => {
                let opts = RequestOptions {
                    reject_unknown_members: reject_unknown,
                    ..RequestOptions::default()
                };
                match EventPolling::parse(str_of(step, "body")?.as_bytes(), &opts) {
                    Ok(request) => {
                        let outcome = queue.poll(str_of(step, "client")?, &request, now()?);
                        poll_json(&outcome, &mut last_wait)?
                    }
                    Err(e) => json!({ "error": {
                        "code": e.code(),
                        "errorCode": e.obie_code().as_str(),
                        "path": e.path(),
                        "errorResponseJson": e.to_error_response(ERROR_ID).to_json(),
                    } }),
                }
            }
            "resume" => {
                let wait = last_wait
                    .take()
                    .ok_or_else(|| bad("resume without a pending wait"))?;
                let outcome = queue.resume(&wait, now()?);
                poll_json(&outcome, &mut last_wait)?
            }
            "sweep" => {
                let budget = usize::try_from(u64_of(step, "budget")?).map_err(|_| bad("budget"))?;
                let outcome = queue.sweep(now()?, budget);
                json!({ "ok": { "changes": changes_json(&outcome.changes)?, "more": outcome.more } })
            }
            "records" => json!({ "ok": { "records": serde_json::to_value(queue.records())? } }),
            other => return Err(bad(format!("unknown op {other}"))),
        };
        out.push(result);
    }
    Ok(out)
}
