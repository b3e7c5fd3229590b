//! Typed reads of the core's own records from a parsed [`Json`] tree: the
//! receiver's saved state and journal changes, the transmitter's records and
//! changes, and error bodies.
//!
//! serde's derived readers are generic over the reader, so each record's
//! reading code was compiled once per JSON source (text, a `Value`, the wasm
//! package's JavaScript values) and inlined there: most of the reading code
//! in the wasm package. These readers are plain functions of the tree,
//! compiled once; each record's `Deserialize` reads a tree (one generic
//! instance per source, shared by every record) and calls them.
//!
//! The rules are serde's derived ones, so every text that read before reads
//! the same: members in any order, unknown members ignored, a missing
//! `Option` member is `None` and `null` is `None`, integers written as JSON
//! integers within range. (serde's derived readers also took a record
//! written as an array of its fields in order; nothing writes that form,
//! and it is refused now.) Messages say what serde said (`missing field
//! `jti``, `invalid type: string "a", expected u32`) and add where, in the
//! crate's path form: `at unsettled[2].deliveredAt`.

use core::fmt;

use super::{render_path, Json, Seg};
use crate::codes::{ObieErrorCode, SetErrCode};
use crate::time::Timestamp;

/// A record's shape did not match: what, and where.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ShapeError {
    /// Innermost segment first (pushed while the error travels outwards).
    rev_path: Vec<PathSeg>,
    detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum PathSeg {
    Key(&'static str),
    Index(usize),
}

impl ShapeError {
    pub(crate) fn new(detail: impl Into<String>) -> Self {
        ShapeError {
            rev_path: Vec::new(),
            detail: detail.into(),
        }
    }

    /// serde's message for a value of the wrong JSON type.
    pub(crate) fn invalid_type(found: &Json, expected: &str) -> Self {
        ShapeError::new(format!(
            "invalid type: {}, expected {expected}",
            unexpected(found)
        ))
    }

    /// serde's message for a required member that is absent.
    pub(crate) fn missing(field: &'static str) -> Self {
        ShapeError::new(format!("missing field `{field}`"))
    }

    /// serde's message for an enum tag that is not one of `expected`.
    pub(crate) fn unknown_variant(found: &str, expected: &[&str]) -> Self {
        let list: Vec<String> = expected.iter().map(|v| format!("`{v}`")).collect();
        ShapeError::new(format!(
            "unknown variant `{}`, expected one of {}",
            shown(found),
            list.join(", ")
        ))
    }

    fn within(mut self, seg: PathSeg) -> Self {
        self.rev_path.push(seg);
        self
    }

    /// The error, inside the array element `index`.
    pub(crate) fn at_index(self, index: usize) -> Self {
        self.within(PathSeg::Index(index))
    }

    /// The error, inside the member `name`.
    pub(crate) fn at_key(self, name: &'static str) -> Self {
        self.within(PathSeg::Key(name))
    }

    /// Where, in the crate's path form (empty: the document itself).
    pub(crate) fn path(&self) -> String {
        let segs: Vec<Seg<'_>> = self
            .rev_path
            .iter()
            .rev()
            .map(|s| match s {
                PathSeg::Key(k) => Seg::Key(k),
                PathSeg::Index(i) => Seg::Index(*i),
            })
            .collect();
        render_path(&segs)
    }

    /// What is wrong, without the place.
    pub(crate) fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for ShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.rev_path.is_empty() {
            f.write_str(&self.detail)
        } else {
            write!(f, "{} at {}", self.detail, self.path())
        }
    }
}

/// A string as a message quotes it: at most 64 characters, then `…` (a
/// saved state is the host's, but its strings need not be short).
fn shown(s: &str) -> String {
    let mut out: String = s.chars().take(64).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out
}

/// serde's `Unexpected` wording for a JSON value.
fn unexpected(j: &Json) -> String {
    match j {
        Json::Null => "null".into(),
        Json::Bool(b) => format!("boolean `{b}`"),
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => format!("integer `{u}`"),
            (None, Some(i)) => format!("integer `{i}`"),
            _ => format!("floating point `{n}`"),
        },
        Json::String(s) => format!("string {:?}", shown(s)),
        Json::Array(_) => "sequence".into(),
        Json::Object(_) => "map".into(),
    }
}

