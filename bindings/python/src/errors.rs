//! The exception hierarchy and the one place where a core [`Error`] becomes a Python exception.
//!
//! Every class is created here (`create_exception!`, except `TimeoutError`, which also derives
//! from the built-in `TimeoutError` and so is made with `PyErr_NewExceptionWithDoc` and a tuple
//! of bases). [`error_type`] maps each [`ErrorKind`] to its class; [`PyRenderiqError`] is the local
//! wrapper that turns a core error into an exception instance carrying the error's fields.

use pyo3::exceptions::{PyException, PyTimeoutError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::{create_exception, ffi};
use renderiq_sdk::call::Language;
use renderiq_sdk::{error_table, Error, ErrorKind};

use crate::convert::json_to_py;

create_exception!(
    renderiq,
    RenderiqError,
    PyException,
    "Base class of every error the Renderiq SDK raises.\n\nAttributes: kind, hint, code, status, request_id, details, retry_after, required_credits, available_credits, message."
);
create_exception!(
    renderiq,
    AuthError,
    RenderiqError,
    "Not signed in, a wrong email or password, or a token that expired and could not be refreshed."
);
create_exception!(
    renderiq,
    PermissionDeniedError,
    RenderiqError,
    "The API key lacks a scope the call needs (INSUFFICIENT_SCOPE)."
);
create_exception!(
    renderiq,
    NotFoundError,
    RenderiqError,
    "No such render, project, key or webhook."
);
create_exception!(
    renderiq,
    ValidationError,
    RenderiqError,
    "The request was rejected as invalid, by the server or before sending; `details` names the fields."
);
create_exception!(
    renderiq,
    InsufficientCreditsError,
    RenderiqError,
    "Not enough credits; see `required_credits` and `available_credits`."
);
create_exception!(
    renderiq,
    RateLimitError,
    RenderiqError,
    "Too many requests; wait `retry_after` seconds before trying again."
);
create_exception!(
    renderiq,
    ConflictError,
    RenderiqError,
    "An idempotency key reused with another request, or a render in a state that forbids the call."
);
create_exception!(
    renderiq,
    ServerError,
    RenderiqError,
    "The server failed (HTTP 5xx)."
);
create_exception!(
    renderiq,
    RenderFailedError,
    ServerError,
    "The render ended in the `failed` state; its credits were refunded."
);
create_exception!(
    renderiq,
    NetworkError,
    RenderiqError,
    "The server could not be reached (DNS, connection refused, TLS, reset)."
);
create_exception!(
    renderiq,
    CancelledError,
    RenderiqError,
    "The operation was cancelled (by `Operation.cancel()`, Ctrl-C, or the render was cancelled)."
);
create_exception!(
    renderiq,
    ImageError,
    RenderiqError,
    "The screenshot could not be read, decoded or encoded."
);
create_exception!(
    renderiq,
    WebhookVerificationError,
    RenderiqError,
    "A webhook delivery failed verification: missing header, stale timestamp or bad signature."
);
create_exception!(
    renderiq,
    TokenStoreError,
    RenderiqError,
    "The token store (keychain or encrypted file) could not be read or written."
);
create_exception!(
    renderiq,
    ConfigError,
    RenderiqError,
    "The client was configured wrongly (base URL, secret, ...)."
);
create_exception!(
    renderiq,
    DecodeError,
    RenderiqError,
    "The server's answer could not be understood."
);

const TIMEOUT_DOC: &std::ffi::CStr = c"A request timed out or a wait passed its deadline (the render keeps running).\n\nAlso a subclass of the built-in TimeoutError.";

static TIMEOUT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// `renderiq.TimeoutError(RenderiqError, builtins.TimeoutError)`.
pub fn timeout_error(py: Python<'_>) -> &Bound<'_, PyType> {
    TIMEOUT_ERROR
        .get_or_init(py, || {
            let bases = PyTuple::new(
                py,
                [
                    py.get_type::<RenderiqError>().into_any(),
                    py.get_type::<PyTimeoutError>().into_any(),
                ],
            )
            .expect("a tuple of two classes");
            // SAFETY: the name and doc are NUL-terminated; `bases` is a live tuple of classes.
            let ptr = unsafe {
                ffi::PyErr_NewExceptionWithDoc(
                    c"renderiq.TimeoutError".as_ptr(),
                    TIMEOUT_DOC.as_ptr(),
                    bases.as_ptr(),
                    std::ptr::null_mut(),
                )
            };
            // SAFETY: a new reference or NULL with an exception set.
            let ty = unsafe { Bound::from_owned_ptr_or_err(py, ptr) }.expect("TimeoutError type");
            ty.cast_into::<PyType>().expect("a type").unbind()
        })
        .bind(py)
}

/// The exception class for each kind: the one mapping from [`ErrorKind`].
pub fn error_type(py: Python<'_>, kind: ErrorKind) -> Bound<'_, PyType> {
    match kind {
        ErrorKind::Auth => py.get_type::<AuthError>(),
        ErrorKind::PermissionDenied => py.get_type::<PermissionDeniedError>(),
        ErrorKind::NotFound => py.get_type::<NotFoundError>(),
        ErrorKind::InvalidInput => py.get_type::<ValidationError>(),
        ErrorKind::InsufficientCredits => py.get_type::<InsufficientCreditsError>(),
        ErrorKind::RateLimited => py.get_type::<RateLimitError>(),
        ErrorKind::Conflict => py.get_type::<ConflictError>(),
        ErrorKind::Server => py.get_type::<ServerError>(),
        ErrorKind::RenderFailed => py.get_type::<RenderFailedError>(),
        ErrorKind::Network => py.get_type::<NetworkError>(),
        ErrorKind::Timeout => timeout_error(py).clone(),
        ErrorKind::Cancelled => py.get_type::<CancelledError>(),
        ErrorKind::Image => py.get_type::<ImageError>(),
        ErrorKind::WebhookVerification => py.get_type::<WebhookVerificationError>(),
        ErrorKind::TokenStore => py.get_type::<TokenStoreError>(),
        ErrorKind::Config => py.get_type::<ConfigError>(),
        ErrorKind::Decode => py.get_type::<DecodeError>(),
        // `ErrorKind` is non-exhaustive: a kind added to the core later is still an SDK error.
        _ => py.get_type::<RenderiqError>(),
    }
}

/// The attributes every `RenderiqError` has, with their class-level defaults (so an exception
/// raised by user code, `raise renderiq.AuthError("x")`, has them too).
pub const ATTRIBUTES: [&str; 10] = [
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

/// Local wrapper converting a core [`Error`] into the right Python exception, with its fields.
pub struct PyRenderiqError(pub Error);

impl From<Error> for PyRenderiqError {
    fn from(e: Error) -> Self {
        Self(e)
    }
}

impl From<PyRenderiqError> for PyErr {
    fn from(e: PyRenderiqError) -> PyErr {
        Python::attach(|py| to_py_err(py, &e.0))
    }
}

/// Converts a core error for `map_err`: `client.me().map_err(err)?`.
pub fn err(e: Error) -> PyErr {
    PyRenderiqError(e).into()
}

/// What to do next, in Python's names: the error table's hint rendered for Python.
pub fn hint(e: &Error) -> Option<String> {
    e.hint_id()
        .and_then(error_table::hint_template)
        .map(|t| Language::Python.render_hint(t))
}

/// `str(exc)`: the message, the hint in parentheses and the request id.
pub fn display(e: &Error) -> String {
    let mut s = e.message().to_owned();
    if let Some(h) = hint(e) {
        s.push_str(" (");
        s.push_str(&h);
        s.push(')');
    }
    if let Some(id) = e.request_id() {
        s.push_str(" [request ");
        s.push_str(id);
        s.push(']');
    }
    s
}

/// Builds the exception instance for `e`: `str(exc)` is the full message (with the hint in
/// Python's names and the request id), the attributes carry the structured fields.
pub fn to_py_err(py: Python<'_>, e: &Error) -> PyErr {
    match build(py, e) {
        Ok(err) => err,
        Err(failed) => failed,
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let ty = error_type(py, e.kind());
    let exc = ty.call1((display(e),))?;
    let attrs = PyDict::new(py);
    attrs.set_item("kind", e.kind().as_str())?;
    attrs.set_item("hint", hint(e))?;
    attrs.set_item("code", e.error_code())?;
    attrs.set_item("status", e.status())?;
    attrs.set_item("request_id", e.request_id())?;
    attrs.set_item(
        "details",
        match e.details() {
            Some(d) => json_to_py(py, d)?,
            None => py.None(),
        },
    )?;
    attrs.set_item("retry_after", e.retry_after().map(|d| d.as_secs_f64()))?;
    attrs.set_item("required_credits", e.required_credits())?;
    attrs.set_item("available_credits", e.available_credits())?;
    attrs.set_item("message", e.message())?;
    for (k, v) in attrs.iter() {
        exc.setattr(k.cast_into::<pyo3::types::PyString>()?, v)?;
    }
    Ok(PyErr::from_value(exc))
}

/// Adds every class to the module, with the attribute defaults on the base class.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    let base = py.get_type::<RenderiqError>();
    for attr in ATTRIBUTES {
        base.setattr(attr, py.None())?;
    }
    m.add("RenderiqError", base)?;
    m.add("AuthError", py.get_type::<AuthError>())?;
    m.add(
        "PermissionDeniedError",
        py.get_type::<PermissionDeniedError>(),
    )?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("ValidationError", py.get_type::<ValidationError>())?;
    m.add(
        "InsufficientCreditsError",
        py.get_type::<InsufficientCreditsError>(),
    )?;
    m.add("RateLimitError", py.get_type::<RateLimitError>())?;
    m.add("ConflictError", py.get_type::<ConflictError>())?;
    m.add("ServerError", py.get_type::<ServerError>())?;
    m.add("RenderFailedError", py.get_type::<RenderFailedError>())?;
    m.add("NetworkError", py.get_type::<NetworkError>())?;
    m.add("TimeoutError", timeout_error(py))?;
    m.add("CancelledError", py.get_type::<CancelledError>())?;
    m.add("ImageError", py.get_type::<ImageError>())?;
    m.add(
        "WebhookVerificationError",
        py.get_type::<WebhookVerificationError>(),
    )?;
    m.add("TokenStoreError", py.get_type::<TokenStoreError>())?;
    m.add("ConfigError", py.get_type::<ConfigError>())?;
    m.add("DecodeError", py.get_type::<DecodeError>())?;
    // For tests and docs: kind name -> class, so the mapping can be checked from Python.
    let table = PyDict::new(py);
    for kind in ErrorKind::ALL {
        table.set_item(kind.as_str(), error_type(py, kind))?;
    }
    m.add("ERROR_CLASSES", table)?;
    Ok(())
}
