//! Standard Webhooks signing and verification over the core's `webhooks` module.
//!
//! `renderiq.webhooks.Webhook` is this module's class, so a call goes from Python straight to
//! Rust. The arguments are read where they lie: `bytes` bodies without a copy, header mappings
//! by walking their items, names and values read in place (`text.rs`). A verified delivery
//! becomes a `renderiq.WebhookEvent` over the core's typed event, parsed by serde into Rust
//! structs (a body that is not JSON fails here, at verification). Its Python objects are built
//! when first read, and kept, without a detour through JSON values or dicts: `data`, the
//! `renderiq.Render`, gets its fields set one by one (as `object.__setattr__` would, skipping
//! the dataclass `__init__`), its enums are cached members and its times `datetime`s made once
//! per distinct instant; `payload`, the whole body as Python objects, is `json.loads` of the
//! body. A verification is a few microseconds of CPU, so the GIL is kept: releasing and taking
//! it back would cost about as much.

use std::borrow::Cow;
use std::time::Duration;

use chrono::{DateTime, Datelike, Timelike, Utc};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{
    PyBool, PyBytes, PyDateTime, PyDict, PyFloat, PyInt, PyString, PyTuple, PyType, PyTzInfo,
};
use pyo3::{ffi, intern};
use renderiq_sdk::types::{events, Event, Platform, Quality, Render, RenderStatus};
use renderiq_sdk::webhooks::{self, Webhook};

use crate::errors::err;
use crate::text::utf8;

/// One webhook's signing secret (``whsec_...``, as shown at registration); reuse it for every
/// delivery: it keeps the secret decoded and the HMAC keyed.
///
/// ``tolerance``: how far a delivery's timestamp may be from now, in seconds, either way
/// (default 300). Raises :class:`renderiq.ConfigError` (``code == "WEBHOOK_BAD_SECRET"``) for a
/// secret that is not ``whsec_`` + base64. The secret never appears in ``repr`` or error
/// messages.
///
/// ``body`` is the raw request body: ``bytes`` (read in place), ``str`` (as UTF-8) or any other
/// buffer. ``headers`` is any mapping (a ``dict``, Flask's or Django's request headers) or
/// ``(name, value)`` pairs; names are matched case-insensitively. ``now`` (unix seconds or a
/// ``datetime``) replaces the system clock, for tests and replays.
#[pyclass(name = "Webhook", module = "renderiq._native", frozen)]
pub struct PyWebhook {
    inner: Webhook,
}

#[pymethods]
impl PyWebhook {
    #[new]
    #[pyo3(signature = (secret, *, tolerance=300.0))]
    fn new(secret: &Bound<'_, PyAny>, tolerance: f64) -> PyResult<Self> {
        let secret = secret.cast::<PyString>().map_err(|_| {
            PyTypeError::new_err("secret must be the whsec_... string shown at registration")
        })?;
        let tolerance = Duration::try_from_secs_f64(tolerance).map_err(|_| {
            PyValueError::new_err("tolerance must be a non-negative number of seconds")
        })?;
        Ok(Self {
            inner: Webhook::new(&secret.to_cow()?)
                .map_err(err)?
                .tolerance(tolerance),
        })
    }

    /// Verifies a delivery and returns it as a :class:`renderiq.WebhookEvent`. A correctly
    /// signed delivery is never refused for its body: an event type this SDK does not know, or
    /// a body that is no render event at all, comes back with ``data=None`` and the JSON in
    /// ``payload``.
    ///
    /// Raises:
    ///     WebhookVerificationError: ``code`` is ``WEBHOOK_MISSING_HEADER``,
    ///         ``WEBHOOK_INVALID_TIMESTAMP``, ``WEBHOOK_TIMESTAMP_TOO_OLD``,
    ///         ``WEBHOOK_TIMESTAMP_TOO_NEW`` or ``WEBHOOK_BAD_SIGNATURE``.
    ///     DecodeError: the verified body is not JSON at all (``code`` is
    ///         ``WEBHOOK_BAD_PAYLOAD``); :meth:`verify_signature` accepts any body.
    #[pyo3(signature = (body, headers, *, now=None))]
    fn verify<'py>(
        &self,
        body: &Bound<'py, PyAny>,
        headers: &Bound<'py, PyAny>,
        now: Option<&Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let body = Body::of(body)?;
        self.check(body.bytes(), headers, now)?;
        let event = webhooks::parse_event(body.bytes()).map_err(err)?;
        event_object(event, body.object())
    }

    /// Verifies the signature and timestamp only (for any Standard Webhooks payload); raises as
    /// :meth:`verify` does, but never reads the body.
    #[pyo3(signature = (body, headers, *, now=None))]
    fn verify_signature(
        &self,
        body: &Bound<'_, PyAny>,
        headers: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        self.check(Body::of(body)?.bytes(), headers, now)
    }

    /// The ``webhook-signature`` value for a delivery: ``v1,<base64 HMAC-SHA256>``.
    /// ``timestamp`` is unix seconds or a ``datetime``.
    fn sign(
        &self,
        msg_id: &str,
        timestamp: &Bound<'_, PyAny>,
        body: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let timestamp = unix_seconds(timestamp, "timestamp")?;
        Ok(self.inner.sign(msg_id, timestamp, Body::of(body)?.bytes()))
    }

    fn __repr__(&self) -> &'static str {
        "renderiq.webhooks.Webhook(secret=<redacted>)"
    }
}

