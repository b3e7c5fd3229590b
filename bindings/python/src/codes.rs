//! The SET delivery error codes (`setErrs[jti].err`) of `setpoll_core::codes`.

use pyo3::prelude::*;
use setpoll_core::codes::{SetErrCode as CoreCode, Vocabulary};

/// One `setErrs` error code with what the specifications say about it.
#[pyclass(module = "setpoll", frozen, eq, hash)]
#[derive(Clone, PartialEq, Eq, Hash)]
pub(crate) struct SetErrCode {
    /// The code as it appears on the wire (`"jwtParse"`, `"invalid_key"`, ...).
    #[pyo3(get)]
    code: String,
    /// `"obie"`, `"rfc8935"`, or `None` for a code neither vocabulary defines.
    #[pyo3(get)]
    vocabulary: Option<&'static str>,
    /// The specification's description, `None` when unknown.
    #[pyo3(get)]
    description: Option<&'static str>,
}

impl From<&CoreCode> for SetErrCode {
    fn from(c: &CoreCode) -> Self {
        SetErrCode {
            code: c.as_str().to_owned(),
            vocabulary: c.vocabulary().map(vocabulary_name),
            description: c.description(),
        }
    }
}

fn vocabulary_name(v: Vocabulary) -> &'static str {
    match v {
        Vocabulary::Obie => "obie",
        Vocabulary::Rfc8935 => "rfc8935",
        _ => "other",
    }
}

#[pymethods]
impl SetErrCode {
    /// Look a wire code up; unknown codes are kept as they are.
    #[new]
    fn new(code: &str) -> Self {
        SetErrCode::from(&CoreCode::from_code(code))
    }

    /// Whether one of the two published vocabularies defines the code.
    #[getter]
    fn known(&self) -> bool {
        self.vocabulary.is_some()
    }

    fn __repr__(&self) -> String {
        format!("SetErrCode({:?})", self.code)
    }

    fn __str__(&self) -> String {
        self.code.clone()
    }
}

/// Every known `setErrs` code, OBIE vocabulary first.
#[pyfunction]
fn set_err_codes() -> Vec<SetErrCode> {
    CoreCode::KNOWN.iter().map(SetErrCode::from).collect()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SetErrCode>()?;
    m.add_function(wrap_pyfunction!(set_err_codes, m)?)?;
    Ok(())
}
