//! `Renderiq::Native::Operation`: a Ruby handle on the core's background [`Operation`] of one
//! call (`Client#start`), whose outcome is JSON.
//!
//! Ruby polls it from a timer (`done?`, `progress_json`, `outcome`) or waits on it with
//! `wait(seconds)`, which releases the GVL and returns early when Ruby wants to interrupt the
//! thread (an interrupt that raises cancels the operation). `outcome` reads the result as often
//! as asked, as the core's [`Operation::outcome`] does.

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use magnus::{Error, RString, Ruby};
use renderiq_sdk::operation::Operation;
use serde_json::Value;

use crate::error;
use crate::gvl;

/// How long one GVL-free wait lasts at most before Ruby gets a chance to run interrupts.
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// A background call of the Renderiq SDK.
#[magnus::wrap(class = "Renderiq::Native::Operation", free_immediately, size)]
pub struct RbOperation {
    op: Operation<Value>,
}

impl RbOperation {
    /// Wraps a started call.
    pub fn new(op: Operation<Value>) -> Self {
        Self { op }
    }

    /// `done?`: `true` once the call finished (with a value, an error, or cancelled).
    pub fn done(&self) -> bool {
        self.op.is_done()
    }

    /// `cancel`: asks the call to stop; a pending render it created is withdrawn.
    pub fn cancel(&self) {
        self.op.cancel();
    }

    /// `cancelled?`: `true` once `cancel` was called.
    pub fn cancelled(&self) -> bool {
        self.op.is_cancelled()
    }

    /// `progress_json`: the core's progress (`percent`, `stage`, `render`, `version`).
    pub fn progress_json(&self) -> String {
        serde_json::to_string(&self.op.progress()).unwrap_or_else(|_| "{}".to_owned())
    }

    /// `outcome`: the finished call's result as JSON text, as often as asked; a failed call
    /// raises its `Renderiq::Error` subclass each time.
    pub fn outcome(ruby: &Ruby, rb_self: &Self) -> Result<RString, Error> {
        match rb_self.op.outcome() {
            Some(Ok(value)) => Ok(ruby.str_new(&value.to_string())),
            Some(Err(e)) => Err(error::raise(ruby, &e)),
            None => Err(error::argument(
                ruby,
                "the operation is still running: check done? or call wait first",
            )),
        }
    }

    /// `wait(seconds)`: waits up to `seconds` (forever for `nil`) with the GVL released; `true`
    /// when the call is done. An interrupt that raises (`Thread#raise`, `Timeout.timeout`,
    /// Ctrl-C) cancels the call and propagates.
    pub fn wait(ruby: &Ruby, rb_self: &Self, seconds: Option<f64>) -> Result<bool, Error> {
        let deadline = match seconds {
            Some(s) if s.is_nan() || s < 0.0 => {
                return Err(error::argument(
                    ruby,
                    format!("wait needs seconds >= 0, got {s}"),
                ))
            }
            Some(s) => Instant::now().checked_add(Duration::from_secs_f64(s.min(1e9))),
            None => None,
        };
        loop {
            if rb_self.done() {
                return Ok(true);
            }
            let op = &rb_self.op;
            let ran = gvl::without_gvl(|interrupted| loop {
                if interrupted.load(Ordering::SeqCst) {
                    return false;
                }
                let left =
                    deadline.map_or(WAIT_SLICE, |d| d.saturating_duration_since(Instant::now()));
                if left.is_zero() {
                    return false;
                }
                if op.wait_until_done(Some(left.min(WAIT_SLICE))) {
                    return true;
                }
            });
            match ran {
                Some(Ok(true)) => return Ok(true),
                Some(Ok(false)) | None => {}
                Some(Err(panic)) => {
                    return Err(error::internal(ruby, &error::panic_message(panic.as_ref())))
                }
            }
            if let Err(e) = ruby.thread_check_ints() {
                rb_self.cancel();
                return Err(e);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(rb_self.done());
            }
        }
    }
}

impl Drop for RbOperation {
    fn drop(&mut self) {
        // A handle Ruby no longer references cannot deliver its result: stop the work.
        if !self.op.is_done() {
            self.op.cancel();
        }
    }
}
