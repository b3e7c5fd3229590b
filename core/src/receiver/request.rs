//! What the receiver asks the host to send: one `POST /events` body.

use serde::{Deserialize, Serialize};

use crate::wire::EventPolling;

/// Names one request so its answer can be matched to it.
///
/// Ids increase within one [`Receiver`](super::Receiver) and are not
/// persisted: an answer to a request made before a restart cannot be matched
/// and must be dropped by the host.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct RequestId(pub u64);

impl core::fmt::Display for RequestId {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "#{}", self.0)
    }
}

/// Why a request is being sent.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestKind {
    /// A poll: fetch SETs (configured `maxEvents`), report acks and errors.
    Poll,
    /// Only report acks and errors: `maxEvents: 0`, `returnImmediately: true`.
    AckOnly,
}

/// One `POST /events` to send.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct PollRequest {
    /// Pass back to [`handle_response`](super::Receiver::handle_response) or
    /// [`handle_failure`](super::Receiver::handle_failure).
    pub id: RequestId,
    /// Poll or acknowledgement flush.
    pub kind: RequestKind,
    /// The request as a value.
    pub polling: EventPolling,
    /// The exact JSON body to send (`Content-Type: application/json`).
    pub body: String,
}

/// Serialise a polling request (`OBEventPolling1`).
///
/// Member order is `maxEvents`, `returnImmediately`, `ack`, `setErrs`; empty
/// `ack` and `setErrs` are left out, `maxEvents: 0` is always written.
pub(crate) fn body_json(p: &EventPolling) -> String {
    let mut out = String::from("{");
    let mut first = true;
    let mut member = |out: &mut String, name: &str| {
        if !first {
            out.push(',');
        }
        first = false;
        out.push('"');
        out.push_str(name);
        out.push_str("\":");
    };
    if let Some(n) = p.max_events {
        member(&mut out, "maxEvents");
        out.push_str(&n.to_string());
    }
    if let Some(b) = p.return_immediately {
        member(&mut out, "returnImmediately");
        out.push_str(if b { "true" } else { "false" });
    }
    if !p.ack.is_empty() {
        member(&mut out, "ack");
        out.push('[');
        for (i, jti) in p.ack.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(jti));
        }
        out.push(']');
    }
    if !p.set_errs.is_empty() {
        member(&mut out, "setErrs");
        out.push('{');
        for (i, (jti, e)) in p.set_errs.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str(&json_string(jti));
            out.push_str(":{\"err\":");
            out.push_str(&json_string(e.err.as_str()));
            out.push_str(",\"description\":");
            out.push_str(&json_string(&e.description));
            out.push('}');
        }
        out.push('}');
    }
    out.push('}');
    out
}

fn json_string(s: &str) -> String {
    serde_json::Value::String(s.to_owned()).to_string()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::codes::SetErrCode;
    use crate::wire::SetErr;

    #[test]
    fn writes_max_events_zero_and_escapes_strings() {
        let p = EventPolling {
            max_events: Some(0),
            return_immediately: Some(true),
            ack: vec!["a\"1".into(), "b".into()],
            set_errs: vec![(
                "c".into(),
                SetErr {
                    err: SetErrCode::Jws,
                    description: "bad \u{e9}\n".into(),
                },
            )],
        };
        let body = body_json(&p);
        assert!(body.starts_with("{\"maxEvents\":0,\"returnImmediately\":true,"));
        let v: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["maxEvents"], 0);
        assert_eq!(v["ack"][0], "a\"1");
        assert_eq!(v["setErrs"]["c"]["err"], "jws");
        assert_eq!(v["setErrs"]["c"]["description"], "bad \u{e9}\n");
    }

    #[test]
    fn an_empty_request_is_an_empty_object() {
        assert_eq!(body_json(&EventPolling::default()), "{}");
    }
}
