//! The receiver's durable state as plain data.
//!
//! Everything a receiver must not forget across a restart: acks and
//! `setErrs` entries not yet confirmed by the ASPSP, SETs handed to the
//! application and not yet settled, SETs held until the ASPSP's keys are
//! refreshed, the dedup window, and the schedule. A host saves it whole now
//! and then (compaction) and in between saves the small
//! [`ReceiverChange`](super::ReceiverChange)s that
//! [`apply`](ReceiverState::apply) replays onto it. The
//! request in flight is deliberately absent: after a restart it is gone, and
//! the acks it carried are still pending, so the next request carries them
//! again.

use serde::Serialize;

use super::config::MAX_JTI_CHARS;
use super::dedup::{ProcessedSet, Settlement};
use super::schedule::ScheduleState;
use crate::codes::SetErrCode;
use crate::json::typed::read_struct;
use crate::time::Timestamp;

/// The current [`ReceiverState::format`].
pub const STATE_FORMAT: u32 = 1;

/// A snapshot of everything a receiver must persist. Serialises with serde
/// (JSON via [`to_json`](Self::to_json)); every field is plain data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[must_use]
pub struct ReceiverState {
    /// Layout version, [`STATE_FORMAT`].
    pub format: u32,
    /// When to poll, and how many failures in a row.
    pub schedule: ScheduleState,
    /// `jti`s acknowledged by the application, not yet confirmed sent.
    pub pending_acks: Vec<String>,
    /// `setErrs` entries not yet confirmed sent.
    pub pending_set_errs: Vec<PendingSetErr>,
    /// SETs handed to the application and not yet acked or rejected, oldest
    /// first. After a restart, hand them to the application again
    /// ([`Receiver::unsettled`](super::Receiver::unsettled)).
    pub unsettled: Vec<UnsettledSet>,
    /// The dedup window, oldest first.
    pub processed: Vec<ProcessedSet>,
    /// SETs signed with a key (`kid`) the receiver's keys lack, held until
    /// the host refreshes the keys; oldest first. Never acknowledged or
    /// reported while held.
    #[serde(default)]
    pub held: Vec<HeldSet>,
}

impl Default for ReceiverState {
    fn default() -> Self {
        ReceiverState {
            format: STATE_FORMAT,
            schedule: ScheduleState::default(),
            pending_acks: Vec::new(),
            pending_set_errs: Vec::new(),
            unsettled: Vec::new(),
            processed: Vec::new(),
            held: Vec::new(),
        }
    }
}

/// A SET held for a key refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldSet {
    /// The key it came under in `sets`.
    pub jti: String,
    /// The `kid` of its JWS header, unknown to the receiver's keys.
    pub kid: String,
    /// The compact JWS as received, verified again after a key refresh as of
    /// `received_at`.
    pub token: String,
    /// When it arrived.
    pub received_at: Timestamp,
}

/// One `setErrs` entry waiting to be sent.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingSetErr {
    /// The `jti` (the key in `setErrs`).
    pub jti: String,
    /// `err`.
    pub err: SetErrCode,
    /// `description`.
    pub description: String,
}

/// A SET the application holds.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct UnsettledSet {
    /// The issuer.
    pub iss: String,
    /// The `jti`.
    pub jti: String,
    /// The compact JWS, re-verified on restore (as of `delivered_at`).
    pub token: String,
    /// When it was handed to the application.
    pub delivered_at: Timestamp,
}

impl ReceiverState {
    /// Serialise as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Plain strings, integers and enums: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Read a state saved by [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// [`StateError::Json`] when the text is not a state; the checks of
    /// [`validate`](Self::validate) otherwise.
    pub fn from_json(text: &str) -> Result<Self, StateError> {
        let state: ReceiverState =
            crate::json::read(text).map_err(|e| StateError::Json(e.to_string()))?;
        state.validate()?;
        Ok(state)
    }

    /// Check what serde cannot: the format version, `jti` lengths, code and
    /// description lengths, and that no `jti` is reported twice.
    ///
    /// # Errors
    /// The first problem found.
    pub fn validate(&self) -> Result<(), StateError> {
        if self.format != STATE_FORMAT {
            return Err(StateError::UnsupportedFormat(self.format));
        }
        let mut reported = std::collections::HashSet::new();
        let jtis = self
            .pending_acks
            .iter()
            .chain(self.pending_set_errs.iter().map(|e| &e.jti));
        for jti in jtis {
            check_jti(jti)?;
            if !reported.insert(jti.as_str()) {
                return Err(StateError::DuplicateJti(jti.clone()));
            }
        }
        for e in &self.pending_set_errs {
            check_err(&e.err, &e.description)?;
        }
        let mut held = std::collections::HashSet::new();
        for u in &self.unsettled {
            check_jti(&u.jti)?;
            if !held.insert(u.jti.as_str()) {
                return Err(StateError::DuplicateJti(u.jti.clone()));
            }
        }
        for h in &self.held {
            check_jti(&h.jti)?;
            if !held.insert(h.jti.as_str()) {
                return Err(StateError::DuplicateJti(h.jti.clone()));
            }
        }
        let mut seen = std::collections::HashSet::new();
        for p in &self.processed {
            check_jti(&p.jti)?;
            if !seen.insert((p.iss.as_str(), p.jti.as_str())) {
                return Err(StateError::DuplicateJti(p.jti.clone()));
            }
            if let Settlement::Rejected { err, description } = &p.settlement {
                check_err(err, description)?;
            }
        }
        Ok(())
    }
}

