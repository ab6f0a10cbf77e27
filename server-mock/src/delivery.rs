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
//! what is due and keeps the message id across retries and restarts. A claimed delivery is
//! leased (hidden from further claims) for longer than an attempt can take, so a crash in the
//! middle of an attempt delays its retry by at most the lease. A failed attempt (no
//! answer, or not 2xx) is retried after `--webhook-retry-base-ms`, doubling each time, up to
//! `--webhook-max-attempts`; every attempt is recorded in `webhook_deliveries`. A webhook whose
//! deliveries fail `--webhook-max-failures` times in a row is disabled; a success resets the
//! count. A webhook deleted or disabled meanwhile gets no further attempt. A user whose
//! `notifyOnComplete` setting is off gets no deliveries.
//!
//! Every attempt obeys the [`outbound`] policy: unless the server runs with
//! `--allow-private-webhooks`, a target that is (or resolves to) an internal address is refused
//! before any connection is made, and the client connects only to the addresses it checked. A
//! refused delivery is recorded as a failed attempt with the reason and not retried, so the
//! outcome says nothing about whether something answers at that address. At most
//! `--webhook-concurrency` attempts are in flight at once; the client follows no redirect and
//! uses no proxy. Logs show a target only [redacted](outbound::redact) (no credentials, no query).

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use renderiq_sdk::types::WebhookEvent;
use renderiq_sdk::webhooks::{signature_headers, Webhook as Signer};
use rusqlite::{params, Connection, OptionalExtension};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cdn::CdnLinks;
use crate::config::Config;
use crate::db::Db;
use crate::http::renders::RenderRow;
use crate::http::webhooks::{self as store, Attempt};
use crate::http::{auth, new_id, settings, ApiError};
use crate::outbound::{self, Policy};

/// Longest the pump sleeps without looking at the outbox (a safety net for missed wake-ups).
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// Most deliveries claimed at once; the pump comes back at once for more.
const CLAIM_BATCH: usize = 64;

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
    links: &CdnLinks,
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
        data: row.clone().into_render(links),
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
}

/// Sends the queued webhook deliveries in the background. Cheap to clone.
#[derive(Clone)]
pub struct Deliverer {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    policy: Policy,
    /// One permit per delivery attempt in flight (`--webhook-concurrency`).
    permits: Arc<Semaphore>,
    db: Db,
    retry_base: Duration,
    max_attempts: u32,
    max_failures: u32,
    shutdown: CancellationToken,
    wake: Notify,
    /// How long a claimed delivery stays invisible to the pump: longer than one attempt can
    /// take. An attempt cut short by a crash is retried once it expires.
    lease: Duration,
}

impl Deliverer {
    /// A deliverer configured from the server's flags; [`start`](Self::start) runs it.
    ///
    /// # Errors
    ///
    /// The HTTP client cannot be built.
    pub fn new(config: &Config, db: Db, shutdown: CancellationToken) -> anyhow::Result<Self> {
        let policy = Policy::new(config.allow_private_webhooks);
        let client = crate::tls::client_builder()?
            .timeout(Duration::from_millis(config.webhook_timeout_ms.max(1)))
            .user_agent(concat!("Renderiq-Webhooks/", env!("CARGO_PKG_VERSION")))
            // A redirect would lead to a target nobody checked.
            .redirect(reqwest::redirect::Policy::none())
            // Through a proxy, the proxy would resolve and connect, unchecked.
            .no_proxy()
            .dns_resolver(policy.resolver())
            .build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                policy,
                permits: Arc::new(Semaphore::new(config.webhook_concurrency.max(1))),
                db,
                retry_base: Duration::from_millis(config.webhook_retry_base_ms),
                max_attempts: config.webhook_max_attempts.max(1),
                max_failures: config.webhook_max_failures.max(1),
                shutdown,
                wake: Notify::new(),
                lease: Duration::from_millis(config.webhook_timeout_ms.max(1))
                    + Duration::from_secs(5),
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
            // Claim only as many deliveries as may be attempted now, so a claimed delivery's
            // lease never runs out while it waits for a permit. The pump is the only task taking
            // permits: the ones available now stay available until it takes them.
            let first = tokio::select! {
                permit = inner.permits.clone().acquire_owned() => permit,
                () = inner.shutdown.cancelled() => break,
            };
            let Ok(first) = first else { break };
            let room = (inner.permits.available_permits() + 1).min(CLAIM_BATCH);
            let lease = i64::try_from(inner.lease.as_millis()).unwrap_or(i64::MAX / 2);
            let claimed = inner
                .db
                .write(move |tx| claim_due(tx, lease, room).map_err(ApiError::from))
                .await;
            let full_batch = match claimed {
                Ok(jobs) => {
                    let full = jobs.len() == room;
                    let mut first = Some(first);
                    for job in jobs {
                        let permit = match first.take() {
                            Some(permit) => permit,
                            None => match inner.permits.clone().acquire_owned().await {
                                Ok(permit) => permit,
                                Err(_) => return,
                            },
                        };
                        let this = self.clone();
                        tokio::spawn(async move {
                            this.attempt(job, permit).await;
                            // Its next attempt may be due before the pump would look again.
                            this.wake();
                        });
                    }
                    full
                }
                Err(e) => {
                    tracing::error!(error = %e, "claiming webhook deliveries failed");
                    false
                }
            };
            if full_batch {
                continue;
            }
            let next_due = inner
                .db
                .read(|conn| next_due(conn).map_err(ApiError::from))
                .await
                .unwrap_or_else(|e| {
                    tracing::error!(error = %e, "reading the webhook outbox failed");
                    None
                });
            let now = Utc::now().timestamp_millis();
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

    /// One attempt at `job`, recorded with its consequence for the outbox and the webhook in one
    /// transaction. Holds `_permit`, its share of `--webhook-concurrency`, until done.
    async fn attempt(&self, job: Job, _permit: OwnedSemaphorePermit) {
        let inner = &self.inner;
        let (id, attempts) = (job.id.clone(), job.attempts);
        let (webhook_id, user_id) = (job.webhook_id.clone(), job.user_id.clone());
        let lookup = inner
            .db
            .read(move |conn| -> Result<Lookup, ApiError> {
                // Another attempt recorded meanwhile (possible only if a lease ran out): its
                // outcome stands.
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
                tracing::error!(url = %outbound::redact(&job.url), error = %e, "unusable webhook secret");
                return;
            }
        };
        let (status_code, error, refused) = match inner.policy.check_literal(&job.url) {
            Err(refused) => (None, Some(format!("refused: {refused}")), true),
            Ok(()) => match self.send(&job, &signer).await {
                Some(outcome) => outcome,
                // Left in the outbox: the next start resumes it.
                None => return,
            },
        };
        let attempt = job.attempts + 1;
        let success = error.is_none();
        if refused {
            tracing::warn!(
                url = %outbound::redact(&job.url),
                attempt,
                "webhook delivery refused: the target is an internal address (see --allow-private-webhooks)"
            );
        } else if !success {
            tracing::info!(url = %outbound::redact(&job.url), attempt, "webhook delivery failed");
        }
        // A refused target stays refused: no retry.
        let finished = success || refused || attempt >= inner.max_attempts;
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
            Ok(true) => tracing::warn!(
                url = %outbound::redact(&job.url),
                "webhook disabled after repeated failures"
            ),
            Ok(false) => {}
            Err(e) => tracing::error!(error = %e, "recording a delivery attempt failed"),
        }
    }
}