/// A value read from a tree with serde's derived rules.
pub(crate) trait FromJson: Sized {
    fn from_json(j: &Json) -> Result<Self, ShapeError>;
}

impl FromJson for String {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        match j {
            Json::String(s) => Ok(s.clone()),
            other => Err(ShapeError::invalid_type(other, "a string")),
        }
    }
}

/// An unsigned integer of at most `max`, named `what` (`u64`, `u32`).
fn unsigned(j: &Json, max: u64, what: &str) -> Result<u64, ShapeError> {
    match j {
        Json::Number(n) => match (n.as_u64(), n.as_i64()) {
            (Some(v), _) if v <= max => Ok(v),
            (Some(v), _) => Err(ShapeError::new(format!(
                "invalid value: integer `{v}`, expected {what}"
            ))),
            (None, Some(v)) => Err(ShapeError::new(format!(
                "invalid value: integer `{v}`, expected {what}"
            ))),
            _ => Err(ShapeError::invalid_type(j, what)),
        },
        other => Err(ShapeError::invalid_type(other, what)),
    }
}

impl FromJson for u64 {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        unsigned(j, u64::MAX, "u64")
    }
}

impl FromJson for u32 {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        unsigned(j, u64::from(u32::MAX), "u32").map(|v| u32::try_from(v).unwrap_or(u32::MAX))
    }
}

impl FromJson for Timestamp {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        u64::from_json(j).map(Timestamp::from_millis)
    }
}

impl FromJson for SetErrCode {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        String::from_json(j).map(|s| SetErrCode::from_code(&s))
    }
}

impl FromJson for ObieErrorCode {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        String::from_json(j).map(|s| ObieErrorCode::from_code(&s))
    }
}

impl<T: FromJson> FromJson for Box<T> {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        T::from_json(j).map(Box::new)
    }
}

impl<T: FromJson> FromJson for Vec<T> {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        let Json::Array(items) = j else {
            return Err(ShapeError::invalid_type(j, "a sequence"));
        };
        let mut out = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            out.push(T::from_json(item).map_err(|e| e.within(PathSeg::Index(i)))?);
        }
        Ok(out)
    }
}

impl<T: FromJson> FromJson for Option<T> {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        match j {
            Json::Null => Ok(None),
            other => T::from_json(other).map(Some),
        }
    }
}

/// A tag or unit-variant name: one of `names`, as its index.
pub(crate) fn variant(j: &Json, names: &[&str]) -> Result<usize, ShapeError> {
    match j {
        Json::String(s) => variant_name(s, names),
        other => Err(ShapeError::invalid_type(other, "variant identifier")),
    }
}

/// `name` as the index of one of `names`.
pub(crate) fn variant_name(name: &str, names: &[&str]) -> Result<usize, ShapeError> {
    names
        .iter()
        .position(|n| *n == name)
        .ok_or_else(|| ShapeError::unknown_variant(name, names))
}

/// The members of a JSON object, read field by field as a derived struct
/// reader would. The tree has no duplicate names (the callers refuse them
/// first), so the first member of a name is the only one.
pub(crate) struct Fields<'a> {
    members: &'a [(String, Json)],
}

impl<'a> Fields<'a> {
    /// `j` as an object; otherwise serde's message naming `expecting`
    /// (`struct SetRecord`).
    pub(crate) fn of(j: &'a Json, expecting: &str) -> Result<Self, ShapeError> {
        match j {
            Json::Object(members) => Ok(Fields { members }),
            other => Err(ShapeError::invalid_type(other, expecting)),
        }
    }

    /// The member `name`, if present.
    pub(crate) fn get(&self, name: &str) -> Option<&'a Json> {
        self.members.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    /// A member that must be present.
    pub(crate) fn req<T: FromJson>(&self, name: &'static str) -> Result<T, ShapeError> {
        match self.get(name) {
            Some(v) => T::from_json(v).map_err(|e| e.within(PathSeg::Key(name))),
            None => Err(ShapeError::missing(name)),
        }
    }

    /// An `Option` member: absent or `null` is `None`.
    pub(crate) fn opt<T: FromJson>(&self, name: &'static str) -> Result<Option<T>, ShapeError> {
        match self.get(name) {
            Some(v) => Option::<T>::from_json(v).map_err(|e| e.within(PathSeg::Key(name))),
            None => Ok(None),
        }
    }

