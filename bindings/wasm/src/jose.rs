//! Keys (JWK / JWK Set, PKCS#8), and signing and verifying SETs.
//!
//! Randomness for key generation comes from `crypto.getRandomValues` (the
//! `js` backend of getrandom); the core itself never draws randomness.
//!
//! Keys cross as JWKs only: PKCS#8 PEM support would pull the DER/PKCS#1/
//! PKCS#8 codecs into the `.wasm` (about a tenth of it), and every JS runtime
//! converts PEM to JWK itself (`crypto.createPrivateKey(pem).export({ format:
//! "jwk" })` in Node, `importKey("pkcs8", ...)` + `exportKey("jwk", ...)` in
//! WebCrypto).

use serde::Deserialize;
use setpoll_core::jose::{
    Algorithm, HeaderProfile, Jwk, JwkSet, Keyring as CoreKeyring, SigningKey as CoreKey,
};
use setpoll_core::set::{self, VerifyPolicy};
use wasm_bindgen::prelude::*;

use crate::claims::claims_from_js;
use crate::convert;
use crate::error::{js_error, InputError};
use crate::js::{from_js, json_text_to_js, to_js};

#[wasm_bindgen(typescript_custom_section)]
const TS_JOSE: &'static str = r#"
/** Which protected header a SET is signed with. */
export type HeaderProfile =
  /** OBIE message signing: `alg`, `kid`, `typ: JOSE`, `crit` and the three OBIE headers. */
  | { kind: "obie"; orgId: string; trustAnchor: string; typ?: boolean }
  /** RFC 8417 §2.3: `alg`, `kid`, `typ: secevent+jwt`. */
  | { kind: "rfc8417" };

/** What a recipient accepts (absent members take the core's defaults). */
export interface VerifyPolicy {
  /** Expected `iss`; `null` skips the check. */
  issuer: string | null;
  /** Expected `aud` (your client id); `null` skips the check. */
  audience: string | null;
  /** Allowed algorithms (default `["PS256", "ES256"]`). */
  algorithms?: ("PS256" | "ES256")[];
  /** Clock-skew allowance for `iat`, `exp`, `nbf`, seconds (default 300). */
  maxSkewSecs?: number;
  /** Largest compact JWS accepted, bytes (default 65536). */
  maxTokenBytes?: number;
  /** Reject SETs whose `iat` is older than this (default: any age). */
  maxAgeSecs?: number | null;
}

/** A SET whose signature and claims checked out. */
export interface VerifiedSet {
  claims: SetClaims;
  /** The claims as canonical JSON (exact, including numbers beyond 2^53). */
  claimsJson: string;
  /** The `kid` that selected the key, or `null`. */
  kid: string | null;
  alg: "PS256" | "ES256";
  /** The header's `typ`, or `null`. */
  typ: string | null;
}

/** What {@link parseJwk} reads from a JWK. */
export interface JwkInfo {
  /** Canonical JSON of the key. */
  jwkJson: string;
  /** Canonical JSON of its public half. */
  publicJwkJson: string;
  /** RFC 7638 thumbprint (base64url SHA-256). */
  thumbprint: string;
  isPrivate: boolean;
  /** What it may verify; `null` when its `use`, `key_ops` or `alg` forbid it. */
  verificationAlgorithm: "ES256" | "PS256" | null;
}

/** What {@link parseJwks} reads from a JWK Set. */
export interface JwksInfo {
  jwksJson: string;
  publicJwksJson: string;
  /** The `kid` of each key kept (`null` when it has none). */
  kids: (string | null)[];
  /** Keys left out, and why. */
  skipped: { index: number; kid: string | null; code: string }[];
}

/** A key a JWK Set skipped (RFC 7517 §5), and why. */
export interface SkippedKey {
  index: number;
  kid: string | null;
  code: string;
  message: string;
}
"#;

enum ProfileJs {
    Obie {
        org_id: String,
        trust_anchor: String,
        typ: Option<bool>,
    },
    Rfc8417,
}

