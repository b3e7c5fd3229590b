//! The `setpoll` binary end to end: keygen -> jwks -> sign -> verify for both
//! algorithms and both header profiles, verification failures, inspect, and
//! hostile input (which must give exit 2 and a message, never a panic).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_setpoll");

/// The OBIE documentation example claims (canonical member order).
const CLAIMS: &str = r#"{"iss":"https://examplebank.com/","iat":1516239022,"jti":"b460a07c-4962-43d1-85ee-9dc10fbb8f6c","sub":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007","aud":"7umx5nTR33811QyQfi","events":{"urn:uk:org:openbanking:events:resource-update":{"subject":{"subject_type":"http://openbanking.org.uk/rid_http://openbanking.org.uk/rty","http://openbanking.org.uk/rid":"aac-1234-007","http://openbanking.org.uk/rty":"account-access-consent","http://openbanking.org.uk/rlk":[{"version":"v3.1","link":"https://examplebank.com/api/open-banking/v3.1/aisp/account-access-consents/aac-1234-007"}]}}},"txn":"dfc51628-3479-4b81-ad60-210b43d02306","toe":1516239022}"#;
const ISS: &str = "https://examplebank.com/";
const AUD: &str = "7umx5nTR33811QyQfi";
const NOW: &str = "1516239030";

/// A fresh directory under the system temp dir, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "setpoll-cli-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    fn write(&self, name: &str, contents: &[u8]) -> PathBuf {
        let p = self.0.join(name);
        std::fs::write(&p, contents).unwrap();
        p
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The child may exit before reading stdin (usage errors): ignore EPIPE.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("panicked"),
        "setpoll {args:?} panicked: {stderr}"
    );
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn ok(args: &[&str], stdin: &[u8]) -> String {
    let out = run(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(0),
        "setpoll {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout(&out).trim_end().to_owned()
}

/// Exit 2 with a `setpoll:` message on stderr and nothing on stdout.
fn bad_input(args: &[&str], stdin: &[u8]) -> String {
    let out = run(args, stdin);
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "setpoll {args:?}: {err}");
    assert!(out.stdout.is_empty(), "setpoll {args:?} wrote stdout");
    assert!(!err.trim().is_empty());
    err
}

