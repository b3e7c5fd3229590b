//! Backend-independent, validated key material.

use core::fmt;

use p256::elliptic_curve::sec1::ToEncodedPoint as _;
use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
use rsa::BigUint;
use zeroize::Zeroizing;

use super::{Backend, CryptoError, Scheme, Signer, Verifier};

/// Smallest RSA modulus accepted, bits (RFC 7518 §3.5: "A key of size 2048
/// bits or larger MUST be used").
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, bits (the native backend's PSS limit).
pub const MAX_RSA_BITS: usize = 8192;

/// The kind of key.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyType {
    /// An elliptic-curve key on P-256.
    EcP256,
    /// An RSA key.
    Rsa,
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyType::EcP256 => "EC P-256",
            KeyType::Rsa => "RSA",
        })
    }
}

#[derive(Clone, PartialEq, Eq)]
pub(super) enum PublicInner {
    EcP256(p256::PublicKey),
    Rsa(rsa::RsaPublicKey),
}

/// A validated public key (a point on P-256, or an RSA key of
/// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits with an odd exponent).
#[derive(Clone, PartialEq, Eq)]
pub struct PublicKey(pub(super) PublicInner);

/// Strip nothing, but insist on the minimal big-endian form (no leading zero
/// octet), as RFC 7518 §2 "Base64urlUInt" requires.
fn minimal(bytes: &[u8]) -> bool {
    matches!(bytes.first(), Some(b) if *b != 0)
}

fn check_rsa_public(n: &[u8], e: &[u8]) -> Result<(BigUint, BigUint), CryptoError> {
    if !minimal(n) || n.last().is_some_and(|b| b & 1 == 0) {
        return Err(CryptoError::InvalidRsaModulus);
    }
    let n = BigUint::from_bytes_be(n);
    let bits = n.bits();
    if bits < MIN_RSA_BITS {
        return Err(CryptoError::RsaKeyTooSmall { bits });
    }
    if bits > MAX_RSA_BITS {
        return Err(CryptoError::RsaKeyTooLarge { bits });
    }
    if !minimal(e) || e.len() > 5 || e.last().is_some_and(|b| b & 1 == 0) {
        return Err(CryptoError::InvalidRsaExponent);
    }
    let e = BigUint::from_bytes_be(e);
    if e < BigUint::from(3u8) || e > BigUint::from(rsa::RsaPublicKey::MAX_PUB_EXPONENT) {
        return Err(CryptoError::InvalidRsaExponent);
    }
    Ok((n, e))
}

impl PublicKey {
    /// A P-256 public key from its affine coordinates (32 bytes each, as in
    /// the JWK `x` and `y` members, RFC 7518 §6.2.1).
    ///
    /// # Errors
    /// [`CryptoError::InvalidEcPoint`] for a wrong length or a point not on the curve.
    pub fn from_ec_p256_coordinates(x: &[u8], y: &[u8]) -> Result<Self, CryptoError> {
        if x.len() != 32 || y.len() != 32 {
            return Err(CryptoError::InvalidEcPoint);
        }
        let mut sec1 = Vec::with_capacity(65);
        sec1.push(4u8);
        sec1.extend_from_slice(x);
        sec1.extend_from_slice(y);
        let key =
            p256::PublicKey::from_sec1_bytes(&sec1).map_err(|_| CryptoError::InvalidEcPoint)?;
        Ok(PublicKey(PublicInner::EcP256(key)))
    }

    /// An RSA public key from its modulus and exponent (unsigned big-endian,
    /// minimal length, as in the JWK `n` and `e` members, RFC 7518 §6.3.1).
    ///
    /// # Errors
    /// When the modulus is too small, too large, even or non-minimal, or the
    /// exponent is not an odd number in `3..2^33`.
    pub fn from_rsa_components(n: &[u8], e: &[u8]) -> Result<Self, CryptoError> {
        let (n, e) = check_rsa_public(n, e)?;
        let key = rsa::RsaPublicKey::new_with_max_size(n, e, MAX_RSA_BITS)
            .map_err(|_| CryptoError::InvalidRsaModulus)?;
        Ok(PublicKey(PublicInner::Rsa(key)))
    }

