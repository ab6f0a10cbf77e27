//! A token store sealed in a file with XChaCha20-Poly1305.
//!
//! File layout (version 1), all of it authenticated:
//!
//! | bytes | content |
//! |---|---|
//! | 4  | magic `RQTS` |
//! | 1  | format version (`1`) |
//! | 16 | Argon2id salt (all zero when the caller supplies the key) |
//! | 24 | XChaCha20 nonce, random for every write |
//! | …  | ciphertext of the session's JSON, then the 16-byte Poly1305 tag |
//!
//! The 45 header bytes are the AEAD's associated data, so changing any byte of the file makes
//! decryption fail. Version 1 pins the Argon2id parameters (19 MiB, 2 passes, 1 lane: the
//! OWASP recommendation); a new version number is needed to change them.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use rand::rngs::OsRng;
use rand::RngCore;

use super::{Credential, TokenStore};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

const MAGIC: &[u8; 4] = b"RQTS";
const VERSION: u8 = 1;
const SALT_LEN: usize = 16;
const NONCE_LEN: usize = 24;
const TAG_LEN: usize = 16;
const HEADER_LEN: usize = MAGIC.len() + 1 + SALT_LEN + NONCE_LEN;

/// Argon2id parameters of format version 1.
const ARGON2_M_COST_KIB: u32 = 19 * 1024;
const ARGON2_T_COST: u32 = 2;
const ARGON2_P_COST: u32 = 1;

/// Keeps the session in a file encrypted and authenticated with XChaCha20-Poly1305, for
/// machines with no OS keychain.
///
/// The key is either given by the caller ([`with_key`](Self::with_key)) or derived from a
/// passphrase with Argon2id and a random salt kept in the file
/// ([`with_passphrase`](Self::with_passphrase)); it is never written anywhere. The derived key
/// is cached per salt, so only the first load or save of a store pays for Argon2.
///
/// Writes are atomic (a temporary file in the same folder, then a rename) and, on Unix, the file
/// is readable by its owner only (mode `0600`). A file that was modified, truncated, or sealed
/// with another key is reported as an error with code `TOKEN_STORE_TAMPERED`; it is never
/// treated as empty.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::token_store::{EncryptedFileStore, TokenStore};
///
/// # fn main() -> renderiq_sdk::Result<()> {
/// # let dir = tempfile::tempdir().unwrap();
/// let store = EncryptedFileStore::with_key(dir.path().join("session.rqts"), [7u8; 32]);
/// assert!(store.load()?.is_none()); // no file yet
/// store.clear()?;
/// # Ok(()) }
/// ```
pub struct EncryptedFileStore {
    path: PathBuf,
    source: KeySource,
    /// The last derived key and the salt it was derived with.
    derived: Mutex<Option<DerivedKey>>,
}

enum KeySource {
    Key(Key),
    Passphrase(Secret),
}

struct DerivedKey {
    salt: [u8; SALT_LEN],
    key: Key,
}

/// A 256-bit key, zeroed when dropped.
#[derive(Clone)]
struct Key([u8; 32]);

impl Drop for Key {
    fn drop(&mut self) {
        // Volatile writes so the zeroing is not optimised away as a dead store.
        for b in self.0.iter_mut() {
            // SAFETY: `b` is a valid, aligned, exclusive reference to a byte.
            unsafe { std::ptr::write_volatile(b, 0) };
        }
    }
}

impl EncryptedFileStore {
    /// A store at `path` sealed with a caller-supplied 32-byte key (for instance one kept by
    /// the host application's own secret storage). The salt field of the file is zero.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::token_store::EncryptedFileStore;
    ///
    /// let store = EncryptedFileStore::with_key("/tmp/renderiq-session.rqts", [0x42; 32]);
    /// assert!(format!("{store:?}").contains("key"));
    /// ```
    pub fn with_key(path: impl Into<PathBuf>, key: [u8; 32]) -> Self {
        Self {
            path: path.into(),
            source: KeySource::Key(Key(key)),
            derived: Mutex::new(None),
        }
    }

    /// A store at `path` sealed with a key derived from `passphrase` by Argon2id (19 MiB,
    /// 2 passes) and a random 16-byte salt stored in the file header. Deriving takes a noticeable
    /// fraction of a second the first time; later loads and saves reuse the derived key.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::token_store::EncryptedFileStore;
    ///
    /// let store = EncryptedFileStore::with_passphrase("/tmp/renderiq-session.rqts", "correct horse");
    /// assert!(!format!("{store:?}").contains("horse"));
    /// ```
    pub fn with_passphrase(path: impl Into<PathBuf>, passphrase: &str) -> Self {
        Self {
            path: path.into(),
            source: KeySource::Passphrase(Secret::new(passphrase)),
            derived: Mutex::new(None),
        }
    }

