//! Waiting for core operations on Python threads.
//!
//! A blocking call runs its future as a core [`Operation`] on the shared runtime and waits for
//! it on the calling thread **with the GIL released**, waking every [`POLL`] to check for
//! signals: Ctrl-C cancels the work and raises `KeyboardInterrupt`. Python code is never called
//! from a runtime thread.

use std::future::Future;
use std::time::{Duration, Instant};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use renderiq_sdk::Operation;

use crate::errors::err;

/// How often a waiting thread wakes up to check for signals.
pub const POLL: Duration = Duration::from_millis(50);

/// Runs `fut` to completion on the shared runtime, waiting with the GIL released; a pending
/// signal cancels it and is raised.
pub fn run<T, Fut>(py: Python<'_>, fut: Fut) -> PyResult<T>
where
    T: Send + 'static,
    Fut: Future<Output = renderiq_sdk::Result<T>> + Send + 'static,
{
    let op = Operation::spawn(move |_| fut).map_err(err)?;
    loop {
        if py.detach(|| op.wait_until_done(Some(POLL))) {
            return match op.take_result() {
                Some(result) => result.map_err(err),
                None => Err(err(renderiq_sdk::Error::cancelled())),
            };
        }
        if let Err(e) = py.check_signals() {
            op.cancel();
            return Err(e);
        }
    }
}

/// Blocks (GIL released) until `op` finished or `timeout` seconds passed; `true` when it
/// finished. Ctrl-C raises `KeyboardInterrupt` here and the operation keeps running.
pub fn wait_op<T: Send + 'static>(
    py: Python<'_>,
    op: &Operation<T>,
    timeout: Option<f64>,
) -> PyResult<bool> {
    let deadline = match timeout {
        Some(t) => Instant::now().checked_add(Duration::try_from_secs_f64(t).map_err(|_| {
            PyValueError::new_err(format!(
                "timeout must be a non-negative number of seconds, not {t}"
            ))
        })?),
        None => None,
    };
    loop {
        let slice = deadline.map_or(POLL, |d| {
            d.saturating_duration_since(Instant::now()).min(POLL)
        });
        if py.detach(|| op.wait_until_done(Some(slice))) {
            return Ok(true);
        }
        py.check_signals()?;
        if deadline.is_some_and(|d| Instant::now() >= d) {
            return Ok(false);
        }
    }
}