/// `ProfileJs` tags.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
enum ProfileKind {
    Obie,
    Rfc8417,
}

/// How a header profile is read: one plain struct, checked against `kind`
/// (serde's tagged-enum reader would buffer it through `Content`, which
/// costs the .wasm size; see `EventSpecRepr` in claims.rs).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileRepr {
    kind: ProfileKind,
    org_id: Option<String>,
    trust_anchor: Option<String>,
    typ: Option<bool>,
}

impl ProfileRepr {
    fn profile(self) -> Result<ProfileJs, InputError> {
        let bad = |why: &str| InputError::Argument {
            what: "header profile",
            why: why.to_owned(),
        };
        match self.kind {
            ProfileKind::Rfc8417 => {
                if self.org_id.is_some() || self.trust_anchor.is_some() || self.typ.is_some() {
                    return Err(bad(
                        "the rfc8417 profile takes no orgId, trustAnchor or typ",
                    ));
                }
                Ok(ProfileJs::Rfc8417)
            }
            ProfileKind::Obie => Ok(ProfileJs::Obie {
                org_id: self.org_id.ok_or_else(|| bad("missing field `orgId`"))?,
                trust_anchor: self
                    .trust_anchor
                    .ok_or_else(|| bad("missing field `trustAnchor`"))?,
                typ: self.typ,
            }),
        }
    }
}

impl ProfileJs {
    fn core(self) -> Result<HeaderProfile, JsValue> {
        match self {
            ProfileJs::Rfc8417 => Ok(HeaderProfile::rfc8417()),
            ProfileJs::Obie {
                org_id,
                trust_anchor,
                typ,
            } => {
                let profile =
                    setpoll_core::jose::ObieProfile::new(org_id, trust_anchor).map_err(js_error)?;
                Ok(HeaderProfile::Obie(if typ == Some(false) {
                    profile.without_typ()
                } else {
                    profile
                }))
            }
        }
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct PolicyJs {
    issuer: Option<String>,
    audience: Option<String>,
    algorithms: Option<Vec<String>>,
    max_skew_secs: Option<u64>,
    max_token_bytes: Option<usize>,
    max_age_secs: Option<u64>,
}

impl PolicyJs {
    fn core(self) -> Result<VerifyPolicy, JsValue> {
        let mut policy = VerifyPolicy::new("", "");
        policy.issuer = self.issuer;
        policy.audience = self.audience;
        if let Some(names) = self.algorithms {
            policy.algorithms = names
                .iter()
                .map(|n| Algorithm::from_name(n).map_err(js_error))
                .collect::<Result<_, _>>()?;
        }
        if let Some(s) = self.max_skew_secs {
            policy.max_skew_secs = s;
        }
        if let Some(b) = self.max_token_bytes {
            policy.max_token_bytes = b;
        }
        policy.max_age_secs = self.max_age_secs;
        Ok(policy)
    }
}

/// A private key that signs SETs (ES256 or PS256), with its `kid`.
#[wasm_bindgen]
pub struct SigningKey {
    inner: CoreKey,
}

#[wasm_bindgen]
impl SigningKey {
    /// A fresh ES256 (P-256) key; randomness from `crypto.getRandomValues`.
    /// Its `kid` is the RFC 7638 thumbprint.
    ///
    /// # Errors
    /// `CryptoError` if no secure randomness is available.
    #[wasm_bindgen(js_name = generateEs256)]
    pub fn generate_es256() -> Result<SigningKey, JsValue> {
        let mut rng = rand_core::OsRng;
        Ok(SigningKey {
            inner: CoreKey::generate_es256(&mut rng).map_err(js_error)?,
        })
    }

    /// From a private JWK (JSON text); `kid` from the JWK, else the thumbprint.
    ///
    /// # Errors
    /// `JwkError` for a JWK that is not a usable private signing key.
    #[wasm_bindgen(js_name = fromJwk)]
    pub fn from_jwk(jwk: &str) -> Result<SigningKey, JsValue> {
        let jwk = Jwk::from_json(jwk.as_bytes()).map_err(js_error)?;
        Ok(SigningKey {
            inner: CoreKey::from_jwk(&jwk).map_err(js_error)?,
        })
    }

    /// The same key under another `kid` (e.g. the one registered in the
    /// directory).
    #[wasm_bindgen(js_name = withKid)]
    #[must_use]
    pub fn with_kid(&self, kid: &str) -> SigningKey {
        SigningKey {
            inner: self.inner.clone().with_kid(kid),
        }
    }

    /// The key id put in the header.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn kid(&self) -> String {
        self.inner.kid().to_owned()
    }

    /// `"ES256"` or `"PS256"`.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn algorithm(&self) -> String {
        self.inner.algorithm().name().to_owned()
    }