    /// The file this store reads and writes.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::token_store::EncryptedFileStore;
    ///
    /// let store = EncryptedFileStore::with_key("session.rqts", [0; 32]);
    /// assert_eq!(store.path(), std::path::Path::new("session.rqts"));
    /// ```
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The key for a file with `salt`, deriving (and caching) it for passphrase stores.
    fn key_for_salt(&self, salt: &[u8; SALT_LEN]) -> Result<Key> {
        match &self.source {
            KeySource::Key(key) => Ok(key.clone()),
            KeySource::Passphrase(passphrase) => {
                let mut cache = self.derived.lock().unwrap_or_else(|p| p.into_inner());
                if let Some(d) = cache.as_ref().filter(|d| &d.salt == salt) {
                    return Ok(d.key.clone());
                }
                let key = derive_key(passphrase, salt)?;
                *cache = Some(DerivedKey {
                    salt: *salt,
                    key: key.clone(),
                });
                Ok(key)
            }
        }
    }

    /// Salt and key for a new write: the cached salt when there is one (so saving does not
    /// derive again), otherwise a fresh random salt.
    fn key_for_write(&self) -> Result<([u8; SALT_LEN], Key)> {
        match &self.source {
            KeySource::Key(key) => Ok(([0; SALT_LEN], key.clone())),
            KeySource::Passphrase(_) => {
                let cached = self
                    .derived
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .as_ref()
                    .map(|d| (d.salt, d.key.clone()));
                if let Some(pair) = cached {
                    return Ok(pair);
                }
                let mut salt = [0u8; SALT_LEN];
                OsRng.fill_bytes(&mut salt);
                let key = self.key_for_salt(&salt)?;
                Ok((salt, key))
            }
        }
    }

    fn seal(&self, plaintext: &[u8]) -> Result<Vec<u8>> {
        let (salt, key) = self.key_for_write()?;
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.fill_bytes(&mut nonce);

        let mut file = Vec::with_capacity(HEADER_LEN + plaintext.len() + TAG_LEN);
        file.extend_from_slice(MAGIC);
        file.push(VERSION);
        file.extend_from_slice(&salt);
        file.extend_from_slice(&nonce);
        debug_assert_eq!(file.len(), HEADER_LEN);

        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key.0));
        let sealed = cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: &file[..],
                },
            )
            .map_err(|_| {
                self.error(
                    "TOKEN_STORE_IO",
                    "could not encrypt the session for the token file",
                )
            })?;
        file.extend_from_slice(&sealed);
        Ok(file)
    }

    fn open(&self, file: &[u8]) -> Result<Vec<u8>> {
        if file.len() < HEADER_LEN + TAG_LEN || &file[..MAGIC.len()] != MAGIC {
            return Err(self.tampered());
        }
        // Only version 1 exists; any other value is a modified byte as far as we can tell.
        if file[MAGIC.len()] != VERSION {
            return Err(self.tampered());
        }
        let (header, sealed) = file.split_at(HEADER_LEN);
        let Ok(salt) = <[u8; SALT_LEN]>::try_from(&header[MAGIC.len() + 1..][..SALT_LEN]) else {
            return Err(self.tampered());
        };
        let nonce = &header[HEADER_LEN - NONCE_LEN..];

        let key = self.key_for_salt(&salt)?;
        let cipher = XChaCha20Poly1305::new(chacha20poly1305::Key::from_slice(&key.0));
        cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: sealed,
                    aad: header,
                },
            )
            .map_err(|_| self.tampered())
    }

    fn tampered(&self) -> Error {
        Error::new(
            ErrorKind::TokenStore,
            format!(
                "the token file {} failed authentication: it was modified or the key is wrong; \
                 sign in again",
                self.path.display()
            ),
        )
        .with_code("TOKEN_STORE_TAMPERED")
    }

    fn error(&self, code: &str, message: &str) -> Error {
        Error::new(
            ErrorKind::TokenStore,
            format!("{message} ({})", self.path.display()),
        )
        .with_code(code)
    }

    fn io_error(&self, what: &str, e: io::Error) -> Error {
        let hint = match e.kind() {
            io::ErrorKind::PermissionDenied => {
                "check the permissions of the file and its folder, or choose another path"
            }
            _ => "check that the folder exists and the disk is writable, or choose another path",
        };
        Error::new(
            ErrorKind::TokenStore,
            format!(
                "could not {what} the token file {}: {e}; {hint}",
                self.path.display()
            ),
        )
        .with_code("TOKEN_STORE_IO")
        .with_source(e)
    }

    /// Writes `bytes` to a new file beside the target, then renames it over the target, so a
    /// crash leaves either the old file or the new one, never half of one.
    fn write_atomically(&self, bytes: &[u8]) -> io::Result<()> {
        let dir = match self.path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        create_private_dir(&dir)?;
        let file_name = self.path.file_name().ok_or_else(|| {
            io::Error::new(io::ErrorKind::InvalidInput, "the path does not name a file")
        })?;

        let (tmp_path, mut tmp) = create_temp_beside(&dir, file_name)?;
        let result = (|| {
            tmp.write_all(bytes)?;
            tmp.sync_all()?;
            drop(tmp);
            fs::rename(&tmp_path, &self.path)?;
            sync_dir(&dir);
            Ok(())
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp_path);
        }
        result
    }
}

