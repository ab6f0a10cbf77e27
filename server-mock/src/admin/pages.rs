//! The dashboard's pages and form handlers.

use axum::extract::{Path, Query, State};
use axum::http::header::SET_COOKIE;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use minijinja::{context, Value};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;

use super::session::{self, AdminSession, Operator};
use super::{key, page, with_headers};
use crate::http::{ApiError, AppState};
use crate::store::admin::{self, AdminRender, RenderFilter};
use crate::store::Error as StoreError;

/// Renders shown on one gallery page.
const GALLERY_LIMIT: u32 = 60;
/// Users shown on the users page.
const USERS_LIMIT: u32 = 500;

/// The 404 of a server whose dashboard is off.
async fn off(state: &AppState) -> Option<Response> {
    match super::enabled(state).await {
        Ok(true) => None,
        Ok(false) => Some(ApiError::NotFound("no such route".to_owned()).into_response()),
        Err(e) => Some(e.into_response()),
    }
}

fn secure(state: &AppState) -> bool {
    state.public_url.starts_with("https://")
}

fn forbidden_csrf() -> Response {
    with_headers(
        (
            StatusCode::FORBIDDEN,
            "403 Forbidden: the form's CSRF token does not belong to this session. Reload the page and try again.",
        )
            .into_response(),
    )
}

/// After a form: back to `to` with a notice to show.
fn back(to: &str, notice: &str) -> Response {
    let sep = if to.contains('?') { '&' } else { '?' };
    let notice = url::form_urlencoded::byte_serialize(notice.as_bytes()).collect::<String>();
    Redirect::to(&format!("{to}{sep}notice={notice}")).into_response()
}

/// `?notice=`.
#[derive(Debug, Default, Deserialize)]
pub struct Notice {
    notice: Option<String>,
}

/// `GET /admin`.
pub async fn home(_: AdminSession) -> Redirect {
    Redirect::to("/admin/renders")
}

/// `GET /admin/login`.
pub async fn login_form(State(state): State<AppState>) -> Response {
    if let Some(off) = off(&state).await {
        return off;
    }
    page(
        "login.html",
        context! { error => None::<String>, token => state.config.admin_token.is_some() },
    )
}

/// The sign-in form: the admin token, or an admin user's email and password.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    token: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// Who `form` signs in as, if anyone.
async fn operator(state: &AppState, form: LoginForm) -> Result<Option<Operator>, ApiError> {
    let token = form.token.trim();
    if !token.is_empty() {
        let matches = state
            .config
            .admin_token
            .as_ref()
            .is_some_and(|t| bool::from(token.as_bytes().ct_eq(t.expose().as_bytes())));
        return Ok(matches.then_some(Operator::Token));
    }
    let found = admin::admin_credentials(&state.store, form.email.trim()).await?;
    // A hash is checked either way, so an unknown email takes as long as a wrong password.
    let (id, hash) = found.map_or((None, None), |(id, hash)| (Some(id), Some(hash)));
    let valid = state.passwords.verify(form.password, hash).await?;
    Ok(id.filter(|_| valid).map(Operator::User))
}

/// `POST /admin/login`: the admin token, or an admin user's email and password, for a session
/// cookie.
pub async fn login(State(state): State<AppState>, Form(form): Form<LoginForm>) -> Response {
    if let Some(off) = off(&state).await {
        return off;
    }
    let who = match operator(&state, form).await {
        Ok(Some(who)) => who,
        Ok(None) => {
            tracing::warn!("admin sign-in refused");
            let mut response = page(
                "login.html",
                context! {
                    error => "Not signed in: use the server's admin token (--admin-token), or the \
                              email and password of a user made an admin (user add --admin).",
                    token => state.config.admin_token.is_some(),
                },
            );
            *response.status_mut() = StatusCode::UNAUTHORIZED;
            return response;
        }
        Err(e) => return e.into_response(),
    };
    let value = key(&state).issue(&who, state.config.clock.now().timestamp());
    let mut response = Redirect::to("/admin/renders").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&session::set_cookie(Some(&value), secure(&state))) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    with_headers(response)
}

