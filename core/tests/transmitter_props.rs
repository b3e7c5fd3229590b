//! Property test of the transmitter: random interleavings of enqueue, poll
//! (with acks and setErrs, own and foreign), long-poll resumes, time passing,
//! sweeps, and crash-and-rebuild, across three clients and every policy.
//!
//! Sweeps run with small budgets (0, which counts as 1, to 3) or unbounded, once
//! or in a `while more` loop.
//!
//! Two queues run in lockstep on the same operations:
//! - the in-memory queue, whose changes are persisted to a map standing in
//!   for the host's database, and which is rebuilt from that map on "crash";
//! - the storage-neutral rules over a naive database (full scans), the way
//!   a SQL host drives them.
//!
//! After every operation: both gave the same outcome (a sweep: the same
//! changes and the same `more`); the memory queue, the
//! persisted map and the naive database hold the same records; and an
//! independent model checks that no SET was lost before it was acknowledged,
//! dead-lettered or expired, that no client saw or changed another client's
//! SET, that SETs came oldest first, that `moreAvailable` was exact, and
//! that a sweep acted on the first due records in `(client, seq)` order,
//! said `more` exactly when some remained due, and that a `while more` loop
//! ended with nothing due.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::time::Duration;

use proptest::prelude::*;
use setpoll_core::codes::SetErrCode;
use setpoll_core::transmitter::{
    Change, DeleteReason, DeliveryMode, EnqueueOutcome, FailureReason, MemoryQueue, PollDecision,
    PollOutcome, Profile, SetErrPolicy, SetRecord, SetState, SweepOutcome, Transmitter,
    TransmitterConfig, Wait,
};
use setpoll_core::wire::{EventPolling, SetErr};
use setpoll_core::Timestamp;

const CLIENTS: [&str; 3] = ["tpp-0", "tpp-1", "tpp-2"];
const JTIS: usize = 10;

fn jti(i: usize) -> String {
    format!("jti-{i}")
}

