//! Choosing the token store from `--token-store`.

use std::path::PathBuf;
use std::sync::Arc;

use renderiq_sdk::token_store::{EncryptedFileStore, KeychainStore, MemoryStore, TokenStore};

use crate::args::{GlobalArgs, StoreKind};
use crate::error::CliError;

/// Environment variable holding the passphrase of the `file` store.
pub const PASSPHRASE_ENV: &str = "RENDERIQ_TOKEN_PASSPHRASE";

/// The token store the global options ask for.
///
/// # Errors
///
/// `--token-store file` without `RENDERIQ_TOKEN_PASSPHRASE`, or with no home folder to put the
/// default session file in.
pub fn open(global: &GlobalArgs) -> Result<Arc<dyn TokenStore>, CliError> {
    Ok(match global.token_store {
        StoreKind::Keychain => Arc::new(KeychainStore::default_for(&global.base_url)),
        StoreKind::Memory => Arc::new(MemoryStore::new()),
        StoreKind::File => {
            let path = session_file(global)?;
            let passphrase = std::env::var(PASSPHRASE_ENV)
                .ok()
                .filter(|p| !p.is_empty())
                .ok_or_else(|| {
                    CliError::failure(
                        "config",
                        format!(
                        "--token-store file needs a passphrase to encrypt {}: set {PASSPHRASE_ENV}",
                        path.display()
                    ),
                    )
                })?;
            Arc::new(EncryptedFileStore::with_passphrase(path, &passphrase))
        }
    })
}

/// Where the `file` store keeps the session: `--token-file`, else
/// `$XDG_CONFIG_HOME/renderiq/session.bin`, `~/.config/renderiq/session.bin`, or on Windows
/// `%APPDATA%\renderiq\session.bin`.
///
/// # Errors
///
/// No `--token-file` and no home folder in the environment.
pub fn session_file(global: &GlobalArgs) -> Result<PathBuf, CliError> {
    if let Some(p) = &global.token_file {
        return Ok(p.clone());
    }
    default_config_dir()
        .map(|d| d.join("renderiq").join("session.bin"))
        .ok_or_else(|| {
            CliError::failure(
                "config",
                "no home folder to keep the session file in: pass --token-file PATH",
            )
        })
}

fn default_config_dir() -> Option<PathBuf> {
    let var = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if cfg!(windows) {
        return var("APPDATA");
    }
    var("XDG_CONFIG_HOME").or_else(|| var("HOME").map(|h| h.join(".config")))
}

/// Says where the session lives, for messages: "the OS keychain", "/path/session.bin", "memory".
pub fn describe(global: &GlobalArgs) -> String {
    match global.token_store {
        StoreKind::Keychain => "the OS keychain".to_owned(),
        StoreKind::Memory => "memory (not saved)".to_owned(),
        StoreKind::File => session_file(global)
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "a file".to_owned()),
    }
}
