//! `Renderiq::Native::Client` and `Renderiq::Native::Screenshot`.
//!
//! `call(call_json, data)` and `start(call_json, data)` are the generic entry: any call of the
//! core's `renderiq_sdk::call::Call`, as its JSON, with image bytes beside it (`data`, a binary
//! String or nil) instead of base64 inside. Each `start_*` method starts one SDK call as a
//! background operation and returns its `Renderiq::Native::Operation` at once; nothing here
//! blocks or holds the GVL while waiting.
//! Arguments are plain values or JSON documents and results are the API's wire JSON, so this
//! layer has the same shape as the C ABI that the Fiddle backend uses: the Ruby code above both
//! is shared. There is no logic here beyond converting arguments.

use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

use magnus::{Error, RString, Ruby};
use renderiq_sdk::call::Call;
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::operation::Operation;
use renderiq_sdk::screenshot::PixelFormat;
use renderiq_sdk::types::{Render, SettingsUpdate};
use renderiq_sdk::{
    Client, CreateRender, ListRenders, RenderSettings, RenderStatus, Screenshot, WaitOptions,
};
use serde::Deserialize;

use crate::error;
use crate::operation::{Output, RbOperation};

/// A viewport capture handed to `start_create_render`: built once, used once.
#[magnus::wrap(class = "Renderiq::Native::Screenshot", free_immediately, size)]
pub struct RbScreenshot {
    shot: Mutex<Option<Screenshot<'static>>>,
}

impl RbScreenshot {
    fn wrap(shot: Screenshot<'static>) -> Self {
        Self {
            shot: Mutex::new(Some(shot)),
        }
    }

    /// `Screenshot.file(path)`: a PNG, JPEG or WebP file, read when the render is created.
    pub fn file(path: String) -> Self {
        Self::wrap(Screenshot::file(path))
    }

    /// `Screenshot.encoded(bytes)`: PNG, JPEG or WebP bytes (copied).
    pub fn encoded(bytes: RString) -> Self {
        Self::wrap(Screenshot::encoded(copy(&bytes)))
    }

    /// `Screenshot.raw(pixels, width, height, stride, format, bottom_up)`: raw 8-bit pixels
    /// (copied); `format` is `"rgba"` or `"bgra"`.
    pub fn raw(
        ruby: &Ruby,
        pixels: RString,
        width: u32,
        height: u32,
        stride: usize,
        format: String,
        bottom_up: bool,
    ) -> Result<Self, Error> {
        let format = match format.as_str() {
            "rgba" => PixelFormat::Rgba8,
            "bgra" => PixelFormat::Bgra8,
            other => {
                return Err(error::argument(
                    ruby,
                    format!("unknown pixel format {other:?}: use \"rgba\" or \"bgra\""),
                ))
            }
        };
        let mut shot = Screenshot::raw(copy(&pixels), width, height, stride, format);
        if let Screenshot::Raw(raw) = &mut shot {
            raw.bottom_up = bottom_up;
        }
        Ok(Self::wrap(shot))
    }

    fn take(&self, ruby: &Ruby) -> Result<Screenshot<'static>, Error> {
        self.shot
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| error::argument(ruby, "this screenshot was already used for a render"))
    }
}

/// Copies a Ruby string's bytes (the operation outlives the call, the string may not).
fn copy(s: &RString) -> Vec<u8> {
    // SAFETY: the slice is copied at once, before any Ruby code can run.
    unsafe { s.as_slice() }.to_vec()
}

/// How to wait (wire names): `{"timeoutMs": 600000, "pollIntervalMs": 500, "longPoll": true}`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct WaitConfig {
    timeout_ms: Option<u64>,
    poll_interval_ms: Option<u64>,
    long_poll: Option<bool>,
}

impl WaitConfig {
    fn options(self) -> WaitOptions {
        let mut o = WaitOptions::new();
        if let Some(ms) = self.timeout_ms {
            o = o.timeout(Duration::from_millis(ms));
        }
        if let Some(ms) = self.poll_interval_ms {
            o = o.poll_interval(Duration::from_millis(ms));
        }
        if let Some(on) = self.long_poll {
            o = o.long_poll(on);
        }
        o
    }
}

/// A page query of `list_renders` (wire names).
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RenderQuery {
    page: Option<u32>,
    limit: Option<u32>,
    status: Option<RenderStatus>,
    project_id: Option<String>,
}

/// Parses a JSON argument; a malformed document is a bug of the Ruby wrapper or a bad value
/// from the caller, reported as `ArgumentError`.
fn parse<T: for<'de> Deserialize<'de>>(ruby: &Ruby, what: &str, json: &str) -> Result<T, Error> {
    serde_json::from_str(json).map_err(|e| error::argument(ruby, format!("invalid {what}: {e}")))
}

fn json<T: serde::Serialize>(value: &T) -> Output {
    // Serialising the SDK's own wire types cannot fail.
    Output::Json(serde_json::to_string(value).expect("wire types serialise"))
}

