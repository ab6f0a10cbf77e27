//! The HTTP API: [`AppState`], [`api_router`] (everything under `/api/plugins`) and [`app`] (the
//! whole service: API, `/cdn/` file serving, request ids, the error envelope everywhere).

use std::sync::Arc;

use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{HeaderName, HeaderValue};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::Router;
use rand::distributions::{Alphanumeric, DistString};
use renderiq_sdk::types::{headers, Envelope};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tracing::Instrument as _;

use crate::cdn::{self, CdnLinks};
use crate::config::Config;
use crate::delivery::Deliverer;
use crate::render::Generator;
use crate::storage::Storage;
use crate::store::Store;

pub mod access_token;
pub mod auth;
pub mod credits;
pub mod error;
pub mod extract;
pub mod health;
pub mod idempotency;
pub mod keys;
pub mod openapi;
pub mod password;
pub mod projects;
pub mod proxies;
pub mod rate_limit;
pub mod render_watch;
pub mod renders;
pub mod settings;
pub mod token_seal;
pub mod waiters;
pub mod webhooks;

pub use error::ApiError;
use rate_limit::RateLimiter;

/// A render reached a new state (sent to long-polling readers).
#[derive(Debug, Clone)]
pub struct RenderEvent {
    /// The render ([`RenderEvent::ANY`]: any render may have changed).
    pub render_id: String,
    /// `true` when the new state is terminal.
    pub terminal: bool,
}

impl RenderEvent {
    /// The `render_id` of an event that concerns every render (notifications were missed).
    pub const ANY: &'static str = "*";

    /// The PostgreSQL channel render changes are announced on.
    const CHANNEL: &'static str = "renderiq_renders";

    /// `true` when a waiter on render `id` should look at it again.
    pub fn concerns(&self, id: &str) -> bool {
        self.render_id == id || self.render_id == Self::ANY
    }

    /// The notification payload announcing a change of `render_id` by server `owner`.
    fn payload(owner: &str, render_id: &str, terminal: bool) -> String {
        format!("{owner} {render_id} {}", u8::from(terminal))
    }

    /// The server and the event of a [`RenderEvent::payload`].
    fn from_payload(payload: &str) -> Option<(&str, Self)> {
        let mut parts = payload.split(' ');
        let (owner, render_id, terminal) = (parts.next()?, parts.next()?, parts.next()?);
        Some((
            owner,
            Self {
                render_id: render_id.to_owned(),
                terminal: terminal == "1",
            },
        ))
    }
}

/// Everything a handler needs; cheap to clone: one reference count (axum clones the state for
/// every extractor of every request). Reads its [`Shared`] fields through `Deref`.
///
/// ```no_run
/// # fn demo(state: renderiq_server::http::AppState) {
/// let workers = state.config.workers;
/// # }
/// ```
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

impl AppState {
    /// The state of a server made of `shared`.
    pub fn new(shared: Shared) -> Self {
        Self(Arc::new(shared))
    }
}

impl std::ops::Deref for AppState {
    type Target = Shared;

    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`AppState`] holds.
