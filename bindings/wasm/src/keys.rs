//! Keys, claims and Security Event Tokens: `setpoll_host::{jose, claims, set}`.

use std::sync::Arc;

use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::error::OrThrow;
use crate::guard::{
    bytes, data, each, int, int32, opt_data, opt_text, out, outs, text, type_error, JsResult,
};
use crate::{num, opt_num};

mod claims;

/// A private key that signs SETs, with its `kid` and algorithm.
#[wasm_bindgen]
pub struct SigningKey(pub(crate) Arc<host::SigningKey>);

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
    /// A new P-256 key for ES256 from 32 bytes of seed
    /// (`crypto.getRandomValues(new Uint8Array(32))`).
    ///
    /// # Errors
    /// `ArgumentError` (`bad_seed`) unless the seed is 32 bytes.
    #[wasm_bindgen(js_name = generateEs256)]
    pub fn generate_es256(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] kid: Option<JsValue>,
    ) -> JsResult<SigningKey> {
        let seed = bytes(&seed, "seed")?;
        host::SigningKey::generate_es256(seed, opt_text(kid, "kid")?)
            .or_throw()
            .map(SigningKey)
    }

    /// A new RSA key for PS256 from 32 bytes of seed; `bits` from 2048 to 4096.
    ///
    /// # Errors
    /// `ArgumentError` (`bad_seed`, `bad_key_size`).
    #[wasm_bindgen(js_name = generatePs256)]
    pub fn generate_ps256(
        #[wasm_bindgen(unchecked_param_type = "Uint8Array")] seed: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] bits: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] kid: Option<JsValue>,
    ) -> JsResult<SigningKey> {
        let (seed, bits) = (bytes(&seed, "seed")?, int32(&bits, "bits")?);
        host::SigningKey::generate_ps256(seed, bits, opt_text(kid, "kid")?)
            .or_throw()
            .map(SigningKey)
    }

    /// Import a private JWK (JSON text).
    ///
    /// # Errors
    /// `KeyError` when the JWK is malformed, public, or not for signing.
    #[wasm_bindgen(js_name = fromJwk)]
    pub fn from_jwk(
        #[wasm_bindgen(unchecked_param_type = "string")] jwk: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CryptoBackend")] backend: Option<JsValue>,
    ) -> JsResult<SigningKey> {
        let jwk = text(&jwk, "jwk")?;
        host::SigningKey::from_jwk(jwk, opt_data(backend, "backend")?)
            .or_throw()
            .map(SigningKey)
    }

    /// Import a PKCS#8 PEM private key; `kid` defaults to the JWK thumbprint.
    ///
    /// # Errors
    /// `KeyError` when the PEM is not a supported private key.
    #[wasm_bindgen(js_name = fromPkcs8Pem)]
    pub fn from_pkcs8_pem(
        #[wasm_bindgen(unchecked_param_type = "string")] pem: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] kid: Option<JsValue>,
    ) -> JsResult<SigningKey> {
        let pem = text(&pem, "pem")?;
        host::SigningKey::from_pkcs8_pem(pem, opt_text(kid, "kid")?)
            .or_throw()
            .map(SigningKey)
    }

    /// The PKCS#8 PEM text of the private key.
    ///
    /// # Errors
    /// `KeyError` if encoding fails.
    #[wasm_bindgen(js_name = toPkcs8Pem)]
    pub fn to_pkcs8_pem(&self) -> JsResult<String> {
        self.0.to_pkcs8_pem().or_throw()
    }

    /// Another handle on the same key (what `jwksFromKeys` takes from each
    /// entry, leaving the caller's handle usable).
    #[wasm_bindgen(js_name = clone)]
    #[must_use]
    pub fn handle(&self) -> SigningKey {
        SigningKey(Arc::clone(&self.0))
    }
}

/// The public JWK Set (JSON text) for these signing keys.
///
/// # Errors
/// `TypeError` unless `keys` is an array of `SigningKey`s; `KeyError` when
/// two keys share a `kid`.
#[wasm_bindgen(js_name = jwksFromKeys)]
pub fn jwks_from_keys(
    #[wasm_bindgen(unchecked_param_type = "SigningKey[]")] keys: JsValue,
) -> JsResult<String> {
    let keys = each(&keys, "keys", |k| {
        let handle = js_sys::Reflect::get(&k, &"clone".into())
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
            .and_then(|f| f.call0(&k).ok())
            .ok_or_else(|| type_error("keys", "SigningKey entries"))?;
        <SigningKey as wasm_bindgen::convert::TryFromJsValue>::try_from_js_value(handle)
            .map(|k| k.0)
            .map_err(|_| type_error("keys", "SigningKey entries"))
    })?;
    host::jwks_from_keys(keys).or_throw()
}

