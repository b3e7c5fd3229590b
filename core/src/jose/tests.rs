//! JOSE tests: published vectors, attack tests (exact code and both
//! `setErrs` vocabularies), backend equivalence, determinism, JWK strictness.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use super::jws::{sign_compact, verify_compact};
use super::*;
use crate::codes::{SetErrCode, Vocabulary};
use crate::crypto::{Backend, CryptoError, KeyType, PrivateKey};
use crate::set::{verify_set, VerifyPolicy};
use crate::time::Timestamp;
use sha2::{Digest as _, Sha256};

// RFC 7515 Appendix A.3 (ES256): key and complete token as printed in the RFC.
const A3_X: &str = "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU";
const A3_Y: &str = "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0";
const A3_D: &str = "jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI";
const A3_TOKEN: &str = "eyJhbGciOiJFUzI1NiJ9.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.DtEhU3ljbEg8L38VWAfUAqOyKAM6-Xx-F4GawxaepmXFCgfTjDxw5djxLa8ISlSApmWQxfKTUJqPP3-Kg6NU1Q";

// The PS256 example of the jwt.io debugger (https://jwt.io/, algorithm PS256):
// the token and the 2048-bit RSA public key it displays, here as JWK n/e.
// (The same pair is reproduced in many public JWT test suites.)
const JWTIO_PS256_TOKEN: &str = "eyJhbGciOiJQUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiYWRtaW4iOnRydWUsImlhdCI6MTUxNjIzOTAyMn0.iOeNU4dAFFeBwNj6qdhdvm-IvDQrTa6R22lQVJVuWJxorJfeQww5Nwsra0PjaOYhAMj9jNMO5YLmud8U7iQ5gJK2zYyepeSuXhfSi8yjFZfRiSkelqSkU19I-Ja8aQBDbqXf2SAWA8mHF8VS3F08rgEaLCyv98fLLH4vSvsJGf6ueZSLKDVXz24rZRXGWtYYk_OYYTVgR1cg0BLCsuCvqZvHleImJKiWmtS0-CymMO4MMjCy_FIl6I56NqLE9C87tUVpo1mT-kbg5cHDD8I7MjCW5Iii5dethB4Vid3mZ6emKjVYgXrtkOQ-JyGMh6fnQxEFN1ft33GX2eRHluK9eg";
const JWTIO_N: &str = "u1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0_IzW7yWR7QkrmBL7jTKEn5u-qKhbwKfBstIs-bMY2Zkp18gnTxKLxoS2tFczGkPLPgizskuemMghRniWaoLcyehkd3qqGElvW_VDL5AaWTg0nLVkjRo9z-40RQzuVaE8AkAFmxZzow3x-VJYKdjykkJ0iT9wCS0DRTXu269V264Vf_3jvredZiKRkgwlL9xNAwxXFg0x_XFw005UWVRIkdgcKWTjpBP2dPwVZ4WWC-9aGVd-Gyn1o0CLelf4rEjGoXbAAEgAqeGUxrcIlbjXfbcmw";

// Test-only keys generated with `openssl genpkey` for this suite.
const RSA_PEM: &str = include_str!("testdata/rsa2048.pk8.pem");
const EC_PEM: &str = include_str!("testdata/p256.pk8.pem");

const ALL: &[Algorithm] = &[Algorithm::Ps256, Algorithm::Es256];
const TYP: TypPolicy = TypPolicy {
    accept_jwt: false,
    require_typ: false,
};
const MAX: usize = 64 * 1024;

fn backends() -> Vec<Backend> {
    Backend::available()
}

fn es_key() -> SigningKey {
    SigningKey::from_pkcs8_pem(EC_PEM).unwrap().with_kid("ec-1")
}

fn rsa_key() -> SigningKey {
    SigningKey::from_pkcs8_pem(RSA_PEM)
        .unwrap()
        .with_kid("rsa-1")
}

fn jwks() -> JwkSet {
    JwkSet::new(vec![es_key().to_public_jwk(), rsa_key().to_public_jwk()]).unwrap()
}

fn keyring(backend: Backend) -> Keyring {
    Keyring::with_backend(&jwks(), backend).unwrap()
}

/// Sign arbitrary header and payload text with `key` (bypassing the profiles).
fn forge(header: &str, payload: &str, key: &SigningKey) -> String {
    let input = format!(
        "{}.{}",
        b64::encode(header.as_bytes()),
        b64::encode(payload.as_bytes())
    );
    let sig = key.sign(input.as_bytes()).unwrap();
    format!("{input}.{}", b64::encode(&sig))
}

const PAYLOAD: &str = r#"{"iss":"https://examplebank.com/","iat":1700000000,"jti":"b460a07c","aud":"7umx5nTR33811QyQfi","events":{}}"#;

fn now() -> Timestamp {
    Timestamp::from_secs(1_700_000_000)
}

fn policy() -> VerifyPolicy {
    VerifyPolicy::new("https://examplebank.com/", "7umx5nTR33811QyQfi")
}

/// Assert that `token` fails `verify_set` on every backend with `code`,
/// OBIE `obie` and RFC 8935 `rfc`, and that the description is well-formed.
fn rejects(token: &str, code: &str, obie: SetErrCode, rfc: SetErrCode) {
    rejects_with(token, &policy(), code, obie, rfc);
}

fn rejects_with(token: &str, policy: &VerifyPolicy, code: &str, obie: SetErrCode, rfc: SetErrCode) {
    for b in backends() {
        let err = verify_set(token, &keyring(b), policy, now()).unwrap_err();
        assert_eq!(err.code(), code, "backend {b}: {err:?}");
        assert_eq!(err.set_err(Vocabulary::Obie), obie, "backend {b}");
        assert_eq!(err.set_err(Vocabulary::Rfc8935), rfc, "backend {b}");
        let d = err.description();
        assert!(!d.is_empty() && d.chars().count() <= 256);
    }
}

fn hmac_sha256(key: &[u8], msg: &[u8]) -> Vec<u8> {
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let ipad: Vec<u8> = k.iter().map(|b| b ^ 0x36).collect();
    let opad: Vec<u8> = k.iter().map(|b| b ^ 0x5c).collect();
    let inner = Sha256::new()
        .chain_update(&ipad)
        .chain_update(msg)
        .finalize();
    Sha256::new()
        .chain_update(&opad)
        .chain_update(inner)
        .finalize()
        .to_vec()
}

// ---------------------------------------------------------------- vectors

#[test]
fn rfc7515_a3_es256_verifies_on_every_backend() {
    let jwk = Jwk::from_json(
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}"}}"#).as_bytes(),
    )
    .unwrap();
    let set = JwkSet::new(vec![jwk]).unwrap();
    for b in backends() {
        let ring = Keyring::with_backend(&set, b).unwrap();
        // No kid in the header: allowed because the keyring has exactly one ES256 key.
        let v = verify_compact(A3_TOKEN, &ring, ALL, TYP, MAX).unwrap();
        assert_eq!(v.header.alg, Algorithm::Es256);
        assert!(v.payload.starts_with(b"{\"iss\":\"joe\""));
        let tampered = A3_TOKEN.replace(".DtEhU3", ".EtEhU3");
        assert_eq!(
            verify_compact(&tampered, &ring, ALL, TYP, MAX).unwrap_err(),
            JwsError::BadSignature
        );
    }
}

