//! The one place where core errors become JS exceptions.
//!
//! Every export that can fail returns `Result<_, JsValue>` and maps its error
//! with [`js_error`]: the JS side always receives a real `Error` whose `name`
//! says which concern failed and whose `code` is the core's stable machine
//! code. Verification errors also carry the `setErrs` codes a recipient would
//! send back, in both vocabularies.

use core::fmt;

use setpoll_core::codes::Vocabulary;
use setpoll_core::set::VerifyError;
use wasm_bindgen::JsValue;

/// A failure the binding can throw: a core error enum or the binding's own
/// argument checks.
pub(crate) trait BindingError {
    /// The JS `name` of the thrown `Error`.
    fn name(&self) -> &'static str;
    /// Stable machine code (the core's `code()`).
    fn code(&self) -> &'static str;
    /// The human-readable `message`.
    fn message(&self) -> String;
    /// Extra properties to set on the thrown `Error`, as `(key, value)` pairs.
    fn extra(&self) -> Vec<(&'static str, JsValue)> {
        Vec::new()
    }
}

/// Turn any binding error into a JS `Error` with `name` and `code`.
pub(crate) fn js_error<E: BindingError>(e: E) -> JsValue {
    let err = js_sys::Error::new(&e.message());
    err.set_name(e.name());
    let obj: &JsValue = err.as_ref();
    // Reflect.set on a fresh ordinary object cannot fail; if it somehow did,
    // the Error still carries its name and message.
    let _ = js_sys::Reflect::set(obj, &"code".into(), &e.code().into());
    for (key, value) in e.extra() {
        let _ = js_sys::Reflect::set(obj, &key.into(), &value);
    }
    err.into()
}

/// An argument the JS caller passed that the core cannot take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum InputError {
    /// A time that is not a non-negative integer count of milliseconds
    /// within `Number.MAX_SAFE_INTEGER`.
    Timestamp(String),
    /// A value the binding serialises could not be turned into JS.
    Conversion(String),
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InputError::Timestamp(got) => write!(
                f,
                "time must be a non-negative integer number of milliseconds since the epoch, got {got}"
            ),
            InputError::Conversion(why) => write!(f, "could not convert a value for JS: {why}"),
        }
    }
}

impl BindingError for InputError {
    fn name(&self) -> &'static str {
        "InputError"
    }
    fn code(&self) -> &'static str {
        match self {
            InputError::Timestamp(_) => "invalid_timestamp",
            InputError::Conversion(_) => "conversion_failed",
        }
    }
    fn message(&self) -> String {
        self.to_string()
    }
}

impl BindingError for VerifyError {
    fn name(&self) -> &'static str {
        "VerifyError"
    }
    fn code(&self) -> &'static str {
        VerifyError::code(self)
    }
    fn message(&self) -> String {
        self.description()
    }
    fn extra(&self) -> Vec<(&'static str, JsValue)> {
        vec![
            (
                "setErrObie",
                self.set_err(Vocabulary::Obie).as_str().to_owned().into(),
            ),
            (
                "setErrRfc8935",
                self.set_err(Vocabulary::Rfc8935).as_str().to_owned().into(),
            ),
            ("description", self.description().into()),
        ]
    }
}
