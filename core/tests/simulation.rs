//! The transmitter and the receiver wired together through a lossy in-memory
//! channel on a fake clock.
//!
//! The channel drops requests, drops answers, fails with 503/429, duplicates
//! answers (the copy arrives later, while another request may be in flight),
//! and either side restarts from what it persisted. Every step checks that no
//! acknowledgement is lost: each SET the application processed is either
//! still queued as an ack in the receiver's saved state or gone from the
//! transmitter. Every run checks that each enqueued SET reached the
//! application exactly once and that the transmitter's queue drained.
//!
//! The bank rotates its key mid-run: from a point chosen per seed its SETs
//! are signed with a key the receiver does not know yet. They are held, the
//! host fetches the JWK Set when the receiver asks (the fetch itself fails
//! now and then), and not one of them is rejected. The host persists the
//! receiver's changes as a journal over a snapshot it compacts now and then,
//! and restarts from the snapshot with the journal replayed.
//!
//! `SETPOLL_SIM_SEEDS` sets the number of seeds (default 2000);
//! `SETPOLL_SIM_SEED` runs one seed, to reproduce a failure.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use rand_chacha::rand_core::{RngCore, SeedableRng};
use rand_chacha::ChaCha8Rng;

use setpoll_core::receiver::{
    Backoff, DedupConfig, Delivery, HttpResponse, Jitter, PollOutcome, PollRequest, Receiver,
    ReceiverChange, ReceiverConfig, ReceiverError, ReceiverState, RequestId,
};
use setpoll_core::transmitter::{MemoryQueue, TransmitterConfig};
use setpoll_core::wire::{EventPolling, RequestOptions};
use setpoll_core::Timestamp;

mod tokens {
    //! The SETs of a run, really signed: even-numbered ones with ES256 under
    //! the OBIE header profile, odd ones with PS256 under RFC 8417's. Signed
    //! once and shared by every seed; verified on every receipt.

    use std::sync::OnceLock;

    use rand_chacha::rand_core::SeedableRng;
    use rand_chacha::ChaCha8Rng;
    use setpoll_core::claims::SetClaims;
    use setpoll_core::jose::{HeaderProfile, JwkSet, Keyring, SigningKey};
    use setpoll_core::set::sign_set;
    use setpoll_core::Timestamp;

    pub const ISS: &str = "https://bank.example/";
    pub const CLIENT: &str = "tpp-sim";
    pub const MAX_EVENTS: usize = 20;

    struct Bank {
        tokens: Vec<String>,
        /// The same SETs signed with the bank's next key.
        rotated: Vec<String>,
        keyring: Keyring,
        /// The JWK Set after the rotation: both keys.
        rotated_keyring: Keyring,
    }

    fn claims(jti: &str) -> SetClaims {
        let json = serde_json::json!({
            "iss": ISS, "iat": 1_700_000_000, "jti": jti, "aud": CLIENT,
            "sub": "https://bank.example/aisp/account-access-consents/aac-1",
            "txn": jti, "toe": 1_700_000_000,
            "events": { "urn:uk:org:openbanking:events:resource-update": { "subject": {
                "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
                "http://openbanking.org.uk/rid": "aac-1",
                "http://openbanking.org.uk/rty": "account-access-consent",
                "http://openbanking.org.uk/rlk": [{ "version": "v3.1",
                    "link": "https://bank.example/aisp/account-access-consents/aac-1" }]
            } } }
        });
        SetClaims::from_json(json.to_string().as_bytes()).unwrap()
    }

