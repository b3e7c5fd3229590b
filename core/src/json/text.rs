//! The crate's JSON text reader: RFC 8259 text into a [`Json`] tree.
//!
//! Written for the core rather than taken from serde_json's generic
//! deserializer, which every typed reader instantiated again (in the wasm
//! package, serde_json's reading code and its instances were a quarter of
//! the module). The language and the errors are serde_json's, so nothing
//! that read before reads differently and every message stays the same:
//! the same error names (`expected value`, `trailing comma`, ...), at the
//! same line and column, nesting refused at depth 128, numbers read as
//! serde_json reads them (`u64`, then `i64`, else a correctly rounded `f64`;
//! `-0` is a float). The tests hold the two readers to the same results on
//! a corpus and on mutated documents.

use std::borrow::Cow;

use serde::de::{self, DeserializeSeed, Visitor};

use super::Json;

/// Deepest nesting serde_json reads: the 128th open bracket is refused.
const DEPTH_LIMIT: u32 = 128;

/// Why text is not JSON, and where.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Code {
    EofWhileParsingList,
    EofWhileParsingObject,
    EofWhileParsingString,
    EofWhileParsingValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedSomeIdent,
    ExpectedSomeValue,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    ControlCharacterWhileParsingString,
    KeyMustBeAString,
    LoneLeadingSurrogateInHexEscape,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    RecursionLimitExceeded,
}

impl Code {
    /// serde_json's wording.
    pub(crate) fn message(self) -> &'static str {
        match self {
            Code::EofWhileParsingList => "EOF while parsing a list",
            Code::EofWhileParsingObject => "EOF while parsing an object",
            Code::EofWhileParsingString => "EOF while parsing a string",
            Code::EofWhileParsingValue => "EOF while parsing a value",
            Code::ExpectedColon => "expected `:`",
            Code::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Code::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Code::ExpectedSomeIdent => "expected ident",
            Code::ExpectedSomeValue => "expected value",
            Code::InvalidEscape => "invalid escape",
            Code::InvalidNumber => "invalid number",
            Code::NumberOutOfRange => "number out of range",
            Code::ControlCharacterWhileParsingString => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Code::KeyMustBeAString => "key must be a string",
            Code::LoneLeadingSurrogateInHexEscape => "lone leading surrogate in hex escape",
            Code::TrailingComma => "trailing comma",
            Code::TrailingCharacters => "trailing characters",
            Code::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Code::RecursionLimitExceeded => "recursion limit exceeded",
        }
    }
}

/// A syntax error: what, and where (line from 1; column: bytes before the
/// place on its line, so 0 at a line's start or in empty text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TextError {
    pub(crate) code: Code,
    pub(crate) line: usize,
    pub(crate) column: usize,
}

/// Read `text` as one JSON value with optional whitespace around it.
pub(crate) fn parse(text: &str) -> Result<Json, TextError> {
    let mut p = Parser {
        b: text.as_bytes(),
        text,
        i: 0,
        depth: DEPTH_LIMIT,
    };
    let value = p.value();
    let value = value.and_then(|v| match p.skip_ws() {
        Some(_) => Err(p.at_peek(Code::TrailingCharacters)),
        None => Ok(v),
    });
    value.map_err(|e| e.locate(p.b))
}

/// An error before its line and column are worked out: `at` is the byte
/// offset the position is taken at.
struct Raw {
    code: Code,
    at: usize,
}

impl Raw {
    fn locate(self, b: &[u8]) -> TextError {
        let before = b.get(..self.at).unwrap_or(b);
        let line_start = before
            .iter()
            .rposition(|&c| c == b'\n')
            .map_or(0, |n| n + 1);
        TextError {
            code: self.code,
            line: 1 + before.iter().filter(|&&c| c == b'\n').count(),
            column: self.at - line_start,
        }
    }
}

struct Parser<'a> {
    b: &'a [u8],
    text: &'a str,
    i: usize,
    depth: u32,
}

