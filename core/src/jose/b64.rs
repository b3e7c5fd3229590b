//! Strict base64url without padding (RFC 7515 §2 "Base64url Encoding"):
//! no `=`, no whitespace, no `+`/`/`, no non-zero trailing bits.
//!
//! Both directions use `base64ct`, whose decoder runs in constant time with
//! respect to the data (no table look-ups indexed by secret bytes, no
//! data-dependent branches), so JWK private-key material (`d`, the RSA
//! primes, exponents and coefficient) decodes without a timing side channel.
//! It is as fast as the table decoder it replaced on the verification path
//! (figures in core/README.md), so there is one decoder for public and
//! secret data alike.

use base64ct::{Base64UrlUnpadded, Encoding as _};

/// Encode bytes as base64url without padding.
pub(crate) fn encode(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// Decode strict base64url without padding; `None` on any deviation.
pub(crate) fn decode(text: &str) -> Option<Vec<u8>> {
    Base64UrlUnpadded::decode_vec(text).ok()
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    use base64::Engine as _;

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
            assert_eq!(text, URL_SAFE_NO_PAD.encode(bytes));
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