pub struct Shared {
    /// The configuration the server started with.
    pub config: Arc<Config>,
    /// The database, through its store.
    pub store: Store,
    /// Access-token signing keys.
    pub jwt: Arc<auth::JwtKeys>,
    /// Base URL for absolute links (`outputUrl`), without a trailing slash.
    pub public_url: Arc<str>,
    /// Upload and output files.
    pub storage: Storage,
    /// Rate limits: per user and platform, per user, per client address, per sign-in email.
    pub rate_limiter: Arc<RateLimiter>,
    /// The bound on concurrent password hashing (sign-in).
    pub passwords: Arc<password::PasswordHashing>,
    /// The render long-polls' wake-ups, per render.
    pub render_watch: Arc<render_watch::RenderWatch>,
    /// Wakes a worker when a render is queued.
    pub work_available: Arc<Notify>,
    /// The image generator.
    pub generator: Arc<dyn Generator>,
    /// Webhook deliveries.
    pub deliverer: Deliverer,
    /// Cancelled when the server shuts down.
    pub shutdown: CancellationToken,
    /// Signs the `/cdn/` links of render JSON and checks them when they are fetched.
    pub cdn: CdnLinks,
    /// Render long-polls held per user (`--max-waiters-per-user`).
    pub waiters: Arc<waiters::Waiters>,
    /// How this server's workers hold the renders they claim; its owner is this process's
    /// instance id (`srv_…`, new at every start).
    pub lease: Arc<crate::store::renders::Lease>,
    /// Load balancers whose `X-Forwarded-For` is believed (`--trusted-proxy`).
    pub proxies: Arc<proxies::TrustedProxies>,
    /// The stored secret dashboard sessions are signed with (see `admin::session`).
    pub admin_secret: Arc<str>,
    /// Counters and histograms served at `/metrics`.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("public_url", &self.public_url)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// Announces a render state change to long-polling readers, here and (PostgreSQL) on every
    /// server of the same database.
    pub fn render_changed(&self, render_id: &str, terminal: bool) {
        self.announce(RenderEvent {
            render_id: render_id.to_owned(),
            terminal,
        });
        if self.store.backend() == crate::store::Backend::Postgres {
            let payload = RenderEvent::payload(&self.lease.owner, render_id, terminal);
            let store = self.store.clone();
            tokio::spawn(async move {
                if let Err(e) = store.notify(RenderEvent::CHANNEL, payload).await {
                    tracing::warn!(error = %e, "announcing a render change to the other servers failed");
                }
            });
        }
    }

    /// Wakes this server's long-polls waiting for `event`'s render.
    fn announce(&self, event: RenderEvent) {
        if event.render_id == RenderEvent::ANY {
            self.render_watch.changed_all();
        } else {
            self.render_watch.changed(&event.render_id);
        }
    }

    /// Hears the render changes the other servers of this database announce (PostgreSQL
    /// `LISTEN`), until shutdown; `None` on SQLite.
    ///
    /// # Errors
    ///
    /// The listening thread could not be started.
    pub fn listen_to_other_servers(&self) -> std::io::Result<Option<std::thread::JoinHandle<()>>> {
        let state = self.clone();
        let on_heard = Box::new(move |heard: crate::store::Heard| match heard {
            crate::store::Heard::Message(payload) => {
                match RenderEvent::from_payload(&payload) {
                    // Our own announcements were delivered here at once.
                    Some((owner, _)) if owner == state.lease.owner => {}
                    Some((_, event)) => state.announce(event),
                    None => tracing::warn!(%payload, "unreadable render notification"),
                }
            }
            // Changes may have been missed: every waiter looks again.
            crate::store::Heard::Reconnected => state.announce(RenderEvent {
                render_id: RenderEvent::ANY.to_owned(),
                terminal: false,
            }),
        });
        self.store
            .listen(RenderEvent::CHANNEL, on_heard, self.shutdown.clone())
    }
}

/// Success answer of every route: `{ "success": true, "data": … }`.
pub type ApiResult<T> = Result<Answer<T>, ApiError>;

/// Wraps `data` in the success envelope.
pub fn ok<T>(data: T) -> ApiResult<T> {
    Ok(Answer(Envelope::ok(data)))
}

/// A success envelope, answered as `application/json`.
///
/// Serialised into one buffer sized for a typical answer (a render with its two signed links
/// is about 800 bytes), so that most answers are written without growing it; the buffer
/// becomes the body without a copy.
#[derive(Debug)]
pub struct Answer<T>(pub Envelope<T>);

impl<T: serde::Serialize> IntoResponse for Answer<T> {
    fn into_response(self) -> Response {
        match json_body(&self.0) {
            Ok(body) => Serialized(body.into()).into_response(),
            Err(e) => ApiError::internal(e).into_response(),
        }
    }
}

/// A success answer serialised once, answered as it is: what a route that keeps its answers
/// returns (`GET /renders/{id}`, see [`crate::store::RenderMemo`]). Cheap to clone.
#[derive(Debug, Clone)]
pub struct Serialized(pub bytes::Bytes);

impl Serialized {
    /// `data` in the success envelope, serialised.
    ///
    /// # Errors
    ///
    /// `data` cannot be serialised (an internal error).
    pub fn ok<T: serde::Serialize>(data: &T) -> Result<Self, ApiError> {
        json_body(&Envelope::ok(data))
            .map(|body| Self(body.into()))
            .map_err(ApiError::internal)
    }
}

