//! `JwkSet::from_json` and `Keyring::new` on arbitrary bytes.
//!
//! Checks: no panic; an accepted set writes JSON that reads back to the
//! same set with nothing skipped; a keyring builds from it or fails typed.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::jose::{JwkSet, Keyring};

fuzz_target!(|data: &[u8]| {
    let Ok(set) = JwkSet::from_json(data) else {
        return;
    };
    let text = set.to_json();
    let again = JwkSet::from_json(text.as_bytes())
        .unwrap_or_else(|e| panic!("written set refused: {e:?}\n{text}"));
    assert_eq!(again.to_json(), text);
    assert!(again.skipped().is_empty(), "{text}");
    if let Ok(keys) = Keyring::new(&set) {
        assert!(keys.len() <= set.keys().len());
    }
});
