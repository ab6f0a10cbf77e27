//! Signed `/cdn/` links: the `inputUrl` and `outputUrl` of a render are capabilities that expire.
//!
//! A link is `<public url>/cdn/<path>?expires=<unix seconds>&sig=<base64url>`, where `sig` is
//! HMAC-SHA256 over `<path>\n<expires>` with a key generated once and kept in the database
//! (`server_secrets`, like the token key), so links survive restarts. A read of a render carries
//! links valid for `--cdn-link-ttl-seconds` (1 hour by default), their expiry rounded down to a
//! step of 1/60 of it ([`CdnLinks::expiry`]); a client holding an expired link reads the render
//! again (the Rust SDK's download does so on a 403).
//!
//! [`require_signed`] guards the file service: a link without a signature, with a signature
//! that does not match its path and expiry, or past its expiry (on the server's [`Clock`]) is
//! answered 403 in the error envelope (`AUTH_REQUIRED`). The signature covers the path exactly
//! as requested, so no other file can be reached with it; the file service refuses `..` anyway.

use std::sync::Arc;

use anyhow::Context as _;
use axum::extract::{Request, State};
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse as _, Response};
use base64::Engine as _;
use hmac::{Hmac, Mac};
use renderiq_sdk::types::{Render, RenderStatus};
use sha2::Sha256;

use crate::clock::Clock;
use crate::http::ApiError;
use crate::storage::Storage;
use crate::store::{self, renders::RenderRow, Store};

/// Name of the link key in the `server_secrets` table.
const KEY_NAME: &str = "cdn_link_key";

/// Mints and checks signed `/cdn/` links. Cheap to clone.
#[derive(Clone)]
pub struct CdnLinks {
    inner: Arc<Inner>,
}

struct Inner {
    public_url: String,
    /// HMAC-SHA256 keyed with the link key, cloned for each signature.
    mac: Hmac<Sha256>,
    ttl_seconds: i64,
    clock: Clock,
}

impl std::fmt::Debug for CdnLinks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CdnLinks")
            .field("public_url", &self.inner.public_url)
            .field("ttl_seconds", &self.inner.ttl_seconds)
            .finish_non_exhaustive()
    }
}

impl CdnLinks {
    /// Links under `public_url` (no trailing slash needed) signed with `key`, valid for
    /// `ttl_seconds` (at least 1) on `clock`.
    ///
    /// # Errors
    ///
    /// None in practice: HMAC takes keys of any length.
    pub fn new(
        public_url: &str,
        key: &[u8],
        ttl_seconds: u64,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
            .map_err(|e| anyhow::anyhow!("CDN link key: {e}"))?;
        Ok(Self {
            inner: Arc::new(Inner {
                public_url: public_url.trim_end_matches('/').to_owned(),
                mac,
                ttl_seconds: i64::try_from(ttl_seconds.min(crate::config::MAX_TTL_SECONDS))
                    .unwrap_or(i64::MAX)
                    .max(1),
                clock,
            }),
        })
    }

    /// [`CdnLinks::new`] with the server's link key, created in the database on first start.
    ///
    /// # Errors
    ///
    /// The database cannot be read or written.
    pub fn load(
        store: &Store,
        public_url: &str,
        ttl_seconds: u64,
        clock: Clock,
    ) -> anyhow::Result<Self> {
        let key =
            store::secrets::get_or_create_blocking(store, KEY_NAME, &crate::http::random_token(64))
                .context("loading the CDN link key")?;
        Self::new(public_url, key.as_bytes(), ttl_seconds, clock)
    }

