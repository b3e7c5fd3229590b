//! The scripted scenarios of `setpoll conformance tpp` and how each scores
//! the poller from what it sent.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use setpoll_core::claims::SetClaims;
use setpoll_core::jose::{JwkSet, SigningKey};
use setpoll_core::set::sign_set;
use setpoll_core::wire::EventPolling;

use super::mock::{lock, Answer, Delivery, Expect, Mock, Seen, Sent, State, Step};
use super::now;
use super::profile::Version;
use super::report::{CheckDef, CheckResult, Outcome, Scorecard};

/// How long the idle scenario watches for spinning.
const IDLE_WINDOW: Duration = Duration::from_secs(2);
/// Most requests allowed in [`IDLE_WINDOW`] with nothing to deliver.
const IDLE_MAX_REQUESTS: usize = 20;
/// `Retry-After` the rate-limit scenario sends, seconds.
const RETRY_AFTER_SECS: u64 = 1;
/// Shortest pause accepted after a failure (no backoff below this is spinning).
const MIN_BACKOFF: Duration = Duration::from_millis(200);
/// Extra time the key-rotation scenario allows on top of the scenario
/// timeout. The `unknown-kid` scenario before it makes a poller fetch the
/// JWKS, and a sound poller then rate-limits its next fetch (setpoll's
/// `key_refresh_interval` and `jose`'s remote key set both wait 30 s): the
/// rotated key's SET is held, not lost, until that fetch.
const KEY_REFRESH_ALLOWANCE: Duration = Duration::from_secs(30);

/// A scenario's name and what it does, for `--list`.
pub const SCENARIOS: [(&str, &str); 12] = [
    ("basic", "three good SETs in one answer: each is acknowledged"),
    ("duplicates", "a SET delivered again (same bytes) is acknowledged again"),
    ("invalid-signature", "a SET with a broken signature is reported in setErrs, never acknowledged"),
    ("wrong-aud", "a SET for another audience is reported in setErrs, never acknowledged"),
    ("unknown-kid", "a SET signed with an unpublished key is reported in setErrs, never acknowledged"),
    ("key-rotation", "the ASPSP publishes a new key and signs with it: the poller refreshes its JWKS and acknowledges"),
    ("rate-limited", "429 with Retry-After: the poller waits that long and resends its acknowledgements"),
    ("unavailable", "503 twice: the poller backs off and keeps its acknowledgements"),
    ("dropped-response", "the connection closes without an answer: the poller resends its acknowledgements"),
    ("slow-response", "an answer that takes 2 s: the poller waits for it and acknowledges"),
    ("more-available-chain", "15 SETs, 3 per answer with moreAvailable: the poller follows the chain to the end"),
    ("idle", "nothing to deliver for 2 s: the poller does not spin"),
];

/// The keys and names the mock signs with.
pub struct Signer {
    /// The published key.
    pub main: SigningKey,
    /// Published only from the key-rotation scenario on.
    pub rotated: SigningKey,
    /// Never published.
    pub unpublished: SigningKey,
    /// `iss`.
    pub issuer: String,
    /// `aud` (the poller's client id).
    pub client_id: String,
    /// Header profile and codes.
    pub version: Version,
    /// Makes `jti`s unique per run.
    pub run_id: String,
}

impl Signer {
    /// The JWK Set published at start (the main key only).
    ///
    /// # Errors
    /// When the set cannot be built.
    pub fn jwks(&self, rotated: bool) -> Result<String, String> {
        let mut keys = vec![self.main.to_public_jwk()];
        if rotated {
            keys.push(self.rotated.to_public_jwk());
        }
        JwkSet::new(keys)
            .map(|s| s.to_json())
            .map_err(|e| e.to_string())
    }

