//! Projects, which group renders.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::Platform;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

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
