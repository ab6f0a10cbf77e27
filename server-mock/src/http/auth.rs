//! `/auth`: sign-in, refresh with rotation, sign-out, me. Owns the `users`, `refresh_tokens` and
//! `server_secrets` tables.
//!
//! Access tokens are HS256 JWTs (`--token-ttl-seconds`, 1 hour by default) signed with a secret
//! generated once and kept in the database, so restarts keep sessions valid. Refresh tokens are
//! random, stored as SHA-256 hashes, and rotated on every refresh; each sign-in starts a token
//! *family*. Presenting a refresh token that was already rotated (a stolen copy, or a client that
//! lost the newer one) revokes the whole family.

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use renderiq_sdk::types::{Ack, AuthSession, ErrorBody, RefreshRequest, SignInRequest, User};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, Auth, SignedIn};
use super::{new_id, ok, random_token, sha256_hex, ApiError, ApiResult, AppState};
use crate::db::Db;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signin", post(create_session))
        .route("/auth/refresh", post(refresh_session))
        .route("/auth/signout", post(delete_session))
        .route("/auth/me", get(get_current_user))
}

/// HS256 keys for access tokens.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl JwtKeys {
    /// Loads the server's signing secret from the database, creating it on first start.
    ///
    /// # Errors
    ///
    /// The database cannot be read or written.
    pub fn load(db: &Db) -> anyhow::Result<Self> {
        let secret: String = db.write_blocking(|tx| {
            tx.execute(
                "INSERT OR IGNORE INTO server_secrets (name, value) VALUES ('jwt', ?1)",
                [random_token(64)],
            )?;
            tx.query_row(
                "SELECT value FROM server_secrets WHERE name = 'jwt'",
                [],
                |r| r.get(0),
            )
            .map_err(anyhow::Error::from)
        })?;
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: String,
    iat: i64,
    exp: i64,
    jti: String,
}

/// The user id of a valid access token.
pub(crate) fn verify_access_token(state: &AppState, token: &str) -> Result<String, ApiError> {
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is checked below on the server's clock (which tests can move), not by the library.
    validation.validate_exp = false;
    validation.leeway = 0;
    let claims = jsonwebtoken::decode::<Claims>(token, &state.jwt.decoding, &validation)
        .map_err(|_| ApiError::AuthRequired("invalid access token".to_owned()))?
        .claims;
    if claims.exp < state.config.clock.now().timestamp() {
        return Err(ApiError::AuthRequired("access token expired".to_owned()));
    }
    Ok(claims.sub)
}

/// Sign in with email and password.
#[utoipa::path(
    post, path = "/api/plugins/auth/signin", tag = "auth",
    request_body = SignInRequest,
    responses(
        (status = 200, description = "Signed in", body = renderiq_sdk::types::Envelope<AuthSession>),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "INVALID_CREDENTIALS", body = ErrorBody),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<SignInRequest>,
) -> ApiResult<AuthSession> {
    let email = request.email.trim().to_owned();
    if email.is_empty() || request.password.is_empty() {
        return Err(ApiError::InvalidCredentials);
    }
    let found = state
        .db
        .read(move |conn| find_user_by_email(conn, &email).map_err(ApiError::from))
        .await?;
    let password = request.password;
    // Verify even for an unknown email, so timing does not reveal which emails exist.
    let (user, hash) = match found {
        Some((user, hash)) => (Some(user), hash),
        None => (None, dummy_hash().to_owned()),
    };
    let valid = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(ApiError::internal)?;
    let user = user.filter(|_| valid).ok_or(ApiError::InvalidCredentials)?;
    let refresh = issue_refresh_token(&state, user.id.clone(), None).await?;
    ok(session(&state, user, refresh)?)
}

