//! The SDK's one error type.
//!
//! Every fallible call returns [`Result<T>`]. An [`Error`] has a [`ErrorKind`] (what went wrong,
//! which bindings map to their exception classes), and carries what the API said: the
//! `errorCode`, HTTP status, request id, field details, credit figures and `retryAfter`.
//! Only the crate builds errors.
//!
//! # Examples
//!
//! ```no_run
//! # async fn run(client: renderiq_sdk::Client) {
//! match client.credits().await {
//!     Ok(c) => println!("{} credits", c.balance),
//!     Err(e) if e.is_auth() => println!("sign in again: {e}"),
//!     Err(e) if e.is_rate_limited() => println!("retry in {:?}", e.retry_after()),
//!     Err(e) => println!("failed: {e} (request {:?})", e.request_id()),
//! }
//! # }
//! ```

use std::fmt;
use std::time::Duration;

use crate::types::{ErrorBody, ErrorCode};

/// `Result` with the SDK's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What kind of failure an [`Error`] is. Bindings map each kind to an exception class of the
/// same name (`AuthError`, `InsufficientCreditsError`, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Not signed in, token invalid or expired and not refreshable, wrong credentials.
    Auth,
    /// The API key lacks a scope (`INSUFFICIENT_SCOPE`).
    PermissionDenied,
    /// No such resource.
    NotFound,
    /// The request was rejected as invalid (by the server or before sending).
    InvalidInput,
    /// Not enough credits.
    InsufficientCredits,
    /// Too many requests.
    RateLimited,
    /// Idempotency-key reuse with another body, or a state conflict.
    Conflict,
    /// The server failed (5xx).
    Server,
    /// A render ended in the `failed` state.
    RenderFailed,
    /// Could not reach the server (DNS, connect, TLS, reset).
    Network,
    /// A request timed out or a wait passed its deadline.
    Timeout,
    /// The operation was cancelled by the caller.
    Cancelled,
    /// A screenshot could not be read or encoded.
    Image,
    /// A webhook delivery failed verification.
    WebhookVerification,
    /// The token store (keychain, file) failed.
    TokenStore,
    /// The client was configured wrongly.
    Config,
    /// The server's answer could not be understood.
    Decode,
}

impl ErrorKind {
    /// Stable snake_case name, used across the FFI and by the bindings.
    ///
    /// ```
    /// assert_eq!(renderiq_sdk::ErrorKind::RateLimited.as_str(), "rate_limited");
    /// ```
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auth => "auth",
            Self::PermissionDenied => "permission_denied",
            Self::NotFound => "not_found",
            Self::InvalidInput => "invalid_input",
            Self::InsufficientCredits => "insufficient_credits",
            Self::RateLimited => "rate_limited",
            Self::Conflict => "conflict",
            Self::Server => "server",
            Self::RenderFailed => "render_failed",
            Self::Network => "network",
            Self::Timeout => "timeout",
            Self::Cancelled => "cancelled",
            Self::Image => "image",
            Self::WebhookVerification => "webhook_verification",
            Self::TokenStore => "token_store",
            Self::Config => "config",
            Self::Decode => "decode",
        }
    }

    /// Every kind, in a stable order (the FFI's numeric codes follow it, starting at 1).
    pub const ALL: [ErrorKind; 17] = [
        Self::Auth,
        Self::PermissionDenied,
        Self::NotFound,
        Self::InvalidInput,
        Self::InsufficientCredits,
        Self::RateLimited,
        Self::Conflict,
        Self::Server,
        Self::RenderFailed,
        Self::Network,
        Self::Timeout,
        Self::Cancelled,
        Self::Image,
        Self::WebhookVerification,
        Self::TokenStore,
        Self::Config,
        Self::Decode,
    ];

    fn from_api(code: Option<ErrorCode>, status: u16) -> Self {
        match code {
            Some(ErrorCode::AuthRequired | ErrorCode::InvalidCredentials) => Self::Auth,
            Some(ErrorCode::InsufficientScope) => Self::PermissionDenied,
            Some(ErrorCode::NotFound) => Self::NotFound,
            Some(ErrorCode::InvalidInput | ErrorCode::PayloadTooLarge) => Self::InvalidInput,
            Some(ErrorCode::InsufficientCredits) => Self::InsufficientCredits,
            Some(ErrorCode::RateLimitExceeded) => Self::RateLimited,
            Some(ErrorCode::IdempotencyConflict | ErrorCode::Conflict) => Self::Conflict,
            Some(ErrorCode::RenderFailed) => Self::RenderFailed,
            Some(ErrorCode::InternalError | ErrorCode::ServiceUnavailable) => Self::Server,
            None => match status {
                401 => Self::Auth,
                403 => Self::PermissionDenied,
                404 => Self::NotFound,
                400 | 413 | 422 => Self::InvalidInput,
                402 => Self::InsufficientCredits,
                408 => Self::Timeout,
                409 => Self::Conflict,
                429 => Self::RateLimited,
                _ => Self::Server,
            },
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The SDK's error. Small (one pointer), `Send + Sync`, cheap to move.
///
/// Cloning is cheap enough for an outcome read more than once; the underlying cause is shared.
#[derive(Clone)]
pub struct Error {
    inner: Box<Inner>,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.display())
    }
}

