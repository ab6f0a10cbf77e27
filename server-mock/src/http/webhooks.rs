//! `/webhooks`: register, list, delete, and the callback signing secret. Registrations are kept
//! by [`crate::store::webhooks`]; deliveries are sent by [`crate::delivery`].

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::Router;
use chrono::Utc;
use renderiq_sdk::types::{
    events, Ack, CallbackSecret, CreatedWebhook, ErrorBody, RegisterWebhookRequest, Webhook,
};

use super::extract::{ApiJson, ApiPath, Auth, ManageWebhooks};
use super::{new_id, ok, ApiError, ApiResult, AppState};
use crate::outbound::Policy;
use crate::store;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks/register", post(create_webhook))
        .route("/webhooks", get(list_webhooks))
        .route("/webhooks/callback-secret", get(get_callback_secret))
        .route("/webhooks/{id}", delete(delete_webhook))
}

/// Register a webhook. The `whsec_` signing secret is in this answer only. The URL's host must
/// not be, or resolve to, an internal address (loopback, private, link-local, CGNAT, …) unless
/// the server runs with `--allow-private-webhooks`; a user has at most
/// `--max-webhooks-per-user` webhooks.
#[utoipa::path(
    post, path = "/api/plugins/webhooks/register", tag = "webhooks",
    security(("bearer" = []), ("apiKey" = ["webhooks:manage"])),
    request_body = RegisterWebhookRequest,
    responses(
        (status = 200, description = "Registered; `secret` is shown once", body = renderiq_sdk::types::Envelope<CreatedWebhook>),
        (status = 400, description = "INVALID_INPUT: not an http(s) URL, an unknown event, or a URL whose host is or resolves to a loopback, private, link-local or other internal address (allowed only by a server started with `--allow-private-webhooks`)", body = ErrorBody),
        (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorBody),
        (status = 409, description = "CONFLICT: the user already has the most webhooks allowed (`--max-webhooks-per-user`, default 20)", body = ErrorBody),
    )
)]
pub async fn create_webhook(
    State(state): State<AppState>,
    auth: Auth<ManageWebhooks>,
    ApiJson(request): ApiJson<RegisterWebhookRequest>,
) -> ApiResult<CreatedWebhook> {
    let mut details = BTreeMap::new();
    let url = request.url.trim().to_owned();
    let policy = Policy::new(state.config.allow_private_webhooks);
    if let Err(e) = policy.check_target(&url).await {
        details.insert("url".to_owned(), e);
    }
    let mut subscribed: Vec<String> = Vec::new();
    for event in &request.events {
        if !events::ALL.contains(&event.as_str()) {
            details.insert(
                "events".to_owned(),
                format!("unknown event {event:?}; known: {}", events::ALL.join(", ")),
            );
        } else if !subscribed.contains(event) {
            subscribed.push(event.clone());
        }
    }
    if request.events.is_empty() {
        details.insert(
            "events".to_owned(),
            "subscribe to at least one event".to_owned(),
        );
    }
    ApiError::check_fields(details)?;

    let secret = renderiq_sdk::webhooks::generate_secret();
    let webhook = Webhook {
        id: new_id("wh"),
        url,
        events: subscribed,
        active: true,
        failure_count: 0,
        created_at: Utc::now(),
        last_delivery_at: None,
    };
    let max = state.config.max_webhooks_per_user;
    store::webhooks::register(&state.store, &auth.user_id, &webhook, &secret, max).await?;
    ok(CreatedWebhook { secret, webhook })
}

/// The caller's webhooks, newest first, with their delivery health.
#[utoipa::path(
    get, path = "/api/plugins/webhooks", tag = "webhooks",
    security(("bearer" = []), ("apiKey" = ["webhooks:manage"])),
    responses(
        (status = 200, description = "Webhooks", body = renderiq_sdk::types::Envelope<Vec<Webhook>>),
        (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorBody),
    )
)]
pub async fn list_webhooks(
    State(state): State<AppState>,
    auth: Auth<ManageWebhooks>,
) -> ApiResult<Vec<Webhook>> {
    let webhooks = store::webhooks::list(&state.store, &auth.user_id).await?;
    ok(webhooks)
}

/// Delete a webhook; no further deliveries are made to it.
#[utoipa::path(
    delete, path = "/api/plugins/webhooks/{id}", tag = "webhooks",
    security(("bearer" = []), ("apiKey" = ["webhooks:manage"])),
    params(("id" = String, Path, description = "Webhook id")),
    responses(
        (status = 200, description = "Deleted", body = renderiq_sdk::types::Envelope<Ack>),
        (status = 404, description = "NOT_FOUND (also another user's webhook)", body = ErrorBody),
    )
)]
pub async fn delete_webhook(
    State(state): State<AppState>,
    auth: Auth<ManageWebhooks>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Ack> {
    let deleted = store::webhooks::delete(&state.store, &auth.user_id, &id).await?;
    if !deleted {
        return Err(ApiError::not_found("webhook"));
    }
    ok(Ack { ok: true })
}

/// The secret that signs deliveries to the caller's render `callbackUrl`s (Standard Webhooks,
/// like registered webhooks). One per user, created with the account.
#[utoipa::path(
    get, path = "/api/plugins/webhooks/callback-secret", tag = "webhooks",
    security(("bearer" = []), ("apiKey" = ["webhooks:manage"])),
    responses(
        (status = 200, description = "The callback signing secret", body = renderiq_sdk::types::Envelope<CallbackSecret>),
        (status = 403, description = "INSUFFICIENT_SCOPE", body = ErrorBody),
    )
)]
pub async fn get_callback_secret(
    State(state): State<AppState>,
    auth: Auth<ManageWebhooks>,
) -> ApiResult<CallbackSecret> {
    let secret = store::users::callback_secret(&state.store, &auth.user_id)
        .await?
        .ok_or_else(|| ApiError::AuthRequired("user no longer exists".to_owned()))?;
    ok(CallbackSecret { secret })
}