type Step<T> = Result<T, Raw>;

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// An error at the current offset (the byte just consumed is counted).
    fn at(&self, code: Code) -> Raw {
        Raw { code, at: self.i }
    }

    /// An error at the byte being looked at (it is counted too).
    fn at_peek(&self, code: Code) -> Raw {
        Raw {
            code,
            at: (self.i + 1).min(self.b.len()),
        }
    }

    /// Skip whitespace; the next byte, not consumed.
    fn skip_ws(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.i += 1;
        }
        self.peek()
    }

    fn value(&mut self) -> Step<Json> {
        let Some(c) = self.skip_ws() else {
            return Err(self.at_peek(Code::EofWhileParsingValue));
        };
        match c {
            b'n' => self.ident(b"null").map(|()| Json::Null),
            b't' => self.ident(b"true").map(|()| Json::Bool(true)),
            b'f' => self.ident(b"false").map(|()| Json::Bool(false)),
            b'-' | b'0'..=b'9' => self.number(),
            b'"' => {
                self.i += 1;
                self.string().map(Json::String)
            }
            b'[' => self.nested(Self::array),
            b'{' => self.nested(Self::object),
            _ => Err(self.at_peek(Code::ExpectedSomeValue)),
        }
    }

    /// `word` at the current byte (its first byte already seen).
    fn ident(&mut self, word: &[u8]) -> Step<()> {
        self.i += 1;
        for &want in word.iter().skip(1) {
            match self.peek() {
                None => return Err(self.at(Code::EofWhileParsingValue)),
                Some(c) => {
                    self.i += 1;
                    if c != want {
                        return Err(self.at(Code::ExpectedSomeIdent));
                    }
                }
            }
        }
        Ok(())
    }

    /// An array or object one level deeper, within the depth limit.
    fn nested(&mut self, read: fn(&mut Self) -> Step<Json>) -> Step<Json> {
        self.depth -= 1;
        if self.depth == 0 {
            return Err(self.at_peek(Code::RecursionLimitExceeded));
        }
        self.i += 1;
        let value = read(self);
        self.depth += 1;
        value
    }

    fn array(&mut self) -> Step<Json> {
        let mut items = Vec::new();
        loop {
            match self.skip_ws() {
                None => return Err(self.at_peek(Code::EofWhileParsingList)),
                Some(b']') => break,
                Some(_) if items.is_empty() => {}
                Some(b',') => {
                    self.i += 1;
                    match self.skip_ws() {
                        Some(b']') => return Err(self.at_peek(Code::TrailingComma)),
                        Some(_) => {}
                        None => return Err(self.at_peek(Code::EofWhileParsingValue)),
                    }
                }
                Some(_) => return Err(self.at_peek(Code::ExpectedListCommaOrEnd)),
            }
            items.push(self.value()?);
        }
        self.i += 1;
        Ok(Json::Array(items))
    }

    fn object(&mut self) -> Step<Json> {
        let mut members = Vec::new();
        loop {
            match self.skip_ws() {
                None => return Err(self.at_peek(Code::EofWhileParsingObject)),
                Some(b'}') => break,
                Some(b'"') if members.is_empty() => {}
                Some(_) if members.is_empty() => return Err(self.at_peek(Code::KeyMustBeAString)),
                Some(b',') => {
                    self.i += 1;
                    match self.skip_ws() {
                        Some(b'"') => {}
                        Some(b'}') => return Err(self.at_peek(Code::TrailingComma)),
                        Some(_) => return Err(self.at_peek(Code::KeyMustBeAString)),
                        None => return Err(self.at_peek(Code::EofWhileParsingValue)),
                    }
                }
                Some(_) => return Err(self.at_peek(Code::ExpectedObjectCommaOrEnd)),
            }
            self.i += 1;
            let name = self.string()?;
            match self.skip_ws() {
                Some(b':') => self.i += 1,
                Some(_) => return Err(self.at_peek(Code::ExpectedColon)),
                None => return Err(self.at_peek(Code::EofWhileParsingObject)),
            }
            let value = self.value()?;
            members.push((name, value));
        }
        self.i += 1;
        Ok(Json::Object(members))
    }

    /// A string's contents; the opening quote is consumed.
    fn string(&mut self) -> Step<String> {
        self.string_cow().map(Cow::into_owned)
    }

    /// A string's contents, borrowed from the text when it has no escapes.
    fn string_cow(&mut self) -> Step<Cow<'a, str>> {
        let text = self.text;
        let mut out: Option<String> = None;
        let mut start = self.i;
        loop {
            self.i = plain_run(self.b, self.i);
            let run = text.get(start..self.i).unwrap_or_default();
            match self.peek() {
                None => return Err(self.at(Code::EofWhileParsingString)),
                Some(b'"') => {
                    self.i += 1;
                    return Ok(match out {
                        None => Cow::Borrowed(run),
                        Some(mut s) => {
                            s.push_str(run);
                            Cow::Owned(s)
                        }
                    });
                }
                Some(b'\\') => {
                    let s = out.get_or_insert_with(String::new);
                    s.push_str(run);
                    self.i += 1;
                    let c = self.escape()?;
                    s.push(c);
                    start = self.i;
                }
                Some(_) => {
                    self.i += 1;
                    return Err(self.at(Code::ControlCharacterWhileParsingString));
                }
            }
        }
    }

    /// One escape after its backslash.
    fn escape(&mut self) -> Step<char> {
        let Some(c) = self.peek() else {
            return Err(self.at(Code::EofWhileParsingString));
        };
        self.i += 1;
        Ok(match c {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(),
            _ => return Err(self.at(Code::InvalidEscape)),
        })
    }

    /// `\u` and four hex digits, a surrogate pair taking two.
    fn unicode_escape(&mut self) -> Step<char> {
        let first = self.hex4()?;
        if (0xDC00..=0xDFFF).contains(&first) {
            return Err(self.at(Code::LoneLeadingSurrogateInHexEscape));
        }
        if !(0xD800..=0xDBFF).contains(&first) {
            return char::from_u32(first).ok_or_else(|| self.at(Code::InvalidEscape));
        }
        for want in [b'\\', b'u'] {
            match self.peek() {
                None => return Err(self.at(Code::EofWhileParsingString)),
                Some(c) => {
                    self.i += 1;
                    if c != want {
                        return Err(self.at(Code::UnexpectedEndOfHexEscape));
                    }
                }
            }
        }
        let second = self.hex4()?;
        if !(0xDC00..=0xDFFF).contains(&second) {
            return Err(self.at(Code::LoneLeadingSurrogateInHexEscape));
        }
        let c = (((first - 0xD800) << 10) | (second - 0xDC00)) + 0x1_0000;
        char::from_u32(c).ok_or_else(|| self.at(Code::InvalidEscape))
    }

    fn hex4(&mut self) -> Step<u32> {
        let Some(digits) = self.b.get(self.i..self.i + 4) else {
            self.i = self.b.len();
            return Err(self.at(Code::EofWhileParsingString));
        };
        self.i += 4;
        let mut n = 0u32;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.at(Code::InvalidEscape)),
            };
            n = n * 16 + u32::from(v);
        }
        Ok(n)
    }

    /// A number, with serde_json's grammar errors at its places, as
    /// serde_json represents it.
    fn number(&mut self) -> Step<Json> {
        let start = self.i;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.i += 1;
        }
        // The integer part: one 0, or digits without a leading 0.
        let Some(first) = self.peek() else {
            return Err(self.at(Code::EofWhileParsingValue));
        };
        self.i += 1;
        let mut significand: Option<u64> = match first {
            b'0' => {
                if matches!(self.peek(), Some(b'0'..=b'9')) {
                    return Err(self.at_peek(Code::InvalidNumber));
                }
                Some(0)
            }
            b'1'..=b'9' => {
                let mut n = Some(u64::from(first - b'0'));
                while let Some(d @ b'0'..=b'9') = self.peek() {
                    self.i += 1;
                    n = n
                        .and_then(|n| n.checked_mul(10))
                        .and_then(|n| n.checked_add(u64::from(d - b'0')));
                }
                n
            }
            _ => return Err(self.at(Code::InvalidNumber)),
        };
        let mut float = significand.is_none();
        // Whether every mantissa digit so far is 0 (an exponent overflow
        // then reads as zero rather than out of range).
        let mut zero = first == b'0';
        if self.peek() == Some(b'.') {
            float = true;
            self.i += 1;
            let digits = self.i;
            while let Some(d @ b'0'..=b'9') = self.peek() {
                zero &= d == b'0';
                self.i += 1;
            }
            if self.i == digits {
                return Err(match self.peek() {
                    Some(_) => self.at_peek(Code::InvalidNumber),
                    None => self.at_peek(Code::EofWhileParsingValue),
                });
            }
        }
        if let Some(b'e' | b'E') = self.peek() {
            float = true;
            self.i += 1;
            let positive_exp = match self.peek() {
                Some(b'+') => {
                    self.i += 1;
                    true
                }
                Some(b'-') => {
                    self.i += 1;
                    false
                }
                _ => true,
            };
            match self.peek() {
                None => return Err(self.at(Code::EofWhileParsingValue)),
                Some(b'0'..=b'9') => {}
                Some(_) => {
                    self.i += 1;
                    return Err(self.at(Code::InvalidNumber));
                }
            }
            let mut exp: Option<i32> = Some(0);
            while let Some(d @ b'0'..=b'9') = self.peek() {
                self.i += 1;
                exp = exp
                    .and_then(|e| e.checked_mul(10))
                    .and_then(|e| e.checked_add(i32::from(d - b'0')));
                if exp.is_none() {
                    // An exponent past i32: infinite unless the mantissa
                    // is zero or the exponent negative, which read as zero.
                    if !zero && positive_exp {
                        return Err(self.at(Code::NumberOutOfRange));
                    }
                    while let Some(b'0'..=b'9') = self.peek() {
                        self.i += 1;
                    }
                    let z = if negative { -0.0 } else { 0.0 };
                    return Ok(float_value(z));
                }
            }
        }
        if !float {
            let n = significand.take().unwrap_or(0);
            return Ok(Json::Number(if !negative {
                n.into()
            } else if n == 0 {
                return Ok(float_value(-0.0));
            } else if let Some(v) = 0i64.checked_sub_unsigned(n) {
                v.into()
            } else {
                #[allow(clippy::cast_precision_loss)] // serde_json's conversion, rounded the same
                return Ok(float_value(-(n as f64)));
            }));
        }
        let literal = self.text.get(start..self.i).unwrap_or_default();
        match super::float::parse(literal.as_bytes()) {
            Some(f) => Ok(float_value(f)),
            None => Err(self.at(Code::NumberOutOfRange)),
        }
    }
}

