//! `POST /events` after the HTTP checks: parse, run the transmitter, answer.
//!
//! NOT YET WIRED: waits for the core's wire parser and transmitter.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::http::{ApiVersion, App, InteractionId};

/// Serve one poll of `client`.
pub async fn serve(
    app: &App,
    version: ApiVersion,
    id: &InteractionId,
    client: &str,
    body: &[u8],
) -> Response {
    let _ = (app, version, id, client, body);
    StatusCode::SERVICE_UNAVAILABLE.into_response()
}
