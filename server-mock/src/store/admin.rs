//! What the operator dashboard (`/admin`) reads and changes across every user.

use chrono::{DateTime, Utc};

use super::renders::{RenderRow, COLUMNS};
use super::sql::{args, Conn};
use super::{credits, users, Error, Result, Store};

/// Filters of the render gallery; `None` is any.
#[derive(Debug, Clone, Default)]
pub struct RenderFilter {
    /// An email (any case) of the owner.
    pub email: Option<String>,
    /// A state name (`pending`, `completed`, …).
    pub status: Option<String>,
    /// A platform name (`sketchup`, `blender`, …).
    pub platform: Option<String>,
}

/// A render with what the gallery shows beside it.
#[derive(Debug, Clone)]
pub struct AdminRender {
    /// The render.
    pub row: RenderRow,
    /// Its owner's email.
    pub email: String,
    /// The telemetry headers it was created with (JSON object).
    pub metadata: String,
    /// Claims by workers so far.
    pub attempts: i64,
    /// When a worker first took it.
    pub started_at: Option<DateTime<Utc>>,
}

/// The newest renders of every user matching `filter`, at most `limit`.
///
/// # Errors
///
/// The database failed.
pub async fn renders(store: &Store, filter: RenderFilter, limit: u32) -> Result<Vec<AdminRender>> {
    store
        .read(move |conn| {
            let columns = COLUMNS
                .split(", ")
                .map(|c| format!("r.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            conn.query(
                &format!(
                    "SELECT {columns}, u.email, r.metadata, r.attempts, r.started_at
                     FROM renders r JOIN users u ON u.id = r.user_id
                     WHERE (CAST(?1 AS TEXT) IS NULL OR LOWER(u.email) = LOWER(?1))
                       AND (CAST(?2 AS TEXT) IS NULL OR r.status = ?2)
                       AND (CAST(?3 AS TEXT) IS NULL OR r.platform = ?3)
                     ORDER BY r.created_at DESC, r.id DESC LIMIT ?4"
                ),
                args![
                    filter.email,
                    filter.status,
                    filter.platform,
                    i64::from(limit)
                ],
            )?
            .iter()
            .map(|r| {
                Ok(AdminRender {
                    row: RenderRow::from_row(r)?,
                    email: r.get(18)?,
                    metadata: r.get(19)?,
                    attempts: r.get(20)?,
                    started_at: r.get(21)?,
                })
            })
            .collect()
        })
        .await
}

/// One render of any user, with its owner's email.
///
/// # Errors
///
/// The database failed.
pub async fn render(store: &Store, id: &str) -> Result<Option<AdminRender>> {
    let id = id.to_owned();
    store
        .read(move |conn| {
            let columns = COLUMNS
                .split(", ")
                .map(|c| format!("r.{}", c.trim()))
                .collect::<Vec<_>>()
                .join(", ");
            conn.query_opt(
                &format!(
                    "SELECT {columns}, u.email, r.metadata, r.attempts, r.started_at
                     FROM renders r JOIN users u ON u.id = r.user_id WHERE r.id = ?1"
                ),
                args![id],
            )?
            .map(|r| {
                Ok(AdminRender {
                    row: RenderRow::from_row(&r)?,
                    email: r.get(18)?,
                    metadata: r.get(19)?,
                    attempts: r.get(20)?,
                    started_at: r.get(21)?,
                })
            })
            .transpose()
        })
        .await
}

/// A user with their credits and activity.
#[derive(Debug, Clone)]
pub struct AdminUser {
    /// `usr_…`.
    pub id: String,
    /// Email.
    pub email: String,
    /// Display name.
    pub name: Option<String>,
    /// Credits now.
    pub balance: i64,
    /// Credits granted and refunded in all.
    pub total_earned: i64,
    /// Credits spent in all.
    pub total_spent: i64,
    /// Renders created.
    pub renders: i64,
    /// Refresh-token families not revoked and not expired.
    pub sessions: i64,
    /// API keys not revoked.
    pub keys: i64,
    /// When the account was created.
    pub created_at: DateTime<Utc>,
}

/// Every user, newest first, at most `limit`.
///
/// # Errors
///
/// The database failed.
pub async fn users(store: &Store, limit: u32) -> Result<Vec<AdminUser>> {
    store
        .read(move |conn| {
            let now = Utc::now();
            conn.query(
                "SELECT u.id, u.email, u.name,
                        COALESCE(c.balance, 0), COALESCE(c.total_earned, 0), COALESCE(c.total_spent, 0),
                        (SELECT COUNT(*) FROM renders r WHERE r.user_id = u.id),
                        (SELECT COUNT(DISTINCT t.family_id) FROM refresh_tokens t
                          WHERE t.user_id = u.id AND t.revoked_at IS NULL AND t.expires_at > ?1),
                        (SELECT COUNT(*) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL),
                        u.created_at
                 FROM users u LEFT JOIN user_credits c ON c.user_id = u.id
                 ORDER BY u.created_at DESC, u.id DESC LIMIT ?2",
                args![now, i64::from(limit)],
            )?
            .iter()
            .map(|r| {
                Ok(AdminUser {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    name: r.get(2)?,
                    balance: r.get(3)?,
                    total_earned: r.get(4)?,
                    total_spent: r.get(5)?,
                    renders: r.get(6)?,
                    sessions: r.get(7)?,
                    keys: r.get(8)?,
                    created_at: r.get(9)?,
                })
            })
            .collect()
        })
        .await
}

/// Grants `amount` credits to user `user_id` (a `grant` ledger entry); the balance after.
///
/// # Errors
///
/// [`Error::NotFound`] for an unknown user, [`Error::Overflow`] for a grant the balance cannot
/// hold, or a database failure.
pub async fn grant(store: &Store, user_id: &str, amount: i64, description: &str) -> Result<i64> {
    let (user_id, description) = (user_id.to_owned(), description.to_owned());
    store
        .write(move |tx| {
            ensure_user(tx, &user_id)?;
            credits::grant_in(tx, &user_id, amount, &description)?;
            Ok(credits::balance_in(tx, &user_id)?.balance)
        })
        .await
}

/// Revokes every refresh-token family and every API key of `user_id`: each signed-in plugin must
/// sign in again once its access token (at most `--token-ttl-seconds`) runs out, and the keys stop
/// working at once. The numbers of sessions and keys revoked.
///
/// # Errors
///
/// [`Error::NotFound`] for an unknown user, or a database failure.
pub async fn revoke_access(store: &Store, user_id: &str) -> Result<(u64, u64)> {
    let user_id = user_id.to_owned();
    store
        .write(move |tx| {
            ensure_user(tx, &user_id)?;
            let now = Utc::now();
            let sessions = tx.query_value::<i64>(
                "SELECT COUNT(DISTINCT family_id) FROM refresh_tokens
                 WHERE user_id = ?1 AND revoked_at IS NULL AND expires_at > ?2",
                args![user_id, now],
            )?;
            tx.execute(
                "UPDATE refresh_tokens SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
                args![user_id, now],
            )?;
            let keys = tx.execute(
                "UPDATE api_keys SET revoked_at = ?2 WHERE user_id = ?1 AND revoked_at IS NULL",
                args![user_id, now],
            )?;
            Ok((u64::try_from(sessions).unwrap_or_default(), keys))
        })
        .await
}

fn ensure_user(conn: &Conn<'_>, user_id: &str) -> Result<()> {
    let found: i64 =
        conn.query_value("SELECT COUNT(*) FROM users WHERE id = ?1", args![user_id])?;
    if found == 0 {
        return Err(Error::NotFound("user"));
    }
    Ok(())
}

/// The server's queue and backlog, for the health page.
#[derive(Debug, Clone, Default)]
pub struct Health {
    /// Renders waiting for a worker.
    pub pending: i64,
    /// Renders a worker holds.
    pub processing: i64,
    /// Renders ended, all states.
    pub ended: i64,
    /// Webhook deliveries queued, not yet finished.
    pub outbox: i64,
    /// Of those, the ones already due.
    pub outbox_due: i64,
    /// Users.
    pub users: i64,
}

/// Counts for the health page.
///
/// # Errors
///
/// The database failed.
pub async fn health(store: &Store) -> Result<Health> {
    store
        .read(|conn| {
            let count = |sql: &str| conn.query_value::<i64>(sql, args![]);
            let now = Utc::now().timestamp_millis();
            Ok(Health {
                pending: count("SELECT COUNT(*) FROM renders WHERE status = 'pending'")?,
                processing: count("SELECT COUNT(*) FROM renders WHERE status = 'processing'")?,
                ended: count(
                    "SELECT COUNT(*) FROM renders WHERE status IN ('completed', 'failed', 'cancelled')",
                )?,
                outbox: count("SELECT COUNT(*) FROM webhook_outbox")?,
                outbox_due: conn.query_value(
                    "SELECT COUNT(*) FROM webhook_outbox WHERE next_attempt_at <= ?1",
                    args![now],
                )?,
                users: count("SELECT COUNT(*) FROM users")?,
            })
        })
        .await
}

/// Creates a user with `password_hash` and an optional starting grant, as `user add` does.
///
/// # Errors
///
/// [`Error::Duplicate`] for an email already used, or a database failure.
pub async fn create_user(
    store: &Store,
    email: &str,
    name: Option<&str>,
    password_hash: &str,
    credits: i64,
) -> Result<String> {
    let store2 = store.clone();
    let (email, name, hash) = (
        email.to_owned(),
        name.map(str::to_owned),
        password_hash.to_owned(),
    );
    tokio::task::spawn_blocking(move || {
        users::create_blocking(&store2, &email, name.as_deref(), &hash, credits).map(|u| u.id)
    })
    .await
    .map_err(|e| Error::Database(e.to_string().into()))?
}

/// A registered webhook of any user.
#[derive(Debug, Clone)]
pub struct AdminWebhook {
    /// `wh_…`.
    pub id: String,
    /// Its owner's email.
    pub email: String,
    /// The target.
    pub url: String,
    /// Event types (JSON array).
    pub events: String,
    /// Still delivered to.
    pub active: bool,
    /// Failed deliveries in a row.
    pub failure_count: i64,
    /// The last finished delivery.
    pub last_delivery_at: Option<DateTime<Utc>>,
}

/// Every webhook, newest first, at most `limit`.
///
/// # Errors
///
/// The database failed.
pub async fn webhooks(store: &Store, limit: u32) -> Result<Vec<AdminWebhook>> {
    store
        .read(move |conn| {
            conn.query(
                "SELECT w.id, u.email, w.url, w.events, w.active, w.failure_count, w.last_delivery_at
                 FROM webhooks w JOIN users u ON u.id = w.user_id
                 ORDER BY w.created_at DESC, w.id DESC LIMIT ?1",
                args![i64::from(limit)],
            )?
            .iter()
            .map(|r| {
                Ok(AdminWebhook {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    url: r.get(2)?,
                    events: r.get(3)?,
                    active: r.get(4)?,
                    failure_count: r.get(5)?,
                    last_delivery_at: r.get(6)?,
                })
            })
            .collect()
        })
        .await
}

/// One recorded delivery attempt.
#[derive(Debug, Clone)]
pub struct AdminAttempt {
    /// `dlv_…`.
    pub id: String,
    /// The webhook (`None`: the render's `callbackUrl`).
    pub webhook_id: Option<String>,
    /// The owner's email.
    pub email: String,
    /// The render announced.
    pub render_id: Option<String>,
    /// The target.
    pub url: String,
    /// The event type.
    pub event: String,
    /// The `webhook-id` header.
    pub message_id: String,
    /// 1 for the first attempt of its delivery.
    pub attempt: i64,
    /// The target's status.
    pub status_code: Option<i64>,
    /// Why it failed.
    pub error: Option<String>,
    /// Answered 2xx.
    pub success: bool,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
    /// Time to the answer.
    pub latency_ms: Option<i64>,
    /// The start of the answer.
    pub response_excerpt: Option<String>,
    /// The `webhook-timestamp` header.
    pub signed_timestamp: Option<i64>,
    /// The `webhook-signature` header.
    pub signature: Option<String>,
    /// The body was kept, so it can be replayed.
    pub replayable: bool,
}

/// The newest delivery attempts, at most `limit`.
///
/// # Errors
///
/// The database failed.
pub async fn attempts(store: &Store, limit: u32) -> Result<Vec<AdminAttempt>> {
    store
        .read(move |conn| {
            conn.query(
                "SELECT d.id, d.webhook_id, u.email, d.render_id, d.url, d.event_type, d.message_id,
                        d.attempt, d.status_code, d.error, d.success, d.created_at, d.latency_ms,
                        d.response_excerpt, d.signed_timestamp, d.signature, d.payload IS NOT NULL
                 FROM webhook_deliveries d JOIN users u ON u.id = d.user_id
                 ORDER BY d.created_at DESC, d.id DESC LIMIT ?1",
                args![i64::from(limit)],
            )?
            .iter()
            .map(|r| {
                Ok(AdminAttempt {
                    id: r.get(0)?,
                    webhook_id: r.get(1)?,
                    email: r.get(2)?,
                    render_id: r.get(3)?,
                    url: r.get(4)?,
                    event: r.get(5)?,
                    message_id: r.get(6)?,
                    attempt: r.get(7)?,
                    status_code: r.get(8)?,
                    error: r.get(9)?,
                    success: r.get(10)?,
                    created_at: r.get(11)?,
                    latency_ms: r.get(12)?,
                    response_excerpt: r.get(13)?,
                    signed_timestamp: r.get(14)?,
                    signature: r.get(15)?,
                    replayable: r.get(16)?,
                })
            })
            .collect()
        })
        .await
}

/// What [`replay`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replay {
    /// Queued again under its `webhook-id`.
    Queued {
        /// The `webhook-id` it keeps.
        message_id: String,
    },
    /// Its body was not kept (recorded before replays existed).
    NoPayload,
    /// Its webhook is disabled: re-enable it first.
    Disabled,
}

