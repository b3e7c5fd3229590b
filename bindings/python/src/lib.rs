//! The `setpoll` Python module: thin PyO3 bindings over `setpoll-core`.
//!
//! Every exported function is one call into the core plus the shared error
//! mapping in [`errors`]. Work that can take more than a few microseconds
//! (signing, verifying, parsing large bodies) runs with the GIL released
//! (`Python::detach`), so a threaded Python host keeps serving while Rust works.
//! Protocol bodies cross the boundary as `str`/`bytes` JSON; time crosses as
//! `int` milliseconds since the epoch (`time.time_ns() // 1_000_000`).

use pyo3::prelude::*;

mod claims;
mod codes;
mod errors;
mod jose;
mod receiver;
mod set;
mod storage;
mod time;
mod transmitter;
mod wire;

/// The Rust extension behind the `setpoll` package (import `setpoll`, not this).
#[pymodule(name = "_setpoll")]
fn setpoll_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(noop, m)?)?;
    errors::register(m)?;
    codes::register(m)?;
    time::register(m)?;
    set::register(m)?;
    wire::register(m)?;
    claims::register(m)?;
    jose::register(m)?;
    transmitter::register(m)?;
    storage::register(m)?;
    receiver::register(m)?;
    Ok(())
}

/// Do nothing: measures the cost of one call into the extension.
#[pyfunction]
fn noop() {}
