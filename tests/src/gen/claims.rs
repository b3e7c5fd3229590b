//! `claims`: `SetClaims::from_json` (and `check_obie_profile`) on SET payloads.

use serde_json::{json, Map, Value};
use setpoll_core::claims::{
    EventSubject, LinkedAccountReason, NumericDate, ResourceLink, SetClaims, SetClaimsBuilder,
    SubjectId, CONSENT_AUTHORIZATION_REVOKED, LINKED_ACCOUNT_UPDATE, RESOURCE_UPDATE, RID, RLK,
    RTY, SUBJECT_TYPE,
};
use setpoll_core::codes::Vocabulary;

use super::{check_unique_names, error, ok, rep, vector_file};
use crate::GenError;

/// The example payload of the OBIE event notification documentation (also
/// quoted in the protocol brief), as its authors formatted it.
pub const OBIE_EXAMPLE: &str = r#"{
  "iss": "https://examplebank.com/",
  "iat": 1516239022,
  "jti": "b460a07c-4962-43d1-85ee-9dc10fbb8f6c",
  "sub": "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007",
  "aud": "7umx5nTR33811QyQfi",
  "events": {
    "urn:uk:org:openbanking:events:resource-update": {
      "subject": {
        "subject_type": "http://openbanking.org.uk/rid_http://openbanking.org.uk/rty",
        "http://openbanking.org.uk/rid": "aac-1234-007",
        "http://openbanking.org.uk/rty": "account-access-consent",
        "http://openbanking.org.uk/rlk": [
          { "version": "v3.1", "link": "https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007" }
        ]
      }
    }
  },
  "txn": "dfc51628-3479-4b81-ad60-210b43d02306",
  "toe": 1516239022
}"#;

/// The OBIE example as a JSON value (member order kept).
#[must_use]
pub fn example() -> Value {
    serde_json::from_str(OBIE_EXAMPLE).unwrap_or(Value::Null)
}

/// A subject object for `rid`/`rty`.
#[must_use]
pub fn subject(rid: &str, rty: &str) -> Value {
    json!({
        "subject_type": SUBJECT_TYPE,
        RID: rid,
        RTY: rty,
        RLK: [{ "version": "v3.1", "link": format!("https://examplebank.com/api/{rid}") }],
    })
}

/// An RFC 8417 style SET: several audiences, no `sub`/`txn`/`toe`, a custom event.
#[must_use]
pub fn rfc8417_example() -> Value {
    json!({
        "iss": "https://idp.example.com/",
        "iat": 1458496404,
        "jti": "3d0c3cf797584bd193bd0fb1bd4e7d30",
        "aud": ["https://scim.example.com/Feeds/98d52461fa5bbc879593b7754", "https://scim.example.com/Feeds/5d7604516b1d08641d7676ee7"],
        "events": {
            "urn:ietf:params:scim:event:create": {
                "ref": "https://scim.example.com/Users/44f6142df96bd6ab61e7521d9",
                "attributes": ["id", "name", "userName", "password", "emails"]
            }
        }
    })
}

struct Input {
    name: String,
    text: String,
    obie_profile: bool,
}

fn with(name: &str, base: &Value, edit: impl FnOnce(&mut Map<String, Value>)) -> Input {
    let mut v = base.clone();
    if let Value::Object(m) = &mut v {
        edit(m);
    }
    Input {
        name: name.to_owned(),
        text: v.to_string(),
        obie_profile: false,
    }
}

fn text(name: &str, text: &str) -> Input {
    Input {
        name: name.to_owned(),
        text: text.to_owned(),
        obie_profile: false,
    }
}

fn obie(mut i: Input) -> Input {
    i.name.push_str(" (OBIE profile)");
    i.obie_profile = true;
    i
}

/// The event object at `events[uri]`.
fn event_mut<'a>(m: &'a mut Map<String, Value>, uri: &str) -> Option<&'a mut Map<String, Value>> {
    m.get_mut("events")?
        .as_object_mut()?
        .get_mut(uri)?
        .as_object_mut()
}