impl std::error::Error for Error {
    /// The underlying cause (an I/O, HTTP, JSON or keychain error), when there is one.
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[derive(Clone)]
struct Inner {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    code: Option<String>,
    request_id: Option<String>,
    details: Option<serde_json::Value>,
    required_credits: Option<i64>,
    available_credits: Option<i64>,
    retry_after: Option<Duration>,
    source: Option<std::sync::Arc<dyn std::error::Error + Send + Sync>>,
}

impl Inner {
    fn display(&self) -> String {
        self.display_for(crate::call::Language::Rust)
    }

    fn display_for(&self, language: crate::call::Language) -> String {
        let mut s = self.message.clone();
        if let Some(template) = self.hint_id().and_then(crate::error_table::hint_template) {
            s.push_str(" (");
            s.push_str(&language.render_hint(template));
            s.push(')');
        }
        if let Some(id) = &self.request_id {
            s.push_str(" [request ");
            s.push_str(id);
            s.push(']');
        }
        s
    }

    fn hint_id(&self) -> Option<&'static str> {
        crate::error_table::hint_id(self.kind, self.code.as_deref())
    }
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                status: None,
                code: None,
                request_id: None,
                details: None,
                required_credits: None,
                available_credits: None,
                retry_after: None,
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        self.inner.source = Some(std::sync::Arc::new(source));
        self
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.inner.status = Some(status);
        self
    }

    pub(crate) fn with_request_id(mut self, id: Option<String>) -> Self {
        self.inner.request_id = id;
        self
    }

    pub(crate) fn with_details(mut self, details: serde_json::Value) -> Self {
        self.inner.details = Some(details);
        self
    }

    /// Builds the error for an API error answer.
    pub(crate) fn from_api(
        status: u16,
        body: Option<ErrorBody>,
        request_id: Option<String>,
        retry_after_header: Option<Duration>,
    ) -> Self {
        let body = body.unwrap_or_default();
        let code = ErrorCode::parse(&body.error_code);
        let kind = ErrorKind::from_api(code, status);
        let message = if body.error.is_empty() {
            format!("the server answered HTTP {status}")
        } else {
            body.error
        };
        let mut err = Error::new(kind, message).with_status(status);
        if !body.error_code.is_empty() {
            err.inner.code = Some(body.error_code);
        }
        err.inner.request_id = body.request_id.or(request_id);
        err.inner.details = body.details;
        err.inner.required_credits = body.required_credits;
        err.inner.available_credits = body.available_credits;
        err.inner.retry_after = retry_after_header.or(body.retry_after.map(Duration::from_secs));
        err
    }

    pub(crate) fn config(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::Config, message)
    }

    pub(crate) fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidInput, message)
    }

    /// An error of `kind` with `message` and no other fields: for tests of code that handles
    /// errors (a fake client, a binding's mapping). Errors from the SDK carry more (status,
    /// code, request id).
    ///
    /// ```
    /// use renderiq_sdk::{Error, ErrorKind};
    /// let e = Error::of_kind(ErrorKind::RateLimited, "slow down");
    /// assert_eq!(e.kind(), ErrorKind::RateLimited);
    /// assert_eq!(e.message(), "slow down");
    /// ```
    pub fn of_kind(kind: ErrorKind, message: impl Into<String>) -> Self {
        Self::new(kind, message)
    }

    /// The error of an operation the caller cancelled.
    ///
    /// ```
    /// assert!(renderiq_sdk::Error::cancelled().is_cancelled());
    /// ```
    pub fn cancelled() -> Self {
        Self::new(ErrorKind::Cancelled, "the operation was cancelled")
    }

    pub(crate) fn not_signed_in() -> Self {
        Self::new(
            ErrorKind::Auth,
            "not signed in: call sign_in or set an API key first",
        )
        .with_code("AUTH_REQUIRED")
    }

    /// Replaces the message, keeping everything else.
    pub(crate) fn with_message(mut self, message: impl Into<String>) -> Self {
        self.inner.message = message.into();
        self
    }

    /// The id of this error's row in [`error_table::HINTS`](crate::error_table::HINTS): what
    /// to do next, which each binding renders in its own API's names.
    ///
    /// ```
    /// # fn show(e: &renderiq_sdk::Error) {
    /// if let Some(id) = e.hint_id() { println!("hint {id}"); }
    /// # }
    /// ```
    pub fn hint_id(&self) -> Option<&'static str> {
        self.inner.hint_id()
    }

    /// The message with what to do next in `language`'s names and the request id: what a
    /// binding shows its users.
    ///
    /// ```
    /// use renderiq_sdk::call::Language;
    /// let e = renderiq_sdk::Error::cancelled();
    /// assert_eq!(e.display_for(Language::Python), "the operation was cancelled");
    /// ```
    pub fn display_for(&self, language: crate::call::Language) -> String {
        self.inner.display_for(language)
    }

    /// What to do next, in Rust's names (the bindings use their generated tables).
    pub fn hint(&self) -> Option<String> {
        self.hint_for(crate::call::Language::Rust)
    }

    /// What to do next, in `language`'s names (for bindings without a generated table).
    ///
    /// ```
    /// use renderiq_sdk::call::Language;
    /// # fn demo(e: renderiq_sdk::Error) {
    /// let next_step = e.hint_for(Language::Kotlin); // "… call createRender …"
    /// # }
    /// ```
    pub fn hint_for(&self, language: crate::call::Language) -> Option<String> {
        self.hint_id()
            .and_then(crate::error_table::hint_template)
            .map(|t| language.render_hint(t))
    }

    pub(crate) fn with_code(mut self, code: &str) -> Self {
        self.inner.code = Some(code.to_owned());
        self
    }

    /// `true` when the connection could not be established, so the server saw nothing.
    pub(crate) fn is_connect(&self) -> bool {
        self.inner
            .source
            .as_ref()
            .and_then(|s| s.downcast_ref::<reqwest::Error>())
            .is_some_and(|e| e.is_connect())
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The message, without hint or request id.
    pub fn message(&self) -> &str {
        &self.inner.message
    }

    /// HTTP status of the failed response, if the server answered.
    pub fn status(&self) -> Option<u16> {
        self.inner.status
    }

    /// The API's `errorCode` (`"INSUFFICIENT_CREDITS"`, …), if any.
    pub fn error_code(&self) -> Option<&str> {
        self.inner.code.as_deref()
    }

    /// The request id the server gave the failed request; quote it to support.
    pub fn request_id(&self) -> Option<&str> {
        self.inner.request_id.as_deref()
    }

    /// Structured details (field errors for `INVALID_INPUT`).
    pub fn details(&self) -> Option<&serde_json::Value> {
        self.inner.details.as_ref()
    }

    /// Credits the render needed (`INSUFFICIENT_CREDITS`).
    pub fn required_credits(&self) -> Option<i64> {
        self.inner.required_credits
    }

    /// Credits available (`INSUFFICIENT_CREDITS`).
    pub fn available_credits(&self) -> Option<i64> {
        self.inner.available_credits
    }

    /// How long to wait before retrying (`RATE_LIMIT_EXCEEDED`, 503).
    pub fn retry_after(&self) -> Option<Duration> {
        self.inner.retry_after
    }

    /// `true` for authentication failures.
    pub fn is_auth(&self) -> bool {
        self.kind() == ErrorKind::Auth
    }

    /// `true` for 429 answers.
    pub fn is_rate_limited(&self) -> bool {
        self.kind() == ErrorKind::RateLimited
    }

    /// `true` for timeouts and passed deadlines.
    pub fn is_timeout(&self) -> bool {
        self.kind() == ErrorKind::Timeout
    }

    /// `true` for caller cancellation.
    pub fn is_cancelled(&self) -> bool {
        self.kind() == ErrorKind::Cancelled
    }

    /// `true` for insufficient credits.
    pub fn is_insufficient_credits(&self) -> bool {
        self.kind() == ErrorKind::InsufficientCredits
    }

    /// `true` for 404 answers.
    pub fn is_not_found(&self) -> bool {
        self.kind() == ErrorKind::NotFound
    }

    /// `true` when repeating the same request may succeed: network errors, timeouts, 408, 429
    /// and 5xx (but not a render that failed).
    ///
    /// ```
    /// # use renderiq_sdk::ErrorKind;
    /// // errors are built by the SDK; this shows the question to ask of one:
    /// fn should_retry(e: &renderiq_sdk::Error) -> bool { e.is_retryable() }
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self.kind() {
            ErrorKind::Network | ErrorKind::Timeout | ErrorKind::RateLimited => true,
            ErrorKind::Server => true,
            _ => {
                matches!(self.status(), Some(408 | 429 | 500..=599))
                    && self.kind() != ErrorKind::RenderFailed
            }
        }
    }

    /// The details as one JSON object: `{kind, code, message, status, requestId, details, …}`.
    /// This is what the C ABI hands to the bindings.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "kind": self.kind().as_str(),
            "hintId": self.hint_id(),
            "code": self.error_code(),
            "message": self.message(),
            "display": self.to_string(),
            "status": self.status(),
            "requestId": self.request_id(),
            "details": self.details(),
            "requiredCredits": self.required_credits(),
            "availableCredits": self.available_credits(),
            "retryAfter": self.retry_after().map(|d| d.as_secs_f64()),
        })
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("renderiq_sdk::Error");
        d.field("kind", &self.inner.kind)
            .field("message", &self.inner.message);
        if let Some(s) = self.inner.status {
            d.field("status", &s);
        }
        if let Some(c) = &self.inner.code {
            d.field("code", c);
        }
        if let Some(r) = &self.inner.request_id {
            d.field("request_id", r);
        }
        if let Some(src) = &self.inner.source {
            d.field("source", src);
        }
        d.finish()
    }
}