    /// The expiry (unix seconds) of the links minted now: the configured lifetime from now,
    /// rounded down to a step of 1/60 of it (at least a second, at most a minute). So a link
    /// never outlives the lifetime, lives at least 59/60 of it, and every read within one step
    /// carries the same links — which lets a render's answer be kept
    /// ([`crate::store::RenderMemo`]) and a browser or proxy cache see one URL.
    ///
    /// ```
    /// use renderiq_server::{cdn::CdnLinks, clock::Clock};
    /// let links = CdnLinks::new("https://renders.example", b"key", 3600, Clock::system()).unwrap();
    /// let expires = links.expiry();
    /// assert_eq!(expires % 60, 0);
    /// assert!(links.url_expiring("outputs/r.png", expires).contains(&format!("expires={expires}&")));
    /// ```
    pub fn expiry(&self) -> i64 {
        let ttl = self.inner.ttl_seconds;
        let step = (ttl / 60).clamp(1, 60);
        let expires = self.inner.clock.now().timestamp().saturating_add(ttl);
        expires - expires.rem_euclid(step)
    }

    /// The absolute, signed link to the stored file `path` (`outputs/<id>.png`), valid from now
    /// for the configured lifetime (see [`CdnLinks::expiry`]).
    pub fn url(&self, path: &str) -> String {
        self.url_expiring(path, self.expiry())
    }

    /// The link to `path` expiring at `expires` (unix seconds; from [`CdnLinks::expiry`]).
    pub fn url_expiring(&self, path: &str, expires: i64) -> String {
        let sig = self.signature(path, expires);
        format!(
            "{}/cdn/{path}?expires={expires}&sig={sig}",
            self.inner.public_url
        )
    }

    /// Checks the `expires` and `sig` of a request for `path` (relative, as requested).
    ///
    /// # Errors
    ///
    /// [`ApiError::LinkRefused`] saying what is wrong and what to do.
    pub fn check(&self, path: &str, query: Option<&str>) -> Result<(), ApiError> {
        let (mut expires, mut sig) = (None, None);
        for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
            match name.as_ref() {
                "expires" if expires.is_none() => expires = Some(value.into_owned()),
                "sig" if sig.is_none() => sig = Some(value.into_owned()),
                _ => {}
            }
        }
        let refused = |why: &str| {
            Err(ApiError::LinkRefused(format!(
                "{why}; read the render again for a fresh link"
            )))
        };
        let (Some(expires), Some(sig)) = (expires, sig) else {
            return refused("this link is not signed");
        };
        let (Ok(expires), Ok(sig)) = (
            expires.parse::<i64>(),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(sig),
        ) else {
            return refused("this link's signature is not valid");
        };
        if self.mac(path, expires).verify_slice(&sig).is_err() {
            return refused("this link's signature is not valid");
        }
        if expires <= self.inner.clock.now().timestamp() {
            return refused("this link has expired");
        }
        Ok(())
    }

    fn mac(&self, path: &str, expires: i64) -> Hmac<Sha256> {
        let mut mac = self.inner.mac.clone();
        mac.update(path.as_bytes());
        mac.update(b"\n");
        mac.update(expires.to_string().as_bytes());
        mac
    }

    fn signature(&self, path: &str, expires: i64) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(self.mac(path, expires).finalize().into_bytes())
    }
}

impl RenderRow {
    /// The wire form, with absolute `/cdn/` URLs freshly signed by `links`; `null` for files
    /// deleted or being deleted ([`crate::retention`]: the upload of a cancelled or failed
    /// render, swept files).
    pub fn into_render(self, links: &CdnLinks) -> Render {
        let expires = links.expiry();
        self.into_render_expiring(links, expires)
    }

    /// [`RenderRow::into_render`] with links expiring at `expires` (from [`CdnLinks::expiry`]).
    pub fn into_render_expiring(self, links: &CdnLinks, expires: i64) -> Render {
        let url = |path: &str| links.url_expiring(path, expires);
        let input_kept = !self.input_path.is_empty()
            && !matches!(self.status, RenderStatus::Cancelled | RenderStatus::Failed);
        Render {
            input_url: input_kept.then(|| url(&self.input_path)),
            output_url: self.output_path.as_deref().map(url),
            id: self.id,
            status: self.status,
            progress: self.progress,
            prompt: self.prompt,
            style: self.style,
            quality: self.quality,
            aspect_ratio: self.aspect_ratio,
            project_id: self.project_id,
            credits_cost: self.credits_cost,
            error: self.error,
            platform: self.platform,
            created_at: self.created_at,
            updated_at: self.updated_at,
            completed_at: self.completed_at,
        }
    }
}

