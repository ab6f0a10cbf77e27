//! `/webhooks`: register, list, delete, and the callback signing secret. Owns the `webhooks` and
//! `webhook_deliveries` tables (deliveries themselves are sent by [`crate::delivery`]).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::routing::{delete, get, post};
use axum::Router;
use chrono::Utc;
use renderiq_sdk::types::{
    events, Ack, CallbackSecret, CreatedWebhook, ErrorBody, RegisterWebhookRequest, Webhook,
};
use rusqlite::{params, Connection};

use super::extract::{ApiJson, ApiPath, Auth, ManageWebhooks};
use super::{auth, new_id, ok, ApiError, ApiResult, AppState};
use crate::db::json_list;
use crate::outbound::Policy;

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
    let (row, user_id, stored_secret) = (webhook.clone(), auth.user_id.clone(), secret.clone());
    let max = state.config.max_webhooks_per_user;
    state
        .db
        .write(move |tx| {
            let registered: u32 = tx.query_row(
                "SELECT COUNT(*) FROM webhooks WHERE user_id = ?1",
                [&user_id],
                |r| r.get(0),
            )?;
            if registered >= max {
                return Err(ApiError::Conflict(format!(
                    "you have {registered} webhooks, the most a user may register here \
                     (--max-webhooks-per-user {max}); delete one you no longer need \
                     (DELETE /webhooks/{{id}}) to register another"
                )));
            }
            tx.execute(
                "INSERT INTO webhooks (id, user_id, url, events, secret, active, failure_count, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, ?6)",
                params![
                    row.id,
                    user_id,
                    row.url,
                    serde_json::to_string(&row.events).unwrap_or_default(),
                    stored_secret,
                    row.created_at
                ],
            )
            .map_err(ApiError::from)
        })
        .await?;
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
    let user_id = auth.user_id.clone();
    let webhooks = state
        .db
        .read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT id, url, events, active, failure_count, created_at, last_delivery_at
                 FROM webhooks WHERE user_id = ?1 ORDER BY rowid DESC",
            )?;
            let rows = stmt.query_map([user_id], |r| {
                Ok(Webhook {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    events: json_list(&r.get::<_, String>(2)?),
                    active: r.get(3)?,
                    failure_count: r.get(4)?,
                    created_at: r.get(5)?,
                    last_delivery_at: r.get(6)?,
                })
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()
                .map_err(ApiError::from)
        })
        .await?;
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
    let user_id = auth.user_id.clone();
    let changed = state
        .db
        .write(move |tx| {
            tx.execute(
                "DELETE FROM webhooks WHERE id = ?1 AND user_id = ?2",
                params![id, user_id],
            )
            .map_err(ApiError::from)
        })
        .await?;
    if changed == 0 {
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
    let user_id = auth.user_id.clone();
    let secret = state
        .db
        .read(move |conn| auth::callback_secret(conn, &user_id).map_err(ApiError::from))
        .await?
        .ok_or_else(|| ApiError::AuthRequired("user no longer exists".to_owned()))?;
    ok(CallbackSecret { secret })
}

/// A registered webhook due a delivery.
#[derive(Debug, Clone)]
pub(crate) struct Target {
    pub webhook_id: String,
    pub url: String,
}

/// The user's active webhooks subscribed to `event`.
pub(crate) fn targets(
    conn: &Connection,
    user_id: &str,
    event: &str,
) -> rusqlite::Result<Vec<Target>> {
    let mut stmt = conn.prepare(
        "SELECT id, url, events FROM webhooks WHERE user_id = ?1 AND active = 1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([user_id], |r| {
        Ok((
            Target {
                webhook_id: r.get(0)?,
                url: r.get(1)?,
            },
            json_list(&r.get::<_, String>(2)?),
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (target, events) = row?;
        if events.iter().any(|e| e == event) {
            out.push(target);
        }
    }
    Ok(out)
}

/// One delivery attempt, as recorded.
#[derive(Debug, Clone)]
pub(crate) struct Attempt {
    pub webhook_id: Option<String>,
    pub user_id: String,
    pub render_id: String,
    pub url: String,
    pub event: String,
    pub message_id: String,
    pub attempt: u32,
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub success: bool,
}

/// Appends an attempt to `webhook_deliveries`.
pub(crate) fn record_attempt(conn: &Connection, a: &Attempt) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO webhook_deliveries
             (id, webhook_id, user_id, render_id, url, event_type, message_id, attempt, status_code, error, success, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            new_id("dlv"),
            a.webhook_id,
            a.user_id,
            a.render_id,
            a.url,
            a.event,
            a.message_id,
            a.attempt,
            a.status_code,
            a.error,
            a.success,
            Utc::now()
        ],
    )?;
    Ok(())
}

/// Records the outcome of a whole delivery (all its attempts) on the webhook: success resets the
/// consecutive-failure count; failure increments it and disables the webhook at `max_failures`.
/// Returns `true` when this call disabled it.
pub(crate) fn record_outcome(
    conn: &Connection,
    webhook_id: &str,
    success: bool,
    max_failures: u32,
) -> rusqlite::Result<bool> {
    let now = Utc::now();
    if success {
        conn.execute(
            "UPDATE webhooks SET failure_count = 0, last_delivery_at = ?1 WHERE id = ?2",
            params![now, webhook_id],
        )?;
        return Ok(false);
    }
    let disabled = conn.execute(
        "UPDATE webhooks SET failure_count = failure_count + 1, last_delivery_at = ?1,
             active = CASE WHEN failure_count + 1 >= ?2 THEN 0 ELSE active END
         WHERE id = ?3 AND active = 1 AND failure_count + 1 >= ?2",
        params![now, max_failures.max(1), webhook_id],
    )?;
    if disabled == 0 {
        conn.execute(
            "UPDATE webhooks SET failure_count = failure_count + 1, last_delivery_at = ?1 WHERE id = ?2",
            params![now, webhook_id],
        )?;
    }
    Ok(disabled > 0)
}
