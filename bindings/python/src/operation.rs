//! Running core futures from Python threads, and the background `Operation` handle.
//!
//! Every blocking call runs its future as a core [`Operation`] on the shared runtime and waits
//! for it on the calling thread **with the GIL released**, waking every [`POLL`] to check for
//! signals (Ctrl-C cancels the work and raises `KeyboardInterrupt`) and to run Python callbacks
//! (progress) on the calling thread. Python code is never called from a runtime thread.

use std::future::Future;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use renderiq_sdk::operation::Progress;
use renderiq_sdk::{ErrorKind, Operation, Render};

use crate::convert::to_py;
use crate::errors::{err, to_py_err};

/// How often a waiting thread wakes up to check for signals and progress.
pub const POLL: Duration = Duration::from_millis(50);

/// Runs `fut` to completion on the shared runtime, waiting with the GIL released.
pub fn run<T, Fut>(py: Python<'_>, fut: Fut) -> PyResult<T>
where
    T: Send + 'static,
    Fut: Future<Output = renderiq_sdk::Result<T>> + Send + 'static,
{
    let op = Operation::spawn(move |_| fut).map_err(err)?;
    finish(py, &op, |_| Ok(()))
}

/// Waits for `op` on this thread with the GIL released. Between polls it checks for signals and
/// calls `on_poll` (with the GIL). A pending signal or an exception from `on_poll` cancels the
/// operation and is raised. `on_poll` runs once more after the operation ended, so a progress
/// callback sees the final state.
pub fn finish<T: Send + 'static>(
    py: Python<'_>,
    op: &Operation<T>,
    mut on_poll: impl FnMut(Python<'_>) -> PyResult<()>,
) -> PyResult<T> {
    loop {
        if py.detach(|| op.wait_until_done(Some(POLL))) {
            on_poll(py)?;
            return match op.take_result() {
                Some(result) => result.map_err(err),
                None => Err(err(renderiq_sdk::Error::cancelled())),
            };
        }
        if let Err(e) = py.check_signals().and_then(|()| on_poll(py)) {
            op.cancel();
            return Err(e);
        }
    }
}

/// The latest progress as `{"percent", "stage", "render", "version"}` (`render` in the API's
/// camelCase shape; `version` counts the changes).
pub fn progress_to_py(py: Python<'_>, p: &Progress) -> PyResult<Py<PyAny>> {
    to_py(py, p)
}

/// Blocks (GIL released) until `op` finished or `timeout` seconds passed; `true` when it
/// finished. Signals are checked every [`POLL`]: Ctrl-C raises `KeyboardInterrupt` here and the
/// operation keeps running (the caller decides whether to cancel it).
pub fn wait_op<T: Send + 'static>(
    py: Python<'_>,
    op: &Operation<T>,
    timeout: Option<f64>,
) -> PyResult<bool> {
    let deadline = match timeout {
        Some(t) => Some(Instant::now() + crate::client::seconds(t, "timeout")?),
        None => None,
    };
    loop {
        let slice = match deadline {
            Some(d) => d.saturating_duration_since(Instant::now()).min(POLL),
            None => POLL,
        };
        if py.detach(|| op.wait_until_done(Some(slice))) {
            return Ok(true);
        }
        py.check_signals()?;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
    }
}

/// A render operation running in the background (create, wait, or both).
///
/// Poll it from a UI timer with `done()` and `progress()`; `wait(timeout)` blocks with the GIL
/// released; `outcome()` returns the render (a wire `dict`) or raises the typed exception, as
/// often as asked.
#[pyclass(name = "Operation", module = "renderiq._native", frozen)]
pub struct PyOperation {
    op: Operation<Render>,
}

impl PyOperation {
    pub fn new(op: Operation<Render>) -> Self {
        Self { op }
    }
}

#[pymethods]
impl PyOperation {
    /// `True` once the operation finished: completed, failed or cancelled. Never blocks.
    fn done(&self) -> bool {
        self.op.is_done()
    }

    /// The latest progress as `{"percent", "stage", "render", "version"}`. Never blocks.
    fn progress(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        progress_to_py(py, &self.op.progress())
    }

    /// Asks the operation to stop; `False` when it had already finished.
    fn cancel(&self) -> bool {
        cancel(&self.op)
    }

    /// `True` when the operation ended by cancellation.
    fn cancelled(&self) -> bool {
        ended_cancelled(&self.op)
    }

    /// Blocks (GIL released) until the operation finished or `timeout` seconds passed; `True`
    /// when it finished. Ctrl-C raises `KeyboardInterrupt` here; the operation keeps running.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        wait_op(py, &self.op, timeout)
    }

    /// The render (a wire `dict`) of a finished operation, or raises its exception.
    fn outcome(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        match self.op.outcome() {
            Some(Ok(render)) => to_py(py, &render),
            Some(Err(e)) => Err(to_py_err(py, &e)),
            None => Err(PyRuntimeError::new_err(
                "the operation has not finished: check done() or call wait() first",
            )),
        }
    }

    fn __repr__(&self) -> String {
        describe("Operation", &self.op)
    }
}

/// Cancels `op` unless it already finished; `false` when it had.
pub fn cancel<T: Send + 'static>(op: &Operation<T>) -> bool {
    if op.is_done() {
        return false;
    }
    op.cancel();
    true
}

/// `true` when `op` ended with a [`Cancelled`](ErrorKind::Cancelled) error.
pub fn ended_cancelled<T: Clone + Send + 'static>(op: &Operation<T>) -> bool {
    matches!(op.outcome(), Some(Err(e)) if e.kind() == ErrorKind::Cancelled)
}

/// `<Name done=… percent=… stage=…>`.
pub fn describe<T: Send + 'static>(name: &str, op: &Operation<T>) -> String {
    let p = op.progress();
    format!(
        "<{name} done={} percent={} stage={:?}>",
        if op.is_done() { "True" } else { "False" },
        p.percent,
        p.stage.unwrap_or_default()
    )
}
