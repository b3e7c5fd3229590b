//! A `MemoryQueue` (the transmitter's poll) driven by arbitrary enqueue,
//! poll (with arbitrary `ack` / `setErrs` feedback, own and foreign `jti`s,
//! or a raw body), time, sweep and rebuild operations, across three
//! clients, under an arbitrary configuration.
//!
//! Checks, after every operation: no panic; a poll's changes touch only the
//! polling client and leave every other client's records as they were; the
//! SETs it returns are the polling client's own; `moreAvailable` is exact
//! (an immediate second poll finds SETs exactly when it said more were
//! available); a second queue fed only the returned changes holds the same
//! records (the host's persisted copy never drifts); a queue rebuilt from
//! the records holds the same records.
#![no_main]

use std::time::Duration;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use setpoll_core::codes::SetErrCode;
use setpoll_core::transmitter::{
    Change, DeliveryMode, MemoryQueue, PollOutcome, Profile, SetErrPolicy, SetRecord,
    TransmitterConfig,
};
use setpoll_core::wire::{EventPolling, SetErr};
use setpoll_core::Timestamp;

const CLIENTS: [&str; 3] = ["tpp-0", "tpp-1", "tpp-2"];
const JTIS: u8 = 8;

#[derive(Arbitrary, Debug)]
struct Config {
    rfc8936: bool,
    redeliver: bool,
    deliver_once: bool,
    default_max_events: u8,
    visibility_secs: u8,
    max_attempts: u8,
    long_poll: Option<u8>,
}

#[derive(Arbitrary, Debug)]
enum Op {
    Enqueue {
        client: u8,
        jti: u8,
    },
    Poll {
        client: u8,
        max_events: Option<u8>,
        return_immediately: Option<bool>,
        ack: Vec<u8>,
        errs: Vec<(u8, bool)>,
    },
    RawPoll {
        client: u8,
        body: Vec<u8>,
    },
    Advance(u16),
    Sweep(u8),
    Rebuild,
}

fn jti(i: u8) -> String {
    format!("jti-{}", i % JTIS)
}

fn b64url(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, b)| n | u32::from(*b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
        }
    }
    out
}

