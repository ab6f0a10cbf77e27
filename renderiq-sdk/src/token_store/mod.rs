//! Where the signed-in session is kept between runs of the host app.
//!
//! A [`TokenStore`] saves, loads and clears one [`StoredSession`]. The SDK ships three:
//!
//! - [`KeychainStore`] (default, feature `keychain`): the OS keychain — Windows Credential
//!   Manager, macOS Keychain, Secret Service (GNOME Keyring, KWallet) on Linux.
//! - [`MemoryStore`]: nothing persisted; for tests and short-lived tools.
//! - [`EncryptedFileStore`]: a file sealed with XChaCha20-Poly1305 for machines with no
//!   keychain; the key is derived from a passphrase (Argon2id) or given by the caller and is never
//!   written beside the file. Tampering is detected and reported as an error.
//!
//! Stores are called from a blocking thread, never from the async runtime's workers.
//!
//! # Examples
//!
//! ```
//! use renderiq_sdk::token_store::{MemoryStore, StoredSession, TokenStore};
//!
//! let store = MemoryStore::new();
//! assert!(store.load().unwrap().is_none());
//! ```

use std::fmt;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::secret::Secret;

mod encrypted_file;
#[cfg(feature = "keychain")]
mod keychain;

pub use encrypted_file::EncryptedFileStore;
#[cfg(feature = "keychain")]
pub use keychain::KeychainStore;

/// What a token store keeps: the tokens of a signed-in session, or an API key.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredSession {
    /// Bearer access token (empty when `api_key` is used).
    pub access_token: Secret,
    /// Refresh token (empty when `api_key` is used).
    pub refresh_token: Secret,
    /// Expiry of `access_token`.
    pub expires_at: DateTime<Utc>,
    /// Email of the signed-in user, for display.
    #[serde(default)]
    pub email: Option<String>,
    /// An API key, when the session is API-key based.
    #[serde(default)]
    pub api_key: Option<Secret>,
}

impl fmt::Debug for StoredSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredSession")
            .field("access_token", &self.access_token)
            .field("refresh_token", &self.refresh_token)
            .field("expires_at", &self.expires_at)
            .field("email", &self.email)
            .field("api_key", &self.api_key.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

/// Persists the session. Implementations must be cheap to call more than once and must never log
/// the secrets they hold.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// Loads the saved session; `Ok(None)` when nothing is saved.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TokenStore`](crate::ErrorKind::TokenStore) when the store cannot be read
    /// or its content was tampered with.
    fn load(&self) -> Result<Option<StoredSession>>;

    /// Saves `session`, replacing what was saved.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TokenStore`](crate::ErrorKind::TokenStore) when the store cannot be written.
    fn save(&self, session: &StoredSession) -> Result<()>;

    /// Removes the saved session; succeeds when nothing was saved.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TokenStore`](crate::ErrorKind::TokenStore) when the store cannot be written.
    fn clear(&self) -> Result<()>;
}

/// Keeps the session in memory only.
///
/// ```
/// use renderiq_sdk::token_store::{MemoryStore, TokenStore};
/// let store = MemoryStore::new();
/// store.clear().unwrap();
/// ```
#[derive(Default)]
pub struct MemoryStore {
    slot: Mutex<Option<StoredSession>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore").finish_non_exhaustive()
    }
}

impl TokenStore for MemoryStore {
    fn load(&self) -> Result<Option<StoredSession>> {
        Ok(self.slot.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    fn save(&self, session: &StoredSession) -> Result<()> {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(session.clone());
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}
