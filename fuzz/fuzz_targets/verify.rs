//! `verify_set` (compact JWS + SET claims) on arbitrary tokens, with the
//! fixed key set of the golden vectors (ES256 and PS256 public keys).
//!
//! Checks: no panic; every refusal has a code and a `setErrs` description
//! of 1..=256 characters; a token that verifies (only a mutation of a
//! vector token can) carries claims that round-trip through canonical JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::claims::SetClaims;
use setpoll_core::codes::Vocabulary;
use setpoll_core::set::{peek_envelope, verify_set};

fuzz_target!(|data: &[u8]| {
    let Ok(token) = core::str::from_utf8(data) else {
        return;
    };
    let _ = peek_envelope(token);
    match verify_set(
        token,
        setpoll_fuzz::keyring(),
        &setpoll_fuzz::policy(),
        setpoll_fuzz::now(),
    ) {
        Ok(verified) => {
            let text = verified.claims.to_json();
            assert_eq!(
                SetClaims::from_json(text.as_bytes()).as_ref(),
                Ok(&verified.claims)
            );
        }
        Err(e) => {
            assert!(!e.code().is_empty());
            let d = e.description();
            assert!(!d.is_empty() && d.chars().count() <= 256, "{d}");
            let _ = e.set_err(Vocabulary::Obie);
            let _ = e.set_err(Vocabulary::Rfc8935);
        }
    }
});
