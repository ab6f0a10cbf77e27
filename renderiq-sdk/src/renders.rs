//! Creating renders, following them to completion, downloading their output.

use std::fmt;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::Stream;
use tokio_util::sync::CancellationToken;

use crate::client::{path_segment, Client};
use crate::error::{Error, ErrorKind, Result};
use crate::http::{Body, MultipartSpec, Request};
use crate::operation::{Operation, OperationContext};
use crate::screenshot::{PrepareOptions, PreparedImage, Screenshot};
use crate::types::{form, Page, Quality, Render, RenderStatus, WaitUntil};

/// The largest render output a download reads (an 8K PNG is far smaller); past it the
/// download is a `Decode` error (`RESPONSE_TOO_LARGE`).
const MAX_IMAGE_BYTES: usize = 256 << 20;

/// Longest prompt the API accepts, in characters.
pub const MAX_PROMPT_CHARS: usize = 2000;

enum Image {
    Source(Screenshot<'static>),
    Prepared(PreparedImage),
}

/// The settings of a render, each optional (absent = the user's default), with the API's
/// camelCase names when deserialized: the one shape every binding hands to
/// [`CreateRender::settings`]. Unknown names are an error.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RenderSettings {
    /// What to render.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prompt: Option<String>,
    /// Style, one of [`STYLES`](crate::types::STYLES).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub style: Option<String>,
    /// Quality, which decides the credit cost.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<Quality>,
    /// Aspect ratio such as `"16:9"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aspect_ratio: Option<String>,
    /// Project to file the render under.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_id: Option<String>,
    /// URL that receives a signed delivery when the render ends.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    /// Idempotency key for the creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub idempotency_key: Option<String>,
}

/// What to render: the viewport screenshot and the render settings.
///
/// The screenshot is prepared for upload (orientation, down-scale, encode within a byte budget)
/// on a blocking thread when the render is created.
///
/// # Examples
///
/// ```
/// use renderiq_sdk::{CreateRender, Quality, Screenshot};
///
/// let req = CreateRender::new(Screenshot::file("view.png"))
///     .prompt("evening light, wet asphalt")
///     .style("photorealistic")
///     .quality(Quality::High)
///     .aspect_ratio("16:9");
/// # drop(req);
/// ```
#[must_use]
pub struct CreateRender {
    image: Image,
    prepare: PrepareOptions,
    prompt: Option<String>,
    style: Option<String>,
    quality: Option<Quality>,
    aspect_ratio: Option<String>,
    project_id: Option<String>,
    callback_url: Option<String>,
    idempotency_key: Option<String>,
    on_upload: Option<Arc<dyn Fn(u64, u64) + Send + Sync>>,
}

impl fmt::Debug for CreateRender {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CreateRender")
            .field("prompt", &self.prompt)
            .field("style", &self.style)
            .field("quality", &self.quality)
            .field("aspect_ratio", &self.aspect_ratio)
            .field("project_id", &self.project_id)
            .finish_non_exhaustive()
    }
}

impl CreateRender {
    /// A render of `screenshot` with the server's default settings.
    pub fn new(screenshot: Screenshot<'static>) -> Self {
        Self::with_image(Image::Source(screenshot))
    }

    /// A render of an image already prepared with [`Screenshot::prepare`].
    pub fn from_prepared(image: PreparedImage) -> Self {
        Self::with_image(Image::Prepared(image))
    }

    fn with_image(image: Image) -> Self {
        Self {
            image,
            prepare: PrepareOptions::default(),
            prompt: None,
            style: None,
            quality: None,
            aspect_ratio: None,
            project_id: None,
            callback_url: None,
            idempotency_key: None,
            on_upload: None,
        }
    }

    /// What to render. Default is none (the style alone decides).
    pub fn prompt(mut self, prompt: impl Into<String>) -> Self {
        self.prompt = Some(prompt.into());
        self
    }

