//! SET claims against the OBIE documentation example and the
//! `event-notifications-v3.1.11.yaml` schema, read from shared/spec.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use serde_json::{json, Map, Value};
use setpoll_core::claims::{
    ClaimsError, Event, EventSubject, LinkedAccountReason, ResourceLink, SetClaims,
    CONSENT_AUTHORIZATION_REVOKED, LINKED_ACCOUNT_UPDATE, RESOURCE_UPDATE, RID, RLK, RTY,
};
use setpoll_core::codes::{SetErrCode, Vocabulary};

/// The example payload of the protocol brief (the OBIE documentation example).
fn readme_example() -> String {
    let readme = common::read_spec_file("README.md");
    let start = readme.find("Example payload").expect("no example heading");
    let rest = &readme[start..];
    let open = rest.find("```json").unwrap() + "```json".len();
    let close = rest[open..].find("```").unwrap();
    rest[open..open + close].trim().to_owned()
}

fn example_value() -> Value {
    serde_json::from_str(&readme_example()).unwrap()
}

fn parse_value(v: &Value) -> Result<SetClaims, ClaimsError> {
    SetClaims::from_json(v.to_string().as_bytes())
}

#[test]
fn the_documentation_example_parses_and_re_serialises_byte_for_byte() {
    let text = readme_example();
    let c = SetClaims::from_json(text.as_bytes()).unwrap();
    assert_eq!(c.iss, "https://examplebank.com/");
    assert_eq!(c.iat, 1_516_239_022);
    assert_eq!(c.jti, "b460a07c-4962-43d1-85ee-9dc10fbb8f6c");
    assert_eq!(c.aud, ["7umx5nTR33811QyQfi"]);
    assert_eq!(
        c.txn.as_deref(),
        Some("dfc51628-3479-4b81-ad60-210b43d02306")
    );
    assert_eq!(c.toe, Some(1_516_239_022));
    assert_eq!(c.event_types(), [RESOURCE_UPDATE]);
    let Event::ResourceUpdate { subject } = &c.events[0].1 else {
        panic!("not a resource update: {:?}", c.events[0]);
    };
    assert_eq!(subject.rid, "aac-1234-007");
    assert_eq!(subject.rty, "account-access-consent");
    assert_eq!(subject.rlk.len(), 1);
    assert_eq!(subject.rlk[0].version, "v3.1");
    c.check_obie_profile().unwrap();
    // Our member order is the example's, so the compact forms are equal.
    let compact = serde_json::to_string(&example_value()).unwrap();
    assert_eq!(c.to_json(), compact);
}

#[test]
fn iat_as_a_string_is_refused_clearly() {
    let mut v = example_value();
    v["iat"] = json!("1516239022");
    let e = parse_value(&v).unwrap_err();
    assert_eq!(
        e,
        ClaimsError::WrongType {
            path: "iat".into(),
            expected: "integer",
            found: "string"
        }
    );
    assert_eq!(e.to_string(), "iat must be a JSON integer, found string");
    assert_eq!(e.set_err(Vocabulary::Obie), SetErrCode::SetParse);
    assert_eq!(e.set_err(Vocabulary::Rfc8935), SetErrCode::InvalidRequest);
}

fn expect_err(v: &Value, code: &str, path: Option<&str>, set_err: SetErrCode) {
    let e = parse_value(v).unwrap_err();
    assert_eq!((e.code(), e.path()), (code, path), "{v}");
    assert_eq!(e.set_err(Vocabulary::Obie), set_err, "{e}");
    assert_eq!(e.set_err(Vocabulary::Rfc8935), SetErrCode::InvalidRequest);
    let d = e.description();
    assert!(!d.is_empty() && d.chars().count() <= 256);
}

