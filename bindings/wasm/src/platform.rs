//! The platform's crypto (`node:crypto`, WebCrypto) under the core, and the
//! prepare/finish halves of `verifySet` and `signSet` for asynchronous
//! crypto. The JS entries (`js/node.ts`, `js/web.ts`) install a provider;
//! the core keeps every decision and asks the provider only for the
//! signature arithmetic, on keys it already validated and selected.

use std::cell::RefCell;
use std::sync::Arc;

use setpoll_core::crypto::{
    install_platform, CryptoError, PlatformCrypto, PlatformSigner, PlatformVerifier, PrivateKey,
    PublicKey, Scheme,
};
use setpoll_core::jose::{Algorithm, Jwk};
use setpoll_host as host;
use wasm_bindgen::prelude::*;

use crate::error::OrThrow;
use crate::guard::{bytes, data, flag, int, int32, out, text, type_error, JsResult};
use crate::keys::{Keyring, VerifiedSet};
use crate::receiver::Receiver;

#[wasm_bindgen]
extern "C" {
    /// What a JS entry installs: imports keys once, then verifies and signs.
    #[wasm_bindgen(typescript_type = "PlatformProvider")]
    pub type PlatformProvider;

    #[wasm_bindgen(method, catch, js_name = importPublic)]
    fn import_public(this: &PlatformProvider, alg: &str, jwk: &str) -> Result<f64, JsValue>;

    #[wasm_bindgen(method, catch, js_name = importPrivate)]
    fn import_private(this: &PlatformProvider, alg: &str, jwk: &str) -> Result<f64, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn verify(
        this: &PlatformProvider,
        handle: u32,
        message: &[u8],
        signature: &[u8],
    ) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method, catch)]
    fn sign(this: &PlatformProvider, handle: u32, message: &[u8]) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(method)]
    fn release(this: &PlatformProvider, handle: u32);
}

#[wasm_bindgen(typescript_custom_section)]
const PROVIDER_TS: &str = r#"
/** The crypto a JS entry installs (see `installPlatformCrypto`). */
export interface PlatformProvider {
  /** Import a validated public JWK (JSON) for `alg`; a handle. Throws when refused. */
  importPublic(alg: string, jwk: string): number;
  /** Import a private JWK (JSON) for `alg`; a handle, or -1 when it cannot sign synchronously. */
  importPrivate(alg: string, jwk: string): number;
  /** The verdict, or undefined when it cannot answer synchronously. */
  verify(handle: number, message: Uint8Array, signature: Uint8Array): boolean | undefined;
  /** The signature (ES256: 64-byte r||s), or undefined when it cannot sign synchronously. */
  sign(handle: number, message: Uint8Array): Uint8Array | undefined;
  /** Forget a handle. */
  release(handle: number): void;
}
"#;

thread_local! {
    static PROVIDER: RefCell<Option<PlatformProvider>> = const { RefCell::new(None) };
}

fn with_provider<T>(f: impl FnOnce(&PlatformProvider) -> Option<T>) -> Option<T> {
    PROVIDER.with(|p| p.borrow().as_ref().and_then(f))
}

/// The provider as the core sees it (the JS object lives in `PROVIDER`:
/// wasm32 has one thread, and handles are plain numbers).
struct JsPlatform;

struct JsVerifier(u32);
struct JsSigner(Option<u32>);

fn handle(n: f64) -> Option<u32> {
    // A handle is a small non-negative integer; anything else is "none".
    (n >= 0.0 && n <= f64::from(u32::MAX) && n.fract() == 0.0).then(|| {
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let h = n as u32;
        h
    })
}

fn alg_of(scheme: Scheme) -> &'static str {
    match scheme {
        Scheme::EcdsaP256Sha256 => Algorithm::Es256.name(),
        Scheme::RsaPssSha256 => Algorithm::Ps256.name(),
        _ => Algorithm::Rs256.name(),
    }
}

impl PlatformCrypto for JsPlatform {
    fn verifier(
        &self,
        key: &PublicKey,
        scheme: Scheme,
    ) -> Result<Arc<dyn PlatformVerifier>, CryptoError> {
        let jwk = Jwk::from_public_key(key.clone()).to_json();
        let h = with_provider(|p| p.import_public(alg_of(scheme), &jwk).ok().and_then(handle));
        let h = h.ok_or(CryptoError::BackendRejectedKey(
            setpoll_core::crypto::Backend::Platform,
        ))?;
        Ok(Arc::new(JsVerifier(h)))
    }

