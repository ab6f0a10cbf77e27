//! The client handle and its blocking calls.

use std::ffi::c_char;
use std::future::Future;
use std::sync::Arc;

use renderiq_sdk::call::WaitSpec;
use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::types::Render;

use crate::error::{
    guard, quiet, FfiError, FfiResult, RenderiqError, RENDERIQ_ERROR_PANIC, RENDERIQ_OK,
};
use crate::handle::Registry;
use crate::memory::{clear, opt_str_arg, put_bytes, put_json, str_arg};

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

// ---- typed calls kept for existing callers ------------------------------------------------------
// Every other request is a call through `renderiq_call`; these remain for callers that still
// link them (bench/ffi_overhead.c, bench/dotnet_overhead.cs) and for the download into caller
// memory.

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

/// The wait for a timeout in milliseconds (0 = the SDK's default of 10 minutes).
pub(crate) fn wait_spec(timeout_ms: u32) -> WaitSpec {
    WaitSpec {
        timeout_ms: (timeout_ms != 0).then_some(u64::from(timeout_ms)),
        ..WaitSpec::default()
    }
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
