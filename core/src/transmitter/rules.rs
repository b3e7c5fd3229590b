//! [`Transmitter`]: the pure rules, shared by the in-memory queue and by a
//! database host. It holds only the validated configuration.

use super::config::{ConfigError, DeliveryMode, TransmitterConfig};
use super::record::{Change, DeleteReason, FailureReason, SetFailure, SetRecord, SetState};
use crate::time::Timestamp;
use crate::wire::EventPolling;

/// The transmitter's rules over a validated [`TransmitterConfig`].
///
/// It keeps no queue: every method takes the records it needs and returns
/// its decision plus the [`Change`]s to persist. Cheap to clone; `Send + Sync`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transmitter {
    config: TransmitterConfig,
}

impl Transmitter {
    /// Rules over `config`.
    ///
    /// # Errors
    /// When [`TransmitterConfig::validate`] refuses the configuration.
    pub fn new(config: TransmitterConfig) -> Result<Self, ConfigError> {
        config.validate()?;
        Ok(Transmitter { config })
    }

    /// The configuration in force.
    #[must_use]
    pub fn config(&self) -> &TransmitterConfig {
        &self.config
    }

    /// How many SETs a request may receive: `maxEvents` capped by the limit;
    /// an absent `maxEvents` means `default_max_events` (OBIE: "the ASPSP's
    /// default"; RFC 8936 §2.4: "an implementation-specific default limit"),
    /// also capped; `0` for `maxEvents: 0`.
    #[must_use]
    pub fn batch_size(&self, request: &EventPolling) -> u32 {
        let limit = self.config.max_events_limit;
        match request.max_events {
            Some(n) => n.min(limit),
            None => self.config.default_max_events.min(limit),
        }
    }

    /// Whether `record` may be delivered at `now`: awaiting, visible, not
    /// expired, and with attempts left. The single definition both queue
    /// forms select on (as SQL: `state IN ('pending','delivered') AND
    /// visible_at <= :now AND expires_at > :now AND attempts < :max_attempts`).
    #[must_use]
    pub fn is_deliverable(&self, record: &SetRecord, now: Timestamp) -> bool {
        record.state.is_awaiting()
            && record.visible_at <= now
            && record.expires_at > now
            && record.attempts < self.config.max_attempts
    }

    /// What the housekeeping sweep does to `record` at `now`, if anything:
    /// - a delivered SET out of attempts whose visibility timeout passed is
    ///   dead-lettered (even when past retention: the audit trail wins);
    /// - an awaiting SET past `expires_at` is deleted as expired;
    /// - a dead letter past `expires_at` is purged.
    #[must_use]
    pub fn sweep_change(&self, record: &SetRecord, now: Timestamp) -> Option<Change> {
        match record.state {
            SetState::Delivered
                if record.attempts >= self.config.max_attempts && record.visible_at <= now =>
            {
                let mut dead = record.clone();
                self.dead_letter(
                    &mut dead,
                    FailureReason::MaxAttempts {
                        attempts: record.attempts,
                    },
                    now,
                );
                Some(Change::Update(dead.update()))
            }
            SetState::Pending | SetState::Delivered if record.expires_at <= now => {
                Some(delete(record, DeleteReason::Expired))
            }
            SetState::DeadLetter if record.expires_at <= now => {
                Some(delete(record, DeleteReason::Purged))
            }
            _ => None,
        }
    }

    /// Whether acknowledgements and `setErrs` are acted on at all.
    pub(crate) fn uses_feedback(&self) -> bool {
        self.config.delivery == DeliveryMode::AtLeastOnce
    }

    /// Move `record` to the dead-letter state with `reason` recorded.
    pub(crate) fn dead_letter(
        &self,
        record: &mut SetRecord,
        reason: FailureReason,
        now: Timestamp,
    ) {
        record.state = SetState::DeadLetter;
        record.expires_at = now.saturating_add(self.config.dead_letter_retention);
        record.last_error = Some(SetFailure { reason, at: now });
    }
}

/// The delete change for `record`.
pub(crate) fn delete(record: &SetRecord, reason: DeleteReason) -> Change {
    Change::Delete {
        client: record.client.clone(),
        jti: record.jti.clone(),
        seq: record.seq,
        reason,
    }
}
