//! The client handle and its blocking calls.

use std::ffi::c_char;
use std::future::Future;
use std::sync::Arc;

use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::types::{Render, RenderStatus, SettingsUpdate};
use renderiq_sdk::call::{Call, WaitSpec};
use renderiq_sdk::ListRenders;
use serde::Deserialize;

use crate::error::{
    guard, quiet, FfiError, FfiResult, RenderiqError, RENDERIQ_ERROR_PANIC, RENDERIQ_OK,
};
use crate::handle::Registry;
use crate::image::{render_request, RenderiqImage};
use crate::memory::{clear, json_arg, opt_str_arg, put_bytes, put_json, str_arg};

/// A Renderiq API client: the server, the session and its token store.
///
/// Created by `renderiq_client_new`, freed by `renderiq_client_free`. Thread-safe: one client
/// may serve several threads at once, and should be shared rather than created per call.
pub struct RenderiqClient {
    pub(crate) client: renderiq_sdk::Client,
}

pub(crate) static CLIENTS: Registry<RenderiqClient> = Registry::new("RenderiqClient", 1);

/// The live client named by `client`.
pub(crate) fn client_arg(client: *const RenderiqClient) -> FfiResult<Arc<RenderiqClient>> {
    CLIENTS.get(client)
}

/// Runs `fut` on the shared runtime, blocking this thread.
pub(crate) fn block<T>(fut: impl Future<Output = renderiq_sdk::Result<T>>) -> FfiResult<T> {
    renderiq_sdk::runtime::block_on(fut).map_err(FfiError::from)
}

/// One blocking call that returns a JSON result: looks the client up, runs `f`, writes the JSON.
unsafe fn call_json<T, F, Fut>(
    client: *const RenderiqClient,
    out_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
    f: F,
) -> i32
where
    T: serde::Serialize,
    F: FnOnce(renderiq_sdk::Client) -> FfiResult<Fut>,
    Fut: Future<Output = renderiq_sdk::Result<T>>,
{
    clear(out_json);
    guard(out_error, || {
        let c = client_arg(client)?;
        let value = block(f(c.client.clone())?)?;
        put_json(out_json, &value)
    })
}

/// One blocking call without a result.
unsafe fn call_unit<F, Fut>(
    client: *const RenderiqClient,
    out_error: *mut *mut RenderiqError,
    f: F,
) -> i32
where
    F: FnOnce(renderiq_sdk::Client) -> FfiResult<Fut>,
    Fut: Future<Output = renderiq_sdk::Result<()>>,
{
    guard(out_error, || {
        let c = client_arg(client)?;
        block(f(c.client.clone())?)
    })
}

/// Creates a client from a JSON configuration (NULL or `""` means all defaults):
///
/// `{"baseUrl": "http://127.0.0.1:8787", "platform": "archicad", "pluginName": "my-addon",
///   "pluginVersion": "1.2.0", "timeoutMs": 60000, "maxRetries": 2, "apiKey": "rq_…",
///   "tokenStore": "keychain" | "memory" | {"file": "/path/session.rqts", "passphrase": "…"},
///   "rootCertificatePem": "-----BEGIN CERTIFICATE-----…", "proxy": "http://proxy:3128",
///   "noProxy": false, "connectTimeoutMs": 10000, "sdkLanguage": "c", "sdkLanguageVersion": "…"}`
///
/// Every field is optional; unknown fields are rejected (`RENDERIQ_ERROR_CONFIG`, the message
/// names the field). The token store defaults to the OS keychain.
///
/// Ownership: `config_json` is borrowed for the call. On success `*out_client` receives a new
/// client that the caller frees with `renderiq_client_free`; on failure it is set to NULL.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_new(
    config_json: *const c_char,
    out_client: *mut *mut RenderiqClient,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_client);
    guard(out_error, || {
        if out_client.is_null() {
            return Err(FfiError::null("`out_client`"));
        }
        let text = opt_str_arg(config_json, "config_json")?.unwrap_or("");
        let mut config = if text.trim().is_empty() {
            ClientConfig::default()
        } else {
            ClientConfig::from_json(text)?
        };
        if config.sdk_language.is_none() {
            config.sdk_language = Some("c".to_owned());
        }
        let client = config.into_builder()?.build()?;
        *out_client = CLIENTS.insert(RenderiqClient { client });
        Ok(())
    })
}

