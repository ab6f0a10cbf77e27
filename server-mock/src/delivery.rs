//! Webhook deliveries: `render.completed`, `render.failed` and `render.cancelled` events go to
//! every active webhook of the user subscribed to the event, and to the render's own
//! `callbackUrl`.
//!
//! The body is a [`WebhookEvent`]; the headers are Standard Webhooks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), signed with the
//! webhook's secret, or for a `callbackUrl` with the user's callback secret
//! (`GET /webhooks/callback-secret`). The message id stays the same across retries. A failed
//! attempt (no answer, or not 2xx) is retried after `--webhook-retry-base-ms`, doubling each time,
//! up to `--webhook-max-attempts`; every attempt is recorded in `webhook_deliveries`. A
//! webhook whose deliveries fail `--webhook-max-failures` times in a row is disabled; a success
//! resets the count. Retries in flight are not resumed after a restart. A user whose
//! `notifyOnComplete` setting is off gets no deliveries.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use renderiq_sdk::types::{Render, WebhookEvent};
use renderiq_sdk::webhooks::{signature_headers, Webhook as Signer};
use tokio_util::sync::CancellationToken;

use crate::config::Config;
use crate::db::Db;
use crate::http::webhooks::{self as store, Attempt};
use crate::http::{auth, new_id, settings, ApiError};

/// Sends webhook deliveries in the background. Cheap to clone.
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
}

struct Job {
    webhook_id: Option<String>,
    user_id: String,
    render_id: String,
    url: String,
    secret: String,
    event: &'static str,
    message_id: String,
    payload: Arc<Vec<u8>>,
}

impl Deliverer {
    /// A deliverer configured from the server's flags.
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
            }),
        })
    }

    /// Announces the end of a render; returns at once, deliveries run in the background.
    pub fn render_finished(
        &self,
        event: &'static str,
        user_id: &str,
        callback_url: Option<String>,
        render: Render,
    ) {
        let this = self.clone();
        let user_id = user_id.to_owned();
        tokio::spawn(async move {
            if let Err(e) = this.fan_out(event, user_id, callback_url, render).await {
                tracing::error!(error = %e, "webhook fan-out failed");
            }
        });
    }

    async fn fan_out(
        &self,
        event: &'static str,
        user_id: String,
        callback_url: Option<String>,
        render: Render,
    ) -> Result<(), ApiError> {
        let uid = user_id.clone();
        let (notify, targets, callback_secret) = self
            .inner
            .db
            .read(move |conn| {
                Ok::<_, ApiError>((
                    settings::load(conn, &uid)?.notify_on_complete,
                    store::targets(conn, &uid, event)?,
                    auth::callback_secret(conn, &uid)?,
                ))
            })
            .await?;
        if !notify {
            return Ok(());
        }
        let payload = Arc::new(
            serde_json::to_vec(&WebhookEvent {
                kind: event.to_owned(),
                timestamp: Utc::now(),
                data: render.clone(),
            })
            .map_err(ApiError::internal)?,
        );
        let message_id = new_id("msg");
        let mut jobs: Vec<Job> = targets
            .into_iter()
            .map(|t| Job {
                webhook_id: Some(t.webhook_id),
                user_id: user_id.clone(),
                render_id: render.id.clone(),
                url: t.url,
                secret: t.secret,
                event,
                message_id: message_id.clone(),
                payload: payload.clone(),
            })
            .collect();
        if let (Some(url), Some(secret)) = (callback_url, callback_secret) {
            jobs.push(Job {
                webhook_id: None,
                user_id,
                render_id: render.id.clone(),
                url,
                secret,
                event,
                message_id,
                payload,
            });
        }
        for job in jobs {
            let this = self.clone();
            tokio::spawn(async move { this.deliver(job).await });
        }
        Ok(())
    }

    async fn deliver(&self, job: Job) {
        let inner = &self.inner;
        let signer = match Signer::new(&job.secret) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(url = %job.url, error = %e, "unusable webhook secret");
                return;
            }
        };
        let mut delivered = false;
        for attempt in 1..=inner.max_attempts {
            let timestamp = Utc::now().timestamp();
            let mut request = inner
                .client
                .post(&job.url)
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(job.payload.as_ref().clone());
            for (name, value) in
                signature_headers(&signer, &job.message_id, timestamp, &job.payload)
            {
                request = request.header(name, value);
            }
            let (status_code, error) = match request.send().await {
                Ok(response) => {
                    let status = response.status();
                    (
                        Some(status.as_u16()),
                        (!status.is_success()).then(|| format!("answered {status}")),
                    )
                }
                Err(e) => (None, Some(format!("{e}"))),
            };
            let success = error.is_none();
            let record = Attempt {
                webhook_id: job.webhook_id.clone(),
                user_id: job.user_id.clone(),
                render_id: job.render_id.clone(),
                url: job.url.clone(),
                event: job.event,
                message_id: job.message_id.clone(),
                attempt,
                status_code,
                error,
                success,
            };
            let recorded = inner
                .db
                .write(move |tx| store::record_attempt(tx, &record).map_err(ApiError::from))
                .await;
            if let Err(e) = recorded {
                tracing::error!(error = %e, "recording a delivery attempt failed");
            }
            if success {
                delivered = true;
                break;
            }
            tracing::info!(url = %job.url, attempt, "webhook delivery failed");
            if attempt < inner.max_attempts {
                let delay = inner.retry_base.saturating_mul(1 << (attempt - 1).min(16));
                tokio::select! {
                    () = tokio::time::sleep(delay) => {}
                    () = inner.shutdown.cancelled() => return,
                }
            }
        }
        if let Some(webhook_id) = job.webhook_id {
            let max_failures = inner.max_failures;
            let result = inner
                .db
                .write(move |tx| {
                    store::record_outcome(tx, &webhook_id, delivered, max_failures)
                        .map_err(ApiError::from)
                })
                .await;
            match result {
                Ok(true) => {
                    tracing::warn!(url = %job.url, "webhook disabled after repeated failures")
                }
                Ok(false) => {}
                Err(e) => tracing::error!(error = %e, "recording a delivery outcome failed"),
            }
        }
    }
}
