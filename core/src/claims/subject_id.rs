//! `sub_id`: the subject of a SET as a Subject Identifier (RFC 9493 §3), the
//! form OpenID Shared Signals (SSF) transmitters use instead of `sub`.

use serde_json::{Map, Value};

use super::ClaimsError;
use crate::json::{render_path, Seg};

/// The Subject Identifier formats of RFC 9493 §3.2 (and their members).
const FORMATS: [(&str, &[&str]); 7] = [
    ("account", &["uri"]),
    ("email", &["email"]),
    ("iss_sub", &["iss", "sub"]),
    ("opaque", &["id"]),
    ("phone_number", &["phone_number"]),
    ("did", &["url"]),
    ("uri", &["uri"]),
];

/// A Subject Identifier (RFC 9493): a JSON object whose `format` member
/// names how the other members identify the subject.
///
/// Held exactly as received (members and their order, including members a
/// format does not define and formats this crate does not know, such as the
/// SSF `complex` subject), so a SET re-serialises value for value;
/// [`SubjectId::kind`] is the typed view.
#[derive(Clone, Debug, PartialEq)]
pub struct SubjectId(Map<String, Value>);

/// The typed view of a [`SubjectId`] (RFC 9493 §3.2 formats).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum SubjectIdKind<'a> {
    /// `account`: an `acct:` URI (RFC 7565).
    Account {
        /// `uri`
        uri: &'a str,
    },
    /// `email`: an email address.
    Email {
        /// `email`
        email: &'a str,
    },
    /// `iss_sub`: an issuer and a subject as in an ID token.
    IssSub {
        /// `iss`
        iss: &'a str,
        /// `sub`
        sub: &'a str,
    },
    /// `opaque`: an identifier only the transmitter and receiver understand.
    Opaque {
        /// `id`
        id: &'a str,
    },
    /// `phone_number`: an E.164 telephone number.
    PhoneNumber {
        /// `phone_number`
        phone_number: &'a str,
    },
    /// `did`: a decentralised identifier URL.
    Did {
        /// `url`
        url: &'a str,
    },
    /// `uri`: a URI.
    Uri {
        /// `uri`
        uri: &'a str,
    },
    /// `aliases`: several identifiers of the same subject.
    Aliases {
        /// `identifiers`
        identifiers: Vec<SubjectId>,
    },
    /// A format RFC 9493 does not define (e.g. SSF `complex`): read its
    /// members with [`SubjectId::members`].
    Other {
        /// `format`
        format: &'a str,
    },
}

