//! `/renders`: create (multipart or base64 JSON), get with long-poll, list, cancel. The rows are
//! kept by [`crate::store::renders`].
//!
//! Creation validates the upload (type sniffed from its bytes, size and edge limits), then in one
//! transaction ([`store::renders::create_charged`]): replays or refuses a used `Idempotency-Key`,
//! checks and deducts the credits, writes the ledger entry and the render row, and stores the
//! idempotent answer.
//! The answer is HTTP 200 with the envelope (not 201), like every other route.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use base64::Engine as _;
use renderiq_sdk::types::{
    form, CreateRenderJson, Envelope, ErrorBody, Page, Quality, Render, RenderStatus, WaitUntil,
    ASPECT_RATIOS, STYLES,
};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use utoipa::{IntoParams, ToSchema};

use super::extract::{
    ApiPath, ApiQuery, Auth, ChangeRenders, CreateRenders, IdempotencyKey, ReadRenders,
};
use super::idempotency::StoredResponse;
use super::{
    new_id, ok, page_bounds, upload_body_limit, ApiError, ApiResult, AppState, Serialized,
};
use crate::config::Config;
use crate::delivery;
use crate::image_limits::{ImageBounds, ImageRefusal};
use crate::outbound::Policy;
use crate::retention;
use crate::store::{self, idempotency, renders::NewRender};

/// Longest accepted prompt, in characters.
pub const MAX_PROMPT_CHARS: usize = 2000;
/// Longest accepted `?wait=`, in seconds.
pub const MAX_WAIT_SECONDS: f64 = 30.0;
/// A prompt containing this makes the local generator fail: a documented test hook for the
/// failure and refund paths.
pub const FAIL_MARKER: &str = "[fail]";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/renders",
            // The upload extractor applies its own limit (`--max-upload-bytes`).
            post(create_render)
                .layer(DefaultBodyLimit::disable())
                .get(list_renders),
        )
        .route("/renders/{id}", get(get_render))
        .route("/renders/{id}/cancel", post(cancel_render))
}

/// The multipart form of `POST /renders` (documentation of the form fields).
#[derive(ToSchema)]
#[allow(dead_code)]
pub struct RenderUploadForm {
    /// The viewport image (PNG, JPEG or WebP).
    #[schema(value_type = String, format = Binary)]
    image: Vec<u8>,
    /// Prompt, at most 2000 characters.
    prompt: Option<String>,
    /// One of the styles; default from settings.
    style: Option<String>,
    /// `standard`, `high` or `ultra`; default from settings.
    quality: Option<Quality>,
    /// One of the aspect ratios; default from settings.
    #[schema(rename = "aspectRatio")]
    aspect_ratio: Option<String>,
    /// A project of the caller.
    #[schema(rename = "projectId")]
    project_id: Option<String>,
    /// http(s) URL receiving a signed delivery when the render ends; its host must not be, or
    /// resolve to, an internal address unless the server allows them.
    #[schema(rename = "callbackUrl")]
    callback_url: Option<String>,
}

