//! Wire types of the Renderiq plugin API, defined once.
//!
//! Every request and response body the API exchanges is declared here with serde and the API's
//! camelCase field names. The reference server (`server-mock/`) uses these same types, so the
//! contract cannot drift between client and server; with the `openapi` feature the types also
//! derive [`utoipa::ToSchema`] and the server's OpenAPI document is generated from them.
//!
//! # Examples
//!
//! ```
//! use renderiq_sdk::types::{Envelope, Credits};
//!
//! let body = r#"{"success":true,"data":{"balance":90,"totalEarned":100,"totalSpent":10}}"#;
//! let env: Envelope<Credits> = serde_json::from_str(body).unwrap();
//! assert_eq!(env.data.unwrap().balance, 90);
//! ```

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// HTTP header names the SDK and the server agree on.
pub mod headers {
    /// The host application (`sketchup`, `revit`, …).
    pub const PLATFORM: &str = "x-renderiq-platform";
    /// The plugin's own name.
    pub const PLUGIN_NAME: &str = "x-renderiq-plugin-name";
    /// The plugin's own version.
    pub const PLUGIN_VERSION: &str = "x-renderiq-plugin-version";
    /// The SDK version that sent the request.
    pub const SDK_VERSION: &str = "x-renderiq-sdk-version";
    /// The language binding that sent the request (`rust`, `python`, `ruby`, `csharp`, `c`).
    pub const SDK_LANGUAGE: &str = "x-renderiq-sdk-language";
    /// The server's request id, echoed on every response.
    pub const REQUEST_ID: &str = "x-request-id";
    /// Idempotency key of a creating POST.
    pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
    /// API-key authentication header (alternative to `Authorization: Bearer`).
    pub const API_KEY: &str = "x-api-key";
    /// Set to `true` on a response replayed from an idempotency key.
    pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";
}

/// Path prefix of every plugin API route.
pub const API_PREFIX: &str = "/api/plugins";

/// The success envelope: `{ "success": true, "data": … }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Envelope<T> {
    /// Always `true` for this shape.
    pub success: bool,
    /// The payload.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T> Envelope<T> {
    /// Wraps `data` in a success envelope.
    ///
    /// ```
    /// let env = renderiq_sdk::types::Envelope::ok(3);
    /// assert!(env.success);
    /// ```
    pub fn ok(data: T) -> Self {
        Self {
            success: true,
            data: Some(data),
        }
    }
}

/// The error envelope: `{ "success": false, "error": "...", "errorCode": "...", ... }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// Human-readable message.
    pub error: String,
    /// Machine-readable code, see [`ErrorCode`].
    pub error_code: String,
    /// Request id of the failed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field errors or other structured details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: Option<serde_json::Value>,
    /// Credits a render needs (`INSUFFICIENT_CREDITS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_credits: Option<i64>,
    /// Credits available (`INSUFFICIENT_CREDITS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_credits: Option<i64>,
    /// Seconds to wait before retrying (`RATE_LIMIT_EXCEEDED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

/// The API's error codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorCode {
    /// 401: no token, an invalid or expired token.
    AuthRequired,
    /// 401: wrong email or password.
    InvalidCredentials,
    /// 403: the API key lacks a scope the route needs.
    InsufficientScope,
    /// 404: no such resource (or it belongs to another user).
    NotFound,
    /// 400: the request failed validation; `details` names the fields.
    InvalidInput,
    /// 413: the upload is larger than the server accepts.
    PayloadTooLarge,
    /// 402: not enough credits; carries required and available credits.
    InsufficientCredits,
    /// 429: too many requests; carries `retryAfter`.
    RateLimitExceeded,
    /// 409: an `Idempotency-Key` was reused with a different request body.
    IdempotencyConflict,
    /// 409: the resource is in a state that does not allow the operation.
    Conflict,
    /// 500: the render failed.
    RenderFailed,
    /// 500: an unexpected server error.
    InternalError,
    /// 503: the service is temporarily unavailable.
    ServiceUnavailable,
}

impl ErrorCode {
    /// Every code, for tables and tests.
    pub const ALL: [ErrorCode; 13] = [
        Self::AuthRequired,
        Self::InvalidCredentials,
        Self::InsufficientScope,
        Self::NotFound,
        Self::InvalidInput,
        Self::PayloadTooLarge,
        Self::InsufficientCredits,
        Self::RateLimitExceeded,
        Self::IdempotencyConflict,
        Self::Conflict,
        Self::RenderFailed,
        Self::InternalError,
        Self::ServiceUnavailable,
    ];

