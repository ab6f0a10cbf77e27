//! `/openapi.json`: the OpenAPI 3.1 document, generated from the handlers' `#[utoipa::path]`
//! annotations and the SDK's wire types.

use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{auth, credits, health, keys, projects, renders, settings, webhooks, AppState};

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/openapi.json", get(get_openapi))
}

/// The API description.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Renderiq plugin API",
        description = "The plugin API of Renderiq as implemented by the reference server. Every \
            success is `{\"success\": true, \"data\": …}`; every error is the `ErrorBody` envelope \
            with an `errorCode`, and every response carries `x-request-id`.",
        license(name = "Apache-2.0")
    ),
    paths(
        auth::create_session,
        auth::refresh_session,
        auth::delete_session,
        auth::get_current_user,
        keys::create_key,
        keys::list_keys,
        keys::delete_key,
        webhooks::create_webhook,
        webhooks::list_webhooks,
        webhooks::delete_webhook,
        webhooks::get_callback_secret,
        renders::create_render,
        renders::get_render,
        renders::list_renders,
        renders::cancel_render,
        projects::list_projects,
        projects::create_project,
        credits::get_credits,
        credits::list_transactions,
        settings::get_settings,
        settings::update_settings,
        health::get_health,
        get_openapi,
    ),
    components(schemas(
        renderiq_sdk::types::ErrorBody,
        renderiq_sdk::types::WebhookEvent,
        renderiq_sdk::types::TransactionType,
        renderiq_sdk::types::RenderStatus,
        renderiq_sdk::types::Platform,
        renderiq_sdk::types::Quality,
    )),
    modifiers(&Security),
    tags(
        (name = "auth", description = "Sign-in and tokens"),
        (name = "keys", description = "API keys"),
        (name = "webhooks", description = "Signed event deliveries"),
        (name = "renders", description = "Render jobs"),
        (name = "projects", description = "Projects"),
        (name = "credits", description = "Credit balance and ledger"),
        (name = "settings", description = "Render defaults"),
        (name = "health", description = "Service health"),
    )
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT access token or rq_live_ API key")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "apiKey",
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new(
                renderiq_sdk::types::headers::API_KEY,
            ))),
        );
    }
}

/// This document.
#[utoipa::path(
    get, path = "/api/plugins/openapi.json", tag = "health",
    responses((status = 200, description = "OpenAPI 3 document", content_type = "application/json"))
)]
pub async fn get_openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