impl PyWebhook {
    fn check(
        &self,
        body: &[u8],
        headers: &Bound<'_, PyAny>,
        now: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<()> {
        let found = delivery_headers(headers)?;
        let values = found
            .iter()
            .map(|(name, value)| Ok((*name, text(value).map_err(|_| not_headers())?)))
            .collect::<PyResult<Vec<_>>>()?;
        let pairs = values.iter().map(|(name, value)| (*name, value.as_ref()));
        let result = match now {
            Some(now) if !now.is_none() => {
                self.inner.verify_at(body, pairs, unix_seconds(now, "now")?)
            }
            _ => self.inner.verify(body, pairs),
        };
        result.map(drop).map_err(err)
    }
}

/// A new `whsec_…` secret from 32 random bytes.
#[pyfunction]
pub fn generate_secret() -> String {
    webhooks::generate_secret()
}

/// The request body: `bytes` borrowed in place, `str` as UTF-8, any other buffer copied into
/// `bytes`. `object` is what `WebhookEvent.payload` reads (with `json.loads`) if asked.
enum Body<'py> {
    Bytes(Bound<'py, PyBytes>),
    Text(Bound<'py, PyString>, String),
}

impl<'py> Body<'py> {
    fn of(obj: &Bound<'py, PyAny>) -> PyResult<Self> {
        if let Ok(b) = obj.cast::<PyBytes>() {
            return Ok(Self::Bytes(b.clone()));
        }
        if let Ok(s) = obj.cast::<PyString>() {
            return Ok(Self::Text(s.clone(), s.to_cow()?.into_owned()));
        }
        let bytes = crate::image::bytes_of(obj, "body").map_err(|_| {
            let name = obj
                .get_type()
                .name()
                .map(|n| n.to_string())
                .unwrap_or_default();
            PyTypeError::new_err(format!(
                "body must be the raw request body as bytes (or str), not {name}"
            ))
        })?;
        Ok(Self::Bytes(bytes.into_bound(obj.py())))
    }

    fn bytes(&self) -> &[u8] {
        match self {
            Self::Bytes(b) => b.as_bytes(),
            Self::Text(_, s) => s.as_bytes(),
        }
    }

    fn object(&self) -> &Bound<'py, PyAny> {
        match self {
            Self::Bytes(b) => b.as_any(),
            Self::Text(s, _) => s.as_any(),
        }
    }
}

/// Unix seconds from an `int`, a `float` (truncated) or a `datetime`.
fn unix_seconds(value: &Bound<'_, PyAny>, what: &str) -> PyResult<i64> {
    if value.is_instance_of::<PyInt>() && !value.is_instance_of::<PyBool>() {
        return value.extract();
    }
    let seconds: f64 = if value.is_instance_of::<PyFloat>() {
        value.extract()?
    } else if value.is_instance_of::<PyDateTime>() {
        value
            .call_method0(intern!(value.py(), "timestamp"))?
            .extract()?
    } else {
        let name = value
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        return Err(PyTypeError::new_err(format!(
            "{what} must be unix seconds or a datetime, not {name}"
        )));
    };
    if !seconds.is_finite() {
        return Err(PyValueError::new_err(format!(
            "{what} must be a finite number of seconds"
        )));
    }
    // `as` saturates; times that far out fail the tolerance check anyway.
    Ok(seconds.trunc() as i64)
}

/// The shortest name of the three delivery headers (`webhook-id`): shorter names are skipped
/// without decoding them.
const SHORTEST_HEADER: isize = webhooks::HEADER_ID.len() as isize;

fn not_headers() -> PyErr {
    PyTypeError::new_err("headers must be a mapping of header names to str (or bytes) values")
}

/// The delivery's `webhook-*` headers as `(lower-case name, value object)`, in the order given;
/// every other header is skipped by its length or its name, read in place.
fn delivery_headers<'py>(
    headers: &Bound<'py, PyAny>,
) -> PyResult<Vec<(&'static str, Bound<'py, PyAny>)>> {
    let mut found = Vec::with_capacity(3);
    let mut add = |name: &Bound<'py, PyAny>, value: Bound<'py, PyAny>| -> PyResult<()> {
        if let Some(name) = delivery_header_name(name).map_err(|_| not_headers())? {
            found.push((name, value));
        }
        Ok(())
    };
    if let Ok(dict) = headers.cast::<PyDict>() {
        for (name, value) in dict.iter() {
            add(&name, value)?;
        }
        return Ok(found);
    }
    let py = headers.py();
    let items = if headers.hasattr(intern!(py, "items"))? {
        headers
            .call_method0(intern!(py, "items"))
            .map_err(|_| not_headers())?
    } else {
        headers.clone()
    };
    for item in items.try_iter().map_err(|_| not_headers())? {
        let item = item.map_err(|_| not_headers())?;
        let pair = match item.cast::<PyTuple>() {
            Ok(t) => t.clone(),
            Err(_) => PyTuple::new(
                py,
                item.try_iter()
                    .map_err(|_| not_headers())?
                    .collect::<PyResult<Vec<_>>>()?,
            )?,
        };
        if pair.len() != 2 {
            return Err(not_headers());
        }
        add(&pair.get_item(0)?, pair.get_item(1)?)?;
    }
    Ok(found)
}