    /// The wire spelling, e.g. `"INSUFFICIENT_CREDITS"`.
    ///
    /// ```
    /// use renderiq_sdk::types::ErrorCode;
    /// assert_eq!(ErrorCode::RateLimitExceeded.as_str(), "RATE_LIMIT_EXCEEDED");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::AuthRequired => "AUTH_REQUIRED",
            Self::InvalidCredentials => "INVALID_CREDENTIALS",
            Self::InsufficientScope => "INSUFFICIENT_SCOPE",
            Self::NotFound => "NOT_FOUND",
            Self::InvalidInput => "INVALID_INPUT",
            Self::PayloadTooLarge => "PAYLOAD_TOO_LARGE",
            Self::InsufficientCredits => "INSUFFICIENT_CREDITS",
            Self::RateLimitExceeded => "RATE_LIMIT_EXCEEDED",
            Self::IdempotencyConflict => "IDEMPOTENCY_CONFLICT",
            Self::Conflict => "CONFLICT",
            Self::RenderFailed => "RENDER_FAILED",
            Self::InternalError => "INTERNAL_ERROR",
            Self::ServiceUnavailable => "SERVICE_UNAVAILABLE",
        }
    }

    /// Parses the wire spelling; `None` for a code this SDK does not know.
    ///
    /// ```
    /// use renderiq_sdk::types::ErrorCode;
    /// assert_eq!(ErrorCode::parse("NOT_FOUND"), Some(ErrorCode::NotFound));
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == s)
    }

    /// The HTTP status the server answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::AuthRequired | Self::InvalidCredentials => 401,
            Self::InsufficientScope => 403,
            Self::NotFound => 404,
            Self::InvalidInput => 400,
            Self::PayloadTooLarge => 413,
            Self::InsufficientCredits => 402,
            Self::RateLimitExceeded => 429,
            Self::IdempotencyConflict | Self::Conflict => 409,
            Self::RenderFailed | Self::InternalError => 500,
            Self::ServiceUnavailable => 503,
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The host application a plugin runs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Trimble SketchUp.
    Sketchup,
    /// Autodesk Revit.
    Revit,
    /// Autodesk AutoCAD.
    Autocad,
    /// McNeel Rhino.
    Rhino,
    /// Graphisoft ArchiCAD.
    Archicad,
    /// Blender.
    Blender,
    /// Anything else.
    #[default]
    #[serde(other)]
    Other,
}

impl Platform {
    /// Every platform.
    pub const ALL: [Platform; 7] = [
        Self::Sketchup,
        Self::Revit,
        Self::Autocad,
        Self::Rhino,
        Self::Archicad,
        Self::Blender,
        Self::Other,
    ];

    /// The wire spelling (`"sketchup"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sketchup => "sketchup",
            Self::Revit => "revit",
            Self::Autocad => "autocad",
            Self::Rhino => "rhino",
            Self::Archicad => "archicad",
            Self::Blender => "blender",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Platform {
    type Err = String;

    /// Parses a platform name, case-insensitively.
    ///
    /// ```
    /// use renderiq_sdk::types::Platform;
    /// assert_eq!("Revit".parse::<Platform>().unwrap(), Platform::Revit);
    /// ```
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Self::ALL.into_iter().find(|p| p.as_str() == lower).ok_or_else(|| {
            format!(
                "unknown platform {s:?}: use one of sketchup, revit, autocad, rhino, archicad, blender, other"
            )
        })
    }
}

/// Render quality; decides the credit cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum Quality {
    /// Fast preview: 5 credits.
    Standard,
    /// Presentation quality: 10 credits.
    #[default]
    High,
    /// Print quality: 20 credits.
    Ultra,
}

impl Quality {
    /// Every quality.
    pub const ALL: [Quality; 3] = [Self::Standard, Self::High, Self::Ultra];

    /// Credits a render of this quality costs.
    ///
    /// ```
    /// assert_eq!(renderiq_sdk::types::Quality::High.credit_cost(), 10);
    /// ```
    pub fn credit_cost(self) -> i64 {
        match self {
            Self::Standard => 5,
            Self::High => 10,
            Self::Ultra => 20,
        }
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Standard => "standard",
            Self::High => "high",
            Self::Ultra => "ultra",
        }
    }
}

impl fmt::Display for Quality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Quality {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        Self::ALL
            .into_iter()
            .find(|q| q.as_str() == lower)
            .ok_or_else(|| format!("unknown quality {s:?}: use one of standard, high, ultra"))
    }
}