    /// Style, one of [`STYLES`](crate::types::STYLES). Default is the user's setting.
    pub fn style(mut self, style: impl Into<String>) -> Self {
        self.style = Some(style.into());
        self
    }

    /// Quality, which decides the credit cost. Default is the user's setting.
    pub fn quality(mut self, quality: Quality) -> Self {
        self.quality = Some(quality);
        self
    }

    /// Aspect ratio such as `"16:9"`. Default is the user's setting.
    pub fn aspect_ratio(mut self, ratio: impl Into<String>) -> Self {
        self.aspect_ratio = Some(ratio.into());
        self
    }

    /// Project to file the render under. Default is none.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    /// URL that receives a signed webhook delivery when the render ends. Default is none.
    pub fn callback_url(mut self, url: impl Into<String>) -> Self {
        self.callback_url = Some(url.into());
        self
    }

    /// Idempotency key; a repeat with the same key returns the first render and charges
    /// nothing. Default is a fresh random key, reused on every retry of this call.
    pub fn idempotency_key(mut self, key: impl Into<String>) -> Self {
        self.idempotency_key = Some(key.into());
        self
    }

    /// Applies every setting that `settings` has, keeping the others: what the bindings call
    /// with the settings they receive.
    ///
    /// ```
    /// use renderiq_sdk::{CreateRender, RenderSettings, Screenshot};
    /// let settings: RenderSettings =
    ///     serde_json::from_str(r#"{"prompt": "dusk", "aspectRatio": "16:9"}"#).unwrap();
    /// let req = CreateRender::new(Screenshot::encoded(vec![])).settings(settings);
    /// assert!(format!("{req:?}").contains("dusk"));
    /// ```
    pub fn settings(mut self, settings: RenderSettings) -> Self {
        let RenderSettings {
            prompt,
            style,
            quality,
            aspect_ratio,
            project_id,
            callback_url,
            idempotency_key,
        } = settings;
        self.prompt = prompt.or(self.prompt);
        self.style = style.or(self.style);
        self.quality = quality.or(self.quality);
        self.aspect_ratio = aspect_ratio.or(self.aspect_ratio);
        self.project_id = project_id.or(self.project_id);
        self.callback_url = callback_url.or(self.callback_url);
        self.idempotency_key = idempotency_key.or(self.idempotency_key);
        self
    }

    /// How the screenshot is prepared. Default is [`PrepareOptions::default`] (2048 px JPEG).
    pub fn prepare_options(mut self, options: PrepareOptions) -> Self {
        self.prepare = options;
        self
    }

    /// Called with `(bytes_sent, bytes_total)` while the image uploads. Default is none.
    pub fn on_upload_progress(mut self, f: impl Fn(u64, u64) + Send + Sync + 'static) -> Self {
        self.on_upload = Some(Arc::new(f));
        self
    }

    fn validate(&self) -> Result<()> {
        if let Some(p) = &self.prompt {
            let n = p.chars().count();
            if n > MAX_PROMPT_CHARS {
                return Err(Error::invalid_input(format!(
                    "the prompt has {n} characters; the limit is {MAX_PROMPT_CHARS}"
                ))
                .with_details(serde_json::json!({"prompt": "too long"})));
            }
        }
        if let Some(id) = &self.project_id {
            path_segment(id)?;
        }
        if let Some(url) = &self.callback_url {
            let ok = url::Url::parse(url)
                .map(|u| matches!(u.scheme(), "http" | "https"))
                .unwrap_or(false);
            if !ok {
                return Err(Error::invalid_input(format!(
                    "callback URL {url:?} must be an http(s) URL"
                ))
                .with_details(serde_json::json!({"callbackUrl": "must be an http(s) URL"})));
            }
        }
        Ok(())
    }
}