/// Every rule of `OBEventNotification1` read from the file: required claims,
/// string bounds, integer minimums, `format: uri`.
#[test]
fn notification_schema_rules_from_the_file() {
    let schema = common::schema("event-notifications-v3.1.11.yaml", "OBEventNotification1");
    // RFC 8417 leniency (documented): these may be absent, the OBIE profile check catches it.
    let lenient = ["sub", "txn", "toe"];
    let mut checked = 0;
    for req in schema["required"].as_array().unwrap() {
        let name = req.as_str().unwrap();
        let mut v = example_value();
        v.as_object_mut().unwrap().remove(name);
        if lenient.contains(&name) {
            let c = parse_value(&v).unwrap();
            let e = c.check_obie_profile().unwrap_err();
            assert_eq!((e.code(), e.path()), ("missing_claim", Some(name)));
        } else {
            expect_err(&v, "missing_claim", Some(name), SetErrCode::SetParse);
        }
        checked += 1;
    }
    for (name, prop) in schema["properties"].as_object().unwrap() {
        match prop["type"].as_str() {
            Some("string") => {
                let mut v = example_value();
                v[name] = json!(7);
                expect_err(&v, "wrong_type", Some(name), SetErrCode::SetParse);
                if let Some(max) = prop["maxLength"].as_u64() {
                    let max = max as usize;
                    let mut v = example_value();
                    v[name] = json!("é".repeat(max));
                    parse_value(&v).unwrap();
                    v[name] = json!("é".repeat(max + 1));
                    expect_err(&v, "invalid_length", Some(name), SetErrCode::SetData);
                    checked += 1;
                }
                if prop["minLength"].as_u64() == Some(1) {
                    let mut v = example_value();
                    v[name] = json!("");
                    expect_err(&v, "invalid_length", Some(name), SetErrCode::SetData);
                    checked += 1;
                }
                if prop["format"] == json!("uri") {
                    let mut v = example_value();
                    v[name] = json!("not a uri");
                    expect_err(&v, "not_a_uri", Some(name), SetErrCode::SetData);
                    v[name] = json!("aac-1234-007");
                    expect_err(&v, "not_a_uri", Some(name), SetErrCode::SetData);
                    checked += 1;
                }
            }
            Some("integer") => {
                let min = prop["minimum"].as_i64().unwrap();
                let mut v = example_value();
                v[name] = json!(min);
                parse_value(&v).unwrap();
                v[name] = json!(min - 1);
                expect_err(&v, "out_of_range", Some(name), SetErrCode::SetData);
                v[name] = json!(1.5);
                expect_err(&v, "not_an_integer", Some(name), SetErrCode::SetData);
                v[name] = json!(1_516_239_022.0);
                expect_err(&v, "not_an_integer", Some(name), SetErrCode::SetData);
                v[name] = json!("1516239022");
                expect_err(&v, "wrong_type", Some(name), SetErrCode::SetParse);
                v[name] = json!(null);
                expect_err(&v, "wrong_type", Some(name), SetErrCode::SetParse);
                // Beyond int32 (January 2038) is accepted on purpose.
                v[name] = json!(4_102_444_800_i64);
                parse_value(&v).unwrap();
                checked += 1;
            }
            None => {
                assert_eq!(name, "events");
                let mut v = example_value();
                v["events"] = json!([]);
                expect_err(&v, "wrong_type", Some("events"), SetErrCode::SetParse);
                checked += 1;
            }
            other => panic!("{name}: type {other:?} has no driver"),
        }
    }
    assert!(checked >= 14, "{checked}");
}

fn subject_path(extra: &str) -> String {
    format!("events['{RESOURCE_UPDATE}'].subject{extra}")
}

