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
//! fresh UUID when the request had none. Every request is logged once (see
//! [`log_request`]).
//!
//! Connections are served by hyper directly (not `axum::serve`) so that
//! slow clients are bounded: `--header-read-timeout-ms` closes a connection
//! whose request headers (or next request, when kept alive) do not arrive
//! in time, `--body-read-timeout-ms` answers 408 to a body that trickles,
//! and at most `--max-connections` connections are served at once.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use setpoll_core::codes::ObieErrorCode;
use setpoll_core::wire::ObieVersion;
use setpoll_core::wire::{ErrorDetail, ErrorResponse};

use crate::config::{ClientTable, Config};
use crate::store::Store;
use crate::wake::Wakeups;

/// Everything a handler needs.
#[derive(Debug)]
pub struct App {
    /// Flags.
    pub config: Config,
    /// The token guarding `/admin/*`.
    pub admin_token: String,
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
    /// Latency histogram and gauges for `GET /metrics`.
    pub metrics: crate::metrics::Metrics,
    /// Long-poll wake-ups.
    pub wake: Wakeups,
    /// `POST /admin/events` requests past the body read at once (two per
    /// core: one waiting for the database while the next one is signed):
    /// bounds the memory of parsed batches and their signatures.
    pub admin_slots: tokio::sync::Semaphore,
    /// The threads that sign SETs.
    pub signing: crate::signing::SigningPool,
}

/// The API version a path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApiVersion {
    /// `/open-banking/v3.1/...` (v3.1.2 .. v3.1.11).
    V31,
    /// `/open-banking/v4.0/...`.
    V40,
}

impl ApiVersion {
    /// The OBIE version whose rules this path follows (the core's table:
    /// success status, error codes); `profile` tells v3.1.2 from v3.1.11.
    #[must_use]
    pub fn obie(self, profile: crate::config::Profile) -> ObieVersion {
        match (self, profile) {
            (ApiVersion::V40, _) => ObieVersion::V4_0,
            (ApiVersion::V31, crate::config::Profile::V312) => ObieVersion::V3_1_2,
            (ApiVersion::V31, _) => ObieVersion::V3_1_11,
        }
    }
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
        .route("/health", get(crate::metrics::health))
        .route("/ready", get(crate::metrics::ready))
        .route("/metrics", get(crate::metrics::metrics))
        .route("/admin/events", post(crate::admin::enqueue))
        .route("/admin/stats", get(crate::admin::stats))
        .fallback(|| async { StatusCode::NOT_FOUND })
        .layer(middleware::from_fn(interaction_id))
        .layer(middleware::from_fn(log_request))
        .with_state(app)
}

/// What a handler tells the request log (a response extension).
#[derive(Debug, Clone, Default)]
pub struct RequestLog {
    /// The authenticated client.
    pub client: Option<String>,
    /// SETs in the response.
    pub delivered: usize,
    /// `ack` entries in the request.
    pub acked: usize,
    /// `setErrs` entries in the request.
    pub set_errs: usize,
}

/// One log line per request: method, path, status, latency, and what the
/// handler reported (client, SETs delivered, acks, setErrs).
async fn log_request(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
    let status = response.status().as_u16();
    let log = response.extensions().get::<RequestLog>();
    tracing::info!(
        method = %method,
        path = %path,
        status,
        client = log.and_then(|l| l.client.as_deref()).unwrap_or("-"),
        delivered = log.map_or(0, |l| l.delivered),
        acked = log.map_or(0, |l| l.acked),
        set_errs = log.map_or(0, |l| l.set_errs),
        latency_ms = (latency_ms * 1000.0).round() / 1000.0,
        "request"
    );
    response
}

/// Serve `app` on `listener` until `shutdown` resolves, then let open
/// requests finish (up to 5 s).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let limit = Arc::new(tokio::sync::Semaphore::new(
        app.config.max_connections.max(1),
    ));
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(
            app.config.header_read_timeout_ms.max(1),
        ))
        .keep_alive(true);
    let router = router(Arc::clone(&app));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            permit = Arc::clone(&limit).acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors and the like: back off briefly.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let service = hyper_util::service::TowerToHyperService::new(router.clone());
        let connection = graceful.watch(builder.serve_connection(TokioIo::new(stream), service));
        tokio::spawn(async move {
            let _ = connection.await;
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(Duration::from_secs(5)) => {}
    }
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
    let body = ErrorResponse::new(&code, &id.0, message, details);
    // The v3.1 files share one code vocabulary; v4.0 has its own.
    let body = version
        .obie(crate::config::Profile::V3111)
        .error_response(body);
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

/// Read the body up to `limit` bytes within `timeout`: 413 when larger,
/// 408 when it does not arrive in time.
pub async fn read_body(
    body: Body,
    limit: usize,
    timeout: Duration,
) -> Result<axum::body::Bytes, StatusCode> {
    match tokio::time::timeout(timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(bytes)) => Ok(bytes),
        Ok(Err(_)) => Err(StatusCode::PAYLOAD_TOO_LARGE),
        Err(_) => Err(StatusCode::REQUEST_TIMEOUT),
    }
}

impl App {
    /// Read a request body under the size and time limits of the flags.
    ///
    /// # Errors
    /// As [`read_body`].
    pub async fn body(&self, body: Body) -> Result<axum::body::Bytes, StatusCode> {
        read_body(
            body,
            self.config.max_body_bytes,
            Duration::from_millis(self.config.body_read_timeout_ms.max(1)),
        )
        .await
    }
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
    let mut response = events_of(&app, version, &headers, request, &id, &client).await;
    if response.extensions().get::<RequestLog>().is_none() {
        response.extensions_mut().insert(RequestLog {
            client: Some(client),
            ..RequestLog::default()
        });
    }
    response
}

async fn events_of(
    app: &App,
    version: ApiVersion,
    headers: &HeaderMap,
    request: Request,
    id: &InteractionId,
    client: &str,
) -> Response {
    if !accepts_json(headers) {
        return StatusCode::NOT_ACCEPTABLE.into_response();
    }
    if !is_json_content(headers) {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE.into_response();
    }
    if let Some(date) = headers.get("x-fapi-auth-date") {
        if !date.to_str().is_ok_and(is_fapi_date) {
            let item = ErrorItem {
                code: ObieErrorCode::HeaderInvalid,
                message: "x-fapi-auth-date is not an RFC 7231 date such as 'Sun, 10 Sep 2017 19:43:31 UTC'".into(),
                path: Some("x-fapi-auth-date".into()),
            };
            return error_response(StatusCode::BAD_REQUEST, version, id, &[item]);
        }
    }
    let body = match app.body(request.into_body()).await {
        Ok(body) => body,
        Err(status) => {
            let message = if status == StatusCode::REQUEST_TIMEOUT {
                format!(
                    "request body not received within {} ms",
                    app.config.body_read_timeout_ms
                )
            } else {
                format!("request body over {} bytes", app.config.max_body_bytes)
            };
            let item = ErrorItem {
                code: ObieErrorCode::FieldInvalid,
                message,
                path: None,
            };
            return error_response(status, version, id, &[item]);
        }
    };
    crate::poll::serve(app, version, id, client, &body).await
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
