//! The exception hierarchy and the one place core errors become Python exceptions.
//!
//! Every exception is a `setpoll.SetpollError` carrying `.code`, the core's
//! stable machine code (snake_case). Each core concern has its own subclass;
//! errors about a SET's content (`ClaimsError`, `VerifyError`) also carry the
//! `setErrs` code a recipient should report (`.set_err` in the OBIE
//! vocabulary, `.set_err_rfc8935`) and a `.description` fit for
//! `setErrs[jti].description`. Never a panic, never a bare string.

use core::fmt::Display;

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::PyTypeInfo;
use setpoll_core::codes::{SetErrCode, Vocabulary};

create_exception!(
    setpoll,
    SetpollError,
    PyException,
    "Base of every setpoll error; `.code` is a stable machine code."
);
create_exception!(
    setpoll,
    ArgumentError,
    SetpollError,
    "An argument is out of range or names something unknown."
);
create_exception!(
    setpoll,
    RequestError,
    SetpollError,
    "A `POST /events` body (OBEventPolling1) was refused; `.error_response` is the 400 body."
);
create_exception!(
    setpoll,
    ResponseError,
    SetpollError,
    "A `POST /events` response body could not be read."
);
create_exception!(
    setpoll,
    ClaimsError,
    SetpollError,
    "SET claims break a rule of OBEventNotification2 / RFC 8417."
);
create_exception!(
    setpoll,
    JwkError,
    SetpollError,
    "A JWK, JWK Set, PEM key or crypto operation failed."
);
create_exception!(
    setpoll,
    SignError,
    SetpollError,
    "A SET could not be signed."
);
create_exception!(
    setpoll,
    VerifyError,
    SetpollError,
    "A SET failed verification; `.set_err` is the setErrs code to report."
);
create_exception!(
    setpoll,
    TransmitterError,
    SetpollError,
    "The transmitter refused a configuration or a SET to enqueue."
);
create_exception!(
    setpoll,
    ReceiverError,
    SetpollError,
    "The receiver refused a call, a configuration or a saved state, or a poll failed; `.at` is set for `not_due`."
);

/// Add the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SetpollError", py.get_type::<SetpollError>())?;
    m.add("ArgumentError", py.get_type::<ArgumentError>())?;
    m.add("RequestError", py.get_type::<RequestError>())?;
    m.add("ResponseError", py.get_type::<ResponseError>())?;
    m.add("ClaimsError", py.get_type::<ClaimsError>())?;
    m.add("JwkError", py.get_type::<JwkError>())?;
    m.add("SignError", py.get_type::<SignError>())?;
    m.add("VerifyError", py.get_type::<VerifyError>())?;
    m.add("TransmitterError", py.get_type::<TransmitterError>())?;
    m.add("ReceiverError", py.get_type::<ReceiverError>())?;
    Ok(())
}

/// A core error on its way to Python: `?` converts core errors into this,
/// and PyO3 converts this into the matching exception.
#[derive(Debug)]
pub(crate) enum Error {
    Python(PyErr),
    Argument {
        code: &'static str,
        message: String,
    },
    Request {
        err: setpoll_core::wire::RequestError,
        interaction_id: String,
    },
    Response(setpoll_core::wire::ResponseError),
    Claims(setpoll_core::claims::ClaimsError),
    Jwk(setpoll_core::jose::JwkError),
    Crypto(setpoll_core::crypto::CryptoError),
    Profile(setpoll_core::jose::ProfileError),
    Sign(setpoll_core::set::SignError),
    Verify(setpoll_core::set::VerifyError),
    Config(setpoll_core::transmitter::ConfigError),
    Enqueue(setpoll_core::transmitter::EnqueueError),
    Receiver(setpoll_core::receiver::ReceiverError),
    ReceiverConfig(setpoll_core::receiver::ConfigError),
    State(setpoll_core::receiver::StateError),
}

impl Error {
    pub(crate) fn argument(code: &'static str, message: impl Into<String>) -> Self {
        Error::Argument {
            code,
            message: message.into(),
        }
    }
}

macro_rules! from_core {
    ($($variant:ident($ty:ty)),* $(,)?) => {$(
        impl From<$ty> for Error {
            fn from(e: $ty) -> Self {
                Error::$variant(e)
            }
        }
    )*};
}

from_core!(
    Response(setpoll_core::wire::ResponseError),
    Claims(setpoll_core::claims::ClaimsError),
    Jwk(setpoll_core::jose::JwkError),
    Crypto(setpoll_core::crypto::CryptoError),
    Profile(setpoll_core::jose::ProfileError),
    Sign(setpoll_core::set::SignError),
    Verify(setpoll_core::set::VerifyError),
    Config(setpoll_core::transmitter::ConfigError),
    Enqueue(setpoll_core::transmitter::EnqueueError),
    Receiver(setpoll_core::receiver::ReceiverError),
    ReceiverConfig(setpoll_core::receiver::ConfigError),
    State(setpoll_core::receiver::StateError),
);

impl From<setpoll_core::jose::UnsupportedAlgorithm> for Error {
    fn from(e: setpoll_core::jose::UnsupportedAlgorithm) -> Self {
        Error::argument(e.code(), e.to_string())
    }
}