    fn sign(&self, jti: &str, aud: &str, key: &SigningKey, expect: Expect) -> Result<Sent, String> {
        let now = now();
        let iat = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
        let sub =
            format!("https://aspsp.example/open-banking/v3.1/aisp/account-access-consents/{jti}");
        let claims = serde_json::json!({
            "iss": self.issuer, "iat": iat, "jti": jti, "aud": aud, "sub": sub,
            "txn": jti, "toe": iat,
            "events": {"urn:uk:org:openbanking:events:resource-update": {"subject": {
                "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
                "http://openbanking.org.uk/rid": jti,
                "http://openbanking.org.uk/rty": "account-access-consent",
                "http://openbanking.org.uk/rlk": [{"version": "v3.1", "link": sub}]}}}
        });
        let claims =
            SetClaims::from_json(claims.to_string().as_bytes()).map_err(|e| e.to_string())?;
        let token = sign_set(&claims, key, &self.version.header_profile()?, now)
            .map_err(|e| e.to_string())?;
        Ok(Sent {
            jti: jti.to_owned(),
            token,
            expect,
        })
    }

    fn good(&self, scenario: &str, n: usize) -> Result<Sent, String> {
        let jti = format!("{}-{scenario}-{n}", self.run_id);
        self.sign(&jti, &self.client_id, &self.main, Expect::Ack)
    }
}

fn deliver(sets: Vec<Sent>, more: bool) -> Step {
    Step::Deliver {
        sets,
        more,
        delay: Duration::ZERO,
    }
}

/// The script of scenario `name`, and whether it publishes the rotated key.
fn script(name: &str, s: &Signer) -> Result<(Vec<Step>, bool), String> {
    let good = |n| s.good(name, n);
    Ok(match name {
        "basic" => (
            vec![deliver(vec![good(0)?, good(1)?, good(2)?], false)],
            false,
        ),
        "duplicates" => {
            let a = good(0)?;
            (
                vec![
                    deliver(vec![a.clone()], false),
                    deliver(vec![a, good(1)?], false),
                ],
                false,
            )
        }
        "invalid-signature" => {
            let mut bad = good(0)?;
            bad.expect = Expect::SetErr;
            // Change the first signature character: same header and claims, bad signature.
            if let Some(dot) = bad.token.rfind('.') {
                let flipped = if bad.token.get(dot + 1..dot + 2) == Some("A") {
                    "B"
                } else {
                    "A"
                };
                bad.token.replace_range(dot + 1..dot + 2, flipped);
            }
            (vec![deliver(vec![bad, good(1)?], false)], false)
        }
        "wrong-aud" => {
            let jti = format!("{}-{name}-0", s.run_id);
            let bad = s.sign(
                &jti,
                &format!("{}-someone-else", s.client_id),
                &s.main,
                Expect::SetErr,
            )?;
            (vec![deliver(vec![bad, good(1)?], false)], false)
        }
        "unknown-kid" => {
            let jti = format!("{}-{name}-0", s.run_id);
            let bad = s.sign(&jti, &s.client_id, &s.unpublished, Expect::SetErr)?;
            (vec![deliver(vec![bad, good(1)?], false)], false)
        }
        "key-rotation" => {
            let jti = format!("{}-{name}-0", s.run_id);
            let new = s.sign(&jti, &s.client_id, &s.rotated, Expect::AckAfterRefresh)?;
            (vec![deliver(vec![new], false)], true)
        }
        "rate-limited" => (
            vec![
                deliver(vec![good(0)?, good(1)?], false),
                Step::Status {
                    status: 429,
                    retry_after: Some(RETRY_AFTER_SECS),
                },
            ],
            false,
        ),
        "unavailable" => (
            vec![
                deliver(vec![good(0)?], false),
                Step::Status {
                    status: 503,
                    retry_after: None,
                },
                Step::Status {
                    status: 503,
                    retry_after: None,
                },
            ],
            false,
        ),
        "dropped-response" => (vec![deliver(vec![good(0)?], false), Step::Drop], false),
        "slow-response" => (
            vec![Step::Deliver {
                sets: vec![good(0)?],
                more: false,
                delay: Duration::from_secs(2),
            }],
            false,
        ),
        "more-available-chain" => {
            let mut steps = Vec::new();
            for batch in 0..5 {
                let sets = (0..3)
                    .map(|i| good(batch * 3 + i))
                    .collect::<Result<Vec<_>, _>>()?;
                steps.push(deliver(sets, batch < 4));
            }
            (steps, false)
        }
        "idle" => (Vec::new(), false),
        other => return Err(format!("no scenario {other:?} (see --list)")),
    })
}

