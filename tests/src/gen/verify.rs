//! `verify`: `verify_set` on valid tokens and on every attack we know of.

use serde_json::{json, Value};
use setpoll_core::claims::SetClaims;
use setpoll_core::codes::Vocabulary;
use setpoll_core::crypto::Backend;
use setpoll_core::jose::{Algorithm, HeaderProfile, Jwk, JwkSet, Keyring, SigningKey, TypPolicy};
use setpoll_core::set::{sign_set, verify_set, VerifyPolicy};
use setpoll_core::Timestamp;

use super::claims::{example, rfc8417_example};
use super::keys::{b64, ecdsa_der, forge, hmac_sha256, public_jwk_json, public_set, Keys};
use super::{check_unique_names, error, ok, vector_file};
use crate::GenError;

/// The issuer of the example claims.
pub const ISS: &str = "https://examplebank.com/";
/// The audience of the example claims.
pub const AUD: &str = "7umx5nTR33811QyQfi";
/// `iat` of the example claims, seconds.
pub const IAT: u64 = 1_516_239_022;
/// The OBIE organisation id used in the OBIE header profile.
pub const ORG_ID: &str = "0015800001041RHAAY";
/// The OBIE trust anchor.
pub const TRUST_ANCHOR: &str = "openbanking.org.uk";

/// "Now" of most cases: 30 seconds after `iat`, in milliseconds (with a
/// sub-second part, to show that the core truncates to seconds).
pub const NOW_MS: u64 = (IAT + 30) * 1000 + 250;

#[derive(Clone)]
struct Policy {
    issuer: Option<String>,
    audience: Option<String>,
    algorithms: Vec<Algorithm>,
    typ: TypPolicy,
    max_skew_secs: u64,
    max_token_bytes: usize,
    max_age_secs: Option<u64>,
}

impl Policy {
    fn standard() -> Self {
        Policy {
            issuer: Some(ISS.into()),
            audience: Some(AUD.into()),
            algorithms: vec![Algorithm::Ps256, Algorithm::Es256],
            typ: TypPolicy::default(),
            max_skew_secs: 300,
            max_token_bytes: 64 * 1024,
            max_age_secs: None,
        }
    }

    fn to_core(&self) -> VerifyPolicy {
        let mut p = VerifyPolicy::new(ISS, AUD);
        p.issuer.clone_from(&self.issuer);
        p.audience.clone_from(&self.audience);
        p.algorithms.clone_from(&self.algorithms);
        p.typ = self.typ;
        p.max_skew_secs = self.max_skew_secs;
        p.max_token_bytes = self.max_token_bytes;
        p.max_age_secs = self.max_age_secs;
        p
    }

    fn to_json(&self) -> Value {
        let mut p = json!({
            "issuer": self.issuer,
            "audience": self.audience,
            "algorithms": self.algorithms.iter().map(|a| a.name()).collect::<Vec<_>>(),
            "maxSkewSecs": self.max_skew_secs,
            "maxTokenBytes": self.max_token_bytes,
            "maxAgeSecs": self.max_age_secs,
        });
        // Only where a case changes it: absent means the default TypPolicy.
        if self.typ != TypPolicy::default() {
            if let Value::Object(m) = &mut p {
                m.insert(
                    "typ".into(),
                    json!({ "acceptJwt": self.typ.accept_jwt, "requireTyp": self.typ.require_typ }),
                );
            }
        }
        p
    }
}

struct Input {
    name: String,
    token: String,
    jwks: String,
    policy: Policy,
    now_ms: u64,
}

/// The OBIE header profile of the vectors.
///
/// # Errors
/// Never in practice (the constants are valid).
pub fn obie_profile() -> Result<HeaderProfile, GenError> {
    HeaderProfile::obie(ORG_ID, TRUST_ANCHOR).map_err(|e| GenError(format!("profile: {e}")))
}

/// Sign claims text with the core.
///
/// # Errors
/// If the claims do not parse or signing fails.
pub fn sign(
    claims_json: &str,
    key: &SigningKey,
    profile: &HeaderProfile,
    now_ms: u64,
) -> Result<String, GenError> {
    let claims = SetClaims::from_json(claims_json.as_bytes())
        .map_err(|e| GenError(format!("claims: {e}")))?;
    sign_set(&claims, key, profile, Timestamp::from_millis(now_ms))
        .map_err(|e| GenError(format!("sign: {e}")))
}

