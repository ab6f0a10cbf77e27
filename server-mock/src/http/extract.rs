//! Extractors: every header, body and query is read here, so handlers never parse requests and
//! every rejection is answered in the error envelope.

use std::marker::PhantomData;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::ops::Deref;

use axum::extract::{ConnectInfo, FromRequest, FromRequestParts};
use axum::http::header::{AUTHORIZATION, USER_AGENT};
use axum::http::request::Parts;
use axum::http::HeaderMap;
use renderiq_sdk::types::{headers, scopes, Platform};

use super::rate_limit::Bucket;
use super::{auth, keys, ApiError, AppState};

/// `axum::Json` whose rejections are [`ApiError`]s.
#[derive(Debug, Clone, FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `axum::extract::Query` whose rejections are [`ApiError`]s.
#[derive(Debug, Clone, FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// `axum::extract::Path` whose rejections are [`ApiError`]s.
#[derive(Debug, Clone, FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// Telemetry the SDK sends on every request (platform, plugin, SDK, user agent).
#[derive(Debug, Clone, Default)]
pub struct Telemetry {
    /// `x-renderiq-platform`, `other` when absent or unknown.
    pub platform: Platform,
    /// Raw platform header, kept when it named an unknown platform.
    pub platform_raw: Option<String>,
    /// `x-renderiq-plugin-name`.
    pub plugin_name: Option<String>,
    /// `x-renderiq-plugin-version`.
    pub plugin_version: Option<String>,
    /// `x-renderiq-sdk-version`.
    pub sdk_version: Option<String>,
    /// `x-renderiq-sdk-language`.
    pub sdk_language: Option<String>,
    /// `User-Agent`.
    pub user_agent: Option<String>,
}

impl Telemetry {
    fn from_headers(map: &HeaderMap) -> Self {
        let get = |name: &str| {
            map.get(name)
                .and_then(|v| v.to_str().ok())
                .map(|s| s.trim().chars().take(200).collect::<String>())
                .filter(|s| !s.is_empty())
        };
        let platform_raw = get(headers::PLATFORM);
        Self {
            platform: platform_raw
                .as_deref()
                .and_then(|p| p.parse().ok())
                .unwrap_or_default(),
            platform_raw,
            plugin_name: get(headers::PLUGIN_NAME),
            plugin_version: get(headers::PLUGIN_VERSION),
            sdk_version: get(headers::SDK_VERSION),
            sdk_language: get(headers::SDK_LANGUAGE),
            user_agent: get(USER_AGENT.as_str()),
        }
    }

    /// The JSON stored in a render's `metadata` column.
    pub fn to_metadata(&self) -> serde_json::Value {
        serde_json::json!({
            "platform": self.platform.as_str(),
            "platformHeader": self.platform_raw,
            "pluginName": self.plugin_name,
            "pluginVersion": self.plugin_version,
            "sdkVersion": self.sdk_version,
            "sdkLanguage": self.sdk_language,
            "userAgent": self.user_agent,
        })
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Telemetry {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_headers(&parts.headers))
    }
}

/// The client's address: the TCP peer, from the `ConnectInfo<SocketAddr>` request extension the
/// server's accept loop adds to every request — or, when the peer is a load balancer named by
/// `--trusted-proxy`, the client it names in `X-Forwarded-For` ([`super::proxies`]). The header
/// of any other peer is never read: any client can write it. A request without the extension
/// (driven in-process, e.g. with `tower::ServiceExt::oneshot`) gets the unspecified address
/// `0.0.0.0`, shared by all such requests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        if !state.proxies.trusts(peer) {
            return Ok(Self(peer));
        }
        let forwarded: Vec<&str> = parts
            .headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let forwarded = (!forwarded.is_empty()).then(|| forwarded.join(","));
        Ok(Self(state.proxies.client(peer, forwarded.as_deref())))
    }
}

/// The `Idempotency-Key` header, when sent (1–255 visible ASCII characters).
#[derive(Debug, Clone)]
pub struct IdempotencyKey(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for IdempotencyKey {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let Some(value) = parts.headers.get(headers::IDEMPOTENCY_KEY) else {
            return Ok(Self(None));
        };
        let key = value
            .to_str()
            .ok()
            .map(str::trim)
            .filter(|k| !k.is_empty() && k.len() <= 255 && k.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or_else(|| {
                ApiError::invalid(
                    "Idempotency-Key",
                    "must be 1 to 255 visible ASCII characters",
                )
            })?;
        Ok(Self(Some(key.to_owned())))
    }
}

/// What an authenticated caller may do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scopes {
    /// A signed-in session (JWT): every scope.
    All,
    /// An API key: the scopes it was created with.
    Only(Vec<String>),
}

impl Scopes {
    /// `true` when `scope` is granted.
    pub fn allows(&self, scope: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(list) => list.iter().any(|s| s == scope),
        }
    }
}

/// The authenticated caller: `Authorization: Bearer <jwt>`, `Authorization: Bearer rq_live_…` or
/// `x-api-key: rq_live_…`.
#[derive(Debug, Clone)]
pub struct AuthUser {
    /// The user's id.
    pub user_id: String,
    /// Granted scopes.
    pub scopes: Scopes,
    /// The API key's id when authenticated by key.
    pub api_key_id: Option<String>,
    /// Telemetry of the request (its platform keys the rate limits).
    pub telemetry: Telemetry,
}

