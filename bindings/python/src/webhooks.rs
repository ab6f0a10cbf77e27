//! Standard Webhooks signing and verification over the core's `webhooks` module.

use std::time::Duration;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyByteArray, PyBytes, PyString};
use renderiq_sdk::webhooks::{self, Webhook};

use crate::convert::to_py;
use crate::errors::err;

/// One webhook's signing key (`whsec_…`), able to sign and verify deliveries.
#[pyclass(name = "Webhook", module = "renderiq._native", frozen)]
pub struct PyWebhook {
    inner: Webhook,
}

/// The raw body: `bytes` borrowed, `str` as UTF-8, other buffers copied.
enum Body<'py> {
    Borrowed(Bound<'py, PyBytes>),
    Owned(Vec<u8>),
}

impl Body<'_> {
    fn as_slice(&self) -> &[u8] {
        match self {
            Body::Borrowed(b) => b.as_bytes(),
            Body::Owned(v) => v,
        }
    }
}

fn body_of<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Body<'py>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(Body::Borrowed(b.clone()));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Body::Owned(s.to_cow()?.as_bytes().to_vec()));
    }
    if let Ok(b) = obj.cast::<PyByteArray>() {
        return Ok(Body::Owned(b.to_vec()));
    }
    let view = obj
        .py()
        .import("builtins")?
        .getattr("memoryview")?
        .call1((obj,))
        .map_err(|_| {
            PyTypeError::new_err(format!(
                "body must be the raw request body as bytes (or str), not {}",
                obj.get_type()
                    .name()
                    .map(|n| n.to_string())
                    .unwrap_or_default()
            ))
        })?;
    Ok(Body::Owned(
        view.call_method0("tobytes")?
            .cast_into::<PyBytes>()?
            .as_bytes()
            .to_vec(),
    ))
}

fn text_of(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(s.to_cow()?.into_owned());
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(b.as_bytes()).into_owned());
    }
    Err(PyTypeError::new_err(
        "header names and values must be str (or bytes)",
    ))
}

/// `(name, value)` pairs from a mapping (anything with `.items()`, e.g. a dict, Flask's or
/// Django's headers) or an iterable of pairs.
fn headers_of(obj: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let pairs = if obj.hasattr("items")? {
        obj.call_method0("items")?
    } else {
        obj.clone()
    };
    let mut out = Vec::new();
    for pair in pairs
        .try_iter()
        .map_err(|_| PyTypeError::new_err("headers must be a mapping of header names to values"))?
    {
        let pair = pair?;
        let (k, v): (Bound<'_, PyAny>, Bound<'_, PyAny>) = pair.extract().map_err(|_| {
            PyTypeError::new_err("headers must be a mapping of header names to values")
        })?;
        out.push((text_of(&k)?, text_of(&v)?));
    }
    Ok(out)
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
    fn sign(&self, msg_id: &str, timestamp: i64, body: &Bound<'_, PyAny>) -> PyResult<String> {
        let body = body_of(body)?;
        Ok(self.inner.sign(msg_id, timestamp, body.as_slice()))
    }

    /// Verifies the signature and timestamp of a delivery; raises `WebhookVerificationError`.
    /// Any correctly signed body verifies: it is not read. `now` is unix seconds (default: the
    /// system clock).
    #[pyo3(signature = (body, headers, now=None))]
    fn verify(
        &self,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        now: Option<i64>,
    ) -> PyResult<()> {
        let body = body_of(body)?;
        let headers = headers_of(headers)?;
        let pairs = headers.iter().map(|(k, v)| (k.as_str(), v.as_str()));
        let result = match now {
            Some(now) => self.inner.verify_at(body.as_slice(), pairs, now),
            None => self.inner.verify(body.as_slice(), pairs),
        };
        let _ = py;
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
pub fn parse_event(py: Python<'_>, body: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
    let body = body_of(body)?;
    to_py(py, &webhooks::event_json(body.as_slice()).map_err(err)?)
}

/// A new `whsec_…` secret from 32 random bytes.
#[pyfunction]
pub fn generate_secret() -> String {
    webhooks::generate_secret()
}