/// The RFC 7638 thumbprint of a JWK (JSON text).
///
/// # Errors
/// `KeyError` when the JWK is malformed.
#[wasm_bindgen(js_name = jwkThumbprint)]
pub fn jwk_thumbprint(
    #[wasm_bindgen(unchecked_param_type = "string")] jwk: JsValue,
) -> JsResult<String> {
    host::jwk_thumbprint(text(&jwk, "jwk")?).or_throw()
}

/// A public JWK Set prepared for verification.
#[wasm_bindgen]
pub struct Keyring(pub(crate) Arc<host::Keyring>);

getters! {
    impl Keyring {
        #[doc = "The public JWK Set (canonical JSON text)."]
        toJwks: fn to_jwks -> String;
        #[doc = "The `kid`s of the usable keys."]
        kids: fn kids -> Vec<String>;
    }
}

#[wasm_bindgen]
impl Keyring {
    /// Import a JWK Set (JSON text); keys setpoll cannot use are skipped.
    ///
    /// # Errors
    /// `KeyError` when the set itself is malformed.
    #[wasm_bindgen(js_name = fromJwks)]
    pub fn from_jwks(
        #[wasm_bindgen(unchecked_param_type = "string")] jwks: JsValue,
        #[wasm_bindgen(unchecked_optional_param_type = "CryptoBackend")] backend: Option<JsValue>,
    ) -> JsResult<Keyring> {
        let jwks = text(&jwks, "jwks")?;
        host::Keyring::from_jwks(jwks, opt_data(backend, "backend")?)
            .or_throw()
            .map(Keyring)
    }

    /// Keys skipped on import.
    ///
    /// # Errors
    /// Never in practice (a value that cannot be converted).
    #[wasm_bindgen(unchecked_return_type = "SkippedKey[]")]
    pub fn skipped(&self) -> JsResult<JsValue> {
        outs(&self.0.skipped())
    }
}

/// One JWK as parsed (RFC 7517 §4).
#[wasm_bindgen]
pub struct Jwk(Arc<host::Jwk>);

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

#[wasm_bindgen]
impl Jwk {
    /// Parse a JWK (JSON text).
    ///
    /// # Errors
    /// `KeyError` when the JWK is malformed or unsupported.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
    ) -> JsResult<Jwk> {
        host::Jwk::from_json(text(&json, "json")?)
            .or_throw()
            .map(Jwk)
    }
}

/// A JWK Set as parsed (RFC 7517 §5): unusable keys are skipped, not fatal.
#[wasm_bindgen]
pub struct JwkSet(Arc<host::JwkSet>);

getters! {
    impl JwkSet {
        #[doc = "Canonical JSON text."]
        toJson: fn to_json -> String;
        #[doc = "Canonical JSON text of the public keys."]
        toPublicJson: fn to_public_json -> String;
    }
}

#[wasm_bindgen]
impl JwkSet {
    /// Parse a JWK Set (JSON text).
    ///
    /// # Errors
    /// `KeyError` when the set itself is malformed.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
    ) -> JsResult<JwkSet> {
        host::JwkSet::from_json(text(&json, "json")?)
            .or_throw()
            .map(JwkSet)
    }
    /// The `kid` of each key kept (`undefined` for a key without one).
    #[must_use]
    #[wasm_bindgen(unchecked_return_type = "(string | undefined)[]")]
    pub fn kids(&self) -> Vec<JsValue> {
        self.0
            .kids()
            .into_iter()
            .map(|k| k.map_or(JsValue::UNDEFINED, Into::into))
            .collect()
    }
    /// The keys skipped on import.
    ///
    /// # Errors
    /// Never in practice (a value that cannot be converted).
    #[wasm_bindgen(unchecked_return_type = "SkippedKey[]")]
    pub fn skipped(&self) -> JsResult<JsValue> {
        outs(&self.0.skipped())
    }
}

