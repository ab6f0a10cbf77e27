//! Webhooks: the `webhooks` table (registrations) and `webhook_deliveries` (every attempt).

use super::sql::{args, Conn};
use super::{json_list, json_text, new_id, Error, Result, Store};
use chrono::Utc;
use renderiq_sdk::types::Webhook;

/// Registers `webhook` for the user, signed with `secret`, unless they already have `max`.
///
/// # Errors
///
/// [`Error::WebhookLimit`] at the limit, or a database failure.
pub async fn register(
    store: &Store,
    user_id: &str,
    webhook: &Webhook,
    secret: &str,
    max: u32,
) -> Result<()> {
    let (row, user_id, secret) = (webhook.clone(), user_id.to_owned(), secret.to_owned());
    store
        .write(move |tx| {
            // Counted, then added to: one registration per user at a time.
            tx.lock_user(&user_id)?;
            let registered: u32 = tx.query_value(
                "SELECT COUNT(*) FROM webhooks WHERE user_id = ?1",
                args![user_id],
            )?;
            if registered >= max {
                return Err(Error::WebhookLimit { registered, max });
            }
            tx.execute(
                "INSERT INTO webhooks (id, user_id, url, events, secret, active, failure_count, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, 0, ?6)",
                args![
                    row.id,
                    user_id,
                    row.url,
                    json_text(&row.events),
                    secret,
                    row.created_at
                ],
            )?;
            Ok(())
        })
        .await
}

/// The user's webhooks, newest first.
///
/// # Errors
///
/// The database failed.
pub async fn list(store: &Store, user_id: &str) -> Result<Vec<Webhook>> {
    let user_id = user_id.to_owned();
    store
        .read(move |conn| {
            conn.query(
                "SELECT id, url, events, active, failure_count, created_at, last_delivery_at
                 FROM webhooks WHERE user_id = ?1 ORDER BY rowid DESC",
                args![user_id],
            )?
            .iter()
            .map(|r| {
                Ok(Webhook {
                    id: r.get(0)?,
                    url: r.get(1)?,
                    events: json_list(&r.get::<String>(2)?),
                    active: r.get(3)?,
                    failure_count: r.get(4)?,
                    created_at: r.get(5)?,
                    last_delivery_at: r.get(6)?,
                })
            })
            .collect()
        })
        .await
}

/// Deletes the user's webhook `id`; `false` when there is none.
///
/// # Errors
///
/// The database failed.
pub async fn delete(store: &Store, user_id: &str, id: &str) -> Result<bool> {
    let (user_id, id) = (user_id.to_owned(), id.to_owned());
    store
        .write(move |tx| {
            let changed = tx.execute(
                "DELETE FROM webhooks WHERE id = ?1 AND user_id = ?2",
                args![id, user_id],
            )?;
            Ok(changed > 0)
        })
        .await
}

/// An active webhook subscribed to an event.
#[derive(Debug, Clone)]
pub(super) struct Target {
    pub webhook_id: String,
    pub url: String,
}

/// The user's active webhooks subscribed to `event`, oldest first.
pub(super) fn targets_in(conn: &Conn<'_>, user_id: &str, event: &str) -> Result<Vec<Target>> {
    let rows = conn.query(
        "SELECT id, url, events FROM webhooks WHERE user_id = ?1 AND active = 1 ORDER BY rowid",
        args![user_id],
    )?;
    let mut out = Vec::new();
    for r in rows {
        if json_list(&r.get::<String>(2)?).iter().any(|e| e == event) {
            out.push(Target {
                webhook_id: r.get(0)?,
                url: r.get(1)?,
            });
        }
    }
    Ok(out)
}

/// The secret of webhook `id` while it is active.
pub(super) fn active_secret_in(conn: &Conn<'_>, id: &str) -> Result<Option<String>> {
    conn.query_opt(
        "SELECT secret FROM webhooks WHERE id = ?1 AND active = 1",
        args![id],
    )?
    .map(|r| r.get(0))
    .transpose()
}

/// One delivery attempt, as recorded in `webhook_deliveries`.
#[derive(Debug, Clone)]
pub struct Attempt {
    /// The webhook, `None` for a render's own `callbackUrl`.
    pub webhook_id: Option<String>,
    /// The render's owner.
    pub user_id: String,
    /// The render announced.
    pub render_id: String,
    /// The target.
    pub url: String,
    /// The event type.
    pub event: String,
    /// The `webhook-id`, the same on every attempt of one delivery.
    pub message_id: String,
    /// 1 for the first attempt.
    pub attempt: u32,
    /// The target's answer, if it answered.
    pub status_code: Option<u16>,
    /// Why the attempt failed.
    pub error: Option<String>,
    /// Answered 2xx.
    pub success: bool,
    /// From sending to the answer's head, when it was sent.
    pub latency_ms: Option<i64>,
    /// The start of the answer's body (at most 512 characters), when it answered.
    pub response_excerpt: Option<String>,
    /// The `webhook-timestamp` signed, when it was sent.
    pub signed_timestamp: Option<i64>,
    /// The `webhook-signature` sent.
    pub signature: Option<String>,
    /// The body sent (kept for a replay).
    pub payload: Vec<u8>,
}

pub(super) fn record_attempt_in(conn: &Conn<'_>, a: &Attempt) -> Result<()> {
    conn.execute(
        "INSERT INTO webhook_deliveries
             (id, webhook_id, user_id, render_id, url, event_type, message_id, attempt, status_code, error, success, created_at,
              latency_ms, response_excerpt, signed_timestamp, signature, payload)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        args![
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
            Utc::now(),
            a.latency_ms,
            a.response_excerpt,
            a.signed_timestamp,
            a.signature,
            a.payload
        ],
    )?;
    Ok(())
}

/// Records a finished delivery's outcome on its webhook: a success resets the failure count, a
/// failure adds one and disables the webhook at `max_failures`. `true` when it was disabled now.
pub(super) fn record_outcome_in(
    conn: &Conn<'_>,
    webhook_id: &str,
    success: bool,
    max_failures: u32,
) -> Result<bool> {
    let now = Utc::now();
    if success {
        conn.execute(
            "UPDATE webhooks SET failure_count = 0, last_delivery_at = ?1 WHERE id = ?2",
            args![now, webhook_id],
        )?;
        return Ok(false);
    }
    let disabled = conn.execute(
        "UPDATE webhooks SET failure_count = failure_count + 1, last_delivery_at = ?1,
             active = CASE WHEN failure_count + 1 >= ?2 THEN 0 ELSE active END
         WHERE id = ?3 AND active = 1 AND failure_count + 1 >= ?2",
        args![now, max_failures.max(1), webhook_id],
    )?;
    if disabled == 0 {
        conn.execute(
            "UPDATE webhooks SET failure_count = failure_count + 1, last_delivery_at = ?1 WHERE id = ?2",
            args![now, webhook_id],
        )?;
    }
    Ok(disabled > 0)
}