    fn bank() -> &'static Bank {
        static BANK: OnceLock<Bank> = OnceLock::new();
        BANK.get_or_init(|| {
            let es = SigningKey::generate_es256(&mut ChaCha8Rng::seed_from_u64(1))
                .unwrap()
                .with_kid("bank-es");
            let ps =
                SigningKey::from_pkcs8_pem(include_str!("../src/jose/testdata/rsa2048.pk8.pem"))
                    .unwrap()
                    .with_kid("bank-ps");
            let obie = HeaderProfile::obie("0015800001041RHAAY", "openbanking.org.uk").unwrap();
            let rfc = HeaderProfile::rfc8417();
            let now = Timestamp::from_secs(1_700_000_000);
            let tokens = (0..MAX_EVENTS)
                .map(|i| {
                    let (key, profile) = if i % 2 == 0 {
                        (&es, &obie)
                    } else {
                        (&ps, &rfc)
                    };
                    sign_set(&claims(&format!("evt-{i}")), key, profile, now).unwrap()
                })
                .collect();
            let next = SigningKey::generate_es256(&mut ChaCha8Rng::seed_from_u64(2))
                .unwrap()
                .with_kid("bank-es-2");
            let rotated = (0..MAX_EVENTS)
                .map(|i| sign_set(&claims(&format!("evt-{i}")), &next, &obie, now).unwrap())
                .collect();
            let both = JwkSet::new(vec![
                es.to_public_jwk(),
                ps.to_public_jwk(),
                next.to_public_jwk(),
            ])
            .unwrap();
            let jwks = JwkSet::new(vec![es.to_public_jwk(), ps.to_public_jwk()]).unwrap();
            Bank {
                tokens,
                rotated,
                rotated_keyring: Keyring::new(&both).unwrap(),
                keyring: Keyring::new(&jwks).unwrap(),
            }
        })
    }

    /// The token for SET number `i`.
    pub fn token(i: usize) -> String {
        bank().tokens[i].clone()
    }

    /// SET number `i`, signed with the bank's next key.
    pub fn rotated(i: usize) -> String {
        bank().rotated[i].clone()
    }

    pub fn keyring() -> Keyring {
        bank().keyring.clone()
    }

    pub fn rotated_keyring() -> Keyring {
        bank().rotated_keyring.clone()
    }
}

use tokens::CLIENT;

/// Per-mille odds of each fault.
#[derive(Clone, Copy, Debug)]
struct Faults {
    drop_request: u32,
    drop_answer: u32,
    server_error: u32,
    duplicate_answer: u32,
    crash_before_save: u32,
    crash_mid_batch: u32,
    restart_receiver: u32,
    restart_transmitter: u32,
    /// The application puts a delivery aside and settles it later.
    slow_application: u32,
    /// A sloppy ASPSP answers before committing, then crashes: the poll's
    /// acks are forgotten and its SETs come back, though the receiver saw
    /// the answer. Only the dedup window keeps them from the application.
    transmitter_loses_commit: u32,
    /// The host's JWK Set fetch fails.
    jwks_fetch_fails: u32,
    /// The host compacts its journal into a snapshot.
    compact: u32,
}

const FAULTS: Faults = Faults {
    drop_request: 80,
    drop_answer: 80,
    server_error: 60,
    duplicate_answer: 80,
    crash_before_save: 30,
    crash_mid_batch: 30,
    restart_receiver: 20,
    restart_transmitter: 30,
    slow_application: 150,
    transmitter_loses_commit: 20,
    jwks_fetch_fails: 300,
    compact: 50,
};

const MAX_STEPS: usize = 20_000;

struct Sim {
    seed: u64,
    rng: ChaCha8Rng,
    now: Timestamp,
    config: ReceiverConfig,
    tx: MemoryQueue,
    rx: Receiver,
    /// The receiver's durable state: a snapshot and the changes since.
    saved: ReceiverState,
    journal: Vec<ReceiverChange>,
    /// `saved` with `journal` applied.
    durable: ReceiverState,
    /// The application's durable records: jti -> times processed. Saved in
    /// the same transaction as `saved`.
    app: BTreeMap<String, u32>,
    /// Deliveries the application put aside (in memory: lost in a crash).
    aside: Vec<String>,
    /// SETs whose acks the transmitter forgot through its own fault; exempt
    /// from the lost-ack check until it lets go of them again.
    forgotten: BTreeSet<String>,
    /// Copies of answers that will arrive late.
    late: Vec<(RequestId, String)>,
    /// SETs still to enqueue: (when, index, signed with the next key).
    to_enqueue: Vec<(Timestamp, usize, bool)>,
    events: usize,
    stats: Stats,
}