    fn signer(
        &self,
        key: &PrivateKey,
        scheme: Scheme,
    ) -> Result<Arc<dyn PlatformSigner>, CryptoError> {
        let jwk = zeroize::Zeroizing::new(Jwk::from_private_key(key.clone()).to_json());
        let h = with_provider(|p| p.import_private(alg_of(scheme), &jwk).ok()).ok_or(
            CryptoError::BackendRejectedKey(setpoll_core::crypto::Backend::Platform),
        )?;
        Ok(Arc::new(JsSigner(handle(h))))
    }
}

impl PlatformVerifier for JsVerifier {
    fn verify(&self, message: &[u8], signature: &[u8]) -> Option<bool> {
        // A platform exception is a signature that did not verify.
        with_provider(|p| match p.verify(self.0, message, signature) {
            Ok(v) => v.as_bool(),
            Err(_) => Some(false),
        })
    }

    fn key_id(&self) -> Option<u64> {
        Some(u64::from(self.0))
    }
}

impl Drop for JsVerifier {
    fn drop(&mut self) {
        with_provider(|p| {
            p.release(self.0);
            Some(())
        });
    }
}

impl PlatformSigner for JsSigner {
    fn sign(&self, message: &[u8]) -> Result<Option<Vec<u8>>, CryptoError> {
        let Some(h) = self.0 else { return Ok(None) };
        match with_provider(|p| Some(p.sign(h, message))) {
            None => Ok(None),
            Some(Err(_)) => Err(CryptoError::SigningFailed),
            Some(Ok(v)) if v.is_undefined() => Ok(None),
            Some(Ok(v)) => v
                .dyn_ref::<js_sys::Uint8Array>()
                .map(|a| Some(a.to_vec()))
                .ok_or(CryptoError::SigningFailed),
        }
    }
}

impl Drop for JsSigner {
    fn drop(&mut self) {
        if let Some(h) = self.0 {
            with_provider(|p| {
                p.release(h);
                Some(())
            });
        }
    }
}

/// Install the platform's crypto (the package's entries do this on load);
/// `undefined` or `null` removes it. Keys made afterwards verify and sign on
/// it; `"portable"` as a key's or keyring's backend still picks the
/// pure-Rust code.
///
/// # Errors
/// `TypeError` unless `provider` is absent or has the five methods.
#[wasm_bindgen(js_name = installPlatformCrypto)]
pub fn install_platform_crypto(
    #[wasm_bindgen(unchecked_param_type = "PlatformProvider | undefined")] provider: JsValue,
) -> JsResult<()> {
    let provider = if provider.is_undefined() || provider.is_null() {
        None
    } else {
        let methods = ["importPublic", "importPrivate", "verify", "sign", "release"];
        let has = |m: &str| {
            provider.is_object()
                && js_sys::Reflect::get(&provider, &JsValue::from_str(m))
                    .is_ok_and(|f| f.is_function())
        };
        if !methods.iter().all(|m| has(m)) {
            return Err(type_error("provider", "a PlatformProvider"));
        }
        Some(provider.unchecked_into::<PlatformProvider>())
    };
    let installed = provider.is_some();
    PROVIDER.with(|p| *p.borrow_mut() = provider);
    install_platform(installed.then(|| Arc::new(JsPlatform) as Arc<dyn PlatformCrypto>));
    Ok(())
}

/// A SET checked up to its signature (`prepareSet`); after `checkAhead`,
/// the outcome waiting for the verdict.
#[wasm_bindgen]
pub struct PreparedSet(
    Option<host::PreparedSet>,
    Option<Result<host::VerifiedSet, host::SetpollError>>,
);

fn spent() -> JsValue {
    crate::error::js_error(host::SetpollError::Argument {
        code: "already_finished".to_owned(),
        detail: "this PreparedSet was already finished".to_owned(),
    })
}

