//! `GET /health`, `GET /ready` and the Prometheus `GET /metrics`.
//!
//! The exposition is the Prometheus text format (version 0.0.4), written
//! here: a handful of counters, two gauges and one histogram do not need a
//! metrics library. Counters are this process's since it started; the
//! queue depth is read from the database (shared by every process on the
//! database), at most about once per [`DEPTH_REUSE_FACTOR`] times the
//! count's own duration.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sqlx::Row as _;

use crate::http::{json_response, App};

/// Upper bounds of the poll latency buckets, seconds.
const BUCKETS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// Gauges and the poll latency histogram (the delivery counters live in
/// [`crate::poll::Stats`]).
#[derive(Debug, Default)]
pub struct Metrics {
    /// Per bucket (non-cumulative), plus one for `+Inf`.
    buckets: [AtomicU64; BUCKETS.len() + 1],
    sum_micros: AtomicU64,
    waiters: Arc<AtomicI64>,
    sweep_errors: AtomicU64,
    depth: tokio::sync::Mutex<Option<Depth>>,
}

/// The queue depth as last counted: rows of (client, state, count), when
/// it was counted and how long the count took.
#[derive(Debug)]
struct Depth {
    rows: Vec<(String, String, i64)>,
    at: std::time::Instant,
    took: Duration,
}

/// A counted queue depth is served again for this many times the count's
/// own duration (at least [`DEPTH_MIN_AGE`]): a `GROUP BY` over a deep
/// queue (about a second at 1,000,000 SETs) then costs at most 5% of one
/// core however often Prometheus scrapes.
const DEPTH_REUSE_FACTOR: u32 = 20;
/// See [`DEPTH_REUSE_FACTOR`].
const DEPTH_MIN_AGE: Duration = Duration::from_secs(1);

/// The queue depth: counted now, or the last count while it is fresh
/// (one count at a time; concurrent scrapes share it).
async fn queue_depth(app: &App) -> Result<Vec<(String, String, i64)>, sqlx::Error> {
    let mut cached = app.metrics.depth.lock().await;
    if let Some(depth) = cached.as_ref() {
        let fresh_for = (depth.took * DEPTH_REUSE_FACTOR).max(DEPTH_MIN_AGE);
        if depth.at.elapsed() < fresh_for {
            return Ok(depth.rows.clone());
        }
    }
    let started = std::time::Instant::now();
    let rows = sqlx::query(
        "SELECT client_id, state, COUNT(*) AS n FROM set_records GROUP BY client_id, state",
    )
    .fetch_all(&app.store.pool)
    .await?;
    let rows: Vec<(String, String, i64)> = rows
        .iter()
        .map(|row| {
            (
                row.try_get("client_id").unwrap_or_default(),
                row.try_get("state").unwrap_or_default(),
                row.try_get("n").unwrap_or(0),
            )
        })
        .collect();
    *cached = Some(Depth {
        rows: rows.clone(),
        at: std::time::Instant::now(),
        took: started.elapsed(),
    });
    Ok(rows)
}

/// Counts one long poll as waiting while alive.
#[derive(Debug)]
pub struct Waiter(Arc<AtomicI64>);

impl Drop for Waiter {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Metrics {
    /// Record the duration of one poll's load-decide-commit transaction.
    pub fn observe_poll(&self, took: Duration) {
        let secs = took.as_secs_f64();
        let slot = BUCKETS
            .iter()
            .position(|&upper| secs <= upper)
            .unwrap_or(BUCKETS.len());
        if let Some(bucket) = self.buckets.get(slot) {
            bucket.fetch_add(1, Ordering::Relaxed);
        }
        let micros = u64::try_from(took.as_micros()).unwrap_or(u64::MAX);
        self.sum_micros.fetch_add(micros, Ordering::Relaxed);
    }

    /// A long poll starts waiting; it stops when the guard drops.
    #[must_use]
    pub fn long_poll_waiter(&self) -> Waiter {
        self.waiters.fetch_add(1, Ordering::Relaxed);
        Waiter(Arc::clone(&self.waiters))
    }

