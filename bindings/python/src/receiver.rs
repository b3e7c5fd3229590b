//! The receiver object (`setpoll_host::Receiver`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use setpoll_host as host;

use crate::convert::{from_kwargs, rec, Body, Rec, Res, Text};

/// The TPP side of `POST /events`, sans-IO.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct Receiver(host::Receiver);

methods!(Receiver { ;
    poll_timeout -> Option<i64>, take_changes -> Option<String>, state -> String, in_flight -> Option<i64>,
    config -> Rec<host::ReceiverConfig>, unsettled -> Rec<Vec<host::ReceiverDelivery>>,
    keys_stale -> Rec<Option<host::StaleKeys>>,
}
    #[new]
    #[pyo3(signature = (**config))]
    fn new(py: Python<'_>, config: Option<&Bound<'_, PyDict>>) -> Res<Self> {
        Ok(Self(host::Receiver::new(from_kwargs(py, config)?)?))
    }
    #[classmethod]
    #[pyo3(signature = (state, **config))]
    fn restore(
        cls: &Bound<'_, PyType>,
        state: Body,
        config: Option<&Bound<'_, PyDict>>,
    ) -> Res<Self> {
        let config = from_kwargs(cls.py(), config)?;
        Ok(Self(host::Receiver::restore(config, state.text()?)?))
    }
    fn next_request(&self, now_ms: i64) -> Res<Rec<Option<host::ReceiverRequest>>> {
        rec(self.0.next_request(now_ms))
    }
    #[pyo3(signature = (id, status, body, now_ms, retry_after = None))]
    fn handle_response(
        &self,
        py: Python<'_>,
        id: i64,
        status: i32,
        body: Body,
        now_ms: i64,
        retry_after: Option<Text>,
    ) -> Res<Rec<host::ReceiverBatch>> {
        let retry_after = retry_after.map(|t| t.0);
        rec(py.detach(|| {
            self.0
                .handle_response_body(id, status, &body.0, now_ms, retry_after.as_deref())
        }))
    }
    fn handle_failure(&self, id: i64, now_ms: i64) -> Res<Rec<host::PollFailure>> {
        rec(self.0.handle_failure(id, now_ms))
    }
    fn ack(&self, jti: Text) -> Res<()> {
        Ok(self.0.ack(jti.0)?)
    }
    fn reject(&self, jti: Text, err: Text, description: Text) -> Res<()> {
        Ok(self.0.reject(jti.0, err.0, description.0)?)
    }
    fn refresh_keys(
        &self,
        py: Python<'_>,
        jwks_json: Body,
        now_ms: i64,
    ) -> Res<Rec<host::ReceiverBatch>> {
        let jwks = jwks_json.text()?;
        rec(py.detach(|| self.0.refresh_keys(jwks, now_ms)))
    }
    fn refresh_keys_failed(&self, now_ms: i64) -> Res<()> {
        Ok(self.0.refresh_keys_failed(now_ms)?)
    }
);

module! {
    classes: Receiver;

    /// Replay `changes` (JSON array text from `take_changes`) onto a `state`
    /// snapshot; returns the new snapshot.
    fn apply_receiver_changes(state: Body, changes: Body) -> Res<String> {
        Ok(host::apply_receiver_changes(
            state.text()?,
            changes.text()?,
        )?)
    }
}
