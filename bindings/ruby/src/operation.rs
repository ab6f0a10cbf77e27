//! `Renderiq::Native::Operation`: a Ruby handle on the core's background [`Operation`].
//!
//! Every call of the extension runs as an `Operation` on the SDK's shared runtime. Ruby then
//! either polls the handle from a timer (`done?`, `progress`, `take`), or waits on it with
//! `wait(seconds)`, which releases the GVL for up to `seconds` and returns early when Ruby wants
//! to interrupt the thread; the blocking calls of the public API are that loop (in Ruby, shared
//! with the Fiddle backend), so other Ruby threads keep running and the caller's progress block
//! runs on the caller's own thread between two waits.
//!
//! Operations of the generic call entry (`Client#start`) answer JSON and keep their outcome:
//! `outcome` reads it as often as asked, as the core's [`Operation::outcome`] does.

use std::sync::atomic::Ordering;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use magnus::{Error, IntoValue, RString, Ruby, Value};
use renderiq_sdk::operation::Operation;
use renderiq_sdk::types::Render;

use crate::error;
use crate::gvl;

/// How long one GVL-free wait lasts at most before Ruby gets a chance to run interrupts.
const WAIT_SLICE: Duration = Duration::from_millis(50);

/// What a finished call produced.
pub enum Output {
    /// A JSON document (wire JSON of the API's types, `null`, `true`, …).
    Json(String),
    /// Raw bytes (a downloaded image).
    Bytes(Vec<u8>),
}

enum Handle {
    Render(Operation<Render>),
    Output(Operation<Output>),
    Call(Operation<serde_json::Value>),
}

/// Runs `$body` with `$op` bound to the handle's operation, whatever its result type.
macro_rules! with_op {
    ($handle:expr, $op:ident => $body:expr) => {
        match $handle {
            Handle::Render($op) => $body,
            Handle::Output($op) => $body,
            Handle::Call($op) => $body,
        }
    };
}

enum Slot {
    Pending,
    Ready(renderiq_sdk::Result<Output>),
    Taken,
}

/// Set by the operation's completion callback; waiters sleep on it without taking the result.
#[derive(Default)]
struct Done {
    flag: Mutex<bool>,
    cond: Condvar,
}

impl Done {
    fn wait(&self, timeout: Duration) -> bool {
        let guard = self.flag.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |done| !*done)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }
}

/// A background operation of the Renderiq SDK.
#[magnus::wrap(class = "Renderiq::Native::Operation", free_immediately, size)]
pub struct RbOperation {
    handle: Handle,
    done: Arc<Done>,
    slot: Mutex<Slot>,
}

impl RbOperation {
    fn new(handle: Handle) -> Self {
        let done = Arc::new(Done::default());
        let signal = done.clone();
        let notify = move || {
            *signal.flag.lock().unwrap_or_else(|p| p.into_inner()) = true;
            signal.cond.notify_all();
        };
        with_op!(&handle, op => op.on_complete(notify));
        Self {
            handle,
            done,
            slot: Mutex::new(Slot::Pending),
        }
    }

    /// A handle on a render operation started by the core (`start_create_render`, …).
    pub fn render(op: Operation<Render>) -> Self {
        Self::new(Handle::Render(op))
    }

    /// A handle on any other call.
    pub fn output(op: Operation<Output>) -> Self {
        Self::new(Handle::Output(op))
    }

    /// A handle on a call of the generic entry (`Client#start`), whose outcome is JSON.
    pub fn call(op: Operation<serde_json::Value>) -> Self {
        Self::new(Handle::Call(op))
    }

    fn is_done(&self) -> bool {
        with_op!(&self.handle, op => op.is_done())
    }

    fn cancel_op(&self) {
        with_op!(&self.handle, op => op.cancel())
    }

    /// `done?`: `true` once the operation finished (with a value, an error, or cancelled).
    pub fn done(&self) -> bool {
        self.is_done()
    }

    /// `cancel`: asks the operation to stop; it ends soon after with a `CancelledError`.
    pub fn cancel(&self) {
        self.cancel_op();
    }

    /// `cancelled?`: `true` once `cancel` was called.
    pub fn cancelled(&self) -> bool {
        with_op!(&self.handle, op => op.is_cancelled())
    }

    /// `progress_json`: `{"percent": 0-100, "stage": "uploading"|…|null, "render": {…}|null,
    /// "version": n}`; `version` grows with every change, so a poller that saw it has seen
    /// everything up to it.
    pub fn progress_json(&self) -> String {
        let p = with_op!(&self.handle, op => op.progress());
        // The core's Progress serialises to exactly this shape and cannot fail to.
        serde_json::to_string(&p).unwrap_or_else(|_| "{}".to_owned())
    }

