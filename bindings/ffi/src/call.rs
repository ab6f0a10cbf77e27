//! The one entry point for calls: `renderiq_call` and `renderiq_call_start`.

use std::ffi::c_char;

use renderiq_sdk::call::{prepared_info, Call};

use crate::client::{block, client_arg, RenderiqClient};
use crate::error::{guard, FfiError, FfiResult, RenderiqError};
use crate::memory::{bytes_arg, clear, clear_bytes, put_bytes, put_json, str_arg};
use crate::op::{insert, RenderiqOp};

/// Parses the call and attaches the borrowed bytes (copied) when there are any.
unsafe fn call_arg(call_json: *const c_char, data: *const u8, len: usize) -> FfiResult<Call> {
    let mut call = Call::from_json(str_arg(call_json, "call_json")?)?;
    if !data.is_null() || len != 0 {
        call.attach(bytes_arg(data, len, "data")?.to_vec())?;
    }
    Ok(call)
}

/// Makes one call, blocking, and answers its result: the API object as camelCase JSON, or
/// `null` for calls without one. Every request the SDK can make is a call:
///
/// `{"call": "sign_in", "email": "…", "password": "…"}`, `{"call": "credits"}`,
/// `{"call": "create_render", "image": {"kind": "file", "path": "view.png"},
///   "settings": {"prompt": "dusk"}, "prepare": {"maxEdge": 1536}}`,
/// `{"call": "list_renders", "status": "completed", "limit": 50}`, … — the full list, with every
/// field, default and rule, is `renderiq_sdk::call::Call` (the README's "Architecture").
///
/// `data` / `len` (NULL / 0 when unused) carry an image's bytes beside the call instead of
/// base64 inside it: the encoded file of `{"kind": "bytes"}` or the pixels of `{"kind": "raw",
/// "width", "height", "stride", "pixelFormat", "bottomUp"}`. They are borrowed for this call
/// only (copied before anything starts).
///
/// On success `*out_result_json` (may be NULL) receives the result, freed with
/// `renderiq_string_free`. Errors: every kind the call can fail with;
/// `RENDERIQ_ERROR_INVALID_INPUT` for a call that is not valid (the message names the unknown
/// call or field). Never call it from a UI thread for long work: use `renderiq_call_start`.
#[no_mangle]
pub unsafe extern "C" fn renderiq_call(
    client: *const RenderiqClient,
    call_json: *const c_char,
    data: *const u8,
    len: usize,
    out_result_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_result_json);
    guard(out_error, || {
        let c = client_arg(client)?;
        let call = call_arg(call_json, data, len)?;
        let value = block(c.client.call(call))?;
        put_json(out_result_json, &value)
    })
}

/// Starts a call in the background and returns at once with an operation handle: poll it
/// from a UI timer (`renderiq_op_poll`, `renderiq_op_progress`), read its outcome
/// (`renderiq_op_outcome`, `renderiq_op_wait`), cancel it
/// (`renderiq_op_cancel`) and free it (`renderiq_op_free`). Arguments as for `renderiq_call`.
///
/// Cancelling a call that creates a render (`create_render`, `render`) withdraws the render
/// while it is still pending, so its credits are refunded; a render already processing runs
/// to its end. Errors here are about the arguments (`RENDERIQ_ERROR_INVALID_INPUT`); the
/// call's own failures are the operation's outcome.
#[no_mangle]
pub unsafe extern "C" fn renderiq_call_start(
    client: *const RenderiqClient,
    call_json: *const c_char,
    data: *const u8,
    len: usize,
    out_op: *mut *mut RenderiqOp,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_op);
    guard(out_error, || {
        if out_op.is_null() {
            return Err(FfiError::null("`out_op`"));
        }
        let c = client_arg(client)?;
        *out_op = insert(c.client.start(call_arg(call_json, data, len)?)?);
        Ok(())
    })
}

/// Prepares an image for upload as a render would, without uploading it, and hands back the
/// bytes: decoded, oriented, down-scaled to `maxEdge`, encoded as `format` within `maxBytes`,
/// with no metadata. For hosts that upload themselves or show what will be sent. Runs on the
/// calling thread (tens of milliseconds for a 4K capture); needs no client.
///
/// `call_json` is a `prepare_image` call, `data` / `len` its image bytes as for
/// `renderiq_call`: `{"call": "prepare_image", "image": {"kind": "raw", "width": 800,
/// "height": 600, "pixelFormat": "bgra8"}, "prepare": {"maxEdge": 1024, "format": "png"}}`.
/// On success `*out_data` / `*out_len` (required) receive the encoded bytes, freed with
/// `renderiq_bytes_free(data, len)`, and `*out_info_json` (may be NULL) receives
/// `{"mimeType","format","width","height","size"}`, freed with `renderiq_string_free`.
#[no_mangle]
pub unsafe extern "C" fn renderiq_image_prepare(
    call_json: *const c_char,
    data: *const u8,
    len: usize,
    out_data: *mut *mut u8,
    out_len: *mut usize,
    out_info_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_info_json);
    guard(out_error, || {
        clear_bytes(out_data, out_len)?;
        let call = Call::from_json(str_arg(call_json, "call_json")?)?;
        let Call::PrepareImage { image, prepare } = call else {
            return Err(FfiError::invalid_argument(
                "renderiq_image_prepare takes a `prepare_image` call: {\"call\": \"prepare_image\", \"image\": {…}}",
            ));
        };
        // The call returns before `data` may go, so the bytes are read where they are: a 4K
        // capture is 33 MB, not worth copying.
        let attached = if !data.is_null() || len != 0 {
            Some(bytes_arg(data, len, "data")?)
        } else {
            None
        };
        let prepared = image.prepare_attached(attached, &prepare)?;
        put_json(out_info_json, &prepared_info(&prepared))?;
        put_bytes(out_data, out_len, prepared.bytes);
        Ok(())
    })
}