/// An unsigned placeholder token (the transmitter reads only `jti` and `aud`).
fn token(client: &str, jti: &str) -> String {
    let payload = format!("{{\"jti\":\"{jti}\",\"aud\":\"{client}\",\"iat\":1}}");
    format!(
        "{}.{}.sig",
        b64url(br#"{"alg":"ES256"}"#),
        b64url(payload.as_bytes())
    )
}

fn records_of(queue: &MemoryQueue, client: &str, keep: bool) -> Vec<SetRecord> {
    queue
        .records()
        .into_iter()
        .filter(|r| (r.client == client) == keep)
        .collect()
}

struct World {
    queue: MemoryQueue,
    /// What the host persisted: only the changes it was given, applied.
    mirror: MemoryQueue,
    now: Timestamp,
}

impl World {
    fn persist(&mut self, changes: &[Change]) {
        for change in changes {
            self.mirror
                .apply(change)
                .unwrap_or_else(|e| panic!("change does not apply: {e:?}\n{change:?}"));
        }
        assert_eq!(self.mirror.records(), self.queue.records());
    }

    fn poll(&mut self, client: &str, request: &EventPolling) -> PollOutcome {
        let others = records_of(&self.queue, client, false);
        let outcome = self.queue.poll(client, request, self.now);
        assert!(
            outcome.changes.iter().all(|c| c.client() == client),
            "{outcome:?}"
        );
        assert_eq!(
            records_of(&self.queue, client, false),
            others,
            "another client changed"
        );
        self.persist(&outcome.changes);
        if let Some(response) = outcome.response() {
            for (jti, set) in &response.sets {
                assert_eq!(set, &token(client, jti), "not {client}'s own SET");
            }
        }
        outcome
    }

    fn check_more_available(&mut self, client: &str, outcome: &PollOutcome) {
        let Some(response) = outcome.response() else {
            return;
        };
        let probe = EventPolling {
            max_events: Some(self.queue.rules().config().max_events_limit),
            return_immediately: Some(true),
            ..EventPolling::default()
        };
        let next = self.poll(client, &probe);
        let Some(next) = next.response() else {
            panic!("returnImmediately answered with a wait");
        };
        assert_eq!(
            !next.sets.is_empty(),
            response.more_available,
            "moreAvailable {} but the next poll found {} SETs",
            response.more_available,
            next.sets.len()
        );
    }
}

fuzz_target!(|input: (Config, Vec<Op>)| {
    let (c, ops) = input;
    let config = TransmitterConfig {
        profile: if c.rfc8936 {
            Profile::Rfc8936
        } else {
            Profile::Obie
        },
        default_max_events: u32::from(c.default_max_events % 5) + 1,
        max_events_limit: 6,
        visibility_timeout: Duration::from_secs(u64::from(c.visibility_secs % 60) + 1),
        max_attempts: u32::from(c.max_attempts % 4) + 1,
        retention: Duration::from_secs(600),
        dead_letter_retention: Duration::from_secs(300),
        long_poll_max_wait: c
            .long_poll
            .map(|s| Duration::from_secs(u64::from(s % 30) + 1)),
        on_set_err: if c.redeliver {
            SetErrPolicy::Redeliver
        } else {
            SetErrPolicy::DeadLetter
        },
        delivery: if c.deliver_once {
            DeliveryMode::DeliverOnce
        } else {
            DeliveryMode::AtLeastOnce
        },
    };
    let options = config.request_options();
    let (Ok(queue), Ok(mirror)) = (MemoryQueue::new(config.clone()), MemoryQueue::new(config))
    else {
        return;
    };
    let mut world = World {
        queue,
        mirror,
        now: Timestamp::from_secs(1_700_000_000),
    };
    for op in ops.into_iter().take(80) {
        match op {
            Op::Enqueue { client, jti: j } => {
                let client = CLIENTS[usize::from(client) % CLIENTS.len()];
                let others = records_of(&world.queue, client, false);
                if let Ok(outcome) = world.queue.enqueue(token(client, &jti(j)), world.now) {
                    world.persist(&outcome.changes());
                }
                assert_eq!(records_of(&world.queue, client, false), others);
            }
            Op::Poll {
                client,
                max_events,
                return_immediately,
                ack,
                errs,
            } => {
                let client = CLIENTS[usize::from(client) % CLIENTS.len()];
                let request = EventPolling {
                    max_events: max_events.map(|m| u32::from(m % 8)),
                    return_immediately,
                    ack: ack.iter().take(12).map(|&j| jti(j)).collect(),
                    set_errs: errs
                        .iter()
                        .take(12)
                        .map(|&(j, jws)| {
                            let err = if jws {
                                SetErrCode::Jws
                            } else {
                                SetErrCode::SetData
                            };
                            (
                                jti(j),
                                SetErr {
                                    err,
                                    description: "refused".into(),
                                },
                            )
                        })
                        .collect(),
                };
                // As a host does: the body it received, read with the rules.
                let Ok(request) = EventPolling::parse(request.to_json().as_bytes(), &options)
                else {
                    continue;
                };
                let outcome = world.poll(client, &request);
                world.check_more_available(client, &outcome);
            }
            Op::RawPoll { client, body } => {
                let client = CLIENTS[usize::from(client) % CLIENTS.len()];
                if let Ok(request) = EventPolling::parse(&body, &options) {
                    let outcome = world.poll(client, &request);
                    world.check_more_available(client, &outcome);
                }
            }
            Op::Advance(secs) => {
                world.now = world
                    .now
                    .saturating_add(Duration::from_secs(u64::from(secs % 900)));
            }
            Op::Sweep(budget) => {
                let outcome = world.queue.sweep(world.now, usize::from(budget % 4));
                world.persist(&outcome.changes);
            }
            Op::Rebuild => {
                let rules = world.queue.rules().clone();
                let records = world.queue.records();
                let rebuilt = MemoryQueue::from_records(rules, records.clone())
                    .unwrap_or_else(|e| panic!("rebuild refused: {e:?}"));
                assert_eq!(rebuilt.records(), records);
                world.queue = rebuilt;
            }
        }
    }
});
