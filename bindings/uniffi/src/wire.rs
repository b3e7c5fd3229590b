//! The wire model of `POST /events`: `setpoll_core::wire`.

use crate::SetpollError;
use setpoll_core::codes::SetErrCode;
use setpoll_core::wire::{
    ErrorResponse, EventPolling, EventPollingResponse, RequestOptions, SetErr,
};

/// One `setErrs` entry of a request.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SetErrEntry {
    /// The SET's `jti`.
    pub jti: String,
    /// The error code (`jwtIss`, `invalid_key`, ...).
    pub err: String,
    /// Human-readable description.
    pub description: String,
}

/// `OBEventPolling1`: the body of `POST /events`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PollRequest {
    /// `maxEvents`; `None` when absent.
    #[uniffi(default = None)]
    pub max_events: Option<u32>,
    /// `returnImmediately`; `None` when absent.
    #[uniffi(default = None)]
    pub return_immediately: Option<bool>,
    /// `ack`, each `jti` once.
    #[uniffi(default = [])]
    pub ack: Vec<String>,
    /// `setErrs`, in request order.
    #[uniffi(default = [])]
    pub set_errs: Vec<SetErrEntry>,
}

impl From<EventPolling> for PollRequest {
    fn from(r: EventPolling) -> Self {
        PollRequest {
            max_events: r.max_events,
            return_immediately: r.return_immediately,
            ack: r.ack,
            set_errs: r
                .set_errs
                .into_iter()
                .map(|(jti, e)| SetErrEntry {
                    jti,
                    err: e.err.as_str().to_owned(),
                    description: e.description,
                })
                .collect(),
        }
    }
}