    /// The public JWK (JSON text) to publish in your JWK Set.
    #[wasm_bindgen(js_name = toPublicJwk)]
    #[must_use]
    pub fn to_public_jwk(&self) -> String {
        self.inner.to_public_jwk().to_json()
    }

    /// The private JWK (JSON text). Secret: store it as such.
    #[wasm_bindgen(js_name = toPrivateJwk)]
    #[must_use]
    pub fn to_private_jwk(&self) -> String {
        self.inner.to_private_jwk().to_json()
    }
}

/// A JWK Set prepared for verification: keys parsed once, looked up by `kid`.
#[wasm_bindgen]
pub struct Keyring {
    inner: CoreKeyring,
    set: JwkSet,
}

#[wasm_bindgen]
impl Keyring {
    /// From a JWK Set document (JSON text). Unsupported or invalid keys are
    /// skipped (see `skipped`), as RFC 7517 §5 asks.
    ///
    /// # Errors
    /// `JwkError` when the document itself is unusable (not JSON, no `keys`,
    /// too large, duplicate `kid`s).
    #[wasm_bindgen(constructor)]
    pub fn new(jwks: &str) -> Result<Keyring, JsValue> {
        let set = JwkSet::from_json(jwks.as_bytes()).map_err(js_error)?;
        let inner = CoreKeyring::new(&set).map_err(js_error)?;
        Ok(Keyring { inner, set })
    }

    /// The `kid`s of the usable keys.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn kids(&self) -> Vec<String> {
        self.inner.kids()
    }

    /// How many keys are usable for verification.
    #[wasm_bindgen(getter)]
    #[must_use]
    pub fn length(&self) -> u32 {
        u32::try_from(self.inner.len()).unwrap_or(u32::MAX)
    }

    /// The keys the set skipped, and why.
    ///
    /// # Errors
    /// Only if the list cannot be converted to JS (never expected).
    #[wasm_bindgen(getter, unchecked_return_type = "SkippedKey[]")]
    pub fn skipped(&self) -> Result<JsValue, JsValue> {
        let rows: Vec<_> = self
            .set
            .skipped()
            .iter()
            .map(|s| {
                serde_json::json!({
                    "index": s.index,
                    "kid": s.kid,
                    "code": s.error.code(),
                    "message": s.error.to_string(),
                })
            })
            .collect();
        to_js(&serde_json::Value::Array(rows))
    }
}