/// Create a render from an uploaded viewport image. Costs credits by quality (standard 5, high
/// 10, ultra 20), deducted at once and refunded if the render fails or is cancelled. The upload
/// of a failed or cancelled render is deleted (`inputUrl` null); a completed render's files are
/// kept for `--retention-days`, then `inputUrl` and `outputUrl` are null.
#[utoipa::path(
    post, path = "/api/plugins/renders", tag = "renders",
    security(("bearer" = []), ("apiKey" = ["renders:create"])),
    params(("Idempotency-Key" = Option<String>, Header, description = "Replays the first answer for a repeated request; 409 for a different one")),
    request_body(content(
        (RenderUploadForm = "multipart/form-data"),
        (CreateRenderJson = "application/json"),
    )),
    responses(
        (status = 200, description = "Created (pending); replays carry `idempotent-replayed: true`", body = Envelope<Render>),
        (status = 400, description = "INVALID_INPUT, also for a `callbackUrl` whose host is or resolves to a loopback, private, link-local or other internal address (allowed only by a server started with `--allow-private-webhooks`)", body = ErrorBody),
        (status = 402, description = "INSUFFICIENT_CREDITS", body = ErrorBody),
        (status = 404, description = "NOT_FOUND: the project", body = ErrorBody),
        (status = 409, description = "IDEMPOTENCY_CONFLICT; or CONFLICT: the caller already has `--max-pending-renders` renders pending or processing (nothing charged)", body = ErrorBody),
        (status = 413, description = "PAYLOAD_TOO_LARGE: the body or image bytes, or an image whose header declares more pixels than `--max-image-pixels` (or more decoded memory than `--image-memory-budget-mb`); refused before decoding", body = ErrorBody),
        (status = 429, description = "RATE_LIMIT_EXCEEDED", body = ErrorBody),
    )
)]
pub async fn create_render(
    State(state): State<AppState>,
    auth: Auth<CreateRenders>,
    IdempotencyKey(idempotency_key): IdempotencyKey,
    upload: RenderUpload,
) -> Result<Response, ApiError> {
    let user_id = auth.user_id.clone();
    let defaults = store::settings::load(&state.store, &user_id).await?;
    let input = upload.validate(&state.config, &defaults)?;
    if let Some(url) = &input.callback_url {
        Policy::new(state.config.allow_private_webhooks)
            .check_target(url)
            .await
            .map_err(|e| ApiError::invalid(form::CALLBACK_URL, e))?;
    }
    let key = idempotency_key.map(|key| idempotency::Key {
        key,
        request_hash: input.hash(),
    });

    let render_id = new_id("rnd");
    let input_path = format!("uploads/{user_id}/{render_id}.{}", input.extension);
    state
        .storage
        .write(&input_path, &input.image)
        .await
        .map_err(ApiError::Internal)?;

    let render = NewRender {
        id: render_id,
        user_id,
        project_id: input.project_id,
        prompt: input.prompt,
        style: input.style,
        quality: input.quality,
        aspect_ratio: input.aspect_ratio,
        input_path: input_path.clone(),
        callback_url: input.callback_url,
        platform: auth.telemetry.platform,
        metadata: auth.telemetry.to_metadata().to_string(),
    };
    let links = state.cdn.clone();
    let cost = render.quality.credit_cost();
    let outcome = store::renders::create_charged(
        &state.store,
        render,
        key,
        state.config.max_pending_renders,
        move |row| {
            let body = serde_json::to_vec(&Envelope::ok(row.into_render(&links)))?;
            Ok(idempotency::Answer { status: 200, body })
        },
    )
    .await;
    match outcome {
        Ok(store::renders::Created::Created(answer)) => {
            state.work_available.notify_one();
            state
                .metrics
                .credits_spent(u64::try_from(cost).unwrap_or_default());
            let mut http = StoredResponse::from(answer).into_response();
            http.headers_mut()
                .remove(renderiq_sdk::types::headers::IDEMPOTENT_REPLAYED);
            Ok(http)
        }
        Ok(store::renders::Created::Replayed(answer)) => {
            state.storage.remove(&input_path).await;
            Ok(StoredResponse::from(answer).into_response())
        }
        Err(e) => {
            state.storage.remove(&input_path).await;
            Err(e.into())
        }
    }
}

/// `?wait=&until=`.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct WaitQuery {
    /// Seconds to hold the request (at most 30): the answer comes as soon as what `until` names
    /// happens, or with the current state when the time is up.
    pub wait: Option<f64>,
    /// `end` (default): the render is completed, failed or cancelled. `change`: also when its
    /// status or progress moves from what it was when the request arrived.
    #[param(inline)]
    pub until: Option<WaitUntil>,
}