#[test]
fn rfc7515_a3_private_key_matches_public_key() {
    let jwk = Jwk::from_json(
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}","d":"{A3_D}"}}"#)
            .as_bytes(),
    )
    .unwrap();
    assert!(jwk.is_private());
    let key = SigningKey::from_jwk(&jwk).unwrap();
    assert_eq!(key.algorithm(), Algorithm::Es256);
    // Changing d breaks the pairing.
    let other = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE";
    let err = Jwk::from_json(
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}","d":"{other}"}}"#)
            .as_bytes(),
    )
    .unwrap_err();
    assert_eq!(err, JwkError::Key(CryptoError::KeyMismatch));
}

#[test]
fn jwt_io_ps256_example_verifies_on_every_backend() {
    let jwk = Jwk::from_json(format!(r#"{{"kty":"RSA","n":"{JWTIO_N}","e":"AQAB"}}"#).as_bytes())
        .unwrap();
    assert_eq!(jwk.public_key().rsa_bits(), Some(2048));
    let set = JwkSet::new(vec![jwk]).unwrap();
    for b in backends() {
        let ring = Keyring::with_backend(&set, b).unwrap();
        // Its header says typ "JWT", which the SET rules refuse (by design),
        // so the full JWS check reports exactly that ...
        assert_eq!(
            verify_compact(JWTIO_PS256_TOKEN, &ring, ALL, TYP, MAX).unwrap_err(),
            JwsError::BadHeader(HeaderProblem::UnsupportedTyp("JWT".into()))
        );
        // ... while the signature itself verifies on this backend.
        let (input, sig) = JWTIO_PS256_TOKEN.rsplit_once('.').unwrap();
        let v = set.keys()[0]
            .public_key()
            .verifier(crate::crypto::Scheme::RsaPssSha256, b)
            .unwrap();
        assert!(v
            .verify(input.as_bytes(), &b64::decode(sig).unwrap())
            .is_ok());
        let mut bad = input.to_owned();
        bad.push('x');
        assert!(v
            .verify(bad.as_bytes(), &b64::decode(sig).unwrap())
            .is_err());
    }
}

// ---------------------------------------------------------------- signing

#[test]
fn portable_es256_is_deterministic_and_verifies_under_every_backend() {
    let key = es_key().with_backend(Backend::Portable).unwrap();
    let profile = HeaderProfile::rfc8417();
    let a = sign_compact(&profile, PAYLOAD.as_bytes(), &key, now()).unwrap();
    let b = sign_compact(&profile, PAYLOAD.as_bytes(), &key, now()).unwrap();
    assert_eq!(a, b);
    let c = sign_compact(&profile, b"{}", &key, now()).unwrap();
    assert_ne!(a.rsplit('.').next(), c.rsplit('.').next());
    for backend in backends() {
        let v = verify_compact(&a, &keyring(backend), ALL, TYP, MAX).unwrap();
        assert_eq!(v.payload, PAYLOAD.as_bytes());
        assert_eq!(v.header.kid.as_deref(), Some("ec-1"));
        assert_eq!(v.header.typ.as_deref(), Some("secevent+jwt"));
    }
}

#[test]
fn every_backend_signs_what_every_backend_verifies() {
    let profile = HeaderProfile::obie("0015800001041REAAY", "openbanking.org.uk").unwrap();
    for signer in backends() {
        for key in [es_key(), rsa_key()] {
            let key = key.with_backend(signer).unwrap();
            let token = sign_compact(&profile, PAYLOAD.as_bytes(), &key, now()).unwrap();
            for verifier in backends() {
                let v = verify_compact(&token, &keyring(verifier), ALL, TYP, MAX).unwrap();
                assert_eq!(v.header.alg, key.algorithm());
                assert_eq!(v.header.obie_iat, Some(1_700_000_000));
                assert_eq!(v.header.obie_iss.as_deref(), Some("0015800001041REAAY"));
                assert_eq!(v.header.obie_tan.as_deref(), Some("openbanking.org.uk"));
                assert_eq!(v.header.crit, vec![OBIE_IAT, OBIE_ISS, OBIE_TAN]);
                assert_eq!(v.header.typ.as_deref(), Some("JOSE"));
            }
        }
    }
}

#[test]
fn portable_ps256_is_deterministic() {
    let key = rsa_key().with_backend(Backend::Portable).unwrap();
    let a = sign_compact(&HeaderProfile::rfc8417(), PAYLOAD.as_bytes(), &key, now()).unwrap();
    let b = sign_compact(&HeaderProfile::rfc8417(), PAYLOAD.as_bytes(), &key, now()).unwrap();
    assert_eq!(a, b);
    let sig = b64::decode(a.rsplit('.').next().unwrap()).unwrap();
    assert_eq!(sig.len(), 256);
}

#[test]
fn obie_profile_header_is_exact() {
    let key = es_key();
    let p = HeaderProfile::obie("org-1", "openbanking.org.uk").unwrap();
    assert_eq!(
        p.header_json(key.algorithm(), key.kid(), now()),
        r#"{"alg":"ES256","kid":"ec-1","typ":"JOSE","crit":["http://openbanking.org.uk/iat","http://openbanking.org.uk/iss","http://openbanking.org.uk/tan"],"http://openbanking.org.uk/iat":1700000000,"http://openbanking.org.uk/iss":"org-1","http://openbanking.org.uk/tan":"openbanking.org.uk"}"#
    );
    let HeaderProfile::Obie(o) = p else { panic!() };
    let no_typ = HeaderProfile::Obie(o.without_typ()).header_json(Algorithm::Es256, "k\"1", now());
    assert!(no_typ.starts_with(r#"{"alg":"ES256","kid":"k\"1","crit":"#));
    assert_eq!(
        HeaderProfile::obie("", "x").unwrap_err(),
        ProfileError::InvalidOrgId
    );
    assert_eq!(
        HeaderProfile::obie("o", "a\nb").unwrap_err().code(),
        "invalid_trust_anchor"
    );
    assert_eq!(
        HeaderProfile::rfc8417().header_json(Algorithm::Ps256, "r", now()),
        r#"{"alg":"PS256","kid":"r","typ":"secevent+jwt"}"#
    );
}

// ---------------------------------------------------------------- attacks

const OBIE_HDR_TAIL: &str = r#""crit":["http://openbanking.org.uk/iat","http://openbanking.org.uk/iss","http://openbanking.org.uk/tan"],"http://openbanking.org.uk/iat":1700000000,"http://openbanking.org.uk/iss":"org","http://openbanking.org.uk/tan":"openbanking.org.uk""#;

#[test]
fn attack_alg_none() {
    let h = b64::encode(br#"{"alg":"none","kid":"ec-1"}"#);
    let p = b64::encode(PAYLOAD.as_bytes());
    rejects(
        &format!("{h}.{p}."),
        "alg_not_allowed",
        SetErrCode::JwtCrypto,
        SetErrCode::InvalidRequest,
    );
    rejects(
        &format!("{h}.{p}.AAAA"),
        "alg_not_allowed",
        SetErrCode::JwtCrypto,
        SetErrCode::InvalidRequest,
    );
    let h = b64::encode(br#"{"alg":"None"}"#);
    rejects(
        &format!("{h}.{p}."),
        "alg_not_allowed",
        SetErrCode::JwtCrypto,
        SetErrCode::InvalidRequest,
    );
    assert_eq!(Algorithm::from_name("none").unwrap_err().code(), "alg_none");
}

#[test]
fn attack_hs256_with_public_key_as_secret() {
    // The classic confusion: HMAC keyed with the verifier's public key.
    let secret = rsa_key().to_public_jwk().to_json();
    let input = format!(
        "{}.{}",
        b64::encode(br#"{"alg":"HS256","kid":"rsa-1"}"#),
        b64::encode(PAYLOAD.as_bytes())
    );
    let token = format!(
        "{input}.{}",
        b64::encode(&hmac_sha256(secret.as_bytes(), input.as_bytes()))
    );
    rejects(
        &token,
        "alg_not_allowed",
        SetErrCode::JwtCrypto,
        SetErrCode::InvalidRequest,
    );
    assert_eq!(
        Algorithm::from_name("HS256").unwrap_err().code(),
        "alg_hmac"
    );
    let rs = forge(r#"{"alg":"RS256","kid":"rsa-1"}"#, PAYLOAD, &rsa_key());
    rejects(
        &rs,
        "alg_not_allowed",
        SetErrCode::JwtCrypto,
        SetErrCode::InvalidRequest,
    );
}

#[test]
fn attack_alg_outside_policy() {
    let token = forge(r#"{"alg":"ES256","kid":"ec-1"}"#, PAYLOAD, &es_key());
    let mut p = policy();
    p.algorithms = vec![Algorithm::Ps256];
    rejects_with(
        &token,
        &p,
        "alg_not_allowed",
        SetErrCode::JwtCrypto,
        SetErrCode::InvalidRequest,
    );
}

#[test]
fn attack_alg_key_type_confusion() {
    // PS256 header naming the EC key, and ES256 naming the RSA key.
    let t1 = forge(r#"{"alg":"PS256","kid":"ec-1"}"#, PAYLOAD, &rsa_key());
    rejects(
        &t1,
        "key_alg_mismatch",
        SetErrCode::Jws,
        SetErrCode::InvalidKey,
    );
    let t2 = forge(r#"{"alg":"ES256","kid":"rsa-1"}"#, PAYLOAD, &es_key());
    rejects(
        &t2,
        "key_alg_mismatch",
        SetErrCode::Jws,
        SetErrCode::InvalidKey,
    );
}

#[test]
fn attack_unknown_crit() {
    let t = forge(
        r#"{"alg":"ES256","kid":"ec-1","crit":["urn:x"],"urn:x":1}"#,
        PAYLOAD,
        &es_key(),
    );
    rejects(
        &t,
        "crit_unsupported",
        SetErrCode::JwtHdr,
        SetErrCode::InvalidRequest,
    );
}

#[test]
fn attack_crit_malformed() {
    let key = es_key();
    for h in [
        // names a header that is absent
        r#"{"alg":"ES256","kid":"ec-1","crit":["http://openbanking.org.uk/tan"]}"#,
        // empty
        r#"{"alg":"ES256","kid":"ec-1","crit":[]}"#,
        // not an array
        r#"{"alg":"ES256","kid":"ec-1","crit":"http://openbanking.org.uk/tan","http://openbanking.org.uk/tan":"t"}"#,
        // duplicate entries
        r#"{"alg":"ES256","kid":"ec-1","crit":["b64","b64"],"b64":true}"#,
        // registered name
        r#"{"alg":"ES256","kid":"ec-1","crit":["alg"]}"#,
        // well-typed OBIE member required
        r#"{"alg":"ES256","kid":"ec-1","crit":["http://openbanking.org.uk/iat"],"http://openbanking.org.uk/iat":"1700000000"}"#,
        r#"{"alg":"ES256","kid":"ec-1","crit":["http://openbanking.org.uk/iss"],"http://openbanking.org.uk/iss":""}"#,
        r#"{"alg":"ES256","kid":"ec-1","http://openbanking.org.uk/iat":1.5}"#,
    ] {
        rejects(
            &forge(h, PAYLOAD, &key),
            "bad_header",
            SetErrCode::JwtHdr,
            SetErrCode::InvalidRequest,
        );
    }
}

#[test]
fn attack_b64_false() {
    let t = forge(
        r#"{"alg":"ES256","kid":"ec-1","b64":false,"crit":["b64"]}"#,
        PAYLOAD,
        &es_key(),
    );
    rejects(
        &t,
        "b64_unsupported",
        SetErrCode::JwtHdr,
        SetErrCode::InvalidRequest,
    );
    let t = forge(
        r#"{"alg":"ES256","kid":"ec-1","b64":"false"}"#,
        PAYLOAD,
        &es_key(),
    );
    rejects(
        &t,
        "bad_header",
        SetErrCode::JwtHdr,
        SetErrCode::InvalidRequest,
    );
    // b64: true is the default and is accepted (with or without crit).
    for b in backends() {
        for h in [
            r#"{"alg":"ES256","kid":"ec-1","b64":true,"crit":["b64"]}"#,
            r#"{"alg":"ES256","kid":"ec-1","b64":true}"#,
        ] {
            assert!(
                verify_compact(&forge(h, PAYLOAD, &es_key()), &keyring(b), ALL, TYP, MAX).is_ok()
            );
        }
    }
}

#[test]
fn attack_unknown_and_missing_kid() {
    let t = forge(r#"{"alg":"ES256","kid":"nope"}"#, PAYLOAD, &es_key());
    rejects(&t, "unknown_kid", SetErrCode::Jws, SetErrCode::InvalidKey);
    // Missing kid with one key per algorithm: accepted; with two ES256 keys: refused.
    let t = forge(r#"{"alg":"ES256"}"#, PAYLOAD, &es_key());
    for b in backends() {
        assert!(verify_compact(&t, &keyring(b), ALL, TYP, MAX).is_ok());
        let two = JwkSet::new(vec![
            es_key().to_public_jwk(),
            SigningKey::from_jwk(
                &Jwk::from_json(
                    format!(
                        r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}","d":"{A3_D}"}}"#
                    )
                    .as_bytes(),
                )
                .unwrap(),
            )
            .unwrap()
            .to_public_jwk(),
        ])
        .unwrap();
        let ring = Keyring::with_backend(&two, b).unwrap();
        assert_eq!(
            verify_compact(&t, &ring, ALL, TYP, MAX).unwrap_err(),
            JwsError::KidMissing
        );
    }
    rejects_on(
        &t,
        two_es_keys(),
        "kid_missing",
        SetErrCode::JwtHdr,
        SetErrCode::InvalidRequest,
    );
}

fn two_es_keys() -> JwkSet {
    let a3 = Jwk::from_json(
        format!(r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}"}}"#).as_bytes(),
    )
    .unwrap();
    JwkSet::new(vec![es_key().to_public_jwk(), a3]).unwrap()
}

fn rejects_on(token: &str, set: JwkSet, code: &str, obie: SetErrCode, rfc: SetErrCode) {
    for b in backends() {
        let ring = Keyring::with_backend(&set, b).unwrap();
        let err = verify_set(token, &ring, &policy(), now()).unwrap_err();
        assert_eq!(err.code(), code);
        assert_eq!(err.set_err(Vocabulary::Obie), obie);
        assert_eq!(err.set_err(Vocabulary::Rfc8935), rfc);
    }
}

#[test]
fn attack_tampered_payload_and_signature() {
    for key in [es_key(), rsa_key()] {
        let token =
            sign_compact(&HeaderProfile::rfc8417(), PAYLOAD.as_bytes(), &key, now()).unwrap();
        let parts: Vec<&str> = token.split('.').collect();
        let evil = b64::encode(PAYLOAD.replace("7umx5nTR33811QyQfi", "attacker").as_bytes());
        let t = format!("{}.{}.{}", parts[0], evil, parts[2]);
        rejects(&t, "bad_signature", SetErrCode::Jws, SetErrCode::InvalidKey);
        let mut sig = b64::decode(parts[2]).unwrap();
        sig[5] ^= 1;
        let t = format!("{}.{}.{}", parts[0], parts[1], b64::encode(&sig));
        rejects(&t, "bad_signature", SetErrCode::Jws, SetErrCode::InvalidKey);
        // Truncated signature (wrong length).
        let t = format!(
            "{}.{}.{}",
            parts[0],
            parts[1],
            b64::encode(&sig[..sig.len() - 1])
        );
        rejects(&t, "bad_signature", SetErrCode::Jws, SetErrCode::InvalidKey);
    }
}

/// DER-encode an ECDSA r||s signature.
fn der(sig: &[u8]) -> Vec<u8> {
    fn int(b: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = b.iter().copied().skip_while(|x| *x == 0).collect();
        if v.first().is_some_and(|x| x & 0x80 != 0) {
            v.insert(0, 0);
        }
        let mut out = vec![2, v.len() as u8];
        out.extend(v);
        out
    }
    let mut body = int(&sig[..32]);
    body.extend(int(&sig[32..]));
    let mut out = vec![0x30, body.len() as u8];
    out.extend(body);
    out
}

#[test]
fn attack_der_encoded_ecdsa_signature() {
    let token = sign_compact(
        &HeaderProfile::rfc8417(),
        PAYLOAD.as_bytes(),
        &es_key(),
        now(),
    )
    .unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let der_sig = der(&b64::decode(sig).unwrap());
    assert_ne!(der_sig.len(), 64);
    rejects(
        &format!("{input}.{}", b64::encode(&der_sig)),
        "bad_signature",
        SetErrCode::Jws,
        SetErrCode::InvalidKey,
    );
}

/// P-256 group order.
const P256_N: [u8; 32] = [
    0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
    0xbc, 0xe6, 0xfa, 0xad, 0xa7, 0x17, 0x9e, 0x84, 0xf3, 0xb9, 0xca, 0xc2, 0xfc, 0x63, 0x25, 0x51,
];

fn neg_mod_n(s: &[u8]) -> Vec<u8> {
    let mut out = vec![0u8; 32];
    let mut borrow = 0i16;
    for i in (0..32).rev() {
        let mut d = P256_N[i] as i16 - s[i] as i16 - borrow;
        borrow = 0;
        if d < 0 {
            d += 256;
            borrow = 1;
        }
        out[i] = d as u8;
    }
    out
}

/// High-S: `(r, n - s)` is as valid as `(r, s)` for ECDSA. RFC 7518 does not
/// demand low-S and AWS-LC emits either form, so both backends accept both
/// (documented in `crypto`); a SET is identified by `jti`, never by its
/// signature bytes, so malleability does not matter here.
#[test]
fn high_s_signatures_are_accepted_by_both_backends() {
    let token = sign_compact(
        &HeaderProfile::rfc8417(),
        PAYLOAD.as_bytes(),
        &es_key(),
        now(),
    )
    .unwrap();
    let (input, sig) = token.rsplit_once('.').unwrap();
    let sig = b64::decode(sig).unwrap();
    let mut flipped = sig[..32].to_vec();
    flipped.extend(neg_mod_n(&sig[32..]));
    assert_ne!(flipped, sig);
    let t = format!("{input}.{}", b64::encode(&flipped));
    for b in backends() {
        assert!(
            verify_compact(&t, &keyring(b), ALL, TYP, MAX).is_ok(),
            "backend {b}"
        );
    }
}

#[test]
fn attack_oversize_token_is_refused_before_decoding() {
    let junk = "!".repeat(MAX + 1);
    rejects(
        &junk,
        "token_too_large",
        SetErrCode::JwtParse,
        SetErrCode::InvalidRequest,
    );
    let big = forge(
        r#"{"alg":"ES256","kid":"ec-1"}"#,
        &format!("{{\"x\":\"{}\"}}", "a".repeat(MAX)),
        &es_key(),
    );
    rejects(
        &big,
        "token_too_large",
        SetErrCode::JwtParse,
        SetErrCode::InvalidRequest,
    );
    let huge_header = format!(
        r#"{{"alg":"ES256","kid":"ec-1","pad":"{}"}}"#,
        "a".repeat(MAX_HEADER_BYTES)
    );
    rejects(
        &forge(&huge_header, PAYLOAD, &es_key()),
        "bad_header",
        SetErrCode::JwtHdr,
        SetErrCode::InvalidRequest,
    );
}

#[test]
fn attack_duplicate_header_members() {
    let t = forge(
        r#"{"alg":"ES256","kid":"ec-1","kid":"rsa-1"}"#,
        PAYLOAD,
        &es_key(),
    );
    rejects(
        &t,
        "bad_header",
        SetErrCode::JwtHdr,
        SetErrCode::InvalidRequest,
    );
    let t = forge(
        r#"{"alg":"ES256","alg":"none","kid":"ec-1"}"#,
        PAYLOAD,
        &es_key(),
    );
    rejects(
        &t,
        "bad_header",
        SetErrCode::JwtHdr,
        SetErrCode::InvalidRequest,
    );
}

#[test]
fn attack_bad_header_shapes() {
    let key = es_key();
    for h in [
        r#"["alg","ES256"]"#,
        r#"{"alg":"ES256","kid":"ec-1""#,
        r#"{"alg":"ES256","kid":"ec-1"} x"#,
        r#"{"kid":"ec-1"}"#,
        r#"{"alg":256,"kid":"ec-1"}"#,
        r#"{"alg":"ES256","kid":7}"#,
        r#"{"alg":"ES256","kid":"ec-1","typ":"JWT"}"#,
        r#"{"alg":"ES256","kid":"ec-1","typ":"at+jwt"}"#,
    ] {
        rejects(
            &forge(h, PAYLOAD, &key),
            "bad_header",
            SetErrCode::JwtHdr,
            SetErrCode::InvalidRequest,
        );
    }
    // Accepted typ values (case-insensitive).
    for typ in [
        "JOSE",
        "secevent+jwt",
        "application/secevent+jwt",
        "SECEVENT+JWT",
    ] {
        let t = forge(
            &format!(r#"{{"alg":"ES256","kid":"ec-1","typ":"{typ}"}}"#),
            PAYLOAD,
            &key,
        );
        assert!(
            verify_compact(&t, &keyring(Backend::Portable), ALL, TYP, MAX).is_ok(),
            "{typ}"
        );
    }
    // A full OBIE header by hand verifies.
    let t = forge(
        &format!(r#"{{"alg":"ES256","kid":"ec-1",{OBIE_HDR_TAIL}}}"#),
        PAYLOAD,
        &key,
    );
    assert!(verify_compact(&t, &keyring(Backend::Portable), ALL, TYP, MAX).is_ok());
}

#[test]
fn attack_structural() {
    let token = sign_compact(
        &HeaderProfile::rfc8417(),
        PAYLOAD.as_bytes(),
        &es_key(),
        now(),
    )
    .unwrap();
    let (h, rest) = token.split_once('.').unwrap();
    let (p, s) = rest.split_once('.').unwrap();
    let m = |t: &str| {
        rejects(
            t,
            "malformed",
            SetErrCode::JwtParse,
            SetErrCode::InvalidRequest,
        )
    };
    m(&format!("{h}.{p}")); // truncated: two parts
    m(h); // one part
    m(&format!("{h}.{p}.{s}.")); // extra dot
    m(&format!("{h}.{p}.{s}.{s}")); // four parts
    m(&format!(".{p}.{s}")); // empty header
    m(&format!("{h}.{p}.{s}=")); // padding
    m(&format!("{h}=.{p}.{s}"));
    m(&format!("{h}.{}+.{s}", &p[..p.len() - 1])); // non-base64url chars
    m(&format!("{h}.{p}.{}/", &s[..s.len() - 1]));
    m(&format!("{h}.{p} .{s}")); // whitespace
    m(&format!("{h}.{p}.{s}\n"));
    m("");
    m("..");
}

#[test]
fn attack_non_canonical_base64_trailing_bits() {
    // 64-byte signature = 86 chars; the last char carries 2 unused bits.
    let token = sign_compact(
        &HeaderProfile::rfc8417(),
        PAYLOAD.as_bytes(),
        &es_key(),
        now(),
    )
    .unwrap();
    let (input, s) = token.rsplit_once('.').unwrap();
    let last = s.chars().last().unwrap();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let idx = alphabet.find(last).unwrap();
    let bumped = alphabet.chars().nth(idx ^ 1).unwrap();
    let t = format!("{input}.{}{bumped}", &s[..s.len() - 1]);
    rejects(
        &t,
        "malformed",
        SetErrCode::JwtParse,
        SetErrCode::InvalidRequest,
    );
}

// ---------------------------------------------------------------- equivalence

#[test]
fn backends_agree_on_a_battery_of_tokens() {
    let es = es_key();
    let rsa = rsa_key();
    let good_es = sign_compact(&HeaderProfile::rfc8417(), PAYLOAD.as_bytes(), &es, now()).unwrap();
    let good_rsa =
        sign_compact(&HeaderProfile::rfc8417(), PAYLOAD.as_bytes(), &rsa, now()).unwrap();
    let mut tokens = vec![
        good_es.clone(),
        good_rsa.clone(),
        A3_TOKEN.to_owned(),
        JWTIO_PS256_TOKEN.to_owned(),
    ];
    for t in [&good_es, &good_rsa] {
        let (input, s) = t.rsplit_once('.').unwrap();
        let sig = b64::decode(s).unwrap();
        for i in [0, 1, 31, 32, 33, sig.len() - 1] {
            let mut bad = sig.clone();
            bad[i] ^= 0x80;
            tokens.push(format!("{input}.{}", b64::encode(&bad)));
        }
        tokens.push(format!("{input}.{}", b64::encode(&[0u8; 64])));
        tokens.push(format!("{input}.{}", b64::encode(&vec![0xffu8; sig.len()])));
        tokens.push(format!("{input}.{}", b64::encode(&vec![0u8; 256])));
    }
    // r = 0 / s = 0 / r = n for ECDSA.
    let (es_input, _) = good_es.rsplit_once('.').unwrap();
    let mut r_is_n = P256_N.to_vec();
    r_is_n.extend([1u8; 32]);
    tokens.push(format!("{es_input}.{}", b64::encode(&r_is_n)));
    let mut s_is_n = vec![1u8; 32];
    s_is_n.extend(P256_N);
    tokens.push(format!("{es_input}.{}", b64::encode(&s_is_n)));
    let portable = keyring(Backend::Portable);
    for other in backends() {
        let ring = keyring(other);
        for t in &tokens {
            assert_eq!(
                verify_compact(t, &portable, ALL, TYP, MAX),
                verify_compact(t, &ring, ALL, TYP, MAX),
                "backend {other} disagrees on {t}"
            );
        }
    }
    assert!(verify_compact(&good_es, &portable, ALL, TYP, MAX).is_ok());
    assert!(verify_compact(&good_rsa, &portable, ALL, TYP, MAX).is_ok());
}

#[test]
fn unavailable_backend_is_a_typed_error() {
    if Backend::Native.is_available() {
        assert_eq!(Backend::default(), Backend::Native);
        assert_eq!(
            Backend::available(),
            vec![Backend::Native, Backend::Portable]
        );
    } else {
        assert_eq!(Backend::default(), Backend::Portable);
        let err = Keyring::with_backend(&jwks(), Backend::Native).unwrap_err();
        assert_eq!(err.code(), "backend_unavailable");
        assert_eq!(
            es_key().with_backend(Backend::Native).unwrap_err().code(),
            "backend_unavailable"
        );
    }
}

// ---------------------------------------------------------------- keyring

#[test]
fn keyring_ignores_keys_not_meant_for_verification() {
    let es = es_key().to_public_jwk();
    let variants = [
        es.clone().with_use("enc"),
        es.clone().with_alg("ES384"),
        es.clone().with_alg("PS256"),
        es.clone().with_key_ops(vec!["sign".into()]),
    ];
    let token = forge(r#"{"alg":"ES256","kid":"ec-1"}"#, PAYLOAD, &es_key());
    for v in variants {
        let set = JwkSet::new(vec![v]).unwrap();
        for b in backends() {
            let ring = Keyring::with_backend(&set, b).unwrap();
            assert!(ring.is_empty());
            assert_eq!(
                verify_compact(&token, &ring, ALL, TYP, MAX).unwrap_err(),
                JwsError::UnknownKid("ec-1".into())
            );
        }
    }
    let ok = JwkSet::new(vec![es.with_key_ops(vec!["verify".into()])]).unwrap();
    assert!(verify_compact(&token, &Keyring::new(&ok).unwrap(), ALL, TYP, MAX).is_ok());
}

// ---------------------------------------------------------------- JWK

fn ec_jwk(x: &str, y: &str) -> Result<Jwk, JwkError> {
    Jwk::from_json(format!(r#"{{"kty":"EC","crv":"P-256","x":"{x}","y":"{y}"}}"#).as_bytes())
}

#[test]
fn jwk_ec_strictness() {
    // wrong length (31 bytes)
    let short = b64::encode(&b64::decode(A3_X).unwrap()[1..]);
    assert!(matches!(
        ec_jwk(&short, A3_Y),
        Err(JwkError::WrongLength {
            member: "x",
            expected: 32,
            found: 31
        })
    ));
    // not on the curve
    let mut y = b64::decode(A3_Y).unwrap();
    y[31] ^= 1;
    assert_eq!(
        ec_jwk(A3_X, &b64::encode(&y)).unwrap_err(),
        JwkError::Key(CryptoError::InvalidEcPoint)
    );
    // padding and standard alphabet
    assert_eq!(
        ec_jwk(&format!("{A3_X}="), A3_Y).unwrap_err(),
        JwkError::Base64("x")
    );
    let plus = A3_Y.replace('_', "/");
    assert_eq!(ec_jwk(A3_X, &plus).unwrap_err(), JwkError::Base64("y"));
    // other curves, key types, members
    let p384 = Jwk::from_json(br#"{"kty":"EC","crv":"P-384","x":"AA","y":"AA"}"#).unwrap_err();
    assert_eq!(p384.code(), "jwk_unsupported_crv");
    assert_eq!(
        Jwk::from_json(br#"{"kty":"oct","k":"AA"}"#)
            .unwrap_err()
            .code(),
        "jwk_unsupported_kty"
    );
    assert_eq!(
        Jwk::from_json(br#"{"crv":"P-256"}"#).unwrap_err(),
        JwkError::MissingMember("kty")
    );
    assert_eq!(
        Jwk::from_json(
            format!(r#"{{"kty":"EC","kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}"}}"#)
                .as_bytes()
        )
        .unwrap_err()
        .code(),
        "jwk_duplicate_member"
    );
    assert_eq!(Jwk::from_json(b"[1]").unwrap_err(), JwkError::NotObject);
    assert_eq!(Jwk::from_json(b"{").unwrap_err(), JwkError::NotJson);
    let ops = format!(
        r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}","key_ops":["verify","verify"]}}"#
    );
    assert_eq!(
        Jwk::from_json(ops.as_bytes()).unwrap_err().code(),
        "jwk_duplicate_key_op"
    );
    let kid = format!(r#"{{"kty":"EC","crv":"P-256","x":"{A3_X}","y":"{A3_Y}","kid":5}}"#);
    assert_eq!(
        Jwk::from_json(kid.as_bytes()).unwrap_err(),
        JwkError::WrongType("kid")
    );
}

#[test]
fn jwk_rsa_strictness() {
    let n = b64::decode(JWTIO_N).unwrap();
    let rsa = |n: &[u8], e: &str| {
        Jwk::from_json(format!(r#"{{"kty":"RSA","n":"{}","e":"{e}"}}"#, b64::encode(n)).as_bytes())
    };
    // < 2048 bits
    let mut small = n[..128].to_vec();
    small[127] |= 1;
    assert_eq!(
        rsa(&small, "AQAB").unwrap_err(),
        JwkError::Key(CryptoError::RsaKeyTooSmall { bits: 1024 })
    );
    // even exponent, e = 1, leading zero in e
    assert_eq!(rsa(&n, "AQAA").unwrap_err().code(), "invalid_rsa_exponent");
    assert_eq!(rsa(&n, "AQ").unwrap_err().code(), "invalid_rsa_exponent");
    assert_eq!(
        rsa(&n, "AAEAAQ").unwrap_err().code(),
        "invalid_rsa_exponent"
    );
    // leading zero octet in n, even n
    let mut padded = vec![0u8];
    padded.extend(&n);
    assert_eq!(
        rsa(&padded, "AQAB").unwrap_err().code(),
        "invalid_rsa_modulus"
    );
    let mut even = n.clone();
    even[255] &= 0xfe;
    assert_eq!(
        rsa(&even, "AQAB").unwrap_err().code(),
        "invalid_rsa_modulus"
    );
    // private members without d; multi-prime
    let partial = format!(r#"{{"kty":"RSA","n":"{JWTIO_N}","e":"AQAB","p":"AQAB"}}"#);
    assert_eq!(
        Jwk::from_json(partial.as_bytes()).unwrap_err(),
        JwkError::MissingMember("d")
    );
    // generation below the minimum is refused
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(1);
    assert_eq!(
        SigningKey::generate_ps256(&mut rng, 1024).unwrap_err(),
        CryptoError::RsaKeyTooSmall { bits: 1024 }
    );
}

use rand_core::SeedableRng as _;

#[test]
fn private_jwks_round_trip_and_stay_secret_in_debug() {
    for key in [es_key(), rsa_key()] {
        let jwk = key.to_private_jwk();
        let text = jwk.to_json();
        let back = Jwk::from_json(text.as_bytes()).unwrap();
        assert_eq!(back, jwk);
        let again = SigningKey::from_jwk(&back).unwrap();
        assert_eq!(again.kid(), key.kid());
        assert_eq!(again.to_public_jwk(), key.to_public_jwk());
        // Secrets never appear in Debug output.
        let d = match key.algorithm() {
            Algorithm::Es256 => b64::encode(key.private().ec_p256_scalar().unwrap().as_slice()),
            _ => b64::encode(&key.private().rsa_components().unwrap().d),
        };
        assert!(text.contains(&d));
        for dbg in [
            format!("{key:?}"),
            format!("{jwk:?}"),
            format!("{:?}", key.private()),
        ] {
            assert!(!dbg.contains(&d[..16]), "{dbg}");
        }
        // Tampering one CRT parameter is caught.
        if key.algorithm() == Algorithm::Ps256 {
            let mut v: serde_json::Value = serde_json::from_str(&text).unwrap();
            v["qi"] = serde_json::Value::String(b64::encode(&[3u8; 128]));
            let err = Jwk::from_json(v.to_string().as_bytes()).unwrap_err();
            assert_eq!(err.code(), "inconsistent_rsa_key");
        }
        // PEM round trip.
        let pem = key.to_pkcs8_pem().unwrap();
        assert_eq!(
            SigningKey::from_pkcs8_pem(&pem).unwrap().public_key(),
            key.public_key()
        );
    }
    assert_eq!(
        SigningKey::from_pkcs8_pem("not pem").unwrap_err(),
        CryptoError::InvalidPem
    );
    let public_only = es_key().to_public_jwk();
    assert_eq!(
        SigningKey::from_jwk(&public_only).unwrap_err(),
        JwkError::NotPrivate
    );
    let wrong_alg = es_key().to_private_jwk().with_alg("PS256");
    assert_eq!(
        SigningKey::from_jwk(&wrong_alg).unwrap_err().code(),
        "jwk_alg_mismatch"
    );
}

#[test]
fn generated_keys_work_and_default_kid_is_the_thumbprint() {
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let a = SigningKey::generate_es256(&mut rng).unwrap();
    let mut rng = rand_chacha::ChaCha20Rng::seed_from_u64(7);
    let b = SigningKey::generate_es256(&mut rng).unwrap();
    assert_eq!(a.public_key(), b.public_key());
    assert_eq!(a.kid(), a.to_public_jwk().thumbprint());
    assert_eq!(a.kid().len(), 43);
    // RFC 7638 §3.1 example thumbprint.
    let rfc7638 = Jwk::from_json(br#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256","kid":"2011-04-29"}"#).unwrap();
    assert_eq!(
        rfc7638.thumbprint(),
        "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    );
    // alg RS256: usable for RS256 only (which the policy must allow).
    assert_eq!(rfc7638.verification_algorithm(), Some(Algorithm::Rs256));
    let set = JwkSet::new(vec![a.to_public_jwk()]).unwrap();
    let t = sign_compact(&HeaderProfile::rfc8417(), PAYLOAD.as_bytes(), &a, now()).unwrap();
    for bk in backends() {
        assert!(
            verify_compact(&t, &Keyring::with_backend(&set, bk).unwrap(), ALL, TYP, MAX).is_ok()
        );
    }
}

#[test]
fn jwk_set_rules() {
    let es = es_key().to_public_jwk();
    // Unsupported and broken keys are skipped, not fatal (RFC 7517 §5).
    let doc = format!(
        r#"{{"keys":[{{"kty":"OKP","crv":"Ed25519","x":"AA","kid":"ed"}},{},{{"kty":"EC","crv":"P-256","x":"AA","y":"AA","kid":"bad"}},7],"extra":1}}"#,
        es.to_json()
    );
    let set = JwkSet::from_json(doc.as_bytes()).unwrap();
    assert_eq!(set.keys().len(), 1);
    assert_eq!(set.skipped().len(), 3);
    assert_eq!(set.skipped()[0].kid.as_deref(), Some("ed"));
    assert_eq!(set.skipped()[0].error.code(), "jwk_unsupported_kty");
    assert_eq!(set.skipped()[2].error, JwkError::NotObject);
    assert!(set.get("ec-1").is_some());
    // Duplicate kid among signature keys of one type: refused.
    let a3 = ec_jwk(A3_X, A3_Y).unwrap().with_kid("ec-1");
    let dup = format!(r#"{{"keys":[{},{}]}}"#, es.to_json(), a3.to_json());
    assert_eq!(
        JwkSet::from_json(dup.as_bytes()).unwrap_err(),
        JwkError::DuplicateKid("ec-1".into())
    );
    // ... but fine across key types, or when one is an encryption key.
    let rsa_same_kid = rsa_key().to_public_jwk().with_kid("ec-1");
    let set = JwkSet::new(vec![es.clone(), rsa_same_kid]).unwrap();
    let ring = Keyring::new(&set).unwrap();
    let t = forge(r#"{"alg":"PS256","kid":"ec-1"}"#, PAYLOAD, &rsa_key());
    assert!(verify_compact(&t, &ring, ALL, TYP, MAX).is_ok());
    assert!(JwkSet::new(vec![es.clone(), a3.with_use("enc")]).is_ok());
    // Shape and size limits.
    assert_eq!(
        JwkSet::from_json(br#"{"keys":{}}"#).unwrap_err(),
        JwkError::WrongType("keys")
    );
    assert_eq!(
        JwkSet::from_json(br#"{}"#).unwrap_err(),
        JwkError::MissingMember("keys")
    );
    assert_eq!(
        JwkSet::from_json(br#"{"keys":[],"keys":[]}"#)
            .unwrap_err()
            .code(),
        "jwk_duplicate_member"
    );
    let big = vec![b' '; JwkSet::MAX_BYTES + 1];
    assert_eq!(JwkSet::from_json(&big).unwrap_err().code(), "jwk_too_large");
    // Round trip of the public set.
    let set = jwks();
    let back = JwkSet::from_json(set.to_json().as_bytes()).unwrap();
    assert_eq!(back, set);
    assert!(!set.to_json().contains("\"d\""));
    assert_eq!(set.keys()[1].key_type(), KeyType::Rsa);
}

#[test]
fn private_key_type_checks() {
    let ec = PrivateKey::from_pkcs8_pem(EC_PEM).unwrap();
    let err = ec
        .signer(crate::crypto::Scheme::RsaPssSha256, Backend::Portable)
        .unwrap_err();
    assert_eq!(err.code(), "wrong_key_type");
    assert_eq!(
        PrivateKey::from_ec_p256_scalar(&[0u8; 32]).unwrap_err(),
        CryptoError::InvalidEcScalar
    );
    assert_eq!(
        PrivateKey::from_ec_p256_scalar(&[0xffu8; 32]).unwrap_err(),
        CryptoError::InvalidEcScalar
    );
}

// ---------------------------------------------------------------- RS256 (opt-in)

// RFC 7515 Appendix A.2 (RS256): the RSA key as printed in the RFC, and the
// signature of the A.2 token (header `{"alg":"RS256"}`, the A.1-A.3 payload).
const A2_JWK: &str = include_str!("testdata/rfc7515_a2.jwk.json");
const A2_HEADER: &str = "eyJhbGciOiJSUzI1NiJ9";
const A2_SIGNATURE: &str = "cC4hiUPoj9Eetdgtv3hF80EGrhuB__dzERat0XF9g2VtQgr9PJbu3XOiZj5RZmh7AAuHIm4Bh-0Qc_lF5YKt_O8W2Fp5jujGbds9uJdbF9CUAr7t1dnZcAcQjbKBYNX4BAynRFdiuB--f_nZLgrnbyTyWzO75vRK5h6xBArLIARNPvkSjtQBMHlb1L07Qe7K0GarZRmB_eSN9383LcOLn6_dO--xi12jzDwusC-eOkHWEsqtFZESc6BfI7noOPqvhJ1phCnvWh6IeYI2w9QOYEUipUTI8np6LbgGY9Fs98rqVt5AXLIhWkWywlVmtVrBp0igcN_IoypGlUPQGe77Rw";
/// A payload `verify_set` accepts (`events` holds one event).
const SET_PAYLOAD: &str = r#"{"iss":"https://examplebank.com/","iat":1700000000,"jti":"b460a07c","aud":"7umx5nTR33811QyQfi","events":{"urn:example:event":{}}}"#;
const WITH_RS256: &[Algorithm] = &[Algorithm::Ps256, Algorithm::Es256, Algorithm::Rs256];

fn a2_token() -> String {
    let payload = A3_TOKEN.split('.').nth(1).unwrap();
    format!("{A2_HEADER}.{payload}.{A2_SIGNATURE}")
}

#[test]
fn rfc7515_a2_rs256_signs_and_verifies_exactly_on_every_backend() {
    let jwk = Jwk::from_json(A2_JWK.as_bytes()).unwrap();
    let token = a2_token();
    let (input, _) = token.rsplit_once('.').unwrap();
    let set = JwkSet::new(vec![jwk.to_public()]).unwrap();
    for b in backends() {
        // PKCS#1 v1.5 is deterministic: every backend makes the RFC's bytes.
        let signer = jwk
            .private_key()
            .unwrap()
            .signer(crate::crypto::Scheme::RsaPkcs1Sha256, b)
            .unwrap();
        assert_eq!(
            b64::encode(&signer.sign(input.as_bytes()).unwrap()),
            A2_SIGNATURE,
            "backend {b}"
        );
        let ring = Keyring::with_backend(&set, b).unwrap();
        let v = verify_compact(&token, &ring, WITH_RS256, TYP, MAX).unwrap();
        assert_eq!(v.header.alg, Algorithm::Rs256);
        // Not allowed unless the recipient opts in.
        assert_eq!(
            verify_compact(&token, &ring, ALL, TYP, MAX).unwrap_err(),
            JwsError::AlgNotAllowedByPolicy(Algorithm::Rs256)
        );
        // The same bytes checked as PSS do not verify.
        let pss = jwk
            .public_key()
            .verifier(crate::crypto::Scheme::RsaPssSha256, b)
            .unwrap();
        assert!(pss
            .verify(input.as_bytes(), &b64::decode(A2_SIGNATURE).unwrap())
            .is_err());
    }
    // And through SigningKey: a JWK saying RS256 signs RS256.
    let key = SigningKey::from_jwk(&jwk.clone().with_alg("RS256")).unwrap();
    assert_eq!(key.algorithm(), Algorithm::Rs256);
    assert_eq!(key.to_public_jwk().alg(), Some("RS256"));
    assert_eq!(
        b64::encode(&key.sign(input.as_bytes()).unwrap()),
        A2_SIGNATURE
    );
}

fn rs_policy() -> VerifyPolicy {
    let mut p = policy();
    p.algorithms.push(Algorithm::Rs256);
    p
}

fn rs256_key() -> SigningKey {
    rsa_key().with_algorithm(Algorithm::Rs256).unwrap()
}

#[test]
fn rs256_sets_verify_only_when_the_policy_allows_them() {
    assert_eq!(policy().algorithms, Algorithm::DEFAULT_ALLOWED.to_vec());
    let rsa_no_alg = Jwk::from_public_key(rsa_key().public_key()).with_kid("rsa-1");
    for signer in backends() {
        let key = rs256_key().with_backend(signer).unwrap();
        assert_eq!(key.algorithm(), Algorithm::Rs256);
        let token = sign_compact(
            &HeaderProfile::rfc8417(),
            SET_PAYLOAD.as_bytes(),
            &key,
            now(),
        )
        .unwrap();
        for b in backends() {
            // The key published with alg RS256, or without alg.
            for jwk in [key.to_public_jwk(), rsa_no_alg.clone()] {
                let ring = Keyring::with_backend(&JwkSet::new(vec![jwk]).unwrap(), b).unwrap();
                let v = verify_set(&token, &ring, &rs_policy(), now()).unwrap();
                assert_eq!(v.alg, Algorithm::Rs256);
                let err = verify_set(&token, &ring, &policy(), now()).unwrap_err();
                assert_eq!(err.code(), "alg_not_allowed");
                assert_eq!(err.set_err(Vocabulary::Obie), SetErrCode::JwtCrypto);
                assert_eq!(err.set_err(Vocabulary::Rfc8935), SetErrCode::InvalidRequest);
            }
            // The key published with alg PS256 (what `rsa_key` publishes)
            // never verifies RS256, even when the policy allows it.
            let err = verify_set(&token, &keyring(b), &rs_policy(), now()).unwrap_err();
            assert_eq!(err.code(), "key_alg_mismatch");
            assert_eq!(err.set_err(Vocabulary::Obie), SetErrCode::Jws);
        }
    }
    // And a key published with alg RS256 never verifies PS256.
    let ps = sign_compact(
        &HeaderProfile::rfc8417(),
        SET_PAYLOAD.as_bytes(),
        &rsa_key(),
        now(),
    )
    .unwrap();
    let rs_only = JwkSet::new(vec![rs256_key().to_public_jwk()]).unwrap();
    for b in backends() {
        let ring = Keyring::with_backend(&rs_only, b).unwrap();
        let err = verify_set(&ps, &ring, &rs_policy(), now()).unwrap_err();
        assert_eq!(err.code(), "key_alg_mismatch");
        // The RSA key without alg serves either algorithm.
        let ring =
            Keyring::with_backend(&JwkSet::new(vec![rsa_no_alg.clone()]).unwrap(), b).unwrap();
        assert_eq!(ring.len(), 1);
        assert!(verify_set(&ps, &ring, &rs_policy(), now()).is_ok());
    }
}

#[test]
fn rs256_signature_made_as_pss_does_not_verify() {
    // An RS256 header over a PSS signature (what a confused signer emits).
    let t = forge(r#"{"alg":"RS256","kid":"rsa-1"}"#, PAYLOAD, &rsa_key());
    let set = JwkSet::new(vec![rs256_key().to_public_jwk()]).unwrap();
    for b in backends() {
        let ring = Keyring::with_backend(&set, b).unwrap();
        assert_eq!(
            verify_compact(&t, &ring, WITH_RS256, TYP, MAX).unwrap_err(),
            JwsError::BadSignature
        );
    }
}

#[test]
fn jwk_alg_decides_which_algorithms_a_key_verifies() {
    let rsa = rsa_key().to_public_jwk();
    let rsa_bare = Jwk::from_public_key(rsa.public_key().clone());
    let es = Jwk::from_public_key(es_key().public_key());
    let cases: [(Jwk, &[Algorithm]); 9] = [
        (rsa_bare.clone(), &[Algorithm::Ps256, Algorithm::Rs256]),
        (rsa_bare.clone().with_alg("PS256"), &[Algorithm::Ps256]),
        (rsa_bare.clone().with_alg("RS256"), &[Algorithm::Rs256]),
        (rsa_bare.clone().with_alg("RS384"), &[]),
        (rsa_bare.clone().with_alg("ES256"), &[]),
        (rsa_bare.clone().with_use("enc"), &[]),
        (es.clone(), &[Algorithm::Es256]),
        (es.clone().with_alg("RS256"), &[]),
        (
            rsa_bare.with_alg("RS256").with_key_ops(vec!["sign".into()]),
            &[],
        ),
    ];
    for (jwk, algs) in cases {
        assert_eq!(jwk.verification_algorithms(), algs.to_vec(), "{jwk:?}");
        assert_eq!(jwk.verification_algorithm(), algs.first().copied());
    }
    // Signing keys follow the same rule.
    let private = rsa_key().to_private_jwk();
    assert_eq!(
        SigningKey::from_jwk(&private.clone().with_alg("RS384")).unwrap_err(),
        JwkError::AlgorithmMismatch("RS384".into())
    );
    let es_private = es_key().to_private_jwk().with_alg("RS256");
    assert_eq!(
        SigningKey::from_jwk(&es_private).unwrap_err(),
        JwkError::AlgorithmMismatch("RS256".into())
    );
    assert!(matches!(
        es_key().with_algorithm(Algorithm::Rs256).unwrap_err(),
        CryptoError::WrongKeyType { .. }
    ));
    assert_eq!(
        rs256_key()
            .with_algorithm(Algorithm::Ps256)
            .unwrap()
            .algorithm(),
        Algorithm::Ps256
    );
    assert_eq!(Algorithm::from_name("RS256"), Ok(Algorithm::Rs256));
    assert_eq!(
        Algorithm::from_name("RS512").unwrap_err().code(),
        "alg_unsupported"
    );
}

// ---------------------------------------------------------------- typ policy

#[test]
fn typ_policy_default_and_options() {
    let key = es_key();
    let token = |typ: Option<&str>| {
        let h = match typ {
            Some(t) => format!(r#"{{"alg":"ES256","kid":"ec-1","typ":"{t}"}}"#),
            None => r#"{"alg":"ES256","kid":"ec-1"}"#.to_owned(),
        };
        forge(&h, SET_PAYLOAD, &key)
    };
    let default = TypPolicy::default();
    let jwt = TypPolicy::default().with_accept_jwt(true);
    let strict = TypPolicy::default().with_require_typ(true);
    // (typ, default, accept_jwt, require_typ)
    let table: [(Option<&str>, bool, bool, bool); 12] = [
        (None, true, true, false),
        (Some("JOSE"), true, true, true),
        (Some("jose"), true, true, true),
        (Some("application/JOSE"), true, true, true),
        (Some("secevent+jwt"), true, true, true),
        (Some("Application/SecEvent+JWT"), true, true, true),
        (Some("JWT"), false, true, false),
        (Some("application/jwt"), false, true, false),
        (Some("at+jwt"), false, false, false),
        (Some("JOSE+JSON"), false, false, false),
        (Some("text/secevent+jwt"), false, false, false),
        (Some("application/"), false, false, false),
    ];
    for (typ, d, j, s) in table {
        assert_eq!(default.accepts(typ), d, "{typ:?} default");
        assert_eq!(jwt.accepts(typ), j, "{typ:?} accept_jwt");
        assert_eq!(strict.accepts(typ), s, "{typ:?} require_typ");
        let t = token(typ);
        for (p, expected) in [(default, d), (jwt, j), (strict, s)] {
            let mut vp = policy();
            vp.typ = p;
            for b in backends() {
                match verify_set(&t, &keyring(b), &vp, now()) {
                    Ok(_) => assert!(expected, "{typ:?} {p:?} accepted"),
                    Err(e) => {
                        assert!(!expected, "{typ:?} {p:?}: {e}");
                        assert_eq!(e.code(), "bad_header");
                        assert_eq!(e.set_err(Vocabulary::Obie), SetErrCode::JwtHdr);
                        assert_eq!(e.set_err(Vocabulary::Rfc8935), SetErrCode::InvalidRequest);
                        let want = match typ {
                            None => HeaderProblem::MissingTyp,
                            Some(t) => HeaderProblem::UnsupportedTyp(t.into()),
                        };
                        assert_eq!(e, crate::set::VerifyError::Jws(JwsError::BadHeader(want)));
                    }
                }
            }
        }
    }
    assert_eq!(policy().typ, TypPolicy::default());
}

#[test]
fn jwt_io_ps256_example_verifies_when_jwt_typ_is_accepted() {
    let jwk = Jwk::from_json(format!(r#"{{"kty":"RSA","n":"{JWTIO_N}","e":"AQAB"}}"#).as_bytes())
        .unwrap();
    let set = JwkSet::new(vec![jwk]).unwrap();
    for b in backends() {
        let ring = Keyring::with_backend(&set, b).unwrap();
        let v = verify_compact(
            JWTIO_PS256_TOKEN,
            &ring,
            ALL,
            TypPolicy::default().with_accept_jwt(true),
            MAX,
        )
        .unwrap();
        assert_eq!(v.header.typ.as_deref(), Some("JWT"));
    }
}