/// Middleware of the `/cdn` file service (mounted there, so the path it sees is relative to
/// `/cdn`): lets a request through only with a valid, unexpired signature.
pub async fn require_signed(
    State(links): State<CdnLinks>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    match links.check(path, request.uri().query()) {
        Ok(()) => next.run(request).await,
        Err(refused) => refused.into_response(),
    }
}

/// The `/cdn` file service of a bucket ([`crate::storage::Bucket`]), behind [`require_signed`]:
/// the object at the request's path, with the content type of its extension; 404 when there is
/// none; a `HEAD` gets the headers only.
pub async fn serve_stored(State(storage): State<Storage>, request: Request) -> Response {
    let path = request.uri().path().trim_start_matches('/');
    let path = percent_encoding::percent_decode_str(path).decode_utf8_lossy();
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return ApiError::NotFound("no such route".to_owned()).into_response();
    }
    match storage.read_if_any(&path).await {
        Ok(Some(bytes)) => {
            let headers = [
                (header::CONTENT_TYPE, content_type(&path)),
                (header::CACHE_CONTROL, "private, max-age=3600"),
            ];
            if request.method() == Method::HEAD {
                let length = [(header::CONTENT_LENGTH, bytes.len().to_string())];
                (headers, length).into_response()
            } else {
                (headers, bytes).into_response()
            }
        }
        Ok(None) => ApiError::NotFound("no such file".to_owned()).into_response(),
        Err(e) => {
            tracing::error!(error = %format!("{e:#}"), "reading a stored file failed");
            ApiError::internal("the file could not be read").into_response()
        }
    }
}

/// The content type of a stored file, from its extension.
fn content_type(path: &str) -> &'static str {
    match path
        .rsplit_once('.')
        .map(|(_, ext)| ext.to_ascii_lowercase())
    {
        Some(ext) if ext == "png" => "image/png",
        Some(ext) if ext == "jpg" || ext == "jpeg" => "image/jpeg",
        Some(ext) if ext == "webp" => "image/webp",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links(clock: &Clock) -> CdnLinks {
        CdnLinks::new("http://h:1/", b"key", 60, clock.clone()).unwrap()
    }

    fn split(url: &str) -> (&str, &str) {
        let rest = url.strip_prefix("http://h:1/cdn/").unwrap();
        rest.split_once('?').unwrap()
    }

    #[test]
    fn a_minted_link_passes_until_it_expires() {
        let clock = Clock::system();
        clock.freeze();
        let links = links(&clock);
        let url = links.url("outputs/r.png");
        let (path, query) = split(&url);
        assert_eq!(path, "outputs/r.png");
        assert!(links.check(path, Some(query)).is_ok());
        clock.advance(std::time::Duration::from_secs(59));
        assert!(links.check(path, Some(query)).is_ok());
        clock.advance(std::time::Duration::from_secs(1));
        assert!(links.check(path, Some(query)).is_err());
    }

    #[test]
    fn stripped_tampered_or_foreign_links_are_refused() {
        let clock = Clock::system();
        let links = links(&clock);
        let url = links.url("outputs/r.png");
        let (path, query) = split(&url);
        assert!(links.check(path, None).is_err());
        assert!(links.check("outputs/s.png", Some(query)).is_err());
        let later = query.replace("expires=", "expires=9");
        assert!(links.check(path, Some(&later)).is_err());
        let other_key = CdnLinks::new("http://h:1", b"other", 60, clock.clone()).unwrap();
        assert!(other_key.check(path, Some(query)).is_err());
        assert!(links.check(path, Some("expires=x&sig=%%%")).is_err());
    }
}
