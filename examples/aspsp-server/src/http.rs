//! The HTTP surface: routing, authentication, header checks and error bodies.
//!
//! Order of checks on `POST /events` (each failure answers at once):
//! 1. `Authorization: Bearer <token>` known in the clients table, else 401;
//! 2. `Accept`, when present, admits JSON, else 406;
//! 3. `Content-Type` is `application/json` (any `charset=utf-8`), else 415;
//! 4. `x-fapi-auth-date`, when present, matches the files' RFC 7231 date
//!    pattern, else 400;
//! 5. the body fits `--max-body-bytes`, else 413;
//! 6. the body is a valid `OBEventPolling1`, else 400 with `OBErrorResponse1`.
//!
//! Every response carries `x-fapi-interaction-id`: the request's, or a
//! fresh UUID when the request had none.

use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use setpoll_core::codes::ObieErrorCode;
use setpoll_core::wire::{ErrorDetail, ErrorResponse};

use crate::config::{ClientTable, Config};
use crate::store::Store;
use crate::wake::Wakeups;

/// Everything a handler needs.
#[derive(Debug)]
pub struct App {
    /// Flags.
    pub config: Config,
    /// Bearer token -> client id.
    pub clients: ClientTable,
    /// The database.
    pub store: Store,
    /// Signs SETs; publishes the JWKS.
    pub signer: crate::keys::Signer,
    /// The delivery rules (core).
    pub transmitter: setpoll_core::transmitter::Transmitter,
    /// Delivery counters.
    pub stats: crate::poll::Stats,
    /// Long-poll wake-ups.
    pub wake: Wakeups,
}

/// The API version a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/open-banking/v3.1/...` (v3.1.2 .. v3.1.11).
    V31,
    /// `/open-banking/v4.0/...`.
    V40,
}

/// The correlation id of the request being served.
#[derive(Debug, Clone)]
pub struct InteractionId(pub String);

const INTERACTION_ID: &str = "x-fapi-interaction-id";

/// Build the router.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(
            "/open-banking/v3.1/events",
            post(|s, h, b| events(s, ApiVersion::V31, h, b)),
        )
        .route(
            "/open-banking/v4.0/events",
            post(|s, h, b| events(s, ApiVersion::V40, h, b)),
        )
        .route("/jwks", get(jwks))
        .route("/admin/events", post(crate::admin::enqueue))
        .route("/admin/stats", get(crate::admin::stats))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(interaction_id))
        .with_state(app)
}

/// Put the request's `x-fapi-interaction-id` (or a new one) into the
/// request extensions and on the response.
async fn interaction_id(mut request: Request, next: Next) -> Response {
    let id = request
        .headers()
        .get(INTERACTION_ID)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|v| !v.is_empty() && v.len() <= 128)
        .map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
    request.extensions_mut().insert(InteractionId(id.clone()));
    let mut response = next.run(request).await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response.headers_mut().insert(INTERACTION_ID, value);
    }
    response
}

/// The client id behind `Authorization: Bearer <token>`.
pub fn bearer<'a>(headers: &HeaderMap, clients: &'a ClientTable) -> Option<&'a str> {
    let token = bearer_token(headers)?;
    clients.authenticate(token)
}

/// The token of `Authorization: Bearer <token>` (scheme case-insensitive).
pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// 401 with the RFC 6750 challenge (the OpenAPI files define no body).
pub fn unauthorized() -> Response {
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Bearer")],
    )
        .into_response()
}

/// Does the `Accept` header (if any) admit `application/json`?
fn accepts_json(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get(header::ACCEPT) else {
        return true;
    };
    let Ok(value) = value.to_str() else {
        return false;
    };
    value.split(',').any(|range| {
        let media = range.split(';').next().unwrap_or("").trim();
        media.eq_ignore_ascii_case("application/json")
            || media == "*/*"
            || media.eq_ignore_ascii_case("application/*")
    })
}

/// Is the `Content-Type` JSON, with no charset other than UTF-8?
pub fn is_json_content(headers: &HeaderMap) -> bool {
    let Some(Ok(value)) = headers.get(header::CONTENT_TYPE).map(|v| v.to_str()) else {
        return false;
    };
    let mut parts = value.split(';');
    let media = parts.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return false;
    }
    parts.all(|param| match param.split_once('=') {
        Some((name, v)) if name.trim().eq_ignore_ascii_case("charset") => {
            let v = v.trim().trim_matches('"');
            v.eq_ignore_ascii_case("utf-8") || v.eq_ignore_ascii_case("utf8")
        }
        _ => true,
    })
}

