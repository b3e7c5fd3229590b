//! `/admin/*`: what the bank's own systems call (guarded by `--admin-token`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sqlx::Row as _;

use setpoll_core::claims::SetClaims;
use setpoll_core::transmitter::EnqueueOutcome;

use crate::http::{bearer_token, json_response, unauthorized, App};
use crate::store::StoreError;

fn is_admin(headers: &HeaderMap, app: &App) -> bool {
    use subtle::ConstantTimeEq as _;
    // `ct_eq` on slices of different lengths is false at once: the length
    // of the token is not a secret worth hiding.
    bearer_token(headers)
        .is_some_and(|t| bool::from(t.as_bytes().ct_eq(app.admin_token.as_bytes())))
}

/// Most SETs in one batch `POST /admin/events`.
pub const MAX_BATCH: usize = 1000;

/// SETs per signing job: small enough that the jobs of a batch spread
/// evenly over the cores, large enough that queueing a job costs nothing
/// next to signing it (16 PS256 signatures: about 5 ms).
const SIGN_JOB: usize = 16;

/// A refused item: HTTP status, machine code, message.
type Refusal = (StatusCode, String, String);

/// `POST /admin/events`: build, sign and enqueue one SET, or a batch.
///
/// Body: `{"clientId", "sub", "events", "txn"?, "toe"?, "jti"?, ...}`: every
/// member but `clientId` is a claim of the SET, copied value for value
/// (`exp`, `nbf`, `sub_id`, private claims); `iss`, `iat` and `aud` are
/// refused (the server sets them). Answers
/// 201 `{"jti", "clientId"}` when queued, 200 (with `"alreadyQueued": true`)
/// when the client already holds that `jti`, 400 `{"error", "message"}`
/// when the body or the claims are refused.
///
/// Batch: a JSON array of such objects (at most [`MAX_BATCH`]), queued in
/// one transaction, all or nothing: 201 (200 when every one was already
/// queued) `{"queued": N, "alreadyQueued": M, "results": [{"jti",
/// "clientId", "alreadyQueued"?}...]}` in request order, or 400 `{"error",
/// "message", "index"}` naming the first refused item, and nothing queued.
pub async fn enqueue(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if !is_admin(&headers, &app) {
        return unauthorized();
    }
    // Batches wait here, before their bodies are read: at most two per
    // core are parsed, signed and queued at a time.
    let Ok(_slot) = app.admin_slots.acquire().await else {
        return admin_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "shutting_down",
            "the server is stopping",
        );
    };
    let body = match app.body(request.into_body()).await {
        Ok(body) => body,
        Err(StatusCode::REQUEST_TIMEOUT) => {
            return admin_error(
                StatusCode::REQUEST_TIMEOUT,
                "body_timeout",
                "request body not received in time",
            )
        }
        Err(status) => return admin_error(status, "body_too_large", "request body too large"),
    };
    let (items, batch) = match serde_json::from_slice(&body) {
        Ok(v @ serde_json::Value::Object(_)) => (vec![v], false),
        Ok(serde_json::Value::Array(items)) if items.len() <= MAX_BATCH => (items, true),
        Ok(serde_json::Value::Array(items)) => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "batch_too_large",
                &format!("{} items, more than the {MAX_BATCH} accepted", items.len()),
            )
        }
        _ => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "malformed",
                "body is not a JSON object or an array of objects",
            )
        }
    };
    let now = crate::now();
    // Signed on the signing pool, in jobs of a few SETs: every core signs
    // while any batch has SETs left (see `signing.rs`).
    let mut jobs = Vec::with_capacity(items.len().div_ceil(SIGN_JOB));
    let mut items = items.into_iter();
    let mut first = 0;
    loop {
        let part: Vec<serde_json::Value> = items.by_ref().take(SIGN_JOB).collect();
        if part.is_empty() {
            break;
        }
        let signer = Arc::clone(&app);
        let offset = first;
        first += part.len();
        jobs.push(app.signing.run(move || {
            part.into_iter()
                .enumerate()
                .map(|(i, item)| build_token(&signer, item, now).map_err(|e| (offset + i, e)))
                .collect::<Result<Vec<String>, _>>()
        }));
    }
    let mut signed = Ok(Ok(Vec::with_capacity(first)));
    for job in jobs {
        let part = job.await;
        if let Ok(Ok(tokens)) = &mut signed {
            match part {
                Ok(Ok(mut more)) => tokens.append(&mut more),
                other => signed = other,
            }
        }
    }
    let tokens = match signed {
        Ok(Ok(tokens)) => tokens,
        Ok(Err((index, (status, code, message)))) => {
            return json_response(status, &refusal(&code, &message, batch.then_some(index)));
        }
        Err(crate::signing::PoolGone) => {
            tracing::error!("signing job failed");
            return admin_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "sign_failed",
                "signing failed",
            );
        }
    };
    let outcomes = match app.store.enqueue_many(&app.transmitter, &tokens, now).await {
        Ok(outcomes) => outcomes,
        Err((index, StoreError::Enqueue(e))) => {
            let body = refusal(e.code(), &e.to_string(), batch.then_some(index));
            return json_response(StatusCode::BAD_REQUEST, &body);
        }
        Err((_, e)) => {
            tracing::error!(error = %e, "enqueue failed; nothing queued");
            return admin_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store_failed",
                "the events store failed",
            );
        }
    };
    let mut results = Vec::with_capacity(outcomes.len());
    let mut queued = 0usize;
    let mut woken = std::collections::HashSet::new();
    for outcome in &outcomes {
        let (client, jti, fresh) = match outcome {
            EnqueueOutcome::Queued { record } => (&record.client, &record.jti, true),
            EnqueueOutcome::AlreadyQueued { client, jti, .. } => (client, jti, false),
        };
        if fresh {
            queued += 1;
            app.stats.enqueued();
            woken.insert(client.as_str());
            results.push(json!({ "jti": jti, "clientId": client }));
        } else {
            results.push(json!({ "jti": jti, "clientId": client, "alreadyQueued": true }));
        }
    }
    for client in woken {
        app.wake.wake(client);
    }
    let status = if queued > 0 {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    if batch {
        let already = outcomes.len() - queued;
        json_response(
            status,
            &json!({ "queued": queued, "alreadyQueued": already, "results": results }),
        )
    } else {
        let body = results.pop().unwrap_or(serde_json::Value::Null);
        json_response(status, &body)
    }
}

