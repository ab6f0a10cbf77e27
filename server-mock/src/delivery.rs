//! Webhook deliveries: `render.completed`, `render.failed` and `render.cancelled` events go to
//! every active webhook of the user subscribed to the event, and to the render's own
//! `callbackUrl`.
//!
//! The body is a [`WebhookEvent`]; the headers are Standard Webhooks (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature: v1,<base64 HMAC-SHA256>`), signed with the
//! webhook's secret, or for a `callbackUrl` with the user's callback secret
//! (`GET /webhooks/callback-secret`).
//!
//! Deliveries are durable. The store queues them in the webhook outbox
//! ([`crate::store::outbox`]) in the same transaction that ends the render, so a crash cannot lose an event; the [`Deliverer`] sends
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
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::cdn::CdnLinks;
use crate::config::Config;
use crate::metrics::{Metrics, WebhookOutcome};
use crate::outbound::{self, Policy};
use crate::store::outbox::{self, EventBody, Job, Lookup, Next};
use crate::store::webhooks::Attempt;
use crate::store::Store;

/// Longest the pump sleeps without looking at the outbox (a safety net for missed wake-ups).
const IDLE_CHECK: Duration = Duration::from_secs(1);

/// Most deliveries claimed at once; the pump comes back at once for more.
const CLAIM_BATCH: usize = 64;

/// The body of the webhook events announcing the end of a render: a [`WebhookEvent`] with the
/// render's wire form, its links signed by `links`. The store queues the deliveries (calling
/// this) in the transaction that ends the render; call [`Deliverer::wake`] once it has
/// committed.
pub(crate) fn event_body(links: &CdnLinks) -> EventBody {
    let links = links.clone();
    Arc::new(move |event, row| {
        serde_json::to_vec(&WebhookEvent {
            kind: event.to_owned(),
            timestamp: Utc::now(),
            data: row.clone().into_render(&links),
        })
    })
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
    store: Store,
    metrics: Arc<Metrics>,
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
    pub fn new(
        config: &Config,
        store: Store,
        shutdown: CancellationToken,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<Self> {
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
                store,
                metrics,
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
            let claimed = outbox::claim_due(&inner.store, lease, room).await;
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
            let next_due = outbox::next_due(&inner.store).await.unwrap_or_else(|e| {
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
        let lookup = outbox::lookup(&inner.store, &job).await;
        let secret = match lookup {
            Ok(Lookup::Send(secret)) => secret,
            Ok(Lookup::Stale) => return,
            Ok(Lookup::Gone) => {
                // The webhook was deleted or disabled since: nothing more to send.
                let _ = outbox::remove(&inner.store, &job.id).await;
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
        let sent = match inner.policy.check_literal(&job.url) {
            Err(refused) => Sent::refused(&refused.to_string()),
            Ok(()) => match self.send(&job, &signer).await {
                Some(outcome) => outcome,
                // Left in the outbox: the next start resumes it.
                None => return,
            },
        };
        let Sent {
            status_code,
            error,
            refused,
            latency_ms,
            response_excerpt,
            signed_timestamp,
            signature,
        } = sent;
        let attempt = job.attempts + 1;
        let success = error.is_none();
        inner.metrics.webhook_attempt(if refused {
            WebhookOutcome::Refused
        } else if success {
            WebhookOutcome::Delivered
        } else {
            WebhookOutcome::Failed
        });
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
            latency_ms,
            response_excerpt,
            signed_timestamp,
            signature,
            payload: job.payload.clone(),
        };
        let next = if finished {
            Next::Finished {
                max_failures: inner.max_failures,
            }
        } else {
            Next::RetryAt(retry_at)
        };
        let disabled = outbox::record(&inner.store, &job.id, record, next).await;
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
    /// Sends `job` signed by `signer`: what the attempt came to (see [`Sent`]). `None` when
    /// shutdown interrupted it.
    async fn send(&self, job: &Job, signer: &Signer) -> Option<Sent> {
        let inner = &self.inner;
        let timestamp = Utc::now().timestamp();
        let mut request = inner
            .client
            .post(&job.url)
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(job.payload.clone());
        let mut signature = None;
        for (name, value) in signature_headers(signer, &job.message_id, timestamp, &job.payload) {
            if name == renderiq_sdk::webhooks::HEADER_SIGNATURE {
                signature = Some(value.clone());
            }
            request = request.header(name, value);
        }
        let started = std::time::Instant::now();
        let sent = tokio::select! {
            sent = request.send() => sent,
            () = inner.shutdown.cancelled() => return None,
        };
        let latency_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        let mut outcome = match sent {
            Ok(mut response) => {
                let status = response.status();
                let excerpt = tokio::select! {
                    excerpt = excerpt(&mut response) => excerpt,
                    () = inner.shutdown.cancelled() => None,
                };
                Sent {
                    status_code: Some(status.as_u16()),
                    error: (!status.is_success()).then(|| format!("answered {status}")),
                    response_excerpt: excerpt,
                    ..Sent::default()
                }
            }
            Err(e) => match outbound::refusal(&e) {
                Some(refused) => Sent::refused(&refused.to_string()),
                None => Sent {
                    error: Some(describe(e)),
                    ..Sent::default()
                },
            },
        };
        outcome.latency_ms = Some(latency_ms);
        outcome.signed_timestamp = Some(timestamp);
        outcome.signature = signature;
        Some(outcome)
    }
}

/// What one attempt came to.
#[derive(Debug, Default)]
struct Sent {
    /// The target's status, when it answered.
    status_code: Option<u16>,
    /// Why it failed; `None` on 2xx.
    error: Option<String>,
    /// The policy refused the target (a name resolving to an internal address).
    refused: bool,
    /// From sending to the answer's head (or the failure).
    latency_ms: Option<i64>,
    /// The start of the answer's body.
    response_excerpt: Option<String>,
    /// The `webhook-timestamp` signed.
    signed_timestamp: Option<i64>,
    /// The `webhook-signature` sent.
    signature: Option<String>,
}

impl Sent {
    fn refused(why: &str) -> Self {
        Self {
            error: Some(format!("refused: {why}")),
            refused: true,
            ..Self::default()
        }
    }
}

/// Characters of an answer's body kept with its attempt.
const EXCERPT_CHARS: usize = 512;

/// The first [`EXCERPT_CHARS`] characters of `response`'s body (read no further), as text.
async fn excerpt(response: &mut reqwest::Response) -> Option<String> {
    let mut bytes = Vec::new();
    while bytes.len() < EXCERPT_CHARS * 4 {
        match response.chunk().await {
            Ok(Some(chunk)) => bytes.extend_from_slice(&chunk),
            Ok(None) => break,
            Err(_) => break,
        }
    }
    let text: String = String::from_utf8_lossy(&bytes)
        .chars()
        .take(EXCERPT_CHARS)
        .collect();
    (!text.is_empty()).then_some(text)
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
