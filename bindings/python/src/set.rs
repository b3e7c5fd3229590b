//! Security Event Tokens: `setpoll_core::set`.

use crate::errors::Error;
use pyo3::prelude::*;

/// The routing facts of a signed SET (`jti`, `aud`), read without verification.
#[pyclass(module = "setpoll", frozen, get_all)]
pub(crate) struct SetEnvelope {
    /// `jti`: the queue key.
    jti: String,
    /// `aud`: each audience.
    aud: Vec<String>,
}

#[pymethods]
impl SetEnvelope {
    fn __repr__(&self) -> String {
        format!("SetEnvelope(jti={:?}, aud={:?})", self.jti, self.aud)
    }
}

/// Read `jti` and `aud` of a compact JWS without verifying it.
#[pyfunction]
fn peek_envelope(py: Python<'_>, token: &str) -> Result<SetEnvelope, Error> {
    let env = py.detach(|| setpoll_core::set::peek_envelope(token))?;
    Ok(SetEnvelope {
        jti: env.jti,
        aud: env.aud,
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SetEnvelope>()?;
    m.add_function(wrap_pyfunction!(peek_envelope, m)?)?;
    Ok(())
}