/// Frees a client. Calls still running on other threads finish first (they hold their own
/// reference); operations started from it keep running until freed. NULL is accepted and
/// ignored. Returns `RENDERIQ_OK`, or `RENDERIQ_ERROR_INVALID_HANDLE` (and does nothing) when
/// `client` was already freed or is not a client.
#[no_mangle]
pub extern "C" fn renderiq_client_free(client: *mut RenderiqClient) -> i32 {
    if client.is_null() {
        return RENDERIQ_OK;
    }
    quiet(RENDERIQ_ERROR_PANIC, || match CLIENTS.remove(client) {
        Ok(_) => RENDERIQ_OK,
        Err(e) => e.code(),
    })
}

// ---- auth -----------------------------------------------------------------------------------

/// Signs in with email and password and saves the session in the token store. Blocking.
///
/// On success `*out_user_json` (may be NULL) receives the `User` JSON
/// (`{"id","email","name","createdAt"}`), freed with `renderiq_string_free`.
/// Errors: `RENDERIQ_ERROR_AUTH` for wrong credentials, `RENDERIQ_ERROR_INVALID_INPUT` for an
/// empty email or password, `RENDERIQ_ERROR_TOKEN_STORE` when the session cannot be saved.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_sign_in(
    client: *const RenderiqClient,
    email: *const c_char,
    password: *const c_char,
    out_user_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_user_json, out_error, |c| {
        let email = str_arg(email, "email")?.to_owned();
        let password = str_arg(password, "password")?.to_owned();
        Ok(async move { c.sign_in(&email, &password).await })
    })
}

/// Uses an API key for every further request and saves it in the token store. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_use_api_key(
    client: *const RenderiqClient,
    api_key: *const c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_unit(client, out_error, |c| {
        let key = str_arg(api_key, "api_key")?.to_owned();
        Ok(async move { c.use_api_key(&key).await })
    })
}

/// Signs out: revokes the session on the server (best effort) and clears the token store.
/// Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_sign_out(
    client: *const RenderiqClient,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_unit(client, out_error, |c| Ok(async move { c.sign_out().await }))
}

/// Whether a session or API key is available. Blocking (reads the token store).
/// `*out_signed_in` (required) receives 1 or 0.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_is_signed_in(
    client: *const RenderiqClient,
    out_signed_in: *mut u8,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    if !out_signed_in.is_null() {
        *out_signed_in = 0;
    }
    guard(out_error, || {
        if out_signed_in.is_null() {
            return Err(FfiError::null("`out_signed_in`"));
        }
        let c = client_arg(client)?;
        let signed_in = block(c.client.is_signed_in())?;
        *out_signed_in = u8::from(signed_in);
        Ok(())
    })
}

/// The signed-in user as `User` JSON in `*out_user_json`. Blocking.
/// Errors: `RENDERIQ_ERROR_AUTH` when not signed in.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_me(
    client: *const RenderiqClient,
    out_user_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_user_json, out_error, |c| {
        Ok(async move { c.me().await })
    })
}

/// Server health as `Health` JSON (`{"status","version","database","longPoll","time"}`); needs
/// no sign-in. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_health(
    client: *const RenderiqClient,
    out_health_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_health_json, out_error, |c| {
        Ok(async move { c.health().await })
    })
}

// ---- credits, projects, settings ------------------------------------------------------------

/// The credit balance as `Credits` JSON (`{"balance","totalEarned","totalSpent"}`). Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_credits(
    client: *const RenderiqClient,
    out_credits_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_credits_json, out_error, |c| {
        Ok(async move { c.credits().await })
    })
}

/// One page of the credit ledger, newest first, as `Page<CreditTransaction>` JSON
/// (`{"items":[…],"page","limit","total","hasMore"}`). `page` starts at 1; `limit` 0 means the
/// server's default. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_credit_transactions(
    client: *const RenderiqClient,
    page: u32,
    limit: u32,
    out_page_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_page_json, out_error, |c| {
        let limit = if limit == 0 { 20 } else { limit };
        Ok(async move { c.credit_transactions(page, limit).await })
    })
}

