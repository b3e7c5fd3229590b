//! `EventPolling::parse` driven by the official `OBEventPolling1` schema,
//! read from each OpenAPI file: for every property, every wrong type, every
//! length boundary just inside and just outside, every required member and
//! every object level's `additionalProperties`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::{json, Map, Value};
use setpoll_core::wire::{EventPolling, RequestOptions};

/// The schema keywords this driver understands. A new keyword in a future
/// file fails the test instead of going unchecked.
const HANDLED: &[&str] = &[
    "type",
    "properties",
    "additionalProperties",
    "items",
    "required",
    "minLength",
    "maxLength",
    "description",
];

#[derive(Clone, Debug)]
enum Seg {
    Key(String),
    Index(usize),
}

fn render(path: &[Seg]) -> String {
    let mut out = String::new();
    for s in path {
        match s {
            Seg::Index(i) => out.push_str(&format!("[{i}]")),
            Seg::Key(k) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(k);
            }
        }
    }
    out
}

/// A key used for `additionalProperties` maps (a jti).
const ENTRY_KEY: &str = "jti-1";

/// Smallest valid instance of a schema.
fn valid(schema: &Value) -> Value {
    match schema["type"].as_str().unwrap_or("object") {
        "object" => {
            let mut m = Map::new();
            if let Some(props) = schema["properties"].as_object() {
                for (k, s) in props {
                    m.insert(k.clone(), valid(s));
                }
            }
            if schema["additionalProperties"].is_object() {
                m.insert(ENTRY_KEY.into(), valid(&schema["additionalProperties"]));
            }
            Value::Object(m)
        }
        "array" => json!([valid(&schema["items"])]),
        "string" => {
            let n = schema["minLength"].as_u64().unwrap_or(1).max(1);
            Value::String("s".repeat(n as usize))
        }
        "integer" => json!(1),
        "boolean" => json!(true),
        other => panic!("schema type {other} not handled"),
    }
}

fn set_at(doc: &mut Value, path: &[Seg], v: Option<Value>) {
    let (last, parents) = path.split_last().unwrap();
    let mut cur = doc;
    for s in parents {
        cur = match s {
            Seg::Key(k) => cur.get_mut(k).unwrap(),
            Seg::Index(i) => cur.get_mut(*i).unwrap(),
        };
    }
    match (last, v) {
        (Seg::Key(k), Some(v)) => {
            cur.as_object_mut().unwrap().insert(k.clone(), v);
        }
        (Seg::Key(k), None) => {
            cur.as_object_mut().unwrap().remove(k);
        }
        (Seg::Index(i), Some(v)) => cur[*i] = v,
        (Seg::Index(_), None) => unreachable!(),
    }
}

