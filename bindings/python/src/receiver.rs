//! The receiver object (`setpoll_host::Receiver`).

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyType};
use setpoll_host as host;

use crate::convert::{from_kwargs, to_py, Body, Res, Text};

/// The TPP side of `POST /events`, sans-IO.
#[pyclass(module = "setpoll", frozen)]
pub(crate) struct Receiver(host::Receiver);

#[pymethods]
impl Receiver {
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
        Ok(Self(host::Receiver::restore(
            from_kwargs(cls.py(), config)?,
            state.text()?,
        )?))
    }
    fn config<'py>(&self, py: Python<'py>) -> Res<Bound<'py, PyAny>> {
        to_py(py, &self.0.config()?)
    }
    fn poll_timeout(&self) -> Res<Option<i64>> {
        Ok(self.0.poll_timeout()?)
    }
    fn next_request<'py>(&self, py: Python<'py>, now_ms: i64) -> Res<Bound<'py, PyAny>> {
        to_py(py, &self.0.next_request(now_ms)?)
    }
    #[pyo3(signature = (id, status, body, now_ms, retry_after = None))]
    fn handle_response<'py>(
        &self,
        py: Python<'py>,
        id: i64,
        status: i32,
        body: Body,
        now_ms: i64,
        retry_after: Option<Text>,
    ) -> Res<Bound<'py, PyAny>> {
        let retry_after = retry_after.map(|t| t.0);
        to_py(
            py,
            &py.detach(|| {
                self.0
                    .handle_response_body(id, status, &body.0, now_ms, retry_after.as_deref())
            })?,
        )
    }
    fn handle_failure<'py>(&self, py: Python<'py>, id: i64, now_ms: i64) -> Res<Bound<'py, PyAny>> {
        to_py(py, &self.0.handle_failure(id, now_ms)?)
    }
    fn ack(&self, jti: Text) -> Res<()> {
        Ok(self.0.ack(jti.0)?)
    }
    fn reject(&self, jti: Text, err: Text, description: Text) -> Res<()> {
        Ok(self.0.reject(jti.0, err.0, description.0)?)
    }
    fn take_state(&self) -> Res<Option<String>> {
        Ok(self.0.take_state()?)
    }
    fn state(&self) -> Res<String> {
        Ok(self.0.state()?)
    }
    fn unsettled<'py>(&self, py: Python<'py>) -> Res<Bound<'py, PyAny>> {
        to_py(py, &self.0.unsettled()?)
    }
    fn in_flight(&self) -> Res<Option<i64>> {
        Ok(self.0.in_flight()?)
    }
    fn set_jwks(&self, py: Python<'_>, jwks_json: Body) -> Res<()> {
        let jwks = jwks_json.text()?;
        Ok(py.detach(|| self.0.set_jwks(jwks))?)
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Receiver>()
}
