//! `sign`: `sign_set` with both algorithms and both header profiles.

use serde_json::{json, Value};
use setpoll_core::claims::SetClaims;
use setpoll_core::crypto::Backend;
use setpoll_core::jose::{Algorithm, HeaderProfile, Jwk, JwkSet, Keyring, SigningKey};
use setpoll_core::set::{sign_set, verify_set, VerifyPolicy};
use setpoll_core::Timestamp;

use super::claims::{example, rfc8417_example};
use super::keys::{private_jwk_json, public_jwk_json, Keys};
use super::verify::{NOW_MS, ORG_ID, TRUST_ANCHOR};
use super::{check_unique_names, error, ok, vector_file};
use crate::GenError;

/// A profile as the vectors describe it.
#[derive(Clone)]
struct Profile {
    kind: &'static str,
    org_id: Option<String>,
    trust_anchor: Option<String>,
}

impl Profile {
    fn obie(org_id: &str, trust_anchor: &str) -> Self {
        Profile {
            kind: "obie",
            org_id: Some(org_id.into()),
            trust_anchor: Some(trust_anchor.into()),
        }
    }

    fn rfc8417() -> Self {
        Profile {
            kind: "rfc8417",
            org_id: None,
            trust_anchor: None,
        }
    }

    fn to_json(&self) -> Value {
        json!({ "kind": self.kind, "orgId": self.org_id, "trustAnchor": self.trust_anchor })
    }
}

struct Input {
    name: String,
    private_jwk: String,
    claims: String,
    profile: Profile,
    now_ms: u64,
}

/// What one backend produced, or the error code.
fn sign_one(input: &Input, backend: Backend) -> Result<String, &'static str> {
    let jwk = Jwk::from_json(input.private_jwk.as_bytes()).map_err(|e| e.code())?;
    let key = SigningKey::from_jwk(&jwk)
        .map_err(|e| e.code())?
        .with_backend(backend)
        .map_err(|e| e.code())?;
    let claims = SetClaims::from_json(input.claims.as_bytes()).map_err(|e| e.code())?;
    let profile = match input.profile.kind {
        "obie" => HeaderProfile::obie(
            input.profile.org_id.clone().unwrap_or_default(),
            input.profile.trust_anchor.clone().unwrap_or_default(),
        )
        .map_err(|e| e.code())?,
        _ => HeaderProfile::rfc8417(),
    };
    sign_set(
        &claims,
        &key,
        &profile,
        Timestamp::from_millis(input.now_ms),
    )
    .map_err(|e| e.code())
}

fn decode_header(token: &str) -> String {
    use base64::Engine as _;
    token
        .split('.')
        .next()
        .and_then(|h| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(h)
                .ok()
        })
        .and_then(|b| String::from_utf8(b).ok())
        .unwrap_or_default()
}

fn signing_input(token: &str) -> &str {
    token.rsplit_once('.').map_or(token, |(input, _)| input)
}

