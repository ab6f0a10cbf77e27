//! Settings: the `user_settings` table (a user's render defaults).

use super::sql::{args, Conn};
use super::{projects, Error, Result, Store};
use renderiq_sdk::types::{Quality, Settings, SettingsUpdate};

/// Settings of a user who never changed them.
pub fn defaults() -> Settings {
    Settings {
        default_style: "photorealistic".to_owned(),
        default_quality: Quality::High,
        default_aspect_ratio: "16:9".to_owned(),
        default_project_id: None,
        notify_on_complete: true,
    }
}

/// The user's settings ([`defaults`] until changed).
///
/// # Errors
///
/// The database failed.
pub async fn load(store: &Store, user_id: &str) -> Result<Settings> {
    let user_id = user_id.to_owned();
    store.read(move |conn| load_in(conn, &user_id)).await
}

/// Applies `update` to the user's settings in one transaction; returns them as stored. An empty
/// `defaultProjectId` clears it.
///
/// # Errors
///
/// [`Error::NotFound`]`("project")` when the default project is not one of the user's, or a
/// database failure.
pub async fn update(store: &Store, user_id: &str, update: SettingsUpdate) -> Result<Settings> {
    let user_id = user_id.to_owned();
    store
        .write(move |tx| {
            // Read, change, write back: one update per user at a time.
            tx.lock_user(&user_id)?;
            let mut settings = load_in(tx, &user_id)?;
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
                } else if projects::belongs_to_in(tx, &project, &user_id)? {
                    settings.default_project_id = Some(project);
                } else {
                    return Err(Error::NotFound("project"));
                }
            }
            if let Some(notify) = update.notify_on_complete {
                settings.notify_on_complete = notify;
            }
            tx.execute(
                "INSERT INTO user_settings
                     (user_id, default_style, default_quality, default_aspect_ratio, default_project_id, notify_on_complete)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (user_id) DO UPDATE SET
                     default_style = excluded.default_style,
                     default_quality = excluded.default_quality,
                     default_aspect_ratio = excluded.default_aspect_ratio,
                     default_project_id = excluded.default_project_id,
                     notify_on_complete = excluded.notify_on_complete",
                args![
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
        .await
}

pub(super) fn load_in(conn: &Conn<'_>, user_id: &str) -> Result<Settings> {
    Ok(conn
        .query_opt(
            "SELECT default_style, default_quality, default_aspect_ratio, default_project_id, notify_on_complete
             FROM user_settings WHERE user_id = ?1",
            args![user_id],
        )?
        .map(|r| -> Result<_> {
            Ok(Settings {
                default_style: r.get(0)?,
                default_quality: r.get::<String>(1)?.parse().unwrap_or_default(),
                default_aspect_ratio: r.get(2)?,
                default_project_id: r.get(3)?,
                notify_on_complete: r.get(4)?,
            })
        })
        .transpose()?
        .unwrap_or_else(defaults))
}
