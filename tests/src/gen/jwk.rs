//! `jwk` and `jwks`: `Jwk::from_json` and `JwkSet::from_json` on keys as
//! peers publish them, with the canonical forms, thumbprints and the keys
//! a set skips.

use base64::Engine as _;
use serde_json::{json, Map, Value};
use setpoll_core::jose::{Jwk, JwkSet};

use super::keys::{private_jwk_json, public_jwk_json, Keys};
use super::{check_unique_names, error, ok, vector_file};
use crate::GenError;

/// RFC 7638 §3.1: the example RSA key whose thumbprint the RFC gives.
const RFC7638_KEY: &str = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#;

/// The thumbprint RFC 7638 §3.1 gives for [`RFC7638_KEY`].
pub const RFC7638_THUMBPRINT: &str = "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs";

fn object(text: &str) -> Result<Map<String, Value>, GenError> {
    match serde_json::from_str(text)? {
        Value::Object(m) => Ok(m),
        _ => Err(GenError("not an object".into())),
    }
}

fn edited(text: &str, edit: impl FnOnce(&mut Map<String, Value>)) -> Result<String, GenError> {
    let mut m = object(text)?;
    edit(&mut m);
    Ok(Value::Object(m).to_string())
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

fn unb64(s: &str) -> Vec<u8> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(s)
        .unwrap_or_default()
}

fn member(text: &str, name: &str) -> Result<String, GenError> {
    object(text)?
        .get(name)
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| GenError(format!("no {name}")))
}

