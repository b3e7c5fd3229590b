//! The durable form of the queue: one [`SetRecord`] per queued SET, and the
//! [`Change`]s every decision returns for the host to persist.
//!
//! A host that stores these rows (and applies every `Change` it is given,
//! atomically, before answering the client) holds the whole state: the
//! in-memory queue rebuilt from them behaves exactly like the one that
//! produced them.

use serde::{Deserialize, Serialize};

use crate::codes::SetErrCode;
use crate::time::Timestamp;

/// Where a queued SET stands.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    try_from = "FailureReasonRepr"
)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetFailure {
    /// What went wrong.
    pub reason: FailureReason,
    /// When it was recorded.
    pub at: Timestamp,
}

/// One queued SET: the row a database host stores, keyed by
/// `(client, jti)` and ordered by `(client, seq)`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
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
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", try_from = "ChangeRepr")]
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

// Reading the internally tagged enums above.
//
// serde's derived reader for an internally tagged enum buffers the whole
// object into its private `Content` tree before it can look at the tag, and
// then instantiates the reader of every type nested inside a second time
// over that buffer. That doubles the code for records, and the wasm package
// pays for it in size. These flat forms read the same JSON in one pass (the
// tag may sit anywhere in the object, as JSONB stores it) and then check that
// the variant named by the tag got its fields. The written form is unchanged:
// `Serialize` is still derived with the tag.

/// The message serde gives for a missing field, for the same failure here.
fn missing(field: &'static str) -> String {
    format!("missing field `{field}`")
}

/// `FailureReason` tags.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum FailureKind {
    SetErr,
    MaxAttempts,
}

/// Every `FailureReason` field, read as one plain struct.
#[derive(Deserialize)]
struct FailureReasonRepr {
    kind: FailureKind,
    err: Option<SetErrCode>,
    description: Option<String>,
    attempts: Option<u32>,
}

impl TryFrom<FailureReasonRepr> for FailureReason {
    type Error = String;

    fn try_from(r: FailureReasonRepr) -> Result<Self, String> {
        Ok(match r.kind {
            FailureKind::SetErr => FailureReason::SetErr {
                err: r.err.ok_or_else(|| missing("err"))?,
                description: r.description.ok_or_else(|| missing("description"))?,
            },
            FailureKind::MaxAttempts => FailureReason::MaxAttempts {
                attempts: r.attempts.ok_or_else(|| missing("attempts"))?,
            },
        })
    }
}

/// `Change` tags.
#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChangeOp {
    Insert,
    Update,
    Delete,
}

/// Every `Change` field (the union of [`SetRecord`], [`SetUpdate`] and the
/// delete key), read as one plain struct.
#[derive(Deserialize)]
struct ChangeRepr {
    op: ChangeOp,
    client: String,
    jti: String,
    seq: u64,
    token: Option<String>,
    state: Option<SetState>,
    attempts: Option<u32>,
    visible_at: Option<Timestamp>,
    enqueued_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
    last_error: Option<SetFailure>,
    reason: Option<DeleteReason>,
}

impl TryFrom<ChangeRepr> for Change {
    type Error = String;

    fn try_from(r: ChangeRepr) -> Result<Self, String> {
        let state = || r.state.ok_or_else(|| missing("state"));
        let attempts = || r.attempts.ok_or_else(|| missing("attempts"));
        let visible_at = || r.visible_at.ok_or_else(|| missing("visible_at"));
        let expires_at = || r.expires_at.ok_or_else(|| missing("expires_at"));
        Ok(match r.op {
            ChangeOp::Insert => Change::Insert(SetRecord {
                token: r.token.ok_or_else(|| missing("token"))?,
                state: state()?,
                attempts: attempts()?,
                visible_at: visible_at()?,
                enqueued_at: r.enqueued_at.ok_or_else(|| missing("enqueued_at"))?,
                expires_at: expires_at()?,
                last_error: r.last_error,
                seq: r.seq,
                client: r.client,
                jti: r.jti,
            }),
            ChangeOp::Update => Change::Update(SetUpdate {
                state: state()?,
                attempts: attempts()?,
                visible_at: visible_at()?,
                expires_at: expires_at()?,
                last_error: r.last_error,
                seq: r.seq,
                client: r.client,
                jti: r.jti,
            }),
            ChangeOp::Delete => Change::Delete {
                reason: r.reason.ok_or_else(|| missing("reason"))?,
                seq: r.seq,
                client: r.client,
                jti: r.jti,
            },
        })
    }
}
