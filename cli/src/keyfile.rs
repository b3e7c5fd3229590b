//! Reading keys from files: JWK, JWK Set, PKCS#8 private PEM, SPKI public PEM.

use std::path::Path;

use setpoll_core::crypto::PublicKey;
use setpoll_core::jose::{Algorithm, Jwk, JwkSet, SigningKey};

use crate::io::read_file;
use crate::Failure;

fn bad(path: &Path, what: impl core::fmt::Display) -> Failure {
    Failure::input(format!("{}: {what}", path.display()))
}

/// The signing key in `path`: a private JWK or a PKCS#8 PEM private key
/// (`kid` = the RFC 7638 thumbprint unless `kid` overrides it).
pub(crate) fn signing_key(path: &Path, kid: Option<&str>) -> Result<SigningKey, Failure> {
    let text = read_file(path)?;
    let key = if text.trim_start().starts_with("-----BEGIN") {
        SigningKey::from_pkcs8_pem(&text)
            .map_err(|e| bad(path, format_args!("not a usable PKCS#8 private key: {e}")))?
    } else {
        let jwk = Jwk::from_json(text.as_bytes())
            .map_err(|e| bad(path, format_args!("not a JWK: {e}")))?;
        SigningKey::from_jwk(&jwk).map_err(|e| bad(path, format_args!("cannot sign: {e}")))?
    };
    Ok(match kid {
        Some(k) => key.with_kid(k),
        None => key,
    })
}

/// Every public key in `path`, as public JWKs with a `kid` (the thumbprint
/// when the file gave none). Accepts a JWK (private or public), a JWK Set,
/// a PKCS#8 private PEM or an SPKI public PEM.
pub(crate) fn public_jwks(path: &Path) -> Result<Vec<Jwk>, Failure> {
    let text = read_file(path)?;
    let trimmed = text.trim_start();
    let keys = if trimmed.starts_with("-----BEGIN PUBLIC KEY-----") {
        // Published like the keys setpoll generates: `use` and `alg` set.
        let key = spki(path, &text)?;
        let alg = Algorithm::for_key_type(key.key_type());
        vec![Jwk::from_public_key(key)
            .with_use("sig")
            .with_alg(alg.name())]
    } else if trimmed.starts_with("-----BEGIN") {
        let key = SigningKey::from_pkcs8_pem(&text)
            .map_err(|e| bad(path, format_args!("not a usable PKCS#8 private key: {e}")))?;
        vec![key.to_public_jwk()]
    } else if looks_like_set(trimmed) {
        let set = JwkSet::from_json(text.as_bytes())
            .map_err(|e| bad(path, format_args!("not a JWK Set: {e}")))?;
        // A published set may hold keys setpoll cannot use (other curves,
        // encryption keys): skip them with a warning, as a verifier would.
        for s in set.skipped() {
            crate::warn(&format!(
                "{}: skipping key #{}{}: {}",
                path.display(),
                s.index,
                s.kid
                    .as_deref()
                    .map(|k| format!(" (kid {k:?})"))
                    .unwrap_or_default(),
                s.error
            ));
        }
        if set.keys().is_empty() {
            return Err(bad(path, "no usable key in the JWK Set"));
        }
        set.keys().to_vec()
    } else {
        vec![Jwk::from_json(text.as_bytes())
            .map_err(|e| bad(path, format_args!("not a JWK: {e}")))?]
    };
    Ok(keys
        .into_iter()
        .map(|k| {
            let public = k.to_public();
            if public.kid().is_some() {
                public
            } else {
                let thumbprint = public.thumbprint();
                public.with_kid(thumbprint)
            }
        })
        .collect())
}

/// A JWK Set has a top-level `keys` member; a JWK never does.
fn looks_like_set(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| v.get("keys").cloned())
        .is_some()
}

/// An SPKI (`BEGIN PUBLIC KEY`) PEM: EC P-256 or RSA.
fn spki(path: &Path, pem: &str) -> Result<PublicKey, Failure> {
    use rsa::traits::PublicKeyParts as _;
    // p256 and rsa depend on different pkcs8 releases: one trait each.
    if let Ok(ec) = <p256::PublicKey as p256::pkcs8::DecodePublicKey>::from_public_key_pem(pem) {
        let point = p256::elliptic_curve::sec1::ToSec1Point::to_sec1_point(&ec, false);
        let (Some(x), Some(y)) = (point.x(), point.y()) else {
            return Err(bad(path, "EC public key has no coordinates"));
        };
        return PublicKey::from_ec_p256_coordinates(x, y)
            .map_err(|e| bad(path, format_args!("unusable EC public key: {e}")));
    }
    match <rsa::RsaPublicKey as rsa::pkcs8::DecodePublicKey>::from_public_key_pem(pem) {
        Ok(k) => PublicKey::from_rsa_components(&k.n().to_bytes_be(), &k.e().to_bytes_be())
            .map_err(|e| bad(path, format_args!("unusable RSA public key: {e}"))),
        Err(_) => Err(bad(
            path,
            "not an EC P-256 or RSA public key (SPKI PEM) that setpoll can use",
        )),
    }
}