impl IntoResponse for Serialized {
    fn into_response(self) -> Response {
        (
            [(
                axum::http::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            )],
            self.0,
        )
            .into_response()
    }
}

/// `value` as JSON, in a buffer sized for a typical answer.
fn json_body<T: serde::Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    let mut body = Vec::with_capacity(1024);
    serde_json::to_writer(&mut body, value)?;
    Ok(body)
}

/// Every route under `/api/plugins`, one router per resource.
pub fn api_router() -> Router<AppState> {
    Router::new()
        .merge(auth::router())
        .merge(keys::router())
        .merge(webhooks::router())
        .merge(renders::router())
        .merge(projects::router())
        .merge(credits::router())
        .merge(settings::router())
        .merge(health::router())
        .merge(openapi::router())
}

/// The whole service around `state`, ready to serve (or to drive in-process with
/// `tower::ServiceExt::oneshot`).
pub fn app(state: AppState) -> Router {
    // Only signed, unexpired links reach the files (see `cdn`).
    let cdn = match state.storage.root() {
        Some(root) => Router::new().fallback_service(
            ServeDir::new(root).not_found_service(axum::routing::any(not_found).with_state(())),
        ),
        None => Router::new()
            .fallback(cdn::serve_stored)
            .with_state(state.storage.clone()),
    }
    .layer(middleware::from_fn_with_state(
        state.cdn.clone(),
        cdn::require_signed,
    ));
    Router::new()
        .nest(renderiq_sdk::types::API_PREFIX, api_router())
        .route("/metrics", axum::routing::get(crate::metrics::scrape))
        .nest("/admin", crate::admin::router())
        .nest_service("/cdn", cdn)
        .route_layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::remember_route,
        ))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(1024 * 1024))
        .layer(CatchPanicLayer::custom(|_| {
            ApiError::internal("handler panicked").into_response()
        }))
        .layer(TraceLayer::new_for_http())
        .layer(middleware::from_fn(request_id))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            crate::metrics::track,
        ))
        .with_state(state)
}

async fn not_found() -> ApiError {
    ApiError::NotFound("no such route".to_owned())
}

async fn method_not_allowed() -> ApiError {
    ApiError::MethodNotAllowed
}

/// Gives every request a `req_…` id: in the error envelope and in the `x-request-id` header.
async fn request_id(request: Request, next: Next) -> Response {
    let id = format!(
        "req_{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), 20)
    );
    let span = tracing::info_span!("request", request_id = %id);
    let mut response = error::REQUEST_ID
        .scope(id.clone(), next.run(request))
        .instrument(span)
        .await;
    if let Ok(value) = HeaderValue::from_str(&id) {
        response
            .headers_mut()
            .insert(HeaderName::from_static(headers::REQUEST_ID), value);
    }
    response
}

pub(crate) use crate::store::new_id;

/// A random URL-safe secret of `len` characters.
pub(crate) fn random_token(len: usize) -> String {
    Alphanumeric.sample_string(&mut rand::thread_rng(), len)
}

/// Lower-case hex SHA-256 of `data`.
pub(crate) fn sha256_hex(data: impl AsRef<[u8]>) -> String {
    let digest = Sha256::digest(data.as_ref());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bounds of a `?page=&limit=` query.
pub(crate) fn page_bounds(page: Option<u32>, limit: Option<u32>) -> Result<(u32, u32), ApiError> {
    let page = page.unwrap_or(1);
    let limit = limit.unwrap_or(20);
    let mut details = std::collections::BTreeMap::new();
    if page == 0 {
        details.insert("page".to_owned(), "must be 1 or more".to_owned());
    }
    if limit == 0 {
        details.insert("limit".to_owned(), "must be 1 or more".to_owned());
    }
    ApiError::check_fields(details)?;
    Ok((page, limit.min(100)))
}

/// The body limit of routes that take uploads: base64 JSON of the largest image, plus slack.
pub(crate) fn upload_body_limit(config: &Config) -> usize {
    config.max_upload_bytes / 3 * 4 + 1024 * 1024
}
