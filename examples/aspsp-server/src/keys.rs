//! The ASPSP's signing key and its published JWKS.
//!
//! NOT YET WIRED: waits for the core's JOSE module (`SigningKey`, `JwkSet`).

use serde_json::json;

use crate::config::Config;
use crate::http::App;

/// Signs SETs with the ASPSP's key.
#[derive(Debug)]
pub struct Signer {}

impl Signer {
    /// Load the key file, or generate and write one when it is missing.
    ///
    /// # Errors
    /// When the file exists but cannot be read or parsed, or cannot be written.
    pub fn load_or_generate(config: &Config) -> Result<Self, String> {
        let _ = config;
        Ok(Signer {})
    }
}

/// The public JWK Set.
#[must_use]
pub fn public_jwks(app: &App) -> serde_json::Value {
    let _ = &app.signer;
    json!({ "keys": [] })
}
