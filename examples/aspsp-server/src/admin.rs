//! `/admin/*`: what the bank's own systems call (guarded by `--admin-token`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sqlx::Row as _;

use setpoll_core::claims::SetClaims;
use setpoll_core::transmitter::EnqueueOutcome;

use crate::http::{bearer_token, json_response, read_body, unauthorized, App};
use crate::store::StoreError;

fn is_admin(headers: &HeaderMap, app: &App) -> bool {
    bearer_token(headers)
        .is_some_and(|t| constant_time_eq(t.as_bytes(), app.config.admin_token.as_bytes()))
}

/// Compare without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /admin/events`: build, sign and enqueue one SET.
///
/// Body: `{"clientId", "sub", "events", "txn"?, "toe"?, "jti"?}`. Answers
/// 201 `{"jti", "clientId"}` when queued, 200 (with `"alreadyQueued": true`)
/// when the client already holds that `jti`, 400 `{"error", "message"}`
/// when the body or the claims are refused.
pub async fn enqueue(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if !is_admin(&headers, &app) {
        return unauthorized();
    }
    let body = match read_body(request.into_body(), app.config.max_body_bytes).await {
        Ok(body) => body,
        Err(status) => return admin_error(status, "body_too_large", "request body too large"),
    };
    let input: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v @ serde_json::Value::Object(_)) => v,
        _ => {
            return admin_error(
                StatusCode::BAD_REQUEST,
                "malformed",
                "body is not a JSON object",
            )
        }
    };
    let Some(client) = input
        .get("clientId")
        .and_then(|v| v.as_str())
        .map(str::to_owned)
    else {
        return admin_error(
            StatusCode::BAD_REQUEST,
            "missing_client_id",
            "clientId (string) is required",
        );
    };
    let now = crate::now();
    let secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let jti = match input.get("jti") {
        None => uuid::Uuid::new_v4().to_string(),
        Some(serde_json::Value::String(j)) => j.clone(),
        Some(_) => return admin_error(StatusCode::BAD_REQUEST, "bad_jti", "jti must be a string"),
    };
    // The claims as JSON, then the core's parser: it checks every OBIE rule
    // (event shapes, lengths, types) the same way a recipient will.
    let mut claims = serde_json::Map::new();
    claims.insert("iss".into(), json!(app.config.issuer));
    claims.insert("iat".into(), json!(secs));
    claims.insert("jti".into(), json!(jti));
    claims.insert("aud".into(), json!(client));
    for name in ["sub", "txn"] {
        if let Some(v) = input.get(name) {
            claims.insert(name.into(), v.clone());
        }
    }
    if !claims.contains_key("txn") {
        claims.insert("txn".into(), json!(jti));
    }
    claims.insert(
        "toe".into(),
        input.get("toe").cloned().unwrap_or(json!(secs)),
    );
    claims.insert(
        "events".into(),
        input
            .get("events")
            .cloned()
            .unwrap_or(serde_json::Value::Null),
    );
    let claims_json = serde_json::Value::Object(claims).to_string();
    let claims = match SetClaims::from_json(claims_json.as_bytes()) {
        Ok(c) => c,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    };
    let token = match app.signer.sign(&claims, now) {
        Ok(t) => t,
        Err(e) => return admin_error(StatusCode::BAD_REQUEST, "sign_failed", &e),
    };
    match app.store.enqueue(&app.transmitter, &token, now).await {
        Ok(outcome) => {
            let queued = matches!(outcome, EnqueueOutcome::Queued { .. });
            if let Some(client) = outcome.wake() {
                app.stats.enqueued();
                app.wake.wake(client);
            }
            let status = if queued {
                StatusCode::CREATED
            } else {
                StatusCode::OK
            };
            let body = if queued {
                json!({ "jti": jti, "clientId": client })
            } else {
                json!({ "jti": jti, "clientId": client, "alreadyQueued": true })
            };
            json_response(status, &body)
        }
        Err(StoreError::Enqueue(e)) => {
            admin_error(StatusCode::BAD_REQUEST, e.code(), &e.to_string())
        }
        Err(e) => {
            eprintln!("aspsp-server: enqueue: {e}");
            admin_error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "store_failed",
                "the events store failed",
            )
        }
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
            eprintln!("aspsp-server: stats: {e}");
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
