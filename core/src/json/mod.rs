//! The crate's one JSON reader: strict, duplicate-refusing, path-tracking.
//! Everything that reads JSON (the wire model, JOSE headers and JWKs, SET
//! claims, error bodies, the receiver's saved state, transmitter records)
//! reads it here, with the crate's own text reader ([`text`]: serde_json's
//! language, errors and positions, without its generic deserializer);
//! nothing else in the crate reads JSON text. serde_json remains the
//! writer, and its `Value` the public form of free-form members.
//!
//! serde_json's `Value` silently keeps the last of two members with the same
//! name. Duplicate names make a document ambiguous (two parsers may read two
//! different requests), so this module parses into a tree that keeps every
//! member in document order and lets the caller find duplicates with their
//! path. Nesting depth is bounded at 128 (serde_json's recursion limit), so
//! the recursive helpers here cannot exhaust the stack.
//!
//! Three ways in, one set of rules:
//! - [`parse`] + [`find_duplicate`]: the careful reader. A [`Json`] tree,
//!   every member kept, the first duplicate named by its path; callers walk
//!   the tree and report the first problem with [`render_path`].
//! - [`parse_object`]: a whole document that must be an object, as
//!   `serde_json::Value` members (JOSE headers, JWKs).
//! - [`read`]: a typed read of the crate's own records (error bodies, saved
//!   state, journal changes, transmitter records) from the tree, with the
//!   readers of [`typed`], duplicates refused as everywhere else.
//!
//! Fast paths (the SET claims and JOSE header readers) read typed values in
//! one pass with [`read_with`] (a serde `Deserializer` over the same text
//! reader), [`Name`] and [`Checked`], and [`decline`] anything the careful
//! reader might refuse; the careful reader then names the problem.

mod float;
mod text;
pub(crate) use text::read_with;
pub(crate) mod typed;

use core::fmt;
use std::borrow::Cow;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

/// A parsed JSON value with object members kept in document order,
/// duplicates included.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Json {
    Null,
    Bool(bool),
    Number(serde_json::Number),
    String(String),
    Array(Vec<Json>),
    Object(Vec<(String, Json)>),
}

impl Json {
    /// The JSON type name used in error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Number(_) => "number",
            Json::String(_) => "string",
            Json::Array(_) => "array",
            Json::Object(_) => "object",
        }
    }

    /// Convert to a serde_json value. Call only after [`find_duplicate`]
    /// returned `None`: with duplicates, later members would win.
    pub(crate) fn into_value(self) -> serde_json::Value {
        match self {
            Json::Null => serde_json::Value::Null,
            Json::Bool(b) => serde_json::Value::Bool(b),
            Json::Number(n) => serde_json::Value::Number(n),
            Json::String(s) => serde_json::Value::String(s),
            Json::Array(items) => {
                serde_json::Value::Array(items.into_iter().map(Json::into_value).collect())
            }
            Json::Object(members) => serde_json::Value::Object(into_map(members)),
        }
    }
}

/// Convert object members to a serde_json map (see [`Json::into_value`]).
pub(crate) fn into_map(members: Vec<(String, Json)>) -> serde_json::Map<String, serde_json::Value> {
    members
        .into_iter()
        .map(|(k, v)| (k, v.into_value()))
        .collect()
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Number(v.into()))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Json, E> {
        serde_json::Number::from_f64(v)
            .map(Json::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Json, E> {
        Ok(Json::String(v.to_owned()))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Json, E> {
        Ok(Json::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Json>()? {
            items.push(item);
        }
        Ok(Json::Array(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = Vec::new();
        while let Some((k, v)) = map.next_entry::<String, Json>()? {
            members.push((k, v));
        }
        Ok(Json::Object(members))
    }
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

/// A member name as read, borrowed from the input when it has no escapes
/// (the fast paths compare names without allocating).
pub(crate) struct Name<'de>(pub(crate) Cow<'de, str>);

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Borrowed(v)))
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Owned(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Name<'de>, E> {
        Ok(Name(Cow::Owned(v)))
    }
}

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_str(NameVisitor)
    }
}

