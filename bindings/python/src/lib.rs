//! The `setpoll` Python module: one-line PyO3 wrappers over `setpoll-host`,
//! the host API every binding shares.
//!
//! Each exported function or method is one call into `setpoll_host`; data
//! crosses through one conversion path ([`convert`]): records as `dict`s
//! through serde, settings as `**kwargs` (absent = the core's default),
//! enums as their serde strings, times as `int` milliseconds, bodies as
//! `str` or `bytes`; host records are `convert::Rec` arguments and results,
//! host errors the exception class of their variant, with the variant's
//! fields. Plans are opaque objects. Each part's functions and classes are
//! written once, in a `module!` block. Work that can take long (signing,
//! verifying, parsing bodies) runs with the GIL released.

// Host results carry `setpoll_host::SetpollError` by value (its size is the
// price of carrying every field); the binding passes them straight on.
#![allow(clippy::result_large_err)]

use pyo3::prelude::*;

/// The `#[pymethods]` of a wrapper `$ty(host object)`: the methods listed
/// first forward to the host object (`name -> Type`, records as
/// `convert::Rec`; after `;`, those that can fail), the rest are written out.
macro_rules! methods {
    ($ty:ident { $($get:ident -> $ret:ty),* $(; $($try:ident -> $tret:ty),*)? $(,)? } $($rest:tt)*) => {
        #[pyo3::pymethods]
        impl $ty {
            $(fn $get(&self) -> $ret { self.0.$get().into() })*
            $($(fn $try(&self) -> crate::convert::Res<$tret> { Ok(self.0.$try()?.into()) })*)?
            $($rest)*
        }
    };
}

/// A part of the module written once: its classes, then its functions,
/// each a `fn` that becomes a `#[pyfunction]`; `register(m)` adds them all,
/// so nothing is listed twice.
macro_rules! module {
    (classes: $($class:ty),*; $($(#[$a:meta])* fn $name:ident $(<$lt:lifetime>)? ($($args:tt)*) $(-> $ret:ty)? $body:block)*) => {
        $(#[pyo3::pyfunction] $(#[$a])* fn $name $(<$lt>)? ($($args)*) $(-> $ret)? $body)*

        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add_class::<$class>()?;)*
            $(m.add_function(pyo3::wrap_pyfunction!($name, m)?)?;)*
            Ok(())
        }
    };
}

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