impl SubjectId {
    /// A Subject Identifier of `format` with string `members`.
    #[must_use]
    pub fn new<'a>(format: &str, members: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut map = Map::new();
        map.insert("format".into(), Value::from(format));
        for (name, value) in members {
            map.insert(name.into(), Value::from(value));
        }
        SubjectId(map)
    }

    /// `{"format":"email","email":…}`
    #[must_use]
    pub fn email(email: &str) -> Self {
        Self::new("email", [("email", email)])
    }

    /// `{"format":"iss_sub","iss":…,"sub":…}`
    #[must_use]
    pub fn iss_sub(iss: &str, sub: &str) -> Self {
        Self::new("iss_sub", [("iss", iss), ("sub", sub)])
    }

    /// `{"format":"opaque","id":…}`
    #[must_use]
    pub fn opaque(id: &str) -> Self {
        Self::new("opaque", [("id", id)])
    }

    /// `{"format":"aliases","identifiers":[…]}`
    #[must_use]
    pub fn aliases(identifiers: Vec<SubjectId>) -> Self {
        let mut map = Map::new();
        map.insert("format".into(), Value::from("aliases"));
        let items = identifiers
            .into_iter()
            .map(|i| Value::Object(i.0))
            .collect();
        map.insert("identifiers".into(), Value::Array(items));
        SubjectId(map)
    }

    /// A Subject Identifier from its JSON object, as received; checked by
    /// [`SetClaims::validate`](super::SetClaims::validate).
    #[must_use]
    pub fn from_members(members: Map<String, Value>) -> Self {
        SubjectId(members)
    }

    /// The members, exactly as held.
    #[must_use]
    pub fn members(&self) -> &Map<String, Value> {
        &self.0
    }

    /// `format` (empty when absent, which validation refuses).
    #[must_use]
    pub fn format(&self) -> &str {
        self.0.get("format").and_then(Value::as_str).unwrap_or("")
    }

    fn text(&self, name: &str) -> &str {
        self.0.get(name).and_then(Value::as_str).unwrap_or("")
    }

    /// The typed view.
    #[must_use]
    pub fn kind(&self) -> SubjectIdKind<'_> {
        match self.format() {
            "account" => SubjectIdKind::Account {
                uri: self.text("uri"),
            },
            "email" => SubjectIdKind::Email {
                email: self.text("email"),
            },
            "iss_sub" => SubjectIdKind::IssSub {
                iss: self.text("iss"),
                sub: self.text("sub"),
            },
            "opaque" => SubjectIdKind::Opaque {
                id: self.text("id"),
            },
            "phone_number" => SubjectIdKind::PhoneNumber {
                phone_number: self.text("phone_number"),
            },
            "did" => SubjectIdKind::Did {
                url: self.text("url"),
            },
            "uri" => SubjectIdKind::Uri {
                uri: self.text("uri"),
            },
            "aliases" => SubjectIdKind::Aliases {
                identifiers: self
                    .0
                    .get("identifiers")
                    .and_then(Value::as_array)
                    .map(|items| {
                        items
                            .iter()
                            .filter_map(|v| v.as_object().cloned().map(SubjectId))
                            .collect()
                    })
                    .unwrap_or_default(),
            },
            format => SubjectIdKind::Other { format },
        }
    }

    /// RFC 9493 §3: a `format` string, and the string members its format
    /// requires; `aliases` holds a non-empty array of identifiers, none of
    /// them `aliases` (§3.2.8). `segs` is the path of this identifier.
    pub(super) fn validate(&self, segs: &[Seg<'_>], nested: bool) -> Result<(), ClaimsError> {
        let at = |name: &'static str| {
            let mut v = segs.to_vec();
            v.push(Seg::Key(name));
            render_path(&v)
        };
        let string = |name: &'static str| match self.0.get(name) {
            None => Err(ClaimsError::Missing { path: at(name) }),
            Some(Value::String(s)) if s.is_empty() => Err(ClaimsError::Empty { path: at(name) }),
            Some(Value::String(_)) => Ok(()),
            Some(other) => Err(ClaimsError::WrongType {
                path: at(name),
                expected: "string",
                found: type_name(other),
            }),
        };
        string("format")?;
        let format = self.format();
        if let Some((_, members)) = FORMATS.iter().find(|(f, _)| *f == format) {
            return members.iter().try_for_each(|m| string(m));
        }
        if format != "aliases" {
            return Ok(());
        }
        if nested {
            return Err(ClaimsError::WrongType {
                path: at("format"),
                expected: "a format other than aliases",
                found: "aliases",
            });
        }
        let items = match self.0.get("identifiers") {
            None => {
                return Err(ClaimsError::Missing {
                    path: at("identifiers"),
                })
            }
            Some(Value::Array(items)) if items.is_empty() => {
                return Err(ClaimsError::Empty {
                    path: at("identifiers"),
                })
            }
            Some(Value::Array(items)) => items,
            Some(other) => {
                return Err(ClaimsError::WrongType {
                    path: at("identifiers"),
                    expected: "array",
                    found: type_name(other),
                })
            }
        };
        for (i, item) in items.iter().enumerate() {
            let mut here = segs.to_vec();
            here.push(Seg::Key("identifiers"));
            here.push(Seg::Index(i));
            match item {
                Value::Object(m) => SubjectId(m.clone()).validate(&here, true)?,
                other => {
                    return Err(ClaimsError::WrongType {
                        path: render_path(&here),
                        expected: "object",
                        found: type_name(other),
                    })
                }
            }
        }
        Ok(())
    }
}

/// The JSON type name used in error messages.
pub(super) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}
