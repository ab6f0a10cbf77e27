//! `/keys`: API keys, kept by [`crate::store::keys`].
//!
//! A key is `rq_live_` followed by 40 random characters, shown once at creation and stored as its
//! SHA-256. Its `prefix` (first 12 characters) identifies it in listings. A key may only grant
//! scopes its creator holds.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::{delete, post};
use axum::Router;
use chrono::Utc;
use renderiq_sdk::types::{scopes, Ack, ApiKey, CreateApiKeyRequest, CreatedApiKey, ErrorBody};

use super::extract::{ApiJson, ApiPath, Auth, ManageKeys};
use super::{new_id, ok, random_token, sha256_hex, ApiError, ApiResult, AppState};
use crate::clock::Clock;
use crate::store::{self, Store};

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
    store::keys::create(&state.store, &auth.user_id, &api_key, &sha256_hex(&key)).await?;
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
    let keys = store::keys::list(&state.store, &auth.user_id).await?;
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
    let revoked = store::keys::revoke(&state.store, &auth.user_id, &id).await?;
    if !revoked {
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
    store: &Store,
    clock: &Clock,
    secret: String,
) -> Result<AuthenticatedKey, ApiError> {
    let hash = sha256_hex(secret.trim());
    let row = store::keys::find_by_hash(store, &hash)
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
        store::keys::touch(store, &row.id, now).await?;
    }
    Ok(AuthenticatedKey {
        id: row.id,
        user_id: row.user_id,
        scopes: row.scopes,
    })
}