#[derive(Default, Debug, Clone, Copy)]
struct Stats {
    round_trips: u64,
    failures: u64,
    duplicates_seen: u64,
    late_answers: u64,
    restarts: u64,
    lost_commits: u64,
    held: u64,
    key_refreshes: u64,
}

impl Sim {
    fn new(seed: u64) -> Self {
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        let events = 5 + (rng.next_u64() % (tokens::MAX_EVENTS as u64 - 4)) as usize;
        let start = Timestamp::from_secs(1_700_000_000);
        let mut to_enqueue: Vec<(Timestamp, usize)> = (0..events)
            .map(|i| {
                let at = start.saturating_add(Duration::from_millis(rng.next_u64() % 15_000));
                (at, i)
            })
            .collect();
        to_enqueue.sort();
        // The bank rotates its key from this SET on (in enqueue order).
        let rotate_from = (rng.next_u64() % (events as u64 + 1)) as usize;
        let mut to_enqueue: Vec<(Timestamp, usize, bool)> = to_enqueue
            .into_iter()
            .enumerate()
            .map(|(n, (at, i))| (at, i, n >= rotate_from))
            .collect();
        to_enqueue.reverse(); // pop() from the back gives the earliest

        let mut config = ReceiverConfig::new(tokens::ISS, CLIENT, tokens::keyring());
        config.max_events = Some(1 + (rng.next_u64() % 6) as u32);
        config.return_immediately = Some(true);
        config.poll_interval = Duration::from_secs(5);
        config.backoff = Backoff {
            base: Duration::from_millis(200),
            cap: Duration::from_secs(10),
            jitter: Jitter::Equal,
            retry_after_cap: Duration::from_secs(30),
        };
        config.dedup = DedupConfig {
            window: Duration::from_secs(24 * 3600),
            capacity: 1000,
        };

        // A short visibility timeout makes the transmitter resend SETs whose
        // acks are still on their way, so the dedup window gets work.
        let visibility = if rng.next_u64() % 2 == 0 { 3 } else { 20 };
        let tx = MemoryQueue::new(TransmitterConfig {
            visibility_timeout: Duration::from_secs(visibility),
            max_attempts: 10_000,
            ..TransmitterConfig::default()
        })
        .unwrap();
        let rx = Receiver::new(config.clone()).unwrap();
        Sim {
            seed,
            rng,
            now: start,
            saved: rx.state(),
            journal: Vec::new(),
            durable: rx.state(),
            config,
            tx,
            rx,
            app: BTreeMap::new(),
            aside: Vec::new(),
            forgotten: BTreeSet::new(),
            late: Vec::new(),
            to_enqueue,
            events,
            stats: Stats::default(),
        }
    }

    fn roll(&mut self, per_mille: u32) -> bool {
        self.rng.next_u64() % 1000 < u64::from(per_mille)
    }

    fn pass(&mut self, ms: u64) {
        self.now = self.now.saturating_add(Duration::from_millis(ms));
    }

    fn run(mut self) -> Stats {
        for _ in 0..MAX_STEPS {
            if self.done() {
                return self.stats;
            }
            self.step();
            self.check_no_ack_lost();
        }
        panic!(
            "seed {}: not done after {MAX_STEPS} steps: app has {}/{}, saved {:?}, transmitter holds {}",
            self.seed,
            self.app.len(),
            self.events,
            self.durable,
            self.tx.len()
        );
    }

    fn done(&self) -> bool {
        self.to_enqueue.is_empty()
            && self.aside.is_empty()
            && self.app.len() == self.events
            && self.durable.pending_acks.is_empty()
            && self.durable.unsettled.is_empty()
            && self.durable.held.is_empty()
            && self.tx.is_empty()
    }

