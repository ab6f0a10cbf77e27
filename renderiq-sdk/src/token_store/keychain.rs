//! The OS keychain token store, over the `keyring` crate.

use std::fmt;

use super::{Credential, TokenStore};
use crate::error::{Error, ErrorKind, Result};

/// Service name used by [`KeychainStore::default_for`].
const DEFAULT_SERVICE: &str = "renderiq";

/// Keeps the session in the operating system's credential store: Windows Credential Manager,
/// the macOS Keychain, or the Secret Service (GNOME Keyring, KWallet) on Linux.
///
/// The whole [`Credential`] is one entry, its secret the credential's JSON (UTF-8), under a
/// service name and an account name. `Debug` shows those two names only.
///
/// Calls block on the platform service (D-Bus on Linux, which may show an unlock prompt); the
/// SDK makes them from a blocking thread.
///
/// # Examples
///
/// ```no_run
/// use renderiq_sdk::token_store::{KeychainStore, TokenStore};
///
/// # fn main() -> renderiq_sdk::Result<()> {
/// let store = KeychainStore::default_for("https://api.renderiq.io");
/// if let Some(session) = store.load()?.as_ref().and_then(|c| c.session()) {
///     println!("signed in as {:?}", session.email);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct KeychainStore {
    service: String,
    account: String,
}

impl KeychainStore {
    /// A store for the entry named `service` / `account`.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::token_store::KeychainStore;
    ///
    /// let store = KeychainStore::new("renderiq", "api.renderiq.io:443");
    /// assert_eq!(store.service(), "renderiq");
    /// assert_eq!(store.account(), "api.renderiq.io:443");
    /// ```
    pub fn new(service: &str, account: &str) -> Self {
        Self {
            service: service.to_owned(),
            account: account.to_owned(),
        }
    }

