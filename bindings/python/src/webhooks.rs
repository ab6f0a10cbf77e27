//! Standard Webhooks signing and verification over the core's `webhooks` module.

use std::time::Duration;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use renderiq_sdk::webhooks::{self, Webhook};

use crate::convert::to_py;
use crate::errors::err;

/// One webhook's signing key (`whsec_…`), able to sign and verify deliveries.
#[pyclass(name = "Webhook", module = "renderiq._native", frozen)]
pub struct PyWebhook {
    inner: Webhook,
}

#[pymethods]
impl PyWebhook {
    /// `tolerance`: how far the delivery's timestamp may be from now, in seconds (default 300).
    #[new]
    #[pyo3(signature = (secret, tolerance=300.0))]
    fn new(secret: &str, tolerance: f64) -> PyResult<Self> {
        let tolerance = Duration::try_from_secs_f64(tolerance).map_err(|_| {
            PyValueError::new_err("tolerance must be a non-negative number of seconds")
        })?;
        Ok(Self {
            inner: Webhook::new(secret).map_err(err)?.tolerance(tolerance),
        })
    }

    /// The `webhook-signature` value for one delivery: `v1,<base64 HMAC-SHA256>`.
    fn sign(&self, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
        self.inner.sign(msg_id, timestamp, body)
    }

    /// Verifies the signature and timestamp of a delivery; raises `WebhookVerificationError`.
    /// Any correctly signed body verifies: it is not read. `headers` are `(name, value)` pairs
    /// (`webhooks.py` makes them from any mapping); `now` is unix seconds (default: the clock).
    #[pyo3(signature = (body, headers, now=None))]
    fn verify(
        &self,
        body: &[u8],
        headers: Vec<(String, String)>,
        now: Option<i64>,
    ) -> PyResult<()> {
        let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let result = match now {
            Some(now) => self.inner.verify_at(body, pairs, now),
            None => self.inner.verify(body, pairs),
        };
        result.map(drop).map_err(err)
    }

    fn __repr__(&self) -> &'static str {
        "Webhook(secret=<redacted>)"
    }
}

/// Reads a (verified) delivery body as an event `dict`: `type` and `timestamp` when the body
/// has them, `data` (the render) for a render event, else `None`, and `payload`, the whole
/// JSON body. Raises `DecodeError` only for a body that is not JSON.
#[pyfunction]
pub fn parse_event(py: Python<'_>, body: &[u8]) -> PyResult<Py<PyAny>> {
    to_py(py, &webhooks::event_json(body).map_err(err)?)
}

/// A new `whsec_…` secret from 32 random bytes.
#[pyfunction]
pub fn generate_secret() -> String {
    webhooks::generate_secret()
}