    fn step(&mut self) {
        while self
            .to_enqueue
            .last()
            .is_some_and(|(at, _, _)| *at <= self.now)
        {
            if let Some((_, i, rotated)) = self.to_enqueue.pop() {
                let token = if rotated {
                    tokens::rotated(i)
                } else {
                    tokens::token(i)
                };
                let _ = self.tx.enqueue(token, self.now).unwrap();
            }
        }
        if self.roll(FAULTS.restart_transmitter) {
            // The transmitter commits before it answers: its records are its
            // persisted state.
            let rules = self.tx.rules().clone();
            self.tx = MemoryQueue::from_records(rules, self.tx.records()).unwrap();
        }
        if self.roll(FAULTS.restart_receiver) {
            self.restart_receiver();
        }
        if self.roll(100) {
            let _ = self.tx.sweep(self.now, 100);
        }
        if self.roll(300) {
            self.process_aside();
        }
        if self.roll(FAULTS.compact) {
            // Compaction: the snapshot replaces the saved state and journal.
            self.saved = self.rx.state();
            self.journal.clear();
            self.save();
        }
        if self
            .rx
            .keys_stale()
            .is_some_and(|s| s.refresh_at <= self.now)
        {
            self.refresh_keys();
        }
        match self.rx.poll_request(self.now) {
            Some(req) => self.round_trip(req),
            None => {
                let at = self
                    .rx
                    .poll_timeout()
                    .unwrap_or_else(|| panic!("seed {}: waits for nothing", self.seed));
                let next_event = self.to_enqueue.last().map_or(at, |(t, _, _)| *t);
                self.now = at.min(next_event).max(self.now);
                self.pass(1);
            }
        }
    }

    /// The host fetches the JWK Set: now and then the fetch fails.
    fn refresh_keys(&mut self) {
        if self.roll(FAULTS.jwks_fetch_fails) {
            self.rx.refresh_keys_failed(self.now);
            return;
        }
        self.stats.key_refreshes += 1;
        let recheck = self.rx.refresh_keys(tokens::rotated_keyring(), self.now);
        assert!(
            recheck.rejections.is_empty(),
            "seed {}: a rotated SET was rejected: {:?}",
            self.seed,
            recheck.rejections
        );
        self.save();
        self.hand_over(recheck.deliveries);
    }

    /// Append the receiver's changes to the journal.
    fn save(&mut self) {
        let changes = self.rx.take_changes();
        if changes.is_empty() {
            return;
        }
        self.journal.extend(changes.iter().cloned());
        self.durable.apply(changes).unwrap();
    }

    /// What a restarted host loads: the snapshot with the journal replayed.
    fn load(&self) -> ReceiverState {
        let mut state = self.saved.clone();
        state.apply(self.journal.clone()).unwrap();
        assert_eq!(state, self.durable, "seed {}: replay differs", self.seed);
        state
    }

