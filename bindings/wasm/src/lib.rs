#![doc = include_str!("../README.md")]
#![deny(missing_docs)]
// `setpoll_host::SetpollError` is large by design (every field native), as in the host.
#![allow(clippy::result_large_err)]

//! Binding rules: each export is one call into `setpoll_host`, written once
//! in a `js!` block that derives the rest: every argument is read by
//! `guard::Arg` (type and size checked before anything is copied into the
//! wasm heap), the result goes out by `guard::Js` (host errors through the
//! one mapper, `error::js_error`; records through `serde-wasm-bindgen` in the
//! shapes their Tsify derives declare; times as JS numbers of milliseconds;
//! host objects in their classes, `classes!`). Names are camelCase;
//! nothing here panics.

/// Getters of the host object's answer: one more `#[wasm_bindgen]` impl
/// block (wasm-bindgen and rustdoc see the methods as written out), each
/// line `#[doc = "..."]` then `jsName: fn rust_name -> Type;` for
/// `self.0.rust_name()` as it is, or `... -> Type = convert;` for
/// `convert(self.0.rust_name())` (times and counts as JS numbers: [`num`]).
/// `props Class { jsName: field -> Type; }`: properties reading the host
/// record's fields, converted by `guard::Js`.
/// Docs are `#[doc = "..."]`, not `///`: a `///` comment that passes
/// through `macro_rules!` becomes a raw string, which wasm-bindgen 0.2.130
/// copies into the `.d.ts` as `r" ...` (test/declarations.test.mjs).
macro_rules! getters {
    (impl $ty:ident { $($(#[doc = $doc:literal])* $js:ident: fn $name:ident -> $ret:ty $(= $conv:path)?;)* }) => {
        #[wasm_bindgen]
        impl $ty {
            $($(#[doc = $doc])*
            #[wasm_bindgen(js_name = $js)]
            #[must_use]
            pub fn $name(&self) -> $ret {
                getters!(@call [$($conv)?] self.0.$name())
            })*
        }
    };
    (props $ty:ident { $($(#[doc = $doc:literal])* $js:ident: $name:ident -> $ret:ty;)* }) => {
        #[wasm_bindgen]
        impl $ty {
            $($(#[doc = $doc])*
            #[wasm_bindgen(getter, js_name = $js)]
            pub fn $name(&self) -> crate::guard::JsResult<$ret> {
                crate::guard::Js::js(self.0.$name.clone())
            })*
        }
    };
    (@call [$conv:path] $e:expr) => { $conv($e) };
    (@call [] $e:expr) => { $e };
}

/// Exports written once each, as `fn name(params) -> Type { host call }`:
/// every parameter is read and checked before the body runs, and the
/// body's value (or host error) becomes what the export returns
/// (`guard::Js`). A parameter is `name: "tsType"` (a `JsValue` declared as
/// that TypeScript type and read with `guard::Arg` as the type the host
/// call takes), `name?: "tsType"` (optional: an `Option`), `name: &Class`
/// (a wasm object, passed on as its host `Arc`) or `&self`. Parameter names
/// are the JS names (camelCase), which the `.d.ts` and the errors show.
/// `impl Class { ... }` puts the functions in the class. Docs are
/// `#[doc = "..."]` (see [`getters!`]).
macro_rules! js {
    () => {};
    (impl $ty:ident { $($items:tt)* } $($rest:tt)*) => {
        js!(@impl $ty $($items)*);
        js!($($rest)*);
    };
    ($(#[doc = $d:literal])* #[wasm_bindgen $($wa:tt)?] fn $name:ident ($($p:tt)*) -> $ret:ty $body:block $($rest:tt)*) => {
        js!(@p [] [$(#[doc = $d])* #[wasm_bindgen $($wa)?] fn $name -> $ret $body] [] [] $($p)*);
        js!($($rest)*);
    };
    (@impl $ty:ident) => {};
    (@impl $ty:ident $(#[doc = $d:literal])* #[wasm_bindgen $($wa:tt)?] fn $name:ident ($($p:tt)*) -> $ret:ty $body:block $($rest:tt)*) => {
        js!(@p [$ty] [$(#[doc = $d])* #[wasm_bindgen $($wa)?] fn $name -> $ret $body] [] [] $($p)*);
        js!(@impl $ty $($rest)*);
    };
    (@p $in:tt $item:tt [$($ps:tt)*] [$($cv:tt)*] &$s:ident $(, $($r:tt)*)?) => {
        js!(@p $in $item [$($ps)* &$s,] [$($cv)*] $($($r)*)?);
    };
    (@p $in:tt $item:tt [$($ps:tt)*] [$($cv:tt)*] $n:ident: &$c:ident $(, $($r:tt)*)?) => {
        js!(@p $in $item [$($ps)* $n: &$c,] [$($cv)* let $n = std::sync::Arc::clone(&$n.0);] $($($r)*)?);
    };
    (@p $in:tt $item:tt [$($ps:tt)*] [$($cv:tt)*] $n:ident?: $ts:literal $(, $($r:tt)*)?) => {
        js!(@p $in $item [$($ps)* #[wasm_bindgen(unchecked_optional_param_type = $ts)] $n: Option<JsValue>,]
            [$($cv)* let $n = crate::guard::opt_arg($n, stringify!($n))?;] $($($r)*)?);
    };
    (@p $in:tt $item:tt [$($ps:tt)*] [$($cv:tt)*] $n:ident: $ts:literal $(, $($r:tt)*)?) => {
        js!(@p $in $item [$($ps)* #[wasm_bindgen(unchecked_param_type = $ts)] $n: JsValue,]
            [$($cv)* let $n = crate::guard::Arg::arg(&$n, stringify!($n))?;] $($($r)*)?);
    };
    (@p [] [$(#[doc = $d:literal])* #[wasm_bindgen $($wa:tt)?] fn $name:ident -> $ret:ty $body:block] [$($ps:tt)*] [$($cv:tt)*]) => {
        $(#[doc = $d])* #[wasm_bindgen $($wa)?] #[allow(non_snake_case)]
        pub fn $name($($ps)*) -> crate::guard::JsResult<$ret> { $($cv)* crate::guard::Js::js($body) }
    };
    (@p [$ty:ident] [$(#[doc = $d:literal])* #[wasm_bindgen $($wa:tt)?] fn $name:ident -> $ret:ty $body:block] [$($ps:tt)*] [$($cv:tt)*]) => {
        #[wasm_bindgen]
        impl $ty {
            $(#[doc = $d])* #[wasm_bindgen $($wa)?] #[allow(non_snake_case)]
            pub fn $name($($ps)*) -> crate::guard::JsResult<$ret> { $($cv)* crate::guard::Js::js($body) }
        }
    };
}

/// Wasm classes around host objects, `Name(Inner)`: a body of [`js!`]
/// that returns `Inner` returns the class.
macro_rules! classes {
    ($($(#[doc = $d:literal])* $name:ident($inner:ty);)*) => {$(
        $(#[doc = $d])*
        #[wasm_bindgen]
        pub struct $name(pub(crate) $inner);
        impl crate::guard::Js<$name> for $inner {
            fn js(self) -> crate::guard::JsResult<$name> {
                Ok($name(self))
            }
        }
    )*};
}

mod error;
mod guard;
mod keys;
mod platform;
mod receiver;
#[cfg(feature = "transmitter")]
mod signing;
#[cfg(feature = "transmitter")]
mod transmitter;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

pub use error::{
    ArgumentError, ClaimsError, KeyError, ReceiverError, RequestError, ResponseError, SetpollError,
    SignError, TransmitterError, VerifyError,
};
pub use keys::{Jwk, JwkSet, Keyring, SetClaims, VerifiedSet};
pub use platform::{PlatformProvider, PreparedSet};
pub use receiver::Receiver;
#[cfg(feature = "transmitter")]
pub use signing::{ClaimsBuilder, PreparedSignature, SigningKey};
#[cfg(feature = "transmitter")]
pub use transmitter::{
    EnqueuePlan, MemoryTransmitter, PollAnswer, PollPlan, PollWait, StorageTransmitter, SweepPlan,
};

/// A host time or count as a JS number (exact up to 2^53).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn num(n: i64) -> f64 {
    n as f64
}

/// [`num`] of an optional time.
pub(crate) fn opt_num(n: Option<i64>) -> Option<f64> {
    n.map(num)
}

/// The version of the `setpoll` package.
#[wasm_bindgen]
#[must_use]
pub fn version() -> String {
    host::version()
}

/// Do nothing: measures the cost of one call across the boundary.
#[wasm_bindgen]
pub fn noop() {
    host::noop();
}

/// The answer when nothing is queued, `{"sets":{},"moreAvailable":false}`.
#[wasm_bindgen(js_name = emptyPollResponse)]
#[must_use]
pub fn empty_poll_response() -> String {
    host::empty_poll_response()
}

js! {
    #[doc = "Every known `setErrs` code, OBIE vocabulary first."]
    #[wasm_bindgen(js_name = setErrCodes, unchecked_return_type = "SetErrCodeInfo[]")]
    fn set_err_codes() -> JsValue { host::set_err_codes() }

    #[doc = "Look a wire code up; unknown codes come back with no vocabulary."]
    #[wasm_bindgen(js_name = setErrCode, unchecked_return_type = "SetErrCodeInfo")]
    fn set_err_code(code: "string") -> JsValue { host::set_err_code(code) }

    #[doc = "Milliseconds since the epoch for whole seconds."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`ArgumentError` for negative or unsafe numbers, `TypeError` for a non-number."]
    #[wasm_bindgen(js_name = timestampFromSecs)]
    fn timestamp_from_secs(secs: "number") -> f64 { host::timestamp_from_secs(secs) }

    #[doc = "Whole seconds (the unit of JWT `iat`) of a millisecond time, rounded down."]
    #[wasm_bindgen(js_name = timestampAsSecs)]
    fn timestamp_as_secs(ms: "number") -> f64 { host::timestamp_as_secs(ms) }

    #[doc = "The canonical JSON text of a request (what a TPP sends)."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`RequestError` for a request the strict reader would refuse."]
    #[wasm_bindgen(js_name = requestToJson)]
    fn request_to_json(request: "PollRequest") -> String { host::request_to_json(request) }

    #[doc = "Read a `POST /events` response body (the receiver's tolerant reader)."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`ResponseError` naming the first problem."]
    #[wasm_bindgen(js_name = parseResponse, unchecked_return_type = "PollResponse")]
    fn parse_response(body: "string", limits?: "ResponseLimits") -> JsValue { host::parse_response(body, limits) }

    #[doc = "`parseResponse` with the body as bytes."]
    #[wasm_bindgen(js_name = parseResponseBytes, unchecked_return_type = "PollResponse")]
    fn parse_response_bytes(body: "Uint8Array", limits?: "ResponseLimits") -> JsValue { host::parse_response_bytes(body, limits) }

    #[doc = "Read an `OBErrorResponse1` body; returns its canonical JSON text."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`ResponseError` when the body is not an `OBErrorResponse1`."]
    #[wasm_bindgen(js_name = parseErrorResponse)]
    fn parse_error_response(body: "string") -> String { host::parse_error_response(body) }
}
