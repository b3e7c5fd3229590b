//! `defaults.json`: every setting's default, read from the core's
//! `Default`s (not from any binding), in the host API's field names and
//! units (snake_case, milliseconds, enums as their strings). Each binding's
//! tests compare `transmitter_defaults()` and a minimal receiver's
//! `config()` with it, so a default restated in a binding cannot drift.
//!
//! Format: `{"transmitter": {setting: value}, "receiver": {setting: value}}`;
//! the receiver part leaves out what has no default (`issuer`,
//! `client_id`, `jwks_json`, `jitter_seed`).

use core::time::Duration;

use serde_json::{json, Value};
use setpoll_core::codes::Vocabulary;
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{Jitter, ReceiverConfig};
use setpoll_core::transmitter::TransmitterConfig;

use crate::GenError;

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

/// The defaults file.
///
/// # Errors
/// Never in practice (an empty key set is valid).
pub fn file() -> Result<Value, GenError> {
    let t = TransmitterConfig::default();
    let keys = JwkSet::new(Vec::new())
        .and_then(|set| Keyring::new(&set))
        .map_err(|e| GenError(format!("defaults: {e}")))?;
    let r = ReceiverConfig::new("https://issuer.example/", "client", keys);
    let jitter = match r.backoff.jitter {
        Jitter::None => "none",
        Jitter::Full => "full",
        _ => "equal",
    };
    let vocabulary = match r.vocabulary {
        Vocabulary::Rfc8935 => "rfc8935",
        _ => "obie",
    };
    Ok(json!({
        "transmitter": {
            "profile": t.profile.as_str(),
            "default_max_events": t.default_max_events,
            "max_events_limit": t.max_events_limit,
            "visibility_timeout_ms": ms(t.visibility_timeout),
            "max_attempts": t.max_attempts,
            "retention_ms": ms(t.retention),
            "dead_letter_retention_ms": ms(t.dead_letter_retention),
            "long_poll_max_wait_ms": t.long_poll_max_wait.map_or(0, ms),
            "on_set_err": t.on_set_err.as_str(),
            "delivery": t.delivery.as_str(),
        },
        "receiver": {
            "max_skew_secs": r.policy.max_skew_secs,
            "max_events": r.max_events,
            "return_immediately": r.return_immediately,
            "poll_interval_ms": ms(r.poll_interval),
            "backoff_base_ms": ms(r.backoff.base),
            "backoff_cap_ms": ms(r.backoff.cap),
            "backoff_jitter": jitter,
            "retry_after_cap_ms": ms(r.backoff.retry_after_cap),
            "dedup_window_ms": ms(r.dedup.window),
            "dedup_capacity": r.dedup.capacity,
            "max_unsettled": r.max_unsettled,
            "key_refresh_interval_ms": ms(r.key_refresh_interval),
            "vocabulary": vocabulary,
        },
    }))
}
