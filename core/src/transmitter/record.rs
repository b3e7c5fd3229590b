//! The durable form of the queue: one [`SetRecord`] per queued SET, and the
//! [`Change`]s every decision returns for the host to persist.
//!
//! A host that stores these rows (and applies every `Change` it is given,
//! atomically, before answering the client) holds the whole state: the
//! in-memory queue rebuilt from them behaves exactly like the one that
//! produced them.

use serde::Serialize;

use crate::codes::SetErrCode;
use crate::json::typed::{
    deserialize_via_tree, read_struct, variant, Fields, FromJson, ShapeError,
};
use crate::json::Json;
use crate::time::Timestamp;

/// Where a queued SET stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SetState {
    /// Queued, never delivered.
    Pending,
    /// Delivered at least once and not yet acknowledged; deliverable again
    /// from `visible_at` on.
    Delivered,
    /// Given up on (reported in `setErrs`, or out of attempts); kept for
    /// audit until `expires_at`, never delivered again.
    DeadLetter,
}

impl SetState {
    /// The state as stored (`pending`, `delivered`, `dead_letter`).
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            SetState::Pending => "pending",
            SetState::Delivered => "delivered",
            SetState::DeadLetter => "dead_letter",
        }
    }

    /// Parse a stored state; `None` when unknown.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "pending" => Some(SetState::Pending),
            "delivered" => Some(SetState::Delivered),
            "dead_letter" => Some(SetState::DeadLetter),
            _ => None,
        }
    }

    /// Whether the SET still waits for the recipient (pending or delivered).
    #[must_use]
    pub fn is_awaiting(self) -> bool {
        matches!(self, SetState::Pending | SetState::Delivered)
    }
}

/// Why a SET was dead-lettered (or, under
/// [`SetErrPolicy::Redeliver`](super::SetErrPolicy::Redeliver), the last error
/// the recipient reported).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FailureReason {
    /// The recipient reported it in `setErrs`.
    SetErr {
        /// `setErrs[jti].err`, carried through unchanged.
        err: SetErrCode,
        /// `setErrs[jti].description`.
        description: String,
    },
    /// Delivered `attempts` times without acknowledgement.
    MaxAttempts {
        /// Deliveries made.
        attempts: u32,
    },
}

/// A recorded failure: what went wrong and when the transmitter learnt it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetFailure {
    /// What went wrong.
    pub reason: FailureReason,
    /// When it was recorded.
    pub at: Timestamp,
}

/// One queued SET: the row a database host stores, keyed by
/// `(client, jti)` and ordered by `(client, seq)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetRecord {
    /// Position in the client's queue: unique per client, FIFO order.
    pub seq: u64,
    /// The recipient's client id (the SET's `aud`).
    pub client: String,
    /// The SET's `jti`: the key in `sets`, `ack` and `setErrs`.
    pub jti: String,
    /// The signed SET, delivered byte for byte as enqueued.
    pub token: String,
    /// Where the SET stands.
    pub state: SetState,
    /// Deliveries made so far.
    pub attempts: u32,
    /// Earliest time the SET may be delivered (again).
    pub visible_at: Timestamp,
    /// When it was enqueued.
    pub enqueued_at: Timestamp,
    /// When it expires (awaiting SETs) or is purged (dead letters).
    pub expires_at: Timestamp,
    /// The last failure recorded, if any.
    pub last_error: Option<SetFailure>,
}

impl SetRecord {
    /// Read a record from its JSON form (`serde_json::to_string` of it):
    /// the form a host stores or passes around.
    ///
    /// # Errors
    /// When the text is not JSON, a member name appears twice, or a member
    /// is missing or of the wrong type (the message names its path).
    pub fn from_json(text: &str) -> Result<Self, crate::JsonError> {
        crate::json::read(text)
    }

    /// Read a JSON array of records ([`from_json`](Self::from_json) each).
    ///
    /// # Errors
    /// As [`from_json`](Self::from_json); the path starts at the element
    /// (`[2].state`).
    pub fn list_from_json(text: &str) -> Result<Vec<Self>, crate::JsonError> {
        crate::json::read(text)
    }

    /// The mutable part of the record, as an [`Change::Update`] carries it.
    #[must_use]
    pub fn update(&self) -> SetUpdate {
        SetUpdate {
            client: self.client.clone(),
            jti: self.jti.clone(),
            seq: self.seq,
            state: self.state,
            attempts: self.attempts,
            visible_at: self.visible_at,
            expires_at: self.expires_at,
            last_error: self.last_error.clone(),
        }
    }

    /// Apply an update's fields (the key fields are not touched).
    pub fn apply_update(&mut self, update: &SetUpdate) {
        self.state = update.state;
        self.attempts = update.attempts;
        self.visible_at = update.visible_at;
        self.expires_at = update.expires_at;
        self.last_error.clone_from(&update.last_error);
    }
}