/// The end of the run of string bytes from `i` that need no attention: up
/// to a quote, a backslash or a control character. Eight bytes at a time
/// while none is in sight (a word's bytes checked at once), then one by one.
fn plain_run(b: &[u8], mut i: usize) -> usize {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // A high bit set in a byte of the result where `x`'s byte is below `n`
    // (`n` at most 128); a false alarm only above a true one.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x & HIGH;
    while let Some(word) = b.get(i..i + 8).and_then(|w| <[u8; 8]>::try_from(w).ok()) {
        let w = u64::from_le_bytes(word);
        let found = below(w ^ (ONES * u64::from(b'"')), 1)
            | below(w ^ (ONES * u64::from(b'\\')), 1)
            | below(w, 0x20);
        if found != 0 {
            break;
        }
        i += 8;
    }
    while let Some(&c) = b.get(i) {
        if c == b'"' || c == b'\\' || c < 0x20 {
            break;
        }
        i += 1;
    }
    i
}

fn float_value(f: f64) -> Json {
    // Finite by construction; 0 otherwise (not reachable).
    Json::Number(serde_json::Number::from_f64(f).unwrap_or_else(|| 0u64.into()))
}

// ---------------------------------------------------------------------------
// The same reader as a serde `Deserializer`, for the fast paths' typed
// visitors (SET claims, JOSE headers): they read in one pass, without a
// tree, and decline anything unusual for the careful path to judge, so only
// a success has to match serde_json's, and it does: the same values arrive
// in the same calls (`u64`, `i64`, `f64`; strings borrowed when unescaped).
// ---------------------------------------------------------------------------