/// A render of the caller; with `?wait=` a long-poll.
#[utoipa::path(
    get, path = "/api/plugins/renders/{id}", tag = "renders",
    security(("bearer" = []), ("apiKey" = ["renders:read"])),
    params(("id" = String, Path, description = "Render id"), WaitQuery),
    responses(
        (status = 200, description = "The render", body = Envelope<Render>),
        (status = 400, description = "INVALID_INPUT: `wait` or `until` not valid", body = ErrorBody),
        (status = 404, description = "NOT_FOUND (also another user's render)", body = ErrorBody),
    )
)]
pub async fn get_render(
    State(state): State<AppState>,
    auth: Auth<ReadRenders>,
    ApiPath(id): ApiPath<String>,
    ApiQuery(query): ApiQuery<WaitQuery>,
) -> Result<Serialized, ApiError> {
    let wait = query
        .wait
        .filter(|w| w.is_finite())
        .unwrap_or(0.0)
        .clamp(0.0, MAX_WAIT_SECONDS);
    // Beyond the user's long-poll cap the read answers at once (see `waiters`).
    let waiter_slot = (wait > 0.0)
        .then(|| state.waiters.try_enter(&auth.user_id))
        .flatten();
    let wait = if waiter_slot.is_some() { wait } else { 0.0 };
    if wait == 0.0 {
        return answer_now(&state, &id, &auth.user_id).await;
    }
    // Watch before reading, so a change between the read and the wait is not missed.
    let mut watching = (wait > 0.0).then(|| state.render_watch.watch(&id));
    let clock = &state.config.clock;
    let deadline =
        clock.now() + chrono::Duration::from_std(Duration::from_secs_f64(wait)).unwrap_or_default();
    let until = query.until.unwrap_or_default();
    let mut first_seen = None;
    loop {
        let render = fetch_for_user(&state, &id, &auth.user_id).await?;
        let seen = (render.status, render.progress);
        let moved = until == WaitUntil::Change && first_seen.is_some_and(|first| first != seen);
        first_seen.get_or_insert(seen);
        let Some(waiter) = watching
            .as_mut()
            .filter(|_| !render.status.is_terminal() && !moved)
        else {
            return Serialized::ok(&render);
        };
        let changed = tokio::select! {
            () = clock.sleep_until(deadline) => false,
            () = state.shutdown.cancelled() => false,
            () = waiter.changed() => true,
        };
        if !changed {
            return Serialized::ok(&fetch_for_user(&state, &id, &auth.user_id).await?);
        }
    }
}

/// `?page=&limit=&status=&projectId=`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct ListQuery {
    /// 1-based page (default 1).
    pub page: Option<u32>,
    /// Page size (default 20, at most 100).
    pub limit: Option<u32>,
    /// Only renders in this state.
    pub status: Option<String>,
    /// Only renders of this project.
    pub project_id: Option<String>,
}

/// The caller's renders, newest first.
#[utoipa::path(
    get, path = "/api/plugins/renders", tag = "renders",
    security(("bearer" = []), ("apiKey" = ["renders:read"])),
    params(ListQuery),
    responses(
        (status = 200, description = "A page of renders", body = Envelope<Page<Render>>),
        (status = 400, description = "INVALID_INPUT", body = ErrorBody),
    )
)]
pub async fn list_renders(
    State(state): State<AppState>,
    auth: Auth<ReadRenders>,
    ApiQuery(query): ApiQuery<ListQuery>,
) -> ApiResult<Page<Render>> {
    let (page, limit) = page_bounds(query.page, query.limit)?;
    let status = match query.status.as_deref().filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            s.parse::<RenderStatus>()
                .map_err(|e| ApiError::invalid("status", e))?,
        ),
    };
    let filter = store::renders::Filter {
        status,
        project_id: query.project_id.filter(|p| !p.is_empty()),
    };
    let rows = store::renders::list(&state.store, &auth.user_id, filter, page, limit).await?;
    ok(Page {
        items: rows
            .items
            .into_iter()
            .map(|row| row.into_render(&state.cdn))
            .collect(),
        page: rows.page,
        limit: rows.limit,
        total: rows.total,
        has_more: rows.has_more,
    })
}

