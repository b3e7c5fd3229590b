//! Arguments from JS, checked at the boundary before anything is copied into
//! the wasm heap: the JS type first (`typeof`, `Array.isArray`), then the
//! size (`.length`), then the conversion. A wrong type is a `TypeError`; an
//! oversized value is an `ArgumentError` (`too_large`); a number that is not
//! a safe integer is an `ArgumentError` (`invalid_number`). Nothing here
//! coerces: `0` is not a string, `"5"` is not a number.

use js_sys::{Array, JsString, Object, Reflect, Uint8Array};
use serde::de::DeserializeOwned;
use serde::Serialize;
use setpoll_host as host;
use setpoll_host::SetpollError;
use wasm_bindgen::{JsCast, JsValue};

use crate::error::js_error;

/// What every export returns.
pub(crate) type JsResult<T> = Result<T, JsValue>;

/// Longest string (UTF-16 code units) or byte array taken: 16 Mi, the
/// core's largest body limit (a `POST /events` response), so everything
/// longer would be refused anyway, after a copy.
pub(crate) const MAX_TEXT: u32 = 16 << 20;
/// Most array entries (all arrays of one argument together).
pub(crate) const MAX_ITEMS: u32 = 1 << 20;
/// Deepest nesting of an object argument.
const MAX_DEPTH: u32 = 16;

/// A `TypeError` naming the argument and what it should have been.
pub(crate) fn type_error(what: &str, expected: &str) -> JsValue {
    let e = js_sys::TypeError::new(&format!("{what}: expected {expected}"));
    let _ = Reflect::set(&e, &"code".into(), &"invalid_type".into());
    e.into()
}

fn argument(code: &str, detail: String) -> JsValue {
    js_error(SetpollError::Argument {
        code: code.to_owned(),
        detail,
    })
}

fn too_large(what: &str, len: u32, max: u32) -> JsValue {
    argument(
        "too_large",
        format!("{what}: {len} is over the limit of {max}"),
    )
}

/// A string argument.
pub(crate) fn text(v: &JsValue, what: &str) -> JsResult<String> {
    let s = v
        .dyn_ref::<JsString>()
        .ok_or_else(|| type_error(what, "a string"))?;
    if s.length() > MAX_TEXT {
        return Err(too_large(what, s.length(), MAX_TEXT));
    }
    s.as_string().ok_or_else(|| type_error(what, "a string"))
}

/// A `Uint8Array` argument, copied.
pub(crate) fn bytes(v: &JsValue, what: &str) -> JsResult<Vec<u8>> {
    let a = v
        .dyn_ref::<Uint8Array>()
        .ok_or_else(|| type_error(what, "a Uint8Array"))?;
    if a.length() > MAX_TEXT {
        return Err(too_large(what, a.length(), MAX_TEXT));
    }
    Ok(a.to_vec())
}

/// A number that is a safe integer (times are ms since the epoch);
/// negative values reach the host, which names the rule they break.
pub(crate) fn int(v: &JsValue, what: &str) -> JsResult<i64> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    let n = v.as_f64().ok_or_else(|| type_error(what, "a number"))?;
    if !n.is_finite() || n.fract() != 0.0 || n.abs() > MAX_SAFE {
        return Err(argument(
            "invalid_number",
            format!("{what}: {n} is not a safe integer"),
        ));
    }
    // Exact: a safe integer fits i64.
    #[allow(clippy::cast_possible_truncation)]
    Ok(n as i64)
}

/// [`int`] within `i32`.
pub(crate) fn int32(v: &JsValue, what: &str) -> JsResult<i32> {
    let n = int(v, what)?;
    i32::try_from(n).map_err(|_| argument("invalid_number", format!("{what}: {n} is out of range")))
}

/// A boolean argument.
pub(crate) fn flag(v: &JsValue, what: &str) -> JsResult<bool> {
    v.as_bool().ok_or_else(|| type_error(what, "a boolean"))
}

/// `None` for an absent argument (`undefined` or `null`).
pub(crate) fn present(v: Option<JsValue>) -> Option<JsValue> {
    v.filter(|v| !v.is_undefined() && !v.is_null())
}

/// Sizes of one argument, summed while walking it.
#[derive(Default)]
struct Budget {
    units: u32,
    items: u32,
}

/// Walk a JS value without copying it into wasm: every string, array and
/// object member counts towards [`MAX_TEXT`] and [`MAX_ITEMS`].
fn measure(v: &JsValue, what: &str, depth: u32, b: &mut Budget) -> JsResult<()> {
    if depth > MAX_DEPTH {
        return Err(argument(
            "too_deep",
            format!("{what}: nested over {MAX_DEPTH} levels"),
        ));
    }
    let add = |n: u32, total: &mut u32, max: u32| {
        *total = total.saturating_add(n);
        if *total > max {
            Err(too_large(what, *total, max))
        } else {
            Ok(())
        }
    };
    if let Some(s) = v.dyn_ref::<JsString>() {
        add(s.length(), &mut b.units, MAX_TEXT)
    } else if let Some(a) = v.dyn_ref::<Uint8Array>() {
        add(a.length(), &mut b.units, MAX_TEXT)
    } else if Array::is_array(v) {
        let a: &Array = v.unchecked_ref();
        add(a.length(), &mut b.items, MAX_ITEMS)?;
        a.iter()
            .try_for_each(|item| measure(&item, what, depth + 1, b))
    } else if v.is_object() && !v.is_function() {
        let keys = Object::keys(v.unchecked_ref::<Object>());
        add(keys.length(), &mut b.items, MAX_ITEMS)?;
        keys.iter().try_for_each(|k| {
            measure(&k, what, depth + 1, b)?;
            let member = Reflect::get(v, &k).map_err(|_| type_error(what, "plain data"))?;
            measure(&member, what, depth + 1, b)
        })
    } else {
        Ok(())
    }
}