fn subject_mut<'a>(m: &'a mut Map<String, Value>, uri: &str) -> Option<&'a mut Map<String, Value>> {
    event_mut(m, uri)?.get_mut("subject")?.as_object_mut()
}

fn set_events(m: &mut Map<String, Value>, events: Value) {
    m.insert("events".into(), events);
}

#[allow(clippy::too_many_lines)]
fn inputs() -> Vec<Input> {
    let ex = example();
    let rfc = rfc8417_example();
    let consent = subject("aac-1", "account-access-consent");
    let s128 = rep("s", 128);
    let s129 = rep("s", 129);
    let mut v = vec![
        text("OBIE documentation example as formatted", OBIE_EXAMPLE),
        obie(text("OBIE documentation example", OBIE_EXAMPLE)),
        with(
            "RFC 8417 style: audiences array, custom event",
            &rfc,
            |_| {},
        ),
        obie(with("RFC 8417 style", &rfc, |_| {})),
        with(
            "claims in another order are written canonically",
            &ex,
            |m| {
                let mut sorted: Vec<(String, Value)> =
                    m.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
                sorted.sort_by(|a, b| b.0.cmp(&a.0));
                *m = sorted.into_iter().collect();
            },
        ),
        with("exp, nbf and private claims are kept", &ex, |m| {
            m.insert("exp".into(), json!(1516239999));
            m.insert("nbf".into(), json!(1));
            m.insert("x-bank".into(), json!({"a": [1, 2]}));
        }),
        with("fractional nbf is kept as written", &ex, |m| {
            m.insert("nbf".into(), json!(1516239000.5));
        }),
        with("exp null reads as absent", &ex, |m| {
            m.insert("exp".into(), Value::Null);
        }),
        with("exp as a string", &ex, |m| {
            m.insert("exp".into(), json!("1516239999"));
        }),
        with("nbf as a boolean", &ex, |m| {
            m.insert("nbf".into(), json!(true));
        }),
        with("sub_id email (OpenID SSF) is kept", &rfc, |m| {
            m.insert(
                "sub_id".into(),
                json!({"format": "email", "email": "user@example.com"}),
            );
        }),
        with("sub_id aliases with an unknown member kept", &rfc, |m| {
            m.insert(
                "sub_id".into(),
                json!({"format": "aliases", "identifiers": [
                    {"format": "iss_sub", "iss": "https://idp.example.com/", "sub": "u-1"},
                    {"format": "phone_number", "phone_number": "+12065550100"}
                ], "note": "kept"}),
            );
        }),
        with(
            "sub_id of an unknown format (SSF complex) is kept",
            &rfc,
            |m| {
                m.insert(
                    "sub_id".into(),
                    json!({"format": "complex", "user": {"format": "opaque", "id": "u-1"}}),
                );
            },
        ),
        with("sub_id iss_sub without sub", &rfc, |m| {
            m.insert(
                "sub_id".into(),
                json!({"format": "iss_sub", "iss": "https://idp.example.com/"}),
            );
        }),
        with("sub_id without format", &rfc, |m| {
            m.insert("sub_id".into(), json!({"email": "user@example.com"}));
        }),
        with("sub_id as a string", &rfc, |m| {
            m.insert("sub_id".into(), json!("user@example.com"));
        }),
        with("sub_id aliases inside aliases", &rfc, |m| {
            m.insert(
                "sub_id".into(),
                json!({"format": "aliases", "identifiers": [{"format": "aliases", "identifiers": []}]}),
            );
        }),
        with(
            "private claims of every JSON type are kept in order",
            &rfc,
            |m| {
                m.insert("z-last".into(), json!(null));
                m.insert("https://bank.example/claims/n".into(), json!(-1.5e3));
                m.insert("a-first".into(), json!([true, {"k": "v"}, "\u{e9}"]));
            },
        ),
        with(
            "single audience in an array is written as a string",
            &ex,
            |m| {
                m.insert("aud".into(), json!(["7umx5nTR33811QyQfi"]));
            },
        ),
        with("iat 0 and toe 0", &ex, |m| {
            m.insert("iat".into(), json!(0));
            m.insert("toe".into(), json!(0));
        }),
        with("iat beyond 2038", &ex, |m| {
            m.insert("iat".into(), json!(4102444800_i64));
        }),
        with("iat at i64::MAX", &ex, |m| {
            m.insert("iat".into(), json!(i64::MAX));
        }),
        with("consent revoked with reason and subject", &ex, |m| {
            set_events(
                m,
                json!({ CONSENT_AUTHORIZATION_REVOKED: { "reason": "Revoked by the PSU", "subject": consent } }),
            );
        }),
        with(
            "consent revoked without subject beside a resource update",
            &ex,
            |m| {
                if let Some(Value::Object(events)) = m.get_mut("events") {
                    events.insert(CONSENT_AUTHORIZATION_REVOKED.into(), json!({}));
                }
            },
        ),
        with("linked account update, AccountClosure", &ex, |m| {
            set_events(
                m,
                json!({ LINKED_ACCOUNT_UPDATE: { "reason": "UK.OBIE.AccountClosure", "subject": consent } }),
            );
        }),
        with("linked account update, CASS", &ex, |m| {
            set_events(
                m,
                json!({ LINKED_ACCOUNT_UPDATE: { "reason": "UK.OBIE.CASS" } }),
            );
        }),
        with(
            "linked account update, namespaced extension reason",
            &ex,
            |m| {
                set_events(
                    m,
                    json!({ LINKED_ACCOUNT_UPDATE: { "reason": "UK.Bank.Moved" } }),
                );
            },
        ),
        with(
            "event members in another order are written canonically",
            &ex,
            |m| {
                set_events(
                    m,
                    json!({ LINKED_ACCOUNT_UPDATE: { "subject": {
                    RLK: [{ "link": "https://examplebank.com/x", "version": "v4.0" }],
                    RTY: "account-access-consent",
                    RID: "aac-2",
                    "subject_type": SUBJECT_TYPE,
                }, "reason": "UK.OBIE.CASS" } }),
                );
            },
        ),
        with("three OBIE events and a custom one, order kept", &ex, |m| {
            set_events(
                m,
                json!({
                    "urn:uk:bank:events:custom": { "z": 1, "a": [true, null, 1.5], "m": { "y": "é" } },
                    LINKED_ACCOUNT_UPDATE: { "subject": consent },
                    CONSENT_AUTHORIZATION_REVOKED: { "subject": consent },
                    RESOURCE_UPDATE: { "subject": consent },
                }),
            );
        }),
        with("several resource links", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(
                    RLK.into(),
                    json!([
                        { "version": "v3.1", "link": "https://a/1" },
                        { "version": "v4.0.0-rc1", "link": "https://a/2" }
                    ]),
                );
            }
        }),
        with("jti, aud and txn of 128 characters", &ex, |m| {
            m.insert("jti".into(), json!(s128));
            m.insert("aud".into(), json!(s128));
            m.insert("txn".into(), json!(s128));
        }),
        with("strings with escapes and non-ASCII", &ex, |m| {
            m.insert("iss".into(), json!("https://bänk.example/\"q\"\n"));
            m.insert("jti".into(), json!("\u{1F600}\u{2028}"));
        }),
        with("sub with another URI scheme", &ex, |m| {
            m.insert("sub".into(), json!("urn:example:consent:1"));
        }),
        // ---- RFC 8417 leniency, refused by the OBIE profile
        with("without sub, txn and toe", &ex, |m| {
            m.remove("sub");
            m.remove("txn");
            m.remove("toe");
        }),
        obie(with("without sub", &ex, |m| {
            m.remove("sub");
        })),
        obie(with("without txn", &ex, |m| {
            m.remove("txn");
        })),
        obie(with("without toe", &ex, |m| {
            m.remove("toe");
        })),
        obie(with("several audiences", &ex, |m| {
            m.insert("aud".into(), json!(["a", "b"]));
        })),
        // ---- payload as a whole
        text("empty payload", ""),
        text("malformed JSON", r#"{"iss":"#),
        text("array", "[]"),
        text("string", r#""claims""#),
        text("null", "null"),
        text(
            "nesting of 130 levels",
            &format!("{{\"x\":{}{}}}", rep("[", 130), rep("]", 130)),
        ),
        text(
            "duplicate claim",
            r#"{"iss":"a","iss":"b","iat":1,"jti":"j","aud":"a","events":{"urn:x:y":{}}}"#,
        ),
        text(
            "duplicate member inside a custom event",
            r#"{"iss":"a","iat":1,"jti":"j","aud":"a","events":{"urn:x:y":{"k":1,"k":2}}}"#,
        ),
    ];
    // ---- each required claim missing
    for claim in ["iss", "iat", "jti", "aud", "events"] {
        v.push(with(&format!("{claim} missing"), &ex, |m| {
            m.remove(claim);
        }));
    }
    // ---- wrong types
    for (claim, value) in [
        ("iss", json!(1)),
        ("iat", json!("1516239022")),
        ("iat", json!(null)),
        ("toe", json!("1516239022")),
        ("jti", json!(["a"])),
        ("aud", json!(7)),
        ("aud", json!({"a": 1})),
        ("aud", json!(["a", 1])),
        ("sub", json!(null)),
        ("txn", json!(false)),
        ("events", json!([])),
        ("events", json!("urn:x")),
    ] {
        v.push(with(&format!("{claim} as {value}"), &ex, |m| {
            m.insert(claim.into(), value.clone());
        }));
    }
    v.extend([
        text(
            "iat 1.0",
            &OBIE_EXAMPLE.replace("\"iat\": 1516239022", "\"iat\": 1516239022.0"),
        ),
        text(
            "iat 1.5e9",
            &OBIE_EXAMPLE.replace("\"iat\": 1516239022", "\"iat\": 1.5e9"),
        ),
        with("iat negative", &ex, |m| {
            m.insert("iat".into(), json!(-1));
        }),
        with("toe negative", &ex, |m| {
            m.insert("toe".into(), json!(-5));
        }),
        text(
            "iat beyond i64",
            &OBIE_EXAMPLE.replace("\"iat\": 1516239022", "\"iat\": 9223372036854775808"),
        ),
        // ---- lengths and emptiness
        with("iss empty", &ex, |m| {
            m.insert("iss".into(), json!(""));
        }),
        with("jti empty", &ex, |m| {
            m.insert("jti".into(), json!(""));
        }),
        with("jti of 129 characters", &ex, |m| {
            m.insert("jti".into(), json!(s129));
        }),
        with("aud empty string", &ex, |m| {
            m.insert("aud".into(), json!(""));
        }),
        with("aud empty array", &ex, |m| {
            m.insert("aud".into(), json!([]));
        }),
        with("aud array item of 129 characters", &ex, |m| {
            m.insert("aud".into(), json!(["ok", s129]));
        }),
        with("txn of 129 characters", &ex, |m| {
            m.insert("txn".into(), json!(s129));
        }),
        with("txn empty", &ex, |m| {
            m.insert("txn".into(), json!(""));
        }),
        with("sub not a URI", &ex, |m| {
            m.insert("sub".into(), json!("aac-1234-007"));
        }),
        with("sub with a space", &ex, |m| {
            m.insert("sub".into(), json!("https://bank/a b"));
        }),
        with("sub empty", &ex, |m| {
            m.insert("sub".into(), json!(""));
        }),
        // ---- events
        with("events empty", &ex, |m| {
            set_events(m, json!({}));
        }),
        with("event type not a URI", &ex, |m| {
            set_events(m, json!({ "resource-update": {} }));
        }),
        with("event type empty", &ex, |m| {
            set_events(m, json!({ "": {} }));
        }),
        with("event payload not an object", &ex, |m| {
            set_events(m, json!({ RESOURCE_UPDATE: "update" }));
        }),
        with("custom event payload not an object", &ex, |m| {
            set_events(m, json!({ "urn:x:y": [1] }));
        }),
        with("resource update without subject", &ex, |m| {
            set_events(m, json!({ RESOURCE_UPDATE: {} }));
        }),
        with("resource update with an unknown member", &ex, |m| {
            if let Some(e) = event_mut(m, RESOURCE_UPDATE) {
                e.insert("reason".into(), json!("x"));
            }
        }),
        with("subject with an unknown member", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert("extra".into(), json!(1));
            }
        }),
        with("subject without rid", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.remove(RID);
            }
        }),
        with("subject without rlk", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.remove(RLK);
            }
        }),
        with("subject not an object", &ex, |m| {
            set_events(m, json!({ RESOURCE_UPDATE: { "subject": "aac-1" } }));
        }),
        with("subject rid empty", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(RID.into(), json!(""));
            }
        }),
        with("subject rty of 129 characters", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(RTY.into(), json!(s129));
            }
        }),
        with("subject rlk empty", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(RLK.into(), json!([]));
            }
        }),
        with("subject rlk not an array", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(RLK.into(), json!({"version": "v3.1", "link": "x"}));
            }
        }),
        with("resource link version of 11 characters", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(RLK.into(), json!([{ "version": "v3.1.11-rc1", "link": "x" }]));
            }
        }),
        with("resource link without link", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(RLK.into(), json!([{ "version": "v3.1" }]));
            }
        }),
        with("resource link with an unknown member", &ex, |m| {
            if let Some(s) = subject_mut(m, RESOURCE_UPDATE) {
                s.insert(
                    RLK.into(),
                    json!([{ "version": "v3.1", "link": "x", "rel": "self" }]),
                );
            }
        }),
        with("consent revoked without subject alone", &ex, |m| {
            set_events(m, json!({ CONSENT_AUTHORIZATION_REVOKED: { "reason": "PSU" } }));
        }),
        with("consent revoked reason empty", &ex, |m| {
            set_events(
                m,
                json!({ CONSENT_AUTHORIZATION_REVOKED: { "reason": "", "subject": consent } }),
            );
        }),
        with("consent revoked reason a number", &ex, |m| {
            set_events(
                m,
                json!({ CONSENT_AUTHORIZATION_REVOKED: { "reason": 3, "subject": consent } }),
            );
        }),
        with("linked account update, reason outside the code list", &ex, |m| {
            set_events(m, json!({ LINKED_ACCOUNT_UPDATE: { "reason": "closed" } }));
        }),
        with("linked account update, subject of another resource type", &ex, |m| {
            set_events(
                m,
                json!({ LINKED_ACCOUNT_UPDATE: { "subject": subject("p-1", "domestic-payment-consent") } }),
            );
        }),
    ]);
    v
}