/// A client of the Renderiq API. Cheap to share between threads.
#[magnus::wrap(class = "Renderiq::Native::Client", free_immediately, size)]
pub struct RbClient {
    client: Client,
}

impl RbClient {
    /// `Client.new(config_json)`: `config_json` is the SDK's `ClientConfig` document, the same
    /// one the C ABI's `renderiq_client_new` takes.
    pub fn new(ruby: &Ruby, config_json: String) -> Result<Self, Error> {
        let client = ClientConfig::from_json(&config_json)
            .and_then(|c| c.into_builder())
            .and_then(|b| b.build())
            .map_err(|e| error::raise(ruby, &e))?;
        Ok(Self { client })
    }

    /// `start(call_json, data)`: starts any call of the core (`{"call": "create_render", …}`)
    /// as an operation; `data` (a String or nil) holds the image bytes of a `bytes` or `raw`
    /// image. A call that is not valid raises `Renderiq::ValidationError` here; the call's own
    /// failures are the operation's outcome.
    pub fn start(
        ruby: &Ruby,
        rb_self: &Self,
        call_json: String,
        data: Option<RString>,
    ) -> Result<RbOperation, Error> {
        let mut call = Call::from_json(&call_json).map_err(|e| error::raise(ruby, &e))?;
        if let Some(bytes) = data {
            call.attach(copy(&bytes))
                .map_err(|e| error::raise(ruby, &e))?;
        }
        rb_self
            .client
            .start(call)
            .map(RbOperation::call)
            .map_err(|e| error::raise(ruby, &e))
    }

    /// `call(call_json, data)`: makes the call and answers its result as JSON text (`null` for
    /// calls without a result), waiting with the GVL released. An interrupt of the waiting
    /// thread cancels the call (withdrawing a render it created while pending) and is raised.
    pub fn call(
        ruby: &Ruby,
        rb_self: &Self,
        call_json: String,
        data: Option<RString>,
    ) -> Result<RString, Error> {
        let op = Self::start(ruby, rb_self, call_json, data)?;
        RbOperation::wait(ruby, &op, None)?;
        RbOperation::outcome(ruby, &op)
    }

    /// Starts `f(client)` in the background.
    fn spawn<F, Fut>(&self, ruby: &Ruby, f: F) -> Result<RbOperation, Error>
    where
        F: FnOnce(Client) -> Fut,
        Fut: Future<Output = renderiq_sdk::Result<Output>> + Send + 'static,
    {
        let client = self.client.clone();
        let fut = f(client);
        Operation::spawn(move |_ctx| fut)
            .map(RbOperation::output)
            .map_err(|e| error::raise(ruby, &e))
    }

    fn render_op(
        ruby: &Ruby,
        op: renderiq_sdk::Result<Operation<Render>>,
    ) -> Result<RbOperation, Error> {
        op.map(RbOperation::render)
            .map_err(|e| error::raise(ruby, &e))
    }

    // ---- auth ---------------------------------------------------------------------------

