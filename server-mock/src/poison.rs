//! Locking a mutex whatever a panicking holder left: the server's mutexes guard maps and values
//! that a panic cannot leave half-changed (each change is one call on them), so a poisoned lock
//! is used as it is rather than failing every request after one bug.
//!
//! ```
//! use std::sync::Mutex;
//! let counter = Mutex::new(0);
//! *renderiq_server::poison::lock(&counter) += 1;
//! assert_eq!(*counter.lock().unwrap(), 1);
//! ```

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Locks `mutex`, poisoned or not.
pub fn lock<T: ?Sized>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