/// The validated claims of one Security Event Token.
#[wasm_bindgen]
pub struct SetClaims(pub(crate) Arc<host::SetClaims>);

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
    }
}

#[wasm_bindgen]
impl SetClaims {
    /// Parse and validate claims from JSON text (a JWS payload).
    ///
    /// # Errors
    /// `ClaimsError` naming the first rule broken.
    #[wasm_bindgen(js_name = fromJson)]
    pub fn from_json(
        #[wasm_bindgen(unchecked_param_type = "string")] json: JsValue,
    ) -> JsResult<SetClaims> {
        host::SetClaims::from_json(text(&json, "json")?)
            .or_throw()
            .map(SetClaims)
    }
    /// Check the OBIE profile on top (`sub`, `txn`, `toe` present, one `aud`).
    ///
    /// # Errors
    /// `ClaimsError` when a rule is broken.
    #[wasm_bindgen(js_name = checkObieProfile)]
    pub fn check_obie_profile(&self) -> JsResult<()> {
        self.0.check_obie_profile().or_throw()
    }
}

/// Builds `SetClaims` for a transmitter (methods chain); `build()` validates.
#[wasm_bindgen]
pub struct ClaimsBuilder(Arc<host::ClaimsBuilder>);

impl ClaimsBuilder {
    fn step(
        &self,
        f: impl FnOnce(Arc<host::ClaimsBuilder>) -> Result<Arc<host::ClaimsBuilder>, host::SetpollError>,
    ) -> JsResult<ClaimsBuilder> {
        f(Arc::clone(&self.0)).or_throw().map(ClaimsBuilder)
    }
}

#[wasm_bindgen]
impl ClaimsBuilder {
    /// Start claims with `iss`, `jti`, one `aud` and `iat` (seconds).
    ///
    /// # Errors
    /// `TypeError` for arguments of the wrong type.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "string")] iss: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] jti: JsValue,
        #[wasm_bindgen(unchecked_param_type = "string")] aud: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] iat: JsValue,
    ) -> JsResult<ClaimsBuilder> {
        let (iss, jti, aud) = (text(&iss, "iss")?, text(&jti, "jti")?, text(&aud, "aud")?);
        Ok(ClaimsBuilder(host::ClaimsBuilder::new(
            iss,
            jti,
            aud,
            int(&iat, "iat")?,
        )))
    }
    /// Set `toe` (seconds).
    ///
    /// # Errors
    /// `ArgumentError` (`builder_used`) after `build()`.
    pub fn toe(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] toe: JsValue,
    ) -> JsResult<ClaimsBuilder> {
        let toe = int(&toe, "toe")?;
        self.step(|b| b.toe(toe))
    }
    /// Add a resource-update event.
    ///
    /// # Errors
    /// `ArgumentError` (`builder_used`) after `build()`.
    #[wasm_bindgen(js_name = resourceUpdate)]
    pub fn resource_update(
        &self,
        #[wasm_bindgen(unchecked_param_type = "EventSubject")] subject: JsValue,
    ) -> JsResult<ClaimsBuilder> {
        let subject = data(&subject, "subject")?;
        self.step(|b| b.resource_update(subject))
    }
    /// Add a consent-authorization-revoked event.
    ///
    /// # Errors
    /// `ArgumentError` (`builder_used`) after `build()`.
    #[wasm_bindgen(js_name = consentRevoked)]
    pub fn consent_revoked(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] reason: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "EventSubject")] subject: Option<JsValue>,
    ) -> JsResult<ClaimsBuilder> {
        let (reason, subject) = (opt_text(reason, "reason")?, opt_data(subject, "subject")?);
        self.step(|b| b.consent_revoked(reason, subject))
    }
    /// Add an account-access-consent-linked-account-update event.
    ///
    /// # Errors
    /// `ArgumentError` (`builder_used`) after `build()`.
    #[wasm_bindgen(js_name = linkedAccountUpdate)]
    pub fn linked_account_update(
        &self,
        #[wasm_bindgen(unchecked_optional_param_type = "string")] reason: Option<JsValue>,
        #[wasm_bindgen(unchecked_optional_param_type = "EventSubject")] subject: Option<JsValue>,
    ) -> JsResult<ClaimsBuilder> {
        let (reason, subject) = (opt_text(reason, "reason")?, opt_data(subject, "subject")?);
        self.step(|b| b.linked_account_update(reason, subject))
    }
    /// Add an event of another (namespaced) type; `payloadJson` is a JSON object.
    ///
    /// # Errors
    /// `ArgumentError` (`invalid_event_payload`) when it is not a JSON object.
    #[wasm_bindgen(js_name = customEvent)]
    pub fn custom_event(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] uri: JsValue,
        #[wasm_bindgen(js_name = payloadJson, unchecked_param_type = "string")]
        payload_json: JsValue,
    ) -> JsResult<ClaimsBuilder> {
        let (uri, payload) = (text(&uri, "uri")?, text(&payload_json, "payloadJson")?);
        self.step(|b| b.custom_event(uri, payload))
    }
    /// Validate and return the claims (the builder can then not be reused).
    ///
    /// # Errors
    /// `ClaimsError` naming the first rule broken.
    pub fn build(&self) -> JsResult<SetClaims> {
        self.0.build().or_throw().map(SetClaims)
    }
}

