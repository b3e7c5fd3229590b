//! The transmitter in its storage-neutral form
//! (`setpoll_core::transmitter::Transmitter`): the host keeps the records in
//! its own database and runs each operation as plan, load, decide, commit.
//!
//! Records and changes cross as JSON text in the core's serde form (as
//! `MemoryTransmitter.recordsJson()` and the vectors write them). A plan is
//! an opaque object: the host reads the query bounds from it, loads the
//! rows, and hands the same object to the matching `decide*` call. The
//! plan never leaves Rust, so nothing can alter it in between and the
//! request body is parsed exactly once.

use std::sync::Arc;

use setpoll_core::transmitter::{
    EnqueuePlan as CoreEnqueuePlan, PollPlan as CorePollPlan, SetRecord,
    SweepPlan as CoreSweepPlan, Transmitter as CoreTransmitter,
};

use crate::time::{num, timestamp, to_host};
use crate::transmitter::{
    json, records, EnqueueResult, PollAnswer, PollWait, SweepResult, TransmitterConfig,
};
use crate::wire::parse_core;
use crate::SetpollError;

/// Enqueue step 1: what to load before [`StorageTransmitter::decide_enqueue`]:
/// the record keyed `(client, jti)` and `SELECT max(seq) FROM sets WHERE
/// client = :client`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct EnqueuePlan(CoreEnqueuePlan);

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl EnqueuePlan.0: CoreEnqueuePlan {
        /// The recipient (the token's single `aud`).
        client -> String = |p| p.client.clone();
        /// The token's `jti`.
        jti -> String = |p| p.jti.clone();
    }
}

record! {
    /// The deliverable rows a poll needs (as SQL: `client = :client AND state IN
    /// ('pending','delivered') AND visible_at <= :nowMs AND expires_at > :nowMs
    /// AND attempts < :maxAttempts AND jti NOT IN (:exclude) ORDER BY seq LIMIT :limit`).
    pub struct DeliverableQuery {
        /// The polling client.
        pub client: String,
        /// `visible_at <= nowMs AND expires_at > nowMs` (ms since the epoch).
        pub now_ms: i64,
        /// `attempts < maxAttempts`.
        pub max_attempts: i32,
        /// The `jti`s to leave out (those named in `ack`/`setErrs`).
        pub exclude: Vec<String>,
        /// Rows to load at most.
        pub limit: i32,
    }
}

/// Poll (or resume) step 1: what to load before [`StorageTransmitter::decide_poll`].
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct PollPlan(CorePollPlan);

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl PollPlan.0: CorePollPlan {
        /// The polling client.
        client -> String = |p| p.client.clone();
        /// Load this client's records with these `jti`s (`WHERE client = :client
        /// AND jti IN (:named)`), whatever their state.
        named -> Vec<String> = |p| p.named.clone();
        /// The deliverable records to load.
        deliverable -> DeliverableQuery = |p| DeliverableQuery {
            client: p.deliverable.client.clone(),
            now_ms: to_host(p.deliverable.now),
            max_attempts: num::i32_of(p.deliverable.max_attempts),
            exclude: p.deliverable.exclude.clone(),
            limit: num::i32_of(p.deliverable.limit),
        };
    }
}

/// Sweep step 1: the bounds of the two sweep queries (any client, each
/// `ORDER BY client, seq LIMIT :limit`): `expires_at <= :nowMs`, and
/// `state = 'delivered' AND attempts >= :maxAttempts AND visible_at <= :nowMs`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct SweepPlan(CoreSweepPlan);

getters! {
    #[cfg_attr(feature = "uniffi", uniffi::export)]
    impl SweepPlan.0: CoreSweepPlan {
        /// The time of the sweep (ms since the epoch).
        now_ms -> i64 = |p| to_host(p.now);
        /// Rows to load per query at most: the call's budget plus one (to know
        /// whether more are due).
        limit -> i32 = |p| num::i32_of(p.limit);
        /// `attempts >= maxAttempts` selects exhausted SETs.
        max_attempts -> i32 = |p| num::i32_of(p.max_attempts);
    }
}