/// Cancel a pending render and refund it; 409 `CONFLICT` once a worker has taken it. Its upload
/// is deleted (`inputUrl` null).
#[utoipa::path(
    post, path = "/api/plugins/renders/{id}/cancel", tag = "renders",
    security(("bearer" = []), ("apiKey" = ["renders:create"])),
    params(("id" = String, Path, description = "Render id")),
    responses(
        (status = 200, description = "Cancelled and refunded", body = Envelope<Render>),
        (status = 404, description = "NOT_FOUND", body = ErrorBody),
        (status = 409, description = "CONFLICT: not pending any more", body = ErrorBody),
    )
)]
pub async fn cancel_render(
    State(state): State<AppState>,
    auth: Auth<ChangeRenders>,
    ApiPath(id): ApiPath<String>,
) -> ApiResult<Render> {
    let row = store::renders::cancel(
        &state.store,
        &id,
        &auth.user_id,
        delivery::event_body(&state.cdn),
    )
    .await?;
    retention::discard_input(&state, &row.id, &row.input_path).await;
    state.render_changed(&id, true);
    state.deliverer.wake();
    ok(row.into_render(&state.cdn))
}

/// The answer of a read without `wait`: the one kept for this render, user and link expiry
/// when its row has not changed since ([`store::RenderMemo`]), else read, built and kept.
async fn answer_now(state: &AppState, id: &str, user_id: &str) -> Result<Serialized, ApiError> {
    let Some(memo) = state
        .store
        .render_memo()
        .filter(|_| !state.config.no_render_memo)
    else {
        crate::metrics::count_render_read(state, false);
        return Serialized::ok(&fetch_for_user(state, id, user_id).await?);
    };
    let expires = state.cdn.expiry();
    if let Some(kept) = memo.get(id, user_id, expires) {
        crate::metrics::count_render_read(state, true);
        return Ok(Serialized(kept));
    }
    crate::metrics::count_render_read(state, false);
    // Before the read: a write that ends after this point keeps the answer from being kept.
    let reading = memo.start_read();
    let (row, ticket) = store::renders::find_for_user_to_keep(&state.store, reading, id, user_id)
        .await?
        .ok_or_else(|| ApiError::not_found("render"))?;
    let answer = Serialized::ok(&row.into_render_expiring(&state.cdn, expires))?;
    memo.keep(ticket, expires, answer.0.clone());
    Ok(answer)
}

async fn fetch_for_user(state: &AppState, id: &str, user_id: &str) -> Result<Render, ApiError> {
    store::renders::find_for_user(&state.store, id, user_id)
        .await?
        .map(|row| row.into_render(&state.cdn))
        .ok_or_else(|| ApiError::not_found("render"))
}

// ---------------------------------------------------------------------------------------------
// Upload parsing and validation.

/// The body of `POST /renders`: a multipart form or a JSON document.
#[derive(Debug, Default)]
pub struct RenderUpload {
    image: Option<Vec<u8>>,
    image_error: Option<String>,
    prompt: Option<String>,
    style: Option<String>,
    quality: Option<String>,
    aspect_ratio: Option<String>,
    project_id: Option<String>,
    callback_url: Option<String>,
}

impl FromRequest<AppState> for RenderUpload {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, ApiError> {
        Self::parse(request, upload_body_limit(&state.config)).await
    }
}

/// Reads and checks a `POST /renders` body exactly as the route does, short of the account:
/// no database, no storage, no charge (the user's settings are the defaults). The entry point
/// of the `render_input` fuzz target in `fuzz/`.
///
/// Answers the stored file's extension (`png`, `jpg` or `webp`) of an accepted upload.
///
/// # Errors
///
/// The route's own answer to a body it refuses: 400 `VALIDATION_ERROR` naming the fields,
/// 413 for an image over `--max-upload-bytes` or a body over the upload limit.
pub async fn check_render_body(
    config: &Config,
    content_type: &str,
    body: Bytes,
) -> Result<&'static str, ApiError> {
    let request = Request::builder()
        .method("POST")
        .header(CONTENT_TYPE, content_type)
        .body(Body::from(body))
        .map_err(|e| ApiError::invalid("Content-Type", e.to_string()))?;
    let upload = RenderUpload::parse(request, upload_body_limit(config)).await?;
    let input = upload.validate(config, &store::settings::defaults())?;
    Ok(input.extension)
}

