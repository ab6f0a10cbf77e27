//! `/auth`: sign-in, refresh with rotation, sign-out, me. Users, refresh tokens and the signing
//! secret are kept by [`crate::store`] (`users`, `sessions`, `secrets`).
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
use chrono::Duration;
use renderiq_sdk::types::{Ack, AuthSession, ErrorBody, RefreshRequest, SignInRequest, User};

use super::access_token::{AccessTokenKey, Claims};
use super::extract::{ApiJson, Auth, ClientAddr, SignedIn};
use super::rate_limit::AuthRoute;
use super::token_seal::TokenSeal;
use super::{new_id, ok, random_token, sha256_hex, ApiError, ApiResult, AppState};
use crate::store::sessions::{Rotated, Rotation};
use crate::store::{self, Store};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/signin", post(create_session))
        .route("/auth/refresh", post(refresh_session))
        .route("/auth/signout", post(delete_session))
        .route("/auth/me", get(get_current_user))
}

/// The key of access tokens ([`access_token`](super::access_token)), and the seal of successor
/// refresh tokens derived from the same server secret.
pub struct JwtKeys {
    access: AccessTokenKey,
    seal: TokenSeal,
}

impl JwtKeys {
    /// Loads the server's signing secret from the database, creating it on first start.
    ///
    /// # Errors
    ///
    /// The database cannot be read or written, or the stored secret is empty.
    pub fn load(store: &Store) -> anyhow::Result<Self> {
        let secret = store::secrets::get_or_create_blocking(store, "jwt", &random_token(64))?;
        // Refused only when empty (a row edited by hand): deleting it makes the next start
        // create a fresh one (signing every session out).
        let hint = "the 'jwt' row of server_secrets is empty; delete it and restart the server";
        Ok(Self {
            access: AccessTokenKey::new(secret.as_bytes()).context(hint)?,
            seal: TokenSeal::derive(secret.as_bytes()),
        })
    }
}

/// The user id of a valid access token.
pub(crate) fn verify_access_token(state: &AppState, token: &str) -> Result<String, ApiError> {
    let claims = state
        .jwt
        .access
        .verify(token)
        .map_err(|_| ApiError::AuthRequired("invalid access token".to_owned()))?;
    // Expiry on the server's clock (which tests can move).
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
    limited(
        state
            .rate_limiter
            .check_address(AuthRoute::SignIn, addr)
            .await,
    )?;
    let email = request.email.trim().to_owned();
    if email.is_empty() || request.password.is_empty() {
        return Err(ApiError::InvalidCredentials);
    }
    // Counted whether the email exists or not, and whatever the outcome.
    limited(state.rate_limiter.check_sign_in(&email).await)?;
    let found = store::users::find_by_email(&state.store, &email).await?;
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
    limited(
        state
            .rate_limiter
            .check_address(AuthRoute::Refresh, addr)
            .await,
    )?;
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
    let successor_sealed = if grace > Duration::zero() {
        Some(
            jwt.seal
                .seal(&new_token, &hash)
                .map_err(ApiError::internal)?,
        )
    } else {
        None
    };
    let rotation = Rotation {
        token_hash: hash.clone(),
        successor_hash: sha256_hex(&new_token),
        successor_sealed,
        grace,
        now,
        expires_at,
    };
    let refused = |why: &str| Err(ApiError::AuthRequired(why.to_owned()));
    let rotated = store::sessions::rotate(&state.store, rotation, move |sealed| {
        jwt.seal.open(sealed, &hash)
    })
    .await;
    let (user, token) = match rotated {
        Ok(Rotated::Rotated(user)) => (user, new_token),
        Ok(Rotated::Replayed(user, successor)) => (user, successor),
        Ok(Rotated::Unknown) => return refused("invalid refresh token"),
        Ok(Rotated::Revoked) => return refused("refresh token revoked"),
        Ok(Rotated::Reused) => return refused("refresh token already used; sign in again"),
        Ok(Rotated::Expired) => return refused("refresh token expired"),
        Err(store::Error::NotFound(_)) => return refused("user no longer exists"),
        Err(e) => return Err(e.into()),
    };
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
    limited(
        state
            .rate_limiter
            .check_address(AuthRoute::SignOut, addr)
            .await,
    )?;
    if body.iter().all(u8::is_ascii_whitespace) {
        return ok(Ack { ok: true });
    }
    let request: RefreshRequest =
        serde_json::from_slice(&body).map_err(|e| ApiError::invalid("body", e.to_string()))?;
    let hash = sha256_hex(request.refresh_token.trim());
    store::sessions::end(&state.store, &hash, state.config.clock.now()).await?;
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
    let user = store::users::find(&state.store, &auth.user_id).await?;
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
    let access_token = state.jwt.access.sign(&claims);
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
    store::sessions::start(&state.store, &user_id, &hash, now, expires_at).await?;
    Ok(token)
}