    /// The store the client uses for the server at `base_url`: service `renderiq`, account the
    /// URL's `host:port`, so sessions with a development server and with production do not
    /// overwrite each other. A `base_url` that is not a URL is used as the account unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use renderiq_sdk::token_store::KeychainStore;
    ///
    /// let prod = KeychainStore::default_for("https://api.renderiq.io/api/plugins");
    /// assert_eq!(prod.account(), "api.renderiq.io:443");
    /// let dev = KeychainStore::default_for("http://127.0.0.1:8787");
    /// assert_eq!(dev.account(), "127.0.0.1:8787");
    /// assert_eq!(dev.service(), "renderiq");
    /// ```
    pub fn default_for(base_url: &str) -> Self {
        let account = url::Url::parse(base_url.trim())
            .ok()
            .and_then(|u| {
                let host = u.host_str()?.to_ascii_lowercase();
                Some(match u.port_or_known_default() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                })
            })
            .unwrap_or_else(|| base_url.trim().to_owned());
        Self::new(DEFAULT_SERVICE, &account)
    }

    /// The entry's service name.
    ///
    /// # Examples
    ///
    /// ```
    /// # use renderiq_sdk::token_store::KeychainStore;
    /// assert_eq!(KeychainStore::new("svc", "acct").service(), "svc");
    /// ```
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The entry's account name.
    ///
    /// # Examples
    ///
    /// ```
    /// # use renderiq_sdk::token_store::KeychainStore;
    /// assert_eq!(KeychainStore::new("svc", "acct").account(), "acct");
    /// ```
    pub fn account(&self) -> &str {
        &self.account
    }

    fn entry(&self) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, &self.account).map_err(|e| self.error("open", e))
    }

    /// Turns a `keyring` error into ours. The `keyring` error itself is not attached: some of
    /// its variants hold the stored secret (`BadEncoding`, `BadDataFormat`) or whole
    /// credentials (`Ambiguous`), which its `Debug` would print.
    fn error(&self, action: &str, e: keyring::Error) -> Error {
        let entry = format!("entry {}/{}", self.service, self.account);
        let (code, message) = match &e {
            // keyring connects to the platform store once per process, on the first entry; this
            // is that connection's failure, kept for the life of the process.
            keyring::Error::NoDefaultStore => {
                let cause = match keyring::Entry::store_status() {
                    Err(cause) => format!(": {cause}"),
                    Ok(()) => String::new(),
                };
                (
                    "TOKEN_STORE_UNAVAILABLE",
                    format!(
                        "could not {action} the {STORE} {entry}: the {STORE} could not be \
                         opened{cause}; {} (it is opened once per process: restart this \
                         application after starting it)",
                        platform_hint()
                    ),
                )
            }
            keyring::Error::PlatformFailure(cause) => (
                "TOKEN_STORE_UNAVAILABLE",
                format!(
                    "could not {action} the {STORE} {entry}: {cause}; {}",
                    platform_hint()
                ),
            ),
            keyring::Error::NoStorageAccess(cause) => {
                let cause = cause.to_string();
                if cfg!(any(target_os = "macos", target_os = "windows"))
                    || is_locked_or_prompt(&cause)
                {
                    (
                        "TOKEN_STORE_LOCKED",
                        format!(
                            "could not {action} the {STORE} {entry}: access was refused \
                             ({cause}); {LOCKED_HINT}"
                        ),
                    )
                } else {
                    // The Secret Service answers "no result" when it has no default keyring,
                    // or when nothing on the session bus provides it.
                    (
                        "TOKEN_STORE_UNAVAILABLE",
                        format!(
                            "could not {action} the {STORE} {entry}: {cause}; {}",
                            platform_hint()
                        ),
                    )
                }
            }
            keyring::Error::TooLong(attribute, limit) => (
                "TOKEN_STORE_TOO_LARGE",
                format!(
                    "could not {action} the {STORE} {entry}: its {attribute} is longer than the \
                     platform limit of {limit}; use EncryptedFileStore instead"
                ),
            ),
            keyring::Error::Invalid(attribute, reason) => (
                "TOKEN_STORE_INVALID",
                format!(
                    "could not {action} the {STORE} {entry}: invalid {attribute} ({reason}); \
                     choose another service or account name"
                ),
            ),
            keyring::Error::Ambiguous(items) => (
                "TOKEN_STORE_AMBIGUOUS",
                format!(
                    "could not {action} the {STORE} {entry}: {} entries match it; sign out to \
                     remove them, then sign in again",
                    items.len()
                ),
            ),
            keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => (
                "TOKEN_STORE_CORRUPT",
                format!(
                    "the {STORE} {entry} does not hold a Renderiq session; sign in again to \
                     replace it"
                ),
            ),
            keyring::Error::NoEntry => (
                "TOKEN_STORE_NO_ENTRY",
                format!("the {STORE} has no {entry}; sign in again"),
            ),
            _ => (
                "TOKEN_STORE_UNAVAILABLE",
                format!(
                    "could not {action} the {STORE} {entry}; {}",
                    platform_hint()
                ),
            ),
        };
        Error::new(ErrorKind::TokenStore, message).with_code(code)
    }

    fn corrupt(&self) -> Error {
        Error::new(
            ErrorKind::TokenStore,
            format!(
                "the {STORE} entry {}/{} does not hold a Renderiq session; sign in again to \
                 replace it",
                self.service, self.account
            ),
        )
        .with_code("TOKEN_STORE_CORRUPT")
    }
}

#[cfg(target_os = "macos")]
const STORE: &str = "macOS Keychain";
#[cfg(target_os = "windows")]
const STORE: &str = "Windows Credential Manager";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const STORE: &str = "Secret Service keyring";

#[cfg(target_os = "macos")]
const LOCKED_HINT: &str = "unlock the login keychain and allow this application access, or use \
                           EncryptedFileStore";
#[cfg(target_os = "windows")]
const LOCKED_HINT: &str = "sign in to Windows interactively (Credential Manager is not \
                           available to this account or service), or use EncryptedFileStore";
