//! Upload and output files, addressed by relative paths (`uploads/<user>/<render>.png`,
//! `outputs/<user>/<render>.png`) and served under signed `/cdn/` links ([`crate::cdn`]).
//!
//! Two backends: the local folder `<data dir>/files` ([`Folder`], the default), or an
//! S3-compatible bucket ([`Bucket`], `--storage-url s3://bucket/prefix`, through the
//! `object_store` crate), which the servers sharing a PostgreSQL database share too. Either way
//! the links are the server's own, signed and expiring: a `/cdn/` request is checked, then the
//! server reads the file from where it is kept.

mod bucket;
mod folder;

use std::path::{Component, Path, PathBuf};

pub use bucket::Bucket;
pub use folder::Folder;

/// Where upload and output files are kept. Cheap to clone.
#[derive(Debug, Clone)]
pub enum Storage {
    /// A private local folder.
    Folder(Folder),
    /// An S3-compatible bucket.
    Bucket(Bucket),
}

impl Storage {
    /// The local folder `root` (created if missing, made private).
    ///
    /// # Errors
    ///
    /// The folder cannot be created.
    pub fn open(root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        Folder::open(root).map(Self::Folder)
    }

    /// The storage of `url` when given (`s3://bucket/prefix`), else the local folder `root`.
    ///
    /// # Errors
    ///
    /// The URL is not usable, or the folder cannot be created.
    pub fn open_url_or_folder(url: Option<&str>, root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        match url {
            Some(url) => Bucket::open(url).map(Self::Bucket),
            None => Self::open(root),
        }
    }

    /// The local folder, when files are kept in one.
    pub fn root(&self) -> Option<&Path> {
        match self {
            Self::Folder(folder) => Some(folder.root()),
            Self::Bucket(_) => None,
        }
    }

    /// Writes a file, whole or not at all.
    ///
    /// # Errors
    ///
    /// An invalid path, or the folder or bucket failed.
    pub async fn write(&self, relative: &str, bytes: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::Folder(folder) => folder.write(relative, bytes).await,
            Self::Bucket(bucket) => bucket.write(relative, bytes).await,
        }
    }

    /// Reads a file that must exist.
    ///
    /// # Errors
    ///
    /// There is none, an invalid path, or the folder or bucket failed.
    pub async fn read(&self, relative: &str) -> anyhow::Result<Vec<u8>> {
        self.read_if_any(relative)
            .await?
            .ok_or_else(|| anyhow::anyhow!("{relative} is not stored"))
    }

    /// Reads a file; `None` when there is none.
    ///
    /// # Errors
    ///
    /// An invalid path, or the folder or bucket failed.
    pub async fn read_if_any(&self, relative: &str) -> anyhow::Result<Option<Vec<u8>>> {
        match self {
            Self::Folder(folder) => folder.read(relative).await,
            Self::Bucket(bucket) => bucket.read(relative).await,
        }
    }

    /// Deletes a file, ignoring a missing one; a failure is logged (the retention sweep retries
    /// what it knows of).
    pub async fn remove(&self, relative: &str) {
        let removed = match self {
            Self::Folder(folder) => {
                folder.remove(relative).await;
                Ok(())
            }
            Self::Bucket(bucket) => bucket.remove(relative).await,
        };
        if let Err(e) = removed {
            tracing::warn!(path = relative, error = %format!("{e:#}"), "deleting a stored file failed");
        }
    }

    /// The relative paths of the files under `prefix` (a folder path, `""` for all), sorted.
    ///
    /// # Errors
    ///
    /// An invalid prefix, or the folder or bucket failed.
    pub async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        match self {
            Self::Folder(folder) => folder.list(prefix).await,
            Self::Bucket(bucket) => bucket.list(prefix).await,
        }
    }
}

/// Refuses a path that is empty or has anything but plain names (`..`, `/x`, `a//b`).
fn check_path(relative: &str) -> anyhow::Result<()> {
    let rel = Path::new(relative);
    anyhow::ensure!(
        !relative.is_empty()
            && !relative.contains("//")
            && rel.components().all(|c| matches!(c, Component::Normal(_))),
        "invalid storage path {relative:?}"
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_plain_relative_paths_are_storage_paths() {
        for ok in ["uploads/u/r.png", "a"] {
            assert!(super::check_path(ok).is_ok(), "{ok}");
        }
        for bad in ["", "/etc/passwd", "../x", "a/../b", "a//b", "./a"] {
            assert!(super::check_path(bad).is_err(), "{bad}");
        }
    }
}
