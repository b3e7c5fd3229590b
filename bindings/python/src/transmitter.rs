//! The transmitter objects (`setpoll_host::{MemoryTransmitter, StorageTransmitter}`)
//! and their opaque plans.

use std::sync::Arc;

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use setpoll_host as host;

use crate::convert::{from_kwargs, rec, Body, Rec, Res, Text, MAX_RECORDS};

/// A long poll to hold open until `until_ms()` or a wake for `client()`.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct PollWait(Arc<host::PollWait>);

methods!(PollWait { client -> String, until_ms -> i64, request_json -> String });

/// A `PollAnswer` as a dict; its `wait` is a [`PollWait`] object.
fn answer(py: Python<'_>, a: host::PollAnswer) -> Res<Bound<'_, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("response_json", a.response_json)?;
    d.set_item("wait", a.wait.map(PollWait))?;
    d.set_item("changes", a.changes)?;
    d.set_item("changes_json", a.changes_json)?;
    Ok(d)
}

/// The transmitter with its queue in memory.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct MemoryTransmitter(Arc<host::MemoryTransmitter>);

methods!(MemoryTransmitter { ; size -> i64 }
    #[new]
    #[pyo3(signature = (**config))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyDict>>) -> Res<Self> {
        Ok(Self(host::MemoryTransmitter::new(from_kwargs(
            py, config,
        )?)?))
    }
    #[classmethod]
    #[pyo3(signature = (records_json, **config))]
    fn from_records(
        cls: &Bound<'_, PyType>,
        records_json: Body<MAX_RECORDS>,
        config: Option<&Bound<'_, PyDict>>,
    ) -> Res<Self> {
        let (config, records) = (from_kwargs(cls.py(), config)?, records_json.text()?);
        Ok(Self(cls.py().detach(|| {
            host::MemoryTransmitter::from_records(config, records)
        })?))
    }
    fn enqueue(&self, token: Text, now_ms: i64) -> Res<Rec<host::EnqueueResult>> {
        rec(self.0.enqueue(token.0, now_ms))
    }
    #[pyo3(signature = (client, body, now_ms, interaction_id = Text(String::new())), text_signature = "($self, client, body, now_ms, interaction_id='')")]
    fn handle_poll<'py>(
        &self,
        py: Python<'py>,
        client: Text,
        body: Body,
        now_ms: i64,
        interaction_id: Text,
    ) -> Res<Bound<'py, PyDict>> {
        answer(
            py,
            py.detach(|| {
                self.0
                    .handle_poll_bytes(client.0, body.0, now_ms, interaction_id.0)
            })?,
        )
    }
    fn resume<'py>(
        &self,
        py: Python<'py>,
        wait: &PollWait,
        now_ms: i64,
    ) -> Res<Bound<'py, PyDict>> {
        answer(py, self.0.resume(wait.0.clone(), now_ms)?)
    }
    #[pyo3(signature = (now_ms, budget = 1000))]
    fn sweep(&self, py: Python<'_>, now_ms: i64, budget: i32) -> Res<Rec<host::SweepResult>> {
        rec(py.detach(|| self.0.sweep(now_ms, budget)))
    }
    fn records_json(&self, py: Python<'_>) -> Res<String> {
        Ok(py.detach(|| self.0.records_json())?)
    }
    fn __len__(&self) -> Res<usize> {
        Ok(usize::try_from(self.0.size()?).unwrap_or(usize::MAX))
    }
);

/// Enqueue step 1's plan: load the record keyed `(client(), jti())`.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct EnqueuePlan(Arc<host::EnqueuePlan>);

methods!(EnqueuePlan { client -> String, jti -> String });

/// Poll step 1's plan: the `named()` records and the `deliverable()` query.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct PollPlan(Arc<host::PollPlan>);

methods!(PollPlan { client -> String, named -> Vec<String>, deliverable -> Rec<host::DeliverableQuery> });

/// Sweep step 1's plan: the bounds of the two sweep queries.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct SweepPlan(Arc<host::SweepPlan>);

methods!(SweepPlan { now_ms -> i64, limit -> i32, max_attempts -> i32 });

/// The transmitter rules without storage: plan, load, decide, commit.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct StorageTransmitter(host::StorageTransmitter);

methods!(StorageTransmitter { config -> Rec<host::TransmitterConfig> }
    #[new]
    #[pyo3(signature = (**config))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyDict>>) -> Res<Self> {
        Ok(Self(host::StorageTransmitter::new(from_kwargs(
            py, config,
        )?)?))
    }
    fn plan_enqueue(&self, token: Text, now_ms: i64) -> Res<EnqueuePlan> {
        Ok(EnqueuePlan(self.0.plan_enqueue(token.0, now_ms)?))
    }
    fn decide_enqueue(
        &self,
        plan: &EnqueuePlan,
        existing_record_json: Option<Body>,
        newest_seq: Option<i64>,
    ) -> Res<Rec<host::EnqueueResult>> {
        let existing = existing_record_json.map(Body::text).transpose()?;
        rec(self.0.decide_enqueue(plan.0.clone(), existing, newest_seq))
    }
    #[pyo3(signature = (client, body, now_ms, interaction_id = Text(String::new())), text_signature = "($self, client, body, now_ms, interaction_id='')")]
    fn plan_poll(
        &self,
        py: Python<'_>,
        client: Text,
        body: Body,
        now_ms: i64,
        interaction_id: Text,
    ) -> Res<PollPlan> {
        Ok(PollPlan(py.detach(|| {
            self.0
                .plan_poll_bytes(client.0, body.0, now_ms, interaction_id.0)
        })?))
    }
    fn plan_resume(&self, wait: &PollWait, now_ms: i64) -> Res<PollPlan> {
        Ok(PollPlan(self.0.plan_resume(wait.0.clone(), now_ms)?))
    }
    fn decide_poll<'py>(
        &self,
        py: Python<'py>,
        plan: &PollPlan,
        named_records_json: Body<MAX_RECORDS>,
        deliverable_records_json: Body<MAX_RECORDS>,
    ) -> Res<Bound<'py, PyDict>> {
        let (named, deliverable) = (named_records_json.text()?, deliverable_records_json.text()?);
        answer(
            py,
            py.detach(|| self.0.decide_poll(plan.0.clone(), named, deliverable))?,
        )
    }
    fn plan_sweep(&self, now_ms: i64, budget: i32) -> Res<SweepPlan> {
        Ok(SweepPlan(self.0.plan_sweep(now_ms, budget)?))
    }
    fn decide_sweep(
        &self,
        py: Python<'_>,
        plan: &SweepPlan,
        records_json: Body<MAX_RECORDS>,
        loaded_full: bool,
    ) -> Res<Rec<host::SweepResult>> {
        let records = records_json.text()?;
        rec(py.detach(|| self.0.decide_sweep(plan.0.clone(), records, loaded_full)))
    }
);

module! {
    classes: MemoryTransmitter, StorageTransmitter, PollWait, EnqueuePlan, PollPlan, SweepPlan;

    /// The core's transmitter defaults, every setting filled in.
    fn transmitter_defaults() -> Rec<host::TransmitterConfig> {
        Rec(host::transmitter_defaults())
    }
}