/// `OBEventSubject1` and `OBEventLink1` from the file: required members,
/// bounds, `minItems`, `additionalProperties: false`.
#[test]
fn subject_schema_rules_from_the_file() {
    let subject = common::schema("event-notifications-v3.1.11.yaml", "OBEventSubject1");
    let link = common::schema("event-notifications-v3.1.11.yaml", "OBEventLink1");
    let with_subject = |f: &dyn Fn(&mut Value)| {
        let mut v = example_value();
        f(&mut v["events"][RESOURCE_UPDATE]["subject"]);
        v
    };
    let member_path = |name: &str| {
        if name == "subject_type" {
            subject_path(".subject_type")
        } else {
            subject_path(&format!("['{name}']"))
        }
    };
    for req in subject["required"].as_array().unwrap() {
        let name = req.as_str().unwrap();
        let v = with_subject(&|s| {
            s.as_object_mut().unwrap().remove(name);
        });
        expect_err(
            &v,
            "missing_claim",
            Some(&member_path(name)),
            SetErrCode::SetParse,
        );
    }
    for (name, prop) in subject["properties"].as_object().unwrap() {
        if let Some(max) = prop["maxLength"].as_u64() {
            let max = max as usize;
            parse_value(&with_subject(&|s| s[name] = json!("x".repeat(max)))).unwrap();
            let v = with_subject(&|s| s[name] = json!("x".repeat(max + 1)));
            expect_err(
                &v,
                "invalid_length",
                Some(&member_path(name)),
                SetErrCode::SetData,
            );
            let v = with_subject(&|s| s[name] = json!(""));
            expect_err(
                &v,
                "invalid_length",
                Some(&member_path(name)),
                SetErrCode::SetData,
            );
        }
        if prop["minItems"] == json!(1) {
            let v = with_subject(&|s| s[name] = json!([]));
            expect_err(&v, "empty", Some(&member_path(name)), SetErrCode::SetData);
        }
    }
    assert_eq!(subject["additionalProperties"], json!(false));
    let v = with_subject(&|s| s["extra"] = json!(1));
    expect_err(
        &v,
        "unknown_member",
        Some(&subject_path(".extra")),
        SetErrCode::SetParse,
    );

    let link_path = |name: &str| subject_path(&format!("['{RLK}'][0].{name}"));
    for req in link["required"].as_array().unwrap() {
        let name = req.as_str().unwrap();
        let v = with_subject(&|s| {
            s[RLK][0].as_object_mut().unwrap().remove(name);
        });
        expect_err(
            &v,
            "missing_claim",
            Some(&link_path(name)),
            SetErrCode::SetParse,
        );
    }
    let vmax = link["properties"]["version"]["maxLength"].as_u64().unwrap() as usize;
    parse_value(&with_subject(&|s| {
        s[RLK][0]["version"] = json!("v".repeat(vmax))
    }))
    .unwrap();
    let v = with_subject(&|s| s[RLK][0]["version"] = json!("v".repeat(vmax + 1)));
    expect_err(
        &v,
        "invalid_length",
        Some(&link_path("version")),
        SetErrCode::SetData,
    );
    assert_eq!(link["additionalProperties"], json!(false));
    let v = with_subject(&|s| s[RLK][0]["extra"] = json!("x"));
    expect_err(
        &v,
        "unknown_member",
        Some(&link_path("extra")),
        SetErrCode::SetParse,
    );
    let v = with_subject(&|s| s[RLK][0] = json!("https://x"));
    expect_err(
        &v,
        "wrong_type",
        Some(&subject_path(&format!("['{RLK}'][0]"))),
        SetErrCode::SetParse,
    );

    // OBEventResourceUpdate1: subject required, nothing else allowed.
    let ru = common::schema("event-notifications-v3.1.11.yaml", "OBEventResourceUpdate1");
    assert_eq!(ru["required"], json!(["subject"]));
    let mut v = example_value();
    v["events"][RESOURCE_UPDATE] = json!({});
    expect_err(
        &v,
        "missing_claim",
        Some(&subject_path("")),
        SetErrCode::SetParse,
    );
    let mut v = example_value();
    v["events"][RESOURCE_UPDATE]["reason"] = json!("x");
    expect_err(
        &v,
        "unknown_member",
        Some(&format!("events['{RESOURCE_UPDATE}'].reason")),
        SetErrCode::SetParse,
    );
}

fn subject(rty: &str) -> EventSubject {
    EventSubject::new(
        "aac-1",
        rty,
        vec![ResourceLink::new("v3.1", "https://bank.example/aac-1")],
    )
}

fn subject_json(rty: &str) -> Value {
    json!({
        "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
        RID: "aac-1",
        RTY: rty,
        RLK: [{"version": "v3.1", "link": "https://bank.example/aac-1"}]
    })
}