/// Any failure of a typed read (the fast paths only need to know that it
/// failed: the careful path then names the problem).
#[derive(Debug)]
pub(crate) struct Declined;

impl core::fmt::Display for Declined {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str("declined")
    }
}

impl std::error::Error for Declined {}

impl de::Error for Declined {
    fn custom<T: core::fmt::Display>(_: T) -> Self {
        Declined
    }
}

impl From<Raw> for Declined {
    fn from(_: Raw) -> Self {
        Declined
    }
}

/// Read `text` as one `T` with `visitor`, whitespace around it allowed.
pub(crate) fn read_with<'a, V: Visitor<'a>>(text: &'a str, visitor: V) -> Option<V::Value> {
    let mut p = Parser {
        b: text.as_bytes(),
        text,
        i: 0,
        depth: DEPTH_LIMIT,
    };
    let value = de::Deserializer::deserialize_any(&mut p, visitor).ok()?;
    p.skip_ws().is_none().then_some(value)
}

impl<'de> de::Deserializer<'de> for &mut Parser<'de> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Declined> {
        match self.skip_ws().ok_or(Declined)? {
            b'n' => {
                self.ident(b"null")?;
                visitor.visit_unit()
            }
            b't' => {
                self.ident(b"true")?;
                visitor.visit_bool(true)
            }
            b'f' => {
                self.ident(b"false")?;
                visitor.visit_bool(false)
            }
            b'-' | b'0'..=b'9' => match self.number()? {
                Json::Number(n) => match (n.as_u64(), n.as_i64(), n.as_f64()) {
                    (Some(u), _, _) => visitor.visit_u64(u),
                    (None, Some(i), _) => visitor.visit_i64(i),
                    (None, None, Some(f)) => visitor.visit_f64(f),
                    _ => Err(Declined),
                },
                _ => Err(Declined),
            },
            b'"' => {
                self.i += 1;
                match self.string_cow()? {
                    Cow::Borrowed(s) => visitor.visit_borrowed_str(s),
                    Cow::Owned(s) => visitor.visit_string(s),
                }
            }
            b'[' => self.items(b']', |items| visitor.visit_seq(items)),
            b'{' => self.items(b'}', |items| visitor.visit_map(items)),
            _ => Err(Declined),
        }
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