#[wasm_bindgen]
impl PreparedSet {
    fn get(&self) -> JsResult<&host::PreparedSet> {
        self.0.as_ref().ok_or_else(spent)
    }
    /// `finishSet` for a `true` verdict, computed now, while the platform's
    /// verdict is still pending (the claims checks then overlap with the
    /// platform's work); `settle(verdict)` gives exactly what
    /// `finishSet(prepared, verdict, nowMs)` would. The getters are spent
    /// afterwards.
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`, a bad `nowMs`), now, as
    /// `finishSet` would.
    #[wasm_bindgen(js_name = checkAhead)]
    pub fn check_ahead(
        &mut self,
        #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
    ) -> JsResult<()> {
        let now = int(&now_ms, "nowMs")?;
        let p = self.0.take().ok_or_else(spent)?;
        self.1 = Some(match host::finish_set(p, true, now) {
            // A bad argument is refused now, whatever the verdict.
            Err(e @ host::SetpollError::Argument { .. }) => return Err(crate::error::js_error(e)),
            outcome => outcome,
        });
        Ok(())
    }
    /// The outcome `finishSet` gives for this verdict, after `checkAhead`:
    /// `false` is `VerifyError` `bad_signature` whatever the claims, as in
    /// `finishSet`, which checks the signature first. Once.
    ///
    /// # Errors
    /// `VerifyError`; `ArgumentError` (`already_finished`).
    pub fn settle(
        &mut self,
        #[wasm_bindgen(js_name = signatureOk, unchecked_param_type = "boolean")]
        signature_ok: JsValue,
    ) -> JsResult<VerifiedSet> {
        let ok = flag(&signature_ok, "signatureOk")?;
        match (self.1.take().ok_or_else(spent)?, ok) {
            (_, false) => Err(crate::error::js_error(bad_signature())),
            (Ok(v), true) => Ok(VerifiedSet(v)),
            (Err(e), true) => Err(crate::error::js_error(e)),
        }
    }
    /// The bytes the signature covers.
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`).
    #[wasm_bindgen(getter, js_name = signingInput)]
    pub fn signing_input(&self) -> JsResult<Vec<u8>> {
        Ok(self.get()?.signing_input())
    }
    /// The signature (ES256: 64-byte IEEE P1363 `r || s`).
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`).
    #[wasm_bindgen(getter)]
    pub fn signature(&self) -> JsResult<Vec<u8>> {
        Ok(self.get()?.signature())
    }
    /// `ES256`, `PS256` or `RS256`.
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`).
    #[wasm_bindgen(getter)]
    pub fn alg(&self) -> JsResult<String> {
        Ok(self.get()?.alg())
    }
    /// The header's `kid`.
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`).
    #[wasm_bindgen(getter)]
    pub fn kid(&self) -> JsResult<Option<String>> {
        Ok(self.get()?.kid())
    }
    /// The installed provider's handle of the key the core selected
    /// (`importPublic`'s return), when the keyring is on the platform.
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`).
    #[wasm_bindgen(getter, js_name = keyHandle)]
    pub fn key_handle(&self) -> JsResult<Option<u32>> {
        Ok(self
            .get()?
            .platform_key_id()
            .and_then(|h| u32::try_from(h).ok()))
    }
    /// The key the core selected, as a public JWK (JSON text).
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`).
    #[wasm_bindgen(getter, js_name = publicJwk)]
    pub fn public_jwk(&self) -> JsResult<String> {
        Ok(self.get()?.public_jwk_json())
    }
    /// Whether the signature has the one length the algorithm and key allow
    /// (`finishSet` refuses any other, whatever the verdict).
    ///
    /// # Errors
    /// `ArgumentError` (`already_finished`).
    #[wasm_bindgen(getter, js_name = signatureLenOk)]
    pub fn signature_len_ok(&self) -> JsResult<bool> {
        Ok(self.get()?.signature_len_ok())
    }
}

/// Every check of `verifySet` before the signature (size, structure,
/// header, algorithm, `crit`, key selection), with its errors.
///
/// # Errors
/// `VerifyError`; `ArgumentError` for a bad policy.
#[wasm_bindgen(js_name = prepareSet)]
pub fn prepare_set(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    keyring: &Keyring,
    #[wasm_bindgen(unchecked_param_type = "VerifyPolicy")] policy: JsValue,
) -> JsResult<PreparedSet> {
    let (token, policy) = (text(&token, "token")?, data(&policy, "policy")?);
    host::prepare_set(&token, &keyring.0, policy)
        .or_throw()
        .map(|p| PreparedSet(Some(p), None))
}

/// A verification policy converted once (`compilePolicy`), for
/// `prepareSetWith`: converting a policy object is a good part of a
/// prepared verification's time.
#[wasm_bindgen]
pub struct CompiledPolicy(host::CompiledPolicy);

/// `policy`, checked and converted as `prepareSet` does.
///
/// # Errors
/// `TypeError` or `ArgumentError` for a bad policy.
#[wasm_bindgen(js_name = compilePolicy)]
pub fn compile_policy(
    #[wasm_bindgen(unchecked_param_type = "VerifyPolicy")] policy: JsValue,
) -> JsResult<CompiledPolicy> {
    let policy: host::VerifyPolicy = data(&policy, "policy")?;
    host::CompiledPolicy::new(&policy)
        .or_throw()
        .map(CompiledPolicy)
}

/// `verifySet` with a compiled policy (`compilePolicy`).
///
/// # Errors
/// As `verifySet`.
#[wasm_bindgen(js_name = verifySetWith)]
pub fn verify_set_with(
    #[wasm_bindgen(unchecked_param_type = "string")] token: JsValue,
    keyring: &Keyring,
    policy: &CompiledPolicy,
    #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
) -> JsResult<VerifiedSet> {
    needs_portable("verifySetWith", "verifySetAsync")?;
    let (token, now) = (text(&token, "token")?, int(&now_ms, "nowMs")?);
    host::verify_set_compiled(&token, &keyring.0, &policy.0, now)
        .or_throw()
        .map(VerifiedSet)
}

/// [`needs_portable`] for an answer to `Receiver#handleResponse(Bytes)`
/// (`call`): a `200` verifies its SETs synchronously.
pub(crate) fn needs_portable_for(status: i32, call: &str) -> JsResult<()> {
    if status == 200 {
        return needs_portable(call, "handleResponseAsync");
    }
    Ok(())
}

