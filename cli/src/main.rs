//! `setpoll`: generate keys, publish JWK Sets, sign, verify and inspect
//! Security Event Tokens from the command line.
//!
//! Exit codes: 0 success; 1 a token failed verification (the `setErrs`
//! entry to send back is printed on stdout); 2 bad usage or unusable input
//! (a message on stderr). The tool never panics on input.

mod conformance;
mod inspect;
mod io;
mod keyfile;

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use serde_json::json;
use setpoll_core::claims::SetClaims;
use setpoll_core::codes::Vocabulary;
use setpoll_core::jose::{Algorithm, HeaderProfile, JwkSet, Keyring, SigningKey, TypPolicy};
use setpoll_core::set::{sign_set, verify_set, VerifyPolicy};
use setpoll_core::Timestamp;

#[derive(Parser)]
#[command(
    name = "setpoll",
    version,
    about = "Security Event Tokens for Open Banking UK aggregated polling (RFC 8417, RFC 8936)",
    after_help = "Exit status: 0 success, 1 verification failed (setErrs entry on stdout), \
                  2 bad usage or input (message on stderr)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Copy, Clone, ValueEnum)]
enum AlgArg {
    #[value(name = "ES256")]
    Es256,
    #[value(name = "PS256")]
    Ps256,
    /// RSASSA-PKCS1-v1_5 (opt-in when verifying: OpenID SSF / CAEP).
    #[value(name = "RS256")]
    Rs256,
}

impl AlgArg {
    fn core(self) -> Algorithm {
        match self {
            AlgArg::Es256 => Algorithm::Es256,
            AlgArg::Ps256 => Algorithm::Ps256,
            AlgArg::Rs256 => Algorithm::Rs256,
        }
    }
}

#[derive(Copy, Clone, ValueEnum)]
enum ProfileArg {
    /// OBIE message signing: typ JOSE, crit with the three OBIE headers.
    Obie,
    /// RFC 8417: typ secevent+jwt.
    Rfc8417,
}

#[derive(Copy, Clone, ValueEnum)]
enum VocabularyArg {
    /// draft-ietf-secevent-http-push codes as OBIE cites them (jws, jwtAud, ...).
    Obie,
    /// RFC 8935 codes (invalid_key, invalid_audience, ...).
    Rfc8935,
}

#[derive(Subcommand)]
enum Command {
    /// Generate a signing key; prints the private JWK on stdout.
    Keygen {
        /// Algorithm of the key.
        #[arg(long, value_enum)]
        alg: AlgArg,
        /// Key id (`kid`) to publish it under.
        #[arg(long)]
        kid: String,
        /// RSA modulus size for PS256 and RS256.
        #[arg(long, default_value_t = 2048)]
        bits: usize,
    },
    /// Print the public JWK Set of key files (JWK, JWK Set, PKCS#8 or SPKI PEM).
    Jwks {
        /// Key files.
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Sign the SET claims JSON read from stdin; prints the compact JWS.
    Sign {
        /// Private key: a private JWK or a PKCS#8 PEM.
        #[arg(long)]
        key: PathBuf,
        /// `kid` to use instead of the key file's.
        #[arg(long)]
        kid: Option<String>,
        /// JWS header profile.
        #[arg(long, value_enum, default_value = "obie")]
        profile: ProfileArg,
        /// OBIE organisation id (`http://openbanking.org.uk/iss`); required for --profile obie.
        #[arg(long)]
        org_id: Option<String>,
        /// OBIE trust anchor (`http://openbanking.org.uk/tan`).
        #[arg(long, default_value = "openbanking.org.uk")]
        trust_anchor: String,
        /// Signing time, Unix seconds (default: the system clock).
        #[arg(long)]
        now: Option<u64>,
    },
    /// Verify the compact JWS read from stdin; prints the claims JSON.
    Verify {
        /// The recipient's JWK Set (or a single public JWK).
        #[arg(long)]
        jwks: PathBuf,
        /// Expected issuer (`iss`).
        #[arg(long)]
        iss: Option<String>,
        /// Expected audience (`aud`): the recipient's client id.
        #[arg(long)]
        aud: Option<String>,
        /// Verification time, Unix seconds (default: the system clock).
        #[arg(long)]
        now: Option<u64>,
        /// Clock skew allowed for iat, exp and nbf, seconds.
        #[arg(long, default_value_t = VerifyPolicy::DEFAULT_MAX_SKEW_SECS)]
        max_skew: u64,
        /// Vocabulary of the `err` code printed on failure.
        #[arg(long, value_enum, default_value = "obie")]
        vocabulary: VocabularyArg,
        /// An algorithm to accept; repeat for several. Given at all, the
        /// list replaces the default (PS256 and ES256): `--alg RS256 --alg
        /// PS256 --alg ES256` adds RS256.
        #[arg(long = "alg", value_enum, value_name = "ALG")]
        algs: Vec<AlgArg>,
        /// Also accept `typ: JWT` in the header (refused by default: SETs
        /// are typed `secevent+jwt` or, under OBIE, `JOSE`).
        #[arg(long)]
        accept_typ_jwt: bool,
        /// Refuse a header without `typ` (accepted by default).
        #[arg(long)]
        require_typ: bool,
    },
    /// Decode the compact JWS on stdin and print header and claims, WITHOUT verifying.
    Inspect,
    /// Test a bank's POST /events (`aspsp`) or a fintech's poller (`tpp`); exit 0 only when every required check passes.
    #[command(subcommand)]
    Conformance(conformance::Mode),
}

/// A failure to report: a message for stderr and the exit code.
#[derive(Debug)]
pub(crate) struct Failure {
    pub(crate) message: String,
    pub(crate) code: u8,
}

impl Failure {
    /// Bad usage or unusable input: exit code 2.
    pub(crate) fn input(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            code: 2,
        }
    }
}