/// A data argument (a record of the host API), measured, then read with
/// serde; a shape that does not fit is a `TypeError` naming the problem.
pub(crate) fn data<T: DeserializeOwned>(v: &JsValue, what: &str) -> JsResult<T> {
    measure(v, what, 0, &mut Budget::default())?;
    serde_wasm_bindgen::from_value(v.clone()).map_err(|e| type_error(what, &e.to_string()))
}

/// A value of the host API as a plain JS value (the shape its Tsify
/// declaration states).
pub(crate) fn out<T: tsify::Tsify + Serialize>(v: &T) -> JsResult<JsValue> {
    v.into_js()
        .map(Into::into)
        .map_err(|e| argument("serialize", e.to_string()))
}

/// A list of host values as a JS array.
pub(crate) fn outs<T: tsify::Tsify + Serialize>(v: &[T]) -> JsResult<JsValue> {
    v.iter()
        .map(out)
        .collect::<JsResult<Array>>()
        .map(Into::into)
}

/// Each entry of an array of `T`s.
#[cfg(feature = "transmitter")]
pub(crate) fn each<T>(
    v: &JsValue,
    what: &str,
    f: impl FnMut(JsValue) -> JsResult<T>,
) -> JsResult<Vec<T>> {
    if !Array::is_array(v) {
        return Err(type_error(what, "an array"));
    }
    let a: &Array = v.unchecked_ref();
    if a.length() > MAX_ITEMS {
        return Err(too_large(what, a.length(), MAX_ITEMS));
    }
    a.iter().map(f).collect()
}

/// A JS argument read as the host type the export passes on: what `js!`
/// converts each `name: "tsType"` parameter with (a wrong JS type is a
/// `TypeError`, nothing is coerced).
pub(crate) trait Arg: Sized {
    /// `v` as `Self`; `what` names the argument in the error.
    fn arg(v: &JsValue, what: &str) -> JsResult<Self>;
}

/// One `Arg` impl per line: the type and the checked reader it uses.
macro_rules! args {
    ($($ty:ty => $read:path;)*) => {$(
        impl Arg for $ty {
            fn arg(v: &JsValue, what: &str) -> JsResult<Self> {
                $read(v, what)
            }
        }
    )*};
}

args! {
    String => text;
    Vec<u8> => bytes;
    i64 => int;
    i32 => int32;
    bool => flag;
}

/// Records of the host API: read as `Arg`s with [`data`], returned with [`out`].
macro_rules! records {
    (in: $($in:ty),*; out: $($out:ty),*;) => {
        $(args! { $in => data; })*
        $(impl Record for $out {})*
    };
}

records! {
    in: host::PollRequest, host::PollResponse, host::RequestLimits, host::ResponseLimits,
        host::ObieVersion, host::EventSubject, host::VerifyPolicy, host::HeaderProfile,
        host::CryptoBackend, host::ReceiverConfig, host::TransmitterConfig;
    out: host::PollRequest, host::PollResponse, host::SetErrCodeInfo, host::TransmitterConfig,
        host::SetEnvelope, host::SkippedKey, host::ReceiverConfig, host::ReceiverRequest,
        host::ReceiverBatch, host::PollFailure, host::ReceiverDelivery, host::StaleKeys,
        host::EnqueueResult, host::SweepResult, host::DeliverableQuery;
}

/// An optional argument (`undefined` or `null`: `None`).
pub(crate) fn opt_arg<T: Arg>(v: Option<JsValue>, what: &str) -> JsResult<Option<T>> {
    present(v).map(|v| T::arg(&v, what)).transpose()
}

/// A host record that crosses as a plain JS object (its Tsify shape).
pub(crate) trait Record: tsify::Tsify + Serialize {}

/// What a host call returns, as the export returns it (`T`): host errors
/// thrown as their JS classes, records as plain objects, times and counts
/// as JS numbers, host objects in their wasm classes.
pub(crate) trait Js<T> {
    /// The value as the export returns it.
    fn js(self) -> JsResult<T>;
}

impl<T: Js<U>, U> Js<U> for Result<T, SetpollError> {
    fn js(self) -> JsResult<U> {
        self.map_err(js_error)?.js()
    }
}

/// Values that cross as they are.
macro_rules! same {
    ($($ty:ty),*) => {$(
        impl Js<$ty> for $ty {
            fn js(self) -> JsResult<$ty> {
                Ok(self)
            }
        }
    )*};
}

same!(String, bool, i32, (), Vec<String>);

impl Js<f64> for i64 {
    fn js(self) -> JsResult<f64> {
        Ok(crate::num(self))
    }
}

impl<T: Js<U>, U> Js<Option<U>> for Option<T> {
    fn js(self) -> JsResult<Option<U>> {
        self.map(Js::js).transpose()
    }
}

impl<T: Record> Js<JsValue> for T {
    fn js(self) -> JsResult<JsValue> {
        out(&self)
    }
}

impl<T: Record> Js<JsValue> for Option<T> {
    fn js(self) -> JsResult<JsValue> {
        self.map_or(Ok(JsValue::UNDEFINED), |v| out(&v))
    }
}

impl<T: Record> Js<JsValue> for Vec<T> {
    fn js(self) -> JsResult<JsValue> {
        outs(&self)
    }
}