/// The error a fast path returns when it declines a document; the caller
/// then runs the careful path, which names the actual problem.
pub(crate) fn decline<E: de::Error>() -> E {
    E::custom("declined by the fast path")
}

/// Why a body is not a JSON document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SyntaxError {
    /// Not UTF-8; `offset` is the length of the valid prefix.
    NotUtf8 { offset: usize },
    /// Empty, or only whitespace.
    Empty,
    /// serde_json rejected it (syntax, nesting deeper than 128, bad escape).
    Malformed {
        line: usize,
        column: usize,
        detail: String,
    },
}

/// Parse a complete JSON document (one value, optional surrounding whitespace).
pub(crate) fn parse(bytes: &[u8]) -> Result<Json, SyntaxError> {
    let text = core::str::from_utf8(bytes).map_err(|e| SyntaxError::NotUtf8 {
        offset: e.valid_up_to(),
    })?;
    if text.chars().all(|c| matches!(c, ' ' | '\t' | '\n' | '\r')) {
        return Err(SyntaxError::Empty);
    }
    text::parse(text).map_err(|e| SyntaxError::Malformed {
        line: e.line,
        column: e.column,
        detail: e.code.message().to_owned(),
    })
}

/// serde_json appends " at line L column C"; the position is reported separately.
fn strip_position(msg: &str) -> String {
    match msg.rfind(" at line ") {
        Some(i) => msg.get(..i).unwrap_or(msg).to_owned(),
        None => msg.to_owned(),
    }
}

/// One step of a path into a document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Seg<'a> {
    Key(&'a str),
    Index(usize),
}

/// Longest member name written into a path, in characters; longer names are
/// cut and marked with `…` so that an error never echoes a huge input.
const MAX_KEY_IN_PATH: usize = 128;

/// Render a path in the JSONPath-like form used by every error of this crate:
///
/// - the root member is written bare: `maxEvents`;
/// - a member whose name is made only of ASCII letters, digits, `_` and `-`
///   follows a dot: `setErrs.4d3559ec-6790.err`;
/// - any other member name is quoted in brackets, with `'` and `\` escaped:
///   `events['urn:uk:org:openbanking:events:resource-update'].subject`;
/// - an array index is in brackets: `ack[3]`.
pub(crate) fn render_path(segs: &[Seg<'_>]) -> String {
    let mut out = String::new();
    for seg in segs {
        match seg {
            Seg::Index(i) => {
                out.push('[');
                out.push_str(&i.to_string());
                out.push(']');
            }
            Seg::Key(k) => {
                let simple = !k.is_empty()
                    && k.chars().count() <= MAX_KEY_IN_PATH
                    && k.chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
                if simple {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                } else {
                    out.push_str("['");
                    for (n, c) in k.chars().enumerate() {
                        if n == MAX_KEY_IN_PATH {
                            out.push('…');
                            break;
                        }
                        if c == '\'' || c == '\\' {
                            out.push('\\');
                        }
                        out.push(c);
                    }
                    out.push_str("']");
                }
            }
        }
    }
    out
}

/// The path of the first member name that occurs twice in one object,
/// searching depth first in document order.
pub(crate) fn find_duplicate(value: &Json) -> Option<String> {
    let mut path = Vec::new();
    find_duplicate_at(value, &mut path)
}

fn find_duplicate_at<'a>(value: &'a Json, path: &mut Vec<Seg<'a>>) -> Option<String> {
    match value {
        Json::Object(members) => {
            // A scan of the earlier names while the object is small (nearly
            // every object), a hash set when it is large.
            let mut seen = std::collections::HashSet::new();
            for (i, (k, _)) in members.iter().enumerate() {
                let repeated = if members.len() <= 16 {
                    members.iter().take(i).any(|(earlier, _)| earlier == k)
                } else {
                    !seen.insert(k.as_str())
                };
                if repeated {
                    path.push(Seg::Key(k));
                    return Some(render_path(path));
                }
            }
            for (k, v) in members {
                path.push(Seg::Key(k));
                if let Some(found) = find_duplicate_at(v, path) {
                    return Some(found);
                }
                path.pop();
            }
            None
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(Seg::Index(i));
                if let Some(found) = find_duplicate_at(v, path) {
                    return Some(found);
                }
                path.pop();
            }
            None
        }
        _ => None,
    }
}

