//! `Jwk::from_json` on arbitrary bytes.
//!
//! Checks: no panic; an accepted key writes JSON that reads back to the
//! same key (and thumbprint); its public form is public and reads back too.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::jose::Jwk;

fuzz_target!(|data: &[u8]| {
    let Ok(jwk) = Jwk::from_json(data) else {
        return;
    };
    let text = jwk.to_json();
    let again = Jwk::from_json(text.as_bytes())
        .unwrap_or_else(|e| panic!("written JWK refused: {e:?}\n{text}"));
    assert_eq!(again.to_json(), text);
    assert_eq!(again.thumbprint(), jwk.thumbprint());
    let public = jwk.to_public();
    let public_text = public.to_json();
    let public_again = Jwk::from_json(public_text.as_bytes())
        .unwrap_or_else(|e| panic!("public JWK refused: {e:?}\n{public_text}"));
    assert_eq!(public_again.to_json(), public_text);
    assert_eq!(public.thumbprint(), jwk.thumbprint());
});
