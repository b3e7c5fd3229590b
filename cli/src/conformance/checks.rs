//! `setpoll conformance aspsp`: black-box checks of a bank's `POST /events`.
//!
//! Every check names its clause and, on failure, shows the request, the
//! response and what was expected. The rules themselves come from the core:
//! request bodies are judged by the core's strict parser (an invalid body is
//! one the core refuses under the version's options), responses are read by
//! the core's reader, SETs are verified by `verify_set` and the OBIE claims
//! profile, codes come from the core's tables.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use setpoll_core::claims::SetClaims;
use setpoll_core::jose::Keyring;
use setpoll_core::set::{peek_envelope, verify_set, VerifyPolicy};
use setpoll_core::wire::{EventPolling, EventPollingResponse, ResponseLimits};

use super::enqueue::Enqueuer;
use super::http::{self, Request, Response, Url};
use super::now;
use super::profile::Version;
use super::report::{CheckDef, CheckResult, Outcome, Scorecard};

/// Most polls one drain may take before giving up.
const DRAIN_ROUNDS: usize = 40;
/// `returnImmediately: true` must be answered within this.
const IMMEDIATE_BOUND: Duration = Duration::from_secs(3);
/// Longest `--visibility-timeout-ms` honoured (waits are bounded).
pub const MAX_VISIBILITY: Duration = Duration::from_secs(120);

/// One client of the bank: its bearer token and client id (`aud`).
#[derive(Clone, Debug)]
pub struct Client {
    /// `--token`.
    pub token: String,
    /// `--client-id`.
    pub id: String,
}

/// What `--set-errs` says the bank documents.
#[derive(Copy, Clone, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SetErrsPolicy {
    /// A SET reported in `setErrs` is never delivered again.
    DeadLetter,
    /// A SET reported in `setErrs` is delivered again (OBIE v4's "awaiting").
    Redeliver,
}

/// Everything the checks need.
pub struct Target {
    /// `--events-url`.
    pub events: Url,
    /// Clients, the first is the main one.
    pub clients: Vec<Client>,
    /// The bank's keys (`--jwks-url`).
    pub keys: Keyring,
    /// `--issuer`.
    pub issuer: String,
    /// `--version`.
    pub version: Version,
    /// How to queue test SETs.
    pub enqueue: Enqueuer,
    /// `--visibility-timeout-ms`.
    pub visibility: Option<Duration>,
    /// `--set-errs`.
    pub set_errs: SetErrsPolicy,
    /// Per-request deadline.
    pub timeout: Duration,
    /// A prefix making this run's `jti`s and tags unique.
    pub run_id: String,
}

/// How a check ended, before timing is added.
enum Verdict {
    Pass(String),
    Fail(String),
    Skip(String),
}

/// A successful poll, read back.
struct Poll {
    request: Request,
    response: Response,
    sets: Vec<(String, String)>,
    more: Option<bool>,
}

impl Poll {
    fn evidence(&self) -> String {
        format!(
            "request: {}\nresponse: {}",
            self.request.describe(),
            self.response.describe()
        )
    }
    fn jtis(&self) -> Vec<&str> {
        self.sets.iter().map(|(j, _)| j.as_str()).collect()
    }
}

fn evidence(request: &Request, response: &Response) -> String {
    format!(
        "request: {}\nresponse: {}",
        request.describe(),
        response.describe()
    )
}

struct Run<'a> {
    t: &'a Target,
    /// Every SET seen in a successful poll, for the SET-level checks:
    /// client id, `jti`, token, and where it came from (for failure reports).
    seen: Vec<(String, String, String, String)>,
    /// `(client index, jti)` delivered and not yet acknowledged.
    unacked: BTreeSet<(usize, String)>,
    counter: usize,
}

macro_rules! bail {
    ($($arg:tt)*) => {
        return Verdict::Fail(format!($($arg)*))
    };
}

macro_rules! tryv {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(message) => return Verdict::Fail(message),
        }
    };
}

impl<'a> Run<'a> {
    fn tag(&mut self, what: &str) -> String {
        self.counter += 1;
        format!("{}-{what}-{}", self.t.run_id, self.counter)
    }

    fn interaction_id(&mut self) -> String {
        self.counter += 1;
        format!("{}-{:04}", self.t.run_id, self.counter)
    }

    fn request(&mut self, client: usize, body: &str) -> Request {
        let token = self.t.clients.get(client).map(|c| c.token.as_str());
        let id = self.interaction_id();
        Request::post_json(&self.t.events, token, body).with_header("x-fapi-interaction-id", &id)
    }

    fn send(&self, request: &Request) -> Result<Response, String> {
        http::send(request, self.t.timeout)
            .map_err(|e| format!("{e}\nrequest: {}", request.describe()))
    }

