//! The webhook outbox: the `webhook_outbox` table, deliveries not finished yet.
//!
//! A delivery is queued by the store function that ends its render, in the same transaction that ends its render, so no
//! event is lost to a crash; it is deleted when it succeeds or runs out of attempts. A claimed
//! delivery is leased: hidden from further claims until its attempt records the real next time.

use std::sync::Arc;

use super::sql::{args, Conn};
use chrono::Utc;

use super::renders::RenderRow;
use super::webhooks::{self, Attempt};
use super::{new_id, settings, users, Result, Store};

/// Builds the body of the event `event` (`render.completed`, …) announcing `row`. The store
/// calls it inside the transaction that ends the render, once per event queued.
pub type EventBody = Arc<dyn Fn(&str, &RenderRow) -> serde_json::Result<Vec<u8>> + Send + Sync>;

/// Queues the deliveries announcing `event` of `row`, in the caller's transaction: one per active
/// webhook of the user subscribed to it and one to the render's `callbackUrl`, all with one
/// message id; none when the user's `notifyOnComplete` is off. Returns how many were queued.
pub(super) fn enqueue_in(
    conn: &Conn<'_>,
    event: &str,
    row: &RenderRow,
    body: &EventBody,
) -> Result<usize> {
    if !settings::load_in(conn, &row.user_id)?.notify_on_complete {
        return Ok(0);
    }
    let mut targets: Vec<(Option<String>, String)> =
        webhooks::targets_in(conn, &row.user_id, event)?
            .into_iter()
            .map(|t| (Some(t.webhook_id), t.url))
            .collect();
    if let Some(url) = &row.callback_url {
        targets.push((None, url.clone()));
    }
    if targets.is_empty() {
        return Ok(0);
    }
    let payload = body(event, row)?;
    let message_id = new_id("msg");
    let now = Utc::now();
    for (webhook_id, url) in &targets {
        conn.execute(
            "INSERT INTO webhook_outbox
                 (id, webhook_id, user_id, render_id, url, event_type, message_id, payload,
                  attempts, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10)",
            args![
                new_id("job"),
                webhook_id,
                row.user_id,
                row.id,
                url,
                event,
                message_id,
                payload,
                now.timestamp_millis(),
                now
            ],
        )?;
    }
    Ok(targets.len())
}

/// One queued delivery, as read from the outbox.
#[derive(Debug, Clone)]
pub struct Job {
    /// The outbox row.
    pub id: String,
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
    /// The `webhook-id`, the same on every attempt.
    pub message_id: String,
    /// The event body.
    pub payload: Vec<u8>,
    /// Attempts made so far.
    pub attempts: u32,
}

