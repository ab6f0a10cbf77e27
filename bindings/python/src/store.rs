//! Token store choices for the Python `Client`.

use std::path::PathBuf;
use std::sync::Arc;

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyString};
use renderiq_sdk::token_store::{EncryptedFileStore, TokenStore};

/// Where a client keeps its session: a file sealed with XChaCha20-Poly1305, for machines with
/// no keychain. Give exactly one of `passphrase` (the key is derived with Argon2id) or `key`
/// (32 bytes kept by the host app). The key is never written beside the file.
#[pyclass(name = "EncryptedFileStore", module = "renderiq._native", frozen)]
pub struct PyEncryptedFileStore {
    path: PathBuf,
    secret: StoreSecret,
}

enum StoreSecret {
    Passphrase(String),
    Key([u8; 32]),
}

#[pymethods]
impl PyEncryptedFileStore {
    #[new]
    #[pyo3(signature = (path, *, passphrase=None, key=None))]
    fn new(
        path: &Bound<'_, PyAny>,
        passphrase: Option<String>,
        key: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        let path: PathBuf = if let Ok(s) = path.cast::<PyString>() {
            PathBuf::from(s.to_cow()?.into_owned())
        } else if path.hasattr("__fspath__")? {
            PathBuf::from(
                path.py()
                    .import("os")?
                    .getattr("fspath")?
                    .call1((path,))?
                    .extract::<String>()?,
            )
        } else {
            return Err(PyTypeError::new_err("path must be a str or os.PathLike"));
        };
        let secret = match (passphrase, key) {
            (Some(p), None) if !p.is_empty() => StoreSecret::Passphrase(p),
            (Some(_), None) => return Err(PyValueError::new_err("passphrase must not be empty")),
            (None, Some(k)) => {
                let b = k
                    .cast::<PyBytes>()
                    .map_err(|_| PyTypeError::new_err("key must be bytes"))?;
                let key: [u8; 32] = b.as_bytes().try_into().map_err(|_| {
                    PyValueError::new_err(format!(
                        "key must be exactly 32 bytes, not {}",
                        b.as_bytes().len()
                    ))
                })?;
                StoreSecret::Key(key)
            }
            (None, None) => {
                return Err(PyValueError::new_err(
                    "give a passphrase=... or a 32-byte key=... to seal the token file with",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(PyValueError::new_err("give passphrase or key, not both"))
            }
        };
        Ok(Self { path, secret })
    }

    /// The file the session is kept in.
    #[getter]
    fn path(&self) -> PathBuf {
        self.path.clone()
    }

    fn __repr__(&self) -> String {
        let how = match self.secret {
            StoreSecret::Passphrase(_) => "passphrase",
            StoreSecret::Key(_) => "key",
        };
        format!(
            "EncryptedFileStore({:?}, {how}=<redacted>)",
            self.path.display().to_string()
        )
    }
}

impl PyEncryptedFileStore {
    fn build(&self) -> Arc<dyn TokenStore> {
        match &self.secret {
            StoreSecret::Passphrase(p) => {
                Arc::new(EncryptedFileStore::with_passphrase(&self.path, p))
            }
            StoreSecret::Key(k) => Arc::new(EncryptedFileStore::with_key(&self.path, *k)),
        }
    }
}

/// The store object given as `token_store=` (strings travel in the client's configuration):
/// an `EncryptedFileStore`.
pub fn store_from(obj: &Bound<'_, PyAny>) -> PyResult<Arc<dyn TokenStore>> {
    match obj.cast::<PyEncryptedFileStore>() {
        Ok(store) => Ok(store.get().build()),
        Err(_) => Err(PyTypeError::new_err(format!(
            "token_store must be \"keychain\", \"memory\" or a renderiq.EncryptedFileStore, not {}",
            obj.get_type().name()?
        ))),
    }
}