    pub fn start_sign_in(
        ruby: &Ruby,
        rb_self: &Self,
        email: String,
        password: String,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.sign_in(&email, &password).await.map(|u| json(&u))
        })
    }

    pub fn start_use_api_key(
        ruby: &Ruby,
        rb_self: &Self,
        key: String,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.use_api_key(&key).await.map(|()| json(&()))
        })
    }

    pub fn start_is_signed_in(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(
            ruby,
            |c| async move { c.is_signed_in().await.map(|b| json(&b)) },
        )
    }

    pub fn start_me(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move { c.me().await.map(|u| json(&u)) })
    }

    pub fn start_sign_out(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(
            ruby,
            |c| async move { c.sign_out().await.map(|()| json(&())) },
        )
    }

    // ---- renders ------------------------------------------------------------------------

    pub fn start_create_render(
        ruby: &Ruby,
        rb_self: &Self,
        shot: &RbScreenshot,
        options_json: String,
    ) -> Result<RbOperation, Error> {
        let options: RenderSettings = parse(ruby, "render options", &options_json)?;
        let req = CreateRender::new(shot.take(ruby)?).settings(options);
        Self::render_op(ruby, rb_self.client.start_create_render(req))
    }

    pub fn start_create_and_wait(
        ruby: &Ruby,
        rb_self: &Self,
        shot: &RbScreenshot,
        options_json: String,
        wait_json: String,
    ) -> Result<RbOperation, Error> {
        let options: RenderSettings = parse(ruby, "render options", &options_json)?;
        let wait: WaitConfig = parse(ruby, "wait options", &wait_json)?;
        let req = CreateRender::new(shot.take(ruby)?).settings(options);
        Self::render_op(ruby, rb_self.client.start_render(req, wait.options()))
    }

    pub fn start_get_render(ruby: &Ruby, rb_self: &Self, id: String) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.retrieve_render(&id).await.map(|r| json(&r))
        })
    }

    pub fn start_list_renders(
        ruby: &Ruby,
        rb_self: &Self,
        query_json: String,
    ) -> Result<RbOperation, Error> {
        let q: RenderQuery = parse(ruby, "render query", &query_json)?;
        let mut query = ListRenders::new().page(q.page.unwrap_or(1));
        if let Some(l) = q.limit {
            query = query.limit(l);
        }
        if let Some(s) = q.status {
            query = query.status(s);
        }
        if let Some(p) = q.project_id {
            query = query.project_id(p);
        }
        rb_self.spawn(ruby, |c| async move {
            c.list_renders(&query).await.map(|p| json(&p))
        })
    }

    pub fn start_cancel_render(
        ruby: &Ruby,
        rb_self: &Self,
        id: String,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.cancel_render(&id).await.map(|r| json(&r))
        })
    }

    pub fn start_wait_for_render(
        ruby: &Ruby,
        rb_self: &Self,
        id: String,
        wait_json: String,
    ) -> Result<RbOperation, Error> {
        let wait: WaitConfig = parse(ruby, "wait options", &wait_json)?;
        Self::render_op(
            ruby,
            rb_self.client.start_wait_for_render(&id, wait.options()),
        )
    }

    /// Downloads the output of `render_json` (a render as the API returns it); to `path` when
    /// given (the result is the byte count), else the bytes themselves.
    pub fn start_download_render(
        ruby: &Ruby,
        rb_self: &Self,
        render_json: String,
        path: Option<String>,
    ) -> Result<RbOperation, Error> {
        let render: Render = parse(ruby, "render", &render_json)?;
        rb_self.spawn(ruby, |c| async move {
            match path {
                Some(p) => c.download_render_to(&render, p).await.map(|n| json(&n)),
                None => c.download_render(&render).await.map(Output::Bytes),
            }
        })
    }

    // ---- projects, credits, settings ----------------------------------------------------

    pub fn start_projects(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(
            ruby,
            |c| async move { c.projects().await.map(|p| json(&p)) },
        )
    }

    pub fn start_create_project(
        ruby: &Ruby,
        rb_self: &Self,
        name: String,
        description: Option<String>,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.create_project(&name, description.as_deref())
                .await
                .map(|p| json(&p))
        })
    }

    pub fn start_credits(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move { c.credits().await.map(|v| json(&v)) })
    }

    pub fn start_credit_transactions(
        ruby: &Ruby,
        rb_self: &Self,
        page: u32,
        limit: u32,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.credit_transactions(page, limit).await.map(|v| json(&v))
        })
    }

    pub fn start_settings(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(
            ruby,
            |c| async move { c.settings().await.map(|v| json(&v)) },
        )
    }

    pub fn start_update_settings(
        ruby: &Ruby,
        rb_self: &Self,
        update_json: String,
    ) -> Result<RbOperation, Error> {
        let update: SettingsUpdate = parse(ruby, "settings", &update_json)?;
        rb_self.spawn(ruby, |c| async move {
            c.update_settings(&update).await.map(|v| json(&v))
        })
    }

    // ---- API keys and webhooks ----------------------------------------------------------

    pub fn start_create_api_key(
        ruby: &Ruby,
        rb_self: &Self,
        name: String,
        scopes: Vec<String>,
        expires_at: Option<String>,
    ) -> Result<RbOperation, Error> {
        let expires_at = match expires_at {
            None => None,
            Some(s) => Some(
                chrono::DateTime::parse_from_rfc3339(&s)
                    .map_err(|e| {
                        error::argument(
                            ruby,
                            format!("expires_at {s:?} is not an RFC 3339 time: {e}"),
                        )
                    })?
                    .with_timezone(&chrono::Utc),
            ),
        };
        rb_self.spawn(ruby, |c| async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            c.create_api_key(&name, &scopes, expires_at)
                .await
                .map(|v| json(&v))
        })
    }

    pub fn start_api_keys(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(
            ruby,
            |c| async move { c.api_keys().await.map(|v| json(&v)) },
        )
    }

    pub fn start_revoke_api_key(
        ruby: &Ruby,
        rb_self: &Self,
        id: String,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.revoke_api_key(&id).await.map(|()| json(&()))
        })
    }

    pub fn start_register_webhook(
        ruby: &Ruby,
        rb_self: &Self,
        url: String,
        events: Vec<String>,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            let events: Vec<&str> = events.iter().map(String::as_str).collect();
            c.register_webhook(&url, &events).await.map(|v| json(&v))
        })
    }

    pub fn start_webhooks(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(
            ruby,
            |c| async move { c.webhooks().await.map(|v| json(&v)) },
        )
    }

    pub fn start_delete_webhook(
        ruby: &Ruby,
        rb_self: &Self,
        id: String,
    ) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move {
            c.delete_webhook(&id).await.map(|()| json(&()))
        })
    }

    pub fn start_health(ruby: &Ruby, rb_self: &Self) -> Result<RbOperation, Error> {
        rb_self.spawn(ruby, |c| async move { c.health().await.map(|v| json(&v)) })
    }
}
