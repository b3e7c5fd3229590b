//! Whether a JWK's `x`, `y` name a point on P-256, without the `p256`
//! crate: the build without the portable backend still refuses a bad point
//! with [`super::CryptoError::InvalidEcPoint`] when the key is parsed, as
//! the portable build does.
//!
//! The check is `y^2 = x^3 - 3x + b (mod p)` with `x, y < p`, in Montgomery
//! form over four 64-bit limbs. Public inputs only, so it need not be
//! constant-time.

type Limbs = [u64; 4];

/// p = 2^256 - 2^224 + 2^192 + 2^96 - 1, least significant limb first.
const P: Limbs = [
    0xffff_ffff_ffff_ffff,
    0x0000_0000_ffff_ffff,
    0x0000_0000_0000_0000,
    0xffff_ffff_0000_0001,
];

/// The curve's `b`, big-endian.
const B: [u8; 32] = [
    0x5a, 0xc6, 0x35, 0xd8, 0xaa, 0x3a, 0x93, 0xe7, 0xb3, 0xeb, 0xbd, 0x55, 0x76, 0x98, 0x86, 0xbc,
    0x65, 0x1d, 0x06, 0xb0, 0xcc, 0x53, 0xb0, 0xf6, 0x3b, 0xce, 0x3c, 0x3e, 0x27, 0xd2, 0x60, 0x4b,
];

fn limbs(bytes: &[u8; 32]) -> Limbs {
    let mut out = [0u64; 4];
    for (limb, chunk) in out.iter_mut().rev().zip(bytes.chunks_exact(8)) {
        *limb = chunk.iter().fold(0u64, |v, b| (v << 8) | u64::from(*b));
    }
    out
}

/// `a < p`.
fn below_p(a: &Limbs) -> bool {
    for (x, p) in a.iter().rev().zip(P.iter().rev()) {
        if x != p {
            return x < p;
        }
    }
    false
}

/// `a - b` and the borrow out.
fn sub(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u64; 4];
    let mut borrow = false;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (d1, b1) = x.overflowing_sub(*y);
        let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
        *o = d2;
        borrow = b1 || b2;
    }
    (out, borrow)
}

/// `a + b` and the carry out.
fn add(a: &Limbs, b: &Limbs) -> (Limbs, bool) {
    let mut out = [0u64; 4];
    let mut carry = false;
    for ((o, x), y) in out.iter_mut().zip(a).zip(b) {
        let (s1, c1) = x.overflowing_add(*y);
        let (s2, c2) = s1.overflowing_add(u64::from(carry));
        *o = s2;
        carry = c1 || c2;
    }
    (out, carry)
}

/// `a + b`, both below p, reduced below p.
fn add_mod(a: &Limbs, b: &Limbs) -> Limbs {
    let (sum, carry) = add(a, b);
    let (reduced, borrow) = sub(&sum, &P);
    if carry || !borrow {
        reduced
    } else {
        sum
    }
}

/// `a - b` modulo p, both below p.
fn sub_mod(a: &Limbs, b: &Limbs) -> Limbs {
    let (diff, borrow) = sub(a, b);
    if borrow {
        // Wrapped below zero: adding p back wraps past 2^256 exactly once.
        add(&diff, &P).0
    } else {
        diff
    }
}

/// Montgomery product `a b 2^-256 mod p` (CIOS; `-p^-1 mod 2^64` is 1 since
/// p's low limb is all ones).
fn mont_mul(a: &Limbs, b: &Limbs) -> Limbs {
    // t holds four limbs plus two carry limbs.
    let mut t = [0u64; 6];
    for bi in b {
        let mut carry = 0u128;
        for (tj, aj) in t.iter_mut().zip(a) {
            let s = u128::from(*tj) + u128::from(*aj) * u128::from(*bi) + carry;
            *tj = s as u64;
            carry = s >> 64;
        }
        let [t0, t1, t2, t3, t4, t5] = t;
        let s = u128::from(t4) + carry;
        let (t4, t5) = (s as u64, t5 + (s >> 64) as u64);
        let m = u128::from(t0);
        let mut carry = (u128::from(t0) + m * u128::from(P[0])) >> 64;
        let mut shifted = [0u64; 4];
        for ((out, tj), pj) in shifted.iter_mut().zip([t1, t2, t3]).zip(&P[1..]) {
            let s = u128::from(tj) + m * u128::from(*pj) + carry;
            *out = s as u64;
            carry = s >> 64;
        }
        let s = u128::from(t4) + carry;
        let [s0, s1, s2, _] = shifted;
        t = [s0, s1, s2, s as u64, t5 + (s >> 64) as u64, 0];
    }
    let [t0, t1, t2, t3, t4, _] = t;
    let value = [t0, t1, t2, t3];
    let (reduced, borrow) = sub(&value, &P);
    if t4 != 0 || !borrow {
        reduced
    } else {
        value
    }
}

/// Whether `(x, y)` (big-endian coordinates) is a point on P-256.
#[allow(clippy::cast_possible_truncation)] // u128 -> u64 keeps the low limb on purpose
pub(super) fn on_p256(x: &[u8; 32], y: &[u8; 32]) -> bool {
    let (x, y, b) = (limbs(x), limbs(y), limbs(&B));
    if !below_p(&x) || !below_p(&y) {
        return false;
    }
    // R = 2^256 mod p = 2^256 - p; R^2 mod p by doubling R 256 times.
    let (mut r2, _) = sub(&[0; 4], &P);
    for _ in 0..256 {
        r2 = add_mod(&r2, &r2);
    }
    let (xm, ym, bm) = (mont_mul(&x, &r2), mont_mul(&y, &r2), mont_mul(&b, &r2));
    let lhs = mont_mul(&ym, &ym);
    let x3 = mont_mul(&mont_mul(&xm, &xm), &xm);
    let three_x = add_mod(&add_mod(&xm, &xm), &xm);
    let rhs = add_mod(&sub_mod(&x3, &three_x), &bm);
    lhs == rhs
}

#[cfg(all(test, feature = "portable"))]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::on_p256;
    use crate::crypto::PrivateKey;

    /// Agrees with the `p256` crate on real points and on every one-bit
    /// change of them, and refuses coordinates at or above p.
    #[test]
    fn agrees_with_p256_on_points_and_near_misses() {
        for seed in 1u8..=24 {
            let key = PrivateKey::from_ec_p256_scalar(&[seed; 32]).unwrap();
            let (x, y) = key.public_key().ec_p256_coordinates().unwrap();
            assert!(on_p256(&x, &y), "seed {seed}");
            for bit in [0usize, 7, 100, 255] {
                let mut bad = y;
                bad[bit / 8] ^= 1 << (bit % 8);
                let p256_says =
                    crate::crypto::PublicKey::from_ec_p256_coordinates(&x, &bad).is_ok();
                assert_eq!(on_p256(&x, &bad), p256_says, "seed {seed} bit {bit}");
                assert!(!p256_says);
            }
        }
        let p = [
            0xff, 0xff, 0xff, 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
            0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        ];
        assert!(!on_p256(&p, &[0; 32]));
        assert!(!on_p256(&[0; 32], &p));
        assert!(!on_p256(&[0; 32], &[0; 32]));
    }
}
