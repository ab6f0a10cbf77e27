//! The service's health answer.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

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