/// A JWK Set (JSON text) of the given JWKs (JSON texts), e.g. the public
/// keys of your signing keys.
///
/// # Errors
/// `JwkError` for an invalid JWK or duplicate `kid`s.
#[wasm_bindgen(js_name = jwksFromKeys)]
pub fn jwks_from_keys(jwks: Vec<String>) -> Result<String, JsValue> {
    let keys = jwks
        .iter()
        .map(|j| Jwk::from_json(j.as_bytes()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(js_error)?;
    Ok(JwkSet::new(keys).map_err(js_error)?.to_json())
}

/// The public half of a JWK Set (private members removed), as JSON text.
///
/// # Errors
/// `JwkError` when the document is unusable.
#[wasm_bindgen(js_name = jwksToPublic)]
pub fn jwks_to_public(jwks: &str) -> Result<String, JsValue> {
    Ok(JwkSet::from_json(jwks.as_bytes())
        .map_err(js_error)?
        .to_public()
        .to_json())
}

/// Parse one JWK (JSON text): its canonical and public forms, thumbprint,
/// and what it may verify.
///
/// # Errors
/// `JwkError` for a JWK setpoll cannot use.
#[wasm_bindgen(js_name = parseJwk, unchecked_return_type = "JwkInfo")]
pub fn parse_jwk(jwk: &str) -> Result<JsValue, JsValue> {
    let jwk = Jwk::from_json(jwk.as_bytes()).map_err(js_error)?;
    to_js(&serde_json::json!({
        "jwkJson": jwk.to_json(),
        "publicJwkJson": jwk.to_public().to_json(),
        "thumbprint": jwk.thumbprint(),
        "isPrivate": jwk.is_private(),
        "verificationAlgorithm": jwk.verification_algorithm().map(Algorithm::name),
    }))
}

/// Parse a JWK Set (JSON text): keys setpoll cannot use are skipped, not
/// fatal (RFC 7517 §5).
///
/// # Errors
/// `JwkError` when the document itself is unusable.
#[wasm_bindgen(js_name = parseJwks, unchecked_return_type = "JwksInfo")]
pub fn parse_jwks(jwks: &str) -> Result<JsValue, JsValue> {
    let set = JwkSet::from_json(jwks.as_bytes()).map_err(js_error)?;
    let skipped: Vec<_> = set
        .skipped()
        .iter()
        .map(|s| serde_json::json!({ "index": s.index, "kid": s.kid, "code": s.error.code() }))
        .collect();
    to_js(&serde_json::json!({
        "jwksJson": set.to_json(),
        "publicJwksJson": set.to_public().to_json(),
        "kids": set.keys().iter().map(Jwk::kid).collect::<Vec<_>>(),
        "skipped": skipped,
    }))
}

/// The RFC 7638 thumbprint of a JWK (JSON text).
///
/// # Errors
/// `JwkError` for an invalid JWK.
#[wasm_bindgen(js_name = jwkThumbprint)]
pub fn jwk_thumbprint(jwk: &str) -> Result<String, JsValue> {
    Ok(Jwk::from_json(jwk.as_bytes())
        .map_err(js_error)?
        .thumbprint())
}

/// Sign claims into a compact JWS SET. `claims` is a claims object or its
/// JSON text (text keeps numbers beyond 2^53 exact); `now` (ms) fills the
/// OBIE `http://openbanking.org.uk/iat` header.
///
/// # Errors
/// `ClaimsError` for claims that do not validate (setpoll never signs what
/// its verifier would refuse); `ProfileError`, `SignError`, `InputError`.
#[wasm_bindgen(js_name = signSet)]
pub fn sign_set(
    #[wasm_bindgen(unchecked_param_type = "SetClaims | string")] claims: JsValue,
    key: &SigningKey,
    #[wasm_bindgen(unchecked_param_type = "HeaderProfile")] profile: JsValue,
    now: f64,
) -> Result<String, JsValue> {
    let now = convert::timestamp(now).map_err(js_error)?;
    let claims = claims_from_js(&claims)?;
    let profile = from_js::<ProfileRepr>(&profile, "header profile")?
        .profile()
        .map_err(js_error)?
        .core()?;
    set::sign_set(&claims, &key.inner, &profile, now).map_err(js_error)
}

/// Verify a compact-JWS SET against a keyring and policy at `now` (ms):
/// size, structure, header, algorithm, key, signature, then the claims,
/// `iss`, `aud`, `iat`, `exp`/`nbf`.
///
/// # Errors
/// A `VerifyError` with the core `code` and the `setErrObie` /
/// `setErrRfc8935` codes (and `description`) to report in `setErrs`.
#[wasm_bindgen(js_name = verifySet, unchecked_return_type = "VerifiedSet")]
pub fn verify_set(
    token: &str,
    keys: &Keyring,
    #[wasm_bindgen(unchecked_param_type = "VerifyPolicy")] policy: JsValue,
    now: f64,
) -> Result<JsValue, JsValue> {
    let now = convert::timestamp(now).map_err(js_error)?;
    let policy = from_js::<PolicyJs>(&policy, "verify policy")?.core()?;
    let verified = set::verify_set(token, &keys.inner, &policy, now).map_err(js_error)?;
    let claims_json = verified.claims.to_json();
    let out = js_sys::Object::new();
    let put = |k: &str, v: &JsValue| js_sys::Reflect::set(&out, &k.into(), v);
    put("claims", &json_text_to_js(&claims_json)?)?;
    put("claimsJson", &claims_json.into())?;
    put("kid", &verified.kid.map_or(JsValue::NULL, JsValue::from))?;
    put("alg", &verified.alg.name().into())?;
    put(
        "typ",
        &verified.header.typ.map_or(JsValue::NULL, JsValue::from),
    )?;
    Ok(out.into())
}

/// The bare ES256 signature check of the core's crypto layer, with no JOSE
/// around it (no parsing, header checks or claims): the baseline
/// `scripts/wasm/bench.mjs` compares `verifySet` against. Applications use
/// `verifySet`.
#[wasm_bindgen]
pub struct RawEs256Verifier {
    inner: setpoll_core::crypto::Verifier,
}

#[wasm_bindgen]
impl RawEs256Verifier {
    /// From a public EC P-256 JWK (JSON text).
    ///
    /// # Errors
    /// `JwkError` / `CryptoError` for anything else.
    #[wasm_bindgen(constructor)]
    pub fn new(jwk: &str) -> Result<RawEs256Verifier, JsValue> {
        let jwk = Jwk::from_json(jwk.as_bytes()).map_err(js_error)?;
        let inner = jwk
            .public_key()
            .verifier(
                setpoll_core::crypto::Scheme::EcdsaP256Sha256,
                setpoll_core::crypto::Backend::default(),
            )
            .map_err(js_error)?;
        Ok(RawEs256Verifier { inner })
    }

    /// Whether `signature` (64-byte `r || s`) is valid for `message`.
    #[must_use]
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.inner.verify(message, signature).is_ok()
    }
}

/// The bare ES256 signature of the core's crypto layer (RFC 6979
/// deterministic ECDSA over `message`, 64-byte `r || s`), with no JOSE
/// around it: the signing baseline `scripts/wasm/bench.mjs` compares
/// `signSet` against. Applications use `signSet`.
#[wasm_bindgen]
pub struct RawEs256Signer {
    inner: setpoll_core::crypto::Signer,
}

#[wasm_bindgen]
impl RawEs256Signer {
    /// From a private EC P-256 JWK (JSON text).
    ///
    /// # Errors
    /// `JwkError` when the JWK is not a private P-256 key; `CryptoError`
    /// when the key is refused.
    #[wasm_bindgen(constructor)]
    pub fn new(jwk: &str) -> Result<RawEs256Signer, JsValue> {
        let jwk = Jwk::from_json(jwk.as_bytes()).map_err(js_error)?;
        let Some(key) = jwk.private_key() else {
            return Err(js_error(setpoll_core::jose::JwkError::NotPrivate));
        };
        let inner = key
            .signer(
                setpoll_core::crypto::Scheme::EcdsaP256Sha256,
                setpoll_core::crypto::Backend::default(),
            )
            .map_err(js_error)?;
        Ok(RawEs256Signer { inner })
    }

    /// The signature of `message`.
    ///
    /// # Errors
    /// `CryptoError` if the crypto layer fails.
    pub fn sign(&self, message: &[u8]) -> Result<Vec<u8>, JsValue> {
        self.inner.sign(message).map_err(js_error)
    }
}
