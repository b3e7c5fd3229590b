//! JSON Web Key (RFC 7517) and JWK Set, for EC P-256 and RSA keys (RFC 7518 §6).

use core::fmt;

use serde_json::{Map, Value};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use super::alg::Algorithm;
use super::b64;
use crate::crypto::{CryptoError, KeyType, PrivateKey, PublicKey, RsaPrivateComponents};
use crate::json::{self, ObjectError};

/// Errors from parsing or building a JWK or JWK Set.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwkError {
    /// The document is larger than the limit.
    TooLarge {
        /// The limit, bytes.
        max: usize,
    },
    /// Not valid JSON.
    NotJson,
    /// Not a JSON object.
    NotObject,
    /// A member name appears twice in one object.
    DuplicateMember(String),
    /// A required member is missing.
    MissingMember(&'static str),
    /// A member has the wrong JSON type.
    WrongType(&'static str),
    /// A member is not strict unpadded base64url.
    Base64(&'static str),
    /// A member decodes to the wrong number of bytes.
    WrongLength {
        /// The member.
        member: &'static str,
        /// The required length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// `kty` is not `EC` or `RSA`.
    UnsupportedKeyType(String),
    /// `crv` is not `P-256`.
    UnsupportedCurve(String),
    /// `oth` (multi-prime RSA) is not supported.
    MultiPrimeUnsupported,
    /// `key_ops` lists an operation twice (RFC 7517 §4.3).
    DuplicateKeyOp(String),
    /// The key material is invalid (see the inner error).
    Key(CryptoError),
    /// The set holds more than [`JwkSet::MAX_KEYS`] keys.
    TooManyKeys,
    /// Two signature keys of the same type share a `kid`.
    DuplicateKid(String),
    /// A private key was needed.
    NotPrivate,
    /// `alg` is not usable with this key (unsupported name, or the wrong key type).
    AlgorithmMismatch(String),
    /// `use` is present and is not `sig`.
    NotForSigning,
}

impl JwkError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            JwkError::TooLarge { .. } => "jwk_too_large",
            JwkError::NotJson => "jwk_not_json",
            JwkError::NotObject => "jwk_not_object",
            JwkError::DuplicateMember(_) => "jwk_duplicate_member",
            JwkError::MissingMember(_) => "jwk_missing_member",
            JwkError::WrongType(_) => "jwk_wrong_type",
            JwkError::Base64(_) => "jwk_bad_base64",
            JwkError::WrongLength { .. } => "jwk_wrong_length",
            JwkError::UnsupportedKeyType(_) => "jwk_unsupported_kty",
            JwkError::UnsupportedCurve(_) => "jwk_unsupported_crv",
            JwkError::MultiPrimeUnsupported => "jwk_multi_prime",
            JwkError::DuplicateKeyOp(_) => "jwk_duplicate_key_op",
            JwkError::Key(e) => e.code(),
            JwkError::TooManyKeys => "jwks_too_many_keys",
            JwkError::DuplicateKid(_) => "jwks_duplicate_kid",
            JwkError::NotPrivate => "jwk_not_private",
            JwkError::AlgorithmMismatch(_) => "jwk_alg_mismatch",
            JwkError::NotForSigning => "jwk_not_for_signing",
        }
    }
}

