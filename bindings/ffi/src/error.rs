//! Status codes, the error object, and the guard every entry point runs in.

use std::any::Any;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use renderiq_sdk::ErrorKind;

use crate::error_kinds::{kind_name, RENDERIQ_ERROR_SERVER};
use crate::handle::Registry;

/// Success.
pub const RENDERIQ_OK: i32 = 0;
// The codes of the SDK's error kinds, 1..=17 (`RENDERIQ_ERROR_AUTH` … `RENDERIQ_ERROR_DECODE`),
// are generated from the core's error table into `error_kinds.rs`.
/// A required pointer argument was NULL.
pub const RENDERIQ_ERROR_NULL_ARGUMENT: i32 = 100;
/// A string argument was not valid UTF-8.
pub const RENDERIQ_ERROR_INVALID_UTF8: i32 = 101;
/// An argument was malformed: JSON of the wrong shape, inconsistent sizes, an unknown enum value.
pub const RENDERIQ_ERROR_INVALID_ARGUMENT: i32 = 102;
/// A handle or buffer that is not live: already freed (double free), or not from this library.
pub const RENDERIQ_ERROR_INVALID_HANDLE: i32 = 103;
/// A bug inside the library was caught at the boundary; the process can go on.
pub const RENDERIQ_ERROR_PANIC: i32 = 104;
/// The operation is still running: poll again later.
pub const RENDERIQ_ERROR_NOT_READY: i32 = 105;
/// Reserved: an operation's outcome was once taken by the wait that read it; since ABI 2 every
/// outcome can be read again and no function returns this code.
pub const RENDERIQ_ERROR_ALREADY_TAKEN: i32 = 106;

/// The numeric code of an SDK error kind: its 1-based position in `ErrorKind::ALL`.
pub(crate) fn kind_code(kind: ErrorKind) -> i32 {
    ErrorKind::ALL
        .iter()
        .position(|k| *k == kind)
        .map_or(RENDERIQ_ERROR_SERVER, |i| i as i32 + 1)
}

/// Static, NUL-terminated name of a status code.
fn code_name(code: i32) -> &'static CStr {
    match code {
        RENDERIQ_OK => c"ok",
        RENDERIQ_ERROR_NULL_ARGUMENT => c"null_argument",
        RENDERIQ_ERROR_INVALID_UTF8 => c"invalid_utf8",
        RENDERIQ_ERROR_INVALID_ARGUMENT => c"invalid_argument",
        RENDERIQ_ERROR_INVALID_HANDLE => c"invalid_handle",
        RENDERIQ_ERROR_PANIC => c"panic",
        RENDERIQ_ERROR_NOT_READY => c"not_ready",
        RENDERIQ_ERROR_ALREADY_TAKEN => c"already_taken",
        _ => kind_name(code).unwrap_or(c"unknown"),
    }
}

/// An error: what failed and everything the server said about it.
///
/// Created by a failing call into `*out_error`; read its code, kind and message with the
/// `renderiq_error_*` accessors and everything else (HTTP status, request id, API error code,
/// field errors, credits, retry delay) from `renderiq_error_json`; free it with
/// `renderiq_error_free`. Immutable, so it may be read from any thread.
pub struct RenderiqError {
    code: i32,
    message: CString,
    json: CString,
}

pub(crate) static ERRORS: Registry<RenderiqError> = Registry::new("RenderiqError", 2);

/// What an entry point fails with: an SDK error, or misuse of the ABI.
#[derive(Debug)]
pub(crate) enum FfiError {
    Sdk(renderiq_sdk::Error),
    Misuse { code: i32, message: String },
}

impl From<renderiq_sdk::Error> for FfiError {
    fn from(e: renderiq_sdk::Error) -> Self {
        Self::Sdk(e)
    }
}

pub(crate) type FfiResult<T> = Result<T, FfiError>;

impl FfiError {
    pub(crate) fn misuse(code: i32, message: impl Into<String>) -> Self {
        Self::Misuse {
            code,
            message: message.into(),
        }
    }

