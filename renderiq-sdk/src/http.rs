//! Sending one API request: URL, auth header, body, retries, and reading the envelope.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, ErrorKind, Result};
use crate::retry::{parse_retry_after, RetryPolicy};
use crate::types::{headers, Envelope, ErrorBody, API_PREFIX};

/// Upload progress callback: `(bytes_sent, bytes_total)`.
pub(crate) type UploadProgress = Arc<dyn Fn(u64, u64) + Send + Sync>;

/// A request body that can be rebuilt for every attempt.
#[derive(Clone)]
pub(crate) enum Body {
    Empty,
    Json(Bytes),
    Multipart(Arc<MultipartSpec>),
}

/// The parts of a multipart form, kept so that a retry sends the same bytes.
pub(crate) struct MultipartSpec {
    pub fields: Vec<(&'static str, String)>,
    pub file_field: &'static str,
    pub file_name: String,
    pub file_mime: &'static str,
    pub file: Bytes,
    pub progress: Option<UploadProgress>,
}

impl MultipartSpec {
    fn to_form(&self) -> Result<reqwest::multipart::Form> {
        let mut form = reqwest::multipart::Form::new();
        for (name, value) in &self.fields {
            form = form.text(*name, value.clone());
        }
        let total = self.file.len() as u64;
        let part = match &self.progress {
            None => reqwest::multipart::Part::bytes(self.file.to_vec()),
            Some(cb) => {
                let cb = cb.clone();
                let data = self.file.clone();
                const CHUNK: usize = 64 * 1024;
                let chunks: Vec<Bytes> = (0..data.len())
                    .step_by(CHUNK)
                    .map(|i| data.slice(i..(i + CHUNK).min(data.len())))
                    .collect();
                let mut sent = 0u64;
                let stream = futures_util::stream::iter(chunks.into_iter().map(move |c| {
                    sent += c.len() as u64;
                    cb(sent, total);
                    Ok::<Bytes, std::io::Error>(c)
                }));
                reqwest::multipart::Part::stream_with_length(
                    reqwest::Body::wrap_stream(stream),
                    total,
                )
            }
        };
        let part = part
            .file_name(self.file_name.clone())
            .mime_str(self.file_mime)
            .map_err(|e| Error::invalid_input("invalid image MIME type").with_source(e))?;
        Ok(form.part(self.file_field, part))
    }
}

/// Whether a request may be repeated after a failure that may have reached the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Retry {
    /// GET, DELETE, PATCH of a whole value: always safe.
    Idempotent,
    /// Creating POST with an `Idempotency-Key`: safe.
    WithKey,
    /// Creating POST without key: only when the server certainly did not act (refused
    /// connection, 429).
    Unsafe,
}

/// One API call.
#[derive(Clone)]
pub(crate) struct Request {
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub body: Body,
    pub retry: Retry,
    pub idempotency_key: Option<String>,
    /// Extra time for the request on top of the client timeout (long-poll waits).
    pub extra_timeout: Duration,
}

impl Request {
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        let retry = if method == Method::POST {
            Retry::Unsafe
        } else {
            Retry::Idempotent
        };
        Self {
            method,
            path: path.into(),
            query: Vec::new(),
            body: Body::Empty,
            retry,
            idempotency_key: None,
            extra_timeout: Duration::ZERO,
        }
    }

    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    pub fn patch(path: impl Into<String>) -> Self {
        let mut r = Self::new(Method::PATCH, path);
        r.retry = Retry::Idempotent;
        r
    }

    pub fn json<T: serde::Serialize>(mut self, value: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(value)
            .map_err(|e| Error::invalid_input("could not encode the request").with_source(e))?;
        self.body = Body::Json(Bytes::from(bytes));
        Ok(self)
    }

    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        self.query.push((name.to_owned(), value.to_string()));
        self
    }

    pub fn idempotency_key(mut self, key: String) -> Self {
        self.idempotency_key = Some(key);
        self.retry = Retry::WithKey;
        self
    }
}

/// What the server answered, before the envelope is opened.
pub(crate) struct RawResponse {
    pub status: StatusCode,
    pub request_id: Option<String>,
    pub retry_after: Option<Duration>,
    pub body: Bytes,
}

/// The shared HTTP side of a client.
pub(crate) struct Transport {
    pub http: reqwest::Client,
    pub base_url: Url,
    pub timeout: Duration,
    pub retry: RetryPolicy,
}

impl Transport {
    pub fn url(&self, path: &str) -> Result<Url> {
        let mut url = self.base_url.clone();
        let full = format!(
            "{}{}/{}",
            url.path().trim_end_matches('/'),
            API_PREFIX,
            path.trim_start_matches('/')
        );
        url.set_path(&full);
        Ok(url)
    }