impl Deliverer {
    /// Sends `job` signed by `signer`: the status code and the error (`None` on 2xx) of the
    /// attempt, and whether the policy refused the target (a name resolving to an internal
    /// address). `None` when shutdown interrupted it.
    async fn send(
        &self,
        job: &Job,
        signer: &Signer,
    ) -> Option<(Option<u16>, Option<String>, bool)> {
        let inner = &self.inner;
        let timestamp = Utc::now().timestamp();
        let mut request = inner
            .client
            .post(&job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(job.payload.clone());
        for (name, value) in signature_headers(signer, &job.message_id, timestamp, &job.payload) {
            request = request.header(name, value);
        }
        let sent = tokio::select! {
            sent = request.send() => sent,
            () = inner.shutdown.cancelled() => return None,
        };
        Some(match sent {
            Ok(response) => {
                let status = response.status();
                (
                    Some(status.as_u16()),
                    (!status.is_success()).then(|| format!("answered {status}")),
                    false,
                )
            }
            Err(e) => match outbound::refusal(&e) {
                Some(refused) => (None, Some(format!("refused: {refused}")), true),
                None => (None, Some(describe(e)), false),
            },
        })
    }
}

/// A failed request's error with its causes, without the URL (which may carry credentials).
fn describe(error: reqwest::Error) -> String {
    let error = error.without_url();
    let mut text = error.to_string();
    let mut cause = std::error::Error::source(&error);
    while let Some(e) = cause {
        text.push_str(": ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}

/// What an attempt finds when it starts.
enum Lookup {
    /// Due, signed with this secret.
    Send(String),
    /// Attempted by another task since it was claimed.
    Stale,
    /// Its webhook was deleted or disabled: drop it.
    Gone,
}

/// Takes up to `limit` due deliveries, soonest first, and hides them from the next
/// claims for `lease_ms` (the attempt sets their real next time, or deletes them).
fn claim_due(conn: &Connection, lease_ms: i64, limit: usize) -> rusqlite::Result<Vec<Job>> {
    let now = Utc::now().timestamp_millis();
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let mut stmt = conn.prepare_cached(
        "SELECT id, webhook_id, user_id, render_id, url, event_type, message_id, payload,
                attempts, next_attempt_at
         FROM webhook_outbox WHERE next_attempt_at <= ?1
         ORDER BY next_attempt_at, rowid LIMIT ?2",
    )?;
    let jobs = stmt
        .query_map(params![now, limit], |r| {
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
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    for job in &jobs {
        conn.execute(
            "UPDATE webhook_outbox SET next_attempt_at = ?1 WHERE id = ?2",
            params![now.saturating_add(lease_ms), job.id],
        )?;
    }
    Ok(jobs)
}

/// When the soonest queued delivery is due (Unix ms), if any is queued.
fn next_due(conn: &Connection) -> rusqlite::Result<Option<i64>> {
    conn.query_row("SELECT MIN(next_attempt_at) FROM webhook_outbox", [], |r| {
        r.get(0)
    })
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
