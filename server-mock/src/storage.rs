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
        std::fs::create_dir_all(&root).with_context(|| format!("creating {}", root.display()))?;
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
            tokio::fs::create_dir_all(parent).await?;
        }
        let tmp = path.with_extension(format!("tmp-{}", uuid::Uuid::new_v4().simple()));
        tokio::fs::write(&tmp, bytes)
            .await
            .with_context(|| format!("writing {}", tmp.display()))?;
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
