//! `receiver`: scripts of the sans-IO verbs (pollRequest / handleReply /
//! handleNoReply / ack / reject / keysStale / refreshKeys / takeChanges /
//! restart) against a `Receiver` (vocabulary in [`crate::script::receiver`]).

use serde_json::{json, Value};
use setpoll_core::claims::{EventSubject, ResourceLink, SetClaims};
use setpoll_core::jose::{HeaderProfile, SigningKey};
use setpoll_core::set::sign_set;
use setpoll_core::wire::EventPollingResponse;
use setpoll_core::Timestamp;

use super::keys::{b64, Keys};
use super::verify::obie_profile;
use super::{check_unique_names, vector_file};
use crate::script::receiver::run;
use crate::GenError;

const T0: u64 = 1_700_000_000_000;
const SEC: u64 = 1000;
const DAY: u64 = 24 * 3600 * SEC;
const BANK: &str = "https://examplebank.com/";
const TPP: &str = "7umx5nTR33811QyQfi";

struct Tokens<'a> {
    keys: &'a Keys,
    profile: HeaderProfile,
}

impl Tokens<'_> {
    /// A SET for `aud` with `jti`, signed by `key`.
    fn signed(&self, key: &SigningKey, aud: &str, jti: &str) -> Result<String, GenError> {
        let claims = SetClaims::builder(BANK, jti, aud, 1_700_000_000)
            .sub(format!(
                "{BANK}api/open-banking/v3.1/aisp/account-access-consents/{jti}"
            ))
            .txn(format!("txn-{jti}"))
            .toe(1_700_000_000)
            .resource_update(EventSubject::new(
                format!("aac-{jti}"),
                "account-access-consent",
                vec![ResourceLink::new("v3.1", format!("{BANK}aac-{jti}"))],
            ))
            .build()
            .map_err(|e| GenError(format!("claims: {e}")))?;
        sign_set(&claims, key, &self.profile, Timestamp::from_millis(T0))
            .map_err(|e| GenError(format!("sign: {e}")))
    }

    /// A good SET for the TPP.
    fn set(&self, jti: &str) -> Result<String, GenError> {
        self.signed(&self.keys.es, TPP, jti)
    }
}

fn body(sets: &[(&str, &str)], more: bool) -> String {
    EventPollingResponse {
        sets: sets
            .iter()
            .map(|(k, t)| ((*k).to_owned(), (*t).to_owned()))
            .collect(),
        more_available: more,
    }
    .to_json()
}

fn poll_request(now: u64) -> Value {
    json!({ "op": "pollRequest", "now": now })
}

fn poll_timeout() -> Value {
    json!({ "op": "pollTimeout" })
}

fn reply(now: u64, status: u16, body: &str) -> Value {
    json!({ "op": "handleReply", "now": now, "status": status, "body": body, "retryAfter": null })
}

fn reply_retry(now: u64, status: u16, body: &str, retry_after: &str) -> Value {
    json!({ "op": "handleReply", "now": now, "status": status, "body": body, "retryAfter": retry_after })
}

fn reply_to(id: u64, now: u64, status: u16, body: &str) -> Value {
    json!({ "op": "handleReply", "id": id, "now": now, "status": status, "body": body, "retryAfter": null })
}

fn ack(jti: &str) -> Value {
    json!({ "op": "ack", "jti": jti })
}

fn reject(jti: &str, err: &str, description: &str) -> Value {
    json!({ "op": "reject", "jti": jti, "err": err, "description": description })
}

fn no_reply(now: u64) -> Value {
    json!({ "op": "handleNoReply", "now": now })
}

fn keys_stale() -> Value {
    json!({ "op": "keysStale" })
}

fn refresh(now: u64, jwks: &str) -> Value {
    json!({ "op": "refreshKeys", "now": now, "jwksJson": jwks })
}

fn refresh_failed(now: u64) -> Value {
    json!({ "op": "refreshKeysFailed", "now": now })
}

fn take_changes() -> Value {
    json!({ "op": "takeChanges" })
}

fn restart_with(jwks: &str) -> Value {
    json!({ "op": "restart", "jwksJson": jwks })
}

fn config(keys: &Keys) -> Result<Value, GenError> {
    Ok(json!({
        "issuer": BANK,
        "clientId": TPP,
        "jwksJson": keys.jwks()?,
        "maxSkewSecs": 300,
        "maxEvents": 10,
        "returnImmediately": true,
        "pollIntervalMs": 30 * SEC,
        "backoff": { "baseMs": SEC, "capMs": 60 * SEC, "jitter": "none", "retryAfterCapMs": 3600 * SEC },
        "dedup": { "windowMs": 7 * DAY, "capacity": 1000 },
        "maxUnsettled": 100,
        "keyRefreshIntervalMs": 30 * SEC,
        "vocabulary": "obie",
    }))
}

