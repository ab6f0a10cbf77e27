//! The local folder backend: files under `<data dir>/files`, private to the server's user
//! (folder 0700, files 0600), written atomically (a temporary file, then a rename).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context as _;

/// A folder of files addressed by relative paths (`uploads/<user>/<render>.png`).
#[derive(Debug, Clone)]
pub struct Folder {
    root: Arc<PathBuf>,
}

impl Folder {
    /// The folder `root` (created if missing, made private).
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
        super::check_path(relative)?;
        Ok(self.root.join(relative))
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

    /// Reads a file; `None` when there is none.
    ///
    /// # Errors
    ///
    /// An invalid path or an I/O failure.
    pub async fn read(&self, relative: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let path = self.resolve(relative)?;
        match tokio::fs::read(&path).await {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {}", path.display())),
        }
    }

    /// The relative paths of the files under `prefix` (a folder path, `""` for all).
    ///
    /// # Errors
    ///
    /// An invalid prefix or an I/O failure.
    pub async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let start = if prefix.is_empty() {
            self.root.as_ref().clone()
        } else {
            self.resolve(prefix)?
        };
        let root = self.root.clone();
        tokio::task::spawn_blocking(move || {
            let mut found = Vec::new();
            let mut folders = vec![start];
            while let Some(folder) = folders.pop() {
                let entries = match std::fs::read_dir(&folder) {
                    Ok(entries) => entries,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                    Err(e) => {
                        return Err(e).with_context(|| format!("listing {}", folder.display()))
                    }
                };
                for entry in entries {
                    let path = entry?.path();
                    if path.is_dir() {
                        folders.push(path);
                    } else if let Ok(relative) = path.strip_prefix(root.as_ref()) {
                        found.push(relative.to_string_lossy().replace('\\', "/"));
                    }
                }
            }
            found.sort();
            Ok(found)
        })
        .await?
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
        let storage = Folder::open(&root).unwrap();
        storage.write("uploads/a/b.png", b"png").await.unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&root), 0o700, "an existing folder is made private too");
        assert_eq!(mode(&root.join("uploads/a/b.png")), 0o600);
        assert_eq!(
            storage.read("uploads/a/b.png").await.unwrap().unwrap(),
            b"png"
        );
        assert_eq!(storage.list("uploads").await.unwrap(), ["uploads/a/b.png"]);
        assert!(storage.read("uploads/a/c.png").await.unwrap().is_none());
    }
}