#[cfg(not(any(target_os = "macos", target_os = "windows")))]
const LOCKED_HINT: &str = "unlock the keyring (it unlocks when you sign in to the desktop), or \
                           use EncryptedFileStore";

/// Whether a Secret Service "no access" cause is a locked keyring or a dismissed prompt (the
/// other cause, "no result", means there is no usable keyring at all).
fn is_locked_or_prompt(cause: &str) -> bool {
    let cause = cause.to_ascii_lowercase();
    cause.contains("locked") || cause.contains("prompt")
}

fn platform_hint() -> &'static str {
    if cfg!(target_os = "macos") {
        "check that the login keychain exists and is unlocked (Keychain Access), or use \
         EncryptedFileStore"
    } else if cfg!(target_os = "windows") {
        "check that the Credential Manager service is running, or use EncryptedFileStore"
    } else {
        "no Secret Service is running: start gnome-keyring or use EncryptedFileStore"
    }
}

impl fmt::Debug for KeychainStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeychainStore")
            .field("service", &self.service)
            .field("account", &self.account)
            .finish()
    }
}

impl TokenStore for KeychainStore {
    fn load(&self) -> Result<Option<Credential>> {
        let mut secret = match self.entry()?.get_secret() {
            Ok(secret) => secret,
            Err(keyring::Error::NoEntry) => return Ok(None),
            Err(e) => return Err(self.error("read", e)),
        };
        let parsed = serde_json::from_slice::<Credential>(&secret);
        secret.fill(0);
        // The serde error is not kept: it can quote the secret.
        parsed.map(Some).map_err(|_| self.corrupt())
    }

    fn save(&self, credential: &Credential) -> Result<()> {
        // Stored as UTF-8 bytes rather than with `set_password`: Windows keeps passwords as
        // UTF-16, which would halve the 2560-byte Credential Manager limit. On macOS and Linux
        // the bytes are the same either way.
        let mut json = serde_json::to_vec(credential).map_err(|_| self.corrupt())?;
        let entry = self.entry()?;
        let mut result = entry.set_secret(&json);
        if let Err(keyring::Error::Ambiguous(items)) = &result {
            // Leftovers from an earlier crash or another tool: replace them all with one entry.
            for item in items {
                let _ = item.delete_credential();
            }
            result = entry.set_secret(&json);
        }
        json.fill(0);
        result.map_err(|e| self.error("write", e))
    }

    fn clear(&self) -> Result<()> {
        match self.entry()?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(keyring::Error::Ambiguous(items)) => {
                for item in items {
                    match item.delete_credential() {
                        Ok(()) | Err(keyring::Error::NoEntry) => {}
                        Err(e) => return Err(self.error("remove", e)),
                    }
                }
                Ok(())
            }
            Err(e) => Err(self.error("remove", e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_for_keeps_servers_apart() {
        assert_eq!(
            KeychainStore::default_for("http://localhost:8787").account(),
            "localhost:8787"
        );
        assert_eq!(
            KeychainStore::default_for("https://API.renderiq.io").account(),
            "api.renderiq.io:443"
        );
        assert_eq!(
            KeychainStore::default_for("not a url").account(),
            "not a url"
        );
    }

    #[test]
    fn errors_never_quote_the_secret() {
        let store = KeychainStore::new("svc", "acct");
        let e = store.error("read", keyring::Error::BadEncoding(b"tok_SECRET".to_vec()));
        assert!(!format!("{e} {e:?}").contains("SECRET"));
        assert_eq!(e.kind(), ErrorKind::TokenStore);
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn linux_platform_failure_says_what_to_do() {
        let store = KeychainStore::new("svc", "acct");
        let e = store.error("read", keyring::Error::PlatformFailure("no bus".into()));
        assert!(
            e.to_string()
                .contains("start gnome-keyring or use EncryptedFileStore"),
            "{e}"
        );
    }
}