impl fmt::Display for JwkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            JwkError::TooLarge { max } => write!(f, "JWK document exceeds {max} bytes"),
            JwkError::NotJson => f.write_str("JWK document is not valid JSON"),
            JwkError::NotObject => f.write_str("JWK is not a JSON object"),
            JwkError::DuplicateMember(n) => write!(f, "JWK repeats member \"{n}\""),
            JwkError::MissingMember(n) => write!(f, "JWK lacks \"{n}\""),
            JwkError::WrongType(n) => write!(f, "JWK member \"{n}\" has the wrong type"),
            JwkError::Base64(n) => write!(f, "JWK member \"{n}\" is not unpadded base64url"),
            JwkError::WrongLength {
                member,
                expected,
                found,
            } => {
                write!(
                    f,
                    "JWK member \"{member}\" is {found} bytes; {expected} required"
                )
            }
            JwkError::UnsupportedKeyType(k) => {
                write!(f, "key type \"{k}\" is not supported (EC, RSA)")
            }
            JwkError::UnsupportedCurve(c) => write!(f, "curve \"{c}\" is not supported (P-256)"),
            JwkError::MultiPrimeUnsupported => {
                f.write_str("multi-prime RSA keys (\"oth\") are not supported")
            }
            JwkError::DuplicateKeyOp(o) => write!(f, "\"key_ops\" lists \"{o}\" twice"),
            JwkError::Key(e) => e.fmt(f),
            JwkError::TooManyKeys => write!(f, "JWK Set holds more than {} keys", JwkSet::MAX_KEYS),
            JwkError::DuplicateKid(k) => {
                write!(f, "two signature keys of one type share kid \"{k}\"")
            }
            JwkError::NotPrivate => f.write_str("a private key is required"),
            JwkError::AlgorithmMismatch(a) => {
                write!(f, "\"alg\" \"{a}\" cannot be used with this key")
            }
            JwkError::NotForSigning => f.write_str("key \"use\" is not \"sig\""),
        }
    }
}

impl std::error::Error for JwkError {}

impl From<CryptoError> for JwkError {
    fn from(e: CryptoError) -> Self {
        JwkError::Key(e)
    }
}

/// A JSON Web Key: EC P-256 or RSA, public or private, with its metadata.
///
/// Parsing is strict: base64url without padding, exact coordinate lengths,
/// points on the curve, RSA >= 2048 bits with an odd exponent, private parts
/// consistent with the public ones. Unknown members are ignored (and not
/// serialised back). `Debug` never prints private material.
#[derive(Clone, PartialEq)]
pub struct Jwk {
    kid: Option<String>,
    key_use: Option<String>,
    alg: Option<String>,
    key_ops: Option<Vec<String>>,
    public: PublicKey,
    private: Option<PrivateKey>,
}

fn take_string(
    members: &mut Vec<(String, Value)>,
    name: &'static str,
) -> Result<Option<String>, JwkError> {
    match take(members, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(JwkError::WrongType(name)),
    }
}

fn take(members: &mut Vec<(String, Value)>, name: &str) -> Option<Value> {
    let i = members.iter().position(|(n, _)| n == name)?;
    Some(members.swap_remove(i).1)
}

fn take_bytes(
    members: &mut Vec<(String, Value)>,
    name: &'static str,
) -> Result<Option<Zeroizing<Vec<u8>>>, JwkError> {
    // Private-key members decode in constant time (RFC 7518 §6.2.2, §6.3.2).
    let secret = matches!(name, "d" | "p" | "q" | "dp" | "dq" | "qi");
    match take_string(members, name)? {
        None => Ok(None),
        Some(s) => {
            let s = Zeroizing::new(s);
            let bytes = if secret {
                b64::decode_secret(&s)
            } else {
                b64::decode(&s)
            };
            bytes
                .map(|b| Some(Zeroizing::new(b)))
                .ok_or(JwkError::Base64(name))
        }
    }
}

fn require_bytes(
    members: &mut Vec<(String, Value)>,
    name: &'static str,
) -> Result<Zeroizing<Vec<u8>>, JwkError> {
    take_bytes(members, name)?.ok_or(JwkError::MissingMember(name))
}

fn exact(bytes: &[u8], member: &'static str, expected: usize) -> Result<(), JwkError> {
    if bytes.len() == expected {
        Ok(())
    } else {
        Err(JwkError::WrongLength {
            member,
            expected,
            found: bytes.len(),
        })
    }
}

fn object_error(e: ObjectError) -> JwkError {
    match e {
        ObjectError::NotJson => JwkError::NotJson,
        ObjectError::NotObject => JwkError::NotObject,
        ObjectError::Duplicate(n) => JwkError::DuplicateMember(super::header::printable(&n, 64)),
    }
}

impl Jwk {
    /// Largest single JWK document accepted by [`Jwk::from_json`], bytes.
    pub const MAX_BYTES: usize = 64 * 1024;

