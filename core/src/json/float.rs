//! A JSON number's text to the nearest `f64` (ties to even), as
//! `str::parse::<f64>` reads it, in about 2 KB of wasm code.
//!
//! Rust's reader (and serde_json's) finds the answer fast with a 10 KiB
//! table of 128-bit powers of five, which compresses badly: 12 KiB of the
//! browser package, for a case (a number with a fraction or an exponent)
//! that SET claims and OBIE bodies rarely hold. This one takes Clinger's
//! exact path when the digits and the power of ten are both exact as `f64`
//! (one rounding: `1.5`, `1700000000.25`, `3e10`), and otherwise computes
//! with big integers: the number times a power of ten, or divided by one,
//! then rounded once from the exact bits. Slower on long or extreme
//! numbers (microseconds), never wrong: `json::float` tests compare it with
//! `str::parse` bit for bit on hard cases, exact halfway points and random
//! numbers; the `float` fuzz target compares it with `str::parse` on
//! generated numbers (any digits, exponents at and past the edges), and
//! the `json` fuzz target the whole reader with serde_json's.

/// Significant digits kept; any non-zero digit after them is a sticky bit.
/// The exact decimal form of a halfway point between two `f64`s has at
/// most 767 significant digits, so no tie is decided by a dropped digit.
const MAX_DIGITS: usize = 800;