/// Takes up to `limit` due deliveries, soonest first, and hides them from the next claims for
/// `lease_ms` (the attempt sets their real next time, or deletes them).
///
/// # Errors
///
/// The database failed.
pub async fn claim_due(store: &Store, lease_ms: i64, limit: usize) -> Result<Vec<Job>> {
    store
        .write(move |conn| {
            let now = Utc::now().timestamp_millis();
            let limit = i64::try_from(limit).unwrap_or(i64::MAX);
            // Servers sharing a PostgreSQL database skip each other's claims in progress; the
            // lease written below then hides the rows from every later claim.
            let jobs = conn
                .query(
                    &format!(
                        "SELECT id, webhook_id, user_id, render_id, url, event_type, message_id,
                                payload, attempts, next_attempt_at
                         FROM webhook_outbox WHERE next_attempt_at <= ?1
                         ORDER BY next_attempt_at, rowid LIMIT ?2{}",
                        conn.skip_locked()
                    ),
                    args![now, limit],
                )?
                .iter()
                .map(|r| {
                    Ok(Job {
                        id: r.get(0)?,
                        webhook_id: r.get(1)?,
                        user_id: r.get(2)?,
                        render_id: r.get(3)?,
                        url: r.get(4)?,
                        event: r.get(5)?,
                        message_id: r.get(6)?,
                        payload: r.get(7)?,
                        attempts: r.get(8)?,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            for job in &jobs {
                conn.execute(
                    "UPDATE webhook_outbox SET next_attempt_at = ?1 WHERE id = ?2",
                    args![now.saturating_add(lease_ms), job.id],
                )?;
            }
            Ok(jobs)
        })
        .await
}

/// When the soonest queued delivery is due (Unix ms), if any is queued.
///
/// # Errors
///
/// The database failed.
pub async fn next_due(store: &Store) -> Result<Option<i64>> {
    store
        .read(|conn| conn.query_value("SELECT MIN(next_attempt_at) FROM webhook_outbox", args![]))
        .await
}

/// What an attempt finds when it starts.
#[derive(Debug)]
pub enum Lookup {
    /// Due, to be signed with this secret.
    Send(String),
    /// Attempted by another task since it was claimed (possible only if a lease ran out): its
    /// outcome stands.
    Stale,
    /// Its webhook was deleted or disabled (or its user deleted): nothing more to send.
    Gone,
}

/// Looks up `job` before an attempt: still at the attempt count it was claimed with, and the
/// secret that signs it (the webhook's while it is active, else for a callback URL the user's
/// callback secret).
///
/// # Errors
///
/// The database failed.
pub async fn lookup(store: &Store, job: &Job) -> Result<Lookup> {
    let (id, attempts) = (job.id.clone(), job.attempts);
    let (webhook_id, user_id) = (job.webhook_id.clone(), job.user_id.clone());
    store
        .read(move |conn| {
            let current: Option<u32> = conn
                .query_opt(
                    "SELECT attempts FROM webhook_outbox WHERE id = ?1",
                    args![id],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if current != Some(attempts) {
                return Ok(Lookup::Stale);
            }
            let secret = match webhook_id.as_deref() {
                Some(id) => webhooks::active_secret_in(conn, id)?,
                None => users::callback_secret_in(conn, &user_id)?,
            };
            Ok(secret.map_or(Lookup::Gone, Lookup::Send))
        })
        .await
}

/// Takes delivery `id` off the queue.
///
/// # Errors
///
/// The database failed.
pub async fn remove(store: &Store, id: &str) -> Result<()> {
    let id = id.to_owned();
    store.write(move |tx| remove_in(tx, &id)).await
}

fn remove_in(conn: &Conn<'_>, id: &str) -> Result<()> {
    conn.execute("DELETE FROM webhook_outbox WHERE id = ?1", args![id])?;
    Ok(())
}

/// What follows an attempt.
#[derive(Debug, Clone, Copy)]
pub enum Next {
    /// Try again at this time (Unix ms).
    RetryAt(i64),
    /// Done (delivered, refused, or out of attempts): off the queue, and counted on the webhook
    /// (a webhook failing `max_failures` times in a row is disabled).
    Finished {
        /// Consecutive failures that disable a webhook.
        max_failures: u32,
    },
}

/// Records attempt `attempt` of delivery `job_id` and what follows it, in one transaction.
/// `true` when the attempt disabled its webhook. Nothing is recorded when the delivery has
/// moved on since it was claimed (another server's attempt after this one's lease ran out, in
/// a server paused for longer than the lease): that attempt's outcome stands.
///
/// # Errors
///
/// The database failed.
pub async fn record(store: &Store, job_id: &str, attempt: Attempt, next: Next) -> Result<bool> {
    let job_id = job_id.to_owned();
    store
        .write(move |tx| {
            let current: Option<u32> = tx
                .query_opt(
                    &format!(
                        "SELECT attempts FROM webhook_outbox WHERE id = ?1{}",
                        tx.for_update()
                    ),
                    args![job_id],
                )?
                .map(|r| r.get(0))
                .transpose()?;
            if current.map(|n| n.saturating_add(1)) != Some(attempt.attempt) {
                tracing::warn!(delivery = %job_id, "a delivery attempt ended after another took its place; not recorded");
                return Ok(false);
            }
            webhooks::record_attempt_in(tx, &attempt)?;
            match next {
                Next::RetryAt(at) => {
                    tx.execute(
                        "UPDATE webhook_outbox SET attempts = ?1, next_attempt_at = ?2 WHERE id = ?3",
                        args![attempt.attempt, at, job_id],
                    )?;
                    Ok(false)
                }
                Next::Finished { max_failures } => {
                    remove_in(tx, &job_id)?;
                    match &attempt.webhook_id {
                        Some(id) => {
                            webhooks::record_outcome_in(tx, id, attempt.success, max_failures)
                        }
                        None => Ok(false),
                    }
                }
            }
        })
        .await
}
