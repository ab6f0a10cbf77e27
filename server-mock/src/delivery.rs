//! Webhook deliveries: `render.completed`, `render.failed` and `render.cancelled` events go to
//! every active webhook of the user subscribed to the event, and to the render's own
//! `callbackUrl`.
//!
//! The body is a [`WebhookEvent`]; the headers are Standard Webhooks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), signed with the
//! webhook's secret, or for a `callbackUrl` with the user's callback secret
//! (`GET /webhooks/callback-secret`).
//!
//! Deliveries are durable. [`enqueue`] writes them to the `webhook_outbox` table in the same
//! transaction that ends the render, so a crash cannot lose an event; the [`Deliverer`] sends
//! what is due and keeps the message id across retries and restarts. A failed attempt (no
//! answer, or not 2xx) is retried after `--webhook-retry-base-ms`, doubling each time, up to
//! `--webhook-max-attempts`; every attempt is recorded in `webhook_deliveries`. A webhook whose
//! deliveries fail `--webhook-max-failures` times in a row is disabled; a success resets the
//! count. A webhook deleted or disabled meanwhile gets no further attempt. A user whose
//! `notifyOnComplete` setting is off gets no deliveries.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use renderiq_sdk::types::WebhookEvent;
use renderiq_sdk::webhooks::{signature_headers, Webhook as Signer};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::Notify;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::db::Db;
use crate::http::renders::RenderRow;
use crate::http::webhooks::{self as store, Attempt};
use crate::http::{auth, new_id, settings, ApiError};

