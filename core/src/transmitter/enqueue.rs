//! Enqueue: a signed SET joins its recipient's queue, once.
//!
//! Storage-neutral form, in two steps:
//! 1. [`Transmitter::plan_enqueue`] reads the token's `jti` and `aud`;
//! 2. the host loads the record keyed `(plan.client, plan.jti)`, if any, and
//!    the client's highest `seq` (`SELECT max(seq) FROM sets WHERE client = ?`);
//! 3. [`Transmitter::decide_enqueue`] returns [`EnqueueOutcome`]: the record to
//!    insert, or [`EnqueueOutcome::AlreadyQueued`] (no change).
//!
//! Two concurrent enqueues for one client may pick the same `seq`; a unique
//! index on `(client, seq)` (and on `(client, jti)`) makes one fail, and the
//! host retries it from step 1.

use super::record::{Change, SetRecord, SetState};
use super::rules::Transmitter;
use crate::set::peek_envelope;
use crate::time::Timestamp;

/// Longest `jti` accepted: `OBEventPolling1.ack` items are 1..128 characters,
/// so a longer `jti` could never be acknowledged.
pub const MAX_JTI_CHARS: usize = 128;
/// Longest client id (`aud`) accepted, as OBIE bounds `aud`.
pub const MAX_CLIENT_CHARS: usize = 128;

/// A SET ready to enqueue, with the keys the host must look up.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct EnqueuePlan {
    /// The recipient (the token's single `aud`).
    pub client: String,
    /// The token's `jti`.
    pub jti: String,
    /// The signed token, unchanged.
    pub token: String,
    /// When it is enqueued.
    pub now: Timestamp,
}

/// The decision on an enqueue.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub enum EnqueueOutcome {
    /// A new record: insert it (see [`EnqueueOutcome::changes`]), then wake
    /// any long poll waiting for `record.client`.
    Queued {
        /// The record to insert.
        record: SetRecord,
    },
    /// The client already holds this `jti`: nothing changes.
    AlreadyQueued {
        /// The client id.
        client: String,
        /// The `jti`.
        jti: String,
        /// The existing record's `seq`.
        seq: u64,
        /// The existing record's state.
        state: SetState,
        /// Whether the existing token is byte-identical to the offered one
        /// (a different token under a reused `jti` is worth an alert).
        same_token: bool,
    },
}

impl EnqueueOutcome {
    /// The changes to persist (one insert, or none).
    #[must_use]
    pub fn changes(&self) -> Vec<Change> {
        match self {
            EnqueueOutcome::Queued { record } => vec![Change::Insert(record.clone())],
            EnqueueOutcome::AlreadyQueued { .. } => Vec::new(),
        }
    }

    /// The client whose long polls should be woken, if any.
    #[must_use]
    pub fn wake(&self) -> Option<&str> {
        match self {
            EnqueueOutcome::Queued { record } => Some(&record.client),
            EnqueueOutcome::AlreadyQueued { .. } => None,
        }
    }
}

/// Why a SET could not be enqueued.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EnqueueError {
    /// Not a compact JWS whose payload carries a string `jti`.
    MalformedToken {
        /// What was wrong.
        reason: String,
    },
    /// The token has no `aud`: no recipient to queue it for.
    MissingAudience,
    /// The token names several audiences; a SET is queued for one client.
    MultipleAudiences {
        /// How many.
        count: usize,
    },
    /// The `jti` is longer than [`MAX_JTI_CHARS`].
    JtiTooLong {
        /// Its length in characters.
        chars: usize,
    },
    /// The `aud` is empty or longer than [`MAX_CLIENT_CHARS`].
    BadClientId {
        /// Its length in characters.
        chars: usize,
    },
    /// The client's `seq` would overflow.
    SeqExhausted,
    /// The record the host loaded is not the one the plan asked for.
    LoadMismatch,
}

impl EnqueueError {
    /// Stable machine code.
    #[must_use]
    pub fn code(&self) -> &'static str {
        match self {
            EnqueueError::MalformedToken { .. } => "malformed_token",
            EnqueueError::MissingAudience => "missing_audience",
            EnqueueError::MultipleAudiences { .. } => "multiple_audiences",
            EnqueueError::JtiTooLong { .. } => "jti_too_long",
            EnqueueError::BadClientId { .. } => "bad_client_id",
            EnqueueError::SeqExhausted => "seq_exhausted",
            EnqueueError::LoadMismatch => "load_mismatch",
        }
    }
}

