//! Backend-independent, validated key material.

use core::fmt;

#[cfg(feature = "portable")]
use p256::elliptic_curve::point::AffineCoordinates as _;
#[cfg(feature = "portable")]
use rsa::traits::{PrivateKeyParts as _, PublicKeyParts as _};
#[cfg(feature = "portable")]
use rsa::BigUint;
use zeroize::Zeroizing;

use super::{Backend, CryptoError, Scheme, Signer, Verifier};

/// Smallest RSA modulus accepted, bits (RFC 7518 §3.5: "A key of size 2048
/// bits or larger MUST be used").
pub const MIN_RSA_BITS: usize = 2048;
/// Largest RSA modulus accepted, bits (the native backend's PSS limit).
pub const MAX_RSA_BITS: usize = 8192;

/// Largest RSA public exponent accepted (2^33 - 1, the portable backend's limit).
const MAX_RSA_EXPONENT: u64 = (1 << 33) - 1;

/// Draws of 32 bytes [`PrivateKey::generate_ec_p256`] makes before it calls
/// the generator broken.
#[cfg(feature = "portable")]
const EC_KEYGEN_DRAWS: usize = 64;

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

#[cfg(feature = "portable")]
#[derive(Clone, PartialEq, Eq)]
pub(super) enum PublicInner {
    EcP256(p256::PublicKey),
    Rsa(rsa::RsaPublicKey),
}

/// Without the portable backend: the checked coordinates, modulus and
/// exponent as bytes (the platform imports them).
#[cfg(not(feature = "portable"))]
#[derive(Clone, PartialEq, Eq)]
pub(super) enum PublicInner {
    EcP256([u8; 32], [u8; 32]),
    Rsa(Vec<u8>, Vec<u8>),
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

/// The size in bits of a minimal big-endian unsigned integer.
fn bits_of(n: &[u8]) -> usize {
    n.first()
        .map_or(0, |b| n.len() * 8 - b.leading_zeros() as usize)
}

/// The public RSA rules, on the bytes: an odd minimal modulus of
/// [`MIN_RSA_BITS`]..=[`MAX_RSA_BITS`] bits, an odd minimal exponent in
/// `3..=2^33 - 1`.
fn check_rsa_public(n: &[u8], e: &[u8]) -> Result<(), CryptoError> {
    if !minimal(n) || n.last().is_some_and(|b| b & 1 == 0) {
        return Err(CryptoError::InvalidRsaModulus);
    }
    rsa_bits_ok(bits_of(n))?;
    if !minimal(e) || e.len() > 5 || e.last().is_some_and(|b| b & 1 == 0) {
        return Err(CryptoError::InvalidRsaExponent);
    }
    let value = e.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
    if !(3..=MAX_RSA_EXPONENT).contains(&value) {
        return Err(CryptoError::InvalidRsaExponent);
    }
    Ok(())
}

impl PublicKey {
    /// A P-256 public key from its affine coordinates (32 bytes each, as in
    /// the JWK `x` and `y` members, RFC 7518 §6.2.1).
    ///
    /// # Errors
    /// [`CryptoError::InvalidEcPoint`] for a wrong length or a point not on the curve.
    pub fn from_ec_p256_coordinates(x: &[u8], y: &[u8]) -> Result<Self, CryptoError> {
        #[cfg(not(feature = "portable"))]
        {
            let x = <[u8; 32]>::try_from(x).map_err(|_| CryptoError::InvalidEcPoint)?;
            let y = <[u8; 32]>::try_from(y).map_err(|_| CryptoError::InvalidEcPoint)?;
            if !super::curve::on_p256(&x, &y) {
                return Err(CryptoError::InvalidEcPoint);
            }
            Ok(PublicKey(PublicInner::EcP256(x, y)))
        }
        #[cfg(feature = "portable")]
        {
            let x = p256::FieldBytes::try_from(x).map_err(|_| CryptoError::InvalidEcPoint)?;
            let y = p256::FieldBytes::try_from(y).map_err(|_| CryptoError::InvalidEcPoint)?;
            // Coordinates below p satisfying the curve equation; built directly
            // rather than through SEC1 decoding, which would also bring in point
            // decompression (a square root) that JWK keys never need.
            let point =
                Option::<p256::AffinePoint>::from(p256::AffinePoint::from_coordinates(&x, &y))
                    .ok_or(CryptoError::InvalidEcPoint)?;
            let key =
                p256::PublicKey::from_affine(point).map_err(|_| CryptoError::InvalidEcPoint)?;
            Ok(PublicKey(PublicInner::EcP256(key)))
        }
    }

