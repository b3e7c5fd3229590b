//! The wire model of `POST /events`: `setpoll_core::wire`.

use std::ops::Deref;

use crate::errors::Error;
use pyo3::prelude::*;
use pyo3::pybacked::{PyBackedBytes, PyBackedStr};
use setpoll_core::codes::SetErrCode;
use setpoll_core::wire::{
    ErrorResponse, EventPolling, EventPollingResponse, RequestLimits, RequestOptions,
    ResponseLimits, SetErr,
};

/// An HTTP body as `bytes` or `str`, borrowed from Python without a copy and
/// safe to read with the GIL released.
#[derive(FromPyObject)]
pub(crate) enum Body {
    Bytes(PyBackedBytes),
    Str(PyBackedStr),
}

impl Deref for Body {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Body::Bytes(b) => b,
            Body::Str(s) => s.as_bytes(),
        }
    }
}

/// `OBEventPolling1`: the body of `POST /events`.
#[pyclass(module = "setpoll", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PollRequest {
    /// `maxEvents`; `None` when absent.
    max_events: Option<u32>,
    /// `returnImmediately`; `None` when absent.
    return_immediately: Option<bool>,
    /// `ack`, in request order, each `jti` once.
    ack: Vec<String>,
    /// `setErrs` as `(jti, err, description)`, in request order.
    set_errs: Vec<(String, String, String)>,
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
                .map(|(jti, e)| (jti, e.err.as_str().to_owned(), e.description))
                .collect(),
        }
    }
}

impl PollRequest {
    pub(crate) fn to_core(&self) -> EventPolling {
        EventPolling {
            max_events: self.max_events,
            return_immediately: self.return_immediately,
            ack: self.ack.clone(),
            set_errs: self
                .set_errs
                .iter()
                .map(|(jti, err, description)| {
                    (
                        jti.clone(),
                        SetErr {
                            err: SetErrCode::from_code(err),
                            description: description.clone(),
                        },
                    )
                })
                .collect(),
        }
    }
}

#[pymethods]
impl PollRequest {
    #[new]
    #[pyo3(signature = (*, max_events=None, return_immediately=None, ack=Vec::new(), set_errs=Vec::new()))]
    fn new(
        max_events: Option<u32>,
        return_immediately: Option<bool>,
        ack: Vec<String>,
        set_errs: Vec<(String, String, String)>,
    ) -> Self {
        PollRequest {
            max_events,
            return_immediately,
            ack,
            set_errs,
        }
    }

    /// The canonical JSON text of the request (what a TPP sends).
    fn to_json(&self) -> String {
        self.to_core().to_json()
    }

    fn __repr__(&self) -> String {
        format!(
            "PollRequest(max_events={:?}, return_immediately={:?}, ack={} jtis, set_errs={} jtis)",
            self.max_events,
            self.return_immediately,
            self.ack.len(),
            self.set_errs.len()
        )
    }
}

/// Parse and validate a `POST /events` body (the transmitter's strict reader).
#[pyfunction]
#[pyo3(signature = (body, *, reject_unknown_members=true, interaction_id=String::new(), max_body_bytes=None, max_ack=None, max_set_errs=None))]
pub(crate) fn parse_request(
    py: Python<'_>,
    body: Body,
    reject_unknown_members: bool,
    interaction_id: String,
    max_body_bytes: Option<usize>,
    max_ack: Option<usize>,
    max_set_errs: Option<usize>,
) -> Result<PollRequest, Error> {
    let defaults = RequestLimits::default();
    let opts = RequestOptions {
        limits: RequestLimits {
            max_body_bytes: max_body_bytes.unwrap_or(defaults.max_body_bytes),
            max_ack: max_ack.unwrap_or(defaults.max_ack),
            max_set_errs: max_set_errs.unwrap_or(defaults.max_set_errs),
        },
        reject_unknown_members,
    };
    py.detach(|| EventPolling::parse(&body, &opts))
        .map(PollRequest::from)
        .map_err(|err| Error::Request {
            err,
            interaction_id,
        })
}

/// [`EventPolling::parse`] with a transmitter's options (callers release
/// the GIL).
pub(crate) fn parse_request_core(
    body: &[u8],
    opts: &RequestOptions,
    interaction_id: String,
) -> Result<EventPolling, Error> {
    EventPolling::parse(body, opts).map_err(|err| Error::Request {
        err,
        interaction_id,
    })
}

/// `OBEventPollingResponse1`: the answer to `POST /events`.
#[pyclass(module = "setpoll", frozen, get_all, eq)]
#[derive(Clone, PartialEq)]
pub(crate) struct PollResponse {
    /// `sets` as `(jti, compact JWS)`, oldest first.
    sets: Vec<(String, String)>,
    /// `moreAvailable`.
    more_available: bool,
}

impl From<EventPollingResponse> for PollResponse {
    fn from(r: EventPollingResponse) -> Self {
        PollResponse {
            sets: r.sets,
            more_available: r.more_available,
        }
    }
}

#[pymethods]
impl PollResponse {
    #[new]
    #[pyo3(signature = (sets=Vec::new(), more_available=false))]
    fn new(sets: Vec<(String, String)>, more_available: bool) -> Self {
        PollResponse {
            sets,
            more_available,
        }
    }

    /// The canonical JSON text of the response (what an ASPSP answers).
    fn to_json(&self) -> String {
        EventPollingResponse {
            sets: self.sets.clone(),
            more_available: self.more_available,
        }
        .to_json()
    }

    fn __repr__(&self) -> String {
        format!(
            "PollResponse(sets={} SETs, more_available={})",
            self.sets.len(),
            if self.more_available { "True" } else { "False" }
        )
    }
}

/// Read a `POST /events` response body (the receiver's tolerant reader).
#[pyfunction]
#[pyo3(signature = (body, *, max_body_bytes=None, max_sets=None))]
pub(crate) fn parse_response(
    py: Python<'_>,
    body: Body,
    max_body_bytes: Option<usize>,
    max_sets: Option<usize>,
) -> Result<PollResponse, Error> {
    let defaults = ResponseLimits::default();
    let limits = ResponseLimits {
        max_body_bytes: max_body_bytes.unwrap_or(defaults.max_body_bytes),
        max_sets: max_sets.unwrap_or(defaults.max_sets),
    };
    Ok(py
        .detach(|| EventPollingResponse::parse_lenient(&body, &limits))?
        .into())
}

/// Read an `OBErrorResponse1` body; returns its canonical JSON text.
#[pyfunction]
pub(crate) fn parse_error_response(py: Python<'_>, body: Body) -> Result<String, Error> {
    Ok(py.detach(|| ErrorResponse::parse(&body))?.to_json())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PollRequest>()?;
    m.add_class::<PollResponse>()?;
    m.add_function(wrap_pyfunction!(parse_request, m)?)?;
    m.add_function(wrap_pyfunction!(parse_response, m)?)?;
    m.add_function(wrap_pyfunction!(parse_error_response, m)?)?;
    Ok(())
}
