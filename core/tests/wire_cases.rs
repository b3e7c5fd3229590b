//! The wire model beyond the schema: limits, hostile input, round trips,
//! the response reader and the error body.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use proptest::prelude::*;
use setpoll_core::codes::{ObieErrorCode, SetErrCode};
use setpoll_core::wire::{
    ErrorResponse, EventPolling, EventPollingResponse, RequestError, RequestLimits, RequestOptions,
    ResponseError, ResponseLimits, SetErr,
};

fn parse(body: &str) -> Result<EventPolling, RequestError> {
    EventPolling::parse(body.as_bytes(), &RequestOptions::default())
}

fn code(body: &[u8]) -> &'static str {
    EventPolling::parse(body, &RequestOptions::default())
        .unwrap_err()
        .code()
}

#[test]
fn empty_object_is_a_valid_poll() {
    assert_eq!(parse("{}").unwrap(), EventPolling::default());
    assert_eq!(parse(" \r\n{ }\t").unwrap(), EventPolling::default());
}

#[test]
fn body_level_problems() {
    assert_eq!(code(b""), "empty_body");
    assert_eq!(code(b"  \n "), "empty_body");
    assert_eq!(code(b"{\"ack\":[\"\xc3\x28\"]}"), "not_utf8");
    assert_eq!(
        EventPolling::parse(b"{\"a\xff", &RequestOptions::default()),
        Err(RequestError::NotUtf8 { offset: 3 })
    );
    assert_eq!(code(b"\xef\xbb\xbf{}"), "malformed_json"); // a BOM is not JSON
    assert_eq!(code(b"{"), "malformed_json");
    assert_eq!(code(b"{}{}"), "malformed_json");
    assert_eq!(code(b"{\"ack\":[\"\\ud800\"]}"), "malformed_json");
    assert_eq!(code(b"{\"maxEvents\":NaN}"), "malformed_json");
    assert_eq!(code(b"[]"), "not_an_object");
    assert_eq!(code(b"null"), "not_an_object");
    assert_eq!(code(b"\"{}\""), "not_an_object");
    let e = parse("[1]").unwrap_err();
    assert_eq!(e, RequestError::NotAnObject { found: "array" });
    assert_eq!(e.path(), None);
    assert_eq!(e.obie_code(), ObieErrorCode::ResourceInvalidFormat);
}

#[test]
fn deeply_nested_junk_is_refused_without_crashing() {
    for depth in [126, 128, 100_000] {
        let body = format!("{{\"x\":{}{}}}", "[".repeat(depth), "]".repeat(depth));
        let got = EventPolling::parse(
            body.as_bytes(),
            &RequestOptions {
                reject_unknown_members: false,
                ..RequestOptions::default()
            },
        );
        if depth < 127 {
            assert_eq!(got, Ok(EventPolling::default()), "depth {depth}");
        } else {
            assert_eq!(got.unwrap_err().code(), "malformed_json", "depth {depth}");
        }
    }
    let objects = format!("{}{}", "{\"a\":".repeat(50_000), "}".repeat(50_000));
    assert_eq!(code(objects.as_bytes()), "malformed_json");
}