/// The transmitter rules without storage, for a host that keeps the queue
/// in its own database (one row per record, see `core/TRANSMITTER.md` for
/// a table and the queries). Each operation is: `plan*` (what to load), the
/// host's load, `decide*` (the changes to commit in one transaction, then
/// what to answer). The object holds only the configuration, so one
/// instance serves every thread.
///
/// Host contract: commit every change a `decide*` call returns, in order,
/// in one transaction, before answering; serialise the polls of one client;
/// run the sweep periodically, again while `more`.
#[derive(Debug)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Object))]
pub struct StorageTransmitter {
    core: CoreTransmitter,
}

#[cfg_attr(feature = "uniffi", uniffi::export)]
impl StorageTransmitter {
    /// The rules over `config` (the same configuration as `MemoryTransmitter`).
    ///
    /// # Errors
    /// `Transmitter` when the configuration is inconsistent.
    #[cfg_attr(feature = "uniffi", uniffi::constructor)]
    pub fn new(config: TransmitterConfig) -> Result<Self, SetpollError> {
        Ok(StorageTransmitter {
            core: CoreTransmitter::new(config.to_core()?)?,
        })
    }

    /// The configuration in force, every field set.
    #[must_use]
    pub fn config(&self) -> TransmitterConfig {
        TransmitterConfig::of_core(self.core.config())
    }

    /// Enqueue step 1: the token's recipient and `jti`. Then load the record
    /// keyed `(client, jti)`, if any, and the client's highest `seq`.
    ///
    /// # Errors
    /// `Transmitter` when the token cannot be queued (`malformed_token`,
    /// `missing_audience`, ...), `Argument(negative_time)`.
    pub fn plan_enqueue(
        &self,
        token: String,
        now_ms: i64,
    ) -> Result<Arc<EnqueuePlan>, SetpollError> {
        let p = self.core.plan_enqueue(token, timestamp(now_ms)?)?;
        Ok(Arc::new(EnqueuePlan(p)))
    }

    /// Enqueue step 3: given the existing record (JSON object, or `None`)
    /// and the client's highest `seq` (`None` for none), the record to
    /// insert (`changesJson`) or "already queued". Wake the long polls of
    /// `wake` after committing.
    ///
    /// # Errors
    /// `Transmitter(load_mismatch)` when the record is another key's,
    /// `Transmitter(seq_exhausted)`, `Argument(bad_json)` for a malformed
    /// record.
    pub fn decide_enqueue(
        &self,
        plan: Arc<EnqueuePlan>,
        existing_record_json: Option<String>,
        newest_seq: Option<i64>,
    ) -> Result<EnqueueResult, SetpollError> {
        let existing: Option<SetRecord> = existing_record_json
            .as_deref()
            .map(|t| records("record", t, SetRecord::from_json))
            .transpose()?;
        let newest_seq = newest_seq
            .map(|s| num::u64_of("newest_seq", s))
            .transpose()?;
        let outcome = self
            .core
            .decide_enqueue(plan.0.clone(), existing.as_ref(), newest_seq)?;
        EnqueueResult::new(&outcome)
    }

    /// Poll step 1, for `POST /events` from the authenticated `client`:
    /// parse `body` (once) and say which rows to load.
    ///
    /// # Errors
    /// `Request` (whose `errorResponse` is the 400 body) for a bad body,
    /// `Argument(negative_time)`.
    #[cfg_attr(feature = "uniffi", uniffi::method(default(interaction_id = "")))]
    pub fn plan_poll(
        &self,
        client: String,
        body: String,
        now_ms: i64,
        interaction_id: String,
    ) -> Result<Arc<PollPlan>, SetpollError> {
        self.plan_poll_bytes(client, body.into_bytes(), now_ms, interaction_id)
    }

