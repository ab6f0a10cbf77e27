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
                    "SELECT {columns}, u.email, r.metadata, r.attempts
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
                    "SELECT {columns}, u.email, r.metadata, r.attempts
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