    /// The key type.
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        match &self.0 {
            PublicInner::EcP256(_) => KeyType::EcP256,
            PublicInner::Rsa(_) => KeyType::Rsa,
        }
    }

    /// The affine coordinates of an EC key.
    #[must_use]
    pub fn ec_p256_coordinates(&self) -> Option<([u8; 32], [u8; 32])> {
        match &self.0 {
            PublicInner::EcP256(k) => {
                let sec1 = self.ec_sec1_uncompressed_of(k);
                let mut x = [0u8; 32];
                let mut y = [0u8; 32];
                x.copy_from_slice(sec1.get(1..33)?);
                y.copy_from_slice(sec1.get(33..65)?);
                Some((x, y))
            }
            PublicInner::Rsa(_) => None,
        }
    }

    fn ec_sec1_uncompressed_of(&self, k: &p256::PublicKey) -> Vec<u8> {
        k.to_encoded_point(false).as_bytes().to_vec()
    }

    /// The 65-byte uncompressed SEC1 encoding of an EC key.
    #[cfg_attr(not(feature = "native"), allow(dead_code))]
    pub(super) fn ec_sec1_uncompressed(&self) -> Option<Vec<u8>> {
        match &self.0 {
            PublicInner::EcP256(k) => Some(self.ec_sec1_uncompressed_of(k)),
            PublicInner::Rsa(_) => None,
        }
    }

    /// `(n, e)` of an RSA key, unsigned big-endian, minimal length.
    #[must_use]
    pub fn rsa_components(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        match &self.0 {
            PublicInner::Rsa(k) => Some((k.n().to_bytes_be(), k.e().to_bytes_be())),
            PublicInner::EcP256(_) => None,
        }
    }

    /// The modulus size of an RSA key, bits.
    #[must_use]
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.0 {
            PublicInner::Rsa(k) => Some(k.n().bits()),
            PublicInner::EcP256(_) => None,
        }
    }

    pub(super) fn rsa_modulus_len(&self) -> Option<usize> {
        match &self.0 {
            PublicInner::Rsa(k) => Some(k.size()),
            PublicInner::EcP256(_) => None,
        }
    }

    /// Prepare this key to verify `scheme` on `backend` (do this once per key).
    ///
    /// # Errors
    /// [`CryptoError::WrongKeyType`], [`CryptoError::BackendUnavailable`] or
    /// [`CryptoError::BackendRejectedKey`].
    pub fn verifier(&self, scheme: Scheme, backend: Backend) -> Result<Verifier, CryptoError> {
        Verifier::new(self, scheme, backend)
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            PublicInner::EcP256(_) => f.write_str("PublicKey(EC P-256)"),
            PublicInner::Rsa(k) => write!(f, "PublicKey(RSA {} bits)", k.n().bits()),
        }
    }
}

#[derive(Clone)]
pub(super) enum PrivateInner {
    EcP256(p256::SecretKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// A validated private key. Its `Debug` output never shows secret material;
/// the secret parts are zeroed when dropped.
#[derive(Clone)]
pub struct PrivateKey(pub(super) PrivateInner);

/// The RSA private key members of RFC 7518 §6.3.2 (two-prime keys only),
/// unsigned big-endian. Zeroed when dropped; `Debug` shows nothing secret.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct RsaPrivateComponents {
    /// Modulus `n`.
    pub n: Vec<u8>,
    /// Public exponent `e`.
    pub e: Vec<u8>,
    /// Private exponent `d`.
    pub d: Zeroizing<Vec<u8>>,
    /// First prime factor `p`.
    pub p: Zeroizing<Vec<u8>>,
    /// Second prime factor `q`.
    pub q: Zeroizing<Vec<u8>>,
    /// First factor CRT exponent `dp` = d mod (p - 1).
    pub dp: Zeroizing<Vec<u8>>,
    /// Second factor CRT exponent `dq` = d mod (q - 1).
    pub dq: Zeroizing<Vec<u8>>,
    /// First CRT coefficient `qi` = q^-1 mod p.
    pub qi: Zeroizing<Vec<u8>>,
}

impl fmt::Debug for RsaPrivateComponents {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RsaPrivateComponents { .. }")
    }
}

