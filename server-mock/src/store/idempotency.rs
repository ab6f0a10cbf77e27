//! Idempotency keys: the `idempotency_keys` table.
//!
//! Keys are per user and kept [`RETENTION_HOURS`]. The first successful answer is stored with a
//! hash of the request, in the same transaction that creates the resource
//! ([`super::renders::create_charged`]); a repeat with the same hash gets it back, a repeat with
//! another hash is [`Error::IdempotencyConflict`]. Because lookup, creation and storage share one
//! write transaction, concurrent duplicates are serialised: the second sees the first's answer.

use super::sql::{args, Conn};
use super::{Error, Result};
use chrono::{Duration, Utc};

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// A creating request's idempotency key and the hash identifying the request.
#[derive(Debug, Clone)]
pub struct Key {
    /// The `Idempotency-Key` header.
    pub key: String,
    /// Hash of the request's content.
    pub request_hash: String,
}

/// A stored answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// HTTP status of the first answer.
    pub status: u16,
    /// Body bytes of the first answer.
    pub body: Vec<u8>,
}

/// The stored answer for `(user, key)` if the request hash matches; `None` for a new key.
pub(super) fn lookup_in(conn: &Conn<'_>, user_id: &str, key: &Key) -> Result<Option<Answer>> {
    let cutoff = Utc::now() - Duration::hours(RETENTION_HOURS);
    conn.execute(
        "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_at < ?3",
        args![user_id, key.key, cutoff],
    )?;
    let row = conn
        .query_opt(
            "SELECT request_hash, status_code, response_body FROM idempotency_keys
             WHERE user_id = ?1 AND key = ?2",
            args![user_id, key.key],
        )?
        .map(|r| -> Result<_> { Ok((r.get::<String>(0)?, r.get::<u16>(1)?, r.get::<Vec<u8>>(2)?)) })
        .transpose()?;
    match row {
        None => Ok(None),
        Some((hash, _, _)) if hash != key.request_hash => Err(Error::IdempotencyConflict),
        Some((_, status, body)) => Ok(Some(Answer { status, body })),
    }
}

/// Stores the first answer. The primary key makes a second store for the key fail, so two
/// creations can never both commit under one key.
pub(super) fn store_in(
    conn: &Conn<'_>,
    user_id: &str,
    key: &Key,
    answer: &Answer,
    render_id: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body, render_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        args![user_id, key.key, key.request_hash, answer.status, answer.body, render_id, Utc::now()],
    )?;
    Ok(())
}