/// The checks a scenario scores.
fn checks(name: &'static str) -> Vec<CheckDef> {
    let settle = CheckDef {
        id: name,
        title: "every SET is acknowledged (good) or reported in setErrs with a valid code (bad), never both",
        clause: "RFC 8936 §2.4 (ack, setErrs); OBEventPolling1.ack, .setErrs; RFC 8935 §2.4 / OBIE setErrs codes",
        required: true,
    };
    let mut v = Vec::new();
    match name {
        "key-rotation" => v.push(CheckDef {
            title: "after a key rotation, the SET signed with the new key is acknowledged (the JWKS was fetched again; a 30 s refresh rate limit is allowed)",
            clause: "OBIE Message Signing (keys rotate at the directory); RFC 7517 §5",
            required: false,
            ..settle
        }),
        "duplicates" => v.push(CheckDef {
            title: "a SET delivered again is acknowledged again (or reported as dup), and every SET is settled",
            clause: "RFC 8936 §2.4 (recipients accept repeats); OBIE Aggregated Polling",
            ..settle
        }),
        "idle" => v.push(CheckDef {
            title: "with nothing to deliver, at most 20 requests in 2 s (no spinning)",
            clause: "OBIE Aggregated Polling (polling interval); RFC 8936 §4.2 (HTTP considerations)",
            ..settle
        }),
        "rate-limited" => v.push(CheckDef {
            title: "after 429, waits Retry-After (1 s) and resends the refused acknowledgements",
            clause: "CreateEvents 429Error (aggregated-polling-v3.1.2.yaml); RFC 9110 §10.2.3 Retry-After",
            ..settle
        }),
        "unavailable" => v.push(CheckDef {
            title: "after 503, backs off (at least 200 ms) and keeps the acknowledgements until one is taken",
            clause: "RFC 9110 §15.6.4 (503); RFC 8936 §2.4 (acks of SETs not taken are sent again)",
            ..settle
        }),
        "dropped-response" => v.push(CheckDef {
            title: "after a connection closed without an answer, resends the same acknowledgements",
            clause: "RFC 8936 §2.4 (an ack counts only when the transmitter answered)",
            ..settle
        }),
        _ => v.push(settle),
    }
    v
}

/// The run-wide checks scored after every scenario.
pub const GLOBAL: [CheckDef; 5] = [
    CheckDef {
        id: "request-bodies-valid",
        title: "every request body is a valid OBEventPolling1 (the core's strict parser)",
        clause: "OBEventPolling1 (events-v3.1.11.yaml / events-v4.0.yaml additionalProperties false); RFC 8936 §2.4",
        required: true,
    },
    CheckDef {
        id: "max-events-camel-case",
        title: "never sends max_events (the member is maxEvents)",
        clause: "OBEventPolling1.maxEvents; RFC 8936 §2.4",
        required: true,
    },
    CheckDef {
        id: "bearer-token",
        title: "every request carries Authorization: Bearer and Content-Type application/json",
        clause: "CreateEvents parameters Authorization, requestBody application/json; RFC 6750 §2.1",
        required: true,
    },
    CheckDef {
        id: "ack-only-flush",
        title: "acknowledgement-only flushes write maxEvents: 0 explicitly",
        clause: "OBEventPolling1.maxEvents (zero: no events returned); RFC 8936 §2.4.2",
        required: true,
    },
    CheckDef {
        id: "acks-only-verified",
        title: "acknowledges only SETs it received and verified",
        clause: "RFC 8936 §2.4 (ack lists SETs processed); RFC 8417 §2 (verify before use)",
        required: true,
    },
];