/// Render styles the service knows. The wire type is a string so new styles need no SDK update.
pub const STYLES: [&str; 6] = [
    "photorealistic",
    "sketch",
    "watercolor",
    "clay",
    "night",
    "blueprint",
];

/// Aspect ratios the service accepts.
pub const ASPECT_RATIOS: [&str; 6] = ["1:1", "4:3", "3:2", "16:9", "9:16", "21:9"];

/// Lifecycle state of a render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum RenderStatus {
    /// Accepted, waiting for a worker.
    Pending,
    /// A worker is generating the image.
    Processing,
    /// Done; `outputUrl` is set.
    Completed,
    /// Failed; credits were refunded.
    Failed,
    /// Cancelled before processing; credits were refunded.
    Cancelled,
}

impl RenderStatus {
    /// `true` for completed, failed and cancelled.
    ///
    /// ```
    /// use renderiq_sdk::types::RenderStatus;
    /// assert!(RenderStatus::Failed.is_terminal());
    /// assert!(!RenderStatus::Processing.is_terminal());
    /// ```
    pub fn is_terminal(self) -> bool {
        matches!(self, Self::Completed | Self::Failed | Self::Cancelled)
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Processing => "processing",
            Self::Completed => "completed",
            Self::Failed => "failed",
            Self::Cancelled => "cancelled",
        }
    }
}

/// What a long-poll (`GET /renders/{id}?wait=S&until=…`) waits for.
///
/// ```
/// use renderiq_sdk::types::WaitUntil;
/// assert_eq!(WaitUntil::default(), WaitUntil::End);
/// assert_eq!(WaitUntil::Change.as_str(), "change");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum WaitUntil {
    /// Answer when the render is completed, failed or cancelled (the default).
    #[default]
    End,
    /// Answer when its status or progress moves from what it was when the request arrived, or
    /// it ends: what a client showing a progress bar wants.
    Change,
}

impl WaitUntil {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::End => "end",
            Self::Change => "change",
        }
    }
}

impl fmt::Display for RenderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for RenderStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pending" => Ok(Self::Pending),
            "processing" => Ok(Self::Processing),
            "completed" => Ok(Self::Completed),
            "failed" => Ok(Self::Failed),
            "cancelled" => Ok(Self::Cancelled),
            _ => Err(format!("unknown render status {s:?}")),
        }
    }
}

/// `POST /auth/signin` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    /// Account email.
    pub email: String,
    /// Account password.
    pub password: String,
}

impl fmt::Debug for SignInRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignInRequest")
            .field("email", &self.email)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// `POST /auth/refresh` and `POST /auth/signout` body.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RefreshRequest {
    /// The refresh token from the last sign-in or refresh.
    pub refresh_token: String,
}

impl fmt::Debug for RefreshRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshRequest")
            .field("refresh_token", &"<redacted>")
            .finish()
    }
}

/// A signed-in user.
///
/// The original service answers sign-in with `user: { id, email }` only, and snake_case names
/// elsewhere; both are read.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::User;
///
/// let u: User = serde_json::from_str(r#"{"id":"u1","email":"ada@example.com"}"#).unwrap();
/// assert_eq!(u.created_at, None);
/// let u: User = serde_json::from_str(
///     r#"{"id":"u1","email":"ada@example.com","created_at":"2025-01-01T00:00:00Z"}"#,
/// ).unwrap();
/// assert!(u.created_at.is_some());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct User {
    /// User id (UUID).
    pub id: String,
    /// Email address.
    pub email: String,
    /// Display name.
    #[serde(default)]
    pub name: Option<String>,
    /// When the account was created; `None` when the server did not say.
    #[serde(default, alias = "created_at")]
    pub created_at: Option<DateTime<Utc>>,
}

/// Tokens returned by sign-in and refresh.
///
/// Read in the reference server's camelCase (`accessToken`, `expiresAt`) and in the original
/// service's snake_case (`access_token`, `refresh_token`, `expires_at`, `token_type`). The
/// expiry may be an RFC 3339 time or unix seconds; when it is absent, `expires_in` / `expiresIn`
/// (seconds from now) gives it. Written in camelCase.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::AuthSession;
///
/// let original = r#"{"access_token":"a","refresh_token":"r","expires_at":1767225600,
///                    "user":{"id":"u1","email":"ada@example.com"}}"#;
/// let s: AuthSession = serde_json::from_str(original).unwrap();
/// assert_eq!(s.expires_at.to_rfc3339(), "2026-01-01T00:00:00+00:00");
/// assert_eq!(s.user.email, "ada@example.com");
/// ```
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", try_from = "wire_time::AuthSessionWire")]
pub struct AuthSession {
    /// Short-lived JWT for `Authorization: Bearer`.
    pub access_token: String,
    /// Long-lived token, rotated on every refresh.
    pub refresh_token: String,
    /// Always `"Bearer"`.
    #[serde(default = "bearer")]
    pub token_type: String,
    /// When `access_token` expires.
    pub expires_at: DateTime<Utc>,
    /// The user the tokens belong to.
    pub user: User,
}

