//! The exception hierarchy and the one place core errors become Python exceptions.
//!
//! Every exception is a `setpoll.SetpollError` carrying `.code`, the core's
//! stable machine code (snake_case). Each core concern has its own subclass;
//! verification failures (`VerifyError`) also carry the `setErrs` code a
//! recipient should report (`.set_err`, OBIE vocabulary, and
//! `.set_err_rfc8935`) plus a `.description` fit for `setErrs[jti]`.

use pyo3::create_exception;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::PyTypeInfo;
use setpoll_core::codes::Vocabulary;

create_exception!(
    setpoll,
    SetpollError,
    PyException,
    "Base of every setpoll error; `.code` is a stable machine code."
);
create_exception!(
    setpoll,
    VerifyError,
    SetpollError,
    "A Security Event Token failed verification; `.set_err` is the setErrs code to report."
);

/// Add the exception classes to the module.
pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SetpollError", py.get_type::<SetpollError>())?;
    m.add("VerifyError", py.get_type::<VerifyError>())?;
    Ok(())
}

/// A core error on its way to Python: `?` converts core errors into this,
/// and PyO3 converts this into the matching exception.
#[derive(Debug)]
pub(crate) enum Error {
    Verify(setpoll_core::set::VerifyError),
}

impl From<setpoll_core::set::VerifyError> for Error {
    fn from(e: setpoll_core::set::VerifyError) -> Self {
        Error::Verify(e)
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> PyErr {
        Python::attach(|py| match e {
            Error::Verify(e) => {
                let err = exception::<VerifyError>(py, e.description(), e.code());
                with_attrs(
                    py,
                    err,
                    &[
                        ("set_err", e.set_err(Vocabulary::Obie).as_str().to_owned()),
                        (
                            "set_err_rfc8935",
                            e.set_err(Vocabulary::Rfc8935).as_str().to_owned(),
                        ),
                        ("description", e.description()),
                    ],
                )
            }
        })
    }
}

/// An instance of `T` with `args == (message,)` and `.code` set.
fn exception<T: PyTypeInfo>(py: Python<'_>, message: String, code: &str) -> PyErr {
    with_attrs(
        py,
        PyErr::new::<T, _>(message),
        &[("code", code.to_owned())],
    )
}

/// Set string attributes on the exception value. Setting an attribute on a
/// fresh exception instance cannot fail short of memory exhaustion; if it
/// does, that error is raised instead (never a panic).
fn with_attrs(py: Python<'_>, err: PyErr, attrs: &[(&str, String)]) -> PyErr {
    let value = err.value(py);
    for (name, v) in attrs {
        if let Err(e) = value.setattr(PyString::new(py, name), v) {
            return e;
        }
    }
    err
}