/// A form that changes something: its CSRF token.
#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: String,
}

/// `POST /admin/logout`.
pub async fn logout(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<CsrfForm>,
) -> Response {
    if !session.csrf_ok(&form.csrf) {
        return forbidden_csrf();
    }
    let mut response = Redirect::to("/admin/login").into_response();
    if let Ok(cookie) = HeaderValue::from_str(&session::set_cookie(None, secure(&state))) {
        response.headers_mut().insert(SET_COOKIE, cookie);
    }
    with_headers(response)
}

/// `?user=&status=&platform=` of the gallery.
#[derive(Debug, Default, Deserialize)]
pub struct GalleryQuery {
    user: Option<String>,
    status: Option<String>,
    platform: Option<String>,
}

/// A render as the templates read it.
#[derive(Debug, Serialize)]
struct RenderView {
    id: String,
    email: String,
    status: String,
    progress: u8,
    cost: i64,
    platform: String,
    style: String,
    quality: String,
    prompt: Option<String>,
    error: Option<String>,
    input_url: Option<String>,
    output_url: Option<String>,
    telemetry: Vec<(String, String)>,
    attempts: i64,
    created_at: String,
    updated_at: String,
    completed_at: Option<String>,
}

fn time(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn view(state: &AppState, r: AdminRender) -> RenderView {
    let telemetry = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&r.metadata)
        .unwrap_or_default()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(k, v)| {
            let v = v.as_str().map_or_else(|| v.to_string(), str::to_owned);
            (k, v)
        })
        .collect();
    let row = r.row;
    RenderView {
        input_url: (!row.input_path.is_empty()).then(|| state.cdn.url(&row.input_path)),
        output_url: row.output_path.as_deref().map(|p| state.cdn.url(p)),
        id: row.id,
        email: r.email,
        status: row.status.as_str().to_owned(),
        progress: row.progress,
        cost: row.credits_cost,
        platform: row.platform.as_str().to_owned(),
        style: row.style,
        quality: row.quality.as_str().to_owned(),
        prompt: row.prompt,
        error: row.error,
        telemetry,
        attempts: r.attempts,
        created_at: time(row.created_at),
        updated_at: time(row.updated_at),
        completed_at: row.completed_at.map(time),
    }
}