/// Filters and paging for [`Client::list_renders`].
///
/// ```
/// use renderiq_sdk::{ListRenders, RenderStatus};
/// let q = ListRenders::new().status(RenderStatus::Completed).limit(50);
/// # drop(q);
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[must_use]
pub struct ListRenders {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    page: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limit: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    status: Option<RenderStatus>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    project_id: Option<String>,
}

impl ListRenders {
    /// First page, server's default size, no filter.
    pub fn new() -> Self {
        Self::default()
    }

    /// 1-based page. Default is 1; 0 is refused when the query is sent.
    pub fn page(mut self, page: u32) -> Self {
        self.page = Some(page);
        self
    }

    /// Page size, 1 to [`MAX_PAGE_SIZE`](crate::call::MAX_PAGE_SIZE). Default is
    /// [`DEFAULT_PAGE_SIZE`](crate::call::DEFAULT_PAGE_SIZE) (20).
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Only renders in this state. Default is all.
    pub fn status(mut self, status: RenderStatus) -> Self {
        self.status = Some(status);
        self
    }

    /// Only renders of this project. Default is all.
    pub fn project_id(mut self, id: impl Into<String>) -> Self {
        self.project_id = Some(id.into());
        self
    }

    fn request(&self) -> Result<Request> {
        let (page, limit) = crate::call::PageQuery {
            page: self.page,
            limit: self.limit,
        }
        .resolve()?;
        let mut r = Request::get("renders")
            .query("page", page)
            .query("limit", limit);
        if let Some(s) = self.status {
            r = r.query("status", s);
        }
        if let Some(p) = &self.project_id {
            r = r.query("projectId", p);
        }
        Ok(r)
    }
}

/// A progress report while waiting for a render.
#[derive(Debug, Clone)]
pub struct WaitProgress {
    /// The render as last seen.
    pub render: Render,
    /// Time since the wait began.
    pub elapsed: Duration,
}

/// Progress callback of a wait.
pub type ProgressFn = Arc<dyn Fn(&WaitProgress) + Send + Sync>;

/// How [`Client::wait_for_render_with`] waits.
///
/// ```
/// use std::time::Duration;
/// use renderiq_sdk::{CancellationToken, WaitOptions};
///
/// let cancel = CancellationToken::new();
/// let opts = WaitOptions::new()
///     .timeout(Duration::from_secs(120))
///     .cancel_token(cancel.clone())
///     .on_progress(|p| println!("{}% ({})", p.render.progress, p.render.status));
/// # drop(opts);
/// ```
#[derive(Clone)]
#[must_use]
pub struct WaitOptions {
    timeout: Duration,
    long_poll: bool,
    long_poll_wait: Duration,
    poll_interval: Duration,
    max_poll_interval: Duration,
    cancel: Option<CancellationToken>,
    on_progress: Option<ProgressFn>,
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("timeout", &self.timeout)
            .field("long_poll", &self.long_poll)
            .field("poll_interval", &self.poll_interval)
            .field("max_poll_interval", &self.max_poll_interval)
            .finish_non_exhaustive()
    }
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(600),
            long_poll: true,
            long_poll_wait: Duration::from_secs(20),
            poll_interval: Duration::from_millis(500),
            max_poll_interval: Duration::from_secs(5),
            cancel: None,
            on_progress: None,
        }
    }
}

