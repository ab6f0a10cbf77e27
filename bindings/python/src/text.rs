//! Reading a Python `str` as `&str` in place.
//!
//! pyo3 reads a `str` without copying only where the stable ABI has `PyUnicode_AsUTF8AndSize`
//! (3.10+); for this module's `abi3-py39` build its `to_cow` encodes into a new `bytes` object
//! and copies that into a `String`: two allocations per string, which is most of what reading
//! a webhook's headers cost. The function itself is in every CPython 3 (public since 3.3, in the
//! stable ABI since 3.10 with the same signature), so where symbols are resolved against the
//! running interpreter (Linux, macOS) it is called directly. Windows links an abi3 module
//! against `python3.dll`, which exports it only from 3.10, so there it stays pyo3's `to_cow`.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::PyString;

#[cfg(unix)]
mod ffi {
    use std::os::raw::c_char;

    use pyo3::ffi::{PyObject, Py_ssize_t};

    extern "C" {
        /// The string's UTF-8 form, kept by the object (made once if it is not ASCII); NULL
        /// with an exception set for a string holding lone surrogates.
        pub fn PyUnicode_AsUTF8AndSize(
            unicode: *mut PyObject,
            size: *mut Py_ssize_t,
        ) -> *const c_char;
    }
}

/// The text of `s`, borrowed from the object where the interpreter allows it.
///
/// # Errors
///
/// `UnicodeEncodeError` for a string holding lone surrogates (no UTF-8 form).
#[cfg(unix)]
pub fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    let mut size: pyo3::ffi::Py_ssize_t = 0;
    // SAFETY: `s` is a live `str` object and the GIL is held (it is `Bound`); the bytes
    // returned belong to the object, which outlives `'a`, and are valid UTF-8 by contract.
    unsafe {
        let data = ffi::PyUnicode_AsUTF8AndSize(s.as_ptr(), &mut size);
        if data.is_null() {
            return Err(PyErr::fetch(s.py()));
        }
        let bytes = std::slice::from_raw_parts(data.cast::<u8>(), size as usize);
        Ok(Cow::Borrowed(std::str::from_utf8_unchecked(bytes)))
    }
}

/// The text of `s` (a copy: `python3.dll` of 3.9 has no in-place read).
///
/// # Errors
///
/// `UnicodeEncodeError` for a string holding lone surrogates (no UTF-8 form).
#[cfg(not(unix))]
pub fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    s.to_cow()
}
