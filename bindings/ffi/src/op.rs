//! Background operation handles, built on `renderiq_sdk::operation::Operation`.

use std::ffi::{c_char, c_void};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use renderiq_sdk::Operation;
use serde_json::Value;

use crate::error::{
    guard, quiet, FfiError, FfiResult, RenderiqError, RENDERIQ_ERROR_INVALID_HANDLE,
    RENDERIQ_ERROR_NOT_READY, RENDERIQ_ERROR_PANIC, RENDERIQ_OK,
};
use crate::handle::Registry;
use crate::memory::{clear, put_json};

/// `timeout_ms` of `renderiq_op_wait` that waits without a limit.
pub const RENDERIQ_WAIT_FOREVER: u32 = 0xFFFF_FFFF;

/// An operation running in the background, for a UI thread that must never block.
///
/// Started by `renderiq_call_start`; polled from a UI timer with `renderiq_op_poll` and
/// `renderiq_op_progress`; its outcome read with `renderiq_op_outcome`; freed with
/// `renderiq_op_free`. Thread-safe.
pub struct RenderiqOp {
    op: Operation<Value>,
    callback_set: AtomicBool,
}

pub(crate) static OPS: Registry<RenderiqOp> = Registry::new("RenderiqOp", 3);

fn op_arg(op: *const RenderiqOp) -> FfiResult<std::sync::Arc<RenderiqOp>> {
    OPS.get(op)
}

/// Hands a started operation to C as a new handle.
pub(crate) fn insert(op: Operation<Value>) -> *mut RenderiqOp {
    let callback_set = AtomicBool::new(false);
    OPS.insert(RenderiqOp { op, callback_set })
}

/// Whether the operation finished: 1 when done (successfully, with an error, or cancelled), 0
/// while running, `-RENDERIQ_ERROR_INVALID_HANDLE` (negative) when `op` is NULL or not live.
/// Never blocks; call it from a UI timer.
#[no_mangle]
pub extern "C" fn renderiq_op_poll(op: *const RenderiqOp) -> i32 {
    quiet(-RENDERIQ_ERROR_PANIC, || match op_arg(op) {
        Ok(o) => i32::from(o.op.is_done()),
        Err(_) => -RENDERIQ_ERROR_INVALID_HANDLE,
    })
}

/// The operation's progress. Never blocks.
///
/// `*out_percent` (may be NULL) receives 0–100. `*out_progress_json` (may be NULL) receives
/// `{"percent": 40, "stage": "processing", "done": false, "render": {…Render…} | null,
/// "version": 3}` (`version` counts the changes: a poller that saw it has seen everything up
/// to it), freed with `renderiq_string_free`.
#[no_mangle]
pub unsafe extern "C" fn renderiq_op_progress(
    op: *const RenderiqOp,
    out_percent: *mut u8,
    out_progress_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    if !out_percent.is_null() {
        *out_percent = 0;
    }
    clear(out_progress_json);
    guard(out_error, || {
        let o = op_arg(op)?;
        let p = o.op.progress();
        // The core's `Progress` (camelCase), plus whether the operation is done.
        let mut json = serde_json::to_value(&p).unwrap_or_default();
        json["done"] = o.op.is_done().into();
        put_json(out_progress_json, &json)?;
        if !out_percent.is_null() {
            *out_percent = p.percent;
        }
        Ok(())
    })
}

/// Asks the operation to stop; it finishes soon after with `RENDERIQ_ERROR_CANCELLED` (unless
/// it had already finished). Never blocks. Returns `RENDERIQ_OK`, or
/// `RENDERIQ_ERROR_INVALID_HANDLE` / `RENDERIQ_ERROR_NULL_ARGUMENT`.
#[no_mangle]
pub unsafe extern "C" fn renderiq_op_cancel(op: *const RenderiqOp) -> i32 {
    guard(std::ptr::null_mut(), || {
        op_arg(op)?.op.cancel();
        Ok(())
    })
}

/// Writes a finished operation's outcome: the result JSON, or the operation's error.
unsafe fn deliver(
    outcome: Option<renderiq_sdk::Result<Value>>,
    out_json: *mut *mut c_char,
) -> FfiResult<()> {
    match outcome {
        Some(Ok(value)) => put_json(out_json, &value),
        Some(Err(e)) => Err(e.into()),
        None => Err(FfiError::misuse(
            RENDERIQ_ERROR_NOT_READY,
            "the operation is still running: poll again later",
        )),
    }
}

