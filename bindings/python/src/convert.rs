//! Core values -> Python objects, through JSON.
//!
//! The native layer hands wire objects (progress, webhook events, error details) to Python as
//! plain `dict`s in the API's camelCase shape, decoded by `json.loads`; the Python layer turns
//! them into model classes. A field added to the wire types needs no change here.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use serde::Serialize;

/// A serialisable value as `None`, `bool`, `int`, `float`, `str`, `list` or `dict`.
pub fn to_py<T: Serialize>(py: Python<'_>, value: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(value)
        .map_err(|e| PyRuntimeError::new_err(format!("could not convert the answer: {e}")))?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}