fn bearer() -> String {
    "Bearer".to_owned()
}

/// The lenient reading of times and of the sign-in answer.
mod wire_time {
    use chrono::{DateTime, TimeZone, Utc};
    use serde::Deserialize;

    use super::{bearer, AuthSession, User};

    /// A point in time as services spell it: RFC 3339 text, or unix seconds (a number or
    /// digits in a string).
    #[derive(Deserialize)]
    #[serde(untagged)]
    pub(super) enum Instant {
        Seconds(f64),
        Text(String),
    }

    impl Instant {
        pub(super) fn resolve(self) -> Result<DateTime<Utc>, String> {
            match self {
                Self::Seconds(s) => from_seconds(s),
                Self::Text(t) => {
                    let t = t.trim();
                    if let Ok(d) = DateTime::parse_from_rfc3339(t) {
                        return Ok(d.with_timezone(&Utc));
                    }
                    match t.parse::<f64>() {
                        Ok(secs) => from_seconds(secs),
                        Err(_) => Err(format!(
                            "{t:?} is neither an RFC 3339 time nor unix seconds"
                        )),
                    }
                }
            }
        }
    }

    fn from_seconds(secs: f64) -> Result<DateTime<Utc>, String> {
        if !secs.is_finite() {
            return Err("the time is not a finite number of seconds".to_owned());
        }
        // Whole milliseconds; `as` saturates, and an out-of-range time is refused below.
        let millis = (secs * 1000.0).round() as i64;
        Utc.timestamp_millis_opt(millis)
            .single()
            .ok_or_else(|| format!("{secs} unix seconds is out of range"))
    }

    /// `AuthSession` as any supported server spells it.
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub(super) struct AuthSessionWire {
        #[serde(alias = "access_token")]
        access_token: String,
        #[serde(alias = "refresh_token")]
        refresh_token: String,
        #[serde(default = "bearer", alias = "token_type")]
        token_type: String,
        #[serde(default, alias = "expires_at")]
        expires_at: Option<Instant>,
        #[serde(default, alias = "expires_in")]
        expires_in: Option<f64>,
        user: User,
    }

    impl TryFrom<AuthSessionWire> for AuthSession {
        type Error = String;

        fn try_from(w: AuthSessionWire) -> Result<Self, String> {
            let expires_at = match (w.expires_at, w.expires_in) {
                (Some(at), _) => at.resolve()?,
                (None, Some(secs)) if secs >= 0.0 => {
                    // Precision to the millisecond is plenty for a refresh margin of seconds.
                    from_seconds(Utc::now().timestamp_millis() as f64 / 1000.0 + secs)?
                }
                (None, Some(secs)) => return Err(format!("expires_in is {secs}: not a duration")),
                (None, None) => {
                    return Err("the session has neither expiresAt nor expiresIn".to_owned())
                }
            };
            Ok(AuthSession {
                access_token: w.access_token,
                refresh_token: w.refresh_token,
                token_type: w.token_type,
                expires_at,
                user: w.user,
            })
        }
    }
}

impl fmt::Debug for AuthSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthSession")
            .field("access_token", &"<redacted>")
            .field("refresh_token", &"<redacted>")
            .field("token_type", &self.token_type)
            .field("expires_at", &self.expires_at)
            .field("user", &self.user)
            .finish()
    }
}

/// `POST /auth/signout` answer, and other "done" answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Ack {
    /// `true` when the operation took effect.
    pub ok: bool,
}

