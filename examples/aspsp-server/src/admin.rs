//! `/admin/*`: what the bank's own systems call (guarded by `--admin-token`).

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use sqlx::Row as _;

use crate::http::{bearer_token, json_response, unauthorized, App};

fn is_admin(headers: &HeaderMap, app: &App) -> bool {
    bearer_token(headers)
        .is_some_and(|t| constant_time_eq(t.as_bytes(), app.config.admin_token.as_bytes()))
}

/// Compare without an early exit on the first differing byte.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// `POST /admin/events`: build, sign and enqueue one SET.
pub async fn enqueue(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    request: Request,
) -> Response {
    if !is_admin(&headers, &app) {
        return unauthorized();
    }
    let _ = request;
    StatusCode::NOT_IMPLEMENTED.into_response()
}

/// `GET /admin/stats`: record counts by state, deliveries and redeliveries.
pub async fn stats(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    if !is_admin(&headers, &app) {
        return unauthorized();
    }
    let rows = sqlx::query(
        "SELECT state, COUNT(*) AS n, \
         CAST(COALESCE(SUM(attempts), 0) AS BIGINT) AS deliveries, \
         CAST(COALESCE(SUM(CASE WHEN attempts > 1 THEN attempts - 1 ELSE 0 END), 0) AS BIGINT) AS redeliveries \
         FROM set_records GROUP BY state",
    )
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
    let (mut deliveries, mut redeliveries) = (0i64, 0i64);
    for row in rows {
        let state: String = row.try_get("state").unwrap_or_default();
        let n: i64 = row.try_get("n").unwrap_or(0);
        deliveries += row.try_get::<i64, _>("deliveries").unwrap_or(0);
        redeliveries += row.try_get::<i64, _>("redeliveries").unwrap_or(0);
        by_state.insert(state, json!(n));
    }
    json_response(
        StatusCode::OK,
        &json!({ "byState": by_state, "deliveries": deliveries, "redeliveries": redeliveries }),
    )
}
