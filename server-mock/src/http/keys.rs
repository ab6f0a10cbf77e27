//! `/keys`: API keys. Owns the `api_keys` table.
//!
//! A key is `rq_live_` followed by 40 random characters, shown once at creation and stored as its
//! SHA-256. Its `prefix` (first 12 characters) identifies it in listings. A key may only grant
//! scopes its creator holds.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::{delete, post};
use axum::Router;
use chrono::{DateTime, Utc};
use renderiq_sdk::types::{scopes, Ack, ApiKey, CreateApiKeyRequest, CreatedApiKey, ErrorBody};
use rusqlite::{params, Connection, OptionalExtension};

use super::extract::{ApiJson, ApiPath, Auth, ManageKeys};
use super::{new_id, ok, random_token, sha256_hex, ApiError, ApiResult, AppState};
use crate::clock::Clock;
use crate::db::{json_list, Db};

/// Every API key starts with this.
pub const KEY_PREFIX: &str = "rq_live_";
/// Characters of the key kept as its listed prefix.
pub const PREFIX_LEN: usize = 12;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/keys", post(create_key).get(list_keys))
        .route("/keys/{id}", delete(delete_key))
}

/// Create an API key. The key is in this answer only.
#[utoipa::path(
    post, path = "/api/plugins/keys", tag = "keys",
    security(("bearer" = []), ("apiKey" = ["keys:manage"])),
    request_body = CreateApiKeyRequest,
    responses(
        (status = 200, description = "Created; `key` is shown once", body = renderiq_sdk::types::Envelope<CreatedApiKey>),
        (status = 400, description = "INVALID_INPUT", body = ErrorBody),
        (status = 403, description = "INSUFFICIENT_SCOPE (also when granting a scope the caller lacks)", body = ErrorBody),
    )
)]
pub async fn create_key(
    State(state): State<AppState>,
    auth: Auth<ManageKeys>,
    ApiJson(request): ApiJson<CreateApiKeyRequest>,
) -> ApiResult<CreatedApiKey> {
    let name = request.name.trim().to_owned();
    let mut details = BTreeMap::new();
    if name.is_empty() || name.chars().count() > 100 {
        details.insert("name".to_owned(), "must be 1 to 100 characters".to_owned());
    }
    let mut granted: Vec<String> = Vec::new();
    for scope in &request.scopes {
        if !scopes::ALL.contains(&scope.as_str()) {
            details.insert(
                "scopes".to_owned(),
                format!("unknown scope {scope:?}; known: {}", scopes::ALL.join(", ")),
            );
        } else if !granted.contains(scope) {
            granted.push(scope.clone());
        }
    }
    if request.scopes.is_empty() {
        details.insert("scopes".to_owned(), "grant at least one scope".to_owned());
    }
    let now = Utc::now();
    if request
        .expires_at
        .is_some_and(|t| t <= state.config.clock.now())
    {
        details.insert("expiresAt".to_owned(), "must be in the future".to_owned());
    }
    ApiError::check_fields(details)?;
    if let Some(missing) = granted.iter().find(|s| !auth.scopes.allows(s)) {
        return Err(ApiError::InsufficientScope {
            scope: missing.clone(),
        });
    }

    let key = format!("{KEY_PREFIX}{}", random_token(40));
    let api_key = ApiKey {
        id: new_id("key"),
        name,
        prefix: key[..PREFIX_LEN].to_owned(),
        scopes: granted,
        last_used_at: None,
        expires_at: request.expires_at,
        created_at: now,
    };
    let (row, hash, user_id) = (api_key.clone(), sha256_hex(&key), auth.user_id.clone());
    state
        .db
        .write(move |tx| {
            tx.execute(
                "INSERT INTO api_keys (id, user_id, name, prefix, key_hash, scopes, created_at, expires_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    row.id,
                    user_id,
                    row.name,
                    row.prefix,
                    hash,
                    serde_json::to_string(&row.scopes).unwrap_or_default(),
                    row.created_at,
                    row.expires_at
                ],
            )
            .map_err(ApiError::from)
        })
        .await?;
    ok(CreatedApiKey { key, api_key })
}

