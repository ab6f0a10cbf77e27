//! `/settings`: the caller's render defaults, kept by [`crate::store::settings`].

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use renderiq_sdk::types::{ErrorBody, Settings, SettingsUpdate, ASPECT_RATIOS, STYLES};

use super::extract::{ApiJson, Auth, ReadSettings, WriteSettings};
use super::{ok, ApiError, ApiResult, AppState};
use crate::store;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/settings", get(get_settings).patch(update_settings))
}

/// The caller's settings.
#[utoipa::path(
    get, path = "/api/plugins/settings", tag = "settings",
    security(("bearer" = []), ("apiKey" = ["settings:read"])),
    responses(
        (status = 200, description = "Settings", body = renderiq_sdk::types::Envelope<Settings>),
        (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorBody),
    )
)]
pub async fn get_settings(
    State(state): State<AppState>,
    auth: Auth<ReadSettings>,
) -> ApiResult<Settings> {
    ok(store::settings::load(&state.store, &auth.user_id).await?)
}

/// Change some settings; absent fields keep their value, an empty `defaultProjectId` clears it.
#[utoipa::path(
    patch, path = "/api/plugins/settings", tag = "settings",
    security(("bearer" = []), ("apiKey" = ["settings:write"])),
    request_body = SettingsUpdate,
    responses(
        (status = 200, description = "Settings after the change", body = renderiq_sdk::types::Envelope<Settings>),
        (status = 400, description = "INVALID_INPUT", body = ErrorBody),
    )
)]
pub async fn update_settings(
    State(state): State<AppState>,
    auth: Auth<WriteSettings>,
    ApiJson(update): ApiJson<SettingsUpdate>,
) -> ApiResult<Settings> {
    let mut details = BTreeMap::new();
    if let Some(style) = &update.default_style {
        if !STYLES.contains(&style.as_str()) {
            details.insert(
                "defaultStyle".to_owned(),
                format!("use one of {}", STYLES.join(", ")),
            );
        }
    }
    if let Some(ratio) = &update.default_aspect_ratio {
        if !ASPECT_RATIOS.contains(&ratio.as_str()) {
            details.insert(
                "defaultAspectRatio".to_owned(),
                format!("use one of {}", ASPECT_RATIOS.join(", ")),
            );
        }
    }
    ApiError::check_fields(details)?;
    let settings = match store::settings::update(&state.store, &auth.user_id, update).await {
        Err(store::Error::NotFound(_)) => {
            return Err(ApiError::invalid("defaultProjectId", "no such project"))
        }
        updated => updated?,
    };
    ok(settings)
}
