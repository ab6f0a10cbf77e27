//! Where the signed-in session is kept between runs of the host app.
//!
//! A [`TokenStore`] saves, loads and clears one [`Credential`]: a signed-in session's tokens or an
//! API key. The SDK ships three:
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
//! use renderiq_sdk::token_store::{Credential, MemoryStore, TokenStore};
//!
//! let store = MemoryStore::new();
//! assert!(store.load().unwrap().is_none());
//! store.save(&Credential::ApiKey("rq_live_abc".into())).unwrap();
//! assert!(store.load().unwrap().is_some());
//! ```

use std::fmt;
use std::sync::Mutex;

use crate::error::Result;

mod credential;
mod encrypted_file;
// The default store wraps the keychain store; without that feature nothing uses it but its tests.
#[cfg_attr(not(feature = "keychain"), allow(dead_code))]
mod fallback;
#[cfg(feature = "keychain")]
mod keychain;

pub use credential::{Credential, StoredSession};
pub use encrypted_file::EncryptedFileStore;
#[cfg(feature = "keychain")]
pub(crate) use fallback::MemoryFallback;
#[cfg(feature = "keychain")]
pub use keychain::KeychainStore;

/// Persists the credential. Implementations must be cheap to call more than once and must never
/// log the secrets they hold.
pub trait TokenStore: Send + Sync + fmt::Debug {
    /// Loads the saved credential; `Ok(None)` when nothing is saved.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TokenStore`](crate::ErrorKind::TokenStore) when the store cannot be read
    /// or its content was tampered with.
    fn load(&self) -> Result<Option<Credential>>;

    /// Saves `credential`, replacing what was saved.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TokenStore`](crate::ErrorKind::TokenStore) when the store cannot be written.
    fn save(&self, credential: &Credential) -> Result<()>;

    /// Removes the saved credential; succeeds when nothing was saved.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::TokenStore`](crate::ErrorKind::TokenStore) when the store cannot be written.
    fn clear(&self) -> Result<()>;
}

/// Keeps the credential in memory only.
///
/// ```
/// use renderiq_sdk::token_store::{MemoryStore, TokenStore};
/// let store = MemoryStore::new();
/// store.clear().unwrap();
/// ```
#[derive(Default)]
pub struct MemoryStore {
    slot: Mutex<Option<Credential>>,
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
    fn load(&self) -> Result<Option<Credential>> {
        Ok(self.slot.lock().unwrap_or_else(|p| p.into_inner()).clone())
    }

    fn save(&self, credential: &Credential) -> Result<()> {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = Some(credential.clone());
        Ok(())
    }

    fn clear(&self) -> Result<()> {
        *self.slot.lock().unwrap_or_else(|p| p.into_inner()) = None;
        Ok(())
    }
}
