//! Persistence by changes: the small records a host saves after each call,
//! and how they replay onto a saved [`ReceiverState`].
//!
//! Saving the whole state after every acknowledgement costs as much as the
//! dedup window (up to 10,000 entries by default). Instead the host keeps a
//! journal: it appends what [`take_changes`](super::Receiver::take_changes)
//! returns (a handful of records per call) and, now and then, replaces the
//! saved state and the journal with one snapshot
//! ([`state`](super::Receiver::state)). At start it loads the snapshot,
//! [`apply`](ReceiverState::apply)s the journal and
//! [`restore`](super::Receiver::restore)s the result.
//!
//! Every record sets a value (a `jti`'s pending report, its place among the
//! SETs in processing, held or remembered; the schedule), so replaying
//! records the snapshot already reflects gives the same state again: a
//! snapshot taken while some changes were not yet drained stays correct.

use serde::Serialize;

use super::dedup::{Dedup, ProcessedSet};
use super::schedule::ScheduleState;
use super::state::{HeldSet, PendingSetErr, ReceiverState, StateError, UnsettledSet};
use crate::json::typed::{deserialize_via_tree, variant_name, Fields, FromJson, ShapeError};
use crate::json::Json;

/// One change to a receiver's durable state, in the order it happened.
///
/// Serialises with serde (externally tagged, camelCase:
/// `{"ackQueued":{"jti":"a"}}`); [`to_json`](Self::to_json) and
/// [`from_json`](Self::from_json) are the JSON form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub enum ReceiverChange {
    /// The schedule is now this.
    Schedule {
        /// The new schedule.
        schedule: ScheduleState,
    },
    /// An ack for `jti` is pending (replacing any `setErrs` entry for it).
    AckQueued {
        /// The `jti`.
        jti: String,
    },
    /// A `setErrs` entry is pending (replacing any other report for its `jti`).
    SetErrQueued {
        /// The entry.
        entry: PendingSetErr,
    },
    /// A round trip confirmed these reports: they are no longer pending.
    Confirmed {
        /// Acknowledged `jti`s confirmed.
        acks: Vec<String>,
        /// `jti`s whose `setErrs` entry was confirmed.
        #[serde(rename = "setErrs")]
        set_errs: Vec<String>,
    },
    /// A SET was handed to the application (it is now in processing).
    Delivered {
        /// The SET.
        set: UnsettledSet,
    },
    /// A SET in processing was dropped without a verdict (it no longer
    /// verified on restore); the ASPSP sends it again.
    Dropped {
        /// Its `jti`.
        jti: String,
    },
    /// The application settled a SET: it leaves processing and joins the
    /// dedup window (at its end).
    Settled {
        /// The remembered SET.
        set: ProcessedSet,
    },
    /// The dedup window forgot a SET (too old, or beyond the capacity).
    Forgotten {
        /// Its issuer.
        iss: String,
        /// Its `jti`.
        jti: String,
    },
    /// A SET is held until the keys are refreshed.
    Held {
        /// The SET.
        set: HeldSet,
    },
    /// A held SET left the hold (delivered, rejected or a duplicate now).
    Released {
        /// Its `jti`.
        jti: String,
    },
    /// The whole state: replaces everything before it. The receiver emits
    /// one instead of a long backlog when its changes are not drained for a
    /// long time.
    Snapshot {
        /// The state.
        state: Box<ReceiverState>,
    },
}

impl ReceiverChange {
    /// Serialise as JSON.
    #[must_use]
    pub fn to_json(&self) -> String {
        // Plain strings, integers and enums: serialisation cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Read a change saved by [`to_json`](Self::to_json).
    ///
    /// # Errors
    /// [`StateError::Json`] when the text is not a change (a member name
    /// that appears twice included).
    pub fn from_json(text: &str) -> Result<Self, StateError> {
        crate::json::read(text).map_err(|e| StateError::Json(e.to_string()))
    }

    /// Read a journal: a JSON array of changes saved by
    /// [`to_json`](Self::to_json), oldest first.
    ///
    /// # Errors
    /// [`JournalError::NotJson`] when the text is not a JSON array (or has
    /// a member name twice); [`JournalError::Change`] when an element is
    /// not a change, with its index.
    pub fn list_from_json(text: &str) -> Result<Vec<Self>, JournalError> {
        let tree = crate::json::read_tree(text).map_err(JournalError::NotJson)?;
        let Json::Array(items) = &tree else {
            return Err(JournalError::NotJson(crate::json::ReadError::Shape {
                path: String::new(),
                detail: format!(
                    "{}, expected a JSON array of receiver changes",
                    tree.type_name()
                ),
            }));
        };
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                <ReceiverChange as FromJson>::from_json(item).map_err(|e| {
                    JournalError::Change(i, StateError::Json(e.at_index(i).to_string()))
                })
            })
            .collect()
    }
}

