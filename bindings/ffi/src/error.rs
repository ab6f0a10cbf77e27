//! Status codes, the error object, and the guard every entry point runs in.

use std::any::Any;
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::ptr;

use renderiq_sdk::ErrorKind;

use crate::handle::Registry;

/// Success.
pub const RENDERIQ_OK: i32 = 0;
/// Not signed in, token invalid or expired, wrong credentials (`renderiq::AuthError`).
pub const RENDERIQ_ERROR_AUTH: i32 = 1;
/// The API key lacks a scope (`INSUFFICIENT_SCOPE`).
pub const RENDERIQ_ERROR_PERMISSION_DENIED: i32 = 2;
/// No such resource.
pub const RENDERIQ_ERROR_NOT_FOUND: i32 = 3;
/// The request was rejected as invalid, by the server or by the SDK before sending.
pub const RENDERIQ_ERROR_INVALID_INPUT: i32 = 4;
/// Not enough credits; the error's JSON carries `requiredCredits` and `availableCredits`.
pub const RENDERIQ_ERROR_INSUFFICIENT_CREDITS: i32 = 5;
/// Too many requests; the error carries `retryAfter`.
pub const RENDERIQ_ERROR_RATE_LIMITED: i32 = 6;
/// Idempotency-key reuse with another body, or a state conflict.
pub const RENDERIQ_ERROR_CONFLICT: i32 = 7;
/// The server failed (5xx).
pub const RENDERIQ_ERROR_SERVER: i32 = 8;
/// A render ended in the `failed` state (its credits were refunded).
pub const RENDERIQ_ERROR_RENDER_FAILED: i32 = 9;
/// The server could not be reached (DNS, connect, TLS, reset).
pub const RENDERIQ_ERROR_NETWORK: i32 = 10;
/// A request timed out or a wait passed its deadline.
pub const RENDERIQ_ERROR_TIMEOUT: i32 = 11;
/// The operation was cancelled.
pub const RENDERIQ_ERROR_CANCELLED: i32 = 12;
/// A screenshot could not be read or encoded.
pub const RENDERIQ_ERROR_IMAGE: i32 = 13;
/// A webhook delivery failed verification.
pub const RENDERIQ_ERROR_WEBHOOK_VERIFICATION: i32 = 14;
/// The token store (keychain, file) failed.
pub const RENDERIQ_ERROR_TOKEN_STORE: i32 = 15;
/// The client was configured wrongly (bad config JSON, base URL, certificate, proxy).
pub const RENDERIQ_ERROR_CONFIG: i32 = 16;
/// The server's answer could not be understood.
pub const RENDERIQ_ERROR_DECODE: i32 = 17;
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
/// The operation's result was already taken.
pub const RENDERIQ_ERROR_ALREADY_TAKEN: i32 = 106;

/// Status name of each SDK error kind, in the order of `ErrorKind::ALL` (code = index + 1).
#[cfg(test)]
const KIND_CODES: [(ErrorKind, i32); 17] = [
    (ErrorKind::Auth, RENDERIQ_ERROR_AUTH),
    (
        ErrorKind::PermissionDenied,
        RENDERIQ_ERROR_PERMISSION_DENIED,
    ),
    (ErrorKind::NotFound, RENDERIQ_ERROR_NOT_FOUND),
    (ErrorKind::InvalidInput, RENDERIQ_ERROR_INVALID_INPUT),
    (
        ErrorKind::InsufficientCredits,
        RENDERIQ_ERROR_INSUFFICIENT_CREDITS,
    ),
    (ErrorKind::RateLimited, RENDERIQ_ERROR_RATE_LIMITED),
    (ErrorKind::Conflict, RENDERIQ_ERROR_CONFLICT),
    (ErrorKind::Server, RENDERIQ_ERROR_SERVER),
    (ErrorKind::RenderFailed, RENDERIQ_ERROR_RENDER_FAILED),
    (ErrorKind::Network, RENDERIQ_ERROR_NETWORK),
    (ErrorKind::Timeout, RENDERIQ_ERROR_TIMEOUT),
    (ErrorKind::Cancelled, RENDERIQ_ERROR_CANCELLED),
    (ErrorKind::Image, RENDERIQ_ERROR_IMAGE),
    (
        ErrorKind::WebhookVerification,
        RENDERIQ_ERROR_WEBHOOK_VERIFICATION,
    ),
    (ErrorKind::TokenStore, RENDERIQ_ERROR_TOKEN_STORE),
    (ErrorKind::Config, RENDERIQ_ERROR_CONFIG),
    (ErrorKind::Decode, RENDERIQ_ERROR_DECODE),
];

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
        RENDERIQ_ERROR_AUTH => c"auth",
        RENDERIQ_ERROR_PERMISSION_DENIED => c"permission_denied",
        RENDERIQ_ERROR_NOT_FOUND => c"not_found",
        RENDERIQ_ERROR_INVALID_INPUT => c"invalid_input",
        RENDERIQ_ERROR_INSUFFICIENT_CREDITS => c"insufficient_credits",
        RENDERIQ_ERROR_RATE_LIMITED => c"rate_limited",
        RENDERIQ_ERROR_CONFLICT => c"conflict",
        RENDERIQ_ERROR_SERVER => c"server",
        RENDERIQ_ERROR_RENDER_FAILED => c"render_failed",
        RENDERIQ_ERROR_NETWORK => c"network",
        RENDERIQ_ERROR_TIMEOUT => c"timeout",
        RENDERIQ_ERROR_CANCELLED => c"cancelled",
        RENDERIQ_ERROR_IMAGE => c"image",
        RENDERIQ_ERROR_WEBHOOK_VERIFICATION => c"webhook_verification",
        RENDERIQ_ERROR_TOKEN_STORE => c"token_store",
        RENDERIQ_ERROR_CONFIG => c"config",
        RENDERIQ_ERROR_DECODE => c"decode",
        RENDERIQ_ERROR_NULL_ARGUMENT => c"null_argument",
        RENDERIQ_ERROR_INVALID_UTF8 => c"invalid_utf8",
        RENDERIQ_ERROR_INVALID_ARGUMENT => c"invalid_argument",
        RENDERIQ_ERROR_INVALID_HANDLE => c"invalid_handle",
        RENDERIQ_ERROR_PANIC => c"panic",
        RENDERIQ_ERROR_NOT_READY => c"not_ready",
        RENDERIQ_ERROR_ALREADY_TAKEN => c"already_taken",
        _ => c"unknown",
    }
}