/// How a JSON number fits an integer rule.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IntCheck {
    Ok(i64),
    /// Written with a fraction or exponent (`1.5`, `1.0`, `1e2`).
    NotInteger,
    /// An integer, but outside the allowed range (includes literals beyond u64).
    OutOfRange,
}

/// Check a number against `min..=max`. Integers must be written as JSON
/// integers: `1.0` and `1e2` are refused even though their value is whole.
pub(crate) fn check_int(n: &serde_json::Number, min: i64, max: i64) -> IntCheck {
    if let Some(v) = n.as_i64() {
        if v < min || v > max {
            IntCheck::OutOfRange
        } else {
            IntCheck::Ok(v)
        }
    } else if n.is_u64() {
        // Above i64::MAX, so above any max we use.
        IntCheck::OutOfRange
    } else {
        // A float: serde_json also lands here for integer literals too large
        // for u64, which we must report as out of range, not as fractions.
        let f = n.as_f64().unwrap_or(f64::NAN);
        if f.is_finite() && f.fract() == 0.0 && f.abs() >= 9_223_372_036_854_775_808.0 {
            IntCheck::OutOfRange
        } else {
            IntCheck::NotInteger
        }
    }
}

/// Length in Unicode scalar values (Rust `char`s), the unit used for every
/// `minLength`/`maxLength` rule in this crate.
pub(crate) fn char_len(s: &str) -> usize {
    s.chars().count()
}

/// Cut `s` to at most `max` chars (on a char boundary). If it was cut, the
/// last kept char is replaced by `…`.
pub(crate) fn clamp_chars(s: &str, max: usize) -> String {
    if max == 0 {
        return String::new();
    }
    if char_len(s) <= max {
        return s.to_owned();
    }
    let mut out: String = s.chars().take(max - 1).collect();
    out.push('…');
    out
}

/// Any JSON value for a fast path, declining duplicate member names at any
/// depth (plain `serde_json::Value` would keep the last of two silently).
/// Objects keep document order, as [`Json::into_value`] does.
pub(crate) struct Checked(pub(crate) Value);

impl<'de> Deserialize<'de> for Checked {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(CheckedVisitor)
    }
}

struct CheckedVisitor;