/// Why a journal ([`ReceiverChange::list_from_json`]) was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum JournalError {
    /// Not a JSON array, or a member name appears twice.
    NotJson(crate::json::ReadError),
    /// The element at this index is not a change.
    Change(usize, StateError),
}

impl core::fmt::Display for JournalError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            JournalError::NotJson(e) => write!(f, "not a journal: {e}"),
            // The message's path starts at the element: `[3].ackQueued`.
            JournalError::Change(_, StateError::Json(e)) => {
                write!(f, "not a receiver change: {e}")
            }
            JournalError::Change(_, e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for JournalError {}

/// The changes' names, as written (the variants in order).
const CHANGES: [&str; 11] = [
    "schedule",
    "ackQueued",
    "setErrQueued",
    "confirmed",
    "delivered",
    "dropped",
    "settled",
    "forgotten",
    "held",
    "released",
    "snapshot",
];

// Read from the tree (crate::json::typed): an object of one member, the
// change's name, whose value holds the change's fields.
deserialize_via_tree!(ReceiverChange);

impl FromJson for ReceiverChange {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        let (name, body) = match j {
            Json::Object(members) if members.len() == 1 => match members.first() {
                Some((name, body)) => (name, body),
                None => return Err(ShapeError::invalid_type(j, "enum ReceiverChange")),
            },
            Json::Object(members) => {
                return Err(ShapeError::new(format!(
                    "a change is an object of one member (its name), not {}",
                    members.len()
                )))
            }
            other => return Err(ShapeError::invalid_type(other, "enum ReceiverChange")),
        };
        let which = variant_name(name, &CHANGES)?;
        let at = CHANGES.get(which).copied().unwrap_or("snapshot");
        read_change(which, body).map_err(|e| e.at_key(at))
    }
}

/// The change `which` (an index of [`CHANGES`]) from its fields.
fn read_change(which: usize, body: &Json) -> Result<ReceiverChange, ShapeError> {
    let f = Fields::of(body, "struct variant")?;
    let change = match which {
        0 => ReceiverChange::Schedule {
            schedule: f.req("schedule")?,
        },
        1 => ReceiverChange::AckQueued { jti: f.req("jti")? },
        2 => ReceiverChange::SetErrQueued {
            entry: f.req("entry")?,
        },
        3 => ReceiverChange::Confirmed {
            acks: f.req("acks")?,
            set_errs: f.req("setErrs")?,
        },
        4 => ReceiverChange::Delivered { set: f.req("set")? },
        5 => ReceiverChange::Dropped { jti: f.req("jti")? },
        6 => ReceiverChange::Settled { set: f.req("set")? },
        7 => ReceiverChange::Forgotten {
            iss: f.req("iss")?,
            jti: f.req("jti")?,
        },
        8 => ReceiverChange::Held { set: f.req("set")? },
        9 => ReceiverChange::Released { jti: f.req("jti")? },
        _ => ReceiverChange::Snapshot {
            state: f.req("state")?,
        },
    };
    Ok(change)
}

