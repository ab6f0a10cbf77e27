//! API keys: the `api_keys` table. Keys are stored as SHA-256 hashes; the key itself is shown
//! once, at creation, and never stored.

use super::sql::args;
use super::{json_list, json_text, Result, Store};
use chrono::{DateTime, Utc};
use renderiq_sdk::types::ApiKey;

/// Stores `key` for `user_id`, its secret as `key_hash`.
///
/// # Errors
///
/// The database failed.
pub async fn create(store: &Store, user_id: &str, key: &ApiKey, key_hash: &str) -> Result<()> {
    let (row, user_id, hash) = (key.clone(), user_id.to_owned(), key_hash.to_owned());
    store
        .write(move |tx| {
            tx.execute(
                "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                args![
                    row.id,
                    user_id,
                    row.name,
                    row.prefix,
                    hash,
                    json_text(&row.scopes),
                    row.created_at,
                    row.expires_at
                ],
            )?;
            Ok(())
        })
        .await
}

/// The user's keys not revoked, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(store: &Store, user_id: &str) -> Result<Vec<ApiKey>> {
    let user_id = user_id.to_owned();
    store
        .read(move |conn| {
            conn.query(
                "SELECT id, name, prefix, scopes, last_used_at, expires_at, created_at FROM api_keys
                 WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, rowid DESC",
                args![user_id],
            )?
            .iter()
            .map(|r| {
                Ok(ApiKey {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    prefix: r.get(2)?,
                    scopes: json_list(&r.get::<String>(3)?),
                    last_used_at: r.get(4)?,
                    expires_at: r.get(5)?,
                    created_at: r.get(6)?,
                })
            })
            .collect()
        })
        .await
}

/// Revokes the user's key `id`; `false` when there is no such key not yet revoked.
///
/// # Errors
///
/// The database failed.
pub async fn revoke(store: &Store, user_id: &str, id: &str) -> Result<bool> {
    let (user_id, id) = (user_id.to_owned(), id.to_owned());
    store
        .write(move |tx| {
            let changed = tx.execute(
                "UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
                args![Utc::now(), id, user_id],
            )?;
            Ok(changed > 0)
        })
        .await
}

/// A stored key, as authentication reads it.
#[derive(Debug, Clone)]
pub struct KeyRow {
    /// The key's id.
    pub id: String,
    /// Its owner.
    pub user_id: String,
    /// The scopes it grants.
    pub scopes: Vec<String>,
    /// When it stops working, if ever.
    pub expires_at: Option<DateTime<Utc>>,
    /// When it was last used (recorded at most once a minute).
    pub last_used_at: Option<DateTime<Utc>>,
    /// When it was revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The key whose secret hashes to `key_hash`.
///
/// # Errors
///
/// The database failed.
pub async fn find_by_hash(store: &Store, key_hash: &str) -> Result<Option<KeyRow>> {
    let hash = key_hash.to_owned();
    store
        .read(move |conn| {
            conn.query_opt(
                "SELECT id, user_id, scopes, expires_at, last_used_at, revoked_at FROM api_keys WHERE key_hash = ?1",
                args![hash],
            )?
            .map(|r| {
                Ok(KeyRow {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    scopes: json_list(&r.get::<String>(2)?),
                    expires_at: r.get(3)?,
                    last_used_at: r.get(4)?,
                    revoked_at: r.get(5)?,
                })
            })
            .transpose()
        })
        .await
}

/// Records that key `id` was used at `now`.
///
/// # Errors
///
/// The database failed.
pub async fn touch(store: &Store, id: &str, now: DateTime<Utc>) -> Result<()> {
    let id = id.to_owned();
    store
        .write(move |tx| {
            tx.execute(
                "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2",
                args![now, id],
            )?;
            Ok(())
        })
        .await
}