/// Queues the delivery of attempt `attempt_id` again, same body and same `webhook-id` (a
/// receiver that deduplicates by it sees the same message), as a new delivery whose attempts
/// count from 1.
///
/// # Errors
///
/// [`Error::NotFound`] for an unknown attempt or a deleted webhook, or a database failure.
pub async fn replay(store: &Store, attempt_id: &str) -> Result<Replay> {
    let attempt_id = attempt_id.to_owned();
    store
        .write(move |tx| {
            let Some(row) = tx.query_opt(
                "SELECT webhook_id, user_id, render_id, url, event_type, message_id, payload
                 FROM webhook_deliveries WHERE id = ?1",
                args![attempt_id],
            )?
            else {
                return Err(Error::NotFound("delivery attempt"));
            };
            let webhook_id: Option<String> = row.get(0)?;
            let Some(payload) = row.get::<Option<Vec<u8>>>(6)? else {
                return Ok(Replay::NoPayload);
            };
            let mut url: String = row.get(3)?;
            if let Some(id) = &webhook_id {
                let Some(hook) =
                    tx.query_opt("SELECT active, url FROM webhooks WHERE id = ?1", args![id])?
                else {
                    return Err(Error::NotFound("webhook"));
                };
                if !hook.get::<bool>(0)? {
                    return Ok(Replay::Disabled);
                }
                url = hook.get(1)?;
            }
            let message_id: String = row.get(5)?;
            let now = Utc::now();
            tx.execute(
                "INSERT INTO webhook_outbox
                     (id, webhook_id, user_id, render_id, url, event_type, message_id, payload,
                      attempts, next_attempt_at, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10)",
                args![
                    super::new_id("job"),
                    webhook_id,
                    row.get::<String>(1)?,
                    row.get::<String>(2)?,
                    url,
                    row.get::<String>(4)?,
                    message_id,
                    payload,
                    now.timestamp_millis(),
                    now
                ],
            )?;
            Ok(Replay::Queued { message_id })
        })
        .await
}