fn inputs(keys: &Keys) -> Result<Vec<Input>, GenError> {
    let ex = example().to_string();
    let rfc_claims = rfc8417_example().to_string();
    let es = private_jwk_json(&keys.es);
    let ps = private_jwk_json(&keys.ps);
    let rs = private_jwk_json(&keys.rs);
    let obie = Profile::obie(ORG_ID, TRUST_ANCHOR);
    let rfc = Profile::rfc8417();
    let case = |name: &str, jwk: &str, claims: &str, profile: &Profile, now_ms: u64| Input {
        name: name.to_owned(),
        private_jwk: jwk.to_owned(),
        claims: claims.to_owned(),
        profile: profile.clone(),
        now_ms,
    };
    let mut every_claim = example();
    if let Value::Object(m) = &mut every_claim {
        m.insert("exp".into(), json!(1_516_242_622));
        m.insert("nbf".into(), json!(1_516_239_022));
        m.insert(
            "sub_id".into(),
            json!({"format": "iss_sub", "iss": "https://examplebank.com/", "sub": "psu-1"}),
        );
        m.insert("x-bank-branch".into(), json!({"code": "0042"}));
    }
    let every_claim = every_claim.to_string();
    let mut no_kid: Value = serde_json::from_str(&es)?;
    if let Value::Object(m) = &mut no_kid {
        m.remove("kid");
        m.remove("alg");
        m.remove("use");
    }
    let mut enc: Value = serde_json::from_str(&es)?;
    if let Value::Object(m) = &mut enc {
        m.insert("use".into(), json!("enc"));
    }
    let mut wrong_alg: Value = serde_json::from_str(&es)?;
    if let Value::Object(m) = &mut wrong_alg {
        m.insert("alg".into(), json!("PS256"));
    }
    let mut ec_rs256: Value = serde_json::from_str(&es)?;
    if let Value::Object(m) = &mut ec_rs256 {
        m.insert("alg".into(), json!("RS256"));
    }
    let mut rsa_rs384: Value = serde_json::from_str(&rs)?;
    if let Value::Object(m) = &mut rsa_rs384 {
        m.insert("alg".into(), json!("RS384"));
    }
    Ok(vec![
        case("ES256, OBIE profile", &es, &ex, &obie, NOW_MS),
        case("PS256, OBIE profile", &ps, &ex, &obie, NOW_MS),
        case("ES256, RFC 8417 profile", &es, &ex, &rfc, NOW_MS),
        case("PS256, RFC 8417 profile", &ps, &ex, &rfc, NOW_MS),
        case("RS256 JWK, OBIE profile", &rs, &ex, &obie, NOW_MS),
        case("RS256 JWK, RFC 8417 profile", &rs, &ex, &rfc, NOW_MS),
        case(
            "ES256, RFC 8417 claims with several audiences",
            &es,
            &rfc_claims,
            &rfc,
            1_458_496_404_000,
        ),
        case(
            "PS256, RFC 8417 claims with several audiences",
            &ps,
            &rfc_claims,
            &rfc,
            1_458_496_404_000,
        ),
        case(
            "OBIE header iat is now in whole seconds",
            &es,
            &ex,
            &obie,
            1_700_000_000_999,
        ),
        case(
            "OBIE org id and trust anchor with non-ASCII and quotes",
            &es,
            &ex,
            &Profile::obie("Bänk \"Ltd\"", "trust.example/ø"),
            NOW_MS,
        ),
        case(
            "JWK without kid signs under its thumbprint",
            &no_kid.to_string(),
            &ex,
            &rfc,
            NOW_MS,
        ),
        case(
            "claims in another member order are signed canonically",
            &es,
            r#"{"toe":1516239022,"txn":"dfc51628-3479-4b81-ad60-210b43d02306","events":{"urn:uk:org:openbanking:events:resource-update":{"subject":{"http://openbanking.org.uk/rlk":[{"link":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007","version":"v3.1"}],"http://openbanking.org.uk/rty":"account-access-consent","http://openbanking.org.uk/rid":"aac-1234-007","subject_type":"http://openbanking.org.uk/rid_http://openbanking.org.uk/rty"}}},"aud":"7umx5nTR33811QyQfi","sub":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007","jti":"b460a07c-4962-43d1-85ee-9dc10fbb8f6c","iat":1516239022,"iss":"https://examplebank.com/"}"#,
            &obie,
            NOW_MS,
        ),
        // ---- failures
        case(
            "OBIE org id empty",
            &es,
            &ex,
            &Profile::obie("", TRUST_ANCHOR),
            NOW_MS,
        ),
        case(
            "OBIE trust anchor with a control character",
            &es,
            &ex,
            &Profile::obie(ORG_ID, "openbanking.org.uk\n"),
            NOW_MS,
        ),
        case(
            "public JWK cannot sign",
            &public_jwk_json(&keys.es),
            &ex,
            &rfc,
            NOW_MS,
        ),
        case(
            "JWK restricted to encryption",
            &enc.to_string(),
            &ex,
            &rfc,
            NOW_MS,
        ),
        case(
            "JWK alg does not match its key type",
            &wrong_alg.to_string(),
            &ex,
            &rfc,
            NOW_MS,
        ),
        case(
            "EC JWK with alg RS256",
            &ec_rs256.to_string(),
            &ex,
            &rfc,
            NOW_MS,
        ),
        case(
            "RSA JWK with an unsupported alg (RS384)",
            &rsa_rs384.to_string(),
            &ex,
            &rfc,
            NOW_MS,
        ),
        case("JWK not JSON", "not a jwk", &ex, &rfc, NOW_MS),
        case(
            "every claim is signed: exp, nbf, sub_id, private claims",
            &es,
            &every_claim,
            &rfc,
            NOW_MS,
        ),
        case(
            "invalid claims are refused before signing",
            &es,
            &ex.replace("\"iat\":1516239022", "\"iat\":-1"),
            &rfc,
            NOW_MS,
        ),
    ])
}

