//! The portable backend: RustCrypto `p256` and `rsa`, pure Rust, wasm32-safe.

use p256::ecdsa::signature::{Signer as _, Verifier as _};
use rsa::signature::{RandomizedSigner, SignatureEncoding, Verifier as RsaVerifier};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::keys::{PrivateInner, PublicInner};
use super::{CryptoError, InvalidSignature, PrivateKey, PublicKey, Scheme};

#[derive(Clone)]
pub(super) enum Verifier {
    Es256(p256::ecdsa::VerifyingKey),
    Ps256(rsa::pss::VerifyingKey<Sha256>),
    Rs256(rsa::pkcs1v15::VerifyingKey<Sha256>),
}

impl Verifier {
    pub(super) fn new(key: &PublicKey, scheme: Scheme) -> Result<Self, CryptoError> {
        match (&key.0, scheme) {
            (PublicInner::EcP256(k), Scheme::EcdsaP256Sha256) => {
                Ok(Verifier::Es256(p256::ecdsa::VerifyingKey::from(k)))
            }
            // `new` fixes the salt length to the digest length (32 bytes),
            // as RFC 7518 §3.5 requires and as the native backend enforces.
            (PublicInner::Rsa(k), Scheme::RsaPssSha256) => {
                Ok(Verifier::Ps256(rsa::pss::VerifyingKey::new(k.clone())))
            }
            // `new` expects the DigestInfo prefix of SHA-256 (RFC 8017 §9.2).
            (PublicInner::Rsa(k), Scheme::RsaPkcs1Sha256) => {
                Ok(Verifier::Rs256(rsa::pkcs1v15::VerifyingKey::new(k.clone())))
            }
            _ => Err(CryptoError::WrongKeyType {
                key: key.key_type(),
                scheme,
            }),
        }
    }

    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        match self {
            Verifier::Es256(vk) => {
                let sig =
                    p256::ecdsa::Signature::from_slice(signature).map_err(|_| InvalidSignature)?;
                vk.verify(message, &sig).map_err(|_| InvalidSignature)
            }
            Verifier::Ps256(vk) => {
                let sig = rsa::pss::Signature::try_from(signature).map_err(|_| InvalidSignature)?;
                RsaVerifier::verify(vk, message, &sig).map_err(|_| InvalidSignature)
            }
            Verifier::Rs256(vk) => {
                let sig =
                    rsa::pkcs1v15::Signature::try_from(signature).map_err(|_| InvalidSignature)?;
                RsaVerifier::verify(vk, message, &sig).map_err(|_| InvalidSignature)
            }
        }
    }
}

#[derive(Clone)]
pub(super) enum Signer {
    Es256(p256::ecdsa::SigningKey),
    Ps256 {
        key: Box<rsa::pss::BlindedSigningKey<Sha256>>,
        prf_key: Zeroizing<[u8; 32]>,
    },
    /// PKCS#1 v1.5 signatures are deterministic; the derived randomness
    /// only blinds the private-key operation.
    Rs256 {
        key: Box<rsa::pkcs1v15::SigningKey<Sha256>>,
        prf_key: Zeroizing<[u8; 32]>,
    },
}

/// The key of the synthetic randomness stream: `SHA-256(label || d)`.
fn prf_key(k: &rsa::RsaPrivateKey) -> Zeroizing<[u8; 32]> {
    use rsa::traits::PrivateKeyParts as _;
    let d = Zeroizing::new(k.d().to_bytes_be());
    let mut h = Sha256::new();
    h.update(PRF_LABEL);
    h.update(d.as_slice());
    Zeroizing::new(<[u8; 32]>::from(h.finalize()))
}

const PRF_LABEL: &[u8] = b"setpoll/portable-ps256-synthetic-randomness/v1";

impl Signer {
    pub(super) fn new(key: &PrivateKey, scheme: Scheme) -> Result<Self, CryptoError> {
        match (&key.0, scheme) {
            (PrivateInner::EcP256(k), Scheme::EcdsaP256Sha256) => {
                Ok(Signer::Es256(p256::ecdsa::SigningKey::from(k)))
            }
            (PrivateInner::Rsa(k), Scheme::RsaPssSha256) => Ok(Signer::Ps256 {
                key: Box::new(rsa::pss::BlindedSigningKey::new(k.as_ref().clone())),
                prf_key: prf_key(k),
            }),
            (PrivateInner::Rsa(k), Scheme::RsaPkcs1Sha256) => Ok(Signer::Rs256 {
                key: Box::new(rsa::pkcs1v15::SigningKey::new(k.as_ref().clone())),
                prf_key: prf_key(k),
            }),
            _ => Err(CryptoError::WrongKeyType {
                key: key.key_type(),
                scheme,
            }),
        }
    }

    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        match self {
            // RFC 6979: deterministic, no randomness needed.
            Signer::Es256(sk) => {
                let sig: p256::ecdsa::Signature = sk
                    .try_sign(message)
                    .map_err(|_| CryptoError::SigningFailed)?;
                Ok(sig.to_bytes().to_vec())
            }
            Signer::Ps256 { key, prf_key } => sign_rsa(key.as_ref(), prf_key, message),
            Signer::Rs256 { key, prf_key } => sign_rsa(key.as_ref(), prf_key, message),
        }
    }
}

/// An RSA signature with randomness derived from the key and the message.
fn sign_rsa<S, Sig>(key: &S, prf_key: &[u8; 32], message: &[u8]) -> Result<Vec<u8>, CryptoError>
where
    S: RandomizedSigner<Sig>,
    Sig: SignatureEncoding,
{
    let mut rng = DerivedRng::new(prf_key, message);
    let sig = key
        .try_sign_with_rng(&mut rng, message)
        .map_err(|_| CryptoError::SigningFailed)?;
    Ok(sig.to_vec())
}

/// Synthetic randomness for PSS (salt and blinding factor) and for the
/// blinding factor of PKCS#1 v1.5: a SHA-256
/// counter-mode stream keyed by `SHA-256(prf_key || SHA-256(message))`, where
/// `prf_key` is derived from the private exponent. Unpredictable to anyone
/// without the private key; identical for the same key and message.
struct DerivedRng {
    seed: Zeroizing<[u8; 32]>,
    counter: u64,
    block: Zeroizing<[u8; 32]>,
    used: usize,
}

impl DerivedRng {
    fn new(prf_key: &[u8; 32], message: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(prf_key);
        h.update(Sha256::digest(message));
        DerivedRng {
            seed: Zeroizing::new(h.finalize().into()),
            counter: 0,
            block: Zeroizing::new([0u8; 32]),
            used: 32,
        }
    }

    fn refill(&mut self) {
        let mut h = Sha256::new();
        h.update(self.seed.as_slice());
        h.update(self.counter.to_be_bytes());
        *self.block = h.finalize().into();
        self.counter = self.counter.wrapping_add(1);
        self.used = 0;
    }
}

impl rand_core::RngCore for DerivedRng {
    fn next_u32(&mut self) -> u32 {
        rand_core::impls::next_u32_via_fill(self)
    }

    fn next_u64(&mut self) -> u64 {
        rand_core::impls::next_u64_via_fill(self)
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for out in dest.iter_mut() {
            if self.used >= self.block.len() {
                self.refill();
            }
            *out = self.block.get(self.used).copied().unwrap_or(0);
            self.used += 1;
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

impl rand_core::CryptoRng for DerivedRng {}