/// Which delivery header `name` is (ignoring case and surrounding spaces), if any.
fn delivery_header_name(name: &Bound<'_, PyAny>) -> PyResult<Option<&'static str>> {
    if let Ok(s) = name.cast::<PyString>() {
        // SAFETY: `s` is a str object, alive for this call.
        let chars = unsafe { ffi::PyUnicode_GetLength(s.as_ptr()) };
        if chars < SHORTEST_HEADER {
            return Ok(None);
        }
    }
    let name = text(name)?;
    let name = name.trim();
    Ok([
        webhooks::HEADER_ID,
        webhooks::HEADER_TIMESTAMP,
        webhooks::HEADER_SIGNATURE,
    ]
    .into_iter()
    .find(|h| name.eq_ignore_ascii_case(h)))
}

/// A header name or value, read in place: `str`, or `bytes` as UTF-8 (invalid bytes replaced).
fn text<'a>(obj: &'a Bound<'_, PyAny>) -> PyResult<Cow<'a, str>> {
    if let Ok(s) = obj.cast::<PyString>() {
        return utf8(s);
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(String::from_utf8_lossy(b.as_bytes()));
    }
    Err(PyTypeError::new_err(
        "header names and values must be str (or bytes)",
    ))
}

/// The Python classes a verified delivery is built from, looked up once.
struct Classes {
    event: Py<PyType>,
    render: Py<PyType>,
    /// `json.loads`, for `payload`.
    loads: Py<PyAny>,
    /// The known event types as `str`s, in the order of the core's `events::ALL`.
    kinds: Vec<Py<PyString>>,
    /// The enum members, in the order of the core's `ALL`.
    status: Vec<Py<PyAny>>,
    quality: Vec<Py<PyAny>>,
    platform: Vec<Py<PyAny>>,
}

static CLASSES: PyOnceLock<Classes> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&'static Classes> {
    CLASSES.get_or_try_init(py, || {
        let models = py.import("renderiq._models")?;
        let generated = py.import("renderiq._generated")?;
        let members = |class: &str, values: &[&str]| -> PyResult<Vec<Py<PyAny>>> {
            let class = generated.getattr(class)?;
            values
                .iter()
                .map(|v| Ok(class.call1((*v,))?.unbind()))
                .collect()
        };
        Ok(Classes {
            event: models
                .getattr("WebhookEvent")?
                .cast_into::<PyType>()?
                .unbind(),
            render: models.getattr("Render")?.cast_into::<PyType>()?.unbind(),
            loads: py.import("json")?.getattr("loads")?.unbind(),
            kinds: events::ALL
                .iter()
                .map(|kind| PyString::intern(py, kind).unbind())
                .collect(),
            status: members("RenderStatus", &RenderStatus::ALL.map(RenderStatus::as_str))?,
            quality: members("Quality", &Quality::ALL.map(Quality::as_str))?,
            platform: members("Platform", &Platform::ALL.map(Platform::as_str))?,
        })
    })
}

