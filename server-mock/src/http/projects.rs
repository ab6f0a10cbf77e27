//! `/projects`: list and create. Owns the `projects` table.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use chrono::Utc;
use renderiq_sdk::types::{CreateProjectRequest, ErrorBody, Platform, Project};
use rusqlite::{params, Connection, OptionalExtension};

use super::extract::{ApiJson, Auth, ReadProjects, WriteProjects};
use super::{new_id, ok, ApiError, ApiResult, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/projects", get(list_projects).post(create_project))
}

/// The caller's projects, newest first.
#[utoipa::path(
    get, path = "/api/plugins/projects", tag = "projects",
    security(("bearer" = []), ("apiKey" = ["projects:read"])),
    responses(
        (status = 200, description = "Projects", body = renderiq_sdk::types::Envelope<Vec<Project>>),
        (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorBody),
    )
)]
pub async fn list_projects(
    State(state): State<AppState>,
    auth: Auth<ReadProjects>,
) -> ApiResult<Vec<Project>> {
    let user_id = auth.user_id.clone();
    let projects = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {COLUMNS} FROM projects WHERE user_id = ?1 ORDER BY rowid DESC"
            ))?;
            let rows = stmt.query_map([user_id], project_from_row)?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(ApiError::from)
        })
        .await?;
    ok(projects)
}

/// Create a project; its slug is derived from the name, unique per user (`-2`, `-3`, … on a clash).
#[utoipa::path(
    post, path = "/api/plugins/projects", tag = "projects",
    security(("bearer" = []), ("apiKey" = ["projects:write"])),
    request_body = CreateProjectRequest,
    responses(
        (status = 200, description = "Created", body = renderiq_sdk::types::Envelope<Project>),
        (status = 400, description = "INVALID_INPUT", body = ErrorBody),
    )
)]
pub async fn create_project(
    State(state): State<AppState>,
    auth: Auth<WriteProjects>,
    ApiJson(request): ApiJson<CreateProjectRequest>,
) -> ApiResult<Project> {
    let name = request.name.trim().to_owned();
    let description = request
        .description
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty());
    let mut details = BTreeMap::new();
    if name.is_empty() || name.chars().count() > 200 {
        details.insert("name".to_owned(), "must be 1 to 200 characters".to_owned());
    }
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > 2000)
    {
        details.insert(
            "description".to_owned(),
            "must be at most 2000 characters".to_owned(),
        );
    }
    ApiError::check_fields(details)?;
    let user_id = auth.user_id.clone();
    let platform = auth.telemetry.platform;
    let project = state
        .db
        .write(move |tx| insert(tx, &user_id, &name, description, platform).map_err(ApiError::from))
        .await?;
    ok(project)
}

const COLUMNS: &str = "id, name, slug, description, platform, created_at";

fn project_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Project> {
    Ok(Project {
        id: r.get(0)?,
        name: r.get(1)?,
        slug: r.get(2)?,
        description: r.get(3)?,
        platform: r.get::<_, String>(4)?.parse().unwrap_or_default(),
        created_at: r.get(5)?,
    })
}

fn insert(
    conn: &Connection,
    user_id: &str,
    name: &str,
    description: Option<String>,
    platform: Platform,
) -> rusqlite::Result<Project> {
    let base = slugify(name);
    let mut slug = base.clone();
    let mut n = 1;
    while conn
        .query_row(
            "SELECT 1 FROM projects WHERE user_id = ?1 AND slug = ?2",
            params![user_id, slug],
            |_| Ok(()),
        )
        .optional()?
        .is_some()
    {
        n += 1;
        slug = format!("{base}-{n}");
    }
    let project = Project {
        id: new_id("prj"),
        name: name.to_owned(),
        slug,
        description,
        platform,
        created_at: Utc::now(),
    };
    conn.execute(
        "INSERT INTO projects (id, user_id, name, slug, description, platform, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
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
}

/// `true` when the project exists and belongs to the user.
pub(crate) fn belongs_to(
    conn: &Connection,
    project_id: &str,
    user_id: &str,
) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM projects WHERE id = ?1 AND user_id = ?2)",
        params![project_id, user_id],
        |r| r.get(0),
    )
}

/// Lower-case ASCII letters and digits joined by single dashes; `project` when nothing is left.
fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 60 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-').to_owned();
    if slug.is_empty() {
        "project".to_owned()
    } else {
        slug
    }
}

#[cfg(test)]
mod tests {
    use super::slugify;

    #[test]
    fn names_become_url_safe_slugs() {
        assert_eq!(slugify("Villa Rotonda  (v2)!"), "villa-rotonda-v2");
        assert_eq!(slugify("  --  "), "project");
        assert_eq!(slugify("Ünïcode Haus"), "n-code-haus");
    }
}
