//! Housekeeping as time passes: expire, dead-letter and purge, in bounded
//! batches. Call it periodically (say every minute); polls never block on it.
//!
//! Storage-neutral form:
//! 1. [`Transmitter::plan_sweep`] gives the bounds of two queries;
//! 2. the host loads at most `limit` rows of each (any client):
//!    ```sql
//!    SELECT * FROM sets WHERE expires_at <= :now LIMIT :limit;
//!    SELECT * FROM sets WHERE state = 'delivered' AND attempts >= :max_attempts
//!                         AND visible_at <= :now LIMIT :limit;
//!    ```
//! 3. [`Transmitter::decide_sweep`] returns the changes; `more` says whether
//!    to call again soon.

use std::collections::HashSet;

use super::record::{Change, SetRecord};
use super::rules::Transmitter;
use crate::time::Timestamp;

/// The bounds of one sweep.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct SweepPlan {
    /// The time of the sweep.
    pub now: Timestamp,
    /// Rows to load per query at most.
    pub limit: usize,
    /// `attempts >= max_attempts` selects exhausted SETs.
    pub max_attempts: u32,
}

/// The result of a sweep: commit `changes` atomically.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct SweepOutcome {
    /// Durable changes, in order.
    pub changes: Vec<Change>,
    /// Whether work may remain (a query hit its limit, or the in-memory scan
    /// stopped before finishing its pass).
    pub more: bool,
}

impl Transmitter {
    /// Step 1 of a sweep.
    pub fn plan_sweep(&self, now: Timestamp, limit: usize) -> SweepPlan {
        SweepPlan {
            now,
            limit,
            max_attempts: self.config().max_attempts,
        }
    }

    /// Step 3 of a sweep: the changes for the loaded rows, ordered by
    /// `(client, seq)` (rows needing nothing are skipped; a row loaded twice
    /// counts once). `loaded_full`
    /// is whether either query returned `limit` rows.
    pub fn decide_sweep(
        &self,
        plan: &SweepPlan,
        records: &[SetRecord],
        loaded_full: bool,
    ) -> SweepOutcome {
        let mut rows: Vec<&SetRecord> = records.iter().collect();
        rows.sort_by(|a, b| (&a.client, a.seq).cmp(&(&b.client, b.seq)));
        let mut seen = HashSet::new();
        let changes = rows
            .into_iter()
            .filter(|r| seen.insert((r.client.as_str(), r.jti.as_str())))
            .filter_map(|r| self.sweep_change(r, plan.now))
            .collect();
        SweepOutcome {
            changes,
            more: loaded_full,
        }
    }
}