impl<'de> Parser<'de> {
    /// An array or object one level deeper (within the depth limit), its
    /// items handed to `visit`, then its closing bracket.
    fn items<T>(
        &mut self,
        close: u8,
        visit: impl FnOnce(Items<'_, 'de>) -> Result<T, Declined>,
    ) -> Result<T, Declined> {
        self.depth -= 1;
        if self.depth == 0 {
            return Err(Declined);
        }
        self.i += 1;
        let value = visit(Items {
            p: &mut *self,
            first: true,
        })?;
        self.depth += 1;
        if self.skip_ws() != Some(close) {
            return Err(Declined);
        }
        self.i += 1;
        Ok(value)
    }
}

/// The items of an array or the members of an object, one at a time.
struct Items<'p, 'de> {
    p: &'p mut Parser<'de>,
    first: bool,
}

impl Items<'_, '_> {
    /// Whether another item follows (`,` between items, none trailing).
    fn more(&mut self, close: u8) -> Result<bool, Declined> {
        let c = self.p.skip_ws().ok_or(Declined)?;
        if c == close {
            return Ok(false);
        }
        if core::mem::take(&mut self.first) {
            return Ok(true);
        }
        if c != b',' {
            return Err(Declined);
        }
        self.p.i += 1;
        match self.p.skip_ws() {
            Some(c) if c != close => Ok(true),
            _ => Err(Declined),
        }
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = Declined;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Declined> {
        if !self.more(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.p).map(Some)
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = Declined;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Declined> {
        if !self.more(b'}')? {
            return Ok(None);
        }
        if self.p.peek() != Some(b'"') {
            return Err(Declined);
        }
        // A name is a string: `deserialize_any` reads it (borrowed when unescaped).
        seed.deserialize(&mut *self.p).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Declined> {
        if self.p.skip_ws() != Some(b':') {
            return Err(Declined);
        }
        self.p.i += 1;
        seed.deserialize(&mut *self.p)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
    use super::*;

    /// serde_json's reading of `s`: the tree, or (message, line, column).
    fn serde_reads(s: &str) -> Result<Json, (String, usize, usize)> {
        serde_json::from_str::<Json>(s).map_err(|e| {
            let msg = e.to_string();
            let detail = msg.rfind(" at line ").map_or(msg.as_str(), |i| &msg[..i]);
            (detail.to_owned(), e.line(), e.column())
        })
    }

    fn ours(s: &str) -> Result<Json, (String, usize, usize)> {
        parse(s).map_err(|e| (e.code.message().to_owned(), e.line, e.column))
    }

    /// The typed reading through this module's `Deserializer` (as the fast
    /// paths use it) against serde_json's, with the crate's `Checked` value.
    fn same_typed(s: &str) {
        use serde::Deserialize;
        let mut p = Parser {
            b: s.as_bytes(),
            text: s,
            i: 0,
            depth: DEPTH_LIMIT,
        };
        let ours = super::super::Checked::deserialize(&mut p)
            .ok()
            .filter(|_| p.skip_ws().is_none())
            .map(|c| c.0);
        let theirs = serde_json::from_str::<super::super::Checked>(s)
            .ok()
            .map(|c| c.0);
        assert_eq!(ours, theirs, "typed, input {s:?}");
    }

    /// Same tree, or the same error at the same place; floats compared by bits.
    fn same(s: &str) {
        same_typed(s);
        let (a, b) = (ours(s), serde_reads(s));
        let render = |r: &Result<Json, (String, usize, usize)>| match r {
            Ok(j) => format!("{:?}", j.clone().into_value_debug()),
            Err(e) => format!("{e:?}"),
        };
        assert_eq!(render(&a), render(&b), "input {s:?}");
    }

    impl Json {
        /// A rendering that tells -0.0 from 0.0 and keeps member order.
        fn into_value_debug(self) -> String {
            match self {
                Json::Number(n) => match n.as_f64() {
                    Some(f) if !n.is_u64() && !n.is_i64() => format!("f{:x}", f.to_bits()),
                    _ => format!("n{n}"),
                },
                Json::Array(items) => format!(
                    "[{}]",
                    items
                        .into_iter()
                        .map(Json::into_value_debug)
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                Json::Object(members) => format!(
                    "{{{}}}",
                    members
                        .into_iter()
                        .map(|(k, v)| format!("{k:?}:{}", v.into_value_debug()))
                        .collect::<Vec<_>>()
                        .join(",")
                ),
                other => format!("{other:?}"),
            }
        }
    }

    const CASES: &[&str] = &[
        "",
        " ",
        "\n\n ",
        "null",
        "nul",
        "nulx",
        "n",
        "true",
        "tru",
        "trUe",
        "false",
        "fals",
        "0",
        "-0",
        "-",
        "-x",
        "01",
        "-01",
        "1.",
        "1.x",
        "1.e5",
        "1e",
        "1e+",
        "1e-",
        "1ex",
        "1E5",
        "1e-5",
        "-1.5e+3",
        "0.0",
        "-0.0",
        "0e0",
        "1e400",
        "-1e400",
        "1e-400",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "123456789012345678901234567890",
        "1.7976931348623157e308",
        "1.7976931348623159e308",
        "4.9e-324",
        "2.4703282292062327e-324",
        "0.1",
        "1e2147483647",
        "1e2147483648",
        "1e99999999999",
        "0e99999999999",
        "1e-99999999999",
        "-1e99999999999",
        "0.0000e99999999999",
        "123456789012345678901.5e99999999999",
        "1.0e-2147483649",
        "\"",
        "\"a",
        "\"\\",
        "\"\\x\"",
        "\"\\u\"",
        "\"\\u12\"",
        "\"\\u12G4\"",
        "\"\\u00e9\"",
        "\"\\ud83d\\ude00\"",
        "\"\\ud83d\"",
        "\"\\ud83dx\"",
        "\"\\ud83d\\x\"",
        "\"\\ud83d\\u0041\"",
        "\"\\ude00\"",
        "\"\\ud83d\\",
        "\"\\ud83d\\u",
        "\"\u{1}\"",
        "\"a\nb\"",
        "\"é\\n\"",
        "\"\\/\\b\\f\\n\\r\\t\\\"\\\\\"",
        "[",
        "[1",
        "[1,",
        "[1,]",
        "[1 2]",
        "[,1]",
        "[]",
        "[ ]",
        "{",
        "{\"a\"",
        "{\"a\":",
        "{\"a\":1",
        "{\"a\":1,",
        "{\"a\":1,}",
        "{\"a\" 1}",
        "{1:2}",
        "{\"a\":1 \"b\":2}",
        "{,}",
        "{}",
        "{\"a\":1,\"a\":2}",
        "1 2",
        "[] x",
        "{}\n\n  }",
        "\u{feff}1",
        "\t\r\n1\t\r\n",
        " [\n  1,\n  {\"x\": [true, null]}\n ] ",
        "[1,\n2,\n,3]",
    ];

    #[test]
    fn reads_what_serde_json_reads_and_fails_where_it_fails() {
        for s in CASES {
            same(s);
        }
        for depth in [126, 127, 128, 129] {
            same(&format!("{}{}", "[".repeat(depth), "]".repeat(depth)));
            same(&format!(
                "{}1{}",
                "{\"a\":".repeat(depth),
                "}".repeat(depth)
            ));
            same(&"[{\"a\":".repeat(depth / 2));
        }
    }

    /// A small xorshift: the mutations are the same on every run.
    struct Rng(u64);
    impl Rng {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 7;
            self.0 ^= self.0 << 17;
            self.0
        }
        fn below(&mut self, n: usize) -> usize {
            usize::try_from(self.next() % (n.max(1) as u64)).unwrap()
        }
    }

    #[test]
    fn mutated_documents_read_the_same() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/vectors/");
        let mut seeds: Vec<String> = CASES.iter().map(|s| (*s).to_owned()).collect();
        for name in [
            "verify.json",
            "request_parse.json",
            "receiver.json",
            "jwks.json",
        ] {
            let text = std::fs::read_to_string(format!("{dir}{name}")).unwrap();
            same(&text);
            // Its strings (requests, tokens, claims), each a document of its own.
            if let Ok(Json::Object(m)) = parse(&text) {
                let mut stack: Vec<Json> = m.into_iter().map(|(_, v)| v).collect();
                while let Some(v) = stack.pop() {
                    match v {
                        Json::String(s) if s.len() < 2000 => seeds.push(s),
                        Json::Array(items) => stack.extend(items),
                        Json::Object(m) => stack.extend(m.into_iter().map(|(_, v)| v)),
                        _ => {}
                    }
                }
            }
        }
        let alphabet: Vec<char> = "{}[]:,\"\\/ u0123456789eE.+-ntfalsr\n\t\u{1}é😀bx"
            .chars()
            .collect();
        let mut rng = Rng(0x5e7_9011);
        let mut runs = 0;
        for seed in &seeds {
            let chars: Vec<char> = seed.chars().collect();
            for _ in 0..40 {
                let mut m = chars.clone();
                for _ in 0..=rng.below(3) {
                    let at = rng.below(m.len() + 1);
                    let c = alphabet[rng.below(alphabet.len())];
                    match rng.below(4) {
                        0 if at < m.len() => {
                            m.remove(at);
                        }
                        1 if at < m.len() => m[at] = c,
                        2 => m.truncate(at),
                        _ => m.insert(at, c),
                    }
                }
                same(&m.into_iter().collect::<String>());
                runs += 1;
            }
        }
        // Number literals from the number alphabet alone.
        let digits: Vec<char> = "0123456789-+.eE".chars().collect();
        for _ in 0..20_000 {
            let len = 1 + rng.below(24);
            let s: String = (0..len).map(|_| digits[rng.below(digits.len())]).collect();
            same(&s);
            same(&format!("[{s}]"));
            runs += 2;
        }
        assert!(runs > 60_000, "{runs}");
    }
}
