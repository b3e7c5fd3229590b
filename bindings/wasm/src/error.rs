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

/// The subclasses, one per host variant, with that variant's fields, and
/// [`js_error`], which builds the one matching a host error.
macro_rules! error_classes {
    ($($variant:ident => $class:ident = $doc:literal { $($field:ident as $js:ident : $ty:ty = $fdoc:literal),* })*) => {
        $(
            #[doc = $doc]
            #[wasm_bindgen(extends = SetpollError)]
            pub struct $class {
                $(#[doc = $fdoc] #[wasm_bindgen(readonly, getter_with_clone, js_name = $js)] pub $field: $ty,)*
            }
        )*

        /// A host error as the matching JS error object.
        pub(crate) fn js_error(e: HostError) -> JsValue {
            let message = e.to_string();
            let parent = |name: &str, code: String| {
                Parent::new(SetpollError { name: name.to_owned(), code, message: message.clone() })
            };
            let obj: JsValue = match e {
                $(HostError::$variant { code, $($field,)* .. } => {
                    $class { parent: parent(stringify!($class), code), $($field),* }.into()
                })*
                other => ArgumentError { parent: parent("ArgumentError", other.code().to_owned()) }.into(),
            };
            make_error(&obj, &message);
            obj
        }
    };
}

error_classes! {
    Argument => ArgumentError = "An argument was out of range, too large, or names something unknown." {}
    Request => RequestError = "A `POST /events` body was refused; `errorResponse` is the 400 body." {
        path as path: Option<String> = "Where in the body.",
        obie_code as obieCode: String = "The OBIE `ErrorCode`.",
        error_response as errorResponse: String = "The `OBErrorResponse1` JSON to answer with."
    }
    Response => ResponseError = "A `POST /events` response body could not be read." {
        path as path: Option<String> = "Where in the body."
    }
    Claims => ClaimsError = "SET claims break a rule." {
        path as path: Option<String> = "Where in the claims.",
        set_err as setErr: String = "The `setErrs` code (OBIE).",
        set_err_rfc8935 as setErrRfc8935: String = "The `setErrs` code (RFC 8935).",
        description as description: String = "A `setErrs` description."
    }
    Key => KeyError = "A JWK, JWK Set or crypto operation failed." {}
    Sign => SignError = "A SET could not be signed." {}
    Verify => VerifyError = "A SET failed verification." {
        set_err as setErr: String = "The `setErrs` code to report (OBIE).",
        set_err_rfc8935 as setErrRfc8935: String = "The `setErrs` code to report (RFC 8935).",
        description as description: String = "A `setErrs` description."
    }
    Transmitter => TransmitterError = "The transmitter refused a configuration or a SET." {}
    Receiver => ReceiverError = "A receiver call was refused (out of order, bad configuration or state)." {}
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
