//! `SetClaims::from_json` (the SET payload reader) on arbitrary bytes.
//!
//! Checks: no panic; accepted claims validate, write canonical JSON that
//! reads back to equal claims, and writing is stable; a refusal is typed and
//! its `setErrs` description fits the 256-character limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::claims::SetClaims;
use setpoll_core::codes::Vocabulary;

fuzz_target!(|data: &[u8]| {
    match SetClaims::from_json(data) {
        Ok(claims) => {
            claims
                .validate()
                .unwrap_or_else(|e| panic!("accepted claims invalid: {e:?}"));
            let text = claims.to_json();
            let again = SetClaims::from_json(text.as_bytes())
                .unwrap_or_else(|e| panic!("canonical claims refused: {e:?}\n{text}"));
            assert_eq!(again, claims, "{text}");
            assert_eq!(again.to_json(), text);
        }
        Err(e) => {
            assert!(!e.code().is_empty());
            let _ = e.set_err(Vocabulary::Obie);
            let _ = e.set_err(Vocabulary::Rfc8935);
        }
    }
});
