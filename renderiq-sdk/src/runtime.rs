//! The one tokio runtime a process shares for blocking calls and the language bindings.
//!
//! Host apps load many add-ins into one process; each binding, every
//! [`blocking::Client`](crate::blocking::Client) and every background operation run on this
//! runtime, created on first use with two worker threads. A process that `fork`s after creating it must not use it
//! in the child: calls there fail with a clear error instead of hanging.

use std::sync::OnceLock;

use tokio::runtime::Runtime;

use crate::error::{Error, ErrorKind, Result};

struct Shared {
    runtime: Runtime,
    pid: u32,
}

static SHARED: OnceLock<std::result::Result<Shared, String>> = OnceLock::new();

/// The shared runtime, created on first use.
///
/// # Errors
///
/// [`Config`](crate::ErrorKind::Config) when the runtime cannot start, or when called in a
/// process forked after the runtime was created.
///
/// # Examples
///
/// ```
/// let rt = renderiq_sdk::runtime::shared().unwrap();
/// assert_eq!(rt.block_on(async { 1 + 1 }), 2);
/// ```
pub fn shared() -> Result<&'static Runtime> {
    let shared = SHARED.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("renderiq-rt")
            .enable_all()
            .build()
            .map(|runtime| Shared {
                runtime,
                pid: std::process::id(),
            })
            .map_err(|e| e.to_string())
    });
    match shared {
        Ok(s) if s.pid == std::process::id() => Ok(&s.runtime),
        Ok(_) => Err(Error::new(
            ErrorKind::Config,
            "the Renderiq runtime was created before this process forked; create clients in the child process only",
        )),
        Err(e) => Err(Error::new(ErrorKind::Config, format!("could not start the Renderiq runtime: {e}"))),
    }
}

/// Runs `fut` to completion on the shared runtime from a thread that is not a runtime worker.
///
/// # Errors
///
/// [`Config`](crate::ErrorKind::Config) when called from inside an async runtime (use the
/// async API there) or after a fork, else whatever `fut` returns.
pub fn block_on<F: std::future::Future<Output = Result<T>>, T>(fut: F) -> Result<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::Config,
            "a blocking Renderiq call was made from inside an async runtime; use renderiq_sdk::Client there",
        ));
    }
    shared()?.block_on(fut)
}
