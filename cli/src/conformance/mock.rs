//! The adversarial mock ASPSP of `setpoll conformance tpp`: serves
//! `POST /events` (at `/events`, `/open-banking/v3.1/events` and
//! `/open-banking/v4.0/events`) and `GET /jwks`, answers each poll from the
//! current scenario's script, and records every request for scoring.
//!
//! It only ever answers: it opens no connection of its own.

use std::collections::VecDeque;
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::http::{self, Incoming};

/// What a SET is for: the poller must acknowledge it, or report it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// A good SET: acknowledge it.
    Ack,
    /// A bad SET: report it in `setErrs` with a valid code, never acknowledge it.
    SetErr,
    /// A good SET signed with a key published after the poller started
    /// (acknowledging it means the poller refreshed its keys).
    AckAfterRefresh,
}

/// One SET a scenario serves.
#[derive(Clone, Debug)]
pub struct Sent {
    /// Its `jti` (the `sets` key).
    pub jti: String,
    /// The compact JWS.
    pub token: String,
    /// What the poller should do with it.
    pub expect: Expect,
}

/// How the mock answers the next request.
#[derive(Clone, Debug)]
pub enum Step {
    /// `200` with these SETs (only for a request asking for SETs; a
    /// `maxEvents: 0` request gets an empty answer and the step waits).
    Deliver {
        /// The SETs.
        sets: Vec<Sent>,
        /// `moreAvailable`.
        more: bool,
        /// Wait this long before answering.
        delay: Duration,
    },
    /// This status with an `OBErrorResponse1`-free body; feedback is not applied.
    Status {
        /// `429`, `503`...
        status: u16,
        /// `Retry-After` seconds.
        retry_after: Option<u64>,
    },
    /// Read the request, then close the connection without answering.
    Drop,
}

/// How a request was answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// `200` with these `jti`s (possibly none).
    Sets(Vec<String>),
    /// An error status; the feedback was not applied.
    Status(u16),
    /// Closed without an answer; the feedback was not applied.
    Dropped,
    /// Refused before reading the body (bad method, path or token).
    Refused(u16),
}

/// One `POST /events` the poller sent.
#[derive(Clone, Debug)]
pub struct Seen {
    /// When it arrived.
    pub at: Instant,
    /// When it was answered (or dropped).
    pub done: Instant,
    /// The raw body.
    pub body: Vec<u8>,
    /// The body as JSON (`Null` when not JSON).
    pub json: Value,
    /// `Authorization`.
    pub authorization: Option<String>,
    /// `Content-Type`.
    pub content_type: Option<String>,
    /// `ack` entries (strings only).
    pub acks: Vec<String>,
    /// `setErrs` members: `jti` and `err`.
    pub set_errs: Vec<(String, String)>,
    /// How it was answered.
    pub answer: Answer,
    /// Which scenario was running.
    pub scenario: usize,
}

impl Seen {
    /// Whether the feedback it carried was taken (a `200`).
    pub fn applied(&self) -> bool {
        matches!(self.answer, Answer::Sets(_))
    }

    /// `maxEvents` as sent (`None` when absent or not a number).
    pub fn max_events(&self) -> Option<i64> {
        self.json.get("maxEvents").and_then(Value::as_i64)
    }
}

/// A delivery of one SET in one answer.
#[derive(Clone, Debug)]
pub struct Delivery {
    /// The SET.
    pub sent: Sent,
    /// Index (in the request log) of the request whose answer carried it.
    pub request: usize,
    /// Which scenario.
    pub scenario: usize,
}

/// The mock's shared state.
#[derive(Default)]
pub struct State {
    /// The JWK Set served at `/jwks`.
    pub jwks: String,
    /// The current scenario's remaining script.
    pub script: VecDeque<Step>,
    /// The current scenario's index.
    pub scenario: usize,
    /// Every `POST /events`, in arrival order.
    pub log: Vec<Seen>,
    /// Every SET delivered.
    pub deliveries: Vec<Delivery>,
    /// `GET /jwks` count.
    pub jwks_fetches: usize,
    /// Problems with requests that are not polls (wrong path or method).
    pub stray: Vec<String>,
}

