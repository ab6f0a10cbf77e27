//! `/projects`: list and create, kept by [`crate::store::projects`].

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::get;
use axum::Router;
use renderiq_sdk::types::{CreateProjectRequest, ErrorBody, Project};

use super::extract::{ApiJson, Auth, ReadProjects, WriteProjects};
use super::{ok, ApiError, ApiResult, AppState};
use crate::store;

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
    let projects = store::projects::list(&state.store, &auth.user_id).await?;
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
    let project = store::projects::create(
        &state.store,
        &auth.user_id,
        &name,
        &slugify(&name),
        description,
        auth.telemetry.platform,
    )
    .await?;
    ok(project)
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