#[allow(clippy::too_many_lines)]
fn jwk_inputs(keys: &Keys) -> Result<Vec<(String, String)>, GenError> {
    let es_pub = public_jwk_json(&keys.es);
    let es_priv = private_jwk_json(&keys.es);
    let ps_pub = public_jwk_json(&keys.ps);
    let ps_priv = private_jwk_json(&keys.ps);
    let x = unb64(&member(&es_pub, "x")?);
    let mut x_off = x.clone();
    if let Some(b) = x_off.last_mut() {
        *b ^= 1;
    }
    let n = unb64(&member(&ps_pub, "n")?);
    let mut n1024: Vec<u8> = n.iter().copied().take(128).collect();
    if let Some(b) = n1024.last_mut() {
        *b |= 1;
    }
    let other_d = member(&private_jwk_json(&keys.rogue), "d")?;
    let s = |name: &str, text: String| (name.to_owned(), text);
    Ok(vec![
        s("ES256 public key", es_pub.clone()),
        s("ES256 private key", es_priv.clone()),
        s("PS256 public key", ps_pub.clone()),
        s("PS256 private key", ps_priv.clone()),
        s(
            "RFC 7638 example key (alg RS256: not usable for verification)",
            RFC7638_KEY.into(),
        ),
        s(
            "RFC 7638 example key without alg",
            edited(RFC7638_KEY, |m| {
                m.remove("alg");
            })?,
        ),
        s(
            "members in another order and unknown members",
            edited(&es_pub, |m| {
                let mut v: Vec<(String, Value)> = m.clone().into_iter().collect();
                v.reverse();
                *m = v.into_iter().collect();
                m.insert("x5t#S256".into(), json!("abc"));
                m.insert("ext".into(), json!(true));
            })?,
        ),
        s(
            "use enc: not usable for verification",
            edited(&es_pub, |m| {
                m.insert("use".into(), json!("enc"));
            })?,
        ),
        s(
            "key_ops verify",
            edited(&es_pub, |m| {
                m.remove("use");
                m.insert("key_ops".into(), json!(["verify"]));
            })?,
        ),
        s(
            "key_ops sign only: not usable for verification",
            edited(&es_pub, |m| {
                m.remove("use");
                m.insert("key_ops".into(), json!(["sign"]));
            })?,
        ),
        s(
            "EC key with alg PS256: not usable for verification",
            edited(&es_pub, |m| {
                m.insert("alg".into(), json!("PS256"));
            })?,
        ),
        s(
            "no kid, use or alg",
            edited(&es_pub, |m| {
                m.remove("kid");
                m.remove("use");
                m.remove("alg");
            })?,
        ),
        // ---- refused
        s("not JSON", "{\"kty\":".into()),
        s("an array", "[]".into()),
        s("empty object", "{}".into()),
        s(
            "duplicate member",
            es_pub.replacen("{", "{\"kty\":\"EC\",", 1),
        ),
        s(
            "kty oct (a symmetric key)",
            r#"{"kty":"oct","k":"c2VjcmV0"}"#.into(),
        ),
        s(
            "kty OKP",
            r#"{"kty":"OKP","crv":"Ed25519","x":"11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo"}"#
                .into(),
        ),
        s(
            "curve P-384",
            edited(&es_pub, |m| {
                m.insert("crv".into(), json!("P-384"));
            })?,
        ),
        s(
            "crv missing",
            edited(&es_pub, |m| {
                m.remove("crv");
            })?,
        ),
        s(
            "x of 31 bytes",
            edited(&es_pub, |m| {
                m.insert("x".into(), json!(b64(x.get(1..).unwrap_or_default())));
            })?,
        ),
        s(
            "x padded base64",
            edited(&es_pub, |m| {
                m.insert("x".into(), json!(format!("{}=", b64(&x))));
            })?,
        ),
        s(
            "x a number",
            edited(&es_pub, |m| {
                m.insert("x".into(), json!(7));
            })?,
        ),
        s(
            "point not on the curve",
            edited(&es_pub, |m| {
                m.insert("x".into(), json!(b64(&x_off)));
            })?,
        ),
        s(
            "EC private key whose d is another key's",
            edited(&es_priv, |m| {
                m.insert("d".into(), json!(other_d));
            })?,
        ),
        s(
            "RSA modulus of 1024 bits",
            edited(&ps_pub, |m| {
                m.insert("n".into(), json!(b64(&n1024)));
            })?,
        ),
        s(
            "RSA modulus with a leading zero byte",
            edited(&ps_pub, |m| {
                let mut padded = vec![0u8];
                padded.extend_from_slice(&n);
                m.insert("n".into(), json!(b64(&padded)));
            })?,
        ),
        s(
            "RSA exponent 1",
            edited(&ps_pub, |m| {
                m.insert("e".into(), json!("AQ"));
            })?,
        ),
        s(
            "RSA private key without primes",
            edited(&ps_priv, |m| {
                for k in ["p", "q", "dp", "dq", "qi"] {
                    m.remove(k);
                }
            })?,
        ),
        s(
            "RSA private key with a wrong dp",
            edited(&ps_priv, |m| {
                m.insert("dp".into(), json!("AQAB"));
            })?,
        ),
        s(
            "multi-prime RSA (oth)",
            edited(&ps_priv, |m| {
                m.insert("oth".into(), json!([{ "r": "AQ", "d": "AQ", "t": "AQ" }]));
            })?,
        ),
        s(
            "key_ops with a duplicate",
            edited(&es_pub, |m| {
                m.remove("use");
                m.insert("key_ops".into(), json!(["verify", "verify"]));
            })?,
        ),
    ])
}

