//! The one place a `setpoll_host::SetpollError` becomes a JS exception.
//!
//! `SetpollError` and one subclass per host variant are exported classes,
//! so the generated `.d.ts` declares them (`class VerifyError extends
//! SetpollError`) and `catch (e) { if (e instanceof VerifyError) ... }`
//! type-checks. `SetpollError.prototype` is chained to `Error.prototype` and
//! every thrown error gets its own `stack`, so they are real `Error`s.

use js_sys::{Object, Reflect};
use setpoll_host::SetpollError as HostError;
use wasm_bindgen::prelude::*;
use wasm_bindgen::Parent;

/// Every error setpoll throws: `name` (the class), `code` (stable, snake_case)
/// and `message`.
#[wasm_bindgen]
pub struct SetpollError {
    /// The class name (`VerifyError`, ...).
    #[wasm_bindgen(readonly, getter_with_clone)]
    pub name: String,
    /// The core's stable machine code.
    #[wasm_bindgen(readonly, getter_with_clone)]
    pub code: String,
    /// What was wrong.
    #[wasm_bindgen(readonly, getter_with_clone)]
    pub message: String,
}

#[wasm_bindgen]
impl SetpollError {
    /// A `SetpollError` (setpoll throws the subclasses; this lets them, and
    /// yours, extend it in TypeScript).
    #[wasm_bindgen(constructor)]
    #[must_use]
    pub fn new(name: String, code: String, message: String) -> SetpollError {
        // Chains the classes to `Error` (done by the first error thrown).
        let _ = js_error(HostError::Argument {
            code: String::new(),
            detail: String::new(),
        });
        SetpollError {
            name,
            code,
            message,
        }
    }
}

macro_rules! error_classes {
    ($($class:ident = $doc:literal { $($field:ident as $js:ident : $ty:ty = $fdoc:literal),* })*) => {$(
        #[doc = $doc]
        #[wasm_bindgen(extends = SetpollError)]
        pub struct $class {
            $(#[doc = $fdoc] #[wasm_bindgen(readonly, getter_with_clone, js_name = $js)] pub $field: $ty,)*
        }
    )*};
}

error_classes! {
    ArgumentError = "An argument was out of range, too large, or names something unknown." {}
    RequestError = "A `POST /events` body was refused; `errorResponse` is the 400 body." {
        path as path: Option<String> = "Where in the body.",
        obie_code as obieCode: String = "The OBIE `ErrorCode`.",
        error_response as errorResponse: String = "The `OBErrorResponse1` JSON to answer with."
    }
    ResponseError = "A `POST /events` response body could not be read." {
        path as path: Option<String> = "Where in the body."
    }
    ClaimsError = "SET claims break a rule." {
        path as path: Option<String> = "Where in the claims.",
        set_err as setErr: String = "The `setErrs` code (OBIE).",
        set_err_rfc8935 as setErrRfc8935: String = "The `setErrs` code (RFC 8935).",
        description as description: String = "A `setErrs` description."
    }
    KeyError = "A JWK, JWK Set or crypto operation failed." {}
    SignError = "A SET could not be signed." {}
    VerifyError = "A SET failed verification." {
        set_err as setErr: String = "The `setErrs` code to report (OBIE).",
        set_err_rfc8935 as setErrRfc8935: String = "The `setErrs` code to report (RFC 8935).",
        description as description: String = "A `setErrs` description."
    }
    TransmitterError = "The transmitter refused a configuration or a SET." {}
    ReceiverError = "A receiver call was refused (out of order, bad configuration or state)." {}
}

/// A host error as the matching JS error object.
pub(crate) fn js_error(e: HostError) -> JsValue {
    let message = e.to_string();
    let b = |name: &str, code: String| {
        Parent::new(SetpollError {
            name: name.to_owned(),
            code,
            message: message.clone(),
        })
    };
    let obj: JsValue = match e {
        HostError::Request {
            code,
            path,
            obie_code,
            error_response,
            ..
        } => RequestError {
            parent: b("RequestError", code),
            path,
            obie_code,
            error_response,
        }
        .into(),
        HostError::Response { code, path, .. } => ResponseError {
            parent: b("ResponseError", code),
            path,
        }
        .into(),
        HostError::Claims {
            code,
            path,
            set_err,
            set_err_rfc8935,
            description,
            ..
        } => ClaimsError {
            parent: b("ClaimsError", code),
            path,
            set_err,
            set_err_rfc8935,
            description,
        }
        .into(),
        HostError::Verify {
            code,
            set_err,
            set_err_rfc8935,
            description,
            ..
        } => VerifyError {
            parent: b("VerifyError", code),
            set_err,
            set_err_rfc8935,
            description,
        }
        .into(),
        HostError::Key { code, .. } => KeyError {
            parent: b("KeyError", code),
        }
        .into(),
        HostError::Sign { code, .. } => SignError {
            parent: b("SignError", code),
        }
        .into(),
        HostError::Transmitter { code, .. } => TransmitterError {
            parent: b("TransmitterError", code),
        }
        .into(),
        HostError::Receiver { code, .. } => ReceiverError {
            parent: b("ReceiverError", code),
        }
        .into(),
        other => ArgumentError {
            parent: b("ArgumentError", other.code().to_owned()),
        }
        .into(),
    };
    make_error(&obj, &message);
    obj
}

/// Chain `SetpollError.prototype` (the grandparent of every thrown object)
/// to `Error.prototype`, once, and give `obj` a stack trace.
fn make_error(obj: &JsValue, message: &str) {
    let error = js_sys::Error::new(message);
    let base_proto = Object::get_prototype_of(&Object::get_prototype_of(obj));
    let error_proto = Object::get_prototype_of(&error);
    if JsValue::from(Object::get_prototype_of(&base_proto)) != JsValue::from(error_proto.clone()) {
        Object::set_prototype_of(&base_proto, &error_proto);
    }
    if let Ok(stack) = Reflect::get(&error, &"stack".into()) {
        let desc = Object::new();
        let _ = Reflect::set(&desc, &"value".into(), &stack);
        let _ = Reflect::set(&desc, &"writable".into(), &true.into());
        let _ = Reflect::set(&desc, &"configurable".into(), &true.into());
        Object::define_property(obj.unchecked_ref::<Object>(), &"stack".into(), &desc);
    }
}

/// `Result<T, HostError>` into what an export returns.
pub(crate) trait OrThrow<T> {
    /// Map the error with [`js_error`].
    fn or_throw(self) -> Result<T, JsValue>;
}

impl<T> OrThrow<T> for Result<T, HostError> {
    fn or_throw(self) -> Result<T, JsValue> {
        self.map_err(js_error)
    }
}
