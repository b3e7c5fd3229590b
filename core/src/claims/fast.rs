//! The fast path of [`SetClaims::from_json`]: one serde pass from the
//! payload bytes straight into [`SetClaims`], with no intermediate tree.
//!
//! It is deliberately partial. It accepts a document only when the careful
//! path (parse into a [`crate::json::Json`] tree, look for duplicate
//! names, read the claims, validate) would accept it and build the same
//! claims. On anything else (a syntax error, a duplicate name at any depth,
//! a wrong type, an unknown member of a typed event, a missing claim, a
//! broken rule) it declines with `None`, and the caller runs the careful
//! path, which names the first problem exactly as it always has. A valid
//! SET, the common case, is read once; an invalid one is read twice.

use core::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use super::{
    Event, EventSubject, LinkedAccountReason, NumericDate, ResourceLink, SetClaims, SubjectId,
    CONSENT_AUTHORIZATION_REVOKED, LINKED_ACCOUNT_UPDATE, RESOURCE_UPDATE, RID, RLK, RTY,
};
use crate::json::{decline, once, Checked, Name};

/// Read and validate `bytes` in one pass; `None` when the careful path
/// must decide.
pub(crate) fn parse(bytes: &[u8]) -> Option<SetClaims> {
    // One UTF-8 check of the whole payload is cheaper than one per string.
    let text = core::str::from_utf8(bytes).ok()?;
    let parsed = crate::json::read_with(text, ClaimsVisitor)?;
    parsed.validate().ok()?;
    Some(parsed)
}

struct ClaimsVisitor;

impl<'de> Visitor<'de> for ClaimsVisitor {
    type Value = SetClaims;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SET claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SetClaims, A::Error> {
        let mut other = Map::new();
        let mut iss = None;
        let mut iat = None;
        let mut jti = None;
        let mut aud = None;
        let mut sub = None;
        let mut txn = None;
        let mut toe = None;
        let mut events = None;
        let mut exp = None;
        let mut nbf = None;
        let mut sub_id = None;
        while let Some(Name(name)) = map.next_key()? {
            match &*name {
                "iss" => once(&mut iss, map.next_value::<String>()?)?,
                "jti" => once(&mut jti, map.next_value::<String>()?)?,
                "sub" => once(&mut sub, map.next_value::<String>()?)?,
                "txn" => once(&mut txn, map.next_value::<String>()?)?,
                "iat" => once(&mut iat, map.next_value::<Seconds>()?.0)?,
                "toe" => once(&mut toe, map.next_value::<Seconds>()?.0)?,
                "aud" => once(&mut aud, map.next_value::<Aud>()?.0)?,
                "events" => once(&mut events, map.next_value::<Events>()?.0)?,
                "exp" => once(&mut exp, map.next_value::<Checked>()?.0)?,
                "nbf" => once(&mut nbf, map.next_value::<Checked>()?.0)?,
                "sub_id" => match map.next_value::<Checked>()?.0 {
                    Value::Object(m) => once(&mut sub_id, SubjectId::from_members(m))?,
                    _ => return Err(decline()),
                },
                // Every other claim is kept; a repeated name declines.
                _ => {
                    let Checked(value) = map.next_value()?;
                    if other.insert(name.into_owned(), value).is_some() {
                        return Err(decline());
                    }
                }
            }
        }
        let (Some(iss), Some(iat), Some(jti), Some(aud), Some(events)) =
            (iss, iat, jti, aud, events)
        else {
            return Err(decline());
        };
        Ok(SetClaims {
            iss,
            iat,
            jti,
            aud,
            sub,
            txn,
            toe,
            events,
            exp: numeric_date(exp)?,
            nbf: numeric_date(nbf)?,
            sub_id,
            other,
        })
    }
}

/// `exp`/`nbf` as read: a number, or `null` for absent; anything else declines.
fn numeric_date<E: de::Error>(v: Option<Value>) -> Result<Option<NumericDate>, E> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => Ok(Some(NumericDate(n))),
        Some(_) => Err(decline()),
    }
}

/// Seconds: a JSON integer within `i64` (the sign is checked by validation).
struct Seconds(i64);

impl<'de> Deserialize<'de> for Seconds {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Seconds;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an integer")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Seconds, E> {
                Ok(Seconds(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Seconds, E> {
                i64::try_from(v).map(Seconds).map_err(|_| decline())
            }
        }
        d.deserialize_any(V)
    }
}

/// `aud`: a string, or an array of strings.
struct Aud(Vec<String>);

