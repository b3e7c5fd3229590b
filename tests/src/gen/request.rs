//! `request_parse`: `EventPolling::parse` on `POST /events` bodies.

use serde_json::{json, Map, Value};
use setpoll_core::wire::{EventPolling, RequestLimits, RequestOptions};

use super::{check_unique_names, error, ok, put_body, rep, vector_file};
use crate::GenError;

/// Small limits used by the limit cases, so the files stay small.
#[derive(Clone, Copy)]
struct Limits {
    max_body_bytes: usize,
    max_ack: usize,
    max_set_errs: usize,
}

struct Input {
    name: String,
    body: Vec<u8>,
    reject_unknown: bool,
    limits: Option<Limits>,
}

fn case(name: &str, body: impl Into<Vec<u8>>) -> Input {
    Input {
        name: name.to_owned(),
        body: body.into(),
        reject_unknown: true,
        limits: None,
    }
}

/// The same body under both values of `rejectUnknownMembers`.
fn both(name: &str, body: &str) -> [Input; 2] {
    [
        Input {
            name: format!("{name} (rejectUnknownMembers=true)"),
            body: body.into(),
            reject_unknown: true,
            limits: None,
        },
        Input {
            name: format!("{name} (rejectUnknownMembers=false)"),
            body: body.into(),
            reject_unknown: false,
            limits: None,
        },
    ]
}

fn limited(name: &str, body: impl Into<Vec<u8>>, limits: Limits) -> Input {
    Input {
        name: name.to_owned(),
        body: body.into(),
        reject_unknown: true,
        limits: Some(limits),
    }
}

/// The `Id` put in every error response (an `x-fapi-interaction-id`).
pub const ERROR_ID: &str = "93bac548-d2de-4546-b106-880a5018460d";

const DEFAULTS_SMALL: Limits = Limits {
    max_body_bytes: 1024 * 1024,
    max_ack: 3,
    max_set_errs: 2,
};