    async fn send_once(&self, req: &Request, auth: Option<&HeaderValue>) -> Result<RawResponse> {
        let mut url = self.url(&req.path)?;
        if !req.query.is_empty() {
            url.query_pairs_mut().extend_pairs(req.query.iter());
        }
        let mut builder = self
            .http
            .request(req.method.clone(), url)
            .timeout(self.timeout + req.extra_timeout);
        if let Some(auth) = auth {
            builder = builder.header(AUTHORIZATION, auth.clone());
        }
        if let Some(key) = &req.idempotency_key {
            builder = builder.header(headers::IDEMPOTENCY_KEY, key);
        }
        builder = match &req.body {
            Body::Empty => builder,
            Body::Json(bytes) => builder
                .header(CONTENT_TYPE, "application/json")
                .body(bytes.clone()),
            Body::Multipart(spec) => builder.multipart(spec.to_form()?),
        };
        let resp = builder.send().await?;
        let status = resp.status();
        let request_id = resp
            .headers()
            .get(headers::REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let retry_after = resp
            .headers()
            .get(RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let body = read_capped(resp, MAX_ANSWER_BYTES).await?;
        Ok(RawResponse {
            status,
            request_id,
            retry_after,
            body,
        })
    }

    /// Sends `req`, retrying transient failures per the policy. A non-2xx answer that is not
    /// retried is returned as `Ok` so the caller can look at 401s; network failures are `Err`.
    pub async fn send(&self, req: &Request, auth: Option<&HeaderValue>) -> Result<RawResponse> {
        let mut retry = 0;
        loop {
            let outcome = self.send_once(req, auth).await;
            let delay = match &outcome {
                Ok(resp) => self.retry_delay_for_status(req, resp, retry),
                Err(e) => self.retry_delay_for_error(req, e, retry),
            };
            match delay {
                Some(d) => {
                    tracing::debug!(
                        path = %req.path,
                        retry = retry + 1,
                        delay_ms = d.as_millis() as u64,
                        "retrying request"
                    );
                    tokio::time::sleep(d).await;
                    retry += 1;
                }
                None => return outcome,
            }
        }
    }

    fn retry_delay_for_status(
        &self,
        req: &Request,
        resp: &RawResponse,
        retry: u32,
    ) -> Option<Duration> {
        if retry >= self.retry.max_retries {
            return None;
        }
        let status = resp.status.as_u16();
        let allowed = match status {
            429 => true,
            408 | 500..=599 => req.retry != Retry::Unsafe,
            _ => false,
        };
        if !allowed {
            return None;
        }
        match resp.retry_after {
            Some(after) => self.retry.honour_retry_after(after),
            None => Some(self.retry.backoff(retry)),
        }
    }

    fn retry_delay_for_error(&self, req: &Request, e: &Error, retry: u32) -> Option<Duration> {
        if retry >= self.retry.max_retries {
            return None;
        }
        let allowed = match e.kind() {
            ErrorKind::Network => req.retry != Retry::Unsafe || e.is_connect(),
            ErrorKind::Timeout => req.retry != Retry::Unsafe,
            _ => false,
        };
        allowed.then(|| self.retry.backoff(retry))
    }
}

impl RawResponse {
    /// Opens the success envelope, or turns the answer into the typed error.
    pub fn into_data<T: DeserializeOwned>(self) -> Result<T> {
        if !self.status.is_success() {
            return Err(self.into_error());
        }
        let env: Envelope<T> = serde_json::from_slice(&self.body).map_err(|e| {
            Error::new(ErrorKind::Decode, "the server's answer is not what this SDK expects; update the SDK or check the base URL")
                .with_status(self.status.as_u16())
                .with_request_id(self.request_id.clone())
                .with_source(e)
        })?;
        env.data.ok_or_else(|| {
            Error::new(ErrorKind::Decode, "the server's answer has no data")
                .with_request_id(self.request_id.clone())
        })
    }

    /// The typed error for a non-2xx answer.
    pub fn into_error(self) -> Error {
        let body: Option<ErrorBody> = serde_json::from_slice(&self.body).ok();
        Error::from_api(
            self.status.as_u16(),
            body,
            self.request_id,
            self.retry_after,
        )
    }
}

/// The most an API answer may hold (renders, pages of 100, errors): far above any real one, so
/// a misbehaving server or a proxy's endless body cannot exhaust a plugin's memory.
pub(crate) const MAX_ANSWER_BYTES: usize = 8 << 20;

/// The body of `resp`, refused with a `Decode` error (`RESPONSE_TOO_LARGE`) past `cap` bytes
/// (checked from `Content-Length` first, then while reading).
pub(crate) async fn read_capped(mut resp: reqwest::Response, cap: usize) -> Result<Bytes> {
    let too_large = || {
        Error::new(
            ErrorKind::Decode,
            format!(
                "the answer is larger than {} MiB: is the base URL the Renderiq API?",
                cap >> 20
            ),
        )
        .with_code("RESPONSE_TOO_LARGE")
    };
    if resp.content_length().is_some_and(|n| n > cap as u64) {
        return Err(too_large());
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = resp.chunk().await? {
        if body.len() + chunk.len() > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}
