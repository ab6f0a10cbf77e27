//! The one call surface from Python: a call crosses as its JSON text (the core's [`Call`],
//! tagged by `"call"`), with bytes that travel beside it (an encoded image, raw pixels) attached
//! by [`Call::attach`] instead of base64 in the JSON. Results cross back as JSON text, which
//! the Python layer decodes with `json.loads`.
//!
//! ```python
//! text = native.call('{"call":"credits"}', None)
//! op = native.start('{"call":"render","image":{"kind":"bytes"}}', png_bytes)
//! ```

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use renderiq_sdk::call::Call;
use renderiq_sdk::{ErrorKind, Operation};
use serde_json::Value;

use crate::convert::to_py;
use crate::errors::{err, to_py_err};
use crate::image::bytes_of;
use crate::operation::wait_op;

/// Parses `call_json` and attaches `data` (any bytes-like object) to its image.
pub fn parse(call_json: &str, data: Option<&Bound<'_, PyAny>>) -> PyResult<Call> {
    let mut call = Call::from_json(call_json).map_err(err)?;
    if let Some(data) = data.filter(|d| !d.is_none()) {
        let bytes = bytes_of(data, "data")?;
        call.attach(bytes.bind(data.py()).as_bytes().to_vec())
            .map_err(err)?;
    }
    Ok(call)
}

/// A result as JSON text.
pub fn to_text(value: &Value) -> PyResult<String> {
    serde_json::to_string(value)
        .map_err(|e| PyRuntimeError::new_err(format!("could not write the result as JSON: {e}")))
}

/// A call running in the background, from `Client.start`.
///
/// Poll it from a UI timer with `done()` and `progress()`; `wait(timeout)` blocks with the GIL
/// released; `outcome()` is `None` while it runs, then the result as JSON text (or raises the
/// typed exception), as often as asked. Cancelling a call that creates a render withdraws the
/// render while it is still pending (credits refunded).
#[pyclass(name = "CallOperation", module = "renderiq._native", frozen)]
pub struct PyCallOperation {
    op: Operation<Value>,
}

impl PyCallOperation {
    pub fn new(op: Operation<Value>) -> Self {
        Self { op }
    }
}

#[pymethods]
impl PyCallOperation {
    /// `True` once the call finished: succeeded, failed or cancelled. Never blocks.
    fn done(&self) -> bool {
        self.op.is_done()
    }

    /// The latest progress as `{"percent", "stage", "render", "version"}`. Never blocks.
    fn progress(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        to_py(py, &self.op.progress())
    }

    /// Asks the call to stop; `False` when it had already finished.
    fn cancel(&self) -> bool {
        if self.op.is_done() {
            return false;
        }
        self.op.cancel();
        true
    }

    /// `True` when the call ended by cancellation.
    fn cancelled(&self) -> bool {
        matches!(self.op.outcome(), Some(Err(e)) if e.kind() == ErrorKind::Cancelled)
    }

    /// Blocks (GIL released) until the call finished or `timeout` seconds passed; `True` when
    /// it finished. Ctrl-C raises `KeyboardInterrupt` here; the call keeps running.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        wait_op(py, &self.op, timeout)
    }

    /// `None` while running; then the result as JSON text, or raises the call's exception.
    fn outcome(&self, py: Python<'_>) -> PyResult<Option<String>> {
        match self.op.outcome() {
            None => Ok(None),
            Some(Ok(value)) => to_text(&value).map(Some),
            Some(Err(e)) => Err(to_py_err(py, &e)),
        }
    }
}
