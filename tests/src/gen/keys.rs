//! The keys of the crypto vectors, drawn from a fixed-seed ChaCha20
//! generator, and a few helpers to forge tokens the core would never sign.

use base64::Engine as _;
use rand_chacha::rand_core::SeedableRng as _;
use rand_chacha::ChaCha20Rng;
use setpoll_core::crypto::{Backend, Scheme};
use setpoll_core::jose::{Algorithm, Jwk, JwkSet, SigningKey};
use sha2::{Digest as _, Sha256};

use crate::GenError;

/// The seed of every key in the vectors.
pub const SEED: u64 = 0x5e7_9011_2026;

/// RSA modulus size of the PS256 keys.
pub const RSA_BITS: usize = 2048;

/// The signing keys of the vectors.
pub struct Keys {
    /// The transmitter's ES256 key, `kid` `es256-2026`.
    pub es: SigningKey,
    /// The transmitter's PS256 key, `kid` `ps256-2026`.
    pub ps: SigningKey,
    /// The same RSA key signing RS256 (opt-in), `kid` `rs256-2026`: no
    /// draw of its own, so the other keys stay as they were.
    pub rs: SigningKey,
    /// An attacker's ES256 key, `kid` `es256-rogue` (not published).
    pub rogue: SigningKey,
    /// A second published ES256 key, `kid` `es256-2027` (rotation).
    pub es_next: SigningKey,
}

fn err(what: &str, e: impl core::fmt::Display) -> GenError {
    GenError(format!("{what}: {e}"))
}

impl Keys {
    /// Generate the keys (same seed, same keys, every time).
    ///
    /// # Errors
    /// If the core refuses to generate a key.
    pub fn generate() -> Result<Self, GenError> {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        // The portable backend signs deterministically (RFC 6979 for ES256,
        // a key-derived salt for PS256), so the vectors are reproducible.
        let portable =
            |k: SigningKey, what: &str| k.with_backend(Backend::Portable).map_err(|e| err(what, e));
        let es = SigningKey::generate_es256(&mut rng).map_err(|e| err("es256", e))?;
        let es = portable(es.with_kid("es256-2026"), "es256")?;
        let ps = SigningKey::generate_ps256(&mut rng, RSA_BITS).map_err(|e| err("ps256", e))?;
        let ps = portable(ps.with_kid("ps256-2026"), "ps256")?;
        let rs = ps
            .clone()
            .with_algorithm(Algorithm::Rs256)
            .map_err(|e| err("rs256", e))?
            .with_kid("rs256-2026");
        let rogue = SigningKey::generate_es256(&mut rng).map_err(|e| err("rogue", e))?;
        let rogue = portable(rogue.with_kid("es256-rogue"), "rogue")?;
        let es_next = SigningKey::generate_es256(&mut rng).map_err(|e| err("es256 next", e))?;
        let es_next = portable(es_next.with_kid("es256-2027"), "es256 next")?;
        Ok(Keys {
            es,
            ps,
            rs,
            rogue,
            es_next,
        })
    }

    /// The recipient's JWK Set: the public ES256 and PS256 keys.
    ///
    /// # Errors
    /// If the set cannot be built.
    pub fn jwks(&self) -> Result<String, GenError> {
        public_set(&[&self.es, &self.ps])
    }
}

/// `{"keys":[...]}` of the public JWKs of `keys`.
///
/// # Errors
/// If the set cannot be built (duplicate `kid`).
pub fn public_set(keys: &[&SigningKey]) -> Result<String, GenError> {
    let set = JwkSet::new(keys.iter().map(|k| k.to_public_jwk()).collect())
        .map_err(|e| err("jwks", e))?;
    Ok(set.to_json())
}

/// A public JWK as text.
#[must_use]
pub fn public_jwk_json(key: &SigningKey) -> String {
    key.to_public_jwk().to_json()
}

/// A private JWK as text.
#[must_use]
pub fn private_jwk_json(key: &SigningKey) -> String {
    key.to_private_jwk().to_json()
}

/// Unpadded base64url.
#[must_use]
pub fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sign `message` with `key` on the portable backend (deterministic for
/// every algorithm), whatever header the message carries.
///
/// # Errors
/// If the backend refuses.
pub fn raw_sign(key: &SigningKey, message: &[u8]) -> Result<Vec<u8>, GenError> {
    let jwk: Jwk = key.to_private_jwk();
    let private = jwk
        .private_key()
        .ok_or_else(|| GenError("not a private key".into()))?;
    let scheme = match key.algorithm() {
        Algorithm::Es256 => Scheme::EcdsaP256Sha256,
        Algorithm::Rs256 => Scheme::RsaPkcs1Sha256,
        _ => Scheme::RsaPssSha256,
    };
    private
        .signer(scheme, Backend::Portable)
        .and_then(|s| s.sign(message))
        .map_err(|e| err("raw sign", e))
}

/// A compact JWS of any header and payload, signed by `key` (portable).
///
/// # Errors
/// If signing fails.
pub fn forge(header_json: &str, payload: &[u8], key: &SigningKey) -> Result<String, GenError> {
    let input = format!("{}.{}", b64(header_json.as_bytes()), b64(payload));
    let sig = raw_sign(key, input.as_bytes())?;
    Ok(format!("{input}.{}", b64(&sig)))
}

/// HMAC-SHA256 (RFC 2104), for the "HS256 with the public key as secret" attack.
#[must_use]
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> Vec<u8> {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        let digest = Sha256::digest(key);
        block
            .iter_mut()
            .zip(digest.iter())
            .for_each(|(b, d)| *b = *d);
    } else {
        block.iter_mut().zip(key.iter()).for_each(|(b, k)| *b = *k);
    }
    let ipad: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .to_vec()
}

/// The 64-byte `r || s` ECDSA signature re-encoded as ASN.1 DER (what
/// some libraries emit by mistake).
#[must_use]
pub fn ecdsa_der(raw: &[u8]) -> Vec<u8> {
    fn int(bytes: &[u8]) -> Vec<u8> {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        let mut v = Vec::with_capacity(trimmed.len() + 3);
        v.push(0x02);
        let needs_pad = trimmed.first().is_some_and(|b| b & 0x80 != 0);
        let len = trimmed.len() + usize::from(needs_pad);
        v.push(u8::try_from(len).unwrap_or(0));
        if needs_pad {
            v.push(0);
        }
        v.extend(trimmed);
        v
    }
    let (r, s) = raw.split_at(raw.len() / 2);
    let body: Vec<u8> = int(r).into_iter().chain(int(s)).collect();
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap_or(0)];
    out.extend(body);
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        let hex: String = mac.iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(
            hex,
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn der_wraps_r_and_s_as_integers() {
        let mut raw = [0u8; 64];
        raw[0] = 0x80; // r needs a pad byte
        raw[63] = 1; // s is 1 after trimming
        let der = ecdsa_der(&raw);
        assert_eq!(der[0], 0x30);
        assert_eq!(&der[2..5], &[0x02, 33, 0x00]);
        assert_eq!(&der[der.len() - 3..], &[0x02, 1, 1]);
        assert_eq!(usize::from(der[1]), der.len() - 2);
    }
}
