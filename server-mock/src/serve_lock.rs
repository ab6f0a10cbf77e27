//! One server per SQLite file, enforced: `serve` holds an exclusive lock on `<database>-serve.lock`
//! while it runs, and a second `serve` on the same file stops at start with an error naming the
//! first one's process.
//!
//! What a server keeps in memory assumes it is the only server of its SQLite file: the rate
//! limits' buckets, and the render answers it keeps until their rows change
//! ([`crate::store::RenderMemo`]). The `user` and `credits` commands and the test suites' tools
//! may still open the file beside a running server (they take no lock). On PostgreSQL, which
//! several servers share, no lock is taken. The lock is the operating system's (`flock` on Unix,
//! `LockFileEx` on Windows): a server that dies, however, releases it.
//!
//! ```
//! use renderiq_server::config::Database;
//! use renderiq_server::serve_lock;
//!
//! let dir = tempfile::tempdir().unwrap();
//! let db = Database::Sqlite(dir.path().join("renderiq.db"));
//! let first = serve_lock::acquire(&db).unwrap();
//! assert!(first.is_some());
//! let second = serve_lock::acquire(&db).unwrap_err();
//! assert!(second.to_string().contains("already serves"), "{second}");
//! drop(first);
//! assert!(serve_lock::acquire(&db).unwrap().is_some());
//! ```

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read as _, Seek as _, Write as _};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};

use crate::config::Database;

/// The lock of a serving server; released when dropped (or when the process ends).
#[derive(Debug)]
pub struct ServeLock {
    _file: File,
}

/// The lock file of the SQLite file at `database`.
pub fn lock_path(database: &Path) -> PathBuf {
    let mut name = database.as_os_str().to_owned();
    name.push("-serve.lock");
    PathBuf::from(name)
}

/// Takes the serving lock of `database`: `None` on PostgreSQL (nothing to take).
///
/// # Errors
///
/// Another process serves the same SQLite file (its process id in the message), or the lock
/// file cannot be created.
pub fn acquire(database: &Database) -> anyhow::Result<Option<ServeLock>> {
    let Database::Sqlite(path) = database else {
        return Ok(None);
    };
    let lock = lock_path(path);
    let mut options = OpenOptions::new();
    options.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options
        .open(&lock)
        .with_context(|| format!("creating {}", lock.display()))?;
    match file.try_lock() {
        Ok(()) => {}
        Err(TryLockError::WouldBlock) => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            let who = if holder.is_empty() {
                "another renderiq-server".to_owned()
            } else {
                format!("renderiq-server (process {holder})")
            };
            bail!(
                "{who} already serves {}: one server per SQLite file (its rate limits and kept \
                 answers live in its memory). Stop it first, or give this one another \
                 --data-dir; several servers share a PostgreSQL database (--database-url).",
                path.display()
            );
        }
        Err(TryLockError::Error(e)) => {
            return Err(e).with_context(|| format!("locking {}", lock.display()));
        }
    }
    // Who holds it, for the message above; the lock itself does not depend on it.
    file.set_len(0)?;
    file.rewind()?;
    writeln!(file, "{}", std::process::id())?;
    Ok(Some(ServeLock { _file: file }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn postgres_takes_no_lock() {
        let db = Database::Postgres(renderiq_sdk::Secret::new("postgres://h/db"));
        assert!(acquire(&db).unwrap().is_none());
    }

    #[test]
    fn the_lock_file_names_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("renderiq.db");
        let _held = acquire(&Database::Sqlite(path.clone())).unwrap();
        let written = std::fs::read_to_string(lock_path(&path)).unwrap();
        assert_eq!(written.trim(), std::process::id().to_string());
        let refused = acquire(&Database::Sqlite(path)).unwrap_err().to_string();
        assert!(
            refused.contains(&format!("process {}", std::process::id())),
            "{refused}"
        );
        assert!(refused.contains("--data-dir"), "says what to do: {refused}");
    }
}