/// The builder's one-string steps, each `text` check plus one host call.
macro_rules! text_steps {
    ($($name:ident($what:literal) = $doc:literal;)*) => {
        #[wasm_bindgen]
        impl ClaimsBuilder {$(
            #[doc = $doc]
            ///
            /// # Errors
            /// `ArgumentError` (`builder_used`) after `build()`.
            pub fn $name(
                &self,
                #[wasm_bindgen(unchecked_param_type = "string")] value: JsValue,
            ) -> JsResult<ClaimsBuilder> {
                let value = text(&value, $what)?;
                self.step(|b| b.$name(value))
            }
        )*}
    };
}

text_steps! {
    audience("aud") = "Add another audience.";
    sub("sub") = "Set `sub`.";
    txn("txn") = "Set `txn`.";
}

/// Read `jti` and `aud` of a compact JWS without verifying it.
///
/// # Errors
/// `VerifyError` when the token is not a compact JWS with a string `jti`.
#[wasm_bindgen(js_name = peekEnvelope, unchecked_return_type = "SetEnvelope")]
pub fn peek_envelope(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
) -> JsResult<JsValue> {
    out(&host::peek_envelope(text(&token, "token")?).or_throw()?)
}

/// A SET whose signature and claims checked out.
#[wasm_bindgen]
pub struct VerifiedSet(pub(crate) host::VerifiedSet);

#[wasm_bindgen]
impl VerifiedSet {
    /// The validated claims.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn claims(&self) -> SetClaims {
        SetClaims(Arc::clone(&self.0.claims))
    }
    /// The `kid` that selected the key.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn kid(&self) -> Option<String> {
        self.0.kid.clone()
    }
    /// `ES256`, `PS256` (or `RS256` where allowed).
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn alg(&self) -> String {
        self.0.alg.clone()
    }
}

/// Verify a compact-JWS SET at `nowMs`: signature first, then the claims.
///
/// # Errors
/// `VerifyError` with the `setErrs` code to report; `ArgumentError` for a
/// bad policy or time (`async_only` in the `web/` build: `verifySetAsync`).
#[wasm_bindgen(js_name = verifySet)]
pub fn verify_set(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    keyring: &Keyring,
    #[wasm_bindgen(unchecked_param_type = "VerifyPolicy")] policy: JsValue,
    #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
) -> JsResult<VerifiedSet> {
    crate::platform::needs_portable("verifySet", "verifySetAsync")?;
    let (token, policy) = (text(&token, "token")?, data(&policy, "policy")?);
    let now = int(&now_ms, "nowMs")?;
    host::verify_set(token, Arc::clone(&keyring.0), policy, now)
        .or_throw()
        .map(VerifiedSet)
}

/// Sign claims into a compact JWS (`nowMs` fills the OBIE header `iat`).
///
/// # Errors
/// `SignError`; `ArgumentError` for a bad profile or time.
#[wasm_bindgen(js_name = signSet)]
pub fn sign_set(
    claims: &SetClaims,
    key: &SigningKey,
    #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    #[wasm_bindgen(unchecked_param_type = "HeaderProfile")] profile: JsValue,
) -> JsResult<String> {
    let (now, profile) = (int(&now_ms, "nowMs")?, data(&profile, "profile")?);
    host::sign_set(Arc::clone(&claims.0), Arc::clone(&key.0), now, profile).or_throw()
}