fn edited(base: &Value, edit: impl FnOnce(&mut serde_json::Map<String, Value>)) -> String {
    let mut v = base.clone();
    if let Value::Object(m) = &mut v {
        edit(m);
    }
    v.to_string()
}

/// The payload segment of a token replaced (signature left as it was).
fn swap_payload(token: &str, payload: &str) -> String {
    let parts: Vec<&str> = token.split('.').collect();
    match parts.as_slice() {
        [h, _, s] => format!("{h}.{}.{s}", b64(payload.as_bytes())),
        _ => token.to_owned(),
    }
}

/// The signature segment replaced.
fn swap_signature(token: &str, sig: &[u8]) -> String {
    match token.rsplit_once('.') {
        Some((input, _)) => format!("{input}.{}", b64(sig)),
        None => token.to_owned(),
    }
}

fn signature_of(token: &str) -> Vec<u8> {
    use base64::Engine as _;
    token
        .rsplit_once('.')
        .and_then(|(_, s)| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(s)
                .ok()
        })
        .unwrap_or_default()
}

fn obie_header(alg: &str, kid: &str, extra: &str) -> String {
    format!(
        r#"{{"alg":"{alg}","kid":"{kid}","typ":"JOSE","crit":["http://openbanking.org.uk/iat","http://openbanking.org.uk/iss","http://openbanking.org.uk/tan"],"http://openbanking.org.uk/iat":{IAT},"http://openbanking.org.uk/iss":"{ORG_ID}","http://openbanking.org.uk/tan":"{TRUST_ANCHOR}"{extra}}}"#
    )
}