impl ReceiverState {
    /// Replay `changes` (oldest first) onto this saved state, then
    /// [`validate`](Self::validate) the result.
    ///
    /// # Errors
    /// When the result is not a valid state; `self` then holds it anyway
    /// (load the snapshot again to retry).
    pub fn apply<I>(&mut self, changes: I) -> Result<(), StateError>
    where
        I: IntoIterator<Item = ReceiverChange>,
    {
        let mut dedup = Dedup::from_processed(core::mem::take(&mut self.processed));
        for change in changes {
            match change {
                ReceiverChange::Schedule { schedule } => self.schedule = schedule,
                ReceiverChange::AckQueued { jti } => {
                    self.pending_set_errs.retain(|e| e.jti != jti);
                    if !self.pending_acks.contains(&jti) {
                        self.pending_acks.push(jti);
                    }
                }
                ReceiverChange::SetErrQueued { entry } => {
                    self.pending_acks.retain(|j| *j != entry.jti);
                    self.pending_set_errs.retain(|e| e.jti != entry.jti);
                    self.pending_set_errs.push(entry);
                }
                ReceiverChange::Confirmed { acks, set_errs } => {
                    let acks: std::collections::HashSet<String> = acks.into_iter().collect();
                    let errs: std::collections::HashSet<String> = set_errs.into_iter().collect();
                    self.pending_acks.retain(|j| !acks.contains(j));
                    self.pending_set_errs.retain(|e| !errs.contains(&e.jti));
                }
                ReceiverChange::Delivered { set } => {
                    self.unsettled.retain(|u| u.jti != set.jti);
                    self.unsettled.push(set);
                }
                ReceiverChange::Dropped { jti } => self.unsettled.retain(|u| u.jti != jti),
                ReceiverChange::Settled { set } => {
                    self.unsettled.retain(|u| u.jti != set.jti);
                    let _ = dedup.insert(
                        set.iss,
                        set.jti,
                        set.delivered_at,
                        set.settlement,
                        usize::MAX,
                    );
                }
                ReceiverChange::Forgotten { iss, jti } => dedup.remove(&iss, &jti),
                ReceiverChange::Held { set } => {
                    self.held.retain(|h| h.jti != set.jti);
                    self.held.push(set);
                }
                ReceiverChange::Released { jti } => self.held.retain(|h| h.jti != jti),
                ReceiverChange::Snapshot { state } => {
                    let mut state = *state;
                    dedup = Dedup::from_processed(core::mem::take(&mut state.processed));
                    *self = state;
                }
            }
        }
        self.processed = dedup.export();
        self.validate()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::codes::SetErrCode;
    use crate::receiver::Settlement;
    use crate::time::Timestamp;

    fn unsettled(jti: &str) -> UnsettledSet {
        UnsettledSet {
            iss: "i".into(),
            jti: jti.into(),
            token: "x.y.z".into(),
            delivered_at: Timestamp::from_secs(1),
        }
    }

    fn journal() -> Vec<ReceiverChange> {
        vec![
            ReceiverChange::Delivered {
                set: unsettled("a"),
            },
            ReceiverChange::Delivered {
                set: unsettled("b"),
            },
            ReceiverChange::Settled {
                set: ProcessedSet {
                    iss: "i".into(),
                    jti: "a".into(),
                    delivered_at: Timestamp::from_secs(1),
                    settlement: Settlement::Acked,
                },
            },
            ReceiverChange::AckQueued { jti: "a".into() },
            ReceiverChange::SetErrQueued {
                entry: PendingSetErr {
                    jti: "z".into(),
                    err: SetErrCode::Jws,
                    description: "bad".into(),
                },
            },
            ReceiverChange::Confirmed {
                acks: vec!["a".into()],
                set_errs: vec![],
            },
            ReceiverChange::Held {
                set: HeldSet {
                    jti: "h".into(),
                    kid: "k2".into(),
                    token: "p.q.r".into(),
                    received_at: Timestamp::from_secs(2),
                },
            },
            ReceiverChange::Schedule {
                schedule: ScheduleState {
                    next_poll_at: Timestamp::from_secs(9),
                    consecutive_failures: 0,
                    stalled_polls: 1,
                },
            },
        ]
    }

    #[test]
    fn replays_onto_a_state_and_again_onto_its_result() {
        let mut state = ReceiverState::default();
        state.apply(journal()).unwrap();
        assert!(state.pending_acks.is_empty());
        assert_eq!(state.pending_set_errs.len(), 1);
        assert_eq!(state.unsettled.len(), 1);
        assert_eq!(state.processed.len(), 1);
        assert_eq!(state.held.len(), 1);
        assert_eq!(state.schedule.stalled_polls, 1);
        // A snapshot that already reflects the journal is unchanged by it.
        let mut again = state.clone();
        again.apply(journal()).unwrap();
        assert_eq!(again, state);
        // Forgetting and releasing.
        state
            .apply([
                ReceiverChange::Forgotten {
                    iss: "i".into(),
                    jti: "a".into(),
                },
                ReceiverChange::Released { jti: "h".into() },
                ReceiverChange::Dropped { jti: "b".into() },
            ])
            .unwrap();
        assert!(state.processed.is_empty() && state.held.is_empty());
        assert!(state.unsettled.is_empty());
    }

    #[test]
    fn changes_round_trip_through_json_and_a_snapshot_replaces_all() {
        for change in journal() {
            let text = change.to_json();
            assert_eq!(ReceiverChange::from_json(&text).unwrap(), change, "{text}");
        }
        assert_eq!(
            ReceiverChange::AckQueued { jti: "a".into() }.to_json(),
            r#"{"ackQueued":{"jti":"a"}}"#
        );
        let mut state = ReceiverState::default();
        state.apply(journal()).unwrap();
        let mut other = ReceiverState::default();
        other
            .apply([
                ReceiverChange::AckQueued { jti: "x".into() },
                ReceiverChange::Snapshot {
                    state: Box::new(state.clone()),
                },
            ])
            .unwrap();
        assert_eq!(other, state);
        assert_eq!(
            ReceiverChange::from_json("{}").unwrap_err().code(),
            "state_json"
        );
    }
}