    /// Parse one JWK (a JSON object).
    ///
    /// # Errors
    /// A [`JwkError`] naming the first problem.
    pub fn from_json(bytes: &[u8]) -> Result<Self, JwkError> {
        if bytes.len() > Self::MAX_BYTES {
            return Err(JwkError::TooLarge {
                max: Self::MAX_BYTES,
            });
        }
        let members = json::parse_object(bytes).map_err(object_error)?;
        Self::from_members(members)
    }

    fn from_value(value: Value) -> Result<Self, JwkError> {
        // A key inside a set: the set was read by the strict reader, which
        // refuses a member name twice at any depth, so the members are as
        // written, in order.
        match value {
            Value::Object(members) => Self::from_members(members.into_iter().collect()),
            _ => Err(JwkError::NotObject),
        }
    }

    fn from_members(mut m: Vec<(String, Value)>) -> Result<Self, JwkError> {
        let kty = take_string(&mut m, "kty")?.ok_or(JwkError::MissingMember("kty"))?;
        let kid = take_string(&mut m, "kid")?;
        let key_use = take_string(&mut m, "use")?;
        let alg = take_string(&mut m, "alg")?;
        let key_ops = match take(&mut m, "key_ops") {
            None => None,
            Some(Value::Array(items)) => {
                let mut ops: Vec<String> = Vec::with_capacity(items.len());
                for item in items {
                    let Value::String(op) = item else {
                        return Err(JwkError::WrongType("key_ops"));
                    };
                    if ops.contains(&op) {
                        return Err(JwkError::DuplicateKeyOp(super::header::printable(&op, 64)));
                    }
                    ops.push(op);
                }
                Some(ops)
            }
            Some(_) => return Err(JwkError::WrongType("key_ops")),
        };
        let (public, private) = match kty.as_str() {
            "EC" => {
                let crv = take_string(&mut m, "crv")?.ok_or(JwkError::MissingMember("crv"))?;
                if crv != "P-256" {
                    return Err(JwkError::UnsupportedCurve(super::header::printable(
                        &crv, 32,
                    )));
                }
                let x = require_bytes(&mut m, "x")?;
                let y = require_bytes(&mut m, "y")?;
                exact(&x, "x", 32)?;
                exact(&y, "y", 32)?;
                let public = PublicKey::from_ec_p256_coordinates(&x, &y)?;
                let private = match take_bytes(&mut m, "d")? {
                    None => None,
                    Some(d) => {
                        exact(&d, "d", 32)?;
                        Some(PrivateKey::from_ec_p256_parts(&d, &public)?)
                    }
                };
                (public, private)
            }
            "RSA" => {
                let n = require_bytes(&mut m, "n")?;
                let e = require_bytes(&mut m, "e")?;
                let public = PublicKey::from_rsa_components(&n, &e)?;
                if take(&mut m, "oth").is_some() {
                    return Err(JwkError::MultiPrimeUnsupported);
                }
                let d = take_bytes(&mut m, "d")?;
                let crt = ["p", "q", "dp", "dq", "qi"];
                let private = match d {
                    None => {
                        if crt.iter().any(|n| m.iter().any(|(k, _)| k == n)) {
                            return Err(JwkError::MissingMember("d"));
                        }
                        None
                    }
                    Some(d) => {
                        let c = RsaPrivateComponents {
                            n: n.to_vec(),
                            e: e.to_vec(),
                            d,
                            p: require_bytes(&mut m, "p")?,
                            q: require_bytes(&mut m, "q")?,
                            dp: require_bytes(&mut m, "dp")?,
                            dq: require_bytes(&mut m, "dq")?,
                            qi: require_bytes(&mut m, "qi")?,
                        };
                        Some(PrivateKey::from_rsa_components(&c)?)
                    }
                };
                (public, private)
            }
            other => {
                return Err(JwkError::UnsupportedKeyType(super::header::printable(
                    other, 32,
                )))
            }
        };
        Ok(Jwk {
            kid,
            key_use,
            alg,
            key_ops,
            public,
            private,
        })
    }

    /// A public JWK for `key` with no metadata.
    #[must_use]
    pub fn from_public_key(key: PublicKey) -> Self {
        Jwk {
            kid: None,
            key_use: None,
            alg: None,
            key_ops: None,
            public: key,
            private: None,
        }
    }