/// Exit 1 with the setErrs entry on stdout.
fn rejected(args: &[&str], stdin: &[u8]) -> Value {
    let out = run(args, stdin);
    assert_eq!(
        out.status.code(),
        Some(1),
        "setpoll {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let description = v["description"].as_str().unwrap();
    assert!((1..=256).contains(&description.chars().count()));
    v
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

struct Setup {
    dir: TempDir,
    key: PathBuf,
    jwks: PathBuf,
}

fn setup(alg: &str, kid: &str) -> Setup {
    let dir = TempDir::new();
    let private = ok(&["keygen", "--alg", alg, "--kid", kid], b"");
    let jwk: Value = serde_json::from_str(&private).unwrap();
    assert_eq!(jwk["kid"], kid);
    assert_eq!(jwk["alg"], alg);
    assert!(jwk.get("d").is_some(), "keygen prints the private key");
    let key = dir.write("key.json", private.as_bytes());
    let jwks = ok(&["jwks", path(&key)], b"");
    let set: Value = serde_json::from_str(&jwks).unwrap();
    let keys = set["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    assert_eq!(keys[0]["kid"], kid);
    assert!(keys[0].get("d").is_none(), "the JWK Set is public");
    assert!(keys[0].get("p").is_none(), "the JWK Set is public");
    let jwks = dir.write("jwks.json", jwks.as_bytes());
    Setup { dir, key, jwks }
}

fn sign_args<'a>(s: &'a Setup, profile: &'a str) -> Vec<&'a str> {
    let mut args = vec!["sign", "--key", path(&s.key), "--profile", profile];
    if profile == "obie" {
        args.extend(["--org-id", "0015800001041RHAAY"]);
    }
    args.extend(["--now", NOW]);
    args
}

/// `verify` with `extra`; the `iss`/`aud` checks a case leaves out are
/// skipped explicitly (`--no-iss-check`/`--no-aud-check`), as the CLI demands.
fn verify_args<'a>(s: &'a Setup, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["verify", "--jwks", path(&s.jwks), "--now", NOW];
    args.extend_from_slice(extra);
    if !extra.contains(&"--iss") {
        args.push("--no-iss-check");
    }
    if !extra.contains(&"--aud") {
        args.push("--no-aud-check");
    }
    args
}

fn header_of(token: &str) -> Value {
    let out = ok(&["inspect"], token.as_bytes());
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["verified"], false);
    v["header"].clone()
}

#[test]
fn round_trips_for_both_algorithms_and_both_profiles() {
    for (alg, kid) in [("ES256", "es-1"), ("PS256", "ps-1")] {
        let s = setup(alg, kid);
        for profile in ["obie", "rfc8417"] {
            let token = ok(&sign_args(&s, profile), CLAIMS.as_bytes());
            assert_eq!(token.split('.').count(), 3, "{alg} {profile}");
            let header = header_of(&token);
            assert_eq!(header["alg"], alg);
            assert_eq!(header["kid"], kid);
            if profile == "obie" {
                assert_eq!(header["typ"], "JOSE");
                assert_eq!(header["crit"].as_array().unwrap().len(), 3);
                assert_eq!(header["http://openbanking.org.uk/iat"], 1_516_239_030);
                assert_eq!(
                    header["http://openbanking.org.uk/iss"],
                    "0015800001041RHAAY"
                );
                assert_eq!(
                    header["http://openbanking.org.uk/tan"],
                    "openbanking.org.uk"
                );
            } else {
                assert_eq!(header["typ"], "secevent+jwt");
                assert!(header.get("crit").is_none());
            }
            let claims = ok(
                &verify_args(&s, &["--iss", ISS, "--aud", AUD]),
                token.as_bytes(),
            );
            assert_eq!(claims, CLAIMS, "{alg} {profile}");
            // A trailing newline (as from `echo`) is accepted.
            let with_newline = format!("{token}\n");
            let again = ok(&verify_args(&s, &["--aud", AUD]), with_newline.as_bytes());
            assert_eq!(again, CLAIMS);
        }
    }
}

/// `sign` keeps every claim it is given and `verify` prints them all:
/// `exp`, `nbf`, `sub_id` and private claims, value for value; `exp` and
/// `nbf` are enforced.
#[test]
fn every_claim_is_signed_and_printed() {
    let s = setup("ES256", "es-1");
    let claims = CLAIMS.replacen(
        "\"toe\":1516239022}",
        "\"toe\":1516239022,\"exp\":1516242622,\"nbf\":1516239000,\"sub_id\":{\"format\":\"email\",\"email\":\"psu@example.com\"},\"x-bank\":{\"branch\":\"0042\",\"tags\":[1,null]}}",
        1,
    );
    assert_ne!(claims, CLAIMS);
    for profile in ["obie", "rfc8417"] {
        let token = ok(&sign_args(&s, profile), claims.as_bytes());
        let printed = ok(&verify_args(&s, &["--aud", AUD]), token.as_bytes());
        assert_eq!(printed, claims, "{profile}");
        let inspected: Value = serde_json::from_str(&ok(&["inspect"], token.as_bytes())).unwrap();
        assert_eq!(inspected["claims"]["sub_id"]["email"], "psu@example.com");
    }
    let token = ok(&sign_args(&s, "rfc8417"), claims.as_bytes());
    // After exp (plus the default 300 s skew): expired.
    let late = rejected(
        &[
            "verify",
            "--jwks",
            path(&s.jwks),
            "--no-iss-check",
            "--no-aud-check",
            "--now",
            "1516242922",
        ],
        token.as_bytes(),
    );
    assert_eq!(late["err"], "setData", "{late}");
    assert_eq!(late["description"], "token expired at 1516242622");
    // Before nbf (minus the skew): not yet valid; later it verifies.
    let future = claims.replace("\"nbf\":1516239000", "\"nbf\":1516239622");
    let token = ok(&sign_args(&s, "rfc8417"), future.as_bytes());
    let early = rejected(&verify_args(&s, &[]), token.as_bytes());
    assert_eq!(early["err"], "setData", "{early}");
    assert_eq!(early["description"], "token not valid before 1516239622");
    let later = [
        "verify",
        "--jwks",
        path(&s.jwks),
        "--no-iss-check",
        "--no-aud-check",
        "--now",
        "1516239400",
    ];
    assert_eq!(ok(&later, token.as_bytes()), future);
}

#[test]
fn verification_failures_print_the_set_err_and_exit_1() {
    let s = setup("ES256", "es-1");
    let token = ok(&sign_args(&s, "obie"), CLAIMS.as_bytes());

    let v = rejected(
        &verify_args(&s, &["--aud", "another-client"]),
        token.as_bytes(),
    );
    assert_eq!(v["err"], "jwtAud");
    let v = rejected(
        &verify_args(&s, &["--aud", "another-client", "--vocabulary", "rfc8935"]),
        token.as_bytes(),
    );
    assert_eq!(v["err"], "invalid_audience");

    let v = rejected(
        &verify_args(&s, &["--iss", "https://otherbank.example/"]),
        token.as_bytes(),
    );
    assert_eq!(v["err"], "jwtIss");

    // iat far in the future of the verifier's clock.
    let v = rejected(
        &[
            "verify",
            "--jwks",
            path(&s.jwks),
            "--now",
            "1000000000",
            "--no-iss-check",
            "--no-aud-check",
        ],
        token.as_bytes(),
    );
    assert_eq!(v["err"], "setData");

    // Tampered payload: another audience spliced in.
    let parts: Vec<&str> = token.split('.').collect();
    let forged_claims = CLAIMS.replace(AUD, "attacker");
    let forged = format!(
        "{}.{}.{}",
        parts[0],
        b64url(forged_claims.as_bytes()),
        parts[2]
    );
    let v = rejected(&verify_args(&s, &["--aud", "attacker"]), forged.as_bytes());
    assert_eq!(v["err"], "jws");

    // Signed by a key the recipient does not know.
    let other = setup("ES256", "es-other");
    let foreign = ok(&sign_args(&other, "rfc8417"), CLAIMS.as_bytes());
    let v = rejected(&verify_args(&s, &[]), foreign.as_bytes());
    assert_eq!(v["err"], "jws");
    let v = rejected(
        &verify_args(&s, &["--vocabulary", "rfc8935"]),
        foreign.as_bytes(),
    );
    assert_eq!(v["err"], "invalid_key");

    // alg none.
    let none = format!(
        "{}.{}.",
        b64url(br#"{"alg":"none"}"#),
        b64url(CLAIMS.as_bytes())
    );
    let v = rejected(&verify_args(&s, &[]), none.as_bytes());
    assert_eq!(v["err"], "jwtCrypto");

    // Not a JWS at all, including binary garbage: a setErrs answer, not a crash.
    let v = rejected(&verify_args(&s, &[]), b"hello");
    assert_eq!(v["err"], "jwtParse");
}

fn b64url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[test]
fn inspect_decodes_without_verifying() {
    let header = b64url(br#"{"alg":"ES256","kid":"whoever"}"#);
    let token = format!("{header}.{}.{}", b64url(CLAIMS.as_bytes()), b64url(b"sig"));
    let out: Value = serde_json::from_str(&ok(&["inspect"], token.as_bytes())).unwrap();
    assert_eq!(out["verified"], false);
    assert_eq!(out["header"]["kid"], "whoever");
    assert_eq!(out["claims"]["jti"], "b460a07c-4962-43d1-85ee-9dc10fbb8f6c");
    assert_eq!(out["signatureBytes"], 3);

    let err = bad_input(&["inspect"], b"only.two");
    assert!(err.contains("compact JWS"), "{err}");
    let err = bad_input(&["inspect"], format!("{header}.!!!.x").as_bytes());
    assert!(err.contains("payload"), "{err}");
    bad_input(&["inspect"], &[0xff, 0xfe, 0x00, 0x80]);
    bad_input(&["inspect"], b"");
}

#[test]
fn keys_from_pem_files() {
    use p256::pkcs8::{EncodePrivateKey as _, EncodePublicKey as _, LineEnding};
    let dir = TempDir::new();
    let secret = p256::SecretKey::from_slice(&[7u8; 32]).unwrap();
    let private_pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
    let public_pem = secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap();
    let private = dir.write("key.pem", private_pem.as_bytes());
    let public = dir.write("pub.pem", public_pem.as_bytes());

    // Both PEM forms give the same public JWK, under its thumbprint.
    let from_private: Value = serde_json::from_str(&ok(&["jwks", path(&private)], b"")).unwrap();
    let from_public: Value = serde_json::from_str(&ok(&["jwks", path(&public)], b"")).unwrap();
    assert_eq!(from_private, from_public);
    let kid = from_private["keys"][0]["kid"].as_str().unwrap().to_owned();
    assert_eq!(kid.len(), 43, "RFC 7638 thumbprint, base64url SHA-256");

    let jwks = dir.write("jwks.json", from_public.to_string().as_bytes());
    let token = ok(
        &[
            "sign",
            "--key",
            path(&private),
            "--profile",
            "rfc8417",
            "--now",
            NOW,
        ],
        CLAIMS.as_bytes(),
    );
    assert_eq!(header_of(&token)["kid"], kid.as_str());
    let claims = ok(
        &[
            "verify",
            "--jwks",
            path(&jwks),
            "--iss",
            ISS,
            "--aud",
            AUD,
            "--now",
            NOW,
        ],
        token.as_bytes(),
    );
    assert_eq!(claims, CLAIMS);

    // --kid overrides, and the JWK Set of several files holds every key.
    let token = ok(
        &[
            "sign",
            "--key",
            path(&private),
            "--kid",
            "mine",
            "--profile",
            "rfc8417",
            "--now",
            NOW,
        ],
        CLAIMS.as_bytes(),
    );
    assert_eq!(header_of(&token)["kid"], "mine");
    let s = setup("PS256", "ps-1");
    let both: Value =
        serde_json::from_str(&ok(&["jwks", path(&public), path(&s.jwks)], b"")).unwrap();
    assert_eq!(both["keys"].as_array().unwrap().len(), 2);
}

#[test]
fn bad_input_and_usage_exit_2_with_a_message() {
    let s = setup("ES256", "es-1");
    let garbage: Vec<u8> = (0..=255u8).cycle().take(4096).collect();

    // Usage.
    bad_input(&[], b"");
    bad_input(&["frobnicate"], b"");
    bad_input(&["keygen", "--alg", "HS256", "--kid", "k"], b"");
    bad_input(&["keygen", "--alg", "ES256"], b"");
    bad_input(
        &["keygen", "--alg", "PS256", "--kid", "k", "--bits", "1024"],
        b"",
    );
    bad_input(&["jwks"], b"");
    bad_input(
        &["sign", "--key", path(&s.key), "--now", "soon"],
        CLAIMS.as_bytes(),
    );
    let err = bad_input(&["sign", "--key", path(&s.key)], CLAIMS.as_bytes());
    assert!(err.contains("--org-id"), "{err}");
    let err = bad_input(
        &["sign", "--key", path(&s.key), "--org-id", ""],
        CLAIMS.as_bytes(),
    );
    assert!(err.contains("OBIE"), "{err}");
    let help = run(&["--help"], b"");
    assert_eq!(help.status.code(), Some(0));
    assert!(stdout(&help).contains("keygen"));

    // Missing and unusable files.
    let missing = s.dir.0.join("missing.json");
    let err = bad_input(&["jwks", path(&missing)], b"");
    assert!(err.contains("missing.json"), "{err}");
    let err = bad_input(
        &[
            "verify",
            "--jwks",
            path(&missing),
            "--iss",
            ISS,
            "--aud",
            AUD,
        ],
        b"x.y.z",
    );
    assert!(err.contains("missing"), "{err}");
    bad_input(
        &["sign", "--key", path(&missing), "--profile", "rfc8417"],
        CLAIMS.as_bytes(),
    );
    let junk = s.dir.write("junk.bin", &garbage);
    bad_input(&["jwks", path(&junk)], b"");
    let err = bad_input(
        &["verify", "--jwks", path(&junk), "--iss", ISS, "--aud", AUD],
        b"x.y.z",
    );
    assert!(err.contains("junk"), "{err}");
    bad_input(
        &["sign", "--key", path(&junk), "--profile", "rfc8417"],
        CLAIMS.as_bytes(),
    );
    let not_json = s.dir.write("bad.json", b"{\"kty\":");
    bad_input(&["jwks", path(&not_json)], b"");
    let bad_pem = s.dir.write(
        "bad.pem",
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    );
    bad_input(&["jwks", path(&bad_pem)], b"");
    let bad_spki = s.dir.write(
        "bad-pub.pem",
        b"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",
    );
    bad_input(&["jwks", path(&bad_spki)], b"");
    // A JWK Set: unusable keys are skipped with a warning, none usable is an error.
    let set: Value = serde_json::from_str(&std::fs::read_to_string(&s.jwks).unwrap()).unwrap();
    let mut keys = set["keys"].as_array().unwrap().clone();
    keys.push(
        serde_json::json!({"kty": "EC", "crv": "P-384", "kid": "p384", "x": "AA", "y": "AA"}),
    );
    let mixed = s.dir.write(
        "mixed.json",
        serde_json::json!({ "keys": keys }).to_string().as_bytes(),
    );
    let out = run(&["jwks", path(&mixed)], b"");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("p384"));
    let published: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(published["keys"].as_array().unwrap().len(), 1);
    let useless = s.dir.write(
        "useless.json",
        br#"{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}"#,
    );
    let err = bad_input(&["jwks", path(&useless)], b"");
    assert!(err.contains("no usable key"), "{err}");
    // A public key cannot sign.
    let err = bad_input(
        &["sign", "--key", path(&s.jwks), "--profile", "rfc8417"],
        CLAIMS.as_bytes(),
    );
    assert!(err.contains("jwks.json"), "{err}");
    // A directory is not a key file.
    bad_input(&["jwks", path(&s.dir.0)], b"");

    // Bad stdin for sign: binary, not JSON, JSON but not a SET, empty.
    let rfc = ["sign", "--key", path(&s.key), "--profile", "rfc8417"];
    bad_input(&rfc, &garbage);
    bad_input(&rfc, b"not json");
    bad_input(&rfc, b"{\"iss\":\"a\"}");
    bad_input(&rfc, b"");
    let err = bad_input(
        &rfc,
        CLAIMS
            .replace("1516239022,\"jti\"", "\"1516239022\",\"jti\"")
            .as_bytes(),
    );
    assert!(err.contains("iat"), "{err}");

    // Binary stdin for verify is bad input (not UTF-8), not a verdict.
    bad_input(&verify_args(&s, &[]), &garbage);
}

#[test]
fn a_closed_stdout_is_not_a_panic() {
    let header = b64url(br#"{"alg":"ES256","kid":"k"}"#);
    let token = format!("{header}.{}.{}", b64url(CLAIMS.as_bytes()), b64url(b"sig"));
    let mut child = Command::new(BIN)
        .arg("inspect")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Close the read end before the child can write: its write gets EPIPE.
    drop(child.stdout.take());
    child
        .stdin
        .take()
        .unwrap()
        .write_all(token.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn rs256_is_signed_from_its_jwk_and_verified_only_when_allowed() {
    let s = setup("RS256", "rs-1");
    let published: Value =
        serde_json::from_str(&std::fs::read_to_string(&s.jwks).unwrap()).unwrap();
    assert_eq!(published["keys"][0]["alg"], "RS256");
    let checks = ["--iss", ISS, "--aud", AUD];
    for profile in ["obie", "rfc8417"] {
        let token = ok(&sign_args(&s, profile), CLAIMS.as_bytes());
        assert_eq!(header_of(&token)["alg"], "RS256");
        // Refused by default, with the algorithm code in either vocabulary.
        let v = rejected(&verify_args(&s, &checks), token.as_bytes());
        assert_eq!(v["err"], "jwtCrypto");
        let mut rfc = checks.to_vec();
        rfc.extend(["--vocabulary", "rfc8935"]);
        let v = rejected(&verify_args(&s, &rfc), token.as_bytes());
        assert_eq!(v["err"], "invalid_request");
        // Accepted once named, alone or with the defaults (in any order, repeats harmless).
        for algs in [
            &["--alg", "RS256"][..],
            &[
                "--alg", "PS256", "--alg", "RS256", "--alg", "ES256", "--alg", "RS256",
            ],
        ] {
            let mut args = checks.to_vec();
            args.extend_from_slice(algs);
            assert_eq!(ok(&verify_args(&s, &args), token.as_bytes()), CLAIMS);
        }
        // A list without RS256 refuses it.
        let mut es_only = checks.to_vec();
        es_only.extend(["--alg", "ES256"]);
        let v = rejected(&verify_args(&s, &es_only), token.as_bytes());
        assert_eq!(v["err"], "jwtCrypto");
    }
    // The list replaces the default: `--alg RS256` alone refuses PS256 ...
    let ps = setup("PS256", "ps-1");
    let ps_token = ok(&sign_args(&ps, "rfc8417"), CLAIMS.as_bytes());
    let mut rs_only = checks.to_vec();
    rs_only.extend(["--alg", "RS256"]);
    let v = rejected(&verify_args(&ps, &rs_only), ps_token.as_bytes());
    assert_eq!(v["err"], "jwtCrypto");
    // ... and a key published for RS256 never verifies PS256 (nor the reverse).
    let mut both = checks.to_vec();
    both.extend(["--alg", "RS256", "--alg", "PS256"]);
    let v = rejected(&verify_args(&s, &both), ps_token.as_bytes());
    assert_eq!(v["err"], "jws");
    let rs_token = ok(&sign_args(&s, "rfc8417"), CLAIMS.as_bytes());
    let v = rejected(&verify_args(&ps, &both), rs_token.as_bytes());
    assert_eq!(v["err"], "jws");
    bad_input(&verify_args(&s, &["--alg", "RS512"]), rs_token.as_bytes());
    bad_input(&verify_args(&s, &["--alg", "none"]), rs_token.as_bytes());
}

#[test]
fn typ_jwt_is_accepted_only_on_request_and_typ_may_be_required() {
    use p256::ecdsa::signature::Signer as _;
    use p256::pkcs8::{EncodePrivateKey as _, LineEnding};
    let dir = TempDir::new();
    let secret = p256::SecretKey::from_slice(&[9u8; 32]).unwrap();
    let pem = secret.to_pkcs8_pem(LineEnding::LF).unwrap();
    let key = dir.write("key.pem", pem.as_bytes());
    let set = ok(&["jwks", path(&key)], b"");
    let jwks = dir.write("jwks.json", set.as_bytes());
    let kid = serde_json::from_str::<Value>(&set).unwrap()["keys"][0]["kid"]
        .as_str()
        .unwrap()
        .to_owned();
    let signer = p256::ecdsa::SigningKey::from(&secret);
    let token = |typ: Option<&str>| {
        let header = match typ {
            Some(t) => format!(r#"{{"alg":"ES256","kid":"{kid}","typ":"{t}"}}"#),
            None => format!(r#"{{"alg":"ES256","kid":"{kid}"}}"#),
        };
        let input = format!(
            "{}.{}",
            b64url(header.as_bytes()),
            b64url(CLAIMS.as_bytes())
        );
        let sig: p256::ecdsa::Signature = signer.sign(input.as_bytes());
        format!("{input}.{}", b64url(&sig.to_bytes()))
    };
    let verify = |extra: &[&str], t: &str| {
        let mut args = vec![
            "verify",
            "--jwks",
            path(&jwks),
            "--now",
            NOW,
            "--iss",
            ISS,
            "--aud",
            AUD,
        ];
        args.extend_from_slice(extra);
        let out = run(&args, t.as_bytes());
        (out.status.code(), stdout(&out))
    };
    let jwt = token(Some("JWT"));
    let (code, out) = verify(&[], &jwt);
    assert_eq!(code, Some(1));
    assert!(out.contains("jwtHdr"), "{out}");
    assert_eq!(
        verify(&["--accept-typ-jwt"], &jwt),
        (Some(0), format!("{CLAIMS}\n"))
    );
    let app_jwt = token(Some("application/jwt"));
    assert_eq!(verify(&["--accept-typ-jwt"], &app_jwt).0, Some(0));
    let untyped = token(None);
    assert_eq!(verify(&[], &untyped).0, Some(0));
    let (code, out) = verify(&["--require-typ"], &untyped);
    assert_eq!(code, Some(1));
    assert!(out.contains("jwtHdr"), "{out}");
    assert_eq!(
        verify(&["--require-typ"], &token(Some("secevent+jwt"))).0,
        Some(0)
    );
    let (code, _) = verify(&["--accept-typ-jwt"], &token(Some("at+jwt")));
    assert_eq!(code, Some(1));
}

#[test]
fn algorithm_names_are_case_insensitive() {
    for (given, alg) in [("es256", "ES256"), ("Es256", "ES256"), ("ps256", "PS256")] {
        let private = ok(&["keygen", "--alg", given, "--kid", "k"], b"");
        let jwk: Value = serde_json::from_str(&private).unwrap();
        assert_eq!(jwk["alg"], alg, "--alg {given}");
    }
    bad_input(&["keygen", "--alg", "es384", "--kid", "k"], b"");
}

#[test]
fn verify_refuses_to_skip_iss_or_aud_checks_unless_told() {
    let s = setup("ES256", "es-1");
    let token = ok(&sign_args(&s, "obie"), CLAIMS.as_bytes());
    let base = ["verify", "--jwks", path(&s.jwks), "--now", NOW];
    let with = |extra: &[&'static str]| -> Vec<&str> {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        args
    };

    // Neither, or only one of them: exit 2, naming the flag and its opt-out.
    let err = bad_input(&with(&[]), token.as_bytes());
    assert!(
        err.contains("--iss") && err.contains("--no-iss-check"),
        "{err}"
    );
    let err = bad_input(&with(&["--iss", ISS]), token.as_bytes());
    assert!(
        err.contains("--aud") && err.contains("--no-aud-check"),
        "{err}"
    );
    let err = bad_input(&with(&["--aud", AUD]), token.as_bytes());
    assert!(err.contains("--no-iss-check"), "{err}");
    // A value and its opt-out together is a usage error too.
    bad_input(
        &with(&["--iss", ISS, "--no-iss-check", "--aud", AUD]),
        token.as_bytes(),
    );

    // Both given: verified. Explicit opt-outs: verified without those checks.
    assert_eq!(
        ok(&with(&["--iss", ISS, "--aud", AUD]), token.as_bytes()),
        CLAIMS
    );
    let skipped = with(&["--no-iss-check", "--no-aud-check"]);
    assert_eq!(ok(&skipped, token.as_bytes()), CLAIMS);
    // The opt-out skips only its own check.
    let v = rejected(
        &with(&["--no-iss-check", "--aud", "another-client"]),
        token.as_bytes(),
    );
    assert_eq!(v["err"], "jwtAud");
}
