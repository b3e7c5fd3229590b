//! Strict base64url without padding (RFC 7515 §2 "Base64url Encoding"):
//! no `=`, no whitespace, no `+`/`/`, no non-zero trailing bits.
//!
//! Decoding is on the verification path of every token, so it is done here
//! with a lookup table, four characters to three bytes, into a buffer sized
//! once; it accepts exactly what the `base64` crate's `URL_SAFE_NO_PAD`
//! engine accepts (a test holds the two together).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;

/// Encode bytes as base64url without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Marks a byte outside the alphabet; any sextet with this bit is invalid.
const INVALID: u8 = 0x80;

/// Sextet value of each byte of the base64url alphabet, [`INVALID`] elsewhere.
const SEXTET: [u8; 256] = {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut table = [INVALID; 256];
    let mut i = 0;
    // Evaluated at compile time: an out-of-range index would fail the build.
    #[allow(clippy::indexing_slicing, clippy::cast_possible_truncation)]
    while i < 64 {
        table[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn sextet(c: u8) -> u8 {
    SEXTET.get(usize::from(c)).copied().unwrap_or(INVALID)
}

/// Decode strict base64url without padding; `None` on any deviation.
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

    // OR of every sextet read: one test at the end instead of one per byte.
    let mut seen = 0u8;
    for (quad, bytes) in quads.zip(body.chunks_exact_mut(3)) {
        let (&[a, b, c, d], [x, y, z]) = (quad, bytes) else {
            return None;
        };
        let (a, b, c, d) = (sextet(a), sextet(b), sextet(c), sextet(d));
        seen |= a | b | c | d;
        let n = u32::from(a) << 18 | u32::from(b) << 12 | u32::from(c) << 6 | u32::from(d);
        let [_, hi, mid, lo] = n.to_be_bytes();
        (*x, *y, *z) = (hi, mid, lo);
    }
    // The last one or two bytes; the bits past them must be zero
    // (canonical encoding).
    let trailing = match (tail, rest) {
        ([], []) => 0,
        (&[a, b], [x]) => {
            let (a, b) = (sextet(a), sextet(b));
            seen |= a | b;
            *x = a << 2 | b >> 4;
            b & 0x0f
        }
        (&[a, b, c], [x, y]) => {
            let (a, b, c) = (sextet(a), sextet(b), sextet(c));
            seen |= a | b | c;
            *x = a << 2 | b >> 4;
            *y = (b & 0x0f) << 4 | c >> 2;
            c & 0x03
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
    use super::*;

    /// Same verdict and bytes as the `base64` crate's strict engine.
    fn agrees(text: &str) {
        assert_eq!(decode(text), URL_SAFE_NO_PAD.decode(text).ok(), "{text:?}");
    }

    #[test]
    fn round_trips_every_length() {
        let data: Vec<u8> = (0..=255u8).rev().chain(0..=255).collect();
        for len in 0..80 {
            let bytes = data.get(..len * 7 % 512).unwrap_or_default();
            let text = encode(bytes);
            assert_eq!(decode(&text).as_deref(), Some(bytes));
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