/// 10^0 to 10^22: every one exact as an `f64`.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// The `f64` nearest to `literal`, a number in JSON's grammar (which the
/// caller has checked, with an exponent within `i32`); `None` when it
/// rounds past `f64::MAX` (or, never from the reader, is not such text).
pub(crate) fn parse(literal: &[u8]) -> Option<f64> {
    let (negative, rest) = match literal.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, literal),
    };
    // The mantissa's digits end at the exponent, if any.
    let end = rest
        .iter()
        .position(|c| matches!(c, b'e' | b'E'))
        .unwrap_or(rest.len());
    let (mantissa, exp) = match rest.get(end + 1..) {
        Some(text) => (rest.get(..end)?, exponent(text)?),
        None => (rest, 0),
    };
    // First pass, nothing allocated: where the first significant digit is,
    // how many digits there are, and the first 15 as a number.
    let (mut int_len, mut index, mut first) = (0i64, 0i64, None);
    let (mut significant, mut value, mut in_fraction) = (0usize, 0u64, false);
    for &c in mantissa {
        match c {
            b'0'..=b'9' => {
                let d = c - b'0';
                if first.is_none() && d != 0 {
                    first = Some(index);
                }
                if first.is_some() {
                    significant += 1;
                    if significant <= 15 {
                        value = value * 10 + u64::from(d);
                    }
                }
                int_len += i64::from(!in_fraction);
                index += 1;
            }
            b'.' => in_fraction = true,
            _ => return None,
        }
    }
    let magnitude = match first {
        None => 0.0,
        Some(first) => {
            // The number is in [10^(point-1), 10^point).
            let point = int_len - first + exp;
            let e = point - significant as i64;
            if point > 309 {
                return None;
            } else if point < -323 {
                0.0 // below half the least subnormal
            } else if significant <= 15 && (-22..=22).contains(&e) {
                // Clinger: both operands exact (below 2^53, and a power
                // listed above), so the one operation rounds correctly.
                #[allow(clippy::cast_precision_loss)] // below 10^15: exact
                let d = value as f64;
                let p = POW10.get(e.unsigned_abs() as usize).copied()?;
                if e < 0 {
                    d / p
                } else {
                    d * p
                }
            } else {
                let mut digits = Vec::with_capacity(significant.min(MAX_DIGITS));
                let mut truncated = false;
                let all = mantissa.iter().filter(|c| c.is_ascii_digit());
                for &c in all.skip(usize::try_from(first).ok()?) {
                    if digits.len() < MAX_DIGITS {
                        digits.push(c - b'0');
                    } else {
                        truncated |= c != b'0';
                    }
                }
                while digits.last() == Some(&0) {
                    digits.pop();
                }
                magnitude(&digits, point - digits.len() as i64, truncated)?
            }
        }
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// An exponent's text (`+`/`-` and digits) as a number.
fn exponent(text: &[u8]) -> Option<i64> {
    let (negative, digits) = match text.split_first() {
        Some((b'-', d)) => (true, d),
        Some((b'+', d)) => (false, d),
        _ => (false, text),
    };
    let mut e = 0i64;
    for &c in digits {
        if !c.is_ascii_digit() || e > i64::from(i32::MAX) {
            return None;
        }
        e = e * 10 + i64::from(c - b'0');
    }
    Some(if negative { -e } else { e })
}

/// The nearest `f64` to `digits` x 10^`e` (plus a little more when
/// `truncated`), or `None` past `f64::MAX`.
fn magnitude(digits: &[u8], e: i64, truncated: bool) -> Option<f64> {
    let mut n = Big::from_digits(digits);
    if e >= 0 {
        n.mul_pow10(e.unsigned_abs());
        return round(&n, 0, truncated);
    }
    // n / 10^-e: shift one side so the quotient has 55 or 56 bits.
    let mut d = Big(vec![1]);
    d.mul_pow10(e.unsigned_abs());
    let k = d.bits() + 55 - n.bits();
    if k >= 0 {
        n.shl(k.unsigned_abs());
    } else {
        d.shl(k.unsigned_abs());
    }
    // The quotient from the top 64 bits of the divisor (rounded up) and the
    // same bits of the dividend: at most a few short, which the remainder
    // then corrects. Exact when the divisor has 64 bits or fewer.
    let s = (d.bits() - 64).max(0);
    let top = d.shr_u128(s);
    let mut quotient = (n.shr_u128(s) / (top + u128::from(s > 0))) as u64;
    let mut product = d.clone();
    product.mul_u64(quotient);
    n.sub(&product);
    while !n.less_than(&d) {
        n.sub(&d);
        quotient += 1;
    }
    round(&Big::from_u64(quotient), -k, truncated || !n.0.is_empty())
}

/// `n` x 2^`b`, plus a little more when `sticky`, rounded to the nearest
/// `f64` (ties to even), or `None` past `f64::MAX`.
fn round(n: &Big, b: i64, sticky: bool) -> Option<f64> {
    // Keep 53 bits, fewer where the result is subnormal (its last bit is
    // 2^-1074).
    let shift = (n.bits() - 53).max(-1074 - b);
    let (m, exp2) = if shift <= 0 {
        (n.low_u64() << shift.unsigned_abs(), b + shift)
    } else {
        let m = n.shr_u64(shift);
        let half = n.bit(shift - 1);
        let up = half && (sticky || n.any_below(shift - 1) || m & 1 == 1);
        (m + u64::from(up), b + shift)
    };
    // Rounding up may carry into a 54th bit.
    let (m, exp2) = if m >> 53 == 0 {
        (m, exp2)
    } else {
        (m >> 1, exp2 + 1)
    };
    if m >> 52 == 0 {
        return Some(f64::from_bits(m)); // subnormal (exp2 is -1074) or 0
    }
    let biased = u64::try_from(exp2 + 52 + 1023).ok()?;
    (biased < 2047).then(|| f64::from_bits(biased << 52 | (m & ((1 << 52) - 1))))
}

/// An unsigned integer of any size: 32-bit limbs, least significant first,
/// no zero limb at the top (zero is no limbs).
#[derive(Clone)]
struct Big(Vec<u32>);

impl Big {
    fn from_u64(v: u64) -> Big {
        let mut b = Big(vec![v as u32, (v >> 32) as u32]);
        b.trim();
        b
    }

    fn from_digits(digits: &[u8]) -> Big {
        let mut b = Big(Vec::new());
        for chunk in digits.chunks(9) {
            let (value, scale) = chunk
                .iter()
                .fold((0u32, 1u32), |(v, s), &d| (v * 10 + u32::from(d), s * 10));
            b.mul_add(scale, value);
        }
        b
    }

    fn trim(&mut self) {
        while self.0.last() == Some(&0) {
            self.0.pop();
        }
    }

    /// self x m + a.
    fn mul_add(&mut self, m: u32, a: u32) {
        let mut carry = u64::from(a);
        for limb in &mut self.0 {
            let t = u64::from(*limb) * u64::from(m) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        if carry != 0 {
            self.0.push(carry as u32);
        }
    }

    fn mul_pow10(&mut self, mut e: u64) {
        while e >= 9 {
            self.mul_add(1_000_000_000, 0);
            e -= 9;
        }
        self.mul_add(10u32.pow(e as u32), 0);
    }

    fn shl(&mut self, s: u64) {
        let bits = (s % 32) as u32;
        if bits != 0 {
            let mut carry = 0;
            for limb in &mut self.0 {
                let v = (*limb << bits) | carry;
                carry = *limb >> (32 - bits);
                *limb = v;
            }
            if carry != 0 {
                self.0.push(carry);
            }
        }
        let limbs = usize::try_from(s / 32).unwrap_or(usize::MAX);
        if !self.0.is_empty() && limbs > 0 {
            self.0.splice(0..0, std::iter::repeat_n(0, limbs));
        }
    }

    /// How many bits: the position of the highest one, plus one.
    fn bits(&self) -> i64 {
        self.0.last().map_or(0, |top| {
            (self.0.len() as i64 - 1) * 32 + i64::from(32 - top.leading_zeros())
        })
    }

    fn limb(&self, i: i64) -> u32 {
        usize::try_from(i)
            .ok()
            .and_then(|i| self.0.get(i))
            .copied()
            .unwrap_or(0)
    }

    fn bit(&self, i: i64) -> bool {
        self.limb(i / 32) >> (i % 32) & 1 == 1
    }

    /// Whether any bit below `i` is set.
    fn any_below(&self, i: i64) -> bool {
        let whole = usize::try_from(i / 32).unwrap_or(0);
        let part = self.limb(i / 32) & ((1u32 << (i % 32)) - 1);
        part != 0 || self.0.iter().take(whole).any(|&l| l != 0)
    }

    /// Bits `s` to `s + 63` (the caller keeps the rest below 2^64).
    fn shr_u64(&self, s: i64) -> u64 {
        self.shr_u128(s) as u64
    }

    /// Bits `s` to `s + 127` (the caller keeps the rest below 2^128).
    fn shr_u128(&self, s: i64) -> u128 {
        let (limb, bits) = (s / 32, (s % 32) as u32);
        let word = |k: i64| u128::from(self.limb(limb + k));
        let low = word(0) | word(1) << 32 | word(2) << 64 | word(3) << 96;
        if bits == 0 {
            low
        } else {
            low >> bits | word(4) << (128 - bits)
        }
    }

    /// self x m.
    fn mul_u64(&mut self, m: u64) {
        let mut carry = 0u128;
        for limb in &mut self.0 {
            let t = u128::from(*limb) * u128::from(m) + carry;
            *limb = t as u32;
            carry = t >> 32;
        }
        while carry != 0 {
            self.0.push(carry as u32);
            carry >>= 32;
        }
        self.trim();
    }

    fn low_u64(&self) -> u64 {
        u64::from(self.limb(0)) | u64::from(self.limb(1)) << 32
    }

    fn less_than(&self, other: &Big) -> bool {
        if self.0.len() != other.0.len() {
            return self.0.len() < other.0.len();
        }
        self.0.iter().rev().lt(other.0.iter().rev())
    }

    /// self - other, which is not larger.
    fn sub(&mut self, other: &Big) {
        let mut borrow = 0i64;
        for (i, limb) in self.0.iter_mut().enumerate() {
            let t = i64::from(*limb) - i64::from(other.0.get(i).copied().unwrap_or(0)) - borrow;
            borrow = i64::from(t < 0);
            *limb = (t + (borrow << 32)) as u32;
        }
        self.trim();
    }
}

#[cfg(test)]
mod tests {
    use super::parse;

    /// `parse` and `str::parse` agree bit for bit on `text` (and both see
    /// an overflow as one).
    fn same(text: &str) {
        let ours = parse(text.as_bytes());
        let std = text.parse::<f64>().ok().filter(|f| f.is_finite());
        assert_eq!(
            ours.map(f64::to_bits),
            std.map(f64::to_bits),
            "{text}: {ours:?} vs {std:?}"
        );
    }

    #[test]
    fn hard_cases() {
        for text in [
            "0", "-0", "0.0", "-0.0e5", "0e999999", "1", "1.5", "-2.5e-3", "0.1", "0.3",
            "123456789012345", "1234567890123456", "12345678901234567890",
            "9007199254740993", "9007199254740992.5", "9007199254740993.000000000001",
            "1e22", "1e23", "1e-22", "1e-23", "8.98846567431158e307", "1.7976931348623157e308",
            "1.7976931348623158e308", "1.7976931348623159e308", "1e308", "1e309", "2e308",
            "2.2250738585072011e-308", "2.2250738585072012e-308", "2.2250738585072014e-308",
            "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
            "5e-324", "3e-324", "1e-324", "1e-400", "7e-1000", "1e-99999", "-1e-99999",
            "0.000000000000000000000000000000001", "100000000000000000000000000000000000",
            "1.00000000000000011102230246251565404236316680908203125",
            "1.00000000000000011102230246251565404236316680908203124",
            "1.00000000000000011102230246251565404236316680908203126",
            "179769313486231570814527423731704356798070567525844996598917476803157260780028538760589558632766878171540458953514382464234321326889464182768467546703537516986049910576551282076245490090389328944075868508455133942304583236903222948165808559332123348274797826204144723168738177180919299881250404026184124858368",
            "0.1e1", "0.001e3", "1000e-3", "12.34e-1", "6.02214076e23", "1.602176634e-19",
            "1700000000.123", "1700000000123.456", "-1.7976931348623157e308", "4503599627370496.5",
            "4503599627370497.5", "1e-1074", "0.0000000000000000000000000000000000000000000000001e-270",
        ] {
            same(text);
        }
    }

    #[test]
    fn long_digit_strings() {
        // Past the digits kept: the rest decides only through the sticky bit.
        let ones = "1".repeat(900);
        same(&ones);
        same(&format!("0.{ones}"));
        same(&format!("{ones}e-1000"));
        same(&format!("{}e-300", "9".repeat(1000)));
        let half = "9007199254740993";
        same(&format!("{half}{}", "0".repeat(900)));
        same(&format!("{half}.{}1", "0".repeat(900)));
        same(&format!("{half}.{}", "0".repeat(900)));
        same(&format!("0.{}1", "0".repeat(400)));
    }

    /// The exact decimal expansion of `x` (Rust prints every digit asked
    /// for exactly), as digits and a scale of 1100 places after the point.
    fn exact(x: f64) -> Vec<u8> {
        let s = format!("{x:.1100}");
        s.bytes()
            .filter(u8::is_ascii_digit)
            .map(|b| b - b'0')
            .collect()
    }

    /// The decimal text of (a + b) / 2 for two exact expansions.
    fn midpoint(a: &[u8], b: &[u8]) -> String {
        let width = a.len().max(b.len()) + 1;
        let pad = |v: &[u8]| {
            let mut p = vec![0u8; width - v.len()];
            p.extend_from_slice(v);
            p
        };
        let (a, b) = (pad(a), pad(b));
        let mut carry = 0;
        let mut sum: Vec<u8> = a
            .iter()
            .zip(&b)
            .rev()
            .map(|(x, y)| {
                let t = x + y + carry;
                carry = t / 10;
                t % 10
            })
            .collect();
        sum.reverse();
        // Halve, with one more place for the final 5.
        let mut out = Vec::with_capacity(width + 1);
        let mut rem = 0;
        for d in sum.into_iter().chain([0]) {
            let t = rem * 10 + d;
            out.push(b'0' + t / 2);
            rem = t % 2;
        }
        let places = 1101;
        let (int, frac) = out.split_at(out.len() - places);
        format!(
            "{}.{}",
            String::from_utf8_lossy(int),
            String::from_utf8_lossy(frac)
        )
    }

    #[test]
    fn halfway_points_and_random_numbers() {
        // xorshift: the same numbers every run.
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..3000 {
            let bits = next() & !(1 << 63);
            let x = f64::from_bits(bits);
            if !x.is_finite() {
                continue;
            }
            same(&format!("{x:e}"));
            same(&format!("{x:.25e}"));
            same(&format!("{:e}", -x));
            if round % 10 == 0 {
                let up = f64::from_bits(bits + 1);
                if up.is_finite() {
                    let mid = midpoint(&exact(x), &exact(up));
                    same(&mid);
                    same(&format!("{mid}1"));
                    let below = mid.trim_end_matches('0');
                    let below = &below[..below.len() - 1];
                    same(&format!("{below}4999"));
                }
            }
        }
        // Integers near 2^53 and 2^64, and short decimals with exponents.
        for _ in 0..3000 {
            let v = next();
            same(&(v >> 10).to_string());
            same(&format!(
                "{}.{}e{}",
                v % 1000,
                v % 97,
                (v % 700) as i64 - 350
            ));
        }
    }
}