/// An attribute value set on an exception instance.
enum Attr {
    Str(String),
    OptStr(Option<String>),
    OptInt(Option<u64>),
    Bool(bool),
}

fn set_errs(obie: &SetErrCode, rfc: &SetErrCode, description: String) -> Vec<(&'static str, Attr)> {
    vec![
        ("set_err", Attr::Str(obie.as_str().to_owned())),
        ("set_err_rfc8935", Attr::Str(rfc.as_str().to_owned())),
        ("description", Attr::Str(description)),
    ]
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        Python::attach(|py| match e {
            Error::Python(err) => err,
            Error::Argument { code, message } => {
                raise::<ArgumentError>(py, &message, code, Vec::new())
            }
            Error::Request {
                err,
                interaction_id,
            } => {
                let body = err.to_error_response(&interaction_id).to_json();
                raise::<RequestError>(
                    py,
                    &err,
                    err.code(),
                    vec![
                        ("path", Attr::OptStr(err.path().map(str::to_owned))),
                        ("obie_code", Attr::Str(err.obie_code().as_str().to_owned())),
                        ("error_response", Attr::Str(body)),
                    ],
                )
            }
            Error::Response(err) => raise::<ResponseError>(
                py,
                &err,
                err.code(),
                vec![("path", Attr::OptStr(err.path().map(str::to_owned)))],
            ),
            Error::Claims(err) => {
                let mut attrs = set_errs(
                    &err.set_err(Vocabulary::Obie),
                    &err.set_err(Vocabulary::Rfc8935),
                    err.description(),
                );
                attrs.push(("path", Attr::OptStr(err.path().map(str::to_owned))));
                raise::<ClaimsError>(py, &err, err.code(), attrs)
            }
            Error::Jwk(err) => raise::<JwkError>(py, &err, err.code(), Vec::new()),
            Error::Crypto(err) => raise::<JwkError>(py, &err, err.code(), Vec::new()),
            Error::Profile(err) => raise::<ArgumentError>(py, &err, err.code(), Vec::new()),
            Error::Sign(err) => raise::<SignError>(py, &err, err.code(), Vec::new()),
            Error::Verify(err) => raise::<VerifyError>(
                py,
                &err,
                err.code(),
                set_errs(
                    &err.set_err(Vocabulary::Obie),
                    &err.set_err(Vocabulary::Rfc8935),
                    err.description(),
                ),
            ),
            Error::Config(err) => raise::<TransmitterError>(py, &err, err.code(), Vec::new()),
            Error::Enqueue(err) => raise::<TransmitterError>(py, &err, err.code(), Vec::new()),
            Error::Receiver(err) => {
                use setpoll_core::receiver::ReceiverError as E;
                let at = match &err {
                    E::NotDue { at } => Some(at.as_millis()),
                    _ => None,
                };
                let status = match &err {
                    E::ServerError { status, .. }
                    | E::Unauthorized { status, .. }
                    | E::RequestRejected { status, .. }
                    | E::UnexpectedStatus { status }
                    | E::MalformedResponse { status, .. } => Some(u64::from(*status)),
                    E::Throttled { .. } => Some(429),
                    _ => None,
                };
                let attrs = vec![
                    ("at", Attr::OptInt(at)),
                    ("status", Attr::OptInt(status)),
                    ("poll_failure", Attr::Bool(err.is_poll_failure())),
                ];
                raise::<ReceiverError>(py, &err, err.code(), attrs)
            }
            Error::ReceiverConfig(err) => receiver_call::<ReceiverError>(py, &err, err.code()),
            Error::State(err) => receiver_call::<ReceiverError>(py, &err, err.code()),
        })
    }
}

/// A `ReceiverError` for a refused configuration or state: same attributes,
/// no time, no status, not a poll failure.
fn receiver_call<T: PyTypeInfo>(py: Python<'_>, message: &dyn Display, code: &str) -> PyErr {
    let attrs = vec![
        ("at", Attr::OptInt(None)),
        ("status", Attr::OptInt(None)),
        ("poll_failure", Attr::Bool(false)),
    ];
    raise::<T>(py, message, code, attrs)
}

/// An instance of `T` with `args == (message,)`, `.code` and the given
/// attributes set. Setting an attribute on a fresh exception instance fails
/// only on memory exhaustion; if it does, that error is raised instead.
fn raise<T: PyTypeInfo>(
    py: Python<'_>,
    message: &dyn Display,
    code: &str,
    attrs: Vec<(&'static str, Attr)>,
) -> PyErr {
    let err = PyErr::new::<T, _>(message.to_string());
    let value = err.value(py);
    let mut result = value.setattr(PyString::intern(py, "code"), code);
    for (name, attr) in attrs {
        let name = PyString::intern(py, name);
        result = result.and_then(|()| match attr {
            Attr::Str(s) => value.setattr(name, s),
            Attr::OptStr(s) => value.setattr(name, s),
            Attr::OptInt(n) => value.setattr(name, n),
            Attr::Bool(b) => value.setattr(name, b),
        });
    }
    match result {
        Ok(()) => err,
        Err(e) => e,
    }
}