    /// `what` is NULL.
    pub(crate) fn null(what: &str) -> Self {
        Self::misuse(RENDERIQ_ERROR_NULL_ARGUMENT, format!("{what} is NULL"))
    }

    pub(crate) fn invalid_argument(message: impl Into<String>) -> Self {
        Self::misuse(RENDERIQ_ERROR_INVALID_ARGUMENT, message)
    }

    pub(crate) fn invalid_handle(message: impl Into<String>) -> Self {
        Self::misuse(RENDERIQ_ERROR_INVALID_HANDLE, message)
    }

    fn panic(payload: Box<dyn Any + Send>) -> Self {
        let what = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_owned())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".to_owned());
        Self::misuse(
            RENDERIQ_ERROR_PANIC,
            format!("internal error in the Renderiq library (please report it): {what}"),
        )
    }

    pub(crate) fn code(&self) -> i32 {
        match self {
            Self::Sdk(e) => kind_code(e.kind()),
            Self::Misuse { code, .. } => *code,
        }
    }

    fn into_object(self) -> RenderiqError {
        let code = self.code();
        let (message, json) = match self {
            Self::Sdk(e) => (e.display_for(renderiq_sdk::call::Language::C), e.to_json()),
            Self::Misuse { message, .. } => {
                let kind = code_name(code).to_str().unwrap_or("unknown");
                // The same shape as `renderiq_sdk::Error::to_json`.
                let json = serde_json::json!({
                    "kind": kind,
                    "hintId": null,
                    "code": null,
                    "message": message,
                    "display": message,
                    "status": null,
                    "requestId": null,
                    "details": null,
                    "requiredCredits": null,
                    "availableCredits": null,
                    "retryAfter": null,
                });
                (message, json)
            }
        };
        RenderiqError {
            code,
            message: cstring(message),
            json: cstring(json.to_string()),
        }
    }
}

/// A C string from Rust text; interior NULs (which C cannot represent) are dropped.
pub(crate) fn cstring(s: impl Into<String>) -> CString {
    let s = s.into();
    CString::new(s).unwrap_or_else(|e| {
        let mut bytes = e.into_vec();
        bytes.retain(|b| *b != 0);
        CString::new(bytes).expect("NULs removed")
    })
}

/// Runs one entry point: clears `*out_error`, catches panics, and turns a failure into its
/// status code and (when `out_error` is not NULL) an error object.
pub(crate) unsafe fn guard(
    out_error: *mut *mut RenderiqError,
    f: impl FnOnce() -> FfiResult<()>,
) -> i32 {
    if !out_error.is_null() {
        *out_error = ptr::null_mut();
    }
    let result = catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|p| Err(FfiError::panic(p)));
    match result {
        Ok(()) => RENDERIQ_OK,
        Err(e) => {
            let code = e.code();
            if !out_error.is_null() {
                // Building the object cannot reasonably panic, but nothing may unwind out.
                if let Ok(obj) = catch_unwind(AssertUnwindSafe(|| e.into_object())) {
                    *out_error = ERRORS.insert(obj);
                }
            }
            code
        }
    }
}

/// Runs a function that reports failure by its return value only.
pub(crate) fn quiet<R>(fallback: R, f: impl FnOnce() -> R) -> R {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or(fallback)
}

/// Reads a live error through `f`; `fallback` when `error` is NULL or not live.
fn read<R: Copy>(
    error: *const RenderiqError,
    fallback: R,
    f: impl FnOnce(&RenderiqError) -> R,
) -> R {
    quiet(fallback, || ERRORS.get(error).map_or(fallback, |e| f(&e)))
}

/// The status code of `error` (one of the `RENDERIQ_ERROR_*` constants), or
/// `RENDERIQ_ERROR_INVALID_HANDLE` when `error` is NULL or not a live error.
#[no_mangle]
pub extern "C" fn renderiq_error_code(error: *const RenderiqError) -> i32 {
    read(error, RENDERIQ_ERROR_INVALID_HANDLE, |e| e.code)
}