fn nonempty(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// `GET /admin/renders`.
pub async fn renders(
    State(state): State<AppState>,
    session: AdminSession,
    Query(query): Query<GalleryQuery>,
) -> Result<Response, ApiError> {
    let filter = RenderFilter {
        email: nonempty(query.user),
        status: nonempty(query.status),
        platform: nonempty(query.platform),
    };
    let rows = admin::renders(&state.store, filter.clone(), GALLERY_LIMIT).await?;
    let renders: Vec<RenderView> = rows.into_iter().map(|r| view(&state, r)).collect();
    Ok(page(
        "renders.html",
        context! {
            csrf => session.csrf,
            section => "renders",
            renders => Value::from_serialize(&renders),
            limit => GALLERY_LIMIT,
            user => filter.email,
            status => filter.status,
            platform => filter.platform,
            statuses => ["pending", "processing", "completed", "failed", "cancelled"],
            platforms => ["sketchup", "revit", "autocad", "rhino", "archicad", "blender", "other"],
        },
    ))
}

/// One step of a render's timeline.
#[derive(Debug, Serialize)]
struct Step {
    label: &'static str,
    at: Option<String>,
    note: Option<String>,
}

/// `GET /admin/renders/{id}`.
pub async fn render(
    State(state): State<AppState>,
    session: AdminSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(found) = admin::render(&state.store, &id).await? else {
        return Err(ApiError::NotFound(format!("no render {id}")));
    };
    let started_at = found.started_at.map(time);
    let r = view(&state, found);
    let mut timeline = vec![Step {
        label: "created",
        at: Some(r.created_at.clone()),
        note: Some(format!("{} credits charged", r.cost)),
    }];
    if r.attempts > 0 {
        timeline.push(Step {
            label: "processing",
            at: started_at,
            note: Some(format!(
                "claimed by a worker {} time{}",
                r.attempts,
                if r.attempts == 1 { "" } else { "s" }
            )),
        });
    }
    match r.status.as_str() {
        "completed" | "failed" | "cancelled" => timeline.push(Step {
            label: match r.status.as_str() {
                "completed" => "completed",
                "failed" => "failed",
                _ => "cancelled",
            },
            at: r
                .completed_at
                .clone()
                .or_else(|| Some(r.updated_at.clone())),
            note: r.error.clone().or_else(|| {
                (r.status != "completed").then(|| format!("{} credits refunded", r.cost))
            }),
        }),
        _ => timeline.push(Step {
            label: "now",
            at: Some(r.updated_at.clone()),
            note: Some(format!("{} at {}%", r.status, r.progress)),
        }),
    }
    Ok(page(
        "render.html",
        context! {
            csrf => session.csrf,
            section => "renders",
            r => Value::from_serialize(&r),
            timeline => Value::from_serialize(&timeline),
        },
    ))
}

#[derive(Debug, Serialize)]
struct UserView {
    id: String,
    email: String,
    name: Option<String>,
    balance: i64,
    total_earned: i64,
    total_spent: i64,
    renders: i64,
    sessions: i64,
    keys: i64,
    created_at: String,
}

/// `GET /admin/users`.
pub async fn users(
    State(state): State<AppState>,
    session: AdminSession,
    Query(notice): Query<Notice>,
) -> Result<Response, ApiError> {
    let users: Vec<UserView> = admin::users(&state.store, USERS_LIMIT)
        .await?
        .into_iter()
        .map(|u| UserView {
            id: u.id,
            email: u.email,
            name: u.name,
            balance: u.balance,
            total_earned: u.total_earned,
            total_spent: u.total_spent,
            renders: u.renders,
            sessions: u.sessions,
            keys: u.keys,
            created_at: time(u.created_at),
        })
        .collect();
    Ok(page(
        "users.html",
        context! {
            csrf => session.csrf,
            section => "users",
            users => Value::from_serialize(&users),
            notice => notice.notice,
        },
    ))
}

/// The create-user form.
#[derive(Debug, Deserialize)]
pub struct CreateUserForm {
    csrf: String,
    email: String,
    password: String,
    name: Option<String>,
    credits: Option<String>,
}

/// `POST /admin/users`.
pub async fn create_user(
    State(state): State<AppState>,
    session: AdminSession,
    Form(form): Form<CreateUserForm>,
) -> Result<Response, ApiError> {
    if !session.csrf_ok(&form.csrf) {
        return Ok(forbidden_csrf());
    }
    let email = form.email.trim().to_owned();
    if !email.contains('@') || form.password.len() < 8 {
        return Ok(back(
            "/admin/users",
            "Not created: give an email address and a password of at least 8 characters.",
        ));
    }
    let credits = match nonempty(form.credits).map(|c| c.parse::<i64>()) {
        None => 0,
        Some(Ok(n)) if n >= 0 => n,
        Some(_) => {
            return Ok(back(
                "/admin/users",
                "Not created: credits must be a whole number, 0 or more.",
            ))
        }
    };
    let password = form.password;
    let hash = tokio::task::spawn_blocking(move || crate::http::password::hash_password(&password))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| ApiError::internal(e.to_string()))?;
    let name = nonempty(form.name);
    match admin::create_user(&state.store, &email, name.as_deref(), &hash, credits).await {
        Ok(_) => Ok(back(
            "/admin/users",
            &format!("Created {email} with {credits} credits."),
        )),
        Err(StoreError::Duplicate(_)) => Ok(back(
            "/admin/users",
            &format!("Not created: a user with email {email} exists."),
        )),
        Err(e) => Err(e.into()),
    }
}

/// The grant form.
#[derive(Debug, Deserialize)]
pub struct GrantForm {
    csrf: String,
    amount: String,
}