/// `ArgumentError` `async_only` for a synchronous verification (`call`) in
/// a build without the pure-Rust crypto (`web/`): there is nothing to verify
/// with synchronously, and refusing every SET instead would report good
/// events to the ASPSP as bad. `instead` names the async form.
pub(crate) fn needs_portable(call: &str, instead: &str) -> JsResult<()> {
    if has_portable_crypto() {
        return Ok(());
    }
    Err(crate::error::js_error(host::SetpollError::Argument {
        code: "async_only".to_owned(),
        detail: format!(
            "{call} needs the pure-Rust crypto, which this build leaves out: use {instead}, or import setpoll/web-portable"
        ),
    }))
}

#[wasm_bindgen]
impl Receiver {
    /// `handleResponse` once the platform's verdicts on the batch's
    /// signatures are recorded (what `handleResponseAsync` calls): never
    /// refused as `async_only`. The body is text or its UTF-8 bytes (what
    /// `handleResponseAsync` passes: a string crosses one character at a
    /// time). Not part of the declared API.
    ///
    /// # Errors
    /// As `handleResponse` (`handleResponseBytes` for bytes).
    #[wasm_bindgen(js_name = handleResponseVerified, skip_typescript)]
    pub fn handle_response_verified(
        &self,
        id: JsValue,
        status: JsValue,
        body: JsValue,
        now_ms: JsValue,
        retry_after: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let raw = body.is_instance_of::<js_sys::Uint8Array>();
        let (id, status, now) = (
            int(&id, "id")?,
            int32(&status, "status")?,
            int(&now_ms, "nowMs")?,
        );
        let retry_after = crate::guard::opt_arg::<String>(retry_after, "retryAfter")?;
        let batch = if raw {
            let body = bytes(&body, "body")?;
            self.0
                .handle_response_bytes(id, status, body, now, retry_after)
        } else {
            let body = text(&body, "body")?;
            self.0.handle_response(id, status, body, now, retry_after)
        };
        out(&batch.or_throw()?)
    }
}

/// `prepareSet` with a compiled policy; the token as text or as its UTF-8
/// bytes (what `verifySetAsync` passes: `TextEncoder` bytes cross into the
/// wasm heap several times faster than a string, whose glue copies it one
/// character at a time).
///
/// # Errors
/// As `prepareSet` (bytes that are not UTF-8 are a malformed token).
#[wasm_bindgen(js_name = prepareSetWith)]
pub fn prepare_set_with(
    #[wasm_bindgen(unchecked_param_type = "string | Uint8Array")] token: JsValue,
    keyring: &Keyring,
    policy: &CompiledPolicy,
) -> JsResult<PreparedSet> {
    let token = if token.is_instance_of::<js_sys::Uint8Array>() {
        // Not UTF-8: U+FFFD in place of the bad bytes, which no compact JWS holds.
        String::from_utf8(bytes(&token, "token")?)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    } else {
        text(&token, "token")?
    };
    host::prepare_set_compiled(&token, &keyring.0, &policy.0)
        .or_throw()
        .map(|p| PreparedSet(Some(p), None))
}