/// Verify `token` with the public key of `jwk_text` on `backend`, under a
/// policy allowing every algorithm (the key's `alg` picks one).
fn verifies(token: &str, jwk_text: &str, backend: Backend, now_ms: u64) -> Result<(), String> {
    let jwk = Jwk::from_json(jwk_text.as_bytes()).map_err(|e| e.to_string())?;
    // A key without kid signs under its RFC 7638 thumbprint.
    let public = jwk.to_public();
    let public = match public.kid() {
        Some(_) => public,
        None => {
            let thumbprint = public.thumbprint();
            public.with_kid(thumbprint)
        }
    };
    let set = JwkSet::new(vec![public]).map_err(|e| e.to_string())?;
    let ring = Keyring::with_backend(&set, backend).map_err(|e| e.to_string())?;
    let mut policy = VerifyPolicy::new("", "");
    policy.issuer = None;
    policy.audience = None;
    policy.algorithms = Algorithm::ALL.to_vec();
    verify_set(token, &ring, &policy, Timestamp::from_millis(now_ms))
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// The `sign` file.
///
/// # Errors
/// When a case cannot be built, or the backends disagree on anything but
/// the randomised signature bytes.
pub fn file(keys: &Keys) -> Result<Value, GenError> {
    let mut cases = Vec::new();
    for input in inputs(keys)? {
        let portable = sign_one(&input, Backend::Portable);
        let again = sign_one(&input, Backend::Portable);
        let native = sign_one(&input, Backend::Native);
        let fail = |what: String| GenError(format!("sign {:?}: {what}", input.name));
        let expect = match (&portable, &native) {
            (Ok(token), Ok(other)) => {
                if again.as_ref() != Ok(token) {
                    return Err(fail("portable signing is not deterministic".into()));
                }
                if signing_input(token) != signing_input(other) {
                    return Err(fail("signing inputs differ between backends".into()));
                }
                // PKCS#1 v1.5 is deterministic on every backend.
                if decode_header(token).starts_with(r#"{"alg":"RS256""#) && token != other {
                    return Err(fail("RS256 signatures differ between backends".into()));
                }
                for (t, b) in [(token, Backend::Native), (other, Backend::Portable)] {
                    verifies(t, &input.private_jwk, b, input.now_ms).map_err(&fail)?;
                }
                ok(json!({
                    "headerJson": decode_header(token),
                    "signingInput": signing_input(token),
                    "token": token,
                }))
            }
            (Err(a), Err(b)) if a == b => error(json!({ "code": a })),
            _ => {
                return Err(fail(format!(
                    "backends disagree: {portable:?} vs {native:?}"
                )))
            }
        };
        cases.push(json!({
            "name": input.name,
            "privateJwkJson": input.private_jwk,
            "claimsJson": input.claims,
            "profile": input.profile.to_json(),
            "now": input.now_ms,
            "expect": expect,
        }));
    }
    check_unique_names("sign", &cases)?;
    Ok(vector_file(
        "sign",
        "SigningKey::from_jwk(Jwk::from_json(privateJwkJson)).with_backend(backend), \
         SetClaims::from_json(claimsJson), HeaderProfile from profile, then \
         sign_set(claims, key, profile, now). Portable backend: the token is \
         byte-identical. Other backends: signingInput is byte-identical and the \
         token verifies with the public key (under a policy allowing the key's \
         algorithm; RS256 tokens are byte-identical on every backend)",
        cases,
    ))
}