    /// `outcome`: the result of a finished operation of the generic call entry, as JSON text,
    /// as often as asked; a failed operation raises its `Renderiq::Error` subclass each time.
    pub fn outcome(ruby: &Ruby, rb_self: &Self) -> Result<RString, Error> {
        let Handle::Call(op) = &rb_self.handle else {
            return Err(error::argument(
                ruby,
                "outcome is for operations of Client#start: use take",
            ));
        };
        match op.outcome() {
            Some(Ok(value)) => Ok(ruby.str_new(&value.to_string())),
            Some(Err(e)) => Err(error::raise(ruby, &e)),
            None => Err(error::argument(
                ruby,
                "the operation is still running: check done? or call wait first",
            )),
        }
    }

    /// `wait(seconds)`: waits up to `seconds` (forever for `nil`) with the GVL released; `true`
    /// when the operation is done. An interrupt of the waiting thread (`Thread#raise`,
    /// `Thread#kill`, Ctrl-C, `Timeout.timeout`) cancels the operation and is raised as usual.
    pub fn wait(ruby: &Ruby, rb_self: &Self, seconds: Option<f64>) -> Result<bool, Error> {
        let deadline = match seconds {
            None => None,
            Some(s) if s.is_nan() || s < 0.0 => {
                return Err(error::argument(
                    ruby,
                    format!("wait needs seconds >= 0, got {s}"),
                ))
            }
            Some(s) => Instant::now().checked_add(Duration::from_secs_f64(s.min(1e9))),
        };
        loop {
            if rb_self.is_done() {
                return Ok(true);
            }
            let done = &rb_self.done;
            let ran = gvl::without_gvl(|interrupted| loop {
                if interrupted.load(Ordering::SeqCst) {
                    return false;
                }
                let slice = match deadline {
                    None => WAIT_SLICE,
                    Some(d) => {
                        let left = d.saturating_duration_since(Instant::now());
                        if left.is_zero() {
                            return false;
                        }
                        left.min(WAIT_SLICE)
                    }
                };
                if done.wait(slice) {
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
            // Let Ruby run what interrupted us. If it raises, the caller is going away: stop
            // the work it was waiting for, then let the exception propagate.
            if let Err(e) = ruby.thread_check_ints() {
                rb_self.cancel_op();
                return Err(e);
            }
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(rb_self.is_done());
            }
        }
    }

    /// `take`: the result of a finished operation, once. JSON results come back as a UTF-8
    /// `String` (the wrapper parses it), downloads as a binary `String`; a failed operation
    /// raises its `Renderiq::Error` subclass.
    pub fn take(ruby: &Ruby, rb_self: &Self) -> Result<Value, Error> {
        let mut slot = rb_self.slot.lock().unwrap_or_else(|p| p.into_inner());
        if let Slot::Pending = *slot {
            let taken = match &rb_self.handle {
                Handle::Render(op) => op.take_result().map(|r| {
                    // Serialising our own wire type cannot fail.
                    r.map(|render| {
                        Output::Json(serde_json::to_string(&render).expect("Render is JSON"))
                    })
                }),
                Handle::Output(op) => op.take_result(),
                Handle::Call(op) => op
                    .take_result()
                    .map(|r| r.map(|v| Output::Json(v.to_string()))),
            };
            match taken {
                Some(r) => *slot = Slot::Ready(r),
                None => {
                    return Err(error::argument(
                        ruby,
                        "the operation is still running: check done? or call wait first",
                    ))
                }
            }
        }
        match std::mem::replace(&mut *slot, Slot::Taken) {
            Slot::Ready(Ok(Output::Json(json))) => Ok(ruby.str_new(&json).into_value_with(ruby)),
            Slot::Ready(Ok(Output::Bytes(bytes))) => {
                Ok(ruby.str_from_slice(&bytes).into_value_with(ruby))
            }
            Slot::Ready(Err(e)) => Err(error::raise(ruby, &e)),
            Slot::Taken | Slot::Pending => Err(error::argument(
                ruby,
                "the operation's result was already taken",
            )),
        }
    }
}

impl Drop for RbOperation {
    fn drop(&mut self) {
        // A handle Ruby no longer references cannot deliver its result: stop the work.
        if !self.is_done() {
            self.cancel_op();
        }
    }
}