impl<'de> Deserialize<'de> for Aud {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Aud;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Aud, E> {
                Ok(Aud(vec![v.to_owned()]))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Aud, E> {
                Ok(Aud(vec![v]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Aud, A::Error> {
                let mut out = Vec::with_capacity(seq.size_hint().unwrap_or(1).min(16));
                while let Some(s) = seq.next_element::<String>()? {
                    out.push(s);
                }
                Ok(Aud(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// `events`: event type URI -> payload, typed for the three OBIE types.
struct Events(Vec<(String, Event)>);

impl<'de> Deserialize<'de> for Events {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Events;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an events object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Events, A::Error> {
                // A repeated event type is left to validation, which
                // refuses it.
                let mut out: Vec<(String, Event)> = Vec::with_capacity(1);
                while let Some(Name(uri)) = map.next_key()? {
                    let event = match &*uri {
                        RESOURCE_UPDATE => {
                            let (reason, subject) = map.next_value::<ReasonSubject>()?.0;
                            match (reason, subject) {
                                (None, Some(subject)) => Event::ResourceUpdate { subject },
                                _ => return Err(decline()),
                            }
                        }
                        CONSENT_AUTHORIZATION_REVOKED => {
                            let (reason, subject) = map.next_value::<ReasonSubject>()?.0;
                            Event::ConsentAuthorizationRevoked { reason, subject }
                        }
                        LINKED_ACCOUNT_UPDATE => {
                            let (reason, subject) = map.next_value::<ReasonSubject>()?.0;
                            Event::LinkedAccountUpdate {
                                reason: reason.as_deref().map(LinkedAccountReason::from_code),
                                subject,
                            }
                        }
                        _ => match map.next_value::<Checked>()?.0 {
                            Value::Object(payload) => Event::Custom(payload),
                            _ => return Err(decline()),
                        },
                    };
                    out.push((uri.into_owned(), event));
                }
                Ok(Events(out))
            }
        }
        d.deserialize_map(V)
    }
}

/// An OBIE event payload: `reason` and `subject`, nothing else.
struct ReasonSubject((Option<String>, Option<EventSubject>));

impl<'de> Deserialize<'de> for ReasonSubject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = ReasonSubject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event payload")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<ReasonSubject, A::Error> {
                let mut reason = None;
                let mut subject = None;
                while let Some(Name(name)) = map.next_key()? {
                    match &*name {
                        "reason" => once(&mut reason, map.next_value::<String>()?)?,
                        "subject" => once(&mut subject, map.next_value::<Subject>()?.0)?,
                        _ => return Err(decline()),
                    }
                }
                Ok(ReasonSubject((reason, subject)))
            }
        }
        d.deserialize_map(V)
    }
}

/// `OBEventSubject1`.
struct Subject(EventSubject);

impl<'de> Deserialize<'de> for Subject {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Subject;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an event subject")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Subject, A::Error> {
                let mut subject_type = None;
                let mut rid = None;
                let mut rty = None;
                let mut rlk = None;
                while let Some(Name(name)) = map.next_key()? {
                    match &*name {
                        "subject_type" => once(&mut subject_type, map.next_value::<String>()?)?,
                        RID => once(&mut rid, map.next_value::<String>()?)?,
                        RTY => once(&mut rty, map.next_value::<String>()?)?,
                        RLK => once(&mut rlk, map.next_value::<Vec<Link>>()?)?,
                        _ => return Err(decline()),
                    }
                }
                let (Some(subject_type), Some(rid), Some(rty), Some(rlk)) =
                    (subject_type, rid, rty, rlk)
                else {
                    return Err(decline());
                };
                Ok(Subject(EventSubject {
                    subject_type,
                    rid,
                    rty,
                    rlk: rlk.into_iter().map(|l| l.0).collect(),
                }))
            }
        }
        d.deserialize_map(V)
    }
}

/// `OBEventLink1`.
struct Link(ResourceLink);

impl<'de> Deserialize<'de> for Link {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Link;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a resource link")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Link, A::Error> {
                let mut version = None;
                let mut link = None;
                while let Some(Name(name)) = map.next_key()? {
                    match &*name {
                        "version" => once(&mut version, map.next_value::<String>()?)?,
                        "link" => once(&mut link, map.next_value::<String>()?)?,
                        _ => return Err(decline()),
                    }
                }
                let (Some(version), Some(link)) = (version, link) else {
                    return Err(decline());
                };
                Ok(Link(ResourceLink { version, link }))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    //! The fast path must agree with the careful path: wherever it accepts,
    //! the careful path accepts with equal claims; wherever it declines,
    //! the careful path refuses.
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use proptest::prelude::*;