    /// A `#[serde(default)]` member: absent is the default (`null` is not).
    pub(crate) fn or_default<T: FromJson + Default>(
        &self,
        name: &'static str,
    ) -> Result<T, ShapeError> {
        match self.get(name) {
            Some(v) => T::from_json(v).map_err(|e| e.within(PathSeg::Key(name))),
            None => Ok(T::default()),
        }
    }

    /// An enum tag member (`op`, `kind`, `outcome`): its index in `names`.
    pub(crate) fn tag(&self, name: &'static str, names: &[&str]) -> Result<usize, ShapeError> {
        match self.get(name) {
            Some(v) => variant(v, names).map_err(|e| e.within(PathSeg::Key(name))),
            None => Err(ShapeError::missing(name)),
        }
    }
}

/// Implement `Deserialize` for records that read from the tree: read a
/// [`Json`] (one generic instance per source, shared), refuse duplicate
/// member names, then the record's own reader.
macro_rules! deserialize_via_tree {
    ($($ty:ty),* $(,)?) => {$(
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let tree = <$crate::json::Json as serde::Deserialize>::deserialize(d)?;
                $crate::json::typed::from_tree(&tree).map_err(serde::de::Error::custom)
            }
        }
    )*};
}
pub(crate) use deserialize_via_tree;

/// A struct's reader and its `Deserialize`, from its members: each field
/// with how it is read (`req`, `opt`, `or_default`) and its JSON name.
macro_rules! read_struct {
    ($ty:ident { $($field:ident: $how:ident $name:literal),* $(,)? }) => {
        impl $crate::json::typed::FromJson for $ty {
            fn from_json(
                j: &$crate::json::Json,
            ) -> Result<Self, $crate::json::typed::ShapeError> {
                let f = $crate::json::typed::Fields::of(j, concat!("struct ", stringify!($ty)))?;
                Ok($ty { $($field: f.$how($name)?,)* })
            }
        }
        $crate::json::typed::deserialize_via_tree!($ty);
    };
}
pub(crate) use read_struct;