/// API-key scopes.
pub mod scopes {
    /// Create renders.
    pub const RENDERS_CREATE: &str = "renders:create";
    /// Read renders and their outputs.
    pub const RENDERS_READ: &str = "renders:read";
    /// List projects.
    pub const PROJECTS_READ: &str = "projects:read";
    /// Create projects.
    pub const PROJECTS_WRITE: &str = "projects:write";
    /// Read the credit balance and ledger.
    pub const CREDITS_READ: &str = "credits:read";
    /// Read settings.
    pub const SETTINGS_READ: &str = "settings:read";
    /// Change settings.
    pub const SETTINGS_WRITE: &str = "settings:write";
    /// Register, list and delete webhooks.
    pub const WEBHOOKS_MANAGE: &str = "webhooks:manage";
    /// Create, list and revoke API keys.
    pub const KEYS_MANAGE: &str = "keys:manage";
    /// Every scope.
    pub const ALL: [&str; 9] = [
        RENDERS_CREATE,
        RENDERS_READ,
        PROJECTS_READ,
        PROJECTS_WRITE,
        CREDITS_READ,
        SETTINGS_READ,
        SETTINGS_WRITE,
        WEBHOOKS_MANAGE,
        KEYS_MANAGE,
    ];
}

/// `POST /keys` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateApiKeyRequest {
    /// A name to recognise the key by.
    pub name: String,
    /// Scopes granted, see [`scopes`].
    pub scopes: Vec<String>,
    /// Optional expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
}

/// An API key as listed (the secret itself is never listed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ApiKey {
    /// Key id.
    pub id: String,
    /// Name given at creation.
    pub name: String,
    /// First characters of the key, to recognise it (`rq_live_ab12…`).
    pub prefix: String,
    /// Granted scopes.
    pub scopes: Vec<String>,
    /// Last time the key authenticated a request.
    #[serde(default)]
    pub last_used_at: Option<DateTime<Utc>>,
    /// Expiry, if any.
    #[serde(default)]
    pub expires_at: Option<DateTime<Utc>>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// `POST /keys` answer: the key, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedApiKey {
    /// The full secret key; store it now, it is not shown again.
    pub key: String,
    /// The key's listing.
    pub api_key: ApiKey,
}

impl fmt::Debug for CreatedApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedApiKey")
            .field("key", &"<redacted>")
            .field("api_key", &self.api_key)
            .finish()
    }
}

/// Webhook event types.
pub mod events {
    /// A render completed.
    pub const RENDER_COMPLETED: &str = "render.completed";
    /// A render failed.
    pub const RENDER_FAILED: &str = "render.failed";
    /// A render was cancelled.
    pub const RENDER_CANCELLED: &str = "render.cancelled";
    /// Every event type.
    pub const ALL: [&str; 3] = [RENDER_COMPLETED, RENDER_FAILED, RENDER_CANCELLED];
}

/// `POST /webhooks/register` body.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct RegisterWebhookRequest {
    /// HTTPS (or loopback HTTP) URL receiving deliveries.
    pub url: String,
    /// Event types, see [`events`].
    pub events: Vec<String>,
}

/// `GET /webhooks/callback-secret` answer: the `whsec_…` secret that signs deliveries to a
/// render's own `callbackUrl` (one per user; registered webhooks use their own secrets).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CallbackSecret {
    /// `whsec_…` signing secret; verify callback deliveries with it.
    pub secret: String,
}

impl fmt::Debug for CallbackSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallbackSecret")
            .field("secret", &"<redacted>")
            .finish()
    }
}

/// A registered webhook.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Webhook {
    /// Webhook id.
    pub id: String,
    /// Delivery URL.
    pub url: String,
    /// Subscribed event types.
    pub events: Vec<String>,
    /// `false` once disabled after repeated failures.
    pub active: bool,
    /// Consecutive failed deliveries.
    pub failure_count: i64,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last delivery attempt.
    #[serde(default)]
    pub last_delivery_at: Option<DateTime<Utc>>,
}

/// `POST /webhooks/register` answer: the signing secret, shown this once.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreatedWebhook {
    /// `whsec_…` signing secret.
    pub secret: String,
    /// The webhook.
    pub webhook: Webhook,
}

impl fmt::Debug for CreatedWebhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreatedWebhook")
            .field("secret", &"<redacted>")
            .field("webhook", &self.webhook)
            .finish()
    }
}

