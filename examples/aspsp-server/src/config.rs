//! Command-line flags and the clients file.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

/// The ASPSP events server: `POST /open-banking/{v3.1,v4.0}/events` over
/// SQLite or PostgreSQL.
#[derive(Debug, Clone, Parser)]
#[command(name = "aspsp-server", version, about)]
pub struct Config {
    /// Address to listen on (`127.0.0.1:0` picks a free port; the chosen
    /// address is printed on stdout as `listening on http://ADDR`).
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: SocketAddr,

    /// A SQLite file path (created if missing), a `sqlite:` URL, or a
    /// `postgres://` URL.
    #[arg(long, default_value = "aspsp.sqlite3")]
    pub database: String,

    /// JSON object mapping bearer token -> client id. This stands in for
    /// the OAuth 2.0 token introspection (and MTLS binding) a real ASPSP
    /// does: see `ClientTable::authenticate`.
    #[arg(long)]
    pub clients: PathBuf,

    /// Bearer token that guards `/admin/*`.
    #[arg(long)]
    pub admin_token: String,

    /// The signing key file (private JWK). Generated on first start when
    /// the file does not exist.
    #[arg(long, default_value = "aspsp-signing-key.json")]
    pub signing_key: PathBuf,

    /// Algorithm of a generated signing key.
    #[arg(long, value_enum, default_value_t = KeyAlg::Ps256)]
    pub key_alg: KeyAlg,

    /// `iss` of every SET (and `http://openbanking.org.uk/iss` in the header).
    #[arg(long, default_value = "https://aspsp.example/")]
    pub issuer: String,

    /// Which success status the v3.1 paths answer: `v3.1.2` answers 201
    /// (the Aggregated Polling v3.1.2 file defines only 201), the others 200.
    #[arg(long, value_enum, default_value_t = Profile::Current)]
    pub profile: Profile,

    /// SETs returned when `maxEvents` is absent.
    #[arg(long, default_value_t = 25)]
    pub default_batch: u32,

    /// Upper bound applied to `maxEvents` (documented to TPPs).
    #[arg(long, default_value_t = 100)]
    pub max_events_cap: u32,

    /// How long a delivered, unacknowledged SET stays invisible before it
    /// is delivered again, in milliseconds.
    #[arg(long, default_value_t = 30_000)]
    pub visibility_timeout_ms: u64,

    /// Deliveries before a SET is dead-lettered.
    #[arg(long, default_value_t = 5)]
    pub max_attempts: u32,

    /// Longest a long poll is held open, in milliseconds (0 disables long polling).
    #[arg(long, default_value_t = 10_000)]
    pub long_poll_wait_ms: u64,

    /// Largest request body accepted, bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body_bytes: usize,

    /// Database connections in the pool.
    #[arg(long, default_value_t = 8)]
    pub db_connections: u32,
}

impl Config {
    /// The long-poll ceiling.
    #[must_use]
    pub fn long_poll_wait(&self) -> Duration {
        Duration::from_millis(self.long_poll_wait_ms)
    }
}

/// Success-status profile of the v3.1 paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// v3.1.11 and v4.0: 200.
    Current,
    /// Aggregated Polling v3.1.2: 201.
    #[value(name = "v3.1.2")]
    V312,
}

/// Algorithm of a generated signing key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum KeyAlg {
    /// RSASSA-PSS SHA-256 (what OBIE mandates).
    Ps256,
    /// ECDSA P-256 SHA-256 (FAPI).
    Es256,
}

/// Bearer token -> client id, loaded from the `--clients` file.
///
/// A real ASPSP replaces this with OAuth 2.0 token introspection (or a
/// JWT access-token check) and binds the token to the TPP's MTLS client
/// certificate (RFC 8705); the handler only needs the resulting client id
/// and its granted scopes.
#[derive(Debug, Clone, Default)]
pub struct ClientTable {
    by_token: HashMap<String, String>,
}

impl ClientTable {
    /// Read and validate the clients file.
    ///
    /// # Errors
    /// When the file cannot be read or is not a JSON object of non-empty strings.
    pub fn load(path: &std::path::Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read clients file {}: {e}", path.display()))?;
        Self::from_json(&text).map_err(|e| format!("clients file {}: {e}", path.display()))
    }

    /// Parse `{"token": "client id", ...}`.
    ///
    /// # Errors
    /// When the text is not such an object.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let map: HashMap<String, String> =
            serde_json::from_str(text).map_err(|e| format!("not a JSON object of strings: {e}"))?;
        if let Some((token, client)) = map
            .iter()
            .find(|(t, c)| t.is_empty() || c.is_empty() || c.len() > 128)
        {
            return Err(format!(
                "empty token or client id (or client id over 128 chars): {token:?} -> {client:?}"
            ));
        }
        Ok(Self { by_token: map })
    }

    /// The client id a bearer token belongs to.
    #[must_use]
    pub fn authenticate(&self, token: &str) -> Option<&str> {
        self.by_token.get(token).map(String::as_str)
    }
}
