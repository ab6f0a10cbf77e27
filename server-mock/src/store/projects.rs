//! Projects: the `projects` table.

use super::sql::{args, Conn, Row};
use super::{new_id, Result, Store};
use chrono::Utc;
use renderiq_sdk::types::{Platform, Project};

const COLUMNS: &str = "id, name, slug, description, platform, created_at";

fn from_row(r: &Row) -> Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        name: r.get(1)?,
        slug: r.get(2)?,
        description: r.get(3)?,
        platform: r.get::<String>(4)?.parse().unwrap_or_default(),
        created_at: r.get(5)?,
    })
}

/// The user's projects, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(store: &Store, user_id: &str) -> Result<Vec<Project>> {
    let user_id = user_id.to_owned();
    store
        .read(move |conn| {
            conn.query(
                &format!("SELECT {COLUMNS} FROM projects WHERE user_id = ?1 ORDER BY rowid DESC"),
                args![user_id],
            )?
            .iter()
            .map(from_row)
            .collect()
        })
        .await
}

/// Creates a project of the user; its slug is `slug`, made unique among the user's projects
/// with a `-2`, `-3`, … suffix.
///
/// # Errors
///
/// The database failed.
pub async fn create(
    store: &Store,
    user_id: &str,
    name: &str,
    slug: &str,
    description: Option<String>,
    platform: Platform,
) -> Result<Project> {
    let (user_id, name, base) = (user_id.to_owned(), name.to_owned(), slug.to_owned());
    store
        .write(move |conn| {
            // The free slug is read, then taken: one creation per user at a time.
            conn.lock_user(&user_id)?;
            let mut slug = base.clone();
            let mut n = 1;
            while conn
                .query_opt(
                    "SELECT 1 FROM projects WHERE user_id = ?1 AND slug = ?2",
                    args![user_id, slug],
                )?
                .is_some()
            {
                n += 1;
                slug = format!("{base}-{n}");
            }
            let project = Project {
                id: new_id("prj"),
                name,
                slug,
                description,
                platform,
                created_at: Utc::now(),
            };
            conn.execute(
                "INSERT INTO projects (id, user_id, name, slug, description, platform, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                args![
                    project.id,
                    user_id,
                    project.name,
                    project.slug,
                    project.description,
                    project.platform.as_str(),
                    project.created_at
                ],
            )?;
            Ok(project)
        })
        .await
}

pub(super) fn belongs_to_in(conn: &Conn<'_>, project_id: &str, user_id: &str) -> Result<bool> {
    conn.query_value(
        "SELECT EXISTS(SELECT 1 FROM projects WHERE id = ?1 AND user_id = ?2)",
        args![project_id, user_id],
    )
}