/// The rest of `verifySet`: the platform's verdict on the signature, then
/// the claims at `nowMs`. Consumes the prepared SET.
///
/// # Errors
/// `VerifyError` (`bad_signature` for a `false` verdict); `ArgumentError`.
#[wasm_bindgen(js_name = finishSet)]
pub fn finish_set(
    prepared: &mut PreparedSet,
    #[wasm_bindgen(js_name = signatureOk, unchecked_param_type = "boolean")] signature_ok: JsValue,
    #[wasm_bindgen(js_name = nowMs, unchecked_param_type = "number")] now_ms: JsValue,
) -> JsResult<VerifiedSet> {
    let (ok, now) = (flag(&signature_ok, "signatureOk")?, int(&now_ms, "nowMs")?);
    let p = prepared.0.take().ok_or_else(spent)?;
    host::finish_set(p, ok, now).or_throw().map(VerifiedSet)
}

fn bad_signature() -> host::SetpollError {
    host::SetpollError::from(setpoll_core::set::VerifyError::Jws(
        setpoll_core::jose::JwsError::BadSignature,
    ))
}

/// A setpoll error for a platform crypto failure: `kind` `"verify"`,
/// `"sign"`, `"argument"` or `"key"` picks `VerifyError`, `SignError`,
/// `ArgumentError` or `KeyError`.
#[wasm_bindgen(js_name = platformError)]
#[must_use]
pub fn platform_error(kind: &str, code: &str, message: &str) -> JsValue {
    let (code, detail) = (code.to_owned(), message.to_owned());
    let e = match kind {
        "verify" => bad_signature(),
        "sign" => host::SetpollError::Sign { code, detail },
        "argument" => host::SetpollError::Argument { code, detail },
        _ => host::SetpollError::Key { code, detail },
    };
    crate::error::js_error(e)
}

/// Whether this build carries the pure-Rust P-256/RSA code (`false` in the
/// platform-only browser build, `web/`: there every signature is the
/// platform's, and key generation and PEM import are `KeyError`
/// `backend_unavailable`).
#[wasm_bindgen(js_name = hasPortableCrypto)]
#[must_use]
pub fn has_portable_crypto() -> bool {
    setpoll_core::crypto::Backend::Portable.is_available()
}

/// The pure-Rust backend's raw check (only in the builds that carry it:
/// `node/`, `web-portable/`), for tests such as Wycheproof: whether
/// `signature` verifies over `signingInput` under the public `jwk` (JSON)
/// for `alg`, on the portable code whatever platform is installed. `false`
/// for a malformed or refused key, an unknown `alg`, a wrong-length or bad
/// signature.
///
/// # Errors
/// `TypeError` for arguments of the wrong type.
#[cfg(feature = "portable")]
#[wasm_bindgen(js_name = verifyRawPortable)]
pub fn verify_raw_portable(
    #[wasm_bindgen(unchecked_param_type = "string")] alg: JsValue,
    #[wasm_bindgen(unchecked_param_type = "string")] jwk: JsValue,
    #[wasm_bindgen(js_name = signingInput, unchecked_param_type = "Uint8Array")]
    signing_input: JsValue,
    #[wasm_bindgen(unchecked_param_type = "Uint8Array")] signature: JsValue,
) -> JsResult<bool> {
    let (alg, jwk) = (text(&alg, "alg")?, text(&jwk, "jwk")?);
    let (input, signature) = (
        bytes(&signing_input, "signingInput")?,
        bytes(&signature, "signature")?,
    );
    let verdict = Algorithm::from_name(&alg).ok().and_then(|alg| {
        let key = Jwk::from_json(jwk.as_bytes()).ok()?;
        let verifier = key
            .public_key()
            .verifier(alg.scheme(), setpoll_core::crypto::Backend::Portable)
            .ok()?;
        Some(verifier.verify(&input, &signature).is_ok())
    });
    Ok(verdict.unwrap_or(false))
}
