//! `/auth`: sign-in, refresh with rotation, sign-out, me. Owns the `users`, `refresh_tokens` and
//! `server_secrets` tables.
//!
//! Access tokens are HS256 JWTs (`--token-ttl-seconds`, 1 hour by default) signed with a secret
//! generated once and kept in the database, so restarts keep sessions valid. Refresh tokens are
//! random, stored as SHA-256 hashes, and rotated on every refresh; each sign-in starts a token
//! *family*. Presenting a refresh token that was already rotated (a stolen copy, or a client that
//! lost the newer one) revokes the whole family, except within a short grace window after the
//! rotation (`--refresh-grace-seconds`, 30 s by default): then the same successor is answered
//! again (two plugin processes sharing one stored session refresh at once). The successor is kept
//! for that window sealed, never in clear text ([`token_seal`](super::token_seal)).
//!
//! Sign-in, refresh and sign-out need no credential, so they are rate limited per client address,
//! and sign-in also per email ([`rate_limit`](super::rate_limit)); password checks run under their
//! own concurrency bound ([`password`](super::password)). Token times are read on the server's
//! [`Clock`](crate::Clock).

use std::sync::Arc;

use anyhow::Context as _;
use axum::body::Bytes;
use axum::extract::State;
use axum::routing::{get, post};
use axum::Router;
use chrono::{DateTime, Duration, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use renderiq_sdk::types::{Ack, AuthSession, ErrorBody, RefreshRequest, SignInRequest, User};
use rusqlite::{params, Connection, OptionalExtension};
use serde::{Deserialize, Serialize};

use super::extract::{ApiJson, Auth, ClientAddr, SignedIn};
use super::rate_limit::AuthRoute;
use super::token_seal::TokenSeal;
use super::{new_id, ok, random_token, sha256_hex, ApiError, ApiResult, AppState};
use crate::db::Db;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signin", post(create_session))
        .route("/auth/refresh", post(refresh_session))
        .route("/auth/signout", post(delete_session))
        .route("/auth/me", get(get_current_user))
}

/// HS256 keys for access tokens, and the seal of successor refresh tokens derived from the same
/// server secret.
pub struct JwtKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    seal: TokenSeal,
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
        // Refused only when empty (a row edited by hand): deleting it makes the next start
        // create a fresh one (signing every session out).
        let hint = "the 'jwt' row of server_secrets is empty; delete it and restart the server";
        Ok(Self {
            encoding: EncodingKey::from_secret(secret.as_bytes()).context(hint)?,
            decoding: DecodingKey::from_secret(secret.as_bytes()).context(hint)?,
            seal: TokenSeal::derive(secret.as_bytes()),
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
        (status = 429, description = "RATE_LIMIT_EXCEEDED: too many attempts from this address (`--auth-rate-limit`) or for this email (`--sign-in-rate-limit`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    )
)]
pub async fn create_session(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<SignInRequest>,
) -> ApiResult<AuthSession> {
    limited(state.rate_limiter.check_address(AuthRoute::SignIn, addr))?;
    let email = request.email.trim().to_owned();
    if email.is_empty() || request.password.is_empty() {
        return Err(ApiError::InvalidCredentials);
    }
    // Counted whether the email exists or not, and whatever the outcome.
    limited(state.rate_limiter.check_sign_in(&email))?;
    let found = state
        .db
        .read(move |conn| find_user_by_email(conn, &email).map_err(ApiError::from))
        .await?;
    // The connection is back in the pool; an unknown email is checked against a dummy hash, so
    // timing does not reveal which emails exist.
    let (user, hash) = found.map_or((None, None), |(user, hash)| (Some(user), Some(hash)));
    let valid = state.passwords.verify(request.password, hash).await?;
    let user = user.filter(|_| valid).ok_or(ApiError::InvalidCredentials)?;
    let refresh = issue_refresh_token(&state, user.id.clone()).await?;
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
        (status = 429, description = "RATE_LIMIT_EXCEEDED: too many refreshes from this address (`--auth-rate-limit`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    )
)]
pub async fn refresh_session(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    ApiJson(request): ApiJson<RefreshRequest>,
) -> ApiResult<AuthSession> {
    limited(state.rate_limiter.check_address(AuthRoute::Refresh, addr))?;
    let hash = sha256_hex(request.refresh_token.trim());
    let new_token = random_refresh_token();
    let ttl = refresh_ttl(&state)?;
    let grace = Duration::try_seconds(
        i64::try_from(state.config.refresh_grace_seconds).unwrap_or(i64::MAX),
    )
    .unwrap_or(Duration::MAX);
    let now = state.config.clock.now();
    let expires_at = now.checked_add_signed(ttl).ok_or_else(ttl_overflow)?;
    let jwt = Arc::clone(&state.jwt);
    let (user, token) = state
        .db
        .write(move |tx| {
            let seal = &jwt.seal;
            // Successors sealed for a window that has passed are of no more use: erase them.
            if let Some(cutoff) = now.checked_sub_signed(grace) {
                tx.execute(
                    "UPDATE refresh_tokens SET successor_sealed = NULL
                     WHERE successor_sealed IS NOT NULL AND used_at < ?1",
                    params![cutoff],
                )?;
            }
            let row = tx
                .query_row(
                    "SELECT user_id, family_id, expires_at, used_at, revoked_at, successor_sealed
                     FROM refresh_tokens WHERE token_hash = ?1",
                    [&hash],
                    |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, DateTime<Utc>>(2)?,
                            r.get::<_, Option<DateTime<Utc>>>(3)?,
                            r.get::<_, Option<DateTime<Utc>>>(4)?,
                            r.get::<_, Option<Vec<u8>>>(5)?,
                        ))
                    },
                )
                .optional()?;
            let Some((user_id, family, expires_at_old, used_at, revoked_at, sealed)) = row else {
                return Ok(Err(ApiError::AuthRequired("invalid refresh token".to_owned())));
            };
            if revoked_at.is_some() {
                return Ok(Err(ApiError::AuthRequired("refresh token revoked".to_owned())));
            }
            if let Some(used_at) = used_at {
                // Presented again within the grace window: the same successor, so that two
                // processes sharing one session both end up with the token that stays valid.
                let successor = sealed
                    .filter(|_| now - used_at <= grace)
                    .and_then(|sealed| seal.open(&sealed, &hash));
                if let Some(successor) = successor {
                    let user = find_user(tx, &user_id)?
                        .ok_or_else(|| ApiError::AuthRequired("user no longer exists".to_owned()))?;
                    return Ok(Ok((user, successor)));
                }
                // Reuse of a rotated token: whoever holds the family is suspect, end it.
                revoke_family(tx, &family, now)?;
                tracing::warn!(%user_id, "refresh token reused; token family revoked");
                return Ok(Err(ApiError::AuthRequired(
                    "refresh token already used; sign in again".to_owned(),
                )));
            }
            if expires_at_old <= now {
                return Ok(Err(ApiError::AuthRequired("refresh token expired".to_owned())));
            }
            let sealed = if grace > Duration::zero() {
                Some(seal.seal(&new_token, &hash).map_err(ApiError::internal)?)
            } else {
                None
            };
            tx.execute(
                "UPDATE refresh_tokens SET used_at = ?1, successor_sealed = ?2 WHERE token_hash = ?3",
                params![now, sealed, hash],
            )?;
            insert_refresh_token(tx, &user_id, &family, &sha256_hex(&new_token), now, expires_at)?;
            let user = find_user(tx, &user_id)?
                .ok_or_else(|| ApiError::AuthRequired("user no longer exists".to_owned()))?;
            Ok::<_, ApiError>(Ok((user, new_token)))
        })
        .await?
        // The revocation must commit even though the request fails: errors leave the closure as
        // `Ok(Err(..))` so the transaction is committed.
        ?;
    ok(session(&state, user, token)?)
}