fn token(client: &str, jti: &str) -> String {
    use base64::Engine as _;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let payload = serde_json::json!({ "jti": jti, "aud": client, "iat": 1 });
    format!(
        "{}.{}.sig-{client}-{jti}",
        b64(r#"{"alg":"PS256"}"#),
        b64(&payload.to_string())
    )
}

#[derive(Clone, Debug)]
enum Op {
    Enqueue {
        client: usize,
        jti: usize,
    },
    Poll {
        client: usize,
        max_events: Option<u32>,
        return_immediately: Option<bool>,
        ack_last: bool,
        ack: Vec<usize>,
        errs: Vec<usize>,
    },
    Resume {
        client: usize,
    },
    Advance(u64),
    /// One sweep call with this budget.
    Sweep(usize),
    /// Sweep calls with this budget while `more`.
    Drain(usize),
    Crash,
}

fn budget() -> impl Strategy<Value = usize> {
    prop_oneof![4 => 0usize..4, 1 => Just(usize::MAX)]
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS.len();
    prop_oneof![
        4 => (c.clone(), 0..JTIS).prop_map(|(client, jti)| Op::Enqueue { client, jti }),
        5 => (
            c.clone(),
            prop::option::of(0u32..5),
            prop::option::of(any::<bool>()),
            any::<bool>(),
            prop::collection::vec(0..JTIS, 0..3),
            prop::collection::vec(0..JTIS, 0..2),
        )
            .prop_map(|(client, max_events, return_immediately, ack_last, ack, errs)| Op::Poll {
                client,
                max_events,
                return_immediately,
                ack_last,
                ack,
                errs,
            }),
        1 => c.prop_map(|client| Op::Resume { client }),
        3 => (0u64..2_500).prop_map(Op::Advance),
        1 => budget().prop_map(Op::Sweep),
        1 => budget().prop_map(Op::Drain),
        1 => Just(Op::Crash),
    ]
}

fn config() -> impl Strategy<Value = TransmitterConfig> {
    (
        prop_oneof![Just(Profile::Obie), Just(Profile::Rfc8936)],
        prop_oneof![
            Just(SetErrPolicy::DeadLetter),
            Just(SetErrPolicy::Redeliver)
        ],
        prop_oneof![3 => Just(DeliveryMode::AtLeastOnce), 1 => Just(DeliveryMode::DeliverOnce)],
        prop::option::of(Just(Duration::from_millis(3_000))),
        1u32..4,
    )
        .prop_map(
            |(profile, on_set_err, delivery, long_poll_max_wait, max_attempts)| TransmitterConfig {
                profile,
                default_max_events: 2,
                max_events_limit: 3,
                visibility_timeout: Duration::from_millis(1_000),
                max_attempts,
                retention: Duration::from_millis(15_000),
                dead_letter_retention: Duration::from_millis(6_000),
                long_poll_max_wait,
                on_set_err,
                delivery,
            },
        )
}

type Key = (String, String);

/// The naive database: every query is a full scan.
#[derive(Default, Clone)]
struct Db(BTreeMap<Key, SetRecord>);

impl Db {
    fn apply(&mut self, change: &Change) {
        match change {
            Change::Insert(r) => {
                let old = self.0.insert((r.client.clone(), r.jti.clone()), r.clone());
                assert!(old.is_none(), "insert over an existing row");
            }
            Change::Update(u) => {
                let row = self
                    .0
                    .get_mut(&(u.client.clone(), u.jti.clone()))
                    .expect("update of a missing row");
                assert_eq!(row.seq, u.seq);
                row.apply_update(u);
            }
            Change::Delete {
                client, jti, seq, ..
            } => {
                let row = self
                    .0
                    .remove(&(client.clone(), jti.clone()))
                    .expect("delete of a missing row");
                assert_eq!(row.seq, *seq);
            }
        }
    }

    fn sorted(&self) -> Vec<SetRecord> {
        let mut v: Vec<_> = self.0.values().cloned().collect();
        v.sort_by(|a, b| (&a.client, a.seq).cmp(&(&b.client, b.seq)));
        v
    }

    fn get(&self, client: &str, jti: &str) -> Option<&SetRecord> {
        self.0.get(&(client.to_owned(), jti.to_owned()))
    }

    fn enqueue(&mut self, rules: &Transmitter, tok: String, now: Timestamp) -> EnqueueOutcome {
        let plan = rules.plan_enqueue(tok, now).unwrap();
        let existing = self.get(&plan.client, &plan.jti).cloned();
        let newest = self
            .0
            .values()
            .filter(|r| r.client == plan.client)
            .map(|r| r.seq)
            .max();
        let out = rules
            .decide_enqueue(plan, existing.as_ref(), newest)
            .unwrap();
        for c in out.changes() {
            self.apply(&c);
        }
        out
    }

    fn poll_plan(
        &mut self,
        rules: &Transmitter,
        plan: &setpoll_core::transmitter::PollPlan,
    ) -> PollOutcome {
        let named = plan
            .named
            .iter()
            .filter_map(|j| self.get(&plan.client, j).cloned())
            .collect();
        let q = &plan.deliverable;
        let mut deliverable: Vec<SetRecord> = self
            .0
            .values()
            .filter(|r| {
                r.client == q.client
                    && r.state.is_awaiting()
                    && r.visible_at <= q.now
                    && r.expires_at > q.now
                    && r.attempts < q.max_attempts
                    && !q.exclude.contains(&r.jti)
            })
            .cloned()
            .collect();
        deliverable.sort_by_key(|r| r.seq);
        deliverable.truncate(q.limit);
        let out = rules.decide_poll(plan, named, deliverable);
        for c in &out.changes {
            self.apply(c);
        }
        out
    }

    /// The two sweep queries as the docs write them: `ORDER BY client, seq
    /// LIMIT :limit` each, handed over exhausted rows first (the rules sort).
    fn sweep(&mut self, rules: &Transmitter, now: Timestamp, budget: usize) -> SweepOutcome {
        let plan = rules.plan_sweep(now, budget);
        let ordered = self.sorted();
        let expired: Vec<SetRecord> = ordered
            .iter()
            .filter(|r| r.expires_at <= plan.now)
            .take(plan.limit)
            .cloned()
            .collect();
        let exhausted: Vec<SetRecord> = ordered
            .iter()
            .filter(|r| {
                r.state == SetState::Delivered
                    && r.attempts >= plan.max_attempts
                    && r.visible_at <= plan.now
            })
            .take(plan.limit)
            .cloned()
            .collect();
        let full = expired.len() == plan.limit || exhausted.len() == plan.limit;
        let rows: Vec<SetRecord> = exhausted.into_iter().chain(expired).collect();
        let out = rules.decide_sweep(&plan, &rows, full);
        for c in &out.changes {
            self.apply(c);
        }
        out
    }

    /// The records the sweep acts on at `now`, in `(client, seq)` order.
    fn due(&self, rules: &Transmitter, now: Timestamp) -> Vec<SetRecord> {
        self.sorted()
            .into_iter()
            .filter(|r| rules.sweep_change(r, now).is_some())
            .collect()
    }
}

struct World {
    rules: Transmitter,
    mem: MemoryQueue,
    persisted: Db,
    oracle: Db,
    now: Timestamp,
    /// The model: (client, jti) -> token of every SET that must still exist.
    alive: BTreeMap<Key, String>,
    last_delivered: BTreeMap<usize, Vec<String>>,
    waits: BTreeMap<usize, Wait>,
}

impl World {
    fn new(config: TransmitterConfig) -> Self {
        let rules = Transmitter::new(config.clone()).unwrap();
        World {
            mem: MemoryQueue::new(config).unwrap(),
            rules,
            persisted: Db::default(),
            oracle: Db::default(),
            now: Timestamp::from_millis(1_000_000),
            alive: BTreeMap::new(),
            last_delivered: BTreeMap::new(),
            waits: BTreeMap::new(),
        }
    }

    fn check_state(&self) {
        let mem = self.mem.records();
        assert_eq!(
            mem,
            self.persisted.sorted(),
            "memory queue differs from what was persisted"
        );
        assert_eq!(
            mem,
            self.oracle.sorted(),
            "memory queue differs from the storage-neutral form"
        );
        // Nothing lost: exactly the model's SETs exist, byte for byte.
        let held: BTreeMap<Key, String> = mem
            .iter()
            .map(|r| ((r.client.clone(), r.jti.clone()), r.token.clone()))
            .collect();
        assert_eq!(held, self.alive, "a SET was lost or appeared");
        // seq unique per client.
        let seqs: HashSet<(String, u64)> = mem.iter().map(|r| (r.client.clone(), r.seq)).collect();
        assert_eq!(seqs.len(), mem.len());
    }

    fn step(&mut self, op: &Op) {
        match op {
            Op::Enqueue { client, jti: j } => {
                let (c, j) = (CLIENTS[*client], jti(*j));
                let tok = token(c, &j);
                let a = self.mem.enqueue(tok.clone(), self.now).unwrap();
                let b = self.oracle.enqueue(&self.rules, tok.clone(), self.now);
                assert_eq!(a, b);
                for ch in a.changes() {
                    self.persisted.apply(&ch);
                }
                let key = (c.to_owned(), j.clone());
                match a {
                    EnqueueOutcome::Queued { record } => {
                        assert_eq!(record.client, c);
                        assert!(
                            self.alive.insert(key, tok).is_none(),
                            "a second copy was queued"
                        );
                    }
                    EnqueueOutcome::AlreadyQueued { same_token, .. } => {
                        assert!(same_token);
                        assert!(self.alive.contains_key(&key));
                    }
                }
            }
            Op::Poll {
                client,
                max_events,
                return_immediately,
                ack_last,
                ack,
                errs,
            } => {
                let mut ack: Vec<String> = ack.iter().map(|i| jti(*i)).collect();
                if *ack_last {
                    ack.extend(self.last_delivered.get(client).cloned().unwrap_or_default());
                }
                let mut seen = HashSet::new();
                ack.retain(|j| seen.insert(j.clone()));
                let mut seen = HashSet::new();
                let set_errs: Vec<(String, SetErr)> = errs
                    .iter()
                    .map(|i| jti(*i))
                    .filter(|j| seen.insert(j.clone()))
                    .map(|j| {
                        (
                            j,
                            SetErr {
                                err: SetErrCode::JwtParse,
                                description: "bad".into(),
                            },
                        )
                    })
                    .collect();
                let request = EventPolling {
                    max_events: *max_events,
                    return_immediately: *return_immediately,
                    ack,
                    set_errs,
                };
                let plan = self.rules.plan_poll(CLIENTS[*client], &request, self.now);
                let before = self.oracle.clone();
                let a = self.mem.poll(CLIENTS[*client], &request, self.now);
                let b = self.oracle.poll_plan(&self.rules, &plan);
                assert_eq!(a, b);
                self.after_poll(*client, &request, &before, &a);
            }
            Op::Resume { client } => {
                let Some(wait) = self.waits.remove(client) else {
                    return;
                };
                let plan = self.rules.plan_resume(&wait, self.now);
                let before = self.oracle.clone();
                let a = self.mem.resume(&wait, self.now);
                let b = self.oracle.poll_plan(&self.rules, &plan);
                assert_eq!(a, b);
                if self.now >= wait.until {
                    assert!(
                        a.response().is_some(),
                        "a resumed wait past its deadline answers"
                    );
                }
                self.after_poll(*client, &plan.request, &before, &a);
            }
            Op::Advance(ms) => self.now = self.now.saturating_add(Duration::from_millis(*ms)),
            Op::Sweep(budget) => {
                self.sweep(*budget);
            }
            Op::Drain(budget) => {
                let due = self.oracle.due(&self.rules, self.now).len();
                let calls_at_most = due.div_ceil((*budget).max(1)).max(1);
                let mut calls = 1;
                while self.sweep(*budget) {
                    calls += 1;
                    assert!(calls <= calls_at_most, "the sweep loop did not end");
                }
                assert!(self.oracle.due(&self.rules, self.now).is_empty());
            }
            Op::Crash => {
                self.mem =
                    MemoryQueue::from_records(self.rules.clone(), self.persisted.sorted()).unwrap();
            }
        }
        self.check_state();
    }

    /// One sweep call on both forms; returns `more`.
    fn sweep(&mut self, budget: usize) -> bool {
        let before = self.oracle.clone();
        let due = before.due(&self.rules, self.now);
        let a = self.mem.sweep(self.now, budget);
        let b = self.oracle.sweep(&self.rules, self.now, budget);
        assert_eq!(a, b, "the two forms swept differently");
        // The first `budget` due records, in (client, seq) order, and
        // `more` exactly when some remain due.
        let expected: Vec<Change> = due
            .iter()
            .take(budget.max(1))
            .filter_map(|r| self.rules.sweep_change(r, self.now))
            .collect();
        assert_eq!(a.changes, expected, "not the first due records");
        assert_eq!(a.more, !self.oracle.due(&self.rules, self.now).is_empty());
        assert_eq!(a.more, due.len() > budget.max(1));
        for ch in &a.changes {
            self.persisted.apply(ch);
            let row = before
                .get(ch.client(), ch.jti())
                .expect("sweep touched an unknown row");
            match ch {
                Change::Delete {
                    reason: DeleteReason::Expired,
                    ..
                } => {
                    assert!(row.state.is_awaiting() && row.expires_at <= self.now);
                    self.alive.remove(&(row.client.clone(), row.jti.clone()));
                }
                Change::Delete {
                    reason: DeleteReason::Purged,
                    ..
                } => {
                    assert!(row.state == SetState::DeadLetter && row.expires_at <= self.now);
                    self.alive.remove(&(row.client.clone(), row.jti.clone()));
                }
                Change::Update(u) => {
                    assert_eq!(u.state, SetState::DeadLetter);
                    assert!(matches!(
                        u.last_error.as_ref().map(|e| &e.reason),
                        Some(FailureReason::MaxAttempts { .. })
                    ));
                    assert!(row.attempts >= self.rules.config().max_attempts);
                }
                other => panic!("unexpected sweep change {other:?}"),
            }
        }
        self.check_state();
        a.more
    }

    fn after_poll(
        &mut self,
        client: usize,
        request: &EventPolling,
        before: &Db,
        out: &PollOutcome,
    ) {
        let c = CLIENTS[client];
        let errs: BTreeSet<&str> = request.set_errs.iter().map(|(j, _)| j.as_str()).collect();
        let mut returned_by_delete = BTreeSet::new();
        let mut redelivered = BTreeSet::new();
        // Every change is this client's, and each is justified.
        for ch in &out.changes {
            assert_eq!(ch.client(), c, "a poll changed another client's SET");
            self.persisted.apply(ch);
            let row = before
                .get(c, ch.jti())
                .expect("poll touched an unknown row");
            match ch {
                Change::Delete {
                    reason: DeleteReason::Acknowledged,
                    jti,
                    ..
                } => {
                    assert!(request.ack.contains(jti) && !errs.contains(jti.as_str()));
                    assert!(row.state.is_awaiting());
                    self.alive.remove(&(c.to_owned(), jti.clone()));
                }
                Change::Delete {
                    reason: DeleteReason::DeliveredOnce,
                    jti,
                    ..
                } => {
                    assert_eq!(self.rules.config().delivery, DeliveryMode::DeliverOnce);
                    returned_by_delete.insert(jti.clone());
                    self.alive.remove(&(c.to_owned(), jti.clone()));
                }
                Change::Update(u) if u.state == SetState::DeadLetter => {
                    assert!(
                        errs.contains(u.jti.as_str()),
                        "dead-lettered without a setErr"
                    );
                }
                Change::Update(u)
                    if errs.contains(u.jti.as_str()) && u.attempts == row.attempts =>
                {
                    assert_eq!(self.rules.config().on_set_err, SetErrPolicy::Redeliver);
                    redelivered.insert(u.jti.clone());
                }
                Change::Update(u) => {
                    assert_eq!(
                        (u.state, u.attempts),
                        (SetState::Delivered, row.attempts + 1)
                    );
                }
                other => panic!("unexpected poll change {other:?}"),
            }
        }
        let after = &self.oracle;
        let deliverable_after: Vec<&SetRecord> = after
            .0
            .values()
            .filter(|r| r.client == c && self.rules.is_deliverable(r, self.now))
            .collect();
        match &out.decision {
            PollDecision::Wait(w) => {
                assert_eq!(w.client, c);
                assert!(w.request.ack.is_empty() && w.request.set_errs.is_empty());
                assert!(
                    deliverable_after.is_empty(),
                    "waited while a SET was deliverable"
                );
                assert_ne!(request.max_events, Some(0));
                assert_ne!(request.return_immediately, Some(true));
                self.waits.insert(client, w.clone());
            }
            PollDecision::Respond(resp) => {
                let batch = self.rules.batch_size(request) as usize;
                assert!(resp.sets.len() <= batch);
                let mut seqs = Vec::new();
                for (j, tok) in &resp.sets {
                    // Only this client's SETs, byte-identical to what was enqueued.
                    let model = self
                        .alive
                        .get(&(c.to_owned(), j.clone()))
                        .cloned()
                        .or_else(|| returned_by_delete.contains(j).then(|| token(c, j)));
                    assert_eq!(model.as_deref(), Some(tok.as_str()), "wrong or foreign SET");
                    let row = before.get(c, j).expect("returned an unknown SET");
                    assert!(self.rules.is_deliverable(row, self.now));
                    seqs.push(row.seq);
                }
                // Oldest first.
                assert!(seqs.windows(2).all(|w| w[0] < w[1]), "not FIFO");
                // moreAvailable is exact.
                assert_eq!(
                    resp.more_available,
                    !deliverable_after.is_empty(),
                    "moreAvailable wrong"
                );
                // Deterministic truncation: whatever is still deliverable
                // (other than a SET just reported for redelivery) is newer
                // than everything returned, and only remains if the batch was full.
                for r in deliverable_after
                    .iter()
                    .filter(|r| !redelivered.contains(&r.jti))
                {
                    assert!(
                        seqs.last().is_none_or(|last| r.seq > *last),
                        "an older SET was skipped"
                    );
                    assert_eq!(resp.sets.len(), batch, "returned fewer than available");
                }
                self.last_delivered
                    .insert(client, resp.sets.iter().map(|(j, _)| j.clone()).collect());
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        max_shrink_iters: 2_000,
        // ChaCha is slow in debug builds; the cases need no crypto-grade RNG.
        rng_algorithm: proptest::test_runner::RngAlgorithm::XorShift,
        ..ProptestConfig::default()
    })]

    #[test]
    fn transmitter_never_loses_leaks_or_reorders(
        config in config(),
        ops in prop::collection::vec(op(), 1..60),
    ) {
        let mut world = World::new(config);
        for op in &ops {
            world.step(op);
        }
        // Finally acknowledge everything: every remaining awaiting SET is
        // delivered and acked, or is dead, or expired.
        world.step(&Op::Advance(1_000));
    }
}