fn derive_key(passphrase: &Secret, salt: &[u8; SALT_LEN]) -> Result<Key> {
    let kdf_error = |e: argon2::Error| {
        Error::new(
            ErrorKind::TokenStore,
            format!("could not derive the token file key from the passphrase: {e}"),
        )
        .with_code("TOKEN_STORE_KDF")
    };
    let params = argon2::Params::new(ARGON2_M_COST_KIB, ARGON2_T_COST, ARGON2_P_COST, Some(32))
        .map_err(kdf_error)?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Key([0; 32]);
    argon
        .hash_password_into(passphrase.expose().as_bytes(), salt, &mut key.0)
        .map_err(kdf_error)?;
    Ok(key)
}

/// Creates `dir` (and its parents) if missing; new folders are private to the user on Unix.
fn create_private_dir(dir: &Path) -> io::Result<()> {
    if dir.is_dir() {
        return Ok(());
    }
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// A new, empty file `.{name}.{random}.tmp` in `dir`, created exclusively with mode 0600.
fn create_temp_beside(dir: &Path, name: &std::ffi::OsStr) -> io::Result<(PathBuf, File)> {
    let mut attempts = 0;
    loop {
        let mut tmp_name = std::ffi::OsString::from(".");
        tmp_name.push(name);
        tmp_name.push(format!(".{:016x}.tmp", OsRng.next_u64()));
        let tmp_path = dir.join(tmp_name);

        let mut options = OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&tmp_path) {
            Ok(file) => return Ok((tmp_path, file)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < 8 => attempts += 1,
            Err(e) => return Err(e),
        }
    }
}

/// Makes the rename durable (Unix); best effort.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

impl fmt::Debug for EncryptedFileStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let key = match self.source {
            KeySource::Key(_) => "key <redacted>",
            KeySource::Passphrase(_) => "passphrase <redacted>",
        };
        f.debug_struct("EncryptedFileStore")
            .field("path", &self.path)
            .field("key", &format_args!("{key}"))
            .finish()
    }
}

impl TokenStore for EncryptedFileStore {
    fn load(&self) -> Result<Option<Credential>> {
        let file = match fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io_error("read", e)),
        };
        let mut plaintext = self.open(&file)?;
        let parsed = serde_json::from_slice::<Credential>(&plaintext);
        plaintext.fill(0);
        // Authenticated but unreadable: written by a build with another session shape. The
        // serde error is not attached: it can quote the decrypted text.
        parsed.map(Some).map_err(|_| {
            self.error(
                "TOKEN_STORE_CORRUPT",
                "the token file is authentic but its content is not a session this SDK reads; \
                 sign in again",
            )
        })
    }

    fn save(&self, credential: &Credential) -> Result<()> {
        let mut plaintext = serde_json::to_vec(credential).map_err(|_| {
            self.error(
                "TOKEN_STORE_IO",
                "could not serialise the session for the token file",
            )
        })?;
        let sealed = self.seal(&plaintext);
        plaintext.fill(0);
        self.write_atomically(&sealed?)
            .map_err(|e| self.io_error("write", e))
    }

    fn clear(&self) -> Result<()> {
        match fs::remove_file(&self.path) {
            Ok(()) => Ok(()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
            Err(e) => Err(self.io_error("remove", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_is_forty_five_bytes() {
        assert_eq!(HEADER_LEN, 45);
    }

    #[test]
    fn passphrase_key_is_derived_once_per_salt() {
        let store = EncryptedFileStore::with_passphrase("unused", "pw");
        let salt = [1u8; SALT_LEN];
        let a = store.key_for_salt(&salt).unwrap();
        let (write_salt, b) = store.key_for_write().unwrap();
        assert_eq!(write_salt, salt, "a write reuses the cached salt");
        assert_eq!(a.0, b.0);
        let other = store.key_for_salt(&[2u8; SALT_LEN]).unwrap();
        assert_ne!(a.0, other.0);
    }
}