/// Sign out: revokes the given refresh token's family. The body is optional; access tokens
/// expire on their own.
#[utoipa::path(
    post, path = "/api/plugins/auth/signout", tag = "auth",
    request_body(content = Option<RefreshRequest>, description = "Optional: the refresh token to revoke"),
    responses(
        (status = 200, description = "Signed out", body = renderiq_sdk::types::Envelope<Ack>),
        (status = 400, description = "Malformed body", body = ErrorBody),
        (status = 429, description = "RATE_LIMIT_EXCEEDED: too many sign-outs from this address (`--auth-rate-limit`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait before trying again"))),
    )
)]
pub async fn delete_session(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    body: Bytes,
) -> ApiResult<Ack> {
    limited(state.rate_limiter.check_address(AuthRoute::SignOut, addr))?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return ok(Ack { ok: true });
    }
    let request: RefreshRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let hash = sha256_hex(request.refresh_token.trim());
    let state_now = state.config.clock.now();
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
                revoke_family(tx, &family, state_now)?;
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
    // `Config::validate` bounds the lifetime at startup; checked all the same, never wrapping.
    let expires_at = i64::try_from(state.config.token_ttl_seconds)
        .ok()
        .and_then(Duration::try_seconds)
        .and_then(|ttl| now.checked_add_signed(ttl))
        .ok_or_else(ttl_overflow)?;
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

fn refresh_ttl(state: &AppState) -> Result<Duration, ApiError> {
    i64::try_from(state.config.refresh_ttl_seconds)
        .ok()
        .and_then(Duration::try_seconds)
        .ok_or_else(ttl_overflow)
}

fn ttl_overflow() -> ApiError {
    ApiError::internal(
        "a token lifetime is out of range: use --token-ttl-seconds and --refresh-ttl-seconds \
         of at most 10 years",
    )
}

/// A refused request of a rate-limited route.
fn limited(check: Result<(), u64>) -> Result<(), ApiError> {
    check.map_err(|retry_after| ApiError::RateLimited { retry_after })
}

fn random_refresh_token() -> String {
    format!("rt_{}", random_token(48))
}

/// Starts a token family: the first refresh token of a sign-in.
async fn issue_refresh_token(state: &AppState, user_id: String) -> Result<String, ApiError> {
    let token = random_refresh_token();
    let hash = sha256_hex(&token);
    let now = state.config.clock.now();
    let expires_at = now
        .checked_add_signed(refresh_ttl(state)?)
        .ok_or_else(ttl_overflow)?;
    state
        .db
        .write(move |tx| {
            insert_refresh_token(tx, &user_id, &new_id("fam"), &hash, now, expires_at)
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
        "UPDATE refresh_tokens SET revoked_at = ?1, successor_sealed = NULL
         WHERE family_id = ?2 AND revoked_at IS NULL",
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