#[allow(clippy::too_many_lines)]
fn inputs(keys: &Keys) -> Result<Vec<Input>, GenError> {
    let jwks = keys.jwks()?;
    let obie = obie_profile()?;
    let rfc = HeaderProfile::rfc8417();
    let ex = example();
    let ex_text = ex.to_string();
    let std = Policy::standard();
    let mut v = Vec::new();
    let mut push = |name: &str, token: String, jwks: &str, policy: &Policy, now_ms: u64| {
        v.push(Input {
            name: name.to_owned(),
            token,
            jwks: jwks.to_owned(),
            policy: policy.clone(),
            now_ms,
        });
    };

    // ---- valid tokens, both algorithms, both header profiles
    let es_obie = sign(&ex_text, &keys.es, &obie, NOW_MS)?;
    let ps_obie = sign(&ex_text, &keys.ps, &obie, NOW_MS)?;
    let es_rfc = sign(&ex_text, &keys.es, &rfc, NOW_MS)?;
    let ps_rfc = sign(&ex_text, &keys.ps, &rfc, NOW_MS)?;
    push("ES256, OBIE header", es_obie.clone(), &jwks, &std, NOW_MS);
    push("PS256, OBIE header", ps_obie.clone(), &jwks, &std, NOW_MS);
    push(
        "ES256, RFC 8417 header",
        es_rfc.clone(),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "PS256, RFC 8417 header",
        ps_rfc.clone(),
        &jwks,
        &std,
        NOW_MS,
    );
    let no_typ = match &obie {
        HeaderProfile::Obie(p) => HeaderProfile::Obie(p.clone().without_typ()),
        other => other.clone(),
    };
    push(
        "ES256, OBIE header without typ",
        sign(&ex_text, &keys.es, &no_typ, NOW_MS)?,
        &jwks,
        &std,
        NOW_MS,
    );
    let rfc_claims = rfc8417_example();
    let rfc_policy = Policy {
        issuer: Some("https://idp.example.com/".into()),
        audience: Some("https://scim.example.com/Feeds/5d7604516b1d08641d7676ee7".into()),
        ..std.clone()
    };
    let rfc_token = sign(&rfc_claims.to_string(), &keys.es, &rfc, 1_458_496_404_000)?;
    push(
        "RFC 8417 claims, audience found in the aud array",
        rfc_token.clone(),
        &jwks,
        &rfc_policy,
        1_458_496_404_000,
    );
    let open = Policy {
        issuer: None,
        audience: None,
        ..std.clone()
    };
    push(
        "issuer and audience checks off",
        sign(
            &edited(&ex, |m| {
                m.insert("iss".into(), json!("https://other.example/"));
                m.insert("aud".into(), json!("someone-else"));
            }),
            &keys.es,
            &obie,
            NOW_MS,
        )?,
        &jwks,
        &open,
        NOW_MS,
    );
    push(
        "JWK Set with a rotated key",
        sign(&ex_text, &keys.es_next, &obie, NOW_MS)?,
        &public_set(&[&keys.es, &keys.ps, &keys.es_next])?,
        &std,
        NOW_MS,
    );
    let header_no_kid = r#"{"alg":"ES256","typ":"secevent+jwt"}"#;
    let header_untyped = r#"{"alg":"ES256","kid":"es256-2026"}"#;
    push(
        "no kid, exactly one key for the algorithm",
        forge(header_no_kid, ex_text.as_bytes(), &keys.es)?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "unknown non-critical header members are ignored",
        forge(
            &obie_header("ES256", "es256-2026", r#","x-trace":{"id":1}"#),
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "typ compared case-insensitively",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","typ":"SecEvent+JWT"}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "b64 true listed in crit",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","b64":true,"crit":["b64"]}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );

    // ---- time
    let skew_edge_ms = (IAT - 300) * 1000;
    push(
        "iat exactly at now plus the skew",
        es_obie.clone(),
        &jwks,
        &std,
        skew_edge_ms,
    );
    push(
        "iat one second beyond the skew",
        es_obie.clone(),
        &jwks,
        &std,
        skew_edge_ms - 1000,
    );
    push(
        "iat in the future, no skew allowed",
        es_obie.clone(),
        &jwks,
        &Policy {
            max_skew_secs: 0,
            ..std.clone()
        },
        (IAT - 1) * 1000,
    );
    push(
        "old SET accepted without a maximum age",
        es_obie.clone(),
        &jwks,
        &std,
        (IAT + 10 * 365 * 86_400) * 1000,
    );
    push(
        "SET older than maxAgeSecs",
        es_obie.clone(),
        &jwks,
        &Policy {
            max_age_secs: Some(3600),
            ..std.clone()
        },
        (IAT + 3600 + 300 + 1) * 1000,
    );
    push(
        "SET within maxAgeSecs",
        es_obie.clone(),
        &jwks,
        &Policy {
            max_age_secs: Some(3600),
            ..std.clone()
        },
        (IAT + 3600) * 1000,
    );
    let with_exp = |exp: Value| {
        edited(&ex, |m| {
            m.insert("exp".into(), exp);
        })
    };
    push(
        "exp passed",
        forge(
            &obie_header("ES256", "es256-2026", ""),
            with_exp(json!(IAT + 10)).as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &Policy {
            max_skew_secs: 0,
            ..std.clone()
        },
        NOW_MS,
    );
    // `exp` and `nbf` with the default skew (300 s): `exp` is accepted until
    // now >= exp + skew, `nbf` from nbf - skew on.
    for (name, claim, value) in [
        ("exp passed, within the skew", "exp", json!(IAT + 10)),
        (
            "exp passed, at the edge of the skew",
            "exp",
            json!(IAT + 30 - 300),
        ),
        (
            "exp passed, one second inside the skew",
            "exp",
            json!(IAT + 30 - 299),
        ),
        ("exp in the future", "exp", json!(IAT + 3600)),
        ("exp as a string", "exp", json!("later")),
        ("nbf in the future", "nbf", json!(IAT + 3600)),
        (
            "nbf one second beyond the skew",
            "nbf",
            json!(IAT + 30 + 301),
        ),
        ("nbf passed", "nbf", json!(IAT)),
        ("nbf within the skew", "nbf", json!(IAT + 300)),
    ] {
        let payload = edited(&ex, |m| {
            m.insert(claim.into(), value);
        });
        push(
            name,
            forge(
                &obie_header("ES256", "es256-2026", ""),
                payload.as_bytes(),
                &keys.es,
            )?,
            &jwks,
            &std,
            NOW_MS,
        );
    }
    push(
        "every claim survives verification: exp, nbf, sub_id, private claims",
        forge(
            &obie_header("PS256", "ps256-2026", ""),
            edited(&ex, |m| {
                m.insert("exp".into(), json!(IAT + 3600));
                m.insert("nbf".into(), json!(IAT - 60));
                m.insert(
                    "sub_id".into(),
                    json!({"format": "opaque", "id": "aac-1234-007"}),
                );
                m.insert(
                    "https://bank.example/claims/channel".into(),
                    json!({"app": true}),
                );
            })
            .as_bytes(),
            &keys.ps,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "invalid sub_id is a claims error",
        forge(
            &obie_header("ES256", "es256-2026", ""),
            edited(&ex, |m| {
                m.insert("sub_id".into(), json!({"format": "email"}));
            })
            .as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );

    // ---- claims
    push(
        "wrong issuer",
        es_obie.clone(),
        &jwks,
        &Policy {
            issuer: Some("https://otherbank.example/".into()),
            ..std.clone()
        },
        NOW_MS,
    );
    push(
        "wrong audience",
        es_obie.clone(),
        &jwks,
        &Policy {
            audience: Some("another-client".into()),
            ..std.clone()
        },
        NOW_MS,
    );
    push(
        "audience not in the aud array",
        rfc_token,
        &jwks,
        &Policy {
            audience: Some("https://scim.example.com/Feeds/other".into()),
            ..rfc_policy.clone()
        },
        1_458_496_404_000,
    );
    push(
        "signed claims with iat as a string",
        forge(
            &obie_header("ES256", "es256-2026", ""),
            edited(&ex, |m| {
                m.insert("iat".into(), json!("1516239022"));
            })
            .as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "signed claims without events",
        forge(
            &obie_header("ES256", "es256-2026", ""),
            edited(&ex, |m| {
                m.remove("events");
            })
            .as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "signed payload that is not JSON",
        forge(
            &obie_header("ES256", "es256-2026", ""),
            b"not json",
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "signed payload that is not UTF-8",
        forge(
            &obie_header("ES256", "es256-2026", ""),
            b"{\"iss\":\"\xff\"}",
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );

    // ---- algorithm attacks
    let payload64 = b64(ex_text.as_bytes());
    let none_header = b64(br#"{"alg":"none","typ":"JOSE"}"#);
    push(
        "alg none with an empty signature",
        format!("{none_header}.{payload64}."),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "alg none with a signature copied from a valid token",
        format!("{none_header}.{payload64}.{}", b64(&signature_of(&es_obie))),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "alg None (capitalised)",
        format!(
            "{}.{payload64}.{}",
            b64(br#"{"alg":"None"}"#),
            b64(&signature_of(&es_obie))
        ),
        &jwks,
        &std,
        NOW_MS,
    );
    // HS256 keyed with the verifier's public key (the classic confusion).
    for (name, secret) in [
        (
            "HS256 keyed with the public EC JWK",
            public_jwk_json(&keys.es),
        ),
        (
            "HS256 keyed with the public RSA JWK",
            public_jwk_json(&keys.ps),
        ),
    ] {
        let kid = if name.contains("RSA") {
            "ps256-2026"
        } else {
            "es256-2026"
        };
        let input = format!(
            "{}.{payload64}",
            b64(format!(r#"{{"alg":"HS256","kid":"{kid}"}}"#).as_bytes())
        );
        let mac = hmac_sha256(secret.as_bytes(), input.as_bytes());
        push(name, format!("{input}.{}", b64(&mac)), &jwks, &std, NOW_MS);
    }
    push(
        "RS256 (PKCS#1 v1.5) is not allowed",
        forge(
            r#"{"alg":"RS256","kid":"ps256-2026"}"#,
            ex_text.as_bytes(),
            &keys.ps,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    // ---- RS256: opt-in (OpenID SSF / CAEP), refused by default
    let with_rs = Policy {
        algorithms: vec![Algorithm::Ps256, Algorithm::Es256, Algorithm::Rs256],
        ..std.clone()
    };
    let rs_jwks = public_set(&[&keys.es, &keys.ps, &keys.rs])?;
    let rs_rfc = sign(&ex_text, &keys.rs, &rfc, NOW_MS)?;
    push(
        "RS256, RFC 8417 header, allowed by the policy",
        rs_rfc.clone(),
        &rs_jwks,
        &with_rs,
        NOW_MS,
    );
    push(
        "RS256, OBIE header, allowed by the policy",
        sign(&ex_text, &keys.rs, &obie, NOW_MS)?,
        &rs_jwks,
        &with_rs,
        NOW_MS,
    );
    push(
        "RS256 refused by the default policy",
        rs_rfc.clone(),
        &rs_jwks,
        &std,
        NOW_MS,
    );
    push(
        "RS256 as the only algorithm allowed",
        rs_rfc.clone(),
        &rs_jwks,
        &Policy {
            algorithms: vec![Algorithm::Rs256],
            ..std.clone()
        },
        NOW_MS,
    );
    push(
        "PS256 refused when the policy allows only RS256",
        ps_rfc.clone(),
        &rs_jwks,
        &Policy {
            algorithms: vec![Algorithm::Rs256],
            ..std.clone()
        },
        NOW_MS,
    );
    // The RSA key published without alg: usable for what the policy allows.
    let bare_rsa = JwkSet::new(vec![
        Jwk::from_public_key(keys.rs.public_key()).with_kid(keys.rs.kid())
    ])
    .map_err(|e| GenError(format!("jwks: {e}")))?
    .to_json();
    push(
        "RS256, RSA key without alg, allowed by the policy",
        rs_rfc.clone(),
        &bare_rsa,
        &with_rs,
        NOW_MS,
    );
    push(
        "RS256, RSA key without alg, default policy",
        rs_rfc.clone(),
        &bare_rsa,
        &std,
        NOW_MS,
    );
    push(
        "RS256 header naming the key published for PS256",
        forge(
            r#"{"alg":"RS256","kid":"ps256-2026","typ":"secevent+jwt"}"#,
            ex_text.as_bytes(),
            &keys.rs,
        )?,
        &rs_jwks,
        &with_rs,
        NOW_MS,
    );
    push(
        "PS256 header naming the key published for RS256",
        forge(
            r#"{"alg":"PS256","kid":"rs256-2026","typ":"secevent+jwt"}"#,
            ex_text.as_bytes(),
            &keys.ps,
        )?,
        &rs_jwks,
        &with_rs,
        NOW_MS,
    );
    push(
        "RS256 header over a PSS signature",
        forge(
            r#"{"alg":"RS256","kid":"rs256-2026","typ":"secevent+jwt"}"#,
            ex_text.as_bytes(),
            &keys.ps,
        )?,
        &rs_jwks,
        &with_rs,
        NOW_MS,
    );
    push(
        "alg in lower case",
        forge(
            r#"{"alg":"es256","kid":"es256-2026"}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "PS256 token when the policy allows only ES256",
        ps_obie.clone(),
        &jwks,
        &Policy {
            algorithms: vec![Algorithm::Es256],
            ..std.clone()
        },
        NOW_MS,
    );
    push(
        "ES256 header naming the RSA key",
        forge(
            &obie_header("ES256", "ps256-2026", ""),
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "PS256 header naming the EC key",
        forge(
            &obie_header("PS256", "es256-2026", ""),
            ex_text.as_bytes(),
            &keys.ps,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "alg missing",
        forge(r#"{"kid":"es256-2026"}"#, ex_text.as_bytes(), &keys.es)?,
        &jwks,
        &std,
        NOW_MS,
    );

    // ---- header attacks
    push(
        "unknown critical header",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","crit":["urn:example:must-understand"],"urn:example:must-understand":true}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "crit lists an absent header",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","crit":["http://openbanking.org.uk/iat"]}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "crit lists a registered name",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","crit":["alg"]}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "crit empty",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","crit":[]}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "crit not an array",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","crit":"b64"}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "b64 false (unencoded payload)",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","b64":false,"crit":["b64"]}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "typ JWT",
        forge(
            r#"{"alg":"ES256","kid":"es256-2026","typ":"JWT"}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    // ---- typ policy (TypPolicy): default, accept_jwt, require_typ
    let typed = |typ: &str| {
        forge(
            &format!(r#"{{"alg":"ES256","kid":"es256-2026","typ":"{typ}"}}"#),
            ex_text.as_bytes(),
            &keys.es,
        )
    };
    let accept_jwt = Policy {
        typ: TypPolicy::default().with_accept_jwt(true),
        ..std.clone()
    };
    let require_typ = Policy {
        typ: TypPolicy::default().with_require_typ(true),
        ..std.clone()
    };
    push(
        "typ JWT accepted when the policy accepts JWT",
        typed("JWT")?,
        &jwks,
        &accept_jwt,
        NOW_MS,
    );
    push(
        "typ application/jwt accepted when the policy accepts JWT",
        typed("application/jwt")?,
        &jwks,
        &accept_jwt,
        NOW_MS,
    );
    push(
        "typ at+jwt refused even when the policy accepts JWT",
        typed("at+jwt")?,
        &jwks,
        &accept_jwt,
        NOW_MS,
    );
    push(
        "typ application/JOSE (media type prefix)",
        typed("application/JOSE")?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "no typ refused when the policy requires typ",
        forge(header_untyped, ex_text.as_bytes(), &keys.es)?,
        &jwks,
        &require_typ,
        NOW_MS,
    );
    push(
        "no typ accepted by the default policy",
        forge(header_untyped, ex_text.as_bytes(), &keys.es)?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "typ JOSE accepted when the policy requires typ",
        es_obie.clone(),
        &jwks,
        &require_typ,
        NOW_MS,
    );
    push(
        "duplicate alg in the header",
        forge(
            r#"{"alg":"none","kid":"es256-2026","alg":"ES256"}"#,
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "header not JSON",
        forge("alg=ES256", ex_text.as_bytes(), &keys.es)?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "header a JSON array",
        forge(r#"["ES256"]"#, ex_text.as_bytes(), &keys.es)?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "kid empty",
        forge(r#"{"alg":"ES256","kid":""}"#, ex_text.as_bytes(), &keys.es)?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "OBIE iat header not a number",
        forge(
            &obie_header("ES256", "es256-2026", "")
                .replace(&format!(":{IAT},"), &format!(":\"{IAT}\",")),
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "oversized header",
        forge(
            &format!(
                r#"{{"alg":"ES256","kid":"es256-2026","pad":"{}"}}"#,
                "x".repeat(5000)
            ),
            ex_text.as_bytes(),
            &keys.es,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );

    // ---- key selection
    push(
        "unknown kid",
        sign(&ex_text, &keys.rogue, &obie, NOW_MS)?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "attacker key embedded as jwk, unknown kid",
        forge(
            &format!(
                r#"{{"alg":"ES256","kid":"es256-rogue","jwk":{}}}"#,
                public_jwk_json(&keys.rogue)
            ),
            ex_text.as_bytes(),
            &keys.rogue,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "attacker key embedded as jwk, published kid",
        forge(
            &format!(
                r#"{{"alg":"ES256","kid":"es256-2026","jwk":{}}}"#,
                public_jwk_json(&keys.rogue)
            ),
            ex_text.as_bytes(),
            &keys.rogue,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "jku pointing elsewhere is never fetched",
        forge(
            r#"{"alg":"ES256","kid":"es256-rogue","jku":"https://attacker.example/jwks.json"}"#,
            ex_text.as_bytes(),
            &keys.rogue,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "signed by another key under a published kid",
        forge(
            &obie_header("ES256", "es256-2026", ""),
            ex_text.as_bytes(),
            &keys.rogue,
        )?,
        &jwks,
        &std,
        NOW_MS,
    );
    let two_es = public_set(&[&keys.es, &keys.es_next])?;
    push(
        "no kid, two keys for the algorithm",
        forge(header_no_kid, ex_text.as_bytes(), &keys.es)?,
        &two_es,
        &std,
        NOW_MS,
    );
    let mut enc_key: Value = serde_json::from_str(&public_jwk_json(&keys.es))?;
    if let Value::Object(m) = &mut enc_key {
        m.insert("use".into(), json!("enc"));
    }
    let enc_only = json!({ "keys": [enc_key] }).to_string();
    push(
        "empty JWK Set",
        es_obie.clone(),
        r#"{"keys":[]}"#,
        &std,
        NOW_MS,
    );
    push(
        "JWK Set key restricted to encryption",
        es_obie.clone(),
        &enc_only,
        &std,
        NOW_MS,
    );

    // ---- tampering
    let tampered_claims = edited(&ex, |m| {
        m.insert("aud".into(), json!("attacker-client"));
    });
    push(
        "tampered payload",
        swap_payload(&es_obie, &tampered_claims),
        &jwks,
        &Policy {
            audience: Some("attacker-client".into()),
            ..std.clone()
        },
        NOW_MS,
    );
    push(
        "tampered payload, PS256",
        swap_payload(&ps_obie, &tampered_claims),
        &jwks,
        &Policy {
            audience: Some("attacker-client".into()),
            ..std.clone()
        },
        NOW_MS,
    );
    let mut flipped = signature_of(&es_obie);
    if let Some(b) = flipped.get_mut(10) {
        *b ^= 0x01;
    }
    push(
        "tampered signature",
        swap_signature(&es_obie, &flipped),
        &jwks,
        &std,
        NOW_MS,
    );
    let mut ps_flipped = signature_of(&ps_obie);
    if let Some(b) = ps_flipped.last_mut() {
        *b ^= 0x80;
    }
    push(
        "tampered signature, PS256",
        swap_signature(&ps_obie, &ps_flipped),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "ECDSA signature in DER instead of r||s",
        swap_signature(&es_obie, &ecdsa_der(&signature_of(&es_obie))),
        &jwks,
        &std,
        NOW_MS,
    );
    let sig = signature_of(&es_obie);
    push(
        "ECDSA signature truncated",
        swap_signature(&es_obie, sig.get(..63).unwrap_or_default()),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "ECDSA signature all zero",
        swap_signature(&es_obie, &[0u8; 64]),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "signature of another token",
        swap_signature(&es_obie, &signature_of(&es_rfc)),
        &jwks,
        &std,
        NOW_MS,
    );

    // ---- structure and size
    let parts: Vec<&str> = es_obie.split('.').collect();
    let (h, p) = match parts.as_slice() {
        [h, p, _] => (*h, *p),
        _ => ("", ""),
    };
    push("empty token", String::new(), &jwks, &std, NOW_MS);
    push("two parts", format!("{h}.{p}"), &jwks, &std, NOW_MS);
    push(
        "four parts",
        format!("{es_obie}.{}", b64(b"x")),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "JWE-like five parts",
        format!("{h}..{p}..{}", b64(b"tag")),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "empty header part",
        es_obie.get(h.len()..).unwrap_or_default().to_owned(),
        &jwks,
        &std,
        NOW_MS,
    );
    push("padded base64", format!("{es_obie}=="), &jwks, &std, NOW_MS);
    push(
        "standard base64 alphabet in the payload",
        format!("{h}.{}+/.{}", p, b64(&sig)),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "whitespace around the token",
        format!(" {es_obie}\n"),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "JSON serialization instead of compact",
        json!({ "protected": h, "payload": p, "signature": b64(&sig) }).to_string(),
        &jwks,
        &std,
        NOW_MS,
    );
    push(
        "token larger than maxTokenBytes",
        es_obie.clone(),
        &jwks,
        &Policy {
            max_token_bytes: 256,
            ..std.clone()
        },
        NOW_MS,
    );
    push(
        "token exactly maxTokenBytes",
        es_obie.clone(),
        &jwks,
        &Policy {
            max_token_bytes: es_obie.len(),
            ..std.clone()
        },
        NOW_MS,
    );
    Ok(v)
}

fn verify_one(input: &Input, backend: Backend) -> Result<Value, GenError> {
    let set = JwkSet::from_json(input.jwks.as_bytes())
        .map_err(|e| GenError(format!("{}: jwks: {e}", input.name)))?;
    let keyring = Keyring::with_backend(&set, backend)
        .map_err(|e| GenError(format!("{}: keyring: {e}", input.name)))?;
    Ok(
        match verify_set(
            &input.token,
            &keyring,
            &input.policy.to_core(),
            Timestamp::from_millis(input.now_ms),
        ) {
            Ok(v) => ok(json!({
                "claimsJson": v.claims.to_json(),
                "alg": v.alg.name(),
                "kid": v.kid,
            })),
            Err(e) => error(json!({
                "code": e.code(),
                "setErrObie": e.set_err(Vocabulary::Obie).as_str(),
                "setErrRfc8935": e.set_err(Vocabulary::Rfc8935).as_str(),
                "description": e.description(),
            })),
        },
    )
}

/// The `verify` file.
///
/// # Errors
/// When a key cannot be made, a case cannot be built, or the two backends
/// disagree (a bug in the core).
pub fn file(keys: &Keys) -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for input in inputs(keys)? {
        let expect = verify_one(&input, Backend::Portable)?;
        let native = verify_one(&input, Backend::Native)?;
        if native != expect {
            return Err(GenError(format!(
                "verify {:?}: backends disagree: portable {expect}, native {native}",
                input.name
            )));
        }
        cases.push(json!({
            "name": input.name,
            "token": input.token,
            "jwksJson": input.jwks,
            "policy": input.policy.to_json(),
            "now": input.now_ms,
            "expect": expect,
        }));
    }
    check_unique_names("verify", &cases)?;
    Ok(vector_file(
        "verify",
        "verify_set(token, Keyring::with_backend(JwkSet::from_json(jwksJson), backend), \
         policy, now) on every backend; the result must not depend on the backend",
        cases,
    ))
}
