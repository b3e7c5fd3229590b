//! Keys, claims and Security Event Tokens: `setpoll_host::{jose, claims, set}`.

use std::sync::Arc;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::{num, opt_num};

classes! {
    #[doc = "A public JWK Set prepared for verification."]
    Keyring(Arc<host::Keyring>);
    #[doc = "One JWK as parsed (RFC 7517 §4)."]
    Jwk(Arc<host::Jwk>);
    #[doc = "A JWK Set as parsed (RFC 7517 §5): unusable keys are skipped, not fatal."]
    JwkSet(Arc<host::JwkSet>);
    #[doc = "The validated claims of one Security Event Token."]
    SetClaims(Arc<host::SetClaims>);
    #[doc = "A SET whose signature and claims checked out."]
    VerifiedSet(host::VerifiedSet);
}

getters! {
    impl Keyring {
        #[doc = "The public JWK Set (canonical JSON text)."]
        toJwks: fn to_jwks -> String;
        #[doc = "The `kid`s of the usable keys."]
        kids: fn kids -> Vec<String>;
    }
}

getters! {
    impl Jwk {
        #[doc = "Canonical JSON text (private members included when present)."]
        toJson: fn to_json -> String;
        #[doc = "Canonical JSON text of the public part."]
        toPublicJson: fn to_public_json -> String;
        #[doc = "The RFC 7638 thumbprint."]
        thumbprint: fn thumbprint -> String;
        #[doc = "Whether the JWK holds private key material."]
        isPrivate: fn is_private -> bool;
        #[doc = "Its `kid`, when present."]
        kid: fn kid -> Option<String>;
        #[doc = "The algorithm this key verifies with; `undefined` when `use`, `key_ops` or `alg` forbid it."]
        verificationAlgorithm: fn verification_algorithm -> Option<String>;
    }
}

getters! {
    impl JwkSet {
        #[doc = "Canonical JSON text."]
        toJson: fn to_json -> String;
        #[doc = "Canonical JSON text of the public keys."]
        toPublicJson: fn to_public_json -> String;
    }
}

getters! {
    impl SetClaims {
        #[doc = "The canonical JSON text (the JWS payload setpoll signs)."]
        toJson: fn to_json -> String;
        #[doc = "`iss`."]
        iss: fn iss -> String;
        #[doc = "`jti`."]
        jti: fn jti -> String;
        #[doc = "`aud`, each audience."]
        aud: fn aud -> Vec<String>;
        #[doc = "`sub`."]
        sub: fn sub -> Option<String>;
        #[doc = "`txn`."]
        txn: fn txn -> Option<String>;
        #[doc = "The event type URIs, in document order."]
        eventTypes: fn event_types -> Vec<String>;
        #[doc = "`iat`, seconds."]
        iat: fn iat -> f64 = num;
        #[doc = "`toe`, seconds."]
        toe: fn toe -> Option<f64> = opt_num;
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

#[wasm_bindgen]
impl JwkSet {
    /// The `kid` of each key kept (`undefined` for a key without one).
    #[must_use]
    #[wasm_bindgen(unchecked_return_type = "(string | undefined)[]")]
    pub fn kids(&self) -> Vec<JsValue> {
        let kids = self.0.kids().into_iter();
        kids.map(|k| k.map_or(JsValue::UNDEFINED, Into::into))
            .collect()
    }
}

getters! {
    props VerifiedSet {
        #[doc = "The validated claims."]
        claims: claims -> SetClaims;
        #[doc = "The `kid` that selected the key."]
        kid: kid -> Option<String>;
        #[doc = "`ES256`, `PS256` (or `RS256` where allowed)."]
        alg: alg -> String;
    }
}

js! {
    #[doc = "The RFC 7638 thumbprint of a JWK (JSON text)."]
    #[wasm_bindgen(js_name = jwkThumbprint)]
    fn jwk_thumbprint(jwk: "string") -> String { host::jwk_thumbprint(jwk) }

    impl Keyring {
        #[doc = "Import a JWK Set (JSON text); keys setpoll cannot use are skipped."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`KeyError` when the set itself is malformed."]
        #[wasm_bindgen(js_name = fromJwks)]
        fn from_jwks(jwks: "string", backend?: "CryptoBackend") -> Keyring { host::Keyring::from_jwks(jwks, backend) }

        #[doc = "Keys skipped on import."]
        #[wasm_bindgen(unchecked_return_type = "SkippedKey[]")]
        fn skipped(&self) -> JsValue { self.0.skipped() }
    }

    impl Jwk {
        #[doc = "Parse a JWK (JSON text)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`KeyError` when the JWK is malformed or unsupported."]
        #[wasm_bindgen(js_name = fromJson)]
        fn from_json(json: "string") -> Jwk { host::Jwk::from_json(json) }
    }

    impl JwkSet {
        #[doc = "Parse a JWK Set (JSON text)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`KeyError` when the set itself is malformed."]
        #[wasm_bindgen(js_name = fromJson)]
        fn from_json(json: "string") -> JwkSet { host::JwkSet::from_json(json) }

        #[doc = "The keys skipped on import."]
        #[wasm_bindgen(unchecked_return_type = "SkippedKey[]")]
        fn skipped(&self) -> JsValue { self.0.skipped() }
    }

    impl SetClaims {
        #[doc = "Parse and validate claims from JSON text (a JWS payload)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ClaimsError` naming the first rule broken."]
        #[wasm_bindgen(js_name = fromJson)]
        fn from_json(json: "string") -> SetClaims { host::SetClaims::from_json(json) }

        #[doc = "Check the OBIE profile on top (`sub`, `txn`, `toe` present, one `aud`)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ClaimsError` when a rule is broken."]
        #[wasm_bindgen(js_name = checkObieProfile)]
        fn check_obie_profile(&self) -> () { self.0.check_obie_profile() }
    }

    #[doc = "Read `jti` and `aud` of a compact JWS without verifying it."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`VerifyError` when the token is not a compact JWS with a string `jti`."]
    #[wasm_bindgen(js_name = peekEnvelope, unchecked_return_type = "SetEnvelope")]
    fn peek_envelope(token: "string") -> JsValue { host::peek_envelope(token) }

    #[doc = "Verify a compact-JWS SET at `nowMs`: signature first, then the claims."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`VerifyError` with the `setErrs` code to report; `ArgumentError` for a"]
    #[doc = "bad policy or time (`async_only` in the `web/` build: `verifySetAsync`)."]
    #[wasm_bindgen(js_name = verifySet)]
    fn verify_set(token: "string", keyring: &Keyring, policy: "VerifyPolicy", nowMs: "number") -> VerifiedSet {
        crate::platform::needs_portable("verifySet", "verifySetAsync")?;
        host::verify_set(token, keyring, policy, nowMs)
    }
}
