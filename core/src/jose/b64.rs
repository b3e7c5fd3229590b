//! Strict base64url without padding (RFC 7515 §2 "Base64url Encoding"):
//! no `=`, no whitespace, no `+`/`/`, no non-zero trailing bits.
//!
//! Two decoders that accept exactly the same texts (a test holds them
//! together, and both to the `base64` crate's strict engine):
//!
//! - [`decode_secret`], `base64ct`: constant time with respect to the data
//!   (no table look-ups indexed by the bytes, no data-dependent branches).
//!   JWK private-key material (`d`, the RSA primes, exponents and
//!   coefficient) is decoded with it.
//! - [`decode`], a lookup table, four characters to three bytes: for public
//!   data only (every token part, public key members). It is on the
//!   verification path of every token, where `base64ct` measured 4% (ES256)
//!   to 10% (PS256) more instructions for a whole native `verify_set`
//!   (figures in the README), so the table decoder stays for what is public.
//!
//! Encoding uses `base64ct` (constant time; signing is dominated by the
//! signature itself).

use base64ct::{Base64UrlUnpadded, Encoding as _};

/// Encode bytes as base64url without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decode secret material (constant time); `None` on any deviation.
pub(crate) fn decode_secret(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

/// Set in the table entries of bytes outside the alphabet.
const INVALID: u32 = 1 << 31;

/// Sextet value of each byte of the base64url alphabet, shifted left by
/// `shift` bits; [`INVALID`] for any other byte. With one table per position
/// in a group of four characters, a group decodes with four look-ups and
/// three ORs, and one test of the OR of all groups finds any bad byte.
const fn table(shift: u32) -> [u32; 256] {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [INVALID; 256];
    let mut i = 0;
    // Evaluated at compile time: an out-of-range index would fail the build.
    #[allow(clippy::indexing_slicing)]
    while i < 64 {
        table[ALPHABET[i] as usize] = (i as u32) << shift;
        i += 1;
    }
    table
}

const FIRST: [u32; 256] = table(18);
const SECOND: [u32; 256] = table(12);
const THIRD: [u32; 256] = table(6);
const FOURTH: [u32; 256] = table(0);

fn look(table: &[u32; 256], c: u8) -> u32 {
    table.get(usize::from(c)).copied().unwrap_or(INVALID)
}

/// Decode public data (not constant time: the table look-ups are indexed
/// by the input); `None` on any deviation.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    let input = text.as_bytes();
    let quads = input.chunks_exact(4);
    let tail = quads.remainder();
    let tail_bytes = match tail.len() {
        0 => 0,
        2 => 1,
        3 => 2,
        // One leftover character carries only six bits: not a whole byte.
        _ => return None,
    };
    let full = input.len() / 4 * 3;
    let mut out = vec![0u8; full + tail_bytes];
    let (body, rest) = out.split_at_mut_checked(full)?;

    // OR of every group: one test at the end instead of one per character.
    let mut seen = 0u32;
    for (quad, bytes) in quads.zip(body.chunks_exact_mut(3)) {
        let (&[a, b, c, d], [x, y, z]) = (quad, bytes) else {
            return None;
        };
        let n = look(&FIRST, a) | look(&SECOND, b) | look(&THIRD, c) | look(&FOURTH, d);
        seen |= n;
        let [_, hi, mid, lo] = n.to_be_bytes();
        (*x, *y, *z) = (hi, mid, lo);
    }
    // The last one or two bytes; the bits past them must be zero
    // (canonical encoding).
    let trailing = match (tail, rest) {
        ([], []) => 0,
        (&[a, b], [x]) => {
            let n = look(&FIRST, a) | look(&SECOND, b);
            seen |= n;
            let [_, hi, _, _] = n.to_be_bytes();
            *x = hi;
            n & 0xffff
        }
        (&[a, b, c], [x, y]) => {
            let n = look(&FIRST, a) | look(&SECOND, b) | look(&THIRD, c);
            seen |= n;
            let [_, hi, mid, _] = n.to_be_bytes();
            (*x, *y) = (hi, mid);
            n & 0xff
        }
        _ => return None,
    };
    if seen & INVALID != 0 || trailing != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

    use super::*;

    /// Same verdict and bytes from both decoders and the `base64` crate's
    /// strict engine.
    fn agrees(text: &str) {
        let reference = URL_SAFE_NO_PAD.decode(text).ok();
        assert_eq!(decode(text), reference, "{text:?}");
        assert_eq!(decode_secret(text), reference, "{text:?}");
    }

    #[test]
    fn round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).rev().chain(0..=255).collect();
        for len in 0..80 {
            let bytes = data.get(..len * 7 % 512).unwrap_or_default();
            let text = encode(bytes);
            assert_eq!(text, URL_SAFE_NO_PAD.encode(bytes));
            assert_eq!(decode(&text).as_deref(), Some(bytes));
            assert_eq!(decode_secret(&text).as_deref(), Some(bytes));
            agrees(&text);
        }
    }

    #[test]
    fn refuses_what_the_strict_engine_refuses() {
        for text in [
            "A",
            "AAAAA",
            "AB==",
            "AB=",
            "A+B/",
            "AA AA",
            "AA\nA",
            "QQ",
            "QR",
            "QUE",
            "QUF",
            "QUI",
            "QUJD",
            "Zm9v\u{e9}",
            "Zm9vYmF\u{e9}",
            "////",
            "____",
            "-_-_",
            "\0\0\0\0",
        ] {
            agrees(text);
        }
        // Every single character in every position of a short input.
        for c in 0..=255u8 {
            for template in ["AAAA", "AAA", "AA", "AAAAAA"] {
                for i in 0..template.len() {
                    let mut bytes = template.as_bytes().to_vec();
                    if let Some(slot) = bytes.get_mut(i) {
                        *slot = c;
                    }
                    if let Ok(text) = String::from_utf8(bytes) {
                        agrees(&text);
                    }
                }
            }
        }
    }
}
