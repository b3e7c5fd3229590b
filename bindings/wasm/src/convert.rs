//! Plain conversions between JS-shaped values and core types.
//!
//! Nothing here touches a `JsValue`, so it is unit-tested natively; the
//! exports in `lib.rs` call these and hand failures to the error mapper.

use core::time::Duration;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::{Map, Value};
use setpoll_core::codes::{SetErrCode, Vocabulary};

use setpoll_core::transmitter::{DeliveryMode, Profile, SetErrPolicy, TransmitterConfig};
use setpoll_core::wire::{
    EventPolling, EventPollingResponse, RequestLimits, RequestOptions, ResponseLimits, SetErr,
};
use setpoll_core::Timestamp;

use crate::error::InputError;

/// `Number.MAX_SAFE_INTEGER`: the largest integer a JS number holds exactly.
pub(crate) const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// A JS time (milliseconds since the epoch, e.g. `Date.now()`) as a core
/// [`Timestamp`].
///
/// # Errors
/// [`InputError::Timestamp`] for NaN, infinities, negative, fractional or
/// unsafe-integer values: the core's clock is exact, so nothing is rounded.
pub(crate) fn timestamp(ms: f64) -> Result<Timestamp, InputError> {
    if !ms.is_finite() || ms < 0.0 || ms.fract() != 0.0 || ms > MAX_SAFE_INTEGER {
        return Err(InputError::Timestamp(format!("{ms}")));
    }
    // In range and integral: the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let whole = ms as u64;
    Ok(Timestamp::from_millis(whole))
}

/// Read JSON text (from `JSON.stringify` of a JS argument) into `T`.
///
/// # Errors
/// [`InputError::Argument`] naming `what` and serde's reason.
pub(crate) fn from_json_text<T: DeserializeOwned>(
    text: &str,
    what: &'static str,
) -> Result<T, InputError> {
    serde_json::from_str(text).map_err(|e| InputError::Argument {
        what,
        why: e.to_string(),
    })
}

/// A core time as a JS number of milliseconds (exact below 2^53 ms, i.e.
/// for the next 285 000 years; larger values round).
#[allow(clippy::cast_precision_loss)]
pub(crate) fn millis(t: Timestamp) -> f64 {
    t.as_millis() as f64
}

/// A `seq` from JS: a non-negative safe integer.
///
/// # Errors
/// [`InputError::Argument`] otherwise.
pub(crate) fn seq(n: f64) -> Result<u64, InputError> {
    if !n.is_finite() || n < 0.0 || n.fract() != 0.0 || n > MAX_SAFE_INTEGER {
        return Err(InputError::Argument {
            what: "seq",
            why: format!("not a non-negative safe integer: {n}"),
        });
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(n as u64)
}

/// The JS name of a vocabulary.
pub(crate) fn vocabulary_name(v: Vocabulary) -> &'static str {
    match v {
        Vocabulary::Obie => "obie",
        Vocabulary::Rfc8935 => "rfc8935",
        // `Vocabulary` is non-exhaustive; a new one needs a name here.
        #[allow(unreachable_patterns)]
        _ => "other",
    }
}

/// One row of the `setErrs` code table, as JSON.
pub(crate) fn set_err_code_info(code: &SetErrCode) -> serde_json::Value {
    serde_json::json!({
        "code": code.as_str(),
        "vocabulary": code.vocabulary().map(vocabulary_name),
        "description": code.description(),
    })
}

/// Options of `parseRequest`: the core's [`RequestOptions`] flattened,
/// plus the `Id` for the `400` body.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ParseRequestOptions {
    pub(crate) reject_unknown_members: Option<bool>,
    pub(crate) max_body_bytes: Option<usize>,
    pub(crate) max_ack: Option<usize>,
    pub(crate) max_set_errs: Option<usize>,
    pub(crate) error_id: Option<String>,
}