    /// A private JWK for `key` with no metadata.
    #[must_use]
    pub fn from_private_key(key: PrivateKey) -> Self {
        Jwk {
            kid: None,
            key_use: None,
            alg: None,
            key_ops: None,
            public: key.public_key(),
            private: Some(key),
        }
    }

    /// Serialise (members in lexicographic order; private members included
    /// when this is a private key).
    #[must_use]
    pub fn to_json(&self) -> String {
        json::to_text(&Value::Object(self.to_map()))
    }

    pub(crate) fn to_map(&self) -> Map<String, Value> {
        let mut m = Map::new();
        let s = |v: &[u8]| Value::String(b64::encode(v));
        if let Some((x, y)) = self.public.ec_p256_coordinates() {
            m.insert("kty".into(), "EC".into());
            m.insert("crv".into(), "P-256".into());
            m.insert("x".into(), s(&x));
            m.insert("y".into(), s(&y));
        } else if let Some((n, e)) = self.public.rsa_components() {
            m.insert("kty".into(), "RSA".into());
            m.insert("n".into(), s(&n));
            m.insert("e".into(), s(&e));
        }
        if let Some(private) = &self.private {
            if let Some(d) = private.ec_p256_scalar() {
                m.insert("d".into(), s(d.as_slice()));
            }
            if let Some(c) = private.rsa_components() {
                m.insert("d".into(), s(&c.d));
                m.insert("p".into(), s(&c.p));
                m.insert("q".into(), s(&c.q));
                m.insert("dp".into(), s(&c.dp));
                m.insert("dq".into(), s(&c.dq));
                m.insert("qi".into(), s(&c.qi));
            }
        }
        if let Some(kid) = &self.kid {
            m.insert("kid".into(), kid.clone().into());
        }
        if let Some(u) = &self.key_use {
            m.insert("use".into(), u.clone().into());
        }
        if let Some(a) = &self.alg {
            m.insert("alg".into(), a.clone().into());
        }
        if let Some(ops) = &self.key_ops {
            m.insert(
                "key_ops".into(),
                Value::Array(ops.iter().cloned().map(Value::String).collect()),
            );
        }
        m
    }

    /// The same key and metadata without private material.
    #[must_use]
    pub fn to_public(&self) -> Jwk {
        Jwk {
            private: None,
            ..self.clone()
        }
    }