#[derive(Debug)]
struct Case {
    what: String,
    body: String,
    /// `None` = must parse; `Some((code, path))` = must fail so.
    expect: Option<(&'static str, String)>,
}

struct Driver {
    root_valid: Value,
    cases: Vec<Case>,
}

impl Driver {
    fn mutate(
        &mut self,
        what: String,
        path: &[Seg],
        v: Option<Value>,
        expect: Option<(&'static str, String)>,
    ) {
        let mut doc = self.root_valid.clone();
        set_at(&mut doc, path, v);
        self.cases.push(Case {
            what,
            body: serde_json::to_string(&doc).unwrap(),
            expect,
        });
    }

    fn walk(&mut self, schema: &Value, path: &[Seg]) {
        for key in schema.as_object().unwrap().keys() {
            assert!(
                HANDLED.contains(&key.as_str()),
                "schema keyword {key} at {path:?} has no test driver"
            );
        }
        let here = render(path);
        let ty = schema["type"].as_str().unwrap_or("object");
        if !path.is_empty() {
            // Every JSON type other than the declared one is refused.
            let others: Vec<(&str, Value)> = vec![
                ("null", Value::Null),
                ("boolean", json!(false)),
                ("integer", json!(7)),
                ("number", json!(1.5)),
                ("string", json!("7")),
                ("array", json!([])),
                ("object", json!({})),
            ];
            for (name, v) in others {
                let fits = name == ty || (ty == "number" && name == "integer");
                if fits {
                    continue;
                }
                let code = if ty == "integer" && name == "number" {
                    "not_an_integer"
                } else {
                    "wrong_type"
                };
                self.mutate(
                    format!("{here} as {name}"),
                    path,
                    Some(v),
                    Some((code, here.clone())),
                );
            }
        }
        match ty {
            "string" => {
                let min = schema["minLength"].as_u64().map(|n| n as usize);
                let max = schema["maxLength"].as_u64().map(|n| n as usize);
                // Multi-byte characters: lengths count chars, not bytes.
                for unit in ["a", "é", "𝄞"] {
                    if let Some(min) = min {
                        self.mutate(
                            format!("{here} at minLength ({unit})"),
                            path,
                            Some(json!(unit.repeat(min))),
                            None,
                        );
                        if min > 0 {
                            self.mutate(
                                format!("{here} below minLength"),
                                path,
                                Some(json!(unit.repeat(min - 1))),
                                Some(("invalid_length", here.clone())),
                            );
                        }
                    }
                    if let Some(max) = max {
                        self.mutate(
                            format!("{here} at maxLength ({unit})"),
                            path,
                            Some(json!(unit.repeat(max))),
                            None,
                        );
                        self.mutate(
                            format!("{here} above maxLength ({unit})"),
                            path,
                            Some(json!(unit.repeat(max + 1))),
                            Some(("invalid_length", here.clone())),
                        );
                    }
                }
            }
            "integer" => {
                for ok in [json!(0), json!(1), json!(2_147_483_647)] {
                    self.mutate(format!("{here} = {ok}"), path, Some(ok), None);
                }
                // Project rules beyond the bare `type: integer` (see EventPolling::parse docs).
                self.mutate(
                    format!("{here} negative"),
                    path,
                    Some(json!(-1)),
                    Some(("out_of_range", here.clone())),
                );
                self.mutate(
                    format!("{here} beyond int32"),
                    path,
                    Some(json!(2_147_483_648_u64)),
                    Some(("out_of_range", here.clone())),
                );
                self.mutate(
                    format!("{here} = 1.0"),
                    path,
                    Some(json!(1.0)),
                    Some(("not_an_integer", here.clone())),
                );
            }
            "boolean" => {
                self.mutate(format!("{here} = false"), path, Some(json!(false)), None);
            }
            "array" => {
                self.mutate(format!("{here} empty"), path, Some(json!([])), None);
                let mut item = path.to_vec();
                item.push(Seg::Index(0));
                self.walk(&schema["items"], &item);
            }
            "object" => {
                let props = schema["properties"]
                    .as_object()
                    .cloned()
                    .unwrap_or_default();
                for (k, s) in &props {
                    let mut p = path.to_vec();
                    p.push(Seg::Key(k.clone()));
                    // Every property is optional unless listed as required.
                    let required = schema["required"]
                        .as_array()
                        .is_some_and(|r| r.contains(&json!(k)));
                    if required {
                        let mut missing = path.to_vec();
                        missing.push(Seg::Key(k.clone()));
                        self.mutate(
                            format!("{} missing", render(&missing)),
                            &p,
                            None,
                            Some(("missing_member", render(&missing))),
                        );
                    } else {
                        self.mutate(format!("{} absent", render(&p)), &p, None, None);
                    }
                    self.walk(s, &p);
                }
                let mut extra = path.to_vec();
                extra.push(Seg::Key("unexpectedMember".into()));
                match &schema["additionalProperties"] {
                    Value::Bool(false) => self.mutate(
                        format!("{} (additionalProperties: false)", render(&extra)),
                        &extra,
                        Some(json!(1)),
                        Some(("unknown_member", render(&extra))),
                    ),
                    Value::Object(_) => {
                        let mut entry = path.to_vec();
                        entry.push(Seg::Key(ENTRY_KEY.into()));
                        self.walk(&schema["additionalProperties"], &entry);
                        // The map may also be empty.
                        let mut empty = self.root_valid.clone();
                        set_at(&mut empty, path, Some(json!({})));
                        self.cases.push(Case {
                            what: format!("{here} empty"),
                            body: empty.to_string(),
                            expect: None,
                        });
                    }
                    _ => {
                        // Open in the schema: refused by the strict default
                        // (documented), accepted when unknown members are allowed.
                        self.mutate(
                            format!("{} (open object, strict)", render(&extra)),
                            &extra,
                            Some(json!(1)),
                            Some(("unknown_member", render(&extra))),
                        );
                        self.mutate(
                            format!("{} (open object, lenient)", render(&extra)),
                            &extra,
                            Some(json!(1)),
                            None,
                        );
                    }
                }
            }
            other => panic!("type {other} not handled"),
        }
    }
}

fn run_file(file: &str) -> usize {
    let schema = common::schema(file, "OBEventPolling1");
    let root_valid = valid(&schema);
    let mut d = Driver {
        root_valid: root_valid.clone(),
        cases: vec![Case {
            what: "smallest complete document".into(),
            body: root_valid.to_string(),
            expect: None,
        }],
    };
    d.walk(&schema, &[]);
    let strict = RequestOptions::default();
    let lenient = RequestOptions {
        reject_unknown_members: false,
        ..RequestOptions::default()
    };
    for case in &d.cases {
        let opts = if case.what.contains("lenient") {
            &lenient
        } else {
            &strict
        };
        let got = EventPolling::parse(case.body.as_bytes(), opts);
        match (&case.expect, got) {
            (None, Ok(_)) => {}
            (Some((code, path)), Err(e)) => {
                assert_eq!(e.code(), *code, "{file}: {}: {}", case.what, case.body);
                assert_eq!(
                    e.path(),
                    Some(path.as_str()),
                    "{file}: {}: {}",
                    case.what,
                    case.body
                );
            }
            (expect, got) => panic!(
                "{file}: {}: body {} expected {expect:?}, got {got:?}",
                case.what, case.body
            ),
        }
    }
    d.cases.len()
}

#[test]
fn every_schema_rule_of_every_file_is_enforced() {
    for file in common::POLLING_FILES {
        let n = run_file(file);
        // 4 properties × (types + bounds) + nested levels: a collapse of the
        // driver (e.g. an empty schema) must not pass silently.
        assert!(n > 80, "{file}: only {n} cases generated");
    }
}

#[test]
fn the_three_files_agree_on_the_shape() {
    let norm = |file: &str| {
        let mut s = common::schema(file, "OBEventPolling1");
        strip_descriptions(&mut s);
        s.as_object_mut().unwrap().remove("additionalProperties");
        s
    };
    let a = norm(common::POLLING_FILES[0]);
    for file in &common::POLLING_FILES[1..] {
        assert_eq!(
            norm(file),
            a,
            "{file} differs from {}",
            common::POLLING_FILES[0]
        );
    }
    // The only known difference: v3.1.2 leaves the top level open.
    assert_eq!(
        common::schema("events-v3.1.11.yaml", "OBEventPolling1")["additionalProperties"],
        json!(false)
    );
    assert_eq!(
        common::schema("events-v4.0.yaml", "OBEventPolling1")["additionalProperties"],
        json!(false)
    );
    assert!(
        common::schema("aggregated-polling-v3.1.2.yaml", "OBEventPolling1")["additionalProperties"]
            .is_null()
    );
}

fn strip_descriptions(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.remove("description");
            m.values_mut().for_each(strip_descriptions);
        }
        Value::Array(a) => a.iter_mut().for_each(strip_descriptions),
        _ => {}
    }
}