fn with(mut c: Value, edits: Value) -> Value {
    if let (Value::Object(m), Value::Object(e)) = (&mut c, edits) {
        for (k, v) in e {
            m.insert(k, v);
        }
    }
    c
}

/// A script: name, config, steps.
type Script = (&'static str, Value, Vec<Value>);

#[allow(clippy::too_many_lines)]
fn scripts(keys: &Keys) -> Result<Vec<Script>, GenError> {
    let t = Tokens {
        keys,
        profile: obie_profile()?,
    };
    let cfg = config(keys)?;
    let jwks = keys.jwks()?;
    let (s1, s2, s3) = (t.set("s1")?, t.set("s2")?, t.set("s3")?);
    let wrong_aud = t.signed(&keys.es, "another-client", "bad-aud")?;
    let spliced = t.set("inner-jti")?;
    let tampered = {
        let mut parts: Vec<String> = s3.split('.').map(str::to_owned).collect();
        if let Some(p) = parts.get_mut(1) {
            *p = b64(br#"{"iss":"https://examplebank.com/","iat":1700000000,"jti":"bad-sig","aud":"7umx5nTR33811QyQfi","events":{"urn:x:y":{}}}"#);
        }
        parts.join(".")
    };
    let bad_sets = body(
        &[
            ("good", &t.set("good")?),
            ("bad-aud", &wrong_aud),
            ("spliced", &spliced),
            ("bad-sig", &tampered),
            ("garbage", "not-a-jws"),
        ],
        false,
    );
    let error_body = r#"{"Code":"500 InternalServerError","Id":"e-1","Message":"Try later","Errors":[{"ErrorCode":"UK.OBIE.UnexpectedError","Message":"Database unavailable"}]}"#;

    Ok(vec![
        (
            "poll, deliver, acknowledge and reject",
            cfg.clone(),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &body(&[("s1", &s1), ("s2", &s2)], true)),
                ack("s1"),
                reject("s2", "setData", "the consent is unknown to this TPP"),
                take_changes(),
                poll_request(T0 + 200),
                reply(T0 + 300, 200, &body(&[], false)),
                poll_request(T0 + 400),
                poll_timeout(),
                poll_request(T0 + 300 + 30 * SEC),
                take_changes(),
            ],
        ),
        (
            "SETs failing verification are reported, never delivered (OBIE codes)",
            cfg.clone(),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &bad_sets),
                ack("good"),
                poll_request(T0 + 200),
                reply(T0 + 300, 200, &body(&[], false)),
                take_changes(),
            ],
        ),
        (
            "SETs failing verification are reported (RFC 8935 codes)",
            with(cfg.clone(), json!({ "vocabulary": "rfc8935" })),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &bad_sets),
                poll_request(T0 + 200),
            ],
        ),
        (
            "redelivered SETs are not handed over twice",
            cfg.clone(),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &body(&[("s1", &s1), ("s2", &s2)], false)),
                poll_request(T0 + 30 * SEC + 100),
                reply(
                    T0 + 30 * SEC + 200,
                    200,
                    &body(&[("s1", &s1), ("s2", &s2)], false),
                ),
                ack("s1"),
                reject("s2", "setType", "event type not handled"),
                poll_request(T0 + 30 * SEC + 300),
                reply(
                    T0 + 30 * SEC + 400,
                    200,
                    &body(&[("s1", &s1), ("s2", &s2), ("s3", &s3)], false),
                ),
                poll_request(T0 + 30 * SEC + 500),
            ],
        ),
        (
            "failures back off and keep acknowledgements",
            cfg.clone(),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &body(&[("s1", &s1)], false)),
                ack("s1"),
                poll_request(T0 + 200),
                reply(T0 + 300, 500, error_body),
                poll_request(T0 + 400),
                poll_timeout(),
                poll_request(T0 + 1300),
                no_reply(T0 + 1400),
                poll_request(T0 + 3400),
                reply_retry(T0 + 3500, 429, "", "120"),
                poll_timeout(),
                poll_request(T0 + 123_500),
                reply(T0 + 123_600, 401, ""),
                poll_request(T0 + 200_000),
                reply(T0 + 200_100, 302, ""),
                poll_request(T0 + 300_000),
                reply(T0 + 300_100, 200, "not json"),
                poll_request(T0 + 400_000),
                reply(T0 + 400_100, 400, r#"{"Code":"400","Errors":[]}"#),
                poll_request(T0 + 500_000),
                reply(T0 + 500_100, 200, &body(&[], false)),
                poll_timeout(),
                take_changes(),
            ],
        ),
        (
            "backoff is capped",
            with(
                cfg.clone(),
                json!({ "backoff": { "baseMs": SEC, "capMs": 4 * SEC, "jitter": "none", "retryAfterCapMs": 10 * SEC } }),
            ),
            vec![
                poll_request(T0),
                no_reply(T0),
                poll_request(T0 + SEC),
                no_reply(T0 + SEC),
                poll_request(T0 + 3 * SEC),
                no_reply(T0 + 3 * SEC),
                poll_request(T0 + 7 * SEC),
                no_reply(T0 + 7 * SEC),
                poll_request(T0 + 11 * SEC),
                reply_retry(T0 + 11 * SEC, 503, "", "3600"),
                poll_timeout(),
            ],
        ),
        (
            "one request in flight; stale answers are ignored",
            cfg.clone(),
            vec![
                poll_request(T0),
                poll_request(T0),
                reply_to(99, T0 + 100, 200, &body(&[("s1", &s1)], false)),
                no_reply(T0 + 100),
                reply_to(1, T0 + 200, 200, &body(&[("s1", &s1)], false)),
                poll_request(T0 + 1100),
                reply(T0 + 1200, 200, &body(&[("s1", &s1)], false)),
            ],
        ),
        (
            "backpressure: never more unsettled SETs than allowed",
            with(cfg.clone(), json!({ "maxUnsettled": 2 })),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &body(&[("s1", &s1), ("s2", &s2)], true)),
                poll_request(T0 + 200),
                poll_timeout(),
                ack("s1"),
                poll_timeout(),
                poll_request(T0 + 300),
                reply(T0 + 400, 200, &body(&[("s3", &s3)], true)),
            ],
        ),
        (
            "ack and reject refusals",
            cfg.clone(),
            vec![
                ack("never-delivered"),
                poll_request(T0),
                reply(T0 + 100, 200, &body(&[("s1", &s1), ("s2", &s2)], false)),
                reject("s1", "", "empty code"),
                reject("s1", &"e".repeat(41), "code too long"),
                ack("s1"),
                ack("s1"),
                reject("s1", "setData", "too late"),
                reject("s2", "setData", ""),
                reject("s2", "bankSpecific", &"d".repeat(300)),
                ack("s2"),
                poll_request(T0 + 200),
            ],
        ),
        (
            "restart: pending acks kept, unsettled SETs handed over again",
            cfg.clone(),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &body(&[("s1", &s1), ("s2", &s2)], false)),
                ack("s1"),
                poll_request(T0 + 200),
                take_changes(),
                restart_with(&jwks),
                reply(T0 + 300, 200, &body(&[], false)),
                poll_request(T0 + 400),
                ack("s2"),
                poll_request(T0 + 500),
                reply(T0 + 600, 200, &body(&[("s1", &s1)], false)),
                take_changes(),
            ],
        ),
        (
            "lenient answers: 204, missing members, one bad entry",
            with(
                cfg.clone(),
                json!({ "maxEvents": null, "returnImmediately": null }),
            ),
            vec![
                poll_request(T0),
                reply(T0 + 100, 204, ""),
                poll_request(T0 + 30 * SEC + 100),
                reply(
                    T0 + 30 * SEC + 200,
                    200,
                    &format!(r#"{{"sets":{{"s1":"{s1}"}},"links":{{"self":"x"}}}}"#),
                ),
                poll_request(T0 + 60 * SEC + 200),
                reply(
                    T0 + 60 * SEC + 300,
                    201,
                    &format!(r#"{{"sets":{{"s2":"{s2}","bad":7}},"moreAvailable":false}}"#),
                ),
                poll_request(T0 + 60 * SEC + 400),
            ],
        ),
    ])
}