/// The checks planned for `names`.
pub fn plan(names: &[&'static str]) -> Vec<CheckDef> {
    let mut v: Vec<CheckDef> = names.iter().flat_map(|n| checks(n)).collect();
    v.extend(GLOBAL);
    v
}

/// Whether a request after index `i` (applied) settles `d`: an ack, or a
/// `setErrs` entry.
fn settlement(log: &[Seen], d: &Delivery) -> (bool, Option<String>) {
    let mut acked = false;
    let mut err = None;
    for seen in log.iter().skip(d.request + 1).filter(|s| s.applied()) {
        if seen.acks.contains(&d.sent.jti) {
            acked = true;
        }
        if let Some((_, e)) = seen.set_errs.iter().find(|(j, _)| *j == d.sent.jti) {
            err = Some(e.clone());
        }
    }
    (acked, err)
}

fn settled(log: &[Seen], d: &Delivery) -> bool {
    let (acked, err) = settlement(log, d);
    acked || err.is_some()
}

fn score_settlement(version: Version, log: &[Seen], ds: &[&Delivery]) -> Result<String, String> {
    if ds.is_empty() {
        return Err("the poller never asked for (or never received) this scenario's SETs".into());
    }
    for d in ds {
        let (acked, err) = settlement(log, d);
        let jti = &d.sent.jti;
        match d.sent.expect {
            Expect::Ack | Expect::AckAfterRefresh => {
                let dup_report = err.as_deref() == Some("dup");
                if !acked && !dup_report {
                    return Err(match err {
                        Some(e) => format!("{jti} is a good SET but was reported in setErrs ({e})"),
                        None => format!(
                            "{jti} was delivered (request #{}) but never acknowledged",
                            d.request + 1
                        ),
                    });
                }
            }
            Expect::SetErr => {
                if acked {
                    return Err(format!("{jti} is a bad SET but was acknowledged"));
                }
                match err {
                    Some(e) if version.valid_set_err(&e) => {}
                    Some(e) => {
                        return Err(format!(
                            "{jti} reported with err {e:?}, not a code of the {} vocabulary",
                            match version.vocabulary() {
                                setpoll_core::codes::Vocabulary::Rfc8935 => "RFC 8935",
                                _ => "OBIE (draft-ietf-secevent-http-push)",
                            }
                        ))
                    }
                    None => {
                        return Err(format!(
                            "{jti} is a bad SET but was never reported in setErrs"
                        ))
                    }
                }
            }
        }
    }
    Ok(format!("{} deliveries settled", ds.len()))
}

/// Index of the first request in `log` failed with `answer`, and the next request.
fn after_failure(log: &[Seen], pick: impl Fn(&Answer) -> bool) -> Option<(&Seen, Option<&Seen>)> {
    let i = log.iter().position(|s| pick(&s.answer))?;
    Some((log.get(i)?, log.get(i + 1)))
}

fn keeps_acks(failed: &Seen, next: Option<&Seen>) -> Result<(), String> {
    let Some(next) = next else {
        return Err("no request followed the failed one".into());
    };
    if failed.acks.is_empty() {
        return Err(format!(
            "the failed request carried no acknowledgements to keep: {}",
            String::from_utf8_lossy(&failed.body)
        ));
    }
    if let Some(lost) = failed.acks.iter().find(|a| !next.acks.contains(a)) {
        return Err(format!(
            "ack {lost} sent in the failed request is missing from the next one\nfailed: {}\nnext:   {}",
            String::from_utf8_lossy(&failed.body),
            String::from_utf8_lossy(&next.body)
        ));
    }
    Ok(())
}

fn score(
    name: &str,
    version: Version,
    log: &[Seen],
    ds: &[&Delivery],
    started: Instant,
) -> Result<String, String> {
    match name {
        "idle" => {
            let n = log
                .iter()
                .filter(|s| s.at.duration_since(started) <= IDLE_WINDOW)
                .count();
            if n > IDLE_MAX_REQUESTS {
                return Err(format!(
                    "{n} requests in {} ms with nothing to deliver",
                    IDLE_WINDOW.as_millis()
                ));
            }
            Ok(format!("{n} requests in {} ms", IDLE_WINDOW.as_millis()))
        }
        "rate-limited" => {
            let (failed, next) = after_failure(log, |a| *a == Answer::Status(429))
                .ok_or("the 429 was never served")?;
            keeps_acks(failed, next)?;
            let gap = next
                .map(|n| n.at.duration_since(failed.done))
                .unwrap_or_default();
            if gap + Duration::from_millis(50) < Duration::from_secs(RETRY_AFTER_SECS) {
                return Err(format!(
                    "the next request came {} ms after Retry-After: {RETRY_AFTER_SECS}",
                    gap.as_millis()
                ));
            }
            score_settlement(version, log, ds)
                .map(|m| format!("{m}; waited {} ms", gap.as_millis()))
        }
        "unavailable" | "dropped-response" => {
            let pick = |a: &Answer| {
                if name == "unavailable" {
                    *a == Answer::Status(503)
                } else {
                    *a == Answer::Dropped
                }
            };
            let (failed, next) = after_failure(log, pick).ok_or("the failure was never served")?;
            keeps_acks(failed, next)?;
            let mut gaps = Vec::new();
            for (i, s) in log.iter().enumerate() {
                if pick(&s.answer) {
                    if let Some(n) = log.get(i + 1) {
                        gaps.push(n.at.duration_since(s.done));
                    }
                }
            }
            if name == "unavailable" {
                if let Some(g) = gaps.iter().find(|g| **g < MIN_BACKOFF) {
                    return Err(format!(
                        "retried {} ms after a 503 (no backoff)",
                        g.as_millis()
                    ));
                }
            }
            let ms: Vec<u128> = gaps.iter().map(Duration::as_millis).collect();
            score_settlement(version, log, ds)
                .map(|m| format!("{m}; pauses after failures {ms:?} ms"))
        }
        _ => score_settlement(version, log, ds),
    }
}

/// Wait until the poller sends its first `POST /events`.
///
/// # Errors
/// When none arrives within `wait` (a setup problem, not a score), naming
/// what did arrive.
fn wait_for_poller(state: &std::sync::Mutex<State>, wait: Duration) -> Result<(), String> {
    let until = Instant::now() + wait;
    loop {
        {
            let s = lock(state);
            if !s.log.is_empty() {
                return Ok(());
            }
            if Instant::now() >= until {
                let mut seen = format!("{} JWKS fetches", s.jwks_fetches);
                if !s.stray.is_empty() {
                    seen.push_str(&format!(
                        ", requests to unknown paths: {}",
                        s.stray.join(", ")
                    ));
                }
                return Err(format!(
                    "no poller sent POST /events within --wait-ms {} ({seen}); \
                     check the URL it polls and that it is running",
                    wait.as_millis()
                ));
            }
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Run `names` in order against the poller hitting `mock`, recording results.
///
/// # Errors
/// When a scenario cannot be built (signing failed).
pub fn run(
    mock: &Mock,
    signer: &Signer,
    names: &[&'static str],
    timeout: Duration,
    first_wait: Duration,
    card: &mut Scorecard,
) -> Result<(), String> {
    let state = mock.state();
    let begun = Instant::now();
    for (index, name) in names.iter().enumerate() {
        let (steps, rotate) = script(name, signer)?;
        {
            let mut s = lock(state);
            s.scenario = index + 1;
            s.script = steps.into();
            if rotate {
                s.jwks = signer.jwks(true)?;
            }
        }
        if index == 0 {
            wait_for_poller(state, first_wait)?;
        }
        let started = Instant::now();
        let deadline = started
            + match *name {
                "key-rotation" => timeout + KEY_REFRESH_ALLOWANCE,
                _ => timeout,
            };
        loop {
            std::thread::sleep(Duration::from_millis(50));
            let s = lock(state);
            let done = if *name == "idle" {
                started.elapsed() >= IDLE_WINDOW
            } else {
                let mine: Vec<&Delivery> = s
                    .deliveries
                    .iter()
                    .filter(|d| d.scenario == index + 1)
                    .collect();
                s.script.is_empty() && !mine.is_empty() && mine.iter().all(|d| settled(&s.log, d))
            };
            if done || Instant::now() >= deadline {
                break;
            }
        }
        // A moment for a trailing flush, then score.
        std::thread::sleep(Duration::from_millis(100));
        let s = lock(state);
        let log: Vec<Seen> = s
            .log
            .iter()
            .filter(|x| x.scenario == index + 1)
            .cloned()
            .collect();
        let first = s
            .log
            .iter()
            .position(|x| x.scenario == index + 1)
            .unwrap_or(0);
        let ds: Vec<Delivery> = s
            .deliveries
            .iter()
            .filter(|d| d.scenario == index + 1)
            .map(|d| Delivery {
                request: d.request.saturating_sub(first),
                ..d.clone()
            })
            .collect();
        drop(s);
        let refs: Vec<&Delivery> = ds.iter().collect();
        let verdict = score(name, signer.version, &log, &refs, started);
        for def in checks(name) {
            let (outcome, detail) = match &verdict {
                Ok(m) => (Outcome::Pass, m.clone()),
                Err(m) => (Outcome::Fail, m.clone()),
            };
            card.record(CheckResult {
                def,
                outcome,
                detail,
                duration: started.elapsed(),
            });
        }
    }
    score_global(state, signer.version, card, begun);
    Ok(())
}

fn score_global(
    state: &std::sync::Mutex<State>,
    version: Version,
    card: &mut Scorecard,
    begun: Instant,
) {
    let s = lock(state);
    let log = &s.log;
    let opts = version.request_options();
    let mut results: Vec<Result<String, String>> = Vec::new();
    // request-bodies-valid
    results.push(
        match log
            .iter()
            .find_map(|x| EventPolling::parse(&x.body, &opts).err().map(|e| (x, e)))
        {
            Some((x, e)) => Err(format!(
                "{} ({}, path {}): {}",
                e,
                e.code(),
                e.path().unwrap_or("-"),
                String::from_utf8_lossy(&x.body)
            )),
            None if log.is_empty() => Err("the poller sent no request".into()),
            None => Ok(format!("{} requests", log.len())),
        },
    );
    // max-events-camel-case
    results.push(
        match log.iter().find(|x| x.json.get("max_events").is_some()) {
            Some(x) => Err(format!(
                "sent max_events: {}",
                String::from_utf8_lossy(&x.body)
            )),
            None if log.is_empty() => Err("the poller sent no request".into()),
            None => Ok(String::new()),
        },
    );
    // bearer-token
    let bad = log.iter().find(|x| {
        !x.authorization
            .as_deref()
            .is_some_and(|a| a.to_ascii_lowercase().starts_with("bearer "))
            || !x
                .content_type
                .as_deref()
                .is_some_and(|c| c.to_ascii_lowercase().starts_with("application/json"))
            || x.answer == Answer::Refused(401)
    });
    results.push(match bad {
        Some(x) => Err(format!(
            "Authorization {:?}, Content-Type {:?}{}",
            x.authorization
                .as_deref()
                .map(|a| if a.len() > 12 { "Bearer <...>" } else { a }),
            x.content_type,
            if x.answer == Answer::Refused(401) {
                " (token refused: check --token)"
            } else {
                ""
            }
        )),
        None if log.is_empty() => Err("the poller sent no request".into()),
        None => Ok(String::new()),
    });
    // ack-only-flush: some acknowledgement went out with maxEvents 0, and
    // no maxEvents 0 request carried nothing at all.
    let flushes = log
        .iter()
        .filter(|x| x.max_events() == Some(0) && !(x.acks.is_empty() && x.set_errs.is_empty()))
        .count();
    let empty_zero = log
        .iter()
        .find(|x| x.max_events() == Some(0) && x.acks.is_empty() && x.set_errs.is_empty());
    results.push(match (flushes, empty_zero) {
        (_, Some(x)) => Err(format!("a maxEvents 0 request with nothing to acknowledge: {}", String::from_utf8_lossy(&x.body))),
        (0, None) => Err("no request carried acknowledgements with maxEvents: 0 (acks only ride on polls, or the flush omits maxEvents)".into()),
        (n, None) => Ok(format!("{n} flushes")),
    });
    // acks-only-verified
    let mut expect: HashMap<&str, Expect> = HashMap::new();
    for d in &s.deliveries {
        expect.insert(d.sent.jti.as_str(), d.sent.expect);
    }
    let wrong = log.iter().flat_map(|x| x.acks.iter()).find(|a| {
        !matches!(
            expect.get(a.as_str()),
            Some(Expect::Ack | Expect::AckAfterRefresh)
        )
    });
    results.push(match wrong {
        Some(a) if expect.contains_key(a.as_str()) => {
            Err(format!("acknowledged {a}, a SET that fails verification"))
        }
        Some(a) => Err(format!("acknowledged {a}, which was never delivered")),
        None if s.deliveries.is_empty() => Err("no SET was delivered".into()),
        None => Ok(String::new()),
    });
    drop(s);
    for (def, r) in GLOBAL.into_iter().zip(results) {
        let (outcome, detail) = match r {
            Ok(m) => (Outcome::Pass, m),
            Err(m) => (Outcome::Fail, m),
        };
        card.record(CheckResult {
            def,
            outcome,
            detail,
            duration: begun.elapsed(),
        });
    }
}
