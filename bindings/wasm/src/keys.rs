//! Keys, claims and Security Event Tokens: `setpoll_host::{jose, claims, set}`.

use std::sync::Arc;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::guard::{each, type_error, Arg, JsResult};
use crate::{num, opt_num};

classes! {
    #[doc = "A private key that signs SETs, with its `kid` and algorithm."]
    SigningKey(Arc<host::SigningKey>);
    #[doc = "A public JWK Set prepared for verification."]
    Keyring(Arc<host::Keyring>);
    #[doc = "One JWK as parsed (RFC 7517 §4)."]
    Jwk(Arc<host::Jwk>);
    #[doc = "A JWK Set as parsed (RFC 7517 §5): unusable keys are skipped, not fatal."]
    JwkSet(Arc<host::JwkSet>);
    #[doc = "The validated claims of one Security Event Token."]
    SetClaims(Arc<host::SetClaims>);
    #[doc = "Builds `SetClaims` for a transmitter (methods chain); `build()` validates."]
    ClaimsBuilder(Arc<host::ClaimsBuilder>);
    #[doc = "A SET whose signature and claims checked out."]
    VerifiedSet(host::VerifiedSet);
}

getters! {
    impl SigningKey {
        #[doc = "The private JWK (JSON text): keep it secret."]
        toPrivateJwk: fn to_private_jwk -> String;
        #[doc = "The public JWK (JSON text) to publish."]
        toPublicJwk: fn to_public_jwk -> String;
        #[doc = "The `kid` put in the JWS header."]
        kid: fn kid -> String;
        #[doc = "`ES256` or `PS256`."]
        algorithm: fn algorithm -> String;
    }
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
impl SigningKey {
    /// Another handle on the same key (what `jwksFromKeys` takes from each
    /// entry, leaving the caller's handle usable).
    #[wasm_bindgen(js_name = clone)]
    #[must_use]
    pub fn handle(&self) -> SigningKey {
        SigningKey(Arc::clone(&self.0))
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

/// `SigningKey[]`: each entry's handle taken with `clone()`, so the
/// caller's objects stay usable.
impl Arg for Vec<Arc<host::SigningKey>> {
    fn arg(v: &JsValue, what: &str) -> JsResult<Self> {
        each(v, what, |k| {
            let handle = js_sys::Reflect::get(&k, &"clone".into())
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
                .and_then(|f| f.call0(&k).ok())
                .ok_or_else(|| type_error(what, "SigningKey entries"))?;
            <SigningKey as wasm_bindgen::convert::TryFromJsValue>::try_from_js_value(handle)
                .map(|k| k.0)
                .map_err(|_| type_error(what, "SigningKey entries"))
        })
    }
}

js! {
    impl SigningKey {
        #[doc = "A new P-256 key for ES256 from 32 bytes of seed"]
        #[doc = "(`crypto.getRandomValues(new Uint8Array(32))`)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ArgumentError` (`bad_seed`) unless the seed is 32 bytes."]
        #[wasm_bindgen(js_name = generateEs256)]
        fn generate_es256(seed: "Uint8Array", kid?: "string") -> SigningKey { host::SigningKey::generate_es256(seed, kid) }

        #[doc = "A new RSA key for PS256 from 32 bytes of seed; `bits` from 2048 to 4096."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ArgumentError` (`bad_seed`, `bad_key_size`)."]
        #[wasm_bindgen(js_name = generatePs256)]
        fn generate_ps256(seed: "Uint8Array", bits: "number", kid?: "string") -> SigningKey {
            host::SigningKey::generate_ps256(seed, bits, kid)
        }

        #[doc = "Import a private JWK (JSON text)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`KeyError` when the JWK is malformed, public, or not for signing."]
        #[wasm_bindgen(js_name = fromJwk)]
        fn from_jwk(jwk: "string", backend?: "CryptoBackend") -> SigningKey { host::SigningKey::from_jwk(jwk, backend) }

        #[doc = "Import a PKCS#8 PEM private key; `kid` defaults to the JWK thumbprint."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`KeyError` when the PEM is not a supported private key."]
        #[wasm_bindgen(js_name = fromPkcs8Pem)]
        fn from_pkcs8_pem(pem: "string", kid?: "string") -> SigningKey { host::SigningKey::from_pkcs8_pem(pem, kid) }

        #[doc = "The PKCS#8 PEM text of the private key."]
        #[wasm_bindgen(js_name = toPkcs8Pem)]
        fn to_pkcs8_pem(&self) -> String { self.0.to_pkcs8_pem() }
    }

    #[doc = "The public JWK Set (JSON text) for these signing keys."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`TypeError` unless `keys` is an array of `SigningKey`s; `KeyError` when"]
    #[doc = "two keys share a `kid`."]
    #[wasm_bindgen(js_name = jwksFromKeys)]
    fn jwks_from_keys(keys: "SigningKey[]") -> String { host::jwks_from_keys(keys) }

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

    impl ClaimsBuilder {
        #[doc = "Start claims with `iss`, `jti`, one `aud` and `iat` (seconds)."]
        #[wasm_bindgen(constructor)]
        fn new(iss: "string", jti: "string", aud: "string", iat: "number") -> ClaimsBuilder {
            host::ClaimsBuilder::new(iss, jti, aud, iat)
        }
        #[doc = "Add another audience. Each step: `ArgumentError` (`builder_used`) after `build()`."]
        #[wasm_bindgen]
        fn audience(&self, aud: "string") -> ClaimsBuilder { Arc::clone(&self.0).audience(aud) }
        #[doc = "Set `sub`."]
        #[wasm_bindgen]
        fn sub(&self, sub: "string") -> ClaimsBuilder { Arc::clone(&self.0).sub(sub) }
        #[doc = "Set `txn`."]
        #[wasm_bindgen]
        fn txn(&self, txn: "string") -> ClaimsBuilder { Arc::clone(&self.0).txn(txn) }
        #[doc = "Set `toe` (seconds)."]
        #[wasm_bindgen]
        fn toe(&self, toe: "number") -> ClaimsBuilder { Arc::clone(&self.0).toe(toe) }
        #[doc = "Set `exp` (seconds): verifiers refuse the SET from then on."]
        #[wasm_bindgen]
        fn exp(&self, exp: "number") -> ClaimsBuilder { Arc::clone(&self.0).exp(exp) }
        #[doc = "Set `nbf` (seconds): verifiers refuse the SET before then."]
        #[wasm_bindgen]
        fn nbf(&self, nbf: "number") -> ClaimsBuilder { Arc::clone(&self.0).nbf(nbf) }
        #[doc = "Add a resource-update event."]
        #[wasm_bindgen(js_name = resourceUpdate)]
        fn resource_update(&self, subject: "EventSubject") -> ClaimsBuilder { Arc::clone(&self.0).resource_update(subject) }
        #[doc = "Add a consent-authorization-revoked event."]
        #[wasm_bindgen(js_name = consentRevoked)]
        fn consent_revoked(&self, reason?: "string", subject?: "EventSubject") -> ClaimsBuilder {
            Arc::clone(&self.0).consent_revoked(reason, subject)
        }
        #[doc = "Add an account-access-consent-linked-account-update event."]
        #[wasm_bindgen(js_name = linkedAccountUpdate)]
        fn linked_account_update(&self, reason?: "string", subject?: "EventSubject") -> ClaimsBuilder {
            Arc::clone(&self.0).linked_account_update(reason, subject)
        }
        #[doc = "Add an event of another (namespaced) type; `payloadJson` is a JSON object"]
        #[doc = "(else `ArgumentError` `invalid_event_payload`)."]
        #[wasm_bindgen(js_name = customEvent)]
        fn custom_event(&self, uri: "string", payloadJson: "string") -> ClaimsBuilder { Arc::clone(&self.0).custom_event(uri, payloadJson) }
        #[doc = "Set `sub_id` from JSON object text (`{\"format\":\"email\",\"email\":\"…\"}`)"]
        #[doc = "(else `ArgumentError` `invalid_sub_id`)."]
        #[wasm_bindgen(js_name = subIdJson)]
        fn sub_id_json(&self, subIdJson: "string") -> ClaimsBuilder { Arc::clone(&self.0).sub_id_json(subIdJson) }
        #[doc = "Add a private claim `name` with its value as JSON text (else"]
        #[doc = "`ArgumentError` `invalid_claim_value`)."]
        #[wasm_bindgen]
        fn claim(&self, name: "string", valueJson: "string") -> ClaimsBuilder { Arc::clone(&self.0).claim(name, valueJson) }
        #[doc = "Validate and return the claims (the builder can then not be reused)."]
        #[doc = ""]
        #[doc = "# Errors"]
        #[doc = "`ClaimsError` naming the first rule broken."]
        #[wasm_bindgen]
        fn build(&self) -> SetClaims { self.0.build() }
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

    #[doc = "Sign claims into a compact JWS (`nowMs` fills the OBIE header `iat`)."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`SignError`; `ArgumentError` for a bad profile or time."]
    #[wasm_bindgen(js_name = signSet)]
    fn sign_set(claims: &SetClaims, key: &SigningKey, nowMs: "number", profile: "HeaderProfile") -> String {
        host::sign_set(claims, key, nowMs, profile)
    }
}