impl WaitOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }

    /// Deadline of the whole wait. Default is 10 minutes.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Ask the server to hold each status request until the render moves or ends
    /// (`?wait=20&until=change`), so progress is reported as it happens with no polling delay.
    /// Servers without long-poll answer at once and the SDK falls back to polling. Default is
    /// `true`.
    pub fn long_poll(mut self, on: bool) -> Self {
        self.long_poll = on;
        self
    }

    /// Seconds one long-poll request may be held. Default is 20 s.
    pub fn long_poll_wait(mut self, wait: Duration) -> Self {
        self.long_poll_wait = wait;
        self
    }

    /// First delay between polls; grows by half each poll up to
    /// [`max_poll_interval`](Self::max_poll_interval). Default is 500 ms.
    pub fn poll_interval(mut self, interval: Duration) -> Self {
        self.poll_interval = interval;
        self
    }

    /// Longest delay between polls. Default is 5 s.
    pub fn max_poll_interval(mut self, interval: Duration) -> Self {
        self.max_poll_interval = interval;
        self
    }

    /// The delay before poll `n` (0-based) when the wait polls (long-poll off, or a server that
    /// answers at once with nothing new): [`poll_interval`](Self::poll_interval) grown by half
    /// `n` times, capped at [`max_poll_interval`](Self::max_poll_interval).
    ///
    /// ```
    /// use std::time::Duration;
    /// use renderiq_sdk::WaitOptions;
    ///
    /// let opts = WaitOptions::new(); // 500 ms, growing to 5 s
    /// assert_eq!(opts.poll_delay(0), Duration::from_millis(500));
    /// assert_eq!(opts.poll_delay(1), Duration::from_millis(750));
    /// assert_eq!(opts.poll_delay(2), Duration::from_millis(1125));
    /// assert_eq!(opts.poll_delay(100), Duration::from_secs(5));
    /// ```
    pub fn poll_delay(&self, n: u32) -> Duration {
        // Past 1.5^200 every useful interval is at the cap; stop before f64 overflows.
        let secs = self.poll_interval.as_secs_f64() * 1.5f64.powi(n.min(200) as i32);
        Duration::try_from_secs_f64(secs)
            .unwrap_or(Duration::MAX)
            .min(self.max_poll_interval)
    }

    /// Cancel the wait from elsewhere (a UI's Cancel button). Default is none.
    pub fn cancel_token(mut self, token: CancellationToken) -> Self {
        self.cancel = Some(token);
        self
    }

    /// Called with every new state seen. Default is none.
    pub fn on_progress(mut self, f: impl Fn(&WaitProgress) + Send + Sync + 'static) -> Self {
        self.on_progress = Some(Arc::new(f));
        self
    }
}

impl Client {
    /// Starts [`create_render`](Self::create_render) in the background; the handle reports
    /// `preparing` / `uploading` progress. For host UI threads that poll from a timer.
    ///
    /// # Errors
    ///
    /// [`Config`](crate::ErrorKind::Config) when the shared runtime is unavailable; the
    /// operation's own result carries the errors of `create_render`.
    ///
    /// Cancelling it withdraws the render when the creation reached the server anyway and the
    /// render is still pending (credits refunded), as [`start_render`](Self::start_render) does.
    pub fn start_create_render(&self, req: CreateRender) -> Result<Operation<Render>> {
        let client = self.clone();
        Operation::spawn(move |ctx| async move { client.create_for_operation(req, &ctx).await })
    }

    /// Creates the render on its own task, so that a cancel while the upload is under way does
    /// not lose a render the server made. Until the operation ends, a cancel withdraws the
    /// render if it was last seen pending (credits refunded), and the operation reports itself
    /// cancelled only after that attempt.
    pub(crate) async fn create_for_operation(
        &self,
        req: CreateRender,
        ctx: &OperationContext,
    ) -> Result<Render> {
        let (client, task_ctx) = (self.clone(), ctx.clone());
        let (finished, finished_rx) = tokio::sync::oneshot::channel::<()>();
        let created = tokio::spawn(async move {
            let result = client.create_with_progress(req, &task_ctx).await;
            if let Ok(render) = &result {
                task_ctx.report_render(render);
            }
            let _ = finished.send(());
            result
        });
        // Registered before anything can be created, so no cancel can slip between the creation
        // and the withdrawal: a cancel at any point until the operation ends waits for the
        // creation's answer, then withdraws the render if it was last seen pending.
        let (client, watch) = (self.clone(), ctx.clone());
        ctx.on_cancel(async move {
            let _ = finished_rx.await;
            if let Some(render) = watch.last_render() {
                client.withdraw_if_pending(&render).await;
            }
        });
        created.await.map_err(|e| {
            Error::new(
                crate::ErrorKind::Server,
                format!("internal error in the Renderiq SDK (render creation task: {e}); please report it"),
            )
        })?
    }