#[test]
fn event_rules() {
    let with_events = |events: Value| {
        let mut v = example_value();
        v["events"] = events;
        v
    };
    // consent-authorization-revoked: subject needed unless a resource-update is present.
    let v = with_events(json!({ CONSENT_AUTHORIZATION_REVOKED: {"reason": "PSU revoked"} }));
    let path = format!("events['{CONSENT_AUTHORIZATION_REVOKED}'].subject");
    expect_err(&v, "missing_subject", Some(&path), SetErrCode::SetData);
    let v = with_events(json!({
        RESOURCE_UPDATE: {"subject": subject_json("account-access-consent")},
        CONSENT_AUTHORIZATION_REVOKED: {}
    }));
    let c = parse_value(&v).unwrap();
    assert_eq!(
        c.event_types(),
        [RESOURCE_UPDATE, CONSENT_AUTHORIZATION_REVOKED]
    );
    let v = with_events(
        json!({ CONSENT_AUTHORIZATION_REVOKED: {"reason": "", "subject": subject_json("x")} }),
    );
    expect_err(
        &v,
        "empty",
        Some(&format!("events['{CONSENT_AUTHORIZATION_REVOKED}'].reason")),
        SetErrCode::SetData,
    );
    let v = with_events(json!({ CONSENT_AUTHORIZATION_REVOKED: {"reason": 1} }));
    expect_err(
        &v,
        "wrong_type",
        Some(&format!("events['{CONSENT_AUTHORIZATION_REVOKED}'].reason")),
        SetErrCode::SetParse,
    );

    // linked-account-update: rty and reason.
    let ok = with_events(
        json!({ LINKED_ACCOUNT_UPDATE: {"reason": "UK.OBIE.CASS", "subject": subject_json("account-access-consent")} }),
    );
    let c = parse_value(&ok).unwrap();
    assert_eq!(
        c.events[0].1,
        Event::LinkedAccountUpdate {
            reason: Some(LinkedAccountReason::Cass),
            subject: Some(subject("account-access-consent"))
        }
    );
    let v = with_events(
        json!({ LINKED_ACCOUNT_UPDATE: {"subject": subject_json("domestic-payment")} }),
    );
    expect_err(
        &v,
        "wrong_resource_type",
        Some(&format!(
            "events['{LINKED_ACCOUNT_UPDATE}'].subject['{RTY}']"
        )),
        SetErrCode::SetData,
    );
    let v = with_events(json!({ LINKED_ACCOUNT_UPDATE: {"reason": "closed"} }));
    expect_err(
        &v,
        "invalid_reason",
        Some(&format!("events['{LINKED_ACCOUNT_UPDATE}'].reason")),
        SetErrCode::SetData,
    );
    let c = parse_value(&with_events(
        json!({ LINKED_ACCOUNT_UPDATE: {"reason": "UK.Bank.Merged"} }),
    ))
    .unwrap();
    assert_eq!(
        c.events[0].1,
        Event::LinkedAccountUpdate {
            reason: Some(LinkedAccountReason::Other("UK.Bank.Merged".into())),
            subject: None
        }
    );

    // events: non-empty, URI keys, object values.
    expect_err(
        &with_events(json!({})),
        "no_events",
        Some("events"),
        SetErrCode::SetType,
    );
    expect_err(
        &with_events(json!({"": {}})),
        "invalid_event_type",
        Some("events['']"),
        SetErrCode::SetType,
    );
    expect_err(
        &with_events(json!({"resource update": {}})),
        "invalid_event_type",
        Some("events['resource update']"),
        SetErrCode::SetType,
    );
    expect_err(
        &with_events(json!({"urn:x:y": "payload"})),
        "wrong_type",
        Some("events['urn:x:y']"),
        SetErrCode::SetParse,
    );
    expect_err(
        &with_events(json!({"urn:x:y": []})),
        "wrong_type",
        Some("events['urn:x:y']"),
        SetErrCode::SetParse,
    );
}