/// The kind of `error` as a stable snake_case name (`"auth"`, `"insufficient_credits"`,
/// `"null_argument"`, …): a static string, never freed. `"invalid_handle"` when `error` is NULL
/// or not a live error.
#[no_mangle]
pub extern "C" fn renderiq_error_kind(error: *const RenderiqError) -> *const c_char {
    renderiq_status_name(renderiq_error_code(error))
}

/// The static snake_case name of a status code (`0` → `"ok"`, `5` → `"insufficient_credits"`,
/// `103` → `"invalid_handle"`, anything else → `"unknown"`). Never freed.
#[no_mangle]
pub extern "C" fn renderiq_status_name(code: i32) -> *const c_char {
    code_name(code).as_ptr()
}

/// A human-readable message with what to do next and the request id, e.g.
/// `"Insufficient credits (buy or grant credits, or pick a lower quality) [request req_…]"`.
/// Borrowed: valid until `renderiq_error_free(error)`; do not free it. When `error` is NULL or
/// not live, a static message saying so.
#[no_mangle]
pub extern "C" fn renderiq_error_message(error: *const RenderiqError) -> *const c_char {
    let dead = c"invalid RenderiqError handle (NULL or already freed)".as_ptr();
    read(error, dead, |e| e.message.as_ptr())
}

/// Everything about the error as one JSON object: `{"kind", "hintId" (the row of the generated
/// hint tables), "code" (the API errorCode), "message" (without hint and request id),
/// "display", "status", "requestId", "details" (the API's field errors), "requiredCredits",
/// "availableCredits", "retryAfter" (seconds)}`; absent values are `null`. Wrappers read
/// everything else from it. Borrowed: valid until `renderiq_error_free(error)`. `"{}"` when
/// `error` is not live.
#[no_mangle]
pub extern "C" fn renderiq_error_json(error: *const RenderiqError) -> *const c_char {
    read(error, c"{}".as_ptr(), |e| e.json.as_ptr())
}

/// Frees an error. NULL is accepted and ignored. Returns `RENDERIQ_OK`, or
/// `RENDERIQ_ERROR_INVALID_HANDLE` (and does nothing) when `error` was already freed or is not
/// an error from this library.
#[no_mangle]
pub extern "C" fn renderiq_error_free(error: *mut RenderiqError) -> i32 {
    if error.is_null() {
        return RENDERIQ_OK;
    }
    quiet(RENDERIQ_ERROR_PANIC, || match ERRORS.remove(error) {
        Ok(_) => RENDERIQ_OK,
        Err(e) => e.code(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_has_its_generated_code_and_name() {
        use crate::error_kinds::{RENDERIQ_ERROR_AUTH, RENDERIQ_ERROR_DECODE};
        assert_eq!(kind_code(ErrorKind::Auth), RENDERIQ_ERROR_AUTH);
        assert_eq!(kind_code(ErrorKind::Decode), RENDERIQ_ERROR_DECODE);
        for kind in ErrorKind::ALL {
            let code = kind_code(kind);
            assert_eq!(code_name(code).to_str().unwrap(), kind.as_str());
            assert!(code < RENDERIQ_ERROR_NULL_ARGUMENT, "{kind:?}");
        }
        assert_eq!(code_name(RENDERIQ_ERROR_NULL_ARGUMENT), c"null_argument");
        assert_eq!(code_name(18), c"unknown");
    }

    #[test]
    fn a_panic_becomes_a_panic_error_object() {
        let mut err: *mut RenderiqError = ptr::null_mut();
        let rc = unsafe { guard(&mut err, || panic!("boom")) };
        assert_eq!(rc, RENDERIQ_ERROR_PANIC);
        assert_eq!(renderiq_error_code(err), RENDERIQ_ERROR_PANIC);
        let msg = unsafe { CStr::from_ptr(renderiq_error_message(err)) }
            .to_str()
            .unwrap();
        assert!(msg.contains("boom"), "{msg}");
        assert_eq!(renderiq_error_free(err), RENDERIQ_OK);
        assert_eq!(renderiq_error_free(err), RENDERIQ_ERROR_INVALID_HANDLE);
        assert_eq!(renderiq_error_code(err), RENDERIQ_ERROR_INVALID_HANDLE);
    }
}
