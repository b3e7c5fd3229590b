//! `EventPollingResponse::parse_lenient` (OBEventPollingResponse1, the
//! receiver's reader) and `ErrorResponse::parse` on arbitrary bytes.
//!
//! Checks: no panic; an accepted body writes canonical JSON that parses back
//! to the same response; an error body that parses writes one that parses
//! back alike.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::wire::{ErrorResponse, EventPollingResponse, ResponseLimits};

fuzz_target!(|data: &[u8]| {
    let limits = ResponseLimits::default();
    match EventPollingResponse::parse_lenient(data, &limits) {
        Ok(response) => {
            let text = response.to_json();
            let again = EventPollingResponse::parse_lenient(text.as_bytes(), &limits)
                .unwrap_or_else(|e| panic!("canonical response refused: {e:?}\n{text}"));
            assert_eq!(again, response, "{text}");
            assert_eq!(again.to_json(), text);
        }
        Err(e) => assert!(!e.code().is_empty()),
    }
    if let Ok(error) = ErrorResponse::parse(data) {
        let text = error.to_json();
        let again = ErrorResponse::parse(text.as_bytes())
            .unwrap_or_else(|e| panic!("error body written unreadable: {e:?}\n{text}"));
        assert_eq!(again, error, "{text}");
    }
});
