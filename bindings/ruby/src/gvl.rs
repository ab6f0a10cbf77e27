//! Running Rust code with Ruby's Global VM Lock released.
//!
//! magnus has no high-level API for `rb_thread_call_without_gvl`, so this is the one `unsafe`
//! corner of the extension. The closure must not touch any Ruby object: other Ruby threads run
//! while it does. The unblock function, which Ruby calls when the thread is interrupted
//! (`Thread#raise`, `Thread#kill`, Ctrl-C, `Timeout.timeout`), only raises a flag; the closure
//! watches the flag and returns early, and the caller then lets Ruby deliver the interrupt (see
//! `operation.rs`, which cancels the Rust operation when the interrupt raises).

use std::ffi::c_void;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};

struct Call<'a, F, R> {
    func: Option<F>,
    result: Option<std::thread::Result<R>>,
    interrupted: &'a AtomicBool,
}

unsafe extern "C" fn trampoline<F, R>(data: *mut c_void) -> *mut c_void
where
    F: FnOnce(&AtomicBool) -> R,
{
    // SAFETY: `data` is the `Call` that `without_gvl` passed in and keeps alive for this call.
    let call = unsafe { &mut *(data as *mut Call<'_, F, R>) };
    if let Some(func) = call.func.take() {
        let interrupted = call.interrupted;
        call.result = Some(catch_unwind(AssertUnwindSafe(|| func(interrupted))));
    }
    std::ptr::null_mut()
}

unsafe extern "C" fn unblock(data: *mut c_void) {
    // SAFETY: `data` is the `AtomicBool` borrowed by `without_gvl` for the whole call. Ruby may
    // call this from another thread; storing to an atomic is all it does.
    let flag = unsafe { &*(data as *const AtomicBool) };
    flag.store(true, Ordering::SeqCst);
}

/// Runs `func` without the GVL. `func` receives a flag that turns `true` when Ruby asks the
/// thread to stop blocking; it should return soon after.
///
/// Returns `None` when Ruby did not run `func` at all because an interrupt was already pending
/// (the caller checks interrupts and tries again), `Some(Err(panic))` when `func` panicked (the
/// panic never unwinds through Ruby's frames), else `Some(Ok(result))`.
pub fn without_gvl<F, R>(func: F) -> Option<std::thread::Result<R>>
where
    F: FnOnce(&AtomicBool) -> R,
{
    let interrupted = AtomicBool::new(false);
    let mut call = Call {
        func: Some(func),
        result: None,
        interrupted: &interrupted,
    };
    // SAFETY: both pointers outlive the call, which returns only after `trampoline` returned (or
    // was skipped). `trampoline` never touches Ruby objects and never unwinds.
    unsafe {
        rb_sys::rb_thread_call_without_gvl(
            Some(trampoline::<F, R>),
            &mut call as *mut Call<'_, F, R> as *mut c_void,
            Some(unblock),
            &interrupted as *const AtomicBool as *mut c_void,
        );
    }
    call.result
}