    use super::*;

    /// A JSON document as written, duplicate names allowed.
    #[derive(Clone, Debug)]
    enum Doc {
        Lit(&'static str),
        Arr(Vec<Doc>),
        Obj(Vec<(&'static str, Doc)>),
    }

    impl Doc {
        fn render(&self, out: &mut String) {
            match self {
                Doc::Lit(s) => out.push_str(s),
                Doc::Arr(items) => {
                    out.push('[');
                    for (i, d) in items.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        d.render(out);
                    }
                    out.push(']');
                }
                Doc::Obj(members) => {
                    out.push('{');
                    for (i, (n, d)) in members.iter().enumerate() {
                        if i > 0 {
                            out.push(',');
                        }
                        out.push('"');
                        out.push_str(n);
                        out.push_str("\":");
                        d.render(out);
                    }
                    out.push('}');
                }
            }
        }

        /// Apply `op` to the `target`-th container (depth first); `false`
        /// while the target is not reached.
        fn mutate(&mut self, target: &mut usize, op: (u8, usize, usize)) -> bool {
            let (kind, a, b) = op;
            let hit = *target == 0;
            *target = target.saturating_sub(1);
            match self {
                Doc::Lit(_) => false,
                Doc::Arr(items) if hit => {
                    match kind % 3 {
                        0 if !items.is_empty() => drop(items.remove(a % items.len())),
                        1 if !items.is_empty() => {
                            let n = items.len();
                            items[a % n] = Doc::Lit(LITS[b % LITS.len()]);
                        }
                        _ => items.push(Doc::Lit(LITS[b % LITS.len()])),
                    }
                    true
                }
                Doc::Obj(members) if hit => {
                    match kind % 5 {
                        0 if !members.is_empty() => drop(members.remove(a % members.len())),
                        1 if !members.is_empty() => {
                            let n = members.len();
                            members[a % n].1 = Doc::Lit(LITS[b % LITS.len()]);
                        }
                        2 if !members.is_empty() => {
                            let n = members.len();
                            let copy = members[a % n].clone();
                            members.insert(b % (n + 1), copy);
                        }
                        3 if !members.is_empty() => {
                            let n = members.len();
                            members[a % n].0 = NAMES[b % NAMES.len()];
                        }
                        _ => members.push((NAMES[a % NAMES.len()], Doc::Lit(LITS[b % LITS.len()]))),
                    }
                    true
                }
                Doc::Arr(items) => items.iter_mut().any(|d| d.mutate(target, op)),
                Doc::Obj(members) => members.iter_mut().any(|(_, d)| d.mutate(target, op)),
            }
        }
    }

    const LITS: &[&str] = &[
        "\"s\"",
        "\"\"",
        "\"https://x.example/y\"",
        "1",
        "-1",
        "0",
        "1.5",
        "1.0",
        "1e2",
        "18446744073709551615",
        "99999999999999999999999",
        "true",
        "null",
        "\"v3.1\"",
        "\"account-access-consent\"",
        "\"UK.OBIE.CASS\"",
        "\"UK.Bank.Merged\"",
        "\"bad reason\"",
        "\"\\u00e9\\n\"",
        "{}",
        "[]",
        "[\"a\",\"b\"]",
        "{\"a\":1,\"a\":2}",
        "\"aliases\"",
        "\"email\"",
        "{\"format\":\"opaque\",\"id\":\"x\"}",
        "{\"format\":\"email\"}",
    ];

    const NAMES: &[&str] = &[
        "iss",
        "iat",
        "jti",
        "aud",
        "sub",
        "txn",
        "toe",
        "events",
        "exp",
        "nbf",
        "subject",
        "reason",
        "subject_type",
        RID,
        RTY,
        RLK,
        "version",
        "link",
        RESOURCE_UPDATE,
        CONSENT_AUTHORIZATION_REVOKED,
        LINKED_ACCOUNT_UPDATE,
        "urn:bank:thing",
        "not a uri",
        "\\u0065xp",
        "\\u0069ss",
        "x",
        "sub_id",
        "format",
        "email",
        "identifiers",
    ];

    fn subject() -> Doc {
        Doc::Obj(vec![
            ("subject_type", Doc::Lit("\"t\"")),
            (RID, Doc::Lit("\"aac-1\"")),
            (RTY, Doc::Lit("\"account-access-consent\"")),
            (
                RLK,
                Doc::Arr(vec![Doc::Obj(vec![
                    ("version", Doc::Lit("\"v3.1\"")),
                    ("link", Doc::Lit("\"https://x.example/r\"")),
                ])]),
            ),
        ])
    }

    /// A valid SET with every kind of event and an ignored claim.
    fn base() -> Doc {
        Doc::Obj(vec![
            ("iss", Doc::Lit("\"https://bank.example/\"")),
            ("iat", Doc::Lit("1516239022")),
            ("jti", Doc::Lit("\"j-1\"")),
            ("sub", Doc::Lit("\"https://bank.example/c/1\"")),
            ("aud", Doc::Lit("\"tpp\"")),
            (
                "events",
                Doc::Obj(vec![
                    (RESOURCE_UPDATE, Doc::Obj(vec![("subject", subject())])),
                    (
                        CONSENT_AUTHORIZATION_REVOKED,
                        Doc::Obj(vec![("reason", Doc::Lit("\"gone\""))]),
                    ),
                    (
                        LINKED_ACCOUNT_UPDATE,
                        Doc::Obj(vec![
                            ("reason", Doc::Lit("\"UK.OBIE.CASS\"")),
                            ("subject", subject()),
                        ]),
                    ),
                    (
                        "urn:bank:thing",
                        Doc::Obj(vec![("z", Doc::Lit("1.5")), ("a", Doc::Arr(vec![]))]),
                    ),
                ]),
            ),
            ("txn", Doc::Lit("\"t-1\"")),
            ("toe", Doc::Lit("1516239022")),
            ("exp", Doc::Lit("1516239999")),
            (
                "sub_id",
                Doc::Obj(vec![
                    ("format", Doc::Lit("\"email\"")),
                    ("email", Doc::Lit("\"a@example.com\"")),
                ]),
            ),
            ("x", Doc::Arr(vec![Doc::Lit("1.5"), Doc::Obj(vec![])])),
        ])
    }

    fn agree(text: &str) {
        let careful = SetClaims::from_json_careful(text.as_bytes());
        match parse(text.as_bytes()) {
            Some(fast) => assert_eq!(Ok(fast), careful, "{text}"),
            None => assert!(careful.is_err(), "fast path declined a valid SET: {text}"),
        }
        assert_eq!(SetClaims::from_json(text.as_bytes()), careful, "{text}");
    }

    #[test]
    fn the_base_document_takes_the_fast_path() {
        let mut text = String::new();
        base().render(&mut text);
        let parsed = parse(text.as_bytes()).unwrap();
        assert_eq!(parsed.events.len(), 4);
        assert_eq!(parsed.exp, Some(NumericDate::from_secs(1_516_239_999)));
        assert_eq!(parsed.nbf, None);
        agree(&text);
        // An escaped name is read as the name it spells; `null` is absent.
        let escaped = text.replace("\"exp\":1516239999", "\"\\u006ebf\":7,\"exp\":null");
        let parsed = parse(escaped.as_bytes()).unwrap();
        assert_eq!(
            (parsed.exp, parsed.nbf),
            (None, Some(NumericDate::from_secs(7)))
        );
    }

    #[test]
    fn documents_the_fast_path_declines() {
        for text in [
            "",
            " ",
            "\u{ff}",
            "[]",
            "{}",
            "{\"iss\":",
            "{\"iss\":\"a\",\"iss\":\"a\"}",
            "{\"events\":{\"a:b\":{\"x\":1,\"x\":1}}}",
        ] {
            assert!(parse(text.as_bytes()).is_none(), "{text}");
            agree(text);
        }
        let many: String = (0..100).map(|i| format!("\"m{i}\":{i},")).collect();
        let mut text = String::new();
        base().render(&mut text);
        let wide = text.replacen('{', &format!("{{{many}\"m99\":0,"), 1);
        assert!(parse(wide.as_bytes()).is_none());
        agree(&wide);
        let wide_ok = text.replacen('{', &format!("{{{many}"), 1);
        assert!(parse(wide_ok.as_bytes()).is_some());
        agree(&wide_ok);
    }

    proptest! {
        #[test]
        fn fast_and_careful_paths_agree(
            ops in proptest::collection::vec((0usize..40, any::<u8>(), any::<usize>(), any::<usize>()), 0..4)
        ) {
            let mut doc = base();
            for (target, kind, a, b) in ops {
                let mut t = target;
                doc.mutate(&mut t, (kind, a, b));
            }
            let mut text = String::new();
            doc.render(&mut text);
            agree(&text);
        }
    }
}