impl ParseRequestOptions {
    /// The core options, defaults where unset.
    pub(crate) fn core(&self) -> RequestOptions {
        let d = RequestOptions::default();
        RequestOptions {
            limits: RequestLimits {
                max_body_bytes: self.max_body_bytes.unwrap_or(d.limits.max_body_bytes),
                max_ack: self.max_ack.unwrap_or(d.limits.max_ack),
                max_set_errs: self.max_set_errs.unwrap_or(d.limits.max_set_errs),
            },
            reject_unknown_members: self
                .reject_unknown_members
                .unwrap_or(d.reject_unknown_members),
        }
    }
}

/// Options of `parseResponse`: the core's [`ResponseLimits`].
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ParseResponseOptions {
    pub(crate) max_body_bytes: Option<usize>,
    pub(crate) max_sets: Option<usize>,
}

impl ParseResponseOptions {
    /// The core limits, defaults where unset.
    pub(crate) fn core(&self) -> ResponseLimits {
        let d = ResponseLimits::default();
        ResponseLimits {
            max_body_bytes: self.max_body_bytes.unwrap_or(d.max_body_bytes),
            max_sets: self.max_sets.unwrap_or(d.max_sets),
        }
    }
}

/// One `setErrs` entry as JS sees it: the map entry flattened, so order
/// survives (JS objects reorder integer-like keys).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetErrJs {
    pub(crate) jti: String,
    pub(crate) err: String,
    pub(crate) description: String,
}

/// A `POST /events` request as JS sees it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PollRequestJs {
    pub(crate) max_events: Option<u32>,
    pub(crate) return_immediately: Option<bool>,
    #[serde(default)]
    pub(crate) ack: Vec<String>,
    #[serde(default)]
    pub(crate) set_errs: Vec<SetErrJs>,
}

impl From<PollRequestJs> for EventPolling {
    fn from(r: PollRequestJs) -> Self {
        EventPolling {
            max_events: r.max_events,
            return_immediately: r.return_immediately,
            ack: r.ack,
            set_errs: r
                .set_errs
                .into_iter()
                .map(|e| {
                    (
                        e.jti,
                        SetErr {
                            err: SetErrCode::from_code(&e.err),
                            description: e.description,
                        },
                    )
                })
                .collect(),
        }
    }
}

/// A request as the JS object `parseRequest` returns.
pub(crate) fn request_to_value(r: &EventPolling) -> Value {
    let mut out = Map::new();
    if let Some(n) = r.max_events {
        out.insert("maxEvents".into(), n.into());
    }
    if let Some(b) = r.return_immediately {
        out.insert("returnImmediately".into(), b.into());
    }
    out.insert("ack".into(), r.ack.clone().into());
    let errs = r
        .set_errs
        .iter()
        .map(|(jti, e)| {
            serde_json::json!({ "jti": jti, "err": e.err.as_str(), "description": e.description })
        })
        .collect();
    out.insert("setErrs".into(), Value::Array(errs));
    Value::Object(out)
}

/// One SET of a response as JS sees it.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SetEntryJs {
    pub(crate) jti: String,
    pub(crate) token: String,
}

/// A `POST /events` response as JS sees it.
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct PollResponseJs {
    #[serde(default)]
    pub(crate) sets: Vec<SetEntryJs>,
    #[serde(default)]
    pub(crate) more_available: bool,
}

impl From<PollResponseJs> for EventPollingResponse {
    fn from(r: PollResponseJs) -> Self {
        EventPollingResponse {
            sets: r.sets.into_iter().map(|s| (s.jti, s.token)).collect(),
            more_available: r.more_available,
        }
    }
}

/// A response as the JS object `parseResponse` returns.
pub(crate) fn response_to_value(r: &EventPollingResponse) -> Value {
    let sets = r
        .sets
        .iter()
        .map(|(jti, token)| serde_json::json!({ "jti": jti, "token": token }))
        .collect();
    serde_json::json!({ "sets": Value::Array(sets), "moreAvailable": r.more_available })
}

