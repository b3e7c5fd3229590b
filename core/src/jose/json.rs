//! A JSON object parser that rejects duplicate member names (RFC 7515 §4:
//! "Header Parameter names ... MUST be unique"; RFC 7517 §4 likewise).

use core::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde_json::Value;

/// Why bytes were not a strict JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ObjectError {
    /// Not valid JSON (syntax, trailing data, invalid UTF-8).
    NotJson,
    /// Valid JSON, but not an object.
    NotObject,
    /// A member name appears twice.
    Duplicate(String),
}

struct Seed<'a> {
    duplicate: &'a mut Option<String>,
}

struct ObjectVisitor<'a> {
    duplicate: &'a mut Option<String>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Vec<(String, Value)>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(ObjectVisitor {
            duplicate: self.duplicate,
        })
    }
}

impl<'de> Visitor<'de> for ObjectVisitor<'_> {
    type Value = Vec<(String, Value)>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some(name) = map.next_key::<String>()? {
            if members.iter().any(|(n, _)| *n == name) {
                *self.duplicate = Some(name);
                return Err(de::Error::custom("duplicate member"));
            }
            let value: Value = map.next_value()?;
            members.push((name, value));
        }
        Ok(members)
    }
}

/// Parse `bytes` as one JSON object, members in document order.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Vec<(String, Value)>, ObjectError> {
    // One JSON reader (`StrRead`) for the whole crate: `from_slice` would
    // instantiate every visitor a second time (the wasm build pays in size).
    // Invalid UTF-8 is a syntax error either way.
    let Ok(text) = core::str::from_utf8(bytes) else {
        return Err(ObjectError::NotJson);
    };
    let mut duplicate = None;
    let mut de = serde_json::Deserializer::from_str(text);
    let result = Seed {
        duplicate: &mut duplicate,
    }
    .deserialize(&mut de)
    .and_then(|members| de.end().map(|()| members));
    match result {
        Ok(members) => Ok(members),
        Err(e) => {
            if let Some(name) = duplicate {
                Err(ObjectError::Duplicate(name))
            } else if e.classify() == serde_json::error::Category::Data {
                Err(ObjectError::NotObject)
            } else {
                Err(ObjectError::NotJson)
            }
        }
    }
}

/// Write `s` as a JSON string literal.
pub(crate) fn push_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