impl RenderUpload {
    /// Reads the form or JSON document of `request`, at most `limit` bytes of it.
    async fn parse(request: Request, limit: usize) -> Result<Self, ApiError> {
        let content_type = request
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_ascii_lowercase();
        let request = request.map(|body| Body::new(http_body_util::Limited::new(body, limit)));
        if content_type.starts_with("multipart/form-data") {
            Self::from_multipart(Multipart::from_request(request, &()).await?).await
        } else if content_type.starts_with("application/json") || content_type.contains("+json") {
            let bytes = Bytes::from_request(request, &()).await?;
            let json: CreateRenderJson = serde_json::from_slice(&bytes)
                .map_err(|e| ApiError::invalid("body", e.to_string()))?;
            let mut upload = Self {
                prompt: json.prompt,
                style: json.style,
                quality: json.quality.map(|q| q.as_str().to_owned()),
                aspect_ratio: json.aspect_ratio,
                project_id: json.project_id,
                callback_url: json.callback_url,
                ..Self::default()
            };
            upload.set_base64_image(&json.uploaded_image_data);
            Ok(upload)
        } else {
            Err(ApiError::invalid(
                "Content-Type",
                "send multipart/form-data (file part `image`) or application/json",
            ))
        }
    }

    async fn from_multipart(mut multipart: Multipart) -> Result<Self, ApiError> {
        let mut upload = Self::default();
        while let Some(field) = multipart.next_field().await? {
            let name = field.name().unwrap_or_default().to_owned();
            match name.as_str() {
                form::IMAGE => upload.image = Some(field.bytes().await?.to_vec()),
                "uploadedImageData" => {
                    let text = field.text().await?;
                    upload.set_base64_image(&text);
                }
                form::PROMPT => upload.prompt = Some(field.text().await?),
                form::STYLE => upload.style = Some(field.text().await?),
                form::QUALITY => upload.quality = Some(field.text().await?),
                form::ASPECT_RATIO | "aspect_ratio" => {
                    upload.aspect_ratio = Some(field.text().await?)
                }
                form::PROJECT_ID | "project_id" => upload.project_id = Some(field.text().await?),
                form::CALLBACK_URL | "callback_url" => {
                    upload.callback_url = Some(field.text().await?)
                }
                // Unknown fields (and `uploadedImageType`: the type is sniffed) are drained.
                _ => drop(field.bytes().await?),
            }
        }
        Ok(upload)
    }

