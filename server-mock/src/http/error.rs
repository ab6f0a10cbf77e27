//! [`ApiError`]: the one error type of every handler and extractor, answered in the API's error
//! envelope ([`ErrorBody`]) with the status its [`ErrorCode`] prescribes.

use std::collections::BTreeMap;

use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::extract::rejection::{BytesRejection, JsonRejection, PathRejection, QueryRejection};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use renderiq_sdk::types::{ErrorBody, ErrorCode};

use crate::store;

tokio::task_local! {
    /// The id of the request being handled, set by the request-id middleware.
    pub(crate) static REQUEST_ID: String;
}

/// The id of the current request, when called while handling one.
pub(crate) fn current_request_id() -> Option<String> {
    REQUEST_ID.try_with(Clone::clone).ok()
}

/// Every error the API answers with. One variant per error code.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 401 `AUTH_REQUIRED`.
    #[error("{0}")]
    AuthRequired(String),
    /// 401 `INVALID_CREDENTIALS`.
    #[error("invalid email or password")]
    InvalidCredentials,
    /// 403 `INSUFFICIENT_SCOPE`.
    #[error("this API key lacks the scope {scope:?}")]
    InsufficientScope {
        /// The scope the route needs.
        scope: String,
    },
    /// 404 `NOT_FOUND`.
    #[error("{0}")]
    NotFound(String),
    /// 405 with `NOT_FOUND`: the path exists but not for this method.
    #[error("method not allowed on this route")]
    MethodNotAllowed,
    /// 403 with `AUTH_REQUIRED`: a `/cdn/` link without a valid signature, or expired.
    #[error("{0}")]
    LinkRefused(String),
    /// 400 `INVALID_INPUT` with field errors.
    #[error("{message}")]
    InvalidInput {
        /// Summary.
        message: String,
        /// Field name → what is wrong with it.
        details: BTreeMap<String, String>,
    },
    /// 413 `PAYLOAD_TOO_LARGE`.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// 402 `INSUFFICIENT_CREDITS`.
    #[error("insufficient credits: {required} required, {available} available")]
    InsufficientCredits {
        /// Credits the operation costs.
        required: i64,
        /// Credits the user has.
        available: i64,
    },
    /// 429 `RATE_LIMIT_EXCEEDED`.
    #[error("rate limit exceeded: retry in {retry_after} s")]
    RateLimited {
        /// Seconds until the limit lets a request through again (also sent as `Retry-After`).
        retry_after: u64,
    },
    /// 409 `IDEMPOTENCY_CONFLICT`.
    #[error("this Idempotency-Key was already used with a different request")]
    IdempotencyConflict,
    /// 409 `CONFLICT`.
    #[error("{0}")]
    Conflict(String),
    /// 500 `RENDER_FAILED`.
    #[error("{0}")]
    RenderFailed(String),
    /// 503 `SERVICE_UNAVAILABLE`.
    #[error("{0}")]
    ServiceUnavailable(String),
    /// 500 `INTERNAL_ERROR`: logged, never shown.
    #[error("internal error: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl ApiError {
    /// `INVALID_INPUT` naming one field.
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        let message = message.into();
        Self::InvalidInput {
            message: format!("invalid {field}: {message}"),
            details: BTreeMap::from([(field.to_owned(), message)]),
        }
    }

    /// `INVALID_INPUT` from collected field errors, or `Ok` when there are none.
    pub fn check_fields(details: BTreeMap<String, String>) -> Result<(), Self> {
        if details.is_empty() {
            return Ok(());
        }
        let fields: Vec<&str> = details.keys().map(String::as_str).collect();
        Err(Self::InvalidInput {
            message: format!("invalid input: {}", fields.join(", ")),
            details,
        })
    }

    /// `NOT_FOUND` for a kind of resource.
    pub fn not_found(what: &str) -> Self {
        Self::NotFound(format!("{what} not found"))
    }

    /// `INTERNAL_ERROR` from anything displayable.
    pub fn internal(e: impl std::fmt::Display) -> Self {
        Self::Internal(anyhow::anyhow!("{e}"))
    }

    /// The error code of this error.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::AuthRequired(_) | Self::LinkRefused(_) => ErrorCode::AuthRequired,
            Self::InvalidCredentials => ErrorCode::InvalidCredentials,
            Self::InsufficientScope { .. } => ErrorCode::InsufficientScope,
            Self::NotFound(_) | Self::MethodNotAllowed => ErrorCode::NotFound,
            Self::InvalidInput { .. } => ErrorCode::InvalidInput,
            Self::PayloadTooLarge(_) => ErrorCode::PayloadTooLarge,
            Self::InsufficientCredits { .. } => ErrorCode::InsufficientCredits,
            Self::RateLimited { .. } => ErrorCode::RateLimitExceeded,
            Self::IdempotencyConflict => ErrorCode::IdempotencyConflict,
            Self::Conflict(_) => ErrorCode::Conflict,
            Self::RenderFailed(_) => ErrorCode::RenderFailed,
            Self::ServiceUnavailable(_) => ErrorCode::ServiceUnavailable,
            Self::Internal(_) => ErrorCode::InternalError,
        }
    }

    /// The HTTP status: the code's, except 405 for a wrong method and 403 for a refused link.
    pub fn status(&self) -> StatusCode {
        match self {
            Self::MethodNotAllowed => return StatusCode::METHOD_NOT_ALLOWED,
            Self::LinkRefused(_) => return StatusCode::FORBIDDEN,
            _ => {}
        }
        StatusCode::from_u16(self.code().http_status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// The envelope body (without the request id).
    pub fn body(&self) -> ErrorBody {
        let code = self.code();
        let mut body = ErrorBody {
            success: false,
            error: match self {
                Self::Internal(_) => "internal server error".to_owned(),
                other => other.to_string(),
            },
            error_code: code.as_str().to_owned(),
            ..ErrorBody::default()
        };
        match self {
            Self::InvalidInput { details, .. } => {
                body.details = Some(serde_json::to_value(details).unwrap_or_default());
            }
            Self::InsufficientScope { scope } => {
                body.details = Some(serde_json::json!({ "requiredScope": scope }));
            }
            Self::InsufficientCredits {
                required,
                available,
            } => {
                body.required_credits = Some(*required);
                body.available_credits = Some(*available);
            }
            Self::RateLimited { retry_after } => body.retry_after = Some(*retry_after),
            _ => {}
        }
        body
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let Self::Internal(e) = &self {
            tracing::error!(request_id = ?current_request_id(), error = format!("{e:#}"), "internal error");
        }
        let mut body = self.body();
        body.request_id = current_request_id();
        let mut response = (self.status(), Json(body)).into_response();
        if let Self::RateLimited { retry_after } = self {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response
    }
}

/// A store refusal becomes its error code; a database failure an `INTERNAL_ERROR` (logged, never
/// shown).
impl From<store::Error> for ApiError {
    fn from(e: store::Error) -> Self {
        use store::Error as E;
        match e {
            E::NotFound(what) => Self::not_found(what),
            E::InsufficientCredits {
                required,
                available,
            } => Self::InsufficientCredits {
                required,
                available,
            },
            E::IdempotencyConflict => Self::IdempotencyConflict,
            E::PendingLimit { pending, max } => Self::Conflict(format!(
                "you have {pending} renders pending or processing; the limit is {max} \
                 (--max-pending-renders): wait for one to end or cancel one, then retry"
            )),
            E::WebhookLimit { registered, max } => Self::Conflict(format!(
                "you have {registered} webhooks, the most a user may register here \
                 (--max-webhooks-per-user {max}); delete one you no longer need \
                 (DELETE /webhooks/{{id}}) to register another"
            )),
            E::NotPending(status) => Self::Conflict(format!(
                "render is {status}; only pending renders can be cancelled"
            )),
            e @ (E::Duplicate(_) | E::Overflow(_) | E::Encode(_) | E::Database(_)) => {
                Self::Internal(e.into())
            }
        }
    }
}

impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        rejection(r.status(), r.body_text(), "body")
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        rejection(r.status(), r.body_text(), "query")
    }
}

