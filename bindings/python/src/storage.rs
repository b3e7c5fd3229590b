//! The transmitter in its storage-neutral form
//! (`setpoll_core::transmitter::Transmitter`): the host keeps the records in
//! its own database and runs each operation as plan, load, decide, commit.
//!
//! Plans, records and changes cross as JSON text in the core's serde form
//! (records and changes as `MemoryTransmitter.records_json` and the vectors
//! write them; plans as `setpoll_core::transmitter` documents them, the poll
//! plan's `request` being the canonical `OBEventPolling1` body). A plan is
//! the host's to keep between the two calls; one it altered is parsed again
//! and checked like any input, by the core.

use crate::errors::Error;
use crate::transmitter::{config_from, to_json, EnqueueResult, PollAnswer, PollWait, SweepResult};
use crate::wire::{parse_request_core, Body};
use pyo3::prelude::*;
use setpoll_core::transmitter::{
    EnqueuePlan, PollPlan, SetRecord, SweepPlan, Transmitter as CoreTransmitter,
};
use setpoll_core::Timestamp;

fn from_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, Error> {
    serde_json::from_str(text).map_err(|e| Error::argument("bad_json", format!("{what}: {e}")))
}

/// The transmitter rules without storage: each operation is a plan (what to
/// load), the host's load, and a decision (the changes to commit in one
/// transaction, and what to answer). Stateless, so thread-safe.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct Transmitter {
    core: CoreTransmitter,
}

#[pymethods]
impl Transmitter {
    /// The same keyword arguments as `MemoryTransmitter`.
    #[new]
    #[pyo3(signature = (*, profile="obie", default_max_events=100, max_events_limit=1000,
        visibility_timeout_ms=600_000, max_attempts=10, retention_ms=604_800_000,
        dead_letter_retention_ms=2_592_000_000, long_poll_max_wait_ms=None,
        on_set_err="dead_letter", delivery="at_least_once"))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        profile: &str,
        default_max_events: u32,
        max_events_limit: u32,
        visibility_timeout_ms: u64,
        max_attempts: u32,
        retention_ms: u64,
        dead_letter_retention_ms: u64,
        long_poll_max_wait_ms: Option<u64>,
        on_set_err: &str,
        delivery: &str,
    ) -> Result<Self, Error> {
        let config = config_from(
            profile,
            default_max_events,
            max_events_limit,
            visibility_timeout_ms,
            max_attempts,
            retention_ms,
            dead_letter_retention_ms,
            long_poll_max_wait_ms,
            on_set_err,
            delivery,
        )?;
        Ok(Transmitter {
            core: CoreTransmitter::new(config)?,
        })
    }

    /// Enqueue step 1: the token's `client` and `jti` (plan JSON). Then load
    /// the record keyed `(client, jti)` and the client's highest `seq`.
    fn plan_enqueue(&self, token: String, now_ms: u64) -> Result<String, Error> {
        to_json(
            &self
                .core
                .plan_enqueue(token, Timestamp::from_millis(now_ms))?,
        )
    }

    /// Enqueue step 3: given the existing record (JSON, or `None`) and the
    /// client's highest `seq`, the record to insert or "already queued".
    #[pyo3(signature = (plan_json, existing_record_json, newest_seq))]
    fn decide_enqueue(
        &self,
        plan_json: &str,
        existing_record_json: Option<&str>,
        newest_seq: Option<u64>,
    ) -> Result<EnqueueResult, Error> {
        let plan: EnqueuePlan = from_json("enqueue plan", plan_json)?;
        let existing: Option<SetRecord> = existing_record_json
            .map(|t| from_json("record", t))
            .transpose()?;
        let outcome = self
            .core
            .decide_enqueue(plan, existing.as_ref(), newest_seq)?;
        EnqueueResult::new(&outcome)
    }

    /// Poll step 1: parse `body` (raises `RequestError` with
    /// `.error_response` for a 400) and say which rows to load (plan JSON:
    /// `named` jtis, and the `deliverable` query).
    #[pyo3(signature = (client, body, now_ms, *, interaction_id=String::new()))]
    fn plan_poll(
        &self,
        py: Python<'_>,
        client: &str,
        body: Body,
        now_ms: u64,
        interaction_id: String,
    ) -> Result<String, Error> {
        let options = self.core.config().request_options();
        let request = py.detach(|| parse_request_core(&body, &options, interaction_id))?;
        to_json(
            &self
                .core
                .plan_poll(client, &request, Timestamp::from_millis(now_ms)),
        )
    }

    /// Resume step 1: the plan for a held long poll, woken or due.
    fn plan_resume(&self, wait: &PollWait, now_ms: u64) -> Result<String, Error> {
        to_json(
            &self
                .core
                .plan_resume(&wait.0, Timestamp::from_millis(now_ms)),
        )
    }

    /// Poll step 3: given the loaded `named` and `deliverable` records (JSON
    /// arrays), the changes to commit and the answer.
    fn decide_poll(
        &self,
        py: Python<'_>,
        plan_json: &str,
        named_records_json: &str,
        deliverable_records_json: &str,
    ) -> Result<PollAnswer, Error> {
        let plan: PollPlan = from_json("poll plan", plan_json)?;
        let named: Vec<SetRecord> = from_json("named records", named_records_json)?;
        let deliverable: Vec<SetRecord> =
            from_json("deliverable records", deliverable_records_json)?;
        PollAnswer::new(py, self.core.decide_poll(&plan, named, deliverable))
    }

    /// Sweep step 1: the bounds of the two sweep queries (plan JSON) for a
    /// call acting on at most `limit` due records; the plan's own `limit` is
    /// one more (rows to load per query, in `(client, seq)` order).
    #[pyo3(signature = (now_ms, limit=1000))]
    fn plan_sweep(&self, now_ms: u64, limit: usize) -> Result<String, Error> {
        to_json(&self.core.plan_sweep(Timestamp::from_millis(now_ms), limit))
    }

    /// Sweep step 3: the changes for the loaded rows (both queries' rows in
    /// one array). `more` is exact when the rows were loaded as planned;
    /// `loaded_full` (either query returned the plan's `limit` rows) only
    /// keeps it safe for a host that loaded fewer.
    fn decide_sweep(
        &self,
        plan_json: &str,
        records_json: &str,
        loaded_full: bool,
    ) -> Result<SweepResult, Error> {
        let plan: SweepPlan = from_json("sweep plan", plan_json)?;
        let records: Vec<SetRecord> = from_json("records", records_json)?;
        let o = self.core.decide_sweep(&plan, &records, loaded_full);
        Ok(SweepResult {
            changes_json: to_json(&o.changes)?,
            more: o.more,
        })
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Transmitter>()?;
    Ok(())
}
