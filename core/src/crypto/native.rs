//! The native backend: `aws-lc-rs` (feature `native`).

use std::sync::Arc;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, ParsedPublicKey, RsaEncoding, RsaKeyPair, ECDSA_P256_SHA256_FIXED,
    ECDSA_P256_SHA256_FIXED_SIGNING, RSA_PKCS1_2048_8192_SHA256, RSA_PKCS1_SHA256,
    RSA_PSS_2048_8192_SHA256, RSA_PSS_SHA256,
};
use rsa::pkcs1::{EncodeRsaPrivateKey as _, EncodeRsaPublicKey as _};

use super::keys::{PrivateInner, PublicInner};
use super::{Backend, CryptoError, InvalidSignature, PrivateKey, PublicKey, Scheme};

const REJECTED: CryptoError = CryptoError::BackendRejectedKey(Backend::Native);

#[derive(Clone)]
pub(super) struct Verifier(ParsedPublicKey);

impl Verifier {
    pub(super) fn new(key: &PublicKey, scheme: Scheme) -> Result<Self, CryptoError> {
        let parsed = match (&key.0, scheme) {
            (PublicInner::EcP256(_), Scheme::EcdsaP256Sha256) => {
                let sec1 = key.ec_sec1_uncompressed().ok_or(REJECTED)?;
                ParsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, sec1)
            }
            (PublicInner::Rsa(k), Scheme::RsaPssSha256 | Scheme::RsaPkcs1Sha256) => {
                let der = k.to_pkcs1_der().map_err(|_| REJECTED)?;
                let alg = if scheme == Scheme::RsaPssSha256 {
                    &RSA_PSS_2048_8192_SHA256
                } else {
                    &RSA_PKCS1_2048_8192_SHA256
                };
                ParsedPublicKey::new(alg, der.as_bytes())
            }
            _ => {
                return Err(CryptoError::WrongKeyType {
                    key: key.key_type(),
                    scheme,
                })
            }
        };
        parsed.map(Verifier).map_err(|_| REJECTED)
    }

    pub(super) fn verify(&self, message: &[u8], signature: &[u8]) -> Result<(), InvalidSignature> {
        self.0
            .verify_sig(message, signature)
            .map_err(|_| InvalidSignature)
    }
}

#[derive(Clone)]
pub(super) enum Signer {
    Es256(Arc<EcdsaKeyPair>),
    /// An RSA key with the padding it signs with (PSS or PKCS#1 v1.5).
    Rsa(Arc<RsaKeyPair>, &'static dyn RsaEncoding),
}

impl Signer {
    pub(super) fn new(key: &PrivateKey, scheme: Scheme) -> Result<Self, CryptoError> {
        match (&key.0, scheme) {
            (PrivateInner::EcP256(_), Scheme::EcdsaP256Sha256) => {
                let d = key.ec_p256_scalar().ok_or(REJECTED)?;
                let sec1 = key.public_key().ec_sec1_uncompressed().ok_or(REJECTED)?;
                let pair = EcdsaKeyPair::from_private_key_and_public_key(
                    &ECDSA_P256_SHA256_FIXED_SIGNING,
                    d.as_slice(),
                    &sec1,
                )
                .map_err(|_| REJECTED)?;
                Ok(Signer::Es256(Arc::new(pair)))
            }
            (PrivateInner::Rsa(k), Scheme::RsaPssSha256 | Scheme::RsaPkcs1Sha256) => {
                let der = k.to_pkcs1_der().map_err(|_| REJECTED)?;
                let pair = RsaKeyPair::from_der(der.as_bytes()).map_err(|_| REJECTED)?;
                let encoding: &'static dyn RsaEncoding = if scheme == Scheme::RsaPssSha256 {
                    &RSA_PSS_SHA256
                } else {
                    &RSA_PKCS1_SHA256
                };
                Ok(Signer::Rsa(Arc::new(pair), encoding))
            }
            _ => Err(CryptoError::WrongKeyType {
                key: key.key_type(),
                scheme,
            }),
        }
    }

    pub(super) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, CryptoError> {
        // AWS-LC ignores the `SecureRandom` argument and uses its own DRBG.
        let rng = SystemRandom::new();
        match self {
            Signer::Es256(pair) => pair
                .sign(&rng, message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| CryptoError::SigningFailed),
            Signer::Rsa(pair, encoding) => {
                let mut out = vec![0u8; pair.public_modulus_len()];
                pair.sign(*encoding, &rng, message, &mut out)
                    .map_err(|_| CryptoError::SigningFailed)?;
                Ok(out)
            }
        }
    }
}