    /// POST `body` as client `client`; the answer must be a success with a
    /// readable `OBEventPollingResponse1`.
    fn poll(&mut self, client: usize, body: &Value) -> Result<Poll, String> {
        let request = self.request(client, &body.to_string());
        let response = self.send(&request)?;
        let expected = self.t.version.success();
        if !expected.contains(&response.status) {
            return Err(format!(
                "expected status {expected:?} ({} CreateEvents)\n{}",
                self.t.version.file(),
                evidence(&request, &response)
            ));
        }
        let parsed =
            EventPollingResponse::parse_lenient(&response.body, &ResponseLimits::default())
                .map_err(|e| {
                    format!(
                        "the body is not a readable OBEventPollingResponse1 ({}): {e}\n{}",
                        e.code(),
                        evidence(&request, &response)
                    )
                })?;
        let raw: Value = serde_json::from_slice(&response.body).unwrap_or(Value::Null);
        let more = raw.get("moreAvailable").and_then(Value::as_bool);
        let client_id = self
            .t
            .clients
            .get(client)
            .map(|c| c.id.clone())
            .unwrap_or_default();
        for acked in body
            .get("ack")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(j) = acked.as_str() {
                self.unacked.remove(&(client, j.to_owned()));
            }
        }
        let origin = format!(
            "delivered in the answer to {} (x-fapi-interaction-id {})",
            request.url,
            request
                .headers
                .iter()
                .find(|(n, _)| n == "x-fapi-interaction-id")
                .map_or("-", |(_, v)| v.as_str())
        );
        for (jti, token) in &parsed.sets {
            self.seen.push((
                client_id.clone(),
                jti.clone(),
                token.clone(),
                format!("{origin}\ntoken: {}", http::cut(token.as_bytes(), 400)),
            ));
            self.unacked.insert((client, jti.clone()));
        }
        Ok(Poll {
            request,
            response,
            sets: parsed.sets,
            more,
        })
    }

    /// Acknowledge everything visible for `client` until nothing is left.
    fn drain(&mut self, client: usize) -> Result<(), String> {
        // Everything delivered earlier and not acknowledged, even if it is
        // invisible now (it would come back in the middle of a later check).
        let mut ack: Vec<String> = self
            .unacked
            .iter()
            .filter(|(c, _)| *c == client)
            .map(|(_, j)| j.clone())
            .collect();
        for _ in 0..DRAIN_ROUNDS {
            let p = self.poll(client, &json!({"returnImmediately": true, "ack": ack}))?;
            ack = p.sets.iter().map(|(j, _)| j.clone()).collect();
            if ack.is_empty() && p.more != Some(true) {
                return Ok(());
            }
        }
        Err(format!(
            "the queue did not empty after {DRAIN_ROUNDS} polls acknowledging everything"
        ))
    }

    fn enqueue(&mut self, client: usize, n: usize) -> Result<Vec<Option<String>>, String> {
        let id = self
            .t
            .clients
            .get(client)
            .map(|c| c.id.clone())
            .unwrap_or_default();
        let tag = self.tag("evt");
        self.t.enqueue.enqueue(&id, n, &tag, self.t.timeout)
    }

    /// Drain, queue `n`, and return their `jti`s when known.
    fn fresh(&mut self, client: usize, n: usize) -> Result<Vec<Option<String>>, String> {
        self.drain(client)?;
        self.enqueue(client, n)
    }

    fn check_more(&self, p: &Poll, expected: bool) -> Result<(), String> {
        match p.more {
            Some(m) if m == expected => Ok(()),
            None if !self.t.version.more_available_required() && !expected => Ok(()),
            got => Err(format!(
                "expected moreAvailable {expected}, got {}\n{}",
                got.map_or("(absent)".to_owned(), |b| b.to_string()),
                p.evidence()
            )),
        }
    }
}