impl FromRequestParts<AppState> for AuthUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let telemetry = Telemetry::from_headers(&parts.headers);
        let credential = credential(&parts.headers)?;
        let (user_id, scopes, api_key_id) = match credential {
            Credential::Jwt(token) => {
                (auth::verify_access_token(state, &token)?, Scopes::All, None)
            }
            Credential::ApiKey(secret) => {
                let key = keys::authenticate(&state.store, &state.config.clock, secret).await?;
                (key.user_id, Scopes::Only(key.scopes), Some(key.id))
            }
        };
        Ok(Self {
            user_id,
            scopes,
            api_key_id,
            telemetry,
        })
    }
}

enum Credential {
    Jwt(String),
    ApiKey(String),
}

fn credential(map: &HeaderMap) -> Result<Credential, ApiError> {
    if let Some(value) = map.get(AUTHORIZATION) {
        let value = value
            .to_str()
            .map_err(|_| ApiError::AuthRequired("malformed Authorization header".to_owned()))?;
        let (scheme, token) = value.trim().split_once(' ').unwrap_or((value, ""));
        let token = token.trim();
        if !scheme.eq_ignore_ascii_case("bearer") || token.is_empty() {
            return Err(ApiError::AuthRequired(
                "expected `Authorization: Bearer <token or API key>`".to_owned(),
            ));
        }
        return Ok(if token.starts_with(keys::KEY_PREFIX) {
            Credential::ApiKey(token.to_owned())
        } else {
            Credential::Jwt(token.to_owned())
        });
    }
    if let Some(value) = map.get(headers::API_KEY) {
        let key = value.to_str().map(str::trim).unwrap_or_default();
        if key.is_empty() {
            return Err(ApiError::AuthRequired("empty x-api-key header".to_owned()));
        }
        return Ok(Credential::ApiKey(key.to_owned()));
    }
    Err(ApiError::AuthRequired(
        "authentication required: send `Authorization: Bearer <token>` or `x-api-key`".to_owned(),
    ))
}

/// What a route requires of its caller: a scope (for API keys) and a rate-limit bucket.
pub trait Requirement: Send + Sync + 'static {
    /// The scope an API key needs; `None` when any authenticated caller may call.
    const SCOPE: Option<&'static str>;
    /// The rate limit the route counts against.
    const BUCKET: Bucket;
}

macro_rules! requirements {
    ($($(#[$doc:meta])* $name:ident => $scope:expr, $bucket:expr;)*) => {$(
        $(#[$doc])*
        #[derive(Debug)]
        pub struct $name;
        impl Requirement for $name {
            const SCOPE: Option<&'static str> = $scope;
            const BUCKET: Bucket = $bucket;
        }
    )*};
}

requirements! {
    /// Any authenticated caller.
    SignedIn => None, Bucket::Read;
    /// `renders:create`, counted against the creation limit.
    CreateRenders => Some(scopes::RENDERS_CREATE), Bucket::Create;
    /// `renders:create`, counted against the read limit (cancel).
    ChangeRenders => Some(scopes::RENDERS_CREATE), Bucket::Read;
    /// `renders:read`.
    ReadRenders => Some(scopes::RENDERS_READ), Bucket::Read;
    /// `projects:read`.
    ReadProjects => Some(scopes::PROJECTS_READ), Bucket::Read;
    /// `projects:write`.
    WriteProjects => Some(scopes::PROJECTS_WRITE), Bucket::Read;
    /// `credits:read`.
    ReadCredits => Some(scopes::CREDITS_READ), Bucket::Read;
    /// `settings:read`.
    ReadSettings => Some(scopes::SETTINGS_READ), Bucket::Read;
    /// `settings:write`.
    WriteSettings => Some(scopes::SETTINGS_WRITE), Bucket::Read;
    /// `webhooks:manage`.
    ManageWebhooks => Some(scopes::WEBHOOKS_MANAGE), Bucket::Read;
    /// `keys:manage`.
    ManageKeys => Some(scopes::KEYS_MANAGE), Bucket::Read;
}

/// An authenticated caller that passed requirement `R`: authenticated (401), holding the scope
/// (403) and within the rate limit (429), checked in that order.
#[derive(Debug)]
pub struct Auth<R: Requirement> {
    /// The caller.
    pub user: AuthUser,
    _requirement: PhantomData<R>,
}

impl<R: Requirement> Deref for Auth<R> {
    type Target = AuthUser;

    fn deref(&self) -> &AuthUser {
        &self.user
    }
}

impl<R: Requirement> FromRequestParts<AppState> for Auth<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let user = AuthUser::from_request_parts(parts, state).await?;
        if let Some(scope) = R::SCOPE {
            if !user.scopes.allows(scope) {
                return Err(ApiError::InsufficientScope {
                    scope: scope.to_owned(),
                });
            }
        }
        state
            .rate_limiter
            .check(R::BUCKET, &user.user_id, user.telemetry.platform)
            .await
            .map_err(|retry_after| ApiError::RateLimited { retry_after })?;
        Ok(Self {
            user,
            _requirement: PhantomData,
        })
    }
}