impl From<PollRequest> for EventPolling {
    fn from(r: PollRequest) -> Self {
        EventPolling {
            max_events: r.max_events,
            return_immediately: r.return_immediately,
            ack: r.ack,
            set_errs: r
                .set_errs
                .into_iter()
                .map(|e| {
                    (
                        e.jti,
                        SetErr {
                            err: SetErrCode::from_code(&e.err),
                            description: e.description,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// [`EventPolling::parse`] with a transmitter's options.
pub(crate) fn parse_core(
    body: &[u8],
    opts: &RequestOptions,
    interaction_id: &str,
) -> Result<EventPolling, SetpollError> {
    EventPolling::parse(body, opts).map_err(|e| SetpollError::request(&e, interaction_id))
}

/// Parse and validate a `POST /events` body (the transmitter's strict reader).
///
/// # Errors
/// `Request`, whose `errorResponse` (with `interactionId` as `Id`) is the 400 body.
#[uniffi::export(default(reject_unknown_members = true, interaction_id = "", limits = None))]
pub fn parse_request(
    body: String,
    reject_unknown_members: bool,
    interaction_id: String,
    limits: Option<RequestLimits>,
) -> Result<PollRequest, SetpollError> {
    parse_request_from(
        body.as_bytes(),
        reject_unknown_members,
        &interaction_id,
        limits,
    )
}

/// [`parse_request`] with the body as the bytes received (`ByteArray` /
/// `Data`): a body that is not UTF-8 gets the core's `Request(not_utf8)`
/// error and its 400 body, where a `String` could not even carry it.
///
/// # Errors
/// `Request`, whose `errorResponse` (with `interactionId` as `Id`) is the 400 body.
#[uniffi::export(default(reject_unknown_members = true, interaction_id = "", limits = None))]
pub fn parse_request_bytes(
    body: Vec<u8>,
    reject_unknown_members: bool,
    interaction_id: String,
    limits: Option<RequestLimits>,
) -> Result<PollRequest, SetpollError> {
    parse_request_from(&body, reject_unknown_members, &interaction_id, limits)
}

fn parse_request_from(
    body: &[u8],
    reject_unknown_members: bool,
    interaction_id: &str,
    limits: Option<RequestLimits>,
) -> Result<PollRequest, SetpollError> {
    let defaults = setpoll_core::wire::RequestLimits::default();
    let opts = RequestOptions {
        reject_unknown_members,
        limits: match limits {
            None => defaults,
            Some(l) => setpoll_core::wire::RequestLimits {
                max_body_bytes: l.max_body_bytes.map_or(defaults.max_body_bytes, to_usize),
                max_ack: l.max_ack.map_or(defaults.max_ack, to_usize),
                max_set_errs: l.max_set_errs.map_or(defaults.max_set_errs, to_usize),
            },
        },
    };
    EventPolling::parse(body, &opts)
        .map(PollRequest::from)
        .map_err(|e| SetpollError::request(&e, interaction_id))
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// Resource limits for [`parse_request`]; `None` members keep the defaults
/// (1 MiB body, 1000 acks, 1000 setErrs).
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct RequestLimits {
    /// Largest body, bytes.
    #[uniffi(default = None)]
    pub max_body_bytes: Option<u32>,
    /// Most `ack` entries.
    #[uniffi(default = None)]
    pub max_ack: Option<u32>,
    /// Most `setErrs` members.
    #[uniffi(default = None)]
    pub max_set_errs: Option<u32>,
}

/// Resource limits for [`parse_response`]; `None` members keep the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, uniffi::Record)]
pub struct ResponseLimits {
    /// Largest body, bytes.
    #[uniffi(default = None)]
    pub max_body_bytes: Option<u32>,
    /// Most SETs.
    #[uniffi(default = None)]
    pub max_sets: Option<u32>,
}

/// The canonical JSON text of a request (what a TPP sends).
#[uniffi::export]
#[must_use]
pub fn request_to_json(request: PollRequest) -> String {
    EventPolling::from(request).to_json()
}

/// One SET of a response.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct SetEntry {
    /// The SET's `jti`.
    pub jti: String,
    /// The compact JWS.
    pub token: String,
}

/// `OBEventPollingResponse1`: the answer to `POST /events`.
#[derive(Clone, Debug, PartialEq, Eq, uniffi::Record)]
pub struct PollResponse {
    /// `sets`, oldest first.
    pub sets: Vec<SetEntry>,
    /// `moreAvailable`.
    pub more_available: bool,
}

/// Read a `POST /events` response body (the receiver's tolerant reader).
///
/// # Errors
/// `Response` naming the first problem.
#[uniffi::export(default(limits = None))]
pub fn parse_response(
    body: String,
    limits: Option<ResponseLimits>,
) -> Result<PollResponse, SetpollError> {
    parse_response_from(body.as_bytes(), limits)
}

/// [`parse_response`] with the body as the bytes received (`ByteArray` /
/// `Data`): a body that is not UTF-8 gets the core's `Response(not_utf8)`.
///
/// # Errors
/// `Response` naming the first problem.
#[uniffi::export(default(limits = None))]
pub fn parse_response_bytes(
    body: Vec<u8>,
    limits: Option<ResponseLimits>,
) -> Result<PollResponse, SetpollError> {
    parse_response_from(&body, limits)
}

fn parse_response_from(
    body: &[u8],
    limits: Option<ResponseLimits>,
) -> Result<PollResponse, SetpollError> {
    let defaults = setpoll_core::wire::ResponseLimits::default();
    let limits = match limits {
        None => defaults,
        Some(l) => setpoll_core::wire::ResponseLimits {
            max_body_bytes: l.max_body_bytes.map_or(defaults.max_body_bytes, to_usize),
            max_sets: l.max_sets.map_or(defaults.max_sets, to_usize),
        },
    };
    let r = EventPollingResponse::parse_lenient(body, &limits)?;
    Ok(PollResponse {
        sets: r
            .sets
            .into_iter()
            .map(|(jti, token)| SetEntry { jti, token })
            .collect(),
        more_available: r.more_available,
    })
}

/// The canonical JSON text of a response (what an ASPSP answers).
#[uniffi::export]
#[must_use]
pub fn response_to_json(response: PollResponse) -> String {
    EventPollingResponse {
        sets: response
            .sets
            .into_iter()
            .map(|s| (s.jti, s.token))
            .collect(),
        more_available: response.more_available,
    }
    .to_json()
}

/// Read an `OBErrorResponse1` body; returns its canonical JSON text.
///
/// # Errors
/// `Response` when the body is not an `OBErrorResponse1`.
#[uniffi::export]
pub fn parse_error_response(body: String) -> Result<String, SetpollError> {
    Ok(ErrorResponse::parse(body.as_bytes())?.to_json())
}
