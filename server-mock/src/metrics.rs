//! `/metrics` in the OpenMetrics text format that Prometheus scrapes, for whoever runs the server.
//!
//! Off unless `--metrics-token` (`RENDERIQ_METRICS_TOKEN`) is set; then a scrape must send
//! `Authorization: Bearer <token>` (a wrong or missing token is a 401, as on the API, and a
//! server without the flag answers 404 as for any unknown route). Counters and histograms are
//! kept in this process ([`Metrics`], one per server, cheap atomics); the figures that live in
//! the database (renders by state, the webhook outbox) are read when scraped, so every server of
//! one PostgreSQL database reports the same totals for them.
//!
//! | series | type | labels |
//! |---|---|---|
//! | `renderiq_http_requests_total` | counter | `method`, `route` (the route's template), `status` |
//! | `renderiq_http_request_duration_seconds` | histogram | `method`, `route` |
//! | `renderiq_renders` | gauge | `state` |
//! | `renderiq_generator_duration_seconds` | histogram | `outcome` (`ok`, `error`) |
//! | `renderiq_credits_spent_total` | counter | |
//! | `renderiq_webhook_attempts_total` | counter | `outcome` (`delivered`, `failed`, `refused`) |
//! | `renderiq_webhook_outbox_backlog` | gauge | |
//! | `renderiq_long_poll_waiters` | gauge | |
//! | `renderiq_render_reads_total` | counter | `source` (`memory`: a kept answer, see [`crate::store::RenderMemo`]; `database`) |
//!
//! ```
//! use renderiq_server::metrics::Metrics;
//!
//! let metrics = Metrics::default();
//! metrics.credits_spent(10);
//! assert!(metrics.encode().contains("renderiq_credits_spent_total 10"));
//! ```

use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::header::{AUTHORIZATION, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use renderiq_sdk::Secret;
use subtle::ConstantTimeEq;

use crate::http::{ApiError, AppState};
use crate::store::{self, sql::args};

/// What [`Metrics::encode`] writes: the OpenMetrics text format (Prometheus asks for it first).
const CONTENT_TYPE_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The route label of a request that matched no route (bounded: never the raw path).
const UNMATCHED: &str = "unmatched";

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: &'static str,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    method: &'static str,
    route: String,
}

/// A bounded label for `method`: the standard methods by name, anything else `OTHER`.
fn method_label(method: &Method) -> &'static str {
    [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::HEAD,
        Method::OPTIONS,
    ]
    .iter()
    .zip(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
    .find_map(|(m, name)| (m == method).then_some(name))
    .unwrap_or("OTHER")
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabel {
    state: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct OutcomeLabel {
    outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabel {
    source: &'static str,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms .. ~16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

fn generator_histogram() -> Histogram {
    // 10 ms .. ~5.5 min: the local pipeline takes milliseconds, a hosted model tens of seconds.
    Histogram::new(exponential_buckets(0.01, 2.0, 16))
}

/// The server's own metrics (see the [module documentation](self) for the series).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    request_seconds: Family<RouteLabels, Histogram, fn() -> Histogram>,
    renders: Family<StateLabel, Gauge>,
    generator_seconds: Family<OutcomeLabel, Histogram, fn() -> Histogram>,
    credits_spent: Counter,
    webhook_attempts: Family<OutcomeLabel, Counter>,
    outbox_backlog: Gauge,
    long_poll_waiters: Gauge,
    render_reads: Family<SourceLabel, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("renderiq");
        let requests = Family::<RequestLabels, Counter>::default();
        let request_seconds =
            Family::<RouteLabels, Histogram, fn() -> Histogram>::new_with_constructor(
                latency_histogram as fn() -> Histogram,
            );
        let renders = Family::<StateLabel, Gauge>::default();
        let generator_seconds =
            Family::<OutcomeLabel, Histogram, fn() -> Histogram>::new_with_constructor(
                generator_histogram as fn() -> Histogram,
            );
        let credits_spent = Counter::default();
        let webhook_attempts = Family::<OutcomeLabel, Counter>::default();
        let outbox_backlog = Gauge::default();
        let long_poll_waiters = Gauge::default();
        let render_reads = Family::<SourceLabel, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, route template and status",
            requests.clone(),
        );
        registry.register(
            "http_request_duration_seconds",
            "Time to answer an HTTP request (to its response head), by method and route template",
            request_seconds.clone(),
        );
        registry.register(
            "renders",
            "Renders in the database by state",
            renders.clone(),
        );
        registry.register(
            "generator_duration_seconds",
            "Time the image generator took per render, by outcome",
            generator_seconds.clone(),
        );
        registry.register(
            "credits_spent",
            "Credits charged for renders created on this server",
            credits_spent.clone(),
        );
        registry.register(
            "webhook_attempts",
            "Webhook delivery attempts made by this server, by outcome",
            webhook_attempts.clone(),
        );
        registry.register(
            "webhook_outbox_backlog",
            "Webhook deliveries queued in the database, not yet finished",
            outbox_backlog.clone(),
        );
        registry.register(
            "long_poll_waiters",
            "Render long-polls this server holds open now",
            long_poll_waiters.clone(),
        );
        registry.register(
            "render_reads",
            "Render reads without `wait` answered by this server, by where the answer came from",
            render_reads.clone(),
        );
        Self {
            registry,
            requests,
            request_seconds,
            renders,
            generator_seconds,
            credits_spent,
            webhook_attempts,
            outbox_backlog,
            long_poll_waiters,
            render_reads,
        }
    }
}

/// How a webhook delivery attempt ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WebhookOutcome {
    /// The receiver answered 2xx.
    Delivered,
    /// Another status, a timeout or a connection error.
    Failed,
    /// The target resolved to an internal address (see `--allow-private-webhooks`).
    Refused,
}

