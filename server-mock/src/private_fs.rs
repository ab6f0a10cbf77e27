//! Files only the server's user may read: the data directory (0700), the database and every
//! stored image (0600). The database holds the JWT signing key and every webhook secret, the
//! images are users' work; another account on the machine must see neither.
//!
//! ```
//! # fn main() -> std::io::Result<()> {
//! let dir = tempfile::tempdir()?;
//! let data = dir.path().join("data");
//! renderiq_server::private_fs::create_dir(&data)?;
//! # #[cfg(unix)] {
//! use std::os::unix::fs::PermissionsExt;
//! assert_eq!(std::fs::metadata(&data)?.permissions().mode() & 0o777, 0o700);
//! # }
//! # Ok(()) }
//! ```

use std::fs::OpenOptions;
use std::path::Path;

/// Creates `dir` and its missing parents, and makes `dir` itself private (also when it existed).
///
/// # Errors
///
/// The folder cannot be created or its mode set.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    restrict(dir, 0o700)
}

/// Creates `path` empty when it is missing, and makes it private: SQLite then gives its `-wal`
/// and `-shm` files the same mode.
///
/// # Errors
///
/// The file cannot be created or its mode set.
pub fn touch(path: &Path) -> std::io::Result<()> {
    open_private(path)?;
    restrict(path, 0o600)
}

fn open_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = OpenOptions::new();
    options.write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(unix)]
fn restrict(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn restrict(_: &Path, _: u32) -> std::io::Result<()> {
    Ok(()) // Windows: the data folder inherits the user profile's ACL
}