fn inputs() -> Vec<Input> {
    let jti128 = rep("j", 128);
    let jti129 = rep("j", 129);
    let e_acute128 = rep("é", 128);
    let astral128 = rep("😀", 128);
    let astral129 = rep("😀", 129);
    let err40 = rep("e", 40);
    let err41 = rep("e", 41);
    let desc256 = rep("d", 256);
    let desc257 = rep("d", 257);
    let ack1001: Vec<String> = (0..1001).map(|i| format!("a{i}")).collect();
    let ack1000 = ack1001.get(..1000).unwrap_or_default().to_vec();
    let deep = format!("{{\"x\":{}1{}}}", rep("[", 130), rep("]", 130));
    let deep_ok = format!("{{\"x\":{}1{}}}", rep("[", 100), rep("]", 100));

    let mut v = vec![
        // ---- valid bodies
        case("empty object", "{}"),
        case("maxEvents only", r#"{"maxEvents":10}"#),
        case(
            "maxEvents 0 acknowledges only",
            r#"{"maxEvents":0,"ack":["a"]}"#,
        ),
        case("maxEvents at i32::MAX", r#"{"maxEvents":2147483647}"#),
        case("returnImmediately true", r#"{"returnImmediately":true}"#),
        case("returnImmediately false", r#"{"returnImmediately":false}"#),
        case("ack one", r#"{"ack":["4d3559ec67504aaba65d40b0363faad8"]}"#),
        case("ack several keep order", r#"{"ack":["c","a","b"]}"#),
        case(
            "ack duplicates dropped keeping the first",
            r#"{"ack":["b","a","b","c","a"]}"#,
        ),
        case("ack empty array is omitted", r#"{"ack":[]}"#),
        case("setErrs empty object is omitted", r#"{"setErrs":{}}"#),
        case(
            "setErrs OBIE code",
            r#"{"setErrs":{"4d3559ec":{"err":"jwtAud","description":"The audience is not recognised"}}}"#,
        ),
        case(
            "setErrs RFC 8935 code",
            r#"{"setErrs":{"4d3559ec":{"err":"invalid_key","description":"kid unknown"}}}"#,
        ),
        case(
            "setErrs unknown code kept verbatim",
            r#"{"setErrs":{"x":{"err":"bankSpecific","description":"ours"}}}"#,
        ),
        case(
            "setErrs description before err",
            r#"{"setErrs":{"x":{"description":"d","err":"dup"}}}"#,
        ),
        case(
            "setErrs several keep order",
            r#"{"setErrs":{"z":{"err":"dup","description":"1"},"a":{"err":"json","description":"2"}}}"#,
        ),
        case(
            "full request from the specification example",
            r#"{
  "maxEvents": 5,
  "returnImmediately": true,
  "ack": ["4d3559ec67504aaba65d40b0363faad8", "3d0c3cf13c7f48d88d5e9e3ee5b5a4e4"],
  "setErrs": {
    "4d3559ec67504aaba65d40b0363faad9": {
      "err": "jwtAud",
      "description": "The audience value was incorrect"
    }
  }
}"#,
        ),
        case(
            "members in another order are written canonically",
            r#"{"setErrs":{"s":{"err":"jws","description":"bad"}},"ack":["a"],"returnImmediately":false,"maxEvents":1}"#,
        ),
        case(
            "jti both acknowledged and in setErrs is returned as sent",
            r#"{"ack":["x"],"setErrs":{"x":{"err":"dup","description":"twice"}}}"#,
        ),
        case(
            "surrounding whitespace and tabs",
            " \t\r\n{ \"maxEvents\" : 1 } \n",
        ),
        case(
            "escapes are decoded and re-encoded canonically",
            r#"{"ack":["\u00e9\u0041\/\"\\\n\t\u2028"]}"#,
        ),
        case(
            "control characters are escaped on output",
            r#"{"ack":["\u0001\u001f\u007f"]}"#,
        ),
        case(
            "jti of 128 ASCII characters",
            format!(r#"{{"ack":["{jti128}"]}}"#),
        ),
        case(
            "jti of 128 two-byte characters",
            format!(r#"{{"ack":["{e_acute128}"]}}"#),
        ),
        case(
            "jti of 128 astral characters (256 UTF-16 units)",
            format!(r#"{{"ack":["{astral128}"]}}"#),
        ),
        case(
            "setErrs key of 128 characters",
            format!(r#"{{"setErrs":{{"{jti128}":{{"err":"dup","description":"d"}}}}}}"#),
        ),
        case(
            "err of 40 characters",
            format!(r#"{{"setErrs":{{"x":{{"err":"{err40}","description":"d"}}}}}}"#),
        ),
        case(
            "description of 256 characters",
            format!(r#"{{"setErrs":{{"x":{{"err":"dup","description":"{desc256}"}}}}}}"#),
        ),
        case(
            "ack at the default limit of 1000",
            json!({ "ack": ack1000 }).to_string(),
        ),
        // ---- the body as a whole
        case("empty body", ""),
        case("whitespace-only body", " \n\t\r "),
        case("not UTF-8", b"{\"ack\":[\"\xff\"]}".to_vec()),
        case("UTF-8 byte order mark", "\u{feff}{}"),
        case("truncated object", "{"),
        case("missing value", r#"{"maxEvents":}"#),
        case("trailing comma", r#"{"maxEvents":1,}"#),
        case("single quotes", "{'maxEvents':1}"),
        case("trailing garbage", "{} x"),
        case("two documents", "{}{}"),
        case("comment", "{/* c */}"),
        case("lone surrogate escape", r#"{"ack":["\ud800"]}"#),
        case("invalid escape", r#"{"ack":["\x41"]}"#),
        case(
            "raw control character in a string",
            "{\"ack\":[\"a\u{1}b\"]}",
        ),
        case("NaN", r#"{"maxEvents":NaN}"#),
        case("nesting of 130 levels", deep.clone()),
        case("array at the top", "[]"),
        case("string at the top", r#""maxEvents""#),
        case("number at the top", "1"),
        case("null at the top", "null"),
        case("true at the top", "true"),
        // ---- duplicates
        case("duplicate maxEvents", r#"{"maxEvents":1,"maxEvents":2}"#),
        case(
            "duplicate ack after a valid one",
            r#"{"ack":["a"],"maxEvents":1,"ack":["b"]}"#,
        ),
        case(
            "duplicate setErrs jti",
            r#"{"setErrs":{"x":{"err":"dup","description":"1"},"x":{"err":"dup","description":"2"}}}"#,
        ),
        case(
            "duplicate err inside a setErrs entry",
            r#"{"setErrs":{"x":{"err":"dup","err":"json","description":"d"}}}"#,
        ),
        // ---- maxEvents
        case("maxEvents as a string", r#"{"maxEvents":"5"}"#),
        case("maxEvents null", r#"{"maxEvents":null}"#),
        case("maxEvents boolean", r#"{"maxEvents":true}"#),
        case("maxEvents 1.0", r#"{"maxEvents":1.0}"#),
        case("maxEvents 1.5", r#"{"maxEvents":1.5}"#),
        case("maxEvents 1e2", r#"{"maxEvents":1e2}"#),
        case("maxEvents -0", r#"{"maxEvents":-0}"#),
        case("maxEvents -1", r#"{"maxEvents":-1}"#),
        case("maxEvents i32::MAX + 1", r#"{"maxEvents":2147483648}"#),
        case(
            "maxEvents u64::MAX",
            r#"{"maxEvents":18446744073709551615}"#,
        ),
        case(
            "maxEvents beyond u64",
            r#"{"maxEvents":100000000000000000000}"#,
        ),
        case("maxEvents 1e400", r#"{"maxEvents":1e400}"#),
        // ---- returnImmediately
        case(
            "returnImmediately as a string",
            r#"{"returnImmediately":"true"}"#,
        ),
        case(
            "returnImmediately as a number",
            r#"{"returnImmediately":1}"#,
        ),
        case("returnImmediately null", r#"{"returnImmediately":null}"#),
        // ---- ack
        case("ack as a string", r#"{"ack":"a"}"#),
        case("ack as an object", r#"{"ack":{"a":1}}"#),
        case("ack null", r#"{"ack":null}"#),
        case("ack item a number", r#"{"ack":["a",1]}"#),
        case("ack item null", r#"{"ack":[null]}"#),
        case("ack item an empty string", r#"{"ack":["a",""]}"#),
        case(
            "ack item of 129 characters",
            format!(r#"{{"ack":["{jti129}"]}}"#),
        ),
        case(
            "ack item of 129 astral characters",
            format!(r#"{{"ack":["{astral129}"]}}"#),
        ),
        case("ack item holding U+0000", r#"{"ack":["a","b\u0000c"]}"#),
        case(
            "ack over the default limit of 1000",
            json!({ "ack": ack1001 }).to_string(),
        ),
        // ---- setErrs
        case("setErrs as an array", r#"{"setErrs":[]}"#),
        case("setErrs null", r#"{"setErrs":null}"#),
        case("setErrs entry a string", r#"{"setErrs":{"x":"jws"}}"#),
        case("setErrs entry null", r#"{"setErrs":{"x":null}}"#),
        case(
            "setErrs entry without err",
            r#"{"setErrs":{"x":{"description":"d"}}}"#,
        ),
        case(
            "setErrs entry without description",
            r#"{"setErrs":{"x":{"err":"jws"}}}"#,
        ),
        case("setErrs entry empty", r#"{"setErrs":{"x":{}}}"#),
        case(
            "setErrs err empty",
            r#"{"setErrs":{"x":{"err":"","description":"d"}}}"#,
        ),
        case(
            "setErrs err of 41 characters",
            format!(r#"{{"setErrs":{{"x":{{"err":"{err41}","description":"d"}}}}}}"#),
        ),
        case(
            "setErrs err a number",
            r#"{"setErrs":{"x":{"err":7,"description":"d"}}}"#,
        ),
        case(
            "setErrs description empty",
            r#"{"setErrs":{"x":{"err":"jws","description":""}}}"#,
        ),
        case(
            "setErrs description of 257 characters",
            format!(r#"{{"setErrs":{{"x":{{"err":"dup","description":"{desc257}"}}}}}}"#),
        ),
        case(
            "setErrs description null",
            r#"{"setErrs":{"x":{"err":"jws","description":null}}}"#,
        ),
        case(
            "setErrs key empty",
            r#"{"setErrs":{"":{"err":"jws","description":"d"}}}"#,
        ),
        case(
            "setErrs key of 129 characters",
            format!(r#"{{"setErrs":{{"{jti129}":{{"err":"dup","description":"d"}}}}}}"#),
        ),
        case(
            "setErrs key holding U+0000",
            r#"{"setErrs":{"x\u0000":{"err":"jws","description":"d"}}}"#,
        ),
        case(
            "setErrs description holding U+0000",
            r#"{"setErrs":{"x":{"err":"jws","description":"a\u0000"}}}"#,
        ),
        case(
            "path of a key with a dot is bracketed",
            r#"{"setErrs":{"a.b":{"description":"d"}}}"#,
        ),
        case(
            "path of a key with a quote and a backslash is escaped",
            r#"{"setErrs":{"it's\\":{"err":""}}}"#,
        ),
        case(
            "path of a very long key is cut",
            format!(
                r#"{{"setErrs":{{"{}":{{"err":"dup","description":"d"}}}}}}"#,
                rep("k.", 100)
            ),
        ),
        // ---- limits (small, so the files stay small)
        limited(
            "body over maxBodyBytes",
            r#"{"ack":["abcdefghij"]}"#,
            Limits {
                max_body_bytes: 16,
                max_ack: 1000,
                max_set_errs: 1000,
            },
        ),
        limited(
            "body exactly maxBodyBytes",
            r#"{"ack":["abcd"]}"#,
            Limits {
                max_body_bytes: 16,
                max_ack: 1000,
                max_set_errs: 1000,
            },
        ),
        limited("ack at maxAck", r#"{"ack":["a","b","c"]}"#, DEFAULTS_SMALL),
        limited(
            "ack over maxAck counts duplicates",
            r#"{"ack":["a","b","a","b"]}"#,
            DEFAULTS_SMALL,
        ),
        limited(
            "setErrs at maxSetErrs",
            r#"{"setErrs":{"a":{"err":"dup","description":"d"},"b":{"err":"dup","description":"d"}}}"#,
            DEFAULTS_SMALL,
        ),
        limited(
            "setErrs over maxSetErrs",
            r#"{"setErrs":{"a":{"err":"dup","description":"d"},"b":{"err":"dup","description":"d"},"c":{"err":"dup","description":"d"}}}"#,
            DEFAULTS_SMALL,
        ),
        limited(
            "limits checked before entries",
            r#"{"setErrs":{"a":1,"b":2,"c":3}}"#,
            DEFAULTS_SMALL,
        ),
        // ---- first failure in document order wins
        case(
            "first bad member in document order is reported",
            r#"{"ack":[1],"maxEvents":-1}"#,
        ),
        case(
            "duplicates are found before type errors",
            r#"{"maxEvents":"x","setErrs":{"a":{"err":"e","err":"e"}}}"#,
        ),
    ];
    // ---- unknown members, under both option values
    for (name, body) in [
        (
            "unknown top-level member",
            r#"{"maxEvents":1,"extra":true}"#,
        ),
        (
            "unknown top-level member holding an object",
            r#"{"extra":{"deep":[1,2,{"x":null}]},"ack":["a"]}"#,
        ),
        (
            "unknown top-level member with a dotted name",
            r#"{"x.y":1}"#,
        ),
        (
            "unknown member inside a setErrs entry",
            r#"{"setErrs":{"x":{"err":"dup","description":"d","code":"extra"}}}"#,
        ),
        (
            "duplicate names inside an unknown member",
            r#"{"extra":{"a":1,"a":2}}"#,
        ),
        (
            "unknown member before a bad one",
            r#"{"extra":1,"maxEvents":"x"}"#,
        ),
        (
            "unknown member with a wrongly typed value named like a known one",
            r#"{"MaxEvents":"ten"}"#,
        ),
        ("nesting of 130 levels inside an unknown member", &deep),
        ("nesting of 100 levels inside an unknown member", &deep_ok),
    ] {
        v.extend(both(name, body));
    }
    v
}

fn options(input: &Input) -> RequestOptions {
    let mut opts = RequestOptions {
        reject_unknown_members: input.reject_unknown,
        ..RequestOptions::default()
    };
    if let Some(l) = input.limits {
        opts.limits = RequestLimits {
            max_body_bytes: l.max_body_bytes,
            max_ack: l.max_ack,
            max_set_errs: l.max_set_errs,
        };
    }
    opts
}

/// The `request_parse` file.
///
/// # Errors
/// When two cases share a name.
pub fn file() -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for input in inputs() {
        let mut c = Map::new();
        c.insert("name".into(), json!(input.name));
        put_body(&mut c, &input.body);
        c.insert("rejectUnknownMembers".into(), json!(input.reject_unknown));
        if let Some(l) = input.limits {
            c.insert(
                "limits".into(),
                json!({
                    "maxBodyBytes": l.max_body_bytes,
                    "maxAck": l.max_ack,
                    "maxSetErrs": l.max_set_errs,
                }),
            );
        }
        let expect = match EventPolling::parse(&input.body, &options(&input)) {
            Ok(req) => ok(json!({ "requestJson": req.to_json() })),
            Err(e) => error(json!({
                "code": e.code(),
                "errorCode": e.obie_code().as_str(),
                "path": e.path(),
                "errorResponseJson": e.to_error_response(ERROR_ID).to_json(),
            })),
        };
        c.insert("expect".into(), expect);
        cases.push(Value::Object(c));
    }
    check_unique_names("request_parse", &cases)?;
    Ok(vector_file(
        "request_parse",
        "EventPolling::parse (OBEventPolling1, the body of POST /events) then \
         EventPolling::to_json on success",
        cases,
    ))
}
