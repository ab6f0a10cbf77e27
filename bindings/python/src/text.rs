//! Reading a Python `str` as `&str` in place.
//!
//! pyo3 reads a `str` without copying only where the stable ABI has `PyUnicode_AsUTF8AndSize`
//! (3.10+); for this module's `abi3-py39` build its `to_cow` encodes into a new `bytes` object
//! and copies that into a `String`: two allocations per string, which was most of what reading
//! a webhook's headers cost. The function is in every CPython 3 (public since 3.3, in the stable
//! ABI since 3.10 with the same signature), but linking it would tie the wheel to 3.10
//! (`abi3audit` in the release checks refuses that). So it is looked up once in the running
//! interpreter (`dlsym`, where the module's other Python symbols come from) and used when
//! found; when it is not (an interpreter that does not export it, Windows, where an abi3
//! module sees only `python3.dll`), `to_cow` reads the string as before.

use std::borrow::Cow;

use pyo3::prelude::*;
use pyo3::types::PyString;

/// The text of `s`, borrowed from the object where the interpreter allows it, else a copy.
///
/// # Errors
///
/// `UnicodeEncodeError` for a string holding lone surrogates (no UTF-8 form).
pub fn utf8<'a>(s: &'a Bound<'_, PyString>) -> PyResult<Cow<'a, str>> {
    #[cfg(unix)]
    if let Some(read) = in_place::read(s) {
        return read.map(Cow::Borrowed);
    }
    s.to_cow()
}

#[cfg(unix)]
mod in_place {
    use std::os::raw::c_char;
    use std::sync::OnceLock;

    use pyo3::ffi::{PyObject, Py_ssize_t};
    use pyo3::prelude::*;
    use pyo3::types::PyString;

    /// `const char *PyUnicode_AsUTF8AndSize(PyObject *unicode, Py_ssize_t *size)`: the
    /// string's UTF-8 form, kept by the object (made once if it is not ASCII); NULL with an
    /// exception set for a string holding lone surrogates.
    type AsUtf8AndSize = unsafe extern "C" fn(*mut PyObject, *mut Py_ssize_t) -> *const c_char;

    static FOUND: OnceLock<Option<AsUtf8AndSize>> = OnceLock::new();

    fn lookup() -> Option<AsUtf8AndSize> {
        // SAFETY: dlsym with a NUL-terminated name; a non-null result is the address of the
        // interpreter's function of that name, whose C signature is the one above in every
        // CPython 3.
        unsafe {
            let found = libc::dlsym(libc::RTLD_DEFAULT, c"PyUnicode_AsUTF8AndSize".as_ptr());
            (!found.is_null())
                .then(|| std::mem::transmute::<*mut libc::c_void, AsUtf8AndSize>(found))
        }
    }

    /// `s`'s UTF-8 read in place, or `None` when the interpreter does not export the function.
    pub fn read<'a>(s: &'a Bound<'_, PyString>) -> Option<PyResult<&'a str>> {
        let f = (*FOUND.get_or_init(lookup))?;
        let mut size: Py_ssize_t = 0;
        // SAFETY: `f` is CPython's `PyUnicode_AsUTF8AndSize`, called with the GIL held (`s` is
        // `Bound`) on a live `str`; the bytes returned belong to the object, which outlives
        // `'a`, and are valid UTF-8 by the function's contract.
        unsafe {
            let data = f(s.as_ptr(), &mut size);
            if data.is_null() {
                return Some(Err(PyErr::fetch(s.py())));
            }
            let bytes = std::slice::from_raw_parts(data.cast::<u8>(), size as usize);
            Some(Ok(std::str::from_utf8_unchecked(bytes)))
        }
    }
}
