//! `EventPolling::parse` (OBEventPolling1, the transmitter's strict reader)
//! on arbitrary bytes, under both unknown-member rules.
//!
//! Checks: no panic; an accepted body writes canonical JSON that parses back
//! to the same request; a refused body gives a typed error whose `400` body
//! is readable; what the strict rule accepts, the lenient one accepts alike.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::wire::{ErrorResponse, EventPolling, RequestOptions};

fuzz_target!(|data: &[u8]| {
    let strict = RequestOptions::default();
    let lenient = RequestOptions {
        reject_unknown_members: false,
        ..RequestOptions::default()
    };
    let strict_result = EventPolling::parse(data, &strict);
    let lenient_result = EventPolling::parse(data, &lenient);
    for (opts, result) in [(&strict, &strict_result), (&lenient, &lenient_result)] {
        match result {
            Ok(request) => {
                let text = request.to_json();
                let again = EventPolling::parse(text.as_bytes(), opts)
                    .unwrap_or_else(|e| panic!("canonical body refused: {e:?}\n{text}"));
                assert_eq!(&again, request, "{text}");
                assert_eq!(again.to_json(), text);
            }
            Err(e) => {
                assert!(!e.code().is_empty());
                let body = e
                    .to_error_response("93bac548-d2de-4546-b106-880a5018460d")
                    .to_json();
                ErrorResponse::parse(body.as_bytes())
                    .unwrap_or_else(|e| panic!("error body unreadable: {e:?}\n{body}"));
            }
        }
    }
    if let Ok(request) = &strict_result {
        assert_eq!(lenient_result.as_ref().ok(), Some(request));
    }
});