/// A render job.
///
/// The id is read from `id` or, as the original service names it, `renderId` (when both are
/// present, `id` wins); it is written as `id`.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::Render;
///
/// let r: Render = serde_json::from_str(r#"{"renderId":"rnd_1","status":"pending",
///     "style":"clay","quality":"high","aspectRatio":"16:9","creditsCost":10,
///     "createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z"}"#).unwrap();
/// assert_eq!(r.id, "rnd_1");
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase", remote = "Self")]
pub struct Render {
    /// Render id.
    pub id: String,
    /// Current state.
    pub status: RenderStatus,
    /// Progress 0–100 while processing.
    #[serde(default)]
    pub progress: u8,
    /// The prompt.
    #[serde(default)]
    pub prompt: Option<String>,
    /// Style name.
    pub style: String,
    /// Quality.
    pub quality: Quality,
    /// Aspect ratio (`"16:9"`).
    pub aspect_ratio: String,
    /// Project the render belongs to.
    #[serde(default)]
    pub project_id: Option<String>,
    /// Credits charged.
    pub credits_cost: i64,
    /// URL of the uploaded viewport image.
    #[serde(default)]
    pub input_url: Option<String>,
    /// URL of the result, once completed.
    #[serde(default)]
    pub output_url: Option<String>,
    /// Why the render failed.
    #[serde(default)]
    pub error: Option<String>,
    /// Platform that created it.
    #[serde(default)]
    pub platform: Platform,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it reached a terminal state.
    #[serde(default)]
    pub completed_at: Option<DateTime<Utc>>,
}

impl Serialize for Render {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        Render::serialize(self, serializer)
    }
}

impl<'de> Deserialize<'de> for Render {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        // `renderId` is moved to `id` unless `id` is there too: a plain serde alias would
        // refuse an answer carrying both as a duplicate field.
        let mut fields = serde_json::Map::<String, serde_json::Value>::deserialize(deserializer)?;
        if let Some(render_id) = fields.remove("renderId") {
            fields.entry("id").or_insert(render_id);
        }
        Render::deserialize(serde_json::Value::Object(fields)).map_err(D::Error::custom)
    }
}

/// `POST /renders` as JSON (the multipart form carries the same fields, with the image as a file
/// part named `image`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateRenderJson {
    /// Base64 of the image bytes.
    pub uploaded_image_data: String,
    /// MIME type (`image/png`, `image/jpeg`, `image/webp`).
    pub uploaded_image_type: String,
    /// Prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// Quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Aspect ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Project id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// URL that receives a signed delivery when the render ends.
    #[serde(
        default,
        alias = "callback_url",
        skip_serializing_if = "Option::is_none"
    )]
    pub callback_url: Option<String>,
}

/// Names of the multipart form fields of `POST /renders`.
pub mod form {
    /// The image file part.
    pub const IMAGE: &str = "image";
    /// Prompt text.
    pub const PROMPT: &str = "prompt";
    /// Style.
    pub const STYLE: &str = "style";
    /// Quality.
    pub const QUALITY: &str = "quality";
    /// Aspect ratio.
    pub const ASPECT_RATIO: &str = "aspectRatio";
    /// Project id.
    pub const PROJECT_ID: &str = "projectId";
    /// Callback URL.
    pub const CALLBACK_URL: &str = "callbackUrl";
}

/// A page of results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    /// Items of this page.
    pub items: Vec<T>,
    /// 1-based page number.
    pub page: u32,
    /// Page size.
    pub limit: u32,
    /// Total items.
    pub total: u64,
    /// `true` when a later page exists.
    pub has_more: bool,
}

/// A project.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Project {
    /// Project id.
    pub id: String,
    /// Name.
    pub name: String,
    /// URL-safe unique slug.
    pub slug: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Platform that created it.
    #[serde(default)]
    pub platform: Platform,
    /// Creation time.
    pub created_at: DateTime<Utc>,
}

/// `POST /projects` body.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreateProjectRequest {
    /// Name.
    pub name: String,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Credit balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Credits {
    /// Credits available now.
    pub balance: i64,
    /// Credits ever granted.
    pub total_earned: i64,
    /// Credits ever spent (net of refunds).
    pub total_spent: i64,
}

/// Kind of ledger entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum TransactionType {
    /// Credits granted.
    Grant,
    /// Credits spent on a render.
    Spend,
    /// Credits returned for a failed or cancelled render.
    Refund,
}

/// One entry of the credit ledger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CreditTransaction {
    /// Entry id.
    pub id: String,
    /// Signed amount: positive for grants and refunds, negative for spends.
    pub amount: i64,
    /// Kind.
    #[serde(rename = "type")]
    pub kind: TransactionType,
    /// Render id or other reference.
    #[serde(default)]
    pub reference_id: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Balance after this entry.
    pub balance_after: i64,
    /// Time.
    pub created_at: DateTime<Utc>,
}

/// User settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Settings {
    /// Default style for new renders.
    pub default_style: String,
    /// Default quality.
    pub default_quality: Quality,
    /// Default aspect ratio.
    pub default_aspect_ratio: String,
    /// Default project.
    #[serde(default)]
    pub default_project_id: Option<String>,
    /// Send webhook deliveries for renders.
    pub notify_on_complete: bool,
}