/// Longest the pump sleeps without looking at the outbox (a safety net for missed wake-ups).
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// Queues the deliveries announcing the end of `row`, in the caller's transaction. Returns how
/// many were queued; call [`Deliverer::wake`] once the transaction has committed.
///
/// # Errors
///
/// The database failed, or the event could not be serialized.
pub(crate) fn enqueue(
    conn: &Connection,
    event: &'static str,
    row: &RenderRow,
    public_url: &str,
) -> rusqlite::Result<usize> {
    if !settings::load(conn, &row.user_id)?.notify_on_complete {
        return Ok(0);
    }
    let mut targets: Vec<(Option<String>, String)> = store::targets(conn, &row.user_id, event)?
        .into_iter()
        .map(|t| (Some(t.webhook_id), t.url))
        .collect();
    if let Some(url) = &row.callback_url {
        targets.push((None, url.clone()));
    }
    if targets.is_empty() {
        return Ok(0);
    }
    let payload = serde_json::to_vec(&WebhookEvent {
        kind: event.to_owned(),
        timestamp: Utc::now(),
        data: row.clone().into_render(public_url),
    })
    .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
    let message_id = new_id("msg");
    let now = Utc::now();
    for (webhook_id, url) in &targets {
        conn.execute(
            "INSERT INTO webhook_outbox
                 (id, webhook_id, user_id, render_id, url, event_type, message_id, payload,
                  attempts, next_attempt_at, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, ?9, ?10)",
            params![
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
struct Job {
    id: String,
    webhook_id: Option<String>,
    user_id: String,
    render_id: String,
    url: String,
    event: String,
    message_id: String,
    payload: Vec<u8>,
    attempts: u32,
    next_attempt_at: i64,
}

/// Sends the queued webhook deliveries in the background. Cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    db: Db,
    retry_base: Duration,
    max_attempts: u32,
    max_failures: u32,
    shutdown: CancellationToken,
    wake: Notify,
    /// Outbox rows with an attempt under way, so the pump does not start a second one.
    in_flight: Mutex<HashSet<String>>,
}

impl Deliverer {
    /// A deliverer configured from the server's flags; [`start`](Self::start) runs it.
    ///
    /// # Errors
    ///
    /// The HTTP client cannot be built.
    pub fn new(config: &Config, db: Db, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(config.webhook_timeout_ms.max(1)))
            .user_agent(concat!("Renderiq-Webhooks/", env!("CARGO_PKG_VERSION")))
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                db,
                retry_base: Duration::from_millis(config.webhook_retry_base_ms),
                max_attempts: config.webhook_max_attempts.max(1),
                max_failures: config.webhook_max_failures.max(1),
                shutdown,
                wake: Notify::new(),
                in_flight: Mutex::default(),
            }),
        })
    }

    /// Starts sending: what is due now (deliveries a previous run left unfinished included), then
    /// each delivery when it falls due, until shutdown.
    pub fn start(&self) -> JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move { this.pump().await })
    }

    /// Tells the deliverer that new deliveries were queued.
    pub fn wake(&self) {
        self.inner.wake.notify_one();
    }

    async fn pump(self) {
        let inner = &self.inner;
        loop {
            let now = Utc::now().timestamp_millis();
            let next_due = match inner
                .db
                .read(|conn| queued(conn).map_err(ApiError::from))
                .await
            {
                Ok(jobs) => self.launch_due(jobs, now),
                Err(e) => {
                    tracing::error!(error = %e, "reading the webhook outbox failed");
                    None
                }
            };
            let sleep = next_due
                .map(|due| Duration::from_millis(due.saturating_sub(now).max(0).unsigned_abs()))
                .unwrap_or(IDLE_CHECK)
                .min(IDLE_CHECK);
            tokio::select! {
                () = inner.wake.notified() => {}
                () = tokio::time::sleep(sleep) => {}
                () = inner.shutdown.cancelled() => break,
            }
        }
    }

    /// Starts an attempt for every due job not already under way; returns when the next one is
    /// due (Unix ms), if any.
    fn launch_due(&self, jobs: Vec<Job>, now: i64) -> Option<i64> {
        let mut next_due = None;
        let mut in_flight = self
            .inner
            .in_flight
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for job in jobs {
            if in_flight.contains(&job.id) {
                continue;
            }
            if job.next_attempt_at > now {
                next_due =
                    Some(next_due.map_or(job.next_attempt_at, |d: i64| d.min(job.next_attempt_at)));
                continue;
            }
            in_flight.insert(job.id.clone());
            let this = self.clone();
            tokio::spawn(async move {
                let id = job.id.clone();
                this.attempt(job).await;
                this.inner
                    .in_flight
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .remove(&id);
                // The job's next attempt (if any) changes when the pump should look again.
                this.wake();
            });
        }
        next_due
    }

    /// One attempt at `job`, recorded with its consequence for the outbox and the webhook in one
    /// transaction.
    async fn attempt(&self, job: Job) {
        let inner = &self.inner;
        let (id, attempts) = (job.id.clone(), job.attempts);
        let (webhook_id, user_id) = (job.webhook_id.clone(), job.user_id.clone());
        let lookup = inner
            .db
            .read(move |conn| -> Result<Lookup, ApiError> {
                // The pump may have read the row before an attempt that just ended updated it.
                let current: Option<u32> = conn
                    .query_row(
                        "SELECT attempts FROM webhook_outbox WHERE id = ?1",
                        [&id],
                        |r| r.get(0),
                    )
                    .optional()?;
                if current != Some(attempts) {
                    return Ok(Lookup::Stale);
                }
                Ok(
                    match signing_secret(conn, webhook_id.as_deref(), &user_id)? {
                        Some(secret) => Lookup::Send(secret),
                        None => Lookup::Gone,
                    },
                )
            })
            .await;
        let secret = match lookup {
            Ok(Lookup::Send(secret)) => secret,
            Ok(Lookup::Stale) => return,
            Ok(Lookup::Gone) => {
                // The webhook was deleted or disabled since: nothing more to send.
                let id = job.id.clone();
                let _ = inner
                    .db
                    .write(move |tx| drop_job(tx, &id).map_err(ApiError::from))
                    .await;
                return;
            }
            Err(e) => {
                tracing::error!(error = %e, "looking up a webhook secret failed");
                return;
            }
        };
        let signer = match Signer::new(&secret) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(url = %job.url, error = %e, "unusable webhook secret");
                return;
            }
        };
        let timestamp = Utc::now().timestamp();
        let mut request = inner
            .client
            .post(&job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(job.payload.clone());
        for (name, value) in signature_headers(&signer, &job.message_id, timestamp, &job.payload) {
            request = request.header(name, value);
        }
        let sent = tokio::select! {
            sent = request.send() => sent,
            // Left in the outbox: the next start resumes it.
            () = inner.shutdown.cancelled() => return,
        };
        let (status_code, error) = match sent {
            Ok(response) => {
                let status = response.status();
                (
                    Some(status.as_u16()),
                    (!status.is_success()).then(|| format!("answered {status}")),
                )
            }
            Err(e) => (None, Some(format!("{e}"))),
        };
        let attempt = job.attempts + 1;
        let success = error.is_none();
        if !success {
            tracing::info!(url = %job.url, attempt, "webhook delivery failed");
        }
        let finished = success || attempt >= inner.max_attempts;
        let retry_at = Utc::now().timestamp_millis()
            + i64::try_from(
                inner
                    .retry_base
                    .saturating_mul(1 << (attempt - 1).min(16))
                    .as_millis(),
            )
            .unwrap_or(i64::MAX / 2);
        let record = Attempt {
            webhook_id: job.webhook_id.clone(),
            user_id: job.user_id.clone(),
            render_id: job.render_id.clone(),
            url: job.url.clone(),
            event: job.event.clone(),
            message_id: job.message_id.clone(),
            attempt,
            status_code,
            error,
            success,
        };
        let (job_id, webhook_id, max_failures) =
            (job.id.clone(), job.webhook_id.clone(), inner.max_failures);
        let disabled = inner
            .db
            .write(move |tx| -> Result<bool, ApiError> {
                store::record_attempt(tx, &record)?;
                if !finished {
                    tx.execute(
                        "UPDATE webhook_outbox SET attempts = ?1, next_attempt_at = ?2 WHERE id = ?3",
                        params![attempt, retry_at, job_id],
                    )?;
                    return Ok(false);
                }
                drop_job(tx, &job_id)?;
                match webhook_id {
                    Some(id) => Ok(store::record_outcome(tx, &id, success, max_failures)?),
                    None => Ok(false),
                }
            })
            .await;
        match disabled {
            Ok(true) => tracing::warn!(url = %job.url, "webhook disabled after repeated failures"),
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "recording a delivery attempt failed"),
        }
    }
}