/// `POST /admin/users/{id}/grant`.
pub async fn grant(
    State(state): State<AppState>,
    session: AdminSession,
    Path(id): Path<String>,
    Form(form): Form<GrantForm>,
) -> Result<Response, ApiError> {
    if !session.csrf_ok(&form.csrf) {
        return Ok(forbidden_csrf());
    }
    let Ok(amount) = form.amount.trim().parse::<i64>() else {
        return Ok(back(
            "/admin/users",
            "Nothing granted: the amount must be a whole number.",
        ));
    };
    if amount <= 0 {
        return Ok(back(
            "/admin/users",
            "Nothing granted: the amount must be 1 or more.",
        ));
    }
    match admin::grant(
        &state.store,
        &id,
        amount,
        "granted from the admin dashboard",
    )
    .await
    {
        Ok(balance) => Ok(back(
            "/admin/users",
            &format!("Granted {amount} credits; balance now {balance}."),
        )),
        Err(StoreError::NotFound(_)) => Err(ApiError::NotFound(format!("no user {id}"))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/users/{id}/revoke`: every session and API key of the user.
pub async fn revoke(
    State(state): State<AppState>,
    session: AdminSession,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    if !session.csrf_ok(&form.csrf) {
        return Ok(forbidden_csrf());
    }
    match admin::revoke_access(&state.store, &id).await {
        Ok((sessions, keys)) => Ok(back(
            "/admin/users",
            &format!("Revoked {sessions} session(s) and {keys} API key(s)."),
        )),
        Err(StoreError::NotFound(_)) => Err(ApiError::NotFound(format!("no user {id}"))),
        Err(e) => Err(e.into()),
    }
}

/// `GET /admin/health`.
pub async fn health(
    State(state): State<AppState>,
    session: AdminSession,
) -> Result<Response, ApiError> {
    let h = admin::health(&state.store).await?;
    let storage = match state.storage.root() {
        Some(root) => {
            let root = root.to_path_buf();
            let bytes = tokio::task::spawn_blocking(move || folder_bytes(&root))
                .await
                .unwrap_or(0);
            format!(
                "{:.1} MB in {}",
                bytes as f64 / 1e6,
                state.config.storage_dir().display()
            )
        }
        None => "an S3-compatible bucket (its use is reported by the bucket's provider)".to_owned(),
    };
    Ok(page(
        "health.html",
        context! {
            csrf => session.csrf,
            section => "health",
            workers => state.config.workers.max(1),
            pending => h.pending,
            processing => h.processing,
            ended => h.ended,
            outbox => h.outbox,
            outbox_due => h.outbox_due,
            users => h.users,
            storage,
            waiters => state.waiters.held_total(),
            database => if state.config.database_url.is_some() { "PostgreSQL" } else { "SQLite" },
            version => env!("CARGO_PKG_VERSION"),
        },
    ))
}

/// Bytes of the files under `dir`, recursively.
fn folder_bytes(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => folder_bytes(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

#[derive(Debug, Serialize)]
struct WebhookView {
    id: String,
    email: String,
    url: String,
    events: String,
    active: bool,
    failure_count: i64,
    last_delivery_at: Option<String>,
}

#[derive(Debug, Serialize)]
struct AttemptView {
    id: String,
    webhook_id: Option<String>,
    email: String,
    render_id: Option<String>,
    url: String,
    event: String,
    message_id: String,
    attempt: i64,
    status_code: Option<i64>,
    error: Option<String>,
    success: bool,
    created_at: String,
    latency_ms: Option<i64>,
    response_excerpt: Option<String>,
    signed_timestamp: Option<i64>,
    signature: Option<String>,
    replayable: bool,
}

/// Attempts shown on the webhooks page.
const ATTEMPTS_LIMIT: u32 = 100;

/// `GET /admin/webhooks`.
pub async fn webhooks(
    State(state): State<AppState>,
    session: AdminSession,
    Query(notice): Query<Notice>,
) -> Result<Response, ApiError> {
    let hooks: Vec<WebhookView> = admin::webhooks(&state.store, USERS_LIMIT)
        .await?
        .into_iter()
        .map(|w| WebhookView {
            events: serde_json::from_str::<Vec<String>>(&w.events)
                .map(|e| e.join(", "))
                .unwrap_or(w.events),
            id: w.id,
            email: w.email,
            url: crate::outbound::redact(&w.url).to_string(),
            active: w.active,
            failure_count: w.failure_count,
            last_delivery_at: w.last_delivery_at.map(time),
        })
        .collect();
    let attempts: Vec<AttemptView> = admin::attempts(&state.store, ATTEMPTS_LIMIT)
        .await?
        .into_iter()
        .map(|a| AttemptView {
            id: a.id,
            webhook_id: a.webhook_id,
            email: a.email,
            render_id: a.render_id,
            url: crate::outbound::redact(&a.url).to_string(),
            event: a.event,
            message_id: a.message_id,
            attempt: a.attempt,
            status_code: a.status_code,
            error: a.error,
            success: a.success,
            created_at: time(a.created_at),
            latency_ms: a.latency_ms,
            response_excerpt: a.response_excerpt,
            signed_timestamp: a.signed_timestamp,
            signature: a.signature,
            replayable: a.replayable,
        })
        .collect();
    Ok(page(
        "webhooks.html",
        context! {
            csrf => session.csrf,
            section => "webhooks",
            webhooks => Value::from_serialize(&hooks),
            attempts => Value::from_serialize(&attempts),
            limit => ATTEMPTS_LIMIT,
            notice => notice.notice,
        },
    ))
}

/// `POST /admin/webhooks/attempts/{id}/replay`.
pub async fn replay(
    State(state): State<AppState>,
    session: AdminSession,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    if !session.csrf_ok(&form.csrf) {
        return Ok(forbidden_csrf());
    }
    match admin::replay(&state.store, &id).await {
        Ok(admin::Replay::Queued { message_id }) => {
            state.deliverer.wake();
            Ok(back(
                "/admin/webhooks",
                &format!("Replay queued with webhook-id {message_id}."),
            ))
        }
        Ok(admin::Replay::NoPayload) => Ok(back(
            "/admin/webhooks",
            "Not replayed: this attempt was recorded before bodies were kept.",
        )),
        Ok(admin::Replay::Disabled) => Ok(back(
            "/admin/webhooks",
            "Not replayed: the webhook is disabled; re-enable it first.",
        )),
        Err(StoreError::NotFound(what)) => Err(ApiError::NotFound(format!("no such {what}"))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /admin/webhooks/{id}/enable`.
pub async fn enable_webhook(
    State(state): State<AppState>,
    session: AdminSession,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    if !session.csrf_ok(&form.csrf) {
        return Ok(forbidden_csrf());
    }
    if admin::enable_webhook(&state.store, &id).await? {
        Ok(back("/admin/webhooks", &format!("Webhook {id} enabled.")))
    } else {
        Err(ApiError::NotFound(format!("no webhook {id}")))
    }
}

#[derive(Debug, Serialize)]
struct LedgerEntry {
    kind: String,
    amount: i64,
    balance_after: i64,
    reference_id: Option<String>,
    description: Option<String>,
    created_at: String,
}

/// Ledger entries shown on a user's page.
const LEDGER_LIMIT: u32 = 100;

/// `GET /admin/users/{id}`: one user's balance and ledger.
pub async fn user(
    State(state): State<AppState>,
    session: AdminSession,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let Some(u) = admin::users(&state.store, USERS_LIMIT)
        .await?
        .into_iter()
        .find(|u| u.id == id)
    else {
        return Err(ApiError::NotFound(format!("no user {id}")));
    };
    let ledger = crate::store::credits::transactions(&state.store, &id, 1, LEDGER_LIMIT).await?;
    let entries: Vec<LedgerEntry> = ledger
        .items
        .into_iter()
        .map(|t| LedgerEntry {
            kind: serde_json::to_value(t.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default(),
            amount: t.amount,
            balance_after: t.balance_after,
            reference_id: t.reference_id,
            description: t.description,
            created_at: time(t.created_at),
        })
        .collect();
    Ok(page(
        "user.html",
        context! {
            csrf => session.csrf,
            section => "users",
            email => u.email,
            name => u.name,
            id => u.id,
            balance => u.balance,
            total_earned => u.total_earned,
            total_spent => u.total_spent,
            entries => Value::from_serialize(&entries),
            total => ledger.total,
            limit => LEDGER_LIMIT,
        },
    ))
}
