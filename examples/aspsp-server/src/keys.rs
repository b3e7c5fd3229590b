//! The ASPSP's signing keys, its published JWKS, and SET signing.

use std::path::{Path, PathBuf};

use rand_core::OsRng;
use setpoll_core::claims::SetClaims;
use setpoll_core::jose::{HeaderProfile, Jwk, JwkSet, SigningKey};
use setpoll_core::set::sign_set;
use setpoll_core::Timestamp;

use crate::config::{Config, HeaderProfileName, KeyAlg};

/// Signs SETs with the ASPSP's current key; publishes every configured key.
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    obie: HeaderProfile,
    default_profile: HeaderProfileName,
    jwks: String,
}

/// Where the signing key lives: the first `--signing-key`, else
/// `DATA_DIR/signing-key.json`; `None` when neither was given.
#[must_use]
pub fn signing_key_path(config: &Config) -> Option<PathBuf> {
    config.signing_key.first().cloned().or_else(|| {
        config
            .data_dir
            .as_ref()
            .map(|dir| dir.join("signing-key.json"))
    })
}

fn load(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read(path)
        .map_err(|e| format!("cannot read signing key {}: {e}", path.display()))?;
    let jwk = Jwk::from_json(&text).map_err(|e| format!("signing key {}: {e}", path.display()))?;
    SigningKey::from_jwk(&jwk).map_err(|e| format!("signing key {}: {e}", path.display()))
}

impl Signer {
    /// Load the signing keys. The first (the signer) is generated and
    /// written (mode 0600) when its file does not exist; the others
    /// (earlier keys still published during a rotation) must exist.
    ///
    /// # Errors
    /// When no key location was given, a file is not a private signing JWK,
    /// cannot be read or written, or the header profile values are unusable.
    pub fn load_or_generate(config: &Config) -> Result<Self, String> {
        let Some(path) = signing_key_path(config) else {
            return Err(
                "no signing key: give --signing-key FILE (generated there when missing) \
                        or --data-dir DIR (the key is DIR/signing-key.json)"
                    .into(),
            );
        };
        let key = if path.exists() {
            load(&path)?
        } else {
            let mut rng = OsRng;
            let key = match config.key_alg {
                KeyAlg::Ps256 => SigningKey::generate_ps256(&mut rng, 2048),
                KeyAlg::Es256 => SigningKey::generate_es256(&mut rng),
            }
            .map_err(|e| format!("cannot generate a signing key: {e}"))?;
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)
                    .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
            }
            write_private(&path, &key.to_private_jwk().to_json())?;
            tracing::warn!(
                path = %path.display(),
                "generated a new signing key (private, mode 0600): keep it secret and back it up"
            );
            key
        };
        let mut public = vec![key.to_public_jwk()];
        for other in config.signing_key.iter().skip(1) {
            public.push(load(other)?.to_public_jwk());
        }
        let obie = HeaderProfile::obie(config.org_id.clone(), config.trust_anchor.clone())
            .map_err(|e| format!("header profile: {e}"))?;
        let jwks = JwkSet::new(public)
            .map_err(|e| format!("JWKS: {e}"))?
            .to_json();
        Ok(Signer {
            key,
            obie,
            default_profile: config.header_profile,
            jwks,
        })
    }

    /// The public JWK Set, as served on `GET /jwks`.
    #[must_use]
    pub fn jwks_json(&self) -> &str {
        &self.jwks
    }

    /// Sign `claims` into a compact JWS under `profile` (the server's
    /// `--header-profile` when `None`). Under OBIE, `now` becomes the
    /// `http://openbanking.org.uk/iat` header.
    ///
    /// # Errors
    /// When the core refuses the claims or the key fails.
    pub fn sign(
        &self,
        claims: &SetClaims,
        now: Timestamp,
        profile: Option<HeaderProfileName>,
    ) -> Result<String, String> {
        let rfc8417 = HeaderProfile::rfc8417();
        let profile = match profile.unwrap_or(self.default_profile) {
            HeaderProfileName::Obie => &self.obie,
            HeaderProfileName::Rfc8417 => &rfc8417,
        };
        sign_set(claims, &self.key, profile, now).map_err(|e| e.to_string())
    }
}

fn write_private(path: &Path, text: &str) -> Result<(), String> {
    let fail = |e: std::io::Error| format!("cannot write signing key {}: {e}", path.display());
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path).map_err(fail)?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(fail)?;
    file.sync_all().map_err(fail)
}
