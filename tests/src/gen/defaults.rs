//! `defaults.json`: every default of the core that a binding restates as an
//! absent option, written from the core's own `Default`s so each language's
//! tests can check that "absent" means the same thing everywhere.

use serde_json::{json, Value};
use setpoll_core::codes::Vocabulary;
use setpoll_core::jose::{JwkSet, Keyring};
use setpoll_core::receiver::{Jitter, ReceiverConfig};
use setpoll_core::set::VerifyPolicy;
use setpoll_core::transmitter::{DeliveryMode, Profile, SetErrPolicy, TransmitterConfig};
use setpoll_core::wire::{RequestLimits, ResponseLimits};

use super::keys::Keys;
use super::{check_unique_names, ok, vector_file};
use crate::GenError;

fn ms(d: core::time::Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

fn transmitter() -> Value {
    let c = TransmitterConfig::default();
    json!({
        "profile": match c.profile { Profile::Rfc8936 => "rfc8936", _ => "obie" },
        "defaultMaxEvents": c.default_max_events,
        "maxEventsLimit": c.max_events_limit,
        "visibilityTimeoutMs": ms(c.visibility_timeout),
        "maxAttempts": c.max_attempts,
        "retentionMs": ms(c.retention),
        "deadLetterRetentionMs": ms(c.dead_letter_retention),
        "longPollMaxWaitMs": c.long_poll_max_wait.map_or(0, ms),
        "onSetErr": match c.on_set_err { SetErrPolicy::Redeliver => "redeliver", _ => "dead_letter" },
        "delivery": match c.delivery { DeliveryMode::DeliverOnce => "deliver_once", _ => "at_least_once" },
    })
}

fn receiver(issuer: &str, client_id: &str, jwks_json: &str) -> Result<Value, GenError> {
    let set = JwkSet::from_json(jwks_json.as_bytes()).map_err(|e| GenError(e.to_string()))?;
    let keys = Keyring::new(&set).map_err(|e| GenError(e.to_string()))?;
    let c = ReceiverConfig::new(issuer, client_id, keys);
    Ok(json!({
        "maxSkewSecs": c.policy.max_skew_secs,
        "maxEvents": c.max_events,
        "returnImmediately": c.return_immediately,
        "pollIntervalMs": ms(c.poll_interval),
        "backoffBaseMs": ms(c.backoff.base),
        "backoffCapMs": ms(c.backoff.cap),
        "backoffJitter": match c.backoff.jitter { Jitter::None => "none", Jitter::Full => "full", _ => "equal" },
        "retryAfterCapMs": ms(c.backoff.retry_after_cap),
        "dedupWindowMs": ms(c.dedup.window),
        "dedupCapacity": c.dedup.capacity,
        "maxUnsettled": c.max_unsettled,
        "keyRefreshIntervalMs": ms(c.key_refresh_interval),
        "vocabulary": match c.vocabulary { Vocabulary::Rfc8935 => "rfc8935", _ => "obie" },
    }))
}

fn verify_policy() -> Value {
    let p = VerifyPolicy::new("", "");
    json!({
        "algorithms": p.algorithms.iter().map(|a| a.name().to_owned()).collect::<Vec<_>>(),
        "maxSkewSecs": p.max_skew_secs,
        "maxTokenBytes": p.max_token_bytes,
        "maxAgeSecs": p.max_age_secs,
        "acceptJwtTyp": p.typ.accept_jwt,
        "requireTyp": p.typ.require_typ,
    })
}

fn limits() -> Value {
    let (req, res) = (RequestLimits::default(), ResponseLimits::default());
    json!({
        "request": { "maxBodyBytes": req.max_body_bytes, "maxAck": req.max_ack, "maxSetErrs": req.max_set_errs },
        "response": { "maxBodyBytes": res.max_body_bytes, "maxSets": res.max_sets },
    })
}

/// The `defaults` file.
///
/// # Errors
/// When the vectors' JWK Set cannot be read back.
pub fn file(keys: &Keys) -> Result<Value, GenError> {
    let (issuer, client_id, jwks) = (
        "https://examplebank.com/",
        "7umx5nTR33811QyQfi",
        keys.jwks()?,
    );
    let cases = vec![
        json!({ "name": "transmitter", "expect": ok(transmitter()) }),
        json!({
            "name": "receiver",
            "issuer": issuer, "clientId": client_id, "jwksJson": jwks,
            "expect": ok(receiver(issuer, client_id, &jwks)?),
        }),
        json!({ "name": "verify_policy", "expect": ok(verify_policy()) }),
        json!({ "name": "limits", "expect": ok(limits()) }),
    ];
    check_unique_names("defaults", &cases)?;
    Ok(vector_file(
        "defaults",
        "The core's defaults, as every binding reports them when an option is absent \
         (transmitterDefaults(), Receiver(issuer, clientId, jwksJson).config(), VerifyPolicy and parse limits).",
        cases,
    ))
}