    /// The RFC 7638 JWK Thumbprint (SHA-256, base64url).
    #[must_use]
    pub fn thumbprint(&self) -> String {
        // Required members only, lexicographic order, no whitespace.
        let mut canonical = String::with_capacity(512);
        if let Some((x, y)) = self.public.ec_p256_coordinates() {
            canonical.push_str("{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"");
            canonical.push_str(&b64::encode(&x));
            canonical.push_str("\",\"y\":\"");
            canonical.push_str(&b64::encode(&y));
            canonical.push_str("\"}");
        } else if let Some((n, e)) = self.public.rsa_components() {
            canonical.push_str("{\"e\":\"");
            canonical.push_str(&b64::encode(&e));
            canonical.push_str("\",\"kty\":\"RSA\",\"n\":\"");
            canonical.push_str(&b64::encode(&n));
            canonical.push_str("\"}");
        }
        b64::encode(&Sha256::digest(canonical.as_bytes()))
    }

    /// `kid` (RFC 7517 §4.5).
    #[must_use]
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Set `kid`.
    #[must_use]
    pub fn with_kid(mut self, kid: impl Into<String>) -> Self {
        self.kid = Some(kid.into());
        self
    }

    /// `use` (RFC 7517 §4.2).
    #[must_use]
    pub fn key_use(&self) -> Option<&str> {
        self.key_use.as_deref()
    }

    /// Set `use`.
    #[must_use]
    pub fn with_use(mut self, key_use: impl Into<String>) -> Self {
        self.key_use = Some(key_use.into());
        self
    }

    /// `alg` (RFC 7517 §4.4), as written (may name an algorithm setpoll does not support).
    #[must_use]
    pub fn alg(&self) -> Option<&str> {
        self.alg.as_deref()
    }

    /// Set `alg`.
    #[must_use]
    pub fn with_alg(mut self, alg: impl Into<String>) -> Self {
        self.alg = Some(alg.into());
        self
    }

    /// `key_ops` (RFC 7517 §4.3).
    #[must_use]
    pub fn key_ops(&self) -> Option<&[String]> {
        self.key_ops.as_deref()
    }

    /// Set `key_ops`.
    #[must_use]
    pub fn with_key_ops(mut self, ops: Vec<String>) -> Self {
        self.key_ops = Some(ops);
        self
    }

    /// The key type.
    #[must_use]
    pub fn key_type(&self) -> KeyType {
        self.public.key_type()
    }

    /// The public key.
    #[must_use]
    pub fn public_key(&self) -> &PublicKey {
        &self.public
    }

    /// The private key, when this JWK has one.
    #[must_use]
    pub fn private_key(&self) -> Option<&PrivateKey> {
        self.private.as_ref()
    }

    /// Whether the JWK carries private material.
    #[must_use]
    pub fn is_private(&self) -> bool {
        self.private.is_some()
    }

    /// Every algorithm this key may verify, before the recipient's policy
    /// narrows them (RFC 7517 §4.2-4.4, RFC 7518 §3.1):
    ///
    /// - `use` present and not `sig`, or `key_ops` present without
    ///   `verify`: none.
    /// - `alg` present: that algorithm alone, when setpoll supports it and
    ///   it fits the key type (`ES256` for EC P-256; `PS256` or `RS256` for
    ///   RSA); none otherwise. A key published with `alg: RS256` verifies
    ///   RS256 only, never PS256, and the reverse.
    /// - `alg` absent: every algorithm for the key type (`ES256` for EC
    ///   P-256; `PS256` then `RS256` for RSA). The policy's allow-list then
    ///   decides, so an RSA key without `alg` verifies RS256 only when the
    ///   recipient allows RS256. A publisher who wants one algorithm per key
    ///   (RFC 8725 §3.1) sets `alg`.
    #[must_use]
    pub fn verification_algorithms(&self) -> Vec<Algorithm> {
        if self.key_use.as_deref().is_some_and(|u| u != "sig") {
            return Vec::new();
        }
        if self
            .key_ops
            .as_ref()
            .is_some_and(|ops| !ops.iter().any(|o| o == "verify"))
        {
            return Vec::new();
        }
        let usable = Algorithm::all_for_key_type(self.key_type());
        match &self.alg {
            None => usable.to_vec(),
            Some(a) => usable.iter().copied().filter(|u| u.name() == a).collect(),
        }
    }

    /// The first of [`Jwk::verification_algorithms`]: the key's `alg` when
    /// it names a usable algorithm, else the default for its key type
    /// (`ES256`, `PS256`); `None` when its `use`, `key_ops` or `alg` rule
    /// verification out.
    #[must_use]
    pub fn verification_algorithm(&self) -> Option<Algorithm> {
        self.verification_algorithms().first().copied()
    }
}

impl fmt::Debug for Jwk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Jwk")
            .field("kty", &self.key_type())
            .field("kid", &self.kid)
            .field("use", &self.key_use)
            .field("alg", &self.alg)
            .field("key_ops", &self.key_ops)
            .field("private", &self.private.as_ref().map(|_| "redacted"))
            .finish()
    }
}

/// A JWK that [`JwkSet::from_json`] skipped, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkippedKey {
    /// Position in the `keys` array.
    pub index: usize,
    /// Its `kid`, when it had a string one.
    pub kid: Option<String>,
    /// Why it was skipped.
    pub error: JwkError,
}

/// A JWK Set (RFC 7517 §5): `{"keys": [...]}`.
///
/// Parsing follows RFC 7517 §5: a key with an unsupported `kty` or curve, or
/// one that is otherwise invalid, is skipped (and reported in
/// [`JwkSet::skipped`]) rather than failing the whole set, so one exotic key
/// in a directory does not stop verification with the others. The document
/// itself must be a JSON object of at most [`JwkSet::MAX_BYTES`] with a
/// `keys` array of at most [`JwkSet::MAX_KEYS`] entries.
///
/// Duplicate `kid`s: two keys that could both verify signatures (no `use`,
/// or `use: sig`) of the same key type may not share a `kid`
/// ([`JwkError::DuplicateKid`]): the set is rejected, since choosing either
/// would be a guess. Keys of different types may share a `kid` (RFC 7517
/// §4.5 names this case); the header's `alg` then selects between them.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct JwkSet {
    keys: Vec<Jwk>,
    skipped: Vec<SkippedKey>,
}