fn jwks_inputs(keys: &Keys) -> Result<Vec<(String, String)>, GenError> {
    let es = serde_json::from_str::<Value>(&public_jwk_json(&keys.es))?;
    let ps = serde_json::from_str::<Value>(&public_jwk_json(&keys.ps))?;
    let es_priv = serde_json::from_str::<Value>(&private_jwk_json(&keys.es))?;
    let next = serde_json::from_str::<Value>(&public_jwk_json(&keys.es_next))?;
    let mut next_same_kid = next.clone();
    if let Value::Object(m) = &mut next_same_kid {
        m.insert("kid".into(), json!("es256-2026"));
    }
    let mut ps_same_kid = ps.clone();
    if let Value::Object(m) = &mut ps_same_kid {
        m.insert("kid".into(), json!("es256-2026"));
    }
    let mut es_enc_same_kid = next.clone();
    if let Value::Object(m) = &mut es_enc_same_kid {
        m.insert("kid".into(), json!("es256-2026"));
        m.insert("use".into(), json!("enc"));
    }
    let s = |name: &str, v: Value| (name.to_owned(), v.to_string());
    Ok(vec![
        s("the vectors' set", json!({ "keys": [es, ps] })),
        s("a rotated key", json!({ "keys": [es, ps, next] })),
        s(
            "private keys are published without private members",
            json!({ "keys": [es_priv] }),
        ),
        s("empty set", json!({ "keys": [] })),
        s(
            "unusable keys are skipped, not fatal",
            json!({ "keys": [
                { "kty": "oct", "k": "c2VjcmV0", "kid": "hmac" },
                es,
                { "kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA" },
                "not an object",
                { "kid": 7 },
                ps
            ] }),
        ),
        s(
            "members beside keys are ignored",
            json!({ "keys": [es], "x-directory": { "org": "bank" } }),
        ),
        s(
            "the same kid on keys of different types",
            json!({ "keys": [es, ps_same_kid] }),
        ),
        s(
            "the same kid on a signing and an encryption key",
            json!({ "keys": [es, es_enc_same_kid] }),
        ),
        // ---- refused
        s(
            "the same kid on two EC signing keys",
            json!({ "keys": [es, next_same_kid] }),
        ),
        ("keys missing".to_owned(), "{}".to_owned()),
        s("keys not an array", json!({ "keys": es })),
        ("an array".to_owned(), "[]".to_owned()),
        ("not JSON".to_owned(), "{\"keys\":[".to_owned()),
        (
            "duplicate keys member".to_owned(),
            r#"{"keys":[],"keys":[]}"#.to_owned(),
        ),
    ])
}

/// The `jwk` file.
///
/// # Errors
/// When a case cannot be built.
pub fn jwk_file(keys: &Keys) -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for (name, text) in jwk_inputs(keys)? {
        let expect = match Jwk::from_json(text.as_bytes()) {
            Ok(k) => ok(json!({
                "jwkJson": k.to_json(),
                "publicJwkJson": k.to_public().to_json(),
                "thumbprint": k.thumbprint(),
                "isPrivate": k.is_private(),
                "verificationAlgorithm": k.verification_algorithm().map(|a| a.name()),
            })),
            Err(e) => error(json!({ "code": e.code() })),
        };
        cases.push(json!({ "name": name, "jwkJson": text, "expect": expect }));
    }
    check_unique_names("jwk", &cases)?;
    Ok(vector_file(
        "jwk",
        "Jwk::from_json(jwkJson); on success to_json(), to_public().to_json(), \
         thumbprint() (RFC 7638), is_private(), verification_algorithm()",
        cases,
    ))
}

/// The `jwks` file.
///
/// # Errors
/// When a case cannot be built.
pub fn jwks_file(keys: &Keys) -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for (name, text) in jwks_inputs(keys)? {
        let expect = match JwkSet::from_json(text.as_bytes()) {
            Ok(set) => ok(json!({
                "jwksJson": set.to_json(),
                "publicJwksJson": set.to_public().to_json(),
                "kids": set.keys().iter().map(Jwk::kid).collect::<Vec<_>>(),
                "skipped": set.skipped().iter().map(|s| json!({
                    "index": s.index,
                    "kid": s.kid,
                    "code": s.error.code(),
                })).collect::<Vec<_>>(),
            })),
            Err(e) => error(json!({ "code": e.code() })),
        };
        cases.push(json!({ "name": name, "jwksJson": text, "expect": expect }));
    }
    check_unique_names("jwks", &cases)?;
    Ok(vector_file(
        "jwks",
        "JwkSet::from_json(jwksJson); on success to_json(), to_public().to_json(), \
         the kid of each key kept, and the keys skipped (index, kid, JwkError code)",
        cases,
    ))
}