impl From<reqwest::Error> for Error {
    fn from(e: reqwest::Error) -> Self {
        // reqwest's Display can include the URL but never headers, so no token leaks here.
        let kind = if e.is_timeout() {
            ErrorKind::Timeout
        } else if e.is_decode() {
            ErrorKind::Decode
        } else if e.is_builder() {
            ErrorKind::Config
        } else {
            ErrorKind::Network
        };
        let msg = match kind {
            ErrorKind::Timeout => "the request timed out".to_owned(),
            ErrorKind::Decode => "could not read the server's answer".to_owned(),
            ErrorKind::Config => format!("invalid request: {e}"),
            _ => format!("could not reach the Renderiq server: {}", root_cause(&e)),
        };
        Error::new(kind, msg).with_source(e)
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_and_one_pointer_wide() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn api_error_carries_its_fields() {
        let body = ErrorBody {
            success: false,
            error: "Insufficient credits".into(),
            error_code: "INSUFFICIENT_CREDITS".into(),
            request_id: Some("req_1".into()),
            details: None,
            required_credits: Some(10),
            available_credits: Some(5),
            retry_after: None,
        };
        let e = Error::from_api(402, Some(body), None, None);
        assert_eq!(e.kind(), ErrorKind::InsufficientCredits);
        assert_eq!(e.required_credits(), Some(10));
        assert_eq!(e.available_credits(), Some(5));
        assert_eq!(e.request_id(), Some("req_1"));
        assert!(e.to_string().contains("buy or grant credits"), "{e}");
        assert!(!e.is_retryable());
    }

    #[test]
    fn unknown_code_falls_back_to_status() {
        let e = Error::from_api(503, None, Some("r".into()), Some(Duration::from_secs(2)));
        assert_eq!(e.kind(), ErrorKind::Server);
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(2)));
    }
}