/// New values for the mutable columns of an existing record (the token,
/// `seq` and `enqueued_at` never change after enqueue).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SetUpdate {
    /// Key: client id.
    pub client: String,
    /// Key: `jti`.
    pub jti: String,
    /// The record's `seq` (unchanged; carried for hosts keyed on it).
    pub seq: u64,
    /// New state.
    pub state: SetState,
    /// New attempt count.
    pub attempts: u32,
    /// New `visible_at`.
    pub visible_at: Timestamp,
    /// New `expires_at`.
    pub expires_at: Timestamp,
    /// New `last_error`.
    pub last_error: Option<SetFailure>,
}

/// Why a record was deleted.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeleteReason {
    /// The recipient acknowledged it.
    Acknowledged,
    /// Delivered under [`DeliveryMode::DeliverOnce`](super::DeliveryMode::DeliverOnce).
    DeliveredOnce,
    /// Unacknowledged past its retention period.
    Expired,
    /// A dead letter past its audit retention period.
    Purged,
}

impl DeleteReason {
    /// Stable machine code.
    #[must_use]
    pub fn code(self) -> &'static str {
        match self {
            DeleteReason::Acknowledged => "acknowledged",
            DeleteReason::DeliveredOnce => "delivered_once",
            DeleteReason::Expired => "expired",
            DeleteReason::Purged => "purged",
        }
    }
}

/// One durable state change. The host applies every change a call returns
/// in one transaction, in order, before it answers the client.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Change {
    /// Insert a new record (`INSERT`; only enqueue produces it).
    Insert(SetRecord),
    /// Update the mutable columns of the record keyed `(client, jti)`.
    Update(SetUpdate),
    /// Delete the record keyed `(client, jti)`.
    Delete {
        /// Key: client id.
        client: String,
        /// Key: `jti`.
        jti: String,
        /// The record's `seq`.
        seq: u64,
        /// Why.
        reason: DeleteReason,
    },
}

impl Change {
    /// The client whose queue the change touches.
    #[must_use]
    pub fn client(&self) -> &str {
        match self {
            Change::Insert(r) => &r.client,
            Change::Update(u) => &u.client,
            Change::Delete { client, .. } => client,
        }
    }

    /// The `jti` of the record the change touches.
    #[must_use]
    pub fn jti(&self) -> &str {
        match self {
            Change::Insert(r) => &r.jti,
            Change::Update(u) => &u.jti,
            Change::Delete { jti, .. } => jti,
        }
    }
}

// Reading (crate::json::typed): each record from the parsed tree, with
// serde's derived rules, compiled once instead of once per JSON source. The
// internally tagged enums are read as one flat object (the tag may sit
// anywhere in it, as JSONB stores it), then the variant named by the tag
// takes its fields. The written form is derived, with the tag.

deserialize_via_tree!(SetState, FailureReason, DeleteReason, Change);

const SET_STATES: [&str; 3] = ["pending", "delivered", "dead_letter"];
const DELETE_REASONS: [&str; 4] = ["acknowledged", "delivered_once", "expired", "purged"];

impl FromJson for SetState {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        Ok(match variant(j, &SET_STATES)? {
            0 => SetState::Pending,
            1 => SetState::Delivered,
            _ => SetState::DeadLetter,
        })
    }
}

impl FromJson for DeleteReason {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        Ok(match variant(j, &DELETE_REASONS)? {
            0 => DeleteReason::Acknowledged,
            1 => DeleteReason::DeliveredOnce,
            2 => DeleteReason::Expired,
            _ => DeleteReason::Purged,
        })
    }
}

impl FromJson for FailureReason {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        let f = Fields::of(j, "internally tagged enum FailureReason")?;
        Ok(match f.tag("kind", &["set_err", "max_attempts"])? {
            0 => FailureReason::SetErr {
                err: f.req("err")?,
                description: f.req("description")?,
            },
            _ => FailureReason::MaxAttempts {
                attempts: f.req("attempts")?,
            },
        })
    }
}

read_struct!(SetFailure {
    reason: req "reason",
    at: req "at",
});

read_struct!(SetRecord {
    seq: req "seq",
    client: req "client",
    jti: req "jti",
    token: req "token",
    state: req "state",
    attempts: req "attempts",
    visible_at: req "visible_at",
    enqueued_at: req "enqueued_at",
    expires_at: req "expires_at",
    last_error: opt "last_error",
});

read_struct!(SetUpdate {
    client: req "client",
    jti: req "jti",
    seq: req "seq",
    state: req "state",
    attempts: req "attempts",
    visible_at: req "visible_at",
    expires_at: req "expires_at",
    last_error: opt "last_error",
});

impl FromJson for Change {
    fn from_json(j: &Json) -> Result<Self, ShapeError> {
        let f = Fields::of(j, "internally tagged enum Change")?;
        Ok(match f.tag("op", &["insert", "update", "delete"])? {
            0 => Change::Insert(<SetRecord as FromJson>::from_json(j)?),
            1 => Change::Update(<SetUpdate as FromJson>::from_json(j)?),
            _ => Change::Delete {
                client: f.req("client")?,
                jti: f.req("jti")?,
                seq: f.req("seq")?,
                reason: f.req("reason")?,
            },
        })
    }
}