impl core::fmt::Display for EnqueueError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            EnqueueError::MalformedToken { reason } => write!(f, "cannot enqueue token: {reason}"),
            EnqueueError::MissingAudience => {
                f.write_str("token has no aud: no client to queue it for")
            }
            EnqueueError::MultipleAudiences { count } => {
                write!(f, "token names {count} audiences; queue one SET per client")
            }
            EnqueueError::JtiTooLong { chars } => write!(
                f,
                "jti has {chars} characters; at most {MAX_JTI_CHARS} can be acknowledged"
            ),
            EnqueueError::BadClientId { chars } => write!(
                f,
                "aud has {chars} characters; a client id has 1..={MAX_CLIENT_CHARS}"
            ),
            EnqueueError::SeqExhausted => f.write_str("client queue sequence exhausted"),
            EnqueueError::LoadMismatch => {
                f.write_str("loaded record does not match the enqueue plan's client and jti")
            }
        }
    }
}

impl std::error::Error for EnqueueError {}

impl Transmitter {
    /// Step 1 of an enqueue: read the token's routing facts.
    ///
    /// # Errors
    /// When the token is malformed, has no single `aud`, or its `jti` or
    /// `aud` is out of bounds.
    pub fn plan_enqueue(&self, token: String, now: Timestamp) -> Result<EnqueuePlan, EnqueueError> {
        let (client, jti) = route(&token)?;
        Ok(EnqueuePlan {
            client,
            jti,
            token,
            now,
        })
    }

    /// Step 3 of an enqueue: decide, given the record the client already
    /// holds under this `jti` (any state) and the client's highest `seq`.
    ///
    /// The new record is pending, visible at once, expiring after the
    /// retention period, with `seq` one above the client's highest.
    ///
    /// # Errors
    /// [`EnqueueError::LoadMismatch`] when `existing` is another key's
    /// record; [`EnqueueError::SeqExhausted`] at `u64::MAX`.
    pub fn decide_enqueue(
        &self,
        plan: EnqueuePlan,
        existing: Option<&SetRecord>,
        newest_seq: Option<u64>,
    ) -> Result<EnqueueOutcome, EnqueueError> {
        if let Some(record) = existing {
            if record.client != plan.client || record.jti != plan.jti {
                return Err(EnqueueError::LoadMismatch);
            }
            return Ok(EnqueueOutcome::AlreadyQueued {
                same_token: record.token == plan.token,
                client: plan.client,
                jti: plan.jti,
                seq: record.seq,
                state: record.state,
            });
        }
        let seq = match newest_seq {
            None => 1,
            Some(s) => s.checked_add(1).ok_or(EnqueueError::SeqExhausted)?,
        };
        Ok(EnqueueOutcome::Queued {
            record: SetRecord {
                seq,
                client: plan.client,
                jti: plan.jti,
                token: plan.token,
                state: SetState::Pending,
                attempts: 0,
                visible_at: plan.now,
                enqueued_at: plan.now,
                expires_at: plan.now.saturating_add(self.config().retention),
                last_error: None,
            },
        })
    }
}

/// The recipient (single `aud`) and `jti` of a token, within bounds.
pub(super) fn route(token: &str) -> Result<(String, String), EnqueueError> {
    let envelope = peek_envelope(token).map_err(|e| EnqueueError::MalformedToken {
        reason: e.description(),
    })?;
    let count = envelope.aud.len();
    let mut aud = envelope.aud.into_iter();
    let (Some(client), None) = (aud.next(), aud.next()) else {
        return Err(if count == 0 {
            EnqueueError::MissingAudience
        } else {
            EnqueueError::MultipleAudiences { count }
        });
    };
    let client_chars = client.chars().count();
    if client_chars == 0 || client_chars > MAX_CLIENT_CHARS {
        return Err(EnqueueError::BadClientId {
            chars: client_chars,
        });
    }
    let jti_chars = envelope.jti.chars().count();
    if jti_chars > MAX_JTI_CHARS {
        return Err(EnqueueError::JtiTooLong { chars: jti_chars });
    }
    Ok((client, envelope.jti))
}
