//! The one place where core errors become JS exceptions.
//!
//! Every export that can fail returns `Result<_, JsValue>` and maps its error
//! with [`js_error`]: the JS side always receives a real `Error` whose `name`
//! says which concern failed and whose `code` is the core's stable machine
//! code. Where the core knows more, the error carries it as properties with
//! the names the shared test vectors use (`path`, `errorCode`, `setErrObie`,
//! `setErrRfc8935`, ...).

use core::fmt;

use setpoll_core::claims::ClaimsError;
use setpoll_core::codes::Vocabulary;
use setpoll_core::set::VerifyError;
use setpoll_core::wire::{RequestError, ResponseError};
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
    /// Extra string properties to set on the thrown `Error`.
    fn extra(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    /// Extra number properties (times in ms).
    fn extra_numbers(&self) -> Vec<(&'static str, f64)> {
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
    for (key, value) in e.extra_numbers() {
        let _ = js_sys::Reflect::set(obj, &key.into(), &value.into());
    }
    for (key, value) in e.extra() {
        let _ = js_sys::Reflect::set(obj, &key.into(), &value.into());
    }
    err.into()
}

/// `path`, when the core names one.
fn path_extra(path: Option<&str>) -> Vec<(&'static str, String)> {
    path.map(|p| ("path", p.to_owned())).into_iter().collect()
}

/// The `setErrs` codes to send back for a SET that failed, both vocabularies,
/// and a description fit for `setErrs[jti].description`.
fn set_err_extra(
    obie: &str,
    rfc8935: &str,
    description: String,
) -> impl Iterator<Item = (&'static str, String)> {
    [
        ("setErrObie", obie.to_owned()),
        ("setErrRfc8935", rfc8935.to_owned()),
        ("description", description),
    ]
    .into_iter()
}

/// An argument the JS caller passed that the core cannot take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum InputError {
    /// A time that is not a non-negative integer count of milliseconds
    /// within `Number.MAX_SAFE_INTEGER`.
    Timestamp(String),
    /// An options or spec object of the wrong shape.
    Argument {
        /// Which argument.
        what: &'static str,
        /// What was wrong, from the deserialiser.
        why: String,
    },
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
            InputError::Argument { what, why } => write!(f, "invalid {what}: {why}"),
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
            InputError::Argument { .. } => "invalid_argument",
            InputError::Conversion(_) => "conversion_failed",
        }
    }
    fn message(&self) -> String {
        self.to_string()
    }
}

/// A refused `POST /events` body, with the interaction id its `400` body
/// (`OBErrorResponse1`) should carry.
pub(crate) struct RequestFailure {
    /// What the core refused.
    pub(crate) error: RequestError,
    /// The `Id` of the error response (may be empty).
    pub(crate) id: String,
}

impl BindingError for RequestFailure {
    fn name(&self) -> &'static str {
        "RequestError"
    }
    fn code(&self) -> &'static str {
        self.error.code()
    }
    fn message(&self) -> String {
        self.error.to_string()
    }
    fn extra(&self) -> Vec<(&'static str, String)> {
        let mut out = path_extra(self.error.path());
        out.push(("errorCode", self.error.obie_code().as_str().to_owned()));
        out.push((
            "errorResponseJson",
            self.error.to_error_response(&self.id).to_json(),
        ));
        out
    }
}

impl BindingError for ResponseError {
    fn name(&self) -> &'static str {
        "ResponseError"
    }
    fn code(&self) -> &'static str {
        ResponseError::code(self)
    }
    fn message(&self) -> String {
        self.to_string()
    }
    fn extra(&self) -> Vec<(&'static str, String)> {
        path_extra(self.path())
    }
}

impl BindingError for ClaimsError {
    fn name(&self) -> &'static str {
        "ClaimsError"
    }
    fn code(&self) -> &'static str {
        ClaimsError::code(self)
    }
    fn message(&self) -> String {
        self.to_string()
    }
    fn extra(&self) -> Vec<(&'static str, String)> {
        let mut out = path_extra(self.path());
        out.extend(set_err_extra(
            self.set_err(Vocabulary::Obie).as_str(),
            self.set_err(Vocabulary::Rfc8935).as_str(),
            self.description(),
        ));
        out
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
    fn extra(&self) -> Vec<(&'static str, String)> {
        set_err_extra(
            self.set_err(Vocabulary::Obie).as_str(),
            self.set_err(Vocabulary::Rfc8935).as_str(),
            self.description(),
        )
        .collect()
    }
}

/// Errors mapped by their `code()` and `Display` alone.
macro_rules! plain_error {
    ($($ty:ty => $name:literal),* $(,)?) => {$(
        impl BindingError for $ty {
            fn name(&self) -> &'static str {
                $name
            }
            fn code(&self) -> &'static str {
                <$ty>::code(self)
            }
            fn message(&self) -> String {
                self.to_string()
            }
        }
    )*};
}

plain_error! {
    setpoll_core::transmitter::ConfigError => "ConfigError",
    setpoll_core::transmitter::EnqueueError => "EnqueueError",
    setpoll_core::transmitter::ApplyError => "ApplyError",
    setpoll_core::jose::JwkError => "JwkError",
    setpoll_core::jose::ProfileError => "ProfileError",
    setpoll_core::jose::UnsupportedAlgorithm => "AlgorithmError",
    setpoll_core::crypto::CryptoError => "CryptoError",
    setpoll_core::set::SignError => "SignError",
    setpoll_core::receiver::ConfigError => "ReceiverConfigError",
    setpoll_core::receiver::StateError => "StateError",
}

impl BindingError for setpoll_core::receiver::ReceiverError {
    fn name(&self) -> &'static str {
        "ReceiverError"
    }
    fn code(&self) -> &'static str {
        setpoll_core::receiver::ReceiverError::code(self)
    }
    fn message(&self) -> String {
        self.to_string()
    }
    fn extra_numbers(&self) -> Vec<(&'static str, f64)> {
        match self {
            setpoll_core::receiver::ReceiverError::NotDue { at } => {
                vec![("at", crate::convert::millis(*at))]
            }
            _ => Vec::new(),
        }
    }
}
