//! Housekeeping as time passes: expire, dead-letter and purge, in bounded
//! batches. Call it periodically (say every minute), and again at once
//! while `more`; polls never block on it.
//!
//! A record is *due* at `now` when [`Transmitter::sweep_change`] has a
//! change for it: out of attempts with its visibility timeout passed, or
//! past `expires_at`. One call with budget `b` acts on the first `b` due
//! records in `(client, seq)` order (client ids compared byte by byte), and
//! its `more` is true exactly when more than `b` were due. Each change takes
//! its record out of the due set (deleted, or dead-lettered until
//! `now + dead_letter_retention`), so a host that calls again while `more`,
//! with the same `now`, stops after `ceil(due / b)` calls with nothing due
//! left. [`MemoryQueue::sweep`](super::MemoryQueue::sweep) and the steps
//! below give the same changes and the same `more` for the same records.
//!
//! Storage-neutral form:
//! 1. [`Transmitter::plan_sweep`]`(now, b)` gives the bounds of two queries,
//!    with `limit = b + 1` (one more row than the budget, to know whether
//!    more are due);
//! 2. the host loads at most `limit` rows of each, any client, in
//!    `(client, seq)` order:
//!    ```sql
//!    SELECT * FROM sets WHERE expires_at <= :now
//!     ORDER BY client, seq LIMIT :limit;
//!    SELECT * FROM sets WHERE state = 'delivered' AND attempts >= :max_attempts
//!                         AND visible_at <= :now
//!     ORDER BY client, seq LIMIT :limit;
//!    ```
//!    (on PostgreSQL, `ORDER BY client COLLATE "C", seq` for byte order;
//!    SQLite's default collation already is). The order is what makes a
//!    call act on the same records as the memory queue; in any other order
//!    the loop still drains everything and `more` is still exact;
//! 3. [`Transmitter::decide_sweep`] returns the changes and `more`.
//!
//! Why `more` is exact: if more than `b` records are due, the two queries
//! together return at least `b + 1` of them (a query with `limit` or more
//! matches returns `limit` rows; otherwise each returns all its matches),
//! and in `(client, seq)` order they include the first `b` due records.

use std::collections::HashSet;

use super::record::{Change, SetRecord};
use super::rules::Transmitter;
use crate::time::Timestamp;

/// The bounds of one sweep, what a host keeps between
/// [`Transmitter::plan_sweep`] and [`Transmitter::decide_sweep`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct SweepPlan {
    /// The time of the sweep.
    pub now: Timestamp,
    /// Rows to load per query at most, in `(client, seq)` order: the budget
    /// plus one (see [`SweepPlan::budget`]).
    pub limit: usize,
    /// `attempts >= max_attempts` selects exhausted SETs.
    pub max_attempts: u32,
}

impl SweepPlan {
    /// The most changes one call makes: `limit - 1`, and at least 1 (a plan
    /// not made by [`Transmitter::plan_sweep`] may carry a smaller `limit`).
    #[must_use]
    pub fn budget(&self) -> usize {
        self.limit.saturating_sub(1).max(1)
    }
}

/// The result of a sweep: commit `changes` atomically.
#[derive(Clone, Debug, PartialEq, Eq)]
#[must_use]
pub struct SweepOutcome {
    /// Durable changes, in `(client, seq)` order: one for each of the first
    /// [`SweepPlan::budget`] due records.
    pub changes: Vec<Change>,
    /// Whether due records remain after these changes (more than the budget
    /// were due): call again soon, with the same `now` to finish the pass.
    pub more: bool,
}

impl Transmitter {
    /// Step 1 of a sweep: act on at most `budget` records (0 counts as 1);
    /// the plan's `limit` is `budget + 1` rows per query.
    pub fn plan_sweep(&self, now: Timestamp, budget: usize) -> SweepPlan {
        SweepPlan {
            now,
            limit: budget.max(1).saturating_add(1),
            max_attempts: self.config().max_attempts,
        }
    }

    /// Step 3 of a sweep, given both queries' rows (in any order, a row
    /// loaded twice counting once).
    ///
    /// The changes are those of the first [`SweepPlan::budget`] due records
    /// in `(client, seq)` order; rows that are not due are skipped. `more`
    /// is true when more due records were loaded than the budget, or when
    /// `loaded_full` (either query returned `plan.limit` rows) and anything
    /// was due. With the loads as planned, `loaded_full` changes nothing (a
    /// full query already means more than the budget is due); it keeps
    /// `more` safe for a host that loaded fewer rows than planned. `more`
    /// is never true without a change, so a loop on it ends.
    pub fn decide_sweep(
        &self,
        plan: &SweepPlan,
        records: &[SetRecord],
        loaded_full: bool,
    ) -> SweepOutcome {
        let mut rows: Vec<&SetRecord> = records.iter().collect();
        rows.sort_by(|a, b| (&a.client, a.seq).cmp(&(&b.client, b.seq)));
        let mut seen = HashSet::new();
        let mut due = rows
            .into_iter()
            .filter(|r| seen.insert((r.client.as_str(), r.jti.as_str())))
            .filter_map(|r| self.sweep_change(r, plan.now));
        let budget = plan.budget();
        let changes: Vec<Change> = due.by_ref().take(budget).collect();
        let beyond = due.next().is_some();
        SweepOutcome {
            more: beyond || (loaded_full && !changes.is_empty()),
            changes,
        }
    }
}