/// An error: what failed and everything the server said about it.
///
/// Created by a failing call into `*out_error`; read it with the `renderiq_error_*` accessors;
/// free it with `renderiq_error_free`. Immutable, so it may be read from any thread.
pub struct RenderiqError {
    code: i32,
    message: CString,
    bare: CString,
    hint_id: Option<&'static CStr>,
    api_code: Option<CString>,
    status: u16,
    request_id: Option<CString>,
    required_credits: Option<i64>,
    available_credits: Option<i64>,
    retry_after_ms: Option<i64>,
    details: CString,
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
        match self {
            Self::Sdk(e) => RenderiqError {
                code,
                message: cstring(e.display_for(renderiq_sdk::call::Language::C)),
                bare: cstring(e.message()),
                hint_id: e.hint_id().and_then(hint_cstr),
                api_code: e.error_code().map(cstring),
                status: e.status().unwrap_or(0),
                request_id: e.request_id().map(cstring),
                required_credits: e.required_credits(),
                available_credits: e.available_credits(),
                retry_after_ms: e
                    .retry_after()
                    .map(|d| d.as_millis().min(i64::MAX as u128) as i64),
                details: cstring(
                    e.details()
                        .map_or_else(|| "null".to_owned(), ToString::to_string),
                ),
                json: cstring(e.to_json().to_string()),
            },
            Self::Misuse { code, message } => {
                let kind = code_name(code).to_str().unwrap_or("unknown");
                // The same shape as `renderiq_sdk::Error::to_json`.
                let json = serde_json::json!({
                    "kind": kind,
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
                RenderiqError {
                    code,
                    bare: cstring(message.clone()),
                    hint_id: None,
                    message: cstring(message),
                    api_code: None,
                    status: 0,
                    request_id: None,
                    required_credits: None,
                    available_credits: None,
                    retry_after_ms: None,
                    details: cstring("null".to_owned()),
                    json: cstring(json.to_string()),
                }
            }
        }
    }
}

/// A hint id as a static C string: ids are few and static, so each is leaked once.
fn hint_cstr(id: &'static str) -> Option<&'static CStr> {
    use std::collections::HashMap;
    use std::sync::{Mutex, OnceLock};
    static IDS: OnceLock<Mutex<HashMap<&'static str, &'static CStr>>> = OnceLock::new();
    let mut ids = IDS.get_or_init(Default::default).lock().ok()?;
    Some(
        ids.entry(id)
            .or_insert_with(|| Box::leak(cstring(id).into_boxed_c_str())),
    )
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

/// The status code of `error` (one of the `RENDERIQ_ERROR_*` constants), or
/// `RENDERIQ_ERROR_INVALID_HANDLE` when `error` is NULL or not a live error.
#[no_mangle]
pub extern "C" fn renderiq_error_code(error: *const RenderiqError) -> i32 {
    quiet(RENDERIQ_ERROR_INVALID_HANDLE, || {
        ERRORS
            .get(error)
            .map_or(RENDERIQ_ERROR_INVALID_HANDLE, |e| e.code)
    })
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
    quiet(
        c"invalid RenderiqError handle (NULL or already freed)".as_ptr(),
        || match ERRORS.get(error) {
            Ok(e) => e.message.as_ptr(),
            Err(_) => c"invalid RenderiqError handle (NULL or already freed)".as_ptr(),
        },
    )
}

/// The message alone, without the hint and the request id that `renderiq_error_message`
/// adds: for wrappers that add the hint in their own names (`renderiq_error_hint_id`).
/// Borrowed like `renderiq_error_message`; `""` when `error` is not live.
#[no_mangle]
pub extern "C" fn renderiq_error_bare_message(error: *const RenderiqError) -> *const c_char {
    quiet(c"".as_ptr(), || {
        ERRORS.get(error).map_or(c"".as_ptr(), |e| e.bare.as_ptr())
    })
}

/// The id of the error's hint (`"auth"`, `"conflict.idempotency_conflict"`, …): the row of the
/// generated hint tables that say what to do next in each language's names. A static string,
/// never freed; NULL when the error has no hint or `error` is not live.
#[no_mangle]
pub extern "C" fn renderiq_error_hint_id(error: *const RenderiqError) -> *const c_char {
    quiet(std::ptr::null(), || {
        ERRORS
            .get(error)
            .ok()
            .and_then(|e| e.hint_id)
            .map_or(std::ptr::null(), CStr::as_ptr)
    })
}

/// The HTTP status of the failed response (e.g. 402), or 0 when the server did not answer or
/// `error` is not live.
#[no_mangle]
pub extern "C" fn renderiq_error_http_status(error: *const RenderiqError) -> u16 {
    quiet(0, || ERRORS.get(error).map_or(0, |e| e.status))
}

/// The request id the server gave the failed request (quote it to support), or NULL when there
/// is none. Borrowed: valid until `renderiq_error_free(error)`.
#[no_mangle]
pub extern "C" fn renderiq_error_request_id(error: *const RenderiqError) -> *const c_char {
    quiet(ptr::null(), || {
        ERRORS
            .get(error)
            .ok()
            .and_then(|e| e.request_id.as_ref().map(|s| s.as_ptr()))
            .unwrap_or(ptr::null())
    })
}

/// The API's machine-readable `errorCode` (`"INSUFFICIENT_CREDITS"`, `"WEBHOOK_BAD_SIGNATURE"`,
/// …), or NULL when there is none. Borrowed: valid until `renderiq_error_free(error)`.
#[no_mangle]
pub extern "C" fn renderiq_error_api_code(error: *const RenderiqError) -> *const c_char {
    quiet(ptr::null(), || {
        ERRORS
            .get(error)
            .ok()
            .and_then(|e| e.api_code.as_ref().map(|s| s.as_ptr()))
            .unwrap_or(ptr::null())
    })
}

/// Credits the render needed (`RENDERIQ_ERROR_INSUFFICIENT_CREDITS`), or -1 when not given.
#[no_mangle]
pub extern "C" fn renderiq_error_required_credits(error: *const RenderiqError) -> i64 {
    quiet(-1, || {
        ERRORS
            .get(error)
            .ok()
            .and_then(|e| e.required_credits)
            .unwrap_or(-1)
    })
}

/// Credits available (`RENDERIQ_ERROR_INSUFFICIENT_CREDITS`), or -1 when not given.
#[no_mangle]
pub extern "C" fn renderiq_error_available_credits(error: *const RenderiqError) -> i64 {
    quiet(-1, || {
        ERRORS
            .get(error)
            .ok()
            .and_then(|e| e.available_credits)
            .unwrap_or(-1)
    })
}

/// Milliseconds to wait before retrying (`RENDERIQ_ERROR_RATE_LIMITED`, 503), or -1 when not
/// given.
#[no_mangle]
pub extern "C" fn renderiq_error_retry_after_ms(error: *const RenderiqError) -> i64 {
    quiet(-1, || {
        ERRORS
            .get(error)
            .ok()
            .and_then(|e| e.retry_after_ms)
            .unwrap_or(-1)
    })
}

/// The API's field errors as a JSON object (`{"limit": "use 1 to 100"}`), or `null` when the
/// error has none. Borrowed: valid until `renderiq_error_free(error)`. `"null"` when `error` is
/// not live.
#[no_mangle]
pub extern "C" fn renderiq_error_details_json(error: *const RenderiqError) -> *const c_char {
    quiet(c"null".as_ptr(), || match ERRORS.get(error) {
        Ok(e) => e.details.as_ptr(),
        Err(_) => c"null".as_ptr(),
    })
}

/// Everything about the error as one JSON object: `{"kind", "code" (the API errorCode),
/// "message", "display", "status", "requestId", "details" (field errors), "requiredCredits",
/// "availableCredits", "retryAfter" (seconds), "hintId" (the row of the generated hint tables)}`;
/// absent values are `null`. Borrowed: valid
/// until `renderiq_error_free(error)`. `"{}"` when `error` is not live.
#[no_mangle]
pub extern "C" fn renderiq_error_json(error: *const RenderiqError) -> *const c_char {
    quiet(c"{}".as_ptr(), || match ERRORS.get(error) {
        Ok(e) => e.json.as_ptr(),
        Err(_) => c"{}".as_ptr(),
    })
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
    fn kind_codes_follow_the_order_of_error_kind_all() {
        assert_eq!(
            ErrorKind::ALL.len(),
            KIND_CODES.len(),
            "a new ErrorKind needs a RENDERIQ_ERROR_ constant"
        );
        for (i, (kind, code)) in KIND_CODES.iter().enumerate() {
            assert_eq!(ErrorKind::ALL[i], *kind);
            assert_eq!(kind_code(*kind), *code);
            assert_eq!(code_name(*code).to_str().unwrap(), kind.as_str());
        }
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
