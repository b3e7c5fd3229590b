//! Command-line flags and the clients file.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use setpoll_core::transmitter::{
    Profile as TxProfile, SetErrPolicy, Transmitter, TransmitterConfig,
};

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

    /// Path of the clients file: a JSON object mapping each bearer token to
    /// a client id (`{"token": "client-id"}`), or to
    /// `{"clientId": "...", "headerProfile": "rfc8417"}` to sign that
    /// client's SETs with another header profile. Without this flag the
    /// same JSON is read from the `ASPSP_CLIENTS` environment variable.
    /// This stands in for the OAuth 2.0 token introspection (and MTLS
    /// binding) a real ASPSP does: see `ClientTable::authenticate`.
    #[arg(long, value_name = "FILE")]
    pub clients: Option<PathBuf>,

    /// File holding the bearer token that guards `/admin/*` (surrounding
    /// whitespace ignored). Else the `ASPSP_ADMIN_TOKEN` environment
    /// variable, else `--admin-token`.
    #[arg(long, value_name = "FILE")]
    pub admin_token_file: Option<PathBuf>,

    /// The admin token itself, for demos only: arguments are visible to
    /// every local user (`ps`), so the server warns when it is used.
    #[arg(long, value_name = "TOKEN")]
    pub admin_token: Option<String>,

    /// A signing key file (private JWK), repeatable for key rotation: the
    /// first signs, every one is published in `GET /jwks`. Only the first
    /// may be missing, and is then generated there (mode 0600).
    #[arg(long, value_name = "FILE")]
    pub signing_key: Vec<PathBuf>,

    /// Directory for what the server generates when not told where: with no
    /// `--signing-key`, the key is `DIR/signing-key.json` (created mode
    /// 0600 when missing). Without `--signing-key` or `--data-dir` the
    /// server refuses to start rather than write a private key somewhere
    /// nobody chose.
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,

    /// JOSE header profile of the SETs signed: `obie` (`typ: JOSE` and the
    /// critical `http://openbanking.org.uk/{iat,iss,tan}` headers) or
    /// `rfc8417` (`typ: secevent+jwt`, no `crit`, as RFC 8417 / OpenID SSF
    /// receivers require). A client's entry in the clients file may override it.
    #[arg(long, value_enum, default_value_t = HeaderProfileName::Obie)]
    pub header_profile: HeaderProfileName,

    /// Algorithm of a generated signing key.
    #[arg(long, value_enum, default_value_t = KeyAlg::Ps256)]
    pub key_alg: KeyAlg,

    /// `iss` of every SET.
    #[arg(long, default_value = "https://aspsp.example/")]
    pub issuer: String,

    /// The signer's organisation id (`http://openbanking.org.uk/iss` in the
    /// JOSE header).
    #[arg(long, default_value = "0015800001041REAAY")]
    pub org_id: String,

    /// The trust anchor (`http://openbanking.org.uk/tan` in the JOSE header).
    #[arg(long, default_value = "openbanking.org.uk")]
    pub trust_anchor: String,

    /// Which success status the v3.1 paths answer: `v3.1.2` answers 201
    /// (the Aggregated Polling v3.1.2 file defines only 201), `v3.1.11` 200.
    /// The v4.0 paths always answer 200.
    #[arg(long, value_enum, default_value_t = Profile::V3111)]
    pub profile: Profile,

    /// Where OBIE and RFC 8936 differ (long polls that carry acks, unknown
    /// request members): `obie` or `rfc8936`.
    #[arg(long, value_enum, default_value_t = Rules::Obie)]
    pub rules: Rules,

    /// SETs returned when `maxEvents` is absent (at most the cap).
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

    /// While a long poll waits, re-check the database this often, ms: an
    /// enqueue in this process wakes it at once, one in another process
    /// sharing the database is seen within this interval.
    #[arg(long, default_value_t = 1_000)]
    pub long_poll_recheck_ms: u64,

    /// What a `setErrs` entry does: `dead-letter` (never delivered again)
    /// or `redeliver` (delivered again until out of attempts).
    #[arg(long, value_enum, default_value_t = SetErrs::DeadLetter)]
    pub set_errs: SetErrs,

    /// How long an unacknowledged SET is kept, seconds.
    #[arg(long, default_value_t = 7 * 24 * 3600)]
    pub retention_secs: u64,

    /// How often the housekeeping sweep runs (dead-letters SETs out of
    /// attempts, drops expired ones), ms.
    #[arg(long, default_value_t = 1_000)]
    pub sweep_interval_ms: u64,

    /// Largest request body accepted, bytes.
    #[arg(long, default_value_t = 1 << 20)]
    pub max_body_bytes: usize,

    /// Database connections in the pool.
    #[arg(long, default_value_t = 8)]
    pub db_connections: u32,

    /// Log lines: `text` (human) or `json` (one JSON object per line).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Longest a client may take to send a request's headers (and, on a
    /// kept-alive connection, the next request's), ms; then the connection
    /// is closed.
    #[arg(long, default_value_t = 30_000)]
    pub header_read_timeout_ms: u64,

    /// Longest a client may take to send a request body, ms; then 408.
    #[arg(long, default_value_t = 30_000)]
    pub body_read_timeout_ms: u64,

    /// Most connections open at once; further ones wait in the kernel's
    /// accept queue until one closes.
    #[arg(long, default_value_t = 1024)]
    pub max_connections: usize,
}

