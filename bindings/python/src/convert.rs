//! The one conversion path between Python and the host API, and the one
//! place a host error becomes a Python exception.
//!
//! - Records (configs, results, batches, policies) cross as `dict`s through
//!   serde (`pythonize` / `depythonize`), with the host's field names and
//!   enum strings; a key the host type does not have is refused.
//! - Text crosses as `str` ([`Text`]) or `str`/`bytes` ([`Body`]), its size
//!   checked before it is copied.
//! - Every host error is an instance of the `SetpollError` subclass of its
//!   variant, with the variant's fields as attributes; wrong Python types
//!   are `TypeError`s. No message echoes more than [`CLIP`] characters.

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString, PyTuple, PyType};
use pythonize::{depythonize, pythonize};
use serde::de::DeserializeOwned;
use serde::Serialize;
use setpoll_host::SetpollError as HostError;

/// Every exception class, declared and registered from one list: name,
/// base, the host variant it stands for, docstring.
macro_rules! exceptions {
    ($($name:ident($base:ident) $(for $variant:ident)? = $doc:literal;)*) => {
        $(create_exception!(setpoll, $name, $base, $doc);)*

        pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
            $(m.add(stringify!($name), m.py().get_type::<$name>())?;)*
            Ok(())
        }

        /// The class of a host error variant (`SetpollError` for one this
        /// binding does not know).
        fn class_of<'py>(py: Python<'py>, variant: &str) -> Bound<'py, PyType> {
            match variant {
                $($(stringify!($variant) => py.get_type::<$name>(),)?)*
                _ => py.get_type::<SetpollError>(),
            }
        }
    };
}

exceptions! {
    SetpollError(PyException) = "Base of every setpoll error: `.code` (stable machine code), `.detail`.";
    ArgumentError(SetpollError) for Argument = "An argument was out of range, too large or names something unknown.";
    RequestError(SetpollError) for Request = "A `POST /events` body was refused: `.path`, `.obie_code`, `.error_response` (the 400 body).";
    ResponseError(SetpollError) for Response = "A `POST /events` response body could not be read: `.path`.";
    ClaimsError(SetpollError) for Claims = "SET claims break a rule: `.path`, `.set_err`, `.set_err_rfc8935`, `.description`.";
    JwkError(SetpollError) for Key = "A JWK, JWK Set, PEM key or crypto operation failed (the host's `Key` variant).";
    SignError(SetpollError) for Sign = "A SET could not be signed.";
    VerifyError(SetpollError) for Verify = "A SET failed verification: `.set_err`, `.set_err_rfc8935`, `.description`.";
    TransmitterError(SetpollError) for Transmitter = "The transmitter refused a configuration or a SET to enqueue.";
    ReceiverError(SetpollError) for Receiver = "A receiver call was refused and changed nothing.";
}

/// Most characters of any message (arguments are never echoed in full).
const CLIP: usize = 200;
/// Largest text argument, bytes (bodies, tokens, keys, JSON documents).
pub(crate) const MAX_TEXT: usize = 16 << 20;
/// Largest records argument (a whole queue's records), bytes.
pub(crate) const MAX_RECORDS: usize = 256 << 20;
/// Deepest nesting of a record argument.
const MAX_DEPTH: usize = 16;

fn clip(s: &str) -> String {
    match s.char_indices().nth(CLIP) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// A failure on its way to Python: `?` converts host errors into it.
#[derive(Debug)]
pub(crate) struct Error(PyErr);

impl From<PyErr> for Error {
    fn from(e: PyErr) -> Self {
        Error(e)
    }
}

impl From<Error> for PyErr {
    fn from(e: Error) -> Self {
        e.0
    }
}

pub(crate) type Res<T> = Result<T, Error>;

/// A host-style `ArgumentError` raised by the binding itself.
pub(crate) fn argument(code: &str, detail: impl Into<String>) -> Error {
    HostError::Argument {
        code: code.to_owned(),
        detail: detail.into(),
    }
    .into()
}

impl From<HostError> for Error {
    fn from(e: HostError) -> Self {
        let message = clip(&e.to_string());
        let (variant, fields) = e.fields();
        Python::attach(|py| {
            let err = PyErr::from_type(class_of(py, variant), message);
            let value = err.value(py);
            let set = fields.into_iter().try_for_each(|(name, v)| {
                let v = if name == "detail" {
                    v.map(|d| clip(&d))
                } else {
                    v
                };
                value.setattr(name, v)
            });
            // Setting an attribute on a fresh exception fails only when memory runs out.
            Error(set.map_or_else(|e| e, |()| err))
        })
    }
}

fn too_large(what: &str, max: usize) -> Error {
    argument("too_large", format!("{what} exceeds {max} bytes"))
}

/// The bytes of a `str` or `bytes` argument of at most `max` bytes (the
/// size is checked before anything is copied).
fn bytes_of(obj: &Bound<'_, PyAny>, max: usize, allow_bytes: bool) -> Res<Vec<u8>> {
    if let Ok(s) = obj.cast::<PyString>() {
        // A character is at least one UTF-8 byte: refuse before encoding.
        if s.len()? > max {
            return Err(too_large("text", max));
        }
        let text = s.to_cow()?.into_owned();
        if text.len() > max {
            return Err(too_large("text", max));
        }
        return Ok(text.into_bytes());
    }
    if allow_bytes {
        if let Ok(b) = obj.cast::<PyBytes>() {
            if b.len()? > max {
                return Err(too_large("body", max));
            }
            return Ok(b.as_bytes().to_vec());
        }
    }
    let want = if allow_bytes { "str or bytes" } else { "str" };
    let got = obj.get_type().name()?;
    Err(PyTypeError::new_err(format!("expected {want}, got {got}")).into())
}

/// A `str` argument of at most [`MAX_TEXT`] bytes.
pub(crate) struct Text(pub(crate) String);

impl<'a, 'py> FromPyObject<'a, 'py> for Text {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        let bytes = bytes_of(&obj, MAX_TEXT, false)?;
        Ok(Text(
            String::from_utf8(bytes).map_err(|_| PyValueError::new_err("text is not UTF-8"))?,
        ))
    }
}