/// The `receiver` file.
///
/// # Errors
/// When a script is malformed or a token cannot be signed.
pub fn file(keys: &Keys) -> Result<Value, GenError> {
    let mut all = scripts(keys)?;
    all.extend(verb_scripts(keys)?);
    render(
        "receiver",
        "Receiver::new(config) driven through the sans-IO verbs (poll_request, \
         poll_timeout, handle_reply, handle_no_reply, keys_stale, refresh_keys, \
         take_changes; see the README for the step vocabulary); SETs are ES256 \
         tokens signed with the vectors' keys",
        all,
    )
}

/// Fill each step's `expect` by running the scripts.
fn render(kind: &str, description: &str, scripts: Vec<Script>) -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for (name, config, steps) in scripts {
        let results = run(&config, &steps)?;
        let steps: Vec<Value> = steps
            .into_iter()
            .zip(results)
            .map(|(mut step, expect)| {
                if let Value::Object(m) = &mut step {
                    m.insert("expect".into(), expect);
                }
                step
            })
            .collect();
        cases.push(json!({ "name": name, "config": config, "steps": steps }));
    }
    check_unique_names(kind, &cases)?;
    Ok(vector_file(kind, description, cases))
}

#[allow(clippy::too_many_lines)]
fn verb_scripts(keys: &Keys) -> Result<Vec<Script>, GenError> {
    let t = Tokens {
        keys,
        profile: obie_profile()?,
    };
    let cfg = config(keys)?;
    let old_jwks = keys.jwks()?;
    let new_jwks = super::keys::public_set(&[&keys.es, &keys.ps, &keys.es_next])?;
    let s1 = t.set("s1")?;
    let r1 = t.signed(&keys.es_next, TPP, "r1")?;
    let r2 = t.signed(&keys.es_next, TPP, "r2")?;
    let forged = t.signed(&keys.rogue, TPP, "f1")?;
    Ok(vec![
        (
            "key rotation: held, refreshed, delivered; a kid still unknown is reported",
            cfg.clone(),
            vec![
                poll_request(T0),
                reply(
                    T0 + 100,
                    200,
                    &body(&[("s1", &s1), ("r1", &r1), ("f1", &forged)], false),
                ),
                keys_stale(),
                poll_timeout(),
                ack("s1"),
                take_changes(),
                poll_request(T0 + 200),
                reply(T0 + 300, 200, &body(&[("r1", &r1)], false)),
                refresh(T0 + 400, &new_jwks),
                ack("r1"),
                keys_stale(),
                take_changes(),
                poll_request(T0 + 500),
                reply(
                    T0 + 600,
                    200,
                    &body(
                        &[("r2", &r2), ("f2", &t.signed(&keys.rogue, TPP, "f2")?)],
                        false,
                    ),
                ),
                keys_stale(),
                refresh_failed(T0 + 30 * SEC + 400),
                keys_stale(),
                take_changes(),
                restart_with(&new_jwks),
                keys_stale(),
                ack("r2"),
                poll_request(T0 + 60 * SEC),
            ],
        ),
        (
            "held SETs survive a restart without the new keys",
            cfg.clone(),
            vec![
                poll_request(T0),
                reply(T0 + 100, 200, &body(&[("r1", &r1)], false)),
                take_changes(),
                restart_with(&old_jwks),
                keys_stale(),
                refresh(T0 + 200, &new_jwks),
                ack("r1"),
                poll_request(T0 + 300),
            ],
        ),
        (
            "no progress: a transmitter that ignores acks is polled less and less",
            with(
                cfg.clone(),
                json!({ "maxUnsettled": 100, "pollIntervalMs": 200 }),
            ),
            {
                let same = body(&[("s1", &s1)], true);
                let mut steps = vec![poll_request(T0), reply(T0 + 10, 200, &same), ack("s1")];
                let mut now = T0 + 20;
                for _ in 0..5 {
                    steps.push(poll_request(now));
                    steps.push(reply(now + 10, 200, &same));
                    steps.push(poll_timeout());
                    now += 10 * SEC;
                }
                steps.push(take_changes());
                steps
            },
        ),
        (
            "failures are outcomes; a 404 to a long poll falls back to returnImmediately",
            with(cfg, json!({ "returnImmediately": null })),
            vec![
                poll_request(T0),
                reply(T0 + 100, 404, ""),
                poll_timeout(),
                poll_request(T0 + 1100),
                reply_retry(T0 + 1200, 503, "", "Tuesday, 14-Nov-23 22:15:00 GMT"),
                poll_request(T0 + 2000),
                poll_timeout(),
                poll_request(T0 + 100 * SEC),
                no_reply(T0 + 100 * SEC),
                poll_request(T0 + 104 * SEC),
                reply(T0 + 104 * SEC, 401, r#"{"Code":"401","Message":"expired"}"#),
                poll_request(T0 + 112 * SEC),
                reply(T0 + 112 * SEC, 200, &body(&[], false)),
                poll_timeout(),
            ],
        ),
    ])
}