/// A running mock.
pub struct Mock {
    state: Arc<Mutex<State>>,
    /// The address it listens on, `http://host:port`.
    pub base: String,
}

/// Lock, recovering from a poisoned lock (a panicking handler thread must
/// not stop scoring).
pub fn lock(state: &Mutex<State>) -> MutexGuard<'_, State> {
    state
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Mock {
    /// Bind `listen` and serve in background threads until the process ends.
    ///
    /// # Errors
    /// A message when the address cannot be bound.
    pub fn start(listen: &str, jwks: String, token: Option<String>) -> Result<Mock, String> {
        let listener = TcpListener::bind(listen).map_err(|e| format!("--listen {listen}: {e}"))?;
        let addr = listener
            .local_addr()
            .map_err(|e| format!("--listen {listen}: {e}"))?;
        let state = Arc::new(Mutex::new(State {
            jwks,
            ..State::default()
        }));
        let shared = Arc::clone(&state);
        let active = Arc::new(AtomicUsize::new(0));
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                // Bounded: a poller opening connections without end gets
                // them closed, not a thread each.
                if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                    drop(stream);
                    continue;
                }
                active.fetch_add(1, Ordering::SeqCst);
                let state = Arc::clone(&shared);
                let token = token.clone();
                let active = Arc::clone(&active);
                std::thread::spawn(move || {
                    serve(stream, &state, token.as_deref());
                    active.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        Ok(Mock {
            state,
            base: format!("http://{addr}"),
        })
    }

    /// The shared state.
    pub fn state(&self) -> &Mutex<State> {
        &self.state
    }
}

/// Most connections served at once.
const MAX_CONNECTIONS: usize = 64;

/// How long a long poll with nothing to deliver is held.
const LONG_POLL_HOLD: Duration = Duration::from_millis(1000);

const EVENTS_PATHS: [&str; 3] = [
    "/events",
    "/open-banking/v3.1/events",
    "/open-banking/v4.0/events",
];

fn serve(mut stream: TcpStream, state: &Mutex<State>, token: Option<&str>) {
    let Ok(request) = http::read_request(&mut stream, Duration::from_secs(30)) else {
        return;
    };
    let json_ct = [("Content-Type", "application/json".to_owned())];
    if request.method == "GET"
        && (request.path == "/jwks" || request.path == "/.well-known/jwks.json")
    {
        let jwks = {
            let mut s = lock(state);
            s.jwks_fetches += 1;
            s.jwks.clone()
        };
        http::write_response(&mut stream, 200, &json_ct, jwks.as_bytes());
        return;
    }
    if !EVENTS_PATHS.contains(&request.path.as_str()) || request.method != "POST" {
        lock(state)
            .stray
            .push(format!("{} {}", request.method, request.path));
        http::write_response(&mut stream, 404, &[], b"");
        return;
    }
    poll(stream, state, &request, token);
}

fn poll(mut stream: TcpStream, state: &Mutex<State>, request: &Incoming, token: Option<&str>) {
    let at = Instant::now();
    let json: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
    let acks: Vec<String> = json
        .get("ack")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let set_errs: Vec<(String, String)> = json
        .get("setErrs")
        .and_then(Value::as_object)
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let err = v.get("err").and_then(Value::as_str).unwrap_or_default();
                    (k.clone(), err.to_owned())
                })
                .collect()
        })
        .unwrap_or_default();
    let authorization = request.header("authorization").map(str::to_owned);
    let authorized = authorization
        .as_deref()
        .and_then(|v| {
            v.strip_prefix("Bearer ")
                .or_else(|| v.strip_prefix("bearer "))
        })
        .is_some_and(|t| !t.trim().is_empty() && token.is_none_or(|want| want == t.trim()));
    let max_events = json.get("maxEvents").and_then(Value::as_u64);
    let asks_for_sets = max_events != Some(0);
    // A long poll with nothing to deliver and nothing to acknowledge is
    // held briefly, as a real ASPSP would hold it (so a long-polling
    // poller is not mistaken for a spinning one).
    let long_poll = json.get("returnImmediately").and_then(Value::as_bool) != Some(true)
        && asks_for_sets
        && acks.is_empty()
        && set_errs.is_empty();

    // Decide under the lock, answer outside it (a slow answer must not
    // block other connections).
    let (step, index) = {
        let mut s = lock(state);
        let step = if !authorized {
            None
        } else {
            match s.script.front() {
                Some(Step::Deliver { .. }) if !asks_for_sets => Some(Step::Deliver {
                    sets: Vec::new(),
                    more: true,
                    delay: Duration::ZERO,
                }),
                Some(_) => match s.script.pop_front() {
                    // Never more than the poller asked for: the rest stays
                    // at the front of the script and moreAvailable says so.
                    Some(Step::Deliver {
                        mut sets,
                        more,
                        delay,
                    }) => {
                        let limit = max_events
                            .and_then(|m| usize::try_from(m).ok())
                            .unwrap_or(usize::MAX);
                        if sets.len() > limit {
                            let rest = sets.split_off(limit);
                            s.script.push_front(Step::Deliver {
                                sets: rest,
                                more,
                                delay: Duration::ZERO,
                            });
                            Some(Step::Deliver {
                                sets,
                                more: true,
                                delay,
                            })
                        } else {
                            Some(Step::Deliver { sets, more, delay })
                        }
                    }
                    other => other,
                },
                None => Some(Step::Deliver {
                    sets: Vec::new(),
                    more: false,
                    delay: if long_poll {
                        LONG_POLL_HOLD
                    } else {
                        Duration::ZERO
                    },
                }),
            }
        };
        let answer = match &step {
            None => Answer::Refused(401),
            Some(Step::Deliver { sets, .. }) => {
                Answer::Sets(sets.iter().map(|x| x.jti.clone()).collect())
            }
            Some(Step::Status { status, .. }) => Answer::Status(*status),
            Some(Step::Drop) => Answer::Dropped,
        };
        let scenario = s.scenario;
        s.log.push(Seen {
            at,
            done: at,
            body: request.body.clone(),
            json: json.clone(),
            authorization,
            content_type: request.header("content-type").map(str::to_owned),
            acks,
            set_errs,
            answer,
            scenario,
        });
        let index = s.log.len() - 1;
        if let Some(Step::Deliver { sets, .. }) = &step {
            for sent in sets {
                s.deliveries.push(Delivery {
                    sent: sent.clone(),
                    request: index,
                    scenario,
                });
            }
        }
        (step, index)
    };
    match step {
        None => http::write_response(
            &mut stream,
            401,
            &[("WWW-Authenticate", "Bearer".to_owned())],
            b"",
        ),
        Some(Step::Deliver { sets, more, delay }) => {
            std::thread::sleep(delay);
            let mut map = serde_json::Map::new();
            for s in &sets {
                map.insert(s.jti.clone(), Value::String(s.token.clone()));
            }
            let body = json!({"sets": map, "moreAvailable": more}).to_string();
            http::write_response(
                &mut stream,
                200,
                &[("Content-Type", "application/json".to_owned())],
                body.as_bytes(),
            );
        }
        Some(Step::Status {
            status,
            retry_after,
        }) => {
            let mut headers = Vec::new();
            if let Some(secs) = retry_after {
                headers.push(("Retry-After", secs.to_string()));
            }
            http::write_response(&mut stream, status, &headers, b"");
        }
        Some(Step::Drop) => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
    if let Some(seen) = lock(state).log.get_mut(index) {
        seen.done = Instant::now();
    }
}