/// The cached member of `value`'s Python enum.
fn member<'py, T: PartialEq>(
    py: Python<'py>,
    all: &[T],
    members: &[Py<PyAny>],
    value: &T,
) -> Bound<'py, PyAny> {
    let i = all.iter().position(|v| v == value).unwrap_or_default();
    members
        .get(i)
        .map_or_else(|| py.None().into_bound(py), |m| m.bind(py).clone())
}

/// A new instance of `class` with no attribute set: `object.__new__(class)`.
fn blank<'py>(class: &Bound<'py, PyType>) -> PyResult<Bound<'py, PyAny>> {
    let py = class.py();
    let args = PyTuple::empty(py);
    // SAFETY: `class` is a type object and `args` a tuple, both alive for the call; the
    // result is a new reference (or NULL with an exception set).
    unsafe {
        let obj =
            ffi::PyType_GenericNew(class.as_ptr().cast(), args.as_ptr(), std::ptr::null_mut());
        Bound::from_owned_ptr_or_err(py, obj)
    }
}

/// `object.__setattr__(obj, name, value)`: past a frozen class's own `__setattr__`.
fn set(
    obj: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: three live objects; the call only borrows them.
    let rc = unsafe { ffi::PyObject_GenericSetAttr(obj.as_ptr(), name.as_ptr(), value.as_ptr()) };
    if rc < 0 {
        Err(PyErr::fetch(obj.py()))
    } else {
        Ok(())
    }
}

/// `datetime`s of one render: equal instants (`updatedAt` and `completedAt` often are) share
/// one object.
#[derive(Default)]
struct Times<'py> {
    made: Vec<(DateTime<Utc>, Bound<'py, PyAny>)>,
}

impl<'py> Times<'py> {
    fn get(&mut self, py: Python<'py>, t: DateTime<Utc>) -> PyResult<Bound<'py, PyAny>> {
        if let Some((_, made)) = self.made.iter().find(|(seen, _)| *seen == t) {
            return Ok(made.clone());
        }
        let utc = PyTzInfo::utc(py)?;
        let micros = (t.nanosecond() / 1_000).min(999_999); // a leap second's nanos go past 1e9
        let made = PyDateTime::new(
            py,
            t.year(),
            t.month() as u8,
            t.day() as u8,
            t.hour() as u8,
            t.minute() as u8,
            t.second() as u8,
            micros,
            Some(&utc),
        )?
        .into_any();
        self.made.push((t, made.clone()));
        Ok(made)
    }

    fn get_opt(
        &mut self,
        py: Python<'py>,
        t: Option<DateTime<Utc>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        t.map_or_else(|| Ok(py.None().into_bound(py)), |t| self.get(py, t))
    }
}

fn opt_str<'py>(py: Python<'py>, s: Option<&str>) -> Bound<'py, PyAny> {
    s.map_or_else(
        || py.None().into_bound(py),
        |s| PyString::new(py, s).into_any(),
    )
}

/// A parsed delivery (the core's typed [`Event`]) and its body, held by a
/// `renderiq.WebhookEvent` as `_parsed`: each of the event's `timestamp`, `data` and `payload`
/// is built the first time it is read and kept, so later reads return the same object.
#[pyclass(name = "ParsedEvent", module = "renderiq._native", frozen)]
pub struct PyParsedEvent {
    event: Event,
    body: Py<PyAny>,
    timestamp: PyOnceLock<Py<PyAny>>,
    render: PyOnceLock<Py<PyAny>>,
    payload: PyOnceLock<Py<PyAny>>,
}