fn big(bytes: &[u8]) -> BigUint {
    BigUint::from_bytes_be(bytes)
}

fn rsa_bits_ok(bits: usize) -> Result<(), CryptoError> {
    if bits < MIN_RSA_BITS {
        return Err(CryptoError::RsaKeyTooSmall { bits });
    }
    if bits > MAX_RSA_BITS {
        return Err(CryptoError::RsaKeyTooLarge { bits });
    }
    Ok(())
}

impl PrivateKey {
    /// A P-256 private key from its 32-byte scalar `d` (RFC 7518 §6.2.2.1).
    ///
    /// # Errors
    /// [`CryptoError::InvalidEcScalar`] for a wrong length, zero, or `d >= n`.
    pub fn from_ec_p256_scalar(d: &[u8]) -> Result<Self, CryptoError> {
        if d.len() != 32 {
            return Err(CryptoError::InvalidEcScalar);
        }
        let key = p256::SecretKey::from_slice(d).map_err(|_| CryptoError::InvalidEcScalar)?;
        Ok(PrivateKey(PrivateInner::EcP256(key)))
    }

    /// A two-prime RSA private key from all of its RFC 7518 §6.3.2 members;
    /// every member is checked for consistency (`n = p q`, `d e = 1` mod
    /// `p - 1` and `q - 1`, and `dp`, `dq`, `qi` as derived).
    ///
    /// # Errors
    /// The public checks of [`PublicKey::from_rsa_components`], then
    /// [`CryptoError::InconsistentRsaKey`].
    pub fn from_rsa_components(c: &RsaPrivateComponents) -> Result<Self, CryptoError> {
        let (n, e) = check_rsa_public(&c.n, &c.e)?;
        for part in [&c.d, &c.p, &c.q, &c.dp, &c.dq, &c.qi] {
            if !minimal(part) {
                return Err(CryptoError::InconsistentRsaKey);
            }
        }
        let (p, q) = (big(&c.p), big(&c.q));
        if p == q {
            return Err(CryptoError::InconsistentRsaKey);
        }
        let key = rsa::RsaPrivateKey::from_components(n, e, big(&c.d), vec![p, q])
            .map_err(|_| CryptoError::InconsistentRsaKey)?;
        let derived = rsa_private_components(&key).ok_or(CryptoError::InconsistentRsaKey)?;
        if derived.dp != c.dp || derived.dq != c.dq || derived.qi != c.qi {
            return Err(CryptoError::InconsistentRsaKey);
        }
        Ok(PrivateKey(PrivateInner::Rsa(Box::new(key))))
    }

