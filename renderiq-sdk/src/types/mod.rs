//! Wire types of the Renderiq plugin API, defined once.
//!
//! Every request and response body the API exchanges is declared here with serde and the API's
//! camelCase field names. The reference server (`server-mock/`) uses these same types, so the
//! contract cannot drift between client and server; with the `openapi` feature the types also
//! derive `utoipa::ToSchema` and the server's OpenAPI document is generated from them.
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
//!
//! One file per resource; every type is re-exported here, so `renderiq_sdk::types::Render` and
//! the rest keep their paths.

#[macro_use]
mod wire_enum;

mod api_key;
mod credits;
mod envelope;
mod health;
mod page;
mod platform;
mod project;
mod render;
mod settings;
pub mod time;
mod user;
mod webhook;

pub use api_key::{scopes, ApiKey, CreateApiKeyRequest, CreatedApiKey};
pub use credits::{CreditTransaction, Credits, TransactionType};
pub use envelope::{Ack, Envelope, ErrorBody, ErrorCode};
pub use health::Health;
pub use page::Page;
pub use platform::Platform;
pub use project::{CreateProjectRequest, Project};
pub use render::{
    form, CreateRenderJson, Quality, Render, RenderStatus, WaitUntil, ASPECT_RATIOS, STYLES,
};
pub use settings::{Settings, SettingsUpdate};
pub use user::{AuthSession, RefreshRequest, SignInRequest, User};
pub use webhook::{
    events, CallbackSecret, CreatedWebhook, Event, RegisterWebhookRequest, Webhook, WebhookEvent,
};

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