impl Config {
    /// The transmitter's delivery policy from the flags.
    ///
    /// # Errors
    /// When the core refuses the combination.
    pub fn transmitter(&self) -> Result<Transmitter, String> {
        let config = TransmitterConfig {
            profile: match self.rules {
                Rules::Obie => TxProfile::Obie,
                Rules::Rfc8936 => TxProfile::Rfc8936,
            },
            // A default above the cap would be refused; the cap wins.
            default_max_events: self.default_batch.min(self.max_events_cap),
            max_events_limit: self.max_events_cap,
            visibility_timeout: Duration::from_millis(self.visibility_timeout_ms),
            max_attempts: self.max_attempts,
            retention: Duration::from_secs(self.retention_secs),
            long_poll_max_wait: (self.long_poll_wait_ms > 0)
                .then(|| Duration::from_millis(self.long_poll_wait_ms)),
            on_set_err: match self.set_errs {
                SetErrs::DeadLetter => SetErrPolicy::DeadLetter,
                SetErrs::Redeliver => SetErrPolicy::Redeliver,
            },
            ..TransmitterConfig::default()
        };
        Transmitter::new(config).map_err(|e| format!("delivery policy: {e}"))
    }
}

/// Success-status profile of the v3.1 paths.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Profile {
    /// Events v3.1.11 (and v4.0): 200.
    #[value(name = "v3.1.11")]
    V3111,
    /// Aggregated Polling v3.1.2: 201.
    #[value(name = "v3.1.2")]
    V312,
}

/// The transmitter's rule set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Rules {
    /// Open Banking UK.
    Obie,
    /// RFC 8936.
    Rfc8936,
}

/// What `setErrs` does to a SET.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SetErrs {
    /// Dead-letter it.
    DeadLetter,
    /// Deliver it again.
    Redeliver,
}

/// Log line format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable.
    Text,
    /// One JSON object per line.
    Json,
}

/// JOSE header profile of signed SETs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum HeaderProfileName {
    /// Open Banking UK message signing.
    Obie,
    /// RFC 8417 (`typ: secevent+jwt`).
    Rfc8417,
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
    profiles: HashMap<String, HeaderProfileName>,
}

/// One value of the clients file.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum ClientEntry {
    Id(String),
    Full {
        #[serde(rename = "clientId")]
        client_id: String,
        #[serde(rename = "headerProfile")]
        header_profile: Option<HeaderProfileName>,
    },
}

impl ClientTable {
    /// Read and validate the clients file (or, with no path, the
    /// `ASPSP_CLIENTS` environment variable).
    ///
    /// # Errors
    /// When neither is given, the file cannot be read, or the JSON is not
    /// a clients object.
    pub fn load(path: Option<&std::path::Path>) -> Result<Self, String> {
        match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read clients file {}: {e}", path.display()))?;
                Self::from_json(&text).map_err(|e| format!("clients file {}: {e}", path.display()))
            }
            None => match std::env::var("ASPSP_CLIENTS") {
                Ok(text) => Self::from_json(&text).map_err(|e| format!("ASPSP_CLIENTS: {e}")),
                Err(_) => Err("no clients: give --clients FILE or set ASPSP_CLIENTS".into()),
            },
        }
    }

    /// Parse `{"token": "client id" | {"clientId", "headerProfile"?}, ...}`.
    ///
    /// # Errors
    /// When the text is not such an object.
    pub fn from_json(text: &str) -> Result<Self, String> {
        let map: HashMap<String, ClientEntry> = serde_json::from_str(text).map_err(|e| {
            format!("not a JSON object of client ids (or {{\"clientId\", \"headerProfile\"}} objects): {e}")
        })?;
        let mut table = ClientTable::default();
        for (token, entry) in map {
            let (client, profile) = match entry {
                ClientEntry::Id(client) => (client, None),
                ClientEntry::Full {
                    client_id,
                    header_profile,
                } => (client_id, header_profile),
            };
            if token.is_empty() || client.is_empty() || client.len() > 128 || client.contains('\0')
            {
                return Err(format!(
                    "empty token or client id (or client id over 128 chars): {token:?} -> {client:?}"
                ));
            }
            if let Some(profile) = profile {
                table.profiles.insert(client.clone(), profile);
            }
            table.by_token.insert(token, client);
        }
        Ok(table)
    }

    /// The client id a bearer token belongs to.
    #[must_use]
    pub fn authenticate(&self, token: &str) -> Option<&str> {
        self.by_token.get(token).map(String::as_str)
    }

    /// The header profile the clients file sets for `client`, if any.
    #[must_use]
    pub fn header_profile(&self, client: &str) -> Option<HeaderProfileName> {
        self.profiles.get(client).copied()
    }
}

/// The admin token from `--admin-token-file`, `ASPSP_ADMIN_TOKEN` or
/// `--admin-token`, in that order, and whether it came from the command line.
///
/// # Errors
/// When none is given, the file cannot be read, or the token is empty.
pub fn admin_token(config: &Config) -> Result<(String, bool), String> {
    let (token, from_argv) = if let Some(path) = &config.admin_token_file {
        let text = std::fs::read_to_string(path)
            .map_err(|e| format!("cannot read admin token file {}: {e}", path.display()))?;
        (text.trim().to_owned(), false)
    } else if let Ok(token) = std::env::var("ASPSP_ADMIN_TOKEN") {
        (token.trim().to_owned(), false)
    } else if let Some(token) = &config.admin_token {
        (token.clone(), true)
    } else {
        return Err("no admin token: give --admin-token-file FILE or set ASPSP_ADMIN_TOKEN".into());
    };
    if token.is_empty() {
        return Err("the admin token is empty".into());
    }
    Ok((token, from_argv))
}