/// Transmitter settings as JS passes them: durations in milliseconds,
/// enumerations as the core's snake_case names (as in the shared vectors),
/// every member optional.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct TransmitterConfigJs {
    pub(crate) profile: Option<String>,
    pub(crate) default_max_events: Option<u32>,
    pub(crate) max_events_limit: Option<u32>,
    pub(crate) visibility_timeout_ms: Option<u64>,
    pub(crate) max_attempts: Option<u32>,
    pub(crate) retention_ms: Option<u64>,
    pub(crate) dead_letter_retention_ms: Option<u64>,
    pub(crate) long_poll_max_wait_ms: Option<u64>,
    pub(crate) on_set_err: Option<String>,
    pub(crate) delivery: Option<String>,
}

fn bad_choice(what: &'static str, got: &str, allowed: &str) -> InputError {
    InputError::Argument {
        what,
        why: format!("unknown value {got:?} (expected {allowed})"),
    }
}

impl TransmitterConfigJs {
    /// The core config, defaults where unset (validated by the core).
    ///
    /// # Errors
    /// [`InputError::Argument`] for an unknown enumeration value.
    pub(crate) fn core(&self) -> Result<TransmitterConfig, InputError> {
        let mut c = TransmitterConfig::default();
        if let Some(p) = &self.profile {
            c.profile = Profile::from_name(p)
                .ok_or_else(|| bad_choice("profile", p, "\"obie\" or \"rfc8936\""))?;
        }
        if let Some(p) = &self.on_set_err {
            c.on_set_err = SetErrPolicy::from_name(p)
                .ok_or_else(|| bad_choice("onSetErr", p, "\"dead_letter\" or \"redeliver\""))?;
        }
        if let Some(d) = &self.delivery {
            c.delivery = DeliveryMode::from_name(d).ok_or_else(|| {
                bad_choice("delivery", d, "\"at_least_once\" or \"deliver_once\"")
            })?;
        }
        if let Some(n) = self.default_max_events {
            c.default_max_events = n;
        }
        if let Some(n) = self.max_events_limit {
            c.max_events_limit = n;
        }
        if let Some(n) = self.max_attempts {
            c.max_attempts = n;
        }
        if let Some(ms) = self.visibility_timeout_ms {
            c.visibility_timeout = Duration::from_millis(ms);
        }
        if let Some(ms) = self.retention_ms {
            c.retention = Duration::from_millis(ms);
        }
        if let Some(ms) = self.dead_letter_retention_ms {
            c.dead_letter_retention = Duration::from_millis(ms);
        }
        if let Some(ms) = self.long_poll_max_wait_ms {
            c.long_poll_max_wait = Some(Duration::from_millis(ms));
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn timestamps_must_be_exact_non_negative_integers() {
        assert_eq!(timestamp(0.0).unwrap(), Timestamp::EPOCH);
        assert_eq!(
            timestamp(1_700_000_000_123.0).unwrap().as_millis(),
            1_700_000_000_123
        );
        assert_eq!(
            timestamp(MAX_SAFE_INTEGER).unwrap().as_millis(),
            9_007_199_254_740_991
        );
        for bad in [
            -1.0,
            0.5,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            MAX_SAFE_INTEGER + 2.0,
        ] {
            let err = timestamp(bad).unwrap_err();
            assert!(matches!(err, InputError::Timestamp(_)), "{bad}");
        }
    }

    #[test]
    fn requests_round_trip_through_the_js_shape_in_order() {
        let body = br#"{"maxEvents":5,"ack":["b","a"],"setErrs":{"9":{"err":"jwtIss","description":"who?"},"1":{"err":"dup","description":"again"}}}"#;
        let parsed = EventPolling::parse(body, &RequestOptions::default()).unwrap();
        let js = request_to_value(&parsed);
        assert!(js.get("returnImmediately").is_none());
        let back: PollRequestJs = from_json_text(&js.to_string(), "request").unwrap();
        let back = EventPolling::from(back);
        assert_eq!(back, parsed);
        assert_eq!(back.to_json(), String::from_utf8(body.to_vec()).unwrap());
    }

    #[test]
    fn responses_round_trip_through_the_js_shape_in_order() {
        let r = EventPollingResponse {
            sets: vec![("2".into(), "a.b.c".into()), ("1".into(), "d.e.f".into())],
            more_available: true,
        };
        let js = response_to_value(&r);
        let back: PollResponseJs = from_json_text(&js.to_string(), "response").unwrap();
        assert_eq!(EventPollingResponse::from(back), r);
    }

    #[test]
    fn option_objects_refuse_unknown_members() {
        let err = from_json_text::<ParseRequestOptions>(r#"{"rejectUnknown":true}"#, "options")
            .unwrap_err();
        assert!(matches!(
            err,
            InputError::Argument {
                what: "options",
                ..
            }
        ));
        let o: ParseRequestOptions =
            from_json_text(r#"{"rejectUnknownMembers":false,"maxAck":3}"#, "options").unwrap();
        let core = o.core();
        assert!(!core.reject_unknown_members);
        assert_eq!(core.limits.max_ack, 3);
        assert_eq!(
            core.limits.max_set_errs,
            RequestLimits::default().max_set_errs
        );
    }

    #[test]
    fn transmitter_config_maps_every_member() {
        let js: TransmitterConfigJs = from_json_text(
            r#"{"profile":"rfc8936","defaultMaxEvents":5,"maxEventsLimit":50,"visibilityTimeoutMs":1500,
                "maxAttempts":3,"retentionMs":60000,"deadLetterRetentionMs":120000,
                "longPollMaxWaitMs":30000,"onSetErr":"redeliver","delivery":"deliver_once"}"#,
            "config",
        )
        .unwrap();
        let c = js.core().unwrap();
        assert_eq!(c.profile, Profile::Rfc8936);
        assert_eq!(
            (c.default_max_events, c.max_events_limit, c.max_attempts),
            (5, 50, 3)
        );
        assert_eq!(c.visibility_timeout, Duration::from_millis(1500));
        assert_eq!(c.retention, Duration::from_secs(60));
        assert_eq!(c.dead_letter_retention, Duration::from_secs(120));
        assert_eq!(c.long_poll_max_wait, Some(Duration::from_secs(30)));
        assert_eq!(c.on_set_err, SetErrPolicy::Redeliver);
        assert_eq!(c.delivery, DeliveryMode::DeliverOnce);
        assert_eq!(
            TransmitterConfigJs::default().core().unwrap(),
            TransmitterConfig::default()
        );
        let bad: TransmitterConfigJs = from_json_text(r#"{"profile":"ob"}"#, "config").unwrap();
        assert!(matches!(
            bad.core(),
            Err(InputError::Argument {
                what: "profile",
                ..
            })
        ));
        assert!(from_json_text::<TransmitterConfigJs>(r#"{"retention":1}"#, "config").is_err());
    }

    #[test]
    fn seqs_are_safe_integers() {
        assert_eq!(seq(0.0).unwrap(), 0);
        assert_eq!(seq(42.0).unwrap(), 42);
        assert!(seq(-1.0).is_err());
        assert!(seq(0.5).is_err());
        assert!(seq(f64::NAN).is_err());
    }

    #[test]
    fn code_table_rows_name_the_vocabulary() {
        let row = set_err_code_info(&SetErrCode::JwtAud);
        assert_eq!(row["code"], "jwtAud");
        assert_eq!(row["vocabulary"], "obie");
        let row = set_err_code_info(&SetErrCode::InvalidKey);
        assert_eq!(row["vocabulary"], "rfc8935");
        let row = set_err_code_info(&SetErrCode::from_code("madeUp"));
        assert_eq!(row["code"], "madeUp");
        assert!(row["vocabulary"].is_null());
    }
}
