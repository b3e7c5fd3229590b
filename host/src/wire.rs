//! The wire model of `POST /events`: `setpoll_core::wire`.

use crate::time::num;
use crate::SetpollError;
use setpoll_core::codes::SetErrCode;
use setpoll_core::wire::{
    ErrorResponse, EventPolling, EventPollingResponse, ObieVersion as CoreObieVersion,
    RequestOptions, SetErr,
};

record! {
    /// One `setErrs` entry of a request.
    pub struct SetErrEntry {
        /// The SET's `jti`.
        pub jti: String,
        /// The error code (`jwtIss`, `invalid_key`, ...).
        pub err: String,
        /// Human-readable description.
        pub description: String,
    }
}

record! {
    /// `OBEventPolling1`: the body of `POST /events`.
    pub struct PollRequest {
        /// `maxEvents`; `None` when absent.
        #[cfg_attr(feature = "uniffi", uniffi(default = None))]
        pub max_events: Option<i32>,
        /// `returnImmediately`; `None` when absent.
        #[cfg_attr(feature = "uniffi", uniffi(default = None))]
        pub return_immediately: Option<bool>,
        /// `ack`, each `jti` once.
        #[serde(default)]
        #[cfg_attr(feature = "uniffi", uniffi(default = []))]
        pub ack: Vec<String>,
        /// `setErrs`, in request order.
        #[serde(default)]
        #[cfg_attr(feature = "uniffi", uniffi(default = []))]
        pub set_errs: Vec<SetErrEntry>,
    }
}