    fn round_trip(&mut self, req: PollRequest) {
        self.stats.round_trips += 1;
        if self.roll(300) {
            // While the request is in flight: these acks must wait for the
            // next request.
            self.process_aside();
        }
        let latency = self.rng.next_u64() % 50;
        self.pass(latency);
        let result = if self.roll(FAULTS.drop_request) {
            self.pass(2000); // the host's timeout
            self.stats.failures += 1;
            self.rx
                .handle_no_reply(req.id, self.now, &mut self.rng)
                .map(|_| None)
        } else if self.roll(FAULTS.server_error) {
            self.stats.failures += 1;
            let (status, retry) = if self.roll(500) {
                (503, None)
            } else {
                (429, Some("1"))
            };
            let body = r#"{"Errors":[{"ErrorCode":"UK.OBIE.UnexpectedError","Message":"busy"}]}"#;
            let mut answer = HttpResponse::new(status, body);
            if let Some(r) = retry {
                answer = answer.with_retry_after(r);
            }
            let outcome = self
                .rx
                .handle_reply(req.id, answer, self.now, &mut self.rng)
                .unwrap();
            assert!(
                matches!(outcome, PollOutcome::Failed(_)),
                "seed {}: {outcome:?}",
                self.seed
            );
            Ok(None)
        } else {
            // The ASPSP reads the body strictly, as a real one would.
            let polling = EventPolling::parse(req.body.as_bytes(), &RequestOptions::default())
                .unwrap_or_else(|e| panic!("seed {}: receiver sent {}: {e}", self.seed, req.body));
            let before = self.tx.records();
            let outcome = self.tx.poll(CLIENT, &polling, self.now);
            if self.roll(FAULTS.transmitter_loses_commit) {
                let rules = self.tx.rules().clone();
                self.tx = MemoryQueue::from_records(rules, before).unwrap();
                self.forgotten.extend(polling.ack.iter().cloned());
                self.stats.lost_commits += 1;
            }
            let body = outcome.response().expect("long polling is off").to_json();
            let latency = self.rng.next_u64() % 50;
            self.pass(latency);
            if self.roll(300) {
                // A copy of an earlier answer overtakes this one.
                self.deliver_late_answer();
            }
            if self.roll(FAULTS.duplicate_answer) {
                // A copy of this answer will arrive later.
                self.late.push((req.id, body.clone()));
            }
            if self.roll(FAULTS.drop_answer) {
                self.pass(2000);
                self.stats.failures += 1;
                self.rx
                    .handle_no_reply(req.id, self.now, &mut self.rng)
                    .map(|_| None)
            } else {
                let status = if self.roll(500) { 200 } else { 201 };
                let seed = self.seed;
                self.rx
                    .handle_reply(
                        req.id,
                        HttpResponse::new(status, &body),
                        self.now,
                        &mut self.rng,
                    )
                    .map(|o| match o {
                        PollOutcome::Batch(b) => Some(b),
                        PollOutcome::Failed(f) => panic!("seed {seed}: {f:?}"),
                    })
            }
        };
        let batch = match result {
            Ok(batch) => batch,
            Err(e) => panic!("seed {}: {e}", self.seed),
        };
        if self.roll(FAULTS.crash_before_save) {
            // Nothing of this round trip was saved; the application saw nothing.
            self.restart_receiver();
            return;
        }
        self.save();
        let Some(batch) = batch else { return };
        assert!(
            batch.rejections.is_empty(),
            "seed {}: {:?}",
            self.seed,
            batch.rejections
        );
        self.stats.duplicates_seen += batch.duplicates.len() as u64;
        self.stats.held += batch.held.len() as u64;
        self.hand_over(batch.deliveries);
    }

    /// The application gets new SETs.
    fn hand_over(&mut self, deliveries: Vec<Delivery>) {
        for d in deliveries {
            if self.roll(FAULTS.crash_mid_batch) {
                self.restart_receiver();
                return;
            }
            if self.roll(FAULTS.slow_application) {
                self.aside.push(d.jti);
            } else {
                self.process(&d.jti);
            }
        }
    }

    /// The application settles what it put aside.
    fn process_aside(&mut self) {
        for jti in std::mem::take(&mut self.aside) {
            self.process(&jti);
        }
    }

    /// A copy of an earlier answer arrives; it must change nothing.
    fn deliver_late_answer(&mut self) {
        if self.late.is_empty() {
            return;
        }
        let (id, body) = self
            .late
            .remove((self.rng.next_u64() as usize) % self.late.len());
        self.stats.late_answers += 1;
        let before = self.rx.state();
        let dirty = self.rx.has_changes();
        let e = self
            .rx
            .handle_reply(id, HttpResponse::new(201, &body), self.now, &mut self.rng)
            .unwrap_err();
        assert_eq!(
            e,
            ReceiverError::UnknownRequest { id },
            "seed {}",
            self.seed
        );
        assert_eq!(self.rx.state(), before, "seed {}", self.seed);
        assert_eq!(self.rx.has_changes(), dirty, "seed {}", self.seed);
    }