/// The user's projects as a JSON array of `Project`. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_projects_list(
    client: *const RenderiqClient,
    out_projects_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_projects_json, out_error, |c| {
        Ok(async move { c.projects().await })
    })
}

/// Creates a project (`description` may be NULL) and returns it as `Project` JSON. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_project_create(
    client: *const RenderiqClient,
    name: *const c_char,
    description: *const c_char,
    out_project_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_project_json, out_error, |c| {
        let name = str_arg(name, "name")?.to_owned();
        let description = opt_str_arg(description, "description")?.map(str::to_owned);
        Ok(async move { c.create_project(&name, description.as_deref()).await })
    })
}

/// The user's settings as `Settings` JSON. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_settings_get(
    client: *const RenderiqClient,
    out_settings_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_settings_json, out_error, |c| {
        Ok(async move { c.settings().await })
    })
}

/// Changes the settings named in `update_json` (`SettingsUpdate`: `{"defaultStyle",
/// "defaultQuality", "defaultAspectRatio", "defaultProjectId", "notifyOnComplete"}`, each
/// optional) and returns all settings as `Settings` JSON. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_settings_update(
    client: *const RenderiqClient,
    update_json: *const c_char,
    out_settings_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_settings_json, out_error, |c| {
        let update: SettingsUpdate =
            json_arg(update_json, "update_json")?.ok_or_else(|| FfiError::null("`update_json`"))?;
        Ok(async move { c.update_settings(&update).await })
    })
}

// ---- API keys -------------------------------------------------------------------------------

/// Creates an API key. `scopes_json` is a JSON array of scope names (`["renders:create",
/// "renders:read"]`); `expires_at` is an RFC 3339 time or NULL for no expiry. Returns
/// `CreatedApiKey` JSON (`{"key": "rq_…", "apiKey": {…}}`): the key is shown this once.
/// Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_api_key_create(
    client: *const RenderiqClient,
    name: *const c_char,
    scopes_json: *const c_char,
    expires_at: *const c_char,
    out_created_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_created_json, out_error, |c| {
        let name = str_arg(name, "name")?.to_owned();
        let scopes: Vec<String> = json_arg(scopes_json, "scopes_json")?.unwrap_or_default();
        let expires = opt_str_arg(expires_at, "expires_at")?
            .map(|s| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| t.with_timezone(&chrono::Utc))
                    .map_err(|e| {
                        FfiError::invalid_argument(format!(
                            "`expires_at` {s:?} is not an RFC 3339 time such as 2030-01-01T00:00:00Z: {e}"
                        ))
                    })
            })
            .transpose()?;
        Ok(async move {
            let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
            c.create_api_key(&name, &scopes, expires).await
        })
    })
}

/// The user's API keys (without secrets) as a JSON array of `ApiKey`. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_api_keys_list(
    client: *const RenderiqClient,
    out_keys_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_keys_json, out_error, |c| {
        Ok(async move { c.api_keys().await })
    })
}

/// Revokes an API key by id. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_api_key_revoke(
    client: *const RenderiqClient,
    key_id: *const c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_unit(client, out_error, |c| {
        let id = str_arg(key_id, "key_id")?.to_owned();
        Ok(async move { c.revoke_api_key(&id).await })
    })
}

// ---- webhooks -------------------------------------------------------------------------------

/// Registers a webhook for the events in `events_json` (a JSON array such as
/// `["render.completed", "render.failed"]`). Returns `CreatedWebhook` JSON
/// (`{"secret": "whsec_…", "webhook": {…}}`): the secret is shown this once. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_webhook_register(
    client: *const RenderiqClient,
    url: *const c_char,
    events_json: *const c_char,
    out_created_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_created_json, out_error, |c| {
        let url = str_arg(url, "url")?.to_owned();
        let events: Vec<String> =
            json_arg(events_json, "events_json")?.ok_or_else(|| FfiError::null("`events_json`"))?;
        Ok(async move {
            let events: Vec<&str> = events.iter().map(String::as_str).collect();
            c.register_webhook(&url, &events).await
        })
    })
}