impl JwkSet {
    /// Largest JWK Set document accepted, bytes (directory sets with `x5c`
    /// chains run to tens of kilobytes).
    pub const MAX_BYTES: usize = 512 * 1024;
    /// Most keys accepted in one set.
    pub const MAX_KEYS: usize = 1024;

    /// A set of `keys`.
    ///
    /// # Errors
    /// [`JwkError::TooManyKeys`], [`JwkError::DuplicateKid`].
    pub fn new(keys: Vec<Jwk>) -> Result<Self, JwkError> {
        if keys.len() > Self::MAX_KEYS {
            return Err(JwkError::TooManyKeys);
        }
        check_duplicate_kids(&keys)?;
        Ok(JwkSet {
            keys,
            skipped: Vec::new(),
        })
    }

    /// Parse a JWK Set document.
    ///
    /// # Errors
    /// For an oversized or non-object document, a missing or non-array
    /// `keys`, too many keys, or duplicate `kid`s (individual bad keys are
    /// skipped, see the type docs).
    pub fn from_json(bytes: &[u8]) -> Result<Self, JwkError> {
        if bytes.len() > Self::MAX_BYTES {
            return Err(JwkError::TooLarge {
                max: Self::MAX_BYTES,
            });
        }
        let mut members = json::parse_object(bytes).map_err(object_error)?;
        let items = match take(&mut members, "keys") {
            Some(Value::Array(items)) => items,
            Some(_) => return Err(JwkError::WrongType("keys")),
            None => return Err(JwkError::MissingMember("keys")),
        };
        if items.len() > Self::MAX_KEYS {
            return Err(JwkError::TooManyKeys);
        }
        let mut keys = Vec::with_capacity(items.len());
        let mut skipped = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let kid = match &item {
                Value::Object(o) => o.get("kid").and_then(Value::as_str).map(str::to_owned),
                _ => None,
            };
            match Jwk::from_value(item) {
                Ok(k) => keys.push(k),
                Err(error) => skipped.push(SkippedKey { index, kid, error }),
            }
        }
        check_duplicate_kids(&keys)?;
        Ok(JwkSet { keys, skipped })
    }

    /// Serialise as `{"keys":[...]}` (private members included for private keys).
    #[must_use]
    pub fn to_json(&self) -> String {
        let keys = self
            .keys
            .iter()
            .map(|k| Value::Object(k.to_map()))
            .collect();
        let mut m = Map::new();
        m.insert("keys".into(), Value::Array(keys));
        json::to_text(&Value::Object(m))
    }

    /// The same set with private material removed (what to publish).
    #[must_use]
    pub fn to_public(&self) -> JwkSet {
        JwkSet {
            keys: self.keys.iter().map(Jwk::to_public).collect(),
            skipped: Vec::new(),
        }
    }

    /// The keys, in document order.
    #[must_use]
    pub fn keys(&self) -> &[Jwk] {
        &self.keys
    }

    /// Keys skipped while parsing, and why.
    #[must_use]
    pub fn skipped(&self) -> &[SkippedKey] {
        &self.skipped
    }

    /// The first key with this `kid`.
    #[must_use]
    pub fn get(&self, kid: &str) -> Option<&Jwk> {
        self.keys.iter().find(|k| k.kid() == Some(kid))
    }
}

fn check_duplicate_kids(keys: &[Jwk]) -> Result<(), JwkError> {
    let signing = |k: &Jwk| k.key_use().is_none_or(|u| u == "sig");
    for (i, a) in keys.iter().enumerate() {
        let Some(kid) = a.kid() else { continue };
        if !signing(a) {
            continue;
        }
        if keys
            .iter()
            .take(i)
            .any(|b| b.kid() == Some(kid) && signing(b) && b.key_type() == a.key_type())
        {
            return Err(JwkError::DuplicateKid(super::header::printable(kid, 64)));
        }
    }
    Ok(())
}