    /// [`plan_poll`](Self::plan_poll) with the body as the bytes received
    /// (`ByteArray` / `Data`): a body that is not UTF-8 gets the core's
    /// `Request(not_utf8)` error and its 400 body.
    ///
    /// # Errors
    /// As [`plan_poll`](Self::plan_poll).
    #[cfg_attr(feature = "uniffi", uniffi::method(default(interaction_id = "")))]
    pub fn plan_poll_bytes(
        &self,
        client: String,
        body: Vec<u8>,
        now_ms: i64,
        interaction_id: String,
    ) -> Result<Arc<PollPlan>, SetpollError> {
        let now = timestamp(now_ms)?;
        let request = parse_core(
            &body,
            &self.core.config().request_options(),
            &interaction_id,
        )?;
        Ok(Arc::new(PollPlan(
            self.core.plan_poll(&client, &request, now),
        )))
    }

    /// Resume step 1, for a held long poll: call when `enqueue` woke its
    /// client or at its `untilMs`, whichever comes first. Then load and
    /// call `decidePoll` as for a poll.
    ///
    /// # Errors
    /// `Argument(negative_time)`.
    pub fn plan_resume(
        &self,
        wait: Arc<PollWait>,
        now_ms: i64,
    ) -> Result<Arc<PollPlan>, SetpollError> {
        Ok(Arc::new(PollPlan(
            self.core.plan_resume(&wait.0, timestamp(now_ms)?),
        )))
    }

    /// Poll step 3: given the records the plan named and the deliverable
    /// ones (two JSON arrays), the changes to commit and the answer.
    /// Records of another client, or not deliverable, are ignored, so a
    /// loader bug cannot leak one client's SETs to another.
    ///
    /// # Errors
    /// `Argument(bad_json)` for malformed records.
    pub fn decide_poll(
        &self,
        plan: Arc<PollPlan>,
        named_records_json: String,
        deliverable_records_json: String,
    ) -> Result<PollAnswer, SetpollError> {
        let named = records(
            "named records",
            &named_records_json,
            SetRecord::list_from_json,
        )?;
        let deliverable = records(
            "deliverable records",
            &deliverable_records_json,
            SetRecord::list_from_json,
        )?;
        PollAnswer::new(self.core.decide_poll(&plan.0, named, deliverable))
    }

    /// Sweep step 1: the bounds of the two sweep queries, for a call that
    /// acts on at most `budget` due records (the plan's own `limit`, rows to
    /// load per query, is one more).
    ///
    /// # Errors
    /// `Argument(negative_time)`.
    pub fn plan_sweep(&self, now_ms: i64, budget: i32) -> Result<Arc<SweepPlan>, SetpollError> {
        let budget = num::usize_of("budget", budget)?;
        Ok(Arc::new(SweepPlan(
            self.core.plan_sweep(timestamp(now_ms)?, budget),
        )))
    }

    /// Sweep step 3: the changes for the first `limit - 1` due rows in
    /// `(client, seq)` order (both queries' rows in one JSON array; a row in
    /// both counts once). The result's `more` is true exactly when more were
    /// due, given rows loaded as planned; `loadedFull` (either query
    /// returned `limit` rows) only keeps it safe for a host that loaded fewer.
    ///
    /// # Errors
    /// `Argument(bad_json)` for malformed records.
    pub fn decide_sweep(
        &self,
        plan: Arc<SweepPlan>,
        records_json: String,
        loaded_full: bool,
    ) -> Result<SweepResult, SetpollError> {
        let records = records("records", &records_json, SetRecord::list_from_json)?;
        let outcome = self.core.decide_sweep(&plan.0, &records, loaded_full);
        Ok(SweepResult {
            changes_json: json(serde_json::to_string(&outcome.changes))?,
            more: outcome.more,
        })
    }
}
#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]
mod tests {
    use super::*;