    /// Starts [`wait_for_render_with`](Self::wait_for_render_with) in the background; the
    /// handle's progress carries the render as last seen.
    ///
    /// # Errors
    ///
    /// As [`start_create_render`](Self::start_create_render).
    pub fn start_wait_for_render(&self, id: &str, opts: WaitOptions) -> Result<Operation<Render>> {
        let client = self.clone();
        let id = id.to_owned();
        Operation::spawn(move |ctx| async move { client.wait_with_progress(&id, opts, &ctx).await })
    }

    /// Creates a render and follows it to completion in one background operation: the whole
    /// "Render" button of a plugin.
    ///
    /// Cancelling the operation after the render was created and before it started processing
    /// also withdraws it on the server (`POST /renders/{id}/cancel`), which refunds its credits:
    /// a user who presses Cancel does not pay for a render nobody will see. A render already
    /// processing runs to its end on the server.
    ///
    /// # Errors
    ///
    /// As [`start_create_render`](Self::start_create_render).
    pub fn start_render(&self, req: CreateRender, opts: WaitOptions) -> Result<Operation<Render>> {
        let client = self.clone();
        Operation::spawn(move |ctx| async move {
            let render = client.create_for_operation(req, &ctx).await?;
            client.wait_with_progress(&render.id, opts, &ctx).await
        })
    }

    /// Withdraws `render` when it was last seen pending (credits refunded).
    async fn withdraw_if_pending(&self, render: &Render) {
        if render.status != RenderStatus::Pending {
            return;
        }
        match self.cancel_render(&render.id).await {
            Ok(_) => {
                tracing::debug!(render = %render.id, "withdrew the cancelled render; credits refunded")
            }
            Err(e) => {
                tracing::debug!(render = %render.id, error = %e, "the cancelled render could not be withdrawn")
            }
        }
    }

    async fn create_with_progress(
        &self,
        req: CreateRender,
        ctx: &OperationContext,
    ) -> Result<Render> {
        ctx.report(0, Some("preparing"));
        let upload_ctx = ctx.clone();
        let user_cb = req.on_upload.clone();
        let req = req.on_upload_progress(move |sent, total| {
            let pct = (sent.saturating_mul(100).checked_div(total).unwrap_or(0)).min(100) as u8;
            upload_ctx.report(pct, Some("uploading"));
            if let Some(cb) = &user_cb {
                cb(sent, total);
            }
        });
        self.create_render(req).await
    }

    pub(crate) async fn wait_with_progress(
        &self,
        id: &str,
        opts: WaitOptions,
        ctx: &OperationContext,
    ) -> Result<Render> {
        let progress_ctx = ctx.clone();
        let user_cb = opts.on_progress.clone();
        let opts = opts.cancel_token(ctx.cancel_token()).on_progress(move |p| {
            progress_ctx.report_render(&p.render);
            if let Some(cb) = &user_cb {
                cb(p);
            }
        });
        self.wait_for_render_with(id, opts).await
    }