/// The response schema's required members are what `to_json` always writes.
#[test]
fn response_writer_covers_the_required_members() {
    use setpoll_core::wire::EventPollingResponse;
    for file in common::POLLING_FILES {
        let schema = common::schema(file, "OBEventPollingResponse1");
        let written: Value =
            serde_json::from_str(&EventPollingResponse::default().to_json()).unwrap();
        for req in schema["required"].as_array().unwrap() {
            assert!(
                written.get(req.as_str().unwrap()).is_some(),
                "{file}: {req} not written"
            );
        }
        let props = schema["properties"].as_object().unwrap();
        for k in written.as_object().unwrap().keys() {
            assert!(props.contains_key(k), "{file}: {k} not in schema");
        }
        assert_eq!(
            schema["properties"]["sets"]["additionalProperties"]["type"],
            json!("string")
        );
    }
}

/// The error body we produce fits OBErrorResponse1 of the v3.1.x files:
/// required members, types and length bounds, read from the files.
#[test]
fn error_response_fits_the_schema() {
    use setpoll_core::wire::RequestError;
    let errors = [
        RequestError::EmptyBody,
        RequestError::InvalidLength {
            path: format!("setErrs['{}'].err", "€".repeat(2000)),
            min: 1,
            max: 40,
            actual: 9000,
        },
        RequestError::MissingMember {
            path: "setErrs.a.description".into(),
        },
    ];
    for file in ["events-v3.1.11.yaml", "aggregated-polling-v3.1.2.yaml"] {
        let resp = common::schema(file, "OBErrorResponse1");
        let detail = common::schema(file, "OBError1");
        for e in &errors {
            for id in ["", "abc", &"é".repeat(100)] {
                let body: Value = serde_json::from_str(&e.to_error_response(id).to_json()).unwrap();
                check_object(&body, &resp, file);
                for d in body["Errors"].as_array().unwrap() {
                    check_object(d, &detail, file);
                }
                assert!(!body["Errors"].as_array().unwrap().is_empty());
            }
        }
    }
}

fn check_object(v: &Value, schema: &Value, file: &str) {
    let obj = v.as_object().unwrap();
    for req in schema["required"].as_array().unwrap() {
        assert!(
            obj.contains_key(req.as_str().unwrap()),
            "{file}: {req} missing in {v}"
        );
    }
    let props = schema["properties"].as_object().unwrap();
    for (k, val) in obj {
        let p = props
            .get(k)
            .unwrap_or_else(|| panic!("{file}: {k} not in schema"));
        if p["type"] == json!("string") {
            let n = val.as_str().unwrap().chars().count() as u64;
            if let Some(min) = p["minLength"].as_u64() {
                assert!(n >= min, "{file}: {k} too short");
            }
            if let Some(max) = p["maxLength"].as_u64() {
                assert!(n <= max, "{file}: {k} has {n} chars > {max}");
            }
        }
    }
}
