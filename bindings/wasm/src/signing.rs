//! Signing SETs (the ASPSP side): signing keys, `ClaimsBuilder`, `signSet`
//! and its platform form `prepareSignSet`: `setpoll_host::{jose, claims,
//! set}`. Only in builds with the `transmitter` feature (not the default
//! browser entry, `web-receiver/`).

use std::sync::Arc;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::error::OrThrow;
use crate::guard::{bytes, data, each, int, type_error, Arg, JsResult};
use crate::keys::SetClaims;

classes! {
    #[doc = "A private key that signs SETs, with its `kid` and algorithm."]
    SigningKey(Arc<host::SigningKey>);
    #[doc = "Builds `SetClaims` for a transmitter (methods chain); `build()` validates."]
    ClaimsBuilder(Arc<host::ClaimsBuilder>);
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

    #[doc = "Sign claims into a compact JWS (`nowMs` fills the OBIE header `iat`)."]
    #[doc = ""]
    #[doc = "# Errors"]
    #[doc = "`SignError`; `ArgumentError` for a bad profile or time."]
    #[wasm_bindgen(js_name = signSet)]
    fn sign_set(claims: &SetClaims, key: &SigningKey, nowMs: "number", profile: "HeaderProfile") -> String {
        host::sign_set(claims, key, nowMs, profile)
    }
}

/// A SET before its signature (`prepareSignSet`).
#[wasm_bindgen]
pub struct PreparedSignature(host::PreparedSignature);

#[wasm_bindgen]
impl PreparedSignature {
    /// The bytes to sign.
    #[wasm_bindgen(getter, js_name = signingInput)]
    #[must_use]
    pub fn signing_input(&self) -> Vec<u8> {
        self.0.signing_input()
    }
    /// `ES256`, `PS256` or `RS256`.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn alg(&self) -> String {
        self.0.alg()
    }
    /// The compact JWS with the platform's `signature` appended.
    ///
    /// # Errors
    /// `SignError` (`signing_failed`) for a signature of the wrong length.
    pub fn assemble(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] signature: JsValue,
    ) -> JsResult<String> {
        let signature = bytes(&signature, "signature")?;
        self.0.assemble(&signature).or_throw()
    }
}

/// The first half of `signSet`: claims validated, header built.
///
/// # Errors
/// `SignError` for invalid claims; `ArgumentError` for a bad profile or time.
#[wasm_bindgen(js_name = prepareSignSet)]
pub fn prepare_sign_set(
    claims: &SetClaims,
    key: &SigningKey,
    #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HeaderProfile")] profile: JsValue,
) -> JsResult<PreparedSignature> {
    let (now, profile) = (int(&now_ms, "nowMs")?, data(&profile, "profile")?);
    host::prepare_sign_set(&claims.0, &key.0, now, profile)
        .or_throw()
        .map(PreparedSignature)
}
