//! The one place where a core [`Error`] becomes a Python exception: an instance of its kind's
//! class, which renderiq-codegen generates from the core's error table into
//! `renderiq/_generated.py` (`ERROR_TYPES`).

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyType};
use renderiq_sdk::call::Language;
use renderiq_sdk::{error_table, Error, ErrorKind};

use crate::convert::to_py;

/// `renderiq._generated.ERROR_TYPES`: each kind's exception class, read once.
static TYPES: PyOnceLock<Py<PyDict>> = PyOnceLock::new();

/// The exception class of a kind, from the generated table.
fn error_type(py: Python<'_>, kind: ErrorKind) -> PyResult<Bound<'_, PyType>> {
    let types = TYPES.get_or_try_init(py, || {
        let table = py.import("renderiq._generated")?.getattr("ERROR_TYPES")?;
        Ok::<_, PyErr>(table.cast_into::<PyDict>()?.unbind())
    })?;
    match types.bind(py).get_item(kind.as_str())? {
        Some(class) => Ok(class.cast_into::<PyType>()?),
        None => Err(PyRuntimeError::new_err(format!(
            "renderiq._generated has no class for the error kind {:?}: reinstall the package",
            kind.as_str()
        ))),
    }
}

/// Converts a core error for `map_err`: `client.me().map_err(err)?`.
pub fn err(e: Error) -> PyErr {
    Python::attach(|py| to_py_err(py, &e))
}

/// What to do next, in Python's names: the error table's hint rendered for Python.
fn hint(e: &Error) -> Option<String> {
    e.hint_id()
        .and_then(error_table::hint_template)
        .map(|t| Language::Python.render_hint(t))
}

/// `str(exc)`: the message, the hint in parentheses and the request id.
fn display(e: &Error) -> String {
    let mut s = e.message().to_owned();
    if let Some(h) = hint(e) {
        s.push_str(&format!(" ({h})"));
    }
    if let Some(id) = e.request_id() {
        s.push_str(&format!(" [request {id}]"));
    }
    s
}

/// The exception instance for `e`: `str(exc)` is the full message, the attributes carry the
/// structured fields (`details` is the API's field-error map).
pub fn to_py_err(py: Python<'_>, e: &Error) -> PyErr {
    build(py, e).unwrap_or_else(|failed| failed)
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let exc = error_type(py, e.kind())?.call1((display(e),))?;
    let details = match e.details() {
        Some(d) => to_py(py, d)?,
        None => py.None(),
    };
    exc.setattr("kind", e.kind().as_str())?;
    exc.setattr("hint", hint(e))?;
    exc.setattr("code", e.error_code())?;
    exc.setattr("status", e.status())?;
    exc.setattr("request_id", e.request_id())?;
    exc.setattr("details", details)?;
    exc.setattr("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    exc.setattr("required_credits", e.required_credits())?;
    exc.setattr("available_credits", e.available_credits())?;
    exc.setattr("message", e.message())?;
    Ok(PyErr::from_value(exc))
}
