//! API keys: their scopes, creating and listing them.

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

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