/// `PATCH /settings` body: only the given fields change.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct SettingsUpdate {
    /// New default style.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_style: Option<String>,
    /// New default quality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_quality: Option<Quality>,
    /// New default aspect ratio.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_aspect_ratio: Option<String>,
    /// New default project.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default_project_id: Option<String>,
    /// Notification switch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notify_on_complete: Option<bool>,
}

/// `GET /health` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Health {
    /// `"ok"` or `"degraded"`.
    pub status: String,
    /// Server version.
    pub version: String,
    /// `"ok"` when the database answered.
    pub database: String,
    /// `true`: `GET /renders/{id}?wait=` long-polls.
    #[serde(default)]
    pub long_poll: bool,
    /// Server time.
    pub time: DateTime<Utc>,
}

/// A render event's delivery body (Standard Webhooks payload shape), as the server sends it.
/// A receiver reads deliveries as an [`Event`], which also takes bodies of any other shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct WebhookEvent {
    /// Event type, see [`events`].
    #[serde(rename = "type")]
    pub kind: String,
    /// When the event happened.
    pub timestamp: DateTime<Utc>,
    /// The render the event is about.
    pub data: Render,
}

/// A verified webhook delivery, typed as far as its body allows.
///
/// A correctly signed delivery is never refused for its content: a Renderiq render event
/// becomes [`Event::Render`]; any other JSON body (an event type this SDK does not know, a
/// render without an `id`, a test ping) is kept whole as [`Event::Other`]. Unknown fields are
/// ignored. Serialises back to the body's own shape.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::types::Event;
///
/// let event: Event = serde_json::from_str(r#"{"type":"account.updated","data":{}}"#).unwrap();
/// assert_eq!(event.kind(), Some("account.updated"));
/// assert!(event.render().is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum Event {
    /// A render event: its `data` is a [`Render`]. `kind` may be a type this SDK does not know.
    Render(Box<WebhookEvent>),
    /// Any other JSON body, as received.
    Other(serde_json::Value),
}

impl Event {
    /// Reads a parsed JSON body: a render event when it has that shape, else the body itself.
    ///
    /// ```
    /// use renderiq_sdk::types::Event;
    ///
    /// let event = Event::from_json(serde_json::json!({"test": 2432232314u64}));
    /// assert_eq!(event.kind(), None);
    /// ```
    pub fn from_json(value: serde_json::Value) -> Self {
        match WebhookEvent::deserialize(&value) {
            Ok(event) => Self::Render(Box::new(event)),
            Err(_) => Self::Other(value),
        }
    }

