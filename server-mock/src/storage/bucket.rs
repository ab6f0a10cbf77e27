//! The S3-compatible backend (`--storage-url s3://bucket/prefix`), through the `object_store`
//! crate: objects keyed `<prefix>/<relative path>`. The endpoint, region and credentials come
//! from the environment as for the AWS tools: `AWS_ENDPOINT_URL` (any S3-compatible server:
//! MinIO, Ceph, R2, s3s-fs…), `AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`; an `http://` endpoint also needs `AWS_ALLOW_HTTP=true`. Requests are
//! path-style unless `AWS_VIRTUAL_HOSTED_STYLE_REQUEST=true`.

use std::sync::Arc;

use anyhow::Context as _;
use futures_util::TryStreamExt as _;
use object_store::aws::AmazonS3Builder;
use object_store::path::Path as Key;
use object_store::prefix::PrefixStore;
use object_store::{ObjectStore, ObjectStoreExt as _};

/// A bucket, or a prefix of one.
#[derive(Clone)]
pub struct Bucket {
    store: Arc<dyn ObjectStore>,
    /// `s3://bucket/prefix`, for messages.
    url: Arc<str>,
}

impl std::fmt::Debug for Bucket {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Bucket")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl Bucket {
    /// The bucket of `url` (`s3://bucket` or `s3://bucket/prefix`), configured from the
    /// environment (see the [module documentation](self)). Makes no request.
    ///
    /// # Errors
    ///
    /// The URL or the environment's settings are not usable.
    pub fn open(url: &str) -> anyhow::Result<Self> {
        let parsed = url::Url::parse(url).with_context(|| {
            format!("--storage-url {url:?} is not a URL: give s3://bucket or s3://bucket/prefix")
        })?;
        anyhow::ensure!(
            parsed.scheme() == "s3" && parsed.host_str().is_some_and(|h| !h.is_empty()),
            "--storage-url {url:?}: give s3://bucket or s3://bucket/prefix (endpoint and \
             credentials come from AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)"
        );
        let bucket = parsed.host_str().unwrap_or_default();
        // object_store builds its own reqwest client, which takes the process's default rustls
        // provider: ring, as everywhere in the server (reqwest is built without one). Already
        // installed (a second bucket, or the embedding program's choice) is fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let s3 = AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .with_context(|| format!("configuring the bucket of --storage-url {url}"))?;
        let prefix = parsed.path().trim_matches('/');
        let store: Arc<dyn ObjectStore> = if prefix.is_empty() {
            Arc::new(s3)
        } else {
            Arc::new(PrefixStore::new(s3, prefix))
        };
        Ok(Self {
            store,
            url: url.trim_end_matches('/').into(),
        })
    }

    /// The bucket's URL, as given.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Stores an object (a single PUT: whole or not at all).
    ///
    /// # Errors
    ///
    /// An invalid path or a failed request.
    pub async fn write(&self, relative: &str, bytes: &[u8]) -> anyhow::Result<()> {
        let key = key(relative)?;
        self.store
            .put(&key, bytes::Bytes::copy_from_slice(bytes).into())
            .await
            .with_context(|| format!("storing {relative} in {}", self.url))?;
        Ok(())
    }

    /// Reads an object; `None` when there is none.
    ///
    /// # Errors
    ///
    /// An invalid path or a failed request.
    pub async fn read(&self, relative: &str) -> anyhow::Result<Option<Vec<u8>>> {
        let key = key(relative)?;
        match self.store.get(&key).await {
            Ok(found) => Ok(Some(
                found
                    .bytes()
                    .await
                    .with_context(|| format!("reading {relative} from {}", self.url))?
                    .to_vec(),
            )),
            Err(object_store::Error::NotFound { .. }) => Ok(None),
            Err(e) => Err(e).with_context(|| format!("reading {relative} from {}", self.url)),
        }
    }

    /// Deletes an object; a missing one is not an error.
    ///
    /// # Errors
    ///
    /// An invalid path or a failed request.
    pub async fn remove(&self, relative: &str) -> anyhow::Result<()> {
        let key = key(relative)?;
        match self.store.delete(&key).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(e).with_context(|| format!("deleting {relative} from {}", self.url)),
        }
    }

    /// The relative paths of the objects under `prefix` (a folder path, `""` for all).
    ///
    /// # Errors
    ///
    /// An invalid prefix or a failed request.
    pub async fn list(&self, prefix: &str) -> anyhow::Result<Vec<String>> {
        let prefix = if prefix.is_empty() {
            None
        } else {
            Some(key(prefix)?)
        };
        let mut found: Vec<String> = self
            .store
            .list(prefix.as_ref())
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .with_context(|| format!("listing {}", self.url))?;
        found.sort();
        Ok(found)
    }
}

/// The object key of a checked relative path.
fn key(relative: &str) -> anyhow::Result<Key> {
    super::check_path(relative)?;
    Key::parse(relative).with_context(|| format!("invalid storage path {relative:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_storage_url_must_name_an_s3_bucket_and_says_where_the_rest_comes_from() {
        for bad in ["http://bucket/x", "s3:///prefix", "bucket/prefix"] {
            let e = format!("{:#}", Bucket::open(bad).unwrap_err());
            assert!(e.contains("s3://bucket"), "{bad}: {e}");
        }
    }

    #[test]
    fn object_keys_are_plain_relative_paths() {
        assert_eq!(key("uploads/u/r.png").unwrap().as_ref(), "uploads/u/r.png");
        assert!(key("../r.png").is_err());
        assert!(key("").is_err());
    }
}