/// Claims an admin item may not carry: the server sets them.
const SERVER_CLAIMS: [&str; 3] = ["iss", "iat", "aud"];

/// The signed SET for one admin item.
fn build_token(
    app: &App,
    input: serde_json::Value,
    now: setpoll_core::Timestamp,
) -> Result<String, Refusal> {
    let bad =
        |code: &str, message: &str| (StatusCode::BAD_REQUEST, code.to_owned(), message.to_owned());
    let serde_json::Value::Object(members) = input else {
        return Err(bad("malformed", "item is not a JSON object"));
    };
    // Taken apart by value, in order: the claims move into the SET.
    let (mut client, mut jti) = (None, None);
    let mut rest = Vec::with_capacity(members.len());
    for (name, value) in members {
        match name.as_str() {
            "clientId" => client = Some(value),
            "jti" => jti = Some(value),
            _ => rest.push((name, value)),
        }
    }
    let Some(serde_json::Value::String(client)) = client else {
        return Err(bad("missing_client_id", "clientId (string) is required"));
    };
    let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let jti = match jti {
        None => uuid::Uuid::new_v4().to_string(),
        Some(serde_json::Value::String(j)) => j,
        Some(_) => return Err(bad("bad_jti", "jti must be a string")),
    };
    // The claims as JSON, then the core's parser: it checks every OBIE rule
    // (event shapes, lengths, types) the same way a recipient will. Every
    // member but `clientId` is a claim, kept value for value (`exp`, `nbf`,
    // `sub_id`, private claims...); `iss`, `iat` and `aud` are the server's.
    if let Some((name, _)) = rest
        .iter()
        .find(|(n, _)| SERVER_CLAIMS.contains(&n.as_str()))
    {
        return Err(bad(
            "reserved_claim",
            &format!("{name} is set by the server (iss: --issuer, iat: now, aud: clientId)"),
        ));
    }
    let mut claims = serde_json::Map::with_capacity(rest.len() + 6);
    claims.insert("iss".into(), json!(app.config.issuer));
    claims.insert("iat".into(), json!(secs));
    claims.insert("jti".into(), json!(jti));
    claims.insert("aud".into(), serde_json::Value::String(client.clone()));
    claims.extend(rest);
    claims
        .entry("txn")
        .or_insert_with(|| serde_json::Value::String(jti.clone()));
    claims.entry("toe").or_insert_with(|| json!(secs));
    claims.entry("events").or_insert(serde_json::Value::Null);
    let claims_json = serde_json::Value::Object(claims).to_string();
    let claims =
        SetClaims::from_json(claims_json.as_bytes()).map_err(|e| bad(e.code(), &e.to_string()))?;
    app.signer
        .sign(&claims, now, app.clients.header_profile(&client))
        .map_err(|e| bad("sign_failed", &e))
}

/// `{"error", "message", "index"?}`.
fn refusal(code: &str, message: &str, index: Option<usize>) -> serde_json::Value {
    match index {
        Some(index) => json!({ "error": code, "message": message, "index": index }),
        None => json!({ "error": code, "message": message }),
    }
}

fn admin_error(status: StatusCode, code: &str, message: &str) -> Response {
    json_response(status, &json!({ "error": code, "message": message }))
}

/// `GET /admin/stats`: what is queued (rows by state) and the delivery
/// counters of this process since it started.
pub async fn stats(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if !is_admin(&headers, &app) {
        return unauthorized();
    }
    let rows = sqlx::query("SELECT state, COUNT(*) AS n FROM set_records GROUP BY state")
        .fetch_all(&app.store.pool)
        .await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(e) => {
            tracing::error!(error = %e, "stats: database failed");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let mut by_state = serde_json::Map::new();
    for row in rows {
        let state: String = row.try_get("state").unwrap_or_default();
        let n: i64 = row.try_get("n").unwrap_or(0);
        by_state.insert(state, json!(n));
    }
    let mut body = match serde_json::to_value(app.stats.snapshot()) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    };
    body.insert("byState".into(), serde_json::Value::Object(by_state));
    json_response(StatusCode::OK, &serde_json::Value::Object(body))
}