/// The user's webhooks as a JSON array of `Webhook`. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_webhooks_list(
    client: *const RenderiqClient,
    out_webhooks_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_webhooks_json, out_error, |c| {
        Ok(async move { c.webhooks().await })
    })
}

/// Deletes a webhook by id. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_webhook_delete(
    client: *const RenderiqClient,
    webhook_id: *const c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_unit(client, out_error, |c| {
        let id = str_arg(webhook_id, "webhook_id")?.to_owned();
        Ok(async move { c.delete_webhook(&id).await })
    })
}

// ---- renders --------------------------------------------------------------------------------

/// Prepares the image and creates a render; returns the new `Render` JSON (status `pending`).
/// Blocking: it encodes and uploads the image. From a UI thread use
/// `renderiq_render_create_start` or `renderiq_render_start` instead.
///
/// `image` is borrowed for the call (see `RenderiqImage`); `params_json` (may be NULL) is
/// `{"prompt","style","quality","aspectRatio","projectId","callbackUrl","idempotencyKey",
/// "maxEdge","format","maxBytes","jpegQuality"}`, each optional.
/// Errors: `RENDERIQ_ERROR_INSUFFICIENT_CREDITS` (see `renderiq_error_required_credits`),
/// `RENDERIQ_ERROR_RATE_LIMITED`, `RENDERIQ_ERROR_IMAGE`, `RENDERIQ_ERROR_INVALID_INPUT`,
/// `RENDERIQ_ERROR_INVALID_ARGUMENT` for an inconsistent `RenderiqImage` or malformed params.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_render_create(
    client: *const RenderiqClient,
    image: *const RenderiqImage,
    params_json: *const c_char,
    out_render_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_render_json, out_error, |c| {
        let call = Call::CreateRender(render_request(image, params_json)?);
        Ok(async move { c.call(call).await })
    })
}

/// A render's current state as `Render` JSON (`{"id","status","progress","prompt","style",
/// "quality","aspectRatio","projectId","creditsCost","inputUrl","outputUrl","error",
/// "platform","createdAt","updatedAt","completedAt"}`). Blocking.
/// Errors: `RENDERIQ_ERROR_NOT_FOUND` for an unknown id.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_render_get(
    client: *const RenderiqClient,
    render_id: *const c_char,
    out_render_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_render_json, out_error, |c| {
        let id = str_arg(render_id, "render_id")?.to_owned();
        Ok(async move { c.retrieve_render(&id).await })
    })
}

/// Filters of `renderiq_client_render_list`.
#[derive(Deserialize, Default)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ListQuery {
    page: Option<u32>,
    limit: Option<u32>,
    status: Option<RenderStatus>,
    project_id: Option<String>,
}

/// One page of the user's renders, newest first, as `Page<Render>` JSON. `query_json` (may be
/// NULL) is `{"page": 1, "limit": 20, "status": "completed", "projectId": "…"}`, each optional.
/// Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_render_list(
    client: *const RenderiqClient,
    query_json: *const c_char,
    out_page_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_page_json, out_error, |c| {
        let q: ListQuery = json_arg(query_json, "query_json")?.unwrap_or_default();
        let mut query = ListRenders::new();
        if let Some(p) = q.page {
            query = query.page(p);
        }
        if let Some(l) = q.limit {
            query = query.limit(l);
        }
        if let Some(s) = q.status {
            query = query.status(s);
        }
        if let Some(p) = q.project_id {
            query = query.project_id(p);
        }
        Ok(async move { c.list_renders(&query).await })
    })
}

/// Cancels a render that has not started processing (its credits are refunded) and returns it
/// as `Render` JSON. Blocking. Errors: `RENDERIQ_ERROR_CONFLICT` when it already started.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_render_cancel(
    client: *const RenderiqClient,
    render_id: *const c_char,
    out_render_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_render_json, out_error, |c| {
        let id = str_arg(render_id, "render_id")?.to_owned();
        Ok(async move { c.cancel_render(&id).await })
    })
}

