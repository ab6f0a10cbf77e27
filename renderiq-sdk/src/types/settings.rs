//! The user's defaults for new renders.

use serde::{Deserialize, Serialize};

use super::Quality;

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

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