#[test]
fn duplicate_member_names_are_ambiguous() {
    let cases = [
        (r#"{"maxEvents":1,"maxEvents":2}"#, "maxEvents"),
        (r#"{"ack":[],"ack":["a"]}"#, "ack"),
        (
            r#"{"setErrs":{"a":{"err":"jws","description":"d"},"a":{"err":"jws","description":"d"}}}"#,
            "setErrs.a",
        ),
        (
            r#"{"setErrs":{"a":{"err":"jws","err":"dup","description":"d"}}}"#,
            "setErrs.a.err",
        ),
        (
            r#"{"setErrs":{"a.b":{"err":"x","description":"d","description":"e"}}}"#,
            "setErrs['a.b'].description",
        ),
    ];
    for (body, path) in cases {
        let e = parse(body).unwrap_err();
        assert_eq!(e.code(), "duplicate_member", "{body}");
        assert_eq!(e.path(), Some(path), "{body}");
        assert_eq!(e.obie_code(), ObieErrorCode::FieldUnexpected);
    }
    // Duplicates inside ignored members are still refused: the body is ambiguous.
    let lenient = RequestOptions {
        reject_unknown_members: false,
        ..RequestOptions::default()
    };
    let e = EventPolling::parse(br#"{"x":{"y":1,"y":2}}"#, &lenient).unwrap_err();
    assert_eq!(e.path(), Some("x.y"));
}

#[test]
fn huge_and_odd_numbers() {
    let cases = [
        ("1e2", "not_an_integer"),
        ("1.5", "not_an_integer"),
        ("1.0", "not_an_integer"),
        ("-0.0", "not_an_integer"),
        ("-1", "out_of_range"),
        ("2147483648", "out_of_range"),
        ("18446744073709551615", "out_of_range"),
        ("18446744073709551616", "out_of_range"),
        ("123456789012345678901234567890", "out_of_range"),
        ("-123456789012345678901234567890", "out_of_range"),
        ("1e400", "malformed_json"), // serde_json refuses infinities
    ];
    for (n, want) in cases {
        let e = parse(&format!("{{\"maxEvents\":{n}}}")).unwrap_err();
        assert_eq!(e.code(), want, "maxEvents {n}");
    }
    // serde_json reads `-0` as a float, so it is refused like `0.0`.
    assert_eq!(
        parse(r#"{"maxEvents":-0}"#).unwrap_err().code(),
        "not_an_integer"
    );
    assert_eq!(parse(r#"{"maxEvents":0}"#).unwrap().max_events, Some(0));
    assert_eq!(
        parse(r#"{"maxEvents":2147483647}"#).unwrap().max_events,
        Some(2_147_483_647)
    );
    let e = parse(r#"{"maxEvents":"10"}"#).unwrap_err();
    assert_eq!(
        e,
        RequestError::WrongType {
            path: "maxEvents".into(),
            expected: "integer",
            found: "string"
        }
    );
    assert_eq!(e.to_string(), "maxEvents must be an integer, found string");
}

#[test]
fn limits_are_enforced() {
    let opts = RequestOptions {
        limits: RequestLimits {
            max_body_bytes: 64,
            max_ack: 2,
            max_set_errs: 1,
        },
        reject_unknown_members: true,
    };
    let big = format!("{{\"ack\":[\"{}\"]}}", "a".repeat(100));
    assert_eq!(
        EventPolling::parse(big.as_bytes(), &opts),
        Err(RequestError::BodyTooLarge {
            len: big.len(),
            max: 64
        })
    );
    assert!(EventPolling::parse(br#"{"ack":["a","b"]}"#, &opts).is_ok());
    let e = EventPolling::parse(br#"{"ack":["a","b","a"]}"#, &opts).unwrap_err();
    assert_eq!(
        e,
        RequestError::TooManyItems {
            path: "ack".into(),
            max: 2,
            actual: 3
        }
    );
    let e = EventPolling::parse(
        br#"{"setErrs":{"a":{"err":"x","description":"y"},"b":{}}}"#,
        &opts,
    )
    .unwrap_err();
    assert_eq!(e.code(), "too_many_items");
    assert_eq!(e.path(), Some("setErrs"));

    // The defaults admit a request at every limit with the longest values.
    let d = RequestOptions::default();
    let full = EventPolling {
        max_events: Some(u32::MAX / 2),
        return_immediately: Some(true),
        ack: (0..d.limits.max_ack)
            .map(|i| format!("{i:0>128}"))
            .collect(),
        set_errs: (0..d.limits.max_set_errs)
            .map(|i| {
                (
                    format!("e{i:0>127}"),
                    SetErr {
                        err: SetErrCode::Other("x".repeat(40)),
                        description: "d".repeat(256),
                    },
                )
            })
            .collect(),
    };
    let body = full.to_json();
    assert!(
        body.len() <= d.limits.max_body_bytes,
        "{} bytes",
        body.len()
    );
    assert_eq!(EventPolling::parse(body.as_bytes(), &d).unwrap(), full);
}

#[test]
fn ack_is_deduplicated_keeping_first_occurrence() {
    let p = parse(r#"{"ack":["b","a","b","c","a"]}"#).unwrap();
    assert_eq!(p.ack, ["b", "a", "c"]);
}

#[test]
fn set_errs_keep_order_and_unknown_codes() {
    let p = parse(
        r#"{"setErrs":{"z":{"description":"bad sig","err":"jws"},"a":{"err":"brandNew","description":"x"}}}"#,
    )
    .unwrap();
    assert_eq!(p.set_errs[0].0, "z");
    assert_eq!(p.set_errs[0].1.err, SetErrCode::Jws);
    assert_eq!(p.set_errs[0].1.description, "bad sig");
    assert_eq!(p.set_errs[1].1.err, SetErrCode::Other("brandNew".into()));
    // An empty jti key, and one longer than a jti may be.
    let e = parse(r#"{"setErrs":{"":{"err":"jws","description":"d"}}}"#).unwrap_err();
    assert_eq!(
        (e.code(), e.path()),
        ("invalid_length", Some("setErrs['']"))
    );
    let long = "k".repeat(129);
    let e = parse(&format!(
        r#"{{"setErrs":{{"{long}":{{"err":"jws","description":"d"}}}}}}"#
    ))
    .unwrap_err();
    assert_eq!(e.code(), "invalid_length");
    // null is never accepted.
    let e = parse(r#"{"setErrs":{"a":{"err":null,"description":"d"}}}"#).unwrap_err();
    assert_eq!((e.code(), e.path()), ("wrong_type", Some("setErrs.a.err")));
    assert_eq!(e.obie_code(), ObieErrorCode::FieldInvalid);
    let e = parse(r#"{"setErrs":{"a":{"err":"jws"}}}"#).unwrap_err();
    assert_eq!(e.path(), Some("setErrs.a.description"));
    assert_eq!(e.obie_code(), ObieErrorCode::FieldMissing);
    assert_eq!(e.to_string(), "member setErrs.a.description is required");
}

#[test]
fn request_canonical_form() {
    let p = EventPolling {
        max_events: Some(0),
        return_immediately: Some(false),
        ack: vec!["a\"b".into(), "é".into()],
        set_errs: vec![(
            "j/1".into(),
            SetErr {
                err: SetErrCode::JwtAud,
                description: "line\nbreak".into(),
            },
        )],
    };
    assert_eq!(
        p.to_json(),
        r#"{"maxEvents":0,"returnImmediately":false,"ack":["a\"b","é"],"setErrs":{"j/1":{"err":"jwtAud","description":"line\nbreak"}}}"#
    );
    assert_eq!(EventPolling::default().to_json(), "{}");
    let only_ack = EventPolling {
        ack: vec!["x".into()],
        ..EventPolling::default()
    };
    assert_eq!(only_ack.to_json(), r#"{"ack":["x"]}"#);
    // Member order in the input does not matter; output order is fixed.
    let q = parse(r#"{"setErrs":{"j/1":{"description":"line\nbreak","err":"jwtAud"}},"ack":["a\"b","é"],"returnImmediately":false,"maxEvents":0}"#).unwrap();
    assert_eq!(q, p);
    assert_eq!(q.to_json(), p.to_json());
}

fn jti() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[\\PC]{1,128}").unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn request_round_trips(
        max_events in proptest::option::of(0u32..=2_147_483_647),
        ri in proptest::option::of(any::<bool>()),
        ack in proptest::collection::vec(jti(), 0..8),
        errs in proptest::collection::btree_map(jti(), ("[a-zA-Z_]{1,40}", "[\\PC]{1,256}"), 0..5),
    ) {
        let mut seen = std::collections::HashSet::new();
        let ack: Vec<String> = ack.into_iter().filter(|a| seen.insert(a.clone())).collect();
        let p = EventPolling {
            max_events,
            return_immediately: ri,
            ack,
            set_errs: errs
                .into_iter()
                .map(|(k, (e, d))| (k, SetErr { err: SetErrCode::from_code(&e), description: d }))
                .collect(),
        };
        let json = p.to_json();
        let back = EventPolling::parse(json.as_bytes(), &RequestOptions::default()).unwrap();
        prop_assert_eq!(&back, &p);
        prop_assert_eq!(back.to_json(), json);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let _ = EventPolling::parse(&bytes, &RequestOptions::default());
        let _ = EventPollingResponse::parse_lenient(&bytes, &ResponseLimits::default());
        let _ = ErrorResponse::parse(&bytes);
    }

    #[test]
    fn response_round_trips(
        sets in proptest::collection::btree_map(jti(), "[A-Za-z0-9_.-]{1,64}", 0..6),
        more in any::<bool>(),
    ) {
        let r = EventPollingResponse { sets: sets.into_iter().collect(), more_available: more };
        let json = r.to_json();
        let back = EventPollingResponse::parse_lenient(json.as_bytes(), &ResponseLimits::default()).unwrap();
        prop_assert_eq!(&back, &r);
        prop_assert_eq!(back.to_json(), json);
    }
}

#[test]
fn response_canonical_form() {
    let r = EventPollingResponse {
        sets: vec![("b".into(), "x.y.z".into()), ("a".into(), "p.q.r".into())],
        more_available: true,
    };
    assert_eq!(
        r.to_json(),
        r#"{"sets":{"b":"x.y.z","a":"p.q.r"},"moreAvailable":true}"#
    );
    assert_eq!(
        EventPollingResponse::default().to_json(),
        r#"{"sets":{},"moreAvailable":false}"#
    );
}

fn lenient(body: &str) -> Result<EventPollingResponse, ResponseError> {
    EventPollingResponse::parse_lenient(body.as_bytes(), &ResponseLimits::default())
}

#[test]
fn response_reader_is_lenient_where_documented() {
    // The spec's "acknowledge only" answer omits moreAvailable.
    assert_eq!(
        lenient(r#"{"sets":{}}"#).unwrap(),
        EventPollingResponse::default()
    );
    assert_eq!(lenient("{}").unwrap(), EventPollingResponse::default());
    assert_eq!(
        lenient(r#"{"sets":null,"moreAvailable":null,"extra":[1,{"a":1,"a":2}]}"#).unwrap(),
        EventPollingResponse::default()
    );
    let r = lenient(r#"{"moreAvailable":true,"sets":{"j2":"a.b.c","j1":"d.e.f"},"x":1}"#).unwrap();
    assert!(r.more_available);
    assert_eq!(
        r.sets,
        [("j2".into(), "a.b.c".into()), ("j1".into(), "d.e.f".into())]
    );
}

#[test]
fn response_reader_is_strict_where_documented() {
    let cases: [(&str, &str, Option<&str>); 9] = [
        ("", "empty_body", None),
        ("[]", "not_an_object", None),
        (r#"{"sets":[]}"#, "wrong_type", Some("sets")),
        (
            r#"{"moreAvailable":"true"}"#,
            "wrong_type",
            Some("moreAvailable"),
        ),
        (
            r#"{"sets":{"a":{"jws":"x"}}}"#,
            "wrong_type",
            Some("sets.a"),
        ),
        (
            r#"{"sets":{"a":"x","a":"y"}}"#,
            "duplicate_set",
            Some("sets.a"),
        ),
        (r#"{"sets":{"":"x"}}"#, "invalid_jti", Some("sets['']")),
        (r#"{"sets":{"a":""}}"#, "empty_set", Some("sets.a")),
        ("{\"sets\":{\"a\":\"\\udc00\"}}", "malformed_json", None),
    ];
    for (body, want, path) in cases {
        let e = lenient(body).unwrap_err();
        assert_eq!((e.code(), e.path()), (want, path), "{body}");
        assert!(!e.to_string().is_empty());
    }
    let limits = ResponseLimits {
        max_body_bytes: 40,
        max_sets: 1,
    };
    let e =
        EventPollingResponse::parse_lenient(br#"{"sets":{"a":"x","b":"y"}}"#, &limits).unwrap_err();
    assert_eq!(e, ResponseError::TooManySets { max: 1, actual: 2 });
    let e = EventPollingResponse::parse_lenient(&[b' '; 41], &limits).unwrap_err();
    assert_eq!(e.code(), "body_too_large");
    let long = format!(r#"{{"sets":{{"{}":"x"}}}}"#, "j".repeat(129));
    assert_eq!(lenient(&long).unwrap_err().code(), "invalid_jti");
}

#[test]
fn error_response_from_request_error() {
    let e = parse(r#"{"ack":[""]}"#).unwrap_err();
    let resp = e.to_error_response("f6c2-interaction");
    assert_eq!(
        resp.to_json(),
        concat!(
            r#"{"Code":"400 BadRequest","Id":"f6c2-interaction","#,
            r#""Message":"The request body is not a valid OBEventPolling1 object.","#,
            r#""Errors":[{"ErrorCode":"UK.OBIE.Field.Invalid","#,
            r#""Message":"ack[0] must be 1 to 128 characters long, found 0","Path":"ack[0]"}]}"#
        )
    );
    assert_eq!(
        ErrorResponse::parse(resp.to_json().as_bytes()).unwrap(),
        resp
    );

    // Id: empty -> left out; long -> cut to 40 chars on a char boundary.
    assert_eq!(e.to_error_response("").id, None);
    let id = e.to_error_response(&"ü".repeat(41)).id.unwrap();
    assert_eq!(id.chars().count(), 40);
    // A body-level error has no Path.
    let r = RequestError::EmptyBody.to_error_response("x");
    assert_eq!(r.errors[0].path, None);
    assert_eq!(r.errors[0].error_code, ObieErrorCode::ResourceInvalidFormat);
}

#[test]
fn error_response_reader_takes_v3_and_v4_bodies() {
    let v4 = br#"{"Id":"abc","Errors":[{"ErrorCode":"U004","Path":"ack[1]"}],"Future":true}"#;
    let r = ErrorResponse::parse(v4).unwrap();
    assert_eq!(r.code, None);
    assert_eq!(r.errors[0].error_code, ObieErrorCode::Other("U004".into()));
    assert_eq!(r.errors[0].message, None);
    let v3 = br#"{"Code":"400","Message":"m","Errors":[{"ErrorCode":"UK.OBIE.Field.Missing","Message":"x","Url":"https://d"}]}"#;
    let r = ErrorResponse::parse(v3).unwrap();
    assert_eq!(r.errors[0].error_code, ObieErrorCode::FieldMissing);
    assert_eq!(r.errors[0].url.as_deref(), Some("https://d"));
    assert_eq!(
        ErrorResponse::parse(b"{\"Errors\":7}").unwrap_err().code(),
        "malformed_json"
    );
    // A member of the wrong type is named by its path.
    assert_eq!(
        ErrorResponse::parse(br#"{"Errors":[{"ErrorCode":"UK.OBIE.Field.Missing"},{"ErrorCode":1}]}"#)
            .unwrap_err()
            .to_string(),
        "response body is not valid: invalid type: integer `1`, expected a string at Errors[1].ErrorCode"
    );
    assert_eq!(
        ErrorResponse::parse(b"{\"Errors\":[}")
            .unwrap_err()
            .to_string(),
        "response body is not valid JSON at line 1 column 12: expected value"
    );
    assert_eq!(
        ErrorResponse::parse(b"\xff").unwrap_err().code(),
        "not_utf8"
    );
    let big = vec![b' '; setpoll_core::wire::MAX_ERROR_BODY_BYTES + 1];
    assert_eq!(
        ErrorResponse::parse(&big).unwrap_err().code(),
        "body_too_large"
    );
}

#[test]
fn every_request_error_has_code_message_and_obie_code() {
    let bodies: [&[u8]; 12] = [
        b"",
        b"\xff",
        b"{",
        b"1",
        br#"{"a":1,"a":1}"#,
        br#"{"a":1}"#,
        br#"{"setErrs":{"j":{}}}"#,
        br#"{"ack":1}"#,
        br#"{"maxEvents":0.5}"#,
        br#"{"maxEvents":-5}"#,
        br#"{"ack":[""]}"#,
        &[b' '; 2_000_000],
    ];
    let mut codes = std::collections::BTreeSet::new();
    for b in bodies {
        let e = EventPolling::parse(b, &RequestOptions::default()).unwrap_err();
        assert!(!e.to_string().is_empty());
        let resp = e.to_error_response("id");
        assert!(!resp.errors.is_empty());
        codes.insert(e.code());
    }
    assert_eq!(codes.len(), 12, "{codes:?}");
}