    /// Prepares the screenshot and creates a render. The call is retried on transient failures
    /// with the same `Idempotency-Key`, so a render is created and charged at most once.
    ///
    /// # Errors
    ///
    /// [`Image`](crate::ErrorKind::Image) when the screenshot cannot be read,
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) for bad settings,
    /// [`InsufficientCredits`](crate::ErrorKind::InsufficientCredits) with the required and
    /// available credits, [`RateLimited`](crate::ErrorKind::RateLimited) with `retry_after`.
    pub async fn create_render(&self, req: CreateRender) -> Result<Render> {
        req.validate()?;
        let CreateRender {
            image,
            prepare,
            prompt,
            style,
            quality,
            aspect_ratio,
            project_id,
            callback_url,
            idempotency_key,
            on_upload,
        } = req;
        let prepared = match image {
            Image::Prepared(p) => p,
            Image::Source(shot) => tokio::task::spawn_blocking(move || shot.prepare(&prepare))
                .await
                .map_err(|e| {
                    Error::new(ErrorKind::Image, "preparing the screenshot failed").with_source(e)
                })??,
        };
        let mut fields = Vec::new();
        let opt = [
            (form::PROMPT, prompt),
            (form::STYLE, style),
            (form::QUALITY, quality.map(|q| q.as_str().to_owned())),
            (form::ASPECT_RATIO, aspect_ratio),
            (form::PROJECT_ID, project_id),
            (form::CALLBACK_URL, callback_url),
        ];
        for (name, value) in opt {
            if let Some(v) = value {
                fields.push((name, v));
            }
        }
        let spec = MultipartSpec {
            fields,
            file_field: form::IMAGE,
            file_name: format!("viewport.{}", prepared.format.extension()),
            file_mime: prepared.format.mime_type(),
            file: Bytes::from(prepared.bytes),
            progress: on_upload,
        };
        let key =
            idempotency_key.unwrap_or_else(|| format!("rq_{}", uuid::Uuid::new_v4().simple()));
        let mut request = Request::post("renders").idempotency_key(key);
        request.body = Body::Multipart(Arc::new(spec));
        self.send(request).await
    }

    /// The render's current state.
    ///
    /// # Errors
    ///
    /// [`NotFound`](crate::ErrorKind::NotFound) for an unknown id (or another user's render).
    pub async fn retrieve_render(&self, id: &str) -> Result<Render> {
        self.send(Request::get(format!("renders/{}", path_segment(id)?)))
            .await
    }

    /// Cancels a render that has not started processing; its credits are refunded.
    ///
    /// # Errors
    ///
    /// [`Conflict`](crate::ErrorKind::Conflict) when the render is already processing or done.
    pub async fn cancel_render(&self, id: &str) -> Result<Render> {
        self.send(Request::post(format!(
            "renders/{}/cancel",
            path_segment(id)?
        )))
        .await
    }

    /// One page of the user's renders, newest first.
    ///
    /// # Errors
    ///
    /// [`Auth`](crate::ErrorKind::Auth) when not signed in.
    pub async fn list_renders(&self, query: &ListRenders) -> Result<Page<Render>> {
        if let Some(p) = &query.project_id {
            path_segment(p)?;
        }
        self.send(query.request()?).await
    }

    /// Every render matching `query`, fetching further pages as the stream is read.
    ///
    /// ```no_run
    /// use futures_util::TryStreamExt;
    /// # async fn run(client: renderiq_sdk::Client) -> renderiq_sdk::Result<()> {
    /// let all: Vec<_> = client.renders(renderiq_sdk::ListRenders::new()).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn renders(
        &self,
        query: ListRenders,
    ) -> impl Stream<Item = Result<Render>> + Send + 'static {
        let client = self.clone();
        let start = query.page.unwrap_or(1);
        futures_util::stream::try_unfold(
            (client, query, Some(start), Vec::<Render>::new().into_iter()),
            |(client, query, next_page, mut buf)| async move {
                if let Some(r) = buf.next() {
                    return Ok(Some((r, (client, query, next_page, buf))));
                }
                let Some(page) = next_page else {
                    return Ok(None);
                };
                let got = client.list_renders(&query.clone().page(page)).await?;
                let next = got.has_more.then_some(page + 1);
                let mut items = got.items.into_iter();
                Ok(items
                    .next()
                    .map(|first| (first, (client, query, next, items))))
            },
        )
    }

    /// Waits until the render completes, with the default [`WaitOptions`].
    ///
    /// # Errors
    ///
    /// See [`wait_for_render_with`](Self::wait_for_render_with).
    pub async fn wait_for_render(&self, id: &str) -> Result<Render> {
        self.wait_for_render_with(id, WaitOptions::default()).await
    }

    /// Follows a render to a terminal state: long-poll when the server offers it, otherwise
    /// polling with a growing interval. Reports every new state to the progress callback.
    ///
    /// # Errors
    ///
    /// [`RenderFailed`](crate::ErrorKind::RenderFailed) when the render failed (its credits were
    /// refunded), [`Cancelled`](crate::ErrorKind::Cancelled) when it was cancelled or the token
    /// fired, [`Timeout`](crate::ErrorKind::Timeout) when the deadline passed (the render keeps
    /// running: wait again or cancel it).
    pub async fn wait_for_render_with(&self, id: &str, opts: WaitOptions) -> Result<Render> {
        path_segment(id)?;
        let cancel = opts.cancel.clone().unwrap_or_default();
        let deadline = tokio::time::Instant::now() + opts.timeout;
        let work = self.wait_loop(id, &opts);
        tokio::select! {
            biased;
            _ = cancel.cancelled() => Err(Error::cancelled()),
            _ = tokio::time::sleep_until(deadline) => Err(Error::new(
                ErrorKind::Timeout,
                format!(
                    "render {id} did not finish within {:?}; it is still running: wait again or cancel it",
                    opts.timeout
                ),
            )),
            r = work => r,
        }
    }

    async fn wait_loop(&self, id: &str, opts: &WaitOptions) -> Result<Render> {
        let started = Instant::now();
        let mut polls = 0u32;
        let mut last: Option<(RenderStatus, u8)> = None;
        let wait_secs = opts.long_poll_wait.as_secs().max(1);
        loop {
            let mut req = Request::get(format!("renders/{id}"));
            // The first read answers at once with the current state; after it, each long-poll
            // is held until the render moves or ends.
            if opts.long_poll && last.is_some() {
                req = req
                    .query("wait", wait_secs)
                    .query("until", WaitUntil::Change.as_str());
                req.extra_timeout = Duration::from_secs(wait_secs);
            }
            let sent = Instant::now();
            let render: Render = self.send(req).await?;
            let state = (render.status, render.progress);
            let moved = last != Some(state);
            if moved {
                last = Some(state);
                if let Some(cb) = &opts.on_progress {
                    cb(&WaitProgress {
                        render: render.clone(),
                        elapsed: started.elapsed(),
                    });
                }
            }
            match render.status {
                RenderStatus::Completed => return Ok(render),
                RenderStatus::Failed => {
                    let why = render
                        .error
                        .clone()
                        .unwrap_or_else(|| "no reason given".into());
                    return Err(Error::new(
                        ErrorKind::RenderFailed,
                        format!("render {id} failed: {why}; its credits were refunded, try again"),
                    )
                    .with_code("RENDER_FAILED")
                    .with_details(serde_json::to_value(&render).unwrap_or_default()));
                }
                RenderStatus::Cancelled => {
                    return Err(Error::new(
                        ErrorKind::Cancelled,
                        format!("render {id} was cancelled"),
                    )
                    .with_details(serde_json::to_value(&render).unwrap_or_default()))
                }
                RenderStatus::Pending | RenderStatus::Processing => {}
            }
            // A held request, or an answer because the state moved, means the server
            // long-polls: ask again at once. A quick answer with nothing new means it does not:
            // back off before polling again.
            let held = sent.elapsed() >= Duration::from_secs(wait_secs) / 2;
            if !(opts.long_poll && (held || moved)) {
                tokio::time::sleep(opts.poll_delay(polls)).await;
                polls = polls.saturating_add(1);
            }
        }
    }

    /// Downloads a completed render's output image.
    ///
    /// Output links are signed and expire (an hour on the reference server). When the CDN
    /// refuses the link in `render` (403, typically a render read long ago), the render is read
    /// again and its fresh link fetched once.
    ///
    /// # Errors
    ///
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when the render has no output yet,
    /// [`Network`](crate::ErrorKind::Network) or an HTTP error from the CDN, or an error of
    /// reading the render again.
    pub async fn download_render(&self, render: &Render) -> Result<Vec<u8>> {
        match self.fetch_output(render).await {
            Err(e) if e.status() == Some(403) => {
                let fresh = self.retrieve_render(&render.id).await?;
                self.fetch_output(&fresh).await
            }
            fetched => fetched,
        }
    }

    /// GETs the render's `outputUrl`.
    async fn fetch_output(&self, render: &Render) -> Result<Vec<u8>> {
        let url = render.output_url.as_deref().ok_or_else(|| {
            Error::invalid_input(format!(
                "render {} is {} and has no output yet; wait for it to complete",
                render.id, render.status
            ))
        })?;
        let url = self.inner.transport.base_url.join(url).map_err(|e| {
            Error::new(
                ErrorKind::Decode,
                format!("the output URL {url:?} is not valid"),
            )
            .with_source(e)
        })?;
        // The CDN is another origin: no credentials are sent to it.
        let resp = self
            .inner
            .transport
            .http
            .get(url)
            .timeout(self.inner.transport.timeout)
            .send()
            .await?;
        let status = resp.status();
        if !status.is_success() {
            return Err(Error::from_api(status.as_u16(), None, None, None));
        }
        Ok(crate::http::read_capped(resp, MAX_IMAGE_BYTES)
            .await?
            .to_vec())
    }

    /// Downloads a completed render's output to `path` (written atomically).
    ///
    /// # Errors
    ///
    /// As [`download_render`](Self::download_render), plus
    /// [`InvalidInput`](crate::ErrorKind::InvalidInput) when the file cannot be written.
    pub async fn download_render_to(&self, render: &Render, path: impl AsRef<Path>) -> Result<u64> {
        let bytes = self.download_render(render).await?;
        let path = path.as_ref();
        let io = |e: std::io::Error| {
            Error::invalid_input(format!("could not write {}: {e}", path.display())).with_source(e)
        };
        // A temporary file of a fresh name, created exclusively (never through a link someone
        // left in a shared folder), then renamed over `path`.
        let tmp = path.with_extension(format!("part-{}", uuid::Uuid::new_v4().simple()));
        let written = async {
            let mut file = tokio::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
                .await?;
            tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
            file.sync_all().await?;
            drop(file);
            tokio::fs::rename(&tmp, path).await
        };
        if let Err(e) = written.await {
            let _ = tokio::fs::remove_file(&tmp).await;
            return Err(io(e));
        }
        Ok(bytes.len() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_poll_delay_grows_by_half_each_poll_up_to_its_cap() {
        let opts = WaitOptions::new()
            .poll_interval(Duration::from_millis(256))
            .max_poll_interval(Duration::from_secs(2));
        let delays: Vec<_> = (0..8).map(|n| opts.poll_delay(n).as_micros()).collect();
        // 256 ms × 1.5ⁿ: 256, 384, 576, 864, 1296, 1944, then 2916 → capped at 2000.
        assert_eq!(
            delays,
            [256_000, 384_000, 576_000, 864_000, 1_296_000, 1_944_000, 2_000_000, 2_000_000]
        );
        assert_eq!(opts.poll_delay(u32::MAX), Duration::from_secs(2));
        let defaults = WaitOptions::new();
        assert_eq!(defaults.poll_delay(0), Duration::from_millis(500));
        assert_eq!(
            defaults.poll_delay(50),
            Duration::from_secs(5),
            "default cap"
        );
    }

    #[test]
    fn a_cap_below_the_first_interval_wins() {
        let opts = WaitOptions::new()
            .poll_interval(Duration::from_secs(3))
            .max_poll_interval(Duration::from_secs(1));
        assert_eq!(opts.poll_delay(0), Duration::from_secs(1));
    }
}
