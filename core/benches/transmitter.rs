//! Transmitter benchmark: one poll that applies 100 acks and returns 100
//! SETs, on queues of 10 thousand and 1 million waiting SETs, plus the heap
//! bytes each waiting SET costs beyond its token bytes.
//!
//! Run: `cargo bench -p setpoll-core --bench transmitter -- --quick`
//! Targets: the 1M poll within 1.5x of the 10k poll; under 128 bytes per SET.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    missing_docs
)]

use std::alloc::System;
use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine as _;
use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion};
use setpoll_core::transmitter::{MemoryQueue, TransmitterConfig};
use setpoll_core::wire::EventPolling;
use setpoll_core::Timestamp;
use stats_alloc::{StatsAlloc, INSTRUMENTED_SYSTEM};

#[global_allocator]
static GLOBAL: &StatsAlloc<System> = &INSTRUMENTED_SYSTEM;

const CLIENT: &str = "7umx5nTR33811QyQfi";
const BATCH: u32 = 100;

fn live_bytes() -> isize {
    let s = GLOBAL.stats();
    // stats_alloc counts reallocations in both totals already.
    s.bytes_allocated as isize - s.bytes_deallocated as isize
}

/// A realistically shaped ES256 SET (UUID-like `jti`, OBIE claims).
fn token(n: u64) -> String {
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    let jti = format!("{:08x}-4962-43d1-85ee-{:012x}", n >> 16, n);
    let payload = format!(
        r#"{{"iss":"https://examplebank.com/","iat":1516239022,"jti":"{jti}","aud":"{CLIENT}","sub":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-{n}","txn":"{jti}","toe":1516239022,"events":{{"urn:uk:org:openbanking:events:resource-update":{{}}}}}}"#
    );
    let sig = "s".repeat(86);
    format!(
        "{}.{}.{sig}",
        b64(r#"{"alg":"ES256","kid":"k1","typ":"secevent+jwt"}"#),
        b64(&payload)
    )
}

struct Fixture {
    queue: MemoryQueue,
    next: u64,
    now: u64,
    in_flight: Vec<String>,
}

impl Fixture {
    /// A queue of `n` waiting SETs; prints the heap bytes per SET beyond
    /// the token bytes.
    fn new(n: u64) -> Self {
        let before = live_bytes();
        let mut queue = MemoryQueue::new(TransmitterConfig::default()).unwrap();
        let mut token_bytes = 0usize;
        for i in 0..n {
            let t = token(i);
            token_bytes += t.len();
            let _ = queue.enqueue(t, Timestamp::from_millis(1)).unwrap();
        }
        let used = live_bytes() - before;
        let per_set = (used - token_bytes as isize) as f64 / n as f64;
        println!(
            "queue of {n} SETs: {used} heap bytes, {token_bytes} token bytes, \
             {per_set:.1} bytes per waiting SET beyond the token (target < 128)"
        );
        let mut f = Fixture {
            queue,
            next: n,
            now: 2,
            in_flight: Vec::new(),
        };
        f.poll(); // the first batch is in flight, waiting for its acks
        f
    }

    /// One poll acknowledging the previous 100 and taking the next 100.
    fn poll(&mut self) -> Duration {
        let request = EventPolling {
            max_events: Some(BATCH),
            return_immediately: Some(true),
            ack: std::mem::take(&mut self.in_flight),
            set_errs: Vec::new(),
        };
        self.now += 1;
        let start = Instant::now();
        let outcome = self
            .queue
            .poll(CLIENT, &request, Timestamp::from_millis(self.now));
        let spent = start.elapsed();
        let response = outcome.response().unwrap();
        assert_eq!(response.sets.len(), BATCH as usize);
        self.in_flight = response.sets.iter().map(|(j, _)| j.clone()).collect();
        let _ = black_box(outcome);
        spent
    }

    /// Keep the queue length constant: enqueue as many as were acked.
    fn refill(&mut self) {
        for _ in 0..BATCH {
            let _ = self
                .queue
                .enqueue(token(self.next), Timestamp::from_millis(self.now))
                .unwrap();
            self.next += 1;
        }
    }
}

fn poll_ack_100_return_100(c: &mut Criterion) {
    let mut group = c.benchmark_group("poll_ack100_return100");
    for n in [10_000u64, 1_000_000] {
        let mut fixture = Fixture::new(n);
        // The minimum and median of many polls, robust to a busy machine.
        let mut times: Vec<Duration> = (0..300)
            .map(|_| {
                let t = fixture.poll();
                fixture.refill();
                t
            })
            .collect();
        times.sort();
        println!(
            "queue of {n} SETs: one poll (100 acks, 100 SETs) min {:?}, median {:?}",
            times[0],
            times[times.len() / 2]
        );
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    total += fixture.poll();
                    fixture.refill();
                }
                total
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2));
    targets = poll_ack_100_return_100
}
criterion_main!(benches);
