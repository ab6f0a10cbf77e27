//! Running core futures from Python threads, and the background `Operation` handle.
//!
//! Every blocking call runs its future as a core [`Operation`] on the shared runtime and waits
//! for it on the calling thread **with the GIL released**, waking every [`POLL`] to check for
//! signals (Ctrl-C cancels the work and raises `KeyboardInterrupt`) and to run Python callbacks
//! (progress) on the calling thread. Python code is never called from a runtime thread.

use std::future::Future;
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use pyo3::types::PyDict;
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

/// The latest progress as `{"percent", "stage", "render"}`.
pub fn progress_to_py(py: Python<'_>, p: &Progress) -> PyResult<Py<PyAny>> {
    let d = PyDict::new(py);
    d.set_item("percent", p.percent)?;
    d.set_item("stage", p.stage.as_deref())?;
    match &p.render {
        Some(r) => d.set_item("render", to_py(py, r)?)?,
        None => d.set_item("render", py.None())?,
    }
    Ok(d.into_any().unbind())
}

/// Set once the operation ended; lets several Python threads wait without taking the result.
#[derive(Default)]
struct Finished {
    done: Mutex<bool>,
    cond: Condvar,
}

impl Finished {
    fn lock(&self) -> MutexGuard<'_, bool> {
        self.done.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Waits up to `timeout`; `true` once finished.
    fn wait(&self, timeout: Duration) -> bool {
        let guard = self.lock();
        let (guard, _) = self
            .cond
            .wait_timeout_while(guard, timeout, |done| !*done)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }
}

/// The settled result, converted once and kept so `result()` can be asked again.
struct Outcome {
    value: Result<Py<PyAny>, PyErr>,
    kind: Option<ErrorKind>,
}

/// A render operation running in the background (create, wait, or both).
///
/// Poll it from a UI timer with `done()` and `progress()`; `wait(timeout)` blocks with the GIL
/// released; `outcome()` returns the render (a wire `dict`) or raises the typed exception.
#[pyclass(name = "Operation", module = "renderiq._native", frozen)]
pub struct PyOperation {
    op: Operation<Render>,
    finished: Arc<Finished>,
    /// Only locked with the GIL held and never across a GIL release, so it cannot deadlock.
    outcome: Mutex<Option<Outcome>>,
}

impl PyOperation {
    pub fn new(op: Operation<Render>) -> Self {
        let finished = Arc::new(Finished::default());
        let signal = finished.clone();
        op.on_complete(move || {
            *signal.lock() = true;
            signal.cond.notify_all();
        });
        Self {
            op,
            finished,
            outcome: Mutex::new(None),
        }
    }

    fn cache(&self) -> MutexGuard<'_, Option<Outcome>> {
        self.outcome.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Takes the core result into the cache once the operation ended.
    fn settle(&self, py: Python<'_>) -> PyResult<()> {
        let mut cache = self.cache();
        if cache.is_none() && self.op.is_done() {
            if let Some(result) = self.op.take_result() {
                *cache = Some(match result {
                    Ok(render) => Outcome {
                        value: to_py(py, &render),
                        kind: None,
                    },
                    Err(e) => Outcome {
                        value: Err(to_py_err(py, &e)),
                        kind: Some(e.kind()),
                    },
                });
            }
        }
        Ok(())
    }
}

#[pymethods]
impl PyOperation {
    /// `True` once the operation finished: completed, failed or cancelled. Never blocks.
    fn done(&self) -> bool {
        self.op.is_done()
    }

    /// The latest progress as `{"percent", "stage", "render"}`. Never blocks.
    fn progress(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        progress_to_py(py, &self.op.progress())
    }

    /// Asks the operation to stop; `False` when it had already finished.
    fn cancel(&self) -> bool {
        if self.op.is_done() {
            return false;
        }
        self.op.cancel();
        true
    }

    /// `True` when the operation ended by cancellation.
    fn cancelled(&self, py: Python<'_>) -> PyResult<bool> {
        self.settle(py)?;
        Ok(matches!(
            &*self.cache(),
            Some(Outcome {
                kind: Some(ErrorKind::Cancelled),
                ..
            })
        ))
    }

    /// Blocks (GIL released) until the operation finished or `timeout` seconds passed; `True`
    /// when it finished. Signals are checked between polls (Ctrl-C raises `KeyboardInterrupt`
    /// here; the operation keeps running).
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<bool> {
        let deadline = match timeout {
            Some(t) => Some(Instant::now() + crate::client::seconds(t, "timeout")?),
            None => None,
        };
        loop {
            let slice = match deadline {
                Some(d) => d.saturating_duration_since(Instant::now()).min(POLL),
                None => POLL,
            };
            let finished = self.finished.clone();
            // `is_done` turns true just before the completion signal: check both.
            if self.op.is_done() || py.detach(move || finished.wait(slice)) || self.op.is_done() {
                self.settle(py)?;
                return Ok(true);
            }
            py.check_signals()?;
            if deadline.is_some_and(|d| Instant::now() >= d) {
                return Ok(false);
            }
        }
    }

    /// The render (a wire `dict`) of a finished operation, or raises its exception.
    fn outcome(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        self.settle(py)?;
        match &*self.cache() {
            Some(Outcome { value: Ok(v), .. }) => Ok(v.clone_ref(py)),
            Some(Outcome { value: Err(e), .. }) => Err(e.clone_ref(py)),
            None => Err(PyRuntimeError::new_err(
                "the operation has not finished: check done() or call wait() first",
            )),
        }
    }

    fn __repr__(&self) -> String {
        let p = self.op.progress();
        format!(
            "<Operation done={} percent={} stage={:?}>",
            if self.op.is_done() { "True" } else { "False" },
            p.percent,
            p.stage.unwrap_or_default()
        )
    }
}