type CheckFn = Box<dyn Fn(&mut Run<'_>) -> Verdict>;

/// The checks, in the order they run, for `version`.
fn catalogue(version: Version) -> Vec<(CheckDef, CheckFn)> {
    let obie = version.obie();
    let mut v: Vec<(CheckDef, CheckFn)> = vec![
        (
            CheckDef {
                id: "empty-response",
                title: "an empty queue answers the version's success status with {\"sets\":{},\"moreAvailable\":false}",
                clause: "OBEventPollingResponse1 (required sets, moreAvailable; additionalProperties false), CreateEvents 200/201; RFC 8936 §2.5",
                required: true,
            },
            Box::new(empty_response) as CheckFn,
        ),
        (
            CheckDef {
                id: "interaction-id-echoed",
                title: "x-fapi-interaction-id is echoed on the response",
                clause: "CreateEvents responses: header x-fapi-interaction-id; OBIE Read/Write API Specification, HTTP headers",
                required: obie,
            },
            Box::new(interaction_id_echoed) as CheckFn,
        ),
        (
            CheckDef {
                id: "auth-required",
                title: "no token and an unknown token are refused with 401",
                clause: "CreateEvents 401Error, security TPPOAuth2Security; RFC 6750 §3.1",
                required: true,
            },
            Box::new(auth_required) as CheckFn,
        ),
        (
            CheckDef {
                id: "content-type-415",
                title: "a body that is not application/json is refused with 415",
                clause: "events-v3.1.11.yaml / events-v4.0.yaml CreateEvents 415Error, requestBody content",
                required: matches!(version, Version::V3111 | Version::V40),
            },
            Box::new(content_type_415) as CheckFn,
        ),
        (
            CheckDef {
                id: "accept-406",
                title: "Accept: application/xml is refused with 406",
                clause: "CreateEvents 406Error (all three OBIE files)",
                required: obie,
            },
            Box::new(accept_406) as CheckFn,
        ),
    ];
    for (i, case) in INVALID_BODIES.iter().enumerate() {
        if case.only_closed_schema && !version.request_options().reject_unknown_members {
            continue;
        }
        let f: CheckFn = Box::new(move |r: &mut Run<'_>| invalid_body(r, i));
        v.push((
            CheckDef {
                id: case.id,
                title: case.title,
                clause: case.clause,
                required: case.required,
            },
            f,
        ));
    }
    v.extend([
        (
            CheckDef {
                id: "max-events-zero",
                title: "maxEvents 0 returns no SETs, says moreAvailable true, and consumes nothing",
                clause: "OBEventPolling1.maxEvents (\"A value of zero indicates the ASPSP should not return events\"); RFC 8936 §2.4, §2.4.2",
                required: true,
            },
            Box::new(max_events_zero) as CheckFn,
        ),
        (
            CheckDef {
                id: "max-events-absent",
                title: "an absent maxEvents returns SETs (the ASPSP's default) with an exact moreAvailable",
                clause: "OBEventPolling1.maxEvents; RFC 8936 §2.4 (\"an implementation-specific default limit\")",
                required: true,
            },
            Box::new(max_events_absent) as CheckFn,
        ),
        (
            CheckDef {
                id: "max-events-over-cap",
                title: "maxEvents 2147483647 is capped, not refused",
                clause: "OBIE Aggregated Polling (the ASPSP documents and applies an upper bound); OBEventPolling1.maxEvents type integer",
                required: true,
            },
            Box::new(max_events_over_cap) as CheckFn,
        ),
        (
            CheckDef {
                id: "more-available-exact",
                title: "moreAvailable is present and exact across a chain of maxEvents 1 polls",
                clause: "OBEventPollingResponse1.moreAvailable (required); RFC 8936 §2.5",
                required: true,
            },
            Box::new(more_available_exact) as CheckFn,
        ),
        (
            CheckDef {
                id: "oldest-first",
                title: "SETs come oldest first",
                clause: "OBIE Aggregated Polling (events in the order raised); RFC 8936 §2.5",
                required: true,
            },
            Box::new(oldest_first) as CheckFn,
        ),
        (
            CheckDef {
                id: "return-immediately",
                title: "returnImmediately true on an empty queue is answered at once",
                clause: "OBEventPolling1.returnImmediately; RFC 8936 §2.4",
                required: true,
            },
            Box::new(return_immediately) as CheckFn,
        ),
        (
            CheckDef {
                id: "ack-unknown-jti",
                title: "acknowledging an unknown jti succeeds and changes nothing",
                clause: "OBEventPolling1.ack; RFC 8936 §2.4.2; OBIE Aggregated Polling (a TPP only acknowledges its own SETs)",
                required: true,
            },
            Box::new(ack_unknown_jti) as CheckFn,
        ),
        (
            CheckDef {
                id: "set-errs-unknown-jti",
                title: "setErrs naming an unknown jti succeeds and changes nothing",
                clause: "OBEventPolling1.setErrs; RFC 8936 §2.4.4",
                required: true,
            },
            Box::new(set_errs_unknown_jti) as CheckFn,
        ),
        (
            CheckDef {
                id: "ack-cross-client",
                title: "acknowledging another client's jti changes nothing and reveals nothing",
                clause: "OBIE Aggregated Polling (SETs are per TPP); RFC 8936 §4 (Security Considerations)",
                required: true,
            },
            Box::new(ack_cross_client) as CheckFn,
        ),
        (
            CheckDef {
                id: "set-errs-cross-client",
                title: "setErrs naming another client's jti changes nothing and reveals nothing",
                clause: "OBIE Aggregated Polling (SETs are per TPP); RFC 8936 §4",
                required: true,
            },
            Box::new(set_errs_cross_client) as CheckFn,
        ),
        (
            CheckDef {
                id: "set-errs-policy",
                title: "a SET reported in setErrs follows the documented policy (--set-errs)",
                clause: "RFC 8936 §2.4.4; events-v4.0.yaml OBEventPolling1.setErrs (awaiting: not acknowledged or reported)",
                required: true,
            },
            Box::new(set_errs_policy) as CheckFn,
        ),
        (
            CheckDef {
                id: "redelivery-byte-identical",
                title: "an unacknowledged SET comes back after the visibility timeout, byte for byte",
                clause: "RFC 8936 §2.4 (the transmitter may re-send unacknowledged SETs); RFC 8417 §2 (a SET is signed once)",
                required: true,
            },
            Box::new(redelivery_byte_identical) as CheckFn,
        ),
        (
            CheckDef {
                id: "ack-stops-redelivery",
                title: "an acknowledged SET is never delivered again",
                clause: "OBEventPolling1.ack; RFC 8936 §2.4.2",
                required: true,
            },
            Box::new(ack_stops_redelivery) as CheckFn,
        ),
        (
            CheckDef {
                id: "sets-keyed-by-jti",
                title: "each sets key is its token's jti and aud is the calling client",
                clause: "OBEventPollingResponse1.sets; RFC 8936 §2.5; OBEventNotification2 aud",
                required: true,
            },
            Box::new(sets_keyed_by_jti) as CheckFn,
        ),
        (
            CheckDef {
                id: "set-jose-header",
                title: "every SET's protected header follows the version's profile",
                clause: "OBIE Message Signing (kid, crit: http://openbanking.org.uk/iat, /iss, /tan; typ JOSE); RFC 7515 §4.1.11; RFC 8417 §2.3",
                required: true,
            },
            Box::new(set_jose_header) as CheckFn,
        ),
        (
            CheckDef {
                id: "set-verifies",
                title: "every SET verifies against the JWKS with the right iss, aud, iat and claims",
                clause: "event-notifications-v3.1.11.yaml OBEventNotification2; RFC 8417 §2.2; RFC 7515 §5.2",
                required: true,
            },
            Box::new(set_verifies) as CheckFn,
        ),
    ]);
    v
}

/// One invalid body and what makes it invalid.
struct InvalidBody {
    id: &'static str,
    title: &'static str,
    clause: &'static str,
    body: &'static str,
    /// Only refused where `OBEventPolling1` has `additionalProperties: false`.
    only_closed_schema: bool,
    required: bool,
}

const INVALID_BODIES: [InvalidBody; 12] = [
    InvalidBody { id: "invalid-body-not-json", title: "a body that is not JSON gets 400 with OBErrorResponse1", clause: "CreateEvents requestBody OBEventPolling1, 400Error", body: "{\"maxEvents\":", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-not-object", title: "a JSON array body gets 400 with OBErrorResponse1", clause: "OBEventPolling1 type object, 400Error", body: "[]", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-max-events-string", title: "maxEvents \"5\" gets 400 with OBErrorResponse1", clause: "OBEventPolling1.maxEvents type integer, 400Error", body: "{\"maxEvents\":\"5\"}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-max-events-fraction", title: "maxEvents 1.5 gets 400 with OBErrorResponse1", clause: "OBEventPolling1.maxEvents type integer, 400Error", body: "{\"maxEvents\":1.5}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-return-immediately-string", title: "returnImmediately \"yes\" gets 400 with OBErrorResponse1", clause: "OBEventPolling1.returnImmediately type boolean, 400Error", body: "{\"returnImmediately\":\"yes\"}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-ack-not-array", title: "ack \"x\" gets 400 with OBErrorResponse1", clause: "OBEventPolling1.ack type array, 400Error", body: "{\"ack\":\"x\"}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-ack-empty-jti", title: "an empty ack item gets 400 with OBErrorResponse1", clause: "OBEventPolling1.ack items minLength 1, 400Error", body: "{\"ack\":[\"\"]}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-ack-long-jti", title: "a 129-character ack item gets 400 with OBErrorResponse1", clause: "OBEventPolling1.ack items maxLength 128, 400Error", body: "{\"ack\":[\"ack-129-chars-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\"]}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-set-errs-no-description", title: "a setErrs entry without description gets 400 with OBErrorResponse1", clause: "OBEventPolling1.setErrs additionalProperties required [err, description], 400Error", body: "{\"setErrs\":{\"jti-1\":{\"err\":\"jws\"}}}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-set-errs-long-err", title: "a 41-character setErrs err gets 400 with OBErrorResponse1", clause: "OBEventPolling1.setErrs err maxLength 40, 400Error", body: "{\"setErrs\":{\"jti-1\":{\"err\":\"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\",\"description\":\"d\"}}}", only_closed_schema: false, required: true },
    InvalidBody { id: "invalid-body-unknown-member", title: "max_events (an unknown member) gets 400 with OBErrorResponse1", clause: "events-v3.1.11.yaml / events-v4.0.yaml OBEventPolling1 additionalProperties false, 400Error", body: "{\"max_events\":5}", only_closed_schema: true, required: true },
    InvalidBody { id: "invalid-body-max-events-negative", title: "maxEvents -1 gets 400 with OBErrorResponse1", clause: "OBIE Aggregated Polling (maxEvents is a count; the schema says only integer)", body: "{\"maxEvents\":-1}", only_closed_schema: false, required: false },
];

/// The planned checks (ids and definitions) for `--list`-style output and tests.
pub fn plan(version: Version) -> Vec<CheckDef> {
    catalogue(version).into_iter().map(|(d, _)| d).collect()
}

/// Run every check against `t`, recording into `card`.
pub fn run(t: &Target, card: &mut Scorecard) {
    let mut r = Run {
        t,
        seen: Vec::new(),
        unacked: BTreeSet::new(),
        counter: 0,
    };
    for (def, f) in catalogue(t.version) {
        let started = Instant::now();
        let verdict = f(&mut r);
        let (outcome, detail) = match verdict {
            Verdict::Pass(d) => (Outcome::Pass, d),
            Verdict::Fail(d) => (Outcome::Fail, d),
            Verdict::Skip(d) => (Outcome::Skip, d),
        };
        card.record(CheckResult {
            def,
            outcome,
            detail,
            duration: started.elapsed(),
        });
    }
    // Leave nothing of ours behind.
    for i in 0..t.clients.len() {
        let _ = r.drain(i);
    }
}

fn empty_response(r: &mut Run<'_>) -> Verdict {
    tryv!(r.drain(0));
    let p = tryv!(r.poll(0, &json!({"returnImmediately": true})));
    let ct = p.response.header("content-type").unwrap_or_default();
    if !ct.to_ascii_lowercase().starts_with("application/json") {
        bail!("expected Content-Type application/json\n{}", p.evidence());
    }
    let raw: Value = serde_json::from_slice(&p.response.body).unwrap_or(Value::Null);
    let members: BTreeSet<&str> = raw
        .as_object()
        .map(|m| m.keys().map(String::as_str).collect())
        .unwrap_or_default();
    let sets_ok = raw
        .get("sets")
        .is_some_and(|s| s.as_object().is_some_and(serde_json::Map::is_empty));
    let allowed: BTreeSet<&str> = ["sets", "moreAvailable"].into_iter().collect();
    if !sets_ok || (r.t.version.obie() && !members.is_subset(&allowed)) {
        bail!(
            "expected exactly {{\"sets\":{{}},\"moreAvailable\":false}}\n{}",
            p.evidence()
        );
    }
    tryv!(r.check_more(&p, false));
    Verdict::Pass(String::new())
}

fn interaction_id_echoed(r: &mut Run<'_>) -> Verdict {
    let id = "3f1c7a52-2d61-4b2f-9b7e-6f0d5b1e2a90";
    let request = r
        .request(0, "{\"returnImmediately\":true,\"maxEvents\":0}")
        .with_header("x-fapi-interaction-id", id);
    let response = tryv!(r.send(&request));
    match response.header("x-fapi-interaction-id") {
        Some(v) if v == id => Verdict::Pass(String::new()),
        _ => Verdict::Fail(format!(
            "expected x-fapi-interaction-id: {id} on the response\n{}",
            evidence(&request, &response)
        )),
    }
}

fn auth_required(r: &mut Run<'_>) -> Verdict {
    let body = "{\"returnImmediately\":true,\"maxEvents\":0}";
    let none = r.request(0, body).without_header("authorization");
    let bogus = r.request(0, body).with_header(
        "Authorization",
        &format!("Bearer {}-not-a-token", r.t.run_id),
    );
    for request in [none, bogus] {
        let response = tryv!(r.send(&request));
        if response.status != 401 {
            bail!("expected 401\n{}", evidence(&request, &response));
        }
    }
    Verdict::Pass(String::new())
}

fn content_type_415(r: &mut Run<'_>) -> Verdict {
    let request = r
        .request(0, "{\"returnImmediately\":true,\"maxEvents\":0}")
        .with_header("Content-Type", "text/plain");
    let response = tryv!(r.send(&request));
    if response.status == 415 {
        Verdict::Pass(String::new())
    } else {
        Verdict::Fail(format!("expected 415\n{}", evidence(&request, &response)))
    }
}

fn accept_406(r: &mut Run<'_>) -> Verdict {
    let request = r
        .request(0, "{\"returnImmediately\":true,\"maxEvents\":0}")
        .with_header("Accept", "application/xml");
    let response = tryv!(r.send(&request));
    if response.status == 406 {
        Verdict::Pass(String::new())
    } else {
        Verdict::Fail(format!("expected 406\n{}", evidence(&request, &response)))
    }
}

/// What is wrong with an `OBErrorResponse1` under `version`, if anything.
pub fn error_body_problem(version: Version, body: &[u8]) -> Option<String> {
    let Ok(Value::Object(top)) = serde_json::from_slice::<Value>(body) else {
        return Some("the body is not a JSON object".into());
    };
    let v31 = matches!(version, Version::V312 | Version::V3111);
    let len_ok = |v: &Value, max: usize| {
        v.as_str()
            .is_some_and(|s| (1..=max).contains(&s.chars().count()))
    };
    for (name, max, required) in [("Code", 40, v31), ("Id", 40, false), ("Message", 500, v31)] {
        match top.get(name) {
            Some(v) if !len_ok(v, max) => {
                return Some(format!("{name} must be a string of 1..{max} characters"))
            }
            None if required => return Some(format!("{name} is required")),
            _ => {}
        }
    }
    if let Some(extra) = top
        .keys()
        .find(|k| !["Code", "Id", "Message", "Errors"].contains(&k.as_str()))
    {
        return Some(format!(
            "unexpected member {extra:?} (additionalProperties false)"
        ));
    }
    let Some(errors) = top
        .get("Errors")
        .and_then(Value::as_array)
        .filter(|a| !a.is_empty())
    else {
        return Some("Errors must be an array of at least one OBError1".into());
    };
    for e in errors {
        let Some(e) = e.as_object() else {
            return Some("an Errors item is not an object".into());
        };
        match e.get("ErrorCode").and_then(Value::as_str) {
            Some(code) if version.valid_error_code(code) => {}
            Some(code) => {
                return Some(format!(
                    "ErrorCode {code:?} is not one of {}'s codes",
                    version.file()
                ))
            }
            None => return Some("ErrorCode is required".into()),
        }
        for (name, required) in [("Message", v31), ("Path", false)] {
            match e.get(name) {
                Some(v) if !len_ok(v, 500) => {
                    return Some(format!("Errors[].{name} must be 1..500 characters"))
                }
                None if required => return Some(format!("Errors[].{name} is required")),
                _ => {}
            }
        }
        if let Some(extra) = e
            .keys()
            .find(|k| !["ErrorCode", "Message", "Path", "Url"].contains(&k.as_str()))
        {
            return Some(format!(
                "unexpected member Errors[].{extra} (additionalProperties false)"
            ));
        }
    }
    None
}

fn invalid_body(r: &mut Run<'_>, i: usize) -> Verdict {
    let Some(case) = INVALID_BODIES.get(i) else {
        return Verdict::Skip("no such case".into());
    };
    // The core is the judge of what is invalid: a case it would accept
    // under this version's options is not a check at all.
    let core_says = EventPolling::parse(case.body.as_bytes(), &r.t.version.request_options());
    let Err(expected) = core_says else {
        return Verdict::Skip(format!(
            "the core accepts this body under {}",
            r.t.version.name()
        ));
    };
    let request = r.request(0, case.body);
    let response = tryv!(r.send(&request));
    if response.status != 400 {
        bail!(
            "expected 400 (the core refuses it: {}, path {})\n{}",
            expected.code(),
            expected.path().unwrap_or("-"),
            evidence(&request, &response)
        );
    }
    if !r.t.version.obie() {
        // RFC 8936 §2.5.1 defines no error body for a refused poll.
        return Verdict::Pass(String::new());
    }
    if let Some(problem) = error_body_problem(r.t.version, &response.body) {
        bail!(
            "expected a well-formed OBErrorResponse1 ({}): {problem}\n{}",
            r.t.version.file(),
            evidence(&request, &response)
        );
    }
    let note = format!("core code: {}", expected.obie_code());
    Verdict::Pass(note)
}

fn max_events_zero(r: &mut Run<'_>) -> Verdict {
    tryv!(r.fresh(0, 2));
    let p = tryv!(r.poll(0, &json!({"maxEvents": 0, "returnImmediately": true})));
    if !p.sets.is_empty() {
        bail!("expected no SETs for maxEvents 0\n{}", p.evidence());
    }
    tryv!(r.check_more(&p, true));
    let p = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
    if p.sets.len() != 2 {
        bail!(
            "expected the 2 queued SETs to be still deliverable after the maxEvents 0 poll, got {}\n{}",
            p.sets.len(),
            p.evidence()
        );
    }
    Verdict::Pass(String::new())
}

fn max_events_absent(r: &mut Run<'_>) -> Verdict {
    tryv!(r.fresh(0, 3));
    let p = tryv!(r.poll(0, &json!({"returnImmediately": true})));
    if p.sets.is_empty() {
        bail!(
            "expected SETs when maxEvents is absent (3 are queued)\n{}",
            p.evidence()
        );
    }
    tryv!(r.check_more(&p, p.sets.len() < 3));
    Verdict::Pass(format!("default batch returned {}", p.sets.len()))
}

fn max_events_over_cap(r: &mut Run<'_>) -> Verdict {
    tryv!(r.fresh(0, 2));
    let p = tryv!(r.poll(
        0,
        &json!({"maxEvents": 2_147_483_647u32, "returnImmediately": true})
    ));
    if p.sets.len() != 2 {
        bail!(
            "expected the 2 queued SETs, got {}\n{}",
            p.sets.len(),
            p.evidence()
        );
    }
    tryv!(r.check_more(&p, false));
    Verdict::Pass(String::new())
}

fn more_available_exact(r: &mut Run<'_>) -> Verdict {
    tryv!(r.fresh(0, 3));
    let mut ack: Vec<String> = Vec::new();
    for (i, expect_more) in [true, true, false].into_iter().enumerate() {
        let p = tryv!(r.poll(
            0,
            &json!({"maxEvents": 1, "returnImmediately": true, "ack": ack})
        ));
        if p.sets.len() != 1 {
            bail!(
                "poll {} of 3: expected 1 SET for maxEvents 1, got {}\n{}",
                i + 1,
                p.sets.len(),
                p.evidence()
            );
        }
        if p.more.is_none() && r.t.version.more_available_required() {
            bail!("moreAvailable is missing\n{}", p.evidence());
        }
        tryv!(r
            .check_more(&p, expect_more)
            .map_err(|e| format!("poll {} of 3: {e}", i + 1)));
        ack = p.sets.iter().map(|(j, _)| j.clone()).collect();
    }
    let p = tryv!(r.poll(
        0,
        &json!({"maxEvents": 0, "returnImmediately": true, "ack": ack})
    ));
    tryv!(r.check_more(&p, false));
    Verdict::Pass(String::new())
}

fn oldest_first(r: &mut Run<'_>) -> Verdict {
    tryv!(r.drain(0));
    let mut queued = Vec::new();
    for _ in 0..3 {
        queued.extend(tryv!(r.enqueue(0, 1)));
    }
    let p = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
    if p.sets.len() != 3 {
        bail!(
            "expected the 3 queued SETs, got {}\n{}",
            p.sets.len(),
            p.evidence()
        );
    }
    if r.t.enqueue.knows_jtis() {
        let want: Vec<&str> = queued.iter().flatten().map(String::as_str).collect();
        if p.jtis() != want {
            bail!(
                "expected the order {want:?}, got {:?}\n{}",
                p.jtis(),
                p.evidence()
            );
        }
        return Verdict::Pass(String::new());
    }
    // A command's jtis are unknown: `iat` must not go backwards.
    let iats: Vec<i64> = p
        .sets
        .iter()
        .filter_map(|(_, t)| payload(t).and_then(|c| c.get("iat").and_then(Value::as_i64)))
        .collect();
    if iats.windows(2).any(|w| w.first() > w.get(1)) {
        bail!(
            "iat goes backwards in delivery order: {iats:?}\n{}",
            p.evidence()
        );
    }
    Verdict::Pass("order checked by iat (--enqueue-cmd gives no jtis)".into())
}

fn payload(token: &str) -> Option<Value> {
    use base64::Engine as _;
    let part = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .ok()?;
    serde_json::from_slice(&bytes).ok()
}

fn return_immediately(r: &mut Run<'_>) -> Verdict {
    tryv!(r.drain(0));
    let p = tryv!(r.poll(0, &json!({"returnImmediately": true, "maxEvents": 10})));
    if p.response.elapsed > IMMEDIATE_BOUND {
        bail!(
            "expected an answer within {} ms, took {} ms\n{}",
            IMMEDIATE_BOUND.as_millis(),
            p.response.elapsed.as_millis(),
            p.evidence()
        );
    }
    Verdict::Pass(format!("{} ms", p.response.elapsed.as_millis()))
}

/// Queue two, take one (unacknowledged), send `feedback` with maxEvents 0,
/// and require: success, no SETs, moreAvailable true, and the second SET
/// still deliverable.
fn harmless_feedback(r: &mut Run<'_>, feedback: impl Fn(&str) -> Value) -> Verdict {
    tryv!(r.fresh(0, 2));
    let first = tryv!(r.poll(0, &json!({"maxEvents": 1, "returnImmediately": true})));
    if first.sets.len() != 1 {
        bail!("expected 1 SET for maxEvents 1\n{}", first.evidence());
    }
    let unknown = format!("{}-unknown-jti", r.t.run_id);
    let p = tryv!(r.poll(0, &feedback(&unknown)));
    if !p.sets.is_empty() {
        bail!("expected no SETs for maxEvents 0\n{}", p.evidence());
    }
    tryv!(r.check_more(&p, true));
    let next = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
    if next.sets.len() != 1 {
        bail!(
            "expected the second queued SET to be still deliverable\n{}",
            next.evidence()
        );
    }
    Verdict::Pass(String::new())
}

fn ack_unknown_jti(r: &mut Run<'_>) -> Verdict {
    harmless_feedback(
        r,
        |jti| json!({"maxEvents": 0, "returnImmediately": true, "ack": [jti]}),
    )
}

fn set_errs_unknown_jti(r: &mut Run<'_>) -> Verdict {
    let err = if r.t.version.obie() {
        "jws"
    } else {
        "invalid_key"
    };
    harmless_feedback(r, move |jti| {
        json!({"maxEvents": 0, "returnImmediately": true,
               "setErrs": {jti: {"err": err, "description": "conformance: unknown jti"}}})
    })
}

/// Client 2 acknowledges (or reports) a SET queued for client 1 before
/// client 1 polls: client 2's answer must equal its answer for an unknown
/// `jti`, and client 1 must still receive the SET.
fn cross_client(r: &mut Run<'_>, feedback: fn(&str, Version) -> Value) -> Verdict {
    if r.t.clients.len() < 2 {
        return Verdict::Skip("needs a second --token/--client-id".into());
    }
    if !r.t.enqueue.knows_jtis() {
        return Verdict::Skip(
            "needs --enqueue-url (the jti must be known before the owner polls)".into(),
        );
    }
    tryv!(r.drain(1));
    let jtis = tryv!(r.fresh(0, 1));
    let Some(Some(target)) = jtis.first().cloned() else {
        bail!("the enqueue gave no jti");
    };
    let unknown = format!("{}-unknown-jti", r.t.run_id);
    let baseline = tryv!(r.poll(1, &feedback(&unknown, r.t.version)));
    let probe = tryv!(r.poll(1, &feedback(&target, r.t.version)));
    if probe.response.status != baseline.response.status
        || probe.response.body != baseline.response.body
    {
        bail!(
            "the answer for another client's jti differs from the answer for an unknown jti (it reveals the jti exists)\nunknown jti:\n{}\nother client's jti:\n{}",
            baseline.evidence(),
            probe.evidence()
        );
    }
    let owner = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
    if owner.jtis() != [target.as_str()] {
        bail!(
            "expected {target} still deliverable to its own client after another client named it\n{}",
            owner.evidence()
        );
    }
    Verdict::Pass(String::new())
}

fn ack_cross_client(r: &mut Run<'_>) -> Verdict {
    cross_client(
        r,
        |jti, _| json!({"maxEvents": 0, "returnImmediately": true, "ack": [jti]}),
    )
}

fn set_errs_cross_client(r: &mut Run<'_>) -> Verdict {
    cross_client(r, |jti, v| {
        let err = if v.obie() { "jws" } else { "invalid_key" };
        json!({"maxEvents": 0, "returnImmediately": true,
               "setErrs": {jti: {"err": err, "description": "conformance: not mine"}}})
    })
}

fn wait_visibility(r: &Run<'_>) -> Option<Duration> {
    r.t.visibility
        .map(|v| v + Duration::from_millis(300).max(v / 5))
}

fn set_errs_policy(r: &mut Run<'_>) -> Verdict {
    let wait = match (r.t.set_errs, wait_visibility(r)) {
        (SetErrsPolicy::DeadLetter, None) => {
            return Verdict::Skip(
                "needs --visibility-timeout-ms (otherwise an ignored setErrs looks the same)"
                    .into(),
            )
        }
        (_, w) => w,
    };
    tryv!(r.fresh(0, 1));
    let first = tryv!(r.poll(0, &json!({"maxEvents": 1, "returnImmediately": true})));
    let Some((jti, _)) = first.sets.first().cloned() else {
        bail!("expected the queued SET\n{}", first.evidence());
    };
    let err = if r.t.version.obie() {
        "jws"
    } else {
        "invalid_key"
    };
    let report = json!({"maxEvents": 0, "returnImmediately": true,
        "setErrs": {jti.as_str(): {"err": err, "description": "conformance: reported"}}});
    tryv!(r.poll(0, &report));
    match r.t.set_errs {
        SetErrsPolicy::Redeliver => {
            let p = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
            if p.jtis() != [jti.as_str()] {
                bail!(
                    "--set-errs redeliver: expected {jti} again on the next poll\n{}",
                    p.evidence()
                );
            }
            Verdict::Pass(String::new())
        }
        SetErrsPolicy::DeadLetter => {
            if let Some(w) = wait {
                std::thread::sleep(w);
            }
            let p = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
            if p.jtis().contains(&jti.as_str()) {
                bail!(
                    "expected {jti} never delivered again after setErrs\n{}",
                    p.evidence()
                );
            }
            Verdict::Pass(String::new())
        }
    }
}

fn redelivery_byte_identical(r: &mut Run<'_>) -> Verdict {
    let Some(wait) = wait_visibility(r) else {
        return Verdict::Skip("needs --visibility-timeout-ms".into());
    };
    tryv!(r.fresh(0, 1));
    let first = tryv!(r.poll(0, &json!({"maxEvents": 1, "returnImmediately": true})));
    let Some((jti, token)) = first.sets.first().cloned() else {
        bail!("expected the queued SET\n{}", first.evidence());
    };
    std::thread::sleep(wait);
    let again = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
    match again.sets.iter().find(|(j, _)| *j == jti) {
        Some((_, t)) if *t == token => Verdict::Pass(String::new()),
        Some(_) => Verdict::Fail(format!(
            "{jti} came back with different bytes (re-signed?)\nfirst:\n{}\nagain:\n{}",
            first.evidence(),
            again.evidence()
        )),
        None => Verdict::Fail(format!(
            "expected {jti} again after {} ms unacknowledged\n{}",
            wait.as_millis(),
            again.evidence()
        )),
    }
}

fn ack_stops_redelivery(r: &mut Run<'_>) -> Verdict {
    let Some(wait) = wait_visibility(r) else {
        return Verdict::Skip("needs --visibility-timeout-ms".into());
    };
    tryv!(r.fresh(0, 1));
    let first = tryv!(r.poll(0, &json!({"maxEvents": 1, "returnImmediately": true})));
    let Some((jti, _)) = first.sets.first().cloned() else {
        bail!("expected the queued SET\n{}", first.evidence());
    };
    tryv!(r.poll(
        0,
        &json!({"maxEvents": 0, "returnImmediately": true, "ack": [jti.as_str()]})
    ));
    std::thread::sleep(wait);
    let p = tryv!(r.poll(0, &json!({"maxEvents": 10, "returnImmediately": true})));
    if p.jtis().contains(&jti.as_str()) {
        bail!(
            "{jti} was delivered again after it was acknowledged\n{}",
            p.evidence()
        );
    }
    Verdict::Pass(String::new())
}

fn seen_or_fail(r: &Run<'_>) -> Result<(), String> {
    if r.seen.is_empty() {
        Err("no SET was delivered during the run, so nothing could be checked".into())
    } else {
        Ok(())
    }
}

fn sets_keyed_by_jti(r: &mut Run<'_>) -> Verdict {
    tryv!(seen_or_fail(r));
    for (client, key, token, origin) in &r.seen {
        match peek_envelope(token) {
            Ok(env) if env.jti != *key => {
                bail!(
                    "sets key {key:?} but the token's jti is {:?}\n{origin}",
                    env.jti
                )
            }
            Ok(env) if env.aud.iter().all(|a| a != client) => {
                bail!(
                    "{key}: aud {:?} does not name the calling client {client:?}\n{origin}",
                    env.aud
                )
            }
            Ok(_) => {}
            Err(e) => bail!("{key}: not a readable SET: {e}\n{origin}"),
        }
    }
    Verdict::Pass(format!("{} SETs", r.seen.len()))
}

const OBIE_CRIT: [&str; 3] = [
    "http://openbanking.org.uk/iat",
    "http://openbanking.org.uk/iss",
    "http://openbanking.org.uk/tan",
];

fn set_jose_header(r: &mut Run<'_>) -> Verdict {
    tryv!(seen_or_fail(r));
    let policy = VerifyPolicy {
        issuer: None,
        audience: None,
        ..VerifyPolicy::new("", "")
    };
    for (_, jti, token, origin) in &r.seen {
        if let Err(problem) = header_problem(r.t.version, &r.t.keys, &policy, token) {
            bail!("{jti}: {problem}\n{origin}");
        }
    }
    Verdict::Pass(format!("{} SETs", r.seen.len()))
}

/// What is wrong with a SET's protected header under `version`, if anything.
fn header_problem(
    version: Version,
    keys: &Keyring,
    policy: &VerifyPolicy,
    token: &str,
) -> Result<(), String> {
    let v = verify_set(token, keys, policy, now())
        .map_err(|e| format!("the JWS does not verify ({}): {e}", e.code()))?;
    let h = &v.header;
    if h.kid.is_none() {
        return Err("the protected header has no kid".into());
    }
    if version.obie() {
        if let Some(name) = OBIE_CRIT.iter().find(|n| !h.crit.iter().any(|c| c == *n)) {
            return Err(format!("crit {:?} does not list {name}", h.crit));
        }
        if h.obie_iat.is_none() || h.obie_iss.is_none() || h.obie_tan.is_none() {
            return Err("an OBIE header (iat, iss, tan) is missing".into());
        }
        if h.typ.as_deref().is_some_and(|t| t != "JOSE") {
            return Err(format!("typ {:?} (OBIE allows only JOSE)", h.typ));
        }
    }
    Ok(())
}

fn set_verifies(r: &mut Run<'_>) -> Verdict {
    tryv!(seen_or_fail(r));
    for (client, jti, token, origin) in &r.seen {
        let policy = VerifyPolicy::new(r.t.issuer.clone(), client.clone());
        let v = match verify_set(token, &r.t.keys, &policy, now()) {
            Ok(v) => v,
            Err(e) => bail!("{jti}: verification failed ({}): {e}\n{origin}", e.code()),
        };
        if r.t.version.obie() {
            if let Err(e) = SetClaims::check_obie_profile(&v.claims) {
                bail!(
                    "{jti}: the claims break OBEventNotification2 ({}): {e}\n{origin}",
                    e.code()
                );
            }
        }
    }
    Verdict::Pass(format!("{} SETs", r.seen.len()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use setpoll_core::wire::RequestOptions;

    fn core_400(body: &str) -> Vec<u8> {
        match EventPolling::parse(body.as_bytes(), &RequestOptions::default()) {
            Err(e) => e.to_error_response("id-1").to_json().into_bytes(),
            Ok(_) => Vec::new(),
        }
    }

    #[test]
    fn the_cores_error_bodies_are_well_formed_for_v31() {
        for case in INVALID_BODIES {
            let body = core_400(case.body);
            assert!(!body.is_empty(), "{}", case.id);
            assert_eq!(
                error_body_problem(Version::V3111, &body),
                None,
                "{}",
                case.id
            );
        }
    }

    #[test]
    fn malformed_error_bodies_are_named() {
        let v31 = Version::V3111;
        let cases: [(&str, &str); 7] = [
            ("[]", "not a JSON object"),
            (r#"{"Code":"400","Message":"m"}"#, "Errors"),
            (r#"{"Code":"400","Message":"m","Errors":[]}"#, "Errors"),
            (
                r#"{"Message":"m","Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid","Message":"m"}]}"#,
                "Code",
            ),
            (
                r#"{"Code":"400","Message":"m","Errors":[{"ErrorCode":"Bad","Message":"m"}]}"#,
                "ErrorCode",
            ),
            (
                r#"{"Code":"400","Message":"m","Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid"}]}"#,
                "Message",
            ),
            (
                r#"{"Code":"400","Message":"m","Extra":1,"Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid","Message":"m"}]}"#,
                "Extra",
            ),
        ];
        for (body, word) in cases {
            let problem = error_body_problem(v31, body.as_bytes());
            assert!(
                problem.as_deref().is_some_and(|p| p.contains(word)),
                "{body}: {problem:?}"
            );
        }
        // v4.0: Code and Message are optional, ErrorCode has four characters.
        assert_eq!(
            error_body_problem(Version::V40, br#"{"Errors":[{"ErrorCode":"U002"}]}"#),
            None
        );
        assert!(error_body_problem(
            Version::V40,
            br#"{"Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid"}]}"#
        )
        .is_some());
    }

    #[test]
    fn every_invalid_body_is_one_the_core_refuses() {
        for case in INVALID_BODIES {
            let opts = if case.only_closed_schema {
                Version::V3111.request_options()
            } else {
                Version::V312.request_options()
            };
            assert!(
                EventPolling::parse(case.body.as_bytes(), &opts).is_err(),
                "{}",
                case.id
            );
        }
    }
}