/// Re-enables webhook `id` (a disabled one starts again with no failures counted); `false` when
/// there is none.
///
/// # Errors
///
/// The database failed.
pub async fn enable_webhook(store: &Store, id: &str) -> Result<bool> {
    let id = id.to_owned();
    store
        .write(move |tx| {
            Ok(tx.execute(
                "UPDATE webhooks SET active = 1, failure_count = 0 WHERE id = ?1",
                args![id],
            )? > 0)
        })
        .await
}

/// Whether user `id` is an admin.
///
/// # Errors
///
/// The database failed.
pub async fn is_admin(store: &Store, id: &str) -> Result<bool> {
    let id = id.to_owned();
    store
        .read(move |conn| {
            Ok(conn
                .query_opt("SELECT is_admin FROM users WHERE id = ?1", args![id])?
                .map(|r| r.get::<bool>(0))
                .transpose()?
                .unwrap_or(false))
        })
        .await
}

/// Whether any user is an admin (the dashboard is then on without `--admin-token`).
///
/// # Errors
///
/// The database failed.
pub async fn any_admin(store: &Store) -> Result<bool> {
    store
        .read(|conn| {
            Ok(
                conn.query_value::<i64>("SELECT COUNT(*) FROM users WHERE is_admin = 1", args![])?
                    > 0,
            )
        })
        .await
}

/// Makes the user with `email` an admin (or not). Blocking: for the command line.
///
/// # Errors
///
/// [`Error::NotFound`] for an unknown email, or a database failure.
pub fn set_admin_blocking(store: &Store, email: &str, admin: bool) -> Result<()> {
    store.write_blocking(|tx| {
        let Some((user, _)) = users::find_by_email_in(tx, email)? else {
            return Err(Error::NotFound("user"));
        };
        tx.execute(
            "UPDATE users SET is_admin = ?1 WHERE id = ?2",
            args![admin, user.id],
        )?;
        Ok(())
    })
}

/// The id and password hash of the admin user with `email`; `None` when there is no such user or
/// they are not an admin.
///
/// # Errors
///
/// The database failed.
pub async fn admin_credentials(store: &Store, email: &str) -> Result<Option<(String, String)>> {
    let email = email.to_owned();
    store
        .read(move |conn| {
            conn.query_opt(
                "SELECT id, password_hash FROM users WHERE LOWER(email) = LOWER(?1) AND is_admin = 1",
                args![email],
            )?
            .map(|r| Ok((r.get(0)?, r.get(1)?)))
            .transpose()
        })
        .await
}
