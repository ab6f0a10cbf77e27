//! The client handle, and the download of a render's bytes into caller memory.

use std::ffi::c_char;
use std::future::Future;
use std::sync::Arc;

use renderiq_sdk::config::ClientConfig;
use renderiq_sdk::types::Render;

use crate::error::{
    guard, quiet, FfiError, FfiResult, RenderiqError, RENDERIQ_ERROR_PANIC, RENDERIQ_OK,
};
use crate::handle::Registry;
use crate::memory::{clear, clear_bytes, opt_str_arg, put_bytes, str_arg};

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
    guard(out_error, || {
        clear_bytes(out_data, out_len)?;
        let client = client_arg(client)?.client.clone();
        let text = str_arg(render, "render")?.trim();
        // Render JSON saves fetching the render; anything else is its id.
        let not_json = |e| FfiError::invalid_argument(format!("`render` is not Render JSON: {e}"));
        let known: Option<Render> = match text.starts_with('{') {
            true => Some(serde_json::from_str(text).map_err(not_json)?),
            false => None,
        };
        let bytes = block(async move {
            let r = match known {
                Some(r) => r,
                None => client.retrieve_render(text).await?,
            };
            client.download_render(&r).await
        })?;
        put_bytes(out_data, out_len, bytes);
        Ok(())
    })
}
