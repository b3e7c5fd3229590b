//! `setpoll_core::Timestamp` helpers: time crosses the boundary as `int`
//! milliseconds since the Unix epoch.

use pyo3::prelude::*;
use setpoll_core::Timestamp;

/// Milliseconds since the epoch for whole seconds (saturating).
#[pyfunction]
fn timestamp_from_secs(secs: u64) -> u64 {
    Timestamp::from_secs(secs).as_millis()
}

/// Whole seconds (the unit of JWT `iat`) of a millisecond timestamp, rounded down.
#[pyfunction]
fn timestamp_as_secs(ms: u64) -> u64 {
    Timestamp::from_millis(ms).as_secs()
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(timestamp_from_secs, m)?)?;
    m.add_function(wrap_pyfunction!(timestamp_as_secs, m)?)?;
    Ok(())
}
