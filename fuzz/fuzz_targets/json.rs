//! The core's JSON text reader (`setpoll_core::parse_json`) against
//! serde_json's, on arbitrary text.
//!
//! The core reads JSON with its own reader, which promises serde_json's
//! language and errors: every document serde_json reads, the core reads to
//! the same value, unless a member name appears twice (the core refuses
//! it, naming where; serde_json keeps the last); every document serde_json
//! refuses, the core refuses with the same message at the same line and
//! column.
#![no_main]

use libfuzzer_sys::fuzz_target;
use setpoll_core::JsonError;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let theirs = serde_json::from_str::<serde_json::Value>(text);
    match (setpoll_core::parse_json(text), theirs) {
        (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs, "{text:?}"),
        (Err(JsonError::Duplicate { .. }), Ok(_)) => {}
        (
            Err(JsonError::Invalid {
                line,
                column,
                detail,
            }),
            Err(e),
        ) => {
            let message = e.to_string();
            let theirs = message
                .rfind(" at line ")
                .map_or(message.as_str(), |i| &message[..i]);
            assert_eq!(
                (detail.as_str(), line, column),
                (theirs, e.line(), e.column()),
                "{text:?}"
            );
        }
        (ours, theirs) => panic!("{text:?}: core {ours:?}, serde_json {theirs:?}"),
    }
});