/// A `setpoll: ` message on stderr; a closed stderr is ignored, not a panic.
pub(crate) fn warn(message: &str) {
    let _ = writeln!(std::io::stderr().lock(), "setpoll: {message}");
}

/// What a command prints on stdout, and its exit code.
struct Output {
    stdout: String,
    code: u8,
}

impl Output {
    fn ok(stdout: String) -> Self {
        Output { stdout, code: 0 }
    }
}

fn now_or_clock(now: Option<u64>) -> Result<Timestamp, Failure> {
    if let Some(secs) = now {
        return Ok(Timestamp::from_secs(secs));
    }
    let since = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_err(|_| Failure::input("the system clock is before 1970; pass --now"))?;
    Ok(Timestamp::from_millis(
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX),
    ))
}

fn keygen(alg: AlgArg, kid: String, bits: usize) -> Result<Output, Failure> {
    let mut rng = rand_core::OsRng;
    let key = match alg {
        AlgArg::Es256 => SigningKey::generate_es256(&mut rng),
        AlgArg::Ps256 => SigningKey::generate_ps256(&mut rng, bits),
        AlgArg::Rs256 => SigningKey::generate_ps256(&mut rng, bits)
            .and_then(|k| k.with_algorithm(Algorithm::Rs256)),
    }
    .map_err(|e| Failure::input(format!("cannot generate the key: {e}")))?;
    Ok(Output::ok(key.with_kid(kid).to_private_jwk().to_json()))
}

fn jwks(files: &[PathBuf]) -> Result<Output, Failure> {
    let mut keys = Vec::new();
    for f in files {
        keys.extend(keyfile::public_jwks(f)?);
    }
    let set = JwkSet::new(keys).map_err(|e| Failure::input(format!("cannot make the set: {e}")))?;
    Ok(Output::ok(set.to_json()))
}

fn sign(
    key: &std::path::Path,
    kid: Option<&str>,
    profile: ProfileArg,
    org_id: Option<String>,
    trust_anchor: String,
    now: Option<u64>,
) -> Result<Output, Failure> {
    let profile = match profile {
        ProfileArg::Rfc8417 => HeaderProfile::rfc8417(),
        ProfileArg::Obie => {
            let org_id = org_id.ok_or_else(|| {
                Failure::input("--profile obie needs --org-id (or use --profile rfc8417)")
            })?;
            HeaderProfile::obie(org_id, trust_anchor)
                .map_err(|e| Failure::input(format!("bad OBIE header values: {e}")))?
        }
    };
    let key = keyfile::signing_key(key, kid)?;
    let text = io::read_stdin("the claims")?;
    let claims = SetClaims::from_json(text.as_bytes()).map_err(|e| {
        Failure::input(format!(
            "the claims on stdin are not a valid SET payload ({}): {e}",
            e.code()
        ))
    })?;
    let token = sign_set(&claims, &key, &profile, now_or_clock(now)?)
        .map_err(|e| Failure::input(format!("cannot sign ({}): {e}", e.code())))?;
    Ok(Output::ok(token))
}