    /// A private key from PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), EC
    /// P-256 or RSA.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPem`], or the RSA size/exponent checks.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        use p256::pkcs8::DecodePrivateKey as _;
        if let Ok(key) = p256::SecretKey::from_pkcs8_pem(pem) {
            return Ok(PrivateKey(PrivateInner::EcP256(key)));
        }
        let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).map_err(|_| CryptoError::InvalidPem)?;
        let c = rsa_private_components(&key).ok_or(CryptoError::InvalidPem)?;
        // Re-import through the strict path so every rule applies.
        Self::from_rsa_components(&c)
    }

    /// The key as PKCS#8 PEM.
    ///
    /// # Errors
    /// [`CryptoError::SigningFailed`] never in practice (encoding failure).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        use p256::pkcs8::{EncodePrivateKey as _, LineEnding};
        match &self.0 {
            PrivateInner::EcP256(k) => k
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|_| CryptoError::InvalidPem),
            PrivateInner::Rsa(k) => k
                .to_pkcs8_pem(LineEnding::LF)
                .map_err(|_| CryptoError::InvalidPem),
        }
    }

    /// A fresh P-256 key from the caller's random generator.
    #[must_use]
    pub fn generate_ec_p256(rng: &mut impl rand_core::CryptoRngCore) -> Self {
        PrivateKey(PrivateInner::EcP256(p256::SecretKey::random(rng)))
    }

    /// A fresh RSA key (exponent 65537) of `bits` bits from the caller's
    /// random generator.
    ///
    /// # Errors
    /// [`CryptoError::RsaKeyTooSmall`] / [`CryptoError::RsaKeyTooLarge`], or
    /// [`CryptoError::KeyGenerationFailed`].
    pub fn generate_rsa(
        rng: &mut impl rand_core::CryptoRngCore,
        bits: usize,
    ) -> Result<Self, CryptoError> {
        rsa_bits_ok(bits)?;
        let key =
            rsa::RsaPrivateKey::new(rng, bits).map_err(|_| CryptoError::KeyGenerationFailed)?;
        if key.n().bits() != bits {
            return Err(CryptoError::KeyGenerationFailed);
        }
        Ok(PrivateKey(PrivateInner::Rsa(Box::new(key))))
    }

    /// The key type.
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        match &self.0 {
            PrivateInner::EcP256(_) => KeyType::EcP256,
            PrivateInner::Rsa(_) => KeyType::Rsa,
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        match &self.0 {
            PrivateInner::EcP256(k) => PublicKey(PublicInner::EcP256(k.public_key())),
            PrivateInner::Rsa(k) => PublicKey(PublicInner::Rsa(k.to_public_key())),
        }
    }

    /// The 32-byte scalar of an EC key.
    #[must_use]
    pub fn ec_p256_scalar(&self) -> Option<Zeroizing<[u8; 32]>> {
        match &self.0 {
            PrivateInner::EcP256(k) => {
                let mut out = Zeroizing::new([0u8; 32]);
                out.copy_from_slice(&k.to_bytes());
                Some(out)
            }
            PrivateInner::Rsa(_) => None,
        }
    }

    /// All members of an RSA key.
    #[must_use]
    pub fn rsa_components(&self) -> Option<RsaPrivateComponents> {
        match &self.0 {
            PrivateInner::Rsa(k) => rsa_private_components(k),
            PrivateInner::EcP256(_) => None,
        }
    }

    /// Prepare this key to sign with `scheme` on `backend` (do this once per key).
    ///
    /// # Errors
    /// [`CryptoError::WrongKeyType`], [`CryptoError::BackendUnavailable`] or
    /// [`CryptoError::BackendRejectedKey`].
    pub fn signer(&self, scheme: Scheme, backend: Backend) -> Result<Signer, CryptoError> {
        Signer::new(self, scheme, backend)
    }
}

fn rsa_private_components(k: &rsa::RsaPrivateKey) -> Option<RsaPrivateComponents> {
    let primes = k.primes();
    let (p, q) = match primes {
        [p, q] => (p, q),
        _ => return None,
    };
    let one = BigUint::from(1u8);
    let dp = k.d() % (p - &one);
    let dq = k.d() % (q - &one);
    let qi = k.crt_coefficient()?;
    Some(RsaPrivateComponents {
        n: k.n().to_bytes_be(),
        e: k.e().to_bytes_be(),
        d: Zeroizing::new(k.d().to_bytes_be()),
        p: Zeroizing::new(p.to_bytes_be()),
        q: Zeroizing::new(q.to_bytes_be()),
        dp: Zeroizing::new(dp.to_bytes_be()),
        dq: Zeroizing::new(dq.to_bytes_be()),
        qi: Zeroizing::new(qi.to_bytes_be()),
    })
}

impl PartialEq for PrivateKey {
    fn eq(&self, other: &Self) -> bool {
        // Compare through the public key and the canonical private encoding.
        self.public_key() == other.public_key()
            && self.ec_p256_scalar() == other.ec_p256_scalar()
            && self.rsa_components() == other.rsa_components()
    }
}

impl Eq for PrivateKey {}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            PrivateInner::EcP256(_) => f.write_str("PrivateKey(EC P-256, redacted)"),
            PrivateInner::Rsa(k) => write!(f, "PrivateKey(RSA {} bits, redacted)", k.n().bits()),
        }
    }
}
