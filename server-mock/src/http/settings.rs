//! `/settings`: the caller's render defaults. Owns the `user_settings` table.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use renderiq_sdk::types::{ErrorBody, Quality, Settings, SettingsUpdate, ASPECT_RATIOS, STYLES};
use rusqlite::{params, Connection, OptionalExtension};

use super::extract::{ApiJson, Auth, ReadSettings, WriteSettings};
use super::{ok, projects, ApiError, ApiResult, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/settings", get(get_settings).patch(update_settings))
}

/// Settings of a user who never changed them.
pub(crate) fn defaults() -> Settings {
    Settings {
        default_style: "photorealistic".to_owned(),
        default_quality: Quality::High,
        default_aspect_ratio: "16:9".to_owned(),
        default_project_id: None,
        notify_on_complete: true,
    }
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
    let user_id = auth.user_id.clone();
    ok(state
        .db
        .read(move |conn| load(conn, &user_id).map_err(ApiError::from))
        .await?)
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
    let user_id = auth.user_id.clone();
    let settings = state
        .db
        .write(move |tx| {
            let mut settings = load(tx, &user_id)?;
            if let Some(style) = update.default_style {
                settings.default_style = style;
            }
            if let Some(quality) = update.default_quality {
                settings.default_quality = quality;
            }
            if let Some(ratio) = update.default_aspect_ratio {
                settings.default_aspect_ratio = ratio;
            }
            if let Some(project) = update.default_project_id {
                if project.is_empty() {
                    settings.default_project_id = None;
                } else if projects::belongs_to(tx, &project, &user_id)? {
                    settings.default_project_id = Some(project);
                } else {
                    return Err(ApiError::invalid("defaultProjectId", "no such project"));
                }
            }
            if let Some(notify) = update.notify_on_complete {
                settings.notify_on_complete = notify;
            }
            tx.execute(
                "INSERT OR REPLACE INTO user_settings
                     (user_id, default_style, default_quality, default_aspect_ratio, default_project_id, notify_on_complete)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    user_id,
                    settings.default_style,
                    settings.default_quality.as_str(),
                    settings.default_aspect_ratio,
                    settings.default_project_id,
                    settings.notify_on_complete
                ],
            )?;
            Ok(settings)
        })
        .await?;
    ok(settings)
}

/// The user's settings, or the defaults.
pub(crate) fn load(conn: &Connection, user_id: &str) -> rusqlite::Result<Settings> {
    Ok(conn
        .query_row(
            "SELECT default_style, default_quality, default_aspect_ratio, default_project_id, notify_on_complete
             FROM user_settings WHERE user_id = ?1",
            [user_id],
            |r| {
                Ok(Settings {
                    default_style: r.get(0)?,
                    default_quality: r.get::<_, String>(1)?.parse().unwrap_or_default(),
                    default_aspect_ratio: r.get(2)?,
                    default_project_id: r.get(3)?,
                    notify_on_complete: r.get(4)?,
                })
            },
        )
        .optional()?
        .unwrap_or_else(defaults))
}