/// What `verify` accepts beyond the defaults: `--alg`, `--accept-typ-jwt`,
/// `--require-typ`.
struct Acceptance {
    algs: Vec<AlgArg>,
    typ: TypPolicy,
}

fn verify(
    jwks: &std::path::Path,
    iss: Option<String>,
    aud: Option<String>,
    now: Option<u64>,
    max_skew: u64,
    vocabulary: VocabularyArg,
    accept: Acceptance,
) -> Result<Output, Failure> {
    let keys = keyfile::public_jwks(jwks)?;
    let set = JwkSet::new(keys).map_err(|e| Failure::input(format!("{}: {e}", jwks.display())))?;
    let ring =
        Keyring::new(&set).map_err(|e| Failure::input(format!("{}: {e}", jwks.display())))?;
    if ring.is_empty() {
        return Err(Failure::input(format!(
            "{}: no key usable for verifying signatures",
            jwks.display()
        )));
    }
    let mut policy = VerifyPolicy::new("", "");
    policy.issuer = iss;
    policy.audience = aud;
    policy.max_skew_secs = max_skew;
    if !accept.algs.is_empty() {
        policy.algorithms = Vec::new();
        for a in accept.algs.iter().map(|a| a.core()) {
            if !policy.algorithms.contains(&a) {
                policy.algorithms.push(a);
            }
        }
    }
    policy.typ = accept.typ;
    let now = now_or_clock(now)?;
    let text = io::read_stdin("the token")?;
    match verify_set(text.trim(), &ring, &policy, now) {
        Ok(v) => Ok(Output::ok(v.claims.to_json())),
        Err(e) => {
            let vocabulary = match vocabulary {
                VocabularyArg::Obie => Vocabulary::Obie,
                VocabularyArg::Rfc8935 => Vocabulary::Rfc8935,
            };
            let body = json!({
                "err": e.set_err(vocabulary).as_str(),
                "description": e.description(),
            });
            warn(&format!("verification failed ({}): {e}", e.code()));
            Ok(Output {
                stdout: body.to_string(),
                code: 1,
            })
        }
    }
}

fn run(cli: Cli) -> Result<Output, Failure> {
    match cli.command {
        Command::Keygen { alg, kid, bits } => keygen(alg, kid, bits),
        Command::Jwks { files } => jwks(&files),
        Command::Sign {
            key,
            kid,
            profile,
            org_id,
            trust_anchor,
            now,
        } => sign(&key, kid.as_deref(), profile, org_id, trust_anchor, now),
        Command::Verify {
            jwks,
            iss,
            aud,
            now,
            max_skew,
            vocabulary,
            algs,
            accept_typ_jwt,
            require_typ,
        } => {
            let typ = TypPolicy::default()
                .with_accept_jwt(accept_typ_jwt)
                .with_require_typ(require_typ);
            let accept = Acceptance { algs, typ };
            verify(&jwks, iss, aud, now, max_skew, vocabulary, accept)
        }
        Command::Inspect => inspect::run().map(Output::ok),
        // The scorecard is printed as the checks run; nothing is left for stdout.
        Command::Conformance(mode) => conformance::run(mode).map(|code| Output {
            stdout: String::new(),
            code,
        }),
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(c) => c,
        Err(e) => {
            // clap prints help and version on stdout (exit 0), usage errors on stderr.
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(cli) {
        Ok(out) => {
            // A closed stdout (`setpoll inspect | head -c1`) is not a panic.
            let mut stdout = std::io::stdout().lock();
            let written = if out.stdout.is_empty() {
                Ok(())
            } else {
                writeln!(stdout, "{}", out.stdout)
            };
            match written.and_then(|()| stdout.flush()) {
                Ok(()) => ExitCode::from(out.code),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::from(out.code),
                Err(e) => {
                    warn(&format!("writing stdout: {e}"));
                    ExitCode::from(2)
                }
            }
        }
        Err(f) => {
            warn(&f.message);
            ExitCode::from(f.code)
        }
    }
}
