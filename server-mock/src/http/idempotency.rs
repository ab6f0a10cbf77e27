//! `Idempotency-Key` support for creating POSTs. Owns the `idempotency_keys` table.
//!
//! Keys are per user and kept 24 hours. The first *successful* answer is stored with a hash of
//! the request, in the same transaction that creates the resource; a repeat with the same hash
//! replays it (header `idempotent-replayed: true`), a repeat with another hash is refused with
//! 409 `IDEMPOTENCY_CONFLICT`. Because lookup, creation and storage share one write transaction,
//! concurrent duplicates are serialised: the second sees the first's stored answer. Failed
//! requests store nothing, so the key can be retried (say, after credits were added).

use axum::body::Body;
use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::{Duration, Utc};
use renderiq_sdk::types::headers;
use rusqlite::{params, Connection, OptionalExtension};

use super::ApiError;

/// How long a key is remembered.
pub const RETENTION_HOURS: i64 = 24;

/// A stored answer.
#[derive(Debug, Clone)]
pub struct StoredResponse {
    /// HTTP status of the first answer.
    pub status: u16,
    /// Body bytes of the first answer.
    pub body: Vec<u8>,
}

impl StoredResponse {
    /// The replayed response.
    pub fn into_response(self) -> Response {
        let mut response = Response::new(Body::from(self.body));
        *response.status_mut() = StatusCode::from_u16(self.status).unwrap_or(StatusCode::OK);
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers.insert(
            HeaderName::from_static(headers::IDEMPOTENT_REPLAYED),
            HeaderValue::from_static("true"),
        );
        response
    }
}

/// The stored answer for `(user, key)` if the request hash matches; `IDEMPOTENCY_CONFLICT` if it
/// does not; `None` for a new key.
pub(crate) fn lookup(
    conn: &Connection,
    user_id: &str,
    key: &str,
    request_hash: &str,
) -> Result<Option<StoredResponse>, ApiError> {
    let cutoff = Utc::now() - Duration::hours(RETENTION_HOURS);
    conn.execute(
        "DELETE FROM idempotency_keys WHERE user_id = ?1 AND key = ?2 AND created_at < ?3",
        params![user_id, key, cutoff],
    )?;
    let row = conn
        .query_row(
            "SELECT request_hash, status_code, response_body FROM idempotency_keys
             WHERE user_id = ?1 AND key = ?2",
            params![user_id, key],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u16>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            },
        )
        .optional()?;
    match row {
        None => Ok(None),
        Some((hash, _, _)) if hash != request_hash => Err(ApiError::IdempotencyConflict),
        Some((_, status, body)) => Ok(Some(StoredResponse { status, body })),
    }
}

/// Stores the first answer. The primary key makes a second store for the key fail, so two
/// creations can never both commit under one key.
pub(crate) fn store(
    conn: &Connection,
    user_id: &str,
    key: &str,
    request_hash: &str,
    response: &StoredResponse,
    render_id: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO idempotency_keys (user_id, key, request_hash, status_code, response_body, render_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![user_id, key, request_hash, response.status, response.body, render_id, Utc::now()],
    )?;
    Ok(())
}