/// `Sun, 10 Sep 2017 19:43:31 UTC` (the pattern the OpenAPI files give).
fn is_fapi_date(value: &str) -> bool {
    const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let fields: Vec<&str> = value.split(' ').collect();
    let [day, dd, month, yyyy, time, zone] = fields.as_slice() else {
        return false;
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    let time_ok = {
        let t: Vec<&str> = time.split(':').collect();
        t.len() == 3 && t.iter().all(|p| digits(p, 2))
    };
    day.strip_suffix(',').is_some_and(|d| DAYS.contains(&d))
        && digits(dd, 2)
        && MONTHS.contains(month)
        && digits(yyyy, 4)
        && time_ok
        && (*zone == "GMT" || *zone == "UTC")
}

/// One `Errors[]` entry of an `OBErrorResponse1`.
#[derive(Debug, Clone)]
pub struct ErrorItem {
    /// `ErrorCode` in the v3.1 vocabulary (rewritten for v4.0 paths).
    pub code: ObieErrorCode,
    /// `Message`.
    pub message: String,
    /// `Path`, when a field or header is to blame.
    pub path: Option<String>,
}

/// An `OBErrorResponse1` with the given status (the core's writer; v4.0
/// paths get four-character codes).
pub fn error_response(
    status: StatusCode,
    version: ApiVersion,
    id: &InteractionId,
    items: &[ErrorItem],
) -> Response {
    let details = items
        .iter()
        .map(|i| ErrorDetail::new(i.code.clone(), &i.message, i.path.as_deref()))
        .collect();
    let code = format!(
        "{} {}",
        status.as_u16(),
        status
            .canonical_reason()
            .unwrap_or("Error")
            .replace(' ', "")
    );
    let message = items.first().map_or(code.as_str(), |i| i.message.as_str());
    let mut body = ErrorResponse::new(&code, &id.0, message, details);
    if version == ApiVersion::V40 {
        crate::errors::to_v4(&mut body);
    }
    error_body(status, &body.to_json())
}

/// A JSON body with `application/json; charset=utf-8`.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.to_string(),
    )
        .into_response()
}

/// A JSON body already serialised.
pub fn json_response_text(status: StatusCode, body: String) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response()
}

/// An `OBErrorResponse1` already serialised.
pub fn error_body(status: StatusCode, body: &str) -> Response {
    json_response_text(status, body.to_owned())
}

/// Read the body up to `limit` bytes.
pub async fn read_body(body: Body, limit: usize) -> Result<axum::body::Bytes, StatusCode> {
    axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| StatusCode::PAYLOAD_TOO_LARGE)
}

/// `POST /open-banking/{v3.1,v4.0}/events`.
async fn events(
    State(app): State<Arc<App>>,
    version: ApiVersion,
    headers: HeaderMap,
    request: Request,
) -> Response {
    let id = request
        .extensions()
        .get::<InteractionId>()
        .cloned()
        .unwrap_or_else(|| InteractionId(uuid::Uuid::new_v4().to_string()));
    let Some(client) = bearer(&headers, &app.clients).map(str::to_owned) else {
        return unauthorized();
    };
    if !accepts_json(&headers) {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    }
    if !is_json_content(&headers) {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    if let Some(date) = headers.get("x-fapi-auth-date") {
        if !date.to_str().is_ok_and(is_fapi_date) {
            let item = ErrorItem {
                code: ObieErrorCode::HeaderInvalid,
                message: "x-fapi-auth-date is not an RFC 7231 date such as 'Sun, 10 Sep 2017 19:43:31 UTC'".into(),
                path: Some("x-fapi-auth-date".into()),
            };
            return error_response(StatusCode::BAD_REQUEST, version, &id, &[item]);
        }
    }
    let body = match read_body(request.into_body(), app.config.max_body_bytes).await {
        Ok(body) => body,
        Err(status) => {
            let item = ErrorItem {
                code: ObieErrorCode::FieldInvalid,
                message: format!("request body over {} bytes", app.config.max_body_bytes),
                path: None,
            };
            return error_response(status, version, &id, &[item]);
        }
    };
    crate::poll::serve(&app, version, &id, &client, &body).await
}

/// `GET /jwks`: the public signing keys.
async fn jwks(State(app): State<Arc<App>>) -> Response {
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "application/jwk-set+json")],
        app.signer.jwks_json().to_owned(),
    )
        .into_response()
}
