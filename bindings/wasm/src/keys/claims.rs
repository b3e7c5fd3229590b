//! The claims beyond the OBIE set (`exp`, `nbf`, `sub_id`, private claims),
//! on `SetClaims` and `ClaimsBuilder`: one host call each.

use wasm_bindgen::prelude::*;

use super::{ClaimsBuilder, SetClaims};
use crate::guard::{int, text, JsResult};
use crate::opt_num;

getters! {
    impl SetClaims {
        #[doc = "`sub_id` (RFC 9493 Subject Identifier) as JSON object text."]
        subIdJson: fn sub_id_json -> Option<String>;
        #[doc = "Every other top-level claim (private claims) as JSON object text."]
        otherClaimsJson: fn other_claims_json -> String;
        #[doc = "`exp`, whole seconds."]
        exp: fn exp -> Option<f64> = opt_num;
        #[doc = "`nbf`, whole seconds."]
        nbf: fn nbf -> Option<f64> = opt_num;
    }
}

/// The builder's seconds steps, each `int` check plus one host call.
macro_rules! secs_steps {
    ($($name:ident = $doc:literal;)*) => {
        #[wasm_bindgen]
        impl ClaimsBuilder {$(
            #[doc = $doc]
            ///
            /// # Errors
            /// `ArgumentError` (`builder_used`) after `build()`.
            pub fn $name(
                &self,
                #[wasm_bindgen(unchecked_param_type = "number")] secs: JsValue,
            ) -> JsResult<ClaimsBuilder> {
                let secs = int(&secs, stringify!($name))?;
                self.step(|b| b.$name(secs))
            }
        )*}
    };
}

secs_steps! {
    exp = "Set `exp` (seconds): verifiers refuse the SET from then on.";
    nbf = "Set `nbf` (seconds): verifiers refuse the SET before then.";
}

#[wasm_bindgen]
impl ClaimsBuilder {
    /// Set `sub_id` from JSON object text (`{"format":"email","email":"…"}`).
    ///
    /// # Errors
    /// `ArgumentError` (`invalid_sub_id`) when it is not a JSON object.
    #[wasm_bindgen(js_name = subIdJson)]
    pub fn sub_id_json(
        &self,
        #[wasm_bindgen(js_name = subIdJson, unchecked_param_type = "string")] sub_id_json: JsValue,
    ) -> JsResult<ClaimsBuilder> {
        let json = text(&sub_id_json, "subIdJson")?;
        self.step(|b| b.sub_id_json(json))
    }
    /// Add a private claim `name` with its value as JSON text.
    ///
    /// # Errors
    /// `ArgumentError` (`invalid_claim_value`) when the value is not JSON.
    pub fn claim(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] name: JsValue,
        #[wasm_bindgen(js_name = valueJson, unchecked_param_type = "string")] value_json: JsValue,
    ) -> JsResult<ClaimsBuilder> {
        let (name, value) = (text(&name, "name")?, text(&value_json, "valueJson")?);
        self.step(|b| b.claim(name, value))
    }
}
