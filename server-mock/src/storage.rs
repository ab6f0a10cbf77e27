//! Upload and output files in the data dir, served under `/cdn/`.

use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

/// A folder of files addressed by relative paths (`uploads/<user>/<render>.png`).
#[derive(Debug, Clone)]
pub struct Storage {
    root: Arc<PathBuf>,
}

impl Storage {
    /// Storage rooted at `root` (created if missing).
    ///
    /// # Errors
    ///
    /// The folder cannot be created.
    pub fn open(root: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let root = root.into();
        crate::private_fs::create_dir(&root)
            .with_context(|| format!("creating {}", root.display()))?;
        Ok(Self {
            root: Arc::new(root),
        })
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn resolve(&self, relative: &str) -> anyhow::Result<PathBuf> {
        let rel = Path::new(relative);
        anyhow::ensure!(
            rel.components().all(|c| matches!(c, Component::Normal(_))),
            "invalid storage path {relative:?}"
        );
        Ok(self.root.join(rel))
    }

    /// Writes a file atomically (temporary file, then rename).
    ///
    /// # Errors
    ///
    /// An invalid path or an I/O failure.
    pub async fn write(&self, relative: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let path = self.resolve(relative)?;
        if let Some(parent) = path.parent() {
            // Inside the private root (0700), so a subfolder's own mode does not matter.
            tokio::fs::create_dir_all(parent).await?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        let mut options = tokio::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        options.mode(0o600); // users' images: readable by the server's user only
        let mut file = options
            .open(&tmp)
            .await
            .with_context(|| format!("creating {}", tmp.display()))?;
        tokio::io::AsyncWriteExt::write_all(&mut file, bytes)
            .await
            .with_context(|| format!("writing {}", tmp.display()))?;
        tokio::io::AsyncWriteExt::flush(&mut file).await?;
        drop(file);
        tokio::fs::rename(&tmp, &path)
            .await
            .with_context(|| format!("renaming to {}", path.display()))?;
        Ok(())
    }

    /// Reads a file.
    ///
    /// # Errors
    ///
    /// An invalid path or an I/O failure.
    pub async fn read(&self, relative: &str) -> anyhow::Result<Vec<u8>> {
        let path = self.resolve(relative)?;
        tokio::fs::read(&path)
            .await
            .with_context(|| format!("reading {}", path.display()))
    }

    /// Deletes a file, ignoring a missing one.
    pub async fn remove(&self, relative: &str) {
        if let Ok(path) = self.resolve(relative) {
            let _ = tokio::fs::remove_file(path).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[tokio::test]
    async fn the_folder_and_every_stored_file_are_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("storage");
        std::fs::create_dir(&root).unwrap();
        std::fs::set_permissions(&root, std::fs::Permissions::from_mode(0o755)).unwrap();
        let storage = Storage::open(&root).unwrap();
        storage.write("uploads/a/b.png", b"png").await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700, "an existing folder is made private too");
        assert_eq!(mode(&root.join("uploads/a/b.png")), 0o600);
        assert_eq!(storage.read("uploads/a/b.png").await.unwrap(), b"png");
    }
}
