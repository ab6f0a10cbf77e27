//! Strings and byte buffers across the boundary: borrowed inputs, owned outputs and their free
//! functions.

use std::ffi::{c_char, CStr};
use std::ptr;

use serde::Serialize;

use crate::error::{
    cstring, quiet, FfiError, FfiResult, RENDERIQ_ERROR_INVALID_UTF8, RENDERIQ_ERROR_PANIC,
    RENDERIQ_OK,
};
use crate::handle::Buffers;

pub(crate) static STRINGS: Buffers = Buffers::new("string");
pub(crate) static BYTES: Buffers = Buffers::new("byte buffer");

// ---- inputs -------------------------------------------------------------------------------

/// A required UTF-8 string argument named `name`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &str) -> FfiResult<&'a str> {
    opt_str_arg(p, name)?.ok_or_else(|| FfiError::null(&format!("`{name}`")))
}

/// An optional UTF-8 string argument: NULL is `None`.
pub(crate) unsafe fn opt_str_arg<'a>(p: *const c_char, name: &str) -> FfiResult<Option<&'a str>> {
    if p.is_null() {
        return Ok(None);
    }
    CStr::from_ptr(p).to_str().map(Some).map_err(|e| {
        FfiError::misuse(
            RENDERIQ_ERROR_INVALID_UTF8,
            format!(
                "`{name}` is not valid UTF-8 (invalid byte at offset {})",
                e.valid_up_to()
            ),
        )
    })
}

/// A borrowed byte buffer `(data, len)`: NULL is allowed only with `len` 0.
pub(crate) unsafe fn bytes_arg<'a>(data: *const u8, len: usize, name: &str) -> FfiResult<&'a [u8]> {
    if len == 0 {
        return Ok(&[]);
    }
    if data.is_null() {
        return Err(FfiError::null(&format!(
            "`{name}` (with a length of {len})"
        )));
    }
    if len > isize::MAX as usize {
        return Err(FfiError::invalid_argument(format!(
            "`{name}` has an impossible length of {len} bytes"
        )));
    }
    Ok(std::slice::from_raw_parts(data, len))
}

// ---- outputs ------------------------------------------------------------------------------

/// Clears an output pointer so that a failing call leaves NULL behind.
pub(crate) unsafe fn clear<T>(out: *mut *mut T) {
    if !out.is_null() {
        *out = ptr::null_mut();
    }
}

/// Hands `s` to the caller through `out` (when not NULL), to be freed with `renderiq_string_free`.
pub(crate) unsafe fn put_string(out: *mut *mut c_char, s: String) {
    if !out.is_null() {
        let bytes = cstring(s).into_bytes_with_nul().into_boxed_slice();
        *out = STRINGS.insert(bytes).cast();
    }
}

/// Serializes `value` as JSON and hands it to the caller through `out` (when not NULL).
pub(crate) unsafe fn put_json<T: Serialize>(out: *mut *mut c_char, value: &T) -> FfiResult<()> {
    if out.is_null() {
        return Ok(());
    }
    let json = serde_json::to_string(value)
        .map_err(|e| FfiError::invalid_argument(format!("could not serialize the result: {e}")))?;
    put_string(out, json);
    Ok(())
}

/// Clears a byte output `(out, out_len)`, both required: NULL / 0 until `put_bytes` fills it.
pub(crate) unsafe fn clear_bytes(out: *mut *mut u8, out_len: *mut usize) -> FfiResult<()> {
    clear(out);
    if let Some(len) = out_len.as_mut() {
        *len = 0;
    }
    match out.is_null() || out_len.is_null() {
        true => Err(FfiError::null("`out_data` or `out_len`")),
        false => Ok(()),
    }
}

/// Hands `bytes` to the caller through `(out, out_len)`, to be freed with `renderiq_bytes_free`.
pub(crate) unsafe fn put_bytes(out: *mut *mut u8, out_len: *mut usize, bytes: Vec<u8>) {
    let len = bytes.len();
    // An empty buffer still gets one byte, so its address is unique and can be freed.
    let owned = if bytes.is_empty() {
        vec![0u8].into_boxed_slice()
    } else {
        bytes.into_boxed_slice()
    };
    *out = BYTES.insert(owned);
    *out_len = len;
}

/// Frees a string returned by this library (through a `char**` output). NULL is accepted and
/// ignored. Returns `RENDERIQ_OK`, or `RENDERIQ_ERROR_INVALID_HANDLE` (and frees nothing) for a
/// string that was already freed or did not come from this library.
#[no_mangle]
pub extern "C" fn renderiq_string_free(s: *mut c_char) -> i32 {
    if s.is_null() {
        return RENDERIQ_OK;
    }
    quiet(RENDERIQ_ERROR_PANIC, || {
        match STRINGS.free(s.cast(), |_| Ok(())) {
            Ok(()) => RENDERIQ_OK,
            Err(e) => e.code(),
        }
    })
}

/// Frees a byte buffer returned by this library (through a `uint8_t**` output) together with
/// the length it was returned with. NULL is accepted and ignored. Returns `RENDERIQ_OK`;
/// `RENDERIQ_ERROR_INVALID_HANDLE` for a buffer that was already freed or did not come from this
/// library; `RENDERIQ_ERROR_INVALID_ARGUMENT` when `len` is not its length (nothing is freed).
#[no_mangle]
pub extern "C" fn renderiq_bytes_free(data: *mut u8, len: usize) -> i32 {
    if data.is_null() {
        return RENDERIQ_OK;
    }
    quiet(RENDERIQ_ERROR_PANIC, || {
        // An empty result was stored as one byte.
        let check = |buf: &[u8]| match buf.len() == len || (len == 0 && buf.len() == 1) {
            true => Ok(()),
            false => Err(FfiError::invalid_argument("length mismatch")),
        };
        match BYTES.free(data.cast_const(), check) {
            Ok(()) => RENDERIQ_OK,
            Err(e) => e.code(),
        }
    })
}