#[pymethods]
impl PyParsedEvent {
    /// The event's time as a UTC `datetime`, or `None` when the body has none.
    fn timestamp<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        kept(&self.timestamp, py, || {
            Times::default().get_opt(py, self.event.timestamp())
        })
    }

    /// The render of a render event as a `renderiq.Render`, else `None`.
    fn render<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        kept(&self.render, py, || match self.event.render() {
            Some(render) => render_object(py, classes(py)?, render, &mut Times::default()),
            None => Ok(py.None().into_bound(py)),
        })
    }

    /// The whole body as Python objects: `json.loads` of it.
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        kept(&self.payload, py, || {
            classes(py)?.loads.bind(py).call1((self.body.bind(py),))
        })
    }
}

/// The object `cell` keeps, made by `make` on the first call.
fn kept<'py>(
    cell: &PyOnceLock<Py<PyAny>>,
    py: Python<'py>,
    make: impl FnOnce() -> PyResult<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    cell.get_or_try_init(py, || make().map(Bound::unbind))
        .map(|made| made.bind(py).clone())
}

/// The `renderiq.WebhookEvent` of a parsed delivery: its `type` set and the parsed event with
/// its body kept in `_parsed`, which builds the other fields when they are first read.
fn event_object<'py>(event: Event, body: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = body.py();
    let classes = classes(py)?;
    let obj = blank(classes.event.bind(py))?;
    let kind = event.kind();
    let known = events::ALL.iter().position(|k| Some(*k) == kind);
    let kind = match known {
        Some(i) => classes.kinds[i].bind(py).clone().into_any(),
        None => opt_str(py, kind),
    };
    set(&obj, intern!(py, "type"), &kind)?;
    let parsed = PyParsedEvent {
        event,
        body: body.clone().unbind(),
        timestamp: PyOnceLock::new(),
        render: PyOnceLock::new(),
        payload: PyOnceLock::new(),
    };
    set(
        &obj,
        intern!(py, "_parsed"),
        Bound::new(py, parsed)?.as_any(),
    )?;
    Ok(obj)
}

/// A `renderiq.Render`, its fields set as its dataclass `__init__` would set them.
fn render_object<'py>(
    py: Python<'py>,
    classes: &Classes,
    r: &Render,
    times: &mut Times<'py>,
) -> PyResult<Bound<'py, PyAny>> {
    let obj = blank(classes.render.bind(py))?;
    set(&obj, intern!(py, "id"), PyString::new(py, &r.id).as_any())?;
    set(
        &obj,
        intern!(py, "status"),
        &member(py, &RenderStatus::ALL, &classes.status, &r.status),
    )?;
    set(
        &obj,
        intern!(py, "style"),
        PyString::new(py, &r.style).as_any(),
    )?;
    set(
        &obj,
        intern!(py, "quality"),
        &member(py, &Quality::ALL, &classes.quality, &r.quality),
    )?;
    set(
        &obj,
        intern!(py, "aspect_ratio"),
        PyString::new(py, &r.aspect_ratio).as_any(),
    )?;
    set(
        &obj,
        intern!(py, "credits_cost"),
        r.credits_cost.into_pyobject(py)?.as_any(),
    )?;
    set(
        &obj,
        intern!(py, "created_at"),
        &times.get(py, r.created_at)?,
    )?;
    set(
        &obj,
        intern!(py, "updated_at"),
        &times.get(py, r.updated_at)?,
    )?;
    set(
        &obj,
        intern!(py, "completed_at"),
        &times.get_opt(py, r.completed_at)?,
    )?;
    set(&obj, intern!(py, "error"), &opt_str(py, r.error.as_deref()))?;
    set(
        &obj,
        intern!(py, "input_url"),
        &opt_str(py, r.input_url.as_deref()),
    )?;
    set(
        &obj,
        intern!(py, "output_url"),
        &opt_str(py, r.output_url.as_deref()),
    )?;
    set(
        &obj,
        intern!(py, "platform"),
        &member(py, &Platform::ALL, &classes.platform, &r.platform),
    )?;
    set(
        &obj,
        intern!(py, "progress"),
        r.progress.into_pyobject(py)?.as_any(),
    )?;
    set(
        &obj,
        intern!(py, "project_id"),
        &opt_str(py, r.project_id.as_deref()),
    )?;
    set(
        &obj,
        intern!(py, "prompt"),
        &opt_str(py, r.prompt.as_deref()),
    )?;
    Ok(obj)
}
