//! `response_parse`: `EventPollingResponse::parse_lenient` on `POST /events` answers.

use serde_json::{json, Map, Value};
use setpoll_core::wire::{EventPollingResponse, ResponseLimits};

use super::{check_unique_names, error, ok, put_body, rep, vector_file};
use crate::GenError;

struct Input {
    name: &'static str,
    body: Vec<u8>,
    /// `(maxBodyBytes, maxSets)`
    limits: Option<(usize, usize)>,
}

fn case(name: &'static str, body: impl Into<Vec<u8>>) -> Input {
    Input {
        name,
        body: body.into(),
        limits: None,
    }
}

fn limited(name: &'static str, body: &str, limits: (usize, usize)) -> Input {
    Input {
        name,
        body: body.into(),
        limits: Some(limits),
    }
}

/// A syntactically plausible compact JWS (the parser does not look inside).
const TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJqdGkiOiJhIn0.c2ln";

fn inputs() -> Vec<Input> {
    let jti128 = rep("j", 128);
    let jti129 = rep("j", 129);
    vec![
        case(
            "canonical response",
            format!(r#"{{"sets":{{"a":"{TOKEN}","b":"{TOKEN}"}},"moreAvailable":true}}"#),
        ),
        case(
            "moreAvailable first",
            format!(r#"{{"moreAvailable":false,"sets":{{"a":"{TOKEN}"}}}}"#),
        ),
        case("no SETs", r#"{"sets":{},"moreAvailable":false}"#),
        case(
            "SET order is kept",
            r#"{"sets":{"z":"t1","a":"t2","m":"t3"},"moreAvailable":false}"#,
        ),
        case("moreAvailable missing reads false", r#"{"sets":{"a":"t"}}"#),
        case(
            "moreAvailable null reads false",
            r#"{"sets":{},"moreAvailable":null}"#,
        ),
        case("sets missing reads empty", r#"{"moreAvailable":true}"#),
        case("sets null reads empty", r#"{"sets":null}"#),
        case("empty object", "{}"),
        case(
            "unknown members ignored",
            r#"{"sets":{"a":"t"},"moreAvailable":false,"links":{"self":"x"},"meta":[1,2]}"#,
        ),
        case(
            "duplicate names among ignored members",
            r#"{"x":1,"x":2,"sets":{}}"#,
        ),
        case(
            "duplicate moreAvailable: the first counts",
            r#"{"moreAvailable":true,"moreAvailable":false}"#,
        ),
        case(
            "duplicate sets: the first counts",
            r#"{"sets":{"a":"t"},"sets":{"b":"u"}}"#,
        ),
        case(
            "the SET value is not looked into",
            r#"{"sets":{"a":"not a jws at all"}}"#,
        ),
        case(
            "jti of 128 characters",
            format!(r#"{{"sets":{{"{jti128}":"t"}}}}"#),
        ),
        case(
            "jti with escapes and non-ASCII",
            r#"{"sets":{"\u00e9\"q":"t\n"}}"#,
        ),
        case(
            "pretty-printed body",
            "{\n  \"sets\": {\n    \"a\": \"t\"\n  },\n  \"moreAvailable\": true\n}\n",
        ),
        // ---- failures
        case("empty body", ""),
        case("whitespace-only body", "\n  "),
        case("not UTF-8", b"{\"sets\":{\"a\":\"\xc3\x28\"}}".to_vec()),
        case("malformed JSON", r#"{"sets":{"a":"t"}"#),
        case("array at the top", "[]"),
        case("null at the top", "null"),
        case(
            "moreAvailable as a string",
            r#"{"sets":{},"moreAvailable":"true"}"#,
        ),
        case("moreAvailable as a number", r#"{"moreAvailable":1}"#),
        case("sets as an array", r#"{"sets":["t"]}"#),
        case("sets as a string", r#"{"sets":"t"}"#),
        case("SET value a number", r#"{"sets":{"a":1}}"#),
        case("SET value null", r#"{"sets":{"a":null}}"#),
        case("SET value an object", r#"{"sets":{"a":{"jws":"t"}}}"#),
        case("SET value an empty string", r#"{"sets":{"a":""}}"#),
        case(
            "duplicate jti in sets",
            r#"{"sets":{"a":"t1","b":"t2","a":"t3"}}"#,
        ),
        case("empty jti", r#"{"sets":{"":"t"}}"#),
        case(
            "jti of 129 characters",
            format!(r#"{{"sets":{{"{jti129}":"t"}}}}"#),
        ),
        limited(
            "sets at maxSets",
            r#"{"sets":{"a":"t","b":"t"}}"#,
            (1024, 2),
        ),
        limited(
            "sets over maxSets",
            r#"{"sets":{"a":"t","b":"t","c":"t"}}"#,
            (1024, 2),
        ),
        limited(
            "body over maxBodyBytes",
            r#"{"sets":{"a":"0123456789"}}"#,
            (16, 10),
        ),
    ]
}

/// The `response_parse` file.
///
/// # Errors
/// When two cases share a name.
pub fn file() -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for input in inputs() {
        let mut c = Map::new();
        c.insert("name".into(), json!(input.name));
        put_body(&mut c, &input.body);
        let mut limits = ResponseLimits::default();
        if let Some((max_body_bytes, max_sets)) = input.limits {
            c.insert(
                "limits".into(),
                json!({ "maxBodyBytes": max_body_bytes, "maxSets": max_sets }),
            );
            limits = ResponseLimits {
                max_body_bytes,
                max_sets,
            };
        }
        let expect = match EventPollingResponse::parse_lenient(&input.body, &limits) {
            Ok(r) => ok(json!({ "responseJson": r.to_json() })),
            Err(e) => error(json!({ "code": e.code(), "path": e.path() })),
        };
        c.insert("expect".into(), expect);
        cases.push(Value::Object(c));
    }
    check_unique_names("response_parse", &cases)?;
    Ok(vector_file(
        "response_parse",
        "EventPollingResponse::parse_lenient (OBEventPollingResponse1, the answer \
         to POST /events) then EventPollingResponse::to_json on success",
        cases,
    ))
}
