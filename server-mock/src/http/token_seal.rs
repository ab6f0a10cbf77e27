//! Sealing of the successor refresh tokens kept for the refresh grace window.
//!
//! Refresh tokens are stored only as SHA-256 hashes. So that a rotated token presented again
//! within `--refresh-grace-seconds` can be answered with the *same* successor, the rotated token's
//! row keeps that successor, sealed: XChaCha20-Poly1305 with a random 192-bit nonce, under a key
//! derived with HKDF-SHA256 from the server's token-signing secret (its own `info` label, so the
//! key is used for nothing else), with the rotated token's hash as associated data, so a sealed
//! value copied onto another row does not open. The stored value is `nonce ‖ ciphertext ‖ tag`.
//!
//! What this protects: the table never holds a usable bearer token in clear text (a dump of it,
//! a query log, a backup of the table alone), and a sealed successor is erased as soon as the
//! grace window has passed, its family is revoked or it is answered after the window. What it
//! does not: the signing secret lives in the same database, so whoever has the whole file can
//! open the seals, but with that secret they can already mint access tokens for any user.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hkdf::Hkdf;
use rand::RngCore;
use sha2::Sha256;

const NONCE_LEN: usize = 24;
const KEY_INFO: &[u8] = b"renderiq-server refresh successor seal v1";

/// The key sealing successor refresh tokens.
pub struct TokenSeal {
    cipher: XChaCha20Poly1305,
}

impl std::fmt::Debug for TokenSeal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenSeal(<redacted>)")
    }
}

impl TokenSeal {
    /// The seal whose key is derived from the server secret `secret`.
    pub fn derive(secret: &[u8]) -> Self {
        let mut key = [0u8; 32];
        // 32 bytes is far below HKDF-SHA256's 8160-byte limit: expand cannot fail.
        let _ = Hkdf::<Sha256>::new(None, secret).expand(KEY_INFO, &mut key);
        let cipher = XChaCha20Poly1305::new(&key.into());
        key.fill(0);
        Self { cipher }
    }

    /// Seals `token` for the row of the token hashed `bound_to`.
    ///
    /// # Errors
    ///
    /// The cipher failed (never for a token-sized input).
    pub fn seal(&self, token: &str, bound_to: &str) -> anyhow::Result<Vec<u8>> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::rngs::OsRng.fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: token.as_bytes(),
                    aad: bound_to.as_bytes(),
                },
            )
            .map_err(|_| anyhow::anyhow!("sealing a refresh token failed"))?;
        Ok([nonce.as_slice(), &sealed].concat())
    }

    /// The token sealed by [`TokenSeal::seal`] for `bound_to`; `None` when `sealed` was not
    /// sealed with this key for that row, or was altered.
    pub fn open(&self, sealed: &[u8], bound_to: &str) -> Option<String> {
        if sealed.len() < NONCE_LEN {
            return None;
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let plain = self
            .cipher
            .decrypt(
                XNonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: bound_to.as_bytes(),
                },
            )
            .ok()?;
        String::from_utf8(plain).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_token_opens_only_for_its_row_and_key() {
        let seal = TokenSeal::derive(b"server secret");
        let sealed = seal.seal("rt_successor", "hash-a").unwrap();
        assert!(!sealed
            .windows(b"rt_successor".len())
            .any(|w| w == b"rt_successor"));
        assert_eq!(
            seal.open(&sealed, "hash-a").as_deref(),
            Some("rt_successor")
        );
        assert_eq!(seal.open(&sealed, "hash-b"), None);
        assert_eq!(
            TokenSeal::derive(b"other secret").open(&sealed, "hash-a"),
            None
        );
        let mut altered = sealed.clone();
        if let Some(last) = altered.last_mut() {
            *last ^= 1;
        }
        assert_eq!(seal.open(&altered, "hash-a"), None);
        assert_eq!(seal.open(&sealed[..10], "hash-a"), None);
        // A fresh nonce each time.
        assert_ne!(seal.seal("rt_successor", "hash-a").unwrap(), sealed);
    }
}