// Reading (crate::json::typed): the same members serde's derived readers
// took, compiled once instead of once per JSON source.
read_struct!(ReceiverState {
    format: req "format",
    schedule: req "schedule",
    pending_acks: req "pendingAcks",
    pending_set_errs: req "pendingSetErrs",
    unsettled: req "unsettled",
    processed: req "processed",
    held: or_default "held",
});

read_struct!(HeldSet {
    jti: req "jti",
    kid: req "kid",
    token: req "token",
    received_at: req "receivedAt",
});

read_struct!(PendingSetErr {
    jti: req "jti",
    err: req "err",
    description: req "description",
});

read_struct!(UnsettledSet {
    iss: req "iss",
    jti: req "jti",
    token: req "token",
    delivered_at: req "deliveredAt",
});

fn check_jti(jti: &str) -> Result<(), StateError> {
    if jti.is_empty() || jti.chars().count() > MAX_JTI_CHARS {
        return Err(StateError::InvalidJti(jti.to_owned()));
    }
    Ok(())
}

fn check_err(err: &SetErrCode, description: &str) -> Result<(), StateError> {
    let code_len = err.as_str().chars().count();
    let desc_len = description.chars().count();
    if !(1..=40).contains(&code_len) || !(1..=256).contains(&desc_len) {
        return Err(StateError::InvalidSetErr(err.as_str().to_owned()));
    }
    Ok(())
}

/// Why a saved state was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum StateError {
    /// Not a state (serde's message).
    Json(String),
    /// Written by a different layout version.
    UnsupportedFormat(u32),
    /// A `jti` is empty or longer than 128 characters.
    InvalidJti(String),
    /// A `jti` is listed twice where it must be unique.
    DuplicateJti(String),
    /// A `setErrs` code is not 1..40 characters or its description not 1..256.
    InvalidSetErr(String),
}

impl StateError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            StateError::Json(_) => "state_json",
            StateError::UnsupportedFormat(_) => "state_unsupported_format",
            StateError::InvalidJti(_) => "state_invalid_jti",
            StateError::DuplicateJti(_) => "state_duplicate_jti",
            StateError::InvalidSetErr(_) => "state_invalid_set_err",
        }
    }
}

impl core::fmt::Display for StateError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            StateError::Json(e) => write!(f, "not a receiver state: {e}"),
            StateError::UnsupportedFormat(v) => {
                write!(f, "receiver state format {v} is not {STATE_FORMAT}")
            }
            StateError::InvalidJti(j) => write!(f, "jti {j:?} is not 1 to 128 characters"),
            StateError::DuplicateJti(j) => write!(f, "jti {j:?} appears twice"),
            StateError::InvalidSetErr(c) => write!(
                f,
                "setErrs entry with code {c:?} has a code or description of the wrong length"
            ),
        }
    }
}

impl std::error::Error for StateError {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn sample() -> ReceiverState {
        ReceiverState {
            schedule: ScheduleState {
                next_poll_at: Timestamp::from_secs(5),
                consecutive_failures: 2,
                stalled_polls: 0,
            },
            pending_acks: vec!["a".into()],
            pending_set_errs: vec![PendingSetErr {
                jti: "b".into(),
                err: SetErrCode::Other("custom".into()),
                description: "nope".into(),
            }],
            unsettled: vec![UnsettledSet {
                iss: "i".into(),
                jti: "c".into(),
                token: "x.y.z".into(),
                delivered_at: Timestamp::from_secs(4),
            }],
            processed: vec![ProcessedSet {
                iss: "i".into(),
                jti: "a".into(),
                delivered_at: Timestamp::from_secs(3),
                settlement: Settlement::Rejected {
                    err: SetErrCode::SetData,
                    description: "bad".into(),
                },
            }],
            ..ReceiverState::default()
        }
    }

    #[test]
    fn round_trips_through_json() {
        let s = sample();
        let json = s.to_json();
        assert!(json.contains("\"pendingAcks\":[\"a\"]"), "{json}");
        assert!(json.contains("\"outcome\":\"rejected\""), "{json}");
        assert!(json.contains("\"err\":\"custom\""), "{json}");
        assert_eq!(ReceiverState::from_json(&json).unwrap(), s);
    }

    #[test]
    fn refuses_inconsistent_states() {
        let mut s = sample();
        s.format = 9;
        assert_eq!(
            ReceiverState::from_json(&s.to_json()).unwrap_err().code(),
            "state_unsupported_format"
        );
        let mut s = sample();
        s.pending_acks.push("b".into());
        assert_eq!(s.validate().unwrap_err().code(), "state_duplicate_jti");
        let mut s = sample();
        s.pending_acks.push("x".repeat(129));
        assert_eq!(s.validate().unwrap_err().code(), "state_invalid_jti");
        let mut s = sample();
        s.pending_set_errs[0].description.clear();
        assert_eq!(s.validate().unwrap_err().code(), "state_invalid_set_err");
        assert_eq!(
            ReceiverState::from_json("{").unwrap_err().code(),
            "state_json"
        );
    }
}
