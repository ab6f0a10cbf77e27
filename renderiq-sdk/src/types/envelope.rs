//! The answer envelopes, the API's error codes and the plain "done" answer.

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The success envelope: `{ "success": true, "data": … }`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Envelope<T> {
    /// Always `true` for this shape.
    pub success: bool,
    /// The payload.
    #[serde(default = "Option::default", skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
}

impl<T> Envelope<T> {
    /// Wraps `data` in a success envelope.
    ///
    /// ```
    /// let env = renderiq_sdk::types::Envelope::ok(3);
    /// assert!(env.success);
    /// ```
    pub fn ok(data: T) -> Self {
        Self {
            success: true,
            data: Some(data),
        }
    }
}

/// The error envelope: `{ "success": false, "error": "...", "errorCode": "...", ... }`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ErrorBody {
    /// Always `false`.
    pub success: bool,
    /// Human-readable message.
    pub error: String,
    /// Machine-readable code, see [`ErrorCode`].
    pub error_code: String,
    /// Request id of the failed request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Field errors or other structured details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub details: Option<serde_json::Value>,
    /// Credits a render needs (`INSUFFICIENT_CREDITS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub required_credits: Option<i64>,
    /// Credits available (`INSUFFICIENT_CREDITS`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available_credits: Option<i64>,
    /// Seconds to wait before retrying (`RATE_LIMIT_EXCEEDED`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after: Option<u64>,
}

wire_enum! {
    /// The API's error codes.
    #[non_exhaustive]
    pub enum ErrorCode("error code") {
        /// 401: no token, an invalid or expired token.
        AuthRequired = "AUTH_REQUIRED",
        /// 401: wrong email or password.
        InvalidCredentials = "INVALID_CREDENTIALS",
        /// 403: the API key lacks a scope the route needs.
        InsufficientScope = "INSUFFICIENT_SCOPE",
        /// 404: no such resource (or it belongs to another user).
        NotFound = "NOT_FOUND",
        /// 400: the request failed validation; `details` names the fields.
        InvalidInput = "INVALID_INPUT",
        /// 413: the upload is larger than the server accepts.
        PayloadTooLarge = "PAYLOAD_TOO_LARGE",
        /// 402: not enough credits; carries required and available credits.
        InsufficientCredits = "INSUFFICIENT_CREDITS",
        /// 429: too many requests; carries `retryAfter`.
        RateLimitExceeded = "RATE_LIMIT_EXCEEDED",
        /// 409: an `Idempotency-Key` was reused with a different request body.
        IdempotencyConflict = "IDEMPOTENCY_CONFLICT",
        /// 409: the resource is in a state that does not allow the operation.
        Conflict = "CONFLICT",
        /// 500: the render failed.
        RenderFailed = "RENDER_FAILED",
        /// 500: an unexpected server error.
        InternalError = "INTERNAL_ERROR",
        /// 503: the service is temporarily unavailable.
        ServiceUnavailable = "SERVICE_UNAVAILABLE",
    }
}

impl ErrorCode {
    /// Parses the wire spelling; `None` for a code this SDK does not know.
    ///
    /// ```
    /// use renderiq_sdk::types::ErrorCode;
    /// assert_eq!(ErrorCode::parse("NOT_FOUND"), Some(ErrorCode::NotFound));
    /// assert_eq!(ErrorCode::NotFound.as_str(), "NOT_FOUND");
    /// assert_eq!(ErrorCode::parse("TEAPOT"), None);
    /// ```
    pub fn parse(s: &str) -> Option<Self> {
        s.parse().ok()
    }

    /// The HTTP status the server answers with for this code.
    pub fn http_status(self) -> u16 {
        match self {
            Self::AuthRequired | Self::InvalidCredentials => 401,
            Self::InsufficientScope => 403,
            Self::NotFound => 404,
            Self::InvalidInput => 400,
            Self::PayloadTooLarge => 413,
            Self::InsufficientCredits => 402,
            Self::RateLimitExceeded => 429,
            Self::IdempotencyConflict | Self::Conflict => 409,
            Self::RenderFailed | Self::InternalError => 500,
            Self::ServiceUnavailable => 503,
        }
    }
}

/// `POST /auth/signout` answer, and other "done" answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Ack {
    /// `true` when the operation took effect.
    pub ok: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_round_trip_through_their_wire_spelling() {
        for code in ErrorCode::ALL {
            assert_eq!(ErrorCode::parse(code.as_str()), Some(code));
        }
        assert_eq!(ErrorCode::parse("NOPE"), None);
    }
}