    /// An RSA public key from its modulus and exponent (unsigned big-endian,
    /// minimal length, as in the JWK `n` and `e` members, RFC 7518 §6.3.1).
    ///
    /// # Errors
    /// When the modulus is too small, too large, even or non-minimal, or the
    /// exponent is not an odd number in `3..2^33`.
    pub fn from_rsa_components(n: &[u8], e: &[u8]) -> Result<Self, CryptoError> {
        check_rsa_public(n, e)?;
        #[cfg(feature = "portable")]
        {
            let key = rsa::RsaPublicKey::new_with_max_size(big(n), big(e), MAX_RSA_BITS)
                .map_err(|_| CryptoError::InvalidRsaModulus)?;
            Ok(PublicKey(PublicInner::Rsa(key)))
        }
        #[cfg(not(feature = "portable"))]
        Ok(PublicKey(PublicInner::Rsa(n.to_vec(), e.to_vec())))
    }

    /// The key type.
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        match &self.0 {
            PublicInner::EcP256(..) => KeyType::EcP256,
            PublicInner::Rsa(..) => KeyType::Rsa,
        }
    }

    /// The affine coordinates of an EC key.
    #[must_use]
    pub fn ec_p256_coordinates(&self) -> Option<([u8; 32], [u8; 32])> {
        match &self.0 {
            #[cfg(feature = "portable")]
            PublicInner::EcP256(k) => Some(ec_coordinates(k)),
            #[cfg(not(feature = "portable"))]
            PublicInner::EcP256(x, y) => Some((*x, *y)),
            PublicInner::Rsa(..) => None,
        }
    }

    /// The 65-byte uncompressed SEC1 encoding of an EC key.
    #[cfg_attr(not(feature = "native"), allow(dead_code))]
    pub(super) fn ec_sec1_uncompressed(&self) -> Option<Vec<u8>> {
        let (x, y) = self.ec_p256_coordinates()?;
        let mut sec1 = Vec::with_capacity(65);
        sec1.push(4u8);
        sec1.extend_from_slice(&x);
        sec1.extend_from_slice(&y);
        Some(sec1)
    }

    /// `(n, e)` of an RSA key, unsigned big-endian, minimal length.
    #[must_use]
    pub fn rsa_components(&self) -> Option<(Vec<u8>, Vec<u8>)> {
        match &self.0 {
            #[cfg(feature = "portable")]
            PublicInner::Rsa(k) => Some((k.n().to_bytes_be(), k.e().to_bytes_be())),
            #[cfg(not(feature = "portable"))]
            PublicInner::Rsa(n, e) => Some((n.clone(), e.clone())),
            PublicInner::EcP256(..) => None,
        }
    }

    /// The modulus size of an RSA key, bits.
    #[must_use]
    pub fn rsa_bits(&self) -> Option<usize> {
        match &self.0 {
            #[cfg(feature = "portable")]
            PublicInner::Rsa(k) => Some(k.n().bits()),
            #[cfg(not(feature = "portable"))]
            PublicInner::Rsa(n, _) => Some(bits_of(n)),
            PublicInner::EcP256(..) => None,
        }
    }

    pub(super) fn rsa_modulus_len(&self) -> Option<usize> {
        self.rsa_bits().map(|bits| bits.div_ceil(8))
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
        match self.rsa_bits() {
            None => f.write_str("PublicKey(EC P-256)"),
            Some(bits) => write!(f, "PublicKey(RSA {bits} bits)"),
        }
    }
}