/// A `str` or `bytes` argument (a body or JSON document) of at most `MAX` bytes.
pub(crate) struct Body<const MAX: usize = MAX_TEXT>(pub(crate) Vec<u8>);

impl<'a, 'py, const MAX: usize> FromPyObject<'a, 'py> for Body<MAX> {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Body(bytes_of(&obj, MAX, true)?))
    }
}

impl<const MAX: usize> Body<MAX> {
    /// The text, for host calls that take JSON text: `ArgumentError(not_utf8)` otherwise.
    pub(crate) fn text(self) -> Res<String> {
        String::from_utf8(self.0).map_err(|_| argument("not_utf8", "the JSON text is not UTF-8"))
    }
}

/// Refuse a record argument larger than [`MAX_TEXT`] (strings and bytes
/// count their length, every other value one) or deeper than
/// [`MAX_DEPTH`], walking it before anything is copied.
fn check_size(obj: &Bound<'_, PyAny>, left: &mut usize, depth: usize) -> Res<()> {
    if depth > MAX_DEPTH {
        return Err(argument(
            "too_deep",
            format!("nested deeper than {MAX_DEPTH}"),
        ));
    }
    let nested = obj.is_instance_of::<PyDict>()
        || obj.is_instance_of::<PyList>()
        || obj.is_instance_of::<PyTuple>();
    let sized = nested || obj.is_instance_of::<PyString>() || obj.is_instance_of::<PyBytes>();
    let own = if sized { obj.len()? } else { 1 };
    *left = left
        .checked_sub(own)
        .ok_or_else(|| too_large("argument", MAX_TEXT))?;
    if let Ok(d) = obj.cast::<PyDict>() {
        for (k, v) in d.iter() {
            check_size(&k, left, depth + 1)?;
            check_size(&v, left, depth + 1)?;
        }
    } else if nested {
        for item in obj.try_iter()? {
            check_size(&item?, left, depth + 1)?;
        }
    }
    Ok(())
}

/// A Python value as the host record `T`: size-checked, converted by serde,
/// and refused when a dict key names no field of `T`.
pub(crate) fn from_py<T: DeserializeOwned + Serialize>(obj: &Bound<'_, PyAny>) -> Res<T> {
    check_size(obj, &mut MAX_TEXT.clone(), 0)?;
    let value: T = depythonize(obj).map_err(|e| {
        let err = PyErr::from(e);
        let message = clip(&err.value(obj.py()).to_string());
        let type_error = err.is_instance_of::<PyTypeError>(obj.py())
            || message.starts_with("invalid type")
            || message.starts_with("missing field");
        if type_error {
            Error(PyTypeError::new_err(message))
        } else if message.starts_with("unknown field") {
            argument("unknown_option", message)
        } else {
            argument("bad_option", message)
        }
    })?;
    if let Ok(given) = obj.cast::<PyDict>() {
        let known =
            pythonize(obj.py(), &value).map_err(|e| argument("serialize", e.to_string()))?;
        for key in given.keys() {
            if !known.contains(&key)? {
                return Err(argument(
                    "unknown_option",
                    clip(&format!("unknown option {key}")),
                ));
            }
        }
    }
    Ok(value)
}

/// [`from_py`] of `**kwargs` (none given: the host's defaults).
pub(crate) fn from_kwargs<T: DeserializeOwned + Serialize>(
    py: Python<'_>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> Res<T> {
    match kwargs {
        Some(k) => from_py(k.as_any()),
        None => from_py(PyDict::new(py).as_any()),
    }
}

/// A host record as a Python value (dicts, lists, str, int, bool, None).
pub(crate) fn to_py<'py, T: Serialize>(py: Python<'py>, value: &T) -> Res<Bound<'py, PyAny>> {
    pythonize(py, value).map_err(|e| argument("serialize", e.to_string()))
}

/// A host record crossing as a Python value: read with [`from_py`] as an
/// argument, returned through [`to_py`].
pub(crate) struct Rec<T>(pub(crate) T);

impl<'a, 'py, T: DeserializeOwned + Serialize> FromPyObject<'a, 'py> for Rec<T> {
    type Error = PyErr;
    fn extract(obj: Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        Ok(Rec(from_py(&obj)?))
    }
}

impl<'py, T: Serialize> IntoPyObject<'py> for Rec<T> {
    type Target = PyAny;
    type Output = Bound<'py, PyAny>;
    type Error = PyErr;
    fn into_pyobject(self, py: Python<'py>) -> PyResult<Self::Output> {
        Ok(to_py(py, &self.0)?)
    }
}

impl<T> From<T> for Rec<T> {
    fn from(v: T) -> Self {
        Rec(v)
    }
}

/// A host result as a [`Rec`].
pub(crate) fn rec<T>(r: Result<T, HostError>) -> Res<Rec<T>> {
    Ok(Rec(r?))
}