/// Exchange a refresh token for a new session; the old refresh token stops working.
#[utoipa::path(
    post, path = "/api/plugins/auth/refresh", tag = "auth",
    request_body = RefreshRequest,
    responses(
        (status = 200, description = "New tokens", body = renderiq_sdk::types::Envelope<AuthSession>),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 401, description = "AUTH_REQUIRED: unknown, expired, revoked or reused token", body = ErrorBody),
    )
)]
pub async fn refresh_session(
    State(state): State<AppState>,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> ApiResult<AuthSession> {
    let hash = sha256_hex(request.refresh_token.trim());
    let new_token = random_refresh_token();
    let new_hash = sha256_hex(&new_token);
    let ttl = refresh_ttl(&state);
    let user = state
        .db
        .write(move |tx| {
            let now = Utc::now();
            let row = tx
                .query_row(
                    "SELECT user_id, family_id, expires_at, used_at, revoked_at
                     FROM refresh_tokens WHERE token_hash = ?1",
                    [&hash],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, DateTime<Utc>>(2)?,
                            r.get::<_, Option<DateTime<Utc>>>(3)?,
                            r.get::<_, Option<DateTime<Utc>>>(4)?,
                        ))
                    },
                )
                .optional()?;
            let Some((user_id, family, expires_at, used_at, revoked_at)) = row else {
                return Ok(Err(ApiError::AuthRequired("invalid refresh token".to_owned())));
            };
            if revoked_at.is_some() {
                return Ok(Err(ApiError::AuthRequired("refresh token revoked".to_owned())));
            }
            if used_at.is_some() {
                // Reuse of a rotated token: whoever holds the family is suspect, end it.
                revoke_family(tx, &family, now)?;
                tracing::warn!(%user_id, "refresh token reused; token family revoked");
                return Ok(Err(ApiError::AuthRequired(
                    "refresh token already used; sign in again".to_owned(),
                )));
            }
            if expires_at <= now {
                return Ok(Err(ApiError::AuthRequired("refresh token expired".to_owned())));
            }
            tx.execute("UPDATE refresh_tokens SET used_at = ?1 WHERE token_hash = ?2", params![now, hash])?;
            insert_refresh_token(tx, &user_id, &family, &new_hash, now, now + ttl)?;
            let user = find_user(tx, &user_id)?
                .ok_or_else(|| ApiError::AuthRequired("user no longer exists".to_owned()))?;
            Ok::<_, ApiError>(Ok(user))
        })
        .await?
        // The revocation must commit even though the request fails: errors leave the closure as
        // `Ok(Err(..))` so the transaction is committed.
        ?;
    ok(session(&state, user, new_token)?)
}

/// Sign out: revokes the given refresh token's family. The body is optional; access tokens
/// expire on their own.
#[utoipa::path(
    post, path = "/api/plugins/auth/signout", tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Optional: the refresh token to revoke"),
    responses(
        (status = 200, description = "Signed out", body = renderiq_sdk::types::Envelope<Ack>),
        (status = 400, description = "Malformed body", body = ErrorBody),
    )
)]
pub async fn delete_session(State(state): State<AppState>, body: Bytes) -> ApiResult<Ack> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return ok(Ack { ok: true });
    }
    let request: RefreshRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let hash = sha256_hex(request.refresh_token.trim());
    state
        .db
        .write(move |tx| {
            let family: Option<String> = tx
                .query_row(
                    "SELECT family_id FROM refresh_tokens WHERE token_hash = ?1",
                    [&hash],
                    |r| r.get(0),
                )
                .optional()?;
            if let Some(family) = family {
                revoke_family(tx, &family, Utc::now())?;
            }
            Ok::<_, ApiError>(())
        })
        .await?;
    ok(Ack { ok: true })
}

/// The signed-in user.
#[utoipa::path(
    get, path = "/api/plugins/auth/me", tag = "auth",
    security(("bearer" = []), ("apiKey" = [])),
    responses(
        (status = 200, description = "The caller", body = renderiq_sdk::types::Envelope<User>),
        (status = 401, description = "AUTH_REQUIRED", body = ErrorBody),
    )
)]
pub async fn get_current_user(
    State(state): State<AppState>,
    auth: Auth<SignedIn>,
) -> ApiResult<User> {
    let user_id = auth.user_id.clone();
    let user = state
        .db
        .read(move |conn| find_user(conn, &user_id).map_err(ApiError::from))
        .await?;
    ok(user.ok_or_else(|| ApiError::AuthRequired("user no longer exists".to_owned()))?)
}