/// `{ok: …}` of valid claims: the canonical JSON and what the typed getters
/// of every binding return (`exp`/`nbf` in whole seconds, `sub_id` and the
/// private claims as JSON object text).
#[must_use]
pub fn typed(c: &SetClaims) -> Value {
    ok(json!({
        "claimsJson": c.to_json(),
        "exp": c.exp.as_ref().map(NumericDate::secs),
        "nbf": c.nbf.as_ref().map(NumericDate::secs),
        "subIdJson": c.sub_id.as_ref().map(|s| Value::Object(s.members().clone()).to_string()),
        "otherClaimsJson": Value::Object(c.other.clone()).to_string(),
    }))
}

/// One `claims_build` case: the builder's start and its calls in order.
fn build_case(name: &str, calls: Vec<Value>) -> Value {
    json!({
        "name": name,
        "start": { "iss": "https://examplebank.com/", "jti": "b460a07c", "aud": "7umx5nTR33811QyQfi", "iat": 1516239022 },
        "calls": calls,
    })
}

/// A builder call: `{call, value}` (or the members given).
fn call(name: &str, members: Value) -> Value {
    let mut v = json!({ "call": name });
    if let (Value::Object(m), Value::Object(extra)) = (&mut v, members) {
        m.extend(extra);
    }
    v
}

