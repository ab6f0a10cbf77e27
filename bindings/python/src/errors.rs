//! The exception classes, made from the core's error table, and the one place where a core
//! [`Error`] becomes a Python exception.
//!
//! Each row of [`error_table::CLASSES`] is a class `renderiq.<Stem>Error` derived from
//! `RenderiqError` (the parent every language gives it), with the row's doc. Python's extras are
//! second bases only: `TimeoutError` is also the built-in `TimeoutError`, and `ValidationError`
//! is also a `ValueError` (a value the core refused is a wrong argument value).

use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTimeoutError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use renderiq_sdk::call::Language;
use renderiq_sdk::{error_table, Error, ErrorKind};

use crate::convert::to_py;

create_exception!(
    renderiq,
    RenderiqError,
    PyException,
    "Base class of every error the Renderiq SDK raises.\n\nAttributes: kind, hint, code, status, request_id, details, retry_after, required_credits, available_credits, message."
);

/// The attributes every `RenderiqError` has, `None` on the class (so an exception raised by
/// user code, `raise renderiq.AuthError("x")`, has them too).
const ATTRIBUTES: [&str; 10] = [
    "kind",
    "hint",
    "code",
    "status",
    "request_id",
    "details",
    "retry_after",
    "required_credits",
    "available_credits",
    "message",
];

/// One class per row of the error table, in [`ErrorKind::ALL`] order.
static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

fn index(kind: ErrorKind) -> Option<usize> {
    ErrorKind::ALL.iter().position(|k| *k == kind)
}

fn make_classes(py: Python<'_>) -> PyResult<Vec<Py<PyType>>> {
    let new_type = py.import("builtins")?.getattr("type")?;
    let mut made: Vec<Py<PyType>> = Vec::new();
    for row in error_table::CLASSES {
        let mut bases = vec![py.get_type::<RenderiqError>().into_any()];
        match row.kind {
            ErrorKind::Timeout => bases.push(py.get_type::<PyTimeoutError>().into_any()),
            ErrorKind::InvalidInput => bases.push(py.get_type::<PyValueError>().into_any()),
            _ => {}
        }
        let namespace = PyDict::new(py);
        namespace.set_item("__doc__", row.doc)?;
        namespace.set_item("__module__", "renderiq")?;
        let name = format!("{}Error", row.stem);
        let class = new_type.call1((name, PyTuple::new(py, bases)?, namespace))?;
        made.push(class.cast_into::<PyType>()?.unbind());
    }
    Ok(made)
}

/// The exception class of a kind (`RenderiqError` for a kind the table does not know yet, or
/// before [`register`] made the classes).
pub fn error_type(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    let classes = CLASSES.get(py).map(Vec::as_slice).unwrap_or_default();
    match index(kind).and_then(|i| classes.get(i)) {
        Some(class) => class.bind(py).clone(),
        None => py.get_type::<RenderiqError>(),
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
    let exc = error_type(py, e.kind()).call1((display(e),))?;
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

/// Adds every class to the module, and `ERROR_CLASSES` (kind name -> class).
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<RenderiqError>();
    for attr in ATTRIBUTES {
        base.setattr(attr, py.None())?;
    }
    m.add("RenderiqError", base)?;
    // Made once per process: a second import of the module reuses them.
    if CLASSES.get(py).is_none() {
        let _ = CLASSES.set(py, make_classes(py)?);
    }
    let table = PyDict::new(py);
    for kind in ErrorKind::ALL {
        let class = error_type(py, kind);
        m.add(class.name()?.to_cow()?.as_ref(), &class)?;
        table.set_item(kind.as_str(), class)?;
    }
    m.add("ERROR_CLASSES", table)?;
    Ok(())
}