/// Reads a finished operation's outcome, as often as asked: `RENDERIQ_OK` and the result JSON
/// (`null` for calls without a result) in `*out_result_json` (may be NULL), or the
/// operation's error. `RENDERIQ_ERROR_NOT_READY` while it runs. Never blocks.
#[no_mangle]
pub unsafe extern "C" fn renderiq_op_outcome(
    op: *const RenderiqOp,
    out_result_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_result_json);
    guard(out_error, || {
        deliver(op_arg(op)?.op.outcome(), out_result_json)
    })
}

/// Blocks until the operation finishes or `timeout_ms` passes (`RENDERIQ_WAIT_FOREVER` for no
/// limit, 0 to not wait), then answers its outcome as `renderiq_op_outcome` does (readable
/// again; `out_result_json` may be NULL to only wait); `RENDERIQ_ERROR_NOT_READY` when the time
/// ran out. Never call it from a UI thread or from a completion callback.
#[no_mangle]
pub unsafe extern "C" fn renderiq_op_wait(
    op: *const RenderiqOp,
    timeout_ms: u32,
    out_result_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_result_json);
    guard(out_error, || {
        let o = op_arg(op)?;
        if !o.op.is_done() && tokio_worker() {
            return Err(FfiError::invalid_argument(
                "renderiq_op_wait was called on a Renderiq worker thread (from a completion \
                 callback): it would block the runtime; wait from another thread",
            ));
        }
        let timeout = (timeout_ms != RENDERIQ_WAIT_FOREVER)
            .then(|| Duration::from_millis(u64::from(timeout_ms)));
        deliver(o.op.wait(timeout), out_result_json)
    })
}

/// `true` inside the shared runtime (a completion callback), where blocking would starve it.
fn tokio_worker() -> bool {
    tokio::runtime::Handle::try_current().is_ok()
}

/// The user data pointer of a callback, which the caller promises may be used from any thread.
struct UserData(*mut c_void);
// SAFETY: the pointer is only handed back to the caller's callback, as documented.
unsafe impl Send for UserData {}

/// Registers a completion callback: `callback(user_data)` is called exactly once when the
/// operation finishes (successfully, with an error, or cancelled, including cancelled by
/// `renderiq_op_free`), on a library worker thread, or at once on this thread when it already
/// finished. One callback per operation; a second call returns
/// `RENDERIQ_ERROR_INVALID_ARGUMENT`.
///
/// The callback must return quickly and must not block or throw: post a message to your UI
/// thread and take the result there. It may call `renderiq_op_poll`,
/// `renderiq_op_outcome` and `renderiq_op_free`, but no blocking `renderiq_call`
/// (it fails with `RENDERIQ_ERROR_CONFIG` on a worker thread). `user_data` is passed back
/// untouched; keep whatever it points to alive until the callback ran.
#[no_mangle]
pub unsafe extern "C" fn renderiq_op_set_callback(
    op: *const RenderiqOp,
    callback: Option<extern "C" fn(*mut c_void)>,
    user_data: *mut c_void,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    guard(out_error, || {
        let o = op_arg(op)?;
        let Some(cb) = callback else {
            return Err(FfiError::null("`callback`"));
        };
        if o.callback_set.swap(true, Ordering::SeqCst) {
            return Err(FfiError::invalid_argument(
                "this operation already has a completion callback",
            ));
        }
        let data = UserData(user_data);
        o.op.on_complete(move || {
            let data = data;
            cb(data.0)
        });
        Ok(())
    })
}

/// Frees an operation handle. An operation still running is cancelled (nobody could take its
/// result); a registered callback is still called once. NULL is accepted and ignored. Returns
/// `RENDERIQ_OK`, or `RENDERIQ_ERROR_INVALID_HANDLE` (and does nothing) when `op` was already
/// freed or is not an operation.
#[no_mangle]
pub extern "C" fn renderiq_op_free(op: *mut RenderiqOp) -> i32 {
    if op.is_null() {
        return RENDERIQ_OK;
    }
    quiet(RENDERIQ_ERROR_PANIC, || match OPS.remove(op) {
        Ok(o) => {
            o.op.cancel();
            RENDERIQ_OK
        }
        Err(e) => e.code(),
    })
}
