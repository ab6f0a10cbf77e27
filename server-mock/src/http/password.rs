//! Password hashes: argon2id PHC strings, checked on tokio's blocking pool under their own bound
//! ([`PasswordHashing`], `--password-hash-concurrency`, the CPU count by default), apart from the
//! database: a sign-in reads the user, gives its connection back, then waits for a hashing permit.
//! A flood of sign-ins therefore queues for the hasher instead of filling the blocking pool and
//! holding database connections.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use tokio::sync::Semaphore;

use super::ApiError;

/// An argon2id PHC hash of `password`.
///
/// # Errors
///
/// Hashing failed (never for sane inputs).
pub fn hash_password(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing password: {e}"))
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash of a password nobody has, with the same parameters as real ones: checking against it
/// costs what checking a real user's password costs.
fn dummy_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| hash_password("renderiq-dummy-password").unwrap_or_default())
}

/// The bound on password hashing shared by all requests.
#[derive(Debug)]
pub struct PasswordHashing {
    permits: Arc<Semaphore>,
    limit: usize,
    running: Arc<AtomicUsize>,
    peak: Arc<AtomicUsize>,
}

impl PasswordHashing {
    /// At most `limit` hashes at once (at least one).
    pub fn new(limit: usize) -> Self {
        let limit = limit.max(1);
        Self {
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            running: Arc::new(AtomicUsize::new(0)),
            peak: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Checks `password` against `hash`, or against a dummy hash when there is none (an unknown
    /// email), so that the answer takes as long either way and does not reveal which emails
    /// exist. Waits for a permit first; the permit is held by the blocking task itself, so a
    /// request abandoned meanwhile does not let more hashes run than the bound.
    ///
    /// # Errors
    ///
    /// The blocking task was lost (an internal error).
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let permit = Arc::clone(&self.permits)
            .acquire_owned()
            .await
            .map_err(ApiError::internal)?;
        let (running, peak) = (Arc::clone(&self.running), Arc::clone(&self.peak));
        tokio::task::spawn_blocking(move || {
            let now = running.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let valid = match &hash {
                Some(hash) => verify_password(&password, hash),
                None => verify_password(&password, dummy_hash()),
            };
            running.fetch_sub(1, Ordering::SeqCst);
            drop(permit);
            valid
        })
        .await
        .map_err(ApiError::internal)
    }

    /// The most hashes that ever ran at once (an observation for tests and diagnostics).
    pub fn peak(&self) -> usize {
        self.peak.load(Ordering::SeqCst)
    }

    /// The bound.
    pub fn limit(&self) -> usize {
        self.limit
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn verifies_right_and_wrong_passwords_and_unknown_users() {
        let hashing = PasswordHashing::new(1);
        let hash = hash_password("secret").unwrap();
        assert!(hashing
            .verify("secret".to_owned(), Some(hash.clone()))
            .await
            .unwrap());
        assert!(!hashing.verify("nope".to_owned(), Some(hash)).await.unwrap());
        assert!(!hashing.verify("secret".to_owned(), None).await.unwrap());
        assert_eq!(hashing.peak(), 1);
    }
}