    /// Count a failed sweep.
    pub fn sweep_error(&self) {
        self.sweep_errors.fetch_add(1, Ordering::Relaxed);
    }
}

/// `GET /health`: the process is up (no database access).
pub async fn health() -> Response {
    json_response(StatusCode::OK, &json!({ "status": "ok" }))
}

/// `GET /ready`: 200 when the database answers within 2 s, else 503 with
/// the reason.
pub async fn ready(State(app): State<Arc<App>>) -> Response {
    let probe = tokio::time::timeout(
        Duration::from_secs(2),
        sqlx::query("SELECT 1").execute(&app.store.pool),
    )
    .await;
    let problem = match probe {
        Ok(Ok(_)) => None,
        Ok(Err(e)) => Some(e.to_string()),
        Err(_) => Some("no answer within 2 s".to_owned()),
    };
    match problem {
        None => json_response(StatusCode::OK, &json!({ "status": "ready" })),
        Some(reason) => {
            tracing::warn!(reason = %reason, "readiness check failed: database unreachable");
            json_response(
                StatusCode::SERVICE_UNAVAILABLE,
                &json!({ "status": "unavailable", "database": reason }),
            )
        }
    }
}

/// `GET /metrics`: Prometheus text format. When the queue depth cannot be
/// read, the counters are still served and `setpoll_database_up` is 0.
pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    let depth = queue_depth(&app).await;
    let mut out = String::with_capacity(4096);
    let counts = app.stats.snapshot();
    let mut counter = |name: &str, help: &str, value: u64| {
        let _ = write!(
            out,
            "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}\n"
        );
    };
    counter(
        "setpoll_enqueued_total",
        "SETs queued by this process.",
        counts.enqueued,
    );
    counter(
        "setpoll_delivered_total",
        "SETs put in a response (first deliveries and redeliveries).",
        counts.delivered,
    );
    counter(
        "setpoll_redelivered_total",
        "Deliveries after a SET's first.",
        counts.redelivered,
    );
    counter(
        "setpoll_acknowledged_total",
        "SETs acknowledged (then deleted).",
        counts.acknowledged,
    );
    counter(
        "setpoll_dead_lettered_total",
        "SETs dead-lettered (setErrs or out of attempts).",
        counts.dead_lettered,
    );
    counter(
        "setpoll_expired_total",
        "SETs dropped unacknowledged past retention.",
        counts.expired,
    );
    counter(
        "setpoll_polls_total",
        "Responses to POST /events.",
        counts.polls,
    );
    counter(
        "setpoll_sweep_errors_total",
        "Housekeeping sweeps that failed.",
        app.metrics.sweep_errors.load(Ordering::Relaxed),
    );
    let _ = write!(
        out,
        "# HELP setpoll_long_poll_waiters Long polls now waiting for a SET.\n\
         # TYPE setpoll_long_poll_waiters gauge\nsetpoll_long_poll_waiters {}\n",
        app.metrics.waiters.load(Ordering::Relaxed).max(0)
    );
    out.push_str(
        "# HELP setpoll_poll_duration_seconds One poll's load-decide-commit transaction.\n\
         # TYPE setpoll_poll_duration_seconds histogram\n",
    );
    let mut cumulative = 0u64;
    for (i, bucket) in app.metrics.buckets.iter().enumerate() {
        cumulative += bucket.load(Ordering::Relaxed);
        match BUCKETS.get(i) {
            Some(upper) => {
                let _ = writeln!(
                    out,
                    "setpoll_poll_duration_seconds_bucket{{le=\"{upper}\"}} {cumulative}"
                );
            }
            None => {
                let _ = writeln!(
                    out,
                    "setpoll_poll_duration_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
                );
            }
        }
    }
    let sum = app.metrics.sum_micros.load(Ordering::Relaxed) as f64 / 1e6;
    let _ = write!(
        out,
        "setpoll_poll_duration_seconds_sum {sum}\nsetpoll_poll_duration_seconds_count {cumulative}\n"
    );
    out.push_str(
        "# HELP setpoll_database_up Whether the queue depth could be read.\n\
         # TYPE setpoll_database_up gauge\n",
    );
    match depth {
        Ok(rows) => {
            out.push_str(
                "setpoll_database_up 1\n# HELP setpoll_queue_depth SETs stored, by client and state.\n\
                 # TYPE setpoll_queue_depth gauge\n",
            );
            for (client, state, n) in rows {
                let _ = writeln!(
                    out,
                    "setpoll_queue_depth{{client=\"{}\",state=\"{}\"}} {n}",
                    label(&client),
                    label(&state)
                );
            }
        }
        Err(e) => {
            tracing::warn!(error = %e, "metrics: queue depth unavailable");
            out.push_str("setpoll_database_up 0\n");
        }
    }
    (
        StatusCode::OK,
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
        .into_response()
}

/// A label value escaped as the text format requires.
fn label(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}