impl<'de> Visitor<'de> for CheckedVisitor {
    type Value = Checked;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_unit<E: de::Error>(self) -> Result<Checked, E> {
        Ok(Checked(Value::Null))
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Checked, E> {
        Ok(Checked(Value::Bool(v)))
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Checked, E> {
        Ok(Checked(Value::Number(v.into())))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Checked, E> {
        Ok(Checked(Value::Number(v.into())))
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Checked, E> {
        Number::from_f64(v)
            .map(|n| Checked(Value::Number(n)))
            .ok_or_else(decline)
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Checked, E> {
        Ok(Checked(Value::String(v.to_owned())))
    }
    fn visit_string<E: de::Error>(self, v: String) -> Result<Checked, E> {
        Ok(Checked(Value::String(v)))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Checked, A::Error> {
        let mut items = Vec::new();
        while let Some(Checked(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Checked(Value::Array(items)))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Checked, A::Error> {
        let mut members = Map::new();
        while let Some(Name(name)) = map.next_key()? {
            let Checked(value) = map.next_value()?;
            if members.insert(name.into_owned(), value).is_some() {
                return Err(decline());
            }
        }
        Ok(Checked(Value::Object(members)))
    }
}

/// Store a member that may appear once; a second one declines the fast path.
pub(crate) fn once<T, E: de::Error>(slot: &mut Option<T>, value: T) -> Result<(), E> {
    if slot.is_some() {
        return Err(decline());
    }
    *slot = Some(value);
    Ok(())
}

/// Why bytes were not a strict JSON object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ObjectError {
    /// Not valid JSON (syntax, trailing data, invalid UTF-8, too deep).
    NotJson,
    /// Valid JSON, but not an object.
    NotObject,
    /// A member name appears twice: the name when it is a top-level member
    /// (RFC 7515 §4 and RFC 7517 §4 name them), else the path of the first
    /// duplicate inside a member's value.
    Duplicate(String),
}

/// Parse `bytes` as one JSON object without a duplicate name at any depth;
/// members in document order.
pub(crate) fn parse_object(bytes: &[u8]) -> Result<Vec<(String, Value)>, ObjectError> {
    let root = parse(bytes).map_err(|_| ObjectError::NotJson)?;
    if let Some(path) = find_duplicate(&root) {
        let Json::Object(members) = &root else {
            return Err(ObjectError::NotObject);
        };
        let mut seen = std::collections::HashSet::new();
        let top = members
            .iter()
            .map(|(k, _)| k.as_str())
            .find(|k| !seen.insert(*k));
        return Err(ObjectError::Duplicate(top.map_or(path, str::to_owned)));
    }
    match root {
        Json::Object(members) => Ok(members
            .into_iter()
            .map(|(k, v)| (k, v.into_value()))
            .collect()),
        _ => Err(ObjectError::NotObject),
    }
}

/// Why a JSON document was refused ([`parse_json`](crate::parse_json), and
/// the crate's typed reads of saved state and error bodies).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ReadError {
    /// Not JSON (serde_json's message, with position).
    Invalid {
        /// Line of the problem, from 1.
        line: usize,
        /// Column of the problem, from 1 (0: the text ended before a value).
        column: usize,
        /// What is wrong, without the position.
        detail: String,
    },
    /// A member name appears twice; the path of the first (see the crate's
    /// path form: `events['urn:…'].subject`).
    Duplicate {
        /// Path of the first repeated member.
        path: String,
    },
    /// JSON, but not the record expected: a member missing or of the wrong
    /// type (serde's wording).
    Shape {
        /// Where, in the path form above (empty: the document itself).
        path: String,
        /// What is wrong (`missing field `jti``).
        detail: String,
    },
}

impl std::error::Error for ReadError {}

/// Parse JSON text the way the core reads every document: one value, and a
/// member name that appears twice at any depth refused (serde_json's
/// `Value` would keep the last one silently, so two readers could see two
/// different documents). For hosts that take JSON from their callers (the
/// claims builder's custom members and subject identifiers).
///
/// # Errors
/// [`ReadError::Invalid`] for text that is not one JSON value (the empty
/// text included), [`ReadError::Duplicate`] with the path of the first
/// repeated member name.
pub fn parse_json(text: &str) -> Result<Value, ReadError> {
    // From text, so UTF-8; serde_json names empty text ("EOF while parsing
    // a value") as it names every other syntax error.
    read_tree(text).map(Json::into_value)
}

impl From<serde_json::Error> for ReadError {
    fn from(e: serde_json::Error) -> Self {
        ReadError::Invalid {
            line: e.line(),
            column: e.column(),
            detail: strip_position(&e.to_string()),
        }
    }
}

impl fmt::Display for ReadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ReadError::Invalid {
                line,
                column,
                detail,
            } => write!(f, "{detail} at line {line} column {column}"),
            ReadError::Duplicate { path } => write!(f, "duplicate member name at {path}"),
            ReadError::Shape { path, detail } if path.is_empty() => f.write_str(detail),
            ReadError::Shape { path, detail } => write!(f, "{detail} at {path}"),
        }
    }
}

/// JSON text as a tree, refusing a member name that appears twice at any
/// depth.
pub(crate) fn read_tree(text: &str) -> Result<Json, ReadError> {
    let tree = text::parse(text).map_err(|e| ReadError::Invalid {
        line: e.line,
        column: e.column,
        detail: e.code.message().to_owned(),
    })?;
    match find_duplicate(&tree) {
        Some(path) => Err(ReadError::Duplicate { path }),
        None => Ok(tree),
    }
}

/// Read one of the crate's records from JSON text ([`typed`]).
pub(crate) fn read<T: typed::FromJson>(text: &str) -> Result<T, ReadError> {
    let tree = read_tree(text)?;
    T::from_json(&tree).map_err(|e| ReadError::Shape {
        path: e.path(),
        detail: e.detail().to_owned(),
    })
}

/// A value as compact JSON text (`Value`'s `Display` would also bring in
/// the pretty printer, for `{:#}`).
pub(crate) fn to_text(value: &Value) -> String {
    // A `Value` has string keys and finite numbers: writing cannot fail.
    serde_json::to_string(value).unwrap_or_default()
}

/// Append a JSON string literal: serde_json's escaping, deterministic.
/// The one string writer of the crate.
pub(crate) fn push_str_lit(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(lit) => out.push_str(&lit),
        // Serialising a &str cannot fail; keep the output valid JSON anyway.
        Err(_) => out.push_str("\"\""),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn parse_json_refuses_duplicates_and_keeps_order() {
        let v = crate::parse_json(r#" {"z":1,"a":[true,null,"s"],"m":{"y":2.5}} "#).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["z", "a", "m"]);
        assert_eq!(v["m"]["y"], serde_json::json!(2.5));
        assert_eq!(
            crate::parse_json(r#"{"a":{"b":[{"c":1,"c":2}]}}"#),
            Err(ReadError::Duplicate {
                path: "a.b[0].c".into()
            })
        );
        let dup = crate::parse_json(r#"{"x":1,"x":1}"#).unwrap_err();
        assert_eq!(dup.to_string(), "duplicate member name at x");
        // Not JSON, empty, whitespace: serde_json's message and position.
        assert!(matches!(
            crate::parse_json("{"),
            Err(ReadError::Invalid {
                line: 1,
                column: 1,
                ..
            })
        ));
        for (text, line, column) in [("", 1, 0), ("  ", 1, 2), ("\n\n ", 3, 1)] {
            assert_eq!(
                crate::parse_json(text),
                Err(ReadError::Invalid {
                    line,
                    column,
                    detail: "EOF while parsing a value".into()
                }),
                "{text:?}"
            );
            let serde_says = serde_json::from_str::<Value>(text).unwrap_err();
            assert_eq!(
                (serde_says.line(), serde_says.column()),
                (line, column),
                "{text:?}"
            );
        }
        assert!(crate::parse_json("1 2").is_err());
    }

    #[test]
    fn keeps_duplicates_and_finds_them_with_a_path() {
        let j = parse(br#"{"a":{"b":[1,{"c":1,"c":2}]}}"#).unwrap();
        assert_eq!(find_duplicate(&j).as_deref(), Some("a.b[1].c"));
        let j = parse(br#"{"x":1,"x":1}"#).unwrap();
        assert_eq!(find_duplicate(&j).as_deref(), Some("x"));
        let j = parse(br#"{"x":1,"y":{"x":1}}"#).unwrap();
        assert_eq!(find_duplicate(&j), None);
    }

    #[test]
    fn paths_quote_unusual_names_and_cut_long_ones() {
        assert_eq!(
            render_path(&[Seg::Key("setErrs"), Seg::Key("a.b'c"), Seg::Key("err")]),
            "setErrs['a.b\\'c'].err"
        );
        assert_eq!(render_path(&[Seg::Key("ack"), Seg::Index(3)]), "ack[3]");
        let long = "x".repeat(1000);
        let p = render_path(&[Seg::Key(&long)]);
        assert_eq!(char_len(&p), 128 + 5);
        assert!(p.ends_with("…']"));
        assert_eq!(render_path(&[Seg::Key("")]), "['']");
    }

    #[test]
    fn integer_rules() {
        let n = |s: &str| serde_json::from_str::<serde_json::Number>(s).unwrap();
        assert_eq!(check_int(&n("5"), 0, 10), IntCheck::Ok(5));
        assert_eq!(check_int(&n("-1"), 0, 10), IntCheck::OutOfRange);
        assert_eq!(check_int(&n("11"), 0, 10), IntCheck::OutOfRange);
        assert_eq!(check_int(&n("1.5"), 0, 10), IntCheck::NotInteger);
        assert_eq!(check_int(&n("1.0"), 0, 10), IntCheck::NotInteger);
        assert_eq!(check_int(&n("1e2"), 0, 1000), IntCheck::NotInteger);
        assert_eq!(
            check_int(&n("18446744073709551615"), 0, 10),
            IntCheck::OutOfRange
        );
        assert_eq!(
            check_int(&n("99999999999999999999999"), 0, 10),
            IntCheck::OutOfRange
        );
        assert_eq!(
            check_int(&n("-99999999999999999999999"), 0, 10),
            IntCheck::OutOfRange
        );
    }

    #[test]
    fn syntax_errors_are_typed() {
        assert_eq!(parse(b""), Err(SyntaxError::Empty));
        assert_eq!(parse(b" \n\t"), Err(SyntaxError::Empty));
        assert_eq!(
            parse(b"{\"a\":\"\xff\"}"),
            Err(SyntaxError::NotUtf8 { offset: 6 })
        );
        assert!(matches!(parse(b"{"), Err(SyntaxError::Malformed { .. })));
        assert!(matches!(
            parse(b"{} {}"),
            Err(SyntaxError::Malformed { .. })
        ));
        let deep = "[".repeat(10_000);
        assert!(matches!(
            parse(deep.as_bytes()),
            Err(SyntaxError::Malformed { .. })
        ));
        assert!(matches!(
            parse(br#""\ud800""#),
            Err(SyntaxError::Malformed { .. })
        ));
    }

    #[test]
    fn objects_refuse_duplicates_at_any_depth() {
        let members = parse_object(br#"{"b":1,"a":{"x":[true,null]}}"#).unwrap();
        assert_eq!(members.len(), 2);
        assert_eq!(members[0].0, "b");
        assert_eq!(
            parse_object(br#"{"a":1,"http://x/y":2,"http://x/y":3}"#),
            Err(ObjectError::Duplicate("http://x/y".into()))
        );
        assert_eq!(
            parse_object(br#"{"jwk":{"k":[{"e":1,"e":2}]}}"#),
            Err(ObjectError::Duplicate("jwk.k[0].e".into()))
        );
        assert_eq!(parse_object(b"[]"), Err(ObjectError::NotObject));
        assert_eq!(parse_object(b"{} x"), Err(ObjectError::NotJson));
        assert_eq!(parse_object(b"\xff"), Err(ObjectError::NotJson));
    }

    #[test]
    fn typed_reads_refuse_duplicates_serde_would_let_through() {
        use crate::receiver::ScheduleState;
        let ok = r#"{"nextPollAt":1,"consecutiveFailures":0,"z":{}}"#;
        assert_eq!(
            read::<ScheduleState>(ok).unwrap().next_poll_at,
            crate::time::Timestamp::from_millis(1)
        );
        // serde ignores unknown members, and so their duplicates.
        assert_eq!(
            read::<ScheduleState>(r#"{"nextPollAt":1,"consecutiveFailures":0,"z":1,"z":2}"#),
            Err(ReadError::Duplicate { path: "z".into() })
        );
        let e = read::<ScheduleState>("{\n\"nextPollAt\":\"x\"}").unwrap_err();
        assert_eq!(
            e,
            ReadError::Shape {
                path: "nextPollAt".into(),
                detail: r#"invalid type: string "x", expected u64"#.into()
            }
        );
        assert_eq!(
            e.to_string(),
            r#"invalid type: string "x", expected u64 at nextPollAt"#
        );
        // Not JSON: serde_json's message and position.
        assert!(matches!(
            read::<ScheduleState>("{\n\"nextPollAt\":x}"),
            Err(ReadError::Invalid {
                line: 2,
                column: 14,
                ..
            })
        ));
    }

    #[test]
    fn checked_values_decline_nested_duplicates() {
        let read = |t: &str| serde_json::from_str::<Checked>(t).map(|c| c.0).ok();
        assert_eq!(
            read(r#"{"a":[1,{"b":"c"}]}"#),
            Some(serde_json::json!({"a":[1,{"b":"c"}]}))
        );
        assert_eq!(read(r#"{"a":[1,{"b":1,"b":2}]}"#), None);
    }

    #[test]
    fn clamp_is_char_safe() {
        assert_eq!(clamp_chars("héllo", 10), "héllo");
        assert_eq!(clamp_chars("héllo", 3), "hé…");
        assert_eq!(clamp_chars("ééé", 0), "");
        assert_eq!(char_len(&clamp_chars(&"€".repeat(600), 500)), 500);
    }
}