impl From<PathRejection> for ApiError {
    fn from(r: PathRejection) -> Self {
        rejection(r.status(), r.body_text(), "path")
    }
}

impl From<BytesRejection> for ApiError {
    fn from(r: BytesRejection) -> Self {
        rejection(r.status(), r.body_text(), "body")
    }
}

impl From<MultipartRejection> for ApiError {
    fn from(r: MultipartRejection) -> Self {
        rejection(r.status(), r.body_text(), "body")
    }
}

impl From<MultipartError> for ApiError {
    fn from(r: MultipartError) -> Self {
        rejection(r.status(), r.body_text(), "body")
    }
}

fn rejection(status: StatusCode, text: String, field: &str) -> ApiError {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        ApiError::PayloadTooLarge("request body too large".to_owned())
    } else {
        ApiError::invalid(field, text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn every_variant() -> Vec<ApiError> {
        vec![
            ApiError::AuthRequired("x".into()),
            ApiError::InvalidCredentials,
            ApiError::InsufficientScope {
                scope: "renders:read".into(),
            },
            ApiError::not_found("render"),
            ApiError::invalid("prompt", "too long"),
            ApiError::PayloadTooLarge("big".into()),
            ApiError::InsufficientCredits {
                required: 10,
                available: 3,
            },
            ApiError::RateLimited { retry_after: 7 },
            ApiError::IdempotencyConflict,
            ApiError::Conflict("state".into()),
            ApiError::RenderFailed("boom".into()),
            ApiError::Internal(anyhow::anyhow!("secret detail")),
            ApiError::ServiceUnavailable("later".into()),
        ]
    }

    #[test]
    fn every_error_code_has_its_envelope_and_status() {
        let errors = every_variant();
        let codes: Vec<ErrorCode> = errors.iter().map(ApiError::code).collect();
        for code in ErrorCode::ALL {
            assert!(codes.contains(&code), "{code} has no variant");
        }
        for error in errors {
            let body = error.body();
            assert!(!body.success);
            assert_eq!(body.error_code, error.code().as_str());
            assert_eq!(error.status().as_u16(), error.code().http_status());
            assert!(!body.error.is_empty());
            match error.code() {
                ErrorCode::InsufficientCredits => {
                    assert_eq!(
                        (body.required_credits, body.available_credits),
                        (Some(10), Some(3))
                    );
                }
                ErrorCode::RateLimitExceeded => assert_eq!(body.retry_after, Some(7)),
                ErrorCode::InvalidInput => assert_eq!(body.details.unwrap()["prompt"], "too long"),
                ErrorCode::InsufficientScope => {
                    assert_eq!(body.details.unwrap()["requiredScope"], "renders:read")
                }
                ErrorCode::InternalError => {
                    assert!(!body.error.contains("secret"), "{}", body.error)
                }
                _ => {}
            }
        }
    }

    #[test]
    fn rate_limited_response_carries_retry_after() {
        let response = ApiError::RateLimited { retry_after: 12 }.into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[header::RETRY_AFTER], "12");
    }
}