/// List the caller's keys (never the secrets), newest first; revoked keys are not listed.
#[utoipa::path(
    get, path = "/api/plugins/keys", tag = "keys",
    security(("bearer" = []), ("apiKey" = ["keys:manage"])),
    responses(
        (status = 200, description = "Keys", body = renderiq_sdk::types::Envelope<Vec<ApiKey>>),
        (status = 401, description = "AUTH_REQUIRED", body = ErrorBody),
    )
)]
pub async fn list_keys(
    State(state): State<AppState>,
    auth: Auth<ManageKeys>,
) -> ApiResult<Vec<ApiKey>> {
    let user_id = auth.user_id.clone();
    let keys = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, name, prefix, scopes, last_used_at, expires_at, created_at FROM api_keys
                 WHERE user_id = ?1 AND revoked_at IS NULL ORDER BY created_at DESC, rowid DESC",
            )?;
            let rows = stmt.query_map([user_id], |r| {
                Ok(ApiKey {
                    id: r.get(0)?,
                    name: r.get(1)?,
                    prefix: r.get(2)?,
                    scopes: json_list(&r.get::<_, String>(3)?),
                    last_used_at: r.get(4)?,
                    expires_at: r.get(5)?,
                    created_at: r.get(6)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(ApiError::from)
        })
        .await?;
    ok(keys)
}

/// Revoke a key; it stops authenticating at once.
#[utoipa::path(
    delete, path = "/api/plugins/keys/{id}", tag = "keys",
    security(("bearer" = []), ("apiKey" = ["keys:manage"])),
    params(("id" = String, Path, description = "Key id")),
    responses(
        (status = 200, description = "Revoked", body = renderiq_sdk::types::Envelope<Ack>),
        (status = 404, description = "NOT_FOUND (also another user's key)", body = ErrorBody),
    )
)]
pub async fn delete_key(
    State(state): State<AppState>,
    auth: Auth<ManageKeys>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Ack> {
    let user_id = auth.user_id.clone();
    let changed = state
        .db
        .write(move |tx| {
            tx.execute(
                "UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2 AND user_id = ?3 AND revoked_at IS NULL",
                params![Utc::now(), id, user_id],
            )
            .map_err(ApiError::from)
        })
        .await?;
    if changed == 0 {
        return Err(ApiError::not_found("API key"));
    }
    ok(Ack { ok: true })
}

/// A key that authenticated a request.
pub(crate) struct AuthenticatedKey {
    pub id: String,
    pub user_id: String,
    pub scopes: Vec<String>,
}

/// Checks an API key secret: known, not revoked, not expired. Records its last use (at most once
/// a minute, to keep reads from writing on every request).
pub(crate) async fn authenticate(
    db: &Db,
    clock: &Clock,
    secret: String,
) -> Result<AuthenticatedKey, ApiError> {
    let hash = sha256_hex(secret.trim());
    let row = db
        .read(move |conn| find_by_hash(conn, &hash).map_err(ApiError::from))
        .await?
        .ok_or_else(|| ApiError::AuthRequired("invalid API key".to_owned()))?;
    let now = Utc::now();
    if row.revoked_at.is_some() {
        return Err(ApiError::AuthRequired("API key revoked".to_owned()));
    }
    if row.expires_at.is_some_and(|t| t <= clock.now()) {
        return Err(ApiError::AuthRequired("API key expired".to_owned()));
    }
    if row
        .last_used_at
        .is_none_or(|t| now - t > chrono::Duration::seconds(60))
    {
        let id = row.key.id.clone();
        db.write(move |tx| {
            tx.execute(
                "UPDATE api_keys SET last_used_at = ?1 WHERE id = ?2",
                params![now, id],
            )
            .map_err(ApiError::from)
        })
        .await?;
    }
    Ok(row.key)
}

struct KeyRow {
    key: AuthenticatedKey,
    expires_at: Option<DateTime<Utc>>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

fn find_by_hash(conn: &Connection, hash: &str) -> rusqlite::Result<Option<KeyRow>> {
    conn.query_row(
        "SELECT id, user_id, scopes, expires_at, last_used_at, revoked_at FROM api_keys WHERE key_hash = ?1",
        [hash],
        |r| {
            Ok(KeyRow {
                key: AuthenticatedKey {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    scopes: json_list(&r.get::<_, String>(2)?),
                },
                expires_at: r.get(3)?,
                last_used_at: r.get(4)?,
                revoked_at: r.get(5)?,
            })
        },
    )
    .optional()
}
