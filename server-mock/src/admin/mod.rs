//! The operator dashboard under `/admin`: server-rendered HTML (minijinja templates compiled into
//! the binary, no JavaScript, no front-end build), for whoever runs the server.
//!
//! Off unless `--admin-token` (`RENDERIQ_ADMIN_TOKEN`) is set or a user was made an admin
//! (`renderiq-server user add --admin`): every `/admin` path then answers 404. Signed in with the
//! token or as an admin user (see [`session`]), an operator sees:
//!
//! - `/admin/renders`: a gallery of every user's renders, input and output side by side, state,
//!   progress, cost, platform and plugin telemetry, filtered by user, state and platform;
//!   `/admin/renders/{id}`: one render with its timeline;
//! - `/admin/users`: balances and activity; create a user, grant credits, revoke a user's
//!   sessions and API keys (forms carry the session's CSRF token);
//! - `/admin/webhooks`: every webhook (re-enable a disabled one) and each delivery attempt with
//!   its status, latency, the start of the answer and the signed headers; replay an attempt
//!   under the same `webhook-id`;
//! - `/admin/health`: workers, queue depth, webhook outbox backlog, storage use.
//!
//! Every page is sent with `Cache-Control: no-store`, a restrictive Content-Security-Policy and
//! `X-Frame-Options: DENY`.

pub mod pages;
pub mod session;

use std::sync::OnceLock;

use axum::http::header::{
    CACHE_CONTROL, CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_FRAME_OPTIONS,
};
use axum::http::HeaderValue;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use minijinja::Environment;

use crate::http::{ApiError, AppState};

pub use session::{AdminSession, Operator, SessionKey};

/// The dashboard's routes (mounted at `/admin`).
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(pages::home))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/renders", get(pages::renders))
        .route("/renders/{id}", get(pages::render))
        .route("/users", get(pages::users).post(pages::create_user))
        .route("/users/{id}", get(pages::user))
        .route("/users/{id}/grant", post(pages::grant))
        .route("/users/{id}/revoke", post(pages::revoke))
        .route("/webhooks", get(pages::webhooks))
        .route("/webhooks/attempts/{id}/replay", post(pages::replay))
        .route("/webhooks/{id}/enable", post(pages::enable_webhook))
        .route("/health", get(pages::health))
}

/// The key dashboard sessions are signed with.
pub(crate) fn key(state: &AppState) -> SessionKey {
    SessionKey::new(&state.admin_secret, state.config.admin_token.as_ref())
}

/// Whether the dashboard is on: `--admin-token` is set or an admin user exists.
pub(crate) async fn enabled(state: &AppState) -> Result<bool, ApiError> {
    if state.config.admin_token.is_some() {
        return Ok(true);
    }
    Ok(crate::store::admin::any_admin(&state.store).await?)
}

fn templates() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in [
            ("base.html", include_str!("templates/base.html")),
            ("login.html", include_str!("templates/login.html")),
            ("renders.html", include_str!("templates/renders.html")),
            ("render.html", include_str!("templates/render.html")),
            ("users.html", include_str!("templates/users.html")),
            ("user.html", include_str!("templates/user.html")),
            ("health.html", include_str!("templates/health.html")),
            ("webhooks.html", include_str!("templates/webhooks.html")),
        ] {
            // The templates are part of the binary; the tests render every one of them.
            if let Err(e) = env.add_template(name, source) {
                panic!("admin template {name} does not parse: {e}");
            }
        }
        env
    })
}

/// Renders template `name` with `context` as an HTML page with the dashboard's headers.
pub(crate) fn page(name: &str, context: minijinja::Value) -> Response {
    let html = templates()
        .get_template(name)
        .and_then(|t| t.render(context));
    match html {
        Ok(html) => with_headers(Html(html).into_response()),
        Err(e) => {
            tracing::error!(template = name, error = %e, "admin page failed to render");
            ApiError::internal("the admin page could not be rendered").into_response()
        }
    }
}

/// The headers every dashboard answer carries.
pub(crate) fn with_headers(mut response: Response) -> Response {
    let h = response.headers_mut();
    h.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; img-src 'self' http: https:; style-src 'unsafe-inline'; \
             form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    response
}
