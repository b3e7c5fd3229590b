//! The `setpoll` Python module: one-line PyO3 wrappers over `setpoll-host`,
//! the host API every binding shares.
//!
//! Each exported function or method is one call into `setpoll_host`; data
//! crosses through one conversion path ([`convert`]): records as `dict`s
//! through serde, settings as `**kwargs` (absent = the core's default),
//! enums as their serde strings, times as `int` milliseconds, bodies as
//! `str` or `bytes`. Plans are opaque objects. Work that can take long
//! (signing, verifying, parsing bodies) runs with the GIL released.

use pyo3::prelude::*;

mod convert;
mod keys;
mod receiver;
mod set;
mod transmitter;

/// The Rust extension behind the `setpoll` package (import `setpoll`, not this).
#[pymodule(name = "_setpoll")]
fn setpoll_native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    convert::register(m)?;
    keys::register(m)?;
    set::register(m)?;
    transmitter::register(m)?;
    receiver::register(m)
}
