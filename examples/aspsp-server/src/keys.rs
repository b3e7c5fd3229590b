//! The ASPSP's signing key, its published JWKS, and SET signing.

use rand_core::OsRng;
use setpoll_core::claims::SetClaims;
use setpoll_core::jose::{HeaderProfile, Jwk, JwkSet, SigningKey};
use setpoll_core::set::sign_set;
use setpoll_core::Timestamp;

use crate::config::{Config, KeyAlg};

/// Signs SETs with the ASPSP's key under the OBIE header profile.
#[derive(Debug)]
pub struct Signer {
    key: SigningKey,
    profile: HeaderProfile,
    jwks: String,
}

impl Signer {
    /// Load the key file, or generate one and write it (mode 0600) when the
    /// file does not exist.
    ///
    /// # Errors
    /// When the file exists but is not a private signing JWK, or cannot be
    /// written, or the header profile values are unusable.
    pub fn load_or_generate(config: &Config) -> Result<Self, String> {
        let path = &config.signing_key;
        let key = if path.exists() {
            let text = std::fs::read(path)
                .map_err(|e| format!("cannot read signing key {}: {e}", path.display()))?;
            let jwk = Jwk::from_json(&text)
                .map_err(|e| format!("signing key {}: {e}", path.display()))?;
            SigningKey::from_jwk(&jwk)
                .map_err(|e| format!("signing key {}: {e}", path.display()))?
        } else {
            let mut rng = OsRng;
            let key = match config.key_alg {
                KeyAlg::Ps256 => SigningKey::generate_ps256(&mut rng, 2048),
                KeyAlg::Es256 => SigningKey::generate_es256(&mut rng),
            }
            .map_err(|e| format!("cannot generate a signing key: {e}"))?;
            write_private(path, &key.to_private_jwk().to_json())?;
            key
        };
        let profile = HeaderProfile::obie(config.org_id.clone(), config.trust_anchor.clone())
            .map_err(|e| format!("header profile: {e}"))?;
        let jwks = JwkSet::new(vec![key.to_public_jwk()])
            .map_err(|e| format!("JWKS: {e}"))?
            .to_json();
        Ok(Signer { key, profile, jwks })
    }

    /// The public JWK Set, as served on `GET /jwks`.
    #[must_use]
    pub fn jwks_json(&self) -> &str {
        &self.jwks
    }

    /// Sign `claims` into a compact JWS (`now` becomes the
    /// `http://openbanking.org.uk/iat` header).
    ///
    /// # Errors
    /// When the core refuses the claims or the key fails.
    pub fn sign(&self, claims: &SetClaims, now: Timestamp) -> Result<String, String> {
        sign_set(claims, &self.key, &self.profile, now).map_err(|e| e.to_string())
    }
}

fn write_private(path: &std::path::Path, text: &str) -> Result<(), String> {
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