/// The wait for a timeout in milliseconds (0 = the SDK's default of 10 minutes).
pub(crate) fn wait_spec(timeout_ms: u32) -> WaitSpec {
    WaitSpec {
        timeout_ms: (timeout_ms != 0).then_some(u64::from(timeout_ms)),
        ..WaitSpec::default()
    }
}

/// Waits until the render completes and returns it as `Render` JSON. Blocking: long-polls the
/// server. `timeout_ms` 0 means the default (10 minutes).
/// Errors: `RENDERIQ_ERROR_RENDER_FAILED` (credits refunded), `RENDERIQ_ERROR_CANCELLED`,
/// `RENDERIQ_ERROR_TIMEOUT` (the render keeps running).
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_render_wait(
    client: *const RenderiqClient,
    render_id: *const c_char,
    timeout_ms: u32,
    out_render_json: *mut *mut c_char,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    call_json(client, out_render_json, out_error, |c| {
        let call = Call::WaitForRender {
            id: str_arg(render_id, "render_id")?.to_owned(),
            wait: wait_spec(timeout_ms),
        };
        Ok(async move { c.call(call).await })
    })
}

/// Reads `render` as either a render's JSON (starts with `{`) or a render id (fetched first).
async fn resolve_render(
    c: &renderiq_sdk::Client,
    render: Result<Render, String>,
) -> renderiq_sdk::Result<Render> {
    match render {
        Ok(r) => Ok(r),
        Err(id) => c.retrieve_render(&id).await,
    }
}

fn render_or_id(s: &str) -> FfiResult<Result<Render, String>> {
    if s.trim_start().starts_with('{') {
        serde_json::from_str(s)
            .map(Ok)
            .map_err(|e| FfiError::invalid_argument(format!("`render` is not Render JSON: {e}")))
    } else {
        Ok(Err(s.trim().to_owned()))
    }
}

/// Downloads a completed render's output image. `render` is the render's id, or its `Render`
/// JSON as returned by another call (which saves one request). Blocking.
///
/// On success `*out_data` / `*out_len` (both required) receive the image bytes, freed with
/// `renderiq_bytes_free(data, len)`; on failure NULL / 0.
/// Errors: `RENDERIQ_ERROR_INVALID_INPUT` when the render has no output yet.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_render_download(
    client: *const RenderiqClient,
    render: *const c_char,
    out_data: *mut *mut u8,
    out_len: *mut usize,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    clear(out_data);
    if !out_len.is_null() {
        *out_len = 0;
    }
    guard(out_error, || {
        if out_data.is_null() || out_len.is_null() {
            return Err(FfiError::null("`out_data` or `out_len`"));
        }
        let c = client_arg(client)?;
        let target = render_or_id(str_arg(render, "render")?)?;
        let client = c.client.clone();
        let bytes = block(async move {
            let r = resolve_render(&client, target).await?;
            client.download_render(&r).await
        })?;
        put_bytes(out_data, out_len, bytes);
        Ok(())
    })
}

/// Downloads a completed render's output to the file at `path` (UTF-8; written atomically).
/// `render` is an id or `Render` JSON, as for `renderiq_client_render_download`.
/// `*out_size` (may be NULL) receives the number of bytes written. Blocking.
#[no_mangle]
pub unsafe extern "C" fn renderiq_client_render_download_to_file(
    client: *const RenderiqClient,
    render: *const c_char,
    path: *const c_char,
    out_size: *mut u64,
    out_error: *mut *mut RenderiqError,
) -> i32 {
    if !out_size.is_null() {
        *out_size = 0;
    }
    guard(out_error, || {
        let c = client_arg(client)?;
        let target = render_or_id(str_arg(render, "render")?)?;
        let path = str_arg(path, "path")?.to_owned();
        let client = c.client.clone();
        let size = block(async move {
            let r = resolve_render(&client, target).await?;
            client.download_render_to(&r, &path).await
        })?;
        if !out_size.is_null() {
            *out_size = size;
        }
        Ok(())
    })
}