fn session(state: &AppState, user: User, refresh_token: String) -> Result<AuthSession, ApiError> {
    let now = state.config.clock.now();
    let ttl = i64::try_from(state.config.token_ttl_seconds)
        .unwrap_or(i64::MAX / 2)
        .max(1);
    let expires_at = now + Duration::seconds(ttl);
    let claims = Claims {
        sub: user.id.clone(),
        iat: now.timestamp(),
        exp: expires_at.timestamp(),
        jti: new_id("at"),
    };
    let access_token =
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &state.jwt.encoding)
            .map_err(ApiError::internal)?;
    Ok(AuthSession {
        access_token,
        refresh_token,
        token_type: "Bearer".to_owned(),
        expires_at,
        user,
    })
}

fn refresh_ttl(state: &AppState) -> Duration {
    Duration::seconds(
        i64::try_from(state.config.refresh_ttl_seconds)
            .unwrap_or(i64::MAX / 2)
            .max(1),
    )
}

fn random_refresh_token() -> String {
    format!("rt_{}", random_token(48))
}

async fn issue_refresh_token(
    state: &AppState,
    user_id: String,
    family: Option<String>,
) -> Result<String, ApiError> {
    let token = random_refresh_token();
    let hash = sha256_hex(&token);
    let ttl = refresh_ttl(state);
    state
        .db
        .write(move |tx| {
            let now = Utc::now();
            let family = family.unwrap_or_else(|| new_id("fam"));
            insert_refresh_token(tx, &user_id, &family, &hash, now, now + ttl)
                .map_err(ApiError::from)
        })
        .await?;
    Ok(token)
}

fn insert_refresh_token(
    conn: &Connection,
    user_id: &str,
    family: &str,
    hash: &str,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO refresh_tokens (id, user_id, family_id, token_hash, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![new_id("rt"), user_id, family, hash, now, expires_at],
    )?;
    Ok(())
}

fn revoke_family(conn: &Connection, family: &str, now: DateTime<Utc>) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE refresh_tokens SET revoked_at = ?1 WHERE family_id = ?2 AND revoked_at IS NULL",
        params![now, family],
    )?;
    Ok(())
}

const USER_COLUMNS: &str = "id, email, name, created_at";

fn user_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<User> {
    Ok(User {
        id: r.get(0)?,
        email: r.get(1)?,
        name: r.get(2)?,
        created_at: Some(r.get(3)?),
    })
}

/// A user by id.
pub(crate) fn find_user(conn: &Connection, user_id: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS} FROM users WHERE id = ?1"),
        [user_id],
        user_from_row,
    )
    .optional()
}

/// A user and password hash by email (case-insensitive).
pub(crate) fn find_user_by_email(
    conn: &Connection,
    email: &str,
) -> rusqlite::Result<Option<(User, String)>> {
    conn.query_row(
        &format!("SELECT {USER_COLUMNS}, password_hash FROM users WHERE email = ?1"),
        [email],
        |r| Ok((user_from_row(r)?, r.get(4)?)),
    )
    .optional()
}

/// The secret signing deliveries to the user's render `callbackUrl`s.
pub(crate) fn callback_secret(
    conn: &Connection,
    user_id: &str,
) -> rusqlite::Result<Option<String>> {
    conn.query_row(
        "SELECT callback_secret FROM users WHERE id = ?1",
        [user_id],
        |r| r.get(0),
    )
    .optional()
}

/// Inserts a user (the password already hashed). Fails on a duplicate email.
pub(crate) fn insert_user(
    conn: &Connection,
    email: &str,
    name: Option<&str>,
    password_hash: &str,
) -> rusqlite::Result<User> {
    let created_at = Utc::now();
    let user = User {
        id: uuid::Uuid::new_v4().to_string(),
        email: email.to_owned(),
        name: name.map(str::to_owned),
        created_at: Some(created_at),
    };
    conn.execute(
        "INSERT INTO users (id, email, name, password_hash, callback_secret, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        params![
            user.id,
            user.email,
            user.name,
            password_hash,
            renderiq_sdk::webhooks::generate_secret(),
            created_at
        ],
    )?;
    Ok(user)
}

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

fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("renderiq-dummy-password").unwrap_or_default())
}