#[cfg(feature = "portable")]
#[derive(Clone)]
pub(super) enum PrivateInner {
    EcP256(p256::SecretKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

/// Without the portable backend: the checked members as bytes, with the
/// public key they came with (the platform checks that they belong together
/// when it imports them).
#[cfg(not(feature = "portable"))]
#[derive(Clone)]
pub(super) enum PrivateInner {
    EcP256(Zeroizing<[u8; 32]>, PublicKey),
    Rsa(Box<RsaPrivateComponents>),
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

#[cfg(feature = "portable")]
fn ec_coordinates(k: &p256::PublicKey) -> ([u8; 32], [u8; 32]) {
    let point = k.as_affine();
    (point.x().into(), point.y().into())
}

#[cfg(feature = "portable")]
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
    ///
    /// Without the `portable` feature the public key cannot be derived:
    /// [`CryptoError::BackendUnavailable`] (use [`PrivateKey::from_ec_p256_parts`]).
    pub fn from_ec_p256_scalar(d: &[u8]) -> Result<Self, CryptoError> {
        let d = ec_scalar(d)?;
        #[cfg(feature = "portable")]
        {
            let key = p256::SecretKey::from_slice(d.as_slice())
                .map_err(|_| CryptoError::InvalidEcScalar)?;
            Ok(PrivateKey(PrivateInner::EcP256(key)))
        }
        #[cfg(not(feature = "portable"))]
        {
            drop(d);
            Err(CryptoError::BackendUnavailable(Backend::Portable))
        }
    }

    /// A P-256 private key from its scalar `d` and the public key it comes
    /// with (a JWK's `d`, `x`, `y`).
    ///
    /// # Errors
    /// [`CryptoError::InvalidEcScalar`]; [`CryptoError::KeyMismatch`] when
    /// `d` does not belong to `public` (with the `portable` feature; without
    /// it the platform checks the pair when it imports the key).
    pub fn from_ec_p256_parts(d: &[u8], public: &PublicKey) -> Result<Self, CryptoError> {
        if public.key_type() != KeyType::EcP256 {
            return Err(CryptoError::KeyMismatch);
        }
        #[cfg(feature = "portable")]
        {
            let private = Self::from_ec_p256_scalar(d)?;
            if private.public_key() != *public {
                return Err(CryptoError::KeyMismatch);
            }
            Ok(private)
        }
        #[cfg(not(feature = "portable"))]
        Ok(PrivateKey(PrivateInner::EcP256(
            ec_scalar(d)?,
            public.clone(),
        )))
    }

    /// A two-prime RSA private key from all of its RFC 7518 §6.3.2 members;
    /// with the `portable` feature every member is checked for consistency
    /// (without it, only sizes and encodings here; the platform checks the
    /// rest when it imports the key) (`n = p q`, `d e = 1` mod
    /// `p - 1` and `q - 1`, and `dp`, `dq`, `qi` as derived).
    ///
    /// # Errors
    /// The public checks of [`PublicKey::from_rsa_components`], then
    /// [`CryptoError::InconsistentRsaKey`].
    pub fn from_rsa_components(c: &RsaPrivateComponents) -> Result<Self, CryptoError> {
        check_rsa_public(&c.n, &c.e)?;
        for part in [&c.d, &c.p, &c.q, &c.dp, &c.dq, &c.qi] {
            if !minimal(part) {
                return Err(CryptoError::InconsistentRsaKey);
            }
        }
        if c.p == c.q || c.d.len() > c.n.len() || c.p.len() + c.q.len() < c.n.len() {
            return Err(CryptoError::InconsistentRsaKey);
        }
        #[cfg(not(feature = "portable"))]
        return Ok(PrivateKey(PrivateInner::Rsa(Box::new(c.clone()))));
        #[cfg(feature = "portable")]
        {
            let (p, q) = (big(&c.p), big(&c.q));
            let key =
                rsa::RsaPrivateKey::from_components(big(&c.n), big(&c.e), big(&c.d), vec![p, q])
                    .map_err(|_| CryptoError::InconsistentRsaKey)?;
            let derived = rsa_private_components(&key).ok_or(CryptoError::InconsistentRsaKey)?;
            if derived.dp != c.dp || derived.dq != c.dq || derived.qi != c.qi {
                return Err(CryptoError::InconsistentRsaKey);
            }
            Ok(PrivateKey(PrivateInner::Rsa(Box::new(key))))
        }
    }

    /// A private key from PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), EC
    /// P-256 or RSA.
    ///
    /// # Errors
    /// [`CryptoError::InvalidPem`], or the RSA size/exponent checks.
    pub fn from_pkcs8_pem(pem: &str) -> Result<Self, CryptoError> {
        #[cfg(not(feature = "portable"))]
        return {
            let _ = pem;
            Err(CryptoError::BackendUnavailable(Backend::Portable))
        };
        #[cfg(feature = "portable")]
        {
            // p256 and rsa depend on different pkcs8 releases: one trait each.
            {
                use p256::pkcs8::DecodePrivateKey as _;
                if let Ok(key) = p256::SecretKey::from_pkcs8_pem(pem) {
                    return Ok(PrivateKey(PrivateInner::EcP256(key)));
                }
            }
            use rsa::pkcs8::DecodePrivateKey as _;
            let key =
                rsa::RsaPrivateKey::from_pkcs8_pem(pem).map_err(|_| CryptoError::InvalidPem)?;
            let c = rsa_private_components(&key).ok_or(CryptoError::InvalidPem)?;
            // Re-import through the strict path so every rule applies.
            Self::from_rsa_components(&c)
        }
    }

    /// The key as PKCS#8 PEM.
    ///
    /// # Errors
    /// [`CryptoError::SigningFailed`] never in practice (encoding failure).
    pub fn to_pkcs8_pem(&self) -> Result<Zeroizing<String>, CryptoError> {
        #[cfg(not(feature = "portable"))]
        return Err(CryptoError::BackendUnavailable(Backend::Portable));
        #[cfg(feature = "portable")]
        {
            // p256 and rsa depend on different pkcs8 releases: one trait each.
            match &self.0 {
                PrivateInner::EcP256(k) => {
                    use p256::pkcs8::{EncodePrivateKey as _, LineEnding};
                    k.to_pkcs8_pem(LineEnding::LF)
                        .map_err(|_| CryptoError::InvalidPem)
                }
                PrivateInner::Rsa(k) => {
                    use rsa::pkcs8::{EncodePrivateKey as _, LineEnding};
                    k.to_pkcs8_pem(LineEnding::LF)
                        .map_err(|_| CryptoError::InvalidPem)
                }
            }
        }
    }

    /// A fresh P-256 key from the caller's random generator.
    ///
    /// # Errors
    /// [`CryptoError::KeyGenerationFailed`] when 64 draws in a row are out of
    /// range (a broken generator, e.g. stuck at zero).
    pub fn generate_ec_p256(rng: &mut impl rand_core::CryptoRngCore) -> Result<Self, CryptoError> {
        #[cfg(not(feature = "portable"))]
        return {
            let _ = rng;
            Err(CryptoError::BackendUnavailable(Backend::Portable))
        };
        #[cfg(feature = "portable")]
        {
            // Rejection sampling: 32 bytes at a time until they encode a scalar
            // in 1..n (the draws p256 0.13's `SecretKey::random` made, so a given
            // generator stream still yields the same key). A draw fails with
            // probability about 2^-32, so EC_KEYGEN_DRAWS failures in a row mean
            // a broken generator (stuck at zero, say): that is an error, never a
            // key derived from its output, which would be predictable.
            let mut bytes = Zeroizing::new([0u8; 32]);
            for _ in 0..EC_KEYGEN_DRAWS {
                rng.fill_bytes(bytes.as_mut_slice());
                if let Ok(key) = p256::SecretKey::from_slice(bytes.as_slice()) {
                    return Ok(PrivateKey(PrivateInner::EcP256(key)));
                }
            }
            Err(CryptoError::KeyGenerationFailed)
        }
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
        #[cfg(not(feature = "portable"))]
        return {
            let _ = rng;
            Err(CryptoError::BackendUnavailable(Backend::Portable))
        };
        #[cfg(feature = "portable")]
        {
            let key =
                rsa::RsaPrivateKey::new(rng, bits).map_err(|_| CryptoError::KeyGenerationFailed)?;
            if key.n().bits() != bits {
                return Err(CryptoError::KeyGenerationFailed);
            }
            Ok(PrivateKey(PrivateInner::Rsa(Box::new(key))))
        }
    }

    /// The key type.
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        match &self.0 {
            PrivateInner::EcP256(..) => KeyType::EcP256,
            PrivateInner::Rsa(..) => KeyType::Rsa,
        }
    }

    /// The matching public key.
    #[must_use]
    pub fn public_key(&self) -> PublicKey {
        match &self.0 {
            #[cfg(feature = "portable")]
            PrivateInner::EcP256(k) => PublicKey(PublicInner::EcP256(k.public_key())),
            #[cfg(feature = "portable")]
            PrivateInner::Rsa(k) => PublicKey(PublicInner::Rsa(k.to_public_key())),
            #[cfg(not(feature = "portable"))]
            PrivateInner::EcP256(_, public) => public.clone(),
            #[cfg(not(feature = "portable"))]
            PrivateInner::Rsa(c) => PublicKey(PublicInner::Rsa(c.n.clone(), c.e.clone())),
        }
    }

    /// The 32-byte scalar of an EC key.
    #[must_use]
    pub fn ec_p256_scalar(&self) -> Option<Zeroizing<[u8; 32]>> {
        match &self.0 {
            #[cfg(feature = "portable")]
            PrivateInner::EcP256(k) => {
                let mut out = Zeroizing::new([0u8; 32]);
                out.copy_from_slice(&k.to_bytes());
                Some(out)
            }
            #[cfg(not(feature = "portable"))]
            PrivateInner::EcP256(d, _) => Some(d.clone()),
            PrivateInner::Rsa(..) => None,
        }
    }

    /// All members of an RSA key.
    #[must_use]
    pub fn rsa_components(&self) -> Option<RsaPrivateComponents> {
        match &self.0 {
            #[cfg(feature = "portable")]
            PrivateInner::Rsa(k) => rsa_private_components(k),
            #[cfg(not(feature = "portable"))]
            PrivateInner::Rsa(c) => Some(c.as_ref().clone()),
            PrivateInner::EcP256(..) => None,
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

/// A P-256 scalar: 32 bytes encoding a number in `1..n`.
fn ec_scalar(d: &[u8]) -> Result<Zeroizing<[u8; 32]>, CryptoError> {
    /// The order of the P-256 group.
    const ORDER: [u8; 32] = [
        0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63,
        0x25, 0x51,
    ];
    let d = Zeroizing::new(<[u8; 32]>::try_from(d).map_err(|_| CryptoError::InvalidEcScalar)?);
    if d.iter().all(|b| *b == 0) || d.as_slice() >= ORDER.as_slice() {
        return Err(CryptoError::InvalidEcScalar);
    }
    Ok(d)
}

#[cfg(feature = "portable")]
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
        match self.public_key().rsa_bits() {
            None => f.write_str("PrivateKey(EC P-256, redacted)"),
            Some(bits) => write!(f, "PrivateKey(RSA {bits} bits, redacted)"),
        }
    }
}

#[cfg(all(test, feature = "portable"))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// Hands out scripted 32-byte blocks, then repeats the last one.
    struct Script(Vec<[u8; 32]>, usize);

    impl rand_core::RngCore for Script {
        fn next_u32(&mut self) -> u32 {
            rand_core::impls::next_u32_via_fill(self)
        }
        fn next_u64(&mut self) -> u64 {
            rand_core::impls::next_u64_via_fill(self)
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            assert_eq!(dest.len(), 32, "one scalar per draw");
            let i = self.1.min(self.0.len() - 1);
            dest.copy_from_slice(&self.0[i]);
            self.1 += 1;
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    impl rand_core::CryptoRng for Script {}

    const P: &str = "ffffffff00000001000000000000000000000000ffffffffffffffffffffffff";
    const N: &str = "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551";
    const B: &str = "5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604b";

    fn hex32(s: &str) -> [u8; 32] {
        let mut out = [0u8; 32];
        for (i, b) in out.iter_mut().enumerate() {
            *b = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).unwrap();
        }
        out
    }

    #[test]
    fn ec_keygen_rejects_out_of_range_draws_and_takes_the_next() {
        let mut rng = Script(vec![[0xff; 32], hex32(N), [0; 32], [7; 32]], 0);
        let key = PrivateKey::generate_ec_p256(&mut rng).unwrap();
        assert_eq!(*key.ec_p256_scalar().unwrap(), [7u8; 32]);
        assert_eq!(rng.1, 4, "three rejected draws, then the accepted one");
    }

    #[test]
    fn ec_keygen_from_a_stuck_generator_fails_instead_of_making_a_weak_key() {
        for stuck in [[0xffu8; 32], [0u8; 32], hex32(N)] {
            let mut rng = Script(vec![stuck], 0);
            assert_eq!(
                PrivateKey::generate_ec_p256(&mut rng),
                Err(CryptoError::KeyGenerationFailed)
            );
            assert_eq!(rng.1, EC_KEYGEN_DRAWS, "bounded: no endless loop");
        }
        // One good draw just before the limit still counts.
        let mut draws = vec![[0u8; 32]; EC_KEYGEN_DRAWS - 1];
        draws.push([9; 32]);
        let mut rng = Script(draws, 0);
        let key = PrivateKey::generate_ec_p256(&mut rng).unwrap();
        assert_eq!(*key.ec_p256_scalar().unwrap(), [9u8; 32]);
    }

    #[test]
    fn ec_coordinates_round_trip_and_refuse_bad_points() {
        let key = PrivateKey::from_ec_p256_scalar(&[7u8; 32])
            .unwrap()
            .public_key();
        let (x, y) = key.ec_p256_coordinates().unwrap();
        assert_eq!(PublicKey::from_ec_p256_coordinates(&x, &y).unwrap(), key);
        let sec1 = key.ec_sec1_uncompressed().unwrap();
        assert_eq!((sec1.len(), sec1[0]), (65, 4));
        assert_eq!((&sec1[1..33], &sec1[33..]), (&x[..], &y[..]));

        let bad = |x: &[u8], y: &[u8]| PublicKey::from_ec_p256_coordinates(x, y).unwrap_err();
        let mut off_curve = y;
        off_curve[31] ^= 1;
        assert_eq!(bad(&x, &off_curve), CryptoError::InvalidEcPoint);
        assert_eq!(bad(&x[1..], &y), CryptoError::InvalidEcPoint);
        assert_eq!(
            bad(&x, &[y.as_slice(), &[0]].concat()),
            CryptoError::InvalidEcPoint
        );
        // A point with a small x, so that x + p (the same x modulo p, but
        // not canonical) still fits in 32 bytes: p = 3 mod 4, so a square
        // root of a is a^((p + 1) / 4) when a is a square.
        let (p, b) = (
            BigUint::from_bytes_be(&hex32(P)),
            BigUint::from_bytes_be(&hex32(B)),
        );
        let be32 = |v: &BigUint| {
            let mut out = [0u8; 32];
            let bytes = v.to_bytes_be();
            out[32 - bytes.len()..].copy_from_slice(&bytes);
            out
        };
        let (x, y) = (1u32..)
            .map(BigUint::from)
            .find_map(|x| {
                let rhs = (&x * &x * &x + &p * 3u8 - &x * 3u8 + &b) % &p;
                let y = rhs.modpow(&((&p + 1u8) >> 2), &p);
                (&y * &y % &p == rhs).then_some((x, y))
            })
            .unwrap();
        let (x_plus_p, y) = (be32(&(&x + &p)), be32(&y));
        PublicKey::from_ec_p256_coordinates(&be32(&x), &y).unwrap();
        assert_eq!(bad(&x_plus_p, &y), CryptoError::InvalidEcPoint);
        assert_eq!(bad(&hex32(P), &y), CryptoError::InvalidEcPoint);
    }
}