    /// The event type (`"render.completed"`, …): the body's `type` when it is a string.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Self::Render(e) => Some(&e.kind),
            Self::Other(v) => v.get("type").and_then(serde_json::Value::as_str),
        }
    }

    /// When the event happened: the body's `timestamp` when it is an RFC 3339 time.
    pub fn timestamp(&self) -> Option<DateTime<Utc>> {
        match self {
            Self::Render(e) => Some(e.timestamp),
            Self::Other(v) => v
                .get("timestamp")
                .and_then(serde_json::Value::as_str)
                .and_then(|t| DateTime::parse_from_rfc3339(t).ok())
                .map(|t| t.with_timezone(&Utc)),
        }
    }

    /// The render event, when the body is one.
    pub fn render_event(&self) -> Option<&WebhookEvent> {
        match self {
            Self::Render(e) => Some(e),
            Self::Other(_) => None,
        }
    }

    /// The render the event is about, when the body is a render event.
    pub fn render(&self) -> Option<&Render> {
        self.render_event().map(|e| &e.data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_round_trip_through_their_wire_spelling() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }

    #[test]
    fn unknown_platform_deserializes_as_other() {
        let p: Platform = serde_json::from_str("\"maya\"").unwrap();
        assert_eq!(p, Platform::Other);
    }

    const USER: &str = r#"{"id":"u1","email":"ada@example.com"}"#;

    #[test]
    fn sign_in_answer_is_read_in_snake_case_as_the_original_service_sends_it() {
        let body = format!(
            r#"{{"access_token":"at","refresh_token":"rt","token_type":"bearer",
                 "expires_at":"2026-01-01T00:00:00Z","user":{USER}}}"#
        );
        let s: AuthSession = serde_json::from_str(&body).unwrap();
        assert_eq!(s.access_token, "at");
        assert_eq!(s.refresh_token, "rt");
        assert_eq!(s.token_type, "bearer");
        assert_eq!(s.expires_at.to_rfc3339(), "2026-01-01T00:00:00+00:00");
        assert_eq!(s.user.id, "u1");
        assert_eq!(s.user.created_at, None);
    }

    #[test]
    fn sign_in_answer_is_read_in_camel_case_and_written_back_in_it() {
        let body = format!(
            r#"{{"accessToken":"at","refreshToken":"rt","expiresAt":"2026-01-01T00:00:00Z",
                 "user":{USER}}}"#
        );
        let s: AuthSession = serde_json::from_str(&body).unwrap();
        assert_eq!(
            (s.access_token.as_str(), s.refresh_token.as_str()),
            ("at", "rt")
        );
        assert_eq!(s.token_type, "Bearer");
        let written = serde_json::to_value(&s).unwrap();
        assert_eq!(written["accessToken"], "at");
        assert_eq!(written["expiresAt"], "2026-01-01T00:00:00Z");
        let again: AuthSession = serde_json::from_value(written).unwrap();
        assert_eq!(again, s);
    }

    #[test]
    fn sign_in_expiry_may_be_unix_seconds_or_seconds_from_now() {
        for expiry in [r#""expires_at":1767225600"#, r#""expires_at":"1767225600""#] {
            let body =
                format!(r#"{{"access_token":"a","refresh_token":"r",{expiry},"user":{USER}}}"#);
            let s: AuthSession = serde_json::from_str(&body).unwrap();
            assert_eq!(
                s.expires_at.to_rfc3339(),
                "2026-01-01T00:00:00+00:00",
                "{expiry}"
            );
        }
        for expiry in [r#""expires_in":3600"#, r#""expiresIn":3600"#] {
            let before = Utc::now();
            let body =
                format!(r#"{{"access_token":"a","refresh_token":"r",{expiry},"user":{USER}}}"#);
            let s: AuthSession = serde_json::from_str(&body).unwrap();
            let after = Utc::now();
            let hour = chrono::Duration::hours(1);
            let slack = chrono::Duration::milliseconds(1);
            assert!(s.expires_at >= before + hour - slack && s.expires_at <= after + hour + slack);
        }
    }

    #[test]
    fn sign_in_answer_without_any_expiry_is_refused_with_the_reason() {
        let body = format!(r#"{{"access_token":"a","refresh_token":"r","user":{USER}}}"#);
        let e = serde_json::from_str::<AuthSession>(&body).unwrap_err();
        assert!(e.to_string().contains("expiresAt"), "{e}");
        let body = format!(
            r#"{{"access_token":"a","refresh_token":"r","expires_at":"soon","user":{USER}}}"#
        );
        let e = serde_json::from_str::<AuthSession>(&body).unwrap_err();
        assert!(e.to_string().contains("\"soon\""), "{e}");
    }

    fn render_json(id_fields: &str) -> String {
        format!(
            r#"{{{id_fields},"status":"pending","style":"clay","quality":"high",
                "aspectRatio":"16:9","creditsCost":10,"createdAt":"2025-01-01T00:00:00Z",
                "updatedAt":"2025-01-01T00:00:00Z"}}"#
        )
    }

    #[test]
    fn render_id_is_read_from_render_id_and_written_as_id() {
        let r: Render = serde_json::from_str(&render_json(r#""renderId":"rnd_1""#)).unwrap();
        assert_eq!(r.id, "rnd_1");
        let written = serde_json::to_value(&r).unwrap();
        assert_eq!(written["id"], "rnd_1");
        assert!(written.get("renderId").is_none());
        assert_eq!(serde_json::from_value::<Render>(written).unwrap(), r);
    }

    #[test]
    fn render_with_both_id_and_render_id_keeps_id() {
        let r: Render =
            serde_json::from_str(&render_json(r#""id":"rnd_a","renderId":"rnd_b""#)).unwrap();
        assert_eq!(r.id, "rnd_a");
        let e = serde_json::from_str::<Render>(&render_json(r#""other":1"#)).unwrap_err();
        assert!(e.to_string().contains("missing field `id`"), "{e}");
    }

    #[test]
    fn session_debug_hides_tokens() {
        let s = AuthSession {
            access_token: "secret-access".into(),
            refresh_token: "secret-refresh".into(),
            token_type: "Bearer".into(),
            expires_at: Utc::now(),
            user: User {
                id: "u".into(),
                email: "a@b.c".into(),
                name: None,
                created_at: Some(Utc::now()),
            },
        };
        let dbg = format!("{s:?}");
        assert!(!dbg.contains("secret-"), "{dbg}");
    }
}
