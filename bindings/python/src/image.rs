//! Bytes from Python buffers; the raw-geometry check and `prepare_image`, both the core's.
//!
//! The Python layer turns every image into a call's image source (a path, or `bytes`/`raw`
//! with the bytes attached); the core's `ImageSource` checks and prepares it.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use renderiq_sdk::call::{prepared_info, Call, RawGeometry};

use crate::call::to_text;
use crate::errors::err;

/// `bytes` as they are; any other buffer (bytearray, memoryview, array, NumPy) copied into bytes.
pub fn bytes_of(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Py<PyBytes>> {
    if let Ok(b) = obj.cast::<PyBytes>() {
        return Ok(b.clone().unbind());
    }
    let not_bytes = || {
        let name = obj
            .get_type()
            .name()
            .map(|n| n.to_string())
            .unwrap_or_default();
        PyTypeError::new_err(format!(
            "{what} must be a bytes-like object (bytes, bytearray, memoryview, array, NumPy \
             array), not {name}"
        ))
    };
    if obj.is_instance_of::<PyString>() {
        return Err(not_bytes());
    }
    let view = obj
        .py()
        .import("builtins")?
        .getattr("memoryview")?
        .call1((obj,));
    Ok(view
        .map_err(|_| not_bytes())?
        .call_method0("tobytes")?
        .cast_into::<PyBytes>()?
        .unbind())
}

/// Checks raw pixel geometry as the core will (`stride` 0 = `width * 4`); answers the stride.
#[pyfunction]
pub fn check_raw(width: u32, height: u32, stride: usize, length: usize) -> PyResult<usize> {
    Ok(RawGeometry::check(width, height, stride, length)
        .map_err(err)?
        .stride)
}

/// Runs a `prepare_image` call (GIL released, the attached bytes read where they are, not
/// copied) and answers the prepared bytes with the call's
/// result as JSON text (`mimeType`, `format`, `width`, `height`, `size`).
#[pyfunction]
#[pyo3(signature = (call_json, data=None))]
pub fn prepare_image(
    py: Python<'_>,
    call_json: &str,
    data: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Py<PyBytes>, String)> {
    let Call::PrepareImage { image, prepare } = Call::from_json(call_json).map_err(err)? else {
        return Err(PyTypeError::new_err("expected a prepare_image call"));
    };
    // The bytes are read in place with the GIL released: a `bytes` object is immutable, and
    // `data` keeps it alive until the call returns.
    let data = data
        .filter(|d| !d.is_none())
        .map(|d| bytes_of(d, "data"))
        .transpose()?;
    let bound = data.as_ref().map(|d| d.bind(py));
    let attached = bound.as_ref().map(|d| d.as_bytes());
    let prepared = py
        .detach(|| image.prepare_attached(attached, &prepare))
        .map_err(err)?;
    let info = to_text(&prepared_info(&prepared))?;
    Ok((PyBytes::new(py, &prepared.bytes).unbind(), info))
}