/// Read a record from a parsed tree: duplicates refused, then its shape.
pub(crate) fn from_tree<T: FromJson>(tree: &Json) -> Result<T, String> {
    if let Some(path) = super::find_duplicate(tree) {
        return Err(format!("duplicate member name at {path}"));
    }
    T::from_json(tree).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::super::{read, ReadError};
    use crate::receiver::{JournalError, ReceiverChange, ReceiverState, StateError};
    use crate::transmitter::{Change, SetRecord};

    fn shape<T: super::FromJson + core::fmt::Debug>(text: &str) -> String {
        match read::<T>(text) {
            Err(ReadError::Shape { path, detail }) => format!("{detail} | {path}"),
            other => panic!("{text}: {other:?}"),
        }
    }

    #[test]
    fn messages_are_serdes_with_the_path_added() {
        let state = ReceiverState::default().to_json();
        let bad = state.replace(
            r#""unsettled":[]"#,
            r#""unsettled":[{"iss":"i","jti":"a","token":"t","deliveredAt":1},{"iss":"i","jti":"b","token":"t","deliveredAt":"x"}]"#,
        );
        assert_eq!(
            shape::<ReceiverState>(&bad),
            r#"invalid type: string "x", expected u64 | unsettled[1].deliveredAt"#
        );
        assert_eq!(
            shape::<ReceiverState>(&state.replace(r#""format":1"#, r#""format":4294967296"#)),
            "invalid value: integer `4294967296`, expected u32 | format"
        );
        assert_eq!(
            shape::<ReceiverState>(&state.replace(r#""format":1"#, r#""format":-1"#)),
            "invalid value: integer `-1`, expected u32 | format"
        );
        assert_eq!(
            shape::<ReceiverState>(&state.replace(r#""format":1"#, r#""format":1.0"#)),
            "invalid type: floating point `1.0`, expected u32 | format"
        );
        assert_eq!(
            shape::<ReceiverState>(r#"{"format":1}"#),
            "missing field `schedule` | "
        );
        assert_eq!(
            shape::<ReceiverState>("[]"),
            "invalid type: sequence, expected struct ReceiverState | "
        );
        // `held` may be absent (a default), but not null.
        let no_held = state.replace(r#","held":[]"#, "");
        assert_ne!(no_held, state);
        assert_eq!(
            read::<ReceiverState>(&no_held).unwrap(),
            ReceiverState::default()
        );
        assert_eq!(
            shape::<ReceiverState>(&state.replace(r#""held":[]"#, r#""held":null"#)),
            "invalid type: null, expected a sequence | held"
        );
    }

    #[test]
    fn changes_are_one_member_objects_and_a_journal_names_the_element() {
        assert_eq!(
            ReceiverChange::from_json(r#"{"ackQueued":{"jti":"a"}}"#).unwrap(),
            ReceiverChange::AckQueued { jti: "a".into() }
        );
        assert_eq!(
            shape::<ReceiverChange>(r#"{"ackQueued":{"jtI":"a"}}"#),
            "missing field `jti` | ackQueued"
        );
        assert!(shape::<ReceiverChange>(r#"{"ackQueud":{"jti":"a"}}"#)
            .starts_with("unknown variant `ackQueud`, expected one of `schedule`, `ackQueued`"));
        assert_eq!(
            shape::<ReceiverChange>(r#"{"ackQueued":{"jti":"a"},"dropped":{"jti":"b"}}"#),
            "a change is an object of one member (its name), not 2 | "
        );
        assert_eq!(
            shape::<ReceiverChange>(r#""ackQueued""#),
            r#"invalid type: string "ackQueued", expected enum ReceiverChange | "#
        );
        // Stricter than serde_json::from_str was: duplicates are refused.
        assert!(matches!(
            ReceiverChange::from_json(r#"{"ackQueued":{"jti":"a","jti":"b"}}"#),
            Err(StateError::Json(m)) if m == "duplicate member name at ackQueued.jti"
        ));
        let journal = r#"[{"ackQueued":{"jti":"a"}},{"dropped":{"jti":"b"}},{"dropped":{}}]"#;
        match ReceiverChange::list_from_json(journal) {
            Err(e @ JournalError::Change(2, StateError::Json(_))) => {
                assert_eq!(
                    e.to_string(),
                    "not a receiver change: missing field `jti` at [2].dropped"
                );
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            ReceiverChange::list_from_json(&journal.replace(r#",{"dropped":{}}"#, ""))
                .unwrap()
                .len(),
            2
        );
        assert!(matches!(
            ReceiverChange::list_from_json(r#"{"ackQueued":{"jti":"a"}}"#),
            Err(JournalError::NotJson(ReadError::Shape { .. }))
        ));
        assert!(matches!(
            ReceiverChange::list_from_json("[1,"),
            Err(JournalError::NotJson(ReadError::Invalid { .. }))
        ));
    }

    #[test]
    fn internally_tagged_records_take_the_tag_anywhere() {
        let record = r#"{"seq":1,"client":"c","jti":"j","token":"t","state":"pending","attempts":0,"visible_at":0,"enqueued_at":0,"expires_at":9}"#;
        let r = read::<SetRecord>(record).unwrap();
        assert_eq!((r.seq, &r.last_error), (1, &None));
        let last = record.replace(r#""seq":1,"#, r#""seq":1,"last_error":null,"#);
        assert_eq!(read::<SetRecord>(&last).unwrap(), r);
        let insert = record.replace(r#""token":"t","#, r#""token":"t","op":"insert","#);
        assert_eq!(read::<Change>(&insert).unwrap(), Change::Insert(r));
        assert_eq!(
            shape::<Change>(&record.replace(r#""state":"pending""#, r#""state":"pending","op":"insert","last_error":{"reason":{"kind":"set_err","err":"jws"},"at":1}"#)),
            "missing field `description` | last_error.reason"
        );
        assert_eq!(
            shape::<SetRecord>(&record.replace("pending", "paused")),
            "unknown variant `paused`, expected one of `pending`, `delivered`, `dead_letter` | state"
        );
        assert_eq!(
            shape::<Change>(&record.replace(r#""seq":1,"#, r#""seq":1,"op":7,"#)),
            "invalid type: integer `7`, expected variant identifier | op"
        );
    }
}