impl Metrics {
    /// Counts one answered request; `route` is the matched route's template.
    pub fn request(&self, method: &Method, route: &str, status: StatusCode, elapsed: Duration) {
        let method = method_label(method);
        self.requests
            .get_or_create(&RequestLabels {
                method,
                route: route.to_owned(),
                status: status.as_u16(),
            })
            .inc();
        self.request_seconds
            .get_or_create(&RouteLabels {
                method,
                route: route.to_owned(),
            })
            .observe(elapsed.as_secs_f64());
    }

    /// Records one run of the generator.
    pub fn generated(&self, ok: bool, elapsed: Duration) {
        let outcome = if ok { "ok" } else { "error" };
        self.generator_seconds
            .get_or_create(&OutcomeLabel { outcome })
            .observe(elapsed.as_secs_f64());
    }

    /// Counts `credits` charged for a render.
    pub fn credits_spent(&self, credits: u64) {
        self.credits_spent.inc_by(credits);
    }

    /// Counts one render read without `wait`: answered from memory (`kept`) or the database.
    pub fn render_read(&self, kept: bool) {
        let source = if kept { "memory" } else { "database" };
        self.render_reads
            .get_or_create(&SourceLabel { source })
            .inc();
    }

    /// Counts one webhook delivery attempt.
    pub fn webhook_attempt(&self, outcome: WebhookOutcome) {
        let outcome = match outcome {
            WebhookOutcome::Delivered => "delivered",
            WebhookOutcome::Failed => "failed",
            WebhookOutcome::Refused => "refused",
        };
        self.webhook_attempts
            .get_or_create(&OutcomeLabel { outcome })
            .inc();
    }

    /// The metrics in the Prometheus text format.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut out, &self.registry);
        out
    }
}

/// Counts one render read without `wait` ([`Metrics::render_read`]) when `/metrics` is on.
pub fn count_render_read(state: &AppState, kept: bool) {
    if state.config.metrics_token.is_some() {
        state.metrics.render_read(kept);
    }
}

/// Middleware: counts and times every request under the route it matched (only when
/// `/metrics` is on: a server nobody can scrape counts nothing).
pub async fn track(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if state.config.metrics_token.is_none() {
        return next.run(request).await;
    }
    let start = Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<MatchedRoute>()
        .map_or(UNMATCHED, |r| r.0.as_str());
    state
        .metrics
        .request(&method, route, response.status(), start.elapsed());
    response
}

/// The template of the route a request matched, carried out on the response to [`track`].
#[derive(Debug, Clone)]
pub struct MatchedRoute(String);

/// Route middleware: puts the matched route's template on the response for [`track`].
pub async fn remember_route(
    State(state): State<AppState>,
    request: Request,
    next: Next,
) -> Response {
    if state.config.metrics_token.is_none() {
        return next.run(request).await;
    }
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned());
    let mut response = next.run(request).await;
    if let Some(route) = route {
        response.extensions_mut().insert(MatchedRoute(route));
    }
    response
}

/// `GET /metrics`: 404 when `--metrics-token` is not set, 401 without that token.
pub async fn scrape(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let Some(expected) = state.config.metrics_token.as_ref().map(Secret::expose) else {
        return ApiError::NotFound("no such route".to_owned()).into_response();
    };
    let given = headers
        .get(AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or_default();
    if !bool::from(given.as_bytes().ct_eq(expected.as_bytes())) {
        return ApiError::AuthRequired(
            "send `Authorization: Bearer <the server's --metrics-token>`".to_owned(),
        )
        .into_response();
    }
    if let Err(e) = refresh_from_database(&state).await {
        tracing::warn!(error = %e, "metrics: reading the database failed");
        return ApiError::internal("the database could not be read for the metrics")
            .into_response();
    }
    state
        .metrics
        .long_poll_waiters
        .set(i64::try_from(state.waiters.held_total()).unwrap_or(i64::MAX));
    let mut response = state.metrics.encode().into_response();
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE_TEXT));
    response
}

/// Sets the gauges whose figures live in the database.
async fn refresh_from_database(state: &AppState) -> store::Result<()> {
    let (by_state, backlog) = state
        .store
        .read(|conn| {
            let rows = conn.query(
                "SELECT status, COUNT(*) FROM renders GROUP BY status",
                args![],
            )?;
            let by_state = rows
                .iter()
                .map(|row| Ok((row.get::<String>(0)?, row.get::<i64>(1)?)))
                .collect::<store::Result<Vec<_>>>()?;
            let backlog: i64 = conn.query_value("SELECT COUNT(*) FROM webhook_outbox", args![])?;
            Ok((by_state, backlog))
        })
        .await?;
    let metrics = &state.metrics;
    // Every state is reported, 0 included, so a state that empties does not vanish.
    for status in ["pending", "processing", "completed", "failed", "cancelled"] {
        let count = by_state
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n);
        metrics
            .renders
            .get_or_create(&StateLabel {
                state: status.to_owned(),
            })
            .set(count);
    }
    metrics.outbox_backlog.set(backlog);
    Ok(())
}