    /// The application processes a SET and acks it in one transaction.
    fn process(&mut self, jti: &str) {
        let n = self.app.entry(jti.to_owned()).or_default();
        *n += 1;
        assert_eq!(
            *n, 1,
            "seed {}: {jti} reached the application twice",
            self.seed
        );
        self.rx.ack(jti).unwrap();
        assert!(self.rx.has_changes(), "an ack changes the state");
        self.save();
    }

    /// The receiver's process dies and comes back from its saved state.
    fn restart_receiver(&mut self) {
        self.stats.restarts += 1;
        // Changes not saved are lost with the process.
        let _ = self.rx.take_changes();
        // Half the time the new process fetched the JWK Set at start.
        let mut config = self.config.clone();
        if self.roll(500) {
            config.keys = tokens::rotated_keyring();
        }
        let mut rx = Receiver::new(config).unwrap();
        rx.restore(self.load()).unwrap();
        self.rx = rx;
        // Answers never cross a restart: their connections died with it.
        self.late.clear();
        self.aside.clear();
        self.save();
        // SETs handed over but not settled: the application did not commit.
        for d in self.rx.unsettled() {
            self.process(&d.jti);
        }
    }

    /// Each SET the application processed is still queued as an ack in the
    /// receiver's saved state, or gone from the transmitter.
    fn check_no_ack_lost(&mut self) {
        let tx = &self.tx;
        self.forgotten.retain(|jti| tx.get(CLIENT, jti).is_some());
        for jti in self.app.keys() {
            if self.forgotten.contains(jti) {
                continue;
            }
            let queued = self.durable.pending_acks.iter().any(|a| a == jti);
            let gone = self.tx.get(CLIENT, jti).is_none();
            assert!(
                queued || gone,
                "seed {}: the ack of {jti} was lost: transmitter holds {:?}",
                self.seed,
                self.tx.get(CLIENT, jti)
            );
        }
    }
}

fn run_seed(seed: u64) -> Stats {
    let sim = Sim::new(seed);
    let events = sim.events;
    let stats = sim.run();
    assert!(stats.round_trips > 0 && events > 0);
    stats
}

/// Runs every `SHARDS`th seed from `shard`, so the test harness spreads the
/// seeds over the machine's cores.
fn run_shard(shard: u64) {
    if let Some(seed) = std::env::var("SETPOLL_SIM_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        if seed % SHARDS == shard {
            let stats = run_seed(seed);
            eprintln!("seed {seed}: {stats:?}");
        }
        return;
    }
    let seeds: u64 = std::env::var("SETPOLL_SIM_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(2000);
    let mut total = Stats::default();
    let mut count = 0;
    for seed in (shard..seeds).step_by(SHARDS as usize) {
        let s = run_seed(seed);
        count += 1;
        total.round_trips += s.round_trips;
        total.failures += s.failures;
        total.duplicates_seen += s.duplicates_seen;
        total.late_answers += s.late_answers;
        total.restarts += s.restarts;
        total.lost_commits += s.lost_commits;
        total.held += s.held;
        total.key_refreshes += s.key_refreshes;
    }
    eprintln!("shard {shard}: {count} seeds: {total:?}");
    if count >= 100 {
        // The faults really happened.
        assert!(total.failures > count);
        assert!(total.duplicates_seen > 0);
        assert!(total.late_answers > 0);
        assert!(total.restarts > count / 10);
        assert!(total.lost_commits > 0);
        assert!(total.held > count, "SETs were held for the rotation");
        assert!(total.key_refreshes > count / 2);
    }
}

const SHARDS: u64 = 4;

#[test]
fn exactly_once_and_no_lost_ack_shard_0() {
    run_shard(0);
}

#[test]
fn exactly_once_and_no_lost_ack_shard_1() {
    run_shard(1);
}

#[test]
fn exactly_once_and_no_lost_ack_shard_2() {
    run_shard(2);
}

#[test]
fn exactly_once_and_no_lost_ack_shard_3() {
    run_shard(3);
}