#[test]
fn other_claim_rules() {
    // aud as an array (RFC 8417) is accepted; empty or bad items are not.
    let mut v = example_value();
    v["aud"] = json!(["a", "b"]);
    let c = parse_value(&v).unwrap();
    assert_eq!(c.aud, ["a", "b"]);
    assert!(c.to_json().contains(r#""aud":["a","b"]"#));
    assert_eq!(c.check_obie_profile().unwrap_err().code(), "wrong_type");
    v["aud"] = json!([]);
    expect_err(&v, "empty", Some("aud"), SetErrCode::SetData);
    v["aud"] = json!(["a", 1]);
    expect_err(&v, "wrong_type", Some("aud[1]"), SetErrCode::SetParse);
    v["aud"] = json!(["a", "x".repeat(129)]);
    expect_err(&v, "invalid_length", Some("aud[1]"), SetErrCode::SetData);
    let mut v = example_value();
    v["iss"] = json!("");
    expect_err(&v, "empty", Some("iss"), SetErrCode::SetData);
    // Claims outside the OBIE schema are kept (see `every_claim_survives`).
    let mut v = example_value();
    v["exp"] = json!(1);
    assert_ne!(
        parse_value(&v).unwrap(),
        parse_value(&example_value()).unwrap()
    );

    // Duplicate names anywhere.
    let dup = readme_example().replacen(
        "\"iat\": 1516239022,",
        "\"iat\": 1516239022, \"iat\": 1,",
        1,
    );
    let e = SetClaims::from_json(dup.as_bytes()).unwrap_err();
    assert_eq!((e.code(), e.path()), ("duplicate_member", Some("iat")));
    assert_eq!(e.set_err(Vocabulary::Obie), SetErrCode::SetParse);

    // Body-level problems.
    for (bytes, code) in [
        (&b""[..], "malformed_json"),
        (b"\xff", "not_utf8"),
        (b"[1]", "not_an_object"),
        (b"{\"iss\":", "malformed_json"),
    ] {
        let e = SetClaims::from_json(bytes).unwrap_err();
        assert_eq!(e.code(), code);
        assert_eq!(e.path(), None);
        assert_eq!(e.set_err(Vocabulary::Obie), SetErrCode::SetParse);
    }
    let deep = format!("{{\"events\":{}{}}}", "[".repeat(5000), "]".repeat(5000));
    assert_eq!(
        SetClaims::from_json(deep.as_bytes()).unwrap_err().code(),
        "malformed_json"
    );
}

#[test]
fn custom_events_round_trip_byte_for_byte() {
    let custom = r#"{"zeta":1,"alpha":{"nested":[1,2.5,-3,"é\n\u0001",true,null]},"http://x/y":"z","big":18446744073709551615}"#;
    let payload = format!(
        r#"{{"iss":"https://bank.example/","iat":1,"jti":"j1","sub":"https://bank.example/r/1","aud":"tpp","events":{{"urn:bank:events:thing":{custom},"{RESOURCE_UPDATE}":{{"subject":{}}}}},"txn":"t","toe":2}}"#,
        serde_json::to_string(&subject_json("account-access-consent")).unwrap()
    );
    let c = SetClaims::from_json(payload.as_bytes()).unwrap();
    let Event::Custom(map) = &c.events[0].1 else {
        panic!("{:?}", c.events[0])
    };
    assert_eq!(
        map.keys().collect::<Vec<_>>(),
        ["zeta", "alpha", "http://x/y", "big"]
    );
    assert_eq!(c.to_json(), payload);
    assert_eq!(SetClaims::from_json(c.to_json().as_bytes()).unwrap(), c);
}

#[test]
fn builder_round_trip() {
    let mut custom = Map::new();
    custom.insert("b".into(), json!(2));
    custom.insert("a".into(), json!({"x": [1]}));
    let c = SetClaims::builder("https://bank.example/", "jti-1", "tpp-1", 1_700_000_000)
        .sub("https://bank.example/open-banking/v3.1/aisp/account-access-consents/aac-1")
        .txn("txn-1")
        .toe(1_699_999_999)
        .resource_update(subject("account-access-consent"))
        .consent_revoked(Some("PSU revoked".into()), None)
        .linked_account_update(
            Some(LinkedAccountReason::AccountClosure),
            Some(subject("account-access-consent")),
        )
        .custom_event("urn:bank:events:custom", custom.clone())
        .build()
        .unwrap();
    c.check_obie_profile().unwrap();
    let json = c.to_json();
    let back = SetClaims::from_json(json.as_bytes()).unwrap();
    assert_eq!(back, c);
    assert_eq!(back.to_json(), json);
    assert_eq!(
        c.event_types(),
        [
            RESOURCE_UPDATE,
            CONSENT_AUTHORIZATION_REVOKED,
            LINKED_ACCOUNT_UPDATE,
            "urn:bank:events:custom"
        ]
    );
    assert!(
        json.starts_with(r#"{"iss":"https://bank.example/","iat":1700000000,"jti":"jti-1","sub":"#)
    );
    assert!(json.contains(r#""urn:bank:events:custom":{"b":2,"a":{"x":[1]}}"#));
    assert!(json.ends_with(r#""txn":"txn-1","toe":1699999999}"#));

    // The builder validates.
    let e = SetClaims::builder("https://b/", "", "tpp", 1)
        .resource_update(subject("x"))
        .build()
        .unwrap_err();
    assert_eq!((e.code(), e.path()), ("invalid_length", Some("jti")));
    let e = SetClaims::builder("https://b/", "j", "tpp", 1)
        .build()
        .unwrap_err();
    assert_eq!(e, ClaimsError::NoEvents);
    let e = SetClaims::builder("https://b/", "j", "tpp", -1)
        .resource_update(subject("x"))
        .build()
        .unwrap_err();
    assert_eq!((e.code(), e.path()), ("out_of_range", Some("iat")));
    let e = SetClaims::builder("https://b/", "j", "tpp", 1)
        .consent_revoked(None, None)
        .build()
        .unwrap_err();
    assert_eq!(e.code(), "missing_subject");
    let e = SetClaims::builder("https://b/", "j", "tpp", 1)
        .linked_account_update(Some(LinkedAccountReason::Other("nope".into())), None)
        .build()
        .unwrap_err();
    assert_eq!(e.code(), "invalid_reason");
    let e = SetClaims::builder("https://b/", "j", "tpp", 1)
        .resource_update(subject("x"))
        .resource_update(subject("y"))
        .build()
        .unwrap_err();
    assert_eq!(
        (e.code(), e.set_err(Vocabulary::Obie)),
        ("duplicate_event_type", SetErrCode::SetType)
    );
    let e = SetClaims::builder("https://b/", "j", "tpp", 1)
        .custom_event(RESOURCE_UPDATE, custom)
        .build()
        .unwrap_err();
    assert_eq!(
        (e.code(), e.set_err(Vocabulary::Obie)),
        ("event_type_mismatch", SetErrCode::SetType)
    );
    let e = SetClaims::builder("https://b/", "j", "tpp", 1)
        .sub("relative/path")
        .resource_update(subject("x"))
        .build()
        .unwrap_err();
    assert_eq!(e.code(), "not_a_uri");

    // Hand-made claims with a typed event under the wrong key.
    let mut c = SetClaims::builder("https://b/", "j", "tpp", 1)
        .resource_update(subject("x"))
        .build()
        .unwrap();
    c.events[0].0 = LINKED_ACCOUNT_UPDATE.into();
    assert_eq!(c.validate().unwrap_err().code(), "event_type_mismatch");
}

#[test]
fn every_claim_survives() {
    use setpoll_core::claims::{NumericDate, SubjectId, SubjectIdKind};
    let mut v = example_value();
    v["exp"] = json!(1_516_239_999);
    v["nbf"] = json!(1_516_239_000.25);
    v["sub_id"] =
        json!({"format": "iss_sub", "iss": "https://idp.example/", "sub": "u-1", "x": [1]});
    v["https://bank.example/claims/branch"] = json!({"code": "0042", "open": true});
    v["acr"] = json!(null);
    let c = parse_value(&v).unwrap();
    assert_eq!(c.exp, Some(NumericDate::from_secs(1_516_239_999)));
    assert_eq!(c.nbf.as_ref().map(NumericDate::secs), Some(1_516_239_000));
    let sub_id = c.sub_id.as_ref().unwrap();
    assert_eq!(
        sub_id.kind(),
        SubjectIdKind::IssSub {
            iss: "https://idp.example/",
            sub: "u-1"
        }
    );
    assert_eq!(sub_id.members()["x"], json!([1]));
    assert_eq!(
        c.other.keys().collect::<Vec<_>>(),
        ["https://bank.example/claims/branch", "acr"]
    );
    // Written back value for value, and read back equal.
    let written: serde_json::Value = serde_json::from_str(&c.to_json()).unwrap();
    assert_eq!(written, v);
    assert_eq!(SetClaims::from_json(c.to_json().as_bytes()).unwrap(), c);

    // The builder makes the same claims.
    let built = SetClaims::builder(c.iss.clone(), c.jti.clone(), c.aud[0].clone(), c.iat)
        .sub(c.sub.clone().unwrap())
        .txn(c.txn.clone().unwrap())
        .toe(c.toe.unwrap())
        .resource_update(c.events[0].1.subject().unwrap().clone())
        .exp(1_516_239_999)
        .sub_id(SubjectId::iss_sub("https://idp.example/", "u-1"))
        .claim("acr", json!("gold"))
        .build()
        .unwrap();
    assert_eq!(built.exp, c.exp);
    assert_eq!(built.other["acr"], json!("gold"));
    // A private claim may not shadow one with its own field.
    let err = SetClaims::builder("i", "j", "a", 1)
        .resource_update(c.events[0].1.subject().unwrap().clone())
        .claim("exp", json!(5))
        .build()
        .unwrap_err();
    assert_eq!((err.code(), err.path()), ("duplicate_member", Some("exp")));

    // sub_id follows RFC 9493: a format, and the members it names.
    for (sub_id, code, path) in [
        (json!("u-1"), "wrong_type", "sub_id"),
        (json!({"email": "a@b"}), "missing_claim", "sub_id.format"),
        (json!({"format": "email"}), "missing_claim", "sub_id.email"),
        (
            json!({"format": "opaque", "id": 7}),
            "wrong_type",
            "sub_id.id",
        ),
        (
            json!({"format": "aliases", "identifiers": []}),
            "empty",
            "sub_id.identifiers",
        ),
        (
            json!({"format": "aliases", "identifiers": [{"format": "aliases", "identifiers": []}]}),
            "wrong_type",
            "sub_id.identifiers[0].format",
        ),
        (
            json!({"format": "aliases", "identifiers": [{"format": "email"}]}),
            "missing_claim",
            "sub_id.identifiers[0].email",
        ),
    ] {
        let mut v = example_value();
        v["sub_id"] = sub_id;
        let e = parse_value(&v).unwrap_err();
        assert_eq!((e.code(), e.path()), (code, Some(path)), "{v}");
    }
    // Formats RFC 9493 does not define (the SSF complex subject) are kept as they are.
    let mut v = example_value();
    v["sub_id"] = json!({"format": "complex", "user": {"format": "email", "email": "a@b"}});
    let c = parse_value(&v).unwrap();
    assert_eq!(
        c.sub_id.unwrap().kind(),
        SubjectIdKind::Other { format: "complex" }
    );
    // exp and nbf must be numbers.
    let mut v = example_value();
    v["exp"] = json!("tomorrow");
    let e = parse_value(&v).unwrap_err();
    assert_eq!((e.code(), e.path()), ("wrong_type", Some("exp")));
}

/// Found by the `claims` fuzz target: an `exp` written as a 121-digit
/// integer is read as the nearest `f64`, written in its shortest form, and
/// that text must read back to the same number (serde_json's default float
/// reader is not correctly rounded; `float_roundtrip` makes it so).
#[test]
fn huge_numeric_dates_round_trip_exactly() {
    for literal in [
        "1516239020000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000002",
        "1.7976931348623157e308",
        "4.9e-324",
        "1516239022.123456789",
    ] {
        let base = readme_example();
        let body = base.trim_end().strip_suffix('}').unwrap();
        let doc = format!("{body},\"exp\":{literal}}}");
        let claims = SetClaims::from_json(doc.as_bytes()).unwrap();
        let text = claims.to_json();
        let again = SetClaims::from_json(text.as_bytes()).unwrap();
        assert_eq!(again, claims, "{literal} -> {text}");
        assert_eq!(again.to_json(), text, "{literal}");
    }
}

#[test]
fn a_repeated_event_type_is_found_among_many() {
    // Past 16 events the check uses a hash set instead of a scan.
    let many = |n: usize, repeat_first_at_end: bool| {
        let mut b = SetClaims::builder("https://b/", "j", "tpp", 1);
        for i in 0..n {
            b = b.custom_event(format!("urn:bank:events:e{i}"), Map::new());
        }
        if repeat_first_at_end {
            b = b.custom_event("urn:bank:events:e0", Map::new());
        }
        b.build()
    };
    for n in [2, 16, 17, 40] {
        assert!(many(n, false).is_ok(), "{n} distinct events");
        let e = many(n, true).unwrap_err();
        assert_eq!(
            (e.code(), e.path()),
            ("duplicate_event_type", Some("events['urn:bank:events:e0']")),
            "{n} events and a repeat"
        );
    }
}