    /// A SET-shaped token for client `7umx5nTR33811QyQfi`, `jti` `w1`
    /// (from tests/vectors/transmitter.json; enqueue reads, never verifies).
    const TOKEN: &str = "eyJhbGciOiJFUzI1NiIsImtpZCI6ImVzMjU2LTIwMjYifQ.eyJpc3MiOiJodHRwczovL2V4YW1wbGViYW5rLmNvbS8iLCJpYXQiOjE3MDAwMDAwMDAsImp0aSI6IncxIiwiYXVkIjoiN3VteDVuVFIzMzgxMVF5UWZpIn0.c2ln";
    const CLIENT: &str = "7umx5nTR33811QyQfi";

    fn tx() -> StorageTransmitter {
        StorageTransmitter::new(TransmitterConfig {
            visibility_timeout_ms: Some(1000),
            max_attempts: Some(3),
            ..TransmitterConfig::default()
        })
        .unwrap()
    }

    #[test]
    fn enqueue_then_poll_through_opaque_plans() {
        let tx = tx();
        let plan = tx.plan_enqueue(TOKEN.into(), 1_000).unwrap();
        assert_eq!(
            (plan.client().as_str(), plan.jti().as_str()),
            (CLIENT, "w1")
        );
        let queued = tx.decide_enqueue(plan, None, None).unwrap();
        assert!(queued.queued);
        let changes: Vec<setpoll_core::transmitter::Change> =
            serde_json::from_str(&queued.changes_json).unwrap();
        let [setpoll_core::transmitter::Change::Insert(record)] = changes.as_slice() else {
            panic!("one insert expected: {changes:?}");
        };
        let plan = tx
            .plan_poll(CLIENT.into(), "{}".into(), 2_000, String::new())
            .unwrap();
        let q = plan.deliverable();
        assert_eq!((q.limit, q.now_ms, q.max_attempts), (101, 2_000, 3));
        let rows = serde_json::to_string(&[record]).unwrap();
        let answer = tx.decide_poll(plan, "[]".into(), rows).unwrap();
        assert!(answer.response_json.unwrap().contains("\"w1\""));
        assert_eq!(answer.changes, 1);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let tx = tx();
        let plan = tx
            .plan_poll(CLIENT.into(), "{}".into(), 1, String::new())
            .unwrap();
        let e = tx
            .decide_poll(plan, "[{}]".into(), "[]".into())
            .unwrap_err();
        assert_eq!(e.code(), "bad_json");
        let e = tx.plan_poll_bytes(CLIENT.into(), vec![b'{', 0xff, b'}'], 1, "i".into());
        assert_eq!(e.unwrap_err().code(), "not_utf8");
        let e = tx.plan_poll(CLIENT.into(), r#"{"maxEvents":-1}"#.into(), 1, "i-9".into());
        match e.unwrap_err() {
            SetpollError::Request { error_response, .. } => {
                assert!(error_response.contains("i-9"), "{error_response}");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(tx.plan_sweep(-1, 10).unwrap_err().code(), "negative_time");
        assert_eq!(tx.plan_sweep(1, -1).unwrap_err().code(), "negative_value");
        let plan = tx.plan_enqueue(TOKEN.into(), 1_000).unwrap();
        let e = tx.decide_enqueue(plan, None, Some(-5)).unwrap_err();
        assert_eq!(e.code(), "negative_value");
    }

    #[test]
    fn sweep_plan_loads_one_more_than_the_budget() {
        let tx = tx();
        let sweep = tx.plan_sweep(5, 10).unwrap();
        assert_eq!(
            (sweep.now_ms(), sweep.limit(), sweep.max_attempts()),
            (5, 11, 3)
        );
        let out = tx.decide_sweep(sweep, "[]".into(), false).unwrap();
        assert_eq!((out.changes_json.as_str(), out.more), ("[]", false));
    }
}