impl From<EventPolling> for PollRequest {
    fn from(r: EventPolling) -> Self {
        PollRequest {
            max_events: r.max_events.map(num::i32_of),
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

impl TryFrom<PollRequest> for EventPolling {
    type Error = SetpollError;
    fn try_from(r: PollRequest) -> Result<Self, SetpollError> {
        let max_events = r
            .max_events
            .map(|n| num::u32_of("max_events", n))
            .transpose()?;
        Ok(EventPolling {
            max_events,
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
        })
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
#[cfg_attr(feature = "uniffi", uniffi::export(default(reject_unknown_members = true, interaction_id = "", limits = None)))]
pub fn parse_request(
    body: String,
    reject_unknown_members: bool,
    interaction_id: String,
    limits: Option<RequestLimits>,
) -> Result<PollRequest, SetpollError> {
    parse_request_bytes(
        body.into_bytes(),
        reject_unknown_members,
        interaction_id,
        limits,
    )
}

/// [`parse_request`] with the body as the bytes received (`ByteArray` /
/// `Data`): a body that is not UTF-8 gets the core's `Request(not_utf8)`
/// error and its 400 body, where a `String` could not even carry it.
///
/// # Errors
/// `Request`, whose `errorResponse` (with `interactionId` as `Id`) is the 400 body.
#[cfg_attr(feature = "uniffi", uniffi::export(default(reject_unknown_members = true, interaction_id = "", limits = None)))]
pub fn parse_request_bytes(
    body: Vec<u8>,
    reject_unknown_members: bool,
    interaction_id: String,
    limits: Option<RequestLimits>,
) -> Result<PollRequest, SetpollError> {
    let mut opts = RequestOptions {
        reject_unknown_members,
        ..RequestOptions::default()
    };
    if let Some(l) = limits {
        l.apply(&mut opts.limits)?;
    }
    Ok(parse_core(&body, &opts, &interaction_id)?.into())
}

settings! {
    /// Resource limits for [`parse_request`]; `None` members keep the defaults
    /// (1 MiB body, 1000 acks, 1000 setErrs).
    #[derive(Default)]
    pub struct RequestLimits for setpoll_core::wire::RequestLimits {
        settings {
            /// Largest body, bytes.
            max_body_bytes: i32 => max_body_bytes,
            /// Most `ack` entries.
            max_ack: i32 => max_ack,
            /// Most `setErrs` members.
            max_set_errs: i32 => max_set_errs,
        }
    }
}

settings! {
    /// Resource limits for [`parse_response`]; `None` members keep the defaults.
    #[derive(Default)]
    pub struct ResponseLimits for setpoll_core::wire::ResponseLimits {
        settings {
            /// Largest body, bytes.
            max_body_bytes: i32 => max_body_bytes,
            /// Most SETs.
            max_sets: i32 => max_sets,
        }
    }
}

/// The canonical JSON text of a request (what a TPP sends).
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn request_to_json(request: PollRequest) -> Result<String, SetpollError> {
    let text = EventPolling::try_from(request)?.to_json();
    // A request the strict reader would refuse is refused here, with the
    // same error, rather than sent.
    EventPolling::parse(text.as_bytes(), &RequestOptions::default())
        .map_err(|e| SetpollError::request(&e, ""))?;
    Ok(text)
}

record! {
    /// One SET of a response.
    pub struct SetEntry {
        /// The SET's `jti`.
        pub jti: String,
        /// The compact JWS.
        pub token: String,
    }
}

record! {
    /// `OBEventPollingResponse1`: the answer to `POST /events`.
    pub struct PollResponse {
        /// `sets`, oldest first.
        pub sets: Vec<SetEntry>,
        /// `moreAvailable`.
        pub more_available: bool,
    }
}

/// Read a `POST /events` response body (the receiver's tolerant reader).
///
/// # Errors
/// `Response` naming the first problem.
#[cfg_attr(feature = "uniffi", uniffi::export(default(limits = None)))]
pub fn parse_response(
    body: String,
    limits: Option<ResponseLimits>,
) -> Result<PollResponse, SetpollError> {
    parse_response_bytes(body.into_bytes(), limits)
}

/// [`parse_response`] with the body as the bytes received (`ByteArray` /
/// `Data`): a body that is not UTF-8 gets the core's `Response(not_utf8)`.
///
/// # Errors
/// `Response` naming the first problem.
#[cfg_attr(feature = "uniffi", uniffi::export(default(limits = None)))]
pub fn parse_response_bytes(
    body: Vec<u8>,
    limits: Option<ResponseLimits>,
) -> Result<PollResponse, SetpollError> {
    let mut core = setpoll_core::wire::ResponseLimits::default();
    if let Some(l) = limits {
        l.apply(&mut core)?;
    }
    let r = EventPollingResponse::parse_lenient(&body, &core)?;
    let sets = r.sets.into_iter();
    Ok(PollResponse {
        sets: sets.map(|(jti, token)| SetEntry { jti, token }).collect(),
        more_available: r.more_available,
    })
}

/// The canonical JSON text of a response (what an ASPSP answers).
#[cfg_attr(feature = "uniffi", uniffi::export)]
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
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn parse_error_response(body: String) -> Result<String, SetpollError> {
    Ok(ErrorResponse::parse(body.as_bytes())?.to_json())
}

choice! {
    /// The OBIE API version an events path serves (`setpoll_core::wire::ObieVersion`).
    pub enum ObieVersion => CoreObieVersion {
        /// Aggregated Polling v3.1.2 (answers `201`).
        V3_1_2 = "v3.1.2",
        /// Event Notification API v3.1.11.
        V3_1_11 = "v3.1.11",
        /// Event Notification API v4.0 (four-character error codes).
        V4_0 = "v4.0",
    }
}

/// The status of a successful `POST /events` answer on `version`'s path:
/// `201` for v3.1.2, `200` after.
#[cfg_attr(feature = "uniffi", uniffi::export)]
#[must_use]
pub fn obie_success_status(version: ObieVersion) -> i32 {
    i32::from(CoreObieVersion::from(version).success_status())
}

/// An `OBErrorResponse1` body (e.g. a `Request` error's `errorResponse`)
/// with every `ErrorCode` in `version`'s vocabulary: on v4.0 the
/// four-character `OBExternalStatusReason1Code`s, unchanged before.
///
/// # Errors
/// `Response` when the body is not an `OBErrorResponse1`.
#[cfg_attr(feature = "uniffi", uniffi::export)]
pub fn obie_error_response(
    version: ObieVersion,
    error_response_json: String,
) -> Result<String, SetpollError> {
    let body = ErrorResponse::parse(error_response_json.as_bytes())?;
    Ok(CoreObieVersion::from(version)
        .error_response(body)
        .to_json())
}

/// The answer when nothing is queued, `{"sets":{},"moreAvailable":false}`.
#[cfg_attr(feature = "uniffi", uniffi::export)]
#[must_use]
pub fn empty_poll_response() -> String {
    setpoll_core::wire::EventPollingResponse::default().to_json()
}
