//! `POST /events` after the HTTP checks: parse, run the transmitter, answer.
//!
//! One poll is: parse the body (core) -> plan (core) -> load and decide and
//! commit in one transaction (`Store::poll`) -> answer. When the core says
//! `Wait`, the request's acks are already committed; the handler then sleeps
//! until the client's wake-up fires (a SET was enqueued for it in this
//! process), the re-check interval passes (another process may have
//! enqueued), or the deadline comes, and resumes.

use std::pin::pin;
use std::time::Duration;

use axum::http::StatusCode;
use axum::response::Response;
use setpoll_core::transmitter::{Change, DeleteReason, PollDecision, PollOutcome, SetState};
use setpoll_core::wire::{EventPolling, EventPollingResponse};

use crate::http::{
    error_response, json_response_text, ApiVersion, App, ErrorItem, InteractionId, RequestLog,
};

/// Serve one poll of `client`.
pub async fn serve(
    app: &App,
    version: ApiVersion,
    id: &InteractionId,
    client: &str,
    body: &[u8],
) -> Response {
    let request = match EventPolling::parse(body, &app.transmitter.config().request_options()) {
        Ok(request) => request,
        Err(e) => {
            let response = version
                .obie(app.config.profile)
                .request_error_response(&e, &id.0);
            return crate::http::error_body(StatusCode::BAD_REQUEST, &response.to_json());
        }
    };
    let mut log = RequestLog {
        client: Some(client.to_owned()),
        acked: request.ack.len(),
        set_errs: request.set_errs.len(),
        delivered: 0,
    };
    let wake = app.wake.for_client(client);
    let mut plan = app.transmitter.plan_poll(client, &request, crate::now());
    let mut waiting = None;
    loop {
        // Register for the wake-up before looking, so an enqueue that
        // commits between our look and our wait is not missed.
        let mut notified = pin!(wake.notified());
        notified.as_mut().enable();
        let started = std::time::Instant::now();
        let result = app.store.poll(&app.transmitter, plan).await;
        app.metrics.observe_poll(started.elapsed());
        let outcome = match result {
            Ok(outcome) => outcome,
            Err(e) => {
                tracing::error!(client, error = %e, "poll failed; nothing committed");
                let item = ErrorItem {
                    code: setpoll_core::codes::ObieErrorCode::UnexpectedError,
                    message: "the events store is unavailable; retry later".into(),
                    path: None,
                };
                let mut response =
                    error_response(StatusCode::INTERNAL_SERVER_ERROR, version, id, &[item]);
                response.extensions_mut().insert(log);
                return response;
            }
        };
        app.stats.record(&outcome);
        match outcome.decision {
            PollDecision::Respond(response) => {
                drop(waiting);
                log.delivered = response.sets.len();
                let mut response = respond(app, version, &response);
                response.extensions_mut().insert(log);
                return response;
            }
            PollDecision::Wait(wait) => {
                if waiting.is_none() {
                    waiting = Some(app.metrics.long_poll_waiter());
                }
                let left = wait
                    .until
                    .as_millis()
                    .saturating_sub(crate::now().as_millis());
                let nap = Duration::from_millis(left.min(app.config.long_poll_recheck_ms.max(1)));
                tokio::select! {
                    () = &mut notified => {}
                    () = tokio::time::sleep(nap) => {}
                }
                plan = app.transmitter.plan_resume(&wait, crate::now());
            }
        }
    }
}

fn respond(app: &App, version: ApiVersion, response: &EventPollingResponse) -> Response {
    let status = StatusCode::from_u16(version.obie(app.config.profile).success_status())
        .unwrap_or(StatusCode::OK);
    json_response_text(status, response.to_json())
}

/// Delivery counters since start (the database holds only what is queued:
/// acknowledged SETs are deleted).
#[derive(Debug, Default)]
pub struct Stats {
    inner: std::sync::Mutex<Counts>,
}

/// The counters.
#[derive(Debug, Default, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    /// SETs enqueued.
    pub enqueued: u64,
    /// SETs put in a response (first deliveries and redeliveries).
    pub delivered: u64,
    /// Of those, deliveries after the first.
    pub redelivered: u64,
    /// SETs acknowledged.
    pub acknowledged: u64,
    /// SETs dead-lettered (setErrs or out of attempts).
    pub dead_lettered: u64,
    /// SETs dropped unacknowledged past retention.
    pub expired: u64,
    /// Responses sent to `POST /events`.
    pub polls: u64,
}

impl Stats {
    fn with<F: FnOnce(&mut Counts)>(&self, f: F) {
        let mut counts = match self.inner.lock() {
            Ok(c) => c,
            Err(poisoned) => poisoned.into_inner(),
        };
        f(&mut counts);
    }

    /// A copy of the counters.
    #[must_use]
    pub fn snapshot(&self) -> Counts {
        let mut out = Counts::default();
        self.with(|c| out = *c);
        out
    }

    /// Count an enqueue.
    pub fn enqueued(&self) {
        self.with(|c| c.enqueued += 1);
    }

    /// Count what a poll's changes did.
    pub fn record(&self, outcome: &PollOutcome) {
        let sent: std::collections::HashSet<&str> = match &outcome.decision {
            PollDecision::Respond(r) => r.sets.iter().map(|(jti, _)| jti.as_str()).collect(),
            PollDecision::Wait(_) => std::collections::HashSet::new(),
        };
        self.with(|c| {
            if matches!(outcome.decision, PollDecision::Respond(_)) {
                c.polls += 1;
            }
            count_changes(c, &outcome.changes, &sent);
        });
    }

    /// Count what a sweep's changes did.
    pub fn record_sweep(&self, changes: &[Change]) {
        self.with(|c| count_changes(c, changes, &std::collections::HashSet::new()));
    }
}

fn count_changes(c: &mut Counts, changes: &[Change], sent: &std::collections::HashSet<&str>) {
    for change in changes {
        match change {
            Change::Update(u) if sent.contains(u.jti.as_str()) => {
                c.delivered += 1;
                if u.attempts > 1 {
                    c.redelivered += 1;
                }
            }
            Change::Update(u) if u.state == SetState::DeadLetter => c.dead_lettered += 1,
            Change::Delete { jti, reason, .. } => match reason {
                DeleteReason::Acknowledged => c.acknowledged += 1,
                DeleteReason::DeliveredOnce if sent.contains(jti.as_str()) => c.delivered += 1,
                DeleteReason::Expired => c.expired += 1,
                _ => {}
            },
            _ => {}
        }
    }
}

/// Run the housekeeping sweep forever (spawned at start).
pub async fn sweeper(app: std::sync::Arc<App>) {
    let every = Duration::from_millis(app.config.sweep_interval_ms.max(10));
    loop {
        tokio::time::sleep(every).await;
        loop {
            match app.store.sweep(&app.transmitter, crate::now(), 500).await {
                Ok(outcome) => {
                    app.stats.record_sweep(&outcome.changes);
                    if !outcome.more || outcome.changes.is_empty() {
                        break;
                    }
                }
                Err(e) => {
                    app.metrics.sweep_error();
                    tracing::error!(error = %e, "sweep failed; retried next interval");
                    break;
                }
            }
        }
    }
}