/// What an attempt finds when it starts.
enum Lookup {
    /// Due, signed with this secret.
    Send(String),
    /// Already attempted by another task since the pump read it.
    Stale,
    /// Its webhook was deleted or disabled: drop it.
    Gone,
}

/// Every queued delivery, soonest first.
fn queued(conn: &Connection) -> rusqlite::Result<Vec<Job>> {
    let mut stmt = conn.prepare(
        "SELECT id, webhook_id, user_id, render_id, url, event_type, message_id, payload,
                attempts, next_attempt_at
         FROM webhook_outbox ORDER BY next_attempt_at, rowid",
    )?;
    let rows = stmt.query_map([], |r| {
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
            next_attempt_at: r.get(9)?,
        })
    })?;
    rows.collect()
}

/// The secret that signs a delivery: the webhook's while it is active, else (for a callback URL)
/// the user's callback secret. `None` when there is nothing left to deliver to.
fn signing_secret(
    conn: &Connection,
    webhook_id: Option<&str>,
    user_id: &str,
) -> rusqlite::Result<Option<String>> {
    match webhook_id {
        Some(id) => conn
            .query_row(
                "SELECT secret FROM webhooks WHERE id = ?1 AND active = 1",
                [id],
                |r| r.get(0),
            )
            .optional(),
        None => auth::callback_secret(conn, user_id),
    }
}

fn drop_job(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute("DELETE FROM webhook_outbox WHERE id = ?1", [id])?;
    Ok(())
}