    fn set_base64_image(&mut self, data: &str) {
        // Accept a data URL and line-wrapped base64.
        let data = data.split_once(";base64,").map_or(data, |(_, b64)| b64);
        let compact: String = data.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        let engine = base64::engine::general_purpose::STANDARD;
        match engine
            .decode(&compact)
            .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(&compact))
        {
            Ok(bytes) => self.image = Some(bytes),
            Err(e) => self.image_error = Some(format!("not valid base64: {e}")),
        }
    }

    fn validate(
        self,
        config: &Config,
        defaults: &renderiq_sdk::types::Settings,
    ) -> Result<ValidInput, ApiError> {
        let mut details = BTreeMap::new();
        let mut image_info = None;
        match (&self.image, self.image_error) {
            (_, Some(e)) => {
                details.insert("uploadedImageData".to_owned(), e);
            }
            (None, None) => {
                details.insert(
                    form::IMAGE.to_owned(),
                    "an image is required (file part `image` or `uploadedImageData`)".to_owned(),
                );
            }
            (Some(bytes), None) if bytes.len() > config.max_upload_bytes => {
                return Err(ApiError::PayloadTooLarge(format!(
                    "image is {} bytes; the limit is {} bytes",
                    bytes.len(),
                    config.max_upload_bytes
                )));
            }
            (Some(bytes), None) => match ImageBounds::from_config(config).check(bytes) {
                Err(ImageRefusal::TooLarge(message)) => {
                    return Err(ApiError::PayloadTooLarge(message))
                }
                Err(ImageRefusal::Invalid(e)) => {
                    details.insert(form::IMAGE.to_owned(), e);
                }
                Ok(header) if header.width.max(header.height) > config.max_image_edge => {
                    details.insert(
                        form::IMAGE.to_owned(),
                        format!(
                            "image is {}x{}; the longest edge may be {} pixels",
                            header.width, header.height, config.max_image_edge
                        ),
                    );
                }
                Ok(header) => image_info = Some(header.extension),
            },
        }
        let prompt = self
            .prompt
            .map(|p| p.trim().to_owned())
            .filter(|p| !p.is_empty());
        if prompt
            .as_ref()
            .is_some_and(|p| p.chars().count() > MAX_PROMPT_CHARS)
        {
            details.insert(
                form::PROMPT.to_owned(),
                format!("at most {MAX_PROMPT_CHARS} characters"),
            );
        }
        let style = self
            .style
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| defaults.default_style.clone());
        if !STYLES.contains(&style.as_str()) {
            details.insert(
                form::STYLE.to_owned(),
                format!("use one of {}", STYLES.join(", ")),
            );
        }
        let quality = match self.quality.filter(|q| !q.is_empty()) {
            None => Some(defaults.default_quality),
            Some(q) => match q.parse::<Quality>() {
                Ok(q) => Some(q),
                Err(e) => {
                    details.insert(form::QUALITY.to_owned(), e);
                    None
                }
            },
        };
        let aspect_ratio = self
            .aspect_ratio
            .filter(|a| !a.is_empty())
            .unwrap_or_else(|| defaults.default_aspect_ratio.clone());
        if !ASPECT_RATIOS.contains(&aspect_ratio.as_str()) {
            details.insert(
                form::ASPECT_RATIO.to_owned(),
                format!("use one of {}", ASPECT_RATIOS.join(", ")),
            );
        }
        let project_id = self
            .project_id
            .filter(|p| !p.is_empty())
            .or_else(|| defaults.default_project_id.clone());
        let callback_url = self
            .callback_url
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty());
        if let Some(url) = &callback_url {
            match url::Url::parse(url) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => {}
                _ => {
                    details.insert(
                        form::CALLBACK_URL.to_owned(),
                        "must be an http(s) URL".to_owned(),
                    );
                }
            }
        }
        ApiError::check_fields(details)?;
        let extension = image_info.ok_or_else(|| ApiError::internal("validated image missing"))?;
        Ok(ValidInput {
            image: self.image.unwrap_or_default(),
            extension,
            prompt,
            style,
            quality: quality.unwrap_or_default(),
            aspect_ratio,
            project_id,
            callback_url,
        })
    }
}

/// A validated render request.
struct ValidInput {
    image: Vec<u8>,
    extension: &'static str,
    prompt: Option<String>,
    style: String,
    quality: Quality,
    aspect_ratio: String,
    project_id: Option<String>,
    callback_url: Option<String>,
}

impl ValidInput {
    /// Hash identifying the request for `Idempotency-Key`: over the decoded content, not the raw
    /// body, so a client that rebuilds a multipart body (new boundary) on retry still matches.
    fn hash(&self) -> String {
        let mut h = Sha256::new();
        h.update(b"POST /api/plugins/renders\n");
        h.update(Sha256::digest(&self.image));
        for (name, value) in [
            ("prompt", self.prompt.as_deref()),
            ("style", Some(self.style.as_str())),
            ("quality", Some(self.quality.as_str())),
            ("aspectRatio", Some(self.aspect_ratio.as_str())),
            ("projectId", self.project_id.as_deref()),
            ("callbackUrl", self.callback_url.as_deref()),
        ] {
            h.update(name.as_bytes());
            match value {
                Some(v) => {
                    h.update(b"=");
                    h.update((v.len() as u64).to_be_bytes());
                    h.update(v.as_bytes());
                }
                None => h.update(b"~"),
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }
}