fn host_subject(rid: &str) -> Value {
    json!({ "rid": rid, "rty": "account-access-consent", "links": [{ "version": "v3.1", "link": format!("https://examplebank.com/api/{rid}") }] })
}

fn build_inputs() -> Vec<Value> {
    let every = vec![
        call(
            "sub",
            json!({ "value": "https://examplebank.com/api/aac-1" }),
        ),
        call("txn", json!({ "value": "txn-1" })),
        call("toe", json!({ "value": 1516239022 })),
        call("exp", json!({ "value": 1516242622 })),
        call("nbf", json!({ "value": 1516239000 })),
        call(
            "subIdJson",
            json!({ "value": r#"{"format":"iss_sub","iss":"https://examplebank.com/","sub":"psu-7","x-note":"kept"}"# }),
        ),
        call(
            "claim",
            json!({ "name": "https://bank.example/claims/channel", "valueJson": r#"{"app":true,"v":[1,2.5,null]}"# }),
        ),
        call(
            "claim",
            json!({ "name": "a-private", "valueJson": "\"é\"" }),
        ),
        call(
            "resourceUpdate",
            json!({ "subject": host_subject("aac-1") }),
        ),
        call(
            "customEvent",
            json!({ "uri": "urn:uk:bank:events:custom", "payloadJson": r#"{"z":1,"a":[true,null,1.5],"m":{"y":"é"}}"# }),
        ),
    ];
    vec![
        build_case(
            "every claim: exp, nbf, sub_id, private claims and event payload members",
            every,
        ),
        build_case(
            "OBIE events with reasons, several audiences",
            vec![
                call("audience", json!({ "value": "second-audience" })),
                call(
                    "consentRevoked",
                    json!({ "reason": "Revoked by the PSU", "subject": host_subject("aac-2") }),
                ),
                call(
                    "linkedAccountUpdate",
                    json!({ "reason": "UK.OBIE.AccountClosure", "subject": null }),
                ),
            ],
        ),
        build_case(
            "sub_id email, no sub (OpenID SSF)",
            vec![
                call(
                    "subIdJson",
                    json!({ "value": r#"{"format":"email","email":"user@example.com"}"# }),
                ),
                call(
                    "customEvent",
                    json!({ "uri": "https://schemas.openid.net/secevent/caep/event-type/session-revoked", "payloadJson": r#"{"event_timestamp":1516239022}"# }),
                ),
            ],
        ),
        build_case(
            "a later claim of the same name replaces the value",
            vec![
                call("claim", json!({ "name": "x", "valueJson": "1" })),
                call("claim", json!({ "name": "x", "valueJson": "[2]" })),
                call(
                    "resourceUpdate",
                    json!({ "subject": host_subject("aac-3") }),
                ),
            ],
        ),
        build_case(
            "sub_id missing its format's member",
            vec![
                call("subIdJson", json!({ "value": r#"{"format":"email"}"# })),
                call(
                    "resourceUpdate",
                    json!({ "subject": host_subject("aac-4") }),
                ),
            ],
        ),
        build_case(
            "a private claim may not use a registered name",
            vec![
                call("claim", json!({ "name": "exp", "valueJson": "1" })),
                call(
                    "resourceUpdate",
                    json!({ "subject": host_subject("aac-5") }),
                ),
            ],
        ),
        build_case(
            "no event",
            vec![call("exp", json!({ "value": 1516242622 }))],
        ),
    ]
}

fn text_of<'a>(c: &'a Value, key: &str) -> Result<&'a str, GenError> {
    c.get(key)
        .and_then(Value::as_str)
        .ok_or_else(|| GenError(format!("claims_build: {key} missing in {c}")))
}

fn int_of(c: &Value, key: &str) -> Result<i64, GenError> {
    c.get(key)
        .and_then(Value::as_i64)
        .ok_or_else(|| GenError(format!("claims_build: {key} missing in {c}")))
}

fn json_of(c: &Value, key: &str) -> Result<Value, GenError> {
    serde_json::from_str(text_of(c, key)?).map_err(|e| GenError(format!("{key}: {e}")))
}

fn object_of(c: &Value, key: &str) -> Result<Map<String, Value>, GenError> {
    match json_of(c, key)? {
        Value::Object(m) => Ok(m),
        other => Err(GenError(format!("{key}: not an object: {other}"))),
    }
}

fn core_subject(c: &Value) -> Result<Option<EventSubject>, GenError> {
    let Some(s) = c.get("subject").filter(|s| !s.is_null()) else {
        return Ok(None);
    };
    let links = s
        .get("links")
        .and_then(Value::as_array)
        .map(|ls| {
            ls.iter()
                .map(|l| {
                    Ok(ResourceLink::new(
                        text_of(l, "version")?,
                        text_of(l, "link")?,
                    ))
                })
                .collect::<Result<Vec<_>, GenError>>()
        })
        .transpose()?
        .unwrap_or_default();
    Ok(Some(EventSubject::new(
        text_of(s, "rid")?,
        text_of(s, "rty")?,
        links,
    )))
}

/// One builder call through the core's [`SetClaimsBuilder`].
fn apply(b: SetClaimsBuilder, c: &Value) -> Result<SetClaimsBuilder, GenError> {
    let reason = || c.get("reason").and_then(Value::as_str).map(str::to_owned);
    Ok(match text_of(c, "call")? {
        "audience" => b.audience(text_of(c, "value")?),
        "sub" => b.sub(text_of(c, "value")?),
        "txn" => b.txn(text_of(c, "value")?),
        "toe" => b.toe(int_of(c, "value")?),
        "exp" => b.exp(int_of(c, "value")?),
        "nbf" => b.nbf(int_of(c, "value")?),
        "subIdJson" => b.sub_id(SubjectId::from_members(object_of(c, "value")?)),
        "claim" => b.claim(text_of(c, "name")?, json_of(c, "valueJson")?),
        "resourceUpdate" => b.resource_update(
            core_subject(c)?.ok_or_else(|| GenError("resourceUpdate: subject".into()))?,
        ),
        "consentRevoked" => b.consent_revoked(reason(), core_subject(c)?),
        "linkedAccountUpdate" => b.linked_account_update(
            reason().map(|r| LinkedAccountReason::from_code(&r)),
            core_subject(c)?,
        ),
        "customEvent" => b.custom_event(text_of(c, "uri")?, object_of(c, "payloadJson")?),
        other => return Err(GenError(format!("claims_build: unknown call {other}"))),
    })
}

/// The `claims_build` file: `ClaimsBuilder` calls, then `build()`.
///
/// # Errors
/// When a case is malformed or two share a name.
pub fn build_file() -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for mut case in build_inputs() {
        let start = case.get("start").cloned().unwrap_or_default();
        let mut b = SetClaims::builder(
            text_of(&start, "iss")?,
            text_of(&start, "jti")?,
            text_of(&start, "aud")?,
            int_of(&start, "iat")?,
        );
        for c in case
            .get("calls")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            b = apply(b, c)?;
        }
        let expect = match b.build() {
            Ok(c) => typed(&c),
            Err(e) => error(json!({ "code": e.code() })),
        };
        if let Value::Object(m) = &mut case {
            m.insert("expect".into(), expect);
        }
        cases.push(case);
    }
    check_unique_names("claims_build", &cases)?;
    Ok(vector_file(
        "claims_build",
        "ClaimsBuilder::new(start), each call in order (see the README), then build(); \
         on success the canonical JSON and the typed getters",
        cases,
    ))
}

/// The `claims` file.
///
/// # Errors
/// When two cases share a name.
pub fn file() -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for input in inputs() {
        let result = SetClaims::from_json(input.text.as_bytes()).and_then(|c| {
            if input.obie_profile {
                c.check_obie_profile()?;
            }
            Ok(c)
        });
        let expect = match result {
            Ok(c) => typed(&c),
            Err(e) => error(json!({
                "code": e.code(),
                "path": e.path(),
                "setErrObie": e.set_err(Vocabulary::Obie).as_str(),
                "setErrRfc8935": e.set_err(Vocabulary::Rfc8935).as_str(),
            })),
        };
        cases.push(json!({
            "name": input.name,
            "claimsJson": input.text,
            "obieProfile": input.obie_profile,
            "expect": expect,
        }));
    }
    check_unique_names("claims", &cases)?;
    Ok(vector_file(
        "claims",
        "SetClaims::from_json (then SetClaims::check_obie_profile when obieProfile \
         is true) and SetClaims::to_json on success",
        cases,
    ))
}
